/*
 * mustache.h - Mustache templates: compile once, render many times.
 *
 * Implements the official spec (tests/data/mustache-spec): interpolation,
 * sections, inverted sections, comments, set delimiters, partials with
 * standalone-line indentation, and the optional inheritance ({{<parent}},
 * {{$block}}) and dynamic-name ({{>*name}}, {{<*name}}) modules. Lambdas
 * are not supported: data is plain values (value.h).
 *
 * A template is parsed once into a flat node array; rendering walks it and
 * appends to a buf without allocating (beyond the buf growing) and without
 * locks. {{x}} escapes with render_escape_html (& < > " ' become entities;
 * invalid UTF-8 becomes U+FFFD); {{{x}}} and {{&x}} write the value as is.
 *
 * Truthiness follows render_val_truthy (value.h): "", 0 and [] are falsey.
 * A list or object interpolates as nothing, a bool as "true"/"false".
 * A partial or parent the loader does not have renders as nothing (spec).
 *
 * Not here: HTML/URL/JSON escapers (escape.h), Markdown, page caching,
 * reading theme files (the caller's loader does that).
 */
#ifndef GAZETTE_RENDER_MUSTACHE_H
#define GAZETTE_RENDER_MUSTACHE_H

#include <stddef.h>

struct buf;
struct err;
struct render_val;

/* Nesting limit while rendering: sections, partials, parents and blocks
 * inside each other. Deeper (e.g. a partial that includes itself without
 * end) fails with ERR_INVALID instead of exhausting the stack. Also the
 * most sections a template may nest. */
#define RENDER_MAX_DEPTH 256

/* Most distinct template names a set remembers as missing when they come
 * from data ({{>*name}}); beyond that a miss asks the loader each time. */
#define RENDER_TMPL_MAX 4096

/* Compiled templates by name: long-lived, shared by all threads. */
typedef struct render_tmpl_set render_tmpl_set;

/*
 * Loader: find the source of template `name` ("article",
 * "partials/header"; for {{>x}} the name is the tag content as written).
 * On success return 0 and set *src, *len and *file (the name for messages,
 * e.g. "theme/templates/article.mustache"; NULL means use `name`). The
 * set copies src and file before it calls the loader again, so they only
 * need to stay valid until then. Return ERR_NOTFOUND when there is no
 * such template, any other ERR_* when loading failed. The set calls its
 * loader under a mutex, never from two threads at once.
 */
typedef int (*render_tmpl_loader)(void *ctx, const char *name, const char **src,
				  size_t *len, const char **file);

/* New empty set that loads templates with load(ctx, ...) on first use.
 * Caller frees with render_tmpl_set_free. Returns 0, or ERR_IO when the
 * mutex cannot be created (*out is then NULL). */
int render_tmpl_set_new(render_tmpl_loader load, void *ctx,
			render_tmpl_set **out, struct err *e);

/* Free the set and every compiled template. No render may be running.
 * NULL is a no-op. */
void render_tmpl_set_free(render_tmpl_set *set);

/*
 * Compile template `name` and every partial and parent it names (not the
 * ones picked by data, {{>*x}}), unless already compiled. Use at start-up
 * to fail early on a broken theme. Thread-safe.
 *
 * Errors: ERR_NOTFOUND when the loader has no `name`; ERR_INVALID with
 * "file:line: reason" for a syntax error in it or in a template it names
 * (unclosed tag, unclosed section 'items', end tag that does not match,
 * bad delimiter change, bad tag name); the loader's own code otherwise.
 * A failed compile caches nothing: the next call tries again.
 */
int render_tmpl_compile(render_tmpl_set *set, const char *name, struct err *e);

/*
 * Render template `name` with `data` (NULL renders with an empty context)
 * and append the output to out. Compiles on first use (under the set's
 * mutex, see render_tmpl_compile); after that it takes no lock, so any
 * number of threads may render from one set at once. data is only read.
 *
 * Errors: those of render_tmpl_compile, and ERR_INVALID when nesting
 * exceeds RENDER_MAX_DEPTH. On error out holds partial output: discard it.
 */
int render_tmpl_render(render_tmpl_set *set, const char *name,
		       const struct render_val *data, struct buf *out,
		       struct err *e);

/*
 * Outputs of partials kept for one outer context (see
 * render_tmpl_render_in). Thread-safe; long-lived: caller frees with
 * render_memo_free, after every render that uses it (the outputs are
 * heap memory of the memo; a few dozen partials at most, later ones
 * render each time).
 */
typedef struct render_memo render_memo;

render_memo *render_memo_new(void);
void render_memo_free(render_memo *m); /* NULL is a no-op */

/* Outputs kept so far (for tests). */
size_t render_memo_count(const render_memo *m);

/*
 * As render_tmpl_render, with `base` as an outer context below `data`:
 * a name data does not have is looked up in base, exactly as if data
 * were a section value pushed over base ({{#data}}...{{/data}} rendered
 * with base). NULL base is render_tmpl_render.
 *
 * With memo (and base), a static partial included at the top level of
 * the context (not inside a section), without indentation, and whose
 * output can only depend on names data does not have, is rendered once
 * and then copied from memo: "can only depend" is decided when the
 * partial compiles, from every name it and the partials it includes
 * look up (one with a dynamic partial, a parent, a block or a "." name
 * is never memoized). So memo belongs to one base: base must not change
 * while memo lives, and a new base needs a new memo.
 */
int render_tmpl_render_in(render_tmpl_set *set, const char *name,
			  const struct render_val *base, render_memo *memo,
			  const struct render_val *data, struct buf *out,
			  struct err *e);

/*
 * One-off: compile the len bytes at src, render them with `data` and append
 * to out. Partials and parents come from `partials`, an object of name ->
 * string value (NULL: none). Nothing is cached, so this is for tests,
 * tools and rarely used strings, not for pages. Errors as above, with
 * "<string>" (or the partial's name) as the file in messages.
 */
int render_mustache_string(const char *src, size_t len,
			   const struct render_val *data,
			   const struct render_val *partials, struct buf *out,
			   struct err *e);

#endif
