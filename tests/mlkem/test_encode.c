/*
 * test_encode.c - Compress_d against round(2^d / q * x) mod 2^d for every
 * x in [0, q) and every d ML-KEM uses, Decompress_d against
 * round(q / 2^d * y) for every y, and ByteEncode_d / ByteDecode_d round
 * trips both ways for every d from 1 to 12.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
