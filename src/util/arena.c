/*
 * arena.c - region allocator. See arena.h.
 *
 * Blocks form a singly linked list; a request that needs more than the
 * current block gets a new block at least twice the size (or the size of
 * the request), so a typical page costs one or two mallocs in all.
 */
#include "util/arena.h"
#include "util/xmalloc.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
	struct arena_block *next; /* older block, or NULL */
	size_t cap;               /* usable bytes in data */
	size_t used;              /* bytes handed out from data */
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct arena_block *head;  /* block being filled */
	struct arena_block *first; /* block kept by arena_reset */
	size_t total;              /* bytes handed out, all blocks */
};

static struct arena_block *arena_block_new(size_t cap)
{
	struct arena_block *b = xmalloc(sizeof *b + cap);
	b->next = NULL;
	b->cap = cap;
	b->used = 0;
	return b;
}

struct arena *arena_new(size_t block)
{
	struct arena *a = xmalloc(sizeof *a);
	a->first = a->head = arena_block_new(block ? block : 8192);
	a->total = 0;
	return a;
}

static void arena_blocks_free(struct arena_block *b, struct arena_block *stop)
{
	while (b && b != stop) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
}

void arena_free(struct arena *a)
{
	if (!a)
		return;
	arena_blocks_free(a->head, NULL);
	free(a);
}

void arena_reset(struct arena *a)
{
	arena_blocks_free(a->head, a->first);
	a->head = a->first;
	a->first->next = NULL;
	a->first->used = 0;
	a->total = 0;
}

void *arena_alloc_uninit(struct arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	size_t need = (n + align - 1) & ~(align - 1);
	if (need < n) { /* overflow */
		fprintf(stderr, "gazette: arena request too large\n");
		abort();
	}
	struct arena_block *b = a->head;
	if (b->cap - b->used < need) {
		size_t cap = b->cap * 2;
		if (cap < need)
			cap = need;
		b = arena_block_new(cap);
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += need;
	a->total += need;
	return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
	void *p = arena_alloc_uninit(a, n);
	memset(p, 0, n);
	return p;
}

void *arena_grow(struct arena *a, void *p, size_t n, size_t *cap, size_t size,
		 size_t first)
{
	if (n < *cap)
		return p;
	size_t want = *cap ? *cap * 2 : (first ? first : 1);
	if (want < n + 1 || (size && want > SIZE_MAX / size)) {
		fprintf(stderr,
			"gazette: arena array of %zu x %zu bytes is too large\n",
			want, size);
		abort();
	}
	void *q = arena_alloc(a, want * size);
	if (n)
		memcpy(q, p, n * size);
	*cap = want;
	return q;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *d = arena_alloc_uninit(a, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return arena_strdup(a, "");
	char *d = arena_alloc_uninit(a, (size_t)n + 1);
	vsnprintf(d, (size_t)n + 1, fmt, ap);
	return d;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *d = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return d;
}

size_t arena_used(const struct arena *a)
{
	return a->total;
}
