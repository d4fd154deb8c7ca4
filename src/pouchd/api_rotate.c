/*
 * api_rotate.c - a user rotates its account key (docs/API.md, "Account
 * key rotation"):
 *
 *   POST /v1/account/rotate
 *     {"event": base64 KeyEvent,
 *      "devices": [{"key": base64 device key, "sig": base64 cross-sig}]}
 *
 * The event is the log's "account key" event (src/kt/kt.h) naming the
 * new key and, as prev, the key the server holds; the previous key signs
 * it, so the server can neither forge a rotation nor replay an old one
 * (a replay names a prev that is gone: 409).  Every active device of the
 * user must come with the new key's cross-signature of it: a device left
 * out would stay vouched for only by a key that no longer counts, so the
 * request is refused (400) rather than silently dropping it.  One store
 * transaction sets the new key and appends the event followed by one
 * "device added" event per device (the new cross-signature, which the
 * log keeps), and the answer comes once a published checkpoint covers
 * them all, as for a revocation (api_dev.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pouchd/api_int.h"
#include "pouchd/kt_log.h"

#define ROTATE_DEVICES_MAX	256	/* devices of one account */

struct devs {
	struct pouch_store_device	*v;
	size_t				 n;
};

static int
on_device(void *arg, const struct pouch_store_device *dv)
{
	struct devs *ds = arg;

	if (dv->revoked)
		return POUCH_OK;
	if (ds->n == ROTATE_DEVICES_MAX)
		return POUCH_E_LIMIT;
	ds->v[ds->n++] = *dv;
	return POUCH_OK;
}

/*
 * The cross-signature for device dv in the request's list: the new
 * key's "device added" event for it, staged into out and verified.
 * NULL, or the error name for the 400 in rs.
 */
static const char *
cross_sign(struct pouchd *d, json_t *list, const char *user,
    const struct pouch_store_device *dv, const uint8_t ak[32], int64_t now,
    struct pd_kt_staged *out)
{
	struct pouch_kt_event ev;
	uint8_t *key = NULL, *sig = NULL;
	size_t i, keylen = 0, siglen = 0, found = 0;
	const char *err = "missing_cross_signature";
	json_t *e;

	json_array_foreach(list, i, e) {
		free(key);
		key = api_b64(e, "key", POUCH_KT_KEY_BYTES, &keylen);
		if (key == NULL || keylen != POUCH_KT_KEY_BYTES) {
			err = "malformed";
			goto out;
		}
		if (memcmp(key, dv->key,	/* checksrc: allow */
		    POUCH_KT_KEY_BYTES) != 0)
			continue;
		if (found++ > 0) {
			err = "duplicate_device";
			goto out;
		}
		free(sig);
		sig = api_b64(e, "sig", POUCH_KT_SIG_BYTES, &siglen);
		if (sig == NULL || siglen != POUCH_KT_SIG_BYTES) {
			err = "malformed";
			goto out;
		}
	}
	if (found == 0)
		goto out;
	err = "bad_cross_signature";
	/* the event the log will keep, verified as every client will */
	if (pd_kt_device_added(d, user, dv->name, dv->key, ak, sig, now,
	    out) != POUCH_OK ||
	    pouch_kt_event_decode(out->leaf.data, out->leaf.len, &ev) !=
	    POUCH_OK ||
	    pouch_kt_event_verify(d->crypto, &ev, NULL, d->server_pub) !=
	    POUCH_OK)
		goto out;
	err = NULL;
out:
	free(key);
	free(sig);
	return err;
}

void
api_account_rotate(struct pouchd *d, const struct pd_req *rq,
    struct pd_resp *rs)
{
	struct pouch_store_kt_leaf *leaves = NULL;
	struct pd_kt_staged *kt = NULL;
	struct pouch_kt_event ev;
	struct pouch_store_user u;
	struct devs ds;
	const char *err;
	char actor[32];
	int64_t *ids = NULL;
	uint64_t size = 0;
	json_t *o, *list;
	size_t i;
	int rc;

	memset(&ds, 0, sizeof(ds));
	if ((o = api_json(d, rq, rs)) == NULL)
		return;
	if (api_user_event(d, rq, rs, o, POUCH_KT_ACCOUNT_KEY, &ev, &u) !=
	    POUCH_OK)
		goto out;
	if (memcmp(ev.account_key, ev.prev_key,	/* checksrc: allow */
	    POUCH_KT_KEY_BYTES) == 0) {
		pd_error(rs, 400, "same_key");
		goto out;
	}
	if (!json_is_array(list = json_object_get(o, "devices")) ||
	    json_array_size(list) > ROTATE_DEVICES_MAX) {
		pd_error(rs, 400, "malformed");
		goto out;
	}
	ds.v = xcalloc(ROTATE_DEVICES_MAX, sizeof(*ds.v));
	if ((rc = d->st->ops->device_list(d->st, u.id, on_device, &ds)) !=
	    POUCH_OK && rc != POUCH_E_NOT_FOUND) {
		api_fail(rs, rc);
		goto out;
	}
	/* exactly the active devices: none left out, none unknown */
	if (json_array_size(list) != ds.n) {
		pd_error(rs, 400, json_array_size(list) < ds.n ?
		    "missing_cross_signature" : "unknown_device");
		goto out;
	}
	kt = xcalloc(ds.n + 1, sizeof(*kt));
	leaves = xcalloc(ds.n + 1, sizeof(*leaves));
	ids = xcalloc(ds.n + 1, sizeof(*ids));
	if ((rc = pd_kt_event(d, &ev, &kt[0])) != POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	for (i = 0; i < ds.n; i++) {
		if ((err = cross_sign(d, list, u.name, &ds.v[i],
		    ev.account_key, rq->now, &kt[i + 1])) != NULL) {
			pd_error(rs, 400, err);
			goto out;
		}
		ids[i] = ds.v[i].id;
	}
	for (i = 0; i <= ds.n; i++)
		leaves[i] = kt[i].leaf;
	snprintf(actor, sizeof(actor), "device:%lld",
	    (long long)rq->dev->id);
	pouch_store_kt_stage(leaves, ds.n + 1);
	rc = d->st->ops->account_rotate == NULL ? POUCH_E_UNSUPPORTED :
	    d->st->ops->account_rotate(d->st, u.id, ev.prev_key,
	    ev.account_key, ids, ds.n, rq->now, actor);
	pouch_store_kt_unstage();
	if (rc == POUCH_E_CONFLICT) {
		/* rotated, enrolled or revoked meanwhile: read and redo */
		pd_error(rs, 409, "stale_key");
		goto out;
	}
	if (rc != POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	pd_log("info", "account_key_rotated", "user", 's', u.name, "by", 'i',
	    rq->dev->id, NULL);
	if (api_kt_ack(d, rs, leaves[ds.n].index, &size) != POUCH_OK)
		goto out;
	api_reply(rs, 200, json_pack("{s:I,s:I,s:I}", "kt_leaf",
	    (json_int_t)leaves[0].index, "tree_size", (json_int_t)size,
	    "devices", (json_int_t)ds.n));
out:
	free(ids);
	free(leaves);
	free(kt);
	free(ds.v);
	json_decref(o);
}
