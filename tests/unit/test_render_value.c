/*
 * test_render_value.c - the template value tree (render/value.h):
 * insertion order, replacement, the hash index of large objects, string
 * ownership, truthiness; and the JSON escaper the tree's strings go
 * through in JSON-LD and the API, with the XML and URL escapers: their
 * run-copying forms against byte-at-a-time references.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "render/escape.h"
#include "render/value.h"
#include "util/buf.h"
#include "util/arena.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Byte-at-a-time references: what the escapers gave before they
 * copied runs (and before XML checked 8 bytes at a time). */
static void ref_xml(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c >= 0x80) {
			size_t l = render_utf8_len(p + i, n - i);
			if (l) {
				buf_append(b, p + i, l);
				i += l;
			} else {
				buf_puts(b, "\xEF\xBF\xBD");
				i++;
			}
			continue;
		}
		switch (c) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&apos;");
			break;
		default:
			if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
				buf_putc(b, (char)c);
		}
		i++;
	}
}

static void ref_html(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c >= 0x80) {
			size_t l = render_utf8_len(p + i, n - i);
			if (l) {
				buf_append(b, p + i, l);
				i += l;
			} else {
				buf_puts(b, "\xEF\xBF\xBD");
				i++;
			}
			continue;
		}
		switch (c) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&#39;");
			break;
		case '\0':
			buf_puts(b, "\xEF\xBF\xBD");
			break;
		default:
			buf_putc(b, (char)c);
		}
		i++;
	}
}

static void ref_url(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			buf_putc(b, (char)c);
		else
			buf_printf(b, "%%%02X", c);
	}
}

/* Every special byte, valid and broken UTF-8, at every offset from an
 * 8-byte boundary, inside runs of plain text: XML, URL and HTML. */
static void test_escape_runs(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	static const char *const specials[] = {
		"&",
		"<",
		">",
		"\"",
		"'",
		"\t",
		"\n",
		"\r",
		"\x01",
		"\x1f",
		"\x7f",
		"\xff",
		"\xc3",
		"\xc3\xa9",
		"\xd0\x9c",
		"\xe2\x80\xa8",
		"\xf0\x9f\x98\x80",
		"\xed\xa0\x80",
		"%",
		"~",
		"/",
		" ",
	};
	for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++)
		for (size_t off = 0; off < 20; off++) {
			char in[64];
			size_t sl = strlen(specials[k]);
			memset(in, 'a', sizeof in);
			memcpy(in + off, specials[k], sl);
			memcpy(in + off + sl + 3, specials[k], sl);
			size_t n = off + 2 * sl + 3 + (off % 11);
			const unsigned char *u = (const unsigned char *)in;
			struct buf got, want;
			buf_init(&got, a);
			buf_init(&want, a);
			render_escape_xml(&got, in, n);
			ref_xml(&want, u, n);
			assert_int_equal(got.len, want.len);
			assert_memory_equal(got.data, want.data, got.len);
			buf_clear(&got);
			buf_clear(&want);
			render_escape_url(&got, in, n);
			ref_url(&want, u, n);
			assert_string_equal(got.data, want.data);
			buf_clear(&got);
			buf_clear(&want);
			render_escape_html(&got, in, n);
			ref_html(&want, u, n);
			assert_int_equal(got.len, want.len);
			assert_memory_equal(got.data, want.data, got.len);
		}
	/* a NUL inside: XML drops it, URL escapes it */
	struct buf b;
	buf_init(&b, a);
	render_escape_xml(&b, "ab\0cdefghij<", 13);
	assert_string_equal(b.data, "abcdefghij&lt;");
	buf_clear(&b);
	render_escape_url(&b, "a\0b", 3);
	assert_string_equal(b.data, "a%00b");
	/* HTML replaces it */
	buf_clear(&b);
	render_escape_html(&b, "abcdefgh\0ij'", 12);
	assert_string_equal(b.data, "abcdefgh\xEF\xBF\xBDij&#39;");
	arena_free(a);
}

/* JSON escaping (render/escape.c): runs of plain text copied whole,
 * every special character escaped at any place in a run. */
static void test_escape_json(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"", ""},
		{"plain text", "plain text"},
		{"a\"b", "a\\\"b"},
		{"\"lead", "\\\"lead"},
		{"tail\\", "tail\\\\"},
		{"</script>", "\\u003c/script>"},
		{"line\nbreak\ttab\rcr", "line\\nbreak\\ttab\\rcr"},
		{"\x01\x1f\x7f~", "\\u0001\\u001f\\u007f~"},
		{"Мир <b> \xe2\x80\xa8 end", "Мир \\u003cb> \\u2028 end"},
		{"bad \xff byte", "bad \\ufffd byte"},
		/* runs of valid UTF-8 end at a broken sequence */
		{"Мир\xffмир", "Мир\\ufffdмир"},
		{"é\xc3", "é\\ufffd"},
		{"\xe2\x80\xa9Мир\xe2\x80\xa8", "\\u2029Мир\\u2028"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b;
		buf_init(&b, a);
		render_escape_json(&b, cases[i].in, strlen(cases[i].in));
		assert_string_equal(b.data, cases[i].out);
	}
	/* a long run with one quote in the middle */
	char in[3001], out[3003];
	memset(in, 'x', 3000);
	in[3000] = '\0';
	in[1500] = '"';
	memcpy(out, in, 1500);
	out[1500] = '\\';
	memcpy(out + 1501, in + 1500, 1501);
	struct buf b;
	buf_init(&b, a);
	render_escape_json(&b, in, 3000);
	assert_string_equal(b.data, out);
	arena_free(a);
}

/* Byte-at-a-time JSON, as ref_html and ref_xml above. */
static void ref_json(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t l = c >= 0x80 ? render_utf8_len(p + i, n - i) : 1;
		if (c >= 0x80) {
			if (!l) {
				buf_puts(b, "\\ufffd");
				i++;
			} else if (l == 3 && c == 0xE2 && p[i + 1] == 0x80 &&
				   (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
				buf_printf(b, "\\u%04x",
					   p[i + 2] == 0xA8 ? 0x2028 : 0x2029);
				i += 3;
			} else {
				buf_append(b, p + i, l);
				i += l;
			}
			continue;
		}
		i++;
		if (c == '"')
			buf_puts(b, "\\\"");
		else if (c == '\\')
			buf_puts(b, "\\\\");
		else if (c == '\n')
			buf_puts(b, "\\n");
		else if (c == '\r')
			buf_puts(b, "\\r");
		else if (c == '\t')
			buf_puts(b, "\\t");
		else if (c == '\b')
			buf_puts(b, "\\b");
		else if (c == '\f')
			buf_puts(b, "\\f");
		else if (c == '<')
			buf_puts(b, "\\u003c");
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, (char)c);
	}
}

static void test_escape_random(void **state)
{
	(void)state;
	/* mostly plain text, with every kind of byte the escapers treat
	 * apart somewhere in it: at each offset of a 16-byte block, at the
	 * ends, in UTF-8 sequences cut short */
	static const char *const bits[] = {
		"&",
		"<",
		">",
		"\"",
		"'",
		"\\",
		"\n",
		"\t",
		"\r",
		"\x01",
		"\x7f",
		"\x1f",
		"Ж",
		"é",
		"\xe2\x80\xa8",
		"\xe2\x80\xa9",
		"\xff",
		"\xc3",
		"\xe2\x80",
		"\xf0\x9f\x98\x80",
		"€",
	};
	struct arena *a = arena_new(0);
	uint32_t seed = 12345;
	for (int round = 0; round < 3000; round++) {
		unsigned char in[200];
		size_t n = 0;
		seed = seed * 1103515245u + 12345u;
		size_t want = (seed >> 16) % 120;
		while (n < want) {
			seed = seed * 1103515245u + 12345u;
			unsigned r = (seed >> 16) % 100;
			if (r < 80) {
				in[n++] = (unsigned char)('a' + r % 26);
			} else {
				const char *x =
					bits[r % (sizeof bits / sizeof bits[0])];
				size_t l = strlen(x);
				if (n + l > sizeof in)
					break;
				memcpy(in + n, x, l);
				n += l;
			}
		}
		if (round % 7 == 0 && n)
			in[n / 2] = 0; /* a NUL inside */
		struct buf got, ref;
		buf_init(&got, a);
		buf_init(&ref, a);
		render_escape_html(&got, (const char *)in, n);
		ref_html(&ref, in, n);
		assert_int_equal(got.len, ref.len);
		assert_memory_equal(got.data, ref.data, ref.len);
		buf_init(&got, a);
		buf_init(&ref, a);
		render_escape_xml(&got, (const char *)in, n);
		ref_xml(&ref, in, n);
		assert_int_equal(got.len, ref.len);
		assert_memory_equal(got.data, ref.data, ref.len);
		buf_init(&got, a);
		buf_init(&ref, a);
		render_escape_json(&got, (const char *)in, n);
		ref_json(&ref, in, n);
		assert_int_equal(got.len, ref.len);
		assert_memory_equal(got.data, ref.data, ref.len);
	}
	arena_free(a);
}

static void test_obj_order_and_replace(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	struct render_val *o = render_obj_new(a);
	render_obj_set_str(o, "b", "1");
	render_obj_set_int(o, "a", 2);
	render_obj_set_bool(o, "c", 1);
	render_obj_set_str(o, "b", "3"); /* replaces, keeps position */
	assert_int_equal(o->len, 3);
	assert_string_equal(o->u.members[0].key, "b");
	assert_string_equal(o->u.members[1].key, "a");
	assert_string_equal(o->u.members[2].key, "c");
	assert_string_equal(render_obj_get(o, "b")->u.s, "3");
	assert_int_equal(render_obj_get(o, "a")->u.i, 2);
	assert_null(render_obj_get(o, "zz"));
	assert_null(render_obj_get(NULL, "a"));
	assert_null(render_obj_get(render_obj_get(o, "a"), "x")); /* not obj */
	/* NULL stores a null value */
	render_obj_set_str(o, "n", NULL);
	render_obj_set(o, "m", NULL);
	assert_int_equal(render_obj_get(o, "n")->type, RENDER_NULL);
	assert_int_equal(render_obj_get(o, "m")->type, RENDER_NULL);
	arena_free(a);
}

static void test_obj_large(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	struct render_val *o = render_obj_new(a);
	char k[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(k, sizeof k, "key%d", i);
		render_obj_set_int(o, k, i);
	}
	for (int i = 0; i < 1000; i += 2) { /* replace through the index */
		snprintf(k, sizeof k, "key%d", i);
		render_obj_set_int(o, k, -i);
	}
	assert_int_equal(o->len, 1000);
	assert_non_null(o->index);
	for (int i = 0; i < 1000; i++) {
		snprintf(k, sizeof k, "key%d", i);
		struct render_val *v = render_obj_get(o, k);
		assert_non_null(v);
		assert_int_equal(v->u.i, i % 2 ? i : -i);
		snprintf(k, sizeof k, "key%d", i);
		assert_string_equal(o->u.members[i].key, k);
	}
	assert_null(render_obj_get(o, "key1000"));
	arena_free(a);
}

static void test_strings(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	char tmp[8] = "abc";
	struct render_val *c = render_str_new(a, tmp);
	static const char lit[] = "static";
	struct render_val *r = render_strref_new(a, lit);
	tmp[0] = 'X';
	assert_string_equal(c->u.s, "abc"); /* copied */
	assert_ptr_equal(r->u.s, lit);      /* referenced */
	assert_int_equal(r->len, 6);
	struct render_val *n = render_strn_new(a, "hello", 4);
	assert_int_equal(n->len, 4);
	assert_string_equal(n->u.s, "hell"); /* NUL-terminated */
	assert_int_equal(render_str_new(a, NULL)->type, RENDER_NULL);
	assert_int_equal(render_strref_new(a, NULL)->type, RENDER_NULL);
	/* keys are copied */
	struct render_val *o = render_obj_new(a);
	char key[8] = "k1";
	render_obj_set_strref(o, key, lit);
	key[1] = '2';
	assert_non_null(render_obj_get(o, "k1"));
	assert_null(render_obj_get(o, "k2"));
	arena_free(a);
}

static void test_lists(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	struct render_val *o = render_obj_new(a);
	struct render_val *l = render_obj_add_list(o, "items");
	for (int i = 0; i < 100; i++) {
		struct render_val *it = render_list_add_obj(l);
		render_obj_set_int(it, "n", i);
	}
	render_list_push(l, NULL);
	assert_ptr_equal(render_obj_get(o, "items"), l);
	assert_int_equal(l->len, 101);
	assert_int_equal(render_obj_get(l->u.items[42], "n")->u.i, 42);
	assert_int_equal(l->u.items[100]->type, RENDER_NULL);
	struct render_val *child = render_obj_add_obj(o, "child");
	assert_ptr_equal(render_obj_get(o, "child"), child);
	arena_free(a);
}

static void test_truthy(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	assert_false(render_val_truthy(NULL));
	assert_false(render_val_truthy(render_null_new(a)));
	assert_false(render_val_truthy(render_bool_new(a, 0)));
	assert_true(render_val_truthy(render_bool_new(a, 7)));
	assert_false(render_val_truthy(render_int_new(a, 0)));
	assert_true(render_val_truthy(render_int_new(a, -1)));
	assert_false(render_val_truthy(render_double_new(a, 0.0)));
	assert_false(render_val_truthy(render_double_new(a, NAN)));
	assert_true(render_val_truthy(render_double_new(a, 0.5)));
	assert_false(render_val_truthy(render_str_new(a, "")));
	assert_true(render_val_truthy(render_str_new(a, "0")));
	assert_false(render_val_truthy(render_list_new(a)));
	struct render_val *l = render_list_new(a);
	render_list_push(l, render_null_new(a));
	assert_true(render_val_truthy(l));
	assert_true(render_val_truthy(render_obj_new(a)));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_json),
		cmocka_unit_test(test_escape_runs),
		cmocka_unit_test(test_escape_random),
		cmocka_unit_test(test_obj_order_and_replace),
		cmocka_unit_test(test_obj_large),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_truthy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
