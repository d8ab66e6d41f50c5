/*
 * locale.c - UI strings from INI files (inih). See locale.h.
 *
 * Strings sit in one array sorted by key (bsearch on lookup). The only
 * thing that changes after load is the list of missing keys already
 * reported, kept behind the locale's own mutex so that lookups of present
 * keys never take a lock.
 */
#include "render/locale.h"
#include "render/escape.h"
#include "util/buf.h"
#include "util/embed.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <ini.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOC_KEY_MAX     128           /* longest "section.key" */
#define LOC_FILE_MAX    (1024 * 1024) /* largest override file */
#define LOC_MISSING_MAX 256           /* distinct missing keys remembered */
#define LOC_LINE_MAX    196 /* bytes per line: inih's 200 less CR LF NUL */

enum loc_rule {
	LOC_RULE_ONE_OTHER,
	LOC_RULE_SLAVIC
};

struct loc_entry {
	char *key;   /* "nav.search", heap */
	char *value; /* UTF-8 text, heap */
};

struct loc_list {
	struct loc_entry *v; /* entries */
	size_t n;            /* used */
	size_t cap;          /* allocated */
};

struct render_locale {
	char lang[16];        /* "ru" */
	enum loc_rule rule;   /* plural rule of lang */
	struct loc_list s;    /* sorted by key after load */
	pthread_mutex_t lock; /* guards missing/nmissing */
	char **missing;       /* keys reported missing, heap copies */
	size_t nmissing;      /* how many */
};

/* ---- lists -------------------------------------------------------------- */

static void loc_list_free(struct loc_list *li)
{
	for (size_t i = 0; i < li->n; i++) {
		free(li->v[i].key);
		free(li->v[i].value);
	}
	free(li->v);
	memset(li, 0, sizeof *li);
}

static void loc_list_add(struct loc_list *li, const char *key,
			 const char *value)
{
	if (li->n == li->cap) {
		li->cap = li->cap ? li->cap * 2 : 256;
		li->v = xrealloc(li->v, li->cap * sizeof *li->v);
	}
	li->v[li->n].key = xstrdup(key);
	li->v[li->n].value = xstrdup(value);
	li->n++;
}

/* Linear: used while loading only, on a few hundred keys. */
static struct loc_entry *loc_list_find_linear(struct loc_list *li,
					      const char *key)
{
	for (size_t i = 0; i < li->n; i++)
		if (!strcmp(li->v[i].key, key))
			return &li->v[i];
	return NULL;
}

static int loc_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct loc_entry *)a)->key,
		      ((const struct loc_entry *)b)->key);
}

static const struct loc_entry *loc_find(const struct render_locale *l,
					const char *key)
{
	struct loc_entry k = {(char *)key, NULL};
	return bsearch(&k, l->s.v, l->s.n, sizeof *l->s.v, loc_entry_cmp);
}

/* ---- parsing -------------------------------------------------------------- */

struct loc_parse {
	const char *file;           /* name for messages */
	const char *pos;            /* text not yet handed to inih */
	const char *end;            /* end of the text */
	int lineno;                 /* line last handed to inih */
	int indented;               /* that line starts with a space or tab */
	int long_line;              /* first line over the limit, or 0 */
	struct loc_list *li;        /* entries of this file */
	char last[LOC_KEY_MAX + 1]; /* previous key, for continuation lines */
	int err_line;               /* first line the handler refused */
	char reason[256];           /* and why */
};

/* inih's fgets: one source line per call, so that the handler knows the
 * line it is called for (number, indentation). A line longer than inih's
 * buffer is cut and remembered as an error instead of being split into
 * two lines. */
static char *loc_reader(char *str, int num, void *stream)
{
	struct loc_parse *p = stream;
	if (p->pos >= p->end || num < 2)
		return NULL;
	const char *nl = memchr(p->pos, '\n', (size_t)(p->end - p->pos));
	size_t n = nl ? (size_t)(nl - p->pos) + 1 : (size_t)(p->end - p->pos);
	p->lineno++;
	p->indented = p->pos[0] == ' ' || p->pos[0] == '\t';
	size_t text = n; /* without the line end */
	while (text && (p->pos[text - 1] == '\n' || p->pos[text - 1] == '\r'))
		text--;
	if (text > LOC_LINE_MAX && !p->long_line)
		p->long_line = p->lineno;
	size_t keep = n < (size_t)num - 1 ? n : (size_t)num - 1;
	memcpy(str, p->pos, keep);
	str[keep] = '\0';
	p->pos += n;
	return str;
}

static int loc_key_ok(const char *k)
{
	if (!*k || *k == '.')
		return 0;
	for (const char *p = k; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      (c == '.' && p[1] && p[1] != '.')))
			return 0;
	}
	return 1;
}

static int loc_refuse(struct loc_parse *p, const char *why, const char *key)
{
	if (!p->err_line) {
		p->err_line = p->lineno;
		snprintf(p->reason, sizeof p->reason, "%s%s", why, key);
	}
	p->last[0] = '\0';
	return 0;
}

/* inih calls this once per "name = value", and once more per indented
 * line that follows it (same name, the line as value): those are joined
 * with a space. Returning 0 makes inih count the line as an error. */
static int loc_handler(void *user, const char *section, const char *name,
		       const char *value)
{
	struct loc_parse *p = user;
	char key[LOC_KEY_MAX + 1];
	int n = section[0] ? snprintf(key, sizeof key, "%s.%s", section, name) :
			     snprintf(key, sizeof key, "%s", name);
	if (n < 0 || (size_t)n >= sizeof key)
		return loc_refuse(p, "key too long", "");
	if (!loc_key_ok(key))
		return loc_refuse(p,
				  "bad key (use letters, digits, '_', '-', "
				  "'.'): ",
				  key);
	if (!render_utf8_valid(value, strlen(value)))
		return loc_refuse(p, "value is not valid UTF-8", "");
	if (p->indented && p->last[0] && !strcmp(p->last, key)) {
		struct loc_entry *en = &p->li->v[p->li->n - 1];
		size_t a = strlen(en->value), b = strlen(value);
		en->value = xrealloc(en->value, a + b + 2);
		en->value[a] = ' ';
		memcpy(en->value + a + 1, value, b + 1);
		return 1;
	}
	if (loc_list_find_linear(p->li, key))
		return loc_refuse(p, "duplicate key ", key);
	loc_list_add(p->li, key, value);
	memcpy(p->last, key, (size_t)n + 1);
	return 1;
}

/* Parse len bytes of INI text (named `file` in messages) into li. */
static int loc_parse_text(const char *file, const char *text, size_t len,
			  struct loc_list *li, struct err *e)
{
	if (memchr(text, '\0', len))
		return err_set(e, ERR_INVALID, "%s: contains a NUL byte", file);
	struct loc_parse p = {
		.file = file, .pos = text, .end = text + len, .li = li};
	int line = ini_parse_stream(loc_reader, &p, loc_handler, &p);
	if (line < 0)
		return err_set(e, ERR_INVALID, "%s: cannot parse", file);
	/* report the first problem of any kind */
	int first = line;
	const char *why = "syntax error (expected 'key = value' or "
			  "'[section]')";
	if (p.err_line && (!first || p.err_line <= first)) {
		first = p.err_line;
		why = p.reason;
	}
	if (p.long_line && (!first || p.long_line <= first)) {
		first = p.long_line;
		why = "line longer than 196 bytes (continue the value on "
		      "an indented line)";
	}
	if (first)
		return err_set(e, ERR_INVALID, "%s:%d: %s", file, first, why);
	return 0;
}

/* Read a whole file. Returns 0, ERR_NOTFOUND when it does not exist, or
 * ERR_IO / ERR_TOOBIG. *data is heap memory the caller frees. */
static int loc_read_file(const char *path, char **data, size_t *len,
			 struct err *e)
{
	*data = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return ERR_NOTFOUND;
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	}
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		rc = err_set(e, ERR_IO, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > LOC_FILE_MAX) {
		rc = err_set(e, ERR_TOOBIG, "%s: larger than %d bytes", path,
			     LOC_FILE_MAX);
		goto out;
	}
	*data = xmalloc((size_t)st.st_size + 1);
	while (*len < (size_t)st.st_size) {
		ssize_t r = read(fd, *data + *len, (size_t)st.st_size - *len);
		if (r < 0) {
			rc = err_set(e, ERR_IO, "%s: %s", path,
				     strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		*len += (size_t)r;
	}
out:
	if (rc) {
		free(*data);
		*data = NULL;
	}
	close(fd);
	return rc;
}

static int loc_lang_ok(const char *s)
{
	size_t i = 0;
	if (!s)
		return 0;
	while (s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i < 2 || i > 3)
		return 0;
	if (!s[i])
		return 1;
	if (s[i] != '-' && s[i] != '_')
		return 0;
	size_t j = ++i;
	while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
	       (s[i] >= '0' && s[i] <= '9'))
		i++;
	return !s[i] && i - j >= 2 && i - j <= 8;
}

/* ---- load ----------------------------------------------------------------- */

/* CLDR cardinal rules for integers: Russian, Ukrainian and Belarusian
 * share one/few/many; every other language gets one/other (right for
 * English and German; languages with no plural forms just use "other"). */
static enum loc_rule loc_rule_of(const char *lang)
{
	static const char *const slavic[] = {"ru", "uk", "be"};
	for (size_t i = 0; i < sizeof slavic / sizeof slavic[0]; i++)
		if (!strncmp(lang, slavic[i], 2) &&
		    (!lang[2] || lang[2] == '-' || lang[2] == '_'))
			return LOC_RULE_SLAVIC;
	return LOC_RULE_ONE_OTHER;
}

int render_locale_load(const char *lang, const char *override_dir,
		       struct render_locale **out, struct err *e)
{
	*out = NULL;
	if (!loc_lang_ok(lang))
		return err_set(e, ERR_INVALID,
			       "locale '%.32s': bad language code",
			       lang ? lang : "(null)");
	struct render_locale *l = xcalloc(1, sizeof *l);
	pthread_mutex_init(&l->lock, NULL);
	snprintf(l->lang, sizeof l->lang, "%s", lang);
	l->rule = loc_rule_of(lang);
	int rc, found = 0;
	char path[64];
	snprintf(path, sizeof path, "locales/%s.ini", lang);
	const struct embed_file *f = embed_find(path);
	if (f) {
		rc = loc_parse_text(path, (const char *)f->data, f->len, &l->s,
				    e);
		if (rc)
			goto fail;
		found = 1;
	}
	if (override_dir && *override_dir) {
		size_t n = strlen(override_dir) + strlen(lang) + 8;
		char *opath = xmalloc(n);
		snprintf(opath, n, "%s/%s.ini", override_dir, lang);
		char *data;
		size_t len;
		rc = loc_read_file(opath, &data, &len, e);
		if (rc == ERR_NOTFOUND) {
			rc = 0;
		} else if (!rc) {
			struct loc_list ov = {0};
			rc = loc_parse_text(opath, data, len, &ov, e);
			for (size_t i = 0; !rc && i < ov.n; i++) {
				struct loc_entry *en = loc_list_find_linear(
					&l->s, ov.v[i].key);
				if (en) {
					free(en->value);
					en->value = ov.v[i].value;
					ov.v[i].value = NULL;
				} else {
					loc_list_add(&l->s, ov.v[i].key,
						     ov.v[i].value);
				}
			}
			loc_list_free(&ov);
			free(data);
			found = 1;
		}
		free(opath);
		if (rc)
			goto fail;
	}
	if (!found) {
		rc = err_set(e, ERR_NOTFOUND, "locale %s: no %s", lang, path);
		goto fail;
	}
	if (l->s.n)
		qsort(l->s.v, l->s.n, sizeof *l->s.v, loc_entry_cmp);
	/* Templates see the strings as a tree (t.nav.search): a key cannot
	 * be both a string and a branch. Sorted, "a.b" and "a.b.c" are
	 * neighbours or only separated by keys starting with "a.b". */
	for (size_t i = 0; i + 1 < l->s.n; i++) {
		const char *k = l->s.v[i].key;
		size_t kl = strlen(k);
		for (size_t j = i + 1;
		     j < l->s.n && !strncmp(l->s.v[j].key, k, kl); j++)
			if (l->s.v[j].key[kl] == '.') {
				rc = err_set(e, ERR_INVALID,
					     "locale %s: key %s is also the "
					     "section of %s",
					     lang, k, l->s.v[j].key);
				goto fail;
			}
	}
	*out = l;
	return 0;
fail:
	render_locale_free(l);
	return rc;
}

void render_locale_free(struct render_locale *l)
{
	if (!l)
		return;
	loc_list_free(&l->s);
	for (size_t i = 0; i < l->nmissing; i++)
		free(l->missing[i]);
	free(l->missing);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

const char *render_locale_lang(const struct render_locale *l)
{
	return l ? l->lang : "";
}

/* ---- lookup --------------------------------------------------------------- */

/* A missing key: warn once, and hand out a copy that lives as long as the
 * locale. The locale is const to callers; this bookkeeping is its only
 * mutable part and has its own lock. */
static const char *loc_missing(const struct render_locale *cl, const char *key)
{
	struct render_locale *l = (struct render_locale *)cl;
	const char *r = key;
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->nmissing; i++)
		if (!strcmp(l->missing[i], key)) {
			r = l->missing[i];
			goto out;
		}
	if (l->nmissing < LOC_MISSING_MAX && strlen(key) <= LOC_KEY_MAX) {
		if (!l->missing)
			l->missing =
				xcalloc(LOC_MISSING_MAX, sizeof *l->missing);
		r = l->missing[l->nmissing++] = xstrdup(key);
		log_warn("locale %s: no string for %s", l->lang, key);
	}
out:
	pthread_mutex_unlock(&l->lock);
	return r;
}

const char *render_locale_get(const struct render_locale *l, const char *key)
{
	if (!key)
		return "";
	if (!l)
		return key;
	const struct loc_entry *en = loc_find(l, key);
	return en ? en->value : loc_missing(l, key);
}

static const char *loc_plural_form(enum loc_rule rule, long long n)
{
	unsigned long long a = n < 0 ? 0ull - (unsigned long long)n :
				       (unsigned long long)n;
	if (rule == LOC_RULE_SLAVIC) {
		unsigned m10 = (unsigned)(a % 10), m100 = (unsigned)(a % 100);
		if (m10 == 1 && m100 != 11)
			return "one";
		if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14))
			return "few";
		return "many";
	}
	return a == 1 ? "one" : "other";
}

const char *render_locale_plural(const struct render_locale *l, const char *key,
				 long long n)
{
	if (!l || !key)
		return render_locale_get(l, key);
	const char *forms[] = {loc_plural_form(l->rule, n), "other", "many"};
	char k[LOC_KEY_MAX + 8];
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		if ((size_t)snprintf(k, sizeof k, "%s.%s", key, forms[i]) >=
		    sizeof k)
			break;
		const struct loc_entry *en = loc_find(l, k);
		if (en)
			return en->value;
	}
	return render_locale_get(l, key);
}

void render_locale_expand(struct buf *out, const char *s,
			  const char *const *vars)
{
	while (*s) {
		const char *open = strchr(s, '{');
		if (!open) {
			buf_puts(out, s);
			return;
		}
		buf_append(out, s, (size_t)(open - s));
		const char *close = strchr(open + 1, '}');
		const char *val = NULL;
		if (close && vars) {
			size_t n = (size_t)(close - open - 1);
			for (const char *const *v = vars; v[0] && v[1]; v += 2)
				if (strlen(v[0]) == n &&
				    !strncmp(v[0], open + 1, n)) {
					val = v[1];
					break;
				}
		}
		if (val) {
			buf_puts(out, val);
			s = close + 1;
		} else {
			buf_putc(out, '{');
			s = open + 1;
		}
	}
}

void render_locale_plural_format(struct buf *out, const struct render_locale *l,
				 const char *key, long long n)
{
	char num[32];
	snprintf(num, sizeof num, "%lld", n);
	const char *vars[] = {"n", num, NULL};
	render_locale_expand(out, render_locale_plural(l, key, n), vars);
}

void render_locale_each(const struct render_locale *l,
			void (*fn)(const char *key, const char *value,
				   void *ctx),
			void *ctx)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->s.n; i++)
		fn(l->s.v[i].key, l->s.v[i].value, ctx);
}
