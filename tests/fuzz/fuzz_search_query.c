/*
 * fuzz_search_query.c - libFuzzer target: user text to an FTS5 query.
 * The builder must accept anything and produce NULL or a bounded query.
 */
#include "search/search.h"
#include "util/arena.h"
#include "util/err.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct arena *a = arena_new(0);
	char *q = arena_strndup(a, (const char *)d, n);
	char *fts = NULL;
	struct err e = {0};
	for (int prefix = 0; prefix < 2; prefix++) {
		int rc = search_query_build(a, q, prefix, &fts, &e);
		assert(rc == 0);
		assert(!fts || strlen(fts) < 64 * 1024);
	}
	arena_free(a);
	return 0;
}
