/*
 * poly_avx2.c - ML-KEM's per-coefficient work with AVX2 intrinsics,
 * sixteen 16-bit coefficients per register: the NTT, the inverse NTT and
 * multiplication in T_q; Compress_d and Decompress_d
 * (pouch_mlkem_poly_compress_avx2, _decompress_avx2); ByteEncode_d for
 * the ciphertext's d = 1, 4, 5, 10, 11 and the keys' 12
 * (pouch_mlkem_byte_encode_avx2);
 * ByteDecode_d for d <= 11 (pouch_mlkem_byte_decode_avx2) and for 12;
 * SamplePolyCBD_2; SampleNTT's rejection loop; and ek's modulus check.
 * Each function computes exactly what its portable twin (poly.c,
 * encode.c, sample.c, kem.c) computes: for the NTT and products the same
 * Montgomery and Barrett reductions at the same places, so the same
 * int16_t value in every coefficient at every step, and the same fully
 * reduced output (tests/mlkem/test_poly.c compares both on random and
 * extreme inputs; tests/mlkem/test_encode.c compares the encodings on
 * every input value).  A Montgomery product is the usual
 * pair of high halves: a b 2^-16 = hi(a b) - hi(m q), m = lo(a lo(b
 * q^-1)), exact because a b - m q has sixteen zero low bits.  Conditional
 * subtractions are masks from arithmetic shifts or compares; there is no
 * branch, no table index and no division on secret data.
 *
 * The functions are compiled for AVX2 through target attributes;
 * pouch_mlkem_avx2_usable tells the callers whether the CPU runs them.
 * Layers with len >= 16 pair whole registers; len 8, 4 and 2 first
 * gather the low and high halves of several groups into two registers
 * (128-bit, 64-bit and 32-bit interleaves) and scatter them back.
 */
#include "mlkem/mlkem.h"

#ifdef POUCH_MLKEM_AVX2

#include <string.h>

#include <immintrin.h>
#include <openssl/crypto.h>

#define AVX2	__attribute__((target("avx2")))

#define QINV		62209		/* q^-1 mod 2^16 */
#define BARRETT16_V	20159		/* round(2^26 / q) */
#define BARRETT_M	2642262848U	/* floor(2^43 / q) */
#define NTT_INV_SCALE_MONT 512		/* 128^-1 2^16 mod q */

/* gamma_i 2^16 mod q (gamma_i as in poly.c), for basemul. */
static const int16_t gammas_mont[128] = {
	2226, 1103,  430, 2899,  555, 2774,  843, 2486,
	2078, 1251,  871, 2458, 1550, 1779,  105, 3224,
	 422, 2907,  587, 2742,  177, 3152, 3094,  235,
	3038,  291, 2869,  460, 1574, 1755, 1653, 1676,
	3083,  246,  778, 2551, 1159, 2170, 3182,  147,
	2552,  777, 1483, 1846, 2727,  602, 1119, 2210,
	1739, 1590,  644, 2685, 2457,  872,  349, 2980,
	 418, 2911,  329, 3000, 3173,  156, 3254,   75,
	 817, 2512, 1097, 2232,  603, 2726,  610, 2719,
	1322, 2007, 2044, 1285, 1864, 1465,  384, 2945,
	2114, 1215, 3193,  136, 1218, 2111, 1994, 1335,
	2455,  874,  220, 3109, 2142, 1187, 1670, 1659,
	2144, 1185, 1799, 1530, 2051, 1278,  794, 2535,
	1819, 1510, 2475,  854, 2459,  870,  478, 2851,
	3221,  108, 3021,  308,  996, 2333,  991, 2338,
	 958, 2371, 1869, 1460, 1522, 1807, 1628, 1701,
};

int
pouch_mlkem_avx2_usable(void)
{
	return __builtin_cpu_supports("avx2") ? 1 : 0;
}

/* a z 2^-16 mod q in (-q, q), lane by lane; zq = z q^-1 mod 2^16. */
static inline AVX2 __m256i
fqmul_v(__m256i a, __m256i z, __m256i zq)
{
	const __m256i q = _mm256_set1_epi16(MLKEM_Q);
	__m256i hi = _mm256_mulhi_epi16(a, z);
	__m256i m = _mm256_mullo_epi16(a, zq);

	return _mm256_sub_epi16(hi, _mm256_mulhi_epi16(m, q));
}

/* fqmul_v with zq computed here. */
static inline AVX2 __m256i
fqmul_vz(__m256i a, __m256i z)
{
	return fqmul_v(a, z,
	    _mm256_mullo_epi16(z, _mm256_set1_epi16((int16_t)QINV)));
}

/*
 * x - t q with t = (x V + 2^25) >> 26, as barrett_reduce16: that t is
 * ((x V >> 16) + 2^9) >> 10 exactly, since the floors nest.
 */
static inline AVX2 __m256i
barrett16_v(__m256i x)
{
	__m256i t = _mm256_mulhi_epi16(x, _mm256_set1_epi16(BARRETT16_V));

	t = _mm256_srai_epi16(_mm256_add_epi16(t, _mm256_set1_epi16(512)),
	    10);
	return _mm256_sub_epi16(x,
	    _mm256_mullo_epi16(t, _mm256_set1_epi16(MLKEM_Q)));
}

/* x mod q in [0, q) for |x| < q. */
static inline AVX2 __m256i
canonical_v(__m256i x)
{
	return _mm256_add_epi16(x, _mm256_and_si256(_mm256_srai_epi16(x, 15),
	    _mm256_set1_epi16(MLKEM_Q)));
}

/* Cooley-Tukey: hi = lo - z hi, lo = lo + z hi. */
static inline AVX2 void
ct_v(__m256i *lo, __m256i *hi, __m256i z)
{
	__m256i t = fqmul_vz(*hi, z);

	*hi = _mm256_sub_epi16(*lo, t);
	*lo = _mm256_add_epi16(*lo, t);
}

/* Gentleman-Sande: lo = lo + hi, hi = z (hi - lo). */
static inline AVX2 void
gs_v(__m256i *lo, __m256i *hi, __m256i z)
{
	__m256i t = *lo;

	*lo = _mm256_add_epi16(t, *hi);
	*hi = fqmul_vz(_mm256_sub_epi16(*hi, t), z);
}

static inline AVX2 __m256i
load(const uint16_t *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

static inline AVX2 void
store(uint16_t *p, __m256i v)
{
	_mm256_storeu_si256((__m256i *)(void *)p, v);
}

/* z in all four int16_t of a 64-bit lane, or both of a 32-bit one. */
static inline uint64_t
bcast4(int16_t z)
{
	return (uint64_t)(uint16_t)z * UINT64_C(0x0001000100010001);
}

static inline uint32_t
bcast2(int16_t z)
{
	return (uint32_t)(uint16_t)z * UINT32_C(0x00010001);
}

/*
 * The small layers on 32 coefficients v0 || v1.  len 8: groups G, G+1 in
 * v0 and G+2, G+3 in v1 would not fit; here v0 is group G, v1 group G+1
 * (16 coefficients each), lo = [G lo, G+1 lo], hi = [G hi, G+1 hi].
 */
static inline AVX2 void
split8(__m256i v0, __m256i v1, __m256i *lo, __m256i *hi)
{
	*lo = _mm256_permute2x128_si256(v0, v1, 0x20);
	*hi = _mm256_permute2x128_si256(v0, v1, 0x31);
}

/*
 * len 4: v0 holds groups G, G+1, v1 groups G+2, G+3 (8 coefficients
 * each); lo = [G, G+2 | G+1, G+3] low halves, hi the high halves.
 */
static inline AVX2 void
split4(__m256i v0, __m256i v1, __m256i *lo, __m256i *hi)
{
	*lo = _mm256_unpacklo_epi64(v0, v1);
	*hi = _mm256_unpackhi_epi64(v0, v1);
}

static inline AVX2 void
merge4(__m256i lo, __m256i hi, __m256i *v0, __m256i *v1)
{
	*v0 = _mm256_unpacklo_epi64(lo, hi);
	*v1 = _mm256_unpackhi_epi64(lo, hi);
}

/*
 * len 2: v0 holds groups G..G+3, v1 G+4..G+7 (4 coefficients each);
 * lo = [G, G+1, G+4, G+5 | G+2, G+3, G+6, G+7] low halves.
 */
static inline AVX2 void
split2(__m256i v0, __m256i v1, __m256i *lo, __m256i *hi)
{
	const __m256i s0 = _mm256_shuffle_epi32(v0, 0xd8);
	const __m256i s1 = _mm256_shuffle_epi32(v1, 0xd8);

	*lo = _mm256_unpacklo_epi64(s0, s1);
	*hi = _mm256_unpackhi_epi64(s0, s1);
}

static inline AVX2 void
merge2(__m256i lo, __m256i hi, __m256i *v0, __m256i *v1)
{
	*v0 = _mm256_unpacklo_epi32(lo, hi);
	*v1 = _mm256_unpackhi_epi32(lo, hi);
}

/* Zeta registers for the gathers above; z points at group G's zeta. */
static inline AVX2 __m256i
zetas8(const int16_t *z, int step)
{
	return _mm256_set_m128i(_mm_set1_epi16(z[step]),
	    _mm_set1_epi16(z[0]));
}

static inline AVX2 __m256i
zetas4(const int16_t *z, int step)
{
	return _mm256_setr_epi64x((long long)bcast4(z[0]),
	    (long long)bcast4(z[2 * step]), (long long)bcast4(z[step]),
	    (long long)bcast4(z[3 * step]));
}

static inline AVX2 __m256i
zetas2(const int16_t *z, int step)
{
	return _mm256_setr_epi32((int)bcast2(z[0]), (int)bcast2(z[step]),
	    (int)bcast2(z[4 * step]), (int)bcast2(z[5 * step]),
	    (int)bcast2(z[2 * step]), (int)bcast2(z[3 * step]),
	    (int)bcast2(z[6 * step]), (int)bcast2(z[7 * step]));
}

/*
 * Algorithm 9 as pouch_mlkem_ntt_c: layer l (len = 128 >> l) group g
 * uses zetas_mont[2^l + g]; no reduction until the end.
 */
AVX2 void
pouch_mlkem_ntt_avx2(struct pouch_mlkem_poly *f)
{
	const int16_t *zt = pouch_mlkem_zetas_mont;
	uint16_t *r = f->c;
	__m256i lo, hi, v0, v1, z;
	unsigned layer, len, g, j, p;

	for (layer = 0; layer < 4; layer++) {
		len = 128U >> layer;
		for (g = 0; g < (1U << layer); g++) {
			z = _mm256_set1_epi16(zt[(1U << layer) + g]);
			for (j = 2 * len * g; j < 2 * len * g + len;
			    j += 16) {
				lo = load(r + j);
				hi = load(r + j + len);
				ct_v(&lo, &hi, z);
				store(r + j, lo);
				store(r + j + len, hi);
			}
		}
	}
	/* Layers 4-6 (len 8, 4, 2) on 32 coefficients at a time. */
	for (p = 0; p < 8; p++) {
		v0 = load(r + 32 * p);
		v1 = load(r + 32 * p + 16);
		split8(v0, v1, &lo, &hi);
		ct_v(&lo, &hi, zetas8(zt + 16 + 2 * p, 1));
		split8(lo, hi, &v0, &v1);		/* its own inverse */
		split4(v0, v1, &lo, &hi);
		ct_v(&lo, &hi, zetas4(zt + 32 + 4 * p, 1));
		merge4(lo, hi, &v0, &v1);
		split2(v0, v1, &lo, &hi);
		ct_v(&lo, &hi, zetas2(zt + 64 + 8 * p, 1));
		merge2(lo, hi, &v0, &v1);
		store(r + 32 * p, canonical_v(barrett16_v(v0)));
		store(r + 32 * p + 16, canonical_v(barrett16_v(v1)));
	}
}

/*
 * Algorithm 10 as pouch_mlkem_invntt_c: layer l (len = 2 << l) group g
 * uses zetas_mont[(128 >> l) - 1 - g]; Barrett after layers 2 and 5.
 */
AVX2 void
pouch_mlkem_invntt_avx2(struct pouch_mlkem_poly *f)
{
	const int16_t *zt = pouch_mlkem_zetas_mont;
	const __m256i scale = _mm256_set1_epi16(NTT_INV_SCALE_MONT);
	uint16_t *r = f->c;
	__m256i lo, hi, v0, v1, z;
	unsigned layer, len, g, j, p;

	/* Layers 0-2 (len 2, 4, 8) on 32 coefficients at a time. */
	for (p = 0; p < 8; p++) {
		v0 = load(r + 32 * p);
		v1 = load(r + 32 * p + 16);
		split2(v0, v1, &lo, &hi);
		gs_v(&lo, &hi, zetas2(zt + 127 - 8 * p, -1));
		merge2(lo, hi, &v0, &v1);
		split4(v0, v1, &lo, &hi);
		gs_v(&lo, &hi, zetas4(zt + 63 - 4 * p, -1));
		merge4(lo, hi, &v0, &v1);
		split8(v0, v1, &lo, &hi);
		gs_v(&lo, &hi, zetas8(zt + 31 - 2 * p, -1));
		split8(lo, hi, &v0, &v1);
		store(r + 32 * p, barrett16_v(v0));
		store(r + 32 * p + 16, barrett16_v(v1));
	}
	for (layer = 3; layer < 7; layer++) {
		len = 2U << layer;
		for (g = 0; g < (64U >> layer); g++) {
			z = _mm256_set1_epi16(zt[(128U >> layer) - 1 - g]);
			for (j = 2 * len * g; j < 2 * len * g + len;
			    j += 16) {
				lo = load(r + j);
				hi = load(r + j + len);
				gs_v(&lo, &hi, z);
				if (layer == 5) {
					lo = barrett16_v(lo);
					hi = barrett16_v(hi);
				}
				store(r + j, lo);
				store(r + j + len, hi);
			}
		}
	}
	for (j = 0; j < MLKEM_N; j += 16)
		store(r + j, canonical_v(fqmul_vz(load(r + j), scale)));
}

/*
 * r += a * b in T_q, eight pairs at a time, with the bounds of
 * pouch_mlkem_basemul_lazy_c: c0 = a0 b0 + t gamma' where t = a1 b1
 * 2^-16 mod q in [0, q) and gamma' = gamma 2^16, so c0 is congruent to
 * a0 b0 + a1 b1 gamma and below 2 q^2; c1 = a0 b1 + a1 b0.  Both come
 * from vpmaddwd on non-negative int16_t values.
 */
AVX2 void
pouch_mlkem_basemul_lazy_avx2(struct pouch_mlkem_acc *r,
    const struct pouch_mlkem_poly *a, const struct pouch_mlkem_poly *b)
{
	const __m256i q = _mm256_set1_epi16(MLKEM_Q);
	__m256i va, vb, t, g, x, y, c0, c1, lo, hi;
	__m256i *acc;
	unsigned i;

	for (i = 0; i < MLKEM_N; i += 16) {
		va = load(a->c + i);
		vb = load(b->c + i);
		t = fqmul_v(va, vb, _mm256_mullo_epi16(vb,
		    _mm256_set1_epi16((int16_t)QINV)));
		t = _mm256_add_epi16(t, _mm256_and_si256(
		    _mm256_srai_epi16(t, 15), q));
		g = _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128(
		    (const __m128i *)(const void *)(gammas_mont + i / 2))),
		    16);
		x = _mm256_blend_epi16(va, t, 0xaa);
		y = _mm256_blend_epi16(vb, g, 0xaa);
		c0 = _mm256_madd_epi16(x, y);
		c1 = _mm256_madd_epi16(va, _mm256_shufflehi_epi16(
		    _mm256_shufflelo_epi16(vb, 0xb1), 0xb1));
		lo = _mm256_unpacklo_epi32(c0, c1);
		hi = _mm256_unpackhi_epi32(c0, c1);
		acc = (__m256i *)(void *)(r->c + i);
		_mm256_storeu_si256(acc, _mm256_add_epi32(
		    _mm256_loadu_si256(acc),
		    _mm256_permute2x128_si256(lo, hi, 0x20)));
		_mm256_storeu_si256(acc + 1, _mm256_add_epi32(
		    _mm256_loadu_si256(acc + 1),
		    _mm256_permute2x128_si256(lo, hi, 0x31)));
	}
}

/* The Barrett reduction of poly.c (reduce) on eight uint32_t. */
static inline AVX2 __m256i
reduce32_v(__m256i x)
{
	const __m256i m = _mm256_set1_epi64x(BARRETT_M);
	const __m256i q = _mm256_set1_epi32(MLKEM_Q);
	__m256i te, to, t;

	te = _mm256_srli_epi64(_mm256_mul_epu32(x, m), 43);
	to = _mm256_srli_epi64(_mm256_mul_epu32(_mm256_srli_epi64(x, 32), m),
	    43);
	t = _mm256_blend_epi32(te, _mm256_slli_epi64(to, 32), 0xaa);
	x = _mm256_sub_epi32(_mm256_sub_epi32(x, _mm256_mullo_epi32(t, q)),
	    q);
	return _mm256_add_epi32(x, _mm256_and_si256(_mm256_srai_epi32(x, 31),
	    q));
}

AVX2 void
pouch_mlkem_acc_reduce_avx2(struct pouch_mlkem_poly *f,
    const struct pouch_mlkem_acc *r)
{
	const __m256i *acc = (const __m256i *)(const void *)r->c;
	__m256i x0, x1;
	unsigned i;

	for (i = 0; i < MLKEM_N / 16; i++) {
		x0 = reduce32_v(_mm256_loadu_si256(acc + 2 * i));
		x1 = reduce32_v(_mm256_loadu_si256(acc + 2 * i + 1));
		store(f->c + 16 * i, _mm256_permute4x64_epi64(
		    _mm256_packus_epi32(x0, x1), 0xd8));
	}
}

/* r = r + a mod q and r = r - a mod q, inputs and outputs in [0, q). */
AVX2 void
pouch_mlkem_poly_add_avx2(struct pouch_mlkem_poly *r,
    const struct pouch_mlkem_poly *a)
{
	const __m256i q = _mm256_set1_epi16(MLKEM_Q);
	unsigned i;

	for (i = 0; i < MLKEM_N; i += 16)
		store(r->c + i, canonical_v(_mm256_sub_epi16(_mm256_add_epi16(
		    load(r->c + i), load(a->c + i)), q)));
}

AVX2 void
pouch_mlkem_poly_sub_avx2(struct pouch_mlkem_poly *r,
    const struct pouch_mlkem_poly *a)
{
	unsigned i;

	for (i = 0; i < MLKEM_N; i += 16)
		store(r->c + i, canonical_v(_mm256_sub_epi16(load(r->c + i),
		    load(a->c + i))));
}

/*
 * ByteDecode_12 with the reduction mod q, as pouch_mlkem_byte_decode:
 * eight coefficients from twelve bytes (the spread of the rejection loop
 * below), then x - q plus q where negative.  The last eight read their
 * bytes from a copy, since a 16-byte load would pass the end.
 */
AVX2 void
pouch_mlkem_byte_decode12_avx2(struct pouch_mlkem_poly *f,
    const uint8_t *in)
{
	const __m128i spread = _mm_setr_epi8(0, 1, 1, 2, 3, 4, 4, 5, 6, 7,
	    7, 8, 9, 10, 10, 11);
	const __m128i q = _mm_set1_epi16(MLKEM_Q);
	uint8_t last[16] = { 0 };
	__m128i v, d;
	unsigned i;

	memcpy(last, in + MLKEM_POLY_BYTES - 12, 12);
	for (i = 0; i < MLKEM_N / 8; i++) {
		v = _mm_loadu_si128((const __m128i *)(const void *)
		    (i + 1 < MLKEM_N / 8 ? in + 12 * i : last));
		d = _mm_shuffle_epi8(v, spread);
		d = _mm_and_si128(_mm_blend_epi16(d, _mm_srli_epi16(d, 4),
		    0xaa), _mm_set1_epi16(0x0fff));
		d = _mm_sub_epi16(d, q);
		d = _mm_add_epi16(d, _mm_and_si128(_mm_srai_epi16(d, 15), q));
		_mm_storeu_si128((__m128i *)(void *)(f->c + 8 * i), d);
	}
	OPENSSL_cleanse(last, sizeof(last));
}

/*
 * Eight values of ByteDecode_d from the d bytes at in + off, in 32-bit
 * lanes, with c and s from byte_decode_avx2.  The 16-byte load must stay
 * inside the len input bytes: near the end it is the last 16 instead,
 * and the byte indices move up to match (the zeroing 0x80 ones stay at
 * 0x80 or more).
 */
static inline AVX2 __m256i
decode8(const uint8_t *in, size_t len, size_t off, __m256i c, __m256i s,
    __m256i mask)
{
	__m128i v;

	if (off + 16 > len) {
		c = _mm256_add_epi8(c, _mm256_set1_epi8((char)(off -
		    (len - 16))));
		off = len - 16;
	}
	v = _mm_loadu_si128((const __m128i *)(const void *)(in + off));
	return _mm256_and_si256(_mm256_srlv_epi32(_mm256_shuffle_epi8(
	    _mm256_broadcastsi128_si256(v), c), s), mask);
}

/*
 * ByteDecode_d for 1 <= d <= 11, as pouch_mlkem_byte_decode: eight
 * values (d bytes) per register of 32-bit lanes.  Value k of the eight
 * starts at bit d k, so lane k takes bytes d k / 8 .. d k / 8 + 2 (the
 * value and a shift below 8 fit in 18 bits), shifts right by d k mod 8
 * and masks; two registers pack to sixteen coefficients.  Only the
 * positions depend on d, which is public.
 */
AVX2 void
pouch_mlkem_byte_decode_avx2(struct pouch_mlkem_poly *f, const uint8_t *in,
    unsigned d)
{
	const __m256i mask = _mm256_set1_epi32((int)((1U << d) - 1));
	const size_t len = 32 * (size_t)d;
	__m256i bit, c, s, a, b;
	unsigned i;

	bit = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
	    _mm256_set1_epi32((int)d));
	/* bytes b, b + 1, b + 2 and a zero, b = bit / 8 < 10 */
	c = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_srli_epi32(bit, 3),
	    _mm256_set1_epi32(0x010101)), _mm256_set1_epi32((int)0x80020100));
	s = _mm256_and_si256(bit, _mm256_set1_epi32(7));
	for (i = 0; i < MLKEM_N / 16; i++) {
		a = decode8(in, len, 2 * d * i, c, s, mask);
		b = decode8(in, len, 2 * d * i + d, c, s, mask);
		store(f->c + 16 * i, _mm256_permute4x64_epi64(
		    _mm256_packus_epi32(a, b), 0xd8));
	}
}

/*
 * SamplePolyCBD_2, 64 coefficients per 32 bytes: byte k holds
 * coefficients 2k (low nibble) and 2k + 1 (high nibble), each nibble
 * x0 x1 y0 y1 from the low bit.  Sum bit pairs, split the nibbles to
 * bytes in coefficient order, take x - y in [-2, 2] as int8_t, widen,
 * and add q to the negative ones.  No branch, no table.
 */
AVX2 void
pouch_mlkem_cbd2_avx2(struct pouch_mlkem_poly *f, const uint8_t *b)
{
	const __m256i m55 = _mm256_set1_epi8(0x55);
	const __m256i m0f = _mm256_set1_epi8(0x0f);
	const __m256i m03 = _mm256_set1_epi8(0x03);
	const __m256i q = _mm256_set1_epi16(MLKEM_Q);
	__m256i t, d, lo, hi, v[2], c;
	unsigned i, h;

	for (i = 0; i < 4; i++) {
		t = _mm256_loadu_si256((const __m256i *)(const void *)
		    (b + 32 * i));
		d = _mm256_add_epi8(_mm256_and_si256(t, m55),
		    _mm256_and_si256(_mm256_srli_epi16(t, 1), m55));
		lo = _mm256_and_si256(d, m0f);
		hi = _mm256_and_si256(_mm256_srli_epi16(d, 4), m0f);
		/* v[0]: bytes 0-7 | 16-23, v[1]: bytes 8-15 | 24-31 */
		v[0] = _mm256_unpacklo_epi8(lo, hi);
		v[1] = _mm256_unpackhi_epi8(lo, hi);
		for (h = 0; h < 2; h++)
			v[h] = _mm256_sub_epi8(_mm256_and_si256(v[h], m03),
			    _mm256_and_si256(_mm256_srli_epi16(v[h], 2),
			    m03));
		/* coefficients 64i + 0, 16, 32, 48 onwards */
		for (h = 0; h < 4; h++) {
			c = _mm256_cvtepi8_epi16(h < 2 ?
			    _mm256_castsi256_si128(v[h]) :
			    _mm256_extracti128_si256(v[h - 2], 1));
			c = _mm256_add_epi16(c, _mm256_and_si256(
			    _mm256_srai_epi16(c, 15), q));
			store(f->c + 64 * i + 16 * h, c);
		}
	}
}

/*
 * Compress_d on sixteen coefficients, for 1 <= d <= 11 and any x < 2^12
 * (every canonical x < q), exactly as pouch_mlkem_compress: R mod 2^d
 * with R = floor(y / q), y = 2^d x + (q - 1) / 2.  With M =
 * floor(2^(d+16) / q), h = mulhi(16 x, M) = floor(x M / 2^12) lies
 * within 2 below 16 x 2^d / q, so t = (h + 8) >> 4 is R or R - 1 (never
 * more: (h + 8) / 16 <= 2^d x / q + 1/2, whose floor is R as q is odd).
 * The remainder y - t q is then in [0, 2q), so its value mod 2^16 (all
 * the 16-bit lanes see) is exact, and t + (remainder >= q) is R.  M is
 * indexed by d, which is public.
 */
static const uint16_t compress_mul[12] = {
	19, 39, 78, 157, 314, 629, 1259, 2519, 5039, 10079, 20158, 40317,
};

static inline AVX2 __m256i
compress_v(__m256i x, unsigned d)
{
	const __m256i q = _mm256_set1_epi16(MLKEM_Q);
	__m256i t, r;

	t = _mm256_mulhi_epu16(_mm256_slli_epi16(x, 4),
	    _mm256_set1_epi16((int16_t)compress_mul[d]));
	t = _mm256_srli_epi16(_mm256_add_epi16(t, _mm256_set1_epi16(8)), 4);
	r = _mm256_add_epi16(_mm256_sll_epi16(x, _mm_cvtsi32_si128((int)d)),
	    _mm256_set1_epi16((MLKEM_Q - 1) / 2));
	r = _mm256_sub_epi16(r, _mm256_mullo_epi16(t, q));
	t = _mm256_sub_epi16(t, _mm256_cmpgt_epi16(r,
	    _mm256_set1_epi16(MLKEM_Q - 1)));
	return _mm256_and_si256(t, _mm256_set1_epi16((int16_t)((1U << d) -
	    1)));
}

/*
 * Decompress_d on sixteen y < 2^d: vpmulhrsw of a = 2^(15-d) y (< 2^15)
 * and q is (a q + 2^14) >> 15 = (q y + 2^(d-1)) >> d, exactly.
 */
static inline AVX2 __m256i
decompress_v(__m256i y, unsigned d)
{
	return _mm256_mulhrs_epi16(_mm256_sll_epi16(y,
	    _mm_cvtsi32_si128((int)(15 - d))), _mm256_set1_epi16(MLKEM_Q));
}

AVX2 void
pouch_mlkem_poly_compress_avx2(struct pouch_mlkem_poly *f, unsigned d)
{
	unsigned i;

	for (i = 0; i < MLKEM_N; i += 16)
		store(f->c + i, compress_v(load(f->c + i), d));
}

AVX2 void
pouch_mlkem_poly_decompress_avx2(struct pouch_mlkem_poly *f, unsigned d)
{
	unsigned i;

	for (i = 0; i < MLKEM_N; i += 16)
		store(f->c + i, decompress_v(load(f->c + i), d));
}

/*
 * ByteEncode_d packers: each writes exactly 32 d bytes, in Algorithm 5's
 * bit order (value i at bits d i .. d i + d - 1).  Pairs are joined by
 * vpmaddwd (a + 2^d b in 32 bits) and 32-bit pairs by shifting the low
 * one up by s and the 64-bit lane down by s (a + 2^(32-s) b).  Fusing
 * Compress_d into them (one pass, no store of the compressed values)
 * was measured at under 10 ns a polynomial, 0.3% of an encapsulation:
 * not worth a second entry point.
 */

/* 32-bit lanes a, b to 64-bit a + 2^(32 - s) b, for a < 2^(32 - s). */
static inline AVX2 __m256i
join32(__m256i v, int s)
{
	return _mm256_srli_epi64(_mm256_sllv_epi32(v,
	    _mm256_setr_epi32(s, 0, s, 0, s, 0, s, 0)), s);
}

/*
 * Four 40-bit values in the 64-bit lanes of v, in order, to 20 bytes:
 * the low lane's ten bytes go to 0-9; the high lane's go to 10-15 (by a
 * word blend) and 0-3 of the high half, which gives the last four.
 */
static inline AVX2 void
store20(uint8_t *out, __m256i v)
{
	const __m256i ctrl = _mm256_setr_epi8(0, 1, 2, 3, 4, 8, 9, 10, 11,
	    12, -1, -1, -1, -1, -1, -1,
	    9, 10, 11, 12, -1, -1, -1, -1, -1, -1, 0, 1, 2, 3, 4, 8);
	__m128i lo, hi;
	uint32_t w;

	v = _mm256_shuffle_epi8(v, ctrl);
	lo = _mm256_castsi256_si128(v);
	hi = _mm256_extracti128_si256(v, 1);
	_mm_storeu_si128((__m128i *)(void *)out, _mm_blend_epi16(lo, hi,
	    0xe0));
	w = (uint32_t)_mm_cvtsi128_si32(hi);
	memcpy(out + 16, &w, 4);
}

/*
 * Four 44-bit values (in order) to 22 bytes: the odd ones go up four
 * bits, so that each 128-bit lane is bytes 0-5 of the even value, the
 * odd value's byte 0 or-ed into byte 5, and its bytes 1-5 after: eleven
 * bytes, placed as in store20 (high lane at 11-15 and 0-5).
 */
static inline AVX2 void
store22(uint8_t *out, __m256i v)
{
	const __m256i ca = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 9, 10, 11, 12,
	    13, -1, -1, -1, -1, -1,
	    5, 9, 10, 11, 12, 13, -1, -1, -1, -1, -1, 0, 1, 2, 3, 4);
	const __m256i cb = _mm256_setr_epi8(-1, -1, -1, -1, -1, 8, -1, -1,
	    -1, -1, -1, -1, -1, -1, -1, -1,
	    8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
	const __m128i hi_bytes = _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, -1, -1, -1, -1, -1);
	__m128i lo, hi;
	uint64_t w;

	v = _mm256_sllv_epi64(v, _mm256_setr_epi64x(0, 4, 0, 4));
	v = _mm256_or_si256(_mm256_shuffle_epi8(v, ca),
	    _mm256_shuffle_epi8(v, cb));
	lo = _mm256_castsi256_si128(v);
	hi = _mm256_extracti128_si256(v, 1);
	_mm_storeu_si128((__m128i *)(void *)out, _mm_blendv_epi8(lo, hi,
	    hi_bytes));
	w = (uint64_t)_mm_cvtsi128_si64(hi);
	memcpy(out + 16, &w, 6);
}

/* d = 1: 32 values per movemask (bit 7 of each byte), 4 bytes. */
static inline AVX2 void
encode1(uint8_t *out, const struct pouch_mlkem_poly *f)
{
	__m256i a, b;
	uint32_t m;
	unsigned i;

	for (i = 0; i < MLKEM_N / 32; i++) {
		a = load(f->c + 32 * i);
		b = load(f->c + 32 * i + 16);
		a = _mm256_permute4x64_epi64(_mm256_packs_epi16(a, b), 0xd8);
		m = (uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(a, 7));
		out[4 * i] = (uint8_t)m;
		out[4 * i + 1] = (uint8_t)(m >> 8);
		out[4 * i + 2] = (uint8_t)(m >> 16);
		out[4 * i + 3] = (uint8_t)(m >> 24);
	}
}

/*
 * d = 4: 64 values to 32 bytes.  Pack to bytes, join byte pairs with
 * vpmaddubsw (a + 16 b), pack again; the dwords come out as the low
 * four bytes of values 0-15, 16-31, 32-47, 48-63, then the high four
 * bytes of each, and a dword permutation puts them in order.
 */
static inline AVX2 void
encode4(uint8_t *out, const struct pouch_mlkem_poly *f)
{
	const __m256i w = _mm256_set1_epi16(0x1001);
	const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
	const uint16_t *c;
	__m256i p0, p1;
	unsigned i;

	for (i = 0; i < MLKEM_N / 64; i++) {
		c = f->c + 64 * i;
		p0 = _mm256_packus_epi16(load(c), load(c + 16));
		p1 = _mm256_packus_epi16(load(c + 32), load(c + 48));
		p0 = _mm256_packus_epi16(_mm256_maddubs_epi16(p0, w),
		    _mm256_maddubs_epi16(p1, w));
		_mm256_storeu_si256((__m256i *)(void *)(out + 32 * i),
		    _mm256_permutevar8x32_epi32(p0, order));
	}
}

/*
 * d = 5: 32 values (a, b) to 20 bytes.  Pairs to 10 bits, back to
 * words (a 0-7, b 0-7 | a 8-15, b 8-15 in pairs), pairs to 20 bits, to
 * 40 bits (a 0-7, b 0-7 | a 8-15, b 8-15), then a 64-bit permutation.
 */
static inline AVX2 void
encode5(uint8_t *out, const struct pouch_mlkem_poly *f)
{
	const __m256i w5 = _mm256_set1_epi32(1 | 1 << 21);
	const __m256i w10 = _mm256_set1_epi32(1 | 1 << 26);
	__m256i a, b;
	unsigned i;

	for (i = 0; i < MLKEM_N / 32; i++) {
		a = _mm256_madd_epi16(load(f->c + 32 * i), w5);
		b = _mm256_madd_epi16(load(f->c + 32 * i + 16), w5);
		a = _mm256_madd_epi16(_mm256_packus_epi32(a, b), w10);
		store20(out + 20 * i, _mm256_permute4x64_epi64(join32(a, 12),
		    0xd8));
	}
}

/* d = 10: 16 values to 20 bytes (pairs to 20 bits, to 40 bits). */
static inline AVX2 void
encode10(uint8_t *out, const struct pouch_mlkem_poly *f)
{
	const __m256i w = _mm256_set1_epi32(1 | 1 << 26);
	unsigned i;

	for (i = 0; i < MLKEM_N / 16; i++)
		store20(out + 20 * i, join32(_mm256_madd_epi16(
		    load(f->c + 16 * i), w), 12));
}

/* d = 11: 16 values to 22 bytes (pairs to 22 bits, to 44 bits). */
static inline AVX2 void
encode11(uint8_t *out, const struct pouch_mlkem_poly *f)
{
	const __m256i w = _mm256_set1_epi32(1 | 1 << 27);
	unsigned i;

	for (i = 0; i < MLKEM_N / 16; i++)
		store22(out + 22 * i, join32(_mm256_madd_epi16(
		    load(f->c + 16 * i), w), 10));
}

/*
 * d = 12 (ek, dk_pke): 16 values below 2^12 to 24 bytes.  Pairs to 24
 * bits (a + 4096 b), whose three low bytes each 128-bit lane gathers in
 * order; twelve bytes a lane are stored exactly (8 + 4).
 */
static inline AVX2 void
encode12(uint8_t *out, const struct pouch_mlkem_poly *f)
{
	const __m256i w = _mm256_set1_epi32(1 | 1 << 28);
	const __m256i g = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12,
	    13, 14, -1, -1, -1, -1, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14,
	    -1, -1, -1, -1);
	__m256i v;
	__m128i h[2];
	uint8_t *o;
	unsigned i, j;
	uint32_t t;

	for (i = 0; i < MLKEM_N / 16; i++) {
		v = _mm256_shuffle_epi8(_mm256_madd_epi16(load(f->c + 16 * i),
		    w), g);
		h[0] = _mm256_castsi256_si128(v);
		h[1] = _mm256_extracti128_si256(v, 1);
		for (j = 0; j < 2; j++) {
			o = out + 24 * i + 12 * j;
			_mm_storel_epi64((__m128i *)(void *)o, h[j]);
			t = (uint32_t)_mm_extract_epi32(h[j], 2);
			memcpy(o + 8, &t, 4);
		}
	}
}

AVX2 void
pouch_mlkem_byte_encode_avx2(uint8_t *out, const struct pouch_mlkem_poly *f,
    unsigned d)
{
	switch (d) {
	case 1:
		encode1(out, f);
		break;
	case 4:
		encode4(out, f);
		break;
	case 5:
		encode5(out, f);
		break;
	case 10:
		encode10(out, f);
		break;
	case 11:
		encode11(out, f);
		break;
	case 12:
		encode12(out, f);
		break;
	}
}

/*
 * For each 8-bit mask, the positions of its set bits from the lowest,
 * one per nibble from the lowest (generated, not typed in).
 */
static const uint32_t rej_idx[256] = {
	0x00000000, 0x00000000, 0x00000001, 0x00000010, 0x00000002, 0x00000020,
	0x00000021, 0x00000210, 0x00000003, 0x00000030, 0x00000031, 0x00000310,
	0x00000032, 0x00000320, 0x00000321, 0x00003210, 0x00000004, 0x00000040,
	0x00000041, 0x00000410, 0x00000042, 0x00000420, 0x00000421, 0x00004210,
	0x00000043, 0x00000430, 0x00000431, 0x00004310, 0x00000432, 0x00004320,
	0x00004321, 0x00043210, 0x00000005, 0x00000050, 0x00000051, 0x00000510,
	0x00000052, 0x00000520, 0x00000521, 0x00005210, 0x00000053, 0x00000530,
	0x00000531, 0x00005310, 0x00000532, 0x00005320, 0x00005321, 0x00053210,
	0x00000054, 0x00000540, 0x00000541, 0x00005410, 0x00000542, 0x00005420,
	0x00005421, 0x00054210, 0x00000543, 0x00005430, 0x00005431, 0x00054310,
	0x00005432, 0x00054320, 0x00054321, 0x00543210, 0x00000006, 0x00000060,
	0x00000061, 0x00000610, 0x00000062, 0x00000620, 0x00000621, 0x00006210,
	0x00000063, 0x00000630, 0x00000631, 0x00006310, 0x00000632, 0x00006320,
	0x00006321, 0x00063210, 0x00000064, 0x00000640, 0x00000641, 0x00006410,
	0x00000642, 0x00006420, 0x00006421, 0x00064210, 0x00000643, 0x00006430,
	0x00006431, 0x00064310, 0x00006432, 0x00064320, 0x00064321, 0x00643210,
	0x00000065, 0x00000650, 0x00000651, 0x00006510, 0x00000652, 0x00006520,
	0x00006521, 0x00065210, 0x00000653, 0x00006530, 0x00006531, 0x00065310,
	0x00006532, 0x00065320, 0x00065321, 0x00653210, 0x00000654, 0x00006540,
	0x00006541, 0x00065410, 0x00006542, 0x00065420, 0x00065421, 0x00654210,
	0x00006543, 0x00065430, 0x00065431, 0x00654310, 0x00065432, 0x00654320,
	0x00654321, 0x06543210, 0x00000007, 0x00000070, 0x00000071, 0x00000710,
	0x00000072, 0x00000720, 0x00000721, 0x00007210, 0x00000073, 0x00000730,
	0x00000731, 0x00007310, 0x00000732, 0x00007320, 0x00007321, 0x00073210,
	0x00000074, 0x00000740, 0x00000741, 0x00007410, 0x00000742, 0x00007420,
	0x00007421, 0x00074210, 0x00000743, 0x00007430, 0x00007431, 0x00074310,
	0x00007432, 0x00074320, 0x00074321, 0x00743210, 0x00000075, 0x00000750,
	0x00000751, 0x00007510, 0x00000752, 0x00007520, 0x00007521, 0x00075210,
	0x00000753, 0x00007530, 0x00007531, 0x00075310, 0x00007532, 0x00075320,
	0x00075321, 0x00753210, 0x00000754, 0x00007540, 0x00007541, 0x00075410,
	0x00007542, 0x00075420, 0x00075421, 0x00754210, 0x00007543, 0x00075430,
	0x00075431, 0x00754310, 0x00075432, 0x00754320, 0x00754321, 0x07543210,
	0x00000076, 0x00000760, 0x00000761, 0x00007610, 0x00000762, 0x00007620,
	0x00007621, 0x00076210, 0x00000763, 0x00007630, 0x00007631, 0x00076310,
	0x00007632, 0x00076320, 0x00076321, 0x00763210, 0x00000764, 0x00007640,
	0x00007641, 0x00076410, 0x00007642, 0x00076420, 0x00076421, 0x00764210,
	0x00007643, 0x00076430, 0x00076431, 0x00764310, 0x00076432, 0x00764320,
	0x00764321, 0x07643210, 0x00000765, 0x00007650, 0x00007651, 0x00076510,
	0x00007652, 0x00076520, 0x00076521, 0x00765210, 0x00007653, 0x00076530,
	0x00076531, 0x00765310, 0x00076532, 0x00765320, 0x00765321, 0x07653210,
	0x00007654, 0x00076540, 0x00076541, 0x00765410, 0x00076542, 0x00765420,
	0x00765421, 0x07654210, 0x00076543, 0x00765430, 0x00765431, 0x07654310,
	0x00765432, 0x07654320, 0x07654321, 0x76543210,
};

/*
 * The rejection loop of SampleNTT (Algorithm 7) eight candidates (twelve
 * bytes) at a time: spread them to 16-bit lanes, compare with q, and
 * pack the good ones to the front with a shuffle chosen by the mask.
 * Runs while twelve bytes of the len are left, 16 of the readable bytes
 * of buf (readable >= len) can be loaded and eight more coefficients
 * fit; the caller finishes one triple at a time from the byte returned.
 * The
 * table index is the comparison result on public data (rho's XOF), so
 * variable time is fine here, as for the scalar loop.
 */
AVX2 size_t
pouch_mlkem_rej_avx2(uint16_t *out, unsigned want, const uint8_t *buf,
    size_t len, size_t readable, unsigned *found)
{
	const __m128i spread = _mm_setr_epi8(0, 1, 1, 2, 3, 4, 4, 5, 6, 7,
	    7, 8, 9, 10, 10, 11);
	const __m128i mask12 = _mm_set1_epi16(0x0fff);
	const __m128i q = _mm_set1_epi16(MLKEM_Q);
	const __m128i nib = _mm_set1_epi8(0x0f);
	__m128i v, d, idx, ctrl;
	unsigned j = *found, m;
	size_t pos = 0;
	uint32_t x;

	for (; pos + 12 <= len && pos + 16 <= readable && j + 8 <= want;
	    pos += 12) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(buf + pos));
		d = _mm_shuffle_epi8(v, spread);
		d = _mm_and_si128(_mm_blend_epi16(d, _mm_srli_epi16(d, 4),
		    0xaa), mask12);
		m = (unsigned)_mm_movemask_epi8(_mm_packs_epi16(
		    _mm_cmpgt_epi16(q, d), _mm_setzero_si128())) & 0xff;
		x = rej_idx[m];
		idx = _mm_cvtsi32_si128((int)x);
		idx = _mm_unpacklo_epi8(_mm_and_si128(idx, nib),
		    _mm_and_si128(_mm_srli_epi16(idx, 4), nib));
		idx = _mm_add_epi8(idx, idx);		/* byte offsets */
		ctrl = _mm_unpacklo_epi8(idx, _mm_add_epi8(idx,
		    _mm_set1_epi8(1)));
		_mm_storeu_si128((__m128i *)(void *)(out + j),
		    _mm_shuffle_epi8(d, ctrl));
		m = m - ((m >> 1) & 0x55);		/* popcount */
		m = (m & 0x33) + ((m >> 2) & 0x33);
		j += (m + (m >> 4)) & 0x0f;
	}
	*found = j;
	return pos;
}

/*
 * The modulus check of FIPS 203 7.2 on len bytes of ByteEncode12 (len a
 * multiple of 12, and 4 more bytes of buf readable): nonzero when a
 * 12-bit value is q or more.  Eight values per 12 bytes, spread to
 * 16-bit lanes as in pouch_mlkem_rej_avx2.  Public data (an ek).
 */
AVX2 unsigned
pouch_mlkem_over_q_avx2(const uint8_t *buf, size_t len)
{
	const __m128i spread = _mm_setr_epi8(0, 1, 1, 2, 3, 4, 4, 5, 6, 7,
	    7, 8, 9, 10, 10, 11);
	const __m128i mask12 = _mm_set1_epi16(0x0fff);
	const __m128i qm1 = _mm_set1_epi16(MLKEM_Q - 1);
	__m128i v, d, over = _mm_setzero_si128();
	size_t pos;

	for (pos = 0; pos + 12 <= len; pos += 12) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(buf + pos));
		d = _mm_shuffle_epi8(v, spread);
		d = _mm_and_si128(_mm_blend_epi16(d, _mm_srli_epi16(d, 4),
		    0xaa), mask12);
		over = _mm_or_si128(over, _mm_cmpgt_epi16(d, qm1));
	}
	return (unsigned)_mm_movemask_epi8(over);
}

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int pouch_mlkem_no_avx2;

#endif /* POUCH_MLKEM_AVX2 */
