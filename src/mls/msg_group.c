/*
 * msg_group.c - the group's public state on the wire: GroupContext
 * (RFC 9420 8.1), and GroupInfo with the GroupInfoTBS its signer signs
 * (RFC 9420 12.4.3).  The ratchet_tree and external_pub extensions of a
 * GroupInfo stay opaque here; their payload decoders are in msg_ext.c and
 * msg_tree.c.
 */
#include <string.h>

#include "mls/msg_int.h"

int
pouch_mls_group_context_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_group_context *out)
{
	struct pouch_mls_group_context gc;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&gc, 0, sizeof(gc));
	if ((rc = pouch_rd_u16(&t, &gc.version)) != POUCH_OK ||
	    (rc = pouch_rd_u16(&t, &gc.cipher_suite)) != POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(&t, lim->id_max, &gc.group_id)) !=
	    POUCH_OK ||
	    (rc = pouch_rd_u64(&t, &gc.epoch)) != POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(&t, lim->hash_max, &gc.tree_hash)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(&t, lim->hash_max,
	    &gc.confirmed_transcript_hash)) != POUCH_OK ||
	    (rc = pouch_mls_extensions_decode(&t, a, lim, &gc.extensions)) !=
	    POUCH_OK)
		return rc;
	*out = gc;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_group_context_encode(struct pouch_wr *w,
    const struct pouch_mls_group_context *x)
{
	pouch_wr_u16(w, x->version);
	pouch_wr_u16(w, x->cipher_suite);
	pouch_mls_wr_bytes(w, &x->group_id);
	pouch_wr_u64(w, x->epoch);
	pouch_mls_wr_bytes(w, &x->tree_hash);
	pouch_mls_wr_bytes(w, &x->confirmed_transcript_hash);
	pouch_mls_extensions_encode(w, &x->extensions);
}

static int
tbs_decode(struct pouch_rd *t, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_group_info *gi)
{
	int rc;

	if ((rc = pouch_mls_group_context_decode(t, a, lim,
	    &gi->group_context)) != POUCH_OK ||
	    (rc = pouch_mls_extensions_decode(t, a, lim, &gi->extensions)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(t, lim->hash_max,
	    &gi->confirmation_tag)) != POUCH_OK)
		return rc;
	return pouch_rd_u32(t, &gi->signer);
}

int
pouch_mls_group_info_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_group_info *out)
{
	struct pouch_mls_group_info gi;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&gi, 0, sizeof(gi));
	if ((rc = tbs_decode(&t, a, lim, &gi)) != POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(&t, lim->signature_max, &gi.signature)) !=
	    POUCH_OK)
		return rc;
	*out = gi;
	*r = t;
	return POUCH_OK;
}

int
pouch_mls_group_info_tbs_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_group_info *out)
{
	struct pouch_mls_group_info gi;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&gi, 0, sizeof(gi));
	if ((rc = tbs_decode(&t, a, lim, &gi)) != POUCH_OK)
		return rc;
	*out = gi;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_group_info_tbs_encode(struct pouch_wr *w,
    const struct pouch_mls_group_info *x)
{
	pouch_mls_group_context_encode(w, &x->group_context);
	pouch_mls_extensions_encode(w, &x->extensions);
	pouch_mls_wr_bytes(w, &x->confirmation_tag);
	pouch_wr_u32(w, x->signer);
}

void
pouch_mls_group_info_encode(struct pouch_wr *w,
    const struct pouch_mls_group_info *x)
{
	pouch_mls_group_info_tbs_encode(w, x);
	pouch_mls_wr_bytes(w, &x->signature);
}
