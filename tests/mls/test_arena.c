/*
 * test_arena.c - the arena of decoded MLS structures (src/mls/arena.c):
 * zeroed and aligned allocations, growth past one chunk, the byte cap
 * (TOO_LARGE), overflow-checked arrays, array growth up to a maximum, the
 * per-arena allocation-failure hook, and reuse after free.
 */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mls/arena.h"

static void
arena_alloc_zeroed_aligned(void **state)
{
	struct pouch_mls_arena a;
	uint8_t *p;
	void *v;
	size_t i, n;

	(void)state;
	pouch_mls_arena_init(&a, 1U << 20);
	for (n = 0; n < 200; n++) {
		assert_int_equal(pouch_mls_arena_alloc(&a, n, &v), POUCH_OK);
		assert_non_null(v);
		assert_int_equal((uintptr_t)v % alignof(max_align_t), 0);
		p = v;
		for (i = 0; i < n; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xa5, n);	/* ASan: the whole range is ours */
	}
	/* larger than a chunk */
	assert_int_equal(pouch_mls_arena_alloc(&a, 100000, &v), POUCH_OK);
	memset(v, 1, 100000);
	pouch_mls_arena_free(&a);
	assert_null(a.head);
	assert_int_equal(a.total, 0);
}

static void
arena_cap_too_large(void **state)
{
	struct pouch_mls_arena a;
	void *v = (void *)&a;
	size_t got = 0;
	int rc;

	(void)state;
	pouch_mls_arena_init(&a, 10000);
	assert_int_equal(pouch_mls_arena_alloc(&a, 20000, &v),
	    POUCH_E_TOO_LARGE);
	assert_null(v);
	while ((rc = pouch_mls_arena_alloc(&a, 64, &v)) == POUCH_OK)
		got += 64;
	assert_int_equal(rc, POUCH_E_TOO_LARGE);
	assert_true(got > 5000 && got <= 10000);
	assert_true(a.total <= 10000);
	pouch_mls_arena_free(&a);
	/* usable again, with the same cap */
	assert_int_equal(pouch_mls_arena_alloc(&a, 64, &v), POUCH_OK);
	pouch_mls_arena_free(&a);
}

static void
arena_array_overflow(void **state)
{
	struct pouch_mls_arena a;
	void *v;

	(void)state;
	pouch_mls_arena_init(&a, 1U << 20);
	assert_int_equal(pouch_mls_arena_array(&a, SIZE_MAX / 2, 4, &v),
	    POUCH_E_TOO_LARGE);
	assert_int_equal(pouch_mls_arena_alloc(&a, SIZE_MAX, &v),
	    POUCH_E_TOO_LARGE);
	assert_int_equal(pouch_mls_arena_array(&a, 10, 4, &v), POUCH_OK);
	pouch_mls_arena_free(&a);
}

static void
arena_grow_to_max(void **state)
{
	struct pouch_mls_arena a;
	void *arr = NULL;
	uint32_t *v;
	size_t cap = 0, n;

	(void)state;
	pouch_mls_arena_init(&a, 1U << 20);
	for (n = 0; n < 100; n++) {
		assert_int_equal(pouch_mls_arena_grow(&a, &arr, &cap, n, 4,
		    100), POUCH_OK);
		assert_true(cap > n && cap <= 100);
		v = arr;
		v[n] = (uint32_t)n;
	}
	assert_int_equal(pouch_mls_arena_grow(&a, &arr, &cap, 100, 4, 100),
	    POUCH_E_TOO_LARGE);
	v = arr;
	for (n = 0; n < 100; n++)
		assert_int_equal(v[n], n);
	pouch_mls_arena_free(&a);
}

static void
arena_copy(void **state)
{
	static const uint8_t msg[] = "public bytes";
	struct pouch_mls_arena a;
	const uint8_t *p;

	(void)state;
	pouch_mls_arena_init(&a, 1U << 20);
	assert_int_equal(pouch_mls_arena_copy(&a, msg, sizeof(msg), &p),
	    POUCH_OK);
	assert_ptr_not_equal(p, msg);
	assert_memory_equal(p, msg, sizeof(msg));
	assert_int_equal(pouch_mls_arena_copy(&a, NULL, 0, &p), POUCH_OK);
	assert_non_null(p);
	assert_int_equal(pouch_mls_arena_copy(&a, NULL, 1, &p),
	    POUCH_E_MISUSE);
	pouch_mls_arena_free(&a);
}

static void
arena_fail_hook(void **state)
{
	struct pouch_mls_arena a;
	void *v;

	(void)state;
	pouch_mls_arena_init(&a, 1U << 20);
	a.fail_at = 3;
	assert_int_equal(pouch_mls_arena_alloc(&a, 8, &v), POUCH_OK);
	assert_int_equal(pouch_mls_arena_alloc(&a, 8, &v), POUCH_OK);
	assert_int_equal(pouch_mls_arena_alloc(&a, 8, &v), POUCH_E_NOMEM);
	assert_null(v);
	assert_int_equal(pouch_mls_arena_alloc(&a, 8, &v), POUCH_E_NOMEM);
	pouch_mls_arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arena_alloc_zeroed_aligned),
		cmocka_unit_test(arena_cap_too_large),
		cmocka_unit_test(arena_array_overflow),
		cmocka_unit_test(arena_grow_to_max),
		cmocka_unit_test(arena_copy),
		cmocka_unit_test(arena_fail_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
