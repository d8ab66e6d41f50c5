/*
 * demo.h - the demo site and synthetic benchmark content (`gazette demo`).
 *
 * For: filling a store with the embedded demo site (demo/content/, compiled
 * into the binary; see util/embed.h) so that a fresh install looks like a
 * newsroom on an ordinary day, and with many generated articles so that
 * benchmarks run against a realistically sized database.
 * Not for: importing real content (there is no file-system input here),
 * creating editions (the caller upserts them first, from the config) or
 * creating newsroom users.
 */
#ifndef GAZETTE_DEMO_DEMO_H
#define GAZETTE_DEMO_DEMO_H

#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

/*
 * Load the embedded demo site into `s`: site settings (demo/content/
 * site.ini, one setting per key: "name.en", "social.telegram", ...),
 * rubrics, authors, the articles of demo/content/articles/ and one live
 * event with its entries.
 *
 * Only editions that exist in the store are filled; content written for
 * another edition is skipped (site settings are stored whatever their
 * language suffix). Every article is PUBLISHED with publish_at = now -
 * age_hours * 3600 minus up to 40 minutes of jitter derived from its key
 * (the same for every edition of a key); live entries are dated
 * minutes_ago before `now` and the event starts started_hours_ago before
 * it. Articles are saved edition by edition in edition position order;
 * the first edition saved for a key starts the translation group and the
 * others join it.
 *
 * Idempotent: settings, rubrics (by key), authors (by slug; a user or photo
 * already linked to the author is kept) and the live event (by key) are
 * updated; an article whose slug already exists in its edition is left as
 * it is (a re-run does not rewrite it, but a new translation still joins
 * its group); a live entry whose Markdown already exists in the event and
 * edition is skipped.
 *
 * All the embedded content is parsed and checked before anything is
 * written, and all writes happen in one bulk transaction
 * (store_bulk_begin/commit): on any error nothing is kept.
 *
 * s: an open store with its editions upserted; the caller keeps it.
 * now: Unix seconds the demo dates are relative to (normally time(NULL)).
 * Returns 0, or ERR_INVALID for bad demo content (e names the embedded
 * file and line: "demo/content/articles/x.en.md:7: unknown rubric 'polit'"),
 * ERR_NOTFOUND when a required content file is not embedded or the store
 * has no editions, or the ERR_* of the store or Markdown renderer, with
 * the object being written in the message.
 * Not thread-safe with other users of inih: it changes inih's line-length
 * and comment options for the duration of the call (and restores them).
 */
int demo_load(store *s, int64_t now, struct err *e);

/*
 * Add n synthetic PUBLISHED articles to every edition of the store, for
 * benchmarks. The i-th article of every edition belongs to one
 * translation group (started by the first edition by position) and says
 * the same thing in that edition's language: Russian text for "ru",
 * English for every other edition. Each has a title, a lead and a
 * 300-900 word Markdown body (paragraphs, a sub-heading, a bullet list,
 * a quote) made from built-in word lists, body_html rendered with
 * render_md_to_html, kind mostly "news", a random rubric of the store,
 * 1-2 random existing authors (none when the store has none), 1-3 tags
 * from a pool of 200 per language, and publish_at spread over the two
 * years before the call. Slugs are "synthetic-<edition>-<number>-<title
 * words>", where numbers continue after the number of articles the
 * edition already holds, so a second run adds new slugs. The text is
 * deterministic for a given number.
 *
 * The articles are written with store_article_insert_many, 128 pairs a
 * call, so they get no revision row (their history starts with their
 * first edit) but are otherwise what store_article_save makes, search
 * index included. The calls go in bulk transactions of about 2,000
 * articles: a crash or kill leaves a consistent database holding the
 * transactions committed so far (whole translation pairs, fully
 * indexed); an error rolls back the current transaction only and
 * returns. One helper thread generates and renders the texts ahead of
 * the writes (the store is called from the calling thread only); if it
 * cannot be started, the work is done inline.
 *
 * progress: when non-zero, print "demo: N/n articles per edition (en, ru)"
 * to stderr on one line, redrawn with \r at most 10 times a second, and a
 * newline at the end.
 * Returns 0, ERR_INVALID when n < 0, ERR_NOTFOUND when the store has no
 * editions, or the ERR_* of the store (a slug conflict is ERR_CONFLICT) or
 * renderer with the article number in e. n == 0 does nothing.
 */
int demo_generate(store *s, long n, int progress, struct err *e);

#endif
