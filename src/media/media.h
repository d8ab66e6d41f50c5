/*
 * media.h - the media library's machinery: what an uploaded file is
 * (magic bytes), multipart/form-data bodies, resized variants and crops
 * made with libvips, where files live on disk, and the URLs pages put in
 * <picture>.
 *
 * Files live below one folder, the media folder (<data_dir>/media), in
 * one layout and no other:
 *
 *     <yyyy>/<mm>/<sha16>/orig.<ext>     the upload, byte for byte
 *     <yyyy>/<mm>/<sha16>/<w>.webp       variant <w> px wide, WebP
 *     <yyyy>/<mm>/<sha16>/<w>.jpg        variant <w> px wide, JPEG
 *     <yyyy>/<mm>/<sha16>/16x9.jpg       crop 16:9, JPEG
 *     <yyyy>/<mm>/<sha16>/4x3.jpg        crop 4:3, JPEG
 *     <yyyy>/<mm>/<sha16>/1x1.jpg        crop 1:1, JPEG
 *
 * yyyy/mm is the upload's month (UTC), sha16 the first 16 hex digits of
 * the upload's SHA-256, ext one of jpg, png, webp, gif (from the content,
 * never from the name), w one of MEDIA_WIDTHS no wider than the image,
 * plus the image's own width when it is narrower than the widest of
 * MEDIA_WIDTHS (so a small image still has a stripped copy to show).
 * The crops are for distribution (JSON-LD image, Open Graph, feeds):
 * the largest region of that aspect ratio that libvips' attention
 * strategy picks, scaled down to MEDIA_CROP_WIDTH px wide when it is
 * wider, never up (media_crop_size); in the store they are variants with
 * an aspect ("16:9", "4:3", "1:1"), the width variants have aspect "".
 * Variants carry no metadata (EXIF, XMP, IPTC, ICC are stripped; pixels
 * are turned by the EXIF orientation and converted to sRGB first); the
 * original keeps whatever the upload had, so it is shown to newsroom
 * users only (see media_path_is_original). Since a name depends on the
 * content, a file never changes once written: it may be cached forever.
 *
 * libvips is not linked: the first media_process loads it (dlopen, see
 * vipsdl.h), so starting the program and serving readers never map it.
 *
 * Threads: media_init once before other threads start; then everything
 * here is thread-safe. Uploads take media_lock around the
 * duplicate check, media_process and the store insert, so at most one
 * upload is decoded at a time (on one libvips thread: readers keep the
 * other cores) and two uploads of one file never race for its folder.
 *
 * Not here: the database (store_media_* in store.h and below), HTTP
 * (newsroom/media_pages.c), templates.
 */
#ifndef GAZETTE_MEDIA_MEDIA_H
#define GAZETTE_MEDIA_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

struct arena;

/* ---- limits --------------------------------------------------------- */

/* A wider or taller image, or one of more pixels, is refused before it
 * is decoded (a decompression bomb). */
#define MEDIA_MAX_SIDE   12000
#define MEDIA_MAX_PIXELS 50000000LL
/* Widths of the variants, narrowest first. */
#define MEDIA_N_WIDTHS 5
#define MEDIA_WIDTHS   320, 640, 960, 1280, 1920
#define MEDIA_WEBP_Q   80 /* WebP quality of variants */
#define MEDIA_JPEG_Q   82 /* JPEG quality of variants and crops */
/* Crops: how many (16:9, 4:3, 1:1) and their width when the source
 * allows (Google and Open Graph want at least 1200 px). */
#define MEDIA_N_CROPS    3
#define MEDIA_CROP_WIDTH 1200

/* ---- start and stop ------------------------------------------------- */

/*
 * Prepare the media machinery: remember argv0 (the program name libvips
 * gets). Cheap: libvips itself is loaded and started by the first
 * media_process (dlopen of libvips.so.<ABI>, or of the file named by the
 * environment variable GAZETTE_LIBVIPS; then vips_init, one worker thread
 * per operation, no operation cache, every loader blocked but the JPEG,
 * PNG, WebP and GIF ones: no SVG, PDF, ImageMagick...). Call once, before
 * other threads start; always 0 (e is for the API's sake). Pair with
 * media_shutdown at exit.
 */
int media_init(const char *argv0, struct err *e);
/* Stop libvips (vips_shutdown) when an upload loaded it. After it no
 * media_* call that decodes may run. Safe to call when media_init was
 * not called or libvips never loaded. */
void media_shutdown(void);

/*
 * Load and start libvips now, once per process (thread-safe:
 * pthread_once); media_process calls it, so nothing else needs to
 * (tests and tools that use libvips themselves do). Opens the soname the
 * headers were built for (libvips.so.<ABI>; the environment variable
 * GAZETTE_LIBVIPS, when set, names another file or soname), checks its
 * ABI as VIPS_INIT does, resolves every function src/media calls, runs
 * vips_init and configures it as media_init says. 0 when libvips is
 * ready; when it cannot be loaded (no library, a missing symbol, a
 * failed start): ERR_IO "image processing is not available: <reason>",
 * the same on every call, and the program goes on without it.
 */
int media_vips_load(struct err *e);

/* 1 when this process has loaded libvips (an upload happened), else 0.
 * Does not load it. */
int media_vips_loaded(void);

/*
 * The size of the aw:ah crop of a w x h image (w, h, aw, ah > 0): the
 * largest aw:ah region, scaled to MEDIA_CROP_WIDTH px wide when wider,
 * never up; the height rounded from the width (at least 1 px, at most
 * h). Pure.
 */
void media_crop_size(int w, int h, int aw, int ah, int *cw, int *ch);

/* ---- what a file is ------------------------------------------------- */

enum media_type {
	MEDIA_NONE = 0, /* not an image we take */
	MEDIA_JPEG,
	MEDIA_PNG,
	MEDIA_WEBP,
	MEDIA_GIF,
};

/*
 * The type of data[0..len) by its magic bytes, never by a name or a
 * Content-Type: JPEG (FF D8 FF), PNG (the 8-byte signature and an IHDR
 * chunk), WebP (RIFF....WEBP with a VP8, VP8L or VP8X chunk), GIF (GIF87a
 * or GIF89a with its screen descriptor). MEDIA_NONE for anything else
 * (HTML, SVG, PDF, ZIP, PHP...), for empty data and for a header cut
 * short. Pure.
 */
enum media_type media_sniff(const void *data, size_t len);

/* "image/jpeg", "image/png", "image/webp", "image/gif"; NULL for
 * MEDIA_NONE. Static strings. */
const char *media_type_mime(enum media_type t);
/* File extension without the dot: "jpg", "png", "webp", "gif"; NULL for
 * MEDIA_NONE. Static strings. */
const char *media_type_ext(enum media_type t);

/*
 * Width and height that the header of an image of type t says, read by
 * hand without a decoder (PNG IHDR, GIF screen descriptor, WebP
 * VP8/VP8L/VP8X, JPEG's first SOF marker), so that a decompression bomb
 * is refused before any decoder allocates for it. 0 and *w, *h (> 0);
 * ERR_INVALID when the header is malformed or cut short. Pure.
 */
int media_header_size(enum media_type t, const void *data, size_t len, int *w,
		      int *h, struct err *e);

/* The process-wide upload lock (a mutex): hold it from the duplicate
 * check (store_media_find_sha256) through media_process to the store
 * insert (or media_files_remove). Not recursive. */
void media_lock(void);
void media_unlock(void);

/* Lower-case hex SHA-256 of data into out (65 bytes with the NUL). */
void media_sha256_hex(const void *data, size_t len, char out[65]);

/* ---- multipart/form-data ------------------------------------------- */

#define MEDIA_MP_MAX_PARTS   16   /* parts accepted in one body */
#define MEDIA_MP_MAX_HEADER  4096 /* bytes of one part's header block */
#define MEDIA_MP_MAX_HEADERS 16   /* header lines in one part */
#define MEDIA_MP_MAX_NAME    128  /* bytes of a field name or filename */

struct media_part {
	const char *name;          /* field name (form-data; name=), arena */
	const char *filename;      /* as sent, NULL when none: display only,
				   * never a path */
	const char *content_type;  /* as sent, NULL when none: advisory */
	const unsigned char *data; /* content: points into the body */
	size_t len;                /* bytes of content */
};

/*
 * Parse a multipart/form-data body (RFC 7578, RFC 2046 section 5.1).
 * content_type is the request's Content-Type header: it must be
 * multipart/form-data with a boundary parameter (1 to 70 characters,
 * quoted or not). The body must start with the first delimiter and end
 * with the close delimiter ("--boundary--"); after it anything (the
 * epilogue) is ignored. Each part needs a Content-Disposition: form-data
 * with a name; header lines end in CRLF, at most MEDIA_MP_MAX_HEADERS
 * of them, MEDIA_MP_MAX_HEADER bytes in all; at most MEDIA_MP_MAX_PARTS
 * parts. Content is binary-safe (CRLFs and NULs inside are fine) and not
 * copied: parts point into body, which must outlive them. Names and
 * filenames are valid UTF-8 without control characters.
 *
 * On success 0, *parts (arena memory) and *n. ERR_INVALID with the
 * reason (no boundary, missing close delimiter, header too large, too
 * many parts, a part without a name...) and *parts NULL, *n 0.
 */
int media_multipart_parse(struct arena *a, const char *content_type,
			  const void *body, size_t len,
			  struct media_part **parts, size_t *n, struct err *e);

/* The first part named `name`, or NULL. */
const struct media_part *media_part_get(const struct media_part *parts,
					size_t n, const char *name);

/* ---- processing ----------------------------------------------------- */

/*
 * Take one upload: check it, store the original and its variants under
 * media_dir (created when missing) and describe the result in *out, ready
 * for store_media_add (sha256, mime, width and height after EXIF
 * rotation, bytes, path, variants: WebP and JPEG per width, narrowest
 * first, then the JPEG crops 16:9, 4:3 and 1:1 with their aspect;
 * strings in arena a). created_at is `now` (Unix seconds; its
 * UTC month names the folder); id, alt, caption, credit, uploaded_by are
 * left 0/NULL for the caller.
 *
 * In order: the type from the magic bytes (ERR_INVALID "not a JPEG,
 * PNG, WebP or GIF image"), the size from the header (ERR_TOOBIG over
 * MEDIA_MAX_SIDE or MEDIA_MAX_PIXELS, before any decoding), the decoder's
 * header (must agree), a full decode that fails on truncation and errors
 * (ERR_INVALID "corrupt or truncated image: ..."), then the variants
 * and the crops. libvips is loaded after the cheap checks (type, header
 * size); when it cannot be, ERR_IO "image processing is not available:
 * <reason>" and nothing is written.
 * Each file is written to a temporary name in its folder, flushed and
 * renamed. On any error (also ERR_IO for the disk) every file this call
 * wrote is removed again, with the folders it made when they are left
 * empty: nothing half-stored. media_files_remove undoes a success (when
 * the store then refuses the row).
 *
 * Callers that may run concurrently hold media_lock around it (see
 * there).
 */
int media_process(struct arena *a, const char *media_dir, const void *data,
		  size_t len, int64_t now, struct store_media *out,
		  struct err *e);

/*
 * Make the crops that m (an upload from before a crop existed) lacks,
 * from its original under media_dir (decoded as media_process decodes an
 * upload), written beside its other files. *out (arena memory) and *n
 * get the new variants, for store_media_variants_add; *n is 0 when m
 * has every crop (nothing is read). On any error the files this call
 * wrote are removed again. ERR_NOTFOUND when the original is missing,
 * ERR_INVALID when it does not decode, ERR_IO for the disk or without
 * libvips. Hold media_lock around it and the store write (it orders the
 * threads of one process; a second process doing the same at once writes
 * the same bytes under the same names, by rename, and
 * store_media_variants_add records each crop once).
 */
int media_crops_add(struct arena *a, const char *media_dir,
		    const struct store_media *m,
		    struct store_media_variant **out, size_t *n, struct err *e);

/* Remove the original and the variants of m from media_dir, and m's
 * folder (and its month and year folders) when that leaves them empty.
 * Paths that do not match the layout are skipped. Errors are ignored:
 * a file already gone is what we want. */
void media_files_remove(const char *media_dir, const struct store_media *m);

/* ---- paths and serving ---------------------------------------------- */

/* 1 when rel matches the layout above exactly (four segments, digits
 * and hex where they belong, a known file name), else 0. Rejects "..",
 * empty segments, leading '/', and anything else. Pure. */
int media_path_valid(const char *rel);

/* 1 when rel (valid) is an original ("orig.<ext>"), else 0. */
int media_path_is_original(const char *rel);

/* Content-Type of a valid rel by its extension ("image/webp"), or NULL. */
const char *media_path_mime(const char *rel);

/*
 * Open media_dir/rel for reading when rel is valid: each folder below
 * media_dir and the file are opened with O_NOFOLLOW (a symlink anywhere
 * below media_dir is refused) and the file must be a regular file. 0 and
 * *fd (caller closes), *size, *mtime; ERR_NOTFOUND when rel is invalid or
 * there is no such regular file (also for a symlink); ERR_IO otherwise.
 */
int media_file_open(const char *media_dir, const char *rel, int *fd,
		    int64_t *size, int64_t *mtime, struct err *e);

/* ---- pages ---------------------------------------------------------- */

/*
 * URLs for an image of media item m in a <picture>:
 *
 *     <picture>
 *       <source type="image/webp" srcset="{{webp}}" sizes="...">
 *       <img src="{{fallback}}" srcset="{{jpeg}}" sizes="..."
 *            width="{{m.width}}" height="{{m.height}}" alt="{{m.alt}}">
 *     </picture>
 *
 * url_prefix is where the media folder is served ("/media", or an
 * absolute "https://cdn.example.com/media"; a trailing '/' is fine).
 * *webp_srcset: "P/2024/05/<sha16>/320.webp 320w, P/.../640.webp 640w"
 * over m's WebP width variants, narrowest first; "" when it has none
 * (then leave the <source> out). Crops (variants with an aspect) are
 * never used here: they cut the picture. *jpeg_srcset: the same over its JPEG
 * variants. *fallback_src: the JPEG variant at least 960 px wide that is
 * narrowest, else the widest JPEG variant (else the widest WebP one).
 * Variants whose path does not match the layout are skipped. Originals
 * are never used (they keep their metadata and are not served to
 * readers). Any out-pointer may be NULL when not wanted. All strings are
 * arena memory, already URL-safe (paths are [0-9a-z./]); escape them for
 * HTML as usual (the templates do).
 *
 * 0; ERR_NOTFOUND when m has no usable variant (the three are set to
 * ""): show no image. ERR_INVALID for a NULL a, m or url_prefix.
 */
int media_srcset(struct arena *a, const struct store_media *m,
		 const char *url_prefix, char **webp_srcset, char **jpeg_srcset,
		 char **fallback_src);

/* ---- the library in the store --------------------------------------- */

/* The media library queries (store_media_find_sha256, store_media_list,
 * store_media_update) are declared in store/store.h. */

#endif
