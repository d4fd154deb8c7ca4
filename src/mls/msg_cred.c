/*
 * msg_cred.c - Credential (RFC 9420 5.3): basic credentials carry an
 * identity, x509 credentials a chain of Certificates.  Other credential
 * types have bodies of unknown shape and no length prefix, so they cannot
 * be parsed: UNSUPPORTED (reserved 0 is MALFORMED).  Only syntax here; the
 * credential is validated by the application's authentication service.
 */
#include <string.h>

#include "mls/msg_int.h"

static int
cert_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, void *elem)
{
	(void)a;
	return pouch_mls_rd_bytes(r, lim->credential_max, elem);
}

int
pouch_mls_credential_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_credential *out)
{
	struct pouch_mls_credential c;
	struct pouch_rd t = *r;
	void *v;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	if ((rc = pouch_rd_u16(&t, &c.type)) != POUCH_OK)
		return rc;
	switch (c.type) {
	case POUCH_MLS_CRED_BASIC:
		rc = pouch_mls_rd_bytes(&t, lim->credential_max, &c.identity);
		break;
	case POUCH_MLS_CRED_X509:
		rc = pouch_mls_rd_vector(&t, a, lim, lim->certificates_max,
		    sizeof(struct pouch_mls_bytes), cert_decode, &v,
		    &c.ncerts);
		c.certs = rc == POUCH_OK ? v : NULL;
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
	*out = c;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_credential_encode(struct pouch_wr *w,
    const struct pouch_mls_credential *x)
{
	size_t i;

	pouch_wr_u16(w, x->type);
	switch (x->type) {
	case POUCH_MLS_CRED_BASIC:
		pouch_mls_wr_bytes(w, &x->identity);
		break;
	case POUCH_MLS_CRED_X509:
		pouch_wr_vec_open(w);
		for (i = 0; i < x->ncerts; i++)
			pouch_mls_wr_bytes(w, &x->certs[i]);
		pouch_wr_vec_close(w);
		break;
	default:
		pouch_mls_wr_fail(w, POUCH_E_MISUSE);
		break;
	}
}
