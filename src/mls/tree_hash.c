/*
 * tree_hash.c - the two hashes over the ratchet tree: the tree hash of
 * every node (RFC 9420 7.8), computed level by level bottom up with a
 * per-node cache, and parent hashes (7.9): their computation, including
 * the "original sibling tree hash" that blanks a parent's unmerged leaves,
 * the committer's chain along a filtered direct path, and the joiner's
 * check that every non-blank parent is parent-hash valid (7.9.2).  Nothing
 * recurses; the only per-call allocations are one scratch buffer for hash
 * inputs (grown to the largest one) and, for original sibling tree
 * hashes, arrays as long as the parent's unmerged_leaves list.  Nothing
 * here walks the whole tree except hash_all's check for stale entries and
 * the joiner's check, so a commit costs O(log n) hashes.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mls/tree_int.h"

/* Room for one hash input: a node encoding and two hashes with prefixes. */
struct hbuf {
	uint8_t	*p;
	size_t	 cap;
};

static uint32_t
width_of(const struct pouch_mls_tree *t)
{
	return t->nleaves == 0 ? 0 : 2 * (t->nleaves - 1) + 1;
}

/*
 * A scratch buffer for hash inputs; hbuf_fit() grows it to what each input
 * needs, so no call scans the whole tree for the largest node.  Hash
 * inputs are public: the buffer is not wiped.
 */
static int
hbuf_new(const struct pouch_mls_tree *t, struct hbuf *hb)
{
	(void)t;
	hb->cap = 512 + 2 * POUCH_HASH_MAX;
	if ((hb->p = malloc(hb->cap)) == NULL)
		return POUCH_E_NOMEM;
	return POUCH_OK;
}

/* Room for an input of a node encoding of n bytes plus two hashes. */
static int
hbuf_fit(struct hbuf *hb, size_t n)
{
	uint8_t *p;

	if (n > SIZE_MAX - 64 - 2 * POUCH_HASH_MAX)
		return POUCH_E_TOO_LARGE;
	n += 64 + 2 * POUCH_HASH_MAX;
	if (n <= hb->cap)
		return POUCH_OK;
	if ((p = malloc(n)) == NULL)
		return POUCH_E_NOMEM;
	free(hb->p);
	hb->p = p;
	hb->cap = n;
	return POUCH_OK;
}

static void
hbuf_free(struct hbuf *hb)
{
	free(hb->p);
	hb->p = NULL;
}

/* RFC 9420 7.8 TreeHashInput of leaf node x (tn NULL when blank). */
static int
leaf_hash(const struct pouch_crypto *c, const struct pouch_mls_tree *t,
    uint32_t x, const struct pouch_mls_tnode *tn, struct hbuf *hb,
    uint8_t *out)
{
	struct pouch_wr w;
	int rc;

	if ((rc = hbuf_fit(hb, tn != NULL ? tn->enclen : 0)) != POUCH_OK)
		return rc;
	pouch_wr_init_buf(&w, hb->p, hb->cap);
	pouch_wr_u8(&w, POUCH_MLS_NODE_LEAF);
	pouch_wr_u32(&w, x / 2);		/* leaf_index */
	pouch_wr_optional(&w, tn != NULL);
	if (tn != NULL)
		pouch_wr_bytes(&w, tn->enc, tn->enclen);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		return rc;
	return pouch_hash(c, t->suite->hash, w.buf, w.len, out);
}

/*
 * RFC 9420 7.8 TreeHashInput of a parent node: pn NULL when blank; the
 * ParentNode is encoded from pn, so callers can pass a modified copy.
 */
static int
parent_hash_input(const struct pouch_crypto *c,
    const struct pouch_mls_tree *t, const struct pouch_mls_parent_node *pn,
    const uint8_t *lh, const uint8_t *rh, struct hbuf *hb, uint8_t *out)
{
	struct pouch_wr w;
	size_t nh = t->suite->nh, need = 0;
	int rc;

	/* the ParentNode: its vectors, their length prefixes, the leaves */
	if (pn != NULL && (pn->nunmerged > SIZE_MAX / 32 ||
	    pn->encryption_key.n > SIZE_MAX / 8 ||
	    pn->parent_hash.n > SIZE_MAX / 8))
		return POUCH_E_TOO_LARGE;
	if (pn != NULL)
		need = pn->encryption_key.n + pn->parent_hash.n +
		    4 * pn->nunmerged + 16;
	if ((rc = hbuf_fit(hb, need)) != POUCH_OK)
		return rc;
	pouch_wr_init_buf(&w, hb->p, hb->cap);
	pouch_wr_u8(&w, POUCH_MLS_NODE_PARENT);
	pouch_wr_optional(&w, pn != NULL);
	if (pn != NULL)
		pouch_mls_parent_node_encode(&w, pn);
	pouch_wr_opaque(&w, lh, nh);
	pouch_wr_opaque(&w, rh, nh);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		return rc;
	return pouch_hash(c, t->suite->hash, w.buf, w.len, out);
}

/* The same from a stored node: its encoding is used as it is. */
static int
parent_hash_stored(const struct pouch_crypto *c,
    const struct pouch_mls_tree *t, const struct pouch_mls_tnode *tn,
    const uint8_t *lh, const uint8_t *rh, struct hbuf *hb, uint8_t *out)
{
	struct pouch_wr w;
	size_t nh = t->suite->nh;
	int rc;

	if ((rc = hbuf_fit(hb, tn != NULL ? tn->enclen : 0)) != POUCH_OK)
		return rc;
	pouch_wr_init_buf(&w, hb->p, hb->cap);
	pouch_wr_u8(&w, POUCH_MLS_NODE_PARENT);
	pouch_wr_optional(&w, tn != NULL);
	if (tn != NULL)
		pouch_wr_bytes(&w, tn->enc, tn->enclen);
	pouch_wr_opaque(&w, lh, nh);
	pouch_wr_opaque(&w, rh, nh);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		return rc;
	return pouch_hash(c, t->suite->hash, w.buf, w.len, out);
}

/*
 * Bring the cached tree hashes of the subtree under x up to date, both
 * children before their parent.  A change invalidates a node and all its
 * ancestors, so a current x has a current subtree and only the stale
 * nodes are visited.  The parent-hash chain calls it for the copath
 * children alone, not the path itself, whose hashes its own updates
 * would make stale again at once.
 */
static int
hash_under(const struct pouch_crypto *c, struct pouch_mls_tree *t,
    uint32_t x, struct hbuf *hb)
{
	size_t nh = t->suite->nh;
	uint32_t l, r;
	int rc;

	if (t->th_ok[x])
		return POUCH_OK;
	if (pouch_mls_tm_level(x) == 0)
		rc = leaf_hash(c, t, x, t->nodes[x], hb,
		    t->th + (size_t)x * nh);
	else {
		l = pouch_mls_tm_left(x);
		r = pouch_mls_tm_right(x);
		if ((rc = hash_under(c, t, l, hb)) != POUCH_OK ||
		    (rc = hash_under(c, t, r, hb)) != POUCH_OK)
			return rc;
		rc = parent_hash_stored(c, t, t->nodes[x], t->th +
		    (size_t)l * nh, t->th + (size_t)r * nh, hb, t->th +
		    (size_t)x * nh);
	}
	if (rc == POUCH_OK)
		t->th_ok[x] = 1;
	return rc;
}

/* Every cached tree hash up to date: the subtree under the root. */
static int
hash_all(const struct pouch_crypto *c, struct pouch_mls_tree *t)
{
	struct hbuf hb = { NULL, 0 };
	uint32_t root;
	int rc;

	if (t->nleaves == 0)
		return POUCH_OK;
	root = pouch_mls_tm_root(t->nleaves);
	if (t->th_ok[root])
		return POUCH_OK;
	if ((rc = hbuf_new(t, &hb)) != POUCH_OK)
		return rc;
	rc = hash_under(c, t, root, &hb);
	hbuf_free(&hb);
	return rc;
}

int
pouch_mls_tree_hash(const struct pouch_crypto *c, struct pouch_mls_tree *t,
    uint32_t x, uint8_t *out)
{
	int rc;

	if (c == NULL || t == NULL || out == NULL || x >= width_of(t))
		return POUCH_E_MISUSE;
	if ((rc = hash_all(c, t)) != POUCH_OK)
		return rc;
	memcpy(out, t->th + (size_t)x * t->suite->nh, t->suite->nh);
	return POUCH_OK;
}

int
pouch_mls_tree_root_hash(const struct pouch_crypto *c,
    struct pouch_mls_tree *t, uint8_t *out)
{
	if (t == NULL || t->nleaves == 0)
		return POUCH_E_MISUSE;
	return pouch_mls_tree_hash(c, t,
	    pouch_mls_tm_root(t->nleaves), out);
}

/* ---- original sibling tree hash (RFC 9420 7.9) ------------------------ */

/* Index of x in the sorted list v[0..n), or n. */
static size_t
find_sorted(const uint32_t *v, size_t n, uint32_t x)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid] == x)
			return mid;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return n;
}

/*
 * The hash of parent node z whose children's hashes are lh and rh, with
 * the sorted leaves excl[0..nexcl) taken out of its unmerged_leaves.
 */
static int
parent_hash_excluding(const struct pouch_crypto *c,
    const struct pouch_mls_tree *t, uint32_t z, const uint32_t *excl,
    size_t nexcl, const uint8_t *lh, const uint8_t *rh, struct hbuf *hb,
    uint8_t *out)
{
	const struct pouch_mls_tnode *tn = t->nodes[z];
	struct pouch_mls_parent_node pn;
	uint32_t *keep = NULL;
	size_t i, k = 0;
	int rc;

	if (tn == NULL)
		return parent_hash_input(c, t, NULL, lh, rh, hb, out);
	pn = tn->node.u.parent;
	if (pn.nunmerged > 0 &&
	    (keep = calloc(pn.nunmerged, sizeof(*keep))) == NULL)
		return POUCH_E_NOMEM;
	for (i = 0; i < pn.nunmerged; i++)
		if (find_sorted(excl, nexcl, pn.unmerged_leaves[i]) == nexcl)
			keep[k++] = pn.unmerged_leaves[i];
	pn.unmerged_leaves = keep;
	pn.nunmerged = k;
	rc = parent_hash_input(c, t, &pn, lh, rh, hb, out);
	free(keep);
	return rc;
}

/*
 * Tree hash of s in t modified as RFC 9420 7.9 says: the sorted, distinct
 * leaves excl[0..nexcl), all under s, blanked and removed from every
 * unmerged_leaves list.  Only the nodes above an excluded leaf change;
 * they are recomputed level by level (cur: the changed nodes of one
 * level, sorted, with their new hashes), the rest comes from the cache,
 * which must be current.
 */
static int
hash_excluding(const struct pouch_crypto *c, const struct pouch_mls_tree *t,
    uint32_t s, const uint32_t *excl, size_t nexcl, struct hbuf *hb,
    uint8_t *out)
{
	uint32_t *cur = NULL, *nxt = NULL, *tmp, z, l, r;
	uint8_t *curh = NULL, *nxth = NULL, *tmph;
	const uint8_t *lh, *rh;
	size_t nh = t->suite->nh, ncur = 0, nnxt, i, j;
	uint32_t k, top = pouch_mls_tm_level(s);
	int rc = POUCH_OK;

	if (nexcl == 0) {
		memcpy(out, t->th + (size_t)s * nh, nh);
		return POUCH_OK;
	}
	if ((cur = calloc(nexcl, sizeof(*cur))) == NULL ||
	    (nxt = calloc(nexcl, sizeof(*nxt))) == NULL ||
	    (curh = calloc(nexcl, nh)) == NULL ||
	    (nxth = calloc(nexcl, nh)) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	for (i = 0; i < nexcl; i++) {
		cur[ncur] = 2 * excl[i];
		if ((rc = leaf_hash(c, t, cur[ncur], NULL, hb,
		    curh + ncur * nh)) != POUCH_OK)
			goto out;
		ncur++;
	}
	for (k = 1; k <= top; k++) {
		nnxt = 0;
		for (i = 0; i < ncur; i++) {
			z = pouch_mls_tm_parent(cur[i], t->nleaves);
			if (nnxt > 0 && nxt[nnxt - 1] == z)
				continue;	/* parents of a sorted list */
			l = pouch_mls_tm_left(z);
			r = pouch_mls_tm_right(z);
			j = find_sorted(cur, ncur, l);
			lh = j < ncur ? curh + j * nh : t->th + (size_t)l * nh;
			j = find_sorted(cur, ncur, r);
			rh = j < ncur ? curh + j * nh : t->th + (size_t)r * nh;
			if ((rc = parent_hash_excluding(c, t, z, excl, nexcl,
			    lh, rh, hb, nxth + nnxt * nh)) != POUCH_OK)
				goto out;
			nxt[nnxt++] = z;
		}
		tmp = cur, cur = nxt, nxt = tmp;
		tmph = curh, curh = nxth, nxth = tmph;
		ncur = nnxt;
	}
	/* now cur holds s alone */
	memcpy(out, curh, nh);
out:
	free(cur);
	free(nxt);
	free(curh);
	free(nxth);
	return rc;
}

/*
 * The parent hash of the non-blank parent p with copath child s, whose
 * ParentNode is pn (the stored one, or a new one for a committer).
 */
static int
ph_compute(const struct pouch_crypto *c, const struct pouch_mls_tree *t,
    const struct pouch_mls_parent_node *pn, const uint32_t *sorted,
    uint32_t s, struct hbuf *hb, uint8_t *out)
{
	uint8_t osth[POUCH_HASH_MAX];
	uint32_t *excl = NULL;
	struct pouch_wr w;
	size_t nh = t->suite->nh, i, n = 0;
	int rc;

	/* p's unmerged leaves under s, sorted and distinct */
	if (pn->nunmerged > 0 &&
	    (excl = calloc(pn->nunmerged, sizeof(*excl))) == NULL)
		return POUCH_E_NOMEM;
	for (i = 0; i < pn->nunmerged; i++) {
		if (sorted[i] >= t->nleaves ||
		    !pouch_mls_tm_in_subtree(2 * sorted[i], s))
			continue;
		if (n > 0 && excl[n - 1] == sorted[i])
			continue;
		excl[n++] = sorted[i];
	}
	if ((rc = hash_excluding(c, t, s, excl, n, hb, osth)) != POUCH_OK)
		goto out;
	/* RFC 9420 7.9 ParentHashInput */
	if (pn->encryption_key.n > SIZE_MAX / 8 ||
	    pn->parent_hash.n > SIZE_MAX / 8) {
		rc = POUCH_E_TOO_LARGE;
		goto out;
	}
	if ((rc = hbuf_fit(hb, pn->encryption_key.n + pn->parent_hash.n +
	    16)) != POUCH_OK)
		goto out;
	pouch_wr_init_buf(&w, hb->p, hb->cap);
	pouch_wr_opaque(&w, pn->encryption_key.p, pn->encryption_key.n);
	pouch_wr_opaque(&w, pn->parent_hash.p, pn->parent_hash.n);
	pouch_wr_opaque(&w, osth, nh);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	rc = pouch_hash(c, t->suite->hash, w.buf, w.len, out);
out:
	free(excl);
	return rc;
}

int
pouch_mls_tree_parent_hash(const struct pouch_crypto *c,
    struct pouch_mls_tree *t, uint32_t p, uint32_t s, uint8_t *out)
{
	const struct pouch_mls_tnode *tn;
	struct hbuf hb = { NULL, 0 };
	int rc;

	if (c == NULL || t == NULL || out == NULL)
		return POUCH_E_MISUSE;
	if ((tn = pouch_mls_tree_tnode(t, p)) == NULL || (p & 1) == 0 ||
	    (s != pouch_mls_tm_left(p) && s != pouch_mls_tm_right(p)))
		return POUCH_E_MISUSE;
	if ((rc = hash_all(c, t)) != POUCH_OK ||
	    (rc = hbuf_new(t, &hb)) != POUCH_OK)
		goto out;
	rc = ph_compute(c, t, &tn->node.u.parent, tn->sorted, s, &hb, out);
out:
	hbuf_free(&hb);
	return rc;
}

/* ---- the committer's chain (RFC 9420 7.9, 12.4.1) --------------------- */

int
pouch_mls_tree_set_path_parent_hashes(const struct pouch_crypto *c,
    struct pouch_mls_tree *t, uint32_t leaf, uint8_t *out, size_t *outlen)
{
	struct pouch_mls_parent_node pn;
	const struct pouch_mls_tnode *tn;
	uint32_t fdp[POUCH_MLS_PATH_MAX], p, s;
	uint8_t ph[POUCH_HASH_MAX];
	struct hbuf hb = { NULL, 0 };
	size_t n, i, nh, phlen = 0;
	int rc;

	if (outlen == NULL)
		return POUCH_E_MISUSE;
	*outlen = 0;
	if (c == NULL || t == NULL || out == NULL)
		return POUCH_E_MISUSE;
	nh = t->suite->nh;
	if ((rc = pouch_mls_tree_filtered_direct_path(t, leaf, fdp, &n)) !=
	    POUCH_OK)
		return rc;
	for (i = 0; i < n; i++)
		if (t->nodes[fdp[i]] == NULL)
			return POUCH_E_MISUSE;
	/*
	 * Setting p's parent_hash changes only p and its ancestors, never
	 * the copath child below, so the chain is built from the root down
	 * in place, and the tree hashes it reads (under the copath
	 * children) stay current: the path's own hashes are recomputed
	 * once, when next asked for (only the copath children are hashed
	 * here, if stale).  No copy of the tree is made: both callers
	 * (TreeKEM's merge and encap) work on their own clone and drop it
	 * on failure.
	 */
	if ((rc = hbuf_new(t, &hb)) != POUCH_OK)
		goto out;
	for (i = n; i-- > 0;) {
		p = fdp[i];
		tn = t->nodes[p];
		pn = tn->node.u.parent;
		pn.parent_hash.p = ph;		/* "" at the root-most node */
		pn.parent_hash.n = phlen;
		if ((rc = pouch_mls_tree_set_parent(t, p, &pn)) != POUCH_OK)
			goto out;
		tn = t->nodes[p];
		s = pouch_mls_tm_in_subtree(2 * leaf, pouch_mls_tm_left(p)) ?
		    pouch_mls_tm_right(p) : pouch_mls_tm_left(p);
		if ((rc = hash_under(c, t, s, &hb)) != POUCH_OK)
			goto out;
		if ((rc = ph_compute(c, t, &tn->node.u.parent, tn->sorted, s,
		    &hb, ph)) != POUCH_OK)
			goto out;
		phlen = nh;
	}
	if (phlen > 0)
		memcpy(out, ph, phlen);
	*outlen = phlen;
out:
	hbuf_free(&hb);
	OPENSSL_cleanse(ph, sizeof(ph));
	return rc;
}

/* ---- verification (RFC 9420 7.9.2) ------------------------------------ */

/* The parent_hash field of node d, or NULL when it has none. */
static const struct pouch_mls_bytes *
node_parent_hash(const struct pouch_mls_tnode *d)
{
	if (d->node.type == POUCH_MLS_NODE_PARENT)
		return &d->node.u.parent.parent_hash;
	if (d->node.u.leaf.source == POUCH_MLS_LEAF_COMMIT)
		return &d->node.u.leaf.parent_hash;
	return NULL;
}

/*
 * Does some node D under child ch of p make p parent-hash valid?  D must
 * be in the resolution of ch, with p's unmerged leaves under ch being
 * exactly the rest of that resolution; so there is at most one candidate,
 * the one element of the resolution that is not such a leaf.  res and
 * tmp have room for the width of the tree.
 */
static int
child_links(const struct pouch_crypto *c, const struct pouch_mls_tree *t,
    uint32_t p, uint32_t ch, uint32_t *res, uint32_t *uc, struct hbuf *hb,
    int *linked)
{
	const struct pouch_mls_tnode *tn = t->nodes[p], *d;
	const struct pouch_mls_parent_node *pn = &tn->node.u.parent;
	const struct pouch_mls_bytes *dph;
	uint8_t ph[POUCH_HASH_MAX];
	size_t nres, nuc = 0, i, cand = SIZE_MAX;
	uint32_t s;
	int rc;

	*linked = 0;
	pouch_mls_tree_res(t, ch, res, &nres);
	/* never with consistent unmerged leaves, which the caller checked */
	if (nres > width_of(t) || pn->nunmerged > width_of(t))
		return POUCH_E_BAD_UNMERGED;
	for (i = 0; i < pn->nunmerged; i++)
		if (pouch_mls_tm_in_subtree(2 * tn->sorted[i], ch))
			uc[nuc++] = 2 * tn->sorted[i];	/* sorted */
	if (nres != nuc + 1)
		return POUCH_OK;
	for (i = 0; i < nres; i++) {
		if (find_sorted(uc, nuc, res[i]) < nuc)
			continue;
		if (cand != SIZE_MAX)
			return POUCH_OK;	/* two outside: no match */
		cand = i;
	}
	if (cand == SIZE_MAX)
		return POUCH_OK;
	d = t->nodes[res[cand]];
	if ((dph = node_parent_hash(d)) == NULL ||
	    dph->n != t->suite->nh)
		return POUCH_OK;
	s = ch == pouch_mls_tm_left(p) ? pouch_mls_tm_right(p) :
	    pouch_mls_tm_left(p);
	if ((rc = ph_compute(c, t, pn, tn->sorted, s, hb, ph)) != POUCH_OK)
		return rc;
	*linked = pouch_ct_eq(ph, dph->p, t->suite->nh) == 0;
	return POUCH_OK;
}

int
pouch_mls_tree_verify_parent_hashes(const struct pouch_crypto *c,
    struct pouch_mls_tree *t)
{
	struct hbuf hb = { NULL, 0 };
	uint32_t *res = NULL, *uc = NULL, w, x;
	int rc, l, r;

	if (c == NULL || t == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_tree_check_unmerged(t)) != POUCH_OK)
		return rc;
	w = width_of(t);
	if (w == 0)
		return POUCH_OK;
	if ((rc = hash_all(c, t)) != POUCH_OK ||
	    (rc = hbuf_new(t, &hb)) != POUCH_OK)
		goto out;
	if ((res = calloc(w, sizeof(*res))) == NULL ||
	    (uc = calloc(w, sizeof(*uc))) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	for (x = 1; x < w; x += 2) {
		if (t->nodes[x] == NULL)
			continue;
		if ((rc = child_links(c, t, x, pouch_mls_tm_left(x), res, uc,
		    &hb, &l)) != POUCH_OK ||
		    (rc = child_links(c, t, x, pouch_mls_tm_right(x), res, uc,
		    &hb, &r)) != POUCH_OK)
			goto out;
		/* exactly one descendant makes x parent-hash valid */
		if (l + r != 1) {
			rc = POUCH_E_BAD_PARENT_HASH;
			goto out;
		}
	}
	rc = POUCH_OK;
out:
	free(res);
	free(uc);
	hbuf_free(&hb);
	return rc;
}
