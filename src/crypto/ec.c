/*
 * ec.c - keys on the NIST curves P-256, P-384 and P-521, shared by DH and
 * ECDSA: the private key is a big-endian scalar of fixed length that must
 * lie in [1, n-1], the public key an uncompressed SEC1 point.  This file
 * turns those encodings into OpenSSL key objects (OSSL_PARAM_BLD and
 * EVP_PKEY_fromdata) and computes public points on the provider's cached
 * groups.  Scalars live in secure, constant-time BIGNUMs.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "crypto/internal.h"

#define EC_KEYGEN_TRIES	64

static const struct pouch_ec_info ec_infos[POUCH_EC_COUNT] = {
	{ "P-256", NID_X9_62_prime256v1, 32, 65, 0xff },
	{ "P-384", NID_secp384r1, 48, 97, 0xff },
	{ "P-521", NID_secp521r1, 66, 133, 0x01 },
};

const struct pouch_ec_info *
pouch_ec_info(enum pouch_ec_curve e)
{
	return &ec_infos[e];
}

/*
 * priv as a BIGNUM; POUCH_E_BAD_KEY unless 0 < k < n.  Whether a scalar
 * is in range is public (RFC 9180 7.1.3 rejection-samples on it), so the
 * comparison need not be constant time; the scalar is used only so.
 */
static int
scalar_get(const struct pouch_crypto *c, enum pouch_ec_curve e,
    const uint8_t *priv, BIGNUM **out)
{
	BIGNUM *k;

	*out = NULL;
	if ((k = BN_secure_new()) == NULL)
		return POUCH_E_NOMEM;
	BN_set_flags(k, BN_FLG_CONSTTIME);
	if (BN_bin2bn(priv, (int)ec_infos[e].scalar_len, k) == NULL) {
		BN_clear_free(k);
		return POUCH_E_CRYPTO;
	}
	if (BN_is_zero(k) || BN_cmp(k, EC_GROUP_get0_order(c->ec[e])) >= 0) {
		BN_clear_free(k);
		return POUCH_E_BAD_KEY;
	}
	*out = k;
	return POUCH_OK;
}

int
pouch_ec_pub_from_priv(const struct pouch_crypto *c, enum pouch_ec_curve e,
    const uint8_t *priv, uint8_t *pub)
{
	const struct pouch_ec_info *ei = &ec_infos[e];
	BIGNUM *k = NULL;
	BN_CTX *bnctx = NULL;
	EC_POINT *p = NULL;
	int rc;

	if ((rc = scalar_get(c, e, priv, &k)) != POUCH_OK)
		goto out;
	rc = POUCH_E_NOMEM;
	if ((bnctx = BN_CTX_secure_new()) == NULL ||
	    (p = EC_POINT_new(c->ec[e])) == NULL)
		goto out;
	rc = POUCH_E_CRYPTO;
	if (!EC_POINT_mul(c->ec[e], p, k, NULL, NULL, bnctx))
		goto out;
	if (EC_POINT_point2oct(c->ec[e], p, POINT_CONVERSION_UNCOMPRESSED,
	    pub, ei->point_len, bnctx) != ei->point_len)
		goto out;
	rc = POUCH_OK;
out:
	EC_POINT_clear_free(p);
	BN_CTX_free(bnctx);
	BN_clear_free(k);
	return rc == POUCH_OK ? rc : pouch_crypto_fail(rc);
}

/* Uncompressed form only, coordinates below p, on the curve. */
int
pouch_ec_pub_check(const struct pouch_crypto *c, enum pouch_ec_curve e,
    const uint8_t *pub, size_t publen)
{
	EC_POINT *p;
	int rc = POUCH_E_BAD_KEY;

	if (publen != ec_infos[e].point_len || pub[0] != 0x04)
		return POUCH_E_BAD_KEY;
	if ((p = EC_POINT_new(c->ec[e])) == NULL)
		return pouch_crypto_fail(POUCH_E_NOMEM);
	/* oct2point rejects x or y >= p and points off the curve. */
	if (EC_POINT_oct2point(c->ec[e], p, pub, publen, NULL) == 1 &&
	    !EC_POINT_is_at_infinity(c->ec[e], p))
		rc = POUCH_OK;
	EC_POINT_free(p);
	return rc == POUCH_OK ? rc : pouch_crypto_fail(rc);
}

/* RFC 9180 7.1.3 style: random scalars, masked, until one is in range. */
int
pouch_ec_keygen(const struct pouch_crypto *c, enum pouch_ec_curve e,
    uint8_t *priv, uint8_t *pub)
{
	const struct pouch_ec_info *ei = &ec_infos[e];
	int i, rc = POUCH_E_CRYPTO;

	for (i = 0; i < EC_KEYGEN_TRIES; i++) {
		if ((rc = pouch_random(priv, ei->scalar_len)) != POUCH_OK)
			break;
		priv[0] &= ei->top_mask;
		rc = pouch_ec_pub_from_priv(c, e, priv, pub);
		if (rc != POUCH_E_BAD_KEY)
			break;
	}
	if (rc == POUCH_E_BAD_KEY)
		rc = POUCH_E_CRYPTO;	/* 64 misses: the RNG is broken */
	if (rc != POUCH_OK)
		OPENSSL_cleanse(priv, ei->scalar_len);
	return rc;
}

static int
pkey_fromdata(OSSL_PARAM_BLD *bld, int selection, EVP_PKEY **out)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int rc = POUCH_E_CRYPTO;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	if ((pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		goto out;
	if (EVP_PKEY_fromdata_init(pctx) != 1)
		goto out;
	if (EVP_PKEY_fromdata(pctx, out, selection, params) != 1) {
		rc = POUCH_E_BAD_KEY;
		goto out;
	}
	rc = POUCH_OK;
out:
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);	/* clears the secure part */
	return rc;
}

/*
 * An EVP_PKEY holding the scalar priv; pub (its point, from
 * pouch_ec_pub_from_priv) may be NULL when only ECDH will use the key.
 */
int
pouch_ec_priv_pkey(const struct pouch_crypto *c, enum pouch_ec_curve e,
    const uint8_t *priv, const uint8_t *pub, EVP_PKEY **out)
{
	const struct pouch_ec_info *ei = &ec_infos[e];
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *k = NULL;
	int rc;

	*out = NULL;
	if ((rc = scalar_get(c, e, priv, &k)) != POUCH_OK)
		goto out;
	rc = POUCH_E_CRYPTO;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		goto out;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    ei->name, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, k))
		goto out;
	if (pub != NULL && !OSSL_PARAM_BLD_push_octet_string(bld,
	    OSSL_PKEY_PARAM_PUB_KEY, pub, ei->point_len))
		goto out;
	rc = pkey_fromdata(bld, EVP_PKEY_KEYPAIR, out);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(k);
	return rc == POUCH_OK ? rc : pouch_crypto_fail(rc);
}

int
pouch_ec_pub_pkey(const struct pouch_crypto *c, enum pouch_ec_curve e,
    const uint8_t *pub, size_t publen, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = NULL;
	int rc;

	*out = NULL;
	if ((rc = pouch_ec_pub_check(c, e, pub, publen)) != POUCH_OK)
		return rc;
	rc = POUCH_E_CRYPTO;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		goto out;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    ec_infos[e].name, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, publen))
		goto out;
	rc = pkey_fromdata(bld, EVP_PKEY_PUBLIC_KEY, out);
out:
	OSSL_PARAM_BLD_free(bld);
	return rc == POUCH_OK ? rc : pouch_crypto_fail(rc);
}
