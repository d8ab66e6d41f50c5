// site.test.mjs - lists and the site as a whole in a real browser:
// infinite loading with plain pagination underneath, pages without
// JavaScript, 320 px without horizontal scroll, accessibility basics, and
// screenshots of home and article (light/dark, desktop/phone) written to
// test-results/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, setup, get, articlePaths, rubricPaths, screenshot } from './lib.mjs';

let env, article, rubric, listWithPages;
before(async () => {
  if (SKIP) return;
  env = await setup();
  [article] = await articlePaths(env.base);
  const rubrics = await rubricPaths(env.base);
  assert.ok(rubrics.length > 0, 'the home page links rubrics');
  rubric = rubrics[0];
  // A rubric with a second page if there is one; else the full list.
  for (const r of rubrics) {
    if ((await get(env.base, r)).text.includes('data-next=')) { listWithPages = r; break; }
  }
  if (!listWithPages) {
    console.log('# no rubric of the demo site has two pages; using /latest');
    listWithPages = '/latest';
  }
});
after(async () => { await env?.stop(); });

const cardLinks = (page) => page.locator('[data-items] .card-title a')
  .evaluateAll((as) => as.map((a) => a.getAttribute('href')));

test('infinite loading appends the next page, plain links stay', { skip: SKIP }, async () => {
  const page = await env.page({ viewport: { width: 1280, height: 800 } });
  await page.goto(env.base + listWithPages);
  const before1 = await cardLinks(page);
  assert.ok(before1.length > 0, `cards on ${listWithPages}`);
  const next = page.locator('[data-pager] a[rel=next]');
  assert.equal(await next.count(), 1, 'a plain link to the next page');
  assert.match(await next.getAttribute('href'), /[?&]page=2/);
  await page.locator('[data-pager]').scrollIntoViewIfNeeded();
  await page.waitForFunction((n) => document.querySelectorAll('[data-items] .card').length > n, before1.length,
    { timeout: 10000 });
  const after1 = await cardLinks(page);
  assert.deepEqual(after1.slice(0, before1.length), before1, 'appended, not replaced');
  const added = after1.slice(before1.length);
  for (const h of added) assert.ok(!before1.includes(h), `no repeated article ${h}`);
  // The pager moved on: page 3 next, or gone at the end.
  const pager = page.locator('[data-pager]');
  if (await pager.count()) {
    const n = page.locator('[data-pager] a[rel=next]');
    if (await n.count()) assert.match(await n.getAttribute('href'), /[?&]page=3/);
  }
  assert.deepEqual(page.errors, []);
});

test('home page: lists, lead image eager, others lazy', { skip: SKIP }, async () => {
  const page = await env.page();
  await page.goto(env.base + '/');
  assert.ok(await page.locator('main .card').count() >= 5, 'cards on the home page');
  assert.equal(await page.locator('h1').count(), 1, 'one h1');
  const imgs = await page.locator('main img').evaluateAll((xs) => xs.map((i) => ({
    lazy: i.getAttribute('loading') === 'lazy', lead: !!i.closest('.card--lead'),
    sized: i.hasAttribute('width') && i.hasAttribute('height'), alt: i.hasAttribute('alt') })));
  for (const i of imgs) {
    assert.ok(i.alt, 'alt on every image');
    assert.ok(i.sized, 'explicit width and height');
    assert.equal(i.lazy, !i.lead, 'lazy except the lead');
  }
  assert.deepEqual(page.errors, []);
});

test('320 px: no horizontal scroll', { skip: SKIP }, async () => {
  const page = await env.page({ viewport: { width: 320, height: 640 } });
  for (const p of ['/', article, rubric, '/ru/', '/search?q=a']) {
    await page.goto(env.base + p);
    const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(sw <= cw, `${p}: scrollWidth ${sw} > ${cw}`);
  }
});

test('JavaScript off: pages render, pagination and search work', { skip: SKIP }, async () => {
  const page = await env.page({ javaScriptEnabled: false });
  for (const p of ['/', article, rubric, '/ru/']) {
    const resp = await page.goto(env.base + p);
    assert.equal(resp.status(), 200, p);
    assert.ok(await page.locator('main h1, main h2').count() > 0, `${p} has content`);
    // Controls that need a script are hidden, not broken.
    for (const b of await page.locator('.js-only').all()) assert.equal(await b.isVisible(), false, `${p}: .js-only hidden`);
    assert.equal(await page.locator('.site-header a[data-search-open]').isVisible(), true, 'search link');
  }
  await page.goto(env.base + listWithPages);
  const first = await cardLinks(page);
  await Promise.all([page.waitForURL(/[?&]page=2/), page.locator('[data-pager] a[rel=next]').click()]);
  const second = await cardLinks(page);
  assert.ok(second.length > 0);
  assert.ok(second.every((h) => !first.includes(h)), 'page 2 shows other articles');
  await Promise.all([page.waitForURL((u) => !/page=2/.test(u.search)), page.locator('[data-pager] a[rel=prev]').click()]);
  assert.deepEqual(await cardLinks(page), first);
  // The search button is a plain link to the search page with its form.
  await page.goto(env.base + article);
  await Promise.all([page.waitForURL(/\/search$/), page.locator('.site-header a[data-search-open]').click()]);
  const input = page.locator('main form[role=search] input[name=q]');
  await input.fill('water');
  await Promise.all([page.waitForURL(/\/search\?q=water/), input.press('Enter')]);
});

test('accessibility basics: landmarks, skip link, labels, lang', { skip: SKIP }, async () => {
  const page = await env.page();
  for (const p of ['/', article, rubric]) {
    await page.goto(env.base + p);
    assert.ok(['en', 'ru'].includes(await page.getAttribute('html', 'lang')));
    for (const sel of ['header', 'nav', 'main', 'footer']) assert.ok(await page.locator(sel).count() > 0, `${p}: ${sel}`);
    assert.equal(await page.locator('main').count(), 1);
    await page.keyboard.press('Tab');
    const skip = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('href'));
    assert.equal(skip, '#main', 'the first Tab reaches the skip link');
    const unnamed = await page.locator('a, button').evaluateAll((els) => els.filter((e) => {
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' || !e.getClientRects().length) return false;
      return !(e.getAttribute('aria-label') || e.textContent.trim() || e.getAttribute('title'));
    }).map((e) => e.outerHTML.slice(0, 80)));
    assert.deepEqual(unnamed, [], `${p}: links and buttons have names`);
    const ids = await page.locator('[id]').evaluateAll((els) => els.map((e) => e.id));
    assert.equal(new Set(ids).size, ids.length, `${p}: no duplicate ids`);
    const meta = await page.evaluate(() => ({
      viewport: !!document.querySelector('meta[name=viewport]'),
      description: (document.querySelector('meta[name=description]') || {}).content,
      theme: !!document.querySelector('meta[name=theme-color]'),
      css: document.querySelectorAll('link[rel=stylesheet]').length,
      blocking: [...document.querySelectorAll('head script[src]')].filter((s) => !s.defer && !s.async).length,
    }));
    assert.ok(meta.viewport && meta.description && meta.theme, `${p}: meta tags`);
    assert.equal(meta.css, 1, 'one stylesheet');
    assert.equal(meta.blocking, 0, 'no render-blocking script');
  }
  assert.deepEqual(page.errors, []);
});

test('site.js stays under 20 KB', { skip: SKIP }, async () => {
  const { text } = await get(env.base, '/');
  const src = text.match(/<script src="([^"]+)" defer><\/script>/);
  assert.ok(src, 'one deferred script');
  const js = await fetch(env.base + src[1], { headers: { 'accept-encoding': 'identity' } });
  assert.equal(js.status, 200);
  const size = (await js.arrayBuffer()).byteLength;
  assert.ok(size < 20 * 1024, `site.js is ${size} bytes`);
});

test('screenshots: home and article, light and dark, desktop and phone', { skip: SKIP }, async () => {
  for (const scheme of ['light', 'dark']) {
    for (const [label, width] of [['desktop', 1280], ['phone', 375]]) {
      const page = await env.page({ viewport: { width, height: 900 }, colorScheme: scheme });
      for (const [name, p] of [['home', '/'], ['article', article]]) {
        await page.goto(env.base + p);
        await page.evaluate(() => document.fonts && document.fonts.ready);
        await screenshot(page, `${name}-${scheme}-${label}`);
      }
      assert.deepEqual(page.errors, []);
      await page.context().close();
    }
  }
});
