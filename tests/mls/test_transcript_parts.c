/*
 * test_transcript_parts.c - pouch_mls_confirmed_transcript_hash_parts()
 * (src/mls/transcript.c, RFC 9420 8.2) and pouch_wr_init_hint(): the
 * known answer of transcript-hashes.json (suite 1) computed from the
 * ConfirmedTranscriptHashInput split into wire_format || FramedContent
 * and the signature, argument checks, and a hinted writer producing the
 * same bytes as a growing one (hint smaller, equal and larger).
 */
#include <string.h>

#include "codec/codec.h"
#include "crypto/crypto_test.h"
#include "mls/transcript.h"
#include "transcript_fixture.h"

static void
parts_known_answer(void **state)
{
	const struct pouch_crypto *c = *state;
	const struct pouch_mls_suite *s = pouch_mls_suite_get(1);
	uint8_t ac[256], before[32], cth[32], whole[32];
	size_t aclen, inlen, clen;

	aclen = unhex(AC, ac, sizeof(ac));
	/* input = wire_format || FramedContent || opaque signature<V>, the
	 * tag's 33 bytes after it; the signature is 64 bytes (0x4040) */
	inlen = aclen - 33;
	clen = inlen - 66;
	assert_int_equal(ac[clen], 0x40);
	assert_int_equal(ac[clen + 1], 0x40);
	unhex("2597552c42df799cd70e99c77c4f80e834a9418096a0b2c7bc66afbc48eebaa6",
	    before, 32);
	assert_int_equal(pouch_mls_confirmed_transcript_hash_parts(c, s,
	    before, 32, ac, clen, ac + clen + 2, 64, cth), POUCH_OK);
	assert_hex_equal(cth, 32,
	    "51a85b21149c86f3f8c2907017c449e96987242b7ba2be9db1ddd53fb2db0d1d");
	assert_int_equal(pouch_mls_confirmed_transcript_hash(c, s, before, 32,
	    ac, inlen, whole), POUCH_OK);
	assert_memory_equal(cth, whole, 32);
	/* a changed byte of the content or signature changes the hash */
	ac[5] ^= 1;
	assert_int_equal(pouch_mls_confirmed_transcript_hash_parts(c, s,
	    before, 32, ac, clen, ac + clen + 2, 64, cth), POUCH_OK);
	assert_memory_not_equal(cth, whole, 32);
	ac[5] ^= 1;
	ac[clen + 10] ^= 1;
	assert_int_equal(pouch_mls_confirmed_transcript_hash_parts(c, s,
	    before, 32, ac, clen, ac + clen + 2, 64, cth), POUCH_OK);
	assert_memory_not_equal(cth, whole, 32);
	/* epoch 0: empty interim hash */
	assert_int_equal(pouch_mls_confirmed_transcript_hash_parts(c, s,
	    NULL, 0, ac, clen, ac + clen + 2, 64, cth), POUCH_OK);
	assert_int_equal(pouch_mls_confirmed_transcript_hash_parts(c, s,
	    NULL, 32, ac, clen, ac + clen + 2, 64, cth), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_confirmed_transcript_hash_parts(c, s,
	    before, 32, NULL, 5, ac + clen + 2, 64, cth), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_confirmed_transcript_hash_parts(c, s,
	    before, 32, ac, clen, NULL, 64, cth), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_confirmed_transcript_hash_parts(c, s,
	    before, 32, ac, clen, ac, 64, NULL), POUCH_E_MISUSE);
}

/* What the writer gets: enough to grow a default writer several times. */
static void
fill(struct pouch_wr *w, const uint8_t *p, size_t n)
{
	size_t i;

	pouch_wr_u16(w, 0x0102);
	for (i = 0; i < 40; i++)
		pouch_wr_opaque(w, p, n);
	pouch_wr_vec_open(w);
	pouch_wr_bytes(w, p, n);
	pouch_wr_vec_close(w);
}

static void
hint_same_bytes(void **state)
{
	static const size_t hints[] = { 0, 10, 100, 5000, 1 << 20 };
	struct pouch_wr a, b;
	uint8_t p[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(p); i++)
		p[i] = (uint8_t)(i * 7 + 1);
	pouch_wr_init(&a, 1 << 20);
	fill(&a, p, sizeof(p));
	assert_int_equal(pouch_wr_finish(&a), POUCH_OK);
	assert_true(a.len > 12000);
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		pouch_wr_init_hint(&b, 1 << 20, hints[i]);
		fill(&b, p, sizeof(p));
		assert_int_equal(pouch_wr_finish(&b), POUCH_OK);
		assert_int_equal(b.len, a.len);
		assert_memory_equal(b.buf, a.buf, a.len);
		pouch_wr_free(&b);
	}
	/* the hint never lifts the cap */
	pouch_wr_init_hint(&b, 100, 1 << 20);
	assert_true(b.cap <= 100);
	fill(&b, p, sizeof(p));
	assert_int_equal(pouch_wr_finish(&b), POUCH_E_TOO_LARGE);
	pouch_wr_free(&b);
	pouch_wr_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parts_known_answer),
		cmocka_unit_test(hint_same_bytes),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
