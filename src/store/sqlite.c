/*
 * sqlite.c - SQLite backend of store.h: opening, connections,
 * transactions, the prepared statement cache and small helpers.
 *
 * For: store_open/close, store_check, bulk transactions and the helpers in
 * store/internal.h that the subject files (sqlite_*.c) build on.
 * Not for: SQL of any one subject (sqlite_article.c, sqlite_site.c, ...)
 * nor the schema (migrations.c).
 *
 * Threading design
 * - One writer connection, used under `wmu`. A write call takes wmu, runs
 *   BEGIN IMMEDIATE ... COMMIT and releases wmu, so writes of this process
 *   never wait on SQLite locks; other processes (a CLI next to `serve`)
 *   are covered by the 5 s busy timeout.
 * - Readers take a connection from a pool: a mutex-protected free list,
 *   grown on demand up to STORE_MAX_READERS connections, after which a
 *   reader waits on a condition variable. A read call runs in a deferred
 *   read transaction (one WAL snapshot) and gives the connection back.
 *   Readers never wait for the writer: that is what WAL is for.
 * - Bulk: store_bulk_begin takes wmu and keeps it until commit/rollback;
 *   writes of the owning thread become SAVEPOINTs in that transaction (a
 *   failing article rolls back alone), and its reads use the writer so
 *   that it sees what it wrote. Writes of other threads wait for wmu.
 * - ":memory:" uses the writer connection only (reads take wmu too): a
 *   private in-memory database is per connection, and the tests that use
 *   it want every call to see the same data.
 * - Each connection caches its prepared statements (SQLITE_PREPARE_
 *   PERSISTENT) keyed by SQL text; connections are opened NOMUTEX since
 *   our own locks already keep one thread per connection.
 */
#include "search/search.h"
#include "store/internal.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bulk_mine(store *s);

/* The calling thread's read hold (store_read_hold): its store, the
 * reader connection whose read transaction stays open until
 * store_read_release (NULL while no hold, or when the hold is a no-op:
 * an in-memory store, the bulk thread), how many holds are nested, and
 * the generation taken before its snapshot began. Thread-local: a hold
 * belongs to one thread, like the connection it keeps. */
static _Thread_local struct {
	store *s;
	struct store_conn *c;
	int depth;
	uint64_t gen;
} store_hold;

/* Set while the calling thread has a bulk transaction open on store s
 * (store_bulk_begin): bulk_mine without a lock. */
static _Thread_local store *store_bulk_own;

/* ---- errors --------------------------------------------------------- */

int store_err_code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE ||
		    rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return ERR_CONFLICT;
		return ERR_INVALID;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_PERM:
	case SQLITE_READONLY:
	case SQLITE_FULL:
		return ERR_IO;
	case SQLITE_TOOBIG:
		return ERR_TOOBIG;
	}
	return ERR_DB;
}

int store_db_err(struct store_conn *c, int rc, struct err *e, const char *fmt,
		 ...)
{
	char ctx[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof ctx, fmt, ap);
	va_end(ap);
	const char *msg = c && c->db ? sqlite3_errmsg(c->db) :
				       sqlite3_errstr(rc);
	return err_set(e, store_err_code(rc) ? store_err_code(rc) : ERR_DB,
		       "%s: %s", ctx, msg);
}

/* ---- statement cache ------------------------------------------------ */

static uint64_t sql_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct store_stmt_slot *slot_find(struct store_conn *c, const char *sql,
					 uint64_t h)
{
	size_t mask = c->cap_slots - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct store_stmt_slot *sl = &c->slots[i];
		if (!sl->sql || (sl->hash == h && strcmp(sl->sql, sql) == 0))
			return sl;
	}
}

static void slots_grow(struct store_conn *c)
{
	struct store_stmt_slot *old = c->slots;
	size_t old_cap = c->cap_slots;
	c->cap_slots = old_cap ? old_cap * 2 : 64;
	c->slots = xcalloc(c->cap_slots, sizeof *c->slots);
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].sql)
			*slot_find(c, old[i].sql, old[i].hash) = old[i];
	free(old);
}

int store_stmt(struct store_conn *c, const char *sql, sqlite3_stmt **out,
	       struct err *e)
{
	*out = NULL;
	if ((c->n_slots + 1) * 2 > c->cap_slots)
		slots_grow(c);
	uint64_t h = sql_hash(sql);
	struct store_stmt_slot *sl = slot_find(c, sql, h);
	if (sl->sql && !sqlite3_stmt_busy(sl->st)) {
		*out = sl->st;
		return 0;
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(c->db, sql, -1,
				    sl->sql ? 0 : SQLITE_PREPARE_PERSISTENT,
				    &st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		return store_db_err(c, rc, e, "prepare \"%.60s\"", sql);
	}
	if (sl->sql) { /* cached one is running: nested use */
		if (c->n_temps == c->cap_temps) {
			c->cap_temps = c->cap_temps ? c->cap_temps * 2 : 4;
			c->temps = xrealloc(c->temps,
					    c->cap_temps * sizeof *c->temps);
		}
		c->temps[c->n_temps++] = st;
	} else {
		sl->sql = xstrdup(sql);
		sl->hash = h;
		sl->st = st;
		c->n_slots++;
	}
	*out = st;
	return 0;
}

void store_stmt_done(struct store_conn *c, sqlite3_stmt *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < c->n_temps; i++)
		if (c->temps[i] == st) {
			sqlite3_finalize(st);
			c->temps[i] = c->temps[--c->n_temps];
			return;
		}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int store_exec(struct store_conn *c, const char *sql, struct err *e)
{
	sqlite3_stmt *st;
	int rc = store_stmt(c, sql, &st, e);
	if (rc)
		return rc;
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "%s", sql);
	store_stmt_done(c, st);
	return rc;
}

/* ---- bind and column helpers ---------------------------------------- */

int store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC);
}

int store_bind_id(sqlite3_stmt *st, int i, int64_t v)
{
	return v ? sqlite3_bind_int64(st, i, v) : sqlite3_bind_null(st, i);
}

int store_bind_int(sqlite3_stmt *st, int i, int64_t v)
{
	return sqlite3_bind_int64(st, i, v);
}

char *store_col_text(struct arena *a, sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	if (!t)
		return arena_strdup(a, "");
	return arena_strndup(a, (const char *)t,
			     (size_t)sqlite3_column_bytes(st, i));
}

/* ---- connections ---------------------------------------------------- */

static void conn_free(struct store_conn *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_temps; i++)
		sqlite3_finalize(c->temps[i]);
	for (size_t i = 0; i < c->cap_slots; i++)
		if (c->slots[i].sql) {
			sqlite3_finalize(c->slots[i].st);
			free(c->slots[i].sql);
		}
	free(c->slots);
	free(c->temps);
	if (c->db && sqlite3_close(c->db) != SQLITE_OK)
		log_warn("store: close: %s", sqlite3_errmsg(c->db));
	arena_free(c->scratch);
	free(c);
}

/* Open one connection with the pragmas every connection needs. */
static int conn_open(store *s, int writer, struct store_conn **out,
		     struct err *e)
{
	*out = NULL;
	struct store_conn *c = xcalloc(1, sizeof *c);
	c->scratch = arena_new(4096);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		    (writer ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(s->path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		int code = store_err_code(rc) == ERR_IO ? ERR_IO : ERR_DB;
		err_set(e, code, "store %s: cannot open: %s", s->path,
			c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		conn_free(c);
		return code;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, 5000);
	/* journal_mode is the first statement to read the file: a file that
	 * is not a database fails here, with SQLITE_NOTADB. */
	static const char *const pragmas[] = {
		"PRAGMA journal_mode=WAL",
		"PRAGMA synchronous=NORMAL",
		"PRAGMA foreign_keys=ON",
		"PRAGMA temp_store=MEMORY",
	};
	for (size_t i = 0; i < sizeof pragmas / sizeof *pragmas; i++) {
		if (!writer && i == 0)
			continue; /* the writer already switched the file */
		rc = sqlite3_exec(c->db, pragmas[i], NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			int code = store_err_code(rc) == ERR_IO ? ERR_IO :
								  ERR_DB;
			err_set(e, code, "store %s: %s: %s", s->path,
				pragmas[i], sqlite3_errmsg(c->db));
			conn_free(c);
			return code;
		}
	}
	/* Sizes are tuning, not correctness: a failure is not an error.
	 * The writer gets a large page cache (bulk loads touch many index
	 * pages); readers a bounded one each. No memory map: every page a
	 * reader touched through a 1 GiB map stayed in the process's RSS
	 * (112 MB of file-backed RSS at 20,000 articles per edition, and
	 * growing with the archive), while the bounded page cache keeps
	 * what reader pages need; the OS page cache still holds the file. */
	sqlite3_exec(c->db,
		     writer ? "PRAGMA cache_size=-65536" /* 64 MiB */
			      :
			      "PRAGMA cache_size=-8192", /* 8 MiB */
		     NULL, NULL, NULL);
	if (!s->memory)
		sqlite3_exec(c->db, "PRAGMA mmap_size=0", NULL, NULL, NULL);
	if (!writer)
		sqlite3_exec(c->db, "PRAGMA query_only=ON", NULL, NULL, NULL);
	/* Every connection may touch the FTS5 search tables, whose
	 * tokenizer lives in this process; the writer needs it before the
	 * migrations run. */
	if (search_tokenizer_register(c->db, e) != 0) {
		conn_free(c);
		return ERR_DB;
	}
	*out = c;
	return 0;
}

int store_open(const char *path, store **out, struct err *e)
{
	*out = NULL;
	if (!path || !*path)
		return err_set(e, ERR_INVALID, "store: empty database path");
	store *s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->memory = strcmp(path, ":memory:") == 0;
	pthread_mutex_init(&s->wmu, NULL);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	atomic_init(&s->gen, 1);
	s->counts = store_count_cache_new();
	int rc = conn_open(s, 1, &s->writer, e);
	if (rc == 0)
		rc = store_migrate(s->writer->db, path, &s->version, e);
	if (rc) {
		store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void store_close(store *s)
{
	if (!s)
		return;
	if (s->writer && bulk_mine(s))
		store_bulk_rollback(s);
	store_ckpt_free(s);
	for (int i = 0; i < STORE_MAX_READERS; i++)
		conn_free(s->all[i]);
	conn_free(s->writer);

	store_count_cache_free(s->counts);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->wmu);
	free(s->path);
	free(s);
}

int store_schema_version(store *s)
{
	return s->version;
}

int store_conn_sync(store *s, struct store_conn *c)
{
	if (c == s->writer)
		return 0;
	sqlite3_stmt *st;
	if (store_stmt(c, "PRAGMA data_version", &st, NULL) != 0)
		return 1;
	int changed = 1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		int64_t v = sqlite3_column_int64(st, 0);
		changed = v != c->data_version;
		c->data_version = v;
	}
	store_stmt_done(c, st);
	if (changed)
		atomic_fetch_add(&s->gen, 1);
	return changed;
}

uint64_t store_generation(store *s)
{
	/* Inside a hold, the generation its snapshot was taken at: what
	 * the caller derives from that snapshot must not be kept under a
	 * newer value (a write of this process that committed since). */
	if (store_hold.s == s && store_hold.c)
		return store_hold.gen;
	/* A commit by another process (a CLI next to `serve`) moves
	 * nothing here by itself: one cheap statement on a reader notices
	 * it. The in-process writer bumps gen itself after committing. */
	struct store_conn *c;
	if (!s->memory && store_read_begin(s, &c, NULL) == 0) {
		store_conn_sync(s, c);
		store_read_end(s, c);
	}
	return atomic_load(&s->gen);
}

/* 1 when the calling thread has a bulk transaction open. Only that
 * thread sets or clears its store_bulk_own, so no lock is needed. */
static int bulk_mine(store *s)
{
	return store_bulk_own == s;
}

uint64_t store_read_gen(store *s)
{
	if (store_hold.s == s && store_hold.c)
		return store_hold.gen;
	return atomic_load(&s->gen);
}

int store_bulk_mine(store *s)
{
	return bulk_mine(s);
}

/* ---- transactions --------------------------------------------------- */

int store_read_begin(store *s, struct store_conn **out, struct err *e)
{
	*out = NULL;
	if (store_hold.s == s && store_hold.c) {
		*out = store_hold.c; /* the hold's snapshot; kept at the end */
		return 0;
	}
	if (bulk_mine(s)) {
		*out = s->writer;
		return 0;
	}
	if (s->memory) {
		pthread_mutex_lock(&s->wmu);
		*out = s->writer;
		return 0;
	}
	struct store_conn *c = NULL;
	pthread_mutex_lock(&s->mu);
	while (!s->free && s->n_readers >= STORE_MAX_READERS)
		pthread_cond_wait(&s->cv, &s->mu);
	if (s->free) {
		c = s->free;
		s->free = c->next;
	} else {
		s->n_readers++; /* reserve the slot; open outside the lock */
	}
	pthread_mutex_unlock(&s->mu);
	if (!c) {
		int rc = conn_open(s, 0, &c, e);
		pthread_mutex_lock(&s->mu);
		if (rc) {
			s->n_readers--;
			pthread_cond_signal(&s->cv);
		} else {
			for (int i = 0; i < STORE_MAX_READERS; i++)
				if (!s->all[i]) {
					s->all[i] = c;
					break;
				}
		}
		pthread_mutex_unlock(&s->mu);
		if (rc)
			return rc;
	}
	int rc = store_exec(c, "BEGIN", e);
	if (rc) {
		pthread_mutex_lock(&s->mu);
		c->next = s->free;
		s->free = c;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		return rc;
	}
	c->in_read = 1;
	*out = c;
	return 0;
}

void store_read_end(store *s, struct store_conn *c)
{
	if (!c)
		return;
	if (c == s->writer) {
		if (!bulk_mine(s))
			pthread_mutex_unlock(&s->wmu);
		return;
	}
	if (store_hold.s == s && c == store_hold.c)
		return; /* store_read_release ends it */
	if (c->in_read && store_exec(c, "COMMIT", NULL) != 0)
		store_exec(c, "ROLLBACK", NULL);
	c->in_read = 0;
	arena_reset(c->scratch);
	pthread_mutex_lock(&s->mu);
	c->next = s->free;
	s->free = c;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

int store_read_hold(store *s, struct err *e)
{
	if (store_hold.s) {
		if (store_hold.s != s)
			return err_set(e, ERR_INVALID,
				       "store: a read hold on another store is "
				       "open in this thread");
		store_hold.depth++;
		return 0;
	}
	store_hold.s = s;
	store_hold.depth = 1;
	store_hold.c = NULL;
	/* The bulk thread reads on the writer (its own writes); an
	 * in-memory store has one connection, taken per call: no hold. */
	if (s->memory || bulk_mine(s))
		return 0;
	/* Before the snapshot: what it shows is at least this new. */
	uint64_t gen = atomic_load(&s->gen);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc) {
		store_hold.s = NULL;
		store_hold.depth = 0;
		return rc;
	}
	/* Starts the snapshot; a commit by another process noticed here
	 * raises gen, and the snapshot already shows it. */
	if (store_conn_sync(s, c))
		gen = atomic_load(&s->gen);
	store_hold.gen = gen;
	store_hold.c = c;
	return 0;
}

void store_read_release(store *s)
{
	if (store_hold.s != s || store_hold.depth == 0)
		return;
	if (--store_hold.depth > 0)
		return;
	struct store_conn *c = store_hold.c;
	store_hold.s = NULL;
	store_hold.c = NULL;
	store_hold.gen = 0;
	if (c)
		store_read_end(s, c);
}

int store_write_begin(store *s, struct store_conn **out, struct err *e)
{
	*out = NULL;
	if (bulk_mine(s)) {
		int rc = store_exec(s->writer, "SAVEPOINT w", e);
		if (rc)
			return rc;
		*out = s->writer;
		return 0;
	}
	pthread_mutex_lock(&s->wmu);
	int rc = store_exec(s->writer, "BEGIN IMMEDIATE", e);
	if (rc) {
		pthread_mutex_unlock(&s->wmu);
		return rc;
	}
	*out = s->writer;
	return 0;
}

int store_write_end(store *s, struct store_conn *c, int rc, struct err *e)
{
	if (!c)
		return rc;
	arena_reset(c->scratch);
	if (bulk_mine(s)) {
		if (rc) {
			store_exec(c, "ROLLBACK TO w", NULL);
			store_exec(c, "RELEASE w", NULL);
			return rc;
		}
		return store_exec(c, "RELEASE w", e);
	}
	if (rc == 0) {
		rc = store_exec(c, "COMMIT", e);
		if (rc)
			store_exec(c, "ROLLBACK", NULL);
	} else if (!sqlite3_get_autocommit(c->db)) {
		store_exec(c, "ROLLBACK", NULL);
	}
	/* After the commit is visible: a reader that takes the new value
	 * reads the new data. */
	atomic_fetch_add(&s->gen, 1);
	pthread_mutex_unlock(&s->wmu);
	return rc;
}

/* ---- bulk ----------------------------------------------------------- */

int store_bulk_begin(store *s, struct err *e)
{
	if (bulk_mine(s))
		return err_set(e, ERR_INVALID,
			       "store: bulk transaction already open");
	pthread_mutex_lock(&s->wmu);
	/* Checkpoints of the load on their own thread (see there). */
	store_ckpt_bulk_begin(s);
	int rc = store_exec(s->writer, "BEGIN IMMEDIATE", e);
	if (rc) {
		store_ckpt_bulk_end(s);
		pthread_mutex_unlock(&s->wmu);
		return rc;
	}
	store_bulk_own = s;
	return 0;
}

static void bulk_end(store *s)
{
	/* The bulk thread read its own uncommitted writes: whatever it
	 * derived from them is dropped on commit and on rollback alike. */
	atomic_fetch_add(&s->gen, 1);
	store_bulk_own = NULL;
	arena_reset(s->writer->scratch);
	store_ckpt_bulk_end(s);
	pthread_mutex_unlock(&s->wmu);
}

int store_bulk_commit(store *s, struct err *e)
{
	if (!bulk_mine(s))
		return err_set(e, ERR_INVALID,
			       "store: no bulk transaction open in this "
			       "thread");
	int rc = store_exec(s->writer, "COMMIT", e);
	if (rc && !sqlite3_get_autocommit(s->writer->db))
		store_exec(s->writer, "ROLLBACK", NULL);
	bulk_end(s);
	return rc;
}

void store_bulk_rollback(store *s)
{
	if (!bulk_mine(s))
		return;
	if (!sqlite3_get_autocommit(s->writer->db))
		store_exec(s->writer, "ROLLBACK", NULL);
	bulk_end(s);
}

/* ---- check ---------------------------------------------------------- */

int store_check(store *s, struct err *e)
{
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st = NULL;
	rc = store_stmt(c, "PRAGMA integrity_check", &st, e);
	if (rc)
		goto out;
	int src = sqlite3_step(st);
	if (src != SQLITE_ROW) {
		rc = store_db_err(c, src, e, "store %s: integrity check",
				  s->path);
		goto out;
	}
	const char *res = (const char *)sqlite3_column_text(st, 0);
	if (!res || strcmp(res, "ok") != 0) {
		rc = err_set(e, ERR_DB, "store %s: integrity check: %s",
			     s->path, res ? res : "no result");
		goto out;
	}
	store_stmt_done(c, st);
	rc = store_stmt(c, "PRAGMA foreign_key_check", &st, e);
	if (rc)
		goto out;
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		rc = err_set(e, ERR_DB,
			     "store %s: foreign key check: table %s row "
			     "%lld points to a missing %s row",
			     s->path, (const char *)sqlite3_column_text(st, 0),
			     (long long)sqlite3_column_int64(st, 1),
			     (const char *)sqlite3_column_text(st, 2));
	else if (src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "store %s: foreign key check",
				  s->path);
out:
	store_stmt_done(c, st);
	store_read_end(s, c);
	return rc;
}
