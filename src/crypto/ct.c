/*
 * ct.c - constant-time comparison for tags, MACs and secrets, over
 * OpenSSL's CRYPTO_memcmp.  Its time depends only on the length.
 */
#include <openssl/crypto.h>

#include "crypto/internal.h"

int
pouch_ct_eq(const void *a, const void *b, size_t len)
{
	if (len == 0)
		return 0;
	if (a == NULL || b == NULL)
		return -1;
	return CRYPTO_memcmp(a, b, len) == 0 ? 0 : -1;
}
