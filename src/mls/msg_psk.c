/*
 * msg_psk.c - pre-shared key identifiers on the wire (RFC 9420 8.4):
 * PreSharedKeyID (external or resumption) and the PSKLabel that the PSK
 * secret derivation hashes.  The derivation itself is the key schedule's.
 */
#include <string.h>

#include "mls/msg_int.h"

int
pouch_mls_psk_id_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_psk_id *out)
{
	struct pouch_mls_psk_id id;
	struct pouch_rd t = *r;
	int rc;

	(void)a;
	memset(out, 0, sizeof(*out));
	memset(&id, 0, sizeof(id));
	if ((rc = pouch_rd_u8(&t, &id.type)) != POUCH_OK)
		return rc;
	switch (id.type) {
	case POUCH_MLS_PSKTYPE_EXTERNAL:
		rc = pouch_mls_rd_bytes(&t, lim->id_max, &id.psk_id);
		break;
	case POUCH_MLS_PSKTYPE_RESUMPTION:
		if ((rc = pouch_rd_u8(&t, &id.usage)) != POUCH_OK)
			break;
		if (id.usage < POUCH_MLS_USAGE_APPLICATION ||
		    id.usage > POUCH_MLS_USAGE_BRANCH) {
			rc = POUCH_E_MALFORMED;
			break;
		}
		if ((rc = pouch_mls_rd_bytes(&t, lim->id_max,
		    &id.psk_group_id)) != POUCH_OK)
			break;
		rc = pouch_rd_u64(&t, &id.psk_epoch);
		break;
	default:
		rc = POUCH_E_MALFORMED;
		break;
	}
	if (rc != POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(&t, lim->hash_max, &id.psk_nonce)) !=
	    POUCH_OK)
		return rc;
	*out = id;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_psk_id_encode(struct pouch_wr *w, const struct pouch_mls_psk_id *x)
{
	pouch_wr_u8(w, x->type);
	switch (x->type) {
	case POUCH_MLS_PSKTYPE_EXTERNAL:
		pouch_mls_wr_bytes(w, &x->psk_id);
		break;
	case POUCH_MLS_PSKTYPE_RESUMPTION:
		pouch_wr_u8(w, x->usage);
		pouch_mls_wr_bytes(w, &x->psk_group_id);
		pouch_wr_u64(w, x->psk_epoch);
		break;
	default:
		pouch_mls_wr_fail(w, POUCH_E_MISUSE);
		break;
	}
	pouch_mls_wr_bytes(w, &x->psk_nonce);
}

int
pouch_mls_psk_label_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_psk_label *out)
{
	struct pouch_mls_psk_label l;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&l, 0, sizeof(l));
	if ((rc = pouch_mls_psk_id_decode(&t, a, lim, &l.id)) != POUCH_OK ||
	    (rc = pouch_rd_u16(&t, &l.index)) != POUCH_OK ||
	    (rc = pouch_rd_u16(&t, &l.count)) != POUCH_OK)
		return rc;
	*out = l;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_psk_label_encode(struct pouch_wr *w,
    const struct pouch_mls_psk_label *x)
{
	pouch_mls_psk_id_encode(w, &x->id);
	pouch_wr_u16(w, x->index);
	pouch_wr_u16(w, x->count);
}
