/*
 * sqlite_article.c - SQLite backend of articles: save (with authors,
 * tags and a revision), reads, the scheduler, view counts and tags.
 *
 * For: every store_article_*, store_tag_by_slug and friends, and
 * store_views_add. Reading revisions is in sqlite_revision.c, tag
 * management in sqlite_tag.c. The list query with its filters is in
 * sqlite_article_list.c; both share article_row and the relation loader
 * declared in internal.h.
 * Not for: Markdown rendering (the caller passes body_html), slugs of new
 * articles (the newsroom calls store_slugify), redirects on slug changes
 * (the HTTP layer knows the URL scheme and calls store_redirect_add).
 *
 * Speed: store_article_save uses cached statements only, no SELECT
 * before an INSERT except the edition check, the new id and the tag
 * lookup, no second write of a row, and an UPDATE ... WHERE version = ?
 * instead of read-then-write. Bulk loads (100,000 articles per edition
 * from the demo generator) go through store_article_insert_many, which
 * also batches the search index writes (see there).
 */
#include "store/internal.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- validation ----------------------------------------------------- */

static const char *const kinds[] = {
	"news", "analysis", "interview", "opinion", "report", "column",
};

static int kind_valid(const char *k)
{
	for (size_t i = 0; k && i < sizeof kinds / sizeof *kinds; i++)
		if (strcmp(k, kinds[i]) == 0)
			return 1;
	return 0;
}

/* "article 12" or "article (new)" for messages. */
static const char *art_name(char *buf, size_t n, int64_t id)
{
	if (id)
		snprintf(buf, n, "article %" PRId64, id);
	else
		snprintf(buf, n, "new article");
	return buf;
}

static int article_validate(const struct store_article *art, struct err *e)
{
	char nm[48];
	art_name(nm, sizeof nm, art->id);
	if (!art->edition || !*art->edition)
		return err_set(e, ERR_INVALID, "%s: edition: empty", nm);
	if (!art->slug || !*art->slug)
		return err_set(e, ERR_INVALID, "%s: slug: empty", nm);
	if (strlen(art->slug) > 200)
		return err_set(e, ERR_INVALID,
			       "%s: slug: longer than 200 bytes", nm);
	if (!art->title || !*art->title)
		return err_set(e, ERR_INVALID, "%s: title: empty", nm);
	if (!kind_valid(art->kind))
		return err_set(e, ERR_INVALID,
			       "%s: kind: \"%s\" is not one of news, analysis, "
			       "interview, opinion, report, column",
			       nm, art->kind ? art->kind : "");
	if ((int)art->status < STORE_STATUS_DRAFT ||
	    art->status > STORE_STATUS_UNPUBLISHED)
		return err_set(e, ERR_INVALID, "%s: status: %d is not valid",
			       nm, (int)art->status);
	if (art->status == STORE_STATUS_SCHEDULED && art->publish_at <= 0)
		return err_set(e, ERR_INVALID,
			       "%s: publish_at: a scheduled article needs a "
			       "time",
			       nm);
	if (art->n_authors && !art->author_ids)
		return err_set(e, ERR_INVALID, "%s: author_ids: missing", nm);
	if (art->n_tags && !art->tags)
		return err_set(e, ERR_INVALID, "%s: tags: missing", nm);
	return 0;
}

/* After a foreign key failure: which reference was bad. */
static int fk_explain(struct store_conn *c, const struct store_article *art,
		      int64_t user_id, struct err *e)
{
	char nm[48];
	art_name(nm, sizeof nm, art->id);
	static const struct {
		const char *sql, *field;
	} refs[] = {
		{"SELECT 1 FROM rubrics WHERE id = ?1", "rubric_id"},
		{"SELECT 1 FROM media WHERE id = ?1", "lead_media_id"},
		{"SELECT 1 FROM users WHERE id = ?1", "user_id"},
	};
	int64_t ids[] = {art->rubric_id, art->lead_media_id, user_id};
	for (size_t i = 0; i < sizeof refs / sizeof *refs; i++) {
		if (!ids[i])
			continue;
		sqlite3_stmt *st;
		if (store_stmt(c, refs[i].sql, &st, NULL))
			break;
		store_bind_int(st, 1, ids[i]);
		int found = sqlite3_step(st) == SQLITE_ROW;
		store_stmt_done(c, st);
		if (!found)
			return err_set(e, ERR_INVALID,
				       "%s: %s: %" PRId64 " does not exist", nm,
				       refs[i].field, ids[i]);
	}
	for (size_t i = 0; i < art->n_authors; i++) {
		sqlite3_stmt *st;
		if (!art->author_ids[i] ||
		    store_stmt(c, "SELECT 1 FROM authors WHERE id = ?1", &st,
			       NULL))
			continue;
		store_bind_int(st, 1, art->author_ids[i]);
		int found = sqlite3_step(st) == SQLITE_ROW;
		store_stmt_done(c, st);
		if (!found)
			return err_set(e, ERR_INVALID,
				       "%s: author_ids: author %" PRId64
				       " does not exist",
				       nm, art->author_ids[i]);
	}
	return err_set(e, ERR_INVALID, "%s: a reference does not exist", nm);
}

/* Map a failed step of an article write to an ERR_* with context. */
static int save_err(struct store_conn *c, int src,
		    const struct store_article *art, int64_t user_id,
		    struct err *e)
{
	if (src == SQLITE_CONSTRAINT_FOREIGNKEY)
		return fk_explain(c, art, user_id, e);
	if (store_err_code(src) == ERR_CONFLICT)
		return err_set(e, ERR_CONFLICT,
			       "slug \"%s\" is already taken in edition %s",
			       art->slug, art->edition);
	char nm[48];
	return store_db_err(c, src, e, "%s", art_name(nm, sizeof nm, art->id));
}

/* ---- save ----------------------------------------------------------- */

/* Bind the content columns shared by INSERT and UPDATE (?2..?19). */
static void bind_content(sqlite3_stmt *st, const struct store_article *art,
			 int64_t publish_at)
{
	store_bind_text(st, 2, art->edition);
	store_bind_text(st, 3, art->slug);
	store_bind_text(st, 4, art->kind);
	store_bind_text(st, 5, art->title);
	store_bind_text(st, 6, art->lead);
	store_bind_text(st, 7, art->body_md);
	store_bind_text(st, 8, art->body_html);
	store_bind_id(st, 9, art->rubric_id);
	store_bind_int(st, 10, art->status);
	store_bind_int(st, 11, publish_at);
	store_bind_int(st, 12, art->featured ? 1 : 0);
	store_bind_int(st, 13, art->breaking ? 1 : 0);
	store_bind_int(st, 14, art->pinned ? 1 : 0);
	store_bind_text(st, 15, art->seo_title);
	store_bind_text(st, 16, art->seo_description);
	store_bind_id(st, 17, art->lead_media_id);
	store_bind_text(st, 18, art->correction);
	store_bind_int(st, 19, art->correction_at);
}

struct saved {
	int64_t id, group, version, created_at, updated_at, publish_at;
};

/* The id the next new article gets, on the writer c. The id is picked
 * before the INSERT (we hold the writer) so that a new translation group
 * can name it in the same INSERT: updating the row afterwards would
 * rewrite all of it, bodies included. */
static int next_article_id(struct store_conn *c, int64_t *id, struct err *e)
{
	sqlite3_stmt *st;
	int rc = store_stmt(c, "SELECT IFNULL(MAX(id), 0) + 1 FROM articles",
			    &st, e);
	if (rc)
		return rc;
	int src = sqlite3_step(st);
	*id = sqlite3_column_int64(st, 0);
	store_stmt_done(c, st);
	if (src != SQLITE_ROW)
		return store_db_err(c, src, e, "new article id");
	return 0;
}

/* INSERT the row of a new article with id sv->id and group sv->group
 * (both set by the caller). */
static int save_insert(struct store_conn *c, const struct store_article *art,
		       int64_t user_id, struct saved *sv, struct err *e)
{
	sv->version = 1;
	sqlite3_stmt *st;
	int rc = store_stmt(
		c,
		"INSERT INTO articles (translation_group, edition, slug, kind, "
		"title, lead, body_md, body_html, rubric_id, status, "
		"publish_at, featured, breaking, pinned, seo_title, "
		"seo_description, lead_media_id, correction, correction_at, "
		"created_at, updated_at, id, version) VALUES (?1, ?2, ?3, ?4, "
		"?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
		"?18, ?19, ?20, ?21, ?22, 1)",
		&st, e);
	if (rc)
		return rc;
	store_bind_int(st, 1, sv->group);
	bind_content(st, art, sv->publish_at);
	store_bind_int(st, 20, sv->created_at);
	store_bind_int(st, 21, sv->updated_at);
	store_bind_int(st, 22, sv->id);
	int src = sqlite3_step(st);
	store_stmt_done(c, st);
	if (src != SQLITE_DONE)
		return save_err(c, src, art, user_id, e);
	return 0;
}

static int save_update(struct store_conn *c, const struct store_article *art,
		       int64_t user_id, struct saved *sv, struct err *e)
{
	sqlite3_stmt *st;
	int rc = store_stmt(
		c,
		"UPDATE articles SET translation_group = CASE WHEN ?1 = 0 THEN "
		"translation_group ELSE ?1 END, edition = ?2, slug = ?3, kind "
		"= ?4, title = ?5, lead = ?6, body_md = ?7, body_html = ?8, "
		"rubric_id = ?9, status = ?10, publish_at = ?11, featured = "
		"?12, breaking = ?13, pinned = ?14, seo_title = ?15, "
		"seo_description = ?16, lead_media_id = ?17, correction = ?18, "
		"correction_at = ?19, updated_at = ?21, version = version + 1 "
		"WHERE id = ?22 AND version = ?23 RETURNING version, "
		"translation_group, created_at",
		&st, e);
	if (rc)
		return rc;
	store_bind_int(st, 1, art->translation_group);
	bind_content(st, art, sv->publish_at);
	store_bind_int(st, 21, sv->updated_at);
	store_bind_int(st, 22, art->id);
	store_bind_int(st, 23, art->version);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		sv->id = art->id;
		sv->version = sqlite3_column_int64(st, 0);
		sv->group = sqlite3_column_int64(st, 1);
		sv->created_at = sqlite3_column_int64(st, 2);
	}
	store_stmt_done(c, st);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return save_err(c, src, art, user_id, e);
	if (src == SQLITE_ROW)
		return 0;

	/* No row: either gone or changed since the caller read it. */
	rc = store_stmt(c, "SELECT version FROM articles WHERE id = ?1", &st,
			e);
	if (rc)
		return rc;
	store_bind_int(st, 1, art->id);
	src = sqlite3_step(st);
	int64_t now_version = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) :
						  0;
	store_stmt_done(c, st);
	if (src == SQLITE_ROW)
		return err_set(e, ERR_CONFLICT,
			       "article %" PRId64
			       " was changed by someone else (version %" PRId64
			       ", you had %" PRId64 ")",
			       art->id, now_version, art->version);
	if (src == SQLITE_DONE)
		return err_set(e, ERR_NOTFOUND,
			       "article %" PRId64 ": no such row", art->id);
	return store_db_err(c, src, e, "article %" PRId64, art->id);
}

/* Run `sql` with ?1 = id (DELETE of the old authors/tags). */
static int exec_id(struct store_conn *c, const char *sql, int64_t id,
		   struct err *e)
{
	sqlite3_stmt *st;
	int rc = store_stmt(c, sql, &st, e);
	if (rc)
		return rc;
	store_bind_int(st, 1, id);
	int src = sqlite3_step(st);
	if (src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "article %" PRId64, id);
	store_stmt_done(c, st);
	return rc;
}

static int save_authors(struct store_conn *c, const struct store_article *art,
			int64_t id, int64_t user_id, struct err *e)
{
	if (!art->n_authors)
		return 0;
	sqlite3_stmt *st;
	int rc =
		store_stmt(c,
			   "INSERT OR IGNORE INTO article_authors (article_id, "
			   "author_id, position) VALUES (?1, ?2, ?3)",
			   &st, e);
	for (size_t i = 0; rc == 0 && i < art->n_authors; i++) {
		if (!art->author_ids[i])
			continue;
		store_bind_int(st, 1, id);
		store_bind_int(st, 2, art->author_ids[i]);
		store_bind_int(st, 3, (int64_t)i);
		int src = sqlite3_step(st);
		sqlite3_reset(st);
		if (src != SQLITE_DONE) {
			store_stmt_done(c, st);
			return save_err(c, src, art, user_id, e);
		}
	}
	store_stmt_done(c, st);
	return rc;
}

/* Slug of a tag: its own, else from its name, else a hash of the name
 * (names in scripts the slugifier does not know). Scratch memory. */
static const char *tag_slug(struct store_conn *c, const struct store_tag *t)
{
	if (t->slug && *t->slug)
		return t->slug;
	const char *slug = store_slugify(c->scratch, t->name);
	if (*slug)
		return slug;
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)t->name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return arena_printf(c->scratch, "t%08x", h);
}

/* Id of tag (edition, slug), created with `name` when missing. */
static int tag_id(struct store_conn *c, const char *edition, const char *name,
		  const char *slug, int64_t *id, struct err *e)
{
	sqlite3_stmt *st;
	int rc = store_stmt(c,
			    "SELECT id FROM tags WHERE edition = ?1 AND slug = "
			    "?2",
			    &st, e);
	if (rc)
		return rc;
	store_bind_text(st, 1, edition);
	store_bind_text(st, 2, slug);
	int src = sqlite3_step(st);
	*id = src == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	store_stmt_done(c, st);
	if (src == SQLITE_ROW)
		return 0;
	if (src != SQLITE_DONE)
		return store_db_err(c, src, e, "tag %s", slug);
	rc = store_stmt(
		c,
		"INSERT INTO tags (edition, name, slug) VALUES (?1, ?2, "
		"?3)",
		&st, e);
	if (rc)
		return rc;
	store_bind_text(st, 1, edition);
	store_bind_text(st, 2, name);
	store_bind_text(st, 3, slug);
	src = sqlite3_step(st);
	store_stmt_done(c, st);
	if (src != SQLITE_DONE)
		return store_db_err(c, src, e, "tag %s", slug);
	*id = sqlite3_last_insert_rowid(c->db);
	return 0;
}

static int save_tags(struct store_conn *c, const struct store_article *art,
		     int64_t id, struct err *e)
{
	for (size_t i = 0; i < art->n_tags; i++) {
		const struct store_tag *t = &art->tags[i];
		if (!t->name || !*t->name)
			continue;
		int64_t tid;
		int rc = tag_id(c, art->edition, t->name, tag_slug(c, t), &tid,
				e);
		if (rc)
			return rc;
		sqlite3_stmt *st;
		rc = store_stmt(
			c,
			"INSERT OR IGNORE INTO article_tags (article_id, "
			"tag_id, position) VALUES (?1, ?2, ?3)",
			&st, e);
		if (rc)
			return rc;
		store_bind_int(st, 1, id);
		store_bind_int(st, 2, tid);
		store_bind_int(st, 3, (int64_t)i);
		int src = sqlite3_step(st);
		store_stmt_done(c, st);
		if (src != SQLITE_DONE)
			return store_db_err(c, src, e,
					    "article %" PRId64 " tags", id);
	}
	return 0;
}

static int save_revision(struct store_conn *c, const struct store_article *art,
			 int64_t user_id, const struct saved *sv, struct err *e)
{
	sqlite3_stmt *st;
	int rc = store_stmt(c,
			    "INSERT INTO revisions (article_id, number, "
			    "user_id, created_at, autosave, title, lead, "
			    "body_md) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7)",
			    &st, e);
	if (rc)
		return rc;
	store_bind_int(st, 1, sv->id);
	store_bind_int(st, 2, sv->version);
	store_bind_id(st, 3, user_id);
	store_bind_int(st, 4, sv->updated_at);
	store_bind_text(st, 5, art->title);
	store_bind_text(st, 6, art->lead);
	store_bind_text(st, 7, art->body_md);
	int src = sqlite3_step(st);
	store_stmt_done(c, st);
	if (src != SQLITE_DONE)
		return save_err(c, src, art, user_id, e);
	return 0;
}

int store_article_save(store *s, struct store_article *art, int64_t user_id,
		       struct err *e)
{
	int rc = article_validate(art, e);
	if (rc)
		return rc;
	int64_t now = (int64_t)time(NULL);
	struct saved sv = {
		.created_at = art->created_at ? art->created_at : now,
		.updated_at = now,
		.publish_at = art->publish_at,
	};
	/* Published without a time means "now", so that it sorts first. */
	if (art->status == STORE_STATUS_PUBLISHED && sv.publish_at <= 0)
		sv.publish_at = now;

	struct store_conn *c;
	rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	int yes = 0;
	rc = store_edition_exists(c, art->edition, &yes, e);
	if (rc == 0 && !yes) {
		char nm[48];
		rc = err_set(e, ERR_INVALID, "%s: edition: no edition %s",
			     art_name(nm, sizeof nm, art->id), art->edition);
	}
	if (rc == 0 && art->id) {
		rc = save_update(c, art, user_id, &sv, e);
		if (rc == 0)
			rc = exec_id(c,
				     "DELETE FROM article_authors WHERE "
				     "article_id = ?1",
				     sv.id, e);
		if (rc == 0)
			rc = exec_id(
				c,
				"DELETE FROM article_tags WHERE article_id "
				"= ?1",
				sv.id, e);
	} else if (rc == 0) {
		rc = next_article_id(c, &sv.id, e);
		sv.group = art->translation_group ? art->translation_group :
						    sv.id;
		if (rc == 0)
			rc = save_insert(c, art, user_id, &sv, e);
	}
	if (rc == 0)
		rc = save_authors(c, art, sv.id, user_id, e);
	if (rc == 0)
		rc = save_tags(c, art, sv.id, e);
	/* Search index, in the same transaction: it reads the authors and
	 * tags just written. */
	if (rc == 0)
		rc = store_search_article_put(c, sv.id, art->edition,
					      art->id != 0, e);
	if (rc == 0)
		rc = save_revision(c, art, user_id, &sv, e);
	rc = store_write_end(s, c, rc, e);
	if (rc == 0) {
		art->id = sv.id;
		art->version = sv.version;
		art->translation_group = sv.group;
		art->created_at = sv.created_at;
		art->updated_at = sv.updated_at;
		art->publish_at = sv.publish_at;
	}
	return rc;
}

/* ---- bulk insert ---------------------------------------------------- */

/* Put "article i (edition/slug)" in front of the message in e. */
static int many_fail(struct err *e, int rc, size_t i,
		     const struct store_article *art)
{
	char inner[sizeof e->msg];
	snprintf(inner, sizeof inner, "%s", e->msg);
	return err_set(e, rc, "article %zu of the batch (%s/%s): %s", i,
		       art->edition ? art->edition : "",
		       art->slug ? art->slug : "", inner);
}

/*
 * Why a second insert path: the search index is made of FTS5 tables, and
 * FTS5 (3.40) writes its pending terms out as a new segment at every
 * savepoint. Inside a bulk transaction each store_article_save is a
 * savepoint, so saving articles one by one made one tiny segment per
 * article and merged them over and over: over a quarter of the demo
 * generator's time (perf). Here the call is one savepoint: all the rows
 * go first and all the index writes after them, so the terms stay in
 * FTS5's memory until it holds enough to write a large segment. Skipping
 * the revision saves a copy of each body.
 */
int store_article_insert_many(store *s, struct store_article *arts, size_t n,
			      unsigned flags, struct err *e)
{
	if (n == 0)
		return 0;
	if (!arts)
		return err_set(e, ERR_INVALID, "bulk insert: no articles");
	for (size_t i = 0; i < n; i++) {
		const struct store_article *art = &arts[i];
		int rc = article_validate(art, e);
		if (rc == 0 && art->id)
			rc = err_set(e, ERR_INVALID,
				     "id: %" PRId64 " given, must be 0",
				     art->id);
		if (rc == 0 && art->translation_group < 0 &&
		    (art->translation_group != STORE_GROUP_PREVIOUS || i == 0))
			rc = err_set(e, ERR_INVALID,
				     "translation_group: %" PRId64
				     " is not valid here",
				     art->translation_group);
		if (rc)
			return many_fail(e, rc, i, art);
	}

	int64_t now = (int64_t)time(NULL);
	struct saved *sv = xcalloc(n, sizeof *sv);
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc) {
		free(sv);
		return rc;
	}
	int64_t id = 0;
	rc = next_article_id(c, &id, e);
	const char *checked = NULL; /* last edition known to exist */
	size_t i = 0;
	for (; rc == 0 && i < n; i++) {
		const struct store_article *art = &arts[i];
		if (!checked || strcmp(checked, art->edition) != 0) {
			int yes = 0;
			rc = store_edition_exists(c, art->edition, &yes, e);
			if (rc == 0 && !yes)
				rc = err_set(e, ERR_INVALID,
					     "edition: no edition %s",
					     art->edition);
			if (rc)
				break;
			checked = art->edition;
		}
		sv[i] = (struct saved){
			.id = id++,
			.created_at = art->created_at ? art->created_at : now,
			.updated_at = now,
			.publish_at = art->publish_at,
		};
		if (art->status == STORE_STATUS_PUBLISHED &&
		    sv[i].publish_at <= 0)
			sv[i].publish_at = now;
		sv[i].group = art->translation_group == STORE_GROUP_PREVIOUS ?
				      sv[i - 1].group :
			      art->translation_group ? art->translation_group :
						       sv[i].id;
		rc = save_insert(c, art, 0, &sv[i], e);
		if (rc == 0)
			rc = save_authors(c, art, sv[i].id, 0, e);
		if (rc == 0)
			rc = save_tags(c, art, sv[i].id, e);
		if (rc)
			break;
	}
	/* Later: a backlog mark per edition, at its first (lowest) id. */
	for (size_t k = 0; rc == 0 && (flags & STORE_BULK_INDEX_LATER) && k < n;
	     k++) {
		int first = 1;
		for (size_t j = 0; first && j < k; j++)
			first = strcmp(arts[j].edition, arts[k].edition) != 0;
		if (first)
			rc = store_search_backlog_add(c, arts[k].edition,
						      sv[k].id, e);
		if (rc)
			i = k;
	}
	/* Now: the index reads the authors and tags written above. */
	for (size_t k = 0;
	     rc == 0 && !(flags & STORE_BULK_INDEX_LATER) && k < n; k++) {
		rc = store_search_article_put(c, sv[k].id, arts[k].edition, 0,
					      e);
		if (rc)
			i = k;
		/* documents are built in scratch memory: one at a time */
		arena_reset(c->scratch);
	}
	if (rc)
		rc = many_fail(e, rc, i, &arts[i]);
	rc = store_write_end(s, c, rc, e);
	for (size_t k = 0; rc == 0 && k < n; k++) {
		arts[k].id = sv[k].id;
		arts[k].version = sv[k].version;
		arts[k].translation_group = sv[k].group;
		arts[k].created_at = sv[k].created_at;
		arts[k].updated_at = sv[k].updated_at;
		arts[k].publish_at = sv[k].publish_at;
	}
	free(sv);
	return rc;
}

/* ---- reads ---------------------------------------------------------- */

void store_article_row(struct arena *a, sqlite3_stmt *st,
		       struct store_article *art)
{
	memset(art, 0, sizeof *art);
	art->id = sqlite3_column_int64(st, 0);
	art->translation_group = sqlite3_column_int64(st, 1);
	art->edition = store_col_text(a, st, 2);
	art->slug = store_col_text(a, st, 3);
	art->kind = store_col_text(a, st, 4);
	art->title = store_col_text(a, st, 5);
	art->lead = store_col_text(a, st, 6);
	art->body_md = store_col_text(a, st, 7);
	art->body_html = store_col_text(a, st, 8);
	art->rubric_id = sqlite3_column_int64(st, 9);
	art->status = (enum store_status)sqlite3_column_int(st, 10);
	art->publish_at = sqlite3_column_int64(st, 11);
	art->created_at = sqlite3_column_int64(st, 12);
	art->updated_at = sqlite3_column_int64(st, 13);
	art->version = sqlite3_column_int64(st, 14);
	art->featured = sqlite3_column_int(st, 15);
	art->breaking = sqlite3_column_int(st, 16);
	art->pinned = sqlite3_column_int(st, 17);
	art->seo_title = store_col_text(a, st, 18);
	art->seo_description = store_col_text(a, st, 19);
	art->lead_media_id = sqlite3_column_int64(st, 20);
	art->correction = store_col_text(a, st, 21);
	art->correction_at = sqlite3_column_int64(st, 22);
	art->views = sqlite3_column_int64(st, 23);
}

/* A relation row: the page position of its article (index into arts),
 * its position within that article, and the author id or the tag. */
struct rel_row {
	size_t key;
	int64_t pos;
	int64_t author;
	struct store_tag tag;
};

/* Sort rows by (key, pos). Insertion sort: the rows come from SQLite
 * already nearly in order (it walks the ids in page order and each
 * article's rows by primary key), so this is about one pass; an ORDER
 * BY made SQLite build a temporary B-tree for a handful of rows. */
static void rel_rows_sort(struct rel_row *r, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct rel_row x = r[i];
		size_t j = i;
		while (j > 0 &&
		       (r[j - 1].key > x.key ||
			(r[j - 1].key == x.key && r[j - 1].pos > x.pos))) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = x;
	}
}

/* Step st (columns: key, position, then author id or tag id, edition,
 * name, slug when tags) into *rows (heap, grown; caller frees). */
static int rel_rows_read(struct store_conn *c, struct arena *a,
			 sqlite3_stmt *st, int tags, struct rel_row **rows,
			 size_t *n, const char *what, struct err *e)
{
	size_t cap = 0;
	int src;
	*rows = NULL;
	*n = 0;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*rows = xrealloc(*rows, cap * sizeof **rows);
		}
		struct rel_row *r = &(*rows)[(*n)++];
		memset(r, 0, sizeof *r);
		r->key = (size_t)sqlite3_column_int64(st, 0);
		r->pos = sqlite3_column_int64(st, 1);
		if (!tags) {
			r->author = sqlite3_column_int64(st, 2);
			continue;
		}
		r->tag.id = sqlite3_column_int64(st, 2);
		r->tag.edition = store_col_text(a, st, 3);
		r->tag.name = store_col_text(a, st, 4);
		r->tag.slug = store_col_text(a, st, 5);
	}
	if (src != SQLITE_DONE)
		return store_db_err(c, src, e, "%s", what);
	rel_rows_sort(*rows, *n);
	return 0;
}

/* ids of arts[0..n) as a JSON array into b, for json_each. */
static void rel_ids_json(struct buf *b, const struct store_article *arts,
			 size_t n)
{
	buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		char num[24], *p = num + sizeof num;
		uint64_t v = (uint64_t)arts[i].id;
		do
			*--p = (char)('0' + v % 10);
		while (v /= 10);
		if (i)
			buf_putc(b, ',');
		buf_append(b, p, (size_t)(num + sizeof num - p));
	}
	buf_putc(b, ']');
}

/* Prepare the relation query (one ? sql_one : sql_list) for arts[0..n)
 * and bind it: one article (an article page) by its id, a list by its
 * ids as a JSON array, whose j.key is the page position. */
static int rel_stmt(struct store_conn *c, struct arena *a,
		    const struct store_article *arts, size_t n,
		    const char *sql_one, const char *sql_list,
		    sqlite3_stmt **st, struct err *e)
{
	int rc = store_stmt(c, n == 1 ? sql_one : sql_list, st, e);
	if (rc)
		return rc;
	if (n == 1) {
		sqlite3_bind_int64(*st, 1, arts[0].id);
		return 0;
	}
	struct buf ids;
	buf_init(&ids, a);
	rel_ids_json(&ids, arts, n);
	/* the arena copy outlives the statement's use */
	sqlite3_bind_text(*st, 1, ids.data, (int)ids.len, SQLITE_STATIC);
	return 0;
}

int store_article_authors(struct store_conn *c, struct arena *a,
			  struct store_article *arts, size_t n, struct err *e)
{
	if (n == 0)
		return 0;
	sqlite3_stmt *st;
	int rc = rel_stmt(c, a, arts, n,
			  "SELECT 0, position, author_id FROM article_authors "
			  "WHERE article_id = ?1",
			  "SELECT j.key, aa.position, aa.author_id FROM "
			  "json_each(?1) j JOIN article_authors aa ON "
			  "aa.article_id = j.value",
			  &st, e);
	if (rc)
		return rc;
	struct rel_row *rows;
	size_t nr;
	rc = rel_rows_read(c, a, st, 0, &rows, &nr, "article authors", e);
	store_stmt_done(c, st);
	if (rc) {
		free(rows);
		return rc;
	}
	/* Each article's authors are one contiguous run of one array. */
	int64_t *all = nr ? arena_alloc(a, nr * sizeof *all) : NULL;
	for (size_t i = 0; i < nr; i++) {
		if (rows[i].key >= n)
			continue; /* json_each gives 0..n-1 */
		struct store_article *art = &arts[rows[i].key];
		all[i] = rows[i].author;
		if (!art->n_authors)
			art->author_ids = &all[i];
		art->n_authors++;
	}
	free(rows);
	return 0;
}

int store_article_relations(struct store_conn *c, struct arena *a,
			    struct store_article *arts, size_t n, struct err *e)
{
	if (n == 0)
		return 0;
	int rc = store_article_authors(c, a, arts, n, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = rel_stmt(c, a, arts, n,
		      "SELECT 0, at.position, t.id, t.edition, t.name, t.slug "
		      "FROM article_tags at JOIN tags t ON t.id = at.tag_id "
		      "WHERE at.article_id = ?1",
		      "SELECT j.key, at.position, t.id, t.edition, t.name, "
		      "t.slug FROM json_each(?1) j JOIN article_tags at ON "
		      "at.article_id = j.value JOIN tags t ON t.id = at.tag_id",
		      &st, e);
	if (rc)
		return rc;
	struct rel_row *rows;
	size_t nr;
	rc = rel_rows_read(c, a, st, 1, &rows, &nr, "article tags", e);
	store_stmt_done(c, st);
	if (rc) {
		free(rows);
		return rc;
	}
	struct store_tag *tall = nr ? arena_alloc(a, nr * sizeof *tall) : NULL;
	for (size_t i = 0; i < nr; i++) {
		if (rows[i].key >= n)
			continue;
		struct store_article *art = &arts[rows[i].key];
		tall[i] = rows[i].tag;
		if (!art->n_tags)
			art->tags = &tall[i];
		art->n_tags++;
	}
	free(rows);
	return 0;
}

/* What article_one was asked for, named in its errors only: formatting
 * it costs a printf per call, and an article page makes several. */
struct article_ask {
	const char *slug;    /* by slug, or NULL */
	int64_t id;          /* by id (slug NULL) */
	const char *edition; /* the edition asked in, or NULL */
};

/* Name ask into buf: "article <slug|id> [in edition <ed>]". */
static void article_ask_name(const struct article_ask *q, char *buf, size_t n)
{
	if (q->slug)
		snprintf(buf, n, "article %s in edition %s", q->slug,
			 q->edition ? q->edition : "");
	else if (q->edition)
		snprintf(buf, n, "article %" PRId64 " in edition %s", q->id,
			 q->edition);
	else
		art_name(buf, n, q->id);
}

/* One full article by `sql` (?1 = text or id, ?2 = text2 when not NULL),
 * with authors and tags when relations. q names it in errors. */
static int article_one(store *s, struct arena *a, const char *sql,
		       const char *text, int64_t id, const char *text2,
		       int relations, struct store_article *out,
		       const struct article_ask *q, struct err *e)
{
	memset(out, 0, sizeof *out);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c, sql, &st, e);
	if (rc == 0) {
		if (text)
			store_bind_text(st, 1, text);
		else
			store_bind_int(st, 1, id);
		if (text2)
			store_bind_text(st, 2, text2);
		int src = sqlite3_step(st);
		char what[300];
		if (src == SQLITE_ROW) {
			store_article_row(a, st, out);
		} else if (src == SQLITE_DONE) {
			article_ask_name(q, what, sizeof what);
			rc = err_set(e, ERR_NOTFOUND, "%s: no such article",
				     what);
		} else {
			article_ask_name(q, what, sizeof what);
			rc = store_db_err(c, src, e, "%s", what);
		}
		store_stmt_done(c, st);
	}
	if (rc == 0 && relations)
		rc = store_article_relations(c, a, out, 1, e);
	store_read_end(s, c);
	return rc;
}

int store_article_get(store *s, struct arena *a, int64_t id,
		      struct store_article *out, struct err *e)
{
	struct article_ask q = {.id = id};
	return article_one(s, a,
			   "SELECT " STORE_ARTICLE_COLUMNS
			   " FROM articles a LEFT JOIN view_counts v ON "
			   "v.article_id = a.id WHERE a.id = ?1",
			   NULL, id, NULL, 1, out, &q, e);
}

/* The article of edition with slug, read by `sql` (its columns; ?1 =
 * edition, ?2 = slug), with authors and tags. */
static int article_by_slug(store *s, struct arena *a, const char *edition,
			   const char *slug, const char *sql,
			   struct store_article *out, struct err *e)
{
	struct article_ask q = {.slug = slug ? slug : "", .edition = edition};
	return article_one(s, a, sql, edition ? edition : "", 0,
			   slug ? slug : "", 1, out, &q, e);
}

int store_article_by_slug(store *s, struct arena *a, const char *edition,
			  const char *slug, struct store_article *out,
			  struct err *e)
{
	return article_by_slug(s, a, edition, slug,
			       "SELECT " STORE_ARTICLE_COLUMNS
			       " FROM articles a LEFT JOIN view_counts v ON "
			       "v.article_id = a.id WHERE a.edition = ?1 AND "
			       "a.slug = ?2",
			       out, e);
}

int store_article_page_by_slug(store *s, struct arena *a, const char *edition,
			       const char *slug, struct store_article *out,
			       struct err *e)
{
	return article_by_slug(s, a, edition, slug,
			       "SELECT " STORE_ARTICLE_COLUMNS_HTML
			       " FROM articles a LEFT JOIN view_counts v ON "
			       "v.article_id = a.id WHERE a.edition = ?1 AND "
			       "a.slug = ?2",
			       out, e);
}

int store_article_translation(store *s, struct arena *a, int64_t id,
			      const char *edition, struct store_article *out,
			      struct err *e)
{
	struct article_ask q = {.id = id, .edition = edition ? edition : ""};
	/* ?1 is the id; article_one binds text ?2 = edition. */
	return article_one(s, a,
			   "SELECT " STORE_ARTICLE_COLUMNS
			   " FROM articles a LEFT JOIN view_counts v ON "
			   "v.article_id = a.id WHERE a.translation_group = "
			   "(SELECT translation_group FROM articles WHERE id = "
			   "?1) AND a.edition = ?2 ORDER BY a.id LIMIT 1",
			   NULL, id, edition ? edition : "", 1, out, &q, e);
}

int store_article_translation_brief(store *s, struct arena *a, int64_t id,
				    const char *edition,
				    struct store_article *out, struct err *e)
{
	struct article_ask q = {.id = id, .edition = edition ? edition : ""};
	return article_one(s, a,
			   "SELECT " STORE_ARTICLE_COLUMNS_NOBODY
			   " FROM articles a LEFT JOIN view_counts v ON "
			   "v.article_id = a.id WHERE a.translation_group = "
			   "(SELECT translation_group FROM articles WHERE id = "
			   "?1) AND a.edition = ?2 ORDER BY a.id LIMIT 1",
			   NULL, id, edition ? edition : "", 0, out, &q, e);
}

/* Fill l from columns id, edition, slug, status, publish_at of st. */
static void article_link_row(struct arena *a, sqlite3_stmt *st,
			     struct store_article_link *l)
{
	l->id = sqlite3_column_int64(st, 0);
	l->edition = store_col_text(a, st, 1);
	l->slug = store_col_text(a, st, 2);
	l->status = (enum store_status)sqlite3_column_int(st, 3);
	l->publish_at = sqlite3_column_int64(st, 4);
}

int store_article_translation_links(store *s, struct arena *a, int64_t group,
				    const char *edition,
				    struct store_article_link **out, size_t *n,
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
			"SELECT id, edition, slug, status, publish_at FROM "
			"articles WHERE translation_group = ?1 AND edition != "
			"?2 ORDER BY id",
			&st, e);
	if (rc == 0) {
		store_bind_int(st, 1, group);
		store_bind_text(st, 2, edition);
		size_t cap = 0;
		int src;
		while ((src = sqlite3_step(st)) == SQLITE_ROW) {
			/* the first of each edition: rows come by id */
			const char *ed =
				(const char *)sqlite3_column_text(st, 1);
			size_t k = 0;
			while (k < *n &&
			       strcmp((*out)[k].edition, ed ? ed : ""))
				k++;
			if (k < *n)
				continue;
			if (*n == cap) {
				size_t ncap = cap ? cap * 2 : 4;
				struct store_article_link *bigger =
					arena_alloc(a, ncap * sizeof *bigger);
				if (*n)
					memcpy(bigger, *out,
					       *n * sizeof *bigger);
				*out = bigger;
				cap = ncap;
			}
			article_link_row(a, st, &(*out)[(*n)++]);
		}
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e,
					  "translations of group %" PRId64,
					  group);
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

int store_article_older_link(store *s, struct arena *a, const char *edition,
			     int64_t before, struct store_article_link *out,
			     struct err *e)
{
	memset(out, 0, sizeof *out);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"SELECT id, edition, slug, status, publish_at FROM "
			"articles WHERE edition = ?1 AND status = ?2 AND "
			"publish_at < ?3 ORDER BY publish_at DESC, id DESC "
			"LIMIT 1",
			&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, edition);
		store_bind_int(st, 2, STORE_STATUS_PUBLISHED);
		store_bind_int(st, 3, before);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			article_link_row(a, st, out);
		else if (src == SQLITE_DONE)
			rc = err_set(e, ERR_NOTFOUND,
				     "no article in edition %s before %" PRId64,
				     edition ? edition : "", before);
		else
			rc = store_db_err(c, src, e, "article before %" PRId64,
					  before);
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

/* ---- scheduler and views -------------------------------------------- */

int store_article_publish_due(store *s, struct arena *a, int64_t now,
			      int64_t **ids, size_t *n, struct err *e)
{
	*ids = NULL;
	*n = 0;
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	int64_t *got = NULL;
	size_t n_got = 0, cap = 0;
	/* The version is not bumped: the scheduler changes no text, and an
	 * editor's open form must still save (with its own status). */
	rc = store_stmt(c,
			"UPDATE articles SET status = 3, updated_at = ?1 WHERE "
			"status = 2 AND publish_at <= ?1 RETURNING id",
			&st, e);
	if (rc == 0) {
		store_bind_int(st, 1, now);
		int src;
		while ((src = sqlite3_step(st)) == SQLITE_ROW) {
			if (n_got == cap) {
				cap = cap ? cap * 2 : 16;
				got = xrealloc(got, cap * sizeof *got);
			}
			got[n_got++] = sqlite3_column_int64(st, 0);
		}
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "publish due articles");
		store_stmt_done(c, st);
	}
	rc = store_write_end(s, c, rc, e);
	if (rc == 0 && n_got) {
		*ids = arena_alloc(a, n_got * sizeof **ids);
		memcpy(*ids, got, n_got * sizeof **ids);
		*n = n_got;
	}
	free(got);
	return rc;
}

int store_views_add(store *s, const int64_t *ids, const int64_t *deltas,
		    size_t n, struct err *e)
{
	if (n == 0)
		return 0;
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	/* Unknown ids are skipped (the SELECT finds nothing) rather than
	 * failing the whole batch on a foreign key. */
	rc = store_stmt(
		c,
		"INSERT INTO view_counts (article_id, views) SELECT id, "
		"?2 FROM articles WHERE id = ?1 ON CONFLICT "
		"(article_id) DO UPDATE SET views = views + "
		"excluded.views",
		&st, e);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (deltas[i] <= 0)
			continue;
		store_bind_int(st, 1, ids[i]);
		store_bind_int(st, 2, deltas[i]);
		int src = sqlite3_step(st);
		sqlite3_reset(st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e,
					  "views of article %" PRId64, ids[i]);
	}
	store_stmt_done(c, st);
	return store_write_end(s, c, rc, e);
}

/* ---- tags ----------------------------------------------------------- */

int store_tag_by_slug(store *s, struct arena *a, const char *edition,
		      const char *slug, struct store_tag *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"SELECT id, edition, name, slug FROM tags WHERE "
			"edition = ?1 AND slug = ?2",
			&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, edition);
		store_bind_text(st, 2, slug);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW) {
			out->id = sqlite3_column_int64(st, 0);
			out->edition = store_col_text(a, st, 1);
			out->name = store_col_text(a, st, 2);
			out->slug = store_col_text(a, st, 3);
		} else if (src == SQLITE_DONE) {
			rc = err_set(e, ERR_NOTFOUND,
				     "tag %s in edition %s: no such tag",
				     slug ? slug : "", edition ? edition : "");
		} else {
			rc = store_db_err(c, src, e, "tag %s",
					  slug ? slug : "");
		}
		store_stmt_done(c, st);
	}
	store_read_end(s, c);
	return rc;
}

int store_tag_list(store *s, struct arena *a, const char *edition, size_t limit,
		   struct store_tag **out, size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	if (limit == 0 || limit > 1000)
		limit = limit ? 1000 : 50;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"SELECT t.id, t.edition, t.name, t.slug FROM tags t "
			"JOIN article_tags at ON at.tag_id = t.id WHERE "
			"t.edition = ?1 GROUP BY t.id ORDER BY COUNT(*) DESC, "
			"t.name LIMIT ?2",
			&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, edition);
		store_bind_int(st, 2, (int64_t)limit);
		*out = arena_alloc(a, limit * sizeof **out);
	}
	int src = SQLITE_DONE;
	while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_tag *t = &(*out)[(*n)++];
		t->id = sqlite3_column_int64(st, 0);
		t->edition = store_col_text(a, st, 1);
		t->name = store_col_text(a, st, 2);
		t->slug = store_col_text(a, st, 3);
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "tags of %s",
				  edition ? edition : "");
	store_stmt_done(c, st);
	store_read_end(s, c);
	return rc;
}
