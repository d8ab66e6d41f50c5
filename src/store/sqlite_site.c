/*
 * sqlite_site.c - SQLite backend of the site-wide objects of store.h:
 * editions, settings, rubrics (with per-edition texts), authors (with
 * per-edition texts), redirects and the audit log.
 *
 * For: the small tables every page reads. Not for: articles
 * (sqlite_article.c), users (sqlite_users.c), live, media.
 *
 * Per-edition texts: a rubric or author exists once (id, key/slug) and has
 * one row of texts per edition. Reads for an edition return only objects
 * that have texts there (a reader page must not show an untranslated
 * name); with edition NULL they use the texts of the first edition (by
 * position) that has some.
 */
#include "store/internal.h"
#include "util/arena.h"

#include <string.h>
#include <time.h>

/* ---- editions ------------------------------------------------------- */

int store_edition_exists(struct store_conn *c, const char *code, int *yes,
			 struct err *e)
{
	*yes = 0;
	sqlite3_stmt *st;
	int rc =
		store_stmt(c, "SELECT 1 FROM editions WHERE code = ?1", &st, e);
	if (rc)
		return rc;
	store_bind_text(st, 1, code);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*yes = 1;
	else if (src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "edition %s", code);
	store_stmt_done(c, st);
	return rc;
}

int store_edition_upsert(store *s, const struct store_edition *ed,
			 struct err *e)
{
	if (!ed->code || !*ed->code)
		return err_set(e, ERR_INVALID, "edition: code: empty");
	if (!ed->name || !*ed->name)
		return err_set(e, ERR_INVALID, "edition %s: name: empty",
			       ed->code);
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"INSERT INTO editions (code, name, prefix, position) "
			"VALUES (?1, ?2, ?3, ?4) ON CONFLICT (code) DO UPDATE "
			"SET name = excluded.name, prefix = excluded.prefix, "
			"position = excluded.position",
			&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, ed->code);
		store_bind_text(st, 2, ed->name);
		store_bind_text(st, 3, ed->prefix);
		store_bind_int(st, 4, ed->position);
		int src = sqlite3_step(st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "edition %s", ed->code);
		store_stmt_done(c, st);
	}
	return store_write_end(s, c, rc, e);
}

int store_edition_list(store *s, struct arena *a, struct store_edition **out,
		       size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"SELECT code, name, prefix, position FROM editions "
			"ORDER BY position, code",
			&st, e);
	size_t cap = 0;
	int src = SQLITE_DONE;
	while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			struct store_edition *p =
				arena_alloc(a, cap * sizeof *p);
			if (*n)
				memcpy(p, *out, *n * sizeof *p);
			*out = p;
		}
		struct store_edition *ed = &(*out)[(*n)++];
		ed->code = store_col_text(a, st, 0);
		ed->name = store_col_text(a, st, 1);
		ed->prefix = store_col_text(a, st, 2);
		ed->position = sqlite3_column_int(st, 3);
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "editions");
	store_stmt_done(c, st);
	store_read_end(s, c);
	return rc;
}

/* ---- settings ------------------------------------------------------- */

int store_setting_set(store *s, const char *key, const char *value,
		      struct err *e)
{
	if (!key || !*key)
		return err_set(e, ERR_INVALID, "setting: key: empty");
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			value ? "INSERT INTO settings (key, value) VALUES "
				"(?1, ?2) ON CONFLICT (key) DO UPDATE SET "
				"value = excluded.value" :
				"DELETE FROM settings WHERE key = ?1",
			&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, key);
		if (value)
			store_bind_text(st, 2, value);
		int src = sqlite3_step(st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "setting %s", key);
		store_stmt_done(c, st);
	}
	return store_write_end(s, c, rc, e);
}

int store_setting_get(store *s, struct arena *a, const char *key, char **out,
		      struct err *e)
{
	*out = NULL;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, "SELECT value FROM settings WHERE key = ?1", &st, e);
	if (rc == 0) {
		store_bind_text(st, 1, key);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			*out = store_col_text(a, st, 0);
		else if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "setting %s", key);
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

int store_setting_list(store *s, struct arena *a, struct store_setting **out,
		       size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, "SELECT key, value FROM settings ORDER BY key", &st,
			e);
	size_t cap = 0;
	int src = SQLITE_DONE;
	while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			struct store_setting *p =
				arena_alloc(a, cap * sizeof *p);
			if (*n)
				memcpy(p, *out, *n * sizeof *p);
			*out = p;
		}
		(*out)[*n].key = store_col_text(a, st, 0);
		(*out)[*n].value = store_col_text(a, st, 1);
		(*n)++;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "settings");
	store_stmt_done(c, st);
	store_read_end(s, c);
	return rc;
}

/* ---- rubrics -------------------------------------------------------- */

/* Texts of ?1, or with ?1 NULL of the first edition that has some. */
#define RUBRIC_SELECT                                                          \
	"SELECT r.id, r.key, r.position, t.edition, t.name, t.slug, "          \
	"t.description FROM rubrics r LEFT JOIN rubric_texts t ON "            \
	"t.rubric_id = r.id AND t.edition = COALESCE(?1, (SELECT "             \
	"t2.edition FROM rubric_texts t2 JOIN editions e2 ON e2.code = "       \
	"t2.edition WHERE t2.rubric_id = r.id ORDER BY e2.position, "          \
	"e2.code LIMIT 1)) WHERE (?1 IS NULL OR t.edition IS NOT NULL) "

static void rubric_row(struct arena *a, sqlite3_stmt *st,
		       struct store_rubric *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->key = store_col_text(a, st, 1);
	r->position = sqlite3_column_int(st, 2);
	r->edition = store_col_text(a, st, 3);
	r->name = store_col_text(a, st, 4);
	r->slug = store_col_text(a, st, 5);
	r->description = store_col_text(a, st, 6);
}

int store_rubric_save(store *s, struct store_rubric *r, struct err *e)
{
	if (!r->key || !*r->key)
		return err_set(e, ERR_INVALID, "rubric: key: empty");
	int texts = r->edition && *r->edition;
	if (texts && (!r->name || !*r->name))
		return err_set(e, ERR_INVALID, "rubric %s: name: empty",
			       r->key);
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int src;
	if (texts) {
		int yes;
		rc = store_edition_exists(c, r->edition, &yes, e);
		if (rc == 0 && !yes)
			rc = err_set(e, ERR_INVALID,
				     "rubric %s: edition: no edition %s",
				     r->key, r->edition);
		if (rc)
			goto out;
	}
	if (r->id)
		rc = store_stmt(c,
				"UPDATE rubrics SET key = ?2, position = ?3 "
				"WHERE id = ?1 RETURNING id",
				&st, e);
	else
		rc = store_stmt(c,
				"INSERT INTO rubrics (key, position) VALUES "
				"(?2, ?3) ON CONFLICT (key) DO UPDATE SET "
				"position = excluded.position RETURNING id",
				&st, e);
	if (rc)
		goto out;
	if (r->id)
		store_bind_int(st, 1, r->id);
	store_bind_text(st, 2, r->key);
	store_bind_int(st, 3, r->position);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (src == SQLITE_DONE)
		rc = err_set(e, ERR_NOTFOUND, "rubric %lld: no such row",
			     (long long)r->id);
	else if (store_err_code(src) == ERR_CONFLICT)
		rc = err_set(e, ERR_CONFLICT, "rubric %s: key is taken",
			     r->key);
	else
		rc = store_db_err(c, src, e, "rubric %s", r->key);
	store_stmt_done(c, st);
	st = NULL;
	if (rc || !texts)
		goto out;

	const char *slug = r->slug && *r->slug ?
				   r->slug :
				   store_slugify(c->scratch, r->name);
	if (!*slug)
		slug = store_slugify(c->scratch, r->key);
	rc = store_stmt(c,
			"INSERT INTO rubric_texts (rubric_id, edition, name, "
			"slug, description) VALUES (?1, ?2, ?3, ?4, ?5) "
			"ON CONFLICT (rubric_id, edition) DO UPDATE SET "
			"name = excluded.name, slug = excluded.slug, "
			"description = excluded.description",
			&st, e);
	if (rc)
		goto out;
	store_bind_int(st, 1, id);
	store_bind_text(st, 2, r->edition);
	store_bind_text(st, 3, r->name);
	store_bind_text(st, 4, slug);
	store_bind_text(st, 5, r->description);
	src = sqlite3_step(st);
	if (store_err_code(src) == ERR_CONFLICT)
		rc = err_set(e, ERR_CONFLICT,
			     "rubric %s: slug \"%s\" is taken in edition %s",
			     r->key, slug, r->edition);
	else if (src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "rubric %s (%s)", r->key,
				  r->edition);
out:
	store_stmt_done(c, st);
	rc = store_write_end(s, c, rc, e);
	if (rc == 0)
		r->id = id;
	return rc;
}

/* One rubric by `sql` (edition in ?1; id, or text when not NULL, in ?2). */
static int rubric_get_where(store *s, struct arena *a, const char *sql,
			    const char *edition, int64_t id, const char *text,
			    struct store_rubric *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, sql, &st, e);
	if (rc == 0) {
		if (edition)
			store_bind_text(st, 1, edition);
		if (text)
			store_bind_text(st, 2, text);
		else
			store_bind_int(st, 2, id);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			rubric_row(a, st, out);
		else if (src == SQLITE_DONE && text)
			rc = err_set(e, ERR_NOTFOUND,
				     "rubric %s in edition %s: no such row",
				     text, edition ? edition : "(any)");
		else if (src == SQLITE_DONE)
			rc = err_set(e, ERR_NOTFOUND,
				     "rubric %lld in edition %s: no such row",
				     (long long)id,
				     edition ? edition : "(any)");
		else
			rc = store_db_err(c, src, e, "rubric");
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

int store_rubric_get(store *s, struct arena *a, int64_t id, const char *edition,
		     struct store_rubric *out, struct err *e)
{
	return rubric_get_where(s, a, RUBRIC_SELECT "AND r.id = ?2", edition,
				id, NULL, out, e);
}

int store_rubric_by_key(store *s, struct arena *a, const char *key,
			const char *edition, struct store_rubric *out,
			struct err *e)
{
	return rubric_get_where(s, a, RUBRIC_SELECT "AND r.key = ?2", edition,
				0, key ? key : "", out, e);
}

int store_rubric_by_slug(store *s, struct arena *a, const char *edition,
			 const char *slug, struct store_rubric *out,
			 struct err *e)
{
	if (!edition)
		return err_set(e, ERR_INVALID,
			       "rubric by slug: edition: "
			       "missing");
	return rubric_get_where(s, a,
				"SELECT r.id, r.key, r.position, t.edition, "
				"t.name, t.slug, t.description FROM "
				"rubric_texts t JOIN rubrics r ON r.id = "
				"t.rubric_id WHERE t.edition = ?1 AND t.slug = "
				"?2",
				edition, 0, slug ? slug : "", out, e);
}

int store_rubric_list(store *s, struct arena *a, const char *edition,
		      struct store_rubric **out, size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, RUBRIC_SELECT "ORDER BY r.position, r.id", &st, e);
	if (rc == 0 && edition)
		store_bind_text(st, 1, edition);
	size_t cap = 0;
	int src = SQLITE_DONE;
	while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct store_rubric *p =
				arena_alloc(a, cap * sizeof *p);
			if (*n)
				memcpy(p, *out, *n * sizeof *p);
			*out = p;
		}
		rubric_row(a, st, &(*out)[(*n)++]);
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "rubrics");
	store_stmt_done(c, st);
	store_read_end(s, c);
	return rc;
}

/* ---- authors -------------------------------------------------------- */

#define AUTHOR_SELECT                                                          \
	"SELECT au.id, au.slug, au.user_id, au.photo_media_id, au.links, "     \
	"t.edition, t.name, t.bio FROM authors au LEFT JOIN author_texts "     \
	"t ON t.author_id = au.id AND t.edition = COALESCE(?1, (SELECT "       \
	"t2.edition FROM author_texts t2 JOIN editions e2 ON e2.code = "       \
	"t2.edition WHERE t2.author_id = au.id ORDER BY e2.position, "         \
	"e2.code LIMIT 1)) WHERE (?1 IS NULL OR t.edition IS NOT NULL) "

static void author_row(struct arena *a, sqlite3_stmt *st,
		       struct store_author *au)
{
	au->id = sqlite3_column_int64(st, 0);
	au->slug = store_col_text(a, st, 1);
	au->user_id = sqlite3_column_int64(st, 2);
	au->photo_media_id = sqlite3_column_int64(st, 3);
	au->links = store_col_text(a, st, 4);
	au->edition = store_col_text(a, st, 5);
	au->name = store_col_text(a, st, 6);
	au->bio = store_col_text(a, st, 7);
}

int store_author_save(store *s, struct store_author *au, struct err *e)
{
	int texts = au->edition && *au->edition;
	if (texts && (!au->name || !*au->name))
		return err_set(e, ERR_INVALID, "author %s: name: empty",
			       au->slug ? au->slug : "");
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int src;
	const char *slug = au->slug && *au->slug ?
				   au->slug :
				   store_slugify(c->scratch, au->name);
	if (!*slug) {
		rc = err_set(e, ERR_INVALID, "author: slug: empty");
		goto out;
	}
	if (texts) {
		int yes;
		rc = store_edition_exists(c, au->edition, &yes, e);
		if (rc == 0 && !yes)
			rc = err_set(e, ERR_INVALID,
				     "author %s: edition: no edition %s", slug,
				     au->edition);
		if (rc)
			goto out;
	}
	if (au->id)
		rc = store_stmt(c,
				"UPDATE authors SET slug = ?2, user_id = ?3, "
				"photo_media_id = ?4, links = ?5 WHERE id = ?1 "
				"RETURNING id",
				&st, e);
	else
		rc = store_stmt(
			c,
			"INSERT INTO authors (slug, user_id, "
			"photo_media_id, links) VALUES (?2, ?3, ?4, ?5) "
			"ON CONFLICT (slug) DO UPDATE SET user_id = "
			"excluded.user_id, photo_media_id = "
			"excluded.photo_media_id, links = "
			"excluded.links RETURNING id",
			&st, e);
	if (rc)
		goto out;
	if (au->id)
		store_bind_int(st, 1, au->id);
	store_bind_text(st, 2, slug);
	store_bind_id(st, 3, au->user_id);
	store_bind_id(st, 4, au->photo_media_id);
	store_bind_text(st, 5, au->links);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (src == SQLITE_DONE)
		rc = err_set(e, ERR_NOTFOUND, "author %lld: no such row",
			     (long long)au->id);
	else if (store_err_code(src) == ERR_CONFLICT)
		rc = err_set(e, ERR_CONFLICT, "author: slug \"%s\" is taken",
			     slug);
	else if (store_err_code(src) == ERR_INVALID)
		rc = err_set(e, ERR_INVALID,
			     "author %s: user_id or photo_media_id: no such "
			     "row",
			     slug);
	else
		rc = store_db_err(c, src, e, "author %s", slug);
	store_stmt_done(c, st);
	st = NULL;
	if (rc || !texts)
		goto out;
	rc = store_stmt(c,
			"INSERT INTO author_texts (author_id, edition, name, "
			"bio) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (author_id, "
			"edition) DO UPDATE SET name = excluded.name, bio = "
			"excluded.bio",
			&st, e);
	if (rc)
		goto out;
	store_bind_int(st, 1, id);
	store_bind_text(st, 2, au->edition);
	store_bind_text(st, 3, au->name);
	store_bind_text(st, 4, au->bio);
	src = sqlite3_step(st);
	if (src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "author %s (%s)", slug,
				  au->edition);
out:
	store_stmt_done(c, st);
	rc = store_write_end(s, c, rc, e);
	if (rc == 0)
		au->id = id;
	return rc;
}

static int author_get_where(store *s, struct arena *a, const char *sql,
			    const char *edition, int64_t id, const char *slug,
			    struct store_author *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, sql, &st, e);
	if (rc == 0) {
		if (edition)
			store_bind_text(st, 1, edition);
		if (slug)
			store_bind_text(st, 2, slug);
		else
			store_bind_int(st, 2, id);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			author_row(a, st, out);
		else if (src == SQLITE_DONE && slug)
			rc = err_set(e, ERR_NOTFOUND,
				     "author %s in edition %s: no such row",
				     slug, edition ? edition : "(any)");
		else if (src == SQLITE_DONE)
			rc = err_set(e, ERR_NOTFOUND,
				     "author %lld in edition %s: no such row",
				     (long long)id,
				     edition ? edition : "(any)");
		else
			rc = store_db_err(c, src, e, "author");
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

int store_author_get(store *s, struct arena *a, int64_t id, const char *edition,
		     struct store_author *out, struct err *e)
{
	return author_get_where(s, a, AUTHOR_SELECT "AND au.id = ?2", edition,
				id, NULL, out, e);
}

int store_author_by_slug(store *s, struct arena *a, const char *slug,
			 const char *edition, struct store_author *out,
			 struct err *e)
{
	return author_get_where(s, a, AUTHOR_SELECT "AND au.slug = ?2", edition,
				0, slug ? slug : "", out, e);
}

int store_author_list(store *s, struct arena *a, const char *edition,
		      struct store_author **out, size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, AUTHOR_SELECT "ORDER BY t.name, au.slug", &st, e);
	if (rc == 0 && edition)
		store_bind_text(st, 1, edition);
	size_t cap = 0;
	int src = SQLITE_DONE;
	while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct store_author *p =
				arena_alloc(a, cap * sizeof *p);
			if (*n)
				memcpy(p, *out, *n * sizeof *p);
			*out = p;
		}
		author_row(a, st, &(*out)[(*n)++]);
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "authors");
	store_stmt_done(c, st);
	store_read_end(s, c);
	return rc;
}

/* ---- redirects ------------------------------------------------------ */

int store_redirect_add(store *s, const char *from_path, const char *to_path,
		       int code, struct err *e)
{
	if (!from_path || from_path[0] != '/')
		return err_set(e, ERR_INVALID,
			       "redirect: from_path: must start with /");
	if (!to_path || !*to_path)
		return err_set(e, ERR_INVALID, "redirect %s: to_path: empty",
			       from_path);
	if (strcmp(from_path, to_path) == 0)
		return err_set(e, ERR_INVALID,
			       "redirect %s: to_path: same as from_path",
			       from_path);
	if (code != 301 && code != 302 && code != 307 && code != 308)
		return err_set(e, ERR_INVALID,
			       "redirect %s: code: %d is not 301, 302, 307 "
			       "or 308",
			       from_path, code);
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	/* Keep chains one hop long and loop-free: old redirects to
	 * from_path now go to to_path, and to_path is a live page again. */
	static const char *const sql[] = {
		"UPDATE redirects SET to_path = ?2 WHERE to_path = ?1",
		"DELETE FROM redirects WHERE from_path = ?2",
		"INSERT INTO redirects (from_path, to_path, code, created_at) "
		"VALUES (?1, ?2, ?3, ?4) ON CONFLICT (from_path) DO UPDATE SET "
		"to_path = excluded.to_path, code = excluded.code, "
		"created_at = excluded.created_at",
	};
	for (size_t i = 0; rc == 0 && i < sizeof sql / sizeof *sql; i++) {
		sqlite3_stmt *st;
		rc = store_stmt(c, sql[i], &st, e);
		if (rc)
			break;
		store_bind_text(st, 1, from_path);
		store_bind_text(st, 2, to_path);
		if (i == 2) {
			store_bind_int(st, 3, code);
			store_bind_int(st, 4, (int64_t)time(NULL));
		}
		int src = sqlite3_step(st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "redirect %s", from_path);
		store_stmt_done(c, st);
	}
	return store_write_end(s, c, rc, e);
}

int store_redirect_find(store *s, struct arena *a, const char *from_path,
			char **to_path, int *code, struct err *e)
{
	*to_path = NULL;
	if (code)
		*code = 0;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"SELECT to_path, code FROM redirects WHERE from_path = "
			"?1",
			&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, from_path);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW) {
			*to_path = store_col_text(a, st, 0);
			if (code)
				*code = sqlite3_column_int(st, 1);
		} else if (src != SQLITE_DONE) {
			rc = store_db_err(c, src, e, "redirect %s", from_path);
		}
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

/* Matches of store_redirect_list: ?1 is q ("" matches all). */
#define REDIRECT_WHERE                                                         \
	"(?1 = '' OR instr(from_path, ?1) > 0 OR instr(to_path, ?1) > 0)"

int store_redirect_list(store *s, struct arena *a, const char *q,
			size_t offset, size_t limit,
			struct store_redirect **out, size_t *n, size_t *total,
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
				"SELECT COUNT(*) FROM redirects WHERE "
				REDIRECT_WHERE,
				&st, e);
		if (rc == 0) {
			store_bind_text(st, 1, q);
			int src = sqlite3_step(st);
			if (src == SQLITE_ROW)
				*total = (size_t)sqlite3_column_int64(st, 0);
			else
				rc = store_db_err(c, src, e, "redirects");
			store_stmt_done(c, st);
		}
	}
	if (rc == 0)
		rc = store_stmt(c,
				"SELECT from_path, to_path, code, created_at "
				"FROM redirects WHERE " REDIRECT_WHERE
				" ORDER BY created_at DESC, from_path LIMIT ?2 "
				"OFFSET ?3",
				&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, q);
		store_bind_int(st, 2, (int64_t)limit);
		store_bind_int(st, 3, (int64_t)offset);
		*out = arena_alloc(a, limit * sizeof **out);
		int src;
		while ((src = sqlite3_step(st)) == SQLITE_ROW) {
			struct store_redirect *rd = &(*out)[(*n)++];
			rd->from_path = store_col_text(a, st, 0);
			rd->to_path = store_col_text(a, st, 1);
			rd->code = sqlite3_column_int(st, 2);
			rd->created_at = sqlite3_column_int64(st, 3);
		}
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "redirects");
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

int store_redirect_delete(store *s, const char *from_path, struct err *e)
{
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, "DELETE FROM redirects WHERE from_path = ?1", &st,
			e);
	if (rc == 0) {
		store_bind_text(st, 1, from_path);
		int src = sqlite3_step(st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "redirect %s",
					  from_path ? from_path : "");
		else if (sqlite3_changes(c->db) == 0)
			rc = err_set(e, ERR_NOTFOUND,
				     "redirect %s: no such redirect",
				     from_path ? from_path : "");
		store_stmt_done(c, st);
	}
	return store_write_end(s, c, rc, e);
}

/* ---- audit log ------------------------------------------------------ */

int store_audit_add(store *s, int64_t user_id, const char *action,
		    const char *object_type, int64_t object_id,
		    const char *detail, struct err *e)
{
	if (!action || !*action)
		return err_set(e, ERR_INVALID, "audit: action: empty");
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"INSERT INTO audit_log (at, user_id, action, "
			"object_type, object_id, detail) VALUES (?1, ?2, ?3, "
			"?4, ?5, ?6)",
			&st, e);
	if (rc == 0) {
		store_bind_int(st, 1, (int64_t)time(NULL));
		store_bind_id(st, 2, user_id);
		store_bind_text(st, 3, action);
		store_bind_text(st, 4, object_type);
		store_bind_int(st, 5, object_id);
		store_bind_text(st, 6, detail);
		int src = sqlite3_step(st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "audit %s", action);
		store_stmt_done(c, st);
	}
	return store_write_end(s, c, rc, e);
}

int store_audit_list(store *s, struct arena *a, const char *object_type,
		     int64_t object_id, size_t offset, size_t limit,
		     struct store_audit **out, size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	if (limit == 0 || limit > 1000)
		limit = limit ? 1000 : 100;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"SELECT id, at, user_id, action, object_type, "
			"object_id, detail FROM audit_log WHERE (?1 IS NULL OR "
			"(object_type = ?1 AND (?2 = 0 OR object_id = ?2))) "
			"ORDER BY id DESC LIMIT ?3 OFFSET ?4",
			&st, e);
	if (rc == 0) {
		if (object_type)
			store_bind_text(st, 1, object_type);
		store_bind_int(st, 2, object_id);
		store_bind_int(st, 3, (int64_t)limit);
		store_bind_int(st, 4, (int64_t)offset);
		*out = arena_alloc(a, limit * sizeof **out);
	}
	int src = SQLITE_DONE;
	while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_audit *r = &(*out)[(*n)++];
		r->id = sqlite3_column_int64(st, 0);
		r->at = sqlite3_column_int64(st, 1);
		r->user_id = sqlite3_column_int64(st, 2);
		r->action = store_col_text(a, st, 3);
		r->object_type = store_col_text(a, st, 4);
		r->object_id = sqlite3_column_int64(st, 5);
		r->detail = store_col_text(a, st, 6);
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "audit log");
	store_stmt_done(c, st);
	store_read_end(s, c);
	return rc;
}
