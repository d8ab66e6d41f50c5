/*
 * redirects.c - manual 301 redirects for editors: GET/POST
 * /newsroom/redirects.
 *
 * The form adds (or replaces) the redirect from one site path to another
 * path or an http(s) URL; newsroom_redirect_check says what is allowed.
 * The page also answers "where does this path go?" (?check=/path) and
 * lists the redirects added recently, from the audit log: the store has
 * no call that lists redirects yet. Not for the redirects made when a
 * published slug changes (the article editor) nor for following them
 * (reader pages).
 */
#include "app.h"
#include "newsroom/internal.h"
#include "render/date.h"
#include "util/arena.h"
#include "util/log.h"

#include <string.h>

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

	struct store_audit *au;
	size_t n;
	const char *tz = newsroom_tz(r);
	struct render_val *recent = render_obj_add_list(ctx, "recent");
	if (store_audit_list(app->store, r->a, "redirect", 0, 0, 50, &au, &n,
			     &e) == 0)
		for (size_t i = 0; i < n; i++) {
			struct render_val *o = render_list_add_obj(recent);
			render_obj_set_strref(o, "detail", au[i].detail);
			render_obj_set_strref(o, "when",
					      newsroom_date(r, tz, au[i].at,
							    RENDER_DATE_LONG));
		}
	else
		log_error("req %s: audit list: %s", r->id, e.msg);
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
