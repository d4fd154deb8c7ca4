/*
 * mls_tree_operations.c - runner for mls/tree-operations.json (RFC 9420
 * 7.7, 7.8, 12.1.1-3).  A case passes when tree_before decodes into a
 * tree whose root hash is tree_hash_before, applying the Add, Update or
 * Remove proposal from leaf proposal_sender gives a tree that encodes to
 * exactly tree_after, and its root hash is tree_hash_after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "mls/suite.h"
#include "mls/tree.h"
#include "vectors/vectors.h"

/* The root hash of t equals the hex member key of o. */
static int
root_hash_is(const struct pouch_crypto *c, struct pouch_mls_tree *t,
    json_t *o, const char *key)
{
	uint8_t got[POUCH_HASH_MAX], *want = NULL;
	size_t wantlen;
	int ok;

	ok = vec_hex(o, key, &want, &wantlen) == 0 &&
	    pouch_mls_tree_root_hash(c, t, got) == POUCH_OK &&
	    wantlen == pouch_mls_tree_suite(t)->nh &&
	    memcmp(got, want, wantlen) == 0;
	free(want);
	return ok;
}

static int
apply(struct pouch_mls_tree *t, const struct pouch_mls_proposal *p,
    uint32_t sender)
{
	uint32_t leaf;

	switch (p->type) {
	case POUCH_MLS_PROP_ADD:
		return pouch_mls_tree_add_leaf(t,
		    &p->u.add.key_package.leaf_node, &leaf);
	case POUCH_MLS_PROP_UPDATE:
		return pouch_mls_tree_update_leaf(t, sender,
		    &p->u.update.leaf_node);
	case POUCH_MLS_PROP_REMOVE:
		return pouch_mls_tree_remove_leaf(t, p->u.remove.removed);
	default:
		return POUCH_E_UNSUPPORTED;
	}
}

static int
run_case(const struct pouch_crypto *c, json_t *o, const char *file,
    size_t idx)
{
	const struct pouch_mls_suite *s;
	struct pouch_mls_tree *t = NULL;
	struct pouch_mls_arena a;
	struct pouch_mls_proposal prop;
	struct pouch_rd r;
	struct pouch_wr w;
	uint8_t *before = NULL, *after = NULL, *pb = NULL;
	size_t beforelen, afterlen, pblen;
	long long suite, sender;
	int ok = 0, rc;

	pouch_mls_arena_init_limits(&a, NULL);
	pouch_wr_init(&w, 1U << 24);
	if (vec_int(o, "cipher_suite", &suite) != 0 ||
	    vec_int(o, "proposal_sender", &sender) != 0 ||
	    vec_hex(o, "tree_before", &before, &beforelen) != 0 ||
	    vec_hex(o, "tree_after", &after, &afterlen) != 0 ||
	    vec_hex(o, "proposal", &pb, &pblen) != 0 || sender < 0 ||
	    sender > UINT32_MAX) {
		vec_fail(file, idx, "bad case fields");
		goto out;
	}
	if (suite < 0 || suite > UINT16_MAX ||
	    (s = pouch_mls_suite_get((uint16_t)suite)) == NULL) {
		vec_fail(file, idx, "unsupported cipher suite");
		goto out;
	}
	if ((rc = pouch_mls_tree_from_bytes(s, NULL, before, beforelen,
	    &t)) != POUCH_OK) {
		vec_fail(file, idx, pouch_strerror(rc));
		goto out;
	}
	if (!root_hash_is(c, t, o, "tree_hash_before")) {
		vec_fail(file, idx, "tree_hash_before differs");
		goto out;
	}
	pouch_rd_init(&r, pb, pblen);
	if (pouch_mls_proposal_decode(&r, &a, pouch_mls_limits_default(),
	    &prop) != POUCH_OK || pouch_rd_done(&r) != POUCH_OK) {
		vec_fail(file, idx, "proposal does not decode");
		goto out;
	}
	if ((rc = apply(t, &prop, (uint32_t)sender)) != POUCH_OK) {
		vec_fail(file, idx, pouch_strerror(rc));
		goto out;
	}
	pouch_mls_tree_encode(&w, t);
	if (pouch_wr_finish(&w) != POUCH_OK || w.len != afterlen ||
	    memcmp(w.buf, after, afterlen) != 0) {
		vec_fail(file, idx, "tree_after differs");
		goto out;
	}
	if (!root_hash_is(c, t, o, "tree_hash_after")) {
		vec_fail(file, idx, "tree_hash_after differs");
		goto out;
	}
	ok = 1;
out:
	pouch_wr_free(&w);
	pouch_mls_arena_free(&a);
	pouch_mls_tree_free(t);
	free(before);
	free(after);
	free(pb);
	return ok;
}

int
vec_run_mls_tree_operations(json_t *root, const char *file,
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
