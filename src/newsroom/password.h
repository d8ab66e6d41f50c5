/*
 * password.h - password hashing for newsroom accounts (argon2id).
 *
 * Hashes are libsodium's crypto_pwhash_str strings (argon2id with the
 * interactive limits), which carry their own salt and parameters. Not
 * for session tokens (see the session code).
 */
#ifndef GAZETTE_NEWSROOM_PASSWORD_H
#define GAZETTE_NEWSROOM_PASSWORD_H

#include <stddef.h>

#include "util/err.h"

#define NEWSROOM_PASSWORD_MIN 10  /* shortest password accepted */
#define NEWSROOM_PASSWORD_MAX 256 /* longest password accepted */
#define NEWSROOM_HASH_MAX 128     /* room for a hash string */

/* Hash `password` into out (NUL-terminated). ERR_INVALID when shorter
 * than NEWSROOM_PASSWORD_MIN or longer than NEWSROOM_PASSWORD_MAX,
 * ERR_IO when libsodium fails (out of memory). */
int newsroom_password_hash(const char *password, char out[NEWSROOM_HASH_MAX],
			   struct err *e);

/* 1 when password matches hash, 0 otherwise (also for a malformed hash). */
int newsroom_password_verify(const char *hash, const char *password);

/* A random password of n-1 readable characters (no 0/O/l/1) into out. */
void newsroom_password_generate(char *out, size_t n);

/* libsodium must be initialised once before any of the above. */
int newsroom_crypto_init(struct err *e);

#endif
