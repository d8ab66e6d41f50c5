/*
 * multipart.c - a strict multipart/form-data parser for upload bodies
 * (RFC 7578 on RFC 2046 section 5.1). See media.h for the contract.
 *
 * Strict on purpose: the body comes from the network whole (the server
 * caps it at http.max_upload_bytes), so the parser refuses what browsers,
 * curl and fetch's FormData never send instead of guessing: a body that
 * does not start with the first delimiter, a missing close delimiter,
 * bare LF line ends in part headers, header blocks over the limits, too
 * many parts, a part without a form-data name. Content is never copied
 * or decoded (no Content-Transfer-Encoding: RFC 7578 section 4.7): parts
 * point into the body. Not for urlencoded forms (newsroom/form.c).
 */
#include "media/media.h"

#include "util/arena.h"
#include "util/buf.h"

#include <string.h>
#include <strings.h>

#define MP_MAX_BOUNDARY 70 /* RFC 2046: 1 to 70 characters */

/* bchars of RFC 2046 (a space only inside, not last). */
static int mp_bchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || strchr("'()+_,-./:=? ", c) != NULL;
}

/* 1 when s[0..n) is valid UTF-8 without control characters. */
static int mp_text_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		if (c < 0x20 || c == 0x7f)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k;
		unsigned min;
		unsigned cp;
		if ((c & 0xe0) == 0xc0) {
			k = 1, min = 0x80, cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2, min = 0x800, cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3, min = 0x10000, cp = c & 0x07;
		} else {
			return 0;
		}
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* Skip optional whitespace (SP, HTAB). */
static const char *mp_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * The value of parameter `want` in a header value like
 * `form-data; name="a"; filename="b.jpg"` (or `multipart/form-data;
 * boundary=x`): quoted-string (backslash escapes one character) or token.
 * Parameter names compare case-insensitively. 1 and *out (arena) when
 * found, 0 when absent, -1 when the value is malformed.
 */
static int mp_param(struct arena *a, const char *v, size_t vlen,
		    const char *want, char **out)
{
	const char *p = v, *end = v + vlen;
	size_t wl = strlen(want);
	int found = 0;
	/* skip the first item (the disposition or media type) */
	while (p < end && *p != ';') {
		if (*p == '"')
			return -1;
		p++;
	}
	while (p < end) {
		p++; /* ';' */
		p = mp_ows(p, end);
		const char *k = p;
		while (p < end && *p != '=' && *p != ';' && *p != ' ' &&
		       *p != '\t')
			p++;
		size_t kl = (size_t)(p - k);
		p = mp_ows(p, end);
		if (p >= end || *p != '=') {
			if (kl == 0 && p >= end)
				break; /* trailing ';' */
			return -1;
		}
		p = mp_ows(p + 1, end);
		struct buf b;
		buf_init(&b, a);
		if (p < end && *p == '"') {
			p++;
			int closed = 0;
			while (p < end) {
				if (*p == '\\' && p + 1 < end) {
					buf_putc(&b, p[1]);
					p += 2;
				} else if (*p == '"') {
					closed = 1;
					p++;
					break;
				} else {
					buf_putc(&b, *p++);
				}
			}
			if (!closed)
				return -1;
		} else {
			const char *t = p;
			while (p < end && *p != ';' && *p != ' ' && *p != '\t')
				p++;
			if (p == t)
				return -1;
			buf_append(&b, t, (size_t)(p - t));
		}
		p = mp_ows(p, end);
		if (p < end && *p != ';')
			return -1;
		if (kl == wl && !strncasecmp(k, want, wl)) {
			if (found) /* the same parameter twice: ambiguous */
				return -1;
			found = 1;
			*out = b.data;
			if (b.len != strlen(b.data))
				return -1; /* a NUL inside */
		}
	}
	return found;
}

/* Boundary from the request's Content-Type; NULL after setting e. */
static char *mp_boundary(struct arena *a, const char *ct, struct err *e)
{
	static const char mt[] = "multipart/form-data";
	if (!ct || strncasecmp(ct, mt, sizeof mt - 1) ||
	    (ct[sizeof mt - 1] != ';' && ct[sizeof mt - 1] != ' ' &&
	     ct[sizeof mt - 1] != '\t' && ct[sizeof mt - 1] != '\0')) {
		err_set(e, ERR_INVALID,
			"multipart: content type is not "
			"multipart/form-data");
		return NULL;
	}
	char *b = NULL;
	int rc = mp_param(a, ct, strlen(ct), "boundary", &b);
	if (rc <= 0) {
		err_set(e, ERR_INVALID, "multipart: %s boundary",
			rc < 0 ? "malformed" : "no");
		return NULL;
	}
	size_t n = strlen(b);
	if (n == 0 || n > MP_MAX_BOUNDARY || b[n - 1] == ' ') {
		err_set(e, ERR_INVALID, "multipart: boundary of %zu characters",
			n);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (!mp_bchar(b[i])) {
			err_set(e, ERR_INVALID,
				"multipart: bad character in boundary");
			return NULL;
		}
	return b;
}

/* Parse the header block hdr[0..n) (each line ends in CRLF, the block
 * without the empty line) into part p. */
static int mp_headers(struct arena *a, const char *hdr, size_t n,
		      struct media_part *p, struct err *e)
{
	const char *s = hdr, *end = hdr + n;
	int lines = 0, disposition = 0;
	while (s < end) {
		const char *eol = memchr(s, '\r', (size_t)(end - s));
		if (!eol || eol + 1 >= end || eol[1] != '\n')
			return err_set(e, ERR_INVALID,
				       "multipart: header line without CRLF");
		if (++lines > MEDIA_MP_MAX_HEADERS)
			return err_set(e, ERR_INVALID,
				       "multipart: more than %d header lines "
				       "in a part",
				       MEDIA_MP_MAX_HEADERS);
		for (const char *q = s; q < eol; q++)
			if ((unsigned char)*q < 0x20 && *q != '\t')
				return err_set(e, ERR_INVALID,
					       "multipart: control character "
					       "in a part header");
		if (*s == ' ' || *s == '\t') /* obsolete line folding */
			return err_set(e, ERR_INVALID,
				       "multipart: folded part header");
		const char *colon = memchr(s, ':', (size_t)(eol - s));
		if (!colon || colon == s)
			return err_set(e, ERR_INVALID,
				       "multipart: part header without a name");
		size_t kl = (size_t)(colon - s);
		const char *v = mp_ows(colon + 1, eol);
		const char *ve = eol;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (kl == 19 && !strncasecmp(s, "Content-Disposition", 19)) {
			if (disposition++)
				return err_set(e, ERR_INVALID,
					       "multipart: two "
					       "Content-Disposition headers");
			size_t vl = (size_t)(ve - v);
			if (vl < 9 || strncasecmp(v, "form-data", 9) ||
			    (vl > 9 && v[9] != ';' && v[9] != ' ' &&
			     v[9] != '\t'))
				return err_set(e, ERR_INVALID,
					       "multipart: part is not "
					       "form-data");
			char *name = NULL, *fname = NULL;
			int rn = mp_param(a, v, vl, "name", &name);
			int rf = mp_param(a, v, vl, "filename", &fname);
			if (rn < 0 || rf < 0)
				return err_set(e, ERR_INVALID,
					       "multipart: malformed "
					       "Content-Disposition");
			if (rn == 0 || !*name)
				return err_set(
					e, ERR_INVALID,
					"multipart: part without a name");
			if (strlen(name) > MEDIA_MP_MAX_NAME ||
			    (fname && strlen(fname) > 4 * MEDIA_MP_MAX_NAME))
				return err_set(e, ERR_INVALID,
					       "multipart: name too long");
			if (!mp_text_ok((const unsigned char *)name,
					strlen(name)) ||
			    (fname && !mp_text_ok((const unsigned char *)fname,
						  strlen(fname))))
				return err_set(e, ERR_INVALID,
					       "multipart: name is not "
					       "valid text");
			p->name = name;
			p->filename = fname;
		} else if (kl == 12 && !strncasecmp(s, "Content-Type", 12)) {
			p->content_type = arena_strndup(a, v, (size_t)(ve - v));
		}
		/* other headers (Content-Transfer-Encoding...) are ignored */
		s = eol + 2;
	}
	if (!disposition)
		return err_set(e, ERR_INVALID,
			       "multipart: part without Content-Disposition");
	return 0;
}

int media_multipart_parse(struct arena *a, const char *content_type,
			  const void *body, size_t len,
			  struct media_part **parts, size_t *n, struct err *e)
{
	*parts = NULL;
	*n = 0;
	char *boundary = mp_boundary(a, content_type, e);
	if (!boundary)
		return ERR_INVALID;
	/* delim = CRLF "--" boundary; the body starts with it minus CRLF */
	size_t bl = strlen(boundary);
	char *delim = arena_printf(a, "\r\n--%s", boundary);
	size_t dl = bl + 4;
	const char *s = body, *end = (const char *)body + len;
	if (!s || len < dl - 2 || memcmp(s, delim + 2, dl - 2))
		return err_set(e, ERR_INVALID,
			       "multipart: body does not start with the "
			       "boundary");
	const char *p = s + dl - 2; /* after the first "--boundary" */
	struct media_part *out =
		arena_alloc(a, MEDIA_MP_MAX_PARTS * sizeof *out);
	size_t count = 0;
	for (;;) {
		/* after a delimiter: "--" closes, CRLF opens a part */
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			break;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return err_set(e, ERR_INVALID,
				       "multipart: missing close delimiter");
		p += 2;
		if (count == MEDIA_MP_MAX_PARTS)
			return err_set(e, ERR_INVALID,
				       "multipart: more than %d parts",
				       MEDIA_MP_MAX_PARTS);
		/* header block ends with an empty line */
		size_t room = (size_t)(end - p);
		size_t look = room < MEDIA_MP_MAX_HEADER + 4 ?
				      room :
				      MEDIA_MP_MAX_HEADER + 4;
		const char *hend;
		if (look >= 2 && p[0] == '\r' && p[1] == '\n')
			hend = p; /* no header at all */
		else
			hend = memmem(p, look, "\r\n\r\n", 4);
		if (!hend) {
			if (room > MEDIA_MP_MAX_HEADER)
				return err_set(e, ERR_INVALID,
					       "multipart: part header over "
					       "%d bytes",
					       MEDIA_MP_MAX_HEADER);
			return err_set(e, ERR_INVALID,
				       "multipart: part header not ended");
		}
		size_t hl = hend == p ? 0 : (size_t)(hend - p) + 2;
		if (hl > MEDIA_MP_MAX_HEADER)
			return err_set(e, ERR_INVALID,
				       "multipart: part header over %d bytes",
				       MEDIA_MP_MAX_HEADER);
		struct media_part *pt = &out[count];
		memset(pt, 0, sizeof *pt);
		int rc = mp_headers(a, p, hl, pt, e);
		if (rc)
			return rc;
		const char *content = hend + (hend == p ? 2 : 4);
		const char *next =
			memmem(content, (size_t)(end - content), delim, dl);
		if (!next)
			return err_set(e, ERR_INVALID,
				       "multipart: missing close delimiter");
		pt->data = (const unsigned char *)content;
		pt->len = (size_t)(next - content);
		count++;
		p = next + dl;
		/* transport padding (RFC 2046: LWSP after a boundary) is
		 * never sent by browsers: not accepted */
	}
	*parts = out;
	*n = count;
	return 0;
}

const struct media_part *media_part_get(const struct media_part *parts,
					size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (parts[i].name && !strcmp(parts[i].name, name))
			return &parts[i];
	return NULL;
}
