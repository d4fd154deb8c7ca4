/*
 * hpke/dhkem.c - DHKEM (RFC 9180 4.1) over the Diffie-Hellman groups of
 * the crypto provider: the five KEM rows P-256, P-384, P-521, X25519 and
 * X448 with their DeriveKeyPair (7.1.3), GenerateKeyPair, Encap/Decap and
 * AuthEncap/AuthDecap.  Keys are in the serialized forms of 7.1.1 and
 * 7.1.2, which are the encodings of src/crypto, so (De)SerializePublicKey
 * is the identity plus validation (7.1.4: pouch_dh_pub_check on every
 * peer key) and an all-zero DH output is refused.  Every private key,
 * DH output and pseudorandom key on the stack is wiped before return.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "hpke/hpke.h"

/* What a DHKEM row needs beyond the generic KEM fields. */
struct dhkem_params {
	enum pouch_dh	 dh;
	uint16_t	 kdf_id;	/* the DHKEM's own KDF (7.1.3) */
	int		 nist;		/* DeriveKeyPair samples candidates */
	uint8_t		 bitmask;	/* 7.1.3: 0xff, 0xff, 0x01 */
};

/* Room for enc || pkRm || pkSm. */
#define KEM_CONTEXT_MAX	(3 * POUCH_DH_PUB_MAX)
/* Room for DH(skE, pkR) || DH(skS, pkR). */
#define DH_MAX		(2 * POUCH_DH_SHARED_MAX)

static const uint8_t empty[1];

static const struct dhkem_params *
params(const struct pouch_hpke_kem *kem)
{
	return kem->params;
}

/* 0 when buf is all zero, -1 otherwise; time depends only on len. */
static int
is_zero_ct(const uint8_t *buf, size_t len)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < len; i++)
		acc |= buf[i];
	return (int)((((unsigned)acc) - 1) >> 8 & 1) - 1;
}

/*
 * RFC 9180 4.1:
 *   eae_prk = LabeledExtract("", "eae_prk", dh)
 *   shared_secret = LabeledExpand(eae_prk, "shared_secret",
 *       kem_context, Nsecret)
 */
static int
extract_and_expand(const struct pouch_crypto *c,
    const struct pouch_hpke_kem *kem, const uint8_t *dh, size_t dhlen,
    const uint8_t *kem_context, size_t kclen, uint8_t *shared)
{
	const struct pouch_hpke_kdf *kdf;
	uint8_t sid[POUCH_HPKE_KEM_SUITE_ID_LEN];
	uint8_t prk[POUCH_HPKE_NH_MAX];
	int rc;

	if ((kdf = pouch_hpke_kdf_get(params(kem)->kdf_id)) == NULL)
		return POUCH_E_UNSUPPORTED;
	pouch_hpke_kem_suite_id(kem, sid);
	if ((rc = pouch_hpke_labeled_extract(c, kdf, sid, sizeof(sid), empty,
	    0, "eae_prk", dh, dhlen, prk)) != POUCH_OK)
		goto out;
	rc = pouch_hpke_labeled_expand(c, kdf, sid, sizeof(sid), prk, kdf->Nh,
	    "shared_secret", kem_context, kclen, shared, kem->Nsecret);
out:
	OPENSSL_cleanse(prk, sizeof(prk));
	return rc;
}

/* RFC 9180 7.1.3 DeriveKeyPair(ikm); sk gets Nsk bytes, pk Npk bytes. */
static int
dhkem_derive_keypair(const struct pouch_crypto *c,
    const struct pouch_hpke_kem *kem, const uint8_t *ikm, size_t ikmlen,
    uint8_t *sk, uint8_t *pk)
{
	const struct dhkem_params *dp;
	const struct pouch_hpke_kdf *kdf;
	uint8_t sid[POUCH_HPKE_KEM_SUITE_ID_LEN];
	uint8_t prk[POUCH_HPKE_NH_MAX];
	uint8_t counter;
	unsigned i;
	int rc;

	if (c == NULL || kem == NULL || sk == NULL || pk == NULL ||
	    (ikm == NULL && ikmlen != 0))
		return POUCH_E_MISUSE;
	dp = params(kem);
	if ((kdf = pouch_hpke_kdf_get(dp->kdf_id)) == NULL)
		return POUCH_E_UNSUPPORTED;
	pouch_hpke_kem_suite_id(kem, sid);
	/* dkp_prk = LabeledExtract("", "dkp_prk", ikm) */
	if ((rc = pouch_hpke_labeled_extract(c, kdf, sid, sizeof(sid), empty,
	    0, "dkp_prk", ikm != NULL ? ikm : empty, ikmlen, prk)) != POUCH_OK)
		goto out;
	if (!dp->nist) {
		/* X25519, X448: sk = LabeledExpand(dkp_prk, "sk", "", Nsk) */
		if ((rc = pouch_hpke_labeled_expand(c, kdf, sid, sizeof(sid),
		    prk, kdf->Nh, "sk", empty, 0, sk, kem->Nsk)) != POUCH_OK)
			goto out;
		rc = pouch_dh_pub_from_priv(c, dp->dh, POUCH_IMPL_DEFAULT, sk,
		    pk);
		goto out;
	}
	/*
	 * P-256, P-384, P-521: rejection sampling over candidates, counter
	 * 0..255; pouch_dh_pub_from_priv refuses 0 and values >= order.
	 */
	rc = POUCH_E_BAD_KEY;		/* DeriveKeyPairError */
	for (i = 0; i <= 255; i++) {
		counter = (uint8_t)i;
		if ((rc = pouch_hpke_labeled_expand(c, kdf, sid, sizeof(sid),
		    prk, kdf->Nh, "candidate", &counter, 1, sk,
		    kem->Nsk)) != POUCH_OK)
			goto out;
		sk[0] &= dp->bitmask;
		rc = pouch_dh_pub_from_priv(c, dp->dh, POUCH_IMPL_DEFAULT, sk,
		    pk);
		if (rc != POUCH_E_BAD_KEY)
			break;
	}
out:
	if (rc != POUCH_OK) {
		OPENSSL_cleanse(sk, kem->Nsk);
		memset(pk, 0, kem->Npk);
	}
	OPENSSL_cleanse(prk, sizeof(prk));
	return rc;
}

static int
dhkem_generate_keypair(const struct pouch_crypto *c,
    const struct pouch_hpke_kem *kem, uint8_t *sk, uint8_t *pk)
{
	if (c == NULL || kem == NULL || sk == NULL || pk == NULL)
		return POUCH_E_MISUSE;
	return pouch_dh_keygen(c, params(kem)->dh, POUCH_IMPL_DEFAULT, sk, pk);
}

/*
 * DeserializePublicKey (7.1.1, 7.1.2) is the identity on the encodings of
 * src/crypto; what remains is the validation of 7.1.4.
 */
static int
dhkem_pk_check(const struct pouch_crypto *c, const struct pouch_hpke_kem *kem,
    const uint8_t *pk, size_t pklen)
{
	if (c == NULL || kem == NULL || pk == NULL)
		return POUCH_E_MISUSE;
	return pouch_dh_pub_check(c, params(kem)->dh, pk, pklen);
}

/*
 * DH(sk, pk) into out (Ndh bytes), refusing an all-zero result (7.1.4).
 * pk was validated by the caller; pouch_dh validates it again.
 */
static int
dh_checked(const struct pouch_crypto *c, const struct pouch_hpke_kem *kem,
    const uint8_t *sk, const uint8_t *pk, size_t pklen, uint8_t *out)
{
	enum pouch_dh d = params(kem)->dh;
	int rc;

	if ((rc = pouch_dh(c, d, POUCH_IMPL_DEFAULT, sk, pk, pklen, out)) !=
	    POUCH_OK)
		return rc;
	if (is_zero_ct(out, pouch_dh_shared_len(d)) == 0) {
		OPENSSL_cleanse(out, pouch_dh_shared_len(d));
		return POUCH_E_ZERO_SHARED;
	}
	return POUCH_OK;
}

/*
 * RFC 9180 4.1 Encap(pkR) and, with skS, AuthEncap(pkR, skS):
 *   skE, pkE = GenerateKeyPair()   (DeriveKeyPair(ikmE) when given)
 *   dh = DH(skE, pkR) [|| DH(skS, pkR)]
 *   enc = SerializePublicKey(pkE)
 *   kem_context = concat(enc, pkRm [, pkSm])
 *   shared_secret = ExtractAndExpand(dh, kem_context)
 */
static int
encap_common(const struct pouch_crypto *c, const struct pouch_hpke_kem *kem,
    const uint8_t *pkR, size_t pkRlen, const uint8_t *skS, size_t skSlen,
    const uint8_t *ikmE, size_t ikmElen, uint8_t *shared, uint8_t *enc)
{
	enum pouch_dh d;
	uint8_t skE[POUCH_DH_PRIV_MAX];
	uint8_t dh[DH_MAX];
	uint8_t kem_context[KEM_CONTEXT_MAX];
	size_t ndh, kclen;
	int rc;

	if (c == NULL || kem == NULL || pkR == NULL || shared == NULL ||
	    enc == NULL || (ikmE == NULL && ikmElen != 0))
		return POUCH_E_MISUSE;
	d = params(kem)->dh;
	ndh = pouch_dh_shared_len(d);
	memset(skE, 0, sizeof(skE));
	memset(dh, 0, sizeof(dh));
	/* 7.1.4: the sender MUST validate pkR. */
	if ((rc = dhkem_pk_check(c, kem, pkR, pkRlen)) != POUCH_OK)
		goto out;
	if (skS != NULL && skSlen != kem->Nsk) {
		rc = POUCH_E_BAD_KEY;
		goto out;
	}
	if (ikmE != NULL)
		rc = dhkem_derive_keypair(c, kem, ikmE, ikmElen, skE, enc);
	else
		rc = dhkem_generate_keypair(c, kem, skE, enc);
	if (rc != POUCH_OK)
		goto out;
	if ((rc = dh_checked(c, kem, skE, pkR, pkRlen, dh)) != POUCH_OK)
		goto out;
	memcpy(kem_context, enc, kem->Nenc);
	memcpy(kem_context + kem->Nenc, pkR, kem->Npk);
	kclen = kem->Nenc + kem->Npk;
	if (skS != NULL) {
		if ((rc = dh_checked(c, kem, skS, pkR, pkRlen, dh + ndh)) !=
		    POUCH_OK)
			goto out;
		/* pkSm = SerializePublicKey(pk(skS)) */
		if ((rc = pouch_dh_pub_from_priv(c, d, POUCH_IMPL_DEFAULT, skS,
		    kem_context + kclen)) != POUCH_OK)
			goto out;
		kclen += kem->Npk;
	}
	rc = extract_and_expand(c, kem, dh, skS != NULL ? 2 * ndh : ndh,
	    kem_context, kclen, shared);
out:
	if (rc != POUCH_OK) {
		OPENSSL_cleanse(shared, kem->Nsecret);
		memset(enc, 0, kem->Nenc);
	}
	OPENSSL_cleanse(skE, sizeof(skE));
	OPENSSL_cleanse(dh, sizeof(dh));
	return rc;
}

/*
 * RFC 9180 4.1 Decap(enc, skR) and, with pkS, AuthDecap(enc, skR, pkS):
 *   pkE = DeserializePublicKey(enc)
 *   dh = DH(skR, pkE) [|| DH(skR, pkS)]
 *   kem_context = concat(enc, pkRm [, pkSm]), pkRm = pk(skR)
 *   shared_secret = ExtractAndExpand(dh, kem_context)
 */
static int
decap_common(const struct pouch_crypto *c, const struct pouch_hpke_kem *kem,
    const uint8_t *enc, size_t enclen, const uint8_t *skR, size_t skRlen,
    const uint8_t *pkS, size_t pkSlen, uint8_t *shared)
{
	enum pouch_dh d;
	uint8_t dh[DH_MAX];
	uint8_t kem_context[KEM_CONTEXT_MAX];
	size_t ndh, kclen;
	int rc;

	if (c == NULL || kem == NULL || enc == NULL || skR == NULL ||
	    shared == NULL)
		return POUCH_E_MISUSE;
	d = params(kem)->dh;
	ndh = pouch_dh_shared_len(d);
	memset(dh, 0, sizeof(dh));
	if (skRlen != kem->Nsk) {
		rc = POUCH_E_BAD_KEY;
		goto out;
	}
	/* 7.1.4: the recipient MUST validate pkE and, if used, pkS. */
	if ((rc = dhkem_pk_check(c, kem, enc, enclen)) != POUCH_OK)
		goto out;
	if (pkS != NULL &&
	    (rc = dhkem_pk_check(c, kem, pkS, pkSlen)) != POUCH_OK)
		goto out;
	if ((rc = dh_checked(c, kem, skR, enc, enclen, dh)) != POUCH_OK)
		goto out;
	if (pkS != NULL &&
	    (rc = dh_checked(c, kem, skR, pkS, pkSlen, dh + ndh)) != POUCH_OK)
		goto out;
	memcpy(kem_context, enc, kem->Nenc);
	/* pkRm = SerializePublicKey(pk(skR)) */
	if ((rc = pouch_dh_pub_from_priv(c, d, POUCH_IMPL_DEFAULT, skR,
	    kem_context + kem->Nenc)) != POUCH_OK)
		goto out;
	kclen = kem->Nenc + kem->Npk;
	if (pkS != NULL) {
		memcpy(kem_context + kclen, pkS, kem->Npk);
		kclen += kem->Npk;
	}
	rc = extract_and_expand(c, kem, dh, pkS != NULL ? 2 * ndh : ndh,
	    kem_context, kclen, shared);
out:
	if (rc != POUCH_OK)
		OPENSSL_cleanse(shared, kem->Nsecret);
	OPENSSL_cleanse(dh, sizeof(dh));
	return rc;
}

static int
dhkem_encap(const struct pouch_crypto *c, const struct pouch_hpke_kem *kem,
    const uint8_t *pkR, size_t pkRlen, const uint8_t *ikmE, size_t ikmElen,
    uint8_t *shared, uint8_t *enc)
{
	return encap_common(c, kem, pkR, pkRlen, NULL, 0, ikmE, ikmElen,
	    shared, enc);
}

static int
dhkem_decap(const struct pouch_crypto *c, const struct pouch_hpke_kem *kem,
    const uint8_t *enc, size_t enclen, const uint8_t *skR, size_t skRlen,
    uint8_t *shared)
{
	return decap_common(c, kem, enc, enclen, skR, skRlen, NULL, 0,
	    shared);
}

static int
dhkem_auth_encap(const struct pouch_crypto *c,
    const struct pouch_hpke_kem *kem, const uint8_t *pkR, size_t pkRlen,
    const uint8_t *skS, size_t skSlen, const uint8_t *ikmE, size_t ikmElen,
    uint8_t *shared, uint8_t *enc)
{
	if (skS == NULL)
		return POUCH_E_MISUSE;
	return encap_common(c, kem, pkR, pkRlen, skS, skSlen, ikmE, ikmElen,
	    shared, enc);
}

static int
dhkem_auth_decap(const struct pouch_crypto *c,
    const struct pouch_hpke_kem *kem, const uint8_t *enc, size_t enclen,
    const uint8_t *skR, size_t skRlen, const uint8_t *pkS, size_t pkSlen,
    uint8_t *shared)
{
	if (pkS == NULL)
		return POUCH_E_MISUSE;
	return decap_common(c, kem, enc, enclen, skR, skRlen, pkS, pkSlen,
	    shared);
}

static const struct dhkem_params p256 = {
	POUCH_DH_P256, POUCH_HPKE_KDF_HKDF_SHA256, 1, 0xff
};
static const struct dhkem_params p384 = {
	POUCH_DH_P384, POUCH_HPKE_KDF_HKDF_SHA384, 1, 0xff
};
static const struct dhkem_params p521 = {
	POUCH_DH_P521, POUCH_HPKE_KDF_HKDF_SHA512, 1, 0x01
};
static const struct dhkem_params x25519 = {
	POUCH_DH_X25519, POUCH_HPKE_KDF_HKDF_SHA256, 0, 0
};
static const struct dhkem_params x448 = {
	POUCH_DH_X448, POUCH_HPKE_KDF_HKDF_SHA512, 0, 0
};

#define DHKEM_ROW(kid, nsecret, npk, nsk, p) {				\
	.id = (kid), .Nsecret = (nsecret), .Nenc = (npk), .Npk = (npk),	\
	.Nsk = (nsk), .params = (p),					\
	.derive_keypair = dhkem_derive_keypair,				\
	.generate_keypair = dhkem_generate_keypair,			\
	.pk_check = dhkem_pk_check,					\
	.encap = dhkem_encap, .decap = dhkem_decap,			\
	.auth_encap = dhkem_auth_encap, .auth_decap = dhkem_auth_decap	\
}

/* RFC 9180 7.1, Table 2. */
const struct pouch_hpke_kem pouch_hpke_dhkem_p256 =
    DHKEM_ROW(POUCH_HPKE_KEM_P256, 32, 65, 32, &p256);
const struct pouch_hpke_kem pouch_hpke_dhkem_p384 =
    DHKEM_ROW(POUCH_HPKE_KEM_P384, 48, 97, 48, &p384);
const struct pouch_hpke_kem pouch_hpke_dhkem_p521 =
    DHKEM_ROW(POUCH_HPKE_KEM_P521, 64, 133, 66, &p521);
const struct pouch_hpke_kem pouch_hpke_dhkem_x25519 =
    DHKEM_ROW(POUCH_HPKE_KEM_X25519, 32, 32, 32, &x25519);
const struct pouch_hpke_kem pouch_hpke_dhkem_x448 =
    DHKEM_ROW(POUCH_HPKE_KEM_X448, 64, 56, 56, &x448);
