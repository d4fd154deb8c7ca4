/*
 * hash.c - SHA-2 digests, HMAC and HKDF (RFC 5869).  HMAC duplicates the
 * provider's keyless template context (digest already set) and keys the
 * copy, so no algorithm is fetched per call.  HKDF is written over that
 * HMAC exactly as RFC 5869 section 2 describes it, which lets HKDF-Expand
 * key the HMAC once and re-initialise it for every block.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/internal.h"

size_t
pouch_hash_len(enum pouch_hash h)
{
	switch (h) {
	case POUCH_SHA256:
		return 32;
	case POUCH_SHA384:
		return 48;
	case POUCH_SHA512:
		return 64;
	}
	return 0;
}

int
pouch_hash(const struct pouch_crypto *c, enum pouch_hash h,
    const uint8_t *in, size_t inlen, uint8_t *out)
{
	struct pouch_part part;

	part.p = in;
	part.n = inlen;
	return pouch_hash_parts(c, h, &part, 1, out);
}

int
pouch_hash_parts(const struct pouch_crypto *c, enum pouch_hash h,
    const struct pouch_part *parts, size_t nparts, uint8_t *out)
{
	const EVP_MD *md;
	EVP_MD_CTX *m;
	size_t i;
	int rc = POUCH_E_CRYPTO;

	if (c == NULL || out == NULL || (parts == NULL && nparts != 0))
		return POUCH_E_MISUSE;
	for (i = 0; i < nparts; i++)
		if (parts[i].p == NULL && parts[i].n != 0)
			return POUCH_E_MISUSE;
	if ((md = pouch_crypto_md(c, h)) == NULL)
		return POUCH_E_UNSUPPORTED;
	if ((m = EVP_MD_CTX_new()) == NULL)
		return pouch_crypto_fail(POUCH_E_NOMEM);
	if (EVP_DigestInit_ex(m, md, NULL) != 1)
		goto out;
	for (i = 0; i < nparts; i++)
		if (parts[i].n > 0 &&
		    EVP_DigestUpdate(m, parts[i].p, parts[i].n) != 1)
			goto out;
	if (EVP_DigestFinal_ex(m, out, NULL) != 1)
		goto out;
	rc = POUCH_OK;
out:
	EVP_MD_CTX_free(m);
	return rc == POUCH_OK ? rc : pouch_crypto_fail(rc);
}

/* FIPS 202 SHAKE128/256, one-shot (OpenSSL 3.0 finalises an XOF once). */
int
pouch_xof(const struct pouch_crypto *c, enum pouch_xof x, const uint8_t *in,
    size_t inlen, uint8_t *out, size_t outlen)
{
	static const uint8_t empty[1];
	EVP_MD_CTX *m = NULL;
	int i = (int)x - 1, rc = POUCH_E_CRYPTO;

	if (c == NULL || (out == NULL && outlen != 0) ||
	    (in == NULL && inlen != 0))
		return POUCH_E_MISUSE;
	if (i < 0 || i >= CRYPTO_XOF_COUNT)
		return POUCH_E_UNSUPPORTED;
	if (outlen == 0)
		return POUCH_OK;
	if ((m = EVP_MD_CTX_new()) == NULL)
		return pouch_crypto_fail(POUCH_E_NOMEM);
	if (!EVP_DigestInit_ex2(m, c->xof[i], NULL) ||
	    !EVP_DigestUpdate(m, inlen == 0 ? empty : in, inlen) ||
	    !EVP_DigestFinalXOF(m, out, outlen)) {
		OPENSSL_cleanse(out, outlen);
		rc = pouch_crypto_fail(POUCH_E_CRYPTO);
		goto out;
	}
	rc = POUCH_OK;
out:
	EVP_MD_CTX_free(m);
	return rc;
}

/* A fresh HMAC context for h keyed with key (keylen may be 0). */
static int
hmac_start(const struct pouch_crypto *c, enum pouch_hash h,
    const uint8_t *key, size_t keylen, EVP_MAC_CTX **out)
{
	static const uint8_t empty[1];
	EVP_MAC_CTX *m;
	int i = (int)h - 1;

	*out = NULL;
	if (i < 0 || i >= CRYPTO_HASH_COUNT)
		return POUCH_E_UNSUPPORTED;
	if ((m = EVP_MAC_CTX_dup(c->hmac[i])) == NULL)
		return pouch_crypto_fail(POUCH_E_NOMEM);
	/* An empty key is HashLen zeros after padding (RFC 2104 2). */
	if (!EVP_MAC_init(m, keylen == 0 ? empty : key, keylen, NULL)) {
		EVP_MAC_CTX_free(m);
		return pouch_crypto_fail(POUCH_E_CRYPTO);
	}
	*out = m;
	return POUCH_OK;
}

int
pouch_hmac(const struct pouch_crypto *c, enum pouch_hash h,
    const uint8_t *key, size_t keylen, const uint8_t *in, size_t inlen,
    uint8_t *out)
{
	EVP_MAC_CTX *m = NULL;
	uint8_t mac[POUCH_HASH_MAX];
	size_t n, hlen;
	int rc;

	if (c == NULL || out == NULL || (key == NULL && keylen != 0) ||
	    (in == NULL && inlen != 0))
		return POUCH_E_MISUSE;
	if ((hlen = pouch_hash_len(h)) == 0)
		return POUCH_E_UNSUPPORTED;
	if ((rc = hmac_start(c, h, key, keylen, &m)) != POUCH_OK)
		goto out;
	rc = POUCH_E_CRYPTO;
	if (inlen != 0 && !EVP_MAC_update(m, in, inlen))
		goto out;
	if (!EVP_MAC_final(m, mac, &n, sizeof(mac)) || n != hlen)
		goto out;
	/* Through a local, so that out may alias key or in. */
	memcpy(out, mac, hlen);
	rc = POUCH_OK;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	EVP_MAC_CTX_free(m);
	return rc == POUCH_OK ? rc : pouch_crypto_fail(rc);
}

/* RFC 5869 2.2: PRK = HMAC-Hash(salt, IKM); no salt is HashLen zeros. */
int
pouch_hkdf_extract(const struct pouch_crypto *c, enum pouch_hash h,
    const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
    size_t ikmlen, uint8_t *prk)
{
	return pouch_hmac(c, h, salt, saltlen, ikm, ikmlen, prk);
}

/*
 * RFC 5869 2.3: T(0) = empty, T(i) = HMAC-Hash(PRK, T(i-1) | info | i),
 * OKM = the first L octets of T(1) | T(2) | ...  out may alias prk (the
 * key is consumed first) but not info.  On failure out is zeroed.
 */
int
pouch_hkdf_expand(const struct pouch_crypto *c, enum pouch_hash h,
    const uint8_t *prk, size_t prklen, const uint8_t *info,
    size_t infolen, uint8_t *out, size_t len)
{
	EVP_MAC_CTX *m = NULL;
	uint8_t t[POUCH_HASH_MAX];
	uint8_t ctr;
	size_t hlen, off, n, tlen;
	int rc;

	if (c == NULL || (prk == NULL && prklen != 0) ||
	    (info == NULL && infolen != 0) || (out == NULL && len != 0))
		return POUCH_E_MISUSE;
	if ((hlen = pouch_hash_len(h)) == 0)
		return POUCH_E_UNSUPPORTED;
	if (len > 255 * hlen)
		return POUCH_E_MISUSE;
	if (len == 0)
		return POUCH_OK;
	if ((rc = hmac_start(c, h, prk, prklen, &m)) != POUCH_OK)
		goto out;
	rc = POUCH_E_CRYPTO;
	tlen = 0;
	for (off = 0, ctr = 1; off < len; off += n, ctr++) {
		/* A NULL key re-initialises with the key already set. */
		if (ctr > 1 && !EVP_MAC_init(m, NULL, 0, NULL))
			goto out;
		if (tlen != 0 && !EVP_MAC_update(m, t, tlen))
			goto out;
		if (infolen != 0 && !EVP_MAC_update(m, info, infolen))
			goto out;
		if (!EVP_MAC_update(m, &ctr, 1))
			goto out;
		if (!EVP_MAC_final(m, t, &tlen, sizeof(t)) || tlen != hlen)
			goto out;
		n = len - off < hlen ? len - off : hlen;
		memcpy(out + off, t, n);
	}
	rc = POUCH_OK;
out:
	OPENSSL_cleanse(t, sizeof(t));
	EVP_MAC_CTX_free(m);
	if (rc != POUCH_OK) {
		OPENSSL_cleanse(out, len);
		return pouch_crypto_fail(rc);
	}
	return POUCH_OK;
}
