/*
 * test_key_schedule.c - src/mls/key_schedule.c (RFC 9420 8, 8.5, 12.4.3.1).
 *
 * A known answer (key-schedule.json, suite 1, epoch 0 then 1), and the
 * behaviours around it: a NULL commit or psk secret is the all-zero
 * vector; the output may alias the previous epoch's struct; the joiner
 * path agrees with the member path; a failure leaves out untouched;
 * MLS-Exporter depends on its label, context and length; the external key
 * pair follows (out, cap, *len) with BUFFER_TOO_SMALL; clear wipes; the
 * external init secret (8.3) agrees between joiner and group in every
 * suite.
 */
#include "crypto/crypto_test.h"
#include "hpke/hpke.h"
#include "mls/key_schedule.h"

#define GID	"a897b53575b4dd35fed4466e4e714bfa949eaa72e616a9c68a47b39cb7a60d2e"

struct kat {
	uint8_t	init[32], commit[32], psk[32], gc[256];
	size_t	gclen;
};

static void
kat_load(struct kat *k)
{
	unhex(GID, k->init, sizeof(k->init));	/* initial_init_secret */
	unhex("a22606222e350fd7f0937168fe7548fb06626ab143cba7611d641693b1447509",
	    k->commit, sizeof(k->commit));
	unhex("e871b247379522395689182736cb3d1e7b108d6ae934b802223975de8dc3f80b",
	    k->psk, sizeof(k->psk));
	k->gclen = unhex("0001000120" GID "0000000000000000"
	    "209769e302a99c457350a8e636009b12a2fee068664004606d6318eb3a1977d818"
	    "205e57c9364dc71f0f71b19ffe561ab77257c490708a47e29f8f73f2b318201d2f"
	    "00", k->gc, sizeof(k->gc));
}

static void
known_answer_epoch0(void **state)
{
	const struct pouch_crypto *c = *state;
	const struct pouch_mls_suite *s = pouch_mls_suite_get(1);
	struct pouch_mls_epoch_secrets e;
	uint8_t ctx[32], out[32], pub[POUCH_HPKE_PK_MAX];
	size_t publen;
	struct kat k;

	kat_load(&k);
	assert_int_equal(pouch_mls_key_schedule(c, s, k.init, k.commit, k.psk,
	    k.gc, k.gclen, &e), POUCH_OK);
	assert_int_equal(e.nh, 32);
	assert_hex_equal(e.joiner_secret, 32,
	    "4fb996ba26b29a70f3ce6c310151ce8701cb812d027f4d4bbf5cc4e9f884638d");
	assert_hex_equal(e.welcome_secret, 32,
	    "ddcd9ced2d264798f876cbd00a200cdc4d77311dfef96975257efb66b0ef2c4d");
	assert_hex_equal(e.epoch_authenticator, 32,
	    "7375d449cde2c5a856c13c8eb52c16bf9ef29eceef59b09d1f946bd1bac24643");
	assert_hex_equal(e.init_secret, 32,
	    "505be2ce2ff922aa11e0a03d76346dda2981f1d9edf5cf98ecfc8757f69b00c9");
	unhex("884f1af892ab002f5be4c5d5081ade9e0e6418c6ea7a9a92e90534f19dcef785",
	    ctx, sizeof(ctx));
	/* the vector's label is the hex string itself, used as text */
	assert_int_equal(pouch_mls_exporter(c, s, e.exporter_secret,
	    "9ba13d54ecdec7cbefcb47b4268d7b1990fabc6d6e67681e167959389d84e4e4",
	    ctx, sizeof(ctx), out, sizeof(out)), POUCH_OK);
	assert_hex_equal(out, 32,
	    "dbce4e25e59ab4dfa6f6200f113ed08393cf6e7286d024811141c6a4dd11c0cb");
	assert_int_equal(pouch_mls_external_keypair(c, s, e.external_secret,
	    NULL, 0, NULL, pub, sizeof(pub), &publen), POUCH_OK);
	assert_hex_equal(pub, publen,
	    "640117516be304ac1160933c894a6df9290231f1843f3685c124fc42c785c02c");
	pouch_mls_epoch_secrets_clear(&e);
	assert_true(is_zero((const uint8_t *)&e, sizeof(e)));
}

/* The next epoch may be computed into the struct holding init_secret. */
static void
output_may_alias_previous_epoch(void **state)
{
	const struct pouch_crypto *c = *state;
	const struct pouch_mls_suite *s = pouch_mls_suite_get(1);
	struct pouch_mls_epoch_secrets e, f;
	struct kat k;

	kat_load(&k);
	assert_int_equal(pouch_mls_key_schedule(c, s, k.init, k.commit, k.psk,
	    k.gc, k.gclen, &e), POUCH_OK);
	assert_int_equal(pouch_mls_key_schedule(c, s, e.init_secret, k.commit,
	    NULL, k.gc, k.gclen, &f), POUCH_OK);
	assert_int_equal(pouch_mls_key_schedule(c, s, e.init_secret, k.commit,
	    NULL, k.gc, k.gclen, &e), POUCH_OK);
	assert_memory_equal(&e, &f, sizeof(e));
	/* same for the joiner entry point */
	assert_int_equal(pouch_mls_key_schedule_joiner(c, s, f.joiner_secret,
	    NULL, k.gc, k.gclen, &f), POUCH_OK);
	assert_memory_equal(&e, &f, sizeof(e));
}

static void
null_secret_is_zero_vector(void **state)
{
	const struct pouch_crypto *c = *state;
	const struct pouch_mls_suite *s = pouch_mls_suite_get(7);
	static const uint8_t zero[POUCH_HASH_MAX];
	struct pouch_mls_epoch_secrets a, b;
	uint8_t w[POUCH_HASH_MAX];
	struct kat k;

	kat_load(&k);
	memset(k.init, 0x11, sizeof(k.init));
	/* suite 7 has Nh = 48: init is only read for 48 bytes */
	assert_int_equal(pouch_mls_key_schedule(c, s, zero, NULL, NULL, k.gc,
	    k.gclen, &a), POUCH_OK);
	assert_int_equal(pouch_mls_key_schedule(c, s, zero, zero, zero, k.gc,
	    k.gclen, &b), POUCH_OK);
	assert_int_equal(a.nh, 48);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(pouch_mls_welcome_secret(c, s, a.joiner_secret, NULL,
	    w), POUCH_OK);
	assert_memory_equal(w, a.welcome_secret, 48);
	/* the psk_secret changes everything after the joiner secret */
	b.welcome_secret[0] ^= 1;
	assert_int_equal(pouch_mls_key_schedule(c, s, zero, NULL, k.init,
	    k.gc, k.gclen, &b), POUCH_OK);
	assert_memory_equal(a.joiner_secret, b.joiner_secret, 48);
	assert_memory_not_equal(a.welcome_secret, b.welcome_secret, 48);
	assert_memory_not_equal(a.init_secret, b.init_secret, 48);
}

static void
failure_leaves_output(void **state)
{
	const struct pouch_crypto *c = *state;
	const struct pouch_mls_suite *s = pouch_mls_suite_get(1);
	struct pouch_mls_epoch_secrets e, copy;
	struct kat k;

	kat_load(&k);
	memset(&e, 0x5a, sizeof(e));
	copy = e;
	assert_int_equal(pouch_mls_key_schedule(NULL, s, k.init, NULL, NULL,
	    k.gc, k.gclen, &e), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_key_schedule(c, NULL, k.init, NULL, NULL,
	    k.gc, k.gclen, &e), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_key_schedule(c, s, NULL, NULL, NULL, k.gc,
	    k.gclen, &e), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_key_schedule(c, s, k.init, NULL, NULL,
	    NULL, 3, &e), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_key_schedule_joiner(c, s, NULL, NULL, k.gc,
	    k.gclen, &e), POUCH_E_MISUSE);
	assert_memory_equal(&e, &copy, sizeof(e));
	assert_int_equal(pouch_mls_key_schedule(c, s, k.init, NULL, NULL,
	    k.gc, k.gclen, NULL), POUCH_E_MISUSE);
	pouch_mls_epoch_secrets_clear(NULL);
}

static void
exporter_inputs(void **state)
{
	const struct pouch_crypto *c = *state;
	const struct pouch_mls_suite *s = pouch_mls_suite_get(3);
	uint8_t sec[32], a[64], b[64], big[1];

	memset(sec, 7, sizeof(sec));
	assert_int_equal(pouch_mls_exporter(c, s, sec, "l", NULL, 0, a, 64),
	    POUCH_OK);
	assert_int_equal(pouch_mls_exporter(c, s, sec, "m", NULL, 0, b, 64),
	    POUCH_OK);
	assert_memory_not_equal(a, b, 64);
	assert_int_equal(pouch_mls_exporter(c, s, sec, "l", sec, 1, b, 64),
	    POUCH_OK);
	assert_memory_not_equal(a, b, 64);
	/* the length is part of the KDFLabel: a prefix is not a shorter
	 * export */
	assert_int_equal(pouch_mls_exporter(c, s, sec, "l", NULL, 0, b, 16),
	    POUCH_OK);
	assert_memory_not_equal(a, b, 16);
	assert_int_equal(pouch_mls_exporter(c, s, sec, "l", NULL, 0, big,
	    65536), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_exporter(c, s, sec, NULL, NULL, 0, a, 8),
	    POUCH_E_MISUSE);
}

static void
external_keypair_buffers(void **state)
{
	const struct pouch_crypto *c = *state;
	const struct pouch_mls_suite *s = pouch_mls_suite_get(2);
	uint8_t sec[32], sk[POUCH_HPKE_SK_MAX], pk[POUCH_HPKE_PK_MAX];
	uint8_t pk2[POUCH_HPKE_PK_MAX];
	size_t sklen, pklen, pk2len;

	memset(sec, 3, sizeof(sec));
	assert_int_equal(pouch_mls_external_keypair(c, s, sec, sk, 4, &sklen,
	    pk, sizeof(pk), &pklen), POUCH_E_BUFFER_TOO_SMALL);
	assert_int_equal(sklen, 32);
	assert_int_equal(pklen, 65);
	assert_int_equal(pouch_mls_external_keypair(c, s, sec, sk, sizeof(sk),
	    &sklen, pk, 64, &pklen), POUCH_E_BUFFER_TOO_SMALL);
	assert_int_equal(pklen, 65);
	assert_int_equal(pouch_mls_external_keypair(c, s, sec, sk, sizeof(sk),
	    &sklen, pk, sizeof(pk), &pklen), POUCH_OK);
	/* the private key gives the public key */
	assert_int_equal(pouch_dh_pub_from_priv(c, POUCH_DH_P256,
	    POUCH_IMPL_DEFAULT, sk, pk2), POUCH_OK);
	pk2len = 65;
	assert_memory_equal(pk, pk2, pk2len);
	assert_int_equal(pouch_mls_external_keypair(c, s, sec, NULL, 0, NULL,
	    NULL, 0, &pklen), POUCH_E_MISUSE);
}

static void
welcome_key_nonce(void **state)
{
	const struct pouch_crypto *c = *state;
	const struct pouch_mls_suite *s = pouch_mls_suite_get(5);
	uint8_t w[64], key[32], nonce[12], k2[32];

	memset(w, 9, sizeof(w));
	assert_int_equal(pouch_mls_welcome_key_nonce(c, s, w, key, nonce),
	    POUCH_OK);
	assert_int_equal(pouch_mls_expand_with_label(c, s, w, 64, "key", NULL,
	    0, k2, 32), POUCH_OK);
	assert_memory_equal(key, k2, 32);
	assert_int_equal(pouch_mls_welcome_key_nonce(c, s, NULL, key, nonce),
	    POUCH_E_MISUSE);
}

static void
external_init_round_trip(void **state)
{
	const struct pouch_crypto *c = *state;
	uint8_t sec[64], sk[POUCH_HPKE_SK_MAX], pk[POUCH_HPKE_PK_MAX];
	uint8_t kem[POUCH_HPKE_ENC_MAX], a[64], b[64];
	size_t sklen, pklen, kemlen, need;
	uint16_t id;

	memset(sec, 0x42, sizeof(sec));
	for (id = 1; id <= 7; id++) {
		const struct pouch_mls_suite *s = pouch_mls_suite_get(id);

		assert_int_equal(pouch_mls_external_keypair(c, s, sec, sk,
		    sizeof(sk), &sklen, pk, sizeof(pk), &pklen), POUCH_OK);
		assert_int_equal(pouch_mls_external_init_send(c, s, pk, pklen,
		    kem, 8, &need, a), POUCH_E_BUFFER_TOO_SMALL);
		assert_true(need > 8);
		assert_int_equal(pouch_mls_external_init_send(c, s, pk, pklen,
		    kem, sizeof(kem), &kemlen, a), POUCH_OK);
		assert_int_equal(kemlen, need);
		assert_int_equal(pouch_mls_external_init_recv(c, s, sk, sklen,
		    kem, kemlen, b), POUCH_OK);
		assert_memory_equal(a, b, s->nh);
		/* a fresh ephemeral key each time */
		assert_int_equal(pouch_mls_external_init_send(c, s, pk, pklen,
		    kem, sizeof(kem), &kemlen, b), POUCH_OK);
		assert_memory_not_equal(a, b, s->nh);
		assert_int_equal(pouch_mls_external_init_send(c, s, pk,
		    pklen - 1, kem, sizeof(kem), &kemlen, b), POUCH_E_BAD_KEY);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_answer_epoch0),
		cmocka_unit_test(output_may_alias_previous_epoch),
		cmocka_unit_test(null_secret_is_zero_vector),
		cmocka_unit_test(failure_leaves_output),
		cmocka_unit_test(exporter_inputs),
		cmocka_unit_test(external_keypair_buffers),
		cmocka_unit_test(welcome_key_nonce),
		cmocka_unit_test(external_init_round_trip),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
