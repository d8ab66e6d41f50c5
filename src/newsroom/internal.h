/*
 * internal.h - what the newsroom's HTTP handlers share: cookies, who is
 * asking, the request body as a form, the UI language and strings, the
 * page context, form fields for templates, audit entries.
 *
 * Private to src/newsroom (the rest of the program sees newsroom.h and
 * the handler declarations in http/http.h). Everything returned is
 * request-arena memory unless said otherwise.
 */
#ifndef GAZETTE_NEWSROOM_INTERNAL_H
#define GAZETTE_NEWSROOM_INTERNAL_H

#include "http/http.h"
#include "http/internal.h"
#include "newsroom/newsroom.h"
#include "render/value.h"

#define NEWSROOM_CSRF_COOKIE "gz_csrf"    /* pre-session (login) token */
#define NEWSROOM_LANG_COOKIE "gz_nr_lang" /* UI language */
#define NEWSROOM_COOKIE_PATH "/newsroom"
/* A failed login is answered no sooner than this (ms) after it arrived. */
#define NEWSROOM_FAIL_MS 300

/* The logged-in user as a newsroom page needs it. */
struct newsroom_me {
	struct store_user u;     /* the user */
	struct store_session ss; /* the session (its csrf token) */
	const char *token;       /* the cookie token */
};

/* ---- cookies and the client (auth.c) -------------------------------- */

/* Value of cookie `name` from the Cookie header, or NULL. */
const char *newsroom_cookie(const struct http_req *r, const char *name);

/* Add a Set-Cookie for name=value on NEWSROOM_COOKIE_PATH, HttpOnly,
 * SameSite=Lax, Secure when newsroom_secure(r). max_age > 0 sets
 * Max-Age, 0 deletes the cookie, < 0 makes a browser-session cookie. */
void newsroom_cookie_set(struct http_req *r, const char *name,
			 const char *value, long max_age);

/* 1 when the request came over TLS: site.base_url is https, or the peer
 * is a loopback proxy that says X-Forwarded-Proto: https. */
int newsroom_secure(const struct http_req *r);

/* The client's address for rate limiting: X-Real-IP when the peer is a
 * loopback proxy (contrib/nginx.conf sets it), else the peer; IPv6
 * addresses are cut to their /64. */
const char *newsroom_client_ip(struct http_req *r);

/* Load the logged-in user and session of r into *me (no touch). 0 when
 * r has a live session, else -1. */
int newsroom_me_load(struct http_req *r, struct newsroom_me *me);

/* Parse r's body as a form into *f. On a malformed body replies 400 and
 * returns -1. A body that is not a urlencoded form gives an empty form. */
int newsroom_form_read(struct http_req *r, struct newsroom_form *f);

/* ---- pages (ui.c) ---------------------------------------------------- */

/* Pick the UI language (?lang= sets the cookie, then the cookie, else
 * English or the default edition) and point r->edition at it, so that
 * page_t and the `t` strings speak it. Also adds the no-store and
 * anti-framing headers every newsroom reply carries. */
void newsroom_begin(struct http_req *r);

/* String newsroom_ui.<key> of the UI language. */
const char *newsroom_t(struct http_req *r, const char *key);

/* newsroom_t with {name} placeholders filled from vars (name, value
 * pairs, NULL-terminated). */
const char *newsroom_tf(struct http_req *r, const char *key,
			const char *const *vars);

/* Label of a role ("Editor") in the UI language. */
const char *newsroom_role_label(struct http_req *r, enum store_role role);

/*
 * The context of a newsroom page: lang, t, assets, site_name, page
 * {title, section}, csrf, me {name, login, role, role_label}, nav[] (the
 * sections r->role may open, `section` marked current), langs[],
 * flash (from ?done=). me may be NULL (login page).
 */
struct render_val *newsroom_ctx(struct http_req *r,
				const struct newsroom_me *me,
				const char *section, const char *title);

/* Render theme/templates/newsroom/<name> with ctx into the reply. */
int newsroom_render(struct http_req *r, int status, const char *name,
		    struct render_val *ctx);

/* A newsroom error page with status and a message (plain text). */
int newsroom_error(struct http_req *r, int status, const char *message);

/* Append a form field for templates/newsroom/field.mustache to list and
 * return it: name, id (= name unless set later), label, value, error
 * (NULL: none), type "text". Every key the partial reads is set, so no
 * value leaks in from an outer context. Adjust with render_obj_set_*:
 * type, hint, required, textarea, options (list of {value, label,
 * selected}), checked, autocomplete, maxlength. */
struct render_val *newsroom_field(struct render_val *list, const char *name,
				  const char *label, const char *value,
				  const char *error);

/* Set the hint of field o (keeps its aria-describedby right). */
void newsroom_field_hint(struct render_val *o, const char *hint);

/* Set the id of field o (names repeat when a page has one form per
 * row: "f-12-role"). */
void newsroom_field_id(struct render_val *o, const char *id);

/* A <select> field: options from values[]/labels[] (n), `value` marked. */
struct render_val *newsroom_field_select(struct render_val *list,
					 const char *name, const char *label,
					 const char *const *values,
					 const char *const *labels, size_t n,
					 const char *value, const char *error);

/* The site's time zone: the time_zone setting, else site.time_zone. */
const char *newsroom_tz(struct http_req *r);

/* t as local time in tz, in a render_date_style, in the UI language. */
const char *newsroom_date(struct http_req *r, const char *tz, int64_t t,
			  int style);

/* Record an action of r's user in the audit log (errors are logged, not
 * returned: the action itself has happened). detail is printf-style. */
void newsroom_audit(struct http_req *r, const char *action,
		    const char *object_type, int64_t object_id, const char *fmt,
		    ...) __attribute__((format(printf, 5, 6)));

/* 303 to path?done=<done> after a successful POST (PRG). */
int newsroom_done(struct http_req *r, const char *path, const char *done);

/* Trimmed copy of form field key ("" when absent). */
const char *newsroom_field_value(struct http_req *r,
				 const struct newsroom_form *f,
				 const char *key);

/* Characters (code points) in the UTF-8 string s. */
size_t newsroom_chars(const char *s);

/* 1 when s is a plausible http(s) URL without spaces (max 1024 bytes). */
int newsroom_url_valid(const char *s);

#endif
