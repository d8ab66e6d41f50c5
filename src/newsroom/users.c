/*
 * users.c - newsroom accounts for admins: GET /newsroom/users (the list,
 * an edit form per user and a form for a new one), POST /newsroom/users
 * (create), POST /newsroom/users/{id} (display name, email, role,
 * disabled, password reset). A password reset ends every other session
 * of that user (all of them but the admin's own when they reset their
 * own password), so a stolen or forgotten login stops working at once.
 *
 * A form that fails validation comes back with every value typed (but
 * passwords) and each error next to its field. An admin cannot take
 * their own admin role away or disable themselves, so a site always
 * keeps the admin who is working on it. Not for the CLI (main.c).
 */
#include "app.h"
#include "newsroom/internal.h"
#include "newsroom/password.h"
#include "render/date.h"
#include "util/arena.h"
#include "util/log.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* What a user form holds. */
struct users_in {
	const char *login; /* new users only */
	const char *display_name;
	const char *email;
	const char *role;     /* role name */
	const char *password; /* initial or new; never echoed */
	int disabled;         /* edit only */
};

/* Errors next to the fields of a user form (NULL: fine). */
struct users_err {
	const char *login, *display_name, *email, *role, *password, *disabled;
	const char *form; /* above the form */
};

static const char *const users_roles[] = {"contributor", "author", "editor",
					  "admin"};

static int users_login_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 64)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

static int users_email_ok(const char *s)
{
	if (!*s)
		return 1;
	const char *at = strchr(s, '@');
	if (!at || at == s || !at[1] || strchr(at + 1, '@') || strlen(s) > 254)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == '<' || *p == '>' || *p == '"')
			return 0;
	return 1;
}

/* Password length errors ("" passes when optional). */
static const char *users_password_err(struct http_req *r, const char *pw,
				      int optional)
{
	char n[16];
	size_t len = strlen(pw);
	if (len == 0 && optional)
		return NULL;
	if (len < NEWSROOM_PASSWORD_MIN) {
		snprintf(n, sizeof n, "%d", NEWSROOM_PASSWORD_MIN);
		return newsroom_tf(r, "err_password_short",
				   (const char *[]){"min", n, NULL});
	}
	if (len > NEWSROOM_PASSWORD_MAX) {
		snprintf(n, sizeof n, "%d", NEWSROOM_PASSWORD_MAX);
		return newsroom_tf(r, "err_too_long",
				   (const char *[]){"max", n, NULL});
	}
	return NULL;
}

/* Check in (create when is_new); fills err; 1 when all is fine. */
static int users_check(struct http_req *r, const struct users_in *in,
		       int is_new, struct users_err *er)
{
	memset(er, 0, sizeof *er);
	if (is_new && !*in->login)
		er->login = newsroom_t(r, "err_required");
	else if (is_new && !users_login_ok(in->login))
		er->login = newsroom_t(r, "err_login");
	if (!is_new && !*in->display_name)
		er->display_name = newsroom_t(r, "err_required");
	else if (strlen(in->display_name) > 128)
		er->display_name =
			newsroom_tf(r, "err_too_long",
				    (const char *[]){"max", "128", NULL});
	if (!users_email_ok(in->email))
		er->email = newsroom_t(r, "err_email");
	if (store_role_parse(in->role) == STORE_ROLE_NONE)
		er->role = newsroom_t(r, "err_role");
	er->password = users_password_err(r, in->password, !is_new);
	int ok = !er->login && !er->display_name && !er->email && !er->role &&
		 !er->password;
	if (!ok)
		er->form = newsroom_t(r, "err_form");
	return ok;
}

static void users_in_read(struct http_req *r, const struct newsroom_form *f,
			  struct users_in *in)
{
	char *login = (char *)newsroom_field_value(r, f, "login");
	for (char *p = login; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	in->login = login;
	in->display_name = newsroom_field_value(r, f, "display_name");
	in->email = newsroom_field_value(r, f, "email");
	in->role = newsroom_field_value(r, f, "role");
	const char *pw = newsroom_form_get(f, "password");
	in->password = pw ? pw : "";
	in->disabled = newsroom_form_get(f, "disabled") != NULL;
}

/* The role <select> of a user form. */
static struct render_val *users_role_field(struct http_req *r,
					   struct render_val *fields,
					   const char *value, const char *err)
{
	const char *labels[4];
	for (int i = 0; i < 4; i++)
		labels[i] = newsroom_role_label(r, (enum store_role)(i + 1));
	return newsroom_field_select(fields, "role", newsroom_t(r, "role"),
				     users_roles, labels, 4, value, err);
}

static void users_password_field(struct http_req *r, struct render_val *fields,
				 const char *label_key, const char *hint_key,
				 const char *err, int required)
{
	char n[16];
	snprintf(n, sizeof n, "%d", NEWSROOM_PASSWORD_MIN);
	struct render_val *o = newsroom_field(
		fields, "password", newsroom_t(r, label_key), "", err);
	render_obj_set_strref(o, "type", "password");
	render_obj_set_strref(o, "autocomplete", "new-password");
	render_obj_set_bool(o, "required", required);
	newsroom_field_hint(o, newsroom_tf(r, hint_key,
					   (const char *[]){"min", n, NULL}));
}

/* The page: list with edit forms, create form. edit_id's form (if any)
 * shows edit_in/edit_err, the create form add_in/add_err (NULL: empty). */
static int users_page(struct http_req *r, int status,
		      const struct users_in *add_in,
		      const struct users_err *add_err, int64_t edit_id,
		      const struct users_in *edit_in,
		      const struct users_err *edit_err)
{
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	struct store_user *us;
	size_t n;
	struct err e = {0};
	if (store_user_list(app->store, r->a, &us, &n, &e)) {
		log_error("req %s: users: %s", r->id, e.msg);
		return newsroom_error(r, 500, newsroom_t(r, "err_storage"));
	}
	struct render_val *ctx =
		newsroom_ctx(r, &me, "users", newsroom_t(r, "users"));
	const char *tz = newsroom_tz(r);
	struct render_val *list = render_obj_add_list(ctx, "users");
	for (size_t i = 0; i < n; i++) {
		const struct store_user *u = &us[i];
		struct render_val *o = render_list_add_obj(list);
		render_obj_set_int(o, "id", u->id);
		render_obj_set_strref(o, "login", u->login);
		render_obj_set_strref(o, "display_name", u->display_name);
		render_obj_set_strref(o, "email", u->email);
		render_obj_set_strref(o, "role_label",
				      newsroom_role_label(r, u->role));
		render_obj_set_bool(o, "disabled", u->disabled);
		render_obj_set_bool(o, "is_me", u->id == me.u.id);
		render_obj_set_strref(o, "created",
				      newsroom_date(r, tz, u->created_at,
						    RENDER_DATE_DAY));
		render_obj_set_str(o, "action",
				   arena_printf(r->a, "/newsroom/users/%lld",
						(long long)u->id));
		int editing = u->id == edit_id && edit_in;
		struct users_in in = {
			.display_name = u->display_name,
			.email = u->email,
			.role = store_role_name(u->role),
			.disabled = u->disabled,
		};
		struct users_err none = {0};
		const struct users_in *vi = editing ? edit_in : &in;
		const struct users_err *ve = editing ? edit_err : &none;
		render_obj_set_bool(o, "open", editing);
		render_obj_set_strref(o, "form_error", ve->form);
		struct render_val *fields = render_obj_add_list(o, "fields");
		struct render_val *f;
		f = newsroom_field(fields, "display_name",
				   newsroom_t(r, "display_name"),
				   vi->display_name, ve->display_name);
		render_obj_set_bool(f, "required", 1);
		render_obj_set_int(f, "maxlength", 128);
		f = newsroom_field(fields, "email", newsroom_t(r, "email"),
				   vi->email, ve->email);
		render_obj_set_strref(f, "type", "email");
		users_role_field(r, fields, vi->role, ve->role);
		f = newsroom_field(fields, "disabled",
				   newsroom_t(r, "disabled"), "1",
				   ve->disabled);
		render_obj_set_bool(f, "checkbox", 1);
		render_obj_set_bool(f, "checked", vi->disabled);
		newsroom_field_hint(f, newsroom_t(r, "disabled_hint"));
		users_password_field(r, fields, "new_password",
				     "new_password_hint", ve->password, 0);
		struct render_val *fl = render_obj_get(o, "fields");
		for (size_t k = 0; k < fl->len; k++) {
			struct render_val *fo = fl->u.items[k];
			newsroom_field_id(
				fo, arena_printf(
					    r->a, "f-%lld-%s", (long long)u->id,
					    render_obj_get(fo, "name")->u.s));
		}
	}

	struct users_in empty = {"", "", "", "contributor", "", 0};
	struct users_err none = {0};
	const struct users_in *ai = add_in ? add_in : &empty;
	const struct users_err *ae = add_err ? add_err : &none;
	struct render_val *add = render_obj_add_obj(ctx, "create");
	render_obj_set_strref(add, "form_error", ae->form);
	struct render_val *fields = render_obj_add_list(add, "fields");
	struct render_val *f = newsroom_field(fields, "login",
					      newsroom_t(r, "login_name"),
					      ai->login, ae->login);
	render_obj_set_bool(f, "required", 1);
	render_obj_set_int(f, "maxlength", 64);
	render_obj_set_strref(f, "autocomplete", "off");
	newsroom_field_hint(f, newsroom_t(r, "login_hint"));
	f = newsroom_field(fields, "display_name",
			   newsroom_t(r, "display_name"), ai->display_name,
			   ae->display_name);
	render_obj_set_int(f, "maxlength", 128);
	f = newsroom_field(fields, "email", newsroom_t(r, "email"), ai->email,
			   ae->email);
	render_obj_set_strref(f, "type", "email");
	users_role_field(r, fields, ai->role, ae->role);
	users_password_field(r, fields, "initial_password", "password_hint",
			     ae->password, 1);
	return newsroom_render(r, status, "users", ctx);
}

int page_newsroom_users(struct http_req *r)
{
	newsroom_begin(r);
	return users_page(r, 200, NULL, NULL, 0, NULL, NULL);
}

int page_newsroom_user_add(struct http_req *r)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	struct users_in in;
	struct users_err er;
	users_in_read(r, &f, &in);
	if (!users_check(r, &in, 1, &er))
		return users_page(r, 422, &in, &er, 0, NULL, NULL);
	char hash[NEWSROOM_HASH_MAX];
	struct err e = {0};
	if (newsroom_password_hash(in.password, hash, &e)) {
		er.password = e.msg;
		er.form = newsroom_t(r, "err_form");
		return users_page(r, 422, &in, &er, 0, NULL, NULL);
	}
	struct store_user u = {
		.login = (char *)in.login,
		.display_name =
			(char *)(*in.display_name ? in.display_name : in.login),
		.email = (char *)in.email,
		.password_hash = hash,
		.role = store_role_parse(in.role),
		.created_at = (int64_t)time(NULL),
	};
	int rc = store_user_add(app->store, &u, &e);
	sodium_memzero(hash, sizeof hash);
	if (rc == ERR_CONFLICT) {
		er.login = newsroom_t(r, "err_login_taken");
		er.form = newsroom_t(r, "err_form");
		return users_page(r, 409, &in, &er, 0, NULL, NULL);
	}
	if (rc) {
		log_error("req %s: user add: %s", r->id, e.msg);
		er.form = newsroom_t(r, "err_storage");
		return users_page(r, rc == ERR_INVALID ? 422 : 500, &in, &er, 0,
				  NULL, NULL);
	}
	newsroom_audit(r, "user.add", "user", u.id, "%s (%s)", u.login,
		       store_role_name(u.role));
	return newsroom_done(r, "/newsroom/users", "created");
}

int page_newsroom_user_update(struct http_req *r)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	int64_t id;
	struct store_user u;
	struct err e = {0};
	if (http_parse_id(http_param_get(r, "id"), &id) ||
	    store_user_get(app->store, r->a, id, &u, &e))
		return newsroom_error(r, 404, newsroom_t(r, "err_not_found"));
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	struct users_in in;
	struct users_err er;
	users_in_read(r, &f, &in);
	in.login = u.login;
	int ok = users_check(r, &in, 0, &er);
	enum store_role role = store_role_parse(in.role);
	if (id == r->user_id && ok && role != STORE_ROLE_ADMIN) {
		er.role = newsroom_t(r, "err_self");
		ok = 0;
	}
	if (id == r->user_id && in.disabled) {
		er.disabled = newsroom_t(r, "err_self");
		ok = 0;
	}
	if (!ok) {
		er.form = newsroom_t(r, "err_form");
		return users_page(r, 422, NULL, NULL, id, &in, &er);
	}
	struct buf what;
	buf_init(&what, r->a);
	if (role != u.role)
		buf_printf(&what, "role %s -> %s; ", store_role_name(u.role),
			   store_role_name(role));
	if (in.disabled != u.disabled)
		buf_puts(&what, in.disabled ? "disabled; " : "enabled; ");
	if (strcmp(in.display_name, u.display_name))
		buf_puts(&what, "display name; ");
	if (strcmp(in.email, u.email))
		buf_puts(&what, "email; ");
	char hash[NEWSROOM_HASH_MAX] = "";
	if (*in.password) {
		if (newsroom_password_hash(in.password, hash, &e)) {
			er.password = e.msg;
			er.form = newsroom_t(r, "err_form");
			return users_page(r, 422, NULL, NULL, id, &in, &er);
		}
		buf_puts(&what, "password reset; ");
	}
	u.display_name = (char *)in.display_name;
	u.email = (char *)in.email;
	u.role = role;
	u.disabled = in.disabled;
	u.password_hash = hash;
	int rc = store_user_update(app->store, &u, &e);
	sodium_memzero(hash, sizeof hash);
	if (rc) {
		log_error("req %s: user %lld update: %s", r->id, (long long)id,
			  e.msg);
		er.form = newsroom_t(r, "err_storage");
		return users_page(r, rc == ERR_INVALID ? 422 : 500, NULL, NULL,
				  id, &in, &er);
	}
	if (*in.password) {
		/* Keep the session the reset is made from (an admin's own
		 * password); end every other one. */
		struct newsroom_me me;
		const char *keep =
			id == r->user_id && newsroom_me_load(r, &me) == 0 ?
				me.ss.id_hash :
				NULL;
		size_t ended = 0;
		if (store_session_delete_user(app->store, id, keep, &ended, &e))
			log_error("req %s: sessions of user %lld: %s", r->id,
				  (long long)id, e.msg);
		else
			buf_printf(&what, "%zu sessions ended; ", ended);
	}
	if (what.len >= 2)
		what.data[what.len -= 2] = '\0';
	newsroom_audit(r, "user.update", "user", id, "%s: %s", u.login,
		       what.len ? what.data : "no change");
	return newsroom_done(r, "/newsroom/users", "saved");
}
