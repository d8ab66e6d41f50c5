/*
 * sqlite_live.c - SQLite backend of live coverage: events (with
 * per-edition slug, title and summary) and their entries.
 *
 * For: store_live_event_* and store_live_entry_*. Not for: pushing
 * updates to readers (the live hub in http/ does that after a save).
 */
#include "store/internal.h"
#include "util/arena.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#define EVENT_SELECT                                                           \
	"SELECT ev.id, ev.key, ev.state, ev.starts_at, ev.ends_at, "           \
	"t.edition, t.slug, t.title, t.summary FROM live_events ev LEFT "      \
	"JOIN live_event_texts t ON t.event_id = ev.id AND t.edition = "       \
	"COALESCE(?1, (SELECT t2.edition FROM live_event_texts t2 JOIN "       \
	"editions e2 ON e2.code = t2.edition WHERE t2.event_id = ev.id "       \
	"ORDER BY e2.position, e2.code LIMIT 1)) WHERE (?1 IS NULL OR "        \
	"t.edition IS NOT NULL) "

static void event_row(struct arena *a, sqlite3_stmt *st,
		      struct store_live_event *ev)
{
	ev->id = sqlite3_column_int64(st, 0);
	ev->key = store_col_text(a, st, 1);
	ev->state = (enum store_live_state)sqlite3_column_int(st, 2);
	ev->starts_at = sqlite3_column_int64(st, 3);
	ev->ends_at = sqlite3_column_int64(st, 4);
	ev->edition = store_col_text(a, st, 5);
	ev->slug = store_col_text(a, st, 6);
	ev->title = store_col_text(a, st, 7);
	ev->summary = store_col_text(a, st, 8);
}

int store_live_event_save(store *s, struct store_live_event *ev, struct err *e)
{
	if ((int)ev->state < STORE_LIVE_UPCOMING ||
	    ev->state > STORE_LIVE_ENDED)
		return err_set(e, ERR_INVALID,
			       "live event: state: %d is not "
			       "valid",
			       (int)ev->state);
	int texts = ev->edition && *ev->edition;
	if (texts && (!ev->title || !*ev->title))
		return err_set(e, ERR_INVALID, "live event: title: empty");
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int src;
	const char *slug = ev->slug && *ev->slug ?
				   ev->slug :
				   store_slugify(c->scratch, ev->title);
	const char *key = ev->key && *ev->key ? ev->key : slug;
	if (!key || !*key) {
		rc = err_set(e, ERR_INVALID, "live event: key: empty");
		goto out;
	}
	if (ev->id)
		rc = store_stmt(c,
				"UPDATE live_events SET key = ?2, state = ?3, "
				"starts_at = ?4, ends_at = ?5 WHERE id = ?1 "
				"RETURNING id",
				&st, e);
	else
		rc = store_stmt(
			c,
			"INSERT INTO live_events (key, state, starts_at, "
			"ends_at) VALUES (?2, ?3, ?4, ?5) ON CONFLICT "
			"(key) DO UPDATE SET state = excluded.state, "
			"starts_at = excluded.starts_at, ends_at = "
			"excluded.ends_at RETURNING id",
			&st, e);
	if (rc)
		goto out;
	if (ev->id)
		store_bind_int(st, 1, ev->id);
	store_bind_text(st, 2, key);
	store_bind_int(st, 3, ev->state);
	store_bind_int(st, 4, ev->starts_at);
	store_bind_int(st, 5, ev->ends_at);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (src == SQLITE_DONE)
		rc = err_set(e, ERR_NOTFOUND,
			     "live event %" PRId64 ": no such row", ev->id);
	else if (store_err_code(src) == ERR_CONFLICT)
		rc = err_set(e, ERR_CONFLICT, "live event: key \"%s\" is taken",
			     key);
	else
		rc = store_db_err(c, src, e, "live event %s", key);
	store_stmt_done(c, st);
	st = NULL;
	if (rc || !texts)
		goto out;
	if (!*slug) {
		rc = err_set(e, ERR_INVALID, "live event %s: slug: empty", key);
		goto out;
	}
	rc = store_stmt(
		c,
		"INSERT INTO live_event_texts (event_id, edition, slug, "
		"title, summary) VALUES (?1, ?2, ?3, ?4, ?5) ON "
		"CONFLICT (event_id, edition) DO UPDATE SET slug = "
		"excluded.slug, title = excluded.title, summary = "
		"excluded.summary",
		&st, e);
	if (rc)
		goto out;
	store_bind_int(st, 1, id);
	store_bind_text(st, 2, ev->edition);
	store_bind_text(st, 3, slug);
	store_bind_text(st, 4, ev->title);
	store_bind_text(st, 5, ev->summary);
	src = sqlite3_step(st);
	if (src == SQLITE_CONSTRAINT_FOREIGNKEY)
		rc = err_set(e, ERR_INVALID,
			     "live event %s: edition: no edition %s", key,
			     ev->edition);
	else if (store_err_code(src) == ERR_CONFLICT)
		rc = err_set(e, ERR_CONFLICT,
			     "live event %s: slug \"%s\" is taken in edition "
			     "%s",
			     key, slug, ev->edition);
	else if (src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "live event %s (%s)", key,
				  ev->edition);
out:
	store_stmt_done(c, st);
	rc = store_write_end(s, c, rc, e);
	if (rc == 0)
		ev->id = id;
	return rc;
}

int store_live_event_get(store *s, struct arena *a, int64_t id,
			 const char *edition, struct store_live_event *out,
			 struct err *e)
{
	memset(out, 0, sizeof *out);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, EVENT_SELECT "AND ev.id = ?2", &st, e);
	if (rc == 0) {
		if (edition)
			store_bind_text(st, 1, edition);
		store_bind_int(st, 2, id);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			event_row(a, st, out);
		else if (src == SQLITE_DONE)
			rc = err_set(e, ERR_NOTFOUND,
				     "live event %" PRId64
				     " in edition %s: no such row",
				     id, edition ? edition : "(any)");
		else
			rc = store_db_err(c, src, e, "live event %" PRId64, id);
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

int store_live_event_list(store *s, struct arena *a, const char *edition,
			  int state, struct store_live_event **out, size_t *n,
			  struct err *e)
{
	*out = NULL;
	*n = 0;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			EVENT_SELECT "AND (?2 < 0 OR ev.state = ?2) ORDER BY "
				     "ev.starts_at DESC, ev.id DESC",
			&st, e);
	if (rc == 0) {
		if (edition)
			store_bind_text(st, 1, edition);
		store_bind_int(st, 2, state);
	}
	size_t cap = 0;
	int src = SQLITE_DONE;
	while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap)
			*out = arena_grow(a, *out, *n, &cap, sizeof **out, 8);
		event_row(a, st, &(*out)[(*n)++]);
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "live events");
	store_stmt_done(c, st);
	store_read_end(s, c);
	return rc;
}

int store_live_event_by_slug(store *s, struct arena *a, const char *edition,
			     const char *slug, struct store_live_event *out,
			     struct err *e)
{
	memset(out, 0, sizeof *out);
	if (!edition || !slug)
		return err_set(e, ERR_NOTFOUND,
			       "live event: no edition or slug");
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, EVENT_SELECT "AND t.slug = ?2", &st, e);
	if (rc == 0) {
		store_bind_text(st, 1, edition);
		store_bind_text(st, 2, slug);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			event_row(a, st, out);
		else if (src == SQLITE_DONE)
			rc = err_set(e, ERR_NOTFOUND,
				     "live event %s in edition %s: no such row",
				     slug, edition);
		else
			rc = store_db_err(c, src, e, "live event %s", slug);
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

#define ENTRY_SELECT                                                           \
	"SELECT id, event_id, edition, created_at, updated_at, author_id, "    \
	"body_md, body_html, media_id, pinned, edited, deleted, edited_at "    \
	"FROM live_entries "

static void entry_row(struct arena *a, sqlite3_stmt *st,
		      struct store_live_entry *en)
{
	en->id = sqlite3_column_int64(st, 0);
	en->event_id = sqlite3_column_int64(st, 1);
	en->edition = store_col_text(a, st, 2);
	en->created_at = sqlite3_column_int64(st, 3);
	en->updated_at = sqlite3_column_int64(st, 4);
	en->author_id = sqlite3_column_int64(st, 5);
	en->body_md = store_col_text(a, st, 6);
	en->body_html = store_col_text(a, st, 7);
	en->media_id = sqlite3_column_int64(st, 8);
	en->pinned = sqlite3_column_int(st, 9);
	en->edited = sqlite3_column_int(st, 10);
	en->deleted = sqlite3_column_int(st, 11);
	en->edited_at = sqlite3_column_int64(st, 12);
}

int store_live_entry_save(store *s, struct store_live_entry *en, struct err *e)
{
	if (!en->event_id)
		return err_set(e, ERR_INVALID, "live entry: event_id: missing");
	if (!en->edition || !*en->edition)
		return err_set(e, ERR_INVALID, "live entry: edition: empty");
	int64_t now = (int64_t)time(NULL);
	int64_t created = en->created_at ? en->created_at : now;
	int64_t updated = en->id ? now :
				   (en->updated_at ? en->updated_at : created);
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	int64_t id = en->id;
	if (en->id)
		rc = store_stmt(
			c,
			"UPDATE live_entries SET event_id = ?2, edition "
			"= ?3, updated_at = ?5, author_id = ?6, body_md "
			"= ?7, body_html = ?8, media_id = ?9, pinned = "
			"?10, deleted = ?11, edited = 1, edited_at = ?5 "
			"WHERE id = ?1",
			&st, e);
	else
		rc = store_stmt(c,
				"INSERT INTO live_entries (event_id, edition, "
				"created_at, updated_at, author_id, body_md, "
				"body_html, media_id, pinned, deleted, edited) "
				"VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
				"?11, 0)",
				&st, e);
	if (rc == 0) {
		if (en->id)
			store_bind_int(st, 1, en->id);
		store_bind_int(st, 2, en->event_id);
		store_bind_text(st, 3, en->edition);
		store_bind_int(st, 4, created);
		store_bind_int(st, 5, updated);
		store_bind_id(st, 6, en->author_id);
		store_bind_text(st, 7, en->body_md);
		store_bind_text(st, 8, en->body_html);
		store_bind_id(st, 9, en->media_id);
		store_bind_int(st, 10, en->pinned ? 1 : 0);
		store_bind_int(st, 11, en->deleted ? 1 : 0);
		int src = sqlite3_step(st);
		if (src == SQLITE_CONSTRAINT_FOREIGNKEY)
			rc = err_set(e, ERR_INVALID,
				     "live entry: event_id, edition, author_id "
				     "or media_id: no such row");
		else if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "live entry");
		else if (en->id && sqlite3_changes(c->db) == 0)
			rc = err_set(e, ERR_NOTFOUND,
				     "live entry %" PRId64 ": no such row",
				     en->id);
		else if (!en->id)
			id = sqlite3_last_insert_rowid(c->db);
		store_stmt_done(c, st);
	}
	rc = store_write_end(s, c, rc, e);
	if (rc == 0) {
		if (en->id) {
			en->edited = 1;
			en->edited_at = updated;
		} else {
			en->created_at = created;
		}
		en->id = id;
		en->updated_at = updated;
	}
	return rc;
}

int store_live_entry_list(store *s, struct arena *a, int64_t event_id,
			  const char *edition, int with_deleted, size_t offset,
			  size_t limit, struct store_live_entry **out,
			  size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	if (limit == 0 || limit > 500)
		limit = limit ? 500 : 50;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			ENTRY_SELECT
			"WHERE event_id = ?1 "
			"AND edition = ?2 AND (?3 OR deleted = 0) ORDER BY "
			"created_at DESC, id DESC LIMIT ?4 OFFSET ?5",
			&st, e);
	if (rc == 0) {
		store_bind_int(st, 1, event_id);
		store_bind_text(st, 2, edition);
		store_bind_int(st, 3, with_deleted ? 1 : 0);
		store_bind_int(st, 4, (int64_t)limit);
		store_bind_int(st, 5, (int64_t)offset);
		*out = arena_alloc(a, limit * sizeof **out);
	}
	int src = SQLITE_DONE;
	while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW)
		entry_row(a, st, &(*out)[(*n)++]);
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "live event %" PRId64 " entries",
				  event_id);
	store_stmt_done(c, st);
	store_read_end(s, c);
	return rc;
}

int store_live_entry_get(store *s, struct arena *a, int64_t id,
			 struct store_live_entry *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, ENTRY_SELECT "WHERE id = ?1", &st, e);
	if (rc == 0) {
		store_bind_int(st, 1, id);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			entry_row(a, st, out);
		else if (src == SQLITE_DONE)
			rc = err_set(e, ERR_NOTFOUND,
				     "live entry %" PRId64 ": no such row", id);
		else
			rc = store_db_err(c, src, e, "live entry %" PRId64, id);
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

int store_live_entry_changed(store *s, struct arena *a, int64_t event_id,
			     const char *edition, int64_t since, size_t limit,
			     struct store_live_entry **out, size_t *n,
			     struct err *e)
{
	*out = NULL;
	*n = 0;
	if (limit == 0 || limit > 500)
		limit = limit ? 500 : 50;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	/* The newest `limit` changes, returned oldest first. */
	rc = store_stmt(c,
			"SELECT * FROM (" ENTRY_SELECT
			"WHERE event_id = ?1 AND edition = ?2 AND "
			"(updated_at >= ?3 OR created_at >= ?3) ORDER BY "
			"updated_at DESC, id DESC LIMIT ?4) ORDER BY "
			"updated_at, id",
			&st, e);
	if (rc == 0) {
		store_bind_int(st, 1, event_id);
		store_bind_text(st, 2, edition);
		store_bind_int(st, 3, since);
		store_bind_int(st, 4, (int64_t)limit);
		*out = arena_alloc(a, limit * sizeof **out);
	}
	int src = SQLITE_DONE;
	while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW)
		entry_row(a, st, &(*out)[(*n)++]);
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_db_err(c, src, e,
				  "live event %" PRId64 " changed entries",
				  event_id);
	store_stmt_done(c, st);
	store_read_end(s, c);
	return rc;
}

int store_live_entry_flags(store *s, int64_t id, int pinned, int deleted,
			   int64_t *updated_at, struct err *e)
{
	int64_t now = (int64_t)time(NULL);
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"UPDATE live_entries SET pinned = ?2, deleted = ?3, "
			"updated_at = ?4 WHERE id = ?1",
			&st, e);
	if (rc == 0) {
		store_bind_int(st, 1, id);
		store_bind_int(st, 2, pinned ? 1 : 0);
		store_bind_int(st, 3, deleted ? 1 : 0);
		store_bind_int(st, 4, now);
		int src = sqlite3_step(st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "live entry %" PRId64, id);
		else if (sqlite3_changes(c->db) == 0)
			rc = err_set(e, ERR_NOTFOUND,
				     "live entry %" PRId64 ": no such row", id);
		store_stmt_done(c, st);
	}
	rc = store_write_end(s, c, rc, e);
	if (rc == 0 && updated_at)
		*updated_at = now;
	return rc;
}
