/*
 * test_rand.c - src/crypto/rand.c: pouch_random fills every byte of its
 * buffer, two draws differ, a zero length is fine and NULL is refused.
 */
#include "crypto_test.h"

static void
test_random_fills(void **state)
{
	uint8_t a[64], b[64];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(pouch_random(a, sizeof(a)), POUCH_OK);
	assert_int_equal(pouch_random(b, sizeof(b)), POUCH_OK);
	assert_false(is_zero(a, sizeof(a)));
	assert_memory_not_equal(a, b, sizeof(a));
}

/* Every byte position gets written (odd sizes, 1 byte). */
static void
test_random_every_byte(void **state)
{
	uint8_t buf[33];
	unsigned int seen[33] = { 0 };
	int round;
	size_t i;

	(void)state;
	for (round = 0; round < 16; round++) {
		memset(buf, 0, sizeof(buf));
		assert_int_equal(pouch_random(buf, sizeof(buf)), POUCH_OK);
		for (i = 0; i < sizeof(buf); i++)
			seen[i] |= buf[i];
	}
	for (i = 0; i < sizeof(buf); i++)
		assert_int_not_equal(seen[i], 0);
}

static void
test_random_edges(void **state)
{
	(void)state;
	assert_int_equal(pouch_random(NULL, 0), POUCH_OK);
	assert_int_equal(pouch_random(NULL, 1), POUCH_E_MISUSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_fills),
		cmocka_unit_test(test_random_every_byte),
		cmocka_unit_test(test_random_edges),
	};

	return cmocka_run_group_tests_name("crypto rand", tests, NULL, NULL);
}
