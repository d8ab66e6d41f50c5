/*
 * test_locale.c - locale files (complete, parallel, well-formed), lookups,
 * plural rules, placeholders, overrides and load errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "render/locale.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct state {
	struct arena *a; /* bufs and copies */
	struct render_locale *en;
	struct render_locale *ru;
};

static int setup(void **st)
{
	struct state *s = calloc(1, sizeof *s);
	struct err e = {0};
	s->a = arena_new(0);
	if (render_locale_load("en", NULL, &s->en, &e) ||
	    render_locale_load("ru", NULL, &s->ru, &e)) {
		fprintf(stderr, "load: %s\n", e.msg);
		return -1;
	}
	*st = s;
	return 0;
}

static int teardown(void **st)
{
	struct state *s = *st;
	render_locale_free(s->en);
	render_locale_free(s->ru);
	arena_free(s->a);
	free(s);
	return 0;
}

/* ---- the shipped files ---------------------------------------------------- */

struct keyset {
	struct arena *a;
	char **keys; /* arena copies, in key order */
	char **vals;
	size_t n;
};

static void collect(const char *key, const char *value, void *ctx)
{
	struct keyset *k = ctx;
	if (k->n % 64 == 0) {
		char **nk = arena_alloc(k->a, (k->n + 64) * sizeof *nk);
		char **nv = arena_alloc(k->a, (k->n + 64) * sizeof *nv);
		if (k->n) {
			memcpy(nk, k->keys, k->n * sizeof *nk);
			memcpy(nv, k->vals, k->n * sizeof *nv);
		}
		k->keys = nk;
		k->vals = nv;
	}
	k->keys[k->n] = arena_strdup(k->a, key);
	k->vals[k->n] = arena_strdup(k->a, value);
	k->n++;
}

/* "plural.views.few" -> "plural.views"; other keys unchanged. */
static const char *plural_base(struct arena *a, const char *key,
			       const char **form)
{
	*form = NULL;
	if (strncmp(key, "plural.", 7))
		return key;
	const char *dot = strrchr(key, '.');
	*form = dot + 1;
	return arena_strndup(a, key, (size_t)(dot - key));
}

static int has_key(const struct keyset *k, const char *key)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->keys[i], key))
			return 1;
	return 0;
}

/* Placeholders of a value, sorted and joined: "{date}{n}". */
static const char *placeholders(struct arena *a, const char *v)
{
	const char *names[16];
	size_t lens[16], n = 0;
	for (const char *p = v; (p = strchr(p, '{')) && n < 16; p++) {
		const char *c = strchr(p, '}');
		if (!c)
			break;
		names[n] = p;
		lens[n++] = (size_t)(c - p + 1);
	}
	for (size_t i = 1; i < n; i++) /* insertion sort */
		for (size_t j = i;
		     j > 0 && strncmp(names[j - 1], names[j], 32) > 0; j--) {
			const char *t = names[j];
			size_t l = lens[j];
			names[j] = names[j - 1];
			lens[j] = lens[j - 1];
			names[j - 1] = t;
			lens[j - 1] = l;
		}
	struct buf b;
	buf_init(&b, a);
	for (size_t i = 0; i < n; i++)
		buf_append(&b, names[i], lens[i]);
	return b.data;
}

static void test_locale_files_parallel(void **st)
{
	struct state *s = *st;
	struct keyset en = {.a = s->a}, ru = {.a = s->a};
	render_locale_each(s->en, collect, &en);
	render_locale_each(s->ru, collect, &ru);
	assert_true(en.n > 150);

	/* each callback came in key order */
	for (size_t i = 1; i < en.n; i++)
		assert_true(strcmp(en.keys[i - 1], en.keys[i]) < 0);

	struct {
		struct keyset *from, *to;
		const char *from_name, *to_name;
		const char *forms_from[4]; /* forms the source language needs */
	} dirs[] = {
		{&en, &ru, "en", "ru", {"one", "other", NULL}},
		{&ru, &en, "ru", "en", {"one", "few", "many", NULL}},
	};
	for (size_t d = 0; d < 2; d++) {
		struct keyset *f = dirs[d].from, *t = dirs[d].to;
		for (size_t i = 0; i < f->n; i++) {
			const char *form;
			const char *base = plural_base(s->a, f->keys[i], &form);
			if (!f->vals[i][0])
				fail_msg("%s.ini: %s is empty",
					 dirs[d].from_name, f->keys[i]);
			if (!form) {
				if (!has_key(t, base))
					fail_msg(
						"%s is in %s.ini but not in %s.ini",
						base, dirs[d].from_name,
						dirs[d].to_name);
				/* same placeholders in both languages */
				size_t j = 0;
				while (strcmp(t->keys[j], base))
					j++;
				const char *p1 = placeholders(s->a, f->vals[i]);
				const char *p2 = placeholders(s->a, t->vals[j]);
				if (strcmp(p1, p2))
					fail_msg(
						"%s: placeholders %s in %s.ini, %s in "
						"%s.ini",
						base, p1, dirs[d].from_name, p2,
						dirs[d].to_name);
				continue;
			}
			/* a plural: this language has all its forms, the other
			 * language has the word at all, and {n} is there */
			for (const char *const *fm = dirs[d].forms_from; *fm;
			     fm++) {
				const char *k =
					arena_printf(s->a, "%s.%s", base, *fm);
				if (!has_key(f, k))
					fail_msg("%s.ini: %s is missing",
						 dirs[d].from_name, k);
			}
			const char *other_one =
				arena_printf(s->a, "%s.one", base);
			if (!has_key(t, other_one))
				fail_msg("%s is in %s.ini but not in %s.ini",
					 base, dirs[d].from_name,
					 dirs[d].to_name);
			assert_non_null(strstr(f->vals[i], "{n}"));
		}
	}
}

static void test_locale_keys_code_uses(void **st)
{
	struct state *s = *st;
	/* keys other modules build at run time (page.c, page_article.c) */
	static const char *const keys[] = {
		"errors.not_found_title",
		"errors.not_found_text",
		"errors.gone_title",
		"errors.gone_text",
		"errors.server_title",
		"errors.server_text",
		"share.telegram",
		"share.twitter",
		"share.facebook",
		"share.whatsapp",
		"share.email",
		"social.twitter",
		"social.youtube",
		"social.instagram",
		"social.facebook",
		"social.telegram",
		"byline.news",
		"byline.analysis",
		"byline.interview",
		"byline.opinion",
		"byline.report",
		"byline.column",
		"kinds.news",
		"kinds.analysis",
		"kinds.interview",
		"kinds.opinion",
		"kinds.report",
		"kinds.column",
		"article.views",
		"lists.latest",
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (!strcmp(render_locale_get(s->en, keys[i]), keys[i]) ||
		    !strcmp(render_locale_get(s->ru, keys[i]), keys[i]))
			fail_msg("%s is missing", keys[i]);
	}
}

static void test_locale_values(void **st)
{
	struct state *s = *st;
	assert_string_equal(render_locale_lang(s->ru), "ru");
	assert_string_equal(render_locale_get(s->en, "nav.search_placeholder"),
			    "What are you looking for?");
	assert_string_equal(render_locale_get(s->ru, "nav.search_placeholder"),
			    "Что вы ищете?");
	assert_string_equal(render_locale_get(s->en, "nav.theme_toggle"),
			    "Night theme");
	assert_string_equal(render_locale_get(s->ru, "nav.theme_toggle"),
			    "Ночная тема");
	assert_string_equal(render_locale_get(s->ru, "article.link_copied"),
			    "Ссылка скопирована");
	assert_string_equal(render_locale_get(s->en, "byline.analysis"),
			    "Analysis by");
	assert_string_equal(render_locale_get(s->ru, "article.views"),
			    "Просмотры:");
	assert_string_equal(render_locale_get(s->en, "nav.lang_switch"),
			    "Русский");
	assert_string_equal(render_locale_get(s->ru, "nav.lang_switch"),
			    "English");
	/* continuation lines are joined with one space */
	assert_string_equal(
		render_locale_get(s->ru, "search.nothing_found"),
		"По запросу «{query}» ничего не найдено. Попробуйте "
		"другие слова.");
}

static void test_locale_missing(void **st)
{
	struct state *s = *st;
	char key[] = "nav.no_such_key";
	const char *v = render_locale_get(s->en, key);
	assert_string_equal(v, "nav.no_such_key");
	assert_ptr_not_equal(v, key); /* a copy that outlives the caller's */
	key[0] = 'X';
	assert_string_equal(v, "nav.no_such_key");
	assert_ptr_equal(render_locale_get(s->en, "nav.no_such_key"), v);
	assert_string_equal(render_locale_plural(s->ru, "plural.nothing", 3),
			    "plural.nothing");
	assert_string_equal(render_locale_get(s->en, NULL), "");
	assert_string_equal(render_locale_get(NULL, "a.b"), "a.b");
	/* many distinct missing keys: still answered, memory bounded */
	for (int i = 0; i < 1000; i++) {
		char k[32];
		snprintf(k, sizeof k, "gen.key%d", i);
		assert_string_equal(render_locale_get(s->ru, k), k);
	}
}

static void test_locale_plural_ru(void **st)
{
	struct state *s = *st;
	static const struct {
		long long n;
		const char *want;
	} cases[] = {
		{1, "1 просмотр"},
		{2, "2 просмотра"},
		{5, "5 просмотров"},
		{11, "11 просмотров"},
		{21, "21 просмотр"},
		{22, "22 просмотра"},
		{25, "25 просмотров"},
		{111, "111 просмотров"},
		{0, "0 просмотров"},
		{4, "4 просмотра"},
		{12, "12 просмотров"},
		{14, "14 просмотров"},
		{101, "101 просмотр"},
		{112, "112 просмотров"},
		{1000000, "1000000 просмотров"},
		{1001, "1001 просмотр"},
		{-1, "-1 просмотр"},
		{-3, "-3 просмотра"},
		{LLONG_MIN, "-9223372036854775808 просмотров"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b;
		buf_init(&b, s->a);
		render_locale_plural_format(&b, s->ru, "plural.views",
					    cases[i].n);
		assert_string_equal(b.data, cases[i].want);
	}
	assert_string_equal(render_locale_plural(s->ru, "plural.new_entries",
						 3),
			    "{n} новые записи");
	assert_string_equal(render_locale_plural(s->ru, "plural.articles", 21),
			    "{n} материал");
}

static void test_locale_plural_en(void **st)
{
	struct state *s = *st;
	struct buf b;
	buf_init(&b, s->a);
	render_locale_plural_format(&b, s->en, "plural.views", 1);
	assert_string_equal(b.data, "1 view");
	buf_clear(&b);
	render_locale_plural_format(&b, s->en, "plural.views", 0);
	assert_string_equal(b.data, "0 views");
	buf_clear(&b);
	render_locale_plural_format(&b, s->en, "plural.views", 21);
	assert_string_equal(b.data, "21 views");
	buf_clear(&b);
	render_locale_plural_format(&b, s->en, "plural.minutes", 1);
	assert_string_equal(b.data, "1 minute");
}

static void test_locale_expand(void **st)
{
	struct state *s = *st;
	struct buf b;
	buf_init(&b, s->a);
	const char *vars[] = {"page", "2", "pages", "9", NULL};
	render_locale_expand(&b, render_locale_get(s->ru, "lists.page_of"),
			     vars);
	assert_string_equal(b.data, "Страница 2 из 9");
	buf_clear(&b);
	render_locale_expand(&b, "{a} {b} {page {} {pages}{page}", vars);
	assert_string_equal(b.data, "{a} {b} {page {} 92");
	buf_clear(&b);
	render_locale_expand(&b, "x {n} y {", NULL);
	assert_string_equal(b.data, "x {n} y {");
}

/* ---- overrides and errors ---------------------------------------------------- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
}

static void remove_file(const char *dir, const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
}

static void test_locale_override(void **st)
{
	(void)st;
	char dir[] = "/tmp/gazette-loc-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct render_locale *l = NULL;
	struct err e = {0};

	/* no file for this language in the directory: the built-in one */
	assert_int_equal(render_locale_load("en", dir, &l, &e), 0);
	assert_string_equal(render_locale_get(l, "nav.search"), "Search");
	render_locale_free(l);

	write_file(dir, "en.ini",
		   "; a theme's wording\n[nav]\nsearch = Look up\n"
		   "[custom]\nhello = Hello,\n  world\n");
	assert_int_equal(render_locale_load("en", dir, &l, &e), 0);
	assert_string_equal(render_locale_get(l, "nav.search"), "Look up");
	assert_string_equal(render_locale_get(l, "nav.home"), "Home");
	assert_string_equal(render_locale_get(l, "custom.hello"),
			    "Hello, world");
	render_locale_free(l);

	/* a language we do not ship, from the override alone */
	write_file(dir, "de.ini",
		   "[nav]\nsearch = Suche\n[plural]\n"
		   "views.one = {n} Aufruf\nviews.other = {n} Aufrufe\n");
	assert_int_equal(render_locale_load("de", dir, &l, &e), 0);
	struct buf b;
	struct arena *a = arena_new(0);
	buf_init(&b, a);
	render_locale_plural_format(&b, l, "plural.views", 3);
	assert_string_equal(b.data, "3 Aufrufe");
	render_locale_free(l);
	arena_free(a);

	static const struct {
		const char *text;
		const char *msg; /* expected in e.msg */
	} bad[] = {
		{"[nav]\nsearch = a\nsearch = b\n",
		 "en.ini:3: duplicate key nav.search"},
		{"[nav]\nthis line has no equals sign\n",
		 "en.ini:2: syntax error"},
		{"[nav]\nsearch = \xC3\x28\n",
		 "en.ini:2: value is not valid UTF-8"},
		{"[nav]\nbad key! = x\n", "en.ini:2: bad key"},
		{"[nav.search]\nx = y\n",
		 "key nav.search is also the section of "
		 "nav.search.x"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file(dir, "en.ini", bad[i].text);
		l = (struct render_locale *)1;
		assert_int_equal(render_locale_load("en", dir, &l, &e),
				 ERR_INVALID);
		assert_null(l);
		if (!strstr(e.msg, bad[i].msg))
			fail_msg("case %zu: want '%s' in '%s'", i, bad[i].msg,
				 e.msg);
	}
	/* an over-long line is an error, not a silently cut string; 196
	 * bytes are fine */
	char text[512];
	memset(text, 'x', sizeof text);
	memcpy(text, "[a]\nk = ", 8);
	strcpy(text + 4 + 196, "\nz = 1\n");
	write_file(dir, "en.ini", text);
	assert_int_equal(render_locale_load("en", dir, &l, &e), 0);
	assert_int_equal(strlen(render_locale_get(l, "a.k")), 196 - 4);
	assert_string_equal(render_locale_get(l, "a.z"), "1");
	render_locale_free(l);
	memset(text, 'x', sizeof text);
	memcpy(text, "[a]\nk = ", 8);
	strcpy(text + 4 + 197, "\r\nz = 1\n");
	write_file(dir, "en.ini", text);
	assert_int_equal(render_locale_load("en", dir, &l, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "en.ini:2: line longer than 196 bytes"));
	/* CRLF files; an indented line continues, even after a blank line */
	write_file(dir, "en.ini", "[a]\r\nk = one\r\n\r\n  two\r\n");
	assert_int_equal(render_locale_load("en", dir, &l, &e), 0);
	assert_string_equal(render_locale_get(l, "a.k"), "one two");
	render_locale_free(l);

	remove_file(dir, "en.ini");
	remove_file(dir, "de.ini");
	rmdir(dir);

	assert_int_equal(render_locale_load("fr", NULL, &l, &e), ERR_NOTFOUND);
	assert_int_equal(render_locale_load("../en", NULL, &l, &e),
			 ERR_INVALID);
	assert_int_equal(render_locale_load("e", NULL, &l, &e), ERR_INVALID);
	assert_int_equal(render_locale_load(NULL, NULL, &l, &e), ERR_INVALID);
	assert_int_equal(render_locale_load("en/x", NULL, &l, &e), ERR_INVALID);
	assert_int_equal(render_locale_load("en-GB", NULL, &l, &e),
			 ERR_NOTFOUND);
	render_locale_free(NULL);
}

static void *locale_thread(void *arg)
{
	const struct render_locale *l = arg;
	for (int i = 0; i < 20000; i++) {
		char k[32];
		snprintf(k, sizeof k, "thread.missing%d", i % 50);
		if (strcmp(render_locale_get(l, "nav.search"), "Поиск") ||
		    strcmp(render_locale_get(l, k), k) ||
		    !strstr(render_locale_plural(l, "plural.views", i), "{n}"))
			return (void *)1;
	}
	return NULL;
}

static void test_locale_threads(void **st)
{
	struct state *s = *st;
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(
			pthread_create(&th[i], NULL, locale_thread, s->ru), 0);
	for (int i = 0; i < 4; i++) {
		void *r;
		assert_int_equal(pthread_join(th[i], &r), 0);
		assert_null(r);
	}
}

int main(void)
{
	log_level_set(LOG_ERROR); /* missing keys are logged at warn */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locale_files_parallel),
		cmocka_unit_test(test_locale_keys_code_uses),
		cmocka_unit_test(test_locale_values),
		cmocka_unit_test(test_locale_missing),
		cmocka_unit_test(test_locale_plural_ru),
		cmocka_unit_test(test_locale_plural_en),
		cmocka_unit_test(test_locale_expand),
		cmocka_unit_test(test_locale_override),
		cmocka_unit_test(test_locale_threads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
