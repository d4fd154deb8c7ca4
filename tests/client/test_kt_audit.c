/*
 * test_kt_audit.c - the security officer's view of the key log and a
 * user's own revocation of a device, against a real pouchd:
 *
 *   - pouch_client_kt_audit: the verified history of a user's devices,
 *     each event proven included in the verified checkpoint, with its
 *     signature status and the device keys the devices really hold;
 *   - pouch_client_revoke_device: only the account key may, never this
 *     device; the revoked device is logged out at once, removed from the
 *     conversation, the event is in the log when the call returns, and
 *     other members refuse the device;
 *   - POST /v1/devices/revoke refuses what the account key did not sign;
 *   - pouch_client_kt_monitor: every event once, each with its proof;
 *   - the `pouch kt audit` and `pouch kt monitor` commands (--json).
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

#include <pthread.h>

#include <cmocka.h>

#include <pouch/client.h>
#include <pouch/err.h>

#include "client/client_fixture.h"
#include "client/client_int.h"
#include "e2e/e2e.h"
#include "kt/kt.h"

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
settle(pouch_client *cl)
{
	sleep(2);
	assert_int_equal(pouch_client_sync(cl, 0, NULL), POUCH_OK);
}

static void
send_to(pouch_client *cl, const char *to, const char *body)
{
	assert_int_equal(cfx_send(cl, 0, to, "audit", body, NULL), POUCH_OK);
}

/* The device key of cl, as the client itself holds it. */
static void
own_key(pouch_client *cl, char hex[65])
{
	struct pouch_client_device *v = NULL;
	size_t n = 0, i;

	hex[0] = '\0';
	assert_int_equal(pouch_client_devices(cl, &v, &n), POUCH_OK);
	for (i = 0; i < n; i++)
		if (v[i].self)
			memcpy(hex, v[i].key_hex, 65);
	free(v);
	assert_int_equal(strlen(hex), 64);
}

static size_t
ndevices(pouch_client *cl)
{
	struct pouch_client_conv *v = NULL;
	size_t n = 0, k;

	assert_int_equal(pouch_client_conversations(cl, &v, &n), POUCH_OK);
	assert_int_equal(n, 1);
	k = v[0].ndevices;
	pouch_client_conv_free(v, n);
	return k;
}

static void
test_audit_and_revoke(void **state)
{
	struct pouch_client_kt_event *ev = NULL;
	pouch_client *al1, *al2, *bo;
	char k1[65], k2[65], acct[65] = "";
	uint8_t key[32], r[32];
	uint64_t ts, size;
	size_t n = 0, i, added = 0, revoked = 0;

	(void)state;
	al1 = enrol("al", "al1");
	al2 = pair(al1, "al2");
	bo = enrol("bo", "bo1");
	own_key(al1, k1);
	own_key(al2, k2);
	send_to(bo, "al", "hello both");
	assert_int_equal(pouch_client_sync(al1, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_sync(al2, 0, NULL), POUCH_OK);
	settle(bo);
	assert_int_equal(ndevices(bo), 3);

	/* the history of al as bo's device verifies it */
	assert_int_equal(pouch_client_kt_audit(bo, "al", &ts, &ev, &n),
	    POUCH_OK);
	assert_int_equal(pouch_client_kt_checkpoint(bo, &size, r), POUCH_OK);
	assert_int_equal(ts, size);
	assert_true(n >= 4);	/* user, codes, two devices */
	for (i = 0; i < n; i++) {
		assert_string_equal(ev[i].user, "al");
		assert_true(ev[i].included);
		assert_string_equal(ev[i].sig, "ok");
		assert_true(ev[i].index < ts);
		assert_true(i == 0 || ev[i].index > ev[i - 1].index);
		if (strcmp(ev[i].event, "device_added") != 0)
			continue;
		assert_int_equal(ev[i].signer, 0);
		if (acct[0] == '\0')
			memcpy(acct, ev[i].account_fp, 65);
		assert_string_equal(ev[i].account_fp, acct);
		assert_string_equal(ev[i].key_fp, added == 0 ? k1 : k2);
		assert_string_equal(ev[i].device_name, added == 0 ? "al1" :
		    "al2");
		added++;
	}
	assert_int_equal(added, 2);
	pouch_client_kt_events_free(ev, n);
	ev = NULL;
	/* an unknown user has no history */
	assert_int_equal(pouch_client_kt_audit(bo, "nobody", &ts, &ev, &n),
	    POUCH_OK);
	assert_int_equal(n, 0);
	pouch_client_kt_events_free(ev, n);

	/* who may revoke what */
	assert_int_equal(pouch_client_revoke_device(al2, "al1"),
	    POUCH_E_FORBIDDEN);
	assert_int_equal(pouch_client_revoke_device(al1, k1), POUCH_E_MISUSE);
	assert_int_equal(pouch_client_revoke_device(al1, "no-such-laptop"),
	    POUCH_E_NOT_FOUND);
	/* al's own device: revoked, in the log when the call returns */
	assert_int_equal(pouch_client_revoke_device(al1, "al2"), POUCH_OK);
	assert_int_equal(pouch_unhex(k2, key, 32), POUCH_OK);
	assert_false(cl_kt_device_ok(al1, "al", key));
	assert_int_equal(pouch_client_sync(al2, 0, NULL), POUCH_E_FORBIDDEN);
	assert_int_equal(pouch_client_revoke_device(al1, k2),
	    POUCH_E_EXISTS);
	assert_int_equal(pouch_client_revoke_device(al1, "al2"),
	    POUCH_E_NOT_FOUND);

	/* bo's device refuses it, and the conversation loses it */
	assert_int_equal(pouch_client_sync(bo, 0, NULL), POUCH_OK);
	assert_false(cl_kt_device_ok(bo, "al", key));
	assert_int_equal(pouch_client_sync(al1, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_sync(bo, 0, NULL), POUCH_OK);
	assert_int_equal(ndevices(bo), 2);
	assert_int_equal(ndevices(al1), 2);
	send_to(bo, "al", "only al1 now");
	assert_int_equal(pouch_client_sync(al1, 0, NULL), POUCH_OK);

	assert_int_equal(pouch_client_kt_audit(bo, "al", &ts, &ev, &n),
	    POUCH_OK);
	for (i = 0; i < n; i++) {
		if (strcmp(ev[i].event, "device_revoked") != 0)
			continue;
		assert_string_equal(ev[i].key_fp, k2);
		assert_int_equal(ev[i].signer, 0);
		assert_string_equal(ev[i].actor, "al");
		assert_string_equal(ev[i].sig, "ok");
		assert_true(ev[i].included);
		revoked++;
	}
	assert_int_equal(revoked, 1);
	pouch_client_kt_events_free(ev, n);
	pouch_client_free(al1);
	pouch_client_free(al2);
	pouch_client_free(bo);
}

/* A "device revoked" event for dev of user, signed with seed. */
static json_t *
revoke_body(const char *user, const uint8_t dev[32], const uint8_t seed[32],
    int64_t ts, enum pouch_kt_event_type type)
{
	struct pouch_sig_key *k = NULL;
	struct pouch_kt_event ev;
	uint8_t buf[POUCH_KT_EVENT_MAX];
	size_t len;
	char *b64;
	json_t *o;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.timestamp = (uint64_t)ts;
	ev.signer = POUCH_KT_BY_ACCOUNT;
	memcpy(ev.actor, user, strlen(user) + 1);
	memcpy(ev.user, user, strlen(user) + 1);
	memcpy(ev.device_key, dev, 32);
	memcpy(ev.account_key, dev, 32);
	assert_int_equal(pouch_sig_key_new(e2e_crypto, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, seed, 32, &k), POUCH_OK);
	assert_int_equal(pouch_kt_event_sign(k, &ev), POUCH_OK);
	pouch_sig_key_free(k);
	assert_int_equal(pouch_kt_event_encode(&ev, buf, sizeof(buf), &len),
	    POUCH_OK);
	b64 = e2e_b64(buf, len);
	o = json_pack("{s:s}", "event", b64);
	free(b64);
	return o;
}

/* The tree size of the latest checkpoint (its second line). */
static uint64_t
published(const char *token)
{
	struct buf b = { 0 };
	char *nl;
	uint64_t size;

	assert_int_equal(e2e_http(&srv, "GET", "/v1/kt/checkpoint", token,
	    NULL, NULL, 0, &b), 200);
	assert_non_null(nl = strchr((char *)b.p, '\n'));
	size = strtoull(nl + 1, NULL, 10);
	e2e_buf_free(&b);
	return size;
}

/* A device's long-poll (after its last cursor, wait 20 s), timed. */
struct poll {
	struct device	*dev;
	long		 status;
	long		 messages;	/* in the answer */
	double		 seconds;
};

static void *
long_poll(void *arg)
{
	struct poll *lp = arg;
	struct timespec t0, t1;
	char path[96];
	json_t *r = NULL;
	json_int_t after;

	/* past everything queued: the poll then has to wait */
	for (after = 0;; after = json_integer_value(json_object_get(r,
	    "cursor"))) {
		json_decref(r);
		r = NULL;
		snprintf(path, sizeof(path), "/v1/sync?after=%lld&wait=0",
		    (long long)after);
		if (e2e_json(&srv, "GET", path, lp->dev->token, NULL, &r) !=
		    200 || r == NULL)
			goto out;
		if (json_array_size(json_object_get(r, "messages")) == 0)
			break;
	}
	json_decref(r);
	r = NULL;
	snprintf(path, sizeof(path), "/v1/sync?after=%lld&wait=20",
	    (long long)after);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	lp->status = e2e_json(&srv, "GET", path, lp->dev->token, NULL, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	lp->messages = r != NULL ? (long)json_array_size(json_object_get(r,
	    "messages")) : -1;
	lp->seconds = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
out:
	json_decref(r);
	return NULL;
}

static void
test_revoke_route(void **state)
{
	struct poll lp = { NULL, 0, 0, 0 };
	pthread_t th;
	struct device d1, d2, x;
	json_t *r = NULL;
	int64_t now = (int64_t)time(NULL);
	long st;

	(void)state;
	e2e_device_new(&d1, "cy", NULL);
	e2e_device_new(&d2, "cy", &d1);
	e2e_device_new(&x, "dee", NULL);
	assert_int_equal(e2e_enrol_login(&srv, &d1), 0);
	assert_int_equal(e2e_enrol_login(&srv, &d2), 0);
	assert_int_equal(e2e_enrol_login(&srv, &x), 0);

	/* signed by the device key, not the account key */
	assert_int_equal(e2e_json(&srv, "POST", "/v1/devices/revoke",
	    d1.token, revoke_body("cy", d2.pub, d1.seed, now,
	    POUCH_KT_DEVICE_REVOKED), NULL), 403);
	/* another user's device, by another user's account key */
	assert_int_equal(e2e_json(&srv, "POST", "/v1/devices/revoke",
	    d1.token, revoke_body("dee", x.pub, x.aseed, now,
	    POUCH_KT_DEVICE_REVOKED), NULL), 403);
	/* a device the account does not have */
	assert_int_equal(e2e_json(&srv, "POST", "/v1/devices/revoke",
	    d1.token, revoke_body("cy", x.pub, d1.aseed, now,
	    POUCH_KT_DEVICE_REVOKED), NULL), 404);
	/* an old event, and another kind of event */
	assert_int_equal(e2e_json(&srv, "POST", "/v1/devices/revoke",
	    d1.token, revoke_body("cy", d2.pub, d1.aseed, now - 3600,
	    POUCH_KT_DEVICE_REVOKED), NULL), 400);
	assert_int_equal(e2e_json(&srv, "POST", "/v1/devices/revoke",
	    d1.token, revoke_body("cy", d2.pub, d1.aseed, now,
	    POUCH_KT_ACCOUNT_KEY), NULL), 400);
	assert_int_equal(e2e_json(&srv, "POST", "/v1/devices/revoke",
	    d1.token, json_pack("{s:s}", "event", "AAAA"), NULL), 400);
	assert_int_equal(e2e_json(&srv, "POST", "/v1/devices/revoke",
	    NULL, revoke_body("cy", d2.pub, d1.aseed, now,
	    POUCH_KT_DEVICE_REVOKED), NULL), 401);
	/* nothing of that revoked anything */
	assert_int_equal(e2e_http(&srv, "GET", "/v1/keypackages/count",
	    d2.token, NULL, NULL, 0, NULL), 200);

	/* the real thing, by the other device of the account, while d1
	 * waits in a long-poll: that poll answers at once */
	lp.dev = &d1;
	assert_int_equal(pthread_create(&th, NULL, long_poll, &lp), 0);
	usleep(500000);
	st = e2e_json(&srv, "POST", "/v1/devices/revoke", d2.token,
	    revoke_body("cy", d1.pub, d1.aseed, now,
	    POUCH_KT_DEVICE_REVOKED), &r);
	assert_int_equal(st, 200);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(lp.status, 200);
	assert_int_equal(lp.messages, 0);
	assert_true(lp.seconds < 5.0);	/* it would wait 20 */
	assert_int_equal(json_integer_value(json_object_get(r, "device_id")),
	    d1.id);
	/* acknowledged only once a published checkpoint covers it */
	assert_true(json_integer_value(json_object_get(r, "kt_leaf")) <
	    json_integer_value(json_object_get(r, "tree_size")));
	assert_true((int64_t)published(d2.token) > json_integer_value(
	    json_object_get(r, "kt_leaf")));
	json_decref(r);
	/* its token is dead at once */
	assert_int_equal(e2e_http(&srv, "GET", "/v1/keypackages/count",
	    d1.token, NULL, NULL, 0, NULL), 401);
	assert_int_equal(e2e_json(&srv, "POST", "/v1/devices/revoke",
	    d2.token, revoke_body("cy", d1.pub, d1.aseed, now,
	    POUCH_KT_DEVICE_REVOKED), NULL), 409);
}

static void
test_monitor(void **state)
{
	struct pouch_client_kt_event *ev = NULL;
	pouch_client *eve;
	uint64_t size, next;
	uint8_t r[32];
	size_t n = 0, i;
	char *code = NULL;

	(void)state;
	eve = enrol("eve", "eve1");
	settle(eve);
	assert_int_equal(pouch_client_kt_checkpoint(eve, &size, r), POUCH_OK);
	assert_int_equal(pouch_client_kt_monitor(eve, 0, &next, &ev, &n),
	    POUCH_OK);
	assert_int_equal(next, size);
	assert_int_equal(n, size);
	for (i = 0; i < n; i++) {
		assert_int_equal(ev[i].index, i);
		assert_true(ev[i].included);
		/* other users' own events: their account key is theirs */
		if (strcmp(ev[i].sig, "unverified") == 0)
			assert_int_equal(ev[i].signer, 0);
		else
			assert_string_equal(ev[i].sig, "ok");
	}
	pouch_client_kt_events_free(ev, n);
	/* where it stopped */
	assert_int_equal(pouch_client_kt_monitor(eve,
	    POUCH_CLIENT_KT_CONTINUE, &next, &ev, &n), POUCH_OK);
	assert_int_equal(n, 0);
	assert_int_equal(next, size);
	/* one new event, once */
	assert_int_equal(cfx_code(&srv, "eve", &code), POUCH_OK);
	free(code);
	for (i = 0; i < 20; i++) {	/* a checkpoint within kt_interval */
		sleep(1);
		assert_int_equal(pouch_client_kt_monitor(eve,
		    POUCH_CLIENT_KT_CONTINUE, &next, &ev, &n), POUCH_OK);
		if (n > 0)
			break;
		pouch_client_kt_events_free(ev, n);
	}
	assert_int_equal(n, 1);
	assert_int_equal(next, size + 1);
	assert_string_equal(ev[0].event, "code_issued");
	assert_string_equal(ev[0].user, "eve");
	assert_int_equal(ev[0].signer, 1);
	assert_string_equal(ev[0].sig, "ok");
	assert_true(ev[0].included);
	pouch_client_kt_events_free(ev, n);
	pouch_client_free(eve);
}

/* Run the pouch command; its stdout parsed as one JSON document. */
static int
cli_json(const char *args, json_t **out)
{
	char cmd[512];
	json_error_t err;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s", POUCH_CLI_PATH, args);
	assert_non_null(p = popen(cmd, "r"));
	*out = json_loadf(p, JSON_DISABLE_EOF_CHECK, &err);
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_cli(void **state)
{
	pouch_client *fa;
	json_t *o = NULL, *arr;
	char args[256];

	(void)state;
	fa = enrol("fa", "fa1");
	settle(fa);
	pouch_client_free(fa);
	snprintf(args, sizeof(args), "kt audit fa -d %s/fa1 --json", root);
	assert_int_equal(cli_json(args, &o), 0);
	assert_non_null(o);
	assert_true(json_is_true(json_object_get(o, "ok")));
	arr = json_object_get(o, "events");
	assert_true(json_array_size(arr) >= 3);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(arr, json_array_size(arr) - 1), "event")),
	    "device_added");
	json_decref(o);
	snprintf(args, sizeof(args), "kt monitor -d %s/fa1 --json --from 0 "
	    "| tail -n 1", root);
	assert_int_equal(cli_json(args, &o), 0);
	assert_non_null(o);
	assert_true(json_is_true(json_object_get(o, "included")));
	json_decref(o);
	snprintf(args, sizeof(args), "kt audit fa -d %s/fa1 >/dev/null",
	    root);
	assert_int_equal(cli_json(args, &o), 0);
	snprintf(args, sizeof(args), "kt frobnicate -d %s/fa1 2>/dev/null",
	    root);
	assert_int_equal(cli_json(args, &o), 2);
}

static int
setup(void **state)
{
	(void)state;
	return cfx_up(&srv, root, sizeof(root), "kt-audit", NULL);
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
		cmocka_unit_test(test_audit_and_revoke),
		cmocka_unit_test(test_revoke_route),
		cmocka_unit_test(test_monitor),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
