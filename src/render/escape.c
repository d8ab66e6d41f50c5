/*
 * escape.c - context escapers. See escape.h.
 */
#include "render/escape.h"
#include "util/buf.h"

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

/* Walk s; for each ASCII byte call `ascii` to append it (escaped or not),
 * copy valid multi-byte sequences, replace invalid bytes. */
#define RENDER_UTF8_WALK(b, s, n, ascii_stmt)                                   \
	do {                                                                     \
		const unsigned char *p_ = (const unsigned char *)(s);            \
		size_t i_ = 0;                                                   \
		while (i_ < (n)) {                                               \
			unsigned char c = p_[i_];                                \
			if (c < 0x80) {                                          \
				ascii_stmt;                                      \
				i_++;                                            \
				continue;                                        \
			}                                                        \
			size_t l_ = render_utf8_len(p_ + i_, (n) - i_);          \
			if (l_) {                                                \
				buf_append((b), p_ + i_, l_);                    \
				i_ += l_;                                        \
			} else {                                                 \
				buf_puts((b), render_replacement);               \
				i_++;                                            \
			}                                                        \
		}                                                                \
	} while (0)

void render_escape_html(struct buf *b, const char *s, size_t n)
{
	RENDER_UTF8_WALK(b, s, n, {
		switch (c) {
		case '&': buf_append(b, "&amp;", 5); break;
		case '<': buf_append(b, "&lt;", 4); break;
		case '>': buf_append(b, "&gt;", 4); break;
		case '"': buf_append(b, "&quot;", 6); break;
		case '\'': buf_append(b, "&#39;", 5); break;
		case '\0': buf_puts(b, render_replacement); break;
		default: {
			/* copy the run of plain ASCII in one go */
			size_t run = 1;
			while (i_ + run < (n) && p_[i_ + run] < 0x80 &&
			       !strchr("&<>\"'", p_[i_ + run]) && p_[i_ + run])
				run++;
			buf_append(b, p_ + i_, run);
			i_ += run - 1;
		}
		}
	});
}

void render_escape_xml(struct buf *b, const char *s, size_t n)
{
	RENDER_UTF8_WALK(b, s, n, {
		switch (c) {
		case '&': buf_append(b, "&amp;", 5); break;
		case '<': buf_append(b, "&lt;", 4); break;
		case '>': buf_append(b, "&gt;", 4); break;
		case '"': buf_append(b, "&quot;", 6); break;
		case '\'': buf_append(b, "&apos;", 6); break;
		default:
			if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
				buf_putc(b, (char)c);
		}
	});
}

void render_escape_json(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		/* A run of printable ASCII that needs no escape goes in one
		 * append: JSON-LD carries whole article texts. */
		size_t run = 0;
		while (i + run < n && p[i + run] >= 0x20 && p[i + run] < 0x7f &&
		       p[i + run] != '"' && p[i + run] != '\\' &&
		       p[i + run] != '<')
			run++;
		if (run) {
			buf_append(b, p + i, run);
			i += run;
			continue;
		}
		unsigned char c = p[i];
		if (c >= 0x80) {
			size_t l = render_utf8_len(p + i, n - i);
			if (!l) {
				buf_puts(b, "\\ufffd");
				i++;
				continue;
			}
			/* U+2028 and U+2029 end a line in JavaScript */
			if (l == 3 && c == 0xE2 && p[i + 1] == 0x80 &&
			    (p[i + 2] == 0xA8 || p[i + 2] == 0xA9))
				buf_printf(b, "\\u%04x", p[i + 2] == 0xA8 ? 0x2028 : 0x2029);
			else
				buf_append(b, p + i, l);
			i += l;
			continue;
		}
		switch (c) {
		case '"': buf_append(b, "\\\"", 2); break;
		case '\\': buf_append(b, "\\\\", 2); break;
		case '\n': buf_append(b, "\\n", 2); break;
		case '\r': buf_append(b, "\\r", 2); break;
		case '\t': buf_append(b, "\\t", 2); break;
		case '\b': buf_append(b, "\\b", 2); break;
		case '\f': buf_append(b, "\\f", 2); break;
		case '<': buf_append(b, "\\u003c", 6); break;
		default:
			if (c < 0x20 || c == 0x7f)
				buf_printf(b, "\\u%04x", c);
			else
				buf_putc(b, (char)c);
		}
		i++;
	}
}

void render_escape_url(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		    c == '~') {
			buf_putc(b, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			buf_append(b, e, 3);
		}
	}
}
