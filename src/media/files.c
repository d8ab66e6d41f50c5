/*
 * files.c - the media folder on disk: the one path layout (see media.h),
 * safe writes (temporary file, fsync, rename), undo of a failed upload,
 * opening a file to serve without following symlinks, and the srcset
 * URLs for pages.
 *
 * Not for decoding or resizing (variants.c) or HTTP (the handlers in
 * newsroom/media_pages.c call media_file_open and send the bytes).
 */
#include "media/internal.h"

#include "util/arena.h"
#include "util/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the layout ----------------------------------------------------- */

static int files_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Variant or original file name: "orig.(jpg|png|webp|gif)",
 * "<w>.(webp|jpg)" with w 1..99999, no leading zero, or a crop:
 * "16x9.jpg", "4x3.jpg", "1x1.jpg". */
static int files_name_valid(const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);
	if (!dot)
		return 0;
	size_t bl = (size_t)(dot - s);
	const char *ext = dot + 1;
	size_t el = n - bl - 1;
	if (bl == 4 && !memcmp(s, "orig", 4))
		return (el == 3 &&
			(!memcmp(ext, "jpg", 3) || !memcmp(ext, "png", 3) ||
			 !memcmp(ext, "gif", 3))) ||
		       (el == 4 && !memcmp(ext, "webp", 4));
	if ((bl == 4 && !memcmp(s, "16x9", 4)) ||
	    (bl == 3 && (!memcmp(s, "4x3", 3) || !memcmp(s, "1x1", 3))))
		return el == 3 && !memcmp(ext, "jpg", 3);
	if (bl < 1 || bl > 5 || s[0] == '0' || !files_digits(s, bl))
		return 0;
	return (el == 4 && !memcmp(ext, "webp", 4)) ||
	       (el == 3 && !memcmp(ext, "jpg", 3));
}

int media_path_valid(const char *rel)
{
	if (!rel)
		return 0;
	const char *seg[4];
	size_t len[4];
	const char *p = rel;
	for (int i = 0; i < 4; i++) {
		seg[i] = p;
		len[i] = strcspn(p, "/");
		p += len[i];
		if (i < 3) {
			if (*p != '/')
				return 0;
			p++;
		}
	}
	if (*p)
		return 0;
	if (len[0] != 4 || !files_digits(seg[0], 4) || seg[0][0] == '0')
		return 0;
	if (len[1] != 2 || !files_digits(seg[1], 2))
		return 0;
	int month = (seg[1][0] - '0') * 10 + (seg[1][1] - '0');
	if (month < 1 || month > 12)
		return 0;
	if (len[2] != 16)
		return 0;
	for (size_t i = 0; i < 16; i++) {
		char c = seg[2][i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return files_name_valid(seg[3], len[3]);
}

int media_path_is_original(const char *rel)
{
	if (!media_path_valid(rel))
		return 0;
	const char *name = strrchr(rel, '/') + 1;
	return !strncmp(name, "orig.", 5);
}

const char *media_path_mime(const char *rel)
{
	if (!media_path_valid(rel))
		return NULL;
	const char *ext = strrchr(rel, '.') + 1;
	if (!strcmp(ext, "jpg"))
		return "image/jpeg";
	if (!strcmp(ext, "png"))
		return "image/png";
	if (!strcmp(ext, "webp"))
		return "image/webp";
	if (!strcmp(ext, "gif"))
		return "image/gif";
	return NULL;
}

/* ---- writing -------------------------------------------------------- */

int media_mkdirs(struct arena *a, const char *root, const char *rel,
		 struct media_undo *u, struct err *e)
{
	if (mkdir(root, 0755) != 0 && errno != EEXIST)
		return err_set(e, ERR_IO, "media folder %s: %s", root,
			       strerror(errno));
	struct buf b;
	buf_init(&b, a);
	buf_puts(&b, root);
	for (const char *p = rel; *p;) {
		size_t n = strcspn(p, "/");
		buf_putc(&b, '/');
		buf_append(&b, p, n);
		p += n;
		if (*p == '/')
			p++;
		if (mkdir(b.data, 0755) == 0) {
			if (u->n_dirs < MEDIA_UNDO_MAX)
				u->dirs[u->n_dirs++] = arena_strdup(a, b.data);
			continue;
		}
		if (errno != EEXIST)
			return err_set(e, ERR_IO, "media folder %s: %s", b.data,
				       strerror(errno));
		struct stat st;
		if (lstat(b.data, &st) != 0 || !S_ISDIR(st.st_mode))
			return err_set(e, ERR_IO,
				       "media folder %s: not a folder", b.data);
	}
	return 0;
}

int media_write_file(struct arena *a, const char *dir, const char *name,
		     const void *data, size_t len, struct media_undo *u,
		     struct err *e)
{
	if (u->n_files >= MEDIA_UNDO_MAX)
		return err_set(e, ERR_IO,
			       "media: too many files in one upload");
	char *tmp = arena_printf(a, "%s/.%s.XXXXXX", dir, name);
	char *final = arena_printf(a, "%s/%s", dir, name);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return err_set(e, ERR_IO, "media file %s: %s", final,
			       strerror(errno));
	const char *p = data;
	size_t left = len;
	int rc = 0;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = err_set(e, ERR_IO, "media file %s: %s", final,
				     w < 0 ? strerror(errno) : "short write");
			break;
		}
		p += w;
		left -= (size_t)w;
	}
	if (rc == 0 && fchmod(fd, 0644) != 0)
		rc = err_set(e, ERR_IO, "media file %s: %s", final,
			     strerror(errno));
	if (rc == 0 && fsync(fd) != 0)
		rc = err_set(e, ERR_IO, "media file %s: %s", final,
			     strerror(errno));
	if (close(fd) != 0 && rc == 0)
		rc = err_set(e, ERR_IO, "media file %s: %s", final,
			     strerror(errno));
	if (rc == 0 && rename(tmp, final) != 0)
		rc = err_set(e, ERR_IO, "media file %s: %s", final,
			     strerror(errno));
	if (rc) {
		unlink(tmp);
		return rc;
	}
	u->files[u->n_files++] = final;
	return 0;
}

void media_undo_run(const struct media_undo *u)
{
	for (size_t i = 0; i < u->n_files; i++)
		unlink(u->files[i]);
	for (size_t i = u->n_dirs; i > 0; i--)
		rmdir(u->dirs[i - 1]);
}

void media_files_remove(const char *media_dir, const struct store_media *m)
{
	if (!media_dir || !m)
		return;
	struct arena *a = arena_new(4096);
	const char *dir = NULL;
	for (size_t i = 0; i <= m->n_variants; i++) {
		const char *rel = i < m->n_variants ? m->variants[i].path :
						      m->path;
		if (!media_path_valid(rel))
			continue;
		unlink(arena_printf(a, "%s/%s", media_dir, rel));
		if (!dir)
			dir = rel;
	}
	if (dir) {
		/* the sha folder, the month, the year: each when empty */
		char *d = arena_printf(a, "%s/%s", media_dir, dir);
		for (int k = 0; k < 3; k++) {
			char *slash = strrchr(d, '/');
			if (!slash)
				break;
			*slash = '\0';
			if (rmdir(d) != 0)
				break;
		}
	}
	arena_free(a);
}

/* ---- serving -------------------------------------------------------- */

int media_file_open(const char *media_dir, const char *rel, int *fd,
		    int64_t *size, int64_t *mtime, struct err *e)
{
	*fd = -1;
	if (!media_path_valid(rel))
		return err_set(e, ERR_NOTFOUND, "media %s: not a media path",
			       rel ? rel : "(null)");
	int dfd = open(media_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
			       "media folder %s: %s", media_dir,
			       strerror(errno));
	/* Walk the segments: O_NOFOLLOW on each refuses a symlink (ELOOP,
	 * or ENOTDIR for a folder opened with O_DIRECTORY). */
	char seg[32];
	const char *p = rel;
	for (int i = 0; i < 4; i++) {
		size_t n = strcspn(p, "/");
		memcpy(seg, p, n); /* n <= 13 by media_path_valid */
		seg[n] = '\0';
		p += n + (p[n] == '/');
		int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
			    (i < 3 ? O_DIRECTORY : O_NONBLOCK);
		int next = openat(dfd, seg, flags);
		int err = errno;
		close(dfd);
		if (next < 0)
			return err_set(e,
				       err == ENOENT || err == ELOOP ||
						       err == ENOTDIR ?
					       ERR_NOTFOUND :
					       ERR_IO,
				       "media %s: %s", rel, strerror(err));
		dfd = next;
	}
	struct stat st;
	if (fstat(dfd, &st) != 0) {
		int err = errno;
		close(dfd);
		return err_set(e, ERR_IO, "media %s: %s", rel, strerror(err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(dfd);
		return err_set(e, ERR_NOTFOUND, "media %s: not a regular file",
			       rel);
	}
	/* back to blocking reads */
	int fl = fcntl(dfd, F_GETFL);
	if (fl >= 0)
		fcntl(dfd, F_SETFL, fl & ~O_NONBLOCK);
	*fd = dfd;
	*size = (int64_t)st.st_size;
	*mtime = (int64_t)st.st_mtime;
	return 0;
}

/* ---- pages ---------------------------------------------------------- */

int media_srcset(struct arena *a, const struct store_media *m,
		 const char *url_prefix, char **webp_srcset, char **jpeg_srcset,
		 char **fallback_src)
{
	if (webp_srcset)
		*webp_srcset = "";
	if (jpeg_srcset)
		*jpeg_srcset = "";
	if (fallback_src)
		*fallback_src = "";
	if (!a || !m || !url_prefix)
		return ERR_INVALID;
	size_t pl = strlen(url_prefix);
	while (pl > 0 && url_prefix[pl - 1] == '/')
		pl--;
	struct buf ws, js;
	buf_init(&ws, a);
	buf_init(&js, a);
	const struct store_media_variant *fb_jpeg = NULL, *wide_jpeg = NULL,
					 *wide_webp = NULL;
	/* variants come narrowest first from the store, but do not rely on
	 * it: emit in width order by a selection over the array */
	int last = 0;
	for (;;) {
		const struct store_media_variant *next = NULL;
		for (size_t i = 0; i < m->n_variants; i++) {
			const struct store_media_variant *v = &m->variants[i];
			if (v->aspect && v->aspect[0])
				continue; /* a crop */
			if (v->width > last &&
			    (!next || v->width < next->width))
				next = v;
		}
		if (!next)
			break;
		last = next->width;
		for (size_t i = 0; i < m->n_variants; i++) {
			const struct store_media_variant *v = &m->variants[i];
			if (v->width != last || !v->format ||
			    (v->aspect && v->aspect[0]) ||
			    !media_path_valid(v->path))
				continue;
			struct buf *b;
			if (!strcmp(v->format, "webp")) {
				b = &ws;
				wide_webp = v;
			} else if (!strcmp(v->format, "jpeg")) {
				b = &js;
				wide_jpeg = v;
				if (!fb_jpeg && v->width >= 960)
					fb_jpeg = v;
			} else {
				continue;
			}
			if (b->len)
				buf_puts(b, ", ");
			buf_printf(b, "%.*s/%s %dw", (int)pl, url_prefix,
				   v->path, v->width);
		}
	}
	const struct store_media_variant *fb = fb_jpeg   ? fb_jpeg :
					       wide_jpeg ? wide_jpeg :
							   wide_webp;
	if (!fb)
		return ERR_NOTFOUND;
	if (webp_srcset)
		*webp_srcset = ws.data;
	if (jpeg_srcset)
		*jpeg_srcset = js.data;
	if (fallback_src)
		*fallback_src = arena_printf(a, "%.*s/%s", (int)pl, url_prefix,
					     fb->path);
	return 0;
}
