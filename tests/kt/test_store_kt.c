/*
 * test_store_kt.c - the key transparency operations of the SQLite store
 * (store.h, "key transparency"; src/store/sqlite_kt.c) with the src/kt
 * math on top: staged leaves land in the transaction of the operation
 * that caused them and vanish with it when it fails; kt_publish hands
 * over exactly the new leaves, signs once per new size, refuses a caller
 * ahead of the store and stores nothing when signing fails; kt_find,
 * kt_leaves, kt_checkpoint; and the schema itself (opened with sqlite3
 * directly, as an intruder with the database would) refuses to change or
 * delete a leaf or a checkpoint, to store a second checkpoint for a
 * size, a smaller one, or a leaf out of order; a reopened store still
 * publishes consistent checkpoints.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "kt/kt.h"
#include "store/store.h"

#define H	POUCH_KT_HASH_BYTES

static struct pouch_crypto *c;

struct pub {
	struct pouch_kt_tree	*t;
	int			 signs;
	int			 fail_sign;
	uint64_t		 signed_size;
	char			 note[64];
	uint8_t			 root[H];
};

static int
on_leaf(void *arg, uint64_t index, const uint8_t hash[H])
{
	struct pub *p = arg;

	assert_int_equal(index, pouch_kt_tree_size(p->t));
	return pouch_kt_tree_append(p->t, hash);
}

static int
on_sign(void *arg, uint64_t size, const char **note, size_t *len,
    uint8_t root[H])
{
	struct pub *p = arg;
	int rc;

	if (p->fail_sign)
		return POUCH_E_CRYPTO;
	if ((rc = pouch_kt_tree_root(p->t, size, root)) != POUCH_OK)
		return rc;
	p->signs++;
	p->signed_size = size;
	memcpy(p->root, root, H);
	snprintf(p->note, sizeof(p->note), "note %llu",
	    (unsigned long long)size);
	*note = p->note;
	*len = strlen(p->note);
	return POUCH_OK;
}

struct cpseen {
	uint64_t	size;
	uint8_t		root[H];
	char		note[64];
};

static int
on_cp(void *arg, uint64_t size, const uint8_t root[H], const char *note,
    size_t len)
{
	struct cpseen *s = arg;

	s->size = size;
	memcpy(s->root, root, H);
	assert_true(len < sizeof(s->note));
	memcpy(s->note, note, len);
	s->note[len] = '\0';
	return POUCH_OK;
}

static int
count_entry(void *arg, uint64_t index, const uint8_t *data, size_t len,
    const uint8_t hash[H])
{
	uint8_t h[H];

	(void)index;
	assert_int_equal(pouch_kt_leaf_hash(c, data, len, h), POUCH_OK);
	assert_memory_equal(h, hash, H);
	(*(int *)arg)++;
	return POUCH_OK;
}

static void
leaf(struct pouch_store_kt_leaf *l, const char *text)
{
	memset(l, 0, sizeof(*l));
	l->data = (const uint8_t *)text;
	l->len = strlen(text);
	assert_int_equal(pouch_kt_leaf_hash(c, l->data, l->len, l->hash),
	    POUCH_OK);
}

static void
test_store_kt(void **state)
{
	struct pouch_store_config cfg;
	struct pouch_store *st;
	struct pouch_store_kt_leaf l[2];
	struct pub p;
	struct cpseen cs;
	char path[] = "/tmp/pouch-kt-store-XXXXXX", db[64], side[80];
	uint64_t size, idx;
	int64_t id;
	int fd, n = 0;
	sqlite3 *sq;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	unlink(path);
	snprintf(db, sizeof(db), "%s", path);
	memset(&cfg, 0, sizeof(cfg));
	cfg.path = db;
	assert_int_equal(pouch_store_open(&cfg, &st), POUCH_OK);
	memset(&p, 0, sizeof(p));
	assert_int_equal(pouch_kt_tree_new(c, &p.t), POUCH_OK);

	/* an empty log publishes the empty tree once */
	assert_int_equal(st->ops->kt_publish(st, 0, on_leaf, on_sign, &p,
	    &size), POUCH_OK);
	assert_int_equal(size, 0);
	assert_int_equal(p.signs, 1);
	assert_int_equal(st->ops->kt_publish(st, 0, on_leaf, on_sign, &p,
	    &size), POUCH_OK);
	assert_int_equal(p.signs, 1);

	/* a staged leaf goes in with the operation */
	leaf(&l[0], "user created: alice");
	pouch_store_kt_stage(l, 1);
	assert_int_equal(st->ops->user_add(st, "alice", 1, "admin", &id),
	    POUCH_OK);
	pouch_store_kt_unstage();
	assert_int_equal(l[0].index, 0);
	/* ... and out with a failed one */
	leaf(&l[0], "user created: alice again");
	pouch_store_kt_stage(l, 1);
	assert_int_not_equal(st->ops->user_add(st, "alice", 2, "admin", &id),
	    POUCH_OK);
	pouch_store_kt_unstage();
	/* two leaves with one operation; a later one without staging */
	leaf(&l[0], "user created: bob");
	leaf(&l[1], "second leaf of the same operation");
	pouch_store_kt_stage(l, 2);
	assert_int_equal(st->ops->user_add(st, "bob", 3, "admin", &id),
	    POUCH_OK);
	pouch_store_kt_unstage();
	assert_int_equal(l[0].index, 1);
	assert_int_equal(l[1].index, 2);
	assert_int_equal(st->ops->user_add(st, "carol", 4, "admin", &id),
	    POUCH_OK);

	/* publish: three new leaves, one signature */
	assert_int_equal(st->ops->kt_publish(st, 0, on_leaf, on_sign, &p,
	    &size), POUCH_OK);
	assert_int_equal(size, 3);
	assert_int_equal(p.signs, 2);
	assert_int_equal(p.signed_size, 3);
	assert_int_equal(st->ops->kt_publish(st, 3, on_leaf, on_sign, &p,
	    &size), POUCH_OK);
	assert_int_equal(p.signs, 2);
	assert_int_equal(st->ops->kt_publish(st, 4, on_leaf, on_sign, &p,
	    &size), POUCH_E_CONFLICT);
	memset(&cs, 0, sizeof(cs));
	assert_int_equal(st->ops->kt_checkpoint(st, UINT64_MAX, on_cp, &cs),
	    POUCH_OK);
	assert_int_equal(cs.size, 3);
	assert_memory_equal(cs.root, p.root, H);
	assert_string_equal(cs.note, "note 3");
	assert_int_equal(st->ops->kt_checkpoint(st, 0, on_cp, &cs), POUCH_OK);
	assert_int_equal(cs.size, 0);
	assert_int_equal(st->ops->kt_checkpoint(st, 2, on_cp, &cs),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(st->ops->kt_find(st, l[1].hash, &idx), POUCH_OK);
	assert_int_equal(idx, 2);
	leaf(&l[0], "never appended");
	assert_int_equal(st->ops->kt_find(st, l[0].hash, &idx),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(st->ops->kt_leaves(st, 0, 3, count_entry, &n),
	    POUCH_OK);
	assert_int_equal(n, 3);

	/* a failed signature stores nothing */
	leaf(&l[0], "user created: dave");
	pouch_store_kt_stage(l, 1);
	assert_int_equal(st->ops->user_add(st, "dave", 5, "admin", &id),
	    POUCH_OK);
	pouch_store_kt_unstage();
	p.fail_sign = 1;
	assert_int_not_equal(st->ops->kt_publish(st, 3, on_leaf, on_sign, &p,
	    &size), POUCH_OK);
	p.fail_sign = 0;
	assert_int_equal(pouch_kt_tree_truncate(p.t, 3), POUCH_OK);
	assert_int_equal(st->ops->kt_checkpoint(st, UINT64_MAX, on_cp, &cs),
	    POUCH_OK);
	assert_int_equal(cs.size, 3);
	pouch_store_close(st);

	/* the schema refuses every rewrite of history */
	assert_int_equal(sqlite3_open(db, &sq), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(sq, "UPDATE kt_leaves SET data = "
	    "x'00' WHERE idx = 0", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(sq, "DELETE FROM kt_leaves WHERE "
	    "idx = 3", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(sq, "INSERT INTO kt_leaves VALUES "
	    "(9, x'00', x'00', 0)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(sq, "UPDATE kt_checkpoints SET "
	    "root = x'00' WHERE size = 3", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(sq, "DELETE FROM kt_checkpoints",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(sq, "INSERT INTO kt_checkpoints "
	    "VALUES (3, x'00', x'00', 0)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(sq, "INSERT INTO kt_checkpoints "
	    "VALUES (2, x'00', x'00', 0)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(sq, "INSERT INTO kt_checkpoints "
	    "VALUES (99, x'00', x'00', 0)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(sq);

	/* reopened: a fresh tree catches up and extends consistently */
	assert_int_equal(pouch_store_open(&cfg, &st), POUCH_OK);
	pouch_kt_tree_free(p.t);
	assert_int_equal(pouch_kt_tree_new(c, &p.t), POUCH_OK);
	assert_int_equal(st->ops->kt_publish(st, 0, on_leaf, on_sign, &p,
	    &size), POUCH_OK);
	assert_int_equal(size, 4);
	assert_int_equal(p.signed_size, 4);
	assert_int_equal(st->ops->kt_checkpoint(st, 3, on_cp, &cs), POUCH_OK);
	{
		uint8_t proof[POUCH_KT_PROOF_MAX][H], r4[H];
		size_t np;

		assert_int_equal(pouch_kt_tree_consistency(p.t, 3, 4, proof,
		    &np), POUCH_OK);
		assert_int_equal(pouch_kt_tree_root(p.t, 4, r4), POUCH_OK);
		assert_int_equal(pouch_kt_verify_consistency(c, 3, 4, cs.root,
		    r4, (const uint8_t (*)[H])proof, np), POUCH_OK);
	}
	pouch_store_close(st);
	pouch_kt_tree_free(p.t);
	unlink(db);
	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
}

static int
setup(void **state)
{
	(void)state;
	return pouch_crypto_new(&c) == POUCH_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	pouch_crypto_free(c);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_kt),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
