/*
 * test_mustache.c - the Mustache engine against the official spec, plus
 * what the spec does not cover: error messages, recursion limit, escaping,
 * template sets with a loader, and concurrent rendering.
 *
 * The spec files come from tests/data/mustache-spec (found from the
 * current directory or its parents) or from $MUSTACHE_SPEC_DIR when set.
 * Every *.json there but ~lambdas.json (lambdas are not supported) becomes
 * one cmocka test that runs all its cases and prints each failure.
 * jansson is used here only to read the spec files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "render/escape.h"
#include "render/mustache.h"
#include "render/value.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- spec runner -------------------------------------------------------- */

static char spec_dir[PATH_MAX];

static int spec_dir_find(void)
{
	const char *env = getenv("MUSTACHE_SPEC_DIR");
	static const char *const rel[] = {
		"tests/data/mustache-spec",
		"../tests/data/mustache-spec",
		"../../tests/data/mustache-spec",
		"../../../tests/data/mustache-spec",
	};
	struct stat st;
	if (env && *env) {
		snprintf(spec_dir, sizeof spec_dir, "%s", env);
		return stat(spec_dir, &st) == 0 ? 0 : -1;
	}
	for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		if (stat(rel[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(spec_dir, sizeof spec_dir, "%s", rel[i]);
			return 0;
		}
	}
	return -1;
}

static struct render_val *from_json(struct arena *a, json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		struct render_val *o = render_obj_new(a);
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v)
			render_obj_set(o, k, from_json(a, v));
		return o;
	}
	case JSON_ARRAY: {
		struct render_val *l = render_list_new(a);
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v)
			render_list_push(l, from_json(a, v));
		return l;
	}
	case JSON_STRING:
		return render_strn_new(a, json_string_value(j),
				       json_string_length(j));
	case JSON_INTEGER:
		return render_int_new(a, json_integer_value(j));
	case JSON_REAL:
		return render_double_new(a, json_real_value(j));
	case JSON_TRUE:
		return render_bool_new(a, 1);
	case JSON_FALSE:
		return render_bool_new(a, 0);
	case JSON_NULL:
		return render_null_new(a);
	}
	return render_null_new(a);
}

/* Run every case of one spec file; print failures; fail if any failed. */
static void test_spec_file(void **state)
{
	const char *file = *state;
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/%s", spec_dir, file);
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	if (!root)
		fail_msg("%s: %s (line %d)", path, jerr.text, jerr.line);
	json_t *tests = json_object_get(root, "tests");
	assert_non_null(tests);

	size_t i, passed = 0, total = json_array_size(tests);
	json_t *t;
	json_array_foreach(tests, i, t)
	{
		const char *name =
			json_string_value(json_object_get(t, "name"));
		json_t *tmpl = json_object_get(t, "template");
		const char *expected =
			json_string_value(json_object_get(t, "expected"));
		json_t *partials = json_object_get(t, "partials");
		struct arena *a = arena_new(0);
		struct render_val *data =
			from_json(a, json_object_get(t, "data"));
		struct render_val *parts = partials ? from_json(a, partials) :
						      NULL;
		struct buf out;
		struct err e = {0};
		buf_init(&out, a);
		int rc = render_mustache_string(json_string_value(tmpl),
						json_string_length(tmpl), data,
						parts, &out, &e);
		if (rc == 0 && strcmp(out.data, expected) == 0) {
			passed++;
		} else {
			printf("FAIL %s: %s\n  template: %s\n  expected: [%s]\n"
			       "  got:      [%s]%s%s\n",
			       file, name, json_string_value(tmpl), expected,
			       out.data, rc ? "\n  error: " : "",
			       rc ? e.msg : "");
		}
		arena_free(a);
	}
	printf("spec %s: %zu/%zu passed\n", file, passed, total);
	json_decref(root);
	assert_int_equal(passed, total);
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* ---- helpers for own tests ---------------------------------------------- */

/* Render src with data given as JSON text (and partials as JSON). */
static int render_json(const char *src, const char *data_json,
		       const char *partials_json, struct buf *out,
		       struct err *e, struct arena *a)
{
	struct render_val *data = NULL, *parts = NULL;
	json_error_t jerr;
	if (data_json) {
		json_t *j = json_loads(data_json, 0, &jerr);
		assert_non_null(j);
		data = from_json(a, j);
		json_decref(j);
	}
	if (partials_json) {
		json_t *j = json_loads(partials_json, 0, &jerr);
		assert_non_null(j);
		parts = from_json(a, j);
		json_decref(j);
	}
	buf_init(out, a);
	return render_mustache_string(src, strlen(src), data, parts, out, e);
}

static void expect_render(const char *src, const char *data_json,
			  const char *partials_json, const char *want)
{
	struct arena *a = arena_new(0);
	struct buf out;
	struct err e = {0};
	int rc = render_json(src, data_json, partials_json, &out, &e, a);
	if (rc)
		fail_msg("render '%s': %s", src, e.msg);
	assert_string_equal(out.data, want);
	arena_free(a);
}

static void expect_error(const char *src, const char *partials_json, int code,
			 const char *msg)
{
	struct arena *a = arena_new(0);
	struct buf out;
	struct err e = {0};
	int rc = render_json(src, "{}", partials_json, &out, &e, a);
	assert_int_equal(rc, code);
	assert_int_equal(e.code, code);
	if (!strstr(e.msg, msg))
		fail_msg("error '%s' lacks '%s'", e.msg, msg);
	arena_free(a);
}

/* A theme held in memory: name -> (file, source); counts loader calls. */
struct theme_entry {
	const char *name;
	const char *file;
	const char *src;
};

struct theme {
	const struct theme_entry *entries;
	int calls; /* loader calls; the set serialises them */
};

static int theme_load(void *ctx, const char *name, const char **src,
		      size_t *len, const char **file)
{
	struct theme *th = ctx;
	th->calls++;
	for (const struct theme_entry *t = th->entries; t->name; t++) {
		if (strcmp(t->name, name) == 0) {
			*src = t->src;
			*len = strlen(t->src);
			*file = t->file;
			return 0;
		}
	}
	return ERR_NOTFOUND;
}

/* ---- own tests ---------------------------------------------------------- */

static void test_compile_errors(void **state)
{
	(void)state;
	static const struct theme_entry entries[] = {
		{"article", "article.mustache",
		 "<h1>{{title}}</h1>\n\n\n\n\n\n\n\n\n\n\n{{#items}}\n<li>{{.}}</li>\n"},
		{NULL, NULL, NULL},
	};
	struct theme th = {entries, 0};
	render_tmpl_set *set;
	struct err e = {0};
	assert_int_equal(render_tmpl_set_new(theme_load, &th, &set, &e), 0);
	assert_int_equal(render_tmpl_compile(set, "article", &e), ERR_INVALID);
	assert_string_equal(e.msg,
			    "article.mustache:12: unclosed section 'items'");
	/* a failed compile is not cached: the loader is asked again */
	int calls = th.calls;
	assert_int_equal(render_tmpl_compile(set, "article", &e), ERR_INVALID);
	assert_int_equal(th.calls, calls + 1);
	assert_int_equal(render_tmpl_compile(set, "nope", &e), ERR_NOTFOUND);
	assert_string_equal(e.msg, "template 'nope' not found");
	render_tmpl_set_free(set);

	expect_error("a\n{{#a}}\n{{/b}}", NULL, ERR_INVALID,
		     "<string>:3: end tag 'b' does not match section 'a' "
		     "opened on line 2");
	expect_error("x {{/a}}", NULL, ERR_INVALID,
		     "<string>:1: end tag 'a' without an open section");
	expect_error("line\n{{name", NULL, ERR_INVALID,
		     "<string>:2: unclosed tag");
	expect_error("{{{name}}", NULL, ERR_INVALID, "unclosed tag");
	expect_error("\n{{=<% %>}}", NULL, ERR_INVALID,
		     "<string>:2: unclosed tag");
	expect_error("{{=<%%>=}}", NULL, ERR_INVALID,
		     "<string>:1: bad delimiter change '<%%>'");
	expect_error("{{= a b c =}}", NULL, ERR_INVALID,
		     "bad delimiter change");
	expect_error("{{}}", NULL, ERR_INVALID, "<string>:1: empty tag");
	expect_error("{{a b}}", NULL, ERR_INVALID, "bad tag name 'a b'");
	expect_error("{{a..b}}", NULL, ERR_INVALID, "bad tag name 'a..b'");
	expect_error("{{<p}}{{$x}}{{/p}}", NULL, ERR_INVALID,
		     "end tag 'p' does not match block 'x'");
	expect_error("{{<p}}", NULL, ERR_INVALID, "unclosed parent 'p'");
	/* errors in a partial name the partial's file */
	expect_error("ok {{>bad}}", "{\"bad\": \"\\n\\n{{^x}}\"}", ERR_INVALID,
		     "bad:3: unclosed section 'x'");
}

static void test_recursion_limit(void **state)
{
	(void)state;
	expect_error("{{>loop}}", "{\"loop\": \"x{{>loop}}\"}", ERR_INVALID,
		     "nested deeper than");
	/* dynamic names can recurse too */
	struct arena *a = arena_new(0);
	struct buf out;
	struct err e = {0};
	int rc = render_json("{{>*p}}", "{\"p\": \"loop\"}",
			     "{\"loop\": \"{{>*p}}\"}", &out, &e, a);
	assert_int_equal(rc, ERR_INVALID);
	/* a block whose override contains itself */
	rc = render_json("{{<p}}{{$a}}[{{$a}}{{/a}}]{{/a}}{{/p}}", "{}",
			 "{\"p\": \"{{$a}}d{{/a}}\"}", &out, &e, a);
	assert_int_equal(rc, ERR_INVALID);
	/* deep but finite recursion is fine */
	struct render_val *root = render_obj_new(a), *n = root;
	for (int i = 0; i < 60; i++) {
		render_obj_set_int(n, "v", i);
		n = render_obj_add_obj(n, "child");
	}
	/* else {{#child}} would find the parent's child: endless */
	render_obj_set_bool(n, "child", 0);
	struct render_val *parts = render_obj_new(a);
	render_obj_set_str(parts, "node",
			   "{{v}}{{#child}},{{>node}}{{/child}}");
	buf_init(&out, a);
	const char *src = "{{>node}}";
	rc = render_mustache_string(src, strlen(src), root, parts, &out, &e);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out.data, ",59,"));
	arena_free(a);
}

static void test_escaping(void **state)
{
	(void)state;
	expect_render("{{x}}|{{{x}}}|{{&x}}",
		      "{\"x\": \"<script>alert(\\\"x\\\" + 'y')</script>&\"}",
		      NULL,
		      "&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;)"
		      "&lt;/script&gt;&amp;|"
		      "<script>alert(\"x\" + 'y')</script>&|"
		      "<script>alert(\"x\" + 'y')</script>&");
	/* template text is never escaped, data never re-interpreted */
	expect_render("<b>{{x}}</b>", "{\"x\": \"{{y}}\", \"y\": \"no\"}", NULL,
		      "<b>{{y}}</b>");
	/* invalid UTF-8 in escaped output becomes U+FFFD */
	expect_render("{{x}}", "{\"x\": \"a\"}", NULL, "a");
	struct arena *a = arena_new(0);
	struct render_val *d = render_obj_new(a);
	render_obj_set(d, "x",
		       render_strn_new(a,
				       "a\xff"
				       "b",
				       3));
	struct buf out;
	struct err e = {0};
	buf_init(&out, a);
	assert_int_equal(render_mustache_string("{{x}}", 5, d, NULL, &out, &e),
			 0);
	assert_string_equal(out.data, "a\xEF\xBF\xBD"
				      "b");
	/* {{x}} writes exactly what render_escape_html does, on random
	 * bytes from an alphabet of specials, UTF-8 pieces, bad bytes and
	 * NUL; mostly plain letters in the second half of the rounds, so
	 * that runs of 8 plain bytes (checked a word at a time) meet every
	 * special at every offset */
	static const char alpha[] =
		"a <>&\"'\xD0\xB0\xE2\x82\xAC\xF0\x9F\x98\x80"
		"\xC0\xFF\x80\xED\xA0\x00\x7f";
	unsigned seed = 12345;
	for (int round = 0; round < 4000; round++) {
		char str[80];
		size_t n = (size_t)(round % 80);
		int plain = round >= 2000;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			str[i] =
				plain && (seed >> 8) % 8 ?
					'x' :
					alpha[(seed >> 16) % (sizeof alpha - 1)];
		}
		render_obj_set(d, "x", render_strn_new(a, str, n));
		struct buf want;
		buf_init(&want, a);
		render_escape_html(&want, str, n);
		buf_clear(&out);
		assert_int_equal(render_mustache_string("{{x}}", 5, d, NULL,
							&out, &e),
				 0);
		assert_int_equal(out.len, want.len);
		assert_memory_equal(out.data, want.data, want.len);
	}
	arena_free(a);
}

static void test_values_render(void **state)
{
	(void)state;
	expect_render("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}}",
		      "{\"a\": -12, \"b\": 1.5, \"c\": 0.1, \"d\": 1e100, "
		      "\"e\": true, \"f\": false}",
		      NULL, "-12 1.5 0.1 1e+100 true false");
	/* lists and objects interpolate as nothing */
	expect_render("[{{l}}][{{o}}]", "{\"l\": [1,2], \"o\": {\"a\": 1}}",
		      NULL, "[][]");
	/* truthiness: "", 0 and [] are falsey; {} is truthy */
	expect_render("{{#s}}S{{/s}}{{#z}}Z{{/z}}{{#l}}L{{/l}}{{#o}}O{{/o}}"
		      "{{^s}}s{{/s}}{{^z}}z{{/z}}{{^l}}l{{/l}}{{^o}}o{{/o}}",
		      "{\"s\": \"\", \"z\": 0, \"l\": [], \"o\": {}}", NULL,
		      "Oszl");
	/* a null member hides an outer one of the same name */
	struct arena *a = arena_new(0);
	struct render_val *d = render_obj_new(a);
	render_obj_set_str(d, "title", "page");
	struct render_val *item = render_obj_add_obj(d, "item");
	render_obj_set_str(item, "title", NULL);
	struct buf out;
	struct err e = {0};
	buf_init(&out, a);
	const char *src = "{{title}}:{{#item}}[{{title}}]{{/item}}";
	assert_int_equal(
		render_mustache_string(src, strlen(src), d, NULL, &out, &e), 0);
	assert_string_equal(out.data, "page:[]");
	/* NULL data: an empty context */
	buf_clear(&out);
	assert_int_equal(render_mustache_string("x{{y}}{{.}}", 11, NULL, NULL,
						&out, &e),
			 0);
	assert_string_equal(out.data, "x");
	arena_free(a);
}

static void test_indentation_extras(void **state)
{
	(void)state;
	/* nested standalone partials add up their indentation */
	expect_render("<ul>\n  {{>items}}\n</ul>\n", "{\"l\": [\"a\", \"b\"]}",
		      "{\"items\": \"{{#l}}\\n  {{>item}}\\n{{/l}}\\n\", "
		      "\"item\": \"<li>{{.}}</li>\\n\"}",
		      "<ul>\n    <li>a</li>\n    <li>b</li>\n</ul>\n");
	/* empty lines of an indented partial stay empty */
	expect_render("  {{>p}}\n", "{}", "{\"p\": \"a\\n\\nb\\n\"}",
		      "  a\n\n  b\n");
	/* a dynamic parent */
	expect_render("{{<*layout}}{{$b}}B{{/b}}{{/*layout}}",
		      "{\"layout\": \"base\"}",
		      "{\"base\": \"<{{$b}}{{/b}}>\"}", "<B>");
}

/* ---- template sets ------------------------------------------------------ */

static const struct theme_entry site_theme[] = {
	{"layout", "theme/templates/layout.mustache",
	 "<html><head><title>{{$title}}Gazette{{/title}}</title></head>\n"
	 "<body>\n"
	 "  {{$body}}\n"
	 "  {{/body}}\n"
	 "  {{>partials/footer}}\n"
	 "</body></html>\n"},
	{"article", "theme/templates/article.mustache",
	 "{{<layout}}\n"
	 "{{$title}}{{article.title}} - Gazette{{/title}}\n"
	 "{{$body}}\n"
	 "<article>\n"
	 "  <h1>{{article.title}}</h1>\n"
	 "  {{#article.tags}}<a href=\"/tag/{{slug}}\">{{name}}</a> {{/article.tags}}\n"
	 "  {{{article.body_html}}}\n"
	 "  {{#related}}\n"
	 "  {{>*card}}\n"
	 "  {{/related}}\n"
	 "</article>\n"
	 "{{/body}}\n"
	 "{{/layout}}\n"},
	{"partials/footer", "theme/templates/partials/footer.mustache",
	 "<footer>{{site.name}} {{year}}</footer>\n"},
	{"cards/video", "theme/templates/cards/video.mustache",
	 "<div class=\"video\">{{title}}</div>\n"},
	{"cards/text", "theme/templates/cards/text.mustache",
	 "<p>{{title}}</p>\n"},
	{NULL, NULL, NULL},
};

static const char site_want[] =
	"<html><head><title>Rain &amp; &quot;wind&quot; - Gazette</title></head>\n"
	"<body>\n"
	"  <article>\n"
	"    <h1>Rain &amp; &quot;wind&quot;</h1>\n"
	"    <a href=\"/tag/weather\">Weather</a> <a href=\"/tag/city\">City</a> \n"
	"    <p>It <em>rained</em>.</p>\n"
	"    <div class=\"video\">Storm video</div>\n"
	"    <p>Flood map</p>\n"
	"  </article>\n"
	"  <footer>Gazette 2025</footer>\n"
	"</body></html>\n";

static struct render_val *site_data(struct arena *a)
{
	struct render_val *d = render_obj_new(a);
	struct render_val *site = render_obj_add_obj(d, "site");
	render_obj_set_strref(site, "name", "Gazette");
	render_obj_set_int(d, "year", 2025);
	struct render_val *art = render_obj_add_obj(d, "article");
	render_obj_set_str(art, "title", "Rain & \"wind\"");
	render_obj_set_strref(art, "body_html", "<p>It <em>rained</em>.</p>");
	struct render_val *tags = render_obj_add_list(art, "tags");
	struct render_val *t = render_list_add_obj(tags);
	render_obj_set_str(t, "slug", "weather");
	render_obj_set_str(t, "name", "Weather");
	t = render_list_add_obj(tags);
	render_obj_set_str(t, "slug", "city");
	render_obj_set_str(t, "name", "City");
	struct render_val *rel = render_obj_add_list(d, "related");
	t = render_list_add_obj(rel);
	render_obj_set_str(t, "card", "cards/video");
	render_obj_set_str(t, "title", "Storm video");
	t = render_list_add_obj(rel);
	render_obj_set_str(t, "card", "cards/text");
	render_obj_set_str(t, "title", "Flood map");
	t = render_list_add_obj(rel);
	render_obj_set_str(t, "card", "cards/none"); /* missing: nothing */
	render_obj_set_str(t, "title", "Gone");
	return d;
}

static void test_set_loader(void **state)
{
	(void)state;
	struct theme th = {site_theme, 0};
	render_tmpl_set *set;
	struct err e = {0};
	assert_int_equal(render_tmpl_set_new(theme_load, &th, &set, &e), 0);
	struct arena *a = arena_new(0);
	struct render_val *d = site_data(a);
	struct buf out;
	buf_init(&out, a);
	int rc = render_tmpl_render(set, "article", d, &out, &e);
	if (rc)
		fail_msg("%s", e.msg);
	assert_string_equal(out.data, site_want);
	/* article, layout, footer, then the three dynamic cards */
	assert_int_equal(th.calls, 6);
	for (int i = 0; i < 3; i++) {
		buf_clear(&out);
		assert_int_equal(
			render_tmpl_render(set, "article", d, &out, &e), 0);
		assert_string_equal(out.data, site_want);
	}
	assert_int_equal(th.calls, 6); /* all cached, misses included */
	assert_int_equal(render_tmpl_compile(set, "cards/text", &e), 0);
	assert_int_equal(render_tmpl_render(set, "cards/none", d, &out, &e),
			 ERR_NOTFOUND);
	arena_free(a);
	render_tmpl_set_free(set);
}

/* ---- render_tmpl_render_in: an outer context and memoized partials ---- */

static const struct {
	const char *name, *src;
} memo_theme[] = {
	{"chrome", "<h>{{site.name}}{{#nav}}[{{name}}]{{/nav}}</h>\n"},
	{"page", "{{>chrome}}\n|{{title}}|{{#sec}}{{>chrome}}{{/sec}}|\n"
		 "  {{>chrome}}\n{{>outer}}\n"},
	{"outer", "<o>{{>chrome}}</o>"},
	{"blocky", "{{$b}}[{{site.name}}]{{/b}}"},
	{"withblock", "{{>blocky}}{{>dyn}}"},
	{"dyn", "{{>*which}}"},
	{NULL, NULL},
};

static int memo_load(void *ctx, const char *name, const char **src, size_t *len,
		     const char **file)
{
	(void)ctx;
	for (size_t i = 0; memo_theme[i].name; i++)
		if (!strcmp(memo_theme[i].name, name)) {
			*src = memo_theme[i].src;
			*len = strlen(memo_theme[i].src);
			*file = name;
			return 0;
		}
	return ERR_NOTFOUND;
}

/* data's members over base's, in one object: what render_tmpl_render_in
 * must render like. */
static struct render_val *memo_merged(struct arena *a,
				      const struct render_val *base,
				      const struct render_val *data)
{
	struct render_val *m = render_obj_new(a);
	for (size_t i = 0; i < base->len; i++)
		render_obj_set(m, base->u.members[i].key,
			       base->u.members[i].val);
	for (size_t i = 0; i < data->len; i++)
		render_obj_set(m, data->u.members[i].key,
			       data->u.members[i].val);
	return m;
}

static void memo_check(render_tmpl_set *set, const char *name,
		       const struct render_val *base, render_memo *memo,
		       const struct render_val *data, struct arena *a)
{
	struct buf want, got;
	struct err e = {0};
	buf_init(&want, a);
	buf_init(&got, a);
	assert_int_equal(render_tmpl_render(set, name,
					    memo_merged(a, base, data), &want,
					    &e),
			 0);
	assert_int_equal(render_tmpl_render_in(set, name, base, memo, data,
					       &got, &e),
			 0);
	assert_string_equal(got.data, want.data);
}

static void test_render_in_memo(void **state)
{
	(void)state;
	render_tmpl_set *set;
	struct err e = {0};
	assert_int_equal(render_tmpl_set_new(memo_load, NULL, &set, &e), 0);
	struct arena *a = arena_new(0);
	struct render_val *base = render_obj_new(a);
	render_obj_set_str(render_obj_add_obj(base, "site"), "name", "S & Co");
	struct render_val *nav = render_obj_add_list(base, "nav");
	render_obj_set_str(render_list_add_obj(nav), "name", "a");
	render_obj_set_str(render_list_add_obj(nav), "name", "b");
	render_memo *memo = render_memo_new();

	struct render_val *d = render_obj_new(a);
	render_obj_set_str(d, "title", "T");
	render_obj_add_list(render_list_add_obj(render_obj_add_list(d, "sec")),
			    "x");
	memo_check(set, "page", base, memo, d, a);
	/* chrome at the top, unindented (in page and in outer): one entry
	 * each; not the one in a section nor the indented one */
	assert_int_equal(render_memo_count(memo), 2);
	for (int i = 0; i < 3; i++)
		memo_check(set, "page", base, memo, d, a);
	assert_int_equal(render_memo_count(memo), 2);

	/* data with a name chrome looks up hides base's: never the memo */
	struct render_val *d2 = render_obj_new(a);
	render_obj_set_str(render_obj_add_obj(d2, "site"), "name", "Mine");
	memo_check(set, "page", base, memo, d2, a);
	struct render_val *d3 = render_obj_new(a);
	render_obj_set(d3, "site", NULL); /* a null member hides too */
	memo_check(set, "page", base, memo, d3, a);
	struct render_val *d4 = render_obj_new(a);
	render_obj_set_str(d4, "name", "top"); /* looked up inside #nav */
	render_obj_set(d4, "nav", render_list_new(a));
	memo_check(set, "page", base, memo, d4, a);
	assert_int_equal(render_memo_count(memo), 2);

	/* blocks and dynamic partials are never memoized */
	struct render_val *d5 = render_obj_new(a);
	render_obj_set_str(d5, "which", "chrome");
	memo_check(set, "withblock", base, memo, d5, a);
	assert_int_equal(render_memo_count(memo), 2);

	/* no memo, no base */
	memo_check(set, "page", base, NULL, d, a);
	struct buf out;
	buf_init(&out, a);
	assert_int_equal(
		render_tmpl_render_in(set, "page", NULL, memo, d, &out, &e), 0);
	assert_string_equal(out.data, "<h></h>\n|T|<h></h>\n|\n  <h></h>\n"
				      "<o><h></h>\n</o>");
	assert_int_equal(render_memo_count(memo), 2);
	render_memo_free(memo);
	arena_free(a);
	render_tmpl_set_free(set);
}

struct thread_arg {
	render_tmpl_set *set;
	const struct render_val *data;
	pthread_barrier_t *start;
	int bad; /* renders that failed or differed */
};

static void *render_thread(void *p)
{
	struct thread_arg *ta = p;
	struct arena *a =
		arena_new(0); /* one per thread: arenas are not shared */
	struct buf out;
	struct err e = {0};
	buf_init(&out, a);
	pthread_barrier_wait(ta->start);
	for (int i = 0; i < 300; i++) {
		buf_clear(&out);
		if (render_tmpl_render(ta->set, "article", ta->data, &out,
				       &e) ||
		    strcmp(out.data, site_want) != 0)
			ta->bad++;
	}
	arena_free(a);
	return NULL;
}

static void test_concurrent_render(void **state)
{
	(void)state;
	struct theme th = {site_theme, 0};
	render_tmpl_set *set;
	struct err e = {0};
	assert_int_equal(render_tmpl_set_new(theme_load, &th, &set, &e), 0);
	struct arena *a = arena_new(0);
	const struct render_val *d = site_data(a);
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, 4);
	pthread_t tid[4];
	struct thread_arg args[4];
	/* no warm-up: the first compile races too */
	for (int i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){set, d, &start, 0};
		assert_int_equal(pthread_create(&tid[i], NULL, render_thread,
						&args[i]),
				 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		assert_int_equal(args[i].bad, 0);
	}
	assert_int_equal(th.calls, 6); /* each name loaded once */
	pthread_barrier_destroy(&start);
	arena_free(a);
	render_tmpl_set_free(set);
}

/* Many distinct dynamic names: the table grows while rendering. */
static int many_load(void *ctx, const char *name, const char **src, size_t *len,
		     const char **file)
{
	(void)ctx;
	if (strcmp(name, "root") == 0)
		*src = "{{#l}}{{>*name}}{{/l}}";
	else if (name[0] == 't')
		*src = "<{{n}}>";
	else
		return ERR_NOTFOUND;
	*len = strlen(*src);
	*file = name;
	return 0;
}

static void test_set_growth(void **state)
{
	(void)state;
	render_tmpl_set *set;
	struct err e = {0};
	assert_int_equal(render_tmpl_set_new(many_load, NULL, &set, &e), 0);
	struct arena *a = arena_new(0);
	struct render_val *d = render_obj_new(a);
	struct render_val *l = render_obj_add_list(d, "l");
	struct buf want;
	buf_init(&want, a);
	for (int i = 0; i < 500; i++) {
		struct render_val *o = render_list_add_obj(l);
		render_obj_set_str(o, "name", arena_printf(a, "t%d", i));
		render_obj_set_int(o, "n", i);
		buf_printf(&want, "<%d>", i);
	}
	for (int pass = 0; pass < 2; pass++) {
		struct buf out;
		buf_init(&out, a);
		assert_int_equal(render_tmpl_render(set, "root", d, &out, &e),
				 0);
		assert_string_equal(out.data, want.data);
	}
	render_tmpl_set_free(set);
	arena_free(a);
}

int main(void)
{
	struct CMUnitTest own[] = {
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_recursion_limit),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_values_render),
		cmocka_unit_test(test_indentation_extras),
		cmocka_unit_test(test_set_loader),
		cmocka_unit_test(test_render_in_memo),
		cmocka_unit_test(test_concurrent_render),
		cmocka_unit_test(test_set_growth),
	};
	size_t nown = sizeof own / sizeof own[0];
	char *files[64];
	size_t nfiles = 0;

	if (spec_dir_find() != 0) {
		fprintf(stderr, "test_mustache: tests/data/mustache-spec not "
				"found; run from the repository or set "
				"MUSTACHE_SPEC_DIR\n");
		return 1;
	}
	DIR *dir = opendir(spec_dir);
	if (!dir) {
		perror(spec_dir);
		return 1;
	}
	struct dirent *de;
	while ((de = readdir(dir)) && nfiles < 64) {
		size_t n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0 ||
		    strcmp(de->d_name, "~lambdas.json") == 0)
			continue;
		files[nfiles++] = strdup(de->d_name);
	}
	closedir(dir);
	qsort(files, nfiles, sizeof files[0], name_cmp);

	struct CMUnitTest *tests = calloc(nfiles + nown, sizeof *tests);
	for (size_t i = 0; i < nfiles; i++)
		tests[i] = (struct CMUnitTest){files[i], test_spec_file, NULL,
					       NULL, files[i]};
	memcpy(tests + nfiles, own, sizeof own);
	int failed = _cmocka_run_group_tests("mustache", tests, nfiles + nown,
					     NULL, NULL);
	for (size_t i = 0; i < nfiles; i++)
		free(files[i]);
	free(tests);
	return failed;
}
