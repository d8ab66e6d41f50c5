/*
 * live_desk.c - the live desk: editors run live coverage from here.
 *
 *   GET  /newsroom/live                          events, new-event form
 *   POST /newsroom/live                          create an event
 *   GET  /newsroom/live/{id}?edition=&edit=      the desk of one event in
 *                                                one edition (?partial=
 *                                                entries: the entry list
 *                                                only, for livedesk.js)
 *   POST /newsroom/live/{id}                     title and summary of an
 *                                                edition (adds one too)
 *   POST /newsroom/live/{id}/state               upcoming / live / ended
 *   POST /newsroom/live/{id}/entries             post an entry
 *   POST /newsroom/live/{id}/entries/{entry}     edit its text or image
 *   POST /newsroom/live/{id}/entries/{entry}/pin      pinned=1|0
 *   POST /newsroom/live/{id}/entries/{entry}/delete   delete
 *
 * The role (editor) is in the route table. Every POST is CSRF-checked,
 * written to the audit log and, once stored, published to the live hub
 * (http_live_publish_*), which also drops cached pages when the banner
 * changes. A POST that asks for JSON (Accept: application/json, as
 * livedesk.js does) gets {"ok":true,"id":N} or {"ok":false,"error":...};
 * a plain form gets a 303 back to the desk, or the desk again with the
 * text as typed and the reason (nothing typed is ever lost).
 *
 * The desk shows the entries as readers see them: the reader's partial
 * rendered in the event's edition (the UI language may differ), and
 * follows the reader stream so that what another editor posts shows up.
 * Not for: the reader side (http/page_live.c), the hub (live/).
 */
#include "app.h"
#include "live/live.h"
#include "media/media.h"
#include "newsroom/internal.h"
#include "render/date.h"
#include "render/json.h"
#include "render/locale.h"
#include "render/markdown.h"
#include "util/arena.h"
#include "util/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DESK_MAX_CHARS    20000    /* characters of an entry's Markdown */
#define DESK_ENTRIES      200      /* entries shown on the desk */
#define DESK_TITLE_CHARS  300      /* characters of an event title */
#define DESK_MEDIA_RECENT 12       /* latest uploads the image picker offers */
#define DESK_MEDIA_URL    "/media" /* where media variants are served */

static const char *desk_t(struct http_req *r, const char *key)
{
	char full[96];
	snprintf(full, sizeof full, "live_desk.%s", key);
	return page_t(r, full);
}

static const char *desk_state_label(struct http_req *r, int state)
{
	char key[32];
	snprintf(key, sizeof key, "state_%s", page_live_state_name(state));
	return desk_t(r, key);
}

static int desk_wants_json(const struct http_req *r)
{
	const char *acc = http_header_get(r, "Accept");
	return acc && strstr(acc, "application/json") != NULL;
}

/* {"ok":true,"id":N,"message_id":M} (status 200). */
static int desk_json_ok(struct http_req *r, int64_t id, int64_t msg_id)
{
	struct render_json j;
	buf_clear(&r->out);
	render_json_init(&j, &r->out);
	render_json_obj_begin(&j, NULL);
	render_json_bool(&j, "ok", 1);
	render_json_int(&j, "id", id);
	render_json_int(&j, "message_id", msg_id);
	render_json_obj_end(&j);
	http_reply_buf(r, 200, "application/json; charset=utf-8");
	return 0;
}

/* {"ok":false,"error":msg} with status. */
static int desk_json_err(struct http_req *r, int status, const char *msg)
{
	struct render_json j;
	buf_clear(&r->out);
	render_json_init(&j, &r->out);
	render_json_obj_begin(&j, NULL);
	render_json_bool(&j, "ok", 0);
	render_json_str(&j, "error", msg);
	render_json_obj_end(&j);
	http_reply_buf(r, status, "application/json; charset=utf-8");
	return 0;
}

static const char *desk_url(struct http_req *r, int64_t id, const char *edition)
{
	return arena_printf(r->a, "/newsroom/live/%" PRId64 "?edition=%s", id,
			    edition);
}

/* The configured edition `code`, else NULL. */
static const struct config_edition *desk_edition(const char *code)
{
	return code && *code ? config_edition_find(app->cfg, code) : NULL;
}

/* Event {id} in edition `edition` (NULL: its first edition) into *ev.
 * Replies (404/400/500) and returns -1 when there is none. */
static int desk_event(struct http_req *r, const char *edition,
		      struct store_live_event *ev)
{
	int64_t id;
	if (http_parse_id(http_param_get(r, "id"), &id) != 0)
		return newsroom_error(r, 404, desk_t(r, "err_gone")), -1;
	struct err e = {0};
	int rc = store_live_event_get(app->store, r->a, id, edition, ev, &e);
	if (rc == 0 && !ev->edition)
		rc = ERR_NOTFOUND;
	if (rc == ERR_NOTFOUND) {
		if (desk_wants_json(r))
			desk_json_err(r, 404, desk_t(r, "err_gone"));
		else
			newsroom_error(r, 404, desk_t(r, "err_gone"));
		return -1;
	}
	if (rc) {
		log_error("req %s: live event %" PRId64 ": %s", r->id, id,
			  e.msg);
		if (desk_wants_json(r))
			desk_json_err(r, 500, desk_t(r, "err_storage"));
		else
			newsroom_error(r, 500, desk_t(r, "err_storage"));
		return -1;
	}
	return 0;
}

/* The author profile of r's user in `edition`, 0 when none. */
static int64_t desk_author(struct http_req *r, const char *edition)
{
	struct store_author *as;
	size_t n;
	struct err e = {0};
	if (store_author_list(app->store, r->a, edition, &as, &n, &e)) {
		log_error("req %s: authors: %s", r->id, e.msg);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (as[i].user_id && as[i].user_id == r->user_id)
			return as[i].id;
	return 0;
}

/* Site data of `edition` for rendering entries as its readers see them. */
static void desk_site(struct http_req *r, const char *edition,
		      struct page_site *site)
{
	memset(site, 0, sizeof *site);
	struct err e = {0};
	if (store_setting_list(app->store, r->a, &site->settings,
			       &site->n_settings, &e) ||
	    store_author_list(app->store, r->a, edition, &site->authors,
			      &site->n_authors, &e))
		log_error("req %s: live desk site data: %s", r->id, e.msg);
	site->tz = page_setting(site, "time_zone", NULL);
	if (!site->tz)
		site->tz = app->cfg->time_zone;
}

/* ---- the events list ------------------------------------------------ */

struct desk_new {
	const char *edition, *title, *summary, *state; /* as typed */
	const char *error;                             /* or NULL */
};

static int desk_list_page(struct http_req *r, int status,
			  const struct desk_new *nf)
{
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	struct render_val *ctx =
		newsroom_ctx(r, &me, "live", desk_t(r, "title"));
	struct err e = {0};
	struct store_live_event *evs;
	size_t n;
	if (store_live_event_list(app->store, r->a, NULL, -1, &evs, &n, &e)) {
		log_error("req %s: live events: %s", r->id, e.msg);
		return newsroom_error(r, 500, desk_t(r, "err_storage"));
	}
	const char *tz = newsroom_tz(r);
	struct render_val *rows = render_obj_add_list(ctx, "events");
	render_obj_set_bool(ctx, "has_events", n > 0);
	for (size_t i = 0; i < n; i++) {
		struct render_val *o = render_list_add_obj(rows);
		render_obj_set_int(o, "id", evs[i].id);
		render_obj_set_strref(o, "url",
				      desk_url(r, evs[i].id, evs[i].edition));
		render_obj_set_strref(o, "title", evs[i].title);
		render_obj_set_strref(o, "state",
				      page_live_state_name((int)evs[i].state));
		render_obj_set_strref(o, "state_label",
				      desk_state_label(r, (int)evs[i].state));
		if (evs[i].starts_at)
			render_obj_set_strref(o, "starts",
					      newsroom_date(r, tz,
							    evs[i].starts_at,
							    RENDER_DATE_LONG));
		struct render_val *eds = render_obj_add_list(o, "editions");
		for (int k = 0; k < app->cfg->n_editions; k++) {
			const struct config_edition *ce =
				&app->cfg->editions[k];
			struct store_live_event tr;
			if (store_live_event_get(app->store, r->a, evs[i].id,
						 ce->code, &tr, &e) != 0)
				continue;
			struct render_val *x = render_list_add_obj(eds);
			render_obj_set_strref(x, "code", ce->code);
			render_obj_set_strref(x, "url",
					      desk_url(r, evs[i].id, ce->code));
		}
	}
	struct render_val *f = render_obj_add_obj(ctx, "new");
	render_obj_set_str(f, "title", nf ? nf->title : "");
	render_obj_set_str(f, "summary", nf ? nf->summary : "");
	render_obj_set_str(f, "error", nf ? nf->error : NULL);
	const char *sel_ed = nf && nf->edition ? nf->edition : NULL;
	struct render_val *eds = render_obj_add_list(f, "editions");
	for (int k = 0; k < app->cfg->n_editions; k++) {
		const struct config_edition *ce = &app->cfg->editions[k];
		struct render_val *o = render_list_add_obj(eds);
		render_obj_set_strref(o, "value", ce->code);
		render_obj_set_strref(o, "label", ce->name);
		render_obj_set_bool(o, "selected",
				    sel_ed ? !strcmp(sel_ed, ce->code) :
					     !strcmp(r->edition, ce->code));
	}
	int live = nf && nf->state && !strcmp(nf->state, "live");
	render_obj_set_bool(f, "live", live);
	return newsroom_render(r, status, "live_list", ctx);
}

int page_newsroom_live(struct http_req *r)
{
	newsroom_begin(r);
	return desk_list_page(r, 200, NULL);
}

int page_newsroom_live_create(struct http_req *r)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	struct desk_new nf = {
		.edition = newsroom_field_value(r, &f, "edition"),
		.title = newsroom_field_value(r, &f, "title"),
		.summary = newsroom_field_value(r, &f, "summary"),
		.state = newsroom_field_value(r, &f, "state"),
	};
	const struct config_edition *ce = desk_edition(nf.edition);
	if (!ce || !*nf.title || newsroom_chars(nf.title) > DESK_TITLE_CHARS) {
		nf.error = desk_t(r, "err_title");
		return desk_list_page(r, 422, &nf);
	}
	int live = !strcmp(nf.state, "live");
	int64_t now = (int64_t)time(NULL);
	const char *base = store_slugify(r->a, nf.title);
	if (!*base)
		base = arena_printf(r->a, "live-%" PRId64, now);
	struct store_live_event ev;
	struct err e = {0};
	int rc = ERR_CONFLICT;
	/* The key must be new (an existing key would be updated): the
	 * slug and the time make it so. A slug taken in the edition gets
	 * a number. */
	for (int i = 1; i <= 9 && rc == ERR_CONFLICT; i++) {
		const char *slug =
			i == 1 ? base : arena_printf(r->a, "%s-%d", base, i);
		memset(&ev, 0, sizeof ev);
		ev.key = arena_printf(r->a, "%s-%" PRId64, slug, now);
		ev.state = live ? STORE_LIVE_LIVE : STORE_LIVE_UPCOMING;
		ev.starts_at = live ? now : 0;
		ev.edition = (char *)ce->code;
		ev.slug = (char *)slug;
		ev.title = (char *)nf.title;
		ev.summary = (char *)nf.summary;
		rc = store_live_event_save(app->store, &ev, &e);
	}
	if (rc) {
		log_error("req %s: live create: %s", r->id, e.msg);
		nf.error = desk_t(r, rc == ERR_CONFLICT ? "err_slug" :
							  "err_storage");
		return desk_list_page(r, rc == ERR_CONFLICT ? 422 : 500, &nf);
	}
	newsroom_audit(r, "live.create", "live_event", ev.id, "%s (%s, %s)",
		       nf.title, ce->code, page_live_state_name((int)ev.state));
	if (live)
		http_live_publish_state(r, ev.id);
	http_reply_redirect(r, 303, desk_url(r, ev.id, ce->code));
	return 0;
}

/* ---- the desk ------------------------------------------------------- */

struct desk_compose {
	int64_t edit_id;             /* entry being edited, 0: a new one */
	const char *body;            /* text as typed */
	const char *media;           /* media id as typed */
	int pinned;                  /* checkbox */
	const char *error;           /* or NULL */
	const char *texts_error;     /* title/summary form error, or NULL */
	const char *title, *summary; /* title/summary as typed, or NULL */
};

/* Entries of ev as readers see them, into list (ctx's "entries"). */
static void desk_entries(struct http_req *r, struct render_val *ctx,
			 const struct store_live_event *ev)
{
	struct store_live_entry *ens;
	size_t n = 0;
	struct err e = {0};
	if (store_live_entry_list(app->store, r->a, ev->id, ev->edition, 0, 0,
				  DESK_ENTRIES, &ens, &n, &e)) {
		log_error("req %s: live entries: %s", r->id, e.msg);
		n = 0;
	}
	struct render_val *list = render_obj_add_list(ctx, "entries");
	render_obj_set_bool(ctx, "has_entries", n > 0);
	/* Render in the event's edition, then back to the UI language. */
	const char *ui_ed = r->edition, *ui_prefix = r->prefix;
	const struct config_edition *ce = desk_edition(ev->edition);
	if (ce) {
		r->edition = ce->code;
		r->prefix = ce->prefix;
	}
	struct page_site site;
	desk_site(r, ev->edition, &site);
	struct render_val *t = page_live_strings(r, &site);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			if ((pass == 0) != (ens[i].pinned != 0))
				continue;
			struct buf h;
			buf_init(&h, r->a);
			page_live_entry_html(r, &site, t, &ens[i], &h);
			struct render_val *o = render_list_add_obj(list);
			const char *base = arena_printf(
				r->a,
				"/newsroom/live/%" PRId64 "/entries/%" PRId64,
				ev->id, ens[i].id);
			render_obj_set_int(o, "id", ens[i].id);
			render_obj_set_strref(o, "html", h.data);
			render_obj_set_strref(o, "md", ens[i].body_md);
			render_obj_set_int(o, "media_id", ens[i].media_id);
			render_obj_set_bool(o, "pinned", ens[i].pinned);
			render_obj_set_strref(o, "edit_url", base);
			render_obj_set_str(
				o, "edit_link",
				arena_printf(r->a, "%s&edit=%" PRId64,
					     desk_url(r, ev->id, ev->edition),
					     ens[i].id));
			render_obj_set_str(o, "pin_url",
					   arena_printf(r->a, "%s/pin", base));
			render_obj_set_str(o, "delete_url",
					   arena_printf(r->a, "%s/delete",
							base));
		}
	r->edition = ui_ed;
	r->prefix = ui_prefix;
}

/* One choice of the image picker: media m as a thumbnail (its variants
 * as srcsets, the browser takes the smallest) named by its alt text. */
static void desk_media_choice(struct http_req *r, struct render_val *list,
			      const struct store_media *m, int checked)
{
	char *webp, *jpeg, *src;
	if (media_srcset(r->a, m, DESK_MEDIA_URL, &webp, &jpeg, &src) != 0)
		return; /* nothing readers could be shown */
	struct render_val *o = render_list_add_obj(list);
	render_obj_set_int(o, "id", m->id);
	render_obj_set_strref(o, "src", src);
	render_obj_set_strref(o, "webp", *webp ? webp : NULL);
	render_obj_set_strref(o, "jpeg", *jpeg ? jpeg : NULL);
	render_obj_set_strref(o, "alt", m->alt && *m->alt ? m->alt : NULL);
	render_obj_set_bool(o, "checked", checked);
}

/* The composer's image picker into c: "no image", then the latest
 * uploads of the media library, newest first, with `cur` (the media id
 * of the entry being edited or as typed) checked and offered even when it
 * is older than those. */
static void desk_media_choices(struct http_req *r, struct render_val *c,
			       const char *cur)
{
	int64_t cur_id = 0;
	if (cur && *cur && http_parse_id(cur, &cur_id) != 0)
		cur_id = 0;
	struct store_media_filter f = {.limit = DESK_MEDIA_RECENT};
	struct store_media *items = NULL;
	size_t n = 0, total = 0;
	struct err e = {0};
	if (store_media_list(app->store, r->a, &f, &items, &n, &total, &e)) {
		log_error("req %s: live desk media: %s", r->id, e.msg);
		n = 0;
	}
	struct render_val *list = render_obj_add_list(c, "media_items");
	int listed = 0;
	for (size_t i = 0; i < n; i++)
		listed |= items[i].id == cur_id;
	if (cur_id && !listed) {
		struct store_media m;
		if (store_media_get(app->store, r->a, cur_id, &m, &e) == 0)
			desk_media_choice(r, list, &m, 1);
	}
	for (size_t i = 0; i < n; i++)
		desk_media_choice(r, list, &items[i], items[i].id == cur_id);
	render_obj_set_bool(c, "no_media", cur_id == 0);
	render_obj_set_strref(c, "media_sizes", "6rem");
}

static int desk_page(struct http_req *r, int status,
		     const struct store_live_event *ev,
		     const struct desk_compose *cf)
{
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	struct render_val *ctx = newsroom_ctx(r, &me, "live", ev->title);
	render_obj_set_strref(ctx, "livedesk_js",
			      http_static_url(app->statics, "livedesk.js"));
	const struct config_edition *ce = desk_edition(ev->edition);
	const char *reader =
		page_url(r, ce ? ce->prefix : "", "live", ev->slug);
	const char *channel = page_live_channel(r, ev->id, ev->edition);
	int64_t cursor = app->live ? live_hub_cursor(app->live, channel) : 0;

	struct render_val *o = render_obj_add_obj(ctx, "event");
	render_obj_set_int(o, "id", ev->id);
	render_obj_set_strref(o, "title", ev->title);
	render_obj_set_strref(o, "summary", ev->summary);
	render_obj_set_strref(o, "edition", ev->edition);
	render_obj_set_strref(o, "edition_name", ce ? ce->name : ev->edition);
	render_obj_set_strref(o, "state", page_live_state_name((int)ev->state));
	render_obj_set_strref(o, "state_label",
			      desk_state_label(r, (int)ev->state));
	render_obj_set_bool(o, "is_live", ev->state == STORE_LIVE_LIVE);
	render_obj_set_bool(o, "is_ended", ev->state == STORE_LIVE_ENDED);
	render_obj_set_bool(o, "is_upcoming", ev->state == STORE_LIVE_UPCOMING);
	render_obj_set_strref(o, "reader_url", reader);
	const char *self = desk_url(r, ev->id, ev->edition);
	render_obj_set_strref(o, "url", self);
	render_obj_set_str(o, "entries_url",
			   arena_printf(r->a, "%s&partial=entries", self));
	render_obj_set_str(o, "post_url",
			   arena_printf(r->a,
					"/newsroom/live/%" PRId64 "/entries",
					ev->id));
	render_obj_set_str(
		o, "state_url",
		arena_printf(r->a, "/newsroom/live/%" PRId64 "/state", ev->id));
	render_obj_set_str(o, "texts_url",
			   arena_printf(r->a, "/newsroom/live/%" PRId64,
					ev->id));
	if (cursor > 0)
		render_obj_set_str(o, "stream_url",
				   arena_printf(r->a,
						"%s/stream?last_event_id=%lld",
						reader, (long long)cursor));
	const char *tz = newsroom_tz(r);
	if (ev->starts_at)
		render_obj_set_strref(o, "starts",
				      newsroom_date(r, tz, ev->starts_at,
						    RENDER_DATE_LONG));
	if (ev->ends_at)
		render_obj_set_strref(o, "ends",
				      newsroom_date(r, tz, ev->ends_at,
						    RENDER_DATE_LONG));

	/* Editions: tabs for those with texts, the others can be added. */
	struct render_val *tabs = render_obj_add_list(ctx, "tabs");
	struct render_val *missing = render_obj_add_list(ctx, "missing");
	for (int k = 0; k < app->cfg->n_editions; k++) {
		const struct config_edition *e2 = &app->cfg->editions[k];
		struct store_live_event tr;
		struct err e = {0};
		int has = store_live_event_get(app->store, r->a, ev->id,
					       e2->code, &tr, &e) == 0;
		struct render_val *x =
			render_list_add_obj(has ? tabs : missing);
		render_obj_set_strref(x, "code", e2->code);
		render_obj_set_strref(x, "name", e2->name);
		render_obj_set_strref(x, "url", desk_url(r, ev->id, e2->code));
		render_obj_set_bool(x, "current",
				    !strcmp(e2->code, ev->edition));
	}
	render_obj_set_bool(ctx, "has_missing",
			    render_obj_get(ctx, "missing")->len > 0);

	struct render_val *c = render_obj_add_obj(ctx, "compose");
	render_obj_set_str(c, "body", cf && cf->body ? cf->body : "");
	render_obj_set_str(c, "media", cf && cf->media ? cf->media : "");
	desk_media_choices(r, c, cf ? cf->media : NULL);
	render_obj_set_bool(c, "pinned", cf && cf->pinned);
	render_obj_set_str(c, "error", cf ? cf->error : NULL);
	render_obj_set_int(c, "maxlength", DESK_MAX_CHARS);
	if (cf && cf->edit_id) {
		render_obj_set_int(c, "edit_id", cf->edit_id);
		render_obj_set_str(c, "action",
				   arena_printf(r->a,
						"/newsroom/live/%" PRId64
						"/entries/%" PRId64,
						ev->id, cf->edit_id));
	} else {
		render_obj_set_str(
			c, "action",
			arena_printf(r->a, "/newsroom/live/%" PRId64 "/entries",
				     ev->id));
	}
	struct render_val *tx = render_obj_add_obj(ctx, "texts");
	render_obj_set_str(tx, "title",
			   cf && cf->title ? cf->title : ev->title);
	render_obj_set_str(tx, "summary",
			   cf && cf->summary ? cf->summary : ev->summary);
	render_obj_set_str(tx, "error", cf ? cf->texts_error : NULL);

	desk_entries(r, ctx, ev);
	const char *partial = http_query_get(r, "partial");
	if (partial && !strcmp(partial, "entries"))
		return newsroom_render(r, status, "live_entries", ctx);
	return newsroom_render(r, status, "live_desk", ctx);
}

int page_newsroom_live_desk(struct http_req *r)
{
	newsroom_begin(r);
	const char *ed = http_query_get(r, "edition");
	struct store_live_event ev;
	if (desk_event(r, desk_edition(ed) ? ed : NULL, &ev))
		return 0;
	struct desk_compose cf = {0};
	const char *edit = http_query_get(r, "edit");
	int64_t eid;
	if (edit && http_parse_id(edit, &eid) == 0) {
		struct store_live_entry en;
		struct err e = {0};
		if (store_live_entry_get(app->store, r->a, eid, &en, &e) == 0 &&
		    en.event_id == ev.id && !en.deleted &&
		    !strcmp(en.edition, ev.edition)) {
			cf.edit_id = eid;
			cf.body = en.body_md;
			cf.media = en.media_id ? arena_printf(r->a, "%" PRId64,
							      en.media_id) :
						 "";
			cf.pinned = en.pinned;
		}
	}
	return desk_page(r, 200, &ev, &cf);
}

/* Answer a failed desk POST: JSON, or the desk with what was typed. */
static int desk_fail(struct http_req *r, int status,
		     const struct store_live_event *ev, struct desk_compose *cf,
		     const char *msg)
{
	if (desk_wants_json(r))
		return desk_json_err(r, status, msg);
	cf->error = msg;
	return desk_page(r, status, ev, cf);
}

/* Check body and media id of an entry form into *en; the message for
 * the editor, or NULL when they are fine. */
static const char *desk_entry_check(struct http_req *r, const char *body,
				    const char *media,
				    struct store_live_entry *en)
{
	en->media_id = 0;
	if (*media) {
		int64_t mid;
		struct store_media m;
		struct err e = {0};
		if (http_parse_id(media, &mid) != 0 ||
		    store_media_get(app->store, r->a, mid, &m, &e) != 0)
			return desk_t(r, "err_media");
		en->media_id = mid;
	}
	if (!*body && !en->media_id)
		return desk_t(r, "err_body");
	if (newsroom_chars(body) > DESK_MAX_CHARS) {
		char max[16];
		snprintf(max, sizeof max, "%d", DESK_MAX_CHARS);
		struct buf b;
		buf_init(&b, r->a);
		const char *vars[] = {"max", max, NULL};
		render_locale_expand(&b, desk_t(r, "err_too_long"), vars);
		return b.data;
	}
	struct buf html;
	buf_init(&html, r->a);
	struct err e = {0};
	if (render_md_to_html(body, strlen(body), &html, &e) != 0)
		return desk_t(r, "err_body");
	en->body_md = (char *)body;
	en->body_html = html.data;
	return NULL;
}

/* The form's edition (must be one the event has texts in), else the
 * event's first; loads the event. -1 when replied. */
static int desk_post_event(struct http_req *r, const struct newsroom_form *f,
			   struct store_live_event *ev)
{
	const char *ed = newsroom_field_value(r, f, "edition");
	return desk_event(r, desk_edition(ed) ? ed : NULL, ev);
}

/* Done: JSON, or back to the desk. */
static int desk_done(struct http_req *r, const struct store_live_event *ev,
		     int64_t id, int64_t msg_id)
{
	if (desk_wants_json(r))
		return desk_json_ok(r, id, msg_id);
	http_reply_redirect(r, 303, desk_url(r, ev->id, ev->edition));
	return 0;
}

int page_newsroom_live_entry_add(struct http_req *r)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	struct store_live_event ev;
	if (desk_post_event(r, &f, &ev))
		return 0;
	struct desk_compose cf = {
		.body = newsroom_field_value(r, &f, "body"),
		.media = newsroom_field_value(r, &f, "media_id"),
		.pinned = newsroom_form_get(&f, "pinned") != NULL,
	};
	struct store_live_entry en;
	memset(&en, 0, sizeof en);
	const char *msg = desk_entry_check(r, cf.body, cf.media, &en);
	if (msg)
		return desk_fail(r, 422, &ev, &cf, msg);
	en.event_id = ev.id;
	en.edition = ev.edition;
	en.author_id = desk_author(r, ev.edition);
	en.pinned = cf.pinned;
	struct err e = {0};
	if (store_live_entry_save(app->store, &en, &e)) {
		log_error("req %s: live entry: %s", r->id, e.msg);
		return desk_fail(r, 500, &ev, &cf, desk_t(r, "err_storage"));
	}
	newsroom_audit(r, "live.entry.add", "live_entry", en.id,
		       "event %" PRId64 " (%s)", ev.id, ev.edition);
	int64_t mid = http_live_publish_entry(r, &ev, &en, "new");
	return desk_done(r, &ev, en.id, mid);
}

/* Entry {entry} of event ev, not deleted, into *en. -1 when replied. */
static int desk_entry(struct http_req *r, const struct store_live_event *ev,
		      struct store_live_entry *en)
{
	int64_t id;
	struct err e = {0};
	int rc = http_parse_id(http_param_get(r, "entry"), &id);
	if (rc == 0)
		rc = store_live_entry_get(app->store, r->a, id, en, &e);
	if (rc == 0 && (en->event_id != ev->id || en->deleted))
		rc = ERR_NOTFOUND;
	if (rc == 0)
		return 0;
	if (rc != ERR_NOTFOUND && rc != ERR_INVALID)
		log_error("req %s: live entry: %s", r->id, e.msg);
	int status = rc == ERR_NOTFOUND || rc == ERR_INVALID ? 404 : 500;
	const char *msg = desk_t(r, status == 404 ? "err_gone" : "err_storage");
	if (desk_wants_json(r))
		return desk_json_err(r, status, msg), -1;
	return newsroom_error(r, status, msg), -1;
}

/* The event of an entry action in the entry's own edition. */
static int desk_entry_event(struct http_req *r, struct store_live_event *ev,
			    struct store_live_entry *en)
{
	if (desk_event(r, NULL, ev) || desk_entry(r, ev, en))
		return -1;
	if (strcmp(ev->edition, en->edition))
		return desk_event(r, en->edition, ev);
	return 0;
}

int page_newsroom_live_entry_edit(struct http_req *r)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	struct store_live_event ev;
	struct store_live_entry en;
	if (desk_entry_event(r, &ev, &en))
		return 0;
	struct desk_compose cf = {
		.edit_id = en.id,
		.body = newsroom_field_value(r, &f, "body"),
		.media = newsroom_form_get(&f, "media_id") ?
				 newsroom_field_value(r, &f, "media_id") :
				 (en.media_id ? arena_printf(r->a, "%" PRId64,
							     en.media_id) :
						""),
		.pinned = en.pinned,
	};
	const char *msg = desk_entry_check(r, cf.body, cf.media, &en);
	if (msg)
		return desk_fail(r, 422, &ev, &cf, msg);
	struct err e = {0};
	if (store_live_entry_save(app->store, &en, &e)) {
		log_error("req %s: live entry %" PRId64 ": %s", r->id, en.id,
			  e.msg);
		return desk_fail(
			r, e.code == ERR_NOTFOUND ? 404 : 500, &ev, &cf,
			desk_t(r, e.code == ERR_NOTFOUND ? "err_gone" :
							   "err_storage"));
	}
	newsroom_audit(r, "live.entry.edit", "live_entry", en.id,
		       "event %" PRId64 " (%s)", ev.id, ev.edition);
	int64_t mid = http_live_publish_entry(r, &ev, &en, "edit");
	return desk_done(r, &ev, en.id, mid);
}

/* Pin/unpin or delete: flags only, then the message. */
static int desk_entry_flags(struct http_req *r, int delete)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	struct store_live_event ev;
	struct store_live_entry en;
	if (desk_entry_event(r, &ev, &en))
		return 0;
	int pinned = en.pinned;
	if (!delete) {
		const char *p = newsroom_form_get(&f, "pinned");
		pinned = p ? !strcmp(p, "1") : !en.pinned;
	}
	struct err e = {0};
	int64_t updated;
	if (store_live_entry_flags(app->store, en.id, pinned, delete, &updated,
				   &e)) {
		log_error("req %s: live entry %" PRId64 ": %s", r->id, en.id,
			  e.msg);
		struct desk_compose cf = {0};
		return desk_fail(
			r, e.code == ERR_NOTFOUND ? 404 : 500, &ev, &cf,
			desk_t(r, e.code == ERR_NOTFOUND ? "err_gone" :
							   "err_storage"));
	}
	en.pinned = pinned;
	en.deleted = delete;
	en.updated_at = updated;
	const char *action = delete ? "live.entry.delete" :
			     pinned ? "live.entry.pin" :
				      "live.entry.unpin";
	newsroom_audit(r, action, "live_entry", en.id, "event %" PRId64 " (%s)",
		       ev.id, ev.edition);
	int64_t mid =
		http_live_publish_entry(r, &ev, &en, delete ? "delete" : "pin");
	return desk_done(r, &ev, en.id, mid);
}

int page_newsroom_live_entry_pin(struct http_req *r)
{
	return desk_entry_flags(r, 0);
}

int page_newsroom_live_entry_delete(struct http_req *r)
{
	return desk_entry_flags(r, 1);
}

int page_newsroom_live_state(struct http_req *r)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	struct store_live_event ev;
	if (desk_post_event(r, &f, &ev))
		return 0;
	const char *want = newsroom_field_value(r, &f, "state");
	int st = !strcmp(want, "live")     ? STORE_LIVE_LIVE :
		 !strcmp(want, "ended")    ? STORE_LIVE_ENDED :
		 !strcmp(want, "upcoming") ? STORE_LIVE_UPCOMING :
					     -1;
	if (st < 0) {
		struct desk_compose cf = {0};
		return desk_fail(r, 422, &ev, &cf, desk_t(r, "err_state"));
	}
	int64_t now = (int64_t)time(NULL);
	int old = (int)ev.state;
	struct store_live_event up = ev;
	up.state = (enum store_live_state)st;
	up.edition = NULL; /* the event row only, texts untouched */
	if (st == STORE_LIVE_LIVE) {
		if (!up.starts_at || old == STORE_LIVE_UPCOMING)
			up.starts_at = now;
		up.ends_at = 0;
	} else if (st == STORE_LIVE_ENDED) {
		if (!up.starts_at)
			up.starts_at = now;
		up.ends_at = now;
	} else {
		up.ends_at = 0;
	}
	struct err e = {0};
	if (store_live_event_save(app->store, &up, &e)) {
		log_error("req %s: live state: %s", r->id, e.msg);
		struct desk_compose cf = {0};
		return desk_fail(r, 500, &ev, &cf, desk_t(r, "err_storage"));
	}
	newsroom_audit(r, "live.state", "live_event", ev.id, "%s -> %s",
		       page_live_state_name(old), page_live_state_name(st));
	http_live_publish_state(r, ev.id);
	return desk_done(r, &ev, ev.id, 0);
}

int page_newsroom_live_update(struct http_req *r)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	const char *code = newsroom_field_value(r, &f, "edition");
	const struct config_edition *ce = desk_edition(code);
	struct store_live_event ev;
	if (desk_event(r, NULL, &ev))
		return 0;
	struct desk_compose cf = {
		.title = newsroom_field_value(r, &f, "title"),
		.summary = newsroom_field_value(r, &f, "summary"),
	};
	if (!ce || !*cf.title || newsroom_chars(cf.title) > DESK_TITLE_CHARS) {
		if (desk_wants_json(r))
			return desk_json_err(r, 422, desk_t(r, "err_title"));
		cf.texts_error = desk_t(r, "err_title");
		return desk_page(r, 422, &ev, &cf);
	}
	/* Keep the slug of an existing text (readers' links); a new
	 * edition gets one from its title. */
	struct store_live_event cur;
	struct err e = {0};
	int has = store_live_event_get(app->store, r->a, ev.id, ce->code, &cur,
				       &e) == 0;
	struct store_live_event up = ev;
	up.edition = (char *)ce->code;
	up.slug = has ? cur.slug : NULL;
	up.title = (char *)cf.title;
	up.summary = (char *)cf.summary;
	int rc = store_live_event_save(app->store, &up, &e);
	if (rc == ERR_CONFLICT && !has) {
		up.slug = arena_printf(r->a, "%s-%" PRId64,
				       store_slugify(r->a, cf.title), ev.id);
		rc = store_live_event_save(app->store, &up, &e);
	}
	if (rc) {
		log_error("req %s: live texts: %s", r->id, e.msg);
		const char *msg = desk_t(r, rc == ERR_CONFLICT ? "err_slug" :
								 "err_storage");
		if (desk_wants_json(r))
			return desk_json_err(r, rc == ERR_CONFLICT ? 422 : 500,
					     msg);
		cf.texts_error = msg;
		return desk_page(r, rc == ERR_CONFLICT ? 422 : 500, &ev, &cf);
	}
	newsroom_audit(r, "live.update", "live_event", ev.id, "%s: %s",
		       ce->code, cf.title);
	http_live_publish_state(r, ev.id);
	if (desk_wants_json(r))
		return desk_json_ok(r, ev.id, 0);
	http_reply_redirect(r, 303, desk_url(r, ev.id, ce->code));
	return 0;
}
