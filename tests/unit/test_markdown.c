/*
 * test_markdown.c - Markdown to HTML/text: GFM features, safe mode,
 * embeds, figures, hostile input, size limit, excerpts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "render/markdown.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every buf in these tests lives in this arena (a heap buf cannot be
 * released without a leak: buf_reset allocates again). */
static struct arena *A;

static int arena_setup(void **state)
{
	(void)state;
	A = arena_new(0);
	return 0;
}

static int arena_teardown(void **state)
{
	(void)state;
	arena_free(A);
	A = NULL;
	return 0;
}

/* HTML of md, arena memory. Fails the test on error. */
static char *html_of(const char *md)
{
	struct buf b;
	struct err e = {0};
	buf_init(&b, A);
	int rc = render_md_to_html(md, strlen(md), &b, &e);
	if (rc)
		fail_msg("render_md_to_html: %d %s", rc, e.msg);
	return b.data;
}

static char *text_of(const char *md)
{
	struct buf b;
	struct err e = {0};
	buf_init(&b, A);
	int rc = render_md_to_text(md, strlen(md), &b, &e);
	if (rc)
		fail_msg("render_md_to_text: %d %s", rc, e.msg);
	return b.data;
}

#define assert_contains(hay, needle)                                        \
	do {                                                                \
		if (!strstr((hay), (needle)))                               \
			fail_msg("expected %s\n  in: %s", (needle), (hay)); \
	} while (0)
#define assert_lacks(hay, needle)                                             \
	do {                                                                  \
		if (strstr((hay), (needle)))                                  \
			fail_msg("unexpected %s\n  in: %s", (needle), (hay)); \
	} while (0)

static void test_md_basics(void **state)
{
	(void)state;
	char *h = html_of("# Title\n\n## Sub\n\nSome *em* and **strong**.\n\n"
			  "- one\n- two\n\n1. first\n2. second\n\n"
			  "> quoted\n\n~~gone~~\n\n"
			  "| a | b |\n|---|--:|\n| 1 | 2 |\n\n"
			  "see https://example.com/x and www.example.org\n\n"
			  "`code` and\n\n    block\n");
	assert_contains(h, "<h1>Title</h1>");
	assert_contains(h, "<h2>Sub</h2>");
	assert_contains(h, "<em>em</em>");
	assert_contains(h, "<strong>strong</strong>");
	assert_contains(h, "<ul>\n<li>one</li>\n<li>two</li>\n</ul>");
	assert_contains(h, "<ol>\n<li>first</li>");
	assert_contains(h, "<blockquote>\n<p>quoted</p>\n</blockquote>");
	assert_contains(h, "<del>gone</del>");
	assert_contains(h, "<table>");
	assert_contains(h, "<th>a</th>");
	assert_contains(h, "<td align=\"right\">2</td>");
	assert_contains(h, "<a href=\"https://example.com/x\">"
			   "https://example.com/x</a>");
	assert_contains(
		h, "<a href=\"http://www.example.org\">www.example.org</a>");
	assert_contains(h, "<code>code</code>");
	assert_contains(h, "<pre><code>block\n</code></pre>");
}

static void test_md_appends(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, A);
	buf_puts(&b, "KEEP");
	assert_int_equal(render_md_to_html("x", 1, &b, NULL), 0);
	assert_string_equal(b.data, "KEEP<p>x</p>\n");
	buf_clear(&b);
	assert_int_equal(render_md_to_html(NULL, 0, &b, NULL), 0);
	assert_string_equal(b.data, "");
}

static void test_md_safe(void **state)
{
	(void)state;
	char *h = html_of("<script>alert(1)</script>\n\n"
			  "text <img src=x onerror=alert(2)> more\n\n"
			  "[x](javascript:alert(3)) [y](JavaScript:alert(4)) "
			  "[z](vbscript:msgbox) [w](data:text/html,hi) "
			  "[t]( jAvAsCrIpT:alert(5))\n\n"
			  "![a](javascript:alert(6))\n\n"
			  "![b](data:image/png;base64,AAAA)\n\n"
			  "<iframe src=\"https://evil\"></iframe>\n\n"
			  "[ok](https://example.com/?a=1&b=\"2\")\n");
	assert_lacks(h, "<script");
	assert_lacks(h, "<img src=x");
	assert_lacks(h, "onerror");
	assert_lacks(h, "<iframe");
	assert_lacks(h, "javascript:");
	assert_lacks(h, "JavaScript:");
	assert_lacks(h, "vbscript:");
	assert_lacks(h, "data:");
	assert_lacks(h, "alert(6)");
	/* the text of a dropped link stays, without a link */
	assert_contains(h, "<p>x y z w t</p>");
	assert_contains(h, "<p>a</p>");
	assert_contains(h, "href=\"https://example.com/?a=1&amp;b=%222%22\"");
}

struct embed_case {
	const char *md;   /* the paragraph */
	const char *kind; /* expected data-embed, NULL: no embed */
	const char *id;   /* expected data-embed-id */
	const char *href; /* expected canonical href */
};

static const struct embed_case embed_cases[] = {
	{"https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube",
	 "dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
	{"https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=42s",
	 "youtube", "dQw4w9WgXcQ",
	 "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
	{"https://youtu.be/dQw4w9WgXcQ?si=abc", "youtube", "dQw4w9WgXcQ",
	 "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
	{"https://www.youtube.com/shorts/aBcD_123-xY/", "youtube",
	 "aBcD_123-xY", "https://www.youtube.com/watch?v=aBcD_123-xY"},
	{"<https://m.youtube.com/watch?v=dQw4w9WgXcQ>", "youtube",
	 "dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
	{"www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ",
	 "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
	{"https://x.com/NASA/status/1234567890123456789", "x",
	 "1234567890123456789",
	 "https://x.com/NASA/status/1234567890123456789"},
	{"https://twitter.com/some_user/status/20?s=20", "x", "20",
	 "https://x.com/some_user/status/20"},
	{"https://t.me/gazette_news/1234", "telegram", "gazette_news/1234",
	 "https://t.me/gazette_news/1234"},
	{"https://t.me/s/durov/42", "telegram", "durov/42",
	 "https://t.me/durov/42"},
	{"https://www.instagram.com/p/C3xYz_-AbCd/", "instagram", "C3xYz_-AbCd",
	 "https://www.instagram.com/p/C3xYz_-AbCd/"},
	{"https://instagram.com/reel/Cabcdef123?igsh=x", "instagram",
	 "Cabcdef123", "https://www.instagram.com/reel/Cabcdef123/"},
	/* near misses */
	{"Watch https://youtu.be/dQw4w9WgXcQ", NULL, NULL, NULL},
	{"https://youtu.be/dQw4w9WgXcQ now", NULL, NULL, NULL},
	{"https://youtu.be/dQw4w9WgXcQ.", NULL, NULL, NULL},
	{"[my video](https://youtu.be/dQw4w9WgXcQ)", NULL, NULL, NULL},
	{"https://youtu.be/dQw4w9WgXc", NULL, NULL, NULL},   /* 10 chars */
	{"https://youtu.be/dQw4w9WgXcQQ", NULL, NULL, NULL}, /* 12 chars */
	{"https://youtu.be/dQw4w9W%22cQ", NULL, NULL, NULL},
	{"https://www.youtube.com/watch?x=dQw4w9WgXcQ", NULL, NULL, NULL},
	{"https://www.youtube.com.evil.com/watch?v=dQw4w9WgXcQ", NULL, NULL,
	 NULL},
	{"https://notyoutube.com/watch?v=dQw4w9WgXcQ", NULL, NULL, NULL},
	{"https://youtu.be:8080/dQw4w9WgXcQ", NULL, NULL, NULL},
	{"https://user@youtu.be/dQw4w9WgXcQ", NULL, NULL, NULL},
	{"ftp://youtu.be/dQw4w9WgXcQ", NULL, NULL, NULL},
	{"https://x.com/NASA/status/12345678901234567890", NULL, NULL, NULL},
	{"https://x.com/NASA/status/12a", NULL, NULL, NULL},
	{"https://x.com/this_name_is_too_long/status/1", NULL, NULL, NULL},
	{"https://x.com/NASA/likes/1", NULL, NULL, NULL},
	{"https://t.me/gazette_news", NULL, NULL, NULL},
	{"https://t.me/joinchat/AAAAAEabc", NULL, NULL, NULL},
	{"https://t.me/1abc/5", NULL, NULL, NULL},
	{"https://instagram.com/p/abc/", NULL, NULL, NULL},
	{"https://instagram.com/stories/someone/123", NULL, NULL, NULL},
	{"https://example.com/watch?v=dQw4w9WgXcQ", NULL, NULL, NULL},
};

static void test_md_embeds(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof embed_cases / sizeof embed_cases[0];
	     i++) {
		const struct embed_case *c = &embed_cases[i];
		char *h = html_of(c->md);
		if (!c->kind) {
			if (strstr(h, "data-embed"))
				fail_msg("%s became an embed: %s", c->md, h);
			continue;
		}
		char want[512];
		snprintf(want, sizeof want,
			 "<figure class=\"embed embed--%s\" data-embed=\"%s\" "
			 "data-embed-id=\"%s\"><a class=\"embed__link\" "
			 "href=\"%s\" rel=\"noopener\" target=\"_blank\">",
			 c->kind, c->kind, c->id, c->href);
		if (!strstr(h, want))
			fail_msg("%s:\n  want %s\n  got  %s", c->md, want, h);
		assert_lacks(h, "<p>");
		assert_lacks(h, "<iframe");
		assert_lacks(h, "<script");
	}
}

static void test_md_embed_among_text(void **state)
{
	(void)state;
	char *h = html_of("Before.\n\nhttps://youtu.be/dQw4w9WgXcQ\n\n"
			  "> https://t.me/durov/42\n\nAfter.\n");
	assert_contains(
		h, "<p>Before.</p>\n<figure class=\"embed embed--youtube\"");
	assert_contains(h, "<span class=\"embed__host\">YouTube</span> "
			   "<span class=\"embed__url\">www.youtube.com/watch?v="
			   "dQw4w9WgXcQ</span></a></figure>\n<blockquote>");
	assert_contains(
		h, "<blockquote>\n<figure class=\"embed embed--telegram\"");
	assert_contains(h, "<p>After.</p>");
	char *t =
		text_of("Before.\n\nhttps://youtu.be/dQw4w9WgXcQ\n\nAfter.\n");
	assert_string_equal(t, "Before.\n\nAfter.");
}

static void test_md_figures(void **state)
{
	(void)state;
	char *h = html_of("![Crowd & flags](/media/2026/02/a.jpg "
			  "\"Baku, 11 February | Photo: <AP>\")\n");
	assert_string_equal(
		h, "<figure class=\"media\"><img src=\"/media/2026/02/a.jpg\" "
		   "alt=\"Crowd &amp; flags\" loading=\"lazy\" "
		   "decoding=\"async\"><figcaption>Baku, 11 February "
		   "<span class=\"credit\">Photo: &lt;AP&gt;</span>"
		   "</figcaption></figure>\n");

	/* a space in a <...> destination is percent-encoded */
	h = html_of("![only caption](<https://cdn.example.com/x y.png> "
		    "\"Caption\")");
	assert_contains(h, "src=\"https://cdn.example.com/x%20y.png\"");
	assert_contains(h, "<figcaption>Caption</figcaption>");

	h = html_of("![alt](/a.jpg \"| Reuters\")");
	assert_contains(h, "<figcaption><span class=\"credit\">Reuters</span>"
			   "</figcaption>");

	h = html_of("![alt](/a.jpg)");
	assert_string_equal(h,
			    "<figure class=\"media\"><img src=\"/a.jpg\" "
			    "alt=\"alt\" loading=\"lazy\" decoding=\"async\">"
			    "</figure>\n");

	h = html_of("![x](/a.jpg \"q\\\" onload=\\\"alert(1)\")");
	assert_lacks(h, "\" onload");
	assert_contains(h, "q&quot; onload=&quot;alert(1)");

	/* inside running text an image stays inline */
	h = html_of("see ![icon](/i.png) here");
	assert_contains(h,
			"<p>see <img src=\"/i.png\" alt=\"icon\" /> here</p>");
	assert_lacks(h, "<figure");
}

static void test_md_hostile_bytes(void **state)
{
	(void)state;
	static const char bad[] = "caf\xC3\xA9 \xFF\xFE bad \xC3 x\0y "
				  "\xED\xA0\x80 surrogate\n\n# \xF5\x80\n";
	struct buf b;
	struct err e = {0};
	buf_init(&b, A);
	assert_int_equal(render_md_to_html(bad, sizeof bad - 1, &b, &e), 0);
	assert_int_equal(strlen(b.data), b.len); /* no NUL inside */
	assert_non_null(strstr(b.data, "caf\xC3\xA9"));
	assert_non_null(strstr(b.data, "\xEF\xBF\xBD"));
	assert_null(strstr(b.data, "\xFF"));
	buf_clear(&b);
	assert_int_equal(render_md_to_text(bad, sizeof bad - 1, &b, &e), 0);
	assert_int_equal(strlen(b.data), b.len);

	/* every single byte value on its own and inside structure */
	for (int c = 0; c < 256; c++) {
		char in[64];
		int n = snprintf(in, sizeof in,
				 "| a%c |\n|---|\n| [%c](%c) |\n", c ? c : 'z',
				 c ? c : 'z', c ? c : 'z');
		in[3] = (char)c;
		buf_init(&b, A);
		assert_int_equal(render_md_to_html(in, (size_t)n, &b, NULL), 0);
		assert_int_equal(strlen(b.data), b.len);
	}
}

static void test_md_too_big(void **state)
{
	(void)state;
	size_t n = 2u << 20;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, 'a', n);
	struct buf b;
	struct err e = {0};
	buf_init(&b, A);
	assert_int_equal(render_md_to_html(big, n, &b, &e), ERR_TOOBIG);
	assert_int_equal(e.code, ERR_TOOBIG);
	assert_int_equal(b.len, 0);
	assert_int_equal(render_md_to_text(big, n, &b, &e), ERR_TOOBIG);
	assert_int_equal(render_md_excerpt(big, n, 10, &b, &e), ERR_TOOBIG);
	/* exactly at the limit is fine */
	assert_int_equal(render_md_to_html(big, RENDER_MD_MAX, &b, &e), 0);
	free(big);
}

/* Input shapes that make cmark-gfm 0.29.0.gfm.6 super-linear. */
static char *repeat(const char *pre, const char *unit, size_t reps)
{
	size_t pl = strlen(pre), ul = strlen(unit);
	char *s = arena_alloc(A, pl + ul * reps + 1);
	memcpy(s, pre, pl);
	for (size_t i = 0; i < reps; i++)
		memcpy(s + pl + i * ul, unit, ul);
	s[pl + ul * reps] = '\0';
	return s;
}

static void test_md_pathological(void **state)
{
	(void)state;
	struct buf b;
	struct err e = {0};
	buf_init(&b, A);
	char *s = repeat("", "|", 30000);
	assert_int_equal(render_md_to_html(s, strlen(s), &b, &e), ERR_TOOBIG);
	assert_non_null(strstr(e.msg, "line 1"));
	s = repeat("|a|a|a|a|a|a|a|a|a|a|\n|-|-|-|-|-|-|-|-|-|-|\n", "a\n",
		   20000);
	assert_int_equal(render_md_to_html(s, strlen(s), &b, &e), ERR_TOOBIG);
	s = repeat("> |a|\n> |-|\n", "> a\n", 200000);
	assert_int_equal(render_md_to_text(s, strlen(s), &b, &e), ERR_TOOBIG);
	s = repeat("", "a@", 20000);
	assert_int_equal(render_md_to_html(s, strlen(s), &b, &e), ERR_TOOBIG);
	assert_int_equal(b.len, 0);
	/* many ordinary tables and addresses are fine */
	s = repeat("",
		   "| a | b | c |\n|---|---|---|\n| 1 | 2 | 3 |\n\n"
		   "Mail x@example.com.\n\n",
		   2000);
	assert_int_equal(render_md_to_html(s, strlen(s), &b, &e), 0);
	assert_non_null(strstr(b.data, "<td>3</td>"));
	assert_non_null(strstr(b.data, "mailto:x@example.com"));
}

static void test_md_text(void **state)
{
	(void)state;
	char *t =
		text_of("# Head *line*\n\nFirst line\nsame paragraph with "
			"[a link](https://e.com) and `code`.  \nhard break\n\n"
			"- one\n- two\n\n> quote\n\n<b>raw</b>\n\n"
			"![alt](/i.png \"cap\")\n\n"
			"| a | b |\n|---|---|\n| 1 | 2 |\n\n"
			"```\nx = 1\n```\n\nend");
	assert_string_equal(t,
			    "Head line\n\n"
			    "First line same paragraph with a link and code.\n"
			    "hard break\n\n"
			    "one\n\ntwo\n\nquote\n\nraw\n\n"
			    "a b\n1 2\n\n"
			    "x = 1\n\nend");
	t = text_of("");
	assert_string_equal(t, "");
}

static void test_md_excerpt(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, A);
	const char *s = "The quick brown fox jumps over the lazy dog";
	render_text_excerpt(&b, s, strlen(s), 100);
	assert_string_equal(b.data, s);
	buf_clear(&b);
	render_text_excerpt(&b, s, strlen(s), 18);
	assert_string_equal(b.data, "The quick brown…");
	buf_clear(&b);
	render_text_excerpt(&b, s, strlen(s), 19); /* ends at a word */
	assert_string_equal(b.data, "The quick brown fox…");
	buf_clear(&b);
	const char *ru = "  Президент   посетил\n\nБаку, где провёл переговоры";
	render_text_excerpt(&b, ru, strlen(ru), 26);
	assert_string_equal(b.data, "Президент посетил Баку…");
	buf_clear(&b);
	const char *word = "Антиконституционность";
	render_text_excerpt(&b, word, strlen(word), 5);
	assert_string_equal(b.data, "Антик…");
	buf_clear(&b);
	render_text_excerpt(&b, "a \xFF b c", 7, 3);
	assert_string_equal(b.data, "a \xEF\xBF\xBD…");
	buf_clear(&b);
	render_text_excerpt(&b, s, strlen(s), 0);
	assert_string_equal(b.data, "");
	assert_int_equal(render_md_excerpt("# Big news\n\nMore **here** today",
					   31, 17, &b, NULL),
			 0);
	assert_string_equal(b.data, "Big news More…");
}

/* Strikethrough and autolink both depend on cmark-gfm's global table of
 * special characters, which concurrent parses used to corrupt. */
static void *md_thread(void *arg)
{
	(void)arg;
	struct arena *a = arena_new(0); /* an arena is one thread's */
	void *bad = NULL;
	for (int i = 0; i < 300 && !bad; i++) {
		struct buf b;
		buf_init(&b, a);
		const char *md = "| a |\n|---|\n| ~~b~~ |\n\nhttps://youtu.be/"
				 "dQw4w9WgXcQ\n\nsee www.example.com ~~x~~\n";
		if (render_md_to_html(md, strlen(md), &b, NULL) ||
		    !strstr(b.data, "<del>b</del>") ||
		    !strstr(b.data, "<del>x</del>") ||
		    !strstr(b.data, "href=\"http://www.example.com\"") ||
		    !strstr(b.data, "data-embed=\"youtube\""))
			bad = (void *)1;
		arena_reset(a);
	}
	arena_free(a);
	return bad;
}

static void test_md_threads(void **state)
{
	(void)state;
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, md_thread, NULL),
				 0);
	for (int i = 0; i < 4; i++) {
		void *r;
		assert_int_equal(pthread_join(th[i], &r), 0);
		assert_null(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_md_threads, arena_setup,
			arena_teardown), /* first: registration race */
		cmocka_unit_test_setup_teardown(test_md_basics, arena_setup,
						arena_teardown),
		cmocka_unit_test_setup_teardown(test_md_appends, arena_setup,
						arena_teardown),
		cmocka_unit_test_setup_teardown(test_md_safe, arena_setup,
						arena_teardown),
		cmocka_unit_test_setup_teardown(test_md_embeds, arena_setup,
						arena_teardown),
		cmocka_unit_test_setup_teardown(test_md_embed_among_text,
						arena_setup, arena_teardown),
		cmocka_unit_test_setup_teardown(test_md_figures, arena_setup,
						arena_teardown),
		cmocka_unit_test_setup_teardown(test_md_hostile_bytes,
						arena_setup, arena_teardown),
		cmocka_unit_test_setup_teardown(test_md_too_big, arena_setup,
						arena_teardown),
		cmocka_unit_test_setup_teardown(test_md_pathological,
						arena_setup, arena_teardown),
		cmocka_unit_test_setup_teardown(test_md_text, arena_setup,
						arena_teardown),
		cmocka_unit_test_setup_teardown(test_md_excerpt, arena_setup,
						arena_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
