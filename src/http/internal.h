/*
 * internal.h - what the page handlers of src/http share: the page context
 * every template gets, URLs, cards, rendering and error pages.
 *
 * Private to src/http (other modules use http.h). Everything returned is
 * request-arena memory unless said otherwise.
 */
#ifndef GAZETTE_HTTP_INTERNAL_H
#define GAZETTE_HTTP_INTERNAL_H

#include "http/http.h"
#include "render/value.h"
#include "store/store.h"

struct http_pages;

/* Site data every page needs, loaded once per request. */
struct page_site {
	struct store_setting *settings; /* all site settings */
	size_t n_settings;
	struct store_rubric *rubrics;   /* rubrics of the edition */
	size_t n_rubrics;
	struct store_author *authors;   /* authors, names in the edition */
	size_t n_authors;
	const char *tz;                 /* IANA zone for dates */
	const struct page_chrome *chrome; /* the shared snapshot the above
					   * point into (page_site_load), or
					   * NULL when filled by hand */
};

/* Load templates and locales (embedded theme, overridden by theme_dir)
 * and compile every page template so that a broken theme fails at
 * start-up. Caller frees with http_pages_free. */
int http_pages_load(const char *theme_dir, const struct config *cfg,
		    struct http_pages **out, struct err *e);
void http_pages_free(struct http_pages *p);

/* Load r's edition's site data into *site. Replies 500 and returns
 * non-zero on a storage error. The data (settings, rubrics, authors, the
 * live banner) is a snapshot shared by every request of the edition,
 * read again once the store generation moves (any write): exact on the
 * next request after a change. Held until page_site_release; read-only. */
int page_site_load(struct http_req *r, struct page_site *site);

/* Give back the site data snapshot page_site_load held for r (the server
 * calls it once the reply is sent). No-op when none. */
void page_site_release(struct http_req *r);

/* Setting `key` ("social.telegram"), or for an edition-specific key the
 * value of "key.<edition>" ("name" -> "name.ru"); NULL when unset/empty. */
const char *page_setting(const struct page_site *site, const char *key,
			 const char *edition);

/* The page context: lang, edition, editions[], t, assets, site, nav, live,
 * page{title, description, canonical, type}, home_url, search_url.
 * `translations` (may be NULL) maps other editions to this page's
 * translation URL for the language switch. */
struct render_val *page_context(struct http_req *r, const struct page_site *site,
				const char *type, const char *title,
				const char *description, const char *path);

/* Set the language-switch URL of edition `code` to url (default: that
 * edition's home). */
void page_context_translation(struct render_val *ctx, const char *code,
			      const char *url);

/* Render template `name` with ctx into r->out and reply with status.
 * A template error is logged and answered with a plain 500. */
int page_render(struct http_req *r, int status, const char *name,
		struct render_val *ctx);

/* Localized error page (404, 410, 500) for r's edition. */
int page_error(struct http_req *r, int status);

/* URLs below an edition prefix: "/ru/article/slug". Absolute when
 * base_url is set (canonical), else root-relative. */
const char *page_url(struct http_req *r, const char *prefix, const char *kind,
		     const char *slug);
/* Absolute URL of a path for canonical links: base_url, else the Host
 * header the reader used. */
const char *page_absolute(struct http_req *r, const char *path);

/* A card for article art (see theme/README.md). */
struct render_val *page_card(struct http_req *r, const struct page_site *site,
			     const struct store_article *art);

/* Localized date of t in style (render/date.h) as an arena string. */
const char *page_date(struct http_req *r, const struct page_site *site,
		      int64_t t, int style);

/* Localized string of r's edition; the key itself when missing. */
const char *page_t(struct http_req *r, const char *key);

/* Lookup helpers over the site data. */
const struct store_rubric *page_site_rubric(const struct page_site *site,
				       int64_t id);
const struct store_author *page_site_author(const struct page_site *site,
				       int64_t id);
/* store_rubric_get from edition's site data snapshot, at the generation
 * r's page_site_load saw (so no query while it is current); a query when
 * page_site_load has not run. Arena copies. 0, ERR_NOTFOUND or ERR_DB. */
int page_site_rubric_in(struct http_req *r, const char *edition, int64_t id,
			struct store_rubric *out, struct err *e);

/* Page number from ?page= (1 when absent); -1 after replying 404 for a
 * bad value. */
long page_number(struct http_req *r);

/* Add a pager object to ctx for `total` items of `per` a page, with links
 * to base_path?page=N. */
void page_pager(struct http_req *r, struct render_val *ctx, long page,
		size_t total, size_t per, const char *base_path);

/* ---- distribution: SEO head, feeds, sitemaps (seo.c, feed.c,
 * sitemap.c) ---------------------------------------------------------- */

/* An image of a media item, as feeds, sitemaps and page markup name it. */
struct seo_image {
	const char *url;     /* absolute URL */
	const char *type;    /* MIME type: "image/jpeg" */
	int width, height;   /* pixels */
	int64_t bytes;       /* file size, 0 when unknown */
	const char *alt;     /* alt text, "" when none */
	const char *caption; /* caption, "" when none */
	const char *credit;  /* credit, "" when none */
};

/* The file of media `media_id` to show at min_width px or wider: among
 * the variants (JPEG/PNG before WebP and others) the narrowest at least
 * min_width wide, else the widest; the original only when no variant
 * has a known image type. 0 and *out filled (arena memory), ERR_NOTFOUND
 * when media_id is 0 or unknown or has no usable file, ERR_DB (logged
 * with the request id). */
int seo_image_get(struct http_req *r, int64_t media_id, int min_width,
		  struct seo_image *out);

/* Absolute URL of url: kept when it already has a scheme, else
 * page_absolute. Arena memory. */
const char *seo_absolute(struct http_req *r, const char *url);

/* XML 1.0 text or attribute value of s (NULL: nothing): as
 * render_escape_xml, and the non-characters U+FFFE/U+FFFF, which XML
 * forbids, become U+FFFD. */
void seo_xml(struct buf *b, const char *s);

/* Reply 200 with r->out as a feed, sitemap or robots.txt: strong ETag
 * (BLAKE2b of the body, the same form the page cache uses), Last-Modified
 * mtime when > 0, Cache-Control "public, max-age=300"; 304 instead when
 * the client's If-None-Match / If-Modified-Since shows it is current. */
void seo_reply(struct http_req *r, const char *content_type, int64_t mtime);

/* Head data of an article page, added to ctx (from page_context) for
 * partials/seo_head.mustache: page.canonical (absolute), page.alternates[]
 * (hreflang, url: this edition, each visible translation, x-default),
 * page.feeds[] (type, title, url), page.image (url, type, width, height,
 * alt: the lead image, >= 1200 px when a variant is), page.og (type,
 * title, published, modified, section, tags[], authors[]),
 * page.twitter_site, page.jsonld (NewsArticle + BreadcrumbList, raw JSON
 * safe inside <script>). tr_urls[k] is the site-relative URL of the
 * visible translation in cfg->editions[k] (NULL: none; the article's own
 * edition is ignored), as page_article found them. Storage errors are
 * logged and leave the data out; never replies. Arena memory. */
void seo_article(struct http_req *r, struct render_val *ctx,
		 const struct page_site *site, const struct store_article *art,
		 const char *const *tr_urls);

/* Head data of a list page, as seo_article: kind is "home", "latest",
 * "archive", "rubric", "author" or "tag"; id, slug and name are the
 * rubric's, author's or tag's (0/NULL for the others; name is the page
 * title for "archive"). Alternates only on the first page (no ?page=N);
 * JSON-LD: WebSite + NewsMediaOrganization on home, BreadcrumbList on
 * rubric, ProfilePage on author. */
void seo_list(struct http_req *r, struct render_val *ctx,
	      const struct page_site *site, const char *kind, int64_t id,
	      const char *slug, const char *name);

/* ---- search (page_search.c, api_search.c) --------------------------- */

/* Append s (text from store_search, may be NULL) to b as HTML: every
 * piece HTML-escaped (render_escape_html), then U+0002 written as <mark>
 * and U+0003 as </mark>. Stray markers are dropped and an open mark is
 * closed, so the markup is always balanced; nothing else is markup. */
void page_search_html(struct buf *b, const char *s);
/* Append s (may be NULL) without the markers, not escaped. */
void page_search_plain(struct buf *b, const char *s);

/* ---- live coverage (page_live.c, api_live.c, sse.c) ------------------ */

struct live_sub;
struct render_json;

/* The client's last event id: the Last-Event-ID header, else the
 * ?last_event_id= parameter (what a page hands its first connect); -1
 * when neither is a decimal number. */
int64_t http_sse_last_id(const struct http_req *r);

/* Append one SSE frame to b: "id: N" (when id > 0), "event: <event>",
 * one "data:" line of data (CR/LF dropped), a blank line. */
void http_sse_frame(struct buf *b, int64_t id, const char *event,
		    const char *data);

/* Answer r with an SSE stream of hub channel `channel` (text/event-stream,
 * Cache-Control: no-cache, X-Accel-Buffering: no; "retry:" first).
 * last_id as live_sub_new. 0: the stream is r's reply and *sub its
 * subscriber (owned by the response: push to it with live_sub_push
 * before the handler returns, never free it); *need_replay as
 * live_sub_new. 1: a HEAD request, answered with the headers only. -1:
 * replied 503 (no hub, shutting down) or 500. */
int http_sse_open(struct http_req *r, const char *channel, int64_t last_id,
		  struct live_sub **sub, int *need_replay);

/* "upcoming", "live", "ended" (anything else: "upcoming"). Static. */
const char *page_live_state_name(int state);

/* Hub channel of event_id's entries in edition: "ev:12:en". Arena. */
const char *page_live_channel(struct http_req *r, int64_t event_id,
			      const char *edition);

/* The `t` strings of r's edition, for page_live_entry_html. Arena. */
struct render_val *page_live_strings(struct http_req *r,
				     const struct page_site *site);

/* Append entry en as readers see it (partials/live_entry, r's edition
 * and prefix, strings t) to out. ERR_INVALID (logged) on a template
 * error. */
int page_live_entry_html(struct http_req *r, const struct page_site *site,
			 struct render_val *t,
			 const struct store_live_entry *en, struct buf *out);

/* Write entry en as a JSON object (in an array, or as the top value):
 * id, event_id, edition, created_at, updated_at (ISO UTC), pinned,
 * edited, deleted, author {id, name, url} or null, body_html, image
 * {url, width, height, alt} or null, and html (the reader's <li>, "" for
 * a deleted entry) when t is not NULL. */
void page_live_entry_json(struct http_req *r, struct render_json *j,
			  const struct page_site *site,
			  struct render_val *t,
			  const struct store_live_entry *en);

/* Write event ev as a JSON object (member `key`, or NULL in an array or
 * at the top): id, edition, slug, title, summary, state, starts_at,
 * ends_at, url (absolute). */
void page_live_event_json(struct http_req *r, struct render_json *j,
			  const char *key, const struct store_live_event *ev);

/* Answer r with the SSE stream of event ev in ev->edition, replaying
 * from the store what a reconnecting client missed when the hub's ring
 * no longer has it. Returns 0 (always replied). */
int page_live_stream_open(struct http_req *r,
			  const struct store_live_event *ev);

#endif
