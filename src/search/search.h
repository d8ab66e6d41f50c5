/*
 * search.h - full-text search: the FTS5 tokenizer and the query builder.
 *
 * For: turning article text and user queries into the same stemmed,
 * case- and accent-folded terms (an SQLite FTS5 tokenizer named "gazette")
 * and turning any string a reader types into a safe FTS5 MATCH expression.
 * Not for: the FTS tables themselves, indexing or running queries - the
 * store owns its schema and SQL (see src/search/README.md for the tables,
 * ranking and snippet SQL we recommend); PostgreSQL search (tsvector).
 *
 * This header does not include <sqlite3.h>: the tokenizer takes a
 * `struct sqlite3 *`, which is the same type as sqlite3.h's `sqlite3 *`
 * (sqlite3.h says `typedef struct sqlite3 sqlite3;`), so the store passes
 * its handle as is and nobody else has to see SQLite types. This is the
 * one planned exception to "only src/store touches SQLite".
 *
 * Thread safety: every function here may be called from any thread.
 */
#ifndef GAZETTE_SEARCH_SEARCH_H
#define GAZETTE_SEARCH_SEARCH_H

struct arena;
struct err;
struct sqlite3;

/* Bump when tokenization changes (folding, word boundaries, stemmer
 * choice): indexes built by an older version must then be rebuilt, e.g.
 * the store keeps this number in `settings` and runs FTS5's 'rebuild'
 * command at start-up when it differs. */
#define SEARCH_TOKENIZER_VERSION 1

/* Query limits: input past SEARCH_QUERY_MAX_BYTES bytes or past
 * SEARCH_QUERY_MAX_TERMS words/phrases is ignored. */
#define SEARCH_QUERY_MAX_BYTES 256
#define SEARCH_QUERY_MAX_TERMS 16
/* The last word gets a prefix match only from this many letters on (a
 * one-letter prefix would make FTS5 merge a large part of the index). */
#define SEARCH_PREFIX_MIN_CHARS 2

/*
 * Register the FTS5 tokenizer "gazette" on connection db, so that tables
 * declared with
 *
 *     tokenize = 'gazette <lang>'
 *
 * can be created, written and queried on it. Must be called on every
 * connection that opens such a table (writer and each reader) before the
 * table is first used, else SQLite reports "no such tokenizer: gazette".
 * Calling it twice on one connection is harmless.
 *
 * <lang> is the edition's language code: "en" (or "english") and "ru"
 * (or "russian") stem with Snowball; any other code, or none, folds only.
 * More than one argument is an error at CREATE VIRTUAL TABLE time.
 *
 * What the tokenizer does, for documents and queries alike:
 *   - words are runs of letters and digits (Latin, Greek, Cyrillic, and
 *     the letters of Armenian, Georgian, Hebrew, Arabic, CJK, Hangul);
 *     everything else separates words ("Санкт-Петербург" is two words);
 *     an apostrophe between letters is dropped ("O'Brien" -> "obrien");
 *     soft hyphens and combining marks inside a word are dropped;
 *   - case is folded and diacritics stripped (é -> e, ß -> ss, Ё -> е);
 *   - words are stemmed by script: Cyrillic words with the Russian and
 *     Latin ones with the English stemmer, in both "en" and "ru" tables
 *     (Russian articles quote English names and the other way round);
 *   - in a prefix query (`"partnersh"*`) the last word is folded but not
 *     stemmed, and its stem is offered as well ("выборах"* also finds
 *     "выборы"), so that as-you-type matching works on whole words too;
 *   - invalid UTF-8 bytes separate words; words longer than 128 bytes
 *     after folding are cut and not stemmed;
 *   - start and end byte offsets point into the original text, so
 *     highlight() and snippet() mark the words as they were written.
 *
 * Returns 0, or ERR_DB (e says why) when this SQLite has no FTS5 or the
 * registration failed.
 */
int search_tokenizer_register(struct sqlite3 *db, struct err *e);

/*
 * 1 when lang is safe to put into `tokenize = 'gazette <lang>'` in DDL
 * (1 to 15 chars of a-z, 0-9, '_' and '-'), else 0. The store builds
 * CREATE VIRTUAL TABLE from the edition's language and cannot bind it.
 */
int search_lang_valid(const char *lang);

/*
 * Turn what a reader typed into an FTS5 MATCH expression that FTS5 always
 * accepts, or into nothing.
 *
 *   - Every word becomes a quoted FTS5 string: `"word"`. FTS5 syntax in
 *     the input (AND OR NOT NEAR ( ) * ^ : + - { } column filters) is
 *     plain text and never reaches the query parser as syntax.
 *   - Text between two double quotes (also « » “ ” „) is a phrase:
 *     `"a b c"`. A quote left without a partner is ignored.
 *   - Terms are ANDed. A word or phrase with no letter or digit is
 *     dropped ("*", "((((", "—").
 *   - With prefix_last != 0 (as-you-type), the last word gets `*` when the
 *     input does not end in a space or a closed phrase and its last word
 *     has at least SEARCH_PREFIX_MIN_CHARS letters.
 *   - Only the first SEARCH_QUERY_MAX_BYTES bytes and the first
 *     SEARCH_QUERY_MAX_TERMS terms are used; invalid UTF-8 and control
 *     characters are dropped.
 *
 * user_query may be NULL (same as ""). On success *fts_query is a
 * NUL-terminated string in arena a, or NULL when nothing searchable is
 * left (the caller shows "nothing found" without running a query).
 * Returns 0; never fails on any input. e is unused for now (kept so that
 * callers need no change if a failure mode appears).
 */
int search_query_build(struct arena *a, const char *user_query,
		       int prefix_last, char **fts_query, struct err *e);

#endif
