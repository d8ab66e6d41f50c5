/*
 * test_store_search.c - full-text search in the SQLite store: indexing on
 * save (the index follows edits, authors, rubric and tags), visibility
 * (drafts, scheduled and unpublished articles are never returned),
 * ranking, filters and pagination, two editions with their own indexes,
 * an edition created later, migration 2 on a database that already has
 * articles, reindex (also with a writer saving meanwhile), hostile
 * queries, and the HTML form of highlighted text (page_search_html).
 * Store tests run on ":memory:" and on a file. All text is our own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_store.h"

#include "app.h"
#include "http/internal.h"
#include "search/search.h"
#include "store/internal.h"
#include "util/buf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct store_article art_new(const char *ed, const char *slug,
				    const char *title, const char *lead,
				    const char *body)
{
	return (struct store_article){
		.edition = (char *)ed,
		.slug = (char *)slug,
		.kind = "news",
		.title = (char *)title,
		.lead = (char *)lead,
		.body_md = (char *)body,
		.body_html = "",
		.status = STORE_STATUS_PUBLISHED,
		.publish_at = (int64_t)time(NULL) - 3600,
	};
}

static void save_ok(struct ts *t, struct store_article *art)
{
	struct err e = {0};
	if (store_article_save(t->s, art, 0, &e))
		fail_msg("save %s: %s", art->slug, e.msg);
}

/* Slugs of the hits for `text` (as the search box would send it) in
 * edition ed, joined with spaces, in rank order; "" for none. */
static const char *find(struct ts *t, const char *ed, const char *text,
			struct store_search_query *proto, size_t *total)
{
	struct err e = {0};
	char *match = NULL;
	search_query_build(t->a, text, 0, &match, &e);
	struct store_search_query q = {0};
	if (proto)
		q = *proto;
	q.edition = ed;
	q.match = match;
	struct store_search_hit *hits;
	size_t n, tot;
	if (store_search(t->s, t->a, &q, &hits, &n, &tot, &e))
		fail_msg("search %s: %s", text, e.msg);
	if (total)
		*total = tot;
	struct buf b;
	buf_init(&b, t->a);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", hits[i].art.slug);
	return b.data;
}

/* A small site: three English and two Russian articles. */
struct site {
	struct store_article grid, ferry, budget, vybory, ferry_ru;
};

static void site_seed(struct ts *t, struct site *st)
{
	ts_seed(t);
	static int64_t au1[1], au2[1];
	au1[0] = t->author1;
	au2[0] = t->author2;
	static struct store_tag tags_grid[] = {{.name = "Energy"},
					       {.name = "Valdoria"}};
	st->grid = art_new("en", "grid-blackout",
			   "Grid came within minutes of a blackout",
			   "Operators lost a fifth of capacity.",
			   "The **partnership** of operators held.\n\n"
			   "## Timeline\n\n- 21:31 a unit trips\n");
	st->grid.rubric_id = t->rubric1;
	st->grid.author_ids = au1;
	st->grid.n_authors = 1;
	st->grid.tags = tags_grid;
	st->grid.n_tags = 2;
	st->grid.kind = "analysis";
	save_ok(t, &st->grid);

	st->ferry = art_new("en", "ferry-strike", "Ferry workers strike",
			    "Crossings stop for two days.",
			    "Unions and owners describe their partnerships "
			    "differently. The grid was not affected.");
	st->ferry.author_ids = au2;
	st->ferry.n_authors = 1;
	st->ferry.publish_at -= 40 * 86400;
	save_ok(t, &st->ferry);

	st->budget = art_new("en", "budget-vote", "Coalition passes the budget",
			     "A narrow vote.",
			     "The vote ended a long night in parliament.");
	st->budget.publish_at -= 400 * 86400;
	save_ok(t, &st->budget);

	st->vybory = art_new("ru", "vybory", "Выборы в Азербайджане",
			     "Партнёрство соседей крепнет.",
			     "Наблюдатели отметили **высокую** явку.");
	st->vybory.rubric_id = t->rubric1;
	st->vybory.author_ids = au1;
	st->vybory.n_authors = 1;
	save_ok(t, &st->vybory);

	st->ferry_ru = art_new("ru", "parom", "Забастовка на паромах",
			       "Переправы встали.",
			       "Профсоюзы требуют повышения зарплат.");
	save_ok(t, &st->ferry_ru);
}

static void test_search_basic(void **state)
{
	struct ts *t = *state;
	struct site st;
	site_seed(t, &st);
	size_t total;
	/* stemming: partnerships ~ partnership; title beats body */
	assert_string_equal(find(t, "en", "partnership", NULL, &total),
			    "grid-blackout ferry-strike");
	assert_int_equal(total, 2);
	assert_string_equal(find(t, "en", "GRID", NULL, NULL),
			    "grid-blackout ferry-strike");
	assert_string_equal(find(t, "en", "ferry", NULL, NULL), "ferry-strike");
	/* Markdown is indexed as text: list items and headings too */
	assert_string_equal(find(t, "en", "timeline trips", NULL, NULL),
			    "grid-blackout");
	/* phrases */
	assert_string_equal(find(t, "en", "\"workers strike\"", NULL, NULL),
			    "ferry-strike");
	assert_string_equal(find(t, "en", "\"strike workers\"", NULL, NULL),
			    "");
	/* editions have their own indexes */
	assert_string_equal(find(t, "ru", "ferry", NULL, NULL), "");
	assert_string_equal(find(t, "en", "выборы", NULL, NULL), "");
	/* Russian: inflection, ё/е, case */
	assert_string_equal(find(t, "ru", "Азербайджане", NULL, NULL),
			    "vybory");
	/* Snowball stems "Азербайджан" and "паром" unlike their other
	 * forms: the store widens single Russian words to their forms */
	assert_string_equal(find(t, "ru", "Азербайджан", NULL, NULL), "vybory");
	assert_string_equal(find(t, "ru", "азербайджана", NULL, NULL),
			    "vybory");
	assert_string_equal(find(t, "ru", "паромы", NULL, NULL), "parom");
	assert_string_equal(find(t, "ru", "выборы Азербайджан", NULL, NULL),
			    "vybory");
	assert_string_equal(find(t, "ru", "выборы \"в азербайджане\" явка",
				 NULL, NULL),
			    "vybory");
	/* derivation is beyond it: an adjective does not find the noun */
	assert_string_equal(find(t, "ru", "азербайджанский", NULL, NULL), "");
	/* phrases stay exact */
	assert_string_equal(find(t, "ru", "\"в азербайджане\"", NULL, NULL),
			    "vybory");
	assert_string_equal(find(t, "ru", "\"в азербайджан\"", NULL, NULL), "");
	assert_string_equal(find(t, "ru", "партнерство", NULL, NULL), "vybory");
	assert_string_equal(find(t, "ru", "ВЫБОРАХ", NULL, NULL), "vybory");
	assert_string_equal(find(t, "ru", "паром", NULL, NULL), "parom");
	/* nothing to search: no hits, no error */
	assert_string_equal(find(t, "en", "", NULL, &total), "");
	assert_int_equal(total, 0);
	/* an edition that does not exist */
	assert_string_equal(find(t, "de", "grid", NULL, NULL), "");
}

/* As-you-type: prefixes, over titles, leads and meta first. */
static void test_search_suggest(void **state)
{
	struct ts *t = *state;
	struct site st;
	site_seed(t, &st);
	struct err e = {0};
	static const struct {
		const char *ed, *typed, *want;
	} cases[] = {
		{"en", "blacko", "grid-blackout"},
		{"en", "Grid came wi", "grid-blackout"},
		{"en", "ferry wor", "ferry-strike"},
		{"en", "alst", "grid-blackout"}, /* author (meta) */
		/* in bodies only: when titles, leads and meta have nothing,
		 * the bodies are searched */
		{"en", "partnersh", "grid-blackout ferry-strike"},
		{"en", "b", ""}, /* too short */
		{"ru", "азербайдж", "vybory"},
		{"ru", "Парт", "vybory"}, /* lead, ё folded */
		{"ru", "выборах в азерб", "vybory"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *match = NULL;
		search_query_build(t->a, cases[i].typed, 1, &match, &e);
		struct store_search_query q = {
			.edition = cases[i].ed, .match = match, .suggest = 1};
		struct store_search_hit *h;
		size_t n, total;
		assert_int_equal(
			store_search(t->s, t->a, &q, &h, &n, &total, &e), 0);
		struct buf b;
		buf_init(&b, t->a);
		for (size_t k = 0; k < n; k++)
			buf_printf(&b, "%s%s", k ? " " : "", h[k].art.slug);
		if (strcmp(b.data, cases[i].want))
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].typed,
				 b.data, cases[i].want);
		if (n)
			assert_non_null(strchr(h[0].snippet, ' '));
	}
}

/* A suggestion page whose rank order is neither rowid order nor its
 * reverse, with a prefix longer than any prefix index (store_search then
 * reads all the hits in one statement): each hit keeps its own article,
 * title and excerpt, and offset/limit pick from the ranked list. */
static void test_search_suggest_page(void **state)
{
	struct ts *t = *state;
	ts_seed(t);
	struct store_article lead =
		art_new("en", "keeper-retires", "Harbour notes",
			"The old lighthousekeeper retired.", "");
	save_ok(t, &lead);
	struct store_article title = art_new(
		"en", "keepers-gather", "Lighthousekeepers gather", "", "");
	save_ok(t, &title);
	static struct store_tag tags[] = {{.name = "Lighthousekeeping"}};
	struct store_article meta =
		art_new("en", "coast-walk", "A walk on the coast", "", "");
	meta.tags = tags;
	meta.n_tags = 1;
	save_ok(t, &meta);
	assert_true(lead.id < title.id && title.id < meta.id);

	struct err e = {0};
	char *match = NULL;
	search_query_build(t->a, "lighthousekee", 1, &match, &e);
	assert_non_null(match);
	struct store_search_query q = {
		.edition = "en", .match = match, .suggest = 1};
	struct store_search_hit *h;
	size_t n, total;
	assert_int_equal(store_search(t->s, t->a, &q, &h, &n, &total, &e), 0);
	assert_int_equal(total, 3);
	assert_int_equal(n, 3);
	assert_string_equal(h[0].art.slug, "keepers-gather");
	assert_string_equal(h[0].title_hl, "\x02Lighthousekeepers\x03 gather");
	assert_string_equal(h[1].art.slug, "keeper-retires");
	assert_string_equal(h[1].art.title, "Harbour notes");
	assert_string_equal(h[1].title_hl, "Harbour notes");
	assert_non_null(strstr(h[1].snippet, "\x02lighthousekeeper\x03"));
	assert_string_equal(h[2].art.slug, "coast-walk");
	assert_string_equal(h[2].title_hl, "A walk on the coast");
	assert_int_equal(h[2].art.n_tags, 1);

	q.offset = 1;
	q.limit = 1;
	assert_int_equal(store_search(t->s, t->a, &q, &h, &n, &total, &e), 0);
	assert_int_equal(total, 3);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].art.slug, "keeper-retires");
	assert_non_null(strstr(h[0].snippet, "\x02lighthousekeeper\x03"));
}

/* Suggestions rank the newest STORE_SEARCH_MAX_SUGGEST_CANDIDATES
 * matches, the results page the newest STORE_SEARCH_MAX_CANDIDATES: the
 * counts say so, and the hits are the newest. */
static void test_search_suggest_cap(void **state)
{
	struct ts *t = *state;
	ts_seed(t);
	size_t n_arts = STORE_SEARCH_MAX_SUGGEST_CANDIDATES + 5;
	int64_t at = (int64_t)time(NULL) - 7200;
	for (size_t i = 0; i < n_arts; i++) {
		char slug[32];
		snprintf(slug, sizeof slug, "lanternfish-%zu", i);
		struct store_article art =
			art_new("en", slug, "Lanternfish counted", "", "");
		art.publish_at = at;
		save_ok(t, &art);
	}
	struct err e = {0};
	char *match = NULL;
	search_query_build(t->a, "lanternf", 1, &match, &e);
	struct store_search_query q = {
		.edition = "en", .match = match, .suggest = 1, .limit = 3};
	struct store_search_hit *h;
	size_t n, total;
	assert_int_equal(store_search(t->s, t->a, &q, &h, &n, &total, &e), 0);
	assert_int_equal(total, STORE_SEARCH_MAX_SUGGEST_CANDIDATES);
	assert_int_equal(n, 3);
	/* equal ranks go by id: the first is the oldest candidate, which
	 * is the sixth article when only the newest 300 were ranked */
	assert_string_equal(h[0].art.slug, "lanternfish-5");
	assert_string_equal(h[2].art.slug, "lanternfish-7");
	size_t page_total;
	find(t, "en", "lanternfish", NULL, &page_total);
	assert_int_equal(page_total, n_arts);
}

static void test_search_meta(void **state)
{
	struct ts *t = *state;
	struct site st;
	site_seed(t, &st);
	/* author name, rubric name and tag names, in the edition's texts */
	assert_string_equal(find(t, "en", "alston", NULL, NULL),
			    "grid-blackout");
	assert_string_equal(find(t, "en", "analytics", NULL, NULL),
			    "grid-blackout");
	assert_string_equal(find(t, "en", "valdoria", NULL, NULL),
			    "grid-blackout");
	assert_string_equal(find(t, "ru", "олстон", NULL, NULL), "vybory");
	assert_string_equal(find(t, "ru", "аналитика", NULL, NULL), "vybory");
	assert_string_equal(find(t, "en", "petrov", NULL, NULL),
			    "ferry-strike");
}

static void test_search_highlight(void **state)
{
	struct ts *t = *state;
	struct site st;
	site_seed(t, &st);
	struct err e = {0};
	char *match;
	search_query_build(t->a, "partnerships grid", 0, &match, &e);
	struct store_search_query q = {.edition = "en", .match = match};
	struct store_search_hit *h;
	size_t n, total;
	assert_int_equal(store_search(t->s, t->a, &q, &h, &n, &total, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(h[0].art.slug, "grid-blackout");
	assert_string_equal(h[0].title_hl,
			    "\x02Grid\x03 came within minutes of a blackout");
	/* the body snippet holds the match, as written */
	assert_non_null(strstr(h[0].snippet, "\x02partnership\x03"));
	assert_non_null(strstr(h[1].snippet, "\x02partnerships\x03"));
	/* hits carry the article without bodies, with authors and tags */
	assert_int_equal(h[0].art.n_authors, 1);
	assert_int_equal(h[0].art.author_ids[0], t->author1);
	assert_int_equal(h[0].art.n_tags, 2);
	assert_string_equal(h[0].art.body_md, "");

	/* a match in the lead only: the lead is the snippet */
	search_query_build(t->a, "capacity", 0, &match, &e);
	q.match = match;
	assert_int_equal(store_search(t->s, t->a, &q, &h, &n, &total, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].snippet, "Operators lost a fifth of \x02"
					  "capacity\x03.");

	/* a match in the title only: the lead as it is */
	search_query_build(t->a, "ferry", 0, &match, &e);
	q.match = match;
	assert_int_equal(store_search(t->s, t->a, &q, &h, &n, &total, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].snippet, "Crossings stop for two days.");
	assert_string_equal(h[0].title_hl, "\x02"
					   "Ferry\x03 workers strike");

	/* no lead: the body's first words, cut with "…" */
	struct store_article nolead = art_new(
		"en", "nolead", "Kestrel sighted", "",
		"One two three four five six seven eight nine ten eleven "
		"twelve thirteen fourteen fifteen sixteen seventeen eighteen "
		"nineteen twenty twenty-one twenty-two twenty-three "
		"twenty-four twenty-five twenty-six.");
	save_ok(t, &nolead);
	search_query_build(t->a, "kestrel", 0, &match, &e);
	q.match = match;
	q.snippet_words = 8;
	assert_int_equal(store_search(t->s, t->a, &q, &h, &n, &total, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].snippet,
			    "One two three four five six seven eight…");
	/* a match deep in the body: a window around it */
	search_query_build(t->a, "twenty-four", 0, &match, &e);
	q.match = match;
	assert_int_equal(store_search(t->s, t->a, &q, &h, &n, &total, &e), 0);
	assert_int_equal(n, 1);
	/* (8 tokens: "twenty-four" is two, the phrase "twenty four") */
	assert_string_equal(h[0].snippet, "…twenty-three \x02twenty-four\x03 "
					  "twenty-five twenty-six.");
	q.snippet_words = 0;

	/* markers in the text itself are blanked before indexing */
	struct store_article odd = art_new("en", "odd",
					   "Odd \x02signal\x03 here", "",
					   "Plain \x03 body \x02 text.");
	save_ok(t, &odd);
	search_query_build(t->a, "signal", 0, &match, &e);
	q.match = match;
	assert_int_equal(store_search(t->s, t->a, &q, &h, &n, &total, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].title_hl, "Odd  \x02signal\x03  here");
}

static void test_search_follows_edits(void **state)
{
	struct ts *t = *state;
	struct site st;
	site_seed(t, &st);
	assert_string_equal(find(t, "en", "parliament", NULL, NULL),
			    "budget-vote");
	st.budget.body_md = "The vote ended a long night in the assembly.";
	st.budget.title = "Coalition passes a zeppelin budget";
	save_ok(t, &st.budget);
	assert_string_equal(find(t, "en", "parliament", NULL, NULL), "");
	assert_string_equal(find(t, "en", "assembly", NULL, NULL),
			    "budget-vote");
	assert_string_equal(find(t, "en", "zeppelin", NULL, NULL),
			    "budget-vote");
	/* authors and tags changed with the article */
	int64_t au[1] = {t->author2};
	st.budget.author_ids = au;
	st.budget.n_authors = 1;
	struct store_tag tags[] = {{.name = "Airships"}};
	st.budget.tags = tags;
	st.budget.n_tags = 1;
	save_ok(t, &st.budget);
	assert_string_equal(find(t, "en", "airships", NULL, NULL),
			    "budget-vote");
	assert_string_equal(find(t, "en", "petrov", NULL, NULL),
			    "ferry-strike budget-vote");
	/* moved to the other edition: gone from the first index */
	st.budget.edition = "ru";
	st.budget.tags = NULL;
	st.budget.n_tags = 0;
	save_ok(t, &st.budget);
	assert_string_equal(find(t, "en", "zeppelin", NULL, NULL), "");
	assert_string_equal(find(t, "ru", "zeppelin", NULL, NULL),
			    "budget-vote");
}

static void test_search_visibility(void **state)
{
	struct ts *t = *state;
	struct site st;
	site_seed(t, &st);
	struct store_article draft = art_new("en", "draft", "Secret lighthouse",
					     "", "Lighthouse draft.");
	draft.status = STORE_STATUS_DRAFT;
	save_ok(t, &draft);
	struct store_article sched =
		art_new("en", "sched", "Lighthouse reopens tomorrow", "", "");
	sched.status = STORE_STATUS_SCHEDULED;
	sched.publish_at = (int64_t)time(NULL) + 86400;
	save_ok(t, &sched);
	struct store_article gone =
		art_new("en", "gone", "Lighthouse closed", "", "");
	save_ok(t, &gone);
	assert_string_equal(find(t, "en", "lighthouse", NULL, NULL), "gone");
	gone.status = STORE_STATUS_UNPUBLISHED;
	save_ok(t, &gone);
	assert_string_equal(find(t, "en", "lighthouse", NULL, NULL), "");
	/* the scheduler publishes without a save: the query sees it */
	struct store_search_query later = {.now = sched.publish_at + 1};
	assert_string_equal(find(t, "en", "lighthouse", &later, NULL), "");
	int64_t *ids;
	size_t n;
	struct err e = {0};
	assert_int_equal(store_article_publish_due(t->s, t->a, sched.publish_at,
						   &ids, &n, &e),
			 0);
	assert_int_equal(n, 1);
	assert_string_equal(find(t, "en", "lighthouse", &later, NULL), "sched");
	draft.status = STORE_STATUS_PUBLISHED;
	save_ok(t, &draft);
	assert_string_equal(find(t, "en", "lighthouse", NULL, NULL), "draft");
}

static void test_search_rank(void **state)
{
	struct ts *t = *state;
	ts_seed(t);
	int64_t now = (int64_t)time(NULL);
	/* older title hit vs fresh body mention: the title wins */
	struct store_article a = art_new("en", "title-hit",
					 "Harbour dredging plan approved", "",
					 "The council met on Monday.");
	a.publish_at = now - 200 * 86400;
	save_ok(t, &a);
	struct store_article b = art_new(
		"en", "body-hit", "Council meets on Monday", "",
		"Among many other things the council also discussed "
		"dredging, budgets, schools, roads, parks and the weather.");
	b.publish_at = now - 60;
	save_ok(t, &b);
	struct store_article c = art_new("en", "lead-hit", "Port news",
					 "Dredging will start in spring.",
					 "More later.");
	c.publish_at = now - 200 * 86400;
	save_ok(t, &c);
	assert_string_equal(find(t, "en", "dredging", NULL, NULL),
			    "title-hit lead-hit body-hit");
	/* equal texts: the recent one first */
	struct store_article d =
		art_new("en", "old-twin", "Kessel ferry", "", "");
	d.publish_at = now - 700 * 86400;
	save_ok(t, &d);
	struct store_article f =
		art_new("en", "new-twin", "Kessel ferry", "", "");
	f.publish_at = now - 86400;
	save_ok(t, &f);
	assert_string_equal(find(t, "en", "kessel", NULL, NULL),
			    "new-twin old-twin");
	struct store_search_query by_date = {.by_date = 1};
	/* newest first; equal times: the later article first */
	assert_string_equal(find(t, "en", "dredging", &by_date, NULL),
			    "body-hit lead-hit title-hit");
}

static void test_search_filters(void **state)
{
	struct ts *t = *state;
	struct site st;
	site_seed(t, &st);
	struct store_search_query q = {.rubric_id = t->rubric1};
	assert_string_equal(find(t, "en", "partnership", &q, NULL),
			    "grid-blackout");
	q = (struct store_search_query){.author_id = t->author2};
	assert_string_equal(find(t, "en", "partnership", &q, NULL),
			    "ferry-strike");
	q = (struct store_search_query){.kind = "analysis"};
	assert_string_equal(find(t, "en", "partnership", &q, NULL),
			    "grid-blackout");
	q = (struct store_search_query){.kind = "interview"};
	assert_string_equal(find(t, "en", "partnership", &q, NULL), "");
	int64_t now = (int64_t)time(NULL);
	q = (struct store_search_query){.from = now - 10 * 86400};
	assert_string_equal(find(t, "en", "partnership", &q, NULL),
			    "grid-blackout");
	q = (struct store_search_query){.to = now - 10 * 86400};
	assert_string_equal(find(t, "en", "partnership", &q, NULL),
			    "ferry-strike");

	/* pagination over 25 articles */
	for (int i = 0; i < 25; i++) {
		char slug[32], title[64];
		snprintf(slug, sizeof slug, "tide-%02d", i);
		snprintf(title, sizeof title, "Tide table number %d", i);
		struct store_article a = art_new("en", slug, title, "", "");
		a.slug = arena_strdup(t->a, slug);
		a.title = arena_strdup(t->a, title);
		a.publish_at = now - 1000 - i; /* tide-00 is the newest */
		save_ok(t, &a);
	}
	size_t total;
	q = (struct store_search_query){.limit = 10, .by_date = 1};
	assert_string_equal(find(t, "en", "tide", &q, &total),
			    "tide-00 tide-01 tide-02 tide-03 tide-04 tide-05 "
			    "tide-06 tide-07 tide-08 tide-09");
	assert_int_equal(total, 25);
	q.offset = 20;
	assert_string_equal(find(t, "en", "tide", &q, &total),
			    "tide-20 tide-21 tide-22 tide-23 tide-24");
	assert_int_equal(total, 25);
	q.offset = 30;
	assert_string_equal(find(t, "en", "tide", &q, &total), "");
	assert_int_equal(total, 25);
}

static void test_search_hostile(void **state)
{
	struct ts *t = *state;
	struct site st;
	site_seed(t, &st);
	static const char *const qs[] = {
		"\"",
		"\"\"\"",
		"(",
		")",
		"*",
		"grid*",
		"NEAR(grid ferry)",
		"grid OR ferry",
		"grid AND",
		"NOT grid",
		"title:grid",
		"^grid",
		"{title}: grid",
		"-grid",
		"+grid",
		"\"grid",
		"grid\"ferry",
		"'; DROP TABLE articles; --",
		"%",
		"_",
		"\\",
		"\x01\x02\x03",
		"\xff\xfe grid",
		"\xd0",
		"«партнерство",
		"grid\x7f",
		"a b c d e f g h i j k l m n o p q r s t u v w x y z",
	};
	for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
		for (int prefix = 0; prefix < 2; prefix++) {
			struct err e = {0};
			char *match = NULL;
			assert_int_equal(search_query_build(t->a, qs[i], prefix,
							    &match, &e),
					 0);
			struct store_search_query q = {.edition = "en",
						       .match = match};
			struct store_search_hit *h;
			size_t n, total;
			int rc = store_search(t->s, t->a, &q, &h, &n, &total,
					      &e);
			if (rc)
				fail_msg("query %zu: %s", i, e.msg);
		}
	}
	/* 10 KB of text */
	char *big = arena_alloc(t->a, 10241);
	for (int i = 0; i < 10240; i++)
		big[i] = "grid \"(*"[i % 8];
	big[10240] = '\0';
	find(t, "en", big, NULL, NULL);
	/* a raw expression FTS5 rejects is ERR_INVALID, not a crash */
	struct store_search_query q = {.edition = "en", .match = "\"grid"};
	struct store_search_hit *h;
	size_t n, total;
	struct err e = {0};
	assert_int_equal(store_search(t->s, t->a, &q, &h, &n, &total, &e),
			 ERR_INVALID);
}

/* An edition added after the first articles gets its index with its
 * first article. */
static void test_search_new_edition(void **state)
{
	struct ts *t = *state;
	struct site st;
	site_seed(t, &st);
	struct err e = {0};
	struct store_edition de = {.code = "de",
				   .name = "Deutsch",
				   .prefix = "/de",
				   .position = 3};
	assert_int_equal(store_edition_upsert(t->s, &de, &e), 0);
	struct store_article a = art_new("de", "faehre", "Fährstreik in Kessel",
					 "", "Die Gewerkschaften streiken.");
	save_ok(t, &a);
	assert_string_equal(find(t, "de", "fahrstreik", NULL, NULL), "faehre");
	assert_string_equal(find(t, "de", "GEWERKSCHAFTEN", NULL, NULL),
			    "faehre");
	assert_string_equal(find(t, "en", "fahrstreik", NULL, NULL), "");
}

static int64_t live_index(struct ts *t, const char *ed)
{
	/* The test peeks at the registry through a second connection. */
	sqlite3 *db;
	char path[128];
	snprintf(path, sizeof path, "%s/g.db", t->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT id FROM search_indexes "
					    "WHERE edition = ?1 AND state = 0",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, ed, -1, SQLITE_STATIC);
	int64_t id = sqlite3_step(st) == SQLITE_ROW ?
			     sqlite3_column_int64(st, 0) :
			     0;
	assert_int_not_equal(sqlite3_step(st), SQLITE_ROW); /* just one */
	sqlite3_finalize(st);
	sqlite3_close(db);
	return id;
}

struct progress {
	size_t calls, last_done, last_total;
};

static void on_progress(const char *ed, const char *phase, size_t done,
			size_t total, void *ctx)
{
	(void)ed;
	struct progress *p = ctx;
	p->calls++;
	if (!strcmp(phase, "merge"))
		return;
	p->last_done = done;
	p->last_total = total;
}

static void test_search_reindex(void **state)
{
	struct ts *t = *state;
	struct site st;
	site_seed(t, &st);
	int64_t before = live_index(t, "en");
	assert_true(before > 0);
	struct progress p = {0};
	struct err e = {0};
	assert_int_equal(
		store_search_reindex(t->s, "en", 2, on_progress, &p, &e), 0);
	assert_true(p.calls >= 3);
	assert_int_equal(p.last_done, 3);
	assert_int_equal(p.last_total, 3);
	int64_t after = live_index(t, "en");
	assert_true(after > before);
	assert_string_equal(find(t, "en", "partnership", NULL, NULL),
			    "grid-blackout ferry-strike");
	assert_string_equal(find(t, "ru", "партнерство", NULL, NULL), "vybory");
	/* saves after the swap go to the new index */
	st.ferry.title = "Ferry workers end the walkout";
	save_ok(t, &st.ferry);
	assert_string_equal(find(t, "en", "walkout", NULL, NULL),
			    "ferry-strike");
	/* every edition */
	assert_int_equal(store_search_reindex(t->s, NULL, 0, NULL, NULL, &e),
			 0);
	assert_string_equal(find(t, "en", "walkout", NULL, NULL),
			    "ferry-strike");
	assert_string_equal(find(t, "ru", "паромах", NULL, NULL), "parom");
	assert_int_equal(store_search_reindex(t->s, "xx", 0, NULL, NULL, &e),
			 ERR_INVALID);
	assert_int_equal(store_check(t->s, &e), 0);
}

/* Reindex while another thread saves articles: nothing saved meanwhile
 * may be missing from the new index. */
struct saver {
	struct ts *t;
	int n;
	int rc;
};

static void *saver_main(void *arg)
{
	struct saver *sv = arg;
	for (int i = 0; i < sv->n && sv->rc == 0; i++) {
		char slug[32], title[64];
		snprintf(slug, sizeof slug, "quay-%d", i);
		snprintf(title, sizeof title, "Quay works part %d", i);
		struct store_article a = art_new("en", slug, title, "", "");
		struct err e = {0};
		sv->rc = store_article_save(sv->t->s, &a, 0, &e);
		if (sv->rc)
			fprintf(stderr, "saver: %s\n", e.msg);
	}
	return NULL;
}

static void test_search_reindex_concurrent(void **state)
{
	struct ts *t = *state;
	struct site st;
	site_seed(t, &st);
	for (int i = 0; i < 300; i++) {
		char slug[32];
		snprintf(slug, sizeof slug, "filler-%d", i);
		struct store_article a =
			art_new("en", slug, "Filler pier", "", "Pier text.");
		a.slug = arena_strdup(t->a, slug);
		save_ok(t, &a);
	}
	struct saver sv = {.t = t, .n = 60};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, saver_main, &sv), 0);
	struct err e = {0};
	assert_int_equal(store_search_reindex(t->s, "en", 20, NULL, NULL, &e),
			 0);
	pthread_join(th, NULL);
	assert_int_equal(sv.rc, 0);
	size_t total;
	struct store_search_query q = {.limit = 100};
	find(t, "en", "quay", &q, &total);
	assert_int_equal(total, 60);
	find(t, "en", "pier", &q, &total);
	assert_int_equal(total, 300);
}

/* Migration 2 on a database written by a binary without search: the
 * articles already there become searchable. */
/* Migration 2's C step (store_search_migrate) on a database that already
 * has articles: the index of every edition is created and filled. The
 * step runs on the raw database, as the migration runs it, after its SQL
 * (search_indexes exists, empty); later migrations are not replayed. */
static void test_search_migration(void **state)
{
	struct ts *t = *state;
	struct site st;
	site_seed(t, &st);
	char path[128];
	snprintf(path, sizeof path, "%s/g.db", t->dir);
	store_close(t->s);
	t->s = NULL;
	sqlite3 *db;
	struct err e = {0};
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(search_tokenizer_register(db, &e), 0);
	sqlite3_stmt *sel;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM search_indexes",
					    -1, &sel, NULL),
			 SQLITE_OK);
	long long ids[8];
	int n = 0;
	while (sqlite3_step(sel) == SQLITE_ROW && n < 8)
		ids[n++] = (long long)sqlite3_column_int64(sel, 0);
	sqlite3_finalize(sel);
	assert_int_equal(n, 2);
	for (int i = 0; i < n; i++) {
		char sql[96];
		snprintf(sql, sizeof sql,
			 "DROP TABLE article_fts_%lld; DROP TABLE "
			 "article_sug_%lld",
			 ids[i], ids[i]);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL),
				 SQLITE_OK);
	}
	assert_int_equal(sqlite3_exec(db, "BEGIN; DELETE FROM search_indexes",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	if (store_search_migrate(db, &e))
		fail_msg("migrate: %s", e.msg);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(path, &t->s, &e), 0);
	assert_int_equal(store_schema_version(t->s), store_migrations_latest());
	assert_string_equal(find(t, "en", "partnership", NULL, NULL),
			    "grid-blackout ferry-strike");
	assert_string_equal(find(t, "ru", "олстон", NULL, NULL), "vybory");
	/* suggestions too: the small table was filled as well */
	char *match = NULL;
	search_query_build(t->a, "blacko", 1, &match, &e);
	struct store_search_query q = {
		.edition = "en", .match = match, .suggest = 1};
	struct store_search_hit *h;
	size_t hn;
	assert_int_equal(store_search(t->s, t->a, &q, &h, &hn, NULL, &e), 0);
	assert_int_equal(hn, 1);
	assert_string_equal(h[0].art.slug, "grid-blackout");
}

/* The HTML of highlighted text: everything escaped, then the markers. */
static void test_search_html(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	struct buf b;
	buf_init(&b, a);
	page_search_html(&b, "<script>alert(\"x\")</script> & \x02"
			     "grid\x03 'q'");
	assert_string_equal(b.data,
			    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; "
			    "&amp; <mark>grid</mark> &#39;q&#39;");
	buf_clear(&b);
	/* a marker inside an escaped entity cannot break it; stray and
	 * unclosed markers still give balanced markup */
	page_search_html(&b, "\x03"
			     "a\x02<b\x02>\x03\x03 c\x02"
			     "d");
	assert_string_equal(b.data, "a<mark>&lt;b&gt;</mark> c<mark>d</mark>");
	buf_clear(&b);
	page_search_html(&b, NULL);
	assert_string_equal(b.data, "");
	page_search_plain(&b, "\x02Grid\x03 <x>");
	assert_string_equal(b.data, "Grid <x>");
	arena_free(a);
}

/* Work off the whole search backlog; the number of articles indexed. */
static size_t catch_up_all(struct ts *t, size_t batch)
{
	struct err e = {0};
	size_t all = 0;
	for (int more = 1, rounds = 0; more; rounds++) {
		size_t n;
		if (store_search_catch_up(t->s, batch, &n, &more, &e))
			fail_msg("catch up: %s", e.msg);
		assert_true(rounds < 1000);
		all += n;
	}
	return all;
}

static void test_search_backlog(void **state)
{
	struct ts *t = *state;
	struct site st;
	site_seed(t, &st);
	struct err e = {0};
	size_t n = 99;
	int more = 1;
	/* nothing to do on a site without a backlog */
	assert_int_equal(store_search_catch_up(t->s, 10, &n, &more, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(more, 0);
	assert_int_equal(store_search_backlog(t->s, &n, &e), 0);
	assert_int_equal(n, 0);

	/* a bulk load that leaves the index for later: 5 pairs and one
	 * article of a new edition, which has no index yet */
	struct store_edition de = {.code = "de",
				   .name = "Deutsch",
				   .prefix = "/de",
				   .position = 3};
	assert_int_equal(store_edition_upsert(t->s, &de, &e), 0);
	static const char *const slugs[] = {"zapad", "west",  "vostok",
					    "east",  "sever", "north",
					    "yug",   "south", "tsentr",
					    "centre"};
	struct store_article arts[11];
	for (int i = 0; i < 10; i++) {
		arts[i] = art_new(i % 2 ? "en" : "ru", slugs[i],
				  i % 2 ? "Quarry lorries blocked" :
					  "Карьер перекрыли самосвалы",
				  "",
				  i % 2 ? "Residents of Tarnholm." :
					  "Жители Тарнхольма.");
		arts[i].translation_group = i % 2 ? STORE_GROUP_PREVIOUS : 0;
	}
	arts[10] = art_new("de", "steinbruch", "Steinbruch gesperrt", "",
			   "Anwohner von Tarnholm.");
	assert_int_equal(store_article_insert_many(t->s, arts, 11,
						   STORE_BULK_INDEX_LATER, &e),
			 0);
	assert_int_equal(store_search_backlog(t->s, &n, &e), 0);
	assert_int_equal(n, 11);
	/* served, but not found yet */
	assert_string_equal(find(t, "en", "quarry", NULL, NULL), "");
	assert_string_equal(find(t, "de", "steinbruch", NULL, NULL), "");

	/* an edit of a waiting article indexes it at once ... */
	struct store_article east;
	assert_int_equal(store_article_get(t->s, t->a, arts[3].id, &east, &e),
			 0);
	east.title = "Quarry lorries blocked again";
	save_ok(t, &east);
	assert_string_equal(find(t, "en", "again", NULL, NULL), "east");

	/* ... and the catch-up, in batches of 2, brings in the rest
	 * without doubling it */
	assert_int_equal(catch_up_all(t, 2), 11);
	assert_int_equal(store_search_backlog(t->s, &n, &e), 0);
	assert_int_equal(n, 0);
	size_t total = 0;
	const char *hits = find(t, "en", "quarry", NULL, &total);
	assert_int_equal(total, 5); /* each once */
	for (int i = 1; i < 10; i += 2)
		assert_non_null(strstr(hits, slugs[i]));
	assert_string_equal(find(t, "en", "again", NULL, NULL), "east");
	hits = find(t, "ru", "карьер", NULL, &total);
	assert_int_equal(total, 5);
	for (int i = 0; i < 10; i += 2)
		assert_non_null(strstr(hits, slugs[i]));
	assert_string_equal(find(t, "de", "steinbruch", NULL, NULL),
			    "steinbruch");
	assert_int_equal(catch_up_all(t, 2), 0);

	/* a reindex covers a backlog too: the new index has none */
	struct store_article more_arts[1] = {art_new("en", "quarry-reopens",
						     "Quarry reopens", "",
						     "Lorries return.")};
	assert_int_equal(store_article_insert_many(t->s, more_arts, 1,
						   STORE_BULK_INDEX_LATER, &e),
			 0);
	assert_int_equal(store_search_reindex(t->s, "en", 0, NULL, NULL, &e),
			 0);
	assert_string_equal(find(t, "en", "reopens", NULL, NULL),
			    "quarry-reopens");
	assert_int_equal(catch_up_all(t, 10), 0);
}

#define BOTH(f)                                                                \
	cmocka_unit_test_setup_teardown(f, ts_setup_mem, ts_teardown),         \
		cmocka_unit_test_setup_teardown(f, ts_setup_file, ts_teardown)
#define FILE_ONLY(f)                                                           \
	cmocka_unit_test_setup_teardown(f, ts_setup_file, ts_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_search_basic),
		BOTH(test_search_meta),
		BOTH(test_search_suggest),
		BOTH(test_search_suggest_page),
		cmocka_unit_test_setup_teardown(test_search_suggest_cap,
						ts_setup_mem, ts_teardown),
		BOTH(test_search_highlight),
		BOTH(test_search_follows_edits),
		BOTH(test_search_visibility),
		BOTH(test_search_rank),
		BOTH(test_search_filters),
		BOTH(test_search_hostile),
		BOTH(test_search_new_edition),
		BOTH(test_search_backlog),
		FILE_ONLY(test_search_reindex),
		FILE_ONLY(test_search_reindex_concurrent),
		FILE_ONLY(test_search_migration),
		cmocka_unit_test(test_search_html),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
