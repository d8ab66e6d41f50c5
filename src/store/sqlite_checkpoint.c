/*
 * sqlite_checkpoint.c - the WAL checkpoints of bulk loads, on a thread of
 * their own.
 *
 * Why: a checkpoint copies the pages a commit left in the WAL into the
 * database file and syncs it (synchronous=NORMAL syncs there, not at
 * commits). During a bulk load (gazette demo --articles) the committing
 * thread waited for those syncs for half of the wall time. So while a
 * bulk transaction is open the writer does not checkpoint; each bulk
 * commit wakes this thread instead, which runs a PASSIVE checkpoint on a
 * connection of its own, with the same syncs: the copy and the wait for
 * the disk overlap with the next batch, and durability is what it is for
 * any commit. The WAL restarts from its beginning only when a write
 * starts after a checkpoint that copied all of it, which a thread that
 * always lags one commit behind never achieves: once the WAL holds more
 * than CKPT_WAIT_FRAMES, the next bulk transaction first waits for the
 * thread to catch up (rarely: about once per CKPT_WAIT_FRAMES pages).
 *
 * For: store_bulk_begin/commit/rollback and store_close (sqlite.c).
 * Not for: checkpoints of ordinary writes (SQLite's automatic one).
 */
#include "store/internal.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <stdlib.h>

/* SQLite's default: WAL pages after which a commit checkpoints. */
#define CKPT_AUTO_PAGES 1000
/* WAL pages (4 KiB) after which a bulk load lets the thread catch up. */
#define CKPT_WAIT_FRAMES 65536

struct store_ckpt {
	sqlite3 *db; /* its own connection, used by the thread only */
	pthread_t thread;
	pthread_mutex_t mu; /* guards the fields below */
	pthread_cond_t cv;  /* signalled when any of them changes */
	int pending;        /* a bulk commit happened since the last run */
	int running;        /* a checkpoint is in progress */
	int stop;           /* 1: run once more if pending, then leave */
	int log_frames;     /* frames in the WAL at the last checkpoint */
};

static void *ckpt_main(void *arg)
{
	struct store_ckpt *k = arg;
	pthread_mutex_lock(&k->mu);
	for (;;) {
		while (!k->pending && !k->stop)
			pthread_cond_wait(&k->cv, &k->mu);
		if (!k->pending)
			break;
		k->pending = 0;
		k->running = 1;
		pthread_mutex_unlock(&k->mu);
		int log = 0, done = 0;
		int rc = sqlite3_wal_checkpoint_v2(
			k->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
		/* BUSY: another checkpoint runs; the next commit retries. */
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warn("store: bulk checkpoint: %s",
				 sqlite3_errmsg(k->db));
		pthread_mutex_lock(&k->mu);
		k->running = 0;
		k->log_frames = log;
		pthread_cond_broadcast(&k->cv);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

/* Start the thread of s (once). 0, or -1 when it cannot run: the writer
 * then keeps checkpointing itself. */
static int ckpt_start(store *s)
{
	if (s->ckpt)
		return 0;
	struct store_ckpt *k = xcalloc(1, sizeof *k);
	if (sqlite3_open_v2(s->path, &k->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		log_warn("store %s: bulk checkpoint connection: %s", s->path,
			 k->db ? sqlite3_errmsg(k->db) : "out of memory");
		sqlite3_close(k->db);
		free(k);
		return -1;
	}
	sqlite3_busy_timeout(k->db, 5000);
	/* As the writer: checkpoints sync the WAL and the database file. */
	sqlite3_exec(k->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if (pthread_create(&k->thread, NULL, ckpt_main, k) != 0) {
		pthread_cond_destroy(&k->cv);
		pthread_mutex_destroy(&k->mu);
		sqlite3_close(k->db);
		free(k);
		return -1;
	}
	s->ckpt = k;
	return 0;
}

void store_ckpt_bulk_begin(store *s)
{
	if (s->memory || ckpt_start(s) != 0)
		return;
	struct store_ckpt *k = s->ckpt;
	pthread_mutex_lock(&k->mu);
	/* A long WAL: let the thread copy all of it, so that this
	 * transaction's first write starts the WAL over. */
	if (k->log_frames > CKPT_WAIT_FRAMES) {
		while (k->pending || k->running)
			pthread_cond_wait(&k->cv, &k->mu);
		k->log_frames = 0;
	}
	pthread_mutex_unlock(&k->mu);
	sqlite3_wal_autocheckpoint(s->writer->db, 0);
}

void store_ckpt_bulk_end(store *s)
{
	if (!s->ckpt)
		return;
	sqlite3_wal_autocheckpoint(s->writer->db, CKPT_AUTO_PAGES);
	pthread_mutex_lock(&s->ckpt->mu);
	s->ckpt->pending = 1;
	pthread_cond_signal(&s->ckpt->cv);
	pthread_mutex_unlock(&s->ckpt->mu);
}

void store_ckpt_free(store *s)
{
	struct store_ckpt *k = s->ckpt;
	if (!k)
		return;
	pthread_mutex_lock(&k->mu);
	k->stop = 1;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->thread, NULL);
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
	sqlite3_close(k->db);
	free(k);
	s->ckpt = NULL;
}
