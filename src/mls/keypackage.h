/*
 * mls/keypackage - making and checking KeyPackages (RFC 9420 10): a
 * member's fresh init and leaf HPKE key pairs, its LeafNode (source
 * key_package, with the lifetime the caller passes in and capabilities
 * for the suite), the optional last_resort extension, both signatures;
 * and the checks a group makes before adding one (10.1).  No I/O, no
 * clock: time is a parameter.
 */
#ifndef POUCH_MLS_KEYPACKAGE_H
#define POUCH_MLS_KEYPACKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "hpke/hpke.h"
#include "mls/msg.h"
#include "mls/suite.h"

/* last_resort (draft-ietf-mls-extensions, IANA MLS Extension Types). */
#define POUCH_MLS_EXT_LAST_RESORT	0x000a

/* What a KeyPackage is made from; every pointer is borrowed. */
struct pouch_mls_kp_params {
	const struct pouch_mls_suite	*s;
	/* basic credential identity */
	const uint8_t			*identity;
	size_t				 identitylen;
	/* the member's signature key pair, of the suite's scheme */
	const uint8_t			*sig_priv;
	size_t				 sig_privlen;
	const uint8_t			*sig_pub;
	size_t				 sig_publen;
	/* lifetime, seconds since the Unix epoch */
	uint64_t			 not_before;
	uint64_t			 not_after;
	/* add the last_resort extension */
	int				 last_resort;
};

/* A made KeyPackage: its encoding and the two private keys. */
struct pouch_mls_kp_out {
	uint8_t		*kp;		/* pouch_wr_buf_free(kp, kplen) */
	size_t		 kplen;
	uint8_t		 init_priv[POUCH_HPKE_SK_MAX];
	size_t		 init_privlen;
	uint8_t		 enc_priv[POUCH_HPKE_SK_MAX];
	size_t		 enc_privlen;
};

/* Wipe o and free its buffer. */
void	pouch_mls_kp_out_clear(struct pouch_mls_kp_out *o);

/*
 * Make a KeyPackage (RFC 9420 10) with fresh init and encryption keys.
 * MISUSE (bad params, not_after < not_before), RANDOM, NOMEM, crypto
 * errors.  *o is cleared on failure.
 */
int	pouch_mls_key_package_create(const struct pouch_crypto *c,
	    const struct pouch_mls_kp_params *p, struct pouch_mls_kp_out *o)
	    POUCH_WARN_UNUSED;

/*
 * RFC 9420 10.1 checks that need no group: version mls10 and suite s
 * (WRONG_SUITE; UNSUPPORTED for another version), init_key valid for the
 * KEM (BAD_KEY) and different from the leaf's encryption_key
 * (DUP_ENCRYPTION_KEY), the KeyPackage signature (BAD_SIGNATURE).  The
 * leaf node is checked against the group by pouch_mls_leaf_validate.
 */
int	pouch_mls_key_package_verify(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s,
	    const struct pouch_mls_key_package *kp) POUCH_WARN_UNUSED;

/* 1 when kp carries the last_resort extension. */
int	pouch_mls_key_package_is_last_resort(
	    const struct pouch_mls_key_package *kp);

#endif /* POUCH_MLS_KEYPACKAGE_H */
