/*
 * xwing - X-Wing, the hybrid KEM of draft-connolly-cfrg-xwing-kem: X25519
 * and ML-KEM-768 under the SHA3-256 combiner
 *   ss = SHA3-256(ss_M || ss_X || ct_X || pk_X || XWingLabel).
 * The decapsulation key is the 32-byte seed of the draft, expanded with
 * SHAKE-256 to 96 bytes on every use (ML-KEM d || z, then the X25519
 * scalar); the encapsulation key is ek_M || pk_X (1216 bytes), the
 * ciphertext ct_M || ct_X (1120 bytes).  ML-KEM-768 is src/mlkem (its
 * SHA3/SHAKE from the caller's struct pouch_mlkem_ctx); X25519 and the
 * randomness come from the crypto provider.  Everything that touches a
 * secret runs in constant time (tests/mlkem/ctgrind.c) and every secret
 * local is wiped.
 *
 * An X25519 output of zero (a peer point of small order) is kept, not
 * refused: the draft computes X25519 as RFC 7748 does and feeds the result
 * to the combiner whatever it is, so Pouch derives the same secret as
 * every other X-Wing.  Whether it is zero depends on the public point
 * only.
 */
#ifndef POUCH_MLKEM_XWING_H
#define POUCH_MLKEM_XWING_H

#include <stddef.h>
#include <stdint.h>

#include <pouch/err.h>

#include "crypto/crypto.h"
#include "mlkem/mlkem.h"

#define XWING_SK_BYTES		32	/* the seed sk */
#define XWING_PK_BYTES		1216	/* ek_M (1184) || pk_X (32) */
#define XWING_CT_BYTES		1120	/* ct_M (1088) || ct_X (32) */
#define XWING_SS_BYTES		32
#define XWING_ESEED_BYTES	64	/* m for ML-KEM || ek_X */
#define XWING_X25519_BYTES	32

struct pouch_xwing_sk { uint8_t b[XWING_SK_BYTES]; };
struct pouch_xwing_pk { uint8_t b[XWING_PK_BYTES]; };
struct pouch_xwing_ct { uint8_t b[XWING_CT_BYTES]; };

/*
 * Typed API.  NULL pointers are POUCH_E_MISUSE.  On any error every
 * output is zeroed.  POUCH_E_BAD_KEY when the ML-KEM part of a public key
 * fails the FIPS 203 7.2 modulus check (the draft's EncapError);
 * POUCH_E_RANDOM when RAND_bytes fails; POUCH_E_NOMEM, POUCH_E_CRYPTO.
 */

/* GenerateKeyPairDerand(sk): pk from the seed sk. */
int	pouch_xwing_keygen_derand(const struct pouch_crypto *c,
	    const struct pouch_mlkem_ctx *m, const struct pouch_xwing_sk *sk,
	    struct pouch_xwing_pk *pk) POUCH_WARN_UNUSED;
/* GenerateKeyPair(): sk = random(32). */
int	pouch_xwing_keygen(const struct pouch_crypto *c,
	    const struct pouch_mlkem_ctx *m, struct pouch_xwing_sk *sk,
	    struct pouch_xwing_pk *pk) POUCH_WARN_UNUSED;
/* EncapsulateDerand(pk, eseed), for tests and vectors. */
int	pouch_xwing_encaps_derand(const struct pouch_crypto *c,
	    const struct pouch_mlkem_ctx *m, const struct pouch_xwing_pk *pk,
	    const uint8_t eseed[static XWING_ESEED_BYTES],
	    struct pouch_xwing_ct *ct, uint8_t ss[static XWING_SS_BYTES])
	    POUCH_WARN_UNUSED;
/* Encapsulate(pk) = EncapsulateDerand(pk, random(64)). */
int	pouch_xwing_encaps(const struct pouch_crypto *c,
	    const struct pouch_mlkem_ctx *m, const struct pouch_xwing_pk *pk,
	    struct pouch_xwing_ct *ct, uint8_t ss[static XWING_SS_BYTES])
	    POUCH_WARN_UNUSED;
/*
 * Decapsulate(ct, sk).  Never fails on a ciphertext: a tampered ct_M
 * gives ML-KEM's implicit-rejection key, so a different ss, by neither
 * result nor timing distinguishable from a valid one.
 */
int	pouch_xwing_decaps(const struct pouch_crypto *c,
	    const struct pouch_mlkem_ctx *m, const struct pouch_xwing_sk *sk,
	    const struct pouch_xwing_ct *ct, uint8_t ss[static XWING_SS_BYTES])
	    POUCH_WARN_UNUSED;

/*
 * The same over (pointer, length), for HPKE and the vector runner, with
 * the ML-KEM module's length rules: an output buffer (pk, ct) or an eseed
 * of the wrong size is the caller's bug, POUCH_E_MISUSE; an input of the
 * wrong size is hostile: POUCH_E_BAD_KEY for pk and sk, POUCH_E_MALFORMED
 * for ct.  eseed NULL (eseedlen 0) encapsulates with fresh randomness.
 */
int	pouch_xwing_keygen_derand_bytes(const struct pouch_crypto *c,
	    const struct pouch_mlkem_ctx *m, const uint8_t *sk, size_t sklen,
	    uint8_t *pk, size_t pklen) POUCH_WARN_UNUSED;
int	pouch_xwing_encaps_bytes(const struct pouch_crypto *c,
	    const struct pouch_mlkem_ctx *m, const uint8_t *pk, size_t pklen,
	    const uint8_t *eseed, size_t eseedlen, uint8_t *ct, size_t ctlen,
	    uint8_t ss[static XWING_SS_BYTES]) POUCH_WARN_UNUSED;
int	pouch_xwing_decaps_bytes(const struct pouch_crypto *c,
	    const struct pouch_mlkem_ctx *m, const uint8_t *sk, size_t sklen,
	    const uint8_t *ct, size_t ctlen, uint8_t ss[static XWING_SS_BYTES])
	    POUCH_WARN_UNUSED;

#endif /* POUCH_MLKEM_XWING_H */
