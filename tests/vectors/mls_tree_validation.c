/*
 * mls_tree_validation.c - runner for mls/tree-validation.json (RFC 9420
 * 4.1.1, 7.8, 7.9.2, 7.3).  A case passes when the ratchet tree decodes
 * into a tree object whose encoding gives back the input bytes, the tree
 * hash of every node i equals tree_hashes[i], the resolution of every
 * node i equals resolutions[i], and the whole tree validates as when
 * joining (unmerged leaves, key uniqueness, capabilities, LeafNodeTBS
 * signatures with the case's group_id, parent hashes, and the root hash
 * against tree_hashes[root]).  Lifetimes are not checked: the vectors fix
 * no current time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "mls/suite.h"
#include "mls/tree.h"
#include "vectors/vectors.h"

static int
check_hashes(const struct pouch_crypto *c, struct pouch_mls_tree *t,
    json_t *hashes, const char *file, size_t idx)
{
	const struct pouch_mls_suite *s = pouch_mls_tree_suite(t);
	uint8_t got[POUCH_HASH_MAX], *want = NULL;
	uint32_t w = pouch_mls_tree_width(t), i;
	size_t wantlen;
	char what[96];
	int ok = 1;

	if (!json_is_array(hashes) || json_array_size(hashes) != w) {
		vec_fail(file, idx, "tree_hashes: not one per node");
		return 0;
	}
	for (i = 0; i < w && ok; i++) {
		if (vec_hex_value(json_array_get(hashes, i), &want,
		    &wantlen) != 0 ||
		    pouch_mls_tree_hash(c, t, i, got) != POUCH_OK ||
		    wantlen != s->nh || memcmp(got, want, s->nh) != 0) {
			snprintf(what, sizeof(what), "tree hash of node %u", i);
			vec_fail(file, idx, what);
			ok = 0;
		}
		free(want);
		want = NULL;
	}
	return ok;
}

static int
check_resolutions(const struct pouch_mls_tree *t, json_t *res,
    const char *file, size_t idx)
{
	uint32_t w = pouch_mls_tree_width(t), i, *got;
	json_t *r;
	size_t n, j;
	char what[96];
	int ok = 1;

	if (!json_is_array(res) || json_array_size(res) != w) {
		vec_fail(file, idx, "resolutions: not one per node");
		return 0;
	}
	if ((got = calloc(w, sizeof(*got))) == NULL)
		return 0;
	for (i = 0; i < w && ok; i++) {
		r = json_array_get(res, i);
		if (pouch_mls_tree_resolution(t, i, got, w, &n) != POUCH_OK ||
		    !json_is_array(r) || json_array_size(r) != n)
			ok = 0;
		for (j = 0; ok && j < n; j++)
			if (!json_is_integer(json_array_get(r, j)) ||
			    json_integer_value(json_array_get(r, j)) !=
			    (json_int_t)got[j])
				ok = 0;
		if (!ok) {
			snprintf(what, sizeof(what), "resolution of node %u",
			    i);
			vec_fail(file, idx, what);
		}
	}
	free(got);
	return ok;
}

static int
run_case(const struct pouch_crypto *c, json_t *o, const char *file,
    size_t idx)
{
	const struct pouch_mls_suite *s;
	struct pouch_mls_tree *t = NULL;
	struct pouch_mls_leaf_ctx ctx;
	struct pouch_wr w;
	uint8_t *tree = NULL, *gid = NULL, *root = NULL;
	size_t treelen, gidlen, rootlen;
	long long suite;
	json_t *hashes = json_object_get(o, "tree_hashes");
	int ok = 0, rc;

	pouch_wr_init(&w, 1U << 24);
	if (vec_int(o, "cipher_suite", &suite) != 0 ||
	    vec_hex(o, "tree", &tree, &treelen) != 0 ||
	    vec_hex(o, "group_id", &gid, &gidlen) != 0) {
		vec_fail(file, idx, "bad case fields");
		goto out;
	}
	if (suite < 0 || suite > UINT16_MAX ||
	    (s = pouch_mls_suite_get((uint16_t)suite)) == NULL) {
		vec_fail(file, idx, "unsupported cipher suite");
		goto out;
	}
	if ((rc = pouch_mls_tree_from_bytes(s, NULL, tree, treelen, &t)) !=
	    POUCH_OK) {
		vec_fail(file, idx, pouch_strerror(rc));
		goto out;
	}
	pouch_mls_tree_encode(&w, t);
	if (pouch_wr_finish(&w) != POUCH_OK || w.len != treelen ||
	    memcmp(w.buf, tree, treelen) != 0) {
		vec_fail(file, idx, "tree does not re-encode to its input");
		goto out;
	}
	if (!check_hashes(c, t, hashes, file, idx) ||
	    !check_resolutions(t, json_object_get(o, "resolutions"), file,
	    idx))
		goto out;
	if (vec_hex_value(json_array_get(hashes,
	    pouch_mls_tm_root(pouch_mls_tree_leaves(t))), &root,
	    &rootlen) != 0) {
		vec_fail(file, idx, "no root hash");
		goto out;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.group_id = gid;
	ctx.group_id_len = gidlen;
	if ((rc = pouch_mls_tree_validate(c, t, &ctx, root, rootlen)) !=
	    POUCH_OK) {
		vec_fail(file, idx, pouch_strerror(rc));
		goto out;
	}
	ok = 1;
out:
	pouch_wr_free(&w);
	pouch_mls_tree_free(t);
	free(tree);
	free(gid);
	free(root);
	return ok;
}

int
vec_run_mls_tree_validation(json_t *root, const char *file,
    struct vec_result *res)
{
	struct pouch_crypto *c = NULL;
	size_t i;

	if (!json_is_array(root) || pouch_crypto_new(&c) != POUCH_OK)
		return -1;
	for (i = 0; i < json_array_size(root); i++) {
		res->total++;
		if (run_case(c, json_array_get(root, i), file, i))
			res->passed++;
	}
	pouch_crypto_free(c);
	return 0;
}
