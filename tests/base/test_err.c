/*
 * test_err.c - error strings and version: every code has its own message,
 * unknown codes are reported as such, the version agrees with the header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <pouch/pouch.h>

static void
strerror_every_code_distinct(void **state)
{
	int a, b;

	(void)state;
	for (a = POUCH_OK; a >= POUCH_E_UNKNOWN_PROPOSAL; a--) {
		assert_non_null(pouch_strerror(a));
		assert_string_not_equal(pouch_strerror(a), "unknown error");
		for (b = a - 1; b >= POUCH_E_UNKNOWN_PROPOSAL; b--)
			assert_string_not_equal(pouch_strerror(a),
			    pouch_strerror(b));
	}
}

static void
strerror_unknown(void **state)
{
	(void)state;
	assert_string_equal(pouch_strerror(1), "unknown error");
	/* -59: in the MLS group engine range, not assigned */
	assert_string_equal(pouch_strerror(-59), "unknown error");
	assert_string_equal(pouch_strerror(-1000000), "unknown error");
}

static void
strerror_stable_numbers(void **state)
{
	(void)state;
	/* The numbers are ABI: they must never change. */
	assert_int_equal(POUCH_E_MISUSE, -1);
	assert_int_equal(POUCH_E_TRUNCATED, -3);
	assert_int_equal(POUCH_E_DECRYPT, -12);
	assert_int_equal(POUCH_E_IO, -17);
	assert_int_equal(POUCH_E_REPLAY, -18);
	assert_int_equal(POUCH_E_BAD_MAC, -19);
	assert_int_equal(POUCH_E_BAD_TREE, -20);
	assert_int_equal(POUCH_E_LEAF_SOURCE, -29);
	assert_int_equal(POUCH_E_UNKNOWN_SENDER, -31);
	assert_int_equal(POUCH_E_NO_PATH_KEY, -34);
	assert_int_equal(POUCH_E_WRONG_SUITE, -36);
	assert_int_equal(POUCH_E_PATH_REQUIRED, -37);
	assert_int_equal(POUCH_E_PSK_UNAVAILABLE, -38);
	assert_int_equal(POUCH_E_UNKNOWN_PROPOSAL, -39);
	assert_string_equal(pouch_strerror(POUCH_E_TRUNCATED),
	    "input truncated");
}

static void
version_matches_header(void **state)
{
	(void)state;
	assert_string_equal(pouch_version(), POUCH_VERSION_STRING);
	assert_int_equal(pouch_version_number(),
	    (POUCH_VERSION_MAJOR << 16) | (POUCH_VERSION_MINOR << 8) |
	    POUCH_VERSION_PATCH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strerror_every_code_distinct),
		cmocka_unit_test(strerror_unknown),
		cmocka_unit_test(strerror_stable_numbers),
		cmocka_unit_test(version_matches_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
