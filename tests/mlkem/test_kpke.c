/*
 * test_kpke.c - K-PKE on its own: Decrypt(Encrypt(m)) == m for random
 * messages and every parameter set, the keygen split (G(d || k), then
 * the _rs form) agrees with the whole, and the domain separation by k:
 * the same d gives unrelated keys in different parameter sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/rand.h>

#include "mlkem/mlkem.h"

static const enum pouch_mlkem_param sets[] = { POUCH_MLKEM512,
    POUCH_MLKEM768, POUCH_MLKEM1024 };

static void
encrypt_decrypt_round_trip(void **state)
{
	struct pouch_mlkem_ctx *c = NULL;
	uint8_t d[32], m[32], r[32], m2[32], ek[MLKEM_EK_MAX];
	uint8_t dk[MLKEM_POLY_BYTES * MLKEM_K_MAX], ct[MLKEM_CT_MAX];
	EVP_MD_CTX *mdc;
	unsigned i, t;

	(void)state;
	assert_int_equal(pouch_mlkem_ctx_new(&c), POUCH_OK);
	assert_non_null(mdc = EVP_MD_CTX_new());
	for (i = 0; i < 3; i++) {
		const struct pouch_mlkem_params *p =
		    pouch_mlkem_params_get(sets[i]);

		for (t = 0; t < 50; t++) {
			assert_int_equal(RAND_bytes(d, 32), 1);
			assert_int_equal(RAND_bytes(m, 32), 1);
			assert_int_equal(RAND_bytes(r, 32), 1);
			if (t == 0)
				memset(m, 0xff, sizeof(m));
			if (t == 1)
				memset(m, 0, sizeof(m));
			assert_int_equal(pouch_mlkem_kpke_keygen(c, mdc, p, d,
			    ek, dk), POUCH_OK);
			assert_int_equal(pouch_mlkem_kpke_encrypt(c, mdc, p,
			    ek, m, r, ct), POUCH_OK);
			pouch_mlkem_kpke_decrypt(p, dk, ct, m2);
			assert_memory_equal(m, m2, 32);
		}
	}
	EVP_MD_CTX_free(mdc);
	pouch_mlkem_ctx_free(c);
}

static void
keygen_split_and_domain_separation(void **state)
{
	struct pouch_mlkem_ctx *c = NULL;
	uint8_t d[33], rs[64], ek[MLKEM_EK_MAX], ek2[MLKEM_EK_MAX];
	uint8_t dk[MLKEM_POLY_BYTES * MLKEM_K_MAX];
	uint8_t dk2[MLKEM_POLY_BYTES * MLKEM_K_MAX];
	uint8_t rho[3][32];
	EVP_MD_CTX *mdc;
	unsigned i;

	(void)state;
	assert_int_equal(pouch_mlkem_ctx_new(&c), POUCH_OK);
	assert_non_null(mdc = EVP_MD_CTX_new());
	memset(d, 0x33, 32);
	for (i = 0; i < 3; i++) {
		const struct pouch_mlkem_params *p =
		    pouch_mlkem_params_get(sets[i]);

		assert_int_equal(pouch_mlkem_kpke_keygen(c, mdc, p, d, ek, dk),
		    POUCH_OK);
		d[32] = (uint8_t)p->k;			/* G(d || k) */
		assert_int_equal(pouch_mlkem_digest(mdc, c->sha3_512, d, 33,
		    NULL, 0, rs, 64), POUCH_OK);
		assert_int_equal(pouch_mlkem_kpke_keygen_rs(c, mdc, p, rs,
		    rs + 32, ek2, dk2), POUCH_OK);
		assert_memory_equal(ek, ek2, p->ek_bytes);
		assert_memory_equal(dk, dk2, MLKEM_POLY_BYTES * p->k);
		memcpy(rho[i], ek + MLKEM_POLY_BYTES * p->k, 32);
		assert_memory_equal(rho[i], rs, 32);
	}
	assert_memory_not_equal(rho[0], rho[1], 32);
	assert_memory_not_equal(rho[1], rho[2], 32);
	EVP_MD_CTX_free(mdc);
	pouch_mlkem_ctx_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encrypt_decrypt_round_trip),
		cmocka_unit_test(keygen_split_and_domain_separation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
