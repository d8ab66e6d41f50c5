/*
 * auth.c - who is asking: the session cookie, CSRF tokens, the reply to a
 * role that is too low, and the login and logout pages.
 *
 * Flow: the dispatcher calls newsroom_session_attach for every request
 * (sets r->user_id and r->role from the gz_session cookie), checks the
 * route's role and calls newsroom_deny when it is too low. Every
 * state-changing newsroom handler starts with newsroom_csrf_check.
 *
 * Login is guarded three ways: a pre-session CSRF token (double-submit:
 * the gz_csrf cookie must equal the form's csrf field), the rate limiter
 * (newsroom/limit.c) per login and per client, and failures that always
 * take NEWSROOM_FAIL_MS and run one argon2id check even for an unknown
 * login, so neither the answer nor its timing tells a wrong password
 * from an unknown user. Not for the session store logic (session.c).
 */
#include "app.h"
#include "newsroom/internal.h"
#include "newsroom/password.h"
#include "render/escape.h"
#include "util/arena.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Verified when the login is unknown or disabled, so that every failure
 * costs one argon2id check (same parameters as real hashes). Its
 * password is random and was thrown away. */
static const char auth_dummy_hash[] =
	"$argon2id$v=19$m=65536,t=2,p=1$nVW0uSr9wTVbKvZiiFSKDA$"
	"+ajLjuEPV0s+yUw+DS4RRNTTa4kx/xpzeX7H8yqenJ0";

/* ---- cookies and the client ----------------------------------------- */

const char *newsroom_cookie(const struct http_req *r, const char *name)
{
	const char *h = http_header_get(r, "Cookie");
	size_t n = strlen(name);
	for (const char *p = h; p && *p;) {
		p += strspn(p, " \t;");
		size_t len = strcspn(p, ";");
		if (len > n && p[n] == '=' && !strncmp(p, name, n)) {
			size_t vlen = len - n - 1;
			while (vlen && (p[n + 1 + vlen - 1] == ' ' ||
					p[n + 1 + vlen - 1] == '\t'))
				vlen--;
			return arena_strndup(r->a, p + n + 1, vlen);
		}
		p += len;
	}
	return NULL;
}

int newsroom_secure(const struct http_req *r)
{
	if (!strncmp(app->cfg->base_url, "https://", 8))
		return 1;
	const char *proto = http_header_get(r, "X-Forwarded-Proto");
	if (!proto || strcmp(proto, "https"))
		return 0;
	/* Only a proxy on this machine is trusted to say so. */
	return r->ip && (!strncmp(r->ip, "127.", 4) || !strcmp(r->ip, "::1") ||
			 !strncmp(r->ip, "::ffff:127.", 11));
}

void newsroom_cookie_set(struct http_req *r, const char *name,
			 const char *value, long max_age)
{
	struct buf b;
	buf_init(&b, r->a);
	buf_printf(&b, "%s=%s; Path=%s; HttpOnly; SameSite=Lax", name,
		   max_age == 0 ? "" : value, NEWSROOM_COOKIE_PATH);
	if (max_age >= 0)
		buf_printf(&b, "; Max-Age=%ld", max_age);
	if (newsroom_secure(r))
		buf_puts(&b, "; Secure");
	http_header_add(r, "Set-Cookie", b.data);
}

const char *newsroom_client_ip(struct http_req *r)
{
	const char *ip = r->ip ? r->ip : "-";
	int loopback = !strncmp(ip, "127.", 4) || !strcmp(ip, "::1") ||
		       !strncmp(ip, "::ffff:127.", 11);
	const char *real = loopback ? http_header_get(r, "X-Real-IP") : NULL;
	unsigned char bin[16];
	if (real && inet_pton(AF_INET, real, bin) == 1)
		return arena_strdup(r->a, real);
	const char *v6 = real && inet_pton(AF_INET6, real, bin) == 1 ? real :
			 inet_pton(AF_INET6, ip, bin) == 1           ? ip :
								       NULL;
	if (!v6)
		return ip;
	/* One IPv6 client usually holds a whole /64. */
	memset(bin + 8, 0, 8);
	char out[INET6_ADDRSTRLEN];
	if (!inet_ntop(AF_INET6, bin, out, sizeof out))
		return ip;
	return arena_printf(r->a, "%s/64", out);
}

int newsroom_me_load(struct http_req *r, struct newsroom_me *me)
{
	memset(me, 0, sizeof *me);
	if (!r->user_id)
		return -1;
	me->token = newsroom_cookie(r, NEWSROOM_COOKIE);
	struct err e = {0};
	if (!me->token || newsroom_session_resolve(app->store, r->a, me->token,
						   (int64_t)time(NULL),
						   NEWSROOM_SESSION_IDLE_SECS,
						   0, &me->ss, &me->u, &e) != 0)
		return -1;
	return 0;
}

int newsroom_form_read(struct http_req *r, struct newsroom_form *f)
{
	f->kv = NULL;
	f->n = 0;
	const char *ct = http_header_get(r, "Content-Type");
	if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33))
		return 0;
	struct err e = {0};
	if (newsroom_form_parse(r->a, r->body.data, r->body.len, f, &e)) {
		log_info("req %s: %s", r->id, e.msg);
		http_reply_error(r, 400, e.msg);
		return -1;
	}
	return 0;
}

/* ---- session and CSRF ----------------------------------------------- */

int newsroom_session_attach(struct http_req *r)
{
	r->user_id = 0;
	r->role = STORE_ROLE_NONE;
	const char *token = newsroom_cookie(r, NEWSROOM_COOKIE);
	if (!token)
		return 0;
	struct store_session ss;
	struct store_user u;
	struct err e = {0};
	int rc = newsroom_session_resolve(app->store, r->a, token,
					  (int64_t)time(NULL),
					  NEWSROOM_SESSION_IDLE_SECS, 1, &ss,
					  &u, &e);
	if (rc == ERR_NOTFOUND)
		return 0;
	if (rc) {
		log_error("req %s: session: %s", r->id, e.msg);
		return rc;
	}
	r->user_id = u.id;
	r->role = u.role;
	return 0;
}

/* 1 when the token sent equals the one expected (constant time). */
static int auth_token_match(const char *sent, const char *want)
{
	if (!sent || !want || !*want)
		return 0;
	size_t n = strlen(want);
	if (strlen(sent) != n)
		return 0;
	return sodium_memcmp(sent, want, n) == 0;
}

/* The CSRF token sent with r: the X-CSRF-Token header, else the form's
 * csrf field. */
static const char *auth_csrf_sent(struct http_req *r,
				  const struct newsroom_form *f)
{
	const char *h = http_header_get(r, "X-CSRF-Token");
	return h ? h : newsroom_form_get(f, "csrf");
}

int newsroom_csrf_check(struct http_req *r)
{
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return -1;
	const char *sent = auth_csrf_sent(r, &f);
	const char *want = NULL;
	struct newsroom_me me;
	if (r->user_id) {
		if (newsroom_me_load(r, &me) == 0)
			want = me.ss.csrf;
	} else {
		want = newsroom_cookie(r, NEWSROOM_CSRF_COOKIE);
	}
	if (auth_token_match(sent, want))
		return 0;
	log_warn("req %s: %s %s: CSRF token %s", r->id, r->method, r->path,
		 sent ? "does not match" : "missing");
	newsroom_begin(r);
	newsroom_error(r, 403, newsroom_t(r, "err_csrf"));
	return -1;
}

int newsroom_deny(struct http_req *r)
{
	int read = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
	int newsroom = !strncmp(r->path, "/newsroom", 9) &&
		       (r->path[9] == '\0' || r->path[9] == '/');
	if (!newsroom) {
		http_reply_error(r, 403, "your role does not allow this");
		return 0;
	}
	newsroom_begin(r);
	if (!r->user_id && read) {
		struct buf b;
		buf_init(&b, r->a);
		buf_puts(&b, "/newsroom/login");
		if (strcmp(r->path, "/newsroom") &&
		    newsroom_next_valid(r->uri)) {
			buf_puts(&b, "?next=");
			render_escape_url(&b, r->uri, strlen(r->uri));
		}
		http_reply_redirect(r, 303, b.data);
		return 0;
	}
	/* A form sent after the session ended: say so rather than "your
	 * role does not allow this". */
	return newsroom_error(
		r, 403,
		newsroom_t(r,
			   !r->user_id && newsroom_cookie(r, NEWSROOM_COOKIE) ?
				   "err_session" :
				   "err_forbidden"));
}

/* ---- login and logout ----------------------------------------------- */

/* Render the login form: status, the login typed, an error (or NULL),
 * where to go next, and the pre-session token (made and set as a cookie
 * when the request has no valid one or `fresh`). */
static int auth_login_form(struct http_req *r, int status, const char *login,
			   const char *error, const char *next, int fresh)
{
	const char *token = newsroom_cookie(r, NEWSROOM_CSRF_COOKIE);
	if (fresh || !newsroom_token_valid(token)) {
		char t[NEWSROOM_TOKEN_SIZE];
		newsroom_token_new(t);
		token = arena_strdup(r->a, t);
		newsroom_cookie_set(r, NEWSROOM_CSRF_COOKIE, token, -1);
	}
	struct render_val *ctx =
		newsroom_ctx(r, NULL, "login", newsroom_t(r, "login_title"));
	render_obj_set_strref(ctx, "csrf", token);
	struct render_val *form = render_obj_add_obj(ctx, "form");
	render_obj_set_str(form, "login", login ? login : "");
	render_obj_set_str(form, "next",
			   next && newsroom_next_valid(next) ? next : "");
	render_obj_set_str(form, "error", error);
	return newsroom_render(r, status, "login", ctx);
}

int page_newsroom_login(struct http_req *r)
{
	newsroom_begin(r);
	const char *next = http_query_get(r, "next");
	if (r->user_id) {
		http_reply_redirect(
			r, 303, newsroom_next_valid(next) ? next : "/newsroom");
		return 0;
	}
	return auth_login_form(r, 200, "", NULL, next, 0);
}

/* Sleep until NEWSROOM_FAIL_MS after the request arrived. */
static void auth_fail_delay(const struct http_req *r)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t elapsed =
		(int64_t)now.tv_sec * 1000000000LL + now.tv_nsec - r->start_ns;
	int64_t left = (int64_t)NEWSROOM_FAIL_MS * 1000000LL - elapsed;
	if (left <= 0)
		return;
	struct timespec ts = {(time_t)(left / 1000000000LL),
			      (long)(left % 1000000000LL)};
	while (nanosleep(&ts, &ts) != 0)
		;
}

int page_newsroom_login_post(struct http_req *r)
{
	newsroom_begin(r);
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	const char *next = newsroom_form_get(&f, "next");
	if (!newsroom_next_valid(next))
		next = "/newsroom";
	/* The login as typed, trimmed and in lower case (logins are). */
	char *login = (char *)newsroom_field_value(r, &f, "login");
	for (char *p = login; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	const char *password = newsroom_form_get(&f, "password");

	if (!auth_token_match(newsroom_form_get(&f, "csrf"),
			      newsroom_cookie(r, NEWSROOM_CSRF_COOKIE))) {
		log_warn("req %s: login without a valid CSRF token", r->id);
		return auth_login_form(r, 403, login,
				       newsroom_t(r, "login_expired"), next, 1);
	}
	if (!*login || !password || !*password)
		return auth_login_form(r, 200, login,
				       newsroom_t(r, "login_required"), next,
				       0);
	if (strlen(login) > 64 || strlen(password) > NEWSROOM_PASSWORD_MAX) {
		auth_fail_delay(r);
		return auth_login_form(r, 200, "",
				       newsroom_t(r, "login_failed"), next, 0);
	}

	const char *ip = newsroom_client_ip(r);
	int64_t now = (int64_t)time(NULL), retry = 0;
	struct newsroom_limiter *lim = app->limiter;
	assert(lim); /* made by `gazette serve` before the server starts */
	if (newsroom_limiter_attempt(lim, login, ip, now, &retry)) {
		log_warn("req %s: login for '%s' from %s refused for %llds: "
			 "too many failures",
			 r->id, login, ip, (long long)retry);
		char secs[24], mins[24];
		snprintf(secs, sizeof secs, "%lld", (long long)retry);
		snprintf(mins, sizeof mins, "%lld",
			 (long long)(retry + 59) / 60);
		http_header_add(r, "Retry-After", secs);
		return auth_login_form(
			r, 429, login,
			newsroom_tf(r, "too_many",
				    (const char *[]){"minutes", mins, NULL}),
			next, 0);
	}

	struct store_user u;
	struct err e = {0};
	int rc = store_user_by_login(app->store, r->a, login, &u, &e);
	if (rc && rc != ERR_NOTFOUND) {
		log_error("req %s: login: %s", r->id, e.msg);
		return newsroom_error(r, 500, newsroom_t(r, "err_storage"));
	}
	int found = rc == 0;
	int ok = newsroom_password_verify(found && !u.disabled ?
						  u.password_hash :
						  auth_dummy_hash,
					  password) &&
		 found && !u.disabled;
	if (!ok) {
		log_info("req %s: login for '%s' from %s failed", r->id, login,
			 ip);
		if (found)
			store_audit_add(app->store, u.id,
					"session.login_failed", "user", u.id,
					arena_printf(r->a, "from %s", ip), &e);
		auth_fail_delay(r);
		return auth_login_form(r, 200, login,
				       newsroom_t(r, "login_failed"), next, 0);
	}

	newsroom_limiter_success(lim, login, ip);
	/* A new token at every login (no session fixation); the session
	 * the browser had, if any, ends. */
	const char *old = newsroom_cookie(r, NEWSROOM_COOKIE);
	if (old)
		newsroom_session_end(app->store, old, &e);
	char token[NEWSROOM_TOKEN_SIZE], csrf[NEWSROOM_TOKEN_SIZE];
	if (newsroom_session_create(app->store, u.id, now,
				    NEWSROOM_SESSION_MAX_SECS, token, csrf,
				    &e)) {
		log_error("req %s: login: %s", r->id, e.msg);
		return newsroom_error(r, 500, newsroom_t(r, "err_storage"));
	}
	/* Sweep sessions that ended unseen; logins are rare enough. */
	if (store_session_expire(app->store, now, NEWSROOM_SESSION_IDLE_SECS,
				 &e))
		log_warn("req %s: session sweep: %s", r->id, e.msg);
	newsroom_cookie_set(r, NEWSROOM_COOKIE, token,
			    NEWSROOM_SESSION_MAX_SECS);
	newsroom_cookie_set(r, NEWSROOM_CSRF_COOKIE, "", 0);
	r->user_id = u.id;
	r->role = u.role;
	newsroom_audit(r, "session.login", "user", u.id, "from %s", ip);
	http_reply_redirect(r, 303, next);
	return 0;
}

int page_newsroom_logout(struct http_req *r)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	const char *token = newsroom_cookie(r, NEWSROOM_COOKIE);
	struct err e = {0};
	if (token && newsroom_session_end(app->store, token, &e))
		log_error("req %s: logout: %s", r->id, e.msg);
	newsroom_cookie_set(r, NEWSROOM_COOKIE, "", 0);
	newsroom_audit(r, "session.logout", "user", r->user_id, "signed out");
	http_reply_redirect(r, 303, "/newsroom/login?done=signed_out");
	return 0;
}
