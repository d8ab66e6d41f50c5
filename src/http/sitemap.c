/*
 * sitemap.c - sitemaps and robots.txt, for the whole site (every edition).
 *
 *   GET /sitemap.xml             sitemap index: /sitemaps/pages.xml and
 *                                one sitemap per month with articles,
 *                                each with the lastmod of its newest
 *                                publish or edit
 *   GET /sitemaps/pages.xml      each edition's home, rubrics and authors,
 *                                with hreflang (xhtml:link) alternates
 *   GET /sitemaps/YYYY-MM.xml    the articles published that month (UTC),
 *                                at most 50,000 URLs; a bigger month goes
 *                                on in YYYY-MM-2.xml, YYYY-MM-3.xml...;
 *                                lastmod, and image:image for a lead image
 *   GET /sitemap-news.xml        Google News: articles of the last 48
 *                                hours, at most 1,000, with the
 *                                publication name and language of their
 *                                edition
 *   GET /robots.txt              default rules, the "robots.txt" setting's
 *                                extra lines, and the Sitemap: lines
 *
 * Only visible articles (published and due). URLs are absolute (base_url,
 * else the Host the client used). Replies go through seo_reply (strong
 * ETag, Last-Modified, 304, max-age=300); the page cache keeps them under
 * list:<edition> of every edition, so any article change drops them.
 *
 * Not for: feeds (feed.c), the <head> of pages (seo.c).
 */
#include "app.h"
#include "http/internal.h"
#include "render/date.h"
#include "util/arena.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SITEMAP_MAX_URLS   50000 /* per sitemap file (sitemaps.org) */
#define SITEMAP_NEWS_MAX   1000  /* per news sitemap (Google News) */
#define SITEMAP_NEWS_AGE   (48 * 3600)
#define SITEMAP_BATCH      500  /* rows per store_article_list call */
#define SITEMAP_MAX_MONTHS 1200 /* months listed at most (100 years) */

#define SITEMAP_XMLNS "http://www.sitemaps.org/schemas/sitemap/0.9"

static const char sitemap_xml_decl[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
static const char sitemap_type[] = "application/xml; charset=utf-8";

/* Cached sitemaps show every edition: let a change in any drop them. */
static void sitemap_tag_editions(struct http_req *r)
{
	for (int k = 0; k < app->cfg->n_editions; k++)
		http_cache_tag(r, "list:%s", app->cfg->editions[k].code);
}

static const char *sitemap_prefix(const char *edition)
{
	const struct config_edition *ce =
		config_edition_find(app->cfg, edition);
	return ce ? ce->prefix : "";
}

static int64_t sitemap_modified(const struct store_article *a)
{
	return a->updated_at > a->publish_at ? a->updated_at : a->publish_at;
}

/* Unix time of the first second of month m (1..12, may be 13) of y, UTC. */
static int64_t sitemap_month_start(int y, int m)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = 1;
	return (int64_t)timegm(&tm);
}

static void sitemap_ym(int64_t t, int *y, int *m)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
}

static void sitemap_loc(struct buf *b, const char *url)
{
	buf_puts(b, "<loc>");
	seo_xml(b, url);
	buf_puts(b, "</loc>");
}

/* ---- index -------------------------------------------------------------- */

struct sitemap_month {
	int y, m;
	size_t count;     /* visible articles published that month */
	int64_t modified; /* newest publish_at/updated_at among them */
};

/* Months from the oldest visible article's to the newest's that have
 * any, oldest first. 0, or ERR_DB with e set. */
static int sitemap_months(struct http_req *r, int64_t now,
			  struct sitemap_month **out, size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	struct store_article_filter f = {
		.status = STORE_STATUS_PUBLISHED,
		.not_after = now,
		.limit = 1,
	};
	struct store_article *a;
	size_t got, total;
	int rc = store_article_list(app->store, r->a, &f, &a, &got, &total, e);
	if (rc || got == 0)
		return rc;
	int ny, nm, oy, om;
	sitemap_ym(a[0].publish_at, &ny, &nm);
	f.offset = total - 1;
	rc = store_article_list(app->store, r->a, &f, &a, &got, NULL, e);
	if (rc)
		return rc;
	if (got == 0) { /* an article went away in between */
		oy = ny;
		om = nm;
	} else {
		sitemap_ym(a[0].publish_at, &oy, &om);
	}
	long span = (long)(ny - oy) * 12 + (nm - om) + 1;
	if (span > SITEMAP_MAX_MONTHS) { /* keep the newest ones */
		long skip = span - SITEMAP_MAX_MONTHS;
		oy += (int)((om - 1 + skip) / 12);
		om = (int)((om - 1 + skip) % 12) + 1;
		span = SITEMAP_MAX_MONTHS;
	}
	*out = arena_alloc(r->a, (size_t)span * sizeof **out);
	int y = oy, m = om;
	for (long i = 0; i < span; i++) {
		struct store_article_filter mf = {
			.status = STORE_STATUS_PUBLISHED,
			.not_after = now,
			.published_after = sitemap_month_start(y, m),
			.published_before = sitemap_month_start(y, m + 1),
		};
		size_t count;
		int64_t modified;
		rc = store_article_span(app->store, r->a, &mf, &count,
					&modified, e);
		if (rc)
			return rc;
		if (count) {
			struct sitemap_month *sm = &(*out)[(*n)++];
			sm->y = y;
			sm->m = m;
			sm->count = count;
			sm->modified = modified;
		}
		if (++m == 13) {
			m = 1;
			y++;
		}
	}
	return 0;
}

int page_sitemap_index(struct http_req *r)
{
	struct err e = {0};
	int64_t now = (int64_t)time(NULL);
	struct sitemap_month *months;
	size_t n;
	if (sitemap_months(r, now, &months, &n, &e)) {
		log_error("req %s: sitemap index: %s", r->id, e.msg);
		http_reply_error(r, 500, "storage error");
		return 0;
	}
	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	/* Last-Modified: the newest <lastmod> (an arrival or an edit is
	 * what changes the index). */
	int64_t mtime = 0;
	for (size_t i = 0; i < n; i++)
		if (months[i].modified > mtime)
			mtime = months[i].modified;

	struct buf *b = &r->out;
	buf_clear(b);
	buf_puts(b, sitemap_xml_decl);
	buf_puts(b, "<sitemapindex xmlns=\"" SITEMAP_XMLNS "\">\n");
	buf_puts(b, "<sitemap>");
	sitemap_loc(b, page_absolute(r, "/sitemaps/pages.xml"));
	buf_puts(b, "</sitemap>\n");
	/* Newest month first: what crawlers should read first. */
	for (size_t i = n; i-- > 0;) {
		size_t parts = (months[i].count + SITEMAP_MAX_URLS - 1) /
			       SITEMAP_MAX_URLS;
		for (size_t p = 1; p <= parts; p++) {
			char name[48];
			if (p == 1)
				snprintf(name, sizeof name,
					 "/sitemaps/%04d-%02d.xml", months[i].y,
					 months[i].m);
			else
				snprintf(name, sizeof name,
					 "/sitemaps/%04d-%02d-%zu.xml",
					 months[i].y, months[i].m, p);
			buf_puts(b, "<sitemap>");
			sitemap_loc(b, page_absolute(r, name));
			/* Every part of a month gets the month's lastmod:
			 * an edit of any of its articles may be in it. */
			buf_puts(b, "<lastmod>");
			render_date_format(b, months[i].modified, site.tz, NULL,
					   RENDER_DATE_ISO);
			buf_puts(b, "</lastmod></sitemap>\n");
		}
	}
	buf_puts(b, "</sitemapindex>\n");
	sitemap_tag_editions(r);
	seo_reply(r, sitemap_type, mtime);
	return 0;
}

/* ---- pages: homes, rubrics, authors ----------------------------------- */

struct sitemap_link {
	const char *edition;
	int64_t id;      /* rubric or author id; 0 for homes */
	const char *url; /* absolute */
};

/* <url> for links[i] with an xhtml:link to each link of the same id
 * (itself included) when there is more than one. */
static void sitemap_page_url(struct buf *b, const struct sitemap_link *links,
			     size_t n, size_t i)
{
	buf_puts(b, "<url>");
	sitemap_loc(b, links[i].url);
	size_t same = 0;
	for (size_t k = 0; k < n; k++)
		same += links[k].id == links[i].id;
	if (same > 1) {
		for (size_t k = 0; k < n; k++) {
			if (links[k].id != links[i].id)
				continue;
			buf_puts(b,
				 "\n<xhtml:link rel=\"alternate\" hreflang=\"");
			seo_xml(b, links[k].edition);
			buf_puts(b, "\" href=\"");
			seo_xml(b, links[k].url);
			buf_puts(b, "\"/>");
		}
	}
	buf_puts(b, "</url>\n");
}

static int sitemap_pages(struct http_req *r)
{
	struct err e = {0};
	int ne = app->cfg->n_editions;
	struct store_rubric *rubrics[CONFIG_MAX_EDITIONS];
	struct store_author *authors[CONFIG_MAX_EDITIONS];
	size_t nr[CONFIG_MAX_EDITIONS], na[CONFIG_MAX_EDITIONS];
	size_t total = (size_t)ne;
	for (int k = 0; k < ne; k++) {
		const char *code = app->cfg->editions[k].code;
		if (store_rubric_list(app->store, r->a, code, &rubrics[k],
				      &nr[k], &e) ||
		    store_author_list(app->store, r->a, code, &authors[k],
				      &na[k], &e)) {
			log_error("req %s: sitemap pages: %s", r->id, e.msg);
			http_reply_error(r, 500, "storage error");
			return 0;
		}
		total += nr[k] + na[k];
	}
	struct sitemap_link *links = arena_alloc(r->a, total * sizeof *links);
	size_t homes = 0, nrub = 0, nlinks;
	for (int k = 0; k < ne; k++) {
		const struct config_edition *ce = &app->cfg->editions[k];
		links[homes].edition = ce->code;
		links[homes].id = 0;
		links[homes].url =
			page_absolute(r, arena_printf(r->a, "%s/", ce->prefix));
		homes++;
	}
	nlinks = homes;
	for (int k = 0; k < ne; k++)
		for (size_t i = 0; i < nr[k]; i++, nrub++) {
			struct sitemap_link *l = &links[nlinks++];
			l->edition = app->cfg->editions[k].code;
			l->id = rubrics[k][i].id;
			l->url = seo_absolute(
				r, page_url(r, app->cfg->editions[k].prefix,
					    "rubric", rubrics[k][i].slug));
		}
	size_t first_author = nlinks;
	for (int k = 0; k < ne; k++)
		for (size_t i = 0; i < na[k]; i++) {
			struct sitemap_link *l = &links[nlinks++];
			l->edition = app->cfg->editions[k].code;
			l->id = authors[k][i].id;
			l->url = seo_absolute(
				r, page_url(r, app->cfg->editions[k].prefix,
					    "author", authors[k][i].slug));
		}

	struct buf *b = &r->out;
	buf_clear(b);
	buf_puts(b, sitemap_xml_decl);
	buf_puts(b, "<urlset xmlns=\"" SITEMAP_XMLNS "\" "
		    "xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n");
	/* Alternates are looked for among links of the same kind only. */
	for (size_t i = 0; i < homes; i++)
		sitemap_page_url(b, links, homes, i);
	for (size_t i = 0; i < nrub; i++)
		sitemap_page_url(b, links + homes, nrub, i);
	for (size_t i = 0; i < nlinks - first_author; i++)
		sitemap_page_url(b, links + first_author, nlinks - first_author,
				 i);
	buf_puts(b, "</urlset>\n");
	sitemap_tag_editions(r);
	seo_reply(r, sitemap_type, 0);
	return 0;
}

/* ---- monthly article sitemaps ------------------------------------------ */

/* "YYYY-MM.xml" or "YYYY-MM-N.xml" (N >= 2). 0 when it parses. */
static int sitemap_parse_month(const char *s, int *y, int *m, long *part)
{
	if (strlen(s) < 11)
		return -1;
	for (int i = 0; i < 7; i++)
		if (i == 4 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return -1;
	*y = atoi(s);
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	if (*y < 1970 || *y > 9999 || *m < 1 || *m > 12)
		return -1;
	*part = 1;
	const char *p = s + 7;
	if (*p == '-') {
		p++;
		if (*p < '1' || *p > '9')
			return -1;
		char *end;
		*part = strtol(p, &end, 10);
		if (*part < 2 || *part > 100000)
			return -1;
		p = end;
	}
	return strcmp(p, ".xml") ? -1 : 0;
}

static int sitemap_month(struct http_req *r, int y, int mo, long part)
{
	struct err e = {0};
	int64_t now = (int64_t)time(NULL);
	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	struct store_article_filter f = {
		.status = STORE_STATUS_PUBLISHED,
		.not_after = now,
		.published_after = sitemap_month_start(y, mo),
		.published_before = sitemap_month_start(y, mo + 1),
		.offset = (size_t)(part - 1) * SITEMAP_MAX_URLS,
		.limit = SITEMAP_BATCH,
	};
	struct buf *b = &r->out;
	buf_clear(b);
	buf_puts(b, sitemap_xml_decl);
	buf_puts(
		b,
		"<urlset xmlns=\"" SITEMAP_XMLNS "\" "
		"xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\">\n");
	size_t urls = 0;
	int64_t mtime = 0;
	while (urls < SITEMAP_MAX_URLS) {
		struct store_article *a;
		size_t n;
		if (SITEMAP_MAX_URLS - urls < f.limit)
			f.limit = SITEMAP_MAX_URLS - urls;
		if (store_article_list(app->store, r->a, &f, &a, &n, NULL,
				       &e)) {
			log_error("req %s: sitemap %04d-%02d: %s", r->id, y, mo,
				  e.msg);
			http_reply_error(r, 500, "storage error");
			return 0;
		}
		for (size_t i = 0; i < n; i++) {
			int64_t mod = sitemap_modified(&a[i]);
			if (mod > mtime)
				mtime = mod;
			buf_puts(b, "<url>");
			sitemap_loc(b,
				    seo_absolute(
					    r, page_url(r,
							sitemap_prefix(
								a[i].edition),
							"article", a[i].slug)));
			buf_puts(b, "<lastmod>");
			render_date_format(b, mod, site.tz, NULL,
					   RENDER_DATE_ISO);
			buf_puts(b, "</lastmod>");
			struct seo_image img;
			if (a[i].lead_media_id &&
			    seo_image_get(r, a[i].lead_media_id, 1200, &img) ==
				    0) {
				buf_puts(b, "<image:image><image:loc>");
				seo_xml(b, img.url);
				buf_puts(b, "</image:loc></image:image>");
			}
			buf_puts(b, "</url>\n");
		}
		urls += n;
		f.offset += n;
		if (n < f.limit)
			break;
	}
	if (urls == 0) {
		buf_clear(b);
		http_reply_error(r, 404, "no such sitemap");
		return 0;
	}
	buf_puts(b, "</urlset>\n");
	sitemap_tag_editions(r);
	seo_reply(r, sitemap_type, mtime);
	return 0;
}

int page_sitemap_file(struct http_req *r)
{
	const char *file = http_param_get(r, "file");
	int y, m;
	long part;
	if (file && !strcmp(file, "pages.xml"))
		return sitemap_pages(r);
	if (!file || sitemap_parse_month(file, &y, &m, &part) != 0) {
		http_reply_error(r, 404, "no such sitemap");
		return 0;
	}
	return sitemap_month(r, y, m, part);
}

/* ---- Google News ---------------------------------------------------------- */

/* Google News wants ISO 639 codes, but zh-cn and zh-tw as they are. */
static const char *sitemap_news_lang(struct http_req *r, const char *edition)
{
	if (!strncmp(edition, "zh-", 3))
		return edition;
	return arena_strndup(r->a, edition, strcspn(edition, "-_"));
}

int page_sitemap_news(struct http_req *r)
{
	struct err e = {0};
	int64_t now = (int64_t)time(NULL);
	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	struct store_article_filter f = {
		.status = STORE_STATUS_PUBLISHED,
		.not_after = now,
		.published_after = now - SITEMAP_NEWS_AGE,
		.limit = SITEMAP_BATCH,
	};
	struct buf *b = &r->out;
	buf_clear(b);
	buf_puts(b, sitemap_xml_decl);
	buf_puts(
		b,
		"<urlset xmlns=\"" SITEMAP_XMLNS "\" "
		"xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n");
	int64_t mtime = 0;
	for (size_t urls = 0; urls < SITEMAP_NEWS_MAX;) {
		struct store_article *a;
		size_t n;
		if (store_article_list(app->store, r->a, &f, &a, &n, NULL,
				       &e)) {
			log_error("req %s: news sitemap: %s", r->id, e.msg);
			http_reply_error(r, 500, "storage error");
			return 0;
		}
		for (size_t i = 0; i < n && urls < SITEMAP_NEWS_MAX;
		     i++, urls++) {
			int64_t mod = sitemap_modified(&a[i]);
			if (mod > mtime)
				mtime = mod;
			const char *name =
				page_setting(&site, "name", a[i].edition);
			buf_puts(b, "<url>");
			sitemap_loc(b,
				    seo_absolute(
					    r, page_url(r,
							sitemap_prefix(
								a[i].edition),
							"article", a[i].slug)));
			buf_puts(b,
				 "\n<news:news><news:publication><news:name>");
			seo_xml(b, name ? name : "Gazette");
			buf_puts(b, "</news:name><news:language>");
			seo_xml(b, sitemap_news_lang(r, a[i].edition));
			buf_puts(b, "</news:language></news:publication>"
				    "<news:publication_date>");
			render_date_format(b, a[i].publish_at, site.tz, NULL,
					   RENDER_DATE_ISO);
			buf_puts(b, "</news:publication_date><news:title>");
			seo_xml(b, a[i].title);
			buf_puts(b, "</news:title></news:news></url>\n");
		}
		f.offset += n;
		if (n < f.limit)
			break;
	}
	buf_puts(b, "</urlset>\n");
	sitemap_tag_editions(r);
	seo_reply(r, sitemap_type, mtime);
	return 0;
}

/* ---- robots.txt ------------------------------------------------------------ */

int page_robots(struct http_req *r)
{
	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	struct buf *b = &r->out;
	buf_clear(b);
	buf_puts(b, "User-agent: *\n"
		    "Disallow: /newsroom\n"
		    "Disallow: /api/\n");
	/* Search results are endless near-duplicates of the lists. */
	for (int k = 0; k < app->cfg->n_editions; k++)
		buf_printf(b, "Disallow: %s/search\n",
			   app->cfg->editions[k].prefix);
	/* Extra lines from the settings, one directive a line; control
	 * characters (a stray CR, NUL) are dropped. */
	const char *extra = page_setting(&site, "robots.txt", NULL);
	if (extra) {
		for (const unsigned char *p = (const unsigned char *)extra; *p;
		     p++)
			if (*p >= 0x20 || *p == '\t' || *p == '\n')
				buf_putc(b, (char)*p);
		if (b->data[b->len - 1] != '\n')
			buf_putc(b, '\n');
	}
	buf_printf(b, "\nSitemap: %s\nSitemap: %s\n",
		   page_absolute(r, "/sitemap.xml"),
		   page_absolute(r, "/sitemap-news.xml"));
	seo_reply(r, "text/plain; charset=utf-8", 0);
	return 0;
}
