/*
 * form.c - newsroom form bodies (application/x-www-form-urlencoded) and
 * the checks of paths typed into newsroom forms. See newsroom.h.
 *
 * The decoder is as strict as the one for request targets (http/
 * request.c): a bad escape, a NUL byte or invalid UTF-8 refuses the whole
 * body, so handlers and the store only ever see clean UTF-8. Not for
 * multipart bodies (media uploads send their CSRF token in a header).
 */
#include "newsroom/newsroom.h"

#include "http/http.h"
#include "render/escape.h"
#include "util/arena.h"

#include <string.h>

static int form_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode s[0..n) into arena memory; NULL when malformed. */
static char *form_decode(struct arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return NULL;
			int hi = form_hex(s[i + 1]), lo = form_hex(s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c == '\0')
			return NULL;
		d[j++] = c;
	}
	d[j] = '\0';
	return render_utf8_valid(d, j) ? d : NULL;
}

int newsroom_form_parse(struct arena *a, const char *body, size_t len,
			struct newsroom_form *f, struct err *e)
{
	f->kv = NULL;
	f->n = 0;
	size_t fields = 0;
	for (size_t i = 0; i < len; i++)
		fields += body[i] == '&';
	if (fields + 1 > NEWSROOM_FORM_MAX)
		return err_set(e, ERR_INVALID, "form: more than %d fields",
			       NEWSROOM_FORM_MAX);
	struct http_kv *kv = arena_alloc(a, (fields + 1) * sizeof *kv);
	size_t n = 0;
	const char *p = body, *end = body + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		size_t flen = amp ? (size_t)(amp - p) : (size_t)(end - p);
		if (flen > 0) {
			const char *eq = memchr(p, '=', flen);
			size_t klen = eq ? (size_t)(eq - p) : flen;
			char *k = form_decode(a, p, klen);
			char *v = eq ? form_decode(a, eq + 1, flen - klen - 1) :
				       arena_strdup(a, "");
			if (!k || !v)
				return err_set(
					e, ERR_INVALID,
					"form: bad encoding in field %zu",
					n + 1);
			kv[n].key = k;
			kv[n].value = v;
			n++;
		}
		p += flen + (amp ? 1 : 0);
	}
	f->kv = kv;
	f->n = n;
	return 0;
}

const char *newsroom_form_get(const struct newsroom_form *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->kv[i].key, key))
			return f->kv[i].value;
	return NULL;
}

int newsroom_next_valid(const char *next)
{
	if (!next || strncmp(next, "/newsroom", 9))
		return 0;
	if (next[9] != '\0' && next[9] != '/' && next[9] != '?')
		return 0;
	if (strstr(next, "//") || strlen(next) > 1024)
		return 0;
	for (const unsigned char *p = (const unsigned char *)next; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return 0;
	return 1;
}

/* 1 when s has no spaces, backslashes or control characters. */
static int path_chars_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '\\')
			return 0;
	return 1;
}

static int under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) &&
	       (path[n] == '\0' || path[n] == '/' || path[n] == '?');
}

int newsroom_redirect_check(const char *from, const char *to, struct err *e)
{
	if (!from || !*from)
		return err_set(e, ERR_INVALID, "from: empty");
	if (strlen(from) > 1024)
		return err_set(e, ERR_INVALID, "from: longer than 1024 bytes");
	if (from[0] != '/' || from[1] == '/')
		return err_set(e, ERR_INVALID,
			       "from: must be a path starting with one /");
	if (strpbrk(from, "?#") || !path_chars_ok(from))
		return err_set(e, ERR_INVALID,
			       "from: no spaces, ?, # or \\ allowed");
	if (strstr(from, "//") || strstr(from, "/../") || strstr(from, "/./"))
		return err_set(e, ERR_INVALID, "from: not a clean path");
	if (under(from, "/newsroom") || under(from, "/api") ||
	    under(from, "/static") || !strcmp(from, "/healthz"))
		return err_set(e, ERR_INVALID,
			       "from: /newsroom, /api and /static cannot be "
			       "redirected");
	if (!to || !*to)
		return err_set(e, ERR_INVALID, "to: empty");
	if (strlen(to) > 1024)
		return err_set(e, ERR_INVALID, "to: longer than 1024 bytes");
	if (!path_chars_ok(to))
		return err_set(e, ERR_INVALID, "to: no spaces or \\ allowed");
	if (!strncmp(to, "https://", 8) || !strncmp(to, "http://", 7)) {
		const char *host = strstr(to, "//") + 2;
		if (!*host || *host == '/' || *host == '?' || *host == '#')
			return err_set(e, ERR_INVALID,
				       "to: URL without a host");
	} else if (to[0] != '/' || to[1] == '/') {
		return err_set(e, ERR_INVALID,
			       "to: must be a path starting with one / or an "
			       "http(s) URL");
	}
	if (!strcmp(from, to))
		return err_set(e, ERR_INVALID, "to: same as from");
	return 0;
}
