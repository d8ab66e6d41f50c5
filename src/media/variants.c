/*
 * variants.c - libvips for the media library: media_process, which
 * checks an upload, decodes it once and writes the original, its WebP
 * and JPEG width variants and its 16:9, 4:3 and 1:1 JPEG crops (see
 * media.h for the layout and the contract). libvips itself is loaded on
 * the first upload (vipsdl.c): every call goes through MEDIA_VIPS().
 *
 * Safety: the type comes from the magic bytes and only that type's
 * loader runs (every other loader is blocked at start-up: no SVG, PDF or
 * ImageMagick behind a .jpg). The size comes from the header, read by
 * hand, and is checked before libvips sees the file, then again from
 * the decoder's header, so a decompression bomb never gets decoded. The
 * decode fails on truncation and decoder errors (fail_on=error), not
 * only on a missing header. Variants are written with strip (no EXIF,
 * XMP, IPTC or ICC): the EXIF orientation is applied to the pixels first
 * and colours are converted to sRGB.
 *
 * Crops are made with libvips' attention strategy (vips_thumbnail_image
 * with crop=attention: the region a viewer's eye goes to, by edges,
 * skin tones and saturated colour), so a face or a subject off-centre
 * stays in the picture rather than being cut by a centre crop.
 *
 * Threads: one process-wide mutex (media_lock) serialises uploads; each
 * runs on one libvips worker (vips_concurrency_set(1)), so an upload
 * takes at most one core from the readers. The mutex is the one mutable
 * global here (the style guide's exception for `app` does not reach
 * src/media, and every uploader must share one lock). Not for files and
 * paths (files.c), nor loading libvips (vipsdl.c).
 */
#include "media/internal.h"
#include "media/vipsdl.h"

#include "util/arena.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Calls into libvips and glib, through the table vipsdl.c fills. */
#define V MEDIA_VIPS

static pthread_mutex_t media_mutex = PTHREAD_MUTEX_INITIALIZER;

void media_lock(void)
{
	pthread_mutex_lock(&media_mutex);
}

void media_unlock(void)
{
	pthread_mutex_unlock(&media_mutex);
}

/* libvips' error text (trimmed, last line) into e with code; clears it. */
static int media_vips_err(struct err *e, int code, const char *what)
{
	char msg[256];
	snprintf(msg, sizeof msg, "%s", V(vips_error_buffer)());
	V(vips_error_clear)();
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return err_set(e, code, "%s%s%s", what, *msg ? ": " : "", msg);
}

/* Refuse a size over the limits (a bomb). */
static int media_size_check(int w, int h, struct err *e)
{
	if (w > MEDIA_MAX_SIDE || h > MEDIA_MAX_SIDE ||
	    (long long)w * h > MEDIA_MAX_PIXELS)
		return err_set(e, ERR_TOOBIG,
			       "image of %d x %d px is too large (at most %d "
			       "px a side and %lld megapixels)",
			       w, h, MEDIA_MAX_SIDE,
			       MEDIA_MAX_PIXELS / 1000000);
	return 0;
}

/* Load the header of data as type t (only that loader), failing on any
 * decoder error later when pixels are read. */
static int media_load(enum media_type t, const void *data, size_t len,
		      VipsImage **out, struct err *e)
{
	/* libvips' loaders take a non-const buffer they do not write */
	void *buf = (void *)data;
	int rc = -1;
	switch (t) {
	case MEDIA_JPEG:
		rc = V(vips_jpegload_buffer)(buf, len, out, "fail_on",
					     VIPS_FAIL_ON_ERROR, NULL);
		break;
	case MEDIA_PNG:
		rc = V(vips_pngload_buffer)(buf, len, out, "fail_on",
					    VIPS_FAIL_ON_ERROR, NULL);
		break;
	case MEDIA_WEBP:
		rc = V(vips_webpload_buffer)(buf, len, out, "fail_on",
					     VIPS_FAIL_ON_ERROR, NULL);
		break;
	case MEDIA_GIF:
		rc = V(vips_gifload_buffer)(buf, len, out, "fail_on",
					    VIPS_FAIL_ON_ERROR, NULL);
		break;
	case MEDIA_NONE:
		break;
	}
	if (rc != 0)
		return media_vips_err(e, ERR_INVALID,
				      "corrupt or unreadable image");
	return 0;
}

/* in in sRGB, 8 bits a band: the embedded profile when there is one,
 * CMYK through libvips' CMYK profile, anything else by colourspace. */
static int media_to_srgb(VipsObject *ctx, VipsImage *in, VipsImage **out,
			 struct err *e)
{
	VipsImage **t = (VipsImage **)V(vips_object_local_array)(ctx, 3);
	VipsInterpretation it = V(vips_image_guess_interpretation)(in);
	if (V(vips_image_get_typeof)(in, VIPS_META_ICC_NAME)) {
		if (V(vips_icc_transform)(in, &t[0], "srgb", "embedded", TRUE,
					  "depth", 8, NULL) == 0) {
			*out = t[0];
			return 0;
		}
		/* a broken profile: fall back to plain conversion */
		V(vips_error_clear)();
	} else if (it == VIPS_INTERPRETATION_CMYK) {
		if (V(vips_icc_transform)(in, &t[0], "srgb", "input_profile",
					  "cmyk", "depth", 8, NULL) == 0) {
			*out = t[0];
			return 0;
		}
		V(vips_error_clear)();
	}
	if (V(vips_colourspace)(in, &t[1], VIPS_INTERPRETATION_sRGB, NULL))
		return media_vips_err(e, ERR_INVALID,
				      "image colours cannot be converted");
	if (t[1]->BandFmt != VIPS_FORMAT_UCHAR) {
		if (V(vips_cast_uchar)(t[1], &t[2], NULL))
			return media_vips_err(e, ERR_INVALID,
					      "image cannot be converted");
		*out = t[2];
	} else {
		*out = t[1];
	}
	return 0;
}

/* Drop every metadata item of img (EXIF, XMP, IPTC, ICC, comments...):
 * besides strip on save, because some savers of libvips 8.14 (WebP) keep
 * the EXIF block despite strip. Built-in header fields stay. */
static void media_strip(VipsImage *img)
{
	gchar **names = V(vips_image_get_fields)(img);
	for (gchar **p = names; p && *p; p++)
		(void)V(vips_image_remove)(img, *p);
	V(g_strfreev)(names);
}

/*
 * Remove the EXIF, XMP and ICCP chunks from a WebP file in place (and
 * their flags in VP8X); returns the new length. libvips 8.14's webpsave
 * writes an EXIF chunk (resolution tags) even with strip and no
 * metadata, so the container is cleaned after encoding. A buffer that is
 * not a well-formed RIFF/WEBP is returned unchanged (len).
 */
static size_t media_webp_clean(unsigned char *b, size_t len)
{
	if (len < 20 || memcmp(b, "RIFF", 4) || memcmp(b + 8, "WEBP", 4))
		return len;
	size_t r = 12, w = 12;
	while (r + 8 <= len) {
		uint32_t sz = (uint32_t)b[r + 4] | (uint32_t)b[r + 5] << 8 |
			      (uint32_t)b[r + 6] << 16 |
			      (uint32_t)b[r + 7] << 24;
		size_t total = 8 + (size_t)sz + (sz & 1);
		if (total > len - r)
			return len; /* malformed: leave it */
		int drop = !memcmp(b + r, "EXIF", 4) ||
			   !memcmp(b + r, "XMP ", 4) ||
			   !memcmp(b + r, "ICCP", 4);
		if (!drop) {
			if (!memcmp(b + r, "VP8X", 4) && sz >= 1)
				b[r + 8] &=
					(unsigned char)~(0x20 | 0x08 | 0x04);
			memmove(b + w, b + r, total);
			w += total;
		}
		r += total;
	}
	if (r != len)
		return len;
	uint32_t riff = (uint32_t)(w - 8);
	b[4] = (unsigned char)riff;
	b[5] = (unsigned char)(riff >> 8);
	b[6] = (unsigned char)(riff >> 16);
	b[7] = (unsigned char)(riff >> 24);
	return w;
}

/* The widths to make for an image w px wide, narrowest first, into ws;
 * returns how many. */
static size_t media_widths(int w, int ws[MEDIA_N_WIDTHS + 1])
{
	static const int std[MEDIA_N_WIDTHS] = {MEDIA_WIDTHS};
	size_t n = 0;
	for (size_t i = 0; i < MEDIA_N_WIDTHS; i++)
		if (std[i] <= w)
			ws[n++] = std[i];
	/* an image narrower than the widest variant also gets one at its
	 * own width: readers never see the original (it keeps metadata) */
	if (w < std[MEDIA_N_WIDTHS - 1] && (n == 0 || ws[n - 1] != w))
		ws[n++] = w;
	return n;
}

/* img as a JPEG (flattened onto white when it has alpha: JPEG has
 * none), stripped, progressive; *buf g_malloc'd by libvips (V(g_free)). */
static int media_jpeg(VipsImage *img, void **buf, size_t *len, struct err *e)
{
	VipsImage *flat = NULL;
	VipsImage *opaque = img;
	if (V(vips_image_hasalpha)(img)) {
		VipsArrayDouble *bg =
			V(vips_array_double_newv)(3, 255.0, 255.0, 255.0);
		int frc = V(vips_flatten)(img, &flat, "background", bg, NULL);
		V(vips_area_unref)((VipsArea *)bg);
		if (frc)
			return media_vips_err(e, ERR_INVALID, "flatten failed");
		opaque = flat;
	}
	int rc = 0;
	if (V(vips_jpegsave_buffer)(opaque, buf, len, "Q", MEDIA_JPEG_Q,
				    "strip", TRUE, "optimize_coding", TRUE,
				    "interlace", TRUE, NULL))
		rc = media_vips_err(e, ERR_INVALID, "JPEG encoding failed");
	if (flat)
		V(g_object_unref)(flat);
	return rc;
}

/* Make one width of img (decoded, sRGB) and write both formats into dir;
 * add them to out's variants. */
static int media_variant(struct arena *a, VipsImage *img, int width,
			 const char *dir, const char *rel,
			 struct store_media *out, struct media_undo *u,
			 struct err *e)
{
	VipsImage *small = NULL;
	void *wbuf = NULL, *jbuf = NULL;
	size_t wlen = 0, jlen = 0;
	int rc = 0;
	/* height unbounded: the width decides; never upscale */
	if (V(vips_thumbnail_image)(img, &small, width, "height",
				    VIPS_MAX_COORD, "size", VIPS_SIZE_DOWN,
				    "no_rotate", TRUE, NULL)) {
		rc = media_vips_err(e, ERR_INVALID, "resize failed");
		goto out;
	}
	if (V(vips_webpsave_buffer)(small, &wbuf, &wlen, "Q", MEDIA_WEBP_Q,
				    "strip", TRUE, "effort", 4, NULL)) {
		rc = media_vips_err(e, ERR_INVALID, "WebP encoding failed");
		goto out;
	}
	wlen = media_webp_clean(wbuf, wlen);
	if ((rc = media_jpeg(small, &jbuf, &jlen, e)) != 0)
		goto out;
	char wname[16], jname[16];
	snprintf(wname, sizeof wname, "%d.webp", width);
	snprintf(jname, sizeof jname, "%d.jpg", width);
	rc = media_write_file(a, dir, wname, wbuf, wlen, u, e);
	if (rc == 0)
		rc = media_write_file(a, dir, jname, jbuf, jlen, u, e);
	if (rc)
		goto out;
	struct store_media_variant *v = &out->variants[out->n_variants];
	v[0].width = v[1].width = small->Xsize;
	v[0].height = v[1].height = small->Ysize;
	v[0].format = "webp";
	v[0].path = arena_printf(a, "%s/%s", rel, wname);
	v[0].bytes = (int64_t)wlen;
	v[0].aspect = "";
	v[1].format = "jpeg";
	v[1].path = arena_printf(a, "%s/%s", rel, jname);
	v[1].bytes = (int64_t)jlen;
	v[1].aspect = "";
	out->n_variants += 2;
out:
	V(g_free)(wbuf);
	V(g_free)(jbuf);
	if (small)
		V(g_object_unref)(small);
	return rc;
}

/* The crops: aspect as stored, file name stem, ratio aw:ah. */
static const struct {
	const char *aspect, *stem;
	int aw, ah;
} media_crops[MEDIA_N_CROPS] = {
	{"16:9", "16x9", 16, 9},
	{"4:3", "4x3", 4, 3},
	{"1:1", "1x1", 1, 1},
};

void media_crop_size(int w, int h, int aw, int ah, int *cw, int *ch)
{
	/* the width of the largest aw:ah region of the image (its height
	 * follows)... */
	int64_t rw = (int64_t)w * ah >= (int64_t)h * aw ? (int64_t)h * aw / ah :
							  w;
	/* ...scaled down to MEDIA_CROP_WIDTH, never up; the height from
	 * the width so the ratio is as exact as whole pixels allow */
	int64_t tw = rw < MEDIA_CROP_WIDTH ? rw : MEDIA_CROP_WIDTH;
	if (tw < 1)
		tw = 1;
	int64_t th = (tw * ah + aw / 2) / aw;
	if (th < 1)
		th = 1;
	if (th > h)
		th = h;
	*cw = (int)tw;
	*ch = (int)th;
}

/* Make crop k of img (decoded, sRGB) and write it into dir as
 * <stem>.jpg; add it to out's variants. */
static int media_crop(struct arena *a, VipsImage *img, size_t k,
		      const char *dir, const char *rel, struct store_media *out,
		      struct media_undo *u, struct err *e)
{
	int cw, ch;
	media_crop_size(img->Xsize, img->Ysize, media_crops[k].aw,
			media_crops[k].ah, &cw, &ch);
	VipsImage *crop = NULL;
	void *jbuf = NULL;
	size_t jlen = 0;
	int rc = 0;
	/* thumbnail scales the image to cover cw x ch (by at most 1: the
	 * size comes from the image) and cuts what the attention strategy
	 * finds most interesting */
	if (V(vips_thumbnail_image)(img, &crop, cw, "height", ch, "crop",
				    VIPS_INTERESTING_ATTENTION, "size",
				    VIPS_SIZE_DOWN, "no_rotate", TRUE, NULL)) {
		rc = media_vips_err(e, ERR_INVALID, "crop failed");
		goto out;
	}
	if ((rc = media_jpeg(crop, &jbuf, &jlen, e)) != 0)
		goto out;
	char name[16];
	snprintf(name, sizeof name, "%s.jpg", media_crops[k].stem);
	if ((rc = media_write_file(a, dir, name, jbuf, jlen, u, e)) != 0)
		goto out;
	struct store_media_variant *v = &out->variants[out->n_variants++];
	v->width = crop->Xsize;
	v->height = crop->Ysize;
	v->format = "jpeg";
	v->path = arena_printf(a, "%s/%s", rel, name);
	v->bytes = (int64_t)jlen;
	v->aspect = (char *)media_crops[k].aspect;
out:
	V(g_free)(jbuf);
	if (crop)
		V(g_object_unref)(crop);
	return rc;
}

/* Check and decode data[0..len): its type into *type, the upright
 * sRGB pixels without metadata into *img (owned by ctx, a new object the
 * caller unrefs whatever the result). */
static int media_decode(VipsObject **ctx, const void *data, size_t len,
			enum media_type *type, VipsImage **img, struct err *e)
{
	*ctx = NULL;
	*type = media_sniff(data, len);
	if (*type == MEDIA_NONE)
		return err_set(e, ERR_INVALID,
			       "not a JPEG, PNG, WebP or GIF image");
	int hw, hh;
	int rc = media_header_size(*type, data, len, &hw, &hh, e);
	if (rc)
		return rc;
	if ((rc = media_size_check(hw, hh, e)) != 0)
		return rc;
	/* the first upload loads libvips; readers never need it */
	if ((rc = media_vips_load(e)) != 0)
		return rc;

	*ctx = (VipsObject *)V(vips_image_new)();
	VipsImage **t = (VipsImage **)V(vips_object_local_array)(*ctx, 3);
	if ((rc = media_load(*type, data, len, &t[0], e)) != 0)
		return rc;
	/* the decoder's idea of the size must pass as well (a GIF frame
	 * may be larger than its screen, for one) */
	if ((rc = media_size_check(t[0]->Xsize, t[0]->Ysize, e)) != 0)
		return rc;
	if (V(vips_autorot)(t[0], &t[1], NULL))
		return media_vips_err(e, ERR_INVALID, "corrupt image");
	VipsImage *srgb = NULL;
	if ((rc = media_to_srgb(*ctx, t[1], &srgb, e)) != 0)
		return rc;
	/* Decode every pixel once, here: truncation and decoder errors
	 * surface now (fail_on=error), before anything is written. */
	t[2] = V(vips_image_copy_memory)(srgb);
	if (!t[2])
		return media_vips_err(e, ERR_INVALID,
				      "corrupt or truncated image");
	*img = t[2];
	media_strip(*img);
	return 0;
}

/* media_process without the undo. */
static int media_process_do(struct arena *a, const char *media_dir,
			    const void *data, size_t len, int64_t now,
			    struct store_media *out, struct media_undo *u,
			    struct err *e)
{
	VipsObject *ctx;
	enum media_type type;
	VipsImage *img = NULL;
	int rc = media_decode(&ctx, data, len, &type, &img, e);
	if (rc)
		goto out;

	char sha[65];
	media_sha256_hex(data, len, sha);
	time_t tt = (time_t)now;
	struct tm tm;
	gmtime_r(&tt, &tm);
	char *rel = arena_printf(a, "%04d/%02d/%.16s", tm.tm_year + 1900,
				 tm.tm_mon + 1, sha);
	if ((rc = media_mkdirs(a, media_dir, rel, u, e)) != 0)
		goto out;
	char *dir = arena_printf(a, "%s/%s", media_dir, rel);
	char *oname = arena_printf(a, "orig.%s", media_type_ext(type));
	if ((rc = media_write_file(a, dir, oname, data, len, u, e)) != 0)
		goto out;

	memset(out, 0, sizeof *out);
	out->sha256 = arena_strdup(a, sha);
	out->mime = (char *)media_type_mime(type);
	out->width = img->Xsize;
	out->height = img->Ysize;
	out->bytes = (int64_t)len;
	out->path = arena_printf(a, "%s/%s", rel, oname);
	out->created_at = now;
	int ws[MEDIA_N_WIDTHS + 1];
	size_t nw = media_widths(img->Xsize, ws);
	out->variants = arena_alloc(a, (2 * (nw ? nw : 1) + MEDIA_N_CROPS) *
					       sizeof *out->variants);
	out->n_variants = 0;
	for (size_t i = 0; i < nw && rc == 0; i++)
		rc = media_variant(a, img, ws[i], dir, rel, out, u, e);
	for (size_t k = 0; k < MEDIA_N_CROPS && rc == 0; k++)
		rc = media_crop(a, img, k, dir, rel, out, u, e);
out:
	if (ctx)
		V(g_object_unref)(ctx);
	return rc;
}

int media_process(struct arena *a, const char *media_dir, const void *data,
		  size_t len, int64_t now, struct store_media *out,
		  struct err *e)
{
	memset(out, 0, sizeof *out);
	struct media_undo u;
	memset(&u, 0, sizeof u);
	int rc = media_process_do(a, media_dir, data, len, now, out, &u, e);
	if (rc) {
		media_undo_run(&u);
		memset(out, 0, sizeof *out);
	}
	return rc;
}

/* ---- crops for older uploads ---------------------------------------- */

/* 1 when m has a variant with the aspect of crop k. */
static int media_has_crop(const struct store_media *m, size_t k)
{
	for (size_t i = 0; i < m->n_variants; i++)
		if (m->variants[i].aspect &&
		    !strcmp(m->variants[i].aspect, media_crops[k].aspect))
			return 1;
	return 0;
}

/* Read media_dir/rel whole into arena memory. */
static int media_read_all(struct arena *a, const char *media_dir,
			  const char *rel, void **data, size_t *len,
			  struct err *e)
{
	int fd;
	int64_t size, mtime;
	int rc = media_file_open(media_dir, rel, &fd, &size, &mtime, e);
	if (rc)
		return rc;
	unsigned char *p = arena_alloc(a, (size_t)size + 1);
	size_t got = 0;
	while (got < (size_t)size) {
		ssize_t r = read(fd, p + got, (size_t)size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = err_set(e, ERR_IO, "%s: read: %s", rel,
				     r ? strerror(errno) : "file shrank");
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	*data = p;
	*len = got;
	return rc;
}

int media_crops_add(struct arena *a, const char *media_dir,
		    const struct store_media *m,
		    struct store_media_variant **out, size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	size_t missing = 0;
	for (size_t k = 0; k < MEDIA_N_CROPS; k++)
		missing += !media_has_crop(m, k);
	if (missing == 0)
		return 0;
	const char *slash = m->path ? strrchr(m->path, '/') : NULL;
	if (!slash || !media_path_is_original(m->path))
		return err_set(e, ERR_INVALID, "media %lld: original %s",
			       (long long)m->id, m->path ? m->path : "(none)");
	char *rel = arena_strndup(a, m->path, (size_t)(slash - m->path));
	void *data;
	size_t len;
	int rc = media_read_all(a, media_dir, m->path, &data, &len, e);
	if (rc)
		return rc;
	VipsObject *ctx;
	enum media_type type;
	VipsImage *img = NULL;
	struct media_undo u;
	memset(&u, 0, sizeof u);
	struct store_media got;
	memset(&got, 0, sizeof got);
	got.variants = arena_alloc(a, MEDIA_N_CROPS * sizeof *got.variants);
	rc = media_decode(&ctx, data, len, &type, &img, e);
	char *dir = arena_printf(a, "%s/%s", media_dir, rel);
	for (size_t k = 0; rc == 0 && k < MEDIA_N_CROPS; k++)
		if (!media_has_crop(m, k))
			rc = media_crop(a, img, k, dir, rel, &got, &u, e);
	if (ctx)
		V(g_object_unref)(ctx);
	if (rc) {
		media_undo_run(&u);
		return rc;
	}
	*out = got.variants;
	*n = got.n_variants;
	return 0;
}
