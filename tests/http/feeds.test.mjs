// feeds.test.mjs - RSS 2.0, Atom 1.0 and JSON Feed 1.1 (src/http/feed.c)
// on the demo site: every feed of every edition, rubric, author and tag,
// read by ../shared/tools/check-feed (python3-feedparser) when it is
// there (all but the less used tags' feeds, which xmllint reads, unless
// FEEDS_CHECK_ALL=1), else by xmllint / JSON.parse; item counts and items
// compared with the JSON API; dates with time zones; ETag/304 and
// Last-Modified; full text versus excerpts (feed_full_text); the lead
// image as enclosure; odd and invalid characters in titles never break
// the XML (xmllint when installed). Edits are written with the sqlite3
// CLI (there is no newsroom API yet) and read with a query parameter
// that bypasses the page cache.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, startServer } from './lib.mjs';

const CHECK_FEED = process.env.CHECK_FEED || path.resolve(REPO, '../shared/tools/check-feed');
const HAVE_CHECK_FEED = fs.existsSync(CHECK_FEED);
const HAVE_XMLLINT = spawnSync('xmllint', ['--version']).status === 0;
const FEED_ITEMS = 20;

const FORMATS = [
  { file: 'feed.xml', type: 'application/rss+xml; charset=utf-8', version: 'rss20' },
  { file: 'atom.xml', type: 'application/atom+xml; charset=utf-8', version: 'atom10' },
  { file: 'feed.json', type: 'application/feed+json; charset=utf-8', version: 'json1.1' },
];

let srv;
const editions = {}; // code -> { prefix, articles[] (API, newest first), rubrics[] }

/* Every visible article of an edition from the API, newest first. */
async function apiArticles(code) {
  const out = [];
  for (let page = 1; ; page++) {
    const res = await fetch(`${srv.url}/api/v1/articles?edition=${code}&per_page=100&page=${page}`);
    assert.equal(res.status, 200);
    const body = await res.json();
    out.push(...body.articles);
    if (!body.next) return out;
  }
}

before(async () => {
  srv = await startServer({ demo: true });
  for (const code of ['en', 'ru']) {
    const articles = await apiArticles(code);
    const u = articles[0].url;
    const rubrics = (await (await fetch(`${srv.url}/api/v1/rubrics?edition=${code}`)).json()).rubrics;
    editions[code] = { prefix: u.slice(0, u.indexOf('/article/')), articles, rubrics };
  }
});
after(async () => { await srv?.stop(); });

/* Run a command; resolves { code, stdout, stderr }. */
function run(cmd, args, input) {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

/* Map items with at most n promises at a time. */
async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

/* SQL on the running server's database (WAL: a second writer is fine). */
function sql(statements) {
  const db = path.join(srv.dataDir, 'gazette.db');
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', db, statements], { encoding: 'utf8' });
  assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
  return r.stdout;
}

/* Every feed scope of an edition with the articles it should hold. */
function scopes(code) {
  const ed = editions[code];
  const list = [{ base: ed.prefix, name: `${code} edition`, match: () => true }];
  for (const rb of ed.rubrics) {
    list.push({ base: `${ed.prefix}/rubric/${rb.slug}`, name: `${code} rubric ${rb.slug}`,
      match: (a) => a.rubric?.slug === rb.slug });
  }
  const authors = new Set(ed.articles.flatMap((a) => a.authors.map((x) => x.slug)));
  for (const slug of authors) {
    list.push({ base: `${ed.prefix}/author/${slug}`, name: `${code} author ${slug}`,
      match: (a) => a.authors.some((x) => x.slug === slug) });
  }
  const tags = new Set(ed.articles.flatMap((a) => a.tags.map((x) => x.slug)));
  for (const slug of tags) {
    list.push({ base: `${ed.prefix}/tag/${encodeURIComponent(slug)}`, name: `${code} tag ${slug}`,
      match: (a) => a.tags.some((x) => x.slug === slug) });
  }
  for (const s of list) s.expected = ed.articles.filter(s.match).slice(0, FEED_ITEMS);
  // check-feed (a Python process, ~0.2 s each) reads every feed but those
  // of the less used tags, unless FEEDS_CHECK_ALL=1; those get xmllint.
  const tagScopes = list.filter((s) => s.base.includes('/tag/'))
    .sort((a, b) => b.expected.length - a.expected.length || a.base.localeCompare(b.base));
  for (const s of list) s.checkFeed = true;
  if (process.env.FEEDS_CHECK_ALL !== '1') for (const s of tagScopes.slice(3)) s.checkFeed = false;
  return list;
}

/* Items of a feed body: { link, date } in document order. */
function items(format, body) {
  if (format.version === 'json1.1') {
    return JSON.parse(body).items.map((it) => ({ link: it.url, date: it.date_published, id: it.id }));
  }
  const tag = format.version === 'rss20' ? 'item' : 'entry';
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  return [...body.matchAll(re)].map((m) => {
    const x = m[1];
    const link = format.version === 'rss20'
      ? /<link>([^<]*)<\/link>/.exec(x)?.[1]
      : /<link rel="alternate" type="text\/html" href="([^"]*)"\/>/.exec(x)?.[1];
    const date = format.version === 'rss20'
      ? /<pubDate>([^<]*)<\/pubDate>/.exec(x)?.[1]
      : /<published>([^<]*)<\/published>/.exec(x)?.[1];
    const id = format.version === 'rss20'
      ? /<guid[^>]*>([^<]*)<\/guid>/.exec(x)?.[1]
      : /<id>([^<]*)<\/id>/.exec(x)?.[1];
    return { link: link?.replace(/&amp;/g, '&'), date, id };
  });
}

/* check-feed on a URL (or, without it or when !full, a minimal check of
 * the body: xmllint or JSON.parse): returns the item count it found. */
async function checkFeed(url, format, body, full = true) {
  if (HAVE_CHECK_FEED && full) {
    const r = await run(CHECK_FEED, [url]);
    assert.equal(r.code, 0, `check-feed ${url}: ${r.stdout}${r.stderr}`);
    const m = /^OK (\S+): (\d+) items/.exec(r.stdout);
    assert.ok(m, `check-feed ${url}: ${r.stdout}`);
    assert.equal(m[1], format.version, url);
    return Number(m[2]);
  }
  if (format.version === 'json1.1') {
    const d = JSON.parse(body);
    assert.equal(d.version, 'https://jsonfeed.org/version/1.1');
    assert.equal(typeof d.title, 'string');
    for (const it of d.items) assert.ok(it.id, 'JSON Feed item id');
    return d.items.length;
  }
  assert.match(body, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<(rss|feed) /);
  if (HAVE_XMLLINT) {
    const r = await run('xmllint', ['--noout', '-'], body);
    assert.equal(r.code, 0, `xmllint ${url}: ${r.stderr}`);
  }
  return items(format, body).length;
}

test('every feed of every edition, rubric, author and tag reads with the right items', async () => {
  const jobs = [];
  for (const code of Object.keys(editions)) {
    for (const scope of scopes(code)) {
      for (const format of FORMATS) jobs.push({ code, scope, format });
    }
  }
  assert.ok(jobs.length > 3 * 2 * 10, `${jobs.length} feeds`);
  await pool(jobs, Math.max(4, os.cpus().length), async ({ code, scope, format }) => {
    const url = `${srv.url}${scope.base}/${format.file}`;
    const res = await fetch(url);
    assert.equal(res.status, 200, url);
    assert.equal(res.headers.get('content-type'), format.type, url);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300', url);
    assert.match(res.headers.get('etag'), /^"[0-9a-f]{20}(-gz|-br)?"$/, url);
    const body = await res.text();
    const n = await checkFeed(url, format, body, scope.checkFeed);
    const want = scope.expected;
    assert.equal(n, want.length, `${scope.name} ${format.file}: items`);
    const got = items(format, body);
    assert.deepEqual(got.map((x) => new URL(x.link).pathname),
      want.map((a) => decodeURI(new URL(a.url, srv.url).pathname)), `${scope.name} ${format.file}: links`);
    for (let i = 0; i < got.length; i++) {
      assert.equal(Date.parse(got[i].date), Date.parse(want[i].published_at), `${url} item ${i} date`);
      assert.match(got[i].id, new RegExp(`^tag:[^,]+,\\d{4}-\\d\\d-\\d\\d:article:${want[i].id}$`));
      if (format.version === 'rss20') {
        assert.match(got[i].date, /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/);
      } else {
        assert.match(got[i].date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
      }
    }
    if (code === 'ru' && want.length) assert.match(body, /[а-яё]/i, `${url}: Cyrillic`);
  });
});

test('feed metadata: titles, self links, language, full text by default, no enclosure without media', async () => {
  const rss = await (await fetch(`${srv.url}/ru/feed.xml`)).text();
  assert.match(rss, /<language>ru<\/language>/);
  assert.match(rss, new RegExp(`<atom:link rel="self" type="application/rss\\+xml" href="${srv.url}/ru/feed.xml"/>`));
  assert.match(rss, new RegExp(`<link>${srv.url}/ru/</link>`));
  assert.match(rss, /<lastBuildDate>[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}<\/lastBuildDate>/);
  assert.match(rss, /<content:encoded>&lt;p&gt;/, 'full text');
  assert.match(rss, /<dc:creator>[^<]+<\/dc:creator>/);
  assert.doesNotMatch(rss, /<enclosure|<media:content/, 'the demo has no images');
  const atom = await (await fetch(`${srv.url}/atom.xml`)).text();
  assert.match(atom, /<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom" xml:lang="en">/);
  assert.match(atom, new RegExp(`<link rel="self" type="application/atom\\+xml" href="${srv.url}/atom.xml"/>`));
  assert.match(atom, /<updated>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d<\/updated>/);
  assert.match(atom, /<content type="html" xml:base="[^"]+">&lt;p&gt;/);
  const json = await (await fetch(`${srv.url}/rubric/${editions.en.rubrics[0].slug}/feed.json`)).json();
  assert.equal(json.version, 'https://jsonfeed.org/version/1.1');
  assert.equal(json.feed_url, `${srv.url}/rubric/${editions.en.rubrics[0].slug}/feed.json`);
  assert.equal(json.home_page_url, `${srv.url}/rubric/${editions.en.rubrics[0].slug}`);
  assert.equal(json.language, 'en');
  assert.match(json.title, / — /);
  for (const it of json.items) {
    assert.ok(it.content_html.startsWith('<p>'), 'content_html');
    assert.equal(it.image, undefined);
    assert.ok(it.authors.length >= 1 && it.authors[0].url.startsWith(srv.url));
  }
});

test('unknown scopes are 404', async () => {
  for (const p of ['/rubric/no-such-rubric/feed.xml', '/author/nobody/atom.xml', '/tag/no-such-tag/feed.json',
    '/ru/rubric/analytics/feed.xml']) {
    const res = await fetch(`${srv.url}${p}`);
    assert.equal(res.status, 404, p);
    await res.arrayBuffer();
  }
});

test('ETag, Last-Modified and 304, from the page cache and from the handler', async () => {
  for (const format of FORMATS) {
    for (const target of [`/${format.file}`, `/${format.file}?fresh=1`]) {
      const url = `${srv.url}${target}`;
      const a = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(a.status, 200, url);
      const etag = a.headers.get('etag');
      assert.match(etag, /^"[0-9a-f]{20}"$/, `${url}: strong ETag`);
      await a.arrayBuffer();
      const b = await fetch(url, { headers: { 'accept-encoding': 'identity', 'if-none-match': etag } });
      assert.equal(b.status, 304, `${url}: If-None-Match`);
      assert.equal(b.headers.get('etag'), etag);
      const c = await fetch(url, { headers: { 'accept-encoding': 'identity', 'if-none-match': '"nope"' } });
      assert.equal(c.status, 200);
      await c.arrayBuffer();
      if (target.includes('fresh')) {
        // The handler's own reply (the page cache is bypassed): its ETag
        // is the page cache's, and Last-Modified is the newest item's.
        const cached = await fetch(`${srv.url}/${format.file}`, { headers: { 'accept-encoding': 'identity' } });
        assert.equal(cached.headers.get('etag'), etag, 'the same ETag with and without the cache');
        await cached.arrayBuffer();
        const lm = a.headers.get('last-modified');
        assert.match(lm ?? '', /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/, 'Last-Modified');
        const newest = Math.max(...editions.en.articles.slice(0, FEED_ITEMS)
          .map((x) => Math.max(Date.parse(x.updated_at), Date.parse(x.published_at))));
        assert.equal(Date.parse(lm), newest);
        const d = await fetch(url, { headers: { 'accept-encoding': 'identity', 'if-modified-since': lm } });
        assert.equal(d.status, 304, 'If-Modified-Since');
      }
    }
  }
});

test('feed_full_text=0 gives excerpts', async () => {
  sql("INSERT OR REPLACE INTO settings(key, value) VALUES ('feed_full_text', '0');");
  try {
    const rss = await (await fetch(`${srv.url}/feed.xml?fresh=2`)).text();
    assert.doesNotMatch(rss, /<content:encoded>/);
    assert.match(rss, /<description>[^<]{20,}<\/description>/);
    const atom = await (await fetch(`${srv.url}/atom.xml?fresh=2`)).text();
    assert.doesNotMatch(atom, /<content /);
    assert.match(atom, /<summary type="text">/);
    const json = await (await fetch(`${srv.url}/feed.json?fresh=2`)).json();
    for (const it of json.items) {
      assert.equal(it.content_html, undefined);
      assert.ok(it.content_text.length > 20);
    }
    if (HAVE_CHECK_FEED) {
      for (const format of FORMATS) {
        const r = await run(CHECK_FEED, [`${srv.url}/${format.file}?fresh=2`]);
        assert.equal(r.code, 0, r.stdout);
      }
    }
  } finally {
    sql("DELETE FROM settings WHERE key = 'feed_full_text';");
  }
});

test('a lead image becomes an enclosure, media:content and the JSON Feed image', async () => {
  const art = editions.en.articles[0];
  sql(`INSERT INTO media(id, sha256, mime, width, height, bytes, path, alt, caption, credit, created_at)
         VALUES (9001, 'feedtest', 'image/jpeg', 4000, 2250, 2500000, '2026/01/grid.jpg',
                 'Grid control room', 'The control room', 'Photo: A. Example', strftime('%s', 'now'));
       INSERT INTO media_variants(media_id, width, height, format, path, bytes) VALUES
         (9001, 640, 360, 'jpeg', '2026/01/grid-640.jpg', 40000),
         (9001, 1280, 720, 'webp', '2026/01/grid-1280.webp', 90000),
         (9001, 1280, 720, 'jpeg', '2026/01/grid-1280.jpg', 150000),
         (9001, 1920, 1080, 'jpeg', '2026/01/grid-1920.jpg', 300000);
       UPDATE articles SET lead_media_id = 9001 WHERE id = ${art.id};`);
  const img = `${srv.url}/media/2026/01/grid-1280.jpg`;
  const rss = await (await fetch(`${srv.url}/feed.xml?fresh=3`)).text();
  const first = /<item>([\s\S]*?)<\/item>/.exec(rss)[1];
  assert.match(first, new RegExp(`<enclosure url="${img}" length="150000" type="image/jpeg"/>`));
  assert.match(first, new RegExp(`<media:content url="${img}" type="image/jpeg" medium="image" width="1280" height="720">`));
  assert.match(first, /<media:description>Grid control room<\/media:description>/);
  const others = [...rss.matchAll(/<item>([\s\S]*?)<\/item>/g)].slice(1);
  for (const m of others) assert.doesNotMatch(m[1], /<enclosure/);
  const atom = await (await fetch(`${srv.url}/atom.xml?fresh=3`)).text();
  assert.match(atom, new RegExp(`<link rel="enclosure" type="image/jpeg" length="150000" href="${img}"/>`));
  const json = await (await fetch(`${srv.url}/feed.json?fresh=3`)).json();
  assert.equal(json.items[0].image, img);
  assert.equal(json.items[0].attachments[0].mime_type, 'image/jpeg');
  if (HAVE_CHECK_FEED) {
    for (const format of FORMATS) {
      const r = await run(CHECK_FEED, [`${srv.url}/${format.file}?fresh=3`]);
      assert.equal(r.code, 0, r.stdout);
    }
  }
});

test('odd and invalid characters never break a feed', async () => {
  const art = editions.en.articles[1];
  // « » — ё, markup characters, a CDATA end, a C0 control, U+FFFE (not
  // allowed in XML), invalid UTF-8 bytes and U+2028 (a JavaScript line end)
  sql(`UPDATE articles SET
         title = 'Odd « » — ё & <b> "q" ''a'' ]]> ' || char(1) || char(65534) || ' '
                 || CAST(X'C328FF' AS TEXT) || ' end' || char(8232),
         lead = 'Lead <script>alert(1)</script> & ' || char(11) || CAST(X'E282' AS TEXT)
       WHERE id = ${art.id};`);
  for (const format of FORMATS) {
    const url = `${srv.url}/${format.file}?fresh=4`;
    const res = await fetch(url);
    assert.equal(res.status, 200);
    const body = await res.text();
    const n = await checkFeed(url, format, body);
    assert.equal(n, Math.min(FEED_ITEMS, editions.en.articles.length));
    if (format.version === 'json1.1') {
      const d = JSON.parse(body);
      const it = d.items.find((x) => x.id.endsWith(`:article:${art.id}`));
      assert.match(it.title, /^Odd « » — ё & <b> "q" 'a' \]\]> \u0001\uFFFE \uFFFD\(\uFFFD end\u2028$/);
    } else {
      assert.match(body, /Odd « » — ё &amp; &lt;b&gt; &quot;q&quot; &apos;a&apos; \]\]&gt; \uFFFD \uFFFD\(\uFFFD end/);
      assert.doesNotMatch(body, /[\u0001\u000b\uFFFE]/);
      if (HAVE_XMLLINT) {
        const r = await run('xmllint', ['--noout', '-'], body);
        assert.equal(r.code, 0, `xmllint: ${r.stderr}`);
      }
    }
  }
});

test('the sitemap index gives each monthly sitemap the lastmod of its newest change', async () => {
  const all = [...editions.en.articles, ...editions.ru.articles];
  /* "YYYY-MM" (UTC) -> newest published_at/updated_at of the month, ms */
  const newest = new Map();
  for (const a of all) {
    const p = Date.parse(a.published_at);
    const m = a.published_at.slice(0, 7);
    const t = Math.max(p, a.updated_at ? Date.parse(a.updated_at) : 0);
    newest.set(m, Math.max(newest.get(m) ?? 0, t));
  }
  const index = async () => (await (await fetch(`${srv.url}/sitemap.xml?fresh=${Date.now()}`)).text());
  const months = (xml) => {
    const out = new Map();
    for (const m of xml.matchAll(/<sitemap><loc>[^<]*\/sitemaps\/(\d{4}-\d\d)(?:-\d+)?\.xml<\/loc>(<lastmod>([^<]+)<\/lastmod>)?<\/sitemap>/g)) {
      assert.ok(m[3], `${m[1]} has a lastmod`);
      assert.match(m[3], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/, 'W3C datetime with its offset');
      out.set(m[1], Date.parse(m[3]));
    }
    return out;
  };
  const before1 = months(await index());
  assert.equal(before1.size, newest.size, 'one entry per month with articles');
  for (const [m, t] of newest) assert.equal(before1.get(m), t, `${m}: lastmod`);
  // Last-Modified of the index: the newest lastmod
  const res = await fetch(`${srv.url}/sitemap.xml?fresh=lm`);
  await res.arrayBuffer();
  assert.equal(Date.parse(res.headers.get('last-modified')), Math.max(...newest.values()));

  // an edit of an old article moves its month's lastmod, and only that one
  const old = all.reduce((o, a) => (Date.parse(a.published_at) < Date.parse(o.published_at) ? a : o));
  const month = old.published_at.slice(0, 7);
  // newer than anything of its month (it may be this month, whose newest
  // article can be seconds old)
  const edited = Math.max(Math.floor(Date.now() / 1000) - 5, before1.get(month) / 1000 + 1);
  sql(`UPDATE articles SET updated_at = ${edited} WHERE id = ${old.id};`);
  try {
    const after1 = months(await index());
    assert.equal(after1.get(month), edited * 1000, `${month} moved`);
    for (const [m, t] of before1) if (m !== month) assert.equal(after1.get(m), t, `${m} did not`);
    if (HAVE_XMLLINT) {
      const r = await run('xmllint', ['--noout', '-'], await index());
      assert.equal(r.code, 0, r.stderr);
    }
  } finally {
    sql(`UPDATE articles SET updated_at = ${Math.floor(Date.parse(old.updated_at ?? old.published_at) / 1000)} WHERE id = ${old.id};`);
  }
});
