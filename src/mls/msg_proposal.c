/*
 * msg_proposal.c - proposals (RFC 9420 12.1): the seven proposal bodies,
 * Proposal, and ProposalOrRef as a Commit lists them.  A proposal type
 * Pouch does not know has a body of unknown length, so nothing after it
 * can be read: UNSUPPORTED (RFC 9420 13: such proposals cannot be
 * processed).  Reserved type 0 is MALFORMED.
 */
#include <string.h>

#include "mls/msg_int.h"

int
pouch_mls_add_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_add *out)
{
	memset(out, 0, sizeof(*out));
	return pouch_mls_key_package_decode(r, a, lim, &out->key_package);
}

void
pouch_mls_add_encode(struct pouch_wr *w, const struct pouch_mls_add *x)
{
	pouch_mls_key_package_encode(w, &x->key_package);
}

int
pouch_mls_update_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_update *out)
{
	memset(out, 0, sizeof(*out));
	return pouch_mls_leaf_node_decode(r, a, lim, &out->leaf_node);
}

void
pouch_mls_update_encode(struct pouch_wr *w, const struct pouch_mls_update *x)
{
	pouch_mls_leaf_node_encode(w, &x->leaf_node);
}

int
pouch_mls_remove_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_remove *out)
{
	(void)a;
	(void)lim;
	memset(out, 0, sizeof(*out));
	return pouch_rd_u32(r, &out->removed);
}

void
pouch_mls_remove_encode(struct pouch_wr *w, const struct pouch_mls_remove *x)
{
	pouch_wr_u32(w, x->removed);
}

int
pouch_mls_pre_shared_key_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_pre_shared_key *out)
{
	memset(out, 0, sizeof(*out));
	return pouch_mls_psk_id_decode(r, a, lim, &out->psk);
}

void
pouch_mls_pre_shared_key_encode(struct pouch_wr *w,
    const struct pouch_mls_pre_shared_key *x)
{
	pouch_mls_psk_id_encode(w, &x->psk);
}

int
pouch_mls_reinit_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_reinit *out)
{
	struct pouch_mls_reinit ri;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&ri, 0, sizeof(ri));
	if ((rc = pouch_mls_rd_bytes(&t, lim->id_max, &ri.group_id)) !=
	    POUCH_OK ||
	    (rc = pouch_rd_u16(&t, &ri.version)) != POUCH_OK ||
	    (rc = pouch_rd_u16(&t, &ri.cipher_suite)) != POUCH_OK ||
	    (rc = pouch_mls_extensions_decode(&t, a, lim, &ri.extensions)) !=
	    POUCH_OK)
		return rc;
	*out = ri;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_reinit_encode(struct pouch_wr *w, const struct pouch_mls_reinit *x)
{
	pouch_mls_wr_bytes(w, &x->group_id);
	pouch_wr_u16(w, x->version);
	pouch_wr_u16(w, x->cipher_suite);
	pouch_mls_extensions_encode(w, &x->extensions);
}

int
pouch_mls_external_init_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_external_init *out)
{
	(void)a;
	memset(out, 0, sizeof(*out));
	return pouch_mls_rd_bytes(r, lim->key_max, &out->kem_output);
}

void
pouch_mls_external_init_encode(struct pouch_wr *w,
    const struct pouch_mls_external_init *x)
{
	pouch_mls_wr_bytes(w, &x->kem_output);
}

int
pouch_mls_group_context_extensions_decode(struct pouch_rd *r,
    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
    struct pouch_mls_group_context_extensions *out)
{
	memset(out, 0, sizeof(*out));
	return pouch_mls_extensions_decode(r, a, lim, &out->extensions);
}

void
pouch_mls_group_context_extensions_encode(struct pouch_wr *w,
    const struct pouch_mls_group_context_extensions *x)
{
	pouch_mls_extensions_encode(w, &x->extensions);
}

int
pouch_mls_proposal_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_proposal *out)
{
	struct pouch_mls_proposal p;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	if ((rc = pouch_rd_u16(&t, &p.type)) != POUCH_OK)
		return rc;
	switch (p.type) {
	case POUCH_MLS_PROP_ADD:
		rc = pouch_mls_add_decode(&t, a, lim, &p.u.add);
		break;
	case POUCH_MLS_PROP_UPDATE:
		rc = pouch_mls_update_decode(&t, a, lim, &p.u.update);
		break;
	case POUCH_MLS_PROP_REMOVE:
		rc = pouch_mls_remove_decode(&t, a, lim, &p.u.remove);
		break;
	case POUCH_MLS_PROP_PSK:
		rc = pouch_mls_pre_shared_key_decode(&t, a, lim, &p.u.psk);
		break;
	case POUCH_MLS_PROP_REINIT:
		rc = pouch_mls_reinit_decode(&t, a, lim, &p.u.reinit);
		break;
	case POUCH_MLS_PROP_EXTERNAL_INIT:
		rc = pouch_mls_external_init_decode(&t, a, lim,
		    &p.u.external_init);
		break;
	case POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS:
		rc = pouch_mls_group_context_extensions_decode(&t, a, lim,
		    &p.u.gce);
		break;
	case 0:
		rc = POUCH_E_MALFORMED;		/* reserved */
		break;
	default:
		rc = POUCH_E_UNSUPPORTED;	/* RFC 9420 13: no length */
		break;
	}
	if (rc != POUCH_OK)
		return rc;
	*out = p;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_proposal_encode(struct pouch_wr *w,
    const struct pouch_mls_proposal *x)
{
	pouch_wr_u16(w, x->type);
	switch (x->type) {
	case POUCH_MLS_PROP_ADD:
		pouch_mls_add_encode(w, &x->u.add);
		break;
	case POUCH_MLS_PROP_UPDATE:
		pouch_mls_update_encode(w, &x->u.update);
		break;
	case POUCH_MLS_PROP_REMOVE:
		pouch_mls_remove_encode(w, &x->u.remove);
		break;
	case POUCH_MLS_PROP_PSK:
		pouch_mls_pre_shared_key_encode(w, &x->u.psk);
		break;
	case POUCH_MLS_PROP_REINIT:
		pouch_mls_reinit_encode(w, &x->u.reinit);
		break;
	case POUCH_MLS_PROP_EXTERNAL_INIT:
		pouch_mls_external_init_encode(w, &x->u.external_init);
		break;
	case POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS:
		pouch_mls_group_context_extensions_encode(w, &x->u.gce);
		break;
	default:
		pouch_mls_wr_fail(w, POUCH_E_MISUSE);
		break;
	}
}

int
pouch_mls_proposal_or_ref_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_proposal_or_ref *out)
{
	struct pouch_mls_proposal_or_ref por;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&por, 0, sizeof(por));
	if ((rc = pouch_rd_u8(&t, &por.type)) != POUCH_OK)
		return rc;
	switch (por.type) {
	case POUCH_MLS_POR_PROPOSAL:
		rc = pouch_mls_proposal_decode(&t, a, lim, &por.u.proposal);
		break;
	case POUCH_MLS_POR_REFERENCE:
		rc = pouch_mls_rd_bytes(&t, lim->hash_max, &por.u.reference);
		break;
	default:
		rc = POUCH_E_MALFORMED;
		break;
	}
	if (rc != POUCH_OK)
		return rc;
	*out = por;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_proposal_or_ref_encode(struct pouch_wr *w,
    const struct pouch_mls_proposal_or_ref *x)
{
	pouch_wr_u8(w, x->type);
	switch (x->type) {
	case POUCH_MLS_POR_PROPOSAL:
		pouch_mls_proposal_encode(w, &x->u.proposal);
		break;
	case POUCH_MLS_POR_REFERENCE:
		pouch_mls_wr_bytes(w, &x->u.reference);
		break;
	default:
		pouch_mls_wr_fail(w, POUCH_E_MISUSE);
		break;
	}
}
