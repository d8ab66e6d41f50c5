/*
 * mustache_parse.c - the Mustache compiler: template source to the
 * compiled form of mustache_internal.h. See mustache.c for the whole
 * design.
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
 * mustache_tmpl_deps then finds what a template's output depends on
 * (memoized partials, see mustache.c).
 */
#include "render/internal.h"
#include "render/mustache.h"
#include "render/mustache_internal.h"
#include "render/value.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/xmalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
					 mustache_show_len(n - ts), s + ts);
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
					 mustache_show_len(nl), nm);
		}
		case TK_VAR:
		case TK_RAW:
		case TK_SECTION:
		case TK_INVERTED:
			if (!nl)
				return parse_err(p, line, "empty tag");
			if (!name_ok(nm, nl))
				return parse_err(p, line, "bad tag name '%.*s'",
						 mustache_show_len(nl), nm);
			break;
		case TK_PARTIAL:
		case TK_PARENT:
		case TK_BLOCK:
		case TK_CLOSE:
			if (!nl)
				return parse_err(p, line, "empty tag");
			if (!ref_ok(nm, nl, kind != TK_BLOCK))
				return parse_err(p, line, "bad tag name '%.*s'",
						 mustache_show_len(nl), nm);
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
					mustache_show_len(nl), nm);
			const struct tok *op = &p->toks[stack[depth - 1]];
			const char *k1, *k2;
			size_t n1, n2;
			int d1 = ref_key(s + op->ns, op->ne - op->ns, &k1, &n1);
			int d2 = ref_key(nm, nl, &k2, &n2);
			if (d1 != d2 || n1 != n2 || memcmp(k1, k2, n1))
				return parse_err(
					p, line,
					"end tag '%.*s' does not match %s '%.*s' opened on line %u",
					mustache_show_len(nl), nm,
					tag_what(op->kind),
					mustache_show_len(op->ne - op->ns),
					s + op->ns, op->line);
			p->toks[p->ntok - 1].open = stack[--depth];
		}
		pos = end;
	}
	if (depth) {
		const struct tok *op = &p->toks[stack[depth - 1]];
		return parse_err(p, op->line, "unclosed %s '%.*s'",
				 tag_what(op->kind),
				 mustache_show_len(op->ne - op->ns),
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

int mustache_tmpl_parse(struct tmpl *t, struct err *e)
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

/* ---- memoizable templates ------------------------------------------------ */

static void deps_add(struct tmpl *t, const struct mseg *g, size_t *cap)
{
	for (uint32_t i = 0; i < t->ndeps; i++)
		if (t->deps[i].hash == g->hash && t->deps[i].len == g->len &&
		    !memcmp(t->deps[i].s, g->s, g->len))
			return;
	if (t->ndeps == *cap)
		t->deps = arena_grow(t->a, t->deps, t->ndeps, cap,
				     sizeof *t->deps, 16);
	t->deps[t->ndeps++] = *g;
}

/* Under the set's lock: compute t->memo and t->deps (see MEMO_*), and
 * those of the partials it includes. 1 when t is MEMO_OK. The names of an
 * included partial are copied: they point into its source, which lives
 * as long as the set does. */
int mustache_tmpl_deps(struct tmpl *t)
{
	if (t->memo != MEMO_UNKNOWN)
		return t->memo == MEMO_OK;
	t->memo = MEMO_BUSY;
	int ok = 1;
	size_t cap = 0;
	for (uint32_t i = 0; i < t->nnodes && ok; i++) {
		const struct mnode *n = &t->nodes[i];
		switch (n->kind) {
		case MN_VAR:
		case MN_RAW:
		case MN_SECTION:
		case MN_INVERTED:
			if (!n->name->nseg)
				ok = 0;
			else
				deps_add(t, &n->name->seg[0], &cap);
			break;
		case MN_PARTIAL:
			if ((n->flags & MF_DYNAMIC) || !n->link ||
			    !mustache_tmpl_deps(n->link)) {
				ok = 0;
				break;
			}
			for (uint32_t k = 0; k < n->link->ndeps; k++)
				deps_add(t, &n->link->deps[k], &cap);
			break;
		case MN_PARENT:
		case MN_BLOCK:
			ok = 0;
			break;
		default:
			break;
		}
	}
	t->memo = ok ? MEMO_OK : MEMO_NO;
	return ok;
}
