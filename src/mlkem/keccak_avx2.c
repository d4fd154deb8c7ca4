/*
 * keccak_avx2.c - four Keccak-f[1600] states side by side in AVX2
 * registers (FIPS 202), for the SHAKE128 of SampleNTT and the SHAKE256
 * of PRF_eta four at a time: one 64-bit lane of each register per
 * state.  OpenSSL's one-state SHAKE stays the hash everywhere else and
 * the portable path; tests/mlkem/test_keccak.c checks every output here
 * against it.
 *
 * The permutation keeps the 25 lanes in local variables and does two
 * rounds per loop pass, the second reading what the first wrote, so
 * nothing is copied back.  A round first makes theta's five D values,
 * then goes plane by plane: the five lanes that pi brings into an
 * output plane get D and their rho rotation, chi combines them and the
 * results go straight to the output lanes, whose column parities (the
 * next round's theta C) are summed on the way.  Besides the lanes only
 * fifteen values are live (D, the parities and one plane's five chi
 * inputs), so little spills from x86's 16 ymm registers.  AVX2 has no
 * 64-bit rotate: a rotation is two shifts and an OR, except by 8 and
 * 56, which are one byte shuffle, and by 1, whose left shift is an add.
 * The rotation counts and the pi positions were generated from their
 * definitions.  Absorb and squeeze move four lanes of a state at a time
 * with a 4x4 transpose of 64-bit words; the lane_ functions set or add
 * to one state alone, for sample.c's scheduler, which runs a different
 * hash in each state.  There is no branch, table index or division on
 * the data, so it is constant time in the state.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "mlkem/mlkem.h"

#ifdef POUCH_MLKEM_AVX2

#include <immintrin.h>

#define AVX2	__attribute__((target("avx2")))

#define XOR(a, b)	_mm256_xor_si256((a), (b))
#define XOR5(a, b, c, d, e) XOR(XOR(XOR((a), (b)), XOR((c), (d))), (e))
#define CHI(a, b, c)	XOR((a), _mm256_andnot_si256((b), (c)))
#define ROL(v, n)	_mm256_or_si256(_mm256_slli_epi64((v), (n)), \
			    _mm256_srli_epi64((v), 64 - (n)))
#define ROL1(v)		_mm256_or_si256(_mm256_add_epi64((v), (v)), \
			    _mm256_srli_epi64((v), 63))
#define ROL8(v)		_mm256_shuffle_epi8((v), rot8)
#define ROL56(v)	_mm256_shuffle_epi8((v), rot56)

/* The round constants of iota. */
static const uint64_t rc[24] = {
	UINT64_C(0x0000000000000001),
	UINT64_C(0x0000000000008082),
	UINT64_C(0x800000000000808a),
	UINT64_C(0x8000000080008000),
	UINT64_C(0x000000000000808b),
	UINT64_C(0x0000000080000001),
	UINT64_C(0x8000000080008081),
	UINT64_C(0x8000000000008009),
	UINT64_C(0x000000000000008a),
	UINT64_C(0x0000000000000088),
	UINT64_C(0x0000000080008009),
	UINT64_C(0x000000008000000a),
	UINT64_C(0x000000008000808b),
	UINT64_C(0x800000000000008b),
	UINT64_C(0x8000000000008089),
	UINT64_C(0x8000000000008003),
	UINT64_C(0x8000000000008002),
	UINT64_C(0x8000000000000080),
	UINT64_C(0x000000000000800a),
	UINT64_C(0x800000008000000a),
	UINT64_C(0x8000000080008081),
	UINT64_C(0x8000000000008080),
	UINT64_C(0x0000000080000001),
	UINT64_C(0x8000000080008008),
};

/*
 * One output plane: the five lanes x0..x4 after theta, rho and pi go
 * through chi into e0..e4, which are added to the column parities
 * c0..c4.  PLANE0 is the first plane of a round: it starts the parities
 * and adds iota's constant k to e0.
 */
#define PLANE(e0, e1, e2, e3, e4, x0, x1, x2, x3, x4) do {		\
	b0 = (x0);							\
	b1 = (x1);							\
	b2 = (x2);							\
	b3 = (x3);							\
	b4 = (x4);							\
	e0 = CHI(b0, b1, b2);						\
	c0 = XOR(c0, e0);						\
	e1 = CHI(b1, b2, b3);						\
	c1 = XOR(c1, e1);						\
	e2 = CHI(b2, b3, b4);						\
	c2 = XOR(c2, e2);						\
	e3 = CHI(b3, b4, b0);						\
	c3 = XOR(c3, e3);						\
	e4 = CHI(b4, b0, b1);						\
	c4 = XOR(c4, e4);						\
} while (0)
#define PLANE0(e0, e1, e2, e3, e4, k, x0, x1, x2, x3, x4) do {		\
	b0 = (x0);							\
	b1 = (x1);							\
	b2 = (x2);							\
	b3 = (x3);							\
	b4 = (x4);							\
	e0 = XOR(CHI(b0, b1, b2), (k));					\
	c0 = e0;							\
	e1 = CHI(b1, b2, b3);						\
	c1 = e1;							\
	e2 = CHI(b2, b3, b4);						\
	c2 = e2;							\
	e3 = CHI(b3, b4, b0);						\
	c3 = e3;							\
	e4 = CHI(b4, b0, b1);						\
	c4 = e4;							\
} while (0)

/*
 * One round from lanes A##00..A##24 (lane x + 5y) into E##00..E##24;
 * c0..c4 hold the column parities of A on entry and of E on exit.
 * Output lane (X, Y) is rho(A[(X + 3Y) % 5, X]) after theta.
 */
#define ROUND(A, E, iota) do {						\
	d0 = XOR(c4, ROL1(c1));						\
	d1 = XOR(c0, ROL1(c2));						\
	d2 = XOR(c1, ROL1(c3));						\
	d3 = XOR(c2, ROL1(c4));						\
	d4 = XOR(c3, ROL1(c0));						\
	PLANE0(E##00, E##01, E##02, E##03, E##04, (iota),		\
	    XOR(A##00, d0), ROL(XOR(A##06, d1), 44),			\
	    ROL(XOR(A##12, d2), 43), ROL(XOR(A##18, d3), 21),		\
	    ROL(XOR(A##24, d4), 14));					\
	PLANE(E##05, E##06, E##07, E##08, E##09,			\
	    ROL(XOR(A##03, d3), 28), ROL(XOR(A##09, d4), 20),		\
	    ROL(XOR(A##10, d0), 3), ROL(XOR(A##16, d1), 45),		\
	    ROL(XOR(A##22, d2), 61));					\
	PLANE(E##10, E##11, E##12, E##13, E##14,			\
	    ROL1(XOR(A##01, d1)), ROL(XOR(A##07, d2), 6),		\
	    ROL(XOR(A##13, d3), 25), ROL8(XOR(A##19, d4)),		\
	    ROL(XOR(A##20, d0), 18));					\
	PLANE(E##15, E##16, E##17, E##18, E##19,			\
	    ROL(XOR(A##04, d4), 27), ROL(XOR(A##05, d0), 36),		\
	    ROL(XOR(A##11, d1), 10), ROL(XOR(A##17, d2), 15),		\
	    ROL56(XOR(A##23, d3)));					\
	PLANE(E##20, E##21, E##22, E##23, E##24,			\
	    ROL(XOR(A##02, d2), 62), ROL(XOR(A##08, d3), 55),		\
	    ROL(XOR(A##14, d4), 39), ROL(XOR(A##15, d0), 41),		\
	    ROL(XOR(A##21, d1), 2));					\
} while (0)

static AVX2 void
keccakf1600x4(__m256i *s)
{
	/* Byte shuffles rotating each 64-bit lane left by 8 and by 56. */
	const __m256i rot8 = _mm256_set_epi8(
	    14, 13, 12, 11, 10, 9, 8, 15, 6, 5, 4, 3, 2, 1, 0, 7,
	    14, 13, 12, 11, 10, 9, 8, 15, 6, 5, 4, 3, 2, 1, 0, 7);
	const __m256i rot56 = _mm256_set_epi8(
	    8, 15, 14, 13, 12, 11, 10, 9, 0, 7, 6, 5, 4, 3, 2, 1,
	    8, 15, 14, 13, 12, 11, 10, 9, 0, 7, 6, 5, 4, 3, 2, 1);
	__m256i a00, a01, a02, a03, a04, a05, a06, a07, a08, a09, a10, a11,
	    a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24;
	__m256i e00, e01, e02, e03, e04, e05, e06, e07, e08, e09, e10, e11,
	    e12, e13, e14, e15, e16, e17, e18, e19, e20, e21, e22, e23, e24;
	__m256i b0, b1, b2, b3, b4, c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
	unsigned r;

	a00 = s[0];
	a01 = s[1];
	a02 = s[2];
	a03 = s[3];
	a04 = s[4];
	a05 = s[5];
	a06 = s[6];
	a07 = s[7];
	a08 = s[8];
	a09 = s[9];
	a10 = s[10];
	a11 = s[11];
	a12 = s[12];
	a13 = s[13];
	a14 = s[14];
	a15 = s[15];
	a16 = s[16];
	a17 = s[17];
	a18 = s[18];
	a19 = s[19];
	a20 = s[20];
	a21 = s[21];
	a22 = s[22];
	a23 = s[23];
	a24 = s[24];
	c0 = XOR5(a00, a05, a10, a15, a20);
	c1 = XOR5(a01, a06, a11, a16, a21);
	c2 = XOR5(a02, a07, a12, a17, a22);
	c3 = XOR5(a03, a08, a13, a18, a23);
	c4 = XOR5(a04, a09, a14, a19, a24);
	for (r = 0; r < 24; r += 2) {
		ROUND(a, e, _mm256_set1_epi64x((long long)rc[r]));
		ROUND(e, a, _mm256_set1_epi64x((long long)rc[r + 1]));
	}
	s[0] = a00;
	s[1] = a01;
	s[2] = a02;
	s[3] = a03;
	s[4] = a04;
	s[5] = a05;
	s[6] = a06;
	s[7] = a07;
	s[8] = a08;
	s[9] = a09;
	s[10] = a10;
	s[11] = a11;
	s[12] = a12;
	s[13] = a13;
	s[14] = a14;
	s[15] = a15;
	s[16] = a16;
	s[17] = a17;
	s[18] = a18;
	s[19] = a19;
	s[20] = a20;
	s[21] = a21;
	s[22] = a22;
	s[23] = a23;
	s[24] = a24;
}

/*
 * 4x4 transpose of 64-bit words: word i of v##j becomes word j of v##i.
 * It turns four lanes of the four states into four consecutive lanes
 * of each state, and back.
 */
#define TRANSPOSE4(v0, v1, v2, v3) do {					\
	__m256i t0_, t1_, t2_, t3_;					\
									\
	t0_ = _mm256_unpacklo_epi64((v0), (v1));			\
	t1_ = _mm256_unpackhi_epi64((v0), (v1));			\
	t2_ = _mm256_unpacklo_epi64((v2), (v3));			\
	t3_ = _mm256_unpackhi_epi64((v2), (v3));			\
	(v0) = _mm256_permute2x128_si256(t0_, t2_, 0x20);		\
	(v1) = _mm256_permute2x128_si256(t1_, t3_, 0x20);		\
	(v2) = _mm256_permute2x128_si256(t0_, t2_, 0x31);		\
	(v3) = _mm256_permute2x128_si256(t1_, t3_, 0x31);		\
} while (0)

/*
 * Absorb in[0..3] (inlen bytes each, inlen < rate) as the whole message
 * of four SHAKE instances: the 0x1f domain and padding bits, one block.
 * The lanes past the message stay zero but for the final padding bit.
 */
AVX2 void
pouch_mlkem_keccakx4_absorb(struct pouch_mlkem_keccakx4 *k, size_t rate,
    const uint8_t *const in[4], size_t inlen)
{
	uint8_t blk[4 * 32 * ((POUCH_KECCAK_RATE_MAX - 1) / 32 + 1)];
	__m256i *s = (__m256i *)(void *)k->s;
	__m256i v0, v1, v2, v3;
	size_t w, i, j;

	/*
	 * Row j of blk (w bytes from j * w) is in[j], 0x1f and zeros, up to
	 * a whole number of groups of four lanes past the 0x1f: at most 24
	 * lanes, since inlen < rate.
	 */
	w = 32 * (inlen / 32 + 1);
	memset(blk, 0, 4 * w);
	for (j = 0; j < 4; j++) {
		memcpy(blk + j * w, in[j], inlen);
		blk[j * w + inlen] = 0x1f;
	}
	for (i = 0; i < 25; i++)
		s[i] = _mm256_setzero_si256();
	for (i = 0; 8 * i < w; i += 4) {
		v0 = _mm256_loadu_si256((const __m256i *)(void *)
		    (blk + 8 * i));
		v1 = _mm256_loadu_si256((const __m256i *)(void *)
		    (blk + w + 8 * i));
		v2 = _mm256_loadu_si256((const __m256i *)(void *)
		    (blk + 2 * w + 8 * i));
		v3 = _mm256_loadu_si256((const __m256i *)(void *)
		    (blk + 3 * w + 8 * i));
		TRANSPOSE4(v0, v1, v2, v3);
		s[i] = v0;
		s[i + 1] = v1;
		s[i + 2] = v2;
		s[i + 3] = v3;
	}
	s[rate / 8 - 1] = XOR(s[rate / 8 - 1],
	    _mm256_set1_epi64x((long long)(UINT64_C(1) << 63)));
	OPENSSL_cleanse(blk, 4 * w);
}

/*
 * State j alone becomes the absorbed message in (inlen < rate bytes),
 * as pouch_mlkem_keccakx4_absorb makes it; the other three are left as
 * they are.  The scheduler of sample.c refills a lane this way when its
 * job is done while the others go on.
 */
void
pouch_mlkem_keccakx4_lane_absorb(struct pouch_mlkem_keccakx4 *k,
    unsigned j, size_t rate, const uint8_t *in, size_t inlen)
{
	pouch_mlkem_keccakx4_lane_zero(k, j);
	pouch_mlkem_keccakx4_lane_xor(k, j, in, inlen, 0x1f, rate);
}

/*
 * XOR len bytes (len <= 200) of in into state j from its first byte on,
 * then, when ds is not 0, the padding: ds at byte len, 0x80 into byte
 * rate - 1.  Absorbing a message of several blocks one lane at a time.
 */
void
pouch_mlkem_keccakx4_lane_xor(struct pouch_mlkem_keccakx4 *k, unsigned j,
    const uint8_t *in, size_t len, uint8_t ds, size_t rate)
{
	uint64_t w;
	size_t i, n = len / 8;

	for (i = 0; i < n; i++) {
		memcpy(&w, in + 8 * i, 8);		/* little-endian */
		k->s[4 * i + j] ^= w;
	}
	w = ds;
	for (i = len; i > 8 * n; i--)
		w = w << 8 | in[i - 1];
	if (n < 25)
		k->s[4 * n + j] ^= w;
	if (ds != 0)
		k->s[4 * (rate / 8 - 1) + j] ^= UINT64_C(1) << 63;
}

/* State j becomes all zero. */
void
pouch_mlkem_keccakx4_lane_zero(struct pouch_mlkem_keccakx4 *k, unsigned j)
{
	size_t i;

	for (i = 0; i < 25; i++)
		k->s[4 * i + j] = 0;
}

/* One Keccak-f[1600] of all four states. */
AVX2 void
pouch_mlkem_keccakx4_permute(struct pouch_mlkem_keccakx4 *k)
{
	keccakf1600x4((__m256i *)(void *)k->s);
}

/*
 * The first rate bytes (a multiple of 8) of each state into out[j],
 * without a permutation: a squeeze of one block is permute, extract.
 */
AVX2 void
pouch_mlkem_keccakx4_extract(const struct pouch_mlkem_keccakx4 *k,
    size_t rate, uint8_t *const out[4])
{
	const __m256i *s = (const __m256i *)(const void *)k->s;
	__m256i v0, v1, v2, v3;
	__m128i lo, hi;
	size_t i;

	for (i = 0; 8 * (i + 4) <= rate; i += 4) {
		v0 = s[i];
		v1 = s[i + 1];
		v2 = s[i + 2];
		v3 = s[i + 3];
		TRANSPOSE4(v0, v1, v2, v3);
		_mm256_storeu_si256((__m256i *)(void *)(out[0] + 8 * i), v0);
		_mm256_storeu_si256((__m256i *)(void *)(out[1] + 8 * i), v1);
		_mm256_storeu_si256((__m256i *)(void *)(out[2] + 8 * i), v2);
		_mm256_storeu_si256((__m256i *)(void *)(out[3] + 8 * i), v3);
	}
	for (; 8 * i < rate; i++) {
		lo = _mm256_castsi256_si128(s[i]);
		hi = _mm256_extracti128_si256(s[i], 1);
		_mm_storel_epi64((__m128i *)(void *)(out[0] + 8 * i), lo);
		_mm_storel_epi64((__m128i *)(void *)(out[1] + 8 * i),
		    _mm_unpackhi_epi64(lo, lo));
		_mm_storel_epi64((__m128i *)(void *)(out[2] + 8 * i), hi);
		_mm_storel_epi64((__m128i *)(void *)(out[3] + 8 * i),
		    _mm_unpackhi_epi64(hi, hi));
	}
}

/* Squeeze nblocks blocks of rate bytes into each out[j]. */
AVX2 void
pouch_mlkem_keccakx4_squeeze(struct pouch_mlkem_keccakx4 *k, size_t rate,
    uint8_t *const out[4], size_t nblocks)
{
	uint8_t *o[4];
	size_t n, j;

	for (n = 0; n < nblocks; n++) {
		for (j = 0; j < 4; j++)
			o[j] = out[j] + rate * n;
		keccakf1600x4((__m256i *)(void *)k->s);
		pouch_mlkem_keccakx4_extract(k, rate, o);
	}
}

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int pouch_mlkem_no_keccakx4;

#endif /* POUCH_MLKEM_AVX2 */
