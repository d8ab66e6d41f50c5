/*
 * password.c - argon2id password hashing. See password.h.
 */
#include "newsroom/password.h"

#include <sodium.h>
#include <string.h>

int newsroom_crypto_init(struct err *e)
{
	if (sodium_init() < 0)
		return err_set(e, ERR_IO, "libsodium failed to initialise");
	return 0;
}

int newsroom_password_hash(const char *password, char out[NEWSROOM_HASH_MAX],
			   struct err *e)
{
	size_t n = strlen(password);
	if (n < NEWSROOM_PASSWORD_MIN)
		return err_set(e, ERR_INVALID,
			       "password too short: at least %d characters",
			       NEWSROOM_PASSWORD_MIN);
	if (n > NEWSROOM_PASSWORD_MAX)
		return err_set(e, ERR_INVALID,
			       "password too long: at most %d characters",
			       NEWSROOM_PASSWORD_MAX);
	_Static_assert(NEWSROOM_HASH_MAX >= crypto_pwhash_STRBYTES,
		       "hash buffer too small");
	if (crypto_pwhash_str_alg(out, password, n,
				  crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  crypto_pwhash_MEMLIMIT_INTERACTIVE,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return err_set(e, ERR_IO, "password hashing ran out of memory");
	return 0;
}

int newsroom_password_verify(const char *hash, const char *password)
{
	if (!hash || !password || !*hash)
		return 0;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void newsroom_password_generate(char *out, size_t n)
{
	static const char alphabet[] =
		"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	for (size_t i = 0; i + 1 < n; i++)
		out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	if (n)
		out[n - 1] = '\0';
}
