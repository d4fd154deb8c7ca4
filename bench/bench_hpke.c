/*
 * bench_hpke.c - throughput of the single-shot HPKE API: one op is one
 * pouch_hpke_seal_base plus one pouch_hpke_open_base of 256 bytes in base
 * mode, for the KEM/KDF/AEAD of MLS cipher suite 1 (X25519, HKDF-SHA256,
 * AES-128-GCM), suite 2 (P-256, HKDF-SHA256, AES-128-GCM) and X-Wing
 * (0x647a) with HKDF-SHA256 and AES-128-GCM, the HPKE suite of the
 * hybrid MLS suite of draft-ietf-mls-pq-ciphersuites.  bench_run
 * prints "bench NAME: VALUE ops/s"; any failure exits non-zero, so a
 * failure path is never timed.
 */
#include <string.h>

#include "bench.h"
#include "crypto/crypto.h"
#include "hpke/hpke.h"

#define MSG_LEN		256
#define SECONDS		1.0

struct hpke_op {
	const struct pouch_crypto	*c;
	uint16_t			 kem;
	uint8_t				 sk[POUCH_HPKE_SK_MAX];
	uint8_t				 pk[POUCH_HPKE_PK_MAX];
	size_t				 sklen, pklen;
	uint8_t				 pt[MSG_LEN];
};

static void
seal_open(void *arg)
{
	static const uint8_t info[] = "bench info";
	struct hpke_op *op = arg;
	uint8_t enc[POUCH_HPKE_ENC_MAX], ct[MSG_LEN + POUCH_HPKE_NT];
	uint8_t back[MSG_LEN];
	size_t enclen, ctlen, backlen;

	bench_check(pouch_hpke_seal_base(op->c, op->kem,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM, op->pk,
	    op->pklen, info, sizeof(info), NULL, 0, op->pt, sizeof(op->pt), enc,
	    sizeof(enc), &enclen, ct, sizeof(ct), &ctlen), "seal_base");
	bench_check(pouch_hpke_open_base(op->c, op->kem,
	    POUCH_HPKE_KDF_HKDF_SHA256, POUCH_HPKE_AEAD_AES128GCM, op->sk,
	    op->sklen, enc, enclen, info, sizeof(info), NULL, 0, ct, ctlen,
	    back, sizeof(back), &backlen), "open_base");
}

int
main(void)
{
	static const struct {
		const char	*name;
		uint16_t	 kem;
	} cases[] = {
		{ "hpke_base_seal_open_256B_suite1", POUCH_HPKE_KEM_X25519 },
		{ "hpke_base_seal_open_256B_suite2", POUCH_HPKE_KEM_P256 },
		{ "hpke_xwing_seal_open_256B", POUCH_HPKE_KEM_XWING },
	};
	struct pouch_crypto *c = NULL;
	struct hpke_op op;
	size_t i;

	bench_check(pouch_crypto_new(&c), "pouch_crypto_new");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&op, 0, sizeof(op));
		op.c = c;
		op.kem = cases[i].kem;
		memset(op.pt, 0x5a, sizeof(op.pt));
		bench_check(pouch_hpke_generate_keypair(c, op.kem, op.sk,
		    sizeof(op.sk), &op.sklen, op.pk, sizeof(op.pk), &op.pklen),
		    "generate_keypair");
		bench_run(cases[i].name, seal_open, &op, SECONDS);
	}
	pouch_crypto_free(c);
	return 0;
}
