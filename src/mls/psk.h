/*
 * mls/psk - the psk_secret of RFC 9420 8.4: any number of pre-shared keys,
 * each named by its PreSharedKeyID, chained through KDF.Extract into the
 * one value that enters the key schedule.  Pure computation; the caller
 * looks the PSK values up (external store, resumption_psk of an earlier
 * epoch) and passes them in.
 */
#ifndef POUCH_MLS_PSK_H
#define POUCH_MLS_PSK_H

#include <stddef.h>
#include <stdint.h>

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "mls/suite.h"

/* RFC 9420 8.4 PSKType and ResumptionPSKUsage. */
#define POUCH_MLS_PSK_EXTERNAL		1
#define POUCH_MLS_PSK_RESUMPTION	2
#define POUCH_MLS_PSK_USAGE_APPLICATION	1
#define POUCH_MLS_PSK_USAGE_REINIT	2
#define POUCH_MLS_PSK_USAGE_BRANCH	3

/* The largest number of PSKs in one psk_secret (PSKLabel.count). */
#define POUCH_MLS_PSK_COUNT_MAX		0xffff

/*
 * One PSK: its PreSharedKeyID (8.4) and its value.  The fields of the
 * select are read according to psktype; the pointers are borrowed.
 */
struct pouch_mls_psk_input {
	uint8_t		 psktype;
	const uint8_t	*psk_id;	/* external */
	size_t		 psk_idlen;
	uint8_t		 usage;		/* resumption */
	const uint8_t	*psk_group_id;
	size_t		 psk_group_idlen;
	uint64_t	 psk_epoch;
	const uint8_t	*psk_nonce;
	size_t		 psk_noncelen;
	const uint8_t	*psk;		/* the secret value */
	size_t		 psklen;
};

/*
 * Append the PreSharedKeyID of p (8.4) to w.  POUCH_E_MISUSE for an
 * unknown psktype; otherwise the writer's sticky error decides.
 */
int	pouch_mls_psk_id_write(struct pouch_wr *w,
	    const struct pouch_mls_psk_input *p) POUCH_WARN_UNUSED;

/*
 * RFC 9420 8.4: psk_secret over psks[0..n) in order; out gets s->nh
 * bytes (all zero when n == 0).  POUCH_E_MISUSE for n over
 * POUCH_MLS_PSK_COUNT_MAX or a malformed input.
 */
int	pouch_mls_psk_secret(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s,
	    const struct pouch_mls_psk_input *psks, size_t n, uint8_t *out)
	    POUCH_WARN_UNUSED;

#endif /* POUCH_MLS_PSK_H */
