/*
 * buf.c - growable byte string. See buf.h.
 */
#include "util/buf.h"
#include "util/arena.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What an emptied buf points at: no allocation until the next write.
 * Only ever read (cap == 0 marks it as not owned). */
static char buf_empty[1];

void buf_init(struct buf *b, struct arena *a)
{
	b->a = a;
	b->cap = 64;
	b->len = 0;
	b->data = a ? arena_alloc(a, b->cap) : xmalloc(b->cap);
	b->data[0] = '\0';
}

void buf_grow(struct buf *b, size_t n)
{
	if (b->cap > b->len && b->cap - b->len > n)
		return;
	if (b->cap == 0) { /* emptied by buf_reset/buf_detach */
		size_t cap = 64;
		while (cap <= n)
			cap *= 2;
		/* the spare room is written before it is read */
		b->data = b->a ? arena_alloc_uninit(b->a, cap) : xmalloc(cap);
		b->data[0] = '\0';
		b->cap = cap;
		b->len = 0;
		return;
	}
	size_t cap = b->cap * 2;
	while (cap - b->len <= n)
		cap *= 2;
	if (b->a) {
		char *d = arena_alloc_uninit(b->a, cap);
		memcpy(d, b->data, b->len + 1);
		b->data = d;
	} else {
		b->data = xrealloc(b->data, cap);
	}
	b->cap = cap;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	buf_grow(b, 1);
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_clear(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->data[0] = '\0';
}

void buf_reset(struct buf *b)
{
	if (!b->a && b->cap)
		free(b->data);
	b->data = buf_empty;
	b->len = 0;
	b->cap = 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
	if (!b->cap) /* nothing allocated: hand out an owned empty string */
		buf_grow(b, 1);
	char *d = b->data;
	if (len)
		*len = b->len;
	b->data = buf_empty;
	b->len = 0;
	b->cap = 0;
	return d;
}
