/*
 * mustache_internal.h - the compiled form of a Mustache template, shared
 * by the compiler (mustache_parse.c) and the set and renderer
 * (mustache.c). Not for use outside src/render/mustache*.c.
 */
#ifndef GAZETTE_RENDER_MUSTACHE_INTERNAL_H
#define GAZETTE_RENDER_MUSTACHE_INTERNAL_H

#include "util/err.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define MUSTACHE_MAX_DELIM 16 /* bytes in a custom delimiter */

enum mnode_kind {
	MN_TEXT,   /* literal bytes */
	MN_INDENT, /* writes the indentation only (line starting at an end tag) */
	MN_VAR,    /* {{x}}: escaped */
	MN_RAW,    /* {{{x}}}, {{&x}} */
	MN_SECTION,  /* {{#x}}: children up to `end` */
	MN_INVERTED, /* {{^x}} */
	MN_PARTIAL,  /* {{>x}} */
	MN_PARENT,   /* {{<x}}: children are ignored but for override blocks */
	MN_BLOCK,    /* {{$x}}: slot with default children, or an override */
};

enum {
	MF_BOL = 1, /* first node of a source line: gets the indentation */
	MF_STANDALONE = 2, /* tag alone on its line, which was removed */
	MF_DYNAMIC = 4,    /* partial/parent named by data ({{>*name}}) */
	MF_OVERRIDE = 8,   /* block directly inside a parent tag: an argument */
};

struct mseg {
	const char *s; /* part of a dotted name, not NUL-terminated */
	uint32_t len;  /* bytes */
	uint32_t hash; /* render_key_hash(s, len) */
};

struct mname {
	uint32_t nseg;     /* 0 for ".", the top of the context stack */
	struct mseg seg[]; /* the dotted parts in order */
};

struct tmpl;

struct mnode {
	uint8_t kind;       /* enum mnode_kind */
	uint8_t flags;      /* MF_* */
	uint32_t end;       /* section/inverted/parent/block: past children */
	uint32_t next;      /* parent: first override; override: next; 0 none */
	uint32_t hash;      /* block: render_key_hash of its name */
	uint32_t line;      /* source line, for messages */
	const char *s;      /* text bytes; partial/parent/block: name (NUL) */
	size_t len;         /* bytes at s */
	const char *indent; /* standalone: whitespace before the tag; block
	                             slot: indentation of its content */
	size_t indent_len;  /* bytes at indent */
	const struct mname
		*name;     /* var/section/inverted, dynamic partial/parent */
	struct tmpl *link; /* static partial/parent: target after linking */
};

struct tmpl {
	const char *name; /* key in the set (NUL-terminated); "" for one-offs */
	size_t name_len;  /* bytes in name */
	uint32_t hash;    /* render_key_hash(name) */
	const char *file; /* name for messages */
	int missing;      /* the loader has no such template: renders nothing */
	char *src;        /* own copy of the source; text nodes point into it */
	size_t len;       /* bytes in src */
	struct mnode *nodes; /* the compiled template */
	uint32_t nnodes;     /* nodes */
	struct arena *a;     /* owns this struct and everything it points to */
	struct tmpl *next;   /* batch queue while compiling, then set->all */
	uint8_t memo;        /* MEMO_*: may its output be memoized */
	uint32_t ndeps;      /* names in deps */
	struct mseg *deps;   /* MEMO_OK: first parts of every name it and the
			      * partials it includes look up, once each */
};

/* Whether a template's output is a function of the names in its deps
 * alone (tmpl_deps): no dynamic partials, parents, blocks or "." names,
 * and none in the partials it includes. Computed under the set's lock
 * before the template is published. */
enum {
	MEMO_UNKNOWN, /* not computed yet */
	MEMO_BUSY,    /* being computed: a partial includes itself */
	MEMO_OK,      /* deps are complete */
	MEMO_NO,      /* never memoized */
};

/* Most outputs a render_memo keeps; later ones render every time. */
#define MUSTACHE_MEMO_MAX 32

struct render_memo {
	pthread_mutex_t lock; /* serialises adding */
	_Atomic size_t n;     /* entries published */
	struct {
		const struct tmpl *t; /* the template */
		char *s;              /* its output (heap) */
		size_t len;           /* bytes at s */
	} ent[MUSTACHE_MEMO_MAX];
};

/* ---- the compiler (mustache_parse.c) ------------------------------------ */

/* Parse t->src into t->nodes (in t->a). Errors: ERR_INVALID
 * "file:line: reason", ERR_TOOBIG. */
int mustache_tmpl_parse(struct tmpl *t, struct err *e);

/* Under the set's lock, once t and the partials it includes are linked:
 * compute t->memo and t->deps (see MEMO_*), and those of the partials it
 * includes. 1 when t is MEMO_OK. */
int mustache_tmpl_deps(struct tmpl *t);

/* Name shown in messages: at most 64 bytes of it. */
static inline int mustache_show_len(size_t n)
{
	return n > 64 ? 64 : (int)n;
}

#endif
