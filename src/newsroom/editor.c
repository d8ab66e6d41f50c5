/*
 * editor.c - the article editor's handlers: open, save (with the status
 * the pressed button asks for), autosave, and the Markdown preview.
 *
 *   GET  /newsroom/articles/new               empty editor (?edition=,
 *                                             ?translation_of=ID)
 *   GET  /newsroom/articles/{id}              editor of article id
 *   POST /newsroom/articles/{id|new}          save, status kept (draft
 *                                             for a new one)
 *   POST /newsroom/articles/{id|new}/review   save, submit for review
 *   POST /newsroom/articles/{id|new}/publish  save, publish now (author+)
 *   POST /newsroom/articles/{id|new}/schedule save, publish at publish_at
 *   POST /newsroom/articles/{id|new}/unpublish save, take off the site
 *   POST /newsroom/articles/{id|new}/autosave JSON: keep the text as an
 *                                             autosave revision (a new
 *                                             article becomes a draft)
 *   POST /newsroom/preview                    body_md -> HTML fragment
 *
 * Never lose a word: the form carries the version it was loaded at; a
 * save over a newer version is refused (409) and the editor comes back
 * with the text typed in the form and the stored one beside it, read
 * only; a save that fails validation (422) or storage (500) comes back
 * with everything typed. The role a route needs is in the route table;
 * ownership (contributors and authors act on their own articles only)
 * and "a contributor cannot change a live article" are checked here.
 * Not for the list (articles.c) or revisions (article_revisions.c).
 */
#include "app.h"
#include "newsroom/articles.h"
#include "render/date.h"
#include "render/json.h"
#include "render/locale.h"
#include "render/markdown.h"
#include "util/arena.h"
#include "util/log.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- opening the editor --------------------------------------------- */

/* "a, b" from the article's tags. */
static const char *nr_tags_text(struct http_req *r,
				const struct store_article *art)
{
	struct buf b;
	buf_init(&b, r->a);
	for (size_t i = 0; i < art->n_tags; i++) {
		if (i)
			buf_puts(&b, ", ");
		buf_puts(&b, art->tags[i].name);
	}
	return b.data;
}

/* The notice for ?done= after a save (PRG), or NULL. */
static const char *nr_done_notice(struct http_req *r)
{
	static const char *const known[] = {"saved",       "review",
					    "published",   "scheduled",
					    "unpublished", "restored",
					    "created"};
	/* "art_" keeps these apart from the newsroom's own ?done= flash. */
	const char *d = http_query_get(r, "done");
	if (!d || strncmp(d, "art_", 4))
		return NULL;
	d += 4;
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (!strcmp(d, known[i])) {
			char key[48];
			snprintf(key, sizeof key, "done_%s", known[i]);
			return nr_t(r, key);
		}
	return NULL;
}

int page_newsroom_article_new(struct http_req *r)
{
	newsroom_begin(r);
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	struct nr_edit ed;
	memset(&ed, 0, sizeof ed);
	ed.art.edition = (char *)app->cfg->default_edition;
	const char *edq = http_query_get(r, "edition");
	if (edq && config_edition_find(app->cfg, edq))
		ed.art.edition = (char *)edq;
	ed.art.kind = "news";
	ed.art.status = STORE_STATUS_DRAFT;
	ed.art.title = ed.art.lead = ed.art.body_md = ed.art.body_html = "";
	ed.art.slug = ed.art.seo_title = ed.art.seo_description = "";
	ed.art.correction = "";
	ed.tags_text = "";
	/* "Translate": the other article's edition is not ours. */
	const char *tq = http_query_get(r, "translation_of");
	int64_t tid;
	struct store_article other;
	struct err e = {0};
	if (tq && http_parse_id(tq, &tid) == 0 &&
	    store_article_get(app->store, r->a, tid, &other, &e) == 0) {
		ed.translation_id = tid;
		ed.art.kind = other.kind;
		ed.art.rubric_id = other.rubric_id;
		ed.art.author_ids = other.author_ids;
		ed.art.n_authors = other.n_authors;
		ed.art.lead_media_id = other.lead_media_id;
		if (!edq || !strcmp(edq, other.edition))
			for (int k = 0; k < app->cfg->n_editions; k++)
				if (strcmp(app->cfg->editions[k].code,
					   other.edition)) {
					ed.art.edition =
						(char *)app->cfg->editions[k]
							.code;
					break;
				}
	}
	return nr_editor_render(r, &me, &ed, 200);
}

/* The user's autosave of ed->art newer than its saved text and unlike
 * it, offered back by the editor (ed->autosave). */
static void nr_autosave_offer(struct http_req *r, struct nr_edit *ed)
{
	const struct store_article *art = &ed->art;
	struct store_revision *rv = arena_alloc(r->a, sizeof *rv);
	struct err e = {0};
	int rc = store_revision_autosave_pending(app->store, r->a, art->id,
						 r->user_id, rv, &e);
	if (rc) {
		if (rc != ERR_NOTFOUND)
			log_error("req %s: autosave of %" PRId64 ": %s", r->id,
				  art->id, e.msg);
		return;
	}
	if (!strcmp(rv->title, art->title) && !strcmp(rv->lead, art->lead) &&
	    !strcmp(rv->body_md, art->body_md))
		return;
	ed->autosave = rv;
}

/* GET /newsroom/articles/{id}?autosave=REV: the editor with the texts of
 * autosave REV of this article in the form, over the version it was
 * typed on (so that saving it over a newer save is a conflict, not an
 * overwrite). Nothing is saved until the journalist saves. */
static int nr_autosave_open(struct http_req *r, const struct newsroom_me *me,
			    struct nr_edit *ed, const char *rev)
{
	int64_t rid;
	struct store_revision rv;
	struct err e = {0};
	if (http_parse_id(rev, &rid) != 0 ||
	    store_revision_get(app->store, r->a, rid, &rv, &e) != 0 ||
	    !rv.autosave || rv.article_id != ed->art.id)
		return newsroom_error(r, 404, nr_t(r, "not_found"));
	struct store_article *art = &ed->art;
	art->title = rv.title;
	art->lead = rv.lead;
	art->body_md = rv.body_md;
	art->version = rv.number;
	struct buf html;
	buf_init(&html, r->a);
	if (render_md_to_html(art->body_md, strlen(art->body_md), &html, &e) ==
	    0)
		art->body_html = html.data;
	struct buf m;
	buf_init(&m, r->a);
	render_locale_expand(
		&m, nr_t(r, "autosave_loaded"),
		(const char *const[]){"time",
				      nr_date(r, rv.created_at, nr_site_tz(r)),
				      NULL});
	ed->message = m.data;
	return nr_editor_render(r, me, ed, 200);
}

int page_newsroom_article_edit(struct http_req *r)
{
	newsroom_begin(r);
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	int64_t id = nr_param_id(r, "id");
	if (id < 0)
		return 0;
	if (id == 0)
		return page_newsroom_article_new(r);
	struct nr_edit ed;
	memset(&ed, 0, sizeof ed);
	if (nr_article_load(r, id, &ed.art))
		return 0;
	ed.tags_text = nr_tags_text(r, &ed.art);
	ed.message = nr_done_notice(r);
	const char *aq = http_query_get(r, "autosave");
	if (aq)
		return nr_autosave_open(r, &me, &ed, aq);
	nr_autosave_offer(r, &ed);
	return nr_editor_render(r, &me, &ed, 200);
}

/* ---- saving --------------------------------------------------------- */

static const char *const nr_audit_names[] = {
	[NR_ACTION_SAVE] = "article.save",
	[NR_ACTION_REVIEW] = "article.review",
	[NR_ACTION_PUBLISH] = "article.publish",
	[NR_ACTION_SCHEDULE] = "article.schedule",
	[NR_ACTION_UNPUBLISH] = "article.unpublish",
	[NR_ACTION_AUTOSAVE] = "article.autosave",
};

static const char *const nr_done_names[] = {
	[NR_ACTION_SAVE] = "art_saved",
	[NR_ACTION_REVIEW] = "art_review",
	[NR_ACTION_PUBLISH] = "art_published",
	[NR_ACTION_SCHEDULE] = "art_scheduled",
	[NR_ACTION_UNPUBLISH] = "art_unpublished",
	[NR_ACTION_AUTOSAVE] = "art_saved",
};

/* "Saved at 12:34" in the UI language, for autosave replies. */
static const char *nr_autosaved_msg(struct http_req *r, const char *key,
				    const char **at)
{
	struct buf t;
	buf_init(&t, r->a);
	render_date_format(&t, (int64_t)time(NULL), nr_site_tz(r), r->edition,
			   RENDER_DATE_TIME);
	struct buf m;
	buf_init(&m, r->a);
	render_locale_expand(&m, nr_t(r, key),
			     (const char *const[]){"time", t.data, NULL});
	*at = t.data;
	return m.data;
}

/* Autosaves kept per article (the newest; older ones are pruned). */
#define NR_AUTOSAVE_KEEP 20

/* What an autosave that wrote nothing says instead. */
enum {
	NR_KEPT_NONE = 0,
	NR_KEPT_EMPTY = 1
};

/* JSON reply of the autosave of a new article: {"ok":..., "created",
 * "id", "version", "url", "slug", "saved_at", "message"} when it became
 * a draft, with "empty" when there was nothing to keep yet, or "error":
 * {status, message, field}. */
static int nr_autosave_reply(struct http_req *r, int status,
			     const struct store_article *art, const char *error,
			     const char *field, int kept)
{
	int kept_in_browser = kept != NR_KEPT_NONE;
	struct render_json j;
	buf_clear(&r->out);
	render_json_init(&j, &r->out);
	render_json_obj_begin(&j, NULL);
	render_json_bool(&j, "ok", status == 200 && !kept_in_browser);
	if (art && art->id) {
		render_json_int(&j, "id", art->id);
		render_json_int(&j, "version", art->version);
		render_json_str(&j, "url",
				arena_printf(r->a,
					     "/newsroom/articles/%" PRId64,
					     art->id));
		render_json_str(&j, "slug", art->slug);
	}
	if (status == 200 && !kept_in_browser && art && art->id)
		render_json_bool(&j, "created", 1);
	if (kept == NR_KEPT_EMPTY)
		render_json_bool(&j, "empty", 1);
	if (status == 200 && !kept_in_browser) {
		const char *at;
		const char *m = nr_autosaved_msg(r, "autosaved", &at);
		render_json_str(&j, "saved_at", at);
		render_json_str(&j, "message", m);
	}
	if (error) {
		render_json_obj_begin(&j, "error");
		render_json_int(&j, "status", status);
		render_json_str(&j, "message", error);
		if (field)
			render_json_str(&j, "field", field);
		render_json_obj_end(&j);
	}
	render_json_obj_end(&j);
	http_header_add(r, "Cache-Control", "no-store");
	http_reply_buf(r, status, "application/json");
	return 0;
}

/* First field with an error, for the autosave reply. */
static const char *nr_error_field(const struct nr_errors *er, const char **msg)
{
	static const struct {
		const char *name;
		size_t off;
	} f[] = {
		{"title", offsetof(struct nr_errors, title)},
		{"slug", offsetof(struct nr_errors, slug)},
		{"body_md", offsetof(struct nr_errors, body)},
		{"publish_at", offsetof(struct nr_errors, publish_at)},
		{"kind", offsetof(struct nr_errors, kind)},
		{"edition", offsetof(struct nr_errors, edition)},
		{"rubric_id", offsetof(struct nr_errors, rubric)},
		{"lead_media_id", offsetof(struct nr_errors, media)},
		{"translation_id", offsetof(struct nr_errors, translation)},
		{"author_ids", offsetof(struct nr_errors, authors)},
		{"version", offsetof(struct nr_errors, general)},
	};
	for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
		const char *m =
			*(const char *const *)((const char *)er + f[i].off);
		if (m) {
			*msg = m;
			return f[i].name;
		}
	}
	*msg = NULL;
	return NULL;
}

/*
 * Autosave of an existing article: the title, lead and text go into an
 * autosave revision over the version the form was loaded at; the article
 * itself, its version and what readers see stay as they are. JSON:
 * {"ok", "id", "version" (the article's), "revision", "saved_at",
 * "message", "live"}; 409 with the same and an "error" when someone has
 * saved since the form was loaded (the text is kept all the same); 422
 * for a form without a usable version.
 */
static int nr_autosave_revision(struct http_req *r,
				const struct newsroom_form *f,
				const struct store_article *cur)
{
	int64_t base = 0;
	const char *v = newsroom_field_value(r, f, "version");
	if (!*v || http_parse_id(v, &base) != 0 || base < 1 ||
	    base > cur->version)
		return nr_autosave_reply(r, 422, cur, nr_t(r, "err_version"),
					 "version", 0);
	const char *body = newsroom_form_get(f, "body_md");
	struct store_revision rv = {
		.article_id = cur->id,
		.number = base,
		.user_id = r->user_id,
		.title = (char *)newsroom_field_value(r, f, "title"),
		.lead = (char *)newsroom_field_value(r, f, "lead"),
		.body_md = (char *)(body ? body : ""),
	};
	int live = cur->status == STORE_STATUS_PUBLISHED ||
		   cur->status == STORE_STATUS_SCHEDULED;
	int64_t now_version = cur->version;
	int unchanged = base == cur->version && !strcmp(rv.title, cur->title) &&
			!strcmp(rv.lead, cur->lead) &&
			!strcmp(rv.body_md, cur->body_md);
	struct err e = {0};
	/* Back to the saved text: nothing to keep, unless an autosave of
	 * other text is pending, which this one must supersede (else the
	 * editor would offer back what the journalist undid). */
	struct store_revision pending;
	if (unchanged &&
	    store_revision_autosave_pending(app->store, r->a, cur->id,
					    r->user_id, &pending, &e) == 0)
		unchanged = 0;
	if (!unchanged) {
		int rc = store_revision_autosave(
			app->store, &rv, NR_AUTOSAVE_KEEP, &now_version, &e);
		if (rc == ERR_NOTFOUND)
			return nr_autosave_reply(r, 404, NULL,
						 nr_t(r, "not_found"), NULL, 0);
		if (rc) {
			log_error("req %s: autosave article %" PRId64 ": %s",
				  r->id, cur->id, e.msg);
			return nr_autosave_reply(
				r, rc == ERR_INVALID ? 422 : 500, cur,
				rc == ERR_INVALID ? e.msg :
						    nr_t(r, "storage_error"),
				NULL, 0);
		}
	}
	int stale = now_version > base;
	const char *at = "";
	const char *message =
		stale ? nr_t(r, "autosave_stale") :
			nr_autosaved_msg(r,
					 live ? "autosaved_live" :
						"autosaved_revision",
					 &at);
	struct render_json j;
	buf_clear(&r->out);
	render_json_init(&j, &r->out);
	render_json_obj_begin(&j, NULL);
	render_json_bool(&j, "ok", !stale);
	render_json_int(&j, "id", cur->id);
	render_json_int(&j, "version", now_version);
	render_json_str(&j, "url",
			arena_printf(r->a, "/newsroom/articles/%" PRId64,
				     cur->id));
	if (rv.id)
		render_json_int(&j, "revision", rv.id);
	if (unchanged)
		render_json_bool(&j, "unchanged", 1);
	render_json_bool(&j, "live", live);
	if (stale) {
		render_json_obj_begin(&j, "error");
		render_json_int(&j, "status", 409);
		render_json_str(&j, "message", message);
		render_json_str(&j, "field", "version");
		render_json_obj_end(&j);
	} else {
		render_json_str(&j, "saved_at", at);
		render_json_str(&j, "message", message);
	}
	render_json_obj_end(&j);
	http_header_add(r, "Cache-Control", "no-store");
	http_reply_buf(r, stale ? 409 : 200, "application/json");
	return 0;
}

/* The translation link chosen in the form: same group as that article,
 * which must be of another edition and have no other translation into
 * ours. */
static void nr_link_translation(struct http_req *r, struct nr_edit *ed,
				const struct store_article *cur)
{
	struct store_article *art = &ed->art;
	art->translation_group = cur ? cur->translation_group : 0;
	if (!ed->translation_id)
		return;
	struct store_article other, mine;
	struct err e = {0};
	if (store_article_get(app->store, r->a, ed->translation_id, &other,
			      &e) != 0 ||
	    !strcmp(other.edition, art->edition)) {
		ed->err.translation = nr_t(r, "err_translation");
		ed->err.any = 1;
		return;
	}
	if (store_article_translation(app->store, r->a, other.id, art->edition,
				      &mine, &e) == 0 &&
	    mine.id != art->id) {
		ed->err.translation = nr_t(r, "err_translation_taken");
		ed->err.any = 1;
		return;
	}
	art->translation_group = other.translation_group;
}

/* A slug made from the title that another article of the edition has:
 * try title-2, title-3... A slug typed by hand that is taken is an
 * error instead (the journalist chose it). */
static void nr_slug_free(struct http_req *r, struct nr_edit *ed)
{
	struct store_article *art = &ed->art;
	if (!*art->slug)
		return;
	const char *base = art->slug;
	for (int k = 2; k < 100; k++) {
		struct store_article other;
		struct err e = {0};
		int rc = store_article_by_slug(app->store, r->a, art->edition,
					       art->slug, &other, &e);
		if (rc == ERR_NOTFOUND || (rc == 0 && other.id == art->id))
			return;
		if (rc)
			return; /* the save will say */
		if (ed->slug_typed) {
			ed->err.slug = nr_t(r, "err_slug_taken");
			ed->err.any = 1;
			return;
		}
		art->slug = arena_printf(r->a, "%s-%d", base, k);
	}
}

/* Save for `action`; the shared body of every editor POST. */
static int nr_save(struct http_req *r, enum nr_action action)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	int autosave = action == NR_ACTION_AUTOSAVE;
	int64_t id = nr_param_id(r, "id");
	if (id < 0)
		return 0;
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	struct store_article cur;
	int have_cur = 0;
	if (id) {
		if (nr_article_load(r, id, &cur))
			return 0;
		have_cur = 1;
	} else if (action == NR_ACTION_UNPUBLISH) {
		return newsroom_error(r, 404, nr_t(r, "not_found"));
	}
	int cur_live = have_cur && (cur.status == STORE_STATUS_PUBLISHED ||
				    cur.status == STORE_STATUS_SCHEDULED);

	/* Contributors write drafts; what is live is not theirs to change. */
	if (cur_live && r->role < STORE_ROLE_AUTHOR) {
		if (autosave)
			return nr_autosave_reply(
				r, 403, &cur, nr_t(r, "err_live_contributor"),
				NULL, 0);
		return newsroom_error(r, 403, nr_t(r, "err_live_contributor"));
	}
	/* An existing article's autosave is a revision beside it, never a
	 * save of it (readers and other editors see nothing of it). */
	if (autosave && have_cur)
		return nr_autosave_revision(r, &f, &cur);

	struct nr_edit ed;
	nr_form_to_edit(r, &f, have_cur ? &cur : NULL, &ed);
	struct store_article *art = &ed.art;
	int64_t now = (int64_t)time(NULL);
	switch (action) {
	case NR_ACTION_SAVE:
	case NR_ACTION_AUTOSAVE:
		break;
	case NR_ACTION_REVIEW:
		art->status = STORE_STATUS_REVIEW;
		break;
	case NR_ACTION_PUBLISH:
		if (!have_cur || cur.status != STORE_STATUS_PUBLISHED ||
		    !cur.publish_at)
			art->publish_at = now;
		art->status = STORE_STATUS_PUBLISHED;
		break;
	case NR_ACTION_SCHEDULE:
		if (!*ed.publish_at_text && !ed.err.publish_at) {
			ed.err.publish_at = nr_t(r, "err_schedule_time");
			ed.err.any = 1;
		}
		art->status = STORE_STATUS_SCHEDULED;
		break;
	case NR_ACTION_UNPUBLISH:
		art->status = STORE_STATUS_UNPUBLISHED;
		break;
	}
	nr_link_translation(r, &ed, have_cur ? &cur : NULL);
	nr_slug_free(r, &ed);

	/* Autosave of an empty new article: nothing to keep yet. */
	if (autosave && !have_cur && !*art->title && !*art->body_md &&
	    !*art->lead)
		return nr_autosave_reply(r, 200, NULL, NULL, NULL,
					 NR_KEPT_EMPTY);

	int status = 0;
	struct err e = {0};
	if (ed.err.any) {
		status = 422;
	} else {
		int rc = store_article_save(app->store, art, r->user_id, &e);
		if (rc == 0) {
			status = 200;
		} else if (rc == ERR_CONFLICT && strncmp(e.msg, "slug \"", 6)) {
			/* Someone saved first: keep both texts. */
			struct store_article *theirs =
				arena_alloc(r->a, sizeof *theirs);
			struct err e2 = {0};
			if (store_article_get(app->store, r->a, id, theirs,
					      &e2) != 0) {
				log_error("req %s: article %" PRId64 ": %s",
					  r->id, id, e2.msg);
				status = 500;
			} else {
				ed.theirs = theirs;
				/* Saving again after reading both is a
				 * choice: the form now carries their
				 * version. */
				art->version = theirs->version;
				status = 409;
			}
			log_info("req %s: %s", r->id, e.msg);
		} else if (rc == ERR_INVALID || rc == ERR_CONFLICT) {
			if (!nr_store_error(r, &ed, &e)) {
				ed.err.general = arena_strdup(r->a, e.msg);
				ed.err.any = 1;
			}
			status = 422;
		} else if (rc == ERR_NOTFOUND) {
			return autosave ?
				       nr_autosave_reply(r, 404, NULL,
							 nr_t(r, "not_found"),
							 NULL, 0) :
				       newsroom_error(r, 404,
						      nr_t(r, "not_found"));
		} else {
			log_error("req %s: save article: %s", r->id, e.msg);
			status = 500;
		}
	}

	if (status != 200) {
		const char *msg = status == 409 ? nr_t(r, "conflict") :
				  status == 500 ? nr_t(r, "storage_error") :
						  nr_t(r, "invalid");
		if (autosave) {
			const char *fmsg;
			const char *field = nr_error_field(&ed.err, &fmsg);
			return nr_autosave_reply(
				r, status, status == 409 ? ed.theirs : NULL,
				fmsg ? fmsg : msg, field, 0);
		}
		ed.message = msg;
		ed.message_error = 1;
		/* The page shows the status the article has, not the one the
		 * button asked for; the typed time stays in its field. */
		art->status = have_cur ? cur.status : STORE_STATUS_DRAFT;
		art->publish_at = have_cur ? cur.publish_at : 0;
		return nr_editor_render(r, &me, &ed, status);
	}

	/* Saved. */
	newsroom_audit(r, have_cur ? nr_audit_names[action] : "article.create",
		       "article", art->id, "version %" PRId64 ", %s%s%s",
		       art->version, store_status_name(art->status),
		       action == NR_ACTION_SCHEDULE ? " for " : "",
		       action == NR_ACTION_SCHEDULE ?
			       nr_date(r, art->publish_at, nr_site_tz(r)) :
			       "");
	if (!have_cur && action != NR_ACTION_SAVE && !autosave)
		newsroom_audit(r, nr_audit_names[action], "article", art->id,
			       "version %" PRId64, art->version);
	nr_slug_redirect(r, have_cur ? &cur : NULL, art);
	nr_purge(have_cur ? &cur : NULL, art);
	if (autosave)
		return nr_autosave_reply(r, 200, art, NULL, NULL, 0);
	return newsroom_done(
		r, arena_printf(r->a, "/newsroom/articles/%" PRId64, art->id),
		have_cur || action != NR_ACTION_SAVE ? nr_done_names[action] :
						       "art_created");
}

int page_newsroom_article_save(struct http_req *r)
{
	return nr_save(r, NR_ACTION_SAVE);
}

int page_newsroom_article_review(struct http_req *r)
{
	return nr_save(r, NR_ACTION_REVIEW);
}

int page_newsroom_article_publish(struct http_req *r)
{
	return nr_save(r, NR_ACTION_PUBLISH);
}

int page_newsroom_article_schedule(struct http_req *r)
{
	return nr_save(r, NR_ACTION_SCHEDULE);
}

int page_newsroom_article_unpublish(struct http_req *r)
{
	return nr_save(r, NR_ACTION_UNPUBLISH);
}

int page_newsroom_article_autosave(struct http_req *r)
{
	return nr_save(r, NR_ACTION_AUTOSAVE);
}

/* ---- preview -------------------------------------------------------- */

int page_newsroom_preview(struct http_req *r)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	const char *md = newsroom_form_get(&f, "body_md");
	if (!md)
		md = "";
	buf_clear(&r->out);
	struct err e = {0};
	int rc = render_md_to_html(md, strlen(md), &r->out, &e);
	if (rc == ERR_TOOBIG || rc == ERR_INVALID) {
		log_info("req %s: preview: %s", r->id, e.msg);
		buf_clear(&r->out);
		http_reply_text(r, rc == ERR_TOOBIG ? 413 : 422,
				rc == ERR_TOOBIG ? nr_t(r, "err_body_long") :
						   e.msg);
		return 0;
	}
	if (rc) {
		http_reply_text(r, 500, nr_t(r, "storage_error"));
		return 0;
	}
	http_header_add(r, "Cache-Control", "no-store");
	http_reply_buf(r, 200, "text/html; charset=utf-8");
	return 0;
}
