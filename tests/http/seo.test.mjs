// seo.test.mjs - what search engines and social networks read
// (src/http/seo.c, src/http/sitemap.c): an article page's head (canonical,
// hreflang pairs, Open Graph, Twitter card, robots, NewsArticle and
// BreadcrumbList JSON-LD field by field, with and without a lead image),
// list pages' head data, the sitemap index, the monthly and pages
// sitemaps and the Google News sitemap (xmllint, every visible article
// exactly once, only the last 48 hours), and robots.txt. Images: an
// upload through the newsroom gets 16:9, 4:3 and 1:1 crops that the
// NewsArticle lists (each fetched and its real pixel size read), a share
// image at least 1200 px wide, and the publisher's logo is our PNG of at
// least 112 px; an image stored before the crops existed falls back to
// its widest variant.
//
// Until theme/templates/layout.mustache includes partials/seo_head, the
// server runs with a scratch theme folder whose layout.mustache is the
// real one with its SEO lines replaced by that include.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { REPO, startServer, ADMIN_LOGIN, ADMIN_PASSWORD } from './lib.mjs';

const HAVE_XMLLINT = spawnSync('xmllint', ['--version']).status === 0;
let srv;
let themeDir = null;
const api = {}; // edition -> visible articles, newest first

/* The real layout, with the partial in place of its own SEO lines when it
 * does not include it yet; null when it already does. */
function scratchLayout() {
  let s = fs.readFileSync(path.join(REPO, 'theme/templates/layout.mustache'), 'utf8');
  if (s.includes('partials/seo_head')) return null;
  const cut = (from, to, repl = '') => {
    const a = s.indexOf(from);
    const b = s.indexOf(to, a);
    if (a < 0 || b < 0) return false;
    s = s.slice(0, a) + repl + s.slice(b);
    return true;
  };
  if (!cut('<meta name="description"', '<meta name="color-scheme"', '{{>partials/seo_head}}\n')) {
    s = s.replace('</head>', '{{>partials/seo_head}}\n</head>');
  }
  cut('<meta property="og:site_name"', '<link rel="icon"');
  const j = s.indexOf('{{#page.jsonld}}');
  if (j >= 0) {
    const end = s.indexOf('{{/page.jsonld}}', j) + '{{/page.jsonld}}'.length;
    s = s.slice(0, j) + s.slice(end).replace(/^\n/, '');
  }
  return s;
}

async function apiArticles(code) {
  const out = [];
  for (let page = 1; ; page++) {
    const body = await (await fetch(`${srv.url}/api/v1/articles?edition=${code}&per_page=100&page=${page}`)).json();
    out.push(...body.articles);
    if (!body.next) return out;
  }
}

before(async () => {
  const layout = scratchLayout();
  const args = [];
  if (layout) {
    themeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gazette-seo-theme-'));
    fs.mkdirSync(path.join(themeDir, 'templates'));
    fs.writeFileSync(path.join(themeDir, 'templates/layout.mustache'), layout);
    args.push('--set', `site.theme_dir=${themeDir}`);
  }
  srv = await startServer({ demo: true, args });
  for (const code of ['en', 'ru']) api[code] = await apiArticles(code);
});
after(async () => {
  await srv?.stop();
  if (themeDir) fs.rmSync(themeDir, { recursive: true, force: true });
});

function run(cmd, args, input) {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

function sql(statements) {
  const db = path.join(srv.dataDir, 'gazette.db');
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', db, statements], { encoding: 'utf8' });
  assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
  return r.stdout;
}

async function html(target) {
  const res = await fetch(`${srv.url}${target}`);
  assert.equal(res.status, 200, target);
  return res.text();
}

function decode(s) {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&apos;/g, "'").replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/* The <head> of a page as lists of its tags' attributes. */
function head(page) {
  const h = page.slice(0, page.indexOf('</head>'));
  const attrs = (tag) => Object.fromEntries([...tag.matchAll(/([a-z:-]+)="([^"]*)"/g)]
    .map((m) => [m[1], decode(m[2])]));
  const links = [...h.matchAll(/<link [^>]*>/g)].map((m) => attrs(m[0]));
  const metas = [...h.matchAll(/<meta [^>]*>/g)].map((m) => attrs(m[0]));
  const ld = [...h.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)]
    .map((m) => JSON.parse(m[1]));
  const graph = ld.flatMap((d) => d['@graph'] ?? (Array.isArray(d) ? d : [d]));
  const meta = (key) => metas.filter((m) => m.property === key || m.name === key).map((m) => m.content);
  return {
    lang: /<html lang="([^"]+)"/.exec(page)?.[1],
    canonical: links.filter((l) => l.rel === 'canonical').map((l) => l.href),
    alternates: links.filter((l) => l.rel === 'alternate' && l.hreflang),
    feeds: links.filter((l) => l.rel === 'alternate' && l.type),
    meta,
    graph,
    typed: (type) => graph.filter((o) => o['@type'] === type),
  };
}

/* The page data comes from seo_article()/seo_list(), which
 * page_article.c and page_lists.c call (see src/http/internal.h). */
function integrated(h, fn) {
  assert.ok(h.graph.length && h.feeds.length,
    `no JSON-LD or feed links in <head>: is ${fn}() called for this page?`);
}

const ISO_TZ = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;

/* An English article with a Russian translation, and that translation. */
async function translatedPair() {
  for (const a of api.en) {
    const full = await (await fetch(`${srv.url}/api/v1/articles/${a.id}`)).json();
    const tr = full.translations?.find((t) => t.edition === 'ru');
    if (tr) return { en: full, ru: await (await fetch(`${srv.url}/api/v1/articles/${tr.id}`)).json() };
  }
  throw new Error('no translated demo article');
}

test('article head: canonical, robots, description, lang, Open Graph, Twitter card', async () => {
  const { en } = await translatedPair();
  const h = head(await html(en.url));
  integrated(h, 'seo_article');
  const canonical = `${srv.url}${en.url}`;
  assert.deepEqual(h.canonical, [canonical], 'one absolute canonical');
  assert.equal(h.lang, 'en');
  assert.match(h.meta('robots')[0], /max-image-preview:large/);
  assert.ok(h.meta('description')[0].length > 20, 'meta description');
  assert.deepEqual(h.meta('og:type'), ['article']);
  assert.deepEqual(h.meta('og:url'), [canonical]);
  assert.deepEqual(h.meta('og:title'), [en.title]);
  assert.deepEqual(h.meta('og:locale'), ['en_US']);
  assert.match(h.meta('article:published_time')[0], ISO_TZ);
  assert.deepEqual(h.meta('article:section'), [en.rubric.name]);
  assert.deepEqual(h.meta('article:tag'), en.tags.map((t) => t.name));
  assert.deepEqual(h.meta('twitter:card'), ['summary'], 'no image: summary card');
  assert.deepEqual(h.meta('og:image'), []);
  assert.deepEqual(h.meta('twitter:site'), ['@example_meridian']);
  const types = h.feeds.map((f) => f.type);
  assert.ok(types.includes('application/rss+xml') && types.includes('application/atom+xml')
    && types.includes('application/feed+json'), 'feed autodiscovery');
  for (const f of h.feeds) {
    const res = await fetch(new URL(f.href, srv.url));
    assert.equal(res.status, 200, f.href);
    assert.equal(res.headers.get('content-type').split(';')[0], f.type);
    await res.arrayBuffer();
  }
});

test('hreflang: translations point at each other, with x-default', async () => {
  const { en, ru } = await translatedPair();
  const enUrl = `${srv.url}${en.url}`;
  const ruUrl = `${srv.url}${ru.url}`;
  for (const [page, self] of [[en.url, enUrl], [ru.url, ruUrl]]) {
    const h = head(await html(page));
    integrated(h, 'seo_article');
    const alt = Object.fromEntries(h.alternates.map((l) => [l.hreflang, l.href]));
    assert.deepEqual(alt, { en: enUrl, ru: ruUrl, 'x-default': enUrl }, page);
    assert.deepEqual(h.canonical, [self]);
  }
  // an article without a translation has no hreflang links
  for (const a of api.en) {
    const full = await (await fetch(`${srv.url}/api/v1/articles/${a.id}`)).json();
    if (full.translations.length) continue;
    assert.deepEqual(head(await html(a.url)).alternates, []);
    break;
  }
});

test('NewsArticle and BreadcrumbList JSON-LD, field by field', async () => {
  const { en } = await translatedPair();
  const page = await html(en.url);
  const h = head(page);
  integrated(h, 'seo_article');
  const [art] = h.typed('NewsArticle');
  assert.ok(art, 'a NewsArticle');
  const canonical = `${srv.url}${en.url}`;
  assert.equal(art.headline, en.title);
  assert.equal(art.url, canonical);
  assert.deepEqual(art.mainEntityOfPage, { '@type': 'WebPage', '@id': canonical });
  assert.match(art.datePublished, ISO_TZ);
  assert.match(art.dateModified, ISO_TZ);
  assert.equal(Date.parse(art.datePublished), Date.parse(en.published_at));
  assert.equal(Date.parse(art.dateModified),
    Math.max(Date.parse(en.updated_at), Date.parse(en.published_at)));
  assert.deepEqual(art.author.map((a) => a['@type']), en.authors.map(() => 'Person'));
  assert.deepEqual(art.author.map((a) => a.name), en.authors.map((a) => a.name));
  for (const [i, a] of art.author.entries()) {
    assert.equal(a.url, `${srv.url}/author/${en.authors[i].slug}`);
    assert.equal((await fetch(a.url)).status, 200, a.url);
  }
  assert.equal(art.publisher['@type'], 'NewsMediaOrganization');
  assert.equal(art.publisher.name, h.meta('og:site_name')[0]);
  assert.equal(art.publisher.url, `${srv.url}/`);
  assert.equal(art.publisher.logo['@type'], 'ImageObject');
  assert.ok(art.publisher.logo.url.startsWith(`${srv.url}/static/`), art.publisher.logo.url);
  const logo = await fetch(art.publisher.logo.url);
  assert.equal(logo.status, 200);
  assert.match(logo.headers.get('content-type'), /^image\//);
  await logo.arrayBuffer();
  assert.equal(art.articleSection, en.rubric.name);
  assert.equal(art.inLanguage, 'en');
  assert.deepEqual(art.keywords, en.tags.map((t) => t.name));
  assert.equal(art.image, undefined, 'no image in the demo');
  // the JSON is safe inside <script>: no raw '<' in it
  const raw = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(page)[1];
  assert.doesNotMatch(raw, /</);

  const [bc] = h.typed('BreadcrumbList');
  assert.ok(bc, 'a BreadcrumbList');
  assert.deepEqual(bc.itemListElement.map((x) => x.position), [1, 2, 3]);
  assert.deepEqual(bc.itemListElement.map((x) => x.item),
    [`${srv.url}/`, `${srv.url}/rubric/${en.rubric.slug}`, canonical]);
  assert.deepEqual(bc.itemListElement.map((x) => x.name),
    [art.publisher.name, en.rubric.name, en.title]);
});

test('list pages: home, rubric, author, tag, paginated', async () => {
  const home = head(await html('/ru/'));
  integrated(home, 'seo_list');
  assert.deepEqual(home.canonical, [`${srv.url}/ru/`]);
  assert.deepEqual(Object.fromEntries(home.alternates.map((l) => [l.hreflang, l.href])),
    { en: `${srv.url}/`, ru: `${srv.url}/ru/`, 'x-default': `${srv.url}/` });
  assert.equal(home.typed('WebSite')[0].inLanguage, 'ru');
  const org = home.typed('NewsMediaOrganization')[0];
  assert.ok(org.logo.url && org.sameAs.includes('https://t.me/example_meridian_daily'));
  assert.deepEqual(home.feeds.map((f) => f.href), ['/ru/feed.xml', '/ru/atom.xml', '/ru/feed.json']);

  const rubrics = (await (await fetch(`${srv.url}/api/v1/rubrics?edition=en`)).json()).rubrics;
  const ruRubrics = (await (await fetch(`${srv.url}/api/v1/rubrics?edition=ru`)).json()).rubrics;
  const rb = rubrics[0];
  const ruRb = ruRubrics.find((x) => x.id === rb.id);
  const rh = head(await html(`/rubric/${rb.slug}`));
  const [bc] = rh.typed('BreadcrumbList');
  assert.deepEqual(bc.itemListElement.map((x) => x.item), [`${srv.url}/`, `${srv.url}/rubric/${rb.slug}`]);
  assert.deepEqual(bc.itemListElement.map((x) => x.name).slice(1), [rb.name]);
  assert.deepEqual(Object.fromEntries(rh.alternates.map((l) => [l.hreflang, l.href])),
    { en: `${srv.url}/rubric/${rb.slug}`, ru: `${srv.url}/ru/rubric/${ruRb.slug}`,
      'x-default': `${srv.url}/rubric/${rb.slug}` });
  assert.ok(rh.feeds.some((f) => f.href === `/rubric/${rb.slug}/feed.xml`));

  const au = api.en[0].authors[0];
  const ah = head(await html(`/author/${au.slug}`));
  assert.equal(ah.typed('ProfilePage')[0].mainEntity.name, au.name);
  assert.ok(ah.feeds.some((f) => f.href === `/author/${au.slug}/atom.xml`));

  const paged = head(await html('/latest?page=2'));
  assert.deepEqual(paged.canonical, [`${srv.url}/latest?page=2`]);
  assert.deepEqual(paged.alternates, [], 'no hreflang on page 2');
});

/* Fetch an XML document, check its type and well-formedness. */
async function xml(target) {
  const res = await fetch(`${srv.url}${target}`);
  assert.equal(res.status, 200, target);
  assert.equal(res.headers.get('content-type'), 'application/xml; charset=utf-8', target);
  assert.equal(res.headers.get('cache-control'), 'public, max-age=300', target);
  assert.match(res.headers.get('etag') ?? '', /^"[0-9a-f]{20}(-gz|-br)?"$/, target);
  const body = await res.text();
  assert.match(body, /^<\?xml version="1\.0" encoding="utf-8"\?>\n/);
  if (HAVE_XMLLINT) {
    const r = await run('xmllint', ['--noout', '-'], body);
    assert.equal(r.code, 0, `xmllint ${target}: ${r.stderr}`);
  }
  return body;
}

const locs = (body) => [...body.matchAll(/<loc>([^<]*)<\/loc>/g)].map((m) => decode(m[1]));

test('sitemap index, monthly sitemaps and pages: xmllint, every article once', async () => {
  const index = await xml('/sitemap.xml');
  assert.match(index, /<sitemapindex xmlns="http:\/\/www\.sitemaps\.org\/schemas\/sitemap\/0\.9">/);
  const maps = locs(index);
  assert.ok(maps.includes(`${srv.url}/sitemaps/pages.xml`));
  const months = maps.filter((u) => /\/sitemaps\/\d{4}-\d\d(-\d+)?\.xml$/.test(u));
  const wantMonths = new Set([...api.en, ...api.ru].map((a) => a.published_at.slice(0, 7)));
  assert.deepEqual(new Set(months.map((u) => /(\d{4}-\d\d)/.exec(u)[1])), wantMonths);
  const seen = [];
  for (const u of months) {
    const body = await xml(new URL(u).pathname);
    assert.match(body, /xmlns:image="http:\/\/www\.google\.com\/schemas\/sitemap-image\/1\.1"/);
    const n = (body.match(/<url>/g) ?? []).length;
    assert.ok(n <= 50000);
    assert.equal((body.match(/<lastmod>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d<\/lastmod>/g) ?? []).length, n);
    seen.push(...locs(body));
  }
  const want = [...api.en, ...api.ru].map((a) => `${srv.url}${a.url}`);
  assert.deepEqual([...seen].sort(), [...want].sort(), 'every visible article exactly once');

  const pages = await xml('/sitemaps/pages.xml');
  const pl = locs(pages);
  for (const u of [`${srv.url}/`, `${srv.url}/ru/`]) assert.ok(pl.includes(u), u);
  const rubrics = (await (await fetch(`${srv.url}/api/v1/rubrics?edition=ru`)).json()).rubrics;
  for (const rb of rubrics) assert.ok(pl.includes(`${srv.url}/ru/rubric/${rb.slug}`), rb.slug);
  assert.ok(pl.some((u) => u.includes('/author/')));
  assert.match(pages, /<xhtml:link rel="alternate" hreflang="ru" href="[^"]+\/ru\/"\/>/);

  for (const bad of ['/sitemaps/1999-01.xml', '/sitemaps/2026-13.xml', '/sitemaps/nope.xml',
    `/sitemaps/${[...wantMonths][0]}-2.xml`]) {
    const res = await fetch(`${srv.url}${bad}`);
    assert.equal(res.status, 404, bad);
    await res.arrayBuffer();
  }
  // 304 on the handler's own reply (?x bypasses the page cache)
  const a = await fetch(`${srv.url}/sitemap.xml?x=1`, { headers: { 'accept-encoding': 'identity' } });
  await a.arrayBuffer();
  const b = await fetch(`${srv.url}/sitemap.xml?x=1`, { headers: { 'if-none-match': a.headers.get('etag') } });
  assert.equal(b.status, 304);
});

test('Google News sitemap: only the last 48 hours, publication name and language', async () => {
  const body = await xml('/sitemap-news.xml');
  const now = Date.now();
  assert.match(body, /xmlns:news="http:\/\/www\.google\.com\/schemas\/sitemap-news\/0\.9"/);
  const urls = [...body.matchAll(/<url>([\s\S]*?)<\/url>/g)].map((m) => {
    const x = m[1];
    return {
      loc: decode(/<loc>([^<]*)<\/loc>/.exec(x)[1]),
      name: decode(/<news:name>([^<]*)<\/news:name>/.exec(x)[1]),
      lang: /<news:language>([^<]*)<\/news:language>/.exec(x)[1],
      date: /<news:publication_date>([^<]*)<\/news:publication_date>/.exec(x)[1],
      title: decode(/<news:title>([^<]*)<\/news:title>/.exec(x)[1]),
    };
  });
  assert.ok(urls.length <= 1000);
  const all = [...api.en, ...api.ru];
  const edge = (a) => Math.abs(Date.parse(a.published_at) - (now - 48 * 3600e3)) < 120e3;
  const want = all.filter((a) => Date.parse(a.published_at) >= now - 48 * 3600e3 && !edge(a));
  assert.ok(want.length >= 2, 'the demo has articles from today and yesterday');
  const got = new Map(urls.map((u) => [u.loc, u]));
  for (const a of want) assert.ok(got.has(`${srv.url}${a.url}`), `missing ${a.url}`);
  for (const u of urls) {
    const a = all.find((x) => `${srv.url}${x.url}` === u.loc);
    assert.ok(a, `${u.loc} is a visible article`);
    assert.ok(Date.parse(a.published_at) >= now - 48 * 3600e3 - 120e3, `${u.loc} is older than 48 h`);
    assert.match(u.date, ISO_TZ);
    assert.equal(Date.parse(u.date), Date.parse(a.published_at));
    assert.equal(u.lang, a.edition);
    assert.equal(u.name, a.edition === 'ru' ? 'Меридиан' : 'Meridian Daily');
    assert.equal(u.title, a.title);
  }
});

test('robots.txt names the sitemaps and takes extra lines from the settings', async () => {
  const res = await fetch(`${srv.url}/robots.txt`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  const text = await res.text();
  assert.match(text, /^User-agent: \*$/m);
  assert.match(text, /^Disallow: \/newsroom$/m);
  const sitemaps = [...text.matchAll(/^Sitemap: (.+)$/gm)].map((m) => m[1]);
  assert.deepEqual(sitemaps, [`${srv.url}/sitemap.xml`, `${srv.url}/sitemap-news.xml`]);
  for (const u of sitemaps) {
    const r = await fetch(u);
    assert.equal(r.status, 200, u);
    await r.arrayBuffer();
  }
  sql("INSERT OR REPLACE INTO settings(key, value) VALUES ('robots.txt', 'User-agent: GPTBot' || char(13) || char(10) || 'Disallow: /');");
  const extra = await (await fetch(`${srv.url}/robots.txt?x=1`)).text();
  assert.match(extra, /\nUser-agent: GPTBot\nDisallow: \/\n\nSitemap: /);
  assert.doesNotMatch(extra, /\r/);
});

/* ---- images ------------------------------------------------------- */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/* An RGB PNG of w x h: a gradient with a bright block right of centre
 * (something for the crops to find). */
function makePng(w, h) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1);
    for (let x = 0; x < w; x++) {
      const spot = x > w * 0.6 && x < w * 0.75 && y > h * 0.3 && y < h * 0.6;
      raw[row + 1 + x * 3] = spot ? 240 : (x >> 3) & 0xff;
      raw[row + 2 + x * 3] = spot ? 30 : (y >> 3) & 0xff;
      raw[row + 3 + x * 3] = spot ? 40 : 128;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

/* The real pixel size of a JPEG (its SOF marker) or PNG (IHDR). */
function pixelSize(b) {
  if (b.subarray(1, 4).toString('latin1') === 'PNG') return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  assert.deepEqual([...b.subarray(0, 2)], [0xff, 0xd8], 'not a JPEG');
  for (let i = 2; i + 9 < b.length;) {
    assert.equal(b[i], 0xff, `JPEG marker expected at ${i}`);
    const m = b[i + 1];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc)
      return { width: b.readUInt16BE(i + 7), height: b.readUInt16BE(i + 5) };
    i += 2 + b.readUInt16BE(i + 2);
  }
  throw new Error('no SOF in JPEG');
}

async function fetchImage(url) {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  const body = Buffer.from(await res.arrayBuffer());
  return { type: res.headers.get('content-type'), ...pixelSize(body) };
}

/* Upload an image through the newsroom as the admin; its media id. */
async function upload(file, name, alt) {
  const jar = new Map();
  const take = (res) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let res = await fetch(`${srv.url}/newsroom/login`);
  take(res);
  const token = /name="csrf" value="([^"]+)"/.exec(await res.text())[1];
  res = await fetch(`${srv.url}/newsroom/login`, {
    method: 'POST', redirect: 'manual',
    headers: { Cookie: cookie(), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf: token, login: ADMIN_LOGIN, password: ADMIN_PASSWORD }).toString(),
  });
  assert.equal(res.status, 303, 'login');
  take(res);
  res = await fetch(`${srv.url}/newsroom/media`, { headers: { Cookie: cookie() } });
  const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(await res.text())[1];
  const fd = new FormData();
  fd.append('alt', alt);
  fd.append('file', new Blob([file], { type: 'image/png' }), name);
  res = await fetch(`${srv.url}/newsroom/media`, {
    method: 'POST', body: fd,
    headers: { Cookie: cookie(), 'X-CSRF-Token': csrf, Accept: 'application/json' },
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return JSON.parse(text).id;
}

test('an uploaded lead image: NewsArticle images in 16:9, 4:3 and 1:1, og:image >= 1200 px, logo', async () => {
  const { en, ru } = await translatedPair();
  const id = await upload(makePng(2000, 1400), 'harbour.png', 'Cranes over the harbour');
  sql(`UPDATE articles SET lead_media_id = ${id} WHERE id = ${en.id};`);
  const h = head(await html(`${en.url}?x=crops`));
  integrated(h, 'seo_article');
  const [art] = h.typed('NewsArticle');
  assert.equal(art.image.length, 3, JSON.stringify(art.image));
  const want = [16 / 9, 4 / 3, 1];
  for (const [k, img] of art.image.entries()) {
    assert.equal(img['@type'], 'ImageObject');
    assert.ok(img.url.startsWith(`${srv.url}/media/`), img.url);
    const real = await fetchImage(img.url);
    assert.equal(real.type, 'image/jpeg');
    assert.equal(real.width, img.width, `${img.url}: width`);
    assert.equal(real.height, img.height, `${img.url}: height`);
    const q = real.width / real.height / want[k];
    assert.ok(q > 0.99 && q < 1.01, `${img.url} is ${real.width} x ${real.height}`);
    // the source (2000 x 1400) is big enough for 1200 px in every ratio
    assert.equal(real.width, 1200, img.url);
  }
  // the share image: a variant at least 1200 px wide, with its size and alt
  const og = h.meta('og:image');
  assert.equal(og.length, 1);
  const real = await fetchImage(og[0]);
  assert.ok(real.width >= 1200, `og:image is ${real.width} px wide`);
  assert.deepEqual(h.meta('og:image:width'), [String(real.width)]);
  assert.deepEqual(h.meta('og:image:height'), [String(real.height)]);
  assert.deepEqual(h.meta('og:image:type'), ['image/jpeg']);
  assert.deepEqual(h.meta('og:image:alt'), ['Cranes over the harbour']);
  assert.deepEqual(h.meta('twitter:card'), ['summary_large_image']);
  assert.deepEqual(h.meta('twitter:image'), og);
  assert.deepEqual(h.meta('twitter:image:alt'), ['Cranes over the harbour']);
  // the publisher's logo: our PNG, its size as declared, at least 112 px
  const logo = art.publisher.logo;
  assert.equal(logo['@type'], 'ImageObject');
  assert.match(logo.url, new RegExp(`^${srv.url}/static/logo\\.[0-9a-f]+\\.png$`));
  const lr = await fetchImage(logo.url);
  assert.equal(lr.type, 'image/png');
  assert.deepEqual([lr.width, lr.height], [logo.width, logo.height]);
  assert.ok(lr.width >= 112 && lr.height >= 112, `logo is ${lr.width} x ${lr.height}`);
  // the translation uses the same image when given it
  sql(`UPDATE articles SET lead_media_id = ${id} WHERE id = ${ru.id};`);
  const hr = head(await html(`${ru.url}?x=crops`));
  assert.deepEqual(hr.typed('NewsArticle')[0].image.map((i) => i.url), art.image.map((i) => i.url));
});

test('an image stored before the crops: the widest variant in JSON-LD, og:image >= 1200 px', async () => {
  const { en } = await translatedPair();
  sql(`INSERT INTO media(id, sha256, mime, width, height, bytes, path, alt, caption, credit, created_at)
         VALUES (9101, 'seotest', 'image/jpeg', 4000, 3000, 3000000, 'o/9101.jpg', 'Harbour at dawn',
                 'The harbour', 'Photo: A. Example', strftime('%s', 'now'));
       INSERT INTO media_variants(media_id, width, height, format, path, bytes) VALUES
         (9101, 640, 480, 'jpeg', 'v/9101-640.jpg', 50000),
         (9101, 1280, 960, 'webp', 'v/9101-1280.webp', 100000),
         (9101, 1280, 960, 'jpeg', 'v/9101-1280.jpg', 160000),
         (9101, 1920, 1440, 'webp', 'v/9101-1920.webp', 300000),
         (9101, 1920, 1440, 'jpeg', 'v/9101-1920.jpg', 320000);
       UPDATE articles SET lead_media_id = 9101 WHERE id = ${en.id};`);
  const h = head(await html(`${en.url}?x=1`));
  integrated(h, 'seo_article');
  assert.deepEqual(h.meta('og:image'), [`${srv.url}/media/v/9101-1280.jpg`]);
  assert.deepEqual(h.meta('og:image:width'), ['1280']);
  assert.deepEqual(h.meta('og:image:height'), ['960']);
  assert.deepEqual(h.meta('og:image:alt'), ['Harbour at dawn']);
  assert.deepEqual(h.meta('twitter:card'), ['summary_large_image']);
  const [art] = h.typed('NewsArticle');
  assert.deepEqual(art.image, [{
    '@type': 'ImageObject', url: `${srv.url}/media/v/9101-1920.jpg`, width: 1920, height: 1440,
    caption: 'The harbour', creditText: 'Photo: A. Example',
  }]);
  const month = en.published_at.slice(0, 7);
  const sm = await xml(`/sitemaps/${month}.xml?x=1`);
  assert.match(sm, new RegExp(`<loc>${srv.url}${en.url}</loc><lastmod>[^<]+</lastmod>`
    + `<image:image><image:loc>${srv.url}/media/v/9101-1280.jpg</image:loc></image:image>`));
});
