/*
 * test_search.c - the "gazette" FTS5 tokenizer and search_query_build,
 * on a private in-memory SQLite connection.
 *
 * Covers: Russian and English stemming, ё/е and case folding, diacritics,
 * apostrophes, phrases, prefix (as-you-type) queries, highlight() offsets
 * in Cyrillic text, invalid UTF-8 and very long words in documents, hostile
 * user queries (every one must give NULL or an expression FTS5 accepts),
 * the table/ranking SQL that src/search/README.md recommends, the fast
 * paths of search_fold_next against the general code, and the word ->
 * stem cache against an uncached tokenizer.
 * All text is our own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "search/internal.h"
#include "search/search.h"
#include "util/arena.h"
#include "util/err.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
	sqlite3 *db;
	struct arena *a;
};

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

static void insert(sqlite3 *db, const char *table, long long id,
		   const char *title, const char *body)
{
	char sql[200];
	sqlite3_stmt *st;
	snprintf(sql, sizeof sql,
		 "INSERT INTO %s(rowid, title, body) VALUES (?1, ?2, ?3)", table);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static const char *const ru_docs[][2] = {
	{"Выборы в городской совет",
	 "На выборах в городской совет победила партия садоводов. "
	 "Партнёрство с соседями укрепляется."},
	{"Экономический форум",
	 "Соглашение о партнерстве подписали на экономическом форуме "
	 "(partnerships)."},
	{"Ёлки на площади",
	 "Новогодние елки установят к празднику. Экономического эффекта "
	 "соглашения не ожидают."},
	{"Санкт-Петербург ждёт гостей",
	 "О'Брайен приехал в Санкт-Петербург на выборы."},
	{"Зелёный чай", "Чай собрали в горах."},
	{"Зеленый сад", "Сад открыт для всех."},
	{"Старый за\xCC\x81мок", /* combining acute: stress mark */
	 "В за\xCC\x81мке живут совы. Пере\xC2\xADговоры шли долго."},
};

static const char *const en_docs[][2] = {
	{"Partnerships in the harbour",
	 "The harbour council signed two partnerships with local fishers."},
	{"A new café opens",
	 "The shop on Mill Street serves crème brûlée and infrastructure "
	 "jokes."},
	{"Council elections",
	 "Voters elected a new citywide council; Straße names were not discussed. "
	 "O'Brien's stall reopened."},
	{"Résumé writing", "Naïve tips for a résumé."},
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct err e = {0};
	assert_int_equal(sqlite3_open(":memory:", &f->db), SQLITE_OK);
	assert_int_equal(search_tokenizer_register(f->db, &e), 0);
	/* a second registration on the same connection is harmless */
	assert_int_equal(search_tokenizer_register(f->db, &e), 0);
	exec_ok(f->db, "CREATE VIRTUAL TABLE ru USING fts5(title, body, "
		       "tokenize = 'gazette ru')");
	exec_ok(f->db, "CREATE VIRTUAL TABLE en USING fts5(title, body, "
		       "tokenize = 'gazette en')");
	exec_ok(f->db, "CREATE VIRTUAL TABLE xx USING fts5(title, body, "
		       "tokenize = 'gazette xx')");
	for (size_t i = 0; i < sizeof ru_docs / sizeof ru_docs[0]; i++)
		insert(f->db, "ru", (long long)i + 1, ru_docs[i][0], ru_docs[i][1]);
	for (size_t i = 0; i < sizeof en_docs / sizeof en_docs[0]; i++)
		insert(f->db, "en", (long long)i + 1, en_docs[i][0], en_docs[i][1]);
	insert(f->db, "xx", 1, "Café", "На выборах партнёрство");
	f->a = arena_new(0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sqlite3_close(f->db);
	arena_free(f->a);
	free(f);
	return 0;
}

/* Rowids matching the raw FTS5 expression expr, as "1,3" ("" for none).
 * Fails the test on any SQLite error. Arena memory. */
static const char *match_raw(struct fixture *f, const char *table,
			     const char *expr)
{
	char sql[200];
	char out[256] = "";
	size_t len = 0;
	sqlite3_stmt *st;
	snprintf(sql, sizeof sql,
		 "SELECT rowid FROM %s WHERE %s MATCH ?1 ORDER BY rowid", table,
		 table);
	assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		len += (size_t)snprintf(out + len, sizeof out - len, "%s%lld",
					len ? "," : "",
					sqlite3_column_int64(st, 0));
	if (rc != SQLITE_DONE)
		fail_msg("MATCH '%s' on %s: %s", expr, table,
			 sqlite3_errmsg(f->db));
	sqlite3_finalize(st);
	return arena_strdup(f->a, out);
}

/* Rowids found for what a user typed, through search_query_build. */
static const char *find(struct fixture *f, const char *table,
			const char *user, int prefix)
{
	char *q = NULL;
	assert_int_equal(search_query_build(f->a, user, prefix, &q, NULL), 0);
	if (!q)
		return "";
	return match_raw(f, table, q);
}

static const char *build(struct fixture *f, const char *user, int prefix)
{
	char *q = (char *)"unset";
	assert_int_equal(search_query_build(f->a, user, prefix, &q, NULL), 0);
	return q;
}

static void test_english_stemming_and_case(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(find(f, "en", "partnership", 0), "1");
	assert_string_equal(find(f, "en", "PARTNERSHIP", 0), "1");
	assert_string_equal(find(f, "en", "HarBour", 0), "1");
	assert_string_equal(find(f, "en", "election", 0), "3");
	assert_string_equal(find(f, "en", "council elected", 0), "3");
	assert_string_equal(find(f, "en", "council", 0), "1,3");
	assert_string_equal(find(f, "en", "nowhere", 0), "");
}

static void test_russian_stemming(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(find(f, "ru", "выборы", 0), "1,4");
	assert_string_equal(find(f, "ru", "выборах", 0), "1,4");
	assert_string_equal(find(f, "ru", "партнёрство", 0), "1,2");
	assert_string_equal(find(f, "ru", "партнерства", 0), "1,2");
	assert_string_equal(find(f, "ru", "экономический", 0), "2,3");
	assert_string_equal(find(f, "ru", "экономического", 0), "2,3");
	assert_string_equal(find(f, "ru", "соглашение", 0), "2,3");
	assert_string_equal(find(f, "ru", "соглашения", 0), "2,3");
	assert_string_equal(find(f, "ru", "ВЫБОРЫ Совет", 0), "1");
	/* English words in Russian text are stemmed as English */
	assert_string_equal(find(f, "ru", "partnership", 0), "2");
}

static void test_yo_folding_both_ways(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(find(f, "ru", "зелёный", 0), "5,6");
	assert_string_equal(find(f, "ru", "зеленый", 0), "5,6");
	assert_string_equal(find(f, "ru", "ЗЕЛЁНЫЙ", 0), "5,6");
	assert_string_equal(find(f, "ru", "ёлки", 0), "3");
	assert_string_equal(find(f, "ru", "елки", 0), "3");
	assert_string_equal(find(f, "ru", "ждет", 0), "4");
}

static void test_diacritics_and_apostrophes(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(find(f, "en", "cafe", 0), "2");
	assert_string_equal(find(f, "en", "CAFÉ", 0), "2");
	assert_string_equal(find(f, "en", "creme brulee", 0), "2");
	assert_string_equal(find(f, "en", "resume", 0), "4");
	assert_string_equal(find(f, "en", "naive", 0), "4");
	assert_string_equal(find(f, "en", "strasse", 0), "3");
	assert_string_equal(find(f, "en", "Straße", 0), "3");
	assert_string_equal(find(f, "en", "O'Brien", 0), "3");
	assert_string_equal(find(f, "en", "O\xE2\x80\x99" "Brien", 0), "3");
	assert_string_equal(find(f, "en", "obrien", 0), "3");
	assert_string_equal(find(f, "ru", "О’Брайен", 0), "4");
	/* combining stress mark and soft hyphen inside words */
	assert_string_equal(find(f, "ru", "замок", 0), "7");
	assert_string_equal(find(f, "ru", "переговоры", 0), "7");
	/* decomposed й (и + U+0306) is й */
	assert_string_equal(find(f, "ru", "городски\xCC\x86", 0), "1");
}

static void test_fold_only_language(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(find(f, "xx", "выборах", 0), "1");
	assert_string_equal(find(f, "xx", "выборы", 0), ""); /* no stemmer */
	assert_string_equal(find(f, "xx", "партнерство", 0), "1");
	assert_string_equal(find(f, "xx", "CAFE", 0), "1");
}

static void test_phrases(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(find(f, "en", "\"harbour council\"", 0), "1");
	assert_string_equal(find(f, "en", "\"council harbour\"", 0), "");
	assert_string_equal(find(f, "ru", "«городской совет»", 0), "1");
	assert_string_equal(find(f, "ru", "\"совет городской\"", 0), "");
	/* a hyphenated word is searched as the phrase it is indexed as */
	assert_string_equal(find(f, "ru", "Санкт-Петербург", 0), "4");
	assert_string_equal(find(f, "ru", "Петербург-Санкт", 0), "");
}

static void test_prefix_queries(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(find(f, "en", "infra", 0), "");
	assert_string_equal(find(f, "en", "infra", 1), "2");
	assert_string_equal(find(f, "en", "partnersh", 1), "1");
	assert_string_equal(find(f, "en", "the harb", 1), "1");
	assert_string_equal(find(f, "ru", "партн", 1), "1,2");
	assert_string_equal(find(f, "ru", "ПАРТН", 1), "1,2");
	assert_string_equal(find(f, "ru", "экономическ", 1), "2,3");
	/* a whole inflected word typed as-you-type still finds its forms */
	assert_string_equal(find(f, "ru", "выборах", 1), "1,4");
	assert_string_equal(find(f, "ru", "соглашени", 1), "2,3");
	assert_string_equal(find(f, "en", "infrastructure", 1), "2");
	assert_string_equal(find(f, "en", "Partnerships", 1), "1");
	/* the prefix itself is not stemmed: "city" would become "citi" */
	assert_string_equal(find(f, "en", "city", 1), "3");
	assert_string_equal(find(f, "ru", "санкт-петер", 1), "4");
	assert_string_equal(match_raw(f, "ru", "\"партн\"*"), "1,2");
}

/* highlight() must wrap the words exactly as written, in UTF-8. */
static const char *hl(struct fixture *f, const char *table, int col,
		      const char *user, int prefix, long long rowid)
{
	char sql[200];
	char *q = NULL;
	const char *res = NULL;
	sqlite3_stmt *st;
	assert_int_equal(search_query_build(f->a, user, prefix, &q, NULL), 0);
	assert_non_null(q);
	snprintf(sql, sizeof sql,
		 "SELECT highlight(%s, %d, '<b>', '</b>') FROM %s "
		 "WHERE %s MATCH ?1 AND rowid = ?2",
		 table, col, table, table);
	assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, rowid);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	res = arena_strdup(f->a, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return res;
}

static void test_highlight_offsets(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(hl(f, "ru", 1, "партнерство", 0, 1),
			    "На выборах в городской совет победила партия "
			    "садоводов. <b>Партнёрство</b> с соседями "
			    "укрепляется.");
	assert_string_equal(hl(f, "ru", 1, "выбор", 1, 1),
			    "На <b>выборах</b> в городской совет победила "
			    "партия садоводов. Партнёрство с соседями "
			    "укрепляется.");
	assert_string_equal(hl(f, "ru", 0, "елки", 0, 3),
			    "<b>Ёлки</b> на площади");
	assert_string_equal(hl(f, "ru", 0, "\"Санкт Петербург\"", 0, 4),
			    "<b>Санкт-Петербург</b> ждёт гостей");
	assert_string_equal(hl(f, "ru", 0, "замок", 0, 7),
			    "Старый <b>за\xCC\x81мок</b>");
	assert_string_equal(hl(f, "ru", 1, "О'Брайен", 0, 4),
			    "<b>О'Брайен</b> приехал в Санкт-Петербург на "
			    "выборы.");
	assert_string_equal(hl(f, "en", 0, "cafe", 0, 2),
			    "A new <b>café</b> opens");
}

static void test_hostile_documents(void **state)
{
	struct fixture *f = *state;
	char *huge = malloc(10001);
	memset(huge, 'a', 10000);
	huge[10000] = '\0';
	/* 300 Cyrillic letters */
	char *longru = malloc(601);
	for (int i = 0; i < 300; i++)
		memcpy(longru + 2 * i, "я", 2);
	longru[600] = '\0';

	insert(f->db, "ru", 100, "\xff\xfe\xc3", "мусор\xff\xfe" "выборы\xc3");
	insert(f->db, "ru", 101, huge, longru);
	insert(f->db, "ru", 102, "", "");
	insert(f->db, "en", 100, "\xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf",
	       "\xe2\x82");
	assert_string_equal(find(f, "ru", "мусор", 0), "100");
	assert_string_equal(find(f, "ru", "выборы", 0), "1,4,100");
	/* a huge word still matches itself: query and document are cut the
	 * same way */
	assert_string_equal(find(f, "ru", huge, 0), "101");
	assert_string_equal(find(f, "ru", longru, 0), "101");
	exec_ok(f->db, "INSERT INTO ru(ru) VALUES('integrity-check')");
	exec_ok(f->db, "INSERT INTO en(en) VALUES('integrity-check')");
	exec_ok(f->db, "DELETE FROM ru WHERE rowid >= 100");
	exec_ok(f->db, "DELETE FROM en WHERE rowid >= 100");
	exec_ok(f->db, "INSERT INTO ru(ru) VALUES('integrity-check')");
	free(huge);
	free(longru);
}

static void test_query_build_shapes(void **state)
{
	struct fixture *f = *state;
	assert_null(build(f, NULL, 0));
	assert_null(build(f, "", 1));
	assert_null(build(f, "   \t\n", 1));
	assert_string_equal(build(f, "a b", 0), "\"a\" \"b\"");
	assert_string_equal(build(f, "\"a b\" c", 0), "\"a b\" \"c\"");
	assert_string_equal(build(f, "\"a b\"", 1), "\"a b\"");
	assert_string_equal(build(f, "a\"b", 0), "\"a\" \"b\"");
	assert_string_equal(build(f, "«a b» c", 0), "\"a b\" \"c\"");
	assert_string_equal(build(f, "партн", 1), "\"партн\"*");
	assert_string_equal(build(f, "infra ", 1), "\"infra\"");
	assert_string_equal(build(f, "в", 1), "\"в\"");
	assert_string_equal(build(f, "NEAR(", 0), "\"NEAR(\"");
	assert_string_equal(build(f, "AND OR NOT", 1),
			    "\"AND\" \"OR\" \"NOT\"*");
	assert_string_equal(build(f, "col:val", 0), "\"col:val\"");
	assert_string_equal(build(f, "x \xff\xfe y", 0), "\"x\" \"y\"");
	assert_null(build(f, "*", 1));
	assert_null(build(f, "((((", 1));
	assert_null(build(f, "\"\"", 1));
	assert_null(build(f, "\" — \"", 1));
	assert_null(build(f, "\xff\xfe", 1));

	/* at most SEARCH_QUERY_MAX_TERMS terms */
	const char *q = build(f, "a b c d e f g h i j k l m n o p q r s", 1);
	assert_string_equal(q, "\"a\" \"b\" \"c\" \"d\" \"e\" \"f\" \"g\" \"h\" "
			       "\"i\" \"j\" \"k\" \"l\" \"m\" \"n\" \"o\" \"p\"");
	/* at most SEARCH_QUERY_MAX_BYTES bytes, never a split code point */
	char big[10240 + 1];
	for (size_t i = 0; i + 2 <= 10240; i += 2)
		memcpy(big + i, "ж", 2);
	big[10240] = '\0';
	q = build(f, big, 1);
	assert_non_null(q);
	assert_true(strlen(q) <= SEARCH_QUERY_MAX_BYTES + 3);
	assert_int_equal(q[strlen(q) - 1], '"'); /* cut: no prefix */
}

/* 1 when q is `"..." "..."` with doubled inner quotes and an optional
 * final `*`: nothing else can reach the FTS5 parser as syntax. */
static int well_formed(const char *q)
{
	size_t i = 0, n = strlen(q);
	while (i < n) {
		if (q[i++] != '"')
			return 0;
		for (;;) {
			if (i >= n)
				return 0;
			if (q[i] == '"' && q[i + 1] == '"') {
				i += 2;
				continue;
			}
			if (q[i++] == '"')
				break;
		}
		if (i < n && q[i] == '*')
			return i + 1 == n;
		if (i < n && q[i++] != ' ')
			return 0;
	}
	return 1;
}

static void check_safe(struct fixture *f, const char *user)
{
	for (int prefix = 0; prefix <= 1; prefix++) {
		char *q = NULL;
		assert_int_equal(search_query_build(f->a, user, prefix, &q, NULL),
				 0);
		if (!q)
			continue;
		if (!well_formed(q))
			fail_msg("not well formed: %s", q);
		match_raw(f, "ru", q);
		match_raw(f, "en", q);
		match_raw(f, "xx", q);
	}
}

static void test_query_build_nasty_inputs(void **state)
{
	struct fixture *f = *state;
	static const char *const nasty[] = {
		"", "\"", "a\"b", "NEAR(", "NEAR(a b, 3)", "*", "^x", "col:val",
		"title:партнерство", "((((", "))))", "AND OR NOT", "a AND",
		"NOT a", "a OR", "-a", "+", "a + b", "{title body}: x",
		"\xff\xfe", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\"\"\"\"\"",
		"\"a\" \"", "«", "»a«", "a*b*c", "'", "''", "\\", "%_%",
		"'; DROP TABLE ru; --", "\x01\x02\x7f", "\"NEAR\"", "\"*\"",
		"ё*", "\xcc\x81\xcc\x81", "O'", "'O", "\xc2\xad",
	};
	for (size_t i = 0; i < sizeof nasty / sizeof nasty[0]; i++)
		check_safe(f, nasty[i]);

	char *big = malloc(10 * 1024 + 1);
	for (size_t i = 0; i < 10 * 1024; i++)
		big[i] = "ab \"(*:^-яё"[i % 13];
	big[10 * 1024] = '\0';
	check_safe(f, big);
	free(big);

	/* random bytes weighted towards syntax characters and UTF-8 lead
	 * bytes; deterministic */
	static const char alphabet[] = "\"()*^:+-{} ,.aAzZ0\xd0\xd1\xb5\x91"
				       "\xc3\xa9\xe2\x80\x9c\xff'NEARORDT";
	uint32_t seed = 12345;
	char s[64];
	for (int iter = 0; iter < 3000; iter++) {
		size_t len = (size_t)(iter % 63);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			s[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		s[len] = '\0';
		check_safe(f, s);
		arena_reset(f->a);
	}
}

static void test_tokenizer_arguments(void **state)
{
	struct fixture *f = *state;
	exec_ok(f->db, "CREATE VIRTUAL TABLE t0 USING fts5(x, tokenize=gazette)");
	exec_ok(f->db, "CREATE VIRTUAL TABLE t1 USING fts5(x, "
		       "tokenize='gazette russian')");
	exec_ok(f->db, "INSERT INTO t1 VALUES('Выборах')");
	assert_string_equal(find(f, "t1", "выборы", 0), "1");
	assert_int_not_equal(
		sqlite3_exec(f->db,
			     "CREATE VIRTUAL TABLE t2 USING fts5(x, "
			     "tokenize='gazette ru en')",
			     NULL, NULL, NULL),
		SQLITE_OK);
	exec_ok(f->db, "DROP TABLE t0; DROP TABLE t1");

	assert_true(search_lang_valid("ru"));
	assert_true(search_lang_valid("en"));
	assert_true(search_lang_valid("pt-br"));
	assert_false(search_lang_valid(""));
	assert_false(search_lang_valid(NULL));
	assert_false(search_lang_valid("ru'"));
	assert_false(search_lang_valid("RU"));
	assert_false(search_lang_valid("a b"));
	assert_false(search_lang_valid("abcdefghijklmnop"));
}

/* The schema and query recommended in src/search/README.md: weights put
 * title over lead over body, and recency breaks near-ties. */
static void test_recommended_sql(void **state)
{
	struct fixture *f = *state;
	exec_ok(f->db,
		"CREATE TABLE articles(id INTEGER PRIMARY KEY, status TEXT, "
		"  publish_at INTEGER);"
		"CREATE VIRTUAL TABLE article_fts_1 USING fts5(title, lead, "
		"  body, meta, tokenize = 'gazette ru', prefix = '2 3');"
		"INSERT INTO articles VALUES (1, 'published', 1000000),"
		"  (2, 'published', 1000000), (3, 'published', 1000000),"
		"  (4, 'draft', 1000000), (5, 'published', 1000000 - 86400*365),"
		"  (6, 'published', 1000000);"
		"INSERT INTO article_fts_1(rowid, title, lead, body, meta) VALUES"
		"  (1, 'Мост через реку', 'Строители начали работы', "
		"      'Соглашение подписано. Новый мост откроют летом.', "
		"      'Анна Петрова · Город'),"
		"  (2, 'Соглашения о мостах', 'Город и область договорились', "
		"      'Работы начнутся весной.', 'Иван Сидоров · Город'),"
		"  (3, 'Погода', 'В городе тепло', 'Соглашение не требуется.', "
		"      'Анна Петрова · Погода'),"
		"  (4, 'Соглашение', 'Черновик', 'Черновик.', ''),"
		"  (5, 'Соглашение о мосте', 'Город и область', "
		"      'Работы начнутся весной.', 'Иван Сидоров · Город'),"
		"  (6, 'Театр', 'Премьера', 'Премьера прошла.', "
		"      'Соглашение · Культура');");
	/* other articles, so that the word is not in every row (bm25's idf
	 * would be ~0 and the order meaningless) */
	for (int i = 10; i < 30; i++) {
		char sql[512];
		snprintf(sql, sizeof sql,
			 "INSERT INTO articles VALUES (%d, 'published', 0);"
			 "INSERT INTO article_fts_1(rowid, title, lead, body, "
			 "meta) VALUES (%d, 'Новости %d', 'Коротко', "
			 "'Город живёт своей жизнью.', 'Редакция · Город')",
			 i, i, i);
		exec_ok(f->db, sql);
	}

	char *q = NULL;
	assert_int_equal(search_query_build(f->a, "соглашение", 0, &q, NULL), 0);
	sqlite3_stmt *st;
	const char *sql =
		"SELECT a.id,"
		"       highlight(article_fts_1, 0, char(2), char(3)),"
		"       snippet(article_fts_1, -1, char(2), char(3), '…', 12)"
		"  FROM article_fts_1"
		"  JOIN articles AS a ON a.id = article_fts_1.rowid"
		" WHERE article_fts_1 MATCH ?1"
		"   AND a.status = 'published' AND a.publish_at <= ?2"
		" ORDER BY bm25(article_fts_1, 10.0, 4.0, 1.0, 2.0)"
		"          * (1.0 + 0.5 / (1.0 + max(0, ?2 - a.publish_at)"
		"                                / 2592000.0)),"
		"          a.id"
		" LIMIT ?3 OFFSET ?4";
	assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, 1000000);
	sqlite3_bind_int(st, 3, 10);
	sqlite3_bind_int(st, 4, 0);
	long long ids[8];
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		assert_true(n < 8);
		ids[n] = sqlite3_column_int64(st, 0);
		if (ids[n] == 2)
			assert_string_equal(
				(const char *)sqlite3_column_text(st, 1),
				"\x02Соглашения\x03 о мостах");
		n++;
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	/* the fresh title hit first; a year-old title hit (5) and a fresh
	 * meta hit (6) above fresh body hits (1, 3); the draft (4) never */
	assert_int_equal(n, 5);
	assert_int_equal(ids[0], 2);
	int pos[8] = {0};
	for (int i = 0; i < n; i++) {
		assert_true(ids[i] > 0 && ids[i] < 8);
		pos[ids[i]] = i + 1;
	}
	assert_int_equal(pos[4], 0);
	assert_true(pos[5] < pos[1] && pos[5] < pos[3]);
	assert_true(pos[6] < pos[1] && pos[6] < pos[3]);
	exec_ok(f->db, "INSERT INTO article_fts_1(article_fts_1) "
		       "VALUES('rebuild')");
	exec_ok(f->db, "INSERT INTO article_fts_1(article_fts_1) "
		       "VALUES('optimize')");
	exec_ok(f->db, "DROP TABLE article_fts_1; DROP TABLE articles");
}

/* search_fold_next (the ASCII and Russian fast paths) must classify and
 * fold every input exactly as search_utf8_decode + search_fold_cp: every
 * code point (and the surrogates, which are invalid), every one- and
 * two-byte sequence including truncated and invalid ones. */
static void check_fold_next(const unsigned char *s, size_t n)
{
	uint32_t cp1 = 0, cp2 = 0;
	struct search_fold f1, f2;
	memset(&f1, 0, sizeof f1);
	memset(&f2, 0, sizeof f2);
	size_t k1 = search_fold_next(s, n, &cp1, &f1);
	size_t k2 = search_utf8_decode(s, n, &cp2);
	search_fold_cp(cp2, &f2);
	if (k1 != k2 || cp1 != cp2 || f1.cls != f2.cls ||
	    f1.script != f2.script || f1.len != f2.len ||
	    memcmp(f1.out, f2.out, f2.len) != 0)
		fail_msg("fold_next differs at %02x %02x (n %zu): cp %x/%x "
			 "cls %d/%d len %zu/%zu",
			 s[0], n > 1 ? s[1] : 0, n, (unsigned)cp1,
			 (unsigned)cp2, f1.cls, f2.cls, f1.len, f2.len);
}

static void test_fold_next_matches_fold_cp(void **state)
{
	(void)state;
	unsigned char b[4];
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		size_t n;
		/* generic encoder: surrogates come out as (invalid) CESU */
		if (cp < 0x80) {
			b[0] = (unsigned char)cp;
			n = 1;
		} else if (cp < 0x800) {
			b[0] = (unsigned char)(0xC0 | (cp >> 6));
			b[1] = (unsigned char)(0x80 | (cp & 0x3F));
			n = 2;
		} else if (cp < 0x10000) {
			b[0] = (unsigned char)(0xE0 | (cp >> 12));
			b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			b[2] = (unsigned char)(0x80 | (cp & 0x3F));
			n = 3;
		} else {
			b[0] = (unsigned char)(0xF0 | (cp >> 18));
			b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
			b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			b[3] = (unsigned char)(0x80 | (cp & 0x3F));
			n = 4;
		}
		check_fold_next(b, n);
		check_fold_next(b, 1); /* cut after the lead byte */
	}
	for (unsigned i = 0; i < 0x10000; i++) {
		b[0] = (unsigned char)(i >> 8);
		b[1] = (unsigned char)i;
		check_fold_next(b, 2);
	}
}

/* One token as FTS5 got it from xToken. */
struct tok_rec {
	int flags;       /* 0 or FTS5_TOKEN_COLOCATED */
	int start, end;  /* byte offsets into the input */
	size_t off, len; /* token text at pool + off */
};

struct tok_list {
	struct tok_rec *v; /* malloc'd, n used of cap */
	size_t n, cap;
	char *pool; /* token bytes, malloc'd, plen used of pcap */
	size_t plen, pcap;
};

static int tok_collect(void *ctx, int flags, const char *tok, int ntok,
		       int start, int end)
{
	struct tok_list *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		assert_non_null(l->v);
	}
	while (l->plen + (size_t)ntok > l->pcap) {
		l->pcap = l->pcap ? 2 * l->pcap : 65536;
		l->pool = realloc(l->pool, l->pcap);
		assert_non_null(l->pool);
	}
	memcpy(l->pool + l->plen, tok, (size_t)ntok);
	l->v[l->n++] =
		(struct tok_rec){flags, start, end, l->plen, (size_t)ntok};
	l->plen += (size_t)ntok;
	return SQLITE_OK;
}

static void tok_list_free(struct tok_list *l)
{
	free(l->v);
	free(l->pool);
	memset(l, 0, sizeof *l);
}

/* Tokenize text[0..n) with both instances and require the same tokens,
 * flags and offsets, in the same order. Returns the number of tokens. */
static size_t tok_compare(fts5_tokenizer *x, Fts5Tokenizer *cached,
			  Fts5Tokenizer *plain, int flags, const char *text,
			  size_t n)
{
	struct tok_list a = {0}, b = {0};
	assert_int_equal(x->xTokenize(cached, &a, flags, text, (int)n,
				      tok_collect),
			 SQLITE_OK);
	assert_int_equal(x->xTokenize(plain, &b, flags, text, (int)n,
				      tok_collect),
			 SQLITE_OK);
	assert_int_equal(a.n, b.n);
	for (size_t i = 0; i < a.n; i++) {
		const struct tok_rec *p = &a.v[i], *q = &b.v[i];
		if (p->flags != q->flags || p->start != q->start ||
		    p->end != q->end || p->len != q->len ||
		    memcmp(a.pool + p->off, b.pool + q->off, p->len) != 0)
			fail_msg("token %zu (flags %d): '%.*s' %d..%d cached, "
				 "'%.*s' %d..%d uncached",
				 i, flags, (int)p->len, a.pool + p->off,
				 p->start, p->end, (int)q->len, b.pool + q->off,
				 q->start, q->end);
	}
	size_t count = a.n;
	tok_list_free(&a);
	tok_list_free(&b);
	return count;
}

/* Pieces of the generated words: Cyrillic and Latin syllables (lower and
 * upper case) and endings the stemmers strip or rewrite. */
static const char *const gen_ru[] = {
	"ка", "РО", "ми", "Ст", "но", "вы", "пра", "зё",
	"ЛЁ", "ду", "ще", "ю",  "ИЙ", "ъе", "ль",  "ХО",
};
static const char *const gen_ru_end[] = {
	"ами",  "ого",     "ения", "ах",  "ов", "ый",
	"ость", "ировать", "",     "ЫМИ", "ее", "енн",
};
static const char *const gen_en[] = {
	"ka", "RO", "mi", "st", "No", "vy", "pra", "ze",
	"lo", "du", "sh", "y",  "Qu", "ea", "ll",  "HO",
};
static const char *const gen_en_end[] = {
	"ing", "ations", "ies",     "ed",  "ness", "ly",
	"s",   "",       "IZATION", "ful", "y",    "ement",
};

/* Append the i-th generated word (deterministic) to buf. */
static size_t gen_word(char *buf, unsigned i)
{
	unsigned r = i * 2654435761u + 12345u;
	int ru = (r >> 3) & 1;
	const char *const *syl = ru ? gen_ru : gen_en;
	const char *const *end = ru ? gen_ru_end : gen_en_end;
	size_t len = 0;
	int nsyl = 1 + (int)((r >> 5) % 4);
	for (int k = 0; k < nsyl; k++) {
		const char *s = syl[(r >> (8 + 4 * k)) & 15];
		memcpy(buf + len, s, strlen(s));
		len += strlen(s);
	}
	const char *e = end[(r >> 24) % 12];
	memcpy(buf + len, e, strlen(e));
	return len + strlen(e);
}

/* The tokenizer's word -> stem cache must never change a token: a cached
 * and an uncached instance ("gazette ru": both stemmers) see the same
 * varied text (English and Russian, case, ё, punctuation, hyphens,
 * apostrophes, numbers, marks, invalid UTF-8, words too long to cache or
 * to stem, common words that hit the cache, and more distinct words than
 * the cache holds, so that entries are evicted and words come back after
 * eviction), whole and in pieces cut anywhere (also inside a UTF-8
 * sequence), as documents (cached) and as queries, prefix queries and aux
 * calls (not cached). */
static void test_stem_cache_same_tokens(void **state)
{
	struct fixture *f = *state;
	static const char *const fixed[] = {
		"The Council's PARTNERSHIPS were signed on 2026-11-27; "
		"O'Brien's café re-opened (crème brûlée!). Running runners "
		"ran 1,500 km - e-mail: news@example.org. Naïve résumé, "
		"Straße, Ærøskøbing, ĳssel. ",
		"Выборы в Санкт-Петербурге: ЁЛКИ, ёлки и Елки; партнёрство и "
		"партнерства 2026 г. «Экономического» форума. "
		"Пере\xC2\xADговоры шли долго, за\xCC\x81мок, "
		"и\xCC\x86од, ВЫБОРАХ. ",
		"Москва-Сити и New-York, iPhone15, COVID-19, Ф1, 3D-принтер, "
		"x\xFF\xFEy, \xD0 \xD1\x41 \xE2\x82, ",
		/* 35 Cyrillic letters: 70 bytes, too long to cache */
		"превысокомногорассмотрительствующих "
		"ПРЕВЫСОКОМНОГОРАССМОТРИТЕЛЬСТВУЮЩИХ ",
		/* fits the cache alone but not with its stem */
		"pneumonoultramicroscopicsilicovolcanoconiosis "
		"antidisestablishmentarianism ",
		/* 72 letters: cut at 128 bytes, not stemmed */
		"долгоедолгоедолгоедолгоедолгоедолгоедолгоедолгоедолгоедолгое"
		"долгоедолгое. ",
	};
	static const char *const common[] = {
		"the ",        "и ",  "в ",  "council ",     "выборы ",
		"Elections, ", "на ", "of ", "партнёрство ",
	};
	const unsigned nwords = 6000; /* > the cache's 4096 slots */
	size_t cap = 1 << 20, n = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
			memcpy(text + n, fixed[i], strlen(fixed[i]));
			n += strlen(fixed[i]);
		}
		for (unsigned i = 0; i < nwords; i++) {
			n += gen_word(text + n, i);
			text[n++] = i % 7 == 3 ? '-' : ' ';
			const char *c = common[i % 9];
			memcpy(text + n, c, strlen(c));
			n += strlen(c);
			assert_true(n + 300 < cap);
		}
	}

	/* The tokenizer as FTS5 sees it, through the documented fts5_api. */
	fts5_api *api = NULL;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT fts5(?1)", -1, &st,
					    NULL),
			 SQLITE_OK);
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	sqlite3_finalize(st);
	assert_non_null(api);
	void *ud = NULL;
	fts5_tokenizer x;
	assert_int_equal(api->xFindTokenizer(api, "gazette", &ud, &x),
			 SQLITE_OK);
	const char *argv[] = {"ru"};
	Fts5Tokenizer *cached = NULL, *plain = NULL;
	assert_int_equal(x.xCreate(ud, argv, 1, &cached), SQLITE_OK);
	assert_int_equal(x.xCreate(ud, argv, 1, &plain), SQLITE_OK);
	search_tokenizer_cache_set(plain, 0);

	/* the stemmers are really on: "выборах" -> "выбор" */
	struct tok_list l = {0};
	assert_int_equal(x.xTokenize(cached, &l, FTS5_TOKENIZE_DOCUMENT,
				     "ВЫБОРАХ", (int)strlen("ВЫБОРАХ"),
				     tok_collect),
			 SQLITE_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].len, strlen("выбор"));
	assert_memory_equal(l.pool, "выбор", l.v[0].len);
	tok_list_free(&l);

	/* Documents go through the cache: the whole text with a cold and
	 * then a warm cache, then pieces of 1..97 bytes cut anywhere. */
	size_t total = 0;
	for (int pass = 0; pass < 2; pass++)
		total += tok_compare(&x, cached, plain, FTS5_TOKENIZE_DOCUMENT,
				     text, n);
	assert_true(total > 2 * 2 * 2 * nwords);
	for (size_t i = 0, step = 1; i < n; i += step) {
		step = 1 + (i * 31) % 97;
		size_t m = i + step <= n ? step : n - i;
		tok_compare(&x, cached, plain, FTS5_TOKENIZE_DOCUMENT, text + i,
			    m);
	}
	struct search_stem_cache_stats sc, sp;
	search_tokenizer_cache_stats_get(cached, &sc);
	search_tokenizer_cache_stats_get(plain, &sp);
	assert_true(sc.hits > sc.misses); /* the cache was used... */
	assert_true(sc.misses > 4096);
	assert_true(sc.evictions > 1000); /* ...and overflowed */
	assert_int_equal(sp.hits + sp.misses + sp.evictions, 0);

	/* Queries, prefix queries (the last word of each piece is the
	 * prefix) and aux calls bypass the cache, and give the same tokens. */
	static const int flavours[] = {
		FTS5_TOKENIZE_QUERY,
		FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX,
		FTS5_TOKENIZE_AUX,
	};
	for (size_t fl = 0; fl < 3; fl++)
		for (size_t i = 0, step = 1; i < n; i += step) {
			step = 1 + (i * 31 + fl) % 97;
			size_t m = i + step <= n ? step : n - i;
			tok_compare(&x, cached, plain, flavours[fl], text + i,
				    m);
		}
	struct search_stem_cache_stats sq;
	search_tokenizer_cache_stats_get(cached, &sq);
	assert_memory_equal(&sq, &sc, sizeof sq);

	x.xDelete(cached);
	x.xDelete(plain);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_english_stemming_and_case),
		cmocka_unit_test(test_russian_stemming),
		cmocka_unit_test(test_yo_folding_both_ways),
		cmocka_unit_test(test_diacritics_and_apostrophes),
		cmocka_unit_test(test_fold_only_language),
		cmocka_unit_test(test_phrases),
		cmocka_unit_test(test_prefix_queries),
		cmocka_unit_test(test_highlight_offsets),
		cmocka_unit_test(test_hostile_documents),
		cmocka_unit_test(test_query_build_shapes),
		cmocka_unit_test(test_query_build_nasty_inputs),
		cmocka_unit_test(test_tokenizer_arguments),
		cmocka_unit_test(test_recommended_sql),
		cmocka_unit_test(test_fold_next_matches_fold_cp),
		cmocka_unit_test(test_stem_cache_same_tokens),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
