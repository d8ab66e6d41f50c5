/*
 * diff.c - word-level diff of two texts as HTML (see diff.h).
 *
 * Steps: tokenize both texts; strip the common prefix and suffix; run
 * Myers' greedy forward search over the middle, keeping each round's
 * furthest-reaching x per diagonal (round d needs 2d+1 integers, so the
 * trace is (D+1)^2 integers); walk the trace back into an edit script;
 * merge the script into change regions and write them out escaped.
 * Not for: anything but showing differences (no patches, no merges).
 */
#include "newsroom/diff.h"
#include "render/escape.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Work (diagonal steps plus snake comparisons) before giving up. */
#define DIFF_MAX_WORK ((uint64_t)50 * 1000 * 1000)

enum diff_class {
	DIFF_SPACE,
	DIFF_WORD,
	DIFF_PUNCT
};

struct diff_tok {
	size_t off;    /* first byte in its text */
	size_t len;    /* bytes */
	uint32_t hash; /* FNV-1a of the bytes, to compare quickly */
	int cls;       /* enum diff_class */
};

struct diff_side {
	const char *text;   /* the bytes */
	struct diff_tok *t; /* tokens (heap) */
	size_t n;           /* token count */
};

enum diff_op {
	DIFF_EQ,
	DIFF_DEL,
	DIFF_INS
};

struct diff_step {
	int op;    /* enum diff_op */
	size_t ai; /* old token (EQ, DEL) */
	size_t bi; /* new token (EQ, INS) */
};

static int diff_class_of(unsigned char c)
{
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v')
		return DIFF_SPACE;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c >= 0x80)
		return DIFF_WORD;
	return DIFF_PUNCT;
}

/* Cut text into tokens (heap array in side->t). */
static void diff_tokenize(struct diff_side *side, const char *text, size_t len)
{
	side->text = text;
	side->n = 0;
	side->t = NULL;
	size_t cap = 0;
	size_t i = 0;
	while (i < len) {
		const unsigned char *p = (const unsigned char *)text;
		int cls = diff_class_of(p[i]);
		size_t j = i + 1;
		if (cls != DIFF_PUNCT)
			while (j < len && diff_class_of(p[j]) == cls)
				j++;
		if (side->n == cap) {
			cap = cap ? cap * 2 : 64;
			side->t = xrealloc(side->t, cap * sizeof *side->t);
		}
		uint32_t h = 2166136261u;
		for (size_t k = i; k < j; k++)
			h = (h ^ p[k]) * 16777619u;
		side->t[side->n++] = (struct diff_tok){i, j - i, h, cls};
		i = j;
	}
}

static int diff_tok_eq(const struct diff_side *a, size_t i,
		       const struct diff_side *b, size_t j)
{
	const struct diff_tok *x = &a->t[i], *y = &b->t[j];
	return x->hash == y->hash && x->len == y->len &&
	       !memcmp(a->text + x->off, b->text + y->off, x->len);
}

/*
 * Myers over old tokens [a0, a0+n) and new tokens [b0, b0+m): appends the
 * edit script to steps (which has room for n + m more). Returns 0, or -1
 * when a bound was hit (nothing appended).
 */
static int diff_myers(const struct diff_side *A, size_t a0, size_t n,
		      const struct diff_side *B, size_t b0, size_t m,
		      size_t max_edits, struct diff_step *steps, size_t *nsteps)
{
	size_t max_d = n + m < max_edits ? n + m : max_edits;
	/* v[k + off] for k in [-d-1, d+1]; ptrdiff_t because k < 0. */
	ptrdiff_t off = (ptrdiff_t)max_d + 1;
	ptrdiff_t *v = xcalloc((size_t)(2 * off + 1), sizeof *v);
	ptrdiff_t *trace = NULL; /* round d at trace + d*d, 2d+1 values */
	size_t trace_cap = 0;
	uint64_t work = 0;
	ptrdiff_t N = (ptrdiff_t)n, M = (ptrdiff_t)m;
	ptrdiff_t found = -1;

	v[off + 1] = 0;
	for (ptrdiff_t d = 0; d <= (ptrdiff_t)max_d && found < 0; d++) {
		for (ptrdiff_t k = -d; k <= d; k += 2) {
			ptrdiff_t x;
			if (k == -d ||
			    (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1]; /* down: an insertion */
			else
				x = v[off + k - 1] + 1; /* right: a deletion */
			ptrdiff_t y = x - k;
			while (x < N && y < M &&
			       diff_tok_eq(A, a0 + (size_t)x, B,
					   b0 + (size_t)y)) {
				x++;
				y++;
				work++;
			}
			work++;
			v[off + k] = x;
			if (x >= N && y >= M) {
				found = d;
				break;
			}
		}
		/* Keep round d for the walk back. */
		size_t need = (size_t)((d + 1) * (d + 1));
		if (need > trace_cap) {
			size_t most = (max_d + 1) * (max_d + 1);
			trace_cap = need * 2 < most ? need * 2 : most;
			trace = xrealloc(trace, trace_cap * sizeof *trace);
		}
		memcpy(trace + d * d, v + off - d,
		       (size_t)(2 * d + 1) * sizeof *v);
		if (work > DIFF_MAX_WORK && found < 0)
			break;
	}
	free(v);
	if (found < 0) {
		free(trace);
		return -1;
	}

	/* Walk back from (N, M) collecting steps in reverse. */
	size_t start = *nsteps, k_out = start;
	ptrdiff_t x = N, y = M;
	for (ptrdiff_t d = found; d >= 0; d--) {
		ptrdiff_t k = x - y;
		ptrdiff_t px, py;
		if (d == 0) {
			px = 0;
			py = 0;
		} else {
			const ptrdiff_t *pv = trace + (d - 1) * (d - 1);
			/* pv[j] is diagonal j - (d - 1) */
			ptrdiff_t pk;
			if (k == -d || (k != d && pv[k - 1 + (d - 1)] <
							  pv[k + 1 + (d - 1)]))
				pk = k + 1;
			else
				pk = k - 1;
			px = pv[pk + (d - 1)];
			py = px - pk;
		}
		while (x > px && y > py) {
			x--;
			y--;
			steps[k_out++] = (struct diff_step){
				DIFF_EQ, a0 + (size_t)x, b0 + (size_t)y};
		}
		if (d > 0) {
			if (x == px) {
				y--;
				steps[k_out++] = (struct diff_step){
					DIFF_INS, 0, b0 + (size_t)y};
			} else {
				x--;
				steps[k_out++] = (struct diff_step){
					DIFF_DEL, a0 + (size_t)x, 0};
			}
		}
	}
	free(trace);
	/* Reverse into order. */
	for (size_t i = start, j = k_out; i + 1 < j; i++, j--) {
		struct diff_step t = steps[i];
		steps[i] = steps[j - 1];
		steps[j - 1] = t;
	}
	*nsteps = k_out;
	return 0;
}

static void diff_escape(struct buf *out, const struct diff_side *s, size_t i0,
			size_t i1)
{
	if (i1 <= i0)
		return;
	size_t from = s->t[i0].off;
	size_t to = s->t[i1 - 1].off + s->t[i1 - 1].len;
	render_escape_html(out, s->text + from, to - from);
}

static size_t diff_words(const struct diff_side *s, size_t i0, size_t i1)
{
	size_t n = 0;
	for (size_t i = i0; i < i1; i++)
		n += s->t[i].cls == DIFF_WORD;
	return n;
}

/* 1 when steps[i] is an EQ of white space. */
static int diff_eq_space(const struct diff_side *A, const struct diff_step *s)
{
	return s->op == DIFF_EQ && A->t[s->ai].cls == DIFF_SPACE;
}

/* Write the script: equal text plain, change regions as <del>/<ins>. */
static void diff_emit(struct buf *out, const struct diff_side *A,
		      const struct diff_side *B, const struct diff_step *steps,
		      size_t n, struct newsroom_diff_stats *st)
{
	size_t i = 0;
	while (i < n) {
		if (steps[i].op == DIFF_EQ) {
			size_t j = i;
			while (j < n && steps[j].op == DIFF_EQ)
				j++;
			diff_escape(out, A, steps[i].ai, steps[j - 1].ai + 1);
			i = j;
			continue;
		}
		/* A region: changes, and white space between changes. */
		size_t j = i;
		size_t a_lo = SIZE_MAX, a_hi = 0, b_lo = SIZE_MAX, b_hi = 0;
		while (j < n) {
			if (steps[j].op == DIFF_EQ) {
				size_t k = j;
				while (k < n && diff_eq_space(A, &steps[k]))
					k++;
				if (k == j || k == n || steps[k].op == DIFF_EQ)
					break;
				/* absorbed: white space in both texts */
				for (size_t q = j; q < k; q++) {
					if (steps[q].ai < a_lo)
						a_lo = steps[q].ai;
					a_hi = steps[q].ai + 1;
					if (steps[q].bi < b_lo)
						b_lo = steps[q].bi;
					b_hi = steps[q].bi + 1;
				}
				j = k;
				continue;
			}
			if (steps[j].op == DIFF_DEL) {
				if (steps[j].ai < a_lo)
					a_lo = steps[j].ai;
				a_hi = steps[j].ai + 1;
			} else {
				if (steps[j].bi < b_lo)
					b_lo = steps[j].bi;
				b_hi = steps[j].bi + 1;
			}
			j++;
		}
		if (a_lo != SIZE_MAX) {
			buf_puts(out, "<del>");
			diff_escape(out, A, a_lo, a_hi);
			buf_puts(out, "</del>");
			st->words_removed += diff_words(A, a_lo, a_hi);
		}
		if (b_lo != SIZE_MAX) {
			buf_puts(out, "<ins>");
			diff_escape(out, B, b_lo, b_hi);
			buf_puts(out, "</ins>");
			st->words_added += diff_words(B, b_lo, b_hi);
		}
		st->changes++;
		i = j;
	}
}

void newsroom_diff_html(struct buf *out, const char *old_text, size_t old_len,
			const char *new_text, size_t new_len, size_t max_edits,
			struct newsroom_diff_stats *st)
{
	struct newsroom_diff_stats local;
	if (!st)
		st = &local;
	memset(st, 0, sizeof *st);
	if (!max_edits)
		max_edits = NEWSROOM_DIFF_MAX_EDITS;
	struct diff_side A, B;
	diff_tokenize(&A, old_text ? old_text : "", old_text ? old_len : 0);
	diff_tokenize(&B, new_text ? new_text : "", new_text ? new_len : 0);

	size_t pre = 0;
	while (pre < A.n && pre < B.n && diff_tok_eq(&A, pre, &B, pre))
		pre++;
	size_t suf = 0;
	while (suf < A.n - pre && suf < B.n - pre &&
	       diff_tok_eq(&A, A.n - 1 - suf, &B, B.n - 1 - suf))
		suf++;
	size_t n = A.n - pre - suf, m = B.n - pre - suf;

	struct diff_step *steps = xmalloc((A.n + B.n + 1) * sizeof *steps);
	size_t ns = 0;
	for (size_t i = 0; i < pre; i++)
		steps[ns++] = (struct diff_step){DIFF_EQ, i, i};
	if (diff_myers(&A, pre, n, &B, pre, m, max_edits, steps, &ns) != 0) {
		/* Too costly: the whole middle as one replacement. */
		st->approximate = 1;
		for (size_t i = 0; i < n; i++)
			steps[ns++] = (struct diff_step){DIFF_DEL, pre + i, 0};
		for (size_t i = 0; i < m; i++)
			steps[ns++] = (struct diff_step){DIFF_INS, 0, pre + i};
	}
	for (size_t i = 0; i < suf; i++)
		steps[ns++] = (struct diff_step){DIFF_EQ, A.n - suf + i,
						 B.n - suf + i};
	diff_emit(out, &A, &B, steps, ns, st);
	free(steps);
	free(A.t);
	free(B.t);
}
