/*
 * article_form.c - the article editor's form: reading it into a struct
 * store_article with field errors, times typed in the site's zone,
 * ownership, store errors mapped to fields, and the editor page itself
 * (fields, options, actions the role may take, the conflict panel).
 *
 * For the handlers in editor.c, articles.c and article_revisions.c (see
 * articles.h). Not for saving (editor.c) or the article list.
 */
#include "app.h"
#include "media/media.h"
#include "newsroom/articles.h"
#include "newsroom/diff.h"
#include "render/date.h"
#include "render/locale.h"
#include "render/markdown.h"
#include "util/arena.h"
#include "util/log.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define NR_MAX_TAGS            30  /* tags kept from the tags field */
#define NR_MAX_AUTHORS         20  /* co-authors kept */
#define NR_TITLE_MAX           400 /* bytes */
#define NR_TRANSLATION_OPTIONS 100 /* latest articles offered per edition */

static const char *const nr_kinds[] = {"news",    "analysis", "interview",
				       "opinion", "report",   "column"};

/* ---- strings, times, URLs ------------------------------------------- */

const char *nr_t(struct http_req *r, const char *key)
{
	char full[96];
	snprintf(full, sizeof full, "newsroom_editor.%s", key);
	return page_t(r, full);
}

const char *nr_status_label(struct http_req *r, enum store_status st)
{
	char key[48];
	snprintf(key, sizeof key, "status_%s", store_status_name(st));
	return nr_t(r, key);
}

const char *nr_site_tz(struct http_req *r)
{
	char *tz = NULL;
	struct err e = {0};
	if (store_setting_get(app->store, r->a, "time_zone", &tz, &e) == 0 &&
	    tz && *tz)
		return tz;
	return app->cfg->time_zone;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t nr_days(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Read exactly n digits at *p into *v. */
static int nr_digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

int nr_time_parse(const char *s, const char *tz, int64_t *out)
{
	*out = 0;
	while (*s == ' ')
		s++;
	if (!*s)
		return 0;
	int y, mo, d, h, mi, sec = 0;
	const char *p = s;
	if (nr_digits(&p, 4, &y) || *p++ != '-' || nr_digits(&p, 2, &mo) ||
	    *p++ != '-' || nr_digits(&p, 2, &d) || (*p != 'T' && *p != ' '))
		return ERR_INVALID;
	p++;
	if (nr_digits(&p, 2, &h) || *p++ != ':' || nr_digits(&p, 2, &mi))
		return ERR_INVALID;
	if (*p == ':') {
		p++;
		if (nr_digits(&p, 2, &sec))
			return ERR_INVALID;
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++)
				;
	}
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59)
		return ERR_INVALID;
	if (mo == 2 && d == 29 &&
	    !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return ERR_INVALID;
	int64_t wall = nr_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	if (*p == 'Z' && p[1] == '\0') {
		*out = wall;
		return 0;
	}
	if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int oh, om;
		const char *q = p + 1;
		if (nr_digits(&q, 2, &oh) || (q++, nr_digits(&q, 2, &om)) ||
		    oh > 14 || om > 59)
			return ERR_INVALID;
		int64_t off = oh * 3600 + om * 60;
		*out = *p == '+' ? wall - off : wall + off;
		return 0;
	}
	while (*p == ' ')
		p++;
	if (*p)
		return ERR_INVALID;
	/* Wall-clock time in tz: the offset at the guess, then again at the
	 * result (right on both sides of a DST change but in its gap). */
	int64_t t = wall - render_tz_offset(tz, wall);
	t = wall - render_tz_offset(tz, t);
	*out = t;
	return 0;
}

const char *nr_time_local(struct http_req *r, int64_t t, const char *tz)
{
	if (t <= 0)
		return "";
	time_t w = (time_t)(t + render_tz_offset(tz, t));
	struct tm tm;
	gmtime_r(&w, &tm);
	return arena_printf(r->a, "%04d-%02d-%02dT%02d:%02d:%02d",
			    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

const char *nr_date(struct http_req *r, int64_t t, const char *tz)
{
	if (t <= 0)
		return "";
	struct buf b;
	buf_init(&b, r->a);
	render_date_format(&b, t, tz, r->edition, RENDER_DATE_LONG);
	return b.data;
}

const char *nr_article_path(struct http_req *r, const char *edition,
			    const char *slug)
{
	const struct config_edition *ce =
		config_edition_find(app->cfg, edition);
	return page_url(r, ce ? ce->prefix : "", "article", slug);
}

/* ---- revisions ------------------------------------------------------ */

/* Newest first: higher number first; for one number the autosaves
 * (typed over that version, so later) before the saved revision; then
 * the newer row first. */
static int nr_rev_cmp(const void *pa, const void *pb)
{
	const struct store_revision *a = pa, *b = pb;
	if (a->number != b->number)
		return a->number > b->number ? -1 : 1;
	if (a->autosave != b->autosave)
		return a->autosave ? -1 : 1;
	return a->id > b->id ? -1 : a->id < b->id;
}

int nr_revisions_load(struct http_req *r, int64_t article_id,
		      struct store_revision **out, size_t *n, struct err *e)
{
	int rc = store_revision_list(app->store, r->a, article_id, out, n, e);
	if (rc == 0 && *n > 1)
		qsort(*out, *n, sizeof **out, nr_rev_cmp);
	return rc;
}

size_t nr_revision_base(const struct store_revision *revs, size_t n, size_t at)
{
	for (size_t i = at + 1; i < n; i++)
		if (!revs[i].autosave &&
		    (!revs[at].autosave || revs[i].number <= revs[at].number))
			return i;
	return n;
}

/* ---- ownership ------------------------------------------------------ */

int nr_owns(struct http_req *r, const struct store_article *art)
{
	if (r->role >= STORE_ROLE_EDITOR || !art->id)
		return 1;
	if (!r->user_id)
		return 0;
	struct err e = {0};
	struct store_author *aus;
	size_t n;
	if (art->n_authors && store_author_list(app->store, r->a, art->edition,
						&aus, &n, &e) == 0)
		for (size_t i = 0; i < n; i++) {
			if (aus[i].user_id != r->user_id)
				continue;
			for (size_t k = 0; k < art->n_authors; k++)
				if (art->author_ids[k] == aus[i].id)
					return 1;
		}
	/* Else: who wrote it first (saved revision 1). */
	struct store_revision *revs;
	if (store_revision_list(app->store, r->a, art->id, &revs, &n, &e) !=
	    0) {
		log_error("req %s: article %" PRId64 " revisions: %s", r->id,
			  art->id, e.msg);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!revs[i].autosave && revs[i].number == 1)
			return revs[i].user_id == r->user_id;
	return 0;
}

int64_t nr_param_id(struct http_req *r, const char *name)
{
	const char *s = http_param_get(r, name);
	if (s && !strcmp(s, "new"))
		return 0;
	int64_t id;
	if (!s || http_parse_id(s, &id) != 0) {
		newsroom_error(r, 404, nr_t(r, "not_found"));
		return -1;
	}
	return id;
}

int nr_article_load(struct http_req *r, int64_t id, struct store_article *out)
{
	struct err e = {0};
	int rc = store_article_get(app->store, r->a, id, out, &e);
	if (rc == ERR_NOTFOUND) {
		newsroom_error(r, 404, nr_t(r, "not_found"));
		return -1;
	}
	if (rc) {
		log_error("req %s: article %" PRId64 ": %s", r->id, id, e.msg);
		newsroom_error(r, 500, nr_t(r, "storage_error"));
		return -1;
	}
	if (!nr_owns(r, out)) {
		newsroom_error(r, 403, nr_t(r, "not_yours"));
		return -1;
	}
	return 0;
}

/* ---- after a save --------------------------------------------------- */

void nr_purge(const struct store_article *before,
	      const struct store_article *art)
{
	if (before && before->id &&
	    (strcmp(before->edition, art->edition) ||
	     strcmp(before->slug, art->slug) ||
	     before->rubric_id != art->rubric_id))
		http_cache_purge_article(before);
	http_cache_purge_article(art);
}

void nr_slug_redirect(struct http_req *r, const struct store_article *before,
		      const struct store_article *art)
{
	if (!before || !before->id ||
	    before->status != STORE_STATUS_PUBLISHED ||
	    art->status != STORE_STATUS_PUBLISHED)
		return;
	const char *from = nr_article_path(r, before->edition, before->slug);
	const char *to = nr_article_path(r, art->edition, art->slug);
	if (!strcmp(from, to))
		return;
	struct err e = {0};
	if (store_redirect_add(app->store, from, to, 301, &e) != 0) {
		log_error("req %s: redirect %s -> %s: %s", r->id, from, to,
			  e.msg);
		return;
	}
	newsroom_audit(r, "redirect.add", "article", art->id,
		       "%s -> %s (slug changed)", from, to);
}

/* ---- the form ------------------------------------------------------- */

static int nr_kind_valid(const char *k)
{
	for (size_t i = 0; i < sizeof nr_kinds / sizeof *nr_kinds; i++)
		if (!strcmp(k, nr_kinds[i]))
			return 1;
	return 0;
}

/* "" or "0": 0; a positive id; else -1. */
static int64_t nr_opt_id(const char *s)
{
	if (!*s || !strcmp(s, "0"))
		return 0;
	int64_t v;
	return http_parse_id(s, &v) == 0 ? v : -1;
}

static void nr_err(struct nr_edit *ed, const char **field, const char *msg)
{
	if (!*field)
		*field = msg;
	ed->err.any = 1;
}

/* Split "a, b ,c" into tags (trimmed, empty and repeated ones dropped). */
static void nr_tags_parse(struct http_req *r, const char *text,
			  struct store_article *art)
{
	art->tags = arena_alloc(r->a, NR_MAX_TAGS * sizeof *art->tags);
	art->n_tags = 0;
	const char *p = text;
	while (*p && art->n_tags < NR_MAX_TAGS) {
		size_t len = strcspn(p, ",");
		const char *s = p, *end = p + len;
		while (s < end && isspace((unsigned char)*s))
			s++;
		while (end > s && isspace((unsigned char)end[-1]))
			end--;
		if (end > s && end - s <= 64) {
			char *name = arena_strndup(r->a, s, (size_t)(end - s));
			int dup = 0;
			for (size_t i = 0; i < art->n_tags && !dup; i++)
				dup = !strcasecmp(art->tags[i].name, name);
			if (!dup)
				art->tags[art->n_tags++] =
					(struct store_tag){.name = name};
		}
		p += len;
		if (*p == ',')
			p++;
	}
}

void nr_form_to_edit(struct http_req *r, const struct newsroom_form *f,
		     const struct store_article *cur, struct nr_edit *ed)
{
	memset(ed, 0, sizeof *ed);
	struct store_article *art = &ed->art;
	if (cur) {
		*art = *cur;
	} else {
		art->edition = (char *)app->cfg->default_edition;
		art->kind = "news";
		art->status = STORE_STATUS_DRAFT;
	}
	int64_t ver = nr_opt_id(newsroom_field_value(r, f, "version"));
	if (ver < 0 || (cur && ver == 0))
		nr_err(ed, &ed->err.general, nr_t(r, "err_version"));
	if (cur)
		art->version = ver;

	art->title = (char *)newsroom_field_value(r, f, "title");
	if (!*art->title)
		nr_err(ed, &ed->err.title, nr_t(r, "err_title"));
	else if (strlen(art->title) > NR_TITLE_MAX)
		nr_err(ed, &ed->err.title, nr_t(r, "err_title_long"));
	art->lead = (char *)newsroom_field_value(r, f, "lead");
	const char *body = newsroom_form_get(f, "body_md");
	art->body_md = arena_strdup(r->a, body ? body : "");

	const char *edition = newsroom_field_value(r, f, "edition");
	if (*edition) {
		if (config_edition_find(app->cfg, edition))
			art->edition = (char *)edition;
		else
			nr_err(ed, &ed->err.edition, nr_t(r, "err_edition"));
	}
	const char *kind = newsroom_field_value(r, f, "kind");
	if (*kind)
		art->kind = (char *)kind;
	if (!nr_kind_valid(art->kind)) {
		nr_err(ed, &ed->err.kind, nr_t(r, "err_kind"));
		art->kind = "news";
	}
	int64_t id = nr_opt_id(newsroom_field_value(r, f, "rubric_id"));
	if (id < 0)
		nr_err(ed, &ed->err.rubric, nr_t(r, "err_rubric"));
	else
		art->rubric_id = id;
	id = nr_opt_id(newsroom_field_value(r, f, "lead_media_id"));
	if (id < 0)
		nr_err(ed, &ed->err.media, nr_t(r, "err_media"));
	else
		art->lead_media_id = id;
	id = nr_opt_id(newsroom_field_value(r, f, "translation_id"));
	if (id < 0)
		nr_err(ed, &ed->err.translation, nr_t(r, "err_translation"));
	else
		ed->translation_id = id;

	/* Co-authors: every author_ids field, in order, no repeats. */
	art->author_ids = arena_alloc(r->a, NR_MAX_AUTHORS * sizeof(int64_t));
	art->n_authors = 0;
	for (size_t i = 0; i < f->n && art->n_authors < NR_MAX_AUTHORS; i++) {
		if (strcmp(f->kv[i].key, "author_ids"))
			continue;
		int64_t aid = nr_opt_id(f->kv[i].value);
		if (aid < 0) {
			nr_err(ed, &ed->err.authors, nr_t(r, "err_authors"));
			continue;
		}
		int dup = aid == 0;
		for (size_t k = 0; k < art->n_authors && !dup; k++)
			dup = art->author_ids[k] == aid;
		if (!dup)
			art->author_ids[art->n_authors++] = aid;
	}

	ed->tags_text = newsroom_field_value(r, f, "tags");
	nr_tags_parse(r, ed->tags_text, art);

	art->featured = newsroom_form_get(f, "featured") != NULL;
	art->breaking = newsroom_form_get(f, "breaking") != NULL;
	art->pinned = newsroom_form_get(f, "pinned") != NULL;
	art->seo_title = (char *)newsroom_field_value(r, f, "seo_title");
	art->seo_description =
		(char *)newsroom_field_value(r, f, "seo_description");

	const char *slug = newsroom_field_value(r, f, "slug");
	ed->slug_typed = *slug != '\0';
	art->slug = store_slugify(r->a, *slug ? slug : art->title);
	if (!*art->slug) {
		if (*slug || *art->title)
			nr_err(ed, &ed->err.slug, nr_t(r, "err_slug"));
		art->slug = (char *)slug;
	}

	const char *corr = newsroom_field_value(r, f, "correction");
	if (!cur || strcmp(corr, cur->correction ? cur->correction : ""))
		art->correction_at = *corr ? (int64_t)time(NULL) : 0;
	art->correction = (char *)corr;

	ed->publish_at_text = newsroom_field_value(r, f, "publish_at");
	int64_t at = 0;
	if (nr_time_parse(ed->publish_at_text, nr_site_tz(r), &at) != 0)
		nr_err(ed, &ed->err.publish_at, nr_t(r, "err_publish_at"));
	else if (at)
		art->publish_at = at;

	/* The preview readers will get: rendered now, stored with it. */
	struct buf html;
	buf_init(&html, r->a);
	struct err e = {0};
	int rc = render_md_to_html(art->body_md, strlen(art->body_md), &html,
				   &e);
	if (rc == ERR_TOOBIG)
		nr_err(ed, &ed->err.body, nr_t(r, "err_body_long"));
	else if (rc)
		nr_err(ed, &ed->err.body, e.msg);
	art->body_html = html.data;
}

int nr_store_error(struct http_req *r, struct nr_edit *ed, const struct err *e)
{
	const char *m = e->msg;
	if (!strncmp(m, "slug \"", 6)) {
		nr_err(ed, &ed->err.slug, nr_t(r, "err_slug_taken"));
		return 1;
	}
	/* "article 3: field: reason" / "new article: field: reason" */
	const char *p = strstr(m, ": ");
	if (!p)
		return 0;
	p += 2;
	size_t n = strcspn(p, ":");
	static const struct {
		const char *field, *key;
		size_t off;
	} map[] = {
		{"slug", "err_slug", offsetof(struct nr_errors, slug)},
		{"title", "err_title", offsetof(struct nr_errors, title)},
		{"kind", "err_kind", offsetof(struct nr_errors, kind)},
		{"edition", "err_edition", offsetof(struct nr_errors, edition)},
		{"rubric_id", "err_rubric", offsetof(struct nr_errors, rubric)},
		{"lead_media_id", "err_media",
		 offsetof(struct nr_errors, media)},
		{"author_ids", "err_authors",
		 offsetof(struct nr_errors, authors)},
		{"publish_at", "err_publish_at",
		 offsetof(struct nr_errors, publish_at)},
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (strlen(map[i].field) == n && !strncmp(p, map[i].field, n)) {
			const char **slot =
				(const char **)((char *)&ed->err + map[i].off);
			nr_err(ed, slot, nr_t(r, map[i].key));
			return 1;
		}
	return 0;
}

/* ---- the editor page ------------------------------------------------ */

static void nr_option(struct render_val *list, const char *value,
		      const char *label, int selected)
{
	struct render_val *o = render_list_add_obj(list);
	render_obj_set_str(o, "value", value);
	render_obj_set_str(o, "label", label);
	render_obj_set_bool(o, "selected", selected);
}

static void nr_set_errors(struct render_val *ctx, const struct nr_errors *er)
{
	struct render_val *o = render_obj_add_obj(ctx, "errors");
	render_obj_set_strref(o, "title", er->title);
	render_obj_set_strref(o, "slug", er->slug);
	render_obj_set_strref(o, "kind", er->kind);
	render_obj_set_strref(o, "edition", er->edition);
	render_obj_set_strref(o, "rubric", er->rubric);
	render_obj_set_strref(o, "media", er->media);
	render_obj_set_strref(o, "body", er->body);
	render_obj_set_strref(o, "publish_at", er->publish_at);
	render_obj_set_strref(o, "translation", er->translation);
	render_obj_set_strref(o, "authors", er->authors);
	render_obj_set_strref(o, "general", er->general);
	render_obj_set_bool(o, "any", er->any);
}

/* Options of the translation select: the latest articles of every other
 * edition, and the one linked now. */
static void nr_translation_options(struct http_req *r, struct render_val *a,
				   const struct nr_edit *ed)
{
	const struct store_article *art = &ed->art;
	struct render_val *opts = render_obj_add_list(a, "translation_options");
	nr_option(opts, "0", nr_t(r, "translation_none"),
		  ed->translation_id == 0);
	struct err e = {0};
	int64_t linked = ed->translation_id;
	for (int k = 0; k < app->cfg->n_editions; k++) {
		const struct config_edition *ce = &app->cfg->editions[k];
		if (!strcmp(ce->code, art->edition))
			continue;
		struct store_article tr;
		int has = art->id &&
			  store_article_translation(app->store, r->a, art->id,
						    ce->code, &tr, &e) == 0;
		if (has) {
			struct render_val *cur =
				render_obj_add_obj(a, "translation");
			render_obj_set_int(cur, "id", tr.id);
			render_obj_set_str(cur, "title", tr.title);
			render_obj_set_str(cur, "edition", ce->name);
			render_obj_set_str(
				cur, "edit_url",
				arena_printf(r->a,
					     "/newsroom/articles/%" PRId64,
					     tr.id));
			if (!linked)
				linked = tr.id;
		}
		struct store_article_filter f = {
			.edition = ce->code,
			.status = -1,
			.limit = NR_TRANSLATION_OPTIONS};
		struct store_article *list;
		size_t n;
		int seen = 0;
		if (store_article_list(app->store, r->a, &f, &list, &n, NULL,
				       &e) != 0)
			n = 0;
		for (size_t i = 0; i < n; i++) {
			seen |= list[i].id == linked;
			nr_option(opts,
				  arena_printf(r->a, "%" PRId64, list[i].id),
				  arena_printf(r->a, "[%s] %s", ce->code,
					       list[i].title),
				  list[i].id == linked);
		}
		/* The linked (or chosen) one even when it is older than the
		 * latest NR_TRANSLATION_OPTIONS. */
		struct store_article chosen;
		if (linked && !seen &&
		    store_article_get(app->store, r->a, linked, &chosen, &e) ==
			    0 &&
		    !strcmp(chosen.edition, ce->code))
			nr_option(opts,
				  arena_printf(r->a, "%" PRId64, chosen.id),
				  arena_printf(r->a, "[%s] %s", ce->code,
					       chosen.title),
				  1);
	}
}

/* The conflict panel: their saved text beside ours, and what differs. */
static void nr_conflict(struct http_req *r, struct render_val *ctx,
			const struct nr_edit *ed, const char *tz)
{
	const struct store_article *th = ed->theirs;
	struct render_val *c = render_obj_add_obj(ctx, "conflict");
	render_obj_set_str(c, "title", th->title);
	render_obj_set_str(c, "lead", th->lead);
	render_obj_set_str(c, "body_md", th->body_md);
	render_obj_set_int(c, "version", th->version);
	render_obj_set_str(c, "saved_at", nr_date(r, th->updated_at, tz));
	struct buf d;
	buf_init(&d, r->a);
	newsroom_diff_html(&d, th->body_md, strlen(th->body_md),
			   ed->art.body_md, strlen(ed->art.body_md), 0, NULL);
	render_obj_set_strref(c, "body_diff_html", d.data);
	struct buf t;
	buf_init(&t, r->a);
	newsroom_diff_html(&t, th->title, strlen(th->title), ed->art.title,
			   strlen(ed->art.title), 0, NULL);
	render_obj_set_strref(c, "title_diff_html", t.data);
	/* Who saved last: the user of the newest saved revision. */
	struct store_revision *revs;
	size_t n;
	struct err e = {0};
	struct store_user u;
	if (nr_revisions_load(r, th->id, &revs, &n, &e) == 0) {
		size_t i = 0;
		while (i < n && revs[i].autosave)
			i++;
		if (i < n && revs[i].user_id &&
		    store_user_get(app->store, r->a, revs[i].user_id, &u, &e) ==
			    0)
			render_obj_set_str(c, "by", u.display_name);
	}
}

/* The lead image's thumbnail for the editor (lead_media {id, src, alt,
 * caption}); nothing when it is not in the library (the number field
 * then says so on save). */
static void nr_lead_media(struct http_req *r, struct render_val *a, int64_t id)
{
	struct store_media m;
	struct err e = {0};
	char *webp, *jpeg, *src;
	if (store_media_get(app->store, r->a, id, &m, &e) != 0 ||
	    media_srcset(r->a, &m, "/media", &webp, &jpeg, &src) != 0 || !src ||
	    !*src)
		return;
	struct render_val *o = render_obj_add_obj(a, "lead_media");
	render_obj_set_int(o, "id", m.id);
	render_obj_set_strref(o, "src", src);
	render_obj_set_strref(o, "alt", m.alt);
	render_obj_set_strref(o, "caption", m.caption);
}

int nr_editor_render(struct http_req *r, const struct newsroom_me *me,
		     struct nr_edit *ed, int status)
{
	const struct store_article *art = &ed->art;
	const char *tz = nr_site_tz(r);
	const char *page_title = art->id ? art->title : nr_t(r, "new_article");
	struct render_val *ctx = newsroom_ctx(r, me, "articles", page_title);
	struct render_val *assets = render_obj_get(ctx, "assets");
	if (assets)
		render_obj_set_strref(assets, "editor_js",
				      http_static_url(app->statics,
						      "editor.js"));
	struct render_val *a = render_obj_add_obj(ctx, "art");
	int live = art->id && (art->status == STORE_STATUS_PUBLISHED ||
			       art->status == STORE_STATUS_SCHEDULED);
	const char *base = art->id ? arena_printf(r->a,
						  "/newsroom/articles/%" PRId64,
						  art->id) :
				     "/newsroom/articles/new";
	render_obj_set_int(a, "id", art->id);
	render_obj_set_bool(a, "is_new", art->id == 0);
	render_obj_set_int(a, "version", art->version);
	render_obj_set_strref(a, "status", store_status_name(art->status));
	render_obj_set_strref(a, "status_label",
			      nr_status_label(r, art->status));
	render_obj_set_bool(a, "live", live);
	render_obj_set_str(a, "title", art->title);
	render_obj_set_str(a, "lead", art->lead);
	render_obj_set_str(a, "body_md", art->body_md);
	render_obj_set_strref(a, "preview_html", art->body_html);
	render_obj_set_str(a, "slug", art->slug);
	render_obj_set_str(a, "tags", ed->tags_text);
	render_obj_set_str(a, "seo_title", art->seo_title);
	render_obj_set_str(a, "seo_description", art->seo_description);
	render_obj_set_str(a, "correction", art->correction);
	render_obj_set_str(a, "correction_date",
			   nr_date(r, art->correction_at, tz));
	render_obj_set_bool(a, "featured", art->featured);
	render_obj_set_bool(a, "breaking", art->breaking);
	render_obj_set_bool(a, "pinned", art->pinned);
	if (art->lead_media_id) {
		render_obj_set_int(a, "lead_media_id", art->lead_media_id);
		nr_lead_media(r, a, art->lead_media_id);
	}
	render_obj_set_str(a, "publish_at",
			   ed->publish_at_text ?
				   ed->publish_at_text :
				   nr_time_local(r, art->publish_at, tz));
	render_obj_set_str(a, "publish_date", nr_date(r, art->publish_at, tz));
	render_obj_set_str(a, "updated_date", nr_date(r, art->updated_at, tz));
	render_obj_set_strref(a, "tz", tz);
	render_obj_set_int(a, "tz_offset",
			   render_tz_offset(tz, (int64_t)time(NULL)));
	render_obj_set_strref(a, "action", base);
	render_obj_set_str(a, "autosave_url",
			   arena_printf(r->a, "%s/autosave", base));
	if (art->id) {
		render_obj_set_str(a, "revisions_url",
				   arena_printf(r->a, "%s/revisions", base));
		if (art->status == STORE_STATUS_PUBLISHED)
			render_obj_set_strref(a, "public_url",
					      nr_article_path(r, art->edition,
							      art->slug));
	}

	/* Buttons the role may press (the route table checks them again). */
	int owner = nr_owns(r, art);
	int can_publish = r->role >= STORE_ROLE_AUTHOR && owner;
	struct render_val *acts = render_obj_add_obj(a, "actions");
	if (!live || can_publish)
		render_obj_set_str(acts, "save", base);
	if (!live)
		render_obj_set_str(acts, "review",
				   arena_printf(r->a, "%s/review", base));
	if (can_publish) {
		render_obj_set_str(acts, "publish",
				   arena_printf(r->a, "%s/publish", base));
		render_obj_set_str(acts, "schedule",
				   arena_printf(r->a, "%s/schedule", base));
		if (art->id && art->status != STORE_STATUS_UNPUBLISHED &&
		    art->status != STORE_STATUS_DRAFT &&
		    art->status != STORE_STATUS_REVIEW)
			render_obj_set_str(acts, "unpublish",
					   arena_printf(r->a, "%s/unpublish",
							base));
	}
	render_obj_set_bool(a, "read_only", live && !can_publish);

	struct render_val *kinds = render_obj_add_list(a, "kinds");
	for (size_t i = 0; i < sizeof nr_kinds / sizeof *nr_kinds; i++) {
		char key[48];
		snprintf(key, sizeof key, "kinds.%s", nr_kinds[i]);
		nr_option(kinds, nr_kinds[i], page_t(r, key),
			  !strcmp(art->kind, nr_kinds[i]));
	}
	struct render_val *eds = render_obj_add_list(a, "editions");
	for (int k = 0; k < app->cfg->n_editions; k++)
		nr_option(eds, app->cfg->editions[k].code,
			  app->cfg->editions[k].name,
			  !strcmp(art->edition, app->cfg->editions[k].code));

	struct err e = {0};
	struct store_rubric *rubs;
	size_t n;
	struct render_val *ro = render_obj_add_list(a, "rubrics");
	nr_option(ro, "0", nr_t(r, "rubric_none"), art->rubric_id == 0);
	if (store_rubric_list(app->store, r->a, art->edition, &rubs, &n, &e) ==
	    0)
		for (size_t i = 0; i < n; i++)
			nr_option(ro,
				  arena_printf(r->a, "%" PRId64, rubs[i].id),
				  rubs[i].name, rubs[i].id == art->rubric_id);
	struct store_author *aus;
	struct render_val *ao = render_obj_add_list(a, "authors");
	if (store_author_list(app->store, r->a, art->edition, &aus, &n, &e) ==
	    0)
		for (size_t i = 0; i < n; i++) {
			int sel = 0;
			for (size_t k = 0; k < art->n_authors; k++)
				sel |= art->author_ids[k] == aus[i].id;
			nr_option(ao, arena_printf(r->a, "%" PRId64, aus[i].id),
				  aus[i].name, sel);
		}
	nr_translation_options(r, a, ed);

	nr_set_errors(ctx, &ed->err);
	if (ed->message) {
		struct render_val *m = render_obj_add_obj(ctx, "notice");
		render_obj_set_strref(m, "text", ed->message);
		render_obj_set_bool(m, "error", ed->message_error);
	}
	if (ed->theirs)
		nr_conflict(r, ctx, ed, tz);
	if (ed->autosave) {
		const struct store_revision *rv = ed->autosave;
		struct render_val *o =
			render_obj_add_obj(ctx, "autosave_offer");
		struct buf m;
		buf_init(&m, r->a);
		render_locale_expand(
			&m, nr_t(r, "autosave_newer"),
			(const char *const[]){
				"time", nr_date(r, rv->created_at, tz), NULL});
		render_obj_set_strref(o, "text", m.data);
		render_obj_set_str(o, "open_url",
				   arena_printf(r->a,
						"/newsroom/articles/%" PRId64
						"?autosave=%" PRId64,
						art->id, rv->id));
		render_obj_set_str(o, "diff_url",
				   arena_printf(r->a,
						"/newsroom/revisions/%" PRId64,
						rv->id));
	}
	return newsroom_render(r, status, "article_edit", ctx);
}
