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
 */
#include "store/internal.h"
#include "util/arena.h"
#include "util/buf.h"

#include <string.h>

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
	if (f->edition)
		where_add(&where, &args, "a.edition = ?", f->edition, 0);
	if (f->rubric_id)
		where_add(&where, &args, "a.rubric_id = ?", NULL, f->rubric_id);
	if (f->author_id)
		where_add(&where, &args,
			  "a.id IN (SELECT article_id FROM article_authors "
			  "WHERE author_id = ?)",
			  NULL, f->author_id);
	if (f->tag_id)
		where_add(&where, &args,
			  "a.id IN (SELECT article_id FROM article_tags WHERE "
			  "tag_id = ?)",
			  NULL, f->tag_id);
	if (f->status >= 0)
		where_add(&where, &args, "a.status = ?", NULL, f->status);
	if (f->kind)
		where_add(&where, &args, "a.kind = ?", f->kind, 0);
	if (f->featured_only)
		where_add(&where, &args, "a.featured = 1", NULL, 0);
	if (f->published_after)
		where_add(&where, &args, "a.publish_at >= ?", NULL,
			  f->published_after);
	if (f->published_before)
		where_add(&where, &args, "a.publish_at < ?", NULL,
			  f->published_before);
	if (f->not_after)
		where_add(&where, &args, "a.publish_at <= ?", NULL,
			  f->not_after);
	if (f->text && *f->text)
		where_add(&where, &args, "a.title LIKE ? ESCAPE '\\'",
			  like_pattern(a, f->text), 0);

	struct store_conn *c;
	int rc = store_read_begin(s, &c, e);
	if (rc)
		return rc;
	sqlite3_stmt *st = NULL;
	int src;
	if (total) {
		buf_printf(&sql, "SELECT COUNT(*) FROM articles a%s",
			   where.data);
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
	}

	buf_clear(&sql);
	buf_printf(&sql,
		   "SELECT " STORE_ARTICLE_COLUMNS_NOBODY
		   " FROM articles a LEFT JOIN view_counts v ON v.article_id = "
		   "a.id%s ORDER BY %sa.publish_at DESC, a.id DESC LIMIT ? "
		   "OFFSET ?",
		   where.data,
		   f->order_by_views ? "COALESCE(v.views, 0) DESC, " : "");
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
	if (rc == 0)
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
