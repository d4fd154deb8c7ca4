/*
 * pouch/group.h - MLS groups (RFC 9420) through a small, stable C API for
 * applications and language bindings.
 *
 * A pouch_group is one member's view of one group.  It is created with
 * this member alone, or joined from a Welcome; it makes commits (add and
 * remove members, or a self-update for post-compromise security), takes
 * in other members' commits and proposals, and encrypts and decrypts
 * application messages.  The library does no I/O and reads no clock:
 * the application carries the messages (a delivery service orders the
 * commits of an epoch) and passes the time in as seconds since the Unix
 * epoch.
 *
 * Errors.  Every int function returns POUCH_OK (0) or a negative
 * POUCH_E_* code of <pouch/err.h>; pouch_strerror() names it.  A NULL
 * argument that must not be NULL is POUCH_E_MISUSE.  A failed call
 * changes nothing (messages are processed into a staged copy).
 *
 * Ownership.  Every uint8_t ** out-parameter gets a buffer the caller
 * owns and frees with pouch_buf_free(buf, len), which wipes it first;
 * out-parameters are cleared on entry and set only on success.  Input
 * buffers are borrowed for the duration of the call.  Opaque handles are
 * freed with their _free function (NULL is a no-op).  A handle must not
 * be used by two threads at once; distinct handles are independent.
 *
 * Persistence.  The group state holds secrets that change with every
 * operation; forward secrecy depends on old ones being deleted.  After
 * each call that changes the group (commit, merge, discard, process,
 * encrypt, decrypt, set_retention) save it with pouch_group_save() and
 * replace the previous copy in durable, encrypted storage before acting
 * on the result (sending a commit, showing a message): a state restored
 * from an older copy may reuse a ratchet generation or fail to follow
 * the group.  The private key bundle of pouch_key_package_create() must
 * be kept, secret, until the KeyPackage is used to create or join a
 * group, and then deleted.
 */
#ifndef POUCH_GROUP_H
#define POUCH_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include <pouch/pouch.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pouch_group pouch_group;

/* Cipher suites (RFC 9420 17.1): X25519, AES-128-GCM, SHA-256, Ed25519;
 * and Pouch's hybrid post-quantum suite (X-Wing KEM). */
#define POUCH_GROUP_SUITE_1		0x0001
#define POUCH_GROUP_SUITE_HYBRID	0xF001
/* Largest epoch authenticator (the suite's hash length). */
#define POUCH_GROUP_HASH_MAX		64

/* Wipe and free a buffer returned by this API.  NULL is a no-op. */
POUCH_API void pouch_buf_free(uint8_t *buf, size_t len);

/*
 * A fresh KeyPackage (RFC 9420 10) of suite for the basic credential
 * identity, valid from not_before to not_after: *kp gets its encoding (to
 * publish), *priv the private key bundle (signature, init and leaf
 * encryption keys and the KeyPackage itself; SECRET, keep it until the
 * KeyPackage is used).  UNSUPPORTED for an unknown suite, MISUSE when
 * not_after < not_before.
 */
POUCH_API int pouch_key_package_create(uint16_t suite,
    const uint8_t *identity, size_t identitylen, uint64_t not_before,
    uint64_t not_after, uint8_t **kp, size_t *kplen, uint8_t **priv,
    size_t *privlen) POUCH_WARN_UNUSED;

/*
 * A new group group_id (1 to 255 bytes) at epoch 0 whose only member is
 * the owner of priv (a bundle of pouch_key_package_create(), whose
 * suite the group takes); the KeyPackage's lifetime is checked against
 * now.  Free with pouch_group_free().
 */
POUCH_API int pouch_group_create(const uint8_t *group_id, size_t group_idlen,
    const uint8_t *priv, size_t privlen, uint64_t now, pouch_group **out)
    POUCH_WARN_UNUSED;
/*
 * Join from a Welcome message addressed to priv's KeyPackage; the
 * Welcome must carry the ratchet tree.  NOT_RECIPIENT, DECRYPT,
 * BAD_SIGNATURE, BAD_TREE_HASH, BAD_MAC and the decoding errors.
 */
POUCH_API int pouch_group_join(const uint8_t *priv, size_t privlen,
    const uint8_t *welcome, size_t welcomelen, uint64_t now,
    pouch_group **out) POUCH_WARN_UNUSED;
POUCH_API void pouch_group_free(pouch_group *g);

/*
 * Commit adding the members of the KeyPackages adds[0..nadds) and
 * removing the leaves removes[0..nremoves) (never our own); with neither
 * it is a self-update.  *commit gets the message for every current
 * member, *welcome (NULL when nothing is added) the one for the new
 * members.  The new epoch stays pending: send the commit, then call
 * pouch_group_merge_pending() when the delivery service accepted it, or
 * pouch_group_discard_pending() when another member's commit won the
 * epoch (then process that one).  STATE when a commit is pending or this
 * member was removed.
 */
POUCH_API int pouch_group_commit(pouch_group *g, const uint8_t *const *adds,
    const size_t *addlens, size_t nadds, const uint32_t *removes,
    size_t nremoves, uint64_t now, uint8_t **commit, size_t *commitlen,
    uint8_t **welcome, size_t *welcomelen) POUCH_WARN_UNUSED;
POUCH_API int pouch_group_merge_pending(pouch_group *g) POUCH_WARN_UNUSED;
POUCH_API void pouch_group_discard_pending(pouch_group *g);
/* 1 while a commit of ours waits for merge or discard. */
POUCH_API int pouch_group_has_pending(const pouch_group *g);

/*
 * Take in another member's proposal or commit for the current epoch.  A
 * commit moves the group to the next epoch (or marks this member
 * removed: pouch_group_removed()) and drops a pending commit of ours.
 * WRONG_EPOCH for a message of another epoch, the validation errors of
 * RFC 9420 12.2 and 12.4.2 otherwise.
 */
POUCH_API int pouch_group_process(pouch_group *g, const uint8_t *msg,
    size_t msglen, uint64_t now) POUCH_WARN_UNUSED;

/* Encrypt application data pt with authenticated data aad (both may be
 * empty) for the current epoch.  STATE after removal. */
POUCH_API int pouch_group_encrypt(pouch_group *g, const uint8_t *aad,
    size_t aadlen, const uint8_t *pt, size_t ptlen, uint8_t **out,
    size_t *outlen) POUCH_WARN_UNUSED;
/*
 * Decrypt an application message of the current epoch or of a kept past
 * one (pouch_group_set_retention()): *pt gets the data, *sender the
 * sender's leaf index.  REPLAY for a message already decrypted,
 * EPOCH_EXPIRED for an epoch no longer kept, WRONG_EPOCH for a later
 * one, DECRYPT, BAD_SIGNATURE, UNKNOWN_SENDER; STATE after removal.
 */
POUCH_API int pouch_group_decrypt(pouch_group *g, const uint8_t *msg,
    size_t msglen, uint8_t **pt, size_t *ptlen, uint32_t *sender)
    POUCH_WARN_UNUSED;

/*
 * The whole state as bytes (SECRET: store encrypted) and back.  load
 * checks its input in full and fails with MALFORMED, TRUNCATED,
 * TRAILING or UNSUPPORTED (another format version or suite).
 */
POUCH_API int pouch_group_save(const pouch_group *g, uint8_t **out,
    size_t *outlen) POUCH_WARN_UNUSED;
POUCH_API int pouch_group_load(const uint8_t *buf, size_t len,
    pouch_group **out) POUCH_WARN_UNUSED;

/*
 * How many past epochs to keep for late application messages (0 to 64,
 * default 3).  A past epoch keeps only what decrypting needs; leaving the
 * window wipes it.  Lowering the number wipes at once.
 */
POUCH_API int pouch_group_set_retention(pouch_group *g, uint32_t n)
    POUCH_WARN_UNUSED;

POUCH_API uint64_t pouch_group_epoch(const pouch_group *g);
/* The suite's code point. */
POUCH_API uint16_t pouch_group_suite(const pouch_group *g);
/* Our leaf index. */
POUCH_API uint32_t pouch_group_leaf(const pouch_group *g);
/* 1 once a processed commit removed this member. */
POUCH_API int pouch_group_removed(const pouch_group *g);
/* Members (non-blank leaves) and leaves (blank ones included). */
POUCH_API uint32_t pouch_group_members(const pouch_group *g);
POUCH_API uint32_t pouch_group_leaves(const pouch_group *g);
/*
 * The credential identity of the member at leaf: *identity gets a copy.
 * NOT_FOUND for a blank leaf or one outside the tree.
 */
POUCH_API int pouch_group_member_identity(const pouch_group *g,
    uint32_t leaf, uint8_t **identity, size_t *identitylen)
    POUCH_WARN_UNUSED;
/*
 * The current epoch's epoch_authenticator (RFC 9420 8.7), equal at every
 * member: compare it out of band to detect a forked group.  out gets the
 * suite's hash length (*outlen) of at most POUCH_GROUP_HASH_MAX bytes;
 * BUFFER_TOO_SMALL when cap is less.
 */
POUCH_API int pouch_group_epoch_authenticator(const pouch_group *g,
    uint8_t *out, size_t cap, size_t *outlen) POUCH_WARN_UNUSED;
/* RFC 9420 8.5 MLS-Exporter(label, context, len) of the current epoch
 * into out (len <= 65535).  STATE after removal. */
POUCH_API int pouch_group_export(const pouch_group *g, const char *label,
    const uint8_t *context, size_t contextlen, uint8_t *out, size_t len)
    POUCH_WARN_UNUSED;

/*
 * ReInit and branch (RFC 9420 11.2, 11.3).  To move a group to a new
 * group id, suite or version, a member proposes a ReInit
 * (pouch_group_propose_reinit(), sent like a commit and processed by
 * the others) and a member commits it alone
 * (pouch_group_commit_reinit(): pending, merged or discarded like any
 * commit).  Once it is merged or processed the old group is
 * reinit-pending: commit, commit_reinit, propose_reinit, encrypt and
 * process of a commit fail with REINIT_PENDING, decrypt of a message
 * of its last epoch too (late messages of kept earlier epochs still
 * decrypt); save it as usual, the pending ReInit is persisted.  One
 * member then calls pouch_group_resume(POUCH_GROUP_RESUME_REINIT) with
 * a KeyPackage of the new suite and new KeyPackages of the other
 * members, and sends the Welcome; each joins with
 * pouch_group_join_resume() and its copy of the old group, which can
 * then be freed.  A branch makes a new group of some members of a
 * group (same suite) linked to its current epoch the same way.
 */
#define POUCH_GROUP_RESUME_REINIT	2
#define POUCH_GROUP_RESUME_BRANCH	3

/*
 * A ReInit proposal for a new group group_id (1 to 255 bytes) of suite
 * (version mls10, no GroupContext extensions): *out gets the message
 * to send.  UNSUPPORTED for an unknown suite, SUITE_DOWNGRADE from a
 * post-quantum suite to one that is not (also when such a ReInit is
 * committed or received), STATE after removal.
 */
POUCH_API int pouch_group_propose_reinit(pouch_group *g,
    const uint8_t *group_id, size_t group_idlen, uint16_t suite,
    uint8_t **out, size_t *outlen) POUCH_WARN_UNUSED;
/*
 * Commit a ReInit alone: the one of group_id and suite (as in
 * propose_reinit), or, with group_id NULL, the first ReInit proposal
 * received or made in this epoch (UNKNOWN_PROPOSAL when none).  *commit
 * as for pouch_group_commit(); STATE when a commit is pending.
 */
POUCH_API int pouch_group_commit_reinit(pouch_group *g,
    const uint8_t *group_id, size_t group_idlen, uint16_t suite,
    uint64_t now, uint8_t **commit, size_t *commitlen) POUCH_WARN_UNUSED;
/* 1 once a ReInit was committed (merged or processed). */
POUCH_API int pouch_group_reinit_pending(const pouch_group *g);
/* The new group id (a copy in *group_id) and suite of the committed
 * ReInit; STATE when the group is not reinit-pending. */
POUCH_API int pouch_group_reinit_target(const pouch_group *g,
    uint8_t **group_id, size_t *group_idlen, uint16_t *suite)
    POUCH_WARN_UNUSED;
/*
 * Create the group that resumes old, as the owner of priv (a bundle of
 * the new group's suite), adding the KeyPackages adds[0..nadds): usage
 * POUCH_GROUP_RESUME_REINIT (group_id NULL: the ReInit's id, suite and
 * extensions; STATE unless old is reinit-pending; add every other
 * member of old, the joiners check it) or POUCH_GROUP_RESUME_BRANCH
 * (group_id 1 to 255 bytes, old's suite, members of old only).  The
 * first commit's key schedule and the Welcome carry a resumption PSK of
 * old's current epoch.  *out is the new group at epoch 1 (its commit
 * is merged: nobody else is in it yet), *welcome the message for the
 * added members.  MISUSE for another usage; the errors of commit.
 */
POUCH_API int pouch_group_resume(const pouch_group *old, int usage,
    const uint8_t *group_id, size_t group_idlen, const uint8_t *priv,
    size_t privlen, const uint8_t *const *adds, const size_t *addlens,
    size_t nadds, uint64_t now, pouch_group **out, uint8_t **welcome,
    size_t *welcomelen) POUCH_WARN_UNUSED;
/*
 * pouch_group_join() of a reinit or branch Welcome, old being this
 * member's copy of the old group (borrowed).  Besides the errors of
 * join: PSK_UNAVAILABLE (a PSK of another group or of an epoch old no
 * longer keeps), PSK_USAGE (two reinit or branch PSKs),
 * RESUME_MISMATCH (no such PSK; for reinit: old not reinit-pending,
 * psk_epoch not its last epoch, group id, version, suite or
 * extensions unlike the ReInit; for branch: another suite; epoch not
 * 1), RESUME_MEMBERS (reinit: a member of old missing; branch: a
 * member old lacks; by credential identity).
 */
POUCH_API int pouch_group_join_resume(const uint8_t *priv, size_t privlen,
    const uint8_t *welcome, size_t welcomelen, const pouch_group *old,
    uint64_t now, pouch_group **out) POUCH_WARN_UNUSED;

/*
 * Resumption PSKs (RFC 9420 8.4, 8.6).  Every epoch leaves a
 * resumption_psk, which each member keeps for its current and last 8
 * epochs (saved with the state).  Injecting the one of an earlier epoch
 * into a new epoch's key schedule (usage application) lets only the
 * members who held that epoch follow: the others cannot process the
 * commit.
 *
 * Commit, with a path, a PreSharedKey proposal of the resumption PSK of
 * this group's epoch `epoch` (the current one or one of the last 8 this
 * member holds).  *proposal gets the proposal message, *commit the
 * commit, which names the proposal by reference: send both, the
 * proposal first; every other member processes them in that order with
 * pouch_group_process() (the commit alone is UNKNOWN_PROPOSAL), and a
 * member lacking that epoch's PSK fails the commit with PSK_UNAVAILABLE
 * and stays where it was.  The commit also takes in, by reference, the
 * Remove, Update, GroupContextExtensions and PreSharedKey (of PSKs this
 * member holds) proposals received in this epoch.  The new epoch stays
 * pending as for pouch_group_commit(): merge or discard it, and save the
 * state as after any commit.  PSK_UNAVAILABLE when this member does not
 * hold the epoch's PSK; STATE when a commit is pending, this member was
 * removed, or an Add proposal was received in this epoch (the new
 * members could not take the PSK); REINIT_PENDING; the errors of
 * pouch_group_commit().  On failure nothing is returned and the group
 * is unchanged.
 */
POUCH_API int pouch_group_commit_resumption_psk(pouch_group *g,
    uint64_t epoch, uint64_t now, uint8_t **proposal, size_t *proposallen,
    uint8_t **commit, size_t *commitlen) POUCH_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif /* POUCH_GROUP_H */
