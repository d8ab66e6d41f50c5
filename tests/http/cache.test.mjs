// cache.test.mjs - the page cache (src/http/cache.c) seen from outside:
// hits, gzip/br forms of the same HTML, ETag/304 in every encoding,
// what is never cached, and an edit showing after the TTL in every
// encoding. One server runs with the default TTL (so that a slow run
// cannot see an entry expire between two requests), a second one with
// cache.ttl=1 for the edit, which is written with the sqlite3 CLI (there
// is no newsroom to edit through; purges by key are covered by
// tests/unit/test_cache.c).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer } from './lib.mjs';

let srv; // the server the helpers below talk to
let main;
let shortTtl;
let article; // { id, url } of a demo article in the English edition

before(async () => {
  [main, shortTtl] = await Promise.all([
    startServer({ demo: true }),
    startServer({ demo: true, args: ['--set', 'cache.ttl=1'] }),
  ]);
  srv = main;
  const res = await fetch(`${srv.url}/api/v1/articles?edition=en&per_page=5`);
  const list = await res.json();
  article = list.articles[1];
});
after(async () => { await Promise.all([main?.stop(), shortTtl?.stop()]); });

/* GET (or HEAD) with exactly these headers; the raw body, undecoded. */
function get(target, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request(`${srv.url}${target}`, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const ENCODINGS = [
  { name: 'identity', accept: 'identity', decode: (b) => b },
  { name: 'gzip', accept: 'gzip, deflate', decode: (b) => zlib.gunzipSync(b) },
  { name: 'br', accept: 'gzip, deflate, br', decode: (b) => zlib.brotliDecompressSync(b) },
];

/* The page in every encoding, decoded; asserts the headers of each. */
async function allForms(target) {
  const out = {};
  for (const enc of ENCODINGS) {
    const res = await get(target, { 'accept-encoding': enc.accept });
    assert.equal(res.status, 200, `${target} ${enc.name}`);
    assert.equal(res.headers['vary'], 'Accept-Encoding');
    if (enc.name === 'identity') {
      assert.equal(res.headers['content-encoding'], undefined);
      assert.match(res.headers['etag'], /^"[0-9a-f]{20}"$/);
    } else {
      assert.equal(res.headers['content-encoding'], enc.name);
      assert.match(res.headers['etag'], new RegExp(`^"[0-9a-f]{20}-${enc.name === 'gzip' ? 'gz' : 'br'}"$`));
    }
    out[enc.name] = { html: enc.decode(res.body).toString('utf8'), etag: res.headers['etag'],
      cache: res.headers['x-cache'], size: res.body.length };
  }
  return out;
}

test('a reader page is answered from the cache the second time', async () => {
  const a = await get(article.url);
  const b = await get(article.url);
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  assert.match(a.headers['x-cache'], /^(miss|hit)$/);
  assert.equal(b.headers['x-cache'], 'hit');
  assert.ok(a.body.equals(b.body), 'identical bytes');
  assert.equal(a.headers['etag'], b.headers['etag']);
  assert.match(b.headers['content-type'], /^text\/html/);
  assert.match(b.headers['cache-control'], /max-age=\d+/);
  const keys = b.headers['surrogate-key'].split(' ');
  assert.ok(keys.includes(`a:${article.id}`), b.headers['surrogate-key']);
  assert.ok(keys.includes('ed:en'));
  assert.equal(Number(b.headers['content-length']), b.body.length);

  const home = await get('/ru/');
  const home2 = await get('/ru/');
  assert.equal(home2.headers['x-cache'], 'hit');
  assert.ok(home.body.equals(home2.body));
  const hk = home2.headers['surrogate-key'].split(' ');
  for (const k of ['ed:ru', 'home:ru', 'list:ru']) assert.ok(hk.includes(k), k);

  // HEAD of a cached page: the headers, no body
  const head = await get(article.url, {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(Number(head.headers['content-length']), a.body.length);
});

test('gzip and brotli forms decode to the identical HTML', async () => {
  for (const target of [article.url, '/', '/latest?page=2']) {
    const f = await allForms(target);
    assert.ok(f.identity.html.includes('</html>'), target);
    assert.equal(f.gzip.html, f.identity.html, `${target}: gzip`);
    assert.equal(f.br.html, f.identity.html, `${target}: br`);
    assert.ok(f.br.size < f.identity.size / 2, `${target}: br is smaller`);
    assert.ok(f.gzip.size < f.identity.size / 2, `${target}: gzip is smaller`);
    assert.equal(new Set([f.identity.etag, f.gzip.etag, f.br.etag]).size, 3);
  }
});

test('If-None-Match gives 304 in every encoding', async () => {
  const f = await allForms(article.url);
  for (const enc of ENCODINGS) {
    const etag = f[enc.name].etag;
    const res = await get(article.url, { 'accept-encoding': enc.accept, 'if-none-match': etag });
    assert.equal(res.status, 304, enc.name);
    assert.equal(res.body.length, 0);
    assert.equal(res.headers['etag'], etag);
    assert.equal(res.headers['vary'], 'Accept-Encoding');
    // a list with it, and the weak form, match too
    const listed = await get(article.url, { 'accept-encoding': enc.accept,
      'if-none-match': `"nope", W/${etag}` });
    assert.equal(listed.status, 304, `${enc.name} in a list`);
    // another encoding's tag does not
    const other = ENCODINGS.find((e) => e.name !== enc.name);
    const miss = await get(article.url, { 'accept-encoding': enc.accept,
      'if-none-match': f[other.name].etag });
    assert.equal(miss.status, 200, `${enc.name} with ${other.name}'s tag`);
    assert.ok(miss.body.length > 0);
  }
});

test('tracking parameters share the page; other queries, the API and errors are not cached', async () => {
  await get(article.url);
  const tracked = await get(`${article.url}?utm_source=telegram&fbclid=x1`);
  assert.equal(tracked.headers['x-cache'], 'hit');

  const other = await get(`${article.url}?q=anything`);
  assert.equal(other.status, 200);
  assert.equal(other.headers['x-cache'], undefined, 'bypass with another parameter');
  assert.equal(other.headers['etag'], undefined);

  for (const target of ['/api/v1/articles?edition=en', '/healthz', '/api/v1/rubrics']) {
    await get(target);
    const res = await get(target);
    assert.equal(res.headers['x-cache'], undefined, target);
  }
  const missing = await get('/article/no-such-article');
  assert.equal(missing.status, 404);
  assert.equal((await get('/article/no-such-article')).headers['x-cache'], undefined);

  // partial and page are part of the key
  const full = await get('/latest');
  const part = await get('/latest?partial=1');
  assert.notEqual(full.headers['etag'], part.headers['etag']);
  assert.ok(part.body.length < full.body.length);
});

test('an edit shows on the next request after the TTL, in every encoding', async () => {
  srv = shortTtl;
  const before1 = await allForms(article.url);
  assert.ok(!before1.identity.html.includes('Edited by the cache test'));
  const title = `Edited by the cache test ${Date.now()}`;
  const db = path.join(srv.dataDir, 'gazette.db');
  const r = spawnSync('sqlite3', [db, '.timeout 5000',
    `UPDATE articles SET title = '${title}' WHERE id = ${Number(article.id)}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);

  await new Promise((res) => setTimeout(res, 1150)); // cache.ttl = 1
  const after1 = await allForms(article.url);
  for (const enc of ENCODINGS) {
    assert.ok(after1[enc.name].html.includes(title), `${enc.name} shows the edit`);
    assert.notEqual(after1[enc.name].etag, before1[enc.name].etag, `${enc.name}: new ETag`);
  }
  // an old ETag no longer gives 304
  const old = await get(article.url, { 'if-none-match': before1.identity.etag });
  assert.equal(old.status, 200);
  // lists show it too
  const home = await allForms('/latest');
  assert.ok(home.br.html.includes(title), 'the latest list shows the edit');
});
