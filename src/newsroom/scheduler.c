/*
 * scheduler.c - the publishing timer thread (see scheduler.h).
 *
 * The thread sleeps on a condition variable bound to CLOCK_MONOTONIC, so
 * that a change of the wall clock does not stretch a sleep and stop() is
 * answered at once; "now" for the store is the wall clock (publish_at is
 * Unix seconds). Each round allocates from one arena that is reset
 * between rounds. Not for: anything a request does.
 */
#include "newsroom/scheduler.h"
#include "http/http.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct newsroom_scheduler {
	store *s;                 /* the store it publishes in */
	int interval_ms;          /* sleep between rounds */
	newsroom_published_fn fn; /* called after a publish, or NULL */
	void *ctx;                /* fn's context */
	pthread_mutex_t mu;       /* guards stop */
	pthread_cond_t cv;        /* signalled by stop */
	int stop;                 /* 1: leave the loop */
	atomic_ullong rounds;     /* rounds done */
	pthread_t thread;
};

int newsroom_publish_due(store *s, int64_t now, newsroom_published_fn fn,
			 void *ctx, size_t *count, struct err *e)
{
	if (count)
		*count = 0;
	struct arena *a = arena_new(4096);
	/* A read first: the write lock is taken only when there is work. */
	struct store_article_filter f = {
		.status = STORE_STATUS_SCHEDULED,
		.published_before = now + 1,
		.limit = 1,
	};
	struct store_article *due;
	size_t n_due = 0;
	int rc = store_article_list(s, a, &f, &due, &n_due, NULL, e);
	if (rc || n_due == 0)
		goto out;
	int64_t *ids;
	size_t n;
	rc = store_article_publish_due(s, a, now, &ids, &n, e);
	if (rc || n == 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct err ae = {0};
		if (store_audit_add(s, 0, "article.publish", "article", ids[i],
				    "scheduled time reached", &ae) != 0)
			log_warn("scheduler: audit of article %lld: %s",
				 (long long)ids[i], ae.msg);
		log_info("scheduler: article %lld is live", (long long)ids[i]);
	}
	if (count)
		*count = n;
	if (fn)
		fn(ctx, s, ids, n);
out:
	arena_free(a);
	return rc;
}

void newsroom_scheduler_purge(void *ctx, store *s, const int64_t *ids, size_t n)
{
	(void)ctx;
	struct arena *a = arena_new(0);
	for (size_t i = 0; i < n; i++) {
		struct store_article art;
		struct err e = {0};
		if (store_article_get(s, a, ids[i], &art, &e) == 0)
			http_cache_purge_article(&art);
		else
			log_warn("scheduler: article %lld: %s",
				 (long long)ids[i], e.msg);
	}
	arena_free(a);
}

static void *newsroom_scheduler_main(void *arg)
{
	struct newsroom_scheduler *sch = arg;
	pthread_mutex_lock(&sch->mu);
	while (!sch->stop) {
		pthread_mutex_unlock(&sch->mu);
		struct err e = {0};
		if (newsroom_publish_due(sch->s, (int64_t)time(NULL), sch->fn,
					 sch->ctx, NULL, &e) != 0)
			log_error("scheduler: %s", e.msg);
		atomic_fetch_add(&sch->rounds, 1);

		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long)(sch->interval_ms % 1000) * 1000000L;
		ts.tv_sec += sch->interval_ms / 1000 + ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&sch->mu);
		while (!sch->stop && pthread_cond_timedwait(&sch->cv, &sch->mu,
							    &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&sch->mu);
	return NULL;
}

int newsroom_scheduler_start(store *s, int interval_ms,
			     newsroom_published_fn fn, void *ctx,
			     struct newsroom_scheduler **out, struct err *e)
{
	struct newsroom_scheduler *sch = xcalloc(1, sizeof *sch);
	sch->s = s;
	sch->interval_ms = interval_ms > 0 ? interval_ms :
					     NEWSROOM_SCHEDULER_INTERVAL_MS;
	sch->fn = fn;
	sch->ctx = ctx;
	atomic_init(&sch->rounds, 0);
	pthread_mutex_init(&sch->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sch->cv, &ca);
	pthread_condattr_destroy(&ca);
	int rc = pthread_create(&sch->thread, NULL, newsroom_scheduler_main,
				sch);
	if (rc != 0) {
		pthread_cond_destroy(&sch->cv);
		pthread_mutex_destroy(&sch->mu);
		free(sch);
		return err_set(e, ERR_IO, "scheduler thread: %s", strerror(rc));
	}
	*out = sch;
	return 0;
}

void newsroom_scheduler_stop(struct newsroom_scheduler *sch)
{
	if (!sch)
		return;
	pthread_mutex_lock(&sch->mu);
	sch->stop = 1;
	pthread_cond_signal(&sch->cv);
	pthread_mutex_unlock(&sch->mu);
	pthread_join(sch->thread, NULL);
	pthread_cond_destroy(&sch->cv);
	pthread_mutex_destroy(&sch->mu);
	free(sch);
}

uint64_t newsroom_scheduler_rounds(struct newsroom_scheduler *sch)
{
	return (uint64_t)atomic_load(&sch->rounds);
}
