/*
 * json.h - streaming JSON writer into a buf.
 *
 * Keeps commas and nesting right so handlers only say what to write.
 * Strings go through render_escape_json, so any Unicode and control
 * characters come out valid (invalid UTF-8 becomes U+FFFD). `key` is the
 * member name inside an object and must be NULL inside an array. Not a
 * parser: reading JSON is jansson's job.
 */
#ifndef GAZETTE_RENDER_JSON_H
#define GAZETTE_RENDER_JSON_H

#include <stdint.h>

struct buf;

#define RENDER_JSON_DEPTH 32

struct render_json {
	struct buf *b;                        /* output, not owned */
	int depth;                            /* open containers */
	unsigned char count[RENDER_JSON_DEPTH]; /* members so far, capped */
};

void render_json_init(struct render_json *j, struct buf *b);
void render_json_obj_begin(struct render_json *j, const char *key);
void render_json_obj_end(struct render_json *j);
void render_json_arr_begin(struct render_json *j, const char *key);
void render_json_arr_end(struct render_json *j);
/* NULL s writes null. */
void render_json_str(struct render_json *j, const char *key, const char *s);
void render_json_int(struct render_json *j, const char *key, int64_t v);
void render_json_bool(struct render_json *j, const char *key, int v);
void render_json_null(struct render_json *j, const char *key);

#endif
