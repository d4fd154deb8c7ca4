/*
 * test_sample.c - SampleNTT and SamplePolyCBD.  The rare SampleNTT path
 * (the first squeeze runs out and the XOF is recomputed longer) is forced
 * with the test hook and must give exactly the coefficients of the normal
 * path, polynomial by polynomial and through whole key generations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "mlkem/mlkem.h"

static uint32_t
next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 32);
}

static void
forced_rare_path_same_polynomials(void **state)
{
	struct pouch_mlkem_ctx *c = NULL;
	struct pouch_mlkem_poly a, b;
	static const size_t firsts[] = { 3, 168, 504, 576 };
	uint8_t rho[32];
	EVP_MD_CTX *mdc;
	uint64_t s = 6;
	unsigned t, i, f;

	(void)state;
	assert_int_equal(pouch_mlkem_ctx_new(&c), POUCH_OK);
	assert_non_null(mdc = EVP_MD_CTX_new());
	for (t = 0; t < 200; t++) {
		for (i = 0; i < sizeof(rho); i++)
			rho[i] = (uint8_t)next(&s);
		pouch_mlkem_ctx_set_xof_first(c, MLKEM_XOF_FIRST_BYTES);
		assert_int_equal(pouch_mlkem_sample_ntt_vartime(c, mdc, rho,
		    (uint8_t)t, (uint8_t)(t >> 2), &a), POUCH_OK);
		for (i = 0; i < MLKEM_N; i++)
			assert_true(a.c[i] < MLKEM_Q);
		for (f = 0; f < sizeof(firsts) / sizeof(firsts[0]); f++) {
			pouch_mlkem_ctx_set_xof_first(c, firsts[f]);
			memset(&b, 0xff, sizeof(b));
			assert_int_equal(pouch_mlkem_sample_ntt_vartime(c, mdc,
			    rho, (uint8_t)t, (uint8_t)(t >> 2), &b), POUCH_OK);
			assert_memory_equal(&a, &b, sizeof(a));
		}
	}
	EVP_MD_CTX_free(mdc);
	pouch_mlkem_ctx_free(c);
}

static void
forced_rare_path_same_keys(void **state)
{
	static const enum pouch_mlkem_param sets[] = { POUCH_MLKEM512,
	    POUCH_MLKEM768, POUCH_MLKEM1024 };
	struct pouch_mlkem_ctx *c = NULL;
	uint8_t seed[64], ek1[MLKEM_EK_MAX], dk1[MLKEM_DK_MAX];
	uint8_t ek2[MLKEM_EK_MAX], dk2[MLKEM_DK_MAX];
	uint8_t m[32], ct1[MLKEM_CT_MAX], ct2[MLKEM_CT_MAX], k1[32], k2[32];
	unsigned i;

	(void)state;
	assert_int_equal(pouch_mlkem_ctx_new(&c), POUCH_OK);
	for (i = 0; i < 3; i++) {
		const enum pouch_mlkem_param p = sets[i];
		const size_t ekl = pouch_mlkem_ek_len(p);
		const size_t dkl = pouch_mlkem_dk_len(p);
		const size_t ctl = pouch_mlkem_ct_len(p);

		memset(seed, (int)i + 1, sizeof(seed));
		memset(m, 0x42, sizeof(m));
		pouch_mlkem_ctx_set_xof_first(c, MLKEM_XOF_FIRST_BYTES);
		assert_int_equal(pouch_mlkem_keygen_seed(c, p, seed, 64, ek1,
		    ekl, dk1, dkl), POUCH_OK);
		assert_int_equal(pouch_mlkem_encaps_internal(c, p, ek1, ekl,
		    m, ct1, ctl, k1), POUCH_OK);
		/* 3 bytes give at most 2 coefficients: every call recomputes */
		pouch_mlkem_ctx_set_xof_first(c, 3);
		assert_int_equal(pouch_mlkem_keygen_seed(c, p, seed, 64, ek2,
		    ekl, dk2, dkl), POUCH_OK);
		assert_memory_equal(ek1, ek2, ekl);
		assert_memory_equal(dk1, dk2, dkl);
		assert_int_equal(pouch_mlkem_encaps_internal(c, p, ek1, ekl,
		    m, ct2, ctl, k2), POUCH_OK);
		assert_memory_equal(ct1, ct2, ctl);
		assert_memory_equal(k1, k2, 32);
		assert_int_equal(pouch_mlkem_decaps(c, p, dk1, dkl, ct1, ctl,
		    k2), POUCH_OK);
		assert_memory_equal(k1, k2, 32);
	}
	pouch_mlkem_ctx_free(c);
}

/* The hook clamps its argument to a multiple of 3 in [3, first]. */
static void
xof_first_hook_clamps(void **state)
{
	struct pouch_mlkem_ctx *c = NULL;

	(void)state;
	assert_int_equal(pouch_mlkem_ctx_new(&c), POUCH_OK);
	assert_int_equal(c->xof_first, MLKEM_XOF_FIRST_BYTES);
	pouch_mlkem_ctx_set_xof_first(c, 0);
	assert_int_equal(c->xof_first, 3);
	pouch_mlkem_ctx_set_xof_first(c, 100);
	assert_int_equal(c->xof_first, 99);
	pouch_mlkem_ctx_set_xof_first(c, 100000);
	assert_int_equal(c->xof_first, MLKEM_XOF_FIRST_BYTES);
	pouch_mlkem_ctx_set_xof_first(NULL, 3);
	pouch_mlkem_ctx_free(c);
	pouch_mlkem_ctx_free(NULL);
}

/* Algorithm 8 by its definition, bit by bit, for eta 2 and 3. */
static void
cbd_matches_definition(void **state)
{
	struct pouch_mlkem_poly f;
	uint8_t b[64 * 3];
	uint64_t s = 7;
	unsigned eta, t, i, j;

	(void)state;
	for (eta = 2; eta <= 3; eta++)
		for (t = 0; t < 100; t++) {
			for (i = 0; i < sizeof(b); i++)
				b[i] = (uint8_t)next(&s);
			if (t == 0)
				memset(b, 0xff, sizeof(b));
			pouch_mlkem_cbd(&f, b, eta);
			for (i = 0; i < MLKEM_N; i++) {
				int x = 0, y = 0;

				for (j = 0; j < eta; j++) {
					unsigned bx = 2 * i * eta + j;
					unsigned by = bx + eta;

					x += (b[bx / 8] >> (bx % 8)) & 1;
					y += (b[by / 8] >> (by % 8)) & 1;
				}
				assert_int_equal(f.c[i],
				    (x - y + MLKEM_Q) % MLKEM_Q);
			}
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forced_rare_path_same_polynomials),
		cmocka_unit_test(forced_rare_path_same_keys),
		cmocka_unit_test(xof_first_hook_clamps),
		cmocka_unit_test(cbd_matches_definition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
