/*
 * xwing.c - X-Wing (draft-connolly-cfrg-xwing-kem): expandDecapsulationKey,
 * GenerateKeyPair(Derand), Encapsulate(Derand), Decapsulate and the
 * combiner, over ML-KEM-768 (kem.c) and the provider's X25519.  The
 * typed functions and the (pointer, length) ones share one static
 * implementation per operation, whose arrays are [static N].
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mlkem/xwing.h"

#define XWING_EXPANDED_BYTES	96	/* d || z || sk_X */
#define XWING_PK_X_OFF		MLKEM768_EK_BYTES
#define XWING_CT_X_OFF		MLKEM768_CT_BYTES
#define XWING_DK_EK_OFF		(3 * MLKEM_POLY_BYTES)	/* after dk_PKE */

/* XWingLabel = "\./" || "/^\" (5c2e2f2f5e5c), the draft's "Combiner". */
static const uint8_t xwing_label[6] = { 0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c };

/* expandDecapsulationKey(sk): everything but sk_M is 32 bytes. */
struct xwing_keys {
	struct pouch_mlkem768_ek	pk_m;
	struct pouch_mlkem768_dk	sk_m;
	uint8_t				sk_x[XWING_X25519_BYTES];
	uint8_t				pk_x[XWING_X25519_BYTES];
};

/*
 * X25519(k, u) as RFC 7748 defines it.  The provider refuses an all-zero
 * output (RFC 9180 7.1.4, for DHKEM); the draft does not, so that output
 * is given back as the zero string it is.  It is zero exactly when u has
 * small order (k is clamped to a multiple of 8), a fact about the public
 * u: hence the declassification for ctgrind.
 */
static int
x25519(const struct pouch_crypto *c, const uint8_t k[static 32],
    const uint8_t u[static 32], uint8_t out[static 32])
{
	int rc;

	rc = pouch_dh(c, POUCH_DH_X25519, POUCH_IMPL_DEFAULT, k, u,
	    XWING_X25519_BYTES, out);
	POUCH_CT_DECLASSIFY(&rc, sizeof(rc));
	if (rc == POUCH_E_ZERO_SHARED) {
		memset(out, 0, XWING_X25519_BYTES);
		rc = POUCH_OK;
	}
	return rc;
}

/*
 * def expandDecapsulationKey(sk):
 *   expanded = SHAKE256(sk, 96*8)
 *   (pk_M, sk_M) = ML-KEM-768.KeyGen_internal(expanded[0:32],
 *       expanded[32:64])
 *   sk_X = expanded[64:96]
 *   pk_X = X25519(sk_X, X25519_BASE)
 */
static int
expand(const struct pouch_crypto *c, const struct pouch_mlkem_ctx *m,
    EVP_MD_CTX *mdc, const uint8_t sk[static XWING_SK_BYTES],
    struct xwing_keys *k)
{
	uint8_t expanded[XWING_EXPANDED_BYTES];
	int rc;

	if ((rc = pouch_mlkem_digest(mdc, m->shake256, sk, XWING_SK_BYTES,
	    NULL, 0, expanded, sizeof(expanded))) != POUCH_OK)
		goto out;
	if ((rc = pouch_mlkem768_keygen_seed(m, expanded, &k->pk_m,
	    &k->sk_m)) != POUCH_OK)
		goto out;
	/* ek_M, and ek_M || H(ek_M) inside dk_M, are public (pk has them). */
	POUCH_CT_DECLASSIFY(k->pk_m.b, sizeof(k->pk_m.b));
	POUCH_CT_DECLASSIFY(k->sk_m.b + XWING_DK_EK_OFF,
	    MLKEM768_EK_BYTES + MLKEM_SYM_BYTES);
	memcpy(k->sk_x, expanded + MLKEM_SEED_BYTES, XWING_X25519_BYTES);
	if ((rc = pouch_dh_pub_from_priv(c, POUCH_DH_X25519,
	    POUCH_IMPL_DEFAULT, k->sk_x, k->pk_x)) != POUCH_OK)
		goto out;
	POUCH_CT_DECLASSIFY(k->pk_x, sizeof(k->pk_x));
out:
	OPENSSL_cleanse(expanded, sizeof(expanded));
	return rc;
}

/* Combiner: SHA3-256(ss_M || ss_X || ct_X || pk_X || XWingLabel). */
static int
combiner(const struct pouch_mlkem_ctx *m, EVP_MD_CTX *mdc,
    const uint8_t ss_m[static MLKEM_SS_BYTES],
    const uint8_t ss_x[static XWING_X25519_BYTES],
    const uint8_t ct_x[static XWING_X25519_BYTES],
    const uint8_t pk_x[static XWING_X25519_BYTES],
    uint8_t ss[static XWING_SS_BYTES])
{
	uint8_t in[MLKEM_SS_BYTES + 3 * XWING_X25519_BYTES +
	    sizeof(xwing_label)];
	uint8_t *p = in;
	int rc;

	memcpy(p, ss_m, MLKEM_SS_BYTES);
	p += MLKEM_SS_BYTES;
	memcpy(p, ss_x, XWING_X25519_BYTES);
	p += XWING_X25519_BYTES;
	memcpy(p, ct_x, XWING_X25519_BYTES);
	p += XWING_X25519_BYTES;
	memcpy(p, pk_x, XWING_X25519_BYTES);
	p += XWING_X25519_BYTES;
	memcpy(p, xwing_label, sizeof(xwing_label));
	rc = pouch_mlkem_digest(mdc, m->sha3_256, in, sizeof(in), NULL, 0, ss,
	    XWING_SS_BYTES);
	OPENSSL_cleanse(in, sizeof(in));
	return rc;
}

/*
 * GenerateKeyPairDerand(sk): pk = concat(pk_M, pk_X), from the expanded
 * seed as expandDecapsulationKey has it, but without sk_M: only ek_M is
 * computed (no H(ek_M), no dk_PKE or dk_M to fill and wipe), the same
 * bytes.
 */
static int
keygen_derand(const struct pouch_crypto *c, const struct pouch_mlkem_ctx *m,
    const uint8_t sk[static XWING_SK_BYTES],
    uint8_t pk[static XWING_PK_BYTES])
{
	const struct pouch_mlkem_params *prm =
	    pouch_mlkem_params_get(POUCH_MLKEM768);
	uint8_t expanded[XWING_EXPANDED_BYTES];
	EVP_MD_CTX *mdc;
	int rc;

	if ((mdc = EVP_MD_CTX_new()) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	if ((rc = pouch_mlkem_digest(mdc, m->shake256, sk, XWING_SK_BYTES,
	    NULL, 0, expanded, sizeof(expanded))) != POUCH_OK)
		goto out;
	/* ek_M straight into pk (pouch_mlkem768_ek_from_seed's work). */
	if ((rc = pouch_mlkem_kpke_keygen(m, mdc, prm, expanded, pk, NULL)) !=
	    POUCH_OK)
		goto out;
	POUCH_CT_DECLASSIFY(pk, MLKEM768_EK_BYTES);
	if ((rc = pouch_dh_pub_from_priv(c, POUCH_DH_X25519,
	    POUCH_IMPL_DEFAULT, expanded + MLKEM_SEED_BYTES,
	    pk + XWING_PK_X_OFF)) != POUCH_OK)
		goto out;
	POUCH_CT_DECLASSIFY(pk + XWING_PK_X_OFF, XWING_X25519_BYTES);
out:
	if (rc != POUCH_OK)
		OPENSSL_cleanse(pk, XWING_PK_BYTES);
	OPENSSL_cleanse(expanded, sizeof(expanded));
	EVP_MD_CTX_free(mdc);
	return rc;
}

/*
 * def EncapsulateDerand(pk, eseed):
 *   pk_M = pk[0:1184]; pk_X = pk[1184:1216]
 *   ek_X = eseed[32:64]
 *   ct_X = X25519(ek_X, X25519_BASE); ss_X = X25519(ek_X, pk_X)
 *   (ss_M, ct_M) = ML-KEM-768.EncapsDerand(pk_M, eseed[0:32])
 *   ss = Combiner(ss_M, ss_X, ct_X, pk_X); ct = concat(ct_M, ct_X)
 * ML-KEM first, so that a key failing the 7.2 check stops at once.
 */
static int
encaps_derand(const struct pouch_crypto *c, const struct pouch_mlkem_ctx *m,
    const uint8_t pk[static XWING_PK_BYTES],
    const uint8_t eseed[static XWING_ESEED_BYTES],
    uint8_t ct[static XWING_CT_BYTES], uint8_t ss[static XWING_SS_BYTES])
{
	const uint8_t *pk_x = pk + XWING_PK_X_OFF;
	const uint8_t *ek_x = eseed + MLKEM_SYM_BYTES;
	uint8_t *ct_x = ct + XWING_CT_X_OFF;
	uint8_t ss_m[MLKEM_SS_BYTES], ss_x[XWING_X25519_BYTES];
	EVP_MD_CTX *mdc;
	int rc;

	if ((mdc = EVP_MD_CTX_new()) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	if ((rc = pouch_mlkem_encaps_internal(m, POUCH_MLKEM768, pk,
	    MLKEM768_EK_BYTES, eseed, ct, MLKEM768_CT_BYTES, ss_m)) !=
	    POUCH_OK)
		goto out;
	if ((rc = pouch_dh_pub_from_priv(c, POUCH_DH_X25519,
	    POUCH_IMPL_DEFAULT, ek_x, ct_x)) != POUCH_OK)
		goto out;
	if ((rc = x25519(c, ek_x, pk_x, ss_x)) != POUCH_OK)
		goto out;
	rc = combiner(m, mdc, ss_m, ss_x, ct_x, pk_x, ss);
out:
	if (rc != POUCH_OK) {
		OPENSSL_cleanse(ct, XWING_CT_BYTES);
		OPENSSL_cleanse(ss, XWING_SS_BYTES);
	}
	OPENSSL_cleanse(ss_m, sizeof(ss_m));
	OPENSSL_cleanse(ss_x, sizeof(ss_x));
	EVP_MD_CTX_free(mdc);
	return rc;
}

/* Encapsulate(pk) = EncapsulateDerand(pk, random(64)). */
static int
encaps_random(const struct pouch_crypto *c, const struct pouch_mlkem_ctx *m,
    const uint8_t pk[static XWING_PK_BYTES],
    uint8_t ct[static XWING_CT_BYTES], uint8_t ss[static XWING_SS_BYTES])
{
	uint8_t eseed[XWING_ESEED_BYTES];
	int rc;

	if ((rc = pouch_random(eseed, sizeof(eseed))) != POUCH_OK) {
		OPENSSL_cleanse(ct, XWING_CT_BYTES);
		OPENSSL_cleanse(ss, XWING_SS_BYTES);
		goto out;
	}
	rc = encaps_derand(c, m, pk, eseed, ct, ss);
out:
	OPENSSL_cleanse(eseed, sizeof(eseed));
	return rc;
}

/*
 * def Decapsulate(ct, sk):
 *   (sk_M, sk_X, pk_M, pk_X) = expandDecapsulationKey(sk)
 *   ct_M = ct[0:1088]; ct_X = ct[1088:1120]
 *   ss_M = ML-KEM-768.Decapsulate(ct_M, sk_M)
 *   ss_X = X25519(sk_X, ct_X)
 *   return Combiner(ss_M, ss_X, ct_X, pk_X)
 */
static int
decaps(const struct pouch_crypto *c, const struct pouch_mlkem_ctx *m,
    const uint8_t sk[static XWING_SK_BYTES],
    const uint8_t ct[static XWING_CT_BYTES],
    uint8_t ss[static XWING_SS_BYTES])
{
	const uint8_t *ct_x = ct + XWING_CT_X_OFF;
	struct xwing_keys k;
	struct pouch_mlkem768_ct ct_m;
	uint8_t ss_m[MLKEM_SS_BYTES], ss_x[XWING_X25519_BYTES];
	EVP_MD_CTX *mdc;
	int rc;

	memcpy(ct_m.b, ct, MLKEM768_CT_BYTES);
	if ((mdc = EVP_MD_CTX_new()) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	if ((rc = expand(c, m, mdc, sk, &k)) != POUCH_OK)
		goto out;
	/* sk_M was expanded just now: no hash check to repeat. */
	if ((rc = pouch_mlkem768_decaps_own(m, &k.sk_m, &ct_m, ss_m)) !=
	    POUCH_OK)
		goto out;
	if ((rc = x25519(c, k.sk_x, ct_x, ss_x)) != POUCH_OK)
		goto out;
	rc = combiner(m, mdc, ss_m, ss_x, ct_x, k.pk_x, ss);
out:
	if (rc != POUCH_OK)
		OPENSSL_cleanse(ss, XWING_SS_BYTES);
	OPENSSL_cleanse(&k, sizeof(k));
	OPENSSL_cleanse(ss_m, sizeof(ss_m));
	OPENSSL_cleanse(ss_x, sizeof(ss_x));
	EVP_MD_CTX_free(mdc);
	return rc;
}

/* ---- typed API ----------------------------------------------------- */

int
pouch_xwing_keygen_derand(const struct pouch_crypto *c,
    const struct pouch_mlkem_ctx *m, const struct pouch_xwing_sk *sk,
    struct pouch_xwing_pk *pk)
{
	if (pk == NULL)
		return POUCH_E_MISUSE;
	if (c == NULL || m == NULL || sk == NULL) {
		OPENSSL_cleanse(pk, sizeof(*pk));
		return POUCH_E_MISUSE;
	}
	return keygen_derand(c, m, sk->b, pk->b);
}

int
pouch_xwing_keygen(const struct pouch_crypto *c,
    const struct pouch_mlkem_ctx *m, struct pouch_xwing_sk *sk,
    struct pouch_xwing_pk *pk)
{
	int rc;

	if (sk == NULL || pk == NULL)
		return POUCH_E_MISUSE;
	OPENSSL_cleanse(pk, sizeof(*pk));
	if (c == NULL || m == NULL) {
		rc = POUCH_E_MISUSE;
		goto out;
	}
	if ((rc = pouch_random(sk->b, sizeof(sk->b))) != POUCH_OK)
		goto out;
	rc = keygen_derand(c, m, sk->b, pk->b);
out:
	if (rc != POUCH_OK)
		OPENSSL_cleanse(sk, sizeof(*sk));
	return rc;
}

int
pouch_xwing_encaps_derand(const struct pouch_crypto *c,
    const struct pouch_mlkem_ctx *m, const struct pouch_xwing_pk *pk,
    const uint8_t eseed[static XWING_ESEED_BYTES],
    struct pouch_xwing_ct *ct, uint8_t ss[static XWING_SS_BYTES])
{
	OPENSSL_cleanse(ss, XWING_SS_BYTES);
	if (ct == NULL)
		return POUCH_E_MISUSE;
	if (c == NULL || m == NULL || pk == NULL) {
		OPENSSL_cleanse(ct, sizeof(*ct));
		return POUCH_E_MISUSE;
	}
	return encaps_derand(c, m, pk->b, eseed, ct->b, ss);
}

int
pouch_xwing_encaps(const struct pouch_crypto *c,
    const struct pouch_mlkem_ctx *m, const struct pouch_xwing_pk *pk,
    struct pouch_xwing_ct *ct, uint8_t ss[static XWING_SS_BYTES])
{
	OPENSSL_cleanse(ss, XWING_SS_BYTES);
	if (ct == NULL)
		return POUCH_E_MISUSE;
	if (c == NULL || m == NULL || pk == NULL) {
		OPENSSL_cleanse(ct, sizeof(*ct));
		return POUCH_E_MISUSE;
	}
	return encaps_random(c, m, pk->b, ct->b, ss);
}

int
pouch_xwing_decaps(const struct pouch_crypto *c,
    const struct pouch_mlkem_ctx *m, const struct pouch_xwing_sk *sk,
    const struct pouch_xwing_ct *ct, uint8_t ss[static XWING_SS_BYTES])
{
	OPENSSL_cleanse(ss, XWING_SS_BYTES);
	if (c == NULL || m == NULL || sk == NULL || ct == NULL)
		return POUCH_E_MISUSE;
	return decaps(c, m, sk->b, ct->b, ss);
}

/* ---- (pointer, length) API ----------------------------------------- */

int
pouch_xwing_keygen_derand_bytes(const struct pouch_crypto *c,
    const struct pouch_mlkem_ctx *m, const uint8_t *sk, size_t sklen,
    uint8_t *pk, size_t pklen)
{
	if (pk == NULL || pklen != XWING_PK_BYTES)
		return POUCH_E_MISUSE;
	OPENSSL_cleanse(pk, pklen);
	if (c == NULL || m == NULL || sk == NULL)
		return POUCH_E_MISUSE;
	if (sklen != XWING_SK_BYTES)
		return POUCH_E_BAD_KEY;
	return keygen_derand(c, m, sk, pk);
}

int
pouch_xwing_encaps_bytes(const struct pouch_crypto *c,
    const struct pouch_mlkem_ctx *m, const uint8_t *pk, size_t pklen,
    const uint8_t *eseed, size_t eseedlen, uint8_t *ct, size_t ctlen,
    uint8_t ss[static XWING_SS_BYTES])
{
	OPENSSL_cleanse(ss, XWING_SS_BYTES);
	if (ct == NULL || ctlen != XWING_CT_BYTES)
		return POUCH_E_MISUSE;
	OPENSSL_cleanse(ct, ctlen);
	if (c == NULL || m == NULL || pk == NULL ||
	    (eseed == NULL && eseedlen != 0) ||
	    (eseed != NULL && eseedlen != XWING_ESEED_BYTES))
		return POUCH_E_MISUSE;
	if (pklen != XWING_PK_BYTES)
		return POUCH_E_BAD_KEY;
	if (eseed == NULL)
		return encaps_random(c, m, pk, ct, ss);
	return encaps_derand(c, m, pk, eseed, ct, ss);
}

int
pouch_xwing_decaps_bytes(const struct pouch_crypto *c,
    const struct pouch_mlkem_ctx *m, const uint8_t *sk, size_t sklen,
    const uint8_t *ct, size_t ctlen, uint8_t ss[static XWING_SS_BYTES])
{
	OPENSSL_cleanse(ss, XWING_SS_BYTES);
	if (c == NULL || m == NULL || sk == NULL || ct == NULL)
		return POUCH_E_MISUSE;
	if (sklen != XWING_SK_BYTES)
		return POUCH_E_BAD_KEY;
	if (ctlen != XWING_CT_BYTES)
		return POUCH_E_MALFORMED;
	return decaps(c, m, sk, ct, ss);
}
