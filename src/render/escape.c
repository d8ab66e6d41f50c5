/*
 * escape.c - context escapers. See escape.h.
 */
#include "render/escape.h"
#include "render/internal.h"
#include "util/buf.h"

#include <stdint.h>
#include <string.h>

static const char render_replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

size_t render_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED) /* no UTF-16 surrogates */
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

int render_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t l = render_utf8_len(p + i, n - i);
		if (!l)
			return 0;
		i += l;
	}
	return 1;
}

/* Per byte, for render_escape_xml: 0 = copied as it is (printable ASCII
 * but & < > " ', and tab, newline, carriage return); 1 = an entity;
 * 2 = may start a UTF-8 sequence; 3 = a control XML forbids: dropped. */
/* clang-format off */
static const unsigned char xml_class[256] = {
	3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 3, 3, 0, 3, 3, /* 00 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 10 */
	0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, /* 20 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, /* 30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 50 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 70 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 80 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 90 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* a0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* b0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* c0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* d0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* e0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* f0 */
};
/* clang-format on */

/* Nonzero when a byte of w is below c (c <= 128; exact about whether,
 * not about which: the classic bit trick). */
static inline uint64_t swar_below(uint64_t w, unsigned char c)
{
	return (w - 0x0101010101010101ull * c) & ~w & 0x8080808080808080ull;
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* Bit i set when byte i of v is c. (x86-64 always has SSE2; elsewhere
 * the escapers test 8 bytes at a time in a uint64_t.) */
static inline unsigned sse_eq(__m128i v, char c)
{
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

/* Bit i set when byte i of v is below lo or at or above 0x80 (a signed
 * compare: those are negative). */
static inline unsigned sse_below(__m128i v, char lo)
{
	return (unsigned)_mm_movemask_epi8(
		_mm_cmplt_epi8(v, _mm_set1_epi8(lo)));
}

/* Offset of the first of the 16 bytes at p that the HTML or XML escaper
 * does not copy as plain ASCII (& < > " ', a byte below lo: NUL for
 * HTML, every control for XML, or >= 0x80), or 16. */
static inline size_t markup_scan16(const unsigned char *p, char lo)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	unsigned m = sse_below(v, lo) | sse_eq(v, '&') | sse_eq(v, '<') |
		     sse_eq(v, '>') | sse_eq(v, '"') | sse_eq(v, '\'');
	return m ? (size_t)__builtin_ctz(m) : 16;
}

/* The same for render_escape_json: controls, DEL, '"', '\\', '<' and
 * >= 0x80. */
static inline size_t json_scan16(const unsigned char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	unsigned m = sse_below(v, 0x20) | sse_eq(v, 0x7f) | sse_eq(v, '"') |
		     sse_eq(v, '\\') | sse_eq(v, '<');
	return m ? (size_t)__builtin_ctz(m) : 16;
}
#endif

/* 1 when the 8 bytes at p are plain ASCII for the HTML or XML escaper:
 * none of & < > " ', none below lo (see markup_scan16). */
static inline int markup_plain8(const unsigned char *p, unsigned char lo)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t w;
	memcpy(&w, p, 8);
	if (w & 0x8080808080808080ull)
		return 0;
	return !(swar_below(w, lo) | swar_below(w ^ (ones * '&'), 1) |
		 swar_below(w ^ (ones * '<'), 1) |
		 swar_below(w ^ (ones * '>'), 1) |
		 swar_below(w ^ (ones * '"'), 1) |
		 swar_below(w ^ (ones * '\''), 1));
}

/* First byte at or after i that the HTML (lo 1) or XML (lo 0x20)
 * escaper must look at, or n: plain bytes are skipped 16 (SSE2) or 8 at
 * a time. lo is a constant at each call: the compiler makes one loop
 * per escaper. */
static inline size_t markup_skip(const unsigned char *p, size_t i, size_t n,
				 unsigned char lo)
{
#if defined(__SSE2__)
	while (i + 16 <= n) {
		size_t k = markup_scan16(p + i, (char)lo);
		i += k;
		if (k < 16)
			return i;
	}
#endif
	while (i + 8 <= n && markup_plain8(p + i, lo))
		i += 8;
	return i;
}

/* Per byte, for render_escape_html: 1 = copied as it is (ASCII but NUL
 * & " ' < >); 2 = may start a UTF-8 sequence; 0 = an entity, or U+FFFD
 * for NUL. */
/* clang-format off */
static const unsigned char html_class[256] = {
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 10 */
	1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, /* 20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, /* 30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 50 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 70 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 80 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 90 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* a0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* b0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* c0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* d0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* e0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* f0 */
};
/* clang-format on */

/* Append the entity of c when it is one of & < > " ' and return 1, else
 * 0. apos: the apostrophe's entity, "&#39;" (HTML) or "&apos;" (XML). */
static inline int markup_entity_put(struct buf *b, unsigned char c,
				    const char *apos, size_t apos_len)
{
	switch (c) {
	case '&':
		render_buf_append(b, "&amp;", 5);
		return 1;
	case '<':
		render_buf_append(b, "&lt;", 4);
		return 1;
	case '>':
		render_buf_append(b, "&gt;", 4);
		return 1;
	case '"':
		render_buf_append(b, "&quot;", 6);
		return 1;
	case '\'':
		render_buf_append(b, apos, apos_len);
		return 1;
	default:
		return 0;
	}
}

void render_escape_html(struct buf *b, const char *s, size_t n)
{
	/* Runs that need no change go in one append, eight plain ASCII
	 * bytes tested at a time: escaping was a large part of rendering a
	 * page (templates escape every value). */
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	while (i < n) {
		i = markup_skip(p, i, n, 1);
		/* fewer than 8 bytes left, or plain bytes after a special
		 * one: up to 8 a byte at a time, without going back to the
		 * block tests for each */
		size_t stop = n - i > 8 ? i + 8 : n;
		while (i < stop && html_class[p[i]] == 1)
			i++;
		if (i >= n)
			break;
		unsigned char k = html_class[p[i]];
		if (k == 1)
			continue;
		size_t l = k == 2 ? render_utf8_len(p + i, n - i) : 0;
		if (l) {
			i += l;
			continue;
		}
		render_buf_append(b, p + run, i - run);
		/* else NUL, or a byte that starts no valid UTF-8 */
		if (!markup_entity_put(b, p[i], "&#39;", 5))
			render_buf_append(b, render_replacement, 3);
		run = ++i;
	}
	render_buf_append(b, p + run, n - run);
}

void render_escape_xml(struct buf *b, const char *s, size_t n)
{
	/* Runs that need no change go in one append: feeds carry whole
	 * article texts, and a byte at a time was most of a feed's CPU. */
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	while (i < n) {
		i = markup_skip(p, i, n, 0x20);
		if (i >= n)
			break;
		unsigned char k = xml_class[p[i]];
		if (k == 0) {
			i++;
			continue;
		}
		size_t l = k == 2 ? render_utf8_len(p + i, n - i) : 0;
		if (l) {
			i += l;
			continue;
		}
		render_buf_append(b, p + run, i - run);
		/* else a control XML 1.0 does not allow (dropped), or a byte
		 * that starts no valid UTF-8 */
		if (!markup_entity_put(b, p[i], "&apos;", 6) && k == 2)
			render_buf_append(b, render_replacement, 3);
		run = ++i;
	}
	render_buf_append(b, p + run, n - run);
}

/* 1 when the 8 bytes at p are printable ASCII that JSON strings take as
 * they are: no control, DEL, '"', '\\' or '<'. */
static inline int json_plain8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t w;
	memcpy(&w, p, 8);
	if (w & 0x8080808080808080ull)
		return 0;
	return !(swar_below(w, 0x20) | swar_below(w ^ (ones * '"'), 1) |
		 swar_below(w ^ (ones * '\\'), 1) |
		 swar_below(w ^ (ones * '<'), 1) |
		 swar_below(w ^ (ones * 0x7f), 1));
}

/* First byte at or after i that render_escape_json must look at, or n:
 * plain bytes are skipped 16 (SSE2) or 8 at a time. */
/* 1 when JSON strings take byte c as it is and it is ASCII. */
static inline int json_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<';
}

static inline size_t json_skip(const unsigned char *p, size_t i, size_t n)
{
#if defined(__SSE2__)
	while (i + 16 <= n) {
		size_t k = json_scan16(p + i);
		i += k;
		if (k < 16)
			return i;
	}
#endif
	while (i + 8 <= n && json_plain8(p + i))
		i += 8;
	return i;
}

void render_escape_json(struct buf *b, const char *s, size_t n)
{
	/* Runs that need no change go in one append, eight plain ASCII
	 * bytes tested at a time (JSON-LD and the JSON API carry whole
	 * article texts); valid UTF-8 is copied as it is, but U+2028 and
	 * U+2029, which end a line in JavaScript. */
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	while (i < n) {
		i = json_skip(p, i, n);
		/* as in render_escape_html */
		size_t stop = n - i > 8 ? i + 8 : n;
		while (i < stop && json_plain(p[i]))
			i++;
		if (i >= n)
			break;
		unsigned char c = p[i];
		if (json_plain(c))
			continue;
		if (c >= 0x80) {
			size_t l = render_utf8_len(p + i, n - i);
			int sep = l == 3 && c == 0xE2 && p[i + 1] == 0x80 &&
				  (p[i + 2] == 0xA8 || p[i + 2] == 0xA9);
			if (l && !sep) {
				i += l;
				continue;
			}
			render_buf_append(b, p + run, i - run);
			if (!l) {
				render_buf_append(b, "\\ufffd", 6);
				i++;
			} else {
				render_buf_append(b,
						  p[i + 2] == 0xA8 ? "\\u2028" :
								     "\\u2029",
						  6);
				i += 3;
			}
			run = i;
			continue;
		}
		render_buf_append(b, p + run, i - run);
		switch (c) {
		case '"':
			render_buf_append(b, "\\\"", 2);
			break;
		case '\\':
			render_buf_append(b, "\\\\", 2);
			break;
		case '\n':
			render_buf_append(b, "\\n", 2);
			break;
		case '\r':
			render_buf_append(b, "\\r", 2);
			break;
		case '\t':
			render_buf_append(b, "\\t", 2);
			break;
		case '\b':
			render_buf_append(b, "\\b", 2);
			break;
		case '\f':
			render_buf_append(b, "\\f", 2);
			break;
		case '<':
			render_buf_append(b, "\\u003c", 6);
			break;
		default: { /* another control, or DEL */
			char e[6] = {'\\', 'u',         '0',
				     '0',  hex[c >> 4], hex[c & 15]};
			render_buf_append(b, e, 6);
		}
		}
		run = ++i;
	}
	render_buf_append(b, p + run, n - run);
}

/* Bytes render_escape_url copies as they are (RFC 3986 unreserved). */
static int url_plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

void render_escape_url(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		/* runs in one append: slugs are mostly plain */
		size_t run = 0;
		while (i + run < n && url_plain(p[i + run]))
			run++;
		if (run) {
			render_buf_append(b, p + i, run);
			i += run;
			continue;
		}
		char e[3] = {'%', hex[p[i] >> 4], hex[p[i] & 15]};
		render_buf_append(b, e, 3);
		i++;
	}
}
