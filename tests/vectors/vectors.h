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

int	vec_run_mls_tree_math(json_t *root, const char *file,
	    struct vec_result *res);
int	vec_run_mls_key_schedule(json_t *root, const char *file,
	    struct vec_result *res);
int	vec_run_mls_psk_secret(json_t *root, const char *file,
	    struct vec_result *res);
int	vec_run_mls_transcript(json_t *root, const char *file,
	    struct vec_result *res);
int	vec_run_mls_secret_tree(json_t *root, const char *file,
	    struct vec_result *res);
int	vec_run_mls_messages(json_t *root, const char *file,
	    struct vec_result *res);
int	vec_run_mls_deserialization(json_t *root, const char *file,
	    struct vec_result *res);
int	vec_run_mls_tree_validation(json_t *root, const char *file,
	    struct vec_result *res);
int	vec_run_mls_tree_operations(json_t *root, const char *file,
	    struct vec_result *res);
int	vec_run_mls_message_protection(json_t *root, const char *file,
	    struct vec_result *res);
int	vec_run_mls_treekem(json_t *root, const char *file,
	    struct vec_result *res);
int	vec_run_mls_welcome(json_t *root, const char *file,
	    struct vec_result *res);
int	vec_run_mls_passive_client(json_t *root, const char *file,
	    struct vec_result *res);

int	vec_run_mlkem_acvp(json_t *root, const char *file,
	    struct vec_result *res);
int	vec_run_mlkem_wycheproof(json_t *root, const char *file,
	    struct vec_result *res);
int	vec_run_xwing(json_t *root, const char *file,
	    struct vec_result *res);

/* A vector type whose file is not JSON: it reads path (file is its
 * base name, for messages) and fills res. */
typedef int (*vec_file_runner)(const char *path, const char *file,
    struct vec_result *res);

int	vec_run_mlkem_cctv_intermediate(const char *path, const char *file,
	    struct vec_result *res);
int	vec_run_mlkem_cctv_unlucky(const char *path, const char *file,
	    struct vec_result *res);
int	vec_run_mlkem_cctv_strcmp(const char *path, const char *file,
	    struct vec_result *res);
int	vec_run_mlkem_cctv_modulus(const char *path, const char *file,
	    struct vec_result *res);
int	vec_run_mlkem_accumulated_100(const char *path, const char *file,
	    struct vec_result *res);
int	vec_run_mlkem_accumulated_10000(const char *path, const char *file,
	    struct vec_result *res);

#endif
