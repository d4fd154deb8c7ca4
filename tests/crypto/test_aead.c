/*
 * test_aead.c - src/crypto/aead.c: AES-GCM (the GCM specification's test
 * cases 1, 2, 4, 13, 14) and ChaCha20-Poly1305 (RFC 8439 2.8.2) known
 * answers in both directions; every flipped bit of ciphertext, tag or AAD
 * refused with the output zeroed; in-place use; short ciphertexts, short
 * buffers and NULL arguments.
 */
#include "crypto_test.h"

struct aead_vec {
	enum pouch_aead	 a;
	const char	*key, *nonce, *aad, *pt, *ct;	/* ct includes tag */
};

#define RFC8439_PT \
	"4c616469657320616e642047656e746c656d656e206f662074686520636c6173" \
	"73206f66202739393a204966204920636f756c64206f6666657220796f75206f" \
	"6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73" \
	"637265656e20776f756c642062652069742e"

static const struct aead_vec vecs[] = {
	{ POUCH_AES128GCM, "00000000000000000000000000000000",
	  "000000000000000000000000", "", "",
	  "58e2fccefa7e3061367f1d57a4e7455a" },
	{ POUCH_AES128GCM, "00000000000000000000000000000000",
	  "000000000000000000000000", "", "00000000000000000000000000000000",
	  "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf" },
	{ POUCH_AES128GCM, "feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
	  "5bc94fbc3221a5db94fae95ae7121a47" },
	{ POUCH_AES256GCM,
	  "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "",
	  "530f8afbc74536b9a963b4f1c4cb738b" },
	{ POUCH_AES256GCM,
	  "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "00000000000000000000000000000000",
	  "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919" },
	{ POUCH_CHACHA20POLY1305,
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	  "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7", RFC8439_PT,
	  "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	  "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	  "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	  "3ff4def08e4b7a9de576d26586cec64b6116"
	  "1ae10b594f09e26a7e902ecbd0600691" },
};
#define NVECS	(sizeof(vecs) / sizeof(vecs[0]))

struct dec {
	uint8_t	key[32], nonce[12], aad[64], pt[128], ct[160];
	size_t	keylen, aadlen, ptlen, ctlen;
};

static void
decode(const struct aead_vec *v, struct dec *d)
{
	d->keylen = unhex(v->key, d->key, sizeof(d->key));
	assert_int_equal(unhex(v->nonce, d->nonce, sizeof(d->nonce)), 12);
	d->aadlen = unhex(v->aad, d->aad, sizeof(d->aad));
	d->ptlen = unhex(v->pt, d->pt, sizeof(d->pt));
	d->ctlen = unhex(v->ct, d->ct, sizeof(d->ct));
	assert_int_equal(d->keylen, pouch_aead_key_len(v->a));
}

static void
test_aead_key_len(void **state)
{
	(void)state;
	assert_int_equal(pouch_aead_key_len(POUCH_AES128GCM), 16);
	assert_int_equal(pouch_aead_key_len(POUCH_AES256GCM), 32);
	assert_int_equal(pouch_aead_key_len(POUCH_CHACHA20POLY1305), 32);
	assert_int_equal(pouch_aead_key_len((enum pouch_aead)0), 0);
}

static void
test_aead_known_answers(void **state)
{
	const struct pouch_crypto *c = *state;
	struct dec d;
	uint8_t out[160];
	size_t i, n;

	for (i = 0; i < NVECS; i++) {
		decode(&vecs[i], &d);
		assert_int_equal(pouch_aead_seal(c, vecs[i].a, d.key, d.nonce,
		    d.aad, d.aadlen, d.pt, d.ptlen, out, sizeof(out), &n),
		    POUCH_OK);
		assert_int_equal(n, d.ctlen);
		assert_memory_equal(out, d.ct, n);
		memset(out, 0xee, sizeof(out));
		assert_int_equal(pouch_aead_open(c, vecs[i].a, d.key, d.nonce,
		    d.aad, d.aadlen, d.ct, d.ctlen, out, sizeof(out), &n),
		    POUCH_OK);
		assert_int_equal(n, d.ptlen);
		assert_memory_equal(out, d.pt, n);
	}
}

/* One bit flipped anywhere in ct || tag or in the AAD: refused, zeroed. */
static void
test_aead_tamper(void **state)
{
	const struct pouch_crypto *c = *state;
	struct dec d;
	uint8_t out[160];
	size_t i, j, n;

	for (i = 0; i < NVECS; i++) {
		decode(&vecs[i], &d);
		for (j = 0; j < d.ctlen + d.aadlen; j++) {
			uint8_t *p = j < d.ctlen ? &d.ct[j] :
			    &d.aad[j - d.ctlen];

			*p ^= (uint8_t)(1u << (j % 8));
			memset(out, 0xee, sizeof(out));
			n = 99;
			assert_int_equal(pouch_aead_open(c, vecs[i].a, d.key,
			    d.nonce, d.aad, d.aadlen, d.ct, d.ctlen, out,
			    sizeof(out), &n), POUCH_E_DECRYPT);
			assert_int_equal(n, 0);
			assert_true(is_zero(out, d.ptlen));
			*p ^= (uint8_t)(1u << (j % 8));
		}
		/* Wrong nonce and wrong key. */
		d.nonce[11] ^= 1;
		assert_int_equal(pouch_aead_open(c, vecs[i].a, d.key, d.nonce,
		    d.aad, d.aadlen, d.ct, d.ctlen, out, sizeof(out), &n),
		    POUCH_E_DECRYPT);
		d.nonce[11] ^= 1;
		d.key[0] ^= 1;
		assert_int_equal(pouch_aead_open(c, vecs[i].a, d.key, d.nonce,
		    d.aad, d.aadlen, d.ct, d.ctlen, out, sizeof(out), &n),
		    POUCH_E_DECRYPT);
		d.key[0] ^= 1;
	}
}

/* Truncated ciphertexts: shorter than a tag is MALFORMED, else DECRYPT. */
static void
test_aead_truncated(void **state)
{
	const struct pouch_crypto *c = *state;
	struct dec d;
	uint8_t out[160];
	size_t len, n;

	decode(&vecs[5], &d);
	for (len = 0; len < d.ctlen; len++) {
		assert_int_equal(pouch_aead_open(c, vecs[5].a, d.key, d.nonce,
		    d.aad, d.aadlen, d.ct, len, out, sizeof(out), &n),
		    len < POUCH_AEAD_TAG_BYTES ? POUCH_E_MALFORMED :
		    POUCH_E_DECRYPT);
		assert_int_equal(n, 0);
	}
}

static void
test_aead_in_place(void **state)
{
	const struct pouch_crypto *c = *state;
	struct dec d;
	uint8_t buf[160];
	size_t n;

	decode(&vecs[2], &d);
	memcpy(buf, d.pt, d.ptlen);
	assert_int_equal(pouch_aead_seal(c, vecs[2].a, d.key, d.nonce, d.aad,
	    d.aadlen, buf, d.ptlen, buf, sizeof(buf), &n), POUCH_OK);
	assert_memory_equal(buf, d.ct, d.ctlen);
	assert_int_equal(pouch_aead_open(c, vecs[2].a, d.key, d.nonce, d.aad,
	    d.aadlen, buf, n, buf, sizeof(buf), &n), POUCH_OK);
	assert_memory_equal(buf, d.pt, d.ptlen);
}

static void
test_aead_buffer_too_small(void **state)
{
	const struct pouch_crypto *c = *state;
	struct dec d;
	uint8_t out[160];
	size_t n;

	decode(&vecs[5], &d);
	assert_int_equal(pouch_aead_seal(c, vecs[5].a, d.key, d.nonce, d.aad,
	    d.aadlen, d.pt, d.ptlen, out, d.ctlen - 1, &n),
	    POUCH_E_BUFFER_TOO_SMALL);
	assert_int_equal(n, d.ctlen);
	assert_int_equal(pouch_aead_open(c, vecs[5].a, d.key, d.nonce, d.aad,
	    d.aadlen, d.ct, d.ctlen, out, d.ptlen - 1, &n),
	    POUCH_E_BUFFER_TOO_SMALL);
	assert_int_equal(n, d.ptlen);
	/* An empty plaintext needs no output buffer at all. */
	decode(&vecs[0], &d);
	assert_int_equal(pouch_aead_open(c, vecs[0].a, d.key, d.nonce, NULL,
	    0, d.ct, d.ctlen, NULL, 0, &n), POUCH_OK);
	assert_int_equal(n, 0);
}

static void
test_aead_misuse(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t key[32] = { 0 }, nonce[12] = { 0 }, buf[64] = { 0 };
	size_t n;

	assert_int_equal(pouch_aead_seal(NULL, POUCH_AES128GCM, key, nonce,
	    NULL, 0, buf, 1, buf, sizeof(buf), &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_aead_seal(c, POUCH_AES128GCM, NULL, nonce,
	    NULL, 0, buf, 1, buf, sizeof(buf), &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_aead_seal(c, POUCH_AES128GCM, key, NULL,
	    NULL, 0, buf, 1, buf, sizeof(buf), &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_aead_seal(c, POUCH_AES128GCM, key, nonce,
	    NULL, 1, buf, 1, buf, sizeof(buf), &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_aead_seal(c, POUCH_AES128GCM, key, nonce,
	    NULL, 0, NULL, 1, buf, sizeof(buf), &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_aead_seal(c, POUCH_AES128GCM, key, nonce,
	    NULL, 0, buf, 1, NULL, sizeof(buf), &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_aead_seal(c, POUCH_AES128GCM, key, nonce,
	    NULL, 0, buf, 1, buf, sizeof(buf), NULL), POUCH_E_MISUSE);
	assert_int_equal(pouch_aead_seal(c, (enum pouch_aead)4, key, nonce,
	    NULL, 0, buf, 1, buf, sizeof(buf), &n), POUCH_E_UNSUPPORTED);
	assert_int_equal(pouch_aead_open(NULL, POUCH_AES128GCM, key, nonce,
	    NULL, 0, buf, 17, buf, sizeof(buf), &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_aead_open(c, POUCH_AES128GCM, key, nonce,
	    NULL, 0, NULL, 17, buf, sizeof(buf), &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_aead_open(c, POUCH_AES128GCM, key, nonce,
	    NULL, 0, buf, 17, NULL, sizeof(buf), &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_aead_open(c, POUCH_AES128GCM, key, nonce,
	    NULL, 0, buf, 17, buf, sizeof(buf), NULL), POUCH_E_MISUSE);
	assert_int_equal(pouch_aead_open(c, (enum pouch_aead)0, key, nonce,
	    NULL, 0, buf, 17, buf, sizeof(buf), &n), POUCH_E_UNSUPPORTED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aead_key_len),
		cmocka_unit_test(test_aead_known_answers),
		cmocka_unit_test(test_aead_tamper),
		cmocka_unit_test(test_aead_truncated),
		cmocka_unit_test(test_aead_in_place),
		cmocka_unit_test(test_aead_buffer_too_small),
		cmocka_unit_test(test_aead_misuse),
	};

	return cmocka_run_group_tests_name("crypto aead", tests,
	    crypto_setup, crypto_teardown);
}
