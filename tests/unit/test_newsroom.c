/*
 * test_newsroom.c - the newsroom's accounts machinery without HTTP:
 * session tokens, idle and absolute expiry driven by a fake clock on a
 * ":memory:" store, the login rate limiter, form bodies, the checks
 * of `next` and redirect paths, and the store calls behind newsroom
 * pages: autosave revisions, tag management, the redirect list, ending a
 * user's sessions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "newsroom/newsroom.h"
#include "newsroom/password.h"
#include "util/arena.h"
#include "util/buf.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1800000000LL /* the fake clock starts here */

struct fx {
	store *s;
	struct arena *a;
	int64_t uid;
};

static int fx_setup(void **state)
{
	struct err e = {0};
	if (newsroom_crypto_init(&e))
		return -1;
	struct fx *f = calloc(1, sizeof *f);
	if (store_open(":memory:", &f->s, &e))
		return -1;
	f->a = arena_new(0);
	struct store_user u = {.login = "mira",
			       .display_name = "Mira",
			       .email = "",
			       .password_hash = "x",
			       .role = STORE_ROLE_EDITOR,
			       .created_at = T0};
	if (store_user_add(f->s, &u, &e))
		return -1;
	f->uid = u.id;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->s);
	arena_free(f->a);
	free(f);
	return 0;
}

/* Resolve token at `now` (touching); the return code. */
static int resolve(struct fx *f, const char *token, int64_t now,
		   struct store_session *ss)
{
	struct store_user u;
	struct err e = {0};
	return newsroom_session_resolve(f->s, f->a, token, now,
					NEWSROOM_SESSION_IDLE_SECS, 1, ss, &u,
					&e);
}

/* 1 when the store still has the session of token. */
static int stored(struct fx *f, const char *token)
{
	char h[NEWSROOM_HASH_SIZE];
	newsroom_token_hash(token, h);
	struct store_session ss;
	struct err e = {0};
	return store_session_get(f->s, f->a, h, &ss, &e) == 0;
}

static void test_tokens(void **state)
{
	(void)state;
	char a[NEWSROOM_TOKEN_SIZE], b[NEWSROOM_TOKEN_SIZE];
	newsroom_token_new(a);
	newsroom_token_new(b);
	assert_int_equal(strlen(a), 43);
	assert_true(newsroom_token_valid(a));
	assert_string_not_equal(a, b);
	assert_false(newsroom_token_valid(NULL));
	assert_false(newsroom_token_valid(""));
	assert_false(newsroom_token_valid("short"));
	char c[64];
	snprintf(c, sizeof c, "%s", a);
	c[5] = '=';
	assert_false(newsroom_token_valid(c));
	snprintf(c, sizeof c, "%sA", a);
	assert_false(newsroom_token_valid(c));
	char h1[NEWSROOM_HASH_SIZE], h2[NEWSROOM_HASH_SIZE];
	newsroom_token_hash(a, h1);
	newsroom_token_hash(a, h2);
	assert_string_equal(h1, h2);
	assert_int_equal(strlen(h1), 64);
	assert_null(strstr(h1, a)); /* the store never sees the token */
}

static void test_session_state_rules(void **state)
{
	(void)state;
	struct store_session ss = {
		.created_at = T0, .last_seen = T0, .expires_at = T0 + 100};
	assert_int_equal(newsroom_session_state(&ss, T0, 10),
			 NEWSROOM_SESSION_OK);
	assert_int_equal(newsroom_session_state(&ss, T0 + 10, 10),
			 NEWSROOM_SESSION_OK);
	assert_int_equal(newsroom_session_state(&ss, T0 + 11, 10),
			 NEWSROOM_SESSION_IDLE);
	assert_int_equal(newsroom_session_state(&ss, T0 + 50, 0),
			 NEWSROOM_SESSION_OK);
	ss.last_seen = T0 + 99;
	assert_int_equal(newsroom_session_state(&ss, T0 + 99, 10),
			 NEWSROOM_SESSION_OK);
	/* absolute expiry wins, even for a session seen a second ago */
	assert_int_equal(newsroom_session_state(&ss, T0 + 100, 10),
			 NEWSROOM_SESSION_EXPIRED);
	assert_int_equal(newsroom_session_state(&ss, T0 + 500, 10),
			 NEWSROOM_SESSION_EXPIRED);
}

static void test_session_idle_expiry(void **state)
{
	struct fx *f = *state;
	char tok[NEWSROOM_TOKEN_SIZE], csrf[NEWSROOM_TOKEN_SIZE];
	struct err e = {0};
	assert_int_equal(newsroom_session_create(f->s, f->uid, T0,
						 NEWSROOM_SESSION_MAX_SECS, tok,
						 csrf, &e),
			 0);
	assert_true(newsroom_token_valid(csrf));
	struct store_session ss;
	/* within a minute: valid, last_seen not written */
	assert_int_equal(resolve(f, tok, T0 + 30, &ss), 0);
	assert_int_equal(ss.last_seen, T0);
	assert_string_equal(ss.csrf, csrf);
	/* an hour later: valid, touched */
	assert_int_equal(resolve(f, tok, T0 + 3600, &ss), 0);
	assert_int_equal(ss.last_seen, T0 + 3600);
	/* exactly the idle limit after the touch: still valid */
	int64_t t = T0 + 3600 + NEWSROOM_SESSION_IDLE_SECS;
	assert_int_equal(resolve(f, tok, t, &ss), 0);
	/* idle one second too long: gone, and deleted from the store */
	t += NEWSROOM_SESSION_IDLE_SECS + 1;
	assert_int_equal(resolve(f, tok, t, &ss), ERR_NOTFOUND);
	assert_false(stored(f, tok));
	assert_int_equal(resolve(f, tok, T0 + 3600, &ss), ERR_NOTFOUND);
}

static void test_session_absolute_expiry(void **state)
{
	struct fx *f = *state;
	char tok[NEWSROOM_TOKEN_SIZE], csrf[NEWSROOM_TOKEN_SIZE];
	struct err e = {0};
	assert_int_equal(newsroom_session_create(f->s, f->uid, T0,
						 NEWSROOM_SESSION_MAX_SECS, tok,
						 csrf, &e),
			 0);
	struct store_session ss;
	/* used every 7 hours: never idle, still ends after 7 days */
	int64_t t = T0;
	while (t + 7 * 3600 < T0 + NEWSROOM_SESSION_MAX_SECS) {
		t += 7 * 3600;
		assert_int_equal(resolve(f, tok, t, &ss), 0);
	}
	assert_int_equal(resolve(f, tok, T0 + NEWSROOM_SESSION_MAX_SECS, &ss),
			 ERR_NOTFOUND);
	assert_false(stored(f, tok));
}

static void test_session_user_disabled_or_end(void **state)
{
	struct fx *f = *state;
	char tok[NEWSROOM_TOKEN_SIZE], csrf[NEWSROOM_TOKEN_SIZE];
	char tok2[NEWSROOM_TOKEN_SIZE];
	struct err e = {0};
	assert_int_equal(newsroom_session_create(f->s, f->uid, T0, 1000, tok,
						 csrf, &e),
			 0);
	assert_int_equal(newsroom_session_create(f->s, f->uid, T0, 1000, tok2,
						 csrf, &e),
			 0);
	struct store_session ss;
	/* logout ends one session only */
	assert_int_equal(newsroom_session_end(f->s, tok2, &e), 0);
	assert_int_equal(resolve(f, tok2, T0 + 1, &ss), ERR_NOTFOUND);
	assert_int_equal(resolve(f, tok, T0 + 1, &ss), 0);
	assert_int_equal(newsroom_session_end(f->s, "garbage", &e), 0);
	/* a disabled user's session ends at the next request */
	struct store_user u;
	assert_int_equal(store_user_get(f->s, f->a, f->uid, &u, &e), 0);
	u.disabled = 1;
	u.password_hash = "";
	assert_int_equal(store_user_update(f->s, &u, &e), 0);
	assert_int_equal(resolve(f, tok, T0 + 2, &ss), ERR_NOTFOUND);
	assert_false(stored(f, tok));
	/* unknown and malformed tokens */
	char other[NEWSROOM_TOKEN_SIZE];
	newsroom_token_new(other);
	assert_int_equal(resolve(f, other, T0, &ss), ERR_NOTFOUND);
	assert_int_equal(resolve(f, "x'; DROP TABLE sessions", T0, &ss),
			 ERR_NOTFOUND);
	/* a session for a user that does not exist is refused */
	assert_int_not_equal(
		newsroom_session_create(f->s, 999, T0, 10, tok, csrf, &e), 0);
}

static void test_limiter(void **state)
{
	(void)state;
	struct newsroom_limit_policy p = {
		.per_login = 3, .per_ip = 5, .window = 100};
	struct newsroom_limiter *l = newsroom_limiter_new(&p);
	int64_t retry = -1;
	/* per login, whatever the address, case-insensitive */
	assert_int_equal(
		newsroom_limiter_attempt(l, "Mira", "1.1.1.1", T0, &retry), 0);
	assert_int_equal(retry, 0);
	assert_int_equal(newsroom_limiter_attempt(l, "mira", "1.1.1.2", T0 + 1,
						  NULL),
			 0);
	assert_int_equal(newsroom_limiter_attempt(l, "MIRA", "1.1.1.3", T0 + 2,
						  NULL),
			 0);
	assert_int_equal(newsroom_limiter_attempt(l, "mira", "1.1.1.4", T0 + 10,
						  &retry),
			 1);
	assert_int_equal(retry, 90);
	/* refused attempts are not counted; the window passes */
	assert_int_equal(newsroom_limiter_attempt(l, "mira", "1.1.1.4", T0 + 99,
						  &retry),
			 1);
	assert_int_equal(retry, 1);
	assert_int_equal(newsroom_limiter_attempt(l, "mira", "1.1.1.4",
						  T0 + 100, &retry),
			 0);
	/* a success forgets the login's failures */
	newsroom_limiter_success(l, "mira", "1.1.1.4");
	for (int i = 0; i < 3; i++)
		assert_int_equal(newsroom_limiter_attempt(l, "mira", "2.2.2.2",
							  T0 + 101, NULL),
				 0);
	assert_int_equal(newsroom_limiter_attempt(l, "mira", "2.2.2.3",
						  T0 + 101, NULL),
			 1);
	/* per address, whatever the login */
	for (int i = 0; i < 5; i++) {
		char login[16];
		snprintf(login, sizeof login, "user%d", i);
		assert_int_equal(newsroom_limiter_attempt(l, login, "9.9.9.9",
							  T0, NULL),
				 0);
	}
	assert_int_equal(newsroom_limiter_attempt(l, "fresh", "9.9.9.9", T0 + 5,
						  &retry),
			 1);
	assert_int_equal(retry, 95);
	assert_int_equal(newsroom_limiter_attempt(l, "fresh", "9.9.9.8", T0 + 5,
						  NULL),
			 0);
	/* a success gives the address its attempt back */
	newsroom_limiter_success(l, "fresh", "9.9.9.8");
	newsroom_limiter_success(l, "user4", "9.9.9.9");
	assert_int_equal(newsroom_limiter_attempt(l, "other", "9.9.9.9", T0 + 6,
						  NULL),
			 0);
	assert_int_equal(newsroom_limiter_attempt(l, "other2", "9.9.9.9",
						  T0 + 6, NULL),
			 1);
	newsroom_limiter_free(l);
}

static void test_limiter_full_table(void **state)
{
	(void)state;
	struct newsroom_limiter *l = newsroom_limiter_new(NULL);
	char k[32];
	/* more keys than slots: the oldest are forgotten, nothing breaks */
	for (int i = 0; i < NEWSROOM_LIMIT_SLOTS + 100; i++) {
		snprintf(k, sizeof k, "u%d", i);
		char ip[32];
		snprintf(ip, sizeof ip, "10.%d.%d.1", i / 250, i % 250);
		assert_int_equal(
			newsroom_limiter_attempt(l, k, ip, T0 + i, NULL), 0);
	}
	newsroom_limiter_free(l);
}

/* Two apps in one process (app->limiter each) do not share counters. */
static void test_limiter_separate(void **state)
{
	(void)state;
	struct newsroom_limit_policy p = {2, 100, 60};
	struct newsroom_limiter *a = newsroom_limiter_new(&p);
	struct newsroom_limiter *b = newsroom_limiter_new(&p);
	assert_int_equal(
		newsroom_limiter_attempt(a, "mira", "1.1.1.1", T0, NULL), 0);
	assert_int_equal(
		newsroom_limiter_attempt(a, "mira", "1.1.1.1", T0, NULL), 0);
	int64_t retry = 0;
	assert_int_equal(
		newsroom_limiter_attempt(a, "mira", "1.1.1.1", T0, &retry), 1);
	assert_true(retry > 0);
	assert_int_equal(
		newsroom_limiter_attempt(b, "mira", "1.1.1.1", T0, &retry), 0);
	assert_int_equal(retry, 0);
	newsroom_limiter_free(a);
	newsroom_limiter_free(b);
}

static void test_form_parse(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	struct newsroom_form f;
	struct err e = {0};
	const char *body =
		"csrf=abc&login=Mira+Alston&x=%D0%96%2B&&empty=&flag&"
		"login=second";
	assert_int_equal(newsroom_form_parse(a, body, strlen(body), &f, &e), 0);
	assert_int_equal(f.n, 6);
	assert_string_equal(newsroom_form_get(&f, "csrf"), "abc");
	assert_string_equal(newsroom_form_get(&f, "login"), "Mira Alston");
	assert_string_equal(newsroom_form_get(&f, "x"), "Ж+");
	assert_string_equal(newsroom_form_get(&f, "empty"), "");
	assert_string_equal(newsroom_form_get(&f, "flag"), "");
	assert_null(newsroom_form_get(&f, "nope"));
	assert_int_equal(newsroom_form_parse(a, "", 0, &f, &e), 0);
	assert_int_equal(f.n, 0);
	static const char *const bad[] = {"a=%",   "a=%4",     "a=%zz", "a=%00",
					  "a=%ff", "%C3%28=1", "a=b%"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(newsroom_form_parse(a, bad[i], strlen(bad[i]),
						     &f, &e),
				 ERR_INVALID);
		assert_int_equal(f.n, 0);
	}
	/* a NUL inside the body */
	assert_int_equal(newsroom_form_parse(a, "a=b\0c", 5, &f, &e),
			 ERR_INVALID);
	/* too many fields */
	struct buf b;
	buf_init(&b, a);
	for (int i = 0; i <= NEWSROOM_FORM_MAX; i++)
		buf_puts(&b, "a=1&");
	assert_int_equal(newsroom_form_parse(a, b.data, b.len, &f, &e),
			 ERR_INVALID);
	arena_free(a);
}

static void test_next_valid(void **state)
{
	(void)state;
	assert_true(newsroom_next_valid("/newsroom"));
	assert_true(newsroom_next_valid("/newsroom/users"));
	assert_true(newsroom_next_valid("/newsroom?lang=ru"));
	assert_false(newsroom_next_valid(NULL));
	assert_false(newsroom_next_valid(""));
	assert_false(newsroom_next_valid("/"));
	assert_false(newsroom_next_valid("/newsroomx"));
	assert_false(newsroom_next_valid("//evil.example/newsroom"));
	assert_false(newsroom_next_valid("/newsroom//evil.example"));
	assert_false(newsroom_next_valid("https://evil.example/newsroom"));
	assert_false(newsroom_next_valid("/newsroom/\\evil"));
	assert_false(newsroom_next_valid("/newsroom/\r\nSet-Cookie: x"));
}

static void test_redirect_check(void **state)
{
	(void)state;
	struct err e = {0};
	assert_int_equal(newsroom_redirect_check("/old", "/new", &e), 0);
	assert_int_equal(newsroom_redirect_check("/ru/article/x",
						 "/ru/article/y?a=1", &e),
			 0);
	assert_int_equal(newsroom_redirect_check("/old",
						 "https://example.org/x", &e),
			 0);
	static const char *const bad_from[] = {
		"",
		"old",
		"//evil",
		"/a b",
		"/a?b",
		"/a#b",
		"/a\\b",
		"/newsroom",
		"/newsroom/users",
		"/api/v1/articles",
		"/static/x.css",
		"/a//b",
		"/a/../b",
	};
	for (size_t i = 0; i < sizeof bad_from / sizeof *bad_from; i++) {
		assert_int_equal(newsroom_redirect_check(bad_from[i], "/x", &e),
				 ERR_INVALID);
		assert_memory_equal(e.msg, "from:", 5);
	}
	static const char *const bad_to[] = {
		"",         "x",    "//evil.example", "javascript:alert(1)",
		"https://", "/a b", "/old",           "ftp://example.org/",
	};
	for (size_t i = 0; i < sizeof bad_to / sizeof *bad_to; i++) {
		assert_int_equal(newsroom_redirect_check("/old", bad_to[i], &e),
				 ERR_INVALID);
		assert_memory_equal(e.msg, "to:", 3);
	}
	/* /newsroomx is an ordinary path */
	assert_int_equal(newsroom_redirect_check("/newsroomx", "/x", &e), 0);
}

static int group_setup(void **state)
{
	(void)state;
	struct err e = {0};
	return newsroom_crypto_init(&e);
}

/* ---- the store calls behind newsroom pages ----------------------- */

/* Editions en and ru, and a draft article in en by f->uid with tags. */
static int64_t fx_article(struct fx *f, const char *slug, const char *ed,
			  struct store_tag *tags, size_t n_tags)
{
	struct err e = {0};
	struct store_edition eds[] = {{"en", "English", "", 0},
				      {"ru", "Русский", "/ru", 1}};
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(store_edition_upsert(f->s, &eds[i], &e), 0);
	struct store_article art = {
		.edition = (char *)ed,
		.slug = (char *)slug,
		.kind = "news",
		.title = "Saved title",
		.lead = "Saved lead.",
		.body_md = "Saved text.",
		.body_html = "<p>Saved text.</p>",
		.status = STORE_STATUS_DRAFT,
		.tags = tags,
		.n_tags = n_tags,
	};
	if (store_article_save(f->s, &art, f->uid, &e))
		fail_msg("save %s: %s", slug, e.msg);
	return art.id;
}

static size_t fx_autosaves(struct fx *f, int64_t id)
{
	struct store_revision *revs;
	size_t n, k = 0;
	struct err e = {0};
	assert_int_equal(store_revision_list(f->s, f->a, id, &revs, &n, &e), 0);
	for (size_t i = 0; i < n; i++)
		k += revs[i].autosave;
	return k;
}

static void test_autosave_store(void **state)
{
	struct fx *f = *state;
	struct err e = {0};
	int64_t id = fx_article(f, "autosaved", "en", NULL, 0);
	struct store_revision rv = {.article_id = id,
				    .number = 1,
				    .user_id = f->uid,
				    .title = "Saved title",
				    .lead = "",
				    .body_md = "Typed on"};
	int64_t ver = 0;
	assert_int_equal(store_revision_autosave(f->s, &rv, 3, &ver, &e), 0);
	assert_true(rv.id > 0);
	assert_int_equal(rv.autosave, 1);
	assert_int_equal(ver, 1);
	int64_t first = rv.id;
	/* the article and its version are untouched */
	struct store_article art;
	assert_int_equal(store_article_get(f->s, f->a, id, &art, &e), 0);
	assert_int_equal(art.version, 1);
	assert_string_equal(art.body_md, "Saved text.");
	/* the same text again: the same row */
	rv.id = 0;
	assert_int_equal(store_revision_autosave(f->s, &rv, 3, NULL, &e), 0);
	assert_int_equal(rv.id, first);
	assert_int_equal(fx_autosaves(f, id), 1);
	/* pending: the newest, by this user or by anyone */
	struct store_revision p;
	assert_int_equal(store_revision_autosave_pending(f->s, f->a, id, f->uid,
							 &p, &e),
			 0);
	assert_int_equal(p.id, first);
	assert_string_equal(p.body_md, "Typed on");
	assert_int_equal(
		store_revision_autosave_pending(f->s, f->a, id, 0, &p, &e), 0);
	assert_int_equal(store_revision_autosave_pending(f->s, f->a, id,
							 f->uid + 1, &p, &e),
			 ERR_NOTFOUND);
	/* only the newest `keep` stay */
	char body[32];
	int64_t last = 0;
	for (int i = 0; i < 5; i++) {
		snprintf(body, sizeof body, "Typed %d", i);
		rv.body_md = body;
		rv.id = 0;
		assert_int_equal(
			store_revision_autosave(f->s, &rv, 3, NULL, &e), 0);
		last = rv.id;
	}
	assert_int_equal(fx_autosaves(f, id), 3);
	struct store_revision gone;
	assert_int_equal(store_revision_get(f->s, f->a, first, &gone, &e),
			 ERR_NOTFOUND);
	/* bad input */
	rv.number = 2;
	assert_int_equal(store_revision_autosave(f->s, &rv, 3, NULL, &e),
			 ERR_INVALID);
	rv.number = 0;
	assert_int_equal(store_revision_autosave(f->s, &rv, 3, NULL, &e),
			 ERR_INVALID);
	rv.number = 1;
	rv.article_id = id + 100;
	assert_int_equal(store_revision_autosave(f->s, &rv, 3, NULL, &e),
			 ERR_NOTFOUND);
	rv.article_id = id;
	rv.user_id = f->uid + 100;
	assert_int_equal(store_revision_autosave(f->s, &rv, 3, NULL, &e),
			 ERR_INVALID);
	rv.user_id = f->uid;
	rv.body_md = NULL;
	assert_int_equal(store_revision_autosave(f->s, &rv, 3, NULL, &e),
			 ERR_INVALID);
	/* a save after autosaves over the same version: no clash of
	 * numbers, and nothing is pending any more */
	art.body_md = "Saved again.";
	assert_int_equal(store_article_save(f->s, &art, f->uid, &e), 0);
	assert_int_equal(art.version, 2);
	assert_int_equal(store_revision_autosave_pending(f->s, f->a, id, f->uid,
							 &p, &e),
			 ERR_NOTFOUND);
	/* an autosave over version 1 now: kept, and *version says 2 */
	rv.body_md = "Late typing";
	rv.id = 0;
	assert_int_equal(store_revision_autosave(f->s, &rv, 3, &ver, &e), 0);
	assert_int_equal(ver, 2);
	assert_true(rv.id > last);
	assert_int_equal(store_revision_autosave_pending(f->s, f->a, id, f->uid,
							 &p, &e),
			 0);
	assert_int_equal(p.number, 1);
}

static int64_t fx_tag(struct fx *f, const char *ed, const char *slug,
		      int64_t *count)
{
	struct store_tag_use *t;
	size_t n, total;
	struct err e = {0};
	assert_int_equal(store_tag_list_all(f->s, f->a, ed, slug, 0, 0, &t, &n,
					    &total, &e),
			 0);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].tag.slug, slug)) {
			if (count)
				*count = t[i].articles;
			return t[i].tag.id;
		}
	return 0;
}

static void test_tags_store(void **state)
{
	struct fx *f = *state;
	struct err e = {0};
	struct store_tag t1[] = {{.name = "Ports"}, {.name = "Harbours"}};
	struct store_tag t2[] = {{.name = "Ports"}};
	struct store_tag t3[] = {{.name = "Harbours"}};
	struct store_tag t4[] = {{.name = "Порты"}};
	fx_article(f, "one", "en", t1, 2);
	fx_article(f, "two", "en", t2, 1);
	fx_article(f, "three", "en", t3, 1);
	fx_article(f, "four", "ru", t4, 1);
	int64_t c = 0;
	int64_t ports = fx_tag(f, "en", "ports", &c);
	assert_true(ports > 0);
	assert_int_equal(c, 2);
	int64_t harb = fx_tag(f, "en", "harbours", &c);
	assert_int_equal(c, 2);
	int64_t ru = fx_tag(f, "ru", "porty", &c);
	assert_true(ru > 0);
	assert_int_equal(fx_tag(f, "en", "porty", NULL), 0);
	struct store_tag_use *all;
	size_t n, total;
	assert_int_equal(store_tag_list_all(f->s, f->a, "en", "", 0, 1, &all,
					    &n, &total, &e),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(total, 2);
	assert_string_equal(all[0].tag.name, "Harbours"); /* by name */
	/* rename; onto another tag's slug is a conflict */
	assert_int_equal(store_tag_rename(f->s, ports, "Sea ports", NULL, &e),
			 0);
	assert_int_equal(fx_tag(f, "en", "sea-ports", &c), ports);
	assert_int_equal(store_tag_rename(f->s, ports, "X", "harbours", &e),
			 ERR_CONFLICT);
	assert_int_equal(store_tag_rename(f->s, ports, "", NULL, &e),
			 ERR_INVALID);
	assert_int_equal(store_tag_rename(f->s, ports, "!!!", NULL, &e),
			 ERR_INVALID);
	assert_int_equal(store_tag_rename(f->s, 99999, "Y", NULL, &e),
			 ERR_NOTFOUND);
	/* merge: across editions or into itself is refused */
	assert_int_equal(store_tag_merge(f->s, ports, ru, &e), ERR_INVALID);
	assert_int_equal(store_tag_merge(f->s, ports, ports, &e), ERR_INVALID);
	assert_int_equal(store_tag_merge(f->s, ports, harb, &e), 0);
	assert_int_equal(fx_tag(f, "en", "sea-ports", NULL), 0);
	assert_int_equal(fx_tag(f, "en", "harbours", &c), harb);
	assert_int_equal(c, 3); /* "one" had both: counted once */
	struct store_tag_use g;
	assert_int_equal(store_tag_get(f->s, f->a, ports, &g, &e),
			 ERR_NOTFOUND);
	/* delete */
	assert_int_equal(store_tag_delete(f->s, harb, &e), 0);
	assert_int_equal(fx_tag(f, "en", "harbours", NULL), 0);
	assert_int_equal(store_tag_delete(f->s, harb, &e), ERR_NOTFOUND);
	struct store_article_filter flt = {.edition = "en", .status = -1};
	struct store_article *list;
	assert_int_equal(
		store_article_list(f->s, f->a, &flt, &list, &n, NULL, &e), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(list[i].n_tags, 0);
}

static void test_redirects_store(void **state)
{
	struct fx *f = *state;
	struct err e = {0};
	char from[32];
	for (int i = 0; i < 7; i++) {
		snprintf(from, sizeof from, "/old/%d", i);
		assert_int_equal(
			store_redirect_add(f->s, from, "/new", 301, &e), 0);
	}
	assert_int_equal(store_redirect_add(f->s, "/else", "/x", 302, &e), 0);
	struct store_redirect *rd;
	size_t n, total;
	assert_int_equal(store_redirect_list(f->s, f->a, "", 0, 5, &rd, &n,
					     &total, &e),
			 0);
	assert_int_equal(n, 5);
	assert_int_equal(total, 8);
	assert_int_equal(store_redirect_list(f->s, f->a, "/old/", 5, 5, &rd, &n,
					     &total, &e),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(total, 7);
	assert_int_equal(store_redirect_list(f->s, f->a, "/x", 0, 0, &rd, &n,
					     NULL, &e),
			 0);
	assert_int_equal(n, 1);
	assert_string_equal(rd[0].from_path, "/else");
	assert_int_equal(rd[0].code, 302);
	assert_int_equal(store_redirect_delete(f->s, "/else", &e), 0);
	assert_int_equal(store_redirect_delete(f->s, "/else", &e),
			 ERR_NOTFOUND);
	char *to = NULL;
	assert_int_equal(
		store_redirect_find(f->s, f->a, "/else", &to, NULL, &e), 0);
	assert_null(to);
}

static void test_session_delete_user(void **state)
{
	struct fx *f = *state;
	struct err e = {0};
	char tok[3][NEWSROOM_TOKEN_SIZE], csrf[NEWSROOM_TOKEN_SIZE];
	for (int i = 0; i < 3; i++)
		assert_int_equal(newsroom_session_create(f->s, f->uid, T0, 3600,
							 tok[i], csrf, &e),
				 0);
	char keep[NEWSROOM_HASH_SIZE];
	newsroom_token_hash(tok[1], keep);
	size_t n = 0;
	assert_int_equal(store_session_delete_user(f->s, f->uid, keep, &n, &e),
			 0);
	assert_int_equal(n, 2);
	assert_false(stored(f, tok[0]));
	assert_true(stored(f, tok[1]));
	assert_false(stored(f, tok[2]));
	assert_int_equal(store_session_delete_user(f->s, f->uid, NULL, &n, &e),
			 0);
	assert_int_equal(n, 1);
	assert_false(stored(f, tok[1]));
	assert_int_equal(
		store_session_delete_user(f->s, f->uid + 5, NULL, NULL, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tokens, fx_setup,
						fx_teardown),
		cmocka_unit_test(test_session_state_rules),
		cmocka_unit_test_setup_teardown(test_session_idle_expiry,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_session_absolute_expiry,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_session_user_disabled_or_end, fx_setup,
			fx_teardown),
		cmocka_unit_test_setup_teardown(test_limiter, fx_setup,
						fx_teardown),
		cmocka_unit_test(test_limiter_full_table),
		cmocka_unit_test(test_limiter_separate),
		cmocka_unit_test(test_form_parse),
		cmocka_unit_test(test_next_valid),
		cmocka_unit_test(test_redirect_check),
		cmocka_unit_test_setup_teardown(test_autosave_store, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_tags_store, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_redirects_store, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_session_delete_user,
						fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
