/*
 * audit.c - GET /newsroom/audit for admins: who did what, when, newest
 * first, 50 a page (?page=N), optionally one kind of object (?type=user).
 *
 * Not for writing entries (newsroom_audit in ui.c, store_audit_add).
 */
#include "app.h"
#include "newsroom/internal.h"
#include "render/date.h"
#include "util/arena.h"
#include "util/log.h"

#include <string.h>

#define AUDIT_PER_PAGE 50

static const char *const audit_types[] = {"user",   "settings", "rubric",
					  "author", "redirect", "article"};

int page_newsroom_audit(struct http_req *r)
{
	newsroom_begin(r);
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	int64_t page = 1;
	const char *ps = http_query_get(r, "page");
	if (ps && (http_parse_id(ps, &page) || page > 100000))
		return newsroom_error(r, 404, newsroom_t(r, "err_not_found"));
	const char *type = http_query_get(r, "type");
	int known = 0;
	for (size_t i = 0; type && i < sizeof audit_types / sizeof *audit_types;
	     i++)
		known |= !strcmp(type, audit_types[i]);
	if (!known)
		type = NULL;

	struct store_audit *au;
	size_t n;
	struct store_user *us;
	size_t nus;
	struct err e = {0};
	if (store_audit_list(app->store, r->a, type, 0,
			     (size_t)(page - 1) * AUDIT_PER_PAGE,
			     AUDIT_PER_PAGE + 1, &au, &n, &e) ||
	    store_user_list(app->store, r->a, &us, &nus, &e)) {
		log_error("req %s: audit: %s", r->id, e.msg);
		return newsroom_error(r, 500, newsroom_t(r, "err_storage"));
	}
	struct render_val *ctx =
		newsroom_ctx(r, &me, "audit", newsroom_t(r, "audit"));
	const char *tz = newsroom_tz(r);
	render_obj_set_bool(ctx, "has_entries", n > 0);
	struct render_val *list = render_obj_add_list(ctx, "entries");
	for (size_t i = 0; i < n && i < AUDIT_PER_PAGE; i++) {
		struct render_val *o = render_list_add_obj(list);
		const char *who = newsroom_t(r, "system");
		for (size_t k = 0; au[i].user_id && k < nus; k++)
			if (us[k].id == au[i].user_id)
				who = us[k].login;
		if (au[i].user_id && who == newsroom_t(r, "system"))
			who = arena_printf(r->a, "#%lld",
					   (long long)au[i].user_id);
		render_obj_set_strref(o, "who", who);
		render_obj_set_strref(o, "when",
				      newsroom_date(r, tz, au[i].at,
						    RENDER_DATE_LONG));
		render_obj_set_strref(o, "iso",
				      newsroom_date(r, tz, au[i].at,
						    RENDER_DATE_ISO));
		render_obj_set_strref(o, "action", au[i].action);
		render_obj_set_str(
			o, "object",
			!au[i].object_type[0] ?
				"" :
			au[i].object_id ?
				arena_printf(r->a, "%s #%lld",
					     au[i].object_type,
					     (long long)au[i].object_id) :
				au[i].object_type);
		render_obj_set_strref(o, "detail", au[i].detail);
	}
	struct render_val *types = render_obj_add_list(ctx, "types");
	for (size_t i = 0; i < sizeof audit_types / sizeof *audit_types; i++) {
		struct render_val *o = render_list_add_obj(types);
		render_obj_set_strref(o, "value", audit_types[i]);
		render_obj_set_bool(o, "selected",
				    type && !strcmp(type, audit_types[i]));
	}
	const char *q = type ? arena_printf(r->a, "type=%s&", type) : "";
	if (page > 1)
		render_obj_set_str(ctx, "newer_url",
				   arena_printf(r->a,
						"/newsroom/audit?%spage=%lld",
						q, (long long)page - 1));
	if (n > AUDIT_PER_PAGE)
		render_obj_set_str(ctx, "older_url",
				   arena_printf(r->a,
						"/newsroom/audit?%spage=%lld",
						q, (long long)page + 1));
	return newsroom_render(r, 200, "audit", ctx);
}
