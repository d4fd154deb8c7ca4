/*
 * msg_leaf.c - LeafNode and what it is made of (RFC 9420 7.2): the
 * Capabilities lists, the Lifetime, the source-dependent body, and the
 * LeafNodeTBS that the leaf's signature covers.  Syntax only: the
 * signature, lifetime and capability checks of RFC 9420 7.3 belong to the
 * tree layer.
 */
#include <string.h>

#include "mls/msg_int.h"

int
pouch_mls_capabilities_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_capabilities *out)
{
	struct pouch_mls_capabilities c;
	struct pouch_rd t = *r;
	size_t max = lim->capabilities_max;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	if ((rc = pouch_mls_rd_u16s(&t, a, max, &c.versions)) != POUCH_OK ||
	    (rc = pouch_mls_rd_u16s(&t, a, max, &c.cipher_suites)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_rd_u16s(&t, a, max, &c.extensions)) != POUCH_OK ||
	    (rc = pouch_mls_rd_u16s(&t, a, max, &c.proposals)) != POUCH_OK ||
	    (rc = pouch_mls_rd_u16s(&t, a, max, &c.credentials)) != POUCH_OK)
		return rc;
	*out = c;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_capabilities_encode(struct pouch_wr *w,
    const struct pouch_mls_capabilities *x)
{
	pouch_mls_wr_u16s(w, &x->versions);
	pouch_mls_wr_u16s(w, &x->cipher_suites);
	pouch_mls_wr_u16s(w, &x->extensions);
	pouch_mls_wr_u16s(w, &x->proposals);
	pouch_mls_wr_u16s(w, &x->credentials);
}

int
pouch_mls_lifetime_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_lifetime *out)
{
	struct pouch_mls_lifetime l;
	struct pouch_rd t = *r;
	int rc;

	(void)a;
	(void)lim;
	memset(out, 0, sizeof(*out));
	memset(&l, 0, sizeof(l));
	if ((rc = pouch_rd_u64(&t, &l.not_before)) != POUCH_OK ||
	    (rc = pouch_rd_u64(&t, &l.not_after)) != POUCH_OK)
		return rc;
	*out = l;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_lifetime_encode(struct pouch_wr *w,
    const struct pouch_mls_lifetime *x)
{
	pouch_wr_u64(w, x->not_before);
	pouch_wr_u64(w, x->not_after);
}

/* Everything of a LeafNode before its signature (and before the TBS tail). */
static int
body_decode(struct pouch_rd *t, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_leaf_node *ln)
{
	int rc;

	if ((rc = pouch_mls_rd_bytes(t, lim->key_max, &ln->encryption_key)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(t, lim->key_max, &ln->signature_key)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_credential_decode(t, a, lim, &ln->credential)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_capabilities_decode(t, a, lim,
	    &ln->capabilities)) != POUCH_OK ||
	    (rc = pouch_rd_u8(t, &ln->source)) != POUCH_OK)
		return rc;
	switch (ln->source) {
	case POUCH_MLS_LEAF_KEY_PACKAGE:
		rc = pouch_mls_lifetime_decode(t, a, lim, &ln->lifetime);
		break;
	case POUCH_MLS_LEAF_UPDATE:
		break;
	case POUCH_MLS_LEAF_COMMIT:
		rc = pouch_mls_rd_bytes(t, lim->hash_max, &ln->parent_hash);
		break;
	default:
		rc = POUCH_E_MALFORMED;
		break;
	}
	if (rc != POUCH_OK)
		return rc;
	return pouch_mls_extensions_decode(t, a, lim, &ln->extensions);
}

static void
body_encode(struct pouch_wr *w, const struct pouch_mls_leaf_node *x)
{
	pouch_mls_wr_bytes(w, &x->encryption_key);
	pouch_mls_wr_bytes(w, &x->signature_key);
	pouch_mls_credential_encode(w, &x->credential);
	pouch_mls_capabilities_encode(w, &x->capabilities);
	pouch_wr_u8(w, x->source);
	switch (x->source) {
	case POUCH_MLS_LEAF_KEY_PACKAGE:
		pouch_mls_lifetime_encode(w, &x->lifetime);
		break;
	case POUCH_MLS_LEAF_UPDATE:
		break;
	case POUCH_MLS_LEAF_COMMIT:
		pouch_mls_wr_bytes(w, &x->parent_hash);
		break;
	default:
		pouch_mls_wr_fail(w, POUCH_E_MISUSE);
		break;
	}
	pouch_mls_extensions_encode(w, &x->extensions);
}

int
pouch_mls_leaf_node_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_leaf_node *out)
{
	struct pouch_mls_leaf_node ln;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&ln, 0, sizeof(ln));
	if ((rc = body_decode(&t, a, lim, &ln)) != POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(&t, lim->signature_max, &ln.signature)) !=
	    POUCH_OK)
		return rc;
	*out = ln;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_leaf_node_encode(struct pouch_wr *w,
    const struct pouch_mls_leaf_node *x)
{
	body_encode(w, x);
	pouch_mls_wr_bytes(w, &x->signature);
}

/* RFC 9420 7.2: group_id and leaf_index only for update and commit. */
static int
tbs_has_group(uint8_t source)
{
	return source == POUCH_MLS_LEAF_UPDATE ||
	    source == POUCH_MLS_LEAF_COMMIT;
}

int
pouch_mls_leaf_node_tbs_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_leaf_node_tbs *out)
{
	struct pouch_mls_leaf_node_tbs tbs;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&tbs, 0, sizeof(tbs));
	if ((rc = body_decode(&t, a, lim, &tbs.leaf)) != POUCH_OK)
		return rc;
	if (tbs_has_group(tbs.leaf.source) &&
	    ((rc = pouch_mls_rd_bytes(&t, lim->id_max, &tbs.group_id)) !=
	    POUCH_OK ||
	    (rc = pouch_rd_u32(&t, &tbs.leaf_index)) != POUCH_OK))
		return rc;
	*out = tbs;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_leaf_node_tbs_encode(struct pouch_wr *w,
    const struct pouch_mls_leaf_node_tbs *x)
{
	body_encode(w, &x->leaf);
	if (tbs_has_group(x->leaf.source)) {
		pouch_mls_wr_bytes(w, &x->group_id);
		pouch_wr_u32(w, x->leaf_index);
	}
}
