/*
 * keccak_avx2.c - four Keccak-f[1600] states side by side in AVX2
 * registers (FIPS 202), for the SHAKE128 of SampleNTT and the SHAKE256
 * of PRF_eta four at a time: one 64-bit lane of each register per
 * state.  OpenSSL's one-state SHAKE stays the hash everywhere else and
 * the portable path; tests/mlkem/test_keccak.c checks every output here
 * against it.  The permutation is the plain theta, rho, pi, chi, iota
 * sequence, unrolled (the rotation counts and the pi positions were
 * generated from their definitions); there is no branch, table index
 * or division on the data, so it is constant time in the state.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "mlkem/mlkem.h"

#ifdef POUCH_MLKEM_AVX2

#include <immintrin.h>

#define AVX2	__attribute__((target("avx2")))

#define ROL(v, n)	_mm256_or_si256(_mm256_slli_epi64((v), (n)), \
			    _mm256_srli_epi64((v), 64 - (n)))
#define XOR5(a, b, c, d, e) _mm256_xor_si256(_mm256_xor_si256( \
			    _mm256_xor_si256((a), (b)), \
			    _mm256_xor_si256((c), (d))), (e))
#define CHI(a, b, c)	_mm256_xor_si256((a), _mm256_andnot_si256((b), (c)))

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

static AVX2 void
keccakf1600x4(__m256i *s)
{
	__m256i b[25], c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
	unsigned r;

	for (r = 0; r < 24; r++) {
		c0 = XOR5(s[0], s[5], s[10], s[15], s[20]);
		c1 = XOR5(s[1], s[6], s[11], s[16], s[21]);
		c2 = XOR5(s[2], s[7], s[12], s[17], s[22]);
		c3 = XOR5(s[3], s[8], s[13], s[18], s[23]);
		c4 = XOR5(s[4], s[9], s[14], s[19], s[24]);
		d0 = _mm256_xor_si256(c4, ROL(c1, 1));
		d1 = _mm256_xor_si256(c0, ROL(c2, 1));
		d2 = _mm256_xor_si256(c1, ROL(c3, 1));
		d3 = _mm256_xor_si256(c2, ROL(c4, 1));
		d4 = _mm256_xor_si256(c3, ROL(c0, 1));
		b[0] = _mm256_xor_si256(s[0], d0);
		b[16] = ROL(_mm256_xor_si256(s[5], d0), 36);
		b[7] = ROL(_mm256_xor_si256(s[10], d0), 3);
		b[23] = ROL(_mm256_xor_si256(s[15], d0), 41);
		b[14] = ROL(_mm256_xor_si256(s[20], d0), 18);
		b[10] = ROL(_mm256_xor_si256(s[1], d1), 1);
		b[1] = ROL(_mm256_xor_si256(s[6], d1), 44);
		b[17] = ROL(_mm256_xor_si256(s[11], d1), 10);
		b[8] = ROL(_mm256_xor_si256(s[16], d1), 45);
		b[24] = ROL(_mm256_xor_si256(s[21], d1), 2);
		b[20] = ROL(_mm256_xor_si256(s[2], d2), 62);
		b[11] = ROL(_mm256_xor_si256(s[7], d2), 6);
		b[2] = ROL(_mm256_xor_si256(s[12], d2), 43);
		b[18] = ROL(_mm256_xor_si256(s[17], d2), 15);
		b[9] = ROL(_mm256_xor_si256(s[22], d2), 61);
		b[5] = ROL(_mm256_xor_si256(s[3], d3), 28);
		b[21] = ROL(_mm256_xor_si256(s[8], d3), 55);
		b[12] = ROL(_mm256_xor_si256(s[13], d3), 25);
		b[3] = ROL(_mm256_xor_si256(s[18], d3), 21);
		b[19] = ROL(_mm256_xor_si256(s[23], d3), 56);
		b[15] = ROL(_mm256_xor_si256(s[4], d4), 27);
		b[6] = ROL(_mm256_xor_si256(s[9], d4), 20);
		b[22] = ROL(_mm256_xor_si256(s[14], d4), 39);
		b[13] = ROL(_mm256_xor_si256(s[19], d4), 8);
		b[4] = ROL(_mm256_xor_si256(s[24], d4), 14);
		s[0] = CHI(b[0], b[1], b[2]);
		s[1] = CHI(b[1], b[2], b[3]);
		s[2] = CHI(b[2], b[3], b[4]);
		s[3] = CHI(b[3], b[4], b[0]);
		s[4] = CHI(b[4], b[0], b[1]);
		s[5] = CHI(b[5], b[6], b[7]);
		s[6] = CHI(b[6], b[7], b[8]);
		s[7] = CHI(b[7], b[8], b[9]);
		s[8] = CHI(b[8], b[9], b[5]);
		s[9] = CHI(b[9], b[5], b[6]);
		s[10] = CHI(b[10], b[11], b[12]);
		s[11] = CHI(b[11], b[12], b[13]);
		s[12] = CHI(b[12], b[13], b[14]);
		s[13] = CHI(b[13], b[14], b[10]);
		s[14] = CHI(b[14], b[10], b[11]);
		s[15] = CHI(b[15], b[16], b[17]);
		s[16] = CHI(b[16], b[17], b[18]);
		s[17] = CHI(b[17], b[18], b[19]);
		s[18] = CHI(b[18], b[19], b[15]);
		s[19] = CHI(b[19], b[15], b[16]);
		s[20] = CHI(b[20], b[21], b[22]);
		s[21] = CHI(b[21], b[22], b[23]);
		s[22] = CHI(b[22], b[23], b[24]);
		s[23] = CHI(b[23], b[24], b[20]);
		s[24] = CHI(b[24], b[20], b[21]);
		s[0] = _mm256_xor_si256(s[0],
		    _mm256_set1_epi64x((long long)rc[r]));
	}
}

/*
 * Absorb in[0..3] (inlen bytes each, inlen < rate) as the whole message
 * of four SHAKE instances: the 0x1f domain and padding bits, one block.
 */
AVX2 void
pouch_mlkem_keccakx4_absorb(struct pouch_mlkem_keccakx4 *k, size_t rate,
    const uint8_t *const in[4], size_t inlen)
{
	uint8_t blk[4][POUCH_KECCAK_RATE_MAX];
	uint64_t w[4];
	__m256i *s = (__m256i *)(void *)k->s;
	size_t i, j;

	memset(blk, 0, sizeof(blk));
	for (j = 0; j < 4; j++) {
		memcpy(blk[j], in[j], inlen);
		blk[j][inlen] ^= 0x1f;
		blk[j][rate - 1] ^= 0x80;
	}
	for (i = 0; i < 25; i++)
		s[i] = _mm256_setzero_si256();
	for (i = 0; 8 * i < rate; i++) {
		for (j = 0; j < 4; j++)
			memcpy(&w[j], blk[j] + 8 * i, 8);	/* x86: LE */
		s[i] = _mm256_loadu_si256((const __m256i *)(void *)w);
	}
	OPENSSL_cleanse(blk, sizeof(blk));
	OPENSSL_cleanse(w, sizeof(w));
}

/* Squeeze nblocks blocks of rate bytes into each out[j]. */
AVX2 void
pouch_mlkem_keccakx4_squeeze(struct pouch_mlkem_keccakx4 *k, size_t rate,
    uint8_t *const out[4], size_t nblocks)
{
	__m256i *s = (__m256i *)(void *)k->s;
	uint64_t w[4];
	size_t n, i, j;

	for (n = 0; n < nblocks; n++) {
		keccakf1600x4(s);
		for (i = 0; 8 * i < rate; i++) {
			_mm256_storeu_si256((__m256i *)(void *)w, s[i]);
			for (j = 0; j < 4; j++)
				memcpy(out[j] + rate * n + 8 * i, &w[j], 8);
		}
	}
	OPENSSL_cleanse(w, sizeof(w));
}

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int pouch_mlkem_no_keccakx4;

#endif /* POUCH_MLKEM_AVX2 */
