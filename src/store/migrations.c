/*
 * migrations.c - the SQLite schema as numbered migrations.
 *
 * For: creating and upgrading the schema at store_open. Migration N is
 * migrations[N - 1]; PRAGMA user_version holds the last one applied. Each
 * runs in its own transaction with the user_version bump, so a crash
 * leaves the database at N - 1 or N, never in between.
 * Not for: data fixes that need C logic (add a function beside the SQL if
 * one is ever needed), nor the PostgreSQL schema (pgsql.c keeps its own).
 *
 * Rules: never edit a migration that has shipped; add a new one. Times are
 * Unix seconds; optional references are NULL (the API says 0).
 */
#include "store/internal.h"

#include <stdio.h>

/* "Gaze": lets store_open refuse an unrelated SQLite file. */
#define STORE_APPLICATION_ID 0x47617a65

static const char *const migrations[] = {
	/* 1: the whole data model of DESIGN.md section 4. */
	"PRAGMA application_id = 1197570661;\n" /* STORE_APPLICATION_ID */
	"CREATE TABLE editions (\n"
	"  code TEXT PRIMARY KEY,\n"
	"  name TEXT NOT NULL,\n"
	"  prefix TEXT NOT NULL DEFAULT '',\n"
	"  position INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE TABLE settings (\n"
	"  key TEXT PRIMARY KEY,\n"
	"  value TEXT NOT NULL\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE users (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  login TEXT NOT NULL UNIQUE,\n"
	"  display_name TEXT NOT NULL DEFAULT '',\n"
	"  email TEXT NOT NULL DEFAULT '',\n"
	"  password_hash TEXT NOT NULL DEFAULT '',\n"
	"  role INTEGER NOT NULL DEFAULT 1,\n"
	"  disabled INTEGER NOT NULL DEFAULT 0,\n"
	"  created_at INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE sessions (\n"
	"  id_hash TEXT PRIMARY KEY,\n"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
	"  csrf TEXT NOT NULL,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  last_seen INTEGER NOT NULL,\n"
	"  expires_at INTEGER NOT NULL\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX sessions_user ON sessions(user_id);\n"
	"CREATE INDEX sessions_expires ON sessions(expires_at);\n"
	"CREATE TABLE media (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  sha256 TEXT NOT NULL,\n"
	"  mime TEXT NOT NULL,\n"
	"  width INTEGER NOT NULL DEFAULT 0,\n"
	"  height INTEGER NOT NULL DEFAULT 0,\n"
	"  bytes INTEGER NOT NULL DEFAULT 0,\n"
	"  path TEXT NOT NULL,\n"
	"  alt TEXT NOT NULL DEFAULT '',\n"
	"  caption TEXT NOT NULL DEFAULT '',\n"
	"  credit TEXT NOT NULL DEFAULT '',\n"
	"  uploaded_by INTEGER REFERENCES users(id) ON DELETE SET NULL,\n"
	"  created_at INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX media_sha256 ON media(sha256);\n"
	"CREATE INDEX media_created ON media(created_at DESC);\n"
	"CREATE TABLE media_variants (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,\n"
	"  width INTEGER NOT NULL,\n"
	"  height INTEGER NOT NULL,\n"
	"  format TEXT NOT NULL,\n"
	"  path TEXT NOT NULL,\n"
	"  bytes INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX media_variants_media ON media_variants(media_id);\n"
	"CREATE TABLE rubrics (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  key TEXT NOT NULL UNIQUE,\n"
	"  position INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE TABLE rubric_texts (\n"
	"  rubric_id INTEGER NOT NULL REFERENCES rubrics(id) ON DELETE CASCADE,\n"
	"  edition TEXT NOT NULL REFERENCES editions(code) ON UPDATE CASCADE,\n"
	"  name TEXT NOT NULL,\n"
	"  slug TEXT NOT NULL,\n"
	"  description TEXT NOT NULL DEFAULT '',\n"
	"  PRIMARY KEY (rubric_id, edition),\n"
	"  UNIQUE (edition, slug)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE authors (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  slug TEXT NOT NULL UNIQUE,\n"
	"  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,\n"
	"  photo_media_id INTEGER REFERENCES media(id) ON DELETE SET NULL,\n"
	"  links TEXT NOT NULL DEFAULT ''\n"
	");\n"
	"CREATE INDEX authors_user ON authors(user_id);\n"
	"CREATE TABLE author_texts (\n"
	"  author_id INTEGER NOT NULL REFERENCES authors(id) ON DELETE CASCADE,\n"
	"  edition TEXT NOT NULL REFERENCES editions(code) ON UPDATE CASCADE,\n"
	"  name TEXT NOT NULL,\n"
	"  bio TEXT NOT NULL DEFAULT '',\n"
	"  PRIMARY KEY (author_id, edition)\n"
	") WITHOUT ROWID;\n"
	/* Small columns first, long texts last: a row longer than a page
	 * spills into overflow pages, and columns stored there cost extra
	 * page reads in every list query. */
	"CREATE TABLE articles (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  translation_group INTEGER NOT NULL DEFAULT 0,\n"
	"  edition TEXT NOT NULL REFERENCES editions(code) ON UPDATE CASCADE,\n"
	"  slug TEXT NOT NULL,\n"
	"  kind TEXT NOT NULL DEFAULT 'news',\n"
	"  rubric_id INTEGER REFERENCES rubrics(id) ON DELETE SET NULL,\n"
	"  status INTEGER NOT NULL DEFAULT 0,\n"
	"  publish_at INTEGER NOT NULL DEFAULT 0,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  updated_at INTEGER NOT NULL,\n"
	"  version INTEGER NOT NULL DEFAULT 1,\n"
	"  featured INTEGER NOT NULL DEFAULT 0,\n"
	"  breaking INTEGER NOT NULL DEFAULT 0,\n"
	"  pinned INTEGER NOT NULL DEFAULT 0,\n"
	"  lead_media_id INTEGER REFERENCES media(id) ON DELETE SET NULL,\n"
	"  correction_at INTEGER NOT NULL DEFAULT 0,\n"
	"  title TEXT NOT NULL,\n"
	"  seo_title TEXT NOT NULL DEFAULT '',\n"
	"  seo_description TEXT NOT NULL DEFAULT '',\n"
	"  correction TEXT NOT NULL DEFAULT '',\n"
	"  lead TEXT NOT NULL DEFAULT '',\n"
	"  body_md TEXT NOT NULL DEFAULT '',\n"
	"  body_html TEXT NOT NULL DEFAULT '',\n"
	"  UNIQUE (edition, slug)\n"
	");\n"
	/* Reader lists: an edition's published articles, newest first. */
	"CREATE INDEX articles_list ON articles"
	"(edition, status, publish_at DESC, id DESC);\n"
	"CREATE INDEX articles_rubric ON articles"
	"(rubric_id, edition, status, publish_at DESC, id DESC);\n"
	"CREATE INDEX articles_group ON articles(translation_group);\n"
	/* The scheduler: SCHEDULED rows by publish_at. */
	"CREATE INDEX articles_due ON articles(status, publish_at);\n"
	/* Partial: the list query writes "a.featured = 1" as a literal so
	 * that the planner may use it. */
	"CREATE INDEX articles_featured ON articles"
	"(edition, status, publish_at DESC, id DESC) WHERE featured = 1;\n"
	"CREATE TABLE article_authors (\n"
	"  article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,\n"
	"  author_id INTEGER NOT NULL REFERENCES authors(id) ON DELETE CASCADE,\n"
	"  position INTEGER NOT NULL,\n"
	"  PRIMARY KEY (article_id, author_id)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX article_authors_author ON article_authors"
	"(author_id, article_id);\n"
	"CREATE TABLE tags (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  edition TEXT NOT NULL REFERENCES editions(code) ON UPDATE CASCADE,\n"
	"  name TEXT NOT NULL,\n"
	"  slug TEXT NOT NULL,\n"
	"  UNIQUE (edition, slug)\n"
	");\n"
	"CREATE TABLE article_tags (\n"
	"  article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,\n"
	"  tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,\n"
	"  position INTEGER NOT NULL,\n"
	"  PRIMARY KEY (article_id, tag_id)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX article_tags_tag ON article_tags(tag_id, article_id);\n"
	"CREATE TABLE revisions (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,\n"
	"  number INTEGER NOT NULL,\n"
	"  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  autosave INTEGER NOT NULL DEFAULT 0,\n"
	"  title TEXT NOT NULL,\n"
	"  lead TEXT NOT NULL DEFAULT '',\n"
	"  body_md TEXT NOT NULL DEFAULT '',\n"
	"  UNIQUE (article_id, number)\n"
	");\n"
	"CREATE TABLE live_events (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  key TEXT NOT NULL UNIQUE,\n"
	"  state INTEGER NOT NULL DEFAULT 0,\n"
	"  starts_at INTEGER NOT NULL DEFAULT 0,\n"
	"  ends_at INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE TABLE live_event_texts (\n"
	"  event_id INTEGER NOT NULL REFERENCES live_events(id) ON DELETE CASCADE,\n"
	"  edition TEXT NOT NULL REFERENCES editions(code) ON UPDATE CASCADE,\n"
	"  slug TEXT NOT NULL,\n"
	"  title TEXT NOT NULL,\n"
	"  summary TEXT NOT NULL DEFAULT '',\n"
	"  PRIMARY KEY (event_id, edition),\n"
	"  UNIQUE (edition, slug)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE live_entries (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  event_id INTEGER NOT NULL REFERENCES live_events(id) ON DELETE CASCADE,\n"
	"  edition TEXT NOT NULL REFERENCES editions(code) ON UPDATE CASCADE,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  updated_at INTEGER NOT NULL,\n"
	"  author_id INTEGER REFERENCES authors(id) ON DELETE SET NULL,\n"
	"  body_md TEXT NOT NULL DEFAULT '',\n"
	"  body_html TEXT NOT NULL DEFAULT '',\n"
	"  media_id INTEGER REFERENCES media(id) ON DELETE SET NULL,\n"
	"  pinned INTEGER NOT NULL DEFAULT 0,\n"
	"  edited INTEGER NOT NULL DEFAULT 0,\n"
	"  deleted INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX live_entries_event ON live_entries"
	"(event_id, edition, created_at DESC, id DESC);\n"
	"CREATE TABLE redirects (\n"
	"  from_path TEXT PRIMARY KEY,\n"
	"  to_path TEXT NOT NULL,\n"
	"  code INTEGER NOT NULL DEFAULT 301,\n"
	"  created_at INTEGER NOT NULL\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE view_counts (\n"
	"  article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,\n"
	"  views INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX view_counts_views ON view_counts(views DESC);\n"
	"CREATE TABLE audit_log (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  at INTEGER NOT NULL,\n"
	"  user_id INTEGER,\n" /* no FK: the log outlives deleted users */
	"  action TEXT NOT NULL,\n"
	"  object_type TEXT NOT NULL DEFAULT '',\n"
	"  object_id INTEGER NOT NULL DEFAULT 0,\n"
	"  detail TEXT NOT NULL DEFAULT ''\n"
	");\n"
	"CREATE INDEX audit_log_at ON audit_log(at DESC);\n"
	"CREATE INDEX audit_log_object ON audit_log(object_type, object_id);\n",
	/* 2: full-text search. The registry of per-edition FTS5 indexes
	 * (table article_fts_<id>, see sqlite_search.c); the C step creates
	 * and fills one per existing edition. */
	"CREATE TABLE search_indexes (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  edition TEXT NOT NULL REFERENCES editions(code)\n"
	"    ON UPDATE CASCADE ON DELETE CASCADE,\n"
	"  state INTEGER NOT NULL DEFAULT 0,\n" /* 0 live, 1 building, 2 retired */
	"  tokenizer_version INTEGER NOT NULL DEFAULT 0,\n"
	"  created_at INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX search_indexes_edition ON search_indexes(edition, state);\n",
	/* 3: media crops for distribution (16:9, 4:3, 1:1; see media.h):
	 * variants with an aspect; width variants keep ''. */
	"ALTER TABLE media_variants ADD COLUMN aspect TEXT NOT NULL "
	"DEFAULT '';\n",
	/* 4: autosave revisions (sqlite_revision.c). An autosave is numbered
	 * with the version it was typed over, which its saved revision
	 * already holds: only saved revisions keep one number each. SQLite
	 * cannot drop a table constraint, so the table is rebuilt. */
	"CREATE TABLE revisions_new (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,\n"
	"  number INTEGER NOT NULL,\n"
	"  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  autosave INTEGER NOT NULL DEFAULT 0,\n"
	"  title TEXT NOT NULL,\n"
	"  lead TEXT NOT NULL DEFAULT '',\n"
	"  body_md TEXT NOT NULL DEFAULT ''\n"
	");\n"
	"INSERT INTO revisions_new SELECT id, article_id, number, user_id, "
	"created_at, autosave, title, lead, body_md FROM revisions;\n"
	"DROP TABLE revisions;\n"
	"ALTER TABLE revisions_new RENAME TO revisions;\n"
	"CREATE UNIQUE INDEX revisions_saved ON revisions(article_id, number) "
	"WHERE autosave = 0;\n"
	"CREATE INDEX revisions_autosave ON revisions(article_id, autosave, "
	"user_id, id);\n",
	/* 5: live entries: when the text or image was last edited (readers
	 * see "edited HH:MM"; updated_at also moves on pin and delete). */
	"ALTER TABLE live_entries ADD COLUMN edited_at INTEGER NOT NULL "
	"DEFAULT 0;\n"
	"UPDATE live_entries SET edited_at = updated_at WHERE edited = 1;\n",
	/* 6: the search backlog (sqlite_search.c): a bulk load that leaves
	 * indexing for later marks each index of the edition; articles of
	 * the edition with a higher id may be missing from it until
	 * store_search_catch_up gets to them. NULL: the index is complete. */
	"ALTER TABLE search_indexes ADD COLUMN backlog_after INTEGER;\n",
	/* 7: the sitemap index counts each month's articles and takes their
	 * newest publish_at/updated_at (store_article_span): with updated_at
	 * in the index that reads the index only, not a page of every
	 * article (at 100,000 articles per edition the first /sitemap.xml
	 * took 5.7 s cold; a month 0.73 s, now 0.04 s). The scheduler's
	 * (status, publish_at) lookups use the same index. */
	"DROP INDEX articles_due;\n"
	"CREATE INDEX articles_due ON articles(status, publish_at, "
	"updated_at);\n",
};

/* C steps run after migration N's SQL, in its transaction (NULL: none). */
static int (*const migration_steps[])(sqlite3 *db, struct err *e) = {
	/* clang-format off */
	NULL,                 /* 1 */
	store_search_migrate, /* 2 */
	NULL,                 /* 3 */
	NULL,                 /* 4 */
	NULL,                 /* 5 */
	NULL,                 /* 6 */
	NULL,                 /* 7 */
	/* clang-format on */
};
_Static_assert(sizeof migration_steps / sizeof *migration_steps ==
		       sizeof migrations / sizeof *migrations,
	       "one migration_steps entry per migration");

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof *migrations))

int store_migrations_latest(void)
{
	return N_MIGRATIONS;
}

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static int migrate_fail(sqlite3 *db, int rc, const char *path, int n,
			struct err *e)
{
	int code = store_err_code(rc) == ERR_IO ? ERR_IO : ERR_DB;
	err_set(e, code, "store %s: migration %d: %s", path, n,
		sqlite3_errmsg(db));
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return code;
}

int store_migrate(sqlite3 *db, const char *path, int *version, struct err *e)
{
	int v = 0, app = 0;
	int rc = pragma_int(db, "PRAGMA user_version", &v);
	if (rc == SQLITE_OK)
		rc = pragma_int(db, "PRAGMA application_id", &app);
	if (rc != SQLITE_OK)
		return err_set(e,
			       store_err_code(rc) == ERR_IO ? ERR_IO : ERR_DB,
			       "store %s: read schema version: %s", path,
			       sqlite3_errmsg(db));
	if (app != 0 && app != STORE_APPLICATION_ID)
		return err_set(e, ERR_DB,
			       "store %s: not a gazette database "
			       "(application id %d)",
			       path, app);
	if (v > N_MIGRATIONS)
		return err_set(e, ERR_DB,
			       "store %s: schema version %d is newer than "
			       "this gazette knows (%d); upgrade gazette",
			       path, v, N_MIGRATIONS);
	for (int n = v + 1; n <= N_MIGRATIONS; n++) {
		char bump[64];
		snprintf(bump, sizeof bump, "PRAGMA user_version = %d", n);
		rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, migrations[n - 1], NULL, NULL,
					  NULL);
		struct err se = {0};
		if (rc == SQLITE_OK && migration_steps[n - 1] &&
		    migration_steps[n - 1](db, &se) != 0) {
			if (!sqlite3_get_autocommit(db))
				sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return err_set(e, se.code ? se.code : ERR_DB,
				       "store %s: migration %d: %s", path, n,
				       se.msg);
		}
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, bump, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return migrate_fail(db, rc, path, n, e);
	}
	*version = N_MIGRATIONS;
	return 0;
}
