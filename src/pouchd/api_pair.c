/*
 * api_pair.c - pairing a new device of a user with one of its existing
 * devices through the server (docs/API.md "Pairing").
 *
 * The new device, not enrolled yet, posts a request: its user, its
 * device key and a commitment SHA-256("pouch pair v1" || user ||
 * device_key || secret) to a short secret it shows as the pairing code.
 * An existing device of that user lists the pending requests, finds the
 * one whose commitment matches the code typed by the user, cross-signs
 * that device key with the account key and posts the approval with a MAC
 * keyed by the secret; the new device polls for it.  The server only
 * relays: it cannot get its own key approved (it would need the secret,
 * which it never sees) nor alter the approval (the MAC).
 *
 * Requests live in memory only, for PAIR_TTL seconds: a restart forgets
 * them and the user pairs again.  Bounded: PAIR_MAX in all, PAIR_PER_USER
 * a user.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pouchd/api_int.h"

#define PAIR_MAX	256
#define PAIR_PER_USER	8
#define PAIR_TTL	600
#define PAIR_KEY	32	/* Ed25519 device key */
#define PAIR_COMMIT	32
#define PAIR_APPROVAL	96	/* account key || cross-signature */
#define PAIR_MAC	32

struct pair {
	int	 used;
	int	 approved;
	int64_t	 user_id;
	int64_t	 expires;
	uint8_t	 device_key[PAIR_KEY];
	uint8_t	 commit[PAIR_COMMIT];
	uint8_t	 approval[PAIR_APPROVAL];
	uint8_t	 mac[PAIR_MAC];
};

static struct pair pairs[PAIR_MAX];
static pthread_mutex_t pairs_mu = PTHREAD_MUTEX_INITIALIZER;

/* Under pairs_mu: forget expired requests. */
static void
expire(int64_t now)
{
	size_t i;

	for (i = 0; i < PAIR_MAX; i++)
		if (pairs[i].used && pairs[i].expires <= now)
			memset(&pairs[i], 0, sizeof(pairs[i]));
}

/* Under pairs_mu: the live request for key, or NULL. */
static struct pair *
find_key(const uint8_t *key)
{
	size_t i;

	for (i = 0; i < PAIR_MAX; i++)
		if (pairs[i].used && CRYPTO_memcmp(pairs[i].device_key, key,
		    PAIR_KEY) == 0)
			return &pairs[i];
	return NULL;
}

/* POST /v1/pair {user, device_key, commit}: 201, 404, 409, 503. */
void
api_pair_request(struct pouchd *d, const struct pd_req *rq,
    struct pd_resp *rs)
{
	struct pouch_store_user u;
	uint8_t *dk = NULL, *cm = NULL;
	size_t dkl = 0, cml = 0, i, nuser = 0;
	struct pair *slot = NULL;
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
	pthread_mutex_lock(&pairs_mu);
	expire(rq->now);
	if (find_key(dk) != NULL) {
		pthread_mutex_unlock(&pairs_mu);
		pd_error(rs, 409, "exists");
		goto out;
	}
	for (i = 0; i < PAIR_MAX; i++) {
		if (!pairs[i].used) {
			if (slot == NULL)
				slot = &pairs[i];
		} else if (pairs[i].user_id == u.id)
			nuser++;
	}
	if (slot == NULL || nuser >= PAIR_PER_USER) {
		pthread_mutex_unlock(&pairs_mu);
		pd_error(rs, 503, "busy");
		goto out;
	}
	memset(slot, 0, sizeof(*slot));
	slot->used = 1;
	slot->user_id = u.id;
	slot->expires = rq->now + PAIR_TTL;
	memcpy(slot->device_key, dk, PAIR_KEY);
	memcpy(slot->commit, cm, PAIR_COMMIT);
	pthread_mutex_unlock(&pairs_mu);
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

/* GET /v1/pair (a device of the user): the pending requests. */
void
api_pair_list(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	json_t *a, *e;
	size_t i;

	(void)d;
	if ((a = json_array()) == NULL)
		abort();
	pthread_mutex_lock(&pairs_mu);
	expire(rq->now);
	for (i = 0; i < PAIR_MAX; i++) {
		if (!pairs[i].used || pairs[i].approved ||
		    pairs[i].user_id != rq->dev->user_id)
			continue;
		e = json_pack("{s:o,s:o,s:I}", "device_key",
		    b64(pairs[i].device_key, PAIR_KEY), "commit",
		    b64(pairs[i].commit, PAIR_COMMIT), "expires",
		    (json_int_t)pairs[i].expires);
		if (e == NULL || json_array_append_new(a, e) != 0)
			abort();
	}
	pthread_mutex_unlock(&pairs_mu);
	api_reply(rs, 200, json_pack("{s:o}", "requests", a));
}

/* POST /v1/pair/approve {device_key, approval, mac}: 200, 404. */
void
api_pair_approve(struct pouchd *d, const struct pd_req *rq,
    struct pd_resp *rs)
{
	uint8_t *dk = NULL, *ap = NULL, *mac = NULL;
	size_t dkl = 0, apl = 0, macl = 0;
	struct pair *p;
	json_t *o;

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
	pthread_mutex_lock(&pairs_mu);
	expire(rq->now);
	if ((p = find_key(dk)) == NULL || p->user_id != rq->dev->user_id) {
		pthread_mutex_unlock(&pairs_mu);
		pd_error(rs, 404, "not_found");
		goto out;
	}
	p->approved = 1;
	memcpy(p->approval, ap, PAIR_APPROVAL);
	memcpy(p->mac, mac, PAIR_MAC);
	pthread_mutex_unlock(&pairs_mu);
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
	uint8_t *dk = NULL, *cm = NULL;
	uint8_t ap[PAIR_APPROVAL], mac[PAIR_MAC];
	size_t dkl = 0, cml = 0;
	struct pair *p;
	json_t *o;

	if ((o = api_json(d, rq, rs)) == NULL)
		return;
	dk = api_b64(o, "device_key", PAIR_KEY, &dkl);
	cm = api_b64(o, "commit", PAIR_COMMIT, &cml);
	if (dk == NULL || dkl != PAIR_KEY || cm == NULL ||
	    cml != PAIR_COMMIT) {
		pd_error(rs, 400, "malformed");
		goto out;
	}
	pthread_mutex_lock(&pairs_mu);
	expire(rq->now);
	if ((p = find_key(dk)) == NULL ||
	    CRYPTO_memcmp(p->commit, cm, PAIR_COMMIT) != 0) {
		pthread_mutex_unlock(&pairs_mu);
		pd_error(rs, 404, "not_found");
		goto out;
	}
	if (!p->approved) {
		pthread_mutex_unlock(&pairs_mu);
		pd_error(rs, 202, "pending");
		goto out;
	}
	memcpy(ap, p->approval, PAIR_APPROVAL);
	memcpy(mac, p->mac, PAIR_MAC);
	memset(p, 0, sizeof(*p));
	pthread_mutex_unlock(&pairs_mu);
	api_reply(rs, 200, json_pack("{s:o,s:o}", "approval",
	    b64(ap, PAIR_APPROVAL), "mac", b64(mac, PAIR_MAC)));
out:
	json_decref(o);
	free(dk);
	free(cm);
}
