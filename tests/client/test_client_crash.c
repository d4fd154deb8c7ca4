/*
 * test_client_crash.c - SIGKILL of a client at random points while it
 * syncs from a real pouchd: whatever instant the process dies, the store
 * recovers, and once a sync completes every message is there exactly
 * once (nothing lost, nothing shown twice), in the sender's order.  Then
 * the same for the sender: killed while sending, its outbox delivers
 * each message once.
 */
#include <sys/types.h>
#include <sys/wait.h>

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

#include "crypto/crypto.h"
#include "client/client_fixture.h"
#include "e2e/e2e.h"

#define NMSG	150
#define KILLS	12

static struct server srv;
static char root[64];

/* A device of user in root/user. */
static pouch_client *
enrol(const char *user)
{
	pouch_client *cl = NULL;

	assert_int_equal(cfx_enrol(&srv, root, user, user, &cl), POUCH_OK);
	return cl;
}

static pouch_client *
reopen(const char *user)
{
	pouch_client *cl = NULL;

	assert_int_equal(cfx_open(root, user, &cl), POUCH_OK);
	return cl;
}

/* Every incoming message of user is "m<i>" for i = 0..n-1, once each,
 * in order. */
static void
check_all(const char *user, int n)
{
	struct pouch_client_msg *v = NULL;
	pouch_client *cl = reopen(user);
	size_t nv = 0, i;
	int k = 0;
	char want[16];

	assert_int_equal(pouch_client_sync(cl, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_list(cl, 0, 0, 0, &v, &nv), POUCH_OK);
	for (i = 0; i < nv; i++) {
		if (v[i].outgoing)
			continue;
		snprintf(want, sizeof(want), "m%d", k);
		assert_string_equal(v[i].subject, want);
		k++;
	}
	assert_int_equal(k, n);
	pouch_client_msg_free(v, nv);
	pouch_client_free(cl);
}

static unsigned int
below(unsigned int n)
{
	uint32_t r;

	assert_int_equal(pouch_random((uint8_t *)&r, sizeof(r)), POUCH_OK);
	return r % n;
}

/* Run fn(user) in a child and SIGKILL it after a random delay. */
static void
kill_during(void (*fn)(const char *, int), const char *user, int arg,
    unsigned int max_us)
{
	pid_t pid;
	int st;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fn(user, arg);
		_exit(0);
	}
	usleep((useconds_t)below(max_us));
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
}

static void
child_sync(const char *user, int unused)
{
	pouch_client *cl = NULL;

	(void)unused;
	if (cfx_open(root, user, &cl) != POUCH_OK)
		_exit(1);
	(void)pouch_client_sync(cl, 0, NULL);
	pouch_client_free(cl);
}

static void
child_send(const char *user, int from)
{
	struct pouch_client_send s;
	const char *to[1] = { "kim" };
	pouch_client *cl = NULL;
	char subj[16];
	int64_t id;
	int i;

	if (cfx_open(root, user, &cl) != POUCH_OK)
		_exit(1);
	for (i = from; i < NMSG; i++) {
		memset(&s, 0, sizeof(s));
		s.to = to;
		s.nto = 1;
		snprintf(subj, sizeof(subj), "m%d", i);
		s.subject = subj;
		s.body = "x";
		s.bodylen = 1;
		if (pouch_client_send(cl, &s, &id) != POUCH_OK)
			_exit(1);
	}
	pouch_client_free(cl);
	_exit(0);
}

static int
setup(void **state)
{
	(void)state;
	return cfx_start(&srv, root, sizeof(root), "client-crash");
}

static int
teardown(void **state)
{
	(void)state;
	return cfx_stop(&srv, root);
}

/* The receiver is killed while syncing. */
static void
test_kill_during_sync(void **state)
{
	struct pouch_client_send s;
	const char *to[1] = { "jon" };
	pouch_client *jo, *ja;
	char subj[16];
	int64_t id;
	int i;

	(void)state;
	ja = enrol("jan");
	jo = enrol("jon");
	pouch_client_free(jo);
	for (i = 0; i < NMSG; i++) {
		memset(&s, 0, sizeof(s));
		s.to = to;
		s.nto = 1;
		snprintf(subj, sizeof(subj), "m%d", i);
		s.subject = subj;
		s.body = "x";
		s.bodylen = 1;
		assert_int_equal(pouch_client_send(ja, &s, &id), POUCH_OK);
	}
	pouch_client_free(ja);
	for (i = 0; i < KILLS; i++)
		kill_during(child_sync, "jon", 0, 400000);
	check_all("jon", NMSG);
}

/* The sender is killed while sending; a restart finishes the job. */
static void
test_kill_during_send(void **state)
{
	struct pouch_client_msg *v = NULL;
	pouch_client *kl, *ki;
	size_t nv = 0, j;
	int i, sent;

	(void)state;
	kl = enrol("kal");
	ki = enrol("kim");
	pouch_client_free(ki);
	pouch_client_free(kl);
	for (i = 0; i < KILLS / 2; i++) {
		/* resume after the last message the sender stored */
		kl = reopen("kal");
		assert_int_equal(pouch_client_sync(kl, 0, NULL), POUCH_OK);
		assert_int_equal(pouch_client_list(kl, 0, 0, 0, &v, &nv),
		    POUCH_OK);
		sent = 0;
		for (j = 0; j < nv; j++)
			sent += v[j].outgoing;
		pouch_client_msg_free(v, nv);
		pouch_client_free(kl);
		kill_during(child_send, "kal", sent, 600000);
	}
	kl = reopen("kal");
	assert_int_equal(pouch_client_sync(kl, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_list(kl, 0, 0, 0, &v, &nv), POUCH_OK);
	sent = 0;
	for (j = 0; j < nv; j++)
		sent += v[j].outgoing;
	pouch_client_msg_free(v, nv);
	pouch_client_free(kl);
	if (sent < NMSG) {
		pid_t pid = fork();
		int st;

		assert_true(pid >= 0);
		if (pid == 0)
			child_send("kal", sent);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* the sender's sync flushes any outbox the kills left */
	kl = reopen("kal");
	assert_int_equal(pouch_client_sync(kl, 0, NULL), POUCH_OK);
	pouch_client_free(kl);
	check_all("kim", NMSG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_during_sync),
		cmocka_unit_test(test_kill_during_send),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
