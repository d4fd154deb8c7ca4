/*
 * test_kp_suite.c - KeyPackages per cipher suite over pouchd's API, on a
 * real pouchd (the end-to-end harness, tests/e2e): uploads keep each
 * KeyPackage's suite, count and claim answer for the suite asked for
 * (default: the hybrid suite 0xF001), a device with none of it comes
 * back as missing, and the configured suite alias (mls_suite_alias) is a
 * suite like the others; without it, the same upload is refused (422),
 * and an alias that cannot be one stops pouchd with a message.  An upload
 * with "replace": true (after an account-key rotation) drops the device's
 * unclaimed KeyPackages of its suites first: no claim hands out an old
 * one again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "codec/codec.h"
#include "e2e/e2e.h"
#include "mls/msg.h"
#include "mls/suite.h"

#define HYBRID	POUCH_MLS_SUITE_HYBRID	/* 61441 */
#define ALIAS	0x7e57			/* 32343: a code IANA might give */

#define LIMITS	"rate_unauth = 10000\nrate_unauth_burst = 10000\n"

static struct server plain, aliased;

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (e2e_start(&plain, LIMITS) != 0)
		return -1;
	return e2e_start(&aliased, LIMITS "mls_suite_alias = 0x7E57\n");
}

static int
group_teardown(void **state)
{
	int rc = 0;

	(void)state;
	if (e2e_stop(&plain) != 0)
		rc = -1;
	if (e2e_stop(&aliased) != 0)
		rc = -1;
	curl_global_cleanup();
	pouch_crypto_free(e2e_crypto);
	e2e_crypto = NULL;
	return rc;
}

/* A device of user on s, enrolled and logged in. */
static void
device(struct server *s, struct device *d, const char *user,
    const struct device *acct)
{
	e2e_device_new(d, user, acct);
	assert_int_equal(e2e_enrol_login(s, d), 0);
}

/* POST /v1/keypackages of kps (and last-resort lr, may be NULL), with
 * the value rep for "replace" (NULL: absent; the body takes it). */
static long
upload_rep(struct server *s, const struct device *d, const struct buf *kps,
    size_t n, const struct buf *lr, json_t *rep)
{
	json_t *arr = json_array(), *body = json_object(), *r = NULL;
	char *b;
	size_t i;
	long st;

	for (i = 0; i < n; i++) {
		b = e2e_b64(kps[i].p, kps[i].n);
		json_array_append_new(arr, json_string(b));
		free(b);
	}
	json_object_set_new(body, "key_packages", arr);
	if (lr != NULL) {
		b = e2e_b64(lr->p, lr->n);
		json_object_set_new(body, "last_resort", json_string(b));
		free(b);
	}
	if (rep != NULL)
		json_object_set_new(body, "replace", rep);
	st = e2e_json(s, "POST", "/v1/keypackages", d->token, body, &r);
	json_decref(r);
	return st;
}

static long
upload(struct server *s, const struct device *d, const struct buf *kps,
    size_t n, const struct buf *lr)
{
	return upload_rep(s, d, kps, n, lr, NULL);
}

/* GET /v1/keypackages/count with query (may be ""); *r the answer. */
static long
count(struct server *s, const struct device *d, const char *query,
    json_t **r)
{
	char path[96];

	snprintf(path, sizeof(path), "/v1/keypackages/count%s", query);
	*r = NULL;
	return e2e_json(s, "GET", path, d->token, NULL, r);
}

static void
count_is(struct server *s, const struct device *d, const char *query,
    json_int_t want, int want_lr, json_int_t suite)
{
	json_t *r;

	assert_int_equal(count(s, d, query, &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r, "count")),
	    want);
	assert_int_equal(json_is_true(json_object_get(r, "last_resort")),
	    want_lr);
	assert_int_equal(json_integer_value(json_object_get(r,
	    "cipher_suite")), suite);
	json_decref(r);
}

/* POST /v1/keypackages/claim for user, with suite (NULL: not given). */
static long
claim(struct server *s, const struct device *d, const char *user,
    json_t *suite, json_t **r)
{
	json_t *body = json_pack("{s:s}", "user", user);

	if (suite != NULL)
		json_object_set_new(body, "cipher_suite", suite);
	*r = NULL;
	return e2e_json(s, "POST", "/v1/keypackages/claim", d->token, body,
	    r);
}

/* The claim entry of device id in r (fails when absent). */
static json_t *
entry(json_t *r, int64_t id)
{
	json_t *arr = json_object_get(r, "key_packages"), *e;
	size_t i;

	assert_true(json_is_array(arr));
	json_array_foreach(arr, i, e)
		if (json_integer_value(json_object_get(e, "device_id")) == id)
			return e;
	fail_msg("no entry for device %lld", (long long)id);
	return NULL;
}

/* e hands out want (its bytes), in suite. */
static void
handed(json_t *e, const struct buf *want, json_int_t suite, int lr)
{
	const char *b = json_string_value(json_object_get(e, "key_package"));
	uint8_t got[4096];
	size_t n;

	assert_non_null(b);
	assert_int_equal(e2e_unb64(b, got, sizeof(got), &n), 0);
	assert_int_equal(n, want->n);
	assert_memory_equal(got, want->p, n);
	assert_int_equal(got[6] << 8 | got[7], suite);
	assert_null(json_object_get(e, "missing"));
	assert_int_equal(json_integer_value(json_object_get(e,
	    "cipher_suite")), suite);
	assert_int_equal(json_is_true(json_object_get(e, "last_resort")), lr);
}

static void
missing(json_t *e, json_int_t suite)
{
	assert_true(json_is_true(json_object_get(e, "missing")));
	assert_null(json_object_get(e, "key_package"));
	assert_int_equal(json_integer_value(json_object_get(e,
	    "cipher_suite")), suite);
}

/* 1 when GET /v1/info lists code in mls_suites. */
static int
info_lists(struct server *s, json_int_t code)
{
	json_t *r = NULL, *arr, *v;
	size_t i;
	int found = 0;

	assert_int_equal(e2e_json(s, "GET", "/v1/info", NULL, NULL, &r), 200);
	arr = json_object_get(r, "mls_suites");
	assert_true(json_is_array(arr));
	json_array_foreach(arr, i, v)
		if (json_integer_value(v) == code)
			found = 1;
	json_decref(r);
	return found;
}

static void
free_bufs(struct buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		e2e_buf_free(&b[i]);
}

/*
 * bob's b1 publishes in the hybrid suite and in suite 1, b2 in none:
 * count and claim answer per suite, the default being the hybrid one,
 * and b2 comes back missing (and loses nothing).
 */
static void
test_per_suite(void **state)
{
	struct device a, b1, b2;
	struct buf kp[4];
	json_t *r;

	(void)state;
	device(&plain, &a, "alice", NULL);
	device(&plain, &b1, "bob", NULL);
	device(&plain, &b2, "bob", &b1);
	e2e_key_package_in(&b1, HYBRID, 1, &kp[0]);
	e2e_key_package_in(&b1, HYBRID, 2, &kp[1]);
	e2e_key_package_in(&b1, 1, 3, &kp[2]);
	e2e_key_package_in(&b1, 1, 4, &kp[3]);
	assert_int_equal(upload(&plain, &b1, kp, 3, &kp[3]), 201);
	count_is(&plain, &b1, "", 2, 0, HYBRID);
	count_is(&plain, &b1, "?cipher_suite=61441", 2, 0, HYBRID);
	count_is(&plain, &b1, "?cipher_suite=1", 1, 1, 1);
	count_is(&plain, &b2, "", 0, 0, HYBRID);
	assert_int_equal(count(&plain, &b1, "?cipher_suite=0", &r), 400);
	json_decref(r);
	assert_int_equal(count(&plain, &b1, "?cipher_suite=65536", &r), 400);
	json_decref(r);
	assert_int_equal(count(&plain, &b1, "?cipher_suite=0xF001", &r), 400);
	json_decref(r);
	assert_int_equal(count(&plain, &b1, "?cipher_suite=32343", &r), 422);
	json_decref(r);

	/* the default: the hybrid suite */
	assert_int_equal(claim(&plain, &a, "bob", NULL, &r), 200);
	assert_int_equal(json_array_size(json_object_get(r,
	    "key_packages")), 2);
	handed(entry(r, b1.id), &kp[0], HYBRID, 0);
	missing(entry(r, b2.id), HYBRID);
	json_decref(r);
	/* suite 1: the ordinary one, then the last-resort one (kept) */
	assert_int_equal(claim(&plain, &a, "bob", json_integer(1), &r), 200);
	handed(entry(r, b1.id), &kp[2], 1, 0);
	missing(entry(r, b2.id), 1);
	json_decref(r);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(claim(&plain, &a, "bob", json_integer(1),
		    &r), 200);
		handed(entry(r, b1.id), &kp[3], 1, 1);
		json_decref(r);
	}
	assert_int_equal(claim(&plain, &a, "bob", json_integer(HYBRID), &r),
	    200);
	handed(entry(r, b1.id), &kp[1], HYBRID, 0);
	json_decref(r);
	/* b1's hybrid ones are gone; b2 still has nothing, lost nothing */
	assert_int_equal(claim(&plain, &a, "bob", NULL, &r), 200);
	missing(entry(r, b1.id), HYBRID);
	missing(entry(r, b2.id), HYBRID);
	json_decref(r);
	count_is(&plain, &b1, "", 0, 0, HYBRID);
	count_is(&plain, &b1, "?cipher_suite=1", 0, 1, 1);

	/* bad suites in a claim */
	assert_int_equal(claim(&plain, &a, "bob", json_string("1"), &r), 400);
	json_decref(r);
	assert_int_equal(claim(&plain, &a, "bob", json_integer(0), &r), 400);
	json_decref(r);
	assert_int_equal(claim(&plain, &a, "bob", json_integer(70000), &r),
	    400);
	json_decref(r);
	assert_int_equal(claim(&plain, &a, "bob", json_integer(ALIAS), &r),
	    422);
	json_decref(r);
	free_bufs(kp, 4);
}

/*
 * With mls_suite_alias, a KeyPackage in the alias suite is accepted,
 * counted and claimed under it, groups may use it, and /v1/info lists
 * it; the server without the alias refuses the same upload (422).
 */
static void
test_alias(void **state)
{
	struct device a, b, pa, pb;
	struct buf kp[2], pkp;
	json_t *r = NULL;
	char *g64;

	(void)state;
	assert_true(info_lists(&aliased, ALIAS));
	assert_true(info_lists(&aliased, HYBRID));
	assert_true(info_lists(&aliased, 1));
	assert_false(info_lists(&plain, ALIAS));
	assert_true(info_lists(&plain, HYBRID));

	device(&aliased, &a, "alice", NULL);
	device(&aliased, &b, "bob", NULL);
	e2e_key_package_in(&b, ALIAS, 1, &kp[0]);
	e2e_key_package_in(&b, HYBRID, 2, &kp[1]);
	assert_int_equal(upload(&aliased, &b, kp, 2, NULL), 201);
	count_is(&aliased, &b, "?cipher_suite=32343", 1, 0, ALIAS);
	count_is(&aliased, &b, "", 1, 0, HYBRID);
	assert_int_equal(claim(&aliased, &a, "bob", json_integer(ALIAS), &r),
	    200);
	handed(entry(r, b.id), &kp[0], ALIAS, 0);
	json_decref(r);
	assert_int_equal(claim(&aliased, &a, "bob", json_integer(ALIAS), &r),
	    200);
	missing(entry(r, b.id), ALIAS);
	json_decref(r);
	assert_int_equal(claim(&aliased, &a, "bob", NULL, &r), 200);
	handed(entry(r, b.id), &kp[1], HYBRID, 0);
	json_decref(r);
	g64 = e2e_b64((const uint8_t *)"alias-group", 11);
	assert_int_equal(e2e_json(&aliased, "POST", "/v1/groups", a.token,
	    json_pack("{s:s,s:i}", "group_id", g64, "cipher_suite", ALIAS),
	    NULL), 201);

	/* the server without the alias knows no such suite */
	device(&plain, &pa, "carol", NULL);
	device(&plain, &pb, "dan", NULL);
	e2e_key_package_in(&pb, ALIAS, 5, &pkp);
	assert_int_equal(upload(&plain, &pb, &pkp, 1, NULL), 422);
	assert_int_equal(upload(&plain, &pb, NULL, 0, &pkp), 422);
	count_is(&plain, &pb, "", 0, 0, HYBRID);
	assert_int_equal(e2e_json(&plain, "POST", "/v1/groups", pa.token,
	    json_pack("{s:s,s:i}", "group_id", g64, "cipher_suite", ALIAS),
	    NULL), 422);
	free(g64);
	e2e_buf_free(&pkp);
	free_bufs(kp, 2);
}

/*
 * fay's f1 published in the hybrid suite and in suite 1, f2 in the
 * hybrid one; one of f1's was claimed.  f1 uploads a new batch with
 * "replace": true: its old hybrid ones (the last-resort one too) are
 * gone, its suite 1 one and f2's stay, the count shows only the new
 * ones, and claims hand out only new ones.  A "replace" that is not a
 * boolean is refused (400) and changes nothing; false is a plain upload.
 */
static void
test_replace(void **state)
{
	struct device e, f1, f2;
	struct buf old[6], nw[4], more, twice[2];
	json_t *r, *bad[3];
	size_t i;

	(void)state;
	device(&plain, &e, "erin", NULL);
	device(&plain, &f1, "fay", NULL);
	device(&plain, &f2, "fay", &f1);
	e2e_key_package_in(&f1, HYBRID, 11, &old[0]);
	e2e_key_package_in(&f1, HYBRID, 12, &old[1]);
	e2e_key_package_in(&f1, 1, 13, &old[2]);
	e2e_key_package_in(&f1, HYBRID, 14, &old[3]);	/* last resort */
	e2e_key_package_in(&f2, HYBRID, 21, &old[4]);
	e2e_key_package_in(&f2, HYBRID, 22, &old[5]);
	assert_int_equal(upload(&plain, &f1, old, 3, &old[3]), 201);
	assert_int_equal(upload(&plain, &f2, &old[4], 2, NULL), 201);
	assert_int_equal(claim(&plain, &e, "fay", NULL, &r), 200);
	handed(entry(r, f1.id), &old[0], HYBRID, 0);
	handed(entry(r, f2.id), &old[4], HYBRID, 0);
	json_decref(r);

	/* malformed: refused, nothing replaced */
	e2e_key_package_in(&f1, HYBRID, 31, &nw[0]);
	e2e_key_package_in(&f1, HYBRID, 32, &nw[1]);
	e2e_key_package_in(&f1, HYBRID, 33, &nw[2]);	/* last resort */
	bad[0] = json_string("true");
	bad[1] = json_integer(1);
	bad[2] = json_null();
	for (i = 0; i < 3; i++)
		assert_int_equal(upload_rep(&plain, &f1, nw, 2, &nw[2],
		    bad[i]), 400);
	count_is(&plain, &f1, "", 1, 1, HYBRID);

	assert_int_equal(upload_rep(&plain, &f1, nw, 2, &nw[2], json_true()),
	    201);
	count_is(&plain, &f1, "", 2, 1, HYBRID);
	count_is(&plain, &f1, "?cipher_suite=1", 1, 0, 1);
	count_is(&plain, &f2, "", 1, 0, HYBRID);
	assert_int_equal(claim(&plain, &e, "fay", NULL, &r), 200);
	handed(entry(r, f1.id), &nw[0], HYBRID, 0);
	handed(entry(r, f2.id), &old[5], HYBRID, 0);
	json_decref(r);
	assert_int_equal(claim(&plain, &e, "fay", NULL, &r), 200);
	handed(entry(r, f1.id), &nw[1], HYBRID, 0);
	json_decref(r);
	for (i = 0; i < 2; i++) {	/* the new last-resort one, never
					 * old[1] nor old[3] */
		assert_int_equal(claim(&plain, &e, "fay", NULL, &r), 200);
		handed(entry(r, f1.id), &nw[2], HYBRID, 1);
		json_decref(r);
	}
	assert_int_equal(claim(&plain, &e, "fay", json_integer(1), &r), 200);
	handed(entry(r, f1.id), &old[2], 1, 0);
	json_decref(r);

	/* false: an ordinary upload, next to what is there */
	e2e_key_package_in(&f1, HYBRID, 34, &more);
	assert_int_equal(upload_rep(&plain, &f1, &more, 1, NULL,
	    json_false()), 201);
	count_is(&plain, &f1, "", 1, 1, HYBRID);
	e2e_key_package_in(&f1, HYBRID, 35, &nw[3]);
	/* a replacement whose batch fails (one ref twice) keeps them */
	twice[0] = twice[1] = nw[3];
	assert_int_equal(upload_rep(&plain, &f1, twice, 2, NULL,
	    json_true()), 409);
	count_is(&plain, &f1, "", 1, 1, HYBRID);
	e2e_buf_free(&more);
	free_bufs(old, 6);
	free_bufs(nw, 4);
}

/* pouchd serve on s's config: its exit status, stderr into out. */
static int
serve_output(struct server *s, char *out, size_t cap)
{
	char cmd[512];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s serve -c %s 2>&1", POUCHD_PATH,
	    s->conf);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	return pclose(p);
}

/* An alias that cannot be one stops pouchd, saying why. */
static void
test_alias_refused(void **state)
{
	static const struct {
		const char	*value;
		const char	*says;
	} bad[] = {
		{ "1", "cannot be the hybrid suite's alias" },
		{ "0xF001", "cannot be the hybrid suite's alias" },
		/* GREASE (RFC 9420 13.5) */
		{ "0x3A5A", "cannot be the hybrid suite's alias" },
		{ "0x10000", "bad value for mls_suite_alias" },
	};
	struct server s;
	char extra[128], out[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(extra, sizeof(extra), "mls_suite_alias = %s\n",
		    bad[i].value);
		assert_int_not_equal(e2e_start(&s, extra), 0);
		assert_int_equal(s.pid, 0);
		assert_int_not_equal(serve_output(&s, out, sizeof(out)), 0);
		if (strstr(out, bad[i].says) == NULL)
			fail_msg("%s: pouchd said: %s", bad[i].value, out);
		(void)e2e_stop(&s);		/* it never ran: the dir */
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_suite),
		cmocka_unit_test(test_alias),
		cmocka_unit_test(test_alias_refused),
		cmocka_unit_test(test_replace),
	};

	return cmocka_run_group_tests_name("pouchd_kp_suite", tests,
	    group_setup, group_teardown);
}
