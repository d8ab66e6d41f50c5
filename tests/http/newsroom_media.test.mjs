// newsroom_media.test.mjs - the media library against the real binary:
// upload a JPEG as a plain multipart form and a PNG as media.js sends it
// (X-CSRF-Token, JSON), variants on disk and served at /media/ (type,
// long cache, ETag, 304), originals never public, duplicates found by
// content, refusals that store nothing (an HTML page named x.jpg, a PHP
// script, a truncated JPEG, a 30000 x 30000 PNG bomb, a body over the
// upload limit, no or a wrong CSRF token, anonymous), editing alt text,
// caption and credit (own images for a contributor, any for an editor),
// search and the JSON list. libvips is loaded lazily: a fresh server
// has it not mapped (/proc/PID/maps) until the first upload, and a
// server that cannot load it refuses uploads with a clear error and
// keeps serving. Every upload also gets 16:9, 4:3 and 1:1 JPEG crops.
//
// Test images are made here: a PNG written by hand with node's zlib and a
// flat grey baseline JPEG from a twenty-line encoder (all blocks DC 0, no
// AC: two bits a block), so no binary fixture and no image tool is needed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, rawRequest, gazetteBin, ADMIN_LOGIN, ADMIN_PASSWORD } from './lib.mjs';

let srv;
const PASSWORD = 'media-pass-2024';

/* ---- images ------------------------------------------------------- */

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
const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/* An RGB PNG of w x h with a gradient; seed changes the pixels. */
function makePng(w, h, seed = 0) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1);
    for (let x = 0; x < w; x++) {
      raw[row + 1 + x * 3] = (x + seed) & 0xff;
      raw[row + 2 + x * 3] = y & 0xff;
      raw[row + 3 + x * 3] = 128;
    }
  }
  return Buffer.concat([PNG_SIG, pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

/* A PNG whose header says w x h but whose data is a few bytes. */
function makePngBomb(w, h) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([PNG_SIG, pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(64))), pngChunk('IEND', Buffer.alloc(0))]);
}

/*
 * A baseline grey JPEG of w x h, mid-grey: every 8x8 block has DC
 * difference 0 and no AC coefficient, so with one-code Huffman tables
 * (DC: category 0 = "0", AC: EOB = "0") each block is two 0 bits.
 */
function makeJpeg(w, h) {
  const seg = (marker, body) => {
    const b = Buffer.alloc(4);
    b[0] = 0xff;
    b[1] = marker;
    b.writeUInt16BE(body.length + 2, 2);
    return Buffer.concat([b, Buffer.from(body)]);
  };
  const dqt = seg(0xdb, [0x00, ...new Array(64).fill(1)]);
  const sof = seg(0xc0, [8, h >> 8, h & 0xff, w >> 8, w & 0xff, 1, 1, 0x11, 0]);
  const table = (cls) => [cls, 1, ...new Array(15).fill(0), 0x00];
  const dht = Buffer.concat([seg(0xc4, table(0x00)), seg(0xc4, table(0x10))]);
  const sos = seg(0xda, [1, 1, 0x00, 0, 63, 0]);
  const blocks = Math.ceil(w / 8) * Math.ceil(h / 8);
  const bits = blocks * 2;
  const scan = Buffer.alloc(Math.ceil(bits / 8)); // zeros
  if (bits % 8) scan[scan.length - 1] = 0xff >> (bits % 8); // pad with 1s
  return Buffer.concat([Buffer.from([0xff, 0xd8]), dqt, sof, dht, sos, scan,
    Buffer.from([0xff, 0xd9])]);
}

/* ---- a browser ---------------------------------------------------- */

class Client {
  /* server: the one to talk to (default: this file's srv) */
  constructor(server = null) { this.jar = new Map(); this.csrf = null; this.server = server; }

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

  async req(method, p, { form, body, headers = {}, binary = false } = {}) {
    const h = { ...headers };
    if (this.jar.size) h.Cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) {
      body = new URLSearchParams(form).toString();
      h['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(`${(this.server ?? srv).url}${p}`, { method, headers: h, body, redirect: 'manual' });
    this.take(res);
    if (binary) return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
    const text = await res.text();
    const m = /<meta name="csrf-token" content="([^"]+)"/.exec(text);
    if (m) this.csrf = m[1];
    let json = null;
    if ((res.headers.get('content-type') || '').startsWith('application/json')) json = JSON.parse(text);
    return { status: res.status, headers: res.headers, text, json };
  }

  get(p, opts) { return this.req('GET', p, opts); }

  /* POST a urlencoded form with the page's CSRF token. */
  post(p, form = {}, opts = {}) {
    return this.req('POST', p, { ...opts, form: { csrf: this.csrf ?? '', ...form } });
  }

  /* POST /newsroom/media as multipart: file (Buffer), name, fields. */
  upload(file, name, { fields = {}, json = false, csrf = this.csrf, header = false, type = 'image/jpeg' } = {}) {
    const fd = new FormData();
    if (csrf !== null && !header) fd.append('csrf', csrf);
    for (const [k, v] of Object.entries(fields)) fd.append(k, v);
    fd.append('file', new Blob([file], { type }), name);
    const headers = {};
    if (json) headers.Accept = 'application/json';
    if (header) headers['X-CSRF-Token'] = csrf;
    return this.req('POST', '/newsroom/media', { body: fd, headers });
  }

  async login(login, password) {
    const page = await this.get('/newsroom/login');
    assert.equal(page.status, 200);
    const token = /name="csrf" value="([^"]+)"/.exec(page.text)[1];
    const r = await this.req('POST', '/newsroom/login', { form: { csrf: token, login, password } });
    assert.equal(r.status, 303, `login ${login}: ${r.status}`);
    assert.ok(this.jar.has('gz_session'));
    const lib = await this.get('/newsroom/media');
    assert.equal(lib.status, 200);
    assert.ok(this.csrf);
    return this;
  }
}

function addUser(login, role) {
  return new Promise((resolve, reject) => {
    const p = spawn(gazetteBin, ['user', 'add', login, '--role', role, '--password', PASSWORD,
      '--data', srv.dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`user add ${login}: ${err}`))));
  });
}

/* Every file below the media folder (of server s), relative to it. */
function mediaFiles(s = srv) {
  const dir = path.join(s.dataDir, 'media');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

let admin;
before(async () => {
  srv = await startServer();
  await Promise.all([addUser('mc-one', 'contributor'), addUser('mc-two', 'contributor')]);
  admin = await new Client().login(ADMIN_LOGIN, ADMIN_PASSWORD);
});
after(async () => { await srv?.stop(); });

const JPEG = makeJpeg(1000, 750);
const PNG = makePng(700, 500);

/* The shared objects process pid has mapped that match re. */
function mapped(pid, re) {
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  return [...new Set(maps.split('\n').map((l) => l.split(/\s+/)[5]).filter((f) => f && re.test(f)))];
}
const LIBVIPS = /\/libvips[^/]*\.so/;

/* ---- tests -------------------------------------------------------- */

test('a fresh server has not loaded libvips (nor glib): only uploads need it', async () => {
  // before any upload (the tests below make the first); login and the
  // library page have been served already
  assert.deepEqual(mapped(srv.proc.pid, LIBVIPS), []);
  assert.deepEqual(mapped(srv.proc.pid, /\/lib(glib|gobject|gio)-2\.0\.so/), []);
  assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
});

test('anonymous: the library redirects to login, uploads are refused, originals hidden', async () => {
  const c = new Client();
  let r = await c.get('/newsroom/media');
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), /^\/newsroom\/login\?next=%2Fnewsroom%2Fmedia$/);
  r = await c.upload(JPEG, 'a.jpg', { csrf: 'x' });
  assert.equal(r.status, 403);
  r = await c.get('/newsroom/media/1/original');
  assert.equal(r.status, 303);
  for (const p of ['/media/', '/media/x', '/media/2024/05/0123456789abcdef/orig.jpg',
    '/media/2024/05/0123456789abcdef/../../../gazette.db', '/media/2024/05/0123456789abcdef/640.png'])
    assert.equal((await c.get(p)).status, 404, p);
  assert.deepEqual(mediaFiles(), []);
});

test('a JPEG uploaded as a plain form gets WebP and JPEG variants, served for a year', async () => {
  const r = await admin.upload(JPEG, 'harbour.jpg', { fields: { alt: 'Grey sky', caption: 'The harbour', credit: 'Staff' } });
  assert.equal(r.status, 303, r.text);
  const m = /^\/newsroom\/media\/(\d+)\?done=created$/.exec(r.headers.get('location'));
  assert.ok(m, r.headers.get('location'));
  const id = m[1];
  const page = await admin.get(`/newsroom/media/${id}?done=created`);
  assert.equal(page.status, 200);
  assert.match(page.text, /The harbour/);
  assert.match(page.text, /<picture><source type="image\/webp" srcset="\/media\/\d{4}\/\d\d\/[0-9a-f]{16}\/320\.webp 320w, /);

  // the upload loaded libvips
  assert.equal(mapped(srv.proc.pid, LIBVIPS).length, 1, 'libvips mapped after an upload');

  // on disk: the original and 320, 640, 960 and its own 1000 px, twice,
  // and the three crops
  const files = mediaFiles();
  const dir = path.dirname(files[0]);
  assert.match(dir, /^\d{4}\/\d\d\/[0-9a-f]{16}$/);
  assert.deepEqual(files.map((f) => path.basename(f)).sort(), ['1000.jpg', '1000.webp', '320.jpg',
    '320.webp', '640.jpg', '640.webp', '960.jpg', '960.webp', 'orig.jpg', '16x9.jpg', '4x3.jpg',
    '1x1.jpg'].sort());
  assert.deepEqual(fs.readFileSync(path.join(srv.dataDir, 'media', dir, 'orig.jpg')), JPEG);

  // JSON: sizes, widths never above the original
  const j = (await admin.get(`/newsroom/media/${id}`, { headers: { Accept: 'application/json' } })).json;
  assert.equal(j.width, 1000);
  assert.equal(j.height, 750);
  assert.equal(j.alt, 'Grey sky');
  // width variants, then the crops (16:9, 4:3, 1:1: as large as a
  // 1000 x 750 source allows)
  assert.deepEqual(j.variants.map((v) => `${v.width}x${v.height} ${v.format}`),
    ['320x240 webp', '320x240 jpeg', '640x480 webp', '640x480 jpeg', '960x720 webp',
      '960x720 jpeg', '1000x750 webp', '1000x750 jpeg', '1000x563 jpeg', '1000x750 jpeg',
      '750x750 jpeg']);
  assert.deepEqual(j.variants.slice(-3).map((v) => path.basename(v.url)), ['16x9.jpg', '4x3.jpg', '1x1.jpg']);
  assert.deepEqual(j.variants.map((v) => v.aspect), ['', '', '', '', '', '', '', '', '16:9', '4:3', '1:1']);
  // the page: the 4:3 crop has its own line, though it is as large as
  // the 1000 px variant
  const item = (await admin.get(`/newsroom/media/${id}`)).text;
  assert.match(item, /<li>1000 × 750 px: <a href="[^"]+1000\.webp">WebP<\/a>.*<a href="[^"]+1000\.jpg">JPEG<\/a>[^<]*<span[^>]*>[^<]*<\/span> <\/li>/);
  assert.match(item, /<li>4:3 crop, 1000 × 750 px: <a href="[^"]+4x3\.jpg">JPEG<\/a>/);
  assert.match(item, /<li>16:9 crop, 1000 × 563 px: /);
  assert.match(item, /<li>1:1 crop, 750 × 750 px: /);
  assert.equal(j.src, `/media/${dir}/960.jpg`);

  // served: type, long cache, ETag, 304, HEAD
  const reader = new Client();
  for (const v of j.variants) {
    const f = await reader.get(v.url, { binary: true });
    assert.equal(f.status, 200, v.url);
    assert.equal(f.headers.get('content-type'), v.format === 'webp' ? 'image/webp' : 'image/jpeg');
    assert.equal(f.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(f.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(f.body.length, v.bytes);
    if (v.format === 'webp') assert.equal(f.body.subarray(8, 12).toString('latin1'), 'WEBP');
    else assert.deepEqual([...f.body.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    assert.ok(!f.body.includes(Buffer.from('Exif\0\0', 'latin1')), `${v.url} has EXIF`);
    const etag = f.headers.get('etag');
    assert.match(etag, /^"[0-9a-z.-]+"$/);
    const again = await reader.get(v.url, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
  }
  const head = await fetch(`${srv.url}${j.variants[0].url}`, { method: 'HEAD' });
  assert.equal(head.status, 200);

  // the original: to the newsroom, never at /media/
  assert.equal((await reader.get(`/media/${dir}/orig.jpg`)).status, 404);
  const orig = await admin.get(`/newsroom/media/${id}/original`, { binary: true });
  assert.equal(orig.status, 200);
  assert.match(orig.headers.get('cache-control'), /private/);
  assert.deepEqual(orig.body, JPEG);
});

test('a PNG sent as media.js does (header token, JSON); the same file again is found', async () => {
  const r = await admin.upload(PNG, 'chart.png', { json: true, header: true, type: 'image/png',
    fields: { caption: 'Sales chart' } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.mime, 'image/png');
  assert.equal(r.json.width, 700);
  assert.equal(r.json.duplicate, false);
  assert.match(r.json.webp_srcset, /320\.webp 320w, .*640\.webp 640w, .*700\.webp 700w$/);
  assert.match(r.json.jpeg_srcset, /700\.jpg 700w$/);
  assert.equal(r.headers.get('location'), `/newsroom/media/${r.json.id}`);
  const before = mediaFiles().length;
  const again = await admin.upload(PNG, 'other-name.png', { json: true, header: true, type: 'image/png' });
  assert.equal(again.status, 200);
  assert.equal(again.json.duplicate, true);
  assert.equal(again.json.id, r.json.id);
  assert.equal(mediaFiles().length, before);
  // and as a form: 303 to the existing image
  const form = await admin.upload(PNG, 'x.png', { type: 'image/png' });
  assert.equal(form.status, 303);
  assert.equal(form.headers.get('location'), `/newsroom/media/${r.json.id}?done=duplicate`);
});

test('disguised, truncated and bomb files are refused with a clear message and nothing stored', async () => {
  const before = mediaFiles();
  const html = Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>');
  let r = await admin.upload(html, 'x.jpg', { json: true });
  assert.equal(r.status, 415);
  assert.match(r.json.error.message, /not a JPEG, PNG, WebP or GIF image/);
  // the form without JS shows the library again with the message
  r = await admin.upload(Buffer.from("<?php system($_GET['c']); ?>"), 'shell.php.jpg');
  assert.equal(r.status, 415);
  assert.match(r.text, /role="alert" id="mq-error">This file is not a JPEG/);
  r = await admin.upload(makeJpeg(800, 600).subarray(0, 400), 'cut.jpg', { json: true });
  assert.equal(r.status, 422);
  assert.match(r.json.error.message, /damaged or incomplete/);
  const t0 = Date.now();
  r = await admin.upload(makePngBomb(30000, 30000), 'bomb.png', { json: true, type: 'image/png' });
  assert.equal(r.status, 422);
  assert.match(r.json.error.message, /too large: 30000 × 30000 px/);
  assert.ok(Date.now() - t0 < 5000, 'refused without decoding');
  r = await admin.upload(Buffer.alloc(0), 'empty.jpg', { json: true });
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /Choose an image file/);
  assert.deepEqual(mediaFiles(), before);
  assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
});

test('a body over the upload limit gets 413; a missing or wrong CSRF token 403', async () => {
  const before = mediaFiles();
  const cookie = [...admin.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await rawRequest(srv.port,
    `POST /newsroom/media HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\n`
    + 'Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 30000000\r\n\r\n--x\r\n');
  assert.equal(res.status, 413);
  let r = await admin.upload(JPEG, 'a.jpg', { csrf: null, json: true });
  assert.equal(r.status, 403);
  r = await admin.upload(makePng(400, 300, 9), 'a.png', { csrf: 'wrong-token', type: 'image/png' });
  assert.equal(r.status, 403);
  r = await admin.upload(makePng(400, 300, 9), 'a.png', { csrf: 'wrong-token', header: true, type: 'image/png' });
  assert.equal(r.status, 403);
  // a garbled multipart body with a good header token: 400
  r = await admin.req('POST', '/newsroom/media', {
    body: '--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
    headers: { 'Content-Type': 'multipart/form-data; boundary=x', 'X-CSRF-Token': admin.csrf, Accept: 'application/json' },
  });
  assert.equal(r.status, 400);
  assert.deepEqual(mediaFiles(), before);
});

test('texts: the uploader and editors may edit, other contributors may not', async () => {
  const one = await new Client().login('mc-one', PASSWORD);
  const two = await new Client().login('mc-two', PASSWORD);
  const up = await one.upload(makePng(330, 200, 3), 'mine.png', { json: true, header: true, type: 'image/png' });
  assert.equal(up.status, 201, up.text);
  const id = up.json.id;
  assert.equal(up.json.can_edit, true);

  let r = await one.post(`/newsroom/media/${id}`, { alt: 'A red roof', caption: 'Roof «ночью»', credit: 'Mira' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/newsroom/media/${id}?done=saved`);
  r = await one.get(`/newsroom/media/${id}`, { headers: { Accept: 'application/json' } });
  assert.equal(r.json.alt, 'A red roof');
  assert.equal(r.json.caption, 'Roof «ночью»');

  // another contributor sees it, may not change it
  r = await two.get(`/newsroom/media/${id}`);
  assert.equal(r.status, 200);
  assert.doesNotMatch(r.text, new RegExp(`action="/newsroom/media/${id}"`));
  r = await two.post(`/newsroom/media/${id}`, { alt: 'hacked' });
  assert.equal(r.status, 403);
  // nor the admin's image
  const adminList = (await admin.get('/newsroom/media?q=harbour', { headers: { Accept: 'application/json' } })).json;
  assert.equal(adminList.total, 1);
  r = await one.post(`/newsroom/media/${adminList.items[0].id}`, { alt: 'x' });
  assert.equal(r.status, 403);
  // without the token: 403; an admin (editor and up) may edit anyone's
  r = await admin.post(`/newsroom/media/${id}`, { alt: 'Roof at night', csrf: 'nope' });
  assert.equal(r.status, 403);
  r = await admin.post(`/newsroom/media/${id}`, { alt: 'Roof at night', caption: 'Roof', credit: 'Mira' });
  assert.equal(r.status, 303);
  r = await two.get(`/newsroom/media?q=${encodeURIComponent('roof')}`, { headers: { Accept: 'application/json' } });
  assert.equal(r.json.total, 1);
  assert.equal(r.json.items[0].alt, 'Roof at night');
  assert.equal(r.json.items[0].can_edit, false);
  // invalid text is refused and kept
  r = await admin.post(`/newsroom/media/${id}`, { alt: 'x'.repeat(1001) });
  assert.equal(r.status, 422);
  // an unknown image
  assert.equal((await admin.get('/newsroom/media/99999')).status, 404);
  assert.equal((await admin.post('/newsroom/media/99999', { alt: 'x' })).status, 404);
});

test('the library page: grid with pictures, search, only mine, JSON list', async () => {
  let r = await admin.get('/newsroom/media');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.text, /<form method="post" action="\/newsroom\/media" enctype="multipart\/form-data"/);
  assert.match(r.text, /<input type="hidden" name="csrf" value="[^"]+">/);
  assert.match(r.text, /<script src="\/static\/media\.[0-9a-f]+\.js" defer><\/script>/);
  assert.match(r.text, /<li class="mq-card" id="media-\d+">/);
  assert.match(r.text, /<img src="\/media\/[^"]+\.jpg" srcset="[^"]+ 320w/);
  r = await admin.get('/newsroom/media?q=nothing-like-this');
  assert.match(r.text, /No image matches this search/);
  const all = (await admin.get('/newsroom/media', { headers: { Accept: 'application/json' } })).json;
  assert.ok(all.total >= 3);
  assert.equal(all.page, 1);
  const mine = (await admin.get('/newsroom/media?mine=1&format=json')).json;
  assert.equal(mine.total, all.total - 1); // mc-one's roof is not the admin's
  assert.equal((await admin.get('/newsroom/media?page=0')).status, 404);
  assert.equal((await admin.get('/newsroom/media?page=99')).status, 404);
  const js = await admin.get(/<script src="(\/static\/media\.[0-9a-f]+\.js)"/.exec(r.text)?.[1] ?? '/static/media.js');
  assert.equal(js.status, 200);
});

test('without libvips an upload is refused with a clear error and the server keeps serving', async () => {
  const other = await startServer({ env: { GAZETTE_LIBVIPS: '/nonexistent/libvips-gazette-test.so.42' } });
  try {
    const c = await new Client(other).login(ADMIN_LOGIN, ADMIN_PASSWORD);
    const r = await c.upload(makePng(400, 300, 5), 'chart.png', { json: true, header: true, type: 'image/png' });
    assert.equal(r.status, 503, r.text);
    assert.match(r.json?.error?.message ?? '', /Image processing is not available on this server/, r.text);
    // the reason, with the loader's words, is in the log
    assert.match(other.stderr(),
      /image processing is not available: \/nonexistent\/libvips-gazette-test\.so\.42: cannot open shared object file/);
    assert.deepEqual(mediaFiles(other), []);
    assert.deepEqual(mapped(other.proc.pid, LIBVIPS), []);
    // a second try fails the same way, fast (the failure is remembered)
    const again = await c.upload(makePng(400, 300, 6), 'chart2.png', { json: true, header: true, type: 'image/png' });
    assert.equal(again.status, r.status);
    // readers and the newsroom are served as before
    assert.equal((await fetch(`${other.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${other.url}/`)).status, 200);
    assert.equal((await c.get('/newsroom/media')).status, 200);
  } finally {
    await other.stop();
  }
});

test('gazette media crops gives older uploads the crops they lack, and only those', async () => {
  const c = await new Client().login(ADMIN_LOGIN, ADMIN_PASSWORD);
  const a = await c.upload(makePng(900, 600, 11), 'old-one.png', { json: true, header: true, type: 'image/png' });
  const b = await c.upload(makePng(500, 800, 12), 'old-two.png', { json: true, header: true, type: 'image/png' });
  assert.equal(a.status, 201, a.text);
  assert.equal(b.status, 201, b.text);
  const db = path.join(srv.dataDir, 'gazette.db');
  const sql = (q) => {
    const r = spawnSync('sqlite3', [db, q], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const cropsOf = async (id) => (await c.get(`/newsroom/media/${id}`, { headers: { Accept: 'application/json' } }))
    .json.variants.filter((v) => v.aspect).map((v) => `${v.aspect} ${v.width}x${v.height}`);
  const before = await cropsOf(a.json.id);
  assert.deepEqual(before, ['16:9 900x506', '4:3 800x600', '1:1 600x600']);
  // as uploads from before the crops were: no crop rows, no crop files;
  // the second one keeps its 1:1 crop
  const files = (id) => sql(`SELECT path FROM media_variants WHERE media_id = ${id} AND aspect != ''`).split('\n');
  const gone = [...files(a.json.id), ...files(b.json.id).slice(0, 2)];
  for (const f of gone) fs.unlinkSync(path.join(srv.dataDir, 'media', f));
  sql(`DELETE FROM media_variants WHERE media_id = ${a.json.id} AND aspect != ''`);
  sql(`DELETE FROM media_variants WHERE media_id = ${b.json.id} AND aspect IN ('16:9', '4:3')`);

  // two runs at once: each crop is recorded once
  const run = () => new Promise((resolve) => {
    const p = spawn(gazetteBin, ['media', 'crops', '--data', srv.dataDir]);
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    p.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  const [r1, r2] = await Promise.all([run(), run()]);
  assert.equal(r1.status, 0, r1.stderr);
  assert.equal(r2.status, 0, r2.stderr);
  const both = r1.stdout + r2.stdout;
  // a's three crops and b's two, told once over the two runs
  const told = (id) => [...both.matchAll(new RegExp(`media ${id}: (\\d) crops? added`, 'g'))]
    .reduce((sum, m) => sum + Number(m[1]), 0);
  assert.equal(told(a.json.id), 3, both);
  assert.equal(told(b.json.id), 2, both);
  assert.equal(sql(`SELECT count(*) FROM media_variants WHERE media_id IN (${a.json.id}, ${b.json.id}) AND aspect != ''`), '6');
  assert.equal(sql(`SELECT count(*) FROM (SELECT media_id, aspect FROM media_variants WHERE aspect != '' GROUP BY 1, 2 HAVING count(*) > 1)`), '0');
  let r;
  assert.deepEqual(await cropsOf(a.json.id), before); // the running server sees them
  assert.deepEqual((await cropsOf(b.json.id)).sort(), ['16:9 500x281', '1:1 500x500', '4:3 500x375']);
  for (const f of gone) assert.ok(fs.existsSync(path.join(srv.dataDir, 'media', f)), f);
  const img = await new Client().get(`/media/${files(a.json.id)[0]}`, { binary: true });
  assert.equal(img.status, 200);
  assert.deepEqual([...img.body.subarray(0, 3)], [0xff, 0xd8, 0xff]);

  // nothing left to do; a missing original is reported, the rest done
  r = spawnSync(gazetteBin, ['media', 'crops', '--data', srv.dataDir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /crops added to 0 of \d+ images/);
  sql(`DELETE FROM media_variants WHERE media_id = ${b.json.id} AND aspect = '1:1'`);
  const orig = sql(`SELECT path FROM media WHERE id = ${b.json.id}`);
  fs.renameSync(path.join(srv.dataDir, 'media', orig), path.join(srv.dataDir, 'orig.moved'));
  r = spawnSync(gazetteBin, ['media', 'crops', '--data', srv.dataDir], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`media ${b.json.id} \\(${orig}\\): `));
  fs.renameSync(path.join(srv.dataDir, 'orig.moved'), path.join(srv.dataDir, 'media', orig));
  r = spawnSync(gazetteBin, ['media', 'crops', '--data', srv.dataDir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`media ${b.json.id}: 1 crop added`));
  r = spawnSync(gazetteBin, ['media', 'resize', '--data', srv.dataDir], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /expected crops/);
});
