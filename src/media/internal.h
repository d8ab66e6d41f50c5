/*
 * internal.h - what the files of src/media share: writing files safely
 * and undoing what an upload wrote.
 *
 * Private to src/media (the rest of the program uses media.h).
 */
#ifndef GAZETTE_MEDIA_INTERNAL_H
#define GAZETTE_MEDIA_INTERNAL_H

#include <stddef.h>

#include "media/media.h"

#define MEDIA_UNDO_MAX 32 /* files + folders one upload may create */

/* What one media_process call created, to remove on failure. Paths are
 * absolute, arena memory; folders in creation order. */
struct media_undo {
	const char *files[MEDIA_UNDO_MAX];
	size_t n_files;
	const char *dirs[MEDIA_UNDO_MAX];
	size_t n_dirs;
};

/* Create folder root/rel and its missing parents below root (root must
 * exist or be creatable), mode 0755, recording each created one in u.
 * A path component that exists but is not a folder (or is a symlink) is
 * ERR_IO. */
int media_mkdirs(struct arena *a, const char *root, const char *rel,
		 struct media_undo *u, struct err *e);

/* Write data[0..len) to dir/name: a temporary file in dir (mode 0644),
 * flushed (fsync) and renamed over name; recorded in u. ERR_IO with the
 * path and reason; nothing is left behind then. */
int media_write_file(struct arena *a, const char *dir, const char *name,
		     const void *data, size_t len, struct media_undo *u,
		     struct err *e);

/* Remove u's files, then its folders newest first (only when empty). */
void media_undo_run(const struct media_undo *u);

#endif
