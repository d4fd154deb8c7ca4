/*
 * mls_psk.c - runner for mls/psk_secret.json (RFC 9420 8.4).  Each case
 * lists external PSKs (psk_id, psk, psk_nonce); a case passes when the
 * psk_secret chained over all of them, in order, equals psk_secret (the
 * all-zero vector for an empty list).
 */
#include <stdlib.h>
#include <string.h>

#include "mls/psk.h"
#include "vectors/vectors.h"

#define PSK_FIELDS	3

static int
run_case(const struct pouch_crypto *c, json_t *tc, const char *file,
    size_t idx)
{
	static const char *const names[PSK_FIELDS] = { "psk_id", "psk",
	    "psk_nonce" };
	const struct pouch_mls_suite *s;
	struct pouch_mls_psk_input *in = NULL;
	uint8_t **bufs = NULL, *want = NULL, out[POUCH_HASH_MAX];
	size_t n = 0, i, f, len[PSK_FIELDS], wantlen;
	json_t *psks;
	long long id;
	int ok = 0;

	psks = json_object_get(tc, "psks");
	if (vec_int(tc, "cipher_suite", &id) != 0 || id < 0 || id > 0xffff ||
	    (s = pouch_mls_suite_get((uint16_t)id)) == NULL ||
	    !json_is_array(psks) ||
	    vec_hex(tc, "psk_secret", &want, &wantlen) != 0) {
		vec_fail(file, idx, "bad case fields");
		goto out;
	}
	n = json_array_size(psks);
	if ((in = calloc(n + 1, sizeof(*in))) == NULL ||
	    (bufs = calloc(PSK_FIELDS * n + 1, sizeof(*bufs))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		for (f = 0; f < PSK_FIELDS; f++)
			if (vec_hex(json_array_get(psks, i), names[f],
			    &bufs[PSK_FIELDS * i + f], &len[f]) != 0) {
				vec_fail(file, idx, names[f]);
				goto out;
			}
		in[i].psktype = POUCH_MLS_PSK_EXTERNAL;
		in[i].psk_id = bufs[PSK_FIELDS * i];
		in[i].psk_idlen = len[0];
		in[i].psk = bufs[PSK_FIELDS * i + 1];
		in[i].psklen = len[1];
		in[i].psk_nonce = bufs[PSK_FIELDS * i + 2];
		in[i].psk_noncelen = len[2];
	}
	if (pouch_mls_psk_secret(c, s, in, n, out) != POUCH_OK) {
		vec_fail(file, idx, "psk_secret failed");
		goto out;
	}
	ok = wantlen == s->nh && memcmp(out, want, s->nh) == 0;
	if (!ok)
		vec_fail(file, idx, "psk_secret differs");
out:
	if (bufs != NULL)
		for (i = 0; i < PSK_FIELDS * n; i++)
			free(bufs[i]);
	free(bufs);
	free(in);
	free(want);
	return ok;
}

int
vec_run_mls_psk_secret(json_t *root, const char *file,
    struct vec_result *res)
{
	struct pouch_crypto *c = NULL;
	json_t *tc;
	size_t i;

	if (!json_is_array(root) || pouch_crypto_new(&c) != POUCH_OK)
		return -1;
	json_array_foreach(root, i, tc) {
		res->total++;
		if (run_case(c, tc, file, i))
			res->passed++;
	}
	pouch_crypto_free(c);
	return 0;
}
