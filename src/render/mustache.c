/*
 * mustache.c - Mustache compiler and renderer. See mustache.h.
 *
 * Compiling (mustache_parse.c) turns a template's source into a flat
 * node array (mustache_internal.h); this file keeps the sets and renders.
 *
 * Indentation of standalone partials is applied while rendering, because
 * one compiled partial serves every indentation: nodes that start a source
 * line carry MF_BOL, and the renderer writes the chain of active
 * indentations before them and after each newline inside text. The spec
 * indents the partial's own lines only, never text that comes from data.
 *
 * Sets: templates compile lazily under a mutex into a hash table that
 * renderers probe without a lock. Entries are only ever added, each
 * published with a release store; a grown table replaces the old one,
 * which stays allocated until the set is freed. A template and every
 * template it names compile as one batch that is published only when all
 * of it parsed, so a renderer never sees a half-built template.
 *
 * Memoized partials (render_tmpl_render_in): when a template compiles,
 * tmpl_deps collects the first part of every name it and the partials it
 * includes look up. A partial included at the top of the context stack
 * (the page's data over a shared outer context), without indentation,
 * when the data has none of those names, can only render what the outer
 * context gives: its output is kept in the caller's render_memo and
 * copied the next times (the site header and footer of every page).
 */
#include "render/mustache.h"
#include "render/escape.h"
#include "render/internal.h"
#include "render/mustache_internal.h"
#include "render/value.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUSTACHE_MAP_MIN 64 /* initial slots in a set's table */

/* ---- the set ------------------------------------------------------------ */

struct tmpl_map {
	size_t cap;                    /* slots, a power of two */
	struct tmpl_map *older;        /* table this one replaced, or NULL */
	_Atomic(struct tmpl *) slot[]; /* open addressing, NULL = empty */
};

struct render_tmpl_set {
	render_tmpl_loader load;        /* where sources come from */
	void *load_ctx;                 /* its argument */
	pthread_mutex_t lock;           /* serialises compiling and loading */
	_Atomic(struct tmpl_map *) map; /* published templates, by name */
	size_t count;                   /* entries in map (under lock) */
	struct tmpl *all; /* every template, to free (under lock) */
};

/* ---- the set: table, loading, batches ----------------------------------- */

static struct tmpl_map *map_new(size_t cap)
{
	struct tmpl_map *m = xmalloc(sizeof *m + cap * sizeof m->slot[0]);
	m->cap = cap;
	m->older = NULL;
	for (size_t i = 0; i < cap; i++)
		atomic_init(&m->slot[i], NULL);
	return m;
}

/* Lock-free lookup: safe while another thread inserts. */
static struct tmpl *map_find(render_tmpl_set *set, const char *name, size_t len,
			     uint32_t hash)
{
	struct tmpl_map *m =
		atomic_load_explicit(&set->map, memory_order_acquire);
	size_t mask = m->cap - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct tmpl *t =
			atomic_load_explicit(&m->slot[i], memory_order_acquire);
		if (!t)
			return NULL;
		if (t->hash == hash && t->name_len == len &&
		    !memcmp(t->name, name, len))
			return t;
	}
}

static void map_put(struct tmpl_map *m, struct tmpl *t)
{
	size_t mask = m->cap - 1, i = t->hash & mask;
	while (atomic_load_explicit(&m->slot[i], memory_order_relaxed))
		i = (i + 1) & mask;
	atomic_store_explicit(&m->slot[i], t, memory_order_release);
}

/* Under set->lock. */
static void map_insert(render_tmpl_set *set, struct tmpl *t)
{
	struct tmpl_map *m =
		atomic_load_explicit(&set->map, memory_order_relaxed);
	if ((set->count + 1) * 2 > m->cap) {
		struct tmpl_map *g = map_new(m->cap * 2);
		for (size_t i = 0; i < m->cap; i++) {
			struct tmpl *o = atomic_load_explicit(
				&m->slot[i], memory_order_relaxed);
			if (o)
				map_put(g, o);
		}
		g->older = m;
		atomic_store_explicit(&set->map, g, memory_order_release);
		m = g;
	}
	map_put(m, t);
	set->count++;
}

/* New template entry; src NULL makes a "missing" one. */
static struct tmpl *tmpl_new(const char *name, size_t name_len, const char *src,
			     size_t len, const char *file)
{
	struct arena *a = arena_new(src ? len + 4096 : 512);
	struct tmpl *t = arena_alloc(a, sizeof *t);
	t->a = a;
	t->name = arena_strndup(a, name, name_len);
	t->name_len = name_len;
	t->hash = render_key_hash(name, name_len);
	t->file = arena_strdup(a, file ? file : t->name);
	t->memo = MEMO_UNKNOWN;
	if (src) {
		t->src = arena_strndup(a, src, len);
		t->len = len;
	} else {
		t->missing = 1;
	}
	return t;
}

struct batch {
	struct tmpl *head;  /* templates loaded in this batch, in order */
	struct tmpl **tail; /* where the next one goes */
};

/* Ask the loader for `name` (NUL-terminated at name[len]) and queue the
 * new entry. */
static int batch_load(render_tmpl_set *set, struct batch *b, const char *name,
		      size_t len, struct tmpl **out, struct err *e)
{
	const char *src = NULL, *file = NULL;
	size_t slen = 0;
	int rc = set->load(set->load_ctx, name, &src, &slen, &file);
	if (rc && rc != ERR_NOTFOUND)
		return err_set(e, rc, "template '%.*s': loading failed (%s)",
			       mustache_show_len(len), name, err_name(rc));
	if (!rc && !src)
		src = "", slen = 0;
	struct tmpl *t = tmpl_new(name, len, rc ? NULL : src, slen, file);
	*b->tail = t;
	b->tail = &t->next;
	*out = t;
	return 0;
}

/* The template a static {{>name}} refers to: published, in this batch,
 * or newly loaded. */
static int batch_ref(render_tmpl_set *set, struct batch *b, const char *name,
		     size_t len, struct tmpl **out, struct err *e)
{
	uint32_t h = render_key_hash(name, len);
	struct tmpl *t = map_find(set, name, len, h);
	if (!t)
		for (t = b->head; t; t = t->next)
			if (t->hash == h && t->name_len == len &&
			    !memcmp(t->name, name, len))
				break;
	if (t) {
		*out = t;
		return 0;
	}
	return batch_load(set, b, name, len, out, e);
}

static void batch_free(struct tmpl *t)
{
	while (t) {
		struct tmpl *next = t->next;
		arena_free(t->a);
		t = next;
	}
}

/*
 * Under set->lock: template `name` (NUL-terminated at name[len]), loaded
 * and compiled with everything it names unless already published. With
 * src, compile that source as an unnamed one-off instead (kept in
 * set->all, not in the table). *out is NULL when the name is missing and
 * cache_missing is 0; otherwise a missing name gives a `missing` entry.
 */
static int set_load_locked(render_tmpl_set *set, const char *name, size_t len,
			   const char *src, size_t slen, int cache_missing,
			   struct tmpl **out, struct err *e)
{
	struct batch b = {NULL, &b.head};
	struct tmpl *root;
	int rc;

	*out = NULL;
	if (src) {
		root = tmpl_new("", 0, src, slen, "<string>");
		*b.tail = root;
		b.tail = &root->next;
	} else {
		root = map_find(set, name, len, render_key_hash(name, len));
		if (root) { /* another thread compiled it meanwhile */
			*out = root;
			return 0;
		}
		rc = batch_load(set, &b, name, len, &root, e);
		if (rc)
			return rc;
		if (root->missing && !cache_missing) {
			batch_free(b.head);
			return 0;
		}
	}
	for (struct tmpl *t = b.head; t; t = t->next) {
		if (t->missing)
			continue;
		rc = mustache_tmpl_parse(t, e);
		if (rc)
			goto fail;
		for (uint32_t i = 0; i < t->nnodes; i++) {
			struct mnode *n = &t->nodes[i];
			if ((n->kind != MN_PARTIAL && n->kind != MN_PARENT) ||
			    (n->flags & MF_DYNAMIC))
				continue;
			rc = batch_ref(set, &b, n->s, n->len, &n->link, e);
			if (rc)
				goto fail;
		}
	}
	for (struct tmpl *t = b.head; t; t = t->next)
		mustache_tmpl_deps(t);
	/* publish: every node is written before the release stores */
	for (struct tmpl *t = b.head, *next; t; t = next) {
		next = t->next;
		if (!(src && t == root))
			map_insert(set, t);
		t->next = set->all;
		set->all = t;
	}
	*out = root;
	return 0;
fail:
	batch_free(b.head);
	return rc;
}

/* Published template `name` of len bytes (NUL at name[len]), compiling it
 * on first use. *out NULL or missing: no such template. */
static int set_get(render_tmpl_set *set, const char *name, size_t len,
		   struct tmpl **out, struct err *e)
{
	*out = map_find(set, name, len, render_key_hash(name, len));
	if (*out)
		return 0;
	pthread_mutex_lock(&set->lock);
	int rc = set_load_locked(set, name, len, NULL, 0,
				 set->count < RENDER_TMPL_MAX, out, e);
	pthread_mutex_unlock(&set->lock);
	return rc;
}

int render_tmpl_set_new(render_tmpl_loader load, void *ctx,
			render_tmpl_set **out, struct err *e)
{
	render_tmpl_set *set = xcalloc(1, sizeof *set);
	int rc = pthread_mutex_init(&set->lock, NULL);
	if (rc) {
		free(set);
		*out = NULL;
		return err_set(e, ERR_IO, "template set: mutex: %s",
			       strerror(rc));
	}
	set->load = load;
	set->load_ctx = ctx;
	atomic_init(&set->map, map_new(MUSTACHE_MAP_MIN));
	*out = set;
	return 0;
}

void render_tmpl_set_free(render_tmpl_set *set)
{
	if (!set)
		return;
	batch_free(set->all);
	struct tmpl_map *m =
		atomic_load_explicit(&set->map, memory_order_relaxed);
	while (m) {
		struct tmpl_map *older = m->older;
		free(m);
		m = older;
	}
	pthread_mutex_destroy(&set->lock);
	free(set);
}

int render_tmpl_compile(render_tmpl_set *set, const char *name, struct err *e)
{
	struct tmpl *t;
	int rc = set_get(set, name, strlen(name), &t, e);
	if (rc)
		return rc;
	if (!t || t->missing)
		return err_set(e, ERR_NOTFOUND, "template '%s' not found",
			       name);
	return 0;
}

/* ---- rendering ---------------------------------------------------------- */

struct rstate {
	render_tmpl_set *set;          /* for {{>*name}} */
	struct buf *out;               /* output */
	struct err *e;                 /* errors */
	unsigned depth;                /* nested render_range calls */
	const struct render_val *base; /* outer context, or NULL */
	render_memo *memo; /* outputs that depend on base alone, or NULL */
};

struct rctx { /* context stack, innermost first, on the C stack */
	const struct render_val *v;
	const struct rctx *up;
};

struct rind { /* indentation chain, innermost first */
	const char *s;
	size_t len;
	const struct rind *up;
};

struct rargs {                /* parent tags being expanded, innermost first */
	const struct tmpl *t; /* template holding the parent tag */
	uint32_t parent;      /* its node */
	const struct rargs *up;
};

static const struct render_val *ctx_lookup(const struct rctx *cx,
					   const struct mname *n)
{
	if (!n->nseg)
		return cx->v;
	const struct mseg *g = &n->seg[0];
	const struct render_val *v = NULL;
	for (; cx; cx = cx->up) {
		v = render_obj_getn(cx->v, g->s, g->len, g->hash);
		if (v)
			break;
	}
	/* later parts resolve only in what the first one found (spec:
	 * "Dotted Names - Context Precedence") */
	for (uint32_t k = 1; v && k < n->nseg; k++)
		v = render_obj_getn(v, n->seg[k].s, n->seg[k].len,
				    n->seg[k].hash);
	return v;
}

static void put_indent(struct buf *out, const struct rind *ind)
{
	if (!ind)
		return;
	put_indent(out, ind->up);
	render_buf_append(out, ind->s, ind->len);
}

static int line_empty(const char *s, size_t len, size_t i)
{
	return s[i] == '\n' ||
	       (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n');
}

/* Text with the indentation after each newline that starts a non-empty
 * line, and before it when it starts a line itself. */
static void put_text_indented(struct buf *out, const struct mnode *n,
			      const struct rind *ind)
{
	const char *s = n->s;
	size_t len = n->len, i = 0;
	if ((n->flags & MF_BOL) && len && !line_empty(s, len, 0))
		put_indent(out, ind);
	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - s) + 1 : len;
		render_buf_append(out, s + i, e - i);
		i = e;
		if (nl && i < len && !line_empty(s, len, i))
			put_indent(out, ind);
	}
}

static void put_int(struct buf *out, long long v)
{
	char tmp[24], *p = tmp + sizeof tmp;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
				       (unsigned long long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	render_buf_append(out, p, (size_t)(tmp + sizeof tmp - p));
}

/* Shortest %g that reads back as the same double: 1.21, not 1.2099999. */
static void put_double(struct buf *out, double d)
{
	char tmp[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	buf_puts(out, tmp);
}

static void put_val(struct buf *out, const struct render_val *v, int escape)
{
	switch (v->type) {
	case RENDER_STR:
		if (escape)
			render_escape_html(out, v->u.s, v->len);
		else
			render_buf_append(out, v->u.s, v->len);
		break;
	case RENDER_INT:
		put_int(out, v->u.i);
		break;
	case RENDER_DOUBLE:
		put_double(out, v->u.d);
		break;
	case RENDER_BOOL:
		if (v->u.b)
			render_buf_append(out, "true", 4);
		else
			render_buf_append(out, "false", 5);
		break;
	case RENDER_NULL:
	case RENDER_LIST:
	case RENDER_OBJ:
		break;
	}
}

/* Chain for a standalone tag's indentation; an empty one adds nothing. */
static const struct rind *ind_push(struct rind *frame, const char *s,
				   size_t len, const struct rind *up)
{
	if (!len)
		return up;
	frame->s = s;
	frame->len = len;
	frame->up = up;
	return frame;
}

/* Template a partial/parent node names, or NULL to render nothing. */
static int node_target(struct rstate *st, const struct mnode *n,
		       const struct rctx *cx, const struct tmpl **out)
{
	struct tmpl *t = n->link;
	*out = NULL;
	if (n->flags & MF_DYNAMIC) {
		const struct render_val *v = ctx_lookup(cx, n->name);
		if (!v || v->type != RENDER_STR || !v->len ||
		    memchr(v->u.s, '\0', v->len))
			return 0;
		int rc = set_get(st->set, v->u.s, v->len, &t, st->e);
		if (rc)
			return rc;
	}
	if (t && !t->missing)
		*out = t;
	return 0;
}

/* The override for slot n: the outermost parent tag that has a block of
 * that name wins (spec: "Multi-level inheritance", "Recursion"). */
static int find_override(const struct rargs *args, const struct mnode *n,
			 const struct tmpl **ot, uint32_t *oi)
{
	int found = 0;
	for (; args; args = args->up) {
		const struct mnode *nodes = args->t->nodes;
		for (uint32_t j = nodes[args->parent].next; j;
		     j = nodes[j].next) {
			const struct mnode *b = &nodes[j];
			if (b->hash == n->hash && b->len == n->len &&
			    !memcmp(b->s, n->s, n->len)) {
				*ot = args->t;
				*oi = j;
				found = 1;
				break;
			}
		}
	}
	return found;
}

static int render_range(struct rstate *st, const struct tmpl *t, uint32_t lo,
			uint32_t hi, const struct rctx *cx,
			const struct rind *ind, const struct rargs *args);

/* 1 when partial tt, included at the top of the context stack (data over
 * base) without indentation, renders exactly as with base alone: data
 * has none of the names tt looks up, so every lookup that reaches the
 * data frame goes on to base (Mustache resolves a name in the innermost
 * frame that has it). */
static int memo_applies(const struct rstate *st, const struct tmpl *tt,
			const struct rctx *cx)
{
	if (!st->memo || tt->memo != MEMO_OK || !cx->up ||
	    cx->up->v != st->base || cx->up->up)
		return 0;
	for (uint32_t i = 0; i < tt->ndeps; i++) {
		const struct mseg *g = &tt->deps[i];
		if (render_obj_getn(cx->v, g->s, g->len, g->hash))
			return 0;
	}
	return 1;
}

/* 1 and *at when m holds t's output. Lock-free: entries are written
 * before the release store that counts them. */
static int memo_find(render_memo *m, const struct tmpl *t, size_t *at)
{
	size_t n = atomic_load_explicit(&m->n, memory_order_acquire);
	for (size_t i = 0; i < n; i++)
		if (m->ent[i].t == t) {
			*at = i;
			return 1;
		}
	return 0;
}

/* Render partial tt from st->memo, or render it and keep the output. */
static int render_memoized(struct rstate *st, const struct tmpl *tt,
			   const struct rctx *cx, const struct rargs *args)
{
	render_memo *m = st->memo;
	size_t i;
	if (memo_find(m, tt, &i)) {
		render_buf_append(st->out, m->ent[i].s, m->ent[i].len);
		return 0;
	}
	size_t from = st->out->len;
	int rc = render_range(st, tt, 0, tt->nnodes, cx, NULL, args);
	if (rc)
		return rc;
	pthread_mutex_lock(&m->lock);
	size_t n = atomic_load_explicit(&m->n, memory_order_relaxed);
	if (n < MUSTACHE_MEMO_MAX && !memo_find(m, tt, &i)) {
		size_t len = st->out->len - from;
		m->ent[n].t = tt;
		m->ent[n].s = xmalloc(len + 1);
		memcpy(m->ent[n].s, st->out->data + from, len);
		m->ent[n].len = len;
		atomic_store_explicit(&m->n, n + 1, memory_order_release);
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static int render_range(struct rstate *st, const struct tmpl *t, uint32_t lo,
			uint32_t hi, const struct rctx *cx,
			const struct rind *ind, const struct rargs *args)
{
	struct buf *out = st->out;
	int rc = 0;

	if (++st->depth > RENDER_MAX_DEPTH) {
		const struct mnode *n = lo < t->nnodes ? &t->nodes[lo] : NULL;
		rc = err_set(
			st->e, ERR_INVALID,
			"%s:%u: templates nested deeper than %d levels (recursive partial?)",
			t->file, n ? n->line : 1, RENDER_MAX_DEPTH);
		goto out;
	}
	for (uint32_t i = lo; i < hi && !rc;) {
		const struct mnode *n = &t->nodes[i];
		const struct render_val *v;
		const struct tmpl *tt;
		struct rctx c;
		struct rind frame;

		if (ind && (n->flags & MF_BOL) && n->kind != MN_TEXT)
			put_indent(out, ind);
		switch (n->kind) {
		case MN_TEXT:
			if (ind)
				put_text_indented(out, n, ind);
			else
				render_buf_append(out, n->s, n->len);
			i++;
			break;
		case MN_INDENT:
			i++;
			break;
		case MN_VAR:
		case MN_RAW:
			v = ctx_lookup(cx, n->name);
			if (v)
				put_val(out, v, n->kind == MN_VAR);
			i++;
			break;
		case MN_SECTION:
			v = ctx_lookup(cx, n->name);
			c.up = cx;
			if (v && v->type == RENDER_LIST) {
				for (size_t k = 0; k < v->len && !rc; k++) {
					c.v = v->u.items[k];
					rc = render_range(st, t, i + 1, n->end,
							  &c, ind, args);
				}
			} else if (render_val_truthy(v)) {
				c.v = v;
				rc = render_range(st, t, i + 1, n->end, &c, ind,
						  args);
			}
			i = n->end;
			break;
		case MN_INVERTED:
			if (!render_val_truthy(ctx_lookup(cx, n->name)))
				rc = render_range(st, t, i + 1, n->end, cx, ind,
						  args);
			i = n->end;
			break;
		case MN_PARTIAL: {
			rc = node_target(st, n, cx, &tt);
			if (rc || !tt) {
				i++;
				break;
			}
			const struct rind *pi =
				(n->flags & MF_STANDALONE) ?
					ind_push(&frame, n->indent,
						 n->indent_len, ind) :
					NULL;
			if (!pi && memo_applies(st, tt, cx))
				rc = render_memoized(st, tt, cx, args);
			else
				rc = render_range(st, tt, 0, tt->nnodes, cx, pi,
						  args);
			i++;
			break;
		}
		case MN_PARENT: {
			struct rargs pa = {t, i, args};
			rc = node_target(st, n, cx, &tt);
			if (!rc && tt)
				rc = render_range(
					st, tt, 0, tt->nnodes, cx,
					(n->flags & MF_STANDALONE) ?
						ind_push(&frame, n->indent,
							 n->indent_len, ind) :
						NULL,
					&pa);
			i = n->end;
			break;
		}
		case MN_BLOCK: {
			const struct tmpl *ot;
			uint32_t oi;
			if (!(n->flags & MF_OVERRIDE) &&
			    find_override(args, n, &ot, &oi)) {
				const struct mnode *b = &ot->nodes[oi];
				const struct rind *bi = NULL;
				if (n->flags & MF_STANDALONE) {
					bi = ind_push(&frame, n->indent,
						      n->indent_len, ind);
					/* an inline override still starts the
					 * slot's line */
					if (!(b->flags & MF_STANDALONE) &&
					    b->end > oi + 1)
						put_indent(out, bi);
				}
				rc = render_range(st, ot, oi + 1, b->end, cx,
						  bi, args);
			} else if (!(n->flags & MF_OVERRIDE)) {
				rc = render_range(st, t, i + 1, n->end, cx, ind,
						  args);
			}
			i = n->end;
			break;
		}
		}
	}
out:
	st->depth--;
	return rc;
}

static int render_root(render_tmpl_set *set, const struct tmpl *t,
		       const struct render_val *base, render_memo *memo,
		       const struct render_val *data, struct buf *out,
		       struct err *e)
{
	struct rctx outer = {base, NULL};
	struct rctx root = {data, base ? &outer : NULL};
	struct rstate st = {.set = set,
			    .out = out,
			    .e = e,
			    .base = base,
			    .memo = base ? memo : NULL};
	return render_range(&st, t, 0, t->nnodes, &root, NULL, NULL);
}

int render_tmpl_render_in(render_tmpl_set *set, const char *name,
			  const struct render_val *base, render_memo *memo,
			  const struct render_val *data, struct buf *out,
			  struct err *e)
{
	struct tmpl *t;
	int rc = set_get(set, name, strlen(name), &t, e);
	if (rc)
		return rc;
	if (!t || t->missing)
		return err_set(e, ERR_NOTFOUND, "template '%s' not found",
			       name);
	return render_root(set, t, base, memo, data, out, e);
}

int render_tmpl_render(render_tmpl_set *set, const char *name,
		       const struct render_val *data, struct buf *out,
		       struct err *e)
{
	return render_tmpl_render_in(set, name, NULL, NULL, data, out, e);
}

render_memo *render_memo_new(void)
{
	render_memo *m = xcalloc(1, sizeof *m);
	pthread_mutex_init(&m->lock, NULL);
	atomic_init(&m->n, 0);
	return m;
}

void render_memo_free(render_memo *m)
{
	if (!m)
		return;
	size_t n = atomic_load_explicit(&m->n, memory_order_relaxed);
	for (size_t i = 0; i < n; i++)
		free(m->ent[i].s);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

size_t render_memo_count(const render_memo *m)
{
	return m ? atomic_load_explicit(&((render_memo *)m)->n,
					memory_order_acquire) :
		   0;
}

/* Loader over a `partials` object of name -> string. */
static int partials_load(void *ctx, const char *name, const char **src,
			 size_t *len, const char **file)
{
	const struct render_val *v = render_obj_get(ctx, name);
	if (!v || v->type != RENDER_STR)
		return ERR_NOTFOUND;
	*src = v->u.s;
	*len = v->len;
	*file = name;
	return 0;
}

int render_mustache_string(const char *src, size_t len,
			   const struct render_val *data,
			   const struct render_val *partials, struct buf *out,
			   struct err *e)
{
	render_tmpl_set *set;
	struct tmpl *t;
	int rc = render_tmpl_set_new(partials_load, (void *)partials, &set, e);
	if (rc)
		return rc;
	pthread_mutex_lock(&set->lock);
	rc = set_load_locked(set, "", 0, src ? src : "", src ? len : 0, 1, &t,
			     e);
	pthread_mutex_unlock(&set->lock);
	if (!rc)
		rc = render_root(set, t, NULL, NULL, data, out, e);
	render_tmpl_set_free(set);
	return rc;
}
