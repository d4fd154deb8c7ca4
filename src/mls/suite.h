/*
 * mls/suite - the RFC 9420 cipher suites and the labelled operations of
 * RFC 9420 5.1 built on them.
 *
 * This is the MLS module's bridge to the crypto layer: a table maps each
 * cipher suite code point (RFC 9420 17.1, suites 1-7) to its hash, AEAD,
 * HPKE (KEM, KDF, AEAD) and signature scheme, and the labelled operations
 * (ExpandWithLabel, DeriveSecret, DeriveTreeSecret, RefHash,
 * MakeKeyPackageRef/MakeProposalRef, SignWithLabel/VerifyWithLabel,
 * EncryptWithLabel/DecryptWithLabel) encode their "MLS 1.0 " label structs
 * with the bounded codec and call the provider.  No I/O, no clock, no state.
 */
#ifndef POUCH_MLS_SUITE_H
#define POUCH_MLS_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

/*
 * MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519 (draft-ietf-mls-pq-
 * ciphersuites-06, "TBD1": X-Wing KEM 0x647A, HKDF-SHA256, AES-128-GCM,
 * Ed25519).  IANA has not assigned it a code point and other
 * implementations use clashing private numbers, so Pouch uses this one
 * value from RFC 9420's private-use range (0xF000-0xFFFF), defined here
 * and nowhere else.  Key establishment is post-quantum; signatures stay
 * Ed25519 (docs/PROTOCOL.md says why).
 */
#define POUCH_MLS_SUITE_HYBRID		0xF001

struct pouch_mls_suite {
	uint16_t	 id;
	const char	*name;
	enum pouch_hash	 hash;
	size_t		 nh;		/* KDF.Nh = hash length */
	enum pouch_aead	 aead;
	size_t		 nk;		/* AEAD.Nk */
	size_t		 nn;		/* AEAD.Nn */
	uint16_t	 hpke_kem;
	uint16_t	 hpke_kdf;
	uint16_t	 hpke_aead;
	enum pouch_sig	 sig;
};

/* The suite with code point id, or NULL when unsupported. */
const struct pouch_mls_suite *pouch_mls_suite_get(uint16_t id);
/*
 * The configuration alias.  Once IANA assigns the hybrid suite a code
 * point, a deployment names it in its configuration (pouchd's
 * mls_suite_alias, the client's) and Pouch knows the hybrid suite under
 * both values: *out becomes the hybrid row with id = code.  The caller
 * owns *out (no global state).  MISUSE when code is 0, already in the
 * table, or a GREASE value (RFC 9420 13.5: 0x?A?A).
 */
int	pouch_mls_suite_alias(uint16_t code, struct pouch_mls_suite *out)
	    POUCH_WARN_UNUSED;
/*
 * pouch_mls_suite_get that also knows one alias row (alias NULL: none):
 * every lookup of a code point read from the wire or a store goes
 * through this where a deployment may have configured an alias.
 */
const struct pouch_mls_suite *pouch_mls_suite_find(
	    const struct pouch_mls_suite *alias, uint16_t id);
/* 1 when s is a row of the table (not an alias copy). */
int	pouch_mls_suite_in_table(const struct pouch_mls_suite *s);
/* Code points of every supported suite, for iteration; *n gets the count. */
const uint16_t *pouch_mls_suite_ids(size_t *n);
/* 1 when s establishes keys post-quantum (its HPKE KEM has ML-KEM). */
int	pouch_mls_suite_pq(const struct pouch_mls_suite *s);
/*
 * 1 when moving a group from suite from to suite to (a ReInit) would
 * give up post-quantum key establishment: from is post-quantum and to
 * is not, or to is unknown (NULL).  The engine refuses such a ReInit, whether
 * it makes it or receives it (POUCH_E_SUITE_DOWNGRADE).
 */
int	pouch_mls_suite_downgrade(const struct pouch_mls_suite *from,
	    const struct pouch_mls_suite *to);

/* Longest label accepted by the labelled operations (after "MLS 1.0 "). */
#define POUCH_MLS_LABEL_MAX	255

/* RFC 9420 5.1 ExpandWithLabel: out gets len bytes (len <= 65535). */
int	pouch_mls_expand_with_label(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *secret,
	    size_t secretlen, const char *label, const uint8_t *context,
	    size_t contextlen, uint8_t *out, size_t len) POUCH_WARN_UNUSED;
/* RFC 9420 5.1 DeriveSecret: out gets s->nh bytes. */
int	pouch_mls_derive_secret(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *secret,
	    size_t secretlen, const char *label, uint8_t *out)
	    POUCH_WARN_UNUSED;
/* RFC 9420 9 DeriveTreeSecret: context is the uint32 generation. */
int	pouch_mls_derive_tree_secret(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *secret,
	    size_t secretlen, const char *label, uint32_t generation,
	    uint8_t *out, size_t len) POUCH_WARN_UNUSED;
/* RFC 9420 5.2 RefHash: out gets s->nh bytes.  label is used as given. */
int	pouch_mls_ref_hash(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const char *label,
	    const uint8_t *value, size_t valuelen, uint8_t *out)
	    POUCH_WARN_UNUSED;
/* RFC 9420 5.2 MakeKeyPackageRef / MakeProposalRef. */
int	pouch_mls_key_package_ref(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *kp, size_t kplen,
	    uint8_t *out) POUCH_WARN_UNUSED;
int	pouch_mls_proposal_ref(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *ac, size_t aclen,
	    uint8_t *out) POUCH_WARN_UNUSED;
/* RFC 9420 5.1.2 SignWithLabel; sig gets at most POUCH_SIG_MAX bytes. */
int	pouch_mls_sign_with_label(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *priv,
	    size_t privlen, const char *label, const uint8_t *content,
	    size_t contentlen, uint8_t *sig, size_t sigcap, size_t *siglen)
	    POUCH_WARN_UNUSED;
/*
 * The same with a private key loaded once (pouch_sig_key_new() for the
 * suite's signature scheme), so that a sender signing every message does
 * not expand its key each time.
 */
int	pouch_mls_sign_with_label_key(const struct pouch_sig_key *k,
	    const char *label, const uint8_t *content, size_t contentlen,
	    uint8_t *sig, size_t sigcap, size_t *siglen) POUCH_WARN_UNUSED;
/* POUCH_OK, or POUCH_E_BAD_SIGNATURE / POUCH_E_BAD_KEY. */
int	pouch_mls_verify_with_label(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *pub, size_t publen,
	    const char *label, const uint8_t *content, size_t contentlen,
	    const uint8_t *sig, size_t siglen) POUCH_WARN_UNUSED;
/* RFC 9420 5.1.3 EncryptWithLabel: HPKE SealBase with EncryptContext. */
int	pouch_mls_encrypt_with_label(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *pub, size_t publen,
	    const char *label, const uint8_t *context, size_t contextlen,
	    const uint8_t *pt, size_t ptlen, uint8_t *kem_out, size_t kemcap,
	    size_t *kemlen, uint8_t *ct, size_t ctcap, size_t *ctlen)
	    POUCH_WARN_UNUSED;
int	pouch_mls_decrypt_with_label(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *priv,
	    size_t privlen, const char *label, const uint8_t *context,
	    size_t contextlen, const uint8_t *kem_out, size_t kemlen,
	    const uint8_t *ct, size_t ctlen, uint8_t *pt, size_t ptcap,
	    size_t *ptlen) POUCH_WARN_UNUSED;

#endif /* POUCH_MLS_SUITE_H */
