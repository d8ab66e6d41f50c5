// cli.test.mjs - the gazette command line: help, version, config errors,
// users, and a database that survives kill -9 in the middle of a bulk load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { runCli, gazetteBin } from './lib.mjs';

function tmpdir() { return fs.mkdtempSync(path.join(os.tmpdir(), 'gazette-cli-')); }

test('--version and --help on every command', () => {
  const v = runCli(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^gazette \d+\.\d+\.\d+/);
  const h = runCli(['--help']);
  assert.equal(h.status, 0);
  for (const cmd of ['init', 'serve', 'demo', 'user']) {
    assert.match(h.stdout, new RegExp(cmd));
    const r = runCli([cmd, '--help']);
    assert.equal(r.status, 0, cmd);
    assert.match(r.stdout, new RegExp(`usage: gazette ${cmd}`));
  }
  const u = runCli(['nonsense']);
  assert.equal(u.status, 2);
  assert.match(u.stderr, /unknown command/);
});

test('a bad setting stops start-up with the file, the line and the reason', () => {
  const dir = tmpdir();
  const ini = path.join(dir, 'bad.ini');
  fs.writeFileSync(ini, '[site]\ndata_dir = /tmp\n\n[http]\nport = eighty\n');
  let r = runCli(['serve', '--config', ini]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`${ini.replace(/[.]/g, '\\.')}:5: http\\.port: 'eighty' is not a number`));
  fs.writeFileSync(ini, '[http]\ncolour = blue\n');
  r = runCli(['serve', '--config', ini]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /:2: unknown setting http\.colour/);
  r = runCli(['serve', '--set', 'http.port=99999']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /command line: http\.port/);
  r = runCli(['serve', '--config', path.join(dir, 'missing.ini')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /missing\.ini/);
  fs.rmSync(dir, { recursive: true });
});

test('serve without a site says how to make one', () => {
  const dir = tmpdir();
  const r = runCli(['serve', '--data', path.join(dir, 'nothing'), '--port', '0']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /gazette init/);
  fs.rmSync(dir, { recursive: true });
});

test('init, user add, passwd and list', () => {
  const dir = tmpdir();
  let r = runCli(['init', '--data', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /password for admin: \S{16}/);
  r = runCli(['init', '--data', dir]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /already exists/);
  r = runCli(['user', 'add', 'mira', '--role', 'editor', '--password', 'long-enough-pass', '--data', dir]);
  assert.equal(r.status, 0, r.stderr);
  r = runCli(['user', 'add', 'mira', '--password', 'long-enough-pass', '--data', dir]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /mira/);
  r = runCli(['user', 'add', 'x', '--role', 'king', '--data', dir]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown role/);
  r = runCli(['user', 'add', 'shorty', '--password', 'short', '--data', dir]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /too short/);
  r = runCli(['user', 'passwd', 'mira', '--password', '-', '--data', dir], { input: 'another-long-pass\n' });
  assert.equal(r.status, 0, r.stderr);
  r = runCli(['user', 'passwd', 'nobody', '--data', dir]);
  assert.equal(r.status, 1);
  r = runCli(['user', 'list', '--data', dir]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /admin\s+admin\s+active/);
  assert.match(r.stdout, /mira\s+editor\s+active/);
  fs.rmSync(dir, { recursive: true });
});

test('kill -9 during demo --articles leaves a sound database', async () => {
  const dir = tmpdir();
  assert.equal(runCli(['init', '--data', dir, '--password', 'admin-pass-123']).status, 0);
  const child = spawn(gazetteBin, ['demo', '--data', dir, '--articles', '50000'],
                      { stdio: 'ignore', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } });
  await new Promise((r) => setTimeout(r, 2500));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const check = spawnSync('sqlite3', [path.join(dir, 'gazette.db'), 'PRAGMA integrity_check;'], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  assert.equal(check.stdout.trim(), 'ok');
  // and gazette itself opens it and serves
  const r = runCli(['user', 'list', '--data', dir]);
  assert.equal(r.status, 0, r.stderr);
  fs.rmSync(dir, { recursive: true });
});
