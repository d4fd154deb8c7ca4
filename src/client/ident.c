/*
 * client/ident - who a member device is: the credential identity each
 * Pouch device puts in its MLS leaf, and the account cross-signature
 * inside it that every client checks before it trusts the device
 * (BRIEF G7).  Encoded in the MLS presentation language:
 *
 *	struct {
 *		opaque label<V> = "pouch id v1";
 *		opaque user<V>;			// 1..64 of [a-z0-9._-]
 *		uint64 device_id;		// as the server numbered it
 *		opaque account_key<V>;		// Ed25519, 32 bytes
 *		opaque cross_sig<V>;		// Ed25519, 64 bytes
 *	} PouchIdentity;
 *
 * cross_sig is the account key's signature of the device statement of
 * docs/API.md ("pouch device v1", user, device_key), where device_key is
 * the leaf's signature key, so an identity cannot be moved to another
 * key.  device_id is informational (the server assigns it after the
 * signature is made).
 */
#include <stdlib.h>
#include <string.h>

#include <pouch/err.h>

#include "client/client_int.h"
#include "codec/codec.h"

#define LABEL_ID	"pouch id v1"
#define LABEL_DEVICE	"pouch device v1"

int
cl_user_ok(const char *u)
{
	size_t i, n;

	if (u == NULL || (n = strlen(u)) == 0 || n > CL_USER_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = u[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

int
cl_statement_device(const char *user, const uint8_t *device_key,
    uint8_t **out, size_t *outlen)
{
	struct pouch_wr w;

	pouch_wr_init(&w, 256);
	pouch_wr_opaque(&w, LABEL_DEVICE, strlen(LABEL_DEVICE));
	pouch_wr_opaque(&w, user, strlen(user));
	pouch_wr_opaque(&w, device_key, CL_KEY);
	return pouch_wr_take(&w, out, outlen);
}

int
cl_ident_make(struct pouch_client *cl)
{
	uint8_t *stmt = NULL, sig[CL_SIG];
	size_t stmtlen = 0, siglen;
	struct pouch_wr w;
	int rc;

	/* a paired device holds the cross-signature, not the account key */
	if (cl->have_acct_priv) {
		if ((rc = cl_statement_device(cl->user, cl->dev_pub, &stmt,
		    &stmtlen)) != POUCH_OK)
			goto out;
		if ((rc = pouch_sig_sign(cl->c, POUCH_SIG_ED25519,
		    cl->acct_priv, CL_KEY, stmt, stmtlen, sig, sizeof(sig),
		    &siglen)) != POUCH_OK)
			goto out;
		memcpy(cl->cross_sig, sig, CL_SIG);
	} else {
		memcpy(sig, cl->cross_sig, CL_SIG);
		siglen = CL_SIG;
	}
	pouch_wr_init(&w, 512);
	pouch_wr_opaque(&w, LABEL_ID, strlen(LABEL_ID));
	pouch_wr_opaque(&w, cl->user, strlen(cl->user));
	pouch_wr_u64(&w, (uint64_t)cl->device_id);
	pouch_wr_opaque(&w, cl->acct_pub, CL_KEY);
	pouch_wr_opaque(&w, sig, siglen);
	if (cl->ident != NULL)
		pouch_wr_buf_free(cl->ident, cl->identlen);
	cl->ident = NULL;
	rc = pouch_wr_take(&w, &cl->ident, &cl->identlen);
out:
	pouch_wr_buf_free(stmt, stmtlen);
	return rc;
}

int
cl_ident_parse(const uint8_t *p, size_t n, struct cl_ident *id)
{
	const uint8_t *lab, *u, *ak, *sig;
	size_t labn, un, akn, sign;
	struct pouch_rd r;
	uint64_t dev;
	int rc;

	memset(id, 0, sizeof(*id));
	pouch_rd_init(&r, p, n);
	if ((rc = pouch_rd_opaque(&r, &lab, &labn, 64)) != POUCH_OK ||
	    (rc = pouch_rd_opaque(&r, &u, &un, CL_USER_MAX)) != POUCH_OK ||
	    (rc = pouch_rd_u64(&r, &dev)) != POUCH_OK ||
	    (rc = pouch_rd_opaque(&r, &ak, &akn, CL_KEY)) != POUCH_OK ||
	    (rc = pouch_rd_opaque(&r, &sig, &sign, CL_SIG)) != POUCH_OK ||
	    (rc = pouch_rd_done(&r)) != POUCH_OK)
		goto out;
	rc = POUCH_E_MALFORMED;
	/* a NUL would make the C string another, shorter name */
	if (un == 0 || memchr(u, '\0', un) != NULL ||
	    labn != strlen(LABEL_ID) ||
	    memcmp(lab, LABEL_ID, labn) != 0 ||	/* checksrc: allow */
	    akn != CL_KEY || sign != CL_SIG || dev > INT64_MAX)
		goto out;
	memcpy(id->user, u, un);
	id->user[un] = '\0';
	if (!cl_user_ok(id->user))
		goto out;
	id->device_id = (int64_t)dev;
	memcpy(id->account_key, ak, CL_KEY);
	memcpy(id->cross_sig, sig, CL_SIG);
	rc = POUCH_OK;
out:
	if (rc != POUCH_OK)
		memset(id, 0, sizeof(*id));
	return rc;
}

int
cl_ident_check(const struct pouch_crypto *c, const uint8_t *p, size_t n,
    const uint8_t *sig_key, size_t sig_keylen, struct cl_ident *id)
{
	uint8_t *stmt = NULL;
	size_t stmtlen = 0;
	int rc;

	if ((rc = cl_ident_parse(p, n, id)) != POUCH_OK)
		return rc;
	if (sig_keylen != CL_KEY) {
		rc = POUCH_E_BAD_KEY;
		goto out;
	}
	if ((rc = cl_statement_device(id->user, sig_key, &stmt, &stmtlen)) !=
	    POUCH_OK)
		goto out;
	rc = pouch_sig_verify(c, POUCH_SIG_ED25519, POUCH_IMPL_DEFAULT,
	    id->account_key, CL_KEY, stmt, stmtlen, id->cross_sig, CL_SIG);
out:
	pouch_wr_buf_free(stmt, stmtlen);
	return rc;
}
