/*
 * mls/treekem - TreeKEM (RFC 9420 7.4-7.6): the path secrets of a
 * committer, the UpdatePath that carries them to the group, and the
 * receiver's side of it: merging the UpdatePath into the ratchet tree,
 * decrypting the one path secret this member may read, deriving the
 * rest and checking every derived public key against the UpdatePath.
 * It also owns the member's private keys for tree nodes (struct
 * pouch_mls_tree_privkeys: node index -> HPKE private key), which live
 * beside the public tree and are wiped when dropped.
 *
 * Derivations (7.4), with leaf_secret the committer's fresh secret:
 *   path_secret[0]   = DeriveSecret(leaf_secret, "path")
 *   path_secret[n+1] = DeriveSecret(path_secret[n], "path")
 *   node_secret[n]   = DeriveSecret(path_secret[n], "node")
 *   node key pair    = KEM.DeriveKeyPair(node_secret[n])
 *   commit_secret    = DeriveSecret(path_secret[last], "path")
 * and the leaf key pair from DeriveSecret(leaf_secret, "node").  With an
 * empty filtered direct path the commit secret is
 * DeriveSecret(leaf_secret, "path").
 *
 * The provisional GroupContext (7.6) is passed in decoded, as a template:
 * its tree_hash is ignored and replaced by the root hash of the tree
 * after the merge, which only this module knows at that point.
 *
 * New members added by the same Commit are excluded from every
 * resolution (7.6, 12.4.2): callers pass their leaf indices.
 *
 * No I/O, no clock.  Every function that can fail returns POUCH_OK or a
 * negative POUCH_E_* code and leaves its inputs (tree, key store) as they
 * were on failure: work happens on copies that are swapped in last.
 */
#ifndef POUCH_MLS_TREEKEM_H
#define POUCH_MLS_TREEKEM_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "hpke/hpke.h"
#include "mls/arena.h"
#include "mls/msg.h"
#include "mls/suite.h"
#include "mls/tree.h"

/* Keys one member can hold: its leaf and its direct path. */
#define POUCH_MLS_PRIVKEYS_MAX	(POUCH_MLS_PATH_MAX + 1)

struct pouch_mls_tree_privkeys;

/* ---- the private-key store ------------------------------------------ */

/* An empty store for keys of suite s.  NOMEM. */
int	pouch_mls_tree_privkeys_new(const struct pouch_mls_suite *s,
	    struct pouch_mls_tree_privkeys **out) POUCH_WARN_UNUSED;
/* A copy (the staged-copy pattern).  NOMEM. */
int	pouch_mls_tree_privkeys_clone(const struct pouch_mls_tree_privkeys *k,
	    struct pouch_mls_tree_privkeys **out) POUCH_WARN_UNUSED;
/* Wipe and free.  NULL is a no-op. */
void	pouch_mls_tree_privkeys_free(struct pouch_mls_tree_privkeys *k);
/* Swap the contents of a and b (commit a staged copy). */
void	pouch_mls_tree_privkeys_swap(struct pouch_mls_tree_privkeys *a,
	    struct pouch_mls_tree_privkeys *b);
/*
 * Store sk (with its public key pk) for node x, replacing any key held
 * for x.  MISUSE when a length is over the KEM's, LIMIT when the store
 * already holds POUCH_MLS_PRIVKEYS_MAX other nodes, NOMEM.
 */
int	pouch_mls_tree_privkeys_set(struct pouch_mls_tree_privkeys *k,
	    uint32_t x, const uint8_t *sk, size_t sklen, const uint8_t *pk,
	    size_t pklen) POUCH_WARN_UNUSED;
/*
 * Derive the key pair of node x from its path secret (DeriveSecret
 * "node", DeriveKeyPair), check that the public key is the one node x of
 * t holds (BAD_TREE when x is blank, PATH_KEY when it differs), store it.
 */
int	pouch_mls_tree_privkeys_set_path_secret(const struct pouch_crypto *c,
	    struct pouch_mls_tree_privkeys *k, const struct pouch_mls_tree *t,
	    uint32_t x, const uint8_t *path_secret, size_t len)
	    POUCH_WARN_UNUSED;
/* Drop the key of node x, wiped (no-op when absent). */
void	pouch_mls_tree_privkeys_remove(struct pouch_mls_tree_privkeys *k,
	    uint32_t x);
/* The private key of node x (*len its length), or NULL.  Valid until k
 * changes. */
const uint8_t *pouch_mls_tree_privkeys_get(
	    const struct pouch_mls_tree_privkeys *k, uint32_t x, size_t *len);
/* Number of keys held. */
size_t	pouch_mls_tree_privkeys_count(const struct pouch_mls_tree_privkeys *k);
/* Entry i (< count) of the store, in no particular order: its node, private
 * and public key, borrowed until k changes (state persistence). */
int	pouch_mls_tree_privkeys_entry(const struct pouch_mls_tree_privkeys *k,
	    size_t i, uint32_t *node, const uint8_t **sk, size_t *sklen,
	    const uint8_t **pk, size_t *pklen) POUCH_WARN_UNUSED;

/* ---- committer ------------------------------------------------------ */

/* What a committer's path generation needs besides the tree. */
struct pouch_mls_path_params {
	/* the committer's leaf index */
	uint32_t	 leaf;
	/* leaves added by the same Commit: excluded from resolutions */
	const uint32_t	*excluded;
	size_t		 nexcluded;
	/* provisional GroupContext; tree_hash is filled in here */
	const struct pouch_mls_group_context *gc;
	/* the new LeafNode's fields are taken from this one, except
	 * encryption_key, leaf_node_source (commit), parent_hash and
	 * signature, which are set here; it is copied, so it may point
	 * into the tree being replaced */
	const struct pouch_mls_leaf_node *leaf_tmpl;
	/* signature private key for the LeafNodeTBS */
	const uint8_t	*sig_priv;
	size_t		 sig_privlen;
	/* leaf_secret (suite->nh bytes) for deterministic tests; NULL: a
	 * fresh one from pouch_random */
	const uint8_t	*leaf_secret;
};

/*
 * The result of pouch_mls_treekem_encap: the UpdatePath (every byte of
 * it, leaf node included, in the arena given to encap), the path secret
 * of each UpdatePath node in the same order (for Welcome: the secret of
 * the lowest common ancestor of the committer and a new member), and the
 * commit secret.
 */
struct pouch_mls_path_out {
	struct pouch_mls_update_path	 path;
	uint8_t		 path_secrets[POUCH_MLS_PATH_MAX][POUCH_HASH_MAX];
	size_t		 npath_secrets;
	uint8_t		 commit_secret[POUCH_HASH_MAX];
	size_t		 commit_secretlen;
};

/* Wipe the secrets of o (call when done with it). */
void	pouch_mls_path_out_clear(struct pouch_mls_path_out *o);

/*
 * RFC 9420 7.4-7.6 for the committer: on *tp (proposals already
 * applied), blank the direct path of p->leaf, derive the path, put the
 * new keys and parent hashes in the filtered direct path, sign and set
 * the new leaf, compute the provisional GroupContext and encrypt each
 * path secret to the resolution of its copath child.  On success *tp is
 * replaced by the merged tree (the old one freed), k gets the new
 * private keys (leaf and path; those of the old direct path dropped)
 * and *o is filled.  On failure nothing changes.  MISUSE when the leaf
 * is blank or k is for another suite; RANDOM, NOMEM, crypto errors.
 */
int	pouch_mls_treekem_encap(const struct pouch_crypto *c,
	    struct pouch_mls_tree **tp, struct pouch_mls_tree_privkeys *k,
	    const struct pouch_mls_path_params *p, struct pouch_mls_arena *a,
	    struct pouch_mls_path_out *o) POUCH_WARN_UNUSED;

/* ---- receiver ------------------------------------------------------- */

/*
 * RFC 9420 7.5 "merge UpdatePath into the tree": check the shape
 * (PATH_SHAPE: node count and ciphertexts per node against the filtered
 * direct path and the resolutions minus excluded), blank the sender's
 * direct path, set the filtered direct path's keys with empty unmerged
 * leaves, compute parent hashes and check the leaf node's parent_hash
 * (BAD_PARENT_HASH), set the leaf.  The leaf node itself is validated
 * by the caller (7.3).  The work is done on a clone: on success *tp is
 * the merged tree (the old one freed), on failure it is unchanged.
 * UNKNOWN_SENDER when the sender's leaf is blank.
 */
int	pouch_mls_treekem_merge(const struct pouch_crypto *c,
	    struct pouch_mls_tree **tp, uint32_t sender,
	    const struct pouch_mls_update_path *up, const uint32_t *excluded,
	    size_t nexcluded) POUCH_WARN_UNUSED;

/*
 * RFC 9420 7.5 "decrypt the path secrets", on a tree t into which up is
 * already merged, with gc_bytes the encoded provisional GroupContext:
 * find the lowest node of the sender's filtered direct path above leaf
 * me, the node of its copath child's resolution (minus excluded) whose
 * key k holds (NO_PATH_KEY when none), decrypt (DECRYPT; MALFORMED when
 * the plaintext is not suite->nh bytes), derive the path secrets above,
 * check each derived public key (PATH_KEY).  On success k drops its keys
 * for the sender's direct path and takes the new ones, path_secret gets
 * the decrypted secret (suite->nh bytes, may be NULL) and commit_secret
 * the commit secret (suite->nh bytes).  k is unchanged on failure.
 */
int	pouch_mls_treekem_decap(const struct pouch_crypto *c,
	    const struct pouch_mls_tree *t, struct pouch_mls_tree_privkeys *k,
	    uint32_t me, uint32_t sender,
	    const struct pouch_mls_update_path *up,
	    const uint32_t *excluded, size_t nexcluded, const uint8_t *gc_bytes,
	    size_t gc_len, uint8_t *path_secret, uint8_t *commit_secret)
	    POUCH_WARN_UNUSED;

/*
 * Both receiver steps at once: merge up into a clone of *tp, fill gc's
 * tree_hash from it, decrypt.  On success *tp is the merged tree (the
 * old one freed) and k is updated; on failure neither changes.
 */
int	pouch_mls_treekem_apply(const struct pouch_crypto *c,
	    struct pouch_mls_tree **tp, struct pouch_mls_tree_privkeys *k,
	    uint32_t me, uint32_t sender,
	    const struct pouch_mls_update_path *up,
	    const uint32_t *excluded, size_t nexcluded,
	    const struct pouch_mls_group_context *gc, uint8_t *path_secret,
	    uint8_t *commit_secret) POUCH_WARN_UNUSED;

/*
 * pouch_mls_treekem_encap and _apply working on the caller's tree t and
 * keys k themselves instead of on copies: for a caller whose t and k are
 * its own private copies (the next epoch being built), which it throws
 * away on failure, as on failure they are left part-way.  This spares a
 * clone and a free of the whole tree per commit.
 */
int	pouch_mls_treekem_encap_owned(const struct pouch_crypto *c,
	    struct pouch_mls_tree *t, struct pouch_mls_tree_privkeys *k,
	    const struct pouch_mls_path_params *p, struct pouch_mls_arena *a,
	    struct pouch_mls_path_out *o) POUCH_WARN_UNUSED;
int	pouch_mls_treekem_apply_owned(const struct pouch_crypto *c,
	    struct pouch_mls_tree *t, struct pouch_mls_tree_privkeys *k,
	    uint32_t me, uint32_t sender,
	    const struct pouch_mls_update_path *up,
	    const uint32_t *excluded, size_t nexcluded,
	    const struct pouch_mls_group_context *gc, uint8_t *path_secret,
	    uint8_t *commit_secret) POUCH_WARN_UNUSED;

/* The encoded provisional GroupContext: gc with tree_hash from t's root.
 * The caller frees *out with pouch_wr_buf_free(). */
int	pouch_mls_treekem_context(const struct pouch_crypto *c,
	    struct pouch_mls_tree *t, const struct pouch_mls_group_context *gc,
	    uint8_t **out, size_t *outlen) POUCH_WARN_UNUSED;

#endif /* POUCH_MLS_TREEKEM_H */
