// views.test.mjs - view counting (src/http/views.c): the beacon sums
// counts in memory, a flusher writes them every second and at shutdown;
// floods of concurrent beacons end exact, page loads do not count.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer } from './lib.mjs';

let srv;
let ids; // ids of demo articles in the English edition

before(async () => {
  srv = await startServer({ demo: true });
  const list = await (await fetch(`${srv.url}/api/v1/articles?edition=en&per_page=5`)).json();
  ids = list.articles.map((a) => a.id);
});
after(async () => { await srv?.stop(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function storedViews(s, id) {
  const res = await fetch(`${s.url}/api/v1/articles/${id}`);
  assert.equal(res.status, 200);
  return (await res.json()).views;
}

/* n beacons for id, `width` in flight at a time; the answers' totals. */
async function beacons(s, id, n, width = 50) {
  const totals = [];
  let next = 0;
  async function lane() {
    while (next < n) {
      next++;
      const res = await fetch(`${s.url}/api/v1/views/${id}`, { method: 'POST' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const body = await res.json();
      assert.equal(body.id, id);
      totals.push(body.views);
    }
  }
  await Promise.all(Array.from({ length: width }, lane));
  return totals;
}

test('2,000 concurrent beacons end with exactly 2,000 more views', async () => {
  const id = ids[0];
  const v0 = await storedViews(srv, id);
  const totals = await beacons(srv, id, 2000, 50);
  assert.equal(totals.length, 2000);
  // every answer counts its own view: v0+1 ... v0+2000, each once
  const sorted = [...totals].sort((a, b) => a - b);
  assert.equal(sorted[0], v0 + 1);
  assert.equal(sorted[1999], v0 + 2000);
  assert.equal(new Set(totals).size, 2000);
  await sleep(1500); // the flusher writes every second
  assert.equal(await storedViews(srv, id), v0 + 2000);
});

test('beacons for several articles at once stay apart', async () => {
  const before1 = await Promise.all(ids.slice(1, 4).map((id) => storedViews(srv, id)));
  await Promise.all(ids.slice(1, 4).map((id, i) => beacons(srv, id, 100 * (i + 1), 20)));
  await sleep(1500);
  const after1 = await Promise.all(ids.slice(1, 4).map((id) => storedViews(srv, id)));
  assert.deepEqual(after1.map((v, i) => v - before1[i]), [100, 200, 300]);
});

test('page loads, GET and HEAD do not count; bad ids are refused', async () => {
  const id = ids[4];
  const v0 = await storedViews(srv, id);
  const { url } = await (await fetch(`${srv.url}/api/v1/articles/${id}`)).json();
  for (let i = 0; i < 5; i++) assert.equal((await fetch(`${srv.url}${url}`)).status, 200);
  for (const method of ['GET', 'HEAD']) {
    const res = await fetch(`${srv.url}/api/v1/views/${id}`, { method });
    assert.equal(res.status, 405, method);
  }
  assert.equal((await fetch(`${srv.url}/api/v1/views/0`, { method: 'POST' })).status, 400);
  assert.equal((await fetch(`${srv.url}/api/v1/views/abc`, { method: 'POST' })).status, 400);
  assert.equal((await fetch(`${srv.url}/api/v1/views/99999999`, { method: 'POST' })).status, 404);
  await sleep(1200);
  assert.equal(await storedViews(srv, id), v0);
  // one beacon: the answer is the stored count plus this view
  const res = await fetch(`${srv.url}/api/v1/views/${id}`, { method: 'POST' });
  assert.equal((await res.json()).views, v0 + 1);
});

test('SIGTERM writes the pending counts before exit', async () => {
  // keep the data folder past stop() to start again on it
  const keep = process.env.GAZETTE_KEEP_DATA;
  process.env.GAZETTE_KEEP_DATA = '1';
  let first;
  try {
    first = await startServer({ demo: true });
  } finally {
    if (keep === undefined) delete process.env.GAZETTE_KEEP_DATA;
    else process.env.GAZETTE_KEEP_DATA = keep;
  }
  const dir = first.dataDir;
  try {
    const id = ids[0];
    const v0 = await storedViews(first, id);
    await beacons(first, id, 300, 50);
    await first.stop(); // right after the burst: most counts are pending
    // the same site again (the last --data wins over startServer's own)
    const second = await startServer({ init: false, args: ['--data', dir] });
    try {
      assert.equal(await storedViews(second, id), v0 + 300);
    } finally {
      await second.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
