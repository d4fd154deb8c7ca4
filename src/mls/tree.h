/*
 * mls/tree - the ratchet tree of one group (RFC 9420 4, 7): a full binary
 * tree in array form (leaf i at node 2i), each node blank or holding a
 * LeafNode or ParentNode, with the operations the group engine needs:
 * resolution and filtered direct path (4.1), adding, updating and
 * removing leaves with extension and truncation (7.7, 12.1), the tree
 * hash (7.8, cached per node), parent hashes (7.9) and the validation of
 * leaf nodes (7.3) and of a whole tree received when joining (12.4.3.1).
 *
 * Ownership.  A tree owns deep copies of its nodes, so it outlives the
 * decoded message it was built from.  Nodes are immutable once in a
 * tree: every mutation puts a new node in the slot.  That makes
 * pouch_mls_tree_clone() cheap (the slot array and the hash cache are
 * copied, the nodes are shared), which is what the staged-copy pattern
 * wants: mutate a clone, swap it in on success, free the loser.  The
 * sharing is private to tree.c (an atomic count per node, never seen by
 * callers); a tree and its clones may live on different threads, but one
 * tree must not be used by two threads at once (hashing fills its cache).
 *
 * Sizes.  A tree always has a power-of-two number of leaves (0 only for a
 * fresh empty tree), at most POUCH_MLS_LEAVES_MAX.  Node and leaf indices
 * are uint32 as in tree_math.h.  Nothing here recurses: whole-tree walks
 * go level by level, subtree walks use explicit stacks of at most
 * 2 * POUCH_MLS_PATH_MAX entries.
 *
 * The engine does no I/O and reads no clock: lifetimes are checked
 * against a time the caller passes in.  Every function that can fail
 * returns POUCH_OK or a negative POUCH_E_* code and, on failure, leaves
 * the tree as it was (the hash cache aside, which only ever holds correct
 * values).
 */
#ifndef POUCH_MLS_TREE_H
#define POUCH_MLS_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "mls/msg.h"
#include "mls/suite.h"
#include "mls/tree_math.h"

struct pouch_mls_tree;

/* ---- life cycle ------------------------------------------------------- */

/* An empty tree (0 leaves) for suite s.  NOMEM. */
int	pouch_mls_tree_new(const struct pouch_mls_suite *s,
	    struct pouch_mls_tree **out) POUCH_WARN_UNUSED;
/*
 * A tree from a decoded ratchet_tree (RFC 9420 12.4.3.3): the nodes are
 * deep-copied, the vector is extended with blanks to a full tree.
 * BAD_TREE when the vector is empty, ends in a blank node, holds a leaf
 * at an odd index or a parent at an even one, or has more than
 * 2 * POUCH_MLS_LEAVES_MAX - 1 nodes.  Nothing else is checked here:
 * see pouch_mls_tree_validate().
 */
int	pouch_mls_tree_from_ratchet_tree(const struct pouch_mls_suite *s,
	    const struct pouch_mls_ratchet_tree *rt,
	    struct pouch_mls_tree **out) POUCH_WARN_UNUSED;
/* Decode buf as a ratchet_tree with the caps of lim (NULL: defaults),
 * then as above.  Decode errors as pouch_mls_ratchet_tree_from_bytes. */
int	pouch_mls_tree_from_bytes(const struct pouch_mls_suite *s,
	    const struct pouch_mls_limits *lim, const uint8_t *buf, size_t len,
	    struct pouch_mls_tree **out) POUCH_WARN_UNUSED;
/* A copy of t that can be changed without touching t.  NOMEM. */
int	pouch_mls_tree_clone(const struct pouch_mls_tree *t,
	    struct pouch_mls_tree **out) POUCH_WARN_UNUSED;
/* Free t and wipe what only it held.  NULL is a no-op. */
void	pouch_mls_tree_free(struct pouch_mls_tree *t);
/*
 * Append t as a ratchet_tree (RFC 9420 12.4.3.3): the nodes up to the
 * last non-blank one.  Errors are the writer's, sticky.
 */
void	pouch_mls_tree_encode(struct pouch_wr *w,
	    const struct pouch_mls_tree *t);

/* ---- reading ---------------------------------------------------------- */

const struct pouch_mls_suite *pouch_mls_tree_suite(
	    const struct pouch_mls_tree *t);
/* Leaves (a power of two, or 0) and nodes (2 * leaves - 1, or 0). */
uint32_t	pouch_mls_tree_leaves(const struct pouch_mls_tree *t);
uint32_t	pouch_mls_tree_width(const struct pouch_mls_tree *t);
/* Node x; NULL when blank or outside the tree.  Valid until t changes. */
const struct pouch_mls_node *pouch_mls_tree_node(
	    const struct pouch_mls_tree *t, uint32_t x);
/* The LeafNode of leaf i / the ParentNode at node x; NULL when blank,
 * outside the tree, or x is not a parent index. */
const struct pouch_mls_leaf_node *pouch_mls_tree_leaf(
	    const struct pouch_mls_tree *t, uint32_t leaf);
const struct pouch_mls_parent_node *pouch_mls_tree_parent(
	    const struct pouch_mls_tree *t, uint32_t x);
/*
 * RFC 9420 4.1.1 resolution of node x: node indices, unmerged leaves as
 * their node index 2L, in the RFC's order.  *n gets the count; when cap
 * is short, BUFFER_TOO_SMALL with *n the size needed.  cap ==
 * pouch_mls_tree_width() suffices once pouch_mls_tree_check_unmerged()
 * has passed (a hostile unmerged_leaves list can be longer).  MISUSE
 * when x is outside the tree.
 */
int	pouch_mls_tree_resolution(const struct pouch_mls_tree *t, uint32_t x,
	    uint32_t *out, size_t cap, size_t *n) POUCH_WARN_UNUSED;
/*
 * RFC 9420 4.1.2 filtered direct path of leaf: the direct path without
 * the nodes whose copath child has an empty resolution, leaf to root.
 * MISUSE when leaf is outside the tree.
 */
int	pouch_mls_tree_filtered_direct_path(const struct pouch_mls_tree *t,
	    uint32_t leaf, uint32_t path[POUCH_MLS_PATH_MAX], size_t *n)
	    POUCH_WARN_UNUSED;

/* ---- changing --------------------------------------------------------- */

/*
 * Put a deep copy of ln at leaf / pn at parent node x (NULL blanks it).
 * MISUSE when the index is outside the tree or of the wrong kind.
 */
int	pouch_mls_tree_set_leaf(struct pouch_mls_tree *t, uint32_t leaf,
	    const struct pouch_mls_leaf_node *ln) POUCH_WARN_UNUSED;
int	pouch_mls_tree_set_parent(struct pouch_mls_tree *t, uint32_t x,
	    const struct pouch_mls_parent_node *pn) POUCH_WARN_UNUSED;
/* Blank every node on the direct path of leaf (RFC 9420 12.1.2-3). */
int	pouch_mls_tree_blank_path(struct pouch_mls_tree *t, uint32_t leaf)
	    POUCH_WARN_UNUSED;
/*
 * RFC 9420 12.1.1 Add: ln goes into the leftmost blank leaf, or the tree
 * is extended (7.7) and it goes into the first new leaf; every non-blank
 * parent on its direct path gets the leaf in unmerged_leaves.  *leaf gets
 * the index.  TOO_LARGE when the tree is full at the maximum size.
 */
int	pouch_mls_tree_add_leaf(struct pouch_mls_tree *t,
	    const struct pouch_mls_leaf_node *ln, uint32_t *leaf)
	    POUCH_WARN_UNUSED;
/* RFC 9420 12.1.2 Update: replace leaf, blank its direct path. */
int	pouch_mls_tree_update_leaf(struct pouch_mls_tree *t, uint32_t leaf,
	    const struct pouch_mls_leaf_node *ln) POUCH_WARN_UNUSED;
/*
 * RFC 9420 12.1.3 Remove: blank the leaf and its direct path, then
 * truncate.  BAD_TREE when the leaf is already blank (the proposal is
 * invalid), MISUSE when outside the tree.
 */
int	pouch_mls_tree_remove_leaf(struct pouch_mls_tree *t, uint32_t leaf)
	    POUCH_WARN_UNUSED;
/* RFC 9420 7.7: halve the tree while its right half has no non-blank
 * leaf.  Never fails. */
void	pouch_mls_tree_truncate(struct pouch_mls_tree *t);
/* RFC 9420 7.7: double the tree (a blank root over t and a blank right
 * subtree; a tree of 0 leaves gets 1).  TOO_LARGE, NOMEM. */
int	pouch_mls_tree_extend(struct pouch_mls_tree *t) POUCH_WARN_UNUSED;

/* ---- hashes ----------------------------------------------------------- */

/*
 * RFC 9420 7.8 tree hash of node x (the root for the tree hash of the
 * group): out gets suite->nh bytes.  Computed level by level and cached;
 * a change invalidates only the changed node and its ancestors.  MISUSE
 * when x is outside the tree.
 */
int	pouch_mls_tree_hash(const struct pouch_crypto *c,
	    struct pouch_mls_tree *t, uint32_t x, uint8_t *out)
	    POUCH_WARN_UNUSED;
int	pouch_mls_tree_root_hash(const struct pouch_crypto *c,
	    struct pouch_mls_tree *t, uint8_t *out) POUCH_WARN_UNUSED;
/* Forget every cached hash (benchmarks measure full recomputation). */
void	pouch_mls_tree_hash_drop(struct pouch_mls_tree *t);
/*
 * RFC 9420 7.9 parent hash of the non-blank parent node p with copath
 * child s: H(ParentHashInput) with original_sibling_tree_hash, the tree
 * hash of s with p's unmerged leaves blanked and removed from every
 * unmerged_leaves list.  out gets suite->nh bytes.  MISUSE when p is
 * blank or s is not a child of p.
 */
int	pouch_mls_tree_parent_hash(const struct pouch_crypto *c,
	    struct pouch_mls_tree *t, uint32_t p, uint32_t s, uint8_t *out)
	    POUCH_WARN_UNUSED;
/*
 * For a committer (RFC 9420 7.9, 12.4.1): the parent nodes on the
 * filtered direct path of leaf hold their new keys and empty
 * unmerged_leaves; set their parent_hash fields from the root down and
 * put into out (suite->nh bytes) the parent hash that leaf's LeafNode
 * must carry (the empty string when the filtered path is empty: *outlen
 * gets 0).  MISUSE when a node of the path is blank (t unchanged).  The
 * nodes are changed in place: after a later failure (NOMEM) some of them
 * may hold their new parent_hash, so callers work on a clone of the tree.
 */
int	pouch_mls_tree_set_path_parent_hashes(const struct pouch_crypto *c,
	    struct pouch_mls_tree *t, uint32_t leaf, uint8_t *out,
	    size_t *outlen) POUCH_WARN_UNUSED;
/*
 * RFC 9420 7.9.2: every non-blank parent node is parent-hash valid with
 * respect to exactly one descendant.  BAD_PARENT_HASH otherwise.
 * Assumes consistent unmerged leaves (check them first, as
 * pouch_mls_tree_validate does): BAD_UNMERGED when they are not.
 */
int	pouch_mls_tree_verify_parent_hashes(const struct pouch_crypto *c,
	    struct pouch_mls_tree *t) POUCH_WARN_UNUSED;

/* ---- validation ------------------------------------------------------- */

/* What a leaf node is checked against (RFC 9420 7.3). */
struct pouch_mls_leaf_ctx {
	/* group_id for the LeafNodeTBS of update and commit sources */
	const uint8_t	*group_id;
	size_t		 group_id_len;
	/* the group's required_capabilities (NULL: none) */
	const struct pouch_mls_required_capabilities *required;
	/* the GroupContext extensions every leaf must support (NULL: none) */
	const struct pouch_mls_extensions *group_extensions;
	/* check lifetimes (key_package source only) against now, seconds
	 * since the Unix epoch; lifetime_max caps not_after - not_before
	 * (0: no cap) */
	int		 check_lifetime;
	uint64_t	 now;
	uint64_t	 lifetime_max;
};

/*
 * RFC 9420 7.3: validate ln as the node for leaf index leaf of t, coming
 * from source (POUCH_MLS_LEAF_*; 0 accepts any).  Checks, in order: the
 * source (LEAF_SOURCE); the suite and version in its capabilities, the
 * types of its extensions, the required capabilities and the group
 * context extensions (CAPABILITIES; a repeated extension type is
 * MALFORMED); its credential type against its own and every other
 * member's capabilities, and theirs against its (CREDENTIAL_TYPE); the
 * lifetime (LIFETIME); keys unique among the other nodes, and for an
 * update different from the replaced leaf (DUP_ENCRYPTION_KEY,
 * DUP_SIGNATURE_KEY); the signature (BAD_SIGNATURE, BAD_KEY).  The
 * credential itself (5.3.1) is the application's to validate.
 */
int	pouch_mls_leaf_validate(const struct pouch_crypto *c,
	    const struct pouch_mls_tree *t,
	    const struct pouch_mls_leaf_node *ln, uint32_t leaf,
	    uint8_t source, const struct pouch_mls_leaf_ctx *ctx)
	    POUCH_WARN_UNUSED;
/*
 * RFC 9420 12.4.3.1 "verify the integrity of the ratchet tree" when
 * joining: unmerged leaves consistent (BAD_UNMERGED), encryption keys
 * unique over all nodes and signature keys over all leaves
 * (DUP_ENCRYPTION_KEY, DUP_SIGNATURE_KEY), every leaf valid as
 * pouch_mls_leaf_validate with any source, every non-blank parent
 * parent-hash valid (BAD_PARENT_HASH), and, when tree_hash is not NULL,
 * the root tree hash equal to it (BAD_TREE_HASH).  An empty tree is
 * BAD_TREE.
 */
int	pouch_mls_tree_validate(const struct pouch_crypto *c,
	    struct pouch_mls_tree *t, const struct pouch_mls_leaf_ctx *ctx,
	    const uint8_t *tree_hash, size_t tree_hash_len) POUCH_WARN_UNUSED;
/* The unmerged-leaves part alone (BAD_UNMERGED). */
int	pouch_mls_tree_check_unmerged(const struct pouch_mls_tree *t)
	    POUCH_WARN_UNUSED;

#endif /* POUCH_MLS_TREE_H */
