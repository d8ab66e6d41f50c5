/*
 * parse.c - readers for the embedded demo content: INI files (through
 * inih, with line numbers) and the demo article format (`name: value`
 * header, `---`, Markdown body).
 *
 * For: turning demo/content/ files into checked structures with messages
 * that name the file and line of any mistake. Not for: knowing what the
 * keys mean or whether a rubric or author exists (demo.c checks content
 * against content), nor for any user input: these files are ours and
 * compiled into the binary.
 */
#include "demo/internal.h"
#include "util/arena.h"

#include <ctype.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- INI ------------------------------------------------------------ */

struct ini_ctx {
	struct arena *a;
	struct demo_ini *ini;
	const char *p;          /* next byte to hand to inih */
	const char *end;        /* end of the text */
	const char *line_start; /* first byte of the line inih is on */
	int line;               /* its 1-based number */
	bool at_bol;            /* the next read starts a new line */
	const char *section;    /* arena copy of the current section name */
	char why[300];          /* first error, "" when none */
	int why_line;           /* its line */
};

/* fgets() over the text, keeping track of lines: inih reads one whole
 * line (maybe in several calls when it grows its buffer) and then calls
 * the handler, so line/line_start describe the line being handled. */
static char *ini_ctx_read(char *str, int num, void *stream)
{
	struct ini_ctx *c = stream;
	if (c->p >= c->end || num < 2)
		return NULL;
	if (c->at_bol) {
		c->line++;
		c->line_start = c->p;
	}
	int i = 0;
	while (i < num - 1 && c->p < c->end) {
		char ch = *c->p++;
		str[i++] = ch;
		if (ch == '\n')
			break;
	}
	str[i] = '\0';
	c->at_bol = str[i - 1] == '\n';
	return str;
}

static int ini_ctx_fail(struct ini_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int ini_ctx_fail(struct ini_ctx *c, const char *fmt, ...)
{
	if (!c->why[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->why, sizeof c->why, fmt, ap);
		va_end(ap);
		c->why_line = c->line;
	}
	return 0;
}

static int ini_ctx_handler(void *user, const char *section, const char *name,
			   const char *value)
{
	struct ini_ctx *c = user;
	struct demo_ini *ini = c->ini;
	if (c->why[0])
		return 0;
	if (!name) /* a section line, when inih reports those */
		return 1;
	if (!*section)
		return ini_ctx_fail(c, "key '%s' outside a [section]", name);
	/* inih hands an indented line to us as another value of the previous
	 * key (configparser style); join it like configparser does. */
	if (c->line_start &&
	    (*c->line_start == ' ' || *c->line_start == '\t')) {
		if (ini->n == 0)
			return ini_ctx_fail(c, "indented line before any key");
		struct demo_kv *kv = &ini->kv[ini->n - 1];
		kv->value = arena_printf(c->a, "%s\n%s", kv->value, value);
		return 1;
	}
	if (demo_ini_find(ini, section, name))
		return ini_ctx_fail(c, "key '%s' repeated in [%s]", name,
				    section);
	if (!c->section || strcmp(c->section, section) != 0)
		c->section = arena_strdup(c->a, section);
	if (ini->n == ini->cap) {
		size_t cap = ini->cap ? ini->cap * 2 : 32;
		struct demo_kv *kv = arena_alloc(c->a, cap * sizeof *kv);
		if (ini->n)
			memcpy(kv, ini->kv, ini->n * sizeof *kv);
		ini->kv = kv;
		ini->cap = cap;
	}
	ini->kv[ini->n++] = (struct demo_kv){
		.section = c->section,
		.key = arena_strdup(c->a, name),
		.value = arena_strdup(c->a, value),
		.line = c->line,
	};
	return 1;
}

int demo_ini_parse(struct arena *a, const char *path, const char *text,
		   size_t len, struct demo_ini *out, struct err *e)
{
	*out = (struct demo_ini){.path = path};
	if (memchr(text, '\0', len))
		return err_set(e, ERR_INVALID, "%s: NUL byte in the file",
			       path);
	struct ini_ctx c = {
		.a = a,
		.ini = out,
		.p = text,
		.end = text + len,
		.at_bol = true,
	};
	/* Our values (Russian bios, live entries) are longer than inih's
	 * default 200-byte line and may contain " ;", so lift the line limit
	 * and turn off inline comments, for this call only. */
	bool use_stack = ini_use_stack, allow_realloc = ini_allow_realloc;
	bool inline_comments = ini_allow_inline_comments;
	bool multiline = ini_allow_multiline, stop = ini_stop_on_first_error;
	int max_line = ini_max_line, initial = ini_initial_alloc;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 16 << 20;
	ini_initial_alloc = 4096;
	ini_allow_inline_comments = false;
	ini_allow_multiline = true;
	ini_stop_on_first_error = true;
	int line = ini_parse_stream(ini_ctx_read, &c, ini_ctx_handler, &c);
	ini_use_stack = use_stack;
	ini_allow_realloc = allow_realloc;
	ini_max_line = max_line;
	ini_initial_alloc = initial;
	ini_allow_inline_comments = inline_comments;
	ini_allow_multiline = multiline;
	ini_stop_on_first_error = stop;

	if (c.why[0])
		return err_set(e, ERR_INVALID, "%s:%d: %s", path, c.why_line,
			       c.why);
	if (line > 0)
		return err_set(e, ERR_INVALID,
			       "%s:%d: syntax error (expected [section], "
			       "key = value or a comment)",
			       path, line);
	if (line < 0)
		return err_set(e, ERR_INVALID, "%s: inih failed (%d)", path,
			       line);
	return 0;
}

const struct demo_kv *demo_ini_find(const struct demo_ini *ini,
				    const char *section, const char *key)
{
	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->kv[i].key, key) == 0 &&
		    strcmp(ini->kv[i].section, section) == 0)
			return &ini->kv[i];
	return NULL;
}

/* ---- articles ------------------------------------------------------- */

enum hdr {
	HDR_KEY,
	HDR_EDITION,
	HDR_TITLE,
	HDR_SLUG,
	HDR_KIND,
	HDR_RUBRIC,
	HDR_AUTHORS,
	HDR_TAGS,
	HDR_AGE,
	HDR_FEATURED,
	HDR_BREAKING,
	HDR_PINNED,
	HDR_LEAD,
	HDR_COUNT
};

static const struct {
	const char *name;
	bool required;
} hdrs[HDR_COUNT] = {
	[HDR_KEY] = {"key", true},
	[HDR_EDITION] = {"edition", true},
	[HDR_TITLE] = {"title", true},
	[HDR_SLUG] = {"slug", true},
	[HDR_KIND] = {"kind", true},
	[HDR_RUBRIC] = {"rubric", true},
	[HDR_AUTHORS] = {"authors", true},
	[HDR_TAGS] = {"tags", true},
	[HDR_AGE] = {"age_hours", true},
	[HDR_FEATURED] = {"featured", false},
	[HDR_BREAKING] = {"breaking", false},
	[HDR_PINNED] = {"pinned", false},
	[HDR_LEAD] = {"lead", true},
};

static const char *const kinds[] = {
	"news",   "analysis", "interview", "opinion", "feature",
	"report", "column",   "explainer", "review",
};

/* [a-z0-9]+ joined by single '-', at most max bytes. */
static bool is_slug(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '-' ? s[i + 1] == '-' :
				!((ch >= 'a' && ch <= 'z') ||
				  (ch >= '0' && ch <= '9')))
			return false;
	}
	return true;
}

static bool is_edition(const char *s, size_t n)
{
	if (n < 2 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Trimmed arena copy of s[0..n). */
static char *trim_dup(struct arena *a, const char *s, size_t n)
{
	while (n && is_space(*s)) {
		s++;
		n--;
	}
	while (n && is_space(s[n - 1]))
		n--;
	return arena_strndup(a, s, n);
}

/* Split a comma-separated value into trimmed items; empty items are an
 * error. Returns the count, or -1 (too many, or an empty item). */
static int split_list(struct arena *a, const char *v, char **items, int max)
{
	int n = 0;
	if (!*v)
		return 0;
	for (;;) {
		const char *comma = strchr(v, ',');
		size_t len = comma ? (size_t)(comma - v) : strlen(v);
		char *item = trim_dup(a, v, len);
		if (!*item || n == max)
			return -1;
		for (int i = 0; i < n; i++)
			if (strcmp(items[i], item) == 0)
				return -1;
		items[n++] = item;
		if (!comma)
			return n;
		v = comma + 1;
	}
}

static int parse_flag(const char *v, int *out)
{
	if (strcmp(v, "0") == 0 || strcmp(v, "1") == 0) {
		*out = v[0] - '0';
		return 0;
	}
	return -1;
}

int demo_article_parse(struct arena *a, const char *path, const char *text,
		       size_t len, struct demo_article *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	out->path = path;
	if (memchr(text, '\0', len))
		return err_set(e, ERR_INVALID, "%s: NUL byte in the file",
			       path);

	/* <key>.<edition>.md */
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t blen = strlen(base);
	const char *dot = blen > 3 ? base + blen - 3 : NULL;
	const char *edot = NULL;
	if (dot && strcmp(dot, ".md") == 0)
		for (const char *q = dot - 1; q > base; q--)
			if (*q == '.') {
				edot = q;
				break;
			}
	if (!edot || !is_edition(edot + 1, (size_t)(dot - edot - 1)))
		return err_set(e, ERR_INVALID,
			       "%s: file name must be <key>.<edition>.md",
			       path);
	char *file_key = arena_strndup(a, base, (size_t)(edot - base));
	char *file_ed = arena_strndup(a, edot + 1, (size_t)(dot - edot - 1));

	const char *p = text, *end = text + len;
	int line = 0, lines[HDR_COUNT] = {0};
	bool sep = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *next = nl ? nl + 1 : end;
		size_t ll = (size_t)(le - p);
		line++;
		if (ll && p[ll - 1] == '\r')
			ll--;
		if (ll == 3 && memcmp(p, "---", 3) == 0) {
			sep = true;
			p = next;
			break;
		}
		if (ll == 0)
			return err_set(e, ERR_INVALID,
				       "%s:%d: blank line in the header "
				       "(expected 'name: value' or '---')",
				       path, line);
		const char *colon = memchr(p, ':', ll);
		if (!colon)
			return err_set(e, ERR_INVALID,
				       "%s:%d: expected 'name: value' or '---'",
				       path, line);
		char *name = trim_dup(a, p, (size_t)(colon - p));
		char *v = trim_dup(a, colon + 1, ll - (size_t)(colon + 1 - p));
		int h = 0;
		while (h < HDR_COUNT && strcmp(hdrs[h].name, name) != 0)
			h++;
		if (h == HDR_COUNT)
			return err_set(e, ERR_INVALID,
				       "%s:%d: unknown header '%s'", path, line,
				       name);
		if (lines[h])
			return err_set(e, ERR_INVALID,
				       "%s:%d: header '%s' repeated (first on "
				       "line %d)",
				       path, line, name, lines[h]);
		lines[h] = line;
		bool ok = true;
		const char *why = "";
		switch ((enum hdr)h) {
		case HDR_KEY:
			out->key = v;
			ok = is_slug(v, 120);
			why = "expected [a-z0-9-]";
			break;
		case HDR_EDITION:
			out->edition = v;
			ok = is_edition(v, strlen(v));
			why = "expected an edition code like 'en'";
			break;
		case HDR_TITLE:
			out->title = v;
			ok = *v;
			why = "empty";
			break;
		case HDR_SLUG:
			out->slug = v;
			ok = is_slug(v, 200);
			why = "expected [a-z0-9] words joined by '-', at most "
			      "200 bytes";
			break;
		case HDR_KIND:
			out->kind = v;
			ok = false;
			for (size_t k = 0; k < sizeof kinds / sizeof *kinds;
			     k++)
				ok = ok || strcmp(kinds[k], v) == 0;
			why = "expected news, analysis, interview, opinion, "
			      "feature, report, column, explainer or review";
			break;
		case HDR_RUBRIC:
			out->rubric = v;
			out->rubric_line = line;
			ok = is_slug(v, 120);
			why = "expected a rubric key";
			break;
		case HDR_AUTHORS: {
			int n = split_list(a, v, out->authors,
					   DEMO_MAX_AUTHORS);
			ok = n > 0;
			for (int i = 0; ok && i < n; i++)
				ok = is_slug(out->authors[i], 120);
			out->n_authors = ok ? (size_t)n : 0;
			out->authors_line = line;
			why = "expected 1-4 distinct author keys separated by "
			      "commas";
			break;
		}
		case HDR_TAGS: {
			int n = split_list(a, v, out->tags, DEMO_MAX_TAGS);
			ok = n >= 0;
			out->n_tags = ok ? (size_t)n : 0;
			why = "expected at most 12 distinct non-empty tags "
			      "separated by commas";
			break;
		}
		case HDR_AGE: {
			char *endp = NULL;
			long age = -1;
			if (*v >= '0' && *v <= '9')
				age = strtol(v, &endp, 10);
			ok = endp && !*endp && age >= 0 && age <= 87600;
			out->age_hours = ok ? (int)age : 0;
			why = "expected whole hours, 0..87600";
			break;
		}
		case HDR_FEATURED:
			ok = parse_flag(v, &out->featured) == 0;
			why = "expected 0 or 1";
			break;
		case HDR_BREAKING:
			ok = parse_flag(v, &out->breaking) == 0;
			why = "expected 0 or 1";
			break;
		case HDR_PINNED:
			ok = parse_flag(v, &out->pinned) == 0;
			why = "expected 0 or 1";
			break;
		case HDR_LEAD:
			out->lead = v;
			ok = *v;
			why = "empty";
			break;
		case HDR_COUNT:
			break;
		}
		if (!ok)
			return err_set(e, ERR_INVALID, "%s:%d: bad %s '%s': %s",
				       path, line, name, v, why);
		p = next;
	}
	if (!sep)
		return err_set(e, ERR_INVALID,
			       "%s:%d: no '---' line after the header", path,
			       line);
	for (int h = 0; h < HDR_COUNT; h++)
		if (hdrs[h].required && !lines[h])
			return err_set(
				e, ERR_INVALID,
				"%s:%d: missing header '%s' before '---'", path,
				line, hdrs[h].name);
	if (strcmp(out->key, file_key) != 0)
		return err_set(e, ERR_INVALID,
			       "%s:%d: key '%s' differs from the file name's "
			       "'%s'",
			       path, lines[HDR_KEY], out->key, file_key);
	if (strcmp(out->edition, file_ed) != 0)
		return err_set(e, ERR_INVALID,
			       "%s:%d: edition '%s' differs from the file "
			       "name's '%s'",
			       path, lines[HDR_EDITION], out->edition, file_ed);
	size_t blen_md = (size_t)(end - p);
	bool blank = true;
	for (size_t i = 0; blank && i < blen_md; i++)
		blank = isspace((unsigned char)p[i]);
	if (blank)
		return err_set(e, ERR_INVALID, "%s:%d: empty body after '---'",
			       path, line);
	out->body = arena_strndup(a, p, blen_md);
	out->body_len = blen_md;
	return 0;
}
