/*
 * session.c - newsroom session tokens and their life in the store: create,
 * resolve (with idle and absolute expiry), end. See newsroom.h.
 *
 * Not for cookies or anything else HTTP (newsroom/auth.c does that), so
 * the expiry rules can be tested with a store on ":memory:" and any clock.
 */
#include "newsroom/newsroom.h"

#include <sodium.h>
#include <string.h>

enum newsroom_session_state
newsroom_session_state(const struct store_session *ss, int64_t now,
		       int64_t idle)
{
	if (now >= ss->expires_at)
		return NEWSROOM_SESSION_EXPIRED;
	if (idle > 0 && now - ss->last_seen > idle)
		return NEWSROOM_SESSION_IDLE;
	return NEWSROOM_SESSION_OK;
}

void newsroom_token_new(char out[NEWSROOM_TOKEN_SIZE])
{
	unsigned char raw[32];
	_Static_assert(sodium_base64_ENCODED_LEN(
			       32, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ==
			       NEWSROOM_TOKEN_SIZE,
		       "token size");
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, NEWSROOM_TOKEN_SIZE, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

int newsroom_token_valid(const char *s)
{
	if (!s)
		return 0;
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (n >= NEWSROOM_TOKEN_CHARS)
			return 0;
	}
	return n == NEWSROOM_TOKEN_CHARS;
}

void newsroom_token_hash(const char *token, char out[NEWSROOM_HASH_SIZE])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)token,
			   strlen(token), NULL, 0);
	sodium_bin2hex(out, NEWSROOM_HASH_SIZE, h, sizeof h);
}

int newsroom_session_create(store *s, int64_t user_id, int64_t now,
			    int64_t max_age,
			    char token_out[NEWSROOM_TOKEN_SIZE],
			    char csrf_out[NEWSROOM_TOKEN_SIZE], struct err *e)
{
	char hash[NEWSROOM_HASH_SIZE];
	newsroom_token_new(token_out);
	newsroom_token_new(csrf_out);
	newsroom_token_hash(token_out, hash);
	struct store_session ss = {
		.id_hash = hash,
		.user_id = user_id,
		.csrf = csrf_out,
		.created_at = now,
		.last_seen = now,
		.expires_at = now + max_age,
	};
	return store_session_add(s, &ss, e);
}

int newsroom_session_resolve(store *s, struct arena *a, const char *token,
			     int64_t now, int64_t idle, int touch,
			     struct store_session *ss, struct store_user *u,
			     struct err *e)
{
	if (!newsroom_token_valid(token))
		return err_set(e, ERR_NOTFOUND, "session: malformed token");
	char hash[NEWSROOM_HASH_SIZE];
	newsroom_token_hash(token, hash);
	int rc = store_session_get(s, a, hash, ss, e);
	if (rc)
		return rc;
	enum newsroom_session_state st = newsroom_session_state(ss, now, idle);
	if (st != NEWSROOM_SESSION_OK) {
		struct err e2 = {0};
		store_session_delete(s, hash, &e2);
		return err_set(e, ERR_NOTFOUND, "session: %s",
			       st == NEWSROOM_SESSION_IDLE ? "idle too long" :
							     "expired");
	}
	rc = store_user_get(s, a, ss->user_id, u, e);
	if (rc == ERR_NOTFOUND || (rc == 0 && u->disabled)) {
		struct err e2 = {0};
		store_session_delete(s, hash, &e2);
		return err_set(e, ERR_NOTFOUND, "session: user %lld %s",
			       (long long)ss->user_id,
			       rc ? "is gone" : "is disabled");
	}
	if (rc)
		return rc;
	if (touch && now - ss->last_seen >= NEWSROOM_SESSION_TOUCH) {
		/* A lost touch only shortens the idle window by a minute:
		 * not worth failing the request for. */
		struct err e2 = {0};
		if (store_session_touch(s, hash, now, &e2) == 0)
			ss->last_seen = now;
	}
	return 0;
}

int newsroom_session_end(store *s, const char *token, struct err *e)
{
	if (!newsroom_token_valid(token))
		return 0;
	char hash[NEWSROOM_HASH_SIZE];
	newsroom_token_hash(token, hash);
	return store_session_delete(s, hash, e);
}
