/*
 * test_provider.c - src/crypto/provider.c: the provider can be created
 * several times and freed (NULL too), refuses a NULL out-parameter, and a
 * new provider serves every hash and AEAD it claims.
 */
#include "crypto_test.h"

static void
test_provider_new_free(void **state)
{
	struct pouch_crypto *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(pouch_crypto_new(&a), POUCH_OK);
	assert_non_null(a);
	assert_int_equal(pouch_crypto_new(&b), POUCH_OK);
	assert_ptr_not_equal(a, b);
	pouch_crypto_free(a);
	pouch_crypto_free(b);
	pouch_crypto_free(NULL);
}

static void
test_provider_misuse(void **state)
{
	(void)state;
	assert_int_equal(pouch_crypto_new(NULL), POUCH_E_MISUSE);
}

static void
test_provider_serves_all(void **state)
{
	struct pouch_crypto *c = NULL;
	uint8_t key[32] = { 0 }, nonce[12] = { 0 }, out[64];
	size_t n;
	int h, a;

	(void)state;
	assert_int_equal(pouch_crypto_new(&c), POUCH_OK);
	for (h = POUCH_SHA256; h <= POUCH_SHA512; h++) {
		assert_int_equal(pouch_hash(c, h, key, 1, out), POUCH_OK);
		assert_int_equal(pouch_hmac(c, h, key, 1, key, 1, out),
		    POUCH_OK);
	}
	for (a = POUCH_AES128GCM; a <= POUCH_CHACHA20POLY1305; a++)
		assert_int_equal(pouch_aead_seal(c, a, key, nonce, NULL, 0,
		    key, 1, out, sizeof(out), &n), POUCH_OK);
	pouch_crypto_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provider_new_free),
		cmocka_unit_test(test_provider_misuse),
		cmocka_unit_test(test_provider_serves_all),
	};

	return cmocka_run_group_tests_name("crypto provider", tests, NULL,
	    NULL);
}
