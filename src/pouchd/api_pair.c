/*
 * api_pair.c - pairing a new device of a user with one of its existing
 * devices through the server (docs/API.md "Pairing").
 *
 * The new device, not enrolled yet, posts a request: its user, its
 * device key and a commitment to a short secret it shows as the pairing
 * code (an Argon2id-stretched HMAC: src/client/pair.c, docs/API.md).
 * An existing device of that user lists the pending requests, finds the
 * one whose commitment matches the code typed by the user, cross-signs
 * that device key with the account key and posts the approval with a MAC
 * keyed by the secret; the new device polls for it.  The server only
 * relays: it cannot get its own key approved (it would need the secret,
 * which it never sees) nor alter the approval (the MAC).
 *
 * Requests live in the store for PAIR_TTL seconds (store.h "pairing"), so
 * a restart of pouchd, or another node on the same PostgreSQL, keeps
 * them.  Bounded, since the request route needs no token: PAIR_MAX in
 * all, PAIR_PER_USER a user.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pouchd/api_int.h"

#define PAIR_MAX	256
#define PAIR_PER_USER	8
#define PAIR_TTL	600
#define PAIR_KEY	POUCH_STORE_KEY_BYTES	/* Ed25519 device key */
#define PAIR_COMMIT	POUCH_STORE_PAIR_COMMIT
#define PAIR_APPROVAL	POUCH_STORE_PAIR_APPROVAL
#define PAIR_MAC	POUCH_STORE_PAIR_MAC

/* POST /v1/pair {user, device_key, commit}: 201, 404, 409, 503. */
void
api_pair_request(struct pouchd *d, const struct pd_req *rq,
    struct pd_resp *rs)
{
	struct pouch_store_user u;
	struct pouch_store_pair p;
	uint8_t *dk = NULL, *cm = NULL;
	size_t dkl = 0, cml = 0;
	const char *user;
	json_t *o;
	int rc;

	if ((o = api_json(d, rq, rs)) == NULL)
		return;
	user = api_str(o, "user", POUCH_STORE_NAME_MAX);
	dk = api_b64(o, "device_key", PAIR_KEY, &dkl);
	cm = api_b64(o, "commit", PAIR_COMMIT, &cml);
	if (user == NULL || dk == NULL || dkl != PAIR_KEY || cm == NULL ||
	    cml != PAIR_COMMIT) {
		pd_error(rs, 400, "malformed");
		goto out;
	}
	if ((rc = d->st->ops->user_get(d->st, user, &u)) != POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	if (u.suspended) {
		pd_error(rs, 403, "forbidden");
		goto out;
	}
	memset(&p, 0, sizeof(p));
	p.user_id = u.id;
	p.expires = rq->now + PAIR_TTL;
	memcpy(p.device_key, dk, PAIR_KEY);
	memcpy(p.commit, cm, PAIR_COMMIT);
	rc = d->st->ops->pair_add(d->st, &p, rq->now, PAIR_PER_USER,
	    PAIR_MAX);
	if (rc == POUCH_E_EXISTS) {
		pd_error(rs, 409, "exists");
		goto out;
	}
	if (rc == POUCH_E_QUOTA) {
		pd_error(rs, 503, "busy");
		goto out;
	}
	if (rc != POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	api_reply(rs, 201, json_pack("{s:I}", "expires",
	    (json_int_t)(rq->now + PAIR_TTL)));
out:
	json_decref(o);
	free(dk);
	free(cm);
}

static json_t *
b64(const uint8_t *p, size_t n)
{
	char *s = pd_b64_encode(p, n);
	json_t *j;

	j = json_string(s);
	free(s);
	return j;
}

static int
list_one(void *arg, const struct pouch_store_pair *p)
{
	json_t *e;

	e = json_pack("{s:o,s:o,s:I}", "device_key", b64(p->device_key,
	    PAIR_KEY), "commit", b64(p->commit, PAIR_COMMIT), "expires",
	    (json_int_t)p->expires);
	if (e == NULL || json_array_append_new(arg, e) != 0)
		abort();
	return POUCH_OK;
}

/* GET /v1/pair (a device of the user): the pending requests. */
void
api_pair_list(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	json_t *a;
	int rc;

	if ((a = json_array()) == NULL)
		abort();
	if ((rc = d->st->ops->pair_list(d->st, rq->dev->user_id, rq->now,
	    list_one, a)) != POUCH_OK) {
		json_decref(a);
		api_fail(rs, rc);
		return;
	}
	api_reply(rs, 200, json_pack("{s:o}", "requests", a));
}

/* POST /v1/pair/approve {device_key, approval, mac}: 200, 404, 409. */
void
api_pair_approve(struct pouchd *d, const struct pd_req *rq,
    struct pd_resp *rs)
{
	uint8_t *dk = NULL, *ap = NULL, *mac = NULL;
	size_t dkl = 0, apl = 0, macl = 0;
	json_t *o;
	int rc;

	if ((o = api_json(d, rq, rs)) == NULL)
		return;
	dk = api_b64(o, "device_key", PAIR_KEY, &dkl);
	ap = api_b64(o, "approval", PAIR_APPROVAL, &apl);
	mac = api_b64(o, "mac", PAIR_MAC, &macl);
	if (dk == NULL || dkl != PAIR_KEY || ap == NULL ||
	    apl != PAIR_APPROVAL || mac == NULL || macl != PAIR_MAC) {
		pd_error(rs, 400, "malformed");
		goto out;
	}
	rc = d->st->ops->pair_approve(d->st, rq->dev->user_id, dk, ap, mac,
	    rq->now);
	if (rc == POUCH_E_NOT_FOUND) {
		pd_error(rs, 404, "not_found");
		goto out;
	}
	if (rc == POUCH_E_CONFLICT) {
		pd_error(rs, 409, "approved");
		goto out;
	}
	if (rc != POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	api_reply(rs, 200, json_object());
out:
	json_decref(o);
	free(dk);
	free(ap);
	free(mac);
}

/*
 * POST /v1/pair/poll {device_key, commit}: 200 {approval, mac} once (the
 * request is then forgotten), 202 while pending, 404 unknown or expired.
 */
void
api_pair_poll(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	struct pouch_store_pair p;
	uint8_t *dk = NULL, *cm = NULL;
	size_t dkl = 0, cml = 0;
	json_t *o;
	int rc;

	if ((o = api_json(d, rq, rs)) == NULL)
		return;
	dk = api_b64(o, "device_key", PAIR_KEY, &dkl);
	cm = api_b64(o, "commit", PAIR_COMMIT, &cml);
	if (dk == NULL || dkl != PAIR_KEY || cm == NULL ||
	    cml != PAIR_COMMIT) {
		pd_error(rs, 400, "malformed");
		goto out;
	}
	rc = d->st->ops->pair_take(d->st, dk, cm, rq->now, &p);
	if (rc == POUCH_E_NOT_FOUND) {
		pd_error(rs, 404, "not_found");
		goto out;
	}
	if (rc != POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	if (!p.approved) {
		pd_error(rs, 202, "pending");
		goto out;
	}
	api_reply(rs, 200, json_pack("{s:o,s:o}", "approval",
	    b64(p.approval, PAIR_APPROVAL), "mac", b64(p.mac, PAIR_MAC)));
out:
	json_decref(o);
	free(dk);
	free(cm);
}
