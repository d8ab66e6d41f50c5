/*
 * page_article.c - the article page and the view-count beacon.
 *
 *   GET  {prefix}/article/{slug}     article (?partial=1: the <article>
 *                                    element alone, for "next article")
 *   POST /api/v1/views/{id}          count one view, answer the total
 *
 * An unknown slug follows a redirect when one is recorded (a renamed
 * article), else 404; an unpublished article is 410. Not for lists.
 */
#include "app.h"
#include "http/internal.h"
#include "render/date.h"
#include "render/escape.h"
#include "render/json.h"
#include "util/arena.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Parts of a share link: the escaped page URL, the escaped title. */
enum {
	SHARE_URL = 1,
	SHARE_TITLE = 2
};

/* Share links: each network's URL is a fixed prefix followed by the
 * escaped page URL and title in an order of its own. Put together with
 * buf_puts: positional printf (%1$s) was a visible share of a page. */
static void page_article_share(struct http_req *r, struct render_val *art,
			       const char *url, const char *title)
{
	struct buf ub, tb;
	buf_init(&ub, r->a);
	buf_init(&tb, r->a);
	render_escape_url(&ub, url, strlen(url));
	render_escape_url(&tb, title, strlen(title));
	static const struct {
		const char *network;
		const char *label;  /* locale key */
		const char *lit[2]; /* literal text before each part */
		int part[2];        /* after lit[i], part[i] (0: none) */
	} nets[] = {
		{"telegram",
		 "share.telegram",
		 {"https://t.me/share/url?url=", "&text="},
		 {SHARE_URL, SHARE_TITLE}},
		{"twitter",
		 "share.twitter",
		 {"https://twitter.com/intent/tweet?url=", "&text="},
		 {SHARE_URL, SHARE_TITLE}},
		{"facebook",
		 "share.facebook",
		 {"https://www.facebook.com/sharer/sharer.php?u=", ""},
		 {SHARE_URL, 0}},
		{"whatsapp",
		 "share.whatsapp",
		 {"https://wa.me/?text=", "%20"},
		 {SHARE_TITLE, SHARE_URL}},
		{"email",
		 "share.email",
		 {"mailto:?subject=", "&body="},
		 {SHARE_TITLE, SHARE_URL}},
	};
	struct render_val *l = RENDER_ADD_LIST(art, "share");
	for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
		struct render_val *o = render_list_add_obj(l);
		RENDER_SET_STRREF(o, "network", nets[i].network);
		struct buf b;
		buf_init(&b, r->a);
		for (int k = 0; k < 2; k++) {
			buf_puts(&b, nets[i].lit[k]);
			if (nets[i].part[k] == SHARE_URL)
				buf_append(&b, ub.data, ub.len);
			else if (nets[i].part[k] == SHARE_TITLE)
				buf_append(&b, tb.data, tb.len);
		}
		RENDER_SET_STRREF(o, "url", b.data);
		RENDER_SET_STRREF(o, "label", page_t(r, nets[i].label));
	}
}

/* Published and due: what a reader may see. */
static int page_article_visible(const struct store_article *a, int64_t now)
{
	return a->status == STORE_STATUS_PUBLISHED && a->publish_at <= now;
}

int page_article(struct http_req *r)
{
	const char *slug = http_param_get(r, "slug");
	struct err e = {0};
	struct store_article art;
	int64_t now = (int64_t)time(NULL);
	int rc = store_article_page_by_slug(app->store, r->a, r->edition, slug,
					    &art, &e);
	if (rc == ERR_NOTFOUND) {
		char *to = NULL;
		int code = 301;
		if (store_redirect_find(app->store, r->a, r->path, &to, &code,
					&e) == 0 &&
		    to) {
			http_reply_redirect(r, code, to);
			return 0;
		}
		return page_error(r, 404);
	}
	if (rc) {
		log_error("req %s: article %s: %s", r->id, slug, e.msg);
		return page_error(r, 500);
	}
	if (art.status == STORE_STATUS_UNPUBLISHED)
		return page_error(r, 410);
	if (!page_article_visible(&art, now))
		return page_error(r, 404);

	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	const char *path = page_url(r, r->prefix, "article", art.slug);
	struct render_val *ctx = page_context(
		r, &site, "article",
		art.seo_title && art.seo_title[0] ? art.seo_title : art.title,
		art.seo_description && art.seo_description[0] ?
			art.seo_description :
			art.lead,
		path);
	struct render_val *a = page_card(r, &site, &art);
	RENDER_SET(ctx, "article", a);
	const char *canonical = page_absolute(r, path);
	RENDER_SET_STRREF(a, "url", canonical);
	RENDER_SET_STRREF(a, "body_html", art.body_html);
	/* "byline.<kind>", cut at 63 bytes as snprintf did */
	char key[64] = "byline.";
	size_t kn = strlen(art.kind);
	if (kn > sizeof key - 8)
		kn = sizeof key - 8;
	memcpy(key + 7, art.kind, kn);
	key[7 + kn] = '\0';
	RENDER_SET_STRREF(a, "byline_label", page_t(r, key));
	if (art.updated_at > art.publish_at + 60) {
		RENDER_SET_STRREF(a, "updated_text",
				  page_date(r, &site, art.updated_at,
					    RENDER_DATE_LONG));
		RENDER_SET_STRREF(a, "updated_iso",
				  page_date(r, &site, art.updated_at,
					    RENDER_DATE_ISO));
	}
	struct render_val *tags = RENDER_ADD_LIST(a, "tags");
	for (size_t i = 0; i < art.n_tags; i++) {
		struct render_val *o = render_list_add_obj(tags);
		RENDER_SET_STRREF(o, "name", art.tags[i].name);
		RENDER_SET_STRREF(o, "url",
				  page_url(r, r->prefix, "tag",
					   art.tags[i].slug));
	}
	RENDER_SET_INT(a, "views", art.views);
	RENDER_SET_STRREF(a, "views_label", page_t(r, "article.views"));
	if (art.correction && art.correction[0]) {
		struct render_val *c = RENDER_ADD_OBJ(a, "correction");
		RENDER_SET_STRREF(c, "text", art.correction);
		if (art.correction_at)
			RENDER_SET_STRREF(c, "date_text",
					  page_date(r, &site, art.correction_at,
						    RENDER_DATE_LONG));
	}
	page_article_share(r, a, canonical, art.title);

	/* The next older article, loaded as the reader reaches the end. */
	struct store_article_link next;
	if (store_article_older_link(app->store, r->a, r->edition,
				     art.publish_at, &next, &e) == 0)
		RENDER_SET_STRREF(a, "next_url",
				  page_url(r, r->prefix, "article", next.slug));

	/* The language switch: each other edition's translation that
	 * readers may see. */
	const char *tr_urls[CONFIG_MAX_EDITIONS] = {0};
	struct store_article_link *trs = NULL;
	size_t ntr = 0;
	if (art.translation_group &&
	    store_article_translation_links(app->store, r->a,
					    art.translation_group, r->edition,
					    &trs, &ntr, &e) != 0)
		ntr = 0;
	for (int k = 0; k < app->cfg->n_editions; k++) {
		const struct config_edition *ce = &app->cfg->editions[k];
		const struct store_article_link *tr = NULL;
		for (size_t i = 0; i < ntr && !tr; i++)
			if (!strcmp(trs[i].edition, ce->code))
				tr = &trs[i];
		if (!tr || tr->status != STORE_STATUS_PUBLISHED ||
		    tr->publish_at > now)
			continue;
		const char *url = page_url(r, ce->prefix, "article", tr->slug);
		tr_urls[k] = url;
		page_context_translation(ctx, ce->code, url);
		struct render_val *t = RENDER_ADD_OBJ(a, "translation");
		RENDER_SET_STRREF(t, "url", url);
		RENDER_SET_STRREF(t, "lang_name", ce->name);
		RENDER_SET_STRREF(t, "lang", ce->code);
	}
	seo_article(r, ctx, &site, &art, tr_urls);
	/* Surrogate-Key: an edit of this article or of a translation (the
	 * language switch) purges exactly this page. */
	if (art.translation_group)
		http_cache_tag(r, "a:%lld g:%lld", (long long)art.id,
			       (long long)art.translation_group);
	else
		http_cache_tag(r, "a:%lld", (long long)art.id);
	http_header_add(r, "Cache-Control", "public, max-age=60");
	const char *partial = http_query_get(r, "partial");
	return page_render(r, 200,
			   partial && !strcmp(partial, "1") ? "article_body" :
							      "article",
			   ctx);
}

int api_views_add(struct http_req *r)
{
	return http_views_beacon(r);
}
