/*
 * seo.c - what search engines, news aggregators and social networks read
 * in a page's <head>, and the helpers that feeds and sitemaps share.
 *
 * seo_article and seo_list add to a page context (page_context) the data
 * that theme/templates/partials/seo_head.mustache renders:
 *
 *   page.canonical     absolute URL of the page
 *   page.alternates[]  hreflang, url: the page in each edition that has
 *                      it (translations), then x-default
 *   page.feeds[]       type, title, url: feed autodiscovery
 *   page.image         url, type, width, height, alt: the share image
 *   page.og            type, title, published, modified, section,
 *                      tags[] (name), authors[] (url): Open Graph article
 *   page.twitter_site  "@handle" from the social.twitter setting
 *   page.jsonld        one schema.org graph (NewsArticle, BreadcrumbList,
 *                      WebSite, NewsMediaOrganization, ProfilePage) as
 *                      JSON safe inside <script> (render_escape_json
 *                      escapes '<' and U+2028/2029)
 *
 * Images: the NewsArticle's image is the three crops made at upload
 * (16:9, 4:3, 1:1; media.h), the Open Graph / Twitter image the 16:9
 * one (1200 px wide when the upload allows), the publisher's logo the
 * theme's logo.png with its size; an upload older than the crops falls
 * back to its widest variant.
 *
 * Shared helpers: images from media variants (seo_image_get), absolute
 * URLs, XML escaping without the characters XML forbids, and the cached
 * reply of feeds, sitemaps and robots.txt (seo_reply: ETag, 304).
 *
 * Not for: the feeds themselves (feed.c), sitemaps and robots.txt
 * (sitemap.c), what a page shows (page*.c), markup (the theme).
 */
#include "app.h"
#include "http/internal.h"
#include "media/media.h"
#include "render/date.h"
#include "render/escape.h"
#include "render/json.h"
#include "util/arena.h"
#include "util/embed.h"
#include "util/log.h"

#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Where media files are served: SEO_MEDIA_PATH + store_media paths
 * (relative to the media folder). */
#define SEO_MEDIA_PATH "/media/"
/* Width Open Graph, Twitter cards and Google Discover want at least. */
#define SEO_IMAGE_WIDTH 1200

/* ---- shared helpers ------------------------------------------------- */

/* a followed by b in r's arena: what arena_printf("%s%s") gave, without
 * the printf machinery (a visible share of a page's CPU time). */
static const char *seo_cat(struct http_req *r, const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = arena_alloc(r->a, na + nb + 1);
	memcpy(s, a, na);
	memcpy(s + na, b, nb + 1);
	return s;
}

const char *seo_absolute(struct http_req *r, const char *url)
{
	if (!url)
		return NULL;
	if (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7))
		return url;
	if (url[0] != '/')
		url = seo_cat(r, "/", url);
	return page_absolute(r, url);
}

void seo_xml(struct buf *b, const char *s)
{
	if (!s)
		return;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), start = 0;
	/* 0xEF only ever starts a sequence, so the cut never splits one.
	 * memchr finds the candidates: most texts have none. */
	for (size_t pos = 0; pos + 2 < n;) {
		const unsigned char *q = memchr(p + pos, 0xEF, n - pos - 2);
		if (!q)
			break;
		size_t i = (size_t)(q - p);
		pos = i + 1;
		if (p[i + 1] == 0xBF &&
		    (p[i + 2] == 0xBE || p[i + 2] == 0xBF)) {
			render_escape_xml(b, s + start, i - start);
			buf_puts(b, "\xEF\xBF\xBD");
			start = pos = i + 3;
		}
	}
	render_escape_xml(b, s + start, n - start);
}

void seo_reply(struct http_req *r, const char *content_type, int64_t mtime)
{
	/* The page cache's ETag form (cache.c): the first 80 bits of the
	 * body's BLAKE2b in hex, so a cached and a fresh reply agree. */
	unsigned char d[16];
	crypto_generichash(d, sizeof d, (const unsigned char *)r->out.data,
			   r->out.len, NULL, 0);
	char etag[24];
	etag[0] = '"';
	for (int i = 0; i < 10; i++)
		snprintf(etag + 1 + 2 * i, 3, "%02x", d[i]);
	etag[21] = '"';
	etag[22] = '\0';
	http_header_add(r, "Cache-Control", "public, max-age=300");
	if (http_conditional(r, etag, mtime))
		return;
	http_reply_buf(r, 200, content_type);
}

/* MIME type of an image format name ("jpeg") or MIME type; NULL when it
 * is not an image type that browsers and crawlers read. */
static const char *seo_image_mime(const char *f)
{
	if (!f)
		return NULL;
	if (!strncmp(f, "image/", 6))
		f += 6;
	if (!strcmp(f, "jpeg") || !strcmp(f, "jpg"))
		return "image/jpeg";
	if (!strcmp(f, "png"))
		return "image/png";
	if (!strcmp(f, "webp"))
		return "image/webp";
	if (!strcmp(f, "gif"))
		return "image/gif";
	if (!strcmp(f, "avif"))
		return "image/avif";
	return NULL;
}

/* URL of a file in the media folder, each path segment escaped. */
static const char *seo_media_url(struct http_req *r, const char *path)
{
	struct buf b;
	buf_init(&b, r->a);
	buf_puts(&b, SEO_MEDIA_PATH);
	while (*path == '/')
		path++;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		render_escape_url(&b, p, n);
		p += n;
		if (*p == '/') {
			buf_putc(&b, '/');
			p++;
		}
	}
	return page_absolute(r, b.data);
}

/* One file of a media item: a variant, or the original. */
struct seo_cand {
	int width, height;
	const char *mime;
	const char *path;
	int64_t bytes;
	const char *aspect; /* a crop's ("16:9"), "" for the others */
};

static int seo_cand_of(const struct store_media *m, size_t i,
		       struct seo_cand *c)
{
	if (i == m->n_variants) { /* the original */
		c->width = m->width;
		c->height = m->height;
		c->mime = seo_image_mime(m->mime);
		c->path = m->path;
		c->bytes = m->bytes;
		c->aspect = "";
	} else {
		const struct store_media_variant *v = &m->variants[i];
		c->width = v->width;
		c->height = v->height;
		c->mime = seo_image_mime(v->format);
		c->path = v->path;
		c->bytes = v->bytes;
		c->aspect = v->aspect ? v->aspect : "";
	}
	return c->mime && c->path && c->path[0] && c->width > 0 &&
	       c->height > 0;
}

/* Index of the best file of m (n_variants: the original), or -1. aspect
 * NULL keeps the uncropped files only, else only the crops of that
 * aspect ("16:9"). ratio > 0 keeps only files within 2% of that
 * width/height. Preference: variants before the original (only looked
 * at when with_original); JPEG/PNG (read everywhere) before other types;
 * the narrowest at least min_width wide, else the widest. */
static long seo_image_pick(const struct store_media *m, int min_width,
			   double ratio, int with_original, const char *aspect)
{
	for (int pass = 0; pass < (with_original ? 3 : 2); pass++) {
		long best = -1;
		struct seo_cand bc = {0};
		size_t from = pass == 2 ? m->n_variants : 0;
		size_t to = pass == 2 ? m->n_variants + 1 : m->n_variants;
		for (size_t i = from; i < to; i++) {
			struct seo_cand c;
			if (!seo_cand_of(m, i, &c))
				continue;
			if (aspect ? strcmp(c.aspect, aspect) : c.aspect[0])
				continue;
			int common = !strcmp(c.mime, "image/jpeg") ||
				     !strcmp(c.mime, "image/png");
			if (pass == 0 && !common)
				continue;
			if (ratio > 0) {
				double q = (double)c.width / c.height / ratio;
				if (q < 0.98 || q > 1.02)
					continue;
			}
			int better;
			if (best < 0)
				better = 1;
			else if ((c.width >= min_width) !=
				 (bc.width >= min_width))
				better = c.width >= min_width;
			else if (c.width >= min_width)
				better = c.width < bc.width;
			else
				better = c.width > bc.width;
			if (better) {
				best = (long)i;
				bc = c;
			}
		}
		if (best >= 0)
			return best;
	}
	return -1;
}

static void seo_image_fill(struct http_req *r, const struct store_media *m,
			   long i, struct seo_image *out)
{
	struct seo_cand c;
	seo_cand_of(m, (size_t)i, &c);
	out->url = seo_media_url(r, c.path);
	out->type = c.mime;
	out->width = c.width;
	out->height = c.height;
	out->bytes = c.bytes;
	out->alt = m->alt ? m->alt : "";
	out->caption = m->caption ? m->caption : "";
	out->credit = m->credit ? m->credit : "";
}

/* Load media id; 0, ERR_NOTFOUND or ERR_DB (logged). */
static int seo_media_load(struct http_req *r, int64_t id, struct store_media *m)
{
	if (id <= 0)
		return ERR_NOTFOUND;
	struct err e = {0};
	int rc = store_media_get(app->store, r->a, id, m, &e);
	if (rc && rc != ERR_NOTFOUND)
		log_error("req %s: media %lld: %s", r->id, (long long)id,
			  e.msg);
	return rc;
}

int seo_image_get(struct http_req *r, int64_t media_id, int min_width,
		  struct seo_image *out)
{
	memset(out, 0, sizeof *out);
	struct store_media m;
	int rc = seo_media_load(r, media_id, &m);
	if (rc)
		return rc;
	/* The uncropped picture: variants with the original's shape, not
	 * the crops made for distribution. */
	long i = -1;
	if (m.width > 0 && m.height > 0)
		i = seo_image_pick(&m, min_width, (double)m.width / m.height, 0,
				   NULL);
	if (i < 0)
		i = seo_image_pick(&m, min_width, 0, 1, NULL);
	if (i < 0)
		return ERR_NOTFOUND;
	seo_image_fill(r, &m, i, out);
	return 0;
}

/* The share image of Open Graph and Twitter cards: the 16:9 crop (1200
 * px wide when the upload was; close to the 1.91:1 both show), else,
 * for an upload older than the crops, seo_image_get's at least 1200 px
 * wide. */
static int seo_share_image(struct http_req *r, int64_t media_id,
			   struct seo_image *out)
{
	memset(out, 0, sizeof *out);
	struct store_media m;
	if (seo_media_load(r, media_id, &m) != 0)
		return ERR_NOTFOUND;
	long i = seo_image_pick(&m, SEO_IMAGE_WIDTH, 0, 0, "16:9");
	if (i < 0)
		return seo_image_get(r, media_id, SEO_IMAGE_WIDTH, out);
	seo_image_fill(r, &m, i, out);
	return 0;
}

/* ---- page data ------------------------------------------------------ */

static const char *seo_site_name(const struct page_site *site,
				 const char *edition)
{
	const char *n = page_setting(site, "name", edition);
	return n ? n : "Gazette";
}

/* Absolute home URL of r's edition. */
static const char *seo_home(struct http_req *r)
{
	return page_absolute(r, seo_cat(r, r->prefix, "/"));
}

/* Width and height of the theme's static/logo.png from its PNG header:
 * the theme folder's copy when it has one, else the embedded one. 0 and
 * *w, *h; ERR_NOTFOUND when there is none or it is not a PNG. */
static int seo_logo_size(int *w, int *h)
{
	unsigned char head[64];
	size_t n = 0;
	const char *dir = app->cfg ? app->cfg->theme_dir : NULL;
	if (dir && *dir) {
		char path[4096];
		snprintf(path, sizeof path, "%s/static/logo.png", dir);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t got = read(fd, head, sizeof head);
			close(fd);
			n = got > 0 ? (size_t)got : 0;
		}
	}
	if (n == 0) {
		const struct embed_file *f =
			embed_find("theme/static/logo.png");
		if (!f)
			return ERR_NOTFOUND;
		n = f->len < sizeof head ? f->len : sizeof head;
		memcpy(head, f->data, n);
	}
	if (media_sniff(head, n) != MEDIA_PNG)
		return ERR_NOTFOUND;
	return media_header_size(MEDIA_PNG, head, n, w, h, NULL);
}

/* The publisher's logo (absolute URL; width, height 0 when unknown):
 * the "logo" setting (URL), else the theme's static logo.png with its
 * size (Google wants at least 112 x 112 px, in a raster format), else
 * logo.svg, favicon.svg (the first that exists). */
struct seo_logo {
	const char *url;
	int width, height;
};

static void seo_logo(struct http_req *r, const struct page_site *site,
		     struct seo_logo *out)
{
	memset(out, 0, sizeof *out);
	const char *u = page_setting(site, "logo", NULL);
	if (u) {
		out->url = seo_absolute(r, u);
		return;
	}
	static const char *const names[] = {"logo.png", "logo.svg",
					    "favicon.svg"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		u = app->statics ? http_static_url(app->statics, names[i]) :
				   NULL;
		if (u) {
			out->url = seo_absolute(r, u);
			if (i == 0 &&
			    seo_logo_size(&out->width, &out->height) != 0)
				out->width = out->height = 0;
			return;
		}
	}
	out->url = seo_absolute(r, "/static/favicon.svg");
}

/* "@handle" of the social.twitter URL (x.com or twitter.com), or NULL. */
static const char *seo_twitter_handle(struct http_req *r,
				      const struct page_site *site)
{
	const char *u = page_setting(site, "social.twitter", NULL);
	if (!u)
		return NULL;
	const char *p = strstr(u, "://");
	p = p ? p + 3 : u;
	if (!strncmp(p, "www.", 4))
		p += 4;
	if (!strncmp(p, "x.com/", 6))
		p += 6;
	else if (!strncmp(p, "twitter.com/", 12))
		p += 12;
	else
		return NULL;
	if (*p == '@')
		p++;
	size_t n = strspn(p,
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789_");
	/* X itself allows 15 characters; this only keeps junk out (the
	 * demo's example handle is longer). */
	if (n == 0 || n > 50)
		return NULL;
	char *h = arena_alloc(r->a, n + 2);
	h[0] = '@';
	memcpy(h + 1, p, n);
	return h;
}

/* The page object of ctx (made when missing). */
static struct render_val *seo_page(struct render_val *ctx)
{
	struct render_val *pg = render_obj_get(ctx, "page");
	return pg && pg->type == RENDER_OBJ ? pg : RENDER_ADD_OBJ(ctx, "page");
}

/* One URL of a page per edition, for hreflang. */
struct seo_alt {
	const struct config_edition *ed;
	const char *url; /* absolute, or NULL when the edition has none */
};

/* page.alternates from alts[] (one per configured edition, in config
 * order): each edition with a URL, then x-default: the default edition's
 * URL, else the first one. Nothing when fewer than two editions have the
 * page: there is no alternate to point at. */
static void seo_alternates(struct render_val *pg, const struct seo_alt *alts)
{
	struct render_val *l = NULL;
	const char *xdef = NULL, *first = NULL;
	int n = 0;
	for (int k = 0; k < app->cfg->n_editions; k++)
		n += alts[k].url != NULL;
	if (n < 2)
		return;
	for (int k = 0; k < app->cfg->n_editions; k++) {
		if (!alts[k].url)
			continue;
		if (!l)
			l = RENDER_ADD_LIST(pg, "alternates");
		struct render_val *o = render_list_add_obj(l);
		RENDER_SET_STRREF(o, "hreflang", alts[k].ed->code);
		RENDER_SET_STRREF(o, "url", alts[k].url);
		if (!first)
			first = alts[k].url;
		if (!strcmp(alts[k].ed->code, app->cfg->default_edition))
			xdef = alts[k].url;
	}
	if (!l)
		return;
	struct render_val *o = render_list_add_obj(l);
	RENDER_SET_STRREF(o, "hreflang", "x-default");
	RENDER_SET_STRREF(o, "url", xdef ? xdef : first);
}

/* Add the feeds of base ("/ru" or "/ru/rubric/x") to page.feeds, titled
 * "<title> (RSS)" and so on: all three, or RSS alone when rss_only. */
static void seo_feeds_add(struct http_req *r, struct render_val *pg,
			  const char *base, const char *title, int rss_only)
{
	static const struct {
		const char *file, *type, *label;
	} kinds[] = {
		{"/feed.xml", "application/rss+xml", " (RSS)"},
		{"/atom.xml", "application/atom+xml", " (Atom)"},
		{"/feed.json", "application/feed+json", " (JSON Feed)"},
	};
	struct render_val *l = render_obj_get(pg, "feeds");
	if (!l || l->type != RENDER_LIST)
		l = RENDER_ADD_LIST(pg, "feeds");
	for (size_t i = 0; i < (rss_only ? 1 : sizeof kinds / sizeof kinds[0]);
	     i++) {
		struct render_val *o = render_list_add_obj(l);
		RENDER_SET_STRREF(o, "type", kinds[i].type);
		RENDER_SET_STRREF(o, "title",
				  seo_cat(r, title, kinds[i].label));
		RENDER_SET_STRREF(o, "url", seo_cat(r, base, kinds[i].file));
	}
}

static void seo_image_obj(struct render_val *pg, const struct seo_image *img)
{
	struct render_val *o = RENDER_ADD_OBJ(pg, "image");
	RENDER_SET_STRREF(o, "url", img->url);
	RENDER_SET_STRREF(o, "type", img->type);
	RENDER_SET_INT(o, "width", img->width);
	RENDER_SET_INT(o, "height", img->height);
	RENDER_SET_STRREF(o, "alt", img->alt);
}

/* JSON-LD ImageObject. */
static void seo_json_image(struct render_json *j, const struct seo_image *img)
{
	render_json_obj_begin(j, NULL);
	render_json_str(j, "@type", "ImageObject");
	render_json_str(j, "url", img->url);
	render_json_int(j, "width", img->width);
	render_json_int(j, "height", img->height);
	if (img->caption[0])
		render_json_str(j, "caption", img->caption);
	if (img->credit[0])
		render_json_str(j, "creditText", img->credit);
	render_json_obj_end(j);
}

/* The publisher organization (full on the home page, else a reference
 * by @id plus what Google reads on articles: name, url, logo). */
static void seo_json_publisher(struct http_req *r, struct render_json *j,
			       const struct page_site *site, const char *key,
			       int full)
{
	const char *home = seo_home(r);
	render_json_obj_begin(j, key);
	render_json_str(j, "@type", "NewsMediaOrganization");
	render_json_str(j, "@id", seo_cat(r, home, "#publisher"));
	render_json_str(j, "name", seo_site_name(site, r->edition));
	render_json_str(j, "url", home);
	struct seo_logo logo;
	seo_logo(r, site, &logo);
	render_json_obj_begin(j, "logo");
	render_json_str(j, "@type", "ImageObject");
	render_json_str(j, "url", logo.url);
	if (logo.width > 0 && logo.height > 0) {
		render_json_int(j, "width", logo.width);
		render_json_int(j, "height", logo.height);
	}
	render_json_obj_end(j);
	if (full) {
		static const char *const nets[] = {"twitter", "youtube",
						   "instagram", "facebook",
						   "telegram"};
		int open = 0;
		for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
			char k[40];
			snprintf(k, sizeof k, "social.%s", nets[i]);
			const char *u = page_setting(site, k, NULL);
			if (!u)
				continue;
			if (!open)
				render_json_arr_begin(j, "sameAs");
			open = 1;
			render_json_str(j, NULL, u);
		}
		if (open)
			render_json_arr_end(j);
	}
	render_json_obj_end(j);
}

/* BreadcrumbList of n (name, absolute url) pairs. */
static void seo_json_breadcrumbs(struct render_json *j,
				 const char *const *names,
				 const char *const *urls, int n)
{
	render_json_obj_begin(j, NULL);
	render_json_str(j, "@type", "BreadcrumbList");
	render_json_arr_begin(j, "itemListElement");
	for (int i = 0; i < n; i++) {
		render_json_obj_begin(j, NULL);
		render_json_str(j, "@type", "ListItem");
		render_json_int(j, "position", i + 1);
		render_json_str(j, "name", names[i]);
		render_json_str(j, "item", urls[i]);
		render_json_obj_end(j);
	}
	render_json_arr_end(j);
	render_json_obj_end(j);
}

static const char *seo_iso(struct http_req *r, const struct page_site *site,
			   int64_t t)
{
	return page_date(r, site, t, RENDER_DATE_ISO);
}

/* Visible to readers: published and due. */
/* The images of the NewsArticle: the crops in each aspect ratio Google
 * asks for (16:9, 4:3, 1:1), made at upload (media.h); an upload older
 * than the crops has none: then its widest uncropped variant, else the
 * share image. */
static void seo_json_article_images(struct http_req *r, struct render_json *j,
				    int64_t media_id,
				    const struct seo_image *share)
{
	struct store_media m;
	if (seo_media_load(r, media_id, &m) != 0)
		return;
	static const char *const aspects[] = {"16:9", "4:3", "1:1"};
	long picked[3];
	int n = 0;
	for (size_t k = 0; k < 3; k++) {
		long i = seo_image_pick(&m, SEO_IMAGE_WIDTH, 0, 0, aspects[k]);
		if (i >= 0)
			picked[n++] = i;
	}
	if (n == 0) {
		/* INT_MAX: none is that wide, so the widest wins */
		long i = seo_image_pick(&m, INT_MAX, 0, 0, NULL);
		if (i >= 0)
			picked[n++] = i;
	}
	render_json_arr_begin(j, "image");
	if (n == 0) {
		seo_json_image(j, share);
	} else {
		for (int q = 0; q < n; q++) {
			struct seo_image img;
			seo_image_fill(r, &m, picked[q], &img);
			seo_json_image(j, &img);
		}
	}
	render_json_arr_end(j);
}

void seo_article(struct http_req *r, struct render_val *ctx,
		 const struct page_site *site, const struct store_article *art,
		 const char *const *tr_urls)
{
	struct render_val *pg = seo_page(ctx);
	const char *site_name = seo_site_name(site, r->edition);
	const char *canon =
		seo_absolute(r, page_url(r, r->prefix, "article", art->slug));
	RENDER_SET_STRREF(pg, "canonical", canon);

	/* hreflang: this article and each visible translation */
	struct seo_alt alts[CONFIG_MAX_EDITIONS] = {{0}};
	for (int k = 0; k < app->cfg->n_editions; k++) {
		const struct config_edition *ce = &app->cfg->editions[k];
		alts[k].ed = ce;
		if (!strcmp(ce->code, r->edition)) {
			alts[k].url = canon;
			continue;
		}
		if (tr_urls[k])
			alts[k].url = seo_absolute(r, tr_urls[k]);
	}
	seo_alternates(pg, alts);

	const struct store_rubric *rb = page_site_rubric(site, art->rubric_id);
	seo_feeds_add(r, pg, r->prefix, site_name, 0);
	if (rb)
		seo_feeds_add(
			r, pg, page_url(r, r->prefix, "rubric", rb->slug),
			seo_cat(r, seo_cat(r, site_name, " — "), rb->name), 1);

	struct seo_image img;
	int has_img = seo_share_image(r, art->lead_media_id, &img) == 0;
	if (has_img)
		seo_image_obj(pg, &img);

	const char *title = art->seo_title && art->seo_title[0] ?
				    art->seo_title :
				    art->title;
	int64_t modified = art->updated_at > art->publish_at ? art->updated_at :
							       art->publish_at;
	const char *published_iso = seo_iso(r, site, art->publish_at);
	const char *modified_iso = seo_iso(r, site, modified);
	struct render_val *og = RENDER_ADD_OBJ(pg, "og");
	RENDER_SET_STRREF(og, "type", "article");
	RENDER_SET_STRREF(og, "title", title);
	RENDER_SET_STRREF(og, "published", published_iso);
	RENDER_SET_STRREF(og, "modified", modified_iso);
	RENDER_SET_STRREF(og, "section", rb ? rb->name : NULL);
	struct render_val *tags = RENDER_ADD_LIST(og, "tags");
	for (size_t i = 0; i < art->n_tags; i++)
		render_obj_set_strref(render_list_add_obj(tags), "name",
				      art->tags[i].name);
	struct render_val *aus = RENDER_ADD_LIST(og, "authors");
	for (size_t i = 0; i < art->n_authors; i++) {
		const struct store_author *au =
			page_site_author(site, art->author_ids[i]);
		if (au)
			render_obj_set_strref(
				render_list_add_obj(aus), "url",
				seo_absolute(r, page_url(r, r->prefix, "author",
							 au->slug)));
	}
	RENDER_SET_STRREF(pg, "twitter_site", seo_twitter_handle(r, site));

	/* JSON-LD: the article and its breadcrumbs (2-4 KB: one allocation
	 * instead of six doublings) */
	struct buf b;
	buf_init(&b, r->a);
	buf_grow(&b, 4096);
	struct render_json j;
	render_json_init(&j, &b);
	render_json_obj_begin(&j, NULL);
	render_json_str(&j, "@context", "https://schema.org");
	render_json_arr_begin(&j, "@graph");

	render_json_obj_begin(&j, NULL);
	render_json_str(&j, "@type", "NewsArticle");
	render_json_str(&j, "@id", seo_cat(r, canon, "#article"));
	render_json_obj_begin(&j, "mainEntityOfPage");
	render_json_str(&j, "@type", "WebPage");
	render_json_str(&j, "@id", canon);
	render_json_obj_end(&j);
	render_json_str(&j, "url", canon);
	render_json_str(&j, "headline", art->title);
	const char *desc = art->seo_description && art->seo_description[0] ?
				   art->seo_description :
				   art->lead;
	if (desc && desc[0])
		render_json_str(&j, "description", desc);
	if (has_img)
		seo_json_article_images(r, &j, art->lead_media_id, &img);
	render_json_str(&j, "datePublished", published_iso);
	render_json_str(&j, "dateModified", modified_iso);
	render_json_arr_begin(&j, "author");
	for (size_t i = 0; i < art->n_authors; i++) {
		const struct store_author *au =
			page_site_author(site, art->author_ids[i]);
		if (!au)
			continue;
		render_json_obj_begin(&j, NULL);
		render_json_str(&j, "@type", "Person");
		render_json_str(&j, "name", au->name);
		render_json_str(&j, "url",
				seo_absolute(r, page_url(r, r->prefix, "author",
							 au->slug)));
		render_json_obj_end(&j);
	}
	render_json_arr_end(&j);
	seo_json_publisher(r, &j, site, "publisher", 0);
	if (rb)
		render_json_str(&j, "articleSection", rb->name);
	if (art->n_tags) {
		render_json_arr_begin(&j, "keywords");
		for (size_t i = 0; i < art->n_tags; i++)
			render_json_str(&j, NULL, art->tags[i].name);
		render_json_arr_end(&j);
	}
	render_json_str(&j, "inLanguage", r->edition);
	render_json_bool(&j, "isAccessibleForFree", 1);
	render_json_obj_end(&j);

	const char *names[3] = {site_name, NULL, NULL};
	const char *urls[3] = {seo_home(r), NULL, NULL};
	int n = 1;
	if (rb) {
		names[n] = rb->name;
		urls[n++] = seo_absolute(r, page_url(r, r->prefix, "rubric",
						     rb->slug));
	}
	names[n] = art->title;
	urls[n++] = canon;
	seo_json_breadcrumbs(&j, names, urls, n);

	render_json_arr_end(&j);
	render_json_obj_end(&j);
	RENDER_SET_STRREF(pg, "jsonld", b.data);
}

void seo_list(struct http_req *r, struct render_val *ctx,
	      const struct page_site *site, const char *kind, int64_t id,
	      const char *slug, const char *name)
{
	struct err e = {0};
	struct render_val *pg = seo_page(ctx);
	const char *site_name = seo_site_name(site, r->edition);
	const char *page = http_query_get(r, "page");
	int first = !page || !strcmp(page, "1");
	int is_home = !strcmp(kind, "home");
	int scoped = !strcmp(kind, "rubric") || !strcmp(kind, "author") ||
		     !strcmp(kind, "tag");

	/* hreflang: the same list in every edition that has it */
	if (first) {
		struct seo_alt alts[CONFIG_MAX_EDITIONS] = {{0}};
		for (int k = 0; k < app->cfg->n_editions; k++) {
			const struct config_edition *ce =
				&app->cfg->editions[k];
			int self = !strcmp(ce->code, r->edition);
			const char *path = NULL;
			alts[k].ed = ce;
			if (is_home) {
				path = arena_printf(r->a, "%s/", ce->prefix);
			} else if (!strcmp(kind, "latest") ||
				   !strcmp(kind, "archive")) {
				path = arena_printf(r->a, "%s%s", ce->prefix,
						    r->rest ? r->rest : "/");
			} else if (!strcmp(kind, "rubric")) {
				struct store_rubric other;
				if (self && slug)
					path = page_url(r, ce->prefix, "rubric",
							slug);
				else if (page_site_rubric_in(r, ce->code, id,
							     &other, &e) == 0)
					path = page_url(r, ce->prefix, "rubric",
							other.slug);
			} else if (!strcmp(kind, "author")) {
				struct store_author other;
				if (self && slug)
					path = page_url(r, ce->prefix, "author",
							slug);
				else if (store_author_get(app->store, r->a, id,
							  ce->code, &other,
							  &e) == 0)
					path = page_url(r, ce->prefix, "author",
							other.slug);
			} else if (self &&
				   slug) { /* tags belong to one edition */
				path = page_url(r, ce->prefix, kind, slug);
			}
			alts[k].url = path ? seo_absolute(r, path) : NULL;
		}
		seo_alternates(pg, alts);
	}

	if (scoped && slug) {
		seo_feeds_add(r, pg, page_url(r, r->prefix, kind, slug),
			      arena_printf(r->a, "%s — %s%s", site_name,
					   !strcmp(kind, "tag") ? "#" : "",
					   name ? name : slug),
			      0);
		seo_feeds_add(r, pg, r->prefix, site_name, 1);
	} else {
		seo_feeds_add(r, pg, r->prefix, site_name, 0);
	}
	RENDER_SET_STRREF(pg, "twitter_site", seo_twitter_handle(r, site));
	struct render_val *og = RENDER_ADD_OBJ(pg, "og");
	RENDER_SET_STRREF(og, "type", "website");

	if (!is_home && strcmp(kind, "rubric") && strcmp(kind, "author"))
		return;
	struct buf b;
	buf_init(&b, r->a);
	struct render_json j;
	render_json_init(&j, &b);
	render_json_obj_begin(&j, NULL);
	render_json_str(&j, "@context", "https://schema.org");
	render_json_arr_begin(&j, "@graph");
	const char *home = seo_home(r);
	if (is_home) {
		render_json_obj_begin(&j, NULL);
		render_json_str(&j, "@type", "WebSite");
		render_json_str(&j, "@id", seo_cat(r, home, "#website"));
		render_json_str(&j, "url", home);
		render_json_str(&j, "name", site_name);
		const char *tagline = page_setting(site, "tagline", r->edition);
		if (tagline)
			render_json_str(&j, "description", tagline);
		render_json_str(&j, "inLanguage", r->edition);
		render_json_obj_begin(&j, "publisher");
		render_json_str(&j, "@id", seo_cat(r, home, "#publisher"));
		render_json_obj_end(&j);
		render_json_obj_end(&j);
		seo_json_publisher(r, &j, site, NULL, 1);
	} else {
		const char *url = seo_absolute(r, page_url(r, r->prefix, kind,
							   slug ? slug : ""));
		const char *label = name ? name : slug ? slug : "";
		if (!strcmp(kind, "author")) {
			render_json_obj_begin(&j, NULL);
			render_json_str(&j, "@type", "ProfilePage");
			render_json_str(&j, "url", url);
			render_json_obj_begin(&j, "mainEntity");
			render_json_str(&j, "@type", "Person");
			render_json_str(&j, "name", label);
			render_json_str(&j, "url", url);
			render_json_obj_end(&j);
			render_json_obj_end(&j);
		}
		const char *names[2] = {site_name, label};
		const char *urls[2] = {home, url};
		seo_json_breadcrumbs(&j, names, urls, 2);
	}
	render_json_arr_end(&j);
	render_json_obj_end(&j);
	RENDER_SET_STRREF(pg, "jsonld", b.data);
}
