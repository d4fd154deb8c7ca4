/*
 * selftest.c - `pouch selftest`: the built-in known-answer tests of every
 * primitive family the cipher suites use, then a two-party HPKE exchange
 * (a sender seals to a freshly generated recipient key, in auth mode, and
 * the recipient opens and exports).  Prints one line per check and a
 * closing "selftest: N passed, M failed"; exits non-zero on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/pouch.h>

#include "cli/cli.h"
#include "crypto/crypto.h"
#include "hpke/hpke.h"

struct st {
	const struct pouch_crypto	*c;
	int				 passed;
	int				 failed;
};

static void
report(struct st *st, const char *name, int ok)
{
	printf("selftest %-28s %s\n", name, ok ? "ok" : "FAILED");
	if (ok)
		st->passed++;
	else
		st->failed++;
}

static int
hex2bin(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(hex) / 2, i;

	if (n > cap)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned int v;
		char b[3] = { hex[2 * i], hex[2 * i + 1], 0 };
		char *end;

		v = (unsigned int)strtoul(b, &end, 16);
		if (*end != '\0')
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n;
	return 0;
}

/* want is hex; compare got[0..n) with it. */
static int
same(const uint8_t *got, size_t n, const char *want)
{
	uint8_t w[256];
	size_t wn;

	return hex2bin(want, w, sizeof(w), &wn) == 0 && wn == n &&
	    memcmp(got, w, n) == 0;
}

static void
kat_hash(struct st *st)
{
	uint8_t out[POUCH_HASH_MAX], prk[POUCH_HASH_MAX], okm[42];
	uint8_t ikm[22], salt[13], info[10];
	size_t i;

	report(st, "sha256", pouch_hash(st->c, POUCH_SHA256,
	    (const uint8_t *)"abc", 3, out) == POUCH_OK && same(out, 32,
	    "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad"));
	/* RFC 4231 test case 2 */
	report(st, "hmac-sha256", pouch_hmac(st->c, POUCH_SHA256,
	    (const uint8_t *)"Jefe", 4,
	    (const uint8_t *)"what do ya want for nothing?", 28, out) ==
	    POUCH_OK && same(out, 32,
	    "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843"));
	/* RFC 5869 test case 1 */
	memset(ikm, 0x0b, sizeof(ikm));
	for (i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)i;
	for (i = 0; i < sizeof(info); i++)
		info[i] = (uint8_t)(0xf0 + i);
	report(st, "hkdf-sha256", pouch_hkdf_extract(st->c, POUCH_SHA256,
	    salt, sizeof(salt), ikm, sizeof(ikm), prk) == POUCH_OK &&
	    same(prk, 32, "077709362c2e32df0ddc3f0dc47bba63"
	    "90b6c73bb50f9c3122ec844ad7c2b3e5") &&
	    pouch_hkdf_expand(st->c, POUCH_SHA256, prk, 32, info,
	    sizeof(info), okm, sizeof(okm)) == POUCH_OK &&
	    same(okm, sizeof(okm), "3cb25f25faacd57a90434f64d0362f2a"
	    "2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"));
	OPENSSL_cleanse(prk, sizeof(prk));
	OPENSSL_cleanse(okm, sizeof(okm));
}

static void
kat_aead(struct st *st)
{
	uint8_t key[16] = { 0 }, nonce[12] = { 0 }, pt[16] = { 0 };
	uint8_t ct[32], back[16];
	size_t ctlen, ptlen;
	int ok;

	/* McGrew-Viega GCM test case 2 */
	ok = pouch_aead_seal(st->c, POUCH_AES128GCM, key, nonce, NULL, 0,
	    pt, sizeof(pt), ct, sizeof(ct), &ctlen) == POUCH_OK &&
	    same(ct, ctlen, "0388dace60b6a392f328c2b971b2fe78"
	    "ab6e47d42cec13bdf53a67b21257bddf") &&
	    pouch_aead_open(st->c, POUCH_AES128GCM, key, nonce, NULL, 0, ct,
	    ctlen, back, sizeof(back), &ptlen) == POUCH_OK && ptlen == 16 &&
	    memcmp(back, pt, 16) == 0;
	ct[3] ^= 0x20;
	ok = ok && pouch_aead_open(st->c, POUCH_AES128GCM, key, nonce, NULL,
	    0, ct, ctlen, back, sizeof(back), &ptlen) == POUCH_E_DECRYPT;
	report(st, "aes-128-gcm", ok);
}

static void
kat_x25519(struct st *st, enum pouch_impl impl, const char *name)
{
	/* RFC 7748 6.1 */
	uint8_t a[32], bpub[32], pub[32], shared[32];
	size_t n;
	int ok;

	ok = hex2bin("77076d0a7318a57d3c16c17251b26645"
	    "df4c2f87ebc0992ab177fba51db92c2a", a, sizeof(a), &n) == 0 &&
	    hex2bin("de9edb7d7b7dc1b4d35b61c2ece43537"
	    "3f8343c85b78674dadfc7e146f882b4f", bpub, sizeof(bpub), &n) == 0 &&
	    pouch_dh_pub_from_priv(st->c, POUCH_DH_X25519, impl, a, pub) ==
	    POUCH_OK && same(pub, 32, "8520f0098930a754748b7ddcb43ef75a"
	    "0dbf3a0d26381af4eba4a98eaa9b4e6a") &&
	    pouch_dh(st->c, POUCH_DH_X25519, impl, a, bpub, 32, shared) ==
	    POUCH_OK && same(shared, 32, "4a5d9d5ba4ce2de1728e3bf480350f25"
	    "e07e21c947d19e3376f09b3c1e161742");
	report(st, name, ok);
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(shared, sizeof(shared));
}

static void
kat_ed25519(struct st *st, enum pouch_impl impl, const char *name)
{
	/* RFC 8032 7.1 test 1: the empty message */
	static const char sk_hex[] = "9d61b19deffd5a60ba844af492ec2cc4"
	    "4449c5697b326919703bac031cae7f60";
	static const char pk_hex[] = "d75a980182b10ab7d54bfed3c964073a"
	    "0ee172f3daa62325af021a68f707511a";
	static const char sig_hex[] = "e5564300c360ac729086e2cc806e828a"
	    "84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
	    "d25bf5f0595bbe24655141438e7a100b";
	struct pouch_sig_key *k = NULL;
	uint8_t sk[32], pk[32], sig[64];
	size_t n, siglen;
	int ok;

	ok = hex2bin(sk_hex, sk, sizeof(sk), &n) == 0 &&
	    hex2bin(pk_hex, pk, sizeof(pk), &n) == 0 &&
	    pouch_sig_key_new(st->c, POUCH_SIG_ED25519, impl, sk, sizeof(sk),
	    &k) == POUCH_OK &&
	    pouch_sig_key_sign(k, (const uint8_t *)"", 0, sig, sizeof(sig),
	    &siglen) == POUCH_OK && same(sig, siglen, sig_hex) &&
	    pouch_sig_verify(st->c, POUCH_SIG_ED25519, impl, pk, sizeof(pk),
	    (const uint8_t *)"", 0, sig, siglen) == POUCH_OK;
	sig[10] ^= 1;
	ok = ok && pouch_sig_verify(st->c, POUCH_SIG_ED25519, impl, pk,
	    sizeof(pk), (const uint8_t *)"", 0, sig, siglen) ==
	    POUCH_E_BAD_SIGNATURE;
	report(st, name, ok);
	pouch_sig_key_free(k);
	OPENSSL_cleanse(sk, sizeof(sk));
}

/* RFC 9180 A.1.1: DHKEM(X25519), HKDF-SHA256, AES-128-GCM, base mode. */
static void
kat_hpke(struct st *st)
{
	uint8_t ikmR[32], ikmE[32], info[32], aad[16], pt[64];
	uint8_t sk[POUCH_HPKE_SK_MAX], pk[POUCH_HPKE_PK_MAX];
	uint8_t enc[POUCH_HPKE_ENC_MAX], ct[128], back[64];
	size_t ikmRn, ikmEn, infon, aadn, ptn, skn, pkn, encn, ctn, backn;
	int ok;

	ok = hex2bin("6db9df30aa07dd42ee5e8181afdb977e"
	    "538f5e1fec8a06223f33f7013e525037", ikmR, sizeof(ikmR), &ikmRn) ==
	    0 && hex2bin("7268600d403fce431561aef583ee1613"
	    "527cff655c1343f29812e66706df3234", ikmE, sizeof(ikmE), &ikmEn) ==
	    0 && hex2bin("4f6465206f6e2061204772656369616e2055726e", info,
	    sizeof(info), &infon) == 0 && hex2bin("436f756e742d30", aad,
	    sizeof(aad), &aadn) == 0 && hex2bin("4265617574792069732074727574"
	    "682c20747275746820626561757479", pt, sizeof(pt), &ptn) == 0;
	ok = ok && pouch_hpke_derive_keypair(st->c, POUCH_HPKE_KEM_X25519,
	    ikmR, ikmRn, sk, sizeof(sk), &skn, pk, sizeof(pk), &pkn) ==
	    POUCH_OK && same(pk, pkn, "3948cfe0ad1ddb695d780e59077195da"
	    "6c56506b027329794ab02bca80815c4d");
	ok = ok && pouch_hpke_seal_base_derand(st->c, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM, pk, pkn,
	    info, infon, aad, aadn, pt, ptn, ikmE, ikmEn, enc, sizeof(enc),
	    &encn, ct, sizeof(ct), &ctn) == POUCH_OK &&
	    same(enc, encn, "37fda3567bdbd628e88668c3c8d7e97d"
	    "1d1253b6d4ea6d44c150f741f1bf4431") &&
	    same(ct, ctn, "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc5"
	    "3a52ae8218a355a96d8770ac83d07bea87e13c512a");
	ok = ok && pouch_hpke_open_base(st->c, POUCH_HPKE_KEM_X25519,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM, sk, skn,
	    enc, encn, info, infon, aad, aadn, ct, ctn, back, sizeof(back),
	    &backn) == POUCH_OK && backn == ptn && memcmp(back, pt, ptn) == 0;
	report(st, "hpke rfc9180 a.1.1", ok);
	OPENSSL_cleanse(sk, sizeof(sk));
}

/*
 * Two parties, each with a fresh key pair: Alice seals two messages to
 * Bob in auth mode (Bob learns they came from Alice's key), Bob opens them
 * in order, both export the same secret, and a replayed or tampered
 * message is refused.
 */
static void
two_party_hpke(struct st *st, uint16_t kem, const char *name)
{
	static const char *const msgs[2] = { "dispatch 1: the pouch is sealed",
	    "dispatch 2: and it stays sealed" };
	struct pouch_hpke_params p = { 0 };
	struct pouch_hpke_ctx *cs = NULL, *cr = NULL;
	uint8_t skA[POUCH_HPKE_SK_MAX], pkA[POUCH_HPKE_PK_MAX];
	uint8_t skB[POUCH_HPKE_SK_MAX], pkB[POUCH_HPKE_PK_MAX];
	uint8_t enc[POUCH_HPKE_ENC_MAX], ct[2][96], pt[96];
	uint8_t xs[32], xr[32];
	size_t skAn, pkAn, skBn, pkBn, encn, ctn[2], ptn;
	int ok, i;

	p.mode = POUCH_HPKE_MODE_AUTH;
	p.kem = kem;
	p.kdf = POUCH_HPKE_KDF_HKDF_SHA256;
	p.aead = POUCH_HPKE_AEAD_AES128GCM;
	p.info = (const uint8_t *)"pouch selftest";
	p.infolen = 14;
	ok = pouch_hpke_generate_keypair(st->c, kem, skA, sizeof(skA), &skAn,
	    pkA, sizeof(pkA), &pkAn) == POUCH_OK &&
	    pouch_hpke_generate_keypair(st->c, kem, skB, sizeof(skB), &skBn,
	    pkB, sizeof(pkB), &pkBn) == POUCH_OK;
	p.skS = skA;
	p.skSlen = skAn;
	ok = ok && pouch_hpke_setup_sender(st->c, &p, pkB, pkBn, NULL, 0, enc,
	    sizeof(enc), &encn, &cs, NULL) == POUCH_OK;
	for (i = 0; ok && i < 2; i++)
		ok = pouch_hpke_seal(st->c, cs, NULL, 0,
		    (const uint8_t *)msgs[i], strlen(msgs[i]), ct[i],
		    sizeof(ct[i]), &ctn[i]) == POUCH_OK;
	p.skS = NULL;
	p.skSlen = 0;
	p.pkS = pkA;
	p.pkSlen = pkAn;
	ok = ok && pouch_hpke_setup_receiver(st->c, &p, enc, encn, skB, skBn,
	    &cr, NULL) == POUCH_OK;
	/* out of order: message 2 first must fail (wrong nonce) */
	ok = ok && pouch_hpke_open(st->c, cr, NULL, 0, ct[1], ctn[1], pt,
	    sizeof(pt), &ptn) == POUCH_E_DECRYPT;
	for (i = 0; ok && i < 2; i++)
		ok = pouch_hpke_open(st->c, cr, NULL, 0, ct[i], ctn[i], pt,
		    sizeof(pt), &ptn) == POUCH_OK && ptn == strlen(msgs[i]) &&
		    memcmp(pt, msgs[i], ptn) == 0;
	/* a replay of message 1 now fails */
	ok = ok && pouch_hpke_open(st->c, cr, NULL, 0, ct[0], ctn[0], pt,
	    sizeof(pt), &ptn) == POUCH_E_DECRYPT;
	ok = ok && pouch_hpke_export(st->c, cs, (const uint8_t *)"x", 1, xs,
	    sizeof(xs)) == POUCH_OK && pouch_hpke_export(st->c, cr,
	    (const uint8_t *)"x", 1, xr, sizeof(xr)) == POUCH_OK &&
	    pouch_ct_eq(xs, xr, sizeof(xs)) == 0;
	report(st, name, ok);
	pouch_hpke_ctx_free(cs);
	pouch_hpke_ctx_free(cr);
	OPENSSL_cleanse(skA, sizeof(skA));
	OPENSSL_cleanse(skB, sizeof(skB));
	OPENSSL_cleanse(xs, sizeof(xs));
	OPENSSL_cleanse(xr, sizeof(xr));
	OPENSSL_cleanse(pt, sizeof(pt));
}

int
cmd_selftest(int argc, char **argv)
{
	struct pouch_crypto *c = NULL;
	struct st st = { NULL, 0, 0 };
	int rc;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: pouch selftest\n");
		return 2;
	}
	printf("pouch %s selftest\n", pouch_version());
	if ((rc = pouch_crypto_new(&c)) != POUCH_OK) {
		fprintf(stderr, "pouch: crypto provider: %s\n",
		    pouch_strerror(rc));
		return 1;
	}
	st.c = c;
	kat_hash(&st);
	kat_aead(&st);
	kat_x25519(&st, POUCH_IMPL_SODIUM, "x25519 (libsodium)");
	kat_x25519(&st, POUCH_IMPL_OPENSSL, "x25519 (openssl)");
	kat_ed25519(&st, POUCH_IMPL_SODIUM, "ed25519 (libsodium)");
	kat_ed25519(&st, POUCH_IMPL_OPENSSL, "ed25519 (openssl)");
	kat_hpke(&st);
	two_party_hpke(&st, POUCH_HPKE_KEM_X25519,
	    "hpke two-party (x25519)");
	two_party_hpke(&st, POUCH_HPKE_KEM_P256, "hpke two-party (p-256)");
	pouch_crypto_free(c);
	printf("selftest: %d passed, %d failed\n", st.passed, st.failed);
	return st.failed == 0 ? 0 : 1;
}
