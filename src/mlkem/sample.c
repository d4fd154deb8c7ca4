/*
 * sample.c - SampleNTT and SamplePolyCBD (FIPS 203 4.2.2).
 *
 * SampleNTT and OpenSSL 3.0.  Algorithm 7 squeezes SHAKE128 three bytes
 * at a time until 256 coefficients below q are found, a number of bytes
 * that is not bounded in advance.  OpenSSL 3.0 can finalise an XOF only
 * once (EVP_DigestFinalXOF, no incremental squeeze), so we squeeze a fixed
 * MLKEM_XOF_FIRST_BYTES = 672 bytes (four SHAKE128 blocks, 448 candidates)
 * and run the rejection loop on them.  The chance that 448 candidates hold
 * fewer than 256 below q is P[Binomial(448, 3329/4096) < 256] < 2^-105.
 * In that case we compute the XOF again from the start with a larger
 * output (1344 bytes, then doubling) and sample again.  Tests force this
 * path with pouch_mlkem_ctx_set_xof_first (the CCTV "unlucky" ek needs
 * 576 bytes, within 672, so its runner also reruns it with 504 and 3).
 * An XOF's longer output extends its shorter one, so the coefficients are
 * exactly those of Algorithm 7 with an unbounded squeeze.  The branch
 * depends only on rho, which is public (it is the last 32 bytes of ek),
 * so it leaks nothing.  FIPS 203 Appendix B allows a bound of at least
 * 280 iterations; ours is about 350,000 (a 1 MiB squeeze), beyond which
 * we fail with POUCH_E_CRYPTO.
 *
 * SamplePolyCBD reads secret bytes: it adds bits, with no branch and no
 * table lookup.
 */
#include <openssl/crypto.h>

#include "mlkem/mlkem.h"

#define XOF_RETRY_BYTES	1344		/* eight SHAKE128 blocks */
#define XOF_MAX_BYTES	(1U << 20)

/*
 * The rejection loop of Algorithm 7 over len bytes (a multiple of 3).
 * Returns the number of coefficients found, at most 256.
 */
static unsigned
rejection_vartime(struct pouch_mlkem_poly *a, const uint8_t *buf, size_t len)
{
	unsigned j = 0;
	size_t pos;
	uint16_t d1, d2;

	for (pos = 0; pos + 3 <= len && j < MLKEM_N; pos += 3) {
		d1 = (uint16_t)(buf[pos] | (buf[pos + 1] & 0x0f) << 8);
		d2 = (uint16_t)(buf[pos + 1] >> 4 | buf[pos + 2] << 4);
		if (d1 < MLKEM_Q)
			a->c[j++] = d1;
		if (d2 < MLKEM_Q && j < MLKEM_N)
			a->c[j++] = d2;
	}
	return j;
}

/* Algorithm 7 on B = rho || b32 || b33. */
int
pouch_mlkem_sample_ntt_vartime(const struct pouch_mlkem_ctx *c,
    EVP_MD_CTX *mdc, const uint8_t rho[static MLKEM_SYM_BYTES], uint8_t b32,
    uint8_t b33, struct pouch_mlkem_poly *a)
{
	uint8_t first[MLKEM_XOF_FIRST_BYTES];
	const uint8_t ij[2] = { b32, b33 };
	uint8_t *buf = first, *big = NULL;
	size_t len = c->xof_first;
	int rc;

	for (;;) {
		if ((rc = pouch_mlkem_digest(mdc, c->shake128, rho,
		    MLKEM_SYM_BYTES, ij, sizeof(ij), buf, len)) != POUCH_OK)
			goto out;
		if (rejection_vartime(a, buf, len) == MLKEM_N)
			break;
		/* The rare path: recompute with a longer output. */
		len = len < XOF_RETRY_BYTES ? XOF_RETRY_BYTES : 2 * len;
		if (len > XOF_MAX_BYTES) {
			rc = POUCH_E_CRYPTO;
			goto out;
		}
		OPENSSL_free(big);
		if ((big = OPENSSL_malloc(len)) == NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		buf = big;
	}
	rc = POUCH_OK;
out:
	OPENSSL_free(big);	/* public data: no wipe needed */
	return rc;
}

/*
 * Algorithm 8: b holds 64 eta bytes, eta is 2 or 3.  Coefficient i reads
 * the 2 eta bits from bit 2 i eta: the first eta of them add up to x, the
 * next eta to y, and f[i] = x - y mod q.  The bits are added a word at a
 * time: with eta = 2, (t & 0x55..) + ((t >> 1) & 0x55..) leaves in each
 * 2-bit field the sum of its two bits, so every nibble of that holds x
 * (low half) and y (high half) of one coefficient; with eta = 3 three
 * shifted masks 0x249249 sum 3-bit fields of a 24-bit word.
 */
void
pouch_mlkem_cbd(struct pouch_mlkem_poly *f, const uint8_t *b, unsigned eta)
{
	uint32_t t, d, x, y;
	unsigned i, j;

	if (eta == 2) {
		for (i = 0; i < MLKEM_N / 8; i++) {
			t = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
			    (uint32_t)b[4 * i + 2] << 16 |
			    (uint32_t)b[4 * i + 3] << 24;
			d = (t & 0x55555555) + ((t >> 1) & 0x55555555);
			for (j = 0; j < 8; j++) {
				x = (d >> (4 * j)) & 3;
				y = (d >> (4 * j + 2)) & 3;
				f->c[8 * i + j] = csubq_ct(MLKEM_Q + x - y);
			}
		}
		return;
	}
	for (i = 0; i < MLKEM_N / 4; i++) {
		t = (uint32_t)b[3 * i] | (uint32_t)b[3 * i + 1] << 8 |
		    (uint32_t)b[3 * i + 2] << 16;
		d = (t & 0x249249) + ((t >> 1) & 0x249249) +
		    ((t >> 2) & 0x249249);
		for (j = 0; j < 4; j++) {
			x = (d >> (6 * j)) & 7;
			y = (d >> (6 * j + 3)) & 7;
			/* x - y is in [-3, 3]: q + x - y in [q - 3, q + 3] */
			f->c[4 * i + j] = csubq_ct(MLKEM_Q + x - y);
		}
	}
}

/* SamplePolyCBD_eta(PRF_eta(s, n)): PRF_eta is SHAKE256(s || n). */
int
pouch_mlkem_sample_cbd(const struct pouch_mlkem_ctx *c, EVP_MD_CTX *mdc,
    const uint8_t s[static MLKEM_SYM_BYTES], uint8_t n, unsigned eta,
    struct pouch_mlkem_poly *f)
{
	uint8_t buf[64 * 3];
	int rc;

	if ((rc = pouch_mlkem_digest(mdc, c->shake256, s, MLKEM_SYM_BYTES,
	    &n, 1, buf, 64 * eta)) != POUCH_OK)
		goto out;
	pouch_mlkem_cbd(f, buf, eta);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}
