/*
 * client/rotate - the user replaces its account key (issue #10), on the
 * device that holds it, and every own device follows.
 *
 * pouch_client_account_rotate() makes a new Ed25519 key, the key log's
 * "account key" event {account_key = new, prev = old} signed by the old
 * key, and the new key's cross-signature of every active device of the
 * user that the verified log shows, and submits them (POST
 * /v1/account/rotate; docs/API.md).  The new private key is kept in the
 * store as pending ("id/acct_next") before anything is sent, and
 * replaces the old one only when the log shows the rotation (kt.c calls
 * cl_rotate_adopt() inside the transaction that adopts the entry), or on
 * the server's answer when it keeps no log; the old key is then wiped.
 * A crash in between leaves a device that still acts under the old key:
 * the next sync finishes the rotation if the server made it, the next
 * call retries it with the same pending key otherwise.
 *
 * Every other own device (a paired one holds only its cross-signature)
 * adopts the new public key from the log and takes its new
 * cross-signature from its "device added" entry.  Then each device
 * self-updates in every conversation, its new leaf carrying the new
 * identity (conv.c, commit_once and cl_maybe_update, via
 * cl_rotate_stale()), and at its next sync replaces the KeyPackages it
 * left on the server, which carry the old identity, with fresh ones
 * (CL_KP_STALE, set with the new identity; account.c, cl_kp_refill).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "client/client_int.h"
#include "codec/codec.h"
#include "kt/kt.h"

#define PENDING		"id/acct_next"	/* private || public */
#define STALE		"id/stale_convs"	/* identity changed */

/* The pending new key, if any: POUCH_OK, NOT_FOUND or an error. */
static int
pending_get(struct pouch_client *cl, uint8_t priv[CL_KEY],
    uint8_t pub[CL_KEY])
{
	uint8_t *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = pouch_cstore_kv_get(cl->st, PENDING, &v, &n)) != POUCH_OK)
		return rc;
	if (n == 2 * CL_KEY) {
		memcpy(priv, v, CL_KEY);
		memcpy(pub, v + CL_KEY, CL_KEY);
	} else
		rc = POUCH_E_MALFORMED;
	pouch_cstore_buf_free(v, n);
	return rc;
}

/* Our identity as it now is, made and stored (inside the caller's
 * transaction when there is one). */
static int
ident_save(struct pouch_client *cl)
{
	int rc;

	if ((rc = cl_ident_make(cl)) != POUCH_OK)
		return rc;
	if (cl->have_acct_priv && (rc = pouch_cstore_kv_put(cl->st,
	    "id/acct_priv", cl->acct_priv, CL_KEY)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_kv_put(cl->st, "id/acct_pub", cl->acct_pub,
	    CL_KEY)) != POUCH_OK ||
	    (rc = pouch_cstore_kv_put(cl->st, "id/cross_sig", cl->cross_sig,
	    CL_SIG)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_kv_put(cl->st, "id/ident", cl->ident,
	    cl->identlen)) != POUCH_OK)
		return rc;
	/* our KeyPackages on the server carry the old identity: the next
	 * refill replaces them (account.c, cl_kp_refill) */
	if ((rc = pouch_cstore_kv_put(cl->st, CL_KP_STALE,
	    (const uint8_t *)"1", 1)) != POUCH_OK)
		return rc;
	/* our leaves still carry the old identity: cl_maybe_update looks */
	return pouch_cstore_kv_put(cl->st, STALE, (const uint8_t *)"1", 1);
}

int
cl_rotate_marked(struct pouch_client *cl)
{
	uint8_t *v = NULL;
	size_t n = 0;
	int rc;

	rc = pouch_cstore_kv_get(cl->st, STALE, &v, &n);
	if (rc == POUCH_E_NOT_FOUND)
		return 0;
	if (rc != POUCH_OK)
		return rc;
	pouch_cstore_buf_free(v, n);
	return 1;
}

int
cl_rotate_unmark(struct pouch_client *cl)
{
	int rc = pouch_cstore_kv_del(cl->st, STALE);

	return rc == POUCH_E_NOT_FOUND ? POUCH_OK : rc;
}

int
cl_rotate_adopt(struct pouch_client *cl, const uint8_t prev[CL_KEY],
    const uint8_t next[CL_KEY])
{
	uint8_t priv[CL_KEY], pub[CL_KEY];
	int rc, pend;

	rc = pending_get(cl, priv, pub);
	if (rc != POUCH_OK && rc != POUCH_E_NOT_FOUND &&
	    rc != POUCH_E_MALFORMED)
		return rc;
	pend = rc == POUCH_OK;
	if (pend && pouch_ct_eq(pub, next, CL_KEY) == 0) {
		/* our own rotation is in the log: the new key takes over */
		OPENSSL_cleanse(cl->acct_priv, CL_KEY);
		memcpy(cl->acct_priv, priv, CL_KEY);
		memcpy(cl->acct_pub, pub, CL_KEY);
		cl->have_acct_priv = 1;
		if ((rc = ident_save(cl)) == POUCH_OK)
			rc = pouch_cstore_kv_del(cl->st, PENDING);
		OPENSSL_cleanse(priv, sizeof(priv));
		return rc == POUCH_OK ? POUCH_E_EXISTS : rc;
	}
	OPENSSL_cleanse(priv, sizeof(priv));
	if (pouch_ct_eq(cl->acct_pub, next, CL_KEY) == 0)
		return POUCH_E_EXISTS;	/* paired after it: known already */
	if (pouch_ct_eq(cl->acct_pub, prev, CL_KEY) != 0)
		return POUCH_E_NOT_FOUND;
	/* another device replaced the key: ours (if any) is dead now */
	if (pend && (rc = pouch_cstore_kv_del(cl->st, PENDING)) != POUCH_OK)
		return rc;
	if (cl->have_acct_priv) {
		OPENSSL_cleanse(cl->acct_priv, CL_KEY);
		cl->have_acct_priv = 0;
		if ((rc = pouch_cstore_kv_del(cl->st, "id/acct_priv")) !=
		    POUCH_OK && rc != POUCH_E_NOT_FOUND)
			return rc;
	}
	memcpy(cl->acct_pub, next, CL_KEY);
	/* the identity follows with our cross-signature (its log entry) */
	return pouch_cstore_kv_put(cl->st, "id/acct_pub", cl->acct_pub,
	    CL_KEY);
}

int
cl_rotate_cross_sig(struct pouch_client *cl, const uint8_t sig[CL_SIG])
{
	/* the caller verified it: the log's entry for this device under
	 * cl->acct_pub; the key's holder signs its own */
	if (cl->have_acct_priv || pouch_ct_eq(sig, cl->cross_sig, CL_SIG) == 0)
		return POUCH_OK;
	memcpy(cl->cross_sig, sig, CL_SIG);
	return ident_save(cl);
}

int
cl_rotate_stale(struct pouch_client *cl, struct pouch_mls_group *g)
{
	struct pouch_mls_member_info mi;
	struct cl_ident leaf, ours;

	if (pouch_mls_group_removed(g) ||
	    pouch_mls_group_member(g, pouch_mls_group_leaf(g), &mi) !=
	    POUCH_OK ||
	    cl_ident_parse(mi.identity, mi.identitylen, &leaf) != POUCH_OK ||
	    cl_ident_parse(cl->ident, cl->identlen, &ours) != POUCH_OK)
		return 0;
	return pouch_ct_eq(leaf.account_key, ours.account_key, CL_KEY) != 0 ||
	    pouch_ct_eq(leaf.cross_sig, ours.cross_sig, CL_SIG) != 0;
}

int
cl_acct_ok(struct pouch_client *cl, const char *user, const uint8_t *want,
    const uint8_t account_key[CL_KEY], const uint8_t dev[CL_KEY])
{
	uint8_t cur[CL_KEY];

	if (want != NULL && pouch_ct_eq(want, account_key, CL_KEY) == 0)
		return 1;
	/* until the member updates: a previous key of the chain, for a
	 * device the rotation cross-signed again */
	if (!cl_kt_prev_ok(cl, user, account_key, dev))
		return 0;
	return want == NULL || (cl_kt_acct_current(cl, user, cur) ==
	    POUCH_OK && pouch_ct_eq(cur, want, CL_KEY) == 0);
}

/* ---- the rotation itself ---------------------------------------------- */

/* The keys of our devices the verified log shows added, not revoked. */
static int
own_devices(struct pouch_client *cl, uint8_t (**out)[CL_KEY], size_t *n)
{
	uint8_t (*v)[CL_KEY] = NULL, (*nv)[CL_KEY], key[CL_KEY];
	char **names = NULL;
	size_t nn = 0, i, k = 0, self = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = pouch_cstore_kv_list(cl->st, "kt/dev/", &names, &nn)) !=
	    POUCH_OK)
		return rc;
	if ((v = calloc(nn + 1, CL_KEY)) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	for (i = 0; i < nn; i++) {
		if (strlen(names[i]) != 7 + 2 * CL_KEY ||
		    pouch_unhex(names[i] + 7, key, CL_KEY) != POUCH_OK ||
		    !cl_kt_device_ok(cl, cl->user, key))
			continue;
		if (pouch_ct_eq(key, cl->dev_pub, CL_KEY) == 0)
			self = 1;
		memcpy(v[k++], key, CL_KEY);
	}
	/* this device, even if the log does not show it yet */
	if (!self)
		memcpy(v[k++], cl->dev_pub, CL_KEY);
	if ((nv = realloc(v, k * CL_KEY)) != NULL)
		v = nv;
	*out = v;
	*n = k;
	v = NULL;
out:
	free(v);
	pouch_cstore_names_free(names, nn);
	return rc;
}

/* The request: the event signed by the old key, the cross-signatures. */
static int
make_request(struct pouch_client *cl, const uint8_t priv[CL_KEY],
    const uint8_t pub[CL_KEY], json_t **out)
{
	struct pouch_sig_key *k = NULL;
	struct pouch_kt_event ev;
	uint8_t buf[POUCH_KT_EVENT_MAX], sig[CL_SIG], (*devs)[CL_KEY] = NULL;
	uint8_t *stmt = NULL;
	size_t len, ndevs = 0, i, stmtlen = 0, siglen;
	char *b64 = NULL, *kb = NULL, *sb = NULL;
	json_t *req = NULL, *list;
	int rc;

	*out = NULL;
	if (strlen(cl->user) > POUCH_KT_NAME_MAX)
		return POUCH_E_MISUSE;
	memset(&ev, 0, sizeof(ev));
	ev.type = POUCH_KT_ACCOUNT_KEY;
	ev.timestamp = (uint64_t)cl_now(cl);
	ev.signer = POUCH_KT_BY_ACCOUNT;
	memcpy(ev.actor, cl->user, strlen(cl->user) + 1);
	memcpy(ev.user, cl->user, strlen(cl->user) + 1);
	memcpy(ev.account_key, pub, CL_KEY);
	ev.has_prev = 1;
	memcpy(ev.prev_key, cl->acct_pub, CL_KEY);
	if ((rc = pouch_sig_key_new(cl->c, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, cl->acct_priv, CL_KEY, &k)) != POUCH_OK ||
	    (rc = pouch_kt_event_sign(k, &ev)) != POUCH_OK ||
	    (rc = pouch_kt_event_encode(&ev, buf, sizeof(buf), &len)) !=
	    POUCH_OK ||
	    (rc = own_devices(cl, &devs, &ndevs)) != POUCH_OK)
		goto out;
	rc = POUCH_E_NOMEM;
	if ((b64 = pouch_b64_encode(buf, len)) == NULL ||
	    (req = json_pack("{s:s,s:[]}", "event", b64, "devices")) == NULL)
		goto out;
	list = json_object_get(req, "devices");
	for (i = 0; i < ndevs; i++) {
		if ((rc = cl_statement_device(cl->user, devs[i], &stmt,
		    &stmtlen)) != POUCH_OK ||
		    (rc = pouch_sig_sign(cl->c, POUCH_SIG_ED25519, priv,
		    CL_KEY, stmt, stmtlen, sig, sizeof(sig), &siglen)) !=
		    POUCH_OK)
			goto out;
		pouch_wr_buf_free(stmt, stmtlen);
		stmt = NULL;
		rc = POUCH_E_NOMEM;
		if ((kb = pouch_b64_encode(devs[i], CL_KEY)) == NULL ||
		    (sb = pouch_b64_encode(sig, CL_SIG)) == NULL ||
		    json_array_append_new(list, json_pack("{s:s,s:s}", "key",
		    kb, "sig", sb)) != 0)
			goto out;
		free(kb);
		free(sb);
		kb = sb = NULL;
	}
	*out = req;
	req = NULL;
	rc = POUCH_OK;
out:
	pouch_wr_buf_free(stmt, stmtlen);
	pouch_sig_key_free(k);
	json_decref(req);
	free(devs);
	free(b64);
	free(kb);
	free(sb);
	return rc;
}

/* Finish without a log (the server keeps none): on its answer. */
static int
finish_unlogged(struct pouch_client *cl)
{
	uint8_t priv[CL_KEY], pub[CL_KEY], prev[CL_KEY];
	int rc;

	rc = pending_get(cl, priv, pub);
	OPENSSL_cleanse(priv, sizeof(priv));
	if (rc == POUCH_E_NOT_FOUND)
		return POUCH_OK;	/* the log sync finished it */
	if (rc != POUCH_OK)
		return rc;
	memcpy(prev, cl->acct_pub, CL_KEY);
	if ((rc = pouch_cstore_begin(cl->st)) != POUCH_OK)
		return rc;
	rc = cl_rotate_adopt(cl, prev, pub);
	if (rc != POUCH_E_EXISTS) {
		pouch_cstore_rollback(cl->st);
		return rc == POUCH_OK ? POUCH_E_STATE : rc;
	}
	return pouch_cstore_commit(cl->st);
}

/* A self-update with the new identity in every conversation. */
static int
update_all(struct pouch_client *cl)
{
	struct pouch_cstore_conv *v = NULL, cv;
	struct pouch_mls_group *g = NULL;
	size_t n = 0, i;
	int rc, stale;

	if ((rc = pouch_cstore_conv_list(cl->st, &v, &n)) != POUCH_OK)
		return rc;
	for (i = 0; i < n && rc == POUCH_OK; i++) {
		if (v[i].removed)
			continue;
		if ((rc = cl_group_load(cl, v[i].id, &cv, &g)) != POUCH_OK)
			break;
		stale = cl_rotate_stale(cl, g);
		pouch_mls_group_free(g);
		g = NULL;
		if (stale)
			rc = pouch_client_conv_update(cl, v[i].id);
	}
	free(v);
	return rc;
}

int
pouch_client_account_rotate(pouch_client *cl)
{
	uint8_t priv[CL_KEY], pub[CL_KEY];
	json_t *req = NULL, *resp = NULL;
	long st;
	int rc, had;

	if (cl == NULL)
		return POUCH_E_MISUSE;
	if (!cl->have_acct_priv)
		return POUCH_E_FORBIDDEN;
	/* a rotation a crash interrupted is finished by the log sync */
	rc = pending_get(cl, priv, pub);
	if (rc != POUCH_OK && rc != POUCH_E_NOT_FOUND)
		goto out;
	had = rc == POUCH_OK;
	if ((rc = cl_kt_sync(cl)) != POUCH_OK)
		goto out;
	if (!cl->have_acct_priv) {
		rc = POUCH_E_CONFLICT;	/* another device rotated */
		goto out;
	}
	rc = pending_get(cl, priv, pub);
	if (had && rc == POUCH_E_NOT_FOUND) {
		rc = update_all(cl);	/* done meanwhile: not twice */
		goto out;
	}
	if (rc == POUCH_E_NOT_FOUND) {
		/* durable before anything is sent */
		uint8_t both[2 * CL_KEY];

		if ((rc = pouch_sig_keygen(cl->c, POUCH_SIG_ED25519, priv,
		    pub)) != POUCH_OK)
			goto out;
		memcpy(both, priv, CL_KEY);
		memcpy(both + CL_KEY, pub, CL_KEY);
		rc = pouch_cstore_kv_put(cl->st, PENDING, both, sizeof(both));
		OPENSSL_cleanse(both, sizeof(both));
	}
	if (rc != POUCH_OK || (rc = make_request(cl, priv, pub, &req)) !=
	    POUCH_OK)
		goto out;
	if ((rc = cl_api(cl, "POST", "/v1/account/rotate", req, &st,
	    &resp)) != POUCH_OK)
		goto out;	/* pending: retried or finished later */
	switch (st) {
	case 200:
		break;
	case 409:
		/* made already (an answer lost), or another key won */
		if ((rc = cl_kt_sync(cl)) != POUCH_OK)
			goto out;
		if (pending_get(cl, priv, pub) == POUCH_E_NOT_FOUND &&
		    cl->have_acct_priv) {
			rc = update_all(cl);
			goto out;
		}
		if ((rc = pouch_cstore_kv_del(cl->st, PENDING)) == POUCH_OK)
			rc = POUCH_E_CONFLICT;
		goto out;
	case 403:
		rc = POUCH_E_FORBIDDEN;
		goto out;
	case 400:
		rc = POUCH_E_MALFORMED;
		goto out;
	default:
		rc = POUCH_E_IO;
		goto out;
	}
	/* published: the log sync adopts it; without a log, the answer */
	if ((rc = cl_kt_sync(cl)) != POUCH_OK ||
	    (rc = finish_unlogged(cl)) != POUCH_OK)
		goto out;
	rc = update_all(cl);
out:
	OPENSSL_cleanse(priv, sizeof(priv));
	json_decref(req);
	json_decref(resp);
	return rc;
}
