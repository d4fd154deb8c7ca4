/*
 * test_encode.c - Compress_d against round(2^d / q * x) mod 2^d for every
 * x in [0, q) and every d ML-KEM uses, Decompress_d against
 * round(q / 2^d * y) for every y, and ByteEncode_d / ByteDecode_d round
 * trips both ways for every d from 1 to 12.  The polynomial forms
 * (pouch_mlkem_poly_compress, _decompress) and, where the CPU has AVX2,
 * poly_avx2.c's Compress_d, Decompress_d, ByteEncode_d and ByteDecode_d
 * are held to the one-coefficient functions, to the portable
 * pouch_mlkem_byte_encode_c / _decode_c and to Algorithm 5 bit by bit,
 * on every input value, every d and random polynomials, with a guard
 * after the output to catch a write past 32 d bytes and inputs of
 * exactly 32 d bytes on the heap (ASan catches a read past them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mlkem/mlkem.h"

static uint32_t
next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 32);
}

/* round(num / den) for den > 0, halves rounded up (FIPS 203 2.3). */
static uint32_t
round_div(uint64_t num, uint64_t den)
{
	return (uint32_t)((2 * num + den) / (2 * den));
}

static void
compress_exhaustive(void **state)
{
	static const unsigned ds[] = { 1, 4, 5, 10, 11 };
	unsigned i, x;

	(void)state;
	for (i = 0; i < sizeof(ds) / sizeof(ds[0]); i++)
		for (x = 0; x < MLKEM_Q; x++) {
			uint32_t want = round_div((uint64_t)x << ds[i],
			    MLKEM_Q) & ((1U << ds[i]) - 1);

			if (pouch_mlkem_compress((uint16_t)x, ds[i]) != want)
				fail_msg("Compress_%u(%u)", ds[i], x);
		}
}

static void
decompress_exhaustive(void **state)
{
	unsigned d, y;

	(void)state;
	for (d = 1; d <= 11; d++)
		for (y = 0; y < (1U << d); y++)
			assert_int_equal(pouch_mlkem_decompress((uint16_t)y, d),
			    round_div((uint64_t)MLKEM_Q * y, 1U << d));
}

/* |x - Decompress(Compress(x))| mod q is at most round(q / 2^(d+1)). */
static void
compress_error_bound(void **state)
{
	static const unsigned ds[] = { 1, 4, 5, 10, 11 };
	unsigned i, x, y, err, bound;

	(void)state;
	for (i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		bound = round_div(MLKEM_Q, 2U << ds[i]);
		for (x = 0; x < MLKEM_Q; x++) {
			y = pouch_mlkem_decompress(pouch_mlkem_compress(
			    (uint16_t)x, ds[i]), ds[i]);
			err = (x + MLKEM_Q - y) % MLKEM_Q;
			if (err > MLKEM_Q / 2)
				err = MLKEM_Q - err;
			assert_true(err <= bound);
		}
	}
}

static void
byte_encode_round_trips(void **state)
{
	struct pouch_mlkem_poly f, g;
	uint8_t b[32 * 12], b2[32 * 12];
	uint64_t s = 5;
	unsigned d, t, i;

	(void)state;
	for (d = 1; d <= 12; d++) {
		const uint32_t m = d == 12 ? MLKEM_Q : 1U << d;

		for (t = 0; t < 200; t++) {
			/* decode(encode(f)) == f */
			for (i = 0; i < MLKEM_N; i++)
				f.c[i] = (uint16_t)(t == 0 ? m - 1 :
				    next(&s) % m);
			pouch_mlkem_byte_encode(b, &f, d);
			pouch_mlkem_byte_decode(&g, b, d);
			assert_memory_equal(&f, &g, sizeof(f));
			/* encode(decode(b)) == b, for any b when d < 12 */
			for (i = 0; i < 32 * d; i++)
				b[i] = (uint8_t)next(&s);
			pouch_mlkem_byte_decode(&g, b, d);
			pouch_mlkem_byte_encode(b2, &g, d);
			if (d < 12)
				assert_memory_equal(b, b2, 32 * d);
		}
	}
}

/* Algorithm 5 bit by bit: bit j of coefficient i is bit d i + j. */
static void
ref_encode(uint8_t *out, const struct pouch_mlkem_poly *f, unsigned d)
{
	unsigned i, j, k;

	memset(out, 0, 32 * d);
	for (i = 0; i < MLKEM_N; i++)
		for (j = 0; j < d; j++) {
			k = d * i + j;
			out[k / 8] |= (uint8_t)(((f->c[i] >> j) & 1) << (k % 8));
		}
}

/* Every d (each has its own loop for some) against the literal form. */
static void
byte_encode_matches_algorithm5(void **state)
{
	struct pouch_mlkem_poly f;
	uint8_t b[32 * 12], want[32 * 12];
	uint64_t s = 6;
	unsigned d, t, i;

	(void)state;
	for (d = 1; d <= 12; d++)
		for (t = 0; t < 50; t++) {
			for (i = 0; i < MLKEM_N; i++)
				f.c[i] = (uint16_t)(next(&s) %
				    (d == 12 ? MLKEM_Q : 1U << d));
			pouch_mlkem_byte_encode(b, &f, d);
			ref_encode(want, &f, d);
			assert_memory_equal(b, want, 32 * d);
		}
}

/* ByteDecode_12 reduces mod q; bit order is little-endian. */
static void
byte_decode12_reduces(void **state)
{
	struct pouch_mlkem_poly f;
	uint8_t b[384];
	unsigned v;

	(void)state;
	for (v = 0; v < 4096; v++) {
		memset(b, 0, sizeof(b));
		b[0] = (uint8_t)v;
		b[1] = (uint8_t)(v >> 8);
		b[382] = (uint8_t)(v << 4);
		b[383] = (uint8_t)(v >> 4);
		pouch_mlkem_byte_decode(&f, b, 12);
		assert_int_equal(f.c[0], v % MLKEM_Q);
		assert_int_equal(f.c[1], 0);
		assert_int_equal(f.c[255], v % MLKEM_Q);
	}
	/* ByteEncode_1 of coefficient i is bit i % 8 of byte i / 8. */
	memset(&f, 0, sizeof(f));
	f.c[9] = 1;
	pouch_mlkem_byte_encode(b, &f, 1);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 2);
}

/*
 * Coefficient i is (256 p + i) mod bound: p = 0 .. 15 give every value
 * below 4096, or (mod q, or mod 2^d) every value below bound.
 */
static void
all_values(struct pouch_mlkem_poly *f, unsigned p, unsigned bound)
{
	unsigned i;

	for (i = 0; i < MLKEM_N; i++)
		f->c[i] = (uint16_t)((MLKEM_N * p + i) % bound);
}

/* Coefficients below bound: random, then all bound - 1, alternating. */
static void
some_values(struct pouch_mlkem_poly *f, unsigned t, unsigned bound,
    uint64_t *s)
{
	unsigned i;

	for (i = 0; i < MLKEM_N; i++) {
		if (t == 0)
			f->c[i] = (uint16_t)(bound - 1);
		else if (t == 1)
			f->c[i] = (uint16_t)(i & 1 ? bound - 1 : 0);
		else
			f->c[i] = (uint16_t)(next(s) % bound);
	}
}

#define GUARD	32
#define GUARD_BYTE 0xa5

static void
guard_set(uint8_t *b, unsigned d)
{
	memset(b, GUARD_BYTE, 32 * d + GUARD);
}

static void
guard_check(const uint8_t *b, unsigned d)
{
	unsigned i;

	for (i = 32 * d; i < 32 * d + GUARD; i++)
		if (b[i] != GUARD_BYTE)
			fail_msg("d = %u: byte %u written", d, i);
}

/*
 * The polynomial forms (AVX2 or portable, as the CPU has) against the
 * one-coefficient functions on every input: x < 2^12 (all x < q and
 * more) for Compress_d, y < 2^d for Decompress_d, every d from 1 to 11.
 * Then ByteEncode_d of the ciphertext's d on compressed polynomials (all
 * x < q, and random) against the portable loop, nothing written past
 * the end.
 */
static void
poly_forms_match(void **state)
{
	static const unsigned ds[] = { 1, 4, 5, 10, 11 };
	struct pouch_mlkem_poly f, g;
	uint8_t b[32 * 11 + GUARD], want[32 * 11];
	uint64_t s = 7;
	unsigned d, p, i, t;

	(void)state;
	for (d = 1; d <= 11; d++)
		for (p = 0; p < 4096 / MLKEM_N; p++) {
			all_values(&f, p, 4096);
			g = f;
			pouch_mlkem_poly_compress(&g, d);
			for (i = 0; i < MLKEM_N; i++)
				if (g.c[i] != pouch_mlkem_compress(f.c[i], d))
					fail_msg("poly Compress_%u(%u)", d,
					    f.c[i]);
			all_values(&f, p, 1U << d);
			g = f;
			pouch_mlkem_poly_decompress(&g, d);
			for (i = 0; i < MLKEM_N; i++)
				if (g.c[i] != pouch_mlkem_decompress(f.c[i],
				    d))
					fail_msg("poly Decompress_%u(%u)", d,
					    f.c[i]);
		}
	for (i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		d = ds[i];
		for (t = 0; t < 16 + 200; t++) {
			if (t < 16)
				all_values(&f, t, MLKEM_Q);
			else
				some_values(&f, t - 16, MLKEM_Q, &s);
			for (p = 0; p < MLKEM_N; p++)	/* coefficient p */
				f.c[p] = pouch_mlkem_compress(f.c[p], d);
			pouch_mlkem_byte_encode_c(want, &f, d);
			guard_set(b, d);
			pouch_mlkem_byte_encode(b, &f, d);
			guard_check(b, d);
			assert_memory_equal(b, want, 32 * d);
		}
	}
	for (d = 1; d <= 12; d++)
		for (t = 0; t < 100; t++) {
			for (i = 0; i < 32 * d; i++)
				b[i] = (uint8_t)(t < 2 ? 0xff * t : next(&s));
			pouch_mlkem_byte_decode(&f, b, d);
			pouch_mlkem_byte_decode_c(&g, b, d);
			assert_memory_equal(&f, &g, sizeof(f));
		}
}

#ifdef POUCH_MLKEM_AVX2
/*
 * poly_avx2.c's Compress_d and Decompress_d give the portable results on
 * every input (all x below 2^12, all y below 2^d) for every d from 1 to
 * 11, and on random polynomials.
 */
static void
avx2_compress_matches_c(void **state)
{
	struct pouch_mlkem_poly f, g;
	uint64_t s = 8;
	unsigned d, p, i, t;

	(void)state;
	if (!pouch_mlkem_avx2_usable())
		skip();
	for (d = 1; d <= 11; d++) {
		for (p = 0; p < 4096 / MLKEM_N + 100; p++) {
			if (p < 4096 / MLKEM_N)
				all_values(&f, p, 4096);
			else
				some_values(&f, p, MLKEM_Q, &s);
			g = f;
			pouch_mlkem_poly_compress_avx2(&g, d);
			for (i = 0; i < MLKEM_N; i++)
				if (g.c[i] != pouch_mlkem_compress(f.c[i], d))
					fail_msg("AVX2 Compress_%u(%u): %u",
					    d, f.c[i], g.c[i]);
		}
		for (t = 0; t < 16 + 100; t++) {
			if (t < 16)
				all_values(&f, t, 1U << d);
			else
				some_values(&f, t - 16, 1U << d, &s);
			g = f;
			pouch_mlkem_poly_decompress_avx2(&g, d);
			for (i = 0; i < MLKEM_N; i++)
				if (g.c[i] != pouch_mlkem_decompress(f.c[i],
				    d))
					fail_msg("AVX2 Decompress_%u(%u): %u",
					    d, f.c[i], g.c[i]);
		}
	}
}

/*
 * ByteEncode_d for the ciphertext's d and the keys' 12: AVX2 against the portable loop
 * and Algorithm 5 bit by bit, on every value below 2^d and random
 * polynomials, nothing written past 32 d bytes.
 */
static void
avx2_encode_matches_c(void **state)
{
	static const unsigned ds[] = { 1, 4, 5, 10, 11, 12 };
	struct pouch_mlkem_poly f;
	uint8_t b[32 * 12 + GUARD], want[32 * 12], bits[32 * 12];
	uint64_t s = 9;
	unsigned d, i, t;

	(void)state;
	if (!pouch_mlkem_avx2_usable())
		skip();
	for (i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		d = ds[i];
		for (t = 0; t < 16 + 500; t++) {
			if (t < 16)
				all_values(&f, t, 1U << d);
			else
				some_values(&f, t - 16, 1U << d, &s);
			guard_set(b, d);
			pouch_mlkem_byte_encode_avx2(b, &f, d);
			guard_check(b, d);
			pouch_mlkem_byte_encode_c(want, &f, d);
			ref_encode(bits, &f, d);
			assert_memory_equal(want, bits, 32 * d);
			assert_memory_equal(b, want, 32 * d);
		}
	}
}

/*
 * ByteDecode_d for every d from 1 to 11: AVX2 against the portable loop
 * on the encodings of every value below 2^d (which must decode to
 * them) and on all-zero, all-one and random bytes.  The input is exactly
 * 32 d bytes of heap, so that ASan sees a load past its end.
 */
static void
avx2_decode_matches_c(void **state)
{
	struct pouch_mlkem_poly f, g, h;
	uint8_t *b;
	uint64_t s = 10;
	unsigned d, i, t;

	(void)state;
	if (!pouch_mlkem_avx2_usable())
		skip();
	for (d = 1; d <= 11; d++) {
		b = malloc(32 * d);
		assert_non_null(b);
		for (t = 0; t < 16 + 500; t++) {
			if (t < 16) {
				all_values(&h, t, 1U << d);
				pouch_mlkem_byte_encode_c(b, &h, d);
			} else
				for (i = 0; i < 32 * d; i++)
					b[i] = (uint8_t)(t < 18 ?
					    0xff * (t - 16) : next(&s));
			pouch_mlkem_byte_decode_avx2(&f, b, d);
			pouch_mlkem_byte_decode_c(&g, b, d);
			assert_memory_equal(&f, &g, sizeof(f));
			if (t < 16)
				assert_memory_equal(&f, &h, sizeof(f));
		}
		free(b);
	}
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compress_exhaustive),
		cmocka_unit_test(decompress_exhaustive),
		cmocka_unit_test(compress_error_bound),
		cmocka_unit_test(byte_encode_round_trips),
		cmocka_unit_test(byte_decode12_reduces),
		cmocka_unit_test(byte_encode_matches_algorithm5),
		cmocka_unit_test(poly_forms_match),
#ifdef POUCH_MLKEM_AVX2
		cmocka_unit_test(avx2_compress_matches_c),
		cmocka_unit_test(avx2_encode_matches_c),
		cmocka_unit_test(avx2_decode_matches_c),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
