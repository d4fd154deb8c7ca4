/*
 * client/kt - the client's side of key transparency (BRIEF G6, G7): it
 * follows the server's log of key events, checks that the log only
 * grows, and keeps the index of device keys that the client's trust
 * decisions consult.
 *
 * The log key is the server key pinned at enrolment and its origin is
 * pinned at the first checkpoint.  Each sync fetches the latest signed
 * checkpoint and every entry since the last verified one.  The entries
 * are folded into a compact range (the roots of the perfect subtrees of
 * the verified prefix, RFC 9162 2.1.1 order), whose root must equal the
 * checkpoint's: that proves, at once, that the new checkpoint extends the
 * old one (no fork, no rollback, no rewritten or dropped leaf) and that
 * the entries are the log's.  Anything else raises an alert and nothing
 * is adopted.
 *
 * Owner monitoring: an event on our own account that none of our devices
 * caused (a device added that is neither this one nor one this account
 * approved, another account key) raises an alert.  Every device-added
 * event is indexed ("kt/dev/<key>" = user), revocations too, so that a
 * member device is trusted only when the log shows it (cl_kt_device_ok).
 *
 * Account-key rotation: an "account key" event is taken only when its
 * prev is the key we hold for the user and prev signed it; the user's
 * key moves on ("kt/acct/<user>"), the old one stays known as previous
 * ("kt/prev/<user>/<key>") and each device's latest cross-signer is kept
 * ("kt/xs/<device>"), so that a member still showing a credential under
 * the previous key is accepted only if the rotation cross-signed its
 * device again (cl_kt_prev_ok).  Our own devices adopt the new key
 * (rotate.c); contacts raise contact_key_rotated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "client/client_int.h"
#include "codec/codec.h"
#include "kt/kt.h"

#define RANGE_MAX	64
#define PAGE		1000

static int	kt_settle_waits(struct pouch_client *cl);

/* The verified prefix: size, root and compact range. */
struct vlog {
	uint64_t	size;
	uint8_t		root[POUCH_KT_HASH_BYTES];
	uint8_t		range[RANGE_MAX][POUCH_KT_HASH_BYTES];
	size_t		n;
};

static int
vlog_load(struct pouch_client *cl, struct vlog *v)
{
	uint8_t *b = NULL;
	size_t blen = 0;
	struct pouch_rd r;
	uint32_t n;
	size_t i;
	int rc;

	memset(v, 0, sizeof(*v));
	rc = pouch_cstore_kv_get(cl->st, "kt/state", &b, &blen);
	if (rc == POUCH_E_NOT_FOUND)
		return POUCH_OK;
	if (rc != POUCH_OK)
		return rc;
	pouch_rd_init(&r, b, blen);
	if ((rc = pouch_rd_u64(&r, &v->size)) != POUCH_OK ||
	    (rc = pouch_rd_copy(&r, v->root, sizeof(v->root))) != POUCH_OK ||
	    (rc = pouch_rd_u32(&r, &n)) != POUCH_OK)
		goto out;
	rc = POUCH_E_MALFORMED;
	if (n > RANGE_MAX || (uint32_t)__builtin_popcountll(v->size) != n)
		goto out;
	for (i = 0; i < n; i++)
		if ((rc = pouch_rd_copy(&r, v->range[i],
		    POUCH_KT_HASH_BYTES)) != POUCH_OK)
			goto out;
	v->n = n;
	rc = pouch_rd_done(&r);
out:
	pouch_cstore_buf_free(b, blen);
	return rc;
}

static int
vlog_save(struct pouch_client *cl, const struct vlog *v)
{
	struct pouch_wr w;
	uint8_t *b = NULL;
	size_t blen = 0, i;
	int rc;

	pouch_wr_init(&w, 4096);
	pouch_wr_u64(&w, v->size);
	pouch_wr_bytes(&w, v->root, sizeof(v->root));
	pouch_wr_u32(&w, (uint32_t)v->n);
	for (i = 0; i < v->n; i++)
		pouch_wr_bytes(&w, v->range[i], POUCH_KT_HASH_BYTES);
	if ((rc = pouch_wr_take(&w, &b, &blen)) != POUCH_OK)
		return rc;
	rc = pouch_cstore_kv_put(cl->st, "kt/state", b, blen);
	pouch_wr_buf_free(b, blen);
	return rc;
}

/* Append leaf hash h: merge as many subtrees as size has trailing ones. */
static int
vlog_append(const struct pouch_crypto *c, struct vlog *v,
    const uint8_t h[POUCH_KT_HASH_BYTES])
{
	uint64_t s = v->size;
	int rc;

	if (v->n == RANGE_MAX)
		return POUCH_E_LIMIT;
	memcpy(v->range[v->n++], h, POUCH_KT_HASH_BYTES);
	while (s & 1) {
		if ((rc = pouch_kt_node_hash(c, v->range[v->n - 2],
		    v->range[v->n - 1], v->range[v->n - 2])) != POUCH_OK)
			return rc;
		v->n--;
		s >>= 1;
	}
	v->size++;
	return POUCH_OK;
}

/* RFC 9162 MTH of the prefix, folded from the right. */
static int
vlog_root(const struct pouch_crypto *c, const struct vlog *v,
    uint8_t out[POUCH_KT_HASH_BYTES])
{
	uint8_t h[POUCH_KT_HASH_BYTES];
	size_t i;
	int rc;

	if (v->n == 0)
		return pouch_hash(c, POUCH_SHA256, NULL, 0, out);
	memcpy(h, v->range[v->n - 1], sizeof(h));
	for (i = v->n - 1; i > 0; i--)
		if ((rc = pouch_kt_node_hash(c, v->range[i - 1], h, h)) !=
		    POUCH_OK)
			return rc;
	memcpy(out, h, sizeof(h));
	return POUCH_OK;
}

static void
key_name(const char *prefix, const uint8_t key[CL_KEY], char *out, size_t cap)
{
	char hex[2 * CL_KEY + 1];

	pouch_hex(key, CL_KEY, hex);
	snprintf(out, cap, "%s%s", prefix, hex);
}

/* Ours: this device, or one this account approved. */
static int
own_device(struct pouch_client *cl, const uint8_t key[CL_KEY])
{
	char name[16 + 2 * CL_KEY + 1];
	uint8_t *v = NULL;
	size_t n = 0;
	int rc;

	if (pouch_ct_eq(key, cl->dev_pub, CL_KEY) == 0)
		return 1;
	key_name("kt/own/", key, name, sizeof(name));
	if ((rc = pouch_cstore_kv_get(cl->st, name, &v, &n)) == POUCH_OK) {
		pouch_cstore_buf_free(v, n);
		return 1;
	}
	return 0;
}

/* The account key the log gave user first ("kt/acct/<user>"). */
static int
acct_get(struct pouch_client *cl, const char *user, uint8_t out[CL_KEY])
{
	char name[16 + POUCH_KT_NAME_MAX + 1];
	uint8_t *v = NULL;
	size_t n = 0;
	int rc;

	snprintf(name, sizeof(name), "kt/acct/%s", user);
	if ((rc = pouch_cstore_kv_get(cl->st, name, &v, &n)) != POUCH_OK)
		return rc;
	if (n == CL_KEY)
		memcpy(out, v, CL_KEY);
	else
		rc = POUCH_E_MALFORMED;
	pouch_cstore_buf_free(v, n);
	return rc;
}

static int
acct_first(struct pouch_client *cl, const char *user,
    const uint8_t key[CL_KEY])
{
	char name[16 + POUCH_KT_NAME_MAX + 1];
	uint8_t have[CL_KEY];
	int rc;

	if ((rc = acct_get(cl, user, have)) != POUCH_E_NOT_FOUND)
		return rc == POUCH_E_MALFORMED ? POUCH_OK : rc;
	snprintf(name, sizeof(name), "kt/acct/%s", user);
	return pouch_cstore_kv_put(cl->st, name, key, CL_KEY);
}

/* ---- account-key rotation: the chain of a user's keys ------------------ */

static int
acct_put(struct pouch_client *cl, const char *user, const uint8_t key[CL_KEY])
{
	char name[16 + POUCH_KT_NAME_MAX + 1];

	snprintf(name, sizeof(name), "kt/acct/%s", user);
	return pouch_cstore_kv_put(cl->st, name, key, CL_KEY);
}

static void
prev_name(const char *user, const uint8_t key[CL_KEY], char *out, size_t cap)
{
	char hex[2 * CL_KEY + 1];

	pouch_hex(key, CL_KEY, hex);
	snprintf(out, cap, "kt/prev/%s/%s", user, hex);
}

/* 1 when the log verified key (a public key) as the device's latest
 * cross-signer, "kt/xs/<device>". */
static int
xs_is(struct pouch_client *cl, const uint8_t dev[CL_KEY],
    const uint8_t key[CL_KEY])
{
	char name[16 + 2 * CL_KEY + 1];
	uint8_t *v = NULL;
	size_t n = 0;
	int ok;

	key_name("kt/xs/", dev, name, sizeof(name));
	if (pouch_cstore_kv_get(cl->st, name, &v, &n) != POUCH_OK)
		return 0;
	ok = n == CL_KEY && pouch_ct_eq(v, key, CL_KEY) == 0;
	pouch_cstore_buf_free(v, n);
	return ok;
}

int
cl_kt_acct_current(struct pouch_client *cl, const char *user,
    uint8_t out[CL_KEY])
{
	return acct_get(cl, user, out);
}

int
cl_kt_acct_known(struct pouch_client *cl, const char *user,
    const uint8_t key[CL_KEY])
{
	char name[32 + POUCH_KT_NAME_MAX + 2 * CL_KEY];
	uint8_t cur[CL_KEY], *v = NULL;
	size_t n = 0;

	if (strlen(user) > POUCH_KT_NAME_MAX)
		return 0;
	if (acct_get(cl, user, cur) == POUCH_OK &&
	    pouch_ct_eq(cur, key, CL_KEY) == 0)
		return 1;
	prev_name(user, key, name, sizeof(name));
	if (pouch_cstore_kv_get(cl->st, name, &v, &n) != POUCH_OK)
		return 0;
	pouch_cstore_buf_free(v, n);
	return 1;
}

int
cl_kt_prev_verify(struct pouch_client *cl, const struct pouch_kt_event *ev)
{
	char prefix[16 + POUCH_KT_NAME_MAX], **names = NULL;
	uint8_t key[CL_KEY];
	size_t nn = 0, i, plen;
	int ok = 0;

	if (strlen(ev->user) > POUCH_KT_NAME_MAX)
		return 0;
	snprintf(prefix, sizeof(prefix), "kt/prev/%s/", ev->user);
	plen = strlen(prefix);
	if (pouch_cstore_kv_list(cl->st, prefix, &names, &nn) != POUCH_OK)
		return 0;
	for (i = 0; i < nn && !ok; i++)
		ok = strlen(names[i]) == plen + 2 * CL_KEY &&
		    pouch_unhex(names[i] + plen, key, CL_KEY) == POUCH_OK &&
		    pouch_kt_event_verify(cl->c, ev, key, cl->server_key) ==
		    POUCH_OK;
	pouch_cstore_names_free(names, nn);
	return ok;
}

int
cl_kt_prev_ok(struct pouch_client *cl, const char *user,
    const uint8_t account_key[CL_KEY], const uint8_t dev[CL_KEY])
{
	char name[32 + POUCH_KT_NAME_MAX + 2 * CL_KEY];
	uint8_t cur[CL_KEY], *v = NULL;
	size_t n = 0;

	if (strlen(user) > POUCH_KT_NAME_MAX ||
	    acct_get(cl, user, cur) != POUCH_OK)
		return 0;
	prev_name(user, account_key, name, sizeof(name));
	if (pouch_cstore_kv_get(cl->st, name, &v, &n) != POUCH_OK)
		return 0;
	pouch_cstore_buf_free(v, n);
	return xs_is(cl, dev, cur);
}

/*
 * A rotation of user's account key, its signature and prev already
 * checked against the key we held: the chain moves on, our own devices
 * take the new key, contacts learn it.
 */
static int
rotated(struct pouch_client *cl, const struct pouch_kt_event *ev,
    uint64_t index, int baseline)
{
	struct pouch_cstore_contact ct;
	char name[32 + POUCH_KT_NAME_MAX + 2 * CL_KEY];
	int rc;

	prev_name(ev->user, ev->prev_key, name, sizeof(name));
	if ((rc = pouch_cstore_kv_put(cl->st, name, ev->prev_key, CL_KEY)) !=
	    POUCH_OK || (rc = acct_put(cl, ev->user, ev->account_key)) !=
	    POUCH_OK)
		return rc;
	if (strcmp(ev->user, cl->user) == 0) {
		rc = cl_rotate_adopt(cl, ev->prev_key, ev->account_key);
		if (rc == POUCH_E_EXISTS)
			return POUCH_OK;	/* this device's own rotation */
		if (rc == POUCH_E_NOT_FOUND)	/* we never held prev */
			return cl_alert(cl, "own_device", "the log shows "
			    "another account key set for your account (entry "
			    "%llu): tell your security officer",
			    (unsigned long long)index);
		if (rc != POUCH_OK || baseline)
			return rc;
		return cl_alert(cl, "account_key_rotated", "your account key "
		    "was replaced by another of your devices (entry %llu); "
		    "if none of yours did it, your old account key was "
		    "stolen: tell your security officer",
		    (unsigned long long)index);
	}
	rc = pouch_cstore_contact_get(cl->st, ev->user, &ct);
	if (rc == POUCH_E_NOT_FOUND)
		return POUCH_OK;
	if (rc != POUCH_OK)
		return rc;
	if (pouch_ct_eq(ct.account_key, ev->prev_key, CL_KEY) != 0)
		return POUCH_OK;	/* judged as before (contact_key) */
	memcpy(ct.account_key, ev->account_key, CL_KEY);
	if ((rc = pouch_cstore_contact_put(cl->st, &ct)) != POUCH_OK)
		return rc;
	return cl_alert(cl, "contact_key_rotated", "%s replaced their account "
	    "key (log entry %llu), signed by the old one; their safety code "
	    "changes", ev->user, (unsigned long long)index);
}

static int
on_account_key(struct pouch_client *cl, const struct pouch_kt_event *ev,
    uint64_t index, int baseline)
{
	uint8_t cur[CL_KEY];
	int rc;

	rc = acct_get(cl, ev->user, cur);
	if (rc != POUCH_OK && rc != POUCH_E_NOT_FOUND)
		return rc;
	/* a first key (no prev) for a user the log never named: self-signed */
	if (rc == POUCH_E_NOT_FOUND && !ev->has_prev &&
	    pouch_kt_event_verify(cl->c, ev, ev->account_key,
	    cl->server_key) == POUCH_OK)
		return acct_first(cl, ev->user, ev->account_key);
	/* a rotation: from the key we hold, signed by it */
	if (rc == POUCH_OK && ev->has_prev && ev->signer ==
	    POUCH_KT_BY_ACCOUNT && pouch_ct_eq(ev->prev_key, cur, CL_KEY) ==
	    0 && pouch_ct_eq(ev->account_key, cur, CL_KEY) != 0 &&
	    pouch_kt_event_verify(cl->c, ev, cur, cl->server_key) == POUCH_OK)
		return rotated(cl, ev, index, baseline);
	return cl_alert(cl, "kt_bad_event", "log entry %llu (an account key "
	    "of %s) is not signed by the account key it replaces; it is "
	    "ignored", (unsigned long long)index, ev->user);
}

static int
on_event(struct pouch_client *cl, const struct pouch_kt_event *ev,
    uint64_t index, int baseline)
{
	uint8_t acct[CL_KEY];
	char name[16 + 2 * CL_KEY + 1];
	int mine = strcmp(ev->user, cl->user) == 0;
	int rc, resigned;

	switch (ev->type) {
	case POUCH_KT_DEVICE_ADDED:
		/* the cross-signature is the account key's own */
		if (pouch_kt_event_verify(cl->c, ev, NULL, cl->server_key) !=
		    POUCH_OK)
			return cl_alert(cl, "kt_bad_event", "log entry %llu "
			    "(a device of %s) carries no valid account "
			    "signature", (unsigned long long)index, ev->user);
		/* a device the log had for the user, cross-signed again
		 * by the user's current key: a rotation's */
		resigned = cl_kt_device_ok(cl, ev->user, ev->device_key) &&
		    acct_get(cl, ev->user, acct) == POUCH_OK &&
		    pouch_ct_eq(acct, ev->account_key, CL_KEY) == 0;
		key_name("kt/dev/", ev->device_key, name, sizeof(name));
		if ((rc = pouch_cstore_kv_put(cl->st, name,
		    (const uint8_t *)ev->user, strlen(ev->user))) != POUCH_OK ||
		    (rc = acct_first(cl, ev->user, ev->account_key)) !=
		    POUCH_OK)
			return rc;
		/* the latest cross-signer, when it is the user's key now (a
		 * device added under some other key changes nothing here) */
		key_name("kt/xs/", ev->device_key, name, sizeof(name));
		if (acct_get(cl, ev->user, acct) == POUCH_OK &&
		    pouch_ct_eq(acct, ev->account_key, CL_KEY) == 0 &&
		    (rc = pouch_cstore_kv_put(cl->st, name, ev->account_key,
		    CL_KEY)) != POUCH_OK)
			return rc;
		/* our own new cross-signature, made on the rotating device */
		if (mine && pouch_ct_eq(ev->device_key, cl->dev_pub, CL_KEY) ==
		    0 && pouch_ct_eq(ev->account_key, cl->acct_pub, CL_KEY) ==
		    0 && (rc = cl_rotate_cross_sig(cl, ev->sig)) != POUCH_OK)
			return rc;
		/* A device's first look at the log takes the devices its
		 * account already had as the baseline (the account's other
		 * devices watched the log before), under the key the log
		 * then held for it. */
		if (mine && baseline && (pouch_ct_eq(ev->account_key,
		    cl->acct_pub, CL_KEY) == 0 || (acct_get(cl, ev->user,
		    acct) == POUCH_OK && pouch_ct_eq(acct, ev->account_key,
		    CL_KEY) == 0)))
			return cl_kt_own_device(cl, ev->device_key);
		if (mine && resigned && pouch_ct_eq(ev->account_key,
		    cl->acct_pub, CL_KEY) == 0)
			return POUCH_OK;
		if (mine && (pouch_ct_eq(ev->account_key, cl->acct_pub,
		    CL_KEY) != 0 || !own_device(cl, ev->device_key)))
			return cl_alert(cl, "own_device", "the log shows a "
			    "device \"%s\" added to your account that none "
			    "of your devices approved (entry %llu): tell your "
			    "security officer", ev->device_name,
			    (unsigned long long)index);
		return POUCH_OK;
	case POUCH_KT_DEVICE_REVOKED:
		/* by the user's account key or an administrator (log key):
		 * a revocation the server made up would silence a device */
		if ((rc = acct_get(cl, ev->user, acct)) != POUCH_OK &&
		    rc != POUCH_E_NOT_FOUND)
			return rc;
		if (pouch_kt_event_verify(cl->c, ev, rc == POUCH_OK ? acct :
		    NULL, cl->server_key) != POUCH_OK)
			return cl_alert(cl, "kt_bad_event", "log entry %llu "
			    "(a revocation of a device of %s) is signed by "
			    "neither the account nor the log; it is ignored",
			    (unsigned long long)index, ev->user);
		key_name("kt/rev/", ev->device_key, name, sizeof(name));
		if ((rc = pouch_cstore_kv_put(cl->st, name,
		    (const uint8_t *)ev->user, strlen(ev->user))) != POUCH_OK)
			return rc;
		if (mine && !baseline && ev->signer == POUCH_KT_BY_LOG)
			return cl_alert(cl, "own_device_revoked", "%s revoked "
			    "a device of your account (entry %llu)%s",
			    ev->actor, (unsigned long long)index,
			    pouch_ct_eq(ev->device_key, cl->dev_pub, CL_KEY) ==
			    0 ? ": this one" : "");
		return POUCH_OK;
	case POUCH_KT_ACCOUNT_KEY:
		return on_account_key(cl, ev, index, baseline);
	default:
		return POUCH_OK;
	}
}

/* The signed note of the checkpoint we verified, for our messages'
 * authenticated data (aad.c); replace 0 keeps one already there. */
static int
note_keep(struct pouch_client *cl, const char *note, size_t len,
    int replace)
{
	uint8_t *v = NULL;
	size_t n = 0;
	int rc;

	if (len == 0)
		return POUCH_OK;
	if (!replace) {
		rc = pouch_cstore_kv_get(cl->st, "kt/note", &v, &n);
		pouch_cstore_buf_free(v, n);
		if (rc != POUCH_E_NOT_FOUND)
			return rc;
	}
	return pouch_cstore_kv_put(cl->st, "kt/note", (const uint8_t *)note,
	    len);
}

static int
fetch_checkpoint(struct pouch_client *cl, const char *origin,
    struct pouch_kt_checkpoint *cp, int *none, char *note, size_t *notelen)
{
	struct pouch_http_resp r;
	int rc;

	*none = 0;
	*notelen = 0;
	if ((rc = cl_http(cl, "GET", "/v1/kt/checkpoint", NULL, NULL, 0, NULL,
	    POUCH_KT_NOTE_MAX, 30, 0, &r)) != POUCH_OK)
		return rc;
	if (r.status == 503 || r.status == 404) {
		*none = 1;	/* a server without a log */
		pouch_http_resp_clear(&r);
		return POUCH_OK;
	}
	if (r.status != 200) {
		pouch_http_resp_clear(&r);
		return POUCH_E_IO;
	}
	rc = pouch_kt_checkpoint_open(cl->c, origin, cl->server_key,
	    (const char *)r.body, r.len, cp);
	if (rc == POUCH_OK && r.len <= POUCH_KT_NOTE_MAX) {
		memcpy(note, r.body, r.len);
		*notelen = r.len;
	}
	pouch_http_resp_clear(&r);
	return rc;
}

/* The log's origin, pinned the first time. */
static int
origin_get(struct pouch_client *cl, char *out, size_t cap)
{
	json_t *r = NULL;
	const char *o;
	uint8_t *v = NULL;
	size_t n = 0;
	long st;
	int rc;

	rc = pouch_cstore_kv_get(cl->st, "kt/origin", &v, &n);
	if (rc == POUCH_OK) {
		if (n >= cap) {
			pouch_cstore_buf_free(v, n);
			return POUCH_E_MALFORMED;
		}
		memcpy(out, v, n);
		out[n] = '\0';
		pouch_cstore_buf_free(v, n);
		return POUCH_OK;
	}
	if (rc != POUCH_E_NOT_FOUND)
		return rc;
	if ((rc = cl_api(cl, "GET", "/v1/kt/key", NULL, &st, &r)) != POUCH_OK)
		return rc;
	if (st != 200 || (o = json_string_value(json_object_get(r,
	    "origin"))) == NULL || strlen(o) >= cap) {
		json_decref(r);
		return st == 503 || st == 404 ? POUCH_E_NOT_FOUND : POUCH_E_IO;
	}
	snprintf(out, cap, "%s", o);
	json_decref(r);
	return pouch_cstore_kv_put(cl->st, "kt/origin", (const uint8_t *)out,
	    strlen(out));
}

int
cl_kt_entries(struct pouch_client *cl, uint64_t start, uint64_t end,
    cl_kt_leaf_fn fn, void *arg)
{
	char path[96];
	json_t *r = NULL, *arr, *e;
	struct cl_kt_leaf l;
	uint8_t *buf = NULL;
	size_t len = 0, i;
	uint64_t s, t;
	long st;
	int rc = POUCH_OK;

	for (s = start; s < end && rc == POUCH_OK; s = t) {
		t = end - s > PAGE ? s + PAGE : end;
		snprintf(path, sizeof(path),
		    "/v1/kt/entries?start=%llu&end=%llu",
		    (unsigned long long)s, (unsigned long long)t);
		json_decref(r);
		r = NULL;
		if ((rc = cl_api(cl, "GET", path, NULL, &st, &r)) != POUCH_OK)
			break;
		if (st != 200 || !json_is_array(arr = json_object_get(r,
		    "entries")) || json_array_size(arr) != t - s) {
			rc = POUCH_E_IO;
			break;
		}
		json_array_foreach(arr, i, e) {
			const char *lb = json_string_value(json_object_get(e,
			    "leaf"));

			if (lb == NULL || !json_is_integer(json_object_get(e,
			    "index")) || (uint64_t)json_integer_value(
			    json_object_get(e, "index")) != s + i) {
				rc = POUCH_E_MALFORMED;
				break;
			}
			free(buf);
			buf = NULL;
			if ((rc = pouch_b64_decode(lb, POUCH_KT_EVENT_MAX, &buf,
			    &len)) != POUCH_OK ||
			    (rc = pouch_kt_leaf_hash(cl->c, buf, len, l.h)) !=
			    POUCH_OK)
				break;
			l.p = buf;
			l.n = len;
			if ((rc = fn(arg, s + i, &l)) != POUCH_OK)
				break;
		}
	}
	free(buf);
	json_decref(r);
	return rc;
}

/* A sync's walk over the new entries. */
struct sync_walk {
	struct pouch_client	*cl;
	struct vlog		*nv;
	int			 baseline;
};

static int
on_sync_leaf(void *arg, uint64_t index, const struct cl_kt_leaf *l)
{
	struct sync_walk *w = arg;
	struct pouch_kt_event ev;
	int rc;

	if ((rc = vlog_append(w->cl->c, w->nv, l->h)) != POUCH_OK)
		return rc;
	if (pouch_kt_event_decode(l->p, l->n, &ev) != POUCH_OK)
		return cl_alert(w->cl, "kt_bad_event", "log entry %llu is not "
		    "a key event", (unsigned long long)index);
	return on_event(w->cl, &ev, index, w->baseline);
}

int
cl_kt_sync(struct pouch_client *cl)
{
	struct pouch_kt_checkpoint cp;
	struct sync_walk w;
	struct vlog v, nv;
	char origin[POUCH_KT_ORIGIN_MAX + 1];
	char note[POUCH_KT_NOTE_MAX];
	uint8_t root[POUCH_KT_HASH_BYTES];
	size_t notelen;
	int rc, none;

	rc = origin_get(cl, origin, sizeof(origin));
	if (rc == POUCH_E_NOT_FOUND)
		return POUCH_OK;		/* the server keeps no log */
	if (rc != POUCH_OK)
		return rc;
	if ((rc = fetch_checkpoint(cl, origin, &cp, &none, note,
	    &notelen)) != POUCH_OK) {
		if (rc == POUCH_E_KT_CHECKPOINT_SIG || rc == POUCH_E_MALFORMED)
			return cl_alert(cl, "kt_bad_checkpoint", "the server's "
			    "log checkpoint does not verify under its pinned "
			    "key: %s", pouch_strerror(rc));
		return rc;
	}
	if (none)
		return POUCH_OK;
	if ((rc = vlog_load(cl, &v)) != POUCH_OK)
		return rc;
	if (cp.size < v.size)
		return cl_alert(cl, "kt_rollback", "the server presented a log "
		    "of %llu entries after one of %llu: it rolled back or "
		    "forked its key log", (unsigned long long)cp.size,
		    (unsigned long long)v.size);
	if (cp.size == v.size) {
		/* nothing verified yet: the root of the empty log */
		if (v.size == 0 && (rc = vlog_root(cl->c, &v, v.root)) !=
		    POUCH_OK)
			return rc;
		if (pouch_ct_eq(cp.root, v.root, sizeof(root)) != 0)
			return cl_alert(cl, "kt_fork", "two different logs of "
			    "%llu entries were signed: the server forked its "
			    "key log", (unsigned long long)cp.size);
		/* the same checkpoint: keep its note if we have none yet
		 * (a store from before notes were kept) */
		if ((rc = note_keep(cl, note, notelen, 0)) != POUCH_OK)
			return rc;
		return kt_settle_waits(cl);
	}
	nv = v;
	w.cl = cl;
	w.nv = &nv;
	w.baseline = v.size == 0;
	if ((rc = pouch_cstore_begin(cl->st)) != POUCH_OK)
		return rc;
	if ((rc = cl_kt_entries(cl, v.size, cp.size, on_sync_leaf, &w)) !=
	    POUCH_OK || (rc = vlog_root(cl->c, &nv, root)) != POUCH_OK)
		goto fail;
	if (pouch_ct_eq(root, cp.root, sizeof(root)) != 0) {
		/* nothing of this is adopted: only the alert is kept */
		pouch_cstore_rollback(cl->st);
		return cl_alert(cl, "kt_fork", "the log's entries up to %llu "
		    "do not extend the log this device verified before: the "
		    "server rewrote, dropped or reordered entries",
		    (unsigned long long)cp.size);
	}
	memcpy(nv.root, root, sizeof(root));
	if ((rc = vlog_save(cl, &nv)) != POUCH_OK ||
	    (rc = note_keep(cl, note, notelen, 1)) != POUCH_OK)
		goto fail;
	if ((rc = pouch_cstore_commit(cl->st)) != POUCH_OK)
		return rc;
	return kt_settle_waits(cl);
fail:
	pouch_cstore_rollback(cl->st);
	return rc;
}

/*
 * 1 when the log (as verified) shows key added for user and not revoked;
 * also 1 when the server keeps no log at all (origin never pinned).
 */
int
cl_kt_device_ok(struct pouch_client *cl, const char *user,
    const uint8_t key[CL_KEY])
{
	char name[16 + 2 * CL_KEY + 1];
	uint8_t *v = NULL;
	size_t n = 0;
	int ok;

	/* this device knows its own key (the log may not show it yet) */
	if (strcmp(user, cl->user) == 0 &&
	    pouch_ct_eq(key, cl->dev_pub, CL_KEY) == 0)
		return 1;
	if (pouch_cstore_kv_get(cl->st, "kt/origin", &v, &n) != POUCH_OK)
		return 1;
	pouch_cstore_buf_free(v, n);
	key_name("kt/rev/", key, name, sizeof(name));
	if (pouch_cstore_kv_get(cl->st, name, &v, &n) == POUCH_OK) {
		pouch_cstore_buf_free(v, n);
		return 0;
	}
	key_name("kt/dev/", key, name, sizeof(name));
	if (pouch_cstore_kv_get(cl->st, name, &v, &n) != POUCH_OK)
		return 0;
	ok = n == strlen(user) &&
	    memcmp(v, user, n) == 0;	/* checksrc: allow */
	pouch_cstore_buf_free(v, n);
	return ok;
}

#define KT_WAIT		60	/* seconds a member may precede its entry */

/*
 * A member device not in the log yet: the log may be one checkpoint
 * behind (its merge delay).  Remembered with the time; the next key log
 * syncs clear it, or alert once it is older than KT_WAIT.
 */
int
cl_kt_expect(struct pouch_client *cl, const char *user,
    const uint8_t key[CL_KEY])
{
	char name[16 + 2 * CL_KEY + 1];
	struct pouch_wr w;
	uint8_t *v = NULL, *rec = NULL;
	size_t n = 0, reclen = 0;
	int rc;

	key_name("kt/wait/", key, name, sizeof(name));
	if (pouch_cstore_kv_get(cl->st, name, &v, &n) == POUCH_OK) {
		pouch_cstore_buf_free(v, n);
		return POUCH_OK;	/* already waiting */
	}
	pouch_wr_init(&w, 256);
	pouch_wr_u64(&w, (uint64_t)cl_now(cl));
	pouch_wr_opaque(&w, user, strlen(user));
	if ((rc = pouch_wr_take(&w, &rec, &reclen)) != POUCH_OK)
		return rc;
	rc = pouch_cstore_kv_put(cl->st, name, rec, reclen);
	pouch_wr_buf_free(rec, reclen);
	return rc;
}

/* After a log sync: settle the devices waiting for their entry. */
static int
kt_settle_waits(struct pouch_client *cl)
{
	char **names = NULL, user[CL_USER_MAX + 1];
	const uint8_t *u;
	uint8_t *v = NULL, key[CL_KEY];
	size_t n = 0, i, vn = 0, ul;
	struct pouch_rd r;
	uint64_t since;
	int rc = POUCH_OK;

	if ((rc = pouch_cstore_kv_list(cl->st, "kt/wait/", &names, &n)) !=
	    POUCH_OK)
		return rc;
	for (i = 0; i < n && rc == POUCH_OK; i++) {
		const char *hex = names[i] + 8;

		if (pouch_unhex(hex, key, CL_KEY) != POUCH_OK)
			continue;
		if ((rc = pouch_cstore_kv_get(cl->st, names[i], &v, &vn)) !=
		    POUCH_OK)
			break;
		pouch_rd_init(&r, v, vn);
		if (pouch_rd_u64(&r, &since) != POUCH_OK ||
		    pouch_rd_opaque(&r, &u, &ul, CL_USER_MAX) != POUCH_OK) {
			pouch_cstore_buf_free(v, vn);
			v = NULL;
			rc = pouch_cstore_kv_del(cl->st, names[i]);
			continue;
		}
		memcpy(user, u, ul);
		user[ul] = '\0';
		pouch_cstore_buf_free(v, vn);
		v = NULL;
		if (cl_kt_device_ok(cl, user, key))
			rc = pouch_cstore_kv_del(cl->st, names[i]);
		else if ((uint64_t)cl_now(cl) - since > KT_WAIT) {
			if ((rc = cl_alert(cl, "unlogged_device", "a device of "
			    "%s in your conversations is not in the server's "
			    "key log, or was revoked there: do not trust it",
			    user)) == POUCH_OK)
				rc = pouch_cstore_kv_del(cl->st, names[i]);
		}
	}
	pouch_cstore_names_free(names, n);
	return rc;
}

/* Remember a device this account approved (owner monitoring). */
int
cl_kt_own_device(struct pouch_client *cl, const uint8_t key[CL_KEY])
{
	char name[16 + 2 * CL_KEY + 1];

	key_name("kt/own/", key, name, sizeof(name));
	return pouch_cstore_kv_put(cl->st, name, key, CL_KEY);
}

/* ---- members' views of the log (split-view detection) ---------------- */

#define KT_PEER_WAIT	300	/* seconds a member's view may stay unproven */
#define PEERS_OK_MAX	16	/* members' checkpoints proven consistent */

int
cl_kt_note(struct pouch_client *cl, char *out, size_t cap, size_t *len)
{
	uint8_t *v = NULL;
	size_t n = 0;
	int rc;

	*len = 0;
	rc = pouch_cstore_kv_get(cl->st, "kt/note", &v, &n);
	if (rc == POUCH_E_NOT_FOUND)
		return POUCH_OK;
	if (rc != POUCH_OK)
		return rc;
	if (n <= cap) {
		memcpy(out, v, n);
		*len = n;
	} else
		rc = POUCH_E_MALFORMED;
	pouch_cstore_buf_free(v, n);
	return rc;
}

/* A checkpoint note under the pinned log key; NOT_FOUND with no log. */
static int
peer_open(struct pouch_client *cl, const uint8_t *note, size_t len,
    struct pouch_kt_checkpoint *cp)
{
	char origin[POUCH_KT_ORIGIN_MAX + 1];
	uint8_t *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = pouch_cstore_kv_get(cl->st, "kt/origin", &v, &n)) !=
	    POUCH_OK)
		return rc;
	if (n >= sizeof(origin)) {
		pouch_cstore_buf_free(v, n);
		return POUCH_E_MALFORMED;
	}
	memcpy(origin, v, n);
	origin[n] = '\0';
	pouch_cstore_buf_free(v, n);
	return pouch_kt_checkpoint_open(cl->c, origin, cl->server_key,
	    (const char *)note, len, cp);
}

/* The ring of (size, root) pairs already proven part of our log. */
static int
peers_ok(struct pouch_client *cl, const struct pouch_kt_checkpoint *cp,
    int add)
{
	uint8_t *v = NULL, *out = NULL;
	size_t n = 0, outlen = 0, i, k;
	struct pouch_rd r;
	struct pouch_wr w;
	uint64_t size;
	const uint8_t *root;
	int rc, found = 0;

	rc = pouch_cstore_kv_get(cl->st, "kt/peers_ok", &v, &n);
	if (rc != POUCH_OK && rc != POUCH_E_NOT_FOUND)
		return rc;
	k = n / (8 + POUCH_KT_HASH_BYTES);
	pouch_rd_init(&r, v, k * (8 + POUCH_KT_HASH_BYTES));
	pouch_wr_init(&w, PEERS_OK_MAX * (8 + POUCH_KT_HASH_BYTES));
	if (add) {
		pouch_wr_u64(&w, cp->size);
		pouch_wr_bytes(&w, cp->root, POUCH_KT_HASH_BYTES);
	}
	for (i = 0; i < k; i++) {
		if (pouch_rd_u64(&r, &size) != POUCH_OK ||
		    pouch_rd_ptr(&r, &root, POUCH_KT_HASH_BYTES) != POUCH_OK)
			break;
		if (size == cp->size && pouch_ct_eq(root, cp->root,
		    POUCH_KT_HASH_BYTES) == 0) {
			found = 1;
			continue;
		}
		if (i + (add ? 1 : 0) < PEERS_OK_MAX) {
			pouch_wr_u64(&w, size);
			pouch_wr_bytes(&w, root, POUCH_KT_HASH_BYTES);
		}
	}
	pouch_cstore_buf_free(v, n);
	if (!add) {
		pouch_wr_free(&w);
		return found;
	}
	if ((rc = pouch_wr_take(&w, &out, &outlen)) != POUCH_OK)
		return rc;
	rc = pouch_cstore_kv_put(cl->st, "kt/peers_ok", out, outlen);
	pouch_wr_buf_free(out, outlen);
	return rc;
}

int
cl_kt_peer_note(struct pouch_client *cl, const uint8_t *note, size_t len,
    const char *from)
{
	struct pouch_kt_checkpoint cp;
	char name[64], mine[POUCH_KT_NOTE_MAX];
	struct pouch_wr w;
	struct vlog v;
	uint8_t *rec = NULL, *old = NULL;
	size_t reclen = 0, oldlen = 0, minelen = 0;
	int rc;

	if (len == 0)
		return POUCH_OK;	/* the sender's server keeps no log */
	/* the usual case, without a signature check: our own checkpoint */
	if ((rc = cl_kt_note(cl, mine, sizeof(mine), &minelen)) != POUCH_OK)
		return rc;
	if (minelen == len &&
	    memcmp(mine, note, len) == 0)	/* checksrc: allow */
		return POUCH_OK;
	rc = peer_open(cl, note, len, &cp);
	if (rc == POUCH_E_NOT_FOUND)
		return POUCH_OK;	/* and ours neither (yet) */
	if (rc != POUCH_OK)
		return cl_alert(cl, "kt_bad_checkpoint", "a message from %s "
		    "carried a key log checkpoint that does not verify under "
		    "the server's key: %s", from, pouch_strerror(rc));
	if ((rc = vlog_load(cl, &v)) != POUCH_OK)
		return rc;
	if (cp.size == v.size && pouch_ct_eq(cp.root, v.root,
	    sizeof(v.root)) == 0)
		return POUCH_OK;	/* the usual case: the same view */
	if ((rc = peers_ok(cl, &cp, 0)) != 0)
		return rc < 0 ? rc : POUCH_OK;
	snprintf(name, sizeof(name), "kt/peer/%020llu-%02x%02x%02x%02x",
	    (unsigned long long)cp.size, cp.root[0], cp.root[1], cp.root[2],
	    cp.root[3]);
	if (pouch_cstore_kv_get(cl->st, name, &old, &oldlen) == POUCH_OK) {
		pouch_cstore_buf_free(old, oldlen);
		return POUCH_OK;	/* already waiting for its check */
	}
	pouch_wr_init(&w, 2 * POUCH_KT_NOTE_MAX);
	pouch_wr_u64(&w, (uint64_t)cl_now(cl));
	pouch_wr_opaque(&w, from, strlen(from));
	pouch_wr_opaque(&w, note, len);
	if ((rc = pouch_wr_take(&w, &rec, &reclen)) != POUCH_OK)
		return rc;
	rc = pouch_cstore_kv_put(cl->st, name, rec, reclen);
	pouch_wr_buf_free(rec, reclen);
	return rc;
}

/*
 * Is the member's checkpoint cp (size m) part of our verified log v (size
 * n >= m)?  Same size: the same root.  Smaller: a consistency proof from
 * the server that verifies against both roots.  *ok 1 or 0; IO when the
 * server gives no proof (checked again later).
 */
static int
peer_consistent(struct pouch_client *cl, const struct pouch_kt_checkpoint *cp,
    const struct vlog *v, int *ok)
{
	uint8_t proof[POUCH_KT_PROOF_MAX][POUCH_KT_HASH_BYTES];
	uint8_t *b = NULL;
	size_t blen = 0, k;
	json_t *r = NULL, *arr, *e;
	char path[96];
	long st;
	int rc;

	*ok = 0;
	if (cp->size == v->size || cp->size == 0) {
		*ok = cp->size == 0 || pouch_ct_eq(cp->root, v->root,
		    POUCH_KT_HASH_BYTES) == 0;
		return POUCH_OK;
	}
	snprintf(path, sizeof(path),
	    "/v1/kt/proof/consistency?first=%llu&second=%llu",
	    (unsigned long long)cp->size, (unsigned long long)v->size);
	if ((rc = cl_api(cl, "GET", path, NULL, &st, &r)) != POUCH_OK)
		return rc;
	rc = POUCH_E_IO;
	if (st != 200 || !json_is_array(arr = json_object_get(r, "proof")) ||
	    json_array_size(arr) > POUCH_KT_PROOF_MAX)
		goto out;
	json_array_foreach(arr, k, e) {
		const char *s = json_string_value(e);

		if (s == NULL || pouch_b64_decode(s, POUCH_KT_HASH_BYTES, &b,
		    &blen) != POUCH_OK)
			goto out;
		if (blen != POUCH_KT_HASH_BYTES) {
			free(b);
			goto out;
		}
		memcpy(proof[k], b, POUCH_KT_HASH_BYTES);
		free(b);
		b = NULL;
	}
	rc = pouch_kt_verify_consistency(cl->c, cp->size, v->size, cp->root,
	    v->root, (const uint8_t (*)[POUCH_KT_HASH_BYTES])proof,
	    json_array_size(arr));
	*ok = rc == POUCH_OK;
	rc = POUCH_OK;
out:
	json_decref(r);
	return rc;
}

/* Both notes, kept for the security officer: together they prove it. */
static int
keep_evidence(struct pouch_client *cl, const uint8_t *note, size_t len)
{
	char mine[POUCH_KT_NOTE_MAX], name[64];
	uint8_t *rec = NULL;
	size_t minelen = 0, reclen = 0;
	struct pouch_wr w;
	int rc;

	if ((rc = cl_kt_note(cl, mine, sizeof(mine), &minelen)) != POUCH_OK)
		return rc;
	pouch_wr_init(&w, 3 * POUCH_KT_NOTE_MAX);
	pouch_wr_opaque(&w, mine, minelen);
	pouch_wr_opaque(&w, note, len);
	if ((rc = pouch_wr_take(&w, &rec, &reclen)) != POUCH_OK)
		return rc;
	snprintf(name, sizeof(name), "kt/evidence/%020lld",
	    (long long)cl_now(cl));
	rc = pouch_cstore_kv_put(cl->st, name, rec, reclen);
	pouch_wr_buf_free(rec, reclen);
	return rc;
}

/* One kept member checkpoint; *done when it is settled either way. */
static int
check_peer(struct pouch_client *cl, const uint8_t *rec, size_t reclen,
    int *synced, int *done)
{
	struct pouch_kt_checkpoint cp;
	char from[CL_USER_MAX + 1];
	const uint8_t *f, *note;
	size_t flen, notelen;
	struct pouch_rd r;
	struct vlog v;
	uint64_t since;
	int rc, ok;

	*done = 1;
	pouch_rd_init(&r, rec, reclen);
	if (pouch_rd_u64(&r, &since) != POUCH_OK ||
	    pouch_rd_opaque(&r, &f, &flen, CL_USER_MAX) != POUCH_OK ||
	    pouch_rd_opaque(&r, &note, &notelen, POUCH_KT_NOTE_MAX) !=
	    POUCH_OK || pouch_rd_done(&r) != POUCH_OK ||
	    peer_open(cl, note, notelen, &cp) != POUCH_OK)
		return POUCH_OK;	/* unreadable: dropped */
	memcpy(from, f, flen);
	from[flen] = '\0';
	if ((rc = vlog_load(cl, &v)) != POUCH_OK)
		return rc;
	if (cp.size > v.size && !*synced) {
		*synced = 1;
		if ((rc = cl_kt_sync(cl)) != POUCH_OK ||
		    (rc = vlog_load(cl, &v)) != POUCH_OK)
			return rc;
	}
	ok = 0;
	rc = cp.size > v.size ? POUCH_E_IO : peer_consistent(cl, &cp, &v,
	    &ok);
	if (rc != POUCH_OK && rc != POUCH_E_NOMEM)
		rc = POUCH_E_IO;	/* no answer from the server */
	if (rc == POUCH_E_IO) {
		/* not yet provable: the server must catch up, and soon */
		if ((uint64_t)cl_now(cl) - since <= KT_PEER_WAIT) {
			*done = 0;
			return POUCH_OK;
		}
		return cl_alert(cl, "kt_stale", "%s's device saw the key log "
		    "at %llu entries; for %d minutes this server has shown you "
		    "%llu and no proof that the two are one log: it may be "
		    "hiding key changes from you. Tell your security officer",
		    from, (unsigned long long)cp.size, KT_PEER_WAIT / 60,
		    (unsigned long long)v.size);
	}
	if (rc != POUCH_OK)
		return rc;
	if (ok)
		return peers_ok(cl, &cp, 1);
	if ((rc = keep_evidence(cl, note, notelen)) != POUCH_OK)
		return rc;
	return cl_alert(cl, "kt_split_view", "%s's device and this one were "
	    "shown two different key logs (%llu and %llu entries, not one "
	    "extending the other): the server showed different users "
	    "different keys. Do not trust new devices; tell your security "
	    "officer (the two signed checkpoints are kept as evidence)",
	    from, (unsigned long long)cp.size, (unsigned long long)v.size);
}

int
cl_kt_check_peers(struct pouch_client *cl)
{
	char **names = NULL;
	uint8_t *rec = NULL;
	size_t n = 0, reclen = 0, i;
	int rc, synced = 0, done;

	if ((rc = pouch_cstore_kv_list(cl->st, "kt/peer/", &names, &n)) !=
	    POUCH_OK)
		return rc;
	for (i = 0; i < n && rc == POUCH_OK; i++) {
		if ((rc = pouch_cstore_kv_get(cl->st, names[i], &rec,
		    &reclen)) != POUCH_OK)
			break;
		rc = check_peer(cl, rec, reclen, &synced, &done);
		pouch_cstore_buf_free(rec, reclen);
		rec = NULL;
		if (rc == POUCH_OK && done)
			rc = pouch_cstore_kv_del(cl->st, names[i]);
	}
	pouch_cstore_names_free(names, n);
	return rc;
}
