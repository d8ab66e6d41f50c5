/*
 * fuzz_mustache.c - libFuzzer target: compile and render any template.
 * Input: template, then optional partials "p" and "q", separated by a
 * 0x01 byte. Errors are fine; crashes, leaks and hangs are not.
 */
#include "render/mustache.h"
#include "render/value.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* The context every input renders with: names a template may use. */
static struct render_val *fuzz_data(struct arena *a)
{
	struct render_val *o = render_obj_new(a);
	render_obj_set_str(o, "name", "<b>&\"'");
	render_obj_set_int(o, "count", 7);
	render_obj_set_bool(o, "yes", 1);
	struct render_val *items = render_obj_add_list(o, "items");
	for (int i = 0; i < 3; i++) {
		struct render_val *it = render_list_add_obj(items);
		render_obj_set_int(it, "i", i);
		render_obj_set_str(it, "name", "item");
	}
	struct render_val *nested = render_obj_add_obj(o, "a");
	render_obj_set_str(render_obj_add_obj(nested, "b"), "c", "deep");
	render_obj_set_str(o, "partial", "p");
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct arena *a = arena_new(0);
	const char *s = (const char *)d;
	const char *sep = memchr(s, 1, n);
	size_t tl = sep ? (size_t)(sep - s) : n;
	struct render_val *parts = render_obj_new(a);
	if (sep) {
		const char *p = sep + 1;
		size_t pl = n - tl - 1;
		const char *sep2 = memchr(p, 1, pl);
		size_t l1 = sep2 ? (size_t)(sep2 - p) : pl;
		render_obj_set(parts, "p", render_strn_new(a, p, l1));
		if (sep2)
			render_obj_set(parts, "q",
				       render_strn_new(a, sep2 + 1, pl - l1 - 1));
	}
	struct buf out;
	buf_init(&out, a);
	struct err e = {0};
	render_mustache_string(s, tl, fuzz_data(a), parts, &out, &e);
	arena_free(a);
	return 0;
}
