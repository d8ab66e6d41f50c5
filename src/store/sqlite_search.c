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
 * Cost bound of a query: the candidates are the newest
 * STORE_SEARCH_MAX_CANDIDATES matches passing the filters, found in rowid
 * order (FTS5 streams that without ranking); only those get bm25. See
 * search_rank_sql.
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
	"group_concat(t.name, ' · ') FROM article_authors x JOIN "             \
	"author_texts t ON t.author_id = x.author_id AND t.edition = "         \
	"a.edition WHERE x.article_id = a.id), ''), IFNULL((SELECT r.name "    \
	"FROM rubric_texts r WHERE r.rubric_id = a.rubric_id AND r.edition = " \
	"a.edition), ''), IFNULL((SELECT group_concat(t.name, ' · ') FROM "    \
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

/* SQL text of the index statements of table article_fts_<idx>, in buf
 * `out` (size 160). */
static const char *search_sql_del(char *out, size_t n, int64_t idx)
{
	snprintf(out, n, "DELETE FROM article_fts_%" PRId64 " WHERE rowid = ?1",
		 idx);
	return out;
}

static const char *search_sql_ins(char *out, size_t n, int64_t idx)
{
	snprintf(out, n,
		 "INSERT INTO article_fts_%" PRId64
		 " (rowid, title, lead, body, meta) VALUES (?1, ?2, ?3, ?4, "
		 "?5)",
		 idx);
	return out;
}

/* Write d into index idx on the writer c: delete the old row (there may
 * be one: an update, or a concurrent save during reindex), insert. */
static int search_doc_write(struct store_conn *c, int64_t idx,
			    const struct search_doc *d, struct err *e)
{
	char sql[160];
	sqlite3_stmt *st;
	int rc = store_stmt(c, search_sql_del(sql, sizeof sql, idx), &st, e);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, d->id);
	int src = sqlite3_step(st);
	store_stmt_done(c, st);
	if (src != SQLITE_DONE)
		return store_db_err(c, src, e, "search index %" PRId64
				    ": article %" PRId64, idx, d->id);
	rc = store_stmt(c, search_sql_ins(sql, sizeof sql, idx), &st, e);
	if (rc)
		return rc;
	search_doc_bind(st, d);
	src = sqlite3_step(st);
	store_stmt_done(c, st);
	if (src != SQLITE_DONE)
		return store_db_err(c, src, e, "search index %" PRId64
				    ": article %" PRId64, idx, d->id);
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
	char sql[256];
	snprintf(sql, sizeof sql,
		 "CREATE VIRTUAL TABLE article_fts_%" PRId64
		 " USING fts5(title, lead, body, meta, tokenize = 'gazette%s%s', "
		 "prefix = '2 3')",
		 *idx, search_lang_valid(edition) ? " " : "",
		 search_lang_valid(edition) ? edition : "");
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return search_db_err(db, rc, e, "search index: create");
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
	char dsql[160], isql[160];
	sqlite3_stmt *doc = NULL, *del = NULL, *ins = NULL;
	int rc = sqlite3_prepare_v2(db,
				    SEARCH_DOC_SQL("a.edition = ?1 AND a.id > "
						   "?2 ORDER BY a.id LIMIT ?3"),
				    -1, &doc, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db,
					search_sql_del(dsql, sizeof dsql, idx),
					-1, &del, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db,
					search_sql_ins(isql, sizeof isql, idx),
					-1, &ins, NULL);
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
		sqlite3_bind_int64(del, 1, d.id);
		src = sqlite3_step(del);
		sqlite3_reset(del);
		if (src == SQLITE_DONE) {
			search_doc_bind(ins, &d);
			src = sqlite3_step(ins);
			sqlite3_reset(ins);
			sqlite3_clear_bindings(ins);
		}
		if (src != SQLITE_DONE) {
			rc = search_db_err(db, src, e, "search index: write");
			goto out;
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
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
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
	int rc = sqlite3_prepare_v2(db, "SELECT code FROM editions ORDER BY code",
				    -1, &st, NULL);
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
	rc = rc == SQLITE_DONE ? 0 : search_db_err(db, rc, e, "search: editions");
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
				       "search: article %" PRId64 " is gone", id) :
			       store_db_err(c, src, e,
					    "search: article %" PRId64, id);
	}
	struct search_doc d;
	search_doc_build(c->scratch, st, &d);
	/* The doc's texts are copies in scratch: the row may go. */
	store_stmt_done(c, st);
	for (size_t i = 0; rc == 0 && i < n_own; i++)
		rc = search_doc_write(c, own[i], &d, e);
	char sql[160];
	for (size_t i = 0; rc == 0 && is_update && i < n_other; i++) {
		rc = store_stmt(c, search_sql_del(sql, sizeof sql, other[i]),
				&st, e);
		if (rc)
			break;
		store_bind_int(st, 1, id);
		src = sqlite3_step(st);
		store_stmt_done(c, st);
		if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "search index %" PRId64,
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
#define SEARCH_WIDEN_TERMS 8
#define SEARCH_WIDEN_MAX_WORD 64 /* code points of a word we widen */

static const char *const search_endings[] = {
	"иями", "ями", "ами", "ого", "его", "ому", "ему", "ыми", "ими",
	"иях", "иям", "ией", "ах", "ях", "ам", "ям", "ом", "ем", "ой",
	"ей", "ий", "ый", "ая", "яя", "ое", "ее", "ые", "ие", "ых", "их",
	"ую", "юю", "ов", "ев", "ия", "ии", "ью", "ья", "а", "я", "о",
	"е", "ы", "и", "у", "ю", "ь", "й",
};
static const char *const search_suffixes[] = {
	"", "а", "е", "у", "ы", "и", "ю", "ом",
};

/* Decode one UTF-8 code point at s (n bytes left); *len gets its length
 * (1 for an invalid byte, returned as 0xFFFD). */
static uint32_t search_utf8(const unsigned char *s, size_t n, size_t *len)
{
	uint32_t c = s[0];
	size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 :
			  (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
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
	enum { N_SUF = sizeof search_suffixes / sizeof *search_suffixes };
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
			cand[n_cand++] = arena_printf(
				a, "%.*s%s%s", (int)(last - 2), low.data,
				low.data + last, i2 ? "е" : "а");
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
		const char *stem = arena_strndup(
			a, (const char *)st, (size_t)sb_stemmer_length(stemmer));
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

/* ---- ranking -------------------------------------------------------- */

/*
 * gazette_rank(fts_table, w_title, w_lead, w_body, w_meta): BM25 without
 * the IDF factor, negated like FTS5's bm25() (lower is better). FTS5's
 * bm25() finds each phrase's IDF by walking the phrase's whole doclist
 * once per query: a few milliseconds per common word at 200,000
 * articles, and a widened Russian word is several phrases. Every
 * candidate matches every term anyway (terms are ANDed), so IDF would
 * only weigh one query word against another; term frequency with length
 * normalisation and the column weights is what orders the results.
 * Per row it reads the row's token count and its phrase instances; the
 * average row length comes once per query from FTS5's totals.
 */
#define SEARCH_RANK_K1 1.2
#define SEARCH_RANK_B 0.75
#define SEARCH_RANK_PHRASES 64 /* phrases that count; more are ignored */

static void search_rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
			   sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	double *avg = api->xGetAuxdata(fts, 0);
	int rc = SQLITE_OK;
	if (!avg) {
		sqlite3_int64 rows = 0, tokens = 0;
		rc = api->xRowCount(fts, &rows);
		if (rc == SQLITE_OK)
			rc = api->xColumnTotalSize(fts, -1, &tokens);
		if (rc == SQLITE_OK) {
			avg = sqlite3_malloc(sizeof *avg);
			if (!avg)
				rc = SQLITE_NOMEM;
		}
		if (rc == SQLITE_OK) {
			*avg = rows > 0 && tokens > 0 ?
				       (double)tokens / (double)rows :
				       1.0;
			rc = api->xSetAuxdata(fts, avg, sqlite3_free);
		}
		if (rc != SQLITE_OK) {
			sqlite3_result_error_code(ctx, rc);
			return;
		}
	}
	double f[SEARCH_RANK_PHRASES] = {0};
	int n_inst = 0, dl = 0;
	rc = api->xInstCount(fts, &n_inst);
	for (int i = 0; rc == SQLITE_OK && i < n_inst; i++) {
		int ph, col, off;
		rc = api->xInst(fts, i, &ph, &col, &off);
		if (rc == SQLITE_OK && ph >= 0 && ph < SEARCH_RANK_PHRASES)
			f[ph] += col >= 0 && col < nval ?
					 sqlite3_value_double(val[col]) :
					 1.0;
	}
	if (rc == SQLITE_OK)
		rc = api->xColumnSize(fts, -1, &dl);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	double norm = SEARCH_RANK_K1 *
		      (1.0 - SEARCH_RANK_B + SEARCH_RANK_B * (double)dl / *avg);
	double score = 0;
	int n_phrase = api->xPhraseCount(fts);
	for (int p = 0; p < n_phrase && p < SEARCH_RANK_PHRASES; p++)
		if (f[p] > 0)
			score += f[p] * (SEARCH_RANK_K1 + 1.0) / (f[p] + norm);
	sqlite3_result_double(ctx, -score);
}

/* ---- snippets ------------------------------------------------------- */

/*
 * gazette_snippet(fts_table, col, words): the best fragment of about
 * `words` tokens of column col, U+0002/U+0003 around matched phrases,
 * "…" where the text was cut; the first `words` tokens when nothing
 * matched there. The same contract as FTS5's snippet(), built cheaper:
 * snippet() tokenizes the whole column twice (finding sentences, then
 * highlighting), and tokenizing is the stemmer's work on every word,
 * the larger part of a results page's time. Here the window comes from
 * the match positions FTS5 already has (xInst), and the column is
 * tokenized once, only up to the end of the window. The window is the
 * one with the most distinct phrases, the earliest of those, with a
 * quarter of it before the first match as context.
 */
#define SEARCH_SNIPPET_MAX 64 /* words */

struct search_snip {
	int first, last; /* token window */
	int tok;         /* tokens seen */
	int starts[SEARCH_SNIPPET_MAX], ends[SEARCH_SNIPPET_MAX]; /* bytes */
};

static int search_snip_cb(void *ctx, int tflags, const char *token, int n,
			  int start, int end)
{
	(void)token;
	(void)n;
	struct search_snip *sn = ctx;
	if (tflags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;
	int i = sn->tok++;
	if (i > sn->last)
		return SQLITE_DONE; /* past the window: stop tokenizing */
	if (i >= sn->first) {
		sn->starts[i - sn->first] = start;
		sn->ends[i - sn->first] = end;
	}
	return SQLITE_OK;
}

static void search_snippet_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
			      sqlite3_context *ctx, int nval,
			      sqlite3_value **val)
{
	if (nval < 2) {
		sqlite3_result_error(ctx, "gazette_snippet: col, words", -1);
		return;
	}
	int col = sqlite3_value_int(val[0]);
	int words = sqlite3_value_int(val[1]);
	if (words < 4)
		words = 4;
	if (words > SEARCH_SNIPPET_MAX)
		words = SEARCH_SNIPPET_MAX;
	const char *text = NULL;
	int len = 0, ntok = 0, n_inst = 0;
	int rc = api->xColumnText(fts, col, &text, &len);
	if (rc == SQLITE_OK)
		rc = api->xColumnSize(fts, col, &ntok);
	if (rc == SQLITE_OK)
		rc = api->xInstCount(fts, &n_inst);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	if (!text || len == 0 || ntok == 0) {
		sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		return;
	}
	/* Matches in col: token offset, phrase and phrase length. Instances
	 * come ordered by column, then offset. */
	int *off = sqlite3_malloc64((sizeof(int) * 3) * (size_t)(n_inst + 1));
	if (!off) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	int *phr = off + n_inst + 1, *plen = phr + n_inst + 1, m = 0;
	for (int i = 0; rc == SQLITE_OK && i < n_inst; i++) {
		int ph, c, o;
		rc = api->xInst(fts, i, &ph, &c, &o);
		if (rc == SQLITE_OK && c == col) {
			off[m] = o;
			phr[m] = ph;
			plen[m] = api->xPhraseSize(fts, ph);
			m++;
		}
	}
	struct search_snip sn = {0};
	int best = -1, best_score = 0;
	for (int i = 0; rc == SQLITE_OK && i < m; i++) {
		/* distinct phrases in [off[i], off[i] + words) */
		uint64_t seen = 0;
		int score = 0;
		for (int j = i; j < m && off[j] < off[i] + words; j++) {
			uint64_t bit = 1ull << (phr[j] & 63);
			if (!(seen & bit)) {
				seen |= bit;
				score++;
			}
		}
		if (score > best_score) {
			best_score = score;
			best = i;
		}
	}
	sn.first = best < 0 ? 0 : off[best] - words / 4;
	if (sn.first + words > ntok)
		sn.first = ntok - words;
	if (sn.first < 0)
		sn.first = 0;
	sn.last = sn.first + words - 1;
	if (sn.last > ntok - 1)
		sn.last = ntok - 1;
	if (rc == SQLITE_OK) {
		rc = api->xTokenize(fts, text, len, &sn, search_snip_cb);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc == SQLITE_OK && sn.tok <= sn.first) /* fewer tokens than said */
		rc = SQLITE_CORRUPT_VTAB;
	if (rc != SQLITE_OK) {
		sqlite3_free(off);
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	int last = sn.tok - 1 < sn.last ? sn.tok - 1 : sn.last;
	sqlite3_str *out = sqlite3_str_new(NULL);
	if (sn.first > 0)
		sqlite3_str_appendall(out, "…");
	/* Walk the window's tokens; a token inside a match instance (from
	 * its first token to its phrase length) is marked, adjacent marked
	 * tokens share one pair of markers. */
	int pos = sn.starts[0], open = 0, k = 0;
	for (int t = sn.first; t <= last; t++) {
		int marked = 0;
		while (k < m && off[k] + plen[k] <= t)
			k++;
		for (int j = k; j < m && off[j] <= t && !marked; j++)
			marked = t < off[j] + plen[j];
		int ts = sn.starts[t - sn.first], te = sn.ends[t - sn.first];
		if (marked && !open) {
			sqlite3_str_append(out, text + pos, ts - pos);
			sqlite3_str_appendchar(out, 1, '\x02');
			pos = ts;
			open = 1;
		} else if (!marked && open) {
			sqlite3_str_appendchar(out, 1, '\x03');
			open = 0;
		}
		sqlite3_str_append(out, text + pos, te - pos);
		pos = te;
	}
	if (open)
		sqlite3_str_appendchar(out, 1, '\x03');
	if (last < ntok - 1)
		sqlite3_str_appendall(out, "…");
	sqlite3_free(off);
	rc = sqlite3_str_errcode(out);
	int n = sqlite3_str_length(out);
	char *res = sqlite3_str_finish(out);
	if (rc != SQLITE_OK) {
		sqlite3_free(res);
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	sqlite3_result_text(ctx, res ? res : "", n, res ? sqlite3_free :
							  SQLITE_STATIC);
}

/* Register gazette_rank and gazette_snippet on db (the documented way to
 * reach fts5_api, as search_tokenizer_register does). Called the first
 * time a connection's search statement does not prepare for want of
 * them. */
static int search_funcs_register(sqlite3 *db, struct err *e)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr",
					  NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) != SQLITE_ROW)
		rc = SQLITE_ERROR;
	sqlite3_finalize(st);
	if (rc != SQLITE_OK || !api || api->iVersion < 2)
		return err_set(e, ERR_DB, "search: no fts5 api: %s",
			       sqlite3_errmsg(db));
	rc = api->xCreateFunction(api, "gazette_rank", NULL, search_rank_fn,
				  NULL);
	if (rc == SQLITE_OK)
		rc = api->xCreateFunction(api, "gazette_snippet", NULL,
					  search_snippet_fn, NULL);
	if (rc != SQLITE_OK)
		return err_set(e, ERR_DB, "search: functions: %s",
			       sqlite3_errstr(rc));
	return 0;
}

/* store_stmt for SQL that calls gazette_rank or gazette_snippet,
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
	rc = search_funcs_register(c->db, e);
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
static const char *search_rank_sql(struct arena *a, int64_t idx)
{
	return arena_printf(
		a,
		"WITH cand AS MATERIALIZED (SELECT a.id AS id, a.publish_at AS "
		"at, gazette_rank(article_fts_%1$" PRId64 ", 10.0, 4.0, 1.0, 2.0) AS "
		"score FROM article_fts_%1$" PRId64 " CROSS JOIN articles a ON "
		"a.id = article_fts_%1$" PRId64 ".rowid WHERE article_fts_%1$" PRId64
		" MATCH ?1 AND a.edition = ?2 AND a.status = 3 AND "
		"a.publish_at <= ?3 AND (?4 = 0 OR a.rubric_id = ?4) AND (?5 = "
		"0 OR EXISTS (SELECT 1 FROM article_authors x WHERE "
		"x.article_id = a.id AND x.author_id = ?5)) AND (?6 = '' OR "
		"a.kind = ?6) AND (?7 = 0 OR a.publish_at >= ?7) AND (?8 = 0 OR "
		"a.publish_at < ?8) ORDER BY article_fts_%1$" PRId64
		".rowid DESC LIMIT ?9) SELECT id FROM cand ORDER BY CASE WHEN "
		"?10 THEN -at ELSE score * (1.0 + 0.5 / (1.0 + max(0, ?3 - at) "
		"/ 2592000.0)) END, CASE WHEN ?10 THEN -id ELSE id END",
		idx);
}

static const char *search_hit_sql(struct arena *a, int64_t idx)
{
	return arena_printf(
		a,
		"SELECT " STORE_ARTICLE_COLUMNS_NOBODY
		", highlight(article_fts_%1$" PRId64
		", 0, char(2), char(3)), CASE WHEN instr(highlight(article_fts_%1$" PRId64
		", 1, char(2), char(3)), char(2)) THEN NULL ELSE gazette_snippet(article_fts_%1$" PRId64
		", 2, ?3) END, highlight(article_fts_%1$" PRId64
		", 1, char(2), char(3)) FROM article_fts_%1$" PRId64
		" CROSS JOIN articles a ON a.id = article_fts_%1$" PRId64
		".rowid LEFT JOIN view_counts v ON v.article_id = a.id WHERE "
		"article_fts_%1$" PRId64 " MATCH ?1 AND article_fts_%1$" PRId64
		".rowid = ?2",
		idx);
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

	rc = search_stmt(c, search_rank_sql(a, idx), &st, e);
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
	store_bind_int(st, 9, STORE_SEARCH_MAX_CANDIDATES);
	store_bind_int(st, 10, q->by_date ? 1 : 0);
	ids = arena_alloc(a, limit * sizeof *ids);
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
	if (total)
		*total = count;
	if (n_ids == 0)
		goto out;

	struct store_search_hit *hits = arena_alloc(a, n_ids * sizeof *hits);
	memset(hits, 0, n_ids * sizeof *hits);
	struct store_article *arts = arena_alloc(a, n_ids * sizeof *arts);
	size_t got = 0;
	const char *hsql = search_hit_sql(a, idx);
	for (size_t i = 0; i < n_ids; i++) {
		rc = search_stmt(c, hsql, &st, e);
		if (rc)
			goto out;
		store_bind_text(st, 1, match);
		store_bind_int(st, 2, ids[i]);
		store_bind_int(st, 3, words);
		src = sqlite3_step(st);
		if (src == SQLITE_ROW) {
			struct store_search_hit *h = &hits[got];
			store_article_row(a, st, &arts[got]);
			h->title_hl = store_col_text(a, st, 24);
			char *body = store_col_text(a, st, 25);
			char *lead = store_col_text(a, st, 26);
			/* The lead when it matched (then the body snippet
			 * was not even made: it is the costly part), else
			 * the body's best fragment when that matched, else
			 * the lead as a summary. */
			h->snippet = strchr(lead, '\x02') ? lead :
				     strchr(body, '\x02') || !*lead ? body :
								      lead;
			got++;
		}
		store_stmt_done(c, st);
		st = NULL;
		/* SQLITE_DONE: the row went between the two queries (a
		 * concurrent write on another connection cannot do that in
		 * our snapshot, so this is only defensive). */
		if (src != SQLITE_ROW && src != SQLITE_DONE) {
			rc = search_query_err(c, src, e, "search hit");
			goto out;
		}
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
		snprintf(sql, sizeof sql,
			 "DROP TABLE IF EXISTS article_fts_%" PRId64, ids[i]);
		rc = search_exec(c->db, sql, e);
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
	char sql[160];
	snprintf(sql, sizeof sql,
		 "INSERT INTO article_fts_%1$" PRId64
		 " (article_fts_%1$" PRId64 ", rank) VALUES ('merge', -%2$d)",
		 idx, SEARCH_MERGE_PAGES);
	int before = sqlite3_total_changes(c->db);
	rc = search_exec(c->db, sql, e);
	*more = sqlite3_total_changes(c->db) - before >= 2;
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
		progress(edition, 0, total, ctx);
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
			progress(edition, done, total, ctx);
	}
	arena_free(scratch);
	for (int more = 1; rc == 0 && more;)
		rc = search_merge_step(s, idx, &more, e);
	if (rc == 0)
		rc = search_swap(s, edition, idx, e);
	if (rc == 0)
		rc = search_drop_state(s, edition, SEARCH_IDX_RETIRED, e);
	if (rc == 0 && progress)
		progress(edition, done, total, ctx);
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
		rc = search_reindex_one(s, eds[i].code, batch, progress, ctx, e);
	arena_free(a);
	return rc;
}
