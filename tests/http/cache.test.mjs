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
import { startServer, rawRequest, ADMIN_LOGIN, ADMIN_PASSWORD } from './lib.mjs';

let srv; // the server the helpers below talk to
let main;
let shortTtl;
let cacheOff; // cache.enabled=off: site data and totals must stay exact
let article; // { id, url } of a demo article in the English edition

before(async () => {
  [main, shortTtl, cacheOff] = await Promise.all([
    startServer({ demo: true }),
    startServer({ demo: true, args: ['--set', 'cache.ttl=1'] }),
    startServer({ demo: true, args: ['--set', 'cache.enabled=off'] }),
  ]);
  srv = main;
  const res = await fetch(`${srv.url}/api/v1/articles?edition=en&per_page=5`);
  const list = await res.json();
  article = list.articles[1];
});
after(async () => { await Promise.all([main?.stop(), shortTtl?.stop(), cacheOff?.stop()]); });

/* Statements run by the sqlite3 CLI on server s's database: a writer in
 * another process, as a CLI next to `serve` would be. */
function sqlOn(s, statements) {
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', path.join(s.dataDir, 'gazette.db'),
    statements], { encoding: 'utf8' });
  assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
  return r.stdout;
}

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

/* A session cookie of a logged-in admin on server s ("gz_session=..."). */
async function adminSession(s) {
  const page = await fetch(`${s.url}/newsroom/login`);
  const pre = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const token = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1];
  assert.ok(token, 'the login page has a CSRF token');
  const res = await fetch(`${s.url}/newsroom/login`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: pre, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf: token, login: ADMIN_LOGIN, password: ADMIN_PASSWORD }).toString(),
  });
  assert.equal(res.status, 303, 'logged in');
  const session = res.headers.getSetCookie().find((c) => c.startsWith('gz_session='));
  assert.ok(session);
  return session.split(';')[0];
}

test('a plain target is answered before routing exactly as after it', async () => {
  // A hit on a target without %, ? or # skips decoding and the route
  // table (http_cache_lookup_fast); every other form of the same page
  // goes the full way and must find the same entry.
  srv = main;
  await get(article.url);
  const hit = await get(article.url);
  assert.equal(hit.headers['x-cache'], 'hit');
  const slug = article.url.split('/').pop();
  const escaped = article.url.replace(`/${slug}`,
    `/%${slug.charCodeAt(0).toString(16).toUpperCase()}${slug.slice(1)}`);
  for (const target of [escaped, `${article.url}?utm_medium=x`]) {
    const r = await get(target);
    assert.equal(r.status, 200, target);
    assert.equal(r.headers['x-cache'], 'hit', target);
    assert.equal(r.headers['etag'], hit.headers['etag'], target);
    assert.ok(r.body.equals(hit.body), target);
  }
  // edition prefixes with and without the slash, the root edition's home
  for (const target of ['/ru', '/ru/', '/']) {
    const first = await get(target);
    const second = await get(target);
    assert.equal(second.status, 200, target);
    assert.equal(second.headers['x-cache'], 'hit', target);
    assert.ok(first.body.equals(second.body), target);
  }
  // cookies that are not a live session change nothing
  for (const cookie of ['theme=dark', 'gz_session=not-a-session', 'x=1; gz_session=']) {
    const r = await get(article.url, { cookie });
    assert.equal(r.headers['x-cache'], 'hit', cookie);
    assert.ok(r.body.equals(hit.body), cookie);
  }
  // a logged-in user never gets the cached page, nor stores one
  const session = await adminSession(srv);
  const mine = await get(article.url, { cookie: session });
  assert.equal(mine.status, 200);
  assert.equal(mine.headers['x-cache'], undefined, 'logged in: not from the cache');
  assert.equal(mine.headers['etag'], undefined);
  assert.equal((await get(article.url)).headers['etag'], hit.headers['etag']);
  // the hit is access-logged with the client's address and its size
  const path = article.url.replace(/^https?:\/\/[^/]+/, '');
  await new Promise((r) => setTimeout(r, 100));
  assert.match(srv.stderr(), new RegExp(
    `access [0-9a-f]{16} 127\\.0\\.0\\.1 GET ${path.replace(/[.?*+^$()[\]{}|\\]/g, '\\$&')} 200 ${hit.body.length} `));
});

test('request headers in any case, the first of repeated ones, on one connection', async () => {
  srv = main;
  const f = await allForms(article.url);
  const target = article.url.replace(/^https?:\/\/[^/]+/, '');
  const host = new URL(srv.url).host;
  // odd case: the page in brotli, then a 304 for its tag
  let r = await rawRequest(srv.port, `GET ${target} HTTP/1.1\r\nhOSt: ${host}\r\n` +
    `ACCEPT-encoding: br\r\nConnection: close\r\n\r\n`);
  assert.equal(r.status, 200);
  assert.match(r.data, /\r\ncontent-encoding: br\r\n/i);
  assert.match(r.data, new RegExp(`\\r\\netag: ${f.br.etag}\\r\\n`, 'i'));
  r = await rawRequest(srv.port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n` +
    `if-none-match: ${f.identity.etag}\r\nConnection: close\r\n\r\n`);
  assert.equal(r.status, 304);
  // a repeated header: the first one counts (as libmicrohttpd's lookup)
  r = await rawRequest(srv.port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n` +
    `Accept-Encoding: gzip\r\nAccept-Encoding: br\r\nConnection: close\r\n\r\n`);
  assert.match(r.data, /\r\ncontent-encoding: gzip\r\n/i);
  // a rendered page, a hit, an error and a health check one after the
  // other on one kept-alive connection (its arena is reused)
  const req = (t, last) => `GET ${t} HTTP/1.1\r\nHost: ${host}\r\nAccept-Encoding: identity\r\n` +
    `${last ? 'Connection: close\r\n' : ''}\r\n`;
  r = await rawRequest(srv.port, req('/latest?page=3') + req(target) + req('/article/none-such') +
    req(`${target}?q=x`) + req('/healthz', true));
  const statuses = [...r.data.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
  assert.deepEqual(statuses, [200, 200, 404, 200, 200], r.data.slice(0, 300));
  assert.ok(r.data.includes(f.identity.html), 'the hit, byte for byte');
  assert.match(r.data, /\r\n\r\nok\n$/);
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

test('cached feeds keep Last-Modified; If-Modified-Since gets 304 on hits and misses', async () => {
  srv = main;
  for (const target of ['/feed.xml', '/ru/atom.xml', '/sitemap.xml']) {
    const first = await get(target, { 'accept-encoding': 'identity' });
    assert.equal(first.status, 200, target);
    const lm = first.headers['last-modified'];
    assert.match(lm ?? '', /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/, `${target}: Last-Modified`);
    for (const enc of ENCODINGS) {
      const hit = await get(target, { 'accept-encoding': enc.accept });
      assert.equal(hit.headers['x-cache'], 'hit', `${target} ${enc.name}`);
      assert.equal(hit.headers['last-modified'], lm, `${target} ${enc.name}: kept on the hit`);
      const same = await get(target, { 'accept-encoding': enc.accept, 'if-modified-since': lm });
      assert.equal(same.status, 304, `${target} ${enc.name}: If-Modified-Since on a hit`);
      assert.equal(same.body.length, 0);
      assert.equal(same.headers['last-modified'], lm);
      assert.equal(same.headers['etag'], hit.headers['etag']);
      const later = new Date(Date.parse(lm) + 3600e3).toUTCString();
      assert.equal((await get(target, { 'accept-encoding': enc.accept, 'if-modified-since': later })).status,
        304, `${target} ${enc.name}: a later date`);
      const older = new Date(Date.parse(lm) - 1000).toUTCString();
      const changed = await get(target, { 'accept-encoding': enc.accept, 'if-modified-since': older });
      assert.equal(changed.status, 200, `${target} ${enc.name}: an older date`);
      assert.ok(changed.body.length > 0);
      // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
      const inm = await get(target, { 'accept-encoding': enc.accept, 'if-modified-since': lm,
        'if-none-match': '"0000"' });
      assert.equal(inm.status, 200, `${target} ${enc.name}: a wrong ETag with a current date`);
      assert.equal((await get(target, { 'accept-encoding': enc.accept, 'if-modified-since': 'yesterday' })).status,
        200, `${target} ${enc.name}: a date that does not parse`);
    }
  }
  // a miss answers If-Modified-Since too: the first request after a purge
  // or on a server without the page cache
  for (const s of [shortTtl, cacheOff]) {
    srv = s;
    // ?x=1 bypasses the page cache: the date without storing the page
    const lm = (await get('/ru/feed.json?x=1')).headers['last-modified'];
    assert.ok(lm);
    const r = await get('/ru/feed.json', { 'if-modified-since': lm });
    assert.equal(r.status, 304, s === cacheOff ? 'cache off' : 'a miss');
    assert.equal(r.body.length, 0);
    assert.equal(r.headers['last-modified'], lm);
    if (s === shortTtl) {
      // then stored by a plain request, and a hit answers it the same way
      assert.equal((await get('/ru/feed.json')).status, 200);
      const hit = await get('/ru/feed.json', { 'if-modified-since': lm });
      assert.equal(hit.status, 304);
      assert.equal(hit.headers['x-cache'], 'hit');
    }
  }
  // a page without Last-Modified (HTML) ignores If-Modified-Since
  srv = main;
  const now = new Date().toUTCString();
  assert.equal((await get(article.url, { 'if-modified-since': now })).status, 200);
});

test('an article page tags itself with its id and translation group', async () => {
  srv = main;
  const detail = await (await fetch(`${srv.url}/api/v1/articles/${article.id}`)).json();
  const group = (detail.article ?? detail).translation_group;
  assert.ok(group > 0, 'the demo article has a translation group');
  for (const target of [article.url, `${article.url}?partial=1`]) {
    const res = await get(target);
    assert.equal(res.status, 200);
    const keys = (res.headers['surrogate-key'] ?? '').split(' ');
    assert.ok(keys.includes(`a:${article.id}`), res.headers['surrogate-key']);
    assert.ok(keys.includes(`g:${group}`), res.headers['surrogate-key']);
    assert.equal(keys.filter((k) => k.startsWith('a:')).length, 1, 'one article');
  }
});

test('with the page cache off, site data and list totals change on the next request', async () => {
  srv = cacheOff;
  const total = async () => (await (await fetch(`${srv.url}/api/v1/articles?edition=en&per_page=1`)).json()).total;
  const page = async (target) => (await get(target, { 'accept-encoding': 'identity' })).body.toString('utf8');
  const home = await page('/');
  assert.ok(!home.includes('Renamed by the cache test'));
  const t0 = await total();
  assert.equal(await total(), t0);

  // settings, a rubric name and the live banner: written by another process
  sqlOn(srv, `INSERT OR REPLACE INTO settings(key, value) VALUES ('name.en', 'Renamed by the cache test');
              UPDATE rubric_texts SET name = 'Rubric renamed by the test'
                WHERE edition = 'en' AND rubric_id = (SELECT MIN(rubric_id) FROM rubric_texts);`);
  for (const target of ['/', article.url, '/latest']) {
    const html = await page(target);
    assert.ok(html.includes('Renamed by the cache test'), `${target}: the new site name`);
    assert.ok(html.includes('Rubric renamed by the test'), `${target}: the new rubric name`);
  }

  // a total: one article unpublished, then another one dated 3 s ahead
  const [a1, a2] = (await (await fetch(`${srv.url}/api/v1/articles?edition=en&per_page=2`)).json()).articles;
  sqlOn(srv, `UPDATE articles SET status = 4 WHERE id = ${a1.id};`); // unpublished
  assert.equal(await total(), t0 - 1, 'an unpublished article leaves the total');
  const due = Math.floor(Date.now() / 1000) + 3;
  sqlOn(srv, `UPDATE articles SET publish_at = ${due} WHERE id = ${a2.id};`);
  assert.equal(await total(), t0 - 2, 'a future-dated article is not counted yet');
  assert.equal(await total(), t0 - 2);
  await new Promise((r) => setTimeout(r, (due + 1) * 1000 - Date.now()));
  assert.equal(await total(), t0 - 1, 'it is counted once due, with no write in between');
});
