/*
 * tree_math.c - index arithmetic of the array-based ratchet tree, RFC 9420
 * Appendix C (and 4.1.2 for direct paths and copaths).  This file owns the
 * relations between node indices: level, width, root, children, parent,
 * sibling, paths and common ancestors.  It holds no state and allocates
 * nothing.  Every loop is bounded by the 32 bits of an index, so trees of
 * up to 2^31 leaves cost at most 32 steps per call, with no recursion; all
 * shifts are below the width of their operand.
 */
#include <stddef.h>
#include <stdint.h>

#include "mls/tree_math.h"

/* floor(log2(x)) for x > 0; 0 for x == 0 (Appendix C log2). */
static uint32_t
log2_floor(uint32_t x)
{
	uint32_t k = 0;

	while (k < 31 && (x >> (k + 1)) != 0)
		k++;
	return k;
}

/* Appendix C level(): the number of trailing 1 bits; 32 for 2^32 - 1. */
uint32_t
pouch_mls_tm_level(uint32_t x)
{
	uint32_t k = 0;

	while (k < 32 && ((x >> k) & 1) != 0)
		k++;
	return k;
}

uint32_t
pouch_mls_tm_node_width(uint32_t n)
{
	if (n == 0 || n > POUCH_MLS_LEAVES_MAX)
		return 0;
	return 2 * (n - 1) + 1;
}

uint32_t
pouch_mls_tm_root(uint32_t n)
{
	uint32_t w = pouch_mls_tm_node_width(n);

	if (w == 0)
		return POUCH_MLS_NODE_NONE;
	return (UINT32_C(1) << log2_floor(w)) - 1;
}

uint32_t
pouch_mls_tm_leaf_node(uint32_t leaf)
{
	if (leaf >= POUCH_MLS_LEAVES_MAX)
		return POUCH_MLS_NODE_NONE;
	return leaf << 1;
}

/* Appendix C left(): clear the bit below the run of trailing ones. */
uint32_t
pouch_mls_tm_left(uint32_t x)
{
	uint32_t k = pouch_mls_tm_level(x);

	if (k == 0 || k == 32)
		return POUCH_MLS_NODE_NONE;
	return x ^ (UINT32_C(1) << (k - 1));
}

/* Appendix C right(). */
uint32_t
pouch_mls_tm_right(uint32_t x)
{
	uint32_t k = pouch_mls_tm_level(x);

	if (k == 0 || k == 32)
		return POUCH_MLS_NODE_NONE;
	return x ^ (UINT32_C(3) << (k - 1));
}

/*
 * 1 when x lies in the subtree rooted at a: x is no higher than a and
 * shares the bits of a above a's level (the "01x => 00x, 10x" rule).
 */
int
pouch_mls_tm_in_subtree(uint32_t x, uint32_t a)
{
	uint32_t la = pouch_mls_tm_level(a);

	if (la == 32 || pouch_mls_tm_level(x) > la)
		return 0;
	return ((uint64_t)x >> (la + 1)) == ((uint64_t)a >> (la + 1));
}

/* Appendix C parent(); the tree is the subtree of root(n). */
uint32_t
pouch_mls_tm_parent(uint32_t x, uint32_t n)
{
	uint32_t r = pouch_mls_tm_root(n), k, b;

	if (r == POUCH_MLS_NODE_NONE || x == r ||
	    !pouch_mls_tm_in_subtree(x, r))
		return POUCH_MLS_NODE_NONE;
	k = pouch_mls_tm_level(x);		/* k < level(r) <= 31 */
	b = (x >> (k + 1)) & 1;
	return (x | (UINT32_C(1) << k)) ^ (b << (k + 1));
}

/* Appendix C sibling(). */
uint32_t
pouch_mls_tm_sibling(uint32_t x, uint32_t n)
{
	uint32_t p = pouch_mls_tm_parent(x, n);

	if (p == POUCH_MLS_NODE_NONE)
		return POUCH_MLS_NODE_NONE;
	return x < p ? pouch_mls_tm_right(p) : pouch_mls_tm_left(p);
}

/* RFC 9420 4.1.2 direct path: the parents of x up to the root. */
int
pouch_mls_tm_direct_path(uint32_t x, uint32_t n,
    uint32_t path[POUCH_MLS_PATH_MAX], size_t *len)
{
	uint32_t r = pouch_mls_tm_root(n);
	size_t i = 0;

	*len = 0;
	if (r == POUCH_MLS_NODE_NONE || !pouch_mls_tm_in_subtree(x, r))
		return -1;
	while (x != r && i < POUCH_MLS_PATH_MAX) {
		x = pouch_mls_tm_parent(x, n);
		path[i++] = x;
	}
	*len = i;
	return 0;
}

/* RFC 9420 4.1.2 copath: the siblings of x and of its direct path
 * except the root. */
int
pouch_mls_tm_copath(uint32_t x, uint32_t n,
    uint32_t path[POUCH_MLS_PATH_MAX], size_t *len)
{
	uint32_t r = pouch_mls_tm_root(n);
	size_t i = 0;

	*len = 0;
	if (r == POUCH_MLS_NODE_NONE || !pouch_mls_tm_in_subtree(x, r))
		return -1;
	while (x != r && i < POUCH_MLS_PATH_MAX) {
		path[i++] = pouch_mls_tm_sibling(x, n);
		x = pouch_mls_tm_parent(x, n);
	}
	*len = i;
	return 0;
}

/*
 * The ancestor of x at level k is (x with its low k + 1 bits cleared) with
 * k trailing ones; the common ancestor is the one at the lowest level, not
 * below either node, where x and y agree above bit k.
 */
uint32_t
pouch_mls_tm_common_ancestor(uint32_t x, uint32_t y)
{
	uint32_t lx = pouch_mls_tm_level(x), ly = pouch_mls_tm_level(y), k;
	uint64_t hi;

	if (lx == 32 || ly == 32)
		return POUCH_MLS_NODE_NONE;
	for (k = lx > ly ? lx : ly; k < 32; k++) {
		if (((uint64_t)x >> (k + 1)) != ((uint64_t)y >> (k + 1)))
			continue;
		hi = ((uint64_t)x >> (k + 1)) << (k + 1);
		return (uint32_t)(hi | ((UINT64_C(1) << k) - 1));
	}
	return POUCH_MLS_NODE_NONE;	/* not reached: k = 31 always agrees */
}
