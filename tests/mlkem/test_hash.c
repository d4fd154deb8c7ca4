/*
 * test_hash.c - the ML-KEM context and its hash functions: known answers
 * for H = SHA3-256, G = SHA3-512 and the SHAKEs through
 * pouch_mlkem_digest (two-part input, any XOF length, prefix property
 * that sample.c relies on), and a wrong output length for a fixed digest,
 * both on a context that fetched its digests and on one that holds
 * references to the crypto provider's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "mlkem/mlkem.h"

static int
setup(void **state)
{
	static struct pouch_mlkem_ctx *c;

	if (pouch_mlkem_ctx_new(&c) != POUCH_OK)
		return -1;
	*state = c;
	return 0;
}

/*
 * A context on the crypto provider's digests, which must hold its own
 * references: the provider is freed before the tests use the context.
 */
static int
setup_from(void **state)
{
	struct pouch_mlkem_ctx *c;
	struct pouch_crypto *crypto;

	if (pouch_crypto_new(&crypto) != POUCH_OK)
		return -1;
	if (pouch_mlkem_ctx_new_from(crypto, &c) != POUCH_OK) {
		pouch_crypto_free(crypto);
		return -1;
	}
	pouch_crypto_free(crypto);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	pouch_mlkem_ctx_free(*state);
	return 0;
}

static void
unhex(const char *s, uint8_t *out)
{
	size_t i;

	for (i = 0; s[2 * i] != '\0'; i++) {
		unsigned v;
		char b[3] = { s[2 * i], s[2 * i + 1], 0 };

		v = (unsigned)strtoul(b, NULL, 16);
		out[i] = (uint8_t)v;
	}
}

/* FIPS 202 values of the empty string, and "abc" split in two parts. */
static void
known_answers(void **state)
{
	const struct pouch_mlkem_ctx *c = *state;
	uint8_t out[64], want[64];
	EVP_MD_CTX *mdc;

	assert_non_null(mdc = EVP_MD_CTX_new());
	assert_int_equal(pouch_mlkem_digest(mdc, c->sha3_256,
	    (const uint8_t *)"", 0, NULL, 0, out, 32), POUCH_OK);
	unhex("a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a",
	    want);
	assert_memory_equal(out, want, 32);
	assert_int_equal(pouch_mlkem_digest(mdc, c->sha3_256,
	    (const uint8_t *)"a", 1, (const uint8_t *)"bc", 2, out, 32),
	    POUCH_OK);
	unhex("3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
	    want);
	assert_memory_equal(out, want, 32);
	assert_int_equal(pouch_mlkem_digest(mdc, c->sha3_512,
	    (const uint8_t *)"ab", 2, (const uint8_t *)"c", 1, out, 64),
	    POUCH_OK);
	unhex("b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e"
	    "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
	    want);
	assert_memory_equal(out, want, 64);
	assert_int_equal(pouch_mlkem_digest(mdc, c->shake128,
	    (const uint8_t *)"", 0, NULL, 0, out, 32), POUCH_OK);
	unhex("7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26",
	    want);
	assert_memory_equal(out, want, 32);
	assert_int_equal(pouch_mlkem_digest(mdc, c->shake256,
	    (const uint8_t *)"", 0, NULL, 0, out, 32), POUCH_OK);
	unhex("46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f",
	    want);
	assert_memory_equal(out, want, 32);
	/* A fixed-length digest refuses another output length. */
	assert_int_equal(pouch_mlkem_digest(mdc, c->sha3_256,
	    (const uint8_t *)"", 0, NULL, 0, out, 31), POUCH_E_CRYPTO);
	EVP_MD_CTX_free(mdc);
}

/* A longer XOF output extends a shorter one (what sample.c relies on). */
static void
xof_prefix(void **state)
{
	const struct pouch_mlkem_ctx *c = *state;
	uint8_t a[1344], b[2688];
	const uint8_t rho[32] = { 1, 2, 3 }, ij[2] = { 4, 5 };
	EVP_MD_CTX *mdc;

	assert_non_null(mdc = EVP_MD_CTX_new());
	assert_int_equal(pouch_mlkem_digest(mdc, c->shake128, rho, 32, ij, 2,
	    a, sizeof(a)), POUCH_OK);
	assert_int_equal(pouch_mlkem_digest(mdc, c->shake128, rho, 32, ij, 2,
	    b, sizeof(b)), POUCH_OK);
	assert_memory_equal(a, b, sizeof(a));
	EVP_MD_CTX_free(mdc);
}

static void
ctx_misuse(void **state)
{
	struct pouch_mlkem_ctx *c = (struct pouch_mlkem_ctx *)1;
	struct pouch_crypto *crypto;

	(void)state;
	assert_int_equal(pouch_mlkem_ctx_new(NULL), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_ctx_new_from(NULL, &c), POUCH_E_MISUSE);
	assert_null(c);
	assert_int_equal(pouch_crypto_new(&crypto), POUCH_OK);
	assert_int_equal(pouch_mlkem_ctx_new_from(crypto, NULL),
	    POUCH_E_MISUSE);
	pouch_crypto_free(crypto);
	pouch_mlkem_ctx_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(known_answers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(xof_prefix, setup, teardown),
		/* the same on the digests the crypto provider lends */
		cmocka_unit_test_setup_teardown(known_answers, setup_from,
		    teardown),
		cmocka_unit_test_setup_teardown(xof_prefix, setup_from,
		    teardown),
		cmocka_unit_test(ctx_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
