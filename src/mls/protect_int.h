/*
 * mls/protect_int - what protect.c (signatures, PublicMessage, the
 * receive path) and protect_private.c (PrivateMessage encryption) share,
 * and nothing else uses.
 */
#ifndef POUCH_MLS_PROTECT_INT_H
#define POUCH_MLS_PROTECT_INT_H

#include "mls/protect.h"

/* States of a struct pouch_mls_received. */
#define POUCH_MLS_RECV_EMPTY	0
#define POUCH_MLS_RECV_OPENED	1
#define POUCH_MLS_RECV_VERIFIED	2
#define POUCH_MLS_RECV_FAILED	3

/* p is usable: POUCH_OK or POUCH_E_MISUSE. */
int	pouch_mls_protect_check(const struct pouch_mls_protect_ctx *p)
	    POUCH_WARN_UNUSED;
/* p->lim, or the defaults. */
const struct pouch_mls_limits *pouch_mls_protect_limits(
	    const struct pouch_mls_protect_ctx *p);
/* POUCH_E_WRONG_EPOCH unless group_id and epoch are p->gc's. */
int	pouch_mls_protect_epoch(const struct pouch_mls_protect_ctx *p,
	    const struct pouch_mls_bytes *group_id, uint64_t epoch)
	    POUCH_WARN_UNUSED;
/*
 * A sender's AuthenticatedContent is complete: a signature, and for a
 * commit a confirmation tag of KDF.Nh bytes.  POUCH_OK or POUCH_E_MISUSE.
 */
int	pouch_mls_protect_auth_ok(const struct pouch_mls_protect_ctx *p,
	    const struct pouch_mls_authenticated_content *ac)
	    POUCH_WARN_UNUSED;
/*
 * The PrivateMessage half of pouch_mls_message_open(): r->msg is
 * decoded; fill r->sd, r->key and r->ac.  Changes nothing else.
 */
int	pouch_mls_private_open(const struct pouch_mls_protect_ctx *p,
	    struct pouch_mls_received *r) POUCH_WARN_UNUSED;

#endif /* POUCH_MLS_PROTECT_INT_H */
