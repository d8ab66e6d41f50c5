/*
 * tags.c - tags for editors, per edition:
 *
 *   GET  /newsroom/tags              every tag of ?edition= (default: the
 *                                    UI's) with its article count, by
 *                                    name, 50 a page (?page=), ?q= filter
 *   POST /newsroom/tags/{id}/rename  new name (and web address: made from
 *                                    the name when empty)
 *   POST /newsroom/tags/{id}/merge   move its articles to the tag named
 *                                    in `into` (name or address, same
 *                                    edition) and delete it
 *   POST /newsroom/tags/{id}/delete  delete it; its articles lose it
 *
 * A rename or merge that changes a tag's address leaves a 301 from the
 * old tag page to the new one. Every change purges the page cache (tag
 * pages, article pages and feeds show tags). The role (editor) is in the
 * route table. Not for the tags of one article (the editor).
 */
#include "app.h"
#include "newsroom/internal.h"
#include "render/escape.h"
#include "util/arena.h"
#include "util/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define TAGS_PER_PAGE 50
#define TAGS_NAME_MAX 64 /* bytes, as the article editor keeps */

/* The edition of ?edition= or the form, else the UI language's. */
static const struct config_edition *tags_edition(struct http_req *r,
						 const char *code)
{
	const struct config_edition *ce =
		code && *code ? config_edition_find(app->cfg, code) : NULL;
	if (!ce)
		ce = config_edition_find(app->cfg, r->edition);
	if (!ce)
		ce = config_edition_find(app->cfg, app->cfg->default_edition);
	return ce;
}

/* "/newsroom/tags?edition=en&q=...&page=N" */
static const char *tags_url(struct http_req *r, const char *edition,
			    const char *q, long long page)
{
	struct buf b;
	buf_init(&b, r->a);
	buf_printf(&b, "/newsroom/tags?edition=%s", edition);
	if (q && *q) {
		buf_puts(&b, "&q=");
		render_escape_url(&b, q, strlen(q));
	}
	if (page > 1)
		buf_printf(&b, "&page=%lld", page);
	return b.data;
}

/* The page; error (may be NULL) above the list, row_id's forms open. */
static int tags_page(struct http_req *r, int status, const char *edition,
		     const char *error, int64_t row_id)
{
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	const struct config_edition *ce = tags_edition(r, edition);
	const char *q = http_query_get(r, "q");
	if (!q)
		q = "";
	int64_t page = 1;
	const char *ps = http_query_get(r, "page");
	if (ps && (http_parse_id(ps, &page) || page > 100000))
		return newsroom_error(r, 404, newsroom_t(r, "err_not_found"));
	struct store_tag_use *tags;
	size_t n, total;
	struct err e = {0};
	if (store_tag_list_all(app->store, r->a, ce->code, q,
			       (size_t)(page - 1) * TAGS_PER_PAGE,
			       TAGS_PER_PAGE, &tags, &n, &total, &e)) {
		log_error("req %s: tags: %s", r->id, e.msg);
		return newsroom_error(r, 500, newsroom_t(r, "err_storage"));
	}
	struct render_val *ctx =
		newsroom_ctx(r, &me, "tags", newsroom_t(r, "tags"));
	render_obj_set_strref(ctx, "form_error", error);
	render_obj_set_strref(ctx, "edition", ce->code);
	render_obj_set_str(ctx, "q", q);
	render_obj_set_int(ctx, "total", (long long)total);
	struct render_val *eds = render_obj_add_list(ctx, "editions");
	for (int k = 0; k < app->cfg->n_editions; k++) {
		const struct config_edition *x = &app->cfg->editions[k];
		struct render_val *o = render_list_add_obj(eds);
		render_obj_set_strref(o, "code", x->code);
		render_obj_set_strref(o, "name", x->name);
		render_obj_set_strref(o, "url", tags_url(r, x->code, NULL, 1));
		render_obj_set_bool(o, "current", x == ce);
	}
	struct render_val *list = render_obj_add_list(ctx, "tags");
	for (size_t i = 0; i < n; i++) {
		const struct store_tag *t = &tags[i].tag;
		struct render_val *o = render_list_add_obj(list);
		render_obj_set_int(o, "id", t->id);
		render_obj_set_strref(o, "name", t->name);
		render_obj_set_strref(o, "slug", t->slug);
		render_obj_set_int(o, "articles", tags[i].articles);
		render_obj_set_strref(o, "public_url",
				      page_url(r, ce->prefix, "tag", t->slug));
		render_obj_set_str(o, "action",
				   arena_printf(r->a, "/newsroom/tags/%" PRId64,
						t->id));
		render_obj_set_bool(o, "open", t->id == row_id);
		render_obj_set_str(
			o, "delete_confirm",
			newsroom_tf(
				r, "tag_delete_confirm",
				(const char *[]){"name", t->name, "count",
						 arena_printf(r->a, "%" PRId64,
							      tags[i].articles),
						 NULL}));
	}
	render_obj_set_bool(ctx, "has_tags", n > 0);
	if (page > 1)
		render_obj_set_strref(ctx, "newer_url",
				      tags_url(r, ce->code, q, page - 1));
	if ((size_t)page * TAGS_PER_PAGE < total)
		render_obj_set_strref(ctx, "older_url",
				      tags_url(r, ce->code, q, page + 1));
	return newsroom_render(r, status, "tags", ctx);
}

int page_newsroom_tags(struct http_req *r)
{
	newsroom_begin(r);
	return tags_page(r, 200, http_query_get(r, "edition"), NULL, 0);
}

/* What every tag POST starts with: CSRF, the form, the tag. 0, or -1
 * after replying. */
static int tags_post_begin(struct http_req *r, struct newsroom_form *f,
			   struct store_tag_use *t)
{
	if (newsroom_csrf_check(r))
		return -1;
	newsroom_begin(r);
	if (newsroom_form_read(r, f))
		return -1;
	int64_t id;
	struct err e = {0};
	const char *s = http_param_get(r, "id");
	int rc = s && http_parse_id(s, &id) == 0 ?
			 store_tag_get(app->store, r->a, id, t, &e) :
			 ERR_NOTFOUND;
	if (rc == ERR_NOTFOUND) {
		newsroom_error(r, 404, newsroom_t(r, "err_tag_gone"));
		return -1;
	}
	if (rc) {
		log_error("req %s: tag: %s", r->id, e.msg);
		newsroom_error(r, 500, newsroom_t(r, "err_storage"));
		return -1;
	}
	return 0;
}

/* After a change of t's address: 301 from its old tag page to new_slug's
 * (when it had one: a tag page lists published articles). */
static void tags_redirect(struct http_req *r, const struct store_tag_use *t,
			  const char *new_slug)
{
	if (!strcmp(t->tag.slug, new_slug) || t->articles == 0)
		return;
	const struct config_edition *ce =
		config_edition_find(app->cfg, t->tag.edition);
	if (!ce)
		return;
	const char *from = page_url(r, ce->prefix, "tag", t->tag.slug);
	const char *to = page_url(r, ce->prefix, "tag", new_slug);
	struct err e = {0};
	if (store_redirect_add(app->store, from, to, 301, &e)) {
		log_error("req %s: redirect %s -> %s: %s", r->id, from, to,
			  e.msg);
		return;
	}
	newsroom_audit(r, "redirect.add", "tag", t->tag.id, "%s -> %s (tag)",
		       from, to);
}

/* Back to the list of t's edition with a flash. */
static int tags_done(struct http_req *r, const struct store_tag_use *t,
		     const char *done)
{
	return newsroom_done(r,
			     arena_printf(r->a, "/newsroom/tags?edition=%s",
					  t->tag.edition),
			     done);
}

int page_newsroom_tag_rename(struct http_req *r)
{
	struct newsroom_form f;
	struct store_tag_use t;
	if (tags_post_begin(r, &f, &t))
		return 0;
	const char *name = newsroom_field_value(r, &f, "name");
	const char *slug = newsroom_field_value(r, &f, "slug");
	if (!*name || strlen(name) > TAGS_NAME_MAX || strchr(name, ','))
		return tags_page(r, 422, t.tag.edition,
				 newsroom_t(r, "err_tag_name"), t.tag.id);
	const char *new_slug = store_slugify(r->a, *slug ? slug : name);
	if (!*new_slug)
		return tags_page(r, 422, t.tag.edition,
				 newsroom_t(r, "err_slug"), t.tag.id);
	struct err e = {0};
	int rc = store_tag_rename(app->store, t.tag.id, name, new_slug, &e);
	if (rc == ERR_CONFLICT)
		return tags_page(r, 409, t.tag.edition,
				 newsroom_t(r, "err_tag_taken"), t.tag.id);
	if (rc == ERR_INVALID)
		return tags_page(r, 422, t.tag.edition,
				 newsroom_t(r, "err_tag_name"), t.tag.id);
	if (rc) {
		log_error("req %s: tag rename: %s", r->id, e.msg);
		return tags_page(r, 500, t.tag.edition,
				 newsroom_t(r, "err_storage"), t.tag.id);
	}
	newsroom_audit(r, "tag.rename", "tag", t.tag.id, "%s (%s) -> %s (%s)",
		       t.tag.name, t.tag.slug, name, new_slug);
	tags_redirect(r, &t, new_slug);
	http_cache_purge_all();
	return tags_done(r, &t, "saved");
}

int page_newsroom_tag_merge(struct http_req *r)
{
	struct newsroom_form f;
	struct store_tag_use t;
	if (tags_post_begin(r, &f, &t))
		return 0;
	const char *into = newsroom_field_value(r, &f, "into");
	struct store_tag target;
	struct err e = {0};
	const char *slug = store_slugify(r->a, into);
	int rc = *slug ? store_tag_by_slug(app->store, r->a, t.tag.edition,
					   slug, &target, &e) :
			 ERR_NOTFOUND;
	if (rc == ERR_NOTFOUND || (rc == 0 && target.id == t.tag.id))
		return tags_page(r, 422, t.tag.edition,
				 newsroom_t(r, "err_tag_into"), t.tag.id);
	if (rc == 0)
		rc = store_tag_merge(app->store, t.tag.id, target.id, &e);
	if (rc == ERR_NOTFOUND || rc == ERR_INVALID)
		return tags_page(r, 422, t.tag.edition,
				 newsroom_t(r, "err_tag_into"), t.tag.id);
	if (rc) {
		log_error("req %s: tag merge: %s", r->id, e.msg);
		return tags_page(r, 500, t.tag.edition,
				 newsroom_t(r, "err_storage"), t.tag.id);
	}
	newsroom_audit(r, "tag.merge", "tag", target.id,
		       "%s (%s, %" PRId64 " articles) merged into %s (%s)",
		       t.tag.name, t.tag.slug, t.articles, target.name,
		       target.slug);
	tags_redirect(r, &t, target.slug);
	http_cache_purge_all();
	return tags_done(r, &t, "merged");
}

int page_newsroom_tag_delete(struct http_req *r)
{
	struct newsroom_form f;
	struct store_tag_use t;
	if (tags_post_begin(r, &f, &t))
		return 0;
	struct err e = {0};
	int rc = store_tag_delete(app->store, t.tag.id, &e);
	if (rc == ERR_NOTFOUND)
		return newsroom_error(r, 404, newsroom_t(r, "err_tag_gone"));
	if (rc) {
		log_error("req %s: tag delete: %s", r->id, e.msg);
		return tags_page(r, 500, t.tag.edition,
				 newsroom_t(r, "err_storage"), t.tag.id);
	}
	newsroom_audit(r, "tag.delete", "tag", t.tag.id,
		       "%s (%s), on %" PRId64 " articles", t.tag.name,
		       t.tag.slug, t.articles);
	http_cache_purge_all();
	return tags_done(r, &t, "deleted");
}
