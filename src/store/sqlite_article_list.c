/*
 * sqlite_article_list.c - SQLite backend of store_article_list: every
 * reader and newsroom list of articles (home, rubric, author, tag, feeds,
 * sitemaps, archive, newsroom search by title).
 *
 * For: building the WHERE clause from struct store_article_filter (bound
 * parameters only), the page query, COUNT(*) on the same WHERE, and the
 * authors/tags of the page in two more queries (authors alone in one
 * for no_tags); store_article_lists runs several lists in one read
 * transaction, with one relations query for lists that share a kind.
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
 *
 * Rankings are cached the same way. A most-read list (order_by_views
 * over a window: published_after = not_after - W) sorts every article
 * of the window by views (4,000 rows at 100,000 articles per edition)
 * to keep five. Its ids are kept per WHERE clause, bound values, W and
 * limit, with the generation they were ranked at (a view flush is a
 * write, so it moves the generation: views are exact), and reused while
 * the generation holds and `not_after` stays below both the next
 * publish_at due (an article entering the window) and the moment the
 * oldest ranked article leaves it (one leaving that was not ranked
 * changes nothing above it). The rows themselves are read again by id on
 * every request.
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

/* What a kept total or ranking is for, and until when it holds. */
struct cache_head {
	uint64_t hash; /* of key; 0: empty */
	char *key;     /* WHERE text and bound values, for a ranking also
			* window and limit (heap) */
	uint64_t gen;  /* store generation it was made at */
	int64_t from;  /* not_after it was made with */
	int64_t until; /* first not_after it no longer holds for */
};

struct store_count_slot {
	struct cache_head head; /* until: next publish_at after `from` */
	size_t total;
};

/* Rankings (see the header): a few lists per edition use them. */
#define RANK_CACHE_SLOTS 32
#define RANK_MAX         20 /* longest list whose ranking is kept */

struct store_rank_slot {
	struct cache_head head;
	size_t n;              /* ids used */
	int64_t ids[RANK_MAX]; /* the list, in order */
};

struct store_count_cache {
	pthread_mutex_t mu; /* guards both tables */
	struct store_count_slot slots[COUNT_CACHE_SLOTS];
	struct store_rank_slot ranks[RANK_CACHE_SLOTS];
};

void store_count_cache_free(struct store_count_cache *cc)
{
	if (!cc)
		return;
	for (size_t i = 0; i < COUNT_CACHE_SLOTS; i++)
		free(cc->slots[i].head.key);
	for (size_t i = 0; i < RANK_CACHE_SLOTS; i++)
		free(cc->ranks[i].head.key);
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

/* 1 when hd is kept for key (hash h) at generation gen and holds for
 * not_after. Under the cache's mutex. */
static int head_holds(const struct cache_head *hd, uint64_t h, const char *key,
		      uint64_t gen, int64_t not_after)
{
	return hd->hash == h && hd->gen == gen && !strcmp(hd->key, key) &&
	       not_after >= hd->from && not_after < hd->until;
}

/* Take hd for key (hash h), made at generation gen for not_after and
 * holding until `until`; 0 when a newer generation holds it (left
 * alone). *old gets a key the caller frees after the mutex. Under the
 * cache's mutex. */
static int head_claim(struct cache_head *hd, uint64_t h, const char *key,
		      uint64_t gen, int64_t not_after, int64_t until,
		      char **old)
{
	*old = NULL;
	/* A newer generation never gives way to an older one. */
	if (hd->hash && hd->gen > gen)
		return 0;
	if (!(hd->hash == h && !strcmp(hd->key, key))) {
		*old = hd->key;
		hd->key = xstrdup(key);
		hd->hash = h;
	}
	hd->gen = gen;
	hd->from = not_after;
	hd->until = until;
	return 1;
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
	if (head_holds(&sl->head, h, key, gen, not_after)) {
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
	char *old;
	pthread_mutex_lock(&cc->mu);
	if (head_claim(&sl->head, h, key, gen, not_after, until, &old))
		sl->total = total;
	pthread_mutex_unlock(&cc->mu);
	free(old);
}

/* 1 with ids[0..*n) when a ranking for key made at generation gen is
 * kept and still holds for not_after. */
static int rank_get(store *s, const char *key, uint64_t gen, int64_t not_after,
		    int64_t *ids, size_t *n)
{
	struct store_count_cache *cc = s->counts;
	if (!cc)
		return 0;
	uint64_t h = count_hash(key);
	struct store_rank_slot *sl = &cc->ranks[h % RANK_CACHE_SLOTS];
	int ok = 0;
	pthread_mutex_lock(&cc->mu);
	if (head_holds(&sl->head, h, key, gen, not_after)) {
		memcpy(ids, sl->ids, sl->n * sizeof *ids);
		*n = sl->n;
		ok = 1;
	}
	pthread_mutex_unlock(&cc->mu);
	return ok;
}

static void rank_put(store *s, const char *key, uint64_t gen, int64_t not_after,
		     int64_t until, const struct store_article *arts, size_t n)
{
	struct store_count_cache *cc = s->counts;
	if (!cc || n > RANK_MAX)
		return;
	uint64_t h = count_hash(key);
	struct store_rank_slot *sl = &cc->ranks[h % RANK_CACHE_SLOTS];
	char *old;
	pthread_mutex_lock(&cc->mu);
	if (head_claim(&sl->head, h, key, gen, not_after, until, &old)) {
		sl->n = n;
		for (size_t i = 0; i < n; i++)
			sl->ids[i] = arts[i].id;
	}
	pthread_mutex_unlock(&cc->mu);
	free(old);
}

/* Key of a most-read ranking over window w (see the header), or NULL
 * when f is not one (an offset, a list too long, no window). The WHERE
 * clause is f's without its two time bounds, which move with the clock.
 * Arena memory. */
static const char *rank_key(struct arena *a,
			    const struct store_article_filter *f, size_t limit)
{
	if (!f->order_by_views || !f->published_after || !f->not_after ||
	    f->not_after < f->published_after || f->offset || limit > RANK_MAX)
		return NULL;
	struct store_article_filter bf = *f;
	bf.published_after = 0;
	struct buf w;
	buf_init(&w, a);
	struct list_args args = {0};
	list_where(a, &bf, &w, &args);
	const char *k = count_key(a, &w, &args, 1);
	if (!k)
		return NULL;
	return arena_printf(a, "R%s\x1fw%lld\x1fl%zu", k,
			    (long long)(f->not_after - f->published_after),
			    limit);
}

/* The rows of ids[0..n) in that order (an id gone is skipped; it cannot
 * be while the generation holds). */
static int list_by_ids(struct store_conn *c, struct arena *a,
		       const int64_t *ids, size_t n, int with_body,
		       struct store_article *out, size_t *got, struct err *e)
{
	sqlite3_stmt *st;
	int rc = store_stmt(c,
			    with_body ?
				    "SELECT " STORE_ARTICLE_COLUMNS
				    " FROM articles a LEFT JOIN view_counts v "
				    "ON v.article_id = a.id WHERE a.id = ?1" :
				    "SELECT " STORE_ARTICLE_COLUMNS_NOBODY
				    " FROM articles a LEFT JOIN view_counts v "
				    "ON v.article_id = a.id WHERE a.id = ?1",
			    &st, e);
	if (rc)
		return rc;
	*got = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		int src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			store_article_row(a, st, &out[(*got)++]);
		else if (src != SQLITE_DONE)
			rc = store_db_err(c, src, e, "article list");
		sqlite3_reset(st);
	}
	store_stmt_done(c, st);
	return rc;
}

/* The next publish_at after not_after among the rows of WHERE `base`
 * (bound by args), or INT64_MAX: until then no article comes due. */
static int list_next_due(struct store_conn *c, struct arena *a,
			 const struct buf *base, const struct list_args *args,
			 int64_t not_after, int64_t *until, struct err *e)
{
	struct buf sql;
	buf_init(&sql, a);
	buf_puts(&sql, "SELECT MIN(a.publish_at) FROM articles a");
	buf_puts(&sql, base->data);
	buf_puts(&sql, base->len ? " AND " : " WHERE ");
	buf_puts(&sql, "a.publish_at > ?");
	sqlite3_stmt *st;
	int rc = store_stmt(c, sql.data, &st, e);
	if (rc)
		return rc;
	bind_args(st, args);
	store_bind_int(st, args->n + 1, not_after);
	int src = sqlite3_step(st);
	*until = INT64_MAX;
	if (src == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*until = sqlite3_column_int64(st, 0);
	else if (src != SQLITE_ROW)
		rc = store_db_err(c, src, e, "article list");
	store_stmt_done(c, st);
	return rc;
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

/* Clamped limit of f. */
static size_t list_limit(const struct store_article_filter *f)
{
	size_t limit = f->limit ? f->limit : 20;
	return limit > 500 ? 500 : limit;
}

/* Whether what this read transaction sees may be cached: *state is 0
 * until asked, then 1 (yes) or -1 (no). The bulk thread reads its own
 * uncommitted writes: never cache what it counts, nor serve it a total
 * from before them. A commit noticed only now (another process's) came
 * after gen was taken: this snapshot is newer than gen says, so it is
 * not cached. */
static int list_cacheable(store *s, struct store_conn *c, int *state)
{
	if (!*state)
		*state = store_bulk_mine(s) || store_conn_sync(s, c) ? -1 : 1;
	return *state > 0;
}

/* One list of f on c (a read transaction is open) into out (room for
 * list_limit(f) rows), without relations. gen: the store generation
 * taken before the transaction began. */
static int list_run(store *s, struct store_conn *c, struct arena *a,
		    const struct store_article_filter *f, uint64_t gen,
		    int *state, struct store_article *out, size_t *n,
		    size_t *total, struct err *e)
{
	*n = 0;
	if (total)
		*total = 0;
	size_t limit = list_limit(f);

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
	const char *rkey = rank_key(a, f, limit);
	if ((key || rkey) && !list_cacheable(s, c, state))
		key = rkey = NULL;
	sqlite3_stmt *st = NULL;
	int src, rc = 0;
	if (total && !(key && count_get(s, key, gen, f->not_after, total))) {
		/* buf_puts, not printf: formatting long SQL text was a
		 * visible share of a list's CPU time. */
		buf_puts(&sql, "SELECT COUNT(*) FROM articles a");
		buf_puts(&sql, where.data);
		rc = store_stmt(c, sql.data, &st, e);
		if (rc)
			return rc;
		bind_args(st, &args);
		src = sqlite3_step(st);
		if (src == SQLITE_ROW)
			*total = (size_t)sqlite3_column_int64(st, 0);
		else
			rc = store_db_err(c, src, e, "article count");
		store_stmt_done(c, st);
		st = NULL;
		if (rc)
			return rc;
		int64_t until = INT64_MAX;
		/* The next publish_at beyond not_after: until then the total
		 * stays what it is (no write aside). */
		if (key && f->not_after &&
		    (rc = list_next_due(c, a, &base, &base_args, f->not_after,
					&until, e)))
			return rc;
		if (key)
			count_put(s, key, gen, f->not_after, until, *total);
	}

	int64_t ids[RANK_MAX];
	size_t nids;
	if (rkey && rank_get(s, rkey, gen, f->not_after, ids, &nids))
		return list_by_ids(c, a, ids, nids, f->with_body, out, n, e);

	buf_clear(&sql);
	buf_puts(&sql, f->with_body ? "SELECT " STORE_ARTICLE_COLUMNS :
				      "SELECT " STORE_ARTICLE_COLUMNS_NOBODY);
	buf_puts(&sql, " FROM articles a LEFT JOIN view_counts v ON "
		       "v.article_id = a.id");
	buf_puts(&sql, where.data);
	buf_puts(&sql, " ORDER BY ");
	if (f->order_by_views)
		buf_puts(&sql, "COALESCE(v.views, 0) DESC, ");
	buf_puts(&sql, "a.publish_at DESC, a.id DESC LIMIT ? OFFSET ?");
	rc = store_stmt(c, sql.data, &st, e);
	if (rc)
		return rc;
	bind_args(st, &args);
	store_bind_int(st, args.n + 1, (int64_t)limit);
	store_bind_int(st, args.n + 2, (int64_t)f->offset);
	while ((src = sqlite3_step(st)) == SQLITE_ROW)
		store_article_row(a, st, &out[(*n)++]);
	if (src != SQLITE_DONE)
		rc = store_db_err(c, src, e, "article list");
	store_stmt_done(c, st);
	if (rc == 0 && rkey) {
		/* Holds until an article comes due or a ranked one leaves
		 * the window (publish_at < not_after - w). */
		int64_t until, w = f->not_after - f->published_after;
		rc = list_next_due(c, a, &base, &base_args, f->not_after,
				   &until, e);
		for (size_t i = 0; rc == 0 && i < *n; i++) {
			int64_t leaves = out[i].publish_at + w + 1;
			if (leaves < until)
				until = leaves;
		}
		if (rc == 0)
			rank_put(s, rkey, gen, f->not_after, until, out, *n);
	}
	return rc;
}

/* Authors and tags (or authors alone, or nothing) of arts[0..n) as f
 * asks. */
static int list_relations(struct store_conn *c, struct arena *a,
			  const struct store_article_filter *f,
			  struct store_article *arts, size_t n, struct err *e)
{
	if (f->no_relations)
		return 0;
	return f->no_tags ? store_article_authors(c, a, arts, n, e) :
			    store_article_relations(c, a, arts, n, e);
}

int store_article_list(store *s, struct arena *a,
		       const struct store_article_filter *f,
		       struct store_article **out, size_t *n, size_t *total,
		       struct err *e)
{
	struct store_article_lists one = {.f = *f, .want_total = total != NULL};
	int rc = store_article_lists(s, a, &one, 1, e);
	*out = one.arts;
	*n = one.n;
	if (total)
		*total = one.total;
	return rc;
}

int store_article_lists(store *s, struct arena *a,
			struct store_article_lists *lists, size_t nl,
			struct err *e)
{
	size_t room = 0;
	for (size_t i = 0; i < nl; i++) {
		lists[i].arts = NULL;
		lists[i].n = 0;
		lists[i].total = 0;
		room += list_limit(&lists[i].f);
	}
	/* Before the snapshot: the data read is at least this new
	 * (list_cacheable catches another process's commits). */
	uint64_t gen = store_read_gen(s);
	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	/* One array for all: lists that load their relations alike load
	 * them in one query. */
	struct store_article *all = arena_alloc(a, room * sizeof *all);
	size_t used = 0;
	int state = 0;
	for (size_t i = 0; i < nl && rc == 0; i++) {
		struct store_article_lists *l = &lists[i];
		l->arts = all + used;
		rc = list_run(s, c, a, &l->f, gen, &state, l->arts, &l->n,
			      l->want_total ? &l->total : NULL, e);
		used += l->n; /* the next list's rows follow these */
	}
	/* Relations for runs of lists that ask for the same ones. */
	for (size_t i = 0; i < nl && rc == 0;) {
		size_t j = i + 1, cnt = lists[i].n;
		while (j < nl &&
		       lists[j].f.no_relations == lists[i].f.no_relations &&
		       lists[j].f.no_tags == lists[i].f.no_tags) {
			cnt += lists[j].n;
			j++;
		}
		rc = list_relations(c, a, &lists[i].f, lists[i].arts, cnt, e);
		i = j;
	}
	store_read_end(s, c);
	if (rc)
		for (size_t i = 0; i < nl; i++) {
			lists[i].arts = NULL;
			lists[i].n = 0;
		}
	return rc;
}
