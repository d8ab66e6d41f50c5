// newsroom_articles.test.mjs - the newsroom's articles against the real
// binary: roles against actions (contributors write drafts and submit
// them, authors publish their own, editors everything), CSRF on every
// state-changing request, the never-lose-a-word rules (a conflicting
// save is 409 with both texts, a failed validation keeps what was
// typed), autosave, the server-rendered preview, revisions with word
// diffs and restore, a 301 when a published slug changes, the list's
// filters and pages, and scheduled publishing on a timer: an article
// scheduled 2 s ahead reaches the reader site with nobody touching
// anything.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { startServer, runCli, gazetteBin, ADMIN_LOGIN, ADMIN_PASSWORD } from './lib.mjs';

let srv;
const PASSWORD = 'correct-horse-42';
let ipCounter = 1;
const freshIp = () => `10.7.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;
const USERS = { contrib: 'contributor', author1: 'author', author2: 'author', editor: 'editor' };

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
  constructor(base = null) { this.base = base; this.ip = freshIp(); this.jar = new Map(); this.csrf = null; }

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
    if (this.jar.size) h.Cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body;
    if (form) {
      body = form instanceof URLSearchParams ? form.toString() : new URLSearchParams(form).toString();
      h['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(`${this.base ?? srv.url}${path}`, { method, headers: h, body, redirect: 'manual' });
    this.take(res);
    const text = await res.text();
    const m = /<meta name="csrf-token" content="([^"]+)"/.exec(text);
    if (m) this.csrf = m[1];
    return { status: res.status, headers: res.headers, text };
  }

  get(path) { return this.req('GET', path); }

  /* POST a form with the session's CSRF token (unless form has csrf). */
  post(path, form = {}, opts = {}) {
    return this.req('POST', path, { ...opts, form: { csrf: this.csrf ?? '', ...form } });
  }

  async json(path, form) {
    const r = await this.req('POST', path, { form, headers: { 'X-CSRF-Token': this.csrf ?? '' } });
    return { ...r, json: r.text.startsWith('{') ? JSON.parse(r.text) : null };
  }
}

/* One logged-in client per user for the whole file (a login costs an
 * argon2id check). */
const sessions = new Map();
function loggedIn(login, password = PASSWORD) {
  if (!sessions.has(login)) sessions.set(login, logIn(login, password));
  return sessions.get(login);
}

async function logIn(login, password) {
  const c = new Client();
  await c.get('/newsroom/login');
  const r = await c.post('/newsroom/login', { login, password });
  assert.equal(r.status, 303, `login ${login}: ${r.status}`);
  const home = await c.get('/newsroom');
  assert.equal(home.status, 200);
  return c;
}

let n = 0;
const uniq = (w) => `${w} ${Date.now().toString(36)}${(n++).toString(36)}`;

/* The editor's fields for a new article (merge changes in). */
const article = (over = {}) => ({ title: uniq('Test article'), lead: 'A lead.', body_md: 'Some **text**.',
  kind: 'news', edition: 'en', rubric_id: '0', tags: 'testing, newsroom', slug: '', seo_title: '',
  seo_description: '', correction: '', lead_media_id: '', translation_id: '0', version: '0', ...over });

/* Create an article as client c; returns its id (the editor's URL). */
async function create(c, over = {}, action = '') {
  await c.get('/newsroom/articles/new');
  const r = await c.post(`/newsroom/articles/new${action}`, article(over));
  assert.equal(r.status, 303, `create: ${r.status} ${alertOf(r.text) ?? ''}`);
  const m = /^\/newsroom\/articles\/(\d+)\?done=/.exec(r.headers.get('location'));
  assert.ok(m, r.headers.get('location'));
  return Number(m[1]);
}

const versionOf = (html) => Number(/name="version" value="(\d+)"/.exec(html)?.[1]);
const alertOf = (html) => (/role="alert"[^>]*>([^<]*)</.exec(html) || [])[1];
const fieldOf = (html, name) => {
  const ta = new RegExp(`<textarea[^>]*name="${name}"[^>]*>([^<]*)</textarea>`).exec(html);
  if (ta) return ta[1];
  return new RegExp(`<input[^>]*name="${name}" value="([^"]*)"`).exec(html)?.[1];
};
const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<')
  .replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/* The editor page of id as the client sees it: { status, text, version }. */
async function open(c, id) {
  const r = await c.get(`/newsroom/articles/${id}`);
  return { ...r, version: versionOf(r.text) };
}

/* The form of the editor page, as a browser would send it again. */
function formOf(html) {
  const f = {};
  for (const name of ['title', 'lead', 'body_md', 'tags', 'slug', 'seo_title', 'seo_description',
    'correction', 'lead_media_id', 'version', 'publish_at']) {
    const v = fieldOf(html, name);
    if (v !== undefined) f[name] = unescape(v);
  }
  for (const name of ['kind', 'edition', 'rubric_id', 'translation_id']) {
    const sel = new RegExp(`<select[^>]*name="${name}"[^>]*>(.*?)</select>`, 's').exec(html);
    const opt = sel && /<option value="([^"]*)" selected>/.exec(sel[1]);
    if (opt) f[name] = opt[1];
  }
  return f;
}

async function publicStatus(path) {
  const r = await fetch(srv.url + path, { redirect: 'manual' });
  await r.text();
  return { status: r.status, location: r.headers.get('location') };
}

test('a contributor writes drafts and submits them for review, but cannot publish', async () => {
  const c = await loggedIn('contrib');
  const page = await c.get('/newsroom/articles/new');
  assert.equal(page.status, 200);
  assert.match(page.text, /<form method="post" action="\/newsroom\/articles\/new"/);
  assert.doesNotMatch(page.text, /formaction="[^"]*\/publish"/, 'no publish button for contributors');
  const id = await create(c, { title: 'Contributor draft one' });
  let ed = await open(c, id);
  assert.equal(ed.status, 200);
  assert.match(ed.text, /data-status="draft"/);
  assert.match(ed.text, /value="Contributor draft one"/);
  assert.equal(fieldOf(ed.text, 'slug'), 'contributor-draft-one');

  // publishing, scheduling and unpublishing are refused by the route table
  for (const action of ['publish', 'schedule', 'unpublish']) {
    const r = await c.post(`/newsroom/articles/${id}/${action}`, { ...formOf(ed.text), publish_at: '2030-01-01T10:00' });
    assert.equal(r.status, 403, action);
  }
  const r = await c.post(`/newsroom/articles/${id}/review`, formOf(ed.text));
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/newsroom/articles/${id}?done=art_review`);
  ed = await c.get(r.headers.get('location'));
  assert.match(ed.text, /data-status="review"/);
  assert.match(ed.text, /sent for review/);
  assert.equal((await publicStatus('/article/contributor-draft-one')).status, 404, 'not on the site');

  // someone else's article is not theirs to open
  const a1 = await loggedIn('author1');
  const theirs = await create(a1, { title: 'Not the contributor\'s' });
  assert.equal((await c.get(`/newsroom/articles/${theirs}`)).status, 403);
  assert.equal((await c.post(`/newsroom/articles/${theirs}`, formOf(ed.text))).status, 403);
  assert.equal((await c.post(`/newsroom/articles/${theirs}/review`, formOf(ed.text))).status, 403);
});

test('an author publishes their own articles but not other people\'s; an editor publishes all', async () => {
  const a1 = await loggedIn('author1');
  const a2 = await loggedIn('author2');
  const ed = await loggedIn('editor');
  const contrib = await loggedIn('contrib');

  const mine = await create(a1, { title: 'Author one story' });
  let page = await open(a1, mine);
  assert.match(page.text, /formaction="\/newsroom\/articles\/\d+\/publish"/);
  let r = await a1.post(`/newsroom/articles/${mine}/publish`, formOf(page.text));
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/newsroom/articles/${mine}?done=art_published`);
  assert.equal((await publicStatus('/article/author-one-story')).status, 200);

  // author 2 can neither publish nor open author 1's article
  page = await open(a1, mine);
  r = await a2.post(`/newsroom/articles/${mine}/unpublish`, formOf(page.text));
  assert.equal(r.status, 403);
  assert.equal((await a2.get(`/newsroom/articles/${mine}`)).status, 403);
  assert.equal((await publicStatus('/article/author-one-story')).status, 200);

  // a contributor's draft: author 2 may not publish it, the editor may
  const draft = await create(contrib, { title: 'Contributor draft two' });
  page = await open(contrib, draft);
  r = await a2.post(`/newsroom/articles/${draft}/publish`, formOf(page.text));
  assert.equal(r.status, 403);
  const edPage = await open(ed, draft);
  assert.equal(edPage.status, 200);
  r = await ed.post(`/newsroom/articles/${draft}/publish`, formOf(edPage.text));
  assert.equal(r.status, 303);
  assert.equal((await publicStatus('/article/contributor-draft-two')).status, 200);

  // once live, the contributor may look but not change it
  page = await open(contrib, draft);
  assert.equal(page.status, 200);
  assert.match(page.text, /<fieldset class="nr-plain" disabled>/);
  r = await contrib.post(`/newsroom/articles/${draft}`, { ...formOf(page.text), title: 'Changed by contributor' });
  assert.equal(r.status, 403);

  // the editor takes it down again: 410 for readers
  page = await open(ed, draft);
  r = await ed.post(`/newsroom/articles/${draft}/unpublish`, formOf(page.text));
  assert.equal(r.status, 303);
  assert.equal((await publicStatus('/article/contributor-draft-two')).status, 410);

  // the audit log names each action
  const admin = await loggedIn(ADMIN_LOGIN, ADMIN_PASSWORD);
  const audit = await admin.get('/newsroom/audit');
  for (const a of ['article.create', 'article.publish', 'article.unpublish', 'article.review'])
    assert.ok(audit.text.includes(a), `audit has ${a}`);
});

test('state-changing requests without the CSRF token are refused', async () => {
  const c = await loggedIn('editor');
  const id = await create(c, { title: 'Csrf target', body_md: 'original words' });
  const page = await open(c, id);
  const form = formOf(page.text);
  const paths = [`/newsroom/articles/${id}`, `/newsroom/articles/${id}/publish`,
    `/newsroom/articles/${id}/autosave`, '/newsroom/articles/new', '/newsroom/preview'];
  for (const p of paths) {
    let r = await c.req('POST', p, { form: { ...form, body_md: 'forged words' } });
    assert.equal(r.status, 403, `${p} without a token`);
    r = await c.req('POST', p, { form: { ...form, csrf: 'x'.repeat(43), body_md: 'forged words' } });
    assert.equal(r.status, 403, `${p} with a wrong token`);
  }
  const revs = await c.get(`/newsroom/articles/${id}/revisions`);
  const rev = /href="(\/newsroom\/revisions\/\d+)"/.exec(revs.text)[1];
  assert.equal((await c.req('POST', `${rev}/restore`, { form: { version: '1' } })).status, 403);
  const after = await open(c, id);
  assert.equal(fieldOf(after.text, 'body_md'), 'original words');
  assert.equal(after.version, 1);
});

test('two people save one article: the second gets 409 with both texts, and nothing is lost', async () => {
  const first = await loggedIn('editor');
  const second = await loggedIn(ADMIN_LOGIN, ADMIN_PASSWORD);
  const id = await create(first, { title: 'Shared story', body_md: 'The starting text.' });
  const p1 = await open(first, id);
  const p2 = await open(second, id);
  assert.equal(p1.version, 1);
  assert.equal(p2.version, 1);

  const r1 = await first.post(`/newsroom/articles/${id}`,
    { ...formOf(p1.text), body_md: 'FIRST editor wrote alpha words.' });
  assert.equal(r1.status, 303);

  const mine = 'SECOND editor wrote beta words.';
  const r2 = await second.post(`/newsroom/articles/${id}`, { ...formOf(p2.text), body_md: mine });
  assert.equal(r2.status, 409);
  assert.match(alertOf(r2.text), /someone else saved/i);
  assert.equal(fieldOf(r2.text, 'body_md'), mine, 'their own text is still in the form');
  assert.match(r2.text, /data-theirs-body>FIRST editor wrote alpha words\.<\/textarea>/,
    'the other text is shown, read-only');
  assert.match(r2.text, /<del>FIRST<\/del><ins>SECOND<\/ins>/, 'and what differs');
  assert.equal(versionOf(r2.text), 2, 'the form now carries the version it was compared with');

  // the database has the first save
  let now = await open(first, id);
  assert.equal(fieldOf(now.text, 'body_md'), 'FIRST editor wrote alpha words.');
  assert.equal(now.version, 2);

  // an autosave from a stale form says so (409), yet keeps the text
  const auto = await second.json(`/newsroom/articles/${id}/autosave`,
    { ...formOf(p2.text), body_md: 'autosaved stale' });
  assert.equal(auto.status, 409);
  assert.equal(auto.json.ok, false);
  assert.equal(auto.json.version, 2);
  assert.ok(auto.json.revision > 0, 'kept as an autosave revision');
  assert.match(auto.json.error.message, /kept as an autosave/);

  // saving again from the conflict page is a deliberate choice: it works
  const r3 = await second.post(`/newsroom/articles/${id}`, formOf(r2.text));
  assert.equal(r3.status, 303);
  now = await open(first, id);
  assert.equal(fieldOf(now.text, 'body_md'), mine);
  // and both texts are in the history
  const revs = await first.get(`/newsroom/articles/${id}/revisions`);
  assert.equal((revs.text.match(/<tr data-number="\d+">/g) || []).length, 3);
  assert.equal((revs.text.match(/<tr data-number="1" data-autosave>/g) || []).length, 1,
    'and the stale autosave, typed over version 1');
});

test('a save that fails validation keeps everything typed (422)', async () => {
  const c = await loggedIn('editor');
  const typed = article({ title: '   ', lead: 'A lead worth keeping.', body_md: 'Paragraph one.\n\nParagraph <two> & more.',
    tags: 'alpha, beta' });
  await c.get('/newsroom/articles/new');
  let r = await c.post('/newsroom/articles/new', typed);
  assert.equal(r.status, 422);
  assert.match(r.text, /Enter a headline/);
  assert.equal(unescape(fieldOf(r.text, 'body_md')), typed.body_md);
  assert.equal(unescape(fieldOf(r.text, 'lead')), typed.lead);
  assert.equal(fieldOf(r.text, 'tags'), 'alpha, beta');

  // a bad time on an existing article: 422, the new text kept, the stored one untouched
  const id = await create(c, { title: 'Valid one', body_md: 'stored text' });
  const page = await open(c, id);
  r = await c.post(`/newsroom/articles/${id}/schedule`,
    { ...formOf(page.text), body_md: 'new unsaved text', publish_at: 'next tuesday' });
  assert.equal(r.status, 422);
  assert.equal(fieldOf(r.text, 'body_md'), 'new unsaved text');
  assert.equal(fieldOf(r.text, 'publish_at'), 'next tuesday');
  assert.match(r.text, /Enter a date and time/);
  // scheduling needs a time
  r = await c.post(`/newsroom/articles/${id}/schedule`, { ...formOf(page.text), publish_at: '' });
  assert.equal(r.status, 422);
  assert.equal(fieldOf((await open(c, id)).text, 'body_md'), 'stored text');

  // a web address typed by hand that another article has
  const other = await create(c, { title: 'Slug holder', slug: 'taken-slug-here' });
  assert.ok(other);
  r = await c.post(`/newsroom/articles/${id}`, { ...formOf(page.text), slug: 'taken-slug-here' });
  assert.equal(r.status, 422);
  assert.match(r.text, /already uses this web address/);
  // one made from a headline is made unique instead
  const t1 = await create(c, { title: 'Twin headline here' });
  const t2 = await create(c, { title: 'Twin headline here' });
  assert.equal(fieldOf((await open(c, t1)).text, 'slug'), 'twin-headline-here');
  assert.equal(fieldOf((await open(c, t2)).text, 'slug'), 'twin-headline-here-2');
});

test('revisions: the list, a word diff against the previous one, restore', async () => {
  const c = await loggedIn('author1');
  const id = await create(c, { title: 'Revised story', body_md: 'one two three' });
  let page = await open(c, id);
  let r = await c.post(`/newsroom/articles/${id}`, { ...formOf(page.text), body_md: 'one 2 three four' });
  assert.equal(r.status, 303);

  const list = await c.get(`/newsroom/articles/${id}/revisions`);
  assert.equal(list.status, 200);
  const links = [...list.text.matchAll(/<tr data-number="(\d+)">\s*<td><a href="(\/newsroom\/revisions\/\d+)"/g)];
  assert.deepEqual(links.map((m) => m[1]), ['2', '1']);
  assert.match(list.text, /\+2<\/span> <span class="nr-removed">−1/);

  const rev2 = await c.get(links[0][2]);
  assert.equal(rev2.status, 200);
  assert.match(rev2.text, /data-diff="body">one <del>two<\/del><ins>2<\/ins> three<ins> four<\/ins><\/div>/);
  const rev1 = await c.get(links[1][2]);
  assert.match(rev1.text, /data-diff="body"><ins>one two three<\/ins><\/div>/);
  assert.match(rev1.text, /action="\/newsroom\/revisions\/\d+\/restore"/);

  // restoring over a newer save is a conflict, not an overwrite
  r = await c.post(`${links[1][2]}/restore`, { version: '1' });
  assert.equal(r.status, 409);
  assert.equal(fieldOf((await open(c, id)).text, 'body_md'), 'one 2 three four');
  // restore with the current version: a new revision with the old text
  r = await c.post(`${links[1][2]}/restore`, { version: '2' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/newsroom/articles/${id}?done=art_restored`);
  page = await open(c, id);
  assert.equal(fieldOf(page.text, 'body_md'), 'one two three');
  assert.equal(page.version, 3);
  const again = await c.get(`/newsroom/articles/${id}/revisions`);
  assert.equal((again.text.match(/<tr data-number=/g) || []).length, 3);

  // someone else's revisions are not theirs to read
  const other = await loggedIn('author2');
  assert.equal((await other.get(links[0][2])).status, 403);
  assert.equal((await other.get(`/newsroom/articles/${id}/revisions`)).status, 403);
  assert.equal((await c.get('/newsroom/revisions/99999999')).status, 404);
});

test('changing the web address of a published article leaves a 301 behind', async () => {
  const c = await loggedIn('editor');
  const id = await create(c, { title: 'Old address story', slug: 'old-address-x' }, '/publish');
  assert.equal((await publicStatus('/article/old-address-x')).status, 200);
  const page = await open(c, id);
  const r = await c.post(`/newsroom/articles/${id}`, { ...formOf(page.text), slug: 'New Address X' });
  assert.equal(r.status, 303);
  assert.equal(fieldOf((await open(c, id)).text, 'slug'), 'new-address-x');
  const old = await publicStatus('/article/old-address-x');
  assert.equal(old.status, 301);
  assert.equal(old.location, '/article/new-address-x');
  assert.equal((await publicStatus('/article/new-address-x')).status, 200);

  // a draft's address may change freely (it was never public)
  const d = await create(c, { title: 'Draft address', slug: 'draft-address-a' });
  const dp = await open(c, d);
  await c.post(`/newsroom/articles/${d}`, { ...formOf(dp.text), slug: 'draft-address-b' });
  assert.equal((await publicStatus('/article/draft-address-a')).status, 404);

  // Cyrillic headlines are transliterated
  const ru = await create(c, { title: 'Щедрый юг', edition: 'ru' });
  assert.equal(fieldOf((await open(c, ru)).text, 'slug'), 'shchedryy-yug');
});

test('a translation is linked by picking the article of the other edition', async () => {
  const c = await loggedIn('editor');
  const en = await create(c, { title: 'Translated story' });
  const page = await c.get(`/newsroom/articles/new?translation_of=${en}`);
  assert.equal(page.status, 200);
  const f = formOf(page.text);
  assert.equal(f.edition, 'ru');
  assert.equal(f.translation_id, String(en));
  let r = await c.post('/newsroom/articles/new', { ...f, title: 'Переведённая история', body_md: 'Текст.' });
  assert.equal(r.status, 303);
  const ru = Number(/articles\/(\d+)/.exec(r.headers.get('location'))[1]);
  const ruPage = await open(c, ru);
  assert.match(ruPage.text, new RegExp(`<a href="/newsroom/articles/${en}">Translated story</a> \\(English\\)`));
  const enPage = await open(c, en);
  assert.match(enPage.text, new RegExp(`<a href="/newsroom/articles/${ru}">Переведённая история</a>`));
  // a second Russian article cannot join the same pair
  r = await c.post('/newsroom/articles/new', { ...f, title: 'Другой перевод' });
  assert.equal(r.status, 422);
  assert.match(r.text, /already has a translation/);
  // nor can an article of the same edition be its translation
  r = await c.post('/newsroom/articles/new', article({ translation_id: String(en) }));
  assert.equal(r.status, 422);
});

test('autosave: a new article becomes a draft; after that autosaves are revisions beside it', async () => {
  const c = await loggedIn('author2');
  await c.get('/newsroom/articles/new');
  // an empty new form: nothing to keep yet
  let a = await c.json('/newsroom/articles/new/autosave', article({ title: '', body_md: '', lead: '' }));
  assert.equal(a.status, 200);
  assert.equal(a.json.id, undefined);
  assert.equal(a.json.empty, true);
  // a new one with text but no title cannot be a draft yet: says which field
  a = await c.json('/newsroom/articles/new/autosave', article({ title: '', body_md: 'words' }));
  assert.equal(a.status, 422);
  assert.equal(a.json.error.field, 'title');
  a = await c.json('/newsroom/articles/new/autosave', article({ title: 'Autosaved piece', body_md: 'first words' }));
  assert.equal(a.status, 200);
  assert.equal(a.json.ok, true);
  assert.equal(a.json.created, true);
  assert.equal(a.json.version, 1);
  assert.match(a.json.message, /Draft saved at \d\d:\d\d/);
  const id = a.json.id;
  assert.equal(a.json.url, `/newsroom/articles/${id}`);

  // from now on: an autosave revision; the article and its version stay
  a = await c.json(`/newsroom/articles/${id}/autosave`,
    article({ title: 'Autosaved piece', body_md: 'first words and more', version: '1' }));
  assert.equal(a.status, 200);
  assert.equal(a.json.ok, true);
  assert.equal(a.json.created, undefined);
  assert.equal(a.json.version, 1, 'the version is not bumped');
  assert.match(a.json.message, /Autosaved at \d\d:\d\d/);
  const rev = a.json.revision;
  assert.ok(rev > 0);
  // the same text again is the same revision, re-dated
  a = await c.json(`/newsroom/articles/${id}/autosave`,
    article({ title: 'Autosaved piece', body_md: 'first words and more', version: '1' }));
  assert.equal(a.json.revision, rev);
  // an empty headline is kept too: it is only typing
  a = await c.json(`/newsroom/articles/${id}/autosave`,
    article({ title: '', body_md: 'first words and more', version: '1' }));
  assert.equal(a.status, 200);
  const blank = a.json.revision;
  a = await c.json(`/newsroom/articles/${id}/autosave`,
    article({ title: 'Autosaved piece', body_md: 'first words and more', version: '1' }));
  assert.notEqual(a.json.revision, blank);

  // typing back to the saved text supersedes the pending autosave
  const probe = await create(c, { title: 'Undo probe', body_md: 'kept text' });
  a = await c.json(`/newsroom/articles/${probe}/autosave`, article({ title: 'Undo probe', body_md: 'kept text', version: '1' }));
  assert.equal(a.json.unchanged, true, 'the saved text itself: nothing stored');
  a = await c.json(`/newsroom/articles/${probe}/autosave`, article({ title: 'Undo probe', body_md: 'kept text, then more', version: '1' }));
  assert.match((await open(c, probe)).text, /data-autosave-offer/);
  a = await c.json(`/newsroom/articles/${probe}/autosave`, article({ title: 'Undo probe', body_md: 'kept text', version: '1' }));
  assert.ok(a.json.revision > 0);
  assert.doesNotMatch((await open(c, probe)).text, /data-autosave-offer/, 'nothing newer to offer');

  let page = await open(c, id);
  assert.equal(fieldOf(page.text, 'body_md'), 'first words', 'the saved text is unchanged');
  assert.equal(page.version, 1);
  // ... and the editor offers the newer autosave back
  const offer = /<div class="nr-restore-copy" data-autosave-offer[^>]*>([\s\S]*?)<\/div>/.exec(page.text)?.[1];
  assert.ok(offer, 'an autosave is offered');
  assert.match(offer, /You have an autosave from .* newer than the saved text/);
  const openUrl = /href="([^"]+)" data-autosave-open/.exec(offer)[1].replace(/&amp;/g, '&');
  assert.match(openUrl, new RegExp(`^/newsroom/articles/${id}\\?autosave=\\d+$`));
  const loaded = await c.get(openUrl);
  assert.equal(loaded.status, 200);
  assert.equal(fieldOf(loaded.text, 'body_md'), 'first words and more');
  assert.equal(versionOf(loaded.text), 1);
  assert.match(loaded.text, /The autosaved text from .* is in the form/);
  // someone else's or another article's autosave cannot be opened here
  assert.equal((await c.get(`/newsroom/articles/${id}?autosave=999999`)).status, 404);
  // saving it makes it the text; no autosave is offered any more
  let r = await c.post(`/newsroom/articles/${id}`, formOf(loaded.text));
  assert.equal(r.status, 303);
  page = await open(c, id);
  assert.equal(fieldOf(page.text, 'body_md'), 'first words and more');
  assert.equal(page.version, 2);
  assert.doesNotMatch(page.text, /data-autosave-offer/);

  // the history marks autosaves; an autosave diffs against its base
  const list = await c.get(`/newsroom/articles/${id}/revisions`);
  assert.equal((list.text.match(/<tr data-number="\d+">/g) || []).length, 2, 'two saves');
  assert.ok((list.text.match(/<tr data-number="1" data-autosave>/g) || []).length >= 2, 'autosaves over version 1');
  assert.match(list.text, /nr-badge-autosave">autosave</);
  const rv = await c.get(`/newsroom/revisions/${rev}`);
  assert.equal(rv.status, 200);
  assert.match(rv.text, /<h1>Autosave over revision 1/);
  assert.match(rv.text, /compared with <a href="\/newsroom\/revisions\/\d+">Revision 1</);
  assert.match(rv.text, /data-diff="body">first words<ins> and more<\/ins>/);
  assert.match(rv.text, /data-open-autosave/);
});

test('autosave of a published article never reaches readers, nor makes a save conflict', async () => {
  const c = await loggedIn('author2');
  const id = await create(c, { title: uniq('Live autosave'), body_md: 'The published words.' }, '/publish');
  let page = await open(c, id);
  const path = /href="(\/article\/[^"]+)"/.exec(page.text)?.[1];
  assert.ok(path, 'public link');
  let a = await c.json(`/newsroom/articles/${id}/autosave`, { ...formOf(page.text), body_md: 'half-writ' });
  assert.equal(a.status, 200);
  assert.equal(a.json.ok, true);
  assert.equal(a.json.live, true);
  assert.equal(a.json.version, 1);
  assert.match(a.json.message, /Readers see the published text/);
  const reader = await (await fetch(`${srv.url}${path}`)).text();
  assert.match(reader, /The published words\./);
  assert.doesNotMatch(reader, /half-writ/);
  page = await open(c, id);
  assert.equal(fieldOf(page.text, 'body_md'), 'The published words.');
  assert.match(page.text, /data-autosave-offer/);

  // another editor saves over version 1: no conflict from the autosave
  const ed = await loggedIn('editor');
  const p2 = await open(ed, id);
  let r = await ed.post(`/newsroom/articles/${id}`, { ...formOf(p2.text), lead: 'An editor changed the lead.' });
  assert.equal(r.status, 303);
  // the author's next autosave over version 1 is kept, and says someone saved
  a = await c.json(`/newsroom/articles/${id}/autosave`, { ...formOf(page.text), body_md: 'half-written words' });
  assert.equal(a.status, 409);
  assert.equal(a.json.version, 2);
  assert.ok(a.json.revision > 0);

  // a contributor cannot autosave what is live
  const contrib = await loggedIn('contrib');
  const mine = await create(contrib, { title: uniq('Contributor piece') });
  r = await contrib.post(`/newsroom/articles/${mine}/review`, formOf((await open(contrib, mine)).text));
  assert.equal(r.status, 303);
  const edPage = await open(ed, mine);
  r = await ed.post(`/newsroom/articles/${mine}/publish`, formOf(edPage.text));
  assert.equal(r.status, 303);
  const cPage = await open(contrib, mine);
  a = await contrib.json(`/newsroom/articles/${mine}/autosave`, { ...formOf(cPage.text), body_md: 'sneaky' });
  assert.equal(a.status, 403);
  // a bad version is refused, not guessed
  a = await c.json(`/newsroom/articles/${id}/autosave`, { ...formOf(page.text), version: '99' });
  assert.equal(a.status, 422);
  assert.equal(a.json.error.field, 'version');
});

test('old autosaves are pruned: an article keeps its newest 20', async () => {
  const c = await loggedIn('author1');
  const id = await create(c, { title: uniq('Many autosaves'), body_md: 'v0' });
  let first = 0, last = 0;
  for (let i = 1; i <= 25; i++) {
    const a = await c.json(`/newsroom/articles/${id}/autosave`, article({ title: 'Many', body_md: `words ${i}`, version: '1' }));
    assert.equal(a.status, 200);
    if (i === 1) first = a.json.revision;
    last = a.json.revision;
  }
  const list = await c.get(`/newsroom/articles/${id}/revisions`);
  assert.equal((list.text.match(/ data-autosave>/g) || []).length, 20);
  assert.equal((await c.get(`/newsroom/revisions/${first}`)).status, 404, 'the oldest went');
  assert.equal((await c.get(`/newsroom/revisions/${last}`)).status, 200);
});

test('the preview is rendered by the server, safely, with 413 for a text too long', async () => {
  const c = await loggedIn('contrib');
  let r = await c.post('/newsroom/preview', { body_md: '## Head\n\n**bold** <script>alert(1)</script> [x](javascript:alert(1))' });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.match(r.text, /<h2>Head<\/h2>/);
  assert.match(r.text, /<strong>bold<\/strong>/);
  assert.doesNotMatch(r.text, /<script/);
  assert.doesNotMatch(r.text, /javascript:/);
  r = await c.post('/newsroom/preview', { body_md: 'x'.repeat(1100000) });
  assert.equal(r.status, 413);
  assert.match(r.text, /too long/);
  // readers cannot use it
  const anon = new Client();
  assert.equal((await anon.req('POST', '/newsroom/preview', { form: { body_md: 'x' } })).status, 403);
});

test('the list filters by edition, status, rubric, author and headline, in pages', async () => {
  const c = await loggedIn('editor');
  let r = await c.get('/newsroom/articles');
  assert.equal(r.status, 200);
  const total = Number(/<h1>[^<]*<span class="nr-muted">\((\d+)\)/.exec(r.text)[1]);
  assert.ok(total > 30, `demo articles: ${total}`);
  assert.equal((r.text.match(/<tr data-id=/g) || []).length, 30);
  assert.match(r.text, /rel="next" href="\/newsroom\/articles\?page=2"/);
  const p2 = await c.get('/newsroom/articles?page=2');
  const first = (t) => /<tr data-id="(\d+)"/.exec(t)[1];
  assert.notEqual(first(p2.text), first(r.text));

  const title = uniq('Findable zebra');
  const id = await create(c, { title, edition: 'ru' });
  r = await c.get(`/newsroom/articles?q=${encodeURIComponent('zebra')}`);
  assert.ok(r.text.includes(`<tr data-id="${id}"`));
  r = await c.get('/newsroom/articles?q=zebra&edition=en');
  assert.ok(!r.text.includes(`<tr data-id="${id}"`));
  r = await c.get('/newsroom/articles?edition=ru&status=draft');
  assert.ok(r.text.includes(`<tr data-id="${id}"`));
  for (const m of r.text.matchAll(/<tr data-id="\d+" data-status="([a-z]+)">/g)) assert.equal(m[1], 'draft');
  r = await c.get('/newsroom/articles?status=published&edition=ru');
  assert.ok(!r.text.includes(`<tr data-id="${id}"`));
  // a rubric and an author from the filter menus narrow the list
  const rubric = /<select id="f-rubric" name="rubric"><option value="" selected>[^<]*<\/option><option value="(\d+)"/.exec(r.text)[1];
  r = await c.get(`/newsroom/articles?rubric=${rubric}`);
  const byRubric = Number(/<span class="nr-muted">\((\d+)\)/.exec(r.text)[1]);
  assert.ok(byRubric > 0 && byRubric < total);
  const author = /<select id="f-author" name="author"><option value="" selected>[^<]*<\/option><option value="(\d+)"/.exec(r.text)[1];
  r = await c.get(`/newsroom/articles?author=${author}`);
  const byAuthor = Number(/<span class="nr-muted">\((\d+)\)/.exec(r.text)[1]);
  assert.ok(byAuthor > 0 && byAuthor < total);
  // nonsense filters are ignored, not errors
  r = await c.get('/newsroom/articles?status=bogus&rubric=x&page=zz');
  assert.equal(r.status, 200);
  // readers are sent to log in
  assert.equal((await new Client().get('/newsroom/articles')).status, 303);
});

test('scheduled 2 s ahead, the article reaches the reader site with nobody touching anything', async () => {
  const c = await loggedIn('editor');
  const title = uniq('Scheduled on time');
  const home0 = await fetch(`${srv.url}/`).then((x) => x.text());
  assert.ok(!home0.includes(title));
  const at = Math.ceil(Date.now() / 1000) * 1000 + 2000; // a whole second, 2-3 s ahead
  const id = await create(c, { title, publish_at: new Date(at).toISOString() }, '/schedule');
  const api0 = await fetch(`${srv.url}/api/v1/articles/${id}`);
  await api0.text();
  if (Date.now() < at - 200) assert.equal(api0.status, 404, 'not visible before its time');
  const page = await open(c, id);
  if (Date.now() < at - 200) assert.match(page.text, /data-status="scheduled"/);

  // nobody touches the newsroom now: poll the reader home (cached pages
  // included) until it shows up
  let seenAt = null;
  while (Date.now() < at + 4000) {
    const home = await fetch(`${srv.url}/`).then((x) => x.text());
    if (home.includes(title)) { seenAt = Date.now(); break; }
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(seenAt, 'the article appeared on the home page');
  assert.ok(seenAt >= at - 50, `not before its time (${seenAt - at} ms)`);
  assert.ok(seenAt - at < 1500, `live ${seenAt - at} ms after its time`);
  const api = await fetch(`${srv.url}/api/v1/articles/${id}`);
  assert.equal(api.status, 200);
  await api.text();
  const after = await open(c, id);
  assert.match(after.text, /data-status="published"/);
});

test('articles whose time passed while the server was down go live at start-up', async () => {
  const other = await startServer();
  const dir = other.dataDir;
  try {
    // schedule one 2 s ahead on a second site, then stop that server at once
    const c = new Client(other.url);
    await c.get('/newsroom/login');
    assert.equal((await c.post('/newsroom/login', { login: ADMIN_LOGIN, password: ADMIN_PASSWORD })).status, 303);
    await c.get('/newsroom');
    const at = Date.now() + 2000;
    await create(c, { title: 'Due while down', publish_at: new Date(at).toISOString() }, '/schedule');
    other.proc.kill('SIGTERM');
    assert.equal(await new Promise((res) => other.proc.on('close', res)), 0);
    assert.ok(Date.now() < at, 'stopped before its time');
    await new Promise((res) => setTimeout(res, at - Date.now() + 1100));
    // start again: it is published before the server listens
    const proc = spawn(gazetteBin, ['serve', '--data', dir, '--listen', '127.0.0.1', '--port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    proc.stderr.setEncoding('utf8').on('data', (d) => { log += d; });
    const port = await new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no start: ${log}`)), 20000);
      proc.stderr.on('data', () => {
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
        if (m) { clearTimeout(t); res(Number(m[1])); }
      });
    });
    assert.ok(log.indexOf('1 overdue articles published') >= 0, log);
    assert.ok(log.indexOf('overdue') < log.indexOf('listening on'));
    const page = await fetch(`http://127.0.0.1:${port}/article/due-while-down`);
    await page.text();
    assert.equal(page.status, 200);
    proc.kill('SIGTERM');
    assert.equal(await new Promise((res) => proc.on('close', res)), 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
