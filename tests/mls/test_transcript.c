/*
 * test_transcript.c - src/mls/transcript.c (RFC 9420 8.2).
 *
 * A known answer (transcript-hashes.json, suite 1: the tag is the last 33
 * bytes of the AuthenticatedContent, a 1-byte length and 32 bytes of MAC),
 * the exact hash inputs (interim || input; confirmed || opaque tag<V>),
 * epoch 0's empty interim hash, aliasing of out and interim, and the
 * constant-time verifier refusing a flipped bit, a short or a long tag.
 */
#include "crypto/crypto_test.h"
#include "mls/transcript.h"
#include "transcript_fixture.h"

static void
known_answer(void **state)
{
	const struct pouch_crypto *c = *state;
	const struct pouch_mls_suite *s = pouch_mls_suite_get(1);
	uint8_t ac[256], key[32], before[32], cth[32], ith[32], tag[32];
	size_t aclen, inlen;

	aclen = unhex(AC, ac, sizeof(ac));
	inlen = aclen - 33;
	assert_int_equal(ac[inlen], 32);
	unhex("26ae359a9a9760cd1066cae16f1456ea7eaf52bd85d5dba5bb15cca04a90c83f",
	    key, 32);
	unhex("2597552c42df799cd70e99c77c4f80e834a9418096a0b2c7bc66afbc48eebaa6",
	    before, 32);
	assert_int_equal(pouch_mls_confirmed_transcript_hash(c, s, before, 32,
	    ac, inlen, cth), POUCH_OK);
	assert_hex_equal(cth, 32,
	    "51a85b21149c86f3f8c2907017c449e96987242b7ba2be9db1ddd53fb2db0d1d");
	assert_int_equal(pouch_mls_confirmation_tag(c, s, key, cth, 32, tag),
	    POUCH_OK);
	assert_memory_equal(tag, ac + inlen + 1, 32);
	assert_int_equal(pouch_mls_confirmation_tag_verify(c, s, key, cth, 32,
	    ac + inlen + 1, 32), POUCH_OK);
	assert_int_equal(pouch_mls_interim_transcript_hash(c, s, cth, 32, tag,
	    32, ith), POUCH_OK);
	assert_hex_equal(ith, 32,
	    "193f9e11118fd08ff626069543b481ec5f04145680b612bb84d8962a2e609211");
	/* out may alias interim */
	assert_int_equal(pouch_mls_confirmed_transcript_hash(c, s, before, 32,
	    ac, inlen, before), POUCH_OK);
	assert_memory_equal(before, cth, 32);
}

static void
hash_inputs_exact(void **state)
{
	const struct pouch_crypto *c = *state;
	const struct pouch_mls_suite *s = pouch_mls_suite_get(7);
	uint8_t in[5] = { 1, 2, 3, 4, 5 }, buf[64], a[48], b[48];

	/* epoch 0: the interim hash is empty */
	assert_int_equal(pouch_mls_confirmed_transcript_hash(c, s, NULL, 0, in,
	    5, a), POUCH_OK);
	assert_int_equal(pouch_hash(c, POUCH_SHA384, in, 5, b), POUCH_OK);
	assert_memory_equal(a, b, 48);
	/* interim = Hash(confirmed || varint(len) || tag) */
	assert_int_equal(pouch_mls_interim_transcript_hash(c, s, in, 2, in + 2,
	    3, a), POUCH_OK);
	buf[0] = 1;
	buf[1] = 2;
	buf[2] = 3;
	memcpy(buf + 3, in + 2, 3);
	assert_int_equal(pouch_hash(c, POUCH_SHA384, buf, 6, b), POUCH_OK);
	assert_memory_equal(a, b, 48);
	assert_int_equal(pouch_mls_confirmed_transcript_hash(c, s, NULL, 3, in,
	    5, a), POUCH_E_MISUSE);
}

static void
verify_refuses(void **state)
{
	const struct pouch_crypto *c = *state;
	const struct pouch_mls_suite *s = pouch_mls_suite_get(4);
	uint8_t key[64], cth[64], tag[65];
	size_t i;

	memset(key, 1, sizeof(key));
	memset(cth, 2, sizeof(cth));
	assert_int_equal(pouch_mls_confirmation_tag(c, s, key, cth, 64, tag),
	    POUCH_OK);
	assert_int_equal(pouch_mls_confirmation_tag_verify(c, s, key, cth, 64,
	    tag, 64), POUCH_OK);
	for (i = 0; i < 64; i += 9) {
		tag[i] ^= 0x80;
		assert_int_equal(pouch_mls_confirmation_tag_verify(c, s, key,
		    cth, 64, tag, 64), POUCH_E_BAD_MAC);
		tag[i] ^= 0x80;
	}
	assert_int_equal(pouch_mls_confirmation_tag_verify(c, s, key, cth, 64,
	    tag, 63), POUCH_E_BAD_MAC);
	tag[64] = 0;
	assert_int_equal(pouch_mls_confirmation_tag_verify(c, s, key, cth, 64,
	    tag, 65), POUCH_E_BAD_MAC);
	assert_int_equal(pouch_mls_confirmation_tag_verify(c, s, key, cth, 64,
	    tag, 0), POUCH_E_BAD_MAC);
	assert_int_equal(pouch_mls_confirmation_tag_verify(c, s, key, cth, 64,
	    NULL, 64), POUCH_E_MISUSE);
	key[0] ^= 1;
	assert_int_equal(pouch_mls_confirmation_tag_verify(c, s, key, cth, 64,
	    tag, 64), POUCH_E_BAD_MAC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_answer),
		cmocka_unit_test(hash_inputs_exact),
		cmocka_unit_test(verify_refuses),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
