/*
 * msg_commit.c - Commit and its UpdatePath (RFC 9420 12.4, 7.6): the
 * list of ProposalOrRef, the optional path, its UpdatePathNodes and their
 * HPKECiphertexts (which Welcome reuses for its encrypted group secrets).
 */
#include <string.h>

#include "mls/msg_int.h"

/* A filtered direct path in a tree of 2^32 leaves has at most 32 nodes. */
#define PATH_NODES_MAX	32

int
pouch_mls_hpke_ciphertext_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_hpke_ciphertext *out)
{
	struct pouch_mls_hpke_ciphertext c;
	struct pouch_rd t = *r;
	int rc;

	(void)a;
	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	if ((rc = pouch_mls_rd_bytes(&t, lim->key_max, &c.kem_output)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(&t, lim->message_max, &c.ciphertext)) !=
	    POUCH_OK)
		return rc;
	*out = c;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_hpke_ciphertext_encode(struct pouch_wr *w,
    const struct pouch_mls_hpke_ciphertext *x)
{
	pouch_mls_wr_bytes(w, &x->kem_output);
	pouch_mls_wr_bytes(w, &x->ciphertext);
}

static int
ciphertext_elem(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, void *elem)
{
	return pouch_mls_hpke_ciphertext_decode(r, a, lim, elem);
}

int
pouch_mls_update_path_node_decode(struct pouch_rd *r,
    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
    struct pouch_mls_update_path_node *out)
{
	struct pouch_mls_update_path_node pn;
	struct pouch_rd t = *r;
	void *v;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&pn, 0, sizeof(pn));
	/* one ciphertext per node of a resolution: at most one per leaf */
	if ((rc = pouch_mls_rd_bytes(&t, lim->key_max, &pn.encryption_key)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_rd_vector(&t, a, lim, lim->leaves_max,
	    sizeof(struct pouch_mls_hpke_ciphertext), ciphertext_elem, &v,
	    &pn.nsecrets)) != POUCH_OK)
		return rc;
	pn.secrets = v;
	*out = pn;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_update_path_node_encode(struct pouch_wr *w,
    const struct pouch_mls_update_path_node *x)
{
	size_t i;

	pouch_mls_wr_bytes(w, &x->encryption_key);
	pouch_wr_vec_open(w);
	for (i = 0; i < x->nsecrets; i++)
		pouch_mls_hpke_ciphertext_encode(w, &x->secrets[i]);
	pouch_wr_vec_close(w);
}

static int
path_node_elem(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, void *elem)
{
	return pouch_mls_update_path_node_decode(r, a, lim, elem);
}

int
pouch_mls_update_path_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_update_path *out)
{
	struct pouch_mls_update_path up;
	struct pouch_rd t = *r;
	void *v;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&up, 0, sizeof(up));
	if ((rc = pouch_mls_leaf_node_decode(&t, a, lim, &up.leaf_node)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_rd_vector(&t, a, lim, PATH_NODES_MAX,
	    sizeof(struct pouch_mls_update_path_node), path_node_elem, &v,
	    &up.n)) != POUCH_OK)
		return rc;
	up.nodes = v;
	*out = up;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_update_path_encode(struct pouch_wr *w,
    const struct pouch_mls_update_path *x)
{
	size_t i;

	pouch_mls_leaf_node_encode(w, &x->leaf_node);
	pouch_wr_vec_open(w);
	for (i = 0; i < x->n; i++)
		pouch_mls_update_path_node_encode(w, &x->nodes[i]);
	pouch_wr_vec_close(w);
}

static int
por_elem(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, void *elem)
{
	return pouch_mls_proposal_or_ref_decode(r, a, lim, elem);
}

int
pouch_mls_commit_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_commit *out)
{
	struct pouch_mls_commit c;
	struct pouch_rd t = *r;
	void *v;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	if ((rc = pouch_mls_rd_vector(&t, a, lim, lim->proposals_max,
	    sizeof(struct pouch_mls_proposal_or_ref), por_elem, &v,
	    &c.nproposals)) != POUCH_OK ||
	    (rc = pouch_rd_optional(&t, &c.has_path)) != POUCH_OK)
		return rc;
	c.proposals = v;
	if (c.has_path &&
	    (rc = pouch_mls_update_path_decode(&t, a, lim, &c.path)) !=
	    POUCH_OK)
		return rc;
	*out = c;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_commit_encode(struct pouch_wr *w, const struct pouch_mls_commit *x)
{
	size_t i;

	pouch_wr_vec_open(w);
	for (i = 0; i < x->nproposals; i++)
		pouch_mls_proposal_or_ref_encode(w, &x->proposals[i]);
	pouch_wr_vec_close(w);
	pouch_wr_optional(w, x->has_path);
	if (x->has_path)
		pouch_mls_update_path_encode(w, &x->path);
}
