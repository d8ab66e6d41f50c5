/*
 * xmalloc.h - allocation for long-lived objects.
 *
 * For objects that outlive a request (config, statements, templates).
 * Out of memory aborts the process: there is no useful recovery for a
 * server that cannot allocate a few bytes. Request-scoped memory comes
 * from the arena (arena.h), not from here.
 */
#ifndef GAZETTE_UTIL_XMALLOC_H
#define GAZETTE_UTIL_XMALLOC_H

#include <stddef.h>

/* malloc that never returns NULL; caller frees with free(). */
void *xmalloc(size_t n);
/* calloc that never returns NULL; caller frees with free(). */
void *xcalloc(size_t count, size_t size);
/* realloc that never returns NULL; caller frees with free(). */
void *xrealloc(void *p, size_t n);
/* strdup that never returns NULL; NULL in gives NULL out. Caller frees. */
char *xstrdup(const char *s);

#endif
