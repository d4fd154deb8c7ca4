/*
 * dh.c - Diffie-Hellman for DHKEM (RFC 9180 4.1, 7.1): X25519 and X448
 * (RFC 7748) and ECDH on P-256, P-384 and P-521.  X25519 is served by
 * libsodium (POUCH_IMPL_DEFAULT, POUCH_IMPL_SODIUM) or OpenSSL
 * (POUCH_IMPL_OPENSSL); everything else by OpenSSL only.  An all-zero
 * X25519/X448 result is refused with POUCH_E_ZERO_SHARED (RFC 9180 7.1.4).
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <sodium.h>

#include "crypto/internal.h"

enum dh_backend {
	DH_SODIUM_X25519,
	DH_OSSL_ECX,		/* X25519 or X448 through EVP */
	DH_OSSL_EC		/* NIST curves through EVP */
};

struct dh_info {
	const char	*ecx_name;	/* EVP key type for X25519 / X448 */
	enum pouch_ec_curve curve;	/* NIST curves */
	size_t		 priv_len, pub_len, shared_len;
};

static const struct dh_info dh_infos[] = {
	[POUCH_DH_P256] = { NULL, POUCH_EC_P256, 32, 65, 32 },
	[POUCH_DH_P384] = { NULL, POUCH_EC_P384, 48, 97, 48 },
	[POUCH_DH_P521] = { NULL, POUCH_EC_P521, 66, 133, 66 },
	[POUCH_DH_X25519] = { "X25519", POUCH_EC_COUNT, 32, 32, 32 },
	[POUCH_DH_X448] = { "X448", POUCH_EC_COUNT, 56, 56, 56 },
};

static const struct dh_info *
dh_info(enum pouch_dh d)
{
	int i = (int)d;

	if (i < (int)POUCH_DH_P256 || i > (int)POUCH_DH_X448)
		return NULL;
	return &dh_infos[i];
}

size_t
pouch_dh_priv_len(enum pouch_dh d)
{
	const struct dh_info *di = dh_info(d);

	return di == NULL ? 0 : di->priv_len;
}

size_t
pouch_dh_pub_len(enum pouch_dh d)
{
	const struct dh_info *di = dh_info(d);

	return di == NULL ? 0 : di->pub_len;
}

size_t
pouch_dh_shared_len(enum pouch_dh d)
{
	const struct dh_info *di = dh_info(d);

	return di == NULL ? 0 : di->shared_len;
}

/* Which code serves (d, impl); the error for a bad combination. */
static int
dh_backend(enum pouch_dh d, enum pouch_impl impl, enum dh_backend *out)
{
	if (impl != POUCH_IMPL_DEFAULT && impl != POUCH_IMPL_OPENSSL &&
	    impl != POUCH_IMPL_SODIUM)
		return POUCH_E_MISUSE;
	if (dh_info(d) == NULL)
		return POUCH_E_UNSUPPORTED;
	if (d == POUCH_DH_X25519) {
		*out = impl == POUCH_IMPL_OPENSSL ? DH_OSSL_ECX :
		    DH_SODIUM_X25519;
		return POUCH_OK;
	}
	if (impl == POUCH_IMPL_SODIUM)
		return POUCH_E_UNSUPPORTED;
	*out = d == POUCH_DH_X448 ? DH_OSSL_ECX : DH_OSSL_EC;
	return POUCH_OK;
}

static int
ecx_pub_from_priv(const struct dh_info *di, const uint8_t *priv,
    uint8_t *pub)
{
	EVP_PKEY *pk;
	size_t n = di->pub_len;
	int rc = POUCH_E_CRYPTO;

	pk = EVP_PKEY_new_raw_private_key_ex(NULL, di->ecx_name, NULL, priv,
	    di->priv_len);
	if (pk == NULL)
		return pouch_crypto_fail(POUCH_E_CRYPTO);
	if (EVP_PKEY_get_raw_public_key(pk, pub, &n) == 1 && n == di->pub_len)
		rc = POUCH_OK;
	EVP_PKEY_free(pk);		/* wipes the private key */
	return rc == POUCH_OK ? rc : pouch_crypto_fail(rc);
}

int
pouch_dh_pub_from_priv(const struct pouch_crypto *c, enum pouch_dh d,
    enum pouch_impl impl, const uint8_t *priv, uint8_t *pub)
{
	enum dh_backend b;
	int rc;

	if (c == NULL || priv == NULL || pub == NULL)
		return POUCH_E_MISUSE;
	if ((rc = dh_backend(d, impl, &b)) != POUCH_OK)
		return rc;
	switch (b) {
	case DH_SODIUM_X25519:
		/* Clamps internally; never fails for a clamped scalar. */
		if (crypto_scalarmult_base(pub, priv) != 0)
			return POUCH_E_BAD_KEY;
		return POUCH_OK;
	case DH_OSSL_ECX:
		return ecx_pub_from_priv(dh_info(d), priv, pub);
	case DH_OSSL_EC:
		return pouch_ec_pub_from_priv(c, dh_info(d)->curve, priv, pub);
	}
	return POUCH_E_UNSUPPORTED;
}

int
pouch_dh_keygen(const struct pouch_crypto *c, enum pouch_dh d,
    enum pouch_impl impl, uint8_t *priv, uint8_t *pub)
{
	enum dh_backend b;
	int rc;

	if (c == NULL || priv == NULL || pub == NULL)
		return POUCH_E_MISUSE;
	if ((rc = dh_backend(d, impl, &b)) != POUCH_OK)
		return rc;
	if (b == DH_OSSL_EC)
		return pouch_ec_keygen(c, dh_info(d)->curve, priv, pub);
	/* X25519 / X448: every string of Nsk bytes is a private key. */
	if ((rc = pouch_random(priv, dh_info(d)->priv_len)) != POUCH_OK)
		return rc;
	if ((rc = pouch_dh_pub_from_priv(c, d, impl, priv, pub)) != POUCH_OK)
		OPENSSL_cleanse(priv, dh_info(d)->priv_len);
	return rc;
}

int
pouch_dh_pub_check(const struct pouch_crypto *c, enum pouch_dh d,
    const uint8_t *pub, size_t publen)
{
	const struct dh_info *di;

	if (c == NULL || pub == NULL)
		return POUCH_E_MISUSE;
	if ((di = dh_info(d)) == NULL)
		return POUCH_E_UNSUPPORTED;
	if (di->ecx_name != NULL)
		return publen == di->pub_len ? POUCH_OK : POUCH_E_BAD_KEY;
	return pouch_ec_pub_check(c, di->curve, pub, publen);
}

/* Derive with OpenSSL from a private and a peer key of the same type. */
static int
evp_derive(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t *shared, size_t len,
    int derive_err)
{
	EVP_PKEY_CTX *pctx;
	size_t n = len;
	int rc = POUCH_E_CRYPTO;

	if ((pctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL)) == NULL)
		return POUCH_E_NOMEM;
	if (EVP_PKEY_derive_init(pctx) != 1)
		goto out;
	/* The peer was checked already (cofactor 1: on-curve suffices). */
	if (EVP_PKEY_derive_set_peer_ex(pctx, peer, 0) != 1) {
		rc = POUCH_E_BAD_KEY;
		goto out;
	}
	if (EVP_PKEY_derive(pctx, shared, &n) != 1) {
		rc = derive_err;
		goto out;
	}
	rc = n == len ? POUCH_OK : POUCH_E_CRYPTO;
out:
	EVP_PKEY_CTX_free(pctx);
	return rc;
}

static int
ecx_dh(const struct dh_info *di, const uint8_t *priv, const uint8_t *pub,
    uint8_t *shared)
{
	EVP_PKEY *sk = NULL, *pk = NULL;
	int rc = POUCH_E_CRYPTO;

	sk = EVP_PKEY_new_raw_private_key_ex(NULL, di->ecx_name, NULL, priv,
	    di->priv_len);
	pk = EVP_PKEY_new_raw_public_key_ex(NULL, di->ecx_name, NULL, pub,
	    di->pub_len);
	if (sk == NULL || pk == NULL)
		goto out;
	/*
	 * OpenSSL's X25519/X448 derive fails only on an all-zero result
	 * (a small-order peer point), which is ours to report.
	 */
	rc = evp_derive(sk, pk, shared, di->shared_len, POUCH_E_ZERO_SHARED);
out:
	EVP_PKEY_free(sk);
	EVP_PKEY_free(pk);
	return rc;
}

static int
ec_dh(const struct pouch_crypto *c, const struct dh_info *di,
    const uint8_t *priv, const uint8_t *pub, size_t publen, uint8_t *shared)
{
	EVP_PKEY *sk = NULL, *pk = NULL;
	int rc;

	if ((rc = pouch_ec_pub_pkey(c, di->curve, pub, publen, &pk)) !=
	    POUCH_OK)
		goto out;
	if ((rc = pouch_ec_priv_pkey(c, di->curve, priv, NULL, &sk)) !=
	    POUCH_OK)
		goto out;
	rc = evp_derive(sk, pk, shared, di->shared_len, POUCH_E_CRYPTO);
out:
	EVP_PKEY_free(sk);
	EVP_PKEY_free(pk);
	return rc;
}

int
pouch_dh(const struct pouch_crypto *c, enum pouch_dh d,
    enum pouch_impl impl, const uint8_t *priv, const uint8_t *pub,
    size_t publen, uint8_t *shared)
{
	const struct dh_info *di;
	enum dh_backend b;
	uint8_t z[POUCH_DH_SHARED_MAX];
	int rc;

	if (c == NULL || priv == NULL || pub == NULL || shared == NULL)
		return POUCH_E_MISUSE;
	if ((rc = dh_backend(d, impl, &b)) != POUCH_OK)
		return rc;
	di = dh_info(d);
	if (b != DH_OSSL_EC && publen != di->pub_len)
		return POUCH_E_BAD_KEY;
	rc = POUCH_E_CRYPTO;
	switch (b) {
	case DH_SODIUM_X25519:
		/* -1 exactly when the result is all zero. */
		rc = crypto_scalarmult(z, priv, pub) == 0 ? POUCH_OK :
		    POUCH_E_ZERO_SHARED;
		break;
	case DH_OSSL_ECX:
		rc = ecx_dh(di, priv, pub, z);
		break;
	case DH_OSSL_EC:
		rc = ec_dh(c, di, priv, pub, publen, z);
		break;
	}
	/* RFC 9180 7.1.4, whatever the backend said. */
	if (rc == POUCH_OK && di->ecx_name != NULL &&
	    sodium_is_zero(z, di->shared_len))
		rc = POUCH_E_ZERO_SHARED;
	if (rc == POUCH_OK)
		memcpy(shared, z, di->shared_len);
	OPENSSL_cleanse(z, sizeof(z));
	return rc == POUCH_OK ? rc : pouch_crypto_fail(rc);
}
