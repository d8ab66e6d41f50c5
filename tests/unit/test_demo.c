/*
 * test_demo.c - the demo site loader and the synthetic article generator
 * (src/demo/): the article header parser and INI reader on good and bad
 * input, the text generator, and demo_load/demo_generate against a fresh
 * SQLite ":memory:" store with editions en and ru.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "demo/demo.h"
#include "demo/internal.h"
#include "render/markdown.h"
#include "search/search.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/embed.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define NOW 1767225600 /* 2026-01-01 00:00:00 UTC */

/* ---- article header parser ------------------------------------------ */

static const char good_header[] = "key: budget-vote\n"
				  "edition: en\n"
				  "title: The budget vote: a test\n"
				  "slug: the-budget-vote-a-test\n"
				  "kind: analysis\n"
				  "rubric: politics\n"
				  "authors: mira-alston, tomas-berg\n"
				  "tags: coalition, Assembly , budget\n"
				  "age_hours: 27\n"
				  "featured: 1\n"
				  "breaking: 0\n"
				  "pinned: 1\n"
				  "lead: A lead: with a colon.\n";

#define GOOD_PATH "demo/content/articles/budget-vote.en.md"

static int parse(struct arena *a, const char *path, const char *text,
		 struct demo_article *out, struct err *e)
{
	return demo_article_parse(a, path, text, strlen(text), out, e);
}

static void test_article_parse_ok(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	struct err e = {0};
	struct demo_article art;
	char *text = arena_printf(a,
				  "%s---\nFirst paragraph.\n\n---\n\n"
				  "Second.\n",
				  good_header);
	assert_int_equal(parse(a, GOOD_PATH, text, &art, &e), 0);
	assert_string_equal(art.key, "budget-vote");
	assert_string_equal(art.edition, "en");
	assert_string_equal(art.title, "The budget vote: a test");
	assert_string_equal(art.slug, "the-budget-vote-a-test");
	assert_string_equal(art.kind, "analysis");
	assert_string_equal(art.rubric, "politics");
	assert_int_equal(art.rubric_line, 6);
	assert_int_equal(art.n_authors, 2);
	assert_string_equal(art.authors[1], "tomas-berg");
	assert_int_equal(art.n_tags, 3);
	assert_string_equal(art.tags[1], "Assembly");
	assert_int_equal(art.age_hours, 27);
	assert_int_equal(art.featured, 1);
	assert_int_equal(art.breaking, 0);
	assert_int_equal(art.pinned, 1);
	assert_string_equal(art.lead, "A lead: with a colon.");
	/* only the first --- ends the header; a later one is Markdown */
	assert_string_equal(art.body, "First paragraph.\n\n---\n\nSecond.\n");

	/* CRLF, optional flags left out, no tags */
	text = "key: x\r\nedition: ru\r\ntitle: T\r\nslug: x\r\nkind: news\r\n"
	       "rubric: world\r\nauthors: a\r\ntags:\r\nage_hours: 0\r\n"
	       "lead: L\r\n---\r\nBody\r\n";
	assert_int_equal(parse(a, "x.ru.md", text, &art, &e), 0);
	assert_int_equal(art.n_tags, 0);
	assert_int_equal(art.featured, 0);
	assert_string_equal(art.edition, "ru");
	arena_free(a);
}

/* Parse text and expect ERR_INVALID with every needle in the message. */
static void expect_bad(const char *path, const char *text, const char *n1,
		       const char *n2)
{
	struct arena *a = arena_new(0);
	struct err e = {0};
	struct demo_article art;
	int rc = parse(a, path, text, &art, &e);
	if (rc != ERR_INVALID || !strstr(e.msg, n1) ||
	    (n2 && !strstr(e.msg, n2)))
		print_error("input:\n%s\nrc %d, message: %s\nwanted: %s %s\n",
			    text, rc, e.msg, n1, n2 ? n2 : "");
	assert_int_equal(rc, ERR_INVALID);
	assert_non_null(strstr(e.msg, n1));
	if (n2)
		assert_non_null(strstr(e.msg, n2));
	arena_free(a);
}

/* good_header with line `name: value` replaced (value NULL: removed). */
static char *with_header(struct arena *a, const char *name, const char *value)
{
	struct buf b;
	buf_init(&b, a);
	const char *p = good_header;
	size_t nlen = strlen(name);
	while (*p) {
		const char *nl = strchr(p, '\n');
		if (strncmp(p, name, nlen) == 0 && p[nlen] == ':') {
			if (value)
				buf_printf(&b, "%s: %s\n", name, value);
		} else {
			buf_append(&b, p, (size_t)(nl - p + 1));
		}
		p = nl + 1;
	}
	buf_puts(&b, "---\nBody.\n");
	return b.data;
}

static void test_article_parse_bad(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	/* no --- at all */
	expect_bad(GOOD_PATH, good_header, GOOD_PATH ":13:", "no '---'");
	/* unknown header, with its line */
	char *t = arena_printf(a, "key: budget-vote\ncolour: red\n%s---\nB\n",
			       good_header + strlen("key: budget-vote\n"));
	expect_bad(GOOD_PATH, t, GOOD_PATH ":2:", "unknown header 'colour'");
	/* bad ages */
	expect_bad(GOOD_PATH, with_header(a, "age_hours", "3h"),
		   ":9:", "bad age_hours '3h'");
	expect_bad(GOOD_PATH, with_header(a, "age_hours", "-1"),
		   ":9:", "age_hours");
	expect_bad(GOOD_PATH, with_header(a, "age_hours", ""),
		   ":9:", "age_hours");
	expect_bad(GOOD_PATH, with_header(a, "age_hours", "99999999999999"),
		   ":9:", "age_hours");
	/* missing required headers */
	expect_bad(GOOD_PATH, with_header(a, "lead", NULL),
		   "missing header 'lead'", GOOD_PATH);
	expect_bad(GOOD_PATH, with_header(a, "rubric", NULL),
		   "missing header 'rubric'", NULL);
	/* bad values */
	expect_bad(GOOD_PATH, with_header(a, "slug", "Not A Slug"),
		   ":4:", "bad slug");
	expect_bad(GOOD_PATH, with_header(a, "slug", "double--dash"),
		   ":4:", "bad slug");
	expect_bad(GOOD_PATH, with_header(a, "kind", "gossip"),
		   ":5:", "bad kind");
	expect_bad(GOOD_PATH, with_header(a, "featured", "yes"),
		   ":10:", "bad featured");
	expect_bad(GOOD_PATH, with_header(a, "authors", "a, a"),
		   ":7:", "bad authors");
	expect_bad(GOOD_PATH, with_header(a, "authors", ""),
		   ":7:", "bad authors");
	expect_bad(GOOD_PATH, with_header(a, "tags", "x,,y"),
		   ":8:", "bad tags");
	expect_bad(GOOD_PATH, with_header(a, "title", ""), ":3:", "bad title");
	/* key and edition must match the file name */
	expect_bad("demo/content/articles/other.en.md",
		   with_header(a, "key", "budget-vote"),
		   ":1:", "differs from the file name");
	expect_bad("demo/content/articles/budget-vote.ru.md",
		   with_header(a, "key", "budget-vote"),
		   ":2:", "edition 'en' differs");
	expect_bad("demo/content/articles/budget-vote.md",
		   with_header(a, "key", "budget-vote"), "<key>.<edition>.md",
		   NULL);
	/* repeated header, blank line, line without a colon */
	t = arena_printf(a, "%stitle: again\n---\nB\n", good_header);
	expect_bad(GOOD_PATH, t, ":14:", "repeated");
	t = arena_printf(a, "key: budget-vote\n\n%s---\nB\n",
			 good_header + strlen("key: budget-vote\n"));
	expect_bad(GOOD_PATH, t, ":2:", "blank line");
	t = arena_printf(a, "%sjust words\n---\nB\n", good_header);
	expect_bad(GOOD_PATH, t, ":14:", "expected 'name: value'");
	/* empty body */
	t = arena_printf(a, "%s---\n \n\n", good_header);
	expect_bad(GOOD_PATH, t, "empty body", NULL);
	/* empty file */
	expect_bad(GOOD_PATH, "", "no '---'", NULL);
	arena_free(a);
}

/* ---- INI reader ----------------------------------------------------- */

static void test_ini_parse(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	struct err e = {0};
	struct demo_ini ini;
	struct buf b;
	buf_init(&b, a);
	buf_puts(&b, "; comment\n[one]\nlong = ");
	for (int i = 0; i < 200; i++)
		buf_puts(&b, "слово ");
	buf_puts(&b, "end\nsemi = a ; b ; c\nmulti = first\n  second\n"
		     "\n[entry 2]\nx = 1\n");
	assert_int_equal(demo_ini_parse(a, "t.ini", b.data, b.len, &ini, &e),
			 0);
	assert_int_equal(ini.n, 4);
	const struct demo_kv *kv = demo_ini_find(&ini, "one", "long");
	assert_non_null(kv);
	assert_int_equal(strlen(kv->value), 200 * strlen("слово ") + 3);
	assert_int_equal(kv->line, 3);
	assert_string_equal(demo_ini_find(&ini, "one", "semi")->value,
			    "a ; b ; c");
	assert_string_equal(demo_ini_find(&ini, "one", "multi")->value,
			    "first\nsecond");
	kv = demo_ini_find(&ini, "entry 2", "x");
	assert_non_null(kv);
	assert_int_equal(kv->line, 9);
	assert_null(demo_ini_find(&ini, "one", "x"));

	const char *bad = "[a]\nk = 1\nk = 2\n";
	assert_int_equal(demo_ini_parse(a, "t.ini", bad, strlen(bad), &ini, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "t.ini:3:"));
	assert_non_null(strstr(e.msg, "repeated"));
	bad = "k = 1\n";
	assert_int_equal(demo_ini_parse(a, "t.ini", bad, strlen(bad), &ini, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "t.ini:1: key 'k' outside"));
	bad = "[a]\nk = 1\nno equals sign\n";
	assert_int_equal(demo_ini_parse(a, "t.ini", bad, strlen(bad), &ini, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "t.ini:3: syntax error"));
	arena_free(a);
}

/* ---- the content as a whole ---------------------------------------- */

struct fixture {
	struct embed_file site, rubrics, authors, live, art[2];
	const struct embed_file *arts[2];
	struct demo_files files;
};

static struct embed_file file_of(const char *path, const char *text)
{
	return (struct embed_file){path, (const unsigned char *)text,
				   strlen(text), 0};
}

/* A small, valid demo site. */
static void fixture_init(struct fixture *f)
{
	f->site = file_of("demo/content/site.ini",
			  "[site]\nname.en = X\nsocial.telegram = https://t\n");
	f->rubrics = file_of("demo/content/rubrics.ini",
			     "[politics]\nposition = 1\nname.en = Politics\n"
			     "slug.en = politics\ndescription.en = D\n"
			     "[world]\nposition = 2\nname.en = World\n"
			     "slug.en = world\n");
	f->authors = file_of("demo/content/authors.ini",
			     "[mira]\nname.en = Mira\nbio.en = B\n"
			     "links = https://x\n");
	f->live = file_of("demo/content/live.ini",
			  "[event]\nkey = ev\ntitle.en = T\n"
			  "started_hours_ago = 2\n\n[entry 1]\n"
			  "minutes_ago = 5\nauthor = mira\ntext.en = Hello\n");
	f->art[0] = file_of("demo/content/articles/a.en.md",
			    "key: a\nedition: en\ntitle: T\nslug: a\n"
			    "kind: news\nrubric: politics\nauthors: mira\n"
			    "tags: x\nage_hours: 1\nlead: L\n---\nBody\n");
	f->art[1] = file_of("demo/content/articles/b.en.md",
			    "key: b\nedition: en\ntitle: T\nslug: b\n"
			    "kind: news\nrubric: world\nauthors: mira\n"
			    "tags: x\nage_hours: 1\nlead: L\n---\nBody\n");
	f->arts[0] = &f->art[0];
	f->arts[1] = &f->art[1];
	f->files = (struct demo_files){&f->site, &f->rubrics, &f->authors,
				       &f->live, f->arts,     2};
}

/* Check f and expect `code` with needle in the message. */
static void check_content(struct fixture *f, int code, const char *needle)
{
	struct arena *a = arena_new(0);
	struct err e = {0};
	int rc = demo_content_check(a, &f->files, &e);
	if (rc != code || (needle && !strstr(e.msg, needle)))
		fail_msg("rc %d (wanted %d), message '%s', wanted '%s'", rc,
			 code, e.msg, needle ? needle : "");
	arena_free(a);
}

static void test_content_check(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	check_content(&f, 0, NULL);

	fixture_init(&f);
	f.site = file_of("demo/content/site.ini",
			 "[site]\nname.en = X\nsocal.twitter = x\n");
	check_content(&f, ERR_INVALID,
		      "site.ini:3: unknown key 'socal.twitter' in [site]");
	f.site = file_of("demo/content/site.ini", "[sight]\nname.en = X\n");
	check_content(&f, ERR_INVALID, "site.ini:2: unknown section [sight]");

	fixture_init(&f);
	f.rubrics = file_of("demo/content/rubrics.ini",
			    "[politics]\nposition = 1\nnmae.en = P\n");
	check_content(&f, ERR_INVALID, "rubrics.ini:3: unknown key 'nmae.en'");
	f.rubrics = file_of("demo/content/rubrics.ini",
			    "[politics]\nposition = 1\nname.en = P\n"
			    "name.ru = П\nslug.en = p\n");
	check_content(&f, ERR_INVALID, "has 'name.ru' but no 'slug.ru'");
	f.rubrics = file_of("demo/content/rubrics.ini",
			    "[politics]\nposition = first\nname.en = P\n"
			    "slug.en = p\n");
	check_content(&f, ERR_INVALID,
		      "rubrics.ini:2: [politics] needs position");
	f.rubrics = file_of("demo/content/rubrics.ini",
			    "[politics]\nposition = 1\nname.en = P\n"
			    "slug.en = p\n[world]\nposition = 2\n"
			    "name.en = W\nslug.en = p\n");
	check_content(&f, ERR_INVALID,
		      "rubrics.ini:8: slug.en 'p' already used");

	fixture_init(&f);
	f.authors = file_of("demo/content/authors.ini",
			    "[Mira Alston]\nname.en = Mira\n");
	check_content(&f, ERR_INVALID, "author key [Mira Alston] must be");

	fixture_init(&f);
	f.live = file_of("demo/content/live.ini",
			 "[event]\nkey = ev\ntitle.en = T\n"
			 "started_hours_ago = 2\n[entry 1]\nminutes_ago = 5\n"
			 "author = nobody\ntext.en = Hello\n");
	check_content(&f, ERR_INVALID, "live.ini:7: [entry 1] unknown author");
	f.live = file_of("demo/content/live.ini",
			 "[entry 1]\nminutes_ago = 5\ntext.en = Hello\n");
	check_content(&f, ERR_INVALID, "no [event] section");
	f.live = file_of("demo/content/live.ini",
			 "[event]\nkey = ev\ntitle.en = T\n"
			 "started_hours_ago = 2\n[entry x]\nminutes_ago = 5\n");
	check_content(&f, ERR_INVALID, "unknown section [entry x]");
	f.live = file_of("demo/content/live.ini",
			 "[event]\nkey = ev\ntitle.en = T\n"
			 "started_hours_ago = soon\n");
	check_content(&f, ERR_INVALID, "live.ini:4: [event] needs started");

	fixture_init(&f);
	f.art[0] = file_of("demo/content/articles/a.en.md",
			   "key: a\nedition: en\ntitle: T\nslug: a\n"
			   "kind: news\nrubric: polit\nauthors: mira\n"
			   "tags: x\nage_hours: 1\nlead: L\n---\nBody\n");
	check_content(&f, ERR_INVALID, "a.en.md:6: unknown rubric 'polit'");
	f.art[0] = file_of("demo/content/articles/a.en.md",
			   "key: a\nedition: en\ntitle: T\nslug: a\n"
			   "kind: news\nrubric: politics\nauthors: mira, bob\n"
			   "tags: x\nage_hours: 1\nlead: L\n---\nBody\n");
	check_content(&f, ERR_INVALID, "a.en.md:7: unknown author 'bob'");
	f.art[0] = file_of("demo/content/articles/a.en.md",
			   "key: a\nedition: en\ntitle: T\nslug: b\n"
			   "kind: news\nrubric: politics\nauthors: mira\n"
			   "tags: x\nage_hours: 1\nlead: L\n---\nBody\n");
	check_content(&f, ERR_INVALID, "is also the slug of");

	fixture_init(&f);
	f.files.rubrics = NULL;
	check_content(&f, ERR_NOTFOUND, "rubrics.ini: not embedded");
	fixture_init(&f);
	f.files.n_articles = 0;
	check_content(&f, ERR_NOTFOUND, "no demo articles");
}

/* ---- synthetic text ------------------------------------------------- */

static size_t words_of(const char *s)
{
	size_t n = 0;
	int in = 0;
	for (; *s; s++) {
		int sp = *s == ' ' || *s == '\n';
		n += !sp && !in;
		in = !sp;
	}
	return n;
}

static void test_vocab(void **state)
{
	(void)state;
	for (int slot = 0; slot < DEMO_SLOTS; slot++) {
		assert_true(demo_vocab[slot].n > 1);
		for (size_t i = 0; i < demo_vocab[slot].n; i++)
			for (int l = 0; l < DEMO_LANGS; l++)
				assert_non_null(demo_vocab[slot].p[i].s[l]);
	}
	assert_int_equal(demo_vocab[DEMO_SLOT_VERB].n,
			 demo_vocab[DEMO_SLOT_VERB_INF].n);
	const struct demo_list *tags = &demo_vocab[DEMO_SLOT_TAG];
	assert_int_equal(tags->n, DEMO_TAG_POOL);
	for (size_t i = 0; i < tags->n; i++)
		for (size_t j = 0; j < i; j++)
			for (int l = 0; l < DEMO_LANGS; l++)
				if (strcmp(tags->p[i].s[l], tags->p[j].s[l]) ==
				    0)
					fail_msg("tag '%s' twice",
						 tags->p[i].s[l]);
}

static void test_text_make(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	struct demo_text t, u;
	demo_text_init(&t, a);
	demo_text_init(&u, a);
	for (uint64_t k = 1; k <= 2000; k++) {
		demo_text_make(&t, k);
		for (int l = 0; l < DEMO_LANGS; l++) {
			size_t w = words_of(t.body[l].data);
			if (w < 300 || w > 900)
				fail_msg("article %llu lang %d: %zu words",
					 (unsigned long long)k, l, w);
			assert_true(t.title[l].len > 10);
			assert_true(t.lead[l].len > 20);
			assert_null(strchr(t.title[l].data, '{'));
			assert_null(strchr(t.body[l].data, '{'));
			assert_non_null(strstr(t.body[l].data, "\n\n- "));
			assert_non_null(strstr(t.body[l].data, "\n\n> "));
			assert_non_null(strstr(t.body[l].data, "\n\n## "));
			/* The generator writes the HTML itself (a tenth of
			 * the cost of rendering): it must be the renderer's. */
			struct buf html;
			buf_init(&html, NULL);
			struct err e = {0};
			if (render_md_to_html(t.body[l].data, t.body[l].len,
					      &html, &e))
				fail_msg("article %llu: %s",
					 (unsigned long long)k, e.msg);
			if (strcmp(html.data, t.html[l].data) != 0)
				fail_msg("article %llu lang %d: HTML differs:\n"
					 "%s\n---\n%s",
					 (unsigned long long)k, l, html.data,
					 t.html[l].data);
			buf_reset(&html);
		}
		assert_true(t.n_tags >= 1 && t.n_tags <= 3);
		for (size_t i = 0; i < t.n_tags; i++) {
			assert_true(t.tags[i] < DEMO_TAG_POOL);
			for (size_t j = 0; j < i; j++)
				assert_true(t.tags[i] != t.tags[j]);
		}
	}
	/* deterministic; different numbers differ */
	demo_text_make(&t, 42);
	demo_text_make(&u, 42);
	assert_string_equal(t.body[DEMO_LANG_RU].data,
			    u.body[DEMO_LANG_RU].data);
	demo_text_make(&u, 43);
	assert_string_not_equal(t.body[DEMO_LANG_EN].data,
				u.body[DEMO_LANG_EN].data);
	arena_free(a);
}

static void test_slug_words(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	struct buf b;
	buf_init(&b, a);
	demo_slug_words(&b, "Клара Вейль: «Цены растут быстрее зарплат»", 4);
	assert_string_equal(b.data, "klara-veyl-tseny-rastut");
	buf_clear(&b);
	demo_slug_words(&b, "The teachers' union: 45% say \"no\"", 9);
	assert_string_equal(b.data, "the-teachers-union-45-say-no");
	buf_clear(&b);
	buf_puts(&b, "x-");
	demo_slug_words(&b, "Щука, ёж и Объём", 5);
	assert_string_equal(b.data, "x-shchuka-ezh-i-obem");
	arena_free(a);
}

/* ---- against a store ------------------------------------------------ */

static int store_setup(void **state)
{
	struct err e = {0};
	store *s = NULL;
	if (store_open(":memory:", &s, &e) != 0) {
		print_error("store_open: %s\n", e.msg);
		return -1;
	}
	struct store_edition en = {"en", "English", "", 1};
	struct store_edition ru = {"ru", "Русский", "/ru", 2};
	if (store_edition_upsert(s, &en, &e) ||
	    store_edition_upsert(s, &ru, &e)) {
		print_error("store_edition_upsert: %s\n", e.msg);
		store_close(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int store_teardown(void **state)
{
	store_close(*state);
	return 0;
}

static size_t count_articles(store *s, const char *edition)
{
	struct arena *a = arena_new(0);
	struct err e = {0};
	struct store_article_filter f = {.edition = edition,
					 .status = STORE_STATUS_PUBLISHED,
					 .limit = 1};
	struct store_article *list;
	size_t n = 0, total = 0;
	int rc = store_article_list(s, a, &f, &list, &n, &total, &e);
	if (rc)
		fail_msg("store_article_list: %s", e.msg);
	arena_free(a);
	return total;
}

static void check_demo_site(store *s)
{
	struct arena *a = arena_new(0);
	struct err e = {0};

	assert_true(count_articles(s, "en") >= 30);
	assert_true(count_articles(s, "ru") >= 30);

	const char *eds[] = {"en", "ru"};
	for (int k = 0; k < 2; k++) {
		struct store_rubric *r;
		size_t n, described = 0;
		assert_int_equal(store_rubric_list(s, a, eds[k], &r, &n, &e),
				 0);
		for (size_t i = 0; i < n; i++)
			described += r[i].description && *r[i].description;
		assert_true(described >= 5);
		struct store_author *au;
		assert_int_equal(store_author_list(s, a, eds[k], &au, &n, &e),
				 0);
		assert_true(n >= 6);
	}

	/* most Russian articles link to their English original */
	struct store_article_filter f = {.edition = "ru",
					 .status = STORE_STATUS_PUBLISHED,
					 .limit = 500};
	struct store_article *ru;
	size_t n_ru, linked = 0;
	assert_int_equal(store_article_list(s, a, &f, &ru, &n_ru, NULL, &e), 0);
	for (size_t i = 0; i < n_ru; i++) {
		struct store_article en;
		int rc = store_article_translation(s, a, ru[i].id, "en", &en,
						   &e);
		if (rc == 0) {
			assert_string_equal(en.edition, "en");
			assert_int_equal(en.translation_group,
					 ru[i].translation_group);
			linked++;
		} else {
			assert_int_equal(rc, ERR_NOTFOUND);
		}
	}
	assert_true(n_ru > 0 && linked * 10 >= n_ru * 8);

	/* an article has rendered HTML, authors and a rubric */
	struct store_article full;
	assert_int_equal(store_article_get(s, a, ru[0].id, &full, &e), 0);
	assert_non_null(strstr(full.body_html, "<p>"));
	assert_true(full.n_authors >= 1);
	assert_true(full.rubric_id != 0);
	assert_true(full.publish_at <= NOW &&
		    full.publish_at > NOW - 400 * 86400);

	/* one live event with entries */
	for (int k = 0; k < 2; k++) {
		struct store_live_event *ev;
		size_t n;
		assert_int_equal(store_live_event_list(s, a, eds[k],
						       STORE_LIVE_LIVE, &ev, &n,
						       &e),
				 0);
		assert_int_equal(n, 1);
		assert_true(ev[0].starts_at < NOW);
		struct store_live_entry *en;
		size_t n_en;
		assert_int_equal(store_live_entry_list(s, a, ev[0].id, eds[k],
						       0, 0, 100, &en, &n_en,
						       &e),
				 0);
		assert_true(n_en >= 5);
		assert_non_null(strstr(en[0].body_html, "<p>"));
	}

	const char *keys[] = {"social.telegram",  "app.ios",  "app.android",
			      "footer_notice.en", "promo.en", "name.ru"};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		char *v = NULL;
		assert_int_equal(store_setting_get(s, a, keys[i], &v, &e), 0);
		if (!v || !*v)
			fail_msg("setting %s missing", keys[i]);
	}
	arena_free(a);
}

static size_t count_entries(store *s)
{
	struct arena *a = arena_new(0);
	struct err e = {0};
	struct store_live_event *ev;
	struct store_live_entry *en;
	size_t n, n_en = 0;
	assert_int_equal(store_live_event_list(s, a, "ru", -1, &ev, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_live_entry_list(s, a, ev[0].id, "ru", 1, 0, 500,
					       &en, &n_en, &e),
			 0);
	arena_free(a);
	return n_en;
}

static void test_demo_load(void **state)
{
	store *s = *state;
	struct err e = {0};
	int rc = demo_load(s, NOW, &e);
	if (rc)
		fail_msg("demo_load: %s", e.msg);
	check_demo_site(s);

	/* a second run adds nothing */
	size_t en = count_articles(s, "en"), ru = count_articles(s, "ru");
	size_t entries = count_entries(s);
	rc = demo_load(s, NOW + 3600, &e);
	if (rc)
		fail_msg("demo_load again: %s", e.msg);
	assert_int_equal(count_articles(s, "en"), en);
	assert_int_equal(count_articles(s, "ru"), ru);
	assert_int_equal(count_entries(s), entries);
	check_demo_site(s);
}

static void test_demo_load_no_editions(void **state)
{
	(void)state;
	struct err e = {0};
	store *s = NULL;
	assert_int_equal(store_open(":memory:", &s, &e), 0);
	assert_int_equal(demo_load(s, NOW, &e), ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "no editions"));
	assert_int_equal(demo_generate(s, 10, 0, &e), ERR_NOTFOUND);
	store_close(s);
}

/* Content for an edition the store does not have is skipped. */
static void test_demo_load_one_edition(void **state)
{
	(void)state;
	struct err e = {0};
	store *s = NULL;
	assert_int_equal(store_open(":memory:", &s, &e), 0);
	struct store_edition en = {"en", "English", "", 1};
	assert_int_equal(store_edition_upsert(s, &en, &e), 0);
	int rc = demo_load(s, NOW, &e);
	if (rc)
		fail_msg("demo_load: %s", e.msg);
	assert_true(count_articles(s, "en") >= 30);
	assert_int_equal(count_articles(s, "ru"), 0);
	rc = demo_generate(s, 20, 0, &e);
	if (rc)
		fail_msg("demo_generate: %s", e.msg);
	assert_true(count_articles(s, "en") >= 50);
	store_close(s);
}

/* 1 when the search q finds article id. */
static int found_by(store *s, struct arena *a,
		    const struct store_search_query *q, int64_t id)
{
	struct store_search_hit *hits;
	size_t n_hits, total;
	struct err e = {0};
	if (store_search(s, a, q, &hits, &n_hits, &total, &e))
		fail_msg("search: %s", e.msg);
	for (size_t k = 0; k < n_hits; k++)
		if (hits[k].art.id == id)
			return 1;
	return 0;
}

static void test_demo_generate(void **state)
{
	store *s = *state;
	struct err e = {0};
	struct arena *a = arena_new(0);
	int rc = demo_load(s, (int64_t)time(NULL), &e);
	if (rc)
		fail_msg("demo_load: %s", e.msg);
	size_t en = count_articles(s, "en"), ru = count_articles(s, "ru");

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = demo_generate(s, 2000, 0, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc)
		fail_msg("demo_generate: %s", e.msg);
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("demo_generate: 2000 articles per edition in %.2f s\n",
		      secs);
	/* generous: sanitizers and a busy machine are slow */
	assert_true(secs < 120);
	assert_int_equal(count_articles(s, "en"), en + 2000);
	assert_int_equal(count_articles(s, "ru"), ru + 2000);

	/* a synthetic Russian article (older than any demo article):
	 * HTML, translation, slug */
	struct store_article_filter f = {
		.edition = "ru",
		.status = STORE_STATUS_PUBLISHED,
		.published_before = (int64_t)time(NULL) - 400 * 86400,
		.limit = 50};
	struct store_article *list;
	size_t n;
	assert_int_equal(store_article_list(s, a, &f, &list, &n, NULL, &e), 0);
	int checked = 0;
	for (size_t i = 0; i < n && !checked; i++) {
		if (strncmp(list[i].slug, "synthetic-ru-", 13) != 0)
			continue;
		struct store_article full, tr;
		assert_int_equal(store_article_get(s, a, list[i].id, &full, &e),
				 0);
		assert_non_null(strstr(full.body_html, "<p>"));
		assert_non_null(strstr(full.body_html, "<ul>"));
		assert_non_null(strstr(full.body_html, "<blockquote>"));
		assert_true(full.n_tags >= 1 && full.n_tags <= 3);
		assert_true(full.n_authors >= 1 && full.n_authors <= 2);
		assert_true(full.rubric_id != 0);
		assert_int_equal(store_article_translation(s, a, full.id, "en",
							   &tr, &e),
				 0);
		assert_non_null(strstr(tr.slug, "synthetic-en-"));
		/* bulk-inserted: no revision yet */
		struct store_revision *revs;
		size_t n_revs;
		assert_int_equal(store_revision_list(s, a, full.id, &revs,
						     &n_revs, &e),
				 0);
		assert_int_equal(n_revs, 0);
		/* left for the search backlog: found by its whole title
		 * only once the backlog is worked off */
		char *match;
		assert_int_equal(
			search_query_build(a, full.title, 0, &match, &e), 0);
		struct store_search_query q = {
			.edition = "ru", .match = match, .limit = 100};
		assert_int_equal(found_by(s, a, &q, full.id), 0);
		size_t backlog = 0;
		assert_int_equal(store_search_backlog(s, &backlog, &e), 0);
		assert_int_equal(backlog, 4000);
		size_t done = 0, batches = 0;
		for (int more = 1; more; batches++) {
			size_t k;
			assert_int_equal(store_search_catch_up(s, 300, &k,
							       &more, &e),
					 0);
			done += k;
		}
		assert_int_equal(done, 4000);
		assert_true(batches >= 4000 / 300);
		assert_int_equal(store_search_backlog(s, &backlog, &e), 0);
		assert_int_equal(backlog, 0);
		assert_int_equal(found_by(s, a, &q, full.id), 1);
		checked = 1;
	}
	assert_true(checked);

	/* a second run continues the numbering instead of clashing */
	rc = demo_generate(s, 10, 0, &e);
	if (rc)
		fail_msg("demo_generate again: %s", e.msg);
	assert_int_equal(count_articles(s, "ru"), ru + 2010);
	assert_int_equal(demo_generate(s, -1, 0, &e), ERR_INVALID);
	assert_int_equal(demo_generate(s, 0, 0, &e), 0);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_article_parse_ok),
		cmocka_unit_test(test_article_parse_bad),
		cmocka_unit_test(test_ini_parse),
		cmocka_unit_test(test_content_check),
		cmocka_unit_test(test_vocab),
		cmocka_unit_test(test_text_make),
		cmocka_unit_test(test_slug_words),
		cmocka_unit_test_setup_teardown(test_demo_load, store_setup,
						store_teardown),
		cmocka_unit_test(test_demo_load_no_editions),
		cmocka_unit_test(test_demo_load_one_edition),
		cmocka_unit_test_setup_teardown(test_demo_generate, store_setup,
						store_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
