/*
 * value.h - the data a template renders: a small tree of null, bool,
 * int, double, string, list and object values in an arena.
 *
 * Handlers build one tree per page from the request arena and hand it to
 * the Mustache renderer (mustache.h). Every value lives in an arena; there
 * is nothing to free. Object keys keep insertion order; setting a key that
 * exists replaces its value in place. Strings are NUL-terminated and carry
 * their length.
 *
 * Ownership: functions named *_str copy the string into the container's
 * arena; functions named *_strref keep the caller's pointer, which must
 * then outlive every render of the tree (string literals, memory of the
 * same or a longer-lived arena, config loaded at start-up). Keys are
 * copied, but by render_obj_setk and the RENDER_SET macros (literals).
 *
 * Sharing: a value may sit in several parents (e.g. a site-wide menu built
 * once at start-up in a long-lived arena, linked into each page). Once
 * built, a tree is only read, so several threads may render it at once;
 * building or changing it is not thread-safe.
 *
 * Not here: JSON (render/json.h writes JSON; jansson reads it), escaping
 * (render/escape.h), templates (render/mustache.h).
 */
#ifndef GAZETTE_RENDER_VALUE_H
#define GAZETTE_RENDER_VALUE_H

#include <stddef.h>
#include <stdint.h>

struct arena;

enum render_type {
	RENDER_NULL,   /* renders as nothing; falsey */
	RENDER_BOOL,   /* "true"/"false" */
	RENDER_INT,    /* long long, decimal */
	RENDER_DOUBLE, /* shortest form that reads back: 1.21, 85, 1e+100 */
	RENDER_STR,    /* bytes, HTML-escaped by {{x}}, raw by {{{x}}} */
	RENDER_LIST,   /* sections iterate it */
	RENDER_OBJ,    /* sections push it on the context stack */
};

/* One object member. */
struct render_member {
	const char *key;        /* NUL-terminated: a copy in the object's arena,
				 * or a literal (render_obj_setk) */
	size_t klen;            /* strlen(key) */
	uint32_t hash;          /* render_key_hash(key, klen) */
	struct render_val *val; /* never NULL (NULL is stored as a null value) */
};

/*
 * A value. The fields are public so that the renderer and tests can read
 * them; everything else should build and change values only with the
 * functions below, and read objects with render_obj_get.
 */
struct render_val {
	enum render_type type; /* fixed at creation */
	uint32_t cap;          /* list/object: slots allocated */
	size_t len;            /* string: bytes; list: items; object: members */
	union {
		int b;                         /* RENDER_BOOL: 0 or 1 */
		long long i;                   /* RENDER_INT */
		double d;                      /* RENDER_DOUBLE */
		const char *s;                 /* RENDER_STR: NUL at s[len] */
		struct render_val **items;     /* RENDER_LIST */
		struct render_member *members; /* RENDER_OBJ, insertion order */
	} u;
	uint32_t *index; /* object over 8 members: hash slots, or NULL */
	struct arena *a; /* list/object: arena it grows in; else NULL */
};

/* Scalars. Each returns a new value in arena `a`; none fails (the arena
 * aborts on OOM). */
struct render_val *render_null_new(struct arena *a);
struct render_val *render_bool_new(struct arena *a, int v); /* v != 0 */
struct render_val *render_int_new(struct arena *a, long long v);
struct render_val *render_double_new(struct arena *a, double v);

/* String value holding a copy of s in `a`. NULL s gives a null value. */
struct render_val *render_str_new(struct arena *a, const char *s);

/* String value holding a copy of the n bytes at s (NUL added). */
struct render_val *render_strn_new(struct arena *a, const char *s, size_t n);

/* String value pointing at s without copying: s must outlive every render
 * of the tree (see the header comment). NULL s gives a null value. */
struct render_val *render_strref_new(struct arena *a, const char *s);

/* Empty list / object in `a`; it grows in `a` as members are added. */
struct render_val *render_list_new(struct arena *a);
struct render_val *render_obj_new(struct arena *a);

/*
 * Set member `key` of object o to v, replacing an existing member of that
 * name (which keeps its position). The key is copied; v is linked, not
 * copied, and NULL v stores a null value. o must be an object.
 *
 * A null member is not the same as no member: Mustache looks a name up in
 * the innermost context that has it, so {{#item}}{{title}}{{/item}} with
 * item.title null renders nothing rather than the page's title.
 */
void render_obj_set(struct render_val *o, const char *key,
		    struct render_val *v);

/*
 * As render_obj_set with a key of klen bytes that is not copied: it must
 * outlive every render of the tree, as a string literal does. For the
 * hot paths that build a page's values (a few hundred members a page):
 * no strlen, no copy. RENDER_SET and friends take a literal key and
 * fail to compile with anything else.
 */
void render_obj_setk(struct render_val *o, const char *key, size_t klen,
		     struct render_val *v);

/* String value pointing at the n bytes at s (NUL at s[n]) without copying,
 * as render_strref_new when the length is known. */
struct render_val *render_strnref_new(struct arena *a, const char *s, size_t n);

#define RENDER_SET(o, lit, v)                                                  \
	render_obj_setk((o), "" lit "", sizeof(lit) - 1, (v))
#define RENDER_SET_STRREF(o, lit, s)                                           \
	render_obj_setk((o), "" lit "", sizeof(lit) - 1,                       \
			render_strref_new((o)->a, (s)))
#define RENDER_SET_INT(o, lit, n)                                              \
	render_obj_setk((o), "" lit "", sizeof(lit) - 1,                       \
			render_int_new((o)->a, (n)))
#define RENDER_SET_BOOL(o, lit, b)                                             \
	render_obj_setk((o), "" lit "", sizeof(lit) - 1,                       \
			render_bool_new((o)->a, (b)))

/* render_obj_add_obj / _list with a key as render_obj_setk's. */
struct render_val *render_obj_addk_obj(struct render_val *o, const char *key,
				       size_t klen);
struct render_val *render_obj_addk_list(struct render_val *o, const char *key,
					size_t klen);
#define RENDER_ADD_OBJ(o, lit)                                                 \
	render_obj_addk_obj((o), "" lit "", sizeof(lit) - 1)
#define RENDER_ADD_LIST(o, lit)                                                \
	render_obj_addk_list((o), "" lit "", sizeof(lit) - 1)

/* Shorthands for render_obj_set(o, key, render_*_new(o's arena, ...)).
 * _str copies s; _strref keeps the pointer. NULL s stores a null value
 * (see above: it hides an outer member of the same name). */
void render_obj_set_str(struct render_val *o, const char *key, const char *s);
void render_obj_set_strref(struct render_val *o, const char *key,
			   const char *s);
void render_obj_set_int(struct render_val *o, const char *key, long long v);
void render_obj_set_bool(struct render_val *o, const char *key, int v);

/* New empty object / list set as member `key` of o; returns it so that
 * the caller can fill it. Lives in o's arena. */
struct render_val *render_obj_add_obj(struct render_val *o, const char *key);
struct render_val *render_obj_add_list(struct render_val *o, const char *key);

/* Append v to list l (NULL v appends a null value). l must be a list. */
void render_list_push(struct render_val *l, struct render_val *v);

/* New empty object appended to list l; returns it. Lives in l's arena. */
struct render_val *render_list_add_obj(struct render_val *l);

/* Member `key` of o, or NULL when o is NULL, not an object, or has no
 * such member. The result belongs to the tree. */
struct render_val *render_obj_get(const struct render_val *o, const char *key);

/* As render_obj_get with a key of n bytes and its render_key_hash; used by
 * the template engine, which hashes names once at compile time. */
struct render_val *render_obj_getn(const struct render_val *o, const char *key,
				   size_t n, uint32_t hash);

/* Hash of a key (32-bit FNV-1a), as stored in render_member.hash. */
uint32_t render_key_hash(const char *key, size_t n);

/*
 * Mustache truthiness, as the spec's `!!data` (JavaScript): NULL, null,
 * false, 0, 0.0, NaN, "" and the empty list are falsey; everything else,
 * including an empty object, is truthy.
 */
int render_val_truthy(const struct render_val *v);

#endif
