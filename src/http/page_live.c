/*
 * page_live.c - live coverage for readers: the event page, its update
 * stream, the live banner's stream, and the messages pushed to them.
 *
 *   GET {prefix}/live/{slug}          the event and its entries, newest
 *                                     first, pinned ones on top, 50 a
 *                                     page (?page=N), LiveBlogPosting
 *                                     JSON-LD in page.jsonld
 *   GET {prefix}/live/{slug}/stream   SSE: new / edit / pin / delete of
 *                                     entries, state of the event
 *   GET {prefix}/live-banner/stream   SSE: the edition's live events, on
 *                                     connect and on every state change
 *
 * Every entry is in the HTML so that crawlers and readers without
 * JavaScript see the whole coverage; site.js applies the stream's
 * messages to the open page. Hub channels: "ev:<event id>:<edition>" per
 * event and edition (entries are per edition), "banner:<edition>".
 * A stream's messages carry the entry as JSON with its HTML as readers
 * see it (partials/live_entry: the "pinned" marker, "edited HH:MM" in the
 * edition's words and the site's time zone, the image as a <picture> over
 * the media variants), so the page and the stream cannot disagree.
 * Message ids and replay: see live/live.h and http/sse.c.
 *
 * Not for: the newsroom desk (newsroom/live_desk.c, which calls the
 * http_live_publish_* functions here), the apps' JSON (api_live.c).
 */
#include "app.h"
#include "http/internal.h"
#include "live/live.h"
#include "media/media.h"
#include "render/date.h"
#include "render/json.h"
#include "render/locale.h"
#include "render/markdown.h"
#include "util/arena.h"
#include "util/log.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LIVE_PER_PAGE       50
#define LIVE_JSONLD_UPDATES 10       /* entries in liveBlogUpdate */
#define LIVE_REPLAY_MAX     500      /* entries a reconnect replays at most */
#define LIVE_MEDIA_URL      "/media" /* where media variants are served */
/* The entry column is at most 800 px wide (site.css .live-page). */
#define LIVE_IMG_SIZES "(min-width: 840px) 760px, calc(100vw - 40px)"

static const char *const live_states[] = {"upcoming", "live", "ended"};

const char *page_live_state_name(int state)
{
	return state >= 0 && state <= 2 ? live_states[state] : "upcoming";
}

const char *page_live_channel(struct http_req *r, int64_t event_id,
			      const char *edition)
{
	return arena_printf(r->a, "ev:%lld:%s", (long long)event_id, edition);
}

/* Point r at edition `code` (its prefix too); returns the old code. */
static const char *live_edition_set(struct http_req *r, const char *code,
				    const char **old_prefix)
{
	const char *old = r->edition;
	*old_prefix = r->prefix;
	const struct config_edition *ce = config_edition_find(app->cfg, code);
	if (ce) {
		r->edition = ce->code;
		r->prefix = ce->prefix;
	}
	return old;
}

static void live_time_utc(struct render_json *j, const char *key, int64_t t)
{
	if (t <= 0) {
		render_json_null(j, key);
		return;
	}
	char s[32];
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	render_json_str(j, key, s);
}

/* Media `id` with its variants into *m; 0, or -1 when there is none
 * (no id, an unknown one; storage errors are logged). */
static int live_media(struct http_req *r, int64_t id, struct store_media *m)
{
	if (id <= 0)
		return -1;
	struct err e = {0};
	int rc = store_media_get(app->store, r->a, id, m, &e);
	if (rc && rc != ERR_NOTFOUND)
		log_error("req %s: live entry image %lld: %s", r->id,
			  (long long)id, e.msg);
	return rc ? -1 : 0;
}

/* The entry's image for partials/live_entry: a <picture> over the media
 * variants (WebP and JPEG srcsets, a JPEG fallback), the original's size
 * for the aspect ratio, alt text, caption and credit from the media
 * library. Relative URLs: the same markup serves the page and the
 * stream. */
static void live_entry_image(struct http_req *r, struct render_val *o,
			     int64_t media_id)
{
	struct store_media m;
	char *webp, *jpeg, *src;
	if (live_media(r, media_id, &m) ||
	    media_srcset(r->a, &m, LIVE_MEDIA_URL, &webp, &jpeg, &src) != 0)
		return;
	struct render_val *im = render_obj_add_obj(o, "image");
	render_obj_set_int(im, "id", m.id);
	render_obj_set_strref(im, "src", src);
	render_obj_set_strref(im, "webp", *webp ? webp : NULL);
	render_obj_set_strref(im, "jpeg", *jpeg ? jpeg : NULL);
	render_obj_set_strref(im, "sizes", LIVE_IMG_SIZES);
	if (m.width > 0 && m.height > 0) {
		render_obj_set_int(im, "width", m.width);
		render_obj_set_int(im, "height", m.height);
	}
	render_obj_set_strref(im, "alt", m.alt ? m.alt : "");
	render_obj_set_strref(im, "caption",
			      m.caption && *m.caption ? m.caption : NULL);
	render_obj_set_strref(im, "credit",
			      m.credit && *m.credit ? m.credit : NULL);
}

/* The template object of one entry (partials/live_entry). */
static struct render_val *page_live_entry(struct http_req *r,
					  const struct page_site *site,
					  const struct store_live_entry *en)
{
	struct render_val *o = render_obj_new(r->a);
	render_obj_set_int(o, "id", en->id);
	render_obj_set_strref(o, "time_text",
			      page_date(r, site, en->created_at,
					RENDER_DATE_TIME));
	render_obj_set_strref(o, "time_iso",
			      page_date(r, site, en->created_at,
					RENDER_DATE_ISO));
	render_obj_set_bool(o, "pinned", en->pinned);
	if (en->edited) {
		/* "edited 14:05" in the site's time zone and the edition's
		 * words; the ISO time for scripts and tooltips. */
		int64_t at = en->edited_at ? en->edited_at : en->updated_at;
		struct buf b;
		buf_init(&b, r->a);
		const char *vars[] = {
			"time", page_date(r, site, at, RENDER_DATE_TIME), NULL};
		render_locale_expand(&b, page_t(r, "live.edited"), vars);
		struct render_val *ed = render_obj_add_obj(o, "edited");
		render_obj_set_strref(ed, "text", b.data);
		render_obj_set_strref(ed, "iso",
				      page_date(r, site, at, RENDER_DATE_ISO));
	}
	render_obj_set_strref(o, "html", en->body_html);
	const struct store_author *au = page_site_author(site, en->author_id);
	if (au) {
		struct render_val *a = render_obj_add_obj(o, "author");
		render_obj_set_strref(a, "name", au->name);
		render_obj_set_strref(
			a, "url", page_url(r, r->prefix, "author", au->slug));
	}
	live_entry_image(r, o, en->media_id);
	return o;
}

struct render_val *page_live_strings(struct http_req *r,
				     const struct page_site *site)
{
	struct render_val *ctx =
		page_context(r, site, "live", NULL, NULL, r->path);
	struct render_val *t = render_obj_get(ctx, "t");
	/* over a site snapshot, t is in the shared tree (member "" of the
	 * context, see page.c) */
	return t ? t : render_obj_get(render_obj_get(ctx, ""), "t");
}

int page_live_entry_html(struct http_req *r, const struct page_site *site,
			 struct render_val *t,
			 const struct store_live_entry *en, struct buf *out)
{
	struct render_val *o = page_live_entry(r, site, en);
	/* The partial reads t.live.*: the edition's strings. */
	render_obj_set(o, "t", t);
	/* page_render is the one door to the compiled templates and it
	 * renders into r->out: lend it a fresh buffer, keep what it made,
	 * and put the reply fields back as they were. */
	struct buf saved = r->out;
	int status = r->status;
	const char *ctype = r->content_type;
	buf_init(&r->out, r->a);
	page_render(r, 200, "partials/live_entry", o);
	int ok = r->status == 200;
	if (ok)
		buf_append(out, r->out.data, r->out.len);
	r->out = saved;
	r->status = status;
	r->content_type = ctype;
	if (!ok) {
		log_error("req %s: live entry %lld: template error", r->id,
			  (long long)en->id);
		return ERR_INVALID;
	}
	return 0;
}

/* "image" of an entry for the API and the stream: a JPEG at least 640
 * px wide for apps that take one URL, the variants as srcsets for those
 * that choose (absolute URLs: apps have no base), alt text, caption and
 * credit from the media library; null when there is none. */
static void live_entry_image_json(struct http_req *r, struct render_json *j,
				  int64_t media_id)
{
	struct store_media m;
	struct seo_image img;
	char *webp, *jpeg;
	/* Only what the page shows: an item without variants readers may
	 * get (originals are never served) is no image here either. */
	if (live_media(r, media_id, &m) ||
	    media_srcset(r->a, &m, page_absolute(r, LIVE_MEDIA_URL), &webp,
			 &jpeg, NULL) != 0 ||
	    seo_image_get(r, media_id, 640, &img) != 0) {
		render_json_null(j, "image");
		return;
	}
	render_json_obj_begin(j, "image");
	render_json_int(j, "id", m.id);
	render_json_str(j, "url", seo_absolute(r, img.url));
	render_json_int(j, "width", img.width);
	render_json_int(j, "height", img.height);
	render_json_str(j, "srcset", jpeg);
	render_json_str(j, "webp_srcset", webp);
	render_json_str(j, "alt", m.alt ? m.alt : "");
	render_json_str(j, "caption", m.caption ? m.caption : "");
	render_json_str(j, "credit", m.credit ? m.credit : "");
	render_json_obj_end(j);
}

void page_live_entry_json(struct http_req *r, struct render_json *j,
			  const struct page_site *site, struct render_val *t,
			  const struct store_live_entry *en)
{
	render_json_obj_begin(j, NULL);
	render_json_int(j, "id", en->id);
	render_json_int(j, "event_id", en->event_id);
	render_json_str(j, "edition", en->edition);
	live_time_utc(j, "created_at", en->created_at);
	live_time_utc(j, "updated_at", en->updated_at);
	render_json_bool(j, "pinned", en->pinned);
	render_json_bool(j, "edited", en->edited);
	if (en->edited)
		live_time_utc(j, "edited_at",
			      en->edited_at ? en->edited_at : en->updated_at);
	else
		render_json_null(j, "edited_at");
	render_json_bool(j, "deleted", en->deleted);
	const struct store_author *au = page_site_author(site, en->author_id);
	if (au && !en->deleted) {
		render_json_obj_begin(j, "author");
		render_json_int(j, "id", au->id);
		render_json_str(j, "name", au->name);
		render_json_str(j, "url",
				page_absolute(r, page_url(r, r->prefix,
							  "author", au->slug)));
		render_json_obj_end(j);
	} else {
		render_json_null(j, "author");
	}
	render_json_str(j, "body_html", en->deleted ? "" : en->body_html);
	live_entry_image_json(r, j, en->deleted ? 0 : en->media_id);
	if (t) {
		struct buf h;
		buf_init(&h, r->a);
		if (!en->deleted)
			page_live_entry_html(r, site, t, en, &h);
		render_json_str(j, "html", h.data);
	}
	render_json_obj_end(j);
}

void page_live_event_json(struct http_req *r, struct render_json *j,
			  const char *key, const struct store_live_event *ev)
{
	const struct config_edition *ce =
		config_edition_find(app->cfg, ev->edition ? ev->edition : "");
	render_json_obj_begin(j, key);
	render_json_int(j, "id", ev->id);
	render_json_str(j, "edition", ev->edition);
	render_json_str(j, "slug", ev->slug);
	render_json_str(j, "title", ev->title);
	render_json_str(j, "summary", ev->summary);
	render_json_str(j, "state", page_live_state_name((int)ev->state));
	live_time_utc(j, "starts_at", ev->starts_at);
	live_time_utc(j, "ends_at", ev->ends_at);
	if (ce && ev->slug)
		render_json_str(j, "url",
				page_absolute(r, page_url(r, ce->prefix, "live",
							  ev->slug)));
	render_json_obj_end(j);
}

/* The SSE message type of a stored entry state when replayed. */
static const char *live_replay_type(const struct store_live_entry *en,
				    int64_t since)
{
	if (en->deleted)
		return "delete";
	return en->created_at >= since ? "new" : "edit";
}

int page_live_stream_open(struct http_req *r, const struct store_live_event *ev)
{
	const char *channel = page_live_channel(r, ev->id, ev->edition);
	int64_t last_id = http_sse_last_id(r);
	struct live_sub *sub;
	int need_replay;
	int rc = http_sse_open(r, channel, last_id, &sub, &need_replay);
	if (rc)
		return 0; /* replied (HEAD, or an error) */
	if (!need_replay)
		return 0;
	/* The ring no longer covers the client's last id (a restart, or a
	 * long absence): send what changed since then from the store, then
	 * the event's state, carrying the stream's cursor as its id. Ids are
	 * milliseconds; a second back covers changes in the same second. */
	int64_t since = last_id / 1000 - 1;
	struct store_live_entry *ens;
	size_t n = 0;
	struct err e = {0};
	struct page_site site;
	memset(&site, 0, sizeof site);
	struct buf b;
	buf_init(&b, r->a);
	if (store_setting_list(app->store, r->a, &site.settings,
			       &site.n_settings, &e) ||
	    store_author_list(app->store, r->a, r->edition, &site.authors,
			      &site.n_authors, &e) ||
	    store_live_entry_changed(app->store, r->a, ev->id, ev->edition,
				     since, LIVE_REPLAY_MAX, &ens, &n, &e)) {
		log_error("req %s: live replay: %s", r->id, e.msg);
		n = 0;
	}
	site.tz = page_setting(&site, "time_zone", NULL);
	if (!site.tz)
		site.tz = app->cfg->time_zone;
	struct render_val *t = n ? page_live_strings(r, &site) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct buf d;
		buf_init(&d, r->a);
		struct render_json j;
		render_json_init(&j, &d);
		page_live_entry_json(r, &j, &site, t, &ens[i]);
		http_sse_frame(&b, 0, live_replay_type(&ens[i], since), d.data);
	}
	struct buf d;
	buf_init(&d, r->a);
	struct render_json j;
	render_json_init(&j, &d);
	page_live_event_json(r, &j, NULL, ev);
	http_sse_frame(&b, live_sub_last_id(sub), "state", d.data);
	live_sub_push(sub, b.data, b.len);
	return 0;
}

int page_live_stream(struct http_req *r)
{
	const char *slug = http_param_get(r, "slug");
	struct store_live_event ev;
	struct err e = {0};
	int rc = store_live_event_by_slug(app->store, r->a, r->edition, slug,
					  &ev, &e);
	if (rc == ERR_NOTFOUND) {
		http_reply_error(r, 404, "no such live event");
		return 0;
	}
	if (rc) {
		log_error("req %s: live event: %s", r->id, e.msg);
		http_reply_error(r, 500, "storage error");
		return 0;
	}
	return page_live_stream_open(r, &ev);
}

/* The banner message of edition `edition`: its live events, newest
 * start first (the banner shows the first, as page_context does). */
static int live_banner_data(struct http_req *r, const char *edition,
			    struct buf *out)
{
	struct store_live_event *evs;
	size_t n;
	struct err e = {0};
	if (store_live_event_list(app->store, r->a, edition, STORE_LIVE_LIVE,
				  &evs, &n, &e)) {
		log_error("req %s: live events: %s", r->id, e.msg);
		return -1;
	}
	const struct config_edition *ce =
		config_edition_find(app->cfg, edition);
	struct render_json j;
	render_json_init(&j, out);
	render_json_obj_begin(&j, NULL);
	render_json_str(&j, "edition", edition);
	render_json_arr_begin(&j, "live");
	for (size_t i = 0; i < n; i++) {
		render_json_obj_begin(&j, NULL);
		render_json_int(&j, "id", evs[i].id);
		render_json_str(&j, "title", evs[i].title);
		render_json_str(&j, "url",
				page_url(r, ce ? ce->prefix : "", "live",
					 evs[i].slug));
		render_json_obj_end(&j);
	}
	render_json_arr_end(&j);
	render_json_obj_end(&j);
	return 0;
}

int page_live_banner_stream(struct http_req *r)
{
	struct live_sub *sub;
	int need_replay;
	char channel[LIVE_CHANNEL_MAX];
	snprintf(channel, sizeof channel, "banner:%s", r->edition);
	/* Every connect starts with the current state, so nothing is ever
	 * replayed: a page served from a cache just before the event ended
	 * learns it here. */
	if (http_sse_open(r, channel, -1, &sub, &need_replay))
		return 0;
	struct buf d, b;
	buf_init(&d, r->a);
	buf_init(&b, r->a);
	if (live_banner_data(r, r->edition, &d) == 0) {
		http_sse_frame(&b, 0, "state", d.data);
		live_sub_push(sub, b.data, b.len);
	}
	return 0;
}

/* ---- publishing (called by the newsroom's live desk) --------------- */

int64_t http_live_publish_entry(struct http_req *r,
				const struct store_live_event *ev,
				const struct store_live_entry *en,
				const char *type)
{
	if (!app->live)
		return 0;
	const char *old_prefix;
	const char *old = live_edition_set(r, en->edition, &old_prefix);
	struct page_site site;
	memset(&site, 0, sizeof site);
	struct err e = {0};
	if (store_setting_list(app->store, r->a, &site.settings,
			       &site.n_settings, &e) ||
	    store_author_list(app->store, r->a, en->edition, &site.authors,
			      &site.n_authors, &e))
		log_error("req %s: live publish: %s", r->id, e.msg);
	site.tz = page_setting(&site, "time_zone", NULL);
	if (!site.tz)
		site.tz = app->cfg->time_zone;
	struct buf d;
	buf_init(&d, r->a);
	struct render_json j;
	render_json_init(&j, &d);
	page_live_entry_json(r, &j, &site, page_live_strings(r, &site), en);
	int64_t id = live_hub_publish(app->live,
				      page_live_channel(r, ev->id, en->edition),
				      type, d.data, d.len);
	r->edition = old;
	r->prefix = old_prefix;
	return id;
}

void http_live_publish_state(struct http_req *r, int64_t event_id)
{
	for (int k = 0; k < app->cfg->n_editions; k++) {
		const char *code = app->cfg->editions[k].code;
		struct store_live_event ev;
		struct err e = {0};
		int rc = store_live_event_get(app->store, r->a, event_id, code,
					      &ev, &e);
		if (rc == ERR_NOTFOUND)
			continue; /* no texts in this edition */
		if (rc) {
			log_error("req %s: live state: %s", r->id, e.msg);
			continue;
		}
		/* Pages of the edition show (or not) the banner: drop them
		 * from the page cache before telling open pages. */
		http_cache_purge_edition(code);
		struct buf d;
		buf_init(&d, r->a);
		struct render_json j;
		render_json_init(&j, &d);
		page_live_event_json(r, &j, NULL, &ev);
		if (app->live) {
			live_hub_publish(app->live,
					 page_live_channel(r, ev.id, code),
					 "state", d.data, d.len);
			buf_clear(&d);
			if (live_banner_data(r, code, &d) == 0) {
				char ch[LIVE_CHANNEL_MAX];
				snprintf(ch, sizeof ch, "banner:%s", code);
				live_hub_publish(app->live, ch, "state", d.data,
						 d.len);
			}
		}
	}
}

/* ---- the page -------------------------------------------------------- */

/* LiveBlogPosting JSON-LD of the event with its latest entries. */
static const char *live_jsonld(struct http_req *r, const struct page_site *site,
			       const struct store_live_event *ev,
			       const struct store_live_entry *ens, size_t n,
			       const char *canon)
{
	struct buf b;
	buf_init(&b, r->a);
	struct render_json j;
	render_json_init(&j, &b);
	render_json_obj_begin(&j, NULL);
	render_json_str(&j, "@context", "https://schema.org");
	render_json_str(&j, "@type", "LiveBlogPosting");
	render_json_str(&j, "@id", arena_printf(r->a, "%s#live", canon));
	render_json_str(&j, "url", canon);
	render_json_obj_begin(&j, "mainEntityOfPage");
	render_json_str(&j, "@type", "WebPage");
	render_json_str(&j, "@id", canon);
	render_json_obj_end(&j);
	render_json_str(&j, "headline", ev->title);
	if (ev->summary && *ev->summary)
		render_json_str(&j, "description", ev->summary);
	render_json_str(&j, "inLanguage", r->edition);
	int64_t start = ev->starts_at;
	int64_t modified = start;
	for (size_t i = 0; i < n; i++)
		if (ens[i].updated_at > modified)
			modified = ens[i].updated_at;
	if (start) {
		render_json_str(&j, "datePublished",
				page_date(r, site, start, RENDER_DATE_ISO));
		render_json_str(&j, "coverageStartTime",
				page_date(r, site, start, RENDER_DATE_ISO));
	}
	if (ev->ends_at)
		render_json_str(&j, "coverageEndTime",
				page_date(r, site, ev->ends_at,
					  RENDER_DATE_ISO));
	if (modified)
		render_json_str(&j, "dateModified",
				page_date(r, site, modified, RENDER_DATE_ISO));
	const char *name = page_setting(site, "name", r->edition);
	render_json_obj_begin(&j, "publisher");
	render_json_str(&j, "@type", "NewsMediaOrganization");
	render_json_str(&j, "name", name ? name : "Gazette");
	render_json_str(&j, "url",
			page_absolute(r, arena_printf(r->a, "%s/", r->prefix)));
	render_json_obj_end(&j);
	render_json_obj_begin(&j, "about");
	render_json_str(&j, "@type", "Event");
	render_json_str(&j, "name", ev->title);
	if (start)
		render_json_str(&j, "startDate",
				page_date(r, site, start, RENDER_DATE_ISO));
	if (ev->ends_at)
		render_json_str(&j, "endDate",
				page_date(r, site, ev->ends_at,
					  RENDER_DATE_ISO));
	render_json_obj_end(&j);
	render_json_arr_begin(&j, "liveBlogUpdate");
	for (size_t i = 0; i < n && i < LIVE_JSONLD_UPDATES; i++) {
		const struct store_live_entry *en = &ens[i];
		struct buf text, head;
		buf_init(&text, r->a);
		buf_init(&head, r->a);
		struct err e = {0};
		const char *md = en->body_md ? en->body_md : "";
		if (render_md_to_text(md, strlen(md), &text, &e) != 0)
			buf_clear(&text);
		render_text_excerpt(&head, text.data, text.len, 110);
		render_json_obj_begin(&j, NULL);
		render_json_str(&j, "@type", "BlogPosting");
		const char *url = arena_printf(r->a, "%s#entry-%lld", canon,
					       (long long)en->id);
		render_json_str(&j, "@id", url);
		render_json_str(&j, "url", url);
		render_json_str(&j, "headline", head.data);
		render_json_str(&j, "articleBody", text.data);
		render_json_str(&j, "datePublished",
				page_date(r, site, en->created_at,
					  RENDER_DATE_ISO));
		render_json_str(&j, "dateModified",
				page_date(r, site, en->updated_at,
					  RENDER_DATE_ISO));
		const struct store_author *au =
			page_site_author(site, en->author_id);
		if (au) {
			render_json_obj_begin(&j, "author");
			render_json_str(&j, "@type", "Person");
			render_json_str(&j, "name", au->name);
			render_json_str(&j, "url",
					page_absolute(r, page_url(r, r->prefix,
								  "author",
								  au->slug)));
			render_json_obj_end(&j);
		}
		struct seo_image img;
		if (en->media_id &&
		    seo_image_get(r, en->media_id, 1200, &img) == 0) {
			render_json_obj_begin(&j, "image");
			render_json_str(&j, "@type", "ImageObject");
			render_json_str(&j, "url", seo_absolute(r, img.url));
			render_json_int(&j, "width", img.width);
			render_json_int(&j, "height", img.height);
			if (*img.caption)
				render_json_str(&j, "caption", img.caption);
			else if (*img.alt)
				render_json_str(&j, "caption", img.alt);
			render_json_obj_end(&j);
		}
		render_json_obj_end(&j);
	}
	render_json_arr_end(&j);
	render_json_obj_end(&j);
	return b.data;
}

/* Language switch and hreflang alternates: the event in every edition
 * where it has texts (alternates only when there are two or more). */
static void live_alternates(struct http_req *r, struct render_val *ctx,
			    const struct store_live_event *ev)
{
	const char *urls[CONFIG_MAX_EDITIONS] = {0};
	const char *xdef = NULL, *first = NULL;
	int n = 0;
	for (int k = 0; k < app->cfg->n_editions; k++) {
		const struct config_edition *ce = &app->cfg->editions[k];
		struct store_live_event tr;
		struct err e = {0};
		if (store_live_event_get(app->store, r->a, ev->id, ce->code,
					 &tr, &e) != 0)
			continue;
		const char *url = page_url(r, ce->prefix, "live", tr.slug);
		page_context_translation(ctx, ce->code, url);
		urls[k] = page_absolute(r, url);
		if (!first)
			first = urls[k];
		if (!strcmp(ce->code, app->cfg->default_edition))
			xdef = urls[k];
		n++;
	}
	struct render_val *pg = render_obj_get(ctx, "page");
	if (n < 2 || !pg)
		return;
	struct render_val *alts = render_obj_add_list(pg, "alternates");
	for (int k = 0; k < app->cfg->n_editions; k++) {
		if (!urls[k])
			continue;
		struct render_val *o = render_list_add_obj(alts);
		render_obj_set_strref(o, "hreflang",
				      app->cfg->editions[k].code);
		render_obj_set_strref(o, "url", urls[k]);
	}
	struct render_val *o = render_list_add_obj(alts);
	render_obj_set_strref(o, "hreflang", "x-default");
	render_obj_set_strref(o, "url", xdef ? xdef : first);
}

int page_live(struct http_req *r)
{
	long page = page_number(r);
	if (page < 0)
		return 0;
	const char *slug = http_param_get(r, "slug");
	struct err e = {0};
	struct store_live_event ev;
	int rc = store_live_event_by_slug(app->store, r->a, r->edition, slug,
					  &ev, &e);
	if (rc == ERR_NOTFOUND)
		return page_error(r, 404);
	if (rc) {
		log_error("req %s: live event: %s", r->id, e.msg);
		return page_error(r, 500);
	}
	/* Before reading the entries: whatever is published after this
	 * point reaches the page through its stream. */
	const char *channel = page_live_channel(r, ev.id, r->edition);
	int64_t cursor = app->live ? live_hub_cursor(app->live, channel) : 0;
	struct store_live_entry *ens;
	size_t nen;
	if (store_live_entry_list(app->store, r->a, ev.id, r->edition, 0,
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
	const char *path = page_url(r, r->prefix, "live", ev.slug);
	struct render_val *ctx =
		page_context(r, &site, "live", ev.title, ev.summary, path);
	struct render_val *o = render_obj_add_obj(ctx, "event");
	render_obj_set_int(o, "id", ev.id);
	render_obj_set_strref(o, "title", ev.title);
	render_obj_set_strref(o, "summary", ev.summary);
	static const char *const labels[] = {"live.upcoming", "live.badge",
					     "live.ended"};
	int st = ev.state >= 0 && ev.state <= 2 ? (int)ev.state : 0;
	render_obj_set_strref(o, "state", live_states[st]);
	render_obj_set_strref(o, "state_label", page_t(r, labels[st]));
	render_obj_set_bool(o, "is_live", ev.state == STORE_LIVE_LIVE);
	render_obj_set_bool(o, "is_ended", ev.state == STORE_LIVE_ENDED);
	if (ev.starts_at) {
		render_obj_set_strref(o, "started_text",
				      page_date(r, &site, ev.starts_at,
						RENDER_DATE_LONG));
		render_obj_set_strref(o, "started_iso",
				      page_date(r, &site, ev.starts_at,
						RENDER_DATE_ISO));
	}
	/* Only the first page takes new entries; a stream for an event that
	 * is over would only ever say so. */
	if (page == 1 && ev.state != STORE_LIVE_ENDED && cursor > 0)
		render_obj_set_str(o, "stream_url",
				   arena_printf(r->a,
						"%s/stream?last_event_id=%lld",
						path, (long long)cursor));
	/* Pinned entries first on the first page, then newest first. */
	size_t shown = nen > LIVE_PER_PAGE ? LIVE_PER_PAGE : nen;
	struct render_val *list = render_obj_add_list(o, "entries");
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < shown; i++)
			if ((pass == 0) == (ens[i].pinned != 0))
				render_list_push(list,
						 page_live_entry(r, &site,
								 &ens[i]));
	size_t total = (size_t)(page - 1) * LIVE_PER_PAGE + nen;
	page_pager(r, ctx, page, total, LIVE_PER_PAGE, path);

	live_alternates(r, ctx, &ev);
	struct render_val *pg = render_obj_get(ctx, "page");
	if (pg) {
		const char *canon = page_absolute(r, path);
		render_obj_set_strref(pg, "jsonld",
				      live_jsonld(r, &site, &ev, ens, shown,
						  canon));
		struct render_val *og = render_obj_add_obj(pg, "og");
		render_obj_set_strref(og, "type", "article");
		render_obj_set_strref(og, "title", ev.title);
	}
	http_header_add(r, "Cache-Control", "public, max-age=5");
	return page_render(r, 200, "live", ctx);
}
