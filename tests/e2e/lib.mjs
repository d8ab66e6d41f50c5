// lib.mjs - shared set-up for the browser tests: the demo site (the real
// binary, via ../http/lib.mjs) and Debian's Chromium driven by
// playwright-core. Every test gets a fresh browser context (empty
// localStorage); requests to any host but the local server are answered
// by a stub here and recorded, so nothing leaves the machine.
//
// GAZETTE_E2E_URL=http://127.0.0.1:PORT runs the tests against a server
// that is already running (demo content expected) instead of starting one;
// GAZETTE_THEME_DIR=theme makes the started server use the work tree's
// theme instead of the one embedded in the binary.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
/* Tests pass this as their `skip` option: false, or why they cannot run. */
export const SKIP = fs.existsSync(CHROMIUM) ? false
  : `${CHROMIUM} is missing (Debian package chromium): browser tests skipped`;

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '../..');
export const SHOTS = path.join(REPO, 'test-results', 'screenshots');

const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage'];

const LOCAL = /^(?:https?|wss?):\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?\//;

/*
 * Start the demo site and the browser. Returns
 *   { base, browser, page(opts), external, stop() }
 * where page(opts) opens a page in a new context (opts go to newContext:
 * viewport, colorScheme, javaScriptEnabled, permissions...) and collects
 * its uncaught errors in page.errors; external lists every non-local URL
 * the browser asked for (all stubbed).
 */
export async function setup() {
  const { chromium } = await import('playwright-core');
  let srv = null;
  let base = process.env.GAZETTE_E2E_URL;
  if (!base) {
    const { startServer } = await import('../http/lib.mjs');
    // GAZETTE_THEME_DIR=theme serves the work tree's theme without a rebuild.
    const theme = process.env.GAZETTE_THEME_DIR;
    srv = await startServer({ demo: true, args: theme ? ['--set', `site.theme_dir=${path.resolve(theme)}`] : [] });
    base = srv.url;
  }
  base = base.replace(/\/$/, '');
  // launch() runs Chromium with a new, empty temporary profile (removed on close).
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const external = [];
  const contexts = [];
  async function page(opts = {}) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts });
    contexts.push(ctx);
    await ctx.route((url) => !LOCAL.test(url.href), (route) => {
      external.push(route.request().url());
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>stub</title>' });
    });
    const p = await ctx.newPage();
    p.errors = [];
    p.on('pageerror', (e) => p.errors.push(e.message));
    return p;
  }
  async function stop() {
    for (const c of contexts) await c.close().catch(() => {});
    await browser.close().catch(() => {});
    await srv?.stop();
  }
  return { base, browser, page, external, stop };
}

/* GET a path of the site; returns { status, text }. */
export async function get(base, p) {
  const res = await fetch(base + p);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/* Article URLs (paths) linked from an edition's home page. */
export async function articlePaths(base, prefix = '') {
  const { text } = await get(base, `${prefix}/`);
  const main = text.slice(text.indexOf('<main'));
  const seen = new Set();
  for (const m of main.matchAll(/href="((?:\/[a-z]{2})?\/article\/[^"?#]+)"/g)) seen.add(m[1]);
  return [...seen];
}

/* Rubric paths from the navigation of an edition's home page. */
export async function rubricPaths(base, prefix = '') {
  const { text } = await get(base, `${prefix}/`);
  const nav = text.slice(text.indexOf('<nav'), text.indexOf('</nav>'));
  return [...new Set([...nav.matchAll(/href="([^"]*\/rubric\/[^"]+)"/g)].map((m) => m[1]))];
}

/* Background luminance of <body> (0 black .. 1 white). */
export async function bodyLuminance(page) {
  return page.evaluate(() => {
    const m = getComputedStyle(document.body).backgroundColor.match(/[\d.]+/g).map(Number);
    return (0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2]) / 255;
  });
}

export async function screenshot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
