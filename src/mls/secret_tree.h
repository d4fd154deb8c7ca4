/*
 * mls/secret_tree - the secret tree and sender ratchets of RFC 9420 9, and
 * the sender-data key and nonce of 6.3.2.
 *
 * A tree is created per epoch from the encryption_secret.  It derives node
 * secrets lazily down to a leaf, deleting each parent secret as soon as
 * both children exist, and keeps per leaf a handshake and an application
 * ratchet.  A ratchet holds only its current secret; keys of skipped
 * generations are kept for out-of-order messages up to configurable limits
 * (struct pouch_mls_st_limits); every used key, secret and node secret is
 * wiped at once (9.2 deletion schedule, forward secrecy).
 *
 * Consumption is two-phase so that message processing is all-or-nothing:
 * pouch_mls_secret_tree_get() computes the key and nonce of a generation
 * from a const tree (it changes nothing, whatever it returns), and
 * pouch_mls_secret_tree_consume() commits, after the AEAD has verified,
 * and never changes anything when it fails.  A generation more than
 * max_forward ahead of its ratchet is refused before any derivation, so a
 * hostile generation (up to 2^32 - 1) costs nothing.
 */
#ifndef POUCH_MLS_SECRET_TREE_H
#define POUCH_MLS_SECRET_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "mls/suite.h"

/* Defaults of struct pouch_mls_st_limits, and the most either may be:
 * a jump of POUCH_MLS_ST_LIMIT_MAX generations costs about 0.2 s. */
#define POUCH_MLS_ST_MAX_FORWARD	1000
#define POUCH_MLS_ST_MAX_RETAINED	1000
#define POUCH_MLS_ST_LIMIT_MAX		65536

/*
 * Out-of-order policy, per ratchet.  max_forward: how many generations a
 * message may be ahead of the next expected one (their keys are derived
 * and kept).  max_retained: how many such skipped-generation keys are
 * kept; beyond it the oldest are deleted, and their generations are then
 * refused like used ones.  max_retained 0 keeps none (strict order).
 */
struct pouch_mls_st_limits {
	uint32_t	max_forward;
	uint32_t	max_retained;
};

/* The two ratchets of a leaf (RFC 9420 9, Figure 26). */
#define POUCH_MLS_RATCHET_HANDSHAKE	0
#define POUCH_MLS_RATCHET_APPLICATION	1

/*
 * A key and nonce handed out by get: ratchet_key_[leaf]_[generation] and
 * ratchet_nonce_[leaf]_[generation] (9.1).  The nonce is the ratchet's;
 * the reuse guard (6.3.1) is the caller's to apply.  Wipe with
 * pouch_mls_st_key_clear() (consume does it).
 */
struct pouch_mls_st_key {
	uint32_t	leaf;
	uint32_t	generation;
	int		type;
	size_t		keylen;			/* AEAD.Nk */
	size_t		noncelen;		/* AEAD.Nn */
	uint8_t		key[POUCH_AEAD_KEY_MAX];
	uint8_t		nonce[POUCH_AEAD_NONCE_BYTES];
};

struct pouch_mls_secret_tree;

void	pouch_mls_st_key_clear(struct pouch_mls_st_key *k);

/*
 * A tree of n_leaves leaves (1 .. 2^31) rooted at encryption_secret
 * (s->nh bytes, copied; the caller wipes its copy, 9.2).  lim may be NULL
 * for the defaults; a limit over POUCH_MLS_ST_LIMIT_MAX is POUCH_E_MISUSE.
 * POUCH_E_MISUSE, POUCH_E_UNSUPPORTED, POUCH_E_NOMEM.
 */
int	pouch_mls_secret_tree_new(const struct pouch_mls_suite *s,
	    const uint8_t *encryption_secret, uint32_t n_leaves,
	    const struct pouch_mls_st_limits *lim,
	    struct pouch_mls_secret_tree **out) POUCH_WARN_UNUSED;
/* Wipe every secret and free; NULL is a no-op. */
void	pouch_mls_secret_tree_free(struct pouch_mls_secret_tree *st);

/*
 * The key and nonce of generation gen of ratchet type of leaf, without
 * changing the tree.  out is cleared first and set only on success.
 *   POUCH_E_MALFORMED  leaf outside the tree
 *   POUCH_E_REPLAY     gen already used, or older than the kept window
 *   POUCH_E_LIMIT      gen more than max_forward ahead (nothing derived),
 *                      or the ratchet is exhausted (gen 2^32 - 1 used)
 *   POUCH_E_STATE      the tree failed earlier (sticky)
 *   POUCH_E_MISUSE, POUCH_E_CRYPTO
 */
int	pouch_mls_secret_tree_get(const struct pouch_crypto *c,
	    const struct pouch_mls_secret_tree *st, uint32_t leaf, int type,
	    uint32_t gen, struct pouch_mls_st_key *out) POUCH_WARN_UNUSED;
/*
 * For a sender: the next unused generation of its own ratchet (keys kept
 * for skipped generations are for receiving only and never reused for
 * sending).  Same errors as get.
 */
int	pouch_mls_secret_tree_get_next(const struct pouch_crypto *c,
	    const struct pouch_mls_secret_tree *st, uint32_t leaf, int type,
	    struct pouch_mls_st_key *out) POUCH_WARN_UNUSED;
/*
 * Commit the use of k (from get on this tree, after the AEAD verified or
 * the message was sealed): delete the key, advance the ratchet past
 * k->generation keeping keys for the generations skipped (within the
 * limits), and delete the consumed node secrets.  k is wiped in any case.
 * All-or-nothing: on any error the tree is unchanged.  Errors as for get,
 * and POUCH_E_NOMEM.
 */
int	pouch_mls_secret_tree_consume(const struct pouch_crypto *c,
	    struct pouch_mls_secret_tree *st, struct pouch_mls_st_key *k)
	    POUCH_WARN_UNUSED;

/*
 * RFC 9420 6.3.2: sender_data_key (s->nk bytes) and sender_data_nonce
 * (s->nn bytes) from sender_data_secret and the first KDF.Nh bytes of the
 * content ciphertext (all of it when shorter).
 */
int	pouch_mls_sender_data_key_nonce(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *sender_data_secret,
	    const uint8_t *ciphertext, size_t ciphertextlen, uint8_t *key,
	    uint8_t *nonce) POUCH_WARN_UNUSED;

/*
 * State persistence (mls/group_state.c).  save appends the whole state
 * of st (limits, stored node secrets, ratchets, kept skipped-generation
 * keys; the output is secret) in a canonical order, so a tree loaded
 * from it saves to the same bytes; STATE when st failed earlier.  load
 * reads one back for a tree of n_leaves leaves of suite s and checks it
 * all (limits, node indices ascending and inside the tree, ratchets only
 * at leaves, generations ascending and below the ratchet's next, the
 * stored nodes covering every leaf exactly once): MALFORMED, TRUNCATED,
 * NOMEM; on failure nothing is allocated and r has not moved.
 */
void	pouch_mls_secret_tree_save(struct pouch_wr *w,
	    const struct pouch_mls_secret_tree *st);
int	pouch_mls_secret_tree_load(const struct pouch_mls_suite *s,
	    uint32_t n_leaves, struct pouch_rd *r,
	    struct pouch_mls_secret_tree **out) POUCH_WARN_UNUSED;

#endif /* POUCH_MLS_SECRET_TREE_H */
