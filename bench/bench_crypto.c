/*
 * bench_crypto.c - throughput of the crypto provider's hot operations:
 * Ed25519 sign/verify and X25519 through libsodium and through OpenSSL
 * (the figures behind POUCH_IMPL_DEFAULT), HKDF-Expand, and AES-128-GCM
 * seal/open at 256 B and 4 KiB with a different key for every message,
 * as the MLS secret tree uses them.  Every result is in ops/s.
 */
#include <string.h>

#include "bench.h"
#include "crypto/crypto.h"

#define BENCH_SECONDS	0.5
#define AEAD_RING	1024		/* messages, each with its own key */
#define MSG_BYTES	64		/* signed message length */

struct sig_arg {
	const struct pouch_crypto *c;
	struct pouch_sig_key *k;
	enum pouch_impl	 impl;
	uint8_t		 pub[32], msg[MSG_BYTES], sig[64];
};

struct dh_arg {
	const struct pouch_crypto *c;
	enum pouch_impl	 impl;
	uint8_t		 priv[32], pub[32], shared[32];
};

struct hkdf_arg {
	const struct pouch_crypto *c;
	uint8_t		 prk[32], out[32];
};

struct aead_arg {
	const struct pouch_crypto *c;
	size_t		 ptlen, next;
	uint8_t		(*keys)[16];
	uint8_t		*pts, *cts;	/* AEAD_RING messages each */
	uint8_t		 nonce[12], out[4096 + 16];
};

static void
op_sign(void *p)
{
	struct sig_arg *a = p;
	size_t n;

	bench_check(pouch_sig_key_sign(a->k, a->msg, sizeof(a->msg), a->sig,
	    sizeof(a->sig), &n), "sign");
}

static void
op_verify(void *p)
{
	struct sig_arg *a = p;

	bench_check(pouch_sig_verify(a->c, POUCH_SIG_ED25519, a->impl, a->pub,
	    sizeof(a->pub), a->msg, sizeof(a->msg), a->sig, sizeof(a->sig)),
	    "verify");
}

static void
op_dh(void *p)
{
	struct dh_arg *a = p;

	bench_check(pouch_dh(a->c, POUCH_DH_X25519, a->impl, a->priv, a->pub,
	    sizeof(a->pub), a->shared), "x25519");
}

static void
op_hkdf(void *p)
{
	struct hkdf_arg *a = p;

	bench_check(pouch_hkdf_expand(a->c, POUCH_SHA256, a->prk,
	    sizeof(a->prk), (const uint8_t *)"bench", 5, a->out,
	    sizeof(a->out)), "hkdf");
}

static void
op_seal(void *p)
{
	struct aead_arg *a = p;
	size_t i = a->next++ % AEAD_RING, n;

	bench_check(pouch_aead_seal(a->c, POUCH_AES128GCM, a->keys[i],
	    a->nonce, NULL, 0, a->pts + i * a->ptlen, a->ptlen, a->out,
	    sizeof(a->out), &n), "seal");
}

static void
op_open(void *p)
{
	struct aead_arg *a = p;
	size_t i = a->next++ % AEAD_RING, n;
	size_t ctlen = a->ptlen + POUCH_AEAD_TAG_BYTES;

	bench_check(pouch_aead_open(a->c, POUCH_AES128GCM, a->keys[i],
	    a->nonce, NULL, 0, a->cts + i * ctlen, ctlen, a->out,
	    sizeof(a->out), &n), "open");
}

static void
bench_ed25519(const struct pouch_crypto *c)
{
	static const enum pouch_impl impl[2] = {
		POUCH_IMPL_SODIUM, POUCH_IMPL_OPENSSL
	};
	static const char *const sname[2] = {
		"ed25519_sign_sodium", "ed25519_sign_openssl"
	};
	static const char *const vname[2] = {
		"ed25519_verify_sodium", "ed25519_verify_openssl"
	};
	struct sig_arg a;
	uint8_t priv[32];
	double sign[2], verify[2];
	int i;

	memset(&a, 0, sizeof(a));
	a.c = c;
	bench_check(pouch_sig_keygen(c, POUCH_SIG_ED25519, priv, a.pub),
	    "keygen");
	bench_check(pouch_random(a.msg, sizeof(a.msg)), "random");
	for (i = 0; i < 2; i++) {
		a.impl = impl[i];
		bench_check(pouch_sig_key_new(c, POUCH_SIG_ED25519, impl[i],
		    priv, sizeof(priv), &a.k), "key_new");
		sign[i] = bench_run(sname[i], op_sign, &a, BENCH_SECONDS);
		verify[i] = bench_run(vname[i], op_verify, &a, BENCH_SECONDS);
		pouch_sig_key_free(a.k);
	}
	bench_ratio(sname[0], sign[0], sname[1], sign[1]);
	bench_ratio(vname[0], verify[0], vname[1], verify[1]);
}

static void
bench_x25519(const struct pouch_crypto *c)
{
	struct dh_arg a;
	uint8_t peer[32];
	double r[2];

	memset(&a, 0, sizeof(a));
	a.c = c;
	bench_check(pouch_dh_keygen(c, POUCH_DH_X25519, POUCH_IMPL_DEFAULT,
	    a.priv, a.pub), "keygen");
	bench_check(pouch_dh_keygen(c, POUCH_DH_X25519, POUCH_IMPL_DEFAULT,
	    peer, a.pub), "keygen");
	a.impl = POUCH_IMPL_SODIUM;
	r[0] = bench_run("x25519_dh_sodium", op_dh, &a, BENCH_SECONDS);
	a.impl = POUCH_IMPL_OPENSSL;
	r[1] = bench_run("x25519_dh_openssl", op_dh, &a, BENCH_SECONDS);
	bench_ratio("x25519_dh_sodium", r[0], "x25519_dh_openssl", r[1]);
}

static void
bench_aead(const struct pouch_crypto *c, size_t ptlen, const char *seal,
    const char *open)
{
	struct aead_arg a;
	size_t i, n, ctlen = ptlen + POUCH_AEAD_TAG_BYTES;

	memset(&a, 0, sizeof(a));
	a.c = c;
	a.ptlen = ptlen;
	a.keys = malloc(AEAD_RING * sizeof(*a.keys));
	a.pts = malloc(AEAD_RING * ptlen);
	a.cts = malloc(AEAD_RING * ctlen);
	if (a.keys == NULL || a.pts == NULL || a.cts == NULL)
		bench_check(POUCH_E_NOMEM, "malloc");
	bench_check(pouch_random(a.nonce, sizeof(a.nonce)), "random");
	bench_check(pouch_random((uint8_t *)a.keys,
	    AEAD_RING * sizeof(*a.keys)), "random");
	bench_check(pouch_random(a.pts, AEAD_RING * ptlen), "random");
	for (i = 0; i < AEAD_RING; i++)
		bench_check(pouch_aead_seal(c, POUCH_AES128GCM, a.keys[i],
		    a.nonce, NULL, 0, a.pts + i * ptlen, ptlen,
		    a.cts + i * ctlen, ctlen, &n), "seal");
	bench_run(seal, op_seal, &a, BENCH_SECONDS);
	a.next = 0;
	bench_run(open, op_open, &a, BENCH_SECONDS);
	free(a.keys);
	free(a.pts);
	free(a.cts);
}

int
main(void)
{
	struct pouch_crypto *c = NULL;
	struct hkdf_arg h;

	bench_check(pouch_crypto_new(&c), "pouch_crypto_new");
	bench_ed25519(c);
	bench_x25519(c);
	memset(&h, 0, sizeof(h));
	h.c = c;
	bench_check(pouch_random(h.prk, sizeof(h.prk)), "random");
	bench_run("hkdf_expand_sha256", op_hkdf, &h, BENCH_SECONDS);
	bench_aead(c, 256, "aes128gcm_seal_256B", "aes128gcm_open_256B");
	bench_aead(c, 4096, "aes128gcm_seal_4KiB", "aes128gcm_open_4KiB");
	pouch_crypto_free(c);
	return 0;
}
