/*
 * test_keccak.c - the four-way AVX2 SHAKE of src/mlkem/keccak_avx2.c
 * against OpenSSL's SHAKE128 and SHAKE256: every message length up to
 * the rate minus one, four different messages per call, several blocks
 * squeezed in two steps (as SampleNTT does).  A second pass gives each
 * call heap buffers of exactly the message and output sizes, so that
 * the sanitizer build catches a read or write past them (absorb and
 * squeeze move four lanes, 32 bytes, at a time).  Skipped (and said so)
 * on a CPU without AVX2 or a build without the AVX2 code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "mlkem/mlkem.h"

#ifdef POUCH_MLKEM_AVX2

#define NBLOCKS	5

static void
shake_ref(const char *name, const uint8_t *in, size_t inlen, uint8_t *out,
    size_t outlen)
{
	EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	assert_non_null(md);
	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, md, NULL), 1);
	assert_int_equal(EVP_DigestUpdate(c, in, inlen), 1);
	assert_int_equal(EVP_DigestFinalXOF(c, out, outlen), 1);
	EVP_MD_CTX_free(c);
	EVP_MD_free(md);
}

static void
check_rate(const char *name, size_t rate)
{
	static uint8_t msg[4][POUCH_KECCAK_RATE_MAX];
	static uint8_t got[4][NBLOCKS * POUCH_KECCAK_RATE_MAX];
	static uint8_t want[NBLOCKS * POUCH_KECCAK_RATE_MAX];
	struct pouch_mlkem_keccakx4 k;
	const uint8_t *in[4];
	uint8_t *out[4], *out2[4];
	size_t len, i, j;

	for (j = 0; j < 4; j++)
		for (i = 0; i < sizeof(msg[j]); i++)
			msg[j][i] = (uint8_t)(i * 7 + j * 131 + 1);
	for (len = 0; len < rate; len++) {
		for (j = 0; j < 4; j++) {
			in[j] = msg[j];
			out[j] = got[j];
			out2[j] = got[j] + 2 * rate;
		}
		memset(got, 0, sizeof(got));
		pouch_mlkem_keccakx4_absorb(&k, rate, in, len);
		pouch_mlkem_keccakx4_squeeze(&k, rate, out, 2);
		pouch_mlkem_keccakx4_squeeze(&k, rate, out2, NBLOCKS - 2);
		for (j = 0; j < 4; j++) {
			shake_ref(name, msg[j], len, want, NBLOCKS * rate);
			if (memcmp(got[j], want, NBLOCKS * rate) != 0)
				fail_msg("%s: length %zu, state %zu differs",
				    name, len, j);
		}
	}
}

/* The same with buffers of exactly inlen and nblocks * rate bytes. */
static void
check_exact(const char *name, size_t rate)
{
	static uint8_t want[NBLOCKS * POUCH_KECCAK_RATE_MAX];
	struct pouch_mlkem_keccakx4 k;
	uint8_t *msg[4], *out[4];
	size_t len, nb, i, j;

	for (len = 0; len < rate; len++) {
		for (nb = 1; nb <= NBLOCKS; nb += NBLOCKS - 1) {
			for (j = 0; j < 4; j++) {
				/* Never malloc(0): it may return NULL. */
				msg[j] = malloc(len > 0 ? len : 1);
				out[j] = malloc(nb * rate);
				assert_non_null(msg[j]);
				assert_non_null(out[j]);
				for (i = 0; i < len; i++)
					msg[j][i] = (uint8_t)(i * 13 + j * 71 +
					    len);
			}
			pouch_mlkem_keccakx4_absorb(&k, rate,
			    (const uint8_t *const *)msg, len);
			pouch_mlkem_keccakx4_squeeze(&k, rate, out, nb);
			for (j = 0; j < 4; j++) {
				shake_ref(name, msg[j], len, want, nb * rate);
				if (memcmp(out[j], want, nb * rate) != 0)
					fail_msg("%s: exact length %zu, %zu "
					    "blocks, state %zu differs", name,
					    len, nb, j);
				free(msg[j]);
				free(out[j]);
			}
		}
	}
}

static void
shake128x4(void **state)
{
	(void)state;
	if (!pouch_mlkem_avx2_usable())
		skip();
	check_rate("SHAKE128", POUCH_SHAKE128_RATE);
	check_exact("SHAKE128", POUCH_SHAKE128_RATE);
}

static void
shake256x4(void **state)
{
	(void)state;
	if (!pouch_mlkem_avx2_usable())
		skip();
	check_rate("SHAKE256", POUCH_SHAKE256_RATE);
	check_exact("SHAKE256", POUCH_SHAKE256_RATE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shake128x4),
		cmocka_unit_test(shake256x4),
	};

	return cmocka_run_group_tests_name("mlkem keccak", tests, NULL,
	    NULL);
}

#else

int
main(void)
{
	printf("mlkem keccak: no AVX2 code in this build, nothing to test\n");
	return 0;
}

#endif
