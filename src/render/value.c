/*
 * value.c - arena-allocated value tree for templates. See value.h.
 *
 * Objects are arrays of members in insertion order. Lookups compare the
 * 32-bit hash first, so a scan of a small object costs a few integer
 * compares; objects over RENDER_OBJ_SCAN members also get an
 * open-addressing index (2 * cap slots of member index + 1, 0 = empty),
 * rebuilt whenever the member array grows, so it is never more than half
 * full. Grown arrays leave their old copy in the arena: at most twice the
 * final size, and no per-value free.
 */
#include "render/value.h"
#include "util/arena.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define RENDER_OBJ_SCAN 8 /* members searched linearly before indexing */

uint32_t render_key_hash(const char *key, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)key[i];
		h *= 16777619u;
	}
	return h;
}

static struct render_val *val_new(struct arena *a, enum render_type type)
{
	struct render_val *v = arena_alloc(a, sizeof *v);
	v->type = type;
	return v;
}

struct render_val *render_null_new(struct arena *a)
{
	return val_new(a, RENDER_NULL);
}

struct render_val *render_bool_new(struct arena *a, int v)
{
	struct render_val *r = val_new(a, RENDER_BOOL);
	r->u.b = v != 0;
	return r;
}

struct render_val *render_int_new(struct arena *a, long long v)
{
	struct render_val *r = val_new(a, RENDER_INT);
	r->u.i = v;
	return r;
}

struct render_val *render_double_new(struct arena *a, double v)
{
	struct render_val *r = val_new(a, RENDER_DOUBLE);
	r->u.d = v;
	return r;
}

struct render_val *render_strn_new(struct arena *a, const char *s, size_t n)
{
	struct render_val *r = val_new(a, RENDER_STR);
	r->u.s = arena_strndup(a, s, n);
	r->len = n;
	return r;
}

struct render_val *render_str_new(struct arena *a, const char *s)
{
	return s ? render_strn_new(a, s, strlen(s)) : render_null_new(a);
}

struct render_val *render_strref_new(struct arena *a, const char *s)
{
	if (!s)
		return render_null_new(a);
	struct render_val *r = val_new(a, RENDER_STR);
	r->u.s = s;
	r->len = strlen(s);
	return r;
}

struct render_val *render_strnref_new(struct arena *a, const char *s, size_t n)
{
	if (!s)
		return render_null_new(a);
	struct render_val *r = val_new(a, RENDER_STR);
	r->u.s = s;
	r->len = n;
	return r;
}

struct render_val *render_list_new(struct arena *a)
{
	struct render_val *r = val_new(a, RENDER_LIST);
	r->a = a;
	return r;
}

struct render_val *render_obj_new(struct arena *a)
{
	struct render_val *r = val_new(a, RENDER_OBJ);
	r->a = a;
	return r;
}

/* Index slots: 2 * cap, a power of two because cap is. */
static void obj_index_build(struct render_val *o)
{
	size_t slots = (size_t)o->cap * 2, mask = slots - 1;
	o->index = arena_alloc(o->a, slots * sizeof *o->index);
	for (size_t i = 0; i < o->len; i++) {
		size_t j = o->u.members[i].hash & mask;
		while (o->index[j])
			j = (j + 1) & mask;
		o->index[j] = (uint32_t)i + 1;
	}
}

/* Keys are short (a few bytes): a loop beats a call to memcmp. */
static inline int key_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

struct render_val *render_obj_getn(const struct render_val *o, const char *key,
				   size_t n, uint32_t hash)
{
	if (!o || o->type != RENDER_OBJ)
		return NULL;
	const struct render_member *m = o->u.members;
	if (o->index) {
		size_t mask = (size_t)o->cap * 2 - 1;
		for (size_t j = hash & mask; o->index[j]; j = (j + 1) & mask) {
			const struct render_member *e = &m[o->index[j] - 1];
			if (e->hash == hash && e->klen == n &&
			    key_eq(e->key, key, n))
				return e->val;
		}
		return NULL;
	}
	for (size_t i = 0; i < o->len; i++)
		if (m[i].hash == hash && m[i].klen == n &&
		    key_eq(m[i].key, key, n))
			return m[i].val;
	return NULL;
}

struct render_val *render_obj_get(const struct render_val *o, const char *key)
{
	size_t n = strlen(key);
	return render_obj_getn(o, key, n, render_key_hash(key, n));
}

/* render_obj_set of the n bytes at key; copy: the key into o's arena. */
static void obj_put(struct render_val *o, const char *key, size_t n, int copy,
		    struct render_val *v)
{
	assert(o && o->type == RENDER_OBJ && key);
	if (!v)
		v = render_null_new(o->a);
	uint32_t h = render_key_hash(key, n);
	struct render_member *m = o->u.members;
	if (o->index) {
		size_t mask = (size_t)o->cap * 2 - 1;
		for (size_t j = h & mask; o->index[j]; j = (j + 1) & mask) {
			struct render_member *e = &m[o->index[j] - 1];
			if (e->hash == h && e->klen == n &&
			    !memcmp(e->key, key, n)) {
				e->val = v;
				return;
			}
		}
	} else {
		for (size_t i = 0; i < o->len; i++)
			if (m[i].hash == h && m[i].klen == n &&
			    !memcmp(m[i].key, key, n)) {
				m[i].val = v;
				return;
			}
	}
	int grown = 0;
	if (o->len == o->cap) {
		uint32_t cap = o->cap ? o->cap * 2 : 4;
		assert(cap > o->cap);
		m = arena_alloc(o->a, cap * sizeof *m);
		if (o->len)
			memcpy(m, o->u.members, o->len * sizeof *m);
		o->u.members = m;
		o->cap = cap;
		grown = 1;
	}
	struct render_member *e = &m[o->len++];
	e->key = copy ? arena_strndup(o->a, key, n) : key;
	e->klen = n;
	e->hash = h;
	e->val = v;
	if (grown && o->cap > RENDER_OBJ_SCAN) {
		obj_index_build(o); /* includes the new member */
	} else if (o->index) {
		size_t mask = (size_t)o->cap * 2 - 1, j = h & mask;
		while (o->index[j])
			j = (j + 1) & mask;
		o->index[j] = (uint32_t)o->len;
	}
}

void render_obj_set(struct render_val *o, const char *key, struct render_val *v)
{
	assert(key);
	obj_put(o, key, strlen(key), 1, v);
}

void render_obj_setk(struct render_val *o, const char *key, size_t klen,
		     struct render_val *v)
{
	obj_put(o, key, klen, 0, v);
}

void render_obj_set_str(struct render_val *o, const char *key, const char *s)
{
	render_obj_set(o, key, render_str_new(o->a, s));
}

void render_obj_set_strref(struct render_val *o, const char *key, const char *s)
{
	render_obj_set(o, key, render_strref_new(o->a, s));
}

void render_obj_set_int(struct render_val *o, const char *key, long long v)
{
	render_obj_set(o, key, render_int_new(o->a, v));
}

void render_obj_set_bool(struct render_val *o, const char *key, int v)
{
	render_obj_set(o, key, render_bool_new(o->a, v));
}

struct render_val *render_obj_add_obj(struct render_val *o, const char *key)
{
	struct render_val *v = render_obj_new(o->a);
	render_obj_set(o, key, v);
	return v;
}

struct render_val *render_obj_add_list(struct render_val *o, const char *key)
{
	struct render_val *v = render_list_new(o->a);
	render_obj_set(o, key, v);
	return v;
}

struct render_val *render_obj_addk_obj(struct render_val *o, const char *key,
				       size_t klen)
{
	struct render_val *v = render_obj_new(o->a);
	obj_put(o, key, klen, 0, v);
	return v;
}

struct render_val *render_obj_addk_list(struct render_val *o, const char *key,
					size_t klen)
{
	struct render_val *v = render_list_new(o->a);
	obj_put(o, key, klen, 0, v);
	return v;
}

void render_list_push(struct render_val *l, struct render_val *v)
{
	assert(l && l->type == RENDER_LIST);
	if (!v)
		v = render_null_new(l->a);
	if (l->len == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 8;
		assert(cap > l->cap);
		struct render_val **items =
			arena_alloc(l->a, cap * sizeof *items);
		if (l->len)
			memcpy(items, l->u.items, l->len * sizeof *items);
		l->u.items = items;
		l->cap = cap;
	}
	l->u.items[l->len++] = v;
}

struct render_val *render_list_add_obj(struct render_val *l)
{
	struct render_val *v = render_obj_new(l->a);
	render_list_push(l, v);
	return v;
}

int render_val_truthy(const struct render_val *v)
{
	if (!v)
		return 0;
	switch (v->type) {
	case RENDER_NULL:
		return 0;
	case RENDER_BOOL:
		return v->u.b;
	case RENDER_INT:
		return v->u.i != 0;
	case RENDER_DOUBLE:
		return v->u.d != 0.0 && !isnan(v->u.d);
	case RENDER_STR:
		return v->len != 0;
	case RENDER_LIST:
		return v->len != 0;
	case RENDER_OBJ:
		return 1;
	}
	return 0;
}
