/*
 * vectors.h - shared helpers of the official-vector runner (pouch-vectors).
 * Each vector type is one function that runs every case of a file and
 * reports how many passed.
 */
#ifndef POUCH_TESTS_VECTORS_H
#define POUCH_TESTS_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Outcome of one file.  total counts every case the runner ran; a case
 * it cannot run yet is printed with its reason and counted in skipped. */
struct vec_result {
	unsigned	passed;
	unsigned	total;
	unsigned	skipped;
};

/* A vector type: run every case of root, fill res. */
typedef int (*vec_runner)(json_t *root, const char *file,
    struct vec_result *res);

/*
 * Decode a hex string member of obj into a fresh malloc'd buffer.
 * Returns 0 and sets *out and *len, or -1 (missing/not hex).  *out is never
 * NULL on success (a 1-byte allocation for the empty string).
 */
int	vec_hex(json_t *obj, const char *key, uint8_t **out, size_t *len);
/* Same for a JSON string value. */
int	vec_hex_value(json_t *val, uint8_t **out, size_t *len);
/* An integer member (accepts a JSON integer or a decimal string). */
int	vec_int(json_t *obj, const char *key, long long *out);
/* Report a failing case on stderr: file, case index, what differed. */
void	vec_fail(const char *file, size_t idx, const char *what);

int	vec_run_hpke(json_t *root, const char *file, struct vec_result *res);
int	vec_run_mls_crypto_basics(json_t *root, const char *file,
	    struct vec_result *res);

#endif
