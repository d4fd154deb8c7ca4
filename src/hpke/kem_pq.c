/*
 * hpke/kem_pq.c - the post-quantum KEM rows of draft-ietf-hpke-pq:
 * ML-KEM-512, -768 and -1024 (0x0040-0x0042) and MLKEM768-X25519, which
 * is X-Wing (0x647a).  Keys are in the draft's serialized forms, which
 * are the identity: the private key is the seed (64 bytes d || z for
 * ML-KEM, 32 for X-Wing) and is expanded again on every Decap; the public
 * key is the ML-KEM encapsulation key (|| pk_X for X-Wing).
 * DeriveKeyPair is SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", Nsk)
 * under the suite_id "KEM" || kem_id, then key generation from that seed.
 * None of these KEMs has AuthEncap/AuthDecap, so the auth modes are
 * refused (POUCH_E_UNSUPPORTED) by the key schedule.
 *
 * ikmE, for the test vectors, is the encapsulation randomness itself, as
 * in the draft's vectors: m (32 bytes) for ML-KEM, eseed (64 bytes) for
 * X-Wing; any other length is POUCH_E_MISUSE.  A wrong-length public key
 * or one failing the FIPS 203 7.2 check is POUCH_E_BAD_KEY (EncapError),
 * a wrong-length enc POUCH_E_MALFORMED and a wrong-length private key
 * POUCH_E_BAD_KEY (DecapError).  A wrong ML-KEM ciphertext of the right
 * length is not an error: implicit rejection gives another secret, and
 * the AEAD then fails to open.
 *
 * The ML-KEM hash functions live in a struct pouch_mlkem_ctx, made for
 * each call from the digests the crypto provider fetched once.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "hpke/hpke.h"
#include "mlkem/mlkem.h"
#include "mlkem/xwing.h"

enum pq_kind {
	PQ_MLKEM = 1,
	PQ_XWING = 2
};

struct pq_params {
	enum pq_kind		kind;
	enum pouch_mlkem_param	mlkem;		/* PQ_MLKEM */
};

static const uint8_t empty[1];

static const struct pq_params *
params(const struct pouch_hpke_kem *kem)
{
	return kem->params;
}

/*
 * pk from the seed sk (Nsk bytes): expandDecapsKey (ML-KEM) or
 * GenerateKeyPairDerand (X-Wing).  sk is validated by length only: every
 * seed is a key.
 */
static int
pk_from_seed(const struct pouch_crypto *c, const struct pouch_mlkem_ctx *m,
    const struct pouch_hpke_kem *kem, const uint8_t *sk, uint8_t *pk)
{
	const struct pq_params *pp = params(kem);
	uint8_t dk[MLKEM_DK_MAX];
	int rc;

	if (pp->kind == PQ_XWING)
		return pouch_xwing_keygen_derand_bytes(c, m, sk, kem->Nsk, pk,
		    kem->Npk);
	rc = pouch_mlkem_keygen_seed(m, pp->mlkem, sk, kem->Nsk, pk, kem->Npk,
	    dk, pouch_mlkem_dk_len(pp->mlkem));
	OPENSSL_cleanse(dk, sizeof(dk));
	return rc;
}

static int
keypair_from_seed(const struct pouch_crypto *c,
    const struct pouch_hpke_kem *kem, uint8_t *sk, uint8_t *pk,
    pouch_hpke_pk_from_seed from_seed)
{
	struct pouch_mlkem_ctx *m = NULL;
	int rc;

	if ((rc = pouch_mlkem_ctx_new_from(c, &m)) != POUCH_OK)
		goto out;
	rc = from_seed(c, m, kem, sk, pk);
out:
	if (rc != POUCH_OK) {
		OPENSSL_cleanse(sk, kem->Nsk);
		memset(pk, 0, kem->Npk);
	}
	pouch_mlkem_ctx_free(m);
	return rc;
}

/*
 * draft-ietf-hpke-pq:
 *   def DeriveKeyPair(ikm):
 *     dk = SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", Nsk)
 *     return (dk, pk(dk))
 * (64 bytes d || z for ML-KEM, the 32-byte seed for the hybrids.)
 */
int
pouch_hpke_seed_derive_keypair(const struct pouch_crypto *c,
    const struct pouch_hpke_kem *kem, const uint8_t *ikm, size_t ikmlen,
    uint8_t *sk, uint8_t *pk, pouch_hpke_pk_from_seed from_seed)
{
	const struct pouch_hpke_kdf *kdf;
	uint8_t sid[POUCH_HPKE_KEM_SUITE_ID_LEN];
	int rc;

	if (c == NULL || kem == NULL || sk == NULL || pk == NULL ||
	    from_seed == NULL || (ikm == NULL && ikmlen != 0))
		return POUCH_E_MISUSE;
	if ((kdf = pouch_hpke_kdf_get(POUCH_HPKE_KDF_SHAKE256)) == NULL)
		return POUCH_E_UNSUPPORTED;
	pouch_hpke_kem_suite_id(kem, sid);
	if ((rc = pouch_hpke_labeled_derive(c, kdf, sid, sizeof(sid),
	    ikm != NULL ? ikm : empty, ikmlen, "DeriveKeyPair", empty, 0, sk,
	    kem->Nsk)) != POUCH_OK) {
		OPENSSL_cleanse(sk, kem->Nsk);
		memset(pk, 0, kem->Npk);
		return rc;
	}
	return keypair_from_seed(c, kem, sk, pk, from_seed);
}

/* GenerateKeyPair(): a random seed, then as DeriveKeyPair. */
int
pouch_hpke_seed_generate_keypair(const struct pouch_crypto *c,
    const struct pouch_hpke_kem *kem, uint8_t *sk, uint8_t *pk,
    pouch_hpke_pk_from_seed from_seed)
{
	int rc;

	if (c == NULL || kem == NULL || sk == NULL || pk == NULL ||
	    from_seed == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_random(sk, kem->Nsk)) != POUCH_OK) {
		memset(pk, 0, kem->Npk);
		return rc;
	}
	return keypair_from_seed(c, kem, sk, pk, from_seed);
}

static int
pq_derive_keypair(const struct pouch_crypto *c,
    const struct pouch_hpke_kem *kem, const uint8_t *ikm, size_t ikmlen,
    uint8_t *sk, uint8_t *pk)
{
	return pouch_hpke_seed_derive_keypair(c, kem, ikm, ikmlen, sk, pk,
	    pk_from_seed);
}

static int
pq_generate_keypair(const struct pouch_crypto *c,
    const struct pouch_hpke_kem *kem, uint8_t *sk, uint8_t *pk)
{
	return pouch_hpke_seed_generate_keypair(c, kem, sk, pk, pk_from_seed);
}

/*
 * DeserializePublicKey is the identity; what can be checked is the
 * length and the FIPS 203 7.2 modulus check of the ML-KEM part (the
 * X25519 part of X-Wing is any 32 bytes).
 */
static int
pq_pk_check(const struct pouch_crypto *c, const struct pouch_hpke_kem *kem,
    const uint8_t *pk, size_t pklen)
{
	const struct pq_params *pp;

	if (c == NULL || kem == NULL || pk == NULL)
		return POUCH_E_MISUSE;
	pp = params(kem);
	if (pklen != kem->Npk)
		return POUCH_E_BAD_KEY;
	if (pp->kind == PQ_XWING)
		return pouch_mlkem_ek_check(POUCH_MLKEM768, pk,
		    MLKEM768_EK_BYTES);
	return pouch_mlkem_ek_check(pp->mlkem, pk, pklen);
}

/* Encap(pkR): ML-KEM.Encaps or X-Wing Encapsulate (derandomized by ikmE). */
static int
pq_encap(const struct pouch_crypto *c, const struct pouch_hpke_kem *kem,
    const uint8_t *pkR, size_t pkRlen, const uint8_t *ikmE, size_t ikmElen,
    uint8_t *shared, uint8_t *enc)
{
	const struct pq_params *pp;
	struct pouch_mlkem_ctx *m = NULL;
	int rc;

	if (c == NULL || kem == NULL || pkR == NULL || shared == NULL ||
	    enc == NULL)
		return POUCH_E_MISUSE;
	pp = params(kem);
	if ((ikmE == NULL && ikmElen != 0) || (ikmE != NULL &&
	    ikmElen != (pp->kind == PQ_XWING ? XWING_ESEED_BYTES :
	    MLKEM_SYM_BYTES))) {
		rc = POUCH_E_MISUSE;
		goto out;
	}
	if ((rc = pouch_mlkem_ctx_new_from(c, &m)) != POUCH_OK)
		goto out;
	if (pp->kind == PQ_XWING)
		rc = pouch_xwing_encaps_bytes(c, m, pkR, pkRlen, ikmE, ikmElen,
		    enc, kem->Nenc, shared);
	else if (ikmE != NULL)
		rc = pouch_mlkem_encaps_internal(m, pp->mlkem, pkR, pkRlen,
		    ikmE, enc, kem->Nenc, shared);
	else
		rc = pouch_mlkem_encaps(m, pp->mlkem, pkR, pkRlen, enc,
		    kem->Nenc, shared);
out:
	if (rc != POUCH_OK) {
		OPENSSL_cleanse(shared, kem->Nsecret);
		memset(enc, 0, kem->Nenc);
	}
	pouch_mlkem_ctx_free(m);
	return rc;
}

/*
 * Decap(enc, skR): ML-KEM.Decaps(expandDecapsKey(skR), enc) or X-Wing
 * Decapsulate(enc, skR).
 */
static int
pq_decap(const struct pouch_crypto *c, const struct pouch_hpke_kem *kem,
    const uint8_t *enc, size_t enclen, const uint8_t *skR, size_t skRlen,
    uint8_t *shared)
{
	const struct pq_params *pp;
	struct pouch_mlkem_ctx *m = NULL;
	int rc;

	if (c == NULL || kem == NULL || enc == NULL || skR == NULL ||
	    shared == NULL)
		return POUCH_E_MISUSE;
	pp = params(kem);
	if (skRlen != kem->Nsk) {
		rc = POUCH_E_BAD_KEY;
		goto out;
	}
	if (enclen != kem->Nenc) {
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	if ((rc = pouch_mlkem_ctx_new_from(c, &m)) != POUCH_OK)
		goto out;
	if (pp->kind == PQ_XWING) {
		rc = pouch_xwing_decaps_bytes(c, m, skR, skRlen, enc, enclen,
		    shared);
		goto out;
	}
	/* The seed is the private key: expand it and decapsulate. */
	rc = pouch_mlkem_decaps_seed(m, pp->mlkem, skR, skRlen, enc, enclen,
	    shared);
out:
	if (rc != POUCH_OK)
		OPENSSL_cleanse(shared, kem->Nsecret);
	pouch_mlkem_ctx_free(m);
	return rc;
}

static const struct pq_params mlkem512 = { PQ_MLKEM, POUCH_MLKEM512 };
static const struct pq_params mlkem768 = { PQ_MLKEM, POUCH_MLKEM768 };
static const struct pq_params mlkem1024 = { PQ_MLKEM, POUCH_MLKEM1024 };
static const struct pq_params xwing = { PQ_XWING, POUCH_MLKEM768 };

#define PQ_ROW(kid, nenc, npk, nsk, p) {				\
	.id = (kid), .Nsecret = 32, .Nenc = (nenc), .Npk = (npk),	\
	.Nsk = (nsk), .params = (p),					\
	.derive_keypair = pq_derive_keypair,				\
	.generate_keypair = pq_generate_keypair,			\
	.pk_check = pq_pk_check,					\
	.encap = pq_encap, .decap = pq_decap,				\
	.auth_encap = NULL, .auth_decap = NULL				\
}

/* draft-ietf-hpke-pq, IANA tables "ML-KEM" and "PQ/T hybrid". */
const struct pouch_hpke_kem pouch_hpke_kem_mlkem512 =
    PQ_ROW(POUCH_HPKE_KEM_MLKEM512, MLKEM512_CT_BYTES, MLKEM512_EK_BYTES,
    MLKEM_SEED_BYTES, &mlkem512);
const struct pouch_hpke_kem pouch_hpke_kem_mlkem768 =
    PQ_ROW(POUCH_HPKE_KEM_MLKEM768, MLKEM768_CT_BYTES, MLKEM768_EK_BYTES,
    MLKEM_SEED_BYTES, &mlkem768);
const struct pouch_hpke_kem pouch_hpke_kem_mlkem1024 =
    PQ_ROW(POUCH_HPKE_KEM_MLKEM1024, MLKEM1024_CT_BYTES,
    MLKEM1024_EK_BYTES, MLKEM_SEED_BYTES, &mlkem1024);
const struct pouch_hpke_kem pouch_hpke_kem_xwing =
    PQ_ROW(POUCH_HPKE_KEM_XWING, XWING_CT_BYTES, XWING_PK_BYTES,
    XWING_SK_BYTES, &xwing);
