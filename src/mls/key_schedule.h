/*
 * mls/key_schedule - the epoch key schedule of RFC 9420 8: from the
 * previous init_secret, the commit_secret, the psk_secret and the
 * serialized GroupContext to the joiner, welcome and epoch secrets and
 * every secret of Table 4, the exporter (8.5), the external key pair
 * and external initialization (8, 8.3), and the Welcome key and nonce
 * (12.4.3.1).
 *
 * The schedule is a pure function of its inputs: no I/O, no clock, no
 * state.  Its results live in a struct of fixed-size arrays that the
 * caller owns and wipes with pouch_mls_epoch_secrets_clear(); the
 * intermediate extract outputs and the epoch_secret itself never leave
 * the function (RFC 9420 9.2: they are consumed once the table is
 * derived).  GroupContext is taken as its encoded bytes, so this module
 * does not depend on the structure decoders.
 */
#ifndef POUCH_MLS_KEY_SCHEDULE_H
#define POUCH_MLS_KEY_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "mls/suite.h"

/*
 * The secrets of one epoch, each s->nh bytes (nh below).  Which ones a
 * caller keeps, and for how long, is its deletion policy (RFC 9420 9.2).
 */
struct pouch_mls_epoch_secrets {
	size_t	nh;
	uint8_t	joiner_secret[POUCH_HASH_MAX];
	uint8_t	welcome_secret[POUCH_HASH_MAX];
	uint8_t	sender_data_secret[POUCH_HASH_MAX];
	uint8_t	encryption_secret[POUCH_HASH_MAX];
	uint8_t	exporter_secret[POUCH_HASH_MAX];
	uint8_t	external_secret[POUCH_HASH_MAX];
	uint8_t	confirmation_key[POUCH_HASH_MAX];
	uint8_t	membership_key[POUCH_HASH_MAX];
	uint8_t	resumption_psk[POUCH_HASH_MAX];
	uint8_t	epoch_authenticator[POUCH_HASH_MAX];
	uint8_t	init_secret[POUCH_HASH_MAX];	/* for the next epoch */
};

/* Wipe every secret; NULL is a no-op. */
void	pouch_mls_epoch_secrets_clear(struct pouch_mls_epoch_secrets *e);

/*
 * RFC 9420 8, Figure 22, for an existing member: init_secret is the
 * previous epoch's (or the group's fresh initial one, 11), each input is
 * s->nh bytes.  commit_secret and psk_secret may be NULL for the all-zero
 * vector.  gc is the serialized GroupContext of the new epoch.  The
 * result is staged and copied to out only on success, so out may alias
 * the inputs (the previous epoch's struct, whose init_secret it replaces);
 * on failure out is untouched.  POUCH_E_MISUSE for NULL arguments.
 */
int	pouch_mls_key_schedule(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *init_secret,
	    const uint8_t *commit_secret, const uint8_t *psk_secret,
	    const uint8_t *gc, size_t gclen,
	    struct pouch_mls_epoch_secrets *out) POUCH_WARN_UNUSED;
/*
 * The same from the joiner_secret on, for a new member (GroupSecrets of
 * a Welcome, 12.4.3.1); out->joiner_secret is a copy of joiner_secret.
 */
int	pouch_mls_key_schedule_joiner(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *joiner_secret,
	    const uint8_t *psk_secret, const uint8_t *gc, size_t gclen,
	    struct pouch_mls_epoch_secrets *out) POUCH_WARN_UNUSED;
/*
 * welcome_secret = DeriveSecret(Extract(joiner_secret, psk_secret),
 * "welcome") alone, for decrypting a Welcome before its GroupContext is
 * known.  out gets s->nh bytes.
 */
int	pouch_mls_welcome_secret(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *joiner_secret,
	    const uint8_t *psk_secret, uint8_t *out) POUCH_WARN_UNUSED;
/*
 * RFC 9420 12.4.3.1: welcome_key (s->nk bytes) and welcome_nonce (s->nn
 * bytes) from welcome_secret.
 */
int	pouch_mls_welcome_key_nonce(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *welcome_secret,
	    uint8_t *key, uint8_t *nonce) POUCH_WARN_UNUSED;

/*
 * RFC 9420 8.5 MLS-Exporter(label, context, len) =
 *   ExpandWithLabel(DeriveSecret(exporter_secret, label), "exported",
 *                   Hash(context), len)
 * out gets len bytes (len <= 65535, else POUCH_E_MISUSE).
 */
int	pouch_mls_exporter(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *exporter_secret,
	    const char *label, const uint8_t *context, size_t contextlen,
	    uint8_t *out, size_t len) POUCH_WARN_UNUSED;

/*
 * RFC 9420 8: external_priv, external_pub = KEM.DeriveKeyPair(
 * external_secret) with the suite's HPKE KEM.  Buffers follow
 * (out, cap, *len); POUCH_HPKE_SK_MAX / POUCH_HPKE_PK_MAX always suffice.
 * priv may be NULL when only the public key is wanted.
 */
int	pouch_mls_external_keypair(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *external_secret,
	    uint8_t *priv, size_t privcap, size_t *privlen, uint8_t *pub,
	    size_t pubcap, size_t *publen) POUCH_WARN_UNUSED;

/*
 * RFC 9420 8.3 external initialization, for a joiner:
 *   kem_output, context = SetupBaseS(external_pub, "")
 *   init_secret = context.export("MLS 1.0 external init secret", Nh)
 * kem_out gets the KEM's Nenc bytes (POUCH_HPKE_ENC_MAX suffices; else
 * POUCH_E_BUFFER_TOO_SMALL with *kemlen the size needed); init_secret
 * gets s->nh bytes.  POUCH_E_BAD_KEY for an invalid external_pub.
 */
int	pouch_mls_external_init_send(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *external_pub,
	    size_t publen, uint8_t *kem_out, size_t kemcap, size_t *kemlen,
	    uint8_t *init_secret) POUCH_WARN_UNUSED;
/*
 * The members' side: SetupBaseR(kem_output, external_priv, "") and the
 * same export.  external_priv is from pouch_mls_external_keypair().
 */
int	pouch_mls_external_init_recv(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *external_priv,
	    size_t privlen, const uint8_t *kem_out, size_t kemlen,
	    uint8_t *init_secret) POUCH_WARN_UNUSED;

#endif /* POUCH_MLS_KEY_SCHEDULE_H */
