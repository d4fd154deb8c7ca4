/*
 * test_store_pair.c - pairing requests in the SQLite store (store.h
 * "pairing"): expiry at the exact second, the per-user and overall
 * bounds, listing only the user's unapproved live requests, one approval,
 * the approval taken once and only with the right commitment, and
 * housekeeping dropping expired rows.  The same operations on PostgreSQL
 * run through pouchd in e2e_test_pouchd_pg (test_pair_survives_restart).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store.h"

struct fx {
	char			 dir[64];
	char			 path[128];
	struct pouch_store	*st;
	int64_t			 alice, bob;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pouch_store_config cfg = { 0 };

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/pouch-pair-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/pouchd.db", f->dir);
	cfg.path = f->path;
	assert_int_equal(pouch_store_open(&cfg, &f->st), POUCH_OK);
	assert_int_equal(f->st->ops->user_add(f->st, "alice", 1, "admin",
	    &f->alice), POUCH_OK);
	assert_int_equal(f->st->ops->user_add(f->st, "bob", 1, "admin",
	    &f->bob), POUCH_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	pouch_store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct pouch_store_pair
req(int64_t user, uint8_t key, int64_t expires)
{
	struct pouch_store_pair p;

	memset(&p, 0, sizeof(p));
	p.user_id = user;
	memset(p.device_key, key, sizeof(p.device_key));
	memset(p.commit, key ^ 0x55, sizeof(p.commit));
	p.expires = expires;
	return p;
}

struct seen {
	size_t	n;
	uint8_t	keys[16];
};

static int
collect(void *arg, const struct pouch_store_pair *p)
{
	struct seen *s = arg;

	assert_false(p->approved);
	if (s->n < sizeof(s->keys))
		s->keys[s->n] = p->device_key[0];
	s->n++;
	return POUCH_OK;
}

static struct seen
list(struct fx *f, int64_t user, int64_t now)
{
	struct seen s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(f->st->ops->pair_list(f->st, user, now, collect, &s),
	    POUCH_OK);
	return s;
}

static void
test_lifecycle(void **state)
{
	struct fx *f = *state;
	struct pouch_store *st = f->st;
	struct pouch_store_pair a = req(f->alice, 1, 200), b = req(f->bob, 2,
	    200), out;
	uint8_t ap[POUCH_STORE_PAIR_APPROVAL], mac[POUCH_STORE_PAIR_MAC];
	uint8_t wrong[POUCH_STORE_PAIR_COMMIT];
	struct seen s;

	memset(ap, 0xa1, sizeof(ap));
	memset(mac, 0x3c, sizeof(mac));
	assert_int_equal(st->ops->pair_add(st, &a, 100, 8, 256), POUCH_OK);
	assert_int_equal(st->ops->pair_add(st, &a, 101, 8, 256),
	    POUCH_E_EXISTS);
	assert_int_equal(st->ops->pair_add(st, &b, 100, 8, 256), POUCH_OK);
	s = list(f, f->alice, 150);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.keys[0], 1);
	/* pending, taken by neither the wrong commitment nor the wrong key */
	assert_int_equal(st->ops->pair_take(st, a.device_key, a.commit, 150,
	    &out), POUCH_OK);
	assert_false(out.approved);
	assert_int_equal(out.user_id, f->alice);
	memcpy(wrong, a.commit, sizeof(wrong));
	wrong[0] ^= 1;
	assert_int_equal(st->ops->pair_take(st, a.device_key, wrong, 150,
	    &out), POUCH_E_NOT_FOUND);
	/* bob's device cannot approve alice's request */
	assert_int_equal(st->ops->pair_approve(st, f->bob, a.device_key, ap,
	    mac, 150), POUCH_E_NOT_FOUND);
	assert_int_equal(st->ops->pair_approve(st, f->alice, a.device_key, ap,
	    mac, 150), POUCH_OK);
	ap[0] ^= 1;
	assert_int_equal(st->ops->pair_approve(st, f->alice, a.device_key, ap,
	    mac, 151), POUCH_E_CONFLICT);
	ap[0] ^= 1;
	assert_int_equal(list(f, f->alice, 150).n, 0);
	assert_int_equal(st->ops->pair_take(st, a.device_key, wrong, 150,
	    &out), POUCH_E_NOT_FOUND);
	assert_int_equal(st->ops->pair_take(st, a.device_key, a.commit, 150,
	    &out), POUCH_OK);
	assert_true(out.approved);
	assert_memory_equal(out.approval, ap, sizeof(ap));
	assert_memory_equal(out.mac, mac, sizeof(mac));
	/* taken once */
	assert_int_equal(st->ops->pair_take(st, a.device_key, a.commit, 150,
	    &out), POUCH_E_NOT_FOUND);
	/* expiry: live until the second before expires */
	assert_int_equal(st->ops->pair_take(st, b.device_key, b.commit, 199,
	    &out), POUCH_OK);
	assert_int_equal(st->ops->pair_take(st, b.device_key, b.commit, 200,
	    &out), POUCH_E_NOT_FOUND);
	assert_int_equal(list(f, f->bob, 200).n, 0);
	assert_int_equal(st->ops->pair_approve(st, f->bob, b.device_key, ap,
	    mac, 200), POUCH_E_NOT_FOUND);
	/* the expired request no longer blocks its key */
	b.expires = 400;
	assert_int_equal(st->ops->pair_add(st, &b, 300, 8, 256), POUCH_OK);
	/* an expiry in the past is a caller's mistake */
	a.expires = 300;
	assert_int_equal(st->ops->pair_add(st, &a, 300, 8, 256),
	    POUCH_E_MISUSE);
}

static void
test_bounds_and_gc(void **state)
{
	struct fx *f = *state;
	struct pouch_store *st = f->st;
	struct pouch_store_pair p;
	int64_t removed = 0;
	uint8_t k;

	/* 3 a user, 5 in all */
	for (k = 1; k <= 3; k++) {
		p = req(f->alice, k, 200);
		assert_int_equal(st->ops->pair_add(st, &p, 100, 3, 5),
		    POUCH_OK);
	}
	p = req(f->alice, 4, 200);
	assert_int_equal(st->ops->pair_add(st, &p, 100, 3, 5), POUCH_E_QUOTA);
	for (k = 10; k <= 11; k++) {
		p = req(f->bob, k, 150);
		assert_int_equal(st->ops->pair_add(st, &p, 100, 3, 5),
		    POUCH_OK);
	}
	p = req(f->bob, 12, 200);
	assert_int_equal(st->ops->pair_add(st, &p, 100, 3, 5), POUCH_E_QUOTA);
	assert_int_equal(list(f, f->alice, 100).n, 3);
	assert_int_equal(list(f, f->bob, 100).n, 2);
	/* once bob's two expire there is room again */
	assert_int_equal(st->ops->pair_add(st, &p, 150, 3, 5), POUCH_OK);
	assert_int_equal(list(f, f->bob, 150).n, 1);
	/* housekeeping drops the expired ones */
	assert_int_equal(st->ops->gc(st, 250, 1000000, NULL, NULL, &removed),
	    POUCH_OK);
	assert_true(removed >= 4);
	p = req(f->alice, 1, 400);
	assert_int_equal(st->ops->pair_add(st, &p, 250, 1, 1), POUCH_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lifecycle, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bounds_and_gc, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
