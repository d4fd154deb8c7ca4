/*
 * client/conv - conversations: one MLS group each, whose members are
 * every device of every participant.  Owns the commit protocol with the
 * server: a commit is made pending and saved with its bytes (so a crash
 * loses nothing), posted; 201 merges it and queues its Welcome in the
 * outbox in the same store transaction; 409 (another commit won the
 * epoch) discards it, syncs to process the winner and redoes the intent
 * with the same KeyPackages.  A commit still pending after a restart is
 * settled by pouch_client_sync() (cl_settle_pending).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "client/client_int.h"
#include "codec/codec.h"
#include "mls/arena.h"
#include "mls/keypackage.h"
#include "mls/msg.h"

static int	title_send(struct pouch_client *cl, int64_t conv);

/* KeyPackages claimed for an intent: MLSMessage header stripped. */
struct kps {
	uint8_t	**kp;
	size_t	 *len;
	size_t	  n;
};

static void
kps_free(struct kps *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->kp[i]);
	free(k->kp);
	free(k->len);
	memset(k, 0, sizeof(*k));
}

int
cl_conv_by_id(struct pouch_client *cl, int64_t id, struct pouch_cstore_conv *cv)
{
	struct pouch_cstore_conv *v = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = pouch_cstore_conv_list(cl->st, &v, &n)) != POUCH_OK)
		return rc;
	rc = POUCH_E_NOT_FOUND;
	for (i = 0; i < n; i++)
		if (v[i].id == id) {
			*cv = v[i];
			rc = POUCH_OK;
			break;
		}
	free(v);
	return rc;
}

int
cl_group_load(struct pouch_client *cl, int64_t conv,
    struct pouch_cstore_conv *cv, struct pouch_mls_group **g)
{
	uint8_t *state = NULL;
	size_t statelen = 0;
	int rc;

	*g = NULL;
	if ((rc = cl_conv_by_id(cl, conv, cv)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_conv_get(cl->st, cv->gid, cv->gidlen, cv,
	    &state, &statelen)) != POUCH_OK)
		return rc;
	rc = pouch_mls_group_load(cl->c, state, statelen, g);
	pouch_cstore_buf_free(state, statelen);
	return rc;
}

int
cl_group_save(struct pouch_client *cl, struct pouch_cstore_conv *cv,
    struct pouch_mls_group *g)
{
	uint8_t *state = NULL;
	size_t statelen = 0;
	int rc;

	cv->epoch = pouch_mls_group_epoch(g);
	cv->removed = pouch_mls_group_removed(g);
	if ((rc = pouch_mls_group_save(g, &state, &statelen)) != POUCH_OK)
		return rc;
	rc = pouch_cstore_conv_put(cl->st, cv, state, statelen);
	pouch_wr_buf_free(state, statelen);
	return rc;
}

/* ---- members by user ------------------------------------------------- */

/* The user of leaf i, or "" when blank or not a Pouch identity. */
static void
leaf_user(struct pouch_mls_group *g, uint32_t i, char *out)
{
	struct pouch_mls_member_info mi;
	struct cl_ident id;

	out[0] = '\0';
	if (pouch_mls_group_member(g, i, &mi) != POUCH_OK ||
	    cl_ident_parse(mi.identity, mi.identitylen, &id) != POUCH_OK)
		return;
	snprintf(out, CL_USER_MAX + 1, "%s", id.user);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted distinct user names of g's members. */
int
cl_members(struct pouch_mls_group *g, char ***out, size_t *n,
    size_t *ndevices)
{
	char u[CL_USER_MAX + 1], **v = NULL, **nv;
	uint32_t i, leaves;
	size_t k = 0, j, d = 0;

	*out = NULL;
	*n = 0;
	leaves = pouch_mls_group_leaves(g);
	for (i = 0; i < leaves; i++) {
		leaf_user(g, i, u);
		if (u[0] == '\0')
			continue;
		d++;
		for (j = 0; j < k; j++)
			if (strcmp(v[j], u) == 0)
				break;
		if (j < k)
			continue;
		if ((nv = realloc(v, (k + 1) * sizeof(*v))) == NULL)
			goto nomem;
		v = nv;
		if ((v[k] = strdup(u)) == NULL)
			goto nomem;
		k++;
	}
	if (k > 0)
		qsort(v, k, sizeof(*v), cmp_str);
	*out = v;
	*n = k;
	if (ndevices != NULL)
		*ndevices = d;
	return POUCH_OK;
nomem:
	for (j = 0; j < k; j++)
		free(v[j]);
	free(v);
	return POUCH_E_NOMEM;
}

void
cl_members_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- claiming KeyPackages ------------------------------------------- */

/* 1 when a leaf of g has signature key key. */
static int
in_group(struct pouch_mls_group *g, const uint8_t *key, size_t keylen)
{
	struct pouch_mls_member_info mi;
	uint32_t i, n;

	n = pouch_mls_group_leaves(g);
	for (i = 0; i < n; i++)
		if (pouch_mls_group_member(g, i, &mi) == POUCH_OK &&
		    mi.sig_keylen == keylen &&
		    pouch_ct_eq(mi.sig_key, key, keylen) == 0)
			return 1;
	return 0;
}

int
cl_in_group(struct pouch_mls_group *g, const uint8_t *key)
{
	return in_group(g, key, CL_KEY);
}

/*
 * One KeyPackage of every device of user (our own other devices when
 * user is us).  Each must carry a Pouch identity of that user whose
 * cross-signature verifies, under the account key we know for the user
 * (first seen now otherwise): the server could hand out a KeyPackage of
 * a device it made up (G7).  Such ones are dropped with an alert.
 */
static int
claim(struct pouch_client *cl, const char *user, struct pouch_mls_group *g,
    const uint8_t *want_key, struct kps *k)
{
	const struct pouch_mls_suite *s;
	struct pouch_mls_key_package kp;
	struct pouch_cstore_contact ct;
	struct pouch_mls_arena a;
	struct cl_ident id;
	json_t *r = NULL, *req = NULL, *arr, *e;
	uint8_t *msg = NULL, **nkp;
	size_t msglen = 0, i, *nlen;
	const char *b;
	long st;
	int rc, known, waited = 0;

	pouch_mls_arena_init(&a, 1u << 20);
	/* the key log as of now: a device must be in it to be added */
	if ((rc = cl_kt_sync(cl)) != POUCH_OK)
		return rc;
	/* KeyPackages of the conversation's own suite (its code point) */
	s = g != NULL ? pouch_mls_group_suite(g) : cl->suite;
	if ((req = json_pack("{s:s,s:i}", "user", user, "cipher_suite",
	    (int)s->id)) == NULL)
		return POUCH_E_NOMEM;
	rc = cl_api(cl, "POST", "/v1/keypackages/claim", req, &st, &r);
	json_decref(req);
	if (rc != POUCH_OK)
		goto out;
	if (st == 404) {
		rc = strcmp(user, cl->user) == 0 ? POUCH_OK : POUCH_E_NOT_FOUND;
		goto out;
	}
	if (st == 422) {		/* a suite the server does not know */
		rc = POUCH_E_UNSUPPORTED;
		goto out;
	}
	if (st != 200 || !json_is_array(arr = json_object_get(r,
	    "key_packages"))) {
		rc = POUCH_E_IO;
		goto out;
	}
	known = pouch_cstore_contact_get(cl->st, user, &ct) == POUCH_OK;
	json_array_foreach(arr, i, e) {
		if (json_is_true(json_object_get(e, "missing"))) {
			/* a device not publishing under this code point */
			(void)cl_alert(cl, "device_left_out", "a device of %s "
			    "has no KeyPackage in cipher suite 0x%04x; it was "
			    "not added", user, (unsigned)s->id);
			continue;
		}
		if ((b = json_string_value(json_object_get(e,
		    "key_package"))) == NULL)
			continue;
		free(msg);
		msg = NULL;
		if (pouch_b64_decode(b, 1u << 16, &msg, &msglen) != POUCH_OK ||
		    msglen < 4)
			continue;
		pouch_mls_arena_free(&a);
		pouch_mls_arena_init(&a, 1u << 20);
		if (pouch_mls_key_package_from_bytes(&a, NULL, msg + 4,
		    msglen - 4, &kp) != POUCH_OK ||
		    kp.cipher_suite != s->id)
			continue;
		if (cl_ident_check(cl->c, kp.leaf_node.credential.identity.p,
		    kp.leaf_node.credential.identity.n,
		    kp.leaf_node.signature_key.p,
		    kp.leaf_node.signature_key.n, &id) != POUCH_OK ||
		    strcmp(id.user, user) != 0) {
			(void)cl_alert(cl, "bad_device", "the server offered "
			    "a device of %s that is not cross-signed by %s's "
			    "account key; it was not added", user, user);
			continue;
		}
		if (!cl_acct_ok(cl, user, strcmp(user, cl->user) == 0 ?
		    cl->acct_pub : known ? ct.account_key : NULL,
		    id.account_key, kp.leaf_node.signature_key.p) &&
		    (strcmp(user, cl->user) == 0 || known)) {
			(void)cl_alert(cl, strcmp(user, cl->user) == 0 ?
			    "own_device" : "contact_key", "a device of %s "
			    "carries an account key other than the one known; "
			    "it was not added", user);
			continue;
		}
		if (!cl_kt_device_ok(cl, user, kp.leaf_node.signature_key.p)) {
			/* newly enrolled: the next checkpoint will show it
			 * (within the log's merge delay) */
			if (!waited) {
				waited = 1;
				sleep(2);
				if ((rc = cl_kt_sync(cl)) != POUCH_OK)
					goto out;
			}
			if (!cl_kt_device_ok(cl, user,
			    kp.leaf_node.signature_key.p)) {
				(void)cl_alert(cl, "unlogged_device", "the "
				    "server offered a device of %s that is "
				    "not in its key log; it was not added",
				    user);
				continue;
			}
		}
		/* a device already in the group, or not the one wanted */
		if ((g != NULL && in_group(g, kp.leaf_node.signature_key.p,
		    kp.leaf_node.signature_key.n)) || (want_key != NULL &&
		    (kp.leaf_node.signature_key.n != CL_KEY ||
		    pouch_ct_eq(kp.leaf_node.signature_key.p, want_key,
		    CL_KEY) != 0)))
			continue;
		if (!known) {
			memset(&ct, 0, sizeof(ct));
			snprintf(ct.user, sizeof(ct.user), "%s", user);
			memcpy(ct.account_key, id.account_key, CL_KEY);
			/* a KeyPackage from before a rotation: the new key */
			if (cl_acct_ok(cl, user, NULL, id.account_key,
			    kp.leaf_node.signature_key.p) &&
			    cl_kt_acct_current(cl, user, ct.account_key) !=
			    POUCH_OK)
				memcpy(ct.account_key, id.account_key, CL_KEY);
			ct.first_seen = cl_now(cl);
			if ((rc = pouch_cstore_contact_put(cl->st, &ct)) !=
			    POUCH_OK)
				goto out;
			known = 1;
		}
		if ((nkp = realloc(k->kp, (k->n + 1) * sizeof(*nkp))) == NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		k->kp = nkp;
		if ((nlen = realloc(k->len, (k->n + 1) * sizeof(*nlen))) ==
		    NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		k->len = nlen;
		if ((k->kp[k->n] = malloc(msglen - 4)) == NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		memcpy(k->kp[k->n], msg + 4, msglen - 4);
		k->len[k->n] = msglen - 4;
		k->n++;
	}
	rc = POUCH_OK;
out:
	free(msg);
	pouch_mls_arena_free(&a);
	json_decref(r);
	return rc;
}

/* ---- the commit protocol ---------------------------------------------- */

static void
pending_name(const struct pouch_cstore_conv *cv, char *out, size_t cap)
{
	snprintf(out, cap, "pending/%lld", (long long)cv->id);
}

/*
 * Save the pending commit with its bytes and Welcome (one transaction),
 * so that a crash after posting it can be settled.
 */
static int
save_pending(struct pouch_client *cl, struct pouch_cstore_conv *cv,
    struct pouch_mls_group *g, const uint8_t *commit, size_t commitlen,
    const uint8_t *welcome, size_t welcomelen)
{
	char name[64];
	struct pouch_wr w;
	uint8_t *rec = NULL;
	size_t reclen = 0;
	int rc;

	pouch_wr_init(&w, 1u << 26);
	pouch_wr_u64(&w, cv->epoch);
	pouch_wr_opaque(&w, commit, commitlen);
	pouch_wr_opaque(&w, welcome, welcomelen);
	if ((rc = pouch_wr_take(&w, &rec, &reclen)) != POUCH_OK)
		return rc;
	pending_name(cv, name, sizeof(name));
	if ((rc = pouch_cstore_begin(cl->st)) != POUCH_OK)
		goto out;
	if ((rc = cl_group_save(cl, cv, g)) != POUCH_OK ||
	    (rc = pouch_cstore_kv_put(cl->st, name, rec, reclen)) != POUCH_OK) {
		pouch_cstore_rollback(cl->st);
		goto out;
	}
	rc = pouch_cstore_commit(cl->st);
out:
	pouch_wr_buf_free(rec, reclen);
	return rc;
}

/* Merge (won) or discard (lost) the pending commit; queue the Welcome. */
static int
settle(struct pouch_client *cl, struct pouch_cstore_conv *cv,
    struct pouch_mls_group *g, int won, const uint8_t *welcome,
    size_t welcomelen)
{
	char name[64];
	int rc, trusted;

	if (won) {
		if ((rc = pouch_mls_group_merge_pending(g)) != POUCH_OK)
			return rc;
		cv->last_update = cl_now(cl);
		cv->sent_since_update = 0;
	} else
		pouch_mls_group_discard_pending(g);
	pending_name(cv, name, sizeof(name));
	if ((rc = pouch_cstore_begin(cl->st)) != POUCH_OK)
		return rc;
	if ((rc = cl_group_save(cl, cv, g)) != POUCH_OK ||
	    ((rc = pouch_cstore_kv_del(cl->st, name)) != POUCH_OK &&
	    rc != POUCH_E_NOT_FOUND) ||
	    (won && welcomelen > 0 && (rc = cl_outbox_add(cl, welcome,
	    welcomelen, NULL, 0)) != POUCH_OK) ||
	    (won && (rc = cl_check_members(cl, g, 1, &trusted)) != POUCH_OK)) {
		pouch_cstore_rollback(cl->st);
		return rc;
	}
	return pouch_cstore_commit(cl->st);
}

/* What a commit is for; redone after a lost race. */
struct intent {
	const char *const	*add;
	size_t			 nadd;
	const char		*remove;
	const uint8_t		*device;	/* add only this own device */
	int			 by_reference;	/* the cached proposals */
};

/*
 * A 409 names the server's current epoch; one below ours means the
 * server lost or rolled back the conversation's history (a restore from
 * an old backup, or a lie).  Raised once as conv_rollback: retrying
 * cannot help.
 */
static int
server_behind(struct pouch_client *cl, const struct pouch_cstore_conv *cv,
    const struct pouch_mls_group *g, json_t *r)
{
	json_t *e = json_object_get(r, "epoch");
	uint64_t ours = pouch_mls_group_epoch(g);

	if (!json_is_integer(e) || json_integer_value(e) < 0 ||
	    (uint64_t)json_integer_value(e) >= ours)
		return 0;
	(void)cl_alert(cl, "conv_rollback", "the server says conversation "
	    "%lld is at epoch %llu, this device is at %llu: the server lost "
	    "or rolled back the conversation's history. Tell your "
	    "administrator and security officer", (long long)cv->id,
	    (unsigned long long)json_integer_value(e),
	    (unsigned long long)ours);
	return 1;
}

static int
commit_once(struct pouch_client *cl, int64_t conv, const struct intent *in,
    const struct kps *k, int *lost)
{
	struct pouch_mls_commit_req req;
	struct pouch_cstore_conv cv;
	struct pouch_mls_group *g = NULL;
	uint8_t *commit = NULL, *welcome = NULL;
	size_t commitlen = 0, welcomelen = 0, nrm = 0;
	uint32_t *rm = NULL, i, leaves;
	char u[CL_USER_MAX + 1];
	json_t *r = NULL;
	long st;
	int rc;

	*lost = 0;
	if ((rc = cl_group_load(cl, conv, &cv, &g)) != POUCH_OK)
		goto out;
	if (pouch_mls_group_removed(g)) {
		rc = POUCH_E_FORBIDDEN;
		goto out;
	}
	memset(&req, 0, sizeof(req));
	leaves = pouch_mls_group_leaves(g);
	if (in->remove != NULL) {
		if ((rm = calloc(leaves + 1, sizeof(*rm))) == NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		for (i = 0; i < leaves; i++) {
			if (i == pouch_mls_group_leaf(g))
				continue;
			leaf_user(g, i, u);
			if (strcmp(u, in->remove) == 0)
				rm[nrm++] = i;
		}
		if (nrm == 0) {
			rc = POUCH_E_NOT_FOUND;
			goto out;
		}
	}
	req.adds = (const uint8_t *const *)k->kp;
	req.addlens = k->len;
	req.nadds = k->n;
	req.removes = rm;
	req.nremoves = nrm;
	req.by_reference = in->by_reference;
	req.now = (uint64_t)cl_now(cl);
	/* after an account-key rotation: our leaf takes the new identity */
	if (cl_rotate_stale(cl, g)) {
		req.identity = cl->ident;
		req.identitylen = cl->identlen;
	}
	if ((rc = pouch_mls_group_commit(g, &req, &commit, &commitlen,
	    &welcome, &welcomelen)) != POUCH_OK)
		goto out;
	if ((rc = save_pending(cl, &cv, g, commit, commitlen, welcome,
	    welcomelen)) != POUCH_OK)
		goto out;
	if ((rc = cl_post_mls(cl, commit, commitlen, NULL, &st, &r)) !=
	    POUCH_OK)
		goto out;	/* stays pending: settled by the next sync */
	if (st == 201)
		rc = settle(cl, &cv, g, 1, welcome, welcomelen);
	else if (st == 409 && server_behind(cl, &cv, g, r)) {
		(void)settle(cl, &cv, g, 0, NULL, 0);
		rc = POUCH_E_CONFLICT;
	} else if (st == 409) {
		*lost = 1;
		rc = settle(cl, &cv, g, 0, NULL, 0);
	} else {
		(void)settle(cl, &cv, g, 0, NULL, 0);
		rc = st == 403 ? POUCH_E_FORBIDDEN : POUCH_E_IO;
	}
	if (rc == POUCH_OK)
		rc = cl_outbox_flush(cl);
out:
	json_decref(r);
	free(rm);
	pouch_wr_buf_free(commit, commitlen);
	pouch_wr_buf_free(welcome, welcomelen);
	pouch_mls_group_free(g);
	return rc;
}

static int
commit_intent(struct pouch_client *cl, int64_t conv, const struct intent *in)
{
	struct pouch_mls_group *g = NULL;
	struct kps k;
	size_t i;
	int rc, lost, tries;

	memset(&k, 0, sizeof(k));
	if (in->nadd > 0 || in->device != NULL) {
		struct pouch_cstore_conv cv;

		if ((rc = cl_group_load(cl, conv, &cv, &g)) != POUCH_OK)
			goto out;
	}
	for (i = 0; i < in->nadd; i++)
		if ((rc = claim(cl, in->add[i], g, NULL, &k)) != POUCH_OK)
			goto out;
	if (in->device != NULL && (rc = claim(cl, cl->user, g, in->device,
	    &k)) != POUCH_OK)
		goto out;
	if (in->device != NULL && k.n == 0) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	if (in->nadd > 0 && k.n == 0) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	for (tries = 0; tries < CL_RETRIES; tries++) {
		if ((rc = commit_once(cl, conv, in, &k, &lost)) != POUCH_OK ||
		    !lost)
			goto out;
		/* another commit won the epoch: process it, then redo */
		if ((rc = cl_sync_queue(cl, 0, NULL)) != POUCH_OK)
			goto out;
	}
	rc = POUCH_E_CONFLICT;
out:
	pouch_mls_group_free(g);
	kps_free(&k);
	return rc;
}

/*
 * Devices of ours approved here (pouch_client_approve) join every
 * conversation once their KeyPackages are at the server; the approval
 * is forgotten when every conversation has the device.
 */
int
cl_add_approved(struct pouch_client *cl)
{
	struct pouch_cstore_conv *v = NULL, cv;
	struct pouch_mls_group *g = NULL;
	struct intent in;
	uint8_t key[CL_KEY], *kb = NULL;
	char **names = NULL;
	size_t n = 0, nv = 0, i, j, kl = 0;
	int rc, missing;

	if ((rc = pouch_cstore_kv_list(cl->st, "approved/", &names, &n)) !=
	    POUCH_OK || n == 0)
		goto out;
	if ((rc = pouch_cstore_conv_list(cl->st, &v, &nv)) != POUCH_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if ((rc = pouch_cstore_kv_get(cl->st, names[i], &kb, &kl)) !=
		    POUCH_OK)
			goto out;
		if (kl != CL_KEY) {
			pouch_cstore_buf_free(kb, kl);
			kb = NULL;
			continue;
		}
		memcpy(key, kb, CL_KEY);
		pouch_cstore_buf_free(kb, kl);
		kb = NULL;
		missing = 0;
		for (j = 0; j < nv; j++) {
			if (v[j].removed)
				continue;
			if ((rc = cl_group_load(cl, v[j].id, &cv, &g)) !=
			    POUCH_OK)
				goto out;
			if (in_group(g, key, CL_KEY)) {
				pouch_mls_group_free(g);
				g = NULL;
				continue;
			}
			pouch_mls_group_free(g);
			g = NULL;
			memset(&in, 0, sizeof(in));
			in.device = key;
			rc = commit_intent(cl, v[j].id, &in);
			if (rc == POUCH_E_NOT_FOUND) {
				missing = 1;	/* no KeyPackage yet */
				continue;
			}
			if (rc != POUCH_OK ||
			    (rc = title_send(cl, v[j].id)) != POUCH_OK)
				goto out;
		}
		if (!missing && (rc = pouch_cstore_kv_del(cl->st, names[i])) !=
		    POUCH_OK)
			goto out;
	}
	rc = POUCH_OK;
out:
	pouch_mls_group_free(g);
	pouch_cstore_names_free(names, n);
	free(v);
	return rc;
}

/*
 * A commit of ours left pending by a crash: post it again.  201: it
 * wins now.  409: either it won before the crash (the server is one epoch
 * past ours, and no commit of another member for our epoch came — sync
 * processed the queue first, and processing one would have discarded
 * ours) or it lost; anything else leaves it for the next sync.
 */
int
cl_settle_pending(struct pouch_client *cl, int64_t conv)
{
	struct pouch_cstore_conv cv;
	struct pouch_mls_group *g = NULL;
	const uint8_t *commit, *welcome;
	size_t commitlen, welcomelen, reclen = 0;
	uint8_t *rec = NULL;
	struct pouch_rd r;
	uint64_t epoch;
	json_t *resp = NULL;
	char name[64];
	long st;
	int rc;

	if ((rc = cl_group_load(cl, conv, &cv, &g)) != POUCH_OK)
		return rc;
	pending_name(&cv, name, sizeof(name));
	rc = pouch_cstore_kv_get(cl->st, name, &rec, &reclen);
	if (rc == POUCH_E_NOT_FOUND) {
		rc = POUCH_OK;
		if (pouch_mls_group_has_pending(g))
			rc = settle(cl, &cv, g, 0, NULL, 0);
		goto out;
	}
	if (rc != POUCH_OK)
		goto out;
	pouch_rd_init(&r, rec, reclen);
	if ((rc = pouch_rd_u64(&r, &epoch)) != POUCH_OK ||
	    (rc = pouch_rd_opaque(&r, &commit, &commitlen, 1u << 26)) !=
	    POUCH_OK ||
	    (rc = pouch_rd_opaque(&r, &welcome, &welcomelen, 1u << 26)) !=
	    POUCH_OK)
		goto out;
	if (!pouch_mls_group_has_pending(g) ||
	    epoch != pouch_mls_group_epoch(g)) {
		rc = settle(cl, &cv, g, 0, NULL, 0);
		goto out;
	}
	if ((rc = cl_post_mls(cl, commit, commitlen, NULL, &st, &resp)) !=
	    POUCH_OK)
		goto out;
	if (st == 201)
		rc = settle(cl, &cv, g, 1, welcome, welcomelen);
	else if (st == 409)
		rc = settle(cl, &cv, g, (uint64_t)json_integer_value(
		    json_object_get(resp, "epoch")) == epoch + 1, welcome,
		    welcomelen);
out:
	json_decref(resp);
	pouch_cstore_buf_free(rec, reclen);
	pouch_mls_group_free(g);
	return rc;
}

/* ---- control messages: the conversation's title ------------------------ */

/*
 * A control message is an application message that is not mail: the
 * bytes 00 "pouch-control" 00 (no RFC 5322 message starts with a NUL),
 * then uint8 version = 1, opaque kind<V>, opaque value<V>.  Kind "title"
 * carries the conversation's title, UTF-8 without control characters, at
 * most POUCH_CSTORE_TITLE_MAX bytes.  It travels inside the group's
 * encryption only, so every member's device shows the title and the
 * server never sees it.  Sent after a create, an add and the join of a
 * new device of ours; the last one processed wins.
 */
static const uint8_t ctl_magic[15] = {
	0, 'p', 'o', 'u', 'c', 'h', '-', 'c', 'o', 'n', 't', 'r', 'o', 'l', 0
};
#define CTL_VERSION	1

/* Strict UTF-8 (no overlong forms, surrogates, > U+10FFFF) without
 * C0 or C1 controls or DEL. */
static int
title_ok(const uint8_t *p, size_t n)
{
	size_t i = 0, k, j;
	uint32_t c, min;

	while (i < n) {
		c = p[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			c &= 0x07;
			min = 0x10000;
		} else
			return 0;
		if (n - i - 1 < k)
			return 0;
		for (j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (p[i + j] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
		    (c >= 0x80 && c <= 0x9f))
			return 0;
		i += k + 1;
	}
	return 1;
}

int
cl_control_parse(const uint8_t *p, size_t n,
    char title[POUCH_CSTORE_TITLE_MAX + 1])
{
	const uint8_t *kind, *val;
	size_t kindlen, vallen;
	struct pouch_rd r;
	uint8_t ver;
	int rc;

	title[0] = '\0';
	if (n < sizeof(ctl_magic) ||
	    CRYPTO_memcmp(p, ctl_magic, sizeof(ctl_magic)) != 0)
		return POUCH_E_NOT_FOUND;	/* mail */
	pouch_rd_init(&r, p + sizeof(ctl_magic), n - sizeof(ctl_magic));
	if ((rc = pouch_rd_u8(&r, &ver)) != POUCH_OK ||
	    (rc = pouch_rd_opaque(&r, &kind, &kindlen, 32)) != POUCH_OK ||
	    (rc = pouch_rd_opaque(&r, &val, &vallen,
	    POUCH_CSTORE_TITLE_MAX)) != POUCH_OK ||
	    (rc = pouch_rd_done(&r)) != POUCH_OK)
		return rc;
	if (ver != CTL_VERSION || kindlen != 5 ||
	    CRYPTO_memcmp(kind, "title", 5) != 0)
		return POUCH_E_UNSUPPORTED;
	if (!title_ok(val, vallen))
		return POUCH_E_MALFORMED;
	memcpy(title, val, vallen);
	title[vallen] = '\0';
	return POUCH_OK;
}

int
cl_conv_control(struct pouch_client *cl, struct pouch_cstore_conv *cv,
    const uint8_t *pt, size_t ptlen)
{
	char title[POUCH_CSTORE_TITLE_MAX + 1];
	int rc;

	(void)cl;
	rc = cl_control_parse(pt, ptlen, title);
	if (rc == POUCH_E_NOT_FOUND)
		return rc;
	if (rc == POUCH_OK)
		memcpy(cv->title, title, sizeof(cv->title));
	/* a control message we cannot use is dropped, like a replay */
	return POUCH_OK;
}

/* Send the title of conversation conv to its members (none: nothing). */
static int
title_send(struct pouch_client *cl, int64_t conv)
{
	struct pouch_cstore_conv cv;
	struct pouch_mls_group *g = NULL;
	uint8_t *pt = NULL, *ct = NULL;
	size_t ptlen = 0, ctlen = 0;
	struct pouch_wr w;
	int rc, trusted = 0;

	if ((rc = cl_group_load(cl, conv, &cv, &g)) != POUCH_OK)
		return rc;
	if (cv.title[0] == '\0' || pouch_mls_group_removed(g))
		goto out;
	/* the title goes only to devices we accept, like a message */
	if ((rc = cl_check_members(cl, g, 0, &trusted)) != POUCH_OK)
		goto out;
	if (!trusted && ((rc = cl_kt_sync(cl)) != POUCH_OK ||
	    (rc = cl_check_members(cl, g, 0, &trusted)) != POUCH_OK))
		goto out;
	if (!trusted)
		goto out;	/* sent again at the next add */
	pouch_wr_init(&w, 1024);
	pouch_wr_bytes(&w, ctl_magic, sizeof(ctl_magic));
	pouch_wr_u8(&w, CTL_VERSION);
	pouch_wr_opaque(&w, "title", 5);
	pouch_wr_opaque(&w, cv.title, strlen(cv.title));
	if ((rc = pouch_wr_take(&w, &pt, &ptlen)) != POUCH_OK ||
	    (rc = cl_app_seal(cl, g, pt, ptlen, &ct, &ctlen)) != POUCH_OK)
		goto out;
	if ((rc = pouch_cstore_begin(cl->st)) != POUCH_OK)
		goto out;
	if ((rc = cl_group_save(cl, &cv, g)) != POUCH_OK ||
	    (rc = cl_outbox_add(cl, ct, ctlen, NULL, 0)) != POUCH_OK) {
		pouch_cstore_rollback(cl->st);
		goto out;
	}
	if ((rc = pouch_cstore_commit(cl->st)) != POUCH_OK)
		goto out;
	/* queued: a failure to post now is retried by sync */
	if ((rc = cl_outbox_flush(cl)) == POUCH_E_IO)
		rc = POUCH_OK;
out:
	pouch_wr_buf_free(pt, ptlen);
	pouch_wr_buf_free(ct, ctlen);
	pouch_mls_group_free(g);
	return rc;
}

/* ---- the public calls -------------------------------------------------- */

int
pouch_client_conv_create(pouch_client *cl, const char *title,
    const char *const *users, size_t nusers, int64_t *id)
{
	struct pouch_mls_member_keys mk;
	struct pouch_mls_kp_params p;
	struct pouch_mls_kp_out o;
	struct pouch_mls_ext_sender es;
	struct pouch_mls_create_opts co;
	struct pouch_cstore_conv cv, got;
	struct pouch_mls_group *g = NULL;
	const char *own[1];
	struct intent in;
	uint8_t gid[16];
	json_t *req = NULL, *r = NULL;
	long st;
	size_t i;
	int rc, trc;

	if (cl == NULL || id == NULL || (nusers > 0 && users == NULL))
		return POUCH_E_MISUSE;
	*id = 0;
	for (i = 0; i < nusers; i++)
		if (!cl_user_ok(users[i]))
			return POUCH_E_MISUSE;
	memset(&o, 0, sizeof(o));
	if ((rc = pouch_random(gid, sizeof(gid))) != POUCH_OK)
		return rc;
	memset(&p, 0, sizeof(p));
	p.s = cl->suite;
	p.identity = cl->ident;
	p.identitylen = cl->identlen;
	p.sig_priv = cl->dev_priv;
	p.sig_privlen = CL_KEY;
	p.sig_pub = cl->dev_pub;
	p.sig_publen = CL_KEY;
	p.not_before = (uint64_t)cl_now(cl) - 3600;
	p.not_after = (uint64_t)cl_now(cl) + CL_KP_DAYS * 86400;
	if ((rc = pouch_mls_key_package_create(cl->c, &p, &o)) != POUCH_OK)
		goto out;
	memset(&mk, 0, sizeof(mk));
	mk.kp = o.kp;
	mk.kplen = o.kplen;
	mk.sig_priv = cl->dev_priv;
	mk.sig_privlen = CL_KEY;
	mk.enc_priv = o.enc_priv;
	mk.enc_privlen = o.enc_privlen;
	/* the server may propose the removal of a revoked device (and
	 * nothing else it can sign is accepted: docs/API.md) */
	memset(&es, 0, sizeof(es));
	es.sig_key = cl->server_key;
	es.sig_keylen = CL_KEY;
	es.identity = (const uint8_t *)"pouchd";
	es.identitylen = 6;
	memset(&co, 0, sizeof(co));
	co.ext_senders = &es;
	co.next_senders = 1;
	if ((rc = pouch_mls_group_create_opts(cl->c, cl->suite, gid,
	    sizeof(gid), &mk, &co, (uint64_t)cl_now(cl), &g)) != POUCH_OK)
		goto out;
	req = json_pack("{s:o,s:i}", "group_id", json_string(""),
	    "cipher_suite", (int)cl->suite->id);
	{
		char *b = pouch_b64_encode(gid, sizeof(gid));

		if (b == NULL || req == NULL) {
			free(b);
			rc = POUCH_E_NOMEM;
			goto out;
		}
		json_object_set_new(req, "group_id", json_string(b));
		free(b);
	}
	if ((rc = cl_api(cl, "POST", "/v1/groups", req, &st, &r)) != POUCH_OK)
		goto out;
	if (st != 201) {
		rc = st == 422 ? POUCH_E_UNSUPPORTED : POUCH_E_IO;
		goto out;
	}
	memset(&cv, 0, sizeof(cv));
	memcpy(cv.gid, gid, sizeof(gid));
	cv.gidlen = sizeof(gid);
	snprintf(cv.title, sizeof(cv.title), "%s", title != NULL ? title : "");
	cv.last_update = cl_now(cl);
	if ((rc = cl_group_save(cl, &cv, g)) != POUCH_OK ||
	    (rc = pouch_cstore_conv_get(cl->st, gid, sizeof(gid), &got, NULL,
	    NULL)) != POUCH_OK)
		goto out;
	*id = got.id;
	/* every device of every member, ours included */
	memset(&in, 0, sizeof(in));
	own[0] = cl->user;
	in.add = own;
	in.nadd = 1;
	rc = commit_intent(cl, got.id, &in);
	if (rc != POUCH_OK && rc != POUCH_E_NOT_FOUND)
		goto out;
	if (nusers > 0) {
		in.add = users;
		in.nadd = nusers;
		rc = commit_intent(cl, got.id, &in);
	} else
		rc = POUCH_OK;
	/* the conversation exists even when an add failed: its members
	 * (our devices at least) learn its title */
	if ((trc = title_send(cl, got.id)) != POUCH_OK && rc == POUCH_OK)
		rc = trc;
out:
	json_decref(req);
	json_decref(r);
	pouch_mls_group_free(g);
	pouch_mls_kp_out_clear(&o);
	return rc;
}

int
pouch_client_conv_add(pouch_client *cl, int64_t id, const char *const *users,
    size_t nusers)
{
	struct intent in;
	size_t i;
	int rc;

	if (cl == NULL || users == NULL || nusers == 0)
		return POUCH_E_MISUSE;
	for (i = 0; i < nusers; i++)
		if (!cl_user_ok(users[i]))
			return POUCH_E_MISUSE;
	memset(&in, 0, sizeof(in));
	in.add = users;
	in.nadd = nusers;
	if ((rc = commit_intent(cl, id, &in)) != POUCH_OK)
		return rc;
	return title_send(cl, id);	/* the new members learn it */
}

int
pouch_client_conv_remove(pouch_client *cl, int64_t id, const char *user)
{
	struct intent in;

	if (cl == NULL || !cl_user_ok(user))
		return POUCH_E_MISUSE;
	memset(&in, 0, sizeof(in));
	in.remove = user;
	return commit_intent(cl, id, &in);
}

int
pouch_client_conv_update(pouch_client *cl, int64_t id)
{
	struct intent in;

	if (cl == NULL)
		return POUCH_E_MISUSE;
	memset(&in, 0, sizeof(in));
	return commit_intent(cl, id, &in);
}

/*
 * Commit the proposals the server sent (the Remove of a revoked device):
 * conversations marked "commitrefs/<id>" by sync.  Another member may
 * commit them first; then our commit loses the race and, redone, finds
 * nothing cached and is a plain self-update, which is harmless.
 */
int
cl_commit_marked(struct pouch_client *cl)
{
	char **names = NULL;
	struct intent in;
	size_t n = 0, i;
	int rc;

	if ((rc = pouch_cstore_kv_list(cl->st, "commitrefs/", &names, &n)) !=
	    POUCH_OK)
		return rc;
	for (i = 0; i < n && rc == POUCH_OK; i++) {
		memset(&in, 0, sizeof(in));
		in.by_reference = 1;
		rc = commit_intent(cl, strtoll(names[i] + 11, NULL, 10), &in);
		if (rc == POUCH_E_FORBIDDEN || rc == POUCH_E_NOT_FOUND)
			rc = POUCH_OK;	/* removed meanwhile: nothing to do */
		if (rc == POUCH_OK)
			rc = pouch_cstore_kv_del(cl->st, names[i]);
	}
	pouch_cstore_names_free(names, n);
	return rc;
}

/* 1 when our leaf in conversation id lacks our current identity. */
static int
conv_stale(struct pouch_client *cl, int64_t id)
{
	struct pouch_cstore_conv cv;
	struct pouch_mls_group *g = NULL;
	int stale;

	if (cl_group_load(cl, id, &cv, &g) != POUCH_OK)
		return 0;
	stale = cl_rotate_stale(cl, g);
	pouch_mls_group_free(g);
	return stale;
}

/*
 * Self-update by policy: age or count since our last commit, or an
 * identity to carry after an account-key rotation.  Whether a leaf lacks
 * our identity is asked (a group state loaded per conversation) only
 * while the rotation's mark is set, not at every sync; the mark goes once
 * a pass has updated every conversation that needed it.
 */
int
cl_maybe_update(struct pouch_client *cl)
{
	struct pouch_cstore_conv *v = NULL;
	size_t n = 0, i;
	int rc, check;

	if ((check = cl_rotate_marked(cl)) < 0)
		return check;
	if ((rc = pouch_cstore_conv_list(cl->st, &v, &n)) != POUCH_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (v[i].removed)
			continue;
		if (cl_now(cl) - v[i].last_update < cl->update_age &&
		    v[i].sent_since_update < cl->update_msgs &&
		    !(check && conv_stale(cl, v[i].id)))
			continue;
		if ((rc = pouch_client_conv_update(cl, v[i].id)) != POUCH_OK)
			break;
	}
	free(v);
	if (rc == POUCH_OK && check)
		rc = cl_rotate_unmark(cl);
	return rc;
}

int
pouch_client_conversations(pouch_client *cl, struct pouch_client_conv **out,
    size_t *n)
{
	struct pouch_cstore_conv *v = NULL, cv;
	struct pouch_client_conv *o = NULL;
	struct pouch_mls_group *g = NULL;
	size_t nv = 0, i;
	int rc, trusted;

	if (cl == NULL || out == NULL || n == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*n = 0;
	if ((rc = pouch_cstore_conv_list(cl->st, &v, &nv)) != POUCH_OK)
		return rc;
	if ((o = calloc(nv + 1, sizeof(*o))) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	for (i = 0; i < nv; i++) {
		if ((rc = cl_group_load(cl, v[i].id, &cv, &g)) != POUCH_OK)
			goto out;
		o[i].id = v[i].id;
		o[i].epoch = v[i].epoch;
		o[i].removed = v[i].removed;
		o[i].cipher_suite = pouch_mls_group_suite(g)->id;
		if ((o[i].title = strdup(v[i].title)) == NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		if ((rc = cl_members(g, &o[i].members, &o[i].nmembers,
		    &o[i].ndevices)) != POUCH_OK ||
		    (rc = cl_check_members(cl, g, 0, &trusted)) != POUCH_OK)
			goto out;
		o[i].trusted = trusted;
		pouch_mls_group_free(g);
		g = NULL;
	}
	*out = o;
	*n = nv;
	o = NULL;
out:
	pouch_mls_group_free(g);
	if (o != NULL)
		pouch_client_conv_free(o, nv);
	free(v);
	return rc;
}

void
pouch_client_conv_free(struct pouch_client_conv *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].title);
		cl_members_free(v[i].members, v[i].nmembers);
	}
	free(v);
}
