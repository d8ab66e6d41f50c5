/*
 * buf.h - growable byte string.
 *
 * Invariants: data is never NULL and always NUL-terminated at data[len];
 * len < cap. A buf is either heap-backed (a == NULL; release with
 * buf_reset or take the bytes with buf_detach) or arena-backed (memory
 * belongs to the arena; buf_reset only forgets it).
 */
#ifndef GAZETTE_UTIL_BUF_H
#define GAZETTE_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

struct buf {
	char *data;      /* bytes, NUL-terminated, never NULL after buf_init */
	size_t len;      /* bytes used, not counting the NUL */
	size_t cap;      /* bytes allocated */
	struct arena *a; /* arena that owns data, or NULL for the heap */
};

/* Start an empty buf backed by arena `a`, or by the heap when a is NULL. */
void buf_init(struct buf *b, struct arena *a);

/* Make room for n more bytes. Aborts on OOM. */
void buf_grow(struct buf *b, size_t n);

void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Drop the contents but keep the memory. */
void buf_clear(struct buf *b);

/* Release heap memory (arena memory is left to its arena); b is empty and
 * usable again afterwards, and holds no memory until the next write. */
void buf_reset(struct buf *b);

/* Hand the string over: heap memory the caller frees (arena memory when
 * arena-backed). b is empty and usable again afterwards, holding no
 * memory until the next write. */
char *buf_detach(struct buf *b, size_t *len);

#endif
