/*
 * server.c - libmicrohttpd glue: daemon, request life cycle, access log.
 *
 * Life of a request:
 *   uri_log callback   new struct http_req with its own arena (the one
 *                      allocation point), request id, raw target
 *   access, 1st call   header-size and body-size checks only: replying on
 *                      the first call makes libmicrohttpd 0.9.75 close the
 *                      connection, so normal replies wait for the 2nd
 *   access, body calls body appended to r->body up to the limit
 *   access, last call  a page-cache hit on a plain target is answered
 *                      before parsing and routing (http_cache_lookup_fast);
 *                      else parse target, dispatch to the route table;
 *                      queue
 *   completed callback access-log line, arena_free (the one free point)
 *
 * A page-cache hit (http/cache.c) skips the handler: dispatch leaves the
 * cache entry in r->cache_entry and http_queue queues its prebuilt
 * response as is (libmicrohttpd counts its own reference, so the entry
 * is given back right after queuing). The server owns the page cache and
 * the view counter: made before the daemon starts, the remaining counts
 * flushed and both freed after it stops.
 *
 * The daemon runs libmicrohttpd's thread pool with epoll. Not for
 * routing or handlers (http/routes.c and the handler files).
 */
#include "app.h"
#include "http/cache.h"
#include "http/http.h"
#include "http/internal.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct http_server {
	struct MHD_Daemon *d;
	struct app *app;
	atomic_llong next_id;     /* request counter for ids */
	atomic_int inflight;      /* requests begun and not completed */
	char id_prefix[9];        /* random per process, hex */
	struct http_cache *cache; /* page cache, NULL when cache.enabled=off */
	struct http_views *views; /* view counter with its flusher thread */
	int quiesced;             /* http_server_quiesce was called */
	MHD_socket listen_fd;     /* what MHD_quiesce_daemon handed back */
};

enum {
	HTTP_STATE_REQUEST,
	HTTP_STATE_STREAM
};

/* Per-request server state beside the public struct. */
struct http_conn_state {
	int kind; /* HTTP_STATE_REQUEST */
	struct http_req r;
	int stage;                 /* 0: new, 1: headers seen */
	int early_status;          /* 413/431/400 decided while reading, or 0 */
	size_t body_limit;         /* bytes allowed for this request's body */
	size_t bytes_out;          /* body bytes sent, for the access log */
	char ip[INET6_ADDRSTRLEN]; /* r->ip once http_conn_ip has run */
};

/*
 * What a request whose handler queued its own long-lived response (a live
 * stream, http/sse.c) keeps once the response is queued: the access-log
 * fields. Its arena (4 KB or more) goes at once instead of staying as
 * long as the reader does; nothing of a stream lives in it (sse.c).
 */
struct http_stream_state {
	int kind;                  /* HTTP_STATE_STREAM */
	char id[20];               /* request id */
	char ip[INET6_ADDRSTRLEN]; /* client address text */
	char method[8];            /* "GET", "HEAD" */
	int status;                /* reply status */
	int64_t start_ns;          /* arrival */
	char uri[];                /* raw request target */
};

static int64_t http_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *http_on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct http_server *s = cls;
	/* 4 KB first block: a cache hit needs less than 3 KB, a rendered
	 * page grows the arena geometrically, and live streams keep
	 * thousands of idle requests each holding its first block. A new
	 * arena a request, not one kept per connection and reset: the
	 * block malloc hands back is the one the thread's last request
	 * freed, still in cache, while 64 connections' own arenas and
	 * request states were not (a hit cost 0.6-1.3 us more). */
	struct arena *a = arena_new(4096);
	struct http_conn_state *st = arena_alloc(a, sizeof *st);
	struct http_req *r = &st->r;
	r->a = a;
	r->conn = c;
	r->server = s;
	r->uri = arena_strdup(a, uri ? uri : "");
	r->start_ns = http_now_ns();
	/* "<prefix><8 hex digits>", by hand: snprintf was a visible share
	 * of a cache hit's CPU time. */
	unsigned long long n =
		(unsigned long long)atomic_fetch_add(&s->next_id, 1);
	memcpy(r->id, s->id_prefix, 8);
	for (int i = 15; i >= 8; i--, n >>= 4)
		r->id[i] = "0123456789abcdef"[n & 15];
	r->id[16] = '\0';
	buf_init(&r->body, a);
	buf_init(&r->out, a);
	atomic_fetch_add(&s->inflight, 1);
	return st;
}

/* Set r->ip to the client's address text (st->ip), once: only requests
 * that go to the route table or the access log need it, so a cache hit
 * answered before routing never formats it. */
static void http_conn_ip(struct http_conn_state *st)
{
	struct http_req *r = &st->r;
	if (r->ip)
		return;
	r->ip = st->ip;
	memcpy(st->ip, "-", 2);
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET) {
		/* By hand: glibc's inet_ntop formats IPv4 with sprintf. */
		const unsigned char *b =
			(const unsigned char *)&(
				(const struct sockaddr_in *)(const void *)sa)
				->sin_addr;
		char *p = st->ip;
		for (int i = 0; i < 4; i++) {
			unsigned v = b[i];
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
			*p++ = i < 3 ? '.' : '\0';
		}
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)(const void *)sa)
				   ->sin6_addr,
			  st->ip, sizeof st->ip);
	}
}

/*
 * Request headers read on (nearly) every request: by the checks before the
 * body, the page cache (key, encoding, validators) and the route table's
 * session check. http_on_access's first call finds them in the one pass
 * over the headers it makes anyway (for their total size), so that
 * http_header_get answers them without walking libmicrohttpd's list
 * again (seven walks a cache hit, each with a strlen and caseless
 * compares). Indexes into r->hot_hdr.
 */
enum {
	HTTP_HOT_HOST,
	HTTP_HOT_COOKIE,
	HTTP_HOT_ACCEPT_ENCODING,
	HTTP_HOT_IF_NONE_MATCH,
	HTTP_HOT_IF_MODIFIED_SINCE,
	HTTP_HOT_CONTENT_LENGTH,
	HTTP_HOT_TRANSFER_ENCODING,
	HTTP_HOT_N
};
_Static_assert(HTTP_HOT_N <= sizeof((struct http_req *)0)->hot_hdr /
				     sizeof(const char *),
	       "struct http_req: hot_hdr too small");

/* The hot header index of name[0..len) (any case), or -1. */
static int http_hot_index(const char *name, size_t len)
{
	switch (len) {
	case 4:
		return !strncasecmp(name, "Host", 4) ? HTTP_HOT_HOST : -1;
	case 6:
		return !strncasecmp(name, "Cookie", 6) ? HTTP_HOT_COOKIE : -1;
	case 13:
		return !strncasecmp(name, "If-None-Match", 13) ?
			       HTTP_HOT_IF_NONE_MATCH :
			       -1;
	case 14:
		return !strncasecmp(name, "Content-Length", 14) ?
			       HTTP_HOT_CONTENT_LENGTH :
			       -1;
	case 15:
		return !strncasecmp(name, "Accept-Encoding", 15) ?
			       HTTP_HOT_ACCEPT_ENCODING :
			       -1;
	case 17:
		return !strncasecmp(name, "If-Modified-Since", 17) ?
			       HTTP_HOT_IF_MODIFIED_SINCE :
		       !strncasecmp(name, "Transfer-Encoding", 17) ?
			       HTTP_HOT_TRANSFER_ENCODING :
			       -1;
	}
	return -1;
}

const char *http_header_get(const struct http_req *r, const char *name)
{
	if (r->hot_hdr_known) {
		int i = http_hot_index(name, strlen(name));
		if (i >= 0)
			return r->hot_hdr[i];
	}
	if (!r->conn)
		return NULL;
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct http_hdr_sum {
	size_t bytes;       /* total header bytes */
	int count;          /* number of header lines */
	struct http_req *r; /* gets the hot headers (first of each name) */
};

static enum MHD_Result http_sum_header(void *cls, enum MHD_ValueKind kind,
				       const char *key, size_t key_size,
				       const char *value, size_t value_size)
{
	(void)kind;
	struct http_hdr_sum *sum = cls;
	sum->bytes += key_size + value_size + 4;
	sum->count++;
	int i = http_hot_index(key, key_size);
	if (i >= 0 && !sum->r->hot_hdr[i])
		sum->r->hot_hdr[i] = value ? value : "";
	return MHD_YES;
}

static int http_method_known(const char *m)
{
	static const char *const known[] = {"GET",    "HEAD",  "POST",   "PUT",
					    "DELETE", "PATCH", "OPTIONS"};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strcmp(m, known[i]))
			return 1;
	return 0;
}

static enum MHD_Result http_queue(struct http_conn_state *st)
{
	struct http_req *r = &st->r;
	if (r->cache_entry) {
		size_t blen;
		enum http_enc enc = (enum http_enc)r->cache_enc;
		http_cache_entry_body(r->cache_entry, enc, &blen);
		st->bytes_out = r->status == 304 ? 0 : blen;
		enum MHD_Result ok = MHD_queue_response(
			r->conn, (unsigned)r->status,
			http_cache_entry_response(r->cache_entry, enc,
						  r->status == 304));
		http_cache_release(r->cache_entry);
		r->cache_entry = NULL;
		return ok;
	}
	if (r->mhd_response) { /* prepared by the handler (http/sse.c) */
		struct MHD_Response *own = r->mhd_response;
		r->mhd_response = NULL;
		st->bytes_out = 0;
		enum MHD_Result ok =
			MHD_queue_response(r->conn, (unsigned)r->status, own);
		MHD_destroy_response(own);
		return ok;
	}
	const void *data = r->fixed ? r->fixed : r->out.data;
	size_t len = r->fixed ? r->fixed_len : r->out.len;
	if (r->status == 304 || r->status == 204)
		len = 0;
	/* The body is arena or long-lived memory that outlives the
	 * response: libmicrohttpd sends it without a copy. */
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		len, (void *)(uintptr_t)data, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	if (r->content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					r->content_type);
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	for (size_t i = 0; i < r->n_headers; i++)
		MHD_add_response_header(resp, r->headers[i].key,
					r->headers[i].value);
	st->bytes_out = len;
	enum MHD_Result ok =
		MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

static void http_dispatch(struct http_conn_state *st)
{
	struct http_req *r = &st->r;
	struct err e = {0};
	if (st->early_status) {
		http_reply_error(r, st->early_status,
				 st->early_status == 413 ?
					 "request body too large" :
				 st->early_status == 431 ?
					 "request header fields too large" :
					 "bad request");
		return;
	}
	/* A page-cache hit on a plain target needs neither the decoded
	 * target nor the route walk (http/cache.c says when it applies). */
	if (http_cache_lookup_fast(r))
		return;
	http_conn_ip(st);
	if (http_req_parse_uri(r, &e) != 0) {
		r->path = "/";
		http_reply_error(r, 400, e.msg);
		return;
	}
	int rc = http_route_dispatch(r);
	if (r->status == 0) {
		log_error("req %s: %s %s: handler gave no reply (%d)", r->id,
			  r->method, r->path, rc);
		http_reply_error(r, 500, "internal error");
	}
}

/* Swap a queued stream's request state for its access-log fields and
 * free the arena; returns the new req_cls (heap, freed by
 * http_on_completed). */
static void *http_stream_detach(struct http_conn_state *st)
{
	struct http_req *r = &st->r;
	size_t ul = strlen(r->uri);
	struct http_stream_state *ss = xmalloc(sizeof *ss + ul + 1);
	ss->kind = HTTP_STATE_STREAM;
	memcpy(ss->id, r->id, sizeof ss->id);
	http_conn_ip(st);
	snprintf(ss->ip, sizeof ss->ip, "%s", r->ip);
	snprintf(ss->method, sizeof ss->method, "%s",
		 r->method ? r->method : "-");
	ss->status = r->status;
	ss->start_ns = r->start_ns;
	memcpy(ss->uri, r->uri, ul + 1);
	http_cache_release(r->cache_entry); /* none for a stream; safe */
	r->cache_entry = NULL;
	page_site_release(r);
	arena_free(r->a);
	return ss;
}

static enum MHD_Result http_on_access(void *cls, struct MHD_Connection *c,
				      const char *url, const char *method,
				      const char *version,
				      const char *upload_data,
				      size_t *upload_data_size, void **req_cls)
{
	struct http_server *s = cls;
	(void)url;
	(void)version;
	struct http_conn_state *st = *req_cls;
	if (!st) /* no uri callback happened: cannot track, refuse */
		return MHD_NO;
	struct http_req *r = &st->r;

	if (st->stage == 0) {
		st->stage = 1;
		r->method = arena_strdup(r->a, method);
		const struct config *cfg = s->app->cfg;
		struct http_hdr_sum sum = {0, 0, r};
		MHD_get_connection_values_n(c, MHD_HEADER_KIND, http_sum_header,
					    &sum);
		r->hot_hdr_known = 1;
		st->body_limit = !strncmp(r->uri, "/newsroom/media", 15) ?
					 cfg->max_upload_bytes :
					 cfg->max_body_bytes;
		if (sum.bytes > cfg->max_header_bytes || sum.count > 100)
			st->early_status = 431;
		else if (!http_method_known(method))
			st->early_status = 0; /* 501 from the route table */
		const char *cl = r->hot_hdr[HTTP_HOT_CONTENT_LENGTH];
		if (cl && strtoull(cl, NULL, 10) > st->body_limit)
			st->early_status = 413;
		if ((!strcmp(method, "GET") || !strcmp(method, "HEAD")) &&
		    ((cl && strcmp(cl, "0")) ||
		     r->hot_hdr[HTTP_HOT_TRANSFER_ENCODING]))
			st->early_status = 400;
		if (st->early_status == 413 || st->early_status == 431) {
			/* Answer now (connection closes): reading a body we
			 * refuse would waste the bandwidth. */
			http_dispatch(st);
			return http_queue(st);
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!st->early_status &&
		    r->body.len + *upload_data_size <= st->body_limit)
			buf_append(&r->body, upload_data, *upload_data_size);
		else if (!st->early_status)
			st->early_status = 413;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->status) /* already answered */
		return MHD_YES;
	http_dispatch(st);
	int stream = r->mhd_response != NULL;
	enum MHD_Result ok = http_queue(st);
	if (stream && ok == MHD_YES)
		*req_cls = http_stream_detach(st);
	return ok;
}

static void http_on_completed(void *cls, struct MHD_Connection *c,
			      void **req_cls,
			      enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	(void)c;
	struct http_conn_state *st = *req_cls;
	if (!st)
		return;
	if (st->kind == HTTP_STATE_STREAM) {
		struct http_stream_state *ss = (void *)st;
		if (s->app->cfg->access_log)
			log_info("access %s %s %s %s %d 0 %.2fms%s", ss->id,
				 ss->ip, ss->method, ss->uri, ss->status,
				 (double)(http_now_ns() - ss->start_ns) / 1e6,
				 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ?
					 "" :
					 " aborted");
		free(ss);
		*req_cls = NULL;
		atomic_fetch_sub(&s->inflight, 1);
		return;
	}
	struct http_req *r = &st->r;
	http_cache_release(r->cache_entry); /* answered before queuing */
	r->cache_entry = NULL;
	if (r->mhd_response) /* prepared but never queued */
		MHD_destroy_response(r->mhd_response);
	r->mhd_response = NULL;
	page_site_release(r);
	if (s->app->cfg->access_log) {
		http_conn_ip(st);
		double ms = (double)(http_now_ns() - r->start_ns) / 1e6;
		log_info("access %s %s %s %s %d %zu %.2fms%s", r->id, r->ip,
			 r->method ? r->method : "-", r->uri, r->status,
			 st->bytes_out, ms,
			 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ?
				 "" :
				 " aborted");
	}
	arena_free(r->a);
	*req_cls = NULL;
	atomic_fetch_sub(&s->inflight, 1);
}

/* libmicrohttpd's URL unescaping, left out: it decodes the path and every
 * query argument of every request (about 600 instructions of a cache
 * hit) into values gazette never reads; http_req_parse_uri decodes
 * r->uri itself, strictly. The url given to http_on_access stays raw. */
static size_t http_mhd_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("libmicrohttpd: %s", msg);
}

int http_server_start(struct app *a, struct http_server **out, int *port_out,
		      struct err *e)
{
	const struct config *cfg = a->cfg;
	struct sockaddr_in6 sa6;
	struct sockaddr_in sa4;
	struct sockaddr *sa;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG | MHD_USE_TURBO;
	memset(&sa4, 0, sizeof sa4);
	memset(&sa6, 0, sizeof sa6);
	if (inet_pton(AF_INET, cfg->listen, &sa4.sin_addr) == 1) {
		sa4.sin_family = AF_INET;
		sa4.sin_port = htons((uint16_t)cfg->port);
		sa = (struct sockaddr *)&sa4;
	} else if (inet_pton(AF_INET6, cfg->listen, &sa6.sin6_addr) == 1) {
		sa6.sin6_family = AF_INET6;
		sa6.sin6_port = htons((uint16_t)cfg->port);
		sa = (struct sockaddr *)&sa6;
		flags |= MHD_USE_IPv6;
	} else {
		return err_set(
			e, ERR_INVALID,
			"http.listen '%s' is not an IPv4 or IPv6 address",
			cfg->listen);
	}
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cfg->threads > 0 ? (unsigned)cfg->threads :
					      (unsigned)(ncpu > 0 ? ncpu : 2);

	struct http_server *s = xcalloc(1, sizeof *s);
	s->app = a;
	unsigned char rnd[4];
	randombytes_buf(rnd, sizeof rnd);
	snprintf(s->id_prefix, sizeof s->id_prefix, "%02x%02x%02x%02x", rnd[0],
		 rnd[1], rnd[2], rnd[3]);
	if (cfg->cache_enabled) {
		struct http_cache_opts co = {
			.max_bytes = cfg->cache_size,
			.ttl_seconds = cfg->cache_ttl,
		};
		s->cache = http_cache_new(&co);
	}
	int rc = http_views_new(a->store, 1000, &s->views, e);
	if (rc) {
		http_cache_free(s->cache);
		free(s);
		return rc;
	}

	s->d = MHD_start_daemon(
		flags, (uint16_t)cfg->port, NULL, NULL, http_on_access, s,
		MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->connection_limit,
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)cfg->connection_timeout,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)cfg->per_ip_connection_limit,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)cfg->connection_memory_limit,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
		MHD_OPTION_URI_LOG_CALLBACK, http_on_uri, s,
		MHD_OPTION_UNESCAPE_CALLBACK, http_mhd_unescape, s,
		MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, s,
		MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, s, MHD_OPTION_END);
	if (!s->d) {
		http_views_free(s->views);
		http_cache_free(s->cache);
		free(s);
		return err_set(e, ERR_IO,
			       "cannot listen on %s port %d (in use, or no "
			       "permission)",
			       cfg->listen, cfg->port);
	}
	const union MHD_DaemonInfo *di =
		MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	*port_out = di ? di->port : cfg->port;
	*out = s;
	return 0;
}

/*
 * libmicrohttpd 0.9.75's MHD_quiesce_daemon removes the listening socket
 * from each worker's epoll set and aborts the process when that fails;
 * a worker that is awake at that moment removes it too (tolerating
 * ENOENT itself), so the two race. Quiesce therefore comes first, while
 * the workers idle, before anything (live_hub_shutdown resuming every
 * parked stream) wakes them all.
 */
void http_server_quiesce(struct http_server *s)
{
	if (!s || s->quiesced)
		return;
	s->quiesced = 1;
	s->listen_fd = MHD_quiesce_daemon(s->d);
}

void http_server_stop(struct http_server *s, int grace_seconds)
{
	if (!s)
		return;
	http_server_quiesce(s);
	MHD_socket ls = s->listen_fd;
	int64_t until = http_now_ns() + (int64_t)grace_seconds * 1000000000LL;
	while (atomic_load(&s->inflight) > 0 && http_now_ns() < until) {
		struct timespec ts = {0, 10 * 1000000};
		nanosleep(&ts, NULL);
	}
	int left = atomic_load(&s->inflight);
	if (left > 0)
		log_warn("shutdown: %d requests still running after %d s", left,
			 grace_seconds);
	MHD_stop_daemon(s->d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	/* No request can count a view now: write the rest. */
	http_views_free(s->views);
	if (s->cache) {
		struct http_cache_stats cs;
		http_cache_stats_get(s->cache, &cs);
		log_info("cache: %llu hits, %llu misses, %zu pages (%zu KB) at "
			 "shutdown",
			 (unsigned long long)cs.hits,
			 (unsigned long long)cs.misses, cs.entries,
			 cs.bytes / 1024);
	}
	http_cache_free(s->cache);
	free(s);
}

struct http_cache *http_server_cache(const struct http_server *s)
{
	return s->cache;
}

struct http_views *http_server_views(const struct http_server *s)
{
	return s->views;
}
