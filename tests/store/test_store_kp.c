/*
 * test_store_kp.c - KeyPackages per cipher suite, on SQLite (a real file
 * in a temporary directory) and on PostgreSQL (store.cmake runs this
 * program again with the throw-away cluster's connection string): a
 * claim hands out only KeyPackages of the suite asked for, a device
 * with none of it is reported missing and loses nothing, a last-resort
 * KeyPackage replaces only the one of its own suite, counts are per
 * suite, a database of schema 5 (no suite column) migrates with each
 * stored KeyPackage's suite read from its bytes, and kp_replace (after
 * an account-key rotation) drops only the device's unclaimed ones of the
 * batch's suites, atomically, with the quota counted after.
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
#include <libpq-fe.h>
#include <sqlite3.h>

#include "store/sqlite_int.h"
#include "store/store.h"
#include "store_fixture.h"

/* pg_schema.c (pg_int.h would clash with sqlite_int.h here) */
const char	*pouch_store_pg_migration(int version);

#define SUITE_A	0xF001	/* the hybrid suite */
#define SUITE_B	0x7E57	/* a second code point, as an alias would be */
#define OLD_SCHEMA	5	/* the last schema without key_packages.suite */

/* ---- fixtures: a fresh database per test ------------------------------ */

struct fx {
	char			 dir[64];
	char			 path[128];
	struct pouch_store	*st;
	int			 pg;
};

static struct fx_pg pg;

static int
sq_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/pouch-kp-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/pouchd.db", f->dir);
	*state = f;
	return 0;
}

static int
pg_setup(void **state)
{
	struct fx *f;

	if (fx_pg_create(&pg, "pouch_kp") != 0 ||
	    (f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	f->pg = 1;
	*state = f;
	return 0;
}

/* Open the store of the fixture (applying its migrations). */
static struct pouch_store *
fx_open(struct fx *f)
{
	struct pouch_store_config cfg = { 0 };

	if (f->pg) {
		cfg.backend = "postgresql";
		cfg.conninfo = pg.ci;
	} else
		cfg.path = f->path;
	assert_int_equal(pouch_store_open(&cfg, &f->st), POUCH_OK);
	return f->st;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];
	int rc = 0;

	pouch_store_close(f->st);
	if (f->pg)
		rc = fx_pg_drop(&pg);
	else {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
		rc = system(cmd) == 0 ? 0 : -1;
	}
	free(f);
	return rc;
}

/* ---- helpers ----------------------------------------------------------- */

/*
 * The bytes a KeyPackage is stored as: an MLSMessage (version 1,
 * wire_format 5) around a KeyPackage (version 1, cipher_suite), then a
 * tag of 4 characters that names it in these tests.
 */
#define KP_LEN	12

static void
kp_bytes(uint8_t out[KP_LEN], uint16_t suite, const char *tag)
{
	static const uint8_t head[6] = { 0, 1, 0, 5, 0, 1 };

	memcpy(out, head, sizeof(head));
	out[6] = (uint8_t)(suite >> 8);
	out[7] = (uint8_t)suite;
	memcpy(out + 8, tag, 4);
}

/* Upload one KeyPackage (ref "R" + tag, unique per tag). */
static int
put(struct pouch_store *st, int64_t dev, uint16_t suite, const char *tag,
    int last_resort, size_t stored_max)
{
	struct pouch_store_kp kp;
	uint8_t data[KP_LEN], ref[5];

	kp_bytes(data, suite, tag);
	ref[0] = 'R';
	memcpy(ref + 1, tag, 4);
	kp = (struct pouch_store_kp){ ref, sizeof(ref), data, sizeof(data),
	    last_resort, suite };
	return st->ops->kp_add(st, dev, &kp, 1, stored_max);
}

/*
 * Replace dev's KeyPackages with a batch: tags[i] (ref "R" + tag), in
 * suites[i], a last-resort one when the tag starts with 'L'.
 */
static int
replace(struct pouch_store *st, int64_t dev, const char *const *tags,
    const uint16_t *suites, size_t n, size_t stored_max)
{
	struct pouch_store_kp kp[8];
	uint8_t data[8][KP_LEN], ref[8][5];
	size_t i;

	assert_true(n <= 8);
	for (i = 0; i < n; i++) {
		kp_bytes(data[i], suites[i], tags[i]);
		ref[i][0] = 'R';
		memcpy(ref[i] + 1, tags[i], 4);
		kp[i] = (struct pouch_store_kp){ ref[i], sizeof(ref[i]),
		    data[i], sizeof(data[i]), tags[i][0] == 'L', suites[i] };
	}
	return st->ops->kp_replace(st, dev, kp, n, stored_max);
}

/* What a claim handed out, in device order. */
struct got {
	int	n;
	int64_t	dev[8];
	char	tag[8][5];	/* "" when missing */
	int	missing[8];
	int	last_resort[8];
	int	suite[8];	/* read back from the bytes */
};

static int
on_claim(void *arg, const struct pouch_store_claimed *c)
{
	struct got *g = arg;

	if (g->n == 8)
		return POUCH_E_LIMIT;
	g->dev[g->n] = c->device_id;
	g->missing[g->n] = c->missing;
	g->last_resort[g->n] = c->last_resort;
	g->tag[g->n][0] = '\0';
	g->suite[g->n] = -1;
	if (c->missing) {
		/* nothing to hand out */
		if (c->data != NULL || c->len != 0)
			return POUCH_E_MALFORMED;
	} else {
		if (c->data == NULL || c->len != KP_LEN)
			return POUCH_E_MALFORMED;
		memcpy(g->tag[g->n], c->data + 8, 4);
		g->tag[g->n][4] = '\0';
		g->suite[g->n] = c->data[6] << 8 | c->data[7];
	}
	g->n++;
	return POUCH_OK;
}

static void
claim(struct pouch_store *st, int64_t uid, int64_t exclude, uint16_t suite,
    struct got *g)
{
	memset(g, 0, sizeof(*g));
	assert_int_equal(st->ops->kp_claim(st, uid, exclude, suite, 300,
	    on_claim, g), POUCH_OK);
}

static void
count_is(struct pouch_store *st, int64_t dev, uint16_t suite, int64_t want,
    int want_lr)
{
	int64_t n = -1;
	int lr = -1;

	assert_int_equal(st->ops->kp_count(st, dev, suite, &n, &lr), POUCH_OK);
	assert_int_equal(n, want);
	assert_int_equal(lr, want_lr);
}

/* ---- the cases, on either backend -------------------------------------- */

/*
 * bob has two devices: d1 with KeyPackages in both suites, d2 only in
 * A.  A claim in B hands out d1's B one and reports d2 missing without
 * consuming anything of it; a claim in A hands out each device's oldest
 * A one; the claimer's own device is never in the answer.
 */
static void
per_suite_claim(struct pouch_store *st)
{
	struct got g;
	int64_t ua, ub, a, d1, d2;

	a = enrol(st, "alice", 1, &ua);
	d1 = enrol(st, "bob", 2, &ub);
	d2 = enrol(st, "bob", 3, NULL);
	assert_int_equal(put(st, d1, SUITE_A, "a1-1", 0, 100), POUCH_OK);
	assert_int_equal(put(st, d1, SUITE_B, "b1-1", 0, 100), POUCH_OK);
	assert_int_equal(put(st, d1, SUITE_A, "a1-2", 0, 100), POUCH_OK);
	assert_int_equal(put(st, d2, SUITE_A, "a2-1", 0, 100), POUCH_OK);
	count_is(st, d1, SUITE_A, 2, 0);
	count_is(st, d1, SUITE_B, 1, 0);
	count_is(st, d2, SUITE_A, 1, 0);
	count_is(st, d2, SUITE_B, 0, 0);

	claim(st, ub, a, SUITE_B, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.dev[0], d1);
	assert_false(g.missing[0]);
	assert_string_equal(g.tag[0], "b1-1");
	assert_int_equal(g.suite[0], SUITE_B);
	assert_int_equal(g.dev[1], d2);
	assert_true(g.missing[1]);
	/* d2 lost nothing; d1 lost its B one only */
	count_is(st, d2, SUITE_A, 1, 0);
	count_is(st, d1, SUITE_A, 2, 0);
	count_is(st, d1, SUITE_B, 0, 0);

	claim(st, ub, a, SUITE_A, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.tag[0], "a1-1");	/* the oldest */
	assert_int_equal(g.suite[0], SUITE_A);
	assert_string_equal(g.tag[1], "a2-1");
	assert_false(g.missing[0]);
	assert_false(g.missing[1]);
	count_is(st, d1, SUITE_A, 1, 0);
	count_is(st, d2, SUITE_A, 0, 0);

	/* now both are out of B: both reported, in device order */
	claim(st, ub, a, SUITE_B, &g);
	assert_int_equal(g.n, 2);
	assert_true(g.missing[0] && g.missing[1]);
	assert_int_equal(g.dev[0], d1);
	assert_int_equal(g.dev[1], d2);
	count_is(st, d1, SUITE_A, 1, 0);

	/* bob claiming from d1: only d2 is in the answer */
	claim(st, ub, d1, SUITE_A, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.dev[0], d2);
	assert_true(g.missing[0]);
	(void)ua;
}

/*
 * One last-resort KeyPackage per device and suite: a new one replaces
 * the old one of its own suite only, and is handed out (not consumed)
 * in its suite once the ordinary ones are gone.
 */
static void
per_suite_last_resort(struct pouch_store *st)
{
	struct got g;
	int64_t ub, a, d;

	a = enrol(st, "alice", 1, NULL);
	d = enrol(st, "bob", 2, &ub);
	assert_int_equal(put(st, d, SUITE_A, "LA-1", 1, 100), POUCH_OK);
	assert_int_equal(put(st, d, SUITE_B, "LB-1", 1, 100), POUCH_OK);
	count_is(st, d, SUITE_A, 0, 1);
	count_is(st, d, SUITE_B, 0, 1);
	/* a new A one replaces LA-1, not LB-1 */
	assert_int_equal(put(st, d, SUITE_A, "LA-2", 1, 100), POUCH_OK);
	assert_int_equal(put(st, d, SUITE_A, "oa-1", 0, 100), POUCH_OK);
	count_is(st, d, SUITE_A, 1, 1);
	count_is(st, d, SUITE_B, 0, 1);

	claim(st, ub, a, SUITE_A, &g);		/* the ordinary one first */
	assert_int_equal(g.n, 1);
	assert_string_equal(g.tag[0], "oa-1");
	assert_false(g.last_resort[0]);
	for (int i = 0; i < 2; i++) {		/* then LA-2, kept */
		claim(st, ub, a, SUITE_A, &g);
		assert_int_equal(g.n, 1);
		assert_string_equal(g.tag[0], "LA-2");
		assert_true(g.last_resort[0]);
		assert_false(g.missing[0]);
	}
	claim(st, ub, a, SUITE_B, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.tag[0], "LB-1");
	assert_true(g.last_resort[0]);
	assert_int_equal(g.suite[0], SUITE_B);
	count_is(st, d, SUITE_A, 0, 1);
	count_is(st, d, SUITE_B, 0, 1);
}

/* Counts per suite; suite 0 (reserved) is a caller's bug; the quota
 * covers a device's ordinary KeyPackages of all suites together. */
static void
per_suite_count_quota(struct pouch_store *st)
{
	struct pouch_store_kp kp;
	int64_t uid, d, n = 7;
	int lr = 7;
	uint8_t data[KP_LEN];

	d = enrol(st, "bob", 2, &uid);
	assert_int_equal(put(st, d, SUITE_A, "qa-1", 0, 3), POUCH_OK);
	assert_int_equal(put(st, d, SUITE_A, "qa-2", 0, 3), POUCH_OK);
	assert_int_equal(put(st, d, SUITE_B, "qb-1", 0, 3), POUCH_OK);
	assert_int_equal(put(st, d, SUITE_B, "qb-2", 0, 3), POUCH_E_QUOTA);
	/* a last-resort one is outside the quota */
	assert_int_equal(put(st, d, SUITE_B, "LB-1", 1, 3), POUCH_OK);
	count_is(st, d, SUITE_A, 2, 0);
	count_is(st, d, SUITE_B, 1, 1);
	count_is(st, d, 1, 0, 0);
	assert_int_equal(st->ops->kp_count(st, d, 0, &n, &lr),
	    POUCH_E_MISUSE);
	assert_int_equal(n, 0);
	assert_int_equal(lr, 0);
	assert_int_equal(st->ops->kp_claim(st, uid, 0, 0, 300, on_claim,
	    NULL), POUCH_E_MISUSE);
	kp_bytes(data, 0, "zero");
	kp = (struct pouch_store_kp){ data, 4, data, sizeof(data), 0, 0 };
	assert_int_equal(st->ops->kp_add(st, d, &kp, 1, 100), POUCH_E_MISUSE);
	count_is(st, d, SUITE_A, 2, 0);
}

/* 1 when the ref "R" + tag is remembered as issued (read with SQL). */
static int
issued(struct fx *f, const char *tag)
{
	char sql[128];
	sqlite3_stmt *q;
	sqlite3 *db;
	PGconn *c;
	PGresult *r;
	int found;

	if (f->pg) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM kp_issued "
		    "WHERE ref = 'R%s'::bytea", tag);
		c = PQconnectdb(pg.ci);
		assert_int_equal(PQstatus(c), CONNECTION_OK);
		r = PQexec(c, sql);
		assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
		found = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		PQfinish(c);
		return found;
	}
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM "
	    "kp_issued WHERE ref = ?", -1, &q, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "R%s", tag);
	assert_int_equal(sqlite3_bind_blob(q, 1, sql, 5, SQLITE_TRANSIENT),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	found = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return found;
}

/*
 * After a rotation a device replaces its KeyPackages: the unclaimed ones
 * of the batch's suites go (ordinary and last-resort), other suites and
 * other devices keep theirs, issued refs stay remembered, and a claim
 * never hands out an old one again.
 */
static void
replace_drops_old(struct fx *f)
{
	static const char *const nt[] = { "na-1", "na-2", "LA-2" };
	static const uint16_t ns[] = { SUITE_A, SUITE_A, SUITE_A };
	struct pouch_store *st = fx_open(f);
	struct got g;
	int64_t ub, a, d1, d2;
	int i;

	a = enrol(st, "alice", 1, NULL);
	d1 = enrol(st, "bob", 2, &ub);
	d2 = enrol(st, "bob", 3, NULL);
	assert_int_equal(put(st, d1, SUITE_A, "oa-1", 0, 100), POUCH_OK);
	assert_int_equal(put(st, d1, SUITE_A, "oa-2", 0, 100), POUCH_OK);
	assert_int_equal(put(st, d1, SUITE_A, "LA-1", 1, 100), POUCH_OK);
	assert_int_equal(put(st, d1, SUITE_B, "ob-1", 0, 100), POUCH_OK);
	assert_int_equal(put(st, d1, SUITE_B, "LB-1", 1, 100), POUCH_OK);
	assert_int_equal(put(st, d2, SUITE_A, "xa-1", 0, 100), POUCH_OK);
	assert_int_equal(put(st, d2, SUITE_A, "xa-2", 0, 100), POUCH_OK);
	claim(st, ub, a, SUITE_A, &g);		/* oa-1 and xa-1 issued */
	assert_string_equal(g.tag[0], "oa-1");
	assert_string_equal(g.tag[1], "xa-1");
	assert_int_equal(issued(f, "oa-1"), 1);

	assert_int_equal(replace(st, d1, nt, ns, 3, 100), POUCH_OK);
	count_is(st, d1, SUITE_A, 2, 1);
	count_is(st, d1, SUITE_B, 1, 1);	/* not in the batch: kept */
	count_is(st, d2, SUITE_A, 1, 0);	/* another device: kept */
	assert_int_equal(issued(f, "oa-1"), 1);	/* a Welcome may name it */
	claim(st, ub, d2, SUITE_A, &g);
	assert_string_equal(g.tag[0], "na-1");
	claim(st, ub, d2, SUITE_A, &g);
	assert_string_equal(g.tag[0], "na-2");
	for (i = 0; i < 2; i++) {		/* never oa-2 nor LA-1 */
		claim(st, ub, d2, SUITE_A, &g);
		assert_int_equal(g.n, 1);
		assert_string_equal(g.tag[0], "LA-2");
		assert_true(g.last_resort[0]);
	}
	claim(st, ub, d2, SUITE_B, &g);
	assert_string_equal(g.tag[0], "ob-1");
	claim(st, ub, d1, SUITE_A, &g);		/* d2's own one still there */
	assert_string_equal(g.tag[0], "xa-2");
}

/*
 * A replacement is one transaction: a batch that fails (a ref twice, a
 * ref another device holds, over the quota, a reserved suite) leaves the
 * old KeyPackages.  The quota counts what is left after the replacement,
 * all suites together.
 */
static void
replace_atomic_quota(struct fx *f)
{
	static const char *const dup[] = { "nb-1", "nb-1" };
	static const char *const other[] = { "nb-2", "xa-1" };
	static const char *const q2[] = { "qa-3", "qa-4" };
	static const char *const q3[] = { "qa-5", "qa-6", "qa-7" };
	static const char *const zero[] = { "nz-1" };
	static const uint16_t sa[] = { SUITE_A, SUITE_A, SUITE_A };
	static const uint16_t sb[] = { SUITE_B, SUITE_B };
	static const uint16_t s0[] = { 0 };
	struct pouch_store *st = fx_open(f);
	struct got g;
	int64_t ub, a, d1, d2;

	a = enrol(st, "alice", 1, NULL);
	d1 = enrol(st, "bob", 2, &ub);
	d2 = enrol(st, "bob", 3, NULL);
	assert_int_equal(put(st, d2, SUITE_A, "xa-1", 0, 100), POUCH_OK);
	assert_int_equal(put(st, d1, SUITE_A, "qa-1", 0, 3), POUCH_OK);
	assert_int_equal(put(st, d1, SUITE_A, "qa-2", 0, 3), POUCH_OK);
	assert_int_equal(put(st, d1, SUITE_B, "qb-1", 0, 3), POUCH_OK);
	assert_int_equal(put(st, d1, SUITE_B, "LB-1", 1, 3), POUCH_OK);

	assert_int_equal(replace(st, d1, dup, sb, 2, 100), POUCH_E_EXISTS);
	assert_int_equal(replace(st, d1, other, sb, 2, 100), POUCH_E_EXISTS);
	assert_int_equal(replace(st, d1, zero, s0, 1, 100), POUCH_E_MISUSE);
	count_is(st, d1, SUITE_B, 1, 1);
	count_is(st, d2, SUITE_A, 1, 0);
	/* 3 ordinary ones held, at most 3: adding 2 is over, replacing the
	 * 2 of suite A with 2 is not */
	assert_int_equal(put(st, d1, SUITE_A, "qa-8", 0, 3), POUCH_E_QUOTA);
	assert_int_equal(replace(st, d1, q2, sa, 2, 3), POUCH_OK);
	count_is(st, d1, SUITE_A, 2, 0);
	count_is(st, d1, SUITE_B, 1, 1);
	/* 1 of B kept + 3 new of A is over: nothing changes */
	assert_int_equal(replace(st, d1, q3, sa, 3, 3), POUCH_E_QUOTA);
	count_is(st, d1, SUITE_A, 2, 0);
	claim(st, ub, a, SUITE_A, &g);
	assert_string_equal(g.tag[0], "qa-3");
	claim(st, ub, a, SUITE_B, &g);
	assert_string_equal(g.tag[0], "qb-1");
}

/* ---- migration from schema 5 ------------------------------------------- */

/*
 * Rows as pouchd 5 stored them, for device 1 of user 1: data is the
 * MLSMessage, so the suite is at offset 6.  The last row is too short to
 * name one (no pouchd wrote such a row; it must not stop the migration).
 */
static const char old_rows[] =
    "INSERT INTO users (id, name, created) VALUES (1, 'bob', 1);"
    "INSERT INTO users (id, name, created) VALUES (2, 'alice', 1);"
    "INSERT INTO devices (id, user_id, name, key, created) VALUES"
    " (1, 1, 'laptop', X'01', 1);"
    "INSERT INTO devices (id, user_id, name, key, created) VALUES"
    " (2, 2, 'laptop', X'02', 1);"
    "INSERT INTO key_packages (id, device_id, ref, data, last_resort)"
    " VALUES (1, 1, X'0101', X'000100050001F0016F613131', 0);"
    "INSERT INTO key_packages (id, device_id, ref, data, last_resort)"
    " VALUES (2, 1, X'0102', X'0001000500017E576F623131', 0);"
    "INSERT INTO key_packages (id, device_id, ref, data, last_resort)"
    " VALUES (3, 1, X'0103', X'000100050001F0014C413131', 1);"
    "INSERT INTO key_packages (id, device_id, ref, data, last_resort)"
    " VALUES (4, 1, X'0104', X'0001', 0);";

/* What the migrated rows must look like, on either backend. */
static void
check_migrated(struct pouch_store *st)
{
	struct got g;

	count_is(st, 1, SUITE_A, 1, 1);
	count_is(st, 1, SUITE_B, 1, 0);
	claim(st, 1, 2, SUITE_B, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.tag[0], "ob11");
	claim(st, 1, 2, SUITE_A, &g);
	assert_string_equal(g.tag[0], "oa11");
	claim(st, 1, 2, SUITE_A, &g);
	assert_string_equal(g.tag[0], "LA11");
	assert_true(g.last_resort[0]);
	claim(st, 1, 2, SUITE_B, &g);
	assert_true(g.missing[0]);
	/* new uploads land next to the migrated rows */
	assert_int_equal(put(st, 1, SUITE_B, "nb-1", 0, 100), POUCH_OK);
	count_is(st, 1, SUITE_B, 1, 0);
}

static void
test_migrate_sqlite(void **state)
{
	struct fx *f = *state;
	sqlite3 *db;
	sqlite3_stmt *q;
	char sql[64];
	int i;

	/* schema 5 written with its own migrations, as pouchd 5 did */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL,
	    NULL, NULL), SQLITE_OK);
	for (i = 1; i <= OLD_SCHEMA; i++)
		assert_int_equal(sqlite3_exec(db,
		    pouch_store_sqlite_migration(i), NULL, NULL, NULL),
		    SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", OLD_SCHEMA);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, old_rows, NULL, NULL, NULL),
	    SQLITE_OK);
	/* the old table indeed has no suite column */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT suite FROM "
	    "key_packages", -1, &q, NULL), SQLITE_ERROR);
	sqlite3_close(db);

	check_migrated(fx_open(f));

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1,
	    &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0),
	    pouch_store_schema_version());
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT suite FROM "
	    "key_packages WHERE id = 4", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 0);	/* named none */
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sql FROM "
	    "sqlite_master WHERE name = 'kp_device'", -1, &q, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_non_null(strstr((const char *)sqlite3_column_text(q, 0),
	    "device_id, suite, last_resort, id"));
	sqlite3_finalize(q);
	sqlite3_close(db);
}

static void
test_migrate_pg(void **state)
{
	struct fx *f = *state;
	char sql[96];
	PGconn *c;
	PGresult *r;
	int i;

	for (i = 1; i <= OLD_SCHEMA; i++)
		assert_int_equal(fx_pg_sql(pg.ci, pouch_store_pg_migration(i)),
		    0);
	assert_int_equal(fx_pg_sql(pg.ci, "CREATE TABLE schema_version ("
	    "version bigint NOT NULL)"), 0);
	for (i = 1; i <= OLD_SCHEMA; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO schema_version "
		    "VALUES (%d)", i);
		assert_int_equal(fx_pg_sql(pg.ci, sql), 0);
	}
	/* PostgreSQL spells blob literals '\x..'::bytea, not X'..' */
	assert_int_equal(fx_pg_sql(pg.ci, "INSERT INTO users (id, name, "
	    "created) VALUES (1, 'bob', 1), (2, 'alice', 1);"
	    "INSERT INTO devices (id, user_id, name, key, created) VALUES"
	    " (1, 1, 'laptop', '\\x01', 1), (2, 2, 'laptop', '\\x02', 1);"
	    "INSERT INTO key_packages (id, device_id, ref, data, last_resort)"
	    " VALUES (1, 1, '\\x0101', '\\x000100050001F0016F613131', 0),"
	    " (2, 1, '\\x0102', '\\x0001000500017E576F623131', 0),"
	    " (3, 1, '\\x0103', '\\x000100050001F0014C413131', 1),"
	    " (4, 1, '\\x0104', '\\x0001', 0);"
	    "SELECT setval('users_id_seq', 2); SELECT setval("
	    "'devices_id_seq', 2); SELECT setval('key_packages_id_seq', 4)"),
	    0);
	assert_int_equal(fx_pg_sql(pg.ci, "SELECT suite FROM key_packages"), -1);

	check_migrated(fx_open(f));

	c = PQconnectdb(pg.ci);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	r = PQexec(c, "SELECT (SELECT max(version) FROM schema_version),"
	    " (SELECT suite FROM key_packages WHERE id = 4),"
	    " (SELECT indexdef FROM pg_indexes WHERE indexname ="
	    " 'kp_device'),"
	    " (SELECT column_default IS NULL FROM information_schema.columns"
	    " WHERE table_name = 'key_packages' AND column_name = 'suite')");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_int_equal(atoll(PQgetvalue(r, 0, 0)),
	    pouch_store_schema_version());
	assert_string_equal(PQgetvalue(r, 0, 1), "0");
	assert_non_null(strstr(PQgetvalue(r, 0, 2),
	    "device_id, suite, last_resort, id"));
	assert_string_equal(PQgetvalue(r, 0, 3), "t");
	PQclear(r);
	PQfinish(c);
}

/* ---- the cases as tests ------------------------------------------------ */

static void
test_per_suite_claim(void **state)
{
	per_suite_claim(fx_open(*state));
}

static void
test_per_suite_last_resort(void **state)
{
	per_suite_last_resort(fx_open(*state));
}

static void
test_per_suite_count_quota(void **state)
{
	per_suite_count_quota(fx_open(*state));
}

static void
test_replace_drops_old(void **state)
{
	replace_drops_old(*state);
}

static void
test_replace_atomic_quota(void **state)
{
	replace_atomic_quota(*state);
}

int
main(void)
{
	const struct CMUnitTest sq[] = {
		cmocka_unit_test_setup_teardown(test_per_suite_claim,
		    sq_setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_suite_last_resort,
		    sq_setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_suite_count_quota,
		    sq_setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_drops_old,
		    sq_setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_atomic_quota,
		    sq_setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_sqlite,
		    sq_setup, teardown),
	};
	const struct CMUnitTest pgt[] = {
		cmocka_unit_test_setup_teardown(test_per_suite_claim,
		    pg_setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_suite_last_resort,
		    pg_setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_suite_count_quota,
		    pg_setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_drops_old,
		    pg_setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_atomic_quota,
		    pg_setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_pg,
		    pg_setup, teardown),
	};

	if (getenv("POUCH_TEST_PG_FILE") != NULL)
		return cmocka_run_group_tests_name("store_kp_pg", pgt, NULL,
		    NULL);
	return cmocka_run_group_tests_name("store_kp", sq, NULL, NULL);
}
