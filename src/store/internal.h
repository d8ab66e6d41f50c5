/*
 * internal.h - private declarations shared by the SQLite backend files
 * (store/sqlite*.c, store/migrations.c).
 *
 * For: the store handle layout, connection and transaction helpers, the
 * per-connection prepared statement cache, bind/column helpers and the
 * mapping of SQLite errors to ERR_* codes.
 * Not for: anything outside src/store/ (callers use store.h only).
 */
#ifndef GAZETTE_STORE_INTERNAL_H
#define GAZETTE_STORE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

struct arena;
struct store_count_cache;

/* Most reader connections a file store opens; more readers wait. */
#define STORE_MAX_READERS 16

struct store_stmt_slot {
	char *sql;        /* key: the SQL text (heap copy), NULL when empty */
	uint64_t hash;    /* FNV-1a of sql */
	sqlite3_stmt *st; /* persistent prepared statement */
};

/* One SQLite connection with its statement cache. Used by one thread at a
 * time (the writer under store.wmu, a reader while taken from the pool). */
struct store_conn {
	sqlite3 *db;
	struct store_stmt_slot *slots; /* open-addressing hash table */
	size_t n_slots;                /* slots in use */
	size_t cap_slots;              /* table size, a power of two */
	sqlite3_stmt **temps;          /* statements prepared while the
					* cached one was busy; finalized by
					* store_stmt_done */
	size_t n_temps, cap_temps;
	struct arena *scratch;   /* per-operation scratch memory */
	struct store_conn *next; /* free list of the reader pool */
	int in_read;             /* 1 while a read transaction runs */
	int64_t data_version;    /* PRAGMA data_version last seen
				  * (store_conn_sync), 0 before */
};

struct store {
	char *path;                /* as given to store_open */
	int memory;                /* 1: ":memory:", one connection */
	int version;               /* schema version after migrations */
	struct store_conn *writer; /* the one connection that writes */
	pthread_mutex_t wmu;       /* held by whoever uses the writer */
	pthread_mutex_t mu;        /* guards the fields below */
	pthread_cond_t cv;         /* a reader connection came back */
	struct store_conn *free;   /* idle reader connections */
	struct store_conn *all[STORE_MAX_READERS]; /* every reader opened */
	int n_readers;                             /* entries used in all[] */
	_Atomic uint64_t gen; /* store_generation: writes ended so far + 1 */
	struct store_count_cache *counts; /* list totals by WHERE and
					   * generation (sqlite_article_list.c) */
	struct store_ckpt *ckpt; /* bulk checkpoints (sqlite_checkpoint.c),
				  * NULL until the first bulk load */
};

/* ---- bulk checkpoints (sqlite_checkpoint.c) ------------------------- */

/* Under wmu, before a bulk transaction: the writer stops checkpointing
 * (the thread does; started here the first time). */
void store_ckpt_bulk_begin(store *s);
/* Under wmu, after the bulk transaction ended: the writer checkpoints
 * again, and the thread checkpoints what the bulk load wrote. */
void store_ckpt_bulk_end(store *s);
/* Stop the thread after its last checkpoint, close its connection. */
void store_ckpt_free(store *s);

/* ---- statements (sqlite.c) ------------------------------------------ */

/* The cached statement for `sql` on c, prepared on first use; a fresh one
 * when the cached one is still running (nested use). Always pair with
 * store_stmt_done. ERR_DB (with the SQLite message) on a bad statement. */
int store_stmt(struct store_conn *c, const char *sql, sqlite3_stmt **out,
	       struct err *e);
/* Reset and clear st (finalize it when it was a temporary). NULL is a
 * no-op. */
void store_stmt_done(struct store_conn *c, sqlite3_stmt *st);
/* Run a statement without parameters or rows ("BEGIN", "COMMIT"...). */
int store_exec(struct store_conn *c, const char *sql, struct err *e);

/* Map the last error of c (SQLite code rc) to an ERR_* code and set e to
 * "<context>: <sqlite message>". Returns the ERR_* code. */
int store_db_err(struct store_conn *c, int rc, struct err *e, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));
/* The ERR_* code for SQLite result rc. */
int store_err_code(int rc);

/* ---- transactions (sqlite.c) ---------------------------------------- */

/* Take a connection for reading and open a read transaction so that
 * every query of one store_* call sees one snapshot. The thread that owns
 * an open bulk transaction reads on the writer (it must see its own
 * writes). Pair with store_read_end. */
int store_read_begin(store *s, struct store_conn **c, struct err *e);
void store_read_end(store *s, struct store_conn *c);
/* The generation to keep what is read next under: inside a read hold
 * (store_read_hold) the one taken before the hold's snapshot, else the
 * current one. Take it before store_read_begin. */
uint64_t store_read_gen(store *s);
/* 1 when the calling thread has a bulk transaction open (its reads see
 * its uncommitted writes: nothing they give may be cached). */
int store_bulk_mine(store *s);
/* First statement of a read transaction on reader c: PRAGMA
 * data_version, which starts c's snapshot; when it moved since c last
 * looked (a commit by this process's writer or by another process),
 * raise the store generation. 1 when it moved (or could not be read),
 * else 0; always 0 on the writer. */
int store_conn_sync(store *s, struct store_conn *c);

/* Take the writer and open a write transaction (BEGIN IMMEDIATE), or a
 * SAVEPOINT inside the bulk transaction of this thread. */
int store_write_begin(store *s, struct store_conn **c, struct err *e);
/* rc == 0: commit (or release the savepoint); else roll back. Returns rc,
 * or ERR_DB when the commit itself fails. Releases the writer. */
int store_write_end(store *s, struct store_conn *c, int rc, struct err *e);

/* ---- bind and column helpers (sqlite.c) ----------------------------- */

/* NULL binds as "" (the schema keeps text columns NOT NULL). */
int store_bind_text(sqlite3_stmt *st, int i, const char *v);
/* 0 binds as NULL (optional foreign keys). */
int store_bind_id(sqlite3_stmt *st, int i, int64_t v);
int store_bind_int(sqlite3_stmt *st, int i, int64_t v);
/* Copy of column i into arena a; "" for NULL. */
char *store_col_text(struct arena *a, sqlite3_stmt *st, int i);

/* ---- list totals (sqlite_article_list.c) ---------------------------- */

/* The cache of list totals: made by store_open, freed by store_close
 * (NULL is a no-op). */
struct store_count_cache *store_count_cache_new(void);
void store_count_cache_free(struct store_count_cache *cc);

/* ---- migrations (migrations.c) -------------------------------------- */

/* Apply every migration newer than PRAGMA user_version on db, each inside
 * one transaction. *version gets the resulting version. ERR_DB when the
 * database is newer than this binary or a migration fails. */
int store_migrate(sqlite3 *db, const char *path, int *version, struct err *e);
/* Highest migration number this binary knows. */
int store_migrations_latest(void);

/* ---- shared by the subject files ------------------------------------ */

/* Columns read by store_article_row, from "articles a LEFT JOIN
 * view_counts v ON v.article_id = a.id". The list query swaps the bodies
 * for '' (STORE_ARTICLE_COLUMNS_NOBODY). */
#define STORE_ARTICLE_COLUMNS_(body)                                           \
	"a.id, a.translation_group, a.edition, a.slug, a.kind, a.title, "      \
	"a.lead, " body ", a.rubric_id, a.status, a.publish_at, "              \
	"a.created_at, a.updated_at, a.version, a.featured, a.breaking, "      \
	"a.pinned, a.seo_title, a.seo_description, a.lead_media_id, "          \
	"a.correction, a.correction_at, COALESCE(v.views, 0)"
#define STORE_ARTICLE_COLUMNS        STORE_ARTICLE_COLUMNS_("a.body_md, a.body_html")
#define STORE_ARTICLE_COLUMNS_NOBODY STORE_ARTICLE_COLUMNS_("'', ''")
/* A reader's copy: body_html without the Markdown source. */
#define STORE_ARTICLE_COLUMNS_HTML STORE_ARTICLE_COLUMNS_("'', a.body_html")

/* Fill art from a row of STORE_ARTICLE_COLUMNS (authors, tags left
 * empty). Arena memory. */
void store_article_row(struct arena *a, sqlite3_stmt *st,
		       struct store_article *art);
/* Load the authors of arts[0..n) in byline order, in one query, without
 * tags (cards show no tags). Arena memory. */
int store_article_authors(struct store_conn *c, struct arena *a,
			  struct store_article *arts, size_t n, struct err *e);
/* Load authors and tags of arts[0..n) in two queries (sqlite_article.c).
 * Arena memory. */
int store_article_relations(struct store_conn *c, struct arena *a,
			    struct store_article *arts, size_t n,
			    struct err *e);

/* 1 when edition `code` exists (on c, inside the caller's transaction). */
int store_edition_exists(struct store_conn *c, const char *code, int *yes,
			 struct err *e);

/* ---- full-text search (sqlite_search.c) ----------------------------- */

/* The C step of migration 2 (search_indexes already exists): create the
 * FTS5 index of every edition in db and fill it from the articles, inside
 * the migration's transaction. The tokenizer must be registered on db. */
int store_search_migrate(sqlite3 *db, struct err *e);

/* Bring article `id` (already written, with its authors and tags, in c's
 * open write transaction) into every index of `edition`: the live one
 * and one being rebuilt by reindex. Creates the edition's index first
 * when it has none (filling it with every article of the edition). With
 * is_update, also removes the article from other editions' indexes (an
 * edit may move it). ERR_DB. */
int store_search_article_put(struct store_conn *c, int64_t id,
			     const char *edition, int is_update,
			     struct err *e);

/* Record that the articles of `edition` with id >= first_id, written in
 * c's open write transaction, are not indexed yet: every index of the
 * edition gets a backlog that store_search_catch_up works off. An
 * edition without an index gets an empty one with everything in its
 * backlog. ERR_DB. */
int store_search_backlog_add(struct store_conn *c, const char *edition,
			     int64_t first_id, struct err *e);

/* ---- media (sqlite_media.c) ------------------------------------------ */

/* The columns of a media row, in the order store_media_row reads. */
#define STORE_MEDIA_COLS                                                       \
	"id, sha256, mime, width, height, bytes, path, alt, caption, "         \
	"credit, uploaded_by, created_at"

/* *m (cleared first) from a row of STORE_MEDIA_COLS; strings in a. No
 * variants. */
void store_media_row(struct arena *a, sqlite3_stmt *st, struct store_media *m);

/* The variants of media m (m->id) into m->variants/n_variants, width
 * variants narrowest first, then the crops; on c, in its open
 * transaction; strings in arena a. ERR_DB. */
int store_media_variants_load(struct store_conn *c, struct arena *a,
			      struct store_media *m, struct err *e);

/* Register the FTS5 auxiliary functions gazette_rank and gazette_excerpt
 * on db (sqlite_search_fts.c). ERR_DB when FTS5 is missing. */
int store_search_funcs_register(sqlite3 *db, struct err *e);

#endif
