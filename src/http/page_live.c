/*
 * page_live.c - the reader's live-event page, rendered on the server.
 *
 *   GET {prefix}/live/{slug}     the event and its entries, newest first,
 *                                pinned ones on top, 50 a page (?page=N)
 *
 * Every entry is in the HTML so that crawlers and readers without
 * JavaScript see the whole coverage. Not for pushing new entries to open
 * pages (that is the live-update stream).
 */
#include "app.h"
#include "http/internal.h"
#include "render/date.h"
#include "util/arena.h"
#include "util/log.h"

#include <string.h>

#define LIVE_PER_PAGE 50

static struct render_val *page_live_entry(struct http_req *r,
					  const struct page_site *site,
					  const struct store_live_entry *en)
{
	struct render_val *o = render_obj_new(r->a);
	render_obj_set_int(o, "id", en->id);
	render_obj_set_strref(o, "time_text",
			      page_date(r, site, en->created_at, RENDER_DATE_TIME));
	render_obj_set_strref(o, "time_iso",
			      page_date(r, site, en->created_at, RENDER_DATE_ISO));
	render_obj_set_bool(o, "pinned", en->pinned);
	render_obj_set_bool(o, "edited", en->edited);
	render_obj_set_strref(o, "html", en->body_html);
	const struct store_author *au = page_site_author(site, en->author_id);
	if (au) {
		struct render_val *a = render_obj_add_obj(o, "author");
		render_obj_set_strref(a, "name", au->name);
		render_obj_set_strref(a, "url", page_url(r, r->prefix, "author",
							 au->slug));
	}
	return o;
}

int page_live(struct http_req *r)
{
	long page = page_number(r);
	if (page < 0)
		return 0;
	const char *slug = http_param_get(r, "slug");
	struct err e = {0};
	struct store_live_event *evs;
	size_t nev;
	if (store_live_event_list(app->store, r->a, r->edition, -1, &evs, &nev,
				  &e)) {
		log_error("req %s: live events: %s", r->id, e.msg);
		return page_error(r, 500);
	}
	const struct store_live_event *ev = NULL;
	for (size_t i = 0; i < nev && !ev; i++)
		if (evs[i].slug && !strcmp(evs[i].slug, slug))
			ev = &evs[i];
	if (!ev)
		return page_error(r, 404);
	struct store_live_entry *ens;
	size_t nen;
	if (store_live_entry_list(app->store, r->a, ev->id, r->edition, 0,
				  (size_t)(page - 1) * LIVE_PER_PAGE,
				  LIVE_PER_PAGE + 1, &ens, &nen, &e)) {
		log_error("req %s: live entries: %s", r->id, e.msg);
		return page_error(r, 500);
	}
	if (page > 1 && nen == 0)
		return page_error(r, 404);
	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	const char *path = page_url(r, r->prefix, "live", ev->slug);
	struct render_val *ctx = page_context(r, &site, "live", ev->title,
					      ev->summary, path);
	struct render_val *o = render_obj_add_obj(ctx, "event");
	render_obj_set_int(o, "id", ev->id);
	render_obj_set_strref(o, "title", ev->title);
	render_obj_set_strref(o, "summary", ev->summary);
	static const char *const states[] = {"upcoming", "live", "ended"};
	static const char *const labels[] = {"live.upcoming", "live.badge",
					     "live.ended"};
	int st = ev->state >= 0 && ev->state <= 2 ? (int)ev->state : 0;
	render_obj_set_strref(o, "state", states[st]);
	render_obj_set_strref(o, "state_label", page_t(r, labels[st]));
	render_obj_set_bool(o, "is_live", ev->state == STORE_LIVE_LIVE);
	if (ev->starts_at) {
		render_obj_set_strref(o, "started_text",
				      page_date(r, &site, ev->starts_at,
						RENDER_DATE_LONG));
		render_obj_set_strref(o, "started_iso",
				      page_date(r, &site, ev->starts_at,
						RENDER_DATE_ISO));
	}
	/* Pinned entries first on the first page, then newest first. */
	size_t shown = nen > LIVE_PER_PAGE ? LIVE_PER_PAGE : nen;
	struct render_val *list = render_obj_add_list(o, "entries");
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < shown; i++)
			if ((pass == 0) == (ens[i].pinned != 0))
				render_list_push(list,
						 page_live_entry(r, &site, &ens[i]));
	size_t total = (size_t)(page - 1) * LIVE_PER_PAGE + nen;
	page_pager(r, ctx, page, total, LIVE_PER_PAGE, path);
	http_header_add(r, "Cache-Control", "public, max-age=5");
	return page_render(r, 200, "live", ctx);
}
