/*
 * article_revisions.c - an article's history: every save is a revision
 * (the store writes one per store_article_save), and the editor's
 * autosaves are revisions marked as such, typed over a saved one; here
 * they are listed, shown as a word diff (a saved revision against the
 * saved one before, an autosave against the one it was typed over), and
 * restored.
 *
 *   GET  /newsroom/articles/{id}/revisions    the list, newest first,
 *                                             words added/removed each
 *   GET  /newsroom/revisions/{rev}            title, lead and text of
 *                                             revision rev diffed against
 *                                             the previous one
 *   POST /newsroom/revisions/{rev}/restore    save the article again
 *                                             with that revision's text
 *                                             (a new revision; nothing
 *                                             is deleted)
 *
 * Restoring is an ordinary save: it carries the article version the page
 * showed, so restoring over someone's newer save is a conflict (409),
 * not an overwrite. Ownership rules are the editor's. Not for diffing
 * itself (diff.c).
 */
#include "app.h"
#include "newsroom/articles.h"
#include "newsroom/diff.h"
#include "render/markdown.h"
#include "util/arena.h"
#include "util/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define NR_REVISIONS_SHOWN 200 /* rows of the list (the newest) */

/* Display name of user id (0: the system), cached in a tiny list. */
struct nr_user_cache {
	int64_t id[16];
	const char *name[16];
	int n;
};

static const char *nr_user_name(struct http_req *r, struct nr_user_cache *c,
				int64_t id)
{
	if (!id)
		return nr_t(r, "system");
	for (int i = 0; i < c->n; i++)
		if (c->id[i] == id)
			return c->name[i];
	struct store_user u;
	struct err e = {0};
	const char *name =
		store_user_get(app->store, r->a, id, &u, &e) == 0 ?
			(*u.display_name ? u.display_name : u.login) :
			arena_printf(r->a, "#%" PRId64, id);
	if (c->n < 16) {
		c->id[c->n] = id;
		c->name[c->n++] = name;
	}
	return name;
}

/* Diff stats of rev against prev (NULL: against nothing). */
static void nr_rev_stats(const struct store_revision *prev,
			 const struct store_revision *rev,
			 struct newsroom_diff_stats *sum, struct buf *scratch)
{
	const char *pa[3] = {"", "", ""};
	if (prev) {
		pa[0] = prev->title;
		pa[1] = prev->lead;
		pa[2] = prev->body_md;
	}
	const char *pb[3] = {rev->title, rev->lead, rev->body_md};
	memset(sum, 0, sizeof *sum);
	for (int i = 0; i < 3; i++) {
		struct newsroom_diff_stats st;
		buf_clear(scratch);
		newsroom_diff_html(scratch, pa[i], strlen(pa[i]), pb[i],
				   strlen(pb[i]), 0, &st);
		sum->words_added += st.words_added;
		sum->words_removed += st.words_removed;
		sum->changes += st.changes;
		sum->approximate |= st.approximate;
	}
}

int page_newsroom_article_revisions(struct http_req *r)
{
	newsroom_begin(r);
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	int64_t id = nr_param_id(r, "id");
	if (id <= 0) {
		if (id == 0)
			newsroom_error(r, 404, nr_t(r, "not_found"));
		return 0;
	}
	struct store_article art;
	if (nr_article_load(r, id, &art))
		return 0;
	struct store_revision *revs;
	size_t n;
	struct err e = {0};
	if (nr_revisions_load(r, id, &revs, &n, &e)) {
		log_error("req %s: revisions of %" PRId64 ": %s", r->id, id,
			  e.msg);
		return newsroom_error(r, 500, nr_t(r, "storage_error"));
	}
	const char *tz = nr_site_tz(r);
	struct render_val *ctx = newsroom_ctx(
		r, &me, "articles",
		arena_printf(r->a, "%s: %s", nr_t(r, "revisions"), art.title));
	struct render_val *A = render_obj_add_obj(ctx, "art");
	render_obj_set_int(A, "id", art.id);
	render_obj_set_strref(A, "title", art.title);
	render_obj_set_int(A, "version", art.version);
	render_obj_set_str(A, "edit_url",
			   arena_printf(r->a, "/newsroom/articles/%" PRId64,
					id));
	render_obj_set_int(A, "count", (long long)n);
	struct render_val *rows = render_obj_add_list(ctx, "revisions");
	struct nr_user_cache uc = {0};
	struct buf scratch;
	buf_init(&scratch, r->a);
	for (size_t i = 0; i < n && i < NR_REVISIONS_SHOWN; i++) {
		const struct store_revision *rv = &revs[i];
		struct render_val *o = render_list_add_obj(rows);
		render_obj_set_int(o, "number", rv->number);
		render_obj_set_str(o, "url",
				   arena_printf(r->a,
						"/newsroom/revisions/%" PRId64,
						rv->id));
		render_obj_set_str(o, "date", nr_date(r, rv->created_at, tz));
		render_obj_set_strref(o, "by",
				      nr_user_name(r, &uc, rv->user_id));
		render_obj_set_bool(o, "autosave", rv->autosave);
		render_obj_set_bool(o, "current",
				    !rv->autosave && rv->number == art.version);
		render_obj_set_strref(o, "title", rv->title);
		struct newsroom_diff_stats st;
		size_t b = nr_revision_base(revs, n, i);
		nr_rev_stats(b < n ? &revs[b] : NULL, rv, &st, &scratch);
		render_obj_set_int(o, "added", (long long)st.words_added);
		render_obj_set_int(o, "removed", (long long)st.words_removed);
		render_obj_set_bool(o, "unchanged", st.changes == 0);
	}
	return newsroom_render(r, 200, "revision_list", ctx);
}

/* Render revision `rev_id` of art with its diff; status and a notice. */
static int nr_revision_render(struct http_req *r, const struct newsroom_me *me,
			      const struct store_article *art,
			      const struct store_revision *revs, size_t n,
			      size_t at, int status, const char *notice)
{
	const struct store_revision *rv = &revs[at];
	size_t base = nr_revision_base(revs, n, at);
	const struct store_revision *prev = base < n ? &revs[base] : NULL;
	const char *tz = nr_site_tz(r);
	struct render_val *ctx = newsroom_ctx(
		r, me, "articles",
		arena_printf(r->a, "%s %" PRId64 ": %s", nr_t(r, "revision"),
			     rv->number, art->title));
	struct render_val *A = render_obj_add_obj(ctx, "art");
	render_obj_set_int(A, "id", art->id);
	render_obj_set_strref(A, "title", art->title);
	render_obj_set_int(A, "version", art->version);
	render_obj_set_str(A, "edit_url",
			   arena_printf(r->a, "/newsroom/articles/%" PRId64,
					art->id));
	render_obj_set_str(
		A, "revisions_url",
		arena_printf(r->a, "/newsroom/articles/%" PRId64 "/revisions",
			     art->id));
	struct render_val *R = render_obj_add_obj(ctx, "rev");
	struct nr_user_cache uc = {0};
	render_obj_set_int(R, "id", rv->id);
	render_obj_set_int(R, "number", rv->number);
	render_obj_set_str(R, "date", nr_date(r, rv->created_at, tz));
	render_obj_set_strref(R, "by", nr_user_name(r, &uc, rv->user_id));
	render_obj_set_bool(R, "autosave", rv->autosave);
	int current = !rv->autosave && rv->number == art->version;
	render_obj_set_bool(R, "current", current);
	render_obj_set_strref(R, "body_md", rv->body_md);
	if (rv->autosave)
		render_obj_set_str(R, "open_url",
				   arena_printf(r->a,
						"/newsroom/articles/%" PRId64
						"?autosave=%" PRId64,
						art->id, rv->id));
	if (prev) {
		render_obj_set_int(R, "prev_number", prev->number);
		render_obj_set_str(R, "prev_url",
				   arena_printf(r->a,
						"/newsroom/revisions/%" PRId64,
						prev->id));
	}
	if (at + 1 < n)
		render_obj_set_str(R, "older_url",
				   arena_printf(r->a,
						"/newsroom/revisions/%" PRId64,
						revs[at + 1].id));
	if (at > 0)
		render_obj_set_str(R, "next_url",
				   arena_printf(r->a,
						"/newsroom/revisions/%" PRId64,
						revs[at - 1].id));
	/* The word diffs against the revision before (or nothing). */
	const char *pa[3] = {"", "", ""};
	if (prev) {
		pa[0] = prev->title;
		pa[1] = prev->lead;
		pa[2] = prev->body_md;
	}
	const char *pb[3] = {rv->title, rv->lead, rv->body_md};
	static const char *const keys[3] = {"title_diff", "lead_diff",
					    "body_diff"};
	struct newsroom_diff_stats sum = {0};
	for (int i = 0; i < 3; i++) {
		struct buf d;
		buf_init(&d, r->a);
		struct newsroom_diff_stats st;
		newsroom_diff_html(&d, pa[i], strlen(pa[i]), pb[i],
				   strlen(pb[i]), 0, &st);
		render_obj_set_strref(R, keys[i], d.data);
		sum.words_added += st.words_added;
		sum.words_removed += st.words_removed;
		sum.changes += st.changes;
		sum.approximate |= st.approximate;
	}
	render_obj_set_int(R, "added", (long long)sum.words_added);
	render_obj_set_int(R, "removed", (long long)sum.words_removed);
	render_obj_set_bool(R, "unchanged", sum.changes == 0);
	render_obj_set_bool(R, "approximate", sum.approximate);
	int live = art->status == STORE_STATUS_PUBLISHED ||
		   art->status == STORE_STATUS_SCHEDULED;
	if (!current && (!live || r->role >= STORE_ROLE_AUTHOR))
		render_obj_set_str(R, "restore_url",
				   arena_printf(r->a,
						"/newsroom/revisions/%" PRId64
						"/restore",
						rv->id));
	if (notice) {
		struct render_val *m = render_obj_add_obj(ctx, "notice");
		render_obj_set_strref(m, "text", notice);
		render_obj_set_bool(m, "error", status >= 400);
	}
	return newsroom_render(r, status, "revision", ctx);
}

/* Load revision {rev} of the path, its article (ownership checked) and
 * the article's revisions; *at is its index. 0, or -1 after replying. */
static int nr_revision_load(struct http_req *r, struct store_revision *rv,
			    struct store_article *art,
			    struct store_revision **revs, size_t *n, size_t *at)
{
	int64_t rid = nr_param_id(r, "rev");
	if (rid < 0)
		return -1;
	struct err e = {0};
	int rc = rid ? store_revision_get(app->store, r->a, rid, rv, &e) :
		       ERR_NOTFOUND;
	if (rc == ERR_NOTFOUND) {
		newsroom_error(r, 404, nr_t(r, "not_found"));
		return -1;
	}
	if (rc) {
		log_error("req %s: revision %" PRId64 ": %s", r->id, rid,
			  e.msg);
		newsroom_error(r, 500, nr_t(r, "storage_error"));
		return -1;
	}
	if (nr_article_load(r, rv->article_id, art))
		return -1;
	if (nr_revisions_load(r, art->id, revs, n, &e)) {
		log_error("req %s: revisions of %" PRId64 ": %s", r->id,
			  art->id, e.msg);
		newsroom_error(r, 500, nr_t(r, "storage_error"));
		return -1;
	}
	for (*at = 0; *at < *n && (*revs)[*at].id != rv->id; (*at)++)
		;
	if (*at == *n) {
		newsroom_error(r, 404, nr_t(r, "not_found"));
		return -1;
	}
	return 0;
}

int page_newsroom_revision(struct http_req *r)
{
	newsroom_begin(r);
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	struct store_revision rv, *revs;
	struct store_article art;
	size_t n, at;
	if (nr_revision_load(r, &rv, &art, &revs, &n, &at))
		return 0;
	return nr_revision_render(r, &me, &art, revs, n, at, 200, NULL);
}

int page_newsroom_revision_restore(struct http_req *r)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	struct store_revision rv, *revs;
	struct store_article art;
	size_t n, at;
	if (nr_revision_load(r, &rv, &art, &revs, &n, &at))
		return 0;
	int live = art.status == STORE_STATUS_PUBLISHED ||
		   art.status == STORE_STATUS_SCHEDULED;
	if (live && r->role < STORE_ROLE_AUTHOR)
		return newsroom_error(r, 403, nr_t(r, "err_live_contributor"));

	struct store_article before = art;
	const char *v = newsroom_form_get(&f, "version");
	int64_t ver = art.version;
	if (v && *v && http_parse_id(v, &ver) != 0)
		return nr_revision_render(r, &me, &art, revs, n, at, 422,
					  nr_t(r, "err_version"));
	art.title = rv.title;
	art.lead = rv.lead;
	art.body_md = rv.body_md;
	struct buf html;
	buf_init(&html, r->a);
	struct err e = {0};
	if (render_md_to_html(art.body_md, strlen(art.body_md), &html, &e)) {
		log_error("req %s: restore: %s", r->id, e.msg);
		return nr_revision_render(r, &me, &before, revs, n, at, 422,
					  e.msg);
	}
	art.body_html = html.data;
	art.version = ver;
	int rc = store_article_save(app->store, &art, r->user_id, &e);
	if (rc == ERR_CONFLICT)
		return nr_revision_render(r, &me, &before, revs, n, at, 409,
					  nr_t(r, "conflict_restore"));
	if (rc == ERR_INVALID)
		return nr_revision_render(r, &me, &before, revs, n, at, 422,
					  e.msg);
	if (rc) {
		log_error("req %s: restore: %s", r->id, e.msg);
		return nr_revision_render(r, &me, &before, revs, n, at, 500,
					  nr_t(r, "storage_error"));
	}
	newsroom_audit(r, "article.restore", "article", art.id,
		       "%s %" PRId64 " restored as version %" PRId64,
		       rv.autosave ? "autosave over revision" : "revision",
		       rv.number, art.version);
	nr_purge(&before, &art);
	return newsroom_done(
		r, arena_printf(r->a, "/newsroom/articles/%" PRId64, art.id),
		"art_restored");
}
