/*
 * internal.h - helpers private to src/render.
 *
 * Appends to a buf that skip the call into util/buf.c when the bytes fit
 * in what the buf already has: the renderer and the escapers append a
 * few bytes at a time, thousands of times a page, and the call was a
 * visible share of rendering. They keep buf.h's invariants (len < cap,
 * NUL at data[len]) and fall back to buf_append to grow.
 *
 * Not for other modules: they use util/buf.h.
 */
#ifndef GAZETTE_RENDER_INTERNAL_H
#define GAZETTE_RENDER_INTERNAL_H

#include "util/buf.h"

#include <string.h>

/* buf_append of the n bytes at p. */
static inline void render_buf_append(struct buf *b, const void *p, size_t n)
{
	if (n < b->cap - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
	} else {
		buf_append(b, p, n);
	}
}

/* buf_putc. */
static inline void render_buf_putc(struct buf *b, char c)
{
	if (b->len + 1 < b->cap) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
	} else {
		buf_append(b, &c, 1);
	}
}

#endif
