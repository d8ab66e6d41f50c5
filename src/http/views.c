/*
 * views.c - view counts: summed in memory, written in batches.
 *
 *   POST /api/v1/views/{id}    the beacon (one per page load, sent by
 *                              site.js; GET/HEAD never count)
 *
 * Pages are cached, so the count cannot come from rendering: the page
 * script calls the beacon once per load. Each call adds one to the
 * article's record in a sharded hash (a mutex per shard); a flusher
 * thread hands every pending count to the store in one
 * store_views_add call per second, and once more at shutdown after the
 * HTTP server has stopped. Counts are exact: a count leaves `pending`
 * only into `inflight`, and comes back to `pending` when the write
 * fails, so it is written exactly once or stays in memory.
 *
 * The beacon answers the stored count plus what this process holds: the
 * store is read the first time an article is counted and again at most
 * once a minute (that read also checks that the article is published
 * and due, so unpublishing stops the counting within a minute). Records
 * idle for five minutes are dropped by the flusher, so memory follows
 * the articles being read, not the archive.
 *
 * Not for: the page's rendering of the count (page_article.c), ranking
 * by views (the store's list query).
 */
#include "app.h"
#include "http/cache.h"
#include "render/json.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HTTP_VIEWS_SHARDS    16
#define HTTP_VIEWS_RECHECK_S 60  /* visibility and stored count re-read */
#define HTTP_VIEWS_IDLE_S    300 /* a record unused this long is dropped */

struct http_views_rec {
	struct http_views_rec *next; /* hash chain */
	int64_t id;                  /* article */
	int64_t base;     /* stored count when read + what we wrote since */
	int64_t pending;  /* counted, not yet handed to the flusher */
	int64_t inflight; /* handed to the flusher, being written */
	int64_t checked;  /* monotonic s of the last store read */
	int64_t used;     /* monotonic s of the last count */
	int visible;      /* published and due at the last read */
};

struct http_views_shard {
	pthread_mutex_t mu;
	struct http_views_rec **b; /* buckets */
	size_t nb;                 /* power of two */
	size_t count;              /* records */
	char pad[64];              /* keep shards' locks apart */
};

struct http_views {
	store *st;
	int interval_ms;
	struct http_views_shard shards[HTTP_VIEWS_SHARDS];
	pthread_mutex_t flush_mu;      /* one flush at a time */
	struct http_views_rec **batch; /* records of the flush being written */
	int64_t *ids, *deltas;         /* the same as arrays for the store */
	size_t batch_cap;
	pthread_mutex_t mu; /* stop flag and wake-up */
	pthread_cond_t cv;
	int stop;
	int started; /* thread running */
	pthread_t thread;
};

static int64_t http_views_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

static struct http_views_shard *http_views_shard(struct http_views *v,
						 int64_t id)
{
	uint64_t h = (uint64_t)id * 11400714819323198485ULL;
	return &v->shards[h >> 60];
}

static size_t http_views_bucket(const struct http_views_shard *sh, int64_t id)
{
	return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ULL) >> 20) &
	       (sh->nb - 1);
}

/* Caller holds sh->mu. */
static struct http_views_rec *http_views_find(struct http_views_shard *sh,
					      int64_t id)
{
	for (struct http_views_rec *r = sh->b[http_views_bucket(sh, id)]; r;
	     r = r->next)
		if (r->id == id)
			return r;
	return NULL;
}

/* Caller holds sh->mu. */
static void http_views_insert(struct http_views_shard *sh,
			      struct http_views_rec *rec)
{
	if (sh->count >= sh->nb) {
		size_t nb = sh->nb * 2;
		struct http_views_rec **b = xcalloc(nb, sizeof *b);
		struct http_views_shard tmp = {.b = b, .nb = nb};
		for (size_t i = 0; i < sh->nb; i++)
			for (struct http_views_rec *r = sh->b[i], *n; r;
			     r = n) {
				n = r->next;
				size_t k = http_views_bucket(&tmp, r->id);
				r->next = b[k];
				b[k] = r;
			}
		free(sh->b);
		sh->b = b;
		sh->nb = nb;
	}
	size_t k = http_views_bucket(sh, rec->id);
	rec->next = sh->b[k];
	sh->b[k] = rec;
	sh->count++;
}

int http_views_add(struct http_views *v, struct arena *a, int64_t id,
		   int64_t *total, struct err *e)
{
	struct http_views_shard *sh = http_views_shard(v, id);
	int64_t now = http_views_now();
	pthread_mutex_lock(&sh->mu);
	struct http_views_rec *rec = http_views_find(sh, id);
	if (rec && now - rec->checked < HTTP_VIEWS_RECHECK_S) {
		int visible = rec->visible;
		if (visible) {
			rec->pending++;
			rec->used = now;
			*total = rec->base + rec->inflight + rec->pending;
		}
		pthread_mutex_unlock(&sh->mu);
		return visible ? 0 :
				 err_set(e, ERR_NOTFOUND, "article %lld",
					 (long long)id);
	}
	pthread_mutex_unlock(&sh->mu);

	/* First count (or a stale check): read the article, unlocked. */
	struct store_article art;
	int rc = store_article_get(v->st, a, id, &art, e);
	if (rc && rc != ERR_NOTFOUND)
		return rc;
	int visible = rc == 0 && art.status == STORE_STATUS_PUBLISHED &&
		      art.publish_at <= (int64_t)time(NULL);
	pthread_mutex_lock(&sh->mu);
	rec = http_views_find(sh, id);
	if (!rec && rc == 0) {
		rec = xcalloc(1, sizeof *rec);
		rec->id = id;
		rec->base = art.views;
		http_views_insert(sh, rec);
	} else if (rec && rc == 0 && rec->inflight == 0) {
		/* The store now holds everything this process wrote (and
		 * what other nodes wrote): start from it. */
		rec->base = art.views;
	}
	if (rec) {
		rec->checked = now;
		rec->visible = visible;
		if (visible) {
			rec->pending++;
			rec->used = now;
			*total = rec->base + rec->inflight + rec->pending;
		}
	}
	pthread_mutex_unlock(&sh->mu);
	if (!visible)
		return err_set(e, ERR_NOTFOUND, "article %lld is not published",
			       (long long)id);
	return 0;
}

int http_views_flush(struct http_views *v, struct err *e)
{
	pthread_mutex_lock(&v->flush_mu);
	int64_t now = http_views_now();
	size_t n = 0;
	for (int s = 0; s < HTTP_VIEWS_SHARDS; s++) {
		struct http_views_shard *sh = &v->shards[s];
		pthread_mutex_lock(&sh->mu);
		for (size_t i = 0; i < sh->nb; i++) {
			for (struct http_views_rec **p = &sh->b[i]; *p;) {
				struct http_views_rec *rec = *p;
				if (rec->pending == 0) {
					if (now - rec->used >
						    HTTP_VIEWS_IDLE_S &&
					    now - rec->checked >
						    HTTP_VIEWS_IDLE_S) {
						*p = rec->next;
						sh->count--;
						free(rec);
						continue;
					}
					p = &rec->next;
					continue;
				}
				if (n == v->batch_cap) {
					v->batch_cap =
						v->batch_cap ?
							v->batch_cap * 2 :
							256;
					v->batch = xrealloc(
						v->batch,
						v->batch_cap *
							sizeof *v->batch);
					v->ids = xrealloc(
						v->ids,
						v->batch_cap * sizeof *v->ids);
					v->deltas = xrealloc(
						v->deltas,
						v->batch_cap *
							sizeof *v->deltas);
				}
				rec->inflight = rec->pending;
				rec->pending = 0;
				v->batch[n] = rec;
				v->ids[n] = rec->id;
				v->deltas[n] = rec->inflight;
				n++;
				p = &rec->next;
			}
		}
		pthread_mutex_unlock(&sh->mu);
	}
	int rc = n ? store_views_add(v->st, v->ids, v->deltas, n, e) : 0;
	/* Records are freed only above, under flush_mu: v->batch is valid. */
	for (size_t i = 0; i < n; i++) {
		struct http_views_rec *rec = v->batch[i];
		struct http_views_shard *sh = http_views_shard(v, rec->id);
		pthread_mutex_lock(&sh->mu);
		if (rc == 0)
			rec->base += rec->inflight;
		else
			rec->pending += rec->inflight;
		rec->inflight = 0;
		pthread_mutex_unlock(&sh->mu);
	}
	pthread_mutex_unlock(&v->flush_mu);
	return rc;
}

int64_t http_views_pending(struct http_views *v)
{
	int64_t sum = 0;
	for (int s = 0; s < HTTP_VIEWS_SHARDS; s++) {
		struct http_views_shard *sh = &v->shards[s];
		pthread_mutex_lock(&sh->mu);
		for (size_t i = 0; i < sh->nb; i++)
			for (struct http_views_rec *r = sh->b[i]; r;
			     r = r->next)
				sum += r->pending + r->inflight;
		pthread_mutex_unlock(&sh->mu);
	}
	return sum;
}

static void *http_views_thread(void *arg)
{
	struct http_views *v = arg;
	pthread_mutex_lock(&v->mu);
	while (!v->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += v->interval_ms / 1000;
		ts.tv_nsec += (long)(v->interval_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		int rc = 0;
		while (!v->stop && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&v->cv, &v->mu, &ts);
		if (v->stop)
			break;
		pthread_mutex_unlock(&v->mu);
		struct err e = {0};
		if (http_views_flush(v, &e) != 0)
			log_error(
				"views: flush failed, counts kept for the next "
				"try: %s",
				e.msg);
		pthread_mutex_lock(&v->mu);
	}
	pthread_mutex_unlock(&v->mu);
	return NULL;
}

int http_views_new(store *st, int interval_ms, struct http_views **out,
		   struct err *e)
{
	struct http_views *v = xcalloc(1, sizeof *v);
	v->st = st;
	v->interval_ms = interval_ms > 0 ? interval_ms : 1000;
	for (int s = 0; s < HTTP_VIEWS_SHARDS; s++) {
		pthread_mutex_init(&v->shards[s].mu, NULL);
		v->shards[s].nb = 64;
		v->shards[s].b = xcalloc(64, sizeof *v->shards[s].b);
	}
	pthread_mutex_init(&v->flush_mu, NULL);
	pthread_mutex_init(&v->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&v->cv, &ca);
	pthread_condattr_destroy(&ca);
	int rc = pthread_create(&v->thread, NULL, http_views_thread, v);
	if (rc != 0) {
		http_views_free(v);
		return err_set(e, ERR_IO, "views: cannot start the flusher: %s",
			       strerror(rc));
	}
	v->started = 1;
	*out = v;
	return 0;
}

void http_views_free(struct http_views *v)
{
	if (!v)
		return;
	if (v->started) {
		pthread_mutex_lock(&v->mu);
		v->stop = 1;
		pthread_cond_signal(&v->cv);
		pthread_mutex_unlock(&v->mu);
		pthread_join(v->thread, NULL);
	}
	struct err e = {0};
	int64_t left = http_views_pending(v);
	if (left && http_views_flush(v, &e) != 0)
		log_error("views: %lld counted views could not be written: %s",
			  (long long)http_views_pending(v), e.msg);
	for (int s = 0; s < HTTP_VIEWS_SHARDS; s++) {
		struct http_views_shard *sh = &v->shards[s];
		for (size_t i = 0; i < sh->nb; i++)
			for (struct http_views_rec *r = sh->b[i], *n; r;
			     r = n) {
				n = r->next;
				free(r);
			}
		free(sh->b);
		pthread_mutex_destroy(&sh->mu);
	}
	free(v->batch);
	free(v->ids);
	free(v->deltas);
	pthread_mutex_destroy(&v->flush_mu);
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	free(v);
}

int http_views_beacon(struct http_req *r)
{
	int64_t id;
	if (http_parse_id(http_param_get(r, "id"), &id) != 0) {
		http_reply_error(r, 400,
				 "article id must be a positive number");
		return 0;
	}
	struct http_views *v = r->server ? http_server_views(r->server) : NULL;
	if (!v) {
		http_reply_error(r, 503, "view counting is not running");
		return 0;
	}
	struct err e = {0};
	int64_t total = 0;
	int rc = http_views_add(v, r->a, id, &total, &e);
	if (rc == ERR_NOTFOUND) {
		http_reply_error(r, 404, "no such article");
		return 0;
	}
	if (rc) {
		log_error("req %s: views %lld: %s", r->id, (long long)id,
			  e.msg);
		http_reply_error(r, 500, "storage error");
		return 0;
	}
	struct render_json j;
	render_json_init(&j, &r->out);
	render_json_obj_begin(&j, NULL);
	render_json_int(&j, "id", id);
	render_json_int(&j, "views", total);
	render_json_obj_end(&j);
	http_header_add(r, "Cache-Control", "no-store");
	http_reply_buf(r, 200, "application/json; charset=utf-8");
	return 0;
}
