/*
 * http.h - the HTTP layer: requests, replies, the route table, the server.
 *
 * A request arrives through libmicrohttpd (http/server.c), gets its own
 * arena, an id, a parsed path and query, and is dispatched through the
 * one route table (http/routes.c) to a handler: page_* for HTML, api_*
 * for JSON. The handler fills the reply with the http_reply_* functions;
 * the server sends it and frees the arena after the response is written.
 * Not for business logic: handlers call store_*, render_* and friends.
 */
#ifndef GAZETTE_HTTP_HTTP_H
#define GAZETTE_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"

struct arena;
struct app;
struct http_server;
struct http_cache_entry;

#define HTTP_MAX_PARAMS 8    /* {name} captures in one route pattern */
#define HTTP_MAX_QUERY 64    /* query parameters kept per request */
#define HTTP_MAX_HEADERS 24  /* response headers per reply */

struct http_kv {
	const char *key;   /* decoded, valid UTF-8, arena memory */
	const char *value; /* decoded, valid UTF-8, arena memory */
};

struct http_req {
	struct arena *a;         /* request memory, freed after the reply */
	char id[20];             /* request id, also in X-Request-Id */
	const char *method;      /* "GET", ... as received */
	const char *uri;         /* raw request target, arena memory */
	const char *path;        /* decoded path, valid UTF-8, no NUL */
	const char *ip;          /* client address text */
	int64_t start_ns;        /* monotonic clock at arrival */

	struct http_kv query[HTTP_MAX_QUERY]; /* decoded query parameters */
	size_t n_query;
	struct http_kv params[HTTP_MAX_PARAMS]; /* route {captures} */
	size_t n_params;

	const char *edition;     /* edition code chosen by the URL prefix */
	const char *prefix;      /* that edition's prefix: "" or "/ru" */
	const char *rest;        /* path after the prefix, starts with '/' */

	struct buf body;         /* request body (arena-backed) */
	enum store_role role;    /* role of the logged-in user, NONE if not */
	int64_t user_id;         /* logged-in user, 0 if none */

	/* reply, filled by http_reply_* */
	int status;              /* 0 until a reply is set */
	struct buf out;          /* body when not `fixed` (arena-backed) */
	const void *fixed;       /* body owned elsewhere (see reply_fixed) */
	size_t fixed_len;
	const char *content_type;
	struct http_kv headers[HTTP_MAX_HEADERS];
	size_t n_headers;

	void *conn;              /* server-private (MHD connection) */
	struct http_server *server; /* the server answering (server.c) */
	const char *hot_hdr[8];  /* server-private: the headers every request
				  * reads, found in one pass (server.c) */
	int hot_hdr_known;       /* hot_hdr is filled: http_header_get answers
				  * those names from it without a search */

	/* page cache (http/cache.c); all NULL/0 when the cache is not used */
	const char *cache_key;   /* key when the reply may come from or go to
				  * the cache, else NULL (arena memory) */
	const char *cache_tags;  /* Surrogate-Key words added by
				  * http_cache_tag, or NULL (arena memory) */
	struct http_cache_entry *cache_entry; /* hit: entry held until its
					       * prebuilt response is queued */
	int cache_enc;           /* hit: encoding of that response */
	uint64_t cache_gen;      /* miss: purge generation before rendering */

	void *page_chrome;       /* site data snapshot held by page_site_load
				  * (http/page.c), released after the reply */
	void *mhd_response;      /* a prepared struct MHD_Response (SSE,
				  * http/sse.c): when set, the server queues
				  * it with r->status instead of building one
				  * from the reply fields, then destroys it */
};

typedef int (*http_handler)(struct http_req *r);

/* Route flags. */
enum {
	HTTP_ROUTE_EDITION = 1, /* pattern is below an edition prefix */
	HTTP_ROUTE_NOCACHE = 2, /* never from the page cache (see cache.c:
				 * which GET routes are cached by default) */
	HTTP_ROUTE_NOSNAPSHOT = 4, /* a reader GET that does not run in one
				    * read snapshot (routes.c,
				    * http_route_snapshot): no store reads,
				    * or a long-lived stream */
};

struct http_route {
	const char *method;      /* "GET" (also answers HEAD), "POST", ... */
	const char *pattern;     /* "/api/v1/articles/{id}", "/static/" + rest */
	http_handler handler;
	enum store_role role;    /* lowest role allowed; NONE: anyone */
	int flags;               /* HTTP_ROUTE_* */
};

/* ---- the route table (http/routes.c) ------------------------------- */

/* Find the route for r (method, path, edition prefix), fill r->params,
 * r->edition, r->prefix, r->rest, check the role, call the handler. Sets
 * 404/405/403 replies itself. Returns the handler's result. */
int http_route_dispatch(struct http_req *r);

/* ---- request helpers (http/request.c) ------------------------------ */

/* Parse r->uri into r->path and r->query. ERR_INVALID on bad
 * percent-encoding, invalid UTF-8, NUL bytes or too many parameters. */
int http_req_parse_uri(struct http_req *r, struct err *e);

/* Decoded value of query parameter `key`, or NULL. Arena memory. */
const char *http_query_get(const struct http_req *r, const char *key);

/* Route capture {name}, or NULL. Arena memory. */
const char *http_param_get(const struct http_req *r, const char *name);

/* Request header value (case-insensitive), or NULL. */
const char *http_header_get(const struct http_req *r, const char *name);

/* Parse a decimal id > 0; ERR_INVALID otherwise. */
int http_parse_id(const char *s, int64_t *out);

/* ---- replies ------------------------------------------------------- */

/* Add a response header (both strings copied to the arena). At most
 * HTTP_MAX_HEADERS; further ones are dropped with a warning. */
void http_header_add(struct http_req *r, const char *name, const char *value);

/* Reply with r->out as the body (handlers append to r->out first). */
void http_reply_buf(struct http_req *r, int status, const char *content_type);

/* Reply with bytes that stay valid until the request completes (embedded
 * or long-lived data): nothing is copied. */
void http_reply_fixed(struct http_req *r, int status, const char *content_type,
		      const void *data, size_t len);

/* Reply with a short text body. */
void http_reply_text(struct http_req *r, int status, const char *text);

/* Error reply: JSON {"error":{"status":N,"message":"..."}} for /api/
 * paths, a small HTML page otherwise. message is shown to the client. */
void http_reply_error(struct http_req *r, int status, const char *message);

/* 301/302/303/307/308 redirect to `location`. */
void http_reply_redirect(struct http_req *r, int status, const char *location);

/* Conditional GET: when the request's If-None-Match matches etag (or
 * If-Modified-Since is not older than mtime, when mtime > 0 and no
 * If-None-Match), reply 304 and return 1; else add ETag/Last-Modified
 * headers and return 0. etag includes its quotes. */
int http_conditional(struct http_req *r, const char *etag, int64_t mtime);

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") as Unix time; -1
 * when it does not parse. */
int64_t http_date_parse(const char *s);

/* For a reply built without http_conditional: when r is a GET or HEAD
 * answered 200 with a Last-Modified header, the request has no
 * If-None-Match and its If-Modified-Since is not older, the reply
 * becomes a bodiless 304 (headers kept). 1 when it did. */
int http_not_modified_since(struct http_req *r);

/* 1 when the client accepts `coding` ("gzip", "br") by Accept-Encoding. */
int http_accepts_encoding(const struct http_req *r, const char *coding);

/* HTTP date (RFC 7231 IMF-fixdate) into out (30 bytes). */
void http_date_format(char out[32], int64_t t);

/* ---- page cache (http/cache.c) ------------------------------------- */

/* Add Surrogate-Key words to r's cached reply (printf-style, one or more
 * space-separated words like "r:12"). Handlers call it for what their
 * page shows beyond the defaults the dispatcher adds (cache.c's header
 * lists them); a purge of any word drops the page. Arena memory. */
void http_cache_tag(struct http_req *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Purges: drop every cached page (of the running server; no-op when not
 * serving) that shows what changed, before the write that changed it
 * returns to its caller. Thread-safe, cheap (a scan of the cache under
 * its shard locks, no I/O); call after the store write has committed.
 *
 * An article was published, edited, unpublished or deleted: drops its
 * page and its translations' pages (language switch; by translation
 * group), and every list of its edition (home, latest, rubric, author,
 * tag, archive, feeds, sitemaps: they show the newest articles). Uses
 * art's id, translation_group, edition, rubric_id, author_ids and tags.
 * When an edit moved the article to another edition, rubric or slug,
 * one call with the new state is enough (pages are found by id). */
void http_cache_purge_article(const struct store_article *art);
/* Everything of one edition (its rubrics, authors, edition settings,
 * live banner changed). */
void http_cache_purge_edition(const char *edition);
/* Everything (site-wide settings, theme). */
void http_cache_purge_all(void);
/* Every page tagged with the Surrogate-Key word `key` ("a:12"). */
void http_cache_purge_key(const char *key);

/* POST /api/v1/views/{id} (http/views.c): count one view in memory (the
 * flusher writes it within a second), answer {"id":N,"views":total}
 * with no-store. 400 bad id, 404 unknown or not visible, 500 storage. */
int http_views_beacon(struct http_req *r);

/* ---- the server (http/server.c) ------------------------------------ */

/* Start serving app->cfg's listen/port with the libmicrohttpd thread pool
 * (epoll). *port_out gets the bound port (useful with port 0). Caller
 * stops with http_server_stop. ERR_IO with address and reason. */
int http_server_start(struct app *a, struct http_server **out, int *port_out,
		      struct err *e);

/* Stop accepting, let in-flight requests finish (up to grace_seconds),
 * then close every connection and free the server. */
/* Stop accepting connections; requests in flight go on. Idempotent;
 * http_server_stop does it too. Call it before waking many parked
 * connections at shutdown (see server.c). */
void http_server_quiesce(struct http_server *s);
void http_server_stop(struct http_server *s, int grace_seconds);

/* ---- theme static files (http/static.c) ---------------------------- */

struct http_static;

/* Load the embedded theme's static files, each overridden by the file of
 * the same name under theme_dir/static when theme_dir is not empty.
 * Precomputes ETag, gzip and fingerprinted names. Caller frees. */
int http_static_load(const char *theme_dir, struct http_static **out,
		     struct err *e);
void http_static_free(struct http_static *st);

/* Fingerprinted URL of a static file ("/static/site.3f9a1c2e.css") or
 * NULL when there is no such file. Long-lived memory. */
const char *http_static_url(const struct http_static *st, const char *name);

/* ---- handlers (one file per family) -------------------------------- */

int page_healthz(struct http_req *r);
int page_static(struct http_req *r);
int api_articles_list(struct http_req *r);
int api_article_get(struct http_req *r);
int api_rubrics_list(struct http_req *r);
int api_views_add(struct http_req *r);
int page_home(struct http_req *r);
int page_latest(struct http_req *r);
int page_article(struct http_req *r);
int page_rubric(struct http_req *r);
int page_author(struct http_req *r);
int page_tag(struct http_req *r);
int page_archive(struct http_req *r);
int page_live(struct http_req *r);
/* feeds: {prefix}[/rubric|author|tag/{slug}]/feed.xml|atom.xml|feed.json
 * (http/feed.c); sitemaps and robots.txt (http/sitemap.c) */
int page_feed(struct http_req *r);
int page_sitemap_index(struct http_req *r);
int page_sitemap_file(struct http_req *r);
int page_sitemap_news(struct http_req *r);
int page_robots(struct http_req *r);

/* ---- newsroom (src/newsroom/) -------------------------------------- */

/* Read the gz_session cookie, load its session and user, end it when
 * idle or expired (or the user is disabled), touch it, and set r->user_id
 * and r->role (0 and NONE without a live session). Called by the
 * dispatcher before the role check. 0, or ERR_DB (logged; r stays
 * anonymous). */
int newsroom_session_attach(struct http_req *r);

/* CSRF check of a state-changing newsroom request: the X-CSRF-Token
 * header or the form field `csrf` must equal the session's token (for an
 * anonymous request: the gz_csrf cookie), compared in constant time.
 * 0 when it does; else replies 403 and returns -1. */
int newsroom_csrf_check(struct http_req *r);

/* Reply to a request whose role is below its route's: anonymous GET/HEAD
 * under /newsroom get 303 to the login page (?next= back), everything
 * else 403. Returns 0. */
int newsroom_deny(struct http_req *r);

int page_newsroom_home(struct http_req *r);
int page_newsroom_login(struct http_req *r);
int page_newsroom_login_post(struct http_req *r);
int page_newsroom_logout(struct http_req *r);
int page_newsroom_users(struct http_req *r);
int page_newsroom_user_add(struct http_req *r);
int page_newsroom_user_update(struct http_req *r);
int page_newsroom_settings(struct http_req *r);
int page_newsroom_settings_post(struct http_req *r);
int page_newsroom_rubrics(struct http_req *r);
int page_newsroom_rubrics_post(struct http_req *r);
int page_newsroom_authors(struct http_req *r);
int page_newsroom_authors_post(struct http_req *r);
int page_newsroom_redirects(struct http_req *r);
int page_newsroom_redirects_post(struct http_req *r);
int page_newsroom_audit(struct http_req *r);

/* newsroom articles: list, editor, autosave, preview, revisions
 * (newsroom/articles.c, editor.c, article_revisions.c) */
int page_newsroom_articles(struct http_req *r);
int page_newsroom_article_new(struct http_req *r);
int page_newsroom_article_edit(struct http_req *r);
int page_newsroom_article_save(struct http_req *r);
int page_newsroom_article_review(struct http_req *r);
int page_newsroom_article_publish(struct http_req *r);
int page_newsroom_article_schedule(struct http_req *r);
int page_newsroom_article_unpublish(struct http_req *r);
int page_newsroom_article_autosave(struct http_req *r);
int page_newsroom_preview(struct http_req *r);
int page_newsroom_article_revisions(struct http_req *r);
int page_newsroom_revision(struct http_req *r);
int page_newsroom_revision_restore(struct http_req *r);

/* media library (newsroom/media_pages.c): the library page, upload,
 * one image, its texts and its original; GET /media/... serves the
 * variants in the media folder (see media/media.h) */
int page_newsroom_media(struct http_req *r);
int page_newsroom_media_upload(struct http_req *r);
int page_newsroom_media_item(struct http_req *r);
int page_newsroom_media_update(struct http_req *r);
int page_newsroom_media_original(struct http_req *r);
int page_media_file(struct http_req *r);

/* search: {prefix}/search (http/page_search.c) and GET /api/v1/search
 * (http/api_search.c) */
int page_search(struct http_req *r);
int api_search(struct http_req *r);

/* ---- live coverage (http/page_live.c, api_live.c) ------------------- */

int page_live_stream(struct http_req *r);
int page_live_banner_stream(struct http_req *r);
int api_live_list(struct http_req *r);
int api_live_get(struct http_req *r);
int api_live_stream(struct http_req *r);

/*
 * Tell readers of event ev that entry en changed: `type` is "new",
 * "edit", "pin" or "delete". The message carries the entry as JSON with
 * its HTML as readers of en->edition see it (r's edition is switched for
 * the render and restored). Call after the store write committed.
 * Returns the message id, 0 when no hub is running. Arena memory only.
 */
int64_t http_live_publish_entry(struct http_req *r,
				const struct store_live_event *ev,
				const struct store_live_entry *en,
				const char *type);

/* Event event_id changed state (or its texts): drop the cached pages of
 * every edition it has texts in (the banner), then send a "state"
 * message to its streams and to those editions' banner streams. */
void http_live_publish_state(struct http_req *r, int64_t event_id);

/* live desk in the newsroom (newsroom/live_desk.c) */
int page_newsroom_live(struct http_req *r);
int page_newsroom_live_create(struct http_req *r);
int page_newsroom_live_desk(struct http_req *r);
int page_newsroom_live_update(struct http_req *r);
int page_newsroom_live_state(struct http_req *r);
int page_newsroom_live_entry_add(struct http_req *r);
int page_newsroom_live_entry_edit(struct http_req *r);
int page_newsroom_live_entry_pin(struct http_req *r);
int page_newsroom_live_entry_delete(struct http_req *r);

#endif
