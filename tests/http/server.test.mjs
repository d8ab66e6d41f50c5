// server.test.mjs - the HTTP server itself: health, limits, malformed
// requests, static files, graceful shutdown. Starts the real binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, rawRequest } from './lib.mjs';

let srv;
before(async () => {
  srv = await startServer({
    args: ['--set', 'http.max_body_bytes=4k',
           '--set', 'http.max_header_bytes=8k'],
  });
});
after(async () => { await srv?.stop(); });

test('healthz answers ok with a request id', async () => {
  const res = await fetch(`${srv.url}/healthz`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok\n');
  assert.match(res.headers.get('x-request-id'), /^[0-9a-f]{16}$/);
  assert.equal(res.headers.get('connection'), null, 'keep-alive, not close');
});

test('every request is access-logged with its id', async () => {
  const res = await fetch(`${srv.url}/healthz?probe=log`);
  const id = res.headers.get('x-request-id');
  await new Promise((r) => setTimeout(r, 100));
  assert.match(srv.stderr(), new RegExp(`access ${id} 127\\.0\\.0\\.1 GET /healthz\\?probe=log 200`));
});

test('unknown path is 404, wrong method 405 with Allow', async () => {
  assert.equal((await fetch(`${srv.url}/no/such/page`)).status, 404);
  const res = await fetch(`${srv.url}/healthz`, { method: 'DELETE' });
  assert.equal(res.status, 405);
  assert.match(res.headers.get('allow'), /GET/);
});

test('bad percent-encoding and invalid UTF-8 get 400', async () => {
  for (const target of ['/healthz%zz', '/api/v1/articles?edition=%C3%28',
                        '/api/v1/articles?edition=%ff', '/%00', '/api/v1/articles?q=%']) {
    const r = await rawRequest(srv.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.equal(r.status, 400, target);
  }
});

test('a 100 KB header gets 431 or a closed connection', async () => {
  const big = 'x'.repeat(100 * 1024);
  const r = await rawRequest(srv.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`);
  assert.ok(r.status === 431 || r.status === 413 || r.status === 400 || (r.closed && r.status === null),
            `status ${r.status}`);
});

test('headers over max_header_bytes but within memory get 431', async () => {
  const r = await rawRequest(srv.port,
    `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(5000)}\r\nX-B: ${'b'.repeat(5000)}\r\n\r\n`);
  assert.ok(r.status === 431 || (r.closed && r.status === null), `status ${r.status}`);
});

test('unknown methods get a 4xx', async () => {
  for (const m of ['BREW', 'PROPFIND', 'TRACE']) {
    const r = await rawRequest(srv.port, `${m} /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.ok(r.status >= 400 && r.status < 500, `${m}: ${r.status}`);
  }
});

test('a body on GET is refused', async () => {
  const r = await rawRequest(srv.port,
    'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
  assert.equal(r.status, 400);
});

test('a body over the limit gets 413', async () => {
  const res = await fetch(`${srv.url}/api/v1/articles`, { method: 'POST', body: 'x'.repeat(8192) })
    .catch(() => null);
  if (res) assert.equal(res.status, 413);
  const r = await rawRequest(srv.port,
    'POST /api/v1/articles HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n' + 'y'.repeat(1000));
  assert.ok(r.status === 413 || (r.closed && r.status === null), `status ${r.status}`);
});

test('garbage instead of HTTP gets a 4xx or a close, server keeps serving', async () => {
  for (const junk of ['\x00\x01\x02\r\n\r\n', 'HELLO\r\n\r\n', 'GET\r\n\r\n',
                      'GET / HTTP/9.9\r\n\r\n', 'GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n']) {
    const r = await rawRequest(srv.port, junk, { timeoutMs: 3000 });
    assert.ok(r.status === null || (r.status >= 400 && r.status < 600), JSON.stringify(junk));
  }
  assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
});

test('a slow client does not block others and is cut off', async () => {
  // its own server: a 2 s idle timeout would also close the keep-alive
  // connections the other tests' fetch() pools
  const slow = await startServer({ args: ['--set', 'http.connection_timeout=2'] });
  try {
  const net = await import('node:net');
  const sock = net.connect(slow.port, '127.0.0.1');
  await new Promise((r) => sock.on('connect', r));
  sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');   // never finishes
  const closed = new Promise((r) => sock.on('close', r));
  sock.on('error', () => {});
  const t0 = Date.now();
  const res = await fetch(`${slow.url}/healthz`);
  assert.equal(res.status, 200);
  assert.ok(Date.now() - t0 < 1000, 'others are served at once');
  await Promise.race([closed, new Promise((_, rej) => setTimeout(() => rej(new Error('slow client not closed')), 8000))]);
  } finally { await slow.stop(); }
});

test('static files: ETag, 304, gzip, fingerprinted names cached for a year', async () => {
  let res = await fetch(`${srv.url}/static/site.css`, { headers: { 'accept-encoding': 'identity' } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/css/);
  const etag = res.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  assert.ok(res.headers.get('last-modified'));
  assert.match(res.headers.get('cache-control'), /max-age=300/);
  res = await fetch(`${srv.url}/static/site.css`, { headers: { 'if-none-match': etag, 'accept-encoding': 'identity' } });
  assert.equal(res.status, 304);
  const fp = `/static/site.${etag.slice(1, 9)}.css`;
  res = await fetch(`${srv.url}${fp}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('cache-control'), /max-age=31536000, immutable/);
  assert.equal((await fetch(`${srv.url}/static/site.00000000.css`)).status, 404);
});

test('static files gzip text for clients that accept it', async () => {
  const r = await rawRequest(srv.port,
    'GET /static/site.css HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n');
  assert.equal(r.status, 200);
  if (/content-length: (\d+)/i.exec(r.data)?.[1] > 200) assert.match(r.data, /content-encoding: gzip/i);
  assert.match(r.data, /vary: accept-encoding/i);
});

test('no way out of the theme folder', async () => {
  for (const t of ['/static/../gazette.db', '/static/%2e%2e/gazette.db', '/static/..%2fgazette.db',
                   '/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/static/', '/static//etc/passwd']) {
    const r = await rawRequest(srv.port, `GET ${t} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.ok(r.status === 404 || r.status === 400, `${t}: ${r.status}`);
    assert.doesNotMatch(r.data, /SQLite format|root:/);
  }
});

test('HEAD answers like GET without a body', async () => {
  const res = await fetch(`${srv.url}/healthz`, { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '');
});

test('default memory limit: 8 KB cookies and 15 KB of headers are served, kept alive', async () => {
  // The defaults (http.connection_memory_limit = 24k, max_header_bytes =
  // 16k): libmicrohttpd reads every header into the connection's pool.
  const plain = await startServer({ demo: true });
  try {
    const cookie = `session=${'c'.repeat(8 * 1024)}`;
    const home = await fetch(`${plain.url}/`, { headers: { cookie } });
    assert.equal(home.status, 200);
    assert.match(await home.text(), /<\/html>/);
    // two requests on one connection, each with 15 KB of headers in
    // all, the second after a full page: the pool is reused between them
    const big = `X-A: ${'a'.repeat(7000)}\r\nX-B: ${'b'.repeat(7000)}\r\nCookie: k=${'k'.repeat(800)}\r\n`;
    const one = `GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n${big}\r\n`;
    const r = await rawRequest(plain.port, one + one.replace('GET / ', 'GET /healthz ')
      .replace('Host: x\r\n', 'Host: x\r\nConnection: close\r\n'));
    assert.equal(r.status, 200, r.data.slice(0, 200));
    assert.match(r.data, /<\/html>/);
    assert.match(r.data, /\r\n\r\nok\n$/, 'the second request on the connection answered');
    // just over 16k of headers: 431 (or a close), never a crash
    const over = await rawRequest(plain.port,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(9000)}\r\nX-B: ${'b'.repeat(8000)}\r\n\r\n`);
    assert.ok(over.status === 431 || (over.closed && over.status === null), `status ${over.status}`);
    assert.equal((await fetch(`${plain.url}/healthz`)).status, 200);
  } finally {
    await plain.stop();
  }
});
