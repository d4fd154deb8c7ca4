/*
 * aead.c - authenticated encryption: AES-128-GCM, AES-256-GCM and
 * ChaCha20-Poly1305 (RFC 8439), 12-byte nonces and 16-byte tags, over the
 * ciphers the provider fetched once.  Open checks the tag before it
 * returns: on any failure the plaintext buffer is zeroed, so nothing
 * unauthenticated ever reaches the caller.
 */
#include <limits.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/internal.h"

#define AEAD_CHUNK	(1 << 30)	/* EVP_CipherUpdate takes an int */

size_t
pouch_aead_key_len(enum pouch_aead a)
{
	switch (a) {
	case POUCH_AES128GCM:
		return 16;
	case POUCH_AES256GCM:
	case POUCH_CHACHA20POLY1305:
		return 32;
	}
	return 0;
}

static int
aead_init(const struct pouch_crypto *c, enum pouch_aead a,
    const uint8_t *key, const uint8_t *nonce, int enc, EVP_CIPHER_CTX **out)
{
	EVP_CIPHER_CTX *ctx;
	int i = (int)a - 1;

	*out = NULL;
	if (i < 0 || i >= CRYPTO_AEAD_COUNT)
		return POUCH_E_UNSUPPORTED;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return POUCH_E_NOMEM;
	/* Both ciphers default to a 96-bit nonce. */
	if (!EVP_CipherInit_ex2(ctx, c->aead[i], key, nonce, enc, NULL)) {
		EVP_CIPHER_CTX_free(ctx);
		return POUCH_E_CRYPTO;
	}
	*out = ctx;
	return POUCH_OK;
}

/* Feed len bytes (AAD when out is NULL) in int-sized pieces. */
static int
aead_update(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in,
    size_t len)
{
	size_t off, n;
	int outl;

	for (off = 0; off < len; off += n) {
		n = len - off > AEAD_CHUNK ? AEAD_CHUNK : len - off;
		if (!EVP_CipherUpdate(ctx, out == NULL ? NULL : out + off,
		    &outl, in + off, (int)n))
			return POUCH_E_CRYPTO;
		if (out != NULL && (size_t)outl != n)
			return POUCH_E_CRYPTO;
	}
	return POUCH_OK;
}

int
pouch_aead_seal(const struct pouch_crypto *c, enum pouch_aead a,
    const uint8_t *key, const uint8_t nonce[12], const uint8_t *aad,
    size_t aadlen, const uint8_t *pt, size_t ptlen, uint8_t *ct,
    size_t ctcap, size_t *ctlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t fin[32];
	int rc, outl;

	if (ctlen == NULL)
		return POUCH_E_MISUSE;
	*ctlen = 0;
	if (c == NULL || key == NULL || nonce == NULL || ct == NULL ||
	    (aad == NULL && aadlen != 0) || (pt == NULL && ptlen != 0))
		return POUCH_E_MISUSE;
	if (pouch_aead_key_len(a) == 0)
		return POUCH_E_UNSUPPORTED;
	if (ptlen > SIZE_MAX - POUCH_AEAD_TAG_BYTES)
		return POUCH_E_TOO_LARGE;
	if (ctcap < ptlen + POUCH_AEAD_TAG_BYTES) {
		*ctlen = ptlen + POUCH_AEAD_TAG_BYTES;
		return POUCH_E_BUFFER_TOO_SMALL;
	}
	if ((rc = aead_init(c, a, key, nonce, 1, &ctx)) != POUCH_OK)
		goto out;
	if ((rc = aead_update(ctx, NULL, aad, aadlen)) != POUCH_OK ||
	    (rc = aead_update(ctx, ct, pt, ptlen)) != POUCH_OK)
		goto out;
	rc = POUCH_E_CRYPTO;
	if (!EVP_EncryptFinal_ex(ctx, fin, &outl) || outl != 0)
		goto out;
	if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
	    POUCH_AEAD_TAG_BYTES, ct + ptlen))
		goto out;
	*ctlen = ptlen + POUCH_AEAD_TAG_BYTES;
	rc = POUCH_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc == POUCH_OK ? rc : pouch_crypto_fail(rc);
}

/*
 * pt may equal ct (in place).  OpenSSL decrypts into pt before the tag is
 * checked; the caller regains control only after the check, and pt is
 * zeroed if it fails.
 */
int
pouch_aead_open(const struct pouch_crypto *c, enum pouch_aead a,
    const uint8_t *key, const uint8_t nonce[12], const uint8_t *aad,
    size_t aadlen, const uint8_t *ct, size_t ctlen, uint8_t *pt,
    size_t ptcap, size_t *ptlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t fin[32];
	size_t n;
	int rc, outl;

	if (ptlen == NULL)
		return POUCH_E_MISUSE;
	*ptlen = 0;
	if (c == NULL || key == NULL || nonce == NULL || ct == NULL ||
	    (aad == NULL && aadlen != 0) || (pt == NULL && ptcap != 0))
		return POUCH_E_MISUSE;
	if (pouch_aead_key_len(a) == 0)
		return POUCH_E_UNSUPPORTED;
	if (ctlen < POUCH_AEAD_TAG_BYTES)
		return POUCH_E_MALFORMED;
	n = ctlen - POUCH_AEAD_TAG_BYTES;
	if (ptcap < n) {
		*ptlen = n;
		return POUCH_E_BUFFER_TOO_SMALL;
	}
	if ((rc = aead_init(c, a, key, nonce, 0, &ctx)) != POUCH_OK)
		goto out;
	if ((rc = aead_update(ctx, NULL, aad, aadlen)) != POUCH_OK ||
	    (rc = aead_update(ctx, pt, ct, n)) != POUCH_OK)
		goto out;
	rc = POUCH_E_CRYPTO;
	if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
	    POUCH_AEAD_TAG_BYTES, (void *)(ct + n)))
		goto out;
	/* The tag is compared in constant time inside OpenSSL. */
	if (EVP_DecryptFinal_ex(ctx, fin, &outl) != 1 || outl != 0) {
		rc = POUCH_E_DECRYPT;
		goto out;
	}
	*ptlen = n;
	rc = POUCH_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (rc != POUCH_OK) {
		if (n != 0)
			OPENSSL_cleanse(pt, n);
		return pouch_crypto_fail(rc);
	}
	return POUCH_OK;
}
