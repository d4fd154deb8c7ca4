/*
 * test_util.c - the server's small helpers: strict base64 and hex, the
 * JSON depth pre-scan, durable file writes, and the rate limiter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "codec/codec.h"
#include "pouchd/pouchd.h"

static void
test_base64_strict(void **state)
{
	uint8_t *p;
	char *s;
	size_t n;

	(void)state;
	s = pd_b64_encode((const uint8_t *)"hello", 5);
	assert_string_equal(s, "aGVsbG8=");
	p = pd_b64_decode(s, 5, &n);
	assert_non_null(p);
	assert_int_equal(n, 5);
	assert_memory_equal(p, "hello", 5);
	free(p);
	assert_null(pd_b64_decode(s, 4, &n));		/* over max */
	assert_int_equal(n, 0);
	free(s);
	assert_null(pd_b64_decode("aGVsbG8", 16, &n));	/* unpadded */
	assert_null(pd_b64_decode("aGVs bG8=", 16, &n));
	assert_null(pd_b64_decode("aGV$bG8=", 16, &n));
	assert_null(pd_b64_decode("", 16, &n));
	assert_null(pd_b64_decode("aGVsbG9=", 16, &n));	/* non-canonical */
}

static void
test_hex(void **state)
{
	uint8_t b[3];
	char out[7];

	(void)state;
	assert_int_equal(pd_unhex("00aBff", b, 3), 0);
	assert_int_equal(b[1], 0xab);
	pouch_hex(b, 3, out);
	assert_string_equal(out, "00abff");
	assert_int_equal(pd_unhex("00abf", b, 3), -1);
	assert_int_equal(pd_unhex("00abffee", b, 3), -1);
	assert_int_equal(pd_unhex("00abfg", b, 3), -1);
}

static void
test_json_depth(void **state)
{
	(void)state;
	assert_int_equal(pd_json_depth((const uint8_t *)"{}", 2), 1);
	assert_int_equal(pd_json_depth((const uint8_t *)"[[[]]]", 6), 3);
	/* brackets inside strings do not count, escaped quotes included */
	assert_int_equal(pd_json_depth((const uint8_t *)
	    "{\"a\":\"[[[\\\"[[\"}", 15), 1);
	assert_int_equal(pd_json_depth((const uint8_t *)"", 0), 0);
}

static void
test_write_file_durable(void **state)
{
	char dir[] = "/tmp/pouchd-util-XXXXXX", path[64], cmd[96];
	struct stat sb;
	uint8_t *back;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(pd_write_file(path, (const uint8_t *)"abc", 3, 0600),
	    POUCH_OK);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	back = pd_read_file(path, 3, &n);
	assert_non_null(back);
	assert_int_equal(n, 3);
	free(back);
	assert_null(pd_read_file(path, 2, &n));		/* over max */
	snprintf(path, sizeof(path), "%s/f.tmp", dir);
	assert_int_not_equal(access(path, F_OK), 0);	/* renamed away */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_rate_limit(void **state)
{
	struct pd_rate *r = pd_rate_new(1, 3);
	int i, ok = 0;

	(void)state;
	for (i = 0; i < 10; i++)
		ok += pd_rate_allow(r, 42);
	assert_int_equal(ok, 3);		/* the burst, then nothing */
	assert_true(pd_rate_allow(r, 43));	/* another key */
	pd_rate_free(r);
	r = pd_rate_new(0, 1);			/* 0: no limit */
	for (i = 0; i < 100; i++)
		assert_true(pd_rate_allow(r, 42));
	pd_rate_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_strict),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_json_depth),
		cmocka_unit_test(test_write_file_durable),
		cmocka_unit_test(test_rate_limit),
	};

	return cmocka_run_group_tests_name("pouchd util", tests, NULL, NULL);
}
