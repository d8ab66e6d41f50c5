/*
 * sniff.c - what an uploaded file is, read from its first bytes: the
 * type from the magic numbers and the pixel size from the header, both
 * by hand, without a decoder, and the SHA-256 that names its folder.
 *
 * Nothing here trusts a file name or a Content-Type. The header size is
 * read before libvips sees the file so that a decompression bomb (a tiny
 * file that claims 30000 x 30000 px) is refused before anything
 * allocates for it. Not for decoding or resizing (variants.c).
 */
#include "media/media.h"

#include <sodium.h>
#include <string.h>

static uint32_t sniff_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static unsigned sniff_be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned sniff_le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t sniff_le24(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static const unsigned char sniff_png_sig[8] = {0x89, 'P',  'N',  'G',
					       '\r', '\n', 0x1a, '\n'};

enum media_type media_sniff(const void *data, size_t len)
{
	const unsigned char *p = data;
	if (!p || len < 4)
		return MEDIA_NONE;
	/* JPEG: SOI then the first marker's FF. */
	if (p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff && p[3] != 0xff &&
	    p[3] != 0x00)
		return MEDIA_JPEG;
	/* PNG: signature, then IHDR must come first (length 13). */
	if (len >= 33 && !memcmp(p, sniff_png_sig, 8) &&
	    sniff_be32(p + 8) == 13 && !memcmp(p + 12, "IHDR", 4))
		return MEDIA_PNG;
	/* GIF: header and the 7-byte logical screen descriptor. */
	if (len >= 13 && (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6)))
		return MEDIA_GIF;
	/* WebP: RIFF container of form WEBP, first chunk one of three. */
	if (len >= 30 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4) &&
	    (!memcmp(p + 12, "VP8 ", 4) || !memcmp(p + 12, "VP8L", 4) ||
	     !memcmp(p + 12, "VP8X", 4)))
		return MEDIA_WEBP;
	return MEDIA_NONE;
}

const char *media_type_mime(enum media_type t)
{
	switch (t) {
	case MEDIA_JPEG:
		return "image/jpeg";
	case MEDIA_PNG:
		return "image/png";
	case MEDIA_WEBP:
		return "image/webp";
	case MEDIA_GIF:
		return "image/gif";
	case MEDIA_NONE:
		break;
	}
	return NULL;
}

const char *media_type_ext(enum media_type t)
{
	switch (t) {
	case MEDIA_JPEG:
		return "jpg";
	case MEDIA_PNG:
		return "png";
	case MEDIA_WEBP:
		return "webp";
	case MEDIA_GIF:
		return "gif";
	case MEDIA_NONE:
		break;
	}
	return NULL;
}

/* JPEG: walk the markers to the first start-of-frame (SOF0..SOF15 but
 * DHT C4, JPG C8, DAC CC), whose payload holds height then width. */
static int sniff_jpeg_size(const unsigned char *p, size_t len, int *w, int *h,
			   struct err *e)
{
	size_t i = 2;
	for (int markers = 0; markers < 1024; markers++) {
		/* fill bytes (FF FF ...) may precede a marker */
		while (i < len && p[i] == 0xff && i + 1 < len &&
		       p[i + 1] == 0xff)
			i++;
		if (i + 4 > len || p[i] != 0xff)
			break;
		unsigned m = p[i + 1];
		if (m == 0xd9 || m == 0xda) /* EOI or SOS before any SOF */
			break;
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) { /* no length */
			i += 2;
			continue;
		}
		unsigned seg = sniff_be16(p + i + 2);
		if (seg < 2)
			break;
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
		    m != 0xcc) {
			if (seg < 8 || i + 4 + 5 > len)
				break;
			*h = (int)sniff_be16(p + i + 5);
			*w = (int)sniff_be16(p + i + 7);
			if (*w <= 0 || *h <= 0)
				return err_set(e, ERR_INVALID,
					       "corrupt image: JPEG frame of "
					       "%d x %d px",
					       *w, *h);
			return 0;
		}
		i += 2 + seg;
	}
	return err_set(e, ERR_INVALID,
		       "corrupt or truncated image: no JPEG frame header");
}

/* WebP: VP8 (lossy) key frame, VP8L (lossless) or VP8X (extended). */
static int sniff_webp_size(const unsigned char *p, size_t len, int *w, int *h,
			   struct err *e)
{
	const unsigned char *c = p + 12;
	if (!memcmp(c, "VP8X", 4) && len >= 30) {
		*w = (int)sniff_le24(p + 24) + 1;
		*h = (int)sniff_le24(p + 27) + 1;
		return 0;
	}
	if (!memcmp(c, "VP8L", 4) && len >= 25 && p[20] == 0x2f) {
		uint32_t b = (uint32_t)p[21] | (uint32_t)p[22] << 8 |
			     (uint32_t)p[23] << 16 | (uint32_t)p[24] << 24;
		*w = (int)(b & 0x3fff) + 1;
		*h = (int)((b >> 14) & 0x3fff) + 1;
		return 0;
	}
	/* VP8: frame tag (3 bytes), start code 9D 01 2A, 14-bit sizes */
	if (!memcmp(c, "VP8 ", 4) && len >= 30 && p[23] == 0x9d &&
	    p[24] == 0x01 && p[25] == 0x2a) {
		*w = (int)(sniff_le16(p + 26) & 0x3fff);
		*h = (int)(sniff_le16(p + 28) & 0x3fff);
		if (*w > 0 && *h > 0)
			return 0;
	}
	return err_set(e, ERR_INVALID, "corrupt image: bad WebP header");
}

int media_header_size(enum media_type t, const void *data, size_t len, int *w,
		      int *h, struct err *e)
{
	const unsigned char *p = data;
	*w = *h = 0;
	if (media_sniff(data, len) != t || t == MEDIA_NONE)
		return err_set(e, ERR_INVALID,
			       "not a JPEG, PNG, WebP or GIF image");
	switch (t) {
	case MEDIA_PNG: {
		uint32_t pw = sniff_be32(p + 16), ph = sniff_be32(p + 20);
		/* PNG allows up to 2^31-1: clamp so int holds it; the caller
		 * refuses anything near that anyway. */
		if (pw == 0 || ph == 0)
			return err_set(e, ERR_INVALID,
				       "corrupt image: PNG of %u x %u px",
				       (unsigned)pw, (unsigned)ph);
		*w = pw > 0x7fffffff ? 0x7fffffff : (int)pw;
		*h = ph > 0x7fffffff ? 0x7fffffff : (int)ph;
		return 0;
	}
	case MEDIA_GIF:
		*w = (int)sniff_le16(p + 6);
		*h = (int)sniff_le16(p + 8);
		if (*w == 0 || *h == 0)
			return err_set(e, ERR_INVALID,
				       "corrupt image: GIF of %d x %d px", *w,
				       *h);
		return 0;
	case MEDIA_WEBP:
		return sniff_webp_size(p, len, w, h, e);
	case MEDIA_JPEG:
		return sniff_jpeg_size(p, len, w, h, e);
	case MEDIA_NONE:
		break;
	}
	return err_set(e, ERR_INVALID, "not a JPEG, PNG, WebP or GIF image");
}

void media_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(d, data, len);
	sodium_bin2hex(out, 65, d, sizeof d);
}
