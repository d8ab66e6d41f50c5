/*
 * ui.c - what every newsroom page shares: the UI language, its strings,
 * the page context (user, sections, languages, flash), form fields for
 * the templates, error pages, audit entries and PRG redirects.
 *
 * The UI speaks one of the configured editions' languages (their locale
 * files carry the [newsroom_ui] section): English unless the user picked
 * another with ?lang=, remembered in the gz_nr_lang cookie. Not for any
 * one page (auth.c, users.c, settings.c, site.c, redirects.c, audit.c).
 */
#include "app.h"
#include "newsroom/internal.h"
#include "render/date.h"
#include "render/escape.h"
#include "render/locale.h"
#include "util/arena.h"
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Sections of the newsroom, in menu order, with the lowest role that may
 * open them (the same role as their GET row in http/routes.c). */
static const struct {
	const char *key; /* section name, also newsroom_ui.<key> */
	const char *url; /* where it lives */
	enum store_role role;
} ui_sections[] = {
	{"dashboard", "/newsroom", STORE_ROLE_CONTRIBUTOR},
	{"articles", "/newsroom/articles", STORE_ROLE_CONTRIBUTOR},
	{"media", "/newsroom/media", STORE_ROLE_CONTRIBUTOR},
	{"live", "/newsroom/live", STORE_ROLE_EDITOR},
	{"rubrics", "/newsroom/rubrics", STORE_ROLE_EDITOR},
	{"authors", "/newsroom/authors", STORE_ROLE_EDITOR},
	{"tags", "/newsroom/tags", STORE_ROLE_EDITOR},
	{"redirects", "/newsroom/redirects", STORE_ROLE_EDITOR},
	{"users", "/newsroom/users", STORE_ROLE_ADMIN},
	{"settings", "/newsroom/settings", STORE_ROLE_ADMIN},
	{"audit", "/newsroom/audit", STORE_ROLE_ADMIN},
};
#define UI_NSECTIONS (sizeof ui_sections / sizeof ui_sections[0])

/* Messages a PRG redirect may ask for with ?done=. */
static const char *const ui_done[] = {"saved", "created", "signed_out",
				      "deleted", "merged"};

/* The configured edition whose code is lang, or NULL. */
static const struct config_edition *ui_edition(const char *lang)
{
	return lang && *lang ? config_edition_find(app->cfg, lang) : NULL;
}

void newsroom_begin(struct http_req *r)
{
	for (size_t i = 0; i < r->n_headers; i++)
		if (!strcmp(r->headers[i].key, "X-Frame-Options"))
			return; /* already begun */
	const struct config_edition *ed = NULL;
	const char *q = http_query_get(r, "lang");
	if ((ed = ui_edition(q)) != NULL)
		newsroom_cookie_set(r, NEWSROOM_LANG_COOKIE, ed->code,
				    365L * 86400);
	if (!ed)
		ed = ui_edition(newsroom_cookie(r, NEWSROOM_LANG_COOKIE));
	if (!ed)
		ed = ui_edition("en");
	if (!ed)
		ed = ui_edition(app->cfg->default_edition);
	if (ed) {
		r->edition = ed->code;
		r->prefix = ed->prefix;
	}
	/* Newsroom pages are private and never framed (clickjacking). */
	http_header_add(r, "Cache-Control", "no-store");
	http_header_add(r, "X-Frame-Options", "DENY");
	http_header_add(r, "Content-Security-Policy",
			"frame-ancestors 'none'; form-action 'self'; "
			"base-uri 'none'");
	http_header_add(r, "Referrer-Policy", "same-origin");
	http_header_add(r, "X-Content-Type-Options", "nosniff");
}

const char *newsroom_t(struct http_req *r, const char *key)
{
	char full[128];
	snprintf(full, sizeof full, "newsroom_ui.%s", key);
	return page_t(r, full);
}

const char *newsroom_tf(struct http_req *r, const char *key,
			const char *const *vars)
{
	struct buf b;
	buf_init(&b, r->a);
	render_locale_expand(&b, newsroom_t(r, key), vars);
	return b.data;
}

const char *newsroom_role_label(struct http_req *r, enum store_role role)
{
	char key[64];
	snprintf(key, sizeof key, "role_%s", store_role_name(role));
	return newsroom_t(r, key);
}

struct render_val *newsroom_ctx(struct http_req *r,
				const struct newsroom_me *me,
				const char *section, const char *title)
{
	/* The reader context carries the strings (`t`) of r->edition,
	 * which newsroom_begin pointed at the UI language. */
	struct page_site site;
	memset(&site, 0, sizeof site);
	site.tz = app->cfg->time_zone;
	struct render_val *pc =
		page_context(r, &site, "newsroom", NULL, NULL, r->path);
	struct render_val *ctx = render_obj_new(r->a);
	render_obj_set_strref(ctx, "lang", r->edition);
	render_obj_set(ctx, "t", render_obj_get(pc, "t"));
	struct render_val *as = render_obj_add_obj(ctx, "assets");
	render_obj_set_strref(as, "css",
			      http_static_url(app->statics, "newsroom.css"));
	render_obj_set_strref(as, "js",
			      http_static_url(app->statics, "newsroom.js"));

	char *name = NULL;
	struct err e = {0};
	char key[64];
	snprintf(key, sizeof key, "name.%s", r->edition);
	if (store_setting_get(app->store, r->a, key, &name, &e) || !name ||
	    !*name)
		name = "Gazette";
	render_obj_set_strref(ctx, "site_name", name);

	struct render_val *pg = render_obj_add_obj(ctx, "page");
	render_obj_set_str(pg, "title", title ? title : "");
	render_obj_set_strref(pg, "section", section);
	render_obj_set_strref(ctx, "csrf", me ? me->ss.csrf : NULL);

	const char *here = "/newsroom/login";
	if (me) {
		struct render_val *m = render_obj_add_obj(ctx, "me");
		render_obj_set_strref(m, "name",
				      me->u.display_name &&
						      *me->u.display_name ?
					      me->u.display_name :
					      me->u.login);
		render_obj_set_strref(m, "login", me->u.login);
		render_obj_set_strref(m, "role", store_role_name(me->u.role));
		render_obj_set_strref(m, "role_label",
				      newsroom_role_label(r, me->u.role));
		struct render_val *nav = render_obj_add_list(ctx, "nav");
		for (size_t i = 0; i < UI_NSECTIONS; i++) {
			if (ui_sections[i].role > me->u.role)
				continue;
			int cur = section &&
				  !strcmp(section, ui_sections[i].key);
			if (cur)
				here = ui_sections[i].url;
			struct render_val *o = render_list_add_obj(nav);
			render_obj_set_strref(o, "url", ui_sections[i].url);
			render_obj_set_strref(
				o, "label", newsroom_t(r, ui_sections[i].key));
			render_obj_set_bool(o, "current", cur);
		}
	}
	struct render_val *langs = render_obj_add_list(ctx, "langs");
	for (int i = 0; i < app->cfg->n_editions; i++) {
		const struct config_edition *ce = &app->cfg->editions[i];
		struct render_val *o = render_list_add_obj(langs);
		render_obj_set_strref(o, "code", ce->code);
		render_obj_set_strref(o, "name", ce->name);
		render_obj_set_str(o, "url",
				   arena_printf(r->a, "%s?lang=%s", here,
						ce->code));
		render_obj_set_bool(o, "current",
				    !strcmp(ce->code, r->edition));
	}
	render_obj_set_bool(ctx, "many_langs", app->cfg->n_editions > 1);

	const char *done = http_query_get(r, "done");
	for (size_t i = 0; done && i < sizeof ui_done / sizeof *ui_done; i++)
		if (!strcmp(done, ui_done[i])) {
			snprintf(key, sizeof key, "done_%s", done);
			render_obj_set_strref(ctx, "flash", newsroom_t(r, key));
		}
	return ctx;
}

int newsroom_render(struct http_req *r, int status, const char *name,
		    struct render_val *ctx)
{
	char full[96];
	snprintf(full, sizeof full, "newsroom/%s", name);
	return page_render(r, status, full, ctx);
}

int newsroom_error(struct http_req *r, int status, const char *message)
{
	newsroom_begin(r);
	struct newsroom_me me;
	int in = newsroom_me_load(r, &me) == 0;
	const char *title = newsroom_t(r, status == 403 ? "forbidden_title" :
					  status == 404 ? "not_found_title" :
							  "error_title");
	struct render_val *ctx = newsroom_ctx(r, in ? &me : NULL, NULL, title);
	render_obj_set_strref(ctx, "message", message);
	render_obj_set_int(ctx, "status", status);
	return newsroom_render(r, status, "error", ctx);
}

/* aria-describedby of a field: its hint and error paragraphs. */
static void ui_field_describe(struct render_val *o)
{
	struct render_val *id = render_obj_get(o, "id");
	int hint = render_val_truthy(render_obj_get(o, "hint"));
	int err = render_val_truthy(render_obj_get(o, "error"));
	if (!hint && !err) {
		render_obj_set_strref(o, "describedby", NULL);
		return;
	}
	render_obj_set_str(o, "describedby",
			   arena_printf(o->a, "%s%s%s%s%s", hint ? id->u.s : "",
					hint ? "-hint" : "",
					hint && err ? " " : "",
					err ? id->u.s : "", err ? "-err" : ""));
}

struct render_val *newsroom_field(struct render_val *list, const char *name,
				  const char *label, const char *value,
				  const char *error)
{
	struct render_val *o = render_list_add_obj(list);
	render_obj_set_str(o, "name", name);
	/* ids are names with the characters CSS and ARIA dislike made '-' */
	char *id = arena_printf(o->a, "f-%s", name);
	for (char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			*p = '-';
	render_obj_set_strref(o, "id", id);
	render_obj_set_str(o, "label", label);
	render_obj_set_str(o, "value", value ? value : "");
	render_obj_set_str(o, "error", error);
	render_obj_set_strref(o, "type", "text");
	render_obj_set_strref(o, "hint", NULL);
	render_obj_set_bool(o, "required", 0);
	render_obj_set_bool(o, "textarea", 0);
	render_obj_set_bool(o, "select", 0);
	render_obj_set_bool(o, "checkbox", 0);
	render_obj_set_bool(o, "checked", 0);
	render_obj_set_strref(o, "options", NULL);
	render_obj_set_strref(o, "autocomplete", NULL);
	render_obj_set_int(o, "maxlength", 0);
	render_obj_set_int(o, "rows", 3);
	ui_field_describe(o);
	return o;
}

void newsroom_field_hint(struct render_val *o, const char *hint)
{
	render_obj_set_str(o, "hint", hint);
	ui_field_describe(o);
}

void newsroom_field_id(struct render_val *o, const char *id)
{
	render_obj_set_str(o, "id", id);
	ui_field_describe(o);
}

struct render_val *newsroom_field_select(struct render_val *list,
					 const char *name, const char *label,
					 const char *const *values,
					 const char *const *labels, size_t n,
					 const char *value, const char *error)
{
	struct render_val *o = newsroom_field(list, name, label, value, error);
	render_obj_set_bool(o, "select", 1);
	struct render_val *opts = render_obj_add_list(o, "options");
	for (size_t i = 0; i < n; i++) {
		struct render_val *op = render_list_add_obj(opts);
		render_obj_set_str(op, "value", values[i]);
		render_obj_set_str(op, "label", labels[i]);
		render_obj_set_bool(op, "selected",
				    value && !strcmp(value, values[i]));
	}
	return o;
}

const char *newsroom_tz(struct http_req *r)
{
	char *tz = NULL;
	struct err e = {0};
	if (store_setting_get(app->store, r->a, "time_zone", &tz, &e) || !tz ||
	    !*tz)
		return app->cfg->time_zone;
	return tz;
}

const char *newsroom_date(struct http_req *r, const char *tz, int64_t t,
			  int style)
{
	struct buf b;
	buf_init(&b, r->a);
	render_date_format(&b, t, tz, r->edition,
			   (enum render_date_style)style);
	return b.data;
}

void newsroom_audit(struct http_req *r, const char *action,
		    const char *object_type, int64_t object_id, const char *fmt,
		    ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *detail = arena_vprintf(r->a, fmt, ap);
	va_end(ap);
	struct err e = {0};
	if (store_audit_add(app->store, r->user_id, action, object_type,
			    object_id, detail, &e))
		log_error("req %s: audit %s: %s", r->id, action, e.msg);
}

int newsroom_done(struct http_req *r, const char *path, const char *done)
{
	http_reply_redirect(r, 303,
			    arena_printf(r->a, "%s%cdone=%s", path,
					 strchr(path, '?') ? '&' : '?', done));
	return 0;
}

const char *newsroom_field_value(struct http_req *r,
				 const struct newsroom_form *f, const char *key)
{
	const char *v = newsroom_form_get(f, key);
	if (!v)
		return arena_strdup(r->a, "");
	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	size_t n = strlen(v);
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' ||
		     v[n - 1] == '\n'))
		n--;
	return arena_strndup(r->a, v, n);
}

int newsroom_url_valid(const char *s)
{
	const char *host;
	if (!strncmp(s, "https://", 8))
		host = s + 8;
	else if (!strncmp(s, "http://", 7))
		host = s + 7;
	else
		return 0;
	if (!*host || *host == '/' || *host == '?' || *host == '#' ||
	    strlen(s) > 1024)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '<' ||
		    *p == '>' || *p == '\\')
			return 0;
	return 1;
}

size_t newsroom_chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xC0) != 0x80;
	return n;
}
