/*
 * tokenizer.c - the "gazette" FTS5 tokenizer: fold.c's words, stemmed
 * with Snowball (libstemmer).
 *
 * For: registering the tokenizer on a connection and tokenizing text for
 * FTS5 (documents, queries, prefix queries, auxiliary functions). See
 * search.h for the behaviour callers can rely on. Not for: table schema,
 * queries or ranking (the store), query syntax (query.c).
 */
#include "search/search.h"
#include "search/internal.h"
#include "util/err.h"
#include "util/xmalloc.h"

#include <libstemmer.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* One instance per FTS5 table per connection. FTS5 only calls it while
 * holding the connection, but a Snowball stemmer keeps its state in the
 * stemmer object, so the mutex makes the instance safe even on a
 * connection opened with SQLITE_OPEN_NOMUTEX and used from two threads. It
 * is held only around sb_stemmer_stem, never across an xToken callback. */
struct gz_tokenizer {
	struct sb_stemmer *latin;    /* English stemmer, or NULL: fold only */
	struct sb_stemmer *cyrillic; /* Russian stemmer, or NULL: fold only */
	pthread_mutex_t lock;        /* guards both stemmers */
};

static void gz_delete(Fts5Tokenizer *p)
{
	struct gz_tokenizer *t = (struct gz_tokenizer *)p;
	if (!t)
		return;
	if (t->latin)
		sb_stemmer_delete(t->latin);
	if (t->cyrillic)
		sb_stemmer_delete(t->cyrillic);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static int gz_create(void *ctx, const char **argv, int argc,
		     Fts5Tokenizer **out)
{
	(void)ctx;
	*out = NULL;
	if (argc > 1)
		return SQLITE_ERROR; /* "error in tokenizer constructor" */

	int stem = 0;
	if (argc == 1) {
		const char *lang = argv[0];
		stem = strcmp(lang, "en") == 0 || strcmp(lang, "english") == 0 ||
		       strcmp(lang, "ru") == 0 || strcmp(lang, "russian") == 0;
	}

	struct gz_tokenizer *t = xcalloc(1, sizeof *t);
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t);
		return SQLITE_NOMEM;
	}
	if (stem) {
		/* Both stemmers, chosen per word by script: see search.h. */
		t->latin = sb_stemmer_new("english", "UTF_8");
		t->cyrillic = sb_stemmer_new("russian", "UTF_8");
		if (!t->latin || !t->cyrillic) {
			gz_delete((Fts5Tokenizer *)t);
			return SQLITE_NOMEM;
		}
	}
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

/* Stem w into out (capacity cap). Returns the stem's length, 0 when the
 * word is to be used as folded (no stemmer for its script, cut word, no
 * change), -1 when the stemmer ran out of memory. */
static int stem_word(struct gz_tokenizer *t, const struct search_word *w,
		     char *out, size_t cap)
{
	struct sb_stemmer *s = NULL;
	if (w->truncated)
		return 0;
	if (w->scripts & SEARCH_SCRIPT_CYRILLIC)
		s = t->cyrillic;
	else if (w->scripts & SEARCH_SCRIPT_LATIN)
		s = t->latin;
	if (!s)
		return 0;

	int n = 0;
	pthread_mutex_lock(&t->lock);
	const sb_symbol *r =
		sb_stemmer_stem(s, (const sb_symbol *)w->text, (int)w->len);
	if (!r) {
		n = -1;
	} else {
		n = sb_stemmer_length(s);
		if (n <= 0 || (size_t)n > cap)
			n = 0; /* never seen; keep the folded word */
		else
			memcpy(out, r, (size_t)n);
	}
	pthread_mutex_unlock(&t->lock);
	if (n > 0 && (size_t)n == w->len && memcmp(out, w->text, w->len) == 0)
		n = 0;
	return n;
}

/* Hand one word to FTS5. For the last word of a prefix query the folded
 * form goes first (it is the prefix) and the stem follows as a colocated
 * synonym, so "выборах"* finds both "выборах..." and the stem "выбор". */
static int emit(struct gz_tokenizer *t, void *ctx,
		int (*cb)(void *, int, const char *, int, int, int),
		const struct search_word *w, int as_prefix)
{
	char stem[2 * SEARCH_TOKEN_MAX];
	int n = stem_word(t, w, stem, sizeof stem);
	if (n < 0)
		return SQLITE_NOMEM;
	int start = (int)w->start, end = (int)w->end;
	if (!as_prefix) {
		if (n > 0)
			return cb(ctx, 0, stem, n, start, end);
		return cb(ctx, 0, w->text, (int)w->len, start, end);
	}
	int rc = cb(ctx, 0, w->text, (int)w->len, start, end);
	if (rc == SQLITE_OK && n > 0)
		rc = cb(ctx, FTS5_TOKEN_COLOCATED, stem, n, start, end);
	return rc;
}

static int gz_tokenize(Fts5Tokenizer *p, void *ctx, int flags,
		       const char *text, int ntext,
		       int (*cb)(void *, int, const char *, int, int, int))
{
	struct gz_tokenizer *t = (struct gz_tokenizer *)p;
	/* Two words: the one found last is held back until we know whether
	 * it is the final one (only that matters for prefix queries). */
	struct search_word w[2];
	int cur = 0, have = 0, rc = SQLITE_OK;
	size_t pos = 0, n = text && ntext > 0 ? (size_t)ntext : 0;

	while (search_word_next(text, n, &pos, &w[cur])) {
		if (have) {
			rc = emit(t, ctx, cb, &w[!cur], 0);
			if (rc != SQLITE_OK)
				return rc;
		}
		have = 1;
		cur = !cur;
	}
	if (have)
		rc = emit(t, ctx, cb, &w[!cur], (flags & FTS5_TOKENIZE_PREFIX) != 0);
	return rc;
}

int search_tokenizer_register(struct sqlite3 *db, struct err *e)
{
	/* FTS5 copies the struct, so it may live on the stack. */
	fts5_tokenizer tok = {gz_create, gz_delete, gz_tokenize};
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	/* The documented way to reach the fts5_api of a connection
	 * (https://sqlite.org/fts5.html#extending_fts5): SELECT fts5(?1) with
	 * a pointer bound under the type "fts5_api_ptr". */
	rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		ret = err_set(e, ERR_DB, "fts5 not available: %s",
			      sqlite3_errmsg(db));
		goto out;
	}
	rc = sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	if (rc != SQLITE_OK) {
		ret = err_set(e, ERR_DB, "fts5 api: %s", sqlite3_errmsg(db));
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || !api || api->iVersion < 2) {
		ret = err_set(e, ERR_DB, "fts5 api: %s",
			      rc == SQLITE_ROW ? "unsupported version"
					       : sqlite3_errmsg(db));
		goto out;
	}
	rc = api->xCreateTokenizer(api, "gazette", NULL, &tok, NULL);
	if (rc != SQLITE_OK)
		ret = err_set(e, ERR_DB, "fts5 tokenizer gazette: %s",
			      sqlite3_errstr(rc));
out:
	sqlite3_finalize(st);
	return ret;
}

int search_lang_valid(const char *lang)
{
	size_t n = 0;
	if (!lang)
		return 0;
	for (; lang[n]; n++) {
		char c = lang[n];
		if (n >= 15 || !((c >= 'a' && c <= 'z') ||
				 (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return n > 0;
}
