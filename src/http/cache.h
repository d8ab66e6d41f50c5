/*
 * cache.h - the two load-bearing parts of the HTTP layer: the page cache
 * (http/cache.c) and the view counter (http/views.c).
 *
 * Page cache: rendered reader pages and feeds kept in memory, each body
 * with its gzip and brotli forms beside it and one prebuilt
 * libmicrohttpd response per form, so that a hit queues a response
 * without copying or compressing anything. Bounded in bytes (LRU),
 * expired after a TTL, purged by Surrogate-Key words. Thread-safe:
 * sharded mutexes for the tables, reference counts for entries.
 *
 * View counter: beacon counts summed in memory per article and written
 * to the store in batches by a flusher thread.
 *
 * Private to src/http (others use the purge functions in http.h). Not
 * for what is cacheable (decided here from the request and the route,
 * see cache.c) nor for rendering.
 */
#ifndef GAZETTE_HTTP_CACHE_H
#define GAZETTE_HTTP_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "store/store.h"
#include "util/err.h"

struct MHD_Response;
struct http_cache;

/* Forms of a cached body, in the order the client is offered them. */
enum http_enc {
	HTTP_ENC_IDENTITY = 0,
	HTTP_ENC_GZIP = 1,
	HTTP_ENC_BR = 2,
	HTTP_ENC_N = 3,
};

struct http_cache_opts {
	size_t max_bytes; /* bound on bodies + compressed forms + overhead */
	int ttl_seconds;  /* an entry is not served after this long */
	int shards;       /* independent locks/LRU lists; 0 picks 16. Each
			   * shard holds max_bytes / shards. */
};

/* What http_cache_put stores. Strings are copied. */
struct http_cache_body {
	const void *data; /* the identity body */
	size_t len;
	const char *content_type;  /* "text/html; charset=utf-8" */
	const char *cache_control; /* Cache-Control to send, or NULL */
	const char *tags;          /* Surrogate-Key words, space-separated */
	const struct http_kv *headers; /* more headers to send with it */
	size_t n_headers;
	int64_t mtime;  /* Last-Modified (Unix time) the page was sent with,
			 * for If-Modified-Since on hits; 0: none */
	uint64_t since; /* http_cache_generation() taken before the page was
			 * rendered: not stored when a purge came after it
			 * (the page may show what the purge was for); 0:
			 * store regardless */
};

struct http_cache_stats {
	size_t entries;   /* entries held */
	size_t bytes;     /* bytes charged for them */
	size_t max_bytes; /* the bound */
	uint64_t hits, misses, inserts, evictions, expired, purged;
};

/* New empty cache. Caller frees with http_cache_free. */
struct http_cache *http_cache_new(const struct http_cache_opts *o);

/* Drop every entry and free the cache. Responses still queued on
 * connections stay valid until libmicrohttpd is done with them. */
void http_cache_free(struct http_cache *c);

/* The entry for key, held (caller releases with http_cache_release), or
 * NULL when there is none. now_ms: a monotonic clock in milliseconds
 * (http_cache_now_ms). An entry older than the TTL is stale: the first
 * get after that returns NULL (the caller renders and puts the page),
 * gets during that render (up to 5 s) return the stale entry, and one
 * older than twice the TTL is dropped. Counts a hit or a miss. */
struct http_cache_entry *http_cache_get(struct http_cache *c, const char *key,
					int64_t now_ms);

/* Store b under key (replacing an older entry), compressing it with gzip
 * and brotli and building its responses; the least recently used entries
 * of the shard go to make room. Returns the new entry held (caller
 * releases), or NULL when it is larger than a shard may hold or a purge
 * happened since b->since. */
struct http_cache_entry *http_cache_put(struct http_cache *c, const char *key,
					const struct http_cache_body *b,
					int64_t now_ms);

/* The purge generation: goes up with every purge. A page rendered from
 * data read after this call may be stored with .since = the value. */
uint64_t http_cache_generation(struct http_cache *c);

/* Give back an entry from get/put. NULL is a no-op. */
void http_cache_release(struct http_cache_entry *e);

/* Drop every entry whose tags hold the word `tag` ("a:12"); NULL drops
 * all. Returns how many were dropped. */
size_t http_cache_purge(struct http_cache *c, const char *tag);

/* Counters and sizes, summed over shards. */
void http_cache_stats_get(struct http_cache *c, struct http_cache_stats *st);

/* Body, length and ETag (with quotes) of an entry's form enc; the body
 * is NULL when that form is not kept (brotli or gzip that did not make
 * it smaller): use another. Valid while the entry is held. */
const void *http_cache_entry_body(const struct http_cache_entry *e,
				  enum http_enc enc, size_t *len);
const char *http_cache_entry_etag(const struct http_cache_entry *e,
				  enum http_enc enc);
/* Surrogate-Key words of the entry. */
const char *http_cache_entry_tags(const struct http_cache_entry *e);

/* The prebuilt response of form enc (304: the bodiless Not Modified
 * one). Owned by the entry; queue it while holding the entry. */
struct MHD_Response *http_cache_entry_response(const struct http_cache_entry *e,
					       enum http_enc enc,
					       int not_modified);

/* Monotonic clock in milliseconds. */
int64_t http_cache_now_ms(void);

/* ---- request glue (cache.c), called by the dispatcher -------------- */

/* Before the handler: decide whether r may use the cache (sets
 * r->cache_key), and answer it from the cache when the page is there:
 * r->status becomes 200 or 304 and r->cache_entry/cache_enc name the
 * prebuilt response for the server to queue. Returns 1 when answered. */
int http_cache_lookup(struct http_req *r, const struct http_route *rt);

/* Before parsing and routing (server.c): answer a plain anonymous GET or
 * HEAD from the cache when a fresh page is there, the way
 * http_cache_lookup would after routing. Needs r->method, r->uri and the
 * request headers; only a target without '%', '?' or '#' and a request
 * without the newsroom session cookie qualify. On a hit sets r->path
 * (the target), r->edition, r->prefix, r->rest, r->cache_key, r->status
 * (200 or 304), r->cache_entry and r->cache_enc, and returns 1; else
 * changes nothing in r and the cache (no miss counted, a stale page left
 * for the full lookup to refresh) and returns 0. */
int http_cache_lookup_fast(struct http_req *r);

/* After the handler: when r->cache_key is set and the reply is a
 * cacheable 200, store it and turn the reply into the form the client
 * accepts, with ETag, Vary, Surrogate-Key and X-Cache: miss (or a 304). */
void http_cache_store(struct http_req *r, const struct http_route *rt);

/* The server's page cache and view counter (NULL when off/not made). */
struct http_cache *http_server_cache(const struct http_server *s);
struct http_views *http_server_views(const struct http_server *s);

/* ---- view counts (http/views.c) ----------------------------------- */

struct http_views;

/* Start counting views for store st: a flusher thread writes the counts
 * summed in memory every interval_ms (0 picks 1000) with one
 * store_views_add call. Caller frees with http_views_free. ERR_IO when
 * the thread cannot start. */
int http_views_new(store *st, int interval_ms, struct http_views **out,
		   struct err *e);

/* Stop the flusher, write what is still pending, free. NULL is a no-op. */
void http_views_free(struct http_views *v);

/* Count one view of article id. The article must exist, be published
 * and due: checked with a store read the first time and then at most
 * once a minute per article. *total gets the stored count plus what this
 * process has counted and not yet written. a: scratch for the read.
 * ERR_NOTFOUND (no such visible article), ERR_DB. */
int http_views_add(struct http_views *v, struct arena *a, int64_t id,
		   int64_t *total, struct err *e);

/* Write every pending count now (the flusher's step). Counts that fail
 * to be written stay pending for the next try. ERR_DB. */
int http_views_flush(struct http_views *v, struct err *e);

/* Views counted in memory and not yet written (all articles). */
int64_t http_views_pending(struct http_views *v);

#endif
