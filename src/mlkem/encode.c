/*
 * encode.c - ByteEncode_d / ByteDecode_d (FIPS 203 Algorithms 5 and 6)
 * and Compress_d / Decompress_d (4.2.1).  Coefficients may be secret, so
 * nothing here branches on or indexes by a coefficient, and Compress
 * divides by q with a multiplication and a shift.  Where the CPU has
 * AVX2, Compress_d, Decompress_d, ByteDecode_d (d != 4) and ByteEncode_d
 * of the ciphertext and key sizes (d = 1, 4, 5, 10, 11, 12) run
 * poly_avx2.c's code instead (pouch_mlkem_poly_compress_avx2,
 * _decompress_avx2, pouch_mlkem_byte_decode_avx2, _decode12_avx2 and
 * pouch_mlkem_byte_encode_avx2); the loops here (byte_encode_c,
 * byte_decode_c) stay as the fallback and as the reference the tests
 * hold the AVX2 code to.
 */
#include "mlkem/mlkem.h"

/*
 * Compress_d(x) = round(2^d x / q) mod 2^d.  As q is odd, 2^d x / q is
 * never a half-integer, so the rounding is floor((2^d x + (q - 1) / 2) /
 * q).  The numerator y is below 2^23 for d <= 11, and for such y,
 * floor(y / q) = (y * COMPRESS_M) >> COMPRESS_SHIFT with COMPRESS_M =
 * ceil(2^35 / q): the error y * (COMPRESS_M q - 2^35) / (q 2^35) stays
 * below 1/q.  tests/mlkem/test_encode.c checks every x and every d.
 */
#define COMPRESS_M	UINT64_C(10321340)
#define COMPRESS_SHIFT	35

uint16_t
pouch_mlkem_compress(uint16_t x, unsigned d)
{
	uint64_t y = ((uint64_t)x << d) + (MLKEM_Q - 1) / 2;

	return (uint16_t)(((y * COMPRESS_M) >> COMPRESS_SHIFT) &
	    ((1U << d) - 1));
}

/* Decompress_d(y) = round(q y / 2^d) = floor((q y + 2^(d-1)) / 2^d). */
uint16_t
pouch_mlkem_decompress(uint16_t y, unsigned d)
{
	return (uint16_t)(((uint32_t)y * MLKEM_Q + (1U << (d - 1))) >> d);
}

void
pouch_mlkem_poly_compress(struct pouch_mlkem_poly *f, unsigned d)
{
	unsigned i;

#ifdef POUCH_MLKEM_AVX2
	if (pouch_mlkem_avx2_usable()) {
		pouch_mlkem_poly_compress_avx2(f, d);
		return;
	}
#endif
	for (i = 0; i < MLKEM_N; i++)
		f->c[i] = pouch_mlkem_compress(f->c[i], d);
}

void
pouch_mlkem_poly_decompress(struct pouch_mlkem_poly *f, unsigned d)
{
	unsigned i;

#ifdef POUCH_MLKEM_AVX2
	if (pouch_mlkem_avx2_usable()) {
		pouch_mlkem_poly_decompress_avx2(f, d);
		return;
	}
#endif
	for (i = 0; i < MLKEM_N; i++)
		f->c[i] = pouch_mlkem_decompress(f->c[i], d);
}

#ifdef POUCH_MLKEM_AVX2
/* The d that pouch_mlkem_byte_encode_avx2 does. */
static int
avx2_encodes(unsigned d)
{
	return (d == 1 || d == 4 || d == 5 || d == 10 || d == 11 ||
	    d == 12) && pouch_mlkem_avx2_usable();
}

/*
 * The d for which pouch_mlkem_byte_decode_avx2 is faster: about 32 ns a
 * polynomial, against 110 for d = 10 and 180 for d = 1 in the loops
 * below; the loop for d = 4 (two nibbles a byte) takes 17.
 */
static int
avx2_decodes(unsigned d)
{
	return d >= 1 && d <= 11 && d != 4 && pouch_mlkem_avx2_usable();
}
#endif

void
pouch_mlkem_byte_encode(uint8_t *out, const struct pouch_mlkem_poly *f,
    unsigned d)
{
#ifdef POUCH_MLKEM_AVX2
	if (avx2_encodes(d)) {
		pouch_mlkem_byte_encode_avx2(out, f, d);
		return;
	}
#endif
	pouch_mlkem_byte_encode_c(out, f, d);
}

/*
 * Algorithm 5, little-endian bit order: coefficient i occupies bits
 * d i .. d i + d - 1 of the output.  The loop shape depends on d only.
 */
void
pouch_mlkem_byte_encode_c(uint8_t *out, const struct pouch_mlkem_poly *f,
    unsigned d)
{
	uint32_t acc = 0;
	unsigned i, bits = 0;

	if (d == 12) {			/* the common case: 2 values, 3 bytes */
		for (i = 0; i < MLKEM_N / 2; i++) {
			const uint16_t a = f->c[2 * i], b = f->c[2 * i + 1];

			out[3 * i] = (uint8_t)a;
			out[3 * i + 1] = (uint8_t)(a >> 8 | b << 4);
			out[3 * i + 2] = (uint8_t)(b >> 4);
		}
		return;
	}
	if (d == 10) {			/* u in ML-KEM-512/768: 4 in 5 bytes */
		for (i = 0; i < MLKEM_N / 4; i++) {
			const uint16_t *c = f->c + 4 * i;
			uint64_t w = (uint64_t)c[0] | (uint64_t)c[1] << 10 |
			    (uint64_t)c[2] << 20 | (uint64_t)c[3] << 30;

			out[5 * i] = (uint8_t)w;
			out[5 * i + 1] = (uint8_t)(w >> 8);
			out[5 * i + 2] = (uint8_t)(w >> 16);
			out[5 * i + 3] = (uint8_t)(w >> 24);
			out[5 * i + 4] = (uint8_t)(w >> 32);
		}
		return;
	}
	if (d == 4) {			/* v: 2 in a byte */
		for (i = 0; i < MLKEM_N / 2; i++)
			out[i] = (uint8_t)(f->c[2 * i] | f->c[2 * i + 1] << 4);
		return;
	}
	for (i = 0; i < MLKEM_N; i++) {
		acc |= (uint32_t)f->c[i] << bits;
		bits += d;
		while (bits >= 8) {
			*out++ = (uint8_t)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
}

void
pouch_mlkem_byte_decode(struct pouch_mlkem_poly *f, const uint8_t *in,
    unsigned d)
{
#ifdef POUCH_MLKEM_AVX2
	if (d == 12 && pouch_mlkem_avx2_usable()) {
		pouch_mlkem_byte_decode12_avx2(f, in);
		return;
	}
	if (avx2_decodes(d)) {
		pouch_mlkem_byte_decode_avx2(f, in, d);
		return;
	}
#endif
	pouch_mlkem_byte_decode_c(f, in, d);
}

/* Algorithm 6; for d = 12 each value (< 4096 < 2q) is reduced mod q. */
void
pouch_mlkem_byte_decode_c(struct pouch_mlkem_poly *f, const uint8_t *in,
    unsigned d)
{
	const uint32_t mask = (1U << d) - 1;
	uint32_t acc = 0;
	unsigned i, bits = 0;

	if (d == 12) {
		for (i = 0; i < MLKEM_N / 2; i++) {
			const uint8_t *p = in + 3 * i;

			f->c[2 * i] = csubq_ct((uint32_t)p[0] |
			    (uint32_t)(p[1] & 0x0f) << 8);
			f->c[2 * i + 1] = csubq_ct((uint32_t)p[1] >> 4 |
			    (uint32_t)p[2] << 4);
		}
		return;
	}
	if (d == 10) {
		for (i = 0; i < MLKEM_N / 4; i++) {
			const uint8_t *p = in + 5 * i;
			uint64_t w = (uint64_t)p[0] | (uint64_t)p[1] << 8 |
			    (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
			    (uint64_t)p[4] << 32;

			f->c[4 * i] = (uint16_t)(w & 0x3ff);
			f->c[4 * i + 1] = (uint16_t)((w >> 10) & 0x3ff);
			f->c[4 * i + 2] = (uint16_t)((w >> 20) & 0x3ff);
			f->c[4 * i + 3] = (uint16_t)((w >> 30) & 0x3ff);
		}
		return;
	}
	if (d == 4) {
		for (i = 0; i < MLKEM_N / 2; i++) {
			f->c[2 * i] = (uint16_t)(in[i] & 0x0f);
			f->c[2 * i + 1] = (uint16_t)(in[i] >> 4);
		}
		return;
	}
	for (i = 0; i < MLKEM_N; i++) {
		while (bits < d) {
			acc |= (uint32_t)*in++ << bits;
			bits += 8;
		}
		f->c[i] = (uint16_t)(acc & mask);
		acc >>= d;
		bits -= d;
	}
}
