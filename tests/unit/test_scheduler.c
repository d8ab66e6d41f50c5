/*
 * test_scheduler.c - scheduled publishing (newsroom/scheduler.c) on a
 * SQLite ":memory:" store: newsroom_publish_due publishes exactly what is
 * due (and the catch-up at start-up), writes audit entries and calls the
 * callback; the timer thread publishes an article within a second of its
 * time with nobody asking, and stops promptly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "newsroom/scheduler.h"
#include "store/store.h"
#include "util/arena.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static store *open_store(void)
{
	store *s = NULL;
	struct err e = {0};
	assert_int_equal(store_open(":memory:", &s, &e), 0);
	struct store_edition ed = {
		.code = "en", .name = "English", .prefix = "", .position = 1};
	assert_int_equal(store_edition_upsert(s, &ed, &e), 0);
	return s;
}

/* A new article in `status` with publish_at `at`; returns its id. */
static int64_t add_article(store *s, const char *slug, int status, int64_t at)
{
	struct err e = {0};
	struct store_article art = {
		.edition = "en",
		.slug = (char *)slug,
		.kind = "news",
		.title = (char *)slug,
		.lead = "",
		.body_md = "text",
		.body_html = "<p>text</p>",
		.status = (enum store_status)status,
		.publish_at = at,
		.seo_title = "",
		.seo_description = "",
		.correction = "",
	};
	int rc = store_article_save(s, &art, 0, &e);
	if (rc)
		fail_msg("save %s: %s", slug, e.msg);
	return art.id;
}

static int status_of(store *s, int64_t id)
{
	struct arena *a = arena_new(0);
	struct store_article art;
	struct err e = {0};
	assert_int_equal(store_article_get(s, a, id, &art, &e), 0);
	int st = (int)art.status;
	arena_free(a);
	return st;
}

struct seen {
	pthread_mutex_t mu;
	int64_t ids[16];
	size_t n;
	int calls;
};

static void on_publish(void *ctx, store *s, const int64_t *ids, size_t n)
{
	(void)s;
	struct seen *sn = ctx;
	pthread_mutex_lock(&sn->mu);
	for (size_t i = 0; i < n && sn->n < 16; i++)
		sn->ids[sn->n++] = ids[i];
	sn->calls++;
	pthread_mutex_unlock(&sn->mu);
}

static void test_publish_due(void **state)
{
	(void)state;
	store *s = open_store();
	int64_t now = (int64_t)time(NULL);
	int64_t past =
		add_article(s, "past", STORE_STATUS_SCHEDULED, now - 3600);
	int64_t due = add_article(s, "due", STORE_STATUS_SCHEDULED, now);
	int64_t future =
		add_article(s, "future", STORE_STATUS_SCHEDULED, now + 3600);
	int64_t draft = add_article(s, "draft", STORE_STATUS_DRAFT, now - 60);

	struct seen sn = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct err e = {0};
	size_t count = 99;
	/* The catch-up at start-up: whatever passed while it was down. */
	assert_int_equal(
		newsroom_publish_due(s, now, on_publish, &sn, &count, &e), 0);
	assert_int_equal(count, 2);
	assert_int_equal(sn.calls, 1);
	assert_int_equal(sn.n, 2);
	assert_true((sn.ids[0] == past && sn.ids[1] == due) ||
		    (sn.ids[0] == due && sn.ids[1] == past));
	assert_int_equal(status_of(s, past), STORE_STATUS_PUBLISHED);
	assert_int_equal(status_of(s, due), STORE_STATUS_PUBLISHED);
	assert_int_equal(status_of(s, future), STORE_STATUS_SCHEDULED);
	assert_int_equal(status_of(s, draft), STORE_STATUS_DRAFT);

	/* Nothing due: no callback, no write. */
	assert_int_equal(
		newsroom_publish_due(s, now, on_publish, &sn, &count, &e), 0);
	assert_int_equal(count, 0);
	assert_int_equal(sn.calls, 1);

	/* The audit log names each publish. */
	struct arena *a = arena_new(0);
	struct store_audit *au;
	size_t n;
	assert_int_equal(
		store_audit_list(s, a, "article", past, 0, 0, &au, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(au[0].action, "article.publish");
	assert_int_equal(au[0].user_id, 0);
	arena_free(a);

	/* An hour later the future one goes. */
	assert_int_equal(
		newsroom_publish_due(s, now + 3600, NULL, NULL, &count, &e), 0);
	assert_int_equal(count, 1);
	assert_int_equal(status_of(s, future), STORE_STATUS_PUBLISHED);
	store_close(s);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void test_thread_publishes_on_time(void **state)
{
	(void)state;
	store *s = open_store();
	/* Due at the start of the next second but one: between 1 and 2 s. */
	int64_t at = (int64_t)time(NULL) + 2;
	int64_t id = add_article(s, "soon", STORE_STATUS_SCHEDULED, at);
	struct seen sn = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct newsroom_scheduler *sch = NULL;
	struct err e = {0};
	assert_int_equal(
		newsroom_scheduler_start(s, 0, on_publish, &sn, &sch, &e), 0);
	int live = 0;
	while (!live && (int64_t)time(NULL) < at + 3) {
		live = status_of(s, id) == STORE_STATUS_PUBLISHED;
		if (!live) {
			/* never before its time */
			assert_true((int64_t)time(NULL) <= at);
			sleep_ms(20);
		}
	}
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	double late =
		(double)wall.tv_sec + (double)wall.tv_nsec / 1e9 - (double)at;
	assert_true(live);
	/* within a second of its time (the interval is 250 ms) */
	assert_true(late < 1.0);
	pthread_mutex_lock(&sn.mu);
	assert_int_equal(sn.n, 1);
	assert_int_equal(sn.ids[0], id);
	pthread_mutex_unlock(&sn.mu);
	assert_true(newsroom_scheduler_rounds(sch) >= 4);

	double t0 = mono();
	newsroom_scheduler_stop(sch);
	assert_true(mono() - t0 < 0.2);
	newsroom_scheduler_stop(NULL);
	store_close(s);
}

static void test_stop_right_away(void **state)
{
	(void)state;
	store *s = open_store();
	struct newsroom_scheduler *sch = NULL;
	struct err e = {0};
	/* a long interval: stop must not wait for it */
	assert_int_equal(
		newsroom_scheduler_start(s, 60000, NULL, NULL, &sch, &e), 0);
	sleep_ms(30);
	double t0 = mono();
	newsroom_scheduler_stop(sch);
	assert_true(mono() - t0 < 0.2);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_due),
		cmocka_unit_test(test_thread_publishes_on_time),
		cmocka_unit_test(test_stop_right_away),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
