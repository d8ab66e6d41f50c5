/*
 * redirects.c - redirects for editors:
 *
 *   GET  /newsroom/redirects          add form, "where does this path
 *                                     go?" (?check=/path), and every
 *                                     redirect, newest first, 50 a page
 *                                     (?page=N), filtered by ?q=
 *   POST /newsroom/redirects          add (or replace) a 301
 *   POST /newsroom/redirects/delete   delete the redirect from `from`
 *
 * The form adds the redirect from one site path to another path or an
 * http(s) URL; newsroom_redirect_check says what is allowed. The list
 * shows the manual ones and those made when a published slug changed;
 * either can be deleted. The reader site follows them on any path that
 * would otherwise be a 404 (http/routes.c). Not for making the slug
 * redirects (the article editor).
 */
#include "app.h"
#include "newsroom/internal.h"
#include "render/date.h"
#include "render/escape.h"
#include "util/arena.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

#define REDIRECTS_PER_PAGE 50

/* "/newsroom/redirects?q=...&page=N" (q URL-escaped; page 1 left out). */
static const char *redirects_url(struct http_req *r, const char *q,
				 long long page)
{
	struct buf b;
	buf_init(&b, r->a);
	buf_puts(&b, "/newsroom/redirects");
	char sep = '?';
	if (q && *q) {
		buf_puts(&b, "?q=");
		render_escape_url(&b, q, strlen(q));
		sep = '&';
	}
	if (page > 1)
		buf_printf(&b, "%cpage=%lld", sep, page);
	return b.data;
}

/* The list of redirects into ctx; -1 after replying (bad page, storage). */
static int redirects_list(struct http_req *r, struct render_val *ctx)
{
	const char *q = http_query_get(r, "q");
	if (!q)
		q = "";
	int64_t page = 1;
	const char *ps = http_query_get(r, "page");
	if (ps && (http_parse_id(ps, &page) || page > 100000)) {
		newsroom_error(r, 404, newsroom_t(r, "err_not_found"));
		return -1;
	}
	struct store_redirect *rd;
	size_t n, total;
	struct err e = {0};
	if (store_redirect_list(app->store, r->a, q,
				(size_t)(page - 1) * REDIRECTS_PER_PAGE,
				REDIRECTS_PER_PAGE, &rd, &n, &total, &e)) {
		log_error("req %s: redirects: %s", r->id, e.msg);
		newsroom_error(r, 500, newsroom_t(r, "err_storage"));
		return -1;
	}
	render_obj_set_str(ctx, "q", q);
	render_obj_set_int(ctx, "total", (long long)total);
	const char *tz = newsroom_tz(r);
	struct render_val *list = render_obj_add_list(ctx, "redirects");
	for (size_t i = 0; i < n; i++) {
		struct render_val *o = render_list_add_obj(list);
		render_obj_set_strref(o, "from", rd[i].from_path);
		render_obj_set_strref(o, "to", rd[i].to_path);
		render_obj_set_int(o, "code", rd[i].code);
		render_obj_set_strref(o, "when",
				      newsroom_date(r, tz, rd[i].created_at,
						    RENDER_DATE_LONG));
	}
	render_obj_set_bool(ctx, "has_redirects", n > 0);
	if (page > 1)
		render_obj_set_strref(ctx, "newer_url",
				      redirects_url(r, q, page - 1));
	if ((size_t)page * REDIRECTS_PER_PAGE < total)
		render_obj_set_strref(ctx, "older_url",
				      redirects_url(r, q, page + 1));
	return 0;
}

static int redirects_page(struct http_req *r, int status, const char *from,
			  const char *to, const char *err_from,
			  const char *err_to, const char *form_error)
{
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	struct render_val *ctx =
		newsroom_ctx(r, &me, "redirects", newsroom_t(r, "redirects"));
	render_obj_set_strref(ctx, "form_error", form_error);
	struct render_val *fields = render_obj_add_list(ctx, "fields");
	struct render_val *f = newsroom_field(
		fields, "from", newsroom_t(r, "from"), from, err_from);
	render_obj_set_bool(f, "required", 1);
	render_obj_set_int(f, "maxlength", 1024);
	newsroom_field_hint(f, newsroom_t(r, "from_hint"));
	f = newsroom_field(fields, "to", newsroom_t(r, "to"), to, err_to);
	render_obj_set_bool(f, "required", 1);
	render_obj_set_int(f, "maxlength", 1024);
	newsroom_field_hint(f, newsroom_t(r, "to_hint"));

	struct err e = {0};
	const char *check = http_query_get(r, "check");
	if (check && *check) {
		char *dest = NULL;
		int code = 0;
		struct render_val *c = render_obj_add_obj(ctx, "check");
		render_obj_set_str(c, "path", check);
		if (store_redirect_find(app->store, r->a, check, &dest, &code,
					&e))
			log_error("req %s: redirect find: %s", r->id, e.msg);
		render_obj_set_str(
			c, "result",
			dest ? newsroom_tf(r, "redirect_found",
					   (const char *[]){"from", check, "to",
							    dest, "code",
							    arena_printf(r->a,
									 "%d",
									 code),
							    NULL}) :
			       newsroom_t(r, "redirect_none"));
	}
	if (redirects_list(r, ctx))
		return 0;
	return newsroom_render(r, status, "redirects", ctx);
}

int page_newsroom_redirects(struct http_req *r)
{
	newsroom_begin(r);
	return redirects_page(r, 200, "", "", NULL, NULL, NULL);
}

int page_newsroom_redirects_post(struct http_req *r)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	const char *from = newsroom_field_value(r, &f, "from");
	const char *to = newsroom_field_value(r, &f, "to");
	struct err e = {0};
	if (newsroom_redirect_check(from, to, &e)) {
		int to_field = !strncmp(e.msg, "to:", 3);
		const char *msg = newsroom_t(r, to_field ? "err_redirect_to" :
							   "err_redirect_from");
		return redirects_page(r, 422, from, to, to_field ? NULL : msg,
				      to_field ? msg : NULL,
				      newsroom_t(r, "err_form"));
	}
	if (store_redirect_add(app->store, from, to, 301, &e)) {
		log_error("req %s: redirect add: %s", r->id, e.msg);
		return redirects_page(r, e.code == ERR_INVALID ? 422 : 500,
				      from, to, NULL, NULL,
				      newsroom_t(r, "err_storage"));
	}
	newsroom_audit(r, "redirect.add", "redirect", 0, "%s -> %s", from, to);
	http_cache_purge_all();
	return newsroom_done(r, "/newsroom/redirects", "saved");
}

int page_newsroom_redirect_delete(struct http_req *r)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	const char *from = newsroom_field_value(r, &f, "from");
	struct err e = {0};
	char *to = NULL;
	int code = 0;
	if (!*from ||
	    store_redirect_find(app->store, r->a, from, &to, &code, &e) != 0 ||
	    !to)
		return newsroom_error(r, 404,
				      newsroom_t(r, "err_redirect_gone"));
	int rc = store_redirect_delete(app->store, from, &e);
	if (rc == ERR_NOTFOUND)
		return newsroom_error(r, 404,
				      newsroom_t(r, "err_redirect_gone"));
	if (rc) {
		log_error("req %s: redirect delete: %s", r->id, e.msg);
		return newsroom_error(r, 500, newsroom_t(r, "err_storage"));
	}
	newsroom_audit(r, "redirect.delete", "redirect", 0, "%s -> %s", from,
		       to);
	/* A cached 301 is never kept (only 200s are), but the page that
	 * now answers the path may be. */
	http_cache_purge_all();
	return newsroom_done(r, "/newsroom/redirects", "deleted");
}
