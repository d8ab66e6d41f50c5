// newsroom_auth.test.mjs - newsroom accounts against the real binary:
// login and logout, cookie flags, every role against every newsroom
// action of the accounts part (users, settings, rubrics, authors,
// redirects, audit), CSRF on every state-changing request (login
// included), login rate limiting per account and per client, and forms
// that keep what was typed. Session expiry with a fake clock is in
// tests/unit/test_newsroom.c.
//
// Each test speaks as its own client address (X-Real-IP, trusted from a
// loopback peer as from the nginx in contrib/) so that the rate limits
// of one test do not spill into another.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startServer, gazetteBin, ADMIN_LOGIN, ADMIN_PASSWORD } from './lib.mjs';

let srv;
const PASSWORD = 'correct-horse-42';
const ROLES = ['contributor', 'author', 'editor', 'admin'];
let ipCounter = 1;
const freshIp = () => `10.9.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;

/* gazette user add, without blocking: the argon2id hashes run at once. */
function addUser(login, role) {
  return new Promise((resolve, reject) => {
    const p = spawn(gazetteBin, ['user', 'add', login, '--role', role, '--password', PASSWORD,
      '--name', `Test ${role}`, '--data', srv.dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`user add ${login}: ${err}`))));
  });
}

before(async () => {
  srv = await startServer({ demo: true });
  await Promise.all([...ROLES.map((role) => addUser(`nr-${role}`, role)),
    addUser('nr-locked', 'author'), addUser('nr-disabled', 'author')]);
});
after(async () => { await srv?.stop(); });

/* A browser: cookies (name -> value) and a client address. */
class Client {
  constructor(ip = freshIp()) { this.ip = ip; this.jar = new Map(); this.csrf = null; }

  cookieHeader() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

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

  async req(method, path, { form, headers = {} } = {}) {
    const h = { 'X-Real-IP': this.ip, ...headers };
    if (this.jar.size) h.Cookie = this.cookieHeader();
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

  get(path, opts) { return this.req('GET', path, opts); }

  /* POST a form with this page's CSRF token (unless form.csrf is set). */
  post(path, form = {}, opts = {}) {
    return this.req('POST', path, { ...opts, form: { csrf: this.csrf ?? '', ...form } });
  }

  async login(login, password) {
    const page = await this.get('/newsroom/login');
    assert.equal(page.status, 200);
    return this.post('/newsroom/login', { login, password });
  }
}

async function loggedIn(login, password = PASSWORD) {
  const c = new Client();
  const r = await c.login(login, password);
  assert.equal(r.status, 303, `login ${login}: ${r.status}`);
  assert.ok(c.jar.has('gz_session'));
  const home = await c.get('/newsroom');
  assert.equal(home.status, 200);
  return c;
}

const alertOf = (html) => (/role="alert"[^>]*>([^<]*)</.exec(html) || [])[1];

test('the login form sets a pre-session CSRF cookie and is never cached', async () => {
  const c = new Client();
  const r = await c.get('/newsroom/login');
  assert.equal(r.status, 200);
  assert.match(r.text, /<form method="post" action="\/newsroom\/login"/);
  assert.match(r.text, /<label for="f-login">/);
  const set = r.headers.getSetCookie().find((s) => s.startsWith('gz_csrf='));
  assert.ok(set, 'gz_csrf cookie');
  assert.match(set, /HttpOnly/);
  assert.match(set, /SameSite=Lax/);
  assert.match(r.text, new RegExp(`name="csrf" value="${c.jar.get('gz_csrf')}"`));
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
});

test('anonymous readers are sent to the login page, POSTs refused', async () => {
  const c = new Client();
  let r = await c.get('/newsroom');
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/newsroom/login');
  r = await c.get('/newsroom/users?x=1');
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/newsroom/login?next=%2Fnewsroom%2Fusers%3Fx%3D1');
  r = await c.post('/newsroom/settings', { 'name.en': 'x' });
  assert.equal(r.status, 403);
  r = await c.post('/newsroom/logout');
  assert.equal(r.status, 403);
});

test('login works, cookie flags are right, next is honoured', async () => {
  const c = new Client();
  await c.get('/newsroom/login?next=/newsroom/users');
  const r = await c.post('/newsroom/login',
    { login: ADMIN_LOGIN, password: ADMIN_PASSWORD, next: '/newsroom/users' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/newsroom/users');
  const set = r.headers.getSetCookie().find((s) => s.startsWith('gz_session='));
  assert.ok(set);
  assert.match(set, /^gz_session=[A-Za-z0-9_-]{43};/);
  assert.match(set, /; HttpOnly/);
  assert.match(set, /; SameSite=Lax/);
  assert.match(set, /; Path=\/newsroom/);
  assert.match(set, /; Max-Age=\d+/);
  assert.doesNotMatch(set, /Secure/, 'plain HTTP: no Secure flag');
  const page = await c.get('/newsroom/users');
  assert.equal(page.status, 200);
  assert.match(page.text, /Administrator/);

  // next must stay inside the newsroom
  const d = new Client();
  await d.get('/newsroom/login');
  const r2 = await d.post('/newsroom/login',
    { login: 'nr-editor', password: PASSWORD, next: '//evil.example/newsroom' });
  assert.equal(r2.headers.get('location'), '/newsroom');
});

test('behind a TLS proxy the cookie is Secure', async () => {
  const c = new Client('127.0.0.1');
  const https = { 'X-Forwarded-Proto': 'https', 'X-Real-IP': freshIp() };
  await c.get('/newsroom/login', { headers: https });
  const r = await c.post('/newsroom/login', { login: 'nr-author', password: PASSWORD },
    { headers: https });
  assert.equal(r.status, 303);
  const set = r.headers.getSetCookie().find((s) => s.startsWith('gz_session='));
  assert.match(set, /; Secure/);
});

test('a wrong password and an unknown login give the same answer', async () => {
  const c = new Client();
  const wrong = await c.login('nr-editor', 'not-the-password');
  const d = new Client();
  const unknown = await d.login('nobody-here', 'not-the-password');
  assert.equal(wrong.status, 200);
  assert.equal(unknown.status, 200);
  assert.equal(alertOf(wrong.text), 'Wrong login or password.');
  assert.equal(alertOf(unknown.text), alertOf(wrong.text));
  assert.ok(!c.jar.has('gz_session') && !d.jar.has('gz_session'));
  // the login typed is kept, the password never comes back
  assert.match(wrong.text, /name="login" value="nr-editor"/);
  assert.doesNotMatch(wrong.text, /not-the-password/);
});

test('a failed login is slowed down', async () => {
  const c = new Client();
  await c.get('/newsroom/login');
  const t0 = Date.now();
  const r = await c.post('/newsroom/login', { login: 'nobody', password: 'whatever-123' });
  assert.equal(r.status, 200);
  assert.ok(Date.now() - t0 >= 280, `took ${Date.now() - t0} ms`);
});

test('logout ends the session: the old cookie no longer works', async () => {
  const c = await loggedIn('nr-contributor');
  const old = c.jar.get('gz_session');
  // without the CSRF token: refused, still logged in
  let r = await c.post('/newsroom/logout', { csrf: 'nope' });
  assert.equal(r.status, 403);
  assert.equal((await c.get('/newsroom')).status, 200);
  r = await c.post('/newsroom/logout');
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), /^\/newsroom\/login/);
  assert.ok(!c.jar.has('gz_session'), 'cookie cleared');
  c.jar.set('gz_session', old);
  r = await c.get('/newsroom');
  assert.equal(r.status, 303, 'old cookie is dead');
  assert.equal(r.headers.get('location'), '/newsroom/login');
  r = await c.post('/newsroom/logout');
  assert.equal(r.status, 403);
  assert.match(r.text, /session has ended/);
});

test('login CSRF: no cookie, or a field that does not match, is refused', async () => {
  // no pre-session cookie at all
  const c = new Client();
  let r = await c.post('/newsroom/login', { csrf: 'x'.repeat(43), login: ADMIN_LOGIN, password: ADMIN_PASSWORD });
  assert.equal(r.status, 403);
  assert.ok(!c.jar.has('gz_session'));
  // a cookie, but the attacker's field
  const d = new Client();
  await d.get('/newsroom/login');
  r = await d.post('/newsroom/login', { csrf: 'A'.repeat(43), login: ADMIN_LOGIN, password: ADMIN_PASSWORD });
  assert.equal(r.status, 403);
  assert.ok(!d.jar.has('gz_session'));
  assert.match(r.text, /expired/);
  // the refused form carries a fresh token that works
  r = await d.post('/newsroom/login', { login: ADMIN_LOGIN, password: ADMIN_PASSWORD });
  assert.equal(r.status, 303);
});

test('state-changing requests need the session CSRF token', async () => {
  const a = await loggedIn('nr-admin');
  const b = await loggedIn('nr-editor');
  const form = { 'tagline.en': 'Checked by CSRF test' };
  // none, wrong, another session's
  for (const csrf of ['', 'A'.repeat(43), b.csrf]) {
    const r = await a.post('/newsroom/settings', { ...form, csrf });
    assert.equal(r.status, 403, `csrf=${csrf}`);
  }
  // header instead of the field
  let r = await a.req('POST', '/newsroom/settings', {
    form: form, headers: { 'X-CSRF-Token': a.csrf },
  });
  assert.equal(r.status, 303);
  // the editor's token is refused on the editor's own routes without it
  for (const path of ['/newsroom/rubrics', '/newsroom/authors', '/newsroom/redirects']) {
    r = await b.post(path, { csrf: '' });
    assert.equal(r.status, 403, path);
  }
  r = await a.post('/newsroom/users', { csrf: '', login: 'csrf-x', password: PASSWORD, role: 'author' });
  assert.equal(r.status, 403);
  r = await a.post('/newsroom/users/1', { csrf: 'bad', display_name: 'X', role: 'admin' });
  assert.equal(r.status, 403);
});

test('every role against every accounts action', async () => {
  const clients = { anonymous: new Client() };
  for (const role of ROLES) clients[role] = await loggedIn(`nr-${role}`);
  const users = await clients.admin.get('/newsroom/users');
  const contribId = /id="user-(\d+)">\s*<td>nr-contributor/.exec(users.text)[1];
  const rubrics = await clients.admin.get('/newsroom/rubrics');
  const rubricId = /<li id="item-(\d+)">/.exec(rubrics.text)[1];

  const atLeast = (min) => (role) => role !== 'anonymous' && ROLES.indexOf(role) >= ROLES.indexOf(min);
  const actions = [
    { m: 'GET', p: '/newsroom', ok: atLeast('contributor'), done: 200 },
    { m: 'GET', p: '/newsroom/users', ok: atLeast('admin'), done: 200 },
    { m: 'POST', p: '/newsroom/users', ok: atLeast('admin'), done: 303,
      form: (role) => ({ login: `made-by-${role}`, display_name: 'Made', email: '', role: 'contributor', password: PASSWORD }) },
    { m: 'POST', p: `/newsroom/users/${contribId}`, ok: atLeast('admin'), done: 303,
      form: (role) => ({ display_name: `Renamed by ${role}`, email: '', role: 'contributor' }) },
    { m: 'GET', p: '/newsroom/settings', ok: atLeast('admin'), done: 200 },
    { m: 'POST', p: '/newsroom/settings', ok: atLeast('admin'), done: 303,
      form: (role) => ({ 'footer_notice.en': `Notice by ${role}` }) },
    { m: 'GET', p: '/newsroom/rubrics', ok: atLeast('editor'), done: 200 },
    { m: 'POST', p: '/newsroom/rubrics', ok: atLeast('editor'), done: 303,
      form: (role) => ({ id: '0', key: `matrix-${role}`, position: '50', 'name.en': `Matrix ${role}`, 'name.ru': `Матрица ${role}` }) },
    { m: 'POST', p: '/newsroom/rubrics', ok: atLeast('editor'), done: 303,
      form: (role) => ({ id: rubricId, key: 'politics', position: '1', 'name.en': `Politics ${role}`, 'name.ru': 'Политика' }),
      key: 'politics' },
    { m: 'GET', p: '/newsroom/authors', ok: atLeast('editor'), done: 200 },
    { m: 'POST', p: '/newsroom/authors', ok: atLeast('editor'), done: 303,
      form: (role) => ({ id: '0', key: '', 'name.en': `Matrix Author ${role}`, 'about.en': 'Bio', links: 'https://example.org/a' }) },
    { m: 'GET', p: '/newsroom/redirects', ok: atLeast('editor'), done: 200 },
    { m: 'POST', p: '/newsroom/redirects', ok: atLeast('editor'), done: 303,
      form: (role) => ({ from: `/old-${role}`, to: '/latest' }) },
    { m: 'POST', p: '/newsroom/redirects/delete', ok: atLeast('editor'), done: 303,
      form: (role) => ({ from: `/old-${role}` }) },
    { m: 'GET', p: '/newsroom/tags', ok: atLeast('editor'), done: 200 },
    { m: 'GET', p: '/newsroom/audit', ok: atLeast('admin'), done: 200 },
  ];
  // rubric keys differ between demo versions: take the first one shown
  const key = /name="key" value="([^"]+)"/.exec(rubrics.text)[1];
  for (const a of actions) if (a.key) a.form = ((f) => (role) => ({ ...f(role), key }))(a.form);

  for (const a of actions) {
    for (const [role, c] of Object.entries(clients)) {
      const r = a.m === 'GET' ? await c.get(a.p) : await c.post(a.p, a.form(role));
      let want;
      if (a.ok(role)) want = a.done;
      else if (role === 'anonymous' && a.m === 'GET') want = 303;
      else want = 403;
      assert.equal(r.status, want, `${role} ${a.m} ${a.p}: ${r.status} (want ${want})\n${alertOf(r.text) ?? ''}`);
      if (want === 303 && role === 'anonymous')
        assert.match(r.headers.get('location'), /^\/newsroom\/login/);
    }
  }
  // what the admin did is in the audit log, with who did it
  const log = await clients.admin.get('/newsroom/audit');
  for (const action of ['user.add', 'user.update', 'settings.update', 'rubric.add',
    'rubric.update', 'author.add', 'redirect.add', 'redirect.delete', 'session.login'])
    assert.match(log.text, new RegExp(`<code>${action.replace('.', '\\.')}</code>`), action);
  assert.match(log.text, /<td>nr-admin<\/td><td><code>user\.add<\/code>/);
  // ... and the changes reached the reader site
  const home = await fetch(`${srv.url}/`).then((x) => x.text());
  assert.match(home, /Notice by admin/);
});

test('a role change and a disabled account take effect at once', async () => {
  const admin = await loggedIn('nr-admin');
  const victim = await loggedIn('nr-disabled');
  const users = await admin.get('/newsroom/users');
  const id = /id="user-(\d+)">\s*<td>nr-disabled/.exec(users.text)[1];
  let r = await admin.post(`/newsroom/users/${id}`,
    { display_name: 'Gone', email: '', role: 'author', disabled: '1' });
  assert.equal(r.status, 303);
  r = await victim.get('/newsroom');
  assert.equal(r.status, 303, 'session of a disabled user ends');
  const again = new Client();
  r = await again.login('nr-disabled', PASSWORD);
  assert.equal(r.status, 200);
  assert.equal(alertOf(r.text), 'Wrong login or password.');
});

test('an admin cannot demote or disable themselves', async () => {
  const c = await loggedIn(ADMIN_LOGIN, ADMIN_PASSWORD);
  const r = await c.post('/newsroom/users/1',
    { display_name: 'Administrator', email: '', role: 'editor', disabled: '1' });
  assert.equal(r.status, 422);
  assert.match(r.text, /cannot take away your own admin role/);
  assert.equal((await c.get('/newsroom/users')).status, 200);
});

test('forms that fail validation keep what was typed, errors beside fields', async () => {
  const c = await loggedIn('nr-admin');
  let r = await c.post('/newsroom/users', {
    login: 'Bad Login!', display_name: 'Kept Name', email: 'not-an-email', role: 'editor', password: 'short',
  });
  assert.equal(r.status, 422);
  assert.match(r.text, /value="bad login!"/);
  assert.match(r.text, /value="Kept Name"/);
  assert.match(r.text, /value="not-an-email"/);
  assert.match(r.text, /<option value="editor" selected>/);
  assert.match(r.text, /id="f-0-login-err"|id="f-login-err"/);
  assert.match(r.text, /aria-invalid="true"[^>]*aria-describedby="[^"]*-err"/);
  assert.doesNotMatch(r.text, /value="short"/, 'passwords are not echoed');

  r = await c.post('/newsroom/users', { login: 'nr-editor', display_name: '', email: '', role: 'editor', password: PASSWORD });
  assert.equal(r.status, 409);
  assert.match(r.text, /This login is taken/);

  r = await c.post('/newsroom/settings', { 'social.telegram': 'javascript:alert(1)', time_zone: 'Mars/Olympus', 'name.en': 'Typed Name' });
  assert.equal(r.status, 422);
  assert.match(r.text, /value="javascript:alert\(1\)"/);
  assert.match(r.text, /value="Mars\/Olympus"/);
  assert.match(r.text, /value="Typed Name"/);
  assert.match(r.text, /Not a known time zone/);

  r = await c.post('/newsroom/redirects', { from: '/newsroom/users', to: '/x' });
  assert.equal(r.status, 422);
  assert.match(r.text, /value="\/newsroom\/users"/);

  r = await c.post('/newsroom/rubrics', { id: '0', key: 'Has Spaces', 'name.en': '' });
  assert.equal(r.status, 422);
  assert.match(r.text, /value="has spaces"/);
});

test('the UI speaks Russian when asked, and remembers it', async () => {
  const c = await loggedIn('nr-editor');
  let r = await c.get('/newsroom?lang=ru');
  assert.equal(r.status, 200);
  assert.match(r.text, /<html lang="ru">/);
  assert.match(r.text, /Выйти/);
  r = await c.get('/newsroom/rubrics');
  assert.match(r.text, /Новая рубрика/);
});

test('a burst of wrong passwords against one account is refused (429)', async () => {
  // from a different address each time: the per-account limit alone
  const tries = [];
  for (let i = 0; i < 5; i++) {
    const c = new Client();
    await c.get('/newsroom/login');
    tries.push(c.post('/newsroom/login', { login: 'nr-locked', password: `wrong-${i}-xxxxx` }));
  }
  for (const r of await Promise.all(tries)) assert.equal(r.status, 200);
  const c = new Client();
  let r = await c.login('nr-locked', 'wrong-again-xxxx');
  assert.equal(r.status, 429);
  assert.ok(Number(r.headers.get('retry-after')) > 0);
  assert.match(alertOf(r.text), /Too many failed attempts/);
  // even the right password waits: the lock does not leak it
  r = await new Client().login('nr-locked', PASSWORD);
  assert.equal(r.status, 429);
  assert.ok(!c.jar.has('gz_session'));
  // other accounts are not affected
  r = await new Client().login('nr-author', PASSWORD);
  assert.equal(r.status, 303);
});

test('a burst of wrong passwords from one address is refused (429)', async () => {
  const ip = freshIp();
  const tries = [];
  for (let i = 0; i < 20; i++) {
    const c = new Client(ip);
    await c.get('/newsroom/login');
    tries.push(c.post('/newsroom/login', { login: `guess-${i}`, password: 'guess-password' }));
  }
  for (const r of await Promise.all(tries)) assert.equal(r.status, 200);
  let r = await new Client(ip).login('nr-editor', PASSWORD);
  assert.equal(r.status, 429, 'even a good login from that address waits');
  assert.ok(Number(r.headers.get('retry-after')) > 0);
  r = await new Client().login('nr-editor', PASSWORD);
  assert.equal(r.status, 303, 'other addresses are not affected');
});
