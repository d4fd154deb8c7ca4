/*
 * mls/tree_int - the layout of struct pouch_mls_tree, shared by tree.c
 * (nodes, shape, resolution), tree_hash.c (tree and parent hashes) and
 * leaf_validate.c (RFC 9420 7.3, 12.4.3.1) and by nothing else.
 *
 * A node lives in one heap block (struct pouch_mls_tnode): the decoded
 * struct pouch_mls_node, every byte and array it points to, and its wire
 * encoding (the LeafNode or ParentNode, without the node_type octet),
 * which is what the tree hash and the ratchet_tree encoder need.  Blocks
 * are immutable and shared between a tree and its clones through refs.
 */
#ifndef POUCH_MLS_TREE_INT_H
#define POUCH_MLS_TREE_INT_H

#include <stdatomic.h>

#include "mls/tree.h"

struct pouch_mls_tnode {
	atomic_uint		 refs;
	size_t			 size;		/* of the whole block */
	struct pouch_mls_node	 node;
	const uint8_t		*enc;		/* LeafNode / ParentNode */
	size_t			 enclen;
	/* parent nodes: unmerged_leaves sorted ascending (dups kept) */
	const uint32_t		*sorted;
};

struct pouch_mls_tree {
	const struct pouch_mls_suite	 *suite;
	uint32_t			  nleaves;	/* 0 or 2^k */
	uint32_t			  cap;		/* node slots */
	struct pouch_mls_tnode		**nodes;	/* NULL = blank */
	uint8_t				 *th;		/* nh per slot */
	uint8_t				 *th_ok;	/* per slot */
};

/* The block of node x, or NULL when blank or outside the tree. */
static inline const struct pouch_mls_tnode *
pouch_mls_tree_tnode(const struct pouch_mls_tree *t, uint32_t x)
{
	if (t->nleaves == 0 || x > 2 * (t->nleaves - 1))
		return NULL;
	return t->nodes[x];
}

/* Forget the cached hashes of x and of every ancestor of x. */
void	pouch_mls_tree_invalidate(struct pouch_mls_tree *t, uint32_t x);
/*
 * RFC 9420 4.1.1 resolution of x into out, which has room for the width
 * of the tree: enough once the unmerged leaves are consistent.  Never
 * writes more; *n gets the full count, which callers compare.
 */
void	pouch_mls_tree_res(const struct pouch_mls_tree *t, uint32_t x,
	    uint32_t *out, size_t *n);
/* 1 when every node of the subtree under x is blank. */
int	pouch_mls_tree_subtree_blank(const struct pouch_mls_tree *t,
	    uint32_t x);
/* 1 when the sorted list v[0..n) holds x. */
int	pouch_mls_u32_sorted_has(const uint32_t *v, size_t n, uint32_t x);

#endif /* POUCH_MLS_TREE_INT_H */
