/*
 * test_date.c - localized dates, our TZif reader against known offsets
 * and against glibc, zone name validation, concurrent use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "render/date.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Every buf lives in this arena (heap bufs cannot be released). */
static struct arena *A;

static int arena_setup(void **state)
{
	(void)state;
	A = arena_new(0);
	return 0;
}

static int arena_teardown(void **state)
{
	(void)state;
	arena_free(A);
	A = NULL;
	return 0;
}

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = s};
	return (int64_t)timegm(&tm);
}

/* Formatted date, arena memory. */
static const char *fmt(int64_t t, const char *tz, const char *lang,
		       enum render_date_style st)
{
	struct buf b;
	buf_init(&b, A);
	render_date_format(&b, t, tz, lang, st);
	return b.data;
}

static void test_date_reference_page(void **state)
{
	(void)state;
	int64_t t = utc(2026, 2, 11, 6, 18, 0);
	assert_string_equal(fmt(t, "Asia/Baku", "en", RENDER_DATE_LONG),
			    "11 February 2026 10:18");
	assert_string_equal(fmt(t, "Asia/Baku", "ru", RENDER_DATE_LONG),
			    "11 февраля 2026, 10:18");
	assert_string_equal(fmt(t, "Asia/Baku", "en", RENDER_DATE_DAY),
			    "11 February 2026");
	assert_string_equal(fmt(t, "Asia/Baku", "ru", RENDER_DATE_DAY),
			    "11 февраля 2026");
	assert_string_equal(fmt(t, "Asia/Baku", "en", RENDER_DATE_ISO),
			    "2026-02-11T10:18:00+04:00");
	assert_string_equal(fmt(t, "Asia/Baku", "ru", RENDER_DATE_RFC822),
			    "Wed, 11 Feb 2026 10:18:00 +0400");
	assert_string_equal(fmt(t, "Asia/Baku", "en", RENDER_DATE_MONTH_YEAR),
			    "February 2026");
	assert_string_equal(fmt(t, "Asia/Baku", "ru", RENDER_DATE_MONTH_YEAR),
			    "Февраль 2026");
	assert_string_equal(fmt(t, "Asia/Baku", "ru", RENDER_DATE_YEAR),
			    "2026");
	assert_string_equal(fmt(t, "Asia/Baku", "ru", RENDER_DATE_TIME),
			    "10:18");
	/* languages: region suffixes, unknown and NULL fall back to English */
	assert_string_equal(fmt(t, "Asia/Baku", "ru-RU", RENDER_DATE_DAY),
			    "11 февраля 2026");
	assert_string_equal(fmt(t, "Asia/Baku", "de", RENDER_DATE_DAY),
			    "11 February 2026");
	assert_string_equal(fmt(t, "Asia/Baku", NULL, RENDER_DATE_DAY),
			    "11 February 2026");
	assert_string_equal(fmt(t, "Asia/Baku", "rus", RENDER_DATE_DAY),
			    "11 February 2026");
	/* a style cast from a bad int is the long form */
	assert_string_equal(fmt(t, "Asia/Baku", "en",
				(enum render_date_style)99),
			    "11 February 2026 10:18");
	/* appends */
	struct buf b;
	buf_init(&b, A);
	buf_puts(&b, "on ");
	render_date_format(&b, t, "UTC", "en", RENDER_DATE_TIME);
	assert_string_equal(b.data, "on 06:18");
}

static void test_date_russian_months(void **state)
{
	(void)state;
	static const char *const gen[12] = {"января",  "февраля", "марта",
					    "апреля",  "мая",     "июня",
					    "июля",    "августа", "сентября",
					    "октября", "ноября",  "декабря"};
	static const char *const nom[12] = {"Январь",  "Февраль", "Март",
					    "Апрель",  "Май",     "Июнь",
					    "Июль",    "Август",  "Сентябрь",
					    "Октябрь", "Ноябрь",  "Декабрь"};
	static const char *const en[12] = {"January", "February", "March",
					   "April",   "May",      "June",
					   "July",    "August",   "September",
					   "October", "November", "December"};
	char want[64];
	for (int m = 1; m <= 12; m++) {
		int64_t t = utc(2026, m, 1, 12, 5, 0);
		snprintf(want, sizeof want, "1 %s 2026, 12:05", gen[m - 1]);
		assert_string_equal(fmt(t, "UTC", "ru", RENDER_DATE_LONG),
				    want);
		snprintf(want, sizeof want, "%s 2026", nom[m - 1]);
		assert_string_equal(fmt(t, "UTC", "ru", RENDER_DATE_MONTH_YEAR),
				    want);
		snprintf(want, sizeof want, "1 %s 2026 12:05", en[m - 1]);
		assert_string_equal(fmt(t, "UTC", "en", RENDER_DATE_LONG),
				    want);
	}
}

static void test_date_dst(void **state)
{
	(void)state;
	const char *be = "Europe/Berlin";
	assert_string_equal(fmt(utc(2026, 7, 1, 12, 0, 0), be, "en",
				RENDER_DATE_ISO),
			    "2026-07-01T14:00:00+02:00");
	assert_string_equal(fmt(utc(2026, 1, 15, 12, 0, 0), be, "en",
				RENDER_DATE_ISO),
			    "2026-01-15T13:00:00+01:00");
	assert_string_equal(fmt(utc(2026, 7, 1, 12, 0, 0), be, "en",
				RENDER_DATE_RFC822),
			    "Wed, 01 Jul 2026 14:00:00 +0200");
	assert_string_equal(fmt(utc(2026, 1, 15, 12, 0, 0), be, "ru",
				RENDER_DATE_LONG),
			    "15 января 2026, 13:00");
	/* the changes themselves: last Sundays of March and October, 01:00Z */
	assert_string_equal(fmt(utc(2026, 3, 29, 0, 59, 59), be, "en",
				RENDER_DATE_ISO),
			    "2026-03-29T01:59:59+01:00");
	assert_string_equal(fmt(utc(2026, 3, 29, 1, 0, 0), be, "en",
				RENDER_DATE_ISO),
			    "2026-03-29T03:00:00+02:00");
	assert_string_equal(fmt(utc(2026, 10, 25, 0, 59, 59), be, "en",
				RENDER_DATE_ISO),
			    "2026-10-25T02:59:59+02:00");
	assert_string_equal(fmt(utc(2026, 10, 25, 1, 0, 0), be, "en",
				RENDER_DATE_ISO),
			    "2026-10-25T02:00:00+01:00");
	/* far beyond the last transition in the file: the footer rule */
	assert_string_equal(fmt(utc(2100, 7, 1, 12, 0, 0), be, "en",
				RENDER_DATE_ISO),
			    "2100-07-01T14:00:00+02:00");
	/* southern hemisphere: summer in January */
	assert_string_equal(fmt(utc(2026, 1, 10, 0, 0, 0), "Australia/Sydney",
				"en", RENDER_DATE_ISO),
			    "2026-01-10T11:00:00+11:00");
	assert_string_equal(fmt(utc(2026, 7, 10, 0, 0, 0), "Australia/Sydney",
				"en", RENDER_DATE_ISO),
			    "2026-07-10T10:00:00+10:00");
	/* a rule change in the table: US DST began 2 April 2006, 11 March 2007 */
	const char *ny = "America/New_York";
	assert_string_equal(fmt(utc(2006, 4, 1, 12, 0, 0), ny, "en",
				RENDER_DATE_RFC822),
			    "Sat, 01 Apr 2006 07:00:00 -0500");
	assert_string_equal(fmt(utc(2007, 3, 15, 12, 0, 0), ny, "en",
				RENDER_DATE_ISO),
			    "2007-03-15T08:00:00-04:00");
	/* half and three-quarter hours */
	assert_string_equal(fmt(utc(2026, 2, 11, 6, 18, 0), "Asia/Kolkata",
				"en", RENDER_DATE_ISO),
			    "2026-02-11T11:48:00+05:30");
	assert_string_equal(fmt(utc(2026, 2, 11, 6, 18, 0), "Asia/Kathmandu",
				"en", RENDER_DATE_RFC822),
			    "Wed, 11 Feb 2026 12:03:00 +0545");
	assert_int_equal(render_tz_offset("Asia/Baku",
					  utc(2026, 2, 11, 0, 0, 0)),
			 4 * 3600);
	assert_int_equal(render_tz_offset("America/New_York",
					  utc(2026, 1, 1, 0, 0, 0)),
			 -5 * 3600);
}

static void test_date_extremes(void **state)
{
	(void)state;
	/* local mean time: Berlin was +0:53:28 in 1800; ISO stays exact */
	int64_t t = utc(1800, 1, 1, 12, 0, 0);
	assert_string_equal(fmt(t, "Europe/Berlin", "en", RENDER_DATE_ISO),
			    "1800-01-01T12:00:00+00:00");
	assert_string_equal(fmt(t, "Europe/Berlin", "en", RENDER_DATE_LONG),
			    "1 January 1800 12:53");
	assert_string_equal(fmt(INT64_MAX, "Europe/Berlin", "en",
				RENDER_DATE_YEAR),
			    "9999");
	assert_string_equal(fmt(INT64_MIN, "UTC", "en", RENDER_DATE_ISO),
			    "0001-01-02T00:00:00+00:00");
	assert_string_equal(fmt(0, NULL, "en", RENDER_DATE_RFC822),
			    "Thu, 01 Jan 1970 00:00:00 +0000");
	assert_string_equal(fmt(-1, "", "en", RENDER_DATE_ISO),
			    "1969-12-31T23:59:59+00:00");
}

static void test_date_unknown_zone(void **state)
{
	(void)state;
	int64_t t = utc(2026, 2, 11, 6, 18, 0);
	static const char *const bad[] = {
		"Mars/Olympus_Mons",
		"../../../etc/passwd",
		"Europe/../Europe/Berlin",
		"/etc/localtime",
		"Europe",
		"Europe//Berlin",
		"Europe/Berlin/",
		"Asia/Baku\n",
		"Asia Baku",
		"",
		"zone.tab",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_string_equal(fmt(t, bad[i], "en", RENDER_DATE_ISO),
				    "2026-02-11T06:18:00+00:00");
		struct err e = {0};
		assert_int_equal(render_tz_valid(bad[i], &e), ERR_INVALID);
		assert_true(e.msg[0] != '\0');
	}
	assert_int_equal(render_tz_valid(NULL, NULL), ERR_INVALID);
	assert_int_equal(render_tz_valid("Asia/Baku", NULL), 0);
	assert_int_equal(render_tz_valid("UTC", NULL), 0);
	assert_int_equal(render_tz_valid("Etc/GMT-4", NULL), 0);
	assert_int_equal(
		render_tz_valid("America/Argentina/Buenos_Aires", NULL), 0);
	/* a flood of made-up names neither grows memory nor breaks lookups */
	for (int i = 0; i < 500; i++) {
		char name[32];
		snprintf(name, sizeof name, "Nowhere/Zone_%d", i);
		assert_string_equal(fmt(t, name, "en", RENDER_DATE_TIME),
				    "06:18");
	}
	assert_string_equal(fmt(t, "Europe/Moscow", "ru", RENDER_DATE_TIME),
			    "09:18");
}

/* Our reader against glibc's for many instants in many zones. This test
 * alone sets TZ; it runs single-threaded. */
static void test_date_matches_glibc(void **state)
{
	(void)state;
	static const char *const zones[] = {
		"Europe/Berlin",    "Europe/Moscow",     "Asia/Baku",
		"America/New_York", "America/Sao_Paulo", "Australia/Lord_Howe",
		"Pacific/Chatham",  "Africa/Casablanca", "Asia/Tehran",
		"America/St_Johns", "Europe/Dublin",     "Pacific/Apia",
	};
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	uint64_t x = 88172645463325252ull;
	for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		setenv("TZ", zones[z], 1);
		tzset();
		for (int i = 0; i < 3000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* 1902..2099 */
			int64_t t = -2145916800 + (int64_t)(x % 6311433600ull);
			time_t tt = (time_t)t;
			struct tm tm;
			assert_non_null(localtime_r(&tt, &tm));
			int32_t ours = render_tz_offset(zones[z], t);
			if (ours != tm.tm_gmtoff)
				fail_msg("%s at %lld: ours %d, glibc %ld",
					 zones[z], (long long)t, ours,
					 tm.tm_gmtoff);
		}
	}
	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

/* Truncated and bit-flipped TZif files must not crash the reader. Runs
 * single-threaded: it points TZDIR at a temporary directory. */
static void test_date_corrupt_files(void **state)
{
	(void)state;
	FILE *f = fopen("/usr/share/zoneinfo/Europe/Berlin", "rb");
	assert_non_null(f);
	static unsigned char orig[8192], mut[8192];
	size_t n = fread(orig, 1, sizeof orig, f);
	fclose(f);
	assert_true(n > 100 && n < sizeof orig);
	char dir[] = "/tmp/gazette-tz-XXXXXX", path[128], name[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/Fuzz", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	setenv("TZDIR", dir, 1);
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (int i = 0; i < 3000; i++) {
		size_t len = n;
		memcpy(mut, orig, n);
		if (i < 600) {
			len = (size_t)i * n / 600; /* truncated */
		} else {
			for (int k = 0; k < 1 + i % 8; k++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				mut[x % n] ^=
					(unsigned char)(1u << (x >> 32) % 8);
			}
		}
		snprintf(name, sizeof name, "Fuzz/Z%d", i);
		snprintf(path, sizeof path, "%s/%s", dir, name);
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(mut, 1, len, f), len);
		fclose(f);
		int32_t off = render_tz_offset(name, utc(2026, 7, 1, 0, 0, 0));
		assert_true(off > -26 * 3600 && off < 26 * 3600);
		(void)render_tz_valid(name, NULL);
		(void)fmt(utc(1900, 1, 1, 0, 0, 0), name, "ru",
			  RENDER_DATE_LONG);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/Fuzz", dir);
	rmdir(path);
	rmdir(dir);
	unsetenv("TZDIR");
}

struct thread_case {
	const char *tz;
	const char *lang;
	int64_t t;
	const char *want; /* LONG */
};

static const struct thread_case thread_cases[] = {
	{"Asia/Tokyo", "en", 1770790680, "11 February 2026 15:18"},
	{"America/Los_Angeles", "ru", 1770790680, "10 февраля 2026, 22:18"},
	{"Europe/London", "en", 1782907200, "1 July 2026 13:00"},
	{"Asia/Yerevan", "ru", 1782907200, "1 июля 2026, 16:00"},
	{"Europe/Paris", "ru", 1782907200, "1 июля 2026, 14:00"},
	{"Asia/Tbilisi", "en", 1770790680, "11 February 2026 10:18"},
	{"Europe/Kyiv", "ru", 1770790680, "11 февраля 2026, 08:18"},
	{"UTC", "en", 1770790680, "11 February 2026 06:18"},
};

static void *date_thread(void *arg)
{
	size_t k = (size_t)(uintptr_t)arg;
	struct arena *a = arena_new(0); /* an arena is one thread's */
	void *bad = NULL;
	for (int i = 0; i < 4000 && !bad; i++) {
		const struct thread_case *c =
			&thread_cases[(k + (size_t)i) %
				      (sizeof thread_cases /
				       sizeof thread_cases[0])];
		struct buf b;
		buf_init(&b, a);
		render_date_format(&b, c->t, c->tz, c->lang, RENDER_DATE_LONG);
		if (strcmp(b.data, c->want))
			bad = (void *)1;
		if (i % 100 == 99)
			arena_reset(a);
	}
	arena_free(a);
	return bad;
}

static void test_date_threads(void **state)
{
	(void)state;
	/* zones used here first appear in this test: the threads race to
	 * load and cache them */
	pthread_t th[4];
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, date_thread,
						(void *)(uintptr_t)i),
				 0);
	for (int i = 0; i < 4; i++) {
		void *r;
		assert_int_equal(pthread_join(th[i], &r), 0);
		assert_null(r);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, arena_setup, arena_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_date_threads), /* first, so the zones load concurrently */
		T(test_date_reference_page),
		T(test_date_russian_months),
		T(test_date_dst),
		T(test_date_extremes),
		T(test_date_matches_glibc),
		T(test_date_unknown_zone),
		T(test_date_corrupt_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
