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
 * a time, so there is nothing to recompute: each lane of the four-way
 * Keccak squeezes the next block of its entry until the entry has its
 * 256 coefficients (three blocks, 336 candidates, almost always), then
 * starts the next entry or noise polynomial (the scheduler below).
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

/* The four-way path squeezes a block at a time, up to this many. */
#define X4_MAX_BLOCKS	(XOF_MAX_BYTES / POUCH_SHAKE128_RATE)
#define X4_SLACK	8

/*
 * The rejection loop of Algorithm 7 over len bytes (a multiple of 3),
 * filling out[0..want).  Returns the number of coefficients found.
 * With simd, buf has readable >= len bytes that the AVX2 loop may load.
 */
static unsigned
rej_vartime(uint16_t *out, unsigned want, const uint8_t *buf, size_t len,
    unsigned simd, size_t readable)
{
	unsigned j = 0;
	size_t pos = 0;
	uint16_t d1, d2;

#ifdef POUCH_MLKEM_AVX2
	if (simd)
		pos = pouch_mlkem_rej_avx2(out, want, buf, len, readable, &j);
#else
	(void)simd;
	(void)readable;
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
	return rej_vartime(a->c, MLKEM_N, buf, len, 0, len);
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
/*
 * The four-way scheduler.  A job is one polynomial, a SampleNTT entry
 * (SHAKE128 of rho || b32 || b33, then the rejection loop) or a noise
 * polynomial (SHAKE256 of s || n, then SamplePolyCBD_eta), or else one
 * SHA3-256 of a long message (ML-KEM's H(ek), a block per permutation).
 * Each of the four lanes runs one job, a block per permutation, and
 * takes the next job as soon as its own is done, so no lane idles while
 * jobs are left: a matrix of nine entries and six noise polynomials take
 * nine permutations where one call per kind took eleven, and H(ek) runs
 * beside a matrix instead of alone.  Which lane runs what, and when,
 * depends on the rejection counts (rho's, public), eta and the message
 * length, never on the noise seed.
 */
enum x4_kind {
	X4_NTT = 1,		/* dst = SampleNTT(in) */
	X4_CBD = 2,		/* dst = SamplePolyCBD_eta(PRF_eta(in)) */
	X4_SHA3 = 3		/* h = SHA3-256(msg) */
};

struct x4_job {
	enum x4_kind		 kind;
	struct pouch_mlkem_poly	*dst;
	uint8_t			 in[MLKEM_SYM_BYTES + 2];
	size_t			 inlen;
	unsigned		 eta;
	const uint8_t		*msg;		/* X4_SHA3 */
	size_t			 msglen;
	uint8_t			*h;
};

struct x4_lane {
	unsigned	job;		/* index into the jobs; njobs: idle */
	unsigned	found;		/* X4_NTT: coefficients so far */
	unsigned	blocks;		/* blocks squeezed for the job */
	size_t		off;		/* X4_SHA3: message bytes absorbed */
	int		padded;		/* X4_SHA3: last block absorbed */
};

/* The scheduler's state and buffers: PRF output is secret, so wiped. */
struct x4_ws {
	struct pouch_mlkem_keccakx4	st;
	/* + X4_SLACK: the AVX2 rejection loop loads 16 bytes per 12 */
	uint8_t		out[4][POUCH_KECCAK_RATE_MAX + X4_SLACK];
	uint8_t		prf[4][2 * POUCH_SHAKE256_RATE];
	struct x4_lane	lane[4];
};

#define SHA3_256_RATE	136

/* X4_SHA3: add the next block of the message (and the padding if last). */
static void
x4_sha3_block(struct x4_ws *ws, unsigned l, const struct x4_job *jb)
{
	struct x4_lane *ln = &ws->lane[l];
	size_t n = jb->msglen - ln->off;

	if (n >= SHA3_256_RATE) {
		pouch_mlkem_keccakx4_lane_xor(&ws->st, l, jb->msg + ln->off,
		    SHA3_256_RATE, 0, SHA3_256_RATE);
		ln->off += SHA3_256_RATE;
		return;
	}
	/* SHA-3's domain bits 01, then pad10*1 (FIPS 202 6.1, B.2). */
	pouch_mlkem_keccakx4_lane_xor(&ws->st, l, jb->msg + ln->off, n, 0x06,
	    SHA3_256_RATE);
	ln->off += n;
	ln->padded = 1;
}

/* Lane l takes job *next, if any is left. */
static void
x4_start(struct x4_ws *ws, unsigned l, const struct x4_job *jobs,
    unsigned njobs, unsigned *next)
{
	const struct x4_job *jb;

	memset(&ws->lane[l], 0, sizeof(ws->lane[l]));
	ws->lane[l].job = *next;
	if (*next >= njobs)
		return;
	jb = &jobs[(*next)++];
	if (jb->kind == X4_SHA3) {
		pouch_mlkem_keccakx4_lane_zero(&ws->st, l);
		x4_sha3_block(ws, l, jb);
		return;
	}
	pouch_mlkem_keccakx4_lane_absorb(&ws->st, l, jb->kind == X4_NTT ?
	    POUCH_SHAKE128_RATE : POUCH_SHAKE256_RATE, jb->in, jb->inlen);
}

/* Lane l's job after one more permutation; 1 when the job is done. */
static int
x4_step(struct x4_ws *ws, unsigned l, const struct x4_job *jb)
{
	struct x4_lane *ln = &ws->lane[l];

	ln->blocks++;
	switch (jb->kind) {
	case X4_NTT:
		/* A function of rho alone: public (ctgrind). */
		POUCH_CT_DECLASSIFY(ws->out[l], POUCH_SHAKE128_RATE);
		ln->found += rej_vartime(jb->dst->c + ln->found,
		    MLKEM_N - ln->found, ws->out[l], POUCH_SHAKE128_RATE, 1,
		    sizeof(ws->out[l]));
		return ln->found == MLKEM_N;
	case X4_CBD:
		memcpy(ws->prf[l] + POUCH_SHAKE256_RATE * (ln->blocks - 1),
		    ws->out[l], POUCH_SHAKE256_RATE);
		if (POUCH_SHAKE256_RATE * ln->blocks < 64 * jb->eta)
			return 0;
		pouch_mlkem_cbd(jb->dst, ws->prf[l], jb->eta);
		return 1;
	case X4_SHA3:
		if (!ln->padded) {
			x4_sha3_block(ws, l, jb);
			return 0;
		}
		memcpy(jb->h, ws->out[l], MLKEM_SYM_BYTES);
		return 1;
	}
	return 1;
}

static int
x4_run_vartime(const struct x4_job *jobs, unsigned njobs)
{
	static_assert(POUCH_SHAKE128_RATE % 3 == 0, "blocks hold triples");
	struct x4_ws ws;
	uint8_t *outp[4];
	unsigned l, next = 0, active;
	int rc;

	memset(&ws.st, 0, sizeof(ws.st));
	memset(ws.out, 0, sizeof(ws.out));	/* the slack, loaded unused */
	for (l = 0; l < 4; l++) {
		outp[l] = ws.out[l];
		x4_start(&ws, l, jobs, njobs, &next);
	}
	for (;;) {
		active = 0;
		for (l = 0; l < 4; l++)
			active += ws.lane[l].job < njobs;
		if (active == 0)
			break;
		pouch_mlkem_keccakx4_permute(&ws.st);
		pouch_mlkem_keccakx4_extract(&ws.st, POUCH_SHAKE128_RATE,
		    outp);
		for (l = 0; l < 4; l++) {
			if (ws.lane[l].job >= njobs)
				continue;
			if (x4_step(&ws, l, &jobs[ws.lane[l].job]))
				x4_start(&ws, l, jobs, njobs, &next);
			else if (ws.lane[l].blocks >= X4_MAX_BLOCKS) {
				rc = POUCH_E_CRYPTO;
				goto out;
			}
		}
	}
	rc = POUCH_OK;
out:
	OPENSSL_cleanse(&ws, sizeof(ws));
	return rc;
}

/* The k^2 SampleNTT jobs of A_hat, as sample_matrix_vartime lays it out. */
static unsigned
x4_matrix_jobs(struct x4_job *jobs, unsigned k,
    const uint8_t rho[static MLKEM_SYM_BYTES], int transposed,
    struct pouch_mlkem_poly *a)
{
	unsigned i, j, n = 0;

	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++) {
			memcpy(jobs[n].in, rho, MLKEM_SYM_BYTES);
			jobs[n].in[MLKEM_SYM_BYTES] =
			    (uint8_t)(transposed ? i : j);	/* b32 */
			jobs[n].in[MLKEM_SYM_BYTES + 1] =
			    (uint8_t)(transposed ? j : i);	/* b33 */
			jobs[n].kind = X4_NTT;
			jobs[n].inlen = MLKEM_SYM_BYTES + 2;
			jobs[n].dst = &a[k * i + j];
			n++;
		}
	return n;
}
#endif

int
pouch_mlkem_sample_matrix_vartime(const struct pouch_mlkem_ctx *c,
    EVP_MD_CTX *mdc, unsigned k, const uint8_t rho[static MLKEM_SYM_BYTES],
    int transposed, struct pouch_mlkem_poly *a)
{
	unsigned i, j;
	int rc = POUCH_OK;

	if (k > MLKEM_K_MAX)
		return POUCH_E_MISUSE;
#ifdef POUCH_MLKEM_AVX2
	if (c->simd) {
		struct x4_job jobs[MLKEM_K_MAX * MLKEM_K_MAX];

		memset(jobs, 0, sizeof(jobs));
		return x4_run_vartime(jobs, x4_matrix_jobs(jobs, k, rho,
		    transposed, a));
	}
#endif
	for (i = 0; i < k && rc == POUCH_OK; i++)
		for (j = 0; j < k && rc == POUCH_OK; j++)
			rc = pouch_mlkem_sample_ntt_vartime(c, mdc, rho,
			    (uint8_t)(transposed ? i : j),	/* b32 */
			    (uint8_t)(transposed ? j : i),	/* b33 */
			    &a[k * i + j]);
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

int
pouch_mlkem_sample_matrix_noise(const struct pouch_mlkem_ctx *c,
    EVP_MD_CTX *mdc, unsigned k, const uint8_t rho[static MLKEM_SYM_BYTES],
    int transposed, struct pouch_mlkem_poly *a,
    const uint8_t s[static MLKEM_SYM_BYTES], unsigned eta1, unsigned n1,
    unsigned eta2, struct pouch_mlkem_poly *const *f, unsigned count)
{
	int rc;

	if (k > MLKEM_K_MAX || n1 > count || count > 2 * MLKEM_K_MAX + 1)
		return POUCH_E_MISUSE;
#ifdef POUCH_MLKEM_AVX2
	if (c->simd) {
		struct x4_job jobs[MLKEM_K_MAX * MLKEM_K_MAX + 2 *
		    MLKEM_K_MAX + 1];
		unsigned i, n;

		memset(jobs, 0, sizeof(jobs));
		/* The long SampleNTT jobs first: noise fills the gaps. */
		n = x4_matrix_jobs(jobs, k, rho, transposed, a);
		for (i = 0; i < count; i++, n++) {
			memcpy(jobs[n].in, s, MLKEM_SYM_BYTES);
			jobs[n].in[MLKEM_SYM_BYTES] = (uint8_t)i;
			jobs[n].kind = X4_CBD;
			jobs[n].inlen = MLKEM_SYM_BYTES + 1;
			jobs[n].eta = i < n1 ? eta1 : eta2;
			jobs[n].dst = f[i];
		}
		rc = x4_run_vartime(jobs, n);
		OPENSSL_cleanse(jobs, sizeof(jobs));
		return rc;
	}
#endif
	if ((rc = pouch_mlkem_sample_cbd_many(c, mdc, s, 0, eta1, f, n1)) !=
	    POUCH_OK || (rc = pouch_mlkem_sample_cbd_many(c, mdc, s,
	    (uint8_t)n1, eta2, f + n1, count - n1)) != POUCH_OK)
		return rc;
	return pouch_mlkem_sample_matrix_vartime(c, mdc, k, rho, transposed,
	    a);
}

int
pouch_mlkem_sample_matrix_hash(const struct pouch_mlkem_ctx *c,
    EVP_MD_CTX *mdc, unsigned k, const uint8_t rho[static MLKEM_SYM_BYTES],
    int transposed, struct pouch_mlkem_poly *a, const uint8_t *msg,
    size_t msglen, uint8_t h[static MLKEM_SYM_BYTES])
{
	int rc;

	if (k > MLKEM_K_MAX)
		return POUCH_E_MISUSE;
#ifdef POUCH_MLKEM_AVX2
	if (c->simd) {
		struct x4_job jobs[1 + MLKEM_K_MAX * MLKEM_K_MAX];

		/* H first: its nine blocks run beside the matrix entries. */
		memset(jobs, 0, sizeof(jobs));
		jobs[0].kind = X4_SHA3;
		jobs[0].msg = msg;
		jobs[0].msglen = msglen;
		jobs[0].h = h;
		return x4_run_vartime(jobs, 1 + x4_matrix_jobs(jobs + 1, k,
		    rho, transposed, a));
	}
#endif
	if ((rc = pouch_mlkem_digest(mdc, c->sha3_256, msg, msglen, NULL, 0,
	    h, MLKEM_SYM_BYTES)) != POUCH_OK)
		return rc;
	return pouch_mlkem_sample_matrix_vartime(c, mdc, k, rho, transposed,
	    a);
}
