/*
 * test_sample.c - SampleNTT and SamplePolyCBD.  The rare SampleNTT path
 * (the first squeeze runs out and the XOF is recomputed longer) is forced
 * with the test hook and must give exactly the coefficients of the normal
 * path, polynomial by polynomial and through whole key generations.
 * The four-way AVX2 sampling (matrix and noise, and the H(ek) that runs
 * beside a matrix) must give exactly what the one-at-a-time OpenSSL path
 * gives.
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
	struct pouch_mlkem_poly f, g;
	uint8_t b[64 * 3];
	uint64_t s = 7;
	unsigned eta, t, i, j;

	(void)state;
	for (eta = 2; eta <= 3; eta++)
		for (t = 0; t < 1000; t++) {
			for (i = 0; i < sizeof(b); i++)
				b[i] = (uint8_t)next(&s);
			if (t == 0)
				memset(b, 0xff, sizeof(b));
			if (t == 1)
				memset(b, 0, sizeof(b));
			/* The portable code and the AVX2 code where used. */
			pouch_mlkem_cbd_c(&g, b, eta);
			pouch_mlkem_cbd(&f, b, eta);
			assert_memory_equal(&f, &g, sizeof(f));
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

/* Bytes of SHAKE128(rho || b32 || b33) that Algorithm 7 reads. */
static size_t
bytes_needed(const uint8_t rho[32], uint8_t b32, uint8_t b33)
{
	uint8_t in[34], out[1344];
	EVP_MD *md = EVP_MD_fetch(NULL, "SHAKE128", NULL);
	EVP_MD_CTX *mdc = EVP_MD_CTX_new();
	size_t pos;
	unsigned j = 0;

	assert_non_null(md);
	assert_non_null(mdc);
	memcpy(in, rho, 32);
	in[32] = b32;
	in[33] = b33;
	assert_int_equal(EVP_DigestInit_ex(mdc, md, NULL), 1);
	assert_int_equal(EVP_DigestUpdate(mdc, in, sizeof(in)), 1);
	assert_int_equal(EVP_DigestFinalXOF(mdc, out, sizeof(out)), 1);
	EVP_MD_CTX_free(mdc);
	EVP_MD_free(md);
	for (pos = 0; pos + 3 <= sizeof(out) && j < MLKEM_N; pos += 3) {
		j += (out[pos] | (out[pos + 1] & 0x0f) << 8) < MLKEM_Q;
		if (j < MLKEM_N)
			j += (out[pos + 1] >> 4 | out[pos + 2] << 4) <
			    MLKEM_Q;
	}
	assert_int_equal(j, MLKEM_N);
	return pos;
}

/*
 * A context on the four-way AVX2 path and a digest context; the test is
 * skipped where the CPU has no AVX2.
 */
static void
simd_setup(struct pouch_mlkem_ctx **c, EVP_MD_CTX **mdc)
{
	assert_int_equal(pouch_mlkem_ctx_new(c), POUCH_OK);
	pouch_mlkem_ctx_set_simd(*c, 1);
	if (!(*c)->simd) {
		pouch_mlkem_ctx_free(*c);
		skip();
	}
	assert_non_null(*mdc = EVP_MD_CTX_new());
}

/*
 * The whole matrix four entries at a time (AVX2 SHAKE) is the matrix
 * entry by entry through OpenSSL, for k = 2, 3, 4, both orientations;
 * some entries need more than the three blocks squeezed first, so the
 * one-more-block path runs too.
 */
static void
simd_matrix_matches_portable(void **state)
{
	struct pouch_mlkem_ctx *c = NULL;
	struct pouch_mlkem_poly a[16], b[16];
	uint8_t rho[32];
	EVP_MD_CTX *mdc;
	uint64_t s = 12;
	unsigned t, i, j, k, tr, longer = 0;

	(void)state;
	simd_setup(&c, &mdc);
	for (t = 0; t < 120; t++) {
		for (i = 0; i < sizeof(rho); i++)
			rho[i] = (uint8_t)next(&s);
		k = 2 + t % 3;
		tr = (t >> 2) & 1;
		pouch_mlkem_ctx_set_simd(c, 1);
		memset(a, 0xff, sizeof(a));
		assert_int_equal(pouch_mlkem_sample_matrix_vartime(c, mdc, k,
		    rho, (int)tr, a), POUCH_OK);
		pouch_mlkem_ctx_set_simd(c, 0);
		memset(b, 0xff, sizeof(b));
		assert_int_equal(pouch_mlkem_sample_matrix_vartime(c, mdc, k,
		    rho, (int)tr, b), POUCH_OK);
		assert_memory_equal(a, b, k * k * sizeof(a[0]));
		/* And each entry is SampleNTT(rho || b32 || b33). */
		for (i = 0; i < k; i++)
			for (j = 0; j < k; j++) {
				const uint8_t b32 = (uint8_t)(tr ? i : j);
				const uint8_t b33 = (uint8_t)(tr ? j : i);

				assert_int_equal(pouch_mlkem_sample_ntt_vartime(
				    c, mdc, rho, b32, b33, &b[0]), POUCH_OK);
				assert_memory_equal(&a[k * i + j], &b[0],
				    sizeof(b[0]));
				longer += bytes_needed(rho, b32, b33) > 504;
			}
	}
	assert_true(longer > 0);
	EVP_MD_CTX_free(mdc);
	pouch_mlkem_ctx_free(c);
}

/* PRF + CBD four at a time is PRF + CBD one at a time. */
static void
simd_cbd_matches_portable(void **state)
{
	struct pouch_mlkem_ctx *c = NULL;
	struct pouch_mlkem_poly a[9], b[9];
	struct pouch_mlkem_poly *pa[9], *pb[9];
	uint8_t seed[32];
	EVP_MD_CTX *mdc;
	uint64_t s = 13;
	unsigned t, i, n, eta;

	(void)state;
	simd_setup(&c, &mdc);
	for (i = 0; i < 9; i++) {
		pa[i] = &a[i];
		pb[i] = &b[i];
	}
	for (t = 0; t < 60; t++) {
		for (i = 0; i < sizeof(seed); i++)
			seed[i] = (uint8_t)next(&s);
		n = 1 + t % 9;
		eta = 2 + (t & 1);
		pouch_mlkem_ctx_set_simd(c, 1);
		memset(a, 0xff, sizeof(a));
		assert_int_equal(pouch_mlkem_sample_cbd_many(c, mdc, seed,
		    (uint8_t)(t * 7), eta, pa, n), POUCH_OK);
		pouch_mlkem_ctx_set_simd(c, 0);
		memset(b, 0xff, sizeof(b));
		assert_int_equal(pouch_mlkem_sample_cbd_many(c, mdc, seed,
		    (uint8_t)(t * 7), eta, pb, n), POUCH_OK);
		assert_memory_equal(a, b, sizeof(a));
	}
	EVP_MD_CTX_free(mdc);
	pouch_mlkem_ctx_free(c);
}

/*
 * The scheduler's matrix + noise pass is the matrix and the noise one at
 * a time (portable path), for every k, both orders, eta 2 and 3.
 */
static void
simd_matrix_noise_matches_portable(void **state)
{
	struct pouch_mlkem_ctx *c = NULL;
	struct pouch_mlkem_poly a[16], b[16], fa[9], fb[9];
	struct pouch_mlkem_poly *pa[9], *pb[9];
	uint8_t rho[32], seed[32];
	EVP_MD_CTX *mdc;
	uint64_t s = 14;
	unsigned t, i, k, tr, n, n1, eta1;

	(void)state;
	simd_setup(&c, &mdc);
	for (i = 0; i < 9; i++) {
		pa[i] = &fa[i];
		pb[i] = &fb[i];
	}
	for (t = 0; t < 90; t++) {
		for (i = 0; i < sizeof(rho); i++) {
			rho[i] = (uint8_t)next(&s);
			seed[i] = (uint8_t)next(&s);
		}
		k = 2 + t % 3;
		tr = (t >> 1) & 1;
		n = t % 10;			/* 0 .. 9 noise polynomials */
		n1 = n / 2;
		eta1 = 2 + ((t >> 2) & 1);
		pouch_mlkem_ctx_set_simd(c, 1);
		memset(a, 0xff, sizeof(a));
		memset(fa, 0xff, sizeof(fa));
		assert_int_equal(pouch_mlkem_sample_matrix_noise(c, mdc, k, rho,
		    (int)tr, a, seed, eta1, n1, 2, pa, n), POUCH_OK);
		pouch_mlkem_ctx_set_simd(c, 0);
		memset(b, 0xff, sizeof(b));
		memset(fb, 0xff, sizeof(fb));
		assert_int_equal(pouch_mlkem_sample_matrix_vartime(c, mdc, k,
		    rho, (int)tr, b), POUCH_OK);
		assert_int_equal(pouch_mlkem_sample_cbd_many(c, mdc, seed, 0,
		    eta1, pb, n1), POUCH_OK);
		assert_int_equal(pouch_mlkem_sample_cbd_many(c, mdc, seed,
		    (uint8_t)n1, 2, pb + n1, n - n1), POUCH_OK);
		assert_memory_equal(a, b, k * k * sizeof(a[0]));
		assert_memory_equal(fa, fb, sizeof(fa));
		/* And the portable path of the same function agrees. */
		memset(fb, 0xff, sizeof(fb));
		assert_int_equal(pouch_mlkem_sample_matrix_noise(c, mdc, k, rho,
		    (int)tr, b, seed, eta1, n1, 2, pb, n), POUCH_OK);
		assert_memory_equal(a, b, k * k * sizeof(a[0]));
		assert_memory_equal(fa, fb, sizeof(fa));
	}
	assert_int_equal(pouch_mlkem_sample_matrix_noise(c, mdc, 5, rho, 0,
	    a, seed, 2, 0, 2, pa, 0), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_sample_matrix_noise(c, mdc, 3, rho, 0,
	    a, seed, 2, 3, 2, pa, 2), POUCH_E_MISUSE);
	EVP_MD_CTX_free(mdc);
	pouch_mlkem_ctx_free(c);
}

/*
 * SHA3-256 in a lane of the scheduler is OpenSSL's SHA3-256, for every
 * length around the block edges and an ek's, and the matrix beside it is
 * the matrix.
 */
static void
simd_matrix_hash_matches_portable(void **state)
{
	static const size_t lens[] = { 0, 1, 7, 8, 31, 32, 33, 34, 127, 128,
	    134, 135, 136, 137, 143, 144, 271, 272, 273, 800, 1184, 1568,
	    1632, 2400 };
	struct pouch_mlkem_ctx *c = NULL;
	struct pouch_mlkem_poly a[16], b[16];
	uint8_t rho[32], msg[2400], ha[32], hb[32];
	EVP_MD_CTX *mdc;
	uint64_t s = 15;
	unsigned t, i, k;

	(void)state;
	simd_setup(&c, &mdc);
	for (t = 0; t < 2 * sizeof(lens) / sizeof(lens[0]); t++) {
		for (i = 0; i < sizeof(rho); i++)
			rho[i] = (uint8_t)next(&s);
		for (i = 0; i < sizeof(msg); i++)
			msg[i] = (uint8_t)next(&s);
		k = 2 + t % 3;
		pouch_mlkem_ctx_set_simd(c, 1);
		memset(ha, 0xee, sizeof(ha));
		assert_int_equal(pouch_mlkem_sample_matrix_hash(c, mdc, k, rho,
		    (int)(t & 1), a, msg, lens[t / 2], ha), POUCH_OK);
		pouch_mlkem_ctx_set_simd(c, 0);
		assert_int_equal(pouch_mlkem_sample_matrix_vartime(c, mdc, k,
		    rho, (int)(t & 1), b), POUCH_OK);
		assert_int_equal(pouch_mlkem_digest(mdc, c->sha3_256, msg,
		    lens[t / 2], NULL, 0, hb, sizeof(hb)), POUCH_OK);
		assert_memory_equal(a, b, k * k * sizeof(a[0]));
		assert_memory_equal(ha, hb, sizeof(ha));
		memset(hb, 0xee, sizeof(hb));
		assert_int_equal(pouch_mlkem_sample_matrix_hash(c, mdc, k, rho,
		    (int)(t & 1), b, msg, lens[t / 2], hb), POUCH_OK);
		assert_memory_equal(a, b, k * k * sizeof(a[0]));
		assert_memory_equal(ha, hb, sizeof(ha));
	}
	EVP_MD_CTX_free(mdc);
	pouch_mlkem_ctx_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forced_rare_path_same_polynomials),
		cmocka_unit_test(forced_rare_path_same_keys),
		cmocka_unit_test(xof_first_hook_clamps),
		cmocka_unit_test(cbd_matches_definition),
		cmocka_unit_test(simd_matrix_matches_portable),
		cmocka_unit_test(simd_cbd_matches_portable),
		cmocka_unit_test(simd_matrix_noise_matches_portable),
		cmocka_unit_test(simd_matrix_hash_matches_portable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
