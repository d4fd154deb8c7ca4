/*
 * hash.c - the ML-KEM context and its hash functions (FIPS 203 4.1):
 * H = SHA3-256, G = SHA3-512, J = SHAKE256 to 32 bytes, PRF_eta =
 * SHAKE256 to 64 eta bytes, XOF = SHAKE128.  The EVP_MD objects are
 * fetched by pouch_mlkem_ctx_new, or lent by the crypto provider, which
 * fetched them once (pouch_mlkem_ctx_new_from), never per hash.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "mlkem/mlkem.h"

int
pouch_mlkem_ctx_new(struct pouch_mlkem_ctx **out)
{
	struct pouch_mlkem_ctx *c;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if ((c = OPENSSL_zalloc(sizeof(*c))) == NULL)
		return POUCH_E_NOMEM;
	c->sha3_256 = EVP_MD_fetch(NULL, "SHA3-256", NULL);
	c->sha3_512 = EVP_MD_fetch(NULL, "SHA3-512", NULL);
	c->shake128 = EVP_MD_fetch(NULL, "SHAKE128", NULL);
	c->shake256 = EVP_MD_fetch(NULL, "SHAKE256", NULL);
	if (c->sha3_256 == NULL || c->sha3_512 == NULL ||
	    c->shake128 == NULL || c->shake256 == NULL) {
		pouch_mlkem_ctx_free(c);
		return POUCH_E_CRYPTO;
	}
	c->xof_first = MLKEM_XOF_FIRST_BYTES;
	pouch_mlkem_ctx_set_simd(c, 1);
	*out = c;
	return POUCH_OK;
}

int
pouch_mlkem_ctx_new_from(const struct pouch_crypto *crypto,
    struct pouch_mlkem_ctx **out)
{
	struct pouch_mlkem_ctx *c;
	EVP_MD *md[4];
	int rc;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (crypto == NULL)
		return POUCH_E_MISUSE;
	if ((c = OPENSSL_zalloc(sizeof(*c))) == NULL)
		return POUCH_E_NOMEM;
	if ((rc = pouch_crypto_keccak_mds(crypto, md)) != POUCH_OK) {
		OPENSSL_free(c);
		return rc;
	}
	c->lent = 1;
	c->sha3_256 = md[0];
	c->sha3_512 = md[1];
	c->shake128 = md[2];
	c->shake256 = md[3];
	c->xof_first = MLKEM_XOF_FIRST_BYTES;
	pouch_mlkem_ctx_set_simd(c, 1);
	*out = c;
	return POUCH_OK;
}

void
pouch_mlkem_ctx_free(struct pouch_mlkem_ctx *c)
{
	if (c == NULL)
		return;
	if (!c->lent) {
		EVP_MD_free(c->sha3_256);
		EVP_MD_free(c->sha3_512);
		EVP_MD_free(c->shake128);
		EVP_MD_free(c->shake256);
	}
	OPENSSL_free(c);
}

void
pouch_mlkem_ctx_set_xof_first(struct pouch_mlkem_ctx *c, size_t n)
{
	size_t m = 3;

	if (c == NULL)
		return;
	/* The largest multiple of 3 up to n (no division: check-nodiv). */
	while (m + 3 <= n && m + 3 <= MLKEM_XOF_FIRST_BYTES)
		m += 3;
	c->xof_first = m;
	c->simd = 0;
}

void
pouch_mlkem_ctx_set_simd(struct pouch_mlkem_ctx *c, int on)
{
	if (c == NULL)
		return;
	c->simd = 0;
#ifdef POUCH_MLKEM_AVX2
	if (on && pouch_mlkem_avx2_usable())
		c->simd = 1;
#else
	(void)on;
#endif
}

int
pouch_mlkem_digest(EVP_MD_CTX *mdc, const EVP_MD *md, const uint8_t *a,
    size_t alen, const uint8_t *b, size_t blen, uint8_t *out, size_t outlen)
{
	unsigned int n;

	if (EVP_DigestInit_ex(mdc, md, NULL) != 1 ||
	    EVP_DigestUpdate(mdc, a, alen) != 1)
		return POUCH_E_CRYPTO;
	if (blen > 0 && EVP_DigestUpdate(mdc, b, blen) != 1)
		return POUCH_E_CRYPTO;
	if ((EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) != 0) {
		/* OpenSSL 3.0 finalises an XOF once: all of it, here. */
		if (EVP_DigestFinalXOF(mdc, out, outlen) != 1)
			return POUCH_E_CRYPTO;
		return POUCH_OK;
	}
	if ((size_t)EVP_MD_get_size(md) != outlen ||
	    EVP_DigestFinal_ex(mdc, out, &n) != 1 || n != outlen)
		return POUCH_E_CRYPTO;
	return POUCH_OK;
}
