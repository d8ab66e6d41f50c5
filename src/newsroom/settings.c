/*
 * settings.c - site settings for admins: GET/POST /newsroom/settings.
 *
 * The keys are those of demo/content/site.ini: texts per edition
 * ("name.en", "footer_notice.ru", ...), links (promo_url, social.*,
 * app.*) and the time zone. An empty field deletes its key (readers then
 * see the default). Everything is saved in one transaction, only keys
 * that changed are written, and the page cache is purged so readers see
 * the change on their next request.
 *
 * The languages (editions) are shown read-only: they are configuration,
 * not settings, by design (DESIGN.md section 2 and gazette.example.ini
 * [editions]): each one's URL prefix is in the route dispatch and its
 * locale file is loaded at start-up, so they change in gazette.ini and
 * take effect on restart. Not for gazette.ini itself (config.c).
 */
#include "app.h"
#include "newsroom/internal.h"
#include "render/date.h"
#include "util/arena.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

/* Per-edition text settings (label: newsroom_ui.set_<key>). */
static const struct {
	const char *key; /* "footer_notice" (stored as "footer_notice.en") */
	size_t max;      /* longest value, in characters */
	int textarea;    /* 1: several lines */
} settings_texts[] = {
	{"name", 100, 0},      {"tagline", 300, 0}, {"signature", 100, 0},
	{"copyright", 100, 0}, {"promo", 200, 0},   {"footer_notice", 1000, 1},
};

/* Site-wide links (each an http(s) URL or empty). */
static const char *const settings_links[] = {
	"promo_url",        "social.twitter",  "social.youtube",
	"social.instagram", "social.facebook", "social.telegram",
	"app.ios",          "app.android",
};

#define SETTINGS_NTEXTS (sizeof settings_texts / sizeof settings_texts[0])
#define SETTINGS_NLINKS (sizeof settings_links / sizeof settings_links[0])
#define SETTINGS_MAX                                                           \
	(SETTINGS_NTEXTS * CONFIG_MAX_EDITIONS + SETTINGS_NLINKS + 1)

/* One setting of the form. */
struct settings_item {
	const char *key;   /* "name.en" */
	const char *value; /* shown / submitted */
	const char *old;   /* stored ("" when unset) */
	const char *error; /* NULL: fine */
};

struct settings_form {
	struct settings_item it[SETTINGS_MAX];
	size_t n;
};

static const char *settings_stored(const struct store_setting *ss, size_t n,
				   const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ss[i].key, key))
			return ss[i].value;
	return "";
}

/* Fill the form's keys and stored values. -1 after replying 500. */
static int settings_load(struct http_req *r, struct settings_form *sf)
{
	struct store_setting *ss;
	size_t n;
	struct err e = {0};
	if (store_setting_list(app->store, r->a, &ss, &n, &e)) {
		log_error("req %s: settings: %s", r->id, e.msg);
		newsroom_error(r, 500, newsroom_t(r, "err_storage"));
		return -1;
	}
	sf->n = 0;
	for (int k = 0; k < app->cfg->n_editions; k++)
		for (size_t i = 0; i < SETTINGS_NTEXTS; i++) {
			struct settings_item *it = &sf->it[sf->n++];
			it->key = arena_printf(r->a, "%s.%s",
					       settings_texts[i].key,
					       app->cfg->editions[k].code);
			it->old = it->value = settings_stored(ss, n, it->key);
			it->error = NULL;
		}
	for (size_t i = 0; i < SETTINGS_NLINKS; i++) {
		struct settings_item *it = &sf->it[sf->n++];
		it->key = settings_links[i];
		it->old = it->value = settings_stored(ss, n, it->key);
		it->error = NULL;
	}
	struct settings_item *it = &sf->it[sf->n++];
	it->key = "time_zone";
	it->old = it->value = settings_stored(ss, n, it->key);
	it->error = NULL;
	return 0;
}

static int settings_page(struct http_req *r, int status,
			 const struct settings_form *sf, const char *form_error)
{
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	struct render_val *ctx =
		newsroom_ctx(r, &me, "settings", newsroom_t(r, "settings"));
	render_obj_set_strref(ctx, "form_error", form_error);
	struct render_val *sets = render_obj_add_list(ctx, "fieldsets");
	size_t at = 0;
	char key[64];
	for (int k = 0; k < app->cfg->n_editions; k++) {
		struct render_val *fs = render_list_add_obj(sets);
		render_obj_set_str(
			fs, "legend",
			newsroom_tf(r, "settings_site",
				    (const char *[]){"language",
						     app->cfg->editions[k].name,
						     NULL}));
		struct render_val *fields = render_obj_add_list(fs, "fields");
		for (size_t i = 0; i < SETTINGS_NTEXTS; i++, at++) {
			const struct settings_item *it = &sf->it[at];
			snprintf(key, sizeof key, "set_%s",
				 settings_texts[i].key);
			struct render_val *f = newsroom_field(
				fields, it->key, newsroom_t(r, key), it->value,
				it->error);
			render_obj_set_int(f, "maxlength",
					   (long long)settings_texts[i].max);
			render_obj_set_bool(f, "textarea",
					    settings_texts[i].textarea);
		}
	}
	struct render_val *fs = render_list_add_obj(sets);
	render_obj_set_strref(fs, "legend", newsroom_t(r, "settings_links"));
	struct render_val *fields = render_obj_add_list(fs, "fields");
	for (size_t i = 0; i < SETTINGS_NLINKS; i++, at++) {
		const struct settings_item *it = &sf->it[at];
		snprintf(key, sizeof key, "set_%s", it->key);
		for (char *p = key; *p; p++)
			if (*p == '.')
				*p = '_';
		struct render_val *f = newsroom_field(fields, it->key,
						      newsroom_t(r, key),
						      it->value, it->error);
		/* type=url with the bad value typed would not be valid HTML */
		render_obj_set_strref(f, "type", it->error ? "text" : "url");
		render_obj_set_int(f, "maxlength", 1024);
	}
	fs = render_list_add_obj(sets);
	render_obj_set_strref(fs, "legend", newsroom_t(r, "settings_other"));
	fields = render_obj_add_list(fs, "fields");
	const struct settings_item *it = &sf->it[at];
	struct render_val *f = newsroom_field(fields, it->key,
					      newsroom_t(r, "set_time_zone"),
					      it->value, it->error);
	render_obj_set_int(f, "maxlength", 128);
	newsroom_field_hint(f, newsroom_tf(r, "set_time_zone_hint",
					   (const char *[]){"default",
							    app->cfg->time_zone,
							    NULL}));
	struct render_val *langs = render_obj_add_list(ctx, "languages");
	for (int k = 0; k < app->cfg->n_editions; k++) {
		const struct config_edition *ce = &app->cfg->editions[k];
		struct render_val *o = render_list_add_obj(langs);
		render_obj_set_strref(o, "code", ce->code);
		render_obj_set_strref(o, "name", ce->name);
		render_obj_set_strref(o, "prefix",
				      *ce->prefix ? ce->prefix : "/");
		render_obj_set_bool(o, "default",
				    !strcmp(ce->code,
					    app->cfg->default_edition));
	}
	return newsroom_render(r, status, "settings", ctx);
}

int page_newsroom_settings(struct http_req *r)
{
	newsroom_begin(r);
	struct settings_form sf;
	if (settings_load(r, &sf))
		return 0;
	return settings_page(r, 200, &sf, NULL);
}

/* 1 when s has no control characters (newlines allowed when multi). */
static int settings_text_ok(const char *s, int multi)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 &&
		     !(multi && (*p == '\n' || *p == '\r' || *p == '\t'))) ||
		    *p == 0x7f)
			return 0;
	return 1;
}

int page_newsroom_settings_post(struct http_req *r)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	struct settings_form sf;
	if (settings_load(r, &sf))
		return 0;
	int bad = 0;
	char n[24];
	for (size_t i = 0; i < sf.n; i++) {
		struct settings_item *it = &sf.it[i];
		if (!newsroom_form_get(&f, it->key))
			continue; /* not in the form: left as it is */
		it->value = newsroom_field_value(r, &f, it->key);
		size_t t = i % SETTINGS_NTEXTS;
		int is_text = i <
			      SETTINGS_NTEXTS * (size_t)app->cfg->n_editions;
		if (is_text) {
			snprintf(n, sizeof n, "%zu", settings_texts[t].max);
			if (newsroom_chars(it->value) > settings_texts[t].max)
				it->error = newsroom_tf(
					r, "err_too_long",
					(const char *[]){"max", n, NULL});
			else if (!settings_text_ok(it->value,
						   settings_texts[t].textarea))
				it->error = newsroom_t(r, "err_text");
		} else if (!strcmp(it->key, "time_zone")) {
			struct err e = {0};
			if (*it->value && render_tz_valid(it->value, &e))
				it->error = newsroom_t(r, "err_tz");
		} else if (*it->value && !newsroom_url_valid(it->value)) {
			it->error = newsroom_t(r, "err_url");
		}
		bad |= it->error != NULL;
	}
	if (bad)
		return settings_page(r, 422, &sf, newsroom_t(r, "err_form"));

	struct err e = {0};
	struct buf changed;
	buf_init(&changed, r->a);
	int rc = store_bulk_begin(app->store, &e);
	for (size_t i = 0; rc == 0 && i < sf.n; i++) {
		const struct settings_item *it = &sf.it[i];
		if (!strcmp(it->value, it->old))
			continue;
		rc = store_setting_set(app->store, it->key,
				       *it->value ? it->value : NULL, &e);
		buf_printf(&changed, "%s%s", changed.len ? " " : "", it->key);
	}
	if (rc == 0)
		rc = store_bulk_commit(app->store, &e);
	else
		store_bulk_rollback(app->store);
	if (rc) {
		log_error("req %s: settings: %s", r->id, e.msg);
		return settings_page(r, 500, &sf, newsroom_t(r, "err_storage"));
	}
	if (changed.len) {
		newsroom_audit(r, "settings.update", "settings", 0, "%s",
			       changed.data);
		http_cache_purge_all();
	}
	return newsroom_done(r, "/newsroom/settings", "saved");
}
