/*
 * kem.c - ML-KEM (FIPS 203 6 and 7): KeyGen_internal, Encaps_internal and
 * Decaps_internal with implicit rejection, the randomized KeyGen and
 * Encaps, key generation from the seed d || z, and the input checks of
 * 7.2 and 7.3.  Decaps selects K' or K_bar with a mask computed from the
 * whole ciphertext comparison, never with a branch.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "mlkem/mlkem.h"

/* FIPS 203 Table 2; sizes from Table 3. */
static const struct pouch_mlkem_params params[] = {
	{ POUCH_MLKEM512, 2, 3, 2, 10, 4, MLKEM512_EK_BYTES,
	    MLKEM512_DK_BYTES, MLKEM512_CT_BYTES },
	{ POUCH_MLKEM768, 3, 2, 2, 10, 4, MLKEM768_EK_BYTES,
	    MLKEM768_DK_BYTES, MLKEM768_CT_BYTES },
	{ POUCH_MLKEM1024, 4, 2, 2, 11, 5, MLKEM1024_EK_BYTES,
	    MLKEM1024_DK_BYTES, MLKEM1024_CT_BYTES },
};

const struct pouch_mlkem_params *
pouch_mlkem_params_get(enum pouch_mlkem_param p)
{
	size_t i;

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		if (params[i].id == p)
			return &params[i];
	return NULL;
}

size_t
pouch_mlkem_ek_len(enum pouch_mlkem_param p)
{
	const struct pouch_mlkem_params *prm = pouch_mlkem_params_get(p);

	return prm == NULL ? 0 : prm->ek_bytes;
}

size_t
pouch_mlkem_dk_len(enum pouch_mlkem_param p)
{
	const struct pouch_mlkem_params *prm = pouch_mlkem_params_get(p);

	return prm == NULL ? 0 : prm->dk_bytes;
}

size_t
pouch_mlkem_ct_len(enum pouch_mlkem_param p)
{
	const struct pouch_mlkem_params *prm = pouch_mlkem_params_get(p);

	return prm == NULL ? 0 : prm->ct_bytes;
}

/* 0xff when a and b (len bytes) are equal, else 0; constant time. */
static uint8_t
eq_mask_ct(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint32_t diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= (uint32_t)(a[i] ^ b[i]);
	/* diff is in [0, 255]: diff - 1 has its top bit set iff diff == 0. */
	return (uint8_t)value_barrier_ct(0U - ((diff - 1) >> 31));
}

/* 7.2 (the modulus check is on public data). */
int
pouch_mlkem_ek_check(enum pouch_mlkem_param p, const uint8_t *ek,
    size_t eklen)
{
	const struct pouch_mlkem_params *prm = pouch_mlkem_params_get(p);
	const uint8_t *b;
	uint32_t over = 0;
	size_t i;

	if (prm == NULL || ek == NULL)
		return POUCH_E_MISUSE;
	if (eklen != prm->ek_bytes)			/* type check */
		return POUCH_E_BAD_KEY;
#ifdef POUCH_MLKEM_AVX2
	/* rho follows the 384k bytes: the 4 bytes the loads run past. */
	if (pouch_mlkem_avx2_usable())
		return pouch_mlkem_over_q_avx2(ek, MLKEM_POLY_BYTES *
		    prm->k) != 0 ? POUCH_E_BAD_KEY : POUCH_OK;
#endif
	/*
	 * ByteEncode12(ByteDecode12(ek[0 : 384k])) == ek[0 : 384k] (7.1)
	 * exactly when every 12-bit value is below q: decoding reduces
	 * the others, which then encode differently.  So look at the
	 * values: the top bit of v - q is clear for v >= q.
	 */
	for (i = 0; i < MLKEM_POLY_BYTES * prm->k; i += 3) {
		b = ek + i;
		over |= ~((uint32_t)(b[0] | (b[1] & 0x0f) << 8) - MLKEM_Q);
		over |= ~((uint32_t)(b[1] >> 4 | b[2] << 4) - MLKEM_Q);
	}
	if ((over >> 31) != 0)
		return POUCH_E_BAD_KEY;
	return POUCH_OK;
}

/* 7.3 items 2 and 3: length and H(ek) == the hash stored in dk. */
static int
dk_check(const struct pouch_mlkem_ctx *c, EVP_MD_CTX *mdc,
    const struct pouch_mlkem_params *prm, const uint8_t *dk, size_t dklen)
{
	const size_t ekoff = MLKEM_POLY_BYTES * prm->k;
	uint8_t h[MLKEM_SYM_BYTES];
	int rc;

	if (dklen != prm->dk_bytes)
		return POUCH_E_BAD_KEY;
	if ((rc = pouch_mlkem_digest(mdc, c->sha3_256, dk + ekoff,
	    prm->ek_bytes, NULL, 0, h, sizeof(h))) != POUCH_OK)
		return rc;
	if (CRYPTO_memcmp(h, dk + ekoff + prm->ek_bytes, sizeof(h)) != 0)
		return POUCH_E_BAD_KEY;
	return POUCH_OK;
}

int
pouch_mlkem_dk_check(const struct pouch_mlkem_ctx *c,
    enum pouch_mlkem_param p, const uint8_t *dk, size_t dklen)
{
	const struct pouch_mlkem_params *prm = pouch_mlkem_params_get(p);
	EVP_MD_CTX *mdc;
	int rc;

	if (c == NULL || prm == NULL || dk == NULL)
		return POUCH_E_MISUSE;
	if ((mdc = EVP_MD_CTX_new()) == NULL)
		return POUCH_E_NOMEM;
	rc = dk_check(c, mdc, prm, dk, dklen);
	EVP_MD_CTX_free(mdc);
	return rc;
}

/* Algorithm 16. */
int
pouch_mlkem_keygen_internal(const struct pouch_mlkem_ctx *c,
    enum pouch_mlkem_param p, const uint8_t d[static MLKEM_SYM_BYTES],
    const uint8_t z[static MLKEM_SYM_BYTES], uint8_t *ek, size_t eklen,
    uint8_t *dk, size_t dklen)
{
	const struct pouch_mlkem_params *prm = pouch_mlkem_params_get(p);
	EVP_MD_CTX *mdc = NULL;
	size_t off;
	int rc;

	if (c == NULL || prm == NULL || ek == NULL || dk == NULL ||
	    eklen != prm->ek_bytes || dklen != prm->dk_bytes)
		return POUCH_E_MISUSE;
	if ((mdc = EVP_MD_CTX_new()) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	/* dk = dk_PKE || ek || H(ek) || z */
	off = MLKEM_POLY_BYTES * prm->k;
	if ((rc = pouch_mlkem_kpke_keygen(c, mdc, prm, d, ek, dk)) !=
	    POUCH_OK)
		goto out;
	memcpy(dk + off, ek, prm->ek_bytes);
	off += prm->ek_bytes;
	if ((rc = pouch_mlkem_digest(mdc, c->sha3_256, ek, prm->ek_bytes,
	    NULL, 0, dk + off, MLKEM_SYM_BYTES)) != POUCH_OK)
		goto out;
	memcpy(dk + off + MLKEM_SYM_BYTES, z, MLKEM_SYM_BYTES);
out:
	if (rc != POUCH_OK) {
		OPENSSL_cleanse(ek, eklen);
		OPENSSL_cleanse(dk, dklen);
	}
	EVP_MD_CTX_free(mdc);
	return rc;
}

int
pouch_mlkem_keygen_seed(const struct pouch_mlkem_ctx *c,
    enum pouch_mlkem_param p, const uint8_t *seed, size_t seedlen,
    uint8_t *ek, size_t eklen, uint8_t *dk, size_t dklen)
{
	if (seed == NULL)
		return POUCH_E_MISUSE;
	if (seedlen != MLKEM_SEED_BYTES) {
		if (ek != NULL && eklen == pouch_mlkem_ek_len(p))
			OPENSSL_cleanse(ek, eklen);
		if (dk != NULL && dklen == pouch_mlkem_dk_len(p))
			OPENSSL_cleanse(dk, dklen);
		return POUCH_E_BAD_KEY;
	}
	return pouch_mlkem_keygen_internal(c, p, seed, seed + MLKEM_SYM_BYTES,
	    ek, eklen, dk, dklen);
}

/* Algorithm 19. */
int
pouch_mlkem_keygen(const struct pouch_mlkem_ctx *c, enum pouch_mlkem_param p,
    uint8_t *seed, uint8_t *ek, size_t eklen, uint8_t *dk, size_t dklen)
{
	uint8_t dz[MLKEM_SEED_BYTES];
	int rc;

	if (seed != NULL)
		OPENSSL_cleanse(seed, MLKEM_SEED_BYTES);
	if (RAND_bytes(dz, sizeof(dz)) != 1) {
		/* No half-made key pair: clear what could be one. */
		if (ek != NULL && eklen == pouch_mlkem_ek_len(p))
			OPENSSL_cleanse(ek, eklen);
		if (dk != NULL && dklen == pouch_mlkem_dk_len(p))
			OPENSSL_cleanse(dk, dklen);
		rc = POUCH_E_RANDOM;
		goto out;
	}
	if ((rc = pouch_mlkem_keygen_internal(c, p, dz, dz + MLKEM_SYM_BYTES,
	    ek, eklen, dk, dklen)) != POUCH_OK)
		goto out;
	if (seed != NULL)
		memcpy(seed, dz, sizeof(dz));
out:
	OPENSSL_cleanse(dz, sizeof(dz));
	return rc;
}

/* Algorithm 17, after the 7.2 check. */
int
pouch_mlkem_encaps_internal(const struct pouch_mlkem_ctx *c,
    enum pouch_mlkem_param p, const uint8_t *ek, size_t eklen,
    const uint8_t m[static MLKEM_SYM_BYTES], uint8_t *ct, size_t ctlen,
    uint8_t ss[static MLKEM_SS_BYTES])
{
	const struct pouch_mlkem_params *prm = pouch_mlkem_params_get(p);
	struct pouch_mlkem_poly at[MLKEM_K_MAX * MLKEM_K_MAX];
	EVP_MD_CTX *mdc = NULL;
	uint8_t h[MLKEM_SYM_BYTES], kr[2 * MLKEM_SYM_BYTES];
	int rc;

	OPENSSL_cleanse(ss, MLKEM_SS_BYTES);
	if (c == NULL || prm == NULL || ek == NULL || ct == NULL ||
	    ctlen != prm->ct_bytes)
		return POUCH_E_MISUSE;
	if ((rc = pouch_mlkem_ek_check(p, ek, eklen)) != POUCH_OK)
		goto out;
	if ((mdc = EVP_MD_CTX_new()) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	/*
	 * H(ek) and K-PKE's A_hat^T (a function of rho, the end of ek)
	 * together: the hash's blocks fill a lane of the matrix's pass.
	 * Then (K, r) = G(m || H(ek)), and K-PKE with that matrix.
	 */
	if ((rc = pouch_mlkem_sample_matrix_hash(c, mdc, prm->k,
	    ek + MLKEM_POLY_BYTES * prm->k, 1, at, ek, eklen, h)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mlkem_digest(mdc, c->sha3_512, m, MLKEM_SYM_BYTES, h,
	    sizeof(h), kr, sizeof(kr))) != POUCH_OK)
		goto out;
	if ((rc = pouch_mlkem_kpke_encrypt_at(c, mdc, prm, ek, m,
	    kr + MLKEM_SYM_BYTES, at, ct)) != POUCH_OK)
		goto out;
	memcpy(ss, kr, MLKEM_SS_BYTES);
out:
	if (rc != POUCH_OK)
		OPENSSL_cleanse(ct, ctlen);
	OPENSSL_cleanse(kr, sizeof(kr));
	EVP_MD_CTX_free(mdc);
	return rc;
}

/* Algorithm 20. */
int
pouch_mlkem_encaps(const struct pouch_mlkem_ctx *c, enum pouch_mlkem_param p,
    const uint8_t *ek, size_t eklen, uint8_t *ct, size_t ctlen,
    uint8_t ss[static MLKEM_SS_BYTES])
{
	uint8_t m[MLKEM_SYM_BYTES];
	int rc;

	if (RAND_bytes(m, sizeof(m)) != 1) {
		OPENSSL_cleanse(ss, MLKEM_SS_BYTES);
		if (ct != NULL && ctlen == pouch_mlkem_ct_len(p))
			OPENSSL_cleanse(ct, ctlen);
		rc = POUCH_E_RANDOM;
		goto out;
	}
	rc = pouch_mlkem_encaps_internal(c, p, ek, eklen, m, ct, ctlen, ss);
out:
	OPENSSL_cleanse(m, sizeof(m));
	return rc;
}

struct decaps_ws {
	uint8_t	m[MLKEM_SYM_BYTES];		/* m' */
	uint8_t	kr[2 * MLKEM_SYM_BYTES];	/* K' || r' */
	uint8_t	kbar[MLKEM_SS_BYTES];
	uint8_t	ct[MLKEM_CT_MAX];		/* c' */
};

/* Algorithms 21 and 18 on a checked dk and ct of the right lengths. */
static int
decaps_core(const struct pouch_mlkem_ctx *c, EVP_MD_CTX *mdc,
    const struct pouch_mlkem_params *prm, const uint8_t *dk,
    const uint8_t *ct, size_t ctlen, uint8_t ss[static MLKEM_SS_BYTES])
{
	const uint8_t *dkpke, *ekpke, *h, *z;
	struct decaps_ws ws;
	uint8_t mask;
	size_t i;
	int rc;

	dkpke = dk;
	ekpke = dk + MLKEM_POLY_BYTES * prm->k;
	h = ekpke + prm->ek_bytes;
	z = h + MLKEM_SYM_BYTES;

	pouch_mlkem_kpke_decrypt(prm, dkpke, ct, ws.m);
	/* (K', r') = G(m' || h); K_bar = J(z || c) */
	if ((rc = pouch_mlkem_digest(mdc, c->sha3_512, ws.m, MLKEM_SYM_BYTES,
	    h, MLKEM_SYM_BYTES, ws.kr, sizeof(ws.kr))) != POUCH_OK)
		goto out;
	if ((rc = pouch_mlkem_digest(mdc, c->shake256, z, MLKEM_SYM_BYTES, ct,
	    ctlen, ws.kbar, sizeof(ws.kbar))) != POUCH_OK)
		goto out;
	if ((rc = pouch_mlkem_kpke_encrypt(c, mdc, prm, ekpke, ws.m,
	    ws.kr + MLKEM_SYM_BYTES, ws.ct)) != POUCH_OK)
		goto out;
	/* if c != c' then K' = K_bar, as a masked select */
	mask = eq_mask_ct(ct, ws.ct, ctlen);
	for (i = 0; i < MLKEM_SS_BYTES; i++)
		ss[i] = (uint8_t)(ws.kbar[i] ^ (mask & (ws.kr[i] ^
		    ws.kbar[i])));
out:
	OPENSSL_cleanse(&ws, sizeof(ws));
	return rc;
}

/* Algorithms 21 and 18, after the 7.3 checks. */
int
pouch_mlkem_decaps(const struct pouch_mlkem_ctx *c, enum pouch_mlkem_param p,
    const uint8_t *dk, size_t dklen, const uint8_t *ct, size_t ctlen,
    uint8_t ss[static MLKEM_SS_BYTES])
{
	const struct pouch_mlkem_params *prm = pouch_mlkem_params_get(p);
	EVP_MD_CTX *mdc = NULL;
	int rc;

	OPENSSL_cleanse(ss, MLKEM_SS_BYTES);
	if (c == NULL || prm == NULL || dk == NULL || ct == NULL)
		return POUCH_E_MISUSE;
	if (ctlen != prm->ct_bytes)			/* 7.3 item 1 */
		return POUCH_E_MALFORMED;
	if ((mdc = EVP_MD_CTX_new()) == NULL)
		return POUCH_E_NOMEM;
	if ((rc = dk_check(c, mdc, prm, dk, dklen)) != POUCH_OK)
		goto out;					/* items 2, 3 */
	rc = decaps_core(c, mdc, prm, dk, ct, ctlen, ss);
out:
	if (rc != POUCH_OK)
		OPENSSL_cleanse(ss, MLKEM_SS_BYTES);
	EVP_MD_CTX_free(mdc);
	return rc;
}

/*
 * Decaps with the key expanded here from the seed: the dk is then ours,
 * not input, and its 7.3 hash check (one SHA3-256 of ek) is skipped.
 */
int
pouch_mlkem_decaps_seed(const struct pouch_mlkem_ctx *c,
    enum pouch_mlkem_param p, const uint8_t *seed, size_t seedlen,
    const uint8_t *ct, size_t ctlen, uint8_t ss[static MLKEM_SS_BYTES])
{
	const struct pouch_mlkem_params *prm = pouch_mlkem_params_get(p);
	uint8_t ek[MLKEM_EK_MAX], dk[MLKEM_DK_MAX];
	EVP_MD_CTX *mdc = NULL;
	int rc;

	OPENSSL_cleanse(ss, MLKEM_SS_BYTES);
	if (c == NULL || prm == NULL || seed == NULL || ct == NULL)
		return POUCH_E_MISUSE;
	if (seedlen != MLKEM_SEED_BYTES)
		return POUCH_E_BAD_KEY;
	if (ctlen != prm->ct_bytes)			/* 7.3 item 1 */
		return POUCH_E_MALFORMED;
	if ((rc = pouch_mlkem_keygen_internal(c, p, seed,
	    seed + MLKEM_SYM_BYTES, ek, prm->ek_bytes, dk, prm->dk_bytes)) !=
	    POUCH_OK)
		goto out;
	if ((mdc = EVP_MD_CTX_new()) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	rc = decaps_core(c, mdc, prm, dk, ct, ctlen, ss);
out:
	if (rc != POUCH_OK)
		OPENSSL_cleanse(ss, MLKEM_SS_BYTES);
	OPENSSL_cleanse(dk, sizeof(dk));
	EVP_MD_CTX_free(mdc);
	return rc;
}

/* ---- ML-KEM-768 with typed buffers -------------------------------- */

int
pouch_mlkem768_keygen_seed(const struct pouch_mlkem_ctx *c,
    const uint8_t seed[static MLKEM_SEED_BYTES],
    struct pouch_mlkem768_ek *ek, struct pouch_mlkem768_dk *dk)
{
	if (ek == NULL || dk == NULL)
		return POUCH_E_MISUSE;
	return pouch_mlkem_keygen_seed(c, POUCH_MLKEM768, seed,
	    MLKEM_SEED_BYTES, ek->b, sizeof(ek->b), dk->b, sizeof(dk->b));
}

/*
 * ek alone: KeyGen_internal(d, z) without dk, for a caller that keeps
 * only the seed (X-Wing): no H(ek), no dk to fill and wipe.  z plays no
 * part in ek.
 */
int
pouch_mlkem768_ek_from_seed(const struct pouch_mlkem_ctx *c,
    const uint8_t seed[static MLKEM_SEED_BYTES], struct pouch_mlkem768_ek *ek)
{
	const struct pouch_mlkem_params *prm =
	    pouch_mlkem_params_get(POUCH_MLKEM768);
	EVP_MD_CTX *mdc = NULL;
	int rc;

	if (ek == NULL)
		return POUCH_E_MISUSE;
	if (c == NULL || prm == NULL) {
		rc = POUCH_E_MISUSE;
		goto out;
	}
	if ((mdc = EVP_MD_CTX_new()) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	rc = pouch_mlkem_kpke_keygen(c, mdc, prm, seed, ek->b, NULL);
out:
	if (rc != POUCH_OK)
		OPENSSL_cleanse(ek, sizeof(*ek));
	EVP_MD_CTX_free(mdc);
	return rc;
}

int
pouch_mlkem768_encaps_internal(const struct pouch_mlkem_ctx *c,
    const struct pouch_mlkem768_ek *ek,
    const uint8_t m[static MLKEM_SYM_BYTES], struct pouch_mlkem768_ct *ct,
    uint8_t ss[static MLKEM_SS_BYTES])
{
	if (ek == NULL || ct == NULL)
		return POUCH_E_MISUSE;
	return pouch_mlkem_encaps_internal(c, POUCH_MLKEM768, ek->b,
	    sizeof(ek->b), m, ct->b, sizeof(ct->b), ss);
}

int
pouch_mlkem768_encaps(const struct pouch_mlkem_ctx *c,
    const struct pouch_mlkem768_ek *ek, struct pouch_mlkem768_ct *ct,
    uint8_t ss[static MLKEM_SS_BYTES])
{
	if (ek == NULL || ct == NULL)
		return POUCH_E_MISUSE;
	return pouch_mlkem_encaps(c, POUCH_MLKEM768, ek->b, sizeof(ek->b),
	    ct->b, sizeof(ct->b), ss);
}

int
pouch_mlkem768_decaps_seed(const struct pouch_mlkem_ctx *c,
    const uint8_t seed[static MLKEM_SEED_BYTES],
    const struct pouch_mlkem768_ct *ct, uint8_t ss[static MLKEM_SS_BYTES])
{
	if (ct == NULL)
		return POUCH_E_MISUSE;
	return pouch_mlkem_decaps_seed(c, POUCH_MLKEM768, seed,
	    MLKEM_SEED_BYTES, ct->b, sizeof(ct->b), ss);
}

int
pouch_mlkem768_decaps_own(const struct pouch_mlkem_ctx *c,
    const struct pouch_mlkem768_dk *dk, const struct pouch_mlkem768_ct *ct,
    uint8_t ss[static MLKEM_SS_BYTES])
{
	const struct pouch_mlkem_params *prm =
	    pouch_mlkem_params_get(POUCH_MLKEM768);
	EVP_MD_CTX *mdc;
	int rc;

	OPENSSL_cleanse(ss, MLKEM_SS_BYTES);
	if (c == NULL || dk == NULL || ct == NULL)
		return POUCH_E_MISUSE;
	if ((mdc = EVP_MD_CTX_new()) == NULL)
		return POUCH_E_NOMEM;
	rc = decaps_core(c, mdc, prm, dk->b, ct->b, sizeof(ct->b), ss);
	if (rc != POUCH_OK)
		OPENSSL_cleanse(ss, MLKEM_SS_BYTES);
	EVP_MD_CTX_free(mdc);
	return rc;
}

int
pouch_mlkem768_decaps(const struct pouch_mlkem_ctx *c,
    const struct pouch_mlkem768_dk *dk, const struct pouch_mlkem768_ct *ct,
    uint8_t ss[static MLKEM_SS_BYTES])
{
	if (dk == NULL || ct == NULL)
		return POUCH_E_MISUSE;
	return pouch_mlkem_decaps(c, POUCH_MLKEM768, dk->b, sizeof(dk->b),
	    ct->b, sizeof(ct->b), ss);
}
