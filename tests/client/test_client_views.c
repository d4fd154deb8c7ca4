/*
 * test_client_views.c - members compare what the server showed them
 * (src/client/aad.c, the member checks of src/client/kt.c), against a
 * real pouchd that is made to lie by restoring an old copy of its data
 * directory: the server then gives two members two histories.
 *
 *   - a forked conversation: Alice commits an update the server later
 *     "forgets", Bob commits another one for the same epoch; Alice gets
 *     Bob's message of "her" epoch number and must raise conv_fork;
 *   - a split view of the key log: Alice saw entries the server then
 *     replaced with others of the same count; Bob, who saw only the
 *     others, gets Alice's message carrying her checkpoint and must
 *     raise kt_split_view;
 *   - a key log the server keeps a member from seeing: kt_stale;
 *   - a conversation the server rolled back: a commit meets a 409 naming
 *     an epoch below ours, conv_rollback;
 *   - and, first, the honest case: a member whose log is behind the
 *     receiver's raises nothing.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <pouch/client.h>
#include <pouch/err.h>

#include "client/client_fixture.h"
#include "e2e/e2e.h"

static struct server srv;
static char root[64];

/* Start pouchd, then pin its port in the config so restarts keep it
 * (the clients keep the URL). */
static void
server_up(void)
{
	char cmd[512];

	assert_int_equal(e2e_start(&srv, NULL), 0);
	snprintf(cmd, sizeof(cmd), "sed -i 's/^port = 0$/port = %d/' '%s'",
	    srv.port, srv.conf);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(e2e_restart(&srv, SIGTERM), 0);
}

static void
server_halt(void)
{
	int st;

	assert_true(srv.pid > 0);
	kill(srv.pid, SIGTERM);
	assert_int_equal(waitpid(srv.pid, &st, 0), srv.pid);
	srv.pid = 0;
}

static void
snapshot(void)
{
	char cmd[256];

	server_halt();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s.snap' && cp -a '%s' '%s.snap'",
	    srv.dir, srv.dir, srv.dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(e2e_restart(&srv, SIGTERM), 0);
}

/* The lie: the data directory as it was at the snapshot. */
static void
restore(void)
{
	char cmd[384];

	server_halt();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -a '%s.snap' '%s' && "
	    "rm -rf '%s.snap'", srv.dir, srv.dir, srv.dir, srv.dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(e2e_restart(&srv, SIGTERM), 0);
}

static pouch_client *
enrol(const char *user, const char *name)
{
	pouch_client *cl = NULL;

	assert_int_equal(cfx_enrol(&srv, root, user, name, &cl), POUCH_OK);
	return cl;
}

/* New entries in the key log (a user and an enrolment code), and time
 * for a checkpoint to cover them (kt_interval is 1 s). */
static void
log_events(const char *user)
{
	char *code = NULL;

	assert_int_equal(cfx_code(&srv, user, &code), POUCH_OK);
	free(code);
	sleep(3);
}

static void
send_to(pouch_client *cl, int64_t conv, const char *to, const char *body)
{
	struct pouch_client_send s;
	const char *tov[1] = { to };
	int64_t id = 0;

	memset(&s, 0, sizeof(s));
	s.conv = conv;
	s.to = conv == 0 ? tov : NULL;
	s.nto = conv == 0 ? 1 : 0;
	s.subject = "views";
	s.body = body;
	s.bodylen = strlen(body);
	assert_int_equal(pouch_client_send(cl, &s, &id), POUCH_OK);
}

static void
sync_once(pouch_client *cl)
{
	size_t n = 0;

	assert_int_equal(pouch_client_sync(cl, 0, &n), POUCH_OK);
}

/* How many unacknowledged alerts of kind (or of any kind: NULL). */
static size_t
alerts(pouch_client *cl, const char *kind)
{
	struct pouch_client_alert *a = NULL;
	size_t n = 0, i, k = 0;

	assert_int_equal(pouch_client_alerts(cl, 0, &a, &n), POUCH_OK);
	for (i = 0; i < n; i++) {
		if (kind == NULL || strcmp(a[i].kind, kind) == 0)
			k++;
		if (kind == NULL)
			print_message("alert %s: %s\n", a[i].kind, a[i].text);
	}
	pouch_client_alert_free(a, n);
	return k;
}

/* Is there a message with body among cl's? */
static int
has_body(pouch_client *cl, const char *body)
{
	struct pouch_client_msg *m = NULL, *one = NULL;
	size_t n = 0, i;
	int found = 0;

	assert_int_equal(pouch_client_list(cl, 0, 0, 0, &m, &n), POUCH_OK);
	for (i = 0; i < n && !found; i++) {
		assert_int_equal(pouch_client_read(cl, m[i].id, &one),
		    POUCH_OK);
		found = one->bodylen >= strlen(body) &&
		    strstr(one->body, body) != NULL;
		pouch_client_msg_free(one, 1);
	}
	pouch_client_msg_free(m, n);
	return found;
}

static int64_t
first_conv(pouch_client *cl)
{
	struct pouch_client_conv *v = NULL;
	size_t n = 0;
	int64_t id;

	assert_int_equal(pouch_client_conversations(cl, &v, &n), POUCH_OK);
	assert_true(n >= 1);
	id = v[0].id;
	pouch_client_conv_free(v, n);
	return id;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/pouch-views-XXXXXX");
	assert_non_null(mkdtemp(root));
	server_up();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return cfx_stop(&srv, root);
}

/*
 * Honest server: a member whose log is behind the receiver's is checked
 * with a consistency proof and raises nothing.  Then the split view:
 * both logs of one size, different roots.
 */
static void
test_key_log_views(void **state)
{
	pouch_client *a, *b;
	int64_t ca;

	(void)state;
	a = enrol("alice", "alice-1");
	b = enrol("bob", "bob-1");
	sync_once(a);
	sync_once(b);
	send_to(a, 0, "bob", "first words");
	sync_once(b);
	assert_true(has_body(b, "first words"));
	ca = first_conv(a);

	/* Alice's view is older than Bob's: a consistency proof */
	log_events("carol");
	send_to(a, ca, NULL, "alice behind");
	sync_once(b);
	assert_true(has_body(b, "alice behind"));
	sync_once(a);
	assert_int_equal(alerts(a, NULL), 0);
	assert_int_equal(alerts(b, NULL), 0);

	/* the lie: Alice sees two entries the server then replaces by two
	 * others; Bob sees only those */
	snapshot();
	log_events("mallory");
	sync_once(a);
	restore();
	log_events("trent");
	sync_once(b);
	assert_int_equal(alerts(b, "kt_split_view"), 0);
	send_to(a, ca, NULL, "carries the other log");
	sync_once(b);
	assert_int_equal(alerts(b, "kt_split_view"), 1);
	pouch_client_free(a);
	pouch_client_free(b);
}

/*
 * A server that withholds: Alice saw entries the server then drops; Bob
 * cannot prove her view part of his and, after the grace period, alerts.
 */
static void
test_key_log_withheld(void **state)
{
	pouch_client *a, *b;
	int64_t ca;

	(void)state;
	a = enrol("grace", "grace-1");
	b = enrol("heidi", "heidi-1");
	sync_once(a);
	sync_once(b);
	send_to(a, 0, "heidi", "hello");
	sync_once(b);
	ca = first_conv(a);
	snapshot();
	log_events("ivan");
	sync_once(a);
	restore();
	send_to(a, ca, NULL, "from a longer log");
	sync_once(b);
	assert_true(has_body(b, "from a longer log"));
	assert_int_equal(alerts(b, "kt_stale"), 0);
	pouch_client_set_time(b, (int64_t)time(NULL) + 400);
	sync_once(b);
	assert_int_equal(alerts(b, "kt_stale"), 1);
	pouch_client_free(a);
	pouch_client_free(b);
}

/* A forked conversation: two commits for one epoch, one per member. */
static void
test_forked_conversation(void **state)
{
	pouch_client *a, *b;
	int64_t ca, cb;

	(void)state;
	a = enrol("erin", "erin-1");
	b = enrol("frank", "frank-1");
	sync_once(a);
	sync_once(b);
	send_to(a, 0, "frank", "before the fork");
	sync_once(b);
	sync_once(a);
	ca = first_conv(a);
	cb = first_conv(b);
	snapshot();
	assert_int_equal(pouch_client_conv_update(a, ca), POUCH_OK);
	send_to(a, ca, NULL, "on branch one");
	/* The server forgets Erin's commit.  (Her cursor is past the ones
	 * the old copy gave out: pouchd raises its sequences at start, or
	 * what follows would never reach her.) */
	restore();
	assert_int_equal(pouch_client_conv_update(b, cb), POUCH_OK);
	send_to(b, cb, NULL, "on branch two");
	assert_int_equal(alerts(a, "conv_fork"), 0);
	sync_once(a);
	assert_int_equal(alerts(a, "conv_fork"), 1);
	assert_false(has_body(a, "on branch two"));
	/* nothing of the fork reached Frank as a message */
	assert_false(has_body(b, "on branch one"));
	pouch_client_free(a);
	pouch_client_free(b);
}

/* The server restored from an old copy: a commit meets a 409 with an
 * epoch below ours. */
static void
test_conversation_rollback(void **state)
{
	pouch_client *a, *b;
	int64_t ca;

	(void)state;
	a = enrol("judy", "judy-1");
	b = enrol("ken", "ken-1");
	sync_once(a);
	sync_once(b);
	send_to(a, 0, "ken", "before");
	sync_once(b);
	sync_once(a);
	ca = first_conv(a);
	snapshot();
	assert_int_equal(pouch_client_conv_update(a, ca), POUCH_OK);
	restore();
	assert_int_equal(alerts(a, "conv_rollback"), 0);
	assert_int_equal(pouch_client_conv_update(a, ca), POUCH_E_CONFLICT);
	assert_int_equal(alerts(a, "conv_rollback"), 1);
	pouch_client_free(a);
	pouch_client_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_log_views),
		cmocka_unit_test(test_key_log_withheld),
		cmocka_unit_test(test_forked_conversation),
		cmocka_unit_test(test_conversation_rollback),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
