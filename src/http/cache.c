/*
 * cache.c - the page cache: rendered reader pages and feeds in memory.
 *
 * What is cached (decided per request, http_cache_lookup/store):
 *   - GET and HEAD of a route that is not under /api/, /newsroom,
 *     /healthz or /static/, is not a live page ({prefix}/live/..., whose
 *     entries must show at once) and is not flagged HTTP_ROUTE_NOCACHE,
 *     for a reader who is not logged in;
 *   - whose query holds only page, partial and tracking parameters
 *     (utm_*, fbclid, gclid, yclid: ignored); any other parameter (a
 *     search, a filter) bypasses the cache;
 *   - when the handler replied 200 with no Set-Cookie, no Cache-Control
 *     of no-store, no-cache or private, and no Vary but Accept-Encoding.
 * The route table's rows are not touched: cacheability follows from the
 * path, so rows that others add (feeds, sitemaps) are cached without
 * a flag, and a reader route that varies per request opts out with
 * HTTP_ROUTE_NOCACHE.
 *
 * Key: edition, Host (only when site.base_url is empty, because pages
 * then carry canonical URLs built from it), path, normalized page and
 * partial. Each entry keeps the identity body, its gzip (zlib, level 6)
 * and brotli (quality 5, text mode) forms, a strong ETag per form
 * ("<hash>", "<hash>-gz", "<hash>-br") and six prebuilt libmicrohttpd
 * responses (200 and 304 per form) that point into the entry's memory.
 * A hit queues one of them as is: no copy, no header building, no
 * compression (Accept-Encoding picks br > gzip > identity; every form
 * says Vary: Accept-Encoding). The bodies stay in memory: responses from
 * a sealed memfd (sendfile, no user-to-kernel copy) cost a hit 8-13 us
 * more CPU, as libmicrohttpd 0.9.75 sends their headers in a segment of
 * their own first (bench/mhd_floor.c measures both). A hit on a target
 * without '%', '?' or '#' is looked up before the target is decoded and
 * routed (http_cache_lookup_fast), under the key the route would give.
 *
 * Surrogate-Key words (sent to Varnish/CDNs, and what purges match):
 *   every page       ed:<edition>
 *   article page     a:<id> g:<translation group>
 *   home             home:<edition> list:<edition>
 *   any other page   list:<edition> (+ feed:<edition> for feeds,
 *                    sitemap:<edition> for sitemaps)
 *   site-wide page   (a route without HTTP_ROUTE_EDITION: sitemaps,
 *                    robots.txt) ed: and list: of every edition
 *   plus whatever the handler added with http_cache_tag.
 * The article handler tags its page itself (http_cache_tag); for one
 * that did not, the dispatcher finds the id with one store read on a
 * miss (see http_cache_article_tags).
 *
 * Validators: every form has a strong ETag; a page whose handler sent
 * Last-Modified (feeds, sitemaps) keeps it, and If-Modified-Since (when
 * no If-None-Match came) is answered 304 from it, on hits and misses
 * alike; replies that are not cached get the same through
 * http_not_modified_since.
 *
 * Freshness: a purge drops matching entries at once, and raises a
 * generation counter; a page whose rendering began before a purge is not
 * stored after it (it may show what the purge was about). Entries go
 * stale after cache.ttl: the first reader then renders the page again
 * while the others keep getting the stale one (one render per expiry,
 * not one per waiting reader); past a second TTL an entry is dropped.
 *
 * Life of an entry: `refs` counts the table's hold and the requests that
 * looked it up and have not queued its response yet; when it drops to
 * zero the six responses are destroyed. libmicrohttpd keeps its own
 * count per response (a queued response survives MHD_destroy_response
 * until its connection is done) and calls http_cache_mem_done when the
 * last one goes; `mem` counts those plus one for the entry, and the
 * memory is freed at zero. So eviction, purge and expiry never wait for
 * slow readers and never free bytes that are still being sent.
 *
 * Locking: entries live in `shards` independent hash tables, each with
 * its own mutex, LRU list and byte budget (max_bytes / shards). A lookup
 * holds its shard's mutex for a hash probe and a list move. Compression
 * and response building happen outside any lock. Purges scan every shard.
 *
 * Not for: deciding what a page shows (handlers), HTTP caching by
 * browsers beyond the headers (Cache-Control comes from the handler).
 */
#include "http/cache.h"

#include "app.h"
#include "newsroom/newsroom.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <brotli/encode.h>
#include <ctype.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

/* Charged per entry besides its bytes: the entry struct, six responses
 * with their header lists, allocator slack. */
#define HTTP_CACHE_OVERHEAD 4096
/* Compression happens on the miss path, in the request's thread. On a
 * 22 KB article: gzip 6 and 9 give the same size in ~0.55 ms; brotli 5
 * takes 0.75 ms for 6.4 KB, 9 takes 24 ms for 6.4 KB (its large hasher
 * is set up per call), 11 takes 42 ms for 5.5 KB. */
#define HTTP_CACHE_GZIP_LEVEL     6
#define HTTP_CACHE_BROTLI_QUALITY 5
#define HTTP_CACHE_MAX_KEY        2048
/* How long a stale page's re-render may take before another reader
 * tries (see http_cache_get). */
#define HTTP_CACHE_REFRESH_MS 5000

struct http_cache_shard;

struct http_cache_entry {
	struct http_cache_entry *hnext; /* hash chain; dead list once unlinked */
	struct http_cache_entry *prev;  /* LRU neighbour towards the head */
	struct http_cache_entry *next;  /* LRU neighbour towards the tail */
	uint64_t hash;                  /* of key */
	int64_t expires;                /* monotonic ms; stale after */
	int64_t refresh_at; /* stale: when a reader went to render it again,
			     * 0 if none (under the shard lock) */
	size_t size;        /* bytes charged to the shard */
	int64_t mtime;      /* Last-Modified as Unix time, 0: none */
	atomic_int refs;    /* table + lookups not yet queued */
	atomic_int mem;     /* 1 + responses alive that point here */
	char *key;          /* in data[] */
	char *tags;         /* " w1 w2 " (spaces around), in data[] */
	const unsigned char *body[HTTP_ENC_N]; /* NULL: form not kept */
	size_t len[HTTP_ENC_N];
	char etag[HTTP_ENC_N][32];                /* "\"<20 hex>-gz\"" */
	struct MHD_Response *resp[HTTP_ENC_N];    /* 200 per form */
	struct MHD_Response *resp304[HTTP_ENC_N]; /* 304 per form */
	char data[];                              /* key, tags, bodies */
};

struct http_cache_shard {
	pthread_mutex_t mu;
	struct http_cache_entry **buckets; /* chained hash table */
	size_t nbuckets;                   /* power of two */
	size_t count;                      /* entries linked */
	struct http_cache_entry *head;     /* most recently used */
	struct http_cache_entry *tail;     /* least recently used */
	size_t bytes;                      /* charged */
	size_t max_bytes;                  /* budget */
	uint64_t hits, misses, inserts, evictions, expired, purged;
	char pad[64]; /* keep shards' locks apart */
};

struct http_cache {
	struct http_cache_shard *shards;
	unsigned nshards;
	int64_t ttl_ms;
	size_t max_bytes;
	atomic_uint_fast64_t gen; /* purges so far + 1 (see http_cache_put) */
};

int64_t http_cache_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 64-bit hash of a key, 8 bytes a step (byte-at-a-time FNV-1a took about
 * 400 instructions of every hit on an 80-byte article key): keys are
 * ours, so a fast mix without flooding resistance is enough. Shards take
 * the high bits, buckets the low ones: the final mix spreads both. */
static uint64_t http_cache_hash(const char *s)
{
	size_t n = strlen(s);
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	for (; n >= 8; s += 8, n -= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (n) {
		uint64_t w = 0;
		memcpy(&w, s, n);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* ---- entry life ----------------------------------------------------- */

static void http_cache_mem_release(struct http_cache_entry *e)
{
	if (atomic_fetch_sub(&e->mem, 1) == 1)
		free(e);
}

/* libmicrohttpd: the last reference to one of the entry's body
 * responses is gone. */
static void http_cache_mem_done(void *cls)
{
	http_cache_mem_release(cls);
}

void http_cache_release(struct http_cache_entry *e)
{
	if (!e || atomic_fetch_sub(&e->refs, 1) != 1)
		return;
	for (int i = 0; i < HTTP_ENC_N; i++) {
		if (e->resp[i])
			MHD_destroy_response(e->resp[i]);
		if (e->resp304[i])
			MHD_destroy_response(e->resp304[i]);
	}
	http_cache_mem_release(e);
}

/* Release a chain of unlinked entries (built under a shard lock, freed
 * outside it). */
static void http_cache_release_list(struct http_cache_entry *dead)
{
	while (dead) {
		struct http_cache_entry *n = dead->hnext;
		http_cache_release(dead);
		dead = n;
	}
}

/* ---- shard table and LRU (caller holds sh->mu) ----------------------- */

static void http_cache_lru_unlink(struct http_cache_shard *sh,
				  struct http_cache_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		sh->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		sh->tail = e->prev;
	e->prev = e->next = NULL;
}

static void http_cache_lru_push(struct http_cache_shard *sh,
				struct http_cache_entry *e)
{
	e->prev = NULL;
	e->next = sh->head;
	if (sh->head)
		sh->head->prev = e;
	sh->head = e;
	if (!sh->tail)
		sh->tail = e;
}

static struct http_cache_entry *http_cache_find(struct http_cache_shard *sh,
						uint64_t h, const char *key)
{
	for (struct http_cache_entry *e = sh->buckets[h & (sh->nbuckets - 1)];
	     e; e = e->hnext)
		if (e->hash == h && !strcmp(e->key, key))
			return e;
	return NULL;
}

/* Take e out of table and list; the table's reference passes to the
 * caller, who puts e on a dead list (e->hnext) to release unlocked. */
static void http_cache_unlink(struct http_cache_shard *sh,
			      struct http_cache_entry *e)
{
	struct http_cache_entry **p =
		&sh->buckets[e->hash & (sh->nbuckets - 1)];
	while (*p != e)
		p = &(*p)->hnext;
	*p = e->hnext;
	e->hnext = NULL;
	http_cache_lru_unlink(sh, e);
	sh->bytes -= e->size;
	sh->count--;
}

static void http_cache_grow(struct http_cache_shard *sh)
{
	size_t n = sh->nbuckets * 2;
	struct http_cache_entry **b = xcalloc(n, sizeof *b);
	for (size_t i = 0; i < sh->nbuckets; i++)
		for (struct http_cache_entry *e = sh->buckets[i], *next; e;
		     e = next) {
			next = e->hnext;
			e->hnext = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	free(sh->buckets);
	sh->buckets = b;
	sh->nbuckets = n;
}

static void http_cache_link(struct http_cache_shard *sh,
			    struct http_cache_entry *e)
{
	if (sh->count >= sh->nbuckets)
		http_cache_grow(sh);
	struct http_cache_entry **b =
		&sh->buckets[e->hash & (sh->nbuckets - 1)];
	e->hnext = *b;
	*b = e;
	http_cache_lru_push(sh, e);
	sh->bytes += e->size;
	sh->count++;
}

static struct http_cache_shard *http_cache_shard_of(struct http_cache *c,
						    uint64_t h)
{
	return &c->shards[(h >> 40) % c->nshards];
}

/* ---- the cache ------------------------------------------------------ */

struct http_cache *http_cache_new(const struct http_cache_opts *o)
{
	struct http_cache *c = xcalloc(1, sizeof *c);
	c->nshards = o->shards > 0 ? (unsigned)o->shards : 16;
	c->ttl_ms = (int64_t)(o->ttl_seconds > 0 ? o->ttl_seconds : 60) * 1000;
	c->max_bytes = o->max_bytes;
	atomic_init(&c->gen, 1);
	c->shards = xcalloc(c->nshards, sizeof *c->shards);
	for (unsigned i = 0; i < c->nshards; i++) {
		struct http_cache_shard *sh = &c->shards[i];
		pthread_mutex_init(&sh->mu, NULL);
		sh->nbuckets = 64;
		sh->buckets = xcalloc(sh->nbuckets, sizeof *sh->buckets);
		sh->max_bytes = o->max_bytes / c->nshards;
	}
	return c;
}

void http_cache_free(struct http_cache *c)
{
	if (!c)
		return;
	http_cache_purge(c, NULL);
	for (unsigned i = 0; i < c->nshards; i++) {
		pthread_mutex_destroy(&c->shards[i].mu);
		free(c->shards[i].buckets);
	}
	free(c->shards);
	free(c);
}

/* The entry for key, fresh or stale per the rules of http_cache_get; with
 * fresh_only, a stale or missing entry gives NULL and changes nothing (no
 * miss counted, no refresh claimed), for a lookup that the full one
 * follows when it fails (http_cache_lookup_fast). */
static struct http_cache_entry *http_cache_find_held(struct http_cache *c,
						     const char *key,
						     int64_t now_ms,
						     int fresh_only)
{
	uint64_t h = http_cache_hash(key);
	struct http_cache_shard *sh = http_cache_shard_of(c, h);
	struct http_cache_entry *dead = NULL;
	pthread_mutex_lock(&sh->mu);
	struct http_cache_entry *e = http_cache_find(sh, h, key);
	if (e && e->expires <= now_ms && fresh_only) {
		e = NULL;
	} else if (e && e->expires <= now_ms) {
		/* Stale. One request renders the page again (a miss) while
		 * the others keep getting the stale one, so that an expiring
		 * hot page costs one render, not one per waiting reader; a
		 * render that did not store (error, too large) is retried
		 * after HTTP_CACHE_REFRESH_MS. Past a second TTL it is
		 * dropped. Purges drop entries at once: edits never wait. */
		if (now_ms >= e->expires + c->ttl_ms) {
			http_cache_unlink(sh, e);
			dead = e;
			e = NULL;
			sh->expired++;
		} else if (!e->refresh_at ||
			   now_ms - e->refresh_at >= HTTP_CACHE_REFRESH_MS) {
			e->refresh_at = now_ms;
			e = NULL;
			sh->expired++;
		}
	}
	if (e) {
		if (sh->head != e) {
			http_cache_lru_unlink(sh, e);
			http_cache_lru_push(sh, e);
		}
		atomic_fetch_add(&e->refs, 1);
		sh->hits++;
	} else if (!fresh_only) {
		sh->misses++;
	}
	pthread_mutex_unlock(&sh->mu);
	http_cache_release_list(dead);
	return e;
}

struct http_cache_entry *http_cache_get(struct http_cache *c, const char *key,
					int64_t now_ms)
{
	return http_cache_find_held(c, key, now_ms, 0);
}

/* gzip of in into a new malloc'd buffer; NULL when it does not shrink. */
static unsigned char *http_cache_gzip(const void *in, size_t len,
				      size_t *out_len)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	*out_len = 0;
	if (deflateInit2(&zs, HTTP_CACHE_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&zs, (uLong)len);
	unsigned char *out = xmalloc(cap);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	int rc = deflate(&zs, Z_FINISH);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END || *out_len >= len) {
		free(out);
		*out_len = 0;
		return NULL;
	}
	return out;
}

static unsigned char *http_cache_brotli(const void *in, size_t len,
					size_t *out_len)
{
	size_t cap = BrotliEncoderMaxCompressedSize(len);
	*out_len = 0;
	if (cap == 0)
		return NULL;
	unsigned char *out = xmalloc(cap);
	*out_len = cap;
	/* A window no larger than the body: same output, less memory to
	 * set up per call. */
	int lgwin = BROTLI_MIN_WINDOW_BITS;
	while (lgwin < BROTLI_DEFAULT_WINDOW && ((size_t)1 << lgwin) < len + 16)
		lgwin++;
	if (!BrotliEncoderCompress(HTTP_CACHE_BROTLI_QUALITY, lgwin,
				   BROTLI_MODE_TEXT, len, in, out_len, out) ||
	    *out_len >= len) {
		free(out);
		*out_len = 0;
		return NULL;
	}
	return out;
}

/* Add the headers every form of e shares to resp. */
static int http_cache_headers(struct MHD_Response *resp,
			      const struct http_cache_body *b, const char *etag,
			      const char *tags, int body)
{
	int ok = 1;
	if (body && b->content_type)
		ok &= MHD_add_response_header(resp,
					      MHD_HTTP_HEADER_CONTENT_TYPE,
					      b->content_type) == MHD_YES;
	for (size_t i = 0; i < b->n_headers; i++)
		ok &= MHD_add_response_header(resp, b->headers[i].key,
					      b->headers[i].value) == MHD_YES;
	if (b->cache_control)
		ok &= MHD_add_response_header(resp,
					      MHD_HTTP_HEADER_CACHE_CONTROL,
					      b->cache_control) == MHD_YES;
	ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag) ==
	      MHD_YES;
	ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY,
				      "Accept-Encoding") == MHD_YES;
	if (tags[0])
		ok &= MHD_add_response_header(resp, "Surrogate-Key", tags) ==
		      MHD_YES;
	ok &= MHD_add_response_header(resp, "X-Cache", "hit") == MHD_YES;
	return ok;
}

static const char *const http_enc_names[HTTP_ENC_N] = {NULL, "gzip", "br"};
static const char *const http_enc_suffix[HTTP_ENC_N] = {"", "-gz", "-br"};

/* Build the six responses of e. 0 on success; on failure e keeps what
 * was made (released with e). */
static int http_cache_responses(struct http_cache_entry *e,
				const struct http_cache_body *b)
{
	/* Surrogate-Key header: the words without the padding spaces. */
	char *tags = e->tags + 1;
	size_t tl = strlen(tags);
	char saved = tl ? tags[tl - 1] : '\0';
	if (tl)
		tags[tl - 1] = '\0';
	int ok = 1;
	for (int i = 0; i < HTTP_ENC_N && ok; i++) {
		if (!e->body[i])
			continue;
		atomic_fetch_add(&e->mem, 1);
		e->resp[i] =
			MHD_create_response_from_buffer_with_free_callback_cls(
				e->len[i], (void *)(uintptr_t)e->body[i],
				http_cache_mem_done, e);
		if (!e->resp[i]) {
			atomic_fetch_sub(&e->mem, 1);
			ok = 0;
			break;
		}
		ok &= http_cache_headers(e->resp[i], b, e->etag[i], tags, 1);
		if (http_enc_names[i])
			ok &= MHD_add_response_header(
				      e->resp[i],
				      MHD_HTTP_HEADER_CONTENT_ENCODING,
				      http_enc_names[i]) == MHD_YES;
		e->resp304[i] = MHD_create_response_from_buffer(
			0, NULL, MHD_RESPMEM_PERSISTENT);
		if (!e->resp304[i]) {
			ok = 0;
			break;
		}
		ok &= http_cache_headers(e->resp304[i], b, e->etag[i], tags, 0);
	}
	if (tl)
		tags[tl - 1] = saved;
	return ok ? 0 : -1;
}

struct http_cache_entry *http_cache_put(struct http_cache *c, const char *key,
					const struct http_cache_body *b,
					int64_t now_ms)
{
	size_t klen = strlen(key);
	const char *tags = b->tags ? b->tags : "";
	size_t tlen = strlen(tags);
	if (klen > HTTP_CACHE_MAX_KEY)
		return NULL;
	size_t zlen = 0, blen = 0;
	unsigned char *z = http_cache_gzip(b->data, b->len, &zlen);
	unsigned char *br = http_cache_brotli(b->data, b->len, &blen);
	size_t total = sizeof(struct http_cache_entry) + klen + 1 + tlen + 3 +
		       b->len + zlen + blen;
	struct http_cache_entry *e = xcalloc(1, total);
	atomic_init(&e->refs, 2); /* the table's and the caller's */
	atomic_init(&e->mem, 1);
	e->hash = http_cache_hash(key);
	e->expires = now_ms + c->ttl_ms;
	e->mtime = b->mtime;
	e->size = total + HTTP_CACHE_OVERHEAD;
	char *p = e->data;
	e->key = memcpy(p, key, klen + 1);
	p += klen + 1;
	e->tags = p;
	p[0] = ' ';
	memcpy(p + 1, tags, tlen);
	p[tlen + 1] = ' ';
	p[tlen + 2] = '\0';
	p += tlen + 3;
	const void *src[HTTP_ENC_N] = {b->data, z, br};
	size_t lens[HTTP_ENC_N] = {b->len, zlen, blen};
	for (int i = 0; i < HTTP_ENC_N; i++) {
		if (!src[i])
			continue;
		memcpy(p, src[i], lens[i]);
		e->body[i] = (const unsigned char *)p;
		e->len[i] = lens[i];
		p += lens[i];
	}
	free(z);
	free(br);

	/* Strong ETag: BLAKE2b of the identity body, 80 bits in hex. */
	unsigned char d[16];
	crypto_generichash(d, sizeof d, b->data, b->len, NULL, 0);
	char hex[21];
	for (int i = 0; i < 10; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	for (int i = 0; i < HTTP_ENC_N; i++)
		snprintf(e->etag[i], sizeof e->etag[i], "\"%s%s\"", hex,
			 http_enc_suffix[i]);

	struct http_cache_shard *sh = http_cache_shard_of(c, e->hash);
	if (e->size > sh->max_bytes || http_cache_responses(e, b) != 0) {
		atomic_store(&e->refs, 1);
		http_cache_release(e);
		return NULL;
	}
	struct http_cache_entry *dead = NULL;
	pthread_mutex_lock(&sh->mu);
	/* A purge since the page was rendered may be about what it shows.
	 * Purges raise gen before they scan: checked under the shard lock,
	 * either this insert comes before the purge's scan of the shard
	 * (which then drops it) or it sees the raised gen. */
	if (b->since && atomic_load(&c->gen) != b->since) {
		pthread_mutex_unlock(&sh->mu);
		atomic_store(&e->refs, 1);
		http_cache_release(e);
		return NULL;
	}
	struct http_cache_entry *old = http_cache_find(sh, e->hash, key);
	if (old) {
		http_cache_unlink(sh, old);
		old->hnext = dead;
		dead = old;
	}
	while (sh->tail && sh->bytes + e->size > sh->max_bytes) {
		struct http_cache_entry *v = sh->tail;
		http_cache_unlink(sh, v);
		v->hnext = dead;
		dead = v;
		sh->evictions++;
	}
	http_cache_link(sh, e);
	sh->inserts++;
	pthread_mutex_unlock(&sh->mu);
	http_cache_release_list(dead);
	return e;
}

/* Drop the entries whose tags hold any of words[0..n) (" w " search);
 * n == 0 drops all. */
static size_t http_cache_purge_words(struct http_cache *c,
				     const char *const *words, size_t n)
{
	size_t dropped = 0;
	char needle[256];
	atomic_fetch_add(&c->gen, 1);
	for (unsigned s = 0; s < c->nshards; s++) {
		struct http_cache_shard *sh = &c->shards[s];
		struct http_cache_entry *dead = NULL;
		pthread_mutex_lock(&sh->mu);
		for (struct http_cache_entry *e = sh->head, *next; e;
		     e = next) {
			next = e->next;
			int hit = n == 0;
			for (size_t i = 0; i < n && !hit; i++) {
				snprintf(needle, sizeof needle, " %s ",
					 words[i]);
				hit = strstr(e->tags, needle) != NULL;
			}
			if (!hit)
				continue;
			http_cache_unlink(sh, e);
			e->hnext = dead;
			dead = e;
			sh->purged++;
			dropped++;
		}
		pthread_mutex_unlock(&sh->mu);
		http_cache_release_list(dead);
	}
	return dropped;
}

uint64_t http_cache_generation(struct http_cache *c)
{
	return atomic_load(&c->gen);
}

size_t http_cache_purge(struct http_cache *c, const char *tag)
{
	return tag ? http_cache_purge_words(c, &tag, 1) :
		     http_cache_purge_words(c, NULL, 0);
}

void http_cache_stats_get(struct http_cache *c, struct http_cache_stats *st)
{
	memset(st, 0, sizeof *st);
	st->max_bytes = c->max_bytes;
	for (unsigned i = 0; i < c->nshards; i++) {
		struct http_cache_shard *sh = &c->shards[i];
		pthread_mutex_lock(&sh->mu);
		st->entries += sh->count;
		st->bytes += sh->bytes;
		st->hits += sh->hits;
		st->misses += sh->misses;
		st->inserts += sh->inserts;
		st->evictions += sh->evictions;
		st->expired += sh->expired;
		st->purged += sh->purged;
		pthread_mutex_unlock(&sh->mu);
	}
}

const void *http_cache_entry_body(const struct http_cache_entry *e,
				  enum http_enc enc, size_t *len)
{
	*len = e->len[enc];
	return e->body[enc];
}

const char *http_cache_entry_etag(const struct http_cache_entry *e,
				  enum http_enc enc)
{
	return e->etag[enc];
}

const char *http_cache_entry_tags(const struct http_cache_entry *e)
{
	return e->tags;
}

struct MHD_Response *http_cache_entry_response(const struct http_cache_entry *e,
					       enum http_enc enc,
					       int not_modified)
{
	return not_modified ? e->resp304[enc] : e->resp[enc];
}

/* ---- request glue --------------------------------------------------- */

/* 1 when the If-None-Match list holds etag (weak comparison, RFC 9110
 * 13.1.2: a W/ prefix is ignored). */
static int http_cache_inm(const char *list, const char *etag)
{
	size_t tlen = strlen(etag);
	for (const char *p = list; *p;) {
		p += strspn(p, " \t,");
		if (!strncmp(p, "W/", 2))
			p += 2;
		size_t n = strcspn(p, ",");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if ((n == tlen && !memcmp(p, etag, n)) || (n == 1 && *p == '*'))
			return 1;
		p += strcspn(p, ",");
	}
	return 0;
}

/* 1 when r's validators say the client's copy of e (form etag) is
 * current: If-None-Match when present (RFC 9110 13.1.3: it takes
 * precedence), else If-Modified-Since against the page's Last-Modified. */
static int http_cache_not_modified(const struct http_req *r, const char *etag,
				   int64_t mtime)
{
	const char *inm = http_header_get(r, "If-None-Match");
	if (inm)
		return http_cache_inm(inm, etag);
	if (mtime <= 0)
		return 0;
	const char *ims = http_header_get(r, "If-Modified-Since");
	int64_t since = ims ? http_date_parse(ims) : -1;
	return since >= 0 && mtime <= since;
}

static enum http_enc http_cache_pick(const struct http_req *r,
				     const struct http_cache_entry *e)
{
	if (e->body[HTTP_ENC_BR] && http_accepts_encoding(r, "br"))
		return HTTP_ENC_BR;
	if (e->body[HTTP_ENC_GZIP] && http_accepts_encoding(r, "gzip"))
		return HTTP_ENC_GZIP;
	return HTTP_ENC_IDENTITY;
}

static int http_cache_prefixed(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Tracking parameters that do not change a page: ignored in the key. */
static int http_cache_tracking(const char *k)
{
	return http_cache_prefixed(k, "utm_") || !strcmp(k, "fbclid") ||
	       !strcmp(k, "gclid") || !strcmp(k, "yclid");
}

/* "<edition> <host> <path>[?page=P][&partial=1]": the host lower-cased
 * and only when site.base_url is empty (pages then carry canonical URLs
 * built from it); page NULL or "" for the first. Arena memory; NULL when
 * the Host header is missing or odd, or the key would be too long. */
static const char *http_cache_key_build(struct http_req *r, const char *edition,
					const char *path, const char *page,
					int partial)
{
	const char *host = "";
	size_t hlen = 0;
	if (!app->cfg->base_url[0]) {
		host = http_header_get(r, "Host");
		if (!host)
			return NULL;
		hlen = strlen(host);
		if (hlen > 255 || memchr(host, ' ', hlen))
			return NULL;
	}
	size_t elen = strlen(edition), plen = strlen(path);
	size_t glen = page && page[0] ? strlen(page) : 0;
	size_t klen = elen + 1 + hlen + 1 + plen + (glen ? 6 + glen : 0) +
		      (partial == 1 ? 10 : 0);
	if (klen > HTTP_CACHE_MAX_KEY)
		return NULL;
	/* One allocation, no per-byte buf calls: this runs on every hit. */
	char *k = arena_alloc(r->a, klen + 1);
	char *p = k;
	memcpy(p, edition, elen);
	p += elen;
	*p++ = ' ';
	for (size_t i = 0; i < hlen; i++)
		*p++ = (char)tolower((unsigned char)host[i]);
	*p++ = ' ';
	memcpy(p, path, plen);
	p += plen;
	if (glen) {
		memcpy(p, "?page=", 6);
		memcpy(p + 6, page, glen);
		p += 6 + glen;
	}
	if (partial == 1) {
		const char *q = glen ? "&partial=1" : "?partial=1";
		memcpy(p, q, 10);
		p += 10;
	}
	*p = '\0';
	return k;
}

/* The cache key of r, or NULL when r must not use the cache. */
static const char *http_cache_key(struct http_req *r,
				  const struct http_route *rt)
{
	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
		return NULL;
	if ((rt->flags & HTTP_ROUTE_NOCACHE) || r->role != STORE_ROLE_NONE ||
	    r->user_id != 0)
		return NULL;
	if (http_cache_prefixed(r->path, "/api/") ||
	    http_cache_prefixed(r->path, "/newsroom") ||
	    http_cache_prefixed(r->path, "/healthz") ||
	    http_cache_prefixed(r->path, "/static/") ||
	    (r->rest && http_cache_prefixed(r->rest, "/live/")))
		return NULL;
	const char *page = NULL;
	int partial = 0;
	for (size_t i = 0; i < r->n_query; i++) {
		const char *k = r->query[i].key, *v = r->query[i].value;
		if (!strcmp(k, "page")) {
			if (!page)
				page = strcmp(v, "1") ? v : "";
		} else if (!strcmp(k, "partial")) {
			if (!partial)
				partial = !strcmp(v, "1") ? 1 : -1;
		} else if (!http_cache_tracking(k)) {
			return NULL;
		}
	}
	return http_cache_key_build(r, r->edition ? r->edition : "-", r->path,
				    page, partial);
}

int http_cache_lookup(struct http_req *r, const struct http_route *rt)
{
	struct http_cache *c = r->server ? http_server_cache(r->server) : NULL;
	if (!c)
		return 0;
	r->cache_key = http_cache_key(r, rt);
	if (!r->cache_key)
		return 0;
	/* Before the lookup: a purge after it may be about the data the
	 * handler is about to read. */
	r->cache_gen = http_cache_generation(c);
	struct http_cache_entry *e =
		http_cache_get(c, r->cache_key, http_cache_now_ms());
	if (!e)
		return 0;
	enum http_enc enc = http_cache_pick(r, e);
	r->status = http_cache_not_modified(r, e->etag[enc], e->mtime) ? 304 :
									 200;
	r->cache_entry = e;
	r->cache_enc = (int)enc;
	return 1;
}

/* The edition whose prefix uri is under, longest prefix first (as the
 * route table picks it); NULL when none. *rest: the path below it. */
static const struct config_edition *http_cache_edition_of(const char *uri,
							  const char **rest)
{
	const struct config *cfg = app->cfg;
	const struct config_edition *best = NULL;
	size_t best_len = 0;
	for (int k = 0; k < cfg->n_editions; k++) {
		const struct config_edition *ed = &cfg->editions[k];
		size_t n = strlen(ed->prefix);
		if (n && (strncmp(uri, ed->prefix, n) ||
			  (uri[n] != '\0' && uri[n] != '/')))
			continue;
		if (!best || n > best_len) {
			best = ed;
			best_len = n;
		}
	}
	if (best)
		*rest = uri[best_len] ? uri + best_len : "/";
	return best;
}

int http_cache_lookup_fast(struct http_req *r)
{
	struct http_cache *c = r->server ? http_server_cache(r->server) : NULL;
	if (!c || !r->method ||
	    (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")))
		return 0;
	/* Only a target that decodes to itself: no escapes, no query, no
	 * fragment. Its bytes are then the path the full lookup would key
	 * on; an entry under that key exists only when that path was
	 * decoded (valid UTF-8) and routed to a cacheable page before. */
	const char *uri = r->uri;
	if (uri[0] != '/' || uri[strcspn(uri, "%?#")] != '\0')
		return 0;
	const char *cookie = http_header_get(r, "Cookie");
	if (cookie && strstr(cookie, NEWSROOM_COOKIE))
		return 0;
	/* The full lookup keys a page on the edition the route table chose:
	 * the prefix's for edition routes, the default edition's for
	 * site-wide ones. Where the two differ for this path, the key below
	 * is one no page of this path was stored under, and the full lookup
	 * answers. */
	const char *rest = NULL;
	const struct config_edition *ed = http_cache_edition_of(uri, &rest);
	if (!ed)
		return 0;
	const char *key = http_cache_key_build(r, ed->code, uri, NULL, 0);
	if (!key)
		return 0;
	/* r->start_ns is the same monotonic clock, read on arrival. */
	int64_t now_ms = r->start_ns > 0 ? r->start_ns / 1000000 :
					   http_cache_now_ms();
	struct http_cache_entry *e = http_cache_find_held(c, key, now_ms, 1);
	if (!e)
		return 0;
	r->path = uri;
	r->edition = ed->code;
	r->prefix = ed->prefix;
	r->rest = rest;
	r->cache_key = key;
	enum http_enc enc = http_cache_pick(r, e);
	r->status = http_cache_not_modified(r, e->etag[enc], e->mtime) ? 304 :
									 200;
	r->cache_entry = e;
	r->cache_enc = (int)enc;
	return 1;
}

void http_cache_tag(struct http_req *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *words = arena_vprintf(r->a, fmt, ap);
	va_end(ap);
	r->cache_tags = r->cache_tags ? arena_printf(r->a, "%s %s",
						     r->cache_tags, words) :
					words;
}

/* Tags of an article page from the store, for a handler that did not
 * tag it: a:<id> g:<group>. 0 on success. */
static int http_cache_article_tags(struct http_req *r, struct buf *tags)
{
	struct store_article art;
	struct err e = {0};
	const char *slug = http_param_get(r, "slug");
	if (!slug || store_article_by_slug(app->store, r->a, r->edition, slug,
					   &art, &e) != 0)
		return -1;
	buf_printf(tags, " a:%lld", (long long)art.id);
	if (art.translation_group)
		buf_printf(tags, " g:%lld", (long long)art.translation_group);
	return 0;
}

/* 1 when the words of list (space-separated) include one starting with
 * prefix. */
static int http_cache_has_word(const char *list, const char *prefix)
{
	size_t n = strlen(prefix);
	for (const char *p = list; p && *p;) {
		p += strspn(p, " ");
		if (!strncmp(p, prefix, n))
			return 1;
		p += strcspn(p, " ");
	}
	return 0;
}

/* The words of list (space-separated) once each, in first-seen order,
 * single spaces. Arena memory. */
static const char *http_cache_words_unique(struct arena *a, const char *list)
{
	struct buf out;
	buf_init(&out, a);
	for (const char *p = list; *p;) {
		p += strspn(p, " ");
		size_t n = strcspn(p, " ");
		if (!n)
			break;
		int seen = 0;
		for (const char *q = out.data; *q && !seen;) {
			size_t m = strcspn(q, " ");
			seen = m == n && !memcmp(q, p, n);
			q += m;
			q += strspn(q, " ");
		}
		if (!seen) {
			if (out.len)
				buf_putc(&out, ' ');
			buf_append(&out, p, n);
		}
		p += n;
	}
	return out.data;
}

void http_cache_store(struct http_req *r, const struct http_route *rt)
{
	struct http_cache *c = r->server ? http_server_cache(r->server) : NULL;
	if (!c || !r->cache_key || r->status != 200 || !r->content_type) {
		/* Not cached: If-Modified-Since still gets its 304. */
		http_not_modified_since(r);
		return;
	}
	const char *cc = NULL;
	int64_t mtime = 0;
	struct http_kv *extra =
		arena_alloc(r->a, (r->n_headers + 1) * sizeof *extra);
	size_t n_extra = 0;
	for (size_t i = 0; i < r->n_headers; i++) {
		const char *k = r->headers[i].key, *v = r->headers[i].value;
		if (!strcasecmp(k, "Set-Cookie")) {
			http_not_modified_since(r);
			return;
		}
		if (!strcasecmp(k, "Cache-Control")) {
			if (strstr(v, "no-store") || strstr(v, "no-cache") ||
			    strstr(v, "private")) {
				http_not_modified_since(r);
				return;
			}
			cc = v;
		} else if (!strcasecmp(k, "Vary")) {
			/* The key varies by encoding only. */
			if (strcasecmp(v, "Accept-Encoding")) {
				http_not_modified_since(r);
				return;
			}
		} else if (strcasecmp(k, "ETag")) {
			/* Last-Modified stays: hits send it and answer
			 * If-Modified-Since with it. */
			if (!strcasecmp(k, "Last-Modified")) {
				int64_t t = http_date_parse(v);
				mtime = t > 0 ? t : 0;
			}
			extra[n_extra++] = r->headers[i];
		}
	}
	if (!cc)
		cc = arena_printf(r->a, "public, max-age=%d",
				  app->cfg->cache_ttl);

	/* Surrogate-Key words: defaults by route, then the handler's. */
	struct buf tags;
	buf_init(&tags, r->a);
	const char *ed = r->edition ? r->edition : "-";
	buf_printf(&tags, "ed:%s", ed);
	if (!(rt->flags & HTTP_ROUTE_EDITION)) {
		/* A site-wide page (sitemaps, robots.txt) may show every
		 * edition: any edition's purge drops it. */
		for (int i = 0; i < app->cfg->n_editions; i++)
			if (strcmp(app->cfg->editions[i].code, ed))
				buf_printf(&tags, " ed:%s list:%s",
					   app->cfg->editions[i].code,
					   app->cfg->editions[i].code);
	}
	if (rt->handler == page_article) {
		if (!http_cache_has_word(r->cache_tags, "a:") &&
		    http_cache_article_tags(r, &tags) != 0)
			return;
	} else {
		if (rt->handler == page_home)
			buf_printf(&tags, " home:%s", ed);
		buf_printf(&tags, " list:%s", ed);
		const char *rest = r->rest ? r->rest : r->path;
		if (strstr(rest, "feed") || strstr(rest, "rss") ||
		    strstr(rest, "atom"))
			buf_printf(&tags, " feed:%s", ed);
		if (strstr(rest, "sitemap"))
			buf_printf(&tags, " sitemap:%s", ed);
	}
	if (r->cache_tags)
		buf_printf(&tags, " %s", r->cache_tags);
	const char *words = http_cache_words_unique(r->a, tags.data);

	struct http_cache_body b = {
		.data = r->fixed ? r->fixed : r->out.data,
		.len = r->fixed ? r->fixed_len : r->out.len,
		.content_type = r->content_type,
		.cache_control = cc,
		.tags = words,
		.headers = extra,
		.n_headers = n_extra,
		.mtime = mtime,
		.since = r->cache_gen,
	};
	struct http_cache_entry *e =
		http_cache_put(c, r->cache_key, &b, http_cache_now_ms());
	if (!e) { /* larger than the cache may hold: sent as rendered */
		http_not_modified_since(r);
		return;
	}

	/* This reply: the same headers as a hit, from the request's arena
	 * (the prebuilt responses say X-Cache: hit and carry no request id). */
	enum http_enc enc = http_cache_pick(r, e);
	r->n_headers = 0;
	for (size_t i = 0; i < n_extra; i++)
		http_header_add(r, extra[i].key, extra[i].value);
	http_header_add(r, "Cache-Control", cc);
	http_header_add(r, "ETag", e->etag[enc]);
	http_header_add(r, "Vary", "Accept-Encoding");
	http_header_add(r, "Surrogate-Key", words);
	http_header_add(r, "X-Cache", "miss");
	if (http_cache_not_modified(r, e->etag[enc], e->mtime)) {
		buf_clear(&r->out);
		r->fixed = NULL;
		r->status = 304;
	} else if (enc != HTTP_ENC_IDENTITY) {
		http_header_add(r, "Content-Encoding", http_enc_names[enc]);
		void *copy = arena_alloc(r->a, e->len[enc]);
		memcpy(copy, e->body[enc], e->len[enc]);
		r->fixed = copy;
		r->fixed_len = e->len[enc];
	}
	http_cache_release(e);
}

/* ---- purges (http.h) ------------------------------------------------ */

static struct http_cache *http_cache_running(void)
{
	return app && app->server ? http_server_cache(app->server) : NULL;
}

void http_cache_purge_article(const struct store_article *art)
{
	struct http_cache *c = http_cache_running();
	if (!c || !art)
		return;
	/* At most 4 + authors + tags words; long lists purge in rounds. */
	char bufs[16][40];
	const char *words[16];
	size_t n = 0, dropped = 0;
#define HTTP_CACHE_WORD(...)                                                   \
	do {                                                                   \
		if (n == 16) {                                                 \
			dropped += http_cache_purge_words(c, words, n);        \
			n = 0;                                                 \
		}                                                              \
		snprintf(bufs[n], sizeof bufs[n], __VA_ARGS__);                \
		words[n] = bufs[n];                                            \
		n++;                                                           \
	} while (0)
	HTTP_CACHE_WORD("a:%lld", (long long)art->id);
	if (art->translation_group)
		HTTP_CACHE_WORD("g:%lld", (long long)art->translation_group);
	if (art->edition)
		HTTP_CACHE_WORD("list:%s", art->edition);
	if (art->rubric_id)
		HTTP_CACHE_WORD("r:%lld", (long long)art->rubric_id);
	for (size_t i = 0; i < art->n_authors; i++)
		HTTP_CACHE_WORD("au:%lld", (long long)art->author_ids[i]);
	for (size_t i = 0; i < art->n_tags; i++)
		HTTP_CACHE_WORD("t:%lld", (long long)art->tags[i].id);
#undef HTTP_CACHE_WORD
	dropped += http_cache_purge_words(c, words, n);
	log_debug("cache: article %lld: %zu pages dropped", (long long)art->id,
		  dropped);
}

void http_cache_purge_edition(const char *edition)
{
	struct http_cache *c = http_cache_running();
	if (!c || !edition)
		return;
	char word[40];
	snprintf(word, sizeof word, "ed:%s", edition);
	size_t n = http_cache_purge(c, word);
	log_debug("cache: edition %s: %zu pages dropped", edition, n);
}

void http_cache_purge_all(void)
{
	struct http_cache *c = http_cache_running();
	if (c)
		log_debug("cache: %zu pages dropped",
			  http_cache_purge(c, NULL));
}

void http_cache_purge_key(const char *key)
{
	struct http_cache *c = http_cache_running();
	if (c && key && *key && !strchr(key, ' '))
		log_debug("cache: %s: %zu pages dropped", key,
			  http_cache_purge(c, key));
}
