/*
 * client/kt_audit - the key log as a security officer reads it: the full,
 * verified history of one user (pouch_client_kt_audit) and every new
 * event with its proof status (pouch_client_kt_monitor).
 *
 * Both first bring this device's verified checkpoint up to date
 * (cl_kt_sync in kt.c: a rollback or a fork raises its alert there and
 * is not adopted), then read the log against that checkpoint only.  An
 * audit downloads the whole log and recomputes the checkpoint's root
 * from it, which proves that no entry was left out, changed or
 * reordered; each of the user's events also gets its own inclusion
 * proof from the server, checked against the root.  Signatures are
 * checked as the log's history goes: a device's cross-signature must be
 * by the account key the log shows for the user at that point (the
 * first device's, or the latest account-key event), a user's own event
 * under that key, an administrator's under the log key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "client/client_int.h"
#include "codec/codec.h"
#include "kt/kt.h"

#define MONITOR_MAX	1000	/* events a monitor call returns */

/* The verified checkpoint: the head of kt/state (kt.c). */
static int
verified(struct pouch_client *cl, uint64_t *size,
    uint8_t root[POUCH_KT_HASH_BYTES])
{
	uint8_t *b = NULL;
	size_t blen = 0;
	struct pouch_rd r;
	int rc;

	*size = 0;
	if ((rc = pouch_cstore_kv_get(cl->st, "kt/origin", &b, &blen)) !=
	    POUCH_OK)
		return rc == POUCH_E_NOT_FOUND ? POUCH_E_UNSUPPORTED : rc;
	pouch_cstore_buf_free(b, blen);
	b = NULL;
	rc = pouch_cstore_kv_get(cl->st, "kt/state", &b, &blen);
	if (rc == POUCH_E_NOT_FOUND)
		return pouch_hash(cl->c, POUCH_SHA256, NULL, 0, root);
	if (rc != POUCH_OK)
		return rc;
	pouch_rd_init(&r, b, blen);
	if ((rc = pouch_rd_u64(&r, size)) == POUCH_OK)
		rc = pouch_rd_copy(&r, root, POUCH_KT_HASH_BYTES);
	pouch_cstore_buf_free(b, blen);
	return rc;
}

int
pouch_client_kt_checkpoint(pouch_client *cl, uint64_t *size,
    uint8_t root[32])
{
	if (cl == NULL || size == NULL || root == NULL)
		return POUCH_E_MISUSE;
	return verified(cl, size, root);
}

void
pouch_client_kt_events_free(struct pouch_client_kt_event *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].user);
		free(v[i].actor);
		free(v[i].device_name);
	}
	free(v);
}

static const char *
type_name(const struct pouch_kt_event *ev)
{
	switch (ev->type) {
	case POUCH_KT_DEVICE_ADDED:
		return "device_added";
	case POUCH_KT_DEVICE_REVOKED:
		return "device_revoked";
	case POUCH_KT_ACCOUNT_KEY:
		return "account_key";
	case POUCH_KT_USER_CREATED:
		return "user_created";
	case POUCH_KT_USER_SUSPENDED:
		return ev->suspended ? "user_suspended" : "user_unsuspended";
	case POUCH_KT_CODE_ISSUED:
		return "code_issued";
	}
	return "unknown";
}

/* 1 when the server's inclusion proof of leaf index verifies. */
static int
included(struct pouch_client *cl, uint64_t index, uint64_t size,
    const uint8_t h[POUCH_KT_HASH_BYTES],
    const uint8_t root[POUCH_KT_HASH_BYTES])
{
	uint8_t proof[POUCH_KT_PROOF_MAX][POUCH_KT_HASH_BYTES];
	uint8_t *p = NULL;
	size_t n = 0, i, plen = 0;
	char path[128];
	json_t *r = NULL, *arr, *e;
	long st;
	int ok = 0;

	snprintf(path, sizeof(path),
	    "/v1/kt/proof/inclusion?leaf_index=%llu&tree_size=%llu",
	    (unsigned long long)index, (unsigned long long)size);
	if (cl_api(cl, "GET", path, NULL, &st, &r) != POUCH_OK || st != 200 ||
	    !json_is_array(arr = json_object_get(r, "proof")) ||
	    (n = json_array_size(arr)) > POUCH_KT_PROOF_MAX)
		goto out;
	json_array_foreach(arr, i, e) {
		const char *s = json_string_value(e);

		free(p);
		p = NULL;
		if (s == NULL || pouch_b64_decode(s, POUCH_KT_HASH_BYTES, &p,
		    &plen) != POUCH_OK || plen != POUCH_KT_HASH_BYTES)
			goto out;
		memcpy(proof[i], p, POUCH_KT_HASH_BYTES);
	}
	ok = pouch_kt_verify_inclusion(cl->c, index, size, h,
	    (const uint8_t (*)[POUCH_KT_HASH_BYTES])proof, n, root) ==
	    POUCH_OK;
out:
	free(p);
	json_decref(r);
	return ok;
}

/* What a walk over the log collects. */
struct walk {
	struct pouch_client		*cl;
	const char			*user;	/* NULL: every event */
	struct pouch_kt_tree		*tree;	/* audit: the whole log */
	uint64_t			 size;	/* the verified checkpoint */
	uint8_t				 root[POUCH_KT_HASH_BYTES];
	int				 has_acct;	/* audit: user's key */
	uint8_t				 acct[POUCH_KT_KEY_BYTES];
	struct pouch_client_kt_event	*v;
	size_t				 n, cap;
};

/* The signature status of ev, following the account key in w. */
static const char *
sig_status(struct walk *w, const struct pouch_kt_event *ev)
{
	struct pouch_client *cl = w->cl;
	const uint8_t *acct = NULL;
	int known;

	if (w->user == NULL) {
		/* monitoring: only our own account key is known, and
		 * after a rotation the keys before it (kt.c's chain) */
		known = strcmp(ev->user, cl->user) == 0;
		acct = known ? cl->acct_pub : NULL;
		if (known && ev->type == POUCH_KT_DEVICE_ADDED &&
		    cl_kt_acct_known(cl, cl->user, ev->account_key))
			acct = ev->account_key;
		if (known && ev->type == POUCH_KT_ACCOUNT_KEY &&
		    ev->has_prev && cl_kt_acct_known(cl, cl->user,
		    ev->prev_key))
			acct = ev->prev_key;
	} else {
		known = w->has_acct;
		acct = known ? w->acct : NULL;
	}
	if (ev->type == POUCH_KT_DEVICE_ADDED) {
		if (pouch_kt_event_verify(cl->c, ev, NULL, cl->server_key) !=
		    POUCH_OK)
			return "bad_signature";
		if (w->user != NULL && !w->has_acct) {
			/* the first device sets the account key */
			memcpy(w->acct, ev->account_key, POUCH_KT_KEY_BYTES);
			w->has_acct = 1;
			return "ok";
		}
		if (!known)
			return "ok";
		return pouch_ct_eq(ev->account_key, acct,
		    POUCH_KT_KEY_BYTES) == 0 ? "ok" : "other_account_key";
	}
	if (ev->signer == POUCH_KT_BY_LOG)
		return pouch_kt_event_verify(cl->c, ev, NULL,
		    cl->server_key) == POUCH_OK ? "ok" : "bad_signature";
	if (acct == NULL)
		return "unverified";
	if (pouch_kt_event_verify(cl->c, ev, acct, cl->server_key) !=
	    POUCH_OK)
		/* monitoring: our own event from before a rotation */
		return w->user == NULL && known && cl_kt_prev_verify(cl, ev) ?
		    "ok_previous_key" : "bad_signature";
	if (ev->type == POUCH_KT_ACCOUNT_KEY && w->user != NULL) {
		memcpy(w->acct, ev->account_key, POUCH_KT_KEY_BYTES);
		w->has_acct = 1;
	}
	return "ok";
}

static int
add(struct walk *w, uint64_t index, const struct cl_kt_leaf *l)
{
	struct pouch_client_kt_event *o, *nv;
	struct pouch_kt_event ev;
	const uint8_t *key = NULL;

	if (pouch_kt_event_decode(l->p, l->n, &ev) != POUCH_OK) {
		if (w->user != NULL)
			return POUCH_OK;	/* not the user's, whatever */
		memset(&ev, 0, sizeof(ev));
		ev.type = 0;
	} else if (w->user != NULL && strcmp(ev.user, w->user) != 0)
		return POUCH_OK;
	if (w->n == w->cap) {
		w->cap = w->cap == 0 ? 16 : w->cap * 2;
		if ((nv = realloc(w->v, w->cap * sizeof(*nv))) == NULL)
			return POUCH_E_NOMEM;
		w->v = nv;
	}
	o = &w->v[w->n];
	memset(o, 0, sizeof(*o));
	o->index = index;
	o->time = (int64_t)ev.timestamp;
	o->signer = (int)ev.signer;
	o->included = included(w->cl, index, w->size, l->h, w->root);
	if (ev.type == 0) {
		o->event = "malformed";
		o->sig = "bad_event";
	} else {
		o->event = type_name(&ev);
		o->sig = sig_status(w, &ev);
	}
	switch (ev.type) {
	case POUCH_KT_DEVICE_ADDED:
		pouch_hex(ev.account_key, POUCH_KT_KEY_BYTES, o->account_fp);
		/* FALLTHROUGH */
	case POUCH_KT_DEVICE_REVOKED:
		key = ev.device_key;
		break;
	case POUCH_KT_ACCOUNT_KEY:
		key = ev.account_key;
		break;
	case POUCH_KT_CODE_ISSUED:
		key = ev.code_hash;
		break;
	default:
		break;
	}
	if (key != NULL)
		pouch_hex(key, POUCH_KT_KEY_BYTES, o->key_fp);
	o->user = strdup(ev.user);
	o->actor = strdup(ev.actor);
	o->device_name = strdup(ev.device_name);
	w->n++;		/* freed with the rest, even half made */
	if (o->user == NULL || o->actor == NULL || o->device_name == NULL)
		return POUCH_E_NOMEM;
	return POUCH_OK;
}

static int
on_audit_leaf(void *arg, uint64_t index, const struct cl_kt_leaf *l)
{
	struct walk *w = arg;
	int rc;

	if ((rc = pouch_kt_tree_append(w->tree, l->h)) != POUCH_OK)
		return rc;
	return add(w, index, l);
}

int
pouch_client_kt_audit(pouch_client *cl, const char *user,
    uint64_t *tree_size, struct pouch_client_kt_event **out, size_t *n)
{
	struct walk w;
	uint8_t root[POUCH_KT_HASH_BYTES];
	int rc;

	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (tree_size != NULL)
		*tree_size = 0;
	if (cl == NULL || user == NULL || out == NULL || n == NULL ||
	    tree_size == NULL || strlen(user) > POUCH_KT_NAME_MAX)
		return POUCH_E_MISUSE;
	memset(&w, 0, sizeof(w));
	w.cl = cl;
	w.user = user;
	if ((rc = cl_kt_sync(cl)) != POUCH_OK ||
	    (rc = verified(cl, &w.size, w.root)) != POUCH_OK ||
	    (rc = pouch_kt_tree_new(cl->c, &w.tree)) != POUCH_OK)
		goto out;
	if ((rc = cl_kt_entries(cl, 0, w.size, on_audit_leaf, &w)) !=
	    POUCH_OK ||
	    (rc = pouch_kt_tree_root(w.tree, w.size, root)) != POUCH_OK)
		goto out;
	/* the whole log, as served, must be the verified one */
	if (pouch_ct_eq(root, w.root, sizeof(root)) != 0) {
		rc = POUCH_E_KT_PROOF;
		goto out;
	}
	*tree_size = w.size;
	*out = w.v;
	*n = w.n;
	w.v = NULL;
	w.n = 0;
out:
	pouch_client_kt_events_free(w.v, w.n);
	pouch_kt_tree_free(w.tree);
	return rc;
}

static int
on_monitor_leaf(void *arg, uint64_t index, const struct cl_kt_leaf *l)
{
	return add(arg, index, l);
}

int
pouch_client_kt_monitor(pouch_client *cl, uint64_t from, uint64_t *next,
    struct pouch_client_kt_event **out, size_t *n)
{
	struct walk w;
	int64_t cur = 0;
	uint64_t end;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (next != NULL)
		*next = 0;
	if (cl == NULL || out == NULL || n == NULL || next == NULL)
		return POUCH_E_MISUSE;
	memset(&w, 0, sizeof(w));
	w.cl = cl;
	if ((rc = cl_kt_sync(cl)) != POUCH_OK ||
	    (rc = verified(cl, &w.size, w.root)) != POUCH_OK)
		goto out;
	if (from == POUCH_CLIENT_KT_CONTINUE) {
		rc = cl_kv_get_i64(cl->st, "kt/monitor", &cur);
		if (rc != POUCH_OK && rc != POUCH_E_NOT_FOUND)
			goto out;
		from = cur > 0 ? (uint64_t)cur : 0;
	}
	if (from > w.size)
		from = w.size;	/* a cursor past a log is only ours */
	end = w.size - from > MONITOR_MAX ? from + MONITOR_MAX : w.size;
	if ((rc = cl_kt_entries(cl, from, end, on_monitor_leaf, &w)) !=
	    POUCH_OK ||
	    (rc = cl_kv_put_i64(cl->st, "kt/monitor", (int64_t)end)) !=
	    POUCH_OK)
		goto out;
	*next = end;
	*out = w.v;
	*n = w.n;
	w.v = NULL;
	w.n = 0;
out:
	pouch_client_kt_events_free(w.v, w.n);
	return rc;
}
