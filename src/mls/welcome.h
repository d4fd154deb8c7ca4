/*
 * mls/welcome - the Welcome message of RFC 9420 12.4.3.1 from both sides,
 * and the GroupInfo signature it carries: sealing GroupSecrets to each
 * new member's init key and the GroupInfo under the welcome key, and, for
 * a joiner, finding its entry, decrypting the GroupSecrets and the
 * GroupInfo, verifying the signature and the confirmation tag of the
 * epoch the joiner enters.  The ratchet tree, PSK lookup and the rest of
 * the join checks are the group engine's; this module is the crypto of
 * the message.  No I/O, no clock, no state: every step returns its result
 * and changes nothing on failure.
 *
 * Decoded results live in the caller's arena (mls/arena.h); secrets are
 * wiped when it is freed.
 */
#ifndef POUCH_MLS_WELCOME_H
#define POUCH_MLS_WELCOME_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "mls/arena.h"
#include "mls/key_schedule.h"
#include "mls/msg.h"
#include "mls/suite.h"

/*
 * SignWithLabel(., "GroupInfoTBS", GroupInfoTBS) into gi->signature (in
 * a).  Crypto errors, NOMEM.
 */
int	pouch_mls_group_info_sign(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, struct pouch_mls_group_info *gi,
	    const uint8_t *sig_priv, size_t sig_privlen,
	    struct pouch_mls_arena *a) POUCH_WARN_UNUSED;
/* VerifyWithLabel of gi under pub: BAD_SIGNATURE, BAD_KEY. */
int	pouch_mls_group_info_verify(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s,
	    const struct pouch_mls_group_info *gi, const uint8_t *pub,
	    size_t publen) POUCH_WARN_UNUSED;

/* One new member of a Welcome. */
struct pouch_mls_welcome_recipient {
	/* its KeyPackage (for the reference and the init_key) */
	const struct pouch_mls_key_package *kp;
	/* the path secret of its lowest common ancestor with the
	 * committer (s->nh bytes), NULL when the commit has no path */
	const uint8_t	*path_secret;
};

/*
 * RFC 9420 12.4.3.1 for the committer: the Welcome to r[0..nr) for the
 * signed GroupInfo gi, with joiner_secret and psk_secret (s->nh bytes
 * each; psk_secret NULL means no PSK, and then npsks must be 0) and the
 * PSK ids psks[0..npsks).  *out and every byte it points to are in a.
 * BAD_KEY for a KeyPackage with an invalid init_key, MISUSE when a
 * KeyPackage is of another suite.
 */
int	pouch_mls_welcome_seal(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s,
	    const struct pouch_mls_group_info *gi, const uint8_t *joiner_secret,
	    const uint8_t *psk_secret, const struct pouch_mls_psk_id *psks,
	    size_t npsks, const struct pouch_mls_welcome_recipient *r,
	    size_t nr, struct pouch_mls_arena *a, struct pouch_mls_welcome *out)
	    POUCH_WARN_UNUSED;

/*
 * For a joiner: find the entry of w for the KeyPackage whose reference is
 * kp_ref (s->nh bytes; NOT_RECIPIENT when none), decrypt its GroupSecrets
 * with init_priv (DECRYPT) and decode them into *gs (in a; MALFORMED and
 * the other decode errors).  WRONG_SUITE when w is of another suite.
 * The joiner must then resolve gs->psks into a psk_secret.
 */
int	pouch_mls_welcome_open(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const struct pouch_mls_welcome *w,
	    const uint8_t *kp_ref, const uint8_t *init_priv,
	    size_t init_privlen, struct pouch_mls_arena *a,
	    struct pouch_mls_group_secrets *gs) POUCH_WARN_UNUSED;
/*
 * Decrypt and decode w's GroupInfo (DECRYPT, decode errors) with the
 * joiner_secret and psk_secret (NULL: no PSK) of the GroupSecrets.
 * WRONG_SUITE when the GroupInfo's GroupContext names another suite.
 */
int	pouch_mls_welcome_group_info(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const struct pouch_mls_welcome *w,
	    const uint8_t *joiner_secret, const uint8_t *psk_secret,
	    struct pouch_mls_arena *a, struct pouch_mls_group_info *gi)
	    POUCH_WARN_UNUSED;
/*
 * The secrets of the epoch gi describes, from joiner_secret and
 * psk_secret (NULL: none), after checking gi's confirmation_tag against
 * them (BAD_MAC).  *es is wiped on failure.
 */
int	pouch_mls_welcome_epoch(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s,
	    const struct pouch_mls_group_info *gi, const uint8_t *joiner_secret,
	    const uint8_t *psk_secret, struct pouch_mls_epoch_secrets *es)
	    POUCH_WARN_UNUSED;

#endif /* POUCH_MLS_WELCOME_H */
