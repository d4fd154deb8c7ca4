/*
 * poly.c - arithmetic in Z_q, q = 3329, and the NTT (FIPS 203 4.3).
 * Polynomials enter and leave every function fully reduced, in [0, q), as
 * uint16_t.  Inside the NTTs the coefficients are worked on in place as
 * int16_t (the signed type may alias the unsigned one) with lazy
 * reduction: products by a zeta use Montgomery reduction, sums a rounding
 * Barrett reduction, so no butterfly needs a comparison.  Elsewhere
 * products are reduced with an exact Barrett reduction.  Every reduction
 * is multiplications and shifts, never a division, and conditional
 * subtractions use masks behind a value barrier, so the time depends on
 * no coefficient.  The code assumes what gcc and clang do: conversion to
 * int16_t wraps modulo 2^16 and >> of a negative int32_t is arithmetic.
 */
#include "mlkem/mlkem.h"

/*
 * Barrett constant: floor(2^43 / q) < 2^32.  For a < 2^32 the quotient
 * estimate t = (a * BARRETT_M) >> 43 is floor(a / q) or one less, because
 * the error a * (2^43 mod q) / (q * 2^43) is below 2^-11; so a - t * q is
 * in [0, 2q) and one conditional subtraction finishes.  (Tested
 * exhaustively on [0, 2^26); the largest input used is below 2 q^2.)
 */
#define BARRETT_M	UINT64_C(2642262848)
#define BARRETT_SHIFT	43

/* q^-1 mod 2^16, for Montgomery reduction. */
#define QINV		62209
/* round(2^26 / q), for the rounding Barrett reduction of int16 values. */
#define BARRETT16_V	20159
/* 128^-1 2^16 mod q: fqmul by it scales by 128^-1 (Algorithm 10). */
#define NTT_INV_SCALE_MONT	512

/*
 * zeta^BitRev7(i) 2^16 mod q, zeta = 17 (FIPS 203 Appendix A, in
 * Montgomery form), centred in [-(q-1)/2, (q-1)/2].
 */
const int16_t pouch_mlkem_zetas_mont[128] = {
	-1044,  -758,  -359, -1517,  1493,  1422,   287,   202,
	 -171,   622,  1577,   182,   962, -1202, -1474,  1468,
	  573, -1325,   264,   383,  -829,  1458, -1602,  -130,
	 -681,  1017,   732,   608, -1542,   411,  -205, -1571,
	 1223,   652,  -552,  1015, -1293,  1491,  -282, -1544,
	  516,    -8,  -320,  -666, -1618, -1162,   126,  1469,
	 -853,   -90,  -271,   830,   107, -1421,  -247,  -951,
	 -398,   961, -1508,  -725,   448, -1065,   677, -1275,
	-1103,   430,   555,   843, -1251,   871,  1550,   105,
	  422,   587,   177,  -235,  -291,  -460,  1574,  1653,
	 -246,   778,  1159,  -147,  -777,  1483,  -602,  1119,
	-1590,   644,  -872,   349,   418,   329,  -156,   -75,
	  817,  1097,   603,   610,  1322, -1285, -1465,   384,
	-1215,  -136,  1218, -1335,  -874,   220, -1187, -1659,
	-1185, -1530, -1278,   794, -1510,  -854,  -870,   478,
	 -108,  -308,   996,   991,   958, -1460,  1522,  1628,
};

/* zeta^(2 BitRev7(i) + 1) mod q, the gammas of Algorithm 11. */
static const uint16_t gammas[128] = {
	  17, 3312, 2761,  568,  583, 2746, 2649,  680,
	1637, 1692,  723, 2606, 2288, 1041, 1100, 2229,
	1409, 1920, 2662,  667, 3281,   48,  233, 3096,
	 756, 2573, 2156, 1173, 3015,  314, 3050,  279,
	1703, 1626, 1651, 1678, 2789,  540, 1789, 1540,
	1847, 1482,  952, 2377, 1461, 1868, 2687,  642,
	 939, 2390, 2308, 1021, 2437,  892, 2388,  941,
	 733, 2596, 2337,  992,  268, 3061,  641, 2688,
	1584, 1745, 2298, 1031, 2037, 1292, 3220,  109,
	 375, 2954, 2549,  780, 2090, 1239, 1645, 1684,
	1063, 2266,  319, 3010, 2773,  556,  757, 2572,
	2099, 1230,  561, 2768, 2466,  863, 2594,  735,
	2804,  525, 1092, 2237,  403, 2926, 1026, 2303,
	1143, 2186, 2150, 1179, 2775,  554,  886, 2443,
	1722, 1607, 1212, 2117, 1874, 1455, 1029, 2300,
	2110, 1219, 2935,  394,  885, 2444, 2154, 1175,
};

static inline uint16_t
reduce(uint32_t a)
{
	uint32_t t = (uint32_t)(((uint64_t)a * BARRETT_M) >> BARRETT_SHIFT);

	return csubq_ct(a - t * MLKEM_Q);
}

static inline uint16_t
mulmod(uint16_t a, uint16_t b)
{
	return reduce((uint32_t)a * b);
}

/*
 * Montgomery reduction: for |a| <= 2^15 q, a value congruent to a 2^-16
 * mod q in (-q, q).  m = a q^-1 mod 2^16 makes a - m q divisible by 2^16,
 * and |a - m q| <= 2^16 q.
 */
static inline int16_t
montgomery_reduce(int32_t a)
{
	const int16_t m = (int16_t)(uint16_t)((uint32_t)a * QINV);

	return (int16_t)((a - (int32_t)m * MLKEM_Q) >> 16);
}

/* a b 2^-16 mod q in (-q, q), for |a b| <= 2^15 q. */
static inline int16_t
fqmul(int16_t a, int16_t b)
{
	return montgomery_reduce((int32_t)a * b);
}

/*
 * x - round(x / q) q for any int16_t x: congruent to x, in
 * [-(q-1)/2, (q-1)/2] (tested exhaustively).
 */
static inline int16_t
barrett_reduce16(int16_t x)
{
	const int32_t t = ((int32_t)x * BARRETT16_V + (1 << 25)) >> 26;

	return (int16_t)(x - t * MLKEM_Q);
}

/* x mod q in [0, q) for |x| < q. */
static inline uint16_t
canonical(int16_t x)
{
	return csubq_ct((uint32_t)((int32_t)x + MLKEM_Q));
}

uint16_t
pouch_mlkem_reduce(uint32_t a)
{
	return reduce(a);
}

int16_t
pouch_mlkem_montgomery_reduce(int32_t a)
{
	return montgomery_reduce(a);
}

int16_t
pouch_mlkem_barrett_reduce16(int16_t x)
{
	return barrett_reduce16(x);
}

/*
 * The butterflies of one group: n of them (len is 2 or 4), or eight at a
 * time for len >= 8, where the fixed count over restrict pointers lets the
 * compiler use vector instructions at -O2.
 */

/* Cooley-Tukey (Algorithm 9, lines 8-10). */
static inline void
ct_butterflies(int16_t *restrict lo, int16_t *restrict hi, int16_t zeta,
    unsigned n)
{
	unsigned k;
	int16_t t;

	for (k = 0; k < n; k++) {
		t = fqmul(zeta, hi[k]);
		hi[k] = (int16_t)(lo[k] - t);
		lo[k] = (int16_t)(lo[k] + t);
	}
}

static inline void
ct_butterflies8(int16_t *restrict lo, int16_t *restrict hi, int16_t zeta)
{
	unsigned k;
	int16_t t;

	for (k = 0; k < 8; k++) {
		t = fqmul(zeta, hi[k]);
		hi[k] = (int16_t)(lo[k] - t);
		lo[k] = (int16_t)(lo[k] + t);
	}
}

/* Gentleman-Sande (Algorithm 10, lines 8-10). */
static inline void
gs_butterflies(int16_t *restrict lo, int16_t *restrict hi, int16_t zeta,
    unsigned n)
{
	unsigned k;
	int16_t t;

	for (k = 0; k < n; k++) {
		t = lo[k];
		lo[k] = (int16_t)(t + hi[k]);
		hi[k] = fqmul(zeta, (int16_t)(hi[k] - t));
	}
}

static inline void
gs_butterflies8(int16_t *restrict lo, int16_t *restrict hi, int16_t zeta)
{
	unsigned k;
	int16_t t;

	for (k = 0; k < 8; k++) {
		t = lo[k];
		lo[k] = (int16_t)(t + hi[k]);
		hi[k] = fqmul(zeta, (int16_t)(hi[k] - t));
	}
}

/*
 * Algorithm 9, in place on the coefficients as int16_t.  The input is in
 * [0, q); each layer adds t with |t| < q, so after the 7 layers |x| < 8q
 * < 2^15, and the Montgomery products stay within 2^15 q.  The loops
 * count layers and groups (len = 128 >> layer, 2^layer groups) rather
 * than stepping start by 2 len up to 256, whose trip count clang computes
 * with a div instruction (public, but tools/check-nodiv allows none).
 */
void
pouch_mlkem_ntt_c(struct pouch_mlkem_poly *f)
{
	int16_t *r = (int16_t *)f->c;
	unsigned layer, g, len, start, j, i = 1;
	int16_t zeta;

	for (layer = 0; layer < 7; layer++) {
		len = 128U >> layer;
		for (g = 0; g < (1U << layer); g++) {
			start = 2 * len * g;
			zeta = pouch_mlkem_zetas_mont[i++];
			if (len >= 8)
				for (j = start; j < start + len; j += 8)
					ct_butterflies8(r + j, r + j + len,
					    zeta);
			else
				ct_butterflies(r + start, r + start + len,
				    zeta, len);
		}
	}
	for (j = 0; j < MLKEM_N; j++)
		f->c[j] = canonical(barrett_reduce16(r[j]));
}

/*
 * Algorithm 10, in place as int16_t.  A difference goes through a
 * Montgomery product by a zeta (in Montgomery form) and lands in (-q, q);
 * a sum at most doubles the bound B of the values.  Starting from B = q,
 * after three layers B = 8q < 2^15, so after layers 2 and 5 every value
 * is brought to [-(q-1)/2, (q-1)/2] by barrett_reduce16; the Montgomery
 * products see at most 1664 * 16q < 2^15 q, and the final scaling at most
 * 2q * 512.
 */
void
pouch_mlkem_invntt_c(struct pouch_mlkem_poly *f)
{
	int16_t *r = (int16_t *)f->c;
	unsigned layer, g, len, start, j, i = 127;
	int16_t zeta;

	for (layer = 0; layer < 7; layer++) {
		len = 2U << layer;
		for (g = 0; g < (64U >> layer); g++) {
			start = 2 * len * g;
			zeta = pouch_mlkem_zetas_mont[i--];
			if (len >= 8)
				for (j = start; j < start + len; j += 8)
					gs_butterflies8(r + j, r + j + len,
					    zeta);
			else
				gs_butterflies(r + start, r + start + len,
				    zeta, len);
		}
		if (layer == 2 || layer == 5)
			for (j = 0; j < MLKEM_N; j++)
				r[j] = barrett_reduce16(r[j]);
	}
	for (j = 0; j < MLKEM_N; j++)
		f->c[j] = canonical(fqmul(r[j], NTT_INV_SCALE_MONT));
}

/* Algorithms 11 and 12, accumulating: r += a * b. */
void
pouch_mlkem_basemul_acc(struct pouch_mlkem_poly *r,
    const struct pouch_mlkem_poly *a, const struct pouch_mlkem_poly *b)
{
	uint32_t c0, c1;
	unsigned i;

	for (i = 0; i < MLKEM_N / 2; i++) {
		const uint16_t a0 = a->c[2 * i], a1 = a->c[2 * i + 1];
		const uint16_t b0 = b->c[2 * i], b1 = b->c[2 * i + 1];

		/* Each sum is below 2 q^2 < 2^25. */
		c0 = (uint32_t)a0 * b0 +
		    (uint32_t)mulmod(a1, b1) * gammas[i];
		c1 = (uint32_t)a0 * b1 + (uint32_t)a1 * b0;
		r->c[2 * i] = csubq_ct((uint32_t)r->c[2 * i] + reduce(c0));
		r->c[2 * i + 1] = csubq_ct((uint32_t)r->c[2 * i + 1] +
		    reduce(c1));
	}
}

/*
 * The same products, added unreduced: a0 b0 + (a1 b1 mod q) gamma and
 * a0 b1 + a1 b0 are each below 2 q^2.
 */
void
pouch_mlkem_basemul_lazy_c(struct pouch_mlkem_acc *r,
    const struct pouch_mlkem_poly *a, const struct pouch_mlkem_poly *b)
{
	unsigned i;

	for (i = 0; i < MLKEM_N / 2; i++) {
		const uint16_t a0 = a->c[2 * i], a1 = a->c[2 * i + 1];
		const uint16_t b0 = b->c[2 * i], b1 = b->c[2 * i + 1];

		r->c[2 * i] += (uint32_t)a0 * b0 +
		    (uint32_t)mulmod(a1, b1) * gammas[i];
		r->c[2 * i + 1] += (uint32_t)a0 * b1 + (uint32_t)a1 * b0;
	}
}

void
pouch_mlkem_acc_reduce_c(struct pouch_mlkem_poly *f,
    const struct pouch_mlkem_acc *r)
{
	unsigned i;

	for (i = 0; i < MLKEM_N; i++)
		f->c[i] = reduce(r->c[i]);
}

/*
 * The entry points: the AVX2 code of poly_avx2.c when the CPU has AVX2
 * (a branch on the CPU, not on data), else the portable code above.  Both
 * give the same output for every input (tests/mlkem/test_poly.c).
 */
void
pouch_mlkem_ntt(struct pouch_mlkem_poly *f)
{
#ifdef POUCH_MLKEM_AVX2
	if (pouch_mlkem_avx2_usable()) {
		pouch_mlkem_ntt_avx2(f);
		return;
	}
#endif
	pouch_mlkem_ntt_c(f);
}

void
pouch_mlkem_invntt(struct pouch_mlkem_poly *f)
{
#ifdef POUCH_MLKEM_AVX2
	if (pouch_mlkem_avx2_usable()) {
		pouch_mlkem_invntt_avx2(f);
		return;
	}
#endif
	pouch_mlkem_invntt_c(f);
}

void
pouch_mlkem_basemul_lazy(struct pouch_mlkem_acc *r,
    const struct pouch_mlkem_poly *a, const struct pouch_mlkem_poly *b)
{
#ifdef POUCH_MLKEM_AVX2
	if (pouch_mlkem_avx2_usable()) {
		pouch_mlkem_basemul_lazy_avx2(r, a, b);
		return;
	}
#endif
	pouch_mlkem_basemul_lazy_c(r, a, b);
}

void
pouch_mlkem_acc_reduce(struct pouch_mlkem_poly *f,
    const struct pouch_mlkem_acc *r)
{
#ifdef POUCH_MLKEM_AVX2
	if (pouch_mlkem_avx2_usable()) {
		pouch_mlkem_acc_reduce_avx2(f, r);
		return;
	}
#endif
	pouch_mlkem_acc_reduce_c(f, r);
}

void
pouch_mlkem_poly_add(struct pouch_mlkem_poly *r,
    const struct pouch_mlkem_poly *a)
{
#ifdef POUCH_MLKEM_AVX2
	if (pouch_mlkem_avx2_usable()) {
		pouch_mlkem_poly_add_avx2(r, a);
		return;
	}
#endif
	pouch_mlkem_poly_add_c(r, a);
}

void
pouch_mlkem_poly_sub(struct pouch_mlkem_poly *r,
    const struct pouch_mlkem_poly *a)
{
#ifdef POUCH_MLKEM_AVX2
	if (pouch_mlkem_avx2_usable()) {
		pouch_mlkem_poly_sub_avx2(r, a);
		return;
	}
#endif
	pouch_mlkem_poly_sub_c(r, a);
}

void
pouch_mlkem_poly_add_c(struct pouch_mlkem_poly *r,
    const struct pouch_mlkem_poly *a)
{
	unsigned i;

	for (i = 0; i < MLKEM_N; i++)
		r->c[i] = csubq_ct((uint32_t)r->c[i] + a->c[i]);
}

void
pouch_mlkem_poly_sub_c(struct pouch_mlkem_poly *r,
    const struct pouch_mlkem_poly *a)
{
	unsigned i;

	for (i = 0; i < MLKEM_N; i++)
		r->c[i] = csubq_ct((uint32_t)r->c[i] + MLKEM_Q - a->c[i]);
}
