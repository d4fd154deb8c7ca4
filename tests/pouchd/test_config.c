/*
 * test_config.c - pouchd's config file: defaults and derived paths,
 * unknown keys and out-of-range values refused with the line named (and
 * never the value), loopback detection for plain HTTP.
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
	snprintf(dir, sizeof(dir), "/tmp/pouchd-config-XXXXXX");
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

/* Write text as DIR/name and load it. */
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
test_defaults_and_derived_paths(void **state)
{
	struct pd_config c;
	char err[256], want[128];

	(void)state;
	assert_int_equal(load("# nothing\n\n", &c, err, sizeof(err)),
	    POUCH_OK);
	assert_string_equal(c.data_dir, dir);
	snprintf(want, sizeof(want), "%s/pouchd.db", dir);
	assert_string_equal(c.database, want);
	assert_string_equal(c.listen, "127.0.0.1");
	assert_int_equal(c.port, 8443);
	assert_int_equal(c.tls, 1);
	assert_int_equal(c.body_max_unauth, 16384);
	/* data_dir moves every path that is not given */
	assert_int_equal(load("data_dir = /srv/p\ntls_key = /k\n", &c, err,
	    sizeof(err)), POUCH_OK);
	assert_string_equal(c.database, "/srv/p/pouchd.db");
	assert_string_equal(c.tls_cert, "/srv/p/tls.crt");
	assert_string_equal(c.tls_key, "/k");
	assert_int_equal(load("  port=0  \ntls = no\nepoch_window = 0\n", &c,
	    err, sizeof(err)), POUCH_OK);
	assert_int_equal(c.port, 0);
	assert_int_equal(c.tls, 0);
}

static void
test_errors_name_line_not_value(void **state)
{
	struct pd_config c;
	char err[256];

	(void)state;
	c.port = 1234;
	assert_int_equal(load("port = 1\nbody_maxx = 5\n", &c, err,
	    sizeof(err)), POUCH_E_MALFORMED);
	assert_non_null(strstr(err, ":2: unknown key 'body_maxx'"));
	assert_int_equal(c.port, 1234);		/* unchanged on error */
	assert_int_equal(load("port = 70000\n", &c, err, sizeof(err)),
	    POUCH_E_MALFORMED);
	assert_non_null(strstr(err, "bad value for port"));
	assert_int_equal(load("token_ttl = s3cret-ish\n", &c, err,
	    sizeof(err)), POUCH_E_MALFORMED);
	assert_null(strstr(err, "s3cret"));
	assert_int_equal(load("tls = maybe\n", &c, err, sizeof(err)),
	    POUCH_E_MALFORMED);
	assert_int_equal(load("just words\n", &c, err, sizeof(err)),
	    POUCH_E_MALFORMED);
	assert_int_equal(load("body_max = 10\n", &c, err, sizeof(err)),
	    POUCH_E_MALFORMED);			/* below its minimum */
	assert_int_equal(pd_config_load(&c, "/nonexistent/x.conf", err,
	    sizeof(err)), POUCH_E_IO);
	/* a token of seconds: only for a server on loopback (tests) */
	assert_int_equal(load("token_ttl = 2\n", &c, err, sizeof(err)),
	    POUCH_OK);
	assert_int_equal(c.token_ttl, 2);
	assert_int_equal(load("listen = 0.0.0.0\ntoken_ttl = 2\n", &c, err,
	    sizeof(err)), POUCH_E_MALFORMED);
	assert_non_null(strstr(err, "token_ttl"));
	assert_int_equal(load("listen = 0.0.0.0\ntoken_ttl = 60\n", &c, err,
	    sizeof(err)), POUCH_OK);
	assert_int_equal(load("token_ttl = 0\n", &c, err, sizeof(err)),
	    POUCH_E_MALFORMED);
}

static void
test_written_default_loads(void **state)
{
	struct pd_config c, d;
	char path[128], err[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/written.conf", dir);
	assert_int_equal(pd_config_write_default(path, dir), POUCH_OK);
	assert_int_equal(access(path, R_OK), 0);
	assert_int_equal(pd_config_load(&c, path, err, sizeof(err)),
	    POUCH_OK);
	pd_config_defaults(&d, dir);
	assert_memory_equal(&c, &d, sizeof(c));
}

static void
test_loopback(void **state)
{
	(void)state;
	assert_true(pd_addr_is_loopback("127.0.0.1"));
	assert_true(pd_addr_is_loopback("127.9.8.7"));
	assert_true(pd_addr_is_loopback("::1"));
	assert_false(pd_addr_is_loopback("0.0.0.0"));
	assert_false(pd_addr_is_loopback("10.0.0.1"));
	assert_false(pd_addr_is_loopback("::"));
	assert_false(pd_addr_is_loopback("::ffff:127.0.0.1"));
	assert_false(pd_addr_is_loopback("localhost"));
	assert_false(pd_addr_is_loopback(""));
}

/* mls_suite_alias: 0 by default, decimal or 0x hex, 16 bits at most;
 * whether the code can be an alias is pd_suite_alias's to say. */
static void
test_suite_alias(void **state)
{
	static const char *const bad[] = { "0x", "0x12345", "65536", "-1",
	    "+5", "0xg1", "0x-1", "1e3", " 0x 1", "abc", "0x0x1" };
	struct pouchd d;
	struct pd_config c;
	char err[256], text[64];
	size_t i;

	(void)state;
	assert_int_equal(load("\n", &c, err, sizeof(err)), POUCH_OK);
	assert_int_equal(c.mls_suite_alias, 0);
	assert_int_equal(load("mls_suite_alias = 0xF0a2\n", &c, err,
	    sizeof(err)), POUCH_OK);
	assert_int_equal(c.mls_suite_alias, 0xf0a2);
	assert_int_equal(load("mls_suite_alias = 0X7\n", &c, err,
	    sizeof(err)), POUCH_OK);
	assert_int_equal(c.mls_suite_alias, 7);
	assert_int_equal(load("mls_suite_alias = 65535\n", &c, err,
	    sizeof(err)), POUCH_OK);
	assert_int_equal(c.mls_suite_alias, 65535);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "mls_suite_alias = %s\n", bad[i]);
		assert_int_equal(load(text, &c, err, sizeof(err)),
		    POUCH_E_MALFORMED);
		assert_non_null(strstr(err, "bad value for mls_suite_alias"));
	}
	/* at start: the alias row, or a refusal that leaves none */
	memset(&d, 0, sizeof(d));
	assert_int_equal(pd_suite_alias(&d, 0x7e57), POUCH_OK);
	assert_non_null(d.alias);
	assert_int_equal(d.alias->id, 0x7e57);
	assert_ptr_equal(pd_suite(&d, 0x7e57), d.alias);
	assert_int_equal(pd_suite(&d, POUCH_MLS_SUITE_HYBRID)->hpke_kem,
	    d.alias->hpke_kem);
	assert_null(pd_suite(&d, 0x7e58));
	assert_int_equal(pd_suite_alias(&d, 0), POUCH_OK);
	assert_null(d.alias);
	assert_null(pd_suite(&d, 0x7e57));
	assert_int_equal(pd_suite_alias(&d, 1), POUCH_E_MISUSE);
	assert_int_equal(pd_suite_alias(&d, POUCH_MLS_SUITE_HYBRID),
	    POUCH_E_MISUSE);
	assert_int_equal(pd_suite_alias(&d, 0x3a5a), POUCH_E_MISUSE);
	assert_int_equal(pd_suite_alias(&d, 0x10000), POUCH_E_MISUSE);
	assert_null(d.alias);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_derived_paths),
		cmocka_unit_test(test_errors_name_line_not_value),
		cmocka_unit_test(test_written_default_loads),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_suite_alias),
	};

	return cmocka_run_group_tests_name("pouchd config", tests, setup,
	    teardown);
}
