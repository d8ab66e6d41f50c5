/*
 * indexer.c - the background search indexer thread (see indexer.h).
 *
 * One loop: a batch and a short pause while store_search_catch_up says
 * there is more, a timed wait on a condition variable (CLOCK_MONOTONIC,
 * answered at once by stop) when there is not. Errors are logged and
 * retried after a longer wait; they never stop the server. Not for:
 * anything a request does.
 */
#include "newsroom/indexer.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct newsroom_indexer {
	store *s;           /* the store it indexes */
	int interval_ms;    /* wait between looks when idle */
	pthread_mutex_t mu; /* guards stop */
	pthread_cond_t cv;  /* signalled by stop */
	int stop;           /* 1: leave the loop */
	pthread_t thread;
};

/* Wait interval_ms or until stop; 1 when stopped. */
static int indexer_wait(struct newsroom_indexer *ix, int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&ix->mu);
	while (!ix->stop &&
	       pthread_cond_timedwait(&ix->cv, &ix->mu, &ts) != ETIMEDOUT)
		;
	int stop = ix->stop;
	pthread_mutex_unlock(&ix->mu);
	return stop;
}

static void *indexer_main(void *arg)
{
	struct newsroom_indexer *ix = arg;
	uint64_t run = 0; /* articles indexed since the backlog was seen */
	int wait = ix->interval_ms;
	do {
		int more = 1, failed = 0;
		while (more && !failed) {
			struct err e = {0};
			size_t n = 0;
			if (store_search_catch_up(ix->s, NEWSROOM_INDEXER_BATCH,
						  &n, &more, &e) != 0) {
				log_error("search indexer: %s (next try in "
					  "%d s)",
					  e.msg,
					  NEWSROOM_INDEXER_BACKOFF_MS / 1000);
				failed = 1;
				break;
			}
			if (n && !run)
				log_info("search indexer: indexing articles "
					 "that a bulk load left for later");
			run += n;
			/* let waiting saves take the write lock */
			if (more && indexer_wait(ix, NEWSROOM_INDEXER_PAUSE_MS))
				return NULL;
		}
		if (!failed && !more && run) {
			log_info("search indexer: %llu articles indexed, the "
				 "search index is complete",
				 (unsigned long long)run);
			run = 0;
		}
		wait = failed ? NEWSROOM_INDEXER_BACKOFF_MS : ix->interval_ms;
	} while (!indexer_wait(ix, wait));
	return NULL;
}

int newsroom_indexer_start(store *s, int interval_ms,
			   struct newsroom_indexer **out, struct err *e)
{
	struct newsroom_indexer *ix = xcalloc(1, sizeof *ix);
	ix->s = s;
	ix->interval_ms = interval_ms > 0 ? interval_ms :
					    NEWSROOM_INDEXER_INTERVAL_MS;
	pthread_mutex_init(&ix->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ix->cv, &ca);
	pthread_condattr_destroy(&ca);
	int rc = pthread_create(&ix->thread, NULL, indexer_main, ix);
	if (rc != 0) {
		pthread_cond_destroy(&ix->cv);
		pthread_mutex_destroy(&ix->mu);
		free(ix);
		return err_set(e, ERR_IO, "search indexer thread: %s",
			       strerror(rc));
	}
	*out = ix;
	return 0;
}

void newsroom_indexer_stop(struct newsroom_indexer *ix)
{
	if (!ix)
		return;
	pthread_mutex_lock(&ix->mu);
	ix->stop = 1;
	pthread_cond_signal(&ix->cv);
	pthread_mutex_unlock(&ix->mu);
	pthread_join(ix->thread, NULL);
	pthread_cond_destroy(&ix->cv);
	pthread_mutex_destroy(&ix->mu);
	free(ix);
}
