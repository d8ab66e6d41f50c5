// bench/live/client.mjs - holds N Server-Sent Events readers on one
// gazette and measures how long a live entry takes to reach all of them.
//
//   node bench/live/client.mjs --url http://127.0.0.1:PORT --pid PID
//        [--readers 10000] [--posts 5] [--connect 400]
//
// Logs in to the newsroom as admin (admin-pass-123, what `gazette init
// --admin admin --password admin-pass-123` makes), opens N plain TCP
// sockets (no HTTP library: a few hundred bytes of state each) to the
// demo's live event stream, at most --connect connects in flight, waits
// until every one has its "retry:" line, then posts --posts entries on
// the live desk one after another and, for each, records when every
// socket saw the entry's id. Prints one JSON object: per post the time
// from the POST until the last reader had it (and p50/p99), the server's
// VmRSS with every reader connected, its VmHWM at the end, and how long
// the server took to stop on SIGTERM with every stream open.
import net from 'node:net';
import fs from 'node:fs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const base = new URL(args.url);
const pid = Number(args.pid);
const N = Number(args.readers ?? 10000);
const POSTS = Number(args.posts ?? 5);
const CONNECT = Number(args.connect ?? 400);
const port = Number(base.port);

function status(field) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(s);
  return m ? Number(m[1]) : null;
}
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000; // ms

/* ---- the newsroom session (fetch is fine for a handful of requests) */
const jar = new Map();
async function req(method, path, { form, headers = {} } = {}) {
  const h = { ...headers };
  if (jar.size) h.Cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let body;
  if (form) { body = new URLSearchParams(form).toString(); h['Content-Type'] = 'application/x-www-form-urlencoded'; }
  const res = await fetch(new URL(path, base), { method, headers: h, body, redirect: 'manual' });
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
  }
  return { status: res.status, text: await res.text() };
}
const login = await req('GET', '/newsroom/login');
const csrf0 = /name="csrf" value="([^"]+)"/.exec(login.text)[1];
const li = await req('POST', '/newsroom/login', { form: { csrf: csrf0, login: 'admin', password: 'admin-pass-123' } });
if (li.status !== 303) throw new Error(`login: ${li.status}`);
const api = JSON.parse((await req('GET', '/api/v1/live/1')).text);
const { id: eventId, slug } = api.event;
const desk = await req('GET', `/newsroom/live/${eventId}?edition=en`);
const token = /<meta name="csrf-token" content="([^"]+)"/.exec(desk.text)[1];

/* ---- N raw readers ---------------------------------------------------- */
const readers = [];
let connected = 0, failed = 0, closed = 0;
let waiting = null; // { marker, left, t0, times[] }
const request = Buffer.from(`GET /live/${slug}/stream HTTP/1.1\r\nHost: ${base.host}\r\n`
  + 'Accept: text/event-stream\r\n\r\n');

function open(i) {
  return new Promise((resolve) => {
    const r = { i, tail: '', ready: false, seen: null };
    const s = net.connect({ port, host: base.hostname });
    r.sock = s;
    s.setNoDelay(true);
    s.setEncoding('latin1');
    s.on('connect', () => s.write(request));
    s.on('data', (d) => {
      // keep only a short tail: a marker never spans more than that
      const text = r.tail + d;
      r.tail = text.slice(-64);
      if (!r.ready && text.includes('retry:')) {
        r.ready = true;
        connected++;
        resolve();
      }
      if (waiting && r.seen !== waiting.marker && text.includes(waiting.marker)) {
        r.seen = waiting.marker;
        waiting.times.push(now() - waiting.t0);
        if (--waiting.left === 0) waiting.done();
      }
    });
    s.on('error', () => { if (!r.ready) { failed++; resolve(); } });
    s.on('close', () => { closed++; if (!r.ready) resolve(); });
    readers.push(r);
  });
}

const tc0 = now();
let next = 0;
async function worker() {
  while (next < N) await open(next++);
}
await Promise.all(Array.from({ length: Math.min(CONNECT, N) }, worker));
const connectMs = now() - tc0;
if (failed) console.error(`# ${failed} readers failed to connect`);
const rssConnected = status('VmRSS');

/* ---- posts ------------------------------------------------------------ */
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))];
const results = [];
for (let k = 0; k < POSTS; k++) {
  const text = `Bench entry ${k} at ${new Date().toISOString()}`;
  const live = readers.filter((r) => r.ready && !r.sock.destroyed).length;
  let marker;
  const got = new Promise((resolve) => {
    waiting = { marker: null, left: live, t0: 0, times: [], done: resolve };
  });
  // the marker is the entry id, known only from the answer: match on
  // the text instead (unique per post), it is in the JSON data line
  marker = `Bench entry ${k} at`;
  waiting.marker = marker;
  waiting.t0 = now();
  const res = await req('POST', `/newsroom/live/${eventId}/entries`, {
    form: { edition: 'en', body: text },
    headers: { Accept: 'application/json', 'X-CSRF-Token': token },
  });
  const postMs = now() - waiting.t0;
  if (res.status !== 200) throw new Error(`post: ${res.status} ${res.text.slice(0, 200)}`);
  const timeout = new Promise((r) => setTimeout(() => r('timeout'), 10000));
  const outcome = await Promise.race([got.then(() => 'ok'), timeout]);
  const t = waiting.times.slice().sort((a, b) => a - b);
  results.push({
    post: k, readers: live, reached: t.length, outcome,
    post_ms: Math.round(postMs),
    p50_ms: Math.round(pct(t, 0.5)), p99_ms: Math.round(pct(t, 0.99)), all_ms: Math.round(t[t.length - 1]),
  });
  waiting = null;
  await new Promise((r) => setTimeout(r, 500));
}

/* ---- stop the server with every stream open -------------------------- */
const hwm = status('VmHWM');
const ts0 = now();
process.kill(pid, 'SIGTERM');
while (fs.existsSync(`/proc/${pid}`)) {
  let zombie = false;
  try { zombie = /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8')); } catch { break; }
  if (zombie) break;
  await new Promise((r) => setTimeout(r, 5));
}
const stopMs = now() - ts0;
await new Promise((r) => setTimeout(r, 300));

console.log(JSON.stringify({
  readers: N, connected, failed, connect_ms: Math.round(connectMs),
  server_rss_connected_kb: rssConnected, server_vmhwm_kb: hwm,
  posts: results, stop_ms: Math.round(stopMs), streams_closed: closed,
}, null, 1));
for (const r of readers) r.sock.destroy();
process.exit(0);
