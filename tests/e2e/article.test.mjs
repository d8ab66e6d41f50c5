// article.test.mjs - the article page in a real browser: night theme, font
// size, copy link, language switch, search overlay, live banner, share
// links, print, click-to-load embeds, view counter, next article.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, setup, articlePaths, bodyLuminance } from './lib.mjs';

let env, enArticle, ruArticle;
before(async () => {
  if (SKIP) return;
  env = await setup();
  const en = await articlePaths(env.base);
  assert.ok(en.length > 0, 'the English home page links articles');
  enArticle = en[0];
  const ru = await articlePaths(env.base, '/ru');
  assert.ok(ru.length > 0, 'the Russian home page links articles');
  ruArticle = ru[0];
});
after(async () => { await env?.stop(); });

/* Record the theme attribute as it is when the DOM is parsed, i.e. before
 * the deferred script and before the first paint of the body. */
async function themeAtDomReady(page) {
  await page.addInitScript(() => {
    document.addEventListener('DOMContentLoaded', () => {
      window.__themeAtDCL = document.documentElement.dataset.theme || null;
      window.__fsAtDCL = document.documentElement.style.getPropertyValue('--fs') || null;
    }, { once: true });
  });
}

test('night theme: toggle, persisted, applied before paint', { skip: SKIP }, async () => {
  const page = await env.page({ colorScheme: 'light' });
  await themeAtDomReady(page);
  await page.goto(env.base + enArticle);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), undefined);
  assert.ok(await bodyLuminance(page) > 0.8, 'light by default on a light system');
  const toggle = page.locator('.site-header [data-theme-toggle]');
  assert.equal(await toggle.evaluate((b) => b.tagName), 'BUTTON');
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
  await toggle.click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  assert.ok(await bodyLuminance(page) < 0.2, 'dark after the click');

  await page.reload();
  assert.equal(await page.evaluate(() => window.__themeAtDCL), 'dark', 'set by the inline script before paint');
  assert.ok(await bodyLuminance(page) < 0.2, 'still dark after reload');
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');

  await toggle.click();
  await page.reload();
  assert.equal(await page.evaluate(() => window.__themeAtDCL), 'light');
  assert.ok(await bodyLuminance(page) > 0.8);
  assert.deepEqual(page.errors, []);
});

test('night theme follows prefers-color-scheme until the reader chooses', { skip: SKIP }, async () => {
  const page = await env.page({ colorScheme: 'dark' });
  await page.goto(env.base + enArticle);
  assert.ok(await bodyLuminance(page) < 0.2, 'dark system, dark page');
  assert.equal(await page.locator('.site-header [data-theme-toggle]').getAttribute('aria-pressed'), 'true');
  await page.emulateMedia({ colorScheme: 'light' });
  assert.ok(await bodyLuminance(page) > 0.8, 'follows the system back to light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.locator('.site-header [data-theme-toggle]').click(); // the reader picks light
  assert.ok(await bodyLuminance(page) > 0.8);
  await page.reload();
  assert.ok(await bodyLuminance(page) > 0.8, 'the choice wins over the dark system');
});

test('A+ / A- change the article text size, bounded, remembered', { skip: SKIP }, async () => {
  const page = await env.page();
  await themeAtDomReady(page);
  await page.goto(env.base + enArticle);
  const size = () => page.locator('.article-body p').first()
    .evaluate((p) => parseFloat(getComputedStyle(p).fontSize));
  const plus = page.locator('article [data-font="1"]').first();
  const minus = page.locator('article [data-font="-1"]').first();
  assert.equal(await plus.evaluate((b) => b.tagName), 'BUTTON');
  const s0 = await size();
  await plus.click();
  const s1 = await size();
  assert.ok(s1 > s0, `A+ grows the text: ${s0} -> ${s1}`);
  for (let i = 0; i < 10 && await plus.getAttribute('aria-disabled') !== 'true'; i++) await plus.click();
  const max = await size();
  assert.ok(max <= 24, `at most 24px, got ${max}`);
  assert.equal(await plus.getAttribute('aria-disabled'), 'true');

  await page.reload();
  assert.equal(await size(), max, 'remembered after reload');
  assert.equal(await page.evaluate(() => window.__fsAtDCL), `${max}px`, 'applied before paint');

  for (let i = 0; i < 12 && await minus.getAttribute('aria-disabled') !== 'true'; i++) await minus.click();
  const min = await size();
  assert.ok(min >= 14 && min < s0, `at least 14px, got ${min}`);
  assert.equal(await minus.getAttribute('aria-disabled'), 'true');
  await page.reload();
  assert.equal(await size(), min);
  assert.deepEqual(page.errors, []);
});

for (const [edition, toastText] of [['en', 'Link copied'], ['ru', 'Ссылка скопирована']]) {
  test(`copy link puts the canonical URL on the clipboard (${edition})`, { skip: SKIP }, async () => {
    const page = await env.page();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.base });
    await page.goto(env.base + (edition === 'en' ? enArticle : ruArticle));
    const canonical = await page.locator('link[rel=canonical]').getAttribute('href');
    assert.match(canonical, /^https?:\/\/.+\/article\//);
    const btn = page.locator('article [data-copy]').first();
    assert.equal(await btn.evaluate((b) => b.tagName), 'BUTTON');
    await btn.click();
    const toast = page.locator('[data-toast]');
    await toast.getByText(toastText).waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await toast.getAttribute('aria-live'), 'polite');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), canonical);
  });
}

test('language switch goes to the translation and back', { skip: SKIP }, async () => {
  const page = await env.page();
  await page.goto(env.base + enArticle);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  const sw = page.locator('.site-header a[hreflang="ru"]');
  await Promise.all([page.waitForURL(/\/ru\//), sw.click()]);
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  assert.match(new URL(page.url()).pathname, /^\/ru\/article\//, 'the Russian translation, not the home page');
  const back = page.locator('.site-header a[hreflang="en"]');
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/ru/')), back.click()]);
  assert.equal(new URL(page.url()).pathname, enArticle);
});

test('search overlay opens and submits to /search?q=', { skip: SKIP }, async () => {
  for (const [prefix, art] of [['', enArticle], ['/ru', ruArticle]]) {
    const page = await env.page();
    await page.goto(env.base + art);
    const dialog = page.locator('[data-search-dialog]');
    assert.equal(await dialog.isVisible(), false);
    await page.locator('.site-header [data-search-open]').click();
    await dialog.waitFor({ state: 'visible' });
    const input = dialog.locator('input[name=q]');
    assert.equal(await input.evaluate((i) => i === document.activeElement), true, 'the input has focus');
    const ph = await input.getAttribute('placeholder');
    assert.ok(ph && ph.length > 3, 'localized placeholder');
    const label = await page.locator('label[for="' + await input.getAttribute('id') + '"]').textContent();
    assert.ok(label.trim().length > 3, 'the input has a label');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.locator('.site-header [data-search-open]').click();
    await input.fill('water');
    await Promise.all([page.waitForURL(/\/search\?/), input.press('Enter')]);
    const u = new URL(page.url());
    assert.equal(u.pathname, `${prefix}/search`);
    assert.equal(u.searchParams.get('q'), 'water');
  }
});

test('live banner shows and links to the live page', { skip: SKIP }, async () => {
  const page = await env.page();
  await page.goto(env.base + '/');
  const banner = page.locator('[data-live-banner] a');
  await banner.waitFor({ state: 'visible' });
  assert.match(await banner.getAttribute('href'), /\/live\/[^/]+$/);
  assert.ok((await banner.textContent()).trim().length > 5);
  assert.equal(await page.locator('[data-live-banner] .live-dot').count(), 1);
  const [resp] = await Promise.all([page.waitForNavigation(), banner.click()]);
  assert.equal(resp.status(), 200, `live page ${page.url()}`);
  assert.ok(await page.locator('main .live-entry').count() > 0, 'the live page shows its entries');
});

test('share links are plain links with the article URL', { skip: SKIP }, async () => {
  const page = await env.page();
  await page.goto(env.base + enArticle);
  const canonical = await page.locator('link[rel=canonical]').getAttribute('href');
  const enc = encodeURIComponent(canonical);
  const links = await page.locator('article .share-list a').evaluateAll((as) =>
    as.map((a) => ({ href: a.getAttribute('href'), label: a.getAttribute('aria-label') })));
  assert.ok(links.length >= 3, `share links: ${links.length}`);
  const want = { telegram: /^https:\/\/t\.me\/share\/url\?/, twitter: /^https:\/\/(twitter|x)\.com\/intent\//,
    facebook: /^https:\/\/www\.facebook\.com\/sharer/ };
  for (const [net, re] of Object.entries(want)) {
    const l = links.find((x) => re.test(x.href));
    assert.ok(l, `${net} share link among ${links.map((x) => x.href).join(' ')}`);
    assert.ok(l.href.includes(enc), `${net} link carries the encoded URL`);
    assert.ok(l.label, `${net} link has an accessible name`);
  }
  const scripts = await page.locator('script[src]').evaluateAll((s) => s.map((x) => x.src));
  for (const s of scripts) assert.ok(s.startsWith(env.base), `no third-party script: ${s}`);
});

test('print stylesheet keeps only the article', { skip: SKIP }, async () => {
  const page = await env.page();
  await page.goto(env.base + enArticle);
  const shown = (sel) => page.locator(sel).first().isVisible();
  assert.equal(await shown('.site-header'), true);
  await page.emulateMedia({ media: 'print' });
  for (const sel of ['.site-header', '.site-footer', 'article .share', '.nav']) assert.equal(await shown(sel), false, sel);
  for (const sel of ['article h1', 'article .byline', 'article time', '.article-body']) assert.equal(await shown(sel), true, sel);
  const promo = page.locator('article .promo');
  if (await promo.count()) assert.equal(await shown('article .promo'), false, 'promo');
  await page.emulateMedia({ media: 'screen' });
  assert.equal(await shown('.site-header'), true);
  const print = page.locator('article [data-print]').first();
  assert.equal(await print.evaluate((b) => b.tagName), 'BUTTON');
  await page.evaluate(() => { window.__printed = 0; window.print = () => { window.__printed++; }; });
  await print.click();
  assert.equal(await page.evaluate(() => window.__printed), 1);
});

/* Placeholders exactly as render/markdown.h writes them. */
const EMBEDS = {
  youtube: ['aqz-KE-bpKQ', 'https://www.youtube.com/watch?v=aqz-KE-bpKQ', 'YouTube', /^https:\/\/www\.youtube-nocookie\.com\/embed\/aqz-KE-bpKQ/],
  x: ['20', 'https://x.com/jack/status/20', 'X', /^https:\/\/platform\.twitter\.com\/embed\/Tweet\.html\?.*id=20/],
  telegram: ['durov/43', 'https://t.me/durov/43', 'Telegram', /^https:\/\/t\.me\/durov\/43\?embed=1/],
  instagram: ['CxYz12345', 'https://www.instagram.com/p/CxYz12345/', 'Instagram', /^https:\/\/www\.instagram\.com\/p\/CxYz12345\/embed/],
};
const EMBED_HOSTS = /youtube|youtu\.be|twitter|twimg|x\.com|t\.me|telegram|instagram|cdninstagram|facebook/;

test('embeds load nothing from their host before the click', { skip: SKIP }, async () => {
  const page = await env.page();
  const hits = [];
  page.on('request', (r) => { if (EMBED_HOSTS.test(new URL(r.url()).hostname)) hits.push(r.url()); });
  const figs = Object.entries(EMBEDS).map(([kind, [id, url, host]]) =>
    `<figure class="embed embed--${kind}" data-embed="${kind}" data-embed-id="${id}"><a class="embed__link" href="${url}" rel="noopener" target="_blank"><span class="embed__host">${host}</span> <span class="embed__url">${url.replace(/^https:\/\//, '')}</span></a></figure>`).join('\n');
  // The demo articles have no embeds: add the placeholders to the real page.
  await page.route(env.base + enArticle, async (route) => {
    const resp = await route.fetch();
    const html = (await resp.text()).replace('<div class="article-body">', `<div class="article-body">\n${figs}\n`);
    await route.fulfill({ response: resp, body: html });
  });
  await page.goto(env.base + enArticle, { waitUntil: 'load' });
  await page.waitForTimeout(300);
  assert.equal(await page.locator('figure.embed').count() >= 4, true);
  assert.deepEqual(hits, [], 'nothing requested from embed hosts before a click');
  assert.equal(await page.locator('figure.embed iframe').count(), 0);
  for (const [kind, [, , , srcRe]] of Object.entries(EMBEDS)) {
    const fig = page.locator(`figure.embed[data-embed="${kind}"]`).first();
    await fig.locator('a').click();
    const frame = fig.locator('iframe');
    await frame.waitFor({ state: 'attached' });
    assert.match(await frame.getAttribute('src'), srcRe, kind);
    assert.ok(await frame.getAttribute('title'), `${kind} iframe has a title`);
  }
  await page.waitForTimeout(300);
  assert.ok(hits.length >= 4, `the embeds were requested after the clicks: ${hits.join(' ')}`);
  assert.equal(page.url(), env.base + enArticle, 'the click did not navigate away');
  assert.deepEqual(page.errors, []);
});

test('view counter: one beacon per page load, number shown', { skip: SKIP }, async () => {
  const page = await env.page();
  let beacons = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && /\/api\/v1\/views\/\d+$/.test(r.url())) beacons++; });
  const seen = [];
  for (let i = 0; i < 2; i++) {
    const resp = page.waitForResponse((r) => /\/api\/v1\/views\/\d+$/.test(r.url()));
    await page.goto(env.base + enArticle);
    const body = await (await resp).json();
    assert.equal(typeof body.views, 'number');
    const views = page.locator('article [data-views]').first();
    await page.waitForFunction((n) => document.querySelector('article [data-views]').textContent.trim() === String(n), body.views);
    seen.push(Number((await views.textContent()).trim()));
    const line = (await page.locator('article .views').first().textContent()).replace(/\s+/g, ' ').trim();
    assert.match(line, /\D+ \d+$/, `label and number: "${line}"`);
  }
  assert.equal(beacons, 2, 'once per load');
  assert.ok(seen[1] > seen[0], `the count grows: ${seen}`);
});

test('the next article loads at the end of the article', { skip: SKIP }, async () => {
  const page = await env.page({ viewport: { width: 1280, height: 800 } });
  await page.goto(env.base + enArticle);
  const next = page.locator('[data-next-article] a');
  assert.equal(await next.count(), 1, 'a plain "next article" link');
  const nextHref = await next.getAttribute('href');
  assert.match(nextHref, /\/article\//);
  const firstId = await page.locator('article[data-article]').first().getAttribute('data-article');
  await page.locator('.site-footer').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll('article[data-article]').length >= 2, null, { timeout: 10000 });
  const second = page.locator('article[data-article]').nth(1);
  assert.notEqual(await second.getAttribute('data-article'), firstId);
  assert.equal(await second.locator('h1, h2').first().isVisible(), true);
  assert.ok((await second.locator('.article-body').textContent()).trim().length > 100, 'with its body');
  const ids = await page.locator('[id]').evaluateAll((els) => els.map((e) => e.id));
  assert.equal(new Set(ids).size, ids.length, 'no duplicate ids after loading');
  assert.deepEqual(page.errors, []);
});
