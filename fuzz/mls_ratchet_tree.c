/*
 * mls_ratchet_tree.c - libFuzzer target: ratchet_tree decode (RFC 9420
 * 12.4.3.3) of arbitrary bytes with the default limits, then the tree
 * layer on every accepted input.  Any accepted input must re-encode to
 * exactly the same bytes.  When it also makes a tree object (suite 1),
 * that tree must encode to the same bytes again, every resolution and
 * filtered direct path must be computable, the tree hash of every node,
 * the parent-hash check (RFC 9420 7.9.2) and the join validation
 * (12.4.3.1, with a fixed group_id: that of a suite-1 tree-validation
 * vector in the corpus) must return without crashing, and a clone must
 * take an Add, an Update and a Remove without changing the original.
 * Anything else aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "mls/msg.h"
#include "mls/suite.h"
#include "mls/tree.h"

/*
 * The writer reserves 4 bytes per open vector before it knows the
 * minimal length, so an exact-size maximum would be too tight.
 */
#define SLACK	(4 * POUCH_WR_DEPTH)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t group_id[] = {
	0x3b, 0xa3, 0xdd, 0x3a, 0x2e, 0xf6, 0xe5, 0x3a, 0xe1, 0xd9, 0xbf,
	0x7f, 0x6d, 0x6d, 0xa0, 0xfb, 0xc3, 0x71, 0x45, 0xc4, 0xe4, 0xb5,
	0xf6, 0xa3, 0x0d, 0xee, 0x66, 0x24, 0xe0, 0x7a, 0xbf, 0x89
};

/* t encodes to exactly data[0..size). */
static void
check_encoding(const struct pouch_mls_tree *t, const uint8_t *data,
    size_t size)
{
	struct pouch_wr w;

	pouch_wr_init(&w, size + SLACK);
	pouch_mls_tree_encode(&w, t);
	if (pouch_wr_finish(&w) != POUCH_OK || w.len != size ||
	    memcmp(w.buf, data, size) != 0)
		abort();
	pouch_wr_free(&w);
}

static void
walk(const struct pouch_crypto *c, struct pouch_mls_tree *t)
{
	uint32_t w = pouch_mls_tree_width(t), x, *res;
	uint32_t path[POUCH_MLS_PATH_MAX];
	uint8_t h[POUCH_HASH_MAX];
	size_t n;
	int rc;

	if ((res = calloc(w, sizeof(*res))) == NULL)
		return;
	for (x = 0; x < w; x++) {
		rc = pouch_mls_tree_resolution(t, x, res, w, &n);
		if (rc != POUCH_OK && rc != POUCH_E_BUFFER_TOO_SMALL)
			abort();
		if (pouch_mls_tree_hash(c, t, x, h) != POUCH_OK)
			abort();
	}
	for (x = 0; x < pouch_mls_tree_leaves(t); x++)
		if (pouch_mls_tree_filtered_direct_path(t, x, path, &n) !=
		    POUCH_OK || n > POUCH_MLS_PATH_MAX)
			abort();
	free(res);
}

/* Add, Update and Remove on a clone; the original must not move. */
static void
mutate_clone(const struct pouch_mls_tree *t, const uint8_t *data,
    size_t size)
{
	const struct pouch_mls_leaf_node *ln = NULL;
	struct pouch_mls_tree *d = NULL;
	uint32_t i, leaf;
	int rc;

	for (i = 0; i < pouch_mls_tree_leaves(t) && ln == NULL; i++)
		ln = pouch_mls_tree_leaf(t, i);
	if (ln == NULL || pouch_mls_tree_clone(t, &d) != POUCH_OK)
		return;
	i--;
	rc = pouch_mls_tree_add_leaf(d, ln, &leaf);
	if (rc != POUCH_OK && rc != POUCH_E_TOO_LARGE && rc != POUCH_E_NOMEM)
		abort();
	if (pouch_mls_tree_update_leaf(d, i, ln) != POUCH_OK ||
	    pouch_mls_tree_remove_leaf(d, i) != POUCH_OK)
		abort();
	pouch_mls_tree_free(d);
	check_encoding(t, data, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pouch_crypto *c;
	struct pouch_mls_arena a;
	struct pouch_mls_ratchet_tree rt;
	struct pouch_mls_tree *t = NULL;
	struct pouch_mls_leaf_ctx ctx;
	struct pouch_wr w;
	int rc;

	if (c == NULL && pouch_crypto_new(&c) != POUCH_OK)
		abort();
	pouch_mls_arena_init_limits(&a, NULL);
	if (pouch_mls_ratchet_tree_from_bytes(&a, NULL, data, size, &rt) !=
	    POUCH_OK)
		goto out;
	pouch_wr_init(&w, size + SLACK);
	pouch_mls_ratchet_tree_encode(&w, &rt);
	if (pouch_wr_finish(&w) != POUCH_OK || w.len != size ||
	    memcmp(w.buf, data, size) != 0)
		abort();
	pouch_wr_free(&w);
	if (pouch_mls_tree_from_ratchet_tree(pouch_mls_suite_get(1), &rt,
	    &t) != POUCH_OK)
		goto out;
	pouch_mls_arena_free(&a);		/* the tree must not need it */
	check_encoding(t, data, size);
	walk(c, t);
	/* hostile trees fail with a code, never as misuse */
	rc = pouch_mls_tree_verify_parent_hashes(c, t);
	if (rc > 0 || rc == POUCH_E_MISUSE)
		abort();
	memset(&ctx, 0, sizeof(ctx));
	ctx.group_id = group_id;
	ctx.group_id_len = sizeof(group_id);
	rc = pouch_mls_tree_validate(c, t, &ctx, NULL, 0);
	if (rc > 0 || rc == POUCH_E_MISUSE)
		abort();
	mutate_clone(t, data, size);
	check_encoding(t, data, size);
out:
	pouch_mls_tree_free(t);
	pouch_mls_arena_free(&a);
	return 0;
}
