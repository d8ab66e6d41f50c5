/*
 * fold.c - UTF-8 decoding, word boundaries and case/diacritic folding for
 * search.
 *
 * For: deciding which characters make up a word and what each folds to,
 * the same way for indexed text and for queries. Covers Latin (with
 * Latin-1, Extended-A/B and Extended Additional diacritics stripped),
 * Greek, Cyrillic (Ё -> е; Й, Ї, Ў kept), digits, and treats the letters of
 * Armenian, Georgian, Hebrew, Arabic, CJK, kana and Hangul as word chars.
 * Not for: stemming (tokenizer.c), full Unicode case folding or
 * normalisation (no libicu; decomposed marks are simply dropped, except
 * и + U+0306 which is recomposed to й), word segmentation of CJK.
 */
#include "search/internal.h"

#include <string.h>

/* The tables below were generated once with Python's unicodedata: NFKD,
 * combining marks removed, lower-cased, kept when plain ASCII; a few by
 * hand (ß -> ss, æ -> ae, ø -> o, ł -> l, þ -> th, ə -> e ...). "" means
 * "a letter with no ASCII fold: keep it as it is"; 0 in greek_fold means
 * "not a letter". */

/* U+00C0..U+024F, indexed by cp - 0xC0. */
static const char latin_fold[400][3] = {
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e",
	"i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", "",
	"o", "u", "u", "u", "u", "y", "th", "ss", "a", "a", "a", "a",
	"a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u",
	"u", "y", "th", "y", "a", "a", "a", "a", "a", "a", "c", "c",
	"c", "c", "c", "c", "c", "c", "d", "d", "d", "d", "e", "e",
	"e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
	"g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i",
	"i", "i", "i", "i", "i", "i", "ij", "ij", "j", "j", "k", "k",
	"k", "l", "l", "l", "l", "l", "l", "l", "l", "l", "l", "n",
	"n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
	"o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s",
	"s", "s", "s", "s", "s", "s", "t", "t", "t", "t", "t", "t",
	"u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u",
	"w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
	"b", "b", "b", "b", "", "", "o", "c", "c", "d", "d", "d",
	"d", "", "e", "e", "e", "f", "f", "g", "g", "", "", "i",
	"k", "k", "l", "", "", "n", "n", "o", "o", "o", "", "",
	"p", "p", "", "", "", "", "", "t", "t", "t", "t", "u",
	"u", "", "v", "y", "y", "z", "z", "z", "", "", "", "",
	"", "", "", "", "", "", "", "", "dz", "dz", "dz", "lj",
	"lj", "lj", "nj", "nj", "nj", "a", "a", "i", "i", "o", "o", "u",
	"u", "u", "u", "u", "u", "u", "u", "u", "u", "e", "a", "a",
	"a", "a", "ae", "ae", "g", "g", "g", "g", "k", "k", "o", "o",
	"o", "o", "z", "z", "j", "dz", "dz", "dz", "g", "g", "", "",
	"n", "n", "a", "a", "ae", "ae", "o", "o", "a", "a", "a", "a",
	"e", "e", "e", "e", "i", "i", "i", "i", "o", "o", "o", "o",
	"r", "r", "r", "r", "u", "u", "u", "u", "s", "s", "t", "t",
	"", "", "h", "h", "", "d", "", "", "z", "z", "a", "a",
	"e", "e", "o", "o", "o", "o", "o", "o", "o", "o", "y", "y",
	"l", "n", "t", "j", "", "", "a", "c", "c", "l", "t", "s",
	"z", "", "", "b", "u", "", "e", "e", "j", "j", "q", "q",
	"r", "r", "y", "y",
};
/* U+1E00..U+1EFF, indexed by cp - 0x1E00. */
static const char latin_ext_fold[256][3] = {
	"a", "a", "b", "b", "b", "b", "b", "b", "c", "c", "d", "d",
	"d", "d", "d", "d", "d", "d", "d", "d", "e", "e", "e", "e",
	"e", "e", "e", "e", "e", "e", "f", "f", "g", "g", "h", "h",
	"h", "h", "h", "h", "h", "h", "h", "h", "i", "i", "i", "i",
	"k", "k", "k", "k", "k", "k", "l", "l", "l", "l", "l", "l",
	"l", "l", "m", "m", "m", "m", "m", "m", "n", "n", "n", "n",
	"n", "n", "n", "n", "o", "o", "o", "o", "o", "o", "o", "o",
	"p", "p", "p", "p", "r", "r", "r", "r", "r", "r", "r", "r",
	"s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "t", "t",
	"t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u",
	"u", "u", "u", "u", "v", "v", "v", "v", "w", "w", "w", "w",
	"w", "w", "w", "w", "w", "w", "x", "x", "x", "x", "y", "y",
	"z", "z", "z", "z", "z", "z", "h", "t", "w", "y", "a", "s",
	"s", "s", "ss", "d", "a", "a", "a", "a", "a", "a", "a", "a",
	"a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a",
	"a", "a", "a", "a", "e", "e", "e", "e", "e", "e", "e", "e",
	"e", "e", "e", "e", "e", "e", "e", "e", "i", "i", "i", "i",
	"o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o",
	"o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o",
	"u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u",
	"u", "u", "y", "y", "y", "y", "y", "y", "y", "y", "ll", "ll",
	"", "", "", "",
};
/* U+0370..U+03FF, indexed by cp - 0x370: lower case without tonos or
 * dialytika, final sigma -> sigma. */
static const uint16_t greek_fold[144] = {
	0x0371, 0x0371, 0x0373, 0x0373, 0, 0, 0x0377, 0x0377,
	0, 0, 0x037A, 0x037B, 0x037C, 0x037D, 0, 0x03F3,
	0, 0, 0, 0, 0, 0, 0x03B1, 0,
	0x03B5, 0x03B7, 0x03B9, 0, 0x03BF, 0, 0x03C5, 0x03C9,
	0x03B9, 0x03B1, 0x03B2, 0x03B3, 0x03B4, 0x03B5, 0x03B6, 0x03B7,
	0x03B8, 0x03B9, 0x03BA, 0x03BB, 0x03BC, 0x03BD, 0x03BE, 0x03BF,
	0x03C0, 0x03C1, 0, 0x03C3, 0x03C4, 0x03C5, 0x03C6, 0x03C7,
	0x03C8, 0x03C9, 0x03B9, 0x03C5, 0x03B1, 0x03B5, 0x03B7, 0x03B9,
	0x03C5, 0x03B1, 0x03B2, 0x03B3, 0x03B4, 0x03B5, 0x03B6, 0x03B7,
	0x03B8, 0x03B9, 0x03BA, 0x03BB, 0x03BC, 0x03BD, 0x03BE, 0x03BF,
	0x03C0, 0x03C1, 0x03C3, 0x03C3, 0x03C4, 0x03C5, 0x03C6, 0x03C7,
	0x03C8, 0x03C9, 0x03B9, 0x03C5, 0x03BF, 0x03C5, 0x03C9, 0x03D7,
	0x03D0, 0x03D1, 0x03D2, 0x03D2, 0x03D2, 0x03D5, 0x03D6, 0x03D7,
	0x03D9, 0x03D9, 0x03DB, 0x03DB, 0x03DD, 0x03DD, 0x03DF, 0x03DF,
	0x03E1, 0x03E1, 0x03E3, 0x03E3, 0x03E5, 0x03E5, 0x03E7, 0x03E7,
	0x03E9, 0x03E9, 0x03EB, 0x03EB, 0x03ED, 0x03ED, 0x03EF, 0x03EF,
	0x03F0, 0x03F1, 0x03F2, 0x03F3, 0x03B8, 0x03F5, 0, 0x03F8,
	0x03F8, 0x03F2, 0x03FB, 0x03FB, 0x03FC, 0x037B, 0x037C, 0x037D,
};

size_t search_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		*cp = SEARCH_BAD_CP; /* continuation byte, C0/C1, F5..FF */
		return 1;
	}
	if (len > n)
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		v = (v << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF are
	 * invalid (RFC 3629 section 3). */
	if (v < min || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
		goto bad;
	*cp = v;
	return len;
bad:
	*cp = SEARCH_BAD_CP;
	return 1;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static void fold_word(struct search_fold *f, int script, uint32_t cp)
{
	f->cls = SEARCH_CC_WORD;
	f->script = script;
	f->len = utf8_encode(cp, f->out);
}

static void fold_ascii(struct search_fold *f, int script, const char *s)
{
	f->cls = SEARCH_CC_WORD;
	f->script = script;
	f->len = strlen(s);
	memcpy(f->out, s, f->len);
}

/* Lower case of a Cyrillic letter U+0400..U+052F with Ё/ё, Ѐ/ѐ -> е and
 * Ѝ/ѝ -> и (diacritic variants of е and и); other letters of the block keep
 * their identity (й, ї, ў, ґ, є, і are letters, not accented ones). */
static uint32_t cyrillic_lower(uint32_t cp)
{
	if (cp >= 0x410 && cp <= 0x42F)
		cp += 0x20;
	else if (cp >= 0x400 && cp <= 0x40F)
		cp += 0x50;
	else if ((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48A && cp <= 0x4BF) ||
		 (cp >= 0x4D0 && cp <= 0x52F))
		cp |= 1; /* even upper, odd lower */
	else if (cp == 0x4C0)
		cp = 0x4CF;
	else if (cp >= 0x4C1 && cp <= 0x4CE && (cp & 1))
		cp += 1; /* odd upper, even lower */
	if (cp == 0x451 || cp == 0x450)
		cp = 0x435; /* ё, ѐ -> е */
	else if (cp == 0x45D)
		cp = 0x438; /* ѝ -> и */
	return cp;
}

static int is_mark(uint32_t cp)
{
	return (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x483 && cp <= 0x489) ||
	       (cp >= 0x591 && cp <= 0x5C7) || (cp >= 0x610 && cp <= 0x61A) ||
	       (cp >= 0x64B && cp <= 0x65F) || cp == 0x670 ||
	       (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
	       (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
	       (cp >= 0xFE20 && cp <= 0xFE2F) ||
	       /* soft hyphen, ZWNJ, ZWJ, word joiner, BOM: invisible inside
		* words that typesetting tools hyphenate or join */
	       cp == 0xAD || cp == 0x200C || cp == 0x200D || cp == 0x2060 ||
	       cp == 0xFEFF;
}

void search_fold_cp(uint32_t cp, struct search_fold *f)
{
	f->cls = SEARCH_CC_SEP;
	f->script = 0;
	f->len = 0;

	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			fold_word(f, SEARCH_SCRIPT_LATIN, cp + 32);
		else if (cp >= 'a' && cp <= 'z')
			fold_word(f, SEARCH_SCRIPT_LATIN, cp);
		else if (cp >= '0' && cp <= '9')
			fold_word(f, 0, cp);
		else if (cp == '\'')
			f->cls = SEARCH_CC_APOS;
		return;
	}
	if (is_mark(cp)) {
		f->cls = SEARCH_CC_MARK;
		return;
	}
	if (cp < 0xC0) {
		switch (cp) {
		case 0xAA: fold_ascii(f, SEARCH_SCRIPT_LATIN, "a"); break;
		case 0xBA: fold_ascii(f, SEARCH_SCRIPT_LATIN, "o"); break;
		case 0xB2: fold_ascii(f, 0, "2"); break;
		case 0xB3: fold_ascii(f, 0, "3"); break;
		case 0xB9: fold_ascii(f, 0, "1"); break;
		case 0xB5: fold_word(f, SEARCH_SCRIPT_OTHER, 0x3BC); break;
		default: break;
		}
		return;
	}
	if (cp <= 0x24F) {
		if (cp == 0xD7 || cp == 0xF7) /* multiplication, division */
			return;
		const char *s = latin_fold[cp - 0xC0];
		if (s[0])
			fold_ascii(f, SEARCH_SCRIPT_LATIN, s);
		else
			fold_word(f, SEARCH_SCRIPT_LATIN, cp);
		return;
	}
	if (cp <= 0x2AF) { /* IPA extensions */
		if (cp == 0x259)
			fold_ascii(f, SEARCH_SCRIPT_LATIN, "e"); /* ə */
		else
			fold_word(f, SEARCH_SCRIPT_LATIN, cp);
		return;
	}
	if (cp < 0x370) {
		/* modifier letter apostrophe and turned comma (Uzbek o‘) */
		if (cp == 0x2BC || cp == 0x2BB)
			f->cls = SEARCH_CC_APOS;
		return;
	}
	if (cp <= 0x3FF) {
		if (greek_fold[cp - 0x370])
			fold_word(f, SEARCH_SCRIPT_OTHER, greek_fold[cp - 0x370]);
		return;
	}
	if (cp <= 0x52F) {
		if (cp == 0x482) /* thousands sign */
			return;
		fold_word(f, SEARCH_SCRIPT_CYRILLIC, cyrillic_lower(cp));
		return;
	}
	if (cp >= 0x531 && cp <= 0x556) { /* Armenian capitals */
		fold_word(f, SEARCH_SCRIPT_OTHER, cp + 0x30);
		return;
	}
	if (cp >= 0x1C90 && cp <= 0x1CBF) { /* Georgian Mtavruli capitals */
		if (cp != 0x1CBB && cp != 0x1CBC)
			fold_word(f, SEARCH_SCRIPT_OTHER, cp - 0x1C90 + 0x10D0);
		return;
	}
	if (cp >= 0x1E00 && cp <= 0x1EFF) {
		const char *s = latin_ext_fold[cp - 0x1E00];
		if (s[0])
			fold_ascii(f, SEARCH_SCRIPT_LATIN, s);
		else
			fold_word(f, SEARCH_SCRIPT_LATIN, cp);
		return;
	}
	if (cp == 0x2018 || cp == 0x2019) { /* ‘ ’ used as apostrophes */
		f->cls = SEARCH_CC_APOS;
		return;
	}
	if (cp >= 0xFF10 && cp <= 0xFF19) { /* fullwidth digits */
		fold_word(f, 0, cp - 0xFF10 + '0');
		return;
	}
	if ((cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A)) {
		fold_word(f, SEARCH_SCRIPT_LATIN, ((cp - 0xFF21) & 0x1F) + 'a');
		return;
	}
	if ((cp >= 0x561 && cp <= 0x587) ||   /* Armenian small */
	    (cp >= 0x5D0 && cp <= 0x5EA) ||   /* Hebrew */
	    (cp >= 0x5EF && cp <= 0x5F2) ||
	    (cp >= 0x620 && cp <= 0x64A) ||   /* Arabic letters */
	    (cp >= 0x660 && cp <= 0x669) ||   /* Arabic-Indic digits */
	    (cp >= 0x66E && cp <= 0x6D3) || cp == 0x6D5 ||
	    (cp >= 0x6EE && cp <= 0x6FC) ||
	    (cp >= 0x10D0 && cp <= 0x10FA) || /* Georgian Mkhedruli */
	    (cp >= 0x10FC && cp <= 0x10FF) ||
	    (cp >= 0x3041 && cp <= 0x3096) || /* Hiragana */
	    (cp >= 0x30A1 && cp <= 0x30FA) || /* Katakana */
	    cp == 0x30FC ||
	    (cp >= 0x3400 && cp <= 0x4DBF) || /* CJK */
	    (cp >= 0x4E00 && cp <= 0x9FFF) ||
	    (cp >= 0xAC00 && cp <= 0xD7A3))   /* Hangul */
		fold_word(f, SEARCH_SCRIPT_OTHER, cp);
}

/* search_fold_next; static inline so that the word scanner gets it
 * inlined (one call per char was a measurable part of tokenizing). */
static inline size_t fold_next(const unsigned char *s, size_t n, uint32_t *cp,
			       struct search_fold *f)
{
	unsigned char c = s[0];

	/* Fast paths for what news text is mostly made of: ASCII, and the
	 * two-byte sequences D0/D1 xx that encode U+0400..U+047F (Russian
	 * letters and Ё). Both give exactly what search_utf8_decode and
	 * search_fold_cp give (test_fold_next_matches_fold_cp checks every
	 * code point); they only skip the calls and the range tests that
	 * cannot match. */
	if (c < 0x80) {
		*cp = c;
		f->script = 0;
		f->len = 0;
		f->cls = SEARCH_CC_SEP;
		if ((unsigned)(c - 'a') < 26u) {
			f->cls = SEARCH_CC_WORD;
			f->script = SEARCH_SCRIPT_LATIN;
			f->len = 1;
			f->out[0] = (char)c;
		} else if ((unsigned)(c - 'A') < 26u) {
			f->cls = SEARCH_CC_WORD;
			f->script = SEARCH_SCRIPT_LATIN;
			f->len = 1;
			f->out[0] = (char)(c + 32);
		} else if ((unsigned)(c - '0') < 10u) {
			f->cls = SEARCH_CC_WORD;
			f->len = 1;
			f->out[0] = (char)c;
		} else if (c == '\'') {
			f->cls = SEARCH_CC_APOS;
		}
		return 1;
	}
	if ((c == 0xD0 || c == 0xD1) && n >= 2 && (s[1] & 0xC0) == 0x80) {
		/* U+0400..U+047F: no marks, no separators, all Cyrillic; the
		 * lower case stays below U+0800, so two bytes again. */
		*cp = ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3Fu);
		uint32_t lc = cyrillic_lower(*cp);
		f->cls = SEARCH_CC_WORD;
		f->script = SEARCH_SCRIPT_CYRILLIC;
		f->len = 2;
		f->out[0] = (char)(0xC0 | (lc >> 6));
		f->out[1] = (char)(0x80 | (lc & 0x3F));
		return 2;
	}
	size_t k = search_utf8_decode(s, n, cp);
	search_fold_cp(*cp, f);
	return k;
}

size_t search_fold_next(const unsigned char *s, size_t n, uint32_t *cp,
			struct search_fold *f)
{
	return fold_next(s, n, cp, f);
}

/* Append the folded char, or mark the word cut when it does not fit.
 * f->len is 1..4; the byte copies avoid a memcpy call per char. */
static void word_put(struct search_word *w, const struct search_fold *f)
{
	if (w->truncated || w->len + f->len > sizeof w->text) {
		w->truncated = 1;
		return;
	}
	char *d = w->text + w->len;
	d[0] = f->out[0];
	if (f->len > 1) {
		d[1] = f->out[1];
		if (f->len > 2) {
			d[2] = f->out[2];
			if (f->len > 3)
				d[3] = f->out[3];
		}
	}
	w->len += f->len;
}

int search_word_next(const char *s, size_t n, size_t *pos,
		     struct search_word *w)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = *pos, k;
	uint32_t cp;
	struct search_fold f;

	for (;;) {
		if (i >= n) {
			*pos = n;
			return 0;
		}
		k = fold_next(u + i, n - i, &cp, &f);
		if (f.cls == SEARCH_CC_WORD)
			break;
		i += k;
	}
	w->start = i;
	w->len = 0;
	w->nchars = 0;
	w->scripts = 0;
	w->truncated = 0;
	for (;;) {
		if (f.cls == SEARCH_CC_WORD) {
			word_put(w, &f);
			w->nchars++;
			w->scripts |= f.script;
		} else if (f.cls == SEARCH_CC_MARK) {
			/* и + combining breve is a decomposed й, a letter of its
			 * own that the Russian stemmer must see as such. */
			if (cp == 0x306 && !w->truncated && w->len >= 2 &&
			    memcmp(w->text + w->len - 2, "\xD0\xB8", 2) == 0)
				w->text[w->len - 1] = (char)0xB9;
		} else {
			break; /* an apostrophe that was not followed by a word char */
		}
		i += k;
		w->end = i;
		if (i >= n)
			break;
		k = fold_next(u + i, n - i, &cp, &f);
		if (f.cls == SEARCH_CC_APOS) {
			uint32_t next;
			struct search_fold nf;
			size_t k2;
			if (i + k >= n)
				break;
			k2 = fold_next(u + i + k, n - i - k, &next, &nf);
			if (nf.cls != SEARCH_CC_WORD)
				break;
			/* skip the apostrophe: "O'Brien" is one word "obrien" */
			i += k;
			k = k2;
			cp = next;
			f = nf;
		} else if (f.cls == SEARCH_CC_SEP) {
			break;
		}
	}
	*pos = w->end;
	return 1;
}

int search_has_word(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;
	struct search_fold f;

	while (i < n) {
		i += fold_next(u + i, n - i, &cp, &f);
		if (f.cls == SEARCH_CC_WORD)
			return 1;
	}
	return 0;
}
