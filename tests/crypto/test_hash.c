/*
 * test_hash.c - src/crypto/hash.c: SHA-2 known answers, HMAC (RFC 4231
 * cases 1, 2 and 6), HKDF (RFC 5869 cases 1-3), the HKDF-Expand length
 * limit, hashing in parts and argument checks.
 */
#include "crypto_test.h"

static const enum pouch_hash hashes[3] = {
	POUCH_SHA256, POUCH_SHA384, POUCH_SHA512
};

static void
test_hash_len(void **state)
{
	(void)state;
	assert_int_equal(pouch_hash_len(POUCH_SHA256), 32);
	assert_int_equal(pouch_hash_len(POUCH_SHA384), 48);
	assert_int_equal(pouch_hash_len(POUCH_SHA512), 64);
	assert_int_equal(pouch_hash_len((enum pouch_hash)0), 0);
	assert_int_equal(pouch_hash_len((enum pouch_hash)4), 0);
}

/* FIPS 180-4 examples: "abc" and the empty string. */
/* FIPS 202 SHAKE of the empty string, and a long squeeze is a prefix. */
static void
test_xof_known_answers(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t out[32], longer[200];

	assert_int_equal(pouch_xof(c, POUCH_SHAKE128, NULL, 0, out, 32),
	    POUCH_OK);
	assert_hex_equal(out, 32,
	    "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26");
	assert_int_equal(pouch_xof(c, POUCH_SHAKE256, NULL, 0, out, 32),
	    POUCH_OK);
	assert_hex_equal(out, 32,
	    "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f");
	assert_int_equal(pouch_xof(c, POUCH_SHAKE256, NULL, 0, longer,
	    sizeof(longer)), POUCH_OK);
	assert_memory_equal(out, longer, 32);
	assert_int_equal(pouch_xof(c, (enum pouch_xof)3, NULL, 0, out, 32),
	    POUCH_E_UNSUPPORTED);
	assert_int_equal(pouch_xof(NULL, POUCH_SHAKE128, NULL, 0, out, 32),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_xof(c, POUCH_SHAKE128, NULL, 3, out, 32),
	    POUCH_E_MISUSE);
}

static void
test_hash_known_answers(void **state)
{
	static const char *abc[3] = {
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
		"8086072ba1e7cc2358baeca134c825a7",
		"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		"2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
	};
	const struct pouch_crypto *c = *state;
	uint8_t out[POUCH_HASH_MAX] = { 0 };
	int i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(pouch_hash(c, hashes[i],
		    (const uint8_t *)"abc", 3, out), POUCH_OK);
		assert_hex_equal(out, pouch_hash_len(hashes[i]), abc[i]);
	}
	assert_int_equal(pouch_hash(c, POUCH_SHA256, NULL, 0, out), POUCH_OK);
	assert_hex_equal(out, 32,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
test_hash_misuse(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t out[POUCH_HASH_MAX] = { 0 };

	assert_int_equal(pouch_hash(NULL, POUCH_SHA256, out, 1, out),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hash(c, POUCH_SHA256, NULL, 1, out),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hash(c, POUCH_SHA256, out, 1, NULL),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hash(c, (enum pouch_hash)9, out, 1, out),
	    POUCH_E_UNSUPPORTED);
}

/* A message hashed in parts, cut anywhere, is the message hashed whole. */
static void
test_hash_parts(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_part parts[3];
	uint8_t msg[700], want[POUCH_HASH_MAX], got[POUCH_HASH_MAX];
	size_t a, b, i;

	assert_int_equal(pouch_random(msg, sizeof(msg)), POUCH_OK);
	for (i = 0; i < 3; i++)
		for (a = 0; a <= sizeof(msg); a += 37)
			for (b = a; b <= sizeof(msg); b += 101) {
				parts[0].p = msg;
				parts[0].n = a;
				parts[1].p = msg + a;
				parts[1].n = b - a;
				parts[2].p = msg + b;
				parts[2].n = sizeof(msg) - b;
				assert_int_equal(pouch_hash(c, hashes[i], msg,
				    sizeof(msg), want), POUCH_OK);
				memset(got, 0, sizeof(got));
				assert_int_equal(pouch_hash_parts(c, hashes[i],
				    parts, 3, got), POUCH_OK);
				assert_memory_equal(got, want,
				    pouch_hash_len(hashes[i]));
			}
	/* no parts: the empty message */
	assert_int_equal(pouch_hash_parts(c, POUCH_SHA256, NULL, 0, got),
	    POUCH_OK);
	assert_hex_equal(got, 32,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	parts[1].p = NULL;
	parts[1].n = 1;
	assert_int_equal(pouch_hash_parts(c, POUCH_SHA256, parts, 3, got),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hash_parts(c, POUCH_SHA256, NULL, 1, got),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hash_parts(c, (enum pouch_hash)9, parts, 0,
	    got), POUCH_E_UNSUPPORTED);
}

struct hmac_vec {
	const char	*key, *data;	/* hex */
	const char	*mac[3];	/* SHA-256, -384, -512 */
};

/* RFC 4231 4.2, 4.3 and 4.7. */
static const struct hmac_vec hmac_vecs[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", {
	"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	"afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	"faea9ea9076ede7f4af152e8b2fa9cb6",
	"87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	"daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" } },
	{ "4a656665",
	  "7768617420646f2079612077616e7420666f72206e6f7468696e673f", {
	"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	"af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	"8e2240ca5e69e2c78b3239ecfab21649",
	"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	"9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" } },
	{ NULL /* 131 x 0xaa */,
	  "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a"
	  "65204b6579202d2048617368204b6579204669727374", {
	"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	"4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	"0c2ef6ab4030fe8296248df163f44952",
	"80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	"6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" } },
};

static void
test_hmac_rfc4231(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t key[131], data[128], out[POUCH_HASH_MAX];
	size_t v, keylen, datalen;
	int i;

	for (v = 0; v < sizeof(hmac_vecs) / sizeof(hmac_vecs[0]); v++) {
		if (hmac_vecs[v].key == NULL) {
			memset(key, 0xaa, sizeof(key));
			keylen = sizeof(key);
		} else
			keylen = unhex(hmac_vecs[v].key, key, sizeof(key));
		datalen = unhex(hmac_vecs[v].data, data, sizeof(data));
		for (i = 0; i < 3; i++) {
			assert_int_equal(pouch_hmac(c, hashes[i], key, keylen,
			    data, datalen, out), POUCH_OK);
			assert_hex_equal(out, pouch_hash_len(hashes[i]),
			    hmac_vecs[v].mac[i]);
		}
	}
}

/* HMAC with an empty key and message; out aliasing the input. */
static void
test_hmac_empty_and_alias(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t buf[POUCH_HASH_MAX], want[POUCH_HASH_MAX];

	assert_int_equal(pouch_hmac(c, POUCH_SHA256, NULL, 0, NULL, 0, buf),
	    POUCH_OK);
	assert_hex_equal(buf, 32,
	    "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
	memset(buf, 7, sizeof(buf));
	assert_int_equal(pouch_hmac(c, POUCH_SHA512, buf, 64, buf, 64, want),
	    POUCH_OK);
	assert_int_equal(pouch_hmac(c, POUCH_SHA512, buf, 64, buf, 64, buf),
	    POUCH_OK);
	assert_memory_equal(buf, want, 64);
}

static void
test_hmac_misuse(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t out[POUCH_HASH_MAX] = { 0 };

	assert_int_equal(pouch_hmac(NULL, POUCH_SHA256, out, 1, out, 1, out),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hmac(c, POUCH_SHA256, NULL, 1, out, 1, out),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hmac(c, POUCH_SHA256, out, 1, NULL, 1, out),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hmac(c, POUCH_SHA256, out, 1, out, 1, NULL),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hmac(c, (enum pouch_hash)0, out, 1, out, 1,
	    out), POUCH_E_UNSUPPORTED);
}

struct hkdf_vec {
	const char	*ikm, *salt, *info, *prk, *okm;
};

/* RFC 5869 A.1, A.2, A.3 (SHA-256). */
static const struct hkdf_vec hkdf_vecs[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
	  "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
	  "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	  "34007208d5b887185865" },
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	  "404142434445464748494a4b4c4d4e4f",
	  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
	  "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
	  "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
	  "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	  "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
	  "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	  "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	  "cc30c58179ec3e87c14c01d5c1f3434f1d87" },
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
	  "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
	  "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	  "9d201395faa4b61a96c8" },
};

static void
test_hkdf_rfc5869(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t ikm[80], salt[80], info[80], prk[32], okm[82];
	size_t v, ikmlen, saltlen, infolen, okmlen;

	for (v = 0; v < sizeof(hkdf_vecs) / sizeof(hkdf_vecs[0]); v++) {
		const struct hkdf_vec *h = &hkdf_vecs[v];

		ikmlen = unhex(h->ikm, ikm, sizeof(ikm));
		saltlen = unhex(h->salt, salt, sizeof(salt));
		infolen = unhex(h->info, info, sizeof(info));
		okmlen = strlen(h->okm) / 2;
		assert_int_equal(pouch_hkdf_extract(c, POUCH_SHA256,
		    saltlen ? salt : NULL, saltlen, ikm, ikmlen, prk),
		    POUCH_OK);
		assert_hex_equal(prk, 32, h->prk);
		assert_int_equal(pouch_hkdf_expand(c, POUCH_SHA256, prk, 32,
		    infolen ? info : NULL, infolen, okm, okmlen), POUCH_OK);
		assert_hex_equal(okm, okmlen, h->okm);
	}
}

/* Every prefix length gives a prefix of the longest output. */
static void
test_hkdf_expand_lengths(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t prk[64], full[255 * 32], part[255 * 32];
	size_t len;

	memset(prk, 0x42, sizeof(prk));
	assert_int_equal(pouch_hkdf_expand(c, POUCH_SHA256, prk, 32, NULL, 0,
	    full, sizeof(full)), POUCH_OK);
	for (len = 0; len <= 100; len++) {
		assert_int_equal(pouch_hkdf_expand(c, POUCH_SHA256, prk, 32,
		    NULL, 0, part, len), POUCH_OK);
		assert_memory_equal(part, full, len);
	}
	/* 255 * HashLen is the RFC 5869 2.3 limit. */
	assert_int_equal(pouch_hkdf_expand(c, POUCH_SHA256, prk, 32, NULL, 0,
	    part, 255 * 32 + 1), POUCH_E_MISUSE);
	assert_int_equal(pouch_hkdf_expand(c, POUCH_SHA512, prk, 64, NULL, 0,
	    part, sizeof(part)), POUCH_OK);
}

/* out may alias prk: the key is consumed before anything is written. */
static void
test_hkdf_expand_alias_prk(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t buf[96], want[96];

	memset(buf, 0x17, sizeof(buf));
	assert_int_equal(pouch_hkdf_expand(c, POUCH_SHA384, buf, 48,
	    (const uint8_t *)"info", 4, want, sizeof(want)), POUCH_OK);
	assert_int_equal(pouch_hkdf_expand(c, POUCH_SHA384, buf, 48,
	    (const uint8_t *)"info", 4, buf, sizeof(buf)), POUCH_OK);
	assert_memory_equal(buf, want, sizeof(want));
}

static void
test_hkdf_misuse(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t prk[32] = { 0 }, out[32];

	assert_int_equal(pouch_hkdf_extract(NULL, POUCH_SHA256, NULL, 0, prk,
	    32, out), POUCH_E_MISUSE);
	assert_int_equal(pouch_hkdf_extract(c, POUCH_SHA256, NULL, 3, prk,
	    32, out), POUCH_E_MISUSE);
	assert_int_equal(pouch_hkdf_extract(c, POUCH_SHA256, NULL, 0, prk,
	    32, NULL), POUCH_E_MISUSE);
	assert_int_equal(pouch_hkdf_expand(NULL, POUCH_SHA256, prk, 32, NULL,
	    0, out, 32), POUCH_E_MISUSE);
	assert_int_equal(pouch_hkdf_expand(c, POUCH_SHA256, NULL, 32, NULL,
	    0, out, 32), POUCH_E_MISUSE);
	assert_int_equal(pouch_hkdf_expand(c, POUCH_SHA256, prk, 32, NULL,
	    5, out, 32), POUCH_E_MISUSE);
	assert_int_equal(pouch_hkdf_expand(c, POUCH_SHA256, prk, 32, NULL,
	    0, NULL, 32), POUCH_E_MISUSE);
	assert_int_equal(pouch_hkdf_expand(c, (enum pouch_hash)7, prk, 32,
	    NULL, 0, out, 32), POUCH_E_UNSUPPORTED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_len),
		cmocka_unit_test(test_hash_known_answers),
		cmocka_unit_test(test_hash_parts),
		cmocka_unit_test(test_xof_known_answers),
		cmocka_unit_test(test_hash_misuse),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_hmac_empty_and_alias),
		cmocka_unit_test(test_hmac_misuse),
		cmocka_unit_test(test_hkdf_rfc5869),
		cmocka_unit_test(test_hkdf_expand_lengths),
		cmocka_unit_test(test_hkdf_expand_alias_prk),
		cmocka_unit_test(test_hkdf_misuse),
	};

	return cmocka_run_group_tests_name("crypto hash", tests,
	    crypto_setup, crypto_teardown);
}
