/*
 * indexer.h - the search backlog, worked off in the background of
 * `gazette serve`.
 *
 * Bulk loads may leave the search index for later (STORE_BULK_INDEX_LATER:
 * `gazette demo --articles N` does, because tokenizing and stemming are
 * two thirds of its cost). A thread of the server looks for such a
 * backlog every few seconds and, while there is one, indexes it in small
 * transactions (store_search_catch_up) with a pause after each: an
 * editor's save waits for one batch at most (about 20 ms), and the
 * thread takes about half of one core. It is not given a lower CPU
 * priority: it holds the write lock while it works, and a starved holder
 * would make every save wait (seconds, on a busy machine). Search
 * completeness follows within minutes. It also catches up with a backlog
 * left by a process that ran while the server was up.
 *
 * Not here: the index itself (store), a full rebuild (`gazette reindex`).
 */
#ifndef GAZETTE_NEWSROOM_INDEXER_H
#define GAZETTE_NEWSROOM_INDEXER_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

struct newsroom_indexer; /* opaque; one running thread */

#define NEWSROOM_INDEXER_INTERVAL_MS 2000  /* look for a backlog this often */
#define NEWSROOM_INDEXER_BATCH       25    /* articles per transaction */
#define NEWSROOM_INDEXER_PAUSE_MS    20    /* after each batch */
#define NEWSROOM_INDEXER_BACKOFF_MS  30000 /* after an error */

/* Start the thread on s, looking for a backlog every interval_ms (0:
 * NEWSROOM_INDEXER_INTERVAL_MS). s must outlive it; stop it with
 * newsroom_indexer_stop, which waits for the running batch at most.
 * ERR_IO when the thread cannot be made. */
int newsroom_indexer_start(store *s, int interval_ms,
			   struct newsroom_indexer **out, struct err *e);

/* Stop and free the thread (NULL: nothing). */
void newsroom_indexer_stop(struct newsroom_indexer *ix);

#endif
