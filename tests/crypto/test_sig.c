/*
 * test_sig.c - src/crypto/sig.c: Ed25519 (RFC 8032 7.1 tests 1-3) with
 * libsodium and OpenSSL, each verifying the other's signatures; Ed448
 * (RFC 8032 7.4, blank message); ECDSA on P-256, P-384 and P-521 with
 * round trips, a signature from an independent implementation, tampered
 * messages and signatures, bad keys; buffer sizes and NULL arguments.
 * The default Ed25519 signer (libsodium's group operations with OpenSSL's
 * SHA-512, messages in parts) against libsodium's crypto_sign_detached.
 */
#include <openssl/crypto.h>
#include <sodium.h>

#include "crypto_test.h"

static const enum pouch_impl impls[3] = {
	POUCH_IMPL_DEFAULT, POUCH_IMPL_SODIUM, POUCH_IMPL_OPENSSL
};

static int
impl_ok(enum pouch_sig s, enum pouch_impl impl)
{
	return s == POUCH_SIG_ED25519 || impl != POUCH_IMPL_SODIUM;
}

static void
test_sig_lengths(void **state)
{
	(void)state;
	assert_int_equal(pouch_sig_priv_len(POUCH_SIG_ED25519), 32);
	assert_int_equal(pouch_sig_pub_len(POUCH_SIG_ED25519), 32);
	assert_int_equal(pouch_sig_max_len(POUCH_SIG_ED25519), 64);
	assert_int_equal(pouch_sig_priv_len(POUCH_SIG_ED448), 57);
	assert_int_equal(pouch_sig_max_len(POUCH_SIG_ED448), 114);
	assert_int_equal(pouch_sig_pub_len(POUCH_SIG_P256_SHA256), 65);
	assert_int_equal(pouch_sig_max_len(POUCH_SIG_P256_SHA256), 72);
	assert_int_equal(pouch_sig_max_len(POUCH_SIG_P384_SHA384), 104);
	assert_int_equal(pouch_sig_priv_len(POUCH_SIG_P521_SHA512), 66);
	assert_int_equal(pouch_sig_max_len(POUCH_SIG_P521_SHA512),
	    POUCH_SIG_MAX);
	assert_int_equal(pouch_sig_max_len((enum pouch_sig)0), 0);
	assert_int_equal(pouch_sig_pub_len((enum pouch_sig)6), 0);
}

struct ed_vec {
	enum pouch_sig	 s;
	const char	*sk, *pk, *msg, *sig;
};

static const struct ed_vec ed_vecs[] = {
	{ POUCH_SIG_ED25519,
	  "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	  "",
	  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	  "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
	{ POUCH_SIG_ED25519,
	  "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
	  "72",
	  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	  "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	{ POUCH_SIG_ED25519,
	  "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	  "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
	  "af82",
	  "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
	  "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
	{ POUCH_SIG_ED448,
	  "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3"
	  "528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b",
	  "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778"
	  "edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180",
	  "",
	  "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f"
	  "2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a"
	  "9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4db"
	  "b61149f05a7363268c71d95808ff2e652600" },
};

/* RFC 8032: public key, deterministic signature, verification. */
static void
test_sig_eddsa_rfc8032(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_sig_key *k;
	uint8_t sk[57], pk[57], msg[4], sig[114], out[POUCH_SIG_MAX];
	size_t v, i, sklen, msglen, siglen, n;

	for (v = 0; v < sizeof(ed_vecs) / sizeof(ed_vecs[0]); v++) {
		enum pouch_sig s = ed_vecs[v].s;

		sklen = unhex(ed_vecs[v].sk, sk, sizeof(sk));
		unhex(ed_vecs[v].pk, pk, sizeof(pk));
		msglen = unhex(ed_vecs[v].msg, msg, sizeof(msg));
		siglen = unhex(ed_vecs[v].sig, sig, sizeof(sig));
		assert_int_equal(pouch_sig_pub_from_priv(c, s, sk, out),
		    POUCH_OK);
		assert_memory_equal(out, pk, sklen);
		assert_int_equal(pouch_sig_sign(c, s, sk, sklen,
		    msglen ? msg : NULL, msglen, out, sizeof(out), &n),
		    POUCH_OK);
		assert_int_equal(n, siglen);
		assert_memory_equal(out, sig, siglen);
		for (i = 0; i < 3; i++) {
			if (!impl_ok(s, impls[i]))
				continue;
			assert_int_equal(pouch_sig_key_new(c, s, impls[i], sk,
			    sklen, &k), POUCH_OK);
			memset(out, 0, sizeof(out));
			assert_int_equal(pouch_sig_key_sign(k, msg, msglen,
			    out, sizeof(out), &n), POUCH_OK);
			assert_int_equal(n, siglen);
			assert_memory_equal(out, sig, siglen);
			pouch_sig_key_free(k);
			assert_int_equal(pouch_sig_verify(c, s, impls[i], pk,
			    sklen, msg, msglen, sig, siglen), POUCH_OK);
			sig[v % siglen] ^= 0x10;
			assert_int_equal(pouch_sig_verify(c, s, impls[i], pk,
			    sklen, msg, msglen, sig, siglen),
			    POUCH_E_BAD_SIGNATURE);
			sig[v % siglen] ^= 0x10;
		}
	}
}

/* Sign with libsodium, verify with OpenSSL, and the other way round. */
static void
test_sig_ed25519_cross(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_sig_key *ks, *ko;
	uint8_t sk[32], pk[32], msg[200], s1[64], s2[64];
	size_t len, n;

	for (len = 0; len < sizeof(msg); len += 13) {
		assert_int_equal(pouch_sig_keygen(c, POUCH_SIG_ED25519, sk,
		    pk), POUCH_OK);
		assert_int_equal(pouch_random(msg, len), POUCH_OK);
		assert_int_equal(pouch_sig_key_new(c, POUCH_SIG_ED25519,
		    POUCH_IMPL_SODIUM, sk, 32, &ks), POUCH_OK);
		assert_int_equal(pouch_sig_key_new(c, POUCH_SIG_ED25519,
		    POUCH_IMPL_OPENSSL, sk, 32, &ko), POUCH_OK);
		assert_int_equal(pouch_sig_key_sign(ks, msg, len, s1,
		    sizeof(s1), &n), POUCH_OK);
		assert_int_equal(pouch_sig_key_sign(ko, msg, len, s2,
		    sizeof(s2), &n), POUCH_OK);
		assert_memory_equal(s1, s2, 64);	/* deterministic */
		assert_int_equal(pouch_sig_verify(c, POUCH_SIG_ED25519,
		    POUCH_IMPL_OPENSSL, pk, 32, msg, len, s1, 64), POUCH_OK);
		assert_int_equal(pouch_sig_verify(c, POUCH_SIG_ED25519,
		    POUCH_IMPL_SODIUM, pk, 32, msg, len, s2, 64), POUCH_OK);
		if (len > 0) {
			msg[len / 2] ^= 1;
			assert_int_equal(pouch_sig_verify(c,
			    POUCH_SIG_ED25519, POUCH_IMPL_OPENSSL, pk, 32, msg,
			    len, s1, 64), POUCH_E_BAD_SIGNATURE);
			assert_int_equal(pouch_sig_verify(c,
			    POUCH_SIG_ED25519, POUCH_IMPL_SODIUM, pk, 32, msg,
			    len, s2, 64), POUCH_E_BAD_SIGNATURE);
		}
		pouch_sig_key_free(ks);
		pouch_sig_key_free(ko);
	}
}

/*
 * The default signer is byte for byte crypto_sign_detached, for messages
 * of many lengths (over SHA-512's 128-byte blocks and past 64 KB) cut into
 * up to three parts anywhere, and OpenSSL's signer agrees on parts too.
 */
static void
test_sig_ed25519_parts(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_part parts[3];
	struct pouch_sig_key *kd, *ko;
	uint8_t seed[32], pk[32], sk[64], want[64], got[64], cut[8];
	uint8_t *msg;
	size_t len, n, a, b, np, round = 0;

	msg = malloc(70000);
	assert_non_null(msg);
	for (len = 0; len <= 70000; len = len < 300 ? len + 1 : len * 5 / 4) {
		round++;
		assert_int_equal(pouch_sig_keygen(c, POUCH_SIG_ED25519, seed,
		    pk), POUCH_OK);
		assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
		assert_int_equal(pouch_random(msg, len), POUCH_OK);
		assert_int_equal(pouch_random(cut, sizeof(cut)), POUCH_OK);
		assert_int_equal(crypto_sign_detached(want, NULL, msg, len,
		    sk), 0);
		a = len > 0 ? (cut[0] | (size_t)cut[1] << 8 |
		    (size_t)cut[2] << 16) % (len + 1) : 0;
		b = a < len ? a + (cut[3] | (size_t)cut[4] << 8 |
		    (size_t)cut[5] << 16) % (len - a + 1) : a;
		np = 1 + round % 3;
		parts[0].p = msg;
		parts[0].n = np == 1 ? len : a;
		parts[1].p = msg + a;
		parts[1].n = np == 2 ? len - a : b - a;
		parts[2].p = msg + b;
		parts[2].n = len - b;
		assert_int_equal(pouch_sig_key_new(c, POUCH_SIG_ED25519,
		    POUCH_IMPL_DEFAULT, seed, 32, &kd), POUCH_OK);
		memset(got, 0, sizeof(got));
		assert_int_equal(pouch_sig_key_sign_parts(kd, parts, np, got,
		    sizeof(got), &n), POUCH_OK);
		assert_int_equal(n, 64);
		assert_memory_equal(got, want, 64);
		pouch_sig_key_free(kd);
		if (round % 7 == 0 || len == 0) {
			assert_int_equal(pouch_sig_key_new(c,
			    POUCH_SIG_ED25519, POUCH_IMPL_OPENSSL, seed, 32,
			    &ko), POUCH_OK);
			memset(got, 0, sizeof(got));
			assert_int_equal(pouch_sig_key_sign_parts(ko, parts,
			    np, got, sizeof(got), &n), POUCH_OK);
			assert_memory_equal(got, want, 64);
			pouch_sig_key_free(ko);
		}
	}
	/* eight parts at most */
	{
		struct pouch_part many[9];

		for (n = 0; n < 9; n++) {
			many[n].p = msg;
			many[n].n = n;
		}
		assert_int_equal(pouch_sig_key_new(c, POUCH_SIG_ED25519,
		    POUCH_IMPL_DEFAULT, seed, 32, &kd), POUCH_OK);
		assert_int_equal(pouch_sig_key_sign_parts(kd, many, 8, got,
		    sizeof(got), &n), POUCH_OK);
		assert_int_equal(pouch_sig_key_sign_parts(kd, many, 9, got,
		    sizeof(got), &n), POUCH_E_MISUSE);
		pouch_sig_key_free(kd);
	}
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(sk, sizeof(sk));
	free(msg);
	print_message("ed25519 parts: %zu messages byte-identical\n", round);
}

/* ECDSA in parts verifies as the whole message; misuse is refused. */
static void
test_sig_parts_ecdsa_misuse(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_part parts[2];
	struct pouch_sig_key *k;
	uint8_t sk[32], pk[65], msg[300], sig[POUCH_SIG_MAX];
	size_t n;

	assert_int_equal(pouch_sig_keygen(c, POUCH_SIG_P256_SHA256, sk, pk),
	    POUCH_OK);
	assert_int_equal(pouch_random(msg, sizeof(msg)), POUCH_OK);
	assert_int_equal(pouch_sig_key_new(c, POUCH_SIG_P256_SHA256,
	    POUCH_IMPL_DEFAULT, sk, sizeof(sk), &k), POUCH_OK);
	parts[0].p = msg;
	parts[0].n = 100;
	parts[1].p = msg + 100;
	parts[1].n = sizeof(msg) - 100;
	assert_int_equal(pouch_sig_key_sign_parts(k, parts, 2, sig,
	    sizeof(sig), &n), POUCH_OK);
	assert_int_equal(pouch_sig_verify(c, POUCH_SIG_P256_SHA256,
	    POUCH_IMPL_DEFAULT, pk, sizeof(pk), msg, sizeof(msg), sig, n),
	    POUCH_OK);
	msg[150] ^= 1;
	assert_int_equal(pouch_sig_verify(c, POUCH_SIG_P256_SHA256,
	    POUCH_IMPL_DEFAULT, pk, sizeof(pk), msg, sizeof(msg), sig, n),
	    POUCH_E_BAD_SIGNATURE);
	parts[1].p = NULL;
	assert_int_equal(pouch_sig_key_sign_parts(k, parts, 2, sig,
	    sizeof(sig), &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_key_sign_parts(k, NULL, 1, sig,
	    sizeof(sig), &n), POUCH_E_MISUSE);
	pouch_sig_key_free(k);
	OPENSSL_cleanse(sk, sizeof(sk));
}

/* Round trips for every algorithm; tampering with anything fails. */
static void
test_sig_round_trips(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t sk[66], pk[133], pk2[133], msg[33], sig[POUCH_SIG_MAX];
	size_t n, i;
	int s, round;

	for (s = POUCH_SIG_ED25519; s <= POUCH_SIG_P521_SHA512; s++)
	for (round = 0; round < 3; round++) {
		size_t publen = pouch_sig_pub_len(s);

		assert_int_equal(pouch_sig_keygen(c, s, sk, pk), POUCH_OK);
		assert_int_equal(pouch_sig_pub_from_priv(c, s, sk, pk2),
		    POUCH_OK);
		assert_memory_equal(pk, pk2, publen);
		assert_int_equal(pouch_random(msg, sizeof(msg)), POUCH_OK);
		assert_int_equal(pouch_sig_sign(c, s, sk,
		    pouch_sig_priv_len(s), msg, sizeof(msg), sig, sizeof(sig),
		    &n), POUCH_OK);
		assert_true(n > 0 && n <= pouch_sig_max_len(s));
		for (i = 0; i < 3; i++) {
			if (!impl_ok(s, impls[i]))
				continue;
			assert_int_equal(pouch_sig_verify(c, s, impls[i], pk,
			    publen, msg, sizeof(msg), sig, n), POUCH_OK);
			msg[round] ^= 4;
			assert_int_equal(pouch_sig_verify(c, s, impls[i], pk,
			    publen, msg, sizeof(msg), sig, n),
			    POUCH_E_BAD_SIGNATURE);
			msg[round] ^= 4;
			sig[n - 1] ^= 1;
			assert_int_equal(pouch_sig_verify(c, s, impls[i], pk,
			    publen, msg, sizeof(msg), sig, n),
			    POUCH_E_BAD_SIGNATURE);
			sig[n - 1] ^= 1;
			assert_int_equal(pouch_sig_verify(c, s, impls[i], pk,
			    publen, msg, sizeof(msg), sig, n - 1),
			    POUCH_E_BAD_SIGNATURE);
			assert_int_equal(pouch_sig_verify(c, s, impls[i], pk2,
			    publen - 1, msg, sizeof(msg), sig, n),
			    POUCH_E_BAD_KEY);
		}
	}
}

/* ECDSA signatures over "sample" made by pyca/cryptography. */
static const struct {
	enum pouch_sig	 s;
	const char	*pk, *sig;
} ecdsa_kat[] = {
	{ POUCH_SIG_P256_SHA256,
	  "04515c3d6eb9e396b904d3feca7f54fdcd0cc1e997bf375dca515ad0a6c3b403"
	  "5f4536be3a50f318fbf9a5475902a221502bef0d57e08c53b2cc0a56f17d9f93"
	  "54",
	  "3044022077140ae99e9e33653d1cb57e03bf0f62de713006f2af96ced29ac704"
	  "19e1a07d02205e2773f7d4360c6f196147d4f8e10b14fe3e0ef1173782087395"
	  "ca28c27209b2" },
	{ POUCH_SIG_P384_SHA384,
	  "04c76f2283dda95cd49b0ed9e733d2904474e37216f124e13d2c9ab4cf01021c"
	  "49ad9cabb3d0b97499aef2f0ab313fa02826bc1f83451b5c8962a75caff73588"
	  "d4400a6296436154fb343c393e91048a6c7bcbadc83cd8a5f26feae883156f92"
	  "a1",
	  "3066023100c18ea3dca5cb96c0fb32c2fd8a7fd6da2d632dbc180e3ea1cbfd8a"
	  "5804614238d0135f71d372d0ba150f49c1cfa3a231023100c25f4108f29b1753"
	  "9cee55719d39be325a5bad35b3553625400bfe19a9a1d5064550e42fe44e1187"
	  "2a0ed3a574ef2269" },
	{ POUCH_SIG_P521_SHA512,
	  "04000366c8c3b22dfb87d0922163cd4b53cd43a24a29f79292fa4ef1288d69ed"
	  "139a7fc0552120ea1bdb4f88ca0da4eb91de9b077018d5885dbff0e91a66639a"
	  "9b72a500bd5e44e3a526e1051a4371c9bae5c7611ed489582ecdcc1ea277fe23"
	  "79286a3a1c0c7224c7b1ebb0a8b6e5fbda5cead23f47c300917d4f98f2d2d4dc"
	  "79d0109826",
	  "3081880242016d51ec6b8a4286ae4cb5e70b89e2b13020858ffbd2e5a0e3a493"
	  "401facc19d4a0e67908e1c8cce08e8bb913a9db203d1ba1306658a4b7b777e2f"
	  "755d19189e62f102420180d7627ada50ef234a846d64e8609e4e6a6c28d4b97a"
	  "5b9120c0b487585e3ca3371c1aaee284605ea5c8d727f29a80eae622e54540e6"
	  "1fc136d65fbe41a67f2070" },
};

static void
test_sig_ecdsa_foreign(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t pk[133], sig[POUCH_SIG_MAX + 1];
	size_t i, publen, siglen;

	for (i = 0; i < 3; i++) {
		enum pouch_sig s = ecdsa_kat[i].s;

		publen = unhex(ecdsa_kat[i].pk, pk, sizeof(pk));
		siglen = unhex(ecdsa_kat[i].sig, sig, sizeof(sig));
		assert_int_equal(pouch_sig_verify(c, s, POUCH_IMPL_DEFAULT,
		    pk, publen, (const uint8_t *)"sample", 6, sig, siglen),
		    POUCH_OK);
		assert_int_equal(pouch_sig_verify(c, s, POUCH_IMPL_DEFAULT,
		    pk, publen, (const uint8_t *)"sampla", 6, sig, siglen),
		    POUCH_E_BAD_SIGNATURE);
		/* Off-curve and compressed public keys. */
		pk[publen - 1] ^= 1;
		assert_int_equal(pouch_sig_verify(c, s, POUCH_IMPL_DEFAULT,
		    pk, publen, (const uint8_t *)"sample", 6, sig, siglen),
		    POUCH_E_BAD_KEY);
		pk[publen - 1] ^= 1;
		pk[0] = 0x03;
		assert_int_equal(pouch_sig_verify(c, s, POUCH_IMPL_DEFAULT,
		    pk, publen, (const uint8_t *)"sample", 6, sig, siglen),
		    POUCH_E_BAD_KEY);
		pk[0] = 0x04;
		/* Not DER: a trailing byte, a bad outer tag. */
		sig[siglen] = 0;
		assert_int_equal(pouch_sig_verify(c, s, POUCH_IMPL_DEFAULT,
		    pk, publen, (const uint8_t *)"sample", 6, sig,
		    siglen + 1), POUCH_E_BAD_SIGNATURE);
		sig[0] = 0x31;
		assert_int_equal(pouch_sig_verify(c, s, POUCH_IMPL_DEFAULT,
		    pk, publen, (const uint8_t *)"sample", 6, sig, siglen),
		    POUCH_E_BAD_SIGNATURE);
	}
}

/* Private keys: wrong length, scalar 0 or >= n for ECDSA. */
static void
test_sig_bad_private_keys(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_sig_key *k = (struct pouch_sig_key *)&k;
	uint8_t sk[66], pk[133], sig[POUCH_SIG_MAX];
	size_t n;
	int s;

	for (s = POUCH_SIG_ED25519; s <= POUCH_SIG_P521_SHA512; s++) {
		memset(sk, 0x11, sizeof(sk));
		assert_int_equal(pouch_sig_key_new(c, s, POUCH_IMPL_DEFAULT,
		    sk, pouch_sig_priv_len(s) - 1, &k), POUCH_E_BAD_KEY);
		assert_null(k);
		assert_int_equal(pouch_sig_sign(c, s, sk,
		    pouch_sig_priv_len(s) + 1, sk, 1, sig, sizeof(sig), &n),
		    POUCH_E_BAD_KEY);
		assert_int_equal(n, 0);
		if (s < POUCH_SIG_P256_SHA256)
			continue;
		memset(sk, 0, sizeof(sk));
		assert_int_equal(pouch_sig_key_new(c, s, POUCH_IMPL_DEFAULT,
		    sk, pouch_sig_priv_len(s), &k), POUCH_E_BAD_KEY);
		assert_int_equal(pouch_sig_pub_from_priv(c, s, sk, pk),
		    POUCH_E_BAD_KEY);
		memset(sk, 0xff, sizeof(sk));
		assert_int_equal(pouch_sig_sign(c, s, sk,
		    pouch_sig_priv_len(s), sk, 1, sig, sizeof(sig), &n),
		    POUCH_E_BAD_KEY);
	}
}

static void
test_sig_buffer_too_small(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_sig_key *k;
	uint8_t sk[66], pk[133], sig[POUCH_SIG_MAX];
	size_t n;
	int s;

	for (s = POUCH_SIG_ED25519; s <= POUCH_SIG_P521_SHA512; s++) {
		size_t max = pouch_sig_max_len(s);

		assert_int_equal(pouch_sig_keygen(c, s, sk, pk), POUCH_OK);
		assert_int_equal(pouch_sig_sign(c, s, sk,
		    pouch_sig_priv_len(s), sk, 1, sig, max - 1, &n),
		    POUCH_E_BUFFER_TOO_SMALL);
		assert_int_equal(n, max);
		assert_int_equal(pouch_sig_key_new(c, s, POUCH_IMPL_DEFAULT,
		    sk, pouch_sig_priv_len(s), &k), POUCH_OK);
		assert_int_equal(pouch_sig_key_sign(k, sk, 1, sig, 0, &n),
		    POUCH_E_BUFFER_TOO_SMALL);
		assert_int_equal(n, max);
		assert_int_equal(pouch_sig_key_sign(k, NULL, 0, sig, max, &n),
		    POUCH_OK);
		assert_int_equal(pouch_sig_verify(c, s, POUCH_IMPL_DEFAULT,
		    pk, pouch_sig_pub_len(s), NULL, 0, sig, n), POUCH_OK);
		pouch_sig_key_free(k);
	}
}

static void
test_sig_unsupported_and_misuse(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_sig_key *k = NULL;
	uint8_t sk[66] = { 1 }, pk[133] = { 0 }, sig[POUCH_SIG_MAX] = { 0 };
	size_t n;
	int s;

	for (s = POUCH_SIG_ED448; s <= POUCH_SIG_P521_SHA512; s++) {
		assert_int_equal(pouch_sig_key_new(c, s, POUCH_IMPL_SODIUM,
		    sk, pouch_sig_priv_len(s), &k), POUCH_E_UNSUPPORTED);
		assert_int_equal(pouch_sig_verify(c, s, POUCH_IMPL_SODIUM,
		    pk, pouch_sig_pub_len(s), sk, 1, sig, 64),
		    POUCH_E_UNSUPPORTED);
	}
	assert_int_equal(pouch_sig_keygen(c, (enum pouch_sig)0, sk, pk),
	    POUCH_E_UNSUPPORTED);
	assert_int_equal(pouch_sig_keygen(NULL, POUCH_SIG_ED25519, sk, pk),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_keygen(c, POUCH_SIG_ED25519, NULL, pk),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_pub_from_priv(c, POUCH_SIG_ED25519, sk,
	    NULL), POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_key_new(c, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, sk, 32, NULL), POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_key_new(NULL, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, sk, 32, &k), POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_key_new(c, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, NULL, 32, &k), POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_key_new(c, POUCH_SIG_ED25519,
	    (enum pouch_impl)5, sk, 32, &k), POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_key_sign(NULL, sk, 1, sig, sizeof(sig),
	    &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_key_new(c, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, sk, 32, &k), POUCH_OK);
	assert_int_equal(pouch_sig_key_sign(k, NULL, 1, sig, sizeof(sig),
	    &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_key_sign(k, sk, 1, NULL, sizeof(sig),
	    &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_key_sign(k, sk, 1, sig, sizeof(sig),
	    NULL), POUCH_E_MISUSE);
	pouch_sig_key_free(k);
	pouch_sig_key_free(NULL);
	assert_int_equal(pouch_sig_sign(NULL, POUCH_SIG_ED25519, sk, 32, sk,
	    1, sig, sizeof(sig), &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_sign(c, POUCH_SIG_ED25519, NULL, 32, sk,
	    1, sig, sizeof(sig), &n), POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_verify(NULL, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, pk, 32, sk, 1, sig, 64), POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_verify(c, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, NULL, 32, sk, 1, sig, 64), POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_verify(c, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, pk, 32, NULL, 1, sig, 64), POUCH_E_MISUSE);
	assert_int_equal(pouch_sig_verify(c, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, pk, 32, sk, 1, NULL, 64), POUCH_E_MISUSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_lengths),
		cmocka_unit_test(test_sig_eddsa_rfc8032),
		cmocka_unit_test(test_sig_ed25519_cross),
		cmocka_unit_test(test_sig_ed25519_parts),
		cmocka_unit_test(test_sig_parts_ecdsa_misuse),
		cmocka_unit_test(test_sig_round_trips),
		cmocka_unit_test(test_sig_ecdsa_foreign),
		cmocka_unit_test(test_sig_bad_private_keys),
		cmocka_unit_test(test_sig_buffer_too_small),
		cmocka_unit_test(test_sig_unsupported_and_misuse),
	};

	return cmocka_run_group_tests_name("crypto sig", tests,
	    crypto_setup, crypto_teardown);
}
