/*
 * mls_secret_tree.c - runner for mls/secret-tree.json (RFC 9420 9, 6.3.2).
 * A case passes when:
 *  - sender_data key and nonce derived from sender_data_secret and the
 *    ciphertext sample match;
 *  - on a fresh tree of len(leaves) leaves rooted at encryption_secret,
 *    get() gives the handshake and application key and nonce of every
 *    listed generation of every leaf, without consuming anything;
 *  - on a second tree, walking the leaves in reverse order and each
 *    leaf's generations in order, get() then consume() of each listed
 *    generation gives the same keys (so the stored frontier, the skipped
 *    generations and the ratchet advance are all exercised), after which
 *    the generation is refused as a replay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mls/secret_tree.h"
#include "vectors/vectors.h"

struct st_ctx {
	const struct pouch_crypto	*c;
	const struct pouch_mls_suite	*s;
	const char			*file;
	size_t				 idx;
};

static int
hex_eq(json_t *o, const char *name, const uint8_t *got, size_t len)
{
	uint8_t *want = NULL;
	size_t wantlen;
	int ok;

	ok = vec_hex(o, name, &want, &wantlen) == 0 && wantlen == len &&
	    memcmp(want, got, len) == 0;
	free(want);
	return ok;
}

static int
check_sender_data(const struct st_ctx *x, json_t *sd)
{
	uint8_t *secret = NULL, *ct = NULL;
	uint8_t key[POUCH_AEAD_KEY_MAX], nonce[POUCH_AEAD_NONCE_BYTES];
	size_t secretlen, ctlen;
	int ok = 0;

	if (vec_hex(sd, "sender_data_secret", &secret, &secretlen) != 0 ||
	    vec_hex(sd, "ciphertext", &ct, &ctlen) != 0 ||
	    secretlen != x->s->nh)
		goto out;
	if (pouch_mls_sender_data_key_nonce(x->c, x->s, secret, ct, ctlen,
	    key, nonce) != POUCH_OK)
		goto out;
	ok = hex_eq(sd, "key", key, x->s->nk) &&
	    hex_eq(sd, "nonce", nonce, x->s->nn);
out:
	free(secret);
	free(ct);
	if (!ok)
		vec_fail(x->file, x->idx, "sender_data key/nonce");
	return ok;
}

/*
 * One (leaf, generation) entry: both ratchets' key and nonce; with commit
 * set, consume them and check that the generation is then refused.
 */
static int
check_entry(const struct st_ctx *x, struct pouch_mls_secret_tree *st,
    uint32_t leaf, json_t *e, int commit)
{
	static const char *const kn[2][2] = {
	    { "handshake_key", "handshake_nonce" },
	    { "application_key", "application_nonce" } };
	struct pouch_mls_st_key k, again;
	long long gen;
	char what[96];
	int t, ok = 1;

	if (vec_int(e, "generation", &gen) != 0 || gen < 0 ||
	    gen > 0xffffffffLL) {
		vec_fail(x->file, x->idx, "generation");
		return 0;
	}
	for (t = 0; t < 2; t++) {
		int good;

		good = pouch_mls_secret_tree_get(x->c, st, leaf, t,
		    (uint32_t)gen, &k) == POUCH_OK &&
		    hex_eq(e, kn[t][0], k.key, k.keylen) &&
		    hex_eq(e, kn[t][1], k.nonce, k.noncelen);
		if (good && commit)
			good = pouch_mls_secret_tree_consume(x->c, st, &k) ==
			    POUCH_OK && pouch_mls_secret_tree_get(x->c, st,
			    leaf, t, (uint32_t)gen, &again) == POUCH_E_REPLAY;
		pouch_mls_st_key_clear(&k);
		if (!good) {
			snprintf(what, sizeof(what), "leaf %u gen %lld %s%s",
			    leaf, gen, kn[t][0], commit ? " (consume)" : "");
			vec_fail(x->file, x->idx, what);
			ok = 0;
		}
	}
	return ok;
}

static int
walk(const struct st_ctx *x, json_t *leaves, const uint8_t *enc,
    int commit)
{
	struct pouch_mls_secret_tree *st = NULL;
	size_t n = json_array_size(leaves), i, j, li;
	json_t *gens;
	int ok = 1;

	if (pouch_mls_secret_tree_new(x->s, enc, (uint32_t)n, NULL, &st) !=
	    POUCH_OK) {
		vec_fail(x->file, x->idx, "secret_tree_new");
		return 0;
	}
	for (i = 0; i < n; i++) {
		li = commit ? n - 1 - i : i;
		gens = json_array_get(leaves, li);
		if (!json_is_array(gens) || json_array_size(gens) == 0) {
			vec_fail(x->file, x->idx, "leaf entries");
			ok = 0;
			continue;
		}
		for (j = 0; j < json_array_size(gens); j++)
			ok &= check_entry(x, st, (uint32_t)li,
			    json_array_get(gens, j), commit);
	}
	pouch_mls_secret_tree_free(st);
	return ok;
}

static int
run_case(const struct pouch_crypto *c, json_t *tc, const char *file,
    size_t idx)
{
	struct st_ctx x = { c, NULL, file, idx };
	json_t *leaves = json_object_get(tc, "leaves");
	uint8_t *enc = NULL;
	size_t enclen;
	long long id;
	int ok = 0;

	if (vec_int(tc, "cipher_suite", &id) != 0 || id < 0 || id > 0xffff ||
	    (x.s = pouch_mls_suite_get((uint16_t)id)) == NULL) {
		vec_fail(file, idx, "unknown cipher_suite");
		return 0;
	}
	if (vec_hex(tc, "encryption_secret", &enc, &enclen) != 0 ||
	    enclen != x.s->nh || !json_is_array(leaves) ||
	    json_array_size(leaves) == 0) {
		vec_fail(file, idx, "bad case fields");
		goto out;
	}
	ok = check_sender_data(&x, json_object_get(tc, "sender_data"));
	ok &= walk(&x, leaves, enc, 0);
	ok &= walk(&x, leaves, enc, 1);
out:
	free(enc);
	return ok;
}

int
vec_run_mls_secret_tree(json_t *root, const char *file,
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
