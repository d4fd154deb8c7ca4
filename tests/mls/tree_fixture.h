/*
 * tree_fixture.h - shared by tests/mls/test_tree*.c: real LeafNodes for
 * cipher suite 1 (fresh Ed25519 signature keys, random X25519-sized
 * encryption keys, basic credentials, capabilities listing suite 1,
 * MLS 1.0 and the basic credential), signed over their LeafNodeTBS, and
 * ParentNodes.  A struct fx_leaf owns every byte its leaf node points
 * to, so it must not be copied by value after fx_leaf_init.
 */
#ifndef POUCH_TESTS_MLS_TREE_FIXTURE_H
#define POUCH_TESTS_MLS_TREE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "mls/msg.h"
#include "mls/suite.h"
#include "mls/tree.h"

#define FX_GROUP	"tree test group"
#define FX_GROUP_LEN	(sizeof(FX_GROUP) - 1)

struct fx_leaf {
	uint8_t				sig_priv[32];
	uint8_t				sig_pub[32];
	uint8_t				enc_pub[32];
	uint8_t				identity[16];
	uint8_t				parent_hash[POUCH_HASH_MAX];
	uint8_t				sig[POUCH_SIG_MAX];
	uint16_t			versions[1];
	uint16_t			suites[1];
	uint16_t			creds[2];
	uint16_t			exts[1];
	struct pouch_mls_extension	ext[1];
	struct pouch_mls_leaf_node	ln;
};

struct fx_parent {
	uint8_t				enc_pub[32];
	uint8_t				parent_hash[POUCH_HASH_MAX];
	uint32_t			unmerged[8];
	struct pouch_mls_parent_node	pn;
};

static inline const struct pouch_mls_suite *
fx_suite(void)
{
	const struct pouch_mls_suite *s = pouch_mls_suite_get(1);

	assert_non_null(s);
	return s;
}

static inline void
fx_random(uint8_t *p, size_t n)
{
	assert_int_equal(pouch_random(p, n), POUCH_OK);
}

/* Sign f->ln as leaf `leaf` of group FX_GROUP (group only used for the
 * update and commit sources). */
static inline void
fx_leaf_sign(const struct pouch_crypto *c, struct fx_leaf *f, uint32_t leaf)
{
	struct pouch_mls_leaf_node_tbs tbs;
	struct pouch_wr w;
	size_t siglen;

	memset(&tbs, 0, sizeof(tbs));
	tbs.leaf = f->ln;
	tbs.group_id.p = (const uint8_t *)FX_GROUP;
	tbs.group_id.n = FX_GROUP_LEN;
	tbs.leaf_index = leaf;
	pouch_wr_init(&w, 1 << 20);
	pouch_mls_leaf_node_tbs_encode(&w, &tbs);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	assert_int_equal(pouch_mls_sign_with_label(c, fx_suite(), f->sig_priv,
	    sizeof(f->sig_priv), "LeafNodeTBS", w.buf, w.len, f->sig,
	    sizeof(f->sig), &siglen), POUCH_OK);
	f->ln.signature.p = f->sig;
	f->ln.signature.n = siglen;
	pouch_wr_free(&w);
}

/*
 * A fresh member: new keys, identity, and a leaf node of the given source
 * (a commit leaf gets an empty parent_hash; set it, then sign again).
 * Signed for leaf index `leaf`.
 */
static inline void
fx_leaf_init(const struct pouch_crypto *c, struct fx_leaf *f, uint8_t source,
    uint32_t leaf)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(pouch_sig_keygen(c, POUCH_SIG_ED25519, f->sig_priv,
	    f->sig_pub), POUCH_OK);
	fx_random(f->enc_pub, sizeof(f->enc_pub));
	fx_random(f->identity, sizeof(f->identity));
	f->versions[0] = POUCH_MLS_VERSION_10;
	f->suites[0] = 1;
	f->creds[0] = POUCH_MLS_CRED_BASIC;
	f->creds[1] = POUCH_MLS_CRED_X509;
	f->ln.encryption_key.p = f->enc_pub;
	f->ln.encryption_key.n = sizeof(f->enc_pub);
	f->ln.signature_key.p = f->sig_pub;
	f->ln.signature_key.n = sizeof(f->sig_pub);
	f->ln.credential.type = POUCH_MLS_CRED_BASIC;
	f->ln.credential.identity.p = f->identity;
	f->ln.credential.identity.n = sizeof(f->identity);
	f->ln.capabilities.versions.v = f->versions;
	f->ln.capabilities.versions.n = 1;
	f->ln.capabilities.cipher_suites.v = f->suites;
	f->ln.capabilities.cipher_suites.n = 1;
	f->ln.capabilities.credentials.v = f->creds;
	f->ln.capabilities.credentials.n = 1;	/* basic only */
	f->ln.capabilities.extensions.v = f->exts;
	f->ln.source = source;
	if (source == POUCH_MLS_LEAF_KEY_PACKAGE) {
		f->ln.lifetime.not_before = 1000;
		f->ln.lifetime.not_after = 2000;
	}
	f->ln.parent_hash.p = f->parent_hash;
	f->ln.extensions.v = f->ext;
	fx_leaf_sign(c, f, leaf);
}

/* A parent node with a fresh key and unmerged leaves u[0..n). */
static inline void
fx_parent_init(struct fx_parent *p, const uint32_t *u, size_t n)
{
	memset(p, 0, sizeof(*p));
	assert_true(n <= 8);
	fx_random(p->enc_pub, sizeof(p->enc_pub));
	if (n > 0)
		memcpy(p->unmerged, u, n * sizeof(*u));
	p->pn.encryption_key.p = p->enc_pub;
	p->pn.encryption_key.n = sizeof(p->enc_pub);
	p->pn.parent_hash.p = p->parent_hash;
	p->pn.unmerged_leaves = p->unmerged;
	p->pn.nunmerged = n;
}

/* The encoding of t, malloc'd (for byte-identity checks). */
static inline uint8_t *
fx_encode(const struct pouch_mls_tree *t, size_t *len)
{
	struct pouch_wr w;
	uint8_t *out;

	pouch_wr_init(&w, 1U << 26);
	pouch_mls_tree_encode(&w, t);
	assert_int_equal(pouch_wr_take(&w, &out, len), POUCH_OK);
	return out;
}

/* A tree of nleaves (a power of two) with the leaves marked in `used`
 * set to fresh key_package members; every parent blank. */
static inline struct pouch_mls_tree *
fx_tree(const struct pouch_crypto *c, uint32_t nleaves, const int *used,
    struct fx_leaf *leaves)
{
	struct pouch_mls_tree *t;
	uint32_t i;

	assert_int_equal(pouch_mls_tree_new(fx_suite(), &t), POUCH_OK);
	while (pouch_mls_tree_leaves(t) < nleaves)
		assert_int_equal(pouch_mls_tree_extend(t), POUCH_OK);
	for (i = 0; i < nleaves; i++) {
		if (used != NULL && !used[i])
			continue;
		fx_leaf_init(c, &leaves[i], POUCH_MLS_LEAF_KEY_PACKAGE, i);
		assert_int_equal(pouch_mls_tree_set_leaf(t, i,
		    &leaves[i].ln), POUCH_OK);
	}
	return t;
}

/* A validation context for FX_GROUP with no lifetime check. */
static inline struct pouch_mls_leaf_ctx
fx_ctx(void)
{
	struct pouch_mls_leaf_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.group_id = (const uint8_t *)FX_GROUP;
	ctx.group_id_len = FX_GROUP_LEN;
	return ctx;
}

/*
 * Leaf `leaf` commits: every node of its filtered direct path gets a
 * fresh key (ps[i]) and no unmerged leaves, the parent-hash chain is set
 * from the root down, and the leaf becomes f, a fresh commit leaf
 * carrying the chain's parent hash, signed.
 */
static inline void
fx_commit(const struct pouch_crypto *c, struct pouch_mls_tree *t,
    uint32_t leaf, struct fx_leaf *f, struct fx_parent *ps)
{
	uint32_t fdp[POUCH_MLS_PATH_MAX];
	size_t n, i, phlen;

	assert_int_equal(pouch_mls_tree_filtered_direct_path(t, leaf, fdp,
	    &n), POUCH_OK);
	for (i = 0; i < n; i++) {
		fx_parent_init(&ps[i], NULL, 0);
		assert_int_equal(pouch_mls_tree_set_parent(t, fdp[i],
		    &ps[i].pn), POUCH_OK);
	}
	fx_leaf_init(c, f, POUCH_MLS_LEAF_COMMIT, leaf);
	assert_int_equal(pouch_mls_tree_set_path_parent_hashes(c, t, leaf,
	    f->parent_hash, &phlen), POUCH_OK);
	f->ln.parent_hash.n = phlen;
	fx_leaf_sign(c, f, leaf);
	assert_int_equal(pouch_mls_tree_set_leaf(t, leaf, &f->ln), POUCH_OK);
}

#endif /* POUCH_TESTS_MLS_TREE_FIXTURE_H */
