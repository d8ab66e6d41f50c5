/*
 * sqlite_media_library.c - the media library's queries: find by SHA-256
 * (deduplication), a page of the library with a text filter, and editing
 * alt text, caption and credit. Declared in store.h. Not for files or
 * images (src/media/).
 */
#include "store/store.h"

#include "store/internal.h"
#include "util/arena.h"
#include "util/buf.h"

#include <inttypes.h>
#include <string.h>

/* Filter of store_media_list: ?1 LIKE pattern or NULL, ?2 user or 0. */
#define LIB_WHERE                                                              \
	"(?1 IS NULL OR alt LIKE ?1 ESCAPE '\\' OR caption LIKE ?1 ESCAPE "    \
	"'\\' OR credit LIKE ?1 ESCAPE '\\') AND (?2 = 0 OR uploaded_by = "    \
	"?2)"

int store_media_find_sha256(store *s, struct arena *a, const char *sha256,
			    struct store_media *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	if (!sha256 || !*sha256)
		return err_set(e, ERR_INVALID, "media: sha256: empty");
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"SELECT " STORE_MEDIA_COLS
			" FROM media WHERE sha256 = ?1 "
			"ORDER BY id LIMIT 1",
			&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, sha256);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			store_media_row(a, st, out);
		else if (src == SQLITE_DONE)
			rc = err_set(e, ERR_NOTFOUND,
				     "media with sha256 %.16s: "
				     "no such row",
				     sha256);
		else
			rc = store_db_err(c, src, e, "media by sha256");
		store_stmt_done(c, st);
	}
	if (rc == 0)
		rc = store_media_variants_load(c, a, out, e);
	store_read_end(s, c);
	return rc;
}

/* LIKE pattern for substring q: %q% with %, _ and \ escaped by \. */
static char *lib_like(struct arena *a, const char *q)
{
	struct buf b;
	buf_init(&b, a);
	buf_putc(&b, '%');
	for (const char *p = q; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *p);
	}
	buf_putc(&b, '%');
	return b.data;
}

int store_media_list(store *s, struct arena *a,
		     const struct store_media_filter *f,
		     struct store_media **out, size_t *n, size_t *total,
		     struct err *e)
{
	*out = NULL;
	*n = 0;
	*total = 0;
	size_t limit = f && f->limit ? f->limit : 24;
	if (limit > 200)
		return err_set(e, ERR_INVALID, "media list: limit %zu over 200",
			       limit);
	const char *q = f && f->q && *f->q ? lib_like(a, f->q) : NULL;
	int64_t by = f ? f->uploaded_by : 0;
	size_t offset = f ? f->offset : 0;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, "SELECT count(*) FROM media WHERE " LIB_WHERE, &st,
			e);
	if (rc == 0) {
		if (q)
			store_bind_text(st, 1, q);
		else
			sqlite3_bind_null(st, 1);
		store_bind_int(st, 2, by);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			*total = (size_t)sqlite3_column_int64(st, 0);
		else
			rc = store_db_err(c, src, e, "media count");
		store_stmt_done(c, st);
	}
	struct store_media *items = NULL;
	size_t count = 0;
	if (rc == 0 && *total > offset) {
		rc = store_stmt(c,
				"SELECT " STORE_MEDIA_COLS
				" FROM media WHERE " LIB_WHERE
				" ORDER BY created_at DESC, id DESC LIMIT ?3 "
				"OFFSET ?4",
				&st, e);
		if (rc == 0) {
			if (q)
				store_bind_text(st, 1, q);
			else
				sqlite3_bind_null(st, 1);
			store_bind_int(st, 2, by);
			store_bind_int(st, 3, (int64_t)limit);
			store_bind_int(st, 4, (int64_t)offset);
			items = arena_alloc(a, limit * sizeof *items);
			int src;
			while (count < limit &&
			       (src = sqlite3_step(st)) == SQLITE_ROW)
				store_media_row(a, st, &items[count++]);
			if (count < limit && src != SQLITE_DONE)
				rc = store_db_err(c, src, e, "media list");
			store_stmt_done(c, st);
		}
	}
	for (size_t i = 0; rc == 0 && i < count; i++)
		rc = store_media_variants_load(c, a, &items[i], e);
	store_read_end(s, c);
	if (rc == 0) {
		*out = items;
		*n = count;
	} else {
		*total = 0;
	}
	return rc;
}

int store_media_update(store *s, int64_t id, const char *alt,
		       const char *caption, const char *credit, struct err *e)
{
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"UPDATE media SET alt = ?2, caption = ?3, credit = ?4 "
			"WHERE id = ?1",
			&st, e);
	if (rc == 0) {
		store_bind_int(st, 1, id);
		store_bind_text(st, 2, alt);
		store_bind_text(st, 3, caption);
		store_bind_text(st, 4, credit);
		int src = sqlite3_step(st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "media %" PRId64, id);
		else if (sqlite3_changes(c->db) == 0)
			rc = err_set(e, ERR_NOTFOUND,
				     "media %" PRId64 ": no such row", id);
		store_stmt_done(c, st);
	}
	return store_write_end(s, c, rc, e);
}
