/*
 * test_store_article.c - articles in the SQLite store: save/get/list with
 * every filter, version and slug conflicts, revisions, tags, the
 * scheduler, view counts, bulk loading (store_article_insert_many too),
 * Unicode, and readers and writers on many threads. Each test runs on
 * ":memory:" and on a file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_store.h"

#include "search/search.h"
#include "util/buf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A valid published article of edition `ed` with slug `slug`. */
static struct store_article art_new(const char *ed, const char *slug,
				    const char *title)
{
	return (struct store_article){
		.edition = (char *)ed,
		.slug = (char *)slug,
		.kind = "news",
		.title = (char *)title,
		.lead = "Lead.",
		.body_md = "Body *text*.",
		.body_html = "<p>Body <em>text</em>.</p>",
		.status = STORE_STATUS_PUBLISHED,
		.publish_at = 1000,
	};
}

static void save_ok(struct ts *t, struct store_article *art)
{
	struct err e = {0};
	if (store_article_save(t->s, art, 0, &e))
		fail_msg("save %s: %s", art->slug, e.msg);
}

static void test_save_get_roundtrip(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	int64_t authors[] = {t->author2, t->author1};
	struct store_tag tags[] = {{.name = "Energy Security"},
				   {.name = "Газопровод"}};
	struct store_article art = art_new("en", "first-story", "First story");
	art.kind = "analysis";
	art.rubric_id = t->rubric1;
	art.featured = 1;
	art.pinned = 1;
	art.seo_title = "SEO";
	art.correction = "An earlier version misspelled a name.";
	art.correction_at = 1500;
	art.author_ids = authors;
	art.n_authors = 2;
	art.tags = tags;
	art.n_tags = 2;
	save_ok(t, &art);
	assert_true(art.id > 0);
	assert_int_equal(art.version, 1);
	assert_int_equal(art.translation_group, art.id);
	assert_true(art.created_at > 0);
	assert_true(art.updated_at > 0);

	struct store_article got;
	assert_int_equal(store_article_get(t->s, t->a, art.id, &got, &e), 0);
	assert_string_equal(got.title, "First story");
	assert_string_equal(got.kind, "analysis");
	assert_string_equal(got.body_md, "Body *text*.");
	assert_string_equal(got.body_html, "<p>Body <em>text</em>.</p>");
	assert_string_equal(got.seo_title, "SEO");
	assert_string_equal(got.seo_description, "");
	assert_string_equal(got.correction,
			    "An earlier version misspelled a name.");
	assert_int_equal(got.correction_at, 1500);
	assert_int_equal(got.rubric_id, t->rubric1);
	assert_int_equal(got.status, STORE_STATUS_PUBLISHED);
	assert_int_equal(got.publish_at, 1000);
	assert_int_equal(got.featured, 1);
	assert_int_equal(got.breaking, 0);
	assert_int_equal(got.pinned, 1);
	assert_int_equal(got.lead_media_id, 0);
	assert_int_equal(got.version, 1);
	assert_int_equal(got.n_authors, 2);
	assert_int_equal(got.author_ids[0], t->author2); /* byline order */
	assert_int_equal(got.author_ids[1], t->author1);
	assert_int_equal(got.n_tags, 2);
	assert_string_equal(got.tags[0].name, "Energy Security");
	assert_string_equal(got.tags[0].slug, "energy-security");
	assert_string_equal(got.tags[1].slug, "gazoprovod");
	assert_string_equal(got.tags[1].edition, "en");

	assert_int_equal(store_article_by_slug(t->s, t->a, "en", "first-story",
					       &got, &e),
			 0);
	assert_int_equal(got.id, art.id);
	assert_int_equal(store_article_by_slug(t->s, t->a, "ru", "first-story",
					       &got, &e),
			 ERR_NOTFOUND);
	assert_int_equal(store_article_get(t->s, t->a, 987654, &got, &e),
			 ERR_NOTFOUND);

	/* translation */
	struct store_article tr = art_new("ru", "pervaya", "Первая история");
	tr.translation_group = art.translation_group;
	save_ok(t, &tr);
	assert_int_equal(tr.translation_group, art.id);
	assert_int_equal(store_article_translation(t->s, t->a, art.id, "ru",
						   &got, &e),
			 0);
	assert_int_equal(got.id, tr.id);
	assert_int_equal(store_article_translation(t->s, t->a, tr.id, "en",
						   &got, &e),
			 0);
	assert_int_equal(got.id, art.id);
	assert_true(got.body_md[0] && got.n_authors == 2);
	/* brief: the same article for a link, without bodies or relations */
	assert_int_equal(store_article_translation_brief(t->s, t->a, tr.id,
							 "en", &got, &e),
			 0);
	assert_int_equal(got.id, art.id);
	assert_string_equal(got.slug, "first-story");
	assert_int_equal(got.status, art.status);
	assert_int_equal(got.publish_at, art.publish_at);
	assert_string_equal(got.body_md, "");
	assert_string_equal(got.body_html, "");
	assert_int_equal(got.n_authors, 0);
	assert_int_equal(got.n_tags, 0);
	struct store_article lone = art_new("en", "lone", "Lone");
	save_ok(t, &lone);
	assert_int_equal(store_article_translation(t->s, t->a, lone.id, "ru",
						   &got, &e),
			 ERR_NOTFOUND);
	assert_int_equal(store_article_translation_brief(t->s, t->a, lone.id,
							 "ru", &got, &e),
			 ERR_NOTFOUND);
	/* the page's links: every other edition's first translation */
	struct store_article_link *links;
	size_t nl;
	assert_int_equal(store_article_translation_links(t->s, t->a,
							 art.translation_group,
							 "en", &links, &nl, &e),
			 0);
	assert_int_equal(nl, 1);
	assert_int_equal(links[0].id, tr.id);
	assert_string_equal(links[0].edition, "ru");
	assert_string_equal(links[0].slug, "pervaya");
	assert_int_equal(links[0].status, tr.status);
	assert_int_equal(links[0].publish_at, tr.publish_at);
	struct store_article tr2 = art_new("ru", "vtoraya", "Вторая");
	tr2.translation_group = art.translation_group;
	save_ok(t, &tr2); /* a later one in ru: the first still wins */
	assert_int_equal(store_article_translation_links(t->s, t->a,
							 art.translation_group,
							 "en", &links, &nl, &e),
			 0);
	assert_int_equal(nl, 1);
	assert_string_equal(links[0].slug, "pervaya");
	assert_int_equal(store_article_translation_links(t->s, t->a,
							 art.translation_group,
							 "ru", &links, &nl, &e),
			 0);
	assert_int_equal(nl, 1);
	assert_string_equal(links[0].slug, "first-story");
	assert_int_equal(store_article_translation_links(t->s, t->a,
							 lone.translation_group,
							 "en", &links, &nl, &e),
			 0);
	assert_int_equal(nl, 0);

	/* update replaces authors and tags */
	int64_t one[] = {t->author1};
	struct store_tag newtags[] = {{.name = "energy security"},
				      {.name = "Oil"}};
	art.author_ids = one;
	art.n_authors = 1;
	art.tags = newtags;
	art.n_tags = 2;
	art.title = "First story, updated";
	save_ok(t, &art);
	assert_int_equal(art.version, 2);
	assert_int_equal(store_article_get(t->s, t->a, art.id, &got, &e), 0);
	assert_int_equal(got.n_authors, 1);
	assert_int_equal(got.author_ids[0], t->author1);
	assert_int_equal(got.n_tags, 2);
	assert_string_equal(got.tags[0].name, "Energy Security"); /* reused */
	assert_string_equal(got.tags[1].slug, "oil");
	assert_int_equal(got.translation_group, art.id);
	assert_int_equal(got.version, 2);
}

static void test_validation(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	struct store_article art = art_new("de", "x", "X");
	assert_int_equal(store_article_save(t->s, &art, 0, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "edition"));
	art = art_new("en", "x", "");
	assert_int_equal(store_article_save(t->s, &art, 0, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "title"));
	art = art_new("en", "x", "X");
	art.kind = "gossip";
	assert_int_equal(store_article_save(t->s, &art, 0, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "kind"));
	art = art_new("en", "x", "X");
	art.status = (enum store_status)9;
	assert_int_equal(store_article_save(t->s, &art, 0, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "status"));
	art = art_new("en", "x", "X");
	art.rubric_id = 4242;
	assert_int_equal(store_article_save(t->s, &art, 0, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "rubric_id"));
	art = art_new("en", "x", "X");
	int64_t ghost[] = {t->author1, 5555};
	art.author_ids = ghost;
	art.n_authors = 2;
	assert_int_equal(store_article_save(t->s, &art, 0, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "5555"));
	art = art_new("en", "x", "X");
	art.status = STORE_STATUS_SCHEDULED;
	art.publish_at = 0;
	assert_int_equal(store_article_save(t->s, &art, 0, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "publish_at"));
	/* nothing of any of these landed */
	struct store_article_filter f = {.status = -1, .limit = 10};
	struct store_article *list;
	size_t n, total;
	assert_int_equal(
		store_article_list(t->s, t->a, &f, &list, &n, &total, &e), 0);
	assert_int_equal(total, 0);
	/* every kind is accepted */
	const char *kinds[] = {"news",    "analysis", "interview",
			       "opinion", "report",   "column"};
	for (int i = 0; i < 6; i++) {
		char slug[32];
		snprintf(slug, sizeof slug, "kind-%d", i);
		art = art_new("en", slug, "K");
		art.kind = (char *)kinds[i];
		save_ok(t, &art);
	}
}

static void test_conflicts(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	struct store_article art = art_new("en", "story", "Story");
	save_ok(t, &art);
	struct store_article mine = art, theirs = art;
	theirs.title = "Their title";
	save_ok(t, &theirs);
	assert_int_equal(theirs.version, 2);
	mine.title = "My title";
	int64_t tag_before = 0;
	(void)tag_before;
	struct store_tag tg[] = {{.name = "new-tag"}};
	mine.tags = tg;
	mine.n_tags = 1;
	assert_int_equal(store_article_save(t->s, &mine, 0, &e), ERR_CONFLICT);
	char want[128];
	snprintf(want, sizeof want,
		 "article %lld was changed by someone else (version 2, you "
		 "had 1)",
		 (long long)art.id);
	assert_string_equal(e.msg, want);
	assert_int_equal(mine.version, 1); /* untouched */
	struct store_article got;
	assert_int_equal(store_article_get(t->s, t->a, art.id, &got, &e), 0);
	assert_string_equal(got.title, "Their title");
	assert_int_equal(got.version, 2);
	assert_int_equal(got.n_tags, 0);
	struct store_tag tag;
	assert_int_equal(store_tag_by_slug(t->s, t->a, "en", "new-tag", &tag,
					   &e),
			 ERR_NOTFOUND);
	struct store_revision *revs;
	size_t n;
	assert_int_equal(store_revision_list(t->s, t->a, art.id, &revs, &n, &e),
			 0);
	assert_int_equal(n, 2);

	/* slug taken in the edition, free in the other */
	struct store_article dup = art_new("en", "story", "Another");
	assert_int_equal(store_article_save(t->s, &dup, 0, &e), ERR_CONFLICT);
	assert_non_null(strstr(e.msg, "\"story\""));
	assert_int_equal(dup.id, 0);
	dup.edition = "ru";
	save_ok(t, &dup);
	/* renaming onto a taken slug */
	struct store_article other = art_new("en", "other", "Other");
	save_ok(t, &other);
	other.slug = "story";
	assert_int_equal(store_article_save(t->s, &other, 0, &e), ERR_CONFLICT);
	assert_int_equal(store_article_get(t->s, t->a, other.id, &got, &e), 0);
	assert_string_equal(got.slug, "other");
	assert_int_equal(got.version, 1);

	/* update of a missing article */
	struct store_article ghost = art_new("en", "ghost", "Ghost");
	ghost.id = 99999;
	ghost.version = 1;
	assert_int_equal(store_article_save(t->s, &ghost, 0, &e), ERR_NOTFOUND);
}

static void test_revisions(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	struct store_user u = {.login = "ed", .role = STORE_ROLE_EDITOR};
	assert_int_equal(store_user_add(t->s, &u, &e), 0);
	struct store_article art = art_new("en", "rev", "Rev 1");
	save_ok(t, &art);
	for (int i = 2; i <= 4; i++) {
		char title[16];
		snprintf(title, sizeof title, "Rev %d", i);
		art.title = title;
		assert_int_equal(store_article_save(t->s, &art, u.id, &e), 0);
		assert_int_equal(art.version, i);
	}
	struct store_revision *revs;
	size_t n;
	assert_int_equal(store_revision_list(t->s, t->a, art.id, &revs, &n, &e),
			 0);
	assert_int_equal(n, 4);
	assert_int_equal(revs[0].number, 4); /* newest first */
	assert_string_equal(revs[0].title, "Rev 4");
	assert_int_equal(revs[0].user_id, u.id);
	assert_int_equal(revs[3].number, 1);
	assert_int_equal(revs[3].user_id, 0);
	assert_string_equal(revs[3].title, "Rev 1");
	assert_string_equal(revs[3].body_md, "Body *text*.");
	struct store_revision r;
	assert_int_equal(store_revision_get(t->s, t->a, revs[2].id, &r, &e), 0);
	assert_int_equal(r.number, 2);
	assert_int_equal(r.article_id, art.id);
	assert_int_equal(store_revision_get(t->s, t->a, 424242, &r, &e),
			 ERR_NOTFOUND);
	/* an unknown user is refused */
	art.title = "Rev 5";
	assert_int_equal(store_article_save(t->s, &art, 31337, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "user_id"));
}

/* 12 articles in en with rubric, authors, tags, statuses and times set
 * so that each filter picks a known subset. */
static void seed_list(struct ts *t, int64_t *ids)
{
	struct store_tag t_energy[] = {{.name = "energy"}};
	struct store_tag t_both[] = {{.name = "energy"}, {.name = "oil"}};
	for (int i = 0; i < 12; i++) {
		char slug[16], title[32];
		snprintf(slug, sizeof slug, "a%02d", i);
		snprintf(title, sizeof title, "Story %02d%s", i,
			 i % 4 == 0 ? " 100% sure" : "");
		struct store_article art = art_new("en", slug, title);
		art.publish_at = 1000 + i * 100;
		art.status = i < 9  ? STORE_STATUS_PUBLISHED :
			     i == 9 ? STORE_STATUS_DRAFT :
				      STORE_STATUS_SCHEDULED;
		art.rubric_id = i % 2 ? t->rubric1 : 0;
		art.kind = i % 3 == 0 ? "opinion" : "news";
		art.featured = i == 5;
		int64_t au[] = {i % 2 ? t->author1 : t->author2, t->author1};
		art.author_ids = au;
		art.n_authors = i % 4 == 0 ? 2 : 1;
		art.tags = i % 3 == 1 ? t_both : t_energy;
		art.n_tags = i % 3 == 1 ? 2 : (i % 3 == 2 ? 1 : 0);
		save_ok(t, &art);
		ids[i] = art.id;
	}
	struct store_article ru = art_new("ru", "ru-1", "Русская");
	ru.publish_at = 5000;
	save_ok(t, &ru);
}

static size_t list_ok(struct ts *t, struct store_article_filter f,
		      struct store_article **out, size_t *total)
{
	struct err e = {0};
	size_t n;
	if (store_article_list(t->s, t->a, &f, out, &n, total, &e))
		fail_msg("list: %s", e.msg);
	return n;
}

static void test_list_filters(void **state)
{
	struct ts *t = *state;
	ts_seed(t);
	int64_t ids[12];
	seed_list(t, ids);
	struct store_article *l;
	size_t total, n;

	/* everything in en, newest first, no bodies, with authors/tags */
	n = list_ok(t,
		    (struct store_article_filter){
			    .edition = "en", .status = -1, .limit = 100},
		    &l, &total);
	assert_int_equal(n, 12);
	assert_int_equal(total, 12);
	assert_int_equal(l[0].id, ids[11]);
	assert_int_equal(l[11].id, ids[0]);
	assert_string_equal(l[0].body_md, "");
	assert_string_equal(l[0].body_html, "");
	assert_string_equal(l[0].lead, "Lead.");
	assert_int_equal(l[11].n_authors, 2); /* a00 */
	assert_int_equal(l[11].author_ids[0], t->author2);
	assert_int_equal(l[11].author_ids[1], t->author1);
	assert_int_equal(l[10].n_tags, 2); /* a01 */
	assert_string_equal(l[10].tags[1].slug, "oil");
	assert_int_equal(l[9].n_tags, 1); /* a02 */
	assert_int_equal(l[11].n_tags, 0);

	/* any edition */
	/* "read next": the newest published one strictly before */
	struct store_article_link next;
	struct err le = {0};
	assert_int_equal(store_article_older_link(t->s, t->a, "en", 1500, &next,
						  &le),
			 0);
	assert_int_equal(next.id, ids[4]);
	assert_string_equal(next.slug, "a04");
	assert_string_equal(next.edition, "en");
	assert_int_equal(next.status, STORE_STATUS_PUBLISHED);
	assert_int_equal(next.publish_at, 1400);
	/* past a scheduled (a10) and a draft (a09) one */
	assert_int_equal(store_article_older_link(t->s, t->a, "en", 2050, &next,
						  &le),
			 0);
	assert_int_equal(next.id, ids[8]);
	assert_int_equal(store_article_older_link(t->s, t->a, "en", 1000, &next,
						  &le),
			 ERR_NOTFOUND);
	assert_int_equal(store_article_older_link(t->s, t->a, "ru", 9000, &next,
						  &le),
			 0);
	assert_string_equal(next.slug, "ru-1");

	n = list_ok(t, (struct store_article_filter){.status = -1}, &l, &total);
	assert_int_equal(total, 13);
	assert_int_equal(n, 13); /* default limit 20 */

	/* status */
	n = list_ok(
		t,
		(struct store_article_filter){.edition = "en",
					      .status = STORE_STATUS_PUBLISHED,
					      .limit = 100},
		&l, &total);
	assert_int_equal(total, 9);
	n = list_ok(t,
		    (struct store_article_filter){.edition = "en",
						  .status = STORE_STATUS_DRAFT,
						  .limit = 100},
		    &l, &total);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].id, ids[9]);

	/* pagination + total */
	n = list_ok(
		t,
		(struct store_article_filter){.edition = "en",
					      .status = STORE_STATUS_PUBLISHED,
					      .offset = 4,
					      .limit = 3},
		&l, &total);
	assert_int_equal(n, 3);
	assert_int_equal(total, 9);
	assert_int_equal(l[0].id, ids[4]);
	assert_int_equal(l[2].id, ids[2]);
	n = list_ok(
		t,
		(struct store_article_filter){.edition = "en",
					      .status = STORE_STATUS_PUBLISHED,
					      .offset = 8,
					      .limit = 3},
		&l, NULL);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].id, ids[0]);

	/* rubric: odd ones */
	n = list_ok(t,
		    (struct store_article_filter){.rubric_id = t->rubric1,
						  .status = -1,
						  .limit = 100},
		    &l, &total);
	assert_int_equal(total, 6);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(l[i].rubric_id, t->rubric1);

	/* author: author2 on even ones (6), author1 on odd + i%4==0 */
	n = list_ok(t,
		    (struct store_article_filter){.author_id = t->author2,
						  .status = -1,
						  .limit = 100},
		    &l, &total);
	assert_int_equal(total, 6);
	n = list_ok(t,
		    (struct store_article_filter){.author_id = t->author1,
						  .status = -1,
						  .limit = 100},
		    &l, &total);
	assert_int_equal(total, 9); /* 6 odd + a00, a04, a08 */

	/* tag */
	struct store_tag oil, energy;
	struct err e = {0};
	assert_int_equal(store_tag_by_slug(t->s, t->a, "en", "oil", &oil, &e),
			 0);
	assert_int_equal(
		store_tag_by_slug(t->s, t->a, "en", "energy", &energy, &e), 0);
	n = list_ok(t,
		    (struct store_article_filter){
			    .tag_id = oil.id, .status = -1, .limit = 100},
		    &l, &total);
	assert_int_equal(total, 4); /* 1, 4, 7, 10 */
	n = list_ok(t,
		    (struct store_article_filter){
			    .tag_id = energy.id, .status = -1, .limit = 100},
		    &l, &total);
	assert_int_equal(total, 8);
	struct store_tag *tl;
	assert_int_equal(store_tag_list(t->s, t->a, "en", 10, &tl, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(tl[0].slug, "energy"); /* most used first */
	assert_int_equal(store_tag_list(t->s, t->a, "ru", 10, &tl, &n, &e), 0);
	assert_int_equal(n, 0);

	/* kind, featured */
	n = list_ok(t,
		    (struct store_article_filter){
			    .kind = "opinion", .status = -1, .limit = 100},
		    &l, &total);
	assert_int_equal(total, 4); /* 0, 3, 6, 9 */
	n = list_ok(t,
		    (struct store_article_filter){
			    .featured_only = 1, .status = -1, .limit = 100},
		    &l, &total);
	assert_int_equal(total, 1);
	assert_int_equal(l[0].id, ids[5]);

	/* time bounds: publish_at = 1000 + i*100 */
	n = list_ok(t,
		    (struct store_article_filter){.edition = "en",
						  .status = -1,
						  .published_after = 1300,
						  .published_before = 1600,
						  .limit = 100},
		    &l, &total);
	assert_int_equal(total, 3); /* 3, 4, 5 */
	n = list_ok(t,
		    (struct store_article_filter){.edition = "en",
						  .status = -1,
						  .not_after = 1200,
						  .limit = 100},
		    &l, &total);
	assert_int_equal(total, 3); /* 0, 1, 2 */

	/* title substring, with LIKE wildcards taken literally */
	n = list_ok(t,
		    (struct store_article_filter){
			    .text = "100%", .status = -1, .limit = 100},
		    &l, &total);
	assert_int_equal(total, 3); /* 0, 4, 8 */
	n = list_ok(t,
		    (struct store_article_filter){
			    .text = "story 1", .status = -1, .limit = 100},
		    &l, &total);
	assert_int_equal(total, 2); /* 10, 11 (ASCII case-insensitive) */
	n = list_ok(t,
		    (struct store_article_filter){
			    .text = "_", .status = -1, .limit = 100},
		    &l, &total);
	assert_int_equal(total, 0);

	/* combined */
	n = list_ok(
		t,
		(struct store_article_filter){.edition = "en",
					      .rubric_id = t->rubric1,
					      .author_id = t->author1,
					      .tag_id = energy.id,
					      .status = STORE_STATUS_PUBLISHED,
					      .not_after = 2000,
					      .limit = 100},
		&l, &total);
	assert_int_equal(total, 3); /* odd, published, tagged: 1, 5, 7 */
	assert_int_equal(n, 3);
	assert_int_equal(l[0].id, ids[7]);

	/* most read first */
	int64_t vid[] = {ids[2], ids[6]};
	int64_t vd[] = {5, 50};
	assert_int_equal(store_views_add(t->s, vid, vd, 2, &e), 0);
	n = list_ok(t,
		    (struct store_article_filter){.edition = "en",
						  .status = -1,
						  .order_by_views = 1,
						  .limit = 3},
		    &l, &total);
	assert_int_equal(l[0].id, ids[6]);
	assert_int_equal(l[0].views, 50);
	assert_int_equal(l[1].id, ids[2]);
	assert_int_equal(l[2].id, ids[11]);
}

static void test_publish_due_and_views(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	int64_t now = (int64_t)time(NULL);
	struct store_article a1 = art_new("en", "due", "Due");
	a1.status = STORE_STATUS_SCHEDULED;
	a1.publish_at = now - 10;
	save_ok(t, &a1);
	struct store_article a2 = art_new("en", "later", "Later");
	a2.status = STORE_STATUS_SCHEDULED;
	a2.publish_at = now + 3600;
	save_ok(t, &a2);
	struct store_article a3 = art_new("en", "draft", "Draft");
	a3.status = STORE_STATUS_DRAFT;
	a3.publish_at = now - 100;
	save_ok(t, &a3);
	int64_t *ids;
	size_t n;
	assert_int_equal(
		store_article_publish_due(t->s, t->a, now, &ids, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], a1.id);
	struct store_article got;
	assert_int_equal(store_article_get(t->s, t->a, a1.id, &got, &e), 0);
	assert_int_equal(got.status, STORE_STATUS_PUBLISHED);
	assert_int_equal(
		store_article_publish_due(t->s, t->a, now, &ids, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_article_publish_due(t->s, t->a, now + 7200, &ids,
						   &n, &e),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], a2.id);
	/* the editor's open copy still saves */
	a1.title = "Due, edited";
	save_ok(t, &a1);

	/* published without a time gets "now" */
	struct store_article a4 = art_new("en", "now", "Now");
	a4.publish_at = 0;
	save_ok(t, &a4);
	assert_true(a4.publish_at >= now);

	int64_t vids[] = {a1.id, a2.id, a1.id, 999999};
	int64_t deltas[] = {3, 1, 4, 7};
	assert_int_equal(store_views_add(t->s, vids, deltas, 4, &e), 0);
	assert_int_equal(store_views_add(t->s, vids, deltas, 0, &e), 0);
	assert_int_equal(store_article_get(t->s, t->a, a1.id, &got, &e), 0);
	assert_int_equal(got.views, 7);
	assert_int_equal(store_article_get(t->s, t->a, a2.id, &got, &e), 0);
	assert_int_equal(got.views, 1);
	assert_int_equal(store_article_get(t->s, t->a, a3.id, &got, &e), 0);
	assert_int_equal(got.views, 0);
}

static void test_unicode_roundtrip(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	const char *title =
		"Визит в Баку: «энергия» — и 🚀 emoji, ə ş ğ, 日本語";
	const char *body = "Абзац с \"кавычками\" и 'апострофами'; DROP TABLE "
			   "articles; --\n\n* пункт\n* 𝔘𝔫𝔦𝔠𝔬𝔡𝔢\n";
	struct store_article art = art_new("ru", "vizit", title);
	art.body_md = (char *)body;
	struct store_tag tg[] = {{.name = "Южный газовый коридор"},
				 {.name = "日本"}};
	art.tags = tg;
	art.n_tags = 2;
	save_ok(t, &art);
	struct store_article got;
	assert_int_equal(store_article_get(t->s, t->a, art.id, &got, &e), 0);
	assert_string_equal(got.title, title);
	assert_string_equal(got.body_md, body);
	assert_int_equal(got.n_tags, 2);
	assert_string_equal(got.tags[0].slug, "yuzhnyy-gazovyy-koridor");
	assert_string_equal(got.tags[0].name, "Южный газовый коридор");
	assert_true(got.tags[1].slug[0] != '\0');
	struct store_article *l;
	size_t total;
	size_t n = list_ok(
		t, (struct store_article_filter){.text = "Баку", .status = -1},
		&l, &total);
	assert_int_equal(n, 1);
	assert_int_equal(store_check(t->s, &e), 0);
}

/* ---- bulk ----------------------------------------------------------- */

static void test_bulk_5000(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	static const char *const tagnames[] = {"energy", "oil",      "gas",
					       "trade",  "politics", "port"};
	char slug[64], title[64];
	int64_t first = 0;
	for (int batch = 0; batch < 5; batch++) {
		assert_int_equal(store_bulk_begin(t->s, &e), 0);
		for (int i = 0; i < 1000; i++) {
			int k = batch * 1000 + i;
			snprintf(slug, sizeof slug, "bulk-%d", k);
			snprintf(title, sizeof title, "Bulk story %d", k);
			struct store_article art = art_new("en", slug, title);
			art.publish_at = 10000 + k;
			art.rubric_id = k % 2 ? t->rubric1 : 0;
			int64_t au[] = {t->author1, t->author2};
			art.author_ids = au;
			art.n_authors = 1 + (size_t)(k % 4 == 0);
			struct store_tag tg[] = {
				{.name = (char *)tagnames[k % 6]},
				{.name = (char *)tagnames[(k + 1) % 6]}};
			art.tags = tg;
			art.n_tags = 2;
			if (store_article_save(t->s, &art, 0, &e))
				fail_msg("bulk %d: %s", k, e.msg);
			if (!first)
				first = art.id;
		}
		/* reads of the bulk thread see its own writes */
		struct store_article got;
		assert_int_equal(store_article_by_slug(t->s, t->a, "en", slug,
						       &got, &e),
				 0);
		/* a failing article rolls back alone */
		struct store_article dup = art_new("en", slug, "dup");
		assert_int_equal(store_article_save(t->s, &dup, 0, &e),
				 ERR_CONFLICT);
		assert_int_equal(store_bulk_commit(t->s, &e), 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("    bulk: 5000 articles in %.2f s\n", secs);
	assert_true(secs < 60); /* loose: sanitizers are slow */

	struct store_article *l;
	size_t total;
	size_t n = list_ok(t,
			   (struct store_article_filter){
				   .edition = "en", .status = -1, .limit = 50},
			   &l, &total);
	assert_int_equal(total, 5000);
	assert_int_equal(n, 50);
	assert_string_equal(l[0].slug, "bulk-4999");
	assert_int_equal(l[0].n_tags, 2);
	struct store_article got;
	assert_int_equal(store_article_get(t->s, t->a, first, &got, &e), 0);
	assert_int_equal(got.n_authors, 2);

	/* rollback drops everything of the bulk */
	assert_int_equal(store_bulk_begin(t->s, &e), 0);
	assert_int_equal(store_bulk_begin(t->s, &e), ERR_INVALID);
	struct store_article gone = art_new("en", "gone", "Gone");
	save_ok(t, &gone);
	store_bulk_rollback(t->s);
	assert_int_equal(store_article_by_slug(t->s, t->a, "en", "gone", &got,
					       &e),
			 ERR_NOTFOUND);
	assert_int_equal(store_bulk_commit(t->s, &e), ERR_INVALID);
	assert_int_equal(store_check(t->s, &e), 0);
}

/* ---- insert_many ---------------------------------------------------- */

static size_t count_all(struct ts *t)
{
	struct store_article *l;
	size_t total = 0;
	list_ok(t, (struct store_article_filter){.status = -1}, &l, &total);
	return total;
}

/* Slugs of the en or ru hits for `words`, space-separated. */
static const char *search_slugs(struct ts *t, const char *ed, const char *words)
{
	struct err e = {0};
	char *match;
	if (search_query_build(t->a, words, 0, &match, &e))
		fail_msg("query %s: %s", words, e.msg);
	struct store_search_query q = {
		.edition = ed, .match = match, .by_date = 1};
	struct store_search_hit *h;
	size_t n, total;
	if (store_search(t->s, t->a, &q, &h, &n, &total, &e))
		fail_msg("search %s: %s", words, e.msg);
	struct buf b;
	buf_init(&b, t->a);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", h[i].art.slug);
	return b.data;
}

/* Everything store_article_get gives, except what differs between two
 * articles saved the same way: id, slug, group, times. */
static void same_article(const struct store_article *a,
			 const struct store_article *b)
{
	assert_string_equal(a->edition, b->edition);
	assert_string_equal(a->kind, b->kind);
	assert_string_equal(a->title, b->title);
	assert_string_equal(a->lead, b->lead);
	assert_string_equal(a->body_md, b->body_md);
	assert_string_equal(a->body_html, b->body_html);
	assert_int_equal(a->rubric_id, b->rubric_id);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->publish_at, b->publish_at);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->featured, b->featured);
	assert_int_equal(a->breaking, b->breaking);
	assert_int_equal(a->pinned, b->pinned);
	assert_string_equal(a->seo_title, b->seo_title);
	assert_string_equal(a->seo_description, b->seo_description);
	assert_int_equal(a->lead_media_id, b->lead_media_id);
	assert_string_equal(a->correction, b->correction);
	assert_int_equal(a->correction_at, b->correction_at);
	assert_int_equal(a->n_authors, b->n_authors);
	for (size_t i = 0; i < a->n_authors; i++)
		assert_int_equal(a->author_ids[i], b->author_ids[i]);
	assert_int_equal(a->n_tags, b->n_tags);
	for (size_t i = 0; i < a->n_tags; i++) {
		assert_int_equal(a->tags[i].id, b->tags[i].id);
		assert_string_equal(a->tags[i].name, b->tags[i].name);
		assert_string_equal(a->tags[i].slug, b->tags[i].slug);
	}
}

static void test_insert_many(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	int64_t au[] = {t->author2, t->author1};
	struct store_tag tg_en[] = {{.name = "Wind farms"}, {.name = "Grid"}};
	struct store_tag tg_ru[] = {{.name = "Ветряки"}};
	struct store_article proto =
		art_new("en", "saved-one", "Quellbrook turbines");
	proto.body_md = "Turbines *hum* near Quellbrook harbour.";
	proto.body_html = "<p>Turbines <em>hum</em> near Quellbrook "
			  "harbour.</p>";
	proto.rubric_id = t->rubric1;
	proto.author_ids = au;
	proto.n_authors = 2;
	proto.tags = tg_en;
	proto.n_tags = 2;
	proto.featured = 1;
	proto.seo_title = "SEO";
	proto.correction = "Fixed a name.";
	proto.correction_at = 900;

	/* the reference: one article through store_article_save */
	struct store_article saved = proto;
	save_ok(t, &saved);
	size_t before = count_all(t);

	/* a pair, a second English article without a publish time and a
	 * translation joining the saved article's group */
	struct store_article arts[4];
	arts[0] = proto;
	arts[0].slug = "many-one";
	arts[1] = art_new("ru", "many-odin", "Турбины Квеллбрука");
	arts[1].body_md = "Турбины *гудят* у гавани Квеллбрука.";
	arts[1].translation_group = STORE_GROUP_PREVIOUS;
	arts[1].author_ids = au;
	arts[1].n_authors = 1;
	arts[1].tags = tg_ru;
	arts[1].n_tags = 1;
	arts[2] = art_new("en", "many-two", "Ferry timetable");
	arts[2].publish_at = 0;
	arts[3] = art_new("ru", "saved-odin", "Перевод");
	arts[3].translation_group = saved.translation_group;
	int64_t t0 = (int64_t)time(NULL);
	if (store_article_insert_many(t->s, arts, 4, 0, &e))
		fail_msg("insert_many: %s", e.msg);
	assert_int_equal(count_all(t), before + 4);
	assert_int_equal(arts[0].id, saved.id + 1);
	for (int i = 1; i < 4; i++)
		assert_int_equal(arts[i].id, arts[i - 1].id + 1);
	assert_int_equal(arts[0].translation_group, arts[0].id);
	assert_int_equal(arts[1].translation_group, arts[0].id);
	assert_int_equal(arts[2].translation_group, arts[2].id);
	assert_int_equal(arts[3].translation_group, saved.id);
	assert_int_equal(arts[0].version, 1);
	assert_true(arts[0].created_at >= t0 && arts[0].updated_at >= t0);
	assert_int_equal(arts[0].publish_at, 1000);
	assert_true(arts[2].publish_at >= t0); /* published: "now" */

	/* the same rows a save gives, except for the revision */
	struct store_article a1, a2;
	assert_int_equal(store_article_get(t->s, t->a, saved.id, &a1, &e), 0);
	assert_int_equal(store_article_get(t->s, t->a, arts[0].id, &a2, &e), 0);
	same_article(&a1, &a2);
	assert_string_equal(a2.slug, "many-one");
	assert_int_equal(a2.created_at, arts[0].created_at);
	struct store_article tr;
	assert_int_equal(store_article_translation(t->s, t->a, arts[0].id, "ru",
						   &tr, &e),
			 0);
	assert_string_equal(tr.slug, "many-odin");
	assert_int_equal(tr.n_tags, 1);
	assert_string_equal(tr.tags[0].name, "Ветряки");
	assert_int_equal(store_article_translation(t->s, t->a, saved.id, "ru",
						   &tr, &e),
			 0);
	assert_string_equal(tr.slug, "saved-odin");
	struct store_revision *revs;
	size_t n;
	assert_int_equal(
		store_revision_list(t->s, t->a, saved.id, &revs, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(
		store_revision_list(t->s, t->a, arts[0].id, &revs, &n, &e), 0);
	assert_int_equal(n, 0);
	/* a later edit works and starts the history */
	a2.title = "Quellbrook turbines, updated";
	assert_int_equal(store_article_save(t->s, &a2, 0, &e), 0);
	assert_int_equal(a2.version, 2);
	assert_int_equal(
		store_revision_list(t->s, t->a, arts[0].id, &revs, &n, &e), 0);
	assert_int_equal(n, 1);

	/* searchable like a saved article: body, authors (meta) and tags */
	assert_string_equal(search_slugs(t, "en", "Quellbrook"),
			    "many-one saved-one");
	assert_string_equal(search_slugs(t, "en", "Alston farms"),
			    "many-one saved-one");
	assert_string_equal(search_slugs(t, "ru", "Квеллбрука"), "many-odin");
	assert_string_equal(search_slugs(t, "ru", "Петров"), "many-odin");
	assert_string_equal(search_slugs(t, "en", "timetable"), "many-two");
	assert_int_equal(store_check(t->s, &e), 0);
}

static void test_insert_many_errors(void **state)
{
	struct ts *t = *state;
	struct err e = {0};
	ts_seed(t);
	assert_int_equal(store_article_insert_many(t->s, NULL, 0, 0, &e), 0);
	struct store_article arts[3] = {
		art_new("en", "e-one", "One"),
		art_new("en", "e-two", "Two"),
		art_new("en", "e-three", "Three"),
	};
	size_t before = count_all(t);

	/* a slug taken inside the call: nothing of it is kept */
	arts[2].slug = "e-one";
	assert_int_equal(store_article_insert_many(t->s, arts, 3, 0, &e),
			 ERR_CONFLICT);
	assert_non_null(strstr(e.msg, "article 2 of the batch (en/e-one)"));
	assert_int_equal(count_all(t), before);
	assert_int_equal(arts[0].id, 0);
	arts[2].slug = "e-three";

	/* checked before anything is written */
	arts[1].title = "";
	assert_int_equal(store_article_insert_many(t->s, arts, 3, 0, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "article 1 of the batch (en/e-two)"));
	assert_non_null(strstr(e.msg, "title"));
	arts[1].title = "Two";
	arts[1].id = 7;
	assert_int_equal(store_article_insert_many(t->s, arts, 3, 0, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "id"));
	arts[1].id = 0;
	arts[0].translation_group = STORE_GROUP_PREVIOUS;
	assert_int_equal(store_article_insert_many(t->s, arts, 3, 0, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "translation_group"));
	arts[0].translation_group = -5;
	assert_int_equal(store_article_insert_many(t->s, arts, 3, 0, &e),
			 ERR_INVALID);
	arts[0].translation_group = 0;

	/* found while writing: an unknown edition and a bad reference */
	arts[1].edition = "de";
	assert_int_equal(store_article_insert_many(t->s, arts, 3, 0, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "no edition de"));
	arts[1].edition = "en";
	arts[2].rubric_id = 424242;
	assert_int_equal(store_article_insert_many(t->s, arts, 3, 0, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "rubric_id"));
	arts[2].rubric_id = 0;
	assert_int_equal(count_all(t), before);
	assert_int_equal(arts[0].id, 0);

	/* in a bulk transaction a failed call drops only itself */
	assert_int_equal(store_bulk_begin(t->s, &e), 0);
	if (store_article_insert_many(t->s, arts, 2, 0, &e))
		fail_msg("insert_many: %s", e.msg);
	struct store_article dup[2] = {art_new("en", "e-four", "Four"),
				       art_new("en", "e-one", "Again")};
	assert_int_equal(store_article_insert_many(t->s, dup, 2, 0, &e),
			 ERR_CONFLICT);
	if (store_article_insert_many(t->s, &arts[2], 1, 0, &e))
		fail_msg("insert_many: %s", e.msg);
	assert_int_equal(store_bulk_commit(t->s, &e), 0);
	assert_int_equal(count_all(t), before + 3);
	struct store_article got;
	assert_int_equal(store_article_by_slug(t->s, t->a, "en", "e-four", &got,
					       &e),
			 ERR_NOTFOUND);
	assert_string_equal(search_slugs(t, "en", "Three"), "e-three");
	assert_string_equal(search_slugs(t, "en", "Four"), "");
	assert_int_equal(store_check(t->s, &e), 0);
}

/* ---- threads -------------------------------------------------------- */

struct thr {
	struct ts *t;
	int id;
	int fails;
	char msg[256];
};

static void *reader_main(void *p)
{
	struct thr *th = p;
	struct arena *a = arena_new(0);
	struct err e = {0};
	for (int i = 0; i < 200; i++) {
		struct store_article *l;
		size_t n, total;
		struct store_article_filter f = {
			.edition = "en", .status = -1, .limit = 10};
		if (store_article_list(th->t->s, a, &f, &l, &n, &total, &e) ||
		    (n && l[0].title[0] == '\0')) {
			th->fails++;
			snprintf(th->msg, sizeof th->msg, "%.200s", e.msg);
		}
		struct store_rubric *r;
		if (store_rubric_list(th->t->s, a, "en", &r, &n, &e)) {
			th->fails++;
			snprintf(th->msg, sizeof th->msg, "%.200s", e.msg);
		}
		arena_reset(a);
	}
	arena_free(a);
	return NULL;
}

static void *writer_main(void *p)
{
	struct thr *th = p;
	struct err e = {0};
	for (int i = 0; i < 50; i++) {
		char slug[32];
		snprintf(slug, sizeof slug, "w%d-%d", th->id, i);
		struct store_article art = art_new("en", slug, "Threaded");
		if (store_article_save(th->t->s, &art, 0, &e)) {
			th->fails++;
			snprintf(th->msg, sizeof th->msg, "%.200s", e.msg);
		}
		int64_t one = 1;
		if (store_views_add(th->t->s, &art.id, &one, 1, &e)) {
			th->fails++;
			snprintf(th->msg, sizeof th->msg, "%.200s", e.msg);
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct ts *t = *state;
	ts_seed(t);
	enum {
		READERS = 24,
		WRITERS = 4
	};
	pthread_t tid[READERS + WRITERS];
	struct thr th[READERS + WRITERS];
	for (int i = 0; i < READERS + WRITERS; i++) {
		th[i] = (struct thr){.t = t, .id = i};
		assert_int_equal(pthread_create(&tid[i], NULL,
						i < READERS ? reader_main :
							      writer_main,
						&th[i]),
				 0);
	}
	for (int i = 0; i < READERS + WRITERS; i++) {
		pthread_join(tid[i], NULL);
		if (th[i].fails)
			fail_msg("thread %d: %d failures, last: %s", i,
				 th[i].fails, th[i].msg);
	}
	struct store_article *l;
	size_t total;
	list_ok(t, (struct store_article_filter){.status = -1}, &l, &total);
	assert_int_equal(total, WRITERS * 50);
	struct err e = {0};
	assert_int_equal(store_check(t->s, &e), 0);
}

#define BOTH(f)                                                                \
	cmocka_unit_test_setup_teardown(f, ts_setup_mem, ts_teardown),         \
		cmocka_unit_test_setup_teardown(f, ts_setup_file, ts_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_save_get_roundtrip),
		BOTH(test_validation),
		BOTH(test_conflicts),
		BOTH(test_revisions),
		BOTH(test_list_filters),
		BOTH(test_publish_due_and_views),
		BOTH(test_unicode_roundtrip),
		BOTH(test_bulk_5000),
		BOTH(test_insert_many),
		BOTH(test_insert_many_errors),
		BOTH(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
