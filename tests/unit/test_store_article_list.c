/*
 * test_store_article_list.c - the cached rankings of store_article_list
 * (sqlite_article_list.c): a most-read list over a time window gives, on
 * every call, what ranking all its rows again would give, while views
 * are added, articles come due and ranked ones leave the window. Each
 * test runs on ":memory:" and on a file. Filters, totals and the rest of
 * the store are in test_store_article.c. Also store_article_lists:
 * several lists in one call give what one call each gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define WINDOW (30 * 86400) /* as the home page's "most read" */

static int64_t article_add(struct ts *t, const char *slug, int64_t publish_at)
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
	return art.id;
}

/* Most read at `now` over WINDOW, `limit` long: ids into out. */
static size_t most_read(struct ts *t, int64_t now, size_t limit, int64_t *out,
			int64_t *views)
{
	struct err e = {0};
	struct store_article_filter f = {
		.edition = "en",
		.status = STORE_STATUS_PUBLISHED,
		.not_after = now,
		.published_after = now - WINDOW,
		.order_by_views = 1,
		.limit = limit,
	};
	struct store_article *l;
	size_t n;
	if (store_article_list(t->s, t->a, &f, &l, &n, NULL, &e))
		fail_msg("list: %s", e.msg);
	for (size_t i = 0; i < n; i++) {
		out[i] = l[i].id;
		if (views)
			views[i] = l[i].views;
	}
	return n;
}

/* The 3 most read at now, asked twice (the second answer may come from
 * the ranking kept by the first), equal what a list too long to be
 * kept gives; returns them in ids. */
static size_t check_top3(struct ts *t, int64_t now, int64_t *ids)
{
	int64_t ref[40], again[3], v[3];
	size_t nref = most_read(t, now, 40, ref, NULL);
	size_t n = most_read(t, now, 3, ids, v);
	size_t n2 = most_read(t, now, 3, again, NULL);
	assert_int_equal(n, nref < 3 ? nref : 3);
	assert_int_equal(n2, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ids[i], ref[i]);
		assert_int_equal(again[i], ref[i]);
	}
	return n;
}

static void test_ranking_follows_views_and_time(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	int64_t now = (int64_t)time(NULL);
	int64_t a1 = article_add(t, "one", now - 3600);
	int64_t a2 = article_add(t, "two", now - 7200);
	int64_t a3 = article_add(t, "three", now - 10800);
	/* leaves the window 100 s from now */
	int64_t old = article_add(t, "old", now - WINDOW + 99);
	/* outside already */
	int64_t older = article_add(t, "older", now - WINDOW - 10);
	/* comes due in 50 s */
	int64_t due = article_add(t, "due", now + 50);
	int64_t ids[3];

	/* no views: newest first */
	assert_int_equal(check_top3(t, now, ids), 3);
	assert_int_equal(ids[0], a1);
	assert_int_equal(ids[1], a2);
	assert_int_equal(ids[2], a3);

	/* views move the order at once (a write), and views stay exact */
	int64_t vid[] = {old, a3, older};
	int64_t vn[] = {70, 5, 1000};
	assert_int_equal(store_views_add(t->s, vid, vn, 3, &e), 0);
	int64_t v[3];
	assert_int_equal(most_read(t, now + 1, 3, ids, v), 3);
	assert_int_equal(ids[0], old);
	assert_int_equal(v[0], 70);
	assert_int_equal(ids[1], a3);
	assert_int_equal(v[1], 5);
	assert_int_equal(ids[2], a1);
	assert_int_equal(check_top3(t, now + 1, ids), 3);

	/* a later second without a write: the kept ranking, same answer */
	assert_int_equal(check_top3(t, now + 20, ids), 3);
	assert_int_equal(ids[0], old);

	/* an article comes due, without any write: it is the newest of
	 * those without views */
	assert_int_equal(check_top3(t, now + 50, ids), 3);
	assert_int_equal(ids[0], old);
	assert_int_equal(ids[1], a3);
	assert_int_equal(ids[2], due);

	/* the most read leaves the window, without any write */
	assert_int_equal(check_top3(t, now + 99, ids), 3);
	assert_int_equal(ids[0], old);
	assert_int_equal(check_top3(t, now + 100, ids), 3);
	assert_int_equal(ids[0], a3);
	assert_int_equal(ids[1], due);
	assert_int_equal(ids[2], a1);

	/* an unpublished article drops out at once */
	struct store_article got;
	assert_int_equal(store_article_get(t->s, t->a, a3, &got, &e), 0);
	got.status = STORE_STATUS_UNPUBLISHED;
	if (store_article_save(t->s, &got, 0, &e))
		fail_msg("unpublish: %s", e.msg);
	assert_int_equal(check_top3(t, now + 100, ids), 3);
	assert_int_equal(ids[0], due);
	assert_int_equal(ids[1], a1);
	assert_int_equal(ids[2], a2);
}

/* Fewer articles in the window than the list asks for. */
static void test_ranking_short_window(void **state)
{
	struct ts *t = *state;
	ts_seed(t);
	int64_t now = (int64_t)time(NULL);
	int64_t ids[3];
	assert_int_equal(check_top3(t, now, ids), 0);
	int64_t a1 = article_add(t, "only", now - WINDOW + 9);
	assert_int_equal(check_top3(t, now, ids), 1);
	assert_int_equal(ids[0], a1);
	assert_int_equal(check_top3(t, now + 9, ids), 1);
	assert_int_equal(check_top3(t, now + 10, ids), 0);
}

/* Every list of lists[] in one store_article_lists call equals the same
 * list alone: rows, totals, authors (tags only where asked for). */
static void test_lists_match_single_calls(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	int64_t now = (int64_t)time(NULL);
	struct store_tag tags[] = {{.name = "Energy"}, {.name = "Ports"}};
	for (int i = 0; i < 12; i++) {
		char slug[32];
		snprintf(slug, sizeof slug, "story-%d", i);
		struct store_article art = {
			.edition = "en",
			.slug = slug,
			.kind = "news",
			.title = slug,
			.lead = "Lead.",
			.body_md = "Body.",
			.body_html = "<p>Body.</p>",
			.status = STORE_STATUS_PUBLISHED,
			.publish_at = now - 60 * (i + 1),
			.featured = i % 3 == 0,
			.rubric_id = i % 2 ? t->rubric1 : 0,
		};
		int64_t au2[] = {t->author2, t->author1};
		art.author_ids = i % 4 ? au2 : au2 + 1;
		art.n_authors = i % 4 ? 2 : 1;
		art.tags = tags;
		art.n_tags = (size_t)(i % 3);
		if (store_article_save(t->s, &art, 0, &e))
			fail_msg("save: %s", e.msg);
	}
	struct store_article_filter base = {.edition = "en",
					    .status = STORE_STATUS_PUBLISHED,
					    .not_after = now};
	struct store_article_lists ls[5] = {0};
	for (int k = 0; k < 5; k++)
		ls[k].f = base;
	ls[0].f.limit = 5;
	ls[0].f.no_tags = 1;
	ls[0].want_total = 1;
	ls[1].f.featured_only = 1;
	ls[1].f.no_tags = 1;
	ls[2].f.rubric_id = t->rubric1;
	ls[2].f.limit = 3;
	ls[2].f.no_tags = 1;
	ls[3].f.offset = 2; /* with tags */
	ls[3].f.limit = 4;
	ls[3].want_total = 1;
	ls[4].f.no_relations = 1;
	ls[4].f.limit = 2;
	assert_int_equal(store_article_lists(t->s, t->a, ls, 5, &e), 0);
	for (int k = 0; k < 5; k++) {
		struct store_article *one;
		size_t n, total = 0;
		if (store_article_list(t->s, t->a, &ls[k].f, &one, &n,
				       ls[k].want_total ? &total : NULL, &e))
			fail_msg("list %d: %s", k, e.msg);
		assert_true(n > 0);
		assert_int_equal(ls[k].n, n);
		assert_int_equal(ls[k].total, total);
		for (size_t i = 0; i < n; i++) {
			const struct store_article *a = &ls[k].arts[i],
						   *b = &one[i];
			assert_int_equal(a->id, b->id);
			assert_string_equal(a->slug, b->slug);
			assert_int_equal(a->n_authors, b->n_authors);
			for (size_t j = 0; j < a->n_authors; j++)
				assert_int_equal(a->author_ids[j],
						 b->author_ids[j]);
			assert_int_equal(a->n_tags, b->n_tags);
			for (size_t j = 0; j < a->n_tags; j++)
				assert_string_equal(a->tags[j].name,
						    b->tags[j].name);
			if (ls[k].f.no_tags || ls[k].f.no_relations)
				assert_int_equal(a->n_tags, 0);
			if (ls[k].f.no_relations)
				assert_int_equal(a->n_authors, 0);
		}
	}
	/* the authors of a no_tags list are those of a full read */
	struct store_article full;
	assert_int_equal(
		store_article_get(t->s, t->a, ls[0].arts[1].id, &full, &e), 0);
	assert_int_equal(ls[0].arts[1].n_authors, full.n_authors);
	for (size_t j = 0; j < full.n_authors; j++)
		assert_int_equal(ls[0].arts[1].author_ids[j],
				 full.author_ids[j]);
	assert_int_equal(ls[0].total, 12);
	assert_int_equal(ls[3].total, 12);
}

#define BOTH(f)                                                                \
	cmocka_unit_test_setup_teardown(f, ts_setup_mem, ts_teardown),         \
		cmocka_unit_test_setup_teardown(f, ts_setup_file, ts_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_ranking_follows_views_and_time),
		BOTH(test_ranking_short_window),
		BOTH(test_lists_match_single_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
