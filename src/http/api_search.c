/*
 * api_search.c - the JSON search API behind the search overlay's
 * as-you-type suggestions.
 *
 *   GET /api/v1/search?q=&edition=&limit=
 *
 * q is whatever is in the box so far: its last word matches as a prefix
 * (search_query_build with prefix_last), so "partnersh" finds
 * "partnership". Suggestions come from titles, leads, authors, rubrics
 * and tags (store_search's suggest mode, where prefixes stay cheap on a
 * large site); Enter takes the reader to the full search of bodies too.
 * edition defaults to the site's default edition, limit is 1..20
 * (default 5). The answer is always 200 for any q (an empty or
 * unsearchable one gives no items):
 *
 *   {"query": "...", "edition": "en", "total": 12,
 *    "search_url": "/search?q=...",        the full results page
 *    "items": [{"id": 7, "url": "/article/slug", "title": "plain",
 *               "title_html": "<mark>Grid</mark> ...",
 *               "snippet": "plain", "snippet_html": "... <mark>..</mark>",
 *               "kind": "news", "published_at": "2026-01-02T03:04:05Z"}]}
 *
 * The *_html members are HTML-escaped text with <mark> around matched
 * words and nothing else (page_search_html): safe to insert as markup.
 * 400 for an unknown edition or a bad limit (and, from the HTTP layer,
 * for a query string that is not UTF-8). Not for the results page
 * (page_search.c).
 */
#include "app.h"
#include "http/internal.h"
#include "render/escape.h"
#include "render/json.h"
#include "search/search.h"
#include "util/arena.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define API_SEARCH_LIMIT         5
#define API_SEARCH_MAX_LIMIT     20
#define API_SEARCH_SNIPPET_WORDS 14

int api_search(struct http_req *r)
{
	const char *code = http_query_get(r, "edition");
	const struct config_edition *ed = config_edition_find(
		app->cfg, code ? code : app->cfg->default_edition);
	if (!ed) {
		http_reply_error(r, 400,
				 "parameter 'edition': unknown edition code");
		return 0;
	}
	long limit = API_SEARCH_LIMIT;
	const char *ls = http_query_get(r, "limit");
	if (ls) {
		int64_t v;
		if (http_parse_id(ls, &v) != 0 || v > API_SEARCH_MAX_LIMIT) {
			http_reply_error(r, 400,
					 "parameter 'limit': expected a whole "
					 "number from 1 to 20");
			return 0;
		}
		limit = (long)v;
	}
	const char *q = http_query_get(r, "q");
	if (!q)
		q = "";

	struct err e = {0};
	char *match = NULL;
	search_query_build(r->a, q, 1, &match, &e);
	struct store_search_query sq = {
		.edition = ed->code,
		.match = match,
		.limit = (size_t)limit,
		.snippet_words = API_SEARCH_SNIPPET_WORDS,
		.suggest = 1,
	};
	struct store_search_hit *hits = NULL;
	size_t n = 0, total = 0;
	int rc = store_search(app->store, r->a, &sq, &hits, &n, &total, &e);
	if (rc == ERR_INVALID) {
		log_warn("req %s: search api: %s", r->id, e.msg);
		n = total = 0;
	} else if (rc) {
		log_error("req %s: search api: %s", r->id, e.msg);
		http_reply_error(r, 500, "storage error");
		return 0;
	}

	struct render_json j;
	render_json_init(&j, &r->out);
	render_json_obj_begin(&j, NULL);
	render_json_str(&j, "query", q);
	render_json_str(&j, "edition", ed->code);
	render_json_int(&j, "total", (int64_t)total);
	struct buf b;
	buf_init(&b, r->a);
	buf_printf(&b, "%s%s/search?q=", app->cfg->base_url, ed->prefix);
	render_escape_url(&b, q, strlen(q));
	render_json_str(&j, "search_url", b.data);
	render_json_arr_begin(&j, "items");
	for (size_t i = 0; i < n; i++) {
		const struct store_search_hit *h = &hits[i];
		render_json_obj_begin(&j, NULL);
		render_json_int(&j, "id", h->art.id);
		buf_init(&b, r->a);
		buf_printf(&b, "%s%s/article/", app->cfg->base_url, ed->prefix);
		render_escape_url(&b, h->art.slug, strlen(h->art.slug));
		render_json_str(&j, "url", b.data);
		render_json_str(&j, "title", h->art.title);
		buf_init(&b, r->a);
		page_search_html(&b, h->title_hl);
		render_json_str(&j, "title_html", b.data);
		buf_init(&b, r->a);
		page_search_plain(&b, h->snippet);
		render_json_str(&j, "snippet", b.data);
		buf_init(&b, r->a);
		page_search_html(&b, h->snippet);
		render_json_str(&j, "snippet_html", b.data);
		render_json_str(&j, "kind", h->art.kind);
		char iso[32];
		time_t t = (time_t)h->art.publish_at;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
		render_json_str(&j, "published_at", iso);
		render_json_obj_end(&j);
	}
	render_json_arr_end(&j);
	render_json_obj_end(&j);
	buf_putc(&r->out, '\n');
	http_header_add(r, "Cache-Control", "public, max-age=30");
	http_header_add(r, "Access-Control-Allow-Origin", "*");
	http_reply_buf(r, 200, "application/json; charset=utf-8");
	return 0;
}
