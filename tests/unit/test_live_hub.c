/*
 * test_live_hub.c - the live hub (live/hub.c) without HTTP: messages
 * reach subscribers in order and as SSE frames, a parked reader is woken
 * by a publish (exactly once per park), Last-Event-ID replays from the
 * ring or asks for a store replay when the ring lost messages, a reader
 * that falls behind the ring is ended, small read buffers cut messages
 * without losing bytes, heartbeats come when a reader is quiet, and
 * shutdown ends every stream and refuses new ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "live/live.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Hooks that count instead of suspending a connection. */
struct fake_conn {
	pthread_mutex_t mu;
	int parks, wakes; /* calls so far */
	int parked;       /* 1 between a park and its wake */
};

static void fake_park(void *ctx)
{
	struct fake_conn *c = ctx;
	pthread_mutex_lock(&c->mu);
	assert_false(c->parked); /* never parked twice without a wake */
	c->parks++;
	c->parked = 1;
	pthread_mutex_unlock(&c->mu);
}

static void fake_wake(void *ctx)
{
	struct fake_conn *c = ctx;
	pthread_mutex_lock(&c->mu);
	assert_true(c->parked); /* a wake always answers a park */
	c->wakes++;
	c->parked = 0;
	pthread_mutex_unlock(&c->mu);
}

static struct live_sub_hooks hooks_of(struct fake_conn *c)
{
	memset(c, 0, sizeof *c);
	pthread_mutex_init(&c->mu, NULL);
	struct live_sub_hooks h = {fake_park, fake_wake, c};
	return h;
}

static struct live_hub *hub_new(size_t ring, int heartbeat_ms)
{
	struct live_hub *h = NULL;
	struct err e = {0};
	struct live_hub_opts o = {.ring = ring, .heartbeat_ms = heartbeat_ms};
	assert_int_equal(live_hub_new(&o, &h, &e), 0);
	return h;
}

/* Everything s has now, as a string (reads until it parks or ends). */
static const char *drain(struct live_sub *s, char *out, size_t cap,
			 size_t chunk, int *ended)
{
	size_t n = 0;
	*ended = 0;
	for (;;) {
		size_t want = chunk < cap - 1 - n ? chunk : cap - 1 - n;
		ssize_t k = live_sub_read(s, out + n, want);
		if (k < 0) {
			*ended = 1;
			break;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	out[n] = '\0';
	return out;
}

static void test_publish_reaches_subscriber(void **state)
{
	(void)state;
	struct live_hub *h = hub_new(16, 60000);
	struct fake_conn c;
	struct live_sub_hooks hk = hooks_of(&c);
	struct live_sub *s;
	int replay = 7;
	struct err e = {0};
	assert_int_equal(live_sub_new(h, "ev:1:en", -1, &hk, &s, &replay, &e),
			 0);
	assert_int_equal(replay, 0);
	live_sub_push(s, "retry: 2000\n\n", 13);

	char buf[4096];
	int ended;
	assert_string_equal(drain(s, buf, sizeof buf, 4096, &ended),
			    "retry: 2000\n\n");
	assert_int_equal(c.parks, 1); /* nothing more: parked */

	int64_t id1 = live_hub_publish(h, "ev:1:en", "new", "{\"id\":1}", 8);
	assert_true(id1 > 0);
	assert_int_equal(c.wakes, 1);
	int64_t id2 = live_hub_publish(h, "ev:1:en", "edit", "{\"id\":1}", 8);
	assert_true(id2 > id1);
	assert_int_equal(c.wakes, 1); /* not parked again yet: no wake */
	/* Another channel does not wake it. */
	assert_true(live_hub_publish(h, "ev:2:en", "new", "{}", 2) > 0);

	char want[256];
	snprintf(want, sizeof want,
		 "id: %lld\nevent: new\ndata: {\"id\":1}\n\n"
		 "id: %lld\nevent: edit\ndata: {\"id\":1}\n\n",
		 (long long)id1, (long long)id2);
	assert_string_equal(drain(s, buf, sizeof buf, 4096, &ended), want);
	assert_int_equal(ended, 0);
	assert_int_equal(live_sub_last_id(s), id2);

	/* Bad input is refused, nothing sent. */
	assert_int_equal(live_hub_publish(h, "ev:1:en", "new", "a\nb", 3), 0);
	assert_int_equal(live_hub_publish(h, "ev:1:en", "New!", "{}", 2), 0);
	assert_int_equal(live_hub_publish(h, "", "new", "{}", 2), 0);

	size_t nc, ns, nm;
	live_hub_stats(h, &nc, &ns, &nm);
	assert_int_equal(nc, 2);
	assert_int_equal(ns, 1);
	assert_int_equal(nm, 3);
	live_sub_free(s);
	live_hub_shutdown(h);
	live_hub_free(h);
}

static void test_small_reads_cut_messages(void **state)
{
	(void)state;
	struct live_hub *h = hub_new(16, 60000);
	struct fake_conn c;
	struct live_sub_hooks hk = hooks_of(&c);
	struct live_sub *s;
	struct err e = {0};
	assert_int_equal(live_sub_new(h, "banner:en", -1, &hk, &s, NULL, &e),
			 0);
	char data[300];
	memset(data, 'x', sizeof data - 1);
	data[sizeof data - 1] = '\0';
	int64_t a =
		live_hub_publish(h, "banner:en", "state", data, strlen(data));
	int64_t b = live_hub_publish(h, "banner:en", "state", "{}", 2);
	char buf[2048], want[2048];
	int ended;
	drain(s, buf, sizeof buf, 7, &ended); /* 7 bytes at a time */
	snprintf(want, sizeof want,
		 "id: %lld\nevent: state\ndata: %s\n\nid: %lld\nevent: "
		 "state\ndata: {}\n\n",
		 (long long)a, data, (long long)b);
	assert_string_equal(buf, want);
	live_sub_free(s);
	live_hub_free(h);
}

static void test_replay_from_ring_and_store(void **state)
{
	(void)state;
	struct live_hub *h = hub_new(4, 60000);
	int64_t ids[6];
	for (int i = 0; i < 6; i++) {
		char d[16];
		int n = snprintf(d, sizeof d, "{\"n\":%d}", i);
		ids[i] = live_hub_publish(h, "ev:3:ru", "new", d, (size_t)n);
		assert_true(i == 0 || ids[i] > ids[i - 1]);
	}
	/* The ring keeps the last 4 (ids[2..5]): after ids[2] it has all. */
	struct fake_conn c;
	struct live_sub_hooks hk = hooks_of(&c);
	struct live_sub *s;
	int replay = -1;
	struct err e = {0};
	assert_int_equal(
		live_sub_new(h, "ev:3:ru", ids[2], &hk, &s, &replay, &e), 0);
	assert_int_equal(replay, 0);
	char buf[2048];
	int ended;
	drain(s, buf, sizeof buf, 4096, &ended);
	assert_null(strstr(buf, "{\"n\":2}"));
	assert_non_null(strstr(buf, "{\"n\":3}"));
	assert_non_null(strstr(buf, "{\"n\":5}"));
	live_sub_free(s);
	hk = hooks_of(&c);

	/* After ids[0] it lost ids[1]: the store must replay; the stream
	 * starts at the newest. */
	assert_int_equal(
		live_sub_new(h, "ev:3:ru", ids[0], &hk, &s, &replay, &e), 0);
	assert_int_equal(replay, 1);
	assert_int_equal(live_sub_last_id(s), ids[5]);
	drain(s, buf, sizeof buf, 4096, &ended);
	assert_string_equal(buf, "");
	live_sub_free(s);
	hk = hooks_of(&c);

	/* An id from before this channel existed (another process): store. */
	assert_int_equal(live_sub_new(h, "ev:9:ru", 1000, &hk, &s, &replay, &e),
			 0);
	assert_int_equal(replay, 1);
	live_sub_free(s);
	hk = hooks_of(&c);

	/* An id from the future means "up to now". */
	assert_int_equal(live_sub_new(h, "ev:3:ru", ids[5] + 1000000, &hk, &s,
				      &replay, &e),
			 0);
	assert_int_equal(replay, 0);
	assert_int_equal(live_sub_last_id(s), ids[5]);
	live_sub_free(s);
	hk = hooks_of(&c);

	/* The cursor a page hands its stream: nothing after it is lost. */
	int64_t cur = live_hub_cursor(h, "ev:3:ru");
	assert_int_equal(cur, ids[5]);
	int64_t next = live_hub_publish(h, "ev:3:ru", "edit", "{}", 2);
	assert_int_equal(live_sub_new(h, "ev:3:ru", cur, &hk, &s, &replay, &e),
			 0);
	assert_int_equal(replay, 0);
	drain(s, buf, sizeof buf, 4096, &ended);
	char want[64];
	snprintf(want, sizeof want, "id: %lld\n", (long long)next);
	assert_non_null(strstr(buf, want));
	live_sub_free(s);
	live_hub_free(h);
}

static void test_slow_reader_is_ended(void **state)
{
	(void)state;
	struct live_hub *h = hub_new(4, 60000);
	struct fake_conn c;
	struct live_sub_hooks hk = hooks_of(&c);
	struct live_sub *s;
	struct err e = {0};
	assert_int_equal(live_sub_new(h, "ev:1:en", -1, &hk, &s, NULL, &e), 0);
	for (int i = 0; i < 10; i++)
		live_hub_publish(h, "ev:1:en", "new", "{}", 2);
	char buf[64];
	assert_int_equal(live_sub_read(s, buf, sizeof buf), -1);
	assert_int_equal(live_sub_read(s, buf, sizeof buf), -1);
	live_sub_free(s);
	live_hub_free(h);
}

static void test_heartbeat(void **state)
{
	(void)state;
	struct live_hub *h = hub_new(16, 100);
	struct fake_conn c;
	struct live_sub_hooks hk = hooks_of(&c);
	struct live_sub *s;
	struct err e = {0};
	assert_int_equal(live_sub_new(h, "ev:1:en", -1, &hk, &s, NULL, &e), 0);
	char buf[64];
	assert_int_equal(live_sub_read(s, buf, sizeof buf), 0); /* parked */
	/* Within a few heartbeat periods the ticker wakes it for a ping. */
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&c.mu);
		int woken = c.wakes;
		pthread_mutex_unlock(&c.mu);
		if (woken)
			break;
		struct timespec ts = {0, 10 * 1000000};
		nanosleep(&ts, NULL);
	}
	assert_int_equal(c.wakes, 1);
	ssize_t n = live_sub_read(s, buf, sizeof buf);
	assert_int_equal(n, 8);
	assert_memory_equal(buf, ": ping\n\n", 8);
	assert_int_equal(live_sub_read(s, buf, sizeof buf), 0);
	live_sub_free(s);
	live_hub_free(h);
}

/* A publisher thread and a reader racing: every message arrives once, in
 * order, and park/wake stay paired (the fake hooks assert it). */
struct race {
	struct live_hub *h;
	int n;
};

static void *race_publisher(void *arg)
{
	struct race *r = arg;
	for (int i = 0; i < r->n; i++) {
		char d[16];
		int k = snprintf(d, sizeof d, "%d", i);
		live_hub_publish(r->h, "ev:5:en", "new", d, (size_t)k);
	}
	return NULL;
}

static void test_publish_read_race(void **state)
{
	(void)state;
	struct race rc = {hub_new(4096, 60000), 2000};
	struct fake_conn c;
	struct live_sub_hooks hk = hooks_of(&c);
	struct live_sub *s;
	struct err e = {0};
	assert_int_equal(live_sub_new(rc.h, "ev:5:en", -1, &hk, &s, NULL, &e),
			 0);
	pthread_t t;
	pthread_create(&t, NULL, race_publisher, &rc);
	static char buf[1 << 17];
	size_t len = 0;
	int next = 0;
	while (next < rc.n) {
		pthread_mutex_lock(&c.mu);
		int parked = c.parked;
		pthread_mutex_unlock(&c.mu);
		if (parked) {
			struct timespec ts = {0, 100000};
			nanosleep(&ts, NULL);
			continue;
		}
		ssize_t k = live_sub_read(s, buf + len, 100);
		assert_true(k >= 0);
		len += (size_t)k;
		buf[len] = '\0';
		const char *p;
		char want[32];
		while (next < rc.n) {
			snprintf(want, sizeof want, "data: %d\n\n", next);
			if (!(p = strstr(buf, want)))
				break;
			next++;
		}
	}
	pthread_join(t, NULL);
	assert_int_equal(next, rc.n);
	live_sub_free(s);
	live_hub_free(rc.h);
}

static void test_shutdown_ends_streams(void **state)
{
	(void)state;
	struct live_hub *h = hub_new(16, 60000);
	struct fake_conn c1, c2;
	struct live_sub_hooks h1 = hooks_of(&c1), h2 = hooks_of(&c2);
	struct live_sub *s1, *s2;
	struct err e = {0};
	assert_int_equal(live_sub_new(h, "ev:1:en", -1, &h1, &s1, NULL, &e), 0);
	assert_int_equal(live_sub_new(h, "banner:en", -1, &h2, &s2, NULL, &e),
			 0);
	char buf[64];
	assert_int_equal(live_sub_read(s1, buf, sizeof buf), 0); /* parked */
	live_hub_shutdown(h);
	assert_int_equal(c1.wakes, 1); /* woken to hear the end */
	assert_int_equal(live_sub_read(s1, buf, sizeof buf), -1);
	assert_int_equal(live_sub_read(s2, buf, sizeof buf), -1);
	struct live_sub *s3;
	assert_int_equal(live_sub_new(h, "ev:1:en", -1, &h1, &s3, NULL, &e),
			 ERR_IO);
	assert_int_equal(live_hub_publish(h, "ev:1:en", "new", "{}", 2), 0);
	live_hub_shutdown(h); /* idempotent */
	live_sub_free(s1);
	live_sub_free(s2);
	live_hub_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_reaches_subscriber),
		cmocka_unit_test(test_small_reads_cut_messages),
		cmocka_unit_test(test_replay_from_ring_and_store),
		cmocka_unit_test(test_slow_reader_is_ended),
		cmocka_unit_test(test_heartbeat),
		cmocka_unit_test(test_publish_read_race),
		cmocka_unit_test(test_shutdown_ends_streams),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
