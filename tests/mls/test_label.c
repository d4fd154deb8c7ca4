/*
 * test_label.c - the RFC 9420 labelled operations beyond what
 * crypto-basics.json checks: the encoded label structs (checked against an
 * independent encoding built here byte by byte), the heap path for large
 * contexts, label limits, misuse, that every suite's EncryptWithLabel
 * binds the label and the context, and that SignWithLabel with a loaded
 * key signs what the one-shot form signs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "hpke/hpke.h"
#include "mls/suite.h"

static struct pouch_crypto *c;

static int
setup(void **state)
{
	(void)state;
	return pouch_crypto_new(&c) == POUCH_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	pouch_crypto_free(c);
	return 0;
}

/* ExpandWithLabel equals HKDF-Expand over a KDFLabel encoded by hand. */
static void
expand_with_label_matches_manual_kdflabel(void **state)
{
	const struct pouch_mls_suite *s = pouch_mls_suite_get(1);
	uint8_t secret[32], ctx[3] = { 1, 2, 3 }, info[64], a[40], b[40];
	size_t n = 0;

	(void)state;
	memset(secret, 0x42, sizeof(secret));
	info[n++] = 0;
	info[n++] = 40;			/* uint16 length */
	info[n++] = 8 + 3;		/* label<V> */
	memcpy(info + n, "MLS 1.0 abc", 11);
	n += 11;
	info[n++] = 3;			/* context<V> */
	memcpy(info + n, ctx, 3);
	n += 3;
	assert_int_equal(pouch_hkdf_expand(c, POUCH_SHA256, secret, 32, info,
	    n, a, sizeof(a)), POUCH_OK);
	assert_int_equal(pouch_mls_expand_with_label(c, s, secret, 32, "abc",
	    ctx, 3, b, sizeof(b)), POUCH_OK);
	assert_memory_equal(a, b, sizeof(a));
}

/* A context too large for the stack buffer takes the heap path. */
static void
expand_with_label_large_context(void **state)
{
	const struct pouch_mls_suite *s = pouch_mls_suite_get(7);
	uint8_t secret[48] = { 7 }, out1[48], out2[48];
	uint8_t *ctx = calloc(1, 4000);

	(void)state;
	assert_non_null(ctx);
	assert_int_equal(pouch_mls_expand_with_label(c, s, secret, 48, "big",
	    ctx, 4000, out1, 48), POUCH_OK);
	ctx[3999] = 1;
	assert_int_equal(pouch_mls_expand_with_label(c, s, secret, 48, "big",
	    ctx, 4000, out2, 48), POUCH_OK);
	assert_memory_not_equal(out1, out2, 48);
	free(ctx);
}

static void
derive_tree_secret_is_expand_with_generation(void **state)
{
	const struct pouch_mls_suite *s = pouch_mls_suite_get(3);
	uint8_t secret[32] = { 9 }, gen[4] = { 0x12, 0x34, 0x56, 0x78 };
	uint8_t a[32], b[32];

	(void)state;
	assert_int_equal(pouch_mls_derive_tree_secret(c, s, secret, 32, "key",
	    0x12345678, a, 32), POUCH_OK);
	assert_int_equal(pouch_mls_expand_with_label(c, s, secret, 32, "key",
	    gen, 4, b, 32), POUCH_OK);
	assert_memory_equal(a, b, 32);
}

static void
labels_limits_and_misuse(void **state)
{
	const struct pouch_mls_suite *s = pouch_mls_suite_get(1);
	char label[POUCH_MLS_LABEL_MAX + 2];
	uint8_t secret[32] = { 0 }, out[32];

	(void)state;
	memset(label, 'a', sizeof(label) - 1);
	label[sizeof(label) - 1] = '\0';
	assert_int_equal(pouch_mls_expand_with_label(c, s, secret, 32, label,
	    NULL, 0, out, 32), POUCH_E_MISUSE);
	label[POUCH_MLS_LABEL_MAX] = '\0';
	assert_int_equal(pouch_mls_expand_with_label(c, s, secret, 32, label,
	    NULL, 0, out, 32), POUCH_OK);
	assert_int_equal(pouch_mls_expand_with_label(c, s, secret, 32, NULL,
	    NULL, 0, out, 32), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_expand_with_label(c, NULL, secret, 32, "a",
	    NULL, 0, out, 32), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_expand_with_label(c, s, secret, 32, "a",
	    NULL, 5, out, 32), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_expand_with_label(c, s, secret, 32, "a",
	    NULL, 0, out, 70000), POUCH_E_MISUSE);
	assert_null(pouch_mls_suite_get(0));
	assert_null(pouch_mls_suite_get(8));
}

/* Every suite: sign/verify and encrypt/decrypt bind label and content. */
static void
every_suite_binds_label_and_context(void **state)
{
	const uint16_t *ids;
	size_t nids, i;

	(void)state;
	ids = pouch_mls_suite_ids(&nids);
	assert_int_equal(nids, 8);
	assert_int_equal(ids[7], POUCH_MLS_SUITE_HYBRID);
	for (i = 0; i < nids; i++) {
		const struct pouch_mls_suite *s = pouch_mls_suite_get(ids[i]);
		uint8_t spriv[POUCH_SIG_PRIV_MAX], spub[POUCH_SIG_PUB_MAX];
		uint8_t sig[POUCH_SIG_MAX], sk[POUCH_HPKE_SK_MAX];
		uint8_t pk[POUCH_HPKE_PK_MAX], kem[POUCH_HPKE_ENC_MAX];
		uint8_t ct[64], pt[64];
		size_t siglen, skn, pkn, kemn, ctn, ptn;

		assert_non_null(s);
		assert_int_equal(s->id, ids[i]);
		assert_int_equal(s->nh, pouch_hash_len(s->hash));
		assert_int_equal(pouch_sig_keygen(c, s->sig, spriv, spub),
		    POUCH_OK);
		assert_int_equal(pouch_mls_sign_with_label(c, s, spriv,
		    pouch_sig_priv_len(s->sig), "L", (const uint8_t *)"msg", 3,
		    sig, sizeof(sig), &siglen), POUCH_OK);
		assert_int_equal(pouch_mls_verify_with_label(c, s, spub,
		    pouch_sig_pub_len(s->sig), "L", (const uint8_t *)"msg", 3,
		    sig, siglen), POUCH_OK);
		assert_int_equal(pouch_mls_verify_with_label(c, s, spub,
		    pouch_sig_pub_len(s->sig), "M", (const uint8_t *)"msg", 3,
		    sig, siglen), POUCH_E_BAD_SIGNATURE);
		assert_int_equal(pouch_mls_verify_with_label(c, s, spub,
		    pouch_sig_pub_len(s->sig), "L", (const uint8_t *)"msh", 3,
		    sig, siglen), POUCH_E_BAD_SIGNATURE);

		assert_int_equal(pouch_hpke_generate_keypair(c, s->hpke_kem,
		    sk, sizeof(sk), &skn, pk, sizeof(pk), &pkn), POUCH_OK);
		assert_int_equal(pouch_mls_encrypt_with_label(c, s, pk, pkn,
		    "L", (const uint8_t *)"ctx", 3, (const uint8_t *)"secret",
		    6, kem, sizeof(kem), &kemn, ct, sizeof(ct), &ctn),
		    POUCH_OK);
		assert_int_equal(pouch_mls_decrypt_with_label(c, s, sk, skn,
		    "L", (const uint8_t *)"ctx", 3, kem, kemn, ct, ctn, pt,
		    sizeof(pt), &ptn), POUCH_OK);
		assert_int_equal(ptn, 6);
		assert_memory_equal(pt, "secret", 6);
		assert_int_equal(pouch_mls_decrypt_with_label(c, s, sk, skn,
		    "M", (const uint8_t *)"ctx", 3, kem, kemn, ct, ctn, pt,
		    sizeof(pt), &ptn), POUCH_E_DECRYPT);
		assert_int_equal(pouch_mls_decrypt_with_label(c, s, sk, skn,
		    "L", (const uint8_t *)"cty", 3, kem, kemn, ct, ctn, pt,
		    sizeof(pt), &ptn), POUCH_E_DECRYPT);
	}
}

/*
 * SignWithLabel with a loaded key signs the same SignContent: EdDSA is
 * deterministic, so both forms give the same signature; every suite's
 * verifies; a bad label or buffer is refused.
 */
static void
sign_with_loaded_key_same_as_one_shot(void **state)
{
	const uint16_t *ids;
	size_t nids, i, n1, n2;

	(void)state;
	ids = pouch_mls_suite_ids(&nids);
	for (i = 0; i < nids; i++) {
		const struct pouch_mls_suite *s = pouch_mls_suite_get(ids[i]);
		uint8_t priv[POUCH_SIG_PRIV_MAX], pub[POUCH_SIG_PUB_MAX];
		uint8_t s1[POUCH_SIG_MAX], s2[POUCH_SIG_MAX];
		struct pouch_sig_key *k = NULL;

		assert_int_equal(pouch_sig_keygen(c, s->sig, priv, pub),
		    POUCH_OK);
		assert_int_equal(pouch_sig_key_new(c, s->sig,
		    POUCH_IMPL_DEFAULT, priv, pouch_sig_priv_len(s->sig), &k),
		    POUCH_OK);
		assert_int_equal(pouch_mls_sign_with_label_key(k, "L",
		    (const uint8_t *)"msg", 3, s2, sizeof(s2), &n2), POUCH_OK);
		assert_int_equal(pouch_mls_verify_with_label(c, s, pub,
		    pouch_sig_pub_len(s->sig), "L", (const uint8_t *)"msg", 3,
		    s2, n2), POUCH_OK);
		if (s->sig == POUCH_SIG_ED25519 || s->sig == POUCH_SIG_ED448) {
			assert_int_equal(pouch_mls_sign_with_label(c, s, priv,
			    pouch_sig_priv_len(s->sig), "L",
			    (const uint8_t *)"msg", 3, s1, sizeof(s1), &n1),
			    POUCH_OK);
			assert_int_equal(n1, n2);
			assert_memory_equal(s1, s2, n1);
		}
		assert_int_equal(pouch_mls_sign_with_label_key(k, NULL,
		    (const uint8_t *)"msg", 3, s2, sizeof(s2), &n2),
		    POUCH_E_MISUSE);
		assert_int_equal(n2, 0);
		assert_int_equal(pouch_mls_sign_with_label_key(NULL, "L",
		    (const uint8_t *)"msg", 3, s2, sizeof(s2), &n2),
		    POUCH_E_MISUSE);
		pouch_sig_key_free(k);
	}
}

/* KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", kp). */
static void
key_package_ref_uses_its_label(void **state)
{
	const struct pouch_mls_suite *s = pouch_mls_suite_get(1);
	uint8_t a[32], b[32], c2[32];

	(void)state;
	assert_int_equal(pouch_mls_key_package_ref(c, s,
	    (const uint8_t *)"kp", 2, a), POUCH_OK);
	assert_int_equal(pouch_mls_ref_hash(c, s,
	    "MLS 1.0 KeyPackage Reference", (const uint8_t *)"kp", 2, b),
	    POUCH_OK);
	assert_memory_equal(a, b, 32);
	assert_int_equal(pouch_mls_proposal_ref(c, s,
	    (const uint8_t *)"kp", 2, c2), POUCH_OK);
	assert_memory_not_equal(a, c2, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(expand_with_label_matches_manual_kdflabel),
		cmocka_unit_test(expand_with_label_large_context),
		cmocka_unit_test(derive_tree_secret_is_expand_with_generation),
		cmocka_unit_test(labels_limits_and_misuse),
		cmocka_unit_test(every_suite_binds_label_and_context),
		cmocka_unit_test(key_package_ref_uses_its_label),
		cmocka_unit_test(sign_with_loaded_key_same_as_one_shot),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
