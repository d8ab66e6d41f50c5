/*
 * sqlite_search_fts.c - the FTS5 auxiliary functions of search:
 * gazette_rank (BM25 term frequency without the IDF walk) and
 * gazette_excerpt (the highlighted excerpt, tokenizing no more than it
 * shows), and their registration on a connection.
 *
 * For: store_search_funcs_register, called by sqlite_search.c the first
 * time a connection's search statement needs them. Not for: the query
 * and the index (sqlite_search.c), the tokenizer (src/search).
 */
#include "store/internal.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

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
#define SEARCH_RANK_K1      1.2
#define SEARCH_RANK_B       0.75
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

/* ---- excerpts ------------------------------------------------------- */

/*
 * gazette_excerpt(fts_table, lead_col, body_col, words): what a result
 * shows under its title, with U+0002/U+0003 around matched phrases:
 *   - the whole lead, marked, when the query matched in the lead (the
 *     lead is the article's own summary);
 *   - else the body's best fragment of `words` tokens (the window with
 *     the most distinct phrases, the earliest of those, a quarter of it
 *     before the first match), "…" where the text was cut;
 *   - else the lead as it is, or the body's first `words` tokens.
 * FTS5's snippet() tokenizes the whole column twice (sentences, then
 * highlighting), and tokenizing is the stemmer's work on every word: the
 * larger part of a results page's time. Here the match positions come
 * from FTS5 (xInst, no tokenizing), which column to show follows from
 * them, and the chosen text is tokenized once, only up to the end of the
 * window.
 */
#define SEARCH_EXCERPT_MAX 64 /* words */

struct search_win {
	int first, last;    /* token window, inclusive */
	int tok;            /* tokens seen */
	int *starts, *ends; /* byte range of each window token */
};

static int search_win_cb(void *ctx, int tflags, const char *token, int n,
			 int start, int end)
{
	(void)token;
	(void)n;
	struct search_win *w = ctx;
	if (tflags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;
	int i = w->tok++;
	if (i > w->last)
		return SQLITE_DONE; /* past the window: stop tokenizing */
	if (i >= w->first) {
		w->starts[i - w->first] = start;
		w->ends[i - w->first] = end;
	}
	return SQLITE_OK;
}

struct search_inst {
	int off, len; /* first token, tokens of the phrase */
	int phrase;   /* which phrase of the query */
};

/* First token of the best window of `words` tokens over inst[0..m) (by
 * offset) in a column of ntok tokens: the one holding the most distinct
 * phrases, the earliest of those, starting a quarter of the window
 * before its first match; 0 when m is 0. */
static int search_best_window(const struct search_inst *inst, int m, int words,
			      int ntok)
{
	int best = -1, best_score = 0;
	for (int i = 0; i < m; i++) {
		uint64_t seen = 0;
		int score = 0;
		for (int j = i; j < m && inst[j].off < inst[i].off + words;
		     j++) {
			uint64_t bit = 1ull << (inst[j].phrase & 63);
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
	if (best < 0)
		return 0;
	int first = inst[best].off - words / 4;
	if (first + words > ntok)
		first = ntok - words;
	return first < 0 ? 0 : first;
}

/* Append tokens [first, last] of column col (text, ntok tokens) to out,
 * from the first token to the end of the last, with markers around the
 * tokens covered by inst[0..m) (sorted by offset) and "…" where cut. */
static int search_win_put(const Fts5ExtensionApi *api, Fts5Context *fts,
			  const char *text, int len, int ntok, int first,
			  int last, const struct search_inst *inst, int m,
			  sqlite3_str *out)
{
	if (last >= ntok)
		last = ntok - 1;
	if (first < 0)
		first = 0;
	if (last < first)
		return SQLITE_OK;
	struct search_win w = {.first = first, .last = last};
	w.starts =
		sqlite3_malloc64(2 * sizeof(int) * (size_t)(last - first + 1));
	if (!w.starts)
		return SQLITE_NOMEM;
	w.ends = w.starts + (last - first + 1);
	int rc = api->xTokenize(fts, text, len, &w, search_win_cb);
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	if (rc == SQLITE_OK && w.tok <= first) /* fewer tokens than said */
		rc = SQLITE_CORRUPT_VTAB;
	if (rc != SQLITE_OK) {
		sqlite3_free(w.starts);
		return rc;
	}
	if (w.tok - 1 < last)
		last = w.tok - 1;
	/* Text before the first token and after the last one (quotes,
	 * a full stop) belongs to the excerpt when nothing was cut there. */
	if (first > 0)
		sqlite3_str_appendall(out, "…");
	int pos = first > 0 ? w.starts[0] : 0, open = 0, k = 0;
	for (int t = first; t <= last; t++) {
		while (k < m && inst[k].off + inst[k].len <= t)
			k++;
		int marked = 0;
		for (int j = k; j < m && inst[j].off <= t && !marked; j++)
			marked = t < inst[j].off + inst[j].len;
		int ts = w.starts[t - first], te = w.ends[t - first];
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
	else
		sqlite3_str_append(out, text + pos, len - pos);
	sqlite3_free(w.starts);
	return SQLITE_OK;
}

static void search_excerpt_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
			      sqlite3_context *ctx, int nval,
			      sqlite3_value **val)
{
	if (nval < 3) {
		sqlite3_result_error(ctx, "gazette_excerpt: lead, body, words",
				     -1);
		return;
	}
	int lead_col = sqlite3_value_int(val[0]);
	int body_col = sqlite3_value_int(val[1]);
	int words = sqlite3_value_int(val[2]);
	if (words < 4)
		words = 4;
	if (words > SEARCH_EXCERPT_MAX)
		words = SEARCH_EXCERPT_MAX;
	int n_inst = 0;
	int rc = api->xInstCount(fts, &n_inst);
	struct search_inst *lead = NULL, *body = NULL;
	int n_lead = 0, n_body = 0;
	if (rc == SQLITE_OK) {
		lead = sqlite3_malloc64(2 * sizeof *lead *
					(size_t)(n_inst + 1));
		if (!lead)
			rc = SQLITE_NOMEM;
		else
			body = lead + n_inst + 1;
	}
	/* Instances come ordered by column, then offset. */
	for (int i = 0; rc == SQLITE_OK && i < n_inst; i++) {
		int ph, c, o;
		rc = api->xInst(fts, i, &ph, &c, &o);
		struct search_inst in = {o, api->xPhraseSize(fts, ph), ph};
		if (rc == SQLITE_OK && c == lead_col)
			lead[n_lead++] = in;
		else if (rc == SQLITE_OK && c == body_col)
			body[n_body++] = in;
	}
	sqlite3_str *out = sqlite3_str_new(NULL);
	const char *text = NULL;
	int len = 0, ntok = 0;
	int col = n_lead ? lead_col : n_body ? body_col : lead_col;
	if (rc == SQLITE_OK)
		rc = api->xColumnText(fts, col, &text, &len);
	if (rc == SQLITE_OK && !n_lead && !n_body && len == 0 &&
	    body_col >= 0) {
		col = body_col; /* no lead: the body's start */
		rc = api->xColumnText(fts, col, &text, &len);
	}
	if (rc == SQLITE_OK)
		rc = api->xColumnSize(fts, col, &ntok);
	if (rc == SQLITE_OK && text && len > 0) {
		if (n_lead) {
			/* the lead whole when it is not much longer than an
			 * excerpt, else a window twice the excerpt's size */
			int w = 2 * words;
			int first = ntok <= w ? 0 :
						search_best_window(lead, n_lead,
								   w, ntok);
			rc = search_win_put(api, fts, text, len, ntok, first,
					    ntok <= w ? ntok - 1 :
							first + w - 1,
					    lead, n_lead, out);
		} else if (n_body) {
			int first =
				search_best_window(body, n_body, words, ntok);
			rc = search_win_put(api, fts, text, len, ntok, first,
					    first + words - 1, body, n_body,
					    out);
		} else if (col == lead_col) {
			sqlite3_str_append(out, text, len);
		} else {
			rc = search_win_put(api, fts, text, len, ntok, 0,
					    words - 1, NULL, 0, out);
		}
	}
	sqlite3_free(lead);
	if (rc == SQLITE_OK)
		rc = sqlite3_str_errcode(out);
	int n = sqlite3_str_length(out);
	char *res = sqlite3_str_finish(out);
	if (rc != SQLITE_OK) {
		sqlite3_free(res);
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	sqlite3_result_text(ctx, res ? res : "", n,
			    res ? sqlite3_free : SQLITE_STATIC);
}

/* Register gazette_rank and gazette_excerpt on db (the documented way to
 * reach fts5_api, as search_tokenizer_register does). Called the first
 * time a connection's search statement does not prepare for want of
 * them. */
int store_search_funcs_register(sqlite3 *db, struct err *e)
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
		rc = api->xCreateFunction(api, "gazette_excerpt", NULL,
					  search_excerpt_fn, NULL);
	if (rc != SQLITE_OK)
		return err_set(e, ERR_DB, "search: functions: %s",
			       sqlite3_errstr(rc));
	return 0;
}
