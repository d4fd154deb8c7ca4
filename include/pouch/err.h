/*
 * err.h - libpouch error codes.
 *
 * Every public function that can fail returns int: POUCH_OK (0) or one of
 * the negative POUCH_E_* codes below.  The numbers are stable: a code is
 * never renumbered and never reused for another meaning.  New codes are
 * appended.  Error strings never contain secrets or echo rejected input.
 */
#ifndef POUCH_ERR_H
#define POUCH_ERR_H

#include <pouch/pouch.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POUCH_OK			0
/* The caller broke a documented precondition (NULL handle, bad size). */
#define POUCH_E_MISUSE			-1
/* An allocation failed; no state was changed. */
#define POUCH_E_NOMEM			-2
/* Input ended before a complete value: on a stream, wait for more. */
#define POUCH_E_TRUNCATED		-3
/* Input is not a valid encoding (e.g. varint prefix 11, non-minimal). */
#define POUCH_E_MALFORMED		-4
/* A length is over the maximum allowed for that field. */
#define POUCH_E_TOO_LARGE		-5
/* A structure was followed by bytes that belong to nothing. */
#define POUCH_E_TRAILING		-6
/* The caller's output buffer is too small; the size needed is returned. */
#define POUCH_E_BUFFER_TOO_SMALL	-7
/* The cryptographic library failed unexpectedly. */
#define POUCH_E_CRYPTO			-8
/* The random number generator failed; nothing was produced. */
#define POUCH_E_RANDOM			-9
/* Algorithm, cipher suite or mode not supported. */
#define POUCH_E_UNSUPPORTED		-10
/* A public or private key is invalid (off-curve, zero, out of range). */
#define POUCH_E_BAD_KEY			-11
/* Authenticated decryption failed: wrong key or tampered data. */
#define POUCH_E_DECRYPT			-12
/* A signature did not verify. */
#define POUCH_E_BAD_SIGNATURE		-13
/* A sequence number or message counter would overflow. */
#define POUCH_E_LIMIT			-14
/* The object is in a failed state after an earlier fatal error. */
#define POUCH_E_STATE			-15
/* A Diffie-Hellman shared secret was all zero (RFC 9180 7.1.4). */
#define POUCH_E_ZERO_SHARED		-16
/* A file or the system could not be read or written. */
#define POUCH_E_IO			-17
/* A message key was already used or deleted (replay, or too old). */
#define POUCH_E_REPLAY			-18
/* A MAC (confirmation tag, membership tag) did not verify. */
#define POUCH_E_BAD_MAC			-19

/* The ratchet tree is malformed (node kinds, trailing blanks, size). */
#define POUCH_E_BAD_TREE		-20
/* The tree hash does not match the one the group agreed on. */
#define POUCH_E_BAD_TREE_HASH		-21
/* A parent node is not parent-hash valid (RFC 9420 7.9.2). */
#define POUCH_E_BAD_PARENT_HASH		-22
/* An unmerged_leaves entry is inconsistent (RFC 9420 12.4.3.1). */
#define POUCH_E_BAD_UNMERGED		-23
/* An HPKE encryption key appears twice in the tree. */
#define POUCH_E_DUP_ENCRYPTION_KEY	-24
/* A signature key appears in two leaves. */
#define POUCH_E_DUP_SIGNATURE_KEY	-25
/* A leaf node's lifetime does not cover the given time. */
#define POUCH_E_LIFETIME		-26
/* A credential type is not supported by every member. */
#define POUCH_E_CREDENTIAL_TYPE		-27
/* Capabilities lack a suite, version or type in use. */
#define POUCH_E_CAPABILITIES		-28
/* A leaf node's leaf_node_source is wrong for its use. */
#define POUCH_E_LEAF_SOURCE		-29
/* A message names another group or epoch than the state it is given. */
#define POUCH_E_WRONG_EPOCH		-30
/* A message's sender is not a member (blank leaf) or known sender. */
#define POUCH_E_UNKNOWN_SENDER		-31
/* An UpdatePath does not fit the tree: node count or ciphertexts per
 * node differ from the filtered direct path and its resolutions. */
#define POUCH_E_PATH_SHAPE		-32
/* A key derived from a decrypted path secret differs from the
 * UpdatePath's public key (RFC 9420 7.5). */
#define POUCH_E_PATH_KEY		-33
/* No private key for any node of the resolution an UpdatePath was
 * encrypted to: this member cannot decrypt it. */
#define POUCH_E_NO_PATH_KEY		-34
/* A Welcome holds no GroupSecrets for this member's KeyPackage. */
#define POUCH_E_NOT_RECIPIENT		-35
/* A message or structure names another cipher suite than the group
 * or KeyPackage it is processed for. */
#define POUCH_E_WRONG_SUITE		-36
/* A Commit has no UpdatePath although its proposals require one
 * (RFC 9420 12.4.2: any Update or Remove, or no proposal at all). */
#define POUCH_E_PATH_REQUIRED		-37
/* A PreSharedKeyID names a PSK the caller did not provide. */
#define POUCH_E_PSK_UNAVAILABLE		-38
/* A Commit references a proposal this member has not received in the
 * epoch (RFC 9420 12.4.2). */
#define POUCH_E_UNKNOWN_PROPOSAL	-39

/* ---- MLS group engine (-40 .. -69) ---- */
/* A proposal type its sender type may not send (RFC 9420 12.1.8.1:
 * an external sender sends Add, Remove, PreSharedKey, ReInit and
 * GroupContextExtensions only). */
#define POUCH_E_SENDER_NOT_ALLOWED	-40
/* Two Update or Remove proposals of a commit apply to the same leaf
 * (RFC 9420 12.2). */
#define POUCH_E_DUP_LEAF_PROPOSAL	-41
/* A commit holds an Update of its committer, or an Update by value
 * (RFC 9420 12.2). */
#define POUCH_E_COMMITTER_UPDATE	-42
/* A commit holds a Remove of its committer (RFC 9420 12.2). */
#define POUCH_E_COMMITTER_REMOVED	-43
/* A Remove proposal names a blank or absent leaf (RFC 9420 12.1.3). */
#define POUCH_E_REMOVE_BLANK		-44
/* An Add of a client already in the group (same signature key) and
 * not removed by the same commit, or two Adds of one client (12.2). */
#define POUCH_E_DUP_MEMBER		-45
/* Two PreSharedKey proposals of a commit name the same PSK (12.2). */
#define POUCH_E_DUP_PSK		-46
/* More than one GroupContextExtensions proposal in a commit (12.2). */
#define POUCH_E_MULTI_GCE		-47
/* A ReInit proposal with other proposals in one commit (12.2). */
#define POUCH_E_REINIT_NOT_ALONE	-48
/* An ExternalInit proposal outside an external commit (12.2). */
#define POUCH_E_EXTERNAL_INIT		-49
/* A PreSharedKeyID whose psk_nonce is not KDF.Nh bytes (RFC 9420 8.4). */
#define POUCH_E_BAD_PSK_NONCE		-50
/* An external commit's proposal list breaks RFC 9420 12.2: one
 * ExternalInit, at most one Remove (of the joiner's old leaf, same
 * identity), PreSharedKeys, nothing else, nothing by reference. */
#define POUCH_E_EXTERNAL_COMMIT		-51
/* A resumption PSK used outside its usage (RFC 9420 11.2, 11.3): a
 * PreSharedKey proposal of usage reinit or branch, or a Welcome naming
 * more than one reinit or branch PSK. */
#define POUCH_E_PSK_USAGE		-52
/* The group was reinitialized (a ReInit was committed, RFC 9420
 * 11.2): it takes no more commits, proposals or application messages;
 * continue in the new group. */
#define POUCH_E_REINIT_PENDING		-53
/* A Welcome's reinit or branch PSK does not match the old group (RFC
 * 9420 12.4.3.1): old group not reinit-pending, psk_epoch not its last
 * epoch, group id, version, suite or extensions unlike the ReInit,
 * epoch not 1, or no such PSK where one is required. */
#define POUCH_E_RESUME_MISMATCH		-54
/* The members of a resumed group do not match the old group: a reinit
 * leaves out a member, a branch holds a client the old group lacks. */
#define POUCH_E_RESUME_MEMBERS		-55
/* A ReInit would move a group whose key establishment is post-quantum
 * to a suite whose is not (Pouch never downgrades a conversation). */
#define POUCH_E_SUITE_DOWNGRADE		-56
/* (-60 .. -69: epoch retention and group state) */
/* An application message of a past epoch whose secrets this member no
 * longer keeps (outside the retention window, or before it joined). */
#define POUCH_E_EPOCH_EXPIRED		-60

/* ---- client engine (-70 .. -99) ---- */
/* The local store was written by a newer program (schema version). */
#define POUCH_E_CSTORE_SCHEMA		-70
/* mime (-80 .. -84): a message lacks or repeats a required header
 * (From, To, Date, Message-ID), or an address is not user@domain. */
#define POUCH_E_MIME_HEADER		-80
/* MIME parts nested deeper than the parser allows. */
#define POUCH_E_MIME_DEPTH		-81
/* An attachment reference (message/external-body, access-type
 * x-pouch-blob) lacks or has a malformed hash, key or size. */
#define POUCH_E_MIME_ATTACHMENT		-82
/* pairing (-83 .. -89): the new device's pairing request is not
 * approved yet (ask again later). */
#define POUCH_E_PAIR_PENDING		-83
/* No pending pairing request of this user matches the pairing code. */
#define POUCH_E_PAIR_CODE		-84

/* ---- server and its store (-100 .. -119) ---- */
/* No such row, user, device, message or object. */
#define POUCH_E_NOT_FOUND		-100
/* A unique name, id or key already taken. */
#define POUCH_E_EXISTS			-101
/* Stale epoch, changed account key: the state moved on. */
#define POUCH_E_CONFLICT		-102
/* An enrolment code, token or challenge past its expiry. */
#define POUCH_E_EXPIRED			-103
/* Suspended user, revoked device, not a member. */
#define POUCH_E_FORBIDDEN		-104
/* Over a storage quota. */
#define POUCH_E_QUOTA			-105
/* The database failed. */
#define POUCH_E_DB			-106

/* ---- key transparency (-120 .. -139) ---- */
/* A Merkle inclusion or consistency proof does not verify. */
#define POUCH_E_KT_PROOF		-120
/* A checkpoint's signature does not verify under the pinned log key. */
#define POUCH_E_KT_CHECKPOINT_SIG	-121
/* A tree size or leaf index out of range for the log or the proof. */
#define POUCH_E_KT_RANGE		-122
/* A newer checkpoint with a smaller tree than one already seen. */
#define POUCH_E_KT_ROLLBACK		-123
/* A key event whose signature does not verify. */
#define POUCH_E_KT_EVENT_SIG		-124

/*
 * pouch_strerror - a short static English description of code.
 * Unknown codes give "unknown error".  Never NULL, never allocates.
 */
POUCH_API const char *pouch_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif /* POUCH_ERR_H */
