/*
 * embed.h - files compiled into the binary (theme, locales, demo content).
 *
 * The table is generated at build time by tools/embed.c, sorted by path.
 * Paths are relative to the repository: "theme/static/site.css",
 * "locales/en.ini", "demo/content/rubrics.ini". The data is static,
 * read-only and NUL-terminated (len does not count the NUL).
 */
#ifndef GAZETTE_UTIL_EMBED_H
#define GAZETTE_UTIL_EMBED_H

#include <stddef.h>

struct embed_file {
	const char *path;          /* repository path */
	const unsigned char *data; /* bytes, NUL-terminated */
	size_t len;                /* length in bytes */
	long long mtime;           /* modification time at build, Unix seconds */
};

extern const struct embed_file embed_files[];
extern const unsigned long embed_count;

/* The embedded file at `path`, or NULL. Static memory. */
const struct embed_file *embed_find(const char *path);

/* Call fn for each embedded file whose path starts with prefix, in path
 * order. */
void embed_each(const char *prefix,
		void (*fn)(const struct embed_file *f, void *ctx), void *ctx);

#endif
