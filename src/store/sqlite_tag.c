/*
 * sqlite_tag.c - tag management for editors: every tag of an edition
 * with its article count, rename, merge into another tag, delete.
 *
 * Tag names are part of each article's search document (meta), so a
 * rename, merge or delete re-indexes the articles concerned in the same
 * transaction (store_search_article_put). Not for the tags of one
 * article (store_article_save) nor the reader's tag lists
 * (store_tag_list, store_tag_by_slug in sqlite_article.c).
 */
#include "store/store.h"

#include "store/internal.h"
#include "util/arena.h"

#include <inttypes.h>
#include <string.h>

#define TAG_NAME_MAX 64 /* bytes, as the editor accepts */

/* Tags matching store_tag_list_all: ?1 edition, ?2 q ("" for any). */
#define TAG_WHERE                                                              \
	"t.edition = ?1 AND (?2 = '' OR instr(lower(t.name), lower(?2)) > 0 "  \
	"OR instr(t.slug, lower(?2)) > 0)"

#define TAG_COLS                                                               \
	"t.id, t.edition, t.name, t.slug, (SELECT COUNT(*) FROM article_tags " \
	"at WHERE at.tag_id = t.id)"

static void tag_row(struct arena *a, sqlite3_stmt *st, struct store_tag_use *u)
{
	u->tag.id = sqlite3_column_int64(st, 0);
	u->tag.edition = store_col_text(a, st, 1);
	u->tag.name = store_col_text(a, st, 2);
	u->tag.slug = store_col_text(a, st, 3);
	u->articles = sqlite3_column_int64(st, 4);
}

int store_tag_list_all(store *s, struct arena *a, const char *edition,
		       const char *q, size_t offset, size_t limit,
		       struct store_tag_use **out, size_t *n, size_t *total,
		       struct err *e)
{
	*out = NULL;
	*n = 0;
	if (total)
		*total = 0;
	if (limit == 0 || limit > 500)
		limit = limit ? 500 : 50;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	if (total) {
		rc = store_stmt(c,
				"SELECT COUNT(*) FROM tags t WHERE " TAG_WHERE,
				&st, e);
		if (rc == 0) {
			store_bind_text(st, 1, edition);
			store_bind_text(st, 2, q);
			int src = sqlite3_step(st);
			if (src == SQLITE_ROW)
				*total = (size_t)sqlite3_column_int64(st, 0);
			else
				rc = store_db_err(c, src, e, "tags of %s",
						  edition ? edition : "");
			store_stmt_done(c, st);
		}
	}
	if (rc == 0)
		rc = store_stmt(c,
				"SELECT " TAG_COLS
				" FROM tags t WHERE " TAG_WHERE
				" ORDER BY lower(t.name), t.id LIMIT ?3 OFFSET "
				"?4",
				&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, edition);
		store_bind_text(st, 2, q);
		store_bind_int(st, 3, (int64_t)limit);
		store_bind_int(st, 4, (int64_t)offset);
		*out = arena_alloc(a, limit * sizeof **out);
		int src;
		while ((src = sqlite3_step(st)) == SQLITE_ROW)
			tag_row(a, st, &(*out)[(*n)++]);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "tags of %s",
					  edition ? edition : "");
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

/* Tag id on c into *out (arena a); ERR_NOTFOUND. */
static int tag_load(struct store_conn *c, struct arena *a, int64_t id,
		    struct store_tag_use *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st;
	int rc = store_stmt(
		c, "SELECT " TAG_COLS " FROM tags t WHERE t.id = ?1", &st, e);
	if (rc)
		return rc;
	store_bind_int(st, 1, id);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		tag_row(a, st, out);
	else if (src == SQLITE_DONE)
		rc = err_set(e, ERR_NOTFOUND, "tag %" PRId64 ": no such tag",
			     id);
	else
		rc = store_db_err(c, src, e, "tag %" PRId64, id);
	store_stmt_done(c, st);
	return rc;
}

int store_tag_get(store *s, struct arena *a, int64_t id,
		  struct store_tag_use *out, struct err *e)
{
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	rc = tag_load(c, a, id, out, e);
	store_read_end(s, c);
	return rc;
}

/* Run sql with integers ?1 and ?2 (when it has them). */
static int tag_exec(struct store_conn *c, const char *sql, int64_t v1,
		    int64_t v2, struct err *e)
{
	sqlite3_stmt *st;
	int rc = store_stmt(c, sql, &st, e);
	if (rc)
		return rc;
	store_bind_int(st, 1, v1);
	if (sqlite3_bind_parameter_count(st) >= 2)
		store_bind_int(st, 2, v2);
	int src = sqlite3_step(st);
	if (src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "tag %" PRId64, v1);
	store_stmt_done(c, st);
	return rc;
}

/* Re-index every article of the edition in the temporary list
 * tag_touched (filled by the caller), then empty it. */
static int tag_reindex(struct store_conn *c, struct arena *a,
		       const char *edition, struct err *e)
{
	sqlite3_stmt *st;
	int rc = store_stmt(c, "SELECT id FROM temp.tag_touched ORDER BY id",
			    &st, e);
	if (rc)
		return rc;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap)
			ids = arena_grow(a, ids, n, &cap, sizeof *ids, 64);
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "tag articles");
	store_stmt_done(c, st);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = store_search_article_put(c, ids[i], edition, 0, e);
	if (rc == 0)
		rc = store_exec(c, "DELETE FROM temp.tag_touched", e);
	return rc;
}

/* Remember the articles of tag id in temp.tag_touched. */
static int tag_touch(struct store_conn *c, int64_t id, struct err *e)
{
	int rc = store_exec(c,
			    "CREATE TEMP TABLE IF NOT EXISTS tag_touched (id "
			    "INTEGER PRIMARY KEY)",
			    e);
	if (rc == 0)
		rc = store_exec(c, "DELETE FROM temp.tag_touched", e);
	if (rc == 0)
		rc = tag_exec(c,
			      "INSERT OR IGNORE INTO temp.tag_touched (id) "
			      "SELECT article_id FROM article_tags WHERE "
			      "tag_id = ?1",
			      id, 0, e);
	return rc;
}

int store_tag_rename(store *s, int64_t id, const char *name, const char *slug,
		     struct err *e)
{
	size_t len = name ? strlen(name) : 0;
	if (len == 0 || len > TAG_NAME_MAX)
		return err_set(e, ERR_INVALID,
			       "tag %" PRId64 ": name: 1 to %d bytes", id,
			       TAG_NAME_MAX);
	struct arena *a = arena_new(0);
	char *sl = store_slugify(a, slug && *slug ? slug : name);
	if (!*sl) {
		arena_free(a);
		return err_set(e, ERR_INVALID,
			       "tag %" PRId64 ": slug: no letters or digits",
			       id);
	}
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc) {
		arena_free(a);
		return rc;
	}
	struct store_tag_use t;
	rc = tag_load(c, a, id, &t, e);
	if (rc == 0) {
		sqlite3_stmt *st;
		rc = store_stmt(c,
				"UPDATE tags SET name = ?2, slug = ?3 WHERE id "
				"= ?1",
				&st, e);
		if (rc == 0) {
			store_bind_int(st, 1, id);
			store_bind_text(st, 2, name);
			store_bind_text(st, 3, sl);
			int src = sqlite3_step(st);
			if (store_err_code(src) == ERR_CONFLICT)
				rc = err_set(e, ERR_CONFLICT,
					     "tag %" PRId64
					     ": slug: \"%s\" is another tag "
					     "of %s",
					     id, sl, t.tag.edition);
			else if (src != SQLITE_DONE)
				rc = store_db_err(c, src, e, "tag %" PRId64,
						  id);
			store_stmt_done(c, st);
		}
	}
	if (rc == 0)
		rc = tag_touch(c, id, e);
	if (rc == 0)
		rc = tag_reindex(c, a, t.tag.edition, e);
	rc = store_write_end(s, c, rc, e);
	arena_free(a);
	return rc;
}

int store_tag_merge(store *s, int64_t from_id, int64_t into_id, struct err *e)
{
	if (from_id == into_id)
		return err_set(e, ERR_INVALID,
			       "tag %" PRId64 ": merge: into itself", from_id);
	struct arena *a = arena_new(0);
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc) {
		arena_free(a);
		return rc;
	}
	struct store_tag_use from, into;
	rc = tag_load(c, a, from_id, &from, e);
	if (rc == 0)
		rc = tag_load(c, a, into_id, &into, e);
	if (rc == 0 && strcmp(from.tag.edition, into.tag.edition))
		rc = err_set(e, ERR_INVALID,
			     "tag %" PRId64 ": merge: tag %" PRId64
			     " is of edition %s, not %s",
			     from_id, into_id, into.tag.edition,
			     from.tag.edition);
	if (rc == 0)
		rc = tag_touch(c, from_id, e);
	/* Articles that had only `from` get `into` where `from` was. */
	if (rc == 0)
		rc = tag_exec(c,
			      "INSERT OR IGNORE INTO article_tags (article_id, "
			      "tag_id, position) SELECT article_id, ?2, "
			      "position FROM article_tags WHERE tag_id = ?1",
			      from_id, into_id, e);
	if (rc == 0)
		rc = tag_exec(c, "DELETE FROM tags WHERE id = ?1", from_id, 0,
			      e);
	if (rc == 0)
		rc = tag_reindex(c, a, from.tag.edition, e);
	rc = store_write_end(s, c, rc, e);
	arena_free(a);
	return rc;
}

int store_tag_delete(store *s, int64_t id, struct err *e)
{
	struct arena *a = arena_new(0);
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc) {
		arena_free(a);
		return rc;
	}
	struct store_tag_use t;
	rc = tag_load(c, a, id, &t, e);
	if (rc == 0)
		rc = tag_touch(c, id, e);
	if (rc == 0)
		rc = tag_exec(c, "DELETE FROM tags WHERE id = ?1", id, 0, e);
	if (rc == 0)
		rc = tag_reindex(c, a, t.tag.edition, e);
	rc = store_write_end(s, c, rc, e);
	arena_free(a);
	return rc;
}
