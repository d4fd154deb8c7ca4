/*
 * crypto_test.h - helpers shared by the tests/crypto cmocka suites: hex
 * decoding of known-answer vectors and a group fixture that holds one
 * struct pouch_crypto.  Test code only.
 */
#ifndef POUCH_TESTS_CRYPTO_TEST_H
#define POUCH_TESTS_CRYPTO_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"

static inline int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decode hex into out (cap bytes); fails the test on bad input. */
static inline size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t i, n = strlen(hex);

	assert_int_equal(n % 2, 0);
	assert_true(n / 2 <= cap);
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		assert_true(hi >= 0 && lo >= 0);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n / 2;
}

/* assert that buf[0..len) equals the hex string. */
static inline void
assert_hex_equal(const uint8_t *buf, size_t len, const char *hex)
{
	uint8_t want[1024];
	size_t n = unhex(hex, want, sizeof(want));

	assert_int_equal(len, n);
	assert_memory_equal(buf, want, n);
}

static inline int
is_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static inline int
crypto_setup(void **state)
{
	struct pouch_crypto *c = NULL;

	if (pouch_crypto_new(&c) != POUCH_OK)
		return -1;
	*state = c;
	return 0;
}

static inline int
crypto_teardown(void **state)
{
	pouch_crypto_free(*state);
	return 0;
}

#endif /* POUCH_TESTS_CRYPTO_TEST_H */
