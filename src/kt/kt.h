/*
 * kt - key transparency: the math and the encodings shared by pouchd,
 * which keeps the log, and the client, which verifies it.
 *
 * The log is an RFC 9162 2.1 Merkle tree over SHA-256 (leaf hash
 * SHA-256(0x00 || leaf), node hash SHA-256(0x01 || left || right)).  This
 * module computes tree heads, inclusion and consistency proofs, and
 * verifies them exactly as RFC 9162 2.1.3.2 and 2.1.4.2 say.  A tree is
 * either held in memory (struct pouch_kt_tree: every complete subtree
 * hash, two hashes per leaf, so any proof for any past size is O(log n))
 * or read through a leaf-hash callback (O(n) per proof, for small trees
 * and tests).
 *
 * Leaves are key events (event.c), encoded with the MLS presentation
 * language, and the log publishes signed checkpoints (checkpoint.c) in
 * the C2SP signed-note / tlog-checkpoint text format.  The module knows
 * bytes and signatures, not the store or HTTP: it depends on crypto and
 * codec only.
 */
#ifndef POUCH_KT_H
#define POUCH_KT_H

#include <stddef.h>
#include <stdint.h>

#include <pouch/err.h>

#include "codec/codec.h"
#include "crypto/crypto.h"

#define POUCH_KT_HASH_BYTES	32	/* SHA-256 */
#define POUCH_KT_PROOF_MAX	64	/* hashes in any proof, sizes < 2^63 */
#define POUCH_KT_SIZE_MAX	(UINT64_C(1) << 62)

/* ---- Merkle math (merkle.c) ----------------------------------------- */

/* SHA-256(0x00 || leaf). */
int	pouch_kt_leaf_hash(const struct pouch_crypto *c, const uint8_t *leaf,
	    size_t len, uint8_t out[POUCH_KT_HASH_BYTES]) POUCH_WARN_UNUSED;
/* SHA-256(0x01 || left || right). */
int	pouch_kt_node_hash(const struct pouch_crypto *c,
	    const uint8_t left[POUCH_KT_HASH_BYTES],
	    const uint8_t right[POUCH_KT_HASH_BYTES],
	    uint8_t out[POUCH_KT_HASH_BYTES]) POUCH_WARN_UNUSED;

/* The hash of leaf index, for the callback form; POUCH_OK or an error. */
typedef int (*pouch_kt_leaf_fn)(void *arg, uint64_t index,
    uint8_t out[POUCH_KT_HASH_BYTES]);

/* MTH of the first size leaves (size 0: SHA-256 of the empty string). */
int	pouch_kt_root_cb(const struct pouch_crypto *c, uint64_t size,
	    pouch_kt_leaf_fn fn, void *arg, uint8_t root[POUCH_KT_HASH_BYTES])
	    POUCH_WARN_UNUSED;
/*
 * PATH(index, D[0:size]) (RFC 9162 2.1.3.1) into proof, *n hashes.
 * POUCH_E_KT_RANGE unless index < size.
 */
int	pouch_kt_inclusion_cb(const struct pouch_crypto *c, uint64_t index,
	    uint64_t size, pouch_kt_leaf_fn fn, void *arg,
	    uint8_t proof[][POUCH_KT_HASH_BYTES], size_t *n) POUCH_WARN_UNUSED;
/*
 * PROOF(m, D[0:size]) (RFC 9162 2.1.4.1), *n hashes.  POUCH_E_KT_RANGE
 * unless 0 < m <= size.  m == size gives the empty proof.
 */
int	pouch_kt_consistency_cb(const struct pouch_crypto *c, uint64_t m,
	    uint64_t size, pouch_kt_leaf_fn fn, void *arg,
	    uint8_t proof[][POUCH_KT_HASH_BYTES], size_t *n) POUCH_WARN_UNUSED;

/*
 * An in-memory tree that grows by appending leaf hashes.  Perfect
 * subtrees never change, so it answers for every size up to its own.
 */
struct pouch_kt_tree;

int	pouch_kt_tree_new(const struct pouch_crypto *c,
	    struct pouch_kt_tree **out) POUCH_WARN_UNUSED;
void	pouch_kt_tree_free(struct pouch_kt_tree *t);
uint64_t pouch_kt_tree_size(const struct pouch_kt_tree *t);
int	pouch_kt_tree_append(struct pouch_kt_tree *t,
	    const uint8_t leaf_hash[POUCH_KT_HASH_BYTES]) POUCH_WARN_UNUSED;
/* Forget the leaves from size on (size <= current size). */
int	pouch_kt_tree_truncate(struct pouch_kt_tree *t, uint64_t size)
	    POUCH_WARN_UNUSED;
int	pouch_kt_tree_leaf(const struct pouch_kt_tree *t, uint64_t index,
	    uint8_t out[POUCH_KT_HASH_BYTES]) POUCH_WARN_UNUSED;
int	pouch_kt_tree_root(const struct pouch_kt_tree *t, uint64_t size,
	    uint8_t root[POUCH_KT_HASH_BYTES]) POUCH_WARN_UNUSED;
int	pouch_kt_tree_inclusion(const struct pouch_kt_tree *t, uint64_t index,
	    uint64_t size, uint8_t proof[][POUCH_KT_HASH_BYTES], size_t *n)
	    POUCH_WARN_UNUSED;
int	pouch_kt_tree_consistency(const struct pouch_kt_tree *t, uint64_t m,
	    uint64_t size, uint8_t proof[][POUCH_KT_HASH_BYTES], size_t *n)
	    POUCH_WARN_UNUSED;

/*
 * RFC 9162 2.1.3.2: POUCH_OK when proof shows leaf_hash at index in the
 * tree of size with root; POUCH_E_KT_RANGE for index >= size,
 * POUCH_E_KT_PROOF otherwise.
 */
int	pouch_kt_verify_inclusion(const struct pouch_crypto *c, uint64_t index,
	    uint64_t size, const uint8_t leaf_hash[POUCH_KT_HASH_BYTES],
	    const uint8_t proof[][POUCH_KT_HASH_BYTES], size_t n,
	    const uint8_t root[POUCH_KT_HASH_BYTES]) POUCH_WARN_UNUSED;
/*
 * RFC 9162 2.1.4.2: POUCH_OK when proof shows that the tree (size2,
 * root2) extends (size1, root1).  size1 == size2 needs an empty proof
 * and equal roots.  POUCH_E_KT_ROLLBACK for size1 > size2,
 * POUCH_E_KT_RANGE for size1 == 0, POUCH_E_KT_PROOF otherwise.
 */
int	pouch_kt_verify_consistency(const struct pouch_crypto *c,
	    uint64_t size1, uint64_t size2,
	    const uint8_t root1[POUCH_KT_HASH_BYTES],
	    const uint8_t root2[POUCH_KT_HASH_BYTES],
	    const uint8_t proof[][POUCH_KT_HASH_BYTES], size_t n)
	    POUCH_WARN_UNUSED;

/* ---- key events: the leaves (event.c) --------------------------------- */

#define POUCH_KT_NAME_MAX	80	/* user, device and actor names */
#define POUCH_KT_KEY_BYTES	32	/* Ed25519 public keys */
#define POUCH_KT_SIG_BYTES	64	/* Ed25519 signatures */
#define POUCH_KT_EVENT_MAX	512	/* bytes of an encoded event */

enum pouch_kt_event_type {
	POUCH_KT_DEVICE_ADDED = 1,	/* signed: account key cross-sig */
	POUCH_KT_DEVICE_REVOKED = 2,	/* by the user or an admin */
	POUCH_KT_ACCOUNT_KEY = 3,	/* set or rotated */
	POUCH_KT_USER_CREATED = 4,	/* admin */
	POUCH_KT_USER_SUSPENDED = 5,	/* admin; also lifted */
	POUCH_KT_CODE_ISSUED = 6	/* admin; the code's SHA-256 only */
};

/* Who signed an event. */
enum pouch_kt_signer {
	POUCH_KT_BY_ACCOUNT = 0,	/* the user's account key */
	POUCH_KT_BY_LOG = 1		/* the log key, for an admin */
};

/*
 * A key event.  Encoding (MLS presentation language):
 *
 *   struct {
 *     uint8 version = 1;  uint8 type;  uint64 timestamp;
 *     uint8 signer;                 // enum pouch_kt_signer
 *     opaque actor<V>;              // admin name, or the user
 *     opaque user<V>;               // whose account it concerns
 *     select (type) {
 *       device_added:    opaque device_name<V>; opaque device_key[32];
 *                        opaque account_key[32];
 *       device_revoked:  opaque device_key[32];
 *       account_key:     opaque account_key[32]; optional<opaque[32]> prev;
 *       user_created:    struct {};
 *       user_suspended:  uint8 suspended;
 *       code_issued:     opaque code_hash[32]; uint64 expires;
 *     };
 *     opaque signature[64];
 *   } KeyEvent;
 *
 * The signature of device_added is the account key's cross-signature of
 * the device (the enrolment statement "pouch device v1": opaque label,
 * opaque user, opaque device_key), so the event carries what the client
 * itself produced and the server cannot forge.  Every other event is
 * signed over its to-be-signed form: opaque "pouch kt event v1" followed
 * by the encoding without the signature; by the account key (signer 0:
 * the user revoking a device or rotating, signed by the previous key) or
 * by the log key (signer 1: an admin action, actor naming the admin).
 */
struct pouch_kt_event {
	enum pouch_kt_event_type type;
	uint64_t	timestamp;
	enum pouch_kt_signer signer;
	char		actor[POUCH_KT_NAME_MAX + 1];
	char		user[POUCH_KT_NAME_MAX + 1];
	char		device_name[POUCH_KT_NAME_MAX + 1];
	uint8_t		device_key[POUCH_KT_KEY_BYTES];
	uint8_t		account_key[POUCH_KT_KEY_BYTES];
	int		has_prev;
	uint8_t		prev_key[POUCH_KT_KEY_BYTES];
	int		suspended;
	uint8_t		code_hash[POUCH_KT_HASH_BYTES];
	uint64_t	expires;
	uint8_t		sig[POUCH_KT_SIG_BYTES];
};

/* The bytes an event's signer signs (see above), into w. */
int	pouch_kt_event_tbs(const struct pouch_kt_event *ev,
	    struct pouch_wr *w) POUCH_WARN_UNUSED;
/* The whole encoding; out gets at most POUCH_KT_EVENT_MAX bytes. */
int	pouch_kt_event_encode(const struct pouch_kt_event *ev, uint8_t *out,
	    size_t cap, size_t *len) POUCH_WARN_UNUSED;
/*
 * Parse untrusted bytes: exactly one event, nothing after it.
 * MALFORMED / TRUNCATED / TRAILING / TOO_LARGE; ev untouched on error.
 */
int	pouch_kt_event_decode(const uint8_t *buf, size_t len,
	    struct pouch_kt_event *ev) POUCH_WARN_UNUSED;
/* Sign over the to-be-signed form (not for device_added). */
int	pouch_kt_event_sign(const struct pouch_sig_key *k,
	    struct pouch_kt_event *ev) POUCH_WARN_UNUSED;
/*
 * Check the signature: device_added under its own account_key (the
 * cross-signature), signer 0 under account_pub (the user's account key
 * before the event), signer 1 under log_pub.  POUCH_E_KT_EVENT_SIG.
 */
int	pouch_kt_event_verify(const struct pouch_crypto *c,
	    const struct pouch_kt_event *ev, const uint8_t *account_pub,
	    const uint8_t log_pub[POUCH_KT_KEY_BYTES]) POUCH_WARN_UNUSED;

/* ---- signed checkpoints (checkpoint.c) -------------------------------- */

#define POUCH_KT_ORIGIN_MAX	128
#define POUCH_KT_NOTE_MAX	1024	/* bytes of a signed checkpoint */

/*
 * A checkpoint, as text (C2SP tlog-checkpoint in a signed note):
 *
 *   <origin>\n<size in decimal>\n<base64 root hash>\n\n
 *   \u2014 <origin> <base64(key id[4] || Ed25519 signature[64])>\n
 *
 * The signature covers the three body lines with their newlines; the
 * key id is the first 4 bytes of SHA-256(origin || "\n" || 0x01 ||
 * public key), as in C2SP signed-note for Ed25519.  Other signature
 * lines (witness cosignatures) are allowed and ignored.
 */
struct pouch_kt_checkpoint {
	char		origin[POUCH_KT_ORIGIN_MAX + 1];
	uint64_t	size;
	uint8_t		root[POUCH_KT_HASH_BYTES];
};

/* The C2SP key id of the log key named origin. */
int	pouch_kt_key_id(const struct pouch_crypto *c, const char *origin,
	    const uint8_t pub[POUCH_KT_KEY_BYTES], uint8_t id[4])
	    POUCH_WARN_UNUSED;
/* Sign: the note text, NUL-terminated, *len bytes without the NUL. */
int	pouch_kt_checkpoint_sign(const struct pouch_crypto *c,
	    const struct pouch_sig_key *k,
	    const uint8_t pub[POUCH_KT_KEY_BYTES],
	    const struct pouch_kt_checkpoint *cp, char *out, size_t cap,
	    size_t *len) POUCH_WARN_UNUSED;
/*
 * Parse untrusted text and verify the signature of origin's key pub.
 * MALFORMED for anything not in the format, POUCH_E_KT_CHECKPOINT_SIG
 * when no signature line of origin verifies.  cp is set only on success.
 */
int	pouch_kt_checkpoint_open(const struct pouch_crypto *c,
	    const char *origin, const uint8_t pub[POUCH_KT_KEY_BYTES],
	    const char *note, size_t len, struct pouch_kt_checkpoint *cp)
	    POUCH_WARN_UNUSED;
/* Parse the body only, without any signature check (for the fuzzer). */
int	pouch_kt_checkpoint_parse(const char *note, size_t len,
	    struct pouch_kt_checkpoint *cp, size_t *bodylen) POUCH_WARN_UNUSED;

/* Strict standard base64 with padding; used by checkpoints and pouchd. */
size_t	pouch_kt_b64_len(size_t n);
void	pouch_kt_b64_encode(const uint8_t *in, size_t n, char *out);
int	pouch_kt_b64_decode(const char *in, size_t n, uint8_t *out,
	    size_t cap, size_t *len) POUCH_WARN_UNUSED;

#endif /* POUCH_KT_H */
