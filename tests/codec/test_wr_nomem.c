/*
 * test_wr_nomem.c - the writer under allocation failure (STYLE 7).
 *
 * wr.c is included here with malloc and free redirected to a shim that
 * fails the n-th allocation and checks every block it frees.  For every n a
 * scenario must end in POUCH_E_NOMEM, with the writer frozen at the state
 * it had before the failing call (the error is sticky), no buffer leaked
 * and the writer reusable after pouch_wr_free().  The shim also checks that
 * every freed block was wiped: new blocks are filled with FILL, the test
 * data never contains FILL, so a freed block must hold only 0 and FILL.
 *
 * The pouch_wr_* names are renamed so that this copy of wr.c can never
 * clash with the one in pouch_static.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>

#define pouch_wr_init		nomem_pouch_wr_init
#define pouch_wr_init_buf	nomem_pouch_wr_init_buf
#define pouch_wr_u8		nomem_pouch_wr_u8
#define pouch_wr_u16		nomem_pouch_wr_u16
#define pouch_wr_u32		nomem_pouch_wr_u32
#define pouch_wr_u64		nomem_pouch_wr_u64
#define pouch_wr_varint		nomem_pouch_wr_varint
#define pouch_wr_bytes		nomem_pouch_wr_bytes
#define pouch_wr_opaque		nomem_pouch_wr_opaque
#define pouch_wr_optional	nomem_pouch_wr_optional
#define pouch_wr_vec_open	nomem_pouch_wr_vec_open
#define pouch_wr_vec_close	nomem_pouch_wr_vec_close
#define pouch_wr_finish		nomem_pouch_wr_finish
#define pouch_wr_take		nomem_pouch_wr_take
#define pouch_wr_buf_free	nomem_pouch_wr_buf_free
#define pouch_wr_free		nomem_pouch_wr_free

static void	*fail_malloc(size_t n);
static void	 fail_free(void *p);

#define malloc	fail_malloc
#define free	fail_free
#include "codec/wr.c"
#undef malloc
#undef free

/* ---- the failing allocator ----------------------------------------------- */

#define FILL		0xa5
#define MAX_LIVE	64

static struct {
	unsigned long	count;		/* allocations attempted */
	unsigned long	fail_at;	/* fail this one (1-based); 0: never */
	size_t		live;
	void		*ptr[MAX_LIVE];
	size_t		 size[MAX_LIVE];
	int		unwiped;	/* a freed block held other bytes */
} shim;

static void
shim_reset(unsigned long fail_at)
{
	shim.count = 0;
	shim.fail_at = fail_at;
	shim.unwiped = 0;
}

static void *
fail_malloc(size_t n)
{
	void *p;
	size_t i;

	shim.count++;
	if (shim.count == shim.fail_at)
		return NULL;
	if ((p = malloc(n)) == NULL)
		return NULL;
	memset(p, FILL, n);
	for (i = 0; i < MAX_LIVE; i++) {
		if (shim.ptr[i] == NULL) {
			shim.ptr[i] = p;
			shim.size[i] = n;
			shim.live++;
			return p;
		}
	}
	fail_msg("shim: too many live blocks");
	return NULL;
}

static void
fail_free(void *p)
{
	const uint8_t *b = p;
	size_t i, j;

	if (p == NULL)
		return;
	for (i = 0; i < MAX_LIVE; i++) {
		if (shim.ptr[i] != p)
			continue;
		for (j = 0; j < shim.size[i]; j++)
			if (b[j] != 0 && b[j] != FILL)
				shim.unwiped = 1;
		shim.ptr[i] = NULL;
		shim.live--;
		free(p);
		return;
	}
	fail_msg("shim: free of a block it never gave out");
}

/* ---- the scenario -------------------------------------------------------- */

/* Test data that never contains FILL. */
static uint8_t data[4096];

static void
data_init(void)
{
	size_t i;

	for (i = 0; i < sizeof(data); i++) {
		data[i] = (uint8_t)(i * 31 + 7);
		if (data[i] == FILL)
			data[i] = 0x5a;
	}
}

/* Each step is one writer call; growth happens at several of them. */
#define NSTEPS	14

static void
step(struct pouch_wr *w, int i)
{
	switch (i) {
	case 0:	pouch_wr_u8(w, 0x11); break;
	case 1:	pouch_wr_vec_open(w); break;
	case 2:	pouch_wr_bytes(w, data, 100); break;		/* 64 -> 128 */
	case 3:	pouch_wr_vec_open(w); break;
	case 4:	pouch_wr_opaque(w, data + 100, 200); break;	/* -> 512 */
	case 5:	pouch_wr_vec_close(w); break;
	case 6:	pouch_wr_u64(w, UINT64_C(0x0102030405060708)); break;
	case 7:	pouch_wr_bytes(w, data + 300, 1000); break;	/* -> 2048 */
	case 8:	pouch_wr_vec_close(w); break;
	case 9:	pouch_wr_varint(w, 70000); break;
	case 10: pouch_wr_optional(w, 1); break;
	case 11: pouch_wr_u16(w, 0x0304); break;
	case 12: pouch_wr_u32(w, 0x0708090aU); break;
	default: pouch_wr_bytes(w, data + 1300, 2700); break;	/* -> 8192 */
	}
}

struct snap {
	size_t	len;
	int	depth;
	uint8_t	buf[8192];
};

static void
snap_take(struct snap *s, const struct pouch_wr *w)
{
	s->len = w->len;
	s->depth = w->depth;
	if (w->len > 0)
		memcpy(s->buf, w->buf, w->len);
}

static void
assert_snap(const struct snap *s, const struct pouch_wr *w)
{
	assert_int_equal(w->len, s->len);
	assert_int_equal(w->depth, s->depth);
	if (s->len > 0)
		assert_memory_equal(w->buf, s->buf, s->len);
}

/* The reference run: the state after each step, the final bytes. */
static struct snap ref[NSTEPS + 1];
static unsigned long ref_allocs;

static void
run_reference(void)
{
	struct pouch_wr w;
	int i;

	data_init();
	shim_reset(0);
	pouch_wr_init(&w, 1 << 16);
	snap_take(&ref[0], &w);
	for (i = 0; i < NSTEPS; i++) {
		step(&w, i);
		assert_int_equal(w.err, POUCH_OK);
		snap_take(&ref[i + 1], &w);
	}
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	ref_allocs = shim.count;
	pouch_wr_free(&w);
	assert_int_equal(shim.live, 0);
	assert_false(shim.unwiped);
}

static void
wr_reference_scenario_allocates_several_times_and_wipes_on_free(
    void **state)
{
	(void)state;
	run_reference();
	/* 64, 128, 256, 512, 1024, 2048, 4096, 8192: growth really happens */
	assert_true(ref_allocs >= 5);
}

static void
wr_nth_allocation_failing_gives_sticky_nomem_no_leak_for_every_n(
    void **state)
{
	unsigned long n;

	(void)state;
	run_reference();
	for (n = 1; n <= ref_allocs; n++) {
		static struct snap frozen;
		struct pouch_wr w;
		uint8_t *out = (uint8_t *)&w;
		size_t len = 1;
		int i, failed_at = -1;

		shim_reset(n);
		pouch_wr_init(&w, 1 << 16);
		for (i = 0; i < NSTEPS; i++) {
			step(&w, i);
			if (failed_at >= 0) {
				/* sticky: nothing moves after the failure */
				assert_snap(&frozen, &w);
			} else if (w.err == POUCH_OK) {
				assert_snap(&ref[i + 1], &w);
			} else {
				assert_int_equal(w.err, POUCH_E_NOMEM);
				failed_at = i;
				/*
				 * What was written before the failing call is
				 * intact (an opaque may have put its length).
				 */
				assert_int_equal(w.depth, ref[i].depth);
				assert_true(w.len >= ref[i].len);
				if (ref[i].len > 0)
					assert_memory_equal(w.buf, ref[i].buf,
					    ref[i].len);
				snap_take(&frozen, &w);
			}
		}
		assert_true(failed_at >= 0);
		assert_int_equal(shim.count, n);	/* no retry after */
		assert_int_equal(pouch_wr_finish(&w), POUCH_E_NOMEM);
		assert_int_equal(pouch_wr_take(&w, &out, &len), POUCH_E_NOMEM);
		assert_null(out);
		assert_int_equal(len, 0);
		pouch_wr_free(&w);
		assert_int_equal(shim.live, 0);
		assert_false(shim.unwiped);

		/* after pouch_wr_free the same writer works again */
		shim_reset(0);
		for (i = 0; i < NSTEPS; i++)
			step(&w, i);
		assert_snap(&ref[NSTEPS], &w);
		assert_int_equal(pouch_wr_take(&w, &out, &len), POUCH_OK);
		assert_int_equal(len, ref[NSTEPS].len);
		pouch_wr_buf_free(out, len);
		pouch_wr_free(&w);
		assert_int_equal(shim.live, 0);
		assert_false(shim.unwiped);
	}
}

static void
wr_take_of_empty_writer_reports_nomem_cleanly(void **state)
{
	struct pouch_wr w;
	uint8_t *out = (uint8_t *)&w;
	size_t len = 1;

	(void)state;
	shim_reset(1);
	pouch_wr_init(&w, 64);
	assert_int_equal(pouch_wr_take(&w, &out, &len), POUCH_E_NOMEM);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_int_equal(shim.live, 0);
	/* nothing changed: a second attempt succeeds */
	shim_reset(0);
	assert_int_equal(pouch_wr_take(&w, &out, &len), POUCH_OK);
	assert_non_null(out);
	assert_int_equal(len, 0);
	pouch_wr_buf_free(out, len);
	pouch_wr_free(&w);
	assert_int_equal(shim.live, 0);
}

static void
wr_taken_buffer_is_wiped_by_buf_free(void **state)
{
	struct pouch_wr w;
	uint8_t *out;
	size_t len;

	(void)state;
	data_init();
	shim_reset(0);
	pouch_wr_init(&w, 1 << 16);
	pouch_wr_vec_open(&w);
	pouch_wr_bytes(&w, data, 300);
	pouch_wr_vec_close(&w);
	assert_int_equal(pouch_wr_take(&w, &out, &len), POUCH_OK);
	pouch_wr_free(&w);
	assert_int_equal(shim.live, 1);
	pouch_wr_buf_free(out, len);
	assert_int_equal(shim.live, 0);
	assert_false(shim.unwiped);
}

static void
wr_fixed_buffer_writer_never_allocates_even_after_free(void **state)
{
	uint8_t mem[8];
	struct pouch_wr w;

	(void)state;
	shim_reset(0);
	pouch_wr_init_buf(&w, mem, sizeof(mem));
	pouch_wr_u32(&w, 1);
	pouch_wr_u64(&w, 2);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_BUFFER_TOO_SMALL);
	pouch_wr_free(&w);
	/* reused without a new init, it has no buffer and must not grow one */
	pouch_wr_u8(&w, 1);
	pouch_wr_vec_open(&w);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_BUFFER_TOO_SMALL);
	pouch_wr_free(&w);
	assert_int_equal(shim.count, 0);
	assert_int_equal(shim.live, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    wr_reference_scenario_allocates_several_times_and_wipes_on_free),
		cmocka_unit_test(
		    wr_nth_allocation_failing_gives_sticky_nomem_no_leak_for_every_n),
		cmocka_unit_test(wr_take_of_empty_writer_reports_nomem_cleanly),
		cmocka_unit_test(wr_taken_buffer_is_wiped_by_buf_free),
		cmocka_unit_test(
		    wr_fixed_buffer_writer_never_allocates_even_after_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
