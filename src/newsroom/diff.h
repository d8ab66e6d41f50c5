/*
 * diff.h - word-level diff of two texts as HTML, for the newsroom's
 * revision view ("what changed between revision 4 and 5").
 *
 * The texts are cut into tokens: runs of letters and digits (every byte
 * of a multi-byte UTF-8 character counts as a letter, so Cyrillic words
 * stay whole), runs of white space, and single ASCII punctuation
 * characters. The shortest edit script between the two token lists is
 * found with Myers' O((N+M)D) greedy algorithm after the common prefix and
 * suffix are stripped. The output is the new text with the removed tokens
 * in <del> and the added ones in <ins>, everything HTML-escaped (invalid
 * UTF-8 becomes U+FFFD). White space kept between two changes is folded
 * into them, so "a b c" -> "x y z" reads <del>a b c</del><ins>x y z</ins>
 * rather than three separate pairs.
 *
 * Bounded: a diff stops looking for the shortest script after `max_edits`
 * edits or after a fixed amount of work (about 50 million token
 * comparisons), and then shows the rest of the changed middle as one
 * deletion and one insertion (the result says it is approximate). Memory
 * is O(N + M + max_edits^2) integers, freed before returning.
 *
 * Not here: rendering Markdown (render/markdown.h), line-based diffs,
 * three-way merges. Thread-safe: no shared state.
 */
#ifndef GAZETTE_NEWSROOM_DIFF_H
#define GAZETTE_NEWSROOM_DIFF_H

#include <stddef.h>

struct buf;

/* Edits looked at before giving up on the shortest script (0 picks it). */
#define NEWSROOM_DIFF_MAX_EDITS 1000

struct newsroom_diff_stats {
	size_t words_added;   /* letter/digit tokens inside <ins> */
	size_t words_removed; /* letter/digit tokens inside <del> */
	size_t changes;       /* change regions (a <del>, <ins> or both) */
	int approximate;      /* 1: a bound was hit; not the shortest diff */
};

/*
 * Append to `out` the word diff from old_text (old_len bytes) to
 * new_text (new_len bytes) as HTML: equal text escaped as is, removed
 * text as <del>...</del>, added text as <ins>...</ins>; in each change
 * region the <del> comes before the <ins>. Either text may be NULL when
 * its length is 0; neither needs a NUL. max_edits 0 means
 * NEWSROOM_DIFF_MAX_EDITS. When st is not NULL it is filled in. Never
 * fails (out of memory aborts, as xmalloc does); `out` keeps its own
 * memory (heap or arena).
 */
void newsroom_diff_html(struct buf *out, const char *old_text, size_t old_len,
			const char *new_text, size_t new_len, size_t max_edits,
			struct newsroom_diff_stats *st);

#endif
