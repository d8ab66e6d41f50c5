/*
 * static.c - the theme's static files, served from memory.
 *
 * At start-up every file under theme/static of the embedded theme is put
 * in a table; a file of the same name under <theme_dir>/static replaces it
 * (and new files there are added). Each entry carries its content hash
 * (the ETag), a fingerprinted name ("site.3f9a1c2e.css") that may be
 * cached for a year, and a gzip copy for text types. Requests only ever
 * look names up in this table, so no request can reach a file outside the
 * theme. Not for media uploads (media/) or pages.
 */
#include "app.h"
#include "http/http.h"
#include "util/embed.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define STATIC_MAX_FILE (8 * 1024 * 1024) /* larger theme files refused */

struct http_static_file {
	char *name;        /* "site.css", relative to static/ */
	char *fp_name;     /* "site.3f9a1c2e.css" */
	char *url;         /* "/static/site.3f9a1c2e.css" */
	const unsigned char *data; /* bytes (embedded or owned) */
	size_t len;
	unsigned char *owned;      /* data when read from theme_dir, else NULL */
	unsigned char *gz;         /* gzip copy or NULL */
	size_t gz_len;
	char etag[24];             /* "\"<16 hex>\"" */
	char etag_gz[28];          /* "\"<16 hex>.gz\"" */
	const char *type;          /* Content-Type */
	long long mtime;
};

struct http_static {
	struct http_static_file *files; /* xmalloc'd array */
	size_t n, cap;
};

static const struct {
	const char *ext;
	const char *type;
	int text; /* worth compressing */
} static_types[] = {
	{".css", "text/css; charset=utf-8", 1},
	{".js", "text/javascript; charset=utf-8", 1},
	{".svg", "image/svg+xml", 1},
	{".json", "application/json", 1},
	{".webmanifest", "application/manifest+json", 1},
	{".txt", "text/plain; charset=utf-8", 1},
	{".xml", "application/xml", 1},
	{".html", "text/html; charset=utf-8", 1},
	{".png", "image/png", 0},
	{".jpg", "image/jpeg", 0},
	{".jpeg", "image/jpeg", 0},
	{".webp", "image/webp", 0},
	{".gif", "image/gif", 0},
	{".ico", "image/x-icon", 0},
	{".woff2", "font/woff2", 0},
};

static int static_type(const char *name, const char **type)
{
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof static_types / sizeof static_types[0];
	     i++)
		if (!strcmp(dot, static_types[i].ext)) {
			*type = static_types[i].type;
			return static_types[i].text;
		}
	*type = "application/octet-stream";
	return 0;
}

/* gzip (RFC 1952) of data; NULL when it does not get smaller. */
static unsigned char *static_gzip(const unsigned char *data, size_t len,
				  size_t *out_len)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return NULL;
	size_t cap = deflateBound(&z, len) + 32;
	unsigned char *out = xmalloc(cap);
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (rc != Z_STREAM_END || z.total_out >= len) {
		free(out);
		return NULL;
	}
	*out_len = z.total_out;
	return out;
}

static struct http_static_file *static_find(const struct http_static *st,
					    const char *name, int *fingerprinted)
{
	for (size_t i = 0; i < st->n; i++) {
		if (!strcmp(st->files[i].name, name)) {
			*fingerprinted = 0;
			return &st->files[i];
		}
		if (!strcmp(st->files[i].fp_name, name)) {
			*fingerprinted = 1;
			return &st->files[i];
		}
	}
	return NULL;
}

/* Add or replace `name`. Takes ownership of `owned` when not NULL. */
static void static_put(struct http_static *st, const char *name,
		       const unsigned char *data, size_t len,
		       unsigned char *owned, long long mtime)
{
	int fp;
	struct http_static_file *f = static_find(st, name, &fp);
	if (f && !fp) {
		free(f->name);
		free(f->fp_name);
		free(f->url);
		free(f->owned);
		free(f->gz);
	} else {
		if (st->n == st->cap) {
			st->cap = st->cap ? st->cap * 2 : 16;
			st->files = xrealloc(st->files, st->cap * sizeof *st->files);
		}
		f = &st->files[st->n++];
	}
	memset(f, 0, sizeof *f);
	f->name = xstrdup(name);
	f->data = data;
	f->len = len;
	f->owned = owned;
	f->mtime = mtime;

	unsigned char h[8];
	crypto_generichash(h, sizeof h, data, len, NULL, 0);
	char hex[17];
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(f->etag, sizeof f->etag, "\"%s\"", hex);
	snprintf(f->etag_gz, sizeof f->etag_gz, "\"%s.gz\"", hex);

	/* site.css -> site.<8 hex>.css; a name without extension gets the
	 * hash appended */
	const char *dot = strrchr(name, '.');
	const char *slash = strrchr(name, '/');
	if (dot && slash && dot < slash)
		dot = NULL;
	size_t base = dot ? (size_t)(dot - name) : strlen(name);
	size_t n = strlen(name) + 10;
	f->fp_name = xmalloc(n);
	snprintf(f->fp_name, n, "%.*s.%.8s%s", (int)base, name, hex,
		 dot ? dot : "");
	n = strlen(f->fp_name) + 9;
	f->url = xmalloc(n);
	snprintf(f->url, n, "/static/%s", f->fp_name);
	if (static_type(name, &f->type))
		f->gz = static_gzip(data, len, &f->gz_len);
}

struct static_embed_ctx {
	struct http_static *st;
};

static void static_add_embedded(const struct embed_file *ef, void *ctx)
{
	struct static_embed_ctx *c = ctx;
	static_put(c->st, ef->path + strlen("theme/static/"), ef->data, ef->len,
		   NULL, ef->mtime);
}

/* Read files under dir/rel recursively; symlinks and anything that
 * resolves outside root are skipped. */
static int static_scan(struct http_static *st, const char *root,
		       const char *rel, struct err *e)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s%s%s", root, rel[0] ? "/" : "", rel);
	DIR *d = opendir(path);
	if (!d) {
		if (errno == ENOENT && !rel[0])
			return 0;
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	}
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue; /* also hides "." and ".." */
		char sub[PATH_MAX], full[PATH_MAX + 256];
		int ls = snprintf(sub, sizeof sub, "%s%s%s", rel,
				  rel[0] ? "/" : "", de->d_name);
		int lf = snprintf(full, sizeof full, "%s/%s", root, sub);
		if (ls < 0 || (size_t)ls >= sizeof sub || lf < 0 ||
		    (size_t)lf >= sizeof full)
			continue; /* path too long to be a theme file */
		struct stat sb;
		if (lstat(full, &sb) != 0 || S_ISLNK(sb.st_mode))
			continue;
		if (S_ISDIR(sb.st_mode)) {
			rc = static_scan(st, root, sub, e);
			continue;
		}
		if (!S_ISREG(sb.st_mode))
			continue;
		if (sb.st_size > STATIC_MAX_FILE) {
			log_warn("theme: %s skipped: larger than %d bytes", full,
				 STATIC_MAX_FILE);
			continue;
		}
		FILE *f = fopen(full, "rb");
		if (!f) {
			rc = err_set(e, ERR_IO, "%s: %s", full, strerror(errno));
			break;
		}
		unsigned char *data = xmalloc((size_t)sb.st_size + 1);
		size_t got = fread(data, 1, (size_t)sb.st_size, f);
		fclose(f);
		data[got] = '\0';
		static_put(st, sub, data, got, data, (long long)sb.st_mtime);
	}
	closedir(d);
	return rc;
}

int http_static_load(const char *theme_dir, struct http_static **out,
		     struct err *e)
{
	struct http_static *st = xcalloc(1, sizeof *st);
	struct static_embed_ctx ctx = {st};
	embed_each("theme/static/", static_add_embedded, &ctx);
	if (theme_dir && theme_dir[0]) {
		char root[PATH_MAX];
		snprintf(root, sizeof root, "%s/static", theme_dir);
		int rc = static_scan(st, root, "", e);
		if (rc) {
			http_static_free(st);
			return rc;
		}
	}
	*out = st;
	return 0;
}

void http_static_free(struct http_static *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++) {
		free(st->files[i].name);
		free(st->files[i].fp_name);
		free(st->files[i].url);
		free(st->files[i].owned);
		free(st->files[i].gz);
	}
	free(st->files);
	free(st);
}

const char *http_static_url(const struct http_static *st, const char *name)
{
	int fp;
	const struct http_static_file *f = static_find(st, name, &fp);
	return f && !fp ? f->url : NULL;
}

int page_static(struct http_req *r)
{
	const char *name = http_param_get(r, "*");
	int fp = 0;
	const struct http_static_file *f =
		name && *name ? static_find(app->statics, name, &fp) : NULL;
	if (!f) {
		http_reply_error(r, 404, "no such file");
		return 0;
	}
	http_header_add(r, "Cache-Control",
			fp ? "public, max-age=31536000, immutable"
			   : "public, max-age=300");
	int gz = f->gz && http_accepts_encoding(r, "gzip");
	if (f->gz)
		http_header_add(r, "Vary", "Accept-Encoding");
	if (http_conditional(r, gz ? f->etag_gz : f->etag, f->mtime))
		return 0;
	if (gz) {
		http_header_add(r, "Content-Encoding", "gzip");
		http_reply_fixed(r, 200, f->type, f->gz, f->gz_len);
	} else {
		http_reply_fixed(r, 200, f->type, f->data, f->len);
	}
	return 0;
}
