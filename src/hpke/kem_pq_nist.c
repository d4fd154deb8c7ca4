/*
 * hpke/kem_pq_nist.c - the PQ/T hybrid KEMs of draft-ietf-hpke-pq over
 * the NIST curves: MLKEM768-P256 (0x0050) and MLKEM1024-P384 (0x0051),
 * the concrete hybrids of draft-irtf-cfrg-concrete-hybrid-kems with the
 * SHA3-256 combiner
 *   ss = SHA3-256(ss_PQ || ss_T || ct_T || ek_T || Label).
 * The private key is a 32-byte seed, expanded on every use with SHAKE256
 * into the ML-KEM seed d || z (64 bytes) and Group.Nseed bytes from
 * which the curve scalar is taken: the first Nscalar-byte big-endian
 * chunk that is neither 0 nor >= the group order (RandomScalar).  The
 * public key is ek_PQ || ek_T (uncompressed point), the ciphertext
 * ct_PQ || ct_T, the shared secret ss_T the x-coordinate.  Encap takes
 * Nrandom = 32 + Group.Nseed bytes: ML-KEM's m, then the ephemeral
 * scalar's seed (ikmE, for the test vectors; fresh randomness
 * otherwise).  Pouch's suites use X-Wing (kem_pq.c); these rows exist
 * for HPKE users and the draft's vectors.
 *
 * ML-KEM comes from src/mlkem, the curve arithmetic from the crypto
 * provider (OpenSSL).  A public key failing the FIPS 203 7.2 check or
 * whose point is not on the curve is POUCH_E_BAD_KEY (EncapError); a
 * ct_T that is not a point fails Decap with POUCH_E_BAD_KEY too.  No
 * auth modes.  Every secret local is wiped.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hpke/hpke.h"
#include "mlkem/mlkem.h"

#define NIST_SEED_BYTES		32		/* Nsk */
#define NIST_NSEED_MAX		96		/* Group.Nseed */
#define NIST_RANDOM_MAX		(MLKEM_SYM_BYTES + NIST_NSEED_MAX)

struct nist_params {
	enum pouch_mlkem_param	 mlkem;
	enum pouch_dh		 curve;
	size_t			 nseed;		/* Group.Nseed */
	size_t			 nscalar;	/* Group.Nscalar */
	const char		*label;
};

/* What a seed expands to (wiped by the caller). */
struct nist_keys {
	uint8_t	full[MLKEM_SEED_BYTES + NIST_NSEED_MAX];	/* SHAKE256 */
	uint8_t	sk_t[POUCH_DH_PRIV_MAX];
	uint8_t	ek_t[POUCH_DH_PUB_MAX];
};

static const struct nist_params *
params(const struct pouch_hpke_kem *kem)
{
	return kem->params;
}

static size_t
nek(const struct nist_params *p)
{
	return pouch_mlkem_ek_len(p->mlkem);
}

static size_t
nct(const struct nist_params *p)
{
	return pouch_mlkem_ct_len(p->mlkem);
}

/*
 * Group.RandomScalar(seed) and Group.Exp(G, sk): the first chunk that
 * is a valid scalar (the provider refuses 0 and >= n with BAD_KEY).  A
 * rejection has probability below 2^-32 (P-256) and says nothing about
 * the chunk that is kept.  POUCH_E_CRYPTO when none is valid
 * (probability below 2^-96).
 */
static int
random_scalar(const struct pouch_crypto *c, const struct nist_params *p,
    const uint8_t *seed, uint8_t *sk, uint8_t *pk)
{
	size_t off;
	int rc = POUCH_E_CRYPTO;

	for (off = 0; off + p->nscalar <= p->nseed; off += p->nscalar) {
		memcpy(sk, seed + off, p->nscalar);
		rc = pouch_dh_pub_from_priv(c, p->curve, POUCH_IMPL_DEFAULT,
		    sk, pk);
		if (rc != POUCH_E_BAD_KEY)
			break;
		rc = POUCH_E_CRYPTO;
	}
	if (rc != POUCH_OK)
		OPENSSL_cleanse(sk, p->nscalar);
	return rc;
}

/* expandKey(seed): the ML-KEM seed in k->full, the curve key pair. */
static int
expand(const struct pouch_crypto *c, const struct nist_params *p,
    const uint8_t seed[NIST_SEED_BYTES], struct nist_keys *k)
{
	int rc;

	if ((rc = pouch_xof(c, POUCH_SHAKE256, seed, NIST_SEED_BYTES,
	    k->full, MLKEM_SEED_BYTES + p->nseed)) != POUCH_OK)
		return rc;
	return random_scalar(c, p, k->full + MLKEM_SEED_BYTES, k->sk_t,
	    k->ek_t);
}

/* ss = SHA3-256(ss_PQ || ss_T || ct_T || ek_T || Label) */
static int
combine(const struct pouch_mlkem_ctx *m, const struct nist_params *p,
    const uint8_t *ss_pq, const uint8_t *ss_t, const uint8_t *ct_t,
    const uint8_t *ek_t, uint8_t ss[32])
{
	size_t nt = pouch_dh_shared_len(p->curve);
	size_t ne = pouch_dh_pub_len(p->curve);
	EVP_MD_CTX *mdc;
	unsigned int n = 0;
	int rc = POUCH_E_CRYPTO;

	if ((mdc = EVP_MD_CTX_new()) == NULL)
		return POUCH_E_NOMEM;
	if (EVP_DigestInit_ex(mdc, m->sha3_256, NULL) == 1 &&
	    EVP_DigestUpdate(mdc, ss_pq, MLKEM_SS_BYTES) == 1 &&
	    EVP_DigestUpdate(mdc, ss_t, nt) == 1 &&
	    EVP_DigestUpdate(mdc, ct_t, ne) == 1 &&
	    EVP_DigestUpdate(mdc, ek_t, ne) == 1 &&
	    EVP_DigestUpdate(mdc, p->label, strlen(p->label)) == 1 &&
	    EVP_DigestFinal_ex(mdc, ss, &n) == 1 && n == 32)
		rc = POUCH_OK;
	EVP_MD_CTX_free(mdc);	/* resets: the state is wiped */
	return rc;
}

/* pk(seed) = ek_PQ || ek_T */
static int
pk_from_seed(const struct pouch_crypto *c, const struct pouch_mlkem_ctx *m,
    const struct pouch_hpke_kem *kem, const uint8_t *sk, uint8_t *pk)
{
	const struct nist_params *p = params(kem);
	struct nist_keys k;
	uint8_t dk[MLKEM_DK_MAX];
	int rc;

	if ((rc = expand(c, p, sk, &k)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mlkem_keygen_seed(m, p->mlkem, k.full,
	    MLKEM_SEED_BYTES, pk, nek(p), dk, pouch_mlkem_dk_len(p->mlkem))) !=
	    POUCH_OK)
		goto out;
	memcpy(pk + nek(p), k.ek_t, pouch_dh_pub_len(p->curve));
out:
	OPENSSL_cleanse(&k, sizeof(k));
	OPENSSL_cleanse(dk, sizeof(dk));
	return rc;
}

static int
nist_derive_keypair(const struct pouch_crypto *c,
    const struct pouch_hpke_kem *kem, const uint8_t *ikm, size_t ikmlen,
    uint8_t *sk, uint8_t *pk)
{
	return pouch_hpke_seed_derive_keypair(c, kem, ikm, ikmlen, sk, pk,
	    pk_from_seed);
}

static int
nist_generate_keypair(const struct pouch_crypto *c,
    const struct pouch_hpke_kem *kem, uint8_t *sk, uint8_t *pk)
{
	return pouch_hpke_seed_generate_keypair(c, kem, sk, pk, pk_from_seed);
}

/* Length, the FIPS 203 7.2 check of ek_PQ, ek_T on the curve. */
static int
nist_pk_check(const struct pouch_crypto *c, const struct pouch_hpke_kem *kem,
    const uint8_t *pk, size_t pklen)
{
	const struct nist_params *p;
	int rc;

	if (c == NULL || kem == NULL || pk == NULL)
		return POUCH_E_MISUSE;
	p = params(kem);
	if (pklen != kem->Npk)
		return POUCH_E_BAD_KEY;
	if ((rc = pouch_mlkem_ek_check(p->mlkem, pk, nek(p))) != POUCH_OK)
		return rc;
	return pouch_dh_pub_check(c, p->curve, pk + nek(p),
	    pouch_dh_pub_len(p->curve));
}

/* Encap(pkR), or EncapsDerand(pkR, ikmE) with ikmE of Nrandom bytes. */
static int
nist_encap(const struct pouch_crypto *c, const struct pouch_hpke_kem *kem,
    const uint8_t *pkR, size_t pkRlen, const uint8_t *ikmE, size_t ikmElen,
    uint8_t *shared, uint8_t *enc)
{
	const struct nist_params *p;
	struct pouch_mlkem_ctx *m = NULL;
	uint8_t rnd[NIST_RANDOM_MAX], sk_e[POUCH_DH_PRIV_MAX];
	uint8_t ss_pq[MLKEM_SS_BYTES], ss_t[POUCH_DH_SHARED_MAX];
	const uint8_t *ek_t;
	size_t nrandom;
	int rc;

	if (c == NULL || kem == NULL || pkR == NULL || shared == NULL ||
	    enc == NULL)
		return POUCH_E_MISUSE;
	p = params(kem);
	nrandom = MLKEM_SYM_BYTES + p->nseed;
	if ((ikmE == NULL && ikmElen != 0) ||
	    (ikmE != NULL && ikmElen != nrandom)) {
		rc = POUCH_E_MISUSE;
		goto out;
	}
	if ((rc = nist_pk_check(c, kem, pkR, pkRlen)) != POUCH_OK)
		goto out;
	ek_t = pkR + nek(p);
	if (ikmE != NULL)
		memcpy(rnd, ikmE, nrandom);
	else if ((rc = pouch_random(rnd, nrandom)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mlkem_ctx_new_from(c, &m)) != POUCH_OK ||
	    (rc = pouch_mlkem_encaps_internal(m, p->mlkem, pkR, nek(p), rnd,
	    enc, nct(p), ss_pq)) != POUCH_OK)
		goto out;
	/* ct_T = Exp(G, sk_E) straight into enc; ss_T = Exp(ek_T, sk_E) */
	if ((rc = random_scalar(c, p, rnd + MLKEM_SYM_BYTES, sk_e,
	    enc + nct(p))) != POUCH_OK ||
	    (rc = pouch_dh(c, p->curve, POUCH_IMPL_DEFAULT, sk_e, ek_t,
	    pouch_dh_pub_len(p->curve), ss_t)) != POUCH_OK)
		goto out;
	rc = combine(m, p, ss_pq, ss_t, enc + nct(p), ek_t, shared);
out:
	if (rc != POUCH_OK) {
		if (shared != NULL && kem != NULL)
			OPENSSL_cleanse(shared, kem->Nsecret);
		if (enc != NULL && kem != NULL)
			memset(enc, 0, kem->Nenc);
	}
	OPENSSL_cleanse(rnd, sizeof(rnd));
	OPENSSL_cleanse(sk_e, sizeof(sk_e));
	OPENSSL_cleanse(ss_pq, sizeof(ss_pq));
	OPENSSL_cleanse(ss_t, sizeof(ss_t));
	pouch_mlkem_ctx_free(m);
	return rc;
}

/* Decap(enc, skR): ML-KEM.Decaps of the expanded seed, ECDH with ct_T. */
static int
nist_decap(const struct pouch_crypto *c, const struct pouch_hpke_kem *kem,
    const uint8_t *enc, size_t enclen, const uint8_t *skR, size_t skRlen,
    uint8_t *shared)
{
	const struct nist_params *p;
	struct pouch_mlkem_ctx *m = NULL;
	struct nist_keys k;
	uint8_t ss_pq[MLKEM_SS_BYTES], ss_t[POUCH_DH_SHARED_MAX];
	int rc;

	if (c == NULL || kem == NULL || enc == NULL || skR == NULL ||
	    shared == NULL)
		return POUCH_E_MISUSE;
	p = params(kem);
	memset(&k, 0, sizeof(k));
	if (skRlen != kem->Nsk) {
		rc = POUCH_E_BAD_KEY;
		goto out;
	}
	if (enclen != kem->Nenc) {
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	if ((rc = expand(c, p, skR, &k)) != POUCH_OK ||
	    (rc = pouch_mlkem_ctx_new_from(c, &m)) != POUCH_OK ||
	    (rc = pouch_mlkem_decaps_seed(m, p->mlkem, k.full,
	    MLKEM_SEED_BYTES, enc, nct(p), ss_pq)) != POUCH_OK ||
	    (rc = pouch_dh(c, p->curve, POUCH_IMPL_DEFAULT, k.sk_t,
	    enc + nct(p), pouch_dh_pub_len(p->curve), ss_t)) != POUCH_OK)
		goto out;
	rc = combine(m, p, ss_pq, ss_t, enc + nct(p), k.ek_t, shared);
out:
	if (rc != POUCH_OK)
		OPENSSL_cleanse(shared, kem->Nsecret);
	OPENSSL_cleanse(&k, sizeof(k));
	OPENSSL_cleanse(ss_pq, sizeof(ss_pq));
	OPENSSL_cleanse(ss_t, sizeof(ss_t));
	pouch_mlkem_ctx_free(m);
	return rc;
}

/*
 * Group.Nseed: 96 bytes (three 32-byte chunks) for P-256, as the
 * draft's test vectors encapsulate with 32 + 96 = 128 bytes; 48 (one
 * chunk) for P-384.
 */
static const struct nist_params mlkem768_p256 = {
	POUCH_MLKEM768, POUCH_DH_P256, 96, 32, "MLKEM768-P256"
};
static const struct nist_params mlkem1024_p384 = {
	POUCH_MLKEM1024, POUCH_DH_P384, 48, 48, "MLKEM1024-P384"
};

#define NIST_ROW(kid, nenc, npk, p) {					\
	.id = (kid), .Nsecret = 32, .Nenc = (nenc), .Npk = (npk),	\
	.Nsk = NIST_SEED_BYTES, .params = (p),				\
	.derive_keypair = nist_derive_keypair,				\
	.generate_keypair = nist_generate_keypair,			\
	.pk_check = nist_pk_check,					\
	.encap = nist_encap, .decap = nist_decap,			\
	.auth_encap = NULL, .auth_decap = NULL				\
}

/* draft-ietf-hpke-pq, IANA table "PQ/T hybrid". */
const struct pouch_hpke_kem pouch_hpke_kem_mlkem768_p256 =
    NIST_ROW(POUCH_HPKE_KEM_MLKEM768_P256, MLKEM768_CT_BYTES + 65,
    MLKEM768_EK_BYTES + 65, &mlkem768_p256);
const struct pouch_hpke_kem pouch_hpke_kem_mlkem1024_p384 =
    NIST_ROW(POUCH_HPKE_KEM_MLKEM1024_P384, MLKEM1024_CT_BYTES + 97,
    MLKEM1024_EK_BYTES + 97, &mlkem1024_p384);
