/*
 * ctgrind.c - constant-time check of ML-KEM under valgrind memcheck (the
 * Monocypher tests/ctgrind.c idea).  Secrets are marked undefined; any
 * branch, table index or system call that depends on them is then
 * reported by memcheck, and the test runs with --error-exitcode=1.
 * Marked secret: d, z and m; the secret parts of dk (dk_PKE and z; ek and
 * H(ek) inside dk are public).  Public outputs (ek, c) and the shared
 * secrets are marked defined only after the call, to compare them.
 * Built with POUCH_CTGRIND so that the library declassifies rho = G(d ||
 * k)[0:32], which is public (ek carries it) and drives the rejection
 * sampling of A_hat.  Division is invisible to memcheck: see
 * tools/check-nodiv.  Covers keygen, encaps, and decaps of a valid and of
 * an invalid ciphertext, for all three parameter sets, and X-Wing
 * (src/mlkem/xwing.c: SHAKE-256 expansion, X25519, the combiner) with the
 * seed sk and eseed marked secret: keygen, encaps, and decaps of a valid
 * ciphertext and of one tampered in its ML-KEM and in its X25519 part.
 * Where the CPU has AVX2 this runs the AVX2 code; mlkem_ctgrind_portable
 * is the same program built with POUCH_MLKEM_NO_AVX2, for the C code.
 * X25519 is libsodium's (POUCH_IMPL_DEFAULT); the provider's check for an
 * all-zero X25519 output branches on that output, which is public (it is
 * zero only for a peer point of small order): tests/mlkem/ctgrind.supp
 * suppresses exactly that branch in pouch_dh, and xwing.c declassifies
 * the result code.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>
#include <valgrind/memcheck.h>

#include "crypto/crypto.h"
#include "mlkem/mlkem.h"
#include "mlkem/xwing.h"

#define SECRET(p, n)	VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n)	VALGRIND_MAKE_MEM_DEFINED((p), (n))

static int
run(const struct pouch_mlkem_ctx *c, enum pouch_mlkem_param p)
{
	const struct pouch_mlkem_params *prm = pouch_mlkem_params_get(p);
	uint8_t d[32], z[32], m[32], ek[MLKEM_EK_MAX], dk[MLKEM_DK_MAX];
	uint8_t ct[MLKEM_CT_MAX], k[32], k2[32], k3[32], k4[32], seed[64];
	const size_t skoff = 384 * prm->k;		/* end of dk_PKE */
	int bad = 0;

	if (RAND_bytes(d, 32) != 1 || RAND_bytes(z, 32) != 1 ||
	    RAND_bytes(m, 32) != 1)
		return 1;

	/* KeyGen_internal(d, z) */
	SECRET(d, 32);
	SECRET(z, 32);
	if (pouch_mlkem_keygen_internal(c, p, d, z, ek, prm->ek_bytes, dk,
	    prm->dk_bytes) != POUCH_OK)
		return 1;
	PUBLIC(ek, prm->ek_bytes);
	PUBLIC(dk, prm->dk_bytes);
	SECRET(dk, skoff);				/* dk_PKE */
	SECRET(dk + prm->dk_bytes - 32, 32);		/* z */

	/* Encaps_internal(ek, m) */
	SECRET(m, 32);
	if (pouch_mlkem_encaps_internal(c, p, ek, prm->ek_bytes, m, ct,
	    prm->ct_bytes, k) != POUCH_OK)
		return 1;
	PUBLIC(ct, prm->ct_bytes);
	PUBLIC(k, 32);

	/* Decaps_internal(dk, c), valid ciphertext */
	if (pouch_mlkem_decaps(c, p, dk, prm->dk_bytes, ct, prm->ct_bytes,
	    k2) != POUCH_OK)
		return 1;
	PUBLIC(k2, 32);
	if (memcmp(k, k2, 32) != 0)
		bad = 1;

	/* Decaps_internal(dk, c'), invalid ciphertext: implicit rejection */
	ct[prm->ct_bytes / 2] ^= 0x10;
	if (pouch_mlkem_decaps(c, p, dk, prm->dk_bytes, ct, prm->ct_bytes,
	    k3) != POUCH_OK)
		return 1;
	PUBLIC(k3, 32);
	if (memcmp(k, k3, 32) == 0)
		bad = 1;

	/* Decaps from the secret seed d || z (the HPKE private key). */
	memcpy(seed, d, 32);
	memcpy(seed + 32, z, 32);
	SECRET(seed, sizeof(seed));
	if (pouch_mlkem_decaps_seed(c, p, seed, sizeof(seed), ct,
	    prm->ct_bytes, k4) != POUCH_OK)
		return 1;
	PUBLIC(k4, 32);
	if (memcmp(k3, k4, 32) != 0)
		bad = 1;
	printf("ctgrind ML-KEM-%u: keygen, encaps, decaps (valid, invalid,"
	    " from seed) %s\n", 256 * prm->k, bad ? "WRONG RESULT" : "ok");
	return bad;
}

static int
run_xwing(const struct pouch_crypto *cc, const struct pouch_mlkem_ctx *c)
{
	struct pouch_xwing_sk sk;
	struct pouch_xwing_pk pk;
	struct pouch_xwing_ct ct;
	uint8_t eseed[XWING_ESEED_BYTES], k[32], k2[32], k3[32], k4[32];
	int bad = 0;

	if (RAND_bytes(sk.b, sizeof(sk.b)) != 1 ||
	    RAND_bytes(eseed, sizeof(eseed)) != 1)
		return 1;

	/* GenerateKeyPairDerand(sk) */
	SECRET(sk.b, sizeof(sk.b));
	if (pouch_xwing_keygen_derand(cc, c, &sk, &pk) != POUCH_OK)
		return 1;
	PUBLIC(pk.b, sizeof(pk.b));

	/* EncapsulateDerand(pk, eseed) */
	SECRET(eseed, sizeof(eseed));
	if (pouch_xwing_encaps_derand(cc, c, &pk, eseed, &ct, k) != POUCH_OK)
		return 1;
	PUBLIC(ct.b, sizeof(ct.b));
	PUBLIC(k, sizeof(k));

	/* Decapsulate(ct, sk), valid ciphertext */
	if (pouch_xwing_decaps(cc, c, &sk, &ct, k2) != POUCH_OK)
		return 1;
	PUBLIC(k2, sizeof(k2));
	if (memcmp(k, k2, sizeof(k)) != 0)
		bad = 1;

	/* ct_M tampered: ML-KEM implicit rejection inside X-Wing */
	ct.b[100] ^= 0x01;
	if (pouch_xwing_decaps(cc, c, &sk, &ct, k3) != POUCH_OK)
		return 1;
	PUBLIC(k3, sizeof(k3));
	ct.b[100] ^= 0x01;
	/* ct_X tampered: another X25519 point */
	ct.b[XWING_CT_BYTES - 2] ^= 0x01;
	if (pouch_xwing_decaps(cc, c, &sk, &ct, k4) != POUCH_OK)
		return 1;
	PUBLIC(k4, sizeof(k4));
	if (memcmp(k, k3, sizeof(k)) == 0 || memcmp(k, k4, sizeof(k)) == 0)
		bad = 1;
	printf("ctgrind X-Wing: keygen, encaps, decaps (valid, invalid ct_M, "
	    "invalid ct_X) %s\n", bad ? "WRONG RESULT" : "ok");
	return bad;
}

int
main(void)
{
	struct pouch_mlkem_ctx *c = NULL;
	struct pouch_crypto *cc = NULL;
	int bad = 0;

	if (RUNNING_ON_VALGRIND == 0)
		fprintf(stderr, "ctgrind: not under valgrind; this run "
		    "checks results only, not timing\n");
	if (pouch_mlkem_ctx_new(&c) != POUCH_OK)
		return 1;
	bad |= run(c, POUCH_MLKEM512);
	bad |= run(c, POUCH_MLKEM768);
	bad |= run(c, POUCH_MLKEM1024);
	if (pouch_crypto_new(&cc) != POUCH_OK)
		bad = 1;
	else
		bad |= run_xwing(cc, c);
	pouch_crypto_free(cc);
	pouch_mlkem_ctx_free(c);
	return bad;
}
