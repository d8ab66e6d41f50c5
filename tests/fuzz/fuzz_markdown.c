/*
 * fuzz_markdown.c - libFuzzer target: Markdown to HTML and to text.
 * Safe mode must hold for any input: no raw <script> survives.
 */
#include "render/markdown.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct arena *a = arena_new(0);
	struct buf out;
	buf_init(&out, a);
	struct err e = {0};
	if (render_md_to_html((const char *)d, n, &out, &e) == 0)
		assert(!strstr(out.data, "<script"));
	buf_clear(&out);
	render_md_to_text((const char *)d, n, &out, &e);
	arena_free(a);
	return 0;
}
