/*
 * store_fixture.h - accounts for the store tests (test_store.c,
 * test_store_kp.c, tests/pgsql/test_pg_store.c): deterministic keys and
 * a user's enrolled device, through the store's own operations; a
 * throw-away PostgreSQL database.  Include after cmocka.h, libpq-fe.h
 * and store/store.h.
 */
#ifndef POUCH_TESTS_STORE_FIXTURE_H
#define POUCH_TESTS_STORE_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void
key(uint8_t k[32], int seed)
{
	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)(seed * 31 + i);
}

/*
 * A device of user (the user made when new, with an admin's one-time
 * code): its key from seed, the account key from the user's id; returns
 * the device id, *uid the user's when uid is not NULL.
 */
static inline int64_t
enrol(struct pouch_store *st, const char *user, int seed, int64_t *uid)
{
	struct pouch_store_enrol e = { 0 };
	struct pouch_store_user u;
	int64_t id, dev;

	if (st->ops->user_get(st, user, &u) == POUCH_OK)
		id = u.id;
	else
		assert_int_equal(st->ops->user_add(st, user, 100, "admin",
		    &id), POUCH_OK);
	key(e.code_hash, seed + 1000);
	assert_int_equal(st->ops->code_add(st, id, e.code_hash, 1000, 100,
	    "admin"), POUCH_OK);
	key(e.account_key, (int)id);
	key(e.device_key, seed);
	e.device_name = "laptop";
	e.now = 200;
	assert_int_equal(st->ops->enrol(st, &e, &dev), POUCH_OK);
	if (uid != NULL)
		*uid = id;
	return dev;
}

/*
 * A throw-away PostgreSQL database on the cluster whose connection string
 * the file POUCH_TEST_PG_FILE holds (store.cmake and pgsql.cmake run the
 * tests again with it).  Needs <libpq-fe.h>.
 */
struct fx_pg {
	char	base[1024];	/* the cluster */
	char	db[64];
	char	ci[1200];	/* the database */
};

/* Run sql on ci: 0, or -1 with the server's message on stderr. */
static inline int
fx_pg_sql(const char *ci, const char *sql)
{
	PGconn *c = PQconnectdb(ci);
	PGresult *r;
	int rc = -1;

	if (PQstatus(c) == CONNECTION_OK) {
		r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_COMMAND_OK ||
		    PQresultStatus(r) == PGRES_TUPLES_OK)
			rc = 0;
		else
			fprintf(stderr, "%.60s: %s", sql, PQerrorMessage(c));
		PQclear(r);
	}
	PQfinish(c);
	return rc;
}

/* A fresh, empty database PREFIX_PID: 0 or -1. */
static inline int
fx_pg_create(struct fx_pg *pg, const char *prefix)
{
	const char *file = getenv("POUCH_TEST_PG_FILE");
	char sql[160];
	FILE *fp;

	if (file == NULL || (fp = fopen(file, "r")) == NULL)
		return -1;
	if (fgets(pg->base, sizeof(pg->base), fp) == NULL)
		pg->base[0] = '\0';
	fclose(fp);
	pg->base[strcspn(pg->base, "\n")] = '\0';
	snprintf(pg->db, sizeof(pg->db), "%s_%ld", prefix, (long)getpid());
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
	    pg->db);
	if (pg->base[0] == '\0' || fx_pg_sql(pg->base, sql) != 0)
		return -1;
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg->db);
	if (fx_pg_sql(pg->base, sql) != 0)
		return -1;
	snprintf(pg->ci, sizeof(pg->ci), "%s dbname=%s", pg->base, pg->db);
	return 0;
}

static inline int
fx_pg_drop(const struct fx_pg *pg)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
	    pg->db);
	return fx_pg_sql(pg->base, sql);
}

#endif /* POUCH_TESTS_STORE_FIXTURE_H */
