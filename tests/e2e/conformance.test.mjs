// conformance.test.mjs - third-party checkers on the reader pages of both
// editions: the W3C Nu HTML checker (no errors), axe (no serious or
// critical violation) and Lighthouse (SEO 100 on home and article).
// The checkers live in ../shared/tools, installed by scripts/install-deps
// into build/webtools; without them the tests are skipped with a reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer } from '../http/lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tools = path.resolve(root, '../shared/tools');
const webtools = path.join(root, 'build/webtools');
const have = fs.existsSync(path.join(tools, 'validate-html')) &&
  fs.existsSync(path.join(webtools, 'node_modules'));
const skip = have ? false : 'web test tools not installed (../shared/tools, build/webtools)';
const env = { ...process.env, WEB_TEST_TOOLS_DIR: webtools };

let srv;
const pages = [];
before(async () => {
  if (skip) return;
  srv = await startServer({ demo: true });
  for (const [edition, prefix] of [['en', ''], ['ru', '/ru']]) {
    const list = await (await fetch(`${srv.url}/api/v1/articles?edition=${edition}&per_page=1`)).json();
    const art = await (await fetch(`${srv.url}/api/v1/articles/${list.articles[0].id}`)).json();
    const artPath = new URL(art.url, srv.url).pathname;
    const html = await (await fetch(`${srv.url}${artPath}`)).text();
    const author = /href="([^"]*\/author\/[^"]+)"/.exec(html)[1];
    const tag = /href="([^"]*\/tag\/[^"]+)"/.exec(html)[1];
    pages.push(`${prefix}/`, artPath, new URL(art.rubric ? `${prefix}/rubric/${art.rubric.slug}` : `${prefix}/`, srv.url).pathname,
               new URL(author, srv.url).pathname, new URL(tag, srv.url).pathname, `${prefix}/latest`);
  }
});
after(async () => { await srv?.stop(); });

function run(cmd, args) {
  return spawnSync(path.join(tools, cmd), args, { env, encoding: 'utf8', timeout: 300000 });
}

test('W3C Nu checker: no errors on the reader pages of both editions', { skip }, () => {
  const r = run('validate-html', pages.map((p) => srv.url + p));
  assert.equal(r.status, 0, `validate-html:\n${r.stdout}\n${r.stderr}`);
});

test('axe: no serious or critical violation', { skip }, () => {
  for (const p of pages) {
    const r = run('axe-check', [srv.url + p]);
    assert.equal(r.status, 0, `${p}:\n${r.stdout}\n${r.stderr}`);
  }
});

test('Lighthouse SEO is 100 on home and article pages', { skip }, () => {
  for (const p of [pages[0], pages[1], pages[6], pages[7]]) {
    const r = run('lighthouse-scores', [srv.url + p, '--preset=desktop']);
    assert.equal(r.status, 0, `${p}: ${r.stdout}${r.stderr}`);
    console.log(`# lighthouse ${p}: ${r.stdout.trim()}`);
    const seo = /seo=(\d+)/.exec(r.stdout)?.[1];
    assert.equal(seo, '100', `${p}: ${r.stdout}`);
  }
});
