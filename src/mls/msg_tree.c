/*
 * msg_tree.c - the ratchet tree on the wire (RFC 9420 7.1, 12.4.3.3):
 * ParentNode, Node, and the vector of optional<Node> that the
 * ratchet_tree extension carries, blank nodes as NULL pointers.  Syntax
 * only; the tree's invariants (RFC 9420 7.9, 12.4.3.1) are checked by the
 * tree layer.
 */
#include <string.h>

#include "mls/msg_int.h"

int
pouch_mls_parent_node_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_parent_node *out)
{
	struct pouch_mls_parent_node pn;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&pn, 0, sizeof(pn));
	if ((rc = pouch_mls_rd_bytes(&t, lim->key_max, &pn.encryption_key)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(&t, lim->hash_max, &pn.parent_hash)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_rd_u32s(&t, a, lim->leaves_max,
	    &pn.unmerged_leaves, &pn.nunmerged)) != POUCH_OK)
		return rc;
	*out = pn;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_parent_node_encode(struct pouch_wr *w,
    const struct pouch_mls_parent_node *x)
{
	pouch_mls_wr_bytes(w, &x->encryption_key);
	pouch_mls_wr_bytes(w, &x->parent_hash);
	pouch_mls_wr_u32s(w, x->unmerged_leaves, x->nunmerged);
}

int
pouch_mls_node_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_node *out)
{
	struct pouch_mls_node n;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&n, 0, sizeof(n));
	if ((rc = pouch_rd_u8(&t, &n.type)) != POUCH_OK)
		return rc;
	switch (n.type) {
	case POUCH_MLS_NODE_LEAF:
		rc = pouch_mls_leaf_node_decode(&t, a, lim, &n.u.leaf);
		break;
	case POUCH_MLS_NODE_PARENT:
		rc = pouch_mls_parent_node_decode(&t, a, lim, &n.u.parent);
		break;
	default:
		rc = POUCH_E_MALFORMED;
		break;
	}
	if (rc != POUCH_OK)
		return rc;
	*out = n;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_node_encode(struct pouch_wr *w, const struct pouch_mls_node *x)
{
	pouch_wr_u8(w, x->type);
	switch (x->type) {
	case POUCH_MLS_NODE_LEAF:
		pouch_mls_leaf_node_encode(w, &x->u.leaf);
		break;
	case POUCH_MLS_NODE_PARENT:
		pouch_mls_parent_node_encode(w, &x->u.parent);
		break;
	default:
		pouch_mls_wr_fail(w, POUCH_E_MISUSE);
		break;
	}
}

/* optional<Node>: the slot is a struct pouch_mls_node *, NULL if blank. */
static int
opt_node_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, void *elem)
{
	struct pouch_mls_node **slot = elem, *n;
	struct pouch_rd t = *r;
	void *p;
	int present, rc;

	if ((rc = pouch_rd_optional(&t, &present)) != POUCH_OK)
		return rc;
	if (present) {
		if ((rc = pouch_mls_arena_alloc(a, sizeof(*n), &p)) !=
		    POUCH_OK)
			return rc;
		n = p;
		if ((rc = pouch_mls_node_decode(&t, a, lim, n)) != POUCH_OK)
			return rc;
		*slot = n;
	}
	*r = t;
	return POUCH_OK;
}

int
pouch_mls_ratchet_tree_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_ratchet_tree *out)
{
	void *v;
	size_t n, max;
	int rc;

	memset(out, 0, sizeof(*out));
	/* a full tree of leaves_max leaves has 2 * leaves_max - 1 nodes */
	max = lim->leaves_max > SIZE_MAX / 2 ? SIZE_MAX :
	    lim->leaves_max * 2 - (lim->leaves_max > 0);
	if ((rc = pouch_mls_rd_vector(r, a, lim, max,
	    sizeof(struct pouch_mls_node *), opt_node_decode, &v, &n)) !=
	    POUCH_OK)
		return rc;
	out->nodes = v;
	out->n = n;
	return POUCH_OK;
}

void
pouch_mls_ratchet_tree_encode(struct pouch_wr *w,
    const struct pouch_mls_ratchet_tree *x)
{
	size_t i;

	pouch_wr_vec_open(w);
	for (i = 0; i < x->n; i++) {
		pouch_wr_optional(w, x->nodes[i] != NULL);
		if (x->nodes[i] != NULL)
			pouch_mls_node_encode(w, x->nodes[i]);
	}
	pouch_wr_vec_close(w);
}
