/*
 * mustache.c - Mustache compiler and renderer. See mustache.h.
 *
 * Compiling a template takes three passes over its own copy of the source:
 *   1. tokenize: split into text and tags, following {{=| |=}} delimiter
 *      changes, and match section, parent and block tags with their end
 *      tags (all syntax errors are found here);
 *   2. standalone: a line holding only whitespace and one section, end,
 *      comment, delimiter, partial, parent or block tag (or several
 *      adjacent parent/block tags, which the inheritance spec asks for) is
 *      removed but for the tag; the whitespace before the tag becomes its
 *      indentation;
 *   3. build: tokens become a flat node array in which the children of a
 *      section follow it and `end` points past them, so that rendering is
 *      a loop over an array, recursing only into sections, partials,
 *      parents and blocks.
 * A last pass re-indents inheritance blocks (tmpl_blocks_indent).
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
 */
#include "render/mustache.h"
#include "render/escape.h"
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

#define MUSTACHE_MAX_DELIM 16 /* bytes in a custom delimiter */
#define MUSTACHE_MAP_MIN   64 /* initial slots in a set's table */

/* ---- compiled form ---------------------------------------------------- */

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
};

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

/* ---- small helpers ------------------------------------------------------ */

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Name shown in messages: at most 64 bytes of it. */
static int show_len(size_t n)
{
	return n > 64 ? 64 : (int)n;
}

/* ---- parsing ------------------------------------------------------------ */

enum tok_kind {
	TK_TEXT,
	TK_VAR,
	TK_RAW,
	TK_SECTION,
	TK_INVERTED,
	TK_CLOSE,
	TK_COMMENT,
	TK_DELIM,
	TK_PARTIAL,
	TK_PARENT,
	TK_BLOCK,
};

struct tok {
	uint8_t kind;        /* enum tok_kind */
	uint8_t standalone;  /* its line was removed */
	uint8_t keep_eol;    /* standalone {{$b}}{{/b}}: the newline stays */
	uint32_t line;       /* line of the tag's start */
	size_t start, end;   /* text bytes, or the whole tag with delimiters */
	size_t ns, ne;       /* tag content without sigil, trimmed */
	size_t open;         /* TK_CLOSE: index of the token it closes */
	size_t ind_s, ind_e; /* standalone: the whitespace before it */
};

struct parse {
	struct tmpl *t;        /* template being compiled */
	const char *src;       /* t->src */
	size_t len;            /* t->len */
	struct err *e;         /* where errors go */
	struct tok *toks;      /* tokens (heap) */
	size_t ntok, captok;   /* used, allocated */
	struct mnode *nodes;   /* nodes being built (heap) */
	size_t nnode, capnode; /* used, allocated */
	size_t lpos;           /* line counting: position reached */
	uint32_t lline;        /* line at lpos */
};

static uint32_t parse_line_at(struct parse *p, size_t pos)
{
	/* positions only grow while tokenizing, so count incrementally */
	for (; p->lpos < pos; p->lpos++)
		if (p->src[p->lpos] == '\n')
			p->lline++;
	return p->lline;
}

static int parse_err(struct parse *p, uint32_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int parse_err(struct parse *p, uint32_t line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(p->e, ERR_INVALID, "%s:%u: %s", p->t->file, line, msg);
}

static struct tok *tok_push(struct parse *p, int kind, size_t start, size_t end)
{
	if (p->ntok == p->captok) {
		p->captok = p->captok ? p->captok * 2 : 64;
		p->toks = xrealloc(p->toks, p->captok * sizeof *p->toks);
	}
	struct tok *t = &p->toks[p->ntok++];
	memset(t, 0, sizeof *t);
	t->kind = (uint8_t)kind;
	t->start = start;
	t->end = end;
	return t;
}

/* A name for {{x}} and sections: "." or dot-separated non-empty parts, no
 * whitespace. */
static int name_ok(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (n == 1 && s[0] == '.')
		return 1;
	if (s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (is_ws(s[i]) || (s[i] == '.' && s[i + 1] == '.'))
			return 0;
	}
	return 1;
}

/* Split a partial/parent/end-tag name into "is dynamic" and the name:
 * "* a.b" -> 1, "a.b". */
static int ref_key(const char *s, size_t n, const char **ks, size_t *kn)
{
	int dyn = n > 0 && s[0] == '*';
	if (dyn) {
		s++, n--;
		while (n && is_ws(*s))
			s++, n--;
	}
	*ks = s;
	*kn = n;
	return dyn;
}

/* A partial, parent or block name: non-empty, no whitespace; dynamic ones
 * ("*name") must be valid dotted names. */
static int ref_ok(const char *s, size_t n, int allow_dyn)
{
	const char *k;
	size_t kn;
	if (ref_key(s, n, &k, &kn))
		return allow_dyn && name_ok(k, kn) && !(kn == 1 && k[0] == '.');
	if (kn == 0)
		return 0;
	for (size_t i = 0; i < kn; i++)
		if (is_ws(k[i]))
			return 0;
	return 1;
}

static const char *tag_what(int kind)
{
	switch (kind) {
	case TK_PARENT:
		return "parent";
	case TK_BLOCK:
		return "block";
	default:
		return "section";
	}
}

/* Pass 1. */
static int parse_tokenize(struct parse *p)
{
	const char *s = p->src;
	size_t n = p->len, pos = 0, depth = 0;
	char otag[MUSTACHE_MAX_DELIM] = "{{", ctag[MUSTACHE_MAX_DELIM] = "}}";
	char term[MUSTACHE_MAX_DELIM + 1];
	size_t olen = 2, clen = 2;
	size_t stack[RENDER_MAX_DEPTH]; /* open section/parent/block tokens */

	while (pos < n) {
		const char *o = memmem(s + pos, n - pos, otag, olen);
		size_t ts = o ? (size_t)(o - s) : n;
		if (ts > pos)
			tok_push(p, TK_TEXT, pos, ts);
		if (!o)
			break;
		uint32_t line = parse_line_at(p, ts);
		size_t c = ts + olen;
		int kind = TK_VAR;
		char pre = 0;
		switch (c < n ? s[c] : 0) {
		case '!':
			kind = TK_COMMENT;
			break;
		case '=':
			kind = TK_DELIM, pre = '=';
			break;
		case '{':
			kind = TK_RAW, pre = '}';
			break;
		case '&':
			kind = TK_RAW;
			break;
		case '#':
			kind = TK_SECTION;
			break;
		case '^':
			kind = TK_INVERTED;
			break;
		case '/':
			kind = TK_CLOSE;
			break;
		case '>':
			kind = TK_PARTIAL;
			break;
		case '<':
			kind = TK_PARENT;
			break;
		case '$':
			kind = TK_BLOCK;
			break;
		}
		if (kind != TK_VAR)
			c++;
		size_t tl = 0;
		if (pre)
			term[tl++] = pre;
		memcpy(term + tl, ctag, clen);
		tl += clen;
		const char *q = c < n ? memmem(s + c, n - c, term, tl) : NULL;
		if (!q)
			return parse_err(p, line, "unclosed tag '%.*s'",
					 show_len(n - ts), s + ts);
		size_t ns = c, ne = (size_t)(q - s), end = ne + tl;
		while (ns < ne && is_ws(s[ns]))
			ns++;
		while (ne > ns && is_ws(s[ne - 1]))
			ne--;
		struct tok *t = tok_push(p, kind, ts, end);
		t->ns = ns;
		t->ne = ne;
		t->line = line;
		const char *nm = s + ns;
		size_t nl = ne - ns;

		switch (kind) {
		case TK_COMMENT:
			break;
		case TK_DELIM: {
			size_t a = ns, b;
			while (a < ne && !is_ws(s[a]))
				a++;
			b = a;
			while (b < ne && is_ws(s[b]))
				b++;
			size_t l1 = a - ns, l2 = ne - b;
			if (!l1 || a == b || !l2 || l1 > MUSTACHE_MAX_DELIM ||
			    l2 > MUSTACHE_MAX_DELIM || memchr(nm, '=', nl))
				goto bad_delim;
			for (size_t i = b; i < ne; i++)
				if (is_ws(s[i]))
					goto bad_delim;
			memcpy(otag, nm, l1);
			olen = l1;
			memcpy(ctag, s + b, l2);
			clen = l2;
			break;
bad_delim:
			return parse_err(p, line, "bad delimiter change '%.*s'",
					 show_len(nl), nm);
		}
		case TK_VAR:
		case TK_RAW:
		case TK_SECTION:
		case TK_INVERTED:
			if (!nl)
				return parse_err(p, line, "empty tag");
			if (!name_ok(nm, nl))
				return parse_err(p, line, "bad tag name '%.*s'",
						 show_len(nl), nm);
			break;
		case TK_PARTIAL:
		case TK_PARENT:
		case TK_BLOCK:
		case TK_CLOSE:
			if (!nl)
				return parse_err(p, line, "empty tag");
			if (!ref_ok(nm, nl, kind != TK_BLOCK))
				return parse_err(p, line, "bad tag name '%.*s'",
						 show_len(nl), nm);
			break;
		}

		if (kind == TK_SECTION || kind == TK_INVERTED ||
		    kind == TK_PARENT || kind == TK_BLOCK) {
			if (depth == RENDER_MAX_DEPTH)
				return parse_err(
					p, line,
					"sections nested deeper than %d",
					RENDER_MAX_DEPTH);
			stack[depth++] = p->ntok - 1;
		} else if (kind == TK_CLOSE) {
			if (!depth)
				return parse_err(
					p, line,
					"end tag '%.*s' without an open section",
					show_len(nl), nm);
			const struct tok *op = &p->toks[stack[depth - 1]];
			const char *k1, *k2;
			size_t n1, n2;
			int d1 = ref_key(s + op->ns, op->ne - op->ns, &k1, &n1);
			int d2 = ref_key(nm, nl, &k2, &n2);
			if (d1 != d2 || n1 != n2 || memcmp(k1, k2, n1))
				return parse_err(
					p, line,
					"end tag '%.*s' does not match %s '%.*s' opened on line %u",
					show_len(nl), nm, tag_what(op->kind),
					show_len(op->ne - op->ns), s + op->ns,
					op->line);
			p->toks[p->ntok - 1].open = stack[--depth];
		}
		pos = end;
	}
	if (depth) {
		const struct tok *op = &p->toks[stack[depth - 1]];
		return parse_err(p, op->line, "unclosed %s '%.*s'",
				 tag_what(op->kind), show_len(op->ne - op->ns),
				 s + op->ns);
	}
	return 0;
}

static int tok_can_stand(int kind)
{
	return kind != TK_TEXT && kind != TK_VAR && kind != TK_RAW;
}

static int tok_inherit(const struct parse *p, const struct tok *t)
{
	if (t->kind == TK_CLOSE)
		t = &p->toks[t->open];
	return t->kind == TK_PARENT || t->kind == TK_BLOCK;
}

/* Pass 2: find standalone lines and cut them out of the text tokens. */
static void parse_standalone(struct parse *p)
{
	const char *s = p->src;
	for (size_t i = 0; i < p->ntok;) {
		if (p->toks[i].kind == TK_TEXT) {
			i++;
			continue;
		}
		/* a group: tags with no text between them */
		size_t j = i;
		while (j + 1 < p->ntok && p->toks[j + 1].kind != TK_TEXT)
			j++;
		size_t next = j + 1;
		int ok = 1;
		if (i == j)
			ok = tok_can_stand(p->toks[i].kind);
		else
			for (size_t k = i; k <= j && ok; k++)
				ok = tok_inherit(p, &p->toks[k]);

		/* only blanks between the line start and the group */
		size_t ls = p->toks[i].start;
		if (ok) {
			size_t floor = i > 0 ? p->toks[i - 1].start : 0;
			while (ls > floor && is_blank(s[ls - 1]))
				ls--;
			if (ls > 0 && s[ls - 1] != '\n')
				ok = 0;
		}
		/* only blanks, then a newline or the end of the template */
		size_t le = p->toks[j].end;
		if (ok) {
			size_t ceil = next < p->ntok ? p->toks[next].end :
						       p->len;
			while (le < ceil && is_blank(s[le]))
				le++;
			if (le < ceil && s[le] == '\n')
				le++;
			else if (le + 1 < ceil && s[le] == '\r' &&
				 s[le + 1] == '\n')
				le += 2;
			else if (le < ceil || next + 1 < p->ntok)
				ok = 0;
		}
		if (ok) {
			/* {{$b}}{{/b}} alone on a line keeps its newline
			 * (spec: "Standalone block") */
			const struct tok *last = &p->toks[j];
			int keep = last->kind == TK_CLOSE && last->open >= i &&
				   p->toks[last->open].kind == TK_BLOCK;
			for (size_t k = i; k <= j; k++) {
				p->toks[k].standalone = 1;
				p->toks[k].ind_s = ls;
				p->toks[k].ind_e = p->toks[i].start;
			}
			p->toks[j].keep_eol = (uint8_t)keep;
			if (i > 0)
				p->toks[i - 1].end = ls;
			if (!keep && next < p->ntok)
				p->toks[next].start = le;
		}
		i = j + 1;
	}
}

static uint32_t node_push(struct parse *p, int kind, const struct tok *t)
{
	if (p->nnode == p->capnode) {
		p->capnode = p->capnode ? p->capnode * 2 : 64;
		p->nodes = xrealloc(p->nodes, p->capnode * sizeof *p->nodes);
	}
	struct mnode *n = &p->nodes[p->nnode];
	memset(n, 0, sizeof *n);
	n->kind = (uint8_t)kind;
	n->line = t->line;
	if (t->standalone) {
		n->flags |= MF_STANDALONE;
		n->indent = p->src + t->ind_s;
		n->indent_len = t->ind_e - t->ind_s;
	}
	return (uint32_t)p->nnode++;
}

static const struct mname *name_new(struct arena *a, const char *s, size_t n)
{
	uint32_t nseg = 0;
	if (!(n == 1 && s[0] == '.')) {
		nseg = 1;
		for (size_t i = 0; i < n; i++)
			nseg += s[i] == '.';
	}
	struct mname *m = arena_alloc(a, sizeof *m + nseg * sizeof m->seg[0]);
	m->nseg = nseg;
	for (uint32_t k = 0; k < nseg; k++) {
		const char *dot = memchr(s, '.', n);
		size_t l = dot ? (size_t)(dot - s) : n;
		m->seg[k].s = s;
		m->seg[k].len = (uint32_t)l;
		m->seg[k].hash = render_key_hash(s, l);
		s += l + 1;
		n -= dot ? l + 1 : l;
	}
	return m;
}

/* Node kind for each tag token that makes a node. */
static const uint8_t tok_node[] = {
	[TK_VAR] = MN_VAR,         [TK_RAW] = MN_RAW,
	[TK_SECTION] = MN_SECTION, [TK_INVERTED] = MN_INVERTED,
	[TK_PARTIAL] = MN_PARTIAL, [TK_PARENT] = MN_PARENT,
	[TK_BLOCK] = MN_BLOCK,
};

/* Pass 3. */
static void parse_build(struct parse *p)
{
	struct arena *a = p->t->a;
	struct {
		uint32_t node; /* open section/parent/block */
		uint32_t last; /* parent: last override so far, 0 none */
	} stack[RENDER_MAX_DEPTH];
	size_t depth = 0;
	int bol = 1; /* the next node starts a source line */

	for (size_t i = 0; i < p->ntok; i++) {
		const struct tok *t = &p->toks[i];
		const char *nm = p->src + t->ns;
		size_t nl = t->ne - t->ns;
		uint32_t x;
		struct mnode *n;

		switch (t->kind) {
		case TK_TEXT:
			if (t->start == t->end)
				break;
			x = node_push(p, MN_TEXT, t);
			n = &p->nodes[x];
			n->s = p->src + t->start;
			n->len = t->end - t->start;
			if (bol)
				n->flags |= MF_BOL;
			bol = p->src[t->end - 1] == '\n';
			break;
		case TK_COMMENT:
		case TK_DELIM:
			break;
		case TK_CLOSE:
			if (!t->standalone && bol) {
				x = node_push(p, MN_INDENT, t);
				p->nodes[x].flags |= MF_BOL;
			}
			depth--;
			p->nodes[stack[depth].node].end = (uint32_t)p->nnode;
			bol = 0;
			break;
		case TK_VAR:
		case TK_RAW:
		case TK_SECTION:
		case TK_INVERTED:
			x = node_push(p, tok_node[t->kind], t);
			p->nodes[x].name = name_new(a, nm, nl);
			goto tag;
		case TK_PARTIAL:
		case TK_PARENT: {
			x = node_push(p, tok_node[t->kind], t);
			n = &p->nodes[x];
			const char *k;
			size_t kn;
			if (ref_key(nm, nl, &k, &kn)) {
				n->flags |= MF_DYNAMIC;
				n->name = name_new(a, k, kn);
			} else {
				n->s = arena_strndup(a, k, kn);
				n->len = kn;
			}
			goto tag;
		}
		case TK_BLOCK:
			x = node_push(p, tok_node[t->kind], t);
			n = &p->nodes[x];
			n->s = arena_strndup(a, nm, nl);
			n->len = nl;
			n->hash = render_key_hash(nm, nl);
			if (depth &&
			    p->nodes[stack[depth - 1].node].kind == MN_PARENT) {
				n->flags |= MF_OVERRIDE;
				if (stack[depth - 1].last)
					p->nodes[stack[depth - 1].last].next =
						x;
				else
					p->nodes[stack[depth - 1].node].next =
						x;
				stack[depth - 1].last = x;
			}
			goto tag;
tag:
			if (!t->standalone && bol)
				p->nodes[x].flags |= MF_BOL;
			bol = 0;
			if (t->kind != TK_VAR && t->kind != TK_RAW &&
			    t->kind != TK_PARTIAL) {
				stack[depth].node = x;
				stack[depth].last = 0;
				depth++;
			}
			break;
		}
		if (t->standalone)
			bol = !t->keep_eol;
	}
}

/* Indentation of the first line of block i's content: its leading blanks
 * (or those removed before a standalone tag there). */
static size_t block_first_indent(const struct tmpl *t, uint32_t i,
				 const char **at)
{
	const struct mnode *c = &t->nodes[i + 1];
	*at = NULL;
	if (i + 1 >= t->nodes[i].end)
		return 0;
	if (c->flags & MF_STANDALONE) {
		*at = c->indent;
		return c->indent_len;
	}
	if (c->kind != MN_TEXT || !(c->flags & MF_BOL))
		return 0;
	size_t k = 0;
	while (k < c->len && is_blank(c->s[k]))
		k++;
	*at = c->s;
	return k;
}

/* Remove up to k leading blanks from every source line in nodes [lo, hi). */
static void tmpl_dedent(struct tmpl *t, uint32_t lo, uint32_t hi, size_t k)
{
	for (uint32_t j = lo; j < hi; j++) {
		struct mnode *n = &t->nodes[j];
		if (n->flags & MF_STANDALONE) {
			size_t m = 0;
			while (m < k && m < n->indent_len &&
			       is_blank(n->indent[m]))
				m++;
			n->indent += m;
			n->indent_len -= m;
		}
		if (n->kind != MN_TEXT)
			continue;
		/* text points into t->src, the template's own writable copy,
		 * and no other node shares its bytes: compact in place */
		char *s = t->src + (n->s - t->src);
		size_t r = 0, w = 0;
		int at_bol = n->flags & MF_BOL;
		while (r < n->len) {
			if (at_bol) {
				for (size_t m = 0;
				     m < k && r < n->len && is_blank(s[r]); m++)
					r++;
				at_bol = 0;
				continue;
			}
			char c = s[r++];
			s[w++] = c;
			at_bol = c == '\n';
		}
		n->len = w;
	}
}

/*
 * Inheritance indentation (spec ~inheritance: "Block reindentation",
 * "Intrinsic indentation", "Nested block reindentation"). An override
 * whose opening tag is standalone loses the indentation of its first line
 * from all its lines; a slot whose opening tag is standalone records the
 * indentation of its content (or of the tag when empty), which the
 * renderer adds to an override's lines. Nodes are visited in order, so an
 * enclosing override is dedented before what it contains is measured.
 */
static void tmpl_blocks_indent(struct tmpl *t)
{
	for (uint32_t i = 0; i < t->nnodes; i++) {
		struct mnode *n = &t->nodes[i];
		if (n->kind != MN_BLOCK || !(n->flags & MF_STANDALONE))
			continue;
		const char *at;
		size_t k = block_first_indent(t, i, &at);
		if (n->flags & MF_OVERRIDE) {
			if (k)
				tmpl_dedent(t, i + 1, n->end, k);
		} else if (n->end > i + 1) {
			n->indent = at ? arena_strndup(t->a, at, k) : "";
			n->indent_len = k;
		}
	}
}

/* Parse t->src into t->nodes. Errors: ERR_INVALID "file:line: reason". */
static int tmpl_parse(struct tmpl *t, struct err *e)
{
	struct parse p = {
		.t = t,
		.src = t->src,
		.len = t->len,
		.e = e,
		.lline = 1,
	};
	int rc = parse_tokenize(&p);
	if (rc)
		goto out;
	parse_standalone(&p);
	parse_build(&p);
	if (p.nnode > UINT32_MAX / 2) {
		rc = err_set(e, ERR_TOOBIG, "%s: template too large", t->file);
		goto out;
	}
	t->nnodes = (uint32_t)p.nnode;
	t->nodes =
		arena_alloc(t->a, (p.nnode ? p.nnode : 1) * sizeof *t->nodes);
	if (p.nnode)
		memcpy(t->nodes, p.nodes, p.nnode * sizeof *t->nodes);
	tmpl_blocks_indent(t);
out:
	free(p.toks);
	free(p.nodes);
	return rc;
}

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
			       show_len(len), name, err_name(rc));
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
		rc = tmpl_parse(t, e);
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
	render_tmpl_set *set; /* for {{>*name}} */
	struct buf *out;      /* output */
	struct err *e;        /* errors */
	unsigned depth;       /* nested render_range calls */
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
	buf_append(out, ind->s, ind->len);
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
		buf_append(out, s + i, e - i);
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
	buf_append(out, p, (size_t)(tmp + sizeof tmp - p));
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
			buf_append(out, v->u.s, v->len);
		break;
	case RENDER_INT:
		put_int(out, v->u.i);
		break;
	case RENDER_DOUBLE:
		put_double(out, v->u.d);
		break;
	case RENDER_BOOL:
		buf_puts(out, v->u.b ? "true" : "false");
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
				buf_append(out, n->s, n->len);
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
		case MN_PARTIAL:
			rc = node_target(st, n, cx, &tt);
			if (!rc && tt)
				rc = render_range(
					st, tt, 0, tt->nnodes, cx,
					(n->flags & MF_STANDALONE) ?
						ind_push(&frame, n->indent,
							 n->indent_len, ind) :
						NULL,
					args);
			i++;
			break;
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
		       const struct render_val *data, struct buf *out,
		       struct err *e)
{
	struct rstate st = {set, out, e, 0};
	struct rctx root = {data, NULL};
	return render_range(&st, t, 0, t->nnodes, &root, NULL, NULL);
}

int render_tmpl_render(render_tmpl_set *set, const char *name,
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
	return render_root(set, t, data, out, e);
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
		rc = render_root(set, t, data, out, e);
	render_tmpl_set_free(set);
	return rc;
}
