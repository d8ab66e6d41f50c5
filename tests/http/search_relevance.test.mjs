// search_relevance.test.mjs - the relevance set of search_relevance.json
// against the demo site: for every query, each listed article (by slug)
// must be among the first 5 results. Queries cover inflected forms
// (Russian and English), ё/е, upper and mixed case, phrases in quotes,
// names and tags (the meta column), hyphenated names, and as-you-type
// prefixes (mode "suggest": the overlay's API). Not for the page markup
// or hostile input (search.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer } from './lib.mjs';

const SET = JSON.parse(fs.readFileSync(new URL('./search_relevance.json', import.meta.url), 'utf8'));

let srv;
before(async () => { srv = await startServer({ demo: true }); });
after(async () => { await srv?.stop(); });

const PREFIX = { en: '', ru: '/ru' };

/* Slugs of the first 5 results, in order. */
async function top5(q) {
  if (q.mode === 'suggest') {
    const res = await fetch(`${srv.url}/api/v1/search?edition=${q.edition}&limit=5`
      + `&q=${encodeURIComponent(q.q)}`);
    assert.equal(res.status, 200);
    const body = await res.json();
    return body.items.map((it) => decodeURIComponent(it.url.split('/article/')[1]));
  }
  const res = await fetch(`${srv.url}${PREFIX[q.edition]}/search?q=${encodeURIComponent(q.q)}`);
  assert.equal(res.status, 200);
  const html = await res.text();
  const slugs = [...html.matchAll(/<h2 class="card-title"><a href="[^"]*\/article\/([^"]+)"/g)]
    .map((m) => decodeURIComponent(m[1]));
  return slugs.slice(0, 5);
}

test('the set has at least 30 queries per language', () => {
  for (const ed of ['en', 'ru']) {
    const n = SET.queries.filter((q) => q.edition === ed).length;
    assert.ok(n >= 30, `${ed}: ${n} queries`);
  }
  assert.ok(SET.queries.some((q) => q.q.startsWith('"')), 'a phrase query');
  assert.ok(SET.queries.some((q) => q.mode === 'suggest'), 'a prefix query');
});

for (const ed of ['en', 'ru']) {
  test(`relevance, ${ed}: every expected article is in the top 5`, async () => {
    const misses = [];
    for (const q of SET.queries.filter((x) => x.edition === ed)) {
      const got = await top5(q);
      const missing = q.top5.filter((s) => !got.includes(s));
      if (missing.length)
        misses.push(`${q.mode} ${JSON.stringify(q.q)} (${q.covers}): missing ${missing.join(', ')}; `
          + `got ${got.join(', ') || 'nothing'}`);
    }
    assert.deepEqual(misses, [], `\n${misses.join('\n')}`);
  });
}
