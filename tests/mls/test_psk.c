/*
 * test_psk.c - src/mls/psk.c (RFC 9420 8.4).
 *
 * A known answer with two external PSKs (psk_secret.json, suite 1), the
 * all-zero psk_secret of an empty list, the exact PreSharedKeyID encodings
 * of both PSK types, order sensitivity (index and count are in PSKLabel),
 * and refusal of an unknown psktype or too many PSKs.
 */
#include "codec/codec.h"
#include "crypto/crypto_test.h"
#include "mls/psk.h"

static void
known_answer_two_external(void **state)
{
	const struct pouch_crypto *c = *state;
	const struct pouch_mls_suite *s = pouch_mls_suite_get(1);
	uint8_t id[2][32], psk[2][32], nonce[2][32], out[32];
	struct pouch_mls_psk_input in[2];
	int i;

	unhex("4e96d00ea2059b6c70d0e8777970e65677abee0c4b90e881c4cf7b4aaa8d9184",
	    id[0], 32);
	unhex("62e3157cbb3799d0f54fb873e7f7e46257a01e9e4297413e769c4f0afeb1a206",
	    psk[0], 32);
	unhex("924a5371246476aca6a92eec7d295af3c9ed3f905aaeb97dc4748ac4cdc889fd",
	    nonce[0], 32);
	unhex("8034d46a6150c7c4817f7584edf51006ec8432c55ae1de77d0ccd51c523ed97d",
	    id[1], 32);
	unhex("27f5dd47bf87802cdfac24f1bfde71595a62ea8bc6a9ab335ba23c98d5fee267",
	    psk[1], 32);
	unhex("07ade6664316831d1ceddc1f7f8b26ff132f7130f4c6c6c51f07191d8f2a328e",
	    nonce[1], 32);
	memset(in, 0, sizeof(in));
	for (i = 0; i < 2; i++) {
		in[i].psktype = POUCH_MLS_PSK_EXTERNAL;
		in[i].psk_id = id[i];
		in[i].psk_idlen = 32;
		in[i].psk = psk[i];
		in[i].psklen = 32;
		in[i].psk_nonce = nonce[i];
		in[i].psk_noncelen = 32;
	}
	assert_int_equal(pouch_mls_psk_secret(c, s, in, 2, out), POUCH_OK);
	assert_hex_equal(out, 32,
	    "e582f70f0b6a48dc9a50583895bc90012147e59bf7ba90b29673075fdb646ff2");
	/* the order matters */
	in[0].psk_id = id[1];
	in[1].psk_id = id[0];
	in[0].psk = psk[1];
	in[1].psk = psk[0];
	in[0].psk_nonce = nonce[1];
	in[1].psk_nonce = nonce[0];
	assert_int_equal(pouch_mls_psk_secret(c, s, in, 2, out), POUCH_OK);
	assert_memory_not_equal(out, "\xe5\x82\xf7\x0f", 4);
}

static void
empty_list_is_zero(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t out[64];

	memset(out, 0xff, sizeof(out));
	assert_int_equal(pouch_mls_psk_secret(c, pouch_mls_suite_get(4), NULL,
	    0, out), POUCH_OK);
	assert_true(is_zero(out, 64));
}

static void
psk_id_encodings(void **state)
{
	static const uint8_t gid[] = { 'g', 'r', 'p' }, nonce[] = { 9, 8 };
	struct pouch_mls_psk_input p;
	struct pouch_wr w;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.psktype = POUCH_MLS_PSK_RESUMPTION;
	p.usage = POUCH_MLS_PSK_USAGE_BRANCH;
	p.psk_group_id = gid;
	p.psk_group_idlen = sizeof(gid);
	p.psk_epoch = 0x0102030405060708ULL;
	p.psk_nonce = nonce;
	p.psk_noncelen = sizeof(nonce);
	pouch_wr_init(&w, 256);
	assert_int_equal(pouch_mls_psk_id_write(&w, &p), POUCH_OK);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	assert_hex_equal(w.buf, w.len,
	    "0203" "03677270" "0102030405060708" "020908");
	pouch_wr_free(&w);
	p.psktype = POUCH_MLS_PSK_EXTERNAL;
	p.psk_id = gid;
	p.psk_idlen = 2;
	pouch_wr_init(&w, 256);
	assert_int_equal(pouch_mls_psk_id_write(&w, &p), POUCH_OK);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	assert_hex_equal(w.buf, w.len, "01" "026772" "020908");
	pouch_wr_free(&w);
	p.psktype = 3;
	pouch_wr_init(&w, 256);
	assert_int_equal(pouch_mls_psk_id_write(&w, &p), POUCH_E_MISUSE);
	pouch_wr_free(&w);
}

static void
bad_inputs(void **state)
{
	const struct pouch_crypto *c = *state;
	const struct pouch_mls_suite *s = pouch_mls_suite_get(1);
	struct pouch_mls_psk_input p;
	uint8_t out[32], keep[32];

	memset(&p, 0, sizeof(p));
	memset(out, 0x33, sizeof(out));
	memcpy(keep, out, sizeof(out));
	p.psktype = 0;
	assert_int_equal(pouch_mls_psk_secret(c, s, &p, 1, out),
	    POUCH_E_MISUSE);
	p.psktype = POUCH_MLS_PSK_EXTERNAL;
	p.psklen = 5;			/* psk NULL */
	assert_int_equal(pouch_mls_psk_secret(c, s, &p, 1, out),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_psk_secret(c, s, &p,
	    POUCH_MLS_PSK_COUNT_MAX + 1, out), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_psk_secret(c, s, NULL, 1, out),
	    POUCH_E_MISUSE);
	assert_memory_equal(out, keep, sizeof(out));
	/* an empty external psk is still a value */
	p.psklen = 0;
	assert_int_equal(pouch_mls_psk_secret(c, s, &p, 1, out), POUCH_OK);
	assert_false(is_zero(out, 32));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_answer_two_external),
		cmocka_unit_test(empty_list_is_zero),
		cmocka_unit_test(psk_id_encodings),
		cmocka_unit_test(bad_inputs),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
