/*
 * api_dev.c - a user revokes one of its own devices (docs/API.md,
 * "Devices"):
 *
 *   POST /v1/devices/revoke  {"event": base64 KeyEvent}
 *
 * The event is the log's "device revoked" key event (src/kt/kt.h), made
 * and signed by the user's account key (signer 0) on another device of
 * the account, so the server can neither forge nor alter it.  The server
 * checks it against the account key it holds for the caller's user,
 * then revokes exactly as the administrator does (admin.c: every token
 * dies at once, the server's Remove is queued to each group of the
 * device) and appends the event in the same transaction.  The answer
 * comes only once a published checkpoint covers the event, so the
 * caller may tell its other devices right away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pouchd/api_int.h"
#include "pouchd/kt_log.h"

#define EVENT_SKEW	600	/* seconds an event's time may be off */

struct find {
	const uint8_t			*key;
	struct pouch_store_device	 dev;
	int				 found;
};

static int
on_device(void *arg, const struct pouch_store_device *dv)
{
	struct find *f = arg;

	if (!f->found && memcmp(dv->key, f->key,	/* checksrc: allow */
	    POUCH_KT_KEY_BYTES) == 0) {
		f->dev = *dv;
		f->found = 1;
	}
	return POUCH_OK;
}

/*
 * The key event of a user's own request (revocation, rotation), checked
 * against the caller's account: decodes, has type, is signed by the
 * account key (signer 0) within EVENT_SKEW of now, names the caller's
 * user as user and actor, and (ACCOUNT_KEY) names the stored key as
 * prev; then its signature verifies under the stored key.  POUCH_OK, or
 * -1 with rs holding the error (400, 403, 409).
 */
int
api_user_event(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs,
    json_t *o, enum pouch_kt_event_type type, struct pouch_kt_event *ev,
    struct pouch_store_user *u)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int64_t skew;
	int rc = -1;

	if ((buf = api_b64(o, "event", POUCH_KT_EVENT_MAX, &len)) == NULL ||
	    pouch_kt_event_decode(buf, len, ev) != POUCH_OK) {
		pd_error(rs, 400, "malformed");
		goto out;
	}
	if (ev->type != type || ev->signer != POUCH_KT_BY_ACCOUNT) {
		pd_error(rs, 400, "wrong_event");
		goto out;
	}
	skew = (int64_t)ev->timestamp - rq->now;
	if (ev->timestamp > (uint64_t)INT64_MAX || skew > EVENT_SKEW ||
	    skew < -EVENT_SKEW) {
		pd_error(rs, 400, "stale_event");
		goto out;
	}
	/* only for the caller's own account, named as the actor too */
	if ((rc = d->st->ops->user_get_id(d->st, rq->dev->user_id, u)) !=
	    POUCH_OK) {
		api_fail(rs, rc);
		rc = -1;
		goto out;
	}
	rc = -1;
	if (strcmp(ev->user, u->name) != 0 || strcmp(ev->actor, u->name) != 0) {
		pd_error(rs, 403, "forbidden");
		goto out;
	}
	/* a replayed or raced rotation names a key that is gone */
	if (type == POUCH_KT_ACCOUNT_KEY && (!u->has_account_key ||
	    !ev->has_prev || memcmp(ev->prev_key,	/* checksrc: allow */
	    u->account_key, POUCH_KT_KEY_BYTES) != 0)) {
		pd_error(rs, 409, "stale_key");
		goto out;
	}
	if (!u->has_account_key || pouch_kt_event_verify(d->crypto, ev,
	    u->account_key, d->server_pub) != POUCH_OK) {
		pd_error(rs, 403, "bad_signature");
		goto out;
	}
	rc = POUCH_OK;
out:
	free(buf);
	return rc;
}

/*
 * Acknowledged once a published checkpoint covers leaf index last:
 * POUCH_OK with *size the published size, or -1 with a 503 in rs.
 */
int
api_kt_ack(struct pouchd *d, struct pd_resp *rs, int64_t last,
    uint64_t *size)
{
	*size = 0;
	if (d->kt != NULL && (pd_kt_publish(d, size) != POUCH_OK ||
	    last < 0 || (uint64_t)last >= *size)) {
		pd_error(rs, 503, "kt_unpublished");
		return -1;
	}
	return POUCH_OK;
}

void
api_dev_revoke(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	struct pouch_kt_event ev;
	struct pouch_store_user u;
	struct pd_kt_staged kt;
	struct find f;
	char actor[32];
	uint64_t size = 0;
	size_t n = 0;
	json_t *o;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((o = api_json(d, rq, rs)) == NULL)
		return;
	if (api_user_event(d, rq, rs, o, POUCH_KT_DEVICE_REVOKED, &ev, &u) !=
	    POUCH_OK)
		goto out;
	f.key = ev.device_key;
	if ((rc = d->st->ops->device_list(d->st, u.id, on_device, &f)) !=
	    POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	if (!f.found) {
		pd_error(rs, 404, "not_found");
		goto out;
	}
	if (f.dev.revoked) {
		pd_error(rs, 409, "revoked");
		goto out;
	}
	if ((rc = pd_kt_event(d, &ev, &kt)) != POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	snprintf(actor, sizeof(actor), "device:%lld",
	    (long long)rq->dev->id);
	/* tokens die and the Removes are queued with the event, at once */
	pouch_store_kt_stage(&kt.leaf, 1);
	rc = d->st->ops->device_revoke(d->st, f.dev.id, rq->now, actor,
	    pd_propose_remove, d, &n);
	pouch_store_kt_unstage();
	if (rc != POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	pd_log("info", "device_revoked", "device", 'i', f.dev.id, "by", 'i',
	    rq->dev->id, NULL);
	/* a long-poll the device had parked answers now, empty (nothing is
	 * queued for a revoked device): its next request gets 401 */
	if (d->wake != NULL)
		d->wake(d, &f.dev.id, 1);
	if (api_kt_ack(d, rs, kt.leaf.index, &size) != POUCH_OK)
		goto out;
	api_reply(rs, 200, json_pack("{s:I,s:I,s:I,s:I}", "device_id",
	    (json_int_t)f.dev.id, "kt_leaf", (json_int_t)kt.leaf.index,
	    "tree_size", (json_int_t)size, "proposed", (json_int_t)n));
out:
	json_decref(o);
}
