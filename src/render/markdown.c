/*
 * markdown.c - Markdown bodies through cmark-gfm. See markdown.h.
 *
 * Safe mode stays on for everything the user wrote. Our own markup
 * (embed placeholders, figures) goes into CMARK_NODE_CUSTOM_BLOCK nodes:
 * cmark's HTML renderer prints their on_enter text verbatim in safe mode
 * too, and the parser never creates such nodes from user input, so the
 * only custom blocks in a tree are the ones built here from validated,
 * escaped pieces.
 */
#include "render/markdown.h"
#include "render/escape.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xmalloc.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The extension registry is process-wide; registering is not re-entrant. */
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_register(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

/*
 * cmark-gfm keeps the table of "special" inline characters in a
 * process-wide array: every cmark_parser_finish adds the extensions'
 * characters ('~' for strikethrough, ':' 'w' for autolink...) before
 * parsing inlines and removes them afterwards. Two threads parsing at
 * once race, and one of them silently loses strikethrough or autolinks
 * (seen in test_markdown; upstream fix github/cmark-gfm PR #176 is not in
 * Debian 12's 0.29.0.gfm.6). Parsing is serialised; rendering a finished
 * tree is thread-safe and runs outside the lock. Nothing else in Gazette
 * may run a cmark parser without this lock.
 */
static pthread_mutex_t md_parse_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const md_extensions[] = {"table", "strikethrough",
					    "autolink"};

/* ---- parsing ---------------------------------------------------------- */

/*
 * Shapes of input on which cmark-gfm 0.29.0.gfm.6 (Debian 12) spends far
 * more than linear time, measured on 1 MiB: a line of 30 000 '|' before a
 * delimiter row takes 2 s (quadratic header parsing), a 20-column table
 * of 400 000 one-word rows 15 s and 80 MB of output (every short row is
 * padded to the header's width), 400 000 "a@" 3 s (email autolinks).
 * Parsing runs under a global lock, so one such body would stall every
 * other render: refuse them up front. The limits are far above any real
 * article.
 */
#define MD_MAX_LINE_PIPES  256    /* '|' on one line */
#define MD_MAX_TABLE_CELLS 100000 /* over all tables, estimated */
#define MD_MAX_ATS         10000  /* '@' in the document */

/* Cells of a table delimiter row ("|---|:-:|"), after any blockquote or
 * indentation prefix; 0 when the line is not one. */
static size_t md_delim_cols(const char *s, size_t n)
{
	size_t i = 0, cols = 0;
	int dash = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '>'))
		i++;
	for (; i < n; i++) {
		char c = s[i];
		if (c == '-')
			dash = 1;
		else if (c == '|') {
			cols += dash;
			dash = 0;
		} else if (c != ':' && c != ' ' && c != '\t')
			return 0;
	}
	return cols + dash;
}

static int md_check_limits(const char *md, size_t len, struct err *e)
{
	size_t ats = 0, cells = 0, cols = 0, lineno = 0;
	for (size_t i = 0; i < len;) {
		const char *line = md + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;
		size_t pipes = 0;
		int blank = 1;
		lineno++;
		for (size_t k = 0; k < n; k++) {
			char c = line[k];
			if (c == '|')
				pipes++;
			else if (c == '@')
				ats++;
			if (c != ' ' && c != '\t' && c != '\r' && c != '>')
				blank = 0;
		}
		if (pipes > MD_MAX_LINE_PIPES)
			return err_set(
				e, ERR_TOOBIG,
				"markdown: line %zu has more than %d '|'",
				lineno, MD_MAX_LINE_PIPES);
		if (blank)
			cols = 0; /* a blank line ends a table */
		else if (cols)
			cells += cols;
		else if ((cols = md_delim_cols(line, n)))
			cells += 2 * cols;
		if (cells > MD_MAX_TABLE_CELLS)
			return err_set(
				e, ERR_TOOBIG,
				"markdown: tables have more than %d cells "
				"(line %zu)",
				MD_MAX_TABLE_CELLS, lineno);
		i += n + 1;
	}
	if (ats > MD_MAX_ATS)
		return err_set(e, ERR_TOOBIG, "markdown: more than %d '@'",
			       MD_MAX_ATS);
	return 0;
}

static int md_parse(const char *md, size_t len, cmark_parser **pp,
		    cmark_node **root, struct err *e)
{
	*pp = NULL;
	*root = NULL;
	if (len > RENDER_MD_MAX)
		return err_set(e, ERR_TOOBIG,
			       "markdown: %zu bytes, the limit is %zu", len,
			       RENDER_MD_MAX);
	int rc = md_check_limits(md, len, e);
	if (rc)
		return rc;
	if (pthread_once(&md_once, md_register))
		return err_set(e, ERR_INVALID,
			       "markdown: cannot register "
			       "extensions");
	/* CMARK_OPT_UNSAFE is never set: raw HTML and dangerous URLs are
	 * filtered by the renderer. VALIDATE_UTF8 replaces invalid bytes. */
	cmark_parser *p =
		cmark_parser_new(CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
	if (!p)
		return err_set(e, ERR_INVALID,
			       "markdown: cannot create parser");
	for (size_t i = 0; i < sizeof md_extensions / sizeof md_extensions[0];
	     i++) {
		cmark_syntax_extension *ext =
			cmark_find_syntax_extension(md_extensions[i]);
		if (!ext || !cmark_parser_attach_syntax_extension(p, ext)) {
			cmark_parser_free(p);
			return err_set(e, ERR_INVALID,
				       "markdown: extension %s unavailable",
				       md_extensions[i]);
		}
	}
	pthread_mutex_lock(&md_parse_lock);
	if (len)
		cmark_parser_feed(p, md, len);
	cmark_node *doc = cmark_parser_finish(p);
	pthread_mutex_unlock(&md_parse_lock);
	if (!doc) {
		cmark_parser_free(p);
		return err_set(e, ERR_INVALID, "markdown: parse failed");
	}
	*pp = p;
	*root = doc;
	return 0;
}

/* ---- URLs --------------------------------------------------------------- */

/* 1 when the URL's scheme is one a browser would execute or that could
 * smuggle content: javascript:, vbscript:, file:, data:. Browsers drop
 * leading C0/space and any tab/CR/LF inside a URL, so we do the same
 * before looking at the scheme. */
static int md_url_unsafe(const char *url)
{
	static const char *const bad[] = {"javascript", "vbscript", "file",
					  "data"};
	char scheme[16];
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)url;
	while (*p && *p <= 0x20)
		p++;
	for (; *p; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			continue;
		if (*p == ':')
			break;
		if (*p == '/' || *p == '?' || *p == '#')
			return 0; /* relative */
		if (n + 1 >= sizeof scheme)
			return 0; /* longer than any bad scheme */
		scheme[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	}
	if (!*p)
		return 0;
	scheme[n] = '\0';
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (!strcmp(scheme, bad[i]))
			return 1;
	return 0;
}

/* A whole URL in a double-quoted attribute: bytes outside the RFC 3986
 * character set (space, controls, quotes, <>, non-ASCII...) are
 * percent-encoded, then & and ' become entities. */
static void md_put_url(struct buf *out, const char *url)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
		unsigned char c = *p;
		if (c == '&')
			buf_puts(out, "&amp;");
		else if (c == '\'')
			buf_puts(out, "&#39;");
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') ||
			 (c && strchr("-._~:/?#[]@!$()*+,;=%", c)))
			buf_putc(out, (char)c);
		else {
			buf_putc(out, '%');
			buf_putc(out, hex[c >> 4]);
			buf_putc(out, hex[c & 15]);
		}
	}
}

/* ---- embeds ------------------------------------------------------------- */

struct md_slice {
	const char *s; /* not NUL-terminated */
	size_t n;
};

struct md_url {
	struct md_slice host;   /* "www.youtube.com" */
	struct md_slice seg[4]; /* path segments, without slashes */
	size_t nseg;            /* how many */
	struct md_slice query;  /* after '?', before '#' */
};

struct md_embed {
	const char *kind;  /* "youtube", "x", "telegram", "instagram" */
	const char *label; /* brand name shown on the placeholder */
	char id[80];       /* data-embed-id */
	char href[192];    /* canonical URL, https */
};

static int md_slice_eq(struct md_slice a, const char *lit)
{
	size_t n = strlen(lit);
	return a.n == n && !strncasecmp(a.s, lit, n);
}

/* Split an absolute http(s) URL with no user name and no port. Returns 0,
 * or -1 when the URL is not of that shape. */
static int md_url_split(const char *url, struct md_url *u)
{
	const char *p;
	memset(u, 0, sizeof *u);
	if (!strncasecmp(url, "https://", 8))
		p = url + 8;
	else if (!strncasecmp(url, "http://", 7))
		p = url + 7;
	else
		return -1;
	u->host.s = p;
	while (*p && *p != '/' && *p != '?' && *p != '#') {
		if (*p == '@' || *p == ':')
			return -1;
		p++;
	}
	u->host.n = (size_t)(p - u->host.s);
	if (!u->host.n)
		return -1;
	if (*p == '/') {
		p++;
		for (;;) {
			const char *s = p;
			while (*p && *p != '/' && *p != '?' && *p != '#')
				p++;
			size_t n = (size_t)(p - s);
			if (!n) {
				/* only a trailing slash may leave a segment empty */
				if (*p == '/')
					return -1;
				break;
			}
			if (u->nseg == sizeof u->seg / sizeof u->seg[0])
				return -1;
			u->seg[u->nseg].s = s;
			u->seg[u->nseg].n = n;
			u->nseg++;
			if (*p != '/')
				break;
			p++;
		}
	}
	if (*p == '?') {
		u->query.s = ++p;
		while (*p && *p != '#')
			p++;
		u->query.n = (size_t)(p - u->query.s);
	}
	return 0;
}

/* 1 when every byte of s is in `set` or alphanumeric and the length is
 * within [min, max]. */
static int md_slice_ok(struct md_slice s, size_t min, size_t max,
		       const char *set)
{
	if (s.n < min || s.n > max)
		return 0;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || (c && strchr(set, c))))
			return 0;
	}
	return 1;
}

static int md_digits(struct md_slice s, size_t max)
{
	if (s.n < 1 || s.n > max)
		return 0;
	for (size_t i = 0; i < s.n; i++)
		if (s.s[i] < '0' || s.s[i] > '9')
			return 0;
	return 1;
}

static int md_host_in(struct md_slice host, const char *const *names)
{
	for (; *names; names++)
		if (md_slice_eq(host, *names))
			return 1;
	return 0;
}

/* The value of parameter `name` in a query string, or a zero slice. */
static struct md_slice md_query_get(struct md_slice q, const char *name)
{
	size_t nl = strlen(name);
	size_t i = 0;
	while (i < q.n) {
		size_t j = i;
		while (j < q.n && q.s[j] != '&')
			j++;
		if (j - i > nl && !strncmp(q.s + i, name, nl) &&
		    q.s[i + nl] == '=')
			return (struct md_slice){q.s + i + nl + 1,
						 j - i - nl - 1};
		i = j + 1;
	}
	return (struct md_slice){NULL, 0};
}

static const char *const md_hosts_youtube[] = {"youtube.com", "www.youtube.com",
					       "m.youtube.com", NULL};
static const char *const md_hosts_youtu_be[] = {"youtu.be", "www.youtu.be",
						NULL};
static const char *const md_hosts_x[] = {
	"x.com",       "www.x.com",       "mobile.x.com",
	"twitter.com", "www.twitter.com", "mobile.twitter.com",
	NULL};
static const char *const md_hosts_telegram[] = {"t.me", "www.t.me",
						"telegram.me", NULL};
static const char *const md_hosts_instagram[] = {"instagram.com",
						 "www.instagram.com", NULL};

#define MD_YT_SET "_-"

/* Recognise a supported embed URL and fill em. Returns 1 or 0. Every
 * piece copied into em was checked against a strict character set. */
static int md_embed_parse(const char *url, struct md_embed *em)
{
	struct md_url u;
	if (md_url_split(url, &u))
		return 0;
	memset(em, 0, sizeof *em);
	if (md_host_in(u.host, md_hosts_youtube) ||
	    md_host_in(u.host, md_hosts_youtu_be)) {
		struct md_slice id = {NULL, 0};
		if (md_host_in(u.host, md_hosts_youtu_be)) {
			if (u.nseg == 1)
				id = u.seg[0];
		} else if (u.nseg == 1 && md_slice_eq(u.seg[0], "watch")) {
			id = md_query_get(u.query, "v");
		} else if (u.nseg == 2 && (md_slice_eq(u.seg[0], "shorts") ||
					   md_slice_eq(u.seg[0], "live") ||
					   md_slice_eq(u.seg[0], "embed"))) {
			id = u.seg[1];
		}
		if (!id.s || id.n != 11 || !md_slice_ok(id, 11, 11, MD_YT_SET))
			return 0;
		em->kind = "youtube";
		em->label = "YouTube";
		snprintf(em->id, sizeof em->id, "%.*s", (int)id.n, id.s);
		snprintf(em->href, sizeof em->href,
			 "https://www.youtube.com/watch?v=%s", em->id);
		return 1;
	}
	if (md_host_in(u.host, md_hosts_x)) {
		if (u.nseg != 3 || !md_slice_eq(u.seg[1], "status") ||
		    !md_slice_ok(u.seg[0], 1, 15, "_") ||
		    !md_digits(u.seg[2], 19))
			return 0;
		em->kind = "x";
		em->label = "X";
		snprintf(em->id, sizeof em->id, "%.*s", (int)u.seg[2].n,
			 u.seg[2].s);
		snprintf(em->href, sizeof em->href,
			 "https://x.com/%.*s/status/%s", (int)u.seg[0].n,
			 u.seg[0].s, em->id);
		return 1;
	}
	if (md_host_in(u.host, md_hosts_telegram)) {
		size_t k = 0;
		if (u.nseg == 3 && md_slice_eq(u.seg[0], "s"))
			k = 1;
		else if (u.nseg != 2)
			return 0;
		struct md_slice ch = u.seg[k], post = u.seg[k + 1];
		if (!md_slice_ok(ch, 4, 32, "_") ||
		    !((ch.s[0] >= 'a' && ch.s[0] <= 'z') ||
		      (ch.s[0] >= 'A' && ch.s[0] <= 'Z')) ||
		    !md_digits(post, 10))
			return 0;
		em->kind = "telegram";
		em->label = "Telegram";
		snprintf(em->id, sizeof em->id, "%.*s/%.*s", (int)ch.n, ch.s,
			 (int)post.n, post.s);
		snprintf(em->href, sizeof em->href, "https://t.me/%s", em->id);
		return 1;
	}
	if (md_host_in(u.host, md_hosts_instagram)) {
		if (u.nseg != 2 ||
		    !(md_slice_eq(u.seg[0], "p") ||
		      md_slice_eq(u.seg[0], "reel") ||
		      md_slice_eq(u.seg[0], "tv")) ||
		    !md_slice_ok(u.seg[1], 5, 64, MD_YT_SET))
			return 0;
		em->kind = "instagram";
		em->label = "Instagram";
		snprintf(em->id, sizeof em->id, "%.*s", (int)u.seg[1].n,
			 u.seg[1].s);
		/* the path kind is one of three literals, in lower case */
		const char *kind = md_slice_eq(u.seg[0], "p")    ? "p" :
				   md_slice_eq(u.seg[0], "reel") ? "reel" :
								   "tv";
		snprintf(em->href, sizeof em->href,
			 "https://www.instagram.com/%s/%s/", kind, em->id);
		return 1;
	}
	return 0;
}

static void md_embed_html(struct buf *b, const struct md_embed *em)
{
	buf_puts(b, "<figure class=\"embed embed--");
	buf_puts(b, em->kind);
	buf_puts(b, "\" data-embed=\"");
	buf_puts(b, em->kind);
	buf_puts(b, "\" data-embed-id=\"");
	render_escape_html(b, em->id, strlen(em->id));
	buf_puts(b, "\"><a class=\"embed__link\" href=\"");
	render_escape_html(b, em->href, strlen(em->href));
	buf_puts(b, "\" rel=\"noopener\" target=\"_blank\">"
		    "<span class=\"embed__host\">");
	buf_puts(b, em->label);
	buf_puts(b, "</span> <span class=\"embed__url\">");
	const char *shown = em->href + strlen("https://");
	render_escape_html(b, shown, strlen(shown));
	buf_puts(b, "</span></a></figure>\n");
}

/* ---- figures -------------------------------------------------------------- */

/* Text content of an inline subtree (an image's alt text), as cmark's own
 * renderer computes it. */
static void md_plain(struct buf *b, cmark_node *node)
{
	cmark_iter *it = cmark_iter_new(node);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node *n = cmark_iter_get_node(it);
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
		case CMARK_NODE_HTML_INLINE: {
			const char *s = cmark_node_get_literal(n);
			if (s)
				buf_puts(b, s);
			break;
		}
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			buf_putc(b, ' ');
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
}

static void md_trim(const char **s, size_t *n)
{
	while (*n && ((*s)[0] == ' ' || (*s)[0] == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static void md_figure_html(struct buf *b, cmark_node *img, struct arena *a)
{
	const char *url = cmark_node_get_url(img);
	const char *title = cmark_node_get_title(img);
	struct buf alt;
	buf_init(&alt, a);
	md_plain(&alt, img);

	buf_puts(b, "<figure class=\"media\"><img src=\"");
	md_put_url(b, url);
	buf_puts(b, "\" alt=\"");
	render_escape_html(b, alt.data, alt.len);
	buf_puts(b, "\" loading=\"lazy\" decoding=\"async\">");

	const char *cap = title ? title : "";
	const char *bar = strchr(cap, '|');
	size_t ncap = bar ? (size_t)(bar - cap) : strlen(cap);
	const char *cred = bar ? bar + 1 : "";
	size_t ncred = strlen(cred);
	md_trim(&cap, &ncap);
	md_trim(&cred, &ncred);
	if (ncap || ncred) {
		buf_puts(b, "<figcaption>");
		render_escape_html(b, cap, ncap);
		if (ncred) {
			if (ncap)
				buf_putc(b, ' ');
			buf_puts(b, "<span class=\"credit\">");
			render_escape_html(b, cred, ncred);
			buf_puts(b, "</span>");
		}
		buf_puts(b, "</figcaption>");
	}
	buf_puts(b, "</figure>\n");
}

/* ---- tree rewriting ----------------------------------------------------- */

/* The only meaningful child of a paragraph, or NULL when there are none or
 * several. Autolinking leaves empty text nodes around the link. */
static cmark_node *md_only_child(cmark_node *para)
{
	cmark_node *only = NULL;
	for (cmark_node *c = cmark_node_first_child(para); c;
	     c = cmark_node_next(c)) {
		if (cmark_node_get_type(c) == CMARK_NODE_TEXT) {
			const char *s = cmark_node_get_literal(c);
			if (!s || !s[strspn(s, " \t")])
				continue;
		}
		if (only)
			return NULL;
		only = c;
	}
	return only;
}

/* 1 when a link shows its own URL: <https://...>, a bare autolinked
 * https://..., or www.... (which the autolinker prefixes with http://). */
static int md_link_is_bare(cmark_node *link)
{
	cmark_node *t = cmark_node_first_child(link);
	if (!t || cmark_node_next(t) ||
	    cmark_node_get_type(t) != CMARK_NODE_TEXT)
		return 0;
	const char *text = cmark_node_get_literal(t);
	const char *url = cmark_node_get_url(link);
	if (!text || !url)
		return 0;
	if (!strcmp(text, url))
		return 1;
	return !strncmp(url, "http://", 7) && !strcmp(url + 7, text);
}

/* Replace `para` with a custom block holding `html`. On failure the
 * paragraph stays (and renders as ordinary Markdown). */
static void md_replace(cmark_node *para, const char *html)
{
	cmark_node *cb = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
	if (!cb)
		return;
	if (!cmark_node_set_on_enter(cb, html) ||
	    !cmark_node_set_on_exit(cb, "") || !cmark_node_replace(para, cb)) {
		cmark_node_free(cb);
		return;
	}
	cmark_node_free(para);
}

/* Scratch memory comes from `a`, which the caller resets. */
static void md_paragraph(cmark_node *para, struct arena *a)
{
	cmark_node *only = md_only_child(para);
	if (!only)
		return;
	struct buf b;
	buf_init(&b, a);
	cmark_node_type t = cmark_node_get_type(only);
	if (t == CMARK_NODE_LINK && md_link_is_bare(only)) {
		struct md_embed em;
		if (md_embed_parse(cmark_node_get_url(only), &em)) {
			md_embed_html(&b, &em);
			md_replace(para, b.data);
		}
	} else if (t == CMARK_NODE_IMAGE) {
		const char *url = cmark_node_get_url(only);
		if (url && *url) {
			md_figure_html(&b, only, a);
			md_replace(para, b.data);
		}
	}
}

/* Move the children of node in front of it and drop it: a link or image
 * with a dangerous URL keeps only its text. */
static void md_unwrap(cmark_node *node)
{
	cmark_node *c;
	while ((c = cmark_node_first_child(node)))
		if (!cmark_node_insert_before(node, c)) {
			cmark_node_free(c);
		}
	cmark_node_free(node);
}

/* Unwrap dangerous links and images, then turn lone URLs and images into
 * embeds and figures. Nodes are collected first: cmark's iterator must
 * not see the tree change under it. */
static void md_rewrite(cmark_node *root)
{
	cmark_node **v = NULL;
	size_t n = 0, cap = 0;
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(node);
		int keep = t == CMARK_NODE_PARAGRAPH;
		if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) {
			const char *url = cmark_node_get_url(node);
			keep = url && md_url_unsafe(url);
		}
		if (!keep)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[n++] = node;
	}
	cmark_iter_free(it);
	for (size_t i = 0; i < n; i++)
		if (cmark_node_get_type(v[i]) != CMARK_NODE_PARAGRAPH) {
			md_unwrap(v[i]);
			v[i] = NULL;
		}
	struct arena *a = arena_new(0);
	for (size_t i = 0; i < n; i++)
		if (v[i]) {
			md_paragraph(v[i], a);
			arena_reset(a);
		}
	arena_free(a);
	free(v);
}

/* ---- HTML --------------------------------------------------------------- */

int render_md_to_html(const char *md, size_t len, struct buf *out,
		      struct err *e)
{
	cmark_parser *p;
	cmark_node *root;
	int rc = md_parse(md, len, &p, &root, e);
	if (rc)
		return rc;
	md_rewrite(root);
	char *html = cmark_render_html(root, CMARK_OPT_DEFAULT,
				       cmark_parser_get_syntax_extensions(p));
	if (!html) {
		rc = err_set(e, ERR_INVALID, "markdown: render failed");
		goto out;
	}
	buf_puts(out, html);
	cmark_get_default_mem_allocator()->free(html);
out:
	cmark_node_free(root);
	cmark_parser_free(p);
	return rc;
}

/* ---- plain text ------------------------------------------------------- */

enum md_sep {
	MD_SEP_NONE,
	MD_SEP_SPACE,
	MD_SEP_LINE,
	MD_SEP_BLANK
};

struct md_text {
	struct buf *out; /* destination */
	size_t start;    /* out->len when we began: no separator before it */
	enum md_sep sep; /* separator owed before the next text */
};

static void md_text_put(struct md_text *t, const char *s, size_t n)
{
	if (!n)
		return;
	if (t->out->len > t->start) {
		static const char *const seps[] = {"", " ", "\n", "\n\n"};
		buf_puts(t->out, seps[t->sep]);
	}
	t->sep = MD_SEP_NONE;
	buf_append(t->out, s, n);
}

static void md_text_sep(struct md_text *t, enum md_sep s)
{
	if (s > t->sep)
		t->sep = s;
}

static void md_text_walk(cmark_node *root, struct md_text *t)
{
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type type = cmark_node_get_type(n);
		const char *name = cmark_node_get_type_string(n);
		if (name && (!strcmp(name, "table_row") ||
			     !strcmp(name, "table_header"))) {
			md_text_sep(t, MD_SEP_LINE);
			continue;
		}
		if (name && !strcmp(name, "table_cell")) {
			md_text_sep(t, MD_SEP_SPACE);
			continue;
		}
		switch (type) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE: {
			const char *s = cmark_node_get_literal(n);
			if (s)
				md_text_put(t, s, strlen(s));
			break;
		}
		case CMARK_NODE_CODE_BLOCK: {
			md_text_sep(t, MD_SEP_BLANK);
			const char *s = cmark_node_get_literal(n);
			size_t k = s ? strlen(s) : 0;
			while (k && s[k - 1] == '\n')
				k--;
			md_text_put(t, s, k);
			md_text_sep(t, MD_SEP_BLANK);
			break;
		}
		case CMARK_NODE_SOFTBREAK:
			md_text_sep(t, MD_SEP_SPACE);
			break;
		case CMARK_NODE_LINEBREAK:
			md_text_sep(t, MD_SEP_LINE);
			break;
		case CMARK_NODE_IMAGE:
			/* alt text is not part of the story's text */
			if (ev == CMARK_EVENT_ENTER)
				cmark_iter_reset(it, n, CMARK_EVENT_EXIT);
			break;
		case CMARK_NODE_HTML_BLOCK:
		case CMARK_NODE_HTML_INLINE:
		case CMARK_NODE_CUSTOM_BLOCK:
		case CMARK_NODE_CUSTOM_INLINE:
			break;
		default:
			if ((type & CMARK_NODE_TYPE_MASK) ==
			    CMARK_NODE_TYPE_BLOCK)
				md_text_sep(t, MD_SEP_BLANK);
			break;
		}
	}
	cmark_iter_free(it);
}

int render_md_to_text(const char *md, size_t len, struct buf *out,
		      struct err *e)
{
	cmark_parser *p;
	cmark_node *root;
	int rc = md_parse(md, len, &p, &root, e);
	if (rc)
		return rc;
	md_rewrite(root);
	struct md_text t = {out, out->len, MD_SEP_NONE};
	md_text_walk(root, &t);
	cmark_node_free(root);
	cmark_parser_free(p);
	return 0;
}

/* ---- excerpts ----------------------------------------------------------- */

static int md_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* Drop trailing spaces, ",;:-" and en/em dashes from out, not below base. */
static void md_trim_tail(struct buf *out, size_t base)
{
	for (;;) {
		size_t l = out->len;
		if (l > base && strchr(" ,;:-", out->data[l - 1]))
			out->len--;
		else if (l >= base + 3 &&
			 !memcmp(out->data + l - 3, "\xE2\x80", 2) &&
			 ((unsigned char)out->data[l - 1] == 0x93 ||
			  (unsigned char)out->data[l - 1] == 0x94))
			out->len -= 3;
		else
			break;
	}
	out->data[out->len] = '\0';
}

void render_text_excerpt(struct buf *out, const char *text, size_t len,
			 size_t max_chars)
{
	if (!max_chars || !len)
		return;
	const unsigned char *p = (const unsigned char *)text;
	size_t base = out->len, chars = 0;
	size_t cut = 0, cut_chars = 0; /* out->len before the last space */
	int space = 0, more = 0;
	for (size_t i = 0; i < len;) {
		if (md_is_space(p[i])) {
			space = chars > 0;
			i++;
			continue;
		}
		size_t l = render_utf8_len(p + i, len - i);
		if (chars + (space ? 2 : 1) > max_chars) {
			more = 1;
			if (space) { /* we stopped at a word boundary */
				cut = out->len;
				cut_chars = chars;
			}
			break;
		}
		if (space) {
			cut = out->len;
			cut_chars = chars;
			buf_putc(out, ' ');
			chars++;
			space = 0;
		}
		if (l)
			buf_append(out, p + i, l);
		else
			buf_puts(out, "\xEF\xBF\xBD");
		chars++;
		i += l ? l : 1;
	}
	if (!more)
		return;
	if (cut > base && cut_chars * 2 >= max_chars) {
		out->len = cut;
		out->data[cut] = '\0';
	}
	md_trim_tail(out, base);
	buf_puts(out, "\xE2\x80\xA6");
}

int render_md_excerpt(const char *md, size_t len, size_t max_chars,
		      struct buf *out, struct err *e)
{
	/* scratch in an arena: buf_reset re-allocates, it cannot release */
	struct arena *a = arena_new(0);
	struct buf t;
	buf_init(&t, a);
	int rc = render_md_to_text(md, len, &t, e);
	if (!rc)
		render_text_excerpt(out, t.data, t.len, max_chars);
	arena_free(a);
	return rc;
}
