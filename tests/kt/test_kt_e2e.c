/*
 * test_kt_e2e.c - the key transparency log of a real pouchd on
 * 127.0.0.1, checked with src/kt only.
 *
 * routes: enrolments and admin actions appear as leaves; the enrol
 * response's kt_leaf is covered by a signed checkpoint within kt_mmd;
 * the checkpoint opens under the log key of /v1/kt/key; the entries
 * decode, hash to the checkpoint's root and carry valid signatures
 * (cross-signature of the device, log key for the admin); inclusion
 * proofs by index and by hash and consistency proofs between checkpoints
 * verify; queries beyond the published tree and oversized ranges are
 * refused; the routes need a token.
 *
 * kill -9: while a child process runs a stream of admin actions (each a
 * leaf, appended in its transaction), pouchd is SIGKILLed and restarted
 * several times, with an enrolment in every round; every checkpoint
 * fetched before and after is consistent with every later one (same
 * size: same root), sizes never go back, and the final tree's entries
 * rebuild the final root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "e2e/e2e.h"
#include "kt/kt.h"

#define H	POUCH_KT_HASH_BYTES
#define ORIGIN	"e2e.pouch.test/kt"
#define EXTRA	"storage = sqlite\nkt_origin = " ORIGIN "\nkt_interval = 1\n" \
		"kt_mmd = 10\n"
#define CP_MAX	256

struct cp {
	uint64_t	size;
	uint8_t		root[H];
};

static uint8_t log_pub[32];

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
get_key(struct server *s, const char *token)
{
	json_t *r = NULL;
	size_t n;
	uint8_t id[4], id2[8];

	assert_int_equal(e2e_json(s, "GET", "/v1/kt/key", token, NULL, &r),
	    200);
	assert_string_equal(json_string_value(json_object_get(r, "origin")),
	    ORIGIN);
	assert_int_equal(e2e_unb64(json_string_value(json_object_get(r,
	    "key")), log_pub, sizeof(log_pub), &n), 0);
	assert_int_equal(n, 32);
	assert_int_equal(e2e_unb64(json_string_value(json_object_get(r,
	    "key_id")), id2, sizeof(id2), &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(pouch_kt_key_id(e2e_crypto, ORIGIN, log_pub, id),
	    POUCH_OK);
	assert_memory_equal(id, id2, 4);
	assert_int_equal(json_integer_value(json_object_get(r, "mmd")), 10);
	json_decref(r);
}

/* The latest checkpoint, opened under the log key; -1 on transport. */
static int
get_checkpoint(struct server *s, const char *token, struct cp *out)
{
	struct pouch_kt_checkpoint cp;
	struct buf b = { 0 };
	long st;

	st = e2e_http(s, "GET", "/v1/kt/checkpoint", token, NULL, NULL, 0,
	    &b);
	if (st != 200) {
		e2e_buf_free(&b);
		return -1;
	}
	assert_int_equal(pouch_kt_checkpoint_open(e2e_crypto, ORIGIN, log_pub,
	    (const char *)b.p, b.n, &cp), POUCH_OK);
	e2e_buf_free(&b);
	out->size = cp.size;
	memcpy(out->root, cp.root, H);
	return 0;
}

/* Wait (at most kt_mmd + 2 s) for a checkpoint of more than index. */
static void
wait_covered(struct server *s, const char *token, uint64_t index,
    struct cp *out)
{
	int i;

	for (i = 0; i < 120; i++) {
		if (get_checkpoint(s, token, out) == 0 && out->size > index)
			return;
		sleep_ms(100);
	}
	fail_msg("leaf %llu not in a checkpoint within 12 s",
	    (unsigned long long)index);
}

static size_t
get_proof(json_t *r, uint8_t proof[][H])
{
	json_t *arr = json_object_get(r, "proof"), *v;
	size_t i, n;

	assert_non_null(arr);
	assert_true(json_array_size(arr) <= POUCH_KT_PROOF_MAX);
	json_array_foreach(arr, i, v) {
		assert_int_equal(e2e_unb64(json_string_value(v), proof[i], H,
		    &n), 0);
		assert_int_equal(n, H);
	}
	return json_array_size(arr);
}

static void
check_consistent(struct server *s, const char *token, const struct cp *a,
    const struct cp *b)
{
	uint8_t proof[POUCH_KT_PROOF_MAX][H];
	char path[128];
	json_t *r = NULL;
	size_t n;

	assert_true(a->size <= b->size);
	if (a->size == b->size) {
		assert_memory_equal(a->root, b->root, H);
		return;
	}
	if (a->size == 0)
		return;
	snprintf(path, sizeof(path), "/v1/kt/proof/consistency?first=%llu&"
	    "second=%llu", (unsigned long long)a->size,
	    (unsigned long long)b->size);
	assert_int_equal(e2e_json(s, "GET", path, token, NULL, &r), 200);
	n = get_proof(r, proof);
	json_decref(r);
	assert_int_equal(pouch_kt_verify_consistency(e2e_crypto, a->size,
	    b->size, a->root, b->root, (const uint8_t (*)[H])proof, n),
	    POUCH_OK);
}

/* Every entry of [0, cp->size): decoded, hashed, verified; the root. */
static struct {
	uint8_t		hash[16384][H];
	size_t		n;
} ents;

static int
ent_leaf(void *arg, uint64_t i, uint8_t out[H])
{
	(void)arg;
	if (i >= ents.n)
		return POUCH_E_KT_RANGE;
	memcpy(out, ents.hash[i], H);
	return POUCH_OK;
}

static void
fetch_entries(struct server *s, const char *token, const struct cp *cp,
    int (*visit)(void *, uint64_t, const struct pouch_kt_event *),
    void *arg)
{
	struct pouch_kt_event ev;
	uint8_t leaf[POUCH_KT_EVENT_MAX], h[H], root[H];
	char path[128];
	json_t *r = NULL, *arr, *v;
	uint64_t start, end;
	size_t i, n;

	assert_true(cp->size <= 16384);
	ents.n = 0;
	for (start = 0; start < cp->size; start = end) {
		end = start + 1000 < cp->size ? start + 1000 : cp->size;
		snprintf(path, sizeof(path), "/v1/kt/entries?start=%llu&"
		    "end=%llu", (unsigned long long)start,
		    (unsigned long long)end);
		assert_int_equal(e2e_json(s, "GET", path, token, NULL, &r),
		    200);
		arr = json_object_get(r, "entries");
		assert_int_equal(json_array_size(arr), end - start);
		json_array_foreach(arr, i, v) {
			assert_int_equal(json_integer_value(json_object_get(v,
			    "index")), start + i);
			assert_int_equal(e2e_unb64(json_string_value(
			    json_object_get(v, "leaf")), leaf, sizeof(leaf),
			    &n), 0);
			assert_int_equal(pouch_kt_leaf_hash(e2e_crypto, leaf,
			    n, h), POUCH_OK);
			memcpy(ents.hash[ents.n++], h, H);
			assert_int_equal(pouch_kt_event_decode(leaf, n, &ev),
			    POUCH_OK);
			if (ev.signer == POUCH_KT_BY_LOG)
				assert_int_equal(pouch_kt_event_verify(
				    e2e_crypto, &ev, NULL, log_pub), POUCH_OK);
			if (ev.type == POUCH_KT_DEVICE_ADDED)
				assert_int_equal(pouch_kt_event_verify(
				    e2e_crypto, &ev, NULL, log_pub), POUCH_OK);
			if (visit != NULL)
				assert_int_equal(visit(arg, start + i, &ev), 0);
		}
		json_decref(r);
		r = NULL;
	}
	assert_int_equal(pouch_kt_root_cb(e2e_crypto, cp->size, ent_leaf,
	    NULL, root), POUCH_OK);
	assert_memory_equal(root, cp->root, H);
}

/* Create a code and enrol d; the enrol answer's kt_leaf. */
static int64_t
enrol(struct server *s, struct device *d)
{
	struct buf out = { 0 };
	char args[128], *code;
	json_t *r = NULL;
	int64_t leaf;

	snprintf(args, sizeof(args), "user add %s >/dev/null 2>&1", d->user);
	(void)e2e_admin(s, NULL, args);
	snprintf(args, sizeof(args), "code create %s", d->user);
	assert_int_equal(e2e_admin(s, &out, args), 0);
	assert_non_null(code = strstr((char *)out.p, "code: "));
	code += 6;
	code[strcspn(code, "\n")] = '\0';
	assert_int_equal(e2e_json(s, "POST", "/v1/enrol", NULL,
	    e2e_enrol_body(d, code, 0), &r), 201);
	e2e_buf_free(&out);
	d->id = json_integer_value(json_object_get(r, "device_id"));
	assert_true(json_is_integer(json_object_get(r, "kt_leaf")));
	leaf = json_integer_value(json_object_get(r, "kt_leaf"));
	json_decref(r);
	assert_true(leaf >= 0);
	assert_int_equal(e2e_login(s, d), 200);
	return leaf;
}

struct seen {
	const struct device	*dev[2];
	int			 added[2];
	int			 created, codes;
};

static int
visit(void *arg, uint64_t index, const struct pouch_kt_event *ev)
{
	struct seen *sn = arg;
	int i;

	(void)index;
	if (ev->type == POUCH_KT_USER_CREATED &&
	    strcmp(ev->user, "alice") == 0)
		sn->created++;
	if (ev->type == POUCH_KT_CODE_ISSUED &&
	    strcmp(ev->user, "alice") == 0)
		sn->codes++;
	for (i = 0; i < 2; i++)
		if (ev->type == POUCH_KT_DEVICE_ADDED &&
		    memcmp(ev->device_key, sn->dev[i]->pub, 32) == 0 &&
		    memcmp(ev->account_key, sn->dev[i]->apub, 32) == 0 &&
		    strcmp(ev->user, "alice") == 0)
			sn->added[i]++;
	return 0;
}

static void
test_routes(void **state)
{
	struct server s;
	struct device a, b;
	struct cp c1, c2;
	struct seen sn;
	uint8_t proof[POUCH_KT_PROOF_MAX][H];
	char path[160], hex[2 * H + 1];
	json_t *r = NULL;
	int64_t la, lb;
	size_t n, i;

	(void)state;
	assert_int_equal(e2e_start(&s, EXTRA), 0);
	e2e_device_new(&a, "alice", NULL);
	la = enrol(&s, &a);
	get_key(&s, a.token);
	/* unauthenticated */
	assert_int_equal(e2e_http(&s, "GET", "/v1/kt/checkpoint", NULL, NULL,
	    NULL, 0, NULL), 401);
	wait_covered(&s, a.token, (uint64_t)la, &c1);
	/* user created, code issued, device added: at least 3 leaves */
	assert_true(c1.size >= 3);

	/* inclusion of the device's leaf by index and by its hash */
	snprintf(path, sizeof(path), "/v1/kt/proof/inclusion?leaf_index=%lld"
	    "&tree_size=%llu", (long long)la, (unsigned long long)c1.size);
	assert_int_equal(e2e_json(&s, "GET", path, a.token, NULL, &r), 200);
	n = get_proof(r, proof);
	json_decref(r);
	memset(&sn, 0, sizeof(sn));
	sn.dev[0] = &a;
	sn.dev[1] = &a;
	fetch_entries(&s, a.token, &c1, visit, &sn);
	assert_int_equal(sn.created, 1);
	assert_int_equal(sn.codes, 1);
	assert_int_equal(sn.added[0], 1);
	assert_int_equal(pouch_kt_verify_inclusion(e2e_crypto, (uint64_t)la,
	    c1.size, ents.hash[la], (const uint8_t (*)[H])proof, n, c1.root),
	    POUCH_OK);
	for (i = 0; i < H; i++)
		snprintf(hex + 2 * i, 3, "%02x", ents.hash[la][i]);
	snprintf(path, sizeof(path), "/v1/kt/proof/inclusion?hash=%s"
	    "&tree_size=%llu", hex, (unsigned long long)c1.size);
	assert_int_equal(e2e_json(&s, "GET", path, a.token, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r, "leaf_index")),
	    la);
	n = get_proof(r, proof);
	json_decref(r);
	assert_int_equal(pouch_kt_verify_inclusion(e2e_crypto, (uint64_t)la,
	    c1.size, ents.hash[la], (const uint8_t (*)[H])proof, n, c1.root),
	    POUCH_OK);

	/* a second device of the same account: a larger, consistent tree */
	e2e_device_new(&b, "alice", &a);
	lb = enrol(&s, &b);
	assert_true(lb > la);
	wait_covered(&s, b.token, (uint64_t)lb, &c2);
	check_consistent(&s, b.token, &c1, &c2);
	memset(&sn, 0, sizeof(sn));
	sn.dev[0] = &a;
	sn.dev[1] = &b;
	fetch_entries(&s, b.token, &c2, visit, &sn);
	assert_int_equal(sn.added[0], 1);
	assert_int_equal(sn.added[1], 1);

	/* refused: beyond the published tree, too many, malformed */
	snprintf(path, sizeof(path), "/v1/kt/proof/inclusion?leaf_index=0"
	    "&tree_size=%llu", (unsigned long long)c2.size + 100);
	assert_int_equal(e2e_http(&s, "GET", path, a.token, NULL, NULL, 0,
	    NULL), 400);
	assert_int_equal(e2e_http(&s, "GET", "/v1/kt/entries?start=0&"
	    "end=1001", a.token, NULL, NULL, 0, NULL), 400);
	assert_int_equal(e2e_http(&s, "GET", "/v1/kt/entries?start=01&"
	    "end=2", a.token, NULL, NULL, 0, NULL), 400);
	assert_int_equal(e2e_http(&s, "GET", "/v1/kt/proof/consistency?"
	    "first=0&second=1", a.token, NULL, NULL, 0, NULL), 400);
	assert_int_equal(e2e_http(&s, "GET", "/v1/kt/proof/inclusion?"
	    "leaf_index=0&hash=00&tree_size=1", a.token, NULL, NULL, 0, NULL),
	    400);
	snprintf(path, sizeof(path), "/v1/kt/proof/inclusion?hash=%064d"
	    "&tree_size=%llu", 0, (unsigned long long)c2.size);
	assert_int_equal(e2e_http(&s, "GET", path, a.token, NULL, NULL, 0,
	    NULL), 404);
	assert_int_equal(e2e_stop(&s), 0);
}

/* The stream: admin actions until killed. */
static void
stream(struct server *s)
{
	char args[128];
	int i;

	for (i = 0;; i++) {
		snprintf(args, sizeof(args), "user add k%d >/dev/null 2>&1",
		    i);
		(void)e2e_admin(s, NULL, args);
		snprintf(args, sizeof(args), "code create k%d >/dev/null "
		    "2>&1", i);
		(void)e2e_admin(s, NULL, args);
	}
}

static void
test_kill9(void **state)
{
	struct server s;
	struct device d[5];
	struct cp cps[CP_MAX], last;
	size_t ncp = 0, i, j;
	char name[16];
	pid_t child;
	int round, k;

	(void)state;
	srand48((long)time(NULL));
	assert_int_equal(e2e_start(&s, EXTRA), 0);
	e2e_device_new(&d[0], "watcher", NULL);
	(void)enrol(&s, &d[0]);
	get_key(&s, d[0].token);
	if ((child = fork()) == 0) {
		stream(&s);
		_exit(0);
	}
	assert_true(child > 0);
	for (round = 0; round < 5; round++) {
		snprintf(name, sizeof(name), "r%d", round);
		e2e_device_new(&d[round], name, NULL);
		(void)enrol(&s, &d[round]);
		for (k = 0; k < 4 && ncp < CP_MAX; k++) {
			if (get_checkpoint(&s, d[round].token, &cps[ncp]) == 0)
				ncp++;
			sleep_ms(150 + lrand48() % 400);
		}
		/* kill -9 in the middle of the stream, restart */
		assert_int_equal(e2e_restart(&s, SIGKILL), 0);
		assert_int_equal(e2e_login(&s, &d[round]), 200);
		if (get_checkpoint(&s, d[round].token, &cps[ncp]) == 0)
			ncp++;
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* let the last leaves be published, then check everything */
	sleep_ms(2500);
	assert_int_equal(get_checkpoint(&s, d[4].token, &last), 0);
	assert_true(ncp >= 10);
	for (i = 0; i < ncp; i++) {
		if (i > 0)
			assert_true(cps[i].size >= cps[i - 1].size);
		for (j = i; j < ncp; j++)
			check_consistent(&s, d[4].token, &cps[i], &cps[j]);
		check_consistent(&s, d[4].token, &cps[i], &last);
	}
	assert_true(last.size > cps[0].size);
	print_message("kill9: %zu checkpoints fetched across 5 SIGKILLs, "
	    "final tree %llu leaves\n", ncp, (unsigned long long)last.size);
	fetch_entries(&s, d[4].token, &last, NULL, NULL);
	assert_int_equal(e2e_stop(&s), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_kill9),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
