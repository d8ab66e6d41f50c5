/*
 * slug.c - URL slugs from titles and names (backend-neutral).
 *
 * For: store_slugify, used for tag slugs here and for article, rubric and
 * author slugs by the newsroom. ASCII letters and digits are kept (lower
 * case), Cyrillic is transliterated to Latin (a simple Russian/Ukrainian
 * table, not GOST: readable URLs, not reversible ones), common accented
 * Latin letters (including Azerbaijani and Turkish ones) lose their
 * accents; everything else separates words, which are joined with '-'.
 * Not for: uniqueness (the store reports a taken slug as ERR_CONFLICT).
 */
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"

#include <stdint.h>
#include <string.h>

/* Longest slug in bytes; longer ones are cut at a word boundary. */
#define SLUG_MAX 96

/* Latin spelling of U+0430..U+044F (а..я). */
static const char *const cyr_lower[32] = {
	"a",  "b",  "v",  "g",    "d", "e", "zh", "z", "i",  "y",  "k",
	"l",  "m",  "n",  "o",    "p", "r", "s",  "t", "u",  "f",  "kh",
	"ts", "ch", "sh", "shch", "",  "y", "",   "e", "yu", "ya",
};

/* Next code point of s (advancing *i), U+FFFD for a bad sequence. */
static uint32_t utf8_next(const unsigned char *s, size_t *i)
{
	unsigned c = s[*i];
	int n = c < 0x80           ? 0 :
		(c & 0xe0) == 0xc0 ? 1 :
		(c & 0xf0) == 0xe0 ? 2 :
		(c & 0xf8) == 0xf0 ? 3 :
				     -1;
	if (n < 0) {
		(*i)++;
		return 0xfffd;
	}
	uint32_t cp = n == 0 ? c : c & (0x3fu >> n);
	for (int k = 1; k <= n; k++) {
		if ((s[*i + (size_t)k] & 0xc0) != 0x80) {
			*i += (size_t)k;
			return 0xfffd;
		}
		cp = (cp << 6) | (s[*i + (size_t)k] & 0x3f);
	}
	*i += (size_t)n + 1;
	return cp;
}

/* Latin spelling of a non-ASCII code point, NULL for a separator. */
static const char *translit(uint32_t cp)
{
	if (cp >= 0x410 && cp <= 0x42f) /* А..Я */
		return cyr_lower[cp - 0x410];
	if (cp >= 0x430 && cp <= 0x44f)
		return cyr_lower[cp - 0x430];
	switch (cp) {
	case 0x401:
	case 0x451:
		return "e"; /* Ё ё */
	case 0x406:
	case 0x456:
		return "i"; /* І і */
	case 0x407:
	case 0x457:
		return "yi"; /* Ї ї */
	case 0x404:
	case 0x454:
		return "ye"; /* Є є */
	case 0x490:
	case 0x491:
		return "g"; /* Ґ ґ */
	case 0x4d8:
	case 0x4d9:
		return "e"; /* Ә ә (Azerbaijani Cyrillic) */
	case 0x18f:
	case 0x259:
		return "e"; /* Ə ə */
	case 0xc7:
	case 0xe7:
		return "c"; /* Ç ç */
	case 0x15e:
	case 0x15f:
		return "s"; /* Ş ş */
	case 0x11e:
	case 0x11f:
		return "g"; /* Ğ ğ */
	case 0x130:
	case 0x131:
		return "i"; /* İ ı */
	case 0xd6:
	case 0xf6:
	case 0xd8:
	case 0xf8:
		return "o";
	case 0xdc:
	case 0xfc:
		return "u";
	case 0xdf:
		return "ss";
	case 0xc6:
	case 0xe6:
		return "ae";
	case 0xd1:
	case 0xf1:
		return "n";
	case 0xdd:
	case 0xfd:
	case 0xff:
		return "y";
	}
	if (cp >= 0xc0 && cp <= 0xc5)
		return "a";
	if (cp >= 0xe0 && cp <= 0xe5)
		return "a";
	if ((cp >= 0xc8 && cp <= 0xcb) || (cp >= 0xe8 && cp <= 0xeb))
		return "e";
	if ((cp >= 0xcc && cp <= 0xcf) || (cp >= 0xec && cp <= 0xef))
		return "i";
	if ((cp >= 0xd2 && cp <= 0xd5) || (cp >= 0xf2 && cp <= 0xf5))
		return "o";
	if ((cp >= 0xd9 && cp <= 0xdb) || (cp >= 0xf9 && cp <= 0xfb))
		return "u";
	return NULL;
}

char *store_slugify(struct arena *a, const char *text)
{
	struct buf b;
	buf_init(&b, a);
	if (!text)
		return b.data;
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	int sep = 0; /* a separator is pending */
	while (s[i]) {
		uint32_t cp = utf8_next(s, &i);
		char one[2] = {0, 0};
		const char *out = NULL;
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
			one[0] = (char)cp;
			out = one;
		} else if (cp >= 'A' && cp <= 'Z') {
			one[0] = (char)(cp - 'A' + 'a');
			out = one;
		} else if (cp == '\'' || cp == 0x2019) {
			out = ""; /* don't -> dont, not don-t */
		} else if (cp >= 0x80) {
			out = translit(cp);
		}
		if (!out) {
			sep = b.len > 0;
			continue;
		}
		if (!*out)
			continue;
		size_t n = strlen(out);
		if (b.len + n + (size_t)sep > SLUG_MAX)
			break;
		if (sep)
			buf_putc(&b, '-');
		sep = 0;
		buf_append(&b, out, n);
	}
	return b.data;
}
