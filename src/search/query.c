/*
 * query.c - what a reader typed -> a safe FTS5 MATCH expression.
 *
 * For: search_query_build (see search.h for the contract). The output only
 * ever contains double-quoted FTS5 strings separated by spaces (implicit
 * AND), each optionally followed by `*` for the last one, so no input can
 * produce FTS5 operators, column filters or a syntax error. Splitting a
 * word further (hyphens, punctuation) is left to the tokenizer, which
 * turns a quoted string of several words into a phrase: "Санкт-Петербург"
 * is searched as the phrase "санкт петербург", as it is indexed.
 * Not for: running the query, ranking, PostgreSQL tsquery syntax.
 */
#include "search/search.h"
#include "search/internal.h"
#include "util/arena.h"
#include "util/buf.h"

#include <string.h>

static int is_space(uint32_t cp)
{
	return cp <= 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200B) || cp == 0x200E ||
	       cp == 0x200F || (cp >= 0x2028 && cp <= 0x202F) ||
	       cp == 0x205F || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x3000;
}

static int is_quote(uint32_t cp)
{
	/* " « » “ ” „ ‟ : Russian and English typography for quoting */
	return cp == '"' || cp == 0xAB || cp == 0xBB ||
	       (cp >= 0x201C && cp <= 0x201F);
}

/* Copy valid UTF-8 from s[0..n) to out: spaces and control chars as ' ',
 * every kind of double quote as '"', invalid bytes dropped. Returns the
 * length written (at most n). */
static size_t clean_input(const char *s, size_t n, char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = search_utf8_decode(u + i, n - i, &cp);
		if (cp == SEARCH_BAD_CP)
			; /* dropped */
		else if (is_space(cp))
			out[o++] = ' ';
		else if (is_quote(cp))
			out[o++] = '"';
		else {
			memcpy(out + o, s + i, k);
			o += k;
		}
		i += k;
	}
	return o;
}

/* Letters in the last word of s[0..n), 0 when there is none. */
static size_t last_word_chars(const char *s, size_t n)
{
	struct search_word w;
	size_t pos = 0, nchars = 0;
	while (search_word_next(s, n, &pos, &w))
		nchars = w.nchars;
	return nchars;
}

/* Append s[0..n) as an FTS5 string: in double quotes, inner ones doubled
 * (clean_input leaves none, but the string syntax must not depend on
 * that). */
static void put_string(struct buf *b, const char *s, size_t n)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			buf_putc(b, '"');
		buf_putc(b, s[i]);
	}
	buf_putc(b, '"');
}

int search_query_build(struct arena *a, const char *user_query,
		       int prefix_last, char **fts_query, struct err *e)
{
	(void)e;
	*fts_query = NULL;
	if (!user_query)
		return 0;

	size_t n = strnlen(user_query, SEARCH_QUERY_MAX_BYTES + 1);
	int cut = n > SEARCH_QUERY_MAX_BYTES;
	if (cut)
		n = SEARCH_QUERY_MAX_BYTES; /* a split code point is dropped */
	char *q = arena_alloc(a, n + 1);
	size_t len = clean_input(user_query, n, q);

	/* A quote without a partner (the last one when their number is
	 * odd) is only a separator: `"партнерство стр` while typing. */
	size_t quotes = 0, last_quote = 0;
	for (size_t i = 0; i < len; i++)
		if (q[i] == '"') {
			quotes++;
			last_quote = i;
		}
	if (quotes % 2)
		q[last_quote] = ' ';

	struct buf b;
	buf_init(&b, a);
	size_t i = 0, terms = 0;
	int last_open = 0; /* last term is a word running to the end */
	const char *last = NULL;
	size_t last_len = 0;

	while (i < len && terms < SEARCH_QUERY_MAX_TERMS) {
		const char *t;
		size_t tlen;
		int open;
		if (q[i] == ' ') {
			i++;
			continue;
		}
		if (q[i] == '"') {
			const char *end = memchr(q + i + 1, '"', len - i - 1);
			t = q + i + 1;
			tlen = (size_t)(end - t); /* quotes are balanced */
			i += tlen + 2;
			open = 0;
		} else {
			size_t j = i;
			while (j < len && q[j] != ' ' && q[j] != '"')
				j++;
			t = q + i;
			tlen = j - i;
			i = j;
			open = j == len && !cut;
		}
		if (!search_has_word(t, tlen))
			continue; /* "*", "((((", "—": nothing to look for */
		if (terms++)
			buf_putc(&b, ' ');
		put_string(&b, t, tlen);
		last = t;
		last_len = tlen;
		last_open = open;
	}
	if (!terms)
		return 0;
	if (prefix_last && last_open &&
	    last_word_chars(last, last_len) >= SEARCH_PREFIX_MIN_CHARS)
		buf_putc(&b, '*');
	*fts_query = b.data;
	return 0;
}
