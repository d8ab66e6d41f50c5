/*
 * json.c - streaming JSON writer. See json.h.
 */
#include "render/json.h"
#include "render/escape.h"
#include "render/internal.h"
#include "util/buf.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

void render_json_init(struct render_json *j, struct buf *b)
{
	memset(j, 0, sizeof *j);
	j->b = b;
}

static void render_json_key(struct render_json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->count[j->depth - 1])
			render_buf_putc(j->b, ',');
		else
			j->count[j->depth - 1] = 1;
	}
	if (key) {
		render_buf_putc(j->b, '"');
		render_escape_json(j->b, key, strlen(key));
		render_buf_append(j->b, "\":", 2);
	}
}

static void render_json_open(struct render_json *j, const char *key, char c)
{
	assert(j->depth < RENDER_JSON_DEPTH);
	render_json_key(j, key);
	render_buf_putc(j->b, c);
	j->count[j->depth++] = 0;
}

static void render_json_close(struct render_json *j, char c)
{
	assert(j->depth > 0);
	j->depth--;
	render_buf_putc(j->b, c);
}

void render_json_obj_begin(struct render_json *j, const char *key)
{
	render_json_open(j, key, '{');
}

void render_json_obj_end(struct render_json *j)
{
	render_json_close(j, '}');
}

void render_json_arr_begin(struct render_json *j, const char *key)
{
	render_json_open(j, key, '[');
}

void render_json_arr_end(struct render_json *j)
{
	render_json_close(j, ']');
}

void render_json_str(struct render_json *j, const char *key, const char *s)
{
	render_json_key(j, key);
	if (!s) {
		render_buf_append(j->b, "null", 4);
		return;
	}
	render_buf_putc(j->b, '"');
	render_escape_json(j->b, s, strlen(s));
	render_buf_putc(j->b, '"');
}

void render_json_int(struct render_json *j, const char *key, int64_t v)
{
	render_json_key(j, key);
	/* digits by hand: printf was a visible share of a JSON list */
	char tmp[24], *p = tmp + sizeof tmp;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	render_buf_append(j->b, p, (size_t)(tmp + sizeof tmp - p));
}

void render_json_bool(struct render_json *j, const char *key, int v)
{
	render_json_key(j, key);
	if (v)
		render_buf_append(j->b, "true", 4);
	else
		render_buf_append(j->b, "false", 5);
}

void render_json_null(struct render_json *j, const char *key)
{
	render_json_key(j, key);
	render_buf_append(j->b, "null", 4);
}
