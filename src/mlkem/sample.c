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
 * With the four-way AVX2 SHAKE (c->simd) the XOF is squeezed a block at
 * a time, so there is nothing to recompute: three blocks (336
 * candidates, short with probability below 1%), then one more block
 * for all four while any is short, on public data again.
 *
 * SamplePolyCBD reads secret bytes: it adds bits, with no branch and no
 * table lookup.
 */
#include <assert.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mlkem/mlkem.h"

#define XOF_RETRY_BYTES	1344		/* eight SHAKE128 blocks */
#define XOF_MAX_BYTES	(1U << 20)

/* The four-way path: three blocks first, then one at a time. */
#define X4_FIRST_BLOCKS	3
#define X4_MAX_BLOCKS	(XOF_MAX_BYTES / POUCH_SHAKE128_RATE)

/*
 * The rejection loop of Algorithm 7 over len bytes (a multiple of 3),
 * filling out[0..want).  Returns the number of coefficients found.
 */
static unsigned
rej_vartime(uint16_t *out, unsigned want, const uint8_t *buf, size_t len,
    unsigned simd)
{
	unsigned j = 0;
	size_t pos = 0;
	uint16_t d1, d2;

#ifdef POUCH_MLKEM_AVX2
	if (simd)
		pos = pouch_mlkem_rej_avx2(out, want, buf, len, &j);
#else
	(void)simd;
#endif
	/*
	 * While two more fit, store both candidates and advance past the
	 * good ones: no unpredictable branch.  Then one at a time.
	 */
	for (; pos + 3 <= len && j + 2 <= want; pos += 3) {
		d1 = (uint16_t)(buf[pos] | (buf[pos + 1] & 0x0f) << 8);
		d2 = (uint16_t)(buf[pos + 1] >> 4 | buf[pos + 2] << 4);
		out[j] = d1;
		j += d1 < MLKEM_Q;
		out[j] = d2;
		j += d2 < MLKEM_Q;
	}
	for (; pos + 3 <= len && j < want; pos += 3) {
		d1 = (uint16_t)(buf[pos] | (buf[pos + 1] & 0x0f) << 8);
		d2 = (uint16_t)(buf[pos + 1] >> 4 | buf[pos + 2] << 4);
		if (d1 < MLKEM_Q)
			out[j++] = d1;
		if (d2 < MLKEM_Q && j < want)
			out[j++] = d2;
	}
	return j;
}

static unsigned
rejection_vartime(struct pouch_mlkem_poly *a, const uint8_t *buf, size_t len)
{
	return rej_vartime(a->c, MLKEM_N, buf, len, 0);
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
#ifdef POUCH_MLKEM_AVX2
	if (eta == 2 && pouch_mlkem_avx2_usable()) {
		pouch_mlkem_cbd2_avx2(f, b);
		return;
	}
#endif
	pouch_mlkem_cbd_c(f, b, eta);
}

void
pouch_mlkem_cbd_c(struct pouch_mlkem_poly *f, const uint8_t *b,
    unsigned eta)
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

#ifdef POUCH_MLKEM_AVX2
/* Up to four entries of A_hat at once: in[l] = rho || b32 || b33. */
static int
sample_ntt_x4_vartime(uint8_t in[4][MLKEM_SYM_BYTES + 2],
    struct pouch_mlkem_poly *const dst[4])
{
	static_assert(X4_FIRST_BLOCKS * POUCH_SHAKE128_RATE % 3 == 0 &&
	    POUCH_SHAKE128_RATE % 3 == 0, "blocks hold whole triples");
	uint8_t buf[4][X4_FIRST_BLOCKS * POUCH_SHAKE128_RATE];
	struct pouch_mlkem_keccakx4 st;
	const uint8_t *inp[4];
	uint8_t *outp[4];
	unsigned cnt[4], l, blocks, short_lanes;

	for (l = 0; l < 4; l++) {
		inp[l] = in[l];
		outp[l] = buf[l];
	}
	pouch_mlkem_keccakx4_absorb(&st, POUCH_SHAKE128_RATE, inp,
	    MLKEM_SYM_BYTES + 2);
	pouch_mlkem_keccakx4_squeeze(&st, POUCH_SHAKE128_RATE, outp,
	    X4_FIRST_BLOCKS);
	for (l = 0; l < 4; l++)
		cnt[l] = rej_vartime(dst[l]->c, MLKEM_N, buf[l],
		    sizeof(buf[l]), 1);
	for (blocks = X4_FIRST_BLOCKS;; blocks++) {
		short_lanes = 0;
		for (l = 0; l < 4; l++)
			short_lanes += cnt[l] < MLKEM_N;
		if (short_lanes == 0)
			return POUCH_OK;
		if (blocks >= X4_MAX_BLOCKS)
			return POUCH_E_CRYPTO;
		pouch_mlkem_keccakx4_squeeze(&st, POUCH_SHAKE128_RATE, outp,
		    1);
		for (l = 0; l < 4; l++)
			if (cnt[l] < MLKEM_N)
				cnt[l] += rej_vartime(dst[l]->c + cnt[l],
				    MLKEM_N - cnt[l], buf[l],
				    POUCH_SHAKE128_RATE, 1);
	}
}
#endif

int
pouch_mlkem_sample_matrix_vartime(const struct pouch_mlkem_ctx *c,
    EVP_MD_CTX *mdc, unsigned k, const uint8_t rho[static MLKEM_SYM_BYTES],
    int transposed, struct pouch_mlkem_poly *a)
{
	uint8_t ij[MLKEM_K_MAX * MLKEM_K_MAX][2];
	struct pouch_mlkem_poly *dst[MLKEM_K_MAX * MLKEM_K_MAX];
	unsigned i, j, n = 0;
	int rc = POUCH_OK;

	if (k > MLKEM_K_MAX)
		return POUCH_E_MISUSE;
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++) {
			ij[n][0] = (uint8_t)(transposed ? i : j);   /* b32 */
			ij[n][1] = (uint8_t)(transposed ? j : i);   /* b33 */
			dst[n++] = &a[k * i + j];
		}
#ifdef POUCH_MLKEM_AVX2
	if (c->simd) {
		uint8_t in[4][MLKEM_SYM_BYTES + 2];
		struct pouch_mlkem_poly spare;
		struct pouch_mlkem_poly *d4[4];
		unsigned b, l;

		for (b = 0; b < n; b += 4) {
			/* Lanes past the last entry repeat it into spare. */
			for (l = 0; l < 4; l++) {
				i = b + l < n ? b + l : n - 1;
				memcpy(in[l], rho, MLKEM_SYM_BYTES);
				memcpy(in[l] + MLKEM_SYM_BYTES, ij[i], 2);
				d4[l] = b + l < n ? dst[i] : &spare;
			}
			if ((rc = sample_ntt_x4_vartime(in, d4)) != POUCH_OK)
				return rc;
		}
		return POUCH_OK;
	}
#endif
	for (i = 0; i < n && rc == POUCH_OK; i++)
		rc = pouch_mlkem_sample_ntt_vartime(c, mdc, rho, ij[i][0],
		    ij[i][1], dst[i]);
	return rc;
}

int
pouch_mlkem_sample_cbd_many(const struct pouch_mlkem_ctx *c,
    EVP_MD_CTX *mdc, const uint8_t s[static MLKEM_SYM_BYTES], uint8_t n,
    unsigned eta, struct pouch_mlkem_poly *const *f, unsigned count)
{
	unsigned i;
	int rc = POUCH_OK;

#ifdef POUCH_MLKEM_AVX2
	if (c->simd) {
		uint8_t in[4][MLKEM_SYM_BYTES + 1];
		uint8_t buf[4][2 * POUCH_SHAKE256_RATE];
		struct pouch_mlkem_keccakx4 st;
		const uint8_t *inp[4];
		uint8_t *outp[4];
		unsigned l;

		for (l = 0; l < 4; l++) {
			memcpy(in[l], s, MLKEM_SYM_BYTES);
			inp[l] = in[l];
			outp[l] = buf[l];
		}
		for (i = 0; i < count; i += 4) {
			for (l = 0; l < 4; l++)
				in[l][MLKEM_SYM_BYTES] = (uint8_t)(n + i + l);
			pouch_mlkem_keccakx4_absorb(&st, POUCH_SHAKE256_RATE,
			    inp, sizeof(in[0]));
			/* 64 eta bytes: one block for eta 2, two for 3. */
			pouch_mlkem_keccakx4_squeeze(&st, POUCH_SHAKE256_RATE,
			    outp, eta == 2 ? 1 : 2);
			for (l = 0; l < 4 && i + l < count; l++)
				pouch_mlkem_cbd(f[i + l], buf[l], eta);
		}
		OPENSSL_cleanse(in, sizeof(in));
		OPENSSL_cleanse(buf, sizeof(buf));
		OPENSSL_cleanse(&st, sizeof(st));
		return POUCH_OK;
	}
#endif
	for (i = 0; i < count && rc == POUCH_OK; i++)
		rc = pouch_mlkem_sample_cbd(c, mdc, s, (uint8_t)(n + i), eta,
		    f[i]);
	return rc;
}
