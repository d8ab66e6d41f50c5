/*
 * api_live.c - live coverage for the apps: an event with its entries as
 * JSON, and the same update stream readers get.
 *
 *   GET /api/v1/live?edition=&state=
 *       {"events": [...newest start first...]} of one edition (default:
 *       the default edition), in one state (upcoming, live, ended) or all
 *   GET /api/v1/live/{id}?edition=&page=&per_page=
 *       {"event": {...}, "entries": [...newest first...],
 *        "page": N, "per_page": N, "has_more": bool,
 *        "stream": {"url": ".../stream?edition=xx", "last_event_id": N}}
 *   GET /api/v1/live/{id}/stream?edition=     text/event-stream
 *
 * The edition defaults to the first (by position) the event has texts
 * in; an edition it has none in is 404. Objects are written by
 * page_live_event_json / page_live_entry_json (page_live.c), so the API,
 * the stream and the page say the same. An entry carries "edited" and
 * "edited_at" (its last text or image change; pins and deletes do not
 * count), "pinned", and "image" (null, or {id, url: a JPEG of 640 px or
 * more, width, height, srcset and webp_srcset over the media variants
 * with absolute URLs, alt, caption, credit}). Deleted entries are left
 * out of the list (the stream says "delete"). Stream messages: new, edit, pin,
 * delete (data: the entry object with its reader HTML in "html"), state
 * (data: the event object). Connect with last_event_id from the JSON (or
 * the Last-Event-ID header) to miss nothing between the two.
 * Not for: writing (the newsroom's live desk).
 */
#include "app.h"
#include "http/internal.h"
#include "live/live.h"
#include "render/json.h"
#include "util/arena.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

#define API_LIVE_PER_PAGE     50
#define API_LIVE_MAX_PER_PAGE 200
#define API_LIVE_MAX_PAGE     10000

/* Positive integer parameter in [1, max], def when absent; 400 and -1
 * when bad. */
static long api_live_int(struct http_req *r, const char *name, long def,
			 long max)
{
	const char *s = http_query_get(r, name);
	if (!s)
		return def;
	int64_t v;
	if (http_parse_id(s, &v) != 0 || v > max) {
		char msg[128];
		snprintf(
			msg, sizeof msg,
			"parameter '%s': expected a whole number from 1 to %ld",
			name, max);
		http_reply_error(r, 400, msg);
		return -1;
	}
	return (long)v;
}

/* The event of {id} in ?edition= (or its first edition) into *ev, with
 * r->edition/prefix pointed at that edition. Replies and returns -1 on a
 * bad id or edition, an unknown event, a storage error. */
static int api_live_event(struct http_req *r, struct store_live_event *ev)
{
	int64_t id;
	if (http_parse_id(http_param_get(r, "id"), &id) != 0) {
		http_reply_error(r, 400, "bad live event id");
		return -1;
	}
	const char *code = http_query_get(r, "edition");
	const struct config_edition *ce = NULL;
	if (code) {
		ce = config_edition_find(app->cfg, code);
		if (!ce) {
			http_reply_error(
				r, 400,
				"parameter 'edition': unknown edition code");
			return -1;
		}
	}
	struct err e = {0};
	int rc = store_live_event_get(app->store, r->a, id,
				      ce ? ce->code : NULL, ev, &e);
	if (rc == 0 && !ev->edition) /* no texts in any edition */
		rc = ERR_NOTFOUND;
	if (rc == ERR_NOTFOUND) {
		http_reply_error(r, 404, "no such live event");
		return -1;
	}
	if (rc) {
		log_error("req %s: live event: %s", r->id, e.msg);
		http_reply_error(r, 500, "storage error");
		return -1;
	}
	if (!ce)
		ce = config_edition_find(app->cfg, ev->edition);
	if (!ce) {
		http_reply_error(r, 404, "no such live event");
		return -1;
	}
	r->edition = ce->code;
	r->prefix = ce->prefix;
	return 0;
}

int api_live_list(struct http_req *r)
{
	const char *code = http_query_get(r, "edition");
	const struct config_edition *ce = config_edition_find(
		app->cfg, code ? code : app->cfg->default_edition);
	if (!ce) {
		http_reply_error(r, 400,
				 "parameter 'edition': unknown edition code");
		return 0;
	}
	const char *st = http_query_get(r, "state");
	int state = -1;
	for (int i = 0; st && i < 3; i++)
		if (!strcmp(st, page_live_state_name(i)))
			state = i;
	if (st && state < 0) {
		http_reply_error(
			r, 400,
			"parameter 'state': expected upcoming, live or ended");
		return 0;
	}
	struct store_live_event *evs;
	size_t n;
	struct err e = {0};
	if (store_live_event_list(app->store, r->a, ce->code, state, &evs, &n,
				  &e)) {
		log_error("req %s: live events: %s", r->id, e.msg);
		http_reply_error(r, 500, "storage error");
		return 0;
	}
	struct render_json j;
	render_json_init(&j, &r->out);
	render_json_obj_begin(&j, NULL);
	render_json_arr_begin(&j, "events");
	for (size_t i = 0; i < n; i++)
		page_live_event_json(r, &j, NULL, &evs[i]);
	render_json_arr_end(&j);
	render_json_obj_end(&j);
	buf_putc(&r->out, '\n');
	http_header_add(r, "Cache-Control", "public, max-age=5");
	http_reply_buf(r, 200, "application/json; charset=utf-8");
	return 0;
}

int api_live_get(struct http_req *r)
{
	struct store_live_event ev;
	if (api_live_event(r, &ev))
		return 0;
	long page = api_live_int(r, "page", 1, API_LIVE_MAX_PAGE);
	if (page < 0)
		return 0;
	long per = api_live_int(r, "per_page", API_LIVE_PER_PAGE,
				API_LIVE_MAX_PER_PAGE);
	if (per < 0)
		return 0;
	/* The cursor before the read: the stream replays anything newer. */
	const char *channel = page_live_channel(r, ev.id, ev.edition);
	int64_t cursor = app->live ? live_hub_cursor(app->live, channel) : 0;
	struct store_live_entry *ens;
	size_t n;
	struct err e = {0};
	struct page_site site;
	memset(&site, 0, sizeof site);
	if (store_live_entry_list(app->store, r->a, ev.id, ev.edition, 0,
				  (size_t)(page - 1) * (size_t)per,
				  (size_t)per + 1, &ens, &n, &e) ||
	    store_setting_list(app->store, r->a, &site.settings,
			       &site.n_settings, &e) ||
	    store_author_list(app->store, r->a, ev.edition, &site.authors,
			      &site.n_authors, &e)) {
		log_error("req %s: live api: %s", r->id, e.msg);
		http_reply_error(r, 500, "storage error");
		return 0;
	}
	int more = n > (size_t)per;
	if (more)
		n = (size_t)per;
	struct render_json j;
	render_json_init(&j, &r->out);
	render_json_obj_begin(&j, NULL);
	page_live_event_json(r, &j, "event", &ev);
	render_json_arr_begin(&j, "entries");
	for (size_t i = 0; i < n; i++)
		page_live_entry_json(r, &j, &site, NULL, &ens[i]);
	render_json_arr_end(&j);
	render_json_int(&j, "page", page);
	render_json_int(&j, "per_page", per);
	render_json_bool(&j, "has_more", more);
	render_json_obj_begin(&j, "stream");
	render_json_str(&j, "url",
			page_absolute(r, arena_printf(r->a,
						      "/api/v1/live/%lld/stream"
						      "?edition=%s",
						      (long long)ev.id,
						      ev.edition)));
	render_json_int(&j, "last_event_id", cursor);
	render_json_obj_end(&j);
	render_json_obj_end(&j);
	buf_putc(&r->out, '\n');
	/* Short: the apps poll this only to start, then follow the stream. */
	http_header_add(r, "Cache-Control", "public, max-age=5");
	http_reply_buf(r, 200, "application/json; charset=utf-8");
	return 0;
}

int api_live_stream(struct http_req *r)
{
	struct store_live_event ev;
	if (api_live_event(r, &ev))
		return 0;
	return page_live_stream_open(r, &ev);
}
