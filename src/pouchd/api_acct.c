/*
 * api_acct.c - enrolment and device authentication.
 *
 * Enrolment: a device proves possession of a one-time code (the server
 * keeps only its SHA-256), of its device key (device_sig) and presents a
 * cross-signature of its device key by the user's account key
 * (account_sig).  The first device sets the account key; every later
 * device must be cross-signed by that same key, so an administrator with
 * a code alone cannot add a device to someone's account (BRIEF G7).
 *
 * Authentication: challenge-response with the device key yields a
 * short-lived bearer token, stored hashed.  A challenge is consumed by
 * its first use, right or wrong.  The signed statements are in
 * docs/API.md ("Signed statements"); they are encoded with the MLS codec
 * so clients build them with the same writer.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "codec/codec.h"
#include "pouchd/api_int.h"
#include "pouchd/kt_log.h"

#define ED25519_PUB	32
#define ED25519_SIG	64
#define CODE_MAX	128	/* bytes of an enrolment code string */
#define CHALLENGE_BYTES	32
#define TOKEN_BYTES	32

/* Verify sig by pub over the statement w holds; POUCH_OK or an error. */
static int
verify(struct pouchd *d, const uint8_t *pub, struct pouch_wr *w,
    const uint8_t *sig, size_t siglen)
{
	int rc;

	if ((rc = pouch_wr_finish(w)) != POUCH_OK)
		return rc;
	if (siglen != ED25519_SIG)
		return POUCH_E_BAD_SIGNATURE;
	return pouch_sig_verify(d->crypto, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, pub, ED25519_PUB, w->buf, w->len, sig, siglen);
}

/* "pouch enrol v1": the device key proves itself over the request. */
static int
check_device_sig(struct pouchd *d, const char *user, const uint8_t *dk,
    const uint8_t *ak, const uint8_t *sig, size_t siglen)
{
	struct pouch_wr w;
	int rc;

	pouch_wr_init(&w, 1024);
	pouch_wr_opaque(&w, "pouch enrol v1", 14);
	pouch_wr_opaque(&w, user, strlen(user));
	pouch_wr_opaque(&w, dk, ED25519_PUB);
	pouch_wr_opaque(&w, ak, ED25519_PUB);
	rc = verify(d, dk, &w, sig, siglen);
	pouch_wr_free(&w);
	return rc;
}

/* "pouch device v1": the account key vouches for the device key. */
static int
check_account_sig(struct pouchd *d, const char *user, const uint8_t *dk,
    const uint8_t *ak, const uint8_t *sig, size_t siglen)
{
	struct pouch_wr w;
	int rc;

	pouch_wr_init(&w, 1024);
	pouch_wr_opaque(&w, "pouch device v1", 15);
	pouch_wr_opaque(&w, user, strlen(user));
	pouch_wr_opaque(&w, dk, ED25519_PUB);
	rc = verify(d, ak, &w, sig, siglen);
	pouch_wr_free(&w);
	return rc;
}

void
api_enrol(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	struct pouch_store_enrol e;
	struct pouch_store_user u;
	struct pd_kt_staged kt;
	uint8_t *dk = NULL, *ak = NULL, *dsig = NULL, *asig = NULL;
	size_t dkl, akl, dsl, asl;
	const char *code, *user, *name;
	int64_t dev;
	json_t *o;
	int rc;

	memset(&e, 0, sizeof(e));
	if ((o = api_json(d, rq, rs)) == NULL)
		return;
	code = api_str(o, "code", CODE_MAX);
	user = api_str(o, "user", POUCH_STORE_NAME_MAX);
	name = api_str(o, "device_name", POUCH_STORE_NAME_MAX);
	dk = api_b64(o, "device_key", ED25519_PUB, &dkl);
	ak = api_b64(o, "account_key", ED25519_PUB, &akl);
	dsig = api_b64(o, "device_sig", ED25519_SIG, &dsl);
	asig = api_b64(o, "account_sig", ED25519_SIG, &asl);
	if (code == NULL || user == NULL || name == NULL || name[0] == '\0' ||
	    dk == NULL || dkl != ED25519_PUB || ak == NULL ||
	    akl != ED25519_PUB || dsig == NULL || asig == NULL) {
		pd_error(rs, 400, "malformed");
		goto out;
	}
	api_sha256(d, code, strlen(code), e.code_hash);
	/* The code names the user; nothing is consumed yet. */
	if ((rc = d->st->ops->code_peek(d->st, e.code_hash, rq->now, &u)) !=
	    POUCH_OK) {
		/* unknown, used, expired or suspended: one answer */
		pd_error(rs, 403, "bad_code");
		goto out;
	}
	if (strcmp(u.name, user) != 0) {
		pd_error(rs, 403, "bad_code");
		goto out;
	}
	if (u.has_account_key &&
	    CRYPTO_memcmp(u.account_key, ak, ED25519_PUB) != 0) {
		pd_error(rs, 409, "account_key_differs");
		goto out;
	}
	if (check_device_sig(d, user, dk, ak, dsig, dsl) != POUCH_OK ||
	    check_account_sig(d, user, dk, ak, asig, asl) != POUCH_OK) {
		pd_error(rs, 403, "bad_signature");
		goto out;
	}
	memcpy(e.account_key, ak, ED25519_PUB);
	memcpy(e.device_key, dk, ED25519_PUB);
	e.device_name = name;
	e.now = rq->now;
	/* the "device added" key event, appended in the same transaction */
	if ((rc = pd_kt_device_added(d, user, name, dk, ak, asig, rq->now,
	    &kt)) != POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	pouch_store_kt_stage(&kt.leaf, 1);
	/* Consumes the code; fails if the account key changed meanwhile. */
	rc = d->st->ops->enrol(d->st, &e, &dev);
	pouch_store_kt_unstage();
	if (rc != POUCH_OK) {
		if (rc == POUCH_E_NOT_FOUND || rc == POUCH_E_EXPIRED ||
		    rc == POUCH_E_FORBIDDEN)
			pd_error(rs, 403, "bad_code");
		else if (rc == POUCH_E_EXISTS)
			pd_error(rs, 409, "device_key_exists");
		else
			api_fail(rs, rc);
		goto out;
	}
	pd_log("info", "enrolled", "device", 'i', dev, "user_id", 'i', u.id,
	    NULL);
	api_reply(rs, 201, json_pack("{s:I,s:s,s:I}", "device_id",
	    (json_int_t)dev, "user", u.name, "kt_leaf",
	    (json_int_t)kt.leaf.index));
out:
	OPENSSL_cleanse(&e, sizeof(e));
	free(dk);
	free(ak);
	free(dsig);
	free(asig);
	json_decref(o);		/* the code string is in here */
}

void
api_challenge(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	struct pouch_store_device dev;
	uint8_t chal[CHALLENGE_BYTES], hash[32];
	int64_t id, expires;
	char *b64;
	json_t *o;
	int rc;

	if ((o = api_json(d, rq, rs)) == NULL)
		return;
	if (api_int(o, "device_id", 1, INT64_MAX, &id) != 0) {
		pd_error(rs, 400, "malformed");
		goto out;
	}
	if ((rc = d->st->ops->device_get(d->st, id, &dev)) != POUCH_OK ||
	    dev.revoked) {
		pd_error(rs, 403, "forbidden");
		goto out;
	}
	if (pouch_random(chal, sizeof(chal)) != POUCH_OK) {
		pd_error(rs, 500, "random");
		goto out;
	}
	api_sha256(d, chal, sizeof(chal), hash);
	expires = rq->now + d->cfg.challenge_ttl;
	if ((rc = d->st->ops->challenge_add(d->st, id, hash, expires)) !=
	    POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	b64 = pd_b64_encode(chal, sizeof(chal));
	api_reply(rs, 200, json_pack("{s:s,s:I}", "challenge", b64,
	    "expires", (json_int_t)expires));
	free(b64);
out:
	json_decref(o);
}

void
api_token(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	struct pouch_store_device dev;
	struct pouch_store_user u;
	struct pouch_wr w;
	uint8_t *chal = NULL, *sig = NULL, hash[32], tok[TOKEN_BYTES];
	char hex[2 * TOKEN_BYTES + 1];
	size_t cl, sl;
	int64_t id, expires;
	json_t *o;
	int rc;

	pouch_wr_init(&w, 1024);
	if ((o = api_json(d, rq, rs)) == NULL)
		goto out;
	chal = api_b64(o, "challenge", CHALLENGE_BYTES, &cl);
	sig = api_b64(o, "signature", ED25519_SIG, &sl);
	if (api_int(o, "device_id", 1, INT64_MAX, &id) != 0 || chal == NULL ||
	    cl != CHALLENGE_BYTES || sig == NULL) {
		pd_error(rs, 400, "malformed");
		goto out;
	}
	/* Consumed now, whatever follows: one try per challenge. */
	api_sha256(d, chal, cl, hash);
	if (d->st->ops->challenge_take(d->st, id, hash, rq->now) != POUCH_OK) {
		pd_error(rs, 401, "bad_challenge");
		goto out;
	}
	if (d->st->ops->device_get(d->st, id, &dev) != POUCH_OK ||
	    dev.revoked || d->st->ops->user_get_id(d->st, dev.user_id, &u) !=
	    POUCH_OK || u.suspended) {
		pd_error(rs, 403, "forbidden");
		goto out;
	}
	pouch_wr_opaque(&w, "pouch auth v1", 13);
	pouch_wr_opaque(&w, d->server_pub, sizeof(d->server_pub));
	pouch_wr_u64(&w, (uint64_t)id);
	pouch_wr_opaque(&w, chal, cl);
	if (verify(d, dev.key, &w, sig, sl) != POUCH_OK) {
		pd_error(rs, 401, "bad_signature");
		goto out;
	}
	if (pouch_random(tok, sizeof(tok)) != POUCH_OK) {
		pd_error(rs, 500, "random");
		goto out;
	}
	api_sha256(d, tok, sizeof(tok), hash);
	expires = rq->now + d->cfg.token_ttl;
	if ((rc = d->st->ops->token_add(d->st, id, hash, expires)) !=
	    POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	pouch_hex(tok, sizeof(tok), hex);
	api_reply(rs, 200, json_pack("{s:s,s:I}", "token", hex, "expires",
	    (json_int_t)expires));
	pd_log("info", "token", "device", 'i', id, NULL);
out:
	OPENSSL_cleanse(tok, sizeof(tok));
	OPENSSL_cleanse(hex, sizeof(hex));
	pouch_wr_free(&w);
	free(chal);
	free(sig);
	json_decref(o);
}
