/*
 * page_search.c - the reader's search page and the HTML form of
 * highlighted text.
 *
 *   GET {prefix}/search?q=&rubric=&author=&kind=&from=&to=&sort=&page=
 *
 * q is what the reader typed (any text: search_query_build makes it
 * safe); rubric and author are slugs of the edition, kind one of the
 * article kinds, from/to dates YYYY-MM-DD in the site's time zone (both
 * inclusive), sort=date for newest first. A filter value that does not
 * parse or names nothing is ignored rather than refused: the page is a
 * form, and a stale link should still show results. Works without
 * JavaScript; the overlay's suggestions come from api_search.c.
 *
 * Highlighting: store_search returns raw text with U+0002/U+0003 around
 * matched words; page_search_html escapes every piece and only then
 * writes <mark>, so no text from an article can become markup.
 * Not for: the query syntax (search/), ranking (store), the JSON API.
 */
#include "app.h"
#include "http/internal.h"
#include "render/date.h"
#include "render/escape.h"
#include "render/locale.h"
#include "search/search.h"
#include "util/arena.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEARCH_PER_PAGE 10
/* Bytes of the query echoed back into the page (the builder reads no
 * more than SEARCH_QUERY_MAX_BYTES anyway). */
#define SEARCH_ECHO_MAX 256

/* ---- highlighted text ----------------------------------------------- */

void page_search_html(struct buf *b, const char *s)
{
	if (!s)
		return;
	int open = 0;
	const char *run = s;
	for (const char *p = s;; p++) {
		if (*p != '\x02' && *p != '\x03' && *p != '\0')
			continue;
		render_escape_html(b, run, (size_t)(p - run));
		run = p + 1;
		if (*p == '\0')
			break;
		/* Unbalanced markers cannot come from FTS5, but the markup
		 * stays balanced whatever the input. */
		if (*p == '\x02' && !open) {
			buf_puts(b, "<mark>");
			open = 1;
		} else if (*p == '\x03' && open) {
			buf_puts(b, "</mark>");
			open = 0;
		}
	}
	if (open)
		buf_puts(b, "</mark>");
}

void page_search_plain(struct buf *b, const char *s)
{
	for (; s && *s; s++)
		if (*s != '\x02' && *s != '\x03')
			buf_putc(b, *s);
}

/* ---- helpers -------------------------------------------------------- */

/* The plural form of `key` ("plural.results") for n by the edition's
 * rule (the locale module's rule is not reachable from a request), with
 * {n} replaced by n_text. */
static const char *search_plural(struct http_req *r, const char *key, size_t n,
				 const char *n_text)
{
	const char *form = n == 1 ? "one" : "other";
	if (!strncmp(r->edition, "ru", 2) || !strncmp(r->edition, "uk", 2) ||
	    !strncmp(r->edition, "be", 2)) {
		size_t m10 = n % 10, m100 = n % 100;
		form = m10 == 1 && m100 != 11 ? "one" :
		       m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14) ?
						"few" :
						"many";
	}
	const char *k = arena_printf(r->a, "%s.%s", key, form);
	const char *v = page_t(r, k);
	if (v == NULL || !strcmp(v, k))
		v = page_t(r, arena_printf(r->a, "%s.other", key));
	struct buf b;
	buf_init(&b, r->a);
	render_locale_expand(&b, v, (const char *const[]){"n", n_text, NULL});
	return b.data;
}

/* Local midnight (site zone) of "YYYY-MM-DD" plus `days` days; 0 when s
 * is not such a date. */
static int64_t search_date(const char *s, const char *tz, int days)
{
	int y, m, d;
	char tail;
	if (!s || strlen(s) != 10 ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1970 ||
	    y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + days;
	int64_t wall = (int64_t)timegm(&tm);
	int64_t t = wall - render_tz_offset(tz, wall);
	return wall - render_tz_offset(tz, t);
}

/* The first SEARCH_ECHO_MAX bytes of q, cut at a character boundary
 * (q is valid UTF-8: the HTTP layer checked). */
static const char *search_echo(struct http_req *r, const char *q)
{
	size_t n = strlen(q);
	if (n <= SEARCH_ECHO_MAX)
		return q;
	n = SEARCH_ECHO_MAX;
	while (n > 0 && ((unsigned char)q[n] & 0xC0) == 0x80)
		n--;
	return arena_strndup(r->a, q, n);
}

/* Append "&name=value" (or "?name=value" first) to b when value is set. */
static void search_param(struct buf *b, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	buf_putc(b, b->len && strchr(b->data, '?') ? '&' : '?');
	buf_puts(b, name);
	buf_putc(b, '=');
	render_escape_url(b, value, strlen(value));
}

static const char *const search_kinds[] = {
	"news", "analysis", "interview", "opinion", "report", "column",
};

/* The parsed request. */
struct search_req {
	const char *q;         /* as typed, echo-length */
	const char *rubric;    /* slug when it names a rubric, else NULL */
	const char *author;    /* slug when it names an author, else NULL */
	const char *kind;      /* a known kind, else NULL */
	const char *from, *to; /* dates as given when they parse */
	int by_date;           /* sort=date */
	long page;             /* 1.. */
	struct store_search_query sq;
};

/* Link to this search with its filters and page (1: none). */
static const char *search_link(struct http_req *r, const struct search_req *s,
			       long page)
{
	struct buf b;
	buf_init(&b, r->a);
	buf_printf(&b, "%s/search", r->prefix);
	search_param(&b, "q", s->q);
	search_param(&b, "rubric", s->rubric);
	search_param(&b, "author", s->author);
	search_param(&b, "kind", s->kind);
	search_param(&b, "from", s->from);
	search_param(&b, "to", s->to);
	search_param(&b, "sort", s->by_date ? "date" : NULL);
	if (page > 1)
		buf_printf(&b, "%cpage=%ld", strchr(b.data, '?') ? '&' : '?',
			   page);
	return b.data;
}

/* The filter choices for the form, with the current ones selected. */
static void search_filters(struct http_req *r, const struct page_site *site,
			   const struct search_req *s, struct render_val *so)
{
	struct render_val *l = render_obj_add_list(so, "rubrics");
	for (size_t i = 0; i < site->n_rubrics; i++) {
		struct render_val *o = render_list_add_obj(l);
		render_obj_set_strref(o, "value", site->rubrics[i].slug);
		render_obj_set_strref(o, "name", site->rubrics[i].name);
		render_obj_set_bool(
			o, "selected",
			s->rubric && !strcmp(s->rubric, site->rubrics[i].slug));
	}
	l = render_obj_add_list(so, "authors");
	for (size_t i = 0; i < site->n_authors; i++) {
		struct render_val *o = render_list_add_obj(l);
		render_obj_set_strref(o, "value", site->authors[i].slug);
		render_obj_set_strref(o, "name", site->authors[i].name);
		render_obj_set_bool(
			o, "selected",
			s->author && !strcmp(s->author, site->authors[i].slug));
	}
	l = render_obj_add_list(so, "kinds");
	for (size_t i = 0; i < sizeof search_kinds / sizeof *search_kinds;
	     i++) {
		struct render_val *o = render_list_add_obj(l);
		char key[48];
		snprintf(key, sizeof key, "kinds.%s", search_kinds[i]);
		render_obj_set_strref(o, "value", search_kinds[i]);
		render_obj_set_strref(o, "name", page_t(r, key));
		render_obj_set_bool(o, "selected",
				    s->kind &&
					    !strcmp(s->kind, search_kinds[i]));
	}
	render_obj_set_strref(so, "from", s->from ? s->from : "");
	render_obj_set_strref(so, "to", s->to ? s->to : "");
	render_obj_set_bool(so, "by_date", s->by_date);
	int filtered = s->rubric || s->author || s->kind || s->from || s->to ||
		       s->by_date;
	render_obj_set_bool(so, "filtered", filtered);
	if (filtered) {
		struct search_req plain = {.q = s->q};
		render_obj_set_str(so, "reset_url", search_link(r, &plain, 1));
	}
}

/* Read and check the parameters; unknown filter values are dropped. */
static void search_parse(struct http_req *r, const struct page_site *site,
			 struct search_req *s, long page)
{
	memset(s, 0, sizeof *s);
	const char *q = http_query_get(r, "q");
	s->q = search_echo(r, q ? q : "");
	s->page = page;
	const char *v = http_query_get(r, "rubric");
	for (size_t i = 0; v && i < site->n_rubrics; i++)
		if (!strcmp(v, site->rubrics[i].slug)) {
			s->rubric = site->rubrics[i].slug;
			s->sq.rubric_id = site->rubrics[i].id;
		}
	v = http_query_get(r, "author");
	for (size_t i = 0; v && i < site->n_authors; i++)
		if (!strcmp(v, site->authors[i].slug)) {
			s->author = site->authors[i].slug;
			s->sq.author_id = site->authors[i].id;
		}
	v = http_query_get(r, "kind");
	for (size_t i = 0; v && i < sizeof search_kinds / sizeof *search_kinds;
	     i++)
		if (!strcmp(v, search_kinds[i]))
			s->kind = s->sq.kind = search_kinds[i];
	v = http_query_get(r, "from");
	if ((s->sq.from = search_date(v, site->tz, 0)))
		s->from = v;
	v = http_query_get(r, "to");
	if ((s->sq.to = search_date(v, site->tz, 1)))
		s->to = v;
	v = http_query_get(r, "sort");
	s->by_date = s->sq.by_date = v && !strcmp(v, "date");
	s->sq.edition = r->edition;
	s->sq.offset = (size_t)(page - 1) * SEARCH_PER_PAGE;
	s->sq.limit = SEARCH_PER_PAGE;
}

/* ---- the page ------------------------------------------------------- */

int page_search(struct http_req *r)
{
	long page = page_number(r);
	if (page < 0)
		return 0;
	struct page_site site;
	if (page_site_load(r, &site))
		return 0;
	struct search_req s;
	search_parse(r, &site, &s, page);

	const char *title = page_t(r, "search.title");
	int has_query = s.q[0] != '\0';
	struct buf tb;
	buf_init(&tb, r->a);
	if (has_query)
		render_locale_expand(&tb, page_t(r, "search.results_for"),
				     (const char *const[]){"query", s.q, NULL});
	struct render_val *ctx =
		page_context(r, &site, "search", has_query ? tb.data : title,
			     NULL, arena_printf(r->a, "%s/search", r->prefix));
	struct render_val *pg = render_obj_get(ctx, "page");
	if (pg) /* result lists are for readers, not for search engines */
		render_obj_set_strref(pg, "robots", "noindex, follow");
	struct render_val *so = render_obj_add_obj(ctx, "search");
	render_obj_set_strref(so, "query", s.q);
	if (has_query)
		render_obj_set_strref(so, "title_text", tb.data);
	search_filters(r, &site, &s, so);
	struct render_val *items = render_obj_add_list(ctx, "items");

	struct store_search_hit *hits = NULL;
	size_t n = 0, total = 0;
	if (has_query) {
		struct err e = {0};
		char *match = NULL;
		search_query_build(r->a, s.q, 0, &match, &e);
		s.sq.match = match;
		int rc = store_search(app->store, r->a, &s.sq, &hits, &n,
				      &total, &e);
		if (rc == ERR_INVALID) {
			/* Our builder's output was refused: a bug to fix, but
			 * the reader just gets "nothing found". */
			log_warn("req %s: search: %s", r->id, e.msg);
			n = total = 0;
		} else if (rc) {
			log_error("req %s: search: %s", r->id, e.msg);
			return page_error(r, 500);
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct render_val *c = page_card(r, &site, &hits[i].art);
		struct buf hb;
		buf_init(&hb, r->a);
		page_search_html(&hb, hits[i].title_hl);
		render_obj_set_strref(c, "title_html", hb.data);
		buf_init(&hb, r->a);
		page_search_html(&hb, hits[i].snippet);
		render_obj_set_strref(c, "snippet_html", hb.data);
		render_list_push(items, c);
	}
	if (has_query && total > 0) {
		const char *num = arena_printf(
			r->a, "%zu%s", total,
			total >= STORE_SEARCH_MAX_CANDIDATES ? "+" : "");
		render_obj_set_strref(so, "total_text",
				      search_plural(r, "plural.results", total,
						    num));
	}
	if (has_query && n == 0) {
		struct buf mb;
		buf_init(&mb, r->a);
		render_locale_expand(&mb,
				     page_t(r, total ? "lists.no_articles" :
						       "search.nothing_found"),
				     (const char *const[]){"query", s.q, NULL});
		render_obj_set_strref(so, "message", mb.data);
	}

	/* The pager of page.c links "?page=N" to a bare path; ours keeps
	 * the query and filters. Same shape for partials/pager. */
	size_t pages = (total + SEARCH_PER_PAGE - 1) / SEARCH_PER_PAGE;
	if (pages < 1)
		pages = 1;
	struct render_val *p = render_obj_add_obj(ctx, "pager");
	render_obj_set_int(p, "page", page);
	render_obj_set_int(p, "pages", (long long)pages);
	if (page > 1)
		render_obj_set_str(p, "prev_url",
				   search_link(r, &s,
					       (size_t)page - 1 > pages ?
						       (long)pages :
						       page - 1));
	if ((size_t)page < pages)
		render_obj_set_str(p, "next_url", search_link(r, &s, page + 1));
	render_obj_set_bool(p, "many", pages > 1);

	http_header_add(r, "Cache-Control", "public, max-age=60");
	return page_render(r, 200, "search", ctx);
}
