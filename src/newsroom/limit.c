/*
 * limit.c - the login rate limiter: failed attempts per login and per
 * client address in fixed windows, in memory. See newsroom.h.
 *
 * Keys are BLAKE2b-128 digests of "l:<login in lower case>" and
 * "i:<address>", so a table entry has a fixed size whatever was typed and
 * holds no login names. Each table is a plain array scanned linearly:
 * 4096 slots cost microseconds, nothing next to one argon2id check, and
 * there is no hash table to flood. Not for the delay on failures or the
 * 429 reply (newsroom/auth.c).
 *
 * A running server holds its limiter in `struct app` (app->limiter, made
 * and freed by `gazette serve`), so two apps in one process never share
 * counters.
 */
#include "newsroom/newsroom.h"

#include "util/xmalloc.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_KEY 16

struct limit_slot {
	unsigned char key[LIMIT_KEY]; /* digest of the login or address */
	int64_t start;                /* when its window began */
	int count;                    /* attempts counted in the window */
	int used;                     /* 1: slot holds a key */
};

struct newsroom_limiter {
	pthread_mutex_t mu;                             /* guards both tables */
	struct newsroom_limit_policy p;                 /* limits */
	struct limit_slot logins[NEWSROOM_LIMIT_SLOTS]; /* per login */
	struct limit_slot ips[NEWSROOM_LIMIT_SLOTS];    /* per client */
};

struct newsroom_limiter *
newsroom_limiter_new(const struct newsroom_limit_policy *p)
{
	struct newsroom_limiter *l = xcalloc(1, sizeof *l);
	pthread_mutex_init(&l->mu, NULL);
	if (p)
		l->p = *p;
	else
		l->p = (struct newsroom_limit_policy){NEWSROOM_LIMIT_LOGIN,
						      NEWSROOM_LIMIT_IP,
						      NEWSROOM_LIMIT_WINDOW};
	return l;
}

void newsroom_limiter_free(struct newsroom_limiter *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/* Digest of prefix + s (ASCII letters folded to lower case when fold). */
static void limit_key(unsigned char out[LIMIT_KEY], const char *prefix,
		      const char *s, int fold)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, LIMIT_KEY);
	crypto_generichash_update(&st, (const unsigned char *)prefix,
				  strlen(prefix));
	unsigned char chunk[64];
	size_t n = 0;
	for (const char *p = s ? s : ""; *p; p++) {
		char c = *p;
		if (fold && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		chunk[n++] = (unsigned char)c;
		if (n == sizeof chunk) {
			crypto_generichash_update(&st, chunk, n);
			n = 0;
		}
	}
	crypto_generichash_update(&st, chunk, n);
	crypto_generichash_final(&st, out, LIMIT_KEY);
}

/* The live slot of key in t, or NULL. A slot whose window has passed is
 * freed on the way. */
static struct limit_slot *limit_find(struct limit_slot *t,
				     const unsigned char *key, int64_t now,
				     int64_t window)
{
	for (size_t i = 0; i < NEWSROOM_LIMIT_SLOTS; i++) {
		if (!t[i].used || memcmp(t[i].key, key, LIMIT_KEY))
			continue;
		if (now - t[i].start >= window) {
			t[i].used = 0;
			return NULL;
		}
		return &t[i];
	}
	return NULL;
}

/* A fresh slot for key: a free or expired one, else the oldest. */
static struct limit_slot *limit_take(struct limit_slot *t,
				     const unsigned char *key, int64_t now,
				     int64_t window)
{
	struct limit_slot *best = NULL;
	for (size_t i = 0; i < NEWSROOM_LIMIT_SLOTS; i++) {
		if (!t[i].used || now - t[i].start >= window) {
			best = &t[i];
			break;
		}
		if (!best || t[i].start < best->start)
			best = &t[i];
	}
	memcpy(best->key, key, LIMIT_KEY);
	best->start = now;
	best->count = 0;
	best->used = 1;
	return best;
}

int newsroom_limiter_attempt(struct newsroom_limiter *l, const char *login,
			     const char *ip, int64_t now, int64_t *retry_after)
{
	unsigned char kl[LIMIT_KEY], ki[LIMIT_KEY];
	limit_key(kl, "l:", login, 1);
	limit_key(ki, "i:", ip, 0);
	int64_t w = l->p.window;
	pthread_mutex_lock(&l->mu);
	struct limit_slot *sl = limit_find(l->logins, kl, now, w);
	struct limit_slot *si = limit_find(l->ips, ki, now, w);
	int64_t wait = 0;
	if (sl && sl->count >= l->p.per_login)
		wait = sl->start + w - now;
	if (si && si->count >= l->p.per_ip && si->start + w - now > wait)
		wait = si->start + w - now;
	if (wait == 0) {
		if (!sl)
			sl = limit_take(l->logins, kl, now, w);
		if (!si)
			si = limit_take(l->ips, ki, now, w);
		sl->count++;
		si->count++;
	}
	pthread_mutex_unlock(&l->mu);
	if (retry_after)
		*retry_after = wait > 0 ? wait : 0;
	return wait > 0;
}

void newsroom_limiter_success(struct newsroom_limiter *l, const char *login,
			      const char *ip)
{
	unsigned char kl[LIMIT_KEY], ki[LIMIT_KEY];
	limit_key(kl, "l:", login, 1);
	limit_key(ki, "i:", ip, 0);
	pthread_mutex_lock(&l->mu);
	for (size_t i = 0; i < NEWSROOM_LIMIT_SLOTS; i++) {
		struct limit_slot *s = &l->logins[i];
		if (s->used && !memcmp(s->key, kl, LIMIT_KEY))
			s->used = 0;
		s = &l->ips[i];
		if (s->used && !memcmp(s->key, ki, LIMIT_KEY) && s->count > 0)
			s->count--;
	}
	pthread_mutex_unlock(&l->mu);
}
