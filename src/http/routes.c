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
#include "http/internal.h"
#include "util/arena.h"

#include <string.h>

static const struct http_route http_routes[] = {
	{"GET", "/healthz", page_healthz, STORE_ROLE_NONE, 0},
	{"GET", "/static/*", page_static, STORE_ROLE_NONE, 0},
	{"GET", "/api/v1/articles", api_articles_list, STORE_ROLE_NONE, 0},
	{"GET", "/api/v1/articles/{id}", api_article_get, STORE_ROLE_NONE, 0},
	{"GET", "/api/v1/rubrics", api_rubrics_list, STORE_ROLE_NONE, 0},
	{"POST", "/api/v1/views/{id}", api_views_add, STORE_ROLE_NONE, 0},

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

int http_route_dispatch(struct http_req *r)
{
	const struct config *cfg = app->cfg;
	const struct http_route *found = NULL;
	int path_matched = 0;
	char allow[64] = "";

	/* Default edition for global routes. */
	const struct config_edition *def =
		config_edition_find(cfg, cfg->default_edition);
	r->edition = def->code;
	r->prefix = def->prefix;
	r->rest = r->path;

	/* The edition whose prefix the path is under, longest prefix
	 * first: "/ru/x" is ru, not the root edition's "/ru/x". */
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
	if (found->role > r->role) {
		http_reply_error(r, 403, "your role does not allow this");
		return 0;
	}
	return found->handler(r);
}
