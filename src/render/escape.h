/*
 * escape.h - one escaper per output context: HTML text, HTML attribute,
 * URL component, JSON string, XML text.
 *
 * Every escaper appends to a buf and never fails. Input is treated as
 * UTF-8; bytes that are not valid UTF-8 become U+FFFD so that no output
 * is ever invalid for its context.
 */
#ifndef GAZETTE_RENDER_ESCAPE_H
#define GAZETTE_RENDER_ESCAPE_H

#include <stddef.h>

struct buf;

/* & < > " ' become entities; safe in element text and quoted attributes. */
void render_escape_html(struct buf *b, const char *s, size_t n);

/* Percent-encode everything but RFC 3986 unreserved characters. */
void render_escape_url(struct buf *b, const char *s, size_t n);

/* JSON string contents (without the surrounding quotes): " \ and control
 * characters escaped, U+2028/2029 and '<' escaped so the result is also
 * safe inside a <script> element. */
void render_escape_json(struct buf *b, const char *s, size_t n);

/* XML 1.0 text and attribute: & < > " ' as entities; characters XML
 * forbids (C0 controls but tab, LF, CR) are dropped. */
void render_escape_xml(struct buf *b, const char *s, size_t n);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid. */
size_t render_utf8_len(const unsigned char *s, size_t n);

/* 1 when all n bytes are valid UTF-8. */
int render_utf8_valid(const char *s, size_t n);

#endif
