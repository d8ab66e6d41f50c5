/*
 * test_util.c - arena, buf, err, embed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/embed.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static void test_arena_alloc_zeroed_aligned(void **state)
{
	(void)state;
	struct arena *a = arena_new(64);
	for (int i = 0; i < 1000; i++) {
		unsigned char *p = arena_alloc(a, (size_t)(i % 97) + 1);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		for (int k = 0; k < (i % 97) + 1; k++)
			assert_int_equal(p[k], 0);
		memset(p, 0xAB, (size_t)(i % 97) + 1);
	}
	void *big = arena_alloc(a, 1 << 20); /* larger than any block */
	assert_non_null(big);
	arena_reset(a);
	assert_int_equal(arena_used(a), 0);
	assert_non_null(arena_alloc(a, 10));
	arena_free(a);
	arena_free(NULL);
}

static void test_arena_grow(void **state)
{
	(void)state;
	struct arena *a = arena_new(64);
	int64_t *v = NULL;
	size_t n = 0, cap = 0;
	for (int64_t i = 0; i < 1000; i++) {
		int64_t *before = v;
		size_t had = cap;
		if (n == cap)
			v = arena_grow(a, v, n, &cap, sizeof *v, 3);
		/* grows only when full: 3, 6, 12, ... */
		if (had == n)
			assert_int_equal(cap, had ? had * 2 : 3);
		else
			assert_ptr_equal(v, before);
		assert_true(n < cap);
		assert_int_equal(v[n], 0); /* new room is zeroed */
		v[n++] = i * 7;
	}
	for (size_t i = 0; i < n; i++) /* copies kept every element */
		assert_int_equal(v[i], (int64_t)i * 7);
	/* first 0 still makes room */
	char *c = NULL;
	size_t cn = 0, ccap = 0;
	c = arena_grow(a, c, cn, &ccap, 1, 0);
	assert_true(ccap >= 1);
	c[cn++] = 'x';
	assert_ptr_equal(arena_grow(a, c, cn - 1, &ccap, 1, 0), c);
	arena_free(a);
}

static void test_arena_strings(void **state)
{
	(void)state;
	struct arena *a = arena_new(0);
	assert_string_equal(arena_strdup(a, "héllo"), "héllo");
	assert_null(arena_strdup(a, NULL));
	assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
	assert_string_equal(arena_printf(a, "%d-%s", 42, "x"), "42-x");
	arena_free(a);
}

static void test_buf_heap_and_arena(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, NULL);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	assert_true(b.len > 3000);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data, "0,1,2,", 6);
	size_t len;
	char *s = buf_detach(&b, &len);
	assert_int_equal(strlen(s), len);
	free(s);
	assert_string_equal(b.data, "");
	buf_reset(&b);

	struct arena *a = arena_new(0);
	struct buf ab;
	buf_init(&ab, a);
	buf_puts(&ab, "x");
	buf_putc(&ab, 'y');
	buf_append(&ab, "z\0w", 3);
	assert_int_equal(ab.len, 5);
	buf_clear(&ab);
	assert_int_equal(ab.len, 0);
	char big[5000];
	memset(big, 'q', sizeof big);
	buf_append(&ab, big, sizeof big);
	assert_int_equal(ab.len, sizeof big);
	arena_free(a);
}

static void test_err_set(void **state)
{
	(void)state;
	struct err e = {0};
	assert_int_equal(err_set(&e, ERR_DB, "article %d: %s", 12, "gone"),
			 ERR_DB);
	assert_string_equal(e.msg, "article 12: gone");
	assert_int_equal(err_set(NULL, ERR_IO, "x"), ERR_IO);
	err_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(err_name(ERR_NOTFOUND), "not found");
}

static void test_embed_sorted_and_found(void **state)
{
	(void)state;
	assert_true(embed_count > 0);
	for (unsigned long i = 1; i < embed_count; i++)
		assert_true(strcmp(embed_files[i - 1].path,
				   embed_files[i].path) < 0);
	const struct embed_file *f = embed_find(embed_files[0].path);
	assert_ptr_equal(f, &embed_files[0]);
	assert_null(embed_find("no/such/file"));
	assert_int_equal(f->data[f->len], '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_alloc_zeroed_aligned),
		cmocka_unit_test(test_arena_strings),
		cmocka_unit_test(test_arena_grow),
		cmocka_unit_test(test_buf_heap_and_arena),
		cmocka_unit_test(test_err_set),
		cmocka_unit_test(test_embed_sorted_and_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
