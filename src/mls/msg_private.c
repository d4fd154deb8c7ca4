/*
 * msg_private.c - the PrivateMessage and what its encryption wraps
 * (RFC 9420 6.3): the PrivateMessage itself, the PrivateMessageContent
 * plaintext with its zero padding, the SenderData and the additional data
 * of both AEADs.  Encryption, keys and the secret tree are the message-
 * protection layer's; these are only their bytes.
 */
#include <string.h>

#include "mls/msg_int.h"

static int
content_type_known(uint8_t ct)
{
	return ct >= POUCH_MLS_CT_APPLICATION && ct <= POUCH_MLS_CT_COMMIT;
}

int
pouch_mls_private_message_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_private_message *out)
{
	struct pouch_mls_private_message pm;
	struct pouch_rd t = *r;
	int rc;

	(void)a;
	memset(out, 0, sizeof(*out));
	memset(&pm, 0, sizeof(pm));
	if ((rc = pouch_mls_rd_bytes(&t, lim->id_max, &pm.group_id)) !=
	    POUCH_OK ||
	    (rc = pouch_rd_u64(&t, &pm.epoch)) != POUCH_OK ||
	    (rc = pouch_rd_u8(&t, &pm.content_type)) != POUCH_OK)
		return rc;
	if (!content_type_known(pm.content_type))
		return POUCH_E_MALFORMED;
	if ((rc = pouch_mls_rd_bytes(&t, lim->message_max,
	    &pm.authenticated_data)) != POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(&t, lim->message_max,
	    &pm.encrypted_sender_data)) != POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(&t, lim->message_max, &pm.ciphertext)) !=
	    POUCH_OK)
		return rc;
	*out = pm;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_private_message_encode(struct pouch_wr *w,
    const struct pouch_mls_private_message *x)
{
	pouch_mls_wr_bytes(w, &x->group_id);
	pouch_wr_u64(w, x->epoch);
	pouch_wr_u8(w, x->content_type);
	pouch_mls_wr_bytes(w, &x->authenticated_data);
	pouch_mls_wr_bytes(w, &x->encrypted_sender_data);
	pouch_mls_wr_bytes(w, &x->ciphertext);
}

/* RFC 9420 6.3.1: the padding after the content must be all zeros. */
int
pouch_mls_private_content_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, uint8_t content_type,
    struct pouch_mls_private_content *out)
{
	struct pouch_mls_private_content pc;
	struct pouch_rd t = *r;
	uint8_t acc = 0;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&pc, 0, sizeof(pc));
	pc.content_type = content_type;
	if ((rc = pouch_mls_content_decode(&t, a, lim, content_type, &pc.u)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_auth_data_decode(&t, a, lim, content_type,
	    &pc.auth)) != POUCH_OK)
		return rc;
	pc.padding = pouch_rd_left(&t);
	for (i = 0; i < pc.padding; i++)
		acc |= t.p[i];
	if (acc != 0)
		return POUCH_E_MALFORMED;
	t.p = t.end;
	*out = pc;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_private_content_encode(struct pouch_wr *w,
    const struct pouch_mls_private_content *x)
{
	static const uint8_t zeros[64];
	size_t left, n;

	pouch_mls_content_encode(w, x->content_type, &x->u);
	pouch_mls_auth_data_encode(w, x->content_type, &x->auth);
	for (left = x->padding; left > 0; left -= n) {
		n = left < sizeof(zeros) ? left : sizeof(zeros);
		pouch_wr_bytes(w, zeros, n);
		if (w->err != POUCH_OK)
			break;
	}
}

int
pouch_mls_sender_data_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_sender_data *out)
{
	struct pouch_mls_sender_data sd;
	struct pouch_rd t = *r;
	int rc;

	(void)a;
	(void)lim;
	memset(out, 0, sizeof(*out));
	memset(&sd, 0, sizeof(sd));
	if ((rc = pouch_rd_u32(&t, &sd.leaf_index)) != POUCH_OK ||
	    (rc = pouch_rd_u32(&t, &sd.generation)) != POUCH_OK ||
	    (rc = pouch_rd_copy(&t, sd.reuse_guard,
	    sizeof(sd.reuse_guard))) != POUCH_OK)
		return rc;
	*out = sd;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_sender_data_encode(struct pouch_wr *w,
    const struct pouch_mls_sender_data *x)
{
	pouch_wr_u32(w, x->leaf_index);
	pouch_wr_u32(w, x->generation);
	pouch_wr_bytes(w, x->reuse_guard, sizeof(x->reuse_guard));
}

/* RFC 9420 6.3.2 SenderDataAAD */
void
pouch_mls_sender_data_aad_encode(struct pouch_wr *w,
    const struct pouch_mls_private_message *pm)
{
	pouch_mls_wr_bytes(w, &pm->group_id);
	pouch_wr_u64(w, pm->epoch);
	pouch_wr_u8(w, pm->content_type);
}

/* RFC 9420 6.3.1 PrivateContentAAD */
void
pouch_mls_private_content_aad_encode(struct pouch_wr *w,
    const struct pouch_mls_private_message *pm)
{
	pouch_mls_wr_bytes(w, &pm->group_id);
	pouch_wr_u64(w, pm->epoch);
	pouch_wr_u8(w, pm->content_type);
	pouch_mls_wr_bytes(w, &pm->authenticated_data);
}
