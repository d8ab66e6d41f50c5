/*
 * home.c - GET /newsroom: the dashboard every logged-in role lands on:
 * who you are, what your role may do, the sections you can open.
 *
 * Not for the sections themselves (one file each).
 */
#include "app.h"
#include "newsroom/internal.h"
#include "util/arena.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

int page_newsroom_home(struct http_req *r)
{
	newsroom_begin(r);
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	struct render_val *ctx =
		newsroom_ctx(r, &me, "dashboard", newsroom_t(r, "dashboard"));
	const char *name = me.u.display_name && *me.u.display_name ?
				   me.u.display_name :
				   me.u.login;
	render_obj_set_str(ctx, "welcome",
			   newsroom_tf(r, "welcome",
				       (const char *[]){"name", name, NULL}));
	render_obj_set_str(
		ctx, "your_role",
		newsroom_tf(r, "your_role",
			    (const char *[]){"role",
					     newsroom_role_label(r, me.u.role),
					     NULL}));
	/* A bulk load left articles for the search index (README: demo). */
	size_t backlog = 0;
	struct err e = {0};
	if (store_search_backlog(app->store, &backlog, &e) != 0)
		log_warn("newsroom: search backlog: %s", e.msg);
	if (backlog) {
		char n[32];
		snprintf(n, sizeof n, "%zu", backlog);
		render_obj_set_str(
			ctx, "search_backlog",
			newsroom_tf(r, "search_backlog",
				    (const char *[]){"n", n, NULL}));
	}
	char key[64];
	snprintf(key, sizeof key, "role_%s_about", store_role_name(me.u.role));
	render_obj_set_strref(ctx, "role_about", newsroom_t(r, key));
	/* Cards: the sections of the menu but the dashboard itself. */
	struct render_val *cards = render_obj_add_list(ctx, "cards");
	struct render_val *nav = render_obj_get(ctx, "nav");
	for (size_t i = 1; nav && i < nav->len; i++) {
		struct render_val *n = nav->u.items[i];
		struct render_val *c = render_list_add_obj(cards);
		render_obj_set(c, "url", render_obj_get(n, "url"));
		render_obj_set(c, "label", render_obj_get(n, "label"));
		const char *url = render_obj_get(n, "url")->u.s;
		snprintf(key, sizeof key, "%s_about", strrchr(url, '/') + 1);
		render_obj_set_strref(c, "about", newsroom_t(r, key));
	}
	return newsroom_render(r, 200, "dashboard", ctx);
}
