/*
 * test_pg_config.c - the storage keys of pouchd's config: `storage`
 * defaults to sqlite, `postgresql` needs `pg_conninfo`, anything else is
 * refused; and a PostgreSQL server that cannot be reached stops pouchd
 * at start instead of serving without a store.
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

#include "pouchd/pouchd.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pouchd-pgconf-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
load(const char *text, struct pd_config *c, char *err, size_t errlen)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/pouchd.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	err[0] = '\0';
	return pd_config_load(c, path, err, errlen);
}

static void
test_storage_keys(void **state)
{
	struct pd_config c;
	char err[256];

	(void)state;
	assert_int_equal(load("port = 1\n", &c, err, sizeof(err)), POUCH_OK);
	assert_string_equal(c.storage, "sqlite");
	assert_string_equal(c.pg_conninfo, "");
	assert_int_equal(load("storage = postgresql\npg_conninfo = "
	    "host=/tmp dbname=pouch\n", &c, err, sizeof(err)), POUCH_OK);
	assert_string_equal(c.storage, "postgresql");
	assert_string_equal(c.pg_conninfo, "host=/tmp dbname=pouch");
	/* postgresql without a connection string, or an unknown backend */
	assert_int_equal(load("storage = postgresql\n", &c, err,
	    sizeof(err)), POUCH_E_MALFORMED);
	assert_non_null(strstr(err, "pg_conninfo"));
	assert_int_equal(load("storage = mysql\npg_conninfo = x\n", &c, err,
	    sizeof(err)), POUCH_E_MALFORMED);
	assert_int_equal(load("storage = \n", &c, err, sizeof(err)),
	    POUCH_E_MALFORMED);
}

static void
test_unreachable_database_stops_start(void **state)
{
	struct pouchd d;
	char conf[128], cmd[256], err[512];
	FILE *f;

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s init %s/data >/dev/null", POUCHD_PATH,
	    dir);
	assert_int_equal(system(cmd), 0);
	snprintf(conf, sizeof(conf), "%s/data/pouchd.conf", dir);
	assert_non_null(f = fopen(conf, "a"));
	fprintf(f, "storage = postgresql\npg_conninfo = host=%s/nothing "
	    "dbname=pouch connect_timeout=2\n", dir);
	fclose(f);
	assert_int_equal(pd_open(&d, conf, err, sizeof(err)), POUCH_E_DB);
	assert_non_null(strstr(err, "postgresql"));
	pd_close(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_storage_keys, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_unreachable_database_stops_start, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
