/*
 * mls/group - the MLS group engine (RFC 9420 11, 12): one member's view
 * of a group across epochs.  A group is created with one member or
 * joined from a Welcome; it makes commits and processes the proposals
 * and commits of other members.
 *
 * State handling (STYLE.md 3).  Every operation works on a staged copy
 * of the epoch state (tree, private keys, transcript hashes, epoch
 * secrets) that replaces the current one only on success.  A commit this
 * member makes is kept pending until pouch_mls_group_merge_pending()
 * (the server accepted it) or pouch_mls_group_discard_pending()
 * (another commit won the epoch); the current epoch is untouched until
 * then.
 *
 * What a received commit may hold (RFC 9420 12.1-12.3): Add, Update,
 * Remove, PreSharedKey (external PSKs given at join, resumption PSKs of
 * this group for the current and the last 8 epochs) and
 * GroupContextExtensions proposals, by value or by reference to a
 * proposal processed earlier in the epoch (pouch_mls_group_process()
 * caches them); with or without a path.  Not yet: ReInit and
 * ExternalInit (UNSUPPORTED), PrivateMessage handshake, external
 * commits and senders, the full 12.2 proposal-list validation, a
 * capability check of new GroupContext extensions against every member,
 * retention of old epochs for late application messages.  This member's
 * own commits carry Add and Remove proposals by value and always a path
 * (so a commit with no proposals is a self-update), as a PublicMessage;
 * the ratchet tree it sends always travels in the Welcome's GroupInfo.
 *
 * Application messages (RFC 9420 6.3, 9) are PrivateMessages keyed by
 * the current epoch's secret tree, which lives in the epoch state: each
 * epoch change builds the new one and frees, wiped, the old one.
 *
 * No I/O and no clock: times come in as parameters.
 */
#ifndef POUCH_MLS_GROUP_H
#define POUCH_MLS_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "mls/suite.h"

struct pouch_mls_group;

/* What a member brings: its KeyPackage and private keys (borrowed). */
struct pouch_mls_member_keys {
	const uint8_t	*kp;		/* encoded KeyPackage */
	size_t		 kplen;
	const uint8_t	*sig_priv;
	size_t		 sig_privlen;
	const uint8_t	*init_priv;	/* join only */
	size_t		 init_privlen;
	const uint8_t	*enc_priv;
	size_t		 enc_privlen;
};

/*
 * A new group group_id (at most 255 bytes) of suite s, epoch 0, with the
 * member of mk as its only member (leaf 0).  The KeyPackage is verified
 * (pouch_mls_key_package_verify) and its lifetime checked against now.
 * c must outlive the group.  *out is freed with pouch_mls_group_free().
 */
int	pouch_mls_group_create(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *group_id,
	    size_t group_idlen, const struct pouch_mls_member_keys *mk,
	    uint64_t now, struct pouch_mls_group **out) POUCH_WARN_UNUSED;
/* An external PSK the application holds (borrowed). */
struct pouch_mls_external_psk {
	const uint8_t	*id;
	size_t		 idlen;
	const uint8_t	*psk;
	size_t		 psklen;
};

/* Optional inputs of a join (every field may be empty). */
struct pouch_mls_join_opts {
	/* the ratchet tree, when it is not in the GroupInfo */
	const uint8_t				*tree;
	size_t					 treelen;
	/* external PSKs the Welcome may name */
	const struct pouch_mls_external_psk	*psks;
	size_t					 npsks;
};

/*
 * Join from an MLSMessage(Welcome) (RFC 9420 12.4.3.1): find and decrypt
 * our GroupSecrets, resolve its PSKs from opts (PSK_UNAVAILABLE;
 * resumption PSKs are UNSUPPORTED), decrypt the GroupInfo, take the
 * ratchet tree from opts or else from the GroupInfo's ratchet_tree
 * extension (UNSUPPORTED with neither), verify the GroupInfo
 * signature with the signer's leaf, validate the tree against the
 * GroupContext's tree hash, find our leaf (BAD_TREE when absent), check
 * the confirmation tag and take the path secret.  Errors of the steps
 * (NOT_RECIPIENT, DECRYPT, BAD_SIGNATURE, BAD_TREE_HASH, BAD_MAC, ...).
 */
int	pouch_mls_group_join(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s,
	    const struct pouch_mls_member_keys *mk, const uint8_t *welcome,
	    size_t welcomelen, const struct pouch_mls_join_opts *opts,
	    uint64_t now, struct pouch_mls_group **out) POUCH_WARN_UNUSED;
/* Wipe and free.  NULL is a no-op. */
void	pouch_mls_group_free(struct pouch_mls_group *g);

/* What one commit carries. */
struct pouch_mls_commit_req {
	/* KeyPackages to add (encoded) */
	const uint8_t *const	*adds;
	const size_t		*addlens;
	size_t			 nadds;
	/* leaf indices to remove (never our own) */
	const uint32_t		*removes;
	size_t			 nremoves;
	/* for KeyPackage lifetimes */
	uint64_t		 now;
};

/*
 * Make a commit (RFC 9420 12.4.1) of the proposals of req, with a path:
 * *commit gets the MLSMessage(PublicMessage), *welcome the
 * MLSMessage(Welcome) when req adds members (else NULL); both are freed
 * with pouch_wr_buf_free().  The new epoch is kept pending.  STATE when
 * a commit is already pending or the member was removed; the errors of
 * KeyPackage and leaf validation for the adds; MISUSE for removing
 * ourselves; BAD_TREE for removing a blank leaf.
 */
int	pouch_mls_group_commit(struct pouch_mls_group *g,
	    const struct pouch_mls_commit_req *req, uint8_t **commit,
	    size_t *commitlen, uint8_t **welcome, size_t *welcomelen)
	    POUCH_WARN_UNUSED;
/* Enter the pending epoch (STATE when none). */
int	pouch_mls_group_merge_pending(struct pouch_mls_group *g)
	    POUCH_WARN_UNUSED;
/* Forget the pending epoch, wiped. */
void	pouch_mls_group_discard_pending(struct pouch_mls_group *g);

/*
 * Process another member's proposal or commit, an
 * MLSMessage(PublicMessage) for the current epoch.  A proposal is
 * unprotected (membership tag, signature) and cached under its
 * ProposalRef until the epoch ends (LIMIT past CACHE_MAX).  A commit
 * (RFC 9420 12.4.2) is unprotected, its proposals resolved
 * (UNKNOWN_PROPOSAL for a reference not cached) and applied in the
 * 12.3 order, its PSKs resolved (PSK_UNAVAILABLE), a path required when
 * needed (PATH_REQUIRED), validate the path's leaf, merge and
 * decrypt the path, derive the epoch and verify the confirmation tag
 * (BAD_MAC).  On success the group is in the next epoch, or, when the
 * commit removes us, marked removed (pouch_mls_group_removed()).  On
 * failure nothing changes.  A pending commit of ours is discarded when
 * another one succeeds.  STATE after removal.
 */
int	pouch_mls_group_process(struct pouch_mls_group *g, const uint8_t *msg,
	    size_t msglen, uint64_t now) POUCH_WARN_UNUSED;

/* ---- application messages ------------------------------------------ */

/*
 * Encrypt pt (application data) with authenticated_data aad as an
 * MLSMessage(PrivateMessage) of the current epoch (RFC 9420 6.3), sent
 * from our leaf and signed with our key; it consumes the next generation
 * of our application ratchet in the epoch's secret tree.  A pending
 * commit does not matter: the message is for the current epoch.  *out is
 * freed with pouch_wr_buf_free().  STATE after removal; LIMIT when the
 * ratchet is exhausted; the errors of pouch_mls_protect().
 */
int	pouch_mls_group_encrypt(struct pouch_mls_group *g, const uint8_t *aad,
	    size_t aadlen, const uint8_t *pt, size_t ptlen, uint8_t **out,
	    size_t *outlen) POUCH_WARN_UNUSED;

/*
 * Decrypt an MLSMessage(PrivateMessage) carrying application data for
 * the current epoch: *pt gets a fresh copy of the plaintext (free with
 * pouch_wr_buf_free(*pt, *ptlen)), *sender the sender's leaf.  Only the
 * current epoch's secret tree is kept, so a message of any other epoch is
 * WRONG_EPOCH (no retention for late messages yet).  REPLAY for a
 * generation already used (the message was delivered before),
 * UNSUPPORTED for a handshake message (use pouch_mls_group_process()),
 * UNKNOWN_SENDER for a blank or absent leaf, DECRYPT, BAD_SIGNATURE, the
 * decoding errors; STATE after removal.  On failure the secret tree is
 * unchanged.
 */
int	pouch_mls_group_decrypt(struct pouch_mls_group *g, const uint8_t *msg,
	    size_t msglen, uint8_t **pt, size_t *ptlen, uint32_t *sender)
	    POUCH_WARN_UNUSED;

/* ---- reading -------------------------------------------------------- */

uint64_t	pouch_mls_group_epoch(const struct pouch_mls_group *g);
uint32_t	pouch_mls_group_leaf(const struct pouch_mls_group *g);
/* 1 once a processed commit removed this member. */
int	pouch_mls_group_removed(const struct pouch_mls_group *g);
/* Non-blank leaves of the current tree. */
uint32_t	pouch_mls_group_members(const struct pouch_mls_group *g);
/* epoch_authenticator and root tree hash of the current epoch: out gets
 * suite->nh bytes. */
int	pouch_mls_group_epoch_authenticator(const struct pouch_mls_group *g,
	    uint8_t *out) POUCH_WARN_UNUSED;
int	pouch_mls_group_tree_hash(struct pouch_mls_group *g, uint8_t *out)
	    POUCH_WARN_UNUSED;

#endif /* POUCH_MLS_GROUP_H */
