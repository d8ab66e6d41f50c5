// api.test.mjs - the read-only JSON API on the demo site.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib.mjs';

let srv;
before(async () => { srv = await startServer({ demo: true }); });
after(async () => { await srv?.stop(); });

async function getJson(path, status = 200) {
  const res = await fetch(`${srv.url}${path}`);
  assert.equal(res.status, status, path);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  return res.json();
}

test('Russian edition lists Russian demo articles', async () => {
  const body = await getJson('/api/v1/articles?edition=ru');
  assert.equal(body.edition, 'ru');
  assert.ok(body.total >= 30, `total ${body.total}`);
  assert.equal(body.articles.length, 20);
  for (const a of body.articles) {
    assert.equal(a.edition, 'ru');
    assert.match(a.title, /[а-яё]/i, 'Cyrillic title');
    assert.match(a.url, /\/ru\/article\//);
    assert.ok(a.authors.length >= 1);
    assert.ok(a.rubric && a.rubric.name);
    assert.match(a.published_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  }
  const times = body.articles.map((a) => a.published_at);
  assert.deepEqual([...times].sort().reverse(), times, 'newest first');
});

test('pagination: pages do not overlap and cover everything', async () => {
  const p1 = await getJson('/api/v1/articles?edition=en&per_page=10&page=1');
  const seen = new Set();
  for (let page = 1; page <= p1.pages; page++) {
    const p = await getJson(`/api/v1/articles?edition=en&per_page=10&page=${page}`);
    for (const a of p.articles) { assert.ok(!seen.has(a.id)); seen.add(a.id); }
    if (page < p1.pages) assert.ok(p.next);
    else assert.equal(p.next, null);
  }
  assert.equal(seen.size, p1.total);
});

test('rubric filter and the rubric list', async () => {
  const rubrics = await getJson('/api/v1/rubrics?edition=en');
  assert.ok(rubrics.rubrics.length >= 5);
  const analytics = rubrics.rubrics.find((r) => r.key === 'analytics');
  assert.ok(analytics.description.length > 10);
  const list = await getJson(`/api/v1/articles?edition=en&rubric=${analytics.slug}`);
  assert.ok(list.total >= 1);
  for (const a of list.articles) assert.equal(a.rubric.slug, analytics.slug);
  const ru = await getJson('/api/v1/rubrics?edition=ru');
  assert.match(ru.rubrics[0].name, /[а-я]/i);
});

test('one article with body and translations', async () => {
  const list = await getJson('/api/v1/articles?edition=en&per_page=50');
  let withTr = null;
  for (const a of list.articles) {
    const full = await getJson(`/api/v1/articles/${a.id}`);
    assert.ok(full.body_html.includes('<p>'));
    assert.equal(full.title, a.title);
    if (full.translations.length) { withTr = full; break; }
  }
  assert.ok(withTr, 'some article has a translation');
  const tr = withTr.translations[0];
  assert.equal(tr.edition, 'ru');
  const other = await getJson(`/api/v1/articles/${tr.id}`);
  assert.equal(other.translation_group, withTr.translation_group);
});

test('bad parameters get 400 with a JSON error naming them', async () => {
  for (const [q, name] of [['edition=xx', 'edition'], ['page=0', 'page'], ['page=abc', 'page'],
                           ['per_page=1000', 'per_page'], ['page=-1', 'page'],
                           ['rubric=no-such-rubric', 'rubric'], ['edition=', 'edition']]) {
    const body = await getJson(`/api/v1/articles?${q}`, 400);
    assert.equal(body.error.status, 400);
    assert.match(body.error.message, new RegExp(name));
  }
  const bad = await getJson('/api/v1/articles/abc', 400);
  assert.ok(bad.error.message);
});

test('unknown ids get 404 JSON', async () => {
  const body = await getJson('/api/v1/articles/987654321', 404);
  assert.equal(body.error.status, 404);
});

test('JSON stays valid for any Unicode and control characters', async () => {
  // the demo has quotes, Cyrillic and typographic characters in titles
  const list = await getJson('/api/v1/articles?edition=ru&per_page=100');
  const raw = JSON.stringify(list);
  assert.ok(raw.length > 1000);
  assert.ok(list.articles.some((a) => /[«»—]/.test(a.title + a.lead)));
});
