/*
 * test_store.c - the store against a real SQLite file in a temporary
 * directory: durability settings, migrations, accounts, KeyPackage
 * claims, one commit per epoch, atomic fan-out, sync and ack, quotas,
 * the append-only audit log, backup and restore, account-key rotation
 * (also on PostgreSQL: store.cmake runs it again on a throw-away cluster).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pthread.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "store/sqlite_int.h"
#include "store/store.h"
#include "store_fixture.h"

#define SUITE	0xF001	/* the KeyPackages' cipher suite (the store's
			 * per-suite cases are in test_store_kp.c) */

struct fx {
	char			 dir[64];
	char			 path[128];
	struct pouch_store	*st;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pouch_store_config cfg = { 0 };

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/pouch-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/pouchd.db", f->dir);
	cfg.path = f->path;
	assert_int_equal(pouch_store_open(&cfg, &f->st), POUCH_OK);
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


static void
test_durable_settings(void **state)
{
	struct fx *f = *state;
	sqlite3 *db;
	sqlite3_stmt *q;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	sqlite3_close(db);
}

static void
test_migrations_idempotent(void **state)
{
	struct fx *f = *state;
	struct pouch_store_config cfg = { .path = f->path };
	struct pouch_store *st2;
	int64_t id;
	sqlite3 *db;

	assert_int_equal(f->st->ops->user_add(f->st, "alice", 1, "admin",
	    &id), POUCH_OK);
	pouch_store_close(f->st);
	f->st = NULL;
	/* Opening again applies nothing and keeps the data. */
	assert_int_equal(pouch_store_open(&cfg, &f->st), POUCH_OK);
	assert_int_equal(pouch_store_open(&cfg, &st2), POUCH_OK);
	pouch_store_close(st2);
	struct pouch_store_user u;
	assert_int_equal(f->st->ops->user_get(f->st, "alice", &u), POUCH_OK);
	assert_int_equal(u.id, id);
	/* A database from a newer pouchd is refused. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=999", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(pouch_store_open(&cfg, &st2), POUCH_E_UNSUPPORTED);
	assert_null(st2);
}

static void
test_unknown_backend(void **state)
{
	struct pouch_store_config cfg = { .backend = "oracle", .path = "x" };
	struct pouch_store *st = (struct pouch_store *)1;

	(void)state;
	assert_int_equal(pouch_store_open(&cfg, &st), POUCH_E_UNSUPPORTED);
	assert_null(st);
}

static void
test_users_and_codes(void **state)
{
	struct fx *f = *state;
	struct pouch_store *st = f->st;
	struct pouch_store_enrol e = { 0 };
	struct pouch_store_user u;
	int64_t id, dev;

	assert_int_equal(st->ops->user_add(st, "bob", 1, "admin", &id),
	    POUCH_OK);
	assert_int_equal(st->ops->user_add(st, "bob", 1, "admin", &id),
	    POUCH_E_EXISTS);
	assert_int_equal(id, 0);
	key(e.code_hash, 1);
	assert_int_equal(st->ops->code_add(st, 999, e.code_hash, 50, 1,
	    "admin"), POUCH_E_NOT_FOUND);
	assert_int_equal(st->ops->user_get(st, "bob", &u), POUCH_OK);
	assert_int_equal(st->ops->code_add(st, u.id, e.code_hash, 50, 1,
	    "admin"), POUCH_OK);
	assert_int_equal(st->ops->code_peek(st, e.code_hash, 10, &u),
	    POUCH_OK);
	assert_string_equal(u.name, "bob");
	assert_false(u.has_account_key);
	/* Expired at 50. */
	assert_int_equal(st->ops->code_peek(st, e.code_hash, 50, &u),
	    POUCH_E_EXPIRED);
	key(e.account_key, 7);
	key(e.device_key, 8);
	e.device_name = "phone";
	e.now = 60;
	assert_int_equal(st->ops->enrol(st, &e, &dev), POUCH_E_EXPIRED);
	e.now = 10;
	assert_int_equal(st->ops->enrol(st, &e, &dev), POUCH_OK);
	assert_true(dev > 0);
	/* Single use. */
	assert_int_equal(st->ops->enrol(st, &e, &dev), POUCH_E_NOT_FOUND);
	assert_int_equal(dev, 0);
	/* A second device with another account key: refused, nothing
	 * consumed, then accepted with the right key. */
	assert_int_equal(st->ops->user_get(st, "bob", &u), POUCH_OK);
	assert_true(u.has_account_key);
	key(e.code_hash, 2);
	assert_int_equal(st->ops->code_add(st, u.id, e.code_hash, 50, 1,
	    "admin"), POUCH_OK);
	key(e.account_key, 9);
	key(e.device_key, 10);
	assert_int_equal(st->ops->enrol(st, &e, &dev), POUCH_E_CONFLICT);
	key(e.account_key, 7);
	assert_int_equal(st->ops->enrol(st, &e, &dev), POUCH_OK);
	/* Suspended users cannot enrol. */
	key(e.code_hash, 3);
	assert_int_equal(st->ops->code_add(st, u.id, e.code_hash, 50, 1,
	    "admin"), POUCH_OK);
	assert_int_equal(st->ops->user_suspend(st, "bob", 1, 11, "admin"),
	    POUCH_OK);
	key(e.device_key, 11);
	assert_int_equal(st->ops->enrol(st, &e, &dev), POUCH_E_FORBIDDEN);
	assert_int_equal(st->ops->user_suspend(st, "nobody", 1, 11, "admin"),
	    POUCH_E_NOT_FOUND);
}

static void
test_tokens_and_revoke(void **state)
{
	struct fx *f = *state;
	struct pouch_store *st = f->st;
	struct pouch_store_device d;
	uint8_t tok[32], chal[32];
	int64_t dev = enrol(st, "carol", 1, NULL);

	key(tok, 77);
	key(chal, 78);
	assert_int_equal(st->ops->challenge_add(st, dev, chal, 300),
	    POUCH_OK);
	assert_int_equal(st->ops->challenge_take(st, dev + 1, chal, 250),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(st->ops->challenge_take(st, dev, chal, 250),
	    POUCH_OK);
	/* Consumed: never twice. */
	assert_int_equal(st->ops->challenge_take(st, dev, chal, 250),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(st->ops->challenge_add(st, dev, chal, 300),
	    POUCH_OK);
	assert_int_equal(st->ops->challenge_take(st, dev, chal, 300),
	    POUCH_E_EXPIRED);
	assert_int_equal(st->ops->challenge_take(st, dev, chal, 200),
	    POUCH_E_NOT_FOUND);

	assert_int_equal(st->ops->token_add(st, dev, tok, 500), POUCH_OK);
	/* housekeeping removes only what has expired */
	int64_t removed;
	assert_int_equal(st->ops->gc(st, 499, 1000, NULL, NULL, &removed),
	    POUCH_OK);
	assert_int_equal(st->ops->token_check(st, tok, 499, &d), POUCH_OK);
	assert_int_equal(st->ops->token_check(st, tok, 499, &d), POUCH_OK);
	assert_int_equal(d.id, dev);
	assert_int_equal(st->ops->token_check(st, tok, 500, &d),
	    POUCH_E_EXPIRED);
	assert_int_equal(d.id, 0);
	assert_int_equal(st->ops->gc(st, 500, 1000, NULL, NULL, &removed),
	    POUCH_OK);
	assert_true(removed >= 1);
	assert_int_equal(st->ops->token_check(st, tok, 400, &d),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(st->ops->token_add(st, dev, tok, 500), POUCH_OK);
	assert_int_equal(st->ops->device_revoke(st, dev, 300, "admin", NULL,
	    NULL, NULL), POUCH_OK);
	assert_int_equal(st->ops->token_check(st, tok, 400, &d),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(st->ops->device_revoke(st, 9999, 300, "admin",
	    NULL, NULL, NULL), POUCH_E_NOT_FOUND);
}

struct seen {
	pthread_mutex_t	mu;
	char		refs[64][8];
	int		n;
	int		last_resort;
};

static int
on_claim(void *arg, const struct pouch_store_claimed *c)
{
	struct seen *s = arg;

	if (c->missing)
		return POUCH_E_NOT_FOUND;	/* every device has some */
	pthread_mutex_lock(&s->mu);
	if (c->last_resort)
		s->last_resort++;
	else if (s->n < 64)
		memcpy(s->refs[s->n++], c->data, 8);
	pthread_mutex_unlock(&s->mu);
	return POUCH_OK;
}

static void
upload(struct pouch_store *st, int64_t dev, int first, int n, int lr)
{
	struct pouch_store_kp kp[16];
	char data[16][8], ref[16][8];

	memset(data, 0, sizeof(data));
	memset(ref, 0, sizeof(ref));
	for (int i = 0; i < n; i++) {
		snprintf(data[i], 8, "kp%04d", first + i);
		snprintf(ref[i], 8, "rf%04d", first + i);
		kp[i] = (struct pouch_store_kp){ (uint8_t *)ref[i], 8,
		    (uint8_t *)data[i], 8, lr && i == n - 1, SUITE };
	}
	assert_int_equal(st->ops->kp_add(st, dev, kp, (size_t)n, 100),
	    POUCH_OK);
}

struct claimer {
	struct pouch_store	*st;
	int64_t			 uid;
	struct seen		*seen;
};

static void *
claim_thread(void *arg)
{
	struct claimer *c = arg;

	for (int i = 0; i < 5; i++)
		if (c->st->ops->kp_claim(c->st, c->uid, 0, SUITE, 300,
		    on_claim, c->seen) != POUCH_OK)
			return (void *)1;
	return NULL;
}

static void
test_claim_never_twice(void **state)
{
	struct fx *f = *state;
	struct pouch_store *st = f->st;
	struct seen seen = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct claimer c;
	pthread_t th[4];
	int64_t uid, dev = enrol(st, "dave", 2, &uid), count;
	int lr, i, j;

	/* 12 ordinary KeyPackages and one last-resort one. */
	upload(st, dev, 0, 6, 0);
	upload(st, dev, 6, 7, 1);
	assert_int_equal(st->ops->kp_count(st, dev, SUITE, &count, &lr),
	    POUCH_OK);
	assert_int_equal(count, 12);
	assert_true(lr);
	/* A duplicate ref is refused whole. */
	struct pouch_store_kp dup = { (const uint8_t *)"rf0000\0", 8,
	    (const uint8_t *)"x", 1, 0, SUITE };
	assert_int_equal(st->ops->kp_add(st, dev, &dup, 1, 100),
	    POUCH_E_EXISTS);
	/* 4 threads x 5 claims = 20: 12 distinct, 8 last-resort. */
	c = (struct claimer){ st, uid, &seen };
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, claim_thread,
		    &c), 0);
	for (i = 0; i < 4; i++) {
		void *ret;

		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
	assert_int_equal(seen.n, 12);
	assert_int_equal(seen.last_resort, 8);
	for (i = 0; i < seen.n; i++)
		for (j = i + 1; j < seen.n; j++)
			assert_true(strncmp(seen.refs[i], seen.refs[j], 8) != 0);
	assert_int_equal(st->ops->kp_count(st, dev, SUITE, &count, &lr),
	    POUCH_OK);
	assert_int_equal(count, 0);
	assert_true(lr);
	/* The claimer's own device is skipped. */
	assert_int_equal(st->ops->kp_claim(st, uid, dev, SUITE, 300,
	    on_claim, &seen), POUCH_E_NOT_FOUND);
	/* Quota on stored KeyPackages. */
	struct pouch_store_kp big[1] = { { (const uint8_t *)"zz", 2,
	    (const uint8_t *)"x", 1, 0, SUITE } };
	assert_int_equal(st->ops->kp_add(st, dev, big, 1, 0), POUCH_E_QUOTA);
}

struct box {
	int	n;
	int64_t	cursor[16];
	int64_t	msg[16];
	char	body[16][16];
};

static int
on_item(void *arg, const struct pouch_store_item *it)
{
	struct box *b = arg;

	if (b->n >= 16)
		return POUCH_E_LIMIT;
	b->cursor[b->n] = it->cursor;
	b->msg[b->n] = it->msg_id;
	snprintf(b->body[b->n], 16, "%.*s", (int)it->len,
	    (const char *)it->body);
	b->n++;
	return POUCH_OK;
}

/* A group of three (a creates, commit adds b and c). */
static void
group3(struct pouch_store *st, int64_t *a, int64_t *b, int64_t *c)
{
	struct pouch_store_msg m = { 0 };
	struct pouch_store_posted p;
	struct pouch_store_change adds[2];
	struct seen seen = { .mu = PTHREAD_MUTEX_INITIALIZER };
	int64_t ub, uc;

	*a = enrol(st, "ann", 10, NULL);
	*b = enrol(st, "ben", 11, &ub);
	*c = enrol(st, "cat", 12, &uc);
	upload(st, *b, 100, 1, 0);
	upload(st, *c, 200, 1, 0);
	assert_int_equal(st->ops->kp_claim(st, ub, *a, SUITE, 300, on_claim,
	    &seen), POUCH_OK);
	assert_int_equal(st->ops->kp_claim(st, uc, *a, SUITE, 300, on_claim,
	    &seen), POUCH_OK);
	assert_int_equal(st->ops->group_create(st, (const uint8_t *)"g1", 2,
	    1, *a, 300), POUCH_OK);
	assert_int_equal(st->ops->group_create(st, (const uint8_t *)"g1", 2,
	    1, *a, 300), POUCH_E_EXISTS);
	adds[0] = (struct pouch_store_change){ POUCH_STORE_CH_ADD, 0,
	    { (const uint8_t *)"rf0100\0", 8 } };
	adds[1] = (struct pouch_store_change){ POUCH_STORE_CH_ADD, 0,
	    { (const uint8_t *)"rf0200\0", 8 } };
	m.kind = POUCH_STORE_COMMIT;
	m.sender = *a;
	m.group_id = (const uint8_t *)"g1";
	m.gidlen = 2;
	m.epoch = 0;
	m.changes = adds;
	m.nchanges = 2;
	m.body = (const uint8_t *)"commit0";
	m.len = 7;
	m.now = 301;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_OK);
	assert_int_equal(p.epoch, 1);
	assert_int_equal(p.ndevices, 0);	/* a was alone before */
	pouch_store_posted_clear(&p);
	/* The Welcome goes to b and c by KeyPackageRef. */
	struct pouch_store_ref refs[2] = { adds[0].ref, adds[1].ref };
	m.kind = POUCH_STORE_WELCOME;
	m.changes = NULL;
	m.nchanges = 0;
	m.refs = refs;
	m.nrefs = 2;
	m.body = (const uint8_t *)"welcome";
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_OK);
	assert_int_equal(p.ndevices, 2);
	pouch_store_posted_clear(&p);
}

static int
epoch_of(struct pouch_store *st, const char *gid, uint64_t *epoch)
{
	struct pouch_store_group g;
	int rc;

	rc = st->ops->group_get(st, (const uint8_t *)gid, strlen(gid), &g);
	*epoch = g.epoch;
	return rc;
}

static void
test_one_commit_per_epoch(void **state)
{
	struct fx *f = *state;
	struct pouch_store *st = f->st;
	struct pouch_store_msg m = { 0 };
	struct pouch_store_posted p;
	uint64_t epoch;
	int64_t a, b, c;

	group3(st, &a, &b, &c);
	m.kind = POUCH_STORE_COMMIT;
	m.group_id = (const uint8_t *)"g1";
	m.gidlen = 2;
	m.body = (const uint8_t *)"commit1";
	m.len = 7;
	m.now = 302;
	m.epoch = 1;
	m.sender = b;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_OK);
	assert_int_equal(p.epoch, 2);
	assert_int_equal(p.ndevices, 2);
	pouch_store_posted_clear(&p);
	/* The loser of the race gets the current epoch back. */
	m.sender = c;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_E_CONFLICT);
	assert_int_equal(p.epoch, 2);
	assert_null(p.devices);
	/* A future epoch is no better. */
	m.epoch = 5;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_E_CONFLICT);
	assert_int_equal(epoch_of(st, "g1", &epoch), POUCH_OK);
	assert_int_equal(epoch, 2);
	/* Not a member: forbidden. */
	int64_t e = enrol(st, "eve", 13, NULL);
	m.sender = e;
	m.epoch = 2;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_E_FORBIDDEN);
	/* Wrong leaf claimed: forbidden. */
	m.sender = b;
	m.check_leaf = 1;
	m.sender_leaf = 0;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_E_FORBIDDEN);
	m.sender_leaf = 1;
	m.kind = POUCH_STORE_APPLICATION;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_OK);
	pouch_store_posted_clear(&p);
	/* Application messages: old epochs within the window only. */
	m.epoch = 1;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_E_CONFLICT);
	m.epoch_window = 1;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_OK);
	pouch_store_posted_clear(&p);
}

static void
test_fanout_sync_ack(void **state)
{
	struct fx *f = *state;
	struct pouch_store *st = f->st;
	struct pouch_store_msg m = { 0 };
	struct pouch_store_posted p;
	struct box bx = { 0 };
	int64_t a, b, c;
	char body[8];
	int i;

	group3(st, &a, &b, &c);
	m.kind = POUCH_STORE_APPLICATION;
	m.group_id = (const uint8_t *)"g1";
	m.gidlen = 2;
	m.epoch = 1;
	m.sender = a;
	m.now = 400;
	m.len = 4;
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof(body), "msg%d", i);
		m.body = (const uint8_t *)body;
		assert_int_equal(st->ops->post(st, &m, &p), POUCH_OK);
		assert_int_equal(p.ndevices, 2);
		pouch_store_posted_clear(&p);
	}
	/* b: the Welcome, then three messages in order. */
	assert_int_equal(st->ops->sync_fetch(st, b, 0, 100, on_item, &bx),
	    POUCH_OK);
	assert_int_equal(bx.n, 4);
	assert_string_equal(bx.body[0], "welcome");
	assert_string_equal(bx.body[1], "msg0");
	assert_string_equal(bx.body[3], "msg2");
	assert_true(bx.cursor[1] < bx.cursor[2] && bx.cursor[2] <
	    bx.cursor[3]);
	/* The sender gets nothing back. */
	struct box ba = { 0 };
	assert_int_equal(st->ops->sync_fetch(st, a, 0, 100, on_item, &ba),
	    POUCH_OK);
	assert_int_equal(ba.n, 0);
	/* Ack up to msg0; c still has everything. */
	assert_int_equal(st->ops->sync_ack(st, b, bx.cursor[1]), POUCH_OK);
	int64_t cur = bx.cursor[1], id2 = bx.msg[2];
	memset(&bx, 0, sizeof(bx));
	assert_int_equal(st->ops->sync_fetch(st, b, 0, 100, on_item, &bx),
	    POUCH_OK);
	assert_int_equal(bx.n, 2);
	assert_true(bx.cursor[0] > cur);
	assert_int_equal(bx.msg[0], id2);
	memset(&bx, 0, sizeof(bx));
	assert_int_equal(st->ops->sync_fetch(st, c, 0, 2, on_item, &bx),
	    POUCH_OK);
	assert_int_equal(bx.n, 2);	/* limit */
}

static void
test_fanout_atomic(void **state)
{
	struct fx *f = *state;
	struct pouch_store *st = f->st;
	struct pouch_store_msg m = { 0 };
	struct pouch_store_posted p;
	struct pouch_store_change bad = { POUCH_STORE_CH_ADD, 0,
	    { (const uint8_t *)"nosuchref", 9 } };
	struct pouch_store_change rm = { POUCH_STORE_CH_REMOVE, 7,
	    { NULL, 0 } };
	struct box bx = { 0 };
	uint64_t epoch;
	int64_t a, b, c;

	group3(st, &a, &b, &c);
	m.kind = POUCH_STORE_COMMIT;
	m.group_id = (const uint8_t *)"g1";
	m.gidlen = 2;
	m.epoch = 1;
	m.sender = a;
	m.body = (const uint8_t *)"bad";
	m.len = 3;
	m.now = 500;
	/* Adding a KeyPackage nobody was issued: nothing happens. */
	m.changes = &bad;
	m.nchanges = 1;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_E_NOT_FOUND);
	/* Removing a blank leaf: nothing happens. */
	m.changes = &rm;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_E_MALFORMED);
	assert_int_equal(epoch_of(st, "g1", &epoch), POUCH_OK);
	assert_int_equal(epoch, 1);
	assert_int_equal(st->ops->sync_fetch(st, b, 0, 100, on_item, &bx),
	    POUCH_OK);
	assert_int_equal(bx.n, 1);	/* the Welcome only */
	/* Remove c (leaf 2): c still gets the commit, then nothing. */
	rm.leaf = 2;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_OK);
	assert_int_equal(p.ndevices, 2);
	pouch_store_posted_clear(&p);
	m.kind = POUCH_STORE_APPLICATION;
	m.epoch = 2;
	m.nchanges = 0;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_OK);
	assert_int_equal(p.ndevices, 1);
	assert_int_equal(p.devices[0], b);
	pouch_store_posted_clear(&p);
}

/* A stand-in for pouchd's signed Remove proposal. */
static int
fake_remove(void *arg, const struct pouch_store_membership *m,
    uint8_t **msg, size_t *len, uint8_t ref[POUCH_STORE_REF_MAX],
    size_t *reflen)
{
	(*(int *)arg)++;
	if ((*msg = malloc(6)) == NULL)
		return POUCH_E_NOMEM;
	memcpy(*msg, "remove", 6);
	*len = 6;
	memset(ref, 0, POUCH_STORE_REF_MAX);
	ref[0] = (uint8_t)m->leaf;
	memcpy(ref + 1, m->group_id, m->gidlen);
	*reflen = 32;
	return POUCH_OK;
}

static void
test_revoke_proposes_removal(void **state)
{
	struct fx *f = *state;
	struct pouch_store *st = f->st;
	struct pouch_store_msg m = { 0 };
	struct pouch_store_posted p;
	struct pouch_store_change byref = { POUCH_STORE_CH_REF, 0,
	    { NULL, 32 } };
	uint8_t ref[32] = { 2, 'g', '1' }, wrong[32] = { 1, 'g', '1' };
	struct box bx = { 0 };
	size_t n;
	int64_t a, b, c;
	int calls = 0;

	group3(st, &a, &b, &c);
	/* c (leaf 2) revoked: a and b get the server's proposal */
	assert_int_equal(st->ops->device_revoke(st, c, 500, "admin",
	    fake_remove, &calls, &n), POUCH_OK);
	assert_int_equal(calls, 1);
	assert_int_equal(n, 1);
	assert_int_equal(st->ops->sync_fetch(st, b, 0, 100, on_item, &bx),
	    POUCH_OK);
	assert_int_equal(bx.n, 2);
	assert_string_equal(bx.body[1], "remove");
	/* before its Remove is committed, c still has its leaf, but no
	 * message is queued for it any more: only b gets this one */
	m.kind = POUCH_STORE_APPLICATION;
	m.group_id = (const uint8_t *)"g1";
	m.gidlen = 2;
	m.epoch = 1;
	m.sender = a;
	m.body = (const uint8_t *)"after revoke";
	m.len = 12;
	m.now = 501;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_OK);
	assert_int_equal(p.ndevices, 1);
	assert_int_equal(p.devices[0], b);
	pouch_store_posted_clear(&p);
	/* a commit referencing an unknown proposal changes nothing */
	m.kind = POUCH_STORE_COMMIT;
	m.body = (const uint8_t *)"commit";
	m.len = 6;
	m.changes = &byref;
	m.nchanges = 1;
	byref.ref.p = wrong;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_E_NOT_FOUND);
	/* by reference: c leaves the group */
	byref.ref.p = ref;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_OK);
	assert_int_equal(p.ndevices, 1);	/* b; c, revoked, gets nothing */
	pouch_store_posted_clear(&p);
	m.kind = POUCH_STORE_APPLICATION;
	m.epoch = 2;
	m.nchanges = 0;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_OK);
	assert_int_equal(p.ndevices, 1);
	pouch_store_posted_clear(&p);
}

/* fake_remove, remembering the epoch and leaf it was asked for */
struct prop_log {
	int		calls;
	uint64_t	epoch;
	uint32_t	leaf;
};

static int
log_remove(void *arg, const struct pouch_store_membership *m,
    uint8_t **msg, size_t *len, uint8_t ref[POUCH_STORE_REF_MAX],
    size_t *reflen)
{
	struct prop_log *l = arg;
	int calls = 0;

	l->epoch = m->epoch;
	l->leaf = m->leaf;
	l->calls++;
	return fake_remove(&calls, m, msg, len, ref, reflen);
}

/* Rows of a table, read through a connection of our own. */
static int64_t
rows(const struct fx *f, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int64_t n = -1;

	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL),
	    SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

static void
commit_at(struct pouch_store *st, int64_t sender, uint64_t epoch,
    const struct pouch_store_change *ch, size_t nch, int64_t now, int want)
{
	struct pouch_store_msg m = { 0 };
	struct pouch_store_posted p;

	m.kind = POUCH_STORE_COMMIT;
	m.group_id = (const uint8_t *)"g1";
	m.gidlen = 2;
	m.epoch = epoch;
	m.sender = sender;
	m.changes = ch;
	m.nchanges = nch;
	m.body = (const uint8_t *)"commit";
	m.len = 6;
	m.now = now;
	assert_int_equal(st->ops->post(st, &m, &p), want);
	pouch_store_posted_clear(&p);
}

/*
 * A commit that did not carry out the server's Remove of a revoked
 * device: repropose queues the Remove again for the new epoch, once,
 * until a commit removes the device.
 */
static void
test_repropose_after_commit(void **state)
{
	struct fx *f = *state;
	struct pouch_store *st = f->st;
	struct pouch_store_change byref = { POUCH_STORE_CH_REF, 0,
	    { NULL, 32 } };
	uint8_t ref[32] = { 2, 'g', '1' };
	struct prop_log l = { 0 };
	struct box bx = { 0 };
	size_t n;
	int64_t a, b, c;
	int calls = 0;

	group3(st, &a, &b, &c);
	assert_int_equal(st->ops->device_revoke(st, c, 500, "admin",
	    fake_remove, &calls, &n), POUCH_OK);
	/* epoch 1 already has its Remove: nothing to do */
	assert_int_equal(st->ops->repropose(st, (const uint8_t *)"g1", 2, 501,
	    log_remove, &l, &n), POUCH_OK);
	assert_int_equal(n, 0);
	assert_int_equal(l.calls, 0);
	/* b commits epoch 1 without it: c is still a member */
	commit_at(st, b, 1, NULL, 0, 502, POUCH_OK);
	assert_int_equal(st->ops->repropose(st, NULL, 0, 503, log_remove, &l,
	    &n), POUCH_OK);
	assert_int_equal(n, 1);
	assert_int_equal(l.calls, 1);
	assert_int_equal(l.epoch, 2);
	assert_int_equal(l.leaf, 2);
	/* a got: the Welcome-less history, b's commit, the new Remove */
	assert_int_equal(st->ops->sync_fetch(st, a, 0, 100, on_item, &bx),
	    POUCH_OK);
	assert_string_equal(bx.body[bx.n - 1], "remove");
	assert_string_equal(bx.body[bx.n - 2], "commit");
	/* once per epoch */
	assert_int_equal(st->ops->repropose(st, (const uint8_t *)"g1", 2, 504,
	    log_remove, &l, &n), POUCH_OK);
	assert_int_equal(n, 0);
	assert_int_equal(l.calls, 1);
	/* the old epoch's proposal is gone: only the new one can be used */
	assert_int_equal(st->ops->gc(st, 505, 1000, NULL, NULL, NULL),
	    POUCH_OK);
	byref.ref.p = ref;
	commit_at(st, a, 2, &byref, 1, 506, POUCH_OK);
	/* c is out: nothing more to propose, anywhere */
	assert_int_equal(st->ops->repropose(st, NULL, 0, 507, log_remove, &l,
	    &n), POUCH_OK);
	assert_int_equal(n, 0);
	assert_int_equal(l.calls, 1);
	assert_int_equal(st->ops->repropose(st, (const uint8_t *)"", 0, 507,
	    log_remove, &l, &n), POUCH_E_MISUSE);
}

/*
 * Housekeeping keeps the tables from growing: commit records of past
 * epochs and old or dead issued-KeyPackage records go; what a commit or
 * a Welcome still needs stays.
 */
static void
test_gc_retention(void **state)
{
	struct fx *f = *state;
	struct pouch_store *st = f->st;
	struct pouch_store_msg m = { 0 };
	struct pouch_store_posted p;
	struct pouch_store_ref rb = { (const uint8_t *)"rf0100\0", 8 };
	int64_t a, b, c, removed;
	int calls = 0;
	size_t n;

	group3(st, &a, &b, &c);		/* refs issued at 300 */
	commit_at(st, a, 1, NULL, 0, 400, POUCH_OK);
	commit_at(st, b, 2, NULL, 0, 401, POUCH_OK);
	assert_int_equal(rows(f, "SELECT count(*) FROM commits"), 3);
	assert_int_equal(rows(f, "SELECT count(*) FROM kp_issued"), 2);
	assert_int_equal(st->ops->device_revoke(st, c, 402, "admin",
	    fake_remove, &calls, &n), POUCH_OK);
	assert_int_equal(st->ops->gc(st, 500, 1000, NULL, NULL, &removed),
	    POUCH_OK);
	assert_true(removed >= 3);
	/* the last commit stays; c's issued record went with c */
	assert_int_equal(rows(f, "SELECT count(*) FROM commits"), 1);
	assert_int_equal(rows(f, "SELECT max(epoch) FROM commits"), 2);
	assert_int_equal(rows(f, "SELECT count(*) FROM kp_issued"), 1);
	/* still one commit per epoch: old ones refused, the current wins */
	commit_at(st, a, 1, NULL, 0, 501, POUCH_E_CONFLICT);
	commit_at(st, c, 3, NULL, 0, 501, POUCH_E_FORBIDDEN);
	commit_at(st, a, 3, NULL, 0, 501, POUCH_OK);
	commit_at(st, b, 3, NULL, 0, 501, POUCH_E_CONFLICT);
	/* b's ref, younger than 30 days, still routes a Welcome */
	m.kind = POUCH_STORE_WELCOME;
	m.sender = a;
	m.refs = &rb;
	m.nrefs = 1;
	m.body = (const uint8_t *)"welcome";
	m.len = 7;
	m.now = 502;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_OK);
	assert_int_equal(p.ndevices, 1);
	pouch_store_posted_clear(&p);
	/* 30 days after it was issued it is gone */
	assert_int_equal(st->ops->gc(st, 300 + 2592000 - 1, 1000, NULL, NULL,
	    NULL), POUCH_OK);
	assert_int_equal(rows(f, "SELECT count(*) FROM kp_issued"), 1);
	assert_int_equal(st->ops->gc(st, 300 + 2592000, 1000, NULL, NULL,
	    NULL), POUCH_OK);
	assert_int_equal(rows(f, "SELECT count(*) FROM kp_issued"), 0);
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_E_NOT_FOUND);
}

static int
on_gone(void *arg, const uint8_t *hash)
{
	memcpy(arg, hash, POUCH_STORE_HASH_BYTES);
	return POUCH_OK;
}

/*
 * An orphaned attachment (no queued message carries it) lives until
 * attachment retention has passed, then goes, and gc names it; one a
 * queued message carries stays however old it is.
 */
static void
test_gc_orphaned_attachments(void **state)
{
	struct fx *f = *state;
	struct pouch_store *st = f->st;
	struct pouch_store_device dev;
	struct pouch_store_msg m = { 0 };
	struct pouch_store_posted p;
	uint8_t orphan[32], carried[32], gone[32];
	uint64_t size;
	int64_t a, b, c;

	group3(st, &a, &b, &c);
	assert_int_equal(st->ops->device_get(st, a, &dev), POUCH_OK);
	memset(orphan, 0x11, sizeof(orphan));
	memset(carried, 0x22, sizeof(carried));
	assert_int_equal(st->ops->attachment_add(st, orphan, 5, dev.user_id,
	    100, 600), POUCH_OK);
	assert_int_equal(st->ops->attachment_add(st, carried, 5,
	    dev.user_id, 100, 600), POUCH_OK);
	m.kind = POUCH_STORE_APPLICATION;
	m.group_id = (const uint8_t *)"g1";
	m.gidlen = 2;
	m.epoch = 1;
	m.sender = a;
	m.attachments = (const uint8_t (*)[POUCH_STORE_HASH_BYTES])carried;
	m.nattachments = 1;
	m.body = (const uint8_t *)"see it";
	m.len = 6;
	m.now = 601;
	assert_int_equal(st->ops->post(st, &m, &p), POUCH_OK);
	pouch_store_posted_clear(&p);
	/* retention 1000: not yet at 1599 */
	memset(gone, 0, sizeof(gone));
	assert_int_equal(st->ops->gc(st, 1599, 1000, on_gone, gone, NULL),
	    POUCH_OK);
	assert_int_equal(st->ops->attachment_get(st, orphan, &size),
	    POUCH_OK);
	assert_int_equal(gone[0], 0);
	/* at 1600 the orphan goes; the carried one stays */
	assert_int_equal(st->ops->gc(st, 1600, 1000, on_gone, gone, NULL),
	    POUCH_OK);
	assert_memory_equal(gone, orphan, sizeof(gone));
	assert_int_equal(st->ops->attachment_get(st, orphan, &size),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(st->ops->attachment_get(st, carried, &size),
	    POUCH_OK);
	assert_int_equal(size, 5);
}

static void
test_attachments_quota(void **state)
{
	struct fx *f = *state;
	struct pouch_store *st = f->st;
	uint8_t h1[32], h2[32];
	uint64_t size;
	int64_t uid;

	(void)enrol(st, "fay", 20, &uid);
	key(h1, 1);
	key(h2, 2);
	assert_int_equal(st->ops->attachment_add(st, h1, 600, uid, 1000, 1),
	    POUCH_OK);
	assert_int_equal(st->ops->attachment_add(st, h1, 600, uid, 5000, 1),
	    POUCH_E_EXISTS);
	assert_int_equal(st->ops->attachment_add(st, h2, 401, uid, 1000, 1),
	    POUCH_E_QUOTA);
	assert_int_equal(st->ops->attachment_get(st, h2, &size),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(st->ops->attachment_get(st, h1, &size), POUCH_OK);
	assert_int_equal(size, 600);
}

static int
count_audit(void *arg, const struct pouch_store_audit *a)
{
	(void)a;
	(*(int *)arg)++;
	return POUCH_OK;
}

static void
test_audit_append_only(void **state)
{
	struct fx *f = *state;
	sqlite3 *db;
	int64_t id;
	int n = 0;

	assert_int_equal(f->st->ops->user_add(f->st, "gus", 5, "admin", &id),
	    POUCH_OK);
	assert_int_equal(f->st->ops->audit_list(f->st, 0, 100, count_audit,
	    &n), POUCH_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", NULL,
	    NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET actor = 'x'",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
test_backup_restore(void **state)
{
	struct fx *f = *state;
	struct pouch_store_config cfg = { 0 };
	struct pouch_store *st2;
	struct pouch_store_user u;
	char bak[160], dst[160];
	int64_t id;

	snprintf(bak, sizeof(bak), "%s/backup.db", f->dir);
	snprintf(dst, sizeof(dst), "%s/restored.db", f->dir);
	assert_int_equal(f->st->ops->user_add(f->st, "hal", 5, "admin", &id),
	    POUCH_OK);
	assert_int_equal(f->st->ops->backup(f->st, bak), POUCH_OK);
	assert_int_equal(pouch_store_restore(bak, dst), POUCH_OK);
	cfg.path = dst;
	assert_int_equal(pouch_store_open(&cfg, &st2), POUCH_OK);
	assert_int_equal(st2->ops->user_get(st2, "hal", &u), POUCH_OK);
	assert_int_equal(u.id, id);
	pouch_store_close(st2);
	/* Not a database: refused. */
	assert_int_equal(pouch_store_restore("/nonexistent/x.db", dst),
	    POUCH_E_DB);
}

/* 8 writers race: one commit per epoch, every message fanned out. */
struct racer {
	struct pouch_store	*st;
	pthread_barrier_t	*bar;
	int64_t			 dev;
	uint32_t		 leaf;
	int			 won;
	int			 errors;
};

#define RACERS	8
#define ROUNDS	20

/* Never leaves early: a failure is counted, the barriers still met. */
static void *
race_thread(void *arg)
{
	struct racer *r = arg;
	struct pouch_store_msg m = { 0 };
	struct pouch_store_posted p;
	uint64_t epoch = 0;
	int round, rc;

	m.group_id = (const uint8_t *)"race";
	m.gidlen = 4;
	m.sender = r->dev;
	m.check_leaf = 1;
	m.sender_leaf = r->leaf;
	m.body = (const uint8_t *)"x";
	m.len = 1;
	m.now = 1000;
	for (round = 0; round < ROUNDS; round++) {
		pthread_barrier_wait(r->bar);
		if (epoch_of(r->st, "race", &epoch) != POUCH_OK)
			r->errors++;
		pthread_barrier_wait(r->bar);
		m.kind = POUCH_STORE_COMMIT;
		m.epoch = epoch;
		rc = r->st->ops->post(r->st, &m, &p);
		if (rc == POUCH_OK)
			r->won++;
		else if (rc != POUCH_E_CONFLICT || p.epoch != epoch + 1)
			r->errors++;
		pouch_store_posted_clear(&p);
		m.kind = POUCH_STORE_APPLICATION;
		m.epoch = epoch + 1;
		if (r->st->ops->post(r->st, &m, &p) != POUCH_OK)
			r->errors++;
		pouch_store_posted_clear(&p);
		/* everybody has seen this round's epoch before the next */
		pthread_barrier_wait(r->bar);
	}
	return NULL;
}

static void
test_commit_race_group_commit(void **state)
{
	struct fx *f = *state;
	struct pouch_store *st = f->st;
	struct racer r[RACERS];
	pthread_barrier_t bar;
	pthread_t th[RACERS];
	struct box bx;
	struct sq *s = (struct sq *)st;
	uint64_t epoch;
	int i, won = 0;

	assert_int_equal(pthread_barrier_init(&bar, NULL, RACERS), 0);
	for (i = 0; i < RACERS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "racer%d", i);
		r[i] = (struct racer){ st, &bar, enrol(st, name, 50 + i,
		    NULL), (uint32_t)i, 0, 0 };
	}
	/* All eight in one group at leaves 0..7 (set up directly). */
	assert_int_equal(st->ops->group_create(st, (const uint8_t *)"race", 4,
	    1, r[0].dev, 1), POUCH_OK);
	for (i = 1; i < RACERS; i++)
		assert_int_equal(sq_exec(s, "INSERT INTO members (group_ref, "
		    "leaf, device_id) SELECT id, ?, ? FROM groups WHERE "
		    "group_id = CAST('race' AS BLOB)", "ii", (int64_t)i,
		    r[i].dev), POUCH_OK);
	s->commits = s->writes = 0;
	for (i = 0; i < RACERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, race_thread,
		    &r[i]), 0);
	for (i = 0; i < RACERS; i++) {
		void *ret;

		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
		assert_int_equal(r[i].errors, 0);
		won += r[i].won;
	}
	pthread_barrier_destroy(&bar);
	/* exactly one commit accepted per round */
	assert_int_equal(won, ROUNDS);
	assert_int_equal(epoch_of(st, "race", &epoch), POUCH_OK);
	assert_int_equal(epoch, ROUNDS);
	/* racer 0 got every commit but its own and every message but
	 * its own: 20 + 7 * 20 - (its own won commits) */
	memset(&bx, 0, sizeof(bx));
	{
		int64_t after = 0;
		int total = 0;

		do {
			memset(&bx, 0, sizeof(bx));
			assert_int_equal(st->ops->sync_fetch(st, r[0].dev,
			    after, 16, on_item, &bx), POUCH_OK);
			total += bx.n;
			if (bx.n > 0)
				after = bx.cursor[bx.n - 1];
		} while (bx.n == 16);
		assert_int_equal(total, ROUNDS - r[0].won +
		    (RACERS - 1) * ROUNDS);
	}
	/* group commit: fewer fsyncs than writes */
	print_message("group commit: %lu writes in %lu commits\n",
	    s->writes, s->commits);
	assert_true(s->commits <= s->writes);
}

/* ---- account-key rotation, on both backends --------------------------- */

struct kt_seen {
	uint64_t	first;
	size_t		n;
	int		bad;
};

static int
on_rot_leaf(void *arg, uint64_t index, const uint8_t *data, size_t len,
    const uint8_t hash[POUCH_STORE_HASH_BYTES])
{
	struct kt_seen *k = arg;

	(void)hash;
	if (index != k->first + k->n || len != 1 || data[0] != 'a' + k->n)
		k->bad++;
	k->n++;
	return POUCH_OK;
}

static void
stage3(struct pouch_store_kt_leaf l[3], const uint8_t data[3])
{
	int i;

	memset(l, 0, 3 * sizeof(*l));
	for (i = 0; i < 3; i++) {
		l[i].data = &data[i];
		l[i].len = 1;
		l[i].hash[0] = (uint8_t)(0xa0 + i);
		l[i].hash[1] = data[0];
		l[i].index = -1;
	}
	pouch_store_kt_stage(l, 3);
}

/*
 * A user with two devices rotates: refused for a stale prev, a device
 * left out, a foreign or duplicate device, with nothing changed and no
 * leaf appended; accepted once, with its three staged leaves appended in
 * order; the same request again is a replay (CONFLICT).
 */
static void
rotate_case(struct pouch_store *st, const char *user, int seed)
{
	struct pouch_store_kt_leaf l[3];
	struct pouch_store_user u;
	struct kt_seen ks;
	uint8_t prev[32], next[32], wrong[32], data[3] = { 'a', 'b', 'c' };
	int64_t uid, ids[3], other;

	ids[0] = enrol(st, user, seed, &uid);
	ids[1] = enrol(st, user, seed + 1, NULL);
	ids[2] = enrol(st, user, seed + 2, NULL);
	other = enrol(st, "rot-other", seed + 3, NULL);
	assert_int_equal(st->ops->device_revoke(st, ids[2], 250, "admin",
	    NULL, NULL, NULL), POUCH_OK);
	assert_int_equal(st->ops->user_get_id(st, uid, &u), POUCH_OK);
	memcpy(prev, u.account_key, 32);
	key(next, seed + 50);
	key(wrong, seed + 51);
	/* a stale prev, a missing, revoked, foreign or duplicate device */
	stage3(l, data);
	assert_int_equal(st->ops->account_rotate(st, uid, wrong, next, ids,
	    2, 300, "device:1"), POUCH_E_CONFLICT);
	assert_int_equal(st->ops->account_rotate(st, uid, prev, next, ids,
	    1, 300, "device:1"), POUCH_E_CONFLICT);
	assert_int_equal(st->ops->account_rotate(st, uid, prev, next, ids,
	    3, 300, "device:1"), POUCH_E_CONFLICT);
	ids[2] = other;
	assert_int_equal(st->ops->account_rotate(st, uid, prev, next,
	    &ids[1], 2, 300, "device:1"), POUCH_E_CONFLICT);
	ids[2] = ids[1];
	assert_int_equal(st->ops->account_rotate(st, uid, prev, next,
	    &ids[1], 2, 300, "device:1"), POUCH_E_CONFLICT);
	assert_int_equal(st->ops->account_rotate(st, uid + 1000, prev, next,
	    ids, 2, 300, "device:1"), POUCH_E_NOT_FOUND);
	pouch_store_kt_unstage();
	assert_int_equal(l[0].index, -1);
	assert_int_equal(st->ops->user_get_id(st, uid, &u), POUCH_OK);
	assert_memory_equal(u.account_key, prev, 32);
	/* the rotation, with its leaves */
	stage3(l, data);
	assert_int_equal(st->ops->account_rotate(st, uid, prev, next, ids,
	    2, 300, "device:1"), POUCH_OK);
	pouch_store_kt_unstage();
	assert_true(l[0].index >= 0);
	assert_int_equal(l[1].index, l[0].index + 1);
	assert_int_equal(l[2].index, l[0].index + 2);
	memset(&ks, 0, sizeof(ks));
	ks.first = (uint64_t)l[0].index;
	assert_int_equal(st->ops->kt_leaves(st, ks.first, ks.first + 3,
	    on_rot_leaf, &ks), POUCH_OK);
	assert_int_equal(ks.n, 3);
	assert_int_equal(ks.bad, 0);
	assert_int_equal(st->ops->user_get_id(st, uid, &u), POUCH_OK);
	assert_memory_equal(u.account_key, next, 32);
	/* a replay names a key that is gone; the other user is untouched */
	stage3(l, data);
	assert_int_equal(st->ops->account_rotate(st, uid, prev, next, ids,
	    2, 301, "device:1"), POUCH_E_CONFLICT);
	pouch_store_kt_unstage();
	assert_int_equal(l[0].index, -1);
	assert_int_equal(st->ops->user_get(st, "rot-other", &u), POUCH_OK);
	assert_memory_not_equal(u.account_key, next, 32);
}

static void
test_account_rotate(void **state)
{
	struct fx *f = *state;

	rotate_case(f->st, "rot", 40);
}

/*
 * The same case on PostgreSQL, when CTest runs this program again with
 * the throw-away cluster's connection string (store.cmake).
 */
static struct fx_pg pg;

static int
pg_setup(void **state)
{
	struct pouch_store_config cfg = { 0 };
	struct pouch_store *st = NULL;

	if (fx_pg_create(&pg, "pouch_rot") != 0)
		return -1;
	cfg.backend = "postgresql";
	cfg.conninfo = pg.ci;
	if (pouch_store_open(&cfg, &st) != POUCH_OK)
		return -1;
	*state = st;
	return 0;
}

static int
pg_teardown(void **state)
{
	pouch_store_close(*state);
	return fx_pg_drop(&pg);
}

static void
test_account_rotate_pg(void **state)
{
	struct pouch_store *st = *state;

	assert_string_equal(st->ops->name, "postgresql");
	rotate_case(st, "rot", 40);
}

static int
run_pg(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_account_rotate_pg,
		    pg_setup, pg_teardown),
	};

	return cmocka_run_group_tests_name("store_pg", tests, NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_durable_settings, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrations_idempotent,
		    setup, teardown),
		cmocka_unit_test(test_unknown_backend),
		cmocka_unit_test_setup_teardown(test_users_and_codes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tokens_and_revoke, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_claim_never_twice, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_one_commit_per_epoch,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fanout_sync_ack, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fanout_atomic, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_revoke_proposes_removal,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_repropose_after_commit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc_retention, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gc_orphaned_attachments,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_attachments_quota, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_audit_append_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_backup_restore, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_race_group_commit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_rotate, setup,
		    teardown),
	};

	if (getenv("POUCH_TEST_PG_FILE") != NULL)
		return run_pg();

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
