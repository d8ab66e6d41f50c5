/*
 * test_cache.c - the page cache (http/cache.c): stored forms and ETags,
 * LRU bound and order, TTL, purge by Surrogate-Key word, no store of a
 * page rendered before a purge, entries that outlive their eviction while
 * held, and concurrent get/put/purge from four threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/cache.h"

#include <brotli/decode.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* A body of n bytes: compressible text, or noise that will not shrink. */
static char *body_make(size_t n, int noise, unsigned seed)
{
	char *b = malloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = noise ? (char)(seed >> 16) :
			       "<p>news of the day</p>\n"[i % 23];
	}
	b[n] = '\0';
	return b;
}

static struct http_cache_entry *put(struct http_cache *c, const char *key,
				    const void *data, size_t len,
				    const char *tags, int64_t now)
{
	struct http_cache_body b = {
		.data = data,
		.len = len,
		.content_type = "text/html; charset=utf-8",
		.cache_control = "public, max-age=60",
		.tags = tags,
	};
	return http_cache_put(c, key, &b, now);
}

/* 1 when key is in the cache (a get that does not disturb much). */
static int has(struct http_cache *c, const char *key, int64_t now)
{
	struct http_cache_entry *e = http_cache_get(c, key, now);
	http_cache_release(e);
	return e != NULL;
}

static void test_forms(void **state)
{
	(void)state;
	struct http_cache_opts o = {.max_bytes = 1 << 20, .ttl_seconds = 60};
	struct http_cache *c = http_cache_new(&o);
	char *html = body_make(20000, 0, 1);
	struct http_cache_entry *e = put(c, "en h /", html, 20000, "ed:en", 0);
	assert_non_null(e);
	http_cache_release(e);

	e = http_cache_get(c, "en h /", 1);
	assert_non_null(e);
	size_t len;
	const unsigned char *id =
		http_cache_entry_body(e, HTTP_ENC_IDENTITY, &len);
	assert_int_equal(len, 20000);
	assert_memory_equal(id, html, len);

	/* gzip decodes to the same bytes */
	const unsigned char *gz = http_cache_entry_body(e, HTTP_ENC_GZIP, &len);
	assert_non_null(gz);
	assert_true(len < 20000);
	char *out = malloc(20001);
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)gz;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)out;
	zs.avail_out = 20001;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_int_equal(zs.total_out, 20000);
	inflateEnd(&zs);
	assert_memory_equal(out, html, 20000);

	/* brotli too */
	const unsigned char *br = http_cache_entry_body(e, HTTP_ENC_BR, &len);
	assert_non_null(br);
	size_t outlen = 20001;
	assert_int_equal(BrotliDecoderDecompress(len, br, &outlen,
						 (uint8_t *)out),
			 BROTLI_DECODER_RESULT_SUCCESS);
	assert_int_equal(outlen, 20000);
	assert_memory_equal(out, html, 20000);

	/* one strong ETag per form, and prebuilt responses */
	const char *t0 = http_cache_entry_etag(e, HTTP_ENC_IDENTITY);
	const char *t1 = http_cache_entry_etag(e, HTTP_ENC_GZIP);
	const char *t2 = http_cache_entry_etag(e, HTTP_ENC_BR);
	assert_int_equal(t0[0], '"');
	assert_int_equal(strncmp(t0, t1, strlen(t0) - 1), 0);
	assert_non_null(strstr(t1, "-gz\""));
	assert_non_null(strstr(t2, "-br\""));
	for (int i = 0; i < HTTP_ENC_N; i++) {
		assert_non_null(
			http_cache_entry_response(e, (enum http_enc)i, 0));
		assert_non_null(
			http_cache_entry_response(e, (enum http_enc)i, 1));
	}
	assert_string_equal(http_cache_entry_tags(e), " ed:en ");
	http_cache_release(e);

	/* a different body gets a different ETag; noise is kept as is */
	char *noise = body_make(5000, 1, 2);
	e = put(c, "en h /x", noise, 5000, "", 0);
	assert_non_null(e);
	assert_string_not_equal(http_cache_entry_etag(e, HTTP_ENC_IDENTITY),
				"");
	assert_null(http_cache_entry_body(e, HTTP_ENC_BR, &len));
	assert_null(http_cache_entry_body(e, HTTP_ENC_GZIP, &len));
	http_cache_release(e);
	free(noise);
	free(out);
	free(html);
	http_cache_free(c);
}

static void test_lru_bound(void **state)
{
	(void)state;
	struct http_cache_opts o = {
		.max_bytes = 100000, .ttl_seconds = 60, .shards = 1};
	struct http_cache *c = http_cache_new(&o);
	char *noise = body_make(10000, 1, 3);
	char key[32];
	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof key, "k%d", i);
		http_cache_release(put(c, key, noise, 10000, "", 0));
		struct http_cache_stats st;
		http_cache_stats_get(c, &st);
		assert_true(st.bytes <= 100000);
	}
	struct http_cache_stats st;
	http_cache_stats_get(c, &st);
	assert_true(st.entries >= 5 && st.entries < 10);
	assert_int_equal(st.inserts, 50);
	assert_int_equal(st.evictions, 50 - st.entries);
	assert_true(has(c, "k49", 1));
	assert_false(has(c, "k0", 1));

	/* larger than the cache may hold: not stored */
	char *big = body_make(200000, 1, 4);
	assert_null(put(c, "big", big, 200000, "", 0));
	assert_false(has(c, "big", 1));
	free(big);
	free(noise);
	http_cache_free(c);
}

static void test_lru_order(void **state)
{
	(void)state;
	/* room for three 10 KB entries (+ overhead) in one shard */
	struct http_cache_opts o = {
		.max_bytes = 3 * 15000, .ttl_seconds = 60, .shards = 1};
	struct http_cache *c = http_cache_new(&o);
	char *noise = body_make(10000, 1, 5);
	http_cache_release(put(c, "a", noise, 10000, "", 0));
	http_cache_release(put(c, "b", noise, 10000, "", 0));
	http_cache_release(put(c, "c", noise, 10000, "", 0));
	assert_true(has(c, "a", 1)); /* a is now the most recent */
	http_cache_release(put(c, "d", noise, 10000, "", 0));
	assert_false(has(c, "b", 1)); /* b was the least recent */
	assert_true(has(c, "a", 1));
	assert_true(has(c, "c", 1));
	assert_true(has(c, "d", 1));

	/* replacing a key keeps one entry with the new body */
	char *other = body_make(10000, 1, 6);
	http_cache_release(put(c, "d", other, 10000, "", 0));
	struct http_cache_entry *e = http_cache_get(c, "d", 1);
	size_t len;
	assert_memory_equal(http_cache_entry_body(e, HTTP_ENC_IDENTITY, &len),
			    other, 10000);
	http_cache_release(e);
	struct http_cache_stats st;
	http_cache_stats_get(c, &st);
	assert_int_equal(st.entries, 3);
	free(other);
	free(noise);
	http_cache_free(c);
}

static void test_ttl(void **state)
{
	(void)state;
	struct http_cache_opts o = {.max_bytes = 1 << 20, .ttl_seconds = 10};
	struct http_cache *c = http_cache_new(&o);
	http_cache_release(put(c, "p", "hello", 5, "", 1000));
	assert_true(has(c, "p", 10999));
	/* stale: the first reader renders, the others get the stale page
	 * meanwhile */
	assert_false(has(c, "p", 11000));
	assert_true(has(c, "p", 11001));
	assert_true(has(c, "p", 15999));
	/* that render did not store it: 5 s later another reader tries */
	assert_false(has(c, "p", 16000));
	assert_true(has(c, "p", 16001));
	/* this one stores it: fresh for a TTL again */
	http_cache_release(put(c, "p", "hello again", 11, "", 16500));
	assert_true(has(c, "p", 26499));
	assert_false(has(c, "p", 26500));
	assert_true(has(c, "p", 26501));
	/* past a second TTL it is gone */
	assert_false(has(c, "p", 36500));
	assert_false(has(c, "p", 36501));
	struct http_cache_stats st;
	http_cache_stats_get(c, &st);
	assert_int_equal(st.expired, 4);
	assert_int_equal(st.entries, 0);
	http_cache_free(c);
}

static void test_purge(void **state)
{
	(void)state;
	struct http_cache_opts o = {.max_bytes = 1 << 20, .ttl_seconds = 60};
	struct http_cache *c = http_cache_new(&o);
	http_cache_release(put(c, "en /article/x", "x", 1, "ed:en a:1 g:1", 0));
	http_cache_release(
		put(c, "en /article/y", "y", 1, "ed:en a:11 g:11", 0));
	http_cache_release(put(c, "en /", "h", 1, "ed:en home:en list:en", 0));
	http_cache_release(
		put(c, "ru /ru/", "h", 1, "ed:ru home:ru list:ru", 0));
	http_cache_release(
		put(c, "ru /ru/article/x", "x", 1, "ed:ru a:2 g:1", 0));

	/* a word matches whole words only: a:1 is not a:11 */
	assert_int_equal(http_cache_purge(c, "a:1"), 1);
	assert_false(has(c, "en /article/x", 1));
	assert_true(has(c, "en /article/y", 1));
	/* the translation group reaches the other edition */
	assert_int_equal(http_cache_purge(c, "g:1"), 1);
	assert_false(has(c, "ru /ru/article/x", 1));
	assert_int_equal(http_cache_purge(c, "list:en"), 1);
	assert_false(has(c, "en /", 1));
	assert_true(has(c, "ru /ru/", 1));
	assert_int_equal(http_cache_purge(c, "nothing"), 0);
	assert_int_equal(http_cache_purge(c, "ed:en"), 1);
	assert_int_equal(http_cache_purge(c, NULL), 1);
	struct http_cache_stats st;
	http_cache_stats_get(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.purged, 5);
	http_cache_free(c);
}

/* A page rendered before a purge is not stored after it. */
static void test_generation(void **state)
{
	(void)state;
	struct http_cache_opts o = {.max_bytes = 1 << 20, .ttl_seconds = 60};
	struct http_cache *c = http_cache_new(&o);
	struct http_cache_body b = {.data = "old", .len = 3, .tags = "a:1"};
	b.since = http_cache_generation(c); /* the miss: rendering starts */
	http_cache_purge(c, "a:1");         /* an edit commits, purges */
	assert_null(http_cache_put(c, "k", &b, 0));
	assert_false(has(c, "k", 1));
	b.since = http_cache_generation(c); /* rendered after the purge */
	struct http_cache_entry *e = http_cache_put(c, "k", &b, 0);
	assert_non_null(e);
	http_cache_release(e);
	assert_true(has(c, "k", 1));
	http_cache_free(c);
}

/* A held entry stays readable after eviction and purge. */
static void test_held(void **state)
{
	(void)state;
	struct http_cache_opts o = {.max_bytes = 1 << 20, .ttl_seconds = 60};
	struct http_cache *c = http_cache_new(&o);
	char *html = body_make(3000, 0, 7);
	http_cache_release(put(c, "k", html, 3000, "a:1", 0));
	struct http_cache_entry *e = http_cache_get(c, "k", 1);
	assert_non_null(e);
	assert_int_equal(http_cache_purge(c, "a:1"), 1);
	size_t len;
	assert_memory_equal(http_cache_entry_body(e, HTTP_ENC_IDENTITY, &len),
			    html, 3000);
	http_cache_free(c); /* the cache goes; the held entry does not */
	assert_memory_equal(http_cache_entry_body(e, HTTP_ENC_IDENTITY, &len),
			    html, 3000);
	assert_non_null(http_cache_entry_response(e, HTTP_ENC_GZIP, 0));
	http_cache_release(e);
	free(html);
}

struct worker {
	struct http_cache *c;
	unsigned seed;
	int gets, hits, bad;
};

/* Bodies name their key, so a hit on a wrong body is caught. */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	char key[32], body[2100];
	for (int i = 0; i < 6000; i++) {
		w->seed = w->seed * 1103515245u + 12345u;
		unsigned k = (w->seed >> 16) % 64, op = (w->seed >> 8) % 16;
		snprintf(key, sizeof key, "/page/%u", k);
		if (op < 11) {
			w->gets++;
			struct http_cache_entry *e =
				http_cache_get(w->c, key, i);
			if (!e)
				continue;
			w->hits++;
			size_t len;
			const char *b = http_cache_entry_body(
				e, HTTP_ENC_IDENTITY, &len);
			if (len < strlen(key) || memcmp(b, key, strlen(key)))
				w->bad++;
			http_cache_release(e);
		} else if (op < 15) {
			/* noise after the key: no compression, so bodies are
			 * big enough to force evictions */
			int n = snprintf(body, sizeof body, "%s|", key);
			for (size_t j = (size_t)n; j < 2000; j++)
				body[j] = (char)((w->seed >> (j % 24)) +
						 j * 131u);
			char tags[32];
			snprintf(tags, sizeof tags, "p:%u all", k);
			http_cache_release(put(w->c, key, body, 2000, tags, i));
		} else {
			char tag[16];
			snprintf(tag, sizeof tag, "p:%u", k);
			http_cache_purge(w->c, tag);
		}
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	(void)state;
	/* 16 shards of ~4 entries each: constant eviction */
	struct http_cache_opts o = {.max_bytes = 16 * 4 * 6200,
				    .ttl_seconds = 3600};
	struct http_cache *c = http_cache_new(&o);
	pthread_t t[4];
	struct worker w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){.c = c, .seed = (unsigned)i * 7919u + 1};
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]),
				 0);
	}
	int gets = 0, hits = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].bad, 0);
		gets += w[i].gets;
		hits += w[i].hits;
	}
	struct http_cache_stats st;
	http_cache_stats_get(c, &st);
	assert_int_equal(st.hits + st.misses, (uint64_t)gets);
	assert_int_equal(st.hits, (uint64_t)hits);
	assert_true(st.hits > 0 && st.evictions > 0 && st.purged > 0);
	assert_true(st.bytes <= o.max_bytes);
	http_cache_purge(c, "all");
	http_cache_stats_get(c, &st);
	assert_int_equal(st.entries, 0);
	http_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_lru_bound),
		cmocka_unit_test(test_lru_order),
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_purge),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_held),
		cmocka_unit_test(test_concurrent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
