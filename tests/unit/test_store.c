/*
 * test_store.c - the SQLite store: opening and migrations, site objects,
 * users and sessions, settings, redirects, audit, live, media, slugs and
 * bad databases. Each data test runs twice: on ":memory:" and on a file.
 * Articles are in test_store_article.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- opening -------------------------------------------------------- */

static void test_open_migrate_twice(void **state)
{
	(void)state;
	char dir[] = "/tmp/gazette-store-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/g.db", dir);
	struct err e = {0};
	store *s;
	int rc = store_open(path, &s, &e);
	if (rc)
		fail_msg("%s", e.msg);
	int v = store_schema_version(s);
	assert_true(v >= 1);
	struct store_edition ed = {.code = "en", .name = "English"};
	assert_int_equal(store_edition_upsert(s, &ed, &e), 0);
	store_close(s);
	rc = store_open(path, &s, &e);
	if (rc)
		fail_msg("%s", e.msg);
	assert_int_equal(store_schema_version(s), v);
	struct arena *a = arena_new(0);
	struct store_edition *eds;
	size_t n;
	assert_int_equal(store_edition_list(s, a, &eds, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_check(s, &e), 0);
	store_close(s);
	arena_free(a);
	ts_rmdir(dir);
}

/* The plan SQLite picks for q on the database at path, joined. */
static void query_plan(const char *path, const char *q, char *out, size_t n)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char sql[512];
	snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", q);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out + strlen(out), n - strlen(out), "%s; ",
			 (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void test_plans(void **state)
{
	(void)state;
	char dir[] = "/tmp/gazette-store-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/g.db", dir);
	struct err e = {0};
	store *s;
	if (store_open(path, &s, &e))
		fail_msg("%s", e.msg);
	store_close(s);
	char plan[1024];
	/* a month of the sitemap index (store_article_span's shape): from
	 * the index alone, not a page per article */
	query_plan(path,
		   "SELECT COUNT(*), MAX(MAX(a.publish_at, a.updated_at)) "
		   "FROM articles a WHERE a.status = 3 AND a.publish_at >= 1 "
		   "AND a.publish_at < 2 AND a.publish_at <= 3",
		   plan, sizeof plan);
	if (!strstr(plan, "COVERING INDEX articles_due"))
		fail_msg("sitemap month: %s", plan);
	/* the scheduler's due articles */
	query_plan(path,
		   "SELECT id FROM articles WHERE status = 2 AND publish_at "
		   "<= 5",
		   plan, sizeof plan);
	if (!strstr(plan, "articles_due"))
		fail_msg("scheduler: %s", plan);
	ts_rmdir(dir);
}

static void test_open_errors(void **state)
{
	(void)state;
	struct err e = {0};
	store *s = NULL;
	/* no such folder */
	int rc = store_open("/nonexistent-gazette/x/g.db", &s, &e);
	assert_true(rc == ERR_IO || rc == ERR_DB);
	assert_null(s);
	assert_non_null(strstr(e.msg, "/nonexistent-gazette/x/g.db"));

	/* garbage */
	char path[] = "/tmp/gazette-garbage-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	char junk[8192];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)(i * 7919 % 251);
	assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
	close(fd);
	err_clear(&e);
	rc = store_open(path, &s, &e);
	assert_true(rc == ERR_DB || rc == ERR_IO);
	assert_null(s);
	assert_non_null(strstr(e.msg, path));
	unlink(path);

	/* a schema newer than this binary */
	char dir[] = "/tmp/gazette-newer-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char db[256];
	snprintf(db, sizeof db, "%s/g.db", dir);
	assert_int_equal(store_open(db, &s, &e), 0);
	store_close(s);
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 9999", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(raw);
	err_clear(&e);
	s = NULL;
	rc = store_open(db, &s, &e);
	assert_int_equal(rc, ERR_DB);
	assert_null(s);
	assert_non_null(strstr(e.msg, "newer"));

	/* an unrelated SQLite database */
	snprintf(db, sizeof db, "%s/other.db", dir);
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw,
				      "PRAGMA application_id = 42; "
				      "CREATE TABLE t (x)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(raw);
	rc = store_open(db, &s, &e);
	assert_int_equal(rc, ERR_DB);
	assert_non_null(strstr(e.msg, "not a gazette database"));
	ts_rmdir(dir);

	assert_int_equal(store_open("", &s, &e), ERR_INVALID);
}

static void test_check_sound(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	assert_int_equal(store_check(t->s, &e), 0);
}

/* ---- editions, rubrics, authors ------------------------------------- */

static void test_editions(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	struct store_edition ed = {.code = "ru",
				   .name = "Русский",
				   .prefix = "/ru",
				   .position = 1};
	assert_int_equal(store_edition_upsert(t->s, &ed, &e), 0); /* again */
	struct store_edition *eds;
	size_t n;
	assert_int_equal(store_edition_list(t->s, t->a, &eds, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(eds[0].code, "en");
	assert_string_equal(eds[0].prefix, "");
	assert_string_equal(eds[1].code, "ru");
	assert_string_equal(eds[1].name, "Русский");
	assert_string_equal(eds[1].prefix, "/ru");
	ed.name = "";
	assert_int_equal(store_edition_upsert(t->s, &ed, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "name"));
}

static void test_rubrics_two_editions(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	struct store_rubric r = {.key = "politics",
				 .position = 2,
				 .edition = "en",
				 .name = "Politics",
				 .description = "Power and people"};
	assert_int_equal(store_rubric_save(t->s, &r, &e), 0);
	int64_t id = r.id;
	assert_true(id > 0);
	struct store_rubric ru = {.key = "politics",
				  .position = 2,
				  .edition = "ru",
				  .name = "Политика",
				  .description = "Власть и люди"};
	assert_int_equal(store_rubric_save(t->s, &ru, &e), 0);
	assert_int_equal(ru.id, id);

	struct store_rubric got;
	assert_int_equal(store_rubric_get(t->s, t->a, id, "ru", &got, &e), 0);
	assert_string_equal(got.name, "Политика");
	assert_string_equal(got.slug, "politika");
	assert_string_equal(got.key, "politics");
	assert_int_equal(store_rubric_get(t->s, t->a, id, "en", &got, &e), 0);
	assert_string_equal(got.slug, "politics");
	assert_string_equal(got.description, "Power and people");
	assert_int_equal(store_rubric_by_slug(t->s, t->a, "ru", "politika",
					      &got, &e),
			 0);
	assert_int_equal(got.id, id);
	assert_int_equal(store_rubric_by_slug(t->s, t->a, "en", "politika",
					      &got, &e),
			 ERR_NOTFOUND);
	assert_int_equal(
		store_rubric_by_key(t->s, t->a, "politics", "en", &got, &e), 0);
	assert_string_equal(got.name, "Politics");
	assert_int_equal(store_rubric_get(t->s, t->a, id, NULL, &got, &e), 0);
	assert_string_equal(got.edition, "en"); /* first edition */

	struct store_rubric *list;
	size_t n;
	assert_int_equal(store_rubric_list(t->s, t->a, "ru", &list, &n, &e), 0);
	assert_int_equal(n, 2); /* analytics (seed) + politics */
	assert_string_equal(list[0].key, "analytics");
	assert_string_equal(list[1].name, "Политика");

	/* only in en: not listed in ru */
	struct store_rubric sp = {.key = "sport",
				  .position = 3,
				  .edition = "en",
				  .name = "Sport"};
	assert_int_equal(store_rubric_save(t->s, &sp, &e), 0);
	assert_int_equal(store_rubric_list(t->s, t->a, "ru", &list, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_rubric_get(t->s, t->a, sp.id, "ru", &got, &e),
			 ERR_NOTFOUND);

	/* slug taken in the edition */
	struct store_rubric dup = {.key = "other",
				   .edition = "en",
				   .name = "Other",
				   .slug = "sport"};
	assert_int_equal(store_rubric_save(t->s, &dup, &e), ERR_CONFLICT);
	assert_non_null(strstr(e.msg, "sport"));
	/* and nothing of it was written */
	assert_int_equal(store_rubric_by_key(t->s, t->a, "other", NULL, &got,
					     &e),
			 ERR_NOTFOUND);
	struct store_rubric bad = {.key = "x", .edition = "de", .name = "X"};
	assert_int_equal(store_rubric_save(t->s, &bad, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "edition"));
}

static void test_authors_two_editions(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	struct store_author au = {.slug = "anna-berg",
				  .links = "https://example.org/anna",
				  .edition = "en",
				  .name = "Anna Berg",
				  .bio = "Covers energy."};
	assert_int_equal(store_author_save(t->s, &au, &e), 0);
	struct store_author ru = {.slug = "anna-berg",
				  .links = "https://example.org/anna",
				  .edition = "ru",
				  .name = "Анна Берг",
				  .bio = "Пишет об энергетике."};
	assert_int_equal(store_author_save(t->s, &ru, &e), 0);
	assert_int_equal(ru.id, au.id);
	struct store_author got;
	assert_int_equal(store_author_by_slug(t->s, t->a, "anna-berg", "ru",
					      &got, &e),
			 0);
	assert_string_equal(got.name, "Анна Берг");
	assert_string_equal(got.bio, "Пишет об энергетике.");
	assert_string_equal(got.links, "https://example.org/anna");
	assert_int_equal(got.user_id, 0);
	assert_int_equal(store_author_get(t->s, t->a, au.id, "en", &got, &e),
			 0);
	assert_string_equal(got.name, "Anna Berg");
	struct store_author *list;
	size_t n;
	assert_int_equal(store_author_list(t->s, t->a, "ru", &list, &n, &e), 0);
	assert_int_equal(n, 3); /* two seeded + Mira */
	assert_int_equal(store_author_get(t->s, t->a, 99999, "en", &got, &e),
			 ERR_NOTFOUND);

	/* linked to a user */
	struct store_user u = {.login = "anna",
			       .display_name = "Anna",
			       .password_hash = "x",
			       .role = STORE_ROLE_AUTHOR};
	assert_int_equal(store_user_add(t->s, &u, &e), 0);
	au.user_id = u.id;
	assert_int_equal(store_author_save(t->s, &au, &e), 0);
	assert_int_equal(store_author_get(t->s, t->a, au.id, "en", &got, &e),
			 0);
	assert_int_equal(got.user_id, u.id);
}

/* ---- users and sessions --------------------------------------------- */

static void test_users(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	struct store_user u = {.login = "editor.one",
			       .display_name = "Editor One",
			       .email = "one@example.org",
			       .password_hash = "$argon2id$v=19$abc",
			       .role = STORE_ROLE_EDITOR};
	assert_int_equal(store_user_add(t->s, &u, &e), 0);
	assert_true(u.id > 0);
	assert_true(u.created_at > 0);
	struct store_user dup = u;
	dup.id = 0;
	assert_int_equal(store_user_add(t->s, &dup, &e), ERR_CONFLICT);
	assert_non_null(strstr(e.msg, "editor.one"));
	struct store_user bad = {.login = "Bad Login", .role = 1};
	assert_int_equal(store_user_add(t->s, &bad, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "login"));

	struct store_user got;
	assert_int_equal(
		store_user_by_login(t->s, t->a, "editor.one", &got, &e), 0);
	assert_int_equal(got.id, u.id);
	assert_int_equal(got.role, STORE_ROLE_EDITOR);
	assert_string_equal(got.password_hash, "$argon2id$v=19$abc");
	assert_int_equal(store_user_by_login(t->s, t->a, "nobody", &got, &e),
			 ERR_NOTFOUND);

	u.role = STORE_ROLE_ADMIN;
	u.disabled = 1;
	u.password_hash = ""; /* keep */
	u.display_name = "Editor Prime";
	assert_int_equal(store_user_update(t->s, &u, &e), 0);
	assert_int_equal(store_user_get(t->s, t->a, u.id, &got, &e), 0);
	assert_int_equal(got.role, STORE_ROLE_ADMIN);
	assert_int_equal(got.disabled, 1);
	assert_string_equal(got.display_name, "Editor Prime");
	assert_string_equal(got.password_hash, "$argon2id$v=19$abc");
	u.password_hash = "$argon2id$new";
	assert_int_equal(store_user_update(t->s, &u, &e), 0);
	assert_int_equal(store_user_get(t->s, t->a, u.id, &got, &e), 0);
	assert_string_equal(got.password_hash, "$argon2id$new");
	struct store_user ghost = u;
	ghost.id = 424242;
	assert_int_equal(store_user_update(t->s, &ghost, &e), ERR_NOTFOUND);

	struct store_user *list;
	size_t n;
	assert_int_equal(store_user_list(t->s, t->a, &list, &n, &e), 0);
	assert_int_equal(n, 1);

	/* sessions */
	struct store_session ss = {.id_hash = "h1",
				   .user_id = u.id,
				   .csrf = "c1",
				   .created_at = 1000,
				   .last_seen = 1000,
				   .expires_at = 5000};
	assert_int_equal(store_session_add(t->s, &ss, &e), 0);
	ss.id_hash = "h2";
	ss.expires_at = 1500;
	assert_int_equal(store_session_add(t->s, &ss, &e), 0);
	ss.id_hash = "h3";
	ss.user_id = 999;
	assert_int_equal(store_session_add(t->s, &ss, &e), ERR_INVALID);
	struct store_session sg;
	assert_int_equal(store_session_get(t->s, t->a, "h1", &sg, &e), 0);
	assert_string_equal(sg.csrf, "c1");
	assert_int_equal(sg.expires_at, 5000);
	assert_int_equal(store_session_touch(t->s, "h1", 1900, &e), 0);
	assert_int_equal(store_session_touch(t->s, "zz", 1900, &e),
			 ERR_NOTFOUND);
	assert_int_equal(store_session_expire(t->s, 2000, 600, &e), 0);
	assert_int_equal(store_session_get(t->s, t->a, "h2", &sg, &e),
			 ERR_NOTFOUND);
	assert_int_equal(store_session_get(t->s, t->a, "h1", &sg, &e), 0);
	assert_int_equal(sg.last_seen, 1900);
	assert_int_equal(store_session_expire(t->s, 3000, 600, &e), 0);
	assert_int_equal(store_session_get(t->s, t->a, "h1", &sg, &e),
			 ERR_NOTFOUND);
	ss.id_hash = "h4";
	ss.user_id = u.id;
	assert_int_equal(store_session_add(t->s, &ss, &e), 0);
	assert_int_equal(store_session_delete(t->s, "h4", &e), 0);
	assert_int_equal(store_session_get(t->s, t->a, "h4", &sg, &e),
			 ERR_NOTFOUND);

	assert_string_equal(store_role_name(STORE_ROLE_AUTHOR), "author");
	assert_int_equal(store_role_parse("editor"), STORE_ROLE_EDITOR);
	assert_int_equal(store_role_parse("root"), STORE_ROLE_NONE);
}

/* ---- settings, redirects, audit ------------------------------------- */

static void test_settings(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	assert_int_equal(store_setting_set(t->s, "name.en", "Gazette", &e), 0);
	assert_int_equal(store_setting_set(t->s, "name.ru", "Газета", &e), 0);
	assert_int_equal(store_setting_set(t->s, "name.en", "The Gazette", &e),
			 0);
	char *v;
	assert_int_equal(store_setting_get(t->s, t->a, "name.en", &v, &e), 0);
	assert_string_equal(v, "The Gazette");
	assert_int_equal(store_setting_get(t->s, t->a, "nope", &v, &e), 0);
	assert_null(v);
	struct store_setting *list;
	size_t n;
	assert_int_equal(store_setting_list(t->s, t->a, &list, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[1].key, "name.ru");
	assert_string_equal(list[1].value, "Газета");
	assert_int_equal(store_setting_set(t->s, "name.ru", NULL, &e), 0);
	assert_int_equal(store_setting_get(t->s, t->a, "name.ru", &v, &e), 0);
	assert_null(v);
	assert_int_equal(store_setting_set(t->s, "", "x", &e), ERR_INVALID);
}

static void test_redirects(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	assert_int_equal(store_redirect_add(t->s, "/a", "/b", 301, &e), 0);
	char *to;
	int code;
	assert_int_equal(store_redirect_find(t->s, t->a, "/a", &to, &code, &e),
			 0);
	assert_string_equal(to, "/b");
	assert_int_equal(code, 301);
	/* b renamed to c: a goes straight to c */
	assert_int_equal(store_redirect_add(t->s, "/b", "/c", 308, &e), 0);
	assert_int_equal(store_redirect_find(t->s, t->a, "/a", &to, &code, &e),
			 0);
	assert_string_equal(to, "/c");
	/* and back to b: no loop */
	assert_int_equal(store_redirect_add(t->s, "/c", "/b", 301, &e), 0);
	assert_int_equal(store_redirect_find(t->s, t->a, "/b", &to, &code, &e),
			 0);
	assert_null(to);
	assert_int_equal(store_redirect_find(t->s, t->a, "/a", &to, &code, &e),
			 0);
	assert_string_equal(to, "/b");
	assert_int_equal(store_redirect_find(t->s, t->a, "/zz", &to, &code, &e),
			 0);
	assert_null(to);
	assert_int_equal(store_redirect_add(t->s, "/x", "/y", 200, &e),
			 ERR_INVALID);
	assert_int_equal(store_redirect_add(t->s, "/x", "/x", 301, &e),
			 ERR_INVALID);
}

static void test_audit(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	assert_int_equal(store_audit_add(t->s, 0, "article.publish", "article",
					 12, "by scheduler", &e),
			 0);
	assert_int_equal(
		store_audit_add(t->s, 0, "user.login", "user", 3, "", &e), 0);
	assert_int_equal(store_audit_add(t->s, 0, "", "x", 1, "", &e),
			 ERR_INVALID);
	struct store_audit *list;
	size_t n;
	assert_int_equal(
		store_audit_list(t->s, t->a, NULL, 0, 0, 0, &list, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].action, "user.login"); /* newest first */
	assert_int_equal(store_audit_list(t->s, t->a, "article", 12, 0, 10,
					  &list, &n, &e),
			 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].detail, "by scheduler");
	assert_true(list[0].at > 0);
}

/* ---- live ----------------------------------------------------------- */

static void test_live(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	struct store_live_event ev = {.key = "visit",
				      .state = STORE_LIVE_LIVE,
				      .starts_at = 1000,
				      .edition = "en",
				      .slug = "visit-live",
				      .title = "The visit: live",
				      .summary = "Minute by minute"};
	assert_int_equal(store_live_event_save(t->s, &ev, &e), 0);
	struct store_live_event evr = ev;
	evr.edition = "ru";
	evr.slug = "";
	evr.title = "Визит: онлайн";
	evr.summary = "";
	assert_int_equal(store_live_event_save(t->s, &evr, &e), 0);
	assert_int_equal(evr.id, ev.id);
	struct store_live_event got;
	assert_int_equal(
		store_live_event_get(t->s, t->a, ev.id, "ru", &got, &e), 0);
	assert_string_equal(got.title, "Визит: онлайн");
	assert_string_equal(got.slug, "vizit-onlayn");
	assert_int_equal(got.state, STORE_LIVE_LIVE);
	struct store_live_event *list;
	size_t n;
	assert_int_equal(store_live_event_list(t->s, t->a, "en",
					       STORE_LIVE_LIVE, &list, &n, &e),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_live_event_list(t->s, t->a, "en",
					       STORE_LIVE_ENDED, &list, &n, &e),
			 0);
	assert_int_equal(n, 0);
	assert_int_equal(
		store_live_event_list(t->s, t->a, "en", -1, &list, &n, &e), 0);
	assert_int_equal(n, 1);

	for (int i = 0; i < 5; i++) {
		struct store_live_entry en = {.event_id = ev.id,
					      .edition = "en",
					      .created_at = 2000 + i,
					      .author_id = t->author1,
					      .body_md = "update",
					      .body_html = "<p>update</p>",
					      .pinned = i == 0};
		assert_int_equal(store_live_entry_save(t->s, &en, &e), 0);
		assert_true(en.id > 0);
		if (i == 3) {
			en.deleted = 1;
			en.body_md = "gone";
			assert_int_equal(store_live_entry_save(t->s, &en, &e),
					 0);
			assert_int_equal(en.edited, 1);
		}
	}
	struct store_live_entry *ents;
	assert_int_equal(store_live_entry_list(t->s, t->a, ev.id, "en", 0, 0,
					       10, &ents, &n, &e),
			 0);
	assert_int_equal(n, 4);
	assert_int_equal(ents[0].created_at, 2004); /* newest first */
	assert_int_equal(ents[0].author_id, t->author1);
	assert_int_equal(store_live_entry_list(t->s, t->a, ev.id, "en", 1, 0,
					       10, &ents, &n, &e),
			 0);
	assert_int_equal(n, 5);
	assert_int_equal(ents[1].deleted, 1);
	assert_int_equal(ents[1].edited, 1);
	assert_string_equal(ents[1].body_md, "gone");
	assert_int_equal(store_live_entry_list(t->s, t->a, ev.id, "en", 1, 3,
					       10, &ents, &n, &e),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(ents[1].pinned, 1);

	struct store_live_entry bad = {.event_id = 9999, .edition = "en"};
	assert_int_equal(store_live_entry_save(t->s, &bad, &e), ERR_INVALID);

	ev.state = STORE_LIVE_ENDED;
	ev.ends_at = 5000;
	assert_int_equal(store_live_event_save(t->s, &ev, &e), 0);
	assert_int_equal(store_live_event_list(t->s, t->a, "ru",
					       STORE_LIVE_ENDED, &list, &n, &e),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].ends_at, 5000);
}

/* ---- media ---------------------------------------------------------- */

static void test_media(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	struct store_media_variant vs[] = {
		{.width = 320,
		 .height = 180,
		 .format = "webp",
		 .path = "ab/cd-320.webp",
		 .bytes = 9000},
		{.width = 1280,
		 .height = 720,
		 .format = "webp",
		 .path = "ab/cd-1280.webp",
		 .bytes = 90000},
	};
	struct store_media m = {.sha256 = "abcd",
				.mime = "image/jpeg",
				.width = 4000,
				.height = 2250,
				.bytes = 1234567,
				.path = "ab/cd.jpg",
				.alt = "Фото",
				.caption = "A caption",
				.credit = "Photo: Agency",
				.variants = vs,
				.n_variants = 2};
	assert_int_equal(store_media_add(t->s, &m, &e), 0);
	assert_true(m.id > 0);
	struct store_media got;
	assert_int_equal(store_media_get(t->s, t->a, m.id, &got, &e), 0);
	assert_string_equal(got.mime, "image/jpeg");
	assert_string_equal(got.alt, "Фото");
	assert_int_equal(got.bytes, 1234567);
	assert_int_equal(got.uploaded_by, 0);
	assert_int_equal(got.n_variants, 2);
	assert_string_equal(got.variants[1].path, "ab/cd-1280.webp");
	assert_int_equal(got.variants[0].width, 320);
	assert_int_equal(store_media_get(t->s, t->a, m.id + 1, &got, &e),
			 ERR_NOTFOUND);
	m.uploaded_by = 777; /* no such user: nothing written */
	assert_int_equal(store_media_add(t->s, &m, &e), ERR_INVALID);
	assert_int_equal(store_media_get(t->s, t->a, m.id + 1, &got, &e),
			 ERR_NOTFOUND);
}

/* ---- slugs ---------------------------------------------------------- */

static void test_slugify(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	assert_string_equal(store_slugify(a, "Energy Security"),
			    "energy-security");
	assert_string_equal(store_slugify(a, "  Hello,   World!! "),
			    "hello-world");
	assert_string_equal(store_slugify(a, "Don't panic"), "dont-panic");
	assert_string_equal(store_slugify(a, "Щука и ёж: жизнь"),
			    "shchuka-i-ezh-zhizn");
	assert_string_equal(store_slugify(a, "Хорошая цена ЧАЙ"),
			    "khoroshaya-tsena-chay");
	assert_string_equal(store_slugify(a, "объём съезд"), "obem-sezd");
	assert_string_equal(store_slugify(a, "Эхо юга, яма"), "ekho-yuga-yama");
	assert_string_equal(store_slugify(a, "Bakı Şəhəri"), "baki-seheri");
	assert_string_equal(store_slugify(a, "Café 2026"), "cafe-2026");
	assert_string_equal(store_slugify(a, "!!!"), "");
	assert_string_equal(store_slugify(a, NULL), "");
	assert_string_equal(store_slugify(a, "\xff\xfe bad utf8"), "bad-utf8");
	char long_text[400];
	memset(long_text, 0, sizeof long_text);
	for (int i = 0; i < 60; i++)
		strcat(long_text, "word ");
	char *sl = store_slugify(a, long_text);
	assert_true(strlen(sl) <= 96);
	assert_true(sl[strlen(sl) - 1] != '-');
	arena_free(a);
}

/* ---- generation, list totals, spans --------------------------------- */

static void span_article(struct ts *t, const char *slug, int64_t publish_at)
{
	struct err e = {0};
	struct store_article art = {
		.edition = "en",
		.slug = (char *)slug,
		.kind = "news",
		.title = (char *)slug,
		.lead = "Lead.",
		.body_md = "Body.",
		.body_html = "<p>Body.</p>",
		.status = STORE_STATUS_PUBLISHED,
		.publish_at = publish_at,
	};
	if (store_article_save(t->s, &art, 0, &e))
		fail_msg("save %s: %s", slug, e.msg);
}

static size_t span_total(struct ts *t, int64_t not_after)
{
	struct err e = {0};
	struct store_article_filter f = {.edition = "en",
					 .status = STORE_STATUS_PUBLISHED,
					 .not_after = not_after,
					 .limit = 1};
	struct store_article *arts;
	size_t n, total = 999;
	if (store_article_list(t->s, t->a, &f, &arts, &n, &total, &e))
		fail_msg("list: %s", e.msg);
	return total;
}

/* Totals are cached per generation and stay exact: a write moves the
 * generation, a future-dated article is counted once due, and a span
 * gives the count and the newest change of a period. */
static void test_generation_totals(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	uint64_t g0 = store_generation(t->s);
	span_article(t, "first", 1000);
	span_article(t, "second", 2000);
	uint64_t g1 = store_generation(t->s);
	assert_true(g1 > g0);
	assert_int_equal(store_generation(t->s), g1); /* no write: still */

	assert_int_equal(span_total(t, 5000), 2);
	assert_int_equal(span_total(t, 5000), 2); /* from the cache */
	span_article(t, "later", 6000);           /* due at 6000 */
	assert_true(store_generation(t->s) > g1);
	assert_int_equal(span_total(t, 5000), 2);
	assert_int_equal(span_total(t, 5999), 2);
	assert_int_equal(span_total(t, 6000), 3); /* came due, no write */
	assert_int_equal(span_total(t, 1500), 1); /* an earlier "now" */
	assert_int_equal(span_total(t, 0), 3);    /* no time bound */
	assert_int_equal(span_total(t, 1500), 1); /* ... says nothing of one */

	/* a failed write moves it too (a rollback) and changes nothing */
	uint64_t g2 = store_generation(t->s);
	struct store_article bad = {.edition = "en",
				    .slug = "first",
				    .kind = "news",
				    .title = "Dup",
				    .lead = "",
				    .body_md = "",
				    .body_html = "",
				    .status = STORE_STATUS_PUBLISHED,
				    .publish_at = 100};
	assert_int_not_equal(store_article_save(t->s, &bad, 0, &e), 0);
	assert_true(store_generation(t->s) >= g2);
	assert_int_equal(span_total(t, 7000), 3);

	struct store_article_filter f = {.edition = "en",
					 .status = STORE_STATUS_PUBLISHED,
					 .published_after = 1000,
					 .published_before = 6000,
					 .not_after = 7000};
	size_t count = 0;
	int64_t modified = 0;
	assert_int_equal(
		store_article_span(t->s, t->a, &f, &count, &modified, &e), 0);
	assert_int_equal(count, 2);
	assert_true(modified >= 2000); /* updated_at is the save time */
	f.published_after = 8000;
	f.published_before = 9000;
	assert_int_equal(
		store_article_span(t->s, t->a, &f, &count, &modified, &e), 0);
	assert_int_equal(count, 0);
	assert_int_equal(modified, 0);
}

/* A read hold: one snapshot for a stretch of reads. Inside it a write
 * that commits (this thread's, or another handle's, as a CLI next to
 * `serve` would) is not seen and what is read is not kept under the
 * newer generation; after the release the next read sees the write.
 * Holds nest; an in-memory store has none (every read sees every
 * write). Relations keep their byline/tag order without ORDER BY. */
static void test_read_hold(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	int file = t->dir[0] != '\0';
	ts_seed(t);
	span_article(t, "first", 1000);
	assert_int_equal(span_total(t, 9000), 1);

	assert_int_equal(store_read_hold(t->s, &e), 0);
	uint64_t g = store_generation(t->s);
	assert_int_equal(span_total(t, 9000), 1);
	assert_int_equal(store_read_hold(t->s, &e), 0); /* nested */
	span_article(t, "second", 2000);  /* commits */
	assert_int_equal(store_generation(t->s), file ? g : g + 1);
	assert_int_equal(span_total(t, 9000), file ? 1 : 2);
	store_read_release(t->s);                      /* still held */
	assert_int_equal(span_total(t, 9000), file ? 1 : 2);
	store_read_release(t->s);
	assert_true(store_generation(t->s) > g);
	assert_int_equal(span_total(t, 9000), 2); /* not the held count */
	store_read_release(t->s);              /* unbalanced: no-op */

	if (file) {
		/* another handle on the file: another process's commit */
		char path[128];
		snprintf(path, sizeof path, "%s/g.db", t->dir);
		store *other;
		assert_int_equal(store_open(path, &other, &e), 0);
		assert_int_equal(store_read_hold(t->s, &e), 0);
		g = store_generation(t->s);
		assert_int_equal(span_total(t, 9000), 2);
		/* a hold is per store: another store in the same thread
		 * is refused, not silently given the wrong snapshot */
		assert_int_equal(store_read_hold(other, &e), ERR_INVALID);
		struct ts o = *t;
		o.s = other;
		span_article(&o, "third", 3000);
		assert_int_equal(span_total(t, 9000), 2);
		assert_int_equal(store_generation(t->s), g);
		store_read_release(t->s);
		assert_true(store_generation(t->s) > g);
		assert_int_equal(span_total(t, 9000), 3);
		store_close(other);
	}

	/* byline and tag order come from the positions, whatever the ids */
	int64_t au[] = {t->author2, t->author1};
	struct store_tag tg[] = {{.name = "zeta"}, {.name = "alpha"}};
	struct store_article art = {.edition = "en",
				    .slug = "ordered",
				    .kind = "news",
				    .title = "Ordered",
				    .lead = "",
				    .body_md = "x",
				    .body_html = "<p>x</p>",
				    .status = STORE_STATUS_PUBLISHED,
				    .publish_at = 4000,
				    .author_ids = au,
				    .n_authors = 2,
				    .tags = tg,
				    .n_tags = 2};
	assert_int_equal(store_article_save(t->s, &art, 0, &e), 0);
	tg[0].name = "alpha"; /* now the older tag goes first */
	tg[1].name = "zeta";
	au[0] = t->author1;
	au[1] = t->author2;
	art.tags = tg;
	assert_int_equal(store_article_save(t->s, &art, 0, &e), 0);
	struct store_article got;
	assert_int_equal(store_article_page_by_slug(t->s, t->a, "en",
						    "ordered", &got, &e),
			 0);
	assert_string_equal(got.body_md, ""); /* the page's copy */
	assert_string_equal(got.body_html, "<p>x</p>");
	assert_int_equal(got.n_authors, 2);
	assert_int_equal(got.author_ids[0], t->author1);
	assert_int_equal(got.author_ids[1], t->author2);
	assert_int_equal(got.n_tags, 2);
	assert_string_equal(got.tags[0].name, "alpha");
	assert_string_equal(got.tags[1].name, "zeta");
	struct store_article_filter f = {.edition = "en", .status = -1,
					 .limit = 10};
	struct store_article *l;
	size_t n;
	assert_int_equal(store_article_list(t->s, t->a, &f, &l, &n, NULL, &e),
			 0);
	assert_string_equal(l[0].slug, "ordered");
	assert_int_equal(l[0].author_ids[0], t->author1);
	assert_string_equal(l[0].tags[0].name, "alpha");
	assert_string_equal(l[0].tags[1].name, "zeta");
	assert_int_equal(store_article_page_by_slug(t->s, t->a, "en", "nope",
						    &got, &e),
			 ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "article nope in edition en"));
}

#define BOTH(f)                                                                \
	cmocka_unit_test_setup_teardown(f, ts_setup_mem, ts_teardown),         \
		cmocka_unit_test_setup_teardown(f, ts_setup_file, ts_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_migrate_twice),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_plans),
		cmocka_unit_test(test_slugify),
		BOTH(test_check_sound),
		BOTH(test_editions),
		BOTH(test_rubrics_two_editions),
		BOTH(test_authors_two_editions),
		BOTH(test_users),
		BOTH(test_settings),
		BOTH(test_redirects),
		BOTH(test_audit),
		BOTH(test_live),
		BOTH(test_media),
		BOTH(test_generation_totals),
		BOTH(test_read_hold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
