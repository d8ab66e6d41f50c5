/*
 * page_lists.c - the home page and every list of articles: latest,
 * rubric, author, tag and date archive.
 *
 *   GET {prefix}/                         home
 *   GET {prefix}/latest                   all articles, newest first
 *   GET {prefix}/rubric/{slug}            rubric with its description
 *   GET {prefix}/author/{slug}            author with bio and links
 *   GET {prefix}/tag/{slug}
 *   GET {prefix}/archive/{y}[/{m}[/{d}]]  a year, month or day
 *
 * Lists paginate with ?page=N (plain links) and answer ?partial=1 with
 * the items alone (list_items) for infinite loading. Not for the article
 * page (page_article.c).
 */
#include "app.h"
#include "http/internal.h"
#include "render/date.h"
#include "util/arena.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_PER 12 /* articles per list page */

static void page_cards(struct http_req *r, const struct page_site *site,
		       struct render_val *list,
		       const struct store_article *arts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		render_list_push(list, page_card(r, site, &arts[i]));
}

/* Run f and add its cards to ctx.items with a pager. Replies itself. */
static int page_list_render(struct http_req *r, const struct page_site *site,
			    struct render_val *ctx,
			    struct store_article_filter *f, long page,
			    const char *base_path)
{
	struct err e = {0};
	struct store_article *arts;
	size_t n, total;
	f->edition = r->edition;
	f->status = STORE_STATUS_PUBLISHED;
	f->not_after = (int64_t)time(NULL);
	f->offset = (size_t)(page - 1) * PAGE_PER;
	f->limit = PAGE_PER;
	f->no_tags = 1; /* cards show no tags */
	if (store_article_list(app->store, r->a, f, &arts, &n, &total, &e)) {
		log_error("req %s: list: %s", r->id, e.msg);
		return page_error(r, 500);
	}
	if (page > 1 && n == 0)
		return page_error(r, 404);
	page_cards(r, site, render_obj_add_list(ctx, "items"), arts, n);
	render_obj_set_bool(ctx, "empty", total == 0);
	page_pager(r, ctx, page, total, PAGE_PER, base_path);
	http_header_add(r, "Cache-Control", "public, max-age=60");
	const char *partial = http_query_get(r, "partial");
	return page_render(
		r, 200,
		partial && !strcmp(partial, "1") ? "list_items" : "list", ctx);
}

static struct render_val *page_list_ctx(struct http_req *r,
					const struct page_site *site,
					const char *kind, const char *title,
					const char *description, long page,
					const char *path)
{
	const char *canon =
		page > 1 ? arena_printf(r->a, "%s?page=%ld", path, page) : path;
	struct render_val *ctx =
		page_context(r, site, "list", title, description, canon);
	struct render_val *l = render_obj_add_obj(ctx, "list");
	render_obj_set_strref(l, "kind", kind);
	render_obj_set_strref(l, "title", title);
	render_obj_set_strref(l, "description", description);
	return ctx;
}

int page_home(struct http_req *r)
{
	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	struct err e = {0};
	int64_t now = (int64_t)time(NULL);
	struct render_val *ctx =
		page_context(r, &site, "home", NULL, NULL,
			     arena_printf(r->a, "%s/", r->prefix));
	/* Every list of the page in one call: one read transaction, and
	 * their authors in one query. Cards show no tags. */
	enum {
		HOME_LATEST,
		HOME_FEATURED,
		HOME_POPULAR,
		HOME_RUBRICS
	};
	size_t nlists = HOME_RUBRICS + site.n_rubrics;
	struct store_article_lists *ls = arena_alloc(r->a, nlists * sizeof *ls);
	for (size_t k = 0; k < nlists; k++)
		ls[k].f = (struct store_article_filter){
			.edition = r->edition,
			.status = STORE_STATUS_PUBLISHED,
			.not_after = now,
			.limit = 4,
			.no_tags = 1,
		};
	ls[HOME_LATEST].f.limit = 13;
	ls[HOME_LATEST].want_total = 1;
	ls[HOME_FEATURED].f.featured_only = 1;
	ls[HOME_POPULAR].f.order_by_views = 1;
	ls[HOME_POPULAR].f.limit = 5;
	ls[HOME_POPULAR].f.published_after = now - 30 * 86400;
	for (size_t k = 0; k < site.n_rubrics; k++)
		ls[HOME_RUBRICS + k].f.rubric_id = site.rubrics[k].id;
	if (store_article_lists(app->store, r->a, ls, nlists, &e))
		goto fail;
	const struct store_article *latest = ls[HOME_LATEST].arts,
				   *featured = ls[HOME_FEATURED].arts,
				   *popular = ls[HOME_POPULAR].arts;
	size_t nl = ls[HOME_LATEST].n, nf = ls[HOME_FEATURED].n,
	       np = ls[HOME_POPULAR].n, total = ls[HOME_LATEST].total;

	/* The lead story: the newest pinned or featured one, else the newest. */
	const struct store_article *lead = nl ? &latest[0] : NULL;
	for (size_t i = 0; i < nl; i++)
		if (latest[i].pinned) {
			lead = &latest[i];
			break;
		}
	if (lead && !lead->pinned && nf)
		lead = &featured[0];
	if (lead)
		render_obj_set(ctx, "lead", page_card(r, &site, lead));
	struct render_val *fl = render_obj_add_list(ctx, "featured");
	for (size_t i = 0; i < nf; i++)
		if (!lead || featured[i].id != lead->id)
			render_list_push(fl, page_card(r, &site, &featured[i]));
	struct render_val *ll = render_obj_add_list(ctx, "latest");
	size_t shown = 0;
	for (size_t i = 0; i < nl && shown < 12; i++)
		if (!lead || latest[i].id != lead->id) {
			render_list_push(ll, page_card(r, &site, &latest[i]));
			shown++;
		}
	page_cards(r, &site, render_obj_add_list(ctx, "most_read"), popular,
		   np);

	struct render_val *blocks = render_obj_add_list(ctx, "rubric_blocks");
	for (size_t k = 0; k < site.n_rubrics; k++) {
		const struct store_article_lists *rl = &ls[HOME_RUBRICS + k];
		if (!rl->n)
			continue;
		struct render_val *b = render_list_add_obj(blocks);
		render_obj_set_strref(b, "name", site.rubrics[k].name);
		render_obj_set_strref(b, "url",
				      page_url(r, r->prefix, "rubric",
					       site.rubrics[k].slug));
		render_obj_set_strref(b, "description",
				      site.rubrics[k].description);
		page_cards(r, &site, render_obj_add_list(b, "articles"),
			   rl->arts, rl->n);
	}
	seo_list(r, ctx, &site, "home", 0, NULL, NULL);
	/* "More" continues with the full list. */
	page_pager(r, ctx, 1, total, PAGE_PER,
		   page_url(r, r->prefix, "latest", NULL));
	http_header_add(r, "Cache-Control", "public, max-age=60");
	return page_render(r, 200, "home", ctx);
fail:
	log_error("req %s: home: %s", r->id, e.msg);
	return page_error(r, 500);
}

int page_latest(struct http_req *r)
{
	long page = page_number(r);
	if (page < 0)
		return 0;
	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	const char *path = page_url(r, r->prefix, "latest", NULL);
	struct render_val *ctx = page_list_ctx(r, &site, "latest",
					       page_t(r, "lists.latest"), NULL,
					       page, path);
	seo_list(r, ctx, &site, "latest", 0, NULL, NULL);
	struct store_article_filter f = {0};
	return page_list_render(r, &site, ctx, &f, page, path);
}

int page_rubric(struct http_req *r)
{
	long page = page_number(r);
	if (page < 0)
		return 0;
	struct err e = {0};
	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	/* The edition's rubrics are in the site data: no query. */
	const char *slug = http_param_get(r, "slug");
	struct store_rubric rb;
	const struct store_rubric *found = NULL;
	for (size_t i = 0; slug && i < site.n_rubrics; i++)
		if (!strcmp(site.rubrics[i].slug, slug))
			found = &site.rubrics[i];
	if (found) {
		rb = *found;
	} else {
		int rc = store_rubric_by_slug(app->store, r->a, r->edition,
					      slug, &rb, &e);
		if (rc)
			return page_error(r, rc == ERR_NOTFOUND ? 404 : 500);
	}
	const char *path = page_url(r, r->prefix, "rubric", rb.slug);
	struct render_val *ctx = page_list_ctx(r, &site, "rubric", rb.name,
					       rb.description, page, path);
	/* The same rubric in the other editions, for the language switch. */
	for (int k = 0; k < app->cfg->n_editions; k++) {
		const struct config_edition *ce = &app->cfg->editions[k];
		struct store_rubric other;
		if (strcmp(ce->code, r->edition) &&
		    page_site_rubric_in(r, ce->code, rb.id, &other, &e) == 0)
			page_context_translation(
				ctx, ce->code,
				page_url(r, ce->prefix, "rubric", other.slug));
	}
	seo_list(r, ctx, &site, "rubric", rb.id, rb.slug, rb.name);
	struct store_article_filter f = {.rubric_id = rb.id};
	return page_list_render(r, &site, ctx, &f, page, path);
}

int page_author(struct http_req *r)
{
	long page = page_number(r);
	if (page < 0)
		return 0;
	struct err e = {0};
	struct store_author au;
	int rc = store_author_by_slug(app->store, r->a,
				      http_param_get(r, "slug"), r->edition,
				      &au, &e);
	if (rc)
		return page_error(r, rc == ERR_NOTFOUND ? 404 : 500);
	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	const char *path = page_url(r, r->prefix, "author", au.slug);
	struct render_val *ctx =
		page_list_ctx(r, &site, "author", au.name, au.bio, page, path);
	struct render_val *l = render_obj_get(ctx, "list");
	struct render_val *links = render_obj_add_list(l, "links");
	char *copy = arena_strdup(r->a, au.links ? au.links : "");
	for (char *save, *u = strtok_r(copy, " ", &save); u;
	     u = strtok_r(NULL, " ", &save)) {
		if (strncmp(u, "https://", 8) && strncmp(u, "http://", 7))
			continue;
		struct render_val *o = render_list_add_obj(links);
		render_obj_set_strref(o, "url", u);
		const char *host = strstr(u, "://") + 3;
		render_obj_set_str(o, "label",
				   arena_strndup(r->a, host,
						 strcspn(host, "/")));
	}
	for (int k = 0; k < app->cfg->n_editions; k++) {
		const struct config_edition *ce = &app->cfg->editions[k];
		if (strcmp(ce->code, r->edition))
			page_context_translation(ctx, ce->code,
						 page_url(r, ce->prefix,
							  "author", au.slug));
	}
	seo_list(r, ctx, &site, "author", au.id, au.slug, au.name);
	struct store_article_filter f = {.author_id = au.id};
	return page_list_render(r, &site, ctx, &f, page, path);
}

int page_tag(struct http_req *r)
{
	long page = page_number(r);
	if (page < 0)
		return 0;
	struct err e = {0};
	struct store_tag tag;
	int rc = store_tag_by_slug(app->store, r->a, r->edition,
				   http_param_get(r, "slug"), &tag, &e);
	if (rc)
		return page_error(r, rc == ERR_NOTFOUND ? 404 : 500);
	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	const char *path = page_url(r, r->prefix, "tag", tag.slug);
	struct render_val *ctx = page_list_ctx(
		r, &site, "tag", arena_printf(r->a, "#%s", tag.name), NULL,
		page, path);
	seo_list(r, ctx, &site, "tag", tag.id, tag.slug, tag.name);
	struct store_article_filter f = {.tag_id = tag.id};
	return page_list_render(r, &site, ctx, &f, page, path);
}

/* Parse a decimal of exactly `digits` digits within [lo, hi]. */
static int page_num(const char *s, int digits, int lo, int hi, int *out)
{
	if (!s || (int)strlen(s) != digits)
		return -1;
	int v = 0;
	for (int i = 0; i < digits; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Unix time of local midnight-based wall time y-m-d h:mi in zone tz
 * (days and months past their end roll over, as timegm does). Two passes
 * settle the offset around DST changes. */
static int64_t page_local_to_utc(const char *tz, int y, int m, int d, int h,
				 int mi)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	int64_t wall = (int64_t)timegm(&tm);
	int64_t t = wall - render_tz_offset(tz, wall);
	return wall - render_tz_offset(tz, t);
}

int page_archive(struct http_req *r)
{
	long page = page_number(r);
	if (page < 0)
		return 0;
	/* {y}, {y}/{m} or {y}/{m}/{d} in the rest of the path */
	const char *rest = http_param_get(r, "*");
	char *parts[4] = {0};
	int np = 0;
	char *copy = arena_strdup(r->a, rest ? rest : "");
	for (char *save, *t = strtok_r(copy, "/", &save); t && np < 4;
	     t = strtok_r(NULL, "/", &save))
		parts[np++] = t;
	int y = 0, m = 0, d = 0;
	if (np < 1 || np > 3 || page_num(parts[0], 4, 1970, 9999, &y) ||
	    (np > 1 && page_num(parts[1], 2, 1, 12, &m)) ||
	    (np > 2 && page_num(parts[2], 2, 1, 31, &d)))
		return page_error(r, 404);
	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	/* Bounds of the period in the site's time zone. */
	int y2 = np == 1 ? y + 1 : y, m2 = np == 2 ? m + 1 : (m ? m : 1),
	    d2 = np == 3 ? d + 1 : 1;
	int64_t from =
		page_local_to_utc(site.tz, y, m ? m : 1, d ? d : 1, 0, 0);
	int64_t to = page_local_to_utc(site.tz, y2, m2, d2, 0, 0);
	if (from < 0 || to <= from)
		return page_error(r, 404);
	const char *path = page_url(
		r, r->prefix, "archive",
		np == 1 ? arena_printf(r->a, "%04d", y) :
		np == 2 ? arena_printf(r->a, "%04d/%02d", y, m) :
			  arena_printf(r->a, "%04d/%02d/%02d", y, m, d));
	/* page_url escapes the slug: put the slashes back */
	char *p = arena_strdup(r->a, path);
	for (char *q; (q = strstr(p, "%2F"));) {
		*q = '/';
		memmove(q + 1, q + 3, strlen(q + 3) + 1);
	}
	const char *title = page_date(r, &site, from,
				      np == 3 ? RENDER_DATE_DAY :
				      np == 2 ? RENDER_DATE_MONTH_YEAR :
						RENDER_DATE_YEAR);
	struct render_val *ctx =
		page_list_ctx(r, &site, "archive", title, NULL, page, p);
	seo_list(r, ctx, &site, "archive", 0, NULL, title);
	struct store_article_filter f = {.published_after = from,
					 .published_before = to};
	return page_list_render(r, &site, ctx, &f, page, p);
}
