// cli.test.mjs - the gazette command line: help, version, config errors,
// users, the synthetic articles of demo --articles (a working site, fully
// indexed), and a database that survives kill -9 in the middle of that
// bulk load.
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

/* Run SQL on a site's database with the sqlite3 shell; rows as objects. */
function sql(dir, query) {
  const r = spawnSync('sqlite3', ['-json', path.join(dir, 'gazette.db'), query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

/* Every live search index holds exactly the articles of its edition
 * (docsize has one row per indexed article). */
function assertIndexComplete(dir) {
  const live = sql(dir, 'SELECT id, edition FROM search_indexes WHERE state = 0 ORDER BY id');
  for (const { id, edition } of live) {
    const [{ idx }] = sql(dir, `SELECT count(*) AS idx FROM article_fts_${id}_docsize`);
    const [{ sug }] = sql(dir, `SELECT count(*) AS sug FROM article_sug_${id}_docsize`);
    const [{ arts }] = sql(dir, `SELECT count(*) AS arts FROM articles WHERE edition = '${edition}'`);
    assert.equal(idx, arts, `search index ${id} (${edition})`);
    assert.equal(sug, arts, `suggestion index ${id} (${edition})`);
  }
  return live.length;
}

/* gazette serve on an existing site folder; resolves with its base URL
 * and a stop() that waits for exit 0 after SIGTERM. */
async function serveDir(dir) {
  const proc = spawn(gazetteBin, ['serve', '--data', dir, '--listen', '127.0.0.1', '--port', '0'],
                     { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const exited = new Promise((r) => proc.on('close', (code) => r(code)));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${log}`)), 20000);
    proc.stderr.setEncoding('utf8').on('data', (d) => {
      log += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    proc.on('exit', () => { clearTimeout(timer); reject(new Error(`serve exited:\n${log}`)); });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      proc.kill('SIGTERM');
      assert.equal(await exited, 0, log);
    },
  };
}

test('demo --articles makes a working site: listed, readable, searchable, in feeds and sitemaps', async () => {
  const dir = tmpdir();
  assert.equal(runCli(['init', '--data', dir, '--password', 'admin-pass-123']).status, 0);
  let r = runCli(['demo', '--data', dir]);
  assert.equal(r.status, 0, r.stderr);
  const [{ en0, ru0 }] = sql(dir, "SELECT sum(edition = 'en') AS en0, sum(edition = 'ru') AS ru0 FROM articles");
  r = runCli(['demo', '--data', dir, '--articles', '150']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /added 150 synthetic articles per edition/);
  assert.equal(r.stderr, ''); // no progress line when stderr is not a terminal
  const [{ en, ru, pairs, revs }] = sql(dir, `SELECT sum(edition = 'en') AS en, sum(edition = 'ru') AS ru,
      (SELECT count(DISTINCT translation_group) FROM articles WHERE slug LIKE 'synthetic-%') AS pairs,
      (SELECT count(*) FROM revisions r JOIN articles a ON a.id = r.article_id
        WHERE a.slug LIKE 'synthetic-%') AS revs FROM articles`);
  assert.equal(en, en0 + 150);
  assert.equal(ru, ru0 + 150);
  assert.equal(pairs, 150); // each English article and its Russian translation share a group
  assert.equal(revs, 0); // generated articles have no history yet
  // the search index is left for later, and says so
  assert.match(r.stdout, /gazette reindex --pending/);
  assert.throws(() => assertIndexComplete(dir), /search index/);
  assert.deepEqual(sql(dir, 'SELECT edition, backlog_after IS NOT NULL AS b FROM search_indexes WHERE state = 0 ORDER BY edition'),
                   [{ edition: 'en', b: 1 }, { edition: 'ru', b: 1 }]);

  // a second run continues the numbering; --index indexes everything now
  r = runCli(['demo', '--data', dir, '--articles', '3', '--index']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /search: 306 articles indexed/);
  assert.equal(sql(dir, "SELECT count(*) AS n FROM articles WHERE edition = 'ru'")[0].n, ru0 + 153);
  assert.equal(assertIndexComplete(dir), 2);
  assert.deepEqual(sql(dir, 'SELECT count(*) AS n FROM search_indexes WHERE backlog_after IS NOT NULL'), [{ n: 0 }]);
  r = runCli(['demo', '--data', dir, '--index']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--index goes with --articles/);

  const [art] = sql(dir, `SELECT a.id, a.slug, a.title, a.publish_at, t.slug AS tag,
      strftime('%Y-%m', a.publish_at, 'unixepoch') AS month FROM articles a
      JOIN article_tags x ON x.article_id = a.id JOIN tags t ON t.id = x.tag_id
      WHERE a.edition = 'ru' AND a.slug LIKE 'synthetic-ru-%' ORDER BY a.id LIMIT 1`);
  const srv = await serveDir(dir);
  try {
    const get = async (p) => {
      const res = await fetch(`${srv.url}${p}`);
      assert.equal(res.status, 200, p);
      return res.text();
    };
    const url = `/ru/article/${art.slug}`;
    const one = JSON.parse(await get(`/api/v1/articles/${art.id}`));
    assert.match(JSON.stringify(one), /<blockquote>/);
    const html = await get(url);
    assert.ok(html.includes('<blockquote>'), 'article page has its body');
    // listed: the API counts every published Russian article, synthetic
    // ones included, and pages through them
    const [{ live }] = sql(dir, `SELECT count(*) AS live FROM articles WHERE edition = 'ru'
        AND status = 3 AND publish_at <= strftime('%s', 'now')`);
    const list = JSON.parse(await get('/api/v1/articles?edition=ru&per_page=100'));
    assert.equal(list.total, live);
    assert.ok(live >= 153);
    const last = JSON.parse(await get(`/api/v1/articles?edition=ru&per_page=100&page=${list.pages}`));
    assert.ok(last.articles.some((a) => a.slug.startsWith('synthetic-ru-')), 'oldest page has synthetic articles');
    // searchable by its title, as typed into the search box
    const found = JSON.parse(await get(`/api/v1/search?edition=ru&limit=20&q=${encodeURIComponent(art.title)}`));
    assert.ok(found.items.some((it) => it.url === url), JSON.stringify(found).slice(0, 500));
    const page = await get(`/ru/search?q=${encodeURIComponent(art.title)}`);
    assert.ok(page.includes(`/ru/article/${art.slug}"`), 'results page lists it');
    // in its tag's feed and its month's sitemap
    const feed = await get(`/ru/tag/${art.tag}/feed.xml`);
    assert.ok(feed.includes(url), 'tag feed lists it');
    const index = await get('/sitemap.xml');
    assert.ok(index.includes(`/sitemaps/${art.month}.xml`), 'sitemap index has its month');
    const month = await get(`/sitemaps/${art.month}.xml`);
    assert.ok(month.includes(url), 'month sitemap lists it');
  } finally {
    await srv.stop();
  }
  fs.rmSync(dir, { recursive: true });
});

test('an unknown option stops every command with status 2 (and leaks nothing)', () => {
  for (const cmd of [['init'], ['serve'], ['demo'], ['reindex'], ['media', 'crops'], ['user', 'list']]) {
    const r = runCli([...cmd, '--data', '/nonexistent-gazette-dir', '--no-such-option']);
    assert.equal(r.status, 2, `${cmd.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /LeakSanitizer|AddressSanitizer/);
  }
  const r = runCli(['demo', '--data', '/nonexistent-gazette-dir', '--articles', 'many']);
  assert.equal(r.status, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /LeakSanitizer/);
});

test('serve indexes what demo --articles left for later, in the background', async () => {
  const dir = tmpdir();
  assert.equal(runCli(['init', '--data', dir, '--password', 'admin-pass-123']).status, 0);
  assert.equal(runCli(['demo', '--data', dir]).status, 0);
  let r = runCli(['demo', '--data', dir, '--articles', '250']);
  assert.equal(r.status, 0, r.stderr);
  const [art] = sql(dir, `SELECT slug, title FROM articles WHERE edition = 'en'
      AND slug LIKE 'synthetic-en-%' AND status = 3 ORDER BY id DESC LIMIT 1`);
  const srv = await serveDir(dir);
  try {
    const q = `/api/v1/search?edition=en&limit=20&q=${encodeURIComponent(art.title)}`;
    let found = false;
    for (const t0 = Date.now(); !found && Date.now() - t0 < 60000;) {
      const res = await fetch(`${srv.url}${q}`);
      assert.equal(res.status, 200);
      found = (await res.json()).items.some((it) => it.url.endsWith(`/article/${art.slug}`));
      if (!found) await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(found, 'found by search once the server indexed it');
    // the whole backlog, both editions
    for (const t0 = Date.now(); Date.now() - t0 < 60000;) {
      if (sql(dir, 'SELECT count(*) AS n FROM search_indexes WHERE backlog_after IS NOT NULL')[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(assertIndexComplete(dir), 2);
  } finally {
    await srv.stop();
  }
  // nothing left: --pending has nothing to do
  r = runCli(['reindex', '--data', dir, '--pending']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /search: 0 pending articles indexed/);
  r = runCli(['reindex', '--data', dir, '--pending', 'en']);
  assert.equal(r.status, 2);
  fs.rmSync(dir, { recursive: true });
});

test('kill -9 during demo --articles leaves a sound database', async () => {
  const dir = tmpdir();
  assert.equal(runCli(['init', '--data', dir, '--password', 'admin-pass-123']).status, 0);
  const child = spawn(gazetteBin, ['demo', '--data', dir, '--articles', '50000'],
                      { stdio: 'ignore', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } });
  const exited = new Promise((r) => child.on('exit', r));
  // kill it after its first commit (or after 120 s), in the middle of the
  // next batch
  const t0 = Date.now();
  while (Date.now() - t0 < 120000 && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 250));
    const c = spawnSync('sqlite3', [path.join(dir, 'gazette.db'), 'SELECT count(*) FROM articles;'], { encoding: 'utf8' });
    if (c.status === 0 && Number(c.stdout) > 0) break;
  }
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(child.exitCode, null, 'still loading when killed');
  child.kill('SIGKILL');
  await exited;
  const check = spawnSync('sqlite3', [path.join(dir, 'gazette.db'), 'PRAGMA integrity_check;'], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  assert.equal(check.stdout.trim(), 'ok');
  // whole translation pairs, their search backlog recorded with them:
  // reindex --pending completes the index
  const [{ en, ru }] = sql(dir, "SELECT sum(edition = 'en') AS en, sum(edition = 'ru') AS ru FROM articles");
  assert.ok(en > 0, 'a batch was committed');
  assert.equal(en, ru);
  const p = runCli(['reindex', '--data', dir, '--pending']);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, new RegExp(`search: ${en + ru} pending articles indexed`));
  assertIndexComplete(dir);
  // and gazette itself opens it and serves
  const r = runCli(['user', 'list', '--data', dir]);
  assert.equal(r.status, 0, r.stderr);
  fs.rmSync(dir, { recursive: true });
});
