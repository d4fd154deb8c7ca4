/*
 * msg_ext.c - the payloads of the extensions RFC 9420 defines (13.2):
 * application_id (5.3.3), required_capabilities (11.1), external_pub
 * (12.4.3.2) and external_senders (12.1.8.1).  Extension lists keep every
 * payload opaque (msg_base.c); these decoders read one payload from a
 * reader over extension_data, which the caller ends with pouch_rd_done().
 * The ratchet_tree payload is pouch_mls_ratchet_tree_decode (msg_tree.c).
 */
#include <string.h>

#include "mls/msg_int.h"

int
pouch_mls_application_id_decode(struct pouch_rd *r,
    const struct pouch_mls_limits *lim, struct pouch_mls_bytes *out)
{
	memset(out, 0, sizeof(*out));
	return pouch_mls_rd_bytes(r, lim->id_max, out);
}

int
pouch_mls_external_pub_decode(struct pouch_rd *r,
    const struct pouch_mls_limits *lim, struct pouch_mls_bytes *out)
{
	memset(out, 0, sizeof(*out));
	return pouch_mls_rd_bytes(r, lim->key_max, out);
}

int
pouch_mls_required_capabilities_decode(struct pouch_rd *r,
    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
    struct pouch_mls_required_capabilities *out)
{
	struct pouch_mls_required_capabilities req;
	struct pouch_rd t = *r;
	size_t max = lim->capabilities_max;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&req, 0, sizeof(req));
	if ((rc = pouch_mls_rd_u16s(&t, a, max, &req.extension_types)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_rd_u16s(&t, a, max, &req.proposal_types)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_rd_u16s(&t, a, max, &req.credential_types)) !=
	    POUCH_OK)
		return rc;
	*out = req;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_required_capabilities_encode(struct pouch_wr *w,
    const struct pouch_mls_required_capabilities *x)
{
	pouch_mls_wr_u16s(w, &x->extension_types);
	pouch_mls_wr_u16s(w, &x->proposal_types);
	pouch_mls_wr_u16s(w, &x->credential_types);
}

static int
sender_elem(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, void *elem)
{
	struct pouch_mls_external_sender *es = elem;
	struct pouch_rd t = *r;
	int rc;

	if ((rc = pouch_mls_rd_bytes(&t, lim->key_max, &es->signature_key)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_credential_decode(&t, a, lim, &es->credential)) !=
	    POUCH_OK)
		return rc;
	*r = t;
	return POUCH_OK;
}

int
pouch_mls_external_senders_decode(struct pouch_rd *r,
    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
    struct pouch_mls_external_senders *out)
{
	void *v;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = pouch_mls_rd_vector(r, a, lim, lim->senders_max,
	    sizeof(struct pouch_mls_external_sender), sender_elem, &v, &n)) !=
	    POUCH_OK)
		return rc;
	out->v = v;
	out->n = n;
	return POUCH_OK;
}

void
pouch_mls_external_senders_encode(struct pouch_wr *w,
    const struct pouch_mls_external_senders *x)
{
	size_t i;

	pouch_wr_vec_open(w);
	for (i = 0; i < x->n; i++) {
		pouch_mls_wr_bytes(w, &x->v[i].signature_key);
		pouch_mls_credential_encode(w, &x->v[i].credential);
	}
	pouch_wr_vec_close(w);
}
