/*
 * test_http_request.c - request-target parsing, query lookup, replies,
 * conditional GET helpers, JSON writer and escapers used by replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/http.h"
#include "render/escape.h"
#include "render/json.h"
#include "util/arena.h"

#include <stdlib.h>
#include <string.h>

static struct http_req *req_new(struct arena *a, const char *uri)
{
	struct http_req *r = arena_alloc(a, sizeof *r);
	r->a = a;
	r->uri = uri;
	buf_init(&r->out, a);
	buf_init(&r->body, a);
	return r;
}

static void test_parse_ok(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	struct err e = {0};
	struct http_req *r =
		req_new(a, "/ru/tag/%D1%8D%D0%BD%D0%B5%D1%80%D0%B3%D0%B8%D1%8F"
			   "?q=a+b%26c&empty=&flag&x=%E2%9C%93#frag");
	assert_int_equal(http_req_parse_uri(r, &e), 0);
	assert_string_equal(r->path, "/ru/tag/энергия");
	assert_string_equal(http_query_get(r, "q"), "a b&c");
	assert_string_equal(http_query_get(r, "empty"), "");
	assert_string_equal(http_query_get(r, "flag"), "");
	assert_string_equal(http_query_get(r, "x"), "✓");
	assert_null(http_query_get(r, "frag"));
	assert_null(http_query_get(r, "missing"));
	arena_free(a);
}

static void test_parse_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"/a%zz", "/a%4", "/a%", "/%00x", "/x?q=%C3%28", "/x?q=%ff",
		"/x?%=1&q=%G1", "/%C0%AF", "/%ED%A0%80", "noslash",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct arena *a = arena_new(0);
		struct err e = {0};
		struct http_req *r = req_new(a, bad[i]);
		if (http_req_parse_uri(r, &e) != ERR_INVALID)
			fail_msg("accepted %s", bad[i]);
		arena_free(a);
	}
}

static void test_query_limit(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	struct buf b;
	buf_init(&b, a);
	buf_puts(&b, "/x?");
	for (int i = 0; i < HTTP_MAX_QUERY + 1; i++)
		buf_printf(&b, "k%d=v&", i);
	struct http_req *r = req_new(a, b.data);
	struct err e = {0};
	assert_int_equal(http_req_parse_uri(r, &e), ERR_INVALID);
	arena_free(a);
}

static void test_parse_id(void **state)
{
	(void)state;
	int64_t v;
	assert_int_equal(http_parse_id("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(http_parse_id("0", &v), ERR_INVALID);
	assert_int_equal(http_parse_id("-1", &v), ERR_INVALID);
	assert_int_equal(http_parse_id("1e3", &v), ERR_INVALID);
	assert_int_equal(http_parse_id("", &v), ERR_INVALID);
	assert_int_equal(http_parse_id(NULL, &v), ERR_INVALID);
	assert_int_equal(http_parse_id("99999999999999999999", &v), ERR_INVALID);
}

static void test_reply_error_kinds(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	struct http_req *r = req_new(a, "/api/v1/x");
	r->path = "/api/v1/x";
	http_reply_error(r, 400, "bad \"q\"\n<x>");
	assert_int_equal(r->status, 400);
	assert_string_equal(r->out.data,
			    "{\"error\":{\"status\":400,\"message\":\"bad "
			    "\\\"q\\\"\\n\\u003cx>\"}}\n");
	struct http_req *h = req_new(a, "/x");
	h->path = "/x";
	http_reply_error(h, 404, "<script>");
	assert_non_null(strstr(h->out.data, "&lt;script&gt;"));
	assert_null(strstr(h->out.data, "<script>"));
	arena_free(a);
}

static void test_json_writer(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, NULL);
	struct render_json j;
	render_json_init(&j, &b);
	render_json_obj_begin(&j, NULL);
	render_json_str(&j, "s", "q\"\\\x01\xe2\x80\xa8 Ё");
	render_json_int(&j, "n", -5);
	render_json_arr_begin(&j, "l");
	render_json_bool(&j, NULL, 1);
	render_json_null(&j, NULL);
	render_json_str(&j, NULL, NULL);
	render_json_arr_end(&j);
	render_json_str(&j, "bad", "\xff");
	render_json_obj_end(&j);
	assert_string_equal(b.data,
			    "{\"s\":\"q\\\"\\\\\\u0001\\u2028 Ё\",\"n\":-5,"
			    "\"l\":[true,null,null],\"bad\":\"\\ufffd\"}");
	buf_reset(&b);
}

static void test_escapers(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, NULL);
	render_escape_html(&b, "<a href='x'>&\"", 14);
	assert_string_equal(b.data, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
	buf_clear(&b);
	render_escape_url(&b, "a b/ё", strlen("a b/ё"));
	assert_string_equal(b.data, "a%20b%2F%D1%91");
	buf_clear(&b);
	render_escape_xml(&b, "a\x01<b>\t", 6);
	assert_string_equal(b.data, "a&lt;b&gt;\t");
	buf_clear(&b);
	render_escape_html(&b, "ok\xc3", 3);
	assert_string_equal(b.data, "ok\xef\xbf\xbd");
	assert_true(render_utf8_valid("Ёж ✓ 😀", strlen("Ёж ✓ 😀")));
	assert_false(render_utf8_valid("\xf5\x80\x80\x80", 4));
	buf_reset(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_query_limit),
		cmocka_unit_test(test_parse_id),
		cmocka_unit_test(test_reply_error_kinds),
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_escapers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
