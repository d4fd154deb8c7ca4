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
 * an invalid ciphertext, for all three parameter sets.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>
#include <valgrind/memcheck.h>

#include "mlkem/mlkem.h"

#define SECRET(p, n)	VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n)	VALGRIND_MAKE_MEM_DEFINED((p), (n))

static int
run(const struct pouch_mlkem_ctx *c, enum pouch_mlkem_param p)
{
	const struct pouch_mlkem_params *prm = pouch_mlkem_params_get(p);
	uint8_t d[32], z[32], m[32], ek[MLKEM_EK_MAX], dk[MLKEM_DK_MAX];
	uint8_t ct[MLKEM_CT_MAX], k[32], k2[32], k3[32];
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
	printf("ctgrind ML-KEM-%u: keygen, encaps, decaps (valid, invalid)"
	    " %s\n", 256 * prm->k, bad ? "WRONG RESULT" : "ok");
	return bad;
}

int
main(void)
{
	struct pouch_mlkem_ctx *c = NULL;
	int bad = 0;

	if (RUNNING_ON_VALGRIND == 0)
		fprintf(stderr, "ctgrind: not under valgrind; this run "
		    "checks results only, not timing\n");
	if (pouch_mlkem_ctx_new(&c) != POUCH_OK)
		return 1;
	bad |= run(c, POUCH_MLKEM512);
	bad |= run(c, POUCH_MLKEM768);
	bad |= run(c, POUCH_MLKEM1024);
	pouch_mlkem_ctx_free(c);
	return bad;
}
