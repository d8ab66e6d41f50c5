// search.test.mjs - the search page ({prefix}/search) and the suggestion
// API (/api/v1/search) on the demo site: results with highlighted and
// escaped snippets, filters, pagination, "nothing found", hostile queries
// (never a 500), an edit and an unpublish in the newsroom showing in
// search at once, and `gazette reindex` run against the live site while it
// keeps answering. Ranking quality is search_relevance.test.mjs; the
// escaping function itself is tested in tests/unit/test_store_search.c.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startServer, gazetteBin, ADMIN_LOGIN, ADMIN_PASSWORD } from './lib.mjs';

let srv;
before(async () => { srv = await startServer({ demo: true }); });
after(async () => { await srv?.stop(); });

async function page(path, status = 200) {
  const res = await fetch(`${srv.url}${path}`);
  assert.equal(res.status, status, path);
  if (status === 200) assert.match(res.headers.get('content-type'), /^text\/html/);
  return res.text();
}

async function api(query, status = 200) {
  const res = await fetch(`${srv.url}/api/v1/search?${query}`);
  assert.equal(res.status, status, query);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  return res.json();
}

/* Result cards of a results page: slug, rubric link, datetime. */
function cards(html) {
  return [...html.matchAll(/<article class="card[^"]*">([\s\S]*?)<\/article>/g)].map((m) => ({
    slug: /class="card-title"><a href="[^"]*\/article\/([^"]+)"/.exec(m[1])?.[1],
    rubric: /class="card-rubric" href="[^"]*\/rubric\/([^"]+)"/.exec(m[1])?.[1],
    time: /<time datetime="([^"]+)"/.exec(m[1])?.[1],
    snippet: /search-snippet">([\s\S]*?)<\/p>/.exec(m[1])?.[1],
    html: m[1],
  }));
}

const q = (s) => encodeURIComponent(s);

test('empty search page asks for a query and is not indexed', async () => {
  const html = await page('/search');
  assert.match(html, /Type what you are looking for/);
  assert.match(html, /<meta name="robots" content="noindex, follow">/);
  assert.match(html, /<input id="search-page-q"[^>]*name="q" value=""/);
  const ru = await page('/ru/search');
  assert.match(ru, /Введите, что вы ищете/);
});

test('results: count, highlighted snippets, the query echoed back', async () => {
  const html = await page(`/search?q=${q('budget')}`);
  assert.match(html, /<h1 class="list-title">Results for “budget”<\/h1>/);
  assert.match(html, /<p class="search-total" role="status">\d+ results<\/p>/);
  assert.match(html, /value="budget"/);
  const cs = cards(html);
  assert.ok(cs.length >= 5 && cs.length <= 10, `${cs.length} cards`);
  for (const c of cs) assert.match(c.snippet, /<mark>budget/i, c.slug);
  // the marks are the only markup in a snippet
  for (const c of cs) assert.doesNotMatch(c.snippet.replace(/<\/?mark>/g, ''), /[<>]/);
});

test('Russian edition: inflection, ё, Russian strings and plural', async () => {
  const html = await page(`/ru/search?q=${q('забастовку')}`);
  assert.match(html, /Результаты по запросу «забастовку»/);
  assert.match(html, /<p class="search-total" role="status">2 результата<\/p>/);
  const cs = cards(html);
  assert.ok(cs.some((c) => /<mark>забастовк/i.test(c.snippet)));
  const yo = cards(await page(`/ru/search?q=${q('жилье')}`));
  const ye = cards(await page(`/ru/search?q=${q('жильё')}`));
  assert.deepEqual(yo.map((c) => c.slug), ye.map((c) => c.slug));
  assert.ok(yo.length > 0);
});

test('nothing found is friendly and localized', async () => {
  for (const [path, re] of [
    [`/search?q=${q('zzyzx qwv')}`, /Nothing found for “zzyzx qwv”/],
    [`/search?q=${q('((((')}`, /Nothing found for “\(\(\(\(”/],
    [`/ru/search?q=${q('ъъъ')}`, /По запросу «ъъъ» ничего не найдено/],
  ]) {
    const html = await page(path);
    assert.match(html, re);
    assert.equal(cards(html).length, 0);
  }
});

test('everything the reader typed is escaped', async () => {
  const evil = '<script>alert(1)</script>"\'><img src=x onerror=alert(2)>';
  const html = await page(`/search?q=${q(evil)}`);
  assert.doesNotMatch(html, /<script>alert/);
  assert.doesNotMatch(html, /<img src=x/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;&#39;&gt;/);
  const body = await api(`q=${q(evil)}`);
  assert.equal(body.query, evil);
  assert.equal(body.items.length, 0);
});

test('filters: rubric, kind, author, dates, sort by date', async () => {
  const all = cards(await page(`/search?q=${q('Ostmark')}`));
  assert.ok(all.length >= 5);
  const world = cards(await page(`/search?q=${q('Ostmark')}&rubric=world`));
  assert.ok(world.length >= 2 && world.length < all.length + 10);
  for (const c of world) assert.equal(c.rubric, 'world', c.slug);
  // the rubric filter is preselected in the form and the reset link keeps q
  const wh = await page(`/search?q=${q('Ostmark')}&rubric=world`);
  assert.match(wh, /<option value="world" selected>/);
  assert.match(wh, /<details class="search-filters" open>/);
  assert.match(wh, /href="\/search\?q=Ostmark">Reset</);

  const interviews = cards(await page(`/search?q=${q('budget')}&kind=interview`));
  assert.equal(interviews[0]?.slug, 'clara-weyl-we-will-not-balance-the-budget-by-taxing-the-ports');
  for (const c of interviews) // the demo's interviews
    assert.match(c.slug, /^(clara-weyl|jonas-meerholt|marta-ilvesk|anouk-reval)-/, c.slug);

  const mira = cards(await page(`/search?q=${q('budget')}&author=mira-alston`));
  assert.ok(mira.length >= 2);
  for (const c of mira) assert.match(c.html, /Mira Alston/);

  // dates: the demo's articles are all from the last few weeks
  const future = await page(`/search?q=${q('budget')}&from=2999-01-01`);
  assert.equal(cards(future).length, 0);
  assert.match(future, /Nothing found/);
  const past = cards(await page(`/search?q=${q('budget')}&to=1999-12-31`));
  assert.equal(past.length, 0);
  const wide = cards(await page(`/search?q=${q('budget')}&from=2000-01-01&to=2999-12-31`));
  assert.ok(wide.length >= 5);

  const byDate = cards(await page(`/search?q=${q('Port Selen')}&sort=date`));
  const times = byDate.map((c) => Date.parse(c.time));
  assert.deepEqual([...times].sort((a, b) => b - a), times, 'newest first');

  // values that name nothing are ignored, not errors
  const junk = cards(await page(`/search?q=${q('Ostmark')}&rubric=nope&kind=poem&author=x&from=yesterday&to=2024-13-45&sort=x`));
  assert.deepEqual(junk.map((c) => c.slug), all.map((c) => c.slug));
});

test('pagination keeps the query and filters', async () => {
  const p1 = await page(`/search?q=${q('Port Selen')}`);
  const total = Number(/(\d+) results/.exec(p1)[1]);
  assert.ok(total > 10, `total ${total}`);
  const c1 = cards(p1);
  assert.equal(c1.length, 10);
  const next = /<a class="btn pager-next" rel="next" href="([^"]+)"/.exec(p1)[1];
  assert.equal(next.replace(/&amp;/g, '&'), '/search?q=Port%20Selen&page=2');
  const p2 = await page(next.replace(/&amp;/g, '&'));
  const c2 = cards(p2);
  assert.equal(c1.length + c2.length, Math.min(total, 20));
  for (const c of c2) assert.ok(!c1.some((x) => x.slug === c.slug), 'no overlap');
  assert.match(p2, /rel="prev" href="\/search\?q=Port%20Selen"/);
  const filtered = await page(`/search?q=${q('Port Selen')}&rubric=economy&sort=date`);
  if (/rel="next"/.test(filtered))
    assert.match(filtered, /rel="next" href="\/search\?q=Port%20Selen&amp;rubric=economy&amp;sort=date&amp;page=2"/);
  // past the end: a friendly empty page
  const far = await page(`/search?q=${q('Port Selen')}&page=50`);
  assert.equal(cards(far).length, 0);
  await page(`/search?q=${q('Port Selen')}&page=abc`, 404);
});

test('API: suggestions with a prefix on the last word', async () => {
  const body = await api(`q=${q('partnersh')}&edition=en`);
  assert.equal(body.edition, 'en');
  assert.equal(body.query, 'partnersh');
  assert.equal(body.search_url, '/search?q=partnersh');
  assert.ok(body.total >= 1);
  const it = body.items[0];
  assert.match(it.url, /^\/article\/[a-z0-9-]+$/);
  assert.equal(typeof it.title, 'string');
  assert.match(it.snippet_html, /<mark>partnership<\/mark>/);
  assert.doesNotMatch(it.snippet, /[\u0002\u0003]/);
  assert.match(it.published_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(it.kind, 'analysis');

  const ru = await api(`q=${q('Порт-Сел')}&edition=ru&limit=3`);
  assert.equal(ru.items.length, 3);
  assert.ok(ru.total > 3);
  for (const i of ru.items) assert.match(i.url, /^\/ru\/article\//);
  assert.ok(ru.items.some((i) => /<mark>/.test(i.title_html)));

  // default edition and limit
  const def = await api(`q=${q('Ostmark')}`);
  assert.equal(def.edition, 'en');
  assert.equal(def.items.length, 5);

  for (const empty of ['', 'q=', `q=${q('   ')}`, `q=${q('*')}`, `q=${q('((""')}`]) {
    const b = await api(empty);
    assert.deepEqual(b.items, [], empty);
    assert.equal(b.total, 0);
  }
  for (const bad of ['q=x&edition=xx', 'q=x&limit=0', 'q=x&limit=21', 'q=x&limit=abc'])
    await api(bad, 400);
});

test('hostile queries: results or nothing found, never a 500', async () => {
  const hostile = [
    '"', '""', '"""', '"budget', 'budget"', '(', ')', '((((budget', '*', '**', 'budget*',
    '*budget', 'NEAR(budget vote)', 'budget OR vote', 'budget AND', 'AND', 'NOT budget',
    'title:budget', '{title lead}: budget', '^budget', '-budget', '+budget', 'budget:*',
    "'; DROP TABLE articles; --", '%', '_', '\\', '\u0001\u0002\u0003', '\u0000budget',
    '«бюджет', 'бюджет»', '“budget', '—', '…', 'a'.repeat(300), 'бюджет '.repeat(100),
    '\u{1F600} budget', '\u200b', 'ﬁnance', 'Straße', 'çafé', '0', '3.75', '12%',
    Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '),
    'x '.repeat(5000), // 10 KB of text
  ];
  for (const h of hostile) {
    for (const path of [`/search?q=${q(h)}`, `/ru/search?q=${q(h)}`,
      `/api/v1/search?q=${q(h)}`, `/api/v1/search?edition=ru&q=${q(h)}`]) {
      const res = await fetch(`${srv.url}${path}`);
      const body = await res.text();
      assert.ok([200, 400].includes(res.status), `${res.status} for ${JSON.stringify(h)} at ${path}`);
      assert.doesNotMatch(body, /sqlite|fts5|syntax error|SQL/i, path);
    }
  }
  // invalid UTF-8: the HTTP layer refuses the query string
  for (const path of ['/search?q=%FF%FE', '/api/v1/search?q=%C3', '/ru/search?q=a%80b'])
    assert.equal((await fetch(`${srv.url}${path}`)).status, 400, path);
  // and the server is still fine
  assert.equal((await fetch(`${srv.url}/search?q=budget`)).status, 200);
});

/* A newsroom session: cookies and the CSRF token of the last page. */
async function newsroom(login, password) {
  const jar = new Map();
  let csrf = '';
  const req = async (method, path, form) => {
    const headers = { 'X-Real-IP': '10.9.0.1' };
    if (jar.size) headers.Cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body;
    if (form) {
      body = new URLSearchParams({ csrf, ...form }).toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(`${srv.url}${path}`, { method, headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    const text = await res.text();
    const m = /<meta name="csrf-token" content="([^"]+)"/.exec(text);
    if (m) csrf = m[1];
    return { status: res.status, location: res.headers.get('location'), text };
  };
  await req('GET', '/newsroom/login');
  const r = await req('POST', '/newsroom/login', { login, password });
  assert.equal(r.status, 303, `login: ${r.status}`);
  return req;
}

test('an edit or an unpublish in the newsroom shows in search at once', async () => {
  const req = await newsroom(ADMIN_LOGIN, ADMIN_PASSWORD);
  const fields = {
    title: 'Lamplighters of Quorvenna', lead: 'The harbour keeps its old lamps.',
    body_md: 'Every evening the **lamplighters** walk the quay.', kind: 'news', edition: 'en',
    rubric_id: '0', tags: 'harbour', slug: 'quorvenna-lamps', seo_title: '', seo_description: '',
    correction: '', lead_media_id: '', translation_id: '0', version: '0',
  };
  await req('GET', '/newsroom/articles/new');
  let r = await req('POST', '/newsroom/articles/new/publish', fields);
  assert.equal(r.status, 303, `publish: ${r.status}`);
  const id = /^\/newsroom\/articles\/(\d+)/.exec(r.location)?.[1];
  assert.ok(id, r.location);
  const slugs = async (word) => cards(await page(`/search?q=${q(word)}`)).map((c) => c.slug);
  const suggested = async (prefix) => (await api(`q=${q(prefix)}&edition=en`)).items.map((i) => i.id);
  assert.deepEqual(await slugs('Quorvenna'), ['quorvenna-lamps']);
  assert.deepEqual(await suggested('quorven'), [Number(id)]);

  // the next request after the save sees the new words, not the old ones
  const ed = await req('GET', `/newsroom/articles/${id}`);
  const version = /name="version" value="(\d+)"/.exec(ed.text)?.[1];
  assert.ok(version, 'the editor shows the version');
  r = await req('POST', `/newsroom/articles/${id}`, {
    ...fields, version, title: 'Lanterns of Brissomar', body_md: 'Every evening the keepers walk the quay.',
  });
  assert.equal(r.status, 303, `save: ${r.status}`);
  assert.deepEqual(await slugs('Quorvenna'), []);
  assert.deepEqual(await slugs('lamplighter'), []);
  assert.deepEqual(await slugs('Brissomar'), ['quorvenna-lamps']);
  assert.deepEqual(await suggested('quorven'), []);
  assert.deepEqual(await suggested('brissom'), [Number(id)]);

  // unpublished: gone from the results page and from the suggestions
  const ed2 = await req('GET', `/newsroom/articles/${id}`);
  const version2 = /name="version" value="(\d+)"/.exec(ed2.text)?.[1];
  r = await req('POST', `/newsroom/articles/${id}/unpublish`, {
    ...fields, version: version2, title: 'Lanterns of Brissomar', body_md: 'Every evening the keepers walk the quay.',
  });
  assert.equal(r.status, 303, `unpublish: ${r.status}`);
  assert.deepEqual(await slugs('Brissomar'), []);
  assert.deepEqual(await suggested('brissom'), []);
  assert.match(await page(`/search?q=${q('Brissomar')}`), /Nothing found/i);
});

test('gazette reindex while the site keeps serving', async () => {
  const before = cards(await page(`/search?q=${q('Ostmark')}`)).map((c) => c.slug);
  const proc = spawn(gazetteBin, ['reindex', '--data', srv.dataDir],
    { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const done = new Promise((resolve) => proc.on('close', (code) => resolve(code)));
  let running = true;
  done.then(() => { running = false; });
  const statuses = [];
  const words = ['Ostmark', 'budget', 'Port Selen', 'бюджет', 'ferry', 'Тарн'];
  let i = 0;
  while (running || statuses.length < 20) {
    const w = words[i++ % words.length];
    const ru = /[а-я]/i.test(w);
    const res = await fetch(`${srv.url}${ru ? '/ru' : ''}/search?q=${q(w)}`);
    statuses.push(res.status);
    const html = await res.text();
    if (res.status === 200) assert.ok(cards(html).length > 0, `results for ${w} during reindex`);
    const api2 = await fetch(`${srv.url}/api/v1/search?edition=${ru ? 'ru' : 'en'}&q=${q(w)}`);
    statuses.push(api2.status);
    await api2.text();
  }
  assert.equal(await done, 0, out);
  assert.match(out, /search index rebuilt/);
  assert.deepEqual([...new Set(statuses)], [200]);
  const after2 = cards(await page(`/search?q=${q('Ostmark')}`)).map((c) => c.slug);
  assert.deepEqual(after2, before);
});
