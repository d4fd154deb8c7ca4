/*
 * test_rd.c - the bounded reader (src/codec/rd.c).
 *
 * Every reader is tested with exact input, input truncated at every byte
 * (from a heap copy of exactly that many bytes, so ASan sees any overread),
 * a length over its maximum, trailing bytes, non-minimal varints and the
 * prefix 11.  A failed read must leave the reader, and the out-parameters,
 * exactly as they were.  The round trips decode(encode(x)) == x and
 * encode(decode(b)) == b run over a small test structure defined below.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/codec.h"

/*
 * A failed read leaves its out-parameter as it was, or cleared (STYLE 3
 * allows clearing on entry); never a value taken from the input.
 */
#define assert_out_kept(v, was)	assert_true((v) == (was) || (v) == 0)

/* ---- helpers ------------------------------------------------------------- */

/* A heap copy of exactly n bytes (never NULL), so ASan catches overreads. */
static uint8_t *
dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	assert_non_null(c);
	if (n > 0)
		memcpy(c, p, n);
	return c;
}

/* A seeded PRNG of our own (xorshift64), so every run is the same. */
static uint64_t
xs_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static uint32_t
xs_below(uint64_t *s, uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)(xs_next(s) % n);
}

/* ---- fixed-width integers ------------------------------------------------ */

static const uint8_t be_bytes[8] = {
	0x81, 0x02, 0xf3, 0x04, 0x95, 0x06, 0xa7, 0xff
};

static void
rd_u8_exact_input_reads_value_and_advances_one(void **state)
{
	struct pouch_rd r;
	uint8_t *in = dup_bytes(be_bytes, 1);
	uint8_t v = 0;

	(void)state;
	pouch_rd_init(&r, in, 1);
	assert_int_equal(pouch_rd_u8(&r, &v), POUCH_OK);
	assert_int_equal(v, 0x81);
	assert_ptr_equal(r.p, in + 1);
	assert_int_equal(pouch_rd_left(&r), 0);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	free(in);
}

static void
rd_u16_exact_input_reads_big_endian(void **state)
{
	struct pouch_rd r;
	uint8_t *in = dup_bytes(be_bytes, 2);
	uint16_t v = 0;

	(void)state;
	pouch_rd_init(&r, in, 2);
	assert_int_equal(pouch_rd_u16(&r, &v), POUCH_OK);
	assert_int_equal(v, 0x8102);
	assert_ptr_equal(r.p, in + 2);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	free(in);
}

static void
rd_u32_exact_input_reads_big_endian(void **state)
{
	struct pouch_rd r;
	uint8_t *in = dup_bytes(be_bytes, 4);
	uint32_t v = 0;

	(void)state;
	pouch_rd_init(&r, in, 4);
	assert_int_equal(pouch_rd_u32(&r, &v), POUCH_OK);
	assert_int_equal(v, 0x8102f304U);
	assert_ptr_equal(r.p, in + 4);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	free(in);
}

static void
rd_u64_exact_input_reads_big_endian(void **state)
{
	struct pouch_rd r;
	uint8_t *in = dup_bytes(be_bytes, 8);
	uint64_t v = 0;

	(void)state;
	pouch_rd_init(&r, in, 8);
	assert_int_equal(pouch_rd_u64(&r, &v), POUCH_OK);
	assert_true(v == UINT64_C(0x8102f3049506a7ff));
	assert_ptr_equal(r.p, in + 8);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	free(in);
}

static void
rd_integers_consecutive_reads_advance_by_width(void **state)
{
	static const uint8_t b[] = {
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
		0x0b, 0x0c, 0x0d, 0x0e, 0x0f
	};
	struct pouch_rd r;
	uint8_t *in = dup_bytes(b, sizeof(b));
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	(void)state;
	pouch_rd_init(&r, in, sizeof(b));
	assert_int_equal(pouch_rd_u8(&r, &v8), POUCH_OK);
	assert_int_equal(pouch_rd_u16(&r, &v16), POUCH_OK);
	assert_int_equal(pouch_rd_u32(&r, &v32), POUCH_OK);
	assert_int_equal(pouch_rd_u64(&r, &v64), POUCH_OK);
	assert_int_equal(v8, 0x01);
	assert_int_equal(v16, 0x0203);
	assert_int_equal(v32, 0x04050607U);
	assert_true(v64 == UINT64_C(0x08090a0b0c0d0e0f));
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	/* and one more read of any width is TRUNCATED at the very end */
	assert_int_equal(pouch_rd_u8(&r, &v8), POUCH_E_TRUNCATED);
	assert_ptr_equal(r.p, in + sizeof(b));
	free(in);
}

/* Read width w from the first k < w bytes: TRUNCATED, nothing moves. */
static void
check_int_truncated(size_t w, size_t k)
{
	struct pouch_rd r;
	uint8_t *in = dup_bytes(be_bytes, k);
	const uint8_t *p0, *end0;
	uint8_t v8 = 0x5a;
	uint16_t v16 = 0x5a5a;
	uint32_t v32 = 0x5a5a5a5aU;
	uint64_t v64 = UINT64_C(0x5a5a5a5a5a5a5a5a);
	int rc;

	pouch_rd_init(&r, in, k);
	p0 = r.p;
	end0 = r.end;
	switch (w) {
	case 1:
		rc = pouch_rd_u8(&r, &v8);
		break;
	case 2:
		rc = pouch_rd_u16(&r, &v16);
		break;
	case 4:
		rc = pouch_rd_u32(&r, &v32);
		break;
	default:
		rc = pouch_rd_u64(&r, &v64);
		break;
	}
	assert_int_equal(rc, POUCH_E_TRUNCATED);
	assert_ptr_equal(r.p, p0);
	assert_ptr_equal(r.end, end0);
	assert_int_equal(pouch_rd_left(&r), k);
	/* out-parameters are never set to a value read from the input */
	assert_out_kept(v8, 0x5a);
	assert_out_kept(v16, 0x5a5a);
	assert_out_kept(v32, 0x5a5a5a5aU);
	assert_out_kept(v64, UINT64_C(0x5a5a5a5a5a5a5a5a));
	free(in);
}

static void
rd_integers_truncated_at_every_byte_fail_and_leave_reader_unchanged(
    void **state)
{
	static const size_t widths[] = { 1, 2, 4, 8 };
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
		for (k = 0; k < widths[i]; k++)
			check_int_truncated(widths[i], k);
}

static void
rd_empty_reader_from_null_reads_nothing_without_ub(void **state)
{
	struct pouch_rd r;
	uint8_t v;
	uint32_t x;
	const uint8_t *ptr = NULL;

	(void)state;
	pouch_rd_init(&r, NULL, 0);
	assert_int_equal(pouch_rd_left(&r), 0);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	assert_int_equal(pouch_rd_u8(&r, &v), POUCH_E_TRUNCATED);
	assert_int_equal(pouch_rd_varint(&r, &x), POUCH_E_TRUNCATED);
	/*
	 * A zero-length fixed read of nothing succeeds, without computing
	 * NULL + 0 (undefined; clang's UBSan reports it).
	 */
	assert_int_equal(pouch_rd_ptr(&r, &ptr, 0), POUCH_OK);
	assert_int_equal(pouch_rd_copy(&r, &v, 0), POUCH_OK);
	assert_int_equal(pouch_rd_left(&r), 0);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
}

/* ---- fixed opaque blocks ------------------------------------------------- */

static void
rd_copy_and_ptr_exact_input(void **state)
{
	struct pouch_rd r;
	uint8_t *in = dup_bytes(be_bytes, 8);
	uint8_t out[8];
	const uint8_t *ptr = NULL;

	(void)state;
	pouch_rd_init(&r, in, 8);
	assert_int_equal(pouch_rd_copy(&r, out, 3), POUCH_OK);
	assert_memory_equal(out, be_bytes, 3);
	assert_int_equal(pouch_rd_ptr(&r, &ptr, 5), POUCH_OK);
	assert_ptr_equal(ptr, in + 3);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	/* zero-length reads at the end succeed and move nothing */
	assert_int_equal(pouch_rd_copy(&r, out, 0), POUCH_OK);
	assert_int_equal(pouch_rd_ptr(&r, &ptr, 0), POUCH_OK);
	assert_ptr_equal(ptr, in + 8);
	free(in);
}

static void
rd_copy_and_ptr_truncated_at_every_byte_leave_reader_unchanged(
    void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < 8; k++) {
		struct pouch_rd r;
		uint8_t *in = dup_bytes(be_bytes, k);
		uint8_t out[8];
		const uint8_t *sentinel = (const uint8_t *)"sentinel";
		const uint8_t *ptr = sentinel;

		memset(out, 0xee, sizeof(out));
		pouch_rd_init(&r, in, k);
		assert_int_equal(pouch_rd_copy(&r, out, 8), POUCH_E_TRUNCATED);
		assert_ptr_equal(r.p, in);
		assert_out_kept(out[0], 0xee);
		assert_int_equal(pouch_rd_ptr(&r, &ptr, 8), POUCH_E_TRUNCATED);
		assert_ptr_equal(r.p, in);
		assert_out_kept(ptr, sentinel);
		free(in);
	}
}

/* ---- varint (RFC 9420 2.1.2) --------------------------------------------- */

struct varint_case {
	uint32_t	v;
	size_t		n;
	uint8_t		b[4];
};

static const struct varint_case varint_bounds[] = {
	{ 0,		1, { 0x00 } },
	{ 1,		1, { 0x01 } },
	{ 37,		1, { 0x25 } },
	{ 63,		1, { 0x3f } },
	{ 64,		2, { 0x40, 0x40 } },
	{ 494,		2, { 0x41, 0xee } },
	{ 16383,	2, { 0x7f, 0xff } },
	{ 16384,	4, { 0x80, 0x00, 0x40, 0x00 } },
	{ 494878333,	4, { 0x9d, 0x7f, 0x3e, 0x7d } },
	{ 0x3fffffffU,	4, { 0xbf, 0xff, 0xff, 0xff } },
};
#define NVARINT_BOUNDS	(sizeof(varint_bounds) / sizeof(varint_bounds[0]))

static void
rd_varint_boundary_values_encode_minimal_and_decode_back(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NVARINT_BOUNDS; i++) {
		const struct varint_case *c = &varint_bounds[i];
		struct pouch_wr w;
		struct pouch_rd r;
		uint8_t *in;
		uint32_t v = 0;

		/* the writer produces exactly the minimal form */
		pouch_wr_init(&w, 16);
		pouch_wr_varint(&w, c->v);
		assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
		assert_int_equal(w.len, c->n);
		assert_memory_equal(w.buf, c->b, c->n);
		pouch_wr_free(&w);

		/* and the reader takes it back, consuming exactly n bytes */
		in = dup_bytes(c->b, c->n);
		pouch_rd_init(&r, in, c->n);
		assert_int_equal(pouch_rd_varint(&r, &v), POUCH_OK);
		assert_int_equal(v, c->v);
		assert_int_equal(pouch_rd_done(&r), POUCH_OK);
		free(in);
	}
}

static void
rd_varint_truncated_at_every_byte_leaves_reader_unchanged(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < NVARINT_BOUNDS; i++) {
		const struct varint_case *c = &varint_bounds[i];

		for (k = 0; k < c->n; k++) {
			struct pouch_rd r;
			uint8_t *in = dup_bytes(c->b, k);
			uint32_t v = 0xdeadbeefU;

			pouch_rd_init(&r, in, k);
			assert_int_equal(pouch_rd_varint(&r, &v),
			    POUCH_E_TRUNCATED);
			assert_ptr_equal(r.p, in);
			assert_out_kept(v, 0xdeadbeefU);
			free(in);
		}
	}
}

static void
check_varint_rejected(const uint8_t *b, size_t n, int want)
{
	struct pouch_rd r;
	uint8_t *in = dup_bytes(b, n);
	uint32_t v = 0xdeadbeefU;

	pouch_rd_init(&r, in, n);
	assert_int_equal(pouch_rd_varint(&r, &v), want);
	assert_ptr_equal(r.p, in);
	assert_ptr_equal(r.end, in + n);
	assert_out_kept(v, 0xdeadbeefU);
	free(in);
}

static void
rd_varint_non_minimal_two_byte_forms_are_malformed(void **state)
{
	static const uint8_t cases[][2] = {
		{ 0x40, 0x00 },		/* 0 */
		{ 0x40, 0x01 },		/* 1 */
		{ 0x40, 0x25 },		/* 37 */
		{ 0x40, 0x3f },		/* 63: the largest 1-byte value */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_varint_rejected(cases[i], 2, POUCH_E_MALFORMED);
}

static void
rd_varint_non_minimal_four_byte_forms_are_malformed(void **state)
{
	static const uint8_t cases[][4] = {
		{ 0x80, 0x00, 0x00, 0x00 },	/* 0 */
		{ 0x80, 0x00, 0x00, 0x3f },	/* 63 */
		{ 0x80, 0x00, 0x00, 0x40 },	/* 64 */
		{ 0x80, 0x00, 0x3f, 0xff },	/* 16383: largest 2-byte */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_varint_rejected(cases[i], 4, POUCH_E_MALFORMED);
}

static void
rd_varint_prefix_11_is_malformed_even_when_short(void **state)
{
	static const uint8_t b[8] = {
		0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01
	};
	static const uint8_t ff[8] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};
	size_t k;

	(void)state;
	/* QUIC would read an 8-byte integer here; MLS must refuse it */
	for (k = 1; k <= 8; k++) {
		check_varint_rejected(b, k, POUCH_E_MALFORMED);
		check_varint_rejected(ff, k, POUCH_E_MALFORMED);
	}
}

/* An independent statement of RFC 9420 2.1.2 to check the reader against. */
static int
ref_varint(const uint8_t *b, size_t n, uint32_t *v, size_t *used)
{
	size_t len, i;
	uint32_t x;

	if (n == 0)
		return POUCH_E_TRUNCATED;
	switch (b[0] & 0xc0) {
	case 0x00:
		len = 1;
		break;
	case 0x40:
		len = 2;
		break;
	case 0x80:
		len = 4;
		break;
	default:
		return POUCH_E_MALFORMED;
	}
	if (n < len)
		return POUCH_E_TRUNCATED;
	x = b[0] & 0x3f;
	for (i = 1; i < len; i++)
		x = x * 256 + b[i];
	if ((len == 2 && x <= 63) || (len == 4 && x <= 16383))
		return POUCH_E_MALFORMED;
	*v = x;
	*used = len;
	return POUCH_OK;
}

static void
check_varint_against_ref(const uint8_t *b, size_t n)
{
	struct pouch_rd r;
	uint32_t v = 0, rv = 0;
	size_t used = 0;
	int rc, want;

	pouch_rd_init(&r, b, n);
	rc = pouch_rd_varint(&r, &v);
	want = ref_varint(b, n, &rv, &used);
	assert_int_equal(rc, want);
	if (rc == POUCH_OK) {
		assert_int_equal(v, rv);
		assert_ptr_equal(r.p, b + used);
	} else {
		assert_ptr_equal(r.p, b);
	}
}

static void
rd_varint_every_two_byte_input_matches_reference(void **state)
{
	uint32_t x;

	(void)state;
	for (x = 0; x <= 0xffff; x++) {
		uint8_t b[2] = { (uint8_t)(x >> 8), (uint8_t)x };

		check_varint_against_ref(b, 2);
		check_varint_against_ref(b, 1);
	}
}

static void
rd_varint_four_byte_inputs_match_reference(void **state)
{
	uint64_t s = UINT64_C(0x9e3779b97f4a7c15);
	uint32_t x;
	int i;

	(void)state;
	/* all of 0x80000000..0x8000ffff: the 4-byte minimality edge */
	for (x = 0; x <= 0xffff; x++) {
		uint8_t b[4] = { 0x80, 0x00, (uint8_t)(x >> 8), (uint8_t)x };

		check_varint_against_ref(b, 4);
	}
	for (i = 0; i < 200000; i++) {
		uint32_t y = (uint32_t)xs_next(&s);
		uint8_t b[4] = {
			(uint8_t)(y >> 24), (uint8_t)(y >> 16),
			(uint8_t)(y >> 8), (uint8_t)y
		};

		check_varint_against_ref(b, 4);
		check_varint_against_ref(b, 3);
	}
}

/* ---- vectors ------------------------------------------------------------- */

/* opaque<V> holding "abc", then one byte that belongs to the next field */
static const uint8_t vec_abc[] = { 0x03, 'a', 'b', 'c', 0x99 };

static void
rd_vec_exact_input_gives_sub_reader_over_its_bytes(void **state)
{
	struct pouch_rd r, sub;
	uint8_t *in = dup_bytes(vec_abc, sizeof(vec_abc));

	(void)state;
	pouch_rd_init(&r, in, sizeof(vec_abc));
	assert_int_equal(pouch_rd_vec(&r, &sub, 3), POUCH_OK);	/* len == max */
	assert_ptr_equal(sub.p, in + 1);
	assert_ptr_equal(sub.end, in + 4);
	assert_ptr_equal(r.p, in + 4);
	assert_int_equal(pouch_rd_left(&r), 1);
	assert_int_equal(pouch_rd_done(&r), POUCH_E_TRAILING);
	free(in);
}

static void
rd_vec_empty_vector_is_a_valid_empty_sub_reader(void **state)
{
	static const uint8_t b[] = { 0x00 };
	struct pouch_rd r, sub;
	uint8_t *in = dup_bytes(b, 1);
	const uint8_t *ptr = NULL;
	size_t len = 99;

	(void)state;
	pouch_rd_init(&r, in, 1);
	assert_int_equal(pouch_rd_vec(&r, &sub, 0), POUCH_OK);
	assert_int_equal(pouch_rd_left(&sub), 0);
	assert_int_equal(pouch_rd_done(&sub), POUCH_OK);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	pouch_rd_init(&r, in, 1);
	assert_int_equal(pouch_rd_opaque(&r, &ptr, &len, 0), POUCH_OK);
	assert_int_equal(len, 0);
	assert_ptr_equal(ptr, in + 1);
	free(in);
}

static void
check_vec_fails(const uint8_t *b, size_t n, size_t max, int want)
{
	struct pouch_rd r, sub;
	uint8_t *in = dup_bytes(b, n);
	const uint8_t *sentinel = (const uint8_t *)"sentinel";
	const uint8_t *ptr = sentinel;
	size_t len = 777;

	sub.p = sub.end = sentinel;
	pouch_rd_init(&r, in, n);
	assert_int_equal(pouch_rd_vec(&r, &sub, max), want);
	assert_ptr_equal(r.p, in);
	assert_ptr_equal(r.end, in + n);
	assert_out_kept(sub.p, sentinel);
	assert_out_kept(sub.end, sentinel);
	assert_int_equal(pouch_rd_opaque(&r, &ptr, &len, max), want);
	assert_ptr_equal(r.p, in);
	assert_out_kept(ptr, sentinel);
	assert_out_kept(len, 777);
	free(in);
}

static void
rd_vec_length_over_max_is_too_large_and_reader_unchanged(void **state)
{
	static const uint8_t len64[] = { 0x40, 0x40 };	/* no body at all */
	static const uint8_t big[] = { 0xbf, 0xff, 0xff, 0xff };

	(void)state;
	check_vec_fails(vec_abc, sizeof(vec_abc), 2, POUCH_E_TOO_LARGE);
	check_vec_fails(vec_abc, sizeof(vec_abc), 0, POUCH_E_TOO_LARGE);
	/* the maximum is checked before the body's presence */
	check_vec_fails(len64, sizeof(len64), 63, POUCH_E_TOO_LARGE);
	check_vec_fails(big, sizeof(big), 0x3ffffffeU, POUCH_E_TOO_LARGE);
}

static void
rd_vec_declared_length_past_input_is_truncated(void **state)
{
	static const uint8_t big[] = { 0xbf, 0xff, 0xff, 0xff, 0x00 };
	size_t k;

	(void)state;
	/* every strict prefix of a complete vector is TRUNCATED */
	for (k = 0; k < 4; k++)
		check_vec_fails(vec_abc, k, 3, POUCH_E_TRUNCATED);
	/* a 2^30-1 length with one byte of body, with room in max */
	check_vec_fails(big, sizeof(big), SIZE_MAX, POUCH_E_TRUNCATED);
}

static void
rd_vec_bad_length_varint_is_malformed(void **state)
{
	static const uint8_t nonmin[] = { 0x40, 0x03, 'a', 'b', 'c' };
	static const uint8_t nonmin4[] = { 0x80, 0x00, 0x00, 0x01, 'a' };
	static const uint8_t pfx11[] = { 0xc0, 0x00, 0x00, 0x01, 'a' };

	(void)state;
	check_vec_fails(nonmin, sizeof(nonmin), 100, POUCH_E_MALFORMED);
	check_vec_fails(nonmin4, sizeof(nonmin4), 100, POUCH_E_MALFORMED);
	check_vec_fails(pfx11, sizeof(pfx11), 100, POUCH_E_MALFORMED);
}

static void
rd_vec_two_and_four_byte_lengths_read_their_bodies(void **state)
{
	static const size_t lens[] = { 63, 64, 16383, 16384 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i], pfx = n < 64 ? 1 : n < 16384 ? 2 : 4;
		uint8_t *in = malloc(pfx + n);
		struct pouch_rd r, sub;

		assert_non_null(in);
		memset(in + pfx, 0xab, n);
		if (pfx == 1) {
			in[0] = (uint8_t)n;
		} else if (pfx == 2) {
			in[0] = (uint8_t)(0x40 | (n >> 8));
			in[1] = (uint8_t)n;
		} else {
			in[0] = 0x80;
			in[1] = (uint8_t)(n >> 16);
			in[2] = (uint8_t)(n >> 8);
			in[3] = (uint8_t)n;
		}
		pouch_rd_init(&r, in, pfx + n);
		assert_int_equal(pouch_rd_vec(&r, &sub, n - 1),
		    POUCH_E_TOO_LARGE);
		assert_ptr_equal(r.p, in);
		pouch_rd_init(&r, in, pfx + n - 1);
		assert_int_equal(pouch_rd_vec(&r, &sub, n), POUCH_E_TRUNCATED);
		assert_ptr_equal(r.p, in);
		pouch_rd_init(&r, in, pfx + n);
		assert_int_equal(pouch_rd_vec(&r, &sub, n), POUCH_OK);
		assert_ptr_equal(sub.p, in + pfx);
		assert_int_equal(pouch_rd_left(&sub), n);
		assert_int_equal(pouch_rd_done(&r), POUCH_OK);
		free(in);
	}
}

/*
 * struct { uint16 x; } Inner;   Inner list<V>;   opaque wrapper<V> of Inner
 * Nested: outer<V> = { inner<V> = { 00 01 }, inner<V> = { 00 02 } }
 */
static void
rd_vec_nested_sub_readers_end_with_done(void **state)
{
	static const uint8_t b[] = {
		0x06, 0x02, 0x00, 0x01, 0x02, 0x00, 0x02
	};
	struct pouch_rd r, outer, in1, in2;
	uint8_t *in = dup_bytes(b, sizeof(b));
	uint16_t x;

	(void)state;
	pouch_rd_init(&r, in, sizeof(b));
	assert_int_equal(pouch_rd_vec(&r, &outer, 16), POUCH_OK);
	assert_int_equal(pouch_rd_vec(&outer, &in1, 2), POUCH_OK);
	assert_int_equal(pouch_rd_u16(&in1, &x), POUCH_OK);
	assert_int_equal(x, 1);
	assert_int_equal(pouch_rd_done(&in1), POUCH_OK);
	assert_int_equal(pouch_rd_vec(&outer, &in2, 2), POUCH_OK);
	assert_int_equal(pouch_rd_u16(&in2, &x), POUCH_OK);
	assert_int_equal(x, 2);
	assert_int_equal(pouch_rd_done(&in2), POUCH_OK);
	assert_int_equal(pouch_rd_done(&outer), POUCH_OK);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	free(in);
}

static void
rd_vec_sub_reader_cannot_read_past_its_vector(void **state)
{
	/* inner vector of 1 byte followed by bytes of the outer one */
	static const uint8_t b[] = { 0x01, 0x00, 0x02, 0x03 };
	struct pouch_rd r, sub;
	uint8_t *in = dup_bytes(b, sizeof(b));
	uint16_t x = 0x5555;

	(void)state;
	pouch_rd_init(&r, in, sizeof(b));
	assert_int_equal(pouch_rd_vec(&r, &sub, 8), POUCH_OK);
	assert_int_equal(pouch_rd_u16(&sub, &x), POUCH_E_TRUNCATED);
	assert_ptr_equal(sub.p, in + 1);
	assert_out_kept(x, 0x5555);
	assert_int_equal(pouch_rd_done(&sub), POUCH_E_TRAILING);
	free(in);
}

static void
rd_done_reports_trailing_bytes_in_nested_vectors(void **state)
{
	/* outer<V> = { inner<V> = { 00 01 ff } }: inner holds one uint16 */
	static const uint8_t b[] = { 0x04, 0x03, 0x00, 0x01, 0xff };
	struct pouch_rd r, outer, inner;
	uint8_t *in = dup_bytes(b, sizeof(b));
	uint16_t x;

	(void)state;
	pouch_rd_init(&r, in, sizeof(b));
	assert_int_equal(pouch_rd_vec(&r, &outer, 16), POUCH_OK);
	assert_int_equal(pouch_rd_vec(&outer, &inner, 16), POUCH_OK);
	assert_int_equal(pouch_rd_u16(&inner, &x), POUCH_OK);
	assert_int_equal(pouch_rd_done(&inner), POUCH_E_TRAILING);
	assert_int_equal(pouch_rd_left(&inner), 1);
	/* done never moves the reader */
	assert_int_equal(pouch_rd_done(&inner), POUCH_E_TRAILING);
	assert_int_equal(pouch_rd_done(&outer), POUCH_OK);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	free(in);
}

/* ---- optional<T> --------------------------------------------------------- */

static void
rd_optional_0_and_1_are_absent_and_present(void **state)
{
	static const uint8_t b[] = { 0x00, 0x01 };
	struct pouch_rd r;
	uint8_t *in = dup_bytes(b, sizeof(b));
	int present = 7;

	(void)state;
	pouch_rd_init(&r, in, sizeof(b));
	assert_int_equal(pouch_rd_optional(&r, &present), POUCH_OK);
	assert_int_equal(present, 0);
	assert_int_equal(pouch_rd_optional(&r, &present), POUCH_OK);
	assert_int_equal(present, 1);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	assert_int_equal(pouch_rd_optional(&r, &present), POUCH_E_TRUNCATED);
	assert_out_kept(present, 1);
	free(in);
}

static void
rd_optional_2_and_above_are_malformed(void **state)
{
	static const uint8_t bad[] = { 0x02, 0x03, 0x80, 0xff };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad); i++) {
		struct pouch_rd r;
		uint8_t *in = dup_bytes(&bad[i], 1);
		int present = 7;

		pouch_rd_init(&r, in, 1);
		assert_int_equal(pouch_rd_optional(&r, &present),
		    POUCH_E_MALFORMED);
		assert_ptr_equal(r.p, in);
		assert_out_kept(present, 7);
		free(in);
	}
}

/* ---- round trips over a test structure -------------------------------------
 *
 *	struct {
 *		uint8 kind;
 *		opaque data<0..LEAF_DATA_MAX>;
 *	} Leaf;
 *
 *	struct {
 *		uint16 a;
 *		opaque b<0..SAMPLE_B_MAX>;
 *		optional<uint32> c;
 *		Leaf d<0..SAMPLE_D_MAX>;	(at most SAMPLE_LEAVES leaves)
 *		opaque e<0..8>;			(holds exactly one uint32)
 *		uint64 f;
 *	} Sample;
 */
#define LEAF_DATA_MAX	80
#define SAMPLE_B_MAX	300
#define SAMPLE_D_MAX	4096
#define SAMPLE_LEAVES	16

struct leaf {
	uint8_t		kind;
	size_t		data_len;
	uint8_t		data[LEAF_DATA_MAX];
};

struct sample {
	uint16_t	a;
	size_t		b_len;
	uint8_t		b[SAMPLE_B_MAX];
	int		has_c;
	uint32_t	c;
	size_t		nleaves;
	struct leaf	d[SAMPLE_LEAVES];
	uint32_t	e;
	uint64_t	f;
};

static int
decode_leaf(struct pouch_rd *r, struct leaf *l)
{
	struct pouch_rd t = *r;
	const uint8_t *p;
	size_t n;
	int rc;

	if ((rc = pouch_rd_u8(&t, &l->kind)) != POUCH_OK)
		return rc;
	if ((rc = pouch_rd_opaque(&t, &p, &n, LEAF_DATA_MAX)) != POUCH_OK)
		return rc;
	memcpy(l->data, p, n);
	l->data_len = n;
	*r = t;
	return POUCH_OK;
}

/* Inside a complete vector, running short is malformed, not "wait". */
static int
inner_rc(int rc)
{
	return rc == POUCH_E_TRUNCATED ? POUCH_E_MALFORMED : rc;
}

static int
decode_sample(struct pouch_rd *r, struct sample *s)
{
	struct pouch_rd t = *r, sub;
	const uint8_t *p;
	size_t n;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = pouch_rd_u16(&t, &s->a)) != POUCH_OK)
		return rc;
	if ((rc = pouch_rd_opaque(&t, &p, &n, SAMPLE_B_MAX)) != POUCH_OK)
		return rc;
	memcpy(s->b, p, n);
	s->b_len = n;
	if ((rc = pouch_rd_optional(&t, &s->has_c)) != POUCH_OK)
		return rc;
	if (s->has_c && (rc = pouch_rd_u32(&t, &s->c)) != POUCH_OK)
		return rc;
	if ((rc = pouch_rd_vec(&t, &sub, SAMPLE_D_MAX)) != POUCH_OK)
		return rc;
	while (pouch_rd_left(&sub) > 0) {
		if (s->nleaves == SAMPLE_LEAVES)
			return POUCH_E_TOO_LARGE;
		if ((rc = decode_leaf(&sub, &s->d[s->nleaves])) != POUCH_OK)
			return inner_rc(rc);
		s->nleaves++;
	}
	if ((rc = pouch_rd_vec(&t, &sub, 8)) != POUCH_OK)
		return rc;
	if ((rc = pouch_rd_u32(&sub, &s->e)) != POUCH_OK)
		return inner_rc(rc);
	if ((rc = pouch_rd_done(&sub)) != POUCH_OK)
		return rc;
	if ((rc = pouch_rd_u64(&t, &s->f)) != POUCH_OK)
		return rc;
	*r = t;
	return POUCH_OK;
}

static void
encode_sample(struct pouch_wr *w, const struct sample *s)
{
	size_t i;

	pouch_wr_u16(w, s->a);
	pouch_wr_opaque(w, s->b, s->b_len);
	pouch_wr_optional(w, s->has_c);
	if (s->has_c)
		pouch_wr_u32(w, s->c);
	pouch_wr_vec_open(w);
	for (i = 0; i < s->nleaves; i++) {
		pouch_wr_u8(w, s->d[i].kind);
		pouch_wr_opaque(w, s->d[i].data, s->d[i].data_len);
	}
	pouch_wr_vec_close(w);
	pouch_wr_vec_open(w);
	pouch_wr_u32(w, s->e);
	pouch_wr_vec_close(w);
	pouch_wr_u64(w, s->f);
}

static void
assert_sample_equal(const struct sample *x, const struct sample *y)
{
	size_t i;

	assert_int_equal(x->a, y->a);
	assert_int_equal(x->b_len, y->b_len);
	assert_memory_equal(x->b, y->b, x->b_len);
	assert_int_equal(x->has_c, y->has_c);
	if (x->has_c)
		assert_int_equal(x->c, y->c);
	assert_int_equal(x->nleaves, y->nleaves);
	for (i = 0; i < x->nleaves; i++) {
		assert_int_equal(x->d[i].kind, y->d[i].kind);
		assert_int_equal(x->d[i].data_len, y->d[i].data_len);
		assert_memory_equal(x->d[i].data, y->d[i].data,
		    x->d[i].data_len);
	}
	assert_int_equal(x->e, y->e);
	assert_true(x->f == y->f);
}

static void
random_sample(uint64_t *s, struct sample *x)
{
	size_t i, j;

	memset(x, 0, sizeof(*x));
	x->a = (uint16_t)xs_next(s);
	/* lengths straddle the 1-/2-byte varint boundary at 64 */
	x->b_len = xs_below(s, 4) == 0 ? 60 + xs_below(s, 8) :
	    xs_below(s, SAMPLE_B_MAX + 1);
	for (i = 0; i < x->b_len; i++)
		x->b[i] = (uint8_t)xs_next(s);
	x->has_c = (int)xs_below(s, 2);
	x->c = x->has_c ? (uint32_t)xs_next(s) : 0;
	x->nleaves = xs_below(s, SAMPLE_LEAVES + 1);
	for (i = 0; i < x->nleaves; i++) {
		x->d[i].kind = (uint8_t)xs_next(s);
		x->d[i].data_len = xs_below(s, LEAF_DATA_MAX + 1);
		for (j = 0; j < x->d[i].data_len; j++)
			x->d[i].data[j] = (uint8_t)xs_next(s);
	}
	x->e = (uint32_t)xs_next(s);
	x->f = xs_next(s);
}

static void
roundtrip_decode_of_encode_is_identity_for_random_samples(void **state)
{
	uint64_t seed = UINT64_C(0x2545f4914f6cdd1d);
	int iter;

	(void)state;
	for (iter = 0; iter < 3000; iter++) {
		struct sample x, y;
		struct pouch_wr w;
		struct pouch_rd r;
		uint8_t *buf, *copy;
		size_t len;

		random_sample(&seed, &x);
		pouch_wr_init(&w, 1 << 16);
		encode_sample(&w, &x);
		assert_int_equal(pouch_wr_take(&w, &buf, &len), POUCH_OK);
		pouch_wr_free(&w);
		copy = dup_bytes(buf, len);
		pouch_rd_init(&r, copy, len);
		assert_int_equal(decode_sample(&r, &y), POUCH_OK);
		assert_int_equal(pouch_rd_done(&r), POUCH_OK);
		assert_sample_equal(&x, &y);
		/* one byte short is TRUNCATED and consumes nothing */
		pouch_rd_init(&r, copy, len - 1);
		assert_int_equal(decode_sample(&r, &y), POUCH_E_TRUNCATED);
		assert_ptr_equal(r.p, copy);
		free(copy);
		pouch_wr_buf_free(buf, len);
	}
}

/* A byte string built from hex pieces, with runs of one repeated byte. */
struct hexbuf {
	uint8_t	b[2048];
	size_t	n;
};

static void
hb_hex(struct hexbuf *h, const char *hex)
{
	while (*hex != '\0') {
		unsigned int hi, lo;

		if (*hex == ' ') {
			hex++;
			continue;
		}
		hi = (unsigned int)(hex[0] <= '9' ? hex[0] - '0' :
		    hex[0] - 'a' + 10);
		lo = (unsigned int)(hex[1] <= '9' ? hex[1] - '0' :
		    hex[1] - 'a' + 10);
		assert_true(h->n < sizeof(h->b));
		h->b[h->n++] = (uint8_t)(hi << 4 | lo);
		hex += 2;
	}
}

static void
hb_run(struct hexbuf *h, uint8_t v, size_t n)
{
	assert_true(n <= sizeof(h->b) - h->n);
	memset(h->b + h->n, v, n);
	h->n += n;
}

/* The hand-written encodings of Sample used by the tests below. */
static void
sample_bytes(int which, struct hexbuf *h)
{
	size_t i;

	h->n = 0;
	switch (which) {
	case 0:		/* everything empty or absent */
		hb_hex(h, "0000 00 00 00 04 00000000 0000000000000000");
		break;
	case 1:		/* c present, three leaves */
		hb_hex(h, "1234 03 616263 01 deadbeef");
		hb_hex(h, "0b 01 02aabb 02 00 03 03010203");
		hb_hex(h, "04 cafef00d 0102030405060708");
		break;
	case 2:		/* b of 64 bytes: 2-byte length; d of 64 bytes */
		hb_hex(h, "ffff 4040");
		hb_run(h, 0x5a, 64);
		hb_hex(h, "00 4040");
		/* leaf 1: kind 07, data<62> = 0x11...; 1 + 1 + 62 = 64 */
		hb_hex(h, "07 3e");
		hb_run(h, 0x11, 62);
		hb_hex(h, "04 00000001 ffffffffffffffff");
		break;
	case 3:		/* b at its maximum of 300 bytes, 16 leaves */
		hb_hex(h, "0001 412c");
		hb_run(h, 0xc3, 300);
		hb_hex(h, "01 00000000 40a0");	/* d: 16 leaves of 10 */
		for (i = 0; i < 16; i++) {
			hb_hex(h, "e1 08");
			hb_run(h, (uint8_t)i, 8);
		}
		hb_hex(h, "04 7fffffff 8000000000000001");
		break;
	default:	/* a leaf whose data uses a 2-byte length (80) */
		hb_hex(h, "abcd 00 00 4053 09 4050");	/* d: 83 bytes */
		hb_run(h, 0x77, 80);
		hb_hex(h, "04 00010000 0000000000000001");
		break;
	}
}
#define NSAMPLE_BYTES	5

static void
roundtrip_encode_of_decode_reproduces_hand_written_bytes(void **state)
{
	int which;

	(void)state;
	for (which = 0; which < NSAMPLE_BYTES; which++) {
		struct hexbuf h;
		struct sample x;
		struct pouch_rd r;
		struct pouch_wr w;
		uint8_t *in, *out;
		size_t len;

		sample_bytes(which, &h);
		in = dup_bytes(h.b, h.n);
		pouch_rd_init(&r, in, h.n);
		assert_int_equal(decode_sample(&r, &x), POUCH_OK);
		assert_int_equal(pouch_rd_done(&r), POUCH_OK);
		pouch_wr_init(&w, 1 << 16);
		encode_sample(&w, &x);
		assert_int_equal(pouch_wr_take(&w, &out, &len), POUCH_OK);
		assert_int_equal(len, h.n);
		assert_memory_equal(out, h.b, h.n);
		pouch_wr_buf_free(out, len);
		pouch_wr_free(&w);
		free(in);
	}
}

static void
sample_truncated_at_every_byte_is_truncated_and_consumes_nothing(
    void **state)
{
	int which;

	(void)state;
	for (which = 0; which < NSAMPLE_BYTES; which++) {
		struct hexbuf h;
		size_t k;

		sample_bytes(which, &h);
		for (k = 0; k < h.n; k++) {
			struct sample x;
			struct pouch_rd r;
			uint8_t *in = dup_bytes(h.b, k);

			pouch_rd_init(&r, in, k);
			assert_int_equal(decode_sample(&r, &x),
			    POUCH_E_TRUNCATED);
			assert_ptr_equal(r.p, in);
			assert_ptr_equal(r.end, in + k);
			free(in);
		}
	}
}

static void
sample_with_trailing_byte_decodes_but_done_reports_trailing(void **state)
{
	struct hexbuf h;
	struct sample x;
	struct pouch_rd r;

	(void)state;
	sample_bytes(1, &h);
	hb_hex(&h, "00");
	pouch_rd_init(&r, h.b, h.n);
	assert_int_equal(decode_sample(&r, &x), POUCH_OK);
	assert_int_equal(pouch_rd_left(&r), 1);
	assert_int_equal(pouch_rd_done(&r), POUCH_E_TRAILING);
}

static void
check_sample_rejected(const char *hex, int want)
{
	struct hexbuf h = { .n = 0 };
	struct sample x;
	struct pouch_rd r;
	uint8_t *in;

	hb_hex(&h, hex);
	in = dup_bytes(h.b, h.n);
	pouch_rd_init(&r, in, h.n);
	assert_int_equal(decode_sample(&r, &x), want);
	assert_ptr_equal(r.p, in);
	free(in);
}

static void
sample_bad_encodings_are_rejected_with_the_right_code(void **state)
{
	(void)state;
	/* b's length in a non-minimal 2-byte form */
	check_sample_rejected("0000 4003616263 00 00 04 00000000 "
	    "0000000000000000", POUCH_E_MALFORMED);
	/* b's length with prefix 11 */
	check_sample_rejected("0000 c0000003616263 00 00 04 00000000 "
	    "0000000000000000", POUCH_E_MALFORMED);
	/* b over its maximum: 301 */
	check_sample_rejected("0000 412d", POUCH_E_TOO_LARGE);
	/* optional presence octet 2 */
	check_sample_rejected("0000 00 02 deadbeef 00 04 00000000 "
	    "0000000000000000", POUCH_E_MALFORMED);
	/* d over its maximum: 4097 */
	check_sample_rejected("0000 00 00 5001", POUCH_E_TOO_LARGE);
	/* d whose last leaf is cut by d's own length */
	check_sample_rejected("0000 00 00 03 01 02aa 04 00000000 "
	    "0000000000000000", POUCH_E_MALFORMED);
	/* e holding five bytes: one trailing byte after its uint32 */
	check_sample_rejected("0000 00 00 00 05 0000000000 "
	    "0000000000000000", POUCH_E_TRAILING);
	/* e holding three bytes: too short for its uint32 */
	check_sample_rejected("0000 00 00 00 03 000000 0000000000000000",
	    POUCH_E_MALFORMED);
	/* e's length over its maximum of 8 */
	check_sample_rejected("0000 00 00 00 09 000000000000000000 "
	    "0000000000000000", POUCH_E_TOO_LARGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rd_u8_exact_input_reads_value_and_advances_one),
		cmocka_unit_test(rd_u16_exact_input_reads_big_endian),
		cmocka_unit_test(rd_u32_exact_input_reads_big_endian),
		cmocka_unit_test(rd_u64_exact_input_reads_big_endian),
		cmocka_unit_test(rd_integers_consecutive_reads_advance_by_width),
		cmocka_unit_test(
		    rd_integers_truncated_at_every_byte_fail_and_leave_reader_unchanged),
		cmocka_unit_test(rd_empty_reader_from_null_reads_nothing_without_ub),
		cmocka_unit_test(rd_copy_and_ptr_exact_input),
		cmocka_unit_test(
		    rd_copy_and_ptr_truncated_at_every_byte_leave_reader_unchanged),
		cmocka_unit_test(
		    rd_varint_boundary_values_encode_minimal_and_decode_back),
		cmocka_unit_test(
		    rd_varint_truncated_at_every_byte_leaves_reader_unchanged),
		cmocka_unit_test(
		    rd_varint_non_minimal_two_byte_forms_are_malformed),
		cmocka_unit_test(
		    rd_varint_non_minimal_four_byte_forms_are_malformed),
		cmocka_unit_test(
		    rd_varint_prefix_11_is_malformed_even_when_short),
		cmocka_unit_test(
		    rd_varint_every_two_byte_input_matches_reference),
		cmocka_unit_test(rd_varint_four_byte_inputs_match_reference),
		cmocka_unit_test(
		    rd_vec_exact_input_gives_sub_reader_over_its_bytes),
		cmocka_unit_test(
		    rd_vec_empty_vector_is_a_valid_empty_sub_reader),
		cmocka_unit_test(
		    rd_vec_length_over_max_is_too_large_and_reader_unchanged),
		cmocka_unit_test(rd_vec_declared_length_past_input_is_truncated),
		cmocka_unit_test(rd_vec_bad_length_varint_is_malformed),
		cmocka_unit_test(
		    rd_vec_two_and_four_byte_lengths_read_their_bodies),
		cmocka_unit_test(rd_vec_nested_sub_readers_end_with_done),
		cmocka_unit_test(rd_vec_sub_reader_cannot_read_past_its_vector),
		cmocka_unit_test(
		    rd_done_reports_trailing_bytes_in_nested_vectors),
		cmocka_unit_test(rd_optional_0_and_1_are_absent_and_present),
		cmocka_unit_test(rd_optional_2_and_above_are_malformed),
		cmocka_unit_test(
		    roundtrip_decode_of_encode_is_identity_for_random_samples),
		cmocka_unit_test(
		    roundtrip_encode_of_decode_reproduces_hand_written_bytes),
		cmocka_unit_test(
		    sample_truncated_at_every_byte_is_truncated_and_consumes_nothing),
		cmocka_unit_test(
		    sample_with_trailing_byte_decodes_but_done_reports_trailing),
		cmocka_unit_test(
		    sample_bad_encodings_are_rejected_with_the_right_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
