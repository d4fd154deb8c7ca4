/*
 * test_hpke.c - unit tests of src/hpke: round trips over every KEM, KDF,
 * AEAD and mode; refusal of tampered enc, ciphertext and aad, of a wrong
 * PSK, of invalid and low-order public keys and of PSK inputs that do not
 * fit the mode; the sequence-number limit; the export-only AEAD; NULL
 * arguments; short output buffers; unknown algorithm ids; and the
 * post-quantum rows (ML-KEM-512/768/1024, X-Wing, MLKEM768-P256,
 * MLKEM1024-P384): round trips in the base and psk modes, auth modes
 * refused, tampered and invalid inputs, the NIST hybrids' curve checks
 * and their scalar rejection sampling.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "hpke/hpke.h"

static const uint16_t kem_ids[] = {
	POUCH_HPKE_KEM_P256, POUCH_HPKE_KEM_P384, POUCH_HPKE_KEM_P521,
	POUCH_HPKE_KEM_X25519, POUCH_HPKE_KEM_X448
};
/* draft-ietf-hpke-pq rows: base and psk modes only (no AuthEncap). */
static const uint16_t pq_kem_ids[] = {
	POUCH_HPKE_KEM_MLKEM512, POUCH_HPKE_KEM_MLKEM768,
	POUCH_HPKE_KEM_MLKEM1024, POUCH_HPKE_KEM_XWING,
	POUCH_HPKE_KEM_MLKEM768_P256, POUCH_HPKE_KEM_MLKEM1024_P384
};
static const uint16_t kdf_ids[] = {
	POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_KDF_HKDF_SHA384,
	POUCH_HPKE_KDF_HKDF_SHA512, POUCH_HPKE_KDF_SHAKE128,
	POUCH_HPKE_KDF_SHAKE256
};
static const uint16_t aead_ids[] = {
	POUCH_HPKE_AEAD_AES128GCM, POUCH_HPKE_AEAD_AES256GCM,
	POUCH_HPKE_AEAD_CHACHA20POLY1305, POUCH_HPKE_AEAD_EXPORT_ONLY
};
static const uint8_t modes[] = {
	POUCH_HPKE_MODE_BASE, POUCH_HPKE_MODE_PSK, POUCH_HPKE_MODE_AUTH,
	POUCH_HPKE_MODE_AUTH_PSK
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const uint8_t info[] = "pouch test info";
static const uint8_t aad[] = "pouch test aad";
static const uint8_t msg[] = "a message in the pouch";
static const uint8_t psk[32] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32
};
static const uint8_t psk_id[] = "pouch psk id";

struct kp {
	uint8_t	sk[POUCH_HPKE_SK_MAX];
	uint8_t	pk[POUCH_HPKE_PK_MAX];
	size_t	sklen, pklen;
};

static int
setup(void **state)
{
	struct pouch_crypto *c = NULL;

	if (pouch_crypto_new(&c) != POUCH_OK)
		return -1;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	pouch_crypto_free(*state);
	return 0;
}

static void
keygen(const struct pouch_crypto *c, uint16_t kem, struct kp *k)
{
	assert_int_equal(pouch_hpke_generate_keypair(c, kem, k->sk,
	    sizeof(k->sk), &k->sklen, k->pk, sizeof(k->pk), &k->pklen),
	    POUCH_OK);
}

static int
is_psk_mode(uint8_t mode)
{
	return mode == POUCH_HPKE_MODE_PSK || mode == POUCH_HPKE_MODE_AUTH_PSK;
}

static int
is_auth_mode(uint8_t mode)
{
	return mode == POUCH_HPKE_MODE_AUTH ||
	    mode == POUCH_HPKE_MODE_AUTH_PSK;
}

static void
params_init(struct pouch_hpke_params *p, uint8_t mode, uint16_t kem,
    uint16_t kdf, uint16_t aead)
{
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->kem = kem;
	p->kdf = kdf;
	p->aead = aead;
	p->info = info;
	p->infolen = sizeof(info);
	if (is_psk_mode(mode)) {
		p->psk = psk;
		p->psklen = sizeof(psk);
		p->psk_id = psk_id;
		p->psk_idlen = sizeof(psk_id);
	}
}

/* A sender and a receiver context over a fresh receiver (and sender) key. */
static void
pair(const struct pouch_crypto *c, const struct pouch_hpke_params *base,
    struct pouch_hpke_ctx **s, struct pouch_hpke_ctx **r)
{
	struct pouch_hpke_params p = *base;
	struct kp kr, ks;
	uint8_t enc[POUCH_HPKE_ENC_MAX];
	size_t enclen;

	keygen(c, p.kem, &kr);
	keygen(c, p.kem, &ks);
	if (is_auth_mode(p.mode)) {
		p.skS = ks.sk;
		p.skSlen = ks.sklen;
	}
	assert_int_equal(pouch_hpke_setup_sender(c, &p, kr.pk, kr.pklen, NULL,
	    0, enc, sizeof(enc), &enclen, s, NULL), POUCH_OK);
	assert_int_equal(enclen, pouch_hpke_kem_get(p.kem)->Nenc);
	p.skS = NULL;
	p.skSlen = 0;
	if (is_auth_mode(p.mode)) {
		p.pkS = ks.pk;
		p.pkSlen = ks.pklen;
	}
	assert_int_equal(pouch_hpke_setup_receiver(c, &p, enc, enclen, kr.sk,
	    kr.sklen, r, NULL), POUCH_OK);
}

static void
roundtrip_one(const struct pouch_crypto *c, uint8_t mode, uint16_t kem,
    uint16_t kdf, uint16_t aead)
{
	struct pouch_hpke_params p;
	struct pouch_hpke_ctx *s = NULL, *r = NULL;
	uint8_t ct[sizeof(msg) + POUCH_HPKE_NT], pt[sizeof(msg)];
	uint8_t e1[100], e2[100];
	size_t ctlen, ptlen;
	int i;

	params_init(&p, mode, kem, kdf, aead);
	pair(c, &p, &s, &r);
	for (i = 0; i < 3; i++) {
		if (aead == POUCH_HPKE_AEAD_EXPORT_ONLY) {
			assert_int_equal(pouch_hpke_seal(c, s, aad, sizeof(aad),
			    msg, sizeof(msg), ct, sizeof(ct), &ctlen),
			    POUCH_E_MISUSE);
			break;
		}
		assert_int_equal(pouch_hpke_seal(c, s, aad, sizeof(aad), msg,
		    sizeof(msg), ct, sizeof(ct), &ctlen), POUCH_OK);
		assert_int_equal(ctlen, sizeof(ct));
		assert_int_equal(pouch_hpke_open(c, r, aad, sizeof(aad), ct,
		    ctlen, pt, sizeof(pt), &ptlen), POUCH_OK);
		assert_int_equal(ptlen, sizeof(msg));
		assert_memory_equal(pt, msg, sizeof(msg));
	}
	assert_int_equal(pouch_hpke_export(c, s, info, sizeof(info), e1,
	    sizeof(e1)), POUCH_OK);
	assert_int_equal(pouch_hpke_export(c, r, info, sizeof(info), e2,
	    sizeof(e2)), POUCH_OK);
	assert_memory_equal(e1, e2, sizeof(e1));
	pouch_hpke_ctx_free(s);
	pouch_hpke_ctx_free(r);
}

static void
test_roundtrip_every_suite_and_mode(void **state)
{
	size_t m, k, d, a;

	for (k = 0; k < NELEM(kem_ids); k++)
		for (d = 0; d < NELEM(kdf_ids); d++)
			for (a = 0; a < NELEM(aead_ids); a++)
				for (m = 0; m < NELEM(modes); m++)
					roundtrip_one(*state, modes[m],
					    kem_ids[k], kdf_ids[d],
					    aead_ids[a]);
}

/* seal_base / open_base over one suite; returns enc and ct lengths. */
static void
seal_fixture(const struct pouch_crypto *c, uint16_t kem, uint16_t aead,
    struct kp *kr, uint8_t *enc, size_t *enclen, uint8_t *ct, size_t *ctlen)
{
	keygen(c, kem, kr);
	assert_int_equal(pouch_hpke_seal_base(c, kem,
	    POUCH_HPKE_KDF_HKDF_SHA256, aead, kr->pk, kr->pklen, info,
	    sizeof(info), aad, sizeof(aad), msg, sizeof(msg), enc,
	    POUCH_HPKE_ENC_MAX, enclen, ct, sizeof(msg) + POUCH_HPKE_NT,
	    ctlen), POUCH_OK);
}

static int
open_fixture(const struct pouch_crypto *c, uint16_t kem, uint16_t aead,
    const struct kp *kr, const uint8_t *enc, size_t enclen, const uint8_t *a,
    size_t alen, const uint8_t *ct, size_t ctlen, uint8_t *pt, size_t *ptlen)
{
	return pouch_hpke_open_base(c, kem, POUCH_HPKE_KDF_HKDF_SHA256, aead,
	    kr->sk, kr->sklen, enc, enclen, info, sizeof(info), a, alen, ct,
	    ctlen, pt, sizeof(msg), ptlen);
}

static void
test_single_shot_roundtrip(void **state)
{
	const struct pouch_crypto *c = *state;
	struct kp kr;
	uint8_t enc[POUCH_HPKE_ENC_MAX], ct[sizeof(msg) + POUCH_HPKE_NT];
	uint8_t pt[sizeof(msg)];
	size_t enclen, ctlen, ptlen, k, a;

	for (k = 0; k < NELEM(kem_ids); k++) {
		for (a = 0; a < 3; a++) {
			seal_fixture(c, kem_ids[k], aead_ids[a], &kr, enc,
			    &enclen, ct, &ctlen);
			assert_int_equal(enclen,
			    pouch_hpke_kem_get(kem_ids[k])->Nenc);
			assert_int_equal(ctlen, sizeof(ct));
			assert_int_equal(open_fixture(c, kem_ids[k],
			    aead_ids[a], &kr, enc, enclen, aad, sizeof(aad), ct,
			    ctlen, pt, &ptlen), POUCH_OK);
			assert_int_equal(ptlen, sizeof(msg));
			assert_memory_equal(pt, msg, sizeof(msg));
		}
	}
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
test_tampered_ct_aad_enc_refused(void **state)
{
	const struct pouch_crypto *c = *state;
	const uint16_t kem = POUCH_HPKE_KEM_X25519,
	    aead = POUCH_HPKE_AEAD_AES128GCM;
	struct kp kr;
	uint8_t enc[POUCH_HPKE_ENC_MAX], ct[sizeof(msg) + POUCH_HPKE_NT];
	uint8_t pt[sizeof(msg)], bad_aad[sizeof(aad)];
	size_t enclen, ctlen, ptlen, i;

	seal_fixture(c, kem, aead, &kr, enc, &enclen, ct, &ctlen);
	/* every byte of ct, one bit flipped: DECRYPT and pt zeroed */
	for (i = 0; i < ctlen; i++) {
		ct[i] ^= 0x01;
		memset(pt, 0xaa, sizeof(pt));
		assert_int_equal(open_fixture(c, kem, aead, &kr, enc, enclen,
		    aad, sizeof(aad), ct, ctlen, pt, &ptlen), POUCH_E_DECRYPT);
		assert_int_equal(ptlen, 0);
		assert_true(all_zero(pt, sizeof(pt)));
		ct[i] ^= 0x01;
	}
	/* truncated ct, down to shorter than a tag */
	assert_int_equal(open_fixture(c, kem, aead, &kr, enc, enclen, aad,
	    sizeof(aad), ct, ctlen - 1, pt, &ptlen), POUCH_E_DECRYPT);
	assert_int_equal(open_fixture(c, kem, aead, &kr, enc, enclen, aad,
	    sizeof(aad), ct, POUCH_HPKE_NT - 1, pt, &ptlen), POUCH_E_DECRYPT);
	/* aad changed or missing */
	memcpy(bad_aad, aad, sizeof(aad));
	bad_aad[0] ^= 0x80;
	assert_int_equal(open_fixture(c, kem, aead, &kr, enc, enclen, bad_aad,
	    sizeof(bad_aad), ct, ctlen, pt, &ptlen), POUCH_E_DECRYPT);
	assert_int_equal(open_fixture(c, kem, aead, &kr, enc, enclen, NULL, 0,
	    ct, ctlen, pt, &ptlen), POUCH_E_DECRYPT);
	/* X25519 enc with a bit flipped is another valid point: DECRYPT */
	enc[5] ^= 0x10;
	assert_int_equal(open_fixture(c, kem, aead, &kr, enc, enclen, aad,
	    sizeof(aad), ct, ctlen, pt, &ptlen), POUCH_E_DECRYPT);
	assert_true(all_zero(pt, sizeof(pt)));
	enc[5] ^= 0x10;
	/* and the untouched message still opens */
	assert_int_equal(open_fixture(c, kem, aead, &kr, enc, enclen, aad,
	    sizeof(aad), ct, ctlen, pt, &ptlen), POUCH_OK);
}

static void
test_tampered_nist_enc_refused(void **state)
{
	const struct pouch_crypto *c = *state;
	const uint16_t aead = POUCH_HPKE_AEAD_AES256GCM;
	struct kp kr;
	uint8_t enc[POUCH_HPKE_ENC_MAX], ct[sizeof(msg) + POUCH_HPKE_NT];
	uint8_t pt[sizeof(msg)];
	size_t enclen, ctlen, ptlen, k;
	int rc;

	for (k = 0; k < 3; k++) {
		seal_fixture(c, kem_ids[k], aead, &kr, enc, &enclen, ct,
		    &ctlen);
		/* a flipped y bit leaves the curve: BAD_KEY, never OK */
		enc[enclen - 1] ^= 0x01;
		rc = open_fixture(c, kem_ids[k], aead, &kr, enc, enclen, aad,
		    sizeof(aad), ct, ctlen, pt, &ptlen);
		assert_int_equal(rc, POUCH_E_BAD_KEY);
		enc[enclen - 1] ^= 0x01;
		/* wrong length */
		rc = open_fixture(c, kem_ids[k], aead, &kr, enc, enclen - 1,
		    aad, sizeof(aad), ct, ctlen, pt, &ptlen);
		assert_int_equal(rc, POUCH_E_BAD_KEY);
	}
}

static void
test_wrong_psk_refused(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_hpke_params p;
	struct pouch_hpke_ctx *s = NULL, *r = NULL;
	struct kp kr;
	uint8_t enc[POUCH_HPKE_ENC_MAX], ct[sizeof(msg) + POUCH_HPKE_NT];
	uint8_t pt[sizeof(msg)], other[sizeof(psk)];
	size_t enclen, ctlen, ptlen;

	keygen(c, POUCH_HPKE_KEM_X25519, &kr);
	params_init(&p, POUCH_HPKE_MODE_PSK, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_CHACHA20POLY1305);
	assert_int_equal(pouch_hpke_setup_sender(c, &p, kr.pk, kr.pklen, NULL,
	    0, enc, sizeof(enc), &enclen, &s, NULL), POUCH_OK);
	assert_int_equal(pouch_hpke_seal(c, s, aad, sizeof(aad), msg,
	    sizeof(msg), ct, sizeof(ct), &ctlen), POUCH_OK);
	memcpy(other, psk, sizeof(psk));
	other[31] ^= 1;
	p.psk = other;
	assert_int_equal(pouch_hpke_setup_receiver(c, &p, enc, enclen, kr.sk,
	    kr.sklen, &r, NULL), POUCH_OK);
	assert_int_equal(pouch_hpke_open(c, r, aad, sizeof(aad), ct, ctlen, pt,
	    sizeof(pt), &ptlen), POUCH_E_DECRYPT);
	assert_true(all_zero(pt, sizeof(pt)));
	assert_int_equal(r->seq, 0);	/* a failed Open does not count */
	pouch_hpke_ctx_free(r);
	pouch_hpke_ctx_free(s);
}

static void
test_invalid_pkR_refused(void **state)
{
	const struct pouch_crypto *c = *state;
	struct kp kr;
	uint8_t enc[POUCH_HPKE_ENC_MAX], ct[sizeof(msg) + POUCH_HPKE_NT];
	uint8_t bad[POUCH_HPKE_PK_MAX];
	size_t enclen, ctlen, k;

	for (k = 0; k < NELEM(kem_ids); k++) {
		const uint16_t kem = kem_ids[k];
		const int nist = k < 3;

		keygen(c, kem, &kr);
		memcpy(bad, kr.pk, kr.pklen);
		/* wrong length, both ways */
		assert_int_equal(pouch_hpke_seal_base(c, kem,
		    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM, bad,
		    kr.pklen - 1, NULL, 0, NULL, 0, msg, sizeof(msg), enc,
		    sizeof(enc), &enclen, ct, sizeof(ct), &ctlen),
		    POUCH_E_BAD_KEY);
		assert_int_equal(enclen, 0);
		assert_int_equal(pouch_hpke_seal_base(c, kem,
		    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM, bad,
		    kr.pklen + 1, NULL, 0, NULL, 0, msg, sizeof(msg), enc,
		    sizeof(enc), &enclen, ct, sizeof(ct), &ctlen),
		    POUCH_E_BAD_KEY);
		assert_int_equal(pouch_hpke_pk_check(c, kem, kr.pk, kr.pklen),
		    POUCH_OK);
		assert_int_equal(pouch_hpke_pk_check(c, kem, kr.pk,
		    kr.pklen - 1), POUCH_E_BAD_KEY);
		if (!nist)
			continue;
		/* off the curve */
		bad[kr.pklen - 1] ^= 0x01;
		assert_int_equal(pouch_hpke_pk_check(c, kem, bad, kr.pklen),
		    POUCH_E_BAD_KEY);
		assert_int_equal(pouch_hpke_seal_base(c, kem,
		    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM, bad,
		    kr.pklen, NULL, 0, NULL, 0, msg, sizeof(msg), enc,
		    sizeof(enc), &enclen, ct, sizeof(ct), &ctlen),
		    POUCH_E_BAD_KEY);
		/* not an uncompressed point */
		bad[kr.pklen - 1] ^= 0x01;
		bad[0] = 0x02;
		assert_int_equal(pouch_hpke_seal_base(c, kem,
		    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM, bad,
		    kr.pklen, NULL, 0, NULL, 0, msg, sizeof(msg), enc,
		    sizeof(enc), &enclen, ct, sizeof(ct), &ctlen),
		    POUCH_E_BAD_KEY);
	}
}

/*
 * X25519 points of small order (RFC 7748; the list of libsodium and
 * Bernstein's page): the DH output is all zero and must be refused
 * (RFC 9180 7.1.4), both as enc and as pkR.
 */
static void
test_x25519_low_order_refused(void **state)
{
	const struct pouch_crypto *c = *state;
	static const uint8_t low[][32] = {
		{ 0 },						/* 0 */
		{ 1 },						/* 1 */
		/* order 8 */
		{ 0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae,
		  0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
		  0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd,
		  0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00 },
		{ 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f }, /* p - 1 */
	};
	struct kp kr;
	uint8_t ct[sizeof(msg) + POUCH_HPKE_NT], pt[sizeof(msg)];
	uint8_t enc[POUCH_HPKE_ENC_MAX];
	size_t i, ptlen, enclen, ctlen;
	int rc;

	keygen(c, POUCH_HPKE_KEM_X25519, &kr);
	memset(ct, 0x55, sizeof(ct));
	for (i = 0; i < NELEM(low); i++) {
		rc = open_fixture(c, POUCH_HPKE_KEM_X25519,
		    POUCH_HPKE_AEAD_AES128GCM, &kr, low[i], 32, aad,
		    sizeof(aad), ct, sizeof(ct), pt, &ptlen);
		assert_int_equal(rc, POUCH_E_ZERO_SHARED);  /* before AEAD */
		rc = pouch_hpke_seal_base(c, POUCH_HPKE_KEM_X25519,
		    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM,
		    low[i], 32, NULL, 0, NULL, 0, msg, sizeof(msg), enc,
		    sizeof(enc), &enclen, ct, sizeof(ct), &ctlen);
		assert_int_equal(rc, POUCH_E_ZERO_SHARED);
		assert_int_equal(enclen, 0);
	}
}

static void
test_psk_inputs_must_fit_mode(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_hpke_params p;
	struct pouch_hpke_ctx *s = NULL;
	struct kp kr, ks;
	uint8_t enc[POUCH_HPKE_ENC_MAX];
	size_t enclen;

#define SETUP_S()	pouch_hpke_setup_sender(c, &p, kr.pk, kr.pklen, NULL, \
	    0, enc, sizeof(enc), &enclen, &s, NULL)

	keygen(c, POUCH_HPKE_KEM_X25519, &kr);
	keygen(c, POUCH_HPKE_KEM_X25519, &ks);
	/* psk without psk_id, psk_id without psk */
	params_init(&p, POUCH_HPKE_MODE_PSK, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM);
	p.psk_id = NULL;
	p.psk_idlen = 0;
	assert_int_equal(SETUP_S(), POUCH_E_MISUSE);
	params_init(&p, POUCH_HPKE_MODE_PSK, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM);
	p.psk = NULL;
	p.psklen = 0;
	assert_int_equal(SETUP_S(), POUCH_E_MISUSE);
	/* psk and psk_id in base mode, and in auth mode */
	params_init(&p, POUCH_HPKE_MODE_PSK, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM);
	p.mode = POUCH_HPKE_MODE_BASE;
	assert_int_equal(SETUP_S(), POUCH_E_MISUSE);
	p.mode = POUCH_HPKE_MODE_AUTH;
	p.skS = ks.sk;
	p.skSlen = ks.sklen;
	assert_int_equal(SETUP_S(), POUCH_E_MISUSE);
	/* no psk in psk and auth_psk modes */
	params_init(&p, POUCH_HPKE_MODE_PSK, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM);
	p.psk = p.psk_id = NULL;
	p.psklen = p.psk_idlen = 0;
	assert_int_equal(SETUP_S(), POUCH_E_MISUSE);
	p.mode = POUCH_HPKE_MODE_AUTH_PSK;
	p.skS = ks.sk;
	p.skSlen = ks.sklen;
	assert_int_equal(SETUP_S(), POUCH_E_MISUSE);
	/* a psk shorter than 32 bytes (5.1.2) */
	params_init(&p, POUCH_HPKE_MODE_PSK, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM);
	p.psklen = 31;
	assert_int_equal(SETUP_S(), POUCH_E_MISUSE);
	/* auth mode without skS; skS outside the auth modes */
	params_init(&p, POUCH_HPKE_MODE_AUTH, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM);
	assert_int_equal(SETUP_S(), POUCH_E_MISUSE);
	params_init(&p, POUCH_HPKE_MODE_BASE, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM);
	p.skS = ks.sk;
	p.skSlen = ks.sklen;
	assert_int_equal(SETUP_S(), POUCH_E_MISUSE);
	/* an unknown mode */
	params_init(&p, 4, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM);
	assert_int_equal(SETUP_S(), POUCH_E_UNSUPPORTED);
	assert_null(s);
	assert_int_equal(enclen, 0);
#undef SETUP_S
}

/* Inputs longer than the labeled-KDF stack buffer take the heap path. */
static void
test_long_inputs_roundtrip(void **state)
{
	const struct pouch_crypto *c = *state;
	static uint8_t big_info[1000], big_id[300], big_psk[64], big_aad[2000];
	struct pouch_hpke_params p;
	struct pouch_hpke_ctx *s = NULL, *r = NULL;
	uint8_t ct[sizeof(msg) + POUCH_HPKE_NT], pt[sizeof(msg)];
	uint8_t e1[64], e2[64];
	size_t ctlen, ptlen;

	memset(big_info, 'i', sizeof(big_info));
	memset(big_id, 'd', sizeof(big_id));
	memset(big_psk, 'k', sizeof(big_psk));
	memset(big_aad, 'a', sizeof(big_aad));
	params_init(&p, POUCH_HPKE_MODE_AUTH_PSK, POUCH_HPKE_KEM_P384,
	    POUCH_HPKE_KDF_HKDF_SHA384, POUCH_HPKE_AEAD_AES256GCM);
	p.info = big_info;
	p.infolen = sizeof(big_info);
	p.psk = big_psk;
	p.psklen = sizeof(big_psk);
	p.psk_id = big_id;
	p.psk_idlen = sizeof(big_id);
	pair(c, &p, &s, &r);
	assert_int_equal(pouch_hpke_seal(c, s, big_aad, sizeof(big_aad), msg,
	    sizeof(msg), ct, sizeof(ct), &ctlen), POUCH_OK);
	assert_int_equal(pouch_hpke_open(c, r, big_aad, sizeof(big_aad), ct,
	    ctlen, pt, sizeof(pt), &ptlen), POUCH_OK);
	assert_memory_equal(pt, msg, sizeof(msg));
	assert_int_equal(pouch_hpke_export(c, s, big_info, sizeof(big_info),
	    e1, sizeof(e1)), POUCH_OK);
	assert_int_equal(pouch_hpke_export(c, r, big_info, sizeof(big_info),
	    e2, sizeof(e2)), POUCH_OK);
	assert_memory_equal(e1, e2, sizeof(e1));
	pouch_hpke_ctx_free(s);
	pouch_hpke_ctx_free(r);
}

static void
test_seq_limit(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_hpke_params p;
	struct pouch_hpke_ctx *s = NULL, *r = NULL;
	uint8_t ct[sizeof(msg) + POUCH_HPKE_NT], pt[sizeof(msg)];
	size_t ctlen, ptlen;

	params_init(&p, POUCH_HPKE_MODE_BASE, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM);
	pair(c, &p, &s, &r);
	/* test-only: move both counters next to the end (5.2) */
	s->seq = r->seq = UINT64_MAX - 1;
	assert_int_equal(pouch_hpke_seal(c, s, NULL, 0, msg, sizeof(msg), ct,
	    sizeof(ct), &ctlen), POUCH_OK);
	assert_int_equal(pouch_hpke_open(c, r, NULL, 0, ct, ctlen, pt,
	    sizeof(pt), &ptlen), POUCH_OK);
	assert_memory_equal(pt, msg, sizeof(msg));
	assert_int_equal(pouch_hpke_seal(c, s, NULL, 0, msg, sizeof(msg), ct,
	    sizeof(ct), &ctlen), POUCH_E_LIMIT);
	assert_int_equal(ctlen, 0);
	assert_int_equal(pouch_hpke_open(c, r, NULL, 0, ct, sizeof(ct), pt,
	    sizeof(pt), &ptlen), POUCH_E_LIMIT);
	assert_true(s->seq == UINT64_MAX && r->seq == UINT64_MAX);
	/* export still works */
	assert_int_equal(pouch_hpke_export(c, s, NULL, 0, pt, 8), POUCH_OK);
	pouch_hpke_ctx_free(s);
	pouch_hpke_ctx_free(r);
}

static void
test_export_only(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_hpke_params p;
	struct pouch_hpke_ctx *s = NULL, *r = NULL;
	struct kp kr;
	uint8_t enc[POUCH_HPKE_ENC_MAX], ct[sizeof(msg) + POUCH_HPKE_NT];
	uint8_t pt[sizeof(msg)], e1[32], e2[32];
	size_t enclen, ctlen, ptlen;

	keygen(c, POUCH_HPKE_KEM_X25519, &kr);
	assert_int_equal(pouch_hpke_seal_base(c, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_EXPORT_ONLY, kr.pk,
	    kr.pklen, NULL, 0, NULL, 0, msg, sizeof(msg), enc, sizeof(enc),
	    &enclen, ct, sizeof(ct), &ctlen), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_open_base(c, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_EXPORT_ONLY, kr.sk,
	    kr.sklen, kr.pk, kr.pklen, NULL, 0, NULL, 0, ct, sizeof(ct), pt,
	    sizeof(pt), &ptlen), POUCH_E_MISUSE);
	params_init(&p, POUCH_HPKE_MODE_BASE, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_EXPORT_ONLY);
	pair(c, &p, &s, &r);
	assert_int_equal(pouch_hpke_seal(c, s, NULL, 0, msg, sizeof(msg), ct,
	    sizeof(ct), &ctlen), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_open(c, r, NULL, 0, ct, sizeof(ct), pt,
	    sizeof(pt), &ptlen), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_export(c, s, aad, sizeof(aad), e1,
	    sizeof(e1)), POUCH_OK);
	assert_int_equal(pouch_hpke_export(c, r, aad, sizeof(aad), e2,
	    sizeof(e2)), POUCH_OK);
	assert_memory_equal(e1, e2, sizeof(e1));
	pouch_hpke_ctx_free(s);
	pouch_hpke_ctx_free(r);
}

static void
test_export_length_limit(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_hpke_params p;
	struct pouch_hpke_ctx *s = NULL, *r = NULL;
	static uint8_t out[255 * 32 + 1];

	params_init(&p, POUCH_HPKE_MODE_BASE, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM);
	pair(c, &p, &s, &r);
	assert_int_equal(pouch_hpke_export(c, s, NULL, 0, out, 255 * 32),
	    POUCH_OK);
	assert_int_equal(pouch_hpke_export(c, s, NULL, 0, out, 255 * 32 + 1),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_export(c, s, NULL, 0, out, 0), POUCH_OK);
	pouch_hpke_ctx_free(s);
	pouch_hpke_ctx_free(r);
}

static void
test_wrong_role_refused(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_hpke_params p;
	struct pouch_hpke_ctx *s = NULL, *r = NULL;
	uint8_t ct[sizeof(msg) + POUCH_HPKE_NT], pt[sizeof(msg)];
	size_t ctlen, ptlen;

	params_init(&p, POUCH_HPKE_MODE_BASE, POUCH_HPKE_KEM_P256,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM);
	pair(c, &p, &s, &r);
	assert_int_equal(pouch_hpke_seal(c, r, NULL, 0, msg, sizeof(msg), ct,
	    sizeof(ct), &ctlen), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_seal(c, s, NULL, 0, msg, sizeof(msg), ct,
	    sizeof(ct), &ctlen), POUCH_OK);
	assert_int_equal(pouch_hpke_open(c, s, NULL, 0, ct, ctlen, pt,
	    sizeof(pt), &ptlen), POUCH_E_MISUSE);
	pouch_hpke_ctx_free(s);
	pouch_hpke_ctx_free(r);
}

static void
test_null_args_misuse(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_hpke_params p;
	struct pouch_hpke_ctx *s = NULL, *r = NULL;
	struct kp kr;
	uint8_t enc[POUCH_HPKE_ENC_MAX], ct[sizeof(msg) + POUCH_HPKE_NT];
	uint8_t pt[sizeof(msg)];
	size_t enclen, ctlen, ptlen;
	const uint16_t K = POUCH_HPKE_KEM_X25519,
	    D = POUCH_HPKE_KDF_HKDF_SHA256, A = POUCH_HPKE_AEAD_AES128GCM;

	keygen(c, K, &kr);
	assert_int_equal(pouch_hpke_seal_base(NULL, K, D, A, kr.pk, kr.pklen,
	    NULL, 0, NULL, 0, msg, sizeof(msg), enc, sizeof(enc), &enclen, ct,
	    sizeof(ct), &ctlen), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_seal_base(c, K, D, A, NULL, kr.pklen,
	    NULL, 0, NULL, 0, msg, sizeof(msg), enc, sizeof(enc), &enclen, ct,
	    sizeof(ct), &ctlen), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_seal_base(c, K, D, A, kr.pk, kr.pklen,
	    NULL, 3, NULL, 0, msg, sizeof(msg), enc, sizeof(enc), &enclen, ct,
	    sizeof(ct), &ctlen), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_seal_base(c, K, D, A, kr.pk, kr.pklen,
	    NULL, 0, NULL, 0, NULL, 5, enc, sizeof(enc), &enclen, ct,
	    sizeof(ct), &ctlen), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_seal_base(c, K, D, A, kr.pk, kr.pklen,
	    NULL, 0, NULL, 0, msg, sizeof(msg), NULL, sizeof(enc), &enclen,
	    ct, sizeof(ct), &ctlen), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_seal_base(c, K, D, A, kr.pk, kr.pklen,
	    NULL, 0, NULL, 0, msg, sizeof(msg), enc, sizeof(enc), &enclen,
	    ct, sizeof(ct), NULL), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_seal_base_derand(c, K, D, A, kr.pk,
	    kr.pklen, NULL, 0, NULL, 0, msg, sizeof(msg), NULL, 0, enc,
	    sizeof(enc), &enclen, ct, sizeof(ct), &ctlen), POUCH_E_MISUSE);
	/* a sealed message for the open checks */
	assert_int_equal(pouch_hpke_seal_base(c, K, D, A, kr.pk, kr.pklen,
	    NULL, 0, NULL, 0, msg, sizeof(msg), enc, sizeof(enc), &enclen, ct,
	    sizeof(ct), &ctlen), POUCH_OK);
	assert_int_equal(pouch_hpke_open_base(NULL, K, D, A, kr.sk, kr.sklen,
	    enc, enclen, NULL, 0, NULL, 0, ct, ctlen, pt, sizeof(pt), &ptlen),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_open_base(c, K, D, A, NULL, kr.sklen,
	    enc, enclen, NULL, 0, NULL, 0, ct, ctlen, pt, sizeof(pt), &ptlen),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_open_base(c, K, D, A, kr.sk, kr.sklen,
	    NULL, enclen, NULL, 0, NULL, 0, ct, ctlen, pt, sizeof(pt), &ptlen),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_open_base(c, K, D, A, kr.sk, kr.sklen,
	    enc, enclen, NULL, 0, NULL, 0, NULL, ctlen, pt, sizeof(pt),
	    &ptlen), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_open_base(c, K, D, A, kr.sk, kr.sklen,
	    enc, enclen, NULL, 0, NULL, 0, ct, ctlen, NULL, sizeof(pt),
	    &ptlen), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_open_base(c, K, D, A, kr.sk, kr.sklen,
	    enc, enclen, NULL, 0, NULL, 0, ct, ctlen, pt, sizeof(pt), NULL),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_open_base(c, K, D, A, kr.sk, kr.sklen,
	    enc, enclen, NULL, 0, NULL, 0, ct, ctlen, pt, sizeof(pt), &ptlen),
	    POUCH_OK);
	/* contexts */
	params_init(&p, POUCH_HPKE_MODE_BASE, K, D, A);
	assert_int_equal(pouch_hpke_setup_sender(c, NULL, kr.pk, kr.pklen,
	    NULL, 0, enc, sizeof(enc), &enclen, &s, NULL), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_setup_sender(c, &p, kr.pk, kr.pklen,
	    NULL, 0, enc, sizeof(enc), &enclen, NULL, NULL), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_setup_receiver(c, &p, NULL, 32, kr.sk,
	    kr.sklen, &r, NULL), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_seal(c, NULL, NULL, 0, msg, sizeof(msg),
	    ct, sizeof(ct), &ctlen), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_open(c, NULL, NULL, 0, ct, ctlen, pt,
	    sizeof(pt), &ptlen), POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_export(c, NULL, NULL, 0, pt, 8),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_hpke_generate_keypair(NULL, K, kr.sk,
	    sizeof(kr.sk), &kr.sklen, kr.pk, sizeof(kr.pk), &kr.pklen),
	    POUCH_E_MISUSE);
	pouch_hpke_ctx_free(NULL);
}

static void
test_buffer_too_small(void **state)
{
	const struct pouch_crypto *c = *state;
	struct kp kr;
	uint8_t enc[POUCH_HPKE_ENC_MAX], ct[sizeof(msg) + POUCH_HPKE_NT];
	uint8_t pt[sizeof(msg)], sk[POUCH_HPKE_SK_MAX], pk[POUCH_HPKE_PK_MAX];
	size_t enclen, ctlen, ptlen, sklen, pklen;
	const uint16_t K = POUCH_HPKE_KEM_P256, D = POUCH_HPKE_KDF_HKDF_SHA256,
	    A = POUCH_HPKE_AEAD_AES128GCM;

	keygen(c, K, &kr);
	assert_int_equal(pouch_hpke_seal_base(c, K, D, A, kr.pk, kr.pklen,
	    NULL, 0, NULL, 0, msg, sizeof(msg), enc, 64, &enclen, ct,
	    sizeof(ct), &ctlen), POUCH_E_BUFFER_TOO_SMALL);
	assert_int_equal(enclen, 65);
	assert_int_equal(ctlen, sizeof(ct));
	assert_int_equal(pouch_hpke_seal_base(c, K, D, A, kr.pk, kr.pklen,
	    NULL, 0, NULL, 0, msg, sizeof(msg), enc, sizeof(enc), &enclen, ct,
	    sizeof(ct) - 1, &ctlen), POUCH_E_BUFFER_TOO_SMALL);
	assert_int_equal(ctlen, sizeof(ct));
	assert_int_equal(pouch_hpke_seal_base(c, K, D, A, kr.pk, kr.pklen,
	    NULL, 0, NULL, 0, msg, sizeof(msg), enc, sizeof(enc), &enclen, ct,
	    sizeof(ct), &ctlen), POUCH_OK);
	assert_int_equal(pouch_hpke_open_base(c, K, D, A, kr.sk, kr.sklen,
	    enc, enclen, NULL, 0, NULL, 0, ct, ctlen, pt, sizeof(pt) - 1,
	    &ptlen), POUCH_E_BUFFER_TOO_SMALL);
	assert_int_equal(ptlen, sizeof(msg));
	assert_int_equal(pouch_hpke_derive_keypair(c, K, msg, sizeof(msg), sk,
	    31, &sklen, pk, sizeof(pk), &pklen), POUCH_E_BUFFER_TOO_SMALL);
	assert_int_equal(sklen, 32);
	assert_int_equal(pklen, 65);
}

static void
test_unknown_ids_unsupported(void **state)
{
	const struct pouch_crypto *c = *state;
	struct kp kr;
	uint8_t enc[POUCH_HPKE_ENC_MAX], ct[sizeof(msg) + POUCH_HPKE_NT];
	uint8_t pt[sizeof(msg)];
	size_t enclen, ctlen, ptlen;
	const uint16_t K = POUCH_HPKE_KEM_X25519,
	    D = POUCH_HPKE_KDF_HKDF_SHA256, A = POUCH_HPKE_AEAD_AES128GCM;

	keygen(c, K, &kr);
	assert_int_equal(pouch_hpke_seal_base(c, 0x7777, D, A, kr.pk, kr.pklen,
	    NULL, 0, NULL, 0, msg, sizeof(msg), enc, sizeof(enc), &enclen, ct,
	    sizeof(ct), &ctlen), POUCH_E_UNSUPPORTED);
	assert_int_equal(pouch_hpke_seal_base(c, K, 0x0012, A, kr.pk,
	    kr.pklen, NULL, 0, NULL, 0, msg, sizeof(msg), enc, sizeof(enc),
	    &enclen, ct, sizeof(ct), &ctlen), POUCH_E_UNSUPPORTED);
	assert_int_equal(pouch_hpke_seal_base(c, K, D, 0x0004, kr.pk,
	    kr.pklen, NULL, 0, NULL, 0, msg, sizeof(msg), enc, sizeof(enc),
	    &enclen, ct, sizeof(ct), &ctlen), POUCH_E_UNSUPPORTED);
	assert_int_equal(pouch_hpke_open_base(c, 0, D, A, kr.sk, kr.sklen,
	    kr.pk, kr.pklen, NULL, 0, NULL, 0, ct, sizeof(ct), pt, sizeof(pt),
	    &ptlen), POUCH_E_UNSUPPORTED);
	assert_null(pouch_hpke_kem_get(0x0043));
	assert_null(pouch_hpke_kdf_get(0));
	assert_null(pouch_hpke_aead_get(0));
}

/* The table's sizes agree with the provider and fit the _MAX bounds. */
static void
test_kem_table_consistent(void **state)
{
	static const enum pouch_dh dh[] = {
		POUCH_DH_P256, POUCH_DH_P384, POUCH_DH_P521, POUCH_DH_X25519,
		POUCH_DH_X448
	};
	const struct pouch_crypto *c = *state;
	uint8_t sk1[POUCH_HPKE_SK_MAX], pk1[POUCH_HPKE_PK_MAX];
	uint8_t sk2[POUCH_HPKE_SK_MAX], pk2[POUCH_HPKE_PK_MAX];
	size_t k, sklen, pklen;

	for (k = 0; k < NELEM(kem_ids); k++) {
		const struct pouch_hpke_kem *kem;

		kem = pouch_hpke_kem_get(kem_ids[k]);
		assert_non_null(kem);
		assert_int_equal(kem->id, kem_ids[k]);
		assert_int_equal(kem->Nsk, pouch_dh_priv_len(dh[k]));
		assert_int_equal(kem->Npk, pouch_dh_pub_len(dh[k]));
		assert_int_equal(kem->Nenc, kem->Npk);
		assert_true(kem->Nenc <= POUCH_HPKE_ENC_MAX);
		assert_true(kem->Nsk <= POUCH_HPKE_SK_MAX);
		assert_true(kem->Nsecret <= POUCH_HPKE_SECRET_MAX);
		assert_non_null(kem->auth_encap);
		/* DeriveKeyPair is deterministic */
		assert_int_equal(pouch_hpke_derive_keypair(c, kem_ids[k], msg,
		    sizeof(msg), sk1, sizeof(sk1), &sklen, pk1, sizeof(pk1),
		    &pklen), POUCH_OK);
		assert_int_equal(pouch_hpke_derive_keypair(c, kem_ids[k], msg,
		    sizeof(msg), sk2, sizeof(sk2), &sklen, pk2, sizeof(pk2),
		    &pklen), POUCH_OK);
		assert_memory_equal(sk1, sk2, sklen);
		assert_memory_equal(pk1, pk2, pklen);
	}
	assert_true(POUCH_HPKE_ENC_MAX >= 1665 && POUCH_HPKE_PK_MAX >= 1665);
	assert_true(POUCH_HPKE_SK_MAX >= 66);
}

/*
 * The post-quantum KEMs over every KDF and AEAD in the modes they have
 * (base, psk); the auth modes are refused on both sides, because none
 * of them has AuthEncap/AuthDecap (draft-ietf-hpke-pq).
 */
static void
test_pq_roundtrip_base_psk_auth_refused(void **state)
{
	const struct pouch_crypto *c = *state;
	struct pouch_hpke_params p;
	struct pouch_hpke_ctx *ctx = NULL;
	struct kp kr, ks;
	uint8_t enc[POUCH_HPKE_ENC_MAX];
	size_t k, d, a, enclen;

	for (k = 0; k < NELEM(pq_kem_ids); k++) {
		for (d = 0; d < NELEM(kdf_ids); d++)
			for (a = 0; a < NELEM(aead_ids); a++) {
				roundtrip_one(c, POUCH_HPKE_MODE_BASE,
				    pq_kem_ids[k], kdf_ids[d], aead_ids[a]);
				roundtrip_one(c, POUCH_HPKE_MODE_PSK,
				    pq_kem_ids[k], kdf_ids[d], aead_ids[a]);
			}
		keygen(c, pq_kem_ids[k], &kr);
		keygen(c, pq_kem_ids[k], &ks);
		params_init(&p, POUCH_HPKE_MODE_AUTH, pq_kem_ids[k],
		    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM);
		p.skS = ks.sk;
		p.skSlen = ks.sklen;
		assert_int_equal(pouch_hpke_setup_sender(c, &p, kr.pk,
		    kr.pklen, NULL, 0, enc, sizeof(enc), &enclen, &ctx, NULL),
		    POUCH_E_UNSUPPORTED);
		assert_null(ctx);
		params_init(&p, POUCH_HPKE_MODE_AUTH_PSK, pq_kem_ids[k],
		    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM);
		p.pkS = ks.pk;
		p.pkSlen = ks.pklen;
		memset(enc, 0, sizeof(enc));
		assert_int_equal(pouch_hpke_setup_receiver(c, &p, enc,
		    pouch_hpke_kem_get(pq_kem_ids[k])->Nenc, kr.sk, kr.sklen,
		    &ctx, NULL), POUCH_E_UNSUPPORTED);
		assert_null(ctx);
	}
}

/*
 * A tampered PQ enc is implicitly rejected by ML-KEM: another shared
 * secret, so the AEAD refuses (DECRYPT).  A wrong-length enc is
 * MALFORMED, a wrong-length skR BAD_KEY, and a pkR whose ML-KEM part
 * fails the FIPS 203 7.2 check BAD_KEY.
 */
static void
test_pq_tampered_and_invalid(void **state)
{
	const struct pouch_crypto *c = *state;
	const uint16_t aead = POUCH_HPKE_AEAD_CHACHA20POLY1305;
	struct kp kr;
	uint8_t enc[POUCH_HPKE_ENC_MAX], ct[sizeof(msg) + POUCH_HPKE_NT];
	uint8_t pt[sizeof(msg)];
	size_t enclen, ctlen, ptlen, k;

	for (k = 0; k < NELEM(pq_kem_ids); k++) {
		const uint16_t kem = pq_kem_ids[k];
		/* the NIST hybrids' ct_T is a point: a flip leaves the curve */
		const int nist = kem == POUCH_HPKE_KEM_MLKEM768_P256 ||
		    kem == POUCH_HPKE_KEM_MLKEM1024_P384;

		seal_fixture(c, kem, aead, &kr, enc, &enclen, ct, &ctlen);
		assert_int_equal(open_fixture(c, kem, aead, &kr, enc, enclen,
		    aad, sizeof(aad), ct, ctlen, pt, &ptlen), POUCH_OK);
		enc[enclen / 3] ^= 0x20;
		assert_int_equal(open_fixture(c, kem, aead, &kr, enc, enclen,
		    aad, sizeof(aad), ct, ctlen, pt, &ptlen), POUCH_E_DECRYPT);
		assert_true(all_zero(pt, sizeof(pt)));
		enc[enclen / 3] ^= 0x20;
		enc[enclen - 1] ^= 0x01;
		assert_int_equal(open_fixture(c, kem, aead, &kr, enc, enclen,
		    aad, sizeof(aad), ct, ctlen, pt, &ptlen), nist ?
		    POUCH_E_BAD_KEY : POUCH_E_DECRYPT);
		assert_true(all_zero(pt, sizeof(pt)));
		enc[enclen - 1] ^= 0x01;
		assert_int_equal(open_fixture(c, kem, aead, &kr, enc,
		    enclen - 1, aad, sizeof(aad), ct, ctlen, pt, &ptlen),
		    POUCH_E_MALFORMED);
		kr.sklen--;
		assert_int_equal(open_fixture(c, kem, aead, &kr, enc, enclen,
		    aad, sizeof(aad), ct, ctlen, pt, &ptlen), POUCH_E_BAD_KEY);
		kr.sklen++;
		/* first coefficient of ek = 0xfff >= q */
		kr.pk[0] = 0xff;
		kr.pk[1] |= 0x0f;
		assert_int_equal(pouch_hpke_pk_check(c, kem, kr.pk, kr.pklen),
		    POUCH_E_BAD_KEY);
		assert_int_equal(pouch_hpke_seal_base(c, kem,
		    POUCH_HPKE_KDF_HKDF_SHA256, aead, kr.pk, kr.pklen, NULL, 0,
		    NULL, 0, msg, sizeof(msg), enc, sizeof(enc), &enclen, ct,
		    sizeof(ct), &ctlen), POUCH_E_BAD_KEY);
		assert_int_equal(pouch_hpke_pk_check(c, kem, kr.pk,
		    kr.pklen - 1), POUCH_E_BAD_KEY);
	}
}

/* The PQ rows: draft-ietf-hpke-pq sizes, no auth, deterministic derive. */
static void
test_pq_kem_table_consistent(void **state)
{
	static const size_t want[][4] = {	/* Nenc, Npk, Nsk, Nsecret */
		{ 768, 800, 64, 32 }, { 1088, 1184, 64, 32 },
		{ 1568, 1568, 64, 32 }, { 1120, 1216, 32, 32 },
		{ 1153, 1249, 32, 32 }, { 1665, 1665, 32, 32 }
	};
	const struct pouch_crypto *c = *state;
	uint8_t sk1[POUCH_HPKE_SK_MAX], pk1[POUCH_HPKE_PK_MAX];
	uint8_t sk2[POUCH_HPKE_SK_MAX], pk2[POUCH_HPKE_PK_MAX];
	size_t k, sklen, pklen;

	for (k = 0; k < NELEM(pq_kem_ids); k++) {
		const struct pouch_hpke_kem *kem;

		kem = pouch_hpke_kem_get(pq_kem_ids[k]);
		assert_non_null(kem);
		assert_int_equal(kem->Nenc, want[k][0]);
		assert_int_equal(kem->Npk, want[k][1]);
		assert_int_equal(kem->Nsk, want[k][2]);
		assert_int_equal(kem->Nsecret, want[k][3]);
		assert_true(kem->Nenc <= POUCH_HPKE_ENC_MAX);
		assert_true(kem->Npk <= POUCH_HPKE_PK_MAX);
		assert_true(kem->Nsk <= POUCH_HPKE_SK_MAX);
		assert_null(kem->auth_encap);
		assert_null(kem->auth_decap);
		assert_int_equal(pouch_hpke_derive_keypair(c, pq_kem_ids[k],
		    msg, sizeof(msg), sk1, sizeof(sk1), &sklen, pk1,
		    sizeof(pk1), &pklen), POUCH_OK);
		assert_int_equal(sklen, kem->Nsk);
		assert_int_equal(pklen, kem->Npk);
		assert_int_equal(pouch_hpke_derive_keypair(c, pq_kem_ids[k],
		    msg, sizeof(msg), sk2, sizeof(sk2), &sklen, pk2,
		    sizeof(pk2), &pklen), POUCH_OK);
		assert_memory_equal(sk1, sk2, sklen);
		assert_memory_equal(pk1, pk2, pklen);
		assert_int_equal(pouch_hpke_pk_check(c, pq_kem_ids[k], pk1,
		    pklen), POUCH_OK);
	}
}

/*
 * MLKEM768-P256 and MLKEM1024-P384: ek_T must be an uncompressed point
 * on the curve (EncapError otherwise), a ct_T that is another valid
 * point decapsulates to another secret (the AEAD then refuses), and
 * the ephemeral scalar is the first Nscalar-byte chunk of the
 * randomness below the group order: a chunk >= n is skipped (P-256 has
 * three), none left is an error, never a reduced or zero scalar.
 */
static void
test_pq_nist_hybrids(void **state)
{
	static const uint16_t ids[] = {
		POUCH_HPKE_KEM_MLKEM768_P256, POUCH_HPKE_KEM_MLKEM1024_P384
	};
	static const enum pouch_dh curve[] = { POUCH_DH_P256, POUCH_DH_P384 };
	const struct pouch_crypto *c = *state;
	const uint16_t aead = POUCH_HPKE_AEAD_AES128GCM;
	const struct pouch_hpke_kem *kem;
	struct kp kr, other;
	uint8_t enc[POUCH_HPKE_ENC_MAX], enc2[POUCH_HPKE_ENC_MAX];
	uint8_t ct[sizeof(msg) + POUCH_HPKE_NT], pt[sizeof(msg)];
	uint8_t bad[POUCH_HPKE_PK_MAX], rnd[128], ss[32], ss2[32];
	uint8_t want[POUCH_DH_PUB_MAX];
	size_t enclen, ctlen, ptlen, k, nct, nel, nrandom, ns;

	for (k = 0; k < NELEM(ids); k++) {
		kem = pouch_hpke_kem_get(ids[k]);
		assert_non_null(kem);
		nel = pouch_dh_pub_len(curve[k]);
		ns = pouch_dh_priv_len(curve[k]);
		nct = kem->Nenc - nel;
		nrandom = k == 0 ? 32 + 96 : 32 + 48;
		keygen(c, ids[k], &kr);
		keygen(c, ids[k], &other);
		/* ek_T: not uncompressed, off the curve */
		memcpy(bad, kr.pk, kr.pklen);
		bad[kr.pklen - nel] = 0x04 ^ 0x06;
		assert_int_equal(pouch_hpke_pk_check(c, ids[k], bad, kr.pklen),
		    POUCH_E_BAD_KEY);
		memcpy(bad, kr.pk, kr.pklen);
		bad[kr.pklen - 1] ^= 0x01;
		assert_int_equal(pouch_hpke_pk_check(c, ids[k], bad, kr.pklen),
		    POUCH_E_BAD_KEY);
		assert_int_equal(kem->encap(c, kem, bad, kr.pklen, NULL, 0, ss,
		    enc), POUCH_E_BAD_KEY);
		assert_true(all_zero(enc, kem->Nenc));
		/* ct_T swapped for another key's point: another secret */
		seal_fixture(c, ids[k], aead, &kr, enc, &enclen, ct, &ctlen);
		memcpy(enc + nct, other.pk + other.pklen - nel, nel);
		assert_int_equal(open_fixture(c, ids[k], aead, &kr, enc, enclen,
		    aad, sizeof(aad), ct, ctlen, pt, &ptlen), POUCH_E_DECRYPT);
		/* derandomized: the same randomness, the same result */
		memset(rnd, 0x5c, sizeof(rnd));
		assert_int_equal(kem->encap(c, kem, kr.pk, kr.pklen, rnd,
		    nrandom, ss, enc), POUCH_OK);
		assert_int_equal(kem->encap(c, kem, kr.pk, kr.pklen, rnd,
		    nrandom, ss2, enc2), POUCH_OK);
		assert_memory_equal(ss, ss2, sizeof(ss));
		assert_memory_equal(enc, enc2, kem->Nenc);
		assert_int_equal(kem->decap(c, kem, enc, kem->Nenc, kr.sk,
		    kr.sklen, ss2), POUCH_OK);
		assert_memory_equal(ss, ss2, sizeof(ss));
		assert_int_equal(kem->encap(c, kem, kr.pk, kr.pklen, rnd,
		    nrandom - 1, ss, enc), POUCH_E_MISUSE);
		/* first scalar chunk all ones (>= n): the next one is used */
		memset(rnd + 32, 0xff, ns);
		if (k == 0) {
			assert_int_equal(kem->encap(c, kem, kr.pk, kr.pklen,
			    rnd, nrandom, ss, enc), POUCH_OK);
			assert_int_equal(pouch_dh_pub_from_priv(c, curve[k],
			    POUCH_IMPL_DEFAULT, rnd + 32 + ns, want), POUCH_OK);
			assert_memory_equal(enc + nct, want, nel);
			assert_int_equal(kem->decap(c, kem, enc, kem->Nenc,
			    kr.sk, kr.sklen, ss2), POUCH_OK);
			assert_memory_equal(ss, ss2, sizeof(ss));
			/* and zero is no scalar either */
			memset(rnd + 32 + ns, 0, ns);
			assert_int_equal(kem->encap(c, kem, kr.pk, kr.pklen,
			    rnd, nrandom, ss, enc), POUCH_OK);
			assert_int_equal(pouch_dh_pub_from_priv(c, curve[k],
			    POUCH_IMPL_DEFAULT, rnd + 32 + 2 * ns, want),
			    POUCH_OK);
			assert_memory_equal(enc + nct, want, nel);
			memset(rnd + 32 + 2 * ns, 0xff, ns);
		}
		/* no valid chunk left */
		assert_int_equal(kem->encap(c, kem, kr.pk, kr.pklen, rnd,
		    nrandom, ss, enc), POUCH_E_CRYPTO);
		assert_true(all_zero(enc, kem->Nenc));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kem_table_consistent),
		cmocka_unit_test(test_roundtrip_every_suite_and_mode),
		cmocka_unit_test(test_single_shot_roundtrip),
		cmocka_unit_test(test_tampered_ct_aad_enc_refused),
		cmocka_unit_test(test_tampered_nist_enc_refused),
		cmocka_unit_test(test_wrong_psk_refused),
		cmocka_unit_test(test_invalid_pkR_refused),
		cmocka_unit_test(test_x25519_low_order_refused),
		cmocka_unit_test(test_psk_inputs_must_fit_mode),
		cmocka_unit_test(test_long_inputs_roundtrip),
		cmocka_unit_test(test_seq_limit),
		cmocka_unit_test(test_export_only),
		cmocka_unit_test(test_export_length_limit),
		cmocka_unit_test(test_wrong_role_refused),
		cmocka_unit_test(test_null_args_misuse),
		cmocka_unit_test(test_buffer_too_small),
		cmocka_unit_test(test_unknown_ids_unsupported),
		cmocka_unit_test(test_pq_kem_table_consistent),
		cmocka_unit_test(test_pq_roundtrip_base_psk_auth_refused),
		cmocka_unit_test(test_pq_tampered_and_invalid),
		cmocka_unit_test(test_pq_nist_hybrids),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
