/*
 * test_tree_math.c - src/mls/tree_math.c (RFC 9420 Appendix C).
 *
 * Checks against an independent model (full trees built by in-order
 * numbering with explicit parent and child links, for depths 0..10), the
 * algebraic invariants on random nodes of trees of every power-of-two size
 * up to 2^31 leaves, the edges of the largest tree (indices up to
 * 2^32 - 2, never an overflow), NONE for the undefined relations and for
 * indices outside the tree, and the common ancestor against its semantic
 * definition (the lowest node on both direct paths).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mls/tree_math.h"

#define NONE	POUCH_MLS_NODE_NONE
#define MODEL_DEPTH_MAX	10
#define MODEL_NODES	((1U << (MODEL_DEPTH_MAX + 1)) - 1)

static uint64_t
xs_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* ---- an independent model: in-order numbering of a full tree ------- */

struct model {
	uint32_t	parent[MODEL_NODES];
	uint32_t	left[MODEL_NODES];
	uint32_t	right[MODEL_NODES];
	uint32_t	level[MODEL_NODES];
	uint32_t	root;
	uint32_t	next;		/* next in-order number */
};

/* Number the subtree of the given depth in order; returns its root. */
static uint32_t
model_build(struct model *m, uint32_t depth, uint32_t parent)
{
	uint32_t l, me, r;

	if (depth == 0) {
		me = m->next++;
		m->left[me] = m->right[me] = NONE;
		m->parent[me] = parent;
		m->level[me] = 0;
		return me;
	}
	l = model_build(m, depth - 1, 0);
	me = m->next++;
	r = model_build(m, depth - 1, me);
	m->parent[l] = me;
	m->left[me] = l;
	m->right[me] = r;
	m->parent[me] = parent;
	m->level[me] = depth;
	return me;
}

static void
tree_math_matches_model(void **state)
{
	struct model *m = calloc(1, sizeof(*m));
	uint32_t d, n, w, x, y, sib, path[POUCH_MLS_PATH_MAX];
	size_t len, i;

	(void)state;
	assert_non_null(m);
	for (d = 0; d <= MODEL_DEPTH_MAX; d++) {
		n = 1U << d;
		m->next = 0;
		m->root = model_build(m, d, NONE);
		w = pouch_mls_tm_node_width(n);
		assert_int_equal(w, m->next);
		assert_int_equal(pouch_mls_tm_root(n), m->root);
		for (x = 0; x < w; x++) {
			assert_int_equal(pouch_mls_tm_level(x), m->level[x]);
			assert_int_equal(pouch_mls_tm_left(x), m->left[x]);
			assert_int_equal(pouch_mls_tm_right(x), m->right[x]);
			assert_int_equal(pouch_mls_tm_parent(x, n),
			    m->parent[x]);
			sib = m->parent[x] == NONE ? NONE :
			    m->left[m->parent[x]] == x ?
			    m->right[m->parent[x]] : m->left[m->parent[x]];
			assert_int_equal(pouch_mls_tm_sibling(x, n), sib);
			/* direct path = the chain of model parents */
			assert_int_equal(pouch_mls_tm_direct_path(x, n, path,
			    &len), 0);
			for (i = 0, y = m->parent[x]; y != NONE;
			    i++, y = m->parent[y]) {
				assert_true(i < len);
				assert_int_equal(path[i], y);
			}
			assert_int_equal(i, len);
		}
		/* outside the tree */
		assert_int_equal(pouch_mls_tm_parent(w, n), NONE);
		assert_int_equal(pouch_mls_tm_sibling(w, n), NONE);
		assert_int_equal(pouch_mls_tm_direct_path(w, n, path, &len),
		    -1);
		assert_int_equal(len, 0);
	}
	free(m);
}

/* The semantic common ancestor: lowest node of both paths (x, y incl.) */
static uint32_t
common_semantic(uint32_t x, uint32_t y, uint32_t n)
{
	uint32_t px[POUCH_MLS_PATH_MAX + 1], py[POUCH_MLS_PATH_MAX + 1];
	uint32_t best = NONE;
	size_t lx, ly, i, j;

	px[0] = x;
	py[0] = y;
	assert_int_equal(pouch_mls_tm_direct_path(x, n, px + 1, &lx), 0);
	assert_int_equal(pouch_mls_tm_direct_path(y, n, py + 1, &ly), 0);
	for (i = 0; i <= lx; i++)
		for (j = 0; j <= ly; j++)
			if (px[i] == py[j] && (best == NONE ||
			    pouch_mls_tm_level(px[i]) <
			    pouch_mls_tm_level(best)))
				best = px[i];
	return best;
}

static void
common_ancestor_matches_semantic(void **state)
{
	uint32_t n = 64, w = pouch_mls_tm_node_width(64), x, y;

	(void)state;
	for (x = 0; x < w; x++)
		for (y = 0; y < w; y++)
			assert_int_equal(pouch_mls_tm_common_ancestor(x, y),
			    common_semantic(x, y, n));
}

/* Invariants at node x of a tree of n leaves. */
static void
check_node(uint32_t x, uint32_t n)
{
	uint32_t r = pouch_mls_tm_root(n), k = pouch_mls_tm_level(x);
	uint32_t p, l, rt, path[POUCH_MLS_PATH_MAX], co[POUCH_MLS_PATH_MAX];
	size_t len, colen, i;

	assert_true(pouch_mls_tm_in_subtree(x, r));
	if (k > 0) {
		l = pouch_mls_tm_left(x);
		rt = pouch_mls_tm_right(x);
		assert_true(l < x && x < rt);
		assert_int_equal(pouch_mls_tm_level(l), k - 1);
		assert_int_equal(pouch_mls_tm_level(rt), k - 1);
		assert_int_equal(pouch_mls_tm_parent(l, n), x);
		assert_int_equal(pouch_mls_tm_parent(rt, n), x);
		assert_int_equal(pouch_mls_tm_sibling(l, n), rt);
		assert_int_equal(pouch_mls_tm_sibling(rt, n), l);
		assert_int_equal(pouch_mls_tm_common_ancestor(l, rt), x);
	} else {
		assert_int_equal(pouch_mls_tm_left(x), NONE);
		assert_int_equal(pouch_mls_tm_right(x), NONE);
	}
	if (x == r) {
		assert_int_equal(pouch_mls_tm_parent(x, n), NONE);
		assert_int_equal(pouch_mls_tm_sibling(x, n), NONE);
	} else {
		p = pouch_mls_tm_parent(x, n);
		assert_int_equal(pouch_mls_tm_level(p), k + 1);
		assert_true(pouch_mls_tm_left(p) == x ||
		    pouch_mls_tm_right(p) == x);
		assert_int_equal(pouch_mls_tm_sibling(
		    pouch_mls_tm_sibling(x, n), n), x);
	}
	assert_int_equal(pouch_mls_tm_direct_path(x, n, path, &len), 0);
	assert_int_equal(pouch_mls_tm_copath(x, n, co, &colen), 0);
	assert_int_equal(len, pouch_mls_tm_level(r) - k);
	assert_int_equal(colen, len);
	for (i = 0; i < len; i++) {
		assert_int_equal(path[i],
		    pouch_mls_tm_parent(i == 0 ? x : path[i - 1], n));
		assert_int_equal(co[i],
		    pouch_mls_tm_sibling(i == 0 ? x : path[i - 1], n));
		assert_true(pouch_mls_tm_in_subtree(x, path[i]));
	}
	if (len > 0)
		assert_int_equal(path[len - 1], r);
}

static void
tree_math_random_sizes_to_2p31(void **state)
{
	uint64_t seed = 0x5eed1234abcdULL;
	uint32_t d, n, w, x, y, a;
	int i;

	(void)state;
	for (d = 0; d <= 31; d++) {
		n = 1U << d;
		w = pouch_mls_tm_node_width(n);
		assert_int_equal(w, (uint32_t)((UINT64_C(2) << d) - 1));
		assert_int_equal(pouch_mls_tm_root(n), (1U << d) - 1);
		for (i = 0; i < 2000; i++) {
			x = (uint32_t)(xs_next(&seed) % w);
			y = (uint32_t)(xs_next(&seed) % w);
			check_node(x, n);
			a = pouch_mls_tm_common_ancestor(x, y);
			assert_true(pouch_mls_tm_in_subtree(x, a));
			assert_true(pouch_mls_tm_in_subtree(y, a));
			/* lowest: no child of a holds both */
			if (pouch_mls_tm_level(a) > 0 && x != a && y != a) {
				assert_false(pouch_mls_tm_in_subtree(x,
				    pouch_mls_tm_left(a)) &&
				    pouch_mls_tm_in_subtree(y,
				    pouch_mls_tm_left(a)));
				assert_false(pouch_mls_tm_in_subtree(x,
				    pouch_mls_tm_right(a)) &&
				    pouch_mls_tm_in_subtree(y,
				    pouch_mls_tm_right(a)));
			}
		}
	}
}

static void
tree_math_largest_tree_edges(void **state)
{
	uint32_t n = POUCH_MLS_LEAVES_MAX, last = UINT32_MAX - 1;
	uint32_t path[POUCH_MLS_PATH_MAX];
	size_t len;

	(void)state;
	assert_int_equal(pouch_mls_tm_node_width(n), UINT32_MAX);
	assert_int_equal(pouch_mls_tm_root(n), 0x7fffffffU);
	assert_int_equal(pouch_mls_tm_leaf_node(n - 1), last);
	assert_int_equal(pouch_mls_tm_leaf_node(n), NONE);
	check_node(0, n);
	check_node(last, n);
	check_node(0x7fffffffU, n);
	assert_int_equal(pouch_mls_tm_right(0x7fffffffU), 0xbfffffffU);
	assert_int_equal(pouch_mls_tm_left(0x7fffffffU), 0x3fffffffU);
	assert_int_equal(pouch_mls_tm_parent(last, n), UINT32_MAX - 2);
	assert_int_equal(pouch_mls_tm_sibling(last, n), UINT32_MAX - 3);
	assert_int_equal(pouch_mls_tm_direct_path(last, n, path, &len), 0);
	assert_int_equal(len, 31);
	assert_int_equal(path[30], 0x7fffffffU);
	assert_int_equal(pouch_mls_tm_common_ancestor(0, last), 0x7fffffffU);
	/* 2^32 - 1 is never a node */
	assert_int_equal(pouch_mls_tm_level(UINT32_MAX), 32);
	assert_int_equal(pouch_mls_tm_left(UINT32_MAX), NONE);
	assert_int_equal(pouch_mls_tm_right(UINT32_MAX), NONE);
	assert_int_equal(pouch_mls_tm_parent(UINT32_MAX, n), NONE);
	assert_int_equal(pouch_mls_tm_sibling(UINT32_MAX, n), NONE);
	assert_int_equal(pouch_mls_tm_common_ancestor(UINT32_MAX, 0), NONE);
	assert_int_equal(pouch_mls_tm_direct_path(UINT32_MAX, n, path, &len),
	    -1);
}

static void
tree_math_bad_sizes(void **state)
{
	uint32_t path[POUCH_MLS_PATH_MAX];
	size_t len = 7;

	(void)state;
	assert_int_equal(pouch_mls_tm_node_width(0), 0);
	assert_int_equal(pouch_mls_tm_root(0), NONE);
	assert_int_equal(pouch_mls_tm_node_width(POUCH_MLS_LEAVES_MAX + 1), 0);
	assert_int_equal(pouch_mls_tm_root(POUCH_MLS_LEAVES_MAX + 1), NONE);
	assert_int_equal(pouch_mls_tm_parent(0, 0), NONE);
	assert_int_equal(pouch_mls_tm_direct_path(0, 0, path, &len), -1);
	assert_int_equal(len, 0);
	/* one leaf: the leaf is the root, with empty paths */
	assert_int_equal(pouch_mls_tm_root(1), 0);
	assert_int_equal(pouch_mls_tm_direct_path(0, 1, path, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(pouch_mls_tm_copath(0, 1, path, &len), 0);
	assert_int_equal(len, 0);
	/* a non-power-of-two size lives in its enclosing full tree (App. C) */
	assert_int_equal(pouch_mls_tm_root(3), 3);
	assert_int_equal(pouch_mls_tm_root(5), 7);
	assert_int_equal(pouch_mls_tm_parent(4, 3), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tree_math_matches_model),
		cmocka_unit_test(common_ancestor_matches_semantic),
		cmocka_unit_test(tree_math_random_sizes_to_2p31),
		cmocka_unit_test(tree_math_largest_tree_edges),
		cmocka_unit_test(tree_math_bad_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
