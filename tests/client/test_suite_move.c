/*
 * test_suite_move.c - a deployment following the hybrid suite's IANA
 * code point (issue #6's configuration alias), end to end on a real
 * pouchd started with mls_suite_alias: devices that know the alias
 * publish KeyPackages under both code points; one that creates under
 * the alias makes conversations in it that the others join and talk
 * in; a device not publishing under the alias is left out with an
 * alert; conversations made under 0xF001 go on, members are still
 * added to them under 0xF001; the setting survives a reopen.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pouch/client.h>
#include <pouch/err.h>

#include "crypto/crypto.h"
#include "client/client_fixture.h"
#include "e2e/e2e.h"

#define ALIAS	0x0008		/* a stand-in for the IANA value */
#define HYBRID	0xF001

static struct server srv;
static char root[64];

static pouch_client *
enrol(const char *user, const char *name)
{
	pouch_client *cl = NULL;

	assert_int_equal(cfx_enrol(&srv, root, user, name, &cl), POUCH_OK);
	return cl;
}

static void
say(pouch_client *cl, int64_t conv, const char *text)
{
	struct pouch_client_send s;
	int64_t id = 0;

	memset(&s, 0, sizeof(s));
	s.conv = conv;
	s.subject = text;
	s.body = text;
	s.bodylen = strlen(text);
	assert_int_equal(pouch_client_send(cl, &s, &id), POUCH_OK);
	assert_true(id > 0);
}

/* cl syncs and its newest incoming message has subject text. */
static void
heard(pouch_client *cl, const char *text)
{
	struct pouch_client_msg *v = NULL;
	size_t n = 0, i, nnew = 0;
	int found = 0;

	assert_int_equal(pouch_client_sync(cl, 0, &nnew), POUCH_OK);
	assert_true(nnew >= 1);
	assert_int_equal(pouch_client_list(cl, 0, 0, 0, &v, &n), POUCH_OK);
	for (i = 0; i < n; i++)
		if (!v[i].outgoing && v[i].subject != NULL &&
		    strcmp(v[i].subject, text) == 0)
			found = 1;
	pouch_client_msg_free(v, n);
	assert_true(found);
}

/* The code point of cl's conversation conv (0 when cl lacks it). */
static uint16_t
suite_of(pouch_client *cl, int64_t conv)
{
	struct pouch_client_conv *v = NULL;
	size_t n = 0, i;
	uint16_t s = 0;

	assert_int_equal(pouch_client_conversations(cl, &v, &n), POUCH_OK);
	for (i = 0; i < n; i++)
		if (v[i].id == conv)
			s = v[i].cipher_suite;
	pouch_client_conv_free(v, n);
	return s;
}

/* cl's conversation titled t (0: none). */
static int64_t
titled(pouch_client *cl, const char *t)
{
	struct pouch_client_conv *v = NULL;
	size_t n = 0, i;
	int64_t id = 0;

	assert_int_equal(pouch_client_conversations(cl, &v, &n), POUCH_OK);
	for (i = 0; i < n; i++)
		if (strcmp(v[i].title, t) == 0)
			id = v[i].id;
	pouch_client_conv_free(v, n);
	return id;
}

static int
setup(void **state)
{
	(void)state;
	return cfx_up(&srv, root, sizeof(root), "suite",
	    "mls_suite_alias = 0x0008\n");
}

static int
teardown(void **state)
{
	(void)state;
	return cfx_down(&srv, root);
}

static void
test_move(void **state)
{
	pouch_client *ann, *ben, *cal;
	const char *b[1] = { "ben" }, *c[1] = { "cal" };
	int64_t old, neu, id;

	(void)state;
	ann = enrol("ann", "ann1");
	ben = enrol("ben", "ben1");
	cal = enrol("cal", "cal1");

	/* bad settings */
	assert_int_equal(pouch_client_set_suite_alias(ann, 1, 0),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_client_set_suite_alias(ann, HYBRID, 0),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_client_set_suite_alias(ann, 0x1a1a, 0),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_client_set_suite_alias(ann, 0, 1),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_client_suite(ann), HYBRID);

	/* before: a conversation under 0xF001 */
	assert_int_equal(pouch_client_conv_create(ann, "old", b, 1, &old),
	    POUCH_OK);
	assert_int_equal(suite_of(ann, old), HYBRID);
	say(ann, old, "old one");
	heard(ben, "old one");

	/* phase 1: ann and ben know the alias and publish under both */
	assert_int_equal(pouch_client_set_suite_alias(ann, ALIAS, 0),
	    POUCH_OK);
	assert_int_equal(pouch_client_set_suite_alias(ben, ALIAS, 0),
	    POUCH_OK);
	assert_int_equal(pouch_client_suite(ben), HYBRID);
	assert_int_equal(pouch_client_sync(ben, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_sync(ann, 0, NULL), POUCH_OK);

	/* phase 2: ann creates under the alias; ben joins and answers */
	assert_int_equal(pouch_client_set_suite_alias(ann, ALIAS, 1),
	    POUCH_OK);
	assert_int_equal(pouch_client_suite(ann), ALIAS);
	assert_int_equal(pouch_client_conv_create(ann, "new", b, 1, &neu),
	    POUCH_OK);
	assert_int_equal(suite_of(ann, neu), ALIAS);
	say(ann, neu, "new one");
	heard(ben, "new one");
	id = titled(ben, "new");
	assert_true(id > 0);
	assert_int_equal(suite_of(ben, id), ALIAS);
	say(ben, id, "answer");
	heard(ann, "answer");

	/* cal publishes under 0xF001 only: left out of an alias one */
	assert_int_equal(pouch_client_conv_create(ann, "cal", c, 1, &id),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(cfx_has_alert(ann, "device_left_out"), 1);
	/* but the old conversation adds cal under 0xF001 */
	assert_int_equal(pouch_client_conv_add(ann, old, c, 1), POUCH_OK);
	say(ann, old, "with cal");
	heard(cal, "with cal");
	id = titled(cal, "old");
	assert_true(id > 0);
	assert_int_equal(suite_of(cal, id), HYBRID);
	heard(ben, "with cal");

	/* kept in the store */
	pouch_client_free(ann);
	assert_int_equal(cfx_open(root, "ann1", &ann), POUCH_OK);
	assert_int_equal(pouch_client_suite(ann), ALIAS);
	say(ann, neu, "after reopen");
	heard(ben, "after reopen");
	/* an alias the server does not know: syncs go on, with an alert;
	 * a conversation under it is refused by the server */
	assert_int_equal(pouch_client_set_suite_alias(ann, 0x0009, 1),
	    POUCH_OK);
	assert_int_equal(cfx_has_alert(ann, "suite_alias_unknown"), 0);
	assert_int_equal(pouch_client_sync(ann, 0, NULL), POUCH_OK);
	assert_int_equal(cfx_has_alert(ann, "suite_alias_unknown"), 1);
	assert_int_equal(pouch_client_conv_create(ann, "nine", b, 1, &id),
	    POUCH_E_UNSUPPORTED);
	/* off again: new ones under 0xF001, alias ones still work */
	assert_int_equal(pouch_client_set_suite_alias(ann, 0, 0), POUCH_OK);
	assert_int_equal(pouch_client_suite(ann), HYBRID);
	say(ann, neu, "alias off");
	heard(ben, "alias off");
	pouch_client_free(ann);
	pouch_client_free(ben);
	pouch_client_free(cal);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
