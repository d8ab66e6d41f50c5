/*
 * tokenizer.c - the "gazette" FTS5 tokenizer: fold.c's words, stemmed
 * with Snowball (libstemmer) through a per-instance word -> stem cache.
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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Word -> stem cache. News text repeats its words a lot, and Snowball was
 * half of the tokenizer's time, so each instance remembers what the last
 * few thousand words it stemmed came out as: a hash table of GZ_CACHE_SETS
 * sets of GZ_CACHE_WAYS slots (set-associative: a lookup reads one
 * 256-byte set, no probe chains, nothing to delete). A new word takes an
 * empty slot of its set or replaces one in round-robin order. Only words
 * whose folded form and stem fit GZ_CACHE_DATA bytes together are cached
 * (most words of up to 14 Cyrillic or 28 Latin letters); longer ones are
 * stemmed every time. Snowball is deterministic (a word's stem does not
 * depend on the words stemmed before it), so a cached stem is the stem:
 * test_stem_cache_same_tokens compares a cached and an uncached instance
 * token by token.
 *
 * Only documents (FTS5_TOKENIZE_DOCUMENT: inserts, deletes, 'rebuild') use
 * the cache: queries are a few words, and auxiliary functions (highlight,
 * excerpts) tokenize little text, so reader connections never allocate it.
 *
 * Memory: GZ_CACHE_SETS * GZ_CACHE_WAYS * 64 bytes = 256 KB per instance,
 * allocated when the instance first stems a word of a document (never in
 * a fold-only table) and freed with the instance. */
#define GZ_CACHE_WAYS 4
#define GZ_CACHE_SETS 1024 /* power of two */
#define GZ_CACHE_DATA 57   /* makes a slot 64 bytes */

enum {
	GZ_STEM_LATIN = 1,
	GZ_STEM_CYRILLIC = 2,
};

struct gz_cache_slot {
	uint32_t hash;            /* cache_hash of (stemmer, word) */
	uint8_t klen;             /* word bytes at data[0..klen); 0: empty */
	uint8_t slen;             /* stem bytes after the word; 0: no change */
	uint8_t stemmer;          /* GZ_STEM_* the entry was made with */
	char data[GZ_CACHE_DATA]; /* folded word, then its stem */
};

/* One instance per FTS5 table per connection. FTS5 only calls it while
 * holding the connection, but a Snowball stemmer keeps its state in the
 * stemmer object and the cache is shared by all calls, so the mutex makes
 * the instance safe even on a connection opened with SQLITE_OPEN_NOMUTEX
 * and used from two threads. It is held only around one word's cache
 * lookup and stemming, never across an xToken callback. */
struct gz_tokenizer {
	struct sb_stemmer *latin;    /* English stemmer, or NULL: fold only */
	struct sb_stemmer *cyrillic; /* Russian stemmer, or NULL: fold only */
	pthread_mutex_t lock;        /* guards the stemmers and all below */
	struct gz_cache_slot *cache; /* GZ_CACHE_SETS * GZ_CACHE_WAYS slots or
					NULL; owned, freed by gz_delete */
	int cache_off;               /* 1: stem every word (a test asked, or
					the cache could not be allocated) */
	unsigned victim;             /* round-robin way to replace next */
	struct search_stem_cache_stats stats; /* for tests */
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
	free(t->cache);
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

/* FNV-1a of the stemmer id and the word's bytes. */
static uint32_t cache_hash(int stemmer, const char *s, size_t n)
{
	uint32_t h = (2166136261u ^ (uint32_t)stemmer) * 16777619u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The set of GZ_CACHE_WAYS slots where hash h lives. */
static struct gz_cache_slot *cache_set_of(struct gz_tokenizer *t, uint32_t h)
{
	return t->cache + (size_t)(h & (GZ_CACHE_SETS - 1)) * GZ_CACHE_WAYS;
}

/* The slot holding (stemmer, w), or NULL. Lock held, t->cache set. */
static const struct gz_cache_slot *cache_find(struct gz_tokenizer *t,
					      uint32_t h, int stemmer,
					      const struct search_word *w)
{
	const struct gz_cache_slot *set = cache_set_of(t, h);
	for (int i = 0; i < GZ_CACHE_WAYS; i++) {
		const struct gz_cache_slot *c = &set[i];
		if (c->hash == h && c->klen == w->len &&
		    c->stemmer == stemmer &&
		    memcmp(c->data, w->text, w->len) == 0)
			return c;
	}
	return NULL;
}

/* Remember that (stemmer, w) stems to stem[0..n) (n == 0: no change).
 * Lock held, t->cache set, w->len + n <= GZ_CACHE_DATA. */
static void cache_put(struct gz_tokenizer *t, uint32_t h, int stemmer,
		      const struct search_word *w, const char *stem, int n)
{
	struct gz_cache_slot *set = cache_set_of(t, h), *c = NULL;
	for (int i = 0; i < GZ_CACHE_WAYS && !c; i++)
		if (set[i].klen == 0)
			c = &set[i];
	if (!c) {
		c = &set[t->victim++ % GZ_CACHE_WAYS];
		t->stats.evictions++;
	}
	c->hash = h;
	c->klen = (uint8_t)w->len;
	c->slen = (uint8_t)n;
	c->stemmer = (uint8_t)stemmer;
	memcpy(c->data, w->text, w->len);
	if (n > 0)
		memcpy(c->data + w->len, stem, (size_t)n);
}

/* Stem w into out (capacity cap), through the cache when cached is 1.
 * Returns the stem's length, 0 when the word is to be used as folded (no
 * stemmer for its script, cut word, no change), -1 when the stemmer ran
 * out of memory. */
static int stem_word(struct gz_tokenizer *t, const struct search_word *w,
		     int cached, char *out, size_t cap)
{
	struct sb_stemmer *s = NULL;
	int which = 0;
	if (w->truncated)
		return 0;
	if (w->scripts & SEARCH_SCRIPT_CYRILLIC) {
		s = t->cyrillic;
		which = GZ_STEM_CYRILLIC;
	} else if (w->scripts & SEARCH_SCRIPT_LATIN) {
		s = t->latin;
		which = GZ_STEM_LATIN;
	}
	if (!s)
		return 0;

	/* A cached stem is shorter than GZ_CACHE_DATA, so it fits out. */
	_Static_assert(GZ_CACHE_DATA <= 2 * SEARCH_TOKEN_MAX, "stem buffer");
	int cacheable = cached && w->len < GZ_CACHE_DATA;
	uint32_t h = cacheable ? cache_hash(which, w->text, w->len) : 0;
	int n = 0;
	pthread_mutex_lock(&t->lock);
	if (cacheable && !t->cache && !t->cache_off) {
		t->cache = calloc((size_t)GZ_CACHE_SETS * GZ_CACHE_WAYS,
				  sizeof *t->cache);
		if (!t->cache)
			t->cache_off = 1; /* stem without it; not an error */
	}
	cacheable = cacheable && !t->cache_off;
	if (cacheable) {
		const struct gz_cache_slot *c = cache_find(t, h, which, w);
		if (c) {
			t->stats.hits++;
			n = c->slen;
			memcpy(out, c->data + c->klen, (size_t)n);
			pthread_mutex_unlock(&t->lock);
			return n;
		}
		t->stats.misses++;
	}
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
	if (n > 0 && (size_t)n == w->len && memcmp(out, w->text, w->len) == 0)
		n = 0;
	if (cacheable && n >= 0 && w->len + (size_t)n <= GZ_CACHE_DATA)
		cache_put(t, h, which, w, out, n);
	pthread_mutex_unlock(&t->lock);
	return n;
}

/* Hand one word to FTS5, stemmed through the cache when cached is 1. For
 * the last word of a prefix query the folded form goes first (it is the
 * prefix) and the stem follows as a colocated synonym, so "выборах"* finds
 * both "выборах..." and the stem "выбор". */
static int emit(struct gz_tokenizer *t, void *ctx,
		int (*cb)(void *, int, const char *, int, int, int),
		const struct search_word *w, int cached, int as_prefix)
{
	char stem[2 * SEARCH_TOKEN_MAX];
	int n = stem_word(t, w, cached, stem, sizeof stem);
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
	int cached = (flags & FTS5_TOKENIZE_DOCUMENT) != 0;
	size_t pos = 0, n = text && ntext > 0 ? (size_t)ntext : 0;

	while (search_word_next(text, n, &pos, &w[cur])) {
		if (have) {
			rc = emit(t, ctx, cb, &w[!cur], cached, 0);
			if (rc != SQLITE_OK)
				return rc;
		}
		have = 1;
		cur = !cur;
	}
	if (have)
		rc = emit(t, ctx, cb, &w[!cur], cached,
			  (flags & FTS5_TOKENIZE_PREFIX) != 0);
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

void search_tokenizer_cache_set(struct Fts5Tokenizer *tok, int on)
{
	struct gz_tokenizer *t = (struct gz_tokenizer *)tok;
	pthread_mutex_lock(&t->lock);
	t->cache_off = !on;
	pthread_mutex_unlock(&t->lock);
}

void search_tokenizer_cache_stats_get(struct Fts5Tokenizer *tok,
				      struct search_stem_cache_stats *out)
{
	struct gz_tokenizer *t = (struct gz_tokenizer *)tok;
	pthread_mutex_lock(&t->lock);
	*out = t->stats;
	pthread_mutex_unlock(&t->lock);
}
