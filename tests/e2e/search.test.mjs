// search.test.mjs - the search overlay's as-you-type suggestions in a real
// browser: typing asks GET /api/v1/search once the reader pauses
// (debounced), the list shows highlighted articles of the page's edition,
// the arrow keys walk it, a suggestion opens its article, and Enter in the
// box still goes to the full results page. Opening and closing the overlay
// is article.test.mjs; search without JavaScript is site.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, setup } from './lib.mjs';

let env;
before(async () => { if (!SKIP) env = await setup(); });
after(async () => { await env?.stop(); });

/* A page of `home` with the overlay open; api lists the q of every
 * suggestion request the page makes. */
async function overlay(home) {
  const page = await env.page();
  const api = [];
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (u.pathname === '/api/v1/search') api.push(u.searchParams);
  });
  await page.goto(env.base + home);
  await page.locator('.site-header [data-search-open]').click();
  const dialog = page.locator('[data-search-dialog]');
  await dialog.waitFor({ state: 'visible' });
  return { page, api, input: dialog.locator('input[name=q]'), list: dialog.locator('.search-suggest') };
}

test('typing suggests articles, debounced, from /api/v1/search', { skip: SKIP }, async () => {
  const { page, api, input, list } = await overlay('/');
  // one key every 30 ms: shorter than the pause that sends a request
  await input.pressSequentially('partnersh', { delay: 30 });
  await list.waitFor({ state: 'visible' });
  // one request for the word (a stall of the loaded test machine between
  // two keys may add one); without the pause it would be one per key
  assert.ok(api.length >= 1 && api.length <= 2, `${api.length} requests for 9 keys`);
  assert.equal(api.at(-1).get('q'), 'partnersh');
  assert.equal(api.at(-1).get('edition'), 'en');
  const links = list.locator('a.search-suggest-link');
  assert.ok(await links.count() >= 1);
  for (const href of await links.evaluateAll((as) => as.map((a) => a.getAttribute('href'))))
    assert.match(href, /^\/article\/[a-z0-9-]+$/);
  // the prefix is highlighted, and the marks are the only markup
  assert.ok(await list.locator('mark').count() >= 1, 'a <mark> in the suggestions');
  assert.equal(await list.locator('.search-suggest-snippet *:not(mark)').count(), 0);
  assert.equal(await input.getAttribute('aria-controls'), await list.getAttribute('id'));

  // Down walks the list, Up goes back to the box
  await page.keyboard.press('ArrowDown');
  assert.equal(await links.first().evaluate((a) => a === document.activeElement), true);
  await page.keyboard.press('ArrowUp');
  assert.equal(await input.evaluate((i) => i === document.activeElement), true);

  // fewer than two letters: the list goes away without asking
  await input.fill('p');
  await list.waitFor({ state: 'hidden' });
  const asked = api.length;
  await page.waitForTimeout(400);
  assert.equal(api.length, asked, 'no request for one letter');

  // a suggestion opens its article
  await input.pressSequentially('artnersh', { delay: 30 });
  await list.waitFor({ state: 'visible' });
  const href = await links.first().getAttribute('href');
  await Promise.all([page.waitForURL((u) => u.pathname === href), links.first().click()]);
  assert.deepEqual(page.errors, []);
});

test('Russian edition suggests Russian articles; Enter opens the results page', { skip: SKIP }, async () => {
  const { page, api, input, list } = await overlay('/ru/');
  await input.pressSequentially('Порт-Сел', { delay: 30 });
  await list.waitFor({ state: 'visible' });
  assert.equal(api.at(-1).get('edition'), 'ru');
  for (const href of await list.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))))
    assert.match(href, /^\/ru\/article\//);
  await Promise.all([page.waitForURL(/\/search\?/), input.press('Enter')]);
  const u = new URL(page.url());
  assert.equal(u.pathname, '/ru/search');
  assert.equal(u.searchParams.get('q'), 'Порт-Сел');
  assert.ok(await page.locator('main .search-snippet mark').count() >= 1, 'highlighted results');
  assert.deepEqual(page.errors, []);
});

test('nothing to suggest: no list, Enter still searches', { skip: SKIP }, async () => {
  const { page, api, input, list } = await overlay('/');
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/search' &&
    new URL(r.url()).searchParams.get('q') === 'zzyzxq');
  await input.pressSequentially('zzyzxq', { delay: 30 });
  await answered;
  await page.waitForTimeout(100);
  assert.equal(await list.isVisible(), false);
  await Promise.all([page.waitForURL(/\/search\?q=zzyzxq/), input.press('Enter')]);
  assert.match(await page.locator('main').textContent(), /Nothing found/);
  assert.deepEqual(page.errors, []);
});
