/*
 * test_diff.c - the newsroom's word diff (newsroom/diff.c): equal texts,
 * insertions, deletions, replacements, white space folded into changes,
 * punctuation and Cyrillic words, HTML escaping and invalid UTF-8, and
 * the bounds: a long rewrite finishes quickly and says it is
 * approximate; a long text with a few edits is still exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "newsroom/diff.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The diff of two C strings; heap string the caller frees. */
static char *diff(const char *a, const char *b, struct newsroom_diff_stats *st)
{
	struct buf out;
	buf_init(&out, NULL);
	newsroom_diff_html(&out, a, a ? strlen(a) : 0, b, b ? strlen(b) : 0, 0,
			   st);
	return buf_detach(&out, NULL);
}

#define CHECK_DIFF(a, b, want)                                                 \
	do {                                                                   \
		char *got_ = diff(a, b, NULL);                                 \
		assert_string_equal(got_, want);                               \
		free(got_);                                                    \
	} while (0)

static void test_equal(void **state)
{
	(void)state;
	struct newsroom_diff_stats st;
	char *got = diff("The same words.", "The same words.", &st);
	assert_string_equal(got, "The same words.");
	assert_int_equal(st.changes, 0);
	assert_int_equal(st.words_added, 0);
	assert_int_equal(st.words_removed, 0);
	assert_int_equal(st.approximate, 0);
	free(got);
	CHECK_DIFF("", "", "");
	CHECK_DIFF(NULL, NULL, "");
}

static void test_insert_delete(void **state)
{
	(void)state;
	struct newsroom_diff_stats st;
	char *got = diff("The vote was held.",
			 "The budget vote was held today.", &st);
	assert_string_equal(got, "The <ins>budget </ins>vote was held<ins> "
				 "today</ins>.");
	assert_int_equal(st.words_added, 2);
	assert_int_equal(st.words_removed, 0);
	assert_int_equal(st.changes, 2);
	free(got);

	got = diff("A very long and winding road", "A long road", &st);
	assert_string_equal(got, "A <del>very </del>long<del> and "
				 "winding</del> road");
	assert_int_equal(st.words_removed, 3);
	assert_int_equal(st.words_added, 0);
	free(got);

	CHECK_DIFF("", "new text", "<ins>new text</ins>");
	CHECK_DIFF("old text", "", "<del>old text</del>");
}

static void test_replace_folds_space(void **state)
{
	(void)state;
	/* One region, not three pairs around the spaces. */
	CHECK_DIFF("say a b c now", "say x y z now",
		   "say <del>a b c</del><ins>x y z</ins> now");
	CHECK_DIFF("cats", "dogs", "<del>cats</del><ins>dogs</ins>");
	/* a word changed in the middle of a sentence */
	CHECK_DIFF("The minister said no.", "The minister said yes.",
		   "The minister said <del>no</del><ins>yes</ins>.");
}

static void test_punctuation_and_cyrillic(void **state)
{
	(void)state;
	CHECK_DIFF("Hello, world", "Hello world", "Hello<del>,</del> world");
	CHECK_DIFF("Парламент принял бюджет.", "Парламент отклонил бюджет.",
		   "Парламент <del>принял</del><ins>отклонил</ins> бюджет.");
	/* multi-byte characters are never split */
	CHECK_DIFF("ёж", "еж", "<del>ёж</del><ins>еж</ins>");
}

static void test_escaping(void **state)
{
	(void)state;
	CHECK_DIFF("<b>x</b> & y", "<i>x</i> & y",
		   "&lt;<del>b</del><ins>i</ins>&gt;x&lt;/<del>b</del><ins>i"
		   "</ins>&gt; &amp; y");
	CHECK_DIFF("\"quote\"", "'quote'",
		   "<del>&quot;</del><ins>&#39;</ins>quote<del>&quot;</del>"
		   "<ins>&#39;</ins>");
	/* invalid UTF-8 comes out as U+FFFD, never raw */
	char *got = diff("ok \xff", "ok \xfe", NULL);
	assert_non_null(strstr(got, "\xEF\xBF\xBD"));
	assert_null(strchr(got, '\xff'));
	assert_null(strchr(got, '\xfe'));
	free(got);
}

static void test_newlines(void **state)
{
	(void)state;
	CHECK_DIFF("First paragraph.\n\nSecond one.",
		   "First paragraph.\n\nSecond one, longer.\n\nThird.",
		   "First paragraph.\n\nSecond one<ins>, longer.\n\nThird</ins>"
		   ".");
}

/* A text of n words from a seed; heap. */
static char *words(size_t n, unsigned seed)
{
	static const char *const vocab[] = {"vote",      "budget", "minister",
					    "coalition", "energy", "river",
					    "report",    "said",   "the",
					    "and"};
	struct buf b;
	buf_init(&b, NULL);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		buf_puts(&b, vocab[(seed >> 16) % 10]);
		buf_putc(&b, i % 17 == 16 ? '\n' : ' ');
	}
	return buf_detach(&b, NULL);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Random edits: the old text is what the diff shows minus <ins>, the new
 * text what it shows minus <del> (checked on plain ASCII words). */
static char *strip(const char *html, const char *drop)
{
	char open[8], close[8];
	snprintf(open, sizeof open, "<%s>", drop);
	snprintf(close, sizeof close, "</%s>", drop);
	const char *keep = !strcmp(drop, "ins") ? "del" : "ins";
	char kopen[8], kclose[8];
	snprintf(kopen, sizeof kopen, "<%s>", keep);
	snprintf(kclose, sizeof kclose, "</%s>", keep);
	struct buf b;
	buf_init(&b, NULL);
	const char *p = html;
	while (*p) {
		if (!strncmp(p, open, 5)) {
			p = strstr(p, close) + 6;
		} else if (!strncmp(p, kopen, 5)) {
			p += 5;
		} else if (!strncmp(p, kclose, 6)) {
			p += 6;
		} else {
			buf_putc(&b, *p++);
		}
	}
	return buf_detach(&b, NULL);
}

static void test_long_few_edits_exact(void **state)
{
	(void)state;
	char *a = words(60000, 1);
	size_t n = strlen(a);
	char *b = malloc(n + 64);
	/* change one word near the middle, append one at the end */
	size_t mid = n / 2;
	while (a[mid] != ' ')
		mid++;
	memcpy(b, a, mid + 1);
	strcpy(b + mid + 1, "INSERTED ");
	strcat(b, a + mid + 1);
	strcat(b, "END");
	struct newsroom_diff_stats st;
	double t0 = now_s();
	char *got = diff(a, b, &st);
	double t = now_s() - t0;
	assert_int_equal(st.approximate, 0);
	assert_int_equal(st.words_added, 2);
	assert_int_equal(st.words_removed, 0);
	assert_non_null(strstr(got, "<ins>INSERTED </ins>"));
	assert_true(t < 2.0);
	free(got);
	free(a);
	free(b);
}

static void test_long_rewrite_bounded(void **state)
{
	(void)state;
	/* Two unrelated texts of 100,000 words each: the shortest script is
	 * far past the bound, so the diff must stop early and say so. */
	char *a = words(100000, 7);
	char *b = words(100000, 99);
	struct newsroom_diff_stats st;
	double t0 = now_s();
	char *got = diff(a, b, &st);
	double t = now_s() - t0;
	assert_int_equal(st.approximate, 1);
	assert_true(t < 5.0);
	/* every word is still there: nothing of either text is lost */
	char *old = strip(got, "ins");
	char *new_ = strip(got, "del");
	assert_string_equal(old, a);
	assert_string_equal(new_, b);
	free(old);
	free(new_);
	free(got);
	free(a);
	free(b);
}

/* Long repetitive texts make every diagonal's snake long: the work bound
 * (not the edit bound) must stop it. */
static void test_repetitive_bounded(void **state)
{
	(void)state;
	struct buf a, b;
	buf_init(&a, NULL);
	buf_init(&b, NULL);
	for (int i = 0; i < 150000; i++) {
		buf_puts(&a, i % 3 ? "la " : "da ");
		buf_puts(&b, i % 5 ? "la " : "da ");
	}
	buf_puts(&a, "a");
	buf_puts(&b, "b");
	struct newsroom_diff_stats st;
	double t0 = now_s();
	char *got = diff(a.data, b.data, &st);
	double t = now_s() - t0;
	assert_true(t < 5.0);
	char *old = strip(got, "ins");
	assert_string_equal(old, a.data);
	free(old);
	free(got);
	buf_reset(&a);
	buf_reset(&b);
}

static void test_small_max_edits(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, NULL);
	struct newsroom_diff_stats st;
	const char *a = "one two three four five six";
	const char *b = "uno two tres four cinco six";
	newsroom_diff_html(&out, a, strlen(a), b, strlen(b), 2, &st);
	assert_int_equal(st.approximate, 1);
	assert_string_equal(out.data, "<del>one two three four five</del><ins>"
				      "uno two tres four cinco</ins> six");
	buf_reset(&out);
	newsroom_diff_html(&out, a, strlen(a), b, strlen(b), 0, &st);
	assert_int_equal(st.approximate, 0);
	assert_string_equal(out.data,
			    "<del>one</del><ins>uno</ins> two <del>three</del>"
			    "<ins>tres</ins> four <del>five</del><ins>cinco"
			    "</ins> six");
	buf_reset(&out);
}

static void test_roundtrip_random(void **state)
{
	(void)state;
	unsigned seed = 42;
	for (int round = 0; round < 200; round++) {
		char *a = words(40 + (size_t)(round % 50),
				seed + (unsigned)round);
		/* b: a with some words dropped, some replaced, some added */
		struct buf b;
		buf_init(&b, NULL);
		const char *p = a;
		while (*p) {
			const char *sp = p + strcspn(p, " \n");
			size_t wl = (size_t)(sp - p);
			seed = seed * 1103515245u + 12345u;
			unsigned r = (seed >> 16) % 10;
			if (r == 0) {
				/* drop */
			} else if (r == 1) {
				buf_puts(&b, "new");
			} else {
				buf_append(&b, p, wl);
			}
			if (r == 2)
				buf_puts(&b, " extra");
			if (*sp)
				buf_putc(&b, *sp++);
			p = sp;
		}
		char *got = diff(a, b.data, NULL);
		char *old = strip(got, "ins");
		char *new_ = strip(got, "del");
		assert_string_equal(old, a);
		assert_string_equal(new_, b.data);
		free(old);
		free(new_);
		free(got);
		free(a);
		buf_reset(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_insert_delete),
		cmocka_unit_test(test_replace_folds_space),
		cmocka_unit_test(test_punctuation_and_cyrillic),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_newlines),
		cmocka_unit_test(test_long_few_edits_exact),
		cmocka_unit_test(test_long_rewrite_bounded),
		cmocka_unit_test(test_repetitive_bounded),
		cmocka_unit_test(test_small_max_edits),
		cmocka_unit_test(test_roundtrip_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
