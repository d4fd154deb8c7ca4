/*
 * client/aad - the authenticated data on every application message this
 * client sends, and its checks at the receiver.  It lets members compare
 * what the server showed each of them, so that a server which shows two
 * members different histories is caught by the members themselves:
 *
 *   struct {
 *     uint8  version = 1;
 *     opaque epoch_check[16];  // MLS-Exporter("pouch epoch check", "", 16)
 *     opaque kt_note<V>;       // the sender's latest verified signed
 *                              // checkpoint of the key log, or empty
 *   } PouchAuthenticatedData;
 *
 * The epoch check is a one-way function of the sender's epoch secret: a
 * receiver at the same epoch number with another value was given another
 * commit for that epoch than the sender (a forked conversation).  The
 * checkpoint lets a receiver check, with a consistency proof, that the
 * sender's view of the key log and its own are one log (split-view
 * detection, BRIEF G6); the check itself is in kt.c.  The server sees
 * both values (authenticated_data is not encrypted); neither reveals a
 * key or a message.  Both are authenticated by the message's AEAD and
 * signature, so they are trusted only after the message decrypts; the
 * epoch check is compared before, to name a failure.
 */
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "client/client_int.h"
#include "codec/codec.h"
#include "kt/kt.h"

#define AAD_VERSION	1
#define EPOCH_LABEL	"pouch epoch check"

int
cl_epoch_check(const struct pouch_mls_group *g,
    uint8_t out[CL_EPOCH_CHECK])
{
	return pouch_mls_group_export(g, EPOCH_LABEL, NULL, 0, out,
	    CL_EPOCH_CHECK);
}

int
cl_aad_make(struct pouch_client *cl, const struct pouch_mls_group *g,
    uint8_t **out, size_t *outlen)
{
	uint8_t check[CL_EPOCH_CHECK];
	char note[POUCH_KT_NOTE_MAX];
	struct pouch_wr w;
	size_t notelen = 0;
	int rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = cl_epoch_check(g, check)) != POUCH_OK)
		return rc;
	if ((rc = cl_kt_note(cl, note, sizeof(note), &notelen)) != POUCH_OK)
		return rc;
	pouch_wr_init(&w, CL_AAD_MAX);
	pouch_wr_u8(&w, AAD_VERSION);
	pouch_wr_bytes(&w, check, sizeof(check));
	pouch_wr_opaque(&w, note, notelen);
	return pouch_wr_take(&w, out, outlen);
}

int
cl_aad_parse(const uint8_t *b, size_t n, struct cl_aad *a)
{
	struct pouch_rd r;
	uint8_t v;
	int rc;

	memset(a, 0, sizeof(*a));
	if (n > CL_AAD_MAX)
		return POUCH_E_TOO_LARGE;
	pouch_rd_init(&r, b, n);
	if ((rc = pouch_rd_u8(&r, &v)) != POUCH_OK)
		return rc;
	if (v != AAD_VERSION)
		return POUCH_E_UNSUPPORTED;
	if ((rc = pouch_rd_copy(&r, a->epoch_check,
	    sizeof(a->epoch_check))) != POUCH_OK ||
	    (rc = pouch_rd_opaque(&r, &a->note, &a->notelen,
	    POUCH_KT_NOTE_MAX)) != POUCH_OK)
		return rc;
	return pouch_rd_done(&r);
}

int
cl_app_seal(struct pouch_client *cl, struct pouch_mls_group *g,
    const uint8_t *pt, size_t ptlen, uint8_t **ct, size_t *ctlen)
{
	uint8_t *aad = NULL;
	size_t aadlen = 0;
	int rc;

	*ct = NULL;
	*ctlen = 0;
	if ((rc = cl_aad_make(cl, g, &aad, &aadlen)) == POUCH_OK)
		rc = pouch_mls_group_encrypt(g, aad, aadlen, pt, ptlen, ct,
		    ctlen);
	pouch_wr_buf_free(aad, aadlen);
	return rc;
}

/* 1 when a message of g's current epoch carries our epoch check. */
int
cl_aad_epoch_ok(const struct pouch_mls_group *g, const struct cl_aad *a)
{
	uint8_t mine[CL_EPOCH_CHECK];
	int ok;

	if (cl_epoch_check(g, mine) != POUCH_OK)
		return 0;
	ok = pouch_ct_eq(mine, a->epoch_check, sizeof(mine)) == 0;
	OPENSSL_cleanse(mine, sizeof(mine));
	return ok;
}
