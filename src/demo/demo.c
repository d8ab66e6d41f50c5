/*
 * demo.c - demo_load(): the embedded demo site into a store.
 *
 * For: reading demo/content/ (site.ini, rubrics.ini, authors.ini,
 * live.ini, articles/<key>.<edition>.md) from the embedded files, checking
 * it whole (every key known, every rubric and author reference resolved,
 * slugs unique) and only then writing it in one bulk transaction.
 * Not for: parsing (parse.c), synthetic benchmark articles (synth.c), or
 * content from anywhere but the binary itself.
 */
#include "demo/demo.h"
#include "demo/internal.h"
#include "render/markdown.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/embed.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEMO_DIR      "demo/content/"
#define DEMO_ARTICLES DEMO_DIR "articles/"

struct article_file {
	const struct embed_file *f; /* embedded file */
};

struct content {
	struct demo_ini site;     /* [site] */
	struct demo_ini rubrics;  /* [<rubric key>] */
	struct demo_ini authors;  /* [<author slug>] */
	struct demo_ini live;     /* [event], [entry N] */
	const char **rubric_keys; /* sections of rubrics.ini, in order */
	size_t n_rubrics;
	const char **author_keys; /* sections of authors.ini, in order */
	size_t n_authors;
	const char **entries; /* [entry N] sections, oldest first */
	size_t n_entries;
	struct demo_article *articles; /* sorted by path: key, edition */
	size_t n_articles;
};

/* Put context in front of the message a failed call left in e. */
static int demo_fail(struct err *e, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int demo_fail(struct err *e, int rc, const char *fmt, ...)
{
	char inner[sizeof e->msg], ctx[256];
	snprintf(inner, sizeof inner, "%s", e->msg);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof ctx, fmt, ap);
	va_end(ap);
	return err_set(e, rc, "%s: %s", ctx, inner);
}

/* ---- reading and checking ------------------------------------------- */

static int load_ini(struct arena *a, const char *path,
		    const struct embed_file *f, struct demo_ini *ini,
		    struct err *e)
{
	if (!f)
		return err_set(e, ERR_NOTFOUND,
			       "%s: not embedded in this binary", path);
	return demo_ini_parse(a, f->path, (const char *)f->data, f->len, ini,
			      e);
}

/* Section names of ini in order of first appearance. Arena memory. */
static const char **ini_sections(struct arena *a, const struct demo_ini *ini,
				 size_t *n)
{
	const char **out = arena_alloc(a, (ini->n + 1) * sizeof *out);
	*n = 0;
	for (size_t i = 0; i < ini->n; i++) {
		size_t j = 0;
		while (j < *n && strcmp(out[j], ini->kv[i].section) != 0)
			j++;
		if (j == *n)
			out[(*n)++] = ini->kv[i].section;
	}
	return out;
}

/* The first line of a section, for "missing key" messages. */
static int section_line(const struct demo_ini *ini, const char *section)
{
	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->kv[i].section, section) == 0)
			return ini->kv[i].line;
	return 0;
}

/* key is "<base>.<edition>" with an edition code of 2-3 letters. */
static bool key_is_localized(const char *key, const char *base)
{
	size_t n = strlen(base);
	if (strncmp(key, base, n) != 0 || key[n] != '.')
		return false;
	const char *ed = key + n + 1;
	size_t len = strlen(ed);
	if (len < 2 || len > 3)
		return false;
	for (size_t i = 0; i < len; i++)
		if (ed[i] < 'a' || ed[i] > 'z')
			return false;
	return true;
}

static bool key_in(const char *key, const char *const *plain,
		   const char *const *localized)
{
	for (; plain && *plain; plain++)
		if (strcmp(key, *plain) == 0)
			return true;
	for (; localized && *localized; localized++)
		if (key_is_localized(key, *localized))
			return true;
	return false;
}

static bool is_slug(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 120 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] == '-' && s[i + 1] != '-')))
			return false;
	return true;
}

/* Whole number in lo..hi. */
static bool parse_int(const char *v, long lo, long hi, long *out)
{
	char *end = NULL;
	if (!(*v >= '0' && *v <= '9'))
		return false;
	long x = strtol(v, &end, 10);
	if (*end || x < lo || x > hi)
		return false;
	*out = x;
	return true;
}

static const char *ini_get(struct arena *a, const struct demo_ini *ini,
			   const char *section, const char *base,
			   const char *edition)
{
	const char *key = edition ? arena_printf(a, "%s.%s", base, edition) :
				    base;
	const struct demo_kv *kv = demo_ini_find(ini, section, key);
	return kv ? kv->value : NULL;
}

/* Every key of a section is known; for every edition a localized key
 * mentions, the `need` localized keys exist. */
static int check_section(struct arena *a, const struct demo_ini *ini,
			 const char *section, const char *const *plain,
			 const char *const *localized, const char *const *need,
			 struct err *e)
{
	for (size_t i = 0; i < ini->n; i++) {
		const struct demo_kv *kv = &ini->kv[i];
		if (strcmp(kv->section, section) != 0)
			continue;
		if (!key_in(kv->key, plain, localized))
			return err_set(e, ERR_INVALID,
				       "%s:%d: unknown key '%s' in [%s]",
				       ini->path, kv->line, kv->key, section);
		const char *dot = strrchr(kv->key, '.');
		if (!dot || !key_in(kv->key, NULL, localized))
			continue;
		for (const char *const *nd = need; nd && *nd; nd++)
			if (!ini_get(a, ini, section, *nd, dot + 1))
				return err_set(e, ERR_INVALID,
					       "%s:%d: [%s] has '%s' but no "
					       "'%s.%s'",
					       ini->path, kv->line, section,
					       kv->key, *nd, dot + 1);
	}
	return 0;
}

/* Is some localized form of base present in section? */
static bool has_localized(const struct demo_ini *ini, const char *section,
			  const char *base)
{
	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->kv[i].section, section) == 0 &&
		    key_is_localized(ini->kv[i].key, base))
			return true;
	return false;
}

static bool in_list(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static int check_site(struct arena *a, struct content *c, struct err *e)
{
	static const char *const plain[] = {
		"promo_url",       "social.twitter",
		"social.youtube",  "social.instagram",
		"social.facebook", "social.telegram",
		"app.ios",         "app.android",
		"time_zone",       NULL};
	static const char *const localized[] = {"name",      "tagline",
						"signature", "footer_notice",
						"copyright", "promo",
						NULL};
	for (size_t i = 0; i < c->site.n; i++)
		if (strcmp(c->site.kv[i].section, "site") != 0)
			return err_set(e, ERR_INVALID,
				       "%s:%d: unknown section [%s] (expected "
				       "[site])",
				       c->site.path, c->site.kv[i].line,
				       c->site.kv[i].section);
	return check_section(a, &c->site, "site", plain, localized, NULL, e);
}

static int check_rubrics(struct arena *a, struct content *c, struct err *e)
{
	static const char *const plain[] = {"position", NULL};
	static const char *const localized[] = {"name", "slug", "description",
						NULL};
	static const char *const need[] = {"name", "slug", NULL};
	const struct demo_ini *ini = &c->rubrics;
	c->rubric_keys = ini_sections(a, ini, &c->n_rubrics);
	for (size_t i = 0; i < c->n_rubrics; i++) {
		const char *sec = c->rubric_keys[i];
		int line = section_line(ini, sec);
		if (!is_slug(sec))
			return err_set(e, ERR_INVALID,
				       "%s:%d: rubric key [%s] must be "
				       "[a-z0-9-]",
				       ini->path, line, sec);
		int rc = check_section(a, ini, sec, plain, localized, need, e);
		if (rc)
			return rc;
		const struct demo_kv *pos = demo_ini_find(ini, sec, "position");
		long x;
		if (!pos || !parse_int(pos->value, 0, 100000, &x))
			return err_set(e, ERR_INVALID,
				       "%s:%d: [%s] needs position = a whole "
				       "number",
				       ini->path, pos ? pos->line : line, sec);
		if (!has_localized(ini, sec, "name"))
			return err_set(e, ERR_INVALID,
				       "%s:%d: [%s] has no name.<edition>",
				       ini->path, line, sec);
	}
	/* Rubric slugs are unique per edition. */
	for (size_t i = 0; i < ini->n; i++) {
		const struct demo_kv *kv = &ini->kv[i];
		if (!key_is_localized(kv->key, "slug"))
			continue;
		if (!is_slug(kv->value))
			return err_set(e, ERR_INVALID,
				       "%s:%d: bad %s '%s': expected [a-z0-9-]",
				       ini->path, kv->line, kv->key, kv->value);
		for (size_t j = 0; j < i; j++)
			if (strcmp(ini->kv[j].key, kv->key) == 0 &&
			    strcmp(ini->kv[j].value, kv->value) == 0)
				return err_set(e, ERR_INVALID,
					       "%s:%d: %s '%s' already used "
					       "on line %d",
					       ini->path, kv->line, kv->key,
					       kv->value, ini->kv[j].line);
	}
	return 0;
}

static int check_authors(struct arena *a, struct content *c, struct err *e)
{
	static const char *const plain[] = {"links", NULL};
	static const char *const localized[] = {"name", "bio", NULL};
	static const char *const need[] = {"name", NULL};
	const struct demo_ini *ini = &c->authors;
	c->author_keys = ini_sections(a, ini, &c->n_authors);
	for (size_t i = 0; i < c->n_authors; i++) {
		const char *sec = c->author_keys[i];
		int line = section_line(ini, sec);
		if (!is_slug(sec))
			return err_set(e, ERR_INVALID,
				       "%s:%d: author key [%s] must be "
				       "[a-z0-9-] (it is the author's slug)",
				       ini->path, line, sec);
		int rc = check_section(a, ini, sec, plain, localized, need, e);
		if (rc)
			return rc;
		if (!has_localized(ini, sec, "name"))
			return err_set(e, ERR_INVALID,
				       "%s:%d: [%s] has no name.<edition>",
				       ini->path, line, sec);
	}
	return 0;
}

static long entry_minutes(const struct demo_ini *ini, const char *sec)
{
	long x = 0;
	const struct demo_kv *kv = demo_ini_find(ini, sec, "minutes_ago");
	if (kv)
		parse_int(kv->value, 0, 1000000, &x);
	return x;
}

static int check_live(struct arena *a, struct content *c, struct err *e)
{
	static const char *const ev_plain[] = {"key", "started_hours_ago",
					       NULL};
	static const char *const ev_localized[] = {"title", "summary", "slug",
						   NULL};
	static const char *const ev_need[] = {"title", NULL};
	static const char *const en_plain[] = {"minutes_ago", "author",
					       "pinned", NULL};
	static const char *const en_localized[] = {"text", NULL};
	const struct demo_ini *ini = &c->live;
	size_t n_sec;
	const char **secs = ini_sections(a, ini, &n_sec);
	c->entries = arena_alloc(a, (n_sec + 1) * sizeof *c->entries);
	c->n_entries = 0;
	bool event = false;
	long x;
	for (size_t i = 0; i < n_sec; i++) {
		const char *sec = secs[i];
		int line = section_line(ini, sec);
		int rc;
		if (strcmp(sec, "event") == 0) {
			event = true;
			rc = check_section(a, ini, sec, ev_plain, ev_localized,
					   ev_need, e);
			if (rc)
				return rc;
			const struct demo_kv *k =
				demo_ini_find(ini, sec, "key");
			if (!k || !is_slug(k->value))
				return err_set(e, ERR_INVALID,
					       "%s:%d: [event] needs key = "
					       "[a-z0-9-]",
					       ini->path, k ? k->line : line);
			k = demo_ini_find(ini, sec, "started_hours_ago");
			if (!k || !parse_int(k->value, 0, 8760, &x))
				return err_set(e, ERR_INVALID,
					       "%s:%d: [event] needs "
					       "started_hours_ago = 0..8760",
					       ini->path, k ? k->line : line);
			if (!has_localized(ini, sec, "title"))
				return err_set(e, ERR_INVALID,
					       "%s:%d: [event] has no "
					       "title.<edition>",
					       ini->path, line);
			for (size_t j = 0; j < ini->n; j++)
				if (strcmp(ini->kv[j].section, sec) == 0 &&
				    key_is_localized(ini->kv[j].key, "slug") &&
				    !is_slug(ini->kv[j].value))
					return err_set(e, ERR_INVALID,
						       "%s:%d: bad %s",
						       ini->path,
						       ini->kv[j].line,
						       ini->kv[j].key);
			continue;
		}
		if (strncmp(sec, "entry ", 6) != 0 ||
		    !parse_int(sec + 6, 1, 1000000, &x))
			return err_set(e, ERR_INVALID,
				       "%s:%d: unknown section [%s] (expected "
				       "[event] or [entry N])",
				       ini->path, line, sec);
		rc = check_section(a, ini, sec, en_plain, en_localized, NULL,
				   e);
		if (rc)
			return rc;
		const struct demo_kv *k =
			demo_ini_find(ini, sec, "minutes_ago");
		if (!k || !parse_int(k->value, 0, 1000000, &x))
			return err_set(e, ERR_INVALID,
				       "%s:%d: [%s] needs minutes_ago = a "
				       "whole number",
				       ini->path, k ? k->line : line, sec);
		k = demo_ini_find(ini, sec, "pinned");
		if (k && strcmp(k->value, "0") != 0 &&
		    strcmp(k->value, "1") != 0)
			return err_set(e, ERR_INVALID,
				       "%s:%d: [%s] pinned must be 0 or 1",
				       ini->path, k->line, sec);
		k = demo_ini_find(ini, sec, "author");
		if (k && !in_list(c->author_keys, c->n_authors, k->value))
			return err_set(e, ERR_INVALID,
				       "%s:%d: [%s] unknown author '%s' (not "
				       "in %sauthors.ini)",
				       ini->path, k->line, sec, k->value,
				       DEMO_DIR);
		if (!has_localized(ini, sec, "text"))
			return err_set(e, ERR_INVALID,
				       "%s:%d: [%s] has no text.<edition>",
				       ini->path, line, sec);
		/* oldest first, so that ids grow with time */
		size_t at = c->n_entries++;
		long m = entry_minutes(ini, sec);
		while (at > 0 && entry_minutes(ini, c->entries[at - 1]) < m) {
			c->entries[at] = c->entries[at - 1];
			at--;
		}
		c->entries[at] = sec;
	}
	if (!event)
		return err_set(e, ERR_INVALID, "%s: no [event] section",
			       ini->path);
	return 0;
}

struct collect {
	struct arena *a;
	const struct embed_file **files; /* arena array */
	size_t n, cap;
};

static void collect_article(const struct embed_file *f, void *ctx)
{
	struct collect *c = ctx;
	size_t len = strlen(f->path);
	if (len < 3 || strcmp(f->path + len - 3, ".md") != 0)
		return; /* a README or .gitkeep beside the articles */
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		const struct embed_file **files =
			arena_alloc(c->a, cap * sizeof *files);
		if (c->n)
			memcpy(files, c->files, c->n * sizeof *files);
		c->files = files;
		c->cap = cap;
	}
	c->files[c->n++] = f;
}

static int check_articles(struct arena *a, const struct demo_files *files,
			  struct content *c, struct err *e)
{
	c->articles =
		arena_alloc(a, (files->n_articles + 1) * sizeof *c->articles);
	c->n_articles = 0;
	for (size_t i = 0; i < files->n_articles; i++) {
		const struct embed_file *f = files->articles[i];
		struct demo_article *art = &c->articles[c->n_articles];
		int rc = demo_article_parse(a, f->path, (const char *)f->data,
					    f->len, art, e);
		if (rc)
			return rc;
		if (!in_list(c->rubric_keys, c->n_rubrics, art->rubric))
			return err_set(e, ERR_INVALID,
				       "%s:%d: unknown rubric '%s' (not in "
				       "%srubrics.ini)",
				       art->path, art->rubric_line, art->rubric,
				       DEMO_DIR);
		for (size_t k = 0; k < art->n_authors; k++)
			if (!in_list(c->author_keys, c->n_authors,
				     art->authors[k]))
				return err_set(e, ERR_INVALID,
					       "%s:%d: unknown author '%s' "
					       "(not in %sauthors.ini)",
					       art->path, art->authors_line,
					       art->authors[k], DEMO_DIR);
		for (size_t k = 0; k < c->n_articles; k++) {
			const struct demo_article *o = &c->articles[k];
			if (strcmp(o->edition, art->edition) == 0 &&
			    strcmp(o->slug, art->slug) == 0)
				return err_set(e, ERR_INVALID,
					       "%s: slug '%s' is also the slug "
					       "of %s",
					       art->path, art->slug, o->path);
		}
		c->n_articles++;
	}
	if (c->n_articles == 0)
		return err_set(e, ERR_NOTFOUND,
			       "%s*.md: no demo articles embedded",
			       DEMO_ARTICLES);
	return 0;
}

static int content_parse(struct arena *a, const struct demo_files *files,
			 struct content *c, struct err *e)
{
	memset(c, 0, sizeof *c);
	int rc = load_ini(a, DEMO_DIR "site.ini", files->site, &c->site, e);
	if (!rc)
		rc = load_ini(a, DEMO_DIR "rubrics.ini", files->rubrics,
			      &c->rubrics, e);
	if (!rc)
		rc = load_ini(a, DEMO_DIR "authors.ini", files->authors,
			      &c->authors, e);
	if (!rc)
		rc = load_ini(a, DEMO_DIR "live.ini", files->live, &c->live, e);
	if (!rc)
		rc = check_site(a, c, e);
	if (!rc)
		rc = check_rubrics(a, c, e);
	if (!rc)
		rc = check_authors(a, c, e);
	if (!rc)
		rc = check_live(a, c, e);
	if (!rc)
		rc = check_articles(a, files, c, e);
	return rc;
}

int demo_content_check(struct arena *a, const struct demo_files *files,
		       struct err *e)
{
	struct content c;
	return content_parse(a, files, &c, e);
}

/* The embedded demo content, parsed and checked. */
static int content_load(struct arena *a, struct content *c, struct err *e)
{
	struct collect col = {.a = a};
	embed_each(DEMO_ARTICLES, collect_article, &col);
	struct demo_files files = {
		.site = embed_find(DEMO_DIR "site.ini"),
		.rubrics = embed_find(DEMO_DIR "rubrics.ini"),
		.authors = embed_find(DEMO_DIR "authors.ini"),
		.live = embed_find(DEMO_DIR "live.ini"),
		.articles = col.files,
		.n_articles = col.n,
	};
	return content_parse(a, &files, c, e);
}

/* ---- writing -------------------------------------------------------- */

struct key_id {
	const char *key; /* rubric key, author slug or article key */
	int64_t id;      /* its id (translation group for articles) */
};

static int64_t key_id_get(const struct key_id *m, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].key, key) == 0)
			return m[i].id;
	return 0;
}

static void key_id_set(struct key_id *m, size_t *n, const char *key, int64_t id)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(m[i].key, key) == 0) {
			m[i].id = id;
			return;
		}
	m[(*n)++] = (struct key_id){key, id};
}

struct writer {
	store *s;
	struct arena *a;   /* lives for the whole load */
	struct arena *tmp; /* reset per object */
	int64_t now;
	struct store_edition *ed; /* the store's editions by position */
	size_t n_ed;
	struct buf html; /* rendered Markdown, reused; in `a` */
	struct key_id *rubrics, *authors, *groups;
	size_t n_rubrics, n_authors, n_groups;
};

static int render(struct writer *w, const char *md, const char *what,
		  struct err *e)
{
	buf_clear(&w->html);
	int rc = render_md_to_html(md, strlen(md), &w->html, e);
	if (rc)
		return demo_fail(e, rc, "demo: %s: markdown", what);
	return 0;
}

static int write_settings(struct writer *w, const struct content *c,
			  struct err *e)
{
	for (size_t i = 0; i < c->site.n; i++) {
		const struct demo_kv *kv = &c->site.kv[i];
		int rc = store_setting_set(w->s, kv->key, kv->value, e);
		if (rc)
			return demo_fail(e, rc, "demo: setting %s", kv->key);
	}
	return 0;
}

static int write_rubrics(struct writer *w, const struct content *c,
			 struct err *e)
{
	w->rubrics = arena_alloc(w->a, (c->n_rubrics + 1) * sizeof *w->rubrics);
	for (size_t i = 0; i < c->n_rubrics; i++) {
		const char *key = c->rubric_keys[i];
		long pos = 0;
		parse_int(demo_ini_find(&c->rubrics, key, "position")->value, 0,
			  100000, &pos);
		for (size_t k = 0; k < w->n_ed; k++) {
			const char *ed = w->ed[k].code;
			const char *name =
				ini_get(w->tmp, &c->rubrics, key, "name", ed);
			if (!name)
				continue; /* not written for this edition */
			const char *desc = ini_get(w->tmp, &c->rubrics, key,
						   "description", ed);
			struct store_rubric r = {
				.key = (char *)key,
				.position = (int)pos,
				.edition = (char *)ed,
				.name = (char *)name,
				.slug = (char *)ini_get(w->tmp, &c->rubrics,
							key, "slug", ed),
				.description = (char *)(desc ? desc : ""),
			};
			int rc = store_rubric_save(w->s, &r, e);
			if (rc)
				return demo_fail(e, rc, "demo: rubric %s (%s)",
						 key, ed);
			key_id_set(w->rubrics, &w->n_rubrics, key, r.id);
		}
		arena_reset(w->tmp);
	}
	return 0;
}

static int write_authors(struct writer *w, const struct content *c,
			 struct err *e)
{
	w->authors = arena_alloc(w->a, (c->n_authors + 1) * sizeof *w->authors);
	for (size_t i = 0; i < c->n_authors; i++) {
		const char *slug = c->author_keys[i];
		/* Keep what the newsroom may have linked since: the user
		 * account and the photo. */
		int64_t user_id = 0, photo = 0;
		for (size_t k = 0; k < w->n_ed; k++) {
			struct store_author old;
			int rc = store_author_by_slug(w->s, w->tmp, slug,
						      w->ed[k].code, &old, e);
			if (rc == 0) {
				user_id = old.user_id;
				photo = old.photo_media_id;
				break;
			}
			if (rc != ERR_NOTFOUND)
				return demo_fail(e, rc, "demo: author %s",
						 slug);
		}
		err_clear(e);
		const char *links =
			ini_get(w->tmp, &c->authors, slug, "links", NULL);
		for (size_t k = 0; k < w->n_ed; k++) {
			const char *ed = w->ed[k].code;
			const char *name =
				ini_get(w->tmp, &c->authors, slug, "name", ed);
			if (!name)
				continue;
			const char *bio =
				ini_get(w->tmp, &c->authors, slug, "bio", ed);
			struct store_author au = {
				.slug = (char *)slug,
				.user_id = user_id,
				.photo_media_id = photo,
				.links = (char *)(links ? links : ""),
				.edition = (char *)ed,
				.name = (char *)name,
				.bio = (char *)(bio ? bio : ""),
			};
			int rc = store_author_save(w->s, &au, e);
			if (rc)
				return demo_fail(e, rc, "demo: author %s (%s)",
						 slug, ed);
			key_id_set(w->authors, &w->n_authors, slug, au.id);
		}
		arena_reset(w->tmp);
	}
	return 0;
}

/* The id of the live event `key`, 0 when it does not exist yet. */
static int find_event(struct writer *w, const char *key, int64_t *id,
		      struct err *e)
{
	*id = 0;
	for (size_t k = 0; k < w->n_ed && !*id; k++) {
		struct store_live_event *evs;
		size_t n;
		int rc = store_live_event_list(w->s, w->tmp, w->ed[k].code, -1,
					       &evs, &n, e);
		if (rc)
			return demo_fail(e, rc, "demo: live event %s", key);
		for (size_t i = 0; i < n && !*id; i++)
			if (evs[i].key && strcmp(evs[i].key, key) == 0)
				*id = evs[i].id;
	}
	arena_reset(w->tmp);
	return 0;
}

static int write_live(struct writer *w, const struct content *c, struct err *e)
{
	const struct demo_ini *ini = &c->live;
	const char *key = demo_ini_find(ini, "event", "key")->value;
	long hours = 0;
	parse_int(demo_ini_find(ini, "event", "started_hours_ago")->value, 0,
		  8760, &hours);
	int64_t id;
	int rc = find_event(w, key, &id, e);
	if (rc)
		return rc;
	bool existed = id != 0;
	for (size_t k = 0; k < w->n_ed; k++) {
		const char *ed = w->ed[k].code;
		const char *title = ini_get(w->a, ini, "event", "title", ed);
		if (!title)
			continue;
		const char *summary =
			ini_get(w->a, ini, "event", "summary", ed);
		const char *slug = ini_get(w->a, ini, "event", "slug", ed);
		struct store_live_event ev = {
			.id = id,
			.key = (char *)key,
			.state = STORE_LIVE_LIVE,
			.starts_at = w->now - (int64_t)hours * 3600,
			.ends_at = 0,
			.edition = (char *)ed,
			.slug = (char *)(slug ? slug : key),
			.title = (char *)title,
			.summary = (char *)(summary ? summary : ""),
		};
		rc = store_live_event_save(w->s, &ev, e);
		if (rc)
			return demo_fail(e, rc, "demo: live event %s (%s)", key,
					 ed);
		id = ev.id;
	}
	if (!id)
		return 0; /* no text for any edition of the store */

	for (size_t k = 0; k < w->n_ed; k++) {
		const char *ed = w->ed[k].code;
		if (!ini_get(w->tmp, ini, "event", "title", ed))
			continue;
		struct store_live_entry *old = NULL;
		size_t n_old = 0;
		if (existed) {
			rc = store_live_entry_list(w->s, w->tmp, id, ed, 1, 0,
						   500, &old, &n_old, e);
			if (rc)
				return demo_fail(e, rc,
						 "demo: live event %s (%s) "
						 "entries",
						 key, ed);
		}
		for (size_t i = 0; i < c->n_entries; i++) {
			const char *sec = c->entries[i];
			const char *md = ini_get(w->tmp, ini, sec, "text", ed);
			if (!md)
				continue;
			bool have = false;
			for (size_t j = 0; j < n_old && !have; j++)
				have = old[j].body_md &&
				       strcmp(old[j].body_md, md) == 0;
			if (have)
				continue;
			char *what = arena_printf(w->tmp, "live %s [%s] (%s)",
						  key, sec, ed);
			rc = render(w, md, what, e);
			if (rc)
				return rc;
			const struct demo_kv *au =
				demo_ini_find(ini, sec, "author");
			const struct demo_kv *pin =
				demo_ini_find(ini, sec, "pinned");
			int64_t at = w->now - entry_minutes(ini, sec) * 60;
			struct store_live_entry en = {
				.event_id = id,
				.edition = (char *)ed,
				.created_at = at,
				.updated_at = at,
				.author_id = au ? key_id_get(w->authors,
							     w->n_authors,
							     au->value) :
						  0,
				.body_md = (char *)md,
				.body_html = w->html.data,
				.pinned = pin && strcmp(pin->value, "1") == 0,
			};
			rc = store_live_entry_save(w->s, &en, e);
			if (rc)
				return demo_fail(e, rc, "demo: %s", what);
		}
		arena_reset(w->tmp);
	}
	return 0;
}

/* A few minutes of spread, the same for every edition of a key, so that
 * the front page does not show a row of round hours. */
static int64_t jitter_seconds(const char *key)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 16777619u;
	return (int64_t)(h % 41) * 60;
}

static int write_article(struct writer *w, const struct demo_article *da,
			 struct err *e)
{
	int64_t group = key_id_get(w->groups, w->n_groups, da->key);
	struct store_article old;
	int rc = store_article_by_slug(w->s, w->tmp, da->edition, da->slug,
				       &old, e);
	if (rc == 0) { /* loaded before: leave it, but link translations */
		if (!group)
			key_id_set(w->groups, &w->n_groups, da->key,
				   old.translation_group ?
					   old.translation_group :
					   old.id);
		return 0;
	}
	if (rc != ERR_NOTFOUND)
		return demo_fail(e, rc, "demo: %s", da->path);
	err_clear(e);

	rc = render(w, da->body, da->path, e);
	if (rc)
		return rc;
	int64_t authors[DEMO_MAX_AUTHORS];
	for (size_t i = 0; i < da->n_authors; i++)
		authors[i] =
			key_id_get(w->authors, w->n_authors, da->authors[i]);
	struct store_tag tags[DEMO_MAX_TAGS];
	for (size_t i = 0; i < da->n_tags; i++)
		tags[i] = (struct store_tag){.edition = da->edition,
					     .name = da->tags[i]};
	struct store_article art = {
		.translation_group = group,
		.edition = da->edition,
		.slug = da->slug,
		.kind = da->kind,
		.title = da->title,
		.lead = da->lead,
		.body_md = da->body,
		.body_html = w->html.data,
		.rubric_id = key_id_get(w->rubrics, w->n_rubrics, da->rubric),
		.status = STORE_STATUS_PUBLISHED,
		.publish_at = w->now - (int64_t)da->age_hours * 3600 -
			      jitter_seconds(da->key),
		.featured = da->featured,
		.breaking = da->breaking,
		.pinned = da->pinned,
		.seo_title = "",
		.seo_description = "",
		.correction = "",
		.author_ids = authors,
		.n_authors = da->n_authors,
		.tags = tags,
		.n_tags = da->n_tags,
	};
	rc = store_article_save(w->s, &art, 0, e);
	if (rc)
		return demo_fail(e, rc, "demo: %s", da->path);
	if (!group)
		key_id_set(w->groups, &w->n_groups, da->key,
			   art.translation_group ? art.translation_group :
						   art.id);
	return 0;
}

static int write_articles(struct writer *w, const struct content *c,
			  struct err *e)
{
	w->groups = arena_alloc(w->a, (c->n_articles + 1) * sizeof *w->groups);
	/* Edition by edition in position order: the first edition of a key
	 * starts its translation group. */
	for (size_t k = 0; k < w->n_ed; k++)
		for (size_t i = 0; i < c->n_articles; i++) {
			const struct demo_article *da = &c->articles[i];
			if (strcmp(da->edition, w->ed[k].code) != 0)
				continue;
			int rc = write_article(w, da, e);
			arena_reset(w->tmp);
			if (rc)
				return rc;
		}
	return 0;
}

int demo_load(store *s, int64_t now, struct err *e)
{
	struct err local;
	if (!e)
		e = &local;
	err_clear(e);
	struct writer w = {
		.s = s,
		.a = arena_new(256 * 1024),
		.tmp = arena_new(64 * 1024),
		.now = now,
	};
	buf_init(&w.html, w.a);
	struct content c;
	bool in_bulk = false;
	int rc = content_load(w.a, &c, e);
	if (rc)
		goto out;
	rc = store_edition_list(s, w.a, &w.ed, &w.n_ed, e);
	if (rc) {
		rc = demo_fail(e, rc, "demo: editions");
		goto out;
	}
	if (w.n_ed == 0) {
		rc = err_set(e, ERR_NOTFOUND,
			     "demo: the store has no editions; add them "
			     "before loading the demo");
		goto out;
	}
	rc = store_bulk_begin(s, e);
	if (rc)
		goto out;
	in_bulk = true;
	rc = write_settings(&w, &c, e);
	if (!rc)
		rc = write_rubrics(&w, &c, e);
	if (!rc)
		rc = write_authors(&w, &c, e);
	if (!rc)
		rc = write_live(&w, &c, e);
	if (!rc)
		rc = write_articles(&w, &c, e);
	if (!rc) {
		in_bulk = false;
		rc = store_bulk_commit(s, e);
	}
out:
	if (in_bulk)
		store_bulk_rollback(s);
	arena_free(w.tmp);
	arena_free(w.a);
	return rc;
}
