/*
 * fuzz_uri.c - libFuzzer target: request-target parsing (path, query).
 * Any input must parse or fail cleanly; a parsed path is valid UTF-8
 * without NUL bytes.
 */
#include "http/http.h"
#include "render/escape.h"
#include "util/arena.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct arena *a = arena_new(0);
	struct http_req r;
	memset(&r, 0, sizeof r);
	r.a = a;
	r.uri = arena_strndup(a, (const char *)d, n);
	struct err e = {0};
	if (http_req_parse_uri(&r, &e) == 0) {
		assert(render_utf8_valid(r.path, strlen(r.path)));
		for (size_t i = 0; i < r.n_query; i++)
			assert(render_utf8_valid(r.query[i].value,
						 strlen(r.query[i].value)));
	}
	arena_free(a);
	return 0;
}
