/*
 * sqlite_revision.c - reading revisions, and autosave revisions: the
 * editor's text kept every few seconds beside the article, never in it.
 *
 * An autosave is a row of `revisions` with autosave = 1, numbered with
 * the article version the text was typed over (migration 4 lets it share
 * that number with the saved revision). Writing one touches neither the
 * article nor its version, so it can never make anyone's save conflict
 * and readers never see half-typed text. Each article keeps only its
 * newest autosaves.
 *
 * For: store_revision_list, store_revision_get, store_revision_autosave,
 * store_revision_autosave_pending. Not for writing saved revisions (each
 * store_article_save appends one, in sqlite_article.c).
 */
#include "store/store.h"

#include "store/internal.h"
#include "util/arena.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#define REV_COLS                                                               \
	"id, article_id, number, user_id, created_at, autosave, title, "       \
	"lead, body_md"

/* One row of REV_COLS into r (strings in a). */
static void revision_row(struct arena *a, sqlite3_stmt *st,
			 struct store_revision *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->article_id = sqlite3_column_int64(st, 1);
	r->number = sqlite3_column_int64(st, 2);
	r->user_id = sqlite3_column_int64(st, 3);
	r->created_at = sqlite3_column_int64(st, 4);
	r->autosave = sqlite3_column_int(st, 5);
	r->title = store_col_text(a, st, 6);
	r->lead = store_col_text(a, st, 7);
	r->body_md = store_col_text(a, st, 8);
}

int store_revision_list(store *s, struct arena *a, int64_t article_id,
			struct store_revision **out, size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"SELECT " REV_COLS " FROM revisions WHERE "
			"article_id = ?1 ORDER BY number DESC",
			&st, e);
	if (rc == 0)
		store_bind_int(st, 1, article_id);
	size_t cap = 0;
	int src = SQLITE_DONE;
	while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap)
			*out = arena_grow(a, *out, *n, &cap, sizeof **out, 16);
		revision_row(a, st, &(*out)[(*n)++]);
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "article %" PRId64 " revisions",
				  article_id);
	store_stmt_done(c, st);
	store_read_end(s, c);
	return rc;
}

int store_revision_get(store *s, struct arena *a, int64_t id,
		       struct store_revision *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"SELECT " REV_COLS " FROM revisions WHERE id = "
			"?1",
			&st, e);
	if (rc == 0) {
		store_bind_int(st, 1, id);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			revision_row(a, st, out);
		else if (src == SQLITE_DONE)
			rc = err_set(e, ERR_NOTFOUND,
				     "revision %" PRId64 ": no such row", id);
		else
			rc = store_db_err(c, src, e, "revision %" PRId64, id);
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

/* Version of article id into *version; ERR_NOTFOUND when there is none. */
static int rev_article_version(struct store_conn *c, int64_t id,
			       int64_t *version, struct err *e)
{
	sqlite3_stmt *st;
	int rc = store_stmt(c, "SELECT version FROM articles WHERE id = ?1",
			    &st, e);
	if (rc)
		return rc;
	store_bind_int(st, 1, id);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*version = sqlite3_column_int64(st, 0);
	else if (src == SQLITE_DONE)
		rc = err_set(e, ERR_NOTFOUND,
			     "article %" PRId64 ": no such row", id);
	else
		rc = store_db_err(c, src, e, "article %" PRId64, id);
	store_stmt_done(c, st);
	return rc;
}

/* The user's newest autosave of the article when it has the same base
 * and texts as rv: its id into *same (0 when none). */
static int rev_same(struct store_conn *c, const struct store_revision *rv,
		    int64_t *same, struct err *e)
{
	*same = 0;
	sqlite3_stmt *st;
	int rc = store_stmt(
		c,
		"SELECT id, number = ?3 AND title = ?4 AND lead = ?5 AND "
		"body_md = ?6 FROM revisions WHERE article_id = ?1 AND "
		"autosave = 1 AND user_id IS ?2 ORDER BY id DESC LIMIT 1",
		&st, e);
	if (rc)
		return rc;
	store_bind_int(st, 1, rv->article_id);
	store_bind_id(st, 2, rv->user_id);
	store_bind_int(st, 3, rv->number);
	store_bind_text(st, 4, rv->title);
	store_bind_text(st, 5, rv->lead);
	store_bind_text(st, 6, rv->body_md);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW && sqlite3_column_int(st, 1))
		*same = sqlite3_column_int64(st, 0);
	else if (src != SQLITE_ROW && src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "article %" PRId64 " autosave",
				  rv->article_id);
	store_stmt_done(c, st);
	return rc;
}

/* Run sql with integers ?1, ?2, ?3 (those it has); context for errors. */
static int rev_exec(struct store_conn *c, const char *sql, int64_t v1,
		    int64_t v2, int64_t v3, int64_t article_id, struct err *e)
{
	sqlite3_stmt *st;
	int rc = store_stmt(c, sql, &st, e);
	if (rc)
		return rc;
	int np = sqlite3_bind_parameter_count(st);
	store_bind_int(st, 1, v1);
	if (np >= 2)
		store_bind_int(st, 2, v2);
	if (np >= 3)
		store_bind_int(st, 3, v3);
	int src = sqlite3_step(st);
	if (src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "article %" PRId64 " autosave",
				  article_id);
	store_stmt_done(c, st);
	return rc;
}

int store_revision_autosave(store *s, struct store_revision *rv, size_t keep,
			    int64_t *version, struct err *e)
{
	if (!rv->title || !rv->lead || !rv->body_md)
		return err_set(e, ERR_INVALID,
			       "article %" PRId64 " autosave: texts: missing",
			       rv->article_id);
	int64_t now = (int64_t)time(NULL);
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	int64_t ver = 0, same = 0;
	rc = rev_article_version(c, rv->article_id, &ver, e);
	if (rc == 0 && (rv->number < 1 || rv->number > ver))
		rc = err_set(e, ERR_INVALID,
			     "article %" PRId64 " autosave: number: %" PRId64
			     " is not one of its versions (1..%" PRId64 ")",
			     rv->article_id, rv->number, ver);
	if (rc == 0)
		rc = rev_same(c, rv, &same, e);
	if (rc == 0 && same) {
		/* The same text again (an undo, a second tab): one row,
		 * dated by the last time it was sent. */
		rc = rev_exec(c,
			      "UPDATE revisions SET created_at = ?2 WHERE id = "
			      "?1",
			      same, now, 0, rv->article_id, e);
		rv->id = same;
	} else if (rc == 0) {
		sqlite3_stmt *st;
		rc = store_stmt(c,
				"INSERT INTO revisions (article_id, number, "
				"user_id, created_at, autosave, title, lead, "
				"body_md) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, "
				"?7)",
				&st, e);
		if (rc == 0) {
			store_bind_int(st, 1, rv->article_id);
			store_bind_int(st, 2, rv->number);
			store_bind_id(st, 3, rv->user_id);
			store_bind_int(st, 4, now);
			store_bind_text(st, 5, rv->title);
			store_bind_text(st, 6, rv->lead);
			store_bind_text(st, 7, rv->body_md);
			int src = sqlite3_step(st);
			if (store_err_code(src) == ERR_INVALID)
				rc = err_set(e, ERR_INVALID,
					     "article %" PRId64
					     " autosave: user_id: no user "
					     "%" PRId64,
					     rv->article_id, rv->user_id);
			else if (src != SQLITE_DONE)
				rc = store_db_err(c, src, e,
						  "article %" PRId64
						  " autosave",
						  rv->article_id);
			else
				rv->id = sqlite3_last_insert_rowid(c->db);
			store_stmt_done(c, st);
		}
	}
	/* Only the newest `keep` autosaves of the article stay. */
	if (rc == 0 && keep > 0)
		rc = rev_exec(c,
			      "DELETE FROM revisions WHERE article_id = ?1 AND "
			      "autosave = 1 AND id NOT IN (SELECT id FROM "
			      "revisions WHERE article_id = ?1 AND autosave = "
			      "1 ORDER BY id DESC LIMIT ?2)",
			      rv->article_id, (int64_t)keep, 0, rv->article_id,
			      e);
	rc = store_write_end(s, c, rc, e);
	if (rc == 0) {
		rv->created_at = now;
		rv->autosave = 1;
		if (version)
			*version = ver;
	}
	return rc;
}

int store_revision_autosave_pending(store *s, struct arena *a,
				    int64_t article_id, int64_t user_id,
				    struct store_revision *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"SELECT " REV_COLS " FROM revisions WHERE article_id = "
			"?1 AND autosave = 1 AND (?2 = 0 OR user_id = ?2) AND "
			"id > COALESCE((SELECT MAX(id) FROM revisions WHERE "
			"article_id = ?1 AND autosave = 0), 0) ORDER BY id "
			"DESC LIMIT 1",
			&st, e);
	if (rc == 0) {
		store_bind_int(st, 1, article_id);
		store_bind_int(st, 2, user_id);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW) {
			revision_row(a, st, out);
		} else if (src == SQLITE_DONE) {
			rc = err_set(e, ERR_NOTFOUND,
				     "article %" PRId64 ": no pending autosave",
				     article_id);
		} else {
			rc = store_db_err(c, src, e,
					  "article %" PRId64 " autosave",
					  article_id);
		}
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}
