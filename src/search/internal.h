/*
 * internal.h - helpers shared by the search module's own files.
 *
 * For: the one definition of "what is a word and how is it folded", used
 * both by the FTS5 tokenizer (tokenizer.c) and by the query builder
 * (query.c) so that the two can never disagree. Not for: anything outside
 * src/search/ (use search.h), stemming (tokenizer.c does that).
 */
#ifndef GAZETTE_SEARCH_INTERNAL_H
#define GAZETTE_SEARCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Longest folded token kept, in bytes (64 Cyrillic letters). A longer word
 * is cut at a code point boundary and not stemmed; documents and queries
 * are cut the same way, so the cut word still matches itself. */
#define SEARCH_TOKEN_MAX 128

/* Code point returned by search_utf8_decode for a byte that does not start
 * a valid UTF-8 sequence (overlong, surrogate, > U+10FFFF, truncated). */
#define SEARCH_BAD_CP 0xFFFFFFFFu

/* Character classes. */
enum {
	SEARCH_CC_SEP = 0,  /* separator: ends a word */
	SEARCH_CC_WORD = 1, /* letter or digit: part of a word */
	SEARCH_CC_MARK = 2, /* combining mark, soft hyphen, ZWJ: invisible
			       inside a word (dropped), a separator outside */
	SEARCH_CC_APOS = 3, /* apostrophe: dropped between two word chars
			       ("O'Brien" -> "obrien"), a separator elsewhere */
};

/* Scripts of word chars, as bit flags (digits have none). */
enum {
	SEARCH_SCRIPT_LATIN = 1,
	SEARCH_SCRIPT_CYRILLIC = 2,
	SEARCH_SCRIPT_OTHER = 4,
};

/* One folded code point. */
struct search_fold {
	int cls;      /* SEARCH_CC_* */
	int script;   /* SEARCH_SCRIPT_* bit, 0 for digits and non-words */
	size_t len;   /* bytes in out; 0 unless cls is SEARCH_CC_WORD */
	char out[4];  /* folded UTF-8 (not NUL-terminated) */
};

/* One word found by search_word_next. */
struct search_word {
	size_t start;                /* byte offset of its first char */
	size_t end;                  /* byte offset just past its last char */
	size_t len;                  /* bytes in text */
	size_t nchars;               /* word chars in it (code points) */
	int scripts;                 /* OR of SEARCH_SCRIPT_* of its chars */
	int truncated;               /* 1 when cut at SEARCH_TOKEN_MAX */
	char text[SEARCH_TOKEN_MAX]; /* folded UTF-8, not NUL-terminated */
};

/* Decode the code point at s[0..n), n > 0. Returns the bytes it takes
 * (1..4) and sets *cp; an invalid or truncated sequence takes 1 byte and
 * sets *cp to SEARCH_BAD_CP. Never reads past s[n-1]. */
size_t search_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Classify code point cp (may be SEARCH_BAD_CP: a separator) and, for word
 * chars, write its folded form: lower case, diacritics stripped (é -> e,
 * ß -> ss, ё -> е; й, ї, ў are kept as letters of their own). */
void search_fold_cp(uint32_t cp, struct search_fold *f);

/* Decode and fold the char at s[0..n), n > 0, in one step: the same
 * result as search_utf8_decode followed by search_fold_cp (returns the
 * bytes taken, sets *cp and *f), faster for ASCII and Russian letters.
 * Never reads past s[n-1]. */
size_t search_fold_next(const unsigned char *s, size_t n, uint32_t *cp,
			struct search_fold *f);

/* Find the next word in s[*pos..n): skip separators, then collect word
 * chars into w (folded, cut at SEARCH_TOKEN_MAX). *pos moves past the
 * word. Returns 1 when a word was found, 0 at the end of s. Invalid UTF-8
 * bytes are separators. */
int search_word_next(const char *s, size_t n, size_t *pos,
		     struct search_word *w);

/* 1 when s[0..n) holds at least one word char, else 0. */
int search_has_word(const char *s, size_t n);

/* The tokenizer's word -> stem cache (used for documents only), for
 * tests; tokenizer.c says how it works. tok is an instance made by the "gazette" tokenizer's xCreate
 * (fts5_api.xFindTokenizer); struct Fts5Tokenizer is sqlite3.h's
 * Fts5Tokenizer. */
struct Fts5Tokenizer;

/* Counters of one instance's cache since it was created. */
struct search_stem_cache_stats {
	unsigned long long hits;      /* stems taken from the cache */
	unsigned long long misses;    /* cacheable words Snowball stemmed */
	unsigned long long evictions; /* entries replaced by newer words */
};

/* Turn the cache of tok off (on == 0: every word goes to Snowball, as
 * before the cache existed) or back on. Thread-safe. */
void search_tokenizer_cache_set(struct Fts5Tokenizer *tok, int on);

/* Copy tok's counters to *out. Thread-safe. */
void search_tokenizer_cache_stats_get(struct Fts5Tokenizer *tok,
				      struct search_stem_cache_stats *out);

#endif
