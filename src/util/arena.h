/*
 * arena.h - region allocator for request-scoped memory.
 *
 * Each request owns one arena; everything that lives only as long as the
 * request is allocated from it and released at once by arena_free() in
 * exactly one place, after the response is written. Never free() arena
 * memory. Not thread-safe: one arena belongs to one thread at a time.
 */
#ifndef GAZETTE_UTIL_ARENA_H
#define GAZETTE_UTIL_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena; /* opaque */

/* New arena whose first block holds `block` bytes (0 picks 8 KiB).
 * Caller frees with arena_free(). Aborts on OOM. */
struct arena *arena_new(size_t block);

/* Release the arena and everything allocated from it. NULL is a no-op. */
void arena_free(struct arena *a);

/* Forget every allocation but keep the first block for reuse. */
void arena_reset(struct arena *a);

/* n bytes, zeroed, aligned for any type. Arena memory. Aborts on OOM. */
void *arena_alloc(struct arena *a, size_t n);
/* As arena_alloc, not cleared: for callers that write every byte before
 * reading it (copies, printf, a buffer's spare room). */
void *arena_alloc_uninit(struct arena *a, size_t n);

/* Copy of s (NULL gives NULL). Arena memory. */
char *arena_strdup(struct arena *a, const char *s);

/* Copy of the first n bytes of s plus a NUL. Arena memory. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* printf into a fresh string. Arena memory. */
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* The arena array p (n elements of `size` bytes, room for *cap) with room
 * for one more: p itself while n < *cap, else a copy with twice the room
 * (`first` elements the first time) and *cap updated; new room zeroed.
 * The old array stays in the arena until it is reset. Typical use:
 *     if (n == cap)
 *             v = arena_grow(a, v, n, &cap, sizeof *v, 16);
 *     v[n++] = x;
 * Aborts on OOM (or an overflowing size). */
void *arena_grow(struct arena *a, void *p, size_t n, size_t *cap, size_t size,
		 size_t first);

/* Bytes handed out so far (for tests and limits). */
size_t arena_used(const struct arena *a);

#endif
