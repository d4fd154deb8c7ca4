/*
 * test_tree_hash.c - src/mls/tree_hash.c: tree hashes (RFC 9420 7.8) and
 * parent hashes (7.9, 7.9.2).
 *
 * Behaviours: leaf and parent tree hashes equal a TreeHashInput built
 * here by hand; the root hash changes when any leaf or parent changes;
 * after random changes the cached hashes of every node equal those of a
 * fresh tree decoded from the encoding; dropping the cache gives the same
 * values; a committer's parent-hash chain verifies, still verifies after
 * an Add puts an unmerged leaf on it (the original sibling tree hash
 * blanks it), and stops verifying when a parent key changes; trees of
 * 2^14 leaves hash without recursion; misuse is refused.
 */
#include "tree_fixture.h"

static struct pouch_crypto *C;

static int
setup(void **state)
{
	(void)state;
	return pouch_crypto_new(&C) == POUCH_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	pouch_crypto_free(C);
	return 0;
}

static void
hash_of(const struct pouch_wr *w, uint8_t *out)
{
	assert_int_equal(pouch_hash(C, fx_suite()->hash, w->buf, w->len, out),
	    POUCH_OK);
}

static void
hashes_by_hand(void **state)
{
	static const int used[2] = { 1, 0 };
	struct fx_leaf l[2];
	struct fx_parent p;
	struct pouch_mls_tree *t;
	struct pouch_wr w;
	uint8_t h0[32], h2[32], h1[32], got[32];

	(void)state;
	t = fx_tree(C, 2, used, l);
	/* LeafNodeHashInput of leaf 0 (present) and leaf 1 (blank) */
	pouch_wr_init(&w, 1 << 16);
	pouch_wr_u8(&w, 1);
	pouch_wr_u32(&w, 0);
	pouch_wr_u8(&w, 1);
	pouch_mls_leaf_node_encode(&w, &l[0].ln);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	hash_of(&w, h0);
	pouch_wr_free(&w);
	pouch_wr_init(&w, 1 << 16);
	pouch_wr_u8(&w, 1);
	pouch_wr_u32(&w, 1);
	pouch_wr_u8(&w, 0);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	hash_of(&w, h2);
	pouch_wr_free(&w);
	/* ParentNodeHashInput of a blank parent */
	pouch_wr_init(&w, 1 << 16);
	pouch_wr_u8(&w, 2);
	pouch_wr_u8(&w, 0);
	pouch_wr_opaque(&w, h0, 32);
	pouch_wr_opaque(&w, h2, 32);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	hash_of(&w, h1);
	pouch_wr_free(&w);
	assert_int_equal(pouch_mls_tree_hash(C, t, 0, got), POUCH_OK);
	assert_memory_equal(got, h0, 32);
	assert_int_equal(pouch_mls_tree_hash(C, t, 2, got), POUCH_OK);
	assert_memory_equal(got, h2, 32);
	assert_int_equal(pouch_mls_tree_root_hash(C, t, got), POUCH_OK);
	assert_memory_equal(got, h1, 32);
	/* and of a present parent: key, empty parent_hash, no unmerged */
	fx_parent_init(&p, NULL, 0);
	assert_int_equal(pouch_mls_tree_set_parent(t, 1, &p.pn), POUCH_OK);
	pouch_wr_init(&w, 1 << 16);
	pouch_wr_u8(&w, 2);
	pouch_wr_u8(&w, 1);
	pouch_wr_opaque(&w, p.enc_pub, 32);
	pouch_wr_opaque(&w, NULL, 0);
	pouch_wr_varint(&w, 0);
	pouch_wr_opaque(&w, h0, 32);
	pouch_wr_opaque(&w, h2, 32);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	hash_of(&w, h1);
	pouch_wr_free(&w);
	assert_int_equal(pouch_mls_tree_root_hash(C, t, got), POUCH_OK);
	assert_memory_equal(got, h1, 32);
	pouch_mls_tree_free(t);
}

static void
root_hash_changes_with_any_node(void **state)
{
	struct fx_leaf l[8], n;
	struct fx_parent p;
	struct pouch_mls_tree *t, *d;
	uint8_t h0[32], h1[32];
	uint32_t i;

	(void)state;
	t = fx_tree(C, 8, NULL, l);
	assert_int_equal(pouch_mls_tree_root_hash(C, t, h0), POUCH_OK);
	for (i = 0; i < 8; i++) {
		/* a new leaf node */
		assert_int_equal(pouch_mls_tree_clone(t, &d), POUCH_OK);
		fx_leaf_init(C, &n, POUCH_MLS_LEAF_KEY_PACKAGE, i);
		assert_int_equal(pouch_mls_tree_set_leaf(d, i, &n.ln),
		    POUCH_OK);
		assert_int_equal(pouch_mls_tree_root_hash(C, d, h1), POUCH_OK);
		assert_memory_not_equal(h0, h1, 32);
		/* the same leaf with one signature bit flipped */
		memcpy(&n, &l[i], sizeof(n));
		n.sig[0] ^= 1;
		n.ln.signature.p = n.sig;
		assert_int_equal(pouch_mls_tree_set_leaf(d, i, &n.ln),
		    POUCH_OK);
		assert_int_equal(pouch_mls_tree_root_hash(C, d, h1), POUCH_OK);
		assert_memory_not_equal(h0, h1, 32);
		/* back to the original: the original hash again */
		assert_int_equal(pouch_mls_tree_set_leaf(d, i, &l[i].ln),
		    POUCH_OK);
		assert_int_equal(pouch_mls_tree_root_hash(C, d, h1), POUCH_OK);
		assert_memory_equal(h0, h1, 32);
		/* blanked */
		assert_int_equal(pouch_mls_tree_set_leaf(d, i, NULL),
		    POUCH_OK);
		assert_int_equal(pouch_mls_tree_root_hash(C, d, h1), POUCH_OK);
		assert_memory_not_equal(h0, h1, 32);
		pouch_mls_tree_free(d);
	}
	for (i = 1; i < 15; i += 2) {
		assert_int_equal(pouch_mls_tree_clone(t, &d), POUCH_OK);
		fx_parent_init(&p, NULL, 0);
		assert_int_equal(pouch_mls_tree_set_parent(d, i, &p.pn),
		    POUCH_OK);
		assert_int_equal(pouch_mls_tree_root_hash(C, d, h1), POUCH_OK);
		assert_memory_not_equal(h0, h1, 32);
		pouch_mls_tree_free(d);
	}
	assert_int_equal(pouch_mls_tree_root_hash(C, t, h1), POUCH_OK);
	assert_memory_equal(h0, h1, 32);
	pouch_mls_tree_free(t);
}

/* Every node hash of t equals that of a fresh tree from its encoding. */
static void
assert_cache_fresh(struct pouch_mls_tree *t)
{
	struct pouch_mls_tree *u;
	uint8_t *enc, a[32], b[32];
	size_t len;
	uint32_t x;

	enc = fx_encode(t, &len);
	assert_int_equal(pouch_mls_tree_from_bytes(fx_suite(), NULL, enc, len,
	    &u), POUCH_OK);
	assert_int_equal(pouch_mls_tree_width(u), pouch_mls_tree_width(t));
	for (x = 0; x < pouch_mls_tree_width(t); x++) {
		assert_int_equal(pouch_mls_tree_hash(C, t, x, a), POUCH_OK);
		assert_int_equal(pouch_mls_tree_hash(C, u, x, b), POUCH_OK);
		assert_memory_equal(a, b, 32);
	}
	pouch_wr_buf_free(enc, len);
	pouch_mls_tree_free(u);
}

static void
cache_matches_fresh_tree(void **state)
{
	struct fx_leaf pool[4], *f;
	struct fx_parent p;
	struct pouch_mls_tree *t;
	uint8_t rnd[2], h[32];
	uint32_t leaf, n;
	int step;

	(void)state;
	for (n = 0; n < 4; n++)
		fx_leaf_init(C, &pool[n], POUCH_MLS_LEAF_KEY_PACKAGE, 0);
	assert_int_equal(pouch_mls_tree_new(fx_suite(), &t), POUCH_OK);
	assert_int_equal(pouch_mls_tree_add_leaf(t, &pool[0].ln, &leaf),
	    POUCH_OK);
	for (step = 0; step < 300; step++) {
		fx_random(rnd, sizeof(rnd));
		n = pouch_mls_tree_leaves(t);
		f = &pool[rnd[1] % 4];
		/* hash now and then, so the cache is partly valid */
		if (rnd[1] & 0x80)
			assert_int_equal(pouch_mls_tree_root_hash(C, t, h),
			    POUCH_OK);
		switch (rnd[0] % 5) {
		case 0:
		case 1:
			assert_int_equal(pouch_mls_tree_add_leaf(t, &f->ln,
			    &leaf), POUCH_OK);
			break;
		case 2:
			leaf = rnd[1] % n;
			if (pouch_mls_tree_leaf(t, leaf) != NULL && leaf != 0)
				assert_int_equal(pouch_mls_tree_remove_leaf(t,
				    leaf), POUCH_OK);
			break;
		case 3:
			leaf = rnd[1] % n;
			if (pouch_mls_tree_leaf(t, leaf) != NULL)
				assert_int_equal(pouch_mls_tree_update_leaf(t,
				    leaf, &f->ln), POUCH_OK);
			break;
		default:
			if (n < 2)
				break;
			fx_parent_init(&p, NULL, 0);
			assert_int_equal(pouch_mls_tree_set_parent(t,
			    (2 * (rnd[1] % (n - 1))) + 1, &p.pn), POUCH_OK);
			break;
		}
		if (step % 10 == 0)
			assert_cache_fresh(t);
	}
	assert_cache_fresh(t);
	pouch_mls_tree_free(t);
}

static void
parent_hash_chain(void **state)
{
	static const int used[4] = { 1, 1, 1, 0 };
	struct fx_leaf l[4], c0, c2, n3;
	struct fx_parent ps[POUCH_MLS_PATH_MAX], bad;
	struct pouch_mls_tree *t, *d;
	uint8_t ph[32], ph2[32];
	uint32_t leaf;

	(void)state;
	t = fx_tree(C, 4, used, l);
	/* no parents at all: nothing to verify */
	assert_int_equal(pouch_mls_tree_verify_parent_hashes(C, t), POUCH_OK);
	/* leaf 0 commits: nodes 1 and 3 are set */
	fx_commit(C, t, 0, &c0, ps);
	assert_non_null(pouch_mls_tree_node(t, 1));
	assert_non_null(pouch_mls_tree_node(t, 3));
	assert_int_equal(pouch_mls_tree_parent(t, 3)->parent_hash.n, 0);
	assert_int_equal(pouch_mls_tree_parent(t, 1)->parent_hash.n, 32);
	/* the leaf carries the parent hash of node 1 with copath child 2 */
	assert_int_equal(pouch_mls_tree_parent_hash(C, t, 1, 2, ph), POUCH_OK);
	assert_memory_equal(ph, c0.parent_hash, 32);
	assert_int_equal(pouch_mls_tree_parent_hash(C, t, 3, 5, ph), POUCH_OK);
	assert_memory_equal(ph, pouch_mls_tree_parent(t, 1)->parent_hash.p,
	    32);
	assert_int_equal(pouch_mls_tree_verify_parent_hashes(C, t), POUCH_OK);
	/* an Add puts leaf 3 into the root's unmerged_leaves: RFC 9420 7.9
	 * blanks it for the original sibling tree hash, so nothing breaks */
	fx_leaf_init(C, &n3, POUCH_MLS_LEAF_KEY_PACKAGE, 3);
	assert_int_equal(pouch_mls_tree_add_leaf(t, &n3.ln, &leaf), POUCH_OK);
	assert_int_equal(leaf, 3);
	assert_int_equal(pouch_mls_tree_parent(t, 3)->nunmerged, 1);
	assert_int_equal(pouch_mls_tree_parent_hash(C, t, 3, 5, ph2),
	    POUCH_OK);
	assert_memory_equal(ph, ph2, 32);
	assert_int_equal(pouch_mls_tree_verify_parent_hashes(C, t), POUCH_OK);
	/* a parent whose key changed no longer verifies */
	assert_int_equal(pouch_mls_tree_clone(t, &d), POUCH_OK);
	fx_parent_init(&bad, NULL, 0);
	memcpy(bad.parent_hash, pouch_mls_tree_parent(d, 1)->parent_hash.p,
	    32);
	bad.pn.parent_hash.n = 32;
	assert_int_equal(pouch_mls_tree_set_parent(d, 1, &bad.pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_verify_parent_hashes(C, d),
	    POUCH_E_BAD_PARENT_HASH);
	pouch_mls_tree_free(d);
	/* leaf 2 commits: 5 and 3 are reset; node 1 is still valid through
	 * leaf 0, whose chain ends below the new root */
	fx_commit(C, t, 2, &c2, ps);
	assert_int_equal(pouch_mls_tree_parent(t, 3)->nunmerged, 0);
	assert_int_equal(pouch_mls_tree_verify_parent_hashes(C, t), POUCH_OK);
	/* and the new root is linked from node 5 */
	assert_int_equal(pouch_mls_tree_parent_hash(C, t, 3, 1, ph2),
	    POUCH_OK);
	assert_memory_equal(ph2, pouch_mls_tree_parent(t, 5)->parent_hash.p,
	    32);
	pouch_mls_tree_free(t);
}

static void
large_tree_iterative(void **state)
{
	struct fx_leaf f;
	struct pouch_mls_tree *t;
	uint8_t h0[32], h1[32];
	uint32_t i, n = 1U << 14;

	(void)state;
	fx_leaf_init(C, &f, POUCH_MLS_LEAF_KEY_PACKAGE, 0);
	assert_int_equal(pouch_mls_tree_new(fx_suite(), &t), POUCH_OK);
	while (pouch_mls_tree_leaves(t) < n)
		assert_int_equal(pouch_mls_tree_extend(t), POUCH_OK);
	for (i = 0; i < n; i++) {
		memcpy(f.enc_pub, &i, sizeof(i));
		assert_int_equal(pouch_mls_tree_set_leaf(t, i, &f.ln),
		    POUCH_OK);
	}
	assert_int_equal(pouch_mls_tree_root_hash(C, t, h0), POUCH_OK);
	pouch_mls_tree_hash_drop(t);
	assert_int_equal(pouch_mls_tree_root_hash(C, t, h1), POUCH_OK);
	assert_memory_equal(h0, h1, 32);
	assert_int_equal(pouch_mls_tree_set_leaf(t, n - 1, NULL), POUCH_OK);
	assert_int_equal(pouch_mls_tree_root_hash(C, t, h1), POUCH_OK);
	assert_memory_not_equal(h0, h1, 32);
	pouch_mls_tree_free(t);
}

static void
hash_misuse(void **state)
{
	static const int used[2] = { 1, 1 };
	struct fx_leaf l[2];
	struct pouch_mls_tree *t;
	uint8_t h[32];
	size_t n = 9;

	(void)state;
	assert_int_equal(pouch_mls_tree_new(fx_suite(), &t), POUCH_OK);
	assert_int_equal(pouch_mls_tree_root_hash(C, t, h), POUCH_E_MISUSE);
	pouch_mls_tree_free(t);
	t = fx_tree(C, 2, used, l);
	assert_int_equal(pouch_mls_tree_hash(C, t, 3, h), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_tree_hash(NULL, t, 0, h), POUCH_E_MISUSE);
	/* node 1 is blank; 0 is not a child of 2 */
	assert_int_equal(pouch_mls_tree_parent_hash(C, t, 1, 2, h),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_tree_set_path_parent_hashes(C, t, 2, h,
	    &n), POUCH_E_MISUSE);
	assert_int_equal(n, 0);
	/* an empty filtered direct path gives an empty parent hash */
	assert_int_equal(pouch_mls_tree_set_leaf(t, 1, NULL), POUCH_OK);
	n = 9;
	assert_int_equal(pouch_mls_tree_set_path_parent_hashes(C, t, 0, h,
	    &n), POUCH_OK);
	assert_int_equal(n, 0);
	pouch_mls_tree_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hashes_by_hand),
		cmocka_unit_test(root_hash_changes_with_any_node),
		cmocka_unit_test(cache_matches_fresh_tree),
		cmocka_unit_test(parent_hash_chain),
		cmocka_unit_test(large_tree_iterative),
		cmocka_unit_test(hash_misuse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
