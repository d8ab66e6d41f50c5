/*
 * embed.c - lookup in the table of embedded files. See embed.h.
 */
#include "util/embed.h"

#include <string.h>

const struct embed_file *embed_find(const char *path)
{
	size_t lo = 0, hi = embed_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(path, embed_files[mid].path);
		if (c == 0)
			return &embed_files[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void embed_each(const char *prefix,
		void (*fn)(const struct embed_file *f, void *ctx), void *ctx)
{
	size_t n = strlen(prefix);
	for (size_t i = 0; i < embed_count; i++)
		if (strncmp(embed_files[i].path, prefix, n) == 0)
			fn(&embed_files[i], ctx);
}
