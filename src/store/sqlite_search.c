/*
 * sqlite_search.c - SQLite backend of full-text search: one FTS5 index per
 * edition, kept in step with article writes, the search query with its
 * ranking and filters, and the rebuild that runs while the site serves.
 *
 * For: store_search, store_search_reindex, and the hooks the rest of the
 * store calls (internal.h): migration 2's C step and the index update of
 * store_article_save. Not for: the tokenizer and the query syntax
 * (src/search: search_tokenizer_register, search_query_build), turning
 * the highlight markers into HTML (the HTTP layer), PostgreSQL.
 *
 * Layout. The table search_indexes (migration 2) lists the indexes: row
 * `id` is the FTS5 table article_fts_<id> (an ordinary FTS5 table with
 * columns title, lead, body, meta; rowid = articles.id; tokenizer
 * 'gazette <edition code>'), with its edition and a state:
 *   live      the index searches read (one per edition);
 *   building  being filled by reindex; writes go to it too, reads do not;
 *   retired   swapped out by reindex, dropped right after.
 * Table names come from integer ids, never from user text. Every article
 * is indexed whatever its status; the query joins articles and filters on
 * status and publish_at, so publishing, unpublishing and the scheduler
 * need no index write.
 *
 * Why a registry and new tables instead of FTS5's 'rebuild': 'rebuild'
 * is one transaction over the whole index, which would lock out every
 * article save for minutes at 200,000 articles. Filling a second table in
 * short transactions keeps the writer free between them, and readers keep
 * their snapshot of the old one until the swap commits (WAL).
 *
 * A query, in order: single Russian words of the match expression are
 * widened to their inflected forms (search_widen: Snowball gives some
 * words two stems); the candidates are the newest
 * STORE_SEARCH_MAX_CANDIDATES matches passing the filters (suggestions:
 * STORE_SEARCH_MAX_SUGGEST_CANDIDATES), found in rowid order (FTS5
 * streams that without ranking), and only those are ranked (gazette_rank:
 * BM25 without the IDF walk, see search_rank_sql); the page of hits gets
 * its highlighted title and an excerpt (gazette_excerpt: tokenizes no
 * more than it shows). The two SQL
 * functions are FTS5 auxiliary functions (sqlite_search_fts.c) registered
 * on a connection the first time it searches.
 */
#include "render/markdown.h"
#include "search/search.h"
#include "store/internal.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <inttypes.h>
#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	SEARCH_IDX_LIVE = 0,
	SEARCH_IDX_BUILDING = 1,
	SEARCH_IDX_RETIRED = 2,
};

#define SEARCH_BATCH_DEFAULT 500
/* Pages FTS5 may write per 'merge' step of reindex (4 KiB each): a step
 * holds the writer for well under a second. */
#define SEARCH_MERGE_PAGES 2000
#define SEARCH_MAX_INDEXES 16 /* indexes per save we handle */

/* ---- helpers -------------------------------------------------------- */

static int search_db_err(sqlite3 *db, int rc, struct err *e, const char *what)
{
	int code = store_err_code(rc);
	return err_set(e, code ? code : ERR_DB, "%s: %s", what,
		       sqlite3_errmsg(db));
}

/* Run one statement with no parameters on db. */
static int search_exec(sqlite3 *db, const char *sql, struct err *e)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return search_db_err(db, rc, e, sql);
	return 0;
}

/* Append n bytes of s with U+0002 and U+0003 turned into spaces: they are
 * the highlight markers, so indexed text must not hold them. */
static void search_text_put(struct buf *b, const char *s, size_t n)
{
	size_t start = b->len;
	buf_append(b, s, n);
	for (size_t i = start; i < b->len; i++)
		if (b->data[i] == '\x02' || b->data[i] == '\x03')
			b->data[i] = ' ';
}

/* ---- documents ------------------------------------------------------ */

/* The texts of an article as the index stores them, from a row of
 * SEARCH_DOC_SQL: id, title, lead, body_md, author names, rubric name,
 * tag names (names in the article's edition). */
#define SEARCH_DOC_SQL(where)                                                  \
	"SELECT a.id, a.title, a.lead, a.body_md, IFNULL((SELECT "             \
	"group_concat(t.name, ' · ') FROM article_authors x JOIN "            \
	"author_texts t ON t.author_id = x.author_id AND t.edition = "         \
	"a.edition WHERE x.article_id = a.id), ''), IFNULL((SELECT r.name "    \
	"FROM rubric_texts r WHERE r.rubric_id = a.rubric_id AND r.edition = " \
	"a.edition), ''), IFNULL((SELECT group_concat(t.name, ' · ') FROM "   \
	"article_tags x JOIN tags t ON t.id = x.tag_id WHERE x.article_id = "  \
	"a.id), '') FROM articles a WHERE " where

struct search_doc {
	int64_t id;
	struct buf title, lead, body, meta;
};

static void search_col_put(struct buf *b, sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	if (t)
		search_text_put(b, t, (size_t)sqlite3_column_bytes(st, i));
}

/* Build d from the current row of a SEARCH_DOC_SQL statement, in a. */
static void search_doc_build(struct arena *a, sqlite3_stmt *st,
			     struct search_doc *d)
{
	d->id = sqlite3_column_int64(st, 0);
	buf_init(&d->title, a);
	buf_init(&d->lead, a);
	buf_init(&d->body, a);
	buf_init(&d->meta, a);
	search_col_put(&d->title, st, 1);
	search_col_put(&d->lead, st, 2);
	const char *md = (const char *)sqlite3_column_text(st, 3);
	size_t md_len = (size_t)sqlite3_column_bytes(st, 3);
	struct buf text;
	buf_init(&text, a);
	/* Markdown too big or broken for cmark: its source is still better
	 * than nothing to search (the markup only adds a few odd words). */
	if (md && render_md_to_text(md, md_len, &text, NULL) != 0) {
		buf_clear(&text);
		buf_append(&text, md, md_len);
	}
	search_text_put(&d->body, text.data, text.len);
	for (int i = 4; i <= 6; i++) {
		const char *t = (const char *)sqlite3_column_text(st, i);
		if (!t || !*t)
			continue;
		if (d->meta.len)
			buf_puts(&d->meta, " · ");
		search_col_put(&d->meta, st, i);
	}
}

static void search_doc_bind(sqlite3_stmt *ins, const struct search_doc *d)
{
	sqlite3_bind_int64(ins, 1, d->id);
	sqlite3_bind_text(ins, 2, d->title.data, (int)d->title.len,
			  SQLITE_STATIC);
	sqlite3_bind_text(ins, 3, d->lead.data, (int)d->lead.len,
			  SQLITE_STATIC);
	sqlite3_bind_text(ins, 4, d->body.data, (int)d->body.len,
			  SQLITE_STATIC);
	sqlite3_bind_text(ins, 5, d->meta.data, (int)d->meta.len,
			  SQLITE_STATIC);
}

/*
 * An index is two FTS5 tables with the same rowids. The full one holds
 * title, lead, body and meta and serves the results page, whose words are
 * whole (no prefix queries, so no prefix index). The small one holds
 * title, lead and meta with prefix indexes of 2 to 8 characters and
 * serves the overlay's as-you-type suggestions. A prefix without a prefix
 * index of its length makes FTS5 copy and merge the doclists of every
 * term it covers before the first row, in each statement that matches
 * it: over whole bodies that cost tens of milliseconds per keystroke at
 * 20,000 articles. Over titles and leads the doclists are about 15 times
 * shorter, and still 4-8 ms per statement for a 5-character prefix of a
 * common stem at 200,000 articles ("согла"), where the prefix index
 * answers in under 1 ms. Lengths 5-8 made the Russian suggestion table
 * 5% larger (stems of 5+ letters are fewer than words); a longer prefix
 * covers one or two stems and still merges (about 4 ms per statement for
 * "министерс" at 200,000 articles), so store_search asks for all the hits
 * of a page in one statement.
 */
enum {
	SEARCH_T_FULL = 0,
	SEARCH_T_SUGGEST = 1,
	SEARCH_N_TABLES = 2
};

static const struct search_table {
	const char *prefix;  /* table name without the id */
	const char *columns; /* its columns */
	const char *values;  /* their parameters in search_doc_bind */
	const char *options; /* FTS5 options after the tokenizer */
} search_tables[SEARCH_N_TABLES] = {
	{"article_fts_", "title, lead, body, meta", "?2, ?3, ?4, ?5", ""},
	{"article_sug_", "title, lead, meta", "?2, ?3, ?5",
	 ", prefix = '2 3 4 5 6 7 8'"},
};

/* SQL text of the index statements of table t of index idx, in out. */
static const char *search_sql_del(char *out, size_t n, int t, int64_t idx)
{
	snprintf(out, n, "DELETE FROM %s%" PRId64 " WHERE rowid = ?1",
		 search_tables[t].prefix, idx);
	return out;
}

static const char *search_sql_ins(char *out, size_t n, int t, int64_t idx)
{
	snprintf(out, n,
		 "INSERT INTO %s%" PRId64 " (rowid, %s) VALUES (?1, %s)",
		 search_tables[t].prefix, idx, search_tables[t].columns,
		 search_tables[t].values);
	return out;
}

/* Write d into both tables of index idx on the writer c: delete the old
 * row (there may be one: an update, or a concurrent save during
 * reindex), insert. */
static int search_doc_write(struct store_conn *c, int64_t idx,
			    const struct search_doc *d, struct err *e)
{
	char sql[200];
	for (int t = 0; t < SEARCH_N_TABLES; t++) {
		sqlite3_stmt *st;
		int rc = store_stmt(c, search_sql_del(sql, sizeof sql, t, idx),
				    &st, e);
		if (rc)
			return rc;
		sqlite3_bind_int64(st, 1, d->id);
		int src = sqlite3_step(st);
		store_stmt_done(c, st);
		if (src != SQLITE_DONE)
			return store_db_err(c, src, e,
					    "search index %" PRId64
					    ": article %" PRId64,
					    idx, d->id);
		rc = store_stmt(c, search_sql_ins(sql, sizeof sql, t, idx), &st,
				e);
		if (rc)
			return rc;
		search_doc_bind(st, d);
		src = sqlite3_step(st);
		store_stmt_done(c, st);
		if (src != SQLITE_DONE)
			return store_db_err(c, src, e,
					    "search index %" PRId64
					    ": article %" PRId64,
					    idx, d->id);
	}
	return 0;
}

/* ---- creating and filling an index (raw connection) ---------------- */

/* Register a new index of `edition` in `state` and create its table, in
 * the caller's transaction on db. *idx gets its id. */
static int search_idx_create(sqlite3 *db, const char *edition, int state,
			     int64_t *idx, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "INSERT INTO search_indexes (edition, "
				    "state, tokenizer_version, created_at) "
				    "VALUES (?1, ?2, ?3, ?4)",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, edition, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, state);
		sqlite3_bind_int(st, 3, SEARCH_TOKENIZER_VERSION);
		sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return search_db_err(db, rc, e, "search index: register");
	*idx = sqlite3_last_insert_rowid(db);
	/* The language goes into DDL unbound: only a code the tokenizer
	 * contract calls safe; any other edition folds without stemming. */
	int lang = search_lang_valid(edition);
	for (int t = 0; t < SEARCH_N_TABLES; t++) {
		char sql[256];
		snprintf(sql, sizeof sql,
			 "CREATE VIRTUAL TABLE %s%" PRId64
			 " USING fts5(%s, tokenize = 'gazette%s%s'%s)",
			 search_tables[t].prefix, *idx,
			 search_tables[t].columns, lang ? " " : "",
			 lang ? edition : "", search_tables[t].options);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return search_db_err(db, rc, e, "search index: create");
	}
	return 0;
}

/*
 * Index up to `limit` articles of `edition` with id > after into index
 * idx, in the caller's transaction on db (prepared here, not cached: it
 * runs from the migration, which has no store_conn). *last gets the
 * highest id done, *n how many. Memory from scratch, reset per article.
 */
static int search_idx_fill(sqlite3 *db, struct arena *scratch, int64_t idx,
			   const char *edition, int64_t after, size_t limit,
			   int64_t *last, size_t *n, struct err *e)
{
	*n = 0;
	*last = after;
	sqlite3_stmt *doc = NULL, *del[SEARCH_N_TABLES] = {0},
		     *ins[SEARCH_N_TABLES] = {0};
	int rc = sqlite3_prepare_v2(db,
				    SEARCH_DOC_SQL("a.edition = ?1 AND a.id > "
						   "?2 ORDER BY a.id LIMIT ?3"),
				    -1, &doc, NULL);
	for (int t = 0; rc == SQLITE_OK && t < SEARCH_N_TABLES; t++) {
		char sql[200];
		rc = sqlite3_prepare_v2(db,
					search_sql_del(sql, sizeof sql, t, idx),
					-1, &del[t], NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_prepare_v2(
				db, search_sql_ins(sql, sizeof sql, t, idx), -1,
				&ins[t], NULL);
	}
	if (rc != SQLITE_OK) {
		rc = search_db_err(db, rc, e, "search index: prepare");
		goto out;
	}
	sqlite3_bind_text(doc, 1, edition, -1, SQLITE_STATIC);
	sqlite3_bind_int64(doc, 2, after);
	sqlite3_bind_int64(doc, 3, (int64_t)limit);
	int src;
	while ((src = sqlite3_step(doc)) == SQLITE_ROW) {
		struct search_doc d;
		arena_reset(scratch);
		search_doc_build(scratch, doc, &d);
		for (int t = 0; t < SEARCH_N_TABLES; t++) {
			sqlite3_bind_int64(del[t], 1, d.id);
			src = sqlite3_step(del[t]);
			sqlite3_reset(del[t]);
			if (src == SQLITE_DONE) {
				search_doc_bind(ins[t], &d);
				src = sqlite3_step(ins[t]);
				sqlite3_reset(ins[t]);
				sqlite3_clear_bindings(ins[t]);
			}
			if (src != SQLITE_DONE) {
				rc = search_db_err(db, src, e,
						   "search index: write");
				goto out;
			}
		}
		*last = d.id;
		(*n)++;
	}
	if (src != SQLITE_DONE)
		rc = search_db_err(db, src, e, "search index: read articles");
	else
		rc = 0;
out:
	sqlite3_finalize(doc);
	for (int t = 0; t < SEARCH_N_TABLES; t++) {
		sqlite3_finalize(del[t]);
		sqlite3_finalize(ins[t]);
	}
	arena_reset(scratch);
	return rc;
}

/* Create a live index of `edition` and fill it with all its articles, in
 * the caller's transaction on db. */
static int search_idx_create_full(sqlite3 *db, const char *edition,
				  struct err *e)
{
	int64_t idx;
	int rc = search_idx_create(db, edition, SEARCH_IDX_LIVE, &idx, e);
	if (rc)
		return rc;
	struct arena *scratch = arena_new(0);
	int64_t after = 0;
	size_t n;
	do
		rc = search_idx_fill(db, scratch, idx, edition, after, 1000,
				     &after, &n, e);
	while (rc == 0 && n > 0);
	arena_free(scratch);
	return rc;
}

int store_search_migrate(sqlite3 *db, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
		db, "SELECT code FROM editions ORDER BY code", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return search_db_err(db, rc, e, "search: editions");
	/* Collect first: creating tables while the SELECT runs is allowed,
	 * but the codes must outlive the statement's rows anyway. */
	char **codes = NULL;
	size_t n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		codes = xrealloc(codes, (n + 1) * sizeof *codes);
		codes[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	rc = rc == SQLITE_DONE ? 0 :
				 search_db_err(db, rc, e, "search: editions");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = search_idx_create_full(db, codes[i], e);
	for (size_t i = 0; i < n; i++)
		free(codes[i]);
	free(codes);
	return rc;
}

/* ---- the write path ------------------------------------------------- */

int store_search_article_put(struct store_conn *c, int64_t id,
			     const char *edition, int is_update, struct err *e)
{
	int64_t own[SEARCH_MAX_INDEXES], other[SEARCH_MAX_INDEXES];
	size_t n_own = 0, n_other = 0;
	sqlite3_stmt *st;
	int rc = store_stmt(c,
			    "SELECT id, edition = ?1 FROM search_indexes WHERE "
			    "state IN (0, 1) ORDER BY id",
			    &st, e);
	if (rc)
		return rc;
	store_bind_text(st, 1, edition);
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t idx = sqlite3_column_int64(st, 0);
		if (sqlite3_column_int(st, 1)) {
			if (n_own < SEARCH_MAX_INDEXES)
				own[n_own++] = idx;
		} else if (n_other < SEARCH_MAX_INDEXES) {
			other[n_other++] = idx;
		}
	}
	store_stmt_done(c, st);
	if (src != SQLITE_DONE)
		return store_db_err(c, src, e, "search indexes");

	/* First article of an edition created after migration 2: its index
	 * is born now, with every article of the edition (this one too). */
	if (n_own == 0)
		return search_idx_create_full(c->db, edition, e);

	rc = store_stmt(c, SEARCH_DOC_SQL("a.id = ?1"), &st, e);
	if (rc)
		return rc;
	store_bind_int(st, 1, id);
	src = sqlite3_step(st);
	if (src != SQLITE_ROW) {
		store_stmt_done(c, st);
		return src == SQLITE_DONE ?
			       err_set(e, ERR_DB,
				       "search: article %" PRId64 " is gone",
				       id) :
			       store_db_err(c, src, e,
					    "search: article %" PRId64, id);
	}
	struct search_doc d;
	search_doc_build(c->scratch, st, &d);
	/* The doc's texts are copies in scratch: the row may go. */
	store_stmt_done(c, st);
	for (size_t i = 0; rc == 0 && i < n_own; i++)
		rc = search_doc_write(c, own[i], &d, e);
	char sql[200];
	for (size_t i = 0; rc == 0 && is_update && i < n_other; i++)
		for (int t = 0; rc == 0 && t < SEARCH_N_TABLES; t++) {
			rc = store_stmt(
				c, search_sql_del(sql, sizeof sql, t, other[i]),
				&st, e);
			if (rc)
				break;
			store_bind_int(st, 1, id);
			src = sqlite3_step(st);
			store_stmt_done(c, st);
			if (src != SQLITE_DONE)
				rc = store_db_err(c, src, e,
						  "search index %" PRId64,
						  other[i]);
		}
	return rc;
}

/* ---- widening Russian words ---------------------------------------- */

/*
 * Snowball's Russian stemmer gives some words two stems across their
 * forms: "паром" -> "пар" but "паромах" -> "паром", "Азербайджан" ->
 * "азербайджа" but "Азербайджане" -> "азербайджан", "Ассамблея" ->
 * "ассамбле" but "Ассамблеи" -> "ассамбл". A reader who types one form
 * expects the others, so each single Cyrillic word of the query (a
 * quoted string without spaces and without `*`, as search_query_build
 * writes typed words; phrases stay exact) becomes an OR of its likely
 * forms: its ending is cut (the longest one from search_endings that
 * leaves 3 letters) and each of search_suffixes is put back. The
 * tokenizer stems every form as it stems the articles, so the forms only
 * add stems that real inflections produce; the suffixes are the ones
 * that, measured over such words, reach every stem of the paradigm.
 * In a word with a hyphen ("Порт-Селене") the last part is the one that
 * inflects. At most SEARCH_WIDEN_TERMS words are widened.
 */
#define SEARCH_WIDEN_TERMS    8
#define SEARCH_WIDEN_MAX_WORD 64 /* code points of a word we widen */

static const char *const search_endings[] = {
	"иями", "ями", "ами", "ого", "его", "ому", "ему", "ыми", "ими", "иях",
	"иям",  "ией", "ах",  "ях",  "ам",  "ям",  "ом",  "ем",  "ой",  "ей",
	"ий",   "ый",  "ая",  "яя",  "ое",  "ее",  "ые",  "ие",  "ых",  "их",
	"ую",   "юю",  "ов",  "ев",  "ия",  "ии",  "ью",  "ья",  "а",   "я",
	"о",    "е",   "ы",   "и",   "у",   "ю",   "ь",   "й",
};
static const char *const search_suffixes[] = {
	"", "а", "е", "у", "ы", "и", "ю", "ом",
};

/* Decode one UTF-8 code point at s (n bytes left); *len gets its length
 * (1 for an invalid byte, returned as 0xFFFD). */
static uint32_t search_utf8(const unsigned char *s, size_t n, size_t *len)
{
	uint32_t c = s[0];
	size_t k = c < 0x80           ? 1 :
		   (c & 0xE0) == 0xC0 ? 2 :
		   (c & 0xF0) == 0xE0 ? 3 :
		   (c & 0xF8) == 0xF0 ? 4 :
					0;
	if (k == 0 || k > n) {
		*len = 1;
		return 0xFFFD;
	}
	if (k > 1)
		c &= 0x3Fu >> (k - 1);
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*len = 1;
			return 0xFFFD;
		}
		c = (c << 6) | (s[i] & 0x3F);
	}
	*len = k;
	return c;
}

static int search_is_cyrillic(uint32_t c)
{
	return (c >= 0x410 && c <= 0x44F) || c == 0x401 || c == 0x451;
}

/* Lower case of a basic Cyrillic letter, ё as е (as the tokenizer
 * folds), UTF-8 into out (2 bytes). */
static void search_cyr_lower(uint32_t c, struct buf *out)
{
	if (c >= 0x410 && c <= 0x42F)
		c += 0x20;
	else if (c == 0x401 || c == 0x451)
		c = 0x435;
	buf_putc(out, (char)(0xC0 | (c >> 6)));
	buf_putc(out, (char)(0x80 | (c & 0x3F)));
}

/* Append the widened form of word string s[0..n) (FTS5 string contents,
 * inner quotes doubled) to out: `("s" OR "form" ...)`, or `"s"` when its
 * last letter run is not a Cyrillic word of 4 letters or more. */
static void search_widen_word(struct arena *a, struct sb_stemmer *stemmer,
			      const char *s, size_t n, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	/* The last run of Cyrillic letters that ends the word's letters. */
	size_t run_start = 0, run_end = 0, run_chars = 0, i = 0;
	int in_run = 0, other_after = 0;
	while (i < n) {
		size_t k;
		uint32_t c = search_utf8(u + i, n - i, &k);
		if (search_is_cyrillic(c)) {
			if (!in_run) {
				run_start = i;
				run_chars = 0;
				in_run = 1;
			}
			run_chars++;
			run_end = i + k;
			other_after = 0;
		} else {
			in_run = 0;
			/* a letter or digit of another kind (roughly: no
			 * punctuation block) after the Cyrillic run */
			if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
			    (c >= 'a' && c <= 'z') ||
			    (c >= 0xC0 && c != 0xD7 && c != 0xF7 &&
			     !(c >= 0x2000 && c <= 0x2BFF) && c != 0xFFFD))
				other_after = 1;
		}
		i += k;
	}
	if (run_end == 0 || other_after || run_chars < 4 ||
	    run_chars > SEARCH_WIDEN_MAX_WORD) {
		buf_putc(out, '"');
		buf_append(out, s, n);
		buf_putc(out, '"');
		return;
	}
	struct buf low;
	buf_init(&low, a);
	for (i = run_start; i < run_end;) {
		size_t k;
		search_cyr_lower(search_utf8(u + i, run_end - i, &k), &low);
		i += k;
	}
	/* The base: the word without its longest ending, 3 letters kept
	 * (2 bytes per letter here). */
	size_t base = low.len;
	for (size_t e = 0; e < sizeof search_endings / sizeof *search_endings;
	     e++) {
		size_t el = strlen(search_endings[e]);
		if (low.len >= el + 6 &&
		    !memcmp(low.data + low.len - el, search_endings[e], el) &&
		    low.len - el < base)
			base = low.len - el;
	}
	/* A word that ends in a consonant may be a base itself ("паром":
	 * "ом" is no ending there), so it gets the suffixes too; one with a
	 * fleeting о/е before that consonant ("паводок", "рынок") also
	 * gets the forms without it ("паводке", "рынка"). */
	static const char vowels[] = "аеиоуыэюяьй";
	size_t last = low.len - 2;
	int consonant = !memmem(vowels, sizeof vowels - 1, low.data + last, 2);
	enum {
		N_SUF = sizeof search_suffixes / sizeof *search_suffixes
	};
	const char *cand[1 + 2 * N_SUF + 2];
	size_t n_cand = 0;
	cand[n_cand++] = arena_strndup(a, s + run_start, run_end - run_start);
	for (size_t i2 = 0; i2 < N_SUF; i2++)
		cand[n_cand++] = arena_printf(a, "%.*s%s", (int)base, low.data,
					      search_suffixes[i2]);
	if (consonant && base < low.len)
		for (size_t i2 = 0; i2 < N_SUF; i2++)
			cand[n_cand++] = arena_printf(a, "%s%s", low.data,
						      search_suffixes[i2]);
	if (consonant && low.len >= 10 &&
	    (!memcmp(low.data + last - 2, "о", 2) ||
	     !memcmp(low.data + last - 2, "е", 2))) {
		for (int i2 = 0; i2 < 2; i2++)
			cand[n_cand++] = arena_printf(a, "%.*s%s%s",
						      (int)(last - 2), low.data,
						      low.data + last,
						      i2 ? "е" : "а");
	}
	/* Keep one form per distinct stem (the stemmer and the folding are
	 * the tokenizer's for these letters): usually one or two phrases
	 * remain, and each costs the query a doclist walk. cand[0], the word
	 * as typed, stands for the stem of its lower case form. */
	const char *forms[sizeof cand / sizeof *cand];
	const char *stems[sizeof cand / sizeof *cand];
	size_t n_distinct = 0;
	for (size_t f = 0; f < n_cand && stemmer; f++) {
		const char *lc = f == 0 ? low.data : cand[f];
		const sb_symbol *st = sb_stemmer_stem(
			stemmer, (const sb_symbol *)lc, (int)strlen(lc));
		if (!st)
			break;
		const char *stem =
			arena_strndup(a, (const char *)st,
				      (size_t)sb_stemmer_length(stemmer));
		int dup = 0;
		for (size_t j = 0; j < n_distinct && !dup; j++)
			dup = !strcmp(stems[j], stem);
		if (!dup) {
			stems[n_distinct] = stem;
			forms[n_distinct++] = cand[f];
		}
	}
	if (n_distinct == 0) /* no stemmer: every form */
		for (size_t f = 0; f < n_cand; f++)
			forms[n_distinct++] = cand[f];
	if (n_distinct > 1)
		buf_putc(out, '(');
	for (size_t f = 0; f < n_distinct; f++) {
		buf_puts(out, f ? " OR \"" : "\"");
		buf_append(out, s, run_start);
		buf_puts(out, forms[f]);
		buf_append(out, s + run_end, n - run_end);
		buf_putc(out, '"');
	}
	if (n_distinct > 1)
		buf_putc(out, ')');
}

/* The match expression with its single Cyrillic words widened (see
 * above); match itself when it is not in search_query_build's form.
 * Arena memory. */
static const char *search_widen(struct arena *a, const char *match)
{
	struct buf out;
	buf_init(&out, a);
	const char *res = match; /* until the whole expression parsed */
	size_t widened = 0;
	struct sb_stemmer *stemmer = NULL; /* Snowball keeps state: ours */
	const char *p = match;
	/* FTS5 has no implicit AND next to a parenthesis: every term is
	 * joined with an explicit one. */
	while (*p) {
		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p != '"')
			goto out;
		if (out.len)
			buf_puts(&out, " AND ");
		const char *start = ++p;
		int space = 0;
		for (;; p++) {
			if (!*p)
				goto out;
			if (*p == '"' && p[1] == '"') {
				p++;
				continue;
			}
			if (*p == '"')
				break;
			if (*p == ' ')
				space = 1;
		}
		size_t len = (size_t)(p - start);
		p++; /* closing quote */
		if (*p == '*' || space || widened >= SEARCH_WIDEN_TERMS) {
			buf_putc(&out, '"');
			buf_append(&out, start, len);
			buf_putc(&out, '"');
			if (*p == '*')
				buf_putc(&out, *p++);
			continue;
		}
		if (!stemmer)
			stemmer = sb_stemmer_new("russian", "UTF_8");
		search_widen_word(a, stemmer, start, len, &out);
		widened++;
	}
	res = out.data;
out:
	if (stemmer)
		sb_stemmer_delete(stemmer);
	return res;
}

/* store_stmt for SQL that calls gazette_rank or gazette_excerpt,
 * registering them on the connection first when they are not there. */
static int search_stmt(struct store_conn *c, const char *sql,
		       sqlite3_stmt **out, struct err *e)
{
	struct err first = {0};
	int rc = store_stmt(c, sql, out, &first);
	if (rc == 0)
		return 0;
	if (!strstr(first.msg, "no such function: gazette_")) {
		if (e)
			*e = first;
		return rc;
	}
	rc = store_search_funcs_register(c->db, e);
	return rc ? rc : store_stmt(c, sql, out, e);
}

/* ---- the query ------------------------------------------------------ */

/*
 * Candidates, then order. The inner query walks the matches newest id
 * first (CROSS JOIN keeps the FTS table the outer loop, so FTS5 hands
 * out rowids in descending order and no sort happens), joins each to its
 * article for the filters, and stops after ?9 rows: gazette_rank runs
 * for those only. MATERIALIZED keeps it evaluated while the FTS cursor is
 * on its row. The outer query orders them: the rank (negative, lower is
 * better; title 10, lead 4, body 1, meta 2 as src/search/README.md
 * suggests) times the README's recency factor, or newest first.
 */
static const char *search_rank_sql(struct arena *a, const char *t,
				   const char *weights)
{
	return arena_printf(
		a,
		"WITH cand AS MATERIALIZED (SELECT a.id AS id, a.publish_at AS "
		"at, gazette_rank(%1$s, %2$s) AS score FROM %1$s CROSS JOIN "
		"articles a ON a.id = %1$s.rowid WHERE %1$s MATCH ?1 AND "
		"a.edition = ?2 AND a.status = 3 AND a.publish_at <= ?3 AND "
		"(?4 = 0 OR a.rubric_id = ?4) AND (?5 = 0 OR EXISTS (SELECT 1 "
		"FROM article_authors x WHERE x.article_id = a.id AND "
		"x.author_id = ?5)) AND (?6 = '' OR a.kind = ?6) AND (?7 = 0 OR "
		"a.publish_at >= ?7) AND (?8 = 0 OR a.publish_at < ?8) ORDER BY "
		"%1$s.rowid DESC LIMIT ?9) SELECT id FROM cand ORDER BY CASE "
		"WHEN ?10 THEN -at ELSE score * (1.0 + 0.5 / (1.0 + max(0, ?3 - "
		"at) / 2592000.0)) END, CASE WHEN ?10 THEN -id ELSE id END",
		t, weights);
}

/* The hits of a page: the article, its marked title and its excerpt
 * (lead column 1; body column 2 in the full table, none in the small
 * one). One row with rowid ?2 when `many` is 0; else every row in
 * [?2, ?4] whose id is in the JSON array ?5, in rowid order. A prefix
 * term without a prefix index of its length makes FTS5 merge its doclists
 * in every statement, whatever the rowid constraint, so a query with one
 * gets its hits in one statement; whole words seek each row in a few
 * microseconds, while a range would walk every match between the hits.
 * The unary + keeps the IN list away from FTS5's rowid constraint (the
 * range is what FTS5 gets). */
static const char *search_hit_sql(struct arena *a, const char *t, int body,
				  int many)
{
	return arena_printf(
		a,
		"SELECT " STORE_ARTICLE_COLUMNS_NOBODY
		", highlight(%1$s, 0, char(2), char(3)), gazette_excerpt(%1$s, "
		"1, %2$d, ?3) FROM %1$s CROSS JOIN articles a ON a.id = "
		"%1$s.rowid LEFT JOIN view_counts v ON v.article_id = a.id "
		"WHERE %1$s MATCH ?1 AND %3$s",
		t, body,
		many ? arena_printf(a,
				    "%1$s.rowid BETWEEN ?2 AND ?4 AND "
				    "+%1$s.rowid IN (SELECT value FROM "
				    "json_each(?5))",
				    t) :
		       arena_printf(a, "%s.rowid = ?2", t));
}

/* FTS5 reports a bad MATCH expression as a plain SQLITE_ERROR: that is
 * the caller's input (ERR_INVALID), everything else is the database. */
static int search_query_err(struct store_conn *c, int src, struct err *e,
			    const char *what)
{
	if (src == SQLITE_ERROR)
		return err_set(e, ERR_INVALID, "%s: %s", what,
			       sqlite3_errmsg(c->db));
	return store_db_err(c, src, e, "%s", what);
}

/* Id of the live index of edition, 0 when it has none. */
static int search_live_idx(struct store_conn *c, const char *edition,
			   int64_t *idx, struct err *e)
{
	*idx = 0;
	sqlite3_stmt *st;
	int rc = store_stmt(c,
			    "SELECT id FROM search_indexes WHERE edition = ?1 "
			    "AND state = 0 ORDER BY id DESC LIMIT 1",
			    &st, e);
	if (rc)
		return rc;
	store_bind_text(st, 1, edition);
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*idx = sqlite3_column_int64(st, 0);
	store_stmt_done(c, st);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return store_db_err(c, src, e, "search index of %s", edition);
	return 0;
}

int store_search(store *s, struct arena *a, const struct store_search_query *q,
		 struct store_search_hit **out, size_t *n, size_t *total,
		 struct err *e)
{
	*out = NULL;
	*n = 0;
	if (total)
		*total = 0;
	if (!q->edition || !q->match || !*q->match)
		return 0;
	const char *match = search_widen(a, q->match);
	size_t limit = q->limit ? q->limit : 10;
	if (limit > 100)
		limit = 100;
	int words = q->snippet_words ? q->snippet_words : 24;
	if (words < 4)
		words = 4;
	if (words > 64)
		words = 64;
	int64_t now = q->now ? q->now : (int64_t)time(NULL);

	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	int64_t idx;
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL;
	size_t n_ids = 0, count = 0;
	rc = search_live_idx(c, q->edition, &idx, e);
	if (rc || !idx)
		goto out;

	/* Suggestions search the small table first; when titles, leads and
	 * meta have nothing, the bodies (the full table) get their turn:
	 * on a small site a word may live in bodies only, and on a large
	 * one a word found in no title is rare enough to be cheap. */
	const char *table = NULL;
	ids = arena_alloc(a, limit * sizeof *ids);
	for (int t = q->suggest ? SEARCH_T_SUGGEST : SEARCH_T_FULL; t >= 0;
	     t--) {
		table = arena_printf(a, "%s%" PRId64, search_tables[t].prefix,
				     idx);
		/* Weights per column: title, lead, body, meta (the README's
		 * choice); the small table has no body. */
		rc = search_stmt(c,
				 search_rank_sql(a, table,
						 t == SEARCH_T_SUGGEST ?
							 "10.0, 4.0, 2.0" :
							 "10.0, 4.0, 1.0, 2.0"),
				 &st, e);
		if (rc)
			goto out;
		store_bind_text(st, 1, match);
		store_bind_text(st, 2, q->edition);
		store_bind_int(st, 3, now);
		store_bind_int(st, 4, q->rubric_id);
		store_bind_int(st, 5, q->author_id);
		store_bind_text(st, 6, q->kind ? q->kind : "");
		store_bind_int(st, 7, q->from);
		store_bind_int(st, 8, q->to);
		store_bind_int(st, 9,
			       q->suggest ?
				       STORE_SEARCH_MAX_SUGGEST_CANDIDATES :
				       STORE_SEARCH_MAX_CANDIDATES);
		store_bind_int(st, 10, q->by_date ? 1 : 0);
		int src;
		while ((src = sqlite3_step(st)) == SQLITE_ROW) {
			if (count >= q->offset && n_ids < limit)
				ids[n_ids++] = sqlite3_column_int64(st, 0);
			count++;
		}
		store_stmt_done(c, st);
		st = NULL;
		if (src != SQLITE_DONE) {
			rc = search_query_err(c, src, e, "search");
			goto out;
		}
		if (count > 0)
			break;
	}
	int body = strncmp(table, search_tables[SEARCH_T_FULL].prefix,
			   strlen(search_tables[SEARCH_T_FULL].prefix)) ?
			   -1 :
			   2;
	if (total)
		*total = count;
	if (n_ids == 0)
		goto out;

	struct store_search_hit *hits = arena_alloc(a, n_ids * sizeof *hits);
	memset(hits, 0, n_ids * sizeof *hits);
	struct store_article *arts = arena_alloc(a, n_ids * sizeof *arts);
	/* found[i]: the row of ids[i] came back (in rank order, slot i). */
	char *found = arena_alloc(a, n_ids);
	memset(found, 0, n_ids);
	int many = strchr(match, '*') != NULL;
	const char *hsql = search_hit_sql(a, table, body, many);
	int64_t lo = ids[0], hi = ids[0];
	struct buf list;
	buf_init(&list, a);
	for (size_t i = 0; i < n_ids; i++) {
		lo = ids[i] < lo ? ids[i] : lo;
		hi = ids[i] > hi ? ids[i] : hi;
		buf_printf(&list, "%s%" PRId64, i ? "," : "[", ids[i]);
	}
	buf_putc(&list, ']');
	for (size_t i = 0; i < (many ? 1 : n_ids); i++) {
		rc = search_stmt(c, hsql, &st, e);
		if (rc)
			goto out;
		store_bind_text(st, 1, match);
		store_bind_int(st, 2, many ? lo : ids[i]);
		store_bind_int(st, 3, words);
		if (many) {
			store_bind_int(st, 4, hi);
			store_bind_text(st, 5, list.data);
		}
		int src;
		while ((src = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(st, 0);
			size_t k = many ? 0 : i;
			while (many && k < n_ids && ids[k] != id)
				k++;
			if (k == n_ids || found[k])
				continue; /* not asked for: cannot happen */
			store_article_row(a, st, &arts[k]);
			hits[k].title_hl = store_col_text(a, st, 24);
			hits[k].snippet = store_col_text(a, st, 25);
			found[k] = 1;
		}
		store_stmt_done(c, st);
		st = NULL;
		/* A missing row: it went between the two queries (a
		 * concurrent write on another connection cannot do that in
		 * our snapshot, so this is only defensive). */
		if (src != SQLITE_DONE) {
			rc = search_query_err(c, src, e, "search hit");
			goto out;
		}
	}
	size_t got = 0;
	for (size_t i = 0; i < n_ids; i++)
		if (found[i]) {
			hits[got] = hits[i];
			arts[got++] = arts[i];
		}
	/* The relation loader wants a plain array of articles. */
	rc = store_article_relations(c, a, arts, got, e);
	if (rc)
		goto out;
	for (size_t i = 0; i < got; i++)
		hits[i].art = arts[i];
	*out = hits;
	*n = got;
out:
	store_stmt_done(c, st);
	store_read_end(s, c);
	return rc;
}

/* ---- backlog -------------------------------------------------------- */

int store_search_backlog_add(struct store_conn *c, const char *edition,
			     int64_t first_id, struct err *e)
{
	sqlite3_stmt *st;
	int rc = store_stmt(c,
			    "UPDATE search_indexes SET backlog_after = "
			    "min(IFNULL(backlog_after, ?2), ?2) WHERE edition "
			    "= ?1 AND state IN (0, 1)",
			    &st, e);
	if (rc)
		return rc;
	store_bind_text(st, 1, edition);
	sqlite3_bind_int64(st, 2, first_id - 1);
	int src = sqlite3_step(st);
	store_stmt_done(c, st);
	if (src != SQLITE_DONE)
		return store_db_err(c, src, e, "search backlog of %s", edition);
	if (sqlite3_changes(c->db) > 0)
		return 0;
	/* No index yet: an empty one, all of the edition in its backlog. */
	int64_t idx;
	rc = search_idx_create(c->db, edition, SEARCH_IDX_LIVE, &idx, e);
	if (rc)
		return rc;
	char sql[96];
	snprintf(sql, sizeof sql,
		 "UPDATE search_indexes SET backlog_after = 0 WHERE id = "
		 "%" PRId64,
		 idx);
	return search_exec(c->db, sql, e);
}

/* The first index with a backlog: *idx (0 when none), its edition
 * (copied to ed, size n) and *after. On c, in its open transaction. */
static int search_backlog_next(struct store_conn *c, int64_t *idx, char *ed,
			       size_t n, int64_t *after, struct err *e)
{
	*idx = 0;
	sqlite3_stmt *st;
	int rc = store_stmt(c,
			    "SELECT id, edition, backlog_after FROM "
			    "search_indexes WHERE backlog_after IS NOT NULL "
			    "AND state IN (0, 1) ORDER BY id LIMIT 1",
			    &st, e);
	if (rc)
		return rc;
	int src = sqlite3_step(st);
	int too_long = 0;
	if (src == SQLITE_ROW) {
		*idx = sqlite3_column_int64(st, 0);
		too_long = (size_t)snprintf(ed, n, "%s",
					    (const char *)sqlite3_column_text(
						    st, 1)) >= n;
		*after = sqlite3_column_int64(st, 2);
		src = SQLITE_DONE;
	}
	store_stmt_done(c, st);
	if (src != SQLITE_DONE)
		return store_db_err(c, src, e, "search backlog");
	if (too_long)
		return err_set(e, ERR_INVALID,
			       "search backlog: index %" PRId64
			       ": edition code longer than %zu bytes",
			       *idx, n - 1);
	return 0;
}

int store_search_catch_up(store *s, size_t batch, size_t *done, int *more,
			  struct err *e)
{
	*done = 0;
	*more = 0;
	if (batch == 0)
		batch = 100;
	char ed[64];
	int64_t idx = 0, after = 0;
	/* A read first: an empty backlog must not take the writer. */
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	rc = search_backlog_next(c, &idx, ed, sizeof ed, &after, e);
	store_read_end(s, c);
	if (rc || idx == 0)
		return rc;

	rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	/* Again under the lock: another process may have done it. */
	rc = search_backlog_next(c, &idx, ed, sizeof ed, &after, e);
	if (rc || idx == 0)
		return store_write_end(s, c, rc, e);
	int64_t last = after;
	size_t n = 0;
	rc = search_idx_fill(c->db, c->scratch, idx, ed, after, batch, &last,
			     &n, e);
	sqlite3_stmt *st;
	if (rc == 0)
		rc = store_stmt(c,
				"UPDATE search_indexes SET backlog_after = ?2 "
				"WHERE id = ?1",
				&st, e);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, idx);
		/* Fewer than asked for: nothing after them, the index is
		 * complete (writes later than this lock index themselves). */
		if (n < batch)
			sqlite3_bind_null(st, 2);
		else
			sqlite3_bind_int64(st, 2, last);
		int src = sqlite3_step(st);
		store_stmt_done(c, st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "search backlog of %s",
					  ed);
	}
	int64_t next = 0;
	if (rc == 0)
		rc = search_backlog_next(c, &next, ed, sizeof ed, &after, e);
	rc = store_write_end(s, c, rc, e);
	if (rc == 0) {
		*done = n;
		*more = next != 0;
	}
	return rc;
}

int store_search_backlog(store *s, size_t *n, struct err *e)
{
	*n = 0;
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	/* Live or building, an index of the edition has the same articles
	 * to add: count each edition's backlog once (the smallest mark). */
	rc = store_stmt(c,
			"SELECT (SELECT count(*) FROM articles a WHERE "
			"a.edition = b.edition AND a.id > b.after) FROM "
			"(SELECT edition, min(backlog_after) AS after FROM "
			"search_indexes WHERE backlog_after IS NOT NULL AND "
			"state IN (0, 1) GROUP BY edition) b",
			&st, e);
	if (rc == 0) {
		int src;
		while ((src = sqlite3_step(st)) == SQLITE_ROW)
			*n += (size_t)sqlite3_column_int64(st, 0);
		store_stmt_done(c, st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "search backlog");
	}
	store_read_end(s, c);
	return rc;
}

/* ---- reindex -------------------------------------------------------- */

/* Drop the indexes of `edition` in `state` (tables and rows), in one
 * write transaction. */
static int search_drop_state(store *s, const char *edition, int state,
			     struct err *e)
{
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	int64_t ids[SEARCH_MAX_INDEXES];
	size_t n = 0;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"SELECT id FROM search_indexes WHERE edition = ?1 AND "
			"state = ?2",
			&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, edition);
		store_bind_int(st, 2, state);
		int src;
		while ((src = sqlite3_step(st)) == SQLITE_ROW)
			if (n < SEARCH_MAX_INDEXES)
				ids[n++] = sqlite3_column_int64(st, 0);
		store_stmt_done(c, st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "search indexes of %s",
					  edition);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char sql[96];
		for (int t = 0; rc == 0 && t < SEARCH_N_TABLES; t++) {
			snprintf(sql, sizeof sql,
				 "DROP TABLE IF EXISTS %s%" PRId64,
				 search_tables[t].prefix, ids[i]);
			rc = search_exec(c->db, sql, e);
		}
		if (rc == 0) {
			snprintf(sql, sizeof sql,
				 "DELETE FROM search_indexes WHERE id = "
				 "%" PRId64,
				 ids[i]);
			rc = search_exec(c->db, sql, e);
		}
	}
	return store_write_end(s, c, rc, e);
}

/* Start a rebuild: a new index in state building, and the number of
 * articles to put in it. */
static int search_reindex_start(store *s, const char *edition, int64_t *idx,
				size_t *total, struct err *e)
{
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	int yes = 0;
	rc = store_edition_exists(c, edition, &yes, e);
	if (rc == 0 && !yes)
		rc = err_set(e, ERR_INVALID, "reindex: no edition %s", edition);
	if (rc == 0)
		rc = search_idx_create(c->db, edition, SEARCH_IDX_BUILDING, idx,
				       e);
	sqlite3_stmt *st;
	if (rc == 0)
		rc = store_stmt(c,
				"SELECT count(*) FROM articles WHERE edition = "
				"?1",
				&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, edition);
		int src = sqlite3_step(st);
		*total = (size_t)sqlite3_column_int64(st, 0);
		store_stmt_done(c, st);
		if (src != SQLITE_ROW)
			rc = store_db_err(c, src, e, "articles of %s", edition);
	}
	return store_write_end(s, c, rc, e);
}

/* One step of FTS5's incremental merge of all segments into one (a
 * negative page count merges across levels, like 'optimize'). *more is
 * 0 when there was nothing left to merge: FTS5 documents that the
 * command then changes fewer than 2 rows. */
static int search_merge_step(store *s, int64_t idx, int *more, struct err *e)
{
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	*more = 0;
	for (int t = 0; rc == 0 && t < SEARCH_N_TABLES; t++) {
		char sql[200];
		const char *p = search_tables[t].prefix;
		snprintf(sql, sizeof sql,
			 "INSERT INTO %1$s%2$" PRId64 " (%1$s%2$" PRId64
			 ", rank) VALUES ('merge', -%3$d)",
			 p, idx, SEARCH_MERGE_PAGES);
		int before = sqlite3_total_changes(c->db);
		rc = search_exec(c->db, sql, e);
		if (sqlite3_total_changes(c->db) - before >= 2)
			*more = 1;
	}
	return store_write_end(s, c, rc, e);
}

/* The swap: the building index goes live and the live one retires, in
 * one transaction, so a reader sees either the old or the new one. */
static int search_swap(store *s, const char *edition, int64_t idx,
		       struct err *e)
{
	struct store_conn *c;
	int rc = store_write_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = store_stmt(c,
			"UPDATE search_indexes SET state = CASE WHEN id = ?2 "
			"THEN 0 ELSE 2 END WHERE edition = ?1 AND (id = ?2 OR "
			"state = 0)",
			&st, e);
	if (rc == 0) {
		store_bind_text(st, 1, edition);
		store_bind_int(st, 2, idx);
		int src = sqlite3_step(st);
		store_stmt_done(c, st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "search swap of %s",
					  edition);
		else if (sqlite3_changes(c->db) == 0)
			rc = err_set(e, ERR_DB,
				     "search swap of %s: the new index is gone "
				     "(another reindex?)",
				     edition);
	}
	return store_write_end(s, c, rc, e);
}

static int search_reindex_one(store *s, const char *edition, size_t batch,
			      store_search_progress_fn progress, void *ctx,
			      struct err *e)
{
	/* Leftovers of a reindex that was killed. */
	int rc = search_drop_state(s, edition, SEARCH_IDX_BUILDING, e);
	if (rc == 0)
		rc = search_drop_state(s, edition, SEARCH_IDX_RETIRED, e);
	int64_t idx = 0;
	size_t total = 0, done = 0;
	if (rc == 0)
		rc = search_reindex_start(s, edition, &idx, &total, e);
	if (rc)
		return rc;
	if (progress)
		progress(edition, "index", 0, total, ctx);
	struct arena *scratch = arena_new(0);
	int64_t after = 0;
	for (;;) {
		struct store_conn *c;
		size_t n = 0;
		rc = store_write_begin(s, &c, e);
		if (rc)
			break;
		rc = search_idx_fill(c->db, scratch, idx, edition, after, batch,
				     &after, &n, e);
		rc = store_write_end(s, c, rc, e);
		if (rc || n == 0)
			break;
		done += n;
		/* Articles added meanwhile make done pass the first count. */
		if (done > total)
			total = done;
		if (progress)
			progress(edition, "index", done, total, ctx);
	}
	arena_free(scratch);
	size_t steps = 0;
	for (int more = 1; rc == 0 && more;) {
		rc = search_merge_step(s, idx, &more, e);
		if (rc == 0 && progress)
			progress(edition, "merge", ++steps, 0, ctx);
	}
	if (rc == 0)
		rc = search_swap(s, edition, idx, e);
	if (rc == 0)
		rc = search_drop_state(s, edition, SEARCH_IDX_RETIRED, e);
	if (rc == 0 && progress)
		progress(edition, "done", done, done, ctx);
	if (rc) /* leave no half-built index that saves keep writing to */
		search_drop_state(s, edition, SEARCH_IDX_BUILDING, NULL);
	return rc;
}

int store_search_reindex(store *s, const char *edition, size_t batch,
			 store_search_progress_fn progress, void *ctx,
			 struct err *e)
{
	if (batch == 0)
		batch = SEARCH_BATCH_DEFAULT;
	if (edition)
		return search_reindex_one(s, edition, batch, progress, ctx, e);
	struct arena *a = arena_new(0);
	struct store_edition *eds;
	size_t n;
	int rc = store_edition_list(s, a, &eds, &n, e);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = search_reindex_one(s, eds[i].code, batch, progress, ctx,
					e);
	arena_free(a);
	return rc;
}
