/*
 * test_kp_sweep.c - the client deletes the private keys of KeyPackages
 * that can no longer be used (account.c, cl_kp_sweep), end to end on a
 * real pouchd with the devices' clocks moved: nothing goes before the
 * KeyPackages' lifetime and the grace for Welcomes in flight have
 * passed; after them the expired ordinary records are gone, the current
 * last-resort one stays (a superseded one goes a grace later), the
 * published ones were replaced before they expired and the device is
 * still added and joins; a KeyPackage claimed just before it expired is
 * still joined within the grace (and after it, when the Welcome waited
 * in the queue); records that do not decode are deleted; the sweep runs
 * at most once a day.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <pouch/client.h>
#include <pouch/err.h>

#include "client/client_fixture.h"
#include "client/client_int.h"
#include "codec/codec.h"
#include "crypto/crypto.h"
#include "e2e/e2e.h"

#define DAY	86400
#define LIFE	((int64_t)CL_KP_DAYS * DAY)
#define GRACE	((int64_t)31 * DAY)	/* account.c KP_GRACE */
#define MAXREC	128

static struct server srv;
static char root[64];

/* The "kp/" records of a device: names, and which are last resort. */
struct recs {
	char	*name[MAXREC];
	int	 lr[MAXREC];
	size_t	 n, nord, nlr;
};

static void
recs_free(struct recs *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->name[i]);
	memset(r, 0, sizeof(*r));
}

static void
recs_get(pouch_client *cl, struct recs *out)
{
	char **names = NULL;
	size_t n = 0, i;

	memset(out, 0, sizeof(*out));
	assert_int_equal(pouch_cstore_kv_list(cl->st, "kp/", &names, &n),
	    POUCH_OK);
	assert_true(n <= MAXREC);
	for (i = 0; i < n; i++) {
		const uint8_t *p;
		uint8_t *v = NULL, lr = 0;
		size_t vn = 0, pn;
		struct pouch_rd r;

		assert_int_equal(pouch_cstore_kv_get(cl->st, names[i], &v,
		    &vn), POUCH_OK);
		pouch_rd_init(&r, v, vn);
		assert_int_equal(pouch_rd_opaque(&r, &p, &pn, 1u << 16),
		    POUCH_OK);
		assert_int_equal(pouch_rd_opaque(&r, &p, &pn, 1u << 12),
		    POUCH_OK);
		assert_int_equal(pouch_rd_opaque(&r, &p, &pn, 1u << 12),
		    POUCH_OK);
		assert_int_equal(pouch_rd_u8(&r, &lr), POUCH_OK);
		pouch_cstore_buf_free(v, vn);
		out->name[i] = strdup(names[i]);
		assert_non_null(out->name[i]);
		out->lr[i] = lr != 0;
		if (lr)
			out->nlr++;
		else
			out->nord++;
	}
	out->n = n;
	pouch_cstore_names_free(names, n);
}

/* 1 when name is among r's records. */
static int
recs_has(const struct recs *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->name[i], name) == 0)
			return 1;
	return 0;
}

/* How many of a's records (ordinary ones when ord) are still in b. */
static size_t
recs_kept(const struct recs *a, const struct recs *b, int ord)
{
	size_t i, k = 0;

	for (i = 0; i < a->n; i++)
		if ((!ord || !a->lr[i]) && recs_has(b, a->name[i]))
			k++;
	return k;
}

/* The name of r's only last-resort record (asserts there is one). */
static const char *
recs_lr(const struct recs *r)
{
	const char *s = NULL;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->lr[i]) {
			assert_null(s);
			s = r->name[i];
		}
	assert_non_null(s);
	return s;
}

static pouch_client *
enrol(const char *user, const char *name, int64_t now)
{
	pouch_client *cl = NULL;

	assert_int_equal(cfx_enrol(&srv, root, user, name, &cl), POUCH_OK);
	pouch_client_set_time(cl, now);
	return cl;
}

static void
sync_at(pouch_client *cl, int64_t now)
{
	pouch_client_set_time(cl, now);
	assert_int_equal(pouch_client_sync(cl, 0, NULL), POUCH_OK);
}

static size_t
nconvs(pouch_client *cl)
{
	struct pouch_client_conv *v = NULL;
	size_t n = 0;

	assert_int_equal(pouch_client_conversations(cl, &v, &n), POUCH_OK);
	pouch_client_conv_free(v, n);
	return n;
}

/* to hears body from from in their only conversation. */
static void
talk(pouch_client *from, pouch_client *to, const char *body)
{
	struct pouch_client_conv *v = NULL;
	struct pouch_client_msg *m = NULL;
	size_t n = 0, i, nnew = 0;
	int found = 0;

	assert_int_equal(pouch_client_conversations(from, &v, &n), POUCH_OK);
	assert_int_equal(n, 1);
	assert_int_equal(cfx_send(from, v[0].id, NULL, body, body, NULL),
	    POUCH_OK);
	pouch_client_conv_free(v, n);
	assert_int_equal(pouch_client_sync(to, 0, &nnew), POUCH_OK);
	assert_int_equal(pouch_client_list(to, 0, 0, 0, &m, &n), POUCH_OK);
	for (i = 0; i < n; i++)
		found |= !m[i].outgoing && m[i].subject != NULL &&
		    strcmp(m[i].subject, body) == 0;
	pouch_client_msg_free(m, n);
	assert_true(found);
}

static int
setup(void **state)
{
	(void)state;
	return cfx_up(&srv, root, sizeof(root), "kpsweep", NULL);
}

static int
teardown(void **state)
{
	(void)state;
	return cfx_down(&srv, root);
}

/*
 * Published, a sync just before the deadline (nothing goes, the
 * published ones are replaced), then past it: the old ones are gone,
 * the new last-resort one stays, and the device is added and joins.
 */
static void
test_expire(void **state)
{
	const char *b[1] = { "bob" };
	struct recs r0, r1, r2, r3;
	pouch_client *ann, *bob;
	int64_t t0 = (int64_t)time(NULL), conv = 0;
	size_t nd = 0;

	(void)state;
	ann = enrol("ann", "ann1", t0);
	bob = enrol("bob", "bob1", t0);
	recs_get(bob, &r0);
	assert_int_equal(r0.nord, CL_KP_BATCH);
	assert_int_equal(r0.nlr, 1);
	sync_at(bob, t0);
	recs_get(bob, &r1);
	assert_int_equal(recs_kept(&r0, &r1, 0), r0.n);
	recs_free(&r1);

	/* a day before the deadline: nothing goes, but what the server
	 * holds is replaced (it expired) */
	sync_at(bob, t0 + LIFE + GRACE - DAY);
	recs_get(bob, &r1);
	assert_int_equal(recs_kept(&r0, &r1, 0), r0.n);
	assert_int_equal(r1.nord, 2 * CL_KP_BATCH);
	assert_int_equal(r1.nlr, 2);
	/* a forced sweep at the last second before it: still nothing */
	pouch_client_set_time(bob, t0 + LIFE + GRACE);
	assert_int_equal(cl_kp_sweep(bob, 1, &nd), POUCH_OK);
	assert_int_equal(nd, 0);

	/* past the deadline: every record of the first batch is gone,
	 * the replacing batch and its last-resort one stay */
	sync_at(bob, t0 + LIFE + GRACE + 2 * DAY);
	recs_get(bob, &r2);
	assert_int_equal(recs_kept(&r0, &r2, 0), 0);
	assert_int_equal(r2.nord, CL_KP_BATCH);
	assert_int_equal(r2.nlr, 1);
	assert_int_equal(recs_kept(&r1, &r2, 0), r2.n);
	assert_false(recs_has(&r2, recs_lr(&r0)));

	/* the device is still added, and joins */
	pouch_client_set_time(ann, t0 + LIFE + GRACE + 2 * DAY);
	assert_int_equal(pouch_client_conv_create(ann, "later", b, 1, &conv),
	    POUCH_OK);
	sync_at(bob, t0 + LIFE + GRACE + 2 * DAY);
	assert_int_equal(nconvs(bob), 1);
	talk(ann, bob, "still reachable");
	recs_get(bob, &r3);
	assert_int_equal(r3.nord, CL_KP_BATCH - 1);	/* one used */
	assert_int_equal(r3.nlr, 1);
	recs_free(&r0);
	recs_free(&r1);
	recs_free(&r2);
	recs_free(&r3);
	pouch_client_free(ann);
	pouch_client_free(bob);
}

/*
 * Straight past the deadline with no sync in between: the expired
 * ordinary ones go, the expired last-resort one stays while it is the
 * current one, and goes at the next sweep once the refill replaced it.
 */
static void
test_last_resort(void **state)
{
	struct recs r0, r1, r2;
	const char *lr0;
	pouch_client *cat;
	int64_t t0 = (int64_t)time(NULL), t;

	(void)state;
	cat = enrol("cat", "cat1", t0);
	recs_get(cat, &r0);
	lr0 = recs_lr(&r0);
	t = t0 + LIFE + GRACE + DAY;
	sync_at(cat, t);
	recs_get(cat, &r1);
	assert_int_equal(recs_kept(&r0, &r1, 1), 0);
	assert_true(recs_has(&r1, lr0));
	assert_int_equal(r1.nord, CL_KP_BATCH);	/* the refill's */
	assert_int_equal(r1.nlr, 2);
	sync_at(cat, t + DAY + 1);
	recs_get(cat, &r2);
	assert_false(recs_has(&r2, lr0));
	assert_int_equal(r2.nlr, 1);
	assert_int_equal(recs_kept(&r1, &r2, 0), r2.n);
	recs_free(&r0);
	recs_free(&r1);
	recs_free(&r2);
	pouch_client_free(cat);
}

/*
 * Replaced before they expire (the sweep renews what the server holds a
 * few days ahead): the replaced ordinary ones and the superseded
 * last-resort one go a grace after the replacement, before their own
 * expiry plus grace.
 */
static void
test_replaced(void **state)
{
	struct recs r0, r1, r2;
	const char *lr0;
	pouch_client *gus;
	int64_t t0 = (int64_t)time(NULL), t;

	(void)state;
	gus = enrol("gus", "gus1", t0);
	recs_get(gus, &r0);
	lr0 = recs_lr(&r0);
	sync_at(gus, t0 + LIFE - 10 * DAY);		/* not due yet */
	recs_get(gus, &r1);
	assert_int_equal(r1.n, r0.n);
	recs_free(&r1);
	t = t0 + LIFE - 5 * DAY;
	sync_at(gus, t);				/* renewed */
	recs_get(gus, &r1);
	assert_int_equal(recs_kept(&r0, &r1, 0), r0.n);
	assert_int_equal(r1.nord, 2 * CL_KP_BATCH);
	assert_int_equal(r1.nlr, 2);
	sync_at(gus, t + GRACE - DAY);
	recs_get(gus, &r2);
	assert_int_equal(recs_kept(&r0, &r2, 0), r0.n);
	recs_free(&r2);
	/* a grace after the replacement, still before LIFE + GRACE */
	sync_at(gus, t + GRACE + DAY);
	assert_true(t + GRACE + DAY < t0 + LIFE + GRACE);
	recs_get(gus, &r2);
	assert_int_equal(recs_kept(&r0, &r2, 0), 0);
	assert_false(recs_has(&r2, lr0));
	assert_int_equal(r2.nord, CL_KP_BATCH);
	assert_int_equal(r2.nlr, 1);
	recs_free(&r0);
	recs_free(&r1);
	recs_free(&r2);
	pouch_client_free(gus);
}

/*
 * Claimed an hour before it expires: a sweep within the grace leaves
 * its keys, and the Welcome, still queued when the device comes back
 * after the grace, is joined before the sweep runs.
 */
static void
test_claimed_late(void **state)
{
	const char *d[1] = { "dan" };
	pouch_client *eve, *dan;
	int64_t t0 = (int64_t)time(NULL), conv = 0;
	struct recs r0, r1;
	size_t nd = 0;

	(void)state;
	eve = enrol("eve", "eve1", t0);
	dan = enrol("dan", "dan1", t0);
	recs_get(dan, &r0);
	pouch_client_set_time(eve, t0 + LIFE - 3600);
	assert_int_equal(pouch_client_conv_create(eve, "late", d, 1, &conv),
	    POUCH_OK);
	/* within the grace: nothing goes */
	pouch_client_set_time(dan, t0 + LIFE + GRACE - DAY);
	assert_int_equal(cl_kp_sweep(dan, 1, &nd), POUCH_OK);
	assert_int_equal(nd, 0);
	recs_get(dan, &r1);
	assert_int_equal(recs_kept(&r0, &r1, 0), r0.n);
	recs_free(&r1);
	/* back after the grace: the queued Welcome first, then the sweep */
	sync_at(dan, t0 + LIFE + GRACE + DAY);
	assert_int_equal(nconvs(dan), 1);
	recs_get(dan, &r1);
	assert_int_equal(recs_kept(&r0, &r1, 1), 0);
	recs_free(&r1);
	pouch_client_set_time(eve, t0 + LIFE + GRACE + DAY);
	talk(eve, dan, "joined late");
	talk(dan, eve, "and answered");
	recs_free(&r0);
	pouch_client_free(eve);
	pouch_client_free(dan);
}

/* Records that do not decode go; the sweep runs at most once a day. */
static void
test_malformed(void **state)
{
	static const uint8_t junk[] = { 0xff, 0x00, 0x13 };
	/* the record's shape around a KeyPackage that is not one */
	static const uint8_t fake[] = { 0x02, 0xaa, 0xbb, 0x01, 0x01, 0x01,
	    0x02, 0x00 };
	/* a well-formed record with a byte after it */
	uint8_t *v = NULL, *w = NULL;
	size_t vn = 0, nd = 0;
	struct recs r0, r1;
	struct timespec a, b;
	pouch_client *fay;
	int64_t t0 = (int64_t)time(NULL);

	(void)state;
	fay = enrol("fay", "fay1", t0);
	recs_get(fay, &r0);
	/* the cost of a sweep with nothing to delete */
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(cl_kp_sweep(fay, 1, &nd), POUCH_OK);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(nd, 0);
	printf("kp sweep: %zu records, %.2f ms\n", r0.n,
	    (double)(b.tv_sec - a.tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e6);

	assert_int_equal(pouch_cstore_kv_get(fay->st, r0.name[0], &v, &vn),
	    POUCH_OK);
	assert_non_null(w = malloc(vn + 1));
	memcpy(w, v, vn);
	w[vn] = 0;
	assert_int_equal(pouch_cstore_kv_put(fay->st, "kp/0001", junk,
	    sizeof(junk)), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_put(fay->st, "kp/0002", fake,
	    sizeof(fake)), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_put(fay->st, "kp/0003", w, vn + 1),
	    POUCH_OK);
	pouch_cstore_buf_free(v, vn);
	free(w);

	/* swept an hour ago: not yet */
	pouch_client_set_time(fay, t0 + 3600);
	assert_int_equal(cl_kp_sweep(fay, 0, &nd), POUCH_OK);
	assert_int_equal(nd, 0);
	assert_int_equal(pouch_cstore_kv_get(fay->st, "kp/0001", &v, &vn),
	    POUCH_OK);
	pouch_cstore_buf_free(v, vn);
	/* a day later: the three go, nothing else */
	pouch_client_set_time(fay, t0 + DAY + 1);
	assert_int_equal(cl_kp_sweep(fay, 0, &nd), POUCH_OK);
	assert_int_equal(nd, 3);
	recs_get(fay, &r1);
	assert_int_equal(r1.n, r0.n);
	assert_int_equal(recs_kept(&r0, &r1, 0), r0.n);
	assert_false(recs_has(&r1, "kp/0001"));
	/* and a sync goes on as before */
	sync_at(fay, t0 + DAY + 2);
	assert_int_equal(cfx_has_alert(fay, "key_cleanup"), 0);
	recs_free(&r0);
	recs_free(&r1);
	pouch_client_free(fay);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_last_resort),
		cmocka_unit_test(test_replaced),
		cmocka_unit_test(test_claimed_late),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
