/*
 * test_store.h - fixture shared by the test_store*.c files: a store on
 * ":memory:" or on a file in a fresh temp folder, an arena, and a seed of
 * two editions (en, ru), one rubric and two authors.
 *
 * Include after <cmocka.h>. Every function is static: each test binary
 * gets its own copy.
 */
#ifndef GAZETTE_TEST_STORE_H
#define GAZETTE_TEST_STORE_H

#include "store/store.h"
#include "util/arena.h"
#include "util/err.h"

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ts {
	store *s;
	struct arena *a;
	char dir[64]; /* temp folder of a file store, "" for memory */
	int seeded;
	int64_t rubric1; /* "analytics", texts in en and ru */
	int64_t author1; /* "mira-alston" in en and ru */
	int64_t author2; /* "ivan-petrov" in en and ru */
};

/* Remove a folder and the files in it (no subfolders). */
static inline void ts_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	char p[512];
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static inline int ts_open(void **state, int file)
{
	struct ts *t = calloc(1, sizeof *t);
	char path[128] = ":memory:";
	if (file) {
		snprintf(t->dir, sizeof t->dir, "/tmp/gazette-test-XXXXXX");
		if (!mkdtemp(t->dir))
			return -1;
		snprintf(path, sizeof path, "%s/g.db", t->dir);
	}
	struct err e = {0};
	if (store_open(path, &t->s, &e)) {
		fprintf(stderr, "store_open %s: %s\n", path, e.msg);
		return -1;
	}
	t->a = arena_new(0);
	*state = t;
	return 0;
}

static inline int ts_setup_mem(void **state)
{
	return ts_open(state, 0);
}

static inline int ts_setup_file(void **state)
{
	return ts_open(state, 1);
}

static inline int ts_teardown(void **state)
{
	struct ts *t = *state;
	if (!t)
		return 0;
	store_close(t->s);
	arena_free(t->a);
	if (t->dir[0])
		ts_rmdir(t->dir);
	free(t);
	return 0;
}

static inline void ts_seed(struct ts *t)
{
	if (t->seeded)
		return;
	struct err e = {0};
	struct store_edition en = {
		.code = "en", .name = "English", .prefix = "", .position = 0};
	struct store_edition ru = {.code = "ru",
				   .name = "Русский",
				   .prefix = "/ru",
				   .position = 1};
	if (store_edition_upsert(t->s, &en, &e) ||
	    store_edition_upsert(t->s, &ru, &e))
		fail_msg("seed editions: %s", e.msg);
	struct store_rubric r = {.key = "analytics",
				 .position = 1,
				 .edition = "en",
				 .name = "Analytics",
				 .description = "Analytical materials"};
	if (store_rubric_save(t->s, &r, &e))
		fail_msg("seed rubric: %s", e.msg);
	r.edition = "ru";
	r.name = "Аналитика";
	r.slug = "analitika";
	r.description = "Аналитические материалы";
	if (store_rubric_save(t->s, &r, &e))
		fail_msg("seed rubric ru: %s", e.msg);
	t->rubric1 = r.id;
	const char *slugs[2] = {"mira-alston", "ivan-petrov"};
	const char *en_names[2] = {"Mira Alston", "Ivan Petrov"};
	const char *ru_names[2] = {"Мира Олстон", "Иван Петров"};
	int64_t ids[2];
	for (int i = 0; i < 2; i++) {
		struct store_author au = {.slug = (char *)slugs[i],
					  .edition = "en",
					  .name = (char *)en_names[i],
					  .bio = ""};
		if (store_author_save(t->s, &au, &e))
			fail_msg("seed author: %s", e.msg);
		au.edition = "ru";
		au.name = (char *)ru_names[i];
		if (store_author_save(t->s, &au, &e))
			fail_msg("seed author ru: %s", e.msg);
		ids[i] = au.id;
	}
	t->author1 = ids[0];
	t->author2 = ids[1];
	t->seeded = 1;
}

#endif
