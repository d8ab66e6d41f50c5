/*
 * feed.c - RSS 2.0, Atom 1.0 and JSON Feed 1.1 of each edition, rubric,
 * author and tag.
 *
 *   GET {prefix}/feed.xml | atom.xml | feed.json             the edition
 *   GET {prefix}/rubric/{slug}/feed.xml | atom.xml | feed.json
 *   GET {prefix}/author/{slug}/...   GET {prefix}/tag/{slug}/...
 *
 * The 20 newest visible articles (published and due) of the scope. The
 * site setting feed_full_text (also read as feed.full_text) picks full
 * text ("1", the default: the body HTML, links made absolute) or excerpts
 * ("0": the lead, else the start of the body as plain text). Dates are
 * in the site's time zone: RFC 822 in RSS, RFC 3339 in Atom and JSON
 * Feed. An article's lead image is an RSS enclosure + media:content, an
 * Atom enclosure link, the JSON Feed item image. Item ids are tag URIs
 * (RFC 4151) on the article id, so a renamed slug is not a new item.
 * Replies go through seo_reply: strong ETag, Last-Modified of the newest
 * item, 304, Cache-Control public max-age=300; the page cache keeps them
 * under the feed:<edition> and list:<edition> words (cache.c).
 *
 * Not for: autodiscovery links (seo.c), sitemaps (sitemap.c).
 */
#include "app.h"
#include "http/internal.h"
#include "render/date.h"
#include "render/escape.h"
#include "render/json.h"
#include "render/markdown.h"
#include "util/arena.h"
#include "util/log.h"

#include <string.h>
#include <time.h>

#define FEED_ITEMS   20  /* items in every feed */
#define FEED_EXCERPT 300 /* characters of an excerpt made from a body */

enum feed_format {
	FEED_RSS,
	FEED_ATOM,
	FEED_JSON
};

struct feed_item {
	struct store_article art; /* with body and authors */
	const char *url;          /* absolute permalink */
	const char *id;           /* tag URI */
	const char *summary;      /* plain text: lead or excerpt */
	const char *content;      /* body HTML (full text), else NULL */
	const char *rubric;       /* rubric name or NULL */
	int64_t updated;          /* max(updated_at, publish_at) */
	struct seo_image img;     /* lead image when has_img */
	int has_img;
};

struct feed {
	enum feed_format fmt;
	const struct page_site *site;
	const char *title;
	const char *description; /* may be NULL */
	const char *html_url;    /* absolute URL of the page the feed mirrors */
	const char *self_url;    /* absolute URL of the feed */
	const char *home_url;    /* absolute home of the edition */
	const char *site_name;
	int full; /* 1: full text */
	struct feed_item *items;
	size_t n;
	int64_t updated; /* newest item's updated, else fallback */
};

/* Body HTML with root-relative href/src made absolute against base
 * ("https://example.com"): feed readers show it outside the site. */
static const char *feed_absolute_html(struct http_req *r, const char *html,
				      const char *base)
{
	struct buf b;
	buf_init(&b, r->a);
	const char *p = html;
	/* Each search resumes where its last match was used: searching
	 * both again from every match was quadratic in a long body. */
	const char *h = strstr(p, " href=\"/");
	const char *s = strstr(p, " src=\"/");
	for (;;) {
		const char *m = !h ? s : !s ? h : h < s ? h : s;
		if (!m)
			break;
		size_t attr = m == h ? 7 : 6; /* ` href="` / ` src="` */
		buf_append(&b, p, (size_t)(m - p) + attr);
		if (m[attr + 1] != '/') /* not protocol-relative "//host" */
			buf_puts(&b, base);
		p = m + attr;
		if (h && h < p)
			h = strstr(p, " href=\"/");
		if (s && s < p)
			s = strstr(p, " src=\"/");
	}
	buf_puts(&b, p);
	return b.data;
}

/* Authority for tag URIs: the host of the site's base URL without port;
 * "localhost" when it is not a plain DNS name or IPv4 address. */
static const char *feed_tag_authority(struct http_req *r)
{
	const char *u = page_absolute(r, "/");
	const char *h = strstr(u, "://");
	h = h ? h + 3 : u;
	size_t n = strcspn(h, ":/");
	if (n == 0)
		return "localhost";
	for (size_t i = 0; i < n; i++) {
		char c = h[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return "localhost";
	}
	return arena_strndup(r->a, h, n);
}

/* "tag:example.com,2026-02-11:article:123" (date of creation, UTC). */
static const char *feed_item_id(struct http_req *r, const char *authority,
				const struct store_article *a)
{
	time_t t = (time_t)(a->created_at > 0 ? a->created_at : a->publish_at);
	struct tm tm;
	gmtime_r(&t, &tm);
	return arena_printf(r->a, "tag:%s,%04d-%02d-%02d:article:%lld",
			    authority, tm.tm_year + 1900, tm.tm_mon + 1,
			    tm.tm_mday, (long long)a->id);
}

static const char *feed_date(struct http_req *r, const struct feed *f,
			     int64_t t, int style)
{
	return page_date(r, f->site, t, style);
}

/* Fill f->items from the list (store_article_get for bodies). Returns 0
 * or non-zero after replying 500. */
static int feed_items_load(struct http_req *r, struct feed *f,
			   const struct store_article *list, size_t n)
{
	struct err e = {0};
	const char *authority = feed_tag_authority(r);
	const char *base = page_absolute(r, "");
	f->items = arena_alloc(r->a, (n ? n : 1) * sizeof *f->items);
	f->n = 0;
	for (size_t i = 0; i < n; i++) {
		struct feed_item *it = &f->items[f->n];
		/* A full-text feed's list has the bodies (with_body); else
		 * read the article when it has no lead to show instead. */
		int rc = 0;
		if (f->full || (list[i].lead && list[i].lead[0]))
			it->art = list[i];
		else
			rc = store_article_get(app->store, r->a, list[i].id,
					       &it->art, &e);
		if (rc == ERR_NOTFOUND)
			continue; /* deleted since the list was read */
		if (rc) {
			log_error("req %s: feed item %lld: %s", r->id,
				  (long long)list[i].id, e.msg);
			page_error(r, 500);
			return -1;
		}
		const struct store_article *a = &it->art;
		const struct config_edition *ce =
			config_edition_find(app->cfg, a->edition);
		it->url =
			seo_absolute(r, page_url(r, ce ? ce->prefix : r->prefix,
						 "article", a->slug));
		it->id = feed_item_id(r, authority, a);
		it->updated = a->updated_at > a->publish_at ? a->updated_at :
							      a->publish_at;
		const struct store_rubric *rb =
			page_site_rubric(f->site, a->rubric_id);
		it->rubric = rb ? rb->name : NULL;
		if (a->lead && a->lead[0]) {
			it->summary = a->lead;
		} else {
			struct buf x;
			buf_init(&x, r->a);
			if (a->body_md &&
			    render_md_excerpt(a->body_md, strlen(a->body_md),
					      FEED_EXCERPT, &x, &e) != 0)
				buf_clear(&x);
			it->summary = x.data;
		}
		if (f->full) {
			const char *html = a->body_html;
			if (!html || !html[0]) {
				struct buf x;
				buf_init(&x, r->a);
				if (a->body_md &&
				    render_md_to_html(a->body_md,
						      strlen(a->body_md), &x,
						      &e) != 0)
					buf_clear(&x);
				html = x.data;
			}
			it->content = feed_absolute_html(r, html, base);
		}
		it->has_img =
			seo_image_get(r, a->lead_media_id, 1200, &it->img) == 0;
		if (it->updated > f->updated)
			f->updated = it->updated;
		f->n++;
	}
	return 0;
}

/* ---- RSS 2.0 --------------------------------------------------------- */

static void feed_el(struct buf *b, const char *name, const char *text)
{
	if (!text)
		return;
	buf_putc(b, '<');
	buf_puts(b, name);
	buf_putc(b, '>');
	seo_xml(b, text);
	buf_puts(b, "</");
	buf_puts(b, name);
	buf_puts(b, ">\n");
}

static void feed_rss(struct http_req *r, const struct feed *f)
{
	struct buf *b = &r->out;
	buf_puts(b,
		 "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		 "<rss version=\"2.0\" "
		 "xmlns:atom=\"http://www.w3.org/2005/Atom\" "
		 "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" "
		 "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
		 "xmlns:media=\"http://search.yahoo.com/mrss/\">\n"
		 "<channel>\n");
	feed_el(b, "title", f->title);
	feed_el(b, "link", f->html_url);
	feed_el(b, "description", f->description ? f->description : f->title);
	feed_el(b, "language", r->edition);
	feed_el(b, "lastBuildDate",
		feed_date(r, f, f->updated, RENDER_DATE_RFC822));
	feed_el(b, "generator", "Gazette");
	buf_puts(
		b,
		"<atom:link rel=\"self\" type=\"application/rss+xml\" href=\"");
	seo_xml(b, f->self_url);
	buf_puts(b, "\"/>\n");
	for (size_t i = 0; i < f->n; i++) {
		const struct feed_item *it = &f->items[i];
		const struct store_article *a = &it->art;
		buf_puts(b, "<item>\n");
		feed_el(b, "title", a->title);
		feed_el(b, "link", it->url);
		buf_puts(b, "<guid isPermaLink=\"false\">");
		seo_xml(b, it->id);
		buf_puts(b, "</guid>\n");
		feed_el(b, "pubDate",
			feed_date(r, f, a->publish_at, RENDER_DATE_RFC822));
		for (size_t k = 0; k < a->n_authors; k++) {
			const struct store_author *au =
				page_site_author(f->site, a->author_ids[k]);
			if (au)
				feed_el(b, "dc:creator", au->name);
		}
		feed_el(b, "category", it->rubric);
		for (size_t k = 0; k < a->n_tags; k++)
			feed_el(b, "category", a->tags[k].name);
		feed_el(b, "description", it->summary);
		feed_el(b, "content:encoded", it->content);
		if (it->has_img) {
			buf_puts(b, "<enclosure url=\"");
			seo_xml(b, it->img.url);
			buf_printf(b, "\" length=\"%lld\" type=\"%s\"/>\n",
				   (long long)it->img.bytes, it->img.type);
			buf_puts(b, "<media:content url=\"");
			seo_xml(b, it->img.url);
			buf_printf(b,
				   "\" type=\"%s\" medium=\"image\" "
				   "width=\"%d\" height=\"%d\">",
				   it->img.type, it->img.width, it->img.height);
			if (it->img.alt[0])
				feed_el(b, "media:description", it->img.alt);
			if (it->img.credit[0])
				feed_el(b, "media:credit", it->img.credit);
			buf_puts(b, "</media:content>\n");
		}
		buf_puts(b, "</item>\n");
	}
	buf_puts(b, "</channel>\n</rss>\n");
}

/* ---- Atom 1.0 (RFC 4287) -------------------------------------------- */

static void feed_link(struct buf *b, const char *rel, const char *type,
		      const char *href)
{
	buf_printf(b, "<link rel=\"%s\" type=\"%s\" href=\"", rel, type);
	seo_xml(b, href);
	buf_puts(b, "\"/>\n");
}

static void feed_atom(struct http_req *r, const struct feed *f)
{
	struct buf *b = &r->out;
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"");
	seo_xml(b, r->edition);
	buf_puts(b, "\">\n");
	feed_el(b, "id", f->self_url);
	feed_el(b, "title", f->title);
	if (f->description)
		feed_el(b, "subtitle", f->description);
	feed_link(b, "alternate", "text/html", f->html_url);
	feed_link(b, "self", "application/atom+xml", f->self_url);
	feed_el(b, "updated", feed_date(r, f, f->updated, RENDER_DATE_ISO));
	/* Entries without authors take the feed's (RFC 4287 4.1.1). */
	buf_puts(b, "<author>");
	feed_el(b, "name", f->site_name);
	feed_el(b, "uri", f->home_url);
	buf_puts(b, "</author>\n");
	feed_el(b, "generator", "Gazette");
	for (size_t i = 0; i < f->n; i++) {
		const struct feed_item *it = &f->items[i];
		const struct store_article *a = &it->art;
		buf_puts(b, "<entry>\n");
		feed_el(b, "id", it->id);
		feed_el(b, "title", a->title);
		feed_link(b, "alternate", "text/html", it->url);
		feed_el(b, "published",
			feed_date(r, f, a->publish_at, RENDER_DATE_ISO));
		feed_el(b, "updated",
			feed_date(r, f, it->updated, RENDER_DATE_ISO));
		for (size_t k = 0; k < a->n_authors; k++) {
			const struct store_author *au =
				page_site_author(f->site, a->author_ids[k]);
			if (!au)
				continue;
			buf_puts(b, "<author>");
			feed_el(b, "name", au->name);
			feed_el(b, "uri",
				seo_absolute(r, page_url(r, r->prefix, "author",
							 au->slug)));
			buf_puts(b, "</author>\n");
		}
		if (it->rubric) {
			buf_puts(b, "<category term=\"");
			seo_xml(b, it->rubric);
			buf_puts(b, "\"/>\n");
		}
		for (size_t k = 0; k < a->n_tags; k++) {
			buf_puts(b, "<category term=\"");
			seo_xml(b, a->tags[k].name);
			buf_puts(b, "\"/>\n");
		}
		if (it->summary && it->summary[0]) {
			buf_puts(b, "<summary type=\"text\">");
			seo_xml(b, it->summary);
			buf_puts(b, "</summary>\n");
		}
		if (it->content) {
			buf_puts(b, "<content type=\"html\" xml:base=\"");
			seo_xml(b, f->home_url);
			buf_puts(b, "\">");
			seo_xml(b, it->content);
			buf_puts(b, "</content>\n");
		}
		if (it->has_img) {
			buf_printf(b,
				   "<link rel=\"enclosure\" type=\"%s\" "
				   "length=\"%lld\" href=\"",
				   it->img.type, (long long)it->img.bytes);
			seo_xml(b, it->img.url);
			buf_puts(b, "\"/>\n");
		}
		buf_puts(b, "</entry>\n");
	}
	buf_puts(b, "</feed>\n");
}

/* ---- JSON Feed 1.1 --------------------------------------------------- */

static void feed_json(struct http_req *r, const struct feed *f)
{
	struct render_json j;
	render_json_init(&j, &r->out);
	render_json_obj_begin(&j, NULL);
	render_json_str(&j, "version", "https://jsonfeed.org/version/1.1");
	render_json_str(&j, "title", f->title);
	render_json_str(&j, "home_page_url", f->html_url);
	render_json_str(&j, "feed_url", f->self_url);
	if (f->description)
		render_json_str(&j, "description", f->description);
	render_json_str(&j, "language", r->edition);
	render_json_arr_begin(&j, "authors");
	render_json_obj_begin(&j, NULL);
	render_json_str(&j, "name", f->site_name);
	render_json_str(&j, "url", f->home_url);
	render_json_obj_end(&j);
	render_json_arr_end(&j);
	render_json_arr_begin(&j, "items");
	for (size_t i = 0; i < f->n; i++) {
		const struct feed_item *it = &f->items[i];
		const struct store_article *a = &it->art;
		render_json_obj_begin(&j, NULL);
		render_json_str(&j, "id", it->id);
		render_json_str(&j, "url", it->url);
		render_json_str(&j, "title", a->title);
		if (it->content)
			render_json_str(&j, "content_html", it->content);
		else
			render_json_str(&j, "content_text", it->summary);
		if (it->summary && it->summary[0])
			render_json_str(&j, "summary", it->summary);
		if (it->has_img)
			render_json_str(&j, "image", it->img.url);
		render_json_str(&j, "date_published",
				feed_date(r, f, a->publish_at,
					  RENDER_DATE_ISO));
		render_json_str(&j, "date_modified",
				feed_date(r, f, it->updated, RENDER_DATE_ISO));
		render_json_arr_begin(&j, "authors");
		for (size_t k = 0; k < a->n_authors; k++) {
			const struct store_author *au =
				page_site_author(f->site, a->author_ids[k]);
			if (!au)
				continue;
			render_json_obj_begin(&j, NULL);
			render_json_str(&j, "name", au->name);
			render_json_str(&j, "url",
					seo_absolute(r, page_url(r, r->prefix,
								 "author",
								 au->slug)));
			render_json_obj_end(&j);
		}
		render_json_arr_end(&j);
		render_json_arr_begin(&j, "tags");
		if (it->rubric)
			render_json_str(&j, NULL, it->rubric);
		for (size_t k = 0; k < a->n_tags; k++)
			render_json_str(&j, NULL, a->tags[k].name);
		render_json_arr_end(&j);
		render_json_str(&j, "language", a->edition);
		if (it->has_img) {
			render_json_arr_begin(&j, "attachments");
			render_json_obj_begin(&j, NULL);
			render_json_str(&j, "url", it->img.url);
			render_json_str(&j, "mime_type", it->img.type);
			if (it->img.bytes > 0)
				render_json_int(&j, "size_in_bytes",
						it->img.bytes);
			render_json_obj_end(&j);
			render_json_arr_end(&j);
		}
		render_json_obj_end(&j);
	}
	render_json_arr_end(&j);
	render_json_obj_end(&j);
	buf_putc(&r->out, '\n');
}

/* ---- the handler ----------------------------------------------------- */

/* 1 when the feed_full_text setting (default on) asks for full text. */
static int feed_full_text(const struct page_site *site)
{
	const char *v = page_setting(site, "feed_full_text", NULL);
	if (!v)
		v = page_setting(site, "feed.full_text", NULL);
	return !v || !(v[0] == '0' || !strcmp(v, "off") ||
		       !strcmp(v, "false") || !strcmp(v, "no"));
}

int page_feed(struct http_req *r)
{
	const char *rest = r->rest ? r->rest : r->path;
	const char *file = strrchr(rest, '/');
	file = file ? file + 1 : rest;
	struct feed f = {0};
	if (!strcmp(file, "feed.xml"))
		f.fmt = FEED_RSS;
	else if (!strcmp(file, "atom.xml"))
		f.fmt = FEED_ATOM;
	else if (!strcmp(file, "feed.json"))
		f.fmt = FEED_JSON;
	else
		return page_error(r, 404);

	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	f.site = &site;
	f.site_name = page_setting(&site, "name", r->edition);
	if (!f.site_name)
		f.site_name = "Gazette";
	f.home_url = page_absolute(r, arena_printf(r->a, "%s/", r->prefix));
	f.self_url = page_absolute(r, r->path);
	f.full = feed_full_text(&site);
	const char *tagline = page_setting(&site, "tagline", r->edition);

	int64_t now = (int64_t)time(NULL);
	struct store_article_filter flt = {
		.edition = r->edition,
		.status = STORE_STATUS_PUBLISHED,
		.not_after = now,
		.limit = FEED_ITEMS,
	};
	flt.with_body = f.full;
	struct err e = {0};
	const char *slug = http_param_get(r, "slug");
	int rc = 0;
	if (!slug) {
		f.title = f.site_name;
		f.description = tagline;
		f.html_url = f.home_url;
	} else if (!strncmp(rest, "/rubric/", 8)) {
		struct store_rubric rb;
		rc = store_rubric_by_slug(app->store, r->a, r->edition, slug,
					  &rb, &e);
		if (rc == 0) {
			flt.rubric_id = rb.id;
			f.title = arena_printf(r->a, "%s — %s", f.site_name,
					       rb.name);
			f.description = rb.description && rb.description[0] ?
						rb.description :
						tagline;
			f.html_url = seo_absolute(
				r, page_url(r, r->prefix, "rubric", rb.slug));
		}
	} else if (!strncmp(rest, "/author/", 8)) {
		struct store_author au;
		rc = store_author_by_slug(app->store, r->a, slug, r->edition,
					  &au, &e);
		if (rc == 0) {
			flt.author_id = au.id;
			f.title = arena_printf(r->a, "%s — %s", f.site_name,
					       au.name);
			f.description = au.bio && au.bio[0] ? au.bio : tagline;
			f.html_url = seo_absolute(
				r, page_url(r, r->prefix, "author", au.slug));
		}
	} else if (!strncmp(rest, "/tag/", 5)) {
		struct store_tag tag;
		rc = store_tag_by_slug(app->store, r->a, r->edition, slug, &tag,
				       &e);
		if (rc == 0) {
			flt.tag_id = tag.id;
			f.title = arena_printf(r->a, "%s — #%s", f.site_name,
					       tag.name);
			f.description = tagline;
			f.html_url = seo_absolute(r, page_url(r, r->prefix,
							      "tag", tag.slug));
		}
	} else {
		rc = ERR_NOTFOUND;
	}
	if (rc == ERR_NOTFOUND)
		return page_error(r, 404);
	if (rc) {
		log_error("req %s: feed %s: %s", r->id, r->path, e.msg);
		return page_error(r, 500);
	}

	struct store_article *list;
	size_t n;
	if (store_article_list(app->store, r->a, &flt, &list, &n, NULL, &e)) {
		log_error("req %s: feed %s: %s", r->id, r->path, e.msg);
		return page_error(r, 500);
	}
	if (feed_items_load(r, &f, list, n))
		return 0;
	if (f.n == 0) {
		/* An empty feed still needs a stable date: the edition's
		 * newest article, else the epoch. */
		struct store_article_filter ed = {
			.edition = r->edition,
			.status = STORE_STATUS_PUBLISHED,
			.not_after = now,
			.limit = 1,
		};
		if (store_article_list(app->store, r->a, &ed, &list, &n, NULL,
				       &e) == 0 &&
		    n == 1)
			f.updated = list[0].updated_at > list[0].publish_at ?
					    list[0].updated_at :
					    list[0].publish_at;
	}

	buf_clear(&r->out);
	switch (f.fmt) {
	case FEED_RSS:
		feed_rss(r, &f);
		seo_reply(r, "application/rss+xml; charset=utf-8", f.updated);
		break;
	case FEED_ATOM:
		feed_atom(r, &f);
		seo_reply(r, "application/atom+xml; charset=utf-8", f.updated);
		break;
	case FEED_JSON:
		feed_json(r, &f);
		seo_reply(r, "application/feed+json; charset=utf-8", f.updated);
		break;
	}
	return 0;
}
