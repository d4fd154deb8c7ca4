/*
 * mls_key_package.c - libFuzzer target: KeyPackage decode (RFC 9420 10) of
 * arbitrary bytes with the default limits, then validation.  Any accepted
 * input must re-encode to exactly the same bytes; anything else aborts.
 * A KeyPackage whose suite Pouch supports then goes through the checks a
 * group makes before adding it (10.1: version, suite, init key, signature;
 * 7.3: its leaf node as a new leaf of a one-member tree), which must end
 * in a clean result code whatever the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "mls/keypackage.h"
#include "mls/msg.h"
#include "mls/tree.h"

/*
 * The writer reserves 4 bytes per open vector before it knows the
 * minimal length, so an exact-size maximum would be too tight.
 */
#define SLACK	(4 * POUCH_WR_DEPTH)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
validate(const struct pouch_mls_key_package *kp)
{
	static struct pouch_crypto *c;
	const struct pouch_mls_suite *s;
	struct pouch_mls_tree *t = NULL;
	struct pouch_mls_leaf_ctx ctx;
	int rc;

	if (c == NULL && pouch_crypto_new(&c) != POUCH_OK)
		abort();
	if ((s = pouch_mls_suite_get(kp->cipher_suite)) == NULL)
		return;
	rc = pouch_mls_key_package_verify(c, s, kp);
	if (rc > 0)
		abort();
	if (pouch_mls_tree_new(s, &t) != POUCH_OK)
		return;
	memset(&ctx, 0, sizeof(ctx));
	ctx.check_lifetime = 1;
	ctx.now = 1700000000;
	rc = pouch_mls_leaf_validate(c, t, &kp->leaf_node, 0,
	    POUCH_MLS_LEAF_KEY_PACKAGE, &ctx);
	if (rc > 0)
		abort();
	pouch_mls_tree_free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pouch_mls_arena a;
	struct pouch_mls_key_package kp;
	struct pouch_wr w;

	pouch_mls_arena_init_limits(&a, NULL);
	if (pouch_mls_key_package_from_bytes(&a, NULL, data, size, &kp) ==
	    POUCH_OK) {
		pouch_wr_init(&w, size + SLACK);
		pouch_mls_key_package_encode(&w, &kp);
		if (pouch_wr_finish(&w) != POUCH_OK || w.len != size ||
		    memcmp(w.buf, data, size) != 0)
			abort();
		pouch_wr_free(&w);
		validate(&kp);
	}
	pouch_mls_arena_free(&a);
	return 0;
}
