// lib.mjs - shared helpers for the HTTP tests (Node 20, no dependencies).
//
//   startServer(opts)  a real gazette on a free port with a fresh site in a
//                      temp folder; stop() checks it exits 0 on SIGTERM
//   rawRequest(port, bytes)  raw bytes over TCP, for malformed requests
//   runCli(args)       run the binary, return { status, stdout, stderr }
//   gazetteBin         the binary: $GAZETTE_BIN or build-san/gazette
//
// The binary gets this process's environment (scripts/run-tests sets
// ASAN_OPTIONS and UBSAN_OPTIONS), so a sanitizer report makes it exit
// non-zero and the test fail. When a test file fails, the last lines of
// each server's stderr are printed at exit (they show up in the test log).
// GAZETTE_KEEP_DATA=1 keeps the temp folders for a look afterwards.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const gazetteBin = path.resolve(REPO, process.env.GAZETTE_BIN || 'build-san/gazette');

export const ADMIN_LOGIN = 'admin';
export const ADMIN_PASSWORD = 'admin-pass-123';

const START_TIMEOUT_MS = 20000;
const STOP_TIMEOUT_MS = 10000;
const LISTENING = /listening on http:\/\/127\.0\.0\.1:(\d+)/;

/*
 * Every server started in this test file. At exit, one still running is
 * killed and its folder removed; when the file failed, the last lines of
 * every server's output are printed (they land in the test log).
 */
const servers = new Set();
const REPORT_LINES = 60;

process.on('exit', (code) => {
  for (const s of servers) {
    if (s.proc.exitCode === null && s.proc.signalCode === null) {
      s.proc.kill('SIGKILL');
      if (!s.kept) fs.rmSync(s.dataDir, { recursive: true, force: true });
    }
    if (code !== 0 || process.exitCode) {
      const lines = s.stderr().trimEnd().split('\n');
      process.stderr.write(`--- gazette serve on port ${s.port}: last `
        + `${Math.min(lines.length, REPORT_LINES)} of ${lines.length} lines of its output:\n`
        + `${lines.slice(-REPORT_LINES).join('\n')}\n`);
    }
  }
});

function checkBin() {
  if (!fs.existsSync(gazetteBin))
    throw new Error(`${gazetteBin} does not exist: build it (make test, or set GAZETTE_BIN)`);
}

/* Run the binary to completion without blocking the event loop. */
function run(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(gazetteBin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

async function runOrThrow(args, env) {
  const r = await run(args, env);
  if (r.status !== 0) {
    throw new Error(`gazette ${args.join(' ')} failed (${r.signal ?? `exit ${r.status}`}):\n`
      + `${r.stdout}${r.stderr}`);
  }
  return r;
}

/*
 * Start `gazette serve` on a free loopback port with a fresh site:
 * `init` (admin / admin-pass-123) unless init is false, then `demo` when
 * demo is true. args go to serve (e.g. ['--set', 'http.threads=2']), env
 * is added to the environment of every command.
 * Returns { url, port, dataDir, proc, stderr(), stop() }.
 */
export async function startServer({ demo = false, init = true, args = [], env = {} } = {}) {
  checkBin();
  const fullEnv = { ...process.env, ...env };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gazette-test-'));
  const kept = process.env.GAZETTE_KEEP_DATA === '1';
  try {
    if (init) {
      await runOrThrow(['init', '--data', dataDir, '--admin', ADMIN_LOGIN,
        '--password', ADMIN_PASSWORD], fullEnv);
    }
    if (demo) await runOrThrow(['demo', '--data', dataDir], fullEnv);
  } catch (e) {
    if (!kept) fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }

  const proc = spawn(gazetteBin,
    ['serve', '--data', dataDir, '--listen', '127.0.0.1', '--port', '0', ...args],
    { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.setEncoding('utf8').on('data', (d) => { log += d; });
  proc.stderr.setEncoding('utf8').on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => {
    proc.on('close', (code, signal) => resolve({ code, signal }));
  });
  proc.on('error', (e) => { log += `\nspawn error: ${e.message}\n`; });

  const srv = { url: null, port: null, dataDir, proc, kept, stderr: () => log };
  servers.add(srv);

  // wait for "listening on http://127.0.0.1:PORT", the exit, or the timeout
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`gazette serve did not print "listening on" within `
        + `${START_TIMEOUT_MS / 1000} s; its output:\n${log}`));
    }, START_TIMEOUT_MS);
    const onData = () => {
      const m = LISTENING.exec(log);
      if (m) { cleanup(); resolve(Number(m[1])); }
    };
    const onExit = (code, signal) => {
      cleanup();
      reject(new Error(`gazette serve exited (${signal ?? `exit ${code}`}) before listening; `
        + `its output:\n${log}`));
    };
    function cleanup() {
      clearTimeout(timer);
      proc.stderr.off('data', onData);
      proc.off('exit', onExit);
    }
    proc.stderr.on('data', onData);
    proc.on('exit', onExit);
    onData();
  }).catch(async (e) => {
    proc.kill('SIGKILL');
    await exited;
    servers.delete(srv);
    if (!kept) fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });

  srv.port = port;
  srv.url = `http://127.0.0.1:${port}`;
  let stopping = null;
  /* SIGTERM, wait for exit 0 (up to 10 s), remove the site folder. */
  srv.stop = () => {
    stopping ??= (async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      let timer;
      const res = await Promise.race([exited, new Promise((resolve) => {
        timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS);
      })]);
      clearTimeout(timer);
      if (!kept) fs.rmSync(dataDir, { recursive: true, force: true });
      if (res === null) {
        proc.kill('SIGKILL');
        await exited;
        process.stderr.write(`gazette serve output:\n${log}\n`);
        throw new Error(`gazette serve did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM`);
      }
      if (res.code !== 0) {
        process.stderr.write(`gazette serve output:\n${log}\n`);
        throw new Error(`gazette serve ended with ${res.signal ?? `exit status ${res.code}`} `
          + `after SIGTERM (want 0; a sanitizer report? see its output above)`);
      }
    })();
    return stopping;
  };
  return srv;
}

/*
 * Send bytes (string or Buffer) to 127.0.0.1:port and read until the
 * server closes the connection or timeoutMs passes. Resolves with
 * { data, closed, status }: status from the first line ("HTTP/1.1 400 ...")
 * or null when there is none. A reset counts as closed.
 */
export function rawRequest(port, bytes, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let connected = false;
    let done = false;
    const sock = net.connect({ port, host: '127.0.0.1' });
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const data = Buffer.concat(chunks).toString('utf8');
      const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(data);
      resolve({ data, closed, status: m ? Number(m[1]) : null });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => {
      connected = true;
      sock.write(bytes, () => {});
    });
    sock.on('data', (d) => chunks.push(d));
    sock.on('close', () => finish(true));
    sock.on('error', (e) => {
      if (connected) { finish(true); return; }
      done = true;
      clearTimeout(timer);
      reject(e);
    });
  });
}

/*
 * Run the binary with args and wait. env is added to this process's
 * environment; input is written to its stdin.
 * Returns { status, signal, stdout, stderr }.
 */
export function runCli(args, { env = {}, input, timeoutMs = 120000 } = {}) {
  checkBin();
  const r = spawnSync(gazetteBin, args, {
    env: { ...process.env, ...env },
    input,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
