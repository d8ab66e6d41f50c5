/*
 * search_bench.c - latency of full-text search on a generated corpus,
 * measured in-process: search_query_build + store_search (first page of
 * 10 hits with highlighted titles, snippets, authors and tags: exactly
 * what the results page asks the store for), one query at a time on one
 * thread, against the site's real database file.
 *
 * For: bench/search/run (see bench/search/README.md). Not for: HTTP
 * overhead (bench/run measures serving), index build time (the run
 * script times `gazette reindex`).
 *
 *   search_bench DB [QUERIES_PER_CLASS] [SEED]
 *
 * Query words are drawn from the titles of random articles of each
 * edition (words of 4+ letters), which is what readers look for and also
 * the hard case: title words of a synthetic corpus are frequent. Classes:
 * one word, two words, and as-you-type (a word cut to 3..6 letters,
 * prefix matching in suggest mode, 6 hits of 14-word excerpts: what the
 * overlay asks /api/v1/search for). Prints median, p90, p99 and max in
 * milliseconds per edition and class, and the mean number of matches.
 */
#include "search/search.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/err.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_WORDS 20000

static double clock_ms(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Words of 4+ letters from the titles of `n` random articles of ed. */
static size_t sample_words(sqlite3 *db, const char *ed, int n, char **words)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
			       "SELECT title FROM articles WHERE edition = ?1 "
			       "AND rowid IN (SELECT abs(random()) % (SELECT "
			       "max(rowid) FROM articles) + 1 FROM "
			       "generate_series(1, ?2))",
			       -1, &st, NULL) != SQLITE_OK) {
		/* no generate_series: a plain random sample */
		if (sqlite3_prepare_v2(db,
				       "SELECT title FROM articles WHERE "
				       "edition = ?1 ORDER BY random() LIMIT ?2",
				       -1, &st, NULL) != SQLITE_OK) {
			fprintf(stderr, "sample: %s\n", sqlite3_errmsg(db));
			exit(1);
		}
	}
	sqlite3_bind_text(st, 1, ed, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, n);
	size_t nw = 0;
	while (sqlite3_step(st) == SQLITE_ROW && nw < MAX_WORDS) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		char *copy = strdup(t ? t : "");
		/* ASCII separators only: strtok works on bytes, and the
		 * bytes of «, » or — also occur inside Cyrillic letters. */
		for (char *save, *w = strtok_r(copy, " ,.:;!?\"'()-", &save);
		     w && nw < MAX_WORDS;
		     w = strtok_r(NULL, " ,.:;!?\"'()-", &save)) {
			size_t chars = 0;
			for (const char *p = w; *p; p++)
				chars += ((unsigned char)*p & 0xC0) != 0x80;
			if (chars >= 4)
				words[nw++] = strdup(w);
		}
		free(copy);
	}
	sqlite3_finalize(st);
	return nw;
}

/* First `chars` characters of w (UTF-8), in a. */
static char *cut(struct arena *a, const char *w, size_t chars)
{
	const char *p = w;
	while (*p && chars) {
		p++;
		while (((unsigned char)*p & 0xC0) == 0x80)
			p++;
		chars--;
	}
	return arena_strndup(a, w, (size_t)(p - w));
}

struct result {
	double *ms;  /* wall clock per query */
	double *cpu; /* this thread's CPU time per query */
	size_t n;
	double matches;
};

static void report(const char *ed, const char *cls, struct result *r)
{
	qsort(r->ms, r->n, sizeof *r->ms, cmp_double);
	qsort(r->cpu, r->n, sizeof *r->cpu, cmp_double);
	printf("%-3s %-12s %6zu %8.2f %8.2f %8.2f %8.2f | %8.2f %8.2f %8.2f "
	       "%8.0f\n",
	       ed, cls, r->n, r->ms[r->n / 2], r->ms[r->n * 90 / 100],
	       r->ms[r->n * 99 / 100], r->ms[r->n - 1], r->cpu[r->n / 2],
	       r->cpu[r->n * 99 / 100], r->cpu[r->n - 1],
	       r->matches / (double)r->n);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: search_bench DB [QUERIES_PER_CLASS] "
				"[SEED]\n");
		return 2;
	}
	int per = argc > 2 ? atoi(argv[2]) : 1000;
	unsigned seed = argc > 3 ? (unsigned)atoi(argv[3]) : 42;
	srand(seed);
	struct err e = {0};
	store *s;
	if (store_open(argv[1], &s, &e)) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	sqlite3 *db;
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "open %s\n", argv[1]);
		return 1;
	}
	char **words = calloc(MAX_WORDS, sizeof *words);
	static const char *const eds[] = {"en", "ru"};
	static const char *const classes[] = {"one word", "two words",
					      "as-you-type"};
	/* (as-you-type: prefix on the word, 6 hits, as the overlay asks) */
	printf("                          wall clock, ms              | "
	       "CPU time, ms\n"
	       "ed  class       queries   median      p90      p99      max | "
	       "  median      p99      max  matches\n");
	/* SEARCH_BENCH_CLASSES=2 runs as-you-type only, "01" the other two
	 * (for perf record; the random queries then differ from a full
	 * run's). SEARCH_BENCH_SLOW=MS prints each query slower than that. */
	const char *only = getenv("SEARCH_BENCH_CLASSES");
	struct arena *a = arena_new(0);
	for (size_t k = 0; k < 2; k++) {
		size_t nw = sample_words(db, eds[k], per * 2, words);
		if (nw < 10) {
			fprintf(stderr, "edition %s: too few articles\n",
				eds[k]);
			continue;
		}
		for (int c = 0; c < 3; c++) {
			if (only && !strchr(only, '0' + c))
				continue;
			struct result r = {calloc((size_t)per, sizeof(double)),
					   calloc((size_t)per, sizeof(double)),
					   0, 0};
			/* warm up the page cache and statement caches */
			for (int i = -50; i < per; i++) {
				arena_reset(a);
				const char *w1 = words[(size_t)rand() % nw];
				const char *w2 = words[(size_t)rand() % nw];
				const char *text =
					c == 0 ? w1 :
					c == 1 ? arena_printf(a, "%s %s", w1,
							      w2) :
						 cut(a, w1,
						     3 + (size_t)rand() % 4);
				double t0 = clock_ms(CLOCK_MONOTONIC);
				double c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
				char *match;
				search_query_build(a, text, c == 2, &match, &e);
				struct store_search_query q = {
					.edition = eds[k],
					.match = match,
					.limit = c == 2 ? 6 : 10,
					.snippet_words = c == 2 ? 14 : 24,
					.suggest = c == 2,
				};
				struct store_search_hit *h;
				size_t n, total;
				if (store_search(s, a, &q, &h, &n, &total,
						 &e)) {
					fprintf(stderr, "search %s: %s\n", text,
						e.msg);
					return 1;
				}
				double dt = clock_ms(CLOCK_MONOTONIC) - t0;
				double dc =
					clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
				if (getenv("SEARCH_BENCH_SLOW") &&
				    dt > atof(getenv("SEARCH_BENCH_SLOW")))
					fprintf(stderr,
						"slow %.1f ms: %s (%zu)\n", dt,
						text, total);
				if (i < 0)
					continue;
				r.ms[r.n] = dt;
				r.cpu[r.n++] = dc;
				r.matches += (double)total;
			}
			report(eds[k], classes[c], &r);
			free(r.ms);
			free(r.cpu);
		}
		for (size_t i = 0; i < nw; i++)
			free(words[i]);
	}
	arena_free(a);
	free(words);
	sqlite3_close(db);
	store_close(s);
	return 0;
}
