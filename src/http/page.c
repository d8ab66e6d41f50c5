/*
 * page.c - what every reader page shares: templates and locales loaded at
 * start-up, the page context (site, editions, nav, live banner, strings),
 * cards, pagers, URLs, rendering and the localized error pages.
 *
 * Long-lived data (compiled templates, locale string trees) is built once
 * in http_pages_load and only read afterwards, so handlers on any thread
 * link it into their request's context without copying. Not for the
 * handlers themselves (page_article.c, page_lists.c).
 */
#include "app.h"
#include "http/internal.h"
#include "render/date.h"
#include "render/escape.h"
#include "render/locale.h"
#include "render/mustache.h"
#include "util/arena.h"
#include "util/embed.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define PAGE_TEMPLATE_MAX (1024 * 1024)
#define PAGE_OUT_HINT     (30 * 1024) /* bytes reserved for a page */

/* Site data every page of an edition shows (page_site_load): read once
 * per store generation and shared, read-only, by the requests that hold
 * it. Before this, the three queries and the live-banner query ran on
 * every page. */
struct page_chrome {
	atomic_int refs; /* the edition's hold + requests holding it */
	uint64_t gen;    /* store generation it was read at */
	struct arena *a; /* everything below */
	struct store_setting *settings;
	size_t n_settings;
	struct store_rubric *rubrics;
	size_t n_rubrics;
	struct store_author *authors;
	size_t n_authors;
	const char *live_title; /* the live event of the banner, or NULL */
	const char *live_slug;
	/* The part of every page context that depends on this snapshot and
	 * the edition alone (page_site_tree), built with it: pages render
	 * over it (render_tmpl_render_in) instead of building it again,
	 * and memo keeps what partials render from it alone (the header,
	 * footer, icons). Both go with the snapshot: a write makes a new
	 * generation, so a new snapshot, tree and memo. */
	const struct http_pages_edition *pe; /* the edition it was built for */
	struct render_val *tree;             /* read-only once published */
	const char **nav_urls; /* tree's nav[i].url, to find the active one */
	struct render_val **rubric_objs; /* card rubric {name, url,
					  * description} of rubrics[i] */
	const char **author_urls;        /* URL of authors[i] */
	int year;                        /* tree's site.year (UTC) */
	uint32_t *setting_slot; /* settings by key: index + 1, 0 = empty */
	size_t setting_mask;    /* slots - 1 (a power of two) */
	render_memo *memo;      /* partial outputs over tree */
};

/* Member of a page context holding the shared tree it renders over: a
 * Mustache name is never empty, so templates cannot reach it. */
#define PAGE_BASE_KEY ""

struct http_pages_edition {
	const struct config_edition *ed; /* from app->cfg */
	struct render_locale *loc;       /* strings of the edition */
	struct render_val *t;            /* the same as a nested tree */
	pthread_mutex_t mu;              /* guards chrome */
	struct page_chrome *chrome;      /* newest snapshot, or NULL */
};

struct http_pages {
	render_tmpl_set *tmpl; /* compiled templates */
	struct arena *a;       /* long-lived trees */
	char *theme_dir;       /* override folder or "" */
	char *loaded;          /* last template read from disk */
	char file[512];        /* its name for messages */
	struct http_pages_edition eds[CONFIG_MAX_EDITIONS];
	int n_eds;
};

/* Template loader: <theme_dir>/templates/<name>.mustache, else the
 * embedded theme/templates/<name>.mustache. */
static int page_tmpl_load(void *ctx, const char *name, const char **src,
			  size_t *len, const char **file)
{
	struct http_pages *p = ctx;
	if (strstr(name, "..") || name[0] == '/' || strlen(name) > 200)
		return ERR_NOTFOUND;
	free(p->loaded);
	p->loaded = NULL;
	if (p->theme_dir[0]) {
		snprintf(p->file, sizeof p->file, "%s/templates/%s.mustache",
			 p->theme_dir, name);
		FILE *f = fopen(p->file, "rb");
		if (f) {
			struct stat st;
			if (fstat(fileno(f), &st) != 0 ||
			    st.st_size > PAGE_TEMPLATE_MAX) {
				fclose(f);
				return ERR_IO;
			}
			p->loaded = xmalloc((size_t)st.st_size + 1);
			size_t n = fread(p->loaded, 1, (size_t)st.st_size, f);
			fclose(f);
			p->loaded[n] = '\0';
			*src = p->loaded;
			*len = n;
			*file = p->file;
			return 0;
		}
	}
	snprintf(p->file, sizeof p->file, "theme/templates/%s.mustache", name);
	const struct embed_file *ef = embed_find(p->file);
	if (!ef)
		return ERR_NOTFOUND;
	*src = (const char *)ef->data;
	*len = ef->len;
	*file = p->file;
	return 0;
}

struct page_tree_ctx {
	struct arena *a;
	struct render_val *root;
};

/* "nav.search" = "Search" becomes root.nav.search. */
static void page_tree_add(const char *key, const char *value, void *ctx)
{
	struct page_tree_ctx *c = ctx;
	struct render_val *o = c->root;
	const char *k = key;
	for (const char *dot; (dot = strchr(k, '.'));) {
		char part[128];
		size_t n = (size_t)(dot - k);
		if (n >= sizeof part)
			return;
		memcpy(part, k, n);
		part[n] = '\0';
		struct render_val *sub = render_obj_get(o, part);
		if (!sub || sub->type != RENDER_OBJ)
			sub = render_obj_add_obj(o, part);
		o = sub;
		k = dot + 1;
	}
	render_obj_set_strref(o, k, value);
}

static void page_chrome_release(struct page_chrome *ch)
{
	if (ch && atomic_fetch_sub(&ch->refs, 1) == 1) {
		render_memo_free(ch->memo);
		arena_free(ch->a);
		free(ch);
	}
}

static const char *const page_templates[] = {
	"layout", "home",       "article", "article_body",
	"list",   "list_items", "live",    "error",
};

int http_pages_load(const char *theme_dir, const struct config *cfg,
		    struct http_pages **out, struct err *e)
{
	struct http_pages *p = xcalloc(1, sizeof *p);
	p->a = arena_new(65536);
	p->theme_dir = xstrdup(theme_dir ? theme_dir : "");
	int rc = render_tmpl_set_new(page_tmpl_load, p, &p->tmpl, e);
	if (rc)
		goto fail;
	for (size_t i = 0; i < sizeof page_templates / sizeof page_templates[0];
	     i++) {
		rc = render_tmpl_compile(p->tmpl, page_templates[i], e);
		if (rc == ERR_NOTFOUND)
			rc = err_set(e, rc, "theme: template '%s' is missing",
				     page_templates[i]);
		if (rc)
			goto fail;
	}
	char *locdir = NULL;
	if (p->theme_dir[0]) {
		size_t n = strlen(p->theme_dir) + 16;
		locdir = xmalloc(n);
		snprintf(locdir, n, "%s/locales", p->theme_dir);
	}
	for (int i = 0; i < cfg->n_editions; i++) {
		struct http_pages_edition *pe = &p->eds[p->n_eds];
		pe->ed = &cfg->editions[i];
		rc = render_locale_load(pe->ed->code, locdir, &pe->loc, e);
		if (rc) {
			free(locdir);
			goto fail;
		}
		pthread_mutex_init(&pe->mu, NULL);
		p->n_eds++;
		struct page_tree_ctx tc = {p->a, render_obj_new(p->a)};
		render_locale_each(pe->loc, page_tree_add, &tc);
		pe->t = tc.root;
	}
	free(locdir);
	*out = p;
	return 0;
fail:
	http_pages_free(p);
	return rc;
}

void http_pages_free(struct http_pages *p)
{
	if (!p)
		return;
	render_tmpl_set_free(p->tmpl);
	for (int i = 0; i < p->n_eds; i++) {
		render_locale_free(p->eds[i].loc);
		page_chrome_release(p->eds[i].chrome);
		pthread_mutex_destroy(&p->eds[i].mu);
	}
	arena_free(p->a);
	free(p->theme_dir);
	free(p->loaded);
	free(p);
}

static struct http_pages_edition *page_edition(const char *code)
{
	struct http_pages *p = app->pages;
	for (int i = 0; i < p->n_eds; i++)
		if (!strcmp(p->eds[i].ed->code, code))
			return &p->eds[i];
	return &p->eds[0];
}

const char *page_t(struct http_req *r, const char *key)
{
	return render_locale_get(page_edition(r->edition)->loc, key);
}

/* page_t of "<prefix>.<name>", cut at 63 bytes as before. */
static const char *page_t2(struct http_req *r, const char *prefix,
			   const char *name)
{
	char key[64];
	size_t n = 0;
	for (const char *p = prefix; *p && n < sizeof key - 1;)
		key[n++] = *p++;
	if (n < sizeof key - 1)
		key[n++] = '.';
	for (const char *p = name; *p && n < sizeof key - 1;)
		key[n++] = *p++;
	key[n] = '\0';
	return page_t(r, key);
}

static void page_chrome_tree(struct page_chrome *ch,
			     const struct http_pages_edition *pe);

/* Read a snapshot of edition's site data at generation gen, with its
 * tree for pe. NULL with e set on a storage error. */
static struct page_chrome *page_chrome_read(const struct http_pages_edition *pe,
					    const char *edition, uint64_t gen,
					    struct err *e)
{
	struct page_chrome *ch = xcalloc(1, sizeof *ch);
	atomic_init(&ch->refs, 1);
	ch->gen = gen;
	ch->a = arena_new(16384);
	struct store_live_event *evs;
	size_t nev;
	if (store_setting_list(app->store, ch->a, &ch->settings,
			       &ch->n_settings, e) ||
	    store_rubric_list(app->store, ch->a, edition, &ch->rubrics,
			      &ch->n_rubrics, e) ||
	    store_author_list(app->store, ch->a, edition, &ch->authors,
			      &ch->n_authors, e) ||
	    store_live_event_list(app->store, ch->a, edition, STORE_LIVE_LIVE,
				  &evs, &nev, e)) {
		page_chrome_release(ch);
		return NULL;
	}
	if (nev > 0) {
		ch->live_title = evs[0].title;
		ch->live_slug = evs[0].slug;
	}
	page_chrome_tree(ch, pe);
	return ch;
}

/* The edition's snapshot for generation gen, held for the caller: the
 * current one, or a new one read now. NULL with e set on an error. */
static struct page_chrome *page_chrome_get_at(struct http_pages_edition *pe,
					      const char *edition, uint64_t gen,
					      struct err *e)
{
	pthread_mutex_lock(&pe->mu);
	struct page_chrome *ch = pe->chrome;
	if (ch && ch->gen == gen)
		atomic_fetch_add(&ch->refs, 1);
	else
		ch = NULL;
	pthread_mutex_unlock(&pe->mu);
	if (ch)
		return ch;
	ch = page_chrome_read(pe, edition, gen, e);
	if (!ch)
		return NULL;
	struct page_chrome *old = NULL;
	pthread_mutex_lock(&pe->mu);
	/* Never replace a newer snapshot with an older one. */
	if (!pe->chrome || pe->chrome->gen <= gen) {
		old = pe->chrome;
		atomic_fetch_add(&ch->refs, 1); /* the edition's hold */
		pe->chrome = ch;
	}
	pthread_mutex_unlock(&pe->mu);
	page_chrome_release(old);
	return ch;
}

/* As page_chrome_get_at, at the store's generation now. */
static struct page_chrome *page_chrome_get(struct http_pages_edition *pe,
					   const char *edition, struct err *e)
{
	/* Taken before reading: the data is at least this new. */
	return page_chrome_get_at(pe, edition, store_generation(app->store), e);
}

int page_site_load(struct http_req *r, struct page_site *site)
{
	struct err e = {0};
	memset(site, 0, sizeof *site);
	/* Within one request every call sees the same snapshot. */
	struct page_chrome *ch = r->page_chrome;
	if (!ch) {
		struct http_pages_edition *pe = page_edition(r->edition);
		ch = page_chrome_get(pe, pe->ed->code, &e);
		if (!ch) {
			log_error("req %s: site data: %s", r->id, e.msg);
			http_reply_error(r, 500, "storage error");
			return -1;
		}
		r->page_chrome = ch;
	}
	site->settings = ch->settings;
	site->n_settings = ch->n_settings;
	site->rubrics = ch->rubrics;
	site->n_rubrics = ch->n_rubrics;
	site->authors = ch->authors;
	site->n_authors = ch->n_authors;
	site->chrome = ch;
	site->tz = page_setting(site, "time_zone", NULL);
	if (!site->tz)
		site->tz = app->cfg->time_zone;
	return 0;
}

void page_site_release(struct http_req *r)
{
	page_chrome_release(r->page_chrome);
	r->page_chrome = NULL;
}

/* page_setting through the snapshot's index: the key as one string on
 * the stack, hashed once. 0 and *out (NULL when unset or empty), or -1
 * when the key is too long for the stack copy. */
static int page_setting_indexed(const struct page_chrome *ch, const char *key,
				const char *edition, const char **out)
{
	char full[128];
	size_t kn = strlen(key), en = edition ? strlen(edition) : 0;
	size_t n = edition ? kn + 1 + en : kn;
	if (n >= sizeof full)
		return -1;
	memcpy(full, key, kn);
	if (edition) {
		full[kn] = '.';
		memcpy(full + kn + 1, edition, en);
	}
	full[n] = '\0';
	*out = NULL;
	for (size_t j = render_key_hash(full, n) & ch->setting_mask;
	     ch->setting_slot[j]; j = (j + 1) & ch->setting_mask) {
		const struct store_setting *st =
			&ch->settings[ch->setting_slot[j] - 1];
		if (!strcmp(st->key, full)) {
			*out = st->value[0] ? st->value : NULL;
			break;
		}
	}
	return 0;
}

const char *page_setting(const struct page_site *site, const char *key,
			 const char *edition)
{
	const struct page_chrome *ch = site->chrome;
	const char *v;
	if (ch && ch->setting_slot && site->settings == ch->settings &&
	    page_setting_indexed(ch, key, edition, &v) == 0)
		return v;
	/* Matches "<key>" or "<key>.<edition>" without building it: the
	 * snprintf was a visible share of a page (a dozen calls a page). */
	size_t kn = strlen(key);
	for (size_t i = 0; i < site->n_settings; i++) {
		const char *k = site->settings[i].key;
		if (strncmp(k, key, kn))
			continue;
		if (edition ? (k[kn] != '.' || strcmp(k + kn + 1, edition)) :
			      k[kn] != '\0')
			continue;
		return site->settings[i].value[0] ? site->settings[i].value :
						    NULL;
	}
	return NULL;
}

int page_site_rubric_in(struct http_req *r, const char *edition, int64_t id,
			struct store_rubric *out, struct err *e)
{
	struct page_chrome *cur = r->page_chrome;
	struct http_pages_edition *pe = page_edition(edition);
	if (!cur || strcmp(pe->ed->code, edition))
		return store_rubric_get(app->store, r->a, id, edition, out, e);
	/* The generation this request already checked: no query when the
	 * other edition's snapshot is as new. */
	struct page_chrome *ch = page_chrome_get_at(pe, edition, cur->gen, e);
	if (!ch)
		return e && e->code ? e->code : ERR_DB;
	int rc = ERR_NOTFOUND;
	for (size_t i = 0; i < ch->n_rubrics; i++) {
		const struct store_rubric *rb = &ch->rubrics[i];
		if (rb->id != id)
			continue;
		*out = *rb;
		out->key = arena_strdup(r->a, rb->key);
		out->edition = arena_strdup(r->a, rb->edition);
		out->name = arena_strdup(r->a, rb->name);
		out->slug = arena_strdup(r->a, rb->slug);
		out->description = arena_strdup(r->a, rb->description);
		rc = 0;
		break;
	}
	page_chrome_release(ch);
	if (rc)
		err_set(e, rc, "rubric %lld in edition %s: no such row",
			(long long)id, edition);
	return rc;
}

const struct store_rubric *page_site_rubric(const struct page_site *site,
					    int64_t id)
{
	for (size_t i = 0; i < site->n_rubrics; i++)
		if (site->rubrics[i].id == id)
			return &site->rubrics[i];
	return NULL;
}

const struct store_author *page_site_author(const struct page_site *site,
					    int64_t id)
{
	for (size_t i = 0; i < site->n_authors; i++)
		if (site->authors[i].id == id)
			return &site->authors[i];
	return NULL;
}

/* a followed by b (and c when not NULL) in arena m. */
static const char *page_cat_in(struct arena *m, const char *a, const char *b,
			       const char *c)
{
	size_t na = strlen(a), nb = strlen(b), nc = c ? strlen(c) : 0;
	char *s = arena_alloc(m, na + nb + nc + 1);
	memcpy(s, a, na);
	memcpy(s + na, b, nb);
	if (nc)
		memcpy(s + na + nb, c, nc);
	s[na + nb + nc] = '\0';
	return s;
}

/* page_cat_in r's arena. */
static const char *page_cat(struct http_req *r, const char *a, const char *b,
			    const char *c)
{
	return page_cat_in(r->a, a, b, c);
}

/* page_url in arena m. */
static const char *page_url_in(struct arena *m, const char *prefix,
			       const char *kind, const char *slug)
{
	struct buf b;
	buf_init(&b, m);
	buf_puts(&b, prefix);
	buf_putc(&b, '/');
	buf_puts(&b, kind);
	if (slug) {
		buf_putc(&b, '/');
		render_escape_url(&b, slug, strlen(slug));
	}
	return b.data;
}

const char *page_url(struct http_req *r, const char *prefix, const char *kind,
		     const char *slug)
{
	return page_url_in(r->a, prefix, kind, slug);
}

const char *page_absolute(struct http_req *r, const char *path)
{
	if (app->cfg->base_url[0])
		return page_cat(r, app->cfg->base_url, path, NULL);
	const char *host = http_header_get(r, "Host");
	/* Only a plausible host name goes into a canonical URL. */
	int ok = host && *host && strlen(host) < 256;
	for (const char *h = host; ok && *h; h++)
		ok = (*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		     (*h >= '0' && *h <= '9') || *h == '.' || *h == '-' ||
		     *h == ':' || *h == '[' || *h == ']';
	return page_cat(r, "http://", ok ? host : "localhost", path);
}

const char *page_date(struct http_req *r, const struct page_site *site,
		      int64_t t, int style)
{
	struct buf b;
	buf_init(&b, r->a);
	render_date_format(&b, t, site->tz, r->edition,
			   (enum render_date_style)style);
	return b.data;
}

static const struct {
	const char *network; /* "twitter" */
	const char *key;     /* its setting and locale string */
} page_networks[] = {
	{"twitter", "social.twitter"},     {"youtube", "social.youtube"},
	{"instagram", "social.instagram"}, {"facebook", "social.facebook"},
	{"telegram", "social.telegram"},
};

/* The UTC year now (site.year). */
static int page_year_now(void)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	return tm.tm_year + 1900;
}

/*
 * Set in ctx what a page of edition `code` (prefix, strings of pe) shows
 * whatever the page: lang, edition, home_url, search_url, editions[], t,
 * assets, site, nav[] (active: the item whose url is `path`; NULL for
 * none), live (the banner, when live_title). Everything in arena a;
 * strings of site, pe and live_* are linked, not copied. The one builder
 * of these members, for a request (page_context without a snapshot) and
 * for a snapshot's shared tree (page_chrome_tree), so both give the same
 * bytes.
 */
static void page_site_tree(struct arena *a, struct render_val *ctx,
			   const struct http_pages_edition *pe,
			   const char *code, const char *prefix,
			   const struct page_site *site, const char *live_title,
			   const char *live_slug, int year, const char *path,
			   const char **nav_urls)
{
	RENDER_SET_STRREF(ctx, "lang", code);
	struct render_val *ed = RENDER_ADD_OBJ(ctx, "edition");
	RENDER_SET_STRREF(ed, "code", pe->ed->code);
	RENDER_SET_STRREF(ed, "prefix", pe->ed->prefix);
	RENDER_SET_STRREF(ed, "name", pe->ed->name);
	RENDER_SET_STRREF(ctx, "home_url", page_cat_in(a, prefix, "/", NULL));
	RENDER_SET_STRREF(ctx, "search_url",
			  page_cat_in(a, prefix, "/search", NULL));
	struct render_val *eds = RENDER_ADD_LIST(ctx, "editions");
	for (int i = 0; i < app->cfg->n_editions; i++) {
		const struct config_edition *ce = &app->cfg->editions[i];
		struct render_val *o = render_list_add_obj(eds);
		RENDER_SET_STRREF(o, "code", ce->code);
		RENDER_SET_STRREF(o, "name", ce->name);
		RENDER_SET_STRREF(o, "url",
				  page_cat_in(a, ce->prefix, "/", NULL));
		RENDER_SET_BOOL(o, "current", !strcmp(ce->code, code));
	}
	RENDER_SET(ctx, "t", pe->t);
	struct render_val *as = RENDER_ADD_OBJ(ctx, "assets");
	RENDER_SET_STRREF(as, "css", http_static_url(app->statics, "site.css"));
	RENDER_SET_STRREF(as, "js", http_static_url(app->statics, "site.js"));

	struct render_val *s = RENDER_ADD_OBJ(ctx, "site");
	const char *name = page_setting(site, "name", code);
	RENDER_SET_STRREF(s, "name", name ? name : "Gazette");
	static const char *const texts[] = {"tagline", "signature",
					    "footer_notice", "copyright"};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		const char *v = page_setting(site, texts[i], code);
		if (v)
			render_obj_set_strref(s, texts[i], v);
	}
	RENDER_SET_INT(s, "year", year);
	const char *promo = page_setting(site, "promo", code);
	if (promo) {
		struct render_val *po = RENDER_ADD_OBJ(s, "promo");
		RENDER_SET_STRREF(po, "text", promo);
		RENDER_SET_STRREF(po, "url",
				  page_setting(site, "promo_url", NULL));
	}
	struct render_val *soc = RENDER_ADD_LIST(s, "social");
	for (size_t i = 0; i < sizeof page_networks / sizeof page_networks[0];
	     i++) {
		const char *url =
			page_setting(site, page_networks[i].key, NULL);
		if (!url)
			continue;
		struct render_val *o = render_list_add_obj(soc);
		RENDER_SET_STRREF(o, "network", page_networks[i].network);
		RENDER_SET_STRREF(o, "url", url);
		render_obj_set_strref(o, "label",
				      render_locale_get(pe->loc,
							page_networks[i].key));
	}
	const char *ios = page_setting(site, "app.ios", NULL);
	const char *android = page_setting(site, "app.android", NULL);
	if (ios || android) {
		struct render_val *ap = RENDER_ADD_OBJ(s, "apps");
		RENDER_SET_STRREF(ap, "ios", ios);
		RENDER_SET_STRREF(ap, "android", android);
	}

	struct render_val *nav = RENDER_ADD_LIST(ctx, "nav");
	for (size_t i = 0; i < site->n_rubrics; i++) {
		struct render_val *o = render_list_add_obj(nav);
		const char *url =
			page_url_in(a, prefix, "rubric", site->rubrics[i].slug);
		if (nav_urls)
			nav_urls[i] = url;
		RENDER_SET_STRREF(o, "name", site->rubrics[i].name);
		RENDER_SET_STRREF(o, "url", url);
		RENDER_SET_BOOL(o, "active", path && !strcmp(url, path));
	}

	if (live_title) {
		struct render_val *lv = RENDER_ADD_OBJ(ctx, "live");
		RENDER_SET_STRREF(lv, "title", live_title);
		RENDER_SET_STRREF(lv, "url",
				  page_url_in(a, prefix, "live", live_slug));
	}
}

/* Build ch's shared tree for edition pe (see struct page_chrome). */
static void page_chrome_tree(struct page_chrome *ch,
			     const struct http_pages_edition *pe)
{
	struct page_site site = {
		.settings = ch->settings,
		.n_settings = ch->n_settings,
		.rubrics = ch->rubrics,
		.n_rubrics = ch->n_rubrics,
		.authors = ch->authors,
		.n_authors = ch->n_authors,
		.chrome = ch,
	};
	ch->pe = pe;
	ch->year = page_year_now();
	size_t slots = 16;
	while (slots < ch->n_settings * 2)
		slots *= 2;
	ch->setting_mask = slots - 1;
	ch->setting_slot = arena_alloc(ch->a, slots * sizeof *ch->setting_slot);
	for (size_t i = 0; i < ch->n_settings; i++) {
		const char *k = ch->settings[i].key;
		size_t j = render_key_hash(k, strlen(k)) & ch->setting_mask;
		while (ch->setting_slot[j])
			j = (j + 1) & ch->setting_mask;
		ch->setting_slot[j] = (uint32_t)i + 1;
	}
	ch->nav_urls =
		arena_alloc(ch->a, (ch->n_rubrics + 1) * sizeof *ch->nav_urls);
	ch->tree = render_obj_new(ch->a);
	page_site_tree(ch->a, ch->tree, pe, pe->ed->code, pe->ed->prefix, &site,
		       ch->live_title, ch->live_slug, ch->year, NULL,
		       ch->nav_urls);
	/* what page_card links for an article of this edition */
	ch->rubric_objs = arena_alloc(ch->a, (ch->n_rubrics + 1) *
						     sizeof *ch->rubric_objs);
	for (size_t i = 0; i < ch->n_rubrics; i++) {
		struct render_val *ro = render_obj_new(ch->a);
		RENDER_SET_STRREF(ro, "name", ch->rubrics[i].name);
		RENDER_SET_STRREF(ro, "url", ch->nav_urls[i]);
		RENDER_SET_STRREF(ro, "description",
				  ch->rubrics[i].description);
		ch->rubric_objs[i] = ro;
	}
	ch->author_urls = arena_alloc(ch->a, (ch->n_authors + 1) *
						     sizeof *ch->author_urls);
	for (size_t i = 0; i < ch->n_authors; i++)
		ch->author_urls[i] = page_url_in(ch->a, pe->ed->prefix,
						 "author", ch->authors[i].slug);
	ch->memo = render_memo_new();
}

/* The page part of a context: page{title, description, canonical, type}. */
static void page_context_page(struct http_req *r, struct render_val *ctx,
			      const struct page_site *site, const char *type,
			      const char *title, const char *description,
			      const char *path)
{
	struct render_val *pg = RENDER_ADD_OBJ(ctx, "page");
	const char *name = page_setting(site, "name", r->edition);
	const char *site_name = name ? name : "Gazette";
	RENDER_SET_STRREF(pg, "title",
			  title ? page_cat(r, title, " — ", site_name) :
				  site_name);
	const char *tagline = page_setting(site, "tagline", r->edition);
	RENDER_SET_STRREF(pg, "description",
			  description && *description ? description :
			  tagline                     ? tagline :
							site_name);
	RENDER_SET_STRREF(pg, "canonical", page_absolute(r, path));
	RENDER_SET_STRREF(pg, "type", type);
}

struct render_val *page_context(struct http_req *r,
				const struct page_site *site, const char *type,
				const char *title, const char *description,
				const char *path)
{
	struct http_pages_edition *pe = page_edition(r->edition);
	struct render_val *ctx = render_obj_new(r->a);
	const struct page_chrome *ch = site->chrome;
	if (ch && ch->tree && ch->pe == pe && ch->year == page_year_now() &&
	    !strcmp(r->edition, pe->ed->code) &&
	    !strcmp(r->prefix, pe->ed->prefix)) {
		/* The snapshot's tree holds all but the page and, on a
		 * rubric's page, the nav with that rubric active. */
		render_obj_set(ctx, PAGE_BASE_KEY, ch->tree);
		for (size_t i = 0; i < ch->n_rubrics; i++) {
			if (strcmp(ch->nav_urls[i], r->path))
				continue;
			struct render_val *nav = RENDER_ADD_LIST(ctx, "nav");
			for (size_t k = 0; k < ch->n_rubrics; k++) {
				struct render_val *o = render_list_add_obj(nav);
				RENDER_SET_STRREF(o, "name",
						  ch->rubrics[k].name);
				RENDER_SET_STRREF(o, "url", ch->nav_urls[k]);
				RENDER_SET_BOOL(o, "active", k == i);
			}
			break;
		}
		page_context_page(r, ctx, site, type, title, description, path);
		return ctx;
	}

	const char *live_title = NULL, *live_slug = NULL;
	if (ch) {
		live_title = ch->live_title;
		live_slug = ch->live_slug;
	} else {
		struct store_live_event *evs;
		size_t nev;
		struct err e = {0};
		if (store_live_event_list(app->store, r->a, r->edition,
					  STORE_LIVE_LIVE, &evs, &nev,
					  &e) == 0 &&
		    nev > 0) {
			live_title = evs[0].title;
			live_slug = evs[0].slug;
		}
	}
	page_site_tree(r->a, ctx, pe, r->edition, r->prefix, site, live_title,
		       live_slug, page_year_now(), r->path, NULL);
	page_context_page(r, ctx, site, type, title, description, path);
	return ctx;
}

void page_context_translation(struct render_val *ctx, const char *code,
			      const char *url)
{
	struct render_val *eds = render_obj_get(ctx, "editions");
	const struct render_val *base = render_obj_get(ctx, PAGE_BASE_KEY);
	const struct render_val *from =
		base ? render_obj_get(base, "editions") : NULL;
	if (!eds && from) {
		/* The shared tree is read-only: this page gets its own list,
		 * linking the shared items until one changes. */
		eds = RENDER_ADD_LIST(ctx, "editions");
		for (size_t i = 0; i < from->len; i++)
			render_list_push(eds, from->u.items[i]);
	}
	for (size_t i = 0; eds && i < eds->len; i++) {
		struct render_val *o = eds->u.items[i];
		struct render_val *c = render_obj_get(o, "code");
		if (!c || strcmp(c->u.s, code))
			continue;
		if (from && i < from->len && from->u.items[i] == o) {
			/* a shared item: this page's copy */
			struct render_val *cp = render_obj_new(eds->a);
			for (size_t k = 0; k < o->len; k++)
				render_obj_setk(cp, o->u.members[k].key,
						o->u.members[k].klen,
						o->u.members[k].val);
			eds->u.items[i] = o = cp;
		}
		render_obj_set_str(o, "url", url);
	}
}

int page_render(struct http_req *r, int status, const char *name,
		struct render_val *ctx)
{
	struct err e = {0};
	buf_clear(&r->out);
	/* Pages are 10-50 KB: one allocation up front instead of a dozen
	 * doublings, each clearing and copying what came before. */
	buf_grow(&r->out, PAGE_OUT_HINT);
	/* A context from page_context over a snapshot's tree renders over
	 * it, with the snapshot's memo. */
	const struct render_val *base = render_obj_get(ctx, PAGE_BASE_KEY);
	const struct page_chrome *ch = r->page_chrome;
	render_memo *memo = base && ch && ch->tree == base ? ch->memo : NULL;
	if (render_tmpl_render_in(app->pages->tmpl, name, base, memo, ctx,
				  &r->out, &e) != 0) {
		log_error("req %s: template %s: %s", r->id, name, e.msg);
		http_reply_error(r, 500, "template error");
		return 0;
	}
	http_reply_buf(r, status, "text/html; charset=utf-8");
	return 0;
}

int page_error(struct http_req *r, int status)
{
	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	const char *key_title = status == 410 ? "errors.gone_title" :
				status == 404 ? "errors.not_found_title" :
						"errors.server_title";
	const char *key_text = status == 410 ? "errors.gone_text" :
			       status == 404 ? "errors.not_found_text" :
					       "errors.server_text";
	struct render_val *ctx = page_context(
		r, &site, "error", page_t(r, key_title), NULL, r->path);
	struct render_val *er = RENDER_ADD_OBJ(ctx, "error");
	RENDER_SET_INT(er, "status", status);
	RENDER_SET_STRREF(er, "title", page_t(r, key_title));
	RENDER_SET_STRREF(er, "text", page_t(r, key_text));
	http_header_add(r, "Cache-Control", "no-cache");
	return page_render(r, status, "error", ctx);
}

/* page_date with the zone's offset at t known. */
static const char *page_date_at(struct http_req *r, int64_t t, int32_t off,
				enum render_date_style style)
{
	struct buf b;
	buf_init(&b, r->a);
	render_date_format_at(&b, t, off, r->edition, style);
	return b.data;
}

struct render_val *page_card(struct http_req *r, const struct page_site *site,
			     const struct store_article *art)
{
	const struct config_edition *ce =
		config_edition_find(app->cfg, art->edition);
	const char *prefix = ce ? ce->prefix : r->prefix;
	/* An article of the snapshot's edition links the snapshot's rubric
	 * objects and author URLs instead of building them again (a list
	 * page has 20 to 50 cards). */
	const struct page_chrome *ch = site->chrome;
	int shared = ch && ch->tree && site->rubrics == ch->rubrics &&
		     site->authors == ch->authors &&
		     !strcmp(prefix, ch->pe->ed->prefix);
	struct render_val *c = render_obj_new(r->a);
	RENDER_SET_INT(c, "id", art->id);
	RENDER_SET_STRREF(c, "url", page_url(r, prefix, "article", art->slug));
	RENDER_SET_STRREF(c, "title", art->title);
	RENDER_SET_STRREF(c, "lead", art->lead);
	RENDER_SET_STRREF(c, "kind", art->kind);
	RENDER_SET_STRREF(c, "kind_label", page_t2(r, "kinds", art->kind));
	const struct store_rubric *rb = page_site_rubric(site, art->rubric_id);
	if (rb && shared) {
		RENDER_SET(c, "rubric", ch->rubric_objs[rb - ch->rubrics]);
	} else if (rb) {
		struct render_val *ro = RENDER_ADD_OBJ(c, "rubric");
		RENDER_SET_STRREF(ro, "name", rb->name);
		RENDER_SET_STRREF(ro, "url",
				  page_url(r, prefix, "rubric", rb->slug));
		RENDER_SET_STRREF(ro, "description", rb->description);
	}
	struct render_val *au = RENDER_ADD_LIST(c, "authors");
	for (size_t i = 0; i < art->n_authors; i++) {
		const struct store_author *a =
			page_site_author(site, art->author_ids[i]);
		if (!a)
			continue;
		struct render_val *o = render_list_add_obj(au);
		RENDER_SET_STRREF(o, "name", a->name);
		RENDER_SET_STRREF(o, "url",
				  shared ? ch->author_urls[a - ch->authors] :
					   page_url(r, prefix, "author",
						    a->slug));
		RENDER_SET_BOOL(o, "last", i + 1 == art->n_authors);
	}
	int32_t off = render_tz_offset(site->tz, art->publish_at);
	RENDER_SET_STRREF(c, "date_text",
			  page_date_at(r, art->publish_at, off,
				       RENDER_DATE_LONG));
	RENDER_SET_STRREF(c, "date_iso",
			  page_date_at(r, art->publish_at, off,
				       RENDER_DATE_ISO));
	RENDER_SET_BOOL(c, "breaking", art->breaking);
	RENDER_SET_BOOL(c, "featured", art->featured);
	return c;
}

long page_number(struct http_req *r)
{
	const char *s = http_query_get(r, "page");
	if (!s)
		return 1;
	int64_t v;
	if (http_parse_id(s, &v) != 0 || v > 100000) {
		page_error(r, 404);
		return -1;
	}
	return (long)v;
}

void page_pager(struct http_req *r, struct render_val *ctx, long page,
		size_t total, size_t per, const char *base_path)
{
	size_t pages = total ? (total + per - 1) / per : 1;
	struct render_val *p = RENDER_ADD_OBJ(ctx, "pager");
	RENDER_SET_INT(p, "page", page);
	RENDER_SET_INT(p, "pages", (long long)pages);
	if (page > 1)
		render_obj_set_str(p, "prev_url",
				   page == 2 ?
					   base_path :
					   arena_printf(r->a, "%s?page=%ld",
							base_path, page - 1));
	if ((size_t)page < pages) {
		render_obj_set_str(p, "next_url",
				   arena_printf(r->a, "%s?page=%ld", base_path,
						page + 1));
		render_obj_set_str(p, "partial_next_url",
				   arena_printf(r->a, "%s?page=%ld&partial=1",
						base_path, page + 1));
	}
	RENDER_SET_BOOL(p, "many", pages > 1);
}
