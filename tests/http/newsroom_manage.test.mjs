// newsroom_manage.test.mjs - the newsroom's management pages against
// the real binary: tags (per edition, counts, rename, merge, delete, and
// the 301 left behind), redirects (every one listed in pages, filtered,
// deleted; the reader site follows them on any path that would be a
// 404), the languages shown read-only in settings, a password reset
// ending the user's other sessions (newsroom and CLI), and the
// navigation each role sees.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runCli, ADMIN_LOGIN, ADMIN_PASSWORD } from './lib.mjs';

let srv;
const PASSWORD = 'correct-horse-42';
let ipCounter = 1;
const freshIp = () => `10.11.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;
const USERS = { 'm-contrib': 'contributor', 'm-author': 'author', 'm-editor': 'editor', 'm-victim': 'author' };

before(async () => {
  srv = await startServer({ demo: true });
  for (const [login, role] of Object.entries(USERS)) {
    const r = runCli(['user', 'add', login, '--role', role, '--password', PASSWORD,
      '--name', `Test ${login}`, '--data', srv.dataDir]);
    assert.equal(r.status, 0, r.stderr);
  }
});
after(async () => { await srv?.stop(); });

/* A browser: cookies, a client address, the CSRF token of the last page. */
class Client {
  constructor() { this.ip = freshIp(); this.jar = new Map(); this.csrf = null; }

  take(res) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (/;\s*Max-Age=0\b/i.test(c) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async req(method, path, { form } = {}) {
    const h = { 'X-Real-IP': this.ip };
    if (this.jar.size) h.Cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      h['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(`${srv.url}${path}`, { method, headers: h, body, redirect: 'manual' });
    this.take(res);
    const text = await res.text();
    const m = /<meta name="csrf-token" content="([^"]+)"/.exec(text);
    if (m) this.csrf = m[1];
    return { status: res.status, headers: res.headers, text };
  }

  get(path) { return this.req('GET', path); }

  post(path, form = {}) { return this.req('POST', path, { form: { csrf: this.csrf ?? '', ...form } }); }
}

async function logIn(login, password = PASSWORD) {
  const c = new Client();
  await c.get('/newsroom/login');
  const r = await c.post('/newsroom/login', { login, password });
  assert.equal(r.status, 303, `login ${login}: ${r.status}`);
  assert.equal((await c.get('/newsroom')).status, 200);
  return c;
}

const sessions = new Map();
function loggedIn(login, password = PASSWORD) {
  if (!sessions.has(login)) sessions.set(login, logIn(login, password));
  return sessions.get(login);
}

let n = 0;
const uniq = (w) => `${w}${Date.now().toString(36)}${(n++).toString(36)}`;
const alertOf = (html) => (/role="alert"[^>]*>([^<]*)</.exec(html) || [])[1];

/* Publish an article in edition with tags; returns its reader path. */
async function publish(c, { edition = 'en', tags, title = uniq('Tagged story ') }) {
  await c.get('/newsroom/articles/new');
  const r = await c.post('/newsroom/articles/new/publish', {
    title, lead: 'A lead.', body_md: 'Some text.', kind: 'news', edition, rubric_id: '0', tags,
    slug: '', seo_title: '', seo_description: '', correction: '', lead_media_id: '',
    translation_id: '0', version: '0' });
  assert.equal(r.status, 303, `publish: ${r.status} ${alertOf(r.text) ?? ''}`);
  return title;
}

/* The tags page rows of an edition: slug -> { id, name, count }. */
async function tagRows(c, edition, q = '') {
  const r = await c.get(`/newsroom/tags?edition=${edition}&q=${encodeURIComponent(q)}`);
  assert.equal(r.status, 200);
  const rows = new Map();
  const re = /<tr id="tag-(\d+)" data-tag="([^"]+)">\s*<td>([^<]*)<\/td>[\s\S]*?<td data-count>(\d+)<\/td>/g;
  for (let m; (m = re.exec(r.text));) rows.set(m[2], { id: Number(m[1]), name: m[3], count: Number(m[4]) });
  return { rows, text: r.text };
}

test('tags: per edition with article counts; rename leaves a 301 behind', async () => {
  const c = await loggedIn('m-editor');
  const word = uniq('quarry');
  const story = await publish(c, { tags: `${word}, ${word}-two` });
  await publish(c, { tags: word });
  await publish(c, { edition: 'ru', tags: `${word}-ru` });

  let { rows, text } = await tagRows(c, 'en', word);
  assert.equal(rows.get(word)?.count, 2);
  assert.equal(rows.get(`${word}-two`)?.count, 1);
  assert.ok(!rows.has(`${word}-ru`), 'the Russian tag is not in the English list');
  assert.match(text, /aria-current="page">English</);
  ({ rows } = await tagRows(c, 'ru', word));
  assert.equal(rows.get(`${word}-ru`)?.count, 1);

  // the reader tag page works before the rename
  assert.equal((await fetch(`${srv.url}/tag/${word}`)).status, 200);
  const id = (await tagRows(c, 'en', word)).rows.get(word).id;
  const search = (q) => fetch(`${srv.url}/api/v1/search?edition=en&q=${encodeURIComponent(q)}`)
    .then((x) => x.text());
  assert.doesNotMatch(await search(`${word}x`), new RegExp(story));
  let r = await c.post(`/newsroom/tags/${id}/rename`, { name: `${word}x Renamed`, slug: '' });
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), /^\/newsroom\/tags\?edition=en&done=saved$/);
  ({ rows } = await tagRows(c, 'en', word));
  assert.ok(!rows.has(word));
  assert.equal(rows.get(`${word}x-renamed`)?.name, `${word}x Renamed`);
  assert.equal(rows.get(`${word}x-renamed`)?.count, 2);
  // the old tag page redirects, the new one lists the articles
  let res = await fetch(`${srv.url}/tag/${word}`, { redirect: 'manual' });
  assert.equal(res.status, 301);
  assert.equal(res.headers.get('location'), `/tag/${word}x-renamed`);
  res = await fetch(`${srv.url}/tag/${word}x-renamed`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), new RegExp(`${word}x Renamed`));
  // search knows the new name at once (the articles were re-indexed)
  assert.match(await search(`${word}x`), new RegExp(story));

  // a rename onto another tag's address is refused: merge instead
  r = await c.post(`/newsroom/tags/${id}/rename`, { name: 'Anything', slug: `${word}-two` });
  assert.equal(r.status, 409);
  assert.match(alertOf(r.text), /merge into it instead/);
  // bad names
  r = await c.post(`/newsroom/tags/${id}/rename`, { name: '', slug: '' });
  assert.equal(r.status, 422);
  r = await c.post(`/newsroom/tags/${id}/rename`, { name: 'a, b', slug: '' });
  assert.equal(r.status, 422);
  r = await c.post('/newsroom/tags/999999/rename', { name: 'Ghost', slug: '' });
  assert.equal(r.status, 404);
});

test('tags: merge moves the articles and deletes the tag; delete removes it', async () => {
  const c = await loggedIn('m-editor');
  const word = uniq('ferry');
  const both = await publish(c, { tags: `${word}-a, ${word}-b` });
  await publish(c, { tags: `${word}-a` });
  await publish(c, { tags: `${word}-b` });
  let { rows } = await tagRows(c, 'en', word);
  const a = rows.get(`${word}-a`), b = rows.get(`${word}-b`);
  assert.equal(a.count, 2);
  assert.equal(b.count, 2);

  // merge into a tag that does not exist, or into itself: refused
  let r = await c.post(`/newsroom/tags/${a.id}/merge`, { into: `${word}-nowhere` });
  assert.equal(r.status, 422);
  assert.match(alertOf(r.text), /no other tag/);
  r = await c.post(`/newsroom/tags/${a.id}/merge`, { into: `${word}-a` });
  assert.equal(r.status, 422);
  // a Russian tag is not a target for an English one
  await publish(c, { edition: 'ru', tags: `${word}-c` });
  r = await c.post(`/newsroom/tags/${a.id}/merge`, { into: `${word}-c` });
  assert.equal(r.status, 422);

  r = await c.post(`/newsroom/tags/${a.id}/merge`, { into: `${word}-b` });
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), /done=merged$/);
  ({ rows } = await tagRows(c, 'en', word));
  assert.ok(!rows.has(`${word}-a`));
  assert.equal(rows.get(`${word}-b`).count, 3, 'the article with both counts once');
  let res = await fetch(`${srv.url}/tag/${word}-a`, { redirect: 'manual' });
  assert.equal(res.status, 301);
  assert.equal(res.headers.get('location'), `/tag/${word}-b`);
  const page = await (await fetch(`${srv.url}/tag/${word}-b`)).text();
  assert.match(page, new RegExp(both));

  r = await c.post(`/newsroom/tags/${b.id}/delete`, {});
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), /done=deleted$/);
  ({ rows } = await tagRows(c, 'en', word));
  assert.ok(!rows.has(`${word}-b`));
  res = await fetch(`${srv.url}/tag/${word}-b`, { redirect: 'manual' });
  assert.equal(res.status, 404);
  r = await c.post(`/newsroom/tags/${b.id}/delete`, {});
  assert.equal(r.status, 404);
  // the audit log says who did what
  const admin = await loggedIn(ADMIN_LOGIN, ADMIN_PASSWORD);
  const log = await admin.get('/newsroom/audit?type=tag');
  for (const action of ['tag.merge', 'tag.delete'])
    assert.match(log.text, new RegExp(`<code>${action.replace('.', '\\.')}</code>`));
});

test('tags: editors only, and every POST needs the CSRF token', async () => {
  const editor = await loggedIn('m-editor');
  const word = uniq('pylon');
  await publish(editor, { tags: word });
  const id = (await tagRows(editor, 'en', word)).rows.get(word).id;
  for (const login of ['m-contrib', 'm-author']) {
    const c = await loggedIn(login);
    assert.equal((await c.get('/newsroom/tags')).status, 403);
    for (const act of ['rename', 'merge', 'delete'])
      assert.equal((await c.post(`/newsroom/tags/${id}/${act}`, { name: 'X', into: 'x' })).status, 403);
  }
  const anon = new Client();
  const r = await anon.get('/newsroom/tags');
  assert.equal(r.status, 303);
  for (const act of ['rename', 'merge', 'delete'])
    assert.equal((await editor.post(`/newsroom/tags/${id}/${act}`, { csrf: 'forged', name: 'X', into: 'x' })).status, 403);
  assert.equal((await tagRows(editor, 'en', word)).rows.get(word).count, 1, 'nothing changed');
});

test('redirects: every one listed in pages and filtered; delete works', async () => {
  const c = await loggedIn('m-editor');
  const base = uniq('/moved-');
  for (let i = 0; i < 55; i++) {
    const r = await c.post('/newsroom/redirects', { from: `${base}/${i}`, to: `/latest?n=${i}` });
    assert.equal(r.status, 303);
  }
  let r = await c.get(`/newsroom/redirects?q=${encodeURIComponent(base)}`);
  assert.equal(r.status, 200);
  assert.match(r.text, /data-redirect-total>[^<]*55</);
  assert.equal((r.text.match(/<tr data-redirect=/g) || []).length, 50);
  const older = /href="([^"]+)" rel="next"/.exec(r.text)?.[1]?.replace(/&amp;/g, '&');
  assert.ok(older, 'a link to the next page');
  r = await c.get(older);
  assert.equal((r.text.match(/<tr data-redirect=/g) || []).length, 5);
  assert.match(r.text, /rel="prev"/);
  assert.equal((await c.get('/newsroom/redirects?page=abc')).status, 404);

  // the reader site follows it, then deleting it makes the path a 404
  let res = await fetch(`${srv.url}${base}/7`, { redirect: 'manual' });
  assert.equal(res.status, 301);
  assert.equal(res.headers.get('location'), '/latest?n=7');
  r = await c.post('/newsroom/redirects/delete', { from: `${base}/7` });
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), /done=deleted$/);
  res = await fetch(`${srv.url}${base}/7`, { redirect: 'manual' });
  assert.equal(res.status, 404);
  r = await c.get(`/newsroom/redirects?q=${encodeURIComponent(base)}`);
  assert.match(r.text, /data-redirect-total>[^<]*54</);
  r = await c.post('/newsroom/redirects/delete', { from: `${base}/7` });
  assert.equal(r.status, 404);
  // CSRF and roles
  r = await c.post('/newsroom/redirects/delete', { csrf: 'forged', from: `${base}/8` });
  assert.equal(r.status, 403);
  const author = await loggedIn('m-author');
  r = await author.post('/newsroom/redirects/delete', { from: `${base}/8` });
  assert.equal(r.status, 403);
  res = await fetch(`${srv.url}${base}/8`, { redirect: 'manual' });
  assert.equal(res.status, 301, 'still there');
});

test('the reader site follows a redirect on any path that would be a 404', async () => {
  const c = await loggedIn('m-editor');
  const cases = [
    [uniq('/old-section-'), '/latest'],            // no route at all
    [uniq('/rubric/gone-'), '/latest'],            // a route whose handler says 404
    [uniq('/ru/author/gone-'), '/ru/'],            // below an edition's prefix
    [uniq('/old-'), 'https://example.org/elsewhere'],
  ];
  for (const [from, to] of cases) {
    assert.equal((await fetch(`${srv.url}${from}`, { redirect: 'manual' })).status, 404, from);
    const r = await c.post('/newsroom/redirects', { from, to });
    assert.equal(r.status, 303, `${from}: ${alertOf(r.text) ?? ''}`);
    const res = await fetch(`${srv.url}${from}`, { redirect: 'manual' });
    assert.equal(res.status, 301, from);
    assert.equal(res.headers.get('location'), to);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
    const head = await fetch(`${srv.url}${from}`, { method: 'HEAD', redirect: 'manual' });
    assert.equal(head.status, 301);
  }
  // a POST is not redirected, and a live page wins over a redirect
  const from = cases[0][0];
  assert.equal((await fetch(`${srv.url}${from}`, { method: 'POST', redirect: 'manual' })).status, 404);
  const r = await c.post('/newsroom/redirects', { from: '/latest', to: '/' });
  assert.equal(r.status, 303);
  assert.equal((await fetch(`${srv.url}/latest`, { redirect: 'manual' })).status, 200);
});

test('settings show the languages read-only, and where to change them', async () => {
  const admin = await loggedIn(ADMIN_LOGIN, ADMIN_PASSWORD);
  const r = await admin.get('/newsroom/settings');
  assert.equal(r.status, 200);
  const box = /<section[^>]*data-languages>([\s\S]*?)<\/section>/.exec(r.text)?.[1];
  assert.ok(box, 'the languages section');
  assert.match(box, /<tr data-lang="en"><td><code>en<\/code><\/td><td>English<\/td><td><code>\/<\/code><\/td><td>✓<\/td><\/tr>/);
  assert.match(box, /<tr data-lang="ru"><td><code>ru<\/code><\/td><td>Русский<\/td><td><code>\/ru<\/code><\/td><td><\/td><\/tr>/);
  assert.match(box, /\[editions\] section of gazette\.ini/);
  assert.doesNotMatch(box, /<input|<select/, 'nothing to edit there');
  const ru = await admin.get('/newsroom/settings?lang=ru');
  assert.match(ru.text, /раздел \[editions\] в gazette\.ini/);
  await admin.get('/newsroom/settings?lang=en');
});

test('a password reset ends the user\'s other sessions', async () => {
  const admin = await loggedIn(ADMIN_LOGIN, ADMIN_PASSWORD);
  const victimA = await logIn('m-victim');
  const victimB = await logIn('m-victim');
  const users = await admin.get('/newsroom/users');
  const id = /id="user-(\d+)">\s*<td>m-victim/.exec(users.text)[1];
  let r = await admin.post(`/newsroom/users/${id}`,
    { display_name: 'Test m-victim', email: '', role: 'author', password: 'a-brand-new-password-1' });
  assert.equal(r.status, 303);
  for (const v of [victimA, victimB]) {
    r = await v.get('/newsroom/articles');
    assert.equal(r.status, 303, 'logged out');
    assert.match(r.headers.get('location'), /^\/newsroom\/login/);
  }
  // the new password works, the old one does not
  await logIn('m-victim', 'a-brand-new-password-1');
  const bad = new Client();
  await bad.get('/newsroom/login');
  r = await bad.post('/newsroom/login', { login: 'm-victim', password: PASSWORD });
  assert.equal(r.status, 200);
  // an edit without a password keeps sessions
  const keep = await logIn('m-victim', 'a-brand-new-password-1');
  r = await admin.post(`/newsroom/users/${id}`, { display_name: 'Kept', email: '', role: 'author', password: '' });
  assert.equal(r.status, 303);
  assert.equal((await keep.get('/newsroom/articles')).status, 200);
  const log = await admin.get('/newsroom/audit?type=user');
  assert.match(log.text, /m-victim: password reset; 2 sessions ended/);
});

test('an admin who resets their own password keeps this session, not the others', async () => {
  const r0 = runCli(['user', 'add', 'm-admin2', '--role', 'admin', '--password', PASSWORD, '--data', srv.dataDir]);
  assert.equal(r0.status, 0, r0.stderr);
  const here = await logIn('m-admin2');
  const elsewhere = await logIn('m-admin2');
  const users = await here.get('/newsroom/users');
  const id = /id="user-(\d+)">\s*<td>m-admin2/.exec(users.text)[1];
  const r = await here.post(`/newsroom/users/${id}`,
    { display_name: 'Second admin', email: '', role: 'admin', password: 'another-new-password-2' });
  assert.equal(r.status, 303);
  assert.equal((await here.get('/newsroom/users')).status, 200, 'this session goes on');
  assert.equal((await elsewhere.get('/newsroom/users')).status, 303, 'the other one ended');
});

test('gazette user passwd ends every session of the user', async () => {
  const r0 = runCli(['user', 'add', 'm-cli', '--role', 'author', '--password', PASSWORD, '--data', srv.dataDir]);
  assert.equal(r0.status, 0, r0.stderr);
  const a = await logIn('m-cli');
  const b = await logIn('m-cli');
  const other = await logIn('m-author');
  const r = runCli(['user', 'passwd', 'm-cli', '--password', 'cli-new-password-3', '--data', srv.dataDir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /password of m-cli changed; 2 sessions ended/);
  for (const c of [a, b]) assert.equal((await c.get('/newsroom/articles')).status, 303);
  assert.equal((await other.get('/newsroom/articles')).status, 200, 'other users stay');
  await logIn('m-cli', 'cli-new-password-3');
});

test('the navigation shows Media to all, Tags and Live to editors', async () => {
  const navOf = (html) => [...(/<nav[^>]*nr-nav[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? html)
    .matchAll(/href="(\/newsroom[^"]*)"/g)].map((m) => m[1]);
  const want = {
    'm-contrib': { has: ['/newsroom/media', '/newsroom/articles'], not: ['/newsroom/tags', '/newsroom/live', '/newsroom/users'] },
    'm-author': { has: ['/newsroom/media'], not: ['/newsroom/tags', '/newsroom/live'] },
    'm-editor': { has: ['/newsroom/media', '/newsroom/tags', '/newsroom/live', '/newsroom/redirects'], not: ['/newsroom/users'] },
  };
  for (const [login, w] of Object.entries(want)) {
    const c = await loggedIn(login);
    const r = await c.get('/newsroom');
    const nav = navOf(r.text);
    for (const p of w.has) assert.ok(nav.includes(p), `${login} sees ${p}`);
    for (const p of w.not) assert.ok(!nav.includes(p), `${login} does not see ${p}`);
  }
  const editor = await loggedIn('m-editor');
  let r = await editor.get('/newsroom/tags');
  assert.match(r.text, /aria-current="page"[^>]*>Tags<|>Tags<\/a>/);
  r = await editor.get('/newsroom?lang=ru');
  assert.match(r.text, />Теги</);
  assert.match(r.text, /Медиатека|>Медиа/);
  await editor.get('/newsroom?lang=en');
});

test('the dashboard tells while a bulk load waits for the search index', async () => {
  const editor = await loggedIn('m-editor');
  assert.doesNotMatch((await editor.get('/newsroom')).text, /waiting for the search index/);
  // a bulk load next to the running server leaves its index for later
  const r = runCli(['demo', '--data', srv.dataDir, '--articles', '1500']);
  assert.equal(r.status, 0, r.stderr);
  const page = (await editor.get('/newsroom')).text;
  const m = /Articles waiting for the search index: (\d+)\./.exec(page);
  assert.ok(m, 'the note is shown');
  assert.ok(Number(m[1]) > 0 && Number(m[1]) <= 3000, m[1]);
  // the server's background indexer works it off; then the note goes
  let left = true;
  for (const t0 = Date.now(); left && Date.now() - t0 < 120000;) {
    await new Promise((res) => setTimeout(res, 500));
    left = /waiting for the search index/.test((await editor.get('/newsroom')).text);
  }
  assert.ok(!left, 'the backlog was indexed by the server');
  // and said so in its log (written just after the last commit)
  const done = /search indexer: \d+ articles indexed, the search index is complete/;
  for (const t0 = Date.now(); !done.test(srv.stderr()) && Date.now() - t0 < 10000;) {
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.match(srv.stderr(), done);
});
