/*
 * newsroom.h - the newsroom's accounts machinery that does not depend on
 * HTTP: session tokens and their expiry, the login rate limiter, form
 * bodies and the checks of paths typed into newsroom forms.
 *
 * Sessions: the browser holds a random 32-byte token (base64url, 43
 * characters) in the gz_session cookie; the store keeps only its BLAKE2b
 * hash (hex), so a copy of the database does not log anyone in. A
 * session ends when it has been idle longer than the idle limit or is
 * older than its absolute expiry, whichever comes first.
 *
 * Not here: the HTTP side (cookies, CSRF replies, handlers: see
 * newsroom/internal.h and http/http.h) and password hashing
 * (newsroom/password.h).
 */
#ifndef GAZETTE_NEWSROOM_NEWSROOM_H
#define GAZETTE_NEWSROOM_NEWSROOM_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

struct arena;
struct http_kv;
struct http_req;

/* ---- sessions ------------------------------------------------------- */

/* The session cookie: a request carrying it may be someone logged in
 * (the page cache leaves such requests to the route table). */
#define NEWSROOM_COOKIE "gz_session"

#define NEWSROOM_SESSION_IDLE_SECS (8 * 3600)  /* seconds idle before expiry */
#define NEWSROOM_SESSION_MAX_SECS  (7 * 86400) /* absolute lifetime, seconds */
/* last_seen is written at most once a minute (seconds) */
#define NEWSROOM_SESSION_TOUCH 60
#define NEWSROOM_TOKEN_CHARS   43 /* base64url of 32 bytes */
#define NEWSROOM_TOKEN_SIZE    44 /* with its NUL */
#define NEWSROOM_HASH_SIZE     65 /* 64 hex digits and a NUL */

enum newsroom_session_state {
	NEWSROOM_SESSION_OK = 0,      /* valid */
	NEWSROOM_SESSION_IDLE = 1,    /* idle for more than `idle` seconds */
	NEWSROOM_SESSION_EXPIRED = 2, /* past its absolute expiry */
};

/* State of session ss at time `now` with idle limit `idle` (seconds, 0:
 * no idle limit). The absolute expiry wins when both apply. Pure. */
enum newsroom_session_state
newsroom_session_state(const struct store_session *ss, int64_t now,
		       int64_t idle);

/* A new random token (32 bytes from the OS CSPRNG, base64url without
 * padding) into out. libsodium must be initialised. */
void newsroom_token_new(char out[NEWSROOM_TOKEN_SIZE]);

/* 1 when s looks like a token from newsroom_token_new (43 characters of
 * [A-Za-z0-9_-]), 0 otherwise (also for NULL). */
int newsroom_token_valid(const char *s);

/* Hex BLAKE2b-256 of token into out: what the store keeps. */
void newsroom_token_hash(const char *token, char out[NEWSROOM_HASH_SIZE]);

/* Start a session for user_id at `now` that lasts at most max_age
 * seconds: a new token into token_out (for the cookie) and a new CSRF
 * token into csrf_out; the store gets the token's hash. ERR_INVALID for
 * an unknown user, ERR_DB on storage errors. */
int newsroom_session_create(store *s, int64_t user_id, int64_t now,
			    int64_t max_age,
			    char token_out[NEWSROOM_TOKEN_SIZE],
			    char csrf_out[NEWSROOM_TOKEN_SIZE], struct err *e);

/*
 * The session and user of cookie token `token` at `now`, with idle limit
 * `idle`. On success (0) *ss and *u are filled (arena memory) and the
 * session's last_seen is moved to now when `touch` is set and it is
 * older than NEWSROOM_SESSION_TOUCH seconds. A session that is idle,
 * expired, or whose user is gone or disabled is deleted and
 * ERR_NOTFOUND returned; ERR_NOTFOUND also for a malformed or unknown
 * token. ERR_DB on storage errors.
 */
int newsroom_session_resolve(store *s, struct arena *a, const char *token,
			     int64_t now, int64_t idle, int touch,
			     struct store_session *ss, struct store_user *u,
			     struct err *e);

/* Delete the session of token (no-op for an unknown or malformed one). */
int newsroom_session_end(store *s, const char *token, struct err *e);

/* ---- login rate limiting -------------------------------------------- */

#define NEWSROOM_LIMIT_LOGIN  5         /* failures per login per window */
#define NEWSROOM_LIMIT_IP     20        /* failures per client per window */
#define NEWSROOM_LIMIT_WINDOW (15 * 60) /* seconds */
#define NEWSROOM_LIMIT_SLOTS  4096      /* logins (and clients) remembered */

struct newsroom_limit_policy {
	int per_login;  /* attempts allowed per login in a window */
	int per_ip;     /* attempts allowed per client in a window */
	int64_t window; /* seconds; a window starts at a key's first attempt */
};

/* Failed-login counters in memory, per login and per client address.
 * Thread-safe (one mutex). Each table keeps NEWSROOM_LIMIT_SLOTS keys;
 * when full, the key whose window started first is forgotten. */
struct newsroom_limiter;

/* New limiter with policy p (NULL: the NEWSROOM_LIMIT_* defaults).
 * Caller frees with newsroom_limiter_free. Aborts on OOM. */
struct newsroom_limiter *
newsroom_limiter_new(const struct newsroom_limit_policy *p);
void newsroom_limiter_free(struct newsroom_limiter *l);

/*
 * A login attempt for `login` from `ip` at `now`. Returns 0 when it may
 * go ahead, and counts it already as a failure, so that a burst of
 * simultaneous requests cannot overrun the limit; newsroom_limiter_success
 * takes it back. Returns 1 when the login or the client has used up its
 * window: *retry_after (may be NULL) gets the seconds until it may try
 * again (at least 1), and nothing is counted.
 */
int newsroom_limiter_attempt(struct newsroom_limiter *l, const char *login,
			     const char *ip, int64_t now, int64_t *retry_after);

/* The attempt succeeded: forget the login's failures and take back the
 * client's count of this attempt. */
void newsroom_limiter_success(struct newsroom_limiter *l, const char *login,
			      const char *ip);

/* ---- forms ---------------------------------------------------------- */

#define NEWSROOM_FORM_MAX 512 /* fields accepted in one form body */

struct newsroom_form {
	struct http_kv *kv; /* fields in body order, arena memory */
	size_t n;
};

/* Parse an application/x-www-form-urlencoded body of len bytes into f
 * (arena memory): '+' is a space, %XX escapes are decoded. ERR_INVALID
 * on a bad escape, a NUL byte, invalid UTF-8 or more than
 * NEWSROOM_FORM_MAX fields (f is then empty). */
int newsroom_form_parse(struct arena *a, const char *body, size_t len,
			struct newsroom_form *f, struct err *e);

/* First value of field `key`, or NULL when the form has none. */
const char *newsroom_form_get(const struct newsroom_form *f, const char *key);

/* ---- handlers of the route table (http/routes.c) --------------------- */

/* Declared here rather than in http/http.h with the older newsroom
 * handlers; the same contract: reply, return 0. */
int page_newsroom_redirect_delete(struct http_req *r); /* redirects.c */
int page_newsroom_tags(struct http_req *r);            /* tags.c */
int page_newsroom_tag_rename(struct http_req *r);
int page_newsroom_tag_merge(struct http_req *r);
int page_newsroom_tag_delete(struct http_req *r);

/* ---- paths typed into forms ----------------------------------------- */

/* 1 when `next` is a safe place to go after login: a path under
 * /newsroom ("/newsroom" or "/newsroom/..." or "/newsroom?..."), without
 * "//", backslashes or control characters. */
int newsroom_next_valid(const char *next);

/* Check a manual redirect: from_path is a site path ("/old-page":
 * starts with one '/', no "//", no '?' or '#', no spaces, backslashes or
 * control characters, not under /newsroom, /api/ or /static/, at most
 * 1024 bytes); to_path is such a path (with an optional query) or an
 * absolute http(s) URL, and not from_path itself. ERR_INVALID naming the
 * field ("from: ...", "to: ..."). */
int newsroom_redirect_check(const char *from_path, const char *to_path,
			    struct err *e);

#endif
