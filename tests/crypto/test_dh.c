/*
 * test_dh.c - src/crypto/dh.c and src/crypto/ec.c: X25519 (RFC 7748 5.2,
 * 6.1 and the iterated test) through libsodium and OpenSSL, X448 (RFC
 * 7748 5.2, 6.2), NIST-curve ECDH known answers (cross-computed with an
 * independent implementation) and round trips between implementations;
 * invalid public keys, low-order points, out-of-range scalars, unsupported
 * implementation choices and NULL arguments.
 */
#include "crypto_test.h"

static const enum pouch_impl x25519_impls[3] = {
	POUCH_IMPL_DEFAULT, POUCH_IMPL_SODIUM, POUCH_IMPL_OPENSSL
};

static void
test_dh_lengths(void **state)
{
	(void)state;
	assert_int_equal(pouch_dh_priv_len(POUCH_DH_P256), 32);
	assert_int_equal(pouch_dh_pub_len(POUCH_DH_P256), 65);
	assert_int_equal(pouch_dh_shared_len(POUCH_DH_P256), 32);
	assert_int_equal(pouch_dh_priv_len(POUCH_DH_P384), 48);
	assert_int_equal(pouch_dh_pub_len(POUCH_DH_P384), 97);
	assert_int_equal(pouch_dh_priv_len(POUCH_DH_P521), 66);
	assert_int_equal(pouch_dh_pub_len(POUCH_DH_P521), 133);
	assert_int_equal(pouch_dh_shared_len(POUCH_DH_P521), 66);
	assert_int_equal(pouch_dh_pub_len(POUCH_DH_X25519), 32);
	assert_int_equal(pouch_dh_priv_len(POUCH_DH_X448), 56);
	assert_int_equal(pouch_dh_shared_len(POUCH_DH_X448), 56);
	assert_int_equal(pouch_dh_pub_len((enum pouch_dh)0), 0);
	assert_int_equal(pouch_dh_priv_len((enum pouch_dh)6), 0);
	assert_true(pouch_dh_pub_len(POUCH_DH_P521) <= POUCH_DH_PUB_MAX);
	assert_true(pouch_dh_priv_len(POUCH_DH_P521) <= POUCH_DH_PRIV_MAX);
}

/* RFC 7748 5.2: two scalar/u-coordinate pairs per function. */
static const struct {
	enum pouch_dh	 d;
	const char	*k, *u, *out;
} rfc7748_52[] = {
	{ POUCH_DH_X25519,
	  "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
	  "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
	  "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
	{ POUCH_DH_X25519,
	  "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
	  "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
	  "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
	{ POUCH_DH_X448,
	  "3d262fddf9ec8e88495266fea19a34d28882acef045104d0d1aae121700a779c"
	  "984c24f8cdd78fbff44943eba368f54b29259a4f1c600ad3",
	  "06fce640fa3487bfda5f6cf2d5263f8aad88334cbd07437f020f08f9814dc031"
	  "ddbdc38c19c6da2583fa5429db94ada18aa7a7fb4ef8a086",
	  "ce3e4ff95a60dc6697da1db1d85e6afbdf79b50a2412d7546d5f239fe14fbaad"
	  "eb445fc66a01b0779d98223961111e21766282f73dd96b6f" },
	{ POUCH_DH_X448,
	  "203d494428b8399352665ddca42f9de8fef600908e0d461cb021f8c538345dd7"
	  "7c3e4806e25f46d3315c44e0a5b4371282dd2c8d5be3095f",
	  "0fbcc2f993cd56d3305b0b7d9e55d4c1a8fb5dbb52f8e9a1e9b6201b165d0158"
	  "94e56c4d3570bee52fe205e28a78b91cdfbde71ce8d157db",
	  "884a02576239ff7a2f2f63b2db6a9ff37047ac13568e1e30fe63c4a7ad1b3ee3"
	  "a5700df34321d62077e63633c575c1c954514e99da7c179d" },
};

/* X25519 runs through all three impl choices, X448 through two. */
static int
impl_ok(enum pouch_dh d, enum pouch_impl impl)
{
	return d == POUCH_DH_X25519 || impl != POUCH_IMPL_SODIUM;
}

static void
test_dh_rfc7748_vectors(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t k[56], u[56], out[56];
	size_t i, j, n;

	for (i = 0; i < sizeof(rfc7748_52) / sizeof(rfc7748_52[0]); i++) {
		unhex(rfc7748_52[i].k, k, sizeof(k));
		n = unhex(rfc7748_52[i].u, u, sizeof(u));
		for (j = 0; j < 3; j++) {
			if (!impl_ok(rfc7748_52[i].d, x25519_impls[j]))
				continue;
			memset(out, 0, sizeof(out));
			assert_int_equal(pouch_dh(c, rfc7748_52[i].d,
			    x25519_impls[j], k, u, n, out), POUCH_OK);
			assert_hex_equal(out, n, rfc7748_52[i].out);
		}
	}
}

/* RFC 7748 6.1 and 6.2: key pairs and the shared secret. */
static const struct {
	enum pouch_dh	 d;
	const char	*a, *A, *b, *B, *z;
} rfc7748_6[] = {
	{ POUCH_DH_X25519,
	  "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	  "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	  "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	  "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742" },
	{ POUCH_DH_X448,
	  "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf5"
	  "74a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
	  "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bb"
	  "c836647241d953d40c5b12da88120d53177f80e532c41fa0",
	  "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120"
	  "bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
	  "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972"
	  "fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
	  "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56"
	  "fd2464c335543936521c24403085d59a449a5037514a879d" },
};

static void
test_dh_rfc7748_exchange(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t a[56], A[56], b[56], B[56], out[56];
	size_t i, j, n;

	for (i = 0; i < sizeof(rfc7748_6) / sizeof(rfc7748_6[0]); i++) {
		enum pouch_dh d = rfc7748_6[i].d;

		n = unhex(rfc7748_6[i].a, a, sizeof(a));
		unhex(rfc7748_6[i].A, A, sizeof(A));
		unhex(rfc7748_6[i].b, b, sizeof(b));
		unhex(rfc7748_6[i].B, B, sizeof(B));
		for (j = 0; j < 3; j++) {
			enum pouch_impl impl = x25519_impls[j];

			if (!impl_ok(d, impl))
				continue;
			assert_int_equal(pouch_dh_pub_from_priv(c, d, impl, a,
			    out), POUCH_OK);
			assert_memory_equal(out, A, n);
			assert_int_equal(pouch_dh_pub_from_priv(c, d, impl, b,
			    out), POUCH_OK);
			assert_memory_equal(out, B, n);
			assert_int_equal(pouch_dh(c, d, impl, a, B, n, out),
			    POUCH_OK);
			assert_hex_equal(out, n, rfc7748_6[i].z);
			assert_int_equal(pouch_dh(c, d, impl, b, A, n, out),
			    POUCH_OK);
			assert_hex_equal(out, n, rfc7748_6[i].z);
		}
	}
}

/* RFC 7748 5.2: k = u = 9, then k, u = X25519(k, u), k; 1 and 1000. */
static void
test_dh_x25519_iterated(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t k[32], u[32], r[32];
	size_t j;
	int i;

	for (j = 0; j < 3; j++) {
		memset(k, 0, sizeof(k));
		k[0] = 9;
		memcpy(u, k, sizeof(u));
		for (i = 1; i <= 1000; i++) {
			assert_int_equal(pouch_dh(c, POUCH_DH_X25519,
			    x25519_impls[j], k, u, 32, r), POUCH_OK);
			memcpy(u, k, 32);
			memcpy(k, r, 32);
			if (i == 1)
				assert_hex_equal(k, 32, "422c8e7a6227d7bca1350b3e"
				    "2bb7279f7897b87bb6854b783c60e80311ae3079");
		}
		assert_hex_equal(k, 32, "684cf59ba83309552800ef566f2f4d3c"
		    "1c3887c49360e3875f2eb94d99532c51");
	}
}

/* Known answers for the NIST curves, computed with pyca/cryptography. */
static const struct {
	enum pouch_dh	 d;
	const char	*a, *A, *B, *z;
} nist_kat[] = {
	{ POUCH_DH_P256,
	  "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
	  "04515c3d6eb9e396b904d3feca7f54fdcd0cc1e997bf375dca515ad0a6c3b403"
	  "5f4536be3a50f318fbf9a5475902a221502bef0d57e08c53b2cc0a56f17d9f93"
	  "54",
	  "0413503389436c38c8cb1a381569d72dcb01bb3b99d105d81ffbdb0e2a15f71a"
	  "0db15fc2d6ce1cae3f34e5bf216bab21a0482a674f313723b4dba076fc8e01c9"
	  "92",
	  "b92763a633a2103f8fb5d605176729994b670b79933bb5dfbd6c1d32023389fd" },
	{ POUCH_DH_P384,
	  "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
	  "2122232425262728292a2b2c2d2e2f30",
	  "04c76f2283dda95cd49b0ed9e733d2904474e37216f124e13d2c9ab4cf01021c"
	  "49ad9cabb3d0b97499aef2f0ab313fa02826bc1f83451b5c8962a75caff73588"
	  "d4400a6296436154fb343c393e91048a6c7bcbadc83cd8a5f26feae883156f92"
	  "a1",
	  "045091c52e1c8e90a372d28665f4380bd656d0c071e53422cc032cccd08680e6"
	  "379a44d0139a11f4e50672b166ddf168800f8267d1d5ab9a29e3f6021deb3f5f"
	  "f7d4cc64ecf1d548559daf32d33c3c53ef972080fb6b6f745c695a0aadcba896"
	  "03",
	  "44b1f0954a254f445c1e917d34fbb858fea3d015095299ae9cad4cd39cc02b51"
	  "3ef16ac322f136bed46d8ea7f623fe4b" },
	{ POUCH_DH_P521,
	  "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
	  "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40"
	  "4142",
	  "04000366c8c3b22dfb87d0922163cd4b53cd43a24a29f79292fa4ef1288d69ed"
	  "139a7fc0552120ea1bdb4f88ca0da4eb91de9b077018d5885dbff0e91a66639a"
	  "9b72a500bd5e44e3a526e1051a4371c9bae5c7611ed489582ecdcc1ea277fe23"
	  "79286a3a1c0c7224c7b1ebb0a8b6e5fbda5cead23f47c300917d4f98f2d2d4dc"
	  "79d0109826",
	  "04005c9845862022f96b0ac6ebea7d0bd970f2ab4aa29957858fabc3ca5f1ef5"
	  "b76e172f87e6cc79b2d30049fcbb92f02f949bc5511ab393906bf73b0005edf8"
	  "78138001ad0b215711884170574fba9ddf242f28f4ddedd2f50e6118887755ea"
	  "dbc5509b135a073e77a9bcfdec8aaedf3d2c0b347330456c256008772aea879a"
	  "a57be18398",
	  "012b74721b79bd4283235b7bc5310207c8bff390c2398edfbfc36def2c5da7c7"
	  "f1fce800d44ff55ad6eb3cf203b80d18c866ce73b1e526cb07bbe91e74741c94"
	  "cb34" },
};

static void
test_dh_nist_known_answers(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t a[66], B[133], out[133];
	size_t i, publen;

	for (i = 0; i < 3; i++) {
		enum pouch_dh d = nist_kat[i].d;

		unhex(nist_kat[i].a, a, sizeof(a));
		publen = unhex(nist_kat[i].B, B, sizeof(B));
		assert_int_equal(pouch_dh_pub_from_priv(c, d,
		    POUCH_IMPL_DEFAULT, a, out), POUCH_OK);
		assert_hex_equal(out, pouch_dh_pub_len(d), nist_kat[i].A);
		assert_int_equal(pouch_dh_pub_check(c, d, B, publen),
		    POUCH_OK);
		assert_int_equal(pouch_dh(c, d, POUCH_IMPL_OPENSSL, a, B,
		    publen, out), POUCH_OK);
		assert_hex_equal(out, pouch_dh_shared_len(d), nist_kat[i].z);
	}
}

/* Fresh key pairs agree, across implementations where there are two. */
static void
test_dh_round_trips(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t a[66], A[133], b[66], B[133], z1[66], z2[66];
	int d, round;
	size_t i, j;

	for (d = POUCH_DH_P256; d <= POUCH_DH_X448; d++)
	for (round = 0; round < 4; round++)
	for (i = 0; i < 3; i++)
	for (j = 0; j < 3; j++) {
		enum pouch_impl ia = x25519_impls[i], ib = x25519_impls[j];
		size_t publen = pouch_dh_pub_len(d);

		if (!impl_ok(d, ia) || !impl_ok(d, ib))
			continue;
		assert_int_equal(pouch_dh_keygen(c, d, ia, a, A), POUCH_OK);
		assert_int_equal(pouch_dh_keygen(c, d, ib, b, B), POUCH_OK);
		assert_int_equal(pouch_dh_pub_check(c, d, A, publen),
		    POUCH_OK);
		assert_int_equal(pouch_dh(c, d, ia, a, B, publen, z1),
		    POUCH_OK);
		assert_int_equal(pouch_dh(c, d, ib, b, A, publen, z2),
		    POUCH_OK);
		assert_memory_equal(z1, z2, pouch_dh_shared_len(d));
		assert_memory_not_equal(a, b, pouch_dh_priv_len(d));
	}
}

/* Off-curve, compressed, wrong length, x >= p, infinity-like: BAD_KEY. */
static void
test_dh_nist_invalid_points(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t a[66], A[134], bad[134], z[66];
	size_t publen;
	int d;

	for (d = POUCH_DH_P256; d <= POUCH_DH_P521; d++) {
		publen = pouch_dh_pub_len(d);
		assert_int_equal(pouch_dh_keygen(c, d, POUCH_IMPL_DEFAULT, a,
		    A), POUCH_OK);
		A[publen] = 0;
#define EXPECT_BAD(buf, len) do {					\
	assert_int_equal(pouch_dh_pub_check(c, d, buf, len),		\
	    POUCH_E_BAD_KEY);						\
	assert_int_equal(pouch_dh(c, d, POUCH_IMPL_DEFAULT, a, buf, len,\
	    z), POUCH_E_BAD_KEY);					\
} while (0)
		/* Off the curve: last bit of y flipped. */
		memcpy(bad, A, publen);
		bad[publen - 1] ^= 1;
		EXPECT_BAD(bad, publen);
		/* Wrong length, both ways. */
		EXPECT_BAD(A, publen - 1);
		EXPECT_BAD(A, publen + 1);
		/* Compressed form, at its own length and padded. */
		memcpy(bad, A, publen);
		bad[0] = 0x02 | (A[publen - 1] & 1);
		EXPECT_BAD(bad, 1 + (publen - 1) / 2);
		EXPECT_BAD(bad, publen);
		/* Hybrid form (06/07) is refused too. */
		bad[0] = 0x06 | (A[publen - 1] & 1);
		EXPECT_BAD(bad, publen);
		/* All-zero coordinates; x and y all ones (>= p). */
		memset(bad, 0, publen);
		bad[0] = 0x04;
		EXPECT_BAD(bad, publen);
		memset(bad + 1, 0xff, publen - 1);
		EXPECT_BAD(bad, publen);
		/* The one-byte encoding of the point at infinity. */
		bad[0] = 0x00;
		EXPECT_BAD(bad, 1);
#undef EXPECT_BAD
	}
}

/* Group orders n; the scalars 0 and n are refused, n - 1 accepted. */
static const char *const orders[3] = {
	"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
	"ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf"
	"581a0db248b0a77aecec196accc52973",
	"01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
	"fffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e9138"
	"6409",
};

static void
test_dh_nist_scalar_range(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t k[66], pub[133], peer[66], B[133], z[66];
	size_t n;
	int i;

	for (i = 0; i < 3; i++) {
		enum pouch_dh d = POUCH_DH_P256 + i;

		assert_int_equal(pouch_dh_keygen(c, d, POUCH_IMPL_DEFAULT,
		    peer, B), POUCH_OK);
		n = pouch_dh_priv_len(d);
		memset(k, 0, n);
		assert_int_equal(pouch_dh_pub_from_priv(c, d,
		    POUCH_IMPL_DEFAULT, k, pub), POUCH_E_BAD_KEY);
		assert_int_equal(pouch_dh(c, d, POUCH_IMPL_DEFAULT, k, B,
		    pouch_dh_pub_len(d), z), POUCH_E_BAD_KEY);
		assert_int_equal(unhex(orders[i], k, sizeof(k)), n);
		assert_int_equal(pouch_dh_pub_from_priv(c, d,
		    POUCH_IMPL_DEFAULT, k, pub), POUCH_E_BAD_KEY);
		assert_int_equal(pouch_dh(c, d, POUCH_IMPL_DEFAULT, k, B,
		    pouch_dh_pub_len(d), z), POUCH_E_BAD_KEY);
		memset(k, 0xff, n);
		assert_int_equal(pouch_dh_pub_from_priv(c, d,
		    POUCH_IMPL_DEFAULT, k, pub), POUCH_E_BAD_KEY);
		/* n - 1 is the largest valid scalar (its point is -G). */
		unhex(orders[i], k, sizeof(k));
		k[n - 1] -= 1;
		assert_int_equal(pouch_dh_pub_from_priv(c, d,
		    POUCH_IMPL_DEFAULT, k, pub), POUCH_OK);
		assert_int_equal(pouch_dh(c, d, POUCH_IMPL_DEFAULT, k, B,
		    pouch_dh_pub_len(d), z), POUCH_OK);
		/* 1 gives the generator; P-256's G is well known. */
		memset(k, 0, n);
		k[n - 1] = 1;
		assert_int_equal(pouch_dh_pub_from_priv(c, d,
		    POUCH_IMPL_DEFAULT, k, pub), POUCH_OK);
		if (d == POUCH_DH_P256)
			assert_hex_equal(pub, 65, "046b17d1f2e12c4247f8bce6e563"
			    "a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a"
			    "7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51"
			    "f5");
	}
}

/* Points of small order give an all-zero secret: ZERO_SHARED. */
static void
test_dh_low_order(void **state)
{
	static const char *const x25519_low[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	const struct pouch_crypto *c = *state;
	uint8_t a[56], A[56], u[56], z[56];
	size_t i, j;

	for (j = 0; j < 3; j++) {
		assert_int_equal(pouch_dh_keygen(c, POUCH_DH_X25519,
		    x25519_impls[j], a, A), POUCH_OK);
		for (i = 0; i < sizeof(x25519_low) / sizeof(*x25519_low);
		    i++) {
			unhex(x25519_low[i], u, sizeof(u));
			assert_int_equal(pouch_dh(c, POUCH_DH_X25519,
			    x25519_impls[j], a, u, 32, z),
			    POUCH_E_ZERO_SHARED);
		}
	}
	/* X448: u = 0 and u = 1. */
	assert_int_equal(pouch_dh_keygen(c, POUCH_DH_X448, POUCH_IMPL_DEFAULT,
	    a, A), POUCH_OK);
	memset(u, 0, sizeof(u));
	assert_int_equal(pouch_dh(c, POUCH_DH_X448, POUCH_IMPL_DEFAULT, a, u,
	    56, z), POUCH_E_ZERO_SHARED);
	u[0] = 1;
	assert_int_equal(pouch_dh(c, POUCH_DH_X448, POUCH_IMPL_OPENSSL, a, u,
	    56, z), POUCH_E_ZERO_SHARED);
}

static void
test_dh_x_lengths(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t a[57], A[57], z[56];

	assert_int_equal(pouch_dh_keygen(c, POUCH_DH_X25519,
	    POUCH_IMPL_DEFAULT, a, A), POUCH_OK);
	assert_int_equal(pouch_dh_pub_check(c, POUCH_DH_X25519, A, 32),
	    POUCH_OK);
	assert_int_equal(pouch_dh_pub_check(c, POUCH_DH_X25519, A, 31),
	    POUCH_E_BAD_KEY);
	assert_int_equal(pouch_dh_pub_check(c, POUCH_DH_X25519, A, 33),
	    POUCH_E_BAD_KEY);
	assert_int_equal(pouch_dh(c, POUCH_DH_X25519, POUCH_IMPL_SODIUM, a, A,
	    31, z), POUCH_E_BAD_KEY);
	assert_int_equal(pouch_dh(c, POUCH_DH_X25519, POUCH_IMPL_OPENSSL, a,
	    A, 33, z), POUCH_E_BAD_KEY);
	assert_int_equal(pouch_dh_keygen(c, POUCH_DH_X448, POUCH_IMPL_DEFAULT,
	    a, A), POUCH_OK);
	assert_int_equal(pouch_dh_pub_check(c, POUCH_DH_X448, A, 57),
	    POUCH_E_BAD_KEY);
	assert_int_equal(pouch_dh(c, POUCH_DH_X448, POUCH_IMPL_DEFAULT, a, A,
	    55, z), POUCH_E_BAD_KEY);
}

static void
test_dh_unsupported_and_misuse(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t a[66] = { 1 }, A[133] = { 0 }, z[66];
	int d;

	for (d = POUCH_DH_P256; d <= POUCH_DH_X448; d++) {
		if (d == POUCH_DH_X25519)
			continue;
		assert_int_equal(pouch_dh_keygen(c, d, POUCH_IMPL_SODIUM, a,
		    A), POUCH_E_UNSUPPORTED);
		assert_int_equal(pouch_dh_pub_from_priv(c, d,
		    POUCH_IMPL_SODIUM, a, A), POUCH_E_UNSUPPORTED);
		assert_int_equal(pouch_dh(c, d, POUCH_IMPL_SODIUM, a, A,
		    pouch_dh_pub_len(d), z), POUCH_E_UNSUPPORTED);
	}
	assert_int_equal(pouch_dh_keygen(c, (enum pouch_dh)0,
	    POUCH_IMPL_DEFAULT, a, A), POUCH_E_UNSUPPORTED);
	assert_int_equal(pouch_dh_pub_check(c, (enum pouch_dh)9, A, 32),
	    POUCH_E_UNSUPPORTED);
	assert_int_equal(pouch_dh_keygen(c, POUCH_DH_X25519,
	    (enum pouch_impl)7, a, A), POUCH_E_MISUSE);
	assert_int_equal(pouch_dh_keygen(NULL, POUCH_DH_X25519,
	    POUCH_IMPL_DEFAULT, a, A), POUCH_E_MISUSE);
	assert_int_equal(pouch_dh_keygen(c, POUCH_DH_X25519,
	    POUCH_IMPL_DEFAULT, NULL, A), POUCH_E_MISUSE);
	assert_int_equal(pouch_dh_keygen(c, POUCH_DH_X25519,
	    POUCH_IMPL_DEFAULT, a, NULL), POUCH_E_MISUSE);
	assert_int_equal(pouch_dh_pub_from_priv(NULL, POUCH_DH_P256,
	    POUCH_IMPL_DEFAULT, a, A), POUCH_E_MISUSE);
	assert_int_equal(pouch_dh_pub_from_priv(c, POUCH_DH_P256,
	    POUCH_IMPL_DEFAULT, NULL, A), POUCH_E_MISUSE);
	assert_int_equal(pouch_dh_pub_from_priv(c, POUCH_DH_P256,
	    POUCH_IMPL_DEFAULT, a, NULL), POUCH_E_MISUSE);
	assert_int_equal(pouch_dh_pub_check(NULL, POUCH_DH_P256, A, 65),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_dh_pub_check(c, POUCH_DH_P256, NULL, 65),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_dh(NULL, POUCH_DH_X25519, POUCH_IMPL_DEFAULT,
	    a, A, 32, z), POUCH_E_MISUSE);
	assert_int_equal(pouch_dh(c, POUCH_DH_X25519, POUCH_IMPL_DEFAULT,
	    NULL, A, 32, z), POUCH_E_MISUSE);
	assert_int_equal(pouch_dh(c, POUCH_DH_X25519, POUCH_IMPL_DEFAULT,
	    a, NULL, 32, z), POUCH_E_MISUSE);
	assert_int_equal(pouch_dh(c, POUCH_DH_X25519, POUCH_IMPL_DEFAULT,
	    a, A, 32, NULL), POUCH_E_MISUSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dh_lengths),
		cmocka_unit_test(test_dh_rfc7748_vectors),
		cmocka_unit_test(test_dh_rfc7748_exchange),
		cmocka_unit_test(test_dh_x25519_iterated),
		cmocka_unit_test(test_dh_nist_known_answers),
		cmocka_unit_test(test_dh_round_trips),
		cmocka_unit_test(test_dh_nist_invalid_points),
		cmocka_unit_test(test_dh_nist_scalar_range),
		cmocka_unit_test(test_dh_low_order),
		cmocka_unit_test(test_dh_x_lengths),
		cmocka_unit_test(test_dh_unsupported_and_misuse),
	};

	return cmocka_run_group_tests_name("crypto dh", tests,
	    crypto_setup, crypto_teardown);
}
