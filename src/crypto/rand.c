/*
 * rand.c - randomness.  Every random byte libpouch uses comes from
 * OpenSSL's RAND_bytes through pouch_random, which fails closed: on an
 * error the output is zeroed and POUCH_E_RANDOM returned.
 */
#include <limits.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto/internal.h"

#define RAND_CHUNK	(1 << 30)	/* RAND_bytes takes an int */

int
pouch_random(uint8_t *out, size_t len)
{
	size_t off, n;

	if (out == NULL && len != 0)
		return POUCH_E_MISUSE;
	for (off = 0; off < len; off += n) {
		n = len - off > RAND_CHUNK ? RAND_CHUNK : len - off;
		if (RAND_bytes(out + off, (int)n) != 1) {
			OPENSSL_cleanse(out, len);
			return pouch_crypto_fail(POUCH_E_RANDOM);
		}
	}
	return POUCH_OK;
}
