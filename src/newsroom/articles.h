/*
 * articles.h - what the newsroom's article handlers share (articles.c,
 * editor.c, article_form.c, article_revisions.c): ownership and action
 * rules, the editor form <-> struct store_article, times typed in the
 * site's zone, and rendering the editor.
 *
 * Private to those files; the handlers themselves are declared in
 * http/http.h. Everything returned is request-arena memory unless said
 * otherwise. Not for accounts, sessions or CSRF (newsroom/internal.h).
 */
#ifndef GAZETTE_NEWSROOM_ARTICLES_H
#define GAZETTE_NEWSROOM_ARTICLES_H

#include "newsroom/internal.h"

/* What a POST to the editor asks for (the button pressed). */
enum nr_action {
	NR_ACTION_SAVE = 0,  /* keep the status */
	NR_ACTION_REVIEW,    /* submit for review */
	NR_ACTION_PUBLISH,   /* publish now */
	NR_ACTION_SCHEDULE,  /* publish at publish_at */
	NR_ACTION_UNPUBLISH, /* take off the site */
	NR_ACTION_AUTOSAVE,  /* editor.js, every few seconds */
};

/* Field errors of the editor form; NULL when the field is fine. */
struct nr_errors {
	const char *title, *slug, *kind, *edition, *rubric, *media, *body,
		*publish_at, *translation, *authors, *general;
	int any; /* 1 when one of them is set */
};

/* The editor's state: the article as typed (or loaded), what the form
 * carried beside it, and the other person's version after a conflict. */
struct nr_edit {
	struct store_article art;    /* values; art.id 0 for a new one */
	const char *tags_text;       /* "energy, budget" as typed */
	const char *publish_at_text; /* the time field as typed */
	int64_t translation_id;      /* article of another edition, 0: none */
	int slug_typed;              /* 1: the slug came from the form */
	struct nr_errors err;        /* validation errors */
	const struct store_article *theirs; /* stored version after a
					     * conflict, else NULL */
	const char *message;                /* banner text, or NULL */
	int message_error;                  /* 1: the banner is an error */
	const struct store_revision *autosave; /* the user's autosave newer
						* than the saved text, offered
						* back, or NULL */
};

/* The site's time zone (setting time_zone, else the config's). */
const char *nr_site_tz(struct http_req *r);

/* Parse a time typed into the editor: "YYYY-MM-DDTHH:MM[:SS]" (also
 * with a space for the T) is wall-clock time in zone tz; a trailing "Z"
 * or "+HH:MM"/"-HH:MM" makes it absolute (fractions of a second are
 * dropped). 0 and *out set, or ERR_INVALID. "" gives *out = 0. */
int nr_time_parse(const char *s, const char *tz, int64_t *out);

/* t as "YYYY-MM-DDTHH:MM:SS" wall-clock time in tz (for
 * <input type=datetime-local>), "" for t == 0. */
const char *nr_time_local(struct http_req *r, int64_t t, const char *tz);

/* Localized long date of t in tz for the UI language. */
const char *nr_date(struct http_req *r, int64_t t, const char *tz);

/* 1 when user r->user_id owns art: their author record is in the byline,
 * or they wrote its first revision. Editors and admins own everything. */
int nr_owns(struct http_req *r, const struct store_article *art);

/* Load the revisions of article_id newest first: saved revisions by
 * number, each after the autosaves typed over it (newest first). 0, or
 * an ERR_* with e set. Arena memory. */
int nr_revisions_load(struct http_req *r, int64_t article_id,
		      struct store_revision **out, size_t *n, struct err *e);

/* Index in revs[0..n) of the revision a diff of revs[at] compares with:
 * for a saved one the saved revision before it, for an autosave the
 * saved revision it was typed over; n when there is none. */
size_t nr_revision_base(const struct store_revision *revs, size_t n,
			size_t at);

/* The newsroom string newsroom_editor.<key> in the UI language. */
const char *nr_t(struct http_req *r, const char *key);

/* Label of a status ("In review") in the UI language. */
const char *nr_status_label(struct http_req *r, enum store_status st);

/* Public URL path of art ("/ru/article/slug"), prefix of its edition. */
const char *nr_article_path(struct http_req *r, const char *edition,
			    const char *slug);

/* Fill ed from form f over the stored article `cur` (NULL for a new
 * one): every editor field, with errors for what cannot be read. The
 * slug is normalised (store_slugify) and made from the title when empty.
 * Renders body_html. Does not decide the status. */
void nr_form_to_edit(struct http_req *r, const struct newsroom_form *f,
		     const struct store_article *cur, struct nr_edit *ed);

/* Set ed->err fields from a store error message ("article 3: slug: ...")
 * and return 1 when it named a field, else 0. */
int nr_store_error(struct http_req *r, struct nr_edit *ed, const struct err *e);

/* Render the editor for ed with `status` (200, 409, 422, 403). */
int nr_editor_render(struct http_req *r, const struct newsroom_me *me,
		     struct nr_edit *ed, int status);

/* The article `id` param of r: 0 for "new"; -1 after replying 404 for a
 * bad id. */
int64_t nr_param_id(struct http_req *r, const char *name);

/* Load article id for the user, replying 404 (missing) / 403 (not
 * theirs) / 500 itself; 0 when loaded. */
int nr_article_load(struct http_req *r, int64_t id, struct store_article *out);

/* Drop the cached reader pages of art (and of before, when it was in
 * another edition or under another slug). */
void nr_purge(const struct store_article *before,
	      const struct store_article *art);

/* After a save: when the article was published under another path
 * (edition or slug) and is still published, add a 301 from the old path
 * to the new one. Logs failures. */
void nr_slug_redirect(struct http_req *r, const struct store_article *before,
		      const struct store_article *art);

#endif
