/*
 * routes.c - the one route table and its dispatcher.
 *
 * Every URL the server answers is a row here: method, path pattern,
 * handler, lowest role allowed, flags. Patterns are literal segments,
 * `{name}` for one segment (captured into r->params) and a final `*` for
 * the rest of the path. Rows flagged HTTP_ROUTE_EDITION live below each
 * edition's prefix ("/ru/..."). The role check lives here, not in the
 * handlers.
 */
#include "app.h"
#include "http/cache.h"
#include "http/internal.h"
#include "newsroom/newsroom.h"
#include "util/arena.h"
#include "util/log.h"

#include <string.h>

static const struct http_route http_routes[] = {
	{"GET", "/healthz", page_healthz, STORE_ROLE_NONE, HTTP_ROUTE_NOSNAPSHOT},
	{"GET", "/static/*", page_static, STORE_ROLE_NONE,
	 HTTP_ROUTE_NOSNAPSHOT},
	{"GET", "/api/v1/articles", api_articles_list, STORE_ROLE_NONE, 0},
	{"GET", "/api/v1/articles/{id}", api_article_get, STORE_ROLE_NONE, 0},
	{"GET", "/api/v1/rubrics", api_rubrics_list, STORE_ROLE_NONE, 0},
	{"POST", "/api/v1/views/{id}", api_views_add, STORE_ROLE_NONE, 0},
	{"GET", "/api/v1/live", api_live_list, STORE_ROLE_NONE, 0},
	{"GET", "/api/v1/live/{id}", api_live_get, STORE_ROLE_NONE, 0},
	{"GET", "/api/v1/live/{id}/stream", api_live_stream, STORE_ROLE_NONE,
	 HTTP_ROUTE_NOSNAPSHOT},

	/* reader pages, below each edition's prefix */
	{"GET", "/", page_home, STORE_ROLE_NONE, HTTP_ROUTE_EDITION},
	{"GET", "/latest", page_latest, STORE_ROLE_NONE, HTTP_ROUTE_EDITION},
	{"GET", "/article/{slug}", page_article, STORE_ROLE_NONE,
	 HTTP_ROUTE_EDITION},
	{"GET", "/rubric/{slug}", page_rubric, STORE_ROLE_NONE,
	 HTTP_ROUTE_EDITION},
	{"GET", "/author/{slug}", page_author, STORE_ROLE_NONE,
	 HTTP_ROUTE_EDITION},
	{"GET", "/tag/{slug}", page_tag, STORE_ROLE_NONE, HTTP_ROUTE_EDITION},
	{"GET", "/archive/*", page_archive, STORE_ROLE_NONE, HTTP_ROUTE_EDITION},
	{"GET", "/live/{slug}", page_live, STORE_ROLE_NONE, HTTP_ROUTE_EDITION},
	/* live updates over SSE (http/page_live.c, http/sse.c) */
	{"GET", "/live/{slug}/stream", page_live_stream, STORE_ROLE_NONE,
	 HTTP_ROUTE_EDITION | HTTP_ROUTE_NOCACHE |
		 HTTP_ROUTE_NOSNAPSHOT},
	{"GET", "/live-banner/stream", page_live_banner_stream, STORE_ROLE_NONE,
	 HTTP_ROUTE_EDITION | HTTP_ROUTE_NOCACHE |
		 HTTP_ROUTE_NOSNAPSHOT},

	/* newsroom (src/newsroom/): the role column is the access check */
	{"GET", "/newsroom", page_newsroom_home, STORE_ROLE_CONTRIBUTOR, 0},
	{"GET", "/newsroom/login", page_newsroom_login, STORE_ROLE_NONE,
	 HTTP_ROUTE_NOSNAPSHOT},
	{"POST", "/newsroom/login", page_newsroom_login_post, STORE_ROLE_NONE,
	 0},
	{"POST", "/newsroom/logout", page_newsroom_logout,
	 STORE_ROLE_CONTRIBUTOR, 0},
	{"GET", "/newsroom/users", page_newsroom_users, STORE_ROLE_ADMIN, 0},
	{"POST", "/newsroom/users", page_newsroom_user_add, STORE_ROLE_ADMIN, 0},
	{"POST", "/newsroom/users/{id}", page_newsroom_user_update,
	 STORE_ROLE_ADMIN, 0},
	{"GET", "/newsroom/settings", page_newsroom_settings, STORE_ROLE_ADMIN,
	 0},
	{"POST", "/newsroom/settings", page_newsroom_settings_post,
	 STORE_ROLE_ADMIN, 0},
	{"GET", "/newsroom/rubrics", page_newsroom_rubrics, STORE_ROLE_EDITOR,
	 0},
	{"POST", "/newsroom/rubrics", page_newsroom_rubrics_post,
	 STORE_ROLE_EDITOR, 0},
	{"GET", "/newsroom/authors", page_newsroom_authors, STORE_ROLE_EDITOR,
	 0},
	{"POST", "/newsroom/authors", page_newsroom_authors_post,
	 STORE_ROLE_EDITOR, 0},
	{"GET", "/newsroom/redirects", page_newsroom_redirects,
	 STORE_ROLE_EDITOR, 0},
	{"POST", "/newsroom/redirects", page_newsroom_redirects_post,
	 STORE_ROLE_EDITOR, 0},
	{"POST", "/newsroom/redirects/delete", page_newsroom_redirect_delete,
	 STORE_ROLE_EDITOR, 0},
	/* tags (newsroom/tags.c) */
	{"GET", "/newsroom/tags", page_newsroom_tags, STORE_ROLE_EDITOR, 0},
	{"POST", "/newsroom/tags/{id}/rename", page_newsroom_tag_rename,
	 STORE_ROLE_EDITOR, 0},
	{"POST", "/newsroom/tags/{id}/merge", page_newsroom_tag_merge,
	 STORE_ROLE_EDITOR, 0},
	{"POST", "/newsroom/tags/{id}/delete", page_newsroom_tag_delete,
	 STORE_ROLE_EDITOR, 0},
	{"GET", "/newsroom/audit", page_newsroom_audit, STORE_ROLE_ADMIN, 0},
	/* live desk (newsroom/live_desk.c): events, entries, state */
	{"GET", "/newsroom/live", page_newsroom_live, STORE_ROLE_EDITOR, 0},
	{"POST", "/newsroom/live", page_newsroom_live_create, STORE_ROLE_EDITOR,
	 0},
	{"GET", "/newsroom/live/{id}", page_newsroom_live_desk,
	 STORE_ROLE_EDITOR, 0},
	{"POST", "/newsroom/live/{id}", page_newsroom_live_update,
	 STORE_ROLE_EDITOR, 0},
	{"POST", "/newsroom/live/{id}/state", page_newsroom_live_state,
	 STORE_ROLE_EDITOR, 0},
	{"POST", "/newsroom/live/{id}/entries", page_newsroom_live_entry_add,
	 STORE_ROLE_EDITOR, 0},
	{"POST", "/newsroom/live/{id}/entries/{entry}",
	 page_newsroom_live_entry_edit, STORE_ROLE_EDITOR, 0},
	{"POST", "/newsroom/live/{id}/entries/{entry}/pin",
	 page_newsroom_live_entry_pin, STORE_ROLE_EDITOR, 0},
	{"POST", "/newsroom/live/{id}/entries/{entry}/delete",
	 page_newsroom_live_entry_delete, STORE_ROLE_EDITOR, 0},
	/* articles (newsroom/articles.c, editor.c, article_revisions.c):
	 * publishing needs an author; ownership is checked in the handler */
	{"GET", "/newsroom/articles", page_newsroom_articles,
	 STORE_ROLE_CONTRIBUTOR, 0},
	{"GET", "/newsroom/articles/new", page_newsroom_article_new,
	 STORE_ROLE_CONTRIBUTOR, 0},
	{"GET", "/newsroom/articles/{id}", page_newsroom_article_edit,
	 STORE_ROLE_CONTRIBUTOR, 0},
	{"POST", "/newsroom/articles/{id}", page_newsroom_article_save,
	 STORE_ROLE_CONTRIBUTOR, 0},
	{"POST", "/newsroom/articles/{id}/review", page_newsroom_article_review,
	 STORE_ROLE_CONTRIBUTOR, 0},
	{"POST", "/newsroom/articles/{id}/autosave",
	 page_newsroom_article_autosave, STORE_ROLE_CONTRIBUTOR, 0},
	{"POST", "/newsroom/articles/{id}/publish",
	 page_newsroom_article_publish, STORE_ROLE_AUTHOR, 0},
	{"POST", "/newsroom/articles/{id}/schedule",
	 page_newsroom_article_schedule, STORE_ROLE_AUTHOR, 0},
	{"POST", "/newsroom/articles/{id}/unpublish",
	 page_newsroom_article_unpublish, STORE_ROLE_AUTHOR, 0},
	{"GET", "/newsroom/articles/{id}/revisions",
	 page_newsroom_article_revisions, STORE_ROLE_CONTRIBUTOR, 0},
	{"GET", "/newsroom/revisions/{rev}", page_newsroom_revision,
	 STORE_ROLE_CONTRIBUTOR, 0},
	{"POST", "/newsroom/revisions/{rev}/restore",
	 page_newsroom_revision_restore, STORE_ROLE_CONTRIBUTOR, 0},
	{"POST", "/newsroom/preview", page_newsroom_preview,
	 STORE_ROLE_CONTRIBUTOR, 0},
	/* media library (newsroom/media_pages.c); /media/ serves the
	 * variants to readers (never an original: the handler checks) */
	{"GET", "/newsroom/media", page_newsroom_media, STORE_ROLE_CONTRIBUTOR,
	 0},
	{"POST", "/newsroom/media", page_newsroom_media_upload,
	 STORE_ROLE_CONTRIBUTOR, 0},
	{"GET", "/newsroom/media/{id}", page_newsroom_media_item,
	 STORE_ROLE_CONTRIBUTOR, 0},
	{"POST", "/newsroom/media/{id}", page_newsroom_media_update,
	 STORE_ROLE_CONTRIBUTOR, 0},
	{"GET", "/newsroom/media/{id}/original", page_newsroom_media_original,
	 STORE_ROLE_CONTRIBUTOR, 0},
	{"GET", "/media/*", page_media_file, STORE_ROLE_NONE,
	 HTTP_ROUTE_NOCACHE | HTTP_ROUTE_NOSNAPSHOT},

	/* feeds (http/feed.c): the edition, a rubric, an author, a tag */
	{"GET", "/feed.xml", page_feed, STORE_ROLE_NONE, HTTP_ROUTE_EDITION},
	{"GET", "/atom.xml", page_feed, STORE_ROLE_NONE, HTTP_ROUTE_EDITION},
	{"GET", "/feed.json", page_feed, STORE_ROLE_NONE, HTTP_ROUTE_EDITION},
	{"GET", "/rubric/{slug}/feed.xml", page_feed, STORE_ROLE_NONE,
	 HTTP_ROUTE_EDITION},
	{"GET", "/rubric/{slug}/atom.xml", page_feed, STORE_ROLE_NONE,
	 HTTP_ROUTE_EDITION},
	{"GET", "/rubric/{slug}/feed.json", page_feed, STORE_ROLE_NONE,
	 HTTP_ROUTE_EDITION},
	{"GET", "/author/{slug}/feed.xml", page_feed, STORE_ROLE_NONE,
	 HTTP_ROUTE_EDITION},
	{"GET", "/author/{slug}/atom.xml", page_feed, STORE_ROLE_NONE,
	 HTTP_ROUTE_EDITION},
	{"GET", "/author/{slug}/feed.json", page_feed, STORE_ROLE_NONE,
	 HTTP_ROUTE_EDITION},
	{"GET", "/tag/{slug}/feed.xml", page_feed, STORE_ROLE_NONE,
	 HTTP_ROUTE_EDITION},
	{"GET", "/tag/{slug}/atom.xml", page_feed, STORE_ROLE_NONE,
	 HTTP_ROUTE_EDITION},
	{"GET", "/tag/{slug}/feed.json", page_feed, STORE_ROLE_NONE,
	 HTTP_ROUTE_EDITION},

	/* sitemaps and robots.txt, site-wide (http/sitemap.c) */
	{"GET", "/sitemap.xml", page_sitemap_index, STORE_ROLE_NONE, 0},
	{"GET", "/sitemaps/{file}", page_sitemap_file, STORE_ROLE_NONE, 0},
	{"GET", "/sitemap-news.xml", page_sitemap_news, STORE_ROLE_NONE, 0},
	{"GET", "/robots.txt", page_robots, STORE_ROLE_NONE, 0},

	/* search (http/page_search.c, http/api_search.c) */
	{"GET", "/search", page_search, STORE_ROLE_NONE, HTTP_ROUTE_EDITION},
	{"GET", "/api/v1/search", api_search, STORE_ROLE_NONE, 0},
};

#define HTTP_NROUTES (sizeof http_routes / sizeof http_routes[0])

/* Match path against pattern; captures go to r->params. 1 on a match. */
static int http_route_match(struct http_req *r, const char *pattern,
			    const char *path)
{
	r->n_params = 0;
	const char *p = pattern, *s = path;
	while (*p) {
		if (p[0] == '*' && p[1] == '\0') {
			r->params[r->n_params].key = "*";
			r->params[r->n_params].value = s;
			r->n_params++;
			return 1;
		}
		if (*p == '{') {
			const char *close = strchr(p, '}');
			size_t seg = strcspn(s, "/");
			if (!close || seg == 0 || r->n_params == HTTP_MAX_PARAMS)
				return 0;
			r->params[r->n_params].key =
				arena_strndup(r->a, p + 1, (size_t)(close - p - 1));
			r->params[r->n_params].value = arena_strndup(r->a, s, seg);
			r->n_params++;
			p = close + 1;
			s += seg;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *s == '\0';
}

/* The path below edition ed's prefix, or NULL when not under it. */
static const char *http_edition_rest(const struct config_edition *ed,
				     const char *path)
{
	size_t n = strlen(ed->prefix);
	if (n == 0)
		return path;
	if (strncmp(path, ed->prefix, n))
		return NULL;
	if (path[n] == '\0')
		return "/";
	return path[n] == '/' ? path + n : NULL;
}

static int http_method_allows(const char *route_method, const char *method)
{
	return !strcmp(route_method, method) ||
	       (!strcmp(route_method, "GET") && !strcmp(method, "HEAD"));
}

/* A GET or HEAD answered 404: when the path has a redirect (a manual
 * one from the newsroom, or a renamed slug), its 301/302/307/308
 * replaces the reply. Only 404s pay for the lookup, one primary-key
 * read; paths a redirect may not start from are skipped. 1 when it
 * replied. */
static int http_route_redirect(struct http_req *r)
{
	if ((strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) ||
	    !strncmp(r->path, "/newsroom", 9) ||
	    !strncmp(r->path, "/api/", 5) || !strncmp(r->path, "/static/", 8))
		return 0;
	char *to = NULL;
	int code = 301;
	struct err e = {0};
	if (store_redirect_find(app->store, r->a, r->path, &to, &code, &e)) {
		log_error("req %s: redirect %s: %s", r->id, r->path, e.msg);
		return 0;
	}
	if (!to)
		return 0;
	buf_clear(&r->out);
	r->fixed = NULL;
	r->fixed_len = 0;
	r->content_type = NULL;
	r->n_headers = 0;
	r->status = 0;
	/* Short-lived in caches: an editor may delete or change it. */
	http_header_add(r, "Cache-Control", "public, max-age=300");
	http_reply_redirect(r, code, to);
	return 1;
}

/* 1 when route rt, asked with method, reads the store in one snapshot
 * (store_read_hold): the reader pages, feeds, sitemaps and API reads.
 * Not the rows flagged HTTP_ROUTE_NOSNAPSHOT (files, health checks,
 * streams, the login form), nor anything that writes or needs a login
 * (POST, newsroom roles): a write inside a hold would not be seen by
 * the same request's reads. */
static int http_route_snapshot(const struct http_route *rt, const char *method)
{
	return rt->role == STORE_ROLE_NONE && !strcmp(rt->method, "GET") &&
	       (!strcmp(method, "GET") || !strcmp(method, "HEAD")) &&
	       !(rt->flags & HTTP_ROUTE_NOSNAPSHOT);
}

int http_route_dispatch(struct http_req *r)
{
	const struct config *cfg = app->cfg;
	const struct http_route *found = NULL;
	int path_matched = 0;
	char allow[64] = "";

	/* Who is asking (newsroom session cookie), before the role check
	 * and the page cache. */
	newsroom_session_attach(r);

	/* Default edition for global routes. */
	const struct config_edition *def =
		config_edition_find(cfg, cfg->default_edition);
	r->edition = def->code;
	r->prefix = def->prefix;
	r->rest = r->path;

	/* The edition whose prefix the path is under, longest prefix
	 * first: "/ru/x" is ru, not the root edition's "/ru/x".
	 * http_cache_lookup_fast (http/cache.c) makes the same choice to
	 * find a cached page before routing: change both together. */
	const struct config_edition *best = NULL;
	const char *best_rest = NULL;
	for (int k = 0; k < cfg->n_editions; k++) {
		const char *rest = http_edition_rest(&cfg->editions[k], r->path);
		if (rest && (!best || strlen(cfg->editions[k].prefix) >
					      strlen(best->prefix))) {
			best = &cfg->editions[k];
			best_rest = rest;
		}
	}

	for (size_t i = 0; i < HTTP_NROUTES && !found; i++) {
		const struct http_route *rt = &http_routes[i];
		int matched = 0;
		if (!(rt->flags & HTTP_ROUTE_EDITION))
			matched = http_route_match(r, rt->pattern, r->path);
		else
			matched = best &&
				  http_route_match(r, rt->pattern, best_rest);
		if (!matched)
			continue;
		if (rt->flags & HTTP_ROUTE_EDITION) {
			r->edition = best->code;
			r->prefix = best->prefix;
			r->rest = best_rest;
		}
		path_matched = 1;
		if (http_method_allows(rt->method, r->method)) {
			found = rt;
		} else if (strlen(allow) + strlen(rt->method) + 8 < sizeof allow) {
			if (allow[0])
				strcat(allow, ", ");
			strcat(allow, rt->method);
			if (!strcmp(rt->method, "GET"))
				strcat(allow, ", HEAD");
		}
	}
	if (!found) {
		static const char *const known[] = {"GET", "HEAD", "POST", "PUT",
						    "DELETE", "PATCH", "OPTIONS"};
		int known_method = 0;
		for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
			known_method |= !strcmp(r->method, known[i]);
		if (known_method && !path_matched && http_route_redirect(r))
			return 0;
		if (!known_method || path_matched) {
			/* An unknown method is the client's mistake: 405 with
			 * what the path does allow (none when no route). */
			http_header_add(r, "Allow", allow[0] ? allow : "GET, HEAD");
			http_reply_error(r, 405, "method not allowed");
		} else if (app->pages && best && strncmp(r->path, "/api/", 5) &&
			   strncmp(r->path, "/static/", 8)) {
			r->edition = best->code;
			r->prefix = best->prefix;
			r->rest = best_rest;
			return page_error(r, 404);
		} else {
			http_reply_error(r, 404, "page not found");
		}
		return 0;
	}
	if (found->role > r->role)
		return newsroom_deny(r); /* login redirect or 403 */
	/* Reader pages and feeds: answered from the page cache when there,
	 * else rendered and stored (http/cache.c says what is cached). */
	if (http_cache_lookup(r, found))
		return 0;
	/* One read transaction for the whole page instead of one per
	 * store call, taken after the lookup: the cache's purge check
	 * (r->cache_gen) is older than the snapshot. When it cannot be
	 * had, each call opens its own, as without it. */
	int held = 0;
	if (http_route_snapshot(found, r->method)) {
		struct err e = {0};
		held = store_read_hold(app->store, &e) == 0;
		if (!held)
			log_error("req %s: read hold: %s", r->id, e.msg);
	}
	int rc = found->handler(r);
	if (held)
		store_read_release(app->store);
	if (r->status == 404 && !r->mhd_response && http_route_redirect(r))
		return 0;
	http_cache_store(r, found);
	return rc;
}
