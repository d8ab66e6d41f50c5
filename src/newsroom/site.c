/*
 * site.c - rubrics and authors for editors: GET/POST /newsroom/rubrics
 * and GET/POST /newsroom/authors.
 *
 * Both have texts per edition (a rubric's name, web address and
 * description; an author's name and bio) besides what they share (a
 * rubric's key and order; an author's web address, links and newsroom
 * account). One form edits one object in every edition at once and is
 * saved in one transaction; texts left empty in an edition that has none
 * yet are simply not created there (readers of that edition do not see
 * the object). Texts cannot be removed from an edition once there (the
 * store has no call for it). Every save purges the page cache. Not for
 * the reader pages of rubrics and authors (http/page_lists.c).
 */
#include "app.h"
#include "newsroom/internal.h"
#include "util/arena.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Texts of one object in one edition (the edition's index in app->cfg). */
struct site_text {
	const char *name;  /* "" when none */
	const char *slug;  /* rubrics */
	const char *about; /* rubric description or author bio */
	int exists;        /* stored in this edition */
	const char *err_name, *err_slug, *err_about; /* NULL: fine */
};

/* One rubric or author as a form holds it. */
struct site_obj {
	int64_t id;           /* 0: new */
	const char *key;      /* rubric key, or author slug */
	const char *position; /* rubric order as typed */
	const char *links;    /* author links */
	const char *user_id;  /* author's newsroom account as typed, "" none */
	int64_t photo;        /* author photo media id (kept) */
	struct site_text tx[CONFIG_MAX_EDITIONS]; /* by edition index */
	const char *err_key, *err_position, *err_links,
		*err_user;    /* NULL: ok */
	const char *err_form; /* above the form, NULL when none */
};

static int site_slug_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n < 1 || n > max || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-'))
			return 0;
	return 1;
}

/* Find obj id in list, appending a new one when absent. */
static struct site_obj *site_obj_find(struct http_req *r,
				      struct site_obj **list, size_t *n,
				      size_t *cap, int64_t id)
{
	for (size_t i = 0; i < *n; i++)
		if ((*list)[i].id == id)
			return &(*list)[i];
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		struct site_obj *p = arena_alloc(r->a, *cap * sizeof *p);
		if (*n)
			memcpy(p, *list, *n * sizeof *p);
		*list = p;
	}
	struct site_obj *o = &(*list)[(*n)++];
	memset(o, 0, sizeof *o);
	o->id = id;
	o->key = o->position = o->links = o->user_id = "";
	for (int k = 0; k < CONFIG_MAX_EDITIONS; k++)
		o->tx[k].name = o->tx[k].slug = o->tx[k].about = "";
	return o;
}

/* ---- loading -------------------------------------------------------- */

static int site_rubrics_load(struct http_req *r, struct site_obj **out,
			     size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (int k = 0; k < app->cfg->n_editions; k++) {
		struct store_rubric *rs;
		size_t m;
		struct err e = {0};
		if (store_rubric_list(app->store, r->a,
				      app->cfg->editions[k].code, &rs, &m,
				      &e)) {
			log_error("req %s: rubrics: %s", r->id, e.msg);
			return -1;
		}
		for (size_t i = 0; i < m; i++) {
			struct site_obj *o =
				site_obj_find(r, out, n, &cap, rs[i].id);
			o->key = rs[i].key;
			o->position = arena_printf(r->a, "%d", rs[i].position);
			o->tx[k] = (struct site_text){
				rs[i].name, rs[i].slug, rs[i].description,
				1,          NULL,       NULL,
				NULL};
		}
	}
	return 0;
}

static int site_authors_load(struct http_req *r, struct site_obj **out,
			     size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (int k = 0; k < app->cfg->n_editions; k++) {
		struct store_author *as;
		size_t m;
		struct err e = {0};
		if (store_author_list(app->store, r->a,
				      app->cfg->editions[k].code, &as, &m,
				      &e)) {
			log_error("req %s: authors: %s", r->id, e.msg);
			return -1;
		}
		for (size_t i = 0; i < m; i++) {
			struct site_obj *o =
				site_obj_find(r, out, n, &cap, as[i].id);
			o->key = as[i].slug;
			o->links = as[i].links;
			o->user_id =
				as[i].user_id ?
					arena_printf(r->a, "%lld",
						     (long long)as[i].user_id) :
					"";
			o->photo = as[i].photo_media_id;
			o->tx[k] = (struct site_text){
				as[i].name, "", as[i].bio, 1, NULL, NULL, NULL};
		}
	}
	return 0;
}

/* ---- the page ------------------------------------------------------- */

/* Fields of one object's form into o's "fields" list. */
static void site_fields(struct http_req *r, struct render_val *row,
			const struct site_obj *ob, int authors,
			const struct store_user *us, size_t nus)
{
	struct render_val *fields = render_obj_add_list(row, "fields");
	struct render_val *f;
	if (!authors) {
		f = newsroom_field(fields, "key", newsroom_t(r, "key"), ob->key,
				   ob->err_key);
		render_obj_set_bool(f, "required", 1);
		render_obj_set_int(f, "maxlength", 64);
		newsroom_field_hint(f, newsroom_t(r, "key_hint"));
		f = newsroom_field(fields, "position",
				   newsroom_t(r, "position"), ob->position,
				   ob->err_position);
		render_obj_set_strref(f, "type", "number");
	} else {
		f = newsroom_field(fields, "key", newsroom_t(r, "slug"),
				   ob->key, ob->err_key);
		render_obj_set_int(f, "maxlength", 96);
		newsroom_field_hint(f, newsroom_t(r, "slug_hint"));
	}
	for (int k = 0; k < app->cfg->n_editions; k++) {
		const struct config_edition *ce = &app->cfg->editions[k];
		const struct site_text *t = &ob->tx[k];
		const char *in = newsroom_tf(
			r, "field_in",
			(const char *[]){"field", newsroom_t(r, "name"),
					 "language", ce->name, NULL});
		f = newsroom_field(fields,
				   arena_printf(r->a, "name.%s", ce->code), in,
				   t->name, t->err_name);
		render_obj_set_int(f, "maxlength", 100);
		if (!authors) {
			in = newsroom_tf(
				r, "field_in",
				(const char *[]){"field", newsroom_t(r, "slug"),
						 "language", ce->name, NULL});
			f = newsroom_field(
				fields, arena_printf(r->a, "slug.%s", ce->code),
				in, t->slug, t->err_slug);
			render_obj_set_int(f, "maxlength", 96);
			newsroom_field_hint(f, newsroom_t(r, "slug_hint"));
		}
		in = newsroom_tf(
			r, "field_in",
			(const char *[]){"field",
					 newsroom_t(r, authors ? "bio" :
								 "description"),
					 "language", ce->name, NULL});
		f = newsroom_field(fields,
				   arena_printf(r->a, "about.%s", ce->code), in,
				   t->about, t->err_about);
		render_obj_set_bool(f, "textarea", 1);
		render_obj_set_int(f, "maxlength", 2000);
	}
	if (authors) {
		f = newsroom_field(fields, "links", newsroom_t(r, "links"),
				   ob->links, ob->err_links);
		render_obj_set_int(f, "maxlength", 2000);
		newsroom_field_hint(f, newsroom_t(r, "links_hint"));
		const char **vals = arena_alloc(r->a, (nus + 1) * sizeof *vals);
		const char **labels =
			arena_alloc(r->a, (nus + 1) * sizeof *labels);
		vals[0] = "";
		labels[0] = newsroom_t(r, "no_account");
		for (size_t i = 0; i < nus; i++) {
			vals[i + 1] =
				arena_printf(r->a, "%lld", (long long)us[i].id);
			labels[i + 1] = arena_printf(r->a, "%s (%s)",
						     us[i].display_name,
						     us[i].login);
		}
		newsroom_field_select(fields, "user_id",
				      newsroom_t(r, "account"), vals, labels,
				      nus + 1, ob->user_id, ob->err_user);
	}
	struct render_val *fl = render_obj_get(row, "fields");
	for (size_t i = 0; i < fl->len; i++) {
		struct render_val *fo = fl->u.items[i];
		newsroom_field_id(
			fo, arena_printf(r->a, "f-%lld-%s", (long long)ob->id,
					 render_obj_get(fo, "name")->u.s));
	}
}

/* The rubrics or authors page; `edited` (may be NULL) replaces the
 * stored object of its id (0: the new-object form). */
static int site_page(struct http_req *r, int status, int authors,
		     const struct site_obj *edited)
{
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	struct site_obj *list;
	size_t n;
	if ((authors ? site_authors_load(r, &list, &n) :
		       site_rubrics_load(r, &list, &n)))
		return newsroom_error(r, 500, newsroom_t(r, "err_storage"));
	struct store_user *us = NULL;
	size_t nus = 0;
	struct err e = {0};
	if (authors && store_user_list(app->store, r->a, &us, &nus, &e))
		return newsroom_error(r, 500, newsroom_t(r, "err_storage"));
	const char *section = authors ? "authors" : "rubrics";
	struct render_val *ctx =
		newsroom_ctx(r, &me, section, newsroom_t(r, section));
	render_obj_set_bool(ctx, "authors", authors);
	render_obj_set_str(ctx, "action",
			   arena_printf(r->a, "/newsroom/%s", section));
	struct render_val *rows = render_obj_add_list(ctx, "items");
	for (size_t i = 0; i < n; i++) {
		const struct site_obj *ob =
			edited && edited->id == list[i].id ? edited : &list[i];
		struct render_val *o = render_list_add_obj(rows);
		render_obj_set_int(o, "id", list[i].id);
		render_obj_set_strref(o, "key", list[i].key);
		const char *title = "";
		for (int k = 0; k < app->cfg->n_editions && !*title; k++)
			title = list[i].tx[k].name;
		render_obj_set_strref(o, "title", title);
		render_obj_set_bool(o, "open", ob == edited);
		render_obj_set_strref(o, "form_error", ob->err_form);
		site_fields(r, o, ob, authors, us, nus);
	}
	struct site_obj blank;
	memset(&blank, 0, sizeof blank);
	blank.key = blank.position = blank.links = blank.user_id = "";
	for (int k = 0; k < CONFIG_MAX_EDITIONS; k++)
		blank.tx[k].name = blank.tx[k].slug = blank.tx[k].about = "";
	const struct site_obj *nb = edited && edited->id == 0 ? edited : &blank;
	struct render_val *add = render_obj_add_obj(ctx, "create");
	render_obj_set_int(add, "id", 0);
	render_obj_set_strref(add, "form_error", nb->err_form);
	render_obj_set_bool(add, "open", nb == edited);
	site_fields(r, add, nb, authors, us, nus);
	return newsroom_render(r, status, "site", ctx);
}

int page_newsroom_rubrics(struct http_req *r)
{
	newsroom_begin(r);
	return site_page(r, 200, 0, NULL);
}

int page_newsroom_authors(struct http_req *r)
{
	newsroom_begin(r);
	return site_page(r, 200, 1, NULL);
}

/* ---- saving --------------------------------------------------------- */

/* Read the form into ob (id, shared fields, texts) and check it against
 * the stored objects (list). 1 when it may be saved. */
static int site_read(struct http_req *r, const struct newsroom_form *f,
		     int authors, const struct site_obj *list, size_t n,
		     struct site_obj *ob)
{
	memset(ob, 0, sizeof *ob);
	const char *ids = newsroom_field_value(r, f, "id");
	const struct site_obj *old = NULL;
	if (*ids && strcmp(ids, "0")) {
		if (http_parse_id(ids, &ob->id))
			return -1;
		for (size_t i = 0; i < n; i++)
			if (list[i].id == ob->id)
				old = &list[i];
		if (!old)
			return -1;
		ob->photo = old->photo;
	}
	char *key = (char *)newsroom_field_value(r, f, "key");
	for (char *p = key; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	ob->key = key;
	ob->position = newsroom_field_value(r, f, "position");
	ob->links = newsroom_field_value(r, f, "links");
	ob->user_id = newsroom_field_value(r, f, "user_id");
	int names = 0;
	for (int k = 0; k < app->cfg->n_editions; k++) {
		const char *code = app->cfg->editions[k].code;
		struct site_text *t = &ob->tx[k];
		char fk[32];
		snprintf(fk, sizeof fk, "name.%s", code);
		t->name = newsroom_field_value(r, f, fk);
		snprintf(fk, sizeof fk, "slug.%s", code);
		t->slug = newsroom_field_value(r, f, fk);
		snprintf(fk, sizeof fk, "about.%s", code);
		t->about = newsroom_field_value(r, f, fk);
		t->exists = old && old->tx[k].exists;
		names += *t->name != '\0';
		if (!*t->name && (t->exists || *t->slug || *t->about))
			t->err_name = newsroom_t(r, "err_required");
		else if (newsroom_chars(t->name) > 100)
			t->err_name = newsroom_tf(r, "err_too_long",
						  (const char *[]){"max", "100",
								   NULL});
		if (*t->slug && !site_slug_ok(t->slug, 96))
			t->err_slug = newsroom_t(r, "err_slug");
		if (newsroom_chars(t->about) > 2000)
			t->err_about = newsroom_tf(
				r, "err_too_long",
				(const char *[]){"max", "2000", NULL});
	}
	int ok = 1;
	for (int k = 0; k < app->cfg->n_editions; k++)
		ok &= !ob->tx[k].err_name && !ob->tx[k].err_slug &&
		      !ob->tx[k].err_about;
	if (!names && ok) {
		ob->tx[0].err_name = newsroom_t(r, "err_name_one");
		ok = 0;
	}
	if (!authors) {
		if (!*ob->key)
			ob->err_key = newsroom_t(r, "err_required");
		else if (!site_slug_ok(ob->key, 64))
			ob->err_key = newsroom_t(r, "err_key");
		char *end;
		long pos = strtol(ob->position, &end, 10);
		if (*ob->position && (*end || pos < 0 || pos > 9999))
			ob->err_position = newsroom_t(r, "err_number");
	} else {
		if (*ob->key && !site_slug_ok(ob->key, 96))
			ob->err_key = newsroom_t(r, "err_slug");
		/* Each link an http(s) URL. */
		char *links = arena_strdup(r->a, ob->links);
		for (char *save = NULL, *w = strtok_r(links, " \t\r\n", &save);
		     w; w = strtok_r(NULL, " \t\r\n", &save))
			if (!newsroom_url_valid(w))
				ob->err_links = newsroom_t(r, "err_url");
		int64_t uid;
		struct store_user u;
		struct err e = {0};
		if (*ob->user_id &&
		    (http_parse_id(ob->user_id, &uid) ||
		     store_user_get(app->store, r->a, uid, &u, &e)))
			ob->err_user = newsroom_t(r, "err_not_found");
	}
	/* Keys (rubric key, author web address) are unique. */
	if (!ob->err_key && *ob->key)
		for (size_t i = 0; i < n; i++)
			if (list[i].id != ob->id &&
			    !strcmp(list[i].key, ob->key))
				ob->err_key = newsroom_t(r, "err_key_taken");
	ok &= !ob->err_key && !ob->err_position && !ob->err_links &&
	      !ob->err_user;
	if (!ok)
		ob->err_form = newsroom_t(r, "err_form");
	return ok;
}

/* Save ob in every edition with a name, in one transaction. On a
 * conflict the field at fault gets its error. 0, or an ERR_*. */
static int site_save(struct http_req *r, int authors, struct site_obj *ob)
{
	struct err e = {0};
	int rc = store_bulk_begin(app->store, &e);
	int64_t id = ob->id;
	const char *slug = ob->key;
	if (authors && !*slug)
		for (int k = 0; k < app->cfg->n_editions && !*slug; k++)
			slug = store_slugify(r->a, ob->tx[k].name);
	for (int k = 0; rc == 0 && k < app->cfg->n_editions; k++) {
		struct site_text *t = &ob->tx[k];
		if (!*t->name)
			continue;
		if (!authors) {
			struct store_rubric rb = {
				.id = id,
				.key = (char *)ob->key,
				.position = atoi(ob->position),
				.edition = app->cfg->editions[k].code,
				.name = (char *)t->name,
				.slug = (char *)t->slug,
				.description = (char *)t->about,
			};
			rc = store_rubric_save(app->store, &rb, &e);
			id = rb.id;
		} else {
			int64_t uid = 0;
			if (*ob->user_id)
				http_parse_id(ob->user_id, &uid);
			struct store_author au = {
				.id = id,
				.slug = (char *)slug,
				.user_id = uid,
				.photo_media_id = ob->photo,
				.links = (char *)ob->links,
				.edition = app->cfg->editions[k].code,
				.name = (char *)t->name,
				.bio = (char *)t->about,
			};
			rc = store_author_save(app->store, &au, &e);
			id = au.id;
		}
		if (rc == ERR_CONFLICT) {
			if (authors || !strstr(e.msg, "slug"))
				ob->err_key = newsroom_t(r, "err_key_taken");
			else
				t->err_slug = newsroom_t(r, "err_slug_taken");
			ob->err_form = newsroom_t(r, "err_form");
		}
	}
	if (rc == 0)
		rc = store_bulk_commit(app->store, &e);
	else
		store_bulk_rollback(app->store);
	if (rc && rc != ERR_CONFLICT) {
		log_error("req %s: %s save: %s", r->id,
			  authors ? "author" : "rubric", e.msg);
		ob->err_form = newsroom_t(r, "err_storage");
	}
	if (rc == 0) {
		newsroom_audit(
			r,
			authors ? (ob->id ? "author.update" : "author.add") :
				  (ob->id ? "rubric.update" : "rubric.add"),
			authors ? "author" : "rubric", id, "%s", slug);
		ob->id = id;
	}
	return rc;
}

static int site_post(struct http_req *r, int authors)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	struct site_obj *list;
	size_t n;
	if ((authors ? site_authors_load(r, &list, &n) :
		       site_rubrics_load(r, &list, &n)))
		return newsroom_error(r, 500, newsroom_t(r, "err_storage"));
	struct site_obj ob;
	int ok = site_read(r, &f, authors, list, n, &ob);
	if (ok < 0)
		return newsroom_error(r, 404, newsroom_t(r, "err_not_found"));
	if (!ok)
		return site_page(r, 422, authors, &ob);
	int64_t was = ob.id;
	int rc = site_save(r, authors, &ob);
	if (rc) {
		ob.id = was;
		return site_page(r, rc == ERR_CONFLICT ? 409 : 500, authors,
				 &ob);
	}
	http_cache_purge_all();
	return newsroom_done(
		r, authors ? "/newsroom/authors" : "/newsroom/rubrics",
		was ? "saved" : "created");
}

int page_newsroom_rubrics_post(struct http_req *r)
{
	return site_post(r, 0);
}

int page_newsroom_authors_post(struct http_req *r)
{
	return site_post(r, 1);
}
