/*
 * test_kt_lies.c - clients against pouchd-liar (the pouchd sources built
 * with POUCHD_LIAR: src/pouchd/kt_log.c), whose key log routes tell the
 * lie $POUCHD_LIAR names, read when it starts.  Each scenario lets a
 * client verify the real log first, restarts the server lying, and
 * asserts the exact alert the client raises and that it adopts nothing
 * (its verified checkpoint stays, an audit refuses the served entries);
 * then the truth again, which the client takes without a new alert.
 *
 *   (a) rollback to an older tree          kt_rollback
 *   (b) a dropped leaf                     kt_fork
 *   (c) two leaves reordered               kt_fork
 *   (d) a leaf replaced, history re-signed kt_fork
 *   (e) a split view: Ann's requests see a forged device of Ben's that
 *       Ben's requests never see; once the real log has as many entries,
 *       each one's message carries its checkpoint and the receiver
 *       raises kt_split_view
 *
 * and what the log cannot do: a device that first sees the log while it
 * lies takes the lie as its baseline (until it sees the truth).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <pouch/client.h>
#include <pouch/err.h>

#include "client/client_fixture.h"
#include "e2e/e2e.h"

static struct server srv;
static char root[64];

static pouch_client *
enrol(const char *user, const char *name)
{
	pouch_client *cl = NULL;

	assert_int_equal(cfx_enrol(&srv, root, user, name, &cl), POUCH_OK);
	return cl;
}

/* Restart the server: lying as mode says, or truthful (NULL). */
static void
restart(const char *mode)
{
	if (mode != NULL)
		assert_int_equal(setenv("POUCHD_LIAR", mode, 1), 0);
	else
		assert_int_equal(unsetenv("POUCHD_LIAR"), 0);
	assert_int_equal(e2e_restart(&srv, SIGTERM), 0);
	assert_int_equal(unsetenv("POUCHD_LIAR"), 0);
}

/* Time for a checkpoint over the newest events (kt_interval is 1 s),
 * then a sync. */
static void
settle(pouch_client *cl)
{
	sleep(2);
	assert_int_equal(pouch_client_sync(cl, 0, NULL), POUCH_OK);
}

/* Alerts of kind (NULL: any), acknowledged ones too. */
static size_t
alerts(pouch_client *cl, const char *kind)
{
	struct pouch_client_alert *a = NULL;
	size_t n = 0, i, k = 0;

	assert_int_equal(pouch_client_alerts(cl, 1, &a, &n), POUCH_OK);
	for (i = 0; i < n; i++)
		if (kind == NULL || strcmp(a[i].kind, kind) == 0)
			k++;
	pouch_client_alert_free(a, n);
	return k;
}

/* New leaves in the real log: a user and two codes (three entries). */
static void
grow(const char *user)
{
	char *code = NULL;

	assert_int_equal(cfx_code(&srv, user, &code), POUCH_OK);
	free(code);
	assert_int_equal(cfx_code(&srv, user, &code), POUCH_OK);
	free(code);
}

/*
 * One of (a)-(d): user's device verifies the log, three more entries
 * come, the server restarts lying; the device must raise kind and keep
 * its checkpoint.
 */
static void
lie_once(const char *user, const char *mode, const char *kind)
{
	struct pouch_client_kt_event *ev = NULL;
	uint8_t r0[32], r1[32];
	uint64_t s0, s1, ts;
	pouch_client *cl;
	size_t n = 0, before;
	char other[64];

	cl = enrol(user, user);
	settle(cl);
	assert_int_equal(pouch_client_kt_checkpoint(cl, &s0, r0), POUCH_OK);
	assert_true(s0 >= 3);
	before = alerts(cl, NULL);
	assert_int_equal(alerts(cl, kind), 0);
	snprintf(other, sizeof(other), "%s-x", user);
	grow(other);

	restart(mode);
	assert_int_equal(pouch_client_sync(cl, 0, NULL), POUCH_OK);
	/* that alert (once per look at the log), and no other */
	assert_true(alerts(cl, kind) >= 1);
	assert_int_equal(alerts(cl, NULL), before + alerts(cl, kind));
	/* nothing adopted: the checkpoint is the one verified before */
	assert_int_equal(pouch_client_kt_checkpoint(cl, &s1, r1), POUCH_OK);
	assert_int_equal(s1, s0);
	assert_memory_equal(r1, r0, 32);
	/* and the served entries do not make the verified log */
	assert_int_not_equal(pouch_client_kt_audit(cl, user, &ts, &ev, &n),
	    POUCH_OK);
	assert_null(ev);
	assert_int_equal(alerts(cl, NULL), before + alerts(cl, kind));
	before = alerts(cl, NULL);

	/* the truth again: adopted, no new alert */
	restart(NULL);
	assert_int_equal(pouch_client_sync(cl, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_kt_checkpoint(cl, &s1, r1), POUCH_OK);
	assert_true(s1 >= s0 + 3);
	assert_int_equal(alerts(cl, NULL), before);
	assert_int_equal(pouch_client_kt_audit(cl, user, &ts, &ev, &n),
	    POUCH_OK);
	assert_int_equal(ts, s1);
	assert_true(n >= 3);
	pouch_client_kt_events_free(ev, n);
	pouch_client_free(cl);
}

static void
test_rollback(void **state)
{
	(void)state;
	lie_once("amy", "rollback:5", "kt_rollback");
}

static void
test_dropped_leaf(void **state)
{
	(void)state;
	lie_once("bea", "drop:1", "kt_fork");
}

static void
test_reordered_leaves(void **state)
{
	(void)state;
	lie_once("cid", "reorder:1", "kt_fork");
}

static void
test_replaced_leaf(void **state)
{
	(void)state;
	lie_once("dot", "replace:1", "kt_fork");
}

/*
 * What KT cannot do (docs/THREAT-MODEL.md): a device that first looks at
 * the log while the server shows a rewritten history takes it as its
 * baseline and raises nothing; it sees the lie only once it is shown
 * the other history, which does not extend the one it verified.
 */
static void
test_fresh_client_baseline(void **state)
{
	pouch_client *cl;
	uint8_t r[32];
	uint64_t s;

	(void)state;
	restart("replace:1");
	cl = enrol("eli", "eli1");
	settle(cl);
	assert_int_equal(alerts(cl, NULL), 0);
	assert_int_equal(pouch_client_kt_checkpoint(cl, &s, r), POUCH_OK);
	assert_true(s > 0);
	restart(NULL);
	assert_int_equal(pouch_client_sync(cl, 0, NULL), POUCH_OK);
	assert_true(alerts(cl, "kt_fork") >= 1);
	pouch_client_free(cl);
}

static void
send_to(pouch_client *cl, const char *to, const char *body)
{
	assert_int_equal(cfx_send(cl, 0, to, "split", body, NULL), POUCH_OK);
}

/* The forged "device added" for ben that ann's view shows: 1 if ann's
 * audit of ben lists a device ben's own audit does not. */
static int
forged_device_seen(pouch_client *ann, pouch_client *ben)
{
	struct pouch_client_kt_event *a = NULL, *b = NULL;
	size_t na = 0, nb = 0, i, j, extra = 0;
	uint64_t ts;

	assert_int_equal(pouch_client_kt_audit(ann, "ben", &ts, &a, &na),
	    POUCH_OK);
	assert_int_equal(pouch_client_kt_audit(ben, "ben", &ts, &b, &nb),
	    POUCH_OK);
	for (i = 0; i < na; i++) {
		if (strcmp(a[i].event, "device_added") != 0)
			continue;
		for (j = 0; j < nb; j++)
			if (strcmp(a[i].key_fp, b[j].key_fp) == 0)
				break;
		if (j == nb) {
			/* a device under an account key ben never had */
			assert_string_equal(a[i].sig, "other_account_key");
			extra++;
		}
	}
	pouch_client_kt_events_free(a, na);
	pouch_client_kt_events_free(b, nb);
	return extra == 1;
}

static void
test_split_view(void **state)
{
	struct pouch_client_kt_event *ev = NULL;
	pouch_client *ann, *ben;
	uint8_t ra[32], rb[32];
	uint64_t sa, sb, next;
	size_t n = 0;
	char *code = NULL;
	int i;

	(void)state;
	ann = enrol("ann", "ann1");
	ben = enrol("ben", "ben1");
	send_to(ann, "ben", "hello before the lie");
	settle(ben);
	settle(ann);
	assert_int_equal(alerts(ann, NULL), 0);
	assert_int_equal(alerts(ben, NULL), 0);

	/* ann's requests now see one more entry: a device of ben's */
	restart("split:ann:ben");
	assert_int_equal(pouch_client_sync(ann, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_sync(ben, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_kt_checkpoint(ann, &sa, ra), POUCH_OK);
	assert_int_equal(pouch_client_kt_checkpoint(ben, &sb, rb), POUCH_OK);
	assert_int_equal(sa, sb + 1);
	/* ann cannot tell from the log alone, and ben does not see it */
	assert_int_equal(alerts(ann, NULL), 0);
	assert_int_equal(alerts(ben, NULL), 0);
	assert_true(forged_device_seen(ann, ben));

	/* one real entry: the two logs now have the same size */
	assert_int_equal(cfx_code(&srv, "ben", &code), POUCH_OK);
	free(code);
	for (i = 0; i < 10 && sb < sa; i++) {
		settle(ben);
		assert_int_equal(pouch_client_kt_checkpoint(ben, &sb, rb),
		    POUCH_OK);
	}
	assert_int_equal(sb, sa);
	assert_memory_not_equal(ra, rb, 32);

	/* ann's message carries her checkpoint; ben's log is another */
	send_to(ann, "ben", "my view of the log");
	assert_int_equal(pouch_client_sync(ben, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_sync(ben, 0, NULL), POUCH_OK);
	assert_true(alerts(ben, "kt_split_view") >= 1);
	/* ben adopted nothing of ann's view */
	assert_int_equal(pouch_client_kt_checkpoint(ben, &sb, ra), POUCH_OK);
	assert_memory_equal(ra, rb, 32);
	/* and the other way round */
	send_to(ben, "ann", "mine");
	assert_int_equal(pouch_client_sync(ann, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_sync(ann, 0, NULL), POUCH_OK);
	assert_true(alerts(ann, "kt_split_view") >= 1);

	/* a monitor of ben's log never shows the forged device */
	assert_int_equal(pouch_client_kt_monitor(ben, 0, &next, &ev, &n),
	    POUCH_OK);
	assert_int_equal(next, sb);
	assert_int_equal(n, sb);
	pouch_client_kt_events_free(ev, n);
	restart(NULL);
	pouch_client_free(ann);
	pouch_client_free(ben);
}

/* Start the liar build truthful, its port pinned so restarts keep it. */
static int
setup(void **state)
{
	char cmd[512];

	(void)state;
	unsetenv("POUCHD_LIAR");
	snprintf(root, sizeof(root), "/tmp/pouch-kt-lies-XXXXXX");
	if (mkdtemp(root) == NULL || e2e_start(&srv, NULL) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "sed -i 's/^port = 0$/port = %d/' '%s'",
	    srv.port, srv.conf);
	if (system(cmd) != 0 || e2e_restart(&srv, SIGTERM) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return cfx_stop(&srv, root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_dropped_leaf),
		cmocka_unit_test(test_reordered_leaves),
		cmocka_unit_test(test_replaced_leaf),
		cmocka_unit_test(test_fresh_client_baseline),
		cmocka_unit_test(test_split_view),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
