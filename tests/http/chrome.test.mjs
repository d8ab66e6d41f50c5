// chrome.test.mjs - the site chrome (src/http/page.c): what every reader
// page shows from the site data alone (header, nav, live banner, footer)
// is built once per store generation and edition, and the partials that
// depend on nothing else (partials/header_top, header_masthead,
// header_search, footer, icons) are rendered once and copied into the
// next pages (render_tmpl_render_in with a render_memo). With the page
// cache off, every change to settings, rubrics or the live banner must
// show on the very next request of every page, in each edition, and
// what depends on the page (the active rubric in the nav, the language
// switch to a translation) must never come from another page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startServer } from './lib.mjs';

let srv;
const art = {}; // edition -> a visible article with a translation

before(async () => {
  srv = await startServer({ demo: true, args: ['--set', 'cache.enabled=off'] });
  for (const code of ['en', 'ru']) {
    const list = await (await fetch(`${srv.url}/api/v1/articles?edition=${code}&per_page=20`)).json();
    art[code] = list.articles[0];
  }
});
after(async () => { await srv?.stop(); });

/* Statements run by the sqlite3 CLI: a writer in another process. */
function sql(statements) {
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', path.join(srv.dataDir, 'gazette.db'),
    statements], { encoding: 'utf8' });
  assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
  return r.stdout;
}

/* The page at target (the 404 page too: it has the chrome). */
async function page(target) {
  return (await fetch(`${srv.url}${target}`)).text();
}

const header = (html) => html.slice(html.indexOf('<header class="site-header">'), html.indexOf('</header>', html.indexOf('<header class="site-header">')));
const footer = (html) => html.slice(html.indexOf('<footer class="site-footer">'));

function pages(code) {
  const p = code === 'en' ? '' : `/${code}`;
  return [`${p}/`, `${p}/latest`, art[code].url, `${p}/search?q=x`, `${p}/no-such-page`];
}

test('settings show in the header and footer of every page on the next request', async () => {
  for (const code of ['en', 'ru']) for (const t of pages(code)) await fetch(`${srv.url}${t}`); // warm
  sql(`INSERT OR REPLACE INTO settings(key, value) VALUES
         ('tagline.en', 'Tagline by the chrome test'),
         ('tagline.ru', 'Девиз из теста'),
         ('footer_notice.en', 'Notice by the chrome test'),
         ('social.twitter', 'https://x.com/chrome_test_handle'),
         ('app.ios', 'https://apps.apple.com/app/id-chrome-test');`);
  for (const code of ['en', 'ru']) {
    for (const t of pages(code)) {
      const html = await page(t);
      const h = header(html);
      assert.ok(h.includes(code === 'en' ? 'Tagline by the chrome test' : 'Девиз из теста'), `${t}: tagline`);
      assert.ok(h.includes('https://x.com/chrome_test_handle'), `${t}: social link in the header`);
      assert.ok(h.includes('id-chrome-test'), `${t}: app link in the header`);
      assert.ok(footer(html).includes('https://x.com/chrome_test_handle'), `${t}: social link in the footer`);
      if (code === 'en') assert.ok(footer(html).includes('Notice by the chrome test'), `${t}: footer notice`);
      else assert.ok(!html.includes('Notice by the chrome test'), `${t}: the English notice stays English`);
    }
  }
  sql(`DELETE FROM settings WHERE key = 'app.ios';`);
  for (const t of pages('en')) {
    assert.ok(!(await page(t)).includes('id-chrome-test'),
      `${t}: a removed setting leaves the header`);
  }
});

test('the live banner comes and goes with the live event', async () => {
  const banner = (html) => html.includes('class="live-banner"');
  sql(`UPDATE live_events SET state = 0;`); // upcoming: no banner
  for (const t of pages('en').slice(0, 3)) assert.ok(!banner(await page(t)), `${t}: no banner`);
  sql(`UPDATE live_events SET state = 1;`);
  for (const t of pages('en').slice(0, 3)) assert.ok(banner(await page(t)), `${t}: the banner`);
});

test('the active rubric and the language switch belong to their page', async () => {
  const rubrics = await (await fetch(`${srv.url}/api/v1/rubrics?edition=en`)).json();
  const list = rubrics.rubrics || rubrics;
  const slugs = list.map((r) => r.slug);
  assert.ok(slugs.length >= 2);
  for (const slug of slugs.slice(0, 2)) {
    const html = await page(`/rubric/${slug}`);
    const cur = [...header(html).matchAll(/<a href="([^"]+)" aria-current="page">/g)].map((m) => m[1]);
    assert.deepEqual(cur, [`/rubric/${slug}`], `rubric ${slug}: only itself is active`);
  }
  const home = await page('/');
  assert.ok(!header(home).includes('aria-current="page"'), 'home: no active rubric');

  // an article's switch goes to its translation, the home page's to the other home page
  let translated = 0;
  for (const a of (await (await fetch(`${srv.url}/api/v1/articles?edition=en&per_page=10`)).json()).articles) {
    const html = await page(a.url);
    const alt = /<link rel="alternate" hreflang="ru" href="([^"]+)">/.exec(html);
    const sw = /<a class="tool lang-switch" href="([^"]+)" hreflang="ru"/.exec(header(html));
    assert.ok(sw, `${a.url}: a language switch`);
    if (alt) {
      translated++;
      assert.equal(sw[1], new URL(alt[1]).pathname, `${a.url}: the switch goes to the translation`);
    } else {
      assert.equal(sw[1], '/ru/', `${a.url}: no translation, the switch goes home`);
    }
  }
  assert.ok(translated > 0, 'some demo articles have a translation');
  assert.ok(header(await page('/')).includes('href="/ru/" hreflang="ru"'), 'home: switch to the other home page');
  assert.ok(header(await page('/latest')).includes('href="/ru/" hreflang="ru"'), 'latest: the switch is not the article\'s');
});

test('a rubric or author renamed by another process shows in the nav and the cards at once', async () => {
  const cardRubrics = (html) => [...html.matchAll(/<a class="card-rubric" href="([^"]+)">([^<]*)<\/a>/g)];
  const before = cardRubrics(await page('/latest'));
  assert.ok(before.length > 0, 'latest: cards with a rubric');
  sql(`UPDATE rubric_texts SET name = 'Renamed by the chrome test', slug = 'renamed-rubric' WHERE edition = 'en'
         AND rubric_id = (SELECT MIN(rubric_id) FROM rubric_texts);`);
  for (const t of pages('en')) assert.ok(header(await page(t)).includes('Renamed by the chrome test'), `${t}: nav`);
  for (const t of pages('ru').slice(0, 3)) assert.ok(!(await page(t)).includes('Renamed by the chrome test'), `${t}: other edition`);
  // the cards' rubric links (shared per snapshot) follow, on a rubric's own page too
  const html = await page('/rubric/renamed-rubric');
  const cards = cardRubrics(html);
  assert.ok(cards.length > 0, 'the renamed rubric has cards');
  for (const [, href, name] of cards) {
    assert.equal(href, '/rubric/renamed-rubric');
    assert.equal(name, 'Renamed by the chrome test');
  }
  for (const [, href, name] of cardRubrics(await page('/latest'))) {
    if (name === 'Renamed by the chrome test') assert.equal(href, '/rubric/renamed-rubric');
    else assert.notEqual(href, '/rubric/renamed-rubric');
  }
  // an author's URL in the byline of an article page
  const a = (await (await fetch(`${srv.url}/api/v1/articles?edition=en&per_page=1`)).json()).articles[0];
  const au = a.authors[0];
  sql(`UPDATE authors SET slug = 'renamed-author' WHERE id = ${au.id};`);
  const art = await page(a.url);
  assert.ok(art.includes('href="/author/renamed-author" rel="author"'), 'byline: the new author URL');
});
