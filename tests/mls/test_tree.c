/*
 * test_tree.c - src/mls/tree.c: the ratchet tree's shape and nodes
 * (RFC 9420 4.1, 7.7, 12.1, 12.4.3.3).
 *
 * The source is included with malloc, calloc and realloc wrapped so that
 * the n-th allocation can fail.  Behaviours: malformed ratchet_tree
 * vectors refused (empty, trailing blank, node kind at the wrong parity);
 * resolution with unmerged leaves (the tree of RFC 9420 Figure 10);
 * resolution into a short buffer; the filtered direct paths of Figure 11;
 * Add into the leftmost blank leaf with unmerged_leaves appended, and
 * extension when the tree is full; Update blanks the direct path; Remove
 * blanks and truncates (and refuses a blank leaf); encoding drops
 * trailing blanks and round-trips; a clone can be changed without
 * touching the original; every allocation failure of every change leaves
 * the tree byte-identical; misuse is refused.
 */
#include <stdalign.h>
#include <stdatomic.h>

#include <openssl/crypto.h>

#include "tree_fixture.h"

/* ---- allocation failure injection ------------------------------------ */

static unsigned long n_alloc, fail_at;

static int
alloc_fails(void)
{
	return fail_at != 0 && ++n_alloc >= fail_at;
}

static void *
t_malloc(size_t n)
{
	return alloc_fails() ? NULL : malloc(n);
}

static void *
t_calloc(size_t n, size_t m)
{
	return alloc_fails() ? NULL : calloc(n, m);
}

static void *
t_realloc(void *p, size_t n)
{
	return alloc_fails() ? NULL : realloc(p, n);
}

#define malloc	t_malloc
#define calloc	t_calloc
#define realloc	t_realloc
#include "mls/tree.c"
#undef malloc
#undef calloc
#undef realloc

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
assert_res(const struct pouch_mls_tree *t, uint32_t x, const uint32_t *want,
    size_t nwant)
{
	uint32_t got[64];
	size_t n, i;

	assert_int_equal(pouch_mls_tree_resolution(t, x, got, 64, &n),
	    POUCH_OK);
	assert_int_equal(n, nwant);
	for (i = 0; i < n; i++)
		assert_int_equal(got[i], want[i]);
}

/* ---- building ---------------------------------------------------------- */

static void
build_rejects_bad_shapes(void **state)
{
	struct fx_leaf a;
	struct fx_parent p;
	struct pouch_mls_node ln, pn, *v[4];
	struct pouch_mls_ratchet_tree rt;
	struct pouch_mls_tree *t = (void *)1;

	(void)state;
	fx_leaf_init(C, &a, POUCH_MLS_LEAF_KEY_PACKAGE, 0);
	fx_parent_init(&p, NULL, 0);
	memset(&ln, 0, sizeof(ln));
	ln.type = POUCH_MLS_NODE_LEAF;
	ln.u.leaf = a.ln;
	memset(&pn, 0, sizeof(pn));
	pn.type = POUCH_MLS_NODE_PARENT;
	pn.u.parent = p.pn;
	rt.nodes = v;
	rt.n = 0;
	assert_int_equal(pouch_mls_tree_from_ratchet_tree(fx_suite(), &rt,
	    &t), POUCH_E_BAD_TREE);
	assert_null(t);
	/* RFC 9420 12.4.3.3: the last node must not be blank */
	v[0] = &ln;
	v[1] = NULL;
	rt.n = 2;
	assert_int_equal(pouch_mls_tree_from_ratchet_tree(fx_suite(), &rt,
	    &t), POUCH_E_BAD_TREE);
	/* a leaf at an odd index, a parent at an even one */
	v[1] = &ln;
	assert_int_equal(pouch_mls_tree_from_ratchet_tree(fx_suite(), &rt,
	    &t), POUCH_E_BAD_TREE);
	v[0] = &pn;
	rt.n = 1;
	assert_int_equal(pouch_mls_tree_from_ratchet_tree(fx_suite(), &rt,
	    &t), POUCH_E_BAD_TREE);
	/* three nodes: leaf, parent, leaf; five extend to seven */
	v[0] = &ln;
	v[1] = &pn;
	v[2] = &ln;
	rt.n = 3;
	assert_int_equal(pouch_mls_tree_from_ratchet_tree(fx_suite(), &rt,
	    &t), POUCH_OK);
	assert_int_equal(pouch_mls_tree_leaves(t), 2);
	assert_int_equal(pouch_mls_tree_width(t), 3);
	assert_non_null(pouch_mls_tree_parent(t, 1));
	assert_null(pouch_mls_tree_parent(t, 0));
	assert_non_null(pouch_mls_tree_leaf(t, 1));
	assert_null(pouch_mls_tree_leaf(t, 2));
	pouch_mls_tree_free(t);
	v[3] = &pn;
	rt.n = 4;
	assert_int_equal(pouch_mls_tree_from_ratchet_tree(fx_suite(), &rt,
	    &t), POUCH_OK);
	assert_int_equal(pouch_mls_tree_leaves(t), 4);
	pouch_mls_tree_free(t);
}

/* The deep copy outlives the decoded message it came from. */
static void
tree_outlives_its_message(void **state)
{
	struct fx_leaf l[2];
	struct pouch_mls_tree *t, *u;
	uint8_t *enc, *enc2;
	size_t len, len2;

	(void)state;
	t = fx_tree(C, 2, NULL, l);
	enc = fx_encode(t, &len);
	assert_int_equal(pouch_mls_tree_from_bytes(fx_suite(), NULL, enc, len,
	    &u), POUCH_OK);
	OPENSSL_cleanse(enc, len);		/* the message is gone */
	pouch_wr_buf_free(enc, len);
	enc = fx_encode(t, &len);
	enc2 = fx_encode(u, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(enc, enc2, len);
	pouch_wr_buf_free(enc, len);
	pouch_wr_buf_free(enc2, len2);
	pouch_mls_tree_free(t);
	pouch_mls_tree_free(u);
}

/* ---- resolution and paths --------------------------------------------- */

/*
 * RFC 9420 Figure 10: X (node 3) with unmerged leaf B, Y (node 9), leaves
 * A B _ D E F _ H.
 */
static void
resolution_with_unmerged_leaves(void **state)
{
	static const int used[8] = { 1, 1, 0, 1, 1, 1, 0, 1 };
	static const uint32_t b[] = { 1 }, root[] = { 3, 2, 9, 14 },
	    x[] = { 3, 2 }, y[] = { 9 }, five[] = { 6 }, eleven[] = { 9, 14 };
	struct fx_leaf l[8];
	struct fx_parent px, py;
	struct pouch_mls_tree *t;

	(void)state;
	t = fx_tree(C, 8, used, l);
	fx_parent_init(&px, b, 1);
	fx_parent_init(&py, NULL, 0);
	assert_int_equal(pouch_mls_tree_set_parent(t, 3, &px.pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_set_parent(t, 9, &py.pn), POUCH_OK);
	assert_res(t, 7, root, 4);
	assert_res(t, 3, x, 2);
	assert_res(t, 4, NULL, 0);		/* blank leaf 2 */
	assert_res(t, 12, NULL, 0);		/* blank leaf 6 */
	assert_res(t, 9, y, 1);
	assert_res(t, 5, five, 1);
	assert_res(t, 11, eleven, 2);
	pouch_mls_tree_free(t);
}

static void
resolution_short_buffer(void **state)
{
	static const int used[4] = { 1, 1, 1, 1 };
	struct fx_leaf l[4];
	struct pouch_mls_tree *t;
	uint32_t out[4];
	size_t n;

	(void)state;
	t = fx_tree(C, 4, used, l);
	assert_int_equal(pouch_mls_tree_resolution(t, 3, out, 3, &n),
	    POUCH_E_BUFFER_TOO_SMALL);
	assert_int_equal(n, 4);
	assert_int_equal(pouch_mls_tree_resolution(t, 3, NULL, 0, &n),
	    POUCH_E_BUFFER_TOO_SMALL);
	assert_int_equal(n, 4);
	assert_int_equal(pouch_mls_tree_resolution(t, 7, out, 4, &n),
	    POUCH_E_MISUSE);
	assert_int_equal(n, 0);
	pouch_mls_tree_free(t);
}

/* RFC 9420 Figure 11 and Table 2. */
static void
filtered_direct_path_figure_11(void **state)
{
	static const int used[8] = { 1, 1, 0, 0, 1, 1, 1, 0 };
	static const uint32_t wa[] = { 1, 7 }, we[] = { 9, 11, 7 },
	    wg[] = { 11, 7 };
	struct fx_leaf l[8];
	struct fx_parent pt, pw, px, py;
	struct pouch_mls_tree *t;
	uint32_t path[POUCH_MLS_PATH_MAX];
	size_t n;

	(void)state;
	t = fx_tree(C, 8, used, l);
	fx_parent_init(&pt, NULL, 0);
	fx_parent_init(&pw, NULL, 0);
	fx_parent_init(&px, NULL, 0);
	fx_parent_init(&py, NULL, 0);
	assert_int_equal(pouch_mls_tree_set_parent(t, 1, &pt.pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_set_parent(t, 7, &pw.pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_set_parent(t, 9, &px.pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_set_parent(t, 11, &py.pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_filtered_direct_path(t, 0, path, &n),
	    POUCH_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(path, wa, sizeof(wa));
	assert_int_equal(pouch_mls_tree_filtered_direct_path(t, 1, path, &n),
	    POUCH_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(path, wa, sizeof(wa));
	assert_int_equal(pouch_mls_tree_filtered_direct_path(t, 4, path, &n),
	    POUCH_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(path, we, sizeof(we));
	assert_int_equal(pouch_mls_tree_filtered_direct_path(t, 6, path, &n),
	    POUCH_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(path, wg, sizeof(wg));
	assert_int_equal(pouch_mls_tree_filtered_direct_path(t, 8, path, &n),
	    POUCH_E_MISUSE);
	pouch_mls_tree_free(t);
}

/* ---- changes ----------------------------------------------------------- */

static void
add_leftmost_blank_then_extend(void **state)
{
	static const int used[4] = { 1, 0, 1, 1 };
	static const uint32_t one[] = { 1 };
	struct fx_leaf l[4], n1, n2, n3;
	struct fx_parent p1, p3, p5;
	struct pouch_mls_tree *t;
	const struct pouch_mls_parent_node *pn;
	uint32_t leaf;

	(void)state;
	t = fx_tree(C, 4, used, l);
	fx_parent_init(&p1, NULL, 0);
	fx_parent_init(&p3, NULL, 0);
	fx_parent_init(&p5, NULL, 0);
	assert_int_equal(pouch_mls_tree_set_parent(t, 1, &p1.pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_set_parent(t, 3, &p3.pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_set_parent(t, 5, &p5.pn), POUCH_OK);
	/* RFC 9420 12.1.1: leaf 1, unmerged at nodes 1 and 3, not 5 */
	fx_leaf_init(C, &n1, POUCH_MLS_LEAF_KEY_PACKAGE, 0);
	assert_int_equal(pouch_mls_tree_add_leaf(t, &n1.ln, &leaf), POUCH_OK);
	assert_int_equal(leaf, 1);
	assert_non_null(pn = pouch_mls_tree_parent(t, 1));
	assert_int_equal(pn->nunmerged, 1);
	assert_int_equal(pn->unmerged_leaves[0], 1);
	assert_non_null(pn = pouch_mls_tree_parent(t, 3));
	assert_int_equal(pn->nunmerged, 1);
	assert_memory_equal(pn->unmerged_leaves, one, sizeof(one));
	assert_int_equal(pouch_mls_tree_parent(t, 5)->nunmerged, 0);
	assert_int_equal(pouch_mls_tree_check_unmerged(t), POUCH_OK);
	/* 7.7: full, so the tree doubles and leaf 4 is used */
	fx_leaf_init(C, &n2, POUCH_MLS_LEAF_KEY_PACKAGE, 0);
	assert_int_equal(pouch_mls_tree_add_leaf(t, &n2.ln, &leaf), POUCH_OK);
	assert_int_equal(leaf, 4);
	assert_int_equal(pouch_mls_tree_leaves(t), 8);
	assert_null(pouch_mls_tree_node(t, 7));	/* new blank root */
	assert_int_equal(pouch_mls_tree_parent(t, 3)->nunmerged, 1);
	fx_leaf_init(C, &n3, POUCH_MLS_LEAF_KEY_PACKAGE, 0);
	assert_int_equal(pouch_mls_tree_add_leaf(t, &n3.ln, &leaf), POUCH_OK);
	assert_int_equal(leaf, 5);
	pouch_mls_tree_free(t);
	/* the first Add of an empty tree */
	assert_int_equal(pouch_mls_tree_new(fx_suite(), &t), POUCH_OK);
	assert_int_equal(pouch_mls_tree_width(t), 0);
	assert_int_equal(pouch_mls_tree_add_leaf(t, &n1.ln, &leaf), POUCH_OK);
	assert_int_equal(leaf, 0);
	assert_int_equal(pouch_mls_tree_leaves(t), 1);
	assert_int_equal(pouch_mls_tree_add_leaf(t, &n2.ln, &leaf), POUCH_OK);
	assert_int_equal(leaf, 1);
	assert_int_equal(pouch_mls_tree_leaves(t), 2);
	pouch_mls_tree_free(t);
}

static void
update_blanks_direct_path(void **state)
{
	static const int used[4] = { 1, 1, 1, 1 };
	struct fx_leaf l[4], u;
	struct fx_parent p1, p3, p5;
	struct pouch_mls_tree *t;

	(void)state;
	t = fx_tree(C, 4, used, l);
	fx_parent_init(&p1, NULL, 0);
	fx_parent_init(&p3, NULL, 0);
	fx_parent_init(&p5, NULL, 0);
	assert_int_equal(pouch_mls_tree_set_parent(t, 1, &p1.pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_set_parent(t, 3, &p3.pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_set_parent(t, 5, &p5.pn), POUCH_OK);
	fx_leaf_init(C, &u, POUCH_MLS_LEAF_UPDATE, 2);
	assert_int_equal(pouch_mls_tree_update_leaf(t, 2, &u.ln), POUCH_OK);
	assert_null(pouch_mls_tree_node(t, 5));
	assert_null(pouch_mls_tree_node(t, 3));
	assert_non_null(pouch_mls_tree_node(t, 1));
	assert_memory_equal(pouch_mls_tree_leaf(t, 2)->encryption_key.p,
	    u.enc_pub, 32);
	/* an update of a blank leaf is refused */
	assert_int_equal(pouch_mls_tree_remove_leaf(t, 3), POUCH_OK);
	assert_int_equal(pouch_mls_tree_update_leaf(t, 3, &u.ln),
	    POUCH_E_BAD_TREE);
	pouch_mls_tree_free(t);
}

static void
remove_truncates(void **state)
{
	static const int used[8] = { 1, 1, 1, 0, 1, 0, 0, 0 };
	struct fx_leaf l[8];
	struct fx_parent p;
	struct pouch_mls_tree *t;
	uint8_t *enc;
	size_t len;

	(void)state;
	t = fx_tree(C, 8, used, l);
	fx_parent_init(&p, NULL, 0);
	assert_int_equal(pouch_mls_tree_set_parent(t, 7, &p.pn), POUCH_OK);
	/* removing leaf 4 empties the right half: 4 leaves remain */
	assert_int_equal(pouch_mls_tree_remove_leaf(t, 4), POUCH_OK);
	assert_int_equal(pouch_mls_tree_leaves(t), 4);
	assert_int_equal(pouch_mls_tree_width(t), 7);
	/* removing leaf 1 leaves leaf 2 in the right half: no change */
	assert_int_equal(pouch_mls_tree_remove_leaf(t, 1), POUCH_OK);
	assert_int_equal(pouch_mls_tree_leaves(t), 4);
	assert_int_equal(pouch_mls_tree_remove_leaf(t, 1), POUCH_E_BAD_TREE);
	/* removing leaf 2 as well: down to 1 leaf, A alone */
	assert_int_equal(pouch_mls_tree_remove_leaf(t, 2), POUCH_OK);
	assert_int_equal(pouch_mls_tree_leaves(t), 1);
	assert_int_equal(pouch_mls_tree_remove_leaf(t, 2), POUCH_E_MISUSE);
	enc = fx_encode(t, &len);
	/* one node: 2-byte vector length, presence, node type, leaf */
	assert_int_equal(enc[2], 1);
	assert_int_equal(enc[3], POUCH_MLS_NODE_LEAF);
	pouch_wr_buf_free(enc, len);
	/* truncating a tree whose right half holds a leaf changes nothing */
	assert_int_equal(pouch_mls_tree_extend(t), POUCH_OK);
	assert_int_equal(pouch_mls_tree_set_leaf(t, 1, &l[1].ln), POUCH_OK);
	pouch_mls_tree_truncate(t);
	assert_int_equal(pouch_mls_tree_leaves(t), 2);
	pouch_mls_tree_free(t);
}

static void
encode_drops_trailing_blanks(void **state)
{
	static const int used[8] = { 1, 1, 1, 0, 0, 0, 0, 0 };
	struct fx_leaf l[8];
	struct pouch_mls_tree *t, *u;
	uint8_t *enc, *enc2;
	size_t len, len2;

	(void)state;
	/* an untruncated tree: 8 leaves, the last five blank */
	t = fx_tree(C, 8, used, l);
	enc = fx_encode(t, &len);
	assert_int_equal(pouch_mls_tree_from_bytes(fx_suite(), NULL, enc, len,
	    &u), POUCH_OK);
	/* nodes 0..4 were sent; the receiver extends to 4 leaves */
	assert_int_equal(pouch_mls_tree_leaves(u), 4);
	enc2 = fx_encode(u, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(enc, enc2, len);
	pouch_wr_buf_free(enc, len);
	pouch_wr_buf_free(enc2, len2);
	pouch_mls_tree_free(t);
	pouch_mls_tree_free(u);
}

static void
clone_isolation(void **state)
{
	static const int used[4] = { 1, 1, 1, 0 };
	struct fx_leaf l[4], a, b;
	struct fx_parent p;
	struct pouch_mls_tree *t, *d;
	uint8_t *before, *after, h1[POUCH_HASH_MAX], h2[POUCH_HASH_MAX];
	size_t blen, alen;
	uint32_t leaf;

	(void)state;
	t = fx_tree(C, 4, used, l);
	fx_parent_init(&p, NULL, 0);
	assert_int_equal(pouch_mls_tree_set_parent(t, 3, &p.pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_root_hash(C, t, h1), POUCH_OK);
	before = fx_encode(t, &blen);
	assert_int_equal(pouch_mls_tree_clone(t, &d), POUCH_OK);
	fx_leaf_init(C, &a, POUCH_MLS_LEAF_KEY_PACKAGE, 0);
	fx_leaf_init(C, &b, POUCH_MLS_LEAF_UPDATE, 0);
	assert_int_equal(pouch_mls_tree_add_leaf(d, &a.ln, &leaf), POUCH_OK);
	assert_int_equal(pouch_mls_tree_add_leaf(d, &a.ln, &leaf), POUCH_OK);
	assert_int_equal(pouch_mls_tree_update_leaf(d, 0, &b.ln), POUCH_OK);
	assert_int_equal(pouch_mls_tree_remove_leaf(d, 1), POUCH_OK);
	assert_int_equal(pouch_mls_tree_set_parent(d, 1, &p.pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_root_hash(C, d, h2), POUCH_OK);
	assert_memory_not_equal(h1, h2, fx_suite()->nh);
	pouch_mls_tree_free(d);		/* the shared nodes stay alive */
	after = fx_encode(t, &alen);
	assert_int_equal(blen, alen);
	assert_memory_equal(before, after, blen);
	pouch_mls_tree_hash_drop(t);
	assert_int_equal(pouch_mls_tree_root_hash(C, t, h2), POUCH_OK);
	assert_memory_equal(h1, h2, fx_suite()->nh);
	pouch_wr_buf_free(before, blen);
	pouch_wr_buf_free(after, alen);
	pouch_mls_tree_free(t);
}

/* ---- allocation failures ----------------------------------------------- */

enum op { OP_ADD, OP_ADD_EXTEND, OP_CLONE, OP_SET_PARENT, OP_UPDATE,
    OP_FROM_BYTES, OP_COUNT };

static int
run_op(enum op op, struct pouch_mls_tree *t, const struct fx_leaf *nl,
    const struct fx_parent *np, const uint8_t *enc, size_t len)
{
	struct pouch_mls_tree *u = NULL;
	uint32_t leaf;
	int rc;

	switch (op) {
	case OP_ADD:
	case OP_ADD_EXTEND:
		return pouch_mls_tree_add_leaf(t, &nl->ln, &leaf);
	case OP_CLONE:
		rc = pouch_mls_tree_clone(t, &u);
		break;
	case OP_SET_PARENT:
		return pouch_mls_tree_set_parent(t, 3, &np->pn);
	case OP_UPDATE:
		return pouch_mls_tree_update_leaf(t, 0, &nl->ln);
	default:
		rc = pouch_mls_tree_from_bytes(fx_suite(), NULL, enc, len,
		    &u);
		break;
	}
	if (rc != POUCH_OK)
		assert_null(u);
	pouch_mls_tree_free(u);
	return rc;
}

static void
nomem_leaves_tree_unchanged(void **state)
{
	static const int gap[4] = { 1, 0, 1, 1 }, full[4] = { 1, 1, 1, 1 };
	static const uint32_t u2[] = { 2 };
	struct fx_leaf l[4], nl;
	struct fx_parent p1, p3, np;
	struct pouch_mls_tree *t;
	uint8_t *before, *after;
	size_t blen, alen;
	int op, rc;
	unsigned long n;

	(void)state;
	fx_leaf_init(C, &nl, POUCH_MLS_LEAF_KEY_PACKAGE, 0);
	fx_parent_init(&np, NULL, 0);
	for (op = 0; op < OP_COUNT; op++) {
		t = fx_tree(C, 4, op == OP_ADD_EXTEND ? full : gap, l);
		fx_parent_init(&p1, NULL, 0);
		fx_parent_init(&p3, u2, 1);
		assert_int_equal(pouch_mls_tree_set_parent(t, 1, &p1.pn),
		    POUCH_OK);
		assert_int_equal(pouch_mls_tree_set_parent(t, 3, &p3.pn),
		    POUCH_OK);
		before = fx_encode(t, &blen);
		for (n = 1; n < 100; n++) {
			fail_at = n;
			n_alloc = 0;
			rc = run_op(op, t, &nl, &np, before, blen);
			fail_at = 0;
			if (rc == POUCH_OK)
				break;
			assert_int_equal(rc, POUCH_E_NOMEM);
			after = fx_encode(t, &alen);
			assert_int_equal(blen, alen);
			assert_memory_equal(before, after, blen);
			pouch_wr_buf_free(after, alen);
		}
		assert_true(n > 1 && n < 100);	/* it did allocate */
		pouch_wr_buf_free(before, blen);
		pouch_mls_tree_free(t);
	}
}

static void
bad_arguments(void **state)
{
	struct pouch_mls_tree *t = (void *)1;
	struct fx_leaf a;
	uint32_t leaf = 7, path[POUCH_MLS_PATH_MAX];
	size_t n;

	(void)state;
	assert_int_equal(pouch_mls_tree_new(NULL, &t), POUCH_E_MISUSE);
	assert_null(t);
	assert_int_equal(pouch_mls_tree_new(fx_suite(), NULL),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_tree_clone(NULL, &t), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_tree_from_ratchet_tree(fx_suite(), NULL,
	    &t), POUCH_E_MISUSE);
	pouch_mls_tree_free(NULL);
	assert_int_equal(pouch_mls_tree_new(fx_suite(), &t), POUCH_OK);
	fx_leaf_init(C, &a, POUCH_MLS_LEAF_KEY_PACKAGE, 0);
	assert_int_equal(pouch_mls_tree_set_leaf(t, 0, &a.ln),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_tree_add_leaf(t, NULL, &leaf),
	    POUCH_E_MISUSE);
	assert_int_equal(leaf, 0);
	assert_int_equal(pouch_mls_tree_add_leaf(t, &a.ln, &leaf), POUCH_OK);
	assert_int_equal(pouch_mls_tree_set_parent(t, 0, NULL),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_tree_extend(t), POUCH_OK);
	assert_int_equal(pouch_mls_tree_set_parent(t, 2, NULL),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_tree_set_parent(t, 3, NULL),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_tree_set_parent(t, 1, NULL), POUCH_OK);
	assert_int_equal(pouch_mls_tree_blank_path(t, 2), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_tree_filtered_direct_path(t, 0, path, &n),
	    POUCH_OK);
	assert_int_equal(n, 0);		/* leaf 1 is blank */
	pouch_mls_tree_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(build_rejects_bad_shapes),
		cmocka_unit_test(tree_outlives_its_message),
		cmocka_unit_test(resolution_with_unmerged_leaves),
		cmocka_unit_test(resolution_short_buffer),
		cmocka_unit_test(filtered_direct_path_figure_11),
		cmocka_unit_test(add_leftmost_blank_then_extend),
		cmocka_unit_test(update_blanks_direct_path),
		cmocka_unit_test(remove_truncates),
		cmocka_unit_test(encode_drops_trailing_blanks),
		cmocka_unit_test(clone_isolation),
		cmocka_unit_test(nomem_leaves_tree_unchanged),
		cmocka_unit_test(bad_arguments),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
