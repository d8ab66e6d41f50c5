/*
 * api_articles.c - the read-only JSON API for the apps: articles, rubrics.
 *
 *   GET /api/v1/articles?edition=&rubric=&page=&per_page=
 *   GET /api/v1/articles/{id}
 *   GET /api/v1/rubrics?edition=
 *
 * Only published articles whose time has come are visible. Bad parameters
 * get 400 with a JSON error body naming the parameter; unknown ids 404.
 * Times are ISO 8601 in UTC. Not for the newsroom API.
 */
#include "app.h"
#include "http/http.h"
#include "http/internal.h"
#include "render/json.h"
#include "util/arena.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define API_PER_PAGE     20
#define API_MAX_PER_PAGE 100
#define API_MAX_PAGE     100000

static void api_time(struct render_json *j, const char *key, int64_t t)
{
	if (t <= 0) {
		render_json_null(j, key);
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	/* "%Y-%m-%dT%H:%M:%SZ" by hand: strftime was a visible share of a
	 * list. Years outside 1000..9999 keep strftime's form (%Y does not pad). */
	char s[64];
	long long y = (long long)tm.tm_year + 1900;
	if (y < 1000 || y > 9999) {
		strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	} else {
		int v[6] = {(int)y,     tm.tm_mon + 1, tm.tm_mday,
			    tm.tm_hour, tm.tm_min,     tm.tm_sec};
		static const char sep[6] = {'-', '-', 'T', ':', ':', 'Z'};
		char *p = s;
		for (int i = 0; i < 6; i++) {
			int w = i ? 2 : 4;
			for (int k = w - 1; k >= 0; k--, v[i] /= 10)
				p[k] = (char)('0' + v[i] % 10);
			p += w;
			*p++ = sep[i];
		}
		*p = '\0';
	}
	render_json_str(j, key, s);
}

/* Edition from ?edition= (default edition when absent); 400 when bad. */
static const struct config_edition *api_edition(struct http_req *r)
{
	const char *code = http_query_get(r, "edition");
	if (!code)
		code = app->cfg->default_edition;
	const struct config_edition *ed = config_edition_find(app->cfg, code);
	if (!ed)
		http_reply_error(r, 400,
				 "parameter 'edition': unknown edition code");
	return ed;
}

/* Positive integer query parameter within [1, max]; def when absent.
 * Replies 400 and returns -1 when present but bad. */
static long api_int_param(struct http_req *r, const char *name, long def,
			  long max)
{
	const char *s = http_query_get(r, name);
	if (!s)
		return def;
	int64_t v;
	if (http_parse_id(s, &v) != 0 || v > max) {
		char msg[128];
		snprintf(
			msg, sizeof msg,
			"parameter '%s': expected a whole number from 1 to %ld",
			name, max);
		http_reply_error(r, 400, msg);
		return -1;
	}
	return (long)v;
}

static const char *api_article_url(struct http_req *r,
				   const struct config_edition *ed,
				   const char *slug)
{
	struct buf b;
	buf_init(&b, r->a);
	buf_puts(&b, app->cfg->base_url);
	buf_puts(&b, ed->prefix);
	buf_puts(&b, "/article/");
	buf_puts(&b, slug);
	return b.data;
}

static const struct store_rubric *api_rubric_find(const struct store_rubric *rs,
						  size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (rs[i].id == id)
			return &rs[i];
	return NULL;
}

static const struct store_author *api_author_find(const struct store_author *as,
						  size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (as[i].id == id)
			return &as[i];
	return NULL;
}

struct api_lookup {
	struct store_rubric *rubrics; /* of the edition */
	size_t n_rubrics;
	struct store_author *authors; /* with names in the edition */
	size_t n_authors;
};

/* The edition's rubrics and authors from the shared site data snapshot
 * (page_site_load: read once per store generation, exact on the next
 * request after a change) instead of two queries a request. The API's
 * edition is the one of ?edition=, so it becomes the request's. Replies
 * 500 itself on a storage error. */
static int api_lookup_load(struct http_req *r, const char *edition,
			   struct api_lookup *lk)
{
	struct page_site site;
	r->edition = edition;
	if (page_site_load(r, &site))
		return -1;
	lk->rubrics = site.rubrics;
	lk->n_rubrics = site.n_rubrics;
	lk->authors = site.authors;
	lk->n_authors = site.n_authors;
	return 0;
}

/* The members of an article object (the caller opens and closes it). */
static void api_article_fields(struct http_req *r, struct render_json *j,
			       const struct config_edition *ed,
			       const struct store_article *art,
			       const struct api_lookup *lk, int full)
{
	render_json_int(j, "id", art->id);
	render_json_int(j, "translation_group", art->translation_group);
	render_json_str(j, "edition", art->edition);
	render_json_str(j, "slug", art->slug);
	render_json_str(j, "url", api_article_url(r, ed, art->slug));
	render_json_str(j, "kind", art->kind);
	render_json_str(j, "title", art->title);
	render_json_str(j, "lead", art->lead);
	const struct store_rubric *rb =
		api_rubric_find(lk->rubrics, lk->n_rubrics, art->rubric_id);
	if (rb) {
		render_json_obj_begin(j, "rubric");
		render_json_int(j, "id", rb->id);
		render_json_str(j, "slug", rb->slug);
		render_json_str(j, "name", rb->name);
		render_json_obj_end(j);
	} else {
		render_json_null(j, "rubric");
	}
	render_json_arr_begin(j, "authors");
	for (size_t i = 0; i < art->n_authors; i++) {
		const struct store_author *au = api_author_find(
			lk->authors, lk->n_authors, art->author_ids[i]);
		if (!au)
			continue;
		render_json_obj_begin(j, NULL);
		render_json_int(j, "id", au->id);
		render_json_str(j, "slug", au->slug);
		render_json_str(j, "name", au->name);
		render_json_obj_end(j);
	}
	render_json_arr_end(j);
	render_json_arr_begin(j, "tags");
	for (size_t i = 0; i < art->n_tags; i++) {
		render_json_obj_begin(j, NULL);
		render_json_str(j, "slug", art->tags[i].slug);
		render_json_str(j, "name", art->tags[i].name);
		render_json_obj_end(j);
	}
	render_json_arr_end(j);
	api_time(j, "published_at", art->publish_at);
	api_time(j, "updated_at", art->updated_at);
	render_json_bool(j, "featured", art->featured);
	render_json_bool(j, "breaking", art->breaking);
	render_json_int(j, "views", art->views);
	if (full) {
		render_json_str(j, "body_html", art->body_html);
		if (art->correction && art->correction[0]) {
			render_json_obj_begin(j, "correction");
			render_json_str(j, "text", art->correction);
			api_time(j, "at", art->correction_at);
			render_json_obj_end(j);
		} else {
			render_json_null(j, "correction");
		}
	}
}

static void api_reply_json(struct http_req *r, int status)
{
	buf_putc(&r->out, '\n');
	http_header_add(r, "Cache-Control", "public, max-age=30");
	http_header_add(r, "Access-Control-Allow-Origin", "*");
	http_reply_buf(r, status, "application/json; charset=utf-8");
}

int api_articles_list(struct http_req *r)
{
	const struct config_edition *ed = api_edition(r);
	if (!ed)
		return 0;
	long page = api_int_param(r, "page", 1, API_MAX_PAGE);
	if (page < 0)
		return 0;
	long per = api_int_param(r, "per_page", API_PER_PAGE, API_MAX_PER_PAGE);
	if (per < 0)
		return 0;
	struct err e = {0};
	struct store_article_filter f = {
		.edition = ed->code,
		.status = STORE_STATUS_PUBLISHED,
		.not_after = (int64_t)time(NULL),
		.offset = (size_t)(page - 1) * (size_t)per,
		.limit = (size_t)per,
	};
	const char *rubric = http_query_get(r, "rubric");
	if (rubric) {
		struct store_rubric rb;
		int rc = store_rubric_by_slug(app->store, r->a, ed->code,
					      rubric, &rb, &e);
		if (rc == ERR_NOTFOUND) {
			http_reply_error(
				r, 400,
				"parameter 'rubric': no such rubric in "
				"this edition");
			return 0;
		}
		if (rc) {
			http_reply_error(r, 500, "storage error");
			return rc;
		}
		f.rubric_id = rb.id;
	}
	struct api_lookup lk;
	if (api_lookup_load(r, ed->code, &lk))
		return 0;
	struct store_article *arts;
	size_t n, total;
	if (store_article_list(app->store, r->a, &f, &arts, &n, &total, &e)) {
		http_reply_error(r, 500, "storage error");
		return 0;
	}
	struct render_json j;
	render_json_init(&j, &r->out);
	render_json_obj_begin(&j, NULL);
	render_json_str(&j, "edition", ed->code);
	render_json_int(&j, "page", page);
	render_json_int(&j, "per_page", per);
	render_json_int(&j, "total", (int64_t)total);
	render_json_int(&j, "pages",
			(int64_t)((total + (size_t)per - 1) / (size_t)per));
	render_json_arr_begin(&j, "articles");
	for (size_t i = 0; i < n; i++) {
		render_json_obj_begin(&j, NULL);
		api_article_fields(r, &j, ed, &arts[i], &lk, 0);
		render_json_obj_end(&j);
	}
	render_json_arr_end(&j);
	if ((size_t)page * (size_t)per < total)
		render_json_str(&j, "next",
				arena_printf(r->a,
					     "/api/v1/articles?edition=%s%s%s"
					     "&page=%ld&per_page=%ld",
					     ed->code, rubric ? "&rubric=" : "",
					     rubric ? rubric : "", page + 1,
					     per));
	else
		render_json_null(&j, "next");
	render_json_obj_end(&j);
	api_reply_json(r, 200);
	return 0;
}

int api_article_get(struct http_req *r)
{
	int64_t id;
	if (http_parse_id(http_param_get(r, "id"), &id) != 0) {
		http_reply_error(r, 400,
				 "article id must be a positive number");
		return 0;
	}
	struct err e = {0};
	struct store_article art;
	int rc = store_article_get(app->store, r->a, id, &art, &e);
	if (rc == ERR_NOTFOUND ||
	    (rc == 0 && (art.status != STORE_STATUS_PUBLISHED ||
			 art.publish_at > (int64_t)time(NULL)))) {
		http_reply_error(r, 404, "no such article");
		return 0;
	}
	if (rc) {
		http_reply_error(r, 500, "storage error");
		return rc;
	}
	const struct config_edition *ed =
		config_edition_find(app->cfg, art.edition);
	if (!ed) {
		http_reply_error(r, 404, "no such article");
		return 0;
	}
	struct api_lookup lk;
	if (api_lookup_load(r, ed->code, &lk))
		return 0;
	struct render_json j;
	render_json_init(&j, &r->out);
	render_json_obj_begin(&j, NULL);
	api_article_fields(r, &j, ed, &art, &lk, 1);
	render_json_arr_begin(&j, "translations");
	for (int k = 0; k < app->cfg->n_editions; k++) {
		const struct config_edition *other = &app->cfg->editions[k];
		if (!strcmp(other->code, art.edition))
			continue;
		struct store_article tr;
		if (store_article_translation_brief(app->store, r->a, art.id,
						    other->code, &tr,
						    &e) != 0 ||
		    tr.status != STORE_STATUS_PUBLISHED ||
		    tr.publish_at > (int64_t)time(NULL))
			continue;
		render_json_obj_begin(&j, NULL);
		render_json_str(&j, "edition", tr.edition);
		render_json_int(&j, "id", tr.id);
		render_json_str(&j, "title", tr.title);
		render_json_str(&j, "url", api_article_url(r, other, tr.slug));
		render_json_obj_end(&j);
	}
	render_json_arr_end(&j);
	render_json_obj_end(&j);
	api_reply_json(r, 200);
	return 0;
}

int api_rubrics_list(struct http_req *r)
{
	const struct config_edition *ed = api_edition(r);
	if (!ed)
		return 0;
	struct api_lookup lk;
	if (api_lookup_load(r, ed->code, &lk))
		return 0;
	struct render_json j;
	render_json_init(&j, &r->out);
	render_json_obj_begin(&j, NULL);
	render_json_str(&j, "edition", ed->code);
	render_json_arr_begin(&j, "rubrics");
	for (size_t i = 0; i < lk.n_rubrics; i++) {
		render_json_obj_begin(&j, NULL);
		render_json_int(&j, "id", lk.rubrics[i].id);
		render_json_str(&j, "key", lk.rubrics[i].key);
		render_json_str(&j, "slug", lk.rubrics[i].slug);
		render_json_str(&j, "name", lk.rubrics[i].name);
		render_json_str(&j, "description", lk.rubrics[i].description);
		render_json_str(&j, "url",
				arena_printf(r->a, "%s%s/rubric/%s",
					     app->cfg->base_url, ed->prefix,
					     lk.rubrics[i].slug));
		render_json_obj_end(&j);
	}
	render_json_arr_end(&j);
	render_json_obj_end(&j);
	api_reply_json(r, 200);
	return 0;
}
