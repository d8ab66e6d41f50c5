/*
 * sqlite_article_list.c - SQLite backend of store_article_list: every
 * reader and newsroom list of articles (home, rubric, author, tag, feeds,
 * sitemaps, archive, newsroom search by title).
 *
 * For: building the WHERE clause from struct store_article_filter (bound
 * parameters only), the page query, COUNT(*) on the same WHERE, and the
 * authors/tags of the page in two more queries.
 * Not for: full-text search (search/), single articles (sqlite_article.c).
 *
 * The SQL text depends only on which filters are set, so the statement
 * cache holds one statement per combination in use (a handful).
 *
 * Totals are cached. COUNT(*) walks the whole index range of a list
 * (every published article of an edition for "latest" and the JSON API),
 * so its cost grows with the archive, not with the page; a total is kept
 * per WHERE clause and bound values (not_after aside) with the store
 * generation it was counted at, and used again while the generation has
 * not moved and `not_after` stays below the next publish_at beyond the
 * one it was counted with (found by one index seek): a future-dated
 * article that comes due changes the total without any write, and is
 * seen. Commits by another process are noticed through PRAGMA
 * data_version (store_conn_sync). So a cached total is always the one
 * COUNT(*) would give.
 */
#include "store/internal.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Direct-mapped: a new WHERE replaces whatever shared its slot. */
#define COUNT_CACHE_SLOTS   256
#define COUNT_CACHE_MAX_KEY 512

struct store_count_slot {
	uint64_t hash; /* of key; 0: empty */
	char *key;     /* WHERE text and bound values (heap) */
	uint64_t gen;  /* store generation it was counted at */
	int64_t from;  /* not_after it was counted with */
	int64_t until; /* next publish_at after `from`, or INT64_MAX */
	size_t total;
};

struct store_count_cache {
	pthread_mutex_t mu;
	struct store_count_slot slots[COUNT_CACHE_SLOTS];
};

void store_count_cache_free(struct store_count_cache *cc)
{
	if (!cc)
		return;
	for (size_t i = 0; i < COUNT_CACHE_SLOTS; i++)
		free(cc->slots[i].key);
	pthread_mutex_destroy(&cc->mu);
	free(cc);
}

#define LIST_MAX_ARGS 12

struct list_args {
	int n;
	struct {
		const char *text; /* bound as text when not NULL */
		int64_t num;
	} v[LIST_MAX_ARGS];
};

static void where_add(struct buf *w, struct list_args *args, const char *cond,
		      const char *text, int64_t num)
{
	buf_puts(w, w->len ? " AND " : " WHERE ");
	buf_puts(w, cond);
	if (!strchr(cond, '?'))
		return; /* a literal condition */
	args->v[args->n].text = text;
	args->v[args->n].num = num;
	args->n++;
}

static void bind_args(sqlite3_stmt *st, const struct list_args *args)
{
	for (int i = 0; i < args->n; i++) {
		if (args->v[i].text)
			store_bind_text(st, i + 1, args->v[i].text);
		else
			store_bind_int(st, i + 1, args->v[i].num);
	}
}

/* "%text%" for LIKE, with %, _ and \ escaped. Arena memory. */
static char *like_pattern(struct arena *a, const char *text)
{
	struct buf b;
	buf_init(&b, a);
	buf_putc(&b, '%');
	for (const char *p = text; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *p);
	}
	buf_putc(&b, '%');
	return b.data;
}

/* The WHERE clause of f, not_after aside (the caller adds it last). */
static void list_where(struct arena *a, const struct store_article_filter *f,
		       struct buf *where, struct list_args *args)
{
	if (f->edition)
		where_add(where, args, "a.edition = ?", f->edition, 0);
	if (f->rubric_id)
		where_add(where, args, "a.rubric_id = ?", NULL, f->rubric_id);
	if (f->author_id)
		where_add(where, args,
			  "a.id IN (SELECT article_id FROM article_authors "
			  "WHERE author_id = ?)",
			  NULL, f->author_id);
	if (f->tag_id)
		where_add(where, args,
			  "a.id IN (SELECT article_id FROM article_tags WHERE "
			  "tag_id = ?)",
			  NULL, f->tag_id);
	if (f->status >= 0)
		where_add(where, args, "a.status = ?", NULL, f->status);
	if (f->kind)
		where_add(where, args, "a.kind = ?", f->kind, 0);
	if (f->featured_only)
		where_add(where, args, "a.featured = 1", NULL, 0);
	if (f->published_after)
		where_add(where, args, "a.publish_at >= ?", NULL,
			  f->published_after);
	if (f->published_before)
		where_add(where, args, "a.publish_at < ?", NULL,
			  f->published_before);
	if (f->text && *f->text)
		where_add(where, args, "a.title LIKE ? ESCAPE '\\'",
			  like_pattern(a, f->text), 0);
}

/* Key of a total: whether not_after bounds it, the WHERE text and each
 * bound value. NULL when too long to be worth keeping. Arena memory. */
static const char *count_key(struct arena *a, const struct buf *where,
			     const struct list_args *args, int timed)
{
	struct buf k;
	buf_init(&k, a);
	/* A total without a not_after bound says nothing of one with it. */
	buf_puts(&k, timed ? "T" : "-");
	buf_puts(&k, where->data);
	for (int i = 0; i < args->n; i++) {
		if (args->v[i].text)
			buf_printf(&k, "\x1ft%s", args->v[i].text);
		else
			buf_printf(&k, "\x1fn%lld", (long long)args->v[i].num);
	}
	return k.len <= COUNT_CACHE_MAX_KEY ? k.data : NULL;
}

static uint64_t count_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ? h : 1;
}

/* 1 and *total when a total for key counted at generation gen is kept
 * and still holds for not_after (see the header). */
static int count_get(store *s, const char *key, uint64_t gen, int64_t not_after,
		     size_t *total)
{
	struct store_count_cache *cc = s->counts;
	if (!cc)
		return 0;
	uint64_t h = count_hash(key);
	struct store_count_slot *sl = &cc->slots[h % COUNT_CACHE_SLOTS];
	int ok = 0;
	pthread_mutex_lock(&cc->mu);
	if (sl->hash == h && sl->gen == gen && !strcmp(sl->key, key) &&
	    not_after >= sl->from && not_after < sl->until) {
		*total = sl->total;
		ok = 1;
	}
	pthread_mutex_unlock(&cc->mu);
	return ok;
}

static void count_put(store *s, const char *key, uint64_t gen,
		      int64_t not_after, int64_t until, size_t total)
{
	struct store_count_cache *cc = s->counts;
	if (!cc)
		return;
	uint64_t h = count_hash(key);
	struct store_count_slot *sl = &cc->slots[h % COUNT_CACHE_SLOTS];
	char *copy = NULL;
	pthread_mutex_lock(&cc->mu);
	/* A newer generation never gives way to an older one. */
	if (sl->hash && sl->gen > gen) {
		pthread_mutex_unlock(&cc->mu);
		return;
	}
	if (!(sl->hash == h && !strcmp(sl->key, key))) {
		copy = sl->key;
		sl->key = xstrdup(key);
		sl->hash = h;
	}
	sl->gen = gen;
	sl->from = not_after;
	sl->until = until;
	sl->total = total;
	pthread_mutex_unlock(&cc->mu);
	free(copy);
}

struct store_count_cache *store_count_cache_new(void)
{
	struct store_count_cache *cc = xcalloc(1, sizeof *cc);
	pthread_mutex_init(&cc->mu, NULL);
	return cc;
}

int store_article_span(store *s, struct arena *a,
		       const struct store_article_filter *f, size_t *count,
		       int64_t *modified, struct err *e)
{
	*count = 0;
	*modified = 0;
	struct buf where, sql;
	buf_init(&where, a);
	buf_init(&sql, a);
	struct list_args args = {0};
	list_where(a, f, &where, &args);
	if (f->not_after)
		where_add(&where, &args, "a.publish_at <= ?", NULL,
			  f->not_after);
	buf_puts(&sql, "SELECT COUNT(*), MAX(MAX(a.publish_at, a.updated_at)) "
		       "FROM articles a");
	buf_puts(&sql, where.data);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st = NULL;
	rc = store_stmt(c, sql.data, &st, e);
	if (rc == 0) {
		bind_args(st, &args);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW) {
			*count = (size_t)sqlite3_column_int64(st, 0);
			*modified = sqlite3_column_int64(st, 1);
		} else {
			rc = store_db_err(c, src, e, "article span");
		}
	}
	store_stmt_done(c, st);
	store_read_end(s, c);
	return rc;
}

int store_article_list(store *s, struct arena *a,
		       const struct store_article_filter *f,
		       struct store_article **out, size_t *n, size_t *total,
		       struct err *e)
{
	*out = NULL;
	*n = 0;
	if (total)
		*total = 0;
	size_t limit = f->limit ? f->limit : 20;
	if (limit > 500)
		limit = 500;

	struct buf where, sql;
	buf_init(&where, a);
	buf_init(&sql, a);
	struct list_args args = {0};
	list_where(a, f, &where, &args);
	/* The total's cache key: every condition but not_after, which
	 * comes last so that the rest can be reused for the next-due seek. */
	const char *key =
		total ? count_key(a, &where, &args, f->not_after != 0) : NULL;
	struct buf base;
	buf_init(&base, a);
	buf_puts(&base, where.data);
	struct list_args base_args = args;
	if (f->not_after)
		where_add(&where, &args, "a.publish_at <= ?", NULL,
			  f->not_after);

	/* Before the snapshot: the data read is at least this new
	 * (store_conn_sync below catches another process's commits). */
	uint64_t gen = atomic_load(&s->gen);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	/* The bulk thread reads its own uncommitted writes: never cache
	 * what it counts, nor serve it a total from before them. A commit
	 * noticed only now (another process's) came after gen was taken:
	 * this snapshot is newer than gen says, so it is not cached. */
	if (store_bulk_mine(s) || (key && store_conn_sync(s, c)))
		key = NULL;
	sqlite3_stmt *st = NULL;
	int src;
	if (total && !(key && count_get(s, key, gen, f->not_after, total))) {
		/* buf_puts, not printf: formatting long SQL text was a
		 * visible share of a list's CPU time. */
		buf_puts(&sql, "SELECT COUNT(*) FROM articles a");
		buf_puts(&sql, where.data);
		rc = store_stmt(c, sql.data, &st, e);
		if (rc)
			goto out;
		bind_args(st, &args);
		src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			*total = (size_t)sqlite3_column_int64(st, 0);
		else
			rc = store_db_err(c, src, e, "article count");
		store_stmt_done(c, st);
		st = NULL;
		if (rc)
			goto out;
		int64_t until = INT64_MAX;
		if (key && f->not_after) {
			/* The next publish_at beyond not_after: until then
			 * the total stays what it is (no write aside). */
			buf_clear(&sql);
			buf_puts(&sql,
				 "SELECT MIN(a.publish_at) FROM articles a");
			buf_puts(&sql, base.data);
			buf_puts(&sql, base.len ? " AND " : " WHERE ");
			buf_puts(&sql, "a.publish_at > ?");
			rc = store_stmt(c, sql.data, &st, e);
			if (rc)
				goto out;
			bind_args(st, &base_args);
			store_bind_int(st, base_args.n + 1, f->not_after);
			src = sqlite3_step(st);
			if (src == SQLITE_ROW &&
			    sqlite3_column_type(st, 0) != SQLITE_NULL)
				until = sqlite3_column_int64(st, 0);
			else if (src != SQLITE_ROW)
				rc = store_db_err(c, src, e, "article count");
			store_stmt_done(c, st);
			st = NULL;
			if (rc)
				goto out;
		}
		if (key)
			count_put(s, key, gen, f->not_after, until, *total);
	}

	buf_clear(&sql);
	buf_puts(&sql, "SELECT " STORE_ARTICLE_COLUMNS_NOBODY
		       " FROM articles a LEFT JOIN view_counts v ON "
		       "v.article_id = a.id");
	buf_puts(&sql, where.data);
	buf_puts(&sql, " ORDER BY ");
	if (f->order_by_views)
		buf_puts(&sql, "COALESCE(v.views, 0) DESC, ");
	buf_puts(&sql, "a.publish_at DESC, a.id DESC LIMIT ? OFFSET ?");
	rc = store_stmt(c, sql.data, &st, e);
	if (rc)
		goto out;
	bind_args(st, &args);
	store_bind_int(st, args.n + 1, (int64_t)limit);
	store_bind_int(st, args.n + 2, (int64_t)f->offset);
	*out = arena_alloc(a, limit * sizeof **out);
	while ((src = sqlite3_step(st)) == SQLITE_ROW)
		store_article_row(a, st, &(*out)[(*n)++]);
	if (src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "article list");
	store_stmt_done(c, st);
	st = NULL;
	if (rc == 0 && !f->no_relations)
		rc = store_article_relations(c, a, *out, *n, e);
out:
	store_stmt_done(c, st);
	store_read_end(s, c);
	if (rc) {
		*out = NULL;
		*n = 0;
	}
	return rc;
}
