/*
 * test_wr.c - the bounded writer (src/codec/wr.c).
 *
 * Exact encodings of every width, minimal varints, the sticky error, the
 * fixed maximum (TOO_LARGE for a growing writer, BUFFER_TOO_SMALL over the
 * caller's buffer), misuse of blocks, the nesting limit, block bodies at
 * the varint size boundaries, and the hand-over of the buffer.  The
 * allocation-failure loop is in test_wr_nomem.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/codec.h"

/* Finish w and check that it holds exactly want[0..n). */
static void
assert_wr_bytes(struct pouch_wr *w, const uint8_t *want, size_t n)
{
	assert_int_equal(pouch_wr_finish(w), POUCH_OK);
	assert_int_equal(w->len, n);
	if (n > 0)
		assert_memory_equal(w->buf, want, n);
}

/* ---- plain values -------------------------------------------------------- */

static void
wr_integers_are_big_endian_at_every_width(void **state)
{
	static const uint8_t want[] = {
		0xa1,
		0xb2, 0xc3,
		0xd4, 0xe5, 0xf6, 0x07,
		0x18, 0x29, 0x3a, 0x4b, 0x5c, 0x6d, 0x7e, 0x8f,
	};
	struct pouch_wr w;

	(void)state;
	pouch_wr_init(&w, 64);
	pouch_wr_u8(&w, 0xa1);
	pouch_wr_u16(&w, 0xb2c3);
	pouch_wr_u32(&w, 0xd4e5f607U);
	pouch_wr_u64(&w, UINT64_C(0x18293a4b5c6d7e8f));
	assert_wr_bytes(&w, want, sizeof(want));
	pouch_wr_free(&w);
}

static void
wr_varint_boundaries_use_the_minimal_size(void **state)
{
	static const struct {
		uint32_t	v;
		size_t		n;
		uint8_t		b[4];
	} c[] = {
		{ 0,		1, { 0x00 } },
		{ 63,		1, { 0x3f } },
		{ 64,		2, { 0x40, 0x40 } },
		{ 16383,	2, { 0x7f, 0xff } },
		{ 16384,	4, { 0x80, 0x00, 0x40, 0x00 } },
		{ 0x3fffffffU,	4, { 0xbf, 0xff, 0xff, 0xff } },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct pouch_wr w;

		pouch_wr_init(&w, 4);
		pouch_wr_varint(&w, c[i].v);
		assert_wr_bytes(&w, c[i].b, c[i].n);
		pouch_wr_free(&w);
	}
}

static void
wr_varint_over_2_30_minus_1_is_too_large(void **state)
{
	struct pouch_wr w;

	(void)state;
	pouch_wr_init(&w, 64);
	pouch_wr_u8(&w, 1);
	pouch_wr_varint(&w, 0x40000000U);
	assert_int_equal(w.len, 1);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_TOO_LARGE);
	pouch_wr_free(&w);
	pouch_wr_init(&w, 64);
	pouch_wr_varint(&w, UINT32_MAX);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_TOO_LARGE);
	pouch_wr_free(&w);
}

static void
wr_opaque_writes_length_then_bytes(void **state)
{
	static const uint8_t want[] = { 0x03, 'a', 'b', 'c', 0x00 };
	struct pouch_wr w;

	(void)state;
	pouch_wr_init(&w, 64);
	pouch_wr_opaque(&w, "abc", 3);
	pouch_wr_opaque(&w, NULL, 0); /* empty is fine without bytes */
	assert_wr_bytes(&w, want, sizeof(want));
	pouch_wr_free(&w);
}

static void
wr_opaque_of_64_bytes_has_a_two_byte_length(void **state)
{
	uint8_t body[64], want[66];
	struct pouch_wr w;

	(void)state;
	memset(body, 0x42, sizeof(body));
	want[0] = 0x40;
	want[1] = 0x40;
	memcpy(want + 2, body, sizeof(body));
	pouch_wr_init(&w, 1024);
	pouch_wr_opaque(&w, body, sizeof(body));
	assert_wr_bytes(&w, want, sizeof(want));
	pouch_wr_free(&w);
}

static void
wr_bytes_from_null_with_nonzero_length_is_misuse(void **state)
{
	struct pouch_wr w;

	(void)state;
	pouch_wr_init(&w, 64);
	pouch_wr_bytes(&w, NULL, 0);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	pouch_wr_bytes(&w, NULL, 1);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_MISUSE);
	pouch_wr_free(&w);
	pouch_wr_init(&w, 64);
	pouch_wr_opaque(&w, NULL, 2);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_MISUSE);
	pouch_wr_free(&w);
}

static void
wr_optional_writes_0_or_1(void **state)
{
	static const uint8_t want[] = { 0x00, 0x01, 0x01 };
	struct pouch_wr w;

	(void)state;
	pouch_wr_init(&w, 64);
	pouch_wr_optional(&w, 0);
	pouch_wr_optional(&w, 1);
	pouch_wr_optional(&w, 42);		/* any true value is present */
	assert_wr_bytes(&w, want, sizeof(want));
	pouch_wr_free(&w);
}

static void
wr_growing_writer_keeps_contents_across_growth(void **state)
{
	uint8_t want[5000];
	struct pouch_wr w;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)(i * 7 + 3);
	pouch_wr_init(&w, sizeof(want));
	for (i = 0; i < sizeof(want); i += 5) {
		pouch_wr_u8(&w, want[i]);
		pouch_wr_bytes(&w, want + i + 1, 4);
	}
	assert_int_equal(w.cap, sizeof(want));	/* never past max */
	assert_wr_bytes(&w, want, sizeof(want));
	pouch_wr_free(&w);
}

/* ---- the maximum and the sticky error ------------------------------------ */

static void
wr_growing_writer_accepts_exactly_max_bytes(void **state)
{
	struct pouch_wr w;

	(void)state;
	pouch_wr_init(&w, 10);
	pouch_wr_u64(&w, 1);
	pouch_wr_u16(&w, 2);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	assert_int_equal(w.len, 10);
	pouch_wr_u8(&w, 3);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_TOO_LARGE);
	assert_int_equal(w.len, 10);
	pouch_wr_free(&w);
}

static void
wr_error_is_sticky_later_writes_are_no_ops(void **state)
{
	static const uint8_t want[] = { 0x01, 0x02, 0x03, 0x04 };
	struct pouch_wr w;

	(void)state;
	pouch_wr_init(&w, 5);
	pouch_wr_u32(&w, 0x01020304U);
	pouch_wr_u16(&w, 0xffff);		/* 6 > 5: fails */
	assert_int_equal(w.err, POUCH_E_TOO_LARGE);
	/* a write that would fit is now a no-op, as is everything else */
	pouch_wr_u8(&w, 0xee);
	pouch_wr_varint(&w, 1);
	pouch_wr_bytes(&w, "x", 1);
	pouch_wr_opaque(&w, "", 0);
	pouch_wr_optional(&w, 1);
	pouch_wr_vec_open(&w);
	pouch_wr_vec_close(&w);
	pouch_wr_vec_close(&w);			/* would be MISUSE otherwise */
	assert_int_equal(w.len, 4);
	assert_int_equal(w.depth, 0);
	assert_memory_equal(w.buf, want, sizeof(want));
	/* the first error wins and is reported every time */
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_TOO_LARGE);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_TOO_LARGE);
	pouch_wr_free(&w);
}

static void
wr_first_error_wins_over_later_misuse(void **state)
{
	struct pouch_wr w;

	(void)state;
	pouch_wr_init(&w, 64);
	pouch_wr_vec_close(&w);			/* MISUSE */
	pouch_wr_varint(&w, 0x40000000U);	/* would be TOO_LARGE */
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_MISUSE);
	pouch_wr_free(&w);
}

static void
wr_zero_max_writer_rejects_any_byte(void **state)
{
	struct pouch_wr w;
	uint8_t *out;
	size_t len;

	(void)state;
	pouch_wr_init(&w, 0);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	pouch_wr_u8(&w, 0);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_TOO_LARGE);
	assert_int_equal(pouch_wr_take(&w, &out, &len), POUCH_E_TOO_LARGE);
	assert_null(out);
	assert_int_equal(len, 0);
	pouch_wr_free(&w);
}

/* ---- a writer over the caller's buffer ----------------------------------- */

static void
wr_fixed_buffer_exact_fit_is_ok(void **state)
{
	static const uint8_t want[] = { 0x00, 0x01, 0x02, 0x03, 0x04 };
	uint8_t buf[5];
	struct pouch_wr w;

	(void)state;
	pouch_wr_init_buf(&w, buf, sizeof(buf));
	pouch_wr_u8(&w, 0);
	pouch_wr_u32(&w, 0x01020304U);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	assert_ptr_equal(w.buf, buf);
	assert_memory_equal(buf, want, sizeof(want));
	pouch_wr_free(&w);
}

static void
wr_fixed_buffer_overflow_is_buffer_too_small_and_writes_nothing_past(
    void **state)
{
	uint8_t mem[16];
	struct pouch_wr w;
	size_t i;

	(void)state;
	memset(mem, 0xcc, sizeof(mem));
	pouch_wr_init_buf(&w, mem, 3);
	pouch_wr_u16(&w, 0x0102);
	pouch_wr_u16(&w, 0x0304);		/* 4 > 3 */
	pouch_wr_u8(&w, 0x05);			/* would fit, but sticky */
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_BUFFER_TOO_SMALL);
	assert_int_equal(w.len, 2);
	assert_int_equal(mem[0], 0x01);
	assert_int_equal(mem[1], 0x02);
	for (i = 2; i < sizeof(mem); i++)
		assert_int_equal(mem[i], 0xcc);
	pouch_wr_free(&w);
}

static void
wr_fixed_buffer_block_that_overflows_is_buffer_too_small(void **state)
{
	uint8_t mem[8];
	struct pouch_wr w;

	(void)state;
	pouch_wr_init_buf(&w, mem, sizeof(mem));
	pouch_wr_vec_open(&w);
	pouch_wr_u32(&w, 1);
	pouch_wr_u8(&w, 2);			/* 4 + 5 > 8 */
	pouch_wr_vec_close(&w);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_BUFFER_TOO_SMALL);
	pouch_wr_free(&w);
}

static void
wr_fixed_buffer_null_with_capacity_is_misuse(void **state)
{
	struct pouch_wr w;

	(void)state;
	pouch_wr_init_buf(&w, NULL, 8);
	pouch_wr_u8(&w, 1);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_MISUSE);
	pouch_wr_free(&w);
	/* NULL with no capacity is an empty writer, not misuse */
	pouch_wr_init_buf(&w, NULL, 0);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	pouch_wr_u8(&w, 1);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_BUFFER_TOO_SMALL);
	pouch_wr_free(&w);
}

static void
wr_take_from_fixed_buffer_writer_is_misuse(void **state)
{
	uint8_t mem[4];
	struct pouch_wr w;
	uint8_t *out = mem;
	size_t len = 9;

	(void)state;
	pouch_wr_init_buf(&w, mem, sizeof(mem));
	pouch_wr_u8(&w, 1);
	assert_int_equal(pouch_wr_take(&w, &out, &len), POUCH_E_MISUSE);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_ptr_equal(w.buf, mem);
	pouch_wr_free(&w);
}

static void
wr_free_leaves_callers_buffer_alone_and_reused_writer_cannot_grow(
    void **state)
{
	uint8_t mem[4];
	struct pouch_wr w;

	(void)state;
	pouch_wr_init_buf(&w, mem, sizeof(mem));
	pouch_wr_u16(&w, 0xabcd);
	pouch_wr_free(&w);
	assert_int_equal(mem[0], 0xab);		/* the caller's to wipe */
	assert_int_equal(mem[1], 0xcd);
	assert_null(w.buf);
	/* without a buffer, a freed fixed writer can hold nothing */
	pouch_wr_u8(&w, 1);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_BUFFER_TOO_SMALL);
	assert_null(w.buf);
	pouch_wr_free(&w);
}

/* ---- length-prefixed blocks ---------------------------------------------- */

static void
wr_vec_close_without_open_is_misuse(void **state)
{
	struct pouch_wr w;

	(void)state;
	pouch_wr_init(&w, 64);
	pouch_wr_u8(&w, 1);
	pouch_wr_vec_close(&w);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_MISUSE);
	assert_int_equal(w.len, 1);
	pouch_wr_free(&w);
	/* one close too many after a balanced pair */
	pouch_wr_init(&w, 64);
	pouch_wr_vec_open(&w);
	pouch_wr_vec_close(&w);
	pouch_wr_vec_close(&w);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_MISUSE);
	pouch_wr_free(&w);
}

static void
wr_finish_and_take_with_an_open_block_are_misuse(void **state)
{
	struct pouch_wr w;
	uint8_t *out;
	size_t len;

	(void)state;
	pouch_wr_init(&w, 64);
	pouch_wr_vec_open(&w);
	pouch_wr_u8(&w, 1);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_MISUSE);
	assert_int_equal(pouch_wr_take(&w, &out, &len), POUCH_E_MISUSE);
	assert_null(out);
	/* closing it makes the writer complete again */
	pouch_wr_vec_close(&w);
	assert_int_equal(pouch_wr_take(&w, &out, &len), POUCH_OK);
	assert_int_equal(len, 2);
	assert_int_equal(out[0], 0x01);
	assert_int_equal(out[1], 0x01);
	pouch_wr_buf_free(out, len);
	pouch_wr_free(&w);
}

static void
wr_empty_block_is_one_zero_byte(void **state)
{
	static const uint8_t want[] = { 0x07, 0x00, 0x08 };
	struct pouch_wr w;

	(void)state;
	pouch_wr_init(&w, 64);
	pouch_wr_u8(&w, 7);
	pouch_wr_vec_open(&w);
	pouch_wr_vec_close(&w);
	pouch_wr_u8(&w, 8);
	assert_wr_bytes(&w, want, sizeof(want));
	pouch_wr_free(&w);
}

static void
wr_nesting_depth_limit_is_enforced(void **state)
{
	uint8_t want[POUCH_WR_DEPTH];
	struct pouch_wr w;
	int i;

	(void)state;
	/* POUCH_WR_DEPTH nested empty blocks: 0f 0e ... 01 00 */
	for (i = 0; i < POUCH_WR_DEPTH; i++)
		want[i] = (uint8_t)(POUCH_WR_DEPTH - 1 - i);
	pouch_wr_init(&w, 1024);
	for (i = 0; i < POUCH_WR_DEPTH; i++)
		pouch_wr_vec_open(&w);
	assert_int_equal(w.err, POUCH_OK);
	for (i = 0; i < POUCH_WR_DEPTH; i++)
		pouch_wr_vec_close(&w);
	assert_wr_bytes(&w, want, sizeof(want));
	pouch_wr_free(&w);

	/* one more level is misuse */
	pouch_wr_init(&w, 1024);
	for (i = 0; i < POUCH_WR_DEPTH; i++)
		pouch_wr_vec_open(&w);
	pouch_wr_vec_open(&w);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_MISUSE);
	assert_int_equal(w.depth, POUCH_WR_DEPTH);
	pouch_wr_free(&w);
}

/* A block of body bytes closes with an n-byte length and the body intact. */
static void
check_block_body(size_t body, size_t n, const uint8_t *pfx)
{
	struct pouch_wr w;
	uint8_t *b = malloc(body ? body : 1);
	size_t i;

	assert_non_null(b);
	for (i = 0; i < body; i++)
		b[i] = (uint8_t)(i * 13 + 1);
	pouch_wr_init(&w, 1 << 20);
	pouch_wr_u8(&w, 0xaa);
	pouch_wr_vec_open(&w);
	pouch_wr_bytes(&w, b, body);
	pouch_wr_vec_close(&w);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	assert_int_equal(w.len, 1 + n + body);
	assert_int_equal(w.buf[0], 0xaa);
	assert_memory_equal(w.buf + 1, pfx, n);
	assert_memory_equal(w.buf + 1 + n, b, body);
	/* the bytes the body slid away from hold no stale copy of it */
	for (i = 0; i < 4 - n; i++)
		assert_int_equal(w.buf[w.len + i], 0);
	/* a byte written after the block follows it directly */
	pouch_wr_u8(&w, 0xbb);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	assert_int_equal(w.buf[1 + n + body], 0xbb);
	pouch_wr_free(&w);
	free(b);
}

static void
wr_block_body_of_63_64_16383_16384_gets_1_2_2_4_byte_length(void **state)
{
	static const uint8_t p63[] = { 0x3f };
	static const uint8_t p64[] = { 0x40, 0x40 };
	static const uint8_t p16383[] = { 0x7f, 0xff };
	static const uint8_t p16384[] = { 0x80, 0x00, 0x40, 0x00 };

	(void)state;
	check_block_body(0, 1, (const uint8_t *)"\x00");
	check_block_body(63, 1, p63);
	check_block_body(64, 2, p64);
	check_block_body(16383, 2, p16383);
	check_block_body(16384, 4, p16384);
}

static void
wr_nested_blocks_each_get_their_own_minimal_length(void **state)
{
	/* outer { inner { 64 bytes } , u8 } : inner = 2+64, outer = 66+1 */
	uint8_t body[64], want[2 + 2 + 64 + 1];
	struct pouch_wr w;

	(void)state;
	memset(body, 0x33, sizeof(body));
	want[0] = 0x40;
	want[1] = 67;
	want[2] = 0x40;
	want[3] = 0x40;
	memcpy(want + 4, body, sizeof(body));
	want[68] = 0x99;
	pouch_wr_init(&w, 4096);
	pouch_wr_vec_open(&w);
	pouch_wr_vec_open(&w);
	pouch_wr_bytes(&w, body, sizeof(body));
	pouch_wr_vec_close(&w);
	pouch_wr_u8(&w, 0x99);
	pouch_wr_vec_close(&w);
	assert_wr_bytes(&w, want, sizeof(want));
	pouch_wr_free(&w);
}

static void
wr_block_close_reads_back_as_a_vector(void **state)
{
	struct pouch_wr w;
	struct pouch_rd r, sub;
	uint16_t x;

	(void)state;
	pouch_wr_init(&w, 64);
	pouch_wr_vec_open(&w);
	pouch_wr_u16(&w, 0x1234);
	pouch_wr_vec_close(&w);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	pouch_rd_init(&r, w.buf, w.len);
	assert_int_equal(pouch_rd_vec(&r, &sub, 2), POUCH_OK);
	assert_int_equal(pouch_rd_u16(&sub, &x), POUCH_OK);
	assert_int_equal(x, 0x1234);
	assert_int_equal(pouch_rd_done(&sub), POUCH_OK);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	pouch_wr_free(&w);
}

/* ---- handing the buffer over, and reuse ---------------------------------- */

static void
wr_take_hands_over_buffer_and_leaves_writer_empty(void **state)
{
	static const uint8_t want[] = { 0x00, 0x01, 0x02, 0x03 };
	struct pouch_wr w;
	uint8_t *out;
	size_t len;

	(void)state;
	pouch_wr_init(&w, 64);
	pouch_wr_u32(&w, 0x00010203U);
	assert_int_equal(pouch_wr_take(&w, &out, &len), POUCH_OK);
	assert_non_null(out);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_null(w.buf);
	assert_int_equal(w.len, 0);
	/* the writer goes on with a fresh buffer of its own */
	pouch_wr_u8(&w, 9);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	assert_int_equal(w.len, 1);
	assert_true(w.buf != out);
	pouch_wr_buf_free(out, len);
	pouch_wr_free(&w);
}

static void
wr_take_of_empty_writer_gives_a_buffer_of_length_zero(void **state)
{
	struct pouch_wr w;
	uint8_t *out;
	size_t len = 5;

	(void)state;
	pouch_wr_init(&w, 64);
	assert_int_equal(pouch_wr_take(&w, &out, &len), POUCH_OK);
	assert_non_null(out);
	assert_int_equal(len, 0);
	pouch_wr_buf_free(out, len);
	pouch_wr_buf_free(NULL, 0);		/* a no-op */
	pouch_wr_free(&w);
}

static void
wr_take_after_error_returns_the_error_and_no_buffer(void **state)
{
	struct pouch_wr w;
	uint8_t *out = (uint8_t *)&w;
	size_t len = 5;

	(void)state;
	pouch_wr_init(&w, 2);
	pouch_wr_u32(&w, 1);
	assert_int_equal(pouch_wr_take(&w, &out, &len), POUCH_E_TOO_LARGE);
	assert_null(out);
	assert_int_equal(len, 0);
	pouch_wr_free(&w);
}

/*
 * A writer marked public (freed without wiping) writes exactly what an
 * ordinary one does, through every growth; pouch_wr_free clears the mark
 * so a reused writer wipes again.
 */
static void
wr_public_writes_the_same_and_free_clears_the_mark(void **state)
{
	struct pouch_wr a, b;
	uint8_t chunk[97];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)(i * 7 + 3);
	pouch_wr_init(&a, 1 << 20);
	pouch_wr_init(&b, 1 << 20);
	pouch_wr_public(&b);
	for (i = 0; i < 200; i++) {
		pouch_wr_opaque(&a, chunk, i % sizeof(chunk));
		pouch_wr_opaque(&b, chunk, i % sizeof(chunk));
	}
	assert_int_equal(pouch_wr_finish(&a), POUCH_OK);
	assert_int_equal(pouch_wr_finish(&b), POUCH_OK);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.buf, b.buf, a.len);
	assert_int_equal(b.public_data, 1);
	pouch_wr_free(&b);
	assert_int_equal(b.public_data, 0);
	assert_null(b.buf);
	pouch_wr_free(&a);
}

static void
wr_free_resets_so_the_writer_can_be_reused(void **state)
{
	static const uint8_t want[] = { 0x02, 0xbe, 0xef };
	struct pouch_wr w;

	(void)state;
	/* after an error */
	pouch_wr_init(&w, 3);
	pouch_wr_u64(&w, 1);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_TOO_LARGE);
	pouch_wr_free(&w);
	assert_null(w.buf);
	assert_int_equal(w.len, 0);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	pouch_wr_opaque(&w, "\xbe\xef", 2);
	assert_wr_bytes(&w, want, sizeof(want));
	assert_int_equal(w.max, 3);		/* the maximum still holds */
	pouch_wr_u8(&w, 0);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_TOO_LARGE);
	pouch_wr_free(&w);

	/* with a block still open */
	pouch_wr_init(&w, 64);
	pouch_wr_vec_open(&w);
	pouch_wr_u8(&w, 1);
	pouch_wr_free(&w);
	assert_int_equal(w.depth, 0);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	pouch_wr_vec_open(&w);
	pouch_wr_bytes(&w, "\xbe\xef", 2);
	pouch_wr_vec_close(&w);
	assert_wr_bytes(&w, want, sizeof(want));
	pouch_wr_free(&w);
	pouch_wr_free(&w);			/* twice is harmless */
}

/* Copying from the writer's own buffer survives the buffer moving. */
static void
wr_bytes_from_own_buffer_while_growing(void **state)
{
	struct pouch_wr w;
	uint8_t want[128];
	size_t i;

	(void)state;
	pouch_wr_init(&w, 1024);
	for (i = 0; i < 64; i++)
		pouch_wr_u8(&w, (uint8_t)i);
	/* 64 bytes fill the first allocation; this append must grow it */
	assert_int_equal(w.cap, 64);
	pouch_wr_bytes(&w, w.buf, 64);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	assert_true(w.cap > 64);
	for (i = 0; i < 128; i++)
		want[i] = (uint8_t)(i % 64);
	assert_int_equal(w.len, 128);
	assert_memory_equal(w.buf, want, 128);
	pouch_wr_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wr_integers_are_big_endian_at_every_width),
		cmocka_unit_test(wr_varint_boundaries_use_the_minimal_size),
		cmocka_unit_test(wr_varint_over_2_30_minus_1_is_too_large),
		cmocka_unit_test(wr_opaque_writes_length_then_bytes),
		cmocka_unit_test(wr_opaque_of_64_bytes_has_a_two_byte_length),
		cmocka_unit_test(
		    wr_bytes_from_null_with_nonzero_length_is_misuse),
		cmocka_unit_test(wr_optional_writes_0_or_1),
		cmocka_unit_test(wr_growing_writer_keeps_contents_across_growth),
		cmocka_unit_test(wr_growing_writer_accepts_exactly_max_bytes),
		cmocka_unit_test(wr_error_is_sticky_later_writes_are_no_ops),
		cmocka_unit_test(wr_first_error_wins_over_later_misuse),
		cmocka_unit_test(wr_zero_max_writer_rejects_any_byte),
		cmocka_unit_test(wr_fixed_buffer_exact_fit_is_ok),
		cmocka_unit_test(
		    wr_fixed_buffer_overflow_is_buffer_too_small_and_writes_nothing_past),
		cmocka_unit_test(
		    wr_fixed_buffer_block_that_overflows_is_buffer_too_small),
		cmocka_unit_test(wr_fixed_buffer_null_with_capacity_is_misuse),
		cmocka_unit_test(wr_take_from_fixed_buffer_writer_is_misuse),
		cmocka_unit_test(
		    wr_free_leaves_callers_buffer_alone_and_reused_writer_cannot_grow),
		cmocka_unit_test(wr_vec_close_without_open_is_misuse),
		cmocka_unit_test(
		    wr_finish_and_take_with_an_open_block_are_misuse),
		cmocka_unit_test(wr_empty_block_is_one_zero_byte),
		cmocka_unit_test(wr_nesting_depth_limit_is_enforced),
		cmocka_unit_test(
		    wr_block_body_of_63_64_16383_16384_gets_1_2_2_4_byte_length),
		cmocka_unit_test(
		    wr_nested_blocks_each_get_their_own_minimal_length),
		cmocka_unit_test(wr_block_close_reads_back_as_a_vector),
		cmocka_unit_test(
		    wr_take_hands_over_buffer_and_leaves_writer_empty),
		cmocka_unit_test(
		    wr_take_of_empty_writer_gives_a_buffer_of_length_zero),
		cmocka_unit_test(wr_take_after_error_returns_the_error_and_no_buffer),
		cmocka_unit_test(wr_free_resets_so_the_writer_can_be_reused),
		cmocka_unit_test(
		    wr_public_writes_the_same_and_free_clears_the_mark),
		cmocka_unit_test(wr_bytes_from_own_buffer_while_growing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
