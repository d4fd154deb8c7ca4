/*
 * pouch-vectors TYPE FILE - runs every case of an official vector file
 * and prints "vectors FILE: P/T passed".  Exit 0 only when P == T.
 * A case that needs a primitive a later issue adds (the post-quantum KEMs)
 * is not counted in T: the runner prints each such case with its reason and
 * the closing line says how many were skipped, so nothing is left out
 * silently.  Everything else counts, and any failure fails the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vectors/vectors.h"

static const struct {
	const char	*type;
	vec_runner	 run;
} types[] = {
	{ "hpke", vec_run_hpke },
	{ "mls-crypto-basics", vec_run_mls_crypto_basics },
	{ "mls-tree-math", vec_run_mls_tree_math },
	{ "mls-key-schedule", vec_run_mls_key_schedule },
	{ "mls-psk-secret", vec_run_mls_psk_secret },
	{ "mls-transcript", vec_run_mls_transcript },
	{ "mls-secret-tree", vec_run_mls_secret_tree },
	{ "mls-messages", vec_run_mls_messages },
	{ "mls-deserialization", vec_run_mls_deserialization },
	{ "mls-tree-validation", vec_run_mls_tree_validation },
	{ "mls-tree-operations", vec_run_mls_tree_operations },
	{ "mls-message-protection", vec_run_mls_message_protection },
	{ "mls-treekem", vec_run_mls_treekem },
	{ "mls-welcome", vec_run_mls_welcome },
	{ "mls-passive-client", vec_run_mls_passive_client },
	{ "mlkem-acvp", vec_run_mlkem_acvp },
	{ "mlkem-wycheproof", vec_run_mlkem_wycheproof },
	{ "xwing", vec_run_xwing },
};

/* Types whose files are not JSON (text, maybe gzip): the runner reads. */
static const struct {
	const char	*type;
	vec_file_runner	 run;
} file_types[] = {
	{ "mlkem-cctv-intermediate", vec_run_mlkem_cctv_intermediate },
	{ "mlkem-cctv-unlucky", vec_run_mlkem_cctv_unlucky },
	{ "mlkem-cctv-strcmp", vec_run_mlkem_cctv_strcmp },
	{ "mlkem-cctv-modulus", vec_run_mlkem_cctv_modulus },
	{ "mlkem-accumulated-100", vec_run_mlkem_accumulated_100 },
	{ "mlkem-accumulated-10000", vec_run_mlkem_accumulated_10000 },
};

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
vec_hex_value(json_t *val, uint8_t **out, size_t *len)
{
	const char *s;
	size_t n, i;
	uint8_t *b;

	*out = NULL;
	*len = 0;
	if (!json_is_string(val))
		return -1;
	s = json_string_value(val);
	n = strlen(s);
	if (n % 2 != 0)
		return -1;
	if ((b = malloc(n / 2 + 1)) == NULL)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(b);
			return -1;
		}
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = b;
	*len = n / 2;
	return 0;
}

int
vec_hex(json_t *obj, const char *key, uint8_t **out, size_t *len)
{
	return vec_hex_value(json_object_get(obj, key), out, len);
}

int
vec_int(json_t *obj, const char *key, long long *out)
{
	json_t *v = json_object_get(obj, key);
	char *end;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		*out = strtoll(json_string_value(v), &end, 10);
		if (*json_string_value(v) != '\0' && *end == '\0')
			return 0;
	}
	return -1;
}

void
vec_fail(const char *file, size_t idx, const char *what)
{
	fprintf(stderr, "FAIL %s case %zu: %s\n", file, idx, what);
}

/* Run a non-JSON file type and report like main() does for JSON ones. */
static int
run_file_type(vec_file_runner run, const char *path)
{
	struct vec_result res = { 0, 0, 0 };
	const char *base = strrchr(path, '/');
	int rc;

	base = base ? base + 1 : path;
	rc = run(path, base, &res);
	printf("vectors %s: %u/%u passed", base, res.passed, res.total);
	if (res.skipped)
		printf(" (%u skipped, listed above)", res.skipped);
	printf("\n");
	return rc == 0 && res.total > 0 && res.passed == res.total ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct vec_result res = { 0, 0, 0 };
	json_error_t jerr;
	json_t *root;
	const char *base;
	size_t i;
	int rc = -1;

	if (argc != 3) {
		fprintf(stderr, "usage: pouch-vectors TYPE FILE\n");
		return 2;
	}
	for (i = 0; i < sizeof(file_types) / sizeof(file_types[0]); i++)
		if (strcmp(file_types[i].type, argv[1]) == 0)
			return run_file_type(file_types[i].run, argv[2]);
	if ((root = json_load_file(argv[2], 0, &jerr)) == NULL) {
		fprintf(stderr, "%s: %s (line %d)\n", argv[2], jerr.text,
		    jerr.line);
		return 2;
	}
	base = strrchr(argv[2], '/');
	base = base ? base + 1 : argv[2];
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(types[i].type, argv[1]) == 0) {
			rc = types[i].run(root, base, &res);
			break;
		}
	}
	json_decref(root);
	if (i == sizeof(types) / sizeof(types[0])) {
		fprintf(stderr, "unknown vector type %s\n", argv[1]);
		return 2;
	}
	printf("vectors %s: %u/%u passed", base, res.passed, res.total);
	if (res.skipped)
		printf(" (%u skipped, listed above)", res.skipped);
	printf("\n");
	return rc == 0 && res.total > 0 && res.passed == res.total ? 0 : 1;
}
