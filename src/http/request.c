/*
 * request.c - parsing the request target and building replies.
 *
 * Everything here is independent of libmicrohttpd: the server hands over
 * the raw request target and takes back status, headers and body. The
 * URL decoder is strict on purpose: a bad escape, a NUL byte or invalid
 * UTF-8 is a 400, never something passed on to handlers or the store.
 */
#include "http/http.h"
#include "render/escape.h"
#include "util/arena.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int http_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode s[0..n) into arena memory. plus_space: '+' means ' ' (query).
 * Returns NULL on a bad escape, NUL or invalid UTF-8. */
static char *http_decode(struct arena *a, const char *s, size_t n,
			 int plus_space)
{
	char *d = arena_alloc(a, n + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return NULL;
			int hi = http_hexval(s[i + 1]), lo = http_hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (c == '\0')
			return NULL;
		d[j++] = c;
	}
	d[j] = '\0';
	return render_utf8_valid(d, j) ? d : NULL;
}

int http_req_parse_uri(struct http_req *r, struct err *e)
{
	const char *uri = r->uri;
	if (uri[0] != '/')
		return err_set(e, ERR_INVALID, "request target must start with /");
	const char *q = strchr(uri, '?');
	size_t plen = q ? (size_t)(q - uri) : strlen(uri);
	const char *hash = memchr(uri, '#', plen);
	if (hash)
		plen = (size_t)(hash - uri);
	char *path = http_decode(r->a, uri, plen, 0);
	if (!path)
		return err_set(e, ERR_INVALID, "bad encoding in path");
	r->path = path;
	r->n_query = 0;
	if (!q)
		return 0;
	const char *p = q + 1;
	while (*p && *p != '#') {
		size_t len = strcspn(p, "&#");
		if (len > 0) {
			if (r->n_query == HTTP_MAX_QUERY)
				return err_set(e, ERR_INVALID,
					       "more than %d query parameters",
					       HTTP_MAX_QUERY);
			const char *eq = memchr(p, '=', len);
			size_t klen = eq ? (size_t)(eq - p) : len;
			char *k = http_decode(r->a, p, klen, 1);
			char *v = eq ? http_decode(r->a, eq + 1, len - klen - 1, 1)
				     : arena_strdup(r->a, "");
			if (!k || !v)
				return err_set(e, ERR_INVALID,
					       "bad encoding in query parameter");
			r->query[r->n_query].key = k;
			r->query[r->n_query].value = v;
			r->n_query++;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return 0;
}

const char *http_query_get(const struct http_req *r, const char *key)
{
	for (size_t i = 0; i < r->n_query; i++)
		if (!strcmp(r->query[i].key, key))
			return r->query[i].value;
	return NULL;
}

const char *http_param_get(const struct http_req *r, const char *name)
{
	for (size_t i = 0; i < r->n_params; i++)
		if (!strcmp(r->params[i].key, name))
			return r->params[i].value;
	return NULL;
}

int http_parse_id(const char *s, int64_t *out)
{
	if (!s || !*s || strlen(s) > 18)
		return ERR_INVALID;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return ERR_INVALID;
		v = v * 10 + (*p - '0');
	}
	if (v <= 0)
		return ERR_INVALID;
	*out = v;
	return 0;
}

void http_header_add(struct http_req *r, const char *name, const char *value)
{
	if (r->n_headers == HTTP_MAX_HEADERS) {
		log_warn("req %s: header %s dropped: too many headers", r->id,
			 name);
		return;
	}
	r->headers[r->n_headers].key = arena_strdup(r->a, name);
	r->headers[r->n_headers].value = arena_strdup(r->a, value);
	r->n_headers++;
}

void http_reply_buf(struct http_req *r, int status, const char *content_type)
{
	r->status = status;
	r->content_type = content_type;
	r->fixed = NULL;
}

void http_reply_fixed(struct http_req *r, int status, const char *content_type,
		      const void *data, size_t len)
{
	r->status = status;
	r->content_type = content_type;
	r->fixed = data;
	r->fixed_len = len;
}

void http_reply_text(struct http_req *r, int status, const char *text)
{
	buf_clear(&r->out);
	buf_puts(&r->out, text);
	http_reply_buf(r, status, "text/plain; charset=utf-8");
}

static const char *http_status_text(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 410: return "Gone";
	case 413: return "Content Too Large";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	}
	return "Error";
}

void http_reply_error(struct http_req *r, int status, const char *message)
{
	buf_clear(&r->out);
	if (r->path && !strncmp(r->path, "/api/", 5)) {
		buf_printf(&r->out, "{\"error\":{\"status\":%d,\"message\":\"",
			   status);
		render_escape_json(&r->out, message, strlen(message));
		buf_puts(&r->out, "\"}}\n");
		http_reply_buf(r, status, "application/json; charset=utf-8");
		return;
	}
	buf_printf(&r->out,
		   "<!doctype html>\n<html lang=\"en\"><head><meta "
		   "charset=\"utf-8\"><title>%d %s</title></head>\n<body><h1>"
		   "%d %s</h1>\n<p>",
		   status, http_status_text(status), status,
		   http_status_text(status));
	render_escape_html(&r->out, message, strlen(message));
	buf_puts(&r->out, "</p></body></html>\n");
	http_reply_buf(r, status, "text/html; charset=utf-8");
}

void http_reply_redirect(struct http_req *r, int status, const char *location)
{
	http_header_add(r, "Location", location);
	http_reply_text(r, status, location);
}

void http_date_format(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

int64_t http_date_parse(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return -1;
	return (int64_t)timegm(&tm);
}

/* 1 when the If-None-Match list holds etag (weak comparison, RFC 9110). */
static int http_etag_match(const char *list, const char *etag)
{
	if (!strcmp(list, "*"))
		return 1;
	const char *tag = etag[0] == 'W' ? etag + 2 : etag;
	size_t tlen = strlen(tag);
	for (const char *p = list; *p;) {
		p += strspn(p, " \t,");
		if (!strncmp(p, "W/", 2))
			p += 2;
		size_t n = strcspn(p, ",");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == tlen && !memcmp(p, tag, n))
			return 1;
		p += strcspn(p, ",");
	}
	return 0;
}

int http_conditional(struct http_req *r, const char *etag, int64_t mtime)
{
	const char *inm = http_header_get(r, "If-None-Match");
	const char *ims = http_header_get(r, "If-Modified-Since");
	int not_modified = 0;
	if (inm && etag)
		not_modified = http_etag_match(inm, etag);
	else if (ims && mtime > 0) {
		int64_t t = http_date_parse(ims);
		not_modified = t >= 0 && mtime <= t;
	}
	if (etag)
		http_header_add(r, "ETag", etag);
	if (mtime > 0) {
		char date[32];
		http_date_format(date, mtime);
		http_header_add(r, "Last-Modified", date);
	}
	if (not_modified) {
		buf_clear(&r->out);
		http_reply_buf(r, 304, NULL);
	}
	return not_modified;
}

int http_not_modified_since(struct http_req *r)
{
	if (r->status != 200 || !r->method ||
	    (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) ||
	    http_header_get(r, "If-None-Match"))
		return 0;
	const char *ims = http_header_get(r, "If-Modified-Since");
	if (!ims)
		return 0;
	int64_t since = http_date_parse(ims), mtime = -1;
	for (size_t i = 0; i < r->n_headers; i++)
		if (!strcasecmp(r->headers[i].key, "Last-Modified"))
			mtime = http_date_parse(r->headers[i].value);
	if (since < 0 || mtime < 0 || mtime > since)
		return 0;
	buf_clear(&r->out);
	r->fixed = NULL;
	r->fixed_len = 0;
	r->status = 304;
	return 1;
}

int http_accepts_encoding(const struct http_req *r, const char *coding)
{
	const char *ae = http_header_get(r, "Accept-Encoding");
	if (!ae)
		return 0;
	size_t clen = strlen(coding);
	const char *p = ae;
	while (*p) {
		size_t item = strcspn(p, ",");
		const char *tok = p + strspn(p, " \t");
		size_t tlen = strcspn(tok, ";, \t");
		int match = (tlen == clen && !strncasecmp(tok, coding, clen)) ||
			    (tlen == 1 && *tok == '*');
		if (match) {
			/* "q=0" (or 0.0, 0.00...) means not acceptable */
			const char *semi = memchr(p, ';', item);
			const char *qs = semi ? strstr(semi, "q=") : NULL;
			if (qs && qs < p + item) {
				const char *v = qs + 2;
				size_t vlen = strcspn(v, ", \t");
				int zero = v[0] == '0' &&
					   strspn(v + 1, ".0") == vlen - 1;
				return !zero;
			}
			return 1;
		}
		p += item;
		if (*p == ',')
			p++;
	}
	return 0;
}
