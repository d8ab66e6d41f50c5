/*
 * test_media.c - the media library (src/media): magic-byte sniffing and
 * header sizes, the multipart/form-data parser on good and hostile
 * bodies, the path layout, srcset URLs, the library queries on an
 * in-memory store, and media_process with images made here by libvips:
 * variants for a 2000 x 1500 JPEG (widths 320..1920, WebP and JPEG, no
 * EXIF left) and its 16:9, 4:3 and 1:1 crops 1200 px wide, no upscaling
 * of a 100 x 100 PNG (crops as large as it allows), EXIF rotation,
 * alpha, a GIF, crops that keep an off-centre subject (attention, not
 * the centre), crop sizes, and refusals that leave no file behind
 * (truncated JPEG, HTML, a decompression-bomb PNG header). libvips is
 * loaded lazily: media_init alone does not load it.
 *
 * Test images are generated at run time; nothing binary is committed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "media/media.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wundef"
#pragma GCC diagnostic ignored "-Wshadow"
#include <vips/vips.h>
#pragma GCC diagnostic pop

/* 2024-05-17 12:00 UTC: uploads land in 2024/05 */
#define T_NOW 1715947200LL

/* ---- helpers -------------------------------------------------------- */

struct img {
	void *data; /* g_malloc'd by libvips: g_free */
	size_t len;
};

/* A w x h sRGB test image with a gradient (bands: x, y, 128). */
static VipsImage *img_make(int w, int h, int alpha)
{
	VipsImage *xy, *rgb, *u8, *out;
	assert_int_equal(vips_xyz(&xy, w, h, NULL), 0);
	double c[2] = {128, 255};
	assert_int_equal(vips_bandjoin_const(xy, &rgb, c, alpha ? 2 : 1, NULL),
			 0);
	assert_int_equal(vips_cast_uchar(rgb, &u8, NULL), 0);
	assert_int_equal(vips_copy(u8, &out, "interpretation",
				   VIPS_INTERPRETATION_sRGB, NULL),
			 0);
	g_object_unref(xy);
	g_object_unref(rgb);
	g_object_unref(u8);
	return out;
}

/* A JPEG of w x h with EXIF (a description and the orientation). */
static struct img jpeg_make(int w, int h, int orientation)
{
	VipsImage *im = img_make(w, h, 0);
	vips_image_set_string(im, "exif-ifd0-ImageDescription",
			      "secret location");
	vips_image_set_int(im, VIPS_META_ORIENTATION, orientation);
	struct img r;
	assert_int_equal(
		vips_jpegsave_buffer(im, &r.data, &r.len, "Q", 90, NULL), 0);
	g_object_unref(im);
	return r;
}

static struct img png_make(int w, int h, int alpha)
{
	VipsImage *im = img_make(w, h, alpha);
	struct img r;
	assert_int_equal(vips_pngsave_buffer(im, &r.data, &r.len, NULL), 0);
	g_object_unref(im);
	return r;
}

/* Count regular files below dir (recursively). */
static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char p[1024];
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		struct stat st;
		if (lstat(p, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			n += count_files(p);
		else
			n++;
	}
	closedir(d);
	return n;
}

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char p[1024];
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		struct stat st;
		if (lstat(p, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* Per-test fixture: an arena and a fresh media folder. */
struct fx {
	struct arena *a;
	char root[64];  /* temp folder */
	char media[96]; /* root/media (not created: media_process makes it) */
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	f->a = arena_new(65536);
	snprintf(f->root, sizeof f->root, "/tmp/gz-media-XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->media, sizeof f->media, "%s/media", f->root);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	rm_tree(f->root);
	arena_free(f->a);
	free(f);
	return 0;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	*len = fread(b, 1, (size_t)n, fp);
	fclose(fp);
	return b;
}

/* 1 when b[0..n) contains needle[0..nl). */
static int contains(const char *b, size_t n, const char *needle, size_t nl)
{
	return memmem(b, n, needle, nl) != NULL;
}

/* ---- sniffing ------------------------------------------------------- */

static void test_sniff(void **state)
{
	(void)state;
	struct img j = jpeg_make(16, 8, 1);
	struct img p = png_make(16, 8, 0);
	VipsImage *im = img_make(16, 8, 0);
	struct img w, g;
	assert_int_equal(vips_webpsave_buffer(im, &w.data, &w.len, NULL), 0);
	assert_int_equal(vips_gifsave_buffer(im, &g.data, &g.len, NULL), 0);
	g_object_unref(im);

	assert_int_equal(media_sniff(j.data, j.len), MEDIA_JPEG);
	assert_int_equal(media_sniff(p.data, p.len), MEDIA_PNG);
	assert_int_equal(media_sniff(w.data, w.len), MEDIA_WEBP);
	assert_int_equal(media_sniff(g.data, g.len), MEDIA_GIF);
	int wd, ht;
	assert_int_equal(media_header_size(MEDIA_JPEG, j.data, j.len, &wd, &ht,
					   NULL),
			 0);
	assert_true(wd == 16 && ht == 8);
	assert_int_equal(
		media_header_size(MEDIA_PNG, p.data, p.len, &wd, &ht, NULL), 0);
	assert_true(wd == 16 && ht == 8);
	assert_int_equal(media_header_size(MEDIA_WEBP, w.data, w.len, &wd, &ht,
					   NULL),
			 0);
	assert_true(wd == 16 && ht == 8);
	assert_int_equal(
		media_header_size(MEDIA_GIF, g.data, g.len, &wd, &ht, NULL), 0);
	assert_true(wd == 16 && ht == 8);
	assert_string_equal(media_type_mime(MEDIA_WEBP), "image/webp");
	assert_string_equal(media_type_ext(MEDIA_JPEG), "jpg");
	assert_null(media_type_mime(MEDIA_NONE));

	/* not images, or cut short */
	static const char html[] =
		"<!DOCTYPE html><html><body>hi</body></html>";
	static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
	static const char pdf[] = "%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";
	static const char zip[] = "PK\x03\x04\x14\x00\x00\x00\x08\x00";
	static const char php[] = "<?php system($_GET['c']); ?>";
	assert_int_equal(media_sniff(html, sizeof html - 1), MEDIA_NONE);
	assert_int_equal(media_sniff(svg, sizeof svg - 1), MEDIA_NONE);
	assert_int_equal(media_sniff(pdf, sizeof pdf - 1), MEDIA_NONE);
	assert_int_equal(media_sniff(zip, sizeof zip - 1), MEDIA_NONE);
	assert_int_equal(media_sniff(php, sizeof php - 1), MEDIA_NONE);
	assert_int_equal(media_sniff("", 0), MEDIA_NONE);
	assert_int_equal(media_sniff(NULL, 0), MEDIA_NONE);
	assert_int_equal(media_sniff("\xff\xd8", 2), MEDIA_NONE);
	assert_int_equal(media_sniff(p.data, 20), MEDIA_NONE); /* no IHDR */
	assert_int_equal(media_sniff(g.data, 8), MEDIA_NONE);  /* no LSD */
	assert_int_equal(media_sniff(w.data, 14), MEDIA_NONE); /* no chunk */
	assert_int_equal(media_sniff("RIFF\0\0\0\0WAVEfmt ", 16), MEDIA_NONE);
	/* a JPEG with no frame header is not given a size */
	assert_int_equal(media_header_size(MEDIA_JPEG, "\xff\xd8\xff\xe0\0\x10",
					   6, &wd, &ht, NULL),
			 ERR_INVALID);

	g_free(j.data);
	g_free(p.data);
	g_free(w.data);
	g_free(g.data);
}

static void test_sha256(void **state)
{
	(void)state;
	char hex[65];
	media_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a3"
				 "96177a9cb410ff61f20015ad");
}

/* ---- multipart ------------------------------------------------------ */

#define CT "multipart/form-data; boundary=XyZ"

static int mp(struct arena *a, const char *ct, const void *body, size_t len,
	      struct media_part **parts, size_t *n, struct err *e)
{
	return media_multipart_parse(a, ct, body, len, parts, n, e);
}

static void test_multipart_good(void **state)
{
	struct fx *f = *state;
	/* binary content with CRLFs, "--" and NULs inside */
	static const char body[] =
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"csrf\"\r\n"
		"\r\n"
		"tok123\r\n"
		"--XyZ\r\n"
		"content-disposition: form-data; name=\"file\"; "
		"filename=\"../../etc/pa\\\"ss.jpg\"\r\n"
		"Content-Type: image/jpeg\r\n"
		"\r\n"
		"\xff\xd8\r\n--Xy\r\n\0\r\n\r\nend\r\n"
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=empty\r\n"
		"\r\n"
		"\r\n"
		"--XyZ--\r\nepilogue ignored";
	struct media_part *parts;
	size_t n;
	struct err e = {0};
	assert_int_equal(mp(f->a, CT, body, sizeof body - 1, &parts, &n, &e),
			 0);
	assert_int_equal(n, 3);
	assert_string_equal(parts[0].name, "csrf");
	assert_int_equal(parts[0].len, 6);
	assert_memory_equal(parts[0].data, "tok123", 6);
	assert_null(parts[0].filename);
	assert_string_equal(parts[1].name, "file");
	assert_string_equal(parts[1].filename, "../../etc/pa\"ss.jpg");
	assert_string_equal(parts[1].content_type, "image/jpeg");
	assert_int_equal(parts[1].len, 18);
	assert_memory_equal(parts[1].data, "\xff\xd8\r\n--Xy\r\n\0\r\n\r\nend",
			    18);
	assert_string_equal(parts[2].name, "empty");
	assert_int_equal(parts[2].len, 0);
	assert_ptr_equal(media_part_get(parts, n, "file"), &parts[1]);
	assert_null(media_part_get(parts, n, "nope"));

	/* quoted boundary with a space, and upper-case media type */
	static const char b2[] = "--a b\r\nContent-Disposition: form-data; "
				 "name=\"x\"\r\n\r\n1\r\n--a b--";
	assert_int_equal(mp(f->a, "Multipart/Form-Data; boundary=\"a b\"", b2,
			    sizeof b2 - 1, &parts, &n, &e),
			 0);
	assert_int_equal(n, 1);
	assert_memory_equal(parts[0].data, "1", 1);
}

static void test_multipart_hostile(void **state)
{
	struct fx *f = *state;
	struct media_part *parts;
	size_t n;
	struct err e = {0};
	static const char ok[] = "--XyZ\r\nContent-Disposition: form-data; "
				 "name=\"a\"\r\n\r\nv\r\n--XyZ--";
#define REFUSE(ct, b, l)                                                       \
	do {                                                                   \
		assert_int_equal(mp(f->a, ct, b, l, &parts, &n, &e),           \
				 ERR_INVALID);                                 \
		assert_null(parts);                                            \
		assert_int_equal(n, 0);                                        \
	} while (0)
	/* no or bad boundary, wrong type */
	REFUSE("multipart/form-data", ok, sizeof ok - 1);
	REFUSE("multipart/form-data; boundary=", ok, sizeof ok - 1);
	REFUSE("multipart/form-data; boundary=\"XyZ", ok, sizeof ok - 1);
	REFUSE("multipart/form-data; boundary=Xy<Z", ok, sizeof ok - 1);
	REFUSE("multipart/form-data; boundary=XyZ; boundary=XyZ", ok,
	       sizeof ok - 1);
	REFUSE("multipart/form-datax; boundary=XyZ", ok, sizeof ok - 1);
	REFUSE("application/x-www-form-urlencoded", ok, sizeof ok - 1);
	REFUSE(NULL, ok, sizeof ok - 1);
	char longb[128];
	memset(longb, 'b', sizeof longb);
	snprintf(longb, sizeof longb, "multipart/form-data; boundary=%071d", 0);
	REFUSE(longb, ok, sizeof ok - 1);
	/* empty body, preamble, missing close delimiter */
	REFUSE(CT, "", 0);
	REFUSE(CT, "preamble\r\n--XyZ--", 17);
	static const char noclose[] =
		"--XyZ\r\nContent-Disposition: form-data; "
		"name=\"a\"\r\n\r\nvalue";
	REFUSE(CT, noclose, sizeof noclose - 1);
	static const char noclose2[] =
		"--XyZ\r\nContent-Disposition: "
		"form-data; name=\"a\"\r\n\r\nv\r\n--XyZ";
	REFUSE(CT, noclose2, sizeof noclose2 - 1);
	/* part without a name, not form-data, bare LF, folded header */
	static const char noname[] = "--XyZ\r\nContent-Disposition: form-data"
				     "\r\n\r\nv\r\n--XyZ--";
	REFUSE(CT, noname, sizeof noname - 1);
	static const char att[] = "--XyZ\r\nContent-Disposition: attachment; "
				  "name=\"a\"\r\n\r\nv\r\n--XyZ--";
	REFUSE(CT, att, sizeof att - 1);
	static const char lf[] = "--XyZ\r\nContent-Disposition: form-data; "
				 "name=\"a\"\nX: y\r\n\r\nv\r\n--XyZ--";
	REFUSE(CT, lf, sizeof lf - 1);
	static const char fold[] = "--XyZ\r\nContent-Disposition: form-data; "
				   "name=\"a\"\r\n x\r\n\r\nv\r\n--XyZ--";
	REFUSE(CT, fold, sizeof fold - 1);
	static const char nodisp[] = "--XyZ\r\nContent-Type: text/plain\r\n"
				     "\r\nv\r\n--XyZ--";
	REFUSE(CT, nodisp, sizeof nodisp - 1);
	static const char badname[] = "--XyZ\r\nContent-Disposition: form-data"
				      "; name=\"a\xff\"\r\n\r\nv\r\n--XyZ--";
	REFUSE(CT, badname, sizeof badname - 1);

	/* a huge header block */
	struct buf b;
	buf_init(&b, f->a);
	buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n"
		     "X-Pad: ");
	for (int i = 0; i < 10000; i++)
		buf_putc(&b, 'p');
	buf_puts(&b, "\r\n\r\nv\r\n--XyZ--");
	REFUSE(CT, b.data, b.len);
	/* a header block that never ends */
	buf_init(&b, f->a);
	buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n");
	for (int i = 0; i < 1000; i++)
		buf_puts(&b, "X: y\r\n");
	REFUSE(CT, b.data, b.len);
	/* too many header lines */
	buf_init(&b, f->a);
	buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n");
	for (int i = 0; i < MEDIA_MP_MAX_HEADERS; i++)
		buf_puts(&b, "X: y\r\n");
	buf_puts(&b, "\r\nv\r\n--XyZ--");
	REFUSE(CT, b.data, b.len);
	/* many parts */
	buf_init(&b, f->a);
	for (int i = 0; i < MEDIA_MP_MAX_PARTS + 1; i++)
		buf_printf(&b,
			   "--XyZ\r\nContent-Disposition: form-data; "
			   "name=\"p%d\"\r\n\r\nv\r\n",
			   i);
	buf_puts(&b, "--XyZ--");
	REFUSE(CT, b.data, b.len);
	/* ... but exactly the limit is fine */
	buf_init(&b, f->a);
	for (int i = 0; i < MEDIA_MP_MAX_PARTS; i++)
		buf_printf(&b,
			   "--XyZ\r\nContent-Disposition: form-data; "
			   "name=\"p%d\"\r\n\r\nv\r\n",
			   i);
	buf_puts(&b, "--XyZ--");
	assert_int_equal(mp(f->a, CT, b.data, b.len, &parts, &n, &e), 0);
	assert_int_equal(n, MEDIA_MP_MAX_PARTS);
	/* every prefix of a good body is refused, never read past */
	static const char good[] =
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"; "
		"filename=\"x\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n"
		"--XyZ--";
	for (size_t l = 0; l < sizeof good - 1; l++) {
		char *copy = malloc(l ? l : 1); /* exact size: ASan sees
						 * any overread */
		memcpy(copy, good, l);
		assert_int_equal(mp(f->a, CT, copy, l, &parts, &n, &e),
				 ERR_INVALID);
		free(copy);
	}
#undef REFUSE
}

/* ---- paths and srcset ----------------------------------------------- */

static void test_paths(void **state)
{
	(void)state;
	assert_true(media_path_valid("2024/05/0123456789abcdef/orig.jpg"));
	assert_true(media_path_valid("2024/12/0123456789abcdef/1920.webp"));
	assert_true(media_path_valid("2024/01/0123456789abcdef/100.jpg"));
	assert_true(media_path_valid("2024/01/0123456789abcdef/16x9.jpg"));
	assert_true(media_path_valid("2024/01/0123456789abcdef/4x3.jpg"));
	assert_true(media_path_valid("2024/01/0123456789abcdef/1x1.jpg"));
	assert_false(
		media_path_is_original("2024/05/0123456789abcdef/1x1.jpg"));
	assert_true(
		media_path_is_original("2024/05/0123456789abcdef/orig.gif"));
	assert_false(
		media_path_is_original("2024/05/0123456789abcdef/320.jpg"));
	static const char *const bad[] = {
		"",
		"/2024/05/0123456789abcdef/orig.jpg",
		"2024/05/0123456789abcdef/../orig.jpg",
		"2024/05/../0123456789abcdef/orig.jpg",
		"2024/05/0123456789abcdef/orig.jpg/",
		"2024/05/0123456789abcdef//orig.jpg",
		"2024/13/0123456789abcdef/orig.jpg",
		"2024/00/0123456789abcdef/orig.jpg",
		"0024/05/0123456789abcdef/orig.jpg",
		"2024/5/0123456789abcdef/orig.jpg",
		"2024/05/0123456789ABCDEF/orig.jpg",
		"2024/05/0123456789abcde/orig.jpg",
		"2024/05/0123456789abcdef/orig.php",
		"2024/05/0123456789abcdef/orig.jpg.php",
		"2024/05/0123456789abcdef/0320.jpg",
		"2024/05/0123456789abcdef/320.png",
		"2024/05/0123456789abcdef/16x9.webp",
		"2024/05/0123456789abcdef/16x10.jpg",
		"2024/05/0123456789abcdef/2x1.jpg",
		"2024/05/0123456789abcdef/1x1.jpg.jpg",
		"2024/05/0123456789abcdef/.320.jpg.Ab12Cd",
		"2024/05/0123456789abcdef/320.jpg\n",
		"2024/05/0123456789abcdef",
		"2024/05/0123456789abcdef/x/320.jpg",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_false(media_path_valid(bad[i]));
	assert_false(media_path_valid(NULL));
	assert_string_equal(
		media_path_mime("2024/05/0123456789abcdef/320.webp"),
		"image/webp");
	assert_string_equal(
		media_path_mime("2024/05/0123456789abcdef/orig.png"),
		"image/png");
	assert_null(media_path_mime("x.png"));
}

static void test_srcset(void **state)
{
	struct fx *f = *state;
	struct store_media_variant v[] = {
		{640, 480, "webp", "2024/05/0123456789abcdef/640.webp", 10, ""},
		{320, 240, "jpeg", "2024/05/0123456789abcdef/320.jpg", 10, ""},
		{320, 240, "webp", "2024/05/0123456789abcdef/320.webp", 10, ""},
		{640, 480, "jpeg", "2024/05/0123456789abcdef/640.jpg", 10, ""},
		{960, 720, "jpeg", "../../etc/passwd", 10, ""},
		{1280, 960, "jpeg", "2024/05/0123456789abcdef/1280.jpg", 10,
		 ""},
		{1280, 960, "webp", "2024/05/0123456789abcdef/1280.webp", 10,
		 ""},
		/* crops: never in a srcset (they cut the picture) */
		{1200, 675, "jpeg", "2024/05/0123456789abcdef/16x9.jpg", 10,
		 "16:9"},
		{1200, 900, "jpeg", "2024/05/0123456789abcdef/4x3.jpg", 10,
		 "4:3"},
		{1000, 1000, "jpeg", "2024/05/0123456789abcdef/1x1.jpg", 10,
		 "1:1"},
	};
	struct store_media m = {0};
	m.path = "2024/05/0123456789abcdef/orig.jpg";
	m.width = 1500;
	m.height = 1125;
	m.variants = v;
	m.n_variants = sizeof v / sizeof *v;
	char *ws, *js, *fb;
	assert_int_equal(media_srcset(f->a, &m, "/media/", &ws, &js, &fb), 0);
	assert_string_equal(ws,
			    "/media/2024/05/0123456789abcdef/320.webp 320w, "
			    "/media/2024/05/0123456789abcdef/640.webp 640w, "
			    "/media/2024/05/0123456789abcdef/1280.webp "
			    "1280w");
	assert_string_equal(js,
			    "/media/2024/05/0123456789abcdef/320.jpg 320w, "
			    "/media/2024/05/0123456789abcdef/640.jpg 640w, "
			    "/media/2024/05/0123456789abcdef/1280.jpg 1280w");
	assert_string_equal(fb, "/media/2024/05/0123456789abcdef/1280.jpg");
	/* only crops: nothing to show in a <picture> */
	m.variants = v + 7;
	m.n_variants = 3;
	assert_int_equal(media_srcset(f->a, &m, "/media", &ws, &js, &fb),
			 ERR_NOTFOUND);
	m.variants = v;
	/* narrow image: the widest JPEG; absolute prefix; NULL outs */
	m.n_variants = 4;
	assert_int_equal(media_srcset(f->a, &m, "https://cdn.example/m", NULL,
				      NULL, &fb),
			 0);
	assert_string_equal(fb,
			    "https://cdn.example/m/2024/05/0123456789abcdef/"
			    "640.jpg");
	/* no variants: nothing (never the original) */
	m.n_variants = 0;
	assert_int_equal(media_srcset(f->a, &m, "/media", &ws, &js, &fb),
			 ERR_NOTFOUND);
	assert_string_equal(ws, "");
	assert_string_equal(js, "");
	assert_string_equal(fb, "");
	assert_int_equal(media_srcset(f->a, NULL, "/media", &ws, &js, &fb),
			 ERR_INVALID);
}

/* ---- processing ----------------------------------------------------- */

static void check_no_exif(const char *path)
{
	size_t len = 0;
	char *b = read_file(path, &len);
	assert_non_null(b);
	assert_false(contains(b, len, "Exif\0\0", 6));
	assert_false(contains(b, len, "secret location", 15));
	VipsImage *im = vips_image_new_from_buffer(b, len, "", NULL);
	assert_non_null(im);
	assert_int_equal(vips_image_get_typeof(im, VIPS_META_EXIF_NAME), 0);
	assert_int_equal(vips_image_get_typeof(im, VIPS_META_XMP_NAME), 0);
	assert_int_equal(vips_image_get_typeof(im, VIPS_META_ICC_NAME), 0);
	g_object_unref(im);
	free(b);
}

/* The crops of m are its last three variants: 16:9, 4:3, 1:1, JPEG
 * files of sizes[k][0] x sizes[k][1] (the decoded file agrees), no
 * metadata. */
static void check_crops(const struct fx *f, const struct store_media *m,
			const int sizes[3][2])
{
	static const char *const aspects[] = {"16:9", "4:3", "1:1"};
	static const char *const names[] = {"/16x9.jpg", "/4x3.jpg",
					    "/1x1.jpg"};
	assert_true(m->n_variants >= 3);
	for (size_t k = 0; k < 3; k++) {
		const struct store_media_variant *v =
			&m->variants[m->n_variants - 3 + k];
		assert_non_null(v->aspect);
		assert_string_equal(v->aspect, aspects[k]);
		assert_string_equal(v->format, "jpeg");
		assert_true(media_path_valid(v->path));
		assert_non_null(strstr(v->path, names[k]));
		assert_int_equal(v->width, sizes[k][0]);
		assert_int_equal(v->height, sizes[k][1]);
		char p[512];
		snprintf(p, sizeof p, "%s/%s", f->media, v->path);
		struct stat st;
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_size, v->bytes);
		size_t len = 0;
		char *b = read_file(p, &len);
		assert_int_equal(media_sniff(b, len), MEDIA_JPEG);
		free(b);
		VipsImage *im = vips_image_new_from_file(p, NULL);
		assert_non_null(im);
		assert_int_equal(im->Xsize, sizes[k][0]);
		assert_int_equal(im->Ysize, sizes[k][1]);
		assert_int_equal(im->Bands, 3);
		g_object_unref(im);
		check_no_exif(p);
	}
}

static void test_process_large(void **state)
{
	struct fx *f = *state;
	struct img j = jpeg_make(2000, 1500, 1);
	/* the input does carry EXIF */
	assert_true(contains(j.data, j.len, "Exif\0\0", 6));
	struct store_media m;
	struct err e = {0};
	int rc = media_process(f->a, f->media, j.data, j.len, T_NOW, &m, &e);
	assert_int_equal(rc, 0);
	char sha[65];
	media_sha256_hex(j.data, j.len, sha);
	assert_string_equal(m.sha256, sha);
	assert_string_equal(m.mime, "image/jpeg");
	assert_int_equal(m.width, 2000);
	assert_int_equal(m.height, 1500);
	assert_int_equal(m.bytes, (int64_t)j.len);
	char want[64];
	snprintf(want, sizeof want, "2024/05/%.16s/orig.jpg", sha);
	assert_string_equal(m.path, want);
	assert_int_equal(m.created_at, T_NOW);
	static const int widths[] = {320, 640, 960, 1280, 1920};
	/* 5 widths x (WebP, JPEG), then the three crops */
	assert_int_equal(m.n_variants, 13);
	for (size_t i = 0; i < 5; i++) {
		for (int k = 0; k < 2; k++) {
			const struct store_media_variant *v =
				&m.variants[2 * i + (size_t)k];
			assert_int_equal(v->width, widths[i]);
			assert_int_equal(v->height, widths[i] * 3 / 4);
			assert_string_equal(v->aspect, "");
			assert_string_equal(v->format, k ? "jpeg" : "webp");
			assert_true(media_path_valid(v->path));
			char p[512];
			snprintf(p, sizeof p, "%s/%s", f->media, v->path);
			struct stat st;
			assert_int_equal(stat(p, &st), 0);
			assert_int_equal(st.st_size, v->bytes);
			check_no_exif(p);
			size_t len = 0;
			char *b = read_file(p, &len);
			assert_int_equal(media_sniff(b, len),
					 k ? MEDIA_JPEG : MEDIA_WEBP);
			free(b);
		}
	}
	/* crops 1200 px wide: 1200 x 675, 1200 x 900, 1200 x 1200 */
	static const int crops[3][2] = {{1200, 675}, {1200, 900}, {1200, 1200}};
	check_crops(f, &m, crops);
	/* the original is stored byte for byte; 14 files, no temp left */
	char p[512];
	snprintf(p, sizeof p, "%s/%s", f->media, m.path);
	size_t len = 0;
	char *b = read_file(p, &len);
	assert_int_equal(len, j.len);
	assert_memory_equal(b, j.data, len);
	free(b);
	assert_int_equal(count_files(f->media), 14);

	/* serving: open a variant; refuse an original's symlink twin */
	int fd;
	int64_t size, mtime;
	assert_int_equal(media_file_open(f->media, m.variants[0].path, &fd,
					 &size, &mtime, &e),
			 0);
	assert_int_equal(size, m.variants[0].bytes);
	close(fd);
	char link[512];
	snprintf(link, sizeof link, "%s/%.*s/640.jpg", f->media,
		 (int)(strrchr(m.path, '/') - m.path), m.path);
	unlink(link);
	assert_int_equal(symlink("/etc/passwd", link), 0);
	char rel[128];
	snprintf(rel, sizeof rel, "%.*s/640.jpg",
		 (int)(strrchr(m.path, '/') - m.path), m.path);
	assert_int_equal(media_file_open(f->media, rel, &fd, &size, &mtime, &e),
			 ERR_NOTFOUND);
	assert_int_equal(media_file_open(f->media, "../media/x", &fd, &size,
					 &mtime, &e),
			 ERR_NOTFOUND);
	/* a symlinked folder is refused too */
	char mdir[512], moved[512];
	snprintf(mdir, sizeof mdir, "%s/2024/05", f->media);
	snprintf(moved, sizeof moved, "%s/elsewhere", f->root);
	assert_int_equal(rename(mdir, moved), 0);
	assert_int_equal(symlink(moved, mdir), 0);
	assert_int_equal(media_file_open(f->media, m.variants[0].path, &fd,
					 &size, &mtime, &e),
			 ERR_NOTFOUND);
	unlink(mdir);
	assert_int_equal(rename(moved, mdir), 0);

	/* undo of a success removes everything (the symlink, named as a
	 * variant, too) and the folders */
	media_files_remove(f->media, &m);
	assert_int_equal(count_files(f->media), 0);
	snprintf(mdir, sizeof mdir, "%s/2024", f->media);
	struct stat st;
	assert_int_equal(stat(mdir, &st), -1);
	g_free(j.data);
}

static void test_process_small_no_upscale(void **state)
{
	struct fx *f = *state;
	struct img p = png_make(100, 100, 0);
	struct store_media m;
	struct err e = {0};
	assert_int_equal(
		media_process(f->a, f->media, p.data, p.len, T_NOW, &m, &e), 0);
	assert_string_equal(m.mime, "image/png");
	assert_int_equal(m.width, 100);
	/* one variant at its own size, in both formats; nothing wider;
	 * crops as large as the image allows, never upscaled */
	assert_int_equal(m.n_variants, 5);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(m.variants[i].width, 100);
		assert_int_equal(m.variants[i].height, 100);
	}
	static const int small[3][2] = {{100, 56}, {100, 75}, {100, 100}};
	check_crops(f, &m, small);
	assert_int_equal(count_files(f->media), 6);
	g_free(p.data);

	/* 700 px wide: 320, 640 and 700 */
	p = png_make(700, 350, 0);
	assert_int_equal(
		media_process(f->a, f->media, p.data, p.len, T_NOW, &m, &e), 0);
	assert_int_equal(m.n_variants, 9);
	assert_int_equal(m.variants[0].width, 320);
	assert_int_equal(m.variants[2].width, 640);
	assert_int_equal(m.variants[4].width, 700);
	assert_int_equal(m.variants[4].height, 350);
	/* the full height, as wide as each ratio allows */
	static const int wide[3][2] = {{622, 350}, {466, 350}, {350, 350}};
	check_crops(f, &m, wide);
	g_free(p.data);
}

static void test_process_rotate_alpha_gif(void **state)
{
	struct fx *f = *state;
	struct store_media m;
	struct err e = {0};
	/* EXIF orientation 6 (turn 90 degrees): 400 x 200 is shown 200 x 400 */
	struct img j = jpeg_make(400, 200, 6);
	assert_int_equal(
		media_process(f->a, f->media, j.data, j.len, T_NOW, &m, &e), 0);
	assert_int_equal(m.width, 200);
	assert_int_equal(m.height, 400);
	assert_int_equal(m.n_variants, 5);
	/* crops of the turned picture: the full width */
	static const int turned[3][2] = {{200, 113}, {200, 150}, {200, 200}};
	check_crops(f, &m, turned);
	assert_int_equal(m.variants[1].width, 200);
	assert_int_equal(m.variants[1].height, 400);
	char p[512];
	snprintf(p, sizeof p, "%s/%s", f->media, m.variants[1].path);
	check_no_exif(p);
	g_free(j.data);

	/* PNG with alpha: WebP keeps it, JPEG (and the crops) flattened */
	struct img a = png_make(330, 100, 1);
	assert_int_equal(
		media_process(f->a, f->media, a.data, a.len, T_NOW, &m, &e), 0);
	assert_int_equal(m.n_variants, 7);
	static const int alpha[3][2] = {{177, 100}, {133, 100}, {100, 100}};
	check_crops(f, &m, alpha);
	g_free(a.data);

	/* an animated GIF: the first frame */
	VipsImage *im = img_make(64, 32, 0), *two;
	VipsImage *frames[2] = {im, im};
	assert_int_equal(vips_arrayjoin(frames, &two, 2, "across", 1, NULL), 0);
	vips_image_set_int(two, "page-height", 32);
	struct img g;
	assert_int_equal(vips_gifsave_buffer(two, &g.data, &g.len, NULL), 0);
	g_object_unref(im);
	g_object_unref(two);
	assert_int_equal(
		media_process(f->a, f->media, g.data, g.len, T_NOW, &m, &e), 0);
	assert_string_equal(m.mime, "image/gif");
	assert_int_equal(m.width, 64);
	assert_int_equal(m.height, 32);
	assert_int_equal(m.variants[0].height, 32);
	g_free(g.data);
}

/* Encode im (consumed) with saver "png" or "jpeg" into an img. */
static struct img encode(VipsImage *im, int png)
{
	struct img r;
	int rc = png ? vips_pngsave_buffer(im, &r.data, &r.len, NULL) :
		       vips_jpegsave_buffer(im, &r.data, &r.len, NULL);
	assert_int_equal(rc, 0);
	g_object_unref(im);
	return r;
}

static void test_process_colour_spaces(void **state)
{
	struct fx *f = *state;
	struct store_media m;
	struct err e = {0};
	struct img in[4];
	VipsImage *base = img_make(400, 300, 1), *t, *u;
	/* 16-bit RGB PNG */
	assert_int_equal(vips_extract_band(base, &t, 0, "n", 3, NULL), 0);
	assert_int_equal(vips_cast_ushort(t, &u, NULL), 0);
	g_object_unref(t);
	assert_int_equal(vips_copy(u, &t, "interpretation",
				   VIPS_INTERPRETATION_RGB16, NULL),
			 0);
	g_object_unref(u);
	in[0] = encode(t, 1);
	/* grey + alpha PNG */
	VipsImage *g1, *g2;
	assert_int_equal(vips_extract_band(base, &g1, 0, NULL), 0);
	assert_int_equal(vips_extract_band(base, &g2, 3, NULL), 0);
	assert_int_equal(vips_bandjoin2(g1, g2, &t, NULL), 0);
	g_object_unref(g1);
	g_object_unref(g2);
	assert_int_equal(vips_copy(t, &u, "interpretation",
				   VIPS_INTERPRETATION_B_W, NULL),
			 0);
	g_object_unref(t);
	in[1] = encode(u, 1);
	/* grey JPEG */
	assert_int_equal(vips_extract_band(base, &t, 1, NULL), 0);
	assert_int_equal(vips_copy(t, &u, "interpretation",
				   VIPS_INTERPRETATION_B_W, NULL),
			 0);
	g_object_unref(t);
	in[2] = encode(u, 0);
	/* CMYK JPEG without a profile */
	assert_int_equal(vips_copy(base, &t, "interpretation",
				   VIPS_INTERPRETATION_CMYK, NULL),
			 0);
	in[3] = encode(t, 0);
	g_object_unref(base);
	for (int i = 0; i < 4; i++) {
		int rc = media_process(f->a, f->media, in[i].data, in[i].len,
				       T_NOW, &m, &e);
		if (rc)
			fprintf(stderr, "image %d: %s\n", i, e.msg);
		assert_int_equal(rc, 0);
		assert_int_equal(m.width, 400);
		assert_int_equal(m.n_variants, 7);
		for (size_t k = 0; k < m.n_variants; k++) {
			char p[512];
			snprintf(p, sizeof p, "%s/%s", f->media,
				 m.variants[k].path);
			VipsImage *v = vips_image_new_from_file(p, NULL);
			assert_non_null(v);
			assert_int_equal(v->BandFmt, VIPS_FORMAT_UCHAR);
			/* JPEG: sRGB, 3 bands; WebP: 3 or 4 */
			assert_true(v->Bands == 3 ||
				    (v->Bands == 4 && k < 4 && k % 2 == 0));
			g_object_unref(v);
		}
		g_free(in[i].data);
	}
}

static void test_process_refused(void **state)
{
	struct fx *f = *state;
	struct store_media m;
	struct err e = {0};
	struct img j = jpeg_make(800, 600, 1);

	/* truncated JPEG: refused, nothing left (folders neither) */
	int rc =
		media_process(f->a, f->media, j.data, j.len / 2, T_NOW, &m, &e);
	assert_int_equal(rc, ERR_INVALID);
	assert_non_null(strstr(e.msg, "corrupt"));
	assert_int_equal(count_files(f->media), 0);
	assert_null(m.path);
	char p[256];
	snprintf(p, sizeof p, "%s/2024", f->media);
	struct stat st;
	assert_int_equal(stat(p, &st), -1);

	/* corrupt: the start of a JPEG followed by garbage */
	char *bad = malloc(j.len);
	memcpy(bad, j.data, j.len);
	for (size_t i = 20; i < j.len - 2; i++)
		bad[i] = (char)(i * 7 + 3);
	rc = media_process(f->a, f->media, bad, j.len, T_NOW, &m, &e);
	assert_int_equal(rc, ERR_INVALID);
	assert_int_equal(count_files(f->media), 0);
	free(bad);

	/* HTML named .jpg: not an image */
	static const char html[] = "<html><script>alert(1)</script></html>";
	rc = media_process(f->a, f->media, html, sizeof html - 1, T_NOW, &m,
			   &e);
	assert_int_equal(rc, ERR_INVALID);
	assert_non_null(strstr(e.msg, "not a JPEG, PNG, WebP or GIF"));
	assert_int_equal(count_files(f->media), 0);

	/* decompression bomb: a PNG header of 30000 x 30000 px and a few
	 * bytes of zlib data; refused from the header, before decoding */
	unsigned char png[128];
	size_t n = 0;
	memcpy(png, "\x89PNG\r\n\x1a\n", 8);
	n = 8;
	unsigned char ihdr[17] = {'I', 'H',  'D',  'R', 0, 0, 0x75, 0x30, 0,
				  0,   0x75, 0x30, 8,   2, 0, 0,    0};
	png[n++] = 0, png[n++] = 0, png[n++] = 0, png[n++] = 13;
	memcpy(png + n, ihdr, 17);
	n += 17;
	uLong crc = crc32(0, ihdr, 17);
	png[n++] = (unsigned char)(crc >> 24),
	png[n++] = (unsigned char)(crc >> 16);
	png[n++] = (unsigned char)(crc >> 8), png[n++] = (unsigned char)crc;
	unsigned char raw[64] = {0}, z[64];
	uLongf zl = sizeof z;
	assert_int_equal(compress(z, &zl, raw, sizeof raw), Z_OK);
	png[n++] = 0, png[n++] = 0, png[n++] = 0, png[n++] = (unsigned char)zl;
	unsigned char chunk[80];
	memcpy(chunk, "IDAT", 4);
	memcpy(chunk + 4, z, zl);
	memcpy(png + n, chunk, 4 + zl);
	n += 4 + zl;
	crc = crc32(0, chunk, 4 + (uInt)zl);
	png[n++] = (unsigned char)(crc >> 24),
	png[n++] = (unsigned char)(crc >> 16);
	png[n++] = (unsigned char)(crc >> 8), png[n++] = (unsigned char)crc;
	memcpy(png + n, "\0\0\0\0IEND\xae\x42\x60\x82", 12);
	n += 12;
	assert_int_equal(media_sniff(png, n), MEDIA_PNG);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = media_process(f->a, f->media, png, n, T_NOW, &m, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(rc, ERR_TOOBIG);
	assert_non_null(strstr(e.msg, "30000 x 30000"));
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	assert_int_equal(count_files(f->media), 0);
	/* wide but short, and over the pixel count only */
	png[16] = 0, png[17] = 0, png[18] = 0x2e, png[19] = 0xe1; /* 12001 */
	png[20] = 0, png[21] = 0, png[22] = 0, png[23] = 1;
	rc = media_process(f->a, f->media, png, n, T_NOW, &m, &e);
	assert_int_equal(rc, ERR_TOOBIG);
	png[16] = 0, png[17] = 0, png[18] = 0x1f, png[19] = 0x40; /* 8000 */
	png[20] = 0, png[21] = 0, png[22] = 0x1f, png[23] = 0x40; /* 8000 */
	rc = media_process(f->a, f->media, png, n, T_NOW, &m, &e);
	assert_int_equal(rc, ERR_TOOBIG);
	assert_int_equal(count_files(f->media), 0);

	/* a disk that cannot be written: ERR_IO, nothing half-stored */
	char ro[256];
	snprintf(ro, sizeof ro, "%s/file-not-folder", f->root);
	FILE *fp = fopen(ro, "w");
	fclose(fp);
	rc = media_process(f->a, f->media, j.data, j.len, T_NOW, &m, &e);
	assert_int_equal(rc, 0);
	media_files_remove(f->media, &m);
	rc = media_process(f->a, ro, j.data, j.len, T_NOW, &m, &e);
	assert_int_equal(rc, ERR_IO);
	g_free(j.data);
}

/* ---- crops ---------------------------------------------------------- */

static void test_crop_size(void **state)
{
	(void)state;
	int w, h;
	/* a big landscape: 1200 px wide, the ratio exact */
	media_crop_size(4000, 3000, 16, 9, &w, &h);
	assert_int_equal(w, 1200);
	assert_int_equal(h, 675);
	media_crop_size(4000, 3000, 1, 1, &w, &h);
	assert_int_equal(w, 1200);
	assert_int_equal(h, 1200);
	/* a tall one: the full width when it is narrower than 1200 */
	media_crop_size(900, 3000, 4, 3, &w, &h);
	assert_int_equal(w, 900);
	assert_int_equal(h, 675);
	/* a wide strip: the full height sets the size, no upscaling */
	media_crop_size(3000, 500, 16, 9, &w, &h);
	assert_int_equal(w, 888);
	assert_int_equal(h, 500);
	media_crop_size(3000, 500, 1, 1, &w, &h);
	assert_int_equal(w, 500);
	assert_int_equal(h, 500);
	/* exactly 1200 wide and 16:9 already */
	media_crop_size(1200, 675, 16, 9, &w, &h);
	assert_int_equal(w, 1200);
	assert_int_equal(h, 675);
	/* tiny and degenerate images still get at least 1 x 1 */
	media_crop_size(1, 1, 16, 9, &w, &h);
	assert_int_equal(w, 1);
	assert_int_equal(h, 1);
	media_crop_size(1, 5000, 16, 9, &w, &h);
	assert_int_equal(w, 1);
	assert_int_equal(h, 1);
	media_crop_size(5000, 1, 1, 1, &w, &h);
	assert_int_equal(w, 1);
	assert_int_equal(h, 1);
	/* never bigger than the image, for every ratio and many sizes */
	static const int r[3][2] = {{16, 9}, {4, 3}, {1, 1}};
	for (int iw = 1; iw < 3000; iw += 37)
		for (int ih = 1; ih < 3000; ih += 53)
			for (int k = 0; k < 3; k++) {
				media_crop_size(iw, ih, r[k][0], r[k][1], &w,
						&h);
				assert_true(w >= 1 && w <= iw &&
					    w <= MEDIA_CROP_WIDTH);
				assert_true(h >= 1 && h <= ih);
				/* ratio within 1% once both sides are big
				 * enough for whole pixels to allow it */
				if (h >= 100 && w >= 100) {
					double q = (double)w * r[k][1] /
						   ((double)h * r[k][0]);
					assert_true(q > 0.99 && q < 1.01);
				}
			}
}

/* A 2000 x 1000 grey picture with a red square near its right edge: the
 * square crop must keep the square (attention), where a centre crop
 * (x 500..1500) would cut it away. */
static void test_crop_attention(void **state)
{
	struct fx *f = *state;
	VipsImage *grey, *grey3, *grey8, *bg, *patch, *ink, *ink8, *inkc,
		*scene;
	assert_int_equal(vips_black(&grey, 2000, 1000, NULL), 0);
	assert_int_equal(vips_linear1(grey, &grey3, 1.0, 120.0, NULL), 0);
	assert_int_equal(vips_cast_uchar(grey3, &grey8, NULL), 0);
	VipsImage *bands[3] = {grey8, grey8, grey8};
	assert_int_equal(vips_bandjoin(bands, &bg, 3, NULL), 0);
	/* the subject: a 240 px red square with a texture */
	patch = img_make(240, 240, 0);
	double red[3] = {1.0, 0.2, 0.2}, add[3] = {140.0, 0.0, 0.0};
	assert_int_equal(vips_linear(patch, &ink, red, add, 3, NULL), 0);
	assert_int_equal(vips_cast_uchar(ink, &ink8, NULL), 0);
	assert_int_equal(vips_copy(ink8, &inkc, "interpretation",
				   VIPS_INTERPRETATION_sRGB, NULL),
			 0);
	assert_int_equal(vips_insert(bg, inkc, &scene, 1700, 380, NULL), 0);
	struct img j;
	assert_int_equal(
		vips_jpegsave_buffer(scene, &j.data, &j.len, "Q", 92, NULL), 0);
	VipsImage *drop[] = {grey, grey3, grey8, bg,   patch,
			     ink,  ink8,  inkc,  scene};
	for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
		g_object_unref(drop[i]);

	struct store_media m;
	struct err e = {0};
	assert_int_equal(
		media_process(f->a, f->media, j.data, j.len, T_NOW, &m, &e), 0);
	static const int sizes[3][2] = {{1200, 675}, {1200, 900}, {1000, 1000}};
	check_crops(f, &m, sizes);
	/* in the 1:1 crop, somewhere red is far above green: the square */
	char p[512];
	snprintf(p, sizeof p, "%s/%s", f->media,
		 m.variants[m.n_variants - 1].path);
	VipsImage *c = vips_image_new_from_file(p, NULL), *r0, *g0, *diff;
	assert_non_null(c);
	assert_int_equal(vips_extract_band(c, &r0, 0, NULL), 0);
	assert_int_equal(vips_extract_band(c, &g0, 1, NULL), 0);
	assert_int_equal(vips_subtract(r0, g0, &diff, NULL), 0);
	double most = 0;
	assert_int_equal(vips_max(diff, &most, NULL), 0);
	assert_true(most > 100);
	g_object_unref(diff);
	g_object_unref(g0);
	g_object_unref(r0);
	g_object_unref(c);
	g_free(j.data);
}

/* ---- the library in the store --------------------------------------- */

static void test_library_store(void **state)
{
	struct fx *f = *state;
	store *s;
	struct err e = {0};
	assert_int_equal(store_open(":memory:", &s, &e), 0);
	/* stored in this order; read back width variants first (by
	 * width), then the crops in the order they were added */
	struct store_media_variant v[4] = {
		{1200, 675, "jpeg", "2024/05/0123456789abcdef/16x9.jpg", 7,
		 "16:9"},
		{320, 240, "webp", "2024/05/0123456789abcdef/320.webp", 5, ""},
		{320, 240, "jpeg", "2024/05/0123456789abcdef/320.jpg", 6, ""},
		{1000, 1000, "jpeg", "2024/05/0123456789abcdef/1x1.jpg", 8,
		 "1:1"},
	};
	const char *caps[] = {"Harbour at dawn", "City council 50%_off",
			      "Dawn patrol"};
	int64_t ids[3];
	for (int i = 0; i < 3; i++) {
		struct store_media m = {0};
		char sha[65];
		snprintf(sha, sizeof sha, "%064d", i);
		m.sha256 = sha;
		m.mime = "image/jpeg";
		m.width = 640;
		m.height = 480;
		m.path = "2024/05/0123456789abcdef/orig.jpg";
		m.caption = (char *)caps[i];
		m.alt = "";
		m.created_at = 1000 + i;
		m.variants = v;
		m.n_variants = 4;
		assert_int_equal(store_media_add(s, &m, &e), 0);
		ids[i] = m.id;
	}
	struct store_media got;
	char sha1[65];
	snprintf(sha1, sizeof sha1, "%064d", 1);
	assert_int_equal(store_media_find_sha256(s, f->a, sha1, &got, &e), 0);
	assert_int_equal(got.id, ids[1]);
	assert_int_equal(got.n_variants, 4);
	assert_string_equal(got.variants[0].aspect, "");
	assert_string_equal(got.variants[1].aspect, "");
	assert_string_equal(got.variants[2].aspect, "16:9");
	assert_int_equal(got.variants[2].height, 675);
	assert_string_equal(got.variants[3].aspect, "1:1");
	assert_int_equal(store_media_find_sha256(s, f->a, "ff", &got, &e),
			 ERR_NOTFOUND);

	struct store_media *list;
	size_t n, total;
	struct store_media_filter flt = {0};
	assert_int_equal(store_media_list(s, f->a, &flt, &list, &n, &total, &e),
			 0);
	assert_int_equal(total, 3);
	assert_int_equal(n, 3);
	assert_int_equal(list[0].id, ids[2]); /* newest first */
	assert_int_equal(list[0].n_variants, 4);
	assert_string_equal(list[0].variants[2].aspect, "16:9");
	assert_string_equal(list[0].variants[3].aspect, "1:1");
	flt.q = "dawn";
	assert_int_equal(store_media_list(s, f->a, &flt, &list, &n, &total, &e),
			 0);
	assert_int_equal(total, 2);
	flt.q = "50%_";
	assert_int_equal(store_media_list(s, f->a, &flt, &list, &n, &total, &e),
			 0);
	assert_int_equal(total, 1);
	flt.q = "%";
	assert_int_equal(store_media_list(s, f->a, &flt, &list, &n, &total, &e),
			 0);
	assert_int_equal(total, 1);
	flt.q = NULL;
	flt.limit = 2;
	flt.offset = 2;
	assert_int_equal(store_media_list(s, f->a, &flt, &list, &n, &total, &e),
			 0);
	assert_int_equal(total, 3);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, ids[0]);
	flt.uploaded_by = 7;
	assert_int_equal(store_media_list(s, f->a, &flt, &list, &n, &total, &e),
			 0);
	assert_int_equal(total, 0);

	assert_int_equal(
		store_media_update(s, ids[0], "A boat", "Cap", "Me", &e), 0);
	assert_int_equal(store_media_get(s, f->a, ids[0], &got, &e), 0);
	assert_string_equal(got.alt, "A boat");
	assert_string_equal(got.credit, "Me");
	assert_int_equal(got.n_variants, 4);
	assert_string_equal(got.variants[0].format, "webp");
	assert_string_equal(got.variants[2].aspect, "16:9");
	assert_string_equal(got.variants[2].path,
			    "2024/05/0123456789abcdef/16x9.jpg");
	assert_int_equal(store_media_update(s, 999, "x", "y", "z", &e),
			 ERR_NOTFOUND);
	store_close(s);
}

static int group_setup(void **state)
{
	(void)state;
	struct err e = {0};
	if (media_init("test_media", &e)) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	/* media_init is cheap: libvips comes with the first upload (here
	 * now, since the tests make their images with it first) */
	if (media_vips_loaded()) {
		fprintf(stderr, "media_init loaded libvips\n");
		return -1;
	}
	if (media_vips_load(&e)) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	if (!media_vips_loaded() || media_vips_load(&e) != 0) {
		fprintf(stderr, "libvips: not loaded once\n");
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	media_shutdown();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test_setup_teardown(test_multipart_good, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_multipart_hostile,
						fx_setup, fx_teardown),
		cmocka_unit_test(test_paths),
		cmocka_unit_test_setup_teardown(test_srcset, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_process_large, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_process_small_no_upscale,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_process_rotate_alpha_gif,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_process_colour_spaces,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_process_refused, fx_setup,
						fx_teardown),
		cmocka_unit_test(test_crop_size),
		cmocka_unit_test_setup_teardown(test_crop_attention, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_library_store, fx_setup,
						fx_teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
