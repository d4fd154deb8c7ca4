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
 * this group for the current and the last 8 epochs, usage application)
 * and GroupContextExtensions proposals (every member must support the
 * new extensions and required_capabilities), or a ReInit alone
 * (group_reinit.c), by value or by reference to a
 * proposal processed earlier in the epoch (pouch_mls_group_process()
 * caches them, from members, from the external senders of the
 * external_senders extension and new_member_proposal Adds signed with
 * their own KeyPackage's key); with or without a path.  The proposal
 * list is checked against every rule of 12.2 first (group_validate.c,
 * one error code per rule).  External commits (sender
 * new_member_commit, ExternalInit, optional resync Remove) are
 * processed, and made by pouch_mls_group_join_external() from a
 * GroupInfo of pouch_mls_group_info_export().
 *
 * This member's own commits carry Add and Remove proposals by value and
 * cached Add, Remove, other members' Update, PreSharedKey and one
 * supported GroupContextExtensions proposal by reference
 * (by_reference); with a
 * path, or without one for Adds only (no_path); the ratchet tree always
 * travels in the Welcome's GroupInfo.  It proposes Add, Remove, Update
 * (its new leaf key kept until a commit applies it), external PSKs and
 * GroupContextExtensions.
 *
 * Handshake messages are PublicMessages, or PrivateMessages with
 * pouch_mls_group_set_handshake_private(); process accepts both.
 *
 * ReInit, branch and resumption PSKs: group_reinit.c (below).
 *
 * Not yet: external commits with PSKs, and leaving out an invalid
 * cached Add at commit time (the commit fails with its error instead).
 *
 * Application messages (RFC 9420 6.3, 9) are PrivateMessages keyed by
 * the current epoch's secret tree, which lives in the epoch state: each
 * epoch change builds the new one and keeps the old one, stripped, for
 * late messages while it is within the retention window (group_state.c,
 * docs/PROTOCOL.md "Epoch retention and state persistence").
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
struct pouch_mls_reinit;

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

struct pouch_mls_kp_out;
/*
 * The keys of the member who made kp (pouch_mls_key_package_create) and
 * holds the signature key sig_priv of suite s: pointers into kp and
 * sig_priv, which must outlive their use.
 */
struct pouch_mls_member_keys pouch_mls_member_keys_of(
	    const struct pouch_mls_suite *s, const struct pouch_mls_kp_out *kp,
	    const uint8_t *sig_priv);

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
	/* the old group of a reinit or branch Welcome (group_reinit.c;
	 * borrowed; a Welcome without such a PSK is RESUME_MISMATCH) */
	const struct pouch_mls_group		*resume;
};

/*
 * Join from an MLSMessage(Welcome) (RFC 9420 12.4.3.1): find and decrypt
 * our GroupSecrets, resolve its PSKs from opts (PSK_UNAVAILABLE;
 * resumption PSKs of usage application are UNSUPPORTED, those of usage
 * reinit and branch come from opts->resume and are checked after the
 * join: pouch_mls_group_resume()), decrypt the GroupInfo, take the
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
	/* also commit, by reference, every Add, Remove and other member's
	 * Update cached in this epoch (pouch_mls_group_process() and our
	 * own pouch_mls_group_propose_*()), and the first supported
	 * GroupContextExtensions; left out: a Remove of us or of a leaf
	 * already removed, an Update of a removed leaf, a PSK we do not
	 * hold or already included */
	int			 by_reference;
	/* no UpdatePath (RFC 9420 12.4): only for a commit of Adds and
	 * PSKs (PATH_REQUIRED otherwise); new members get no path secret */
	int			 no_path;
	/* a ReInit commit (pouch_mls_group_commit_reinit()): the ReInit
	 * alone, by value when reinit is set, else (reinit_cached) the
	 * first cached one by reference; adds and removes must be empty */
	const struct pouch_mls_reinit	*reinit;
	int			 reinit_cached;
	/* a new basic-credential identity for our own leaf, carried by the
	 * commit's UpdatePath (RFC 9420 allows a credential change in an
	 * update; the signature key stays): NULL keeps ours; MISUSE with
	 * no_path, an empty identity or a credential that is not basic */
	const uint8_t		*identity;
	size_t			 identitylen;
};

/*
 * Make a commit (RFC 9420 12.4.1) of the proposals of req, with a path
 * unless req->no_path:
 * *commit gets the MLSMessage(PublicMessage), *welcome the
 * MLSMessage(Welcome) when req adds members (else NULL); both are freed
 * with pouch_wr_buf_free().  The new epoch is kept pending.  STATE when
 * a commit is already pending or the member was removed; the errors of
 * KeyPackage and leaf validation for the adds; MISUSE for removing
 * ourselves; BAD_TREE for removing a blank leaf; PATH_REQUIRED for no_path
 * with anything but Adds.
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
 * the current epoch or a kept past one (pouch_mls_group_set_retention):
 * *pt gets a fresh copy of the plaintext (free with
 * pouch_wr_buf_free(*pt, *ptlen)), *sender the sender's leaf.  A message
 * of an earlier epoch no longer kept is EPOCH_EXPIRED, of a later epoch
 * WRONG_EPOCH.  REPLAY for a
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

/* ---- members (group_members.c) ----------------------------------- */

/* One leaf as the current epoch's tree holds it; pointers are borrowed
 * and valid until the group changes. */
struct pouch_mls_member_info {
	const uint8_t	*identity;	/* basic credential identity */
	size_t		 identitylen;
	const uint8_t	*sig_key;
	size_t		 sig_keylen;
	const uint8_t	*enc_key;
	size_t		 enc_keylen;
};

/* Leaves of the current tree, blank ones included. */
uint32_t	pouch_mls_group_leaves(const struct pouch_mls_group *g);
/* Leaf leaf of the current tree; NOT_FOUND when blank or outside. */
int	pouch_mls_group_member(const struct pouch_mls_group *g, uint32_t leaf,
	    struct pouch_mls_member_info *mi) POUCH_WARN_UNUSED;
/* The group_id (borrowed). */
const uint8_t	*pouch_mls_group_id(const struct pouch_mls_group *g,
	    size_t *len);
/* 1 while a commit of ours waits for merge or discard. */
int	pouch_mls_group_has_pending(const struct pouch_mls_group *g);

/* ==== state serialisation, epoch retention, exporter (group_state.c) ==== */

/*
 * The whole state of g as one byte string, for the client's encrypted
 * store: everything needed to continue exactly where the member was
 * (group id, suite, signature key, the current epoch with its tree,
 * private keys, transcript hashes, secrets and secret tree with consumed
 * generations and kept skipped keys, the pending commit's epoch, cached
 * proposals, held PSKs, the resumption PSK ring, the kept past epochs,
 * our own pending Update's key and the handshake setting, a committed
 * ReInit's parameters of the current and the pending epoch).
 * Format: "PMGS", version (uint16), then TLS-presentation fields; the
 * same state always saves to the same bytes.  The bytes are SECRET:
 * free them with pouch_wr_buf_free(), which wipes.  Save again after
 * every operation that changes g (commit, merge, discard, process,
 * encrypt, decrypt, set_retention).  STATE when a secret tree failed.
 */
#define POUCH_MLS_GROUP_STATE_VERSION	4
int	pouch_mls_group_save(const struct pouch_mls_group *g, uint8_t **out,
	    size_t *outlen) POUCH_WARN_UNUSED;
/*
 * A group from the bytes of pouch_mls_group_save(); the suite comes from
 * the saved code point (UNSUPPORTED when unknown, or for another format
 * version than 3 or 2, which is 3 without a ReInit).  The input is
 * untrusted and checked in full: sizes and caps, every ratchet tree
 * (pouch_mls_tree_validate), private keys, secret trees, proposals;
 * MALFORMED, TRUNCATED, TRAILING, TOO_LARGE and the tree validation
 * errors; nothing is allocated on failure.  c must
 * outlive the group.
 */
int	pouch_mls_group_load(const struct pouch_crypto *c, const uint8_t *buf,
	    size_t len, struct pouch_mls_group **out) POUCH_WARN_UNUSED;

/*
 * Past epochs kept for late application messages: n (0 .. 64, MISUSE
 * above; default 3).  Lowering it wipes and frees the oldest at once.
 */
int	pouch_mls_group_set_retention(struct pouch_mls_group *g, uint32_t n)
	    POUCH_WARN_UNUSED;
uint32_t	pouch_mls_group_retention(const struct pouch_mls_group *g);
/* The group's suite. */
const struct pouch_mls_suite *pouch_mls_group_suite(
	    const struct pouch_mls_group *g);

/*
 * RFC 9420 8.5 MLS-Exporter(label, context, len) of the current epoch:
 * out gets len bytes (len <= 65535).  MISUSE, STATE after removal.
 */
int	pouch_mls_group_export(const struct pouch_mls_group *g,
	    const char *label, const uint8_t *context, size_t contextlen,
	    uint8_t *out, size_t len) POUCH_WARN_UNUSED;

/* ---- proposals and external senders (group_propose.c) ------------- */

/*
 * An external sender (RFC 9420 12.1.8.1): a signature key of the group's
 * suite and a basic credential identity (borrowed).  Pouch's server is
 * external sender 0 of every group, for revocation (docs/API.md).
 */
struct pouch_mls_ext_sender {
	const uint8_t	*sig_key;
	size_t		 sig_keylen;
	const uint8_t	*identity;
	size_t		 identitylen;
};

/* Optional inputs of a create (every field may be empty). */
struct pouch_mls_create_opts {
	/* the external_senders GroupContext extension, in index order */
	const struct pouch_mls_ext_sender	*ext_senders;
	size_t					 next_senders;
	/* further GroupContext extensions, encoded Extension payloads
	 * (e.g. required_capabilities), each type at most once */
	const uint16_t				*ext_types;
	const uint8_t *const			*ext_data;
	const size_t				*ext_lens;
	size_t					 next;
};

/*
 * pouch_mls_group_create() with opts (NULL: none).  With ext_senders the
 * epoch 0 GroupContext carries an external_senders extension; then
 * pouch_mls_group_process() accepts PublicMessage proposals from sender
 * type external, index i, signed with ext_senders[i].sig_key (Add,
 * Remove, PreSharedKey, ReInit and GroupContextExtensions only:
 * SENDER_NOT_ALLOWED otherwise; UNKNOWN_SENDER for an index outside the
 * list or a group without the extension).  MISUSE for a key of the
 * wrong length, more than 64 senders or 16 extensions, a repeated type.
 * The creator's leaf must support every extension and the
 * required_capabilities (CAPABILITIES); the extensions' payloads are
 * checked when parsed (required_capabilities at every leaf check).
 */
int	pouch_mls_group_create_opts(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *group_id,
	    size_t group_idlen, const struct pouch_mls_member_keys *mk,
	    const struct pouch_mls_create_opts *opts, uint64_t now,
	    struct pouch_mls_group **out) POUCH_WARN_UNUSED;

/*
 * Proposals of ours for the current epoch (RFC 9420 12.1), each an
 * MLSMessage(PublicMessage) in *out (free with pouch_wr_buf_free()) to
 * send to the group, and cached under its own ProposalRef so that a
 * commit of ours (by_reference) or of another member can include it.
 * Add: kp is an encoded KeyPackage, verified (its errors) and its
 * lifetime checked against now.  Remove: leaf must be non-blank
 * (BAD_TREE); our own leaf is allowed (leaving: another member commits
 * it).  STATE after removal; LIMIT when the cache is full.
 */
int	pouch_mls_group_propose_add(struct pouch_mls_group *g,
	    const uint8_t *kp, size_t kplen, uint64_t now, uint8_t **out,
	    size_t *outlen) POUCH_WARN_UNUSED;
int	pouch_mls_group_propose_remove(struct pouch_mls_group *g,
	    uint32_t leaf, uint8_t **out, size_t *outlen) POUCH_WARN_UNUSED;
/*
 * Update (RFC 9420 12.1.2): our leaf with a fresh encryption key, signed
 * as source update.  The new private key is kept (only the last Update
 * proposed in the epoch) until another member's commit applies it; our
 * own commits leave our Update out (a path replaces our leaf anyway).
 */
int	pouch_mls_group_propose_update(struct pouch_mls_group *g,
	    uint8_t **out, size_t *outlen) POUCH_WARN_UNUSED;
/*
 * RFC 9420 12.4.3: a signed MLSMessage(GroupInfo) of the current epoch
 * with the external_pub and ratchet_tree extensions, for a joiner's
 * external commit (pouch_mls_group_join_external()).  *out is freed with
 * pouch_wr_buf_free().  STATE after removal.
 */
int	pouch_mls_group_info_export(struct pouch_mls_group *g, uint8_t **out,
	    size_t *outlen) POUCH_WARN_UNUSED;

/*
 * Join by external commit (RFC 9420 12.4.3.2, 8.3): verify the
 * MLSMessage(GroupInfo) (signature, tree against its tree hash, suite:
 * WRONG_SUITE), take the tree from opts or its ratchet_tree extension,
 * encapsulate to its external_pub (UNSUPPORTED without one), put our
 * leaf in the leftmost blank leaf and commit with a path, as sender
 * new_member_commit.  When a leaf of the tree has mk's signature key,
 * the commit also removes it (resync of a member that lost its state).
 * *out is the group in the new epoch and *commit the MLSMessage to send
 * (pouch_wr_buf_free()); should the server refuse the commit, free *out
 * and retry with a fresh GroupInfo.  mk->init_priv and enc_priv are not
 * used (the path makes a new leaf key).  External PSKs are not sent.
 */
int	pouch_mls_group_join_external(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s,
	    const struct pouch_mls_member_keys *mk, const uint8_t *group_info,
	    size_t gilen, const struct pouch_mls_join_opts *opts,
	    uint64_t now, struct pouch_mls_group **out, uint8_t **commit,
	    size_t *commitlen) POUCH_WARN_UNUSED;

/*
 * GroupContextExtensions (RFC 9420 12.1.7): the group's extensions
 * become exactly types[i] / data[i] (lens[i] bytes), n at most 16, each
 * type once (MISUSE); keep external_senders and required_capabilities in
 * the list to keep them.  A committer (by_reference) includes one such
 * proposal only if every member supports it, else leaves it out; a
 * receiver refuses a commit with an unsupported one (CAPABILITIES).
 */
int	pouch_mls_group_propose_gce(struct pouch_mls_group *g,
	    const uint16_t *types, const uint8_t *const *data,
	    const size_t *lens, size_t n, uint8_t **out, size_t *outlen)
	    POUCH_WARN_UNUSED;

/*
 * External PSKs (RFC 9420 8.4): add psk under id to the group's store
 * (copied; MISUSE when id is there already, empty psk, more than 64);
 * propose one of the store (PSK_UNAVAILABLE otherwise) with a fresh
 * nonce.  A by_reference commit includes each cached PSK proposal we
 * hold once, last in its list; new members need the PSK in their join
 * options.
 */
int	pouch_mls_group_add_external_psk(struct pouch_mls_group *g,
	    const uint8_t *id, size_t idlen, const uint8_t *psk,
	    size_t psklen) POUCH_WARN_UNUSED;
int	pouch_mls_group_propose_psk(struct pouch_mls_group *g,
	    const uint8_t *id, size_t idlen, uint8_t **out, size_t *outlen)
	    POUCH_WARN_UNUSED;

/*
 * Send our proposals and commits as PrivateMessage (on != 0; RFC 9420
 * 6.3, the handshake ratchet of the epoch's secret tree) or as
 * PublicMessage (0, the default).  Either way pouch_mls_group_process()
 * accepts both from members; external senders and external commits are
 * always PublicMessages.  A handshake PrivateMessage handed to
 * pouch_mls_group_decrypt() is UNSUPPORTED: process it instead.  One
 * delivered twice, or our own handed back, is REPLAY (ours is cached
 * when made).  A handshake PrivateMessage that verifies spends its
 * generation even when its content is then refused.
 */
void	pouch_mls_group_set_handshake_private(struct pouch_mls_group *g,
	    int on);

/* Proposals cached in the current epoch (ours and received). */
size_t	pouch_mls_group_cached_proposals(const struct pouch_mls_group *g);

/* ---- ReInit, branch and resumption PSKs (group_reinit.c) ---------- */

/*
 * RFC 9420 11.2, 12.1.5.  A ReInit proposal of ours for a new group
 * group_id (1 to 255 bytes) of suite and version 1 (mls10) with the
 * GroupContext extensions types[i] / data[i] (n at most 16, each type
 * once; the encoding at most 2048 bytes): MISUSE otherwise, UNSUPPORTED
 * for an unknown suite.  Sent and cached like the other proposals.
 */
int	pouch_mls_group_propose_reinit(struct pouch_mls_group *g,
	    const uint8_t *group_id, size_t group_idlen, uint16_t suite,
	    const uint16_t *types, const uint8_t *const *data,
	    const size_t *lens, size_t n, uint8_t **out, size_t *outlen)
	    POUCH_WARN_UNUSED;
/*
 * Commit a ReInit alone, with a path: the one of group_id / suite /
 * extensions as in propose_reinit, or with group_id NULL the first
 * ReInit cached in this epoch by reference (UNKNOWN_PROPOSAL when
 * none).  Pending like any commit; once merged (or once a member
 * processes it) the group is reinit-pending: commit, process,
 * propose_*, encrypt, and decrypt of a message of the last epoch are
 * REINIT_PENDING (late messages of earlier kept epochs still decrypt).
 */
int	pouch_mls_group_commit_reinit(struct pouch_mls_group *g,
	    const uint8_t *group_id, size_t group_idlen, uint16_t suite,
	    const uint16_t *types, const uint8_t *const *data,
	    const size_t *lens, size_t n, uint64_t now, uint8_t **commit,
	    size_t *commitlen) POUCH_WARN_UNUSED;
/* 1 when a ReInit was committed; *group_id (borrowed), *suite then
 * (either may be NULL). */
int	pouch_mls_group_reinit_pending(const struct pouch_mls_group *g,
	    const uint8_t **group_id, size_t *group_idlen, uint16_t *suite);

/*
 * Create the group that resumes old (RFC 9420 11.2, 11.3): the new
 * group of the owner of mk at epoch 0, then one commit adding the
 * KeyPackages adds[0..nadds) whose key schedule and Welcome carry a
 * resumption PSK of old's current epoch with usage:
 * POUCH_MLS_PSK_USAGE_REINIT: old must be reinit-pending (STATE
 * otherwise); the group id, suite and extensions are the ReInit's
 * (group_id must be NULL); every other member of old should be added
 * (the joiners check it: RESUME_MEMBERS).
 * POUCH_MLS_PSK_USAGE_BRANCH: group_id (1 to 255 bytes) and old's suite;
 * the adds are a subset of old's members with fresh KeyPackages.
 * *out is the new group at epoch 1 (the commit is merged: nobody else
 * is in the group yet), *welcome the message for the added members,
 * who join with pouch_mls_group_join() and opts.resume = their copy
 * of old.  MISUSE for another usage; the errors of create and commit.
 */
int	pouch_mls_group_resume(const struct pouch_crypto *c,
	    const struct pouch_mls_group *old, uint8_t usage,
	    const uint8_t *group_id, size_t group_idlen,
	    const struct pouch_mls_member_keys *mk,
	    const uint8_t *const *adds, const size_t *addlens, size_t nadds,
	    uint64_t now, struct pouch_mls_group **out, uint8_t **welcome,
	    size_t *welcomelen) POUCH_WARN_UNUSED;
/*
 * A PreSharedKey proposal of a resumption PSK of usage application of
 * this group's epoch (current or one of the last 8: PSK_UNAVAILABLE
 * otherwise), with a fresh nonce; a by_reference commit includes it.
 */
int	pouch_mls_group_propose_resumption(struct pouch_mls_group *g,
	    uint64_t epoch, uint8_t **out, size_t *outlen) POUCH_WARN_UNUSED;

#endif /* POUCH_MLS_GROUP_H */
