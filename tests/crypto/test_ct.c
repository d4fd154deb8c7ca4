/*
 * test_ct.c - src/crypto/ct.c: pouch_ct_eq returns 0 for equal buffers and
 * -1 otherwise, whichever byte differs.
 */
#include "crypto_test.h"

static void
test_ct_eq(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	memset(a, 1, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_int_equal(pouch_ct_eq(a, b, sizeof(a)), 0);
	b[31] ^= 0x80;
	assert_int_equal(pouch_ct_eq(a, b, sizeof(a)), -1);
	b[31] ^= 0x80;
	b[0] ^= 1;
	assert_int_equal(pouch_ct_eq(a, b, sizeof(a)), -1);
	b[0] ^= 1;
	b[31] ^= 0x80;
	assert_int_equal(pouch_ct_eq(a, b, 31), 0);
	assert_int_equal(pouch_ct_eq(a, b, 0), 0);
	assert_int_equal(pouch_ct_eq(NULL, b, 1), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ct_eq),
	};

	return cmocka_run_group_tests_name("crypto ct", tests, NULL, NULL);
}
