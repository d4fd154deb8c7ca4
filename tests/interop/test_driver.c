/*
 * test_driver.c - pouch-mls-driver (src/tools/mls-driver): a scripted
 * session of two Pouch members through the request layer (create, add,
 * join, messages both ways, an update commit, a pending commit discarded,
 * a removal), malformed requests answered with typed errors while the
 * driver goes on, and the program itself over pipes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include <pouch/err.h>

#include "tools/mls-driver/driver.h"

/* Send one request (a JSON value, stolen) and parse the answer. */
static json_t *
ask(struct drv *d, json_t *req)
{
	json_error_t e;
	json_t *ans;
	char *line, *a = NULL;

	assert_non_null(req);
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	assert_non_null(line);
	assert_int_equal(pouch_drv_handle(d, line, strlen(line), &a),
	    POUCH_OK);
	free(line);
	assert_non_null(a);
	/* one line, no newline inside */
	assert_null(strchr(a, '\n'));
	ans = json_loads(a, 0, &e);
	free(a);
	assert_non_null(ans);
	return ans;
}

static json_t *
ask_raw(struct drv *d, const char *line)
{
	json_error_t e;
	json_t *ans;
	char *a = NULL;

	assert_int_equal(pouch_drv_handle(d, line, strlen(line), &a),
	    POUCH_OK);
	assert_non_null(a);
	ans = json_loads(a, 0, &e);
	free(a);
	assert_non_null(ans);
	return ans;
}

static void
expect_ok(json_t *ans, json_int_t id)
{
	if (!json_is_true(json_object_get(ans, "ok")))
		fail_msg("request %lld failed: %s %s", (long long)id,
		    json_string_value(json_object_get(ans, "error")),
		    json_string_value(json_object_get(ans, "message")));
	assert_int_equal(json_integer_value(json_object_get(ans, "id")), id);
}

static void
expect_err(json_t *ans, const char *name)
{
	assert_true(json_is_false(json_object_get(ans, "ok")));
	assert_string_equal(json_string_value(json_object_get(ans, "error")),
	    name);
	assert_non_null(json_string_value(json_object_get(ans, "message")));
	json_decref(ans);
}

static char *
field(json_t *ans, const char *key)
{
	const char *s = json_string_value(json_object_get(ans, key));

	assert_non_null(s);
	return strdup(s);
}

static json_int_t
ifield(json_t *ans, const char *key)
{
	json_t *v = json_object_get(ans, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static json_int_t
new_member(struct drv *d, json_int_t id, const char *hexname)
{
	json_t *a;
	json_int_t h;

	a = ask(d, json_pack("{sIsssIss}", "id", id, "op", "create_member",
	    "suite", (json_int_t)1, "identity", hexname));
	expect_ok(a, id);
	h = ifield(a, "member");
	json_decref(a);
	return h;
}

static char *
authenticator(struct drv *d, json_int_t m)
{
	json_t *a;
	char *s;

	a = ask(d, json_pack("{sisssI}", "id", 0, "op",
	    "epoch_authenticator", "member", m));
	expect_ok(a, 0);
	s = field(a, "epoch_authenticator");
	json_decref(a);
	return s;
}

static json_int_t
epoch(struct drv *d, json_int_t m)
{
	json_t *a;
	json_int_t e;

	a = ask(d, json_pack("{sisssI}", "id", 0, "op", "epoch", "member",
	    m));
	expect_ok(a, 0);
	e = ifield(a, "epoch");
	json_decref(a);
	return e;
}

static void
assert_agree(struct drv *d, json_int_t m1, json_int_t m2, json_int_t ep)
{
	char *a1, *a2;

	assert_int_equal(epoch(d, m1), ep);
	assert_int_equal(epoch(d, m2), ep);
	a1 = authenticator(d, m1);
	a2 = authenticator(d, m2);
	assert_int_equal(strlen(a1), 64);	/* suite 1: SHA-256 */
	assert_string_equal(a1, a2);
	free(a1);
	free(a2);
}

/* from encrypts pt (hex); to must read it from leaf sender. */
static void
say(struct drv *d, json_int_t from, json_int_t to, const char *pt,
    json_int_t sender)
{
	json_t *a;
	char *msg;

	a = ask(d, json_pack("{sisssIssss}", "id", 20, "op", "encrypt",
	    "member", from, "plaintext", pt, "aad", "0102"));
	expect_ok(a, 20);
	msg = field(a, "message");
	json_decref(a);
	a = ask(d, json_pack("{sisssIss}", "id", 21, "op", "receive",
	    "member", to, "message", msg));
	expect_ok(a, 21);
	assert_string_equal(json_string_value(json_object_get(a, "kind")),
	    "application");
	assert_string_equal(json_string_value(json_object_get(a,
	    "plaintext")), pt);
	assert_int_equal(ifield(a, "sender"), sender);
	json_decref(a);
	/* the same message again is a replay */
	expect_err(ask(d, json_pack("{sisssIss}", "id", 22, "op", "receive",
	    "member", to, "message", msg)), "POUCH_E_REPLAY");
	free(msg);
}

static void
test_two_members(void **state)
{
	struct drv *d = NULL;
	json_t *a, *s;
	json_int_t al, bo;
	char *kp, *commit, *welcome, *bad;
	size_t i;
	int found = 0;

	(void)state;
	assert_int_equal(pouch_drv_new(&d), POUCH_OK);

	a = ask(d, json_pack("{siss}", "id", 1, "op", "supported_suites"));
	expect_ok(a, 1);
	s = json_object_get(a, "suites");
	assert_true(json_is_array(s));
	for (i = 0; i < json_array_size(s); i++)
		if (json_integer_value(json_array_get(s, i)) == 1)
			found = 1;
	assert_true(found);
	json_decref(a);

	al = new_member(d, 2, "616c696365");
	bo = new_member(d, 3, "626f62");
	assert_true(al != bo);

	a = ask(d, json_pack("{sisssI}", "id", 4, "op", "key_package",
	    "member", bo));
	expect_ok(a, 4);
	kp = field(a, "key_package");
	json_decref(a);
	/* MLSMessage(KeyPackage): mls10, wire format 5 */
	assert_memory_equal(kp, "00010005", 8);

	a = ask(d, json_pack("{sisssIss}", "id", 5, "op", "create_group",
	    "member", al, "group_id", "706f756368"));
	expect_ok(a, 5);
	json_decref(a);
	assert_int_equal(epoch(d, al), 0);

	a = ask(d, json_pack("{sisssIs[s]}", "id", 6, "op", "add_members",
	    "member", al, "key_packages", kp));
	expect_ok(a, 6);
	commit = field(a, "commit");
	welcome = field(a, "welcome");
	json_decref(a);
	assert_memory_equal(commit, "00010001", 8);	/* PublicMessage */
	assert_memory_equal(welcome, "00010003", 8);	/* Welcome */

	/* a tampered Welcome is rejected and bob stays groupless */
	bad = strdup(welcome);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
	a = ask(d, json_pack("{sisssIss}", "id", 7, "op", "join", "member",
	    bo, "welcome", bad));
	assert_true(json_is_false(json_object_get(a, "ok")));
	json_decref(a);
	free(bad);
	expect_err(ask(d, json_pack("{sisssI}", "id", 8, "op", "epoch",
	    "member", bo)), "POUCH_E_STATE");

	a = ask(d, json_pack("{sisssIss}", "id", 9, "op", "join", "member",
	    bo, "welcome", welcome));
	expect_ok(a, 9);
	assert_int_equal(ifield(a, "epoch"), 1);
	json_decref(a);
	assert_agree(d, al, bo, 1);

	say(d, al, bo, "68656c6c6f20626f62", 0);
	say(d, bo, al, "68692c20616c696365", 1);
	say(d, bo, al, "", 1);

	/* bob updates; alice follows */
	free(commit);
	a = ask(d, json_pack("{sisssI}", "id", 10, "op", "commit_update",
	    "member", bo));
	expect_ok(a, 10);
	commit = field(a, "commit");
	assert_null(json_object_get(a, "welcome"));
	json_decref(a);
	/* a tampered commit changes nothing */
	bad = strdup(commit);
	bad[40] = bad[40] == 'f' ? '0' : 'f';
	a = ask(d, json_pack("{sisssIss}", "id", 11, "op", "receive",
	    "member", al, "message", bad));
	assert_true(json_is_false(json_object_get(a, "ok")));
	json_decref(a);
	free(bad);
	assert_int_equal(epoch(d, al), 1);
	a = ask(d, json_pack("{sisssIss}", "id", 12, "op", "receive",
	    "member", al, "message", commit));
	expect_ok(a, 12);
	assert_string_equal(json_string_value(json_object_get(a, "kind")),
	    "commit");
	assert_true(json_is_false(json_object_get(a, "removed")));
	json_decref(a);
	assert_agree(d, al, bo, 2);
	say(d, al, bo, "00ff", 0);

	/* a commit left pending, then discarded */
	a = ask(d, json_pack("{sisssIsb}", "id", 13, "op", "commit",
	    "member", al, "with_path", 1));
	expect_ok(a, 13);
	json_decref(a);
	a = ask(d, json_pack("{sisssI}", "id", 14, "op", "state", "member",
	    al));
	expect_ok(a, 14);
	assert_true(json_is_true(json_object_get(a, "pending")));
	assert_int_equal(ifield(a, "epoch"), 2);
	assert_int_equal(ifield(a, "members"), 2);
	assert_int_equal(ifield(a, "leaf_index"), 0);
	json_decref(a);
	/* a second commit while one is pending: STATE, first one kept */
	expect_err(ask(d, json_pack("{sisssI}", "id", 15, "op",
	    "commit_update", "member", al)), "POUCH_E_STATE");
	a = ask(d, json_pack("{sisssIss}", "id", 16, "op", "pending",
	    "member", al, "action", "discard"));
	expect_ok(a, 16);
	json_decref(a);
	expect_err(ask(d, json_pack("{sisssIss}", "id", 17, "op", "pending",
	    "member", al, "action", "confirm")), "POUCH_E_STATE");
	assert_agree(d, al, bo, 2);

	/* alice removes bob */
	free(commit);
	a = ask(d, json_pack("{sisssIsi}", "id", 18, "op", "remove",
	    "member", al, "leaf_index", 1));
	expect_ok(a, 18);
	commit = field(a, "commit");
	json_decref(a);
	a = ask(d, json_pack("{sisssIss}", "id", 19, "op", "receive",
	    "member", bo, "message", commit));
	expect_ok(a, 19);
	assert_true(json_is_true(json_object_get(a, "removed")));
	json_decref(a);
	assert_int_equal(epoch(d, al), 3);
	/* the removed member can no longer encrypt */
	expect_err(ask(d, json_pack("{sisssIss}", "id", 23, "op", "encrypt",
	    "member", bo, "plaintext", "00")), "POUCH_E_STATE");

	free(kp);
	free(commit);
	free(welcome);
	pouch_drv_free(d);
}

static char *
exported(struct drv *d, json_int_t m)
{
	json_t *a;
	char *s;

	a = ask(d, json_pack("{sisssIsssssi}", "id", 30, "op", "export",
	    "member", m, "label", "interop", "context", "0a0b", "length",
	    42));
	expect_ok(a, 30);
	s = field(a, "exported");
	json_decref(a);
	assert_int_equal(strlen(s), 84);
	return s;
}

static char *
take(struct drv *d, json_t *req, json_int_t id, const char *key)
{
	json_t *a;
	char *s;

	a = ask(d, req);
	expect_ok(a, id);
	s = field(a, key);
	json_decref(a);
	return s;
}

static void
receive_kind(struct drv *d, json_int_t m, const char *msg, const char *kind)
{
	json_t *a;

	a = ask(d, json_pack("{sisssIss}", "id", 31, "op", "receive",
	    "member", m, "message", msg));
	expect_ok(a, 31);
	assert_string_equal(json_string_value(json_object_get(a, "kind")),
	    kind);
	json_decref(a);
}

/* Proposals by reference, the exporter, a commit without path, an
 * external join. */
static void
test_proposals(void **state)
{
	struct drv *d = NULL;
	json_t *a;
	json_int_t al, bo, ca, da, ea;
	char *kp, *w, *c, *p, *e1, *e2;

	(void)state;
	assert_int_equal(pouch_drv_new(&d), POUCH_OK);
	al = new_member(d, 1, "616c");
	bo = new_member(d, 2, "626f");
	ca = new_member(d, 3, "6361");
	da = new_member(d, 4, "6461");
	kp = take(d, json_pack("{sisssI}", "id", 5, "op", "key_package",
	    "member", bo), 5, "key_package");
	a = ask(d, json_pack("{sisssIss}", "id", 6, "op", "create_group",
	    "member", al, "group_id", "70"));
	expect_ok(a, 6);
	json_decref(a);
	w = take(d, json_pack("{sisssIs[s]}", "id", 7, "op", "add_members",
	    "member", al, "key_packages", kp), 7, "welcome");
	free(kp);
	a = ask(d, json_pack("{sisssIss}", "id", 8, "op", "join", "member",
	    bo, "welcome", w));
	expect_ok(a, 8);
	json_decref(a);
	free(w);
	e1 = exported(d, al);
	e2 = exported(d, bo);
	assert_string_equal(e1, e2);
	free(e2);

	/* bob proposes carol; alice commits it by reference */
	kp = take(d, json_pack("{sisssI}", "id", 9, "op", "key_package",
	    "member", ca), 9, "key_package");
	p = take(d, json_pack("{sisssIss}", "id", 10, "op", "propose_add",
	    "member", bo, "key_package", kp), 10, "proposal");
	free(kp);
	receive_kind(d, al, p, "proposal");
	a = ask(d, json_pack("{sisssIs[s]}", "id", 11, "op", "commit",
	    "member", al, "by_reference", p));
	expect_ok(a, 11);
	c = field(a, "commit");
	w = field(a, "welcome");
	json_decref(a);
	free(p);
	a = ask(d, json_pack("{sisssIss}", "id", 12, "op", "pending",
	    "member", al, "action", "confirm"));
	expect_ok(a, 12);
	json_decref(a);
	receive_kind(d, bo, c, "commit");
	free(c);
	a = ask(d, json_pack("{sisssIss}", "id", 13, "op", "join", "member",
	    ca, "welcome", w));
	expect_ok(a, 13);
	json_decref(a);
	free(w);
	assert_agree(d, al, ca, 2);
	assert_agree(d, bo, ca, 2);
	e2 = exported(d, ca);
	assert_string_not_equal(e1, e2);	/* a new epoch */
	free(e1);
	free(e2);

	/* an Update proposal of carol, committed by bob */
	p = take(d, json_pack("{sisssI}", "id", 14, "op", "propose_update",
	    "member", ca), 14, "proposal");
	receive_kind(d, al, p, "proposal");
	receive_kind(d, bo, p, "proposal");
	a = ask(d, json_pack("{sisssIs[s]}", "id", 15, "op", "commit",
	    "member", bo, "by_reference", p));
	expect_ok(a, 15);
	c = field(a, "commit");
	json_decref(a);
	free(p);
	a = ask(d, json_pack("{sisssIss}", "id", 16, "op", "pending",
	    "member", bo, "action", "confirm"));
	expect_ok(a, 16);
	json_decref(a);
	receive_kind(d, al, c, "commit");
	receive_kind(d, ca, c, "commit");
	free(c);
	assert_agree(d, al, bo, 3);
	assert_agree(d, al, ca, 3);

	/* an Add without path */
	kp = take(d, json_pack("{sisssI}", "id", 17, "op", "key_package",
	    "member", da), 17, "key_package");
	a = ask(d, json_pack("{sisssIs[s]sb}", "id", 18, "op", "commit",
	    "member", ca, "key_packages", kp, "with_path", 0));
	expect_ok(a, 18);
	c = field(a, "commit");
	w = field(a, "welcome");
	json_decref(a);
	free(kp);
	a = ask(d, json_pack("{sisssIss}", "id", 19, "op", "pending",
	    "member", ca, "action", "confirm"));
	expect_ok(a, 19);
	json_decref(a);
	receive_kind(d, al, c, "commit");
	receive_kind(d, bo, c, "commit");
	a = ask(d, json_pack("{sisssIss}", "id", 20, "op", "join", "member",
	    da, "welcome", w));
	expect_ok(a, 20);
	json_decref(a);
	free(c);
	free(w);
	assert_agree(d, al, da, 4);
	assert_agree(d, bo, ca, 4);

	/* eve joins by external commit from alice's GroupInfo */
	ea = new_member(d, 21, "6561");
	w = take(d, json_pack("{sisssI}", "id", 22, "op", "group_info",
	    "member", al), 22, "group_info");
	assert_memory_equal(w, "00010004", 8);
	c = take(d, json_pack("{sisssIss}", "id", 23, "op", "external_join",
	    "member", ea, "group_info", w), 23, "commit");
	free(w);
	receive_kind(d, al, c, "commit");
	receive_kind(d, bo, c, "commit");
	receive_kind(d, ca, c, "commit");
	receive_kind(d, da, c, "commit");
	free(c);
	assert_agree(d, al, ea, 5);
	assert_agree(d, bo, da, 5);
	/* a GroupInfo is not a Welcome, nor the reverse */
	expect_err(ask(d, json_pack("{sisssIss}", "id", 24, "op",
	    "external_join", "member", new_member(d, 25, "66"), "group_info",
	    "00010003")), "POUCH_E_MALFORMED");
	pouch_drv_free(d);
}

static void
test_malformed(void **state)
{
	struct drv *d = NULL;
	json_t *a;
	json_int_t m;

	(void)state;
	assert_int_equal(pouch_drv_new(&d), POUCH_OK);
	expect_err(ask_raw(d, "{\"id\":1,\"op\":"), "POUCH_E_MALFORMED");
	expect_err(ask_raw(d, "not json at all"), "POUCH_E_MALFORMED");
	expect_err(ask_raw(d, "[1,2]"), "POUCH_E_MALFORMED");
	expect_err(ask_raw(d, "{\"id\":2}"), "POUCH_E_MALFORMED");
	expect_err(ask_raw(d, "{\"id\":2,\"op\":7}"), "POUCH_E_MALFORMED");
	expect_err(ask_raw(d, "{\"id\":3,\"op\":\"fly\"}"),
	    "POUCH_E_UNSUPPORTED");
	/* duplicate keys are refused rather than one silently chosen */
	expect_err(ask_raw(d, "{\"id\":3,\"op\":\"epoch\",\"op\":\"x\"}"),
	    "POUCH_E_MALFORMED");
	/* the id is echoed even on errors */
	a = ask_raw(d, "{\"id\":77,\"op\":\"key_package\",\"member\":9}");
	assert_int_equal(json_integer_value(json_object_get(a, "id")), 77);
	expect_err(a, "POUCH_E_NOT_FOUND");
	expect_err(ask_raw(d, "{\"id\":4,\"op\":\"key_package\","
	    "\"member\":-1}"), "POUCH_E_MALFORMED");
	expect_err(ask_raw(d, "{\"id\":4,\"op\":\"key_package\"}"),
	    "POUCH_E_MISUSE");
	expect_err(ask_raw(d, "{\"id\":5,\"op\":\"create_member\","
	    "\"suite\":1,\"identity\":\"zz\"}"), "POUCH_E_MALFORMED");
	expect_err(ask_raw(d, "{\"id\":5,\"op\":\"create_member\","
	    "\"suite\":1,\"identity\":\"abc\"}"), "POUCH_E_MALFORMED");
	expect_err(ask_raw(d, "{\"id\":5,\"op\":\"create_member\","
	    "\"suite\":1,\"identity\":\"\"}"), "POUCH_E_TOO_LARGE");
	expect_err(ask_raw(d, "{\"id\":5,\"op\":\"create_member\","
	    "\"suite\":4660,\"identity\":\"61\"}"), "POUCH_E_UNSUPPORTED");
	m = new_member(d, 6, "63");
	expect_err(ask(d, json_pack("{sisssI}", "id", 7, "op", "epoch",
	    "member", m)), "POUCH_E_STATE");
	a = ask(d, json_pack("{sisssIss}", "id", 8, "op", "create_group",
	    "member", m, "group_id", "01"));
	expect_ok(a, 8);
	json_decref(a);
	expect_err(ask(d, json_pack("{sisssIss}", "id", 9, "op", "receive",
	    "member", m, "message", "0001")), "POUCH_E_TRUNCATED");
	expect_err(ask(d, json_pack("{sisssIss}", "id", 9, "op", "receive",
	    "member", m, "message", "00020001")), "POUCH_E_UNSUPPORTED");
	expect_err(ask(d, json_pack("{sisssIss}", "id", 9, "op", "receive",
	    "member", m, "message", "00010005")), "POUCH_E_MALFORMED");
	expect_err(ask(d, json_pack("{sisssIss}", "id", 9, "op", "receive",
	    "member", m, "message", "0001000101")), "POUCH_E_TRUNCATED");
	expect_err(ask(d, json_pack("{sisssIs[s]}", "id", 10, "op",
	    "add_members", "member", m, "key_packages", "00010001")),
	    "POUCH_E_MALFORMED");
	expect_err(ask(d, json_pack("{sisssIss}", "id", 10, "op", "commit",
	    "member", m, "by_reference", "00010001")), "POUCH_E_MALFORMED");
	expect_err(ask(d, json_pack("{sisssIsb}", "id", 10, "op", "commit",
	    "member", m, "with_path", 0)), "POUCH_E_PATH_REQUIRED");
	expect_err(ask(d, json_pack("{sisssIsi}", "id", 10, "op",
	    "propose_remove", "member", m, "leaf_index", 5)),
	    "POUCH_E_BAD_TREE");
	expect_err(ask(d, json_pack("{sisssIssss}", "id", 10, "op", "export",
	    "member", m, "label", "x", "context", "0")), "POUCH_E_MALFORMED");
	expect_err(ask(d, json_pack("{sisssIs[{ss}]ss}", "id", 10, "op",
	    "create_group", "member", new_member(d, 12, "64"),
	    "external_senders", "identity", "00", "group_id", "01")),
	    "POUCH_E_MALFORMED");
	expect_err(ask(d, json_pack("{sisssIss}", "id", 11, "op", "pending",
	    "member", m, "action", "maybe")), "POUCH_E_MALFORMED");
	/* still working after all that */
	assert_int_equal(epoch(d, m), 0);
	assert_string_equal(pouch_drv_err_name(POUCH_E_BAD_MAC),
	    "POUCH_E_BAD_MAC");
	assert_string_equal(pouch_drv_err_name(POUCH_OK), "POUCH_OK");
	assert_string_equal(pouch_drv_err_name(-12345), "POUCH_E_UNKNOWN");
	pouch_drv_free(d);
}

/* The program itself: requests through a pipe, answers back in order. */
static void
test_program(void **state)
{
	static const char script[] =
	    "{\"id\":1,\"op\":\"supported_suites\"}\n"
	    "this is not json\n"
	    "\n"
	    "{\"id\":3,\"op\":\"create_member\",\"suite\":1,"
	    "\"identity\":\"6464\"}\n"
	    "{\"id\":4,\"op\":\"nope\"}\n"
	    "{\"id\":5,\"op\":\"key_package\",\"member\":42}\r\n"
	    "{\"id\":6,\"op\":\"key_package\",\"member\":1}\n"
	    "{\"id\":7,\"op\":\"epoch\",\"member\":1}\n";
	/* then a line over DRV_LINE_MAX, then one without final newline */
	static const char last[] = "{\"id\":8,\"op\":\"supported_suites\"}";
	char *big;
	size_t biglen = DRV_LINE_MAX + 2;
	static const char *const want[] = {
		"1:ok", "null:POUCH_E_MALFORMED", "3:ok",
		"4:POUCH_E_UNSUPPORTED", "5:POUCH_E_NOT_FOUND", "6:ok",
		"7:POUCH_E_STATE", "null:POUCH_E_TOO_LARGE", "8:ok"
	};
	const char *prog = getenv("POUCH_MLS_DRIVER");
	char line[65536], got[128];
	int in[2], out[2], status;
	size_t i;
	pid_t pid;
	FILE *f;
	json_t *a;
	json_error_t e;

	(void)state;
	if (prog == NULL)
		fail_msg("POUCH_MLS_DRIVER is not set (tests/interop/"
		    "interop.cmake sets it)");
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl(prog, prog, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	assert_int_equal(write(in[1], script, sizeof(script) - 1),
	    (ssize_t)(sizeof(script) - 1));
	big = malloc(biglen);
	assert_non_null(big);
	memset(big, 'x', biglen - 1);
	big[biglen - 1] = '\n';
	for (i = 0; i < biglen; ) {
		ssize_t w = write(in[1], big + i, biglen - i);

		assert_true(w > 0);
		i += (size_t)w;
	}
	free(big);
	assert_int_equal(write(in[1], last, sizeof(last) - 1),
	    (ssize_t)(sizeof(last) - 1));
	close(in[1]);
	f = fdopen(out[0], "r");
	assert_non_null(f);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_non_null(fgets(line, sizeof(line), f));
		assert_non_null(strchr(line, '\n'));
		a = json_loads(line, 0, &e);
		assert_non_null(a);
		snprintf(got, sizeof(got), "null:%s",
		    json_is_true(json_object_get(a, "ok")) ? "ok" :
		    json_string_value(json_object_get(a, "error")));
		if (json_is_integer(json_object_get(a, "id")))
			snprintf(got, sizeof(got), "%lld:%s",
			    (long long)json_integer_value(json_object_get(a,
			    "id")), json_is_true(json_object_get(a, "ok")) ?
			    "ok" : json_string_value(json_object_get(a,
			    "error")));
		assert_string_equal(got, want[i]);
		json_decref(a);
	}
	/* the last request had no newline and was answered; then EOF */
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_members),
		cmocka_unit_test(test_proposals),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_program),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
