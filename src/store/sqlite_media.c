/*
 * sqlite_media.c - SQLite backend of the media library: originals and
 * their resized variants and crops (width variants first, narrowest
 * first, then the crops in the order they were added).
 *
 * For: store_media_add, store_media_variants_add and store_media_get. Not for: files, MIME sniffing
 * or resizing (media/ does those and hands the store the results).
 */
#include "store/internal.h"
#include "util/arena.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

/* Insert variants v[0..n) of media id, on c in its write transaction. */
static int media_variants_insert(struct store_conn *c, int64_t id,
				 const struct store_media_variant *v, size_t n,
				 struct err *e)
{
	if (n == 0)
		return 0;
	sqlite3_stmt *st;
	int rc = store_stmt(c,
			    "INSERT INTO media_variants (media_id, width, "
			    "height, format, path, bytes, aspect) VALUES "
			    "(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			    &st, e);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		store_bind_int(st, 1, id);
		store_bind_int(st, 2, v[i].width);
		store_bind_int(st, 3, v[i].height);
		store_bind_text(st, 4, v[i].format);
		store_bind_text(st, 5, v[i].path);
		store_bind_int(st, 6, v[i].bytes);
		store_bind_text(st, 7, v[i].aspect ? v[i].aspect : "");
		int src = sqlite3_step(st);
		sqlite3_reset(st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e,
					  "media %" PRId64 " variant %s", id,
					  v[i].path ? v[i].path : "");
	}
	store_stmt_done(c, st);
	return rc;
}

int store_media_variants_add(store *s, int64_t id,
			     const struct store_media_variant *v, size_t n,
			     size_t *added, struct err *e)
{
	if (added)
		*added = 0;
	if (n && !v)
		return err_set(e, ERR_INVALID, "media: variants: missing");
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, "SELECT 1 FROM media WHERE id = ?1", &st, e);
	if (rc == 0) {
		store_bind_int(st, 1, id);
		int src = sqlite3_step(st);
		store_stmt_done(c, st);
		if (src == SQLITE_DONE)
			rc = err_set(e, ERR_NOTFOUND, "media %" PRId64, id);
		else if (src != SQLITE_ROW)
			rc = store_db_err(c, src, e, "media %" PRId64, id);
	}
	/* A crop already recorded (another run made it meanwhile) is
	 * skipped: one row per aspect. */
	size_t k = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		int have = 0;
		if (v[i].aspect && *v[i].aspect) {
			rc = store_stmt(c,
					"SELECT 1 FROM media_variants WHERE "
					"media_id = ?1 AND aspect = ?2",
					&st, e);
			if (rc)
				break;
			store_bind_int(st, 1, id);
			store_bind_text(st, 2, v[i].aspect);
			int src = sqlite3_step(st);
			store_stmt_done(c, st);
			if (src != SQLITE_ROW && src != SQLITE_DONE)
				rc = store_db_err(c, src, e,
						  "media %" PRId64 " crops",
						  id);
			have = src == SQLITE_ROW;
		}
		if (rc == 0 && !have) {
			rc = media_variants_insert(c, id, &v[i], 1, e);
			k++;
		}
	}
	rc = store_write_end(s, c, rc, e);
	if (rc == 0 && added)
		*added = k;
	return rc;
}

int store_media_add(store *s, struct store_media *m, struct err *e)
{
	if (!m->sha256 || !*m->sha256)
		return err_set(e, ERR_INVALID, "media: sha256: empty");
	if (!m->mime || !*m->mime)
		return err_set(e, ERR_INVALID, "media: mime: empty");
	if (!m->path || !*m->path)
		return err_set(e, ERR_INVALID, "media: path: empty");
	if (m->n_variants && !m->variants)
		return err_set(e, ERR_INVALID, "media: variants: missing");
	int64_t created = m->created_at ? m->created_at : (int64_t)time(NULL);
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	int64_t id = 0;
	rc = store_stmt(
		c,
		"INSERT INTO media (sha256, mime, width, height, bytes, "
		"path, alt, caption, credit, uploaded_by, created_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
		&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, m->sha256);
		store_bind_text(st, 2, m->mime);
		store_bind_int(st, 3, m->width);
		store_bind_int(st, 4, m->height);
		store_bind_int(st, 5, m->bytes);
		store_bind_text(st, 6, m->path);
		store_bind_text(st, 7, m->alt);
		store_bind_text(st, 8, m->caption);
		store_bind_text(st, 9, m->credit);
		store_bind_id(st, 10, m->uploaded_by);
		store_bind_int(st, 11, created);
		int src = sqlite3_step(st);
		if (src == SQLITE_CONSTRAINT_FOREIGNKEY)
			rc = err_set(e, ERR_INVALID,
				     "media %s: uploaded_by: user %" PRId64
				     " does not exist",
				     m->path, m->uploaded_by);
		else if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "media %s", m->path);
		else
			id = sqlite3_last_insert_rowid(c->db);
		store_stmt_done(c, st);
	}
	if (rc == 0)
		rc = media_variants_insert(c, id, m->variants, m->n_variants,
					   e);
	rc = store_write_end(s, c, rc, e);
	if (rc == 0) {
		m->id = id;
		m->created_at = created;
	}
	return rc;
}

void store_media_row(struct arena *a, sqlite3_stmt *st, struct store_media *m)
{
	memset(m, 0, sizeof *m);
	m->id = sqlite3_column_int64(st, 0);
	m->sha256 = store_col_text(a, st, 1);
	m->mime = store_col_text(a, st, 2);
	m->width = sqlite3_column_int(st, 3);
	m->height = sqlite3_column_int(st, 4);
	m->bytes = sqlite3_column_int64(st, 5);
	m->path = store_col_text(a, st, 6);
	m->alt = store_col_text(a, st, 7);
	m->caption = store_col_text(a, st, 8);
	m->credit = store_col_text(a, st, 9);
	m->uploaded_by = sqlite3_column_int64(st, 10);
	m->created_at = sqlite3_column_int64(st, 11);
}

int store_media_variants_load(struct store_conn *c, struct arena *a,
			      struct store_media *m, struct err *e)
{
	m->variants = NULL;
	m->n_variants = 0;
	sqlite3_stmt *st;
	int rc = store_stmt(c,
			    "SELECT width, height, format, path, bytes, "
			    "aspect FROM media_variants WHERE media_id = ?1 "
			    "ORDER BY aspect <> '', CASE aspect WHEN '' THEN "
			    "width END, id",
			    &st, e);
	if (rc)
		return rc;
	store_bind_int(st, 1, m->id);
	size_t cap = 0;
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if (m->n_variants == cap)
			m->variants = arena_grow(a, m->variants, m->n_variants,
						 &cap, sizeof *m->variants, 12);
		struct store_media_variant *v = &m->variants[m->n_variants++];
		v->width = sqlite3_column_int(st, 0);
		v->height = sqlite3_column_int(st, 1);
		v->format = store_col_text(a, st, 2);
		v->path = store_col_text(a, st, 3);
		v->bytes = sqlite3_column_int64(st, 4);
		v->aspect = store_col_text(a, st, 5);
	}
	if (src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "media %" PRId64 " variants",
				  m->id);
	store_stmt_done(c, st);
	return rc;
}

int store_media_get(store *s, struct arena *a, int64_t id,
		    struct store_media *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"SELECT " STORE_MEDIA_COLS " FROM media WHERE id = ?1",
			&st, e);
	if (rc == 0) {
		store_bind_int(st, 1, id);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW) {
			store_media_row(a, st, out);
		} else if (src == SQLITE_DONE) {
			rc = err_set(e, ERR_NOTFOUND,
				     "media %" PRId64 ": no such row", id);
		} else {
			rc = store_db_err(c, src, e, "media %" PRId64, id);
		}
		store_stmt_done(c, st);
	}
	if (rc == 0)
		rc = store_media_variants_load(c, a, out, e);
	store_read_end(s, c);
	return rc;
}
