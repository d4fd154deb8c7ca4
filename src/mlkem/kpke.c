/*
 * kpke.c - K-PKE, the CPA-secure encryption inside ML-KEM (FIPS 203 5).
 * The matrix A_hat is sampled whole at the start of a call, together
 * with the noise polynomials (one four-way pass with the AVX2 SHAKE),
 * into a local array that is not wiped: it is public, a function of
 * rho.  Every secret polynomial lives in one workspace
 * struct per function, wiped at out: on every path.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "mlkem/mlkem.h"

struct keygen_ws {
	struct pouch_mlkem_poly	s[MLKEM_K_MAX];
	struct pouch_mlkem_poly	e[MLKEM_K_MAX];
	struct pouch_mlkem_poly	t;
	struct pouch_mlkem_acc	acc;
};

struct encrypt_ws {
	struct pouch_mlkem_poly	y[MLKEM_K_MAX];
	struct pouch_mlkem_poly	e1[MLKEM_K_MAX];
	struct pouch_mlkem_poly	e2, t, u, v, mu;
	struct pouch_mlkem_acc	acc;
};

struct decrypt_ws {
	struct pouch_mlkem_poly	u, s, su, w;
	struct pouch_mlkem_acc	acc;
};

/* Algorithm 13, lines 1-2: (rho, sigma) = G(d || k); then the rest. */
int
pouch_mlkem_kpke_keygen(const struct pouch_mlkem_ctx *c, EVP_MD_CTX *mdc,
    const struct pouch_mlkem_params *p,
    const uint8_t d[static MLKEM_SYM_BYTES], uint8_t *ek, uint8_t *dkpke)
{
	uint8_t dk[MLKEM_SYM_BYTES + 1], rs[2 * MLKEM_SYM_BYTES];
	int rc;

	memcpy(dk, d, MLKEM_SYM_BYTES);
	dk[MLKEM_SYM_BYTES] = (uint8_t)p->k;		/* domain separation */
	if ((rc = pouch_mlkem_digest(mdc, c->sha3_512, dk, sizeof(dk), NULL,
	    0, rs, sizeof(rs))) != POUCH_OK)
		goto out;
	POUCH_CT_DECLASSIFY(rs, MLKEM_SYM_BYTES);	/* rho goes into ek */
	rc = pouch_mlkem_kpke_keygen_rs(c, mdc, p, rs, rs + MLKEM_SYM_BYTES,
	    ek, dkpke);
out:
	OPENSSL_cleanse(dk, sizeof(dk));
	OPENSSL_cleanse(rs, sizeof(rs));
	return rc;
}

/* Algorithm 13, lines 3-22. */
int
pouch_mlkem_kpke_keygen_rs(const struct pouch_mlkem_ctx *c, EVP_MD_CTX *mdc,
    const struct pouch_mlkem_params *p,
    const uint8_t rho[static MLKEM_SYM_BYTES],
    const uint8_t sigma[static MLKEM_SYM_BYTES], uint8_t *ek, uint8_t *dkpke)
{
	struct pouch_mlkem_poly a[MLKEM_K_MAX * MLKEM_K_MAX];
	struct pouch_mlkem_poly *se[2 * MLKEM_K_MAX];
	struct keygen_ws ws;
	unsigned i, j;
	int rc;

	/*
	 * s[i] = CBD(PRF(sigma, i)), e[i] = CBD(PRF(sigma, k + i)), and
	 * a[k i + j] = A_hat[i, j] = SampleNTT(rho || j || i), in one pass.
	 */
	for (i = 0; i < p->k; i++) {
		se[i] = &ws.s[i];
		se[p->k + i] = &ws.e[i];
	}
	if ((rc = pouch_mlkem_sample_matrix_noise(c, mdc, p->k, rho, 0, a,
	    sigma, p->eta1, 2 * p->k, p->eta1, se, 2 * p->k)) != POUCH_OK)
		goto out;
	for (i = 0; i < p->k; i++) {
		pouch_mlkem_ntt(&ws.s[i]);
		pouch_mlkem_ntt(&ws.e[i]);
	}
	/* t_hat[i] = sum_j A_hat[i, j] * s_hat[j] + e_hat[i]. */
	for (i = 0; i < p->k; i++) {
		memset(&ws.acc, 0, sizeof(ws.acc));
		for (j = 0; j < p->k; j++)
			pouch_mlkem_basemul_lazy(&ws.acc, &a[p->k * i + j],
			    &ws.s[j]);
		pouch_mlkem_acc_reduce(&ws.t, &ws.acc);
		pouch_mlkem_poly_add(&ws.t, &ws.e[i]);
		pouch_mlkem_byte_encode(ek + MLKEM_POLY_BYTES * i, &ws.t, 12);
		if (dkpke != NULL)
			pouch_mlkem_byte_encode(dkpke + MLKEM_POLY_BYTES * i,
			    &ws.s[i], 12);
	}
	memcpy(ek + MLKEM_POLY_BYTES * p->k, rho, MLKEM_SYM_BYTES);
	rc = POUCH_OK;
out:
	OPENSSL_cleanse(&ws, sizeof(ws));
	return rc;
}

/*
 * Algorithm 14 with A_hat^T in at, or (at NULL) sampled here into
 * scratch (room for k^2 polynomials).
 */
static int
encrypt(const struct pouch_mlkem_ctx *c, EVP_MD_CTX *mdc,
    const struct pouch_mlkem_params *p, const uint8_t *ek,
    const uint8_t m[static MLKEM_SYM_BYTES],
    const uint8_t r[static MLKEM_SYM_BYTES],
    const struct pouch_mlkem_poly *at, struct pouch_mlkem_poly *scratch,
    uint8_t *ct)
{
	const uint8_t *rho = ek + MLKEM_POLY_BYTES * p->k;
	struct pouch_mlkem_poly *noise[2 * MLKEM_K_MAX + 1];
	const struct pouch_mlkem_poly *a = at != NULL ? at : scratch;
	struct encrypt_ws ws;
	unsigned i, j;
	int rc;

	/*
	 * y[i], e1[i], e2 = CBD(PRF(r, i)), CBD(PRF(r, k + i)), ..(2k) and,
	 * unless the caller has it, a[k i + j] = A_hat[j, i] =
	 * SampleNTT(rho || i || j), in one pass.
	 */
	for (i = 0; i < p->k; i++) {
		noise[i] = &ws.y[i];
		noise[p->k + i] = &ws.e1[i];
	}
	noise[2 * p->k] = &ws.e2;
	if (at != NULL) {
		if ((rc = pouch_mlkem_sample_cbd_many(c, mdc, r, 0, p->eta1,
		    noise, p->k)) != POUCH_OK ||
		    (rc = pouch_mlkem_sample_cbd_many(c, mdc, r,
		    (uint8_t)p->k, p->eta2, noise + p->k, p->k + 1)) !=
		    POUCH_OK)
			goto out;
	} else if ((rc = pouch_mlkem_sample_matrix_noise(c, mdc, p->k, rho,
	    1, scratch, r, p->eta1, p->k, p->eta2, noise, 2 * p->k + 1)) !=
	    POUCH_OK)
		goto out;
	for (i = 0; i < p->k; i++)
		pouch_mlkem_ntt(&ws.y[i]);

	/* u[i] = NTT^-1(sum_j A_hat[j, i] * y_hat[j]) + e1[i], then c1. */
	for (i = 0; i < p->k; i++) {
		memset(&ws.acc, 0, sizeof(ws.acc));
		for (j = 0; j < p->k; j++)
			pouch_mlkem_basemul_lazy(&ws.acc, &a[p->k * i + j],
			    &ws.y[j]);
		pouch_mlkem_acc_reduce(&ws.u, &ws.acc);
		pouch_mlkem_invntt(&ws.u);
		pouch_mlkem_poly_add(&ws.u, &ws.e1[i]);
		pouch_mlkem_poly_compress(&ws.u, p->du);
		pouch_mlkem_byte_encode(ct + 32 * p->du * i, &ws.u, p->du);
	}

	/* v = NTT^-1(t_hat^T * y_hat) + e2 + mu, then c2. */
	memset(&ws.acc, 0, sizeof(ws.acc));
	for (i = 0; i < p->k; i++) {
		pouch_mlkem_byte_decode(&ws.t, ek + MLKEM_POLY_BYTES * i, 12);
		pouch_mlkem_basemul_lazy(&ws.acc, &ws.t, &ws.y[i]);
	}
	pouch_mlkem_acc_reduce(&ws.v, &ws.acc);
	pouch_mlkem_invntt(&ws.v);
	pouch_mlkem_poly_add(&ws.v, &ws.e2);
	pouch_mlkem_byte_decode(&ws.mu, m, 1);
	pouch_mlkem_poly_decompress(&ws.mu, 1);
	pouch_mlkem_poly_add(&ws.v, &ws.mu);
	pouch_mlkem_poly_compress(&ws.v, p->dv);
	pouch_mlkem_byte_encode(ct + 32 * p->du * p->k, &ws.v, p->dv);
	rc = POUCH_OK;
out:
	OPENSSL_cleanse(&ws, sizeof(ws));
	return rc;
}

int
pouch_mlkem_kpke_encrypt(const struct pouch_mlkem_ctx *c, EVP_MD_CTX *mdc,
    const struct pouch_mlkem_params *p, const uint8_t *ek,
    const uint8_t m[static MLKEM_SYM_BYTES],
    const uint8_t r[static MLKEM_SYM_BYTES], uint8_t *ct)
{
	struct pouch_mlkem_poly a[MLKEM_K_MAX * MLKEM_K_MAX];

	return encrypt(c, mdc, p, ek, m, r, NULL, a, ct);
}

int
pouch_mlkem_kpke_encrypt_at(const struct pouch_mlkem_ctx *c,
    EVP_MD_CTX *mdc, const struct pouch_mlkem_params *p, const uint8_t *ek,
    const uint8_t m[static MLKEM_SYM_BYTES],
    const uint8_t r[static MLKEM_SYM_BYTES],
    const struct pouch_mlkem_poly *at, uint8_t *ct)
{
	if (at == NULL)
		return POUCH_E_MISUSE;
	return encrypt(c, mdc, p, ek, m, r, at, NULL, ct);
}

/* Algorithm 15. */
void
pouch_mlkem_kpke_decrypt(const struct pouch_mlkem_params *p,
    const uint8_t *dkpke, const uint8_t *ct, uint8_t m[static MLKEM_SYM_BYTES])
{
	struct decrypt_ws ws;
	unsigned i;

	/* su = s_hat^T * NTT(u'). */
	memset(&ws.acc, 0, sizeof(ws.acc));
	for (i = 0; i < p->k; i++) {
		pouch_mlkem_byte_decode(&ws.u, ct + 32 * p->du * i, p->du);
		pouch_mlkem_poly_decompress(&ws.u, p->du);
		pouch_mlkem_ntt(&ws.u);
		pouch_mlkem_byte_decode(&ws.s, dkpke + MLKEM_POLY_BYTES * i,
		    12);
		pouch_mlkem_basemul_lazy(&ws.acc, &ws.s, &ws.u);
	}
	pouch_mlkem_acc_reduce(&ws.su, &ws.acc);
	pouch_mlkem_invntt(&ws.su);
	/* w = v' - NTT^-1(s_hat^T * NTT(u')); m = ByteEncode1(Compress1(w)). */
	pouch_mlkem_byte_decode(&ws.w, ct + 32 * p->du * p->k, p->dv);
	pouch_mlkem_poly_decompress(&ws.w, p->dv);
	pouch_mlkem_poly_sub(&ws.w, &ws.su);
	pouch_mlkem_poly_compress(&ws.w, 1);
	pouch_mlkem_byte_encode(m, &ws.w, 1);
	OPENSSL_cleanse(&ws, sizeof(ws));
}
