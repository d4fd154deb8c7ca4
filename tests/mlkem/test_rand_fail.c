/*
 * test_rand_fail.c - when RAND_bytes fails, ML-KEM keygen and encaps
 * (all three sets) and X-Wing keygen and encaps return POUCH_E_RANDOM
 * and leave nothing usable: every output buffer, filled with 0xa5
 * before the call, is all zero after it.  RAND_bytes is made to fail
 * with a RAND_METHOD whose bytes() returns 0 (OpenSSL 3 still honours
 * RAND_set_rand_method, deprecated but the one hook without a
 * provider); the default is restored after each test, and the same
 * calls then succeed, which shows the failure came from the hook.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/rand.h>

#include "crypto/crypto.h"
#include "mlkem/mlkem.h"
#include "mlkem/xwing.h"

struct fx {
	struct pouch_crypto	*c;
	struct pouch_mlkem_ctx	*m;
};

static int
fail_bytes(unsigned char *buf, int num)
{
	(void)buf;
	(void)num;
	return 0;
}

static int
fail_status(void)
{
	return 0;
}

static const RAND_METHOD failing = {
	NULL, fail_bytes, NULL, NULL, fail_bytes, fail_status
};

static int
setup(void **state)
{
	static struct fx f;

	if (pouch_crypto_new(&f.c) != POUCH_OK ||
	    pouch_mlkem_ctx_new(&f.m) != POUCH_OK)
		return -1;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	pouch_mlkem_ctx_free(f->m);
	pouch_crypto_free(f->c);
	return 0;
}

static void
rand_break(void)
{
	assert_int_equal(RAND_set_rand_method(&failing), 1);
}

static void
rand_restore(void)
{
	assert_int_equal(RAND_set_rand_method(RAND_OpenSSL()), 1);
}

static int
all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static void
mlkem_rand_fail(void **state)
{
	static const enum pouch_mlkem_param sets[] = {
		POUCH_MLKEM512, POUCH_MLKEM768, POUCH_MLKEM1024
	};
	struct fx *f = *state;
	uint8_t seed[MLKEM_SEED_BYTES], ek[MLKEM_EK_MAX], dk[MLKEM_DK_MAX];
	uint8_t ct[MLKEM_CT_MAX], ss[MLKEM_SS_BYTES];
	size_t i, ekl, dkl, ctl;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		ekl = pouch_mlkem_ek_len(sets[i]);
		dkl = pouch_mlkem_dk_len(sets[i]);
		ctl = pouch_mlkem_ct_len(sets[i]);
		/* A good key first, to encapsulate to. */
		assert_int_equal(pouch_mlkem_keygen(f->m, sets[i], NULL, ek,
		    ekl, dk, dkl), POUCH_OK);

		rand_break();
		memset(ct, 0xa5, sizeof(ct));
		memset(ss, 0xa5, sizeof(ss));
		assert_int_equal(pouch_mlkem_encaps(f->m, sets[i], ek, ekl, ct,
		    ctl, ss), POUCH_E_RANDOM);
		rand_restore();
		assert_true(all_zero(ct, ctl));
		assert_true(all_zero(ss, sizeof(ss)));

		rand_break();
		memset(seed, 0xa5, sizeof(seed));
		memset(ek, 0xa5, sizeof(ek));
		memset(dk, 0xa5, sizeof(dk));
		assert_int_equal(pouch_mlkem_keygen(f->m, sets[i], seed, ek,
		    ekl, dk, dkl), POUCH_E_RANDOM);
		rand_restore();
		assert_true(all_zero(seed, sizeof(seed)));
		assert_true(all_zero(ek, ekl));
		assert_true(all_zero(dk, dkl));

		/* The same calls work again with the default generator. */
		assert_int_equal(pouch_mlkem_keygen(f->m, sets[i], seed, ek,
		    ekl, dk, dkl), POUCH_OK);
		assert_false(all_zero(seed, sizeof(seed)));
		assert_int_equal(pouch_mlkem_encaps(f->m, sets[i], ek, ekl, ct,
		    ctl, ss), POUCH_OK);
		assert_false(all_zero(ss, sizeof(ss)));
	}
}

static void
xwing_rand_fail(void **state)
{
	struct fx *f = *state;
	struct pouch_xwing_sk sk;
	struct pouch_xwing_pk pk;
	struct pouch_xwing_ct ct;
	uint8_t ss[XWING_SS_BYTES];

	assert_int_equal(pouch_xwing_keygen(f->c, f->m, &sk, &pk), POUCH_OK);

	rand_break();
	memset(&ct, 0xa5, sizeof(ct));
	memset(ss, 0xa5, sizeof(ss));
	assert_int_equal(pouch_xwing_encaps(f->c, f->m, &pk, &ct, ss),
	    POUCH_E_RANDOM);
	rand_restore();
	assert_true(all_zero(ct.b, sizeof(ct.b)));
	assert_true(all_zero(ss, sizeof(ss)));

	rand_break();
	memset(&sk, 0xa5, sizeof(sk));
	memset(&pk, 0xa5, sizeof(pk));
	assert_int_equal(pouch_xwing_keygen(f->c, f->m, &sk, &pk),
	    POUCH_E_RANDOM);
	rand_restore();
	assert_true(all_zero(sk.b, sizeof(sk.b)));
	assert_true(all_zero(pk.b, sizeof(pk.b)));

	assert_int_equal(pouch_xwing_keygen(f->c, f->m, &sk, &pk), POUCH_OK);
	assert_int_equal(pouch_xwing_encaps(f->c, f->m, &pk, &ct, ss),
	    POUCH_OK);
	assert_false(all_zero(ss, sizeof(ss)));
}

static void
random_rand_fail(void **state)
{
	uint8_t buf[48];

	(void)state;
	rand_break();
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(pouch_random(buf, sizeof(buf)), POUCH_E_RANDOM);
	rand_restore();
	assert_true(all_zero(buf, sizeof(buf)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mlkem_rand_fail),
		cmocka_unit_test(xwing_rand_fail),
		cmocka_unit_test(random_rand_fail),
	};

	return cmocka_run_group_tests_name("mlkem rand failure", tests, setup,
	    teardown);
}
