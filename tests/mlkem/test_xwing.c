/*
 * test_xwing.c - X-Wing (src/mlkem/xwing.c): round trips through the
 * typed and the (pointer, length) functions, determinism of the derand
 * forms, implicit rejection (a tampered ciphertext, in its ML-KEM or its
 * X25519 part, still decapsulates, to another secret), the length rules
 * (wrong output or eseed sizes and NULL are POUCH_E_MISUSE, wrong input
 * sizes BAD_KEY / MALFORMED, outputs zeroed), a public key whose ML-KEM
 * part fails the FIPS 203 7.2 check (POUCH_E_BAD_KEY), and small-order
 * X25519 points, which the draft does not refuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "mlkem/xwing.h"

struct fx {
	struct pouch_crypto	*c;
	struct pouch_mlkem_ctx	*m;
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

static int
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void
test_roundtrip(void **state)
{
	struct fx *f = *state;
	struct pouch_xwing_sk sk;
	struct pouch_xwing_pk pk, pk2;
	struct pouch_xwing_ct ct;
	uint8_t ss[XWING_SS_BYTES], ss2[XWING_SS_BYTES];
	int i;

	for (i = 0; i < 4; i++) {
		assert_int_equal(pouch_xwing_keygen(f->c, f->m, &sk, &pk),
		    POUCH_OK);
		assert_int_equal(pouch_xwing_keygen_derand(f->c, f->m, &sk,
		    &pk2), POUCH_OK);
		assert_memory_equal(pk.b, pk2.b, sizeof(pk.b));
		assert_int_equal(pouch_xwing_encaps(f->c, f->m, &pk, &ct, ss),
		    POUCH_OK);
		assert_int_equal(pouch_xwing_decaps(f->c, f->m, &sk, &ct,
		    ss2), POUCH_OK);
		assert_memory_equal(ss, ss2, sizeof(ss));
		assert_false(all_zero(ss, sizeof(ss)));
	}
}

static void
test_bytes_roundtrip_and_derand(void **state)
{
	struct fx *f = *state;
	uint8_t sk[XWING_SK_BYTES], pk[XWING_PK_BYTES], eseed[64];
	uint8_t ct[XWING_CT_BYTES], ct2[XWING_CT_BYTES];
	uint8_t ss[32], ss2[32], ss3[32];

	memset(sk, 0x42, sizeof(sk));
	memset(eseed, 0x17, sizeof(eseed));
	assert_int_equal(pouch_xwing_keygen_derand_bytes(f->c, f->m, sk,
	    sizeof(sk), pk, sizeof(pk)), POUCH_OK);
	assert_int_equal(pouch_xwing_encaps_bytes(f->c, f->m, pk, sizeof(pk),
	    eseed, sizeof(eseed), ct, sizeof(ct), ss), POUCH_OK);
	assert_int_equal(pouch_xwing_encaps_bytes(f->c, f->m, pk, sizeof(pk),
	    eseed, sizeof(eseed), ct2, sizeof(ct2), ss2), POUCH_OK);
	assert_memory_equal(ct, ct2, sizeof(ct));
	assert_memory_equal(ss, ss2, sizeof(ss));
	assert_int_equal(pouch_xwing_decaps_bytes(f->c, f->m, sk, sizeof(sk),
	    ct, sizeof(ct), ss3), POUCH_OK);
	assert_memory_equal(ss, ss3, sizeof(ss));
	/* fresh randomness: another ciphertext, same agreement */
	assert_int_equal(pouch_xwing_encaps_bytes(f->c, f->m, pk, sizeof(pk),
	    NULL, 0, ct2, sizeof(ct2), ss2), POUCH_OK);
	assert_memory_not_equal(ct, ct2, sizeof(ct));
	assert_int_equal(pouch_xwing_decaps_bytes(f->c, f->m, sk, sizeof(sk),
	    ct2, sizeof(ct2), ss3), POUCH_OK);
	assert_memory_equal(ss2, ss3, sizeof(ss2));
}

/* Flip one bit at each offset: POUCH_OK, a different, stable secret. */
static void
test_tampered_ct_implicitly_rejected(void **state)
{
	static const size_t offs[] = { 0, 500, 1087, 1088, 1100, 1119 };
	struct fx *f = *state;
	struct pouch_xwing_sk sk;
	struct pouch_xwing_pk pk;
	struct pouch_xwing_ct ct;
	uint8_t ss[32], bad[32], again[32];
	size_t i;

	assert_int_equal(pouch_xwing_keygen(f->c, f->m, &sk, &pk), POUCH_OK);
	assert_int_equal(pouch_xwing_encaps(f->c, f->m, &pk, &ct, ss),
	    POUCH_OK);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		ct.b[offs[i]] ^= 0x04;
		assert_int_equal(pouch_xwing_decaps(f->c, f->m, &sk, &ct, bad),
		    POUCH_OK);
		assert_memory_not_equal(ss, bad, sizeof(ss));
		assert_int_equal(pouch_xwing_decaps(f->c, f->m, &sk, &ct,
		    again), POUCH_OK);
		assert_memory_equal(bad, again, sizeof(bad));
		ct.b[offs[i]] ^= 0x04;
	}
	assert_int_equal(pouch_xwing_decaps(f->c, f->m, &sk, &ct, bad),
	    POUCH_OK);
	assert_memory_equal(ss, bad, sizeof(ss));
}

static void
test_wrong_lengths(void **state)
{
	struct fx *f = *state;
	uint8_t sk[XWING_SK_BYTES + 1], pk[XWING_PK_BYTES + 1];
	uint8_t ct[XWING_CT_BYTES + 1], eseed[65], ss[32];

	memset(sk, 1, sizeof(sk));
	memset(eseed, 2, sizeof(eseed));
	assert_int_equal(pouch_xwing_keygen_derand_bytes(f->c, f->m, sk,
	    XWING_SK_BYTES, pk, XWING_PK_BYTES), POUCH_OK);
	/* output buffers and eseed of the wrong size: the caller's bug */
	assert_int_equal(pouch_xwing_keygen_derand_bytes(f->c, f->m, sk,
	    XWING_SK_BYTES, pk, XWING_PK_BYTES + 1), POUCH_E_MISUSE);
	assert_int_equal(pouch_xwing_keygen_derand_bytes(f->c, f->m, sk,
	    XWING_SK_BYTES, pk, XWING_PK_BYTES - 1), POUCH_E_MISUSE);
	assert_int_equal(pouch_xwing_keygen_derand_bytes(f->c, f->m, sk,
	    XWING_SK_BYTES, pk, XWING_PK_BYTES), POUCH_OK);
	memset(ss, 0xaa, sizeof(ss));
	assert_int_equal(pouch_xwing_encaps_bytes(f->c, f->m, pk,
	    XWING_PK_BYTES, eseed, 64, ct, XWING_CT_BYTES - 1, ss),
	    POUCH_E_MISUSE);
	assert_true(all_zero(ss, sizeof(ss)));
	memset(ct, 0xaa, sizeof(ct));
	assert_int_equal(pouch_xwing_encaps_bytes(f->c, f->m, pk,
	    XWING_PK_BYTES, eseed, 63, ct, XWING_CT_BYTES, ss),
	    POUCH_E_MISUSE);
	assert_true(all_zero(ct, XWING_CT_BYTES));
	assert_int_equal(pouch_xwing_encaps_bytes(f->c, f->m, pk,
	    XWING_PK_BYTES, eseed, 65, ct, XWING_CT_BYTES, ss),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_xwing_encaps_bytes(f->c, f->m, pk,
	    XWING_PK_BYTES, NULL, 64, ct, XWING_CT_BYTES, ss),
	    POUCH_E_MISUSE);
	/* NULL pointers */
	assert_int_equal(pouch_xwing_keygen_derand_bytes(NULL, f->m, sk,
	    XWING_SK_BYTES, pk, XWING_PK_BYTES), POUCH_E_MISUSE);
	assert_int_equal(pouch_xwing_keygen_derand_bytes(f->c, NULL, sk,
	    XWING_SK_BYTES, pk, XWING_PK_BYTES), POUCH_E_MISUSE);
	assert_int_equal(pouch_xwing_keygen_derand_bytes(f->c, f->m, sk,
	    XWING_SK_BYTES, pk, XWING_PK_BYTES), POUCH_OK);
	assert_int_equal(pouch_xwing_encaps_bytes(f->c, f->m, NULL,
	    XWING_PK_BYTES, NULL, 0, ct, XWING_CT_BYTES, ss), POUCH_E_MISUSE);
	assert_int_equal(pouch_xwing_decaps_bytes(f->c, f->m, sk,
	    XWING_SK_BYTES, NULL, XWING_CT_BYTES, ss), POUCH_E_MISUSE);
	assert_int_equal(pouch_xwing_keygen(f->c, f->m, NULL, NULL),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_xwing_decaps(f->c, f->m, NULL, NULL, ss),
	    POUCH_E_MISUSE);
	/* inputs of the wrong size: hostile */
	assert_int_equal(pouch_xwing_keygen_derand_bytes(f->c, f->m, sk,
	    XWING_SK_BYTES + 1, pk, XWING_PK_BYTES), POUCH_E_BAD_KEY);
	assert_true(all_zero(pk, XWING_PK_BYTES));
	assert_int_equal(pouch_xwing_keygen_derand_bytes(f->c, f->m, sk,
	    XWING_SK_BYTES, pk, XWING_PK_BYTES), POUCH_OK);
	assert_int_equal(pouch_xwing_encaps_bytes(f->c, f->m, pk,
	    XWING_PK_BYTES - 1, NULL, 0, ct, XWING_CT_BYTES, ss),
	    POUCH_E_BAD_KEY);
	assert_int_equal(pouch_xwing_encaps_bytes(f->c, f->m, pk,
	    XWING_PK_BYTES + 1, NULL, 0, ct, XWING_CT_BYTES, ss),
	    POUCH_E_BAD_KEY);
	assert_int_equal(pouch_xwing_encaps_bytes(f->c, f->m, pk,
	    XWING_PK_BYTES, NULL, 0, ct, XWING_CT_BYTES, ss), POUCH_OK);
	memset(ss, 0xaa, sizeof(ss));
	assert_int_equal(pouch_xwing_decaps_bytes(f->c, f->m, sk,
	    XWING_SK_BYTES - 1, ct, XWING_CT_BYTES, ss), POUCH_E_BAD_KEY);
	assert_true(all_zero(ss, sizeof(ss)));
	assert_int_equal(pouch_xwing_decaps_bytes(f->c, f->m, sk,
	    XWING_SK_BYTES, ct, XWING_CT_BYTES + 1, ss), POUCH_E_MALFORMED);
	assert_int_equal(pouch_xwing_decaps_bytes(f->c, f->m, sk,
	    XWING_SK_BYTES, ct, XWING_CT_BYTES - 1, ss), POUCH_E_MALFORMED);
}

/* A coefficient of q or more in ek_M fails the 7.2 check: EncapError. */
static void
test_invalid_mlkem_part_bad_key(void **state)
{
	struct fx *f = *state;
	struct pouch_xwing_sk sk;
	struct pouch_xwing_pk pk;
	struct pouch_xwing_ct ct;
	uint8_t eseed[64], ss[32];

	memset(eseed, 3, sizeof(eseed));
	assert_int_equal(pouch_xwing_keygen(f->c, f->m, &sk, &pk), POUCH_OK);
	/* first coefficient = 0xfff (> q = 3329): bytes 0 and low nibble 1 */
	pk.b[0] = 0xff;
	pk.b[1] |= 0x0f;
	memset(ss, 0xaa, sizeof(ss));
	memset(ct.b, 0xaa, sizeof(ct.b));
	assert_int_equal(pouch_xwing_encaps(f->c, f->m, &pk, &ct, ss),
	    POUCH_E_BAD_KEY);
	assert_true(all_zero(ss, sizeof(ss)));
	assert_true(all_zero(ct.b, sizeof(ct.b)));
	assert_int_equal(pouch_xwing_encaps_derand(f->c, f->m, &pk, eseed,
	    &ct, ss), POUCH_E_BAD_KEY);
	assert_int_equal(pouch_xwing_encaps_bytes(f->c, f->m, pk.b,
	    sizeof(pk.b), eseed, sizeof(eseed), ct.b, sizeof(ct.b), ss),
	    POUCH_E_BAD_KEY);
}

/*
 * The draft keeps an all-zero X25519 output: pk_X or ct_X of small order
 * (here u = 0 and u = 1) still gives POUCH_OK and both sides agree on
 * the secret, which then rests on ML-KEM alone.
 */
static void
test_small_order_x25519_kept(void **state)
{
	static const uint8_t low[2][32] = { { 0 }, { 1 } };
	struct fx *f = *state;
	struct pouch_xwing_sk sk;
	struct pouch_xwing_pk pk;
	struct pouch_xwing_ct ct;
	uint8_t ss[32], ss2[32];
	int i;

	for (i = 0; i < 2; i++) {
		assert_int_equal(pouch_xwing_keygen(f->c, f->m, &sk, &pk),
		    POUCH_OK);
		assert_int_equal(pouch_xwing_encaps(f->c, f->m, &pk, &ct, ss),
		    POUCH_OK);
		memcpy(ct.b + 1088, low[i], 32);
		assert_int_equal(pouch_xwing_decaps(f->c, f->m, &sk, &ct, ss2),
		    POUCH_OK);
		assert_memory_not_equal(ss, ss2, sizeof(ss));
		memcpy(pk.b + 1184, low[i], 32);
		assert_int_equal(pouch_xwing_encaps(f->c, f->m, &pk, &ct, ss),
		    POUCH_OK);
		assert_false(all_zero(ss, sizeof(ss)));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bytes_roundtrip_and_derand),
		cmocka_unit_test(test_tampered_ct_implicitly_rejected),
		cmocka_unit_test(test_wrong_lengths),
		cmocka_unit_test(test_invalid_mlkem_part_bad_key),
		cmocka_unit_test(test_small_order_x25519_kept),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
