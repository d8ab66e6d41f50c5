/*
 * markdown.h - article bodies: Markdown to safe HTML and to plain text.
 *
 * Bodies are CommonMark plus the GitHub extensions tables, strikethrough
 * and autolink, parsed with cmark-gfm in safe mode: raw HTML written by a
 * user never reaches the output (it becomes an HTML comment), and links or
 * images whose URL uses javascript:, vbscript:, file: or data: lose their
 * URL (the link text or image alt text stays as plain text).
 *
 * On top of that, this module replaces two kinds of paragraphs with
 * markup it generates itself (the only trusted HTML in a body):
 *
 * - a paragraph whose only content is a bare URL of a supported host
 *   becomes a click-to-load placeholder that loads nothing from that host
 *   until the reader clicks (site.js swaps it for the real player):
 *
 *     <figure class="embed embed--youtube" data-embed="youtube"
 *      data-embed-id="ID"><a class="embed__link" href="CANONICAL-URL"
 *      rel="noopener" target="_blank"><span class="embed__host">YouTube</span>
 *      <span class="embed__url">www.youtube.com/watch?v=ID</span></a></figure>
 *
 *   (on one line). Hosts, accepted URLs, and data-embed-id:
 *     youtube    youtube.com/watch?v=ID, youtube.com/shorts|live|embed/ID,
 *                youtu.be/ID (www. and m. too); ID = 11 of [A-Za-z0-9_-]
 *     x          x.com or twitter.com /USER/status/ID; USER = 1-15 of
 *                [A-Za-z0-9_]; data-embed-id = ID, 1-19 digits
 *     telegram   t.me or telegram.me /CHANNEL/ID (also /s/CHANNEL/ID);
 *                CHANNEL = a letter then 3-31 of [A-Za-z0-9_], ID 1-10
 *                digits; data-embed-id = "CHANNEL/ID" (what Telegram's
 *                post widget takes)
 *     instagram  instagram.com/p|reel|tv/CODE; CODE = 5-64 of
 *                [A-Za-z0-9_-]
 *   http or https, optional trailing slash, any query (ignored but for
 *   YouTube's v=) and fragment. Anything else (extra text in the
 *   paragraph, a link whose text is not its URL, another host, a port or
 *   user name, a bad id) stays an ordinary paragraph with a link. The
 *   labels are brand names, so the markup needs no translation.
 *
 * - a paragraph whose only content is an image becomes
 *
 *     <figure class="media"><img src="URL" alt="ALT" loading="lazy"
 *      decoding="async"><figcaption>Caption <span class="credit">Credit
 *      </span></figcaption></figure>
 *
 *   where the image title carries "Caption | Credit" (split at the first
 *   '|', both parts trimmed; either may be empty; no figcaption when both
 *   are). Images inside running text stay plain <img> elements.
 *
 * Not here: Mustache templates (mustache.h), escaping of other contexts
 * (escape.h), heading ids, footnotes, syntax highlighting.
 *
 * All functions are thread-safe: each call has its own parser; the
 * extension registry is filled once (pthread_once).
 */
#ifndef GAZETTE_RENDER_MARKDOWN_H
#define GAZETTE_RENDER_MARKDOWN_H

#include <stddef.h>

struct buf;
struct err;

/* Largest Markdown input accepted, in bytes (1 MiB). */
#define RENDER_MD_MAX ((size_t)1 << 20)

/*
 * Render `len` bytes of Markdown at md (need not be NUL-terminated, may
 * contain NUL bytes) to HTML, appended to `out` (which keeps its own
 * memory: heap or arena). Invalid UTF-8 and NUL bytes become U+FFFD.
 * md may be NULL when len is 0.
 * Returns 0, or ERR_TOOBIG when len > RENDER_MD_MAX (out untouched), or
 * ERR_INVALID if cmark fails; e gets the reason.
 */
int render_md_to_html(const char *md, size_t len, struct buf *out,
		      struct err *e);

/*
 * Plain text of the Markdown, appended to `out`, for search indexing,
 * excerpts and feeds: no markup and no escaping (escape it for wherever
 * it goes). Blocks (paragraphs, headings, list items, code blocks,
 * tables) are separated by one blank line; soft line breaks become
 * spaces; table cells are separated by a space, rows by a newline. Raw
 * HTML, images and embed paragraphs contribute nothing; link text stays.
 * Same input rules and errors as render_md_to_html.
 */
int render_md_to_text(const char *md, size_t len, struct buf *out,
		      struct err *e);

/*
 * Excerpt of plain text: the first `max_chars` characters (code points,
 * not bytes) of `text`, with every run of white space (newlines too)
 * folded into one space and leading/trailing space removed. When the
 * text is longer it is cut at the last space within the limit (or right
 * at the limit when that space would lose more than half of it),
 * trailing punctuation ",;:-" and dashes are dropped, and "…" (U+2026) is
 * appended: the result has at most max_chars + 1 characters. Invalid
 * UTF-8 becomes U+FFFD. Appends to `out`; never fails.
 */
void render_text_excerpt(struct buf *out, const char *text, size_t len,
			 size_t max_chars);

/*
 * render_md_to_text followed by render_text_excerpt: the card lead or
 * feed summary of a body. Appends to `out`. Errors as render_md_to_html.
 */
int render_md_excerpt(const char *md, size_t len, size_t max_chars,
		      struct buf *out, struct err *e);

#endif
