/*
 * mlkem - ML-KEM-512, -768 and -1024 exactly as FIPS 203 (August 2024):
 * the deterministic internal algorithms (KeyGen_internal, Encaps_internal,
 * Decaps_internal with implicit rejection), the randomized public ones,
 * key generation from the 64-byte seed d || z that HPKE-PQ, X-Wing and
 * Wycheproof use as the private key, and the input checks of 7.2 (modulus
 * check of an encapsulation key) and 7.3 (lengths, hash check of a
 * decapsulation key).  This is the one primitive libpouch implements
 * itself; SHA3-256/512 and SHAKE128/256 come from OpenSSL, fetched once
 * into a struct pouch_mlkem_ctx, except that where the CPU has AVX2 the
 * SHAKE of SampleNTT and PRF (and Encaps' H(ek), beside the matrix) runs
 * four instances at a time in our own Keccak (keccak_avx2.c, scheduled
 * by sample.c) and the NTTs, products in T_q, Compress_d, Decompress_d,
 * ByteEncode_d and ByteDecode_d use AVX2 (poly_avx2.c); the portable
 * code stays and tests hold both to the same output.  Everything that
 * touches secret data runs in constant time: no branch, table index or
 * division depends on a secret (tests/mlkem/ctgrind.c, on both paths,
 * and tools/check-nodiv check it).  The files split by concern: hash.c
 * (context, G/H/J/PRF/XOF), poly.c (arithmetic mod q, NTT), poly_avx2.c,
 * keccak_avx2.c, sample.c (SampleNTT, SamplePolyCBD, the whole matrix),
 * encode.c (ByteEncode/Decode, Compress/Decompress), kpke.c (K-PKE),
 * kem.c (ML-KEM and its input checks).
 */
#ifndef POUCH_MLKEM_H
#define POUCH_MLKEM_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include <pouch/err.h>

#define MLKEM_N			256
#define MLKEM_Q			3329
#define MLKEM_K_MAX		4

#define MLKEM_SYM_BYTES		32	/* d, z, m, rho, sigma, H(ek), r */
#define MLKEM_SEED_BYTES	64	/* d || z: the private key as a seed */
#define MLKEM_SS_BYTES		32	/* shared secret K */
#define MLKEM_POLY_BYTES	384	/* ByteEncode12 of one polynomial */

#define MLKEM512_EK_BYTES	800
#define MLKEM512_DK_BYTES	1632
#define MLKEM512_CT_BYTES	768
#define MLKEM768_EK_BYTES	1184
#define MLKEM768_DK_BYTES	2400
#define MLKEM768_CT_BYTES	1088
#define MLKEM1024_EK_BYTES	1568
#define MLKEM1024_DK_BYTES	3168
#define MLKEM1024_CT_BYTES	1568
#define MLKEM_EK_MAX		MLKEM1024_EK_BYTES
#define MLKEM_DK_MAX		MLKEM1024_DK_BYTES
#define MLKEM_CT_MAX		MLKEM1024_CT_BYTES

/*
 * SampleNTT squeezes this many SHAKE128 bytes first (4 blocks, 448
 * candidates); see sample.c for why and for the rare fallback.
 */
#define MLKEM_XOF_FIRST_BYTES	672

enum pouch_mlkem_param {
	POUCH_MLKEM512 = 1,
	POUCH_MLKEM768 = 2,
	POUCH_MLKEM1024 = 3
};

/* FIPS 203 Table 2 and the sizes of Table 3. */
struct pouch_mlkem_params {
	enum pouch_mlkem_param	id;
	unsigned		k, eta1, eta2, du, dv;
	size_t			ek_bytes, dk_bytes, ct_bytes;
};

/* Hash functions fetched once.  Immutable after creation, except through
 * the test-only pouch_mlkem_ctx_set_xof_first and _set_simd. */
struct pouch_mlkem_ctx {
	EVP_MD		*sha3_256;	/* H */
	EVP_MD		*sha3_512;	/* G */
	EVP_MD		*shake128;	/* XOF */
	EVP_MD		*shake256;	/* J, PRF */
	size_t		 xof_first;	/* first SampleNTT squeeze, bytes */
	unsigned	 simd;		/* 1: four-way AVX2 SHAKE (sample.c) */
	int		 lent;		/* the digests are the provider's */
};

/* Typed keys for ML-KEM-768, the set of X-Wing and the default suite. */
struct pouch_mlkem768_ek { uint8_t b[MLKEM768_EK_BYTES]; };
struct pouch_mlkem768_dk { uint8_t b[MLKEM768_DK_BYTES]; };
struct pouch_mlkem768_ct { uint8_t b[MLKEM768_CT_BYTES]; };

/* Coefficients always fully reduced, in [0, q). */
struct pouch_mlkem_poly {
	uint16_t	c[MLKEM_N];
};

/*
 * An unreduced sum of products in T_q (pouch_mlkem_basemul_lazy): each
 * product adds less than 2 q^2 per coefficient, so up to 193 of them fit
 * in 32 bits; K-PKE adds at most k = 4.
 */
struct pouch_mlkem_acc {
	uint32_t	c[MLKEM_N];
};

/*
 * Hide x from the optimiser so that a mask built from it is never turned
 * back into a branch (the wireguard key_is_zero / BearSSL idea).
 */
static inline uint32_t
value_barrier_ct(uint32_t x)
{
	__asm__("" : "+r"(x));
	return x;
}

/* x mod q for x < 2q, in constant time. */
static inline uint16_t
csubq_ct(uint32_t x)
{
	uint32_t r = x - MLKEM_Q;
	uint32_t mask = value_barrier_ct(0U - (r >> 31)); /* ones if x < q */

	return (uint16_t)(r + (MLKEM_Q & mask));
}

/* ---- context (hash.c) --------------------------------------------- */

/* Fetch SHA3-256/512 and SHAKE128/256: POUCH_E_CRYPTO, POUCH_E_NOMEM. */
int	pouch_mlkem_ctx_new(struct pouch_mlkem_ctx **out) POUCH_WARN_UNUSED;
/*
 * The same with the digests the crypto provider fetched once, lent (no
 * fetch, no reference: the provider must outlive the context): what
 * every per-operation caller uses, since a fetch costs more than a whole
 * SHA3-256 of an encapsulation key.
 */
struct pouch_crypto;
int	pouch_mlkem_ctx_new_from(const struct pouch_crypto *crypto,
	    struct pouch_mlkem_ctx **out) POUCH_WARN_UNUSED;
void	pouch_mlkem_ctx_free(struct pouch_mlkem_ctx *c);
/*
 * Tests only: make SampleNTT's first squeeze n bytes (rounded down to a
 * multiple of 3, at least 3, at most MLKEM_XOF_FIRST_BYTES) so that the
 * rare recompute path runs.  Not for use while c is shared.
 */
void	pouch_mlkem_ctx_set_xof_first(struct pouch_mlkem_ctx *c, size_t n);
/*
 * Tests only: 0 makes SampleNTT and the PRF use OpenSSL one call at a
 * time (the portable path); 1 the four-way AVX2 SHAKE of keccak_avx2.c,
 * where the CPU has AVX2 (pouch_mlkem_ctx_new picks that by default).
 * pouch_mlkem_ctx_set_xof_first sets 0, since only that path has a
 * first squeeze to shorten.  Not for use while c is shared.
 */
void	pouch_mlkem_ctx_set_simd(struct pouch_mlkem_ctx *c, int on);

/*
 * out = md(a || b), outlen bytes (the digest length for SHA3, any length
 * for SHAKE).  b may be NULL when blen is 0.
 */
int	pouch_mlkem_digest(EVP_MD_CTX *mdc, const EVP_MD *md,
	    const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
	    uint8_t *out, size_t outlen) POUCH_WARN_UNUSED;

/* The parameter set, or NULL for an unknown one. */
const struct pouch_mlkem_params *pouch_mlkem_params_get(
	    enum pouch_mlkem_param p);
size_t	pouch_mlkem_ek_len(enum pouch_mlkem_param p);	/* 0 if unknown */
size_t	pouch_mlkem_dk_len(enum pouch_mlkem_param p);
size_t	pouch_mlkem_ct_len(enum pouch_mlkem_param p);

/* ---- arithmetic mod q and the NTT (poly.c) ------------------------ */

/* a mod q for a < 2^32, in constant time (Barrett, no division). */
uint16_t pouch_mlkem_reduce(uint32_t a);
/* For |a| <= 2^15 q: a 2^-16 mod q, in (-q, q) (Montgomery). */
int16_t	pouch_mlkem_montgomery_reduce(int32_t a);
/* x - round(x / q) q, in [-(q-1)/2, (q-1)/2], for any int16_t x. */
int16_t	pouch_mlkem_barrett_reduce16(int16_t x);
/* Algorithms 9 and 10, in place. */
void	pouch_mlkem_ntt(struct pouch_mlkem_poly *f);
void	pouch_mlkem_invntt(struct pouch_mlkem_poly *f);
/* r += a * b in T_q (Algorithms 11 and 12). */
void	pouch_mlkem_basemul_acc(struct pouch_mlkem_poly *r,
	    const struct pouch_mlkem_poly *a, const struct pouch_mlkem_poly *b);
/* r += a * b in T_q without the final reduction; then acc_reduce. */
void	pouch_mlkem_basemul_lazy(struct pouch_mlkem_acc *r,
	    const struct pouch_mlkem_poly *a, const struct pouch_mlkem_poly *b);
void	pouch_mlkem_acc_reduce(struct pouch_mlkem_poly *f,
	    const struct pouch_mlkem_acc *r);
void	pouch_mlkem_poly_add(struct pouch_mlkem_poly *r,
	    const struct pouch_mlkem_poly *a);
void	pouch_mlkem_poly_sub(struct pouch_mlkem_poly *r,
	    const struct pouch_mlkem_poly *a);
/* zeta^BitRev7(i) 2^16 mod q, centred (Montgomery form, poly.c). */
extern const int16_t pouch_mlkem_zetas_mont[128];
/*
 * The portable code behind the six functions above, which call the AVX2
 * code instead when the CPU has it; exposed so that tests run both.
 */
void	pouch_mlkem_ntt_c(struct pouch_mlkem_poly *f);
void	pouch_mlkem_invntt_c(struct pouch_mlkem_poly *f);
void	pouch_mlkem_basemul_lazy_c(struct pouch_mlkem_acc *r,
	    const struct pouch_mlkem_poly *a, const struct pouch_mlkem_poly *b);
void	pouch_mlkem_acc_reduce_c(struct pouch_mlkem_poly *f,
	    const struct pouch_mlkem_acc *r);
void	pouch_mlkem_poly_add_c(struct pouch_mlkem_poly *r,
	    const struct pouch_mlkem_poly *a);
void	pouch_mlkem_poly_sub_c(struct pouch_mlkem_poly *r,
	    const struct pouch_mlkem_poly *a);

/*
 * poly_avx2.c: the same six, and the encodings and sampling steps
 * below, with AVX2 intrinsics, on x86-64 with gcc or clang (target
 * attributes: the rest of the build needs no -mavx2), unless built with
 * POUCH_MLKEM_NO_AVX2 (the portable ctgrind run).  Call them only when
 * pouch_mlkem_avx2_usable() says the CPU has AVX2.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(POUCH_MLKEM_NO_AVX2)
#define POUCH_MLKEM_AVX2	1
int	pouch_mlkem_avx2_usable(void);
void	pouch_mlkem_ntt_avx2(struct pouch_mlkem_poly *f);
void	pouch_mlkem_invntt_avx2(struct pouch_mlkem_poly *f);
void	pouch_mlkem_basemul_lazy_avx2(struct pouch_mlkem_acc *r,
	    const struct pouch_mlkem_poly *a, const struct pouch_mlkem_poly *b);
void	pouch_mlkem_acc_reduce_avx2(struct pouch_mlkem_poly *f,
	    const struct pouch_mlkem_acc *r);
void	pouch_mlkem_poly_add_avx2(struct pouch_mlkem_poly *r,
	    const struct pouch_mlkem_poly *a);
void	pouch_mlkem_poly_sub_avx2(struct pouch_mlkem_poly *r,
	    const struct pouch_mlkem_poly *a);
/* pouch_mlkem_byte_decode for d = 12 (the dispatch is in encode.c). */
void	pouch_mlkem_byte_decode12_avx2(struct pouch_mlkem_poly *f,
	    const uint8_t *in);
/* pouch_mlkem_byte_decode for 1 <= d <= 11 (reads only 32 d bytes). */
void	pouch_mlkem_byte_decode_avx2(struct pouch_mlkem_poly *f,
	    const uint8_t *in, unsigned d);
/*
 * Compress_d and Decompress_d in place, as pouch_mlkem_poly_compress and
 * _decompress, for 1 <= d <= 11: compress wants coefficients below 2^12
 * (canonical ones are), decompress values below 2^d.
 */
void	pouch_mlkem_poly_compress_avx2(struct pouch_mlkem_poly *f,
	    unsigned d);
void	pouch_mlkem_poly_decompress_avx2(struct pouch_mlkem_poly *f,
	    unsigned d);
/*
 * pouch_mlkem_byte_encode for d = 1, 4, 5, 10 or 11 (any other d writes
 * nothing): 32 d bytes, coefficients below 2^d.
 */
void	pouch_mlkem_byte_encode_avx2(uint8_t *out,
	    const struct pouch_mlkem_poly *f, unsigned d);
/* SamplePolyCBD_2 (Algorithm 8) on 128 bytes, as pouch_mlkem_cbd_c. */
void	pouch_mlkem_cbd2_avx2(struct pouch_mlkem_poly *f, const uint8_t *b);
/*
 * SampleNTT's rejection loop from out[*found] on, eight candidates at a
 * time while eight more fit below want: returns the bytes of buf used (a
 * multiple of 3) and updates *found.  It loads 16 bytes for every 12 it
 * uses: readable (>= len) bytes of buf may be loaded, the candidates
 * come from the first len.
 */
size_t	pouch_mlkem_rej_avx2(uint16_t *out, unsigned want, const uint8_t *buf,
	    size_t len, size_t readable, unsigned *found);
/*
 * Nonzero when one of the 12-bit values in buf[0..len) is q or more (len
 * a multiple of 12; loads 4 bytes past len): ek_check's modulus check.
 */
unsigned pouch_mlkem_over_q_avx2(const uint8_t *buf, size_t len);

/*
 * keccak_avx2.c: four SHAKE instances at once.  absorb takes the whole
 * message of each (inlen < rate bytes: all ML-KEM needs for the XOF and
 * PRF), squeeze then gives nblocks further blocks of each.  The state
 * holds secrets for PRF: the caller wipes it.
 */
#define POUCH_SHAKE128_RATE	168
#define POUCH_SHAKE256_RATE	136
#define POUCH_KECCAK_RATE_MAX	168
struct pouch_mlkem_keccakx4 {
	_Alignas(32) uint64_t	s[25 * 4];	/* lane i of state j: 4i + j */
};
void	pouch_mlkem_keccakx4_absorb(struct pouch_mlkem_keccakx4 *k,
	    size_t rate, const uint8_t *const in[4], size_t inlen);
void	pouch_mlkem_keccakx4_squeeze(struct pouch_mlkem_keccakx4 *k,
	    size_t rate, uint8_t *const out[4], size_t nblocks);
/*
 * One state at a time, for sample.c's scheduler: lane_absorb makes state
 * j (only) the absorbed in, as absorb does; permute runs Keccak-f on all
 * four; extract copies the first rate bytes of each (permute then
 * extract is a one-block squeeze).
 */
void	pouch_mlkem_keccakx4_lane_absorb(struct pouch_mlkem_keccakx4 *k,
	    unsigned j, size_t rate, const uint8_t *in, size_t inlen);
/* lane_xor adds len bytes (and with ds != 0 the padding) to state j. */
void	pouch_mlkem_keccakx4_lane_xor(struct pouch_mlkem_keccakx4 *k,
	    unsigned j, const uint8_t *in, size_t len, uint8_t ds, size_t rate);
void	pouch_mlkem_keccakx4_lane_zero(struct pouch_mlkem_keccakx4 *k,
	    unsigned j);
void	pouch_mlkem_keccakx4_permute(struct pouch_mlkem_keccakx4 *k);
void	pouch_mlkem_keccakx4_extract(const struct pouch_mlkem_keccakx4 *k,
	    size_t rate, uint8_t *const out[4]);
#endif

/* ---- sampling (sample.c) ------------------------------------------ */

/*
 * Algorithm 7 on B = rho || b32 || b33 (so A_hat[i, j] is b32 = j,
 * b33 = i).  Variable time in rho, which is public.
 */
int	pouch_mlkem_sample_ntt_vartime(const struct pouch_mlkem_ctx *c,
	    EVP_MD_CTX *mdc, const uint8_t rho[static MLKEM_SYM_BYTES],
	    uint8_t b32, uint8_t b33, struct pouch_mlkem_poly *a)
	    POUCH_WARN_UNUSED;
/*
 * All k^2 entries of A_hat: a[k i + j] = A_hat[i, j] (= SampleNTT(rho ||
 * j || i)), or A_hat[j, i] when transposed is 1.  Four at a time with
 * the AVX2 SHAKE when c->simd, a block at a time per entry until it is
 * full; else pouch_mlkem_sample_ntt_vartime.
 */
int	pouch_mlkem_sample_matrix_vartime(const struct pouch_mlkem_ctx *c,
	    EVP_MD_CTX *mdc, unsigned k,
	    const uint8_t rho[static MLKEM_SYM_BYTES], int transposed,
	    struct pouch_mlkem_poly *a) POUCH_WARN_UNUSED;
/* Algorithm 8 on 64 * eta bytes (eta 2 or 3), constant time. */
void	pouch_mlkem_cbd(struct pouch_mlkem_poly *f, const uint8_t *b,
	    unsigned eta);
/* Its portable code (pouch_mlkem_cbd uses poly_avx2.c's for eta 2). */
void	pouch_mlkem_cbd_c(struct pouch_mlkem_poly *f, const uint8_t *b,
	    unsigned eta);
/* SamplePolyCBD_eta(PRF_eta(s, n)). */
int	pouch_mlkem_sample_cbd(const struct pouch_mlkem_ctx *c,
	    EVP_MD_CTX *mdc, const uint8_t s[static MLKEM_SYM_BYTES],
	    uint8_t n, unsigned eta, struct pouch_mlkem_poly *f)
	    POUCH_WARN_UNUSED;
/* f[i] = SamplePolyCBD_eta(PRF_eta(s, n + i)) for i < count (four at a
 * time when c->simd). */
int	pouch_mlkem_sample_cbd_many(const struct pouch_mlkem_ctx *c,
	    EVP_MD_CTX *mdc, const uint8_t s[static MLKEM_SYM_BYTES],
	    uint8_t n, unsigned eta, struct pouch_mlkem_poly *const *f,
	    unsigned count) POUCH_WARN_UNUSED;

/*
 * Both at once, as K-PKE needs them: the matrix as sample_matrix_vartime
 * gives it, and f[i] = SamplePolyCBD_eta(PRF_eta(s, i)) for i < count,
 * with eta = eta1 for i < n1, else eta2.  With c->simd one four-way
 * pass runs the lot (sample.c's scheduler); else the functions above.
 * The timing depends on rho only, not on s.
 */
int	pouch_mlkem_sample_matrix_noise(const struct pouch_mlkem_ctx *c,
	    EVP_MD_CTX *mdc, unsigned k,
	    const uint8_t rho[static MLKEM_SYM_BYTES], int transposed,
	    struct pouch_mlkem_poly *a, const uint8_t s[static MLKEM_SYM_BYTES],
	    unsigned eta1, unsigned n1, unsigned eta2,
	    struct pouch_mlkem_poly *const *f, unsigned count)
	    POUCH_WARN_UNUSED;

/*
 * The matrix as sample_matrix_vartime gives it, and h = SHA3-256(msg)
 * (H of an encapsulation key, which is public): with c->simd the hash
 * runs in one lane of the four-way pass while the others sample.
 */
int	pouch_mlkem_sample_matrix_hash(const struct pouch_mlkem_ctx *c,
	    EVP_MD_CTX *mdc, unsigned k,
	    const uint8_t rho[static MLKEM_SYM_BYTES], int transposed,
	    struct pouch_mlkem_poly *a, const uint8_t *msg, size_t msglen,
	    uint8_t h[static MLKEM_SYM_BYTES]) POUCH_WARN_UNUSED;

/* ---- encodings (encode.c) ----------------------------------------- */

/* Algorithm 5: 32 * d bytes; coefficients must be < 2^d (< q for 12). */
void	pouch_mlkem_byte_encode(uint8_t *out,
	    const struct pouch_mlkem_poly *f, unsigned d);
/* Its portable code (byte_encode uses poly_avx2.c's for some d). */
void	pouch_mlkem_byte_encode_c(uint8_t *out,
	    const struct pouch_mlkem_poly *f, unsigned d);
/* Algorithm 6; for d = 12 the values are reduced mod q (constant time). */
void	pouch_mlkem_byte_decode(struct pouch_mlkem_poly *f,
	    const uint8_t *in, unsigned d);
/* Its portable code (byte_decode uses poly_avx2.c's for some d). */
void	pouch_mlkem_byte_decode_c(struct pouch_mlkem_poly *f,
	    const uint8_t *in, unsigned d);
/* Compress_d / Decompress_d of 4.2.1 for 1 <= d <= 11, no division. */
uint16_t pouch_mlkem_compress(uint16_t x, unsigned d);
uint16_t pouch_mlkem_decompress(uint16_t y, unsigned d);
void	pouch_mlkem_poly_compress(struct pouch_mlkem_poly *f, unsigned d);
void	pouch_mlkem_poly_decompress(struct pouch_mlkem_poly *f, unsigned d);

/* ---- K-PKE (kpke.c) ----------------------------------------------- */

/*
 * Algorithm 13: ek gets 384k + 32 bytes, dkpke 384k (dkpke NULL: ek
 * alone).  The _rs form starts after (rho, sigma) = G(d || k), for the
 * intermediate-value tests.
 */
int	pouch_mlkem_kpke_keygen(const struct pouch_mlkem_ctx *c,
	    EVP_MD_CTX *mdc, const struct pouch_mlkem_params *p,
	    const uint8_t d[static MLKEM_SYM_BYTES], uint8_t *ek,
	    uint8_t *dkpke) POUCH_WARN_UNUSED;
int	pouch_mlkem_kpke_keygen_rs(const struct pouch_mlkem_ctx *c,
	    EVP_MD_CTX *mdc, const struct pouch_mlkem_params *p,
	    const uint8_t rho[static MLKEM_SYM_BYTES],
	    const uint8_t sigma[static MLKEM_SYM_BYTES], uint8_t *ek,
	    uint8_t *dkpke) POUCH_WARN_UNUSED;
/* Algorithm 14: ct gets 32 (du k + dv) bytes. */
int	pouch_mlkem_kpke_encrypt(const struct pouch_mlkem_ctx *c,
	    EVP_MD_CTX *mdc, const struct pouch_mlkem_params *p,
	    const uint8_t *ek, const uint8_t m[static MLKEM_SYM_BYTES],
	    const uint8_t r[static MLKEM_SYM_BYTES], uint8_t *ct)
	    POUCH_WARN_UNUSED;
/*
 * The same with A_hat^T already sampled: at[k i + j] = A_hat[j, i], as
 * pouch_mlkem_sample_matrix_vartime(..., transposed 1, ...) gives it.
 */
int	pouch_mlkem_kpke_encrypt_at(const struct pouch_mlkem_ctx *c,
	    EVP_MD_CTX *mdc, const struct pouch_mlkem_params *p,
	    const uint8_t *ek, const uint8_t m[static MLKEM_SYM_BYTES],
	    const uint8_t r[static MLKEM_SYM_BYTES],
	    const struct pouch_mlkem_poly *at, uint8_t *ct) POUCH_WARN_UNUSED;
/* Algorithm 15. */
void	pouch_mlkem_kpke_decrypt(const struct pouch_mlkem_params *p,
	    const uint8_t *dkpke, const uint8_t *ct,
	    uint8_t m[static MLKEM_SYM_BYTES]);

/* ---- ML-KEM (kem.c) ----------------------------------------------- */

/*
 * Lengths: every output buffer must have exactly the parameter set's size
 * (else POUCH_E_MISUSE, as for NULL pointers and unknown sets; arrays
 * declared [static N] must not be NULL, and are not checked).  Inputs of
 * the wrong length are hostile: POUCH_E_BAD_KEY for keys and seeds,
 * POUCH_E_MALFORMED for a ciphertext.  On any error the outputs are
 * zeroed.
 */

/* Algorithm 16: ML-KEM.KeyGen_internal(d, z). */
int	pouch_mlkem_keygen_internal(const struct pouch_mlkem_ctx *c,
	    enum pouch_mlkem_param p, const uint8_t d[static MLKEM_SYM_BYTES],
	    const uint8_t z[static MLKEM_SYM_BYTES], uint8_t *ek, size_t eklen,
	    uint8_t *dk, size_t dklen) POUCH_WARN_UNUSED;
/* Expand a 64-byte seed d || z (seedlen must be 64) to (ek, dk). */
int	pouch_mlkem_keygen_seed(const struct pouch_mlkem_ctx *c,
	    enum pouch_mlkem_param p, const uint8_t *seed, size_t seedlen,
	    uint8_t *ek, size_t eklen, uint8_t *dk, size_t dklen)
	    POUCH_WARN_UNUSED;
/*
 * Algorithm 19 with d, z from RAND_bytes (POUCH_E_RANDOM if it fails).
 * seed, when not NULL, gets the 64-byte d || z (the compact private key).
 */
int	pouch_mlkem_keygen(const struct pouch_mlkem_ctx *c,
	    enum pouch_mlkem_param p, uint8_t *seed, uint8_t *ek, size_t eklen,
	    uint8_t *dk, size_t dklen) POUCH_WARN_UNUSED;

/* 7.2: POUCH_OK, or POUCH_E_BAD_KEY (length or modulus check). */
int	pouch_mlkem_ek_check(enum pouch_mlkem_param p, const uint8_t *ek,
	    size_t eklen) POUCH_WARN_UNUSED;
/* 7.3 items 2 and 3: POUCH_OK, or POUCH_E_BAD_KEY (length, H(ek)). */
int	pouch_mlkem_dk_check(const struct pouch_mlkem_ctx *c,
	    enum pouch_mlkem_param p, const uint8_t *dk, size_t dklen)
	    POUCH_WARN_UNUSED;

/* Algorithm 17 after the 7.2 check of ek. */
int	pouch_mlkem_encaps_internal(const struct pouch_mlkem_ctx *c,
	    enum pouch_mlkem_param p, const uint8_t *ek, size_t eklen,
	    const uint8_t m[static MLKEM_SYM_BYTES], uint8_t *ct, size_t ctlen,
	    uint8_t ss[static MLKEM_SS_BYTES]) POUCH_WARN_UNUSED;
/* Algorithm 20: m from RAND_bytes (POUCH_E_RANDOM if it fails). */
int	pouch_mlkem_encaps(const struct pouch_mlkem_ctx *c,
	    enum pouch_mlkem_param p, const uint8_t *ek, size_t eklen,
	    uint8_t *ct, size_t ctlen, uint8_t ss[static MLKEM_SS_BYTES])
	    POUCH_WARN_UNUSED;
/*
 * Algorithms 21 and 18 after the 7.3 checks.  A ciphertext that does not
 * re-encrypt gives the implicit-rejection key J(z || c) and POUCH_OK: the
 * caller cannot tell, by result or by timing.
 */
int	pouch_mlkem_decaps(const struct pouch_mlkem_ctx *c,
	    enum pouch_mlkem_param p, const uint8_t *dk, size_t dklen,
	    const uint8_t *ct, size_t ctlen, uint8_t ss[static MLKEM_SS_BYTES])
	    POUCH_WARN_UNUSED;

/*
 * Expand the 64-byte seed d || z (seedlen must be 64, else
 * POUCH_E_BAD_KEY) and decapsulate with that key, as keygen_seed then
 * decaps give, less the 7.3 hash check of a dk that was never input.
 */
int	pouch_mlkem_decaps_seed(const struct pouch_mlkem_ctx *c,
	    enum pouch_mlkem_param p, const uint8_t *seed, size_t seedlen,
	    const uint8_t *ct, size_t ctlen, uint8_t ss[static MLKEM_SS_BYTES])
	    POUCH_WARN_UNUSED;

/* ML-KEM-768 with typed buffers (what X-Wing calls). */
int	pouch_mlkem768_keygen_seed(const struct pouch_mlkem_ctx *c,
	    const uint8_t seed[static MLKEM_SEED_BYTES],
	    struct pouch_mlkem768_ek *ek, struct pouch_mlkem768_dk *dk)
	    POUCH_WARN_UNUSED;
/* ek alone from the seed d || z: keygen_seed's ek, without H(ek) and dk. */
int	pouch_mlkem768_ek_from_seed(const struct pouch_mlkem_ctx *c,
	    const uint8_t seed[static MLKEM_SEED_BYTES],
	    struct pouch_mlkem768_ek *ek) POUCH_WARN_UNUSED;
int	pouch_mlkem768_encaps_internal(const struct pouch_mlkem_ctx *c,
	    const struct pouch_mlkem768_ek *ek,
	    const uint8_t m[static MLKEM_SYM_BYTES],
	    struct pouch_mlkem768_ct *ct, uint8_t ss[static MLKEM_SS_BYTES])
	    POUCH_WARN_UNUSED;
int	pouch_mlkem768_encaps(const struct pouch_mlkem_ctx *c,
	    const struct pouch_mlkem768_ek *ek, struct pouch_mlkem768_ct *ct,
	    uint8_t ss[static MLKEM_SS_BYTES]) POUCH_WARN_UNUSED;
int	pouch_mlkem768_decaps_seed(const struct pouch_mlkem_ctx *c,
	    const uint8_t seed[static MLKEM_SEED_BYTES],
	    const struct pouch_mlkem768_ct *ct,
	    uint8_t ss[static MLKEM_SS_BYTES]) POUCH_WARN_UNUSED;
/*
 * Decaps with a dk that this process just made with keygen_seed (X-Wing
 * expands its seed on every call): no 7.3 hash check.  Never for a dk
 * that was stored or received.
 */
int	pouch_mlkem768_decaps_own(const struct pouch_mlkem_ctx *c,
	    const struct pouch_mlkem768_dk *dk,
	    const struct pouch_mlkem768_ct *ct,
	    uint8_t ss[static MLKEM_SS_BYTES]) POUCH_WARN_UNUSED;
int	pouch_mlkem768_decaps(const struct pouch_mlkem_ctx *c,
	    const struct pouch_mlkem768_dk *dk,
	    const struct pouch_mlkem768_ct *ct,
	    uint8_t ss[static MLKEM_SS_BYTES]) POUCH_WARN_UNUSED;

/* ---- constant-time testing ---------------------------------------- */

/*
 * Built with -DPOUCH_CTGRIND (tests/mlkem/ctgrind.c only), values that
 * are derived from secrets but public by design (rho = G(d || k)[0:32],
 * which ek carries) are declassified so memcheck does not flag the
 * rejection sampling on them.  Expands to nothing otherwise.
 */
#ifdef POUCH_CTGRIND
#include <valgrind/memcheck.h>
#define POUCH_CT_DECLASSIFY(p, n)	VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define POUCH_CT_DECLASSIFY(p, n)	((void)(p), (void)(n))
#endif

#endif /* POUCH_MLKEM_H */
