// live.test.mjs - live coverage against the real binary: the SSE streams
// (headers, "retry:" first, an entry posted on the desk arrives,
// Last-Event-ID replay from the hub's ring and from the store, heartbeats
// at the interval set with --set live.heartbeat, the banner stream), the
// apps' JSON (GET /api/v1/live/{id}), the reader page (stream URL,
// LiveBlogPosting JSON-LD, the banner going away when the event ends),
// the live desk's roles and CSRF and audit entries, entries with an
// image from the media library (page, API, stream, JSON-LD, the desk's
// picker), "edited HH:MM" and pinned markers in both editions, and the
// end of every stream when the server stops, which then exits 0 promptly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { startServer, runCli, ADMIN_LOGIN, ADMIN_PASSWORD } from './lib.mjs';

let srv;
const PASSWORD = 'correct-horse-42';
const USERS = { livedit: 'editor', liveauth: 'author' };
let ipN = 1;

before(async () => {
  srv = await startServer({ demo: true, args: ['--set', 'live.heartbeat=1'] });
  for (const [login, role] of Object.entries(USERS)) {
    const r = runCli(['user', 'add', login, '--role', role, '--password', PASSWORD,
      '--name', `Test ${login}`, '--data', srv.dataDir]);
    assert.equal(r.status, 0, r.stderr);
  }
});
after(async () => { await srv?.stop(); });

/* A browser: cookies and the CSRF token of the last newsroom page. */
class Client {
  constructor() { this.jar = new Map(); this.csrf = null; this.ip = `10.9.0.${ipN++}`; }
  async req(method, path, { form, headers = {} } = {}) {
    const h = { 'X-Real-IP': this.ip, ...headers };
    if (this.jar.size) h.Cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      h['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(`${srv.url}${path}`, { method, headers: h, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const v = pair.slice(i + 1).trim();
      if (v === '' || /Max-Age=0\b/i.test(c)) this.jar.delete(pair.slice(0, i).trim());
      else this.jar.set(pair.slice(0, i).trim(), v);
    }
    const text = await res.text();
    const m = /<meta name="csrf-token" content="([^"]+)"/.exec(text);
    if (m) this.csrf = m[1];
    return { status: res.status, headers: res.headers, text };
  }
  get(path) { return this.req('GET', path); }
  post(path, form = {}) { return this.req('POST', path, { form: { csrf: this.csrf ?? '', ...form } }); }
  /* As livedesk.js does: JSON answer, token in the header. */
  async json(path, form = {}, token = this.csrf) {
    const r = await this.req('POST', path, {
      form, headers: { Accept: 'application/json', 'X-CSRF-Token': token ?? '' } });
    return { ...r, json: r.text.startsWith('{') ? JSON.parse(r.text) : null };
  }
}

const sessions = new Map();
function loggedIn(login, password = PASSWORD) {
  if (!sessions.has(login)) {
    sessions.set(login, (async () => {
      const c = new Client();
      await c.get('/newsroom/login');
      const r = await c.post('/newsroom/login', { login, password });
      assert.equal(r.status, 303, `login ${login}: ${r.status}`);
      return c;
    })());
  }
  return sessions.get(login);
}
const admin = () => loggedIn(ADMIN_LOGIN, ADMIN_PASSWORD);

/*
 * An SSE stream over node:http: { status, headers, events[], comments,
 * text, waitFor(pred, ms), close(), ended }. events are
 * { id, event, data } as the spec's parser builds them.
 */
function openStream(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${srv.url}${path}`, { headers, agent: false }, (res) => {
      const s = { status: res.statusCode, headers: res.headers, events: [], comments: 0, text: '',
        waiters: [] };
      let buf = '';
      let cur = { data: [] };
      const check = () => {
        s.waiters = s.waiters.filter((w) => {
          const hit = w.pred(s);
          if (hit) { clearTimeout(w.timer); w.resolve(hit); }
          return !hit;
        });
      };
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        s.text += chunk;
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line === '') {
            if (cur.data.length) s.events.push({ id: cur.id, event: cur.event ?? 'message', data: cur.data.join('\n') });
            cur = { data: [] };
          } else if (line.startsWith(':')) {
            s.comments++;
          } else {
            const c = line.indexOf(':');
            const k = c < 0 ? line : line.slice(0, c);
            const v = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
            if (k === 'data') cur.data.push(v);
            else if (k === 'id') cur.id = v;
            else if (k === 'event') cur.event = v;
          }
        }
        check();
      });
      s.ended = new Promise((r) => { res.on('end', () => r(true)); res.on('close', () => r(true)); });
      s.waitFor = (pred, ms = 2000) => {
        const hit = pred(s);
        if (hit) return Promise.resolve(hit);
        return new Promise((res2, rej2) => {
          const w = { pred, resolve: res2 };
          w.timer = setTimeout(() => {
            s.waiters = s.waiters.filter((x) => x !== w);
            rej2(new Error(`stream ${path}: timed out; got:\n${s.text.slice(-2000)}`));
          }, ms);
          s.waiters.push(w);
        });
      };
      s.close = () => req.destroy();
      resolve(s);
    });
    req.on('error', reject);
  });
}

const eventOf = (s, type, pred = () => true) =>
  s.events.find((e) => e.event === type && pred(JSON.parse(e.data)));

let liveId;        // the demo's live event
let liveSlug;
async function demoEvent() {
  if (!liveId) {
    const r = await fetch(`${srv.url}/api/v1/live/1`);
    assert.equal(r.status, 200);
    const j = await r.json();
    liveId = j.event.id;
    liveSlug = j.event.slug;
  }
  return { id: liveId, slug: liveSlug };
}

/* Post an entry as the editor; returns its id. */
async function postEntry(text, edition = 'en') {
  const { id } = await demoEvent();
  const c = await loggedIn('livedit');
  await c.get(`/newsroom/live/${id}?edition=${edition}`);
  const r = await c.json(`/newsroom/live/${id}/entries`, { edition, body: text });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ok, true);
  return r.json.id;
}

test('SSE over raw HTTP: headers, and retry: comes first', async () => {
  const { slug } = await demoEvent();
  const data = await new Promise((resolve, reject) => {
    let got = '';
    const sock = net.connect(srv.port, '127.0.0.1', () => {
      sock.write(`GET /live/${slug}/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    });
    sock.setEncoding('latin1');
    sock.on('data', (d) => {
      got += d;
      if (/\r\n\r\n[0-9a-f]+\r\nretry: \d+\n\n/i.test(got)) { sock.destroy(); resolve(got); }
    });
    sock.on('error', reject);
    setTimeout(() => { sock.destroy(); reject(new Error(`no retry line: ${got}`)); }, 3000);
  });
  const [head, body] = data.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 200 /);
  assert.match(head, /\r\nContent-Type: text\/event-stream/i);
  assert.match(head, /\r\nCache-Control: no-cache\r\n/i);
  assert.match(head, /\r\nX-Accel-Buffering: no\r\n/i);
  assert.match(head, /\r\nTransfer-Encoding: chunked(\r\n|$)/i);
  assert.match(body, /^[0-9a-f]+\r\nretry: \d+\n\n/i, 'the first bytes of the body are the retry line');
});

test('an entry posted on the desk arrives on open streams within a second', async () => {
  const { id, slug } = await demoEvent();
  const reader = await openStream(`/live/${slug}/stream`);
  const app = await openStream(`/api/v1/live/${id}/stream?edition=en`);
  assert.equal(reader.status, 200);
  assert.equal(app.status, 200);
  assert.match(app.headers['content-type'], /^text\/event-stream/);
  await reader.waitFor((s) => s.text.startsWith('retry:'));
  await loggedIn('livedit'); // the login's password hash is not timed
  const t0 = Date.now();
  const entry = await postEntry('A **fresh** update from the desk');
  const ev = await reader.waitFor((s) => eventOf(s, 'new', (j) => j.id === entry), 1000);
  const ms = Date.now() - t0;
  assert.ok(ms < 1000, `arrived after ${ms} ms`);
  assert.ok(Number(ev.id) > 0, 'messages carry an id');
  const j = JSON.parse(ev.data);
  assert.equal(j.edition, 'en');
  assert.equal(j.deleted, false);
  assert.match(j.body_html, /<strong>fresh<\/strong>/);
  assert.match(j.html, new RegExp(`^<li class="live-entry[^"]*" id="entry-${entry}"`));
  await app.waitFor((s) => eventOf(s, 'new', (x) => x.id === entry), 1000);
  // the Russian stream does not get an English entry
  const ru = await openStream(`/ru/live/${slug}/stream`);
  await ru.waitFor((s) => s.text.startsWith('retry:'));
  await postEntry('Another English one');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(ru.events.filter((e) => e.event === 'new').length, 0);
  for (const s of [reader, app, ru]) s.close();
});

test('Last-Event-ID replays what was missed, from the ring and from the store', async () => {
  const { id, slug } = await demoEvent();
  const c = await loggedIn('livedit');
  const s1 = await openStream(`/live/${slug}/stream`);
  const entry = await postEntry('To be edited, pinned and deleted');
  const first = await s1.waitFor((s) => eventOf(s, 'new', (j) => j.id === entry));
  s1.close();
  // missed while away: an edit, a pin, a delete
  let r = await c.json(`/newsroom/live/${id}/entries/${entry}`, { body: 'Edited while you were away' });
  assert.equal(r.status, 200, r.text);
  r = await c.json(`/newsroom/live/${id}/entries/${entry}/pin`, { pinned: '1' });
  assert.equal(r.status, 200, r.text);
  r = await c.json(`/newsroom/live/${id}/entries/${entry}/delete`, {});
  assert.equal(r.status, 200, r.text);

  const s2 = await openStream(`/live/${slug}/stream`, { 'Last-Event-ID': first.id });
  await s2.waitFor((s) => eventOf(s, 'delete', (j) => j.id === entry));
  const types = s2.events.filter((e) => JSON.parse(e.data).id === entry).map((e) => e.event);
  assert.deepEqual(types, ['edit', 'pin', 'delete']);
  assert.match(JSON.parse(eventOf(s2, 'edit').data).body_html, /Edited while you were away/);
  assert.equal(eventOf(s2, 'new', (j) => j.id === entry), undefined, 'nothing before the last id again');
  s2.close();

  // the same through ?last_event_id= (what a page's first connect sends)
  const s3 = await openStream(`/live/${slug}/stream?last_event_id=${first.id}`);
  await s3.waitFor((s) => eventOf(s, 'delete', (j) => j.id === entry));
  s3.close();

  // an id older than this server's ring: replayed from the store, then
  // the event's state carrying an id to resume from
  const old = Number(first.id) - 60000;
  const s4 = await openStream(`/live/${slug}/stream`, { 'Last-Event-ID': String(old) });
  const st = await s4.waitFor((s) => eventOf(s, 'state'));
  assert.ok(eventOf(s4, 'delete', (j) => j.id === entry), 'the deleted entry is replayed as a delete');
  assert.ok(Number(st.id) >= Number(first.id), 'the state message carries the stream cursor');
  assert.equal(JSON.parse(st.data).state, 'live');
  s4.close();
});

test('heartbeats at the --set live.heartbeat interval', async () => {
  const { slug } = await demoEvent();
  const s = await openStream(`/live/${slug}/stream`);
  const t0 = Date.now();
  await s.waitFor((x) => x.comments >= 2, 4000);
  assert.match(s.text, /\n: ping\n\n/);
  assert.ok(Date.now() - t0 < 4000);
  s.close();
});

test('GET /api/v1/live/{id}: the event and its entries as JSON', async () => {
  const { id, slug } = await demoEvent();
  const entry = await postEntry('For the apps');
  let r = await fetch(`${srv.url}/api/v1/live/${id}`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  const j = await r.json();
  assert.equal(j.event.id, id);
  assert.equal(j.event.slug, slug);
  assert.equal(j.event.state, 'live');
  assert.match(j.event.starts_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(j.event.url, new RegExp(`/live/${slug}$`));
  assert.ok(Array.isArray(j.entries) && j.entries.length > 0);
  assert.equal(j.entries[0].id, entry, 'newest first');
  for (const e of j.entries) {
    assert.equal(e.deleted, false);
    assert.equal(typeof e.body_html, 'string');
    assert.equal(e.html, undefined, 'no theme markup in the API');
  }
  assert.ok(j.entries.some((e) => e.author && e.author.name), 'authors are named');
  assert.match(j.stream.url, new RegExp(`/api/v1/live/${id}/stream\\?edition=en$`));
  assert.ok(j.stream.last_event_id > 0);

  r = await fetch(`${srv.url}/api/v1/live/${id}?edition=ru`);
  assert.equal(r.status, 200);
  const ru = await r.json();
  assert.equal(ru.event.edition, 'ru');
  assert.match(ru.event.url, /\/ru\/live\//);
  assert.ok(ru.entries.every((e) => e.edition === 'ru'));

  r = await fetch(`${srv.url}/api/v1/live/${id}?per_page=2&page=2`);
  const p2 = await r.json();
  assert.equal(p2.entries.length, 2);
  assert.equal(p2.page, 2);

  r = await fetch(`${srv.url}/api/v1/live?state=live`);
  assert.equal(r.status, 200);
  const list = await r.json();
  assert.ok(list.events.some((e) => e.id === id && e.state === 'live'));
  r = await fetch(`${srv.url}/api/v1/live?edition=ru`);
  assert.ok((await r.json()).events.every((e) => e.edition === 'ru'));
  assert.equal((await fetch(`${srv.url}/api/v1/live?state=soon`)).status, 400);
  assert.equal((await fetch(`${srv.url}/api/v1/live/${id}?edition=xx`)).status, 400);
  assert.equal((await fetch(`${srv.url}/api/v1/live/999999`)).status, 404);
  assert.equal((await fetch(`${srv.url}/api/v1/live/abc`)).status, 400);
  assert.equal((await fetch(`${srv.url}/api/v1/live/999999/stream`)).status, 404);
  assert.equal((await fetch(`${srv.url}/live/no-such-event/stream`)).status, 404);
});

test('the reader page: stream URL, LiveBlogPosting JSON-LD, entries', async () => {
  const { slug } = await demoEvent();
  const r = await fetch(`${srv.url}/live/${slug}`);
  assert.equal(r.status, 200);
  const html = await r.text();
  const m = /data-stream="([^"]+)"/.exec(html.slice(html.indexOf('data-live-entries')));
  assert.ok(m, 'the entry list names its stream');
  assert.match(m[1], new RegExp(`^/live/${slug}/stream\\?last_event_id=\\d+$`));
  const ld = [...html.matchAll(/<script type="application\/ld\+json">(.*?)<\/script>/gs)]
    .map((x) => JSON.parse(x[1])).find((x) => x['@type'] === 'LiveBlogPosting');
  assert.ok(ld, 'LiveBlogPosting JSON-LD');
  assert.match(ld.coverageStartTime, /^\d{4}-\d\d-\d\dT/);
  assert.ok(Array.isArray(ld.liveBlogUpdate) && ld.liveBlogUpdate.length > 0);
  assert.equal(ld.liveBlogUpdate[0]['@type'], 'BlogPosting');
  assert.ok(ld.liveBlogUpdate[0].headline && ld.liveBlogUpdate[0].datePublished);
  assert.match(html, /<link rel="alternate" hreflang="ru" href="[^"]+\/ru\/live\//);
  // the banner's stream is named on every page of the edition
  const home = await (await fetch(`${srv.url}/`)).text();
  assert.match(home, /data-live-banner data-stream="\/live-banner\/stream"/);
});

test('the live desk: roles, CSRF, audit', async () => {
  const { id } = await demoEvent();
  const anon = new Client();
  let r = await anon.get('/newsroom/live');
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), /^\/newsroom\/login/);
  r = await anon.json(`/newsroom/live/${id}/entries`, { edition: 'en', body: 'anonymous' });
  assert.equal(r.status, 403);

  const author = await loggedIn('liveauth');
  r = await author.get('/newsroom/live');
  assert.equal(r.status, 403);
  r = await author.get(`/newsroom/live/${id}`);
  assert.equal(r.status, 403);
  await author.get('/newsroom');
  r = await author.json(`/newsroom/live/${id}/entries`, { edition: 'en', body: 'not mine to post' });
  assert.equal(r.status, 403);

  const ed = await loggedIn('livedit');
  r = await ed.get('/newsroom/live');
  assert.equal(r.status, 200);
  assert.match(r.text, new RegExp(`href="/newsroom/live/${id}\\?edition=en"`));
  r = await ed.get(`/newsroom/live/${id}?edition=en`);
  assert.equal(r.status, 200);
  assert.match(r.text, /data-compose/);
  assert.match(r.text, /class="live-entries nr-live-preview"><li class="live-entry/, 'entries as readers see them');
  // no token, a wrong token: refused, nothing stored
  r = await ed.json(`/newsroom/live/${id}/entries`, { edition: 'en', body: 'no token' }, '');
  assert.equal(r.status, 403);
  r = await ed.json(`/newsroom/live/${id}/entries`, { edition: 'en', body: 'bad token' }, 'x'.repeat(43));
  assert.equal(r.status, 403);
  const api = await (await fetch(`${srv.url}/api/v1/live/${id}?per_page=200`)).json();
  assert.ok(!api.entries.some((e) => /token/.test(e.body_html)));
  // validation keeps the text (no-JS form), JSON says why
  r = await ed.json(`/newsroom/live/${id}/entries`, { edition: 'en', body: '   ' });
  assert.equal(r.status, 422);
  assert.equal(r.json.ok, false);
  r = await ed.post(`/newsroom/live/${id}/entries`, { edition: 'en', body: 'x', media_id: '99999' });
  assert.equal(r.status, 422);
  assert.match(r.text, />x<\/textarea>/);
  // a plain form posts and comes back to the desk
  r = await ed.post(`/newsroom/live/${id}/entries`, { edition: 'en', body: 'Posted without JavaScript' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/newsroom/live/${id}?edition=en`);

  // a new event, its state changes, all in the audit log
  r = await ed.post('/newsroom/live', { edition: 'en', title: 'Test live event', summary: 'For the test', state: 'live' });
  assert.equal(r.status, 303, r.text);
  const nid = Number(/\/newsroom\/live\/(\d+)\?edition=en$/.exec(r.headers.get('location'))[1]);
  const j = await (await fetch(`${srv.url}/api/v1/live/${nid}`)).json();
  assert.equal(j.event.state, 'live');
  assert.equal(j.event.title, 'Test live event');
  await ed.get(`/newsroom/live/${nid}?edition=en`);
  r = await ed.json(`/newsroom/live/${nid}/state`, { edition: 'en', state: 'bogus' });
  assert.equal(r.status, 422);
  r = await ed.json(`/newsroom/live/${nid}/state`, { edition: 'en', state: 'ended' });
  assert.equal(r.status, 200, r.text);
  const ended = await (await fetch(`${srv.url}/api/v1/live/${nid}`)).json();
  assert.equal(ended.event.state, 'ended');
  assert.ok(ended.event.ends_at);

  const adm = await admin();
  const audit = await adm.get('/newsroom/audit');
  assert.equal(audit.status, 200);
  for (const a of ['live.create', 'live.state', 'live.entry.add', 'live.entry.edit', 'live.entry.pin',
    'live.entry.delete'])
    assert.match(audit.text, new RegExp(a.replace(/\./g, '\\.')), `audit has ${a}`);
});

test('ending the event: streams say so, the banner goes, cached pages too', async () => {
  const { id, slug } = await demoEvent();
  // a cached home page with the banner
  await fetch(`${srv.url}/`);
  let home = await fetch(`${srv.url}/`);
  assert.match(await home.text(), /data-live-banner/);
  const banner = await openStream('/live-banner/stream');
  const first = await banner.waitFor((s) => eventOf(s, 'state'));
  assert.ok(JSON.parse(first.data).live.some((e) => e.id === id));
  const reader = await openStream(`/live/${slug}/stream`);
  await reader.waitFor((s) => s.text.startsWith('retry:'));

  const c = await loggedIn('livedit');
  await c.get(`/newsroom/live/${id}?edition=en`);
  const t0 = Date.now();
  const r = await c.json(`/newsroom/live/${id}/state`, { edition: 'en', state: 'ended' });
  assert.equal(r.status, 200, r.text);
  await reader.waitFor((s) => eventOf(s, 'state', (j) => j.state === 'ended'), 1000);
  await banner.waitFor((s) => s.events.filter((e) => e.event === 'state').length >= 2, 1000);
  assert.ok(Date.now() - t0 < 1000);
  const last = banner.events.filter((e) => e.event === 'state').pop();
  assert.ok(!JSON.parse(last.data).live.some((e) => e.id === id));
  home = await fetch(`${srv.url}/`);
  assert.doesNotMatch(await home.text(), /data-live-banner/, 'the cached home page was dropped');
  // a banner stream opened now starts with the truth
  const late = await openStream('/live-banner/stream');
  const st = await late.waitFor((s) => eventOf(s, 'state'));
  assert.ok(!JSON.parse(st.data).live.some((e) => e.id === id));
  // coverageEndTime once it is over
  const page = await (await fetch(`${srv.url}/live/${slug}`)).text();
  assert.match(page, /"coverageEndTime":"\d{4}-/);
  assert.doesNotMatch(page.slice(page.indexOf('data-live-entries')), /^[^>]*data-stream/);
  // back on air for the tests that follow
  await c.json(`/newsroom/live/${id}/state`, { edition: 'en', state: 'live' });
  for (const s of [banner, reader, late]) s.close();
});

/* A w x h RGB PNG with a diagonal gradient (our own bytes; libvips
 * makes the variants from it). */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function gradientPng(w, h) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1);
    for (let x = 0; x < w; x++) {
      raw[row + 1 + x * 3] = (x * 255 / w) | 0;
      raw[row + 2 + x * 3] = (y * 255 / h) | 0;
      raw[row + 3 + x * 3] = 128;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

/* Upload an image to the media library as client c (JSON answer). */
async function uploadImage(c, { alt, caption = '', credit = '' }) {
  const fd = new FormData();
  fd.append('csrf', c.csrf);
  fd.append('alt', alt);
  fd.append('caption', caption);
  fd.append('credit', credit);
  fd.append('file', new Blob([gradientPng(800, 450)], { type: 'image/png' }), 'live-photo.png');
  const h = { 'X-Real-IP': c.ip, Accept: 'application/json',
    Cookie: [...c.jar].map(([k, v]) => `${k}=${v}`).join('; ') };
  const r = await fetch(`${srv.url}/newsroom/media`, { method: 'POST', headers: h, body: fd });
  const j = await r.json();
  assert.ok(r.status === 201 || r.status === 200, JSON.stringify(j));
  return j;
}

test('an entry with an image: page, stream, API and JSON-LD show it with its variants', async () => {
  const { id, slug } = await demoEvent();
  const c = await loggedIn('livedit');
  await c.get(`/newsroom/live/${id}?edition=en`);
  const ALT = 'Delegates shaking hands in the hall';
  const img = await uploadImage(c, { alt: ALT, caption: 'The signing, just now', credit: 'Test desk' });
  assert.ok(img.id > 0);

  // the desk's picker offers the new upload as a choice
  let r = await c.get(`/newsroom/live/${id}?edition=en`);
  assert.match(r.text, new RegExp(`<input type="radio" name="media_id" value="${img.id}">`));
  assert.match(r.text, /<input type="radio" name="media_id" value="" checked>/, '"no image" is the default');
  assert.ok(r.text.includes(`${ALT} <small>#${img.id}</small>`), 'choices are named by their alt text');

  const reader = await openStream(`/live/${slug}/stream`);
  await reader.waitFor((s) => s.text.startsWith('retry:'));
  r = await c.json(`/newsroom/live/${id}/entries`, { edition: 'en', body: 'The agreement is *signed*.',
    media_id: String(img.id) });
  assert.equal(r.status, 200, r.text);
  const entry = r.json.id;

  // the stream: JSON with the image, and the reader's HTML with a <picture>
  const ev = await reader.waitFor((s) => eventOf(s, 'new', (j) => j.id === entry), 1000);
  const j = JSON.parse(ev.data);
  assert.equal(j.image.id, img.id);
  assert.equal(j.image.alt, ALT);
  assert.equal(j.image.caption, 'The signing, just now');
  assert.equal(j.image.credit, 'Test desk');
  assert.match(j.image.url, /^http:\/\/[^/]+\/media\/.+\.jpg$/);
  assert.match(j.image.srcset, /^http:\/\/[^ ]+\/media\/[^ ]+\.jpg \d+w(, http:\/\/[^ ]+\.jpg \d+w)+$/);
  assert.match(j.image.webp_srcset, /\.webp \d+w/);
  assert.ok(j.image.width >= 640 && j.image.height > 0);
  const figure = /<figure class="live-entry-media">.*?<\/figure>/s.exec(j.html);
  assert.ok(figure, `a figure in the pushed HTML: ${j.html}`);
  assert.match(figure[0], /<source type="image\/webp" srcset="\/media\/[^"]+\.webp \d+w, [^"]+" sizes="[^"]+">/);
  assert.match(figure[0], /<img src="\/media\/[^"]+\.jpg" srcset="\/media\/[^"]+\.jpg \d+w, [^"]+" sizes="[^"]+" width="800" height="450" alt="Delegates shaking hands in the hall"/);
  assert.match(figure[0], /<figcaption>The signing, just now <span class="credit">Test desk<\/span><\/figcaption>/);
  reader.close();

  // the page renders the same markup on the server
  const page = await (await fetch(`${srv.url}/live/${slug}`)).text();
  const li = new RegExp(`<li class="live-entry[^"]*" id="entry-${entry}">.*?</li>`, 's').exec(page);
  assert.ok(li, 'the entry is on the page');
  assert.ok(li[0].includes(figure[0]), 'page and stream say the same');
  // JSON-LD: the update carries an ImageObject
  const ld = [...page.matchAll(/<script type="application\/ld\+json">(.*?)<\/script>/gs)]
    .map((x) => JSON.parse(x[1])).find((x) => x['@type'] === 'LiveBlogPosting');
  const up = ld.liveBlogUpdate.find((u) => u['@id'].endsWith(`#entry-${entry}`));
  assert.ok(up, 'the entry is a liveBlogUpdate');
  assert.equal(up.image['@type'], 'ImageObject');
  assert.match(up.image.url, /^http:\/\/[^/]+\/media\/.+\.jpg$/);
  assert.equal(up.image.caption, 'The signing, just now');

  // the API
  const api = await (await fetch(`${srv.url}/api/v1/live/${id}`)).json();
  const a = api.entries.find((e) => e.id === entry);
  assert.equal(a.image.id, img.id);
  assert.equal(a.image.alt, ALT);
  assert.equal(a.image.srcset, j.image.srcset);

  // editing it away: no image anywhere
  r = await c.json(`/newsroom/live/${id}/entries/${entry}`, { body: 'The agreement is signed.', media_id: '' });
  assert.equal(r.status, 200, r.text);
  const api2 = await (await fetch(`${srv.url}/api/v1/live/${id}`)).json();
  assert.equal(api2.entries.find((e) => e.id === entry).image, null);
  const page2 = await (await fetch(`${srv.url}/live/${slug}`)).text();
  const li2 = new RegExp(`id="entry-${entry}">.*?</li>`, 's').exec(page2)[0];
  assert.doesNotMatch(li2, /<figure/);
  // an image alone is an entry too; the desk checks the one being edited
  r = await c.json(`/newsroom/live/${id}/entries`, { edition: 'en', body: '', media_id: String(img.id) });
  assert.equal(r.status, 200, r.text);
  r = await c.get(`/newsroom/live/${id}?edition=en&edit=${r.json.id}`);
  assert.match(r.text, new RegExp(`<input type="radio" name="media_id" value="${img.id}" checked>`));
});

test('edited and pinned entries: markers in both editions, the stream updates them', async () => {
  const { id, slug } = await demoEvent();
  const c = await loggedIn('livedit');
  for (const [ed, prefix, word] of [['en', '', /^edited \d\d:\d\d$/], ['ru', '/ru', /^изменено в \d\d:\d\d$/]]) {
    await c.get(`/newsroom/live/${id}?edition=${ed}`);
    const reader = await openStream(`${prefix}/live/${slug}/stream`);
    await reader.waitFor((s) => s.text.startsWith('retry:'));
    let r = await c.json(`/newsroom/live/${id}/entries`, { edition: ed, body: `First words (${ed})` });
    assert.equal(r.status, 200, r.text);
    const entry = r.json.id;
    const fresh = JSON.parse((await reader.waitFor((s) => eventOf(s, 'new', (j) => j.id === entry))).data);
    assert.equal(fresh.edited, false);
    assert.equal(fresh.edited_at, null);
    assert.doesNotMatch(fresh.html, /live-entry-edited/, 'a new entry is not marked edited');

    // pinning is not an edit, but it moves the entry up with a marker
    r = await c.json(`/newsroom/live/${id}/entries/${entry}/pin`, { pinned: '1' });
    assert.equal(r.status, 200, r.text);
    const pin = JSON.parse((await reader.waitFor((s) => eventOf(s, 'pin', (j) => j.id === entry))).data);
    assert.equal(pin.pinned, true);
    assert.equal(pin.edited_at, null);
    assert.match(pin.html, /^<li class="live-entry live-entry--pinned" /);
    const pinLabel = ed === 'en' ? 'Pinned' : 'Закреплено';
    assert.match(pin.html, new RegExp(`<span class="badge live-pin">${pinLabel}</span>`));
    assert.doesNotMatch(pin.html, /live-entry-edited/);

    // an edit: "edited HH:MM" in the edition's words, pushed and on the page
    r = await c.json(`/newsroom/live/${id}/entries/${entry}`, { body: `Corrected words (${ed})` });
    assert.equal(r.status, 200, r.text);
    const edit = JSON.parse((await reader.waitFor((s) => eventOf(s, 'edit', (j) => j.id === entry))).data);
    assert.equal(edit.edited, true);
    assert.match(edit.edited_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const m = /<span class="live-entry-edited" data-edited="([^"]+)">([^<]+)<\/span>/.exec(edit.html);
    assert.ok(m, `edited marker in ${edit.html}`);
    assert.match(m[2], word);
    assert.match(edit.html, /live-entry--pinned/, 'still pinned after the edit');
    const page = await (await fetch(`${srv.url}${prefix}/live/${slug}`)).text();
    const list = page.slice(page.indexOf('data-live-entries'));
    const first = /<li class="([^"]+)" id="entry-(\d+)"/.exec(list);
    assert.equal(Number(first[2]), entry, 'the pinned entry comes first');
    assert.match(list, new RegExp(`id="entry-${entry}">.*?<span class="live-entry-edited" data-edited="[^"]+">${m[2]}</span>`, 's'));
    // unpinned, it goes back among the others: no marker
    r = await c.json(`/newsroom/live/${id}/entries/${entry}/pin`, { pinned: '0' });
    assert.equal(r.status, 200, r.text);
    const unpin = JSON.parse((await reader.waitFor((s) => eventOf(s, 'pin', (j) => j.id === entry && !j.pinned))).data);
    assert.doesNotMatch(unpin.html, /live-pin|live-entry--pinned/);
    assert.match(unpin.html, /live-entry-edited/, 'still edited');
    reader.close();
  }
});

test('streams end when the server stops, and it exits 0 promptly', async () => {
  const { id, slug } = await demoEvent();
  const streams = await Promise.all([
    openStream(`/live/${slug}/stream`),
    openStream(`/ru/live/${slug}/stream`),
    openStream(`/api/v1/live/${id}/stream`),
    openStream('/live-banner/stream'),
  ]);
  await Promise.all(streams.map((s) => s.waitFor((x) => x.text.startsWith('retry:'))));
  const t0 = Date.now();
  await srv.stop(); // checks exit status 0
  const ms = Date.now() - t0;
  assert.ok(ms < 3000, `stopped after ${ms} ms`);
  const ended = await Promise.race([
    Promise.all(streams.map((s) => s.ended)).then(() => true),
    new Promise((r) => setTimeout(() => r(false), 1000)),
  ]);
  assert.ok(ended, 'every stream ended');
});
