/*
 * test_pouchd.c - pouchd end to end: a real server on 127.0.0.1 over
 * TLS 1.3 (pinned), driven over HTTP: enrolment, authentication,
 * KeyPackages, group commits and fan-out, Welcome routing, long-poll
 * wake-up, one commit per epoch (409), bad input (4xx, no state change),
 * attachments, revocation, and a clean drain on SIGTERM.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "e2e/e2e.h"

static struct server srv;
/* the server the helpers talk to: srv, or a test's own */
static struct server *cur = &srv;

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* the tests enrol many devices quickly: rate limits of their own */
	return e2e_start(&srv, "attachment_quota = 100000\n"
	    "sync_wait_max = 30\nrate_unauth = 10000\n"
	    "rate_unauth_burst = 10000");
}

static int
group_teardown(void **state)
{
	int rc;

	(void)state;
	/* SIGTERM drains and exits 0 */
	rc = e2e_stop(&srv);
	curl_global_cleanup();
	pouch_crypto_free(e2e_crypto);
	return rc == 0 ? 0 : -1;
}

/* A device of user, enrolled and logged in (first device: own key). */
static void
device(struct device *d, const char *user, const struct device *acct)
{
	e2e_device_new(d, user, acct);
	assert_int_equal(e2e_enrol_login(cur, d), 0);
}

static long
post_mls(struct device *d, const struct buf *m, json_t **reply)
{
	struct buf out = { 0 };
	long st;

	st = e2e_http(cur, "POST", "/v1/messages", d->token, "message/mls",
	    m->p, m->n, &out);
	if (reply != NULL)
		*reply = out.p != NULL ? json_loadb((const char *)out.p, out.n,
		    0, NULL) : NULL;
	e2e_buf_free(&out);
	return st;
}

static long
post_mls_att(struct device *d, const struct buf *m, const char *att)
{
	char hdr[1100];

	snprintf(hdr, sizeof(hdr), "%s", att);
	return e2e_http_att(cur, d->token, m->p, m->n, hdr);
}

static json_t *
sync_get(struct device *d, int64_t after, int wait)
{
	char path[96];
	json_t *r = NULL;

	snprintf(path, sizeof(path), "/v1/sync?after=%lld&wait=%d",
	    (long long)after, wait);
	assert_int_equal(e2e_json(cur, "GET", path, d->token, NULL, &r), 200);
	assert_non_null(r);
	return r;
}

static void
upload_kps(struct device *d, uint32_t first, int n, int last_resort)
{
	json_t *arr = json_array(), *body, *r = NULL;
	struct buf kp;
	char *s;
	int i;

	for (i = 0; i < n; i++) {
		e2e_key_package(d, first + (uint32_t)i, &kp);
		s = e2e_b64(kp.p, kp.n);
		json_array_append_new(arr, json_string(s));
		free(s);
		e2e_buf_free(&kp);
	}
	body = json_object();
	if (last_resort) {
		json_t *lr = json_array_get(arr, json_array_size(arr) - 1);

		json_object_set(body, "last_resort", lr);
		json_array_remove(arr, json_array_size(arr) - 1);
	}
	json_object_set_new(body, "key_packages", arr);
	assert_int_equal(e2e_json(cur, "POST", "/v1/keypackages", d->token,
	    body, &r), 201);
	json_decref(r);
}

/* Claim one KeyPackage of each device of user (as d). */
static json_t *
claim(struct device *d, const char *user)
{
	json_t *r = NULL;

	assert_int_equal(e2e_json(cur, "POST", "/v1/keypackages/claim",
	    d->token, json_pack("{s:s}", "user", user), &r), 200);
	return r;
}

static void
kp_of(json_t *claimed, size_t i, struct buf *kp)
{
	const char *s = json_string_value(json_object_get(json_array_get(
	    json_object_get(claimed, "key_packages"), i), "key_package"));

	assert_non_null(s);
	kp->p = malloc(strlen(s));
	assert_non_null(kp->p);
	assert_int_equal(e2e_unb64(s, kp->p, strlen(s), &kp->n), 0);
}

static void
test_health_and_info(void **state)
{
	json_t *r = NULL;

	(void)state;
	assert_int_equal(e2e_json(cur, "GET", "/healthz", NULL, NULL, &r),
	    200);
	assert_string_equal(json_string_value(json_object_get(r, "status")),
	    "ok");
	json_decref(r);
	assert_int_equal(e2e_json(cur, "GET", "/v1/info", NULL, NULL, &r),
	    200);
	assert_non_null(json_object_get(r, "server_key"));
	json_decref(r);
}

static void
test_enrol_and_auth(void **state)
{
	struct device a1, a2, intruder;
	struct buf out = { 0 };
	json_t *r = NULL;
	char *code;
	long st;

	(void)state;
	device(&a1, "alice", NULL);
	assert_int_equal(e2e_json(cur, "GET", "/v1/keypackages/count",
	    a1.token, NULL, &r), 200);
	json_decref(r);
	/* A code is single-use and exact. */
	e2e_device_new(&a2, "alice", &a1);
	assert_int_equal(e2e_admin(cur, &out, "code create alice"), 0);
	code = strstr((char *)out.p, "code: ") + 6;
	code[strcspn(code, "\n")] = '\0';
	/* An administrator's own device, not cross-signed by Alice's
	 * account key: refused (G7), and the code is not consumed. */
	e2e_device_new(&intruder, "alice", NULL);
	assert_int_equal(e2e_json(cur, "POST", "/v1/enrol", NULL,
	    e2e_enrol_body(&intruder, code, 0), NULL), 409);
	memcpy(intruder.apub, a1.apub, 32);	/* right key, forged sig */
	assert_int_equal(e2e_json(cur, "POST", "/v1/enrol", NULL,
	    e2e_enrol_body(&intruder, code, 0), NULL), 403);
	assert_int_equal(e2e_json(cur, "POST", "/v1/enrol", NULL,
	    e2e_enrol_body(&a2, code, 1), NULL), 403);
	/* The real second device, cross-signed. */
	assert_int_equal(e2e_json(cur, "POST", "/v1/enrol", NULL,
	    e2e_enrol_body(&a2, code, 0), &r), 201);
	a2.id = json_integer_value(json_object_get(r, "device_id"));
	json_decref(r);
	assert_int_equal(e2e_json(cur, "POST", "/v1/enrol", NULL,
	    e2e_enrol_body(&a2, code, 0), NULL), 403);	/* used */
	code[3] ^= 1;
	assert_int_equal(e2e_json(cur, "POST", "/v1/enrol", NULL,
	    e2e_enrol_body(&a2, code, 0), NULL), 403);	/* wrong */
	e2e_buf_free(&out);
	assert_int_equal(e2e_login(cur, &a2), 200);
	/* Bad and missing tokens. */
	assert_int_equal(e2e_json(cur, "GET", "/v1/keypackages/count",
	    "00", NULL, NULL), 401);
	assert_int_equal(e2e_json(cur, "GET", "/v1/keypackages/count",
	    NULL, NULL, NULL), 401);
	a2.token[0] = a2.token[0] == '0' ? '1' : '0';
	assert_int_equal(e2e_json(cur, "GET", "/v1/keypackages/count",
	    a2.token, NULL, NULL), 401);
	/* A signature by the wrong key gets no token. */
	memcpy(a2.seed, a1.seed, 32);
	st = e2e_login(cur, &a2);
	assert_int_equal(st, 401);
}

static void
test_key_packages(void **state)
{
	struct device b, c;
	json_t *r;
	struct buf kp;
	int i;

	(void)state;
	device(&b, "bob", NULL);
	device(&c, "carl", NULL);
	upload_kps(&b, 100, 4, 1);	/* 3 ordinary + 1 last resort */
	assert_int_equal(e2e_json(cur, "GET", "/v1/keypackages/count",
	    b.token, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r, "count")), 3);
	assert_true(json_is_true(json_object_get(r, "last_resort")));
	json_decref(r);
	/* Each claim hands out a different one, then the last resort. */
	for (i = 0; i < 5; i++) {
		r = claim(&c, "bob");
		assert_int_equal(json_array_size(json_object_get(r,
		    "key_packages")), 1);
		assert_int_equal(json_is_true(json_object_get(json_array_get(
		    json_object_get(r, "key_packages"), 0), "last_resort")),
		    i >= 3);
		json_decref(r);
	}
	/* A KeyPackage of another device's key is refused. */
	e2e_key_package(&c, 7, &kp);
	{
		char *s = e2e_b64(kp.p, kp.n);

		assert_int_equal(e2e_json(cur, "POST", "/v1/keypackages",
		    b.token, json_pack("{s:[s]}", "key_packages", s), NULL),
		    403);
		/* truncated KeyPackage: malformed */
		free(s);
		s = e2e_b64(kp.p, kp.n - 3);
		assert_int_equal(e2e_json(cur, "POST", "/v1/keypackages",
		    b.token, json_pack("{s:[s]}", "key_packages", s), NULL),
		    400);
		free(s);
	}
	e2e_buf_free(&kp);
	assert_int_equal(e2e_json(cur, "POST", "/v1/keypackages", b.token,
	    json_pack("{s:[s]}", "key_packages", "not base64!"), NULL), 400);
	assert_int_equal(e2e_json(cur, "POST", "/v1/keypackages/claim",
	    c.token, json_pack("{s:s}", "user", "nobody"), NULL), 404);
}

/* dana creates gid and adds eric and fay: the fixture of three. */
struct trio {
	struct device	 d, e, f;
	int64_t		 ecur, fcur;
};

static void
trio(struct trio *t, const char *gid)
{
	struct buf kps[2], commit, welcome;
	uint8_t refs[2][32];
	json_t *ce, *cf, *r = NULL;
	char *g64;

	char name[3][40];

	/* users of their own per group: one account key each */
	snprintf(name[0], sizeof(name[0]), "dana-%s", gid);
	snprintf(name[1], sizeof(name[1]), "eric-%s", gid);
	snprintf(name[2], sizeof(name[2]), "fay-%s", gid);
	device(&t->d, name[0], NULL);
	device(&t->e, name[1], NULL);
	device(&t->f, name[2], NULL);
	upload_kps(&t->e, 200, 2, 0);
	upload_kps(&t->f, 300, 2, 0);
	g64 = e2e_b64((const uint8_t *)gid, strlen(gid));
	assert_int_equal(e2e_json(cur, "POST", "/v1/groups", t->d.token,
	    json_pack("{s:s,s:i}", "group_id", g64, "cipher_suite", 1), NULL),
	    201);
	assert_int_equal(e2e_json(cur, "POST", "/v1/groups", t->d.token,
	    json_pack("{s:s,s:i}", "group_id", g64, "cipher_suite", 1), NULL),
	    409);
	free(g64);
	ce = claim(&t->d, name[1]);
	cf = claim(&t->d, name[2]);
	kp_of(ce, 0, &kps[0]);
	kp_of(cf, 0, &kps[1]);
	e2e_key_package_ref(&kps[0], refs[0]);
	e2e_key_package_ref(&kps[1], refs[1]);
	e2e_commit(gid, 0, 0, kps, 2, NULL, 0, &commit);
	assert_int_equal(post_mls(&t->d, &commit, &r), 201);
	assert_int_equal(json_integer_value(json_object_get(r, "epoch")), 1);
	json_decref(r);
	e2e_welcome((const uint8_t (*)[32])refs, 2, &welcome);
	assert_int_equal(post_mls(&t->d, &welcome, &r), 201);
	assert_int_equal(json_integer_value(json_object_get(r,
	    "recipients")), 2);
	json_decref(r);
	/* Each joiner finds its Welcome. */
	r = sync_get(&t->e, 0, 0);
	assert_int_equal(json_array_size(json_object_get(r, "messages")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(r, "messages"), 0), "kind")), "welcome");
	t->ecur = json_integer_value(json_object_get(r, "cursor"));
	json_decref(r);
	r = sync_get(&t->f, 0, 0);
	t->fcur = json_integer_value(json_object_get(r, "cursor"));
	json_decref(r);
	e2e_buf_free(&kps[0]);
	e2e_buf_free(&kps[1]);
	e2e_buf_free(&commit);
	e2e_buf_free(&welcome);
	json_decref(ce);
	json_decref(cf);
}

static void
test_commit_fanout_and_409(void **state)
{
	struct trio t;
	struct buf m;
	json_t *r = NULL;
	int i;

	(void)state;
	trio(&t, "g-fan");
	/* Three application messages reach both others, in order. */
	for (i = 0; i < 3; i++) {
		char text[16];

		snprintf(text, sizeof(text), "hello %d", i);
		e2e_app("g-fan", 1, text, &m);
		assert_int_equal(post_mls(&t.d, &m, NULL), 201);
		e2e_buf_free(&m);
	}
	r = sync_get(&t.e, t.ecur, 0);
	assert_int_equal(json_array_size(json_object_get(r, "messages")), 3);
	json_decref(r);
	r = sync_get(&t.f, t.fcur, 0);
	assert_int_equal(json_array_size(json_object_get(r, "messages")), 3);
	t.fcur = json_integer_value(json_object_get(r, "cursor"));
	json_decref(r);
	/* Ack: what was acknowledged is not sent again. */
	assert_int_equal(e2e_json(cur, "POST", "/v1/sync/ack", t.f.token,
	    json_pack("{s:I}", "cursor", (json_int_t)t.fcur), NULL), 200);
	r = sync_get(&t.f, 0, 0);
	assert_int_equal(json_array_size(json_object_get(r, "messages")), 0);
	json_decref(r);
	/* Commit race for epoch 1: eric (leaf 1) wins, fay gets 409. */
	e2e_commit("g-fan", 1, 1, NULL, 0, NULL, 0, &m);
	assert_int_equal(post_mls(&t.e, &m, &r), 201);
	json_decref(r);
	e2e_buf_free(&m);
	e2e_commit("g-fan", 1, 2, NULL, 0, NULL, 0, &m);
	assert_int_equal(post_mls(&t.f, &m, &r), 409);
	assert_int_equal(json_integer_value(json_object_get(r, "epoch")), 2);
	json_decref(r);
	e2e_buf_free(&m);
	/* A sender claiming someone else's leaf is refused. */
	e2e_commit("g-fan", 2, 0, NULL, 0, NULL, 0, &m);
	assert_int_equal(post_mls(&t.f, &m, NULL), 403);
	e2e_buf_free(&m);
	/* Removing fay (leaf 2): she gets that commit and nothing after. */
	{
		uint32_t rm = 2;

		e2e_commit("g-fan", 2, 0, NULL, 0, &rm, 1, &m);
		assert_int_equal(post_mls(&t.d, &m, &r), 201);
		assert_int_equal(json_integer_value(json_object_get(r,
		    "recipients")), 2);
		json_decref(r);
		e2e_buf_free(&m);
	}
	e2e_app("g-fan", 3, "after removal", &m);
	assert_int_equal(post_mls(&t.d, &m, &r), 201);
	assert_int_equal(json_integer_value(json_object_get(r, "recipients")),
	    1);
	json_decref(r);
	/* fay is no longer a member */
	assert_int_equal(post_mls(&t.f, &m, NULL), 403);
	e2e_buf_free(&m);
}

struct poll {
	struct device	*dev;
	int64_t		 after;
	size_t		 got;
	double		 seconds;
};

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *
poller(void *arg)
{
	struct poll *p = arg;
	char path[96];
	json_t *r = NULL;
	double t0 = now_s();

	snprintf(path, sizeof(path), "/v1/sync?after=%lld&wait=20",
	    (long long)p->after);
	if (e2e_json(cur, "GET", path, p->dev->token, NULL, &r) == 200)
		p->got = json_array_size(json_object_get(r, "messages"));
	p->seconds = now_s() - t0;
	json_decref(r);
	return NULL;
}

static void
test_longpoll_wakeup(void **state)
{
	struct trio t;
	struct poll p;
	struct buf m;
	pthread_t th;
	struct timespec wait = { 0, 300 * 1000 * 1000 };
	json_t *r;

	(void)state;
	trio(&t, "g-poll");
	/* Nothing queued: a short wait returns empty after its time. */
	r = sync_get(&t.e, t.ecur, 1);
	assert_int_equal(json_array_size(json_object_get(r, "messages")), 0);
	json_decref(r);
	p = (struct poll){ &t.e, t.ecur, 0, 0 };
	assert_int_equal(pthread_create(&th, NULL, poller, &p), 0);
	nanosleep(&wait, NULL);
	e2e_app("g-poll", 1, "wake up", &m);
	assert_int_equal(post_mls(&t.d, &m, NULL), 201);
	e2e_buf_free(&m);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(p.got, 1);
	/* woken by the post, not by the 20 s deadline */
	assert_true(p.seconds < 5.0);
	assert_int_equal(e2e_json(cur, "GET", "/v1/sync?wait=999",
	    t.e.token, NULL, NULL), 400);
}

static void
test_bad_input(void **state)
{
	struct trio t;
	struct buf m;
	char *big, deep[64];
	json_t *r;
	int i;

	(void)state;
	trio(&t, "g-bad");
	assert_int_equal(e2e_http(cur, "GET", "/nope", NULL, NULL, NULL, 0,
	    NULL), 404);
	assert_int_equal(e2e_http(cur, "DELETE", "/v1/sync", t.d.token,
	    NULL, NULL, 0, NULL), 404);
	assert_int_equal(e2e_http(cur, "POST", "/v1/auth/challenge", NULL,
	    "application/json", "{\"device_id\":", 13, NULL), 400);
	assert_int_equal(e2e_http(cur, "POST", "/v1/auth/challenge", NULL,
	    "text/plain", "{}", 2, NULL), 415);
	assert_int_equal(e2e_http(cur, "POST", "/v1/auth/challenge", NULL,
	    "application/json", "{\"device_id\":1,\"device_id\":2}", 29,
	    NULL), 400);
	for (i = 0; i < 20; i++)
		deep[i] = '[';
	for (i = 20; i < 40; i++)
		deep[i] = ']';
	assert_int_equal(e2e_http(cur, "POST", "/v1/sync/ack", t.d.token,
	    "application/json", deep, 40, NULL), 400);
	/* Unauthenticated bodies are small; authenticated ones larger. */
	big = malloc(64 * 1024);
	assert_non_null(big);
	memset(big, ' ', 64 * 1024);
	assert_int_equal(e2e_http(cur, "POST", "/v1/enrol", NULL,
	    "application/json", big, 64 * 1024, NULL), 413);
	assert_int_equal(e2e_http(cur, "POST", "/v1/sync/ack", NULL,
	    "application/json", big, 64 * 1024, NULL), 401);
	free(big);
	/* MLS garbage and wrong content type: no state change. */
	assert_int_equal(e2e_http(cur, "POST", "/v1/messages", t.d.token,
	    "message/mls", "\x00\x01\x00\x01garbage", 11, NULL), 400);
	e2e_commit("g-bad", 1, 0, NULL, 0, NULL, 0, &m);
	assert_int_equal(e2e_http(cur, "POST", "/v1/messages", t.d.token,
	    "application/octet-stream", m.p, m.n, NULL), 415);
	for (i = 1; i < (int)m.n; i += 7) {	/* every 7th truncation */
		assert_int_equal(e2e_http(cur, "POST", "/v1/messages",
		    t.d.token, "message/mls", m.p, (size_t)i, NULL), 400);
	}
	/* the epoch did not move: the real commit still applies */
	assert_int_equal(post_mls(&t.d, &m, NULL), 201);
	e2e_buf_free(&m);
	/* An unknown group, and a group the sender is not in. */
	e2e_app("g-none", 0, "x", &m);
	assert_int_equal(post_mls(&t.d, &m, NULL), 404);
	e2e_buf_free(&m);
	r = NULL;
	assert_int_equal(e2e_json(cur, "POST", "/v1/sync/ack", t.d.token,
	    json_pack("{s:s}", "cursor", "x"), &r), 400);
	assert_string_equal(json_string_value(json_object_get(r, "error")),
	    "malformed");
	json_decref(r);
}

static void
test_attachments(void **state)
{
	struct device g;
	struct buf out = { 0 };
	static const char hello_hash[] = "/v1/attachments/"
	    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
	static const char other_hash[] = "/v1/attachments/"
	    "0000000000000000000000000000000000000000000000000000000000000000";
	char *big;

	(void)state;
	device(&g, "gil", NULL);
	assert_int_equal(e2e_http(cur, "PUT", hello_hash, g.token,
	    "application/octet-stream", "hello", 5, NULL), 201);
	assert_int_equal(e2e_http(cur, "PUT", hello_hash, g.token,
	    "application/octet-stream", "hello", 5, NULL), 200);
	assert_int_equal(e2e_http(cur, "PUT", other_hash, g.token,
	    "application/octet-stream", "hello", 5, NULL), 422);
	assert_int_equal(e2e_http(cur, "GET", hello_hash, g.token, NULL,
	    NULL, 0, &out), 200);
	assert_int_equal(out.n, 5);
	assert_memory_equal(out.p, "hello", 5);
	e2e_buf_free(&out);
	assert_int_equal(e2e_http(cur, "GET", other_hash, g.token, NULL,
	    NULL, 0, NULL), 404);
	assert_int_equal(e2e_http(cur, "GET", hello_hash, NULL, NULL, NULL,
	    0, NULL), 401);
	/* over the 100000-byte quota of this server */
	big = calloc(1, 120000);
	assert_non_null(big);
	{
		uint8_t h[32];
		char path[96];
		static const char hex[] = "0123456789abcdef";
		int i;

		assert_int_equal(pouch_hash(e2e_crypto, POUCH_SHA256,
		    (const uint8_t *)big, 120000, h), POUCH_OK);
		memcpy(path, "/v1/attachments/", 16);
		for (i = 0; i < 32; i++) {
			path[16 + 2 * i] = hex[h[i] >> 4];
			path[17 + 2 * i] = hex[h[i] & 15];
		}
		path[80] = '\0';
		assert_int_equal(e2e_http(cur, "PUT", path, g.token,
		    "application/octet-stream", big, 120000, NULL), 413);
	}
	free(big);
}

static void
test_revoke(void **state)
{
	struct device h;
	char args[64];

	(void)state;
	device(&h, "hana", NULL);
	assert_int_equal(e2e_json(cur, "GET", "/v1/keypackages/count",
	    h.token, NULL, NULL), 200);
	snprintf(args, sizeof(args), "device revoke %lld", (long long)h.id);
	assert_int_equal(e2e_admin(cur, NULL, args), 0);
	/* the token dies at once */
	assert_int_equal(e2e_json(cur, "GET", "/v1/keypackages/count",
	    h.token, NULL, NULL), 401);
	assert_int_equal(e2e_login(cur, &h), 403);
	assert_int_equal(e2e_admin(cur, NULL, "audit list >/dev/null"), 0);
}

/* Revocation: the server proposes the Remove, a member commits it. */
static void
test_revoke_removes_from_groups(void **state)
{
	struct trio t;
	struct buf m, prop = { 0 };
	uint8_t server[32], ref[32];
	size_t n;
	char args[64];
	const char *s64;
	json_t *r;

	(void)state;
	trio(&t, "g-revoke");
	r = NULL;
	assert_int_equal(e2e_json(cur, "GET", "/v1/info", NULL, NULL, &r),
	    200);
	assert_int_equal(e2e_unb64(json_string_value(json_object_get(r,
	    "server_key")), server, sizeof(server), &n), 0);
	json_decref(r);
	snprintf(args, sizeof(args), "device revoke %lld >/dev/null",
	    (long long)t.f.id);
	assert_int_equal(e2e_admin(cur, NULL, args), 0);
	/* eric receives the server's signed Remove of fay (leaf 2) */
	r = sync_get(&t.e, t.ecur, 0);
	assert_int_equal(json_array_size(json_object_get(r, "messages")), 1);
	s64 = json_string_value(json_object_get(json_array_get(
	    json_object_get(r, "messages"), 0), "data"));
	prop.p = malloc(strlen(s64));
	assert_non_null(prop.p);
	assert_int_equal(e2e_unb64(s64, prop.p, strlen(s64), &prop.n), 0);
	json_decref(r);
	assert_int_equal(e2e_check_server_remove(&prop, server, "g-revoke", 1,
	    2, ref), 0);
	e2e_buf_free(&prop);
	/* dana commits it by reference: fay is out */
	e2e_commit_by_ref("g-revoke", 1, 0, ref, &m);
	assert_int_equal(post_mls(&t.d, &m, &r), 201);
	json_decref(r);
	e2e_buf_free(&m);
	e2e_app("g-revoke", 2, "without fay", &m);
	assert_int_equal(post_mls(&t.d, &m, &r), 201);
	assert_int_equal(json_integer_value(json_object_get(r, "recipients")),
	    1);
	json_decref(r);
	e2e_buf_free(&m);
}

/* The next message of d's queue after *after, which moves past it. */
static void
one_message(struct device *d, int64_t *after, const char *kind,
    struct buf *out)
{
	json_t *r = sync_get(d, *after, 0), *it;
	const char *s64;

	assert_true(json_array_size(json_object_get(r, "messages")) >= 1);
	it = json_array_get(json_object_get(r, "messages"), 0);
	assert_string_equal(json_string_value(json_object_get(it, "kind")),
	    kind);
	s64 = json_string_value(json_object_get(it, "data"));
	out->p = malloc(strlen(s64));
	assert_non_null(out->p);
	assert_int_equal(e2e_unb64(s64, out->p, strlen(s64), &out->n), 0);
	*after = json_integer_value(json_object_get(it, "cursor"));
	json_decref(r);
}

/*
 * Revocation survives a commit that ignored it: the server's Remove is
 * for epoch 1, dana commits epoch 1 without it, so the server proposes
 * the Remove again for epoch 2, once; a commit of that one removes fay.
 */
static void
test_revoke_reissued_after_commit(void **state)
{
	struct trio t;
	struct buf m, prop = { 0 };
	uint8_t server[32], ref[32];
	size_t n;
	char args[64];
	json_t *r = NULL;

	(void)state;
	trio(&t, "g-reissue");
	assert_int_equal(e2e_json(cur, "GET", "/v1/info", NULL, NULL, &r),
	    200);
	assert_int_equal(e2e_unb64(json_string_value(json_object_get(r,
	    "server_key")), server, sizeof(server), &n), 0);
	json_decref(r);
	snprintf(args, sizeof(args), "device revoke %lld >/dev/null",
	    (long long)t.f.id);
	assert_int_equal(e2e_admin(cur, NULL, args), 0);
	one_message(&t.e, &t.ecur, "proposal", &prop);
	assert_int_equal(e2e_check_server_remove(&prop, server, "g-reissue",
	    1, 2, ref), 0);
	e2e_buf_free(&prop);
	/* dana's commit for epoch 1 carries no Remove: fay stays */
	e2e_commit("g-reissue", 1, 0, NULL, 0, NULL, 0, &m);
	assert_int_equal(post_mls(&t.d, &m, &r), 201);
	assert_int_equal(json_integer_value(json_object_get(r, "epoch")), 2);
	json_decref(r);
	e2e_buf_free(&m);
	/* eric: dana's commit, then the server's Remove for epoch 2 */
	one_message(&t.e, &t.ecur, "commit", &prop);
	e2e_buf_free(&prop);
	one_message(&t.e, &t.ecur, "proposal", &prop);
	assert_int_equal(e2e_check_server_remove(&prop, server, "g-reissue",
	    2, 2, ref), 0);
	e2e_buf_free(&prop);
	/* housekeeping does not propose it a third time */
	assert_int_equal(e2e_admin(cur, NULL, "gc >/dev/null"), 0);
	r = sync_get(&t.e, t.ecur, 0);
	assert_int_equal(json_array_size(json_object_get(r, "messages")), 0);
	json_decref(r);
	/* eric commits it by reference: fay is out, nothing follows */
	e2e_commit_by_ref("g-reissue", 2, 1, ref, &m);
	assert_int_equal(post_mls(&t.e, &m, &r), 201);
	json_decref(r);
	e2e_buf_free(&m);
	e2e_app("g-reissue", 3, "without fay", &m);
	assert_int_equal(post_mls(&t.d, &m, &r), 201);
	assert_int_equal(json_integer_value(json_object_get(r, "recipients")),
	    1);
	json_decref(r);
	e2e_buf_free(&m);
}

/* Every route that needs a device token (the matrix and the expiry
 * test try each one). */
static const struct {
	const char	*method, *path, *ctype, *body;
} auth_routes[] = {
	{ "POST", "/v1/keypackages", "application/json",
	    "{\"key_packages\":[]}" },
	{ "GET", "/v1/keypackages/count", NULL, NULL },
	{ "POST", "/v1/keypackages/claim", "application/json",
	    "{\"user\":\"mx-owner\"}" },
	{ "POST", "/v1/groups", "application/json",
	    "{\"group_id\":\"bXg=\",\"cipher_suite\":1}" },
	{ "POST", "/v1/messages", "message/mls", "\x00\x01" },
	{ "GET", "/v1/sync?after=0&wait=0", NULL, NULL },
	{ "POST", "/v1/sync/ack", "application/json",
	    "{\"cursor\":999999}" },
	{ "PUT", "/v1/attachments/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5"
	    "c1fa7425e73043362938b9824", "application/octet-stream",
	    "hello" },
	{ "GET", "/v1/attachments/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5"
	    "c1fa7425e73043362938b9824", NULL, NULL },
	{ "GET", "/v1/kt/checkpoint", NULL, NULL },
	{ "GET", "/v1/kt/entries?start=0&end=1", NULL, NULL },
	{ "GET", "/v1/kt/proof/inclusion?leaf_index=0&tree_size=1", NULL,
	    NULL },
	{ "GET", "/v1/kt/proof/consistency?first=1&second=1", NULL, NULL },
	{ "GET", "/v1/kt/key", NULL, NULL },
	{ "POST", "/v1/devices/revoke", "application/json",
	    "{\"event\":\"AA==\"}" },
	{ "POST", "/v1/account/rotate", "application/json",
	    "{\"event\":\"AA==\"}" },
	{ "GET", "/v1/pair", NULL, NULL },
	{ "POST", "/v1/pair/approve", "application/json", "{}" },
};

/*
 * Every authenticated route under every bad credential: no token, not
 * hex, unknown, revoked device, suspended user.  Each answers 401 before
 * reading the body and changes nothing.
 */
static void
test_auth_matrix(void **state)
{
	struct device owner, revoked, suspended;
	const char *tokens[5];
	char args[96], unknown[65];
	json_t *r;
	size_t i, j;

	(void)state;
	device(&owner, "mx-owner", NULL);
	upload_kps(&owner, 900, 2, 0);
	device(&revoked, "mx-revoked", NULL);
	device(&suspended, "mx-suspended", NULL);
	snprintf(args, sizeof(args), "device revoke %lld >/dev/null",
	    (long long)revoked.id);
	assert_int_equal(e2e_admin(cur, NULL, args), 0);
	assert_int_equal(e2e_admin(cur, NULL,
	    "user suspend mx-suspended >/dev/null"), 0);
	memset(unknown, 'a', 64);
	unknown[64] = '\0';
	tokens[0] = NULL;
	tokens[1] = "not-a-token";
	tokens[2] = unknown;
	tokens[3] = revoked.token;
	tokens[4] = suspended.token;
	for (i = 0; i < sizeof(auth_routes) / sizeof(auth_routes[0]); i++)
		for (j = 0; j < 5; j++) {
			long st = e2e_http(cur, auth_routes[i].method,
			    auth_routes[i].path, tokens[j],
			    auth_routes[i].ctype, auth_routes[i].body,
			    auth_routes[i].body != NULL ?
			    strlen(auth_routes[i].body) : 0, NULL);

			if (st != 401)
				print_error("%s %s token %zu: %ld\n",
				    auth_routes[i].method,
				    auth_routes[i].path, j, st);
			assert_int_equal(st, 401);
		}
	/* nothing changed: the owner's KeyPackages are all there */
	r = NULL;
	assert_int_equal(e2e_json(cur, "GET", "/v1/keypackages/count",
	    owner.token, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r, "count")), 2);
	json_decref(r);
	/* and neither can log in again */
	assert_int_equal(e2e_login(cur, &revoked), 403);
	assert_int_equal(e2e_login(cur, &suspended), 403);
	assert_int_equal(e2e_admin(cur, NULL,
	    "user unsuspend mx-suspended >/dev/null"), 0);
	assert_int_equal(e2e_login(cur, &suspended), 200);
}

/*
 * A suspended user is not addressable: claims of their KeyPackages are
 * refused with user_suspended and consume nothing; unsuspended, they are
 * claimable again.
 */
static void
test_suspended_not_claimable(void **state)
{
	struct device target, asker;
	struct buf out = { 0 };
	json_t *r;

	(void)state;
	device(&target, "susp-target", NULL);
	device(&asker, "susp-asker", NULL);
	upload_kps(&target, 950, 2, 0);
	assert_int_equal(e2e_admin(cur, NULL,
	    "user suspend susp-target >/dev/null"), 0);
	assert_int_equal(e2e_http(cur, "POST", "/v1/keypackages/claim",
	    asker.token, "application/json", "{\"user\":\"susp-target\"}",
	    22, &out), 403);
	assert_non_null(out.p);
	assert_non_null(strstr((char *)out.p, "\"user_suspended\""));
	e2e_buf_free(&out);
	assert_int_equal(e2e_admin(cur, NULL,
	    "user unsuspend susp-target >/dev/null"), 0);
	/* nothing was consumed while suspended (its tokens died) */
	assert_int_equal(e2e_login(cur, &target), 200);
	r = NULL;
	assert_int_equal(e2e_json(cur, "GET", "/v1/keypackages/count",
	    target.token, NULL, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r, "count")), 2);
	json_decref(r);
	r = claim(&asker, "susp-target");
	assert_int_equal(json_array_size(json_object_get(r, "key_packages")),
	    1);
	json_decref(r);
}

/*
 * A token past token_ttl is refused (401 token_expired) on every route
 * and stays dead; a fresh challenge-response gives a working one.  A
 * server of its own with token_ttl = 2 (allowed on loopback only).
 */
static void
test_token_expiry(void **state)
{
	struct server s5;
	struct device x;
	struct buf out = { 0 };
	struct timespec past = { 3, 200 * 1000 * 1000 };
	char old[sizeof(x.token)];
	size_t i;

	(void)state;
	assert_int_equal(e2e_start(&s5, "token_ttl = 2\nrate_unauth = 0"), 0);
	cur = &s5;
	device(&x, "expiring", NULL);
	assert_int_equal(e2e_http(cur, "GET", "/v1/keypackages/count",
	    x.token, NULL, NULL, 0, NULL), 200);
	nanosleep(&past, NULL);
	assert_int_equal(e2e_http(cur, "GET", "/v1/keypackages/count",
	    x.token, NULL, NULL, 0, &out), 401);
	assert_non_null(out.p);
	assert_non_null(strstr((char *)out.p, "\"token_expired\""));
	e2e_buf_free(&out);
	/* every route that needs a token refuses the expired one */
	for (i = 0; i < sizeof(auth_routes) / sizeof(auth_routes[0]); i++) {
		long st = e2e_http(cur, auth_routes[i].method,
		    auth_routes[i].path, x.token, auth_routes[i].ctype,
		    auth_routes[i].body, auth_routes[i].body != NULL ?
		    strlen(auth_routes[i].body) : 0, NULL);

		if (st != 401)
			print_error("%s %s expired: %ld\n",
			    auth_routes[i].method, auth_routes[i].path, st);
		assert_int_equal(st, 401);
	}
	memcpy(old, x.token, sizeof(old));
	assert_int_equal(e2e_login(cur, &x), 200);
	assert_string_not_equal(old, x.token);
	assert_int_equal(e2e_http(cur, "GET", "/v1/keypackages/count",
	    x.token, NULL, NULL, 0, NULL), 200);
	assert_int_equal(e2e_http(cur, "GET", "/v1/keypackages/count", old,
	    NULL, NULL, 0, NULL), 401);
	cur = &srv;
	assert_int_equal(e2e_stop(&s5), 0);
}

/* A server of its own with a strict limit before authentication. */
static void
test_rate_limit(void **state)
{
	struct server s2;
	int i, limited = 0, ok = 0;

	(void)state;
	assert_int_equal(e2e_start(&s2, "rate_unauth = 1\n"
	    "rate_unauth_burst = 3"), 0);
	for (i = 0; i < 8; i++) {
		long st = e2e_http(&s2, "POST", "/v1/auth/challenge", NULL,
		    "application/json", "{\"device_id\":1}", 15, NULL);

		if (st == 429)
			limited++;
		else if (st == 403)	/* no such device: but it got in */
			ok++;
	}
	/* the burst of 3 gets in; refill is 1/s, so a slow machine may
	 * let one or two more through, never all eight */
	assert_true(ok >= 3 && ok + limited == 8);
	assert_true(limited >= 1);
	/* unlimited routes stay open */
	assert_int_equal(e2e_http(&s2, "GET", "/healthz", NULL, NULL, NULL, 0,
	    NULL), 200);
	assert_int_equal(e2e_stop(&s2), 0);
}

/* Attachments live while a queued message carries them, then go. */
static void
test_attachment_gc(void **state)
{
	static const char hash[] =
	    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
	struct server s4;
	struct trio t;
	struct buf m, out = { 0 };
	char path[256], hdr[80];
	json_t *r;

	(void)state;
	assert_int_equal(e2e_start(&s4, "attachment_retention = 0\n"
	    "rate_unauth = 0"), 0);
	cur = &s4;
	trio(&t, "g-att");
	snprintf(path, sizeof(path), "/v1/attachments/%s", hash);
	assert_int_equal(e2e_http(cur, "PUT", path, t.d.token,
	    "application/octet-stream", "hello", 5, NULL), 201);
	e2e_app("g-att", 1, "see attachment", &m);
	/* a malformed list, and an attachment that does not exist */
	assert_int_equal(e2e_http(cur, "POST", "/v1/messages", t.d.token,
	    "message/mls", m.p, m.n, NULL), 201);
	snprintf(hdr, sizeof(hdr), "%s", hash);
	assert_int_equal(post_mls_att(&t.d, &m, "zz"), 400);
	assert_int_equal(post_mls_att(&t.d, &m, "00000000000000000000000000"
	    "00000000000000000000000000000000000000"), 404);
	assert_int_equal(post_mls_att(&t.d, &m, hdr), 201);
	e2e_buf_free(&m);
	/* queued for eric and fay: gc keeps it */
	assert_int_equal(e2e_admin(cur, NULL, "gc >/dev/null"), 0);
	assert_int_equal(e2e_http(cur, "GET", path, t.e.token, NULL, NULL, 0,
	    &out), 200);
	e2e_buf_free(&out);
	/* both acknowledge everything: gc removes row and bytes */
	r = sync_get(&t.e, 0, 0);
	assert_int_equal(e2e_json(cur, "POST", "/v1/sync/ack", t.e.token,
	    json_pack("{s:O}", "cursor", json_object_get(r, "cursor")), NULL),
	    200);
	json_decref(r);
	assert_int_equal(e2e_admin(cur, NULL, "gc >/dev/null"), 0);
	assert_int_equal(e2e_http(cur, "GET", path, t.e.token, NULL, NULL, 0,
	    NULL), 200);			/* fay still has it queued */
	r = sync_get(&t.f, 0, 0);
	assert_int_equal(e2e_json(cur, "POST", "/v1/sync/ack", t.f.token,
	    json_pack("{s:O}", "cursor", json_object_get(r, "cursor")), NULL),
	    200);
	json_decref(r);
	assert_int_equal(e2e_admin(cur, NULL, "gc >/dev/null"), 0);
	assert_int_equal(e2e_http(cur, "GET", path, t.e.token, NULL, NULL, 0,
	    NULL), 404);
	snprintf(path, sizeof(path), "%s/attachments/%s", s4.dir, hash);
	assert_int_not_equal(access(path, F_OK), 0);
	cur = &srv;
	assert_int_equal(e2e_stop(&s4), 0);
}

static void
test_metrics(void **state)
{
	struct buf out = { 0 };

	(void)state;
	assert_int_equal(e2e_http(cur, "GET", "/metrics", NULL, NULL, NULL,
	    0, &out), 200);
	assert_non_null(strstr((char *)out.p,
	    "pouchd_requests_total{route=\"message\",code=\"2xx\"}"));
	assert_non_null(strstr((char *)out.p, "pouchd_open_connections"));
	assert_non_null(strstr((char *)out.p, "pouchd_queue_depth "));
	e2e_buf_free(&out);
}

/*
 * Commit race over HTTP: 8 members commit for the same epoch at once,
 * 50 rounds; exactly one 201 per round, the others 409 with the epoch.
 */
#define RACERS	8
#define ROUNDS	50

struct racer {
	struct device		 dev;
	uint32_t		 leaf;
	pthread_barrier_t	*bar;
	int			 won, lost, other;
};

static void *
racer_main(void *arg)
{
	struct racer *r = arg;
	struct buf m;
	json_t *reply;
	int round;
	long st;

	for (round = 0; round < ROUNDS; round++) {
		/* after the commit that built the group: epoch round + 1 */
		e2e_commit("g-race", (uint64_t)round + 1, r->leaf, NULL, 0,
		    NULL, 0, &m);
		pthread_barrier_wait(r->bar);
		reply = NULL;
		st = post_mls(&r->dev, &m, &reply);
		if (st == 201)
			r->won++;
		else if (st == 409 && json_integer_value(json_object_get(
		    reply, "epoch")) == round + 2)
			r->lost++;
		else
			r->other++;
		json_decref(reply);
		e2e_buf_free(&m);
		pthread_barrier_wait(r->bar);	/* the round is over */
	}
	return NULL;
}

static void
test_commit_race(void **state)
{
	static struct racer r[RACERS];
	struct buf kps[RACERS], commit;
	pthread_barrier_t bar;
	pthread_t th[RACERS];
	json_t *c;
	char name[32], *g64;
	int i, won = 0, lost = 0, other = 0;

	(void)state;
	for (i = 0; i < RACERS; i++) {
		snprintf(name, sizeof(name), "racer-%d", i);
		device(&r[i].dev, name, NULL);
		r[i].leaf = (uint32_t)i;
		r[i].bar = &bar;
		if (i > 0)
			upload_kps(&r[i].dev, 700 + (uint32_t)i, 1, 0);
	}
	g64 = e2e_b64((const uint8_t *)"g-race", 6);
	assert_int_equal(e2e_json(cur, "POST", "/v1/groups", r[0].dev.token,
	    json_pack("{s:s,s:i}", "group_id", g64, "cipher_suite", 1), NULL),
	    201);
	free(g64);
	for (i = 1; i < RACERS; i++) {
		c = claim(&r[0].dev, r[i].dev.user);
		kp_of(c, 0, &kps[i]);
		json_decref(c);
	}
	/* one commit adds the seven others at leaves 1..7; epoch 1 */
	e2e_commit("g-race", 0, 0, kps + 1, RACERS - 1, NULL, 0, &commit);
	assert_int_equal(post_mls(&r[0].dev, &commit, NULL), 201);
	e2e_buf_free(&commit);
	for (i = 1; i < RACERS; i++)
		e2e_buf_free(&kps[i]);
	assert_int_equal(pthread_barrier_init(&bar, NULL, RACERS), 0);
	for (i = 0; i < RACERS; i++) {
		r[i].won = r[i].lost = r[i].other = 0;
		assert_int_equal(pthread_create(&th[i], NULL, racer_main,
		    &r[i]), 0);
	}
	for (i = 0; i < RACERS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		won += r[i].won;
		lost += r[i].lost;
		other += r[i].other;
	}
	pthread_barrier_destroy(&bar);
	print_message("commit race: %d won, %d lost, %d other\n", won, lost,
	    other);
	assert_int_equal(other, 0);
	assert_int_equal(won, ROUNDS);
	assert_int_equal(lost, ROUNDS * (RACERS - 1));
}

static int
file_has(const char *path, const char *needle)
{
	char buf[65536];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* Log rotation on SIGHUP; backup while serving; restore when stopped. */
static void
test_sighup_backup_restore(void **state)
{
	struct server s3;
	struct buf out = { 0 };
	char path[256], rotated[256], args[300];
	struct timespec ms = { 0, 200 * 1000 * 1000 };
	int i, st;

	(void)state;
	assert_int_equal(e2e_start(&s3, NULL), 0);
	snprintf(path, sizeof(path), "%s/pouchd.log", s3.dir);
	snprintf(rotated, sizeof(rotated), "%s/pouchd.log.1", s3.dir);
	assert_int_equal(rename(path, rotated), 0);
	kill(s3.pid, SIGHUP);
	/* the signal thread reopens on its own time: up to 10 s */
	for (i = 0; i < 50 && !file_has(path, "\"log_reopened\""); i++)
		nanosleep(&ms, NULL);
	assert_true(file_has(path, "\"log_reopened\""));
	assert_int_equal(e2e_http(&s3, "GET", "/healthz", NULL, NULL, NULL, 0,
	    NULL), 200);
	assert_true(file_has(path, "\"route\":\"healthz\""));
	/* no secret in any log line: the codes never appear */
	assert_int_equal(e2e_admin(&s3, NULL, "user add before >/dev/null"), 0);
	assert_int_equal(e2e_admin(&s3, &out, "code create before"), 0);
	assert_false(file_has(path, strstr((char *)out.p, "pc-")));
	e2e_buf_free(&out);
	snprintf(args, sizeof(args), "backup %s/backup.db", s3.dir);
	assert_int_equal(e2e_admin(&s3, NULL, args), 0);
	assert_int_equal(e2e_admin(&s3, NULL, "user add after >/dev/null"), 0);
	/* restore refuses while pouchd runs */
	snprintf(args, sizeof(args), "restore %s/backup.db 2>/dev/null",
	    s3.dir);
	assert_int_not_equal(e2e_admin(&s3, NULL, args), 0);
	kill(s3.pid, SIGTERM);
	assert_int_equal(waitpid(s3.pid, &st, 0), s3.pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	s3.pid = 0;
	snprintf(args, sizeof(args), "restore %s/backup.db >/dev/null",
	    s3.dir);
	assert_int_equal(e2e_admin(&s3, NULL, args), 0);
	assert_int_equal(e2e_restart(&s3, 0), 0);
	assert_int_equal(e2e_admin(&s3, &out, "user list"), 0);
	assert_non_null(strstr((char *)out.p, "\"before\""));
	assert_null(strstr((char *)out.p, "\"after\""));
	e2e_buf_free(&out);
	assert_int_equal(e2e_stop(&s3), 0);
}

/* POST /v1/pair for user with key k and commitment cm: the status. */
static long
pair_request(const char *user, const uint8_t *k, const uint8_t *cm)
{
	json_t *b;
	char *kb = e2e_b64(k, 32), *cb = e2e_b64(cm, 32);
	long st;

	b = json_pack("{s:s,s:s,s:s}", "user", user, "device_key", kb,
	    "commit", cb);
	st = e2e_json(cur, "POST", "/v1/pair", NULL, b, NULL);	/* takes b */
	free(kb);
	free(cb);
	return st;
}

/* POST /v1/pair/poll: the status; *r the answer. */
static long
pair_poll(const uint8_t *k, const uint8_t *cm, json_t **r)
{
	json_t *b;
	char *kb = e2e_b64(k, 32), *cb = e2e_b64(cm, 32);
	long st;

	b = json_pack("{s:s,s:s}", "device_key", kb, "commit", cb);
	st = e2e_json(cur, "POST", "/v1/pair/poll", NULL, b, r);
	free(kb);
	free(cb);
	return st;
}

/*
 * Pairing requests are in the store: one posted, then pouchd SIGKILLed
 * and restarted, is still pending, listed and approvable; the approval
 * survives another kill and is taken once, by the right commitment only.
 * A request cannot be posted twice, approved twice, or approved by
 * another user's device; a user has at most 8 pending.  (On PostgreSQL
 * too: e2e_test_pouchd_pg runs this file again.)
 */
static void
test_pair_survives_restart(void **state)
{
	struct device a, o;
	uint8_t k[32], cm[32], cm2[32], ap[96], mac[32], got[96];
	char *kb, *apb, *macb;
	json_t *r = NULL;
	const char *s;
	size_t n, i;

	(void)state;
	device(&a, "pairer", NULL);
	device(&o, "pairother", NULL);
	memset(k, 0x5a, sizeof(k));
	k[0] = (uint8_t)(rand() & 0xff);	/* checksrc: allow */
	memset(cm, 0xc3, sizeof(cm));
	memcpy(cm2, cm, sizeof(cm2));
	cm2[31] ^= 1;
	memset(ap, 0xa7, sizeof(ap));
	memset(mac, 0x3e, sizeof(mac));
	assert_int_equal(pair_request("pairer", k, cm), 201);
	assert_int_equal(pair_request("pairer", k, cm), 409);
	assert_int_equal(e2e_restart(&srv, SIGKILL), 0);
	assert_int_equal(pair_poll(k, cm, NULL), 202);
	assert_int_equal(e2e_login(cur, &a), 200);
	assert_int_equal(e2e_login(cur, &o), 200);
	assert_int_equal(e2e_json(cur, "GET", "/v1/pair", a.token, NULL, &r),
	    200);
	assert_int_equal(json_array_size(json_object_get(r, "requests")), 1);
	s = json_string_value(json_object_get(json_array_get(
	    json_object_get(r, "requests"), 0), "device_key"));
	assert_non_null(s);
	assert_int_equal(e2e_unb64(s, got, sizeof(got), &n), 0);
	assert_int_equal(n, 32);
	assert_memory_equal(got, k, 32);
	json_decref(r);
	/* another user's device sees nothing and cannot approve */
	assert_int_equal(e2e_json(cur, "GET", "/v1/pair", o.token, NULL, &r),
	    200);
	assert_int_equal(json_array_size(json_object_get(r, "requests")), 0);
	json_decref(r);
	kb = e2e_b64(k, 32);
	apb = e2e_b64(ap, sizeof(ap));
	macb = e2e_b64(mac, sizeof(mac));
	assert_int_equal(e2e_json(cur, "POST", "/v1/pair/approve", o.token,
	    json_pack("{s:s,s:s,s:s}", "device_key", kb, "approval", apb,
	    "mac", macb), NULL), 404);
	assert_int_equal(e2e_json(cur, "POST", "/v1/pair/approve", a.token,
	    json_pack("{s:s,s:s,s:s}", "device_key", kb, "approval", apb,
	    "mac", macb), NULL), 200);
	/* the first approval stands */
	apb[0] = apb[0] == 'A' ? 'B' : 'A';
	assert_int_equal(e2e_json(cur, "POST", "/v1/pair/approve", a.token,
	    json_pack("{s:s,s:s,s:s}", "device_key", kb, "approval", apb,
	    "mac", macb), NULL), 409);
	free(kb);
	free(apb);
	free(macb);
	assert_int_equal(e2e_restart(&srv, SIGKILL), 0);
	/* approved: no longer listed; the wrong commitment learns nothing */
	assert_int_equal(e2e_login(cur, &a), 200);
	assert_int_equal(e2e_json(cur, "GET", "/v1/pair", a.token, NULL, &r),
	    200);
	assert_int_equal(json_array_size(json_object_get(r, "requests")), 0);
	json_decref(r);
	assert_int_equal(pair_poll(k, cm2, NULL), 404);
	assert_int_equal(pair_poll(k, cm, &r), 200);
	assert_non_null(r);
	assert_int_equal(e2e_unb64(json_string_value(json_object_get(r,
	    "approval")), got, sizeof(got), &n), 0);
	assert_int_equal(n, sizeof(ap));
	assert_memory_equal(got, ap, sizeof(ap));
	assert_int_equal(e2e_unb64(json_string_value(json_object_get(r,
	    "mac")), got, sizeof(got), &n), 0);
	assert_int_equal(n, sizeof(mac));
	assert_memory_equal(got, mac, sizeof(mac));
	json_decref(r);
	assert_int_equal(pair_poll(k, cm, NULL), 404);	/* taken once */
	/* at most 8 pending a user */
	for (i = 0; i < 8; i++) {
		k[1] = (uint8_t)(i + 1);
		assert_int_equal(pair_request("pairer", k, cm), 201);
	}
	k[1] = 0xff;
	assert_int_equal(pair_request("pairer", k, cm), 503);
	assert_int_equal(pair_request("nosuchuser", k, cm), 404);
}

/*
 * Crash: a client posts as fast as it can while pouchd is killed with
 * SIGKILL at random moments and restarted, five times.  Every message
 * the server acknowledged (201) is then delivered to the other member,
 * once, in the order of the acknowledgements.
 */
static pthread_mutex_t srv_mu = PTHREAD_MUTEX_INITIALIZER;

struct crash {
	struct trio	*t;
	atomic_int	 stop;
	int64_t		 acked[8192];
	atomic_int	 nacked;
	int		 failed;
};

static void *
crash_poster(void *arg)
{
	struct crash *c = arg;
	struct server snap;
	struct buf m, out;
	struct timespec ms = { 0, 10 * 1000 * 1000 };
	char text[32];
	json_t *r;
	long st;
	int i;

	for (i = 0; !atomic_load(&c->stop) && c->nacked < 8192; i++) {
		snprintf(text, sizeof(text), "crash %d", i);
		e2e_app("g-crash", 1, text, &m);
		pthread_mutex_lock(&srv_mu);
		snap = srv;
		pthread_mutex_unlock(&srv_mu);
		memset(&out, 0, sizeof(out));
		st = e2e_http(&snap, "POST", "/v1/messages", c->t->d.token,
		    "message/mls", m.p, m.n, &out);
		if (st == 201 && (r = json_loadb((const char *)out.p, out.n,
		    0, NULL)) != NULL) {
			c->acked[c->nacked++] = json_integer_value(
			    json_object_get(r, "id"));
			json_decref(r);
		} else {
			c->failed++;
			nanosleep(&ms, NULL);	/* down: try again */
		}
		e2e_buf_free(&out);
		e2e_buf_free(&m);
	}
	return NULL;
}

static void
test_crash_no_acked_message_lost(void **state)
{
	static struct crash c;
	struct trio t;
	pthread_t th;
	int64_t after, prev = 0;
	size_t i, k, seen = 0, n;
	json_t *r, *msgs;

	(void)state;
	trio(&t, "g-crash");
	memset(&c, 0, sizeof(c));
	c.t = &t;
	assert_int_equal(pthread_create(&th, NULL, crash_poster, &c), 0);
	for (k = 0; k < 5; k++) {
		struct timespec pause = { 0,
		    (long)(100 + rand() % 300) * 1000 * 1000 };	/* checksrc: allow */

		nanosleep(&pause, NULL);
		pthread_mutex_lock(&srv_mu);
		assert_int_equal(e2e_restart(&srv, SIGKILL), 0);
		pthread_mutex_unlock(&srv_mu);
	}
	{
		/* the last server must take some posts too: at least 300 ms
		 * and three more acknowledgements (a loaded host is slow),
		 * at most 30 s */
		struct timespec settle = { 0, 100 * 1000 * 1000 };
		int before = atomic_load(&c.nacked);

		for (k = 0; k < 300 && (k < 3 ||
		    atomic_load(&c.nacked) < before + 3); k++)
			nanosleep(&settle, NULL);
	}
	atomic_store(&c.stop, 1);
	assert_int_equal(pthread_join(th, NULL), 0);
	print_message("crash: %d acked, %d failed attempts, 5 kills\n",
	    c.nacked, c.failed);
	assert_true(c.nacked > 0);
	/* eric gets every acknowledged message once, in order */
	after = t.ecur;
	do {
		r = sync_get(&t.e, after, 0);
		msgs = json_object_get(r, "messages");
		n = json_array_size(msgs);
		for (i = 0; i < n; i++) {
			int64_t id = json_integer_value(json_object_get(
			    json_array_get(msgs, i), "id"));

			assert_true(id > prev);		/* ordered, no dups */
			prev = id;
			if (seen < (size_t)c.nacked && id == c.acked[seen])
				seen++;
		}
		after = json_integer_value(json_object_get(r, "cursor"));
		json_decref(r);
	} while (n > 0);
	assert_int_equal(seen, (size_t)c.nacked);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health_and_info),
		cmocka_unit_test(test_enrol_and_auth),
		cmocka_unit_test(test_key_packages),
		cmocka_unit_test(test_commit_fanout_and_409),
		cmocka_unit_test(test_longpoll_wakeup),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_attachments),
		cmocka_unit_test(test_revoke),
		cmocka_unit_test(test_revoke_removes_from_groups),
		cmocka_unit_test(test_revoke_reissued_after_commit),
		cmocka_unit_test(test_auth_matrix),
		cmocka_unit_test(test_suspended_not_claimable),
		cmocka_unit_test(test_token_expiry),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_commit_race),
		cmocka_unit_test(test_sighup_backup_restore),
		cmocka_unit_test(test_attachment_gc),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_pair_survives_restart),
		cmocka_unit_test(test_crash_no_acked_message_lost),
	};

	return cmocka_run_group_tests_name("pouchd e2e", tests, group_setup,
	    group_teardown);
}
