/*
 * tree.c - the ratchet tree's nodes and shape (RFC 9420 4.1, 7.7, 12.1,
 * 12.4.3.3): node blocks, building a tree from a decoded ratchet_tree and
 * encoding it back, cloning, the getters, resolution and filtered direct
 * path, and the changes (set, blank, add, update, remove, extend,
 * truncate).  Hashes live in tree_hash.c, validation in leaf_validate.c.
 *
 * A node block is built in two passes over the same layout code: the
 * first measures, the second copies into one calloc'd block, so a node
 * never points outside its own block and can be shared read-only.  Every
 * change builds its new blocks first and touches the tree only when
 * nothing can fail any more.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "mls/tree_int.h"

/* The writer cap when encoding one node: a decoded node is far smaller. */
#define NODE_ENC_MAX	POUCH_VARINT_MAX

/* ---- node blocks ------------------------------------------------------- */

/* Bump allocator over a block; base NULL only measures. */
struct bump {
	uint8_t	*base;
	size_t	 off;
	int	 over;
};

static void *
bump(struct bump *b, size_t n, size_t align)
{
	void *p;

	b->off = (b->off + align - 1) & ~(align - 1);
	if (n > SIZE_MAX / 4 || b->off > SIZE_MAX / 4) {
		b->over = 1;
		return NULL;
	}
	p = b->base == NULL ? NULL : b->base + b->off;
	b->off += n;
	return p;
}

static void
copy_bytes(struct bump *b, struct pouch_mls_bytes *dst,
    const struct pouch_mls_bytes *src)
{
	uint8_t *p = bump(b, src->n, 1);

	dst->n = src->n;
	dst->p = p;
	if (p != NULL && src->n > 0)
		memcpy(p, src->p, src->n);
}

static void
copy_u16s(struct bump *b, struct pouch_mls_u16s *dst,
    const struct pouch_mls_u16s *src)
{
	uint16_t *p;

	if (src->n > SIZE_MAX / 8) {
		b->over = 1;
		return;
	}
	p = bump(b, src->n * sizeof(*p), alignof(uint16_t));
	dst->n = src->n;
	dst->v = p;
	if (p != NULL && src->n > 0)
		memcpy(p, src->v, src->n * sizeof(*p));
}

static void
copy_u32s(struct bump *b, uint32_t **dst, const uint32_t *src, size_t n)
{
	uint32_t *p;

	if (n > SIZE_MAX / 8) {
		b->over = 1;
		return;
	}
	p = bump(b, n * sizeof(*p), alignof(uint32_t));
	*dst = p;
	if (p != NULL && n > 0)
		memcpy(p, src, n * sizeof(*p));
}

static void
copy_credential(struct bump *b, struct pouch_mls_credential *dst,
    const struct pouch_mls_credential *src)
{
	struct pouch_mls_bytes *certs, scratch;
	size_t i;

	dst->type = src->type;
	copy_bytes(b, &dst->identity, &src->identity);
	dst->ncerts = src->ncerts;
	if (src->ncerts > SIZE_MAX / (4 * sizeof(*certs))) {
		b->over = 1;
		return;
	}
	certs = bump(b, src->ncerts * sizeof(*certs),
	    alignof(struct pouch_mls_bytes));
	dst->certs = certs;
	for (i = 0; i < src->ncerts; i++)
		copy_bytes(b, certs != NULL ? &certs[i] : &scratch,
		    &src->certs[i]);
}

static void
copy_extensions(struct bump *b, struct pouch_mls_extensions *dst,
    const struct pouch_mls_extensions *src)
{
	struct pouch_mls_extension *v, scratch;
	size_t i;

	dst->n = src->n;
	if (src->n > SIZE_MAX / (4 * sizeof(*v))) {
		b->over = 1;
		return;
	}
	v = bump(b, src->n * sizeof(*v), alignof(struct pouch_mls_extension));
	dst->v = v;
	for (i = 0; i < src->n; i++) {
		if (v != NULL)
			v[i].type = src->v[i].type;
		copy_bytes(b, v != NULL ? &v[i].data : &scratch.data,
		    &src->v[i].data);
	}
}

static void
copy_leaf(struct bump *b, struct pouch_mls_leaf_node *dst,
    const struct pouch_mls_leaf_node *src)
{
	const struct pouch_mls_capabilities *sc = &src->capabilities;
	struct pouch_mls_capabilities *dc = &dst->capabilities;

	dst->source = src->source;
	dst->lifetime = src->lifetime;
	copy_bytes(b, &dst->encryption_key, &src->encryption_key);
	copy_bytes(b, &dst->signature_key, &src->signature_key);
	copy_credential(b, &dst->credential, &src->credential);
	copy_u16s(b, &dc->versions, &sc->versions);
	copy_u16s(b, &dc->cipher_suites, &sc->cipher_suites);
	copy_u16s(b, &dc->extensions, &sc->extensions);
	copy_u16s(b, &dc->proposals, &sc->proposals);
	copy_u16s(b, &dc->credentials, &sc->credentials);
	copy_bytes(b, &dst->parent_hash, &src->parent_hash);
	copy_extensions(b, &dst->extensions, &src->extensions);
	copy_bytes(b, &dst->signature, &src->signature);
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Lay out node src and its encoding enc in b; dst is written if b->base. */
static void
layout(struct bump *b, struct pouch_mls_tnode *dst,
    const struct pouch_mls_node *src, const uint8_t *enc, size_t enclen)
{
	struct pouch_mls_tnode scratch;
	const struct pouch_mls_parent_node *sp = &src->u.parent;
	struct pouch_mls_parent_node *dp;
	uint32_t *sorted = NULL;
	uint8_t *e;

	if (dst == NULL) {
		memset(&scratch, 0, sizeof(scratch));
		dst = &scratch;
	}
	dst->node.type = src->type;
	if (src->type == POUCH_MLS_NODE_LEAF)
		copy_leaf(b, &dst->node.u.leaf, &src->u.leaf);
	else {
		dp = &dst->node.u.parent;
		copy_bytes(b, &dp->encryption_key, &sp->encryption_key);
		copy_bytes(b, &dp->parent_hash, &sp->parent_hash);
		dp->nunmerged = sp->nunmerged;
		copy_u32s(b, &dp->unmerged_leaves, sp->unmerged_leaves,
		    sp->nunmerged);
		copy_u32s(b, &sorted, sp->unmerged_leaves, sp->nunmerged);
		if (b->base != NULL && sp->nunmerged > 1)
			qsort(sorted, sp->nunmerged, sizeof(*sorted), u32_cmp);
		dst->sorted = sorted;
	}
	e = bump(b, enclen, 1);
	if (e != NULL)
		memcpy(e, enc, enclen);
	dst->enc = e;
	dst->enclen = enclen;
}

/* A fresh block holding a deep copy of src (one reference).  MISUSE for a
 * node type that is neither leaf nor parent. */
static int
tnode_new(const struct pouch_mls_node *src, struct pouch_mls_tnode **out)
{
	struct pouch_mls_tnode *tn;
	struct pouch_wr w;
	struct bump b;
	int rc;

	*out = NULL;
	pouch_wr_init(&w, NODE_ENC_MAX);
	pouch_wr_public(&w);		/* a tree node is public */
	if (src->type == POUCH_MLS_NODE_LEAF)
		pouch_mls_leaf_node_encode(&w, &src->u.leaf);
	else if (src->type == POUCH_MLS_NODE_PARENT)
		pouch_mls_parent_node_encode(&w, &src->u.parent);
	else {
		rc = POUCH_E_MISUSE;
		goto out;
	}
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	memset(&b, 0, sizeof(b));
	b.off = sizeof(*tn);
	layout(&b, NULL, src, w.buf, w.len);
	if (b.over) {
		rc = POUCH_E_TOO_LARGE;
		goto out;
	}
	if ((tn = calloc(1, b.off)) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	tn->size = b.off;
	b.base = (uint8_t *)tn;
	b.off = sizeof(*tn);
	layout(&b, tn, src, w.buf, w.len);
	atomic_init(&tn->refs, 1);
	*out = tn;
	rc = POUCH_OK;
out:
	pouch_wr_free(&w);
	return rc;
}

static int
tnode_leaf(const struct pouch_mls_leaf_node *ln, struct pouch_mls_tnode **out)
{
	struct pouch_mls_node n;

	memset(&n, 0, sizeof(n));
	n.type = POUCH_MLS_NODE_LEAF;
	n.u.leaf = *ln;
	return tnode_new(&n, out);
}

static int
tnode_parent(const struct pouch_mls_parent_node *pn,
    struct pouch_mls_tnode **out)
{
	struct pouch_mls_node n;

	memset(&n, 0, sizeof(n));
	n.type = POUCH_MLS_NODE_PARENT;
	n.u.parent = *pn;
	return tnode_new(&n, out);
}

static struct pouch_mls_tnode *
tnode_ref(struct pouch_mls_tnode *tn)
{
	if (tn != NULL)
		atomic_fetch_add_explicit(&tn->refs, 1, memory_order_relaxed);
	return tn;
}

static void
tnode_unref(struct pouch_mls_tnode *tn)
{
	if (tn == NULL || atomic_fetch_sub_explicit(&tn->refs, 1,
	    memory_order_acq_rel) != 1)
		return;
	/*
	 * No wipe: a block holds one LeafNode or ParentNode (public keys,
	 * credential, capabilities, signature, parent hash, unmerged
	 * leaves), all of it public ratchet-tree data that every member
	 * and a Welcome's ratchet_tree carry.  Private keys never live in
	 * a block: they are in struct pouch_mls_tree_privkeys (treekem.h),
	 * which wipes them itself.
	 */
	free(tn);
}

/* ---- the tree ---------------------------------------------------------- */

static uint32_t
width_of(uint32_t nleaves)
{
	return nleaves == 0 ? 0 : 2 * (nleaves - 1) + 1;
}

/* Put tn (its reference moves to the tree) into slot x, drop the old. */
static void
slot_set(struct pouch_mls_tree *t, uint32_t x, struct pouch_mls_tnode *tn)
{
	tnode_unref(t->nodes[x]);
	t->nodes[x] = tn;
	pouch_mls_tree_invalidate(t, x);
}

/* Make room for need node slots. */
static int
reserve(struct pouch_mls_tree *t, uint32_t need)
{
	struct pouch_mls_tnode **nodes;
	uint8_t *th, *ok;
	size_t nh = t->suite->nh;

	if (need <= t->cap)
		return POUCH_OK;
	if ((uint64_t)need > SIZE_MAX / (sizeof(*nodes) + nh + 1))
		return POUCH_E_TOO_LARGE;
	if ((nodes = realloc(t->nodes, need * sizeof(*nodes))) == NULL)
		return POUCH_E_NOMEM;
	t->nodes = nodes;
	if ((th = realloc(t->th, need * nh)) == NULL)
		return POUCH_E_NOMEM;
	t->th = th;
	if ((ok = realloc(t->th_ok, need)) == NULL)
		return POUCH_E_NOMEM;
	t->th_ok = ok;
	t->cap = need;
	return POUCH_OK;
}

void
pouch_mls_tree_invalidate(struct pouch_mls_tree *t, uint32_t x)
{
	while (x != POUCH_MLS_NODE_NONE) {
		t->th_ok[x] = 0;
		x = pouch_mls_tm_parent(x, t->nleaves);
	}
}

void
pouch_mls_tree_hash_drop(struct pouch_mls_tree *t)
{
	if (t != NULL && t->nleaves > 0)
		memset(t->th_ok, 0, width_of(t->nleaves));
}

int
pouch_mls_tree_new(const struct pouch_mls_suite *s,
    struct pouch_mls_tree **out)
{
	struct pouch_mls_tree *t;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (s == NULL || s->nh == 0 || s->nh > POUCH_HASH_MAX)
		return POUCH_E_MISUSE;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return POUCH_E_NOMEM;
	t->suite = s;
	*out = t;
	return POUCH_OK;
}

void
pouch_mls_tree_free(struct pouch_mls_tree *t)
{
	uint32_t i, w;

	if (t == NULL)
		return;
	w = width_of(t->nleaves);
	for (i = 0; i < w; i++)
		tnode_unref(t->nodes[i]);
	free(t->nodes);
	free(t->th);
	free(t->th_ok);
	free(t);
}

int
pouch_mls_tree_from_ratchet_tree(const struct pouch_mls_suite *s,
    const struct pouch_mls_ratchet_tree *rt, struct pouch_mls_tree **out)
{
	struct pouch_mls_tree *t = NULL;
	const struct pouch_mls_node *n;
	uint64_t nleaves = 1;
	size_t i;
	int rc;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (rt == NULL || (rt->n > 0 && rt->nodes == NULL))
		return POUCH_E_MISUSE;
	/* RFC 9420 12.4.3.3: the last node MUST be non-blank. */
	if (rt->n == 0 || rt->nodes[rt->n - 1] == NULL ||
	    rt->n > 2 * (uint64_t)POUCH_MLS_LEAVES_MAX - 1)
		return POUCH_E_BAD_TREE;
	/* ... and the receiver extends it to 2^(d+1) - 1 nodes. */
	while (2 * nleaves - 1 < rt->n)
		nleaves *= 2;
	if (nleaves > POUCH_MLS_LEAVES_MAX)
		return POUCH_E_BAD_TREE;
	if ((rc = pouch_mls_tree_new(s, &t)) != POUCH_OK)
		return rc;
	if ((rc = reserve(t, width_of((uint32_t)nleaves))) != POUCH_OK)
		goto out;
	memset(t->nodes, 0, t->cap * sizeof(*t->nodes));
	memset(t->th_ok, 0, t->cap);
	t->nleaves = (uint32_t)nleaves;
	for (i = 0; i < rt->n; i++) {
		if ((n = rt->nodes[i]) == NULL)
			continue;
		/* leaves at even indices, parents at odd ones (4.2) */
		if (n->type != ((i & 1) == 0 ? POUCH_MLS_NODE_LEAF :
		    POUCH_MLS_NODE_PARENT)) {
			rc = POUCH_E_BAD_TREE;
			goto out;
		}
		if ((rc = tnode_new(n, &t->nodes[i])) != POUCH_OK)
			goto out;
	}
	*out = t;
	t = NULL;
	rc = POUCH_OK;
out:
	pouch_mls_tree_free(t);
	return rc;
}

int
pouch_mls_tree_from_bytes(const struct pouch_mls_suite *s,
    const struct pouch_mls_limits *lim, const uint8_t *buf, size_t len,
    struct pouch_mls_tree **out)
{
	struct pouch_mls_arena a;
	struct pouch_mls_ratchet_tree rt;
	int rc;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	pouch_mls_arena_init_limits(&a, lim);
	if ((rc = pouch_mls_ratchet_tree_from_bytes(&a, lim, buf, len, &rt)) ==
	    POUCH_OK)
		rc = pouch_mls_tree_from_ratchet_tree(s, &rt, out);
	pouch_mls_arena_free(&a);
	return rc;
}

int
pouch_mls_tree_clone(const struct pouch_mls_tree *t,
    struct pouch_mls_tree **out)
{
	struct pouch_mls_tree *d = NULL;
	uint32_t i, w;
	int rc;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (t == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_tree_new(t->suite, &d)) != POUCH_OK)
		return rc;
	w = width_of(t->nleaves);
	if ((rc = reserve(d, w)) != POUCH_OK) {
		pouch_mls_tree_free(d);
		return rc;
	}
	for (i = 0; i < w; i++)
		d->nodes[i] = tnode_ref(t->nodes[i]);
	if (w > 0) {
		memcpy(d->th, t->th, (size_t)w * t->suite->nh);
		memcpy(d->th_ok, t->th_ok, w);
	}
	d->nleaves = t->nleaves;
	*out = d;
	return POUCH_OK;
}

void
pouch_mls_tree_encode(struct pouch_wr *w, const struct pouch_mls_tree *t)
{
	const struct pouch_mls_tnode *tn;
	uint32_t i, last = 0, width = width_of(t->nleaves);
	int any = 0;

	for (i = 0; i < width; i++)
		if (t->nodes[i] != NULL) {
			last = i;
			any = 1;
		}
	pouch_wr_vec_open(w);
	for (i = 0; any && i <= last; i++) {
		tn = t->nodes[i];
		pouch_wr_optional(w, tn != NULL);
		if (tn == NULL)
			continue;
		pouch_wr_u8(w, tn->node.type);
		pouch_wr_bytes(w, tn->enc, tn->enclen);
	}
	pouch_wr_vec_close(w);
}

/* ---- reading ----------------------------------------------------------- */

const struct pouch_mls_suite *
pouch_mls_tree_suite(const struct pouch_mls_tree *t)
{
	return t->suite;
}

uint32_t
pouch_mls_tree_leaves(const struct pouch_mls_tree *t)
{
	return t->nleaves;
}

uint32_t
pouch_mls_tree_width(const struct pouch_mls_tree *t)
{
	return width_of(t->nleaves);
}

const struct pouch_mls_node *
pouch_mls_tree_node(const struct pouch_mls_tree *t, uint32_t x)
{
	const struct pouch_mls_tnode *tn = pouch_mls_tree_tnode(t, x);

	return tn == NULL ? NULL : &tn->node;
}

const struct pouch_mls_leaf_node *
pouch_mls_tree_leaf(const struct pouch_mls_tree *t, uint32_t leaf)
{
	const struct pouch_mls_tnode *tn;

	if (leaf >= t->nleaves)
		return NULL;
	tn = t->nodes[2 * leaf];
	return tn == NULL ? NULL : &tn->node.u.leaf;
}

const struct pouch_mls_parent_node *
pouch_mls_tree_parent(const struct pouch_mls_tree *t, uint32_t x)
{
	const struct pouch_mls_tnode *tn = pouch_mls_tree_tnode(t, x);

	if (tn == NULL || (x & 1) == 0)
		return NULL;
	return &tn->node.u.parent;
}

int
pouch_mls_u32_sorted_has(const uint32_t *v, size_t n, uint32_t x)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid] == x)
			return 1;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * RFC 9420 4.1.1, depth first and left first with an explicit stack: a
 * blank parent pushes its right child, then its left, so the stack never
 * holds more than one pending node per level plus one.  Writes at most
 * cap entries; *n gets the full count.
 */
static void
res_walk(const struct pouch_mls_tree *t, uint32_t x, uint32_t *out,
    size_t cap, size_t *n)
{
	uint32_t stack[2 * POUCH_MLS_PATH_MAX + 2], y;
	const struct pouch_mls_tnode *tn;
	const struct pouch_mls_parent_node *pn;
	size_t sp = 0, k = 0, i;

	stack[sp++] = x;
	while (sp > 0) {
		y = stack[--sp];
		if ((tn = t->nodes[y]) != NULL) {
			if (k < cap)
				out[k] = y;
			k++;
			if (tn->node.type != POUCH_MLS_NODE_PARENT)
				continue;
			pn = &tn->node.u.parent;
			for (i = 0; i < pn->nunmerged; i++, k++)
				if (k < cap)
					out[k] = 2 * pn->unmerged_leaves[i];
			continue;
		}
		if (pouch_mls_tm_level(y) == 0)
			continue;
		stack[sp++] = pouch_mls_tm_right(y);
		stack[sp++] = pouch_mls_tm_left(y);
	}
	*n = k;
}

void
pouch_mls_tree_res(const struct pouch_mls_tree *t, uint32_t x,
    uint32_t *out, size_t *n)
{
	res_walk(t, x, out, width_of(t->nleaves), n);
}

int
pouch_mls_tree_resolution(const struct pouch_mls_tree *t, uint32_t x,
    uint32_t *out, size_t cap, size_t *n)
{
	size_t need;

	if (n == NULL)
		return POUCH_E_MISUSE;
	*n = 0;
	if (t == NULL || (out == NULL && cap > 0) ||
	    x >= width_of(t->nleaves))
		return POUCH_E_MISUSE;
	res_walk(t, x, out, cap, &need);
	*n = need;
	return need > cap ? POUCH_E_BUFFER_TOO_SMALL : POUCH_OK;
}

int
pouch_mls_tree_subtree_blank(const struct pouch_mls_tree *t, uint32_t x)
{
	uint32_t half = (UINT32_C(1) << pouch_mls_tm_level(x)) - 1, i;

	/* a subtree is the contiguous range [x - half, x + half] */
	for (i = x - half; i <= x + half; i++)
		if (t->nodes[i] != NULL)
			return 0;
	return 1;
}

int
pouch_mls_tree_filtered_direct_path(const struct pouch_mls_tree *t,
    uint32_t leaf, uint32_t path[POUCH_MLS_PATH_MAX], size_t *n)
{
	uint32_t dp[POUCH_MLS_PATH_MAX], child;
	size_t len, i, k = 0;

	if (n == NULL)
		return POUCH_E_MISUSE;
	*n = 0;
	if (t == NULL || path == NULL || leaf >= t->nleaves ||
	    pouch_mls_tm_direct_path(2 * leaf, t->nleaves, dp, &len) != 0)
		return POUCH_E_MISUSE;
	child = 2 * leaf;
	for (i = 0; i < len; i++) {
		/* RFC 9420 4.1.2: drop p when its copath child resolves to
		 * nothing */
		if (!pouch_mls_tree_subtree_blank(t,
		    pouch_mls_tm_sibling(child, t->nleaves)))
			path[k++] = dp[i];
		child = dp[i];
	}
	*n = k;
	return POUCH_OK;
}

/* ---- changing ---------------------------------------------------------- */

int
pouch_mls_tree_set_leaf(struct pouch_mls_tree *t, uint32_t leaf,
    const struct pouch_mls_leaf_node *ln)
{
	struct pouch_mls_tnode *tn = NULL;
	int rc;

	if (t == NULL || leaf >= t->nleaves)
		return POUCH_E_MISUSE;
	if (ln != NULL && (rc = tnode_leaf(ln, &tn)) != POUCH_OK)
		return rc;
	slot_set(t, 2 * leaf, tn);
	return POUCH_OK;
}

int
pouch_mls_tree_set_parent(struct pouch_mls_tree *t, uint32_t x,
    const struct pouch_mls_parent_node *pn)
{
	struct pouch_mls_tnode *tn = NULL;
	int rc;

	if (t == NULL || x >= width_of(t->nleaves) || (x & 1) == 0)
		return POUCH_E_MISUSE;
	if (pn != NULL && (rc = tnode_parent(pn, &tn)) != POUCH_OK)
		return rc;
	slot_set(t, x, tn);
	return POUCH_OK;
}

/* Blank the direct path of leaf; the index is known to be in the tree. */
static void
blank_path(struct pouch_mls_tree *t, uint32_t leaf)
{
	uint32_t dp[POUCH_MLS_PATH_MAX];
	size_t len, i;

	if (pouch_mls_tm_direct_path(2 * leaf, t->nleaves, dp, &len) != 0)
		return;
	for (i = 0; i < len; i++)
		if (t->nodes[dp[i]] != NULL)
			slot_set(t, dp[i], NULL);
}

int
pouch_mls_tree_blank_path(struct pouch_mls_tree *t, uint32_t leaf)
{
	if (t == NULL || leaf >= t->nleaves)
		return POUCH_E_MISUSE;
	blank_path(t, leaf);
	return POUCH_OK;
}

int
pouch_mls_tree_extend(struct pouch_mls_tree *t)
{
	uint32_t w, nw, i;
	int rc;

	if (t == NULL)
		return POUCH_E_MISUSE;
	if (t->nleaves >= POUCH_MLS_LEAVES_MAX)
		return POUCH_E_TOO_LARGE;
	w = width_of(t->nleaves);
	nw = t->nleaves == 0 ? 1 : width_of(2 * t->nleaves);
	if ((rc = reserve(t, nw)) != POUCH_OK)
		return rc;
	for (i = w; i < nw; i++) {
		t->nodes[i] = NULL;
		t->th_ok[i] = 0;
	}
	t->nleaves = t->nleaves == 0 ? 1 : 2 * t->nleaves;
	return POUCH_OK;
}

void
pouch_mls_tree_truncate(struct pouch_mls_tree *t)
{
	uint32_t half, i;

	if (t == NULL)
		return;
	while (t->nleaves > 1) {
		half = t->nleaves / 2;
		for (i = half; i < t->nleaves; i++)
			if (t->nodes[2 * i] != NULL)
				return;
		/* drop the root and the right subtree: [w(half), w(n)) */
		for (i = width_of(half); i < width_of(t->nleaves); i++) {
			tnode_unref(t->nodes[i]);
			t->nodes[i] = NULL;
		}
		t->nleaves = half;
	}
}

/*
 * The parent blocks that an Add at leaf needs (RFC 9420 12.1.1): a copy
 * of every non-blank parent on its direct path with leaf appended to
 * unmerged_leaves.  at[i] gets the node index, nb[i] the block.
 */
static int
unmerged_blocks(const struct pouch_mls_tree *t, uint32_t leaf,
    uint32_t at[POUCH_MLS_PATH_MAX],
    struct pouch_mls_tnode *nb[POUCH_MLS_PATH_MAX], size_t *count)
{
	uint32_t dp[POUCH_MLS_PATH_MAX], *v = NULL;
	struct pouch_mls_parent_node pn;
	const struct pouch_mls_tnode *tn;
	size_t len, i, k = 0;
	int rc = POUCH_OK;

	*count = 0;
	if (pouch_mls_tm_direct_path(2 * leaf, t->nleaves, dp, &len) != 0)
		return POUCH_E_MISUSE;
	for (i = 0; i < len; i++) {
		if ((tn = t->nodes[dp[i]]) == NULL)
			continue;
		pn = tn->node.u.parent;
		if (pn.nunmerged >= SIZE_MAX / sizeof(*v) - 1) {
			rc = POUCH_E_TOO_LARGE;
			goto out;
		}
		if ((v = malloc((pn.nunmerged + 1) * sizeof(*v))) == NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		if (pn.nunmerged > 0)
			memcpy(v, pn.unmerged_leaves,
			    pn.nunmerged * sizeof(*v));
		v[pn.nunmerged++] = leaf;
		pn.unmerged_leaves = v;
		rc = tnode_parent(&pn, &nb[k]);
		free(v);
		v = NULL;
		if (rc != POUCH_OK)
			goto out;
		at[k++] = dp[i];
	}
out:
	if (rc != POUCH_OK)
		while (k > 0)
			tnode_unref(nb[--k]);
	*count = k;
	return rc;
}

int
pouch_mls_tree_add_leaf(struct pouch_mls_tree *t,
    const struct pouch_mls_leaf_node *ln, uint32_t *leaf)
{
	struct pouch_mls_tnode *tn = NULL, *nb[POUCH_MLS_PATH_MAX];
	uint32_t at[POUCH_MLS_PATH_MAX], i;
	size_t nnb = 0, k;
	int rc;

	if (leaf == NULL)
		return POUCH_E_MISUSE;
	*leaf = 0;
	if (t == NULL || ln == NULL)
		return POUCH_E_MISUSE;
	if ((rc = tnode_leaf(ln, &tn)) != POUCH_OK)
		return rc;
	/* the leftmost blank leaf ... */
	for (i = 0; i < t->nleaves; i++)
		if (t->nodes[2 * i] == NULL)
			break;
	if (i == t->nleaves) {
		/* ... or the first leaf of a new blank right half, whose
		 * direct path is all blank (7.7) */
		if ((rc = pouch_mls_tree_extend(t)) != POUCH_OK)
			goto out;
		i = t->nleaves == 1 ? 0 : t->nleaves / 2;
	} else if ((rc = unmerged_blocks(t, i, at, nb, &nnb)) != POUCH_OK)
		goto out;
	for (k = 0; k < nnb; k++)
		slot_set(t, at[k], nb[k]);
	slot_set(t, 2 * i, tn);
	tn = NULL;
	*leaf = i;
out:
	tnode_unref(tn);
	return rc;
}

int
pouch_mls_tree_update_leaf(struct pouch_mls_tree *t, uint32_t leaf,
    const struct pouch_mls_leaf_node *ln)
{
	struct pouch_mls_tnode *tn;
	int rc;

	if (t == NULL || ln == NULL || leaf >= t->nleaves)
		return POUCH_E_MISUSE;
	if (t->nodes[2 * leaf] == NULL)
		return POUCH_E_BAD_TREE;
	if ((rc = tnode_leaf(ln, &tn)) != POUCH_OK)
		return rc;
	slot_set(t, 2 * leaf, tn);
	blank_path(t, leaf);
	return POUCH_OK;
}

int
pouch_mls_tree_remove_leaf(struct pouch_mls_tree *t, uint32_t leaf)
{
	if (t == NULL || leaf >= t->nleaves)
		return POUCH_E_MISUSE;
	/* RFC 9420 12.1.3: removed must be a non-blank leaf */
	if (t->nodes[2 * leaf] == NULL)
		return POUCH_E_BAD_TREE;
	slot_set(t, 2 * leaf, NULL);
	blank_path(t, leaf);
	pouch_mls_tree_truncate(t);
	return POUCH_OK;
}
