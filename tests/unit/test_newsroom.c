/*
 * test_newsroom.c - the newsroom's accounts machinery without HTTP:
 * session tokens, idle and absolute expiry driven by a fake clock on a
 * ":memory:" store, the login rate limiter, form bodies, and the checks
 * of `next` and redirect paths.
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
	assert_non_null(newsroom_limiter_process());
	assert_ptr_equal(newsroom_limiter_process(),
			 newsroom_limiter_process());
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
		cmocka_unit_test(test_form_parse),
		cmocka_unit_test(test_next_valid),
		cmocka_unit_test(test_redirect_check),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
