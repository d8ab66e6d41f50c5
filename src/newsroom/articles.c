/*
 * articles.c - GET /newsroom/articles: every article of every edition,
 * newest first, with filters and pages.
 *
 *   ?edition=en  ?rubric=ID  ?status=draft|review|scheduled|published|
 *   unpublished  ?author=ID  ?q=words of the title  ?page=N
 *
 * Every role sees the list (a newsroom works in the open); opening an
 * article that is not theirs is what contributors and authors cannot do
 * (editor.c). Unknown filter values are ignored rather than refused, so
 * an old bookmark still opens. Not for the editor (editor.c).
 */
#include "app.h"
#include "newsroom/articles.h"
#include "render/escape.h"
#include "util/arena.h"
#include "util/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define NR_LIST_PER_PAGE 30

/* Rubrics and authors of one edition, for names in the rows. */
struct nr_names {
	const char *edition;
	struct store_rubric *rubrics;
	size_t n_rubrics;
	struct store_author *authors;
	size_t n_authors;
};

static const char *nr_rubric_name(const struct nr_names *nm, int n_nm,
				  const char *edition, int64_t id)
{
	const char *any = NULL;
	for (int k = 0; k < n_nm; k++)
		for (size_t i = 0; i < nm[k].n_rubrics; i++)
			if (nm[k].rubrics[i].id == id) {
				if (!strcmp(nm[k].edition, edition))
					return nm[k].rubrics[i].name;
				any = any ? any : nm[k].rubrics[i].name;
			}
	return any;
}

static const char *nr_author_name(const struct nr_names *nm, int n_nm,
				  const char *edition, int64_t id)
{
	const char *any = NULL;
	for (int k = 0; k < n_nm; k++)
		for (size_t i = 0; i < nm[k].n_authors; i++)
			if (nm[k].authors[i].id == id) {
				if (!strcmp(nm[k].edition, edition))
					return nm[k].authors[i].name;
				any = any ? any : nm[k].authors[i].name;
			}
	return any;
}

/* Append "&key=value" (URL-escaped) to b when value is set. */
static void nr_qs(struct buf *b, const char *key, const char *value)
{
	if (!value || !*value)
		return;
	buf_putc(b, b->len ? '&' : '?');
	buf_puts(b, key);
	buf_putc(b, '=');
	render_escape_url(b, value, strlen(value));
}

static void nr_list_option(struct render_val *list, const char *value,
			   const char *label, const char *selected)
{
	struct render_val *o = render_list_add_obj(list);
	render_obj_set_str(o, "value", value);
	render_obj_set_str(o, "label", label);
	render_obj_set_bool(o, "selected",
			    selected && !strcmp(value, selected));
}

int page_newsroom_articles(struct http_req *r)
{
	newsroom_begin(r);
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);

	const char *q_edition = http_query_get(r, "edition");
	const char *q_rubric = http_query_get(r, "rubric");
	const char *q_status = http_query_get(r, "status");
	const char *q_author = http_query_get(r, "author");
	const char *q_text = http_query_get(r, "q");
	struct store_article_filter f = {.status = -1,
					 .limit = NR_LIST_PER_PAGE};
	if (q_edition && config_edition_find(app->cfg, q_edition))
		f.edition = q_edition;
	else
		q_edition = NULL;
	int64_t v;
	if (q_rubric && http_parse_id(q_rubric, &v) == 0)
		f.rubric_id = v;
	else
		q_rubric = NULL;
	if (q_author && http_parse_id(q_author, &v) == 0)
		f.author_id = v;
	else
		q_author = NULL;
	if (q_status && store_status_parse(q_status) >= 0)
		f.status = store_status_parse(q_status);
	else
		q_status = NULL;
	if (q_text && *q_text && strlen(q_text) <= 200)
		f.text = q_text;
	else
		q_text = NULL;
	long page = 1;
	const char *q_page = http_query_get(r, "page");
	if (q_page && http_parse_id(q_page, &v) == 0 && v <= 100000)
		page = (long)v;
	f.offset = (size_t)(page - 1) * NR_LIST_PER_PAGE;

	struct err e = {0};
	struct store_article *arts;
	size_t n, total;
	if (store_article_list(app->store, r->a, &f, &arts, &n, &total, &e)) {
		log_error("req %s: article list: %s", r->id, e.msg);
		return newsroom_error(r, 500, nr_t(r, "storage_error"));
	}

	struct nr_names names[CONFIG_MAX_EDITIONS];
	int n_names = 0;
	for (int k = 0; k < app->cfg->n_editions; k++) {
		struct nr_names *nm = &names[n_names++];
		memset(nm, 0, sizeof *nm);
		nm->edition = app->cfg->editions[k].code;
		if (store_rubric_list(app->store, r->a, nm->edition,
				      &nm->rubrics, &nm->n_rubrics, &e))
			nm->n_rubrics = 0;
		if (store_author_list(app->store, r->a, nm->edition,
				      &nm->authors, &nm->n_authors, &e))
			nm->n_authors = 0;
	}

	const char *tz = nr_site_tz(r);
	struct render_val *ctx =
		newsroom_ctx(r, &me, "articles", nr_t(r, "articles"));
	struct render_val *L = render_obj_add_obj(ctx, "list");
	render_obj_set_int(L, "total", (long long)total);
	render_obj_set_bool(L, "has_rows", n > 0);
	render_obj_set_strref(L, "new_url", "/newsroom/articles/new");
	struct render_val *rows = render_obj_add_list(L, "rows");
	for (size_t i = 0; i < n; i++) {
		const struct store_article *a = &arts[i];
		struct render_val *o = render_list_add_obj(rows);
		render_obj_set_int(o, "id", a->id);
		render_obj_set_strref(o, "title", a->title);
		render_obj_set_str(o, "edit_url",
				   arena_printf(r->a,
						"/newsroom/articles/%" PRId64,
						a->id));
		render_obj_set_strref(o, "edition", a->edition);
		render_obj_set_strref(o, "status",
				      store_status_name(a->status));
		render_obj_set_strref(o, "status_label",
				      nr_status_label(r, a->status));
		render_obj_set_strref(o, "rubric",
				      a->rubric_id ?
					      nr_rubric_name(names, n_names,
							     a->edition,
							     a->rubric_id) :
					      NULL);
		struct buf au;
		buf_init(&au, r->a);
		for (size_t k = 0; k < a->n_authors; k++) {
			const char *nmx = nr_author_name(
				names, n_names, a->edition, a->author_ids[k]);
			if (!nmx)
				continue;
			if (au.len)
				buf_puts(&au, ", ");
			buf_puts(&au, nmx);
		}
		render_obj_set_strref(o, "authors", au.data);
		render_obj_set_str(o, "date",
				   nr_date(r,
					   a->publish_at ? a->publish_at :
							   a->updated_at,
					   tz));
		render_obj_set_int(o, "version", a->version);
		if (a->status == STORE_STATUS_PUBLISHED)
			render_obj_set_strref(o, "public_url",
					      nr_article_path(r, a->edition,
							      a->slug));
	}

	/* The filter form, with what is chosen. */
	struct render_val *F = render_obj_add_obj(L, "filter");
	render_obj_set_str(F, "q", q_text ? q_text : "");
	struct render_val *eo = render_obj_add_list(F, "editions");
	nr_list_option(eo, "", nr_t(r, "filter_any"),
		       q_edition ? q_edition : "");
	for (int k = 0; k < app->cfg->n_editions; k++)
		nr_list_option(eo, app->cfg->editions[k].code,
			       app->cfg->editions[k].name, q_edition);
	struct render_val *so = render_obj_add_list(F, "statuses");
	nr_list_option(so, "", nr_t(r, "filter_any"), q_status ? q_status : "");
	for (int st = STORE_STATUS_DRAFT; st <= STORE_STATUS_UNPUBLISHED; st++)
		nr_list_option(so, store_status_name((enum store_status)st),
			       nr_status_label(r, (enum store_status)st),
			       q_status);
	const struct nr_names *ui = &names[0];
	for (int k = 0; k < n_names; k++)
		if (!strcmp(names[k].edition, r->edition))
			ui = &names[k];
	struct render_val *ro = render_obj_add_list(F, "rubrics");
	nr_list_option(ro, "", nr_t(r, "filter_any"), q_rubric ? q_rubric : "");
	for (size_t i = 0; n_names && i < ui->n_rubrics; i++)
		nr_list_option(
			ro, arena_printf(r->a, "%" PRId64, ui->rubrics[i].id),
			ui->rubrics[i].name, q_rubric);
	struct render_val *ao = render_obj_add_list(F, "authors");
	nr_list_option(ao, "", nr_t(r, "filter_any"), q_author ? q_author : "");
	for (size_t i = 0; n_names && i < ui->n_authors; i++)
		nr_list_option(
			ao, arena_printf(r->a, "%" PRId64, ui->authors[i].id),
			ui->authors[i].name, q_author);
	render_obj_set_bool(F, "active",
			    q_edition || q_rubric || q_status || q_author ||
				    q_text);

	/* Pages, keeping the filters. */
	size_t pages =
		total ? (total + NR_LIST_PER_PAGE - 1) / NR_LIST_PER_PAGE : 1;
	struct buf qs;
	buf_init(&qs, r->a);
	nr_qs(&qs, "edition", q_edition);
	nr_qs(&qs, "rubric", q_rubric);
	nr_qs(&qs, "status", q_status);
	nr_qs(&qs, "author", q_author);
	nr_qs(&qs, "q", q_text);
	const char *sep = qs.len ? "&" : "?";
	struct render_val *P = render_obj_add_obj(L, "pager");
	render_obj_set_int(P, "page", page);
	render_obj_set_int(P, "pages", (long long)pages);
	render_obj_set_bool(P, "many", pages > 1);
	if (page > 1)
		render_obj_set_str(
			P, "prev_url",
			arena_printf(r->a, "/newsroom/articles%s%spage=%ld",
				     qs.data, sep, page - 1));
	if ((size_t)page < pages)
		render_obj_set_str(
			P, "next_url",
			arena_printf(r->a, "/newsroom/articles%s%spage=%ld",
				     qs.data, sep, page + 1));
	return newsroom_render(r, 200, "article_list", ctx);
}
