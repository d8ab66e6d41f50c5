/*
 * scheduler.h - scheduled publishing on a timer, never on visits.
 *
 * A thread wakes every interval (250 ms by default), asks the store
 * whether a SCHEDULED article's publish_at has come, and when one has,
 * publishes every due article in one transaction
 * (store_article_publish_due), writes an audit entry per article
 * ("article.publish", user 0 = system) and hands the ids to a callback
 * (the server's passes newsroom_scheduler_purge, which drops the cached
 * pages that show them). So an article is live within about a quarter
 * of a second of its time whether or not anybody visits the site, and
 * `gazette serve` calls newsroom_publish_due once before it starts
 * listening so that articles whose time passed while it was down go live
 * at start-up.
 *
 * Not here: saving or scheduling an article (the editor sets status
 * SCHEDULED and publish_at), several nodes agreeing on one scheduler
 * (PostgreSQL advisory lock, with the pgsql backend).
 */
#ifndef GAZETTE_NEWSROOM_SCHEDULER_H
#define GAZETTE_NEWSROOM_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

struct newsroom_scheduler; /* opaque; one running thread */

#define NEWSROOM_SCHEDULER_INTERVAL_MS 250

/* Called after articles went live, on the thread that published them,
 * with their ids (valid during the call only). */
typedef void (*newsroom_published_fn)(void *ctx, store *s, const int64_t *ids,
				      size_t n);

/*
 * Publish every SCHEDULED article of s whose publish_at <= now: a cheap
 * read first, and the write only when something is due. Adds an
 * "article.publish" audit entry per article (user 0, detail "scheduled
 * time reached"), then calls fn(ctx, s, ids, n) when fn is not NULL and
 * something went live. *count (may be NULL) gets how many went live.
 * Returns 0 or the store's ERR_* (e says why); an audit entry that fails
 * to be written is logged, not returned (the articles are live).
 */
int newsroom_publish_due(store *s, int64_t now, newsroom_published_fn fn,
			 void *ctx, size_t *count, struct err *e);

/*
 * Start the scheduler thread on s: every interval_ms (0 picks
 * NEWSROOM_SCHEDULER_INTERVAL_MS) it runs newsroom_publish_due(s,
 * time(NULL), fn, ctx, ...), logging errors and carrying on. s must
 * outlive the scheduler. Caller stops it with newsroom_scheduler_stop.
 * ERR_IO when the thread cannot be made.
 */
int newsroom_scheduler_start(store *s, int interval_ms,
			     newsroom_published_fn fn, void *ctx,
			     struct newsroom_scheduler **out, struct err *e);

/* Wake the thread, wait for its current round to finish, free it. Takes
 * at most one round's time, not an interval. NULL is a no-op. */
void newsroom_scheduler_stop(struct newsroom_scheduler *sch);

/* Rounds run so far (for tests and /healthz-like checks). */
uint64_t newsroom_scheduler_rounds(struct newsroom_scheduler *sch);

/*
 * The server's callback: for each id, read the article and drop every
 * cached page that shows it (http_cache_purge_article: its page, its
 * translations, its edition's home, lists and feeds). ctx is unused.
 * A no-op when no server is running.
 */
void newsroom_scheduler_purge(void *ctx, store *s, const int64_t *ids,
			      size_t n);

#endif
