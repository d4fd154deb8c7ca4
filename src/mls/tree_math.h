/*
 * mls/tree_math - index arithmetic of the array-based ratchet tree
 * (RFC 9420 4.2 and Appendix C).
 *
 * Leaves sit at even node indices (leaf i at node 2i), parents at odd
 * ones; every relation is computed from the indices alone.  Trees hold up
 * to 2^31 leaves, so a node index is at most 2^32 - 2 and fits a uint32;
 * POUCH_MLS_NODE_NONE (2^32 - 1) is never a node and marks "undefined"
 * (the children of a leaf, the parent and sibling of the root, a node
 * outside the tree).  Every function is iterative, bounded by 32 steps,
 * and cannot overflow for any input.  An RFC 9420 tree always has a power
 * of two leaves (7.7); for other sizes the functions follow the Appendix C
 * code, which places the root as in the enclosing full tree.
 */
#ifndef POUCH_MLS_TREE_MATH_H
#define POUCH_MLS_TREE_MATH_H

#include <stddef.h>
#include <stdint.h>

/* The largest tree: 2^31 leaves, 2^32 - 1 nodes. */
#define POUCH_MLS_LEAVES_MAX	(UINT32_C(1) << 31)
/* Not a node index: marks an undefined relation. */
#define POUCH_MLS_NODE_NONE	UINT32_MAX
/* The longest direct path or copath (a 2^31-leaf tree has depth 31). */
#define POUCH_MLS_PATH_MAX	32

/* Leaves are level 0, their parents level 1, and so on. */
uint32_t	pouch_mls_tm_level(uint32_t x);
/* Nodes in a tree of n leaves: 2n - 1 (0 for n == 0). n <= 2^31. */
uint32_t	pouch_mls_tm_node_width(uint32_t n);
/* The root of a tree of n leaves; NONE when n is 0 or over the maximum. */
uint32_t	pouch_mls_tm_root(uint32_t n);
/* Children of x; NONE for a leaf or for an index that is not a node. */
uint32_t	pouch_mls_tm_left(uint32_t x);
uint32_t	pouch_mls_tm_right(uint32_t x);
/* Parent and sibling of x in a tree of n leaves; NONE for the root and
 * for a node outside the tree. */
uint32_t	pouch_mls_tm_parent(uint32_t x, uint32_t n);
uint32_t	pouch_mls_tm_sibling(uint32_t x, uint32_t n);
/*
 * Direct path and copath of x, leaf to root (RFC 9420 4.1.2): path gets
 * the nodes, *len their count (0 for the root).  The direct path excludes
 * x and includes the root.  Returns -1 when x is not in the tree (then
 * *len is 0), 0 otherwise.
 */
int	pouch_mls_tm_direct_path(uint32_t x, uint32_t n,
	    uint32_t path[POUCH_MLS_PATH_MAX], size_t *len);
int	pouch_mls_tm_copath(uint32_t x, uint32_t n,
	    uint32_t path[POUCH_MLS_PATH_MAX], size_t *len);
/* The lowest node whose subtree holds both x and y (x itself if x == y). */
uint32_t	pouch_mls_tm_common_ancestor(uint32_t x, uint32_t y);
/* 1 when node x lies in the subtree rooted at a (a itself included). */
int	pouch_mls_tm_in_subtree(uint32_t x, uint32_t a);

/* The node of leaf i, 2i; NONE when i >= 2^31. */
uint32_t	pouch_mls_tm_leaf_node(uint32_t leaf);

#endif /* POUCH_MLS_TREE_MATH_H */
