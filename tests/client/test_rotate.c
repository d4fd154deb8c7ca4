/*
 * test_rotate.c - account-key rotation end to end, against a real pouchd
 * (issue #10):
 *
 *   - Alice (a first device and a paired phone) and Bob share a 1:1 and a
 *     group conversation; Alice rotates on her first device: Bob is told
 *     contact_key_rotated (never contact_key), the phone is told
 *     account_key_rotated and adopts the key and its new cross-signature,
 *     every leaf of Alice's in every conversation carries the new key
 *     after the next syncs, and messages flow both ways throughout; each
 *     of Alice's devices replaces its KeyPackages on the server at its
 *     next sync, so a claim hands out only ones whose credential carries
 *     the new key (before that sync: the old one); a new contact meeting
 *     Alice learns the new key;
 *     a pairing approval and a revocation under the new key work; the
 *     audit shows the rotation;
 *   - POST /v1/account/rotate refuses a wrong prev (409), a bad
 *     signature or another user's event (403), a missing
 *     cross-signature (400), and a replay (409);
 *   - a rotation forged into the server's database (signed by a key
 *     that is not the account key) is refused by every client with
 *     kt_bad_event, and nothing of it is adopted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <sqlite3.h>

#include <pouch/client.h>
#include <pouch/err.h>

#include "client/client_fixture.h"
#include "client/client_int.h"
#include "e2e/e2e.h"
#include "kt/kt.h"
#include "mls/arena.h"
#include "mls/msg.h"

static struct server srv;
static char root[64];

static pouch_client *
enrol(const char *user, const char *name)
{
	pouch_client *cl = NULL;

	assert_int_equal(cfx_enrol(&srv, root, user, name, &cl), POUCH_OK);
	return cl;
}

/* A second device root/name of the user of first, by pairing. */
static pouch_client *
pair(pouch_client *first, const char *name)
{
	pouch_client *cl = NULL;

	assert_int_equal(cfx_pair(&srv, root, first, name, &cl), POUCH_OK);
	return cl;
}

static void
sync_ok(pouch_client *cl)
{
	assert_int_equal(pouch_client_sync(cl, 0, NULL), POUCH_OK);
}

static int
has_alert(pouch_client *cl, const char *kind)
{
	int found = cfx_has_alert(cl, kind);

	assert_true(found >= 0);
	return found;
}

/* Send body into conversation conv (0: a 1:1 with to). */
static void
send_in(pouch_client *cl, int64_t conv, const char *to, const char *body)
{
	assert_int_equal(cfx_send(cl, conv, to, body, body, NULL), POUCH_OK);
}

/* 1 when cl has a message whose subject is subj. */
static int
got(pouch_client *cl, const char *subj)
{
	struct pouch_client_msg *v = NULL;
	size_t n = 0, i;
	int found = 0;

	assert_int_equal(pouch_client_list(cl, 0, 0, 0, &v, &n), POUCH_OK);
	for (i = 0; i < n; i++)
		found |= !v[i].outgoing && v[i].subject != NULL &&
		    strcmp(v[i].subject, subj) == 0;
	pouch_client_msg_free(v, n);
	return found;
}

/* How many leaves of user in cl's conversations carry key, and not. */
static void
leaves_of(pouch_client *cl, const char *user, const uint8_t key[32],
    size_t *with, size_t *without)
{
	struct pouch_cstore_conv *v = NULL, cv;
	struct pouch_mls_member_info mi;
	struct pouch_mls_group *g = NULL;
	struct cl_ident id;
	size_t n = 0, i;
	uint32_t l;

	*with = *without = 0;
	assert_int_equal(pouch_cstore_conv_list(cl->st, &v, &n), POUCH_OK);
	for (i = 0; i < n; i++) {
		assert_int_equal(cl_group_load(cl, v[i].id, &cv, &g),
		    POUCH_OK);
		for (l = 0; l < pouch_mls_group_leaves(g); l++) {
			if (pouch_mls_group_member(g, l, &mi) != POUCH_OK)
				continue;
			assert_int_equal(cl_ident_check(cl->c, mi.identity,
			    mi.identitylen, mi.sig_key, mi.sig_keylen, &id),
			    POUCH_OK);
			if (strcmp(id.user, user) != 0)
				continue;
			if (memcmp(id.account_key, key, 32) == 0)
				(*with)++;
			else
				(*without)++;
		}
		pouch_mls_group_free(g);
		g = NULL;
	}
	free(v);
}

/*
 * Claim user's KeyPackages through by (one per device but by's own): the
 * device key of each handed out and the account key its credential
 * carries (checked as conv.c's claim does); the count.
 */
static size_t
claim_idents(pouch_client *by, const char *user, uint8_t dev[][32],
    uint8_t acct[][32], size_t cap)
{
	struct pouch_mls_key_package kp;
	struct pouch_mls_arena a;
	struct cl_ident id;
	json_t *req, *r = NULL, *arr, *e;
	uint8_t *msg = NULL;
	size_t msglen = 0, i, n = 0;
	long st = 0;

	req = json_pack("{s:s}", "user", user);
	assert_non_null(req);
	assert_int_equal(cl_api(by, "POST", "/v1/keypackages/claim", req,
	    &st, &r), POUCH_OK);
	json_decref(req);
	assert_int_equal(st, 200);
	arr = json_object_get(r, "key_packages");
	assert_true(json_is_array(arr));
	json_array_foreach(arr, i, e) {
		assert_false(json_is_true(json_object_get(e, "missing")));
		assert_true(n < cap);
		assert_int_equal(pouch_b64_decode(json_string_value(
		    json_object_get(e, "key_package")), 1u << 16, &msg,
		    &msglen), POUCH_OK);
		assert_true(msglen > 4);
		pouch_mls_arena_init(&a, 1u << 20);
		assert_int_equal(pouch_mls_key_package_from_bytes(&a, NULL,
		    msg + 4, msglen - 4, &kp), POUCH_OK);
		assert_int_equal(kp.leaf_node.signature_key.n, 32);
		assert_int_equal(cl_ident_check(by->c,
		    kp.leaf_node.credential.identity.p,
		    kp.leaf_node.credential.identity.n,
		    kp.leaf_node.signature_key.p,
		    kp.leaf_node.signature_key.n, &id), POUCH_OK);
		assert_string_equal(id.user, user);
		memcpy(dev[n], kp.leaf_node.signature_key.p, 32);
		memcpy(acct[n], id.account_key, 32);
		n++;
		pouch_mls_arena_free(&a);
		free(msg);
		msg = NULL;
	}
	json_decref(r);
	return n;
}

/* Index of key in keys[n], or n. */
static size_t
key_at(uint8_t keys[][32], size_t n, const uint8_t key[32])
{
	size_t i;

	for (i = 0; i < n && memcmp(keys[i], key, 32) != 0; i++)
		;
	return i;
}

/* 1 while cl still has its KeyPackages to replace. */
static int
kp_stale(pouch_client *cl)
{
	uint8_t *v = NULL;
	size_t n = 0;
	int rc;

	rc = pouch_cstore_kv_get(cl->st, CL_KP_STALE, &v, &n);
	assert_true(rc == POUCH_OK || rc == POUCH_E_NOT_FOUND);
	pouch_cstore_buf_free(v, n);
	return rc == POUCH_OK;
}

static void
test_rotate(void **state)
{
	struct pouch_client_kt_event *ev = NULL;
	struct pouch_client_conv *cv = NULL;
	const char *bob[1] = { "bo" };
	pouch_client *al1, *al2, *al3, *alx, *bo, *ca;
	uint8_t old[32], nk[32];
	char hex[65];
	size_t n = 0, i, j, with, without, rotations = 0, revocations;
	uint8_t dev[4][32], acct[4][32];
	int64_t group = 0;
	uint64_t size;

	(void)state;
	al1 = enrol("al", "al1");
	/* a device paired and revoked before the rotation (and before the
	 * phone's first look at the log): its revocation is signed by the
	 * old key */
	alx = pair(al1, "alx");
	pouch_hex(alx->dev_pub, 32, hex);
	assert_int_equal(pouch_client_revoke_device(al1, hex), POUCH_OK);
	pouch_client_free(alx);
	al2 = pair(al1, "al2");
	bo = enrol("bo", "bo1");
	sleep(2);
	sync_ok(al1);
	sync_ok(al2);
	send_in(al1, 0, "bo", "one-to-one before");
	assert_int_equal(pouch_client_conv_create(al1, "the group", bob, 1,
	    &group), POUCH_OK);
	send_in(al1, group, NULL, "group before");
	sync_ok(bo);
	sync_ok(al2);
	assert_true(got(bo, "one-to-one before"));
	assert_true(got(bo, "group before"));
	assert_true(got(al2, "group before"));

	/* only the device with the account key may rotate */
	assert_int_equal(pouch_client_account_rotate(al2), POUCH_E_FORBIDDEN);
	assert_int_equal(pouch_client_account_rotate(NULL), POUCH_E_MISUSE);
	memcpy(old, al1->acct_pub, 32);
	assert_int_equal(pouch_client_account_rotate(al1), POUCH_OK);
	memcpy(nk, al1->acct_pub, 32);
	assert_memory_not_equal(old, nk, 32);
	assert_true(al1->have_acct_priv);
	/* our leaves carry the new key already on the rotating device */
	leaves_of(al1, "al", nk, &with, &without);
	assert_true(with >= 2);
	/* its KeyPackages on the server do not yet: the next sync replaces
	 * them; the phone has not even seen the rotation */
	assert_true(kp_stale(al1));
	assert_false(kp_stale(al2));
	assert_int_equal(claim_idents(bo, "al", dev, acct, 4), 2);
	for (i = 0; i < 2; i++)
		assert_memory_equal(acct[i], old, 32);
	/* during: Bob sends before he has seen any of it */
	send_in(bo, group, NULL, "group during");

	/* Bob learns it from the log: informational, not contact_key */
	sync_ok(bo);
	assert_true(has_alert(bo, "contact_key_rotated"));
	assert_false(has_alert(bo, "contact_key"));
	assert_false(has_alert(bo, "kt_bad_event"));
	assert_true(got(bo, "group before"));
	/* the phone adopts the key and its new cross-signature */
	sync_ok(al2);
	assert_true(has_alert(al2, "account_key_rotated"));
	assert_false(has_alert(al2, "own_device"));
	assert_memory_equal(al2->acct_pub, nk, 32);
	assert_false(al2->have_acct_priv);
	assert_true(got(al2, "group during"));
	assert_false(has_alert(al1, "account_key_rotated"));
	assert_false(has_alert(al1, "own_device"));
	assert_false(has_alert(al1, "kt_bad_event"));
	/* after everyone's next sync: every leaf of Alice's is new */
	sync_ok(al1);
	sync_ok(bo);
	sync_ok(al2);
	/* and so is every KeyPackage of hers the server hands out: each
	 * device replaced its own (all of them: claim past a batch) */
	assert_false(kp_stale(al1));
	assert_false(kp_stale(al2));
	for (j = 0; j < CL_KP_BATCH + 1; j++) {
		assert_int_equal(claim_idents(bo, "al", dev, acct, 4), 2);
		assert_true(key_at(dev, 2, al1->dev_pub) < 2);
		assert_true(key_at(dev, 2, al2->dev_pub) < 2);
		for (i = 0; i < 2; i++)
			assert_memory_equal(acct[i], nk, 32);
	}
	/* the phone tops up again (the last-resort one is all it has) */
	sync_ok(al1);
	sync_ok(al2);
	leaves_of(bo, "al", nk, &with, &without);
	assert_int_equal(without, 0);
	assert_true(with >= 4);
	leaves_of(al2, "al", nk, &with, &without);
	assert_int_equal(without, 0);
	assert_false(has_alert(bo, "bad_device"));
	assert_false(has_alert(bo, "contact_key"));
	/* messages both ways, after */
	send_in(bo, 0, "al", "one-to-one after");
	send_in(al2, group, NULL, "group after from the phone");
	sync_ok(al1);
	sync_ok(bo);
	assert_true(got(al1, "one-to-one after"));
	assert_true(got(bo, "group after from the phone"));
	assert_int_equal(pouch_client_conversations(bo, &cv, &n), POUCH_OK);
	for (i = 0; i < n; i++)
		assert_true(cv[i].trusted);
	pouch_client_conv_free(cv, n);

	/* the audit shows the chain, each step verified */
	assert_int_equal(pouch_client_kt_audit(bo, "al", &size, &ev, &n),
	    POUCH_OK);
	for (i = 0; i < n; i++) {
		assert_true(ev[i].included);
		if (strcmp(ev[i].event, "account_key") == 0) {
			rotations++;
			pouch_hex(nk, 32, hex);
			assert_string_equal(ev[i].key_fp, hex);
		}
		assert_string_equal(ev[i].sig, "ok");
	}
	assert_int_equal(rotations, 1);
	pouch_client_kt_events_free(ev, n);
	/* and so does the owner's monitor, on both of Alice's devices */
	for (j = 0; j < 2; j++) {
		assert_int_equal(pouch_client_kt_monitor(j == 0 ? al1 : al2, 0,
		    &size, &ev, &n), POUCH_OK);
		rotations = revocations = 0;
		for (i = 0; i < n; i++) {
			if (strcmp(ev[i].user, "al") != 0)
				continue;
			rotations += strcmp(ev[i].event, "account_key") == 0;
			/* signed by the key we had before the rotation */
			if (strcmp(ev[i].event, "device_revoked") == 0) {
				revocations++;
				assert_string_equal(ev[i].sig,
				    "ok_previous_key");
				continue;
			}
			assert_string_equal(ev[i].sig, "ok");
		}
		assert_int_equal(rotations, 1);
		assert_int_equal(revocations, 1);
		pouch_client_kt_events_free(ev, n);
	}

	/* a new contact meets Alice through her new KeyPackages */
	ca = enrol("ca", "ca1");
	send_in(ca, 0, "al", "from ca");
	sync_ok(al1);
	sync_ok(al2);
	sync_ok(ca);
	sync_ok(ca);
	assert_true(got(al1, "from ca"));
	assert_false(has_alert(ca, "contact_key"));
	assert_false(has_alert(ca, "bad_device"));
	leaves_of(ca, "al", nk, &with, &without);
	assert_int_equal(without, 0);
	/* a pairing approval under the new key; its first look at the log
	 * takes the chain as the baseline */
	al3 = pair(al1, "al3");
	sleep(2);
	sync_ok(al3);
	assert_memory_equal(al3->acct_pub, nk, 32);
	assert_false(has_alert(al3, "own_device"));
	assert_false(has_alert(al3, "kt_bad_event"));
	assert_false(has_alert(al3, "account_key_rotated"));
	/* a revocation under the new key */
	pouch_hex(al2->dev_pub, 32, hex);
	assert_int_equal(pouch_client_revoke_device(al1, hex), POUCH_OK);
	pouch_client_free(al1);
	pouch_client_free(al2);
	pouch_client_free(al3);
	pouch_client_free(bo);
	pouch_client_free(ca);
}

/* A rotation request: event by signer seed, cross-sigs by nseed. */
static json_t *
rotate_body(const char *user, const uint8_t prev[32], const uint8_t *seed,
    const uint8_t nseed[32], const struct device *const *devs, size_t n,
    int64_t ts)
{
	struct pouch_sig_key *k = NULL;
	struct pouch_kt_event ev;
	uint8_t buf[POUCH_KT_EVENT_MAX], npub[32], sig[64], *stmt = NULL;
	size_t len, stmtlen = 0, siglen, i;
	char *b64;
	json_t *o, *list;

	assert_int_equal(pouch_sig_pub_from_priv(e2e_crypto,
	    POUCH_SIG_ED25519, nseed, npub), POUCH_OK);
	memset(&ev, 0, sizeof(ev));
	ev.type = POUCH_KT_ACCOUNT_KEY;
	ev.timestamp = (uint64_t)ts;
	ev.signer = POUCH_KT_BY_ACCOUNT;
	memcpy(ev.actor, user, strlen(user) + 1);
	memcpy(ev.user, user, strlen(user) + 1);
	memcpy(ev.account_key, npub, 32);
	ev.has_prev = 1;
	memcpy(ev.prev_key, prev, 32);
	assert_int_equal(pouch_sig_key_new(e2e_crypto, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, seed, 32, &k), POUCH_OK);
	assert_int_equal(pouch_kt_event_sign(k, &ev), POUCH_OK);
	pouch_sig_key_free(k);
	assert_int_equal(pouch_kt_event_encode(&ev, buf, sizeof(buf), &len),
	    POUCH_OK);
	b64 = e2e_b64(buf, len);
	o = json_pack("{s:s,s:[]}", "event", b64, "devices");
	free(b64);
	list = json_object_get(o, "devices");
	for (i = 0; i < n; i++) {
		char *kb, *sb;

		assert_int_equal(cl_statement_device(user, devs[i]->pub, &stmt,
		    &stmtlen), POUCH_OK);
		assert_int_equal(pouch_sig_sign(e2e_crypto, POUCH_SIG_ED25519,
		    nseed, 32, stmt, stmtlen, sig, sizeof(sig), &siglen),
		    POUCH_OK);
		pouch_wr_buf_free(stmt, stmtlen);
		kb = e2e_b64(devs[i]->pub, 32);
		sb = e2e_b64(sig, 64);
		json_array_append_new(list, json_pack("{s:s,s:s}", "key", kb,
		    "sig", sb));
		free(kb);
		free(sb);
	}
	return o;
}

static void
test_rotate_route(void **state)
{
	const struct device *both[2], *one[1];
	struct device d1, d2, x;
	uint8_t nseed[32], nseed2[32];
	int64_t now = (int64_t)time(NULL);
	json_t *r = NULL;

	(void)state;
	e2e_device_new(&d1, "cy", NULL);
	e2e_device_new(&d2, "cy", &d1);
	e2e_device_new(&x, "dee", NULL);
	assert_int_equal(e2e_enrol_login(&srv, &d1), 0);
	assert_int_equal(e2e_enrol_login(&srv, &d2), 0);
	assert_int_equal(e2e_enrol_login(&srv, &x), 0);
	assert_int_equal(pouch_random(nseed, 32), POUCH_OK);
	assert_int_equal(pouch_random(nseed2, 32), POUCH_OK);
	both[0] = &d1;
	both[1] = &d2;
	one[0] = &d1;

	/* prev is not the account key: 409 */
	assert_int_equal(e2e_json(&srv, "POST", "/v1/account/rotate",
	    d1.token, rotate_body("cy", x.apub, d1.aseed, nseed, both, 2,
	    now), NULL), 409);
	/* signed by the device key, not the account key: 403 */
	assert_int_equal(e2e_json(&srv, "POST", "/v1/account/rotate",
	    d1.token, rotate_body("cy", d1.apub, d1.seed, nseed, both, 2,
	    now), NULL), 403);
	/* another user's rotation, with that user's key: 403 */
	assert_int_equal(e2e_json(&srv, "POST", "/v1/account/rotate",
	    d1.token, rotate_body("dee", x.apub, x.aseed, nseed, one, 0,
	    now), NULL), 403);
	/* a device left out, or cross-signed by another key: 400 */
	assert_int_equal(e2e_json(&srv, "POST", "/v1/account/rotate",
	    d1.token, rotate_body("cy", d1.apub, d1.aseed, nseed, one, 1,
	    now), NULL), 400);
	{
		json_t *o = rotate_body("cy", d1.apub, d1.aseed, nseed, both,
		    2, now), *o2 = rotate_body("cy", d1.apub, d1.aseed, nseed2,
		    both, 2, now);

		/* the event names nseed, the cross-sigs are nseed2's */
		json_object_set(o, "devices", json_object_get(o2, "devices"));
		json_decref(o2);
		assert_int_equal(e2e_json(&srv, "POST", "/v1/account/rotate",
		    d1.token, o, NULL), 400);
	}
	/* an old event, a malformed one, no token */
	assert_int_equal(e2e_json(&srv, "POST", "/v1/account/rotate",
	    d1.token, rotate_body("cy", d1.apub, d1.aseed, nseed, both, 2,
	    now - 3600), NULL), 400);
	assert_int_equal(e2e_json(&srv, "POST", "/v1/account/rotate",
	    d1.token, json_pack("{s:s}", "event", "AAAA"), NULL), 400);
	assert_int_equal(e2e_json(&srv, "POST", "/v1/account/rotate", NULL,
	    rotate_body("cy", d1.apub, d1.aseed, nseed, both, 2, now), NULL),
	    401);
	/* the real one, then its replay */
	assert_int_equal(e2e_json(&srv, "POST", "/v1/account/rotate",
	    d2.token, rotate_body("cy", d1.apub, d1.aseed, nseed, both, 2,
	    now), &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r, "devices")),
	    2);
	assert_true(json_integer_value(json_object_get(r, "tree_size")) >
	    json_integer_value(json_object_get(r, "kt_leaf")) + 2);
	json_decref(r);
	assert_int_equal(e2e_json(&srv, "POST", "/v1/account/rotate",
	    d2.token, rotate_body("cy", d1.apub, d1.aseed, nseed, both, 2,
	    now), NULL), 409);
}

/* A forged rotation of user's key, appended to the server's database. */
static void
forge(const char *user, const uint8_t prev[32])
{
	struct pouch_sig_key *k = NULL;
	struct pouch_kt_event ev;
	uint8_t buf[POUCH_KT_EVENT_MAX], seed[32], h[32];
	size_t len;
	char db[160];
	sqlite3 *dbh;
	sqlite3_stmt *st;

	memset(&ev, 0, sizeof(ev));
	ev.type = POUCH_KT_ACCOUNT_KEY;
	ev.timestamp = (uint64_t)time(NULL);
	ev.signer = POUCH_KT_BY_ACCOUNT;
	memcpy(ev.actor, user, strlen(user) + 1);
	memcpy(ev.user, user, strlen(user) + 1);
	assert_int_equal(pouch_random(seed, 32), POUCH_OK);
	assert_int_equal(pouch_sig_pub_from_priv(e2e_crypto,
	    POUCH_SIG_ED25519, seed, ev.account_key), POUCH_OK);
	ev.has_prev = 1;
	memcpy(ev.prev_key, prev, 32);
	/* signed by the new key itself: not by the one it replaces */
	assert_int_equal(pouch_sig_key_new(e2e_crypto, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, seed, 32, &k), POUCH_OK);
	assert_int_equal(pouch_kt_event_sign(k, &ev), POUCH_OK);
	pouch_sig_key_free(k);
	assert_int_equal(pouch_kt_event_encode(&ev, buf, sizeof(buf), &len),
	    POUCH_OK);
	assert_int_equal(pouch_kt_leaf_hash(e2e_crypto, buf, len, h),
	    POUCH_OK);
	snprintf(db, sizeof(db), "%s/pouchd.db", srv.dir);
	assert_int_equal(sqlite3_open(db, &dbh), SQLITE_OK);
	sqlite3_busy_timeout(dbh, 5000);
	assert_int_equal(sqlite3_prepare_v2(dbh, "INSERT INTO kt_leaves "
	    "(idx, hash, data, created) SELECT COALESCE(MAX(idx) + 1, 0), "
	    "?1, ?2, 0 FROM kt_leaves", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, h, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, buf, (int)len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(dbh);
}

static void
test_forged_rotation(void **state)
{
	pouch_client *fo, *fo2, *gi;
	uint8_t cur[32];

	(void)state;
	fo = enrol("fo", "fo1");
	fo2 = pair(fo, "fo2");
	gi = enrol("gi", "gi1");
	send_in(gi, 0, "fo", "hello fo");
	sleep(2);
	sync_ok(fo);
	sync_ok(fo2);
	memcpy(cur, fo->acct_pub, 32);
	forge("fo", cur);
	/* published within the merge delay */
	sleep(3);
	sync_ok(fo);
	sync_ok(fo2);
	sync_ok(gi);
	assert_true(has_alert(fo, "kt_bad_event"));
	assert_true(has_alert(fo2, "kt_bad_event"));
	assert_true(has_alert(gi, "kt_bad_event"));
	assert_false(has_alert(gi, "contact_key_rotated"));
	assert_false(has_alert(fo2, "account_key_rotated"));
	/* nothing adopted: the key stays, and still works */
	assert_memory_equal(fo->acct_pub, cur, 32);
	assert_memory_equal(fo2->acct_pub, cur, 32);
	assert_int_equal(cl_kt_acct_current(gi, "fo", cur), POUCH_OK);
	assert_memory_equal(fo->acct_pub, cur, 32);
	send_in(gi, 0, "fo", "still fo");
	sync_ok(fo);
	assert_true(got(fo, "still fo"));
	pouch_client_free(fo);
	pouch_client_free(fo2);
	pouch_client_free(gi);
}

static void
test_cli(void **state)
{
	pouch_client *hu;
	uint8_t old[32];
	char cmd[512];
	int st;

	(void)state;
	hu = enrol("hu", "hu1");
	memcpy(old, hu->acct_pub, 32);
	pouch_client_free(hu);
	snprintf(cmd, sizeof(cmd), "%s account rotate -d %s/hu1 >/dev/null",
	    POUCH_CLI_PATH, root);
	st = system(cmd);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(cmd, sizeof(cmd), "%s account frob -d %s/hu1 2>/dev/null",
	    POUCH_CLI_PATH, root);
	st = system(cmd);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	assert_int_equal(cfx_open(root, "hu1", &hu), POUCH_OK);
	assert_memory_not_equal(hu->acct_pub, old, 32);
	pouch_client_free(hu);
	/* the audit shows it */
	snprintf(cmd, sizeof(cmd), "%s kt audit hu -d %s/hu1 | grep -q "
	    "account_key", POUCH_CLI_PATH, root);
	st = system(cmd);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static int
setup(void **state)
{
	(void)state;
	return cfx_up(&srv, root, sizeof(root), "rotate", NULL);
}

static int
teardown(void **state)
{
	(void)state;
	return cfx_down(&srv, root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rotate),
		cmocka_unit_test(test_rotate_route),
		cmocka_unit_test(test_forged_rotation),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
