/*
 * test_tree_validate.c - src/mls/leaf_validate.c: leaf node validation
 * (RFC 9420 7.3) and the ratchet tree checks of joining (12.4.3.1).
 *
 * A valid tree (signed leaves, a committer's parent-hash chain, an
 * unmerged leaf) passes; then each check is broken alone, and must fail
 * with its own code: a bad leaf signature (BAD_SIGNATURE), a signature
 * made for another group or leaf index, a duplicate encryption key
 * (leaf/leaf and parent/leaf), a duplicate signature key, an expired or
 * not yet valid lifetime and one over the maximum (LIFETIME), a
 * credential type another member does not support (CREDENTIAL_TYPE),
 * capabilities missing the suite, an extension or a required capability
 * (CAPABILITIES), a repeated extension (MALFORMED), a broken parent hash
 * (BAD_PARENT_HASH), unmerged leaves that are blank, not descendants,
 * repeated or missing on an intermediate node (BAD_UNMERGED), a wrong tree
 * hash (BAD_TREE_HASH); for a single leaf also the source (LEAF_SOURCE)
 * and an Update that keeps its encryption key.  Validation never changes
 * the tree.  A tree of 256 leaves has its signatures checked in shares
 * (on several threads where there are CPUs): a bad leaf in any share is
 * found, and of two bad leaves the error is the first one's.
 */
#include "tree_fixture.h"

static struct pouch_crypto *C;

static int
setup(void **state)
{
	(void)state;
	return pouch_crypto_new(&C) == POUCH_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	pouch_crypto_free(C);
	return 0;
}

/*
 * The base tree: 4 leaves, leaf 0 committed (nodes 1 and 3 set with a
 * parent-hash chain), then leaf 3 was added (unmerged at the root).
 */
struct base {
	struct fx_leaf		 l[4];
	struct fx_leaf		 c0;
	struct fx_parent	 ps[POUCH_MLS_PATH_MAX];
	struct pouch_mls_tree	*t;
};

static struct base *
base_new(void)
{
	static const int used[4] = { 1, 1, 1, 0 };
	struct base *b = calloc(1, sizeof(*b));
	uint32_t leaf;

	assert_non_null(b);
	b->t = fx_tree(C, 4, used, b->l);
	fx_commit(C, b->t, 0, &b->c0, b->ps);
	fx_leaf_init(C, &b->l[3], POUCH_MLS_LEAF_KEY_PACKAGE, 3);
	assert_int_equal(pouch_mls_tree_add_leaf(b->t, &b->l[3].ln, &leaf),
	    POUCH_OK);
	assert_int_equal(leaf, 3);
	return b;
}

static void
base_free(struct base *b)
{
	pouch_mls_tree_free(b->t);
	free(b);
}

static int
validate(struct pouch_mls_tree *t, const struct pouch_mls_leaf_ctx *ctx)
{
	return pouch_mls_tree_validate(C, t, ctx, NULL, 0);
}

static void
valid_tree_passes_unchanged(void **state)
{
	struct base *b = base_new();
	struct pouch_mls_leaf_ctx ctx = fx_ctx();
	uint8_t *before, *after, th[32];
	size_t blen, alen;

	(void)state;
	before = fx_encode(b->t, &blen);
	assert_int_equal(validate(b->t, &ctx), POUCH_OK);
	ctx.check_lifetime = 1;
	ctx.now = 1500;
	ctx.lifetime_max = 1000;
	assert_int_equal(pouch_mls_tree_root_hash(C, b->t, th), POUCH_OK);
	assert_int_equal(pouch_mls_tree_validate(C, b->t, &ctx, th, 32),
	    POUCH_OK);
	after = fx_encode(b->t, &alen);
	assert_int_equal(blen, alen);
	assert_memory_equal(before, after, blen);
	/* a wrong tree hash, and one of the wrong length */
	th[5] ^= 1;
	assert_int_equal(pouch_mls_tree_validate(C, b->t, &ctx, th, 32),
	    POUCH_E_BAD_TREE_HASH);
	th[5] ^= 1;
	assert_int_equal(pouch_mls_tree_validate(C, b->t, &ctx, th, 31),
	    POUCH_E_BAD_TREE_HASH);
	pouch_wr_buf_free(before, blen);
	pouch_wr_buf_free(after, alen);
	base_free(b);
}

static void
bad_leaf_signature(void **state)
{
	struct base *b = base_new();
	struct pouch_mls_leaf_ctx ctx = fx_ctx();
	struct fx_leaf f;

	(void)state;
	memcpy(&f, &b->l[1], sizeof(f));
	f.sig[7] ^= 0x10;
	f.ln.signature.p = f.sig;
	assert_int_equal(pouch_mls_tree_set_leaf(b->t, 1, &f.ln), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_BAD_SIGNATURE);
	/* a commit leaf signed for another group, then another index */
	assert_int_equal(pouch_mls_tree_set_leaf(b->t, 1, &b->l[1].ln),
	    POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_OK);
	ctx.group_id = (const uint8_t *)"other group";
	ctx.group_id_len = 11;
	assert_int_equal(validate(b->t, &ctx), POUCH_E_BAD_SIGNATURE);
	ctx = fx_ctx();
	memcpy(&f, &b->c0, sizeof(f));
	f.ln.parent_hash.p = f.parent_hash;
	f.ln.parent_hash.n = b->c0.ln.parent_hash.n;
	f.ln.signature.p = f.sig;
	fx_leaf_sign(C, &f, 1);			/* as if it were leaf 1 */
	assert_int_equal(pouch_mls_tree_set_leaf(b->t, 0, &f.ln), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_BAD_SIGNATURE);
	base_free(b);
}

static void
duplicate_encryption_key(void **state)
{
	static const uint32_t three[] = { 3 };
	struct base *b = base_new();
	struct pouch_mls_leaf_ctx ctx = fx_ctx();
	struct fx_leaf f;
	struct fx_parent p;

	(void)state;
	/* leaf 2 takes leaf 1's encryption key, properly signed */
	memcpy(&f, &b->l[2], sizeof(f));
	memcpy(f.enc_pub, b->l[1].enc_pub, 32);
	f.ln.encryption_key.p = f.enc_pub;
	f.ln.signature_key.p = f.sig_pub;
	f.ln.credential.identity.p = f.identity;
	f.ln.capabilities.versions.v = f.versions;
	f.ln.capabilities.cipher_suites.v = f.suites;
	f.ln.capabilities.credentials.v = f.creds;
	fx_leaf_sign(C, &f, 2);
	assert_int_equal(pouch_mls_tree_set_leaf(b->t, 2, &f.ln), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_DUP_ENCRYPTION_KEY);
	base_free(b);
	/* a parent reusing a leaf's key */
	b = base_new();
	fx_parent_init(&p, three, 1);
	memcpy(p.enc_pub, b->l[2].enc_pub, 32);
	assert_int_equal(pouch_mls_tree_set_parent(b->t, 5, &p.pn), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_DUP_ENCRYPTION_KEY);
	base_free(b);
}

static void
duplicate_signature_key(void **state)
{
	struct base *b = base_new();
	struct pouch_mls_leaf_ctx ctx = fx_ctx();
	struct fx_leaf f;

	(void)state;
	fx_leaf_init(C, &f, POUCH_MLS_LEAF_KEY_PACKAGE, 2);
	memcpy(f.sig_priv, b->l[1].sig_priv, 32);
	memcpy(f.sig_pub, b->l[1].sig_pub, 32);
	fx_leaf_sign(C, &f, 2);
	assert_int_equal(pouch_mls_tree_set_leaf(b->t, 2, &f.ln), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_DUP_SIGNATURE_KEY);
	base_free(b);
}

static void
lifetime(void **state)
{
	struct base *b = base_new();
	struct pouch_mls_leaf_ctx ctx = fx_ctx();

	(void)state;
	ctx.check_lifetime = 1;
	ctx.now = 2001;				/* expired */
	assert_int_equal(validate(b->t, &ctx), POUCH_E_LIFETIME);
	ctx.now = 999;				/* not yet valid */
	assert_int_equal(validate(b->t, &ctx), POUCH_E_LIFETIME);
	ctx.now = 2000;
	assert_int_equal(validate(b->t, &ctx), POUCH_OK);
	ctx.lifetime_max = 999;			/* 1000 s is too long */
	assert_int_equal(validate(b->t, &ctx), POUCH_E_LIFETIME);
	ctx.check_lifetime = 0;			/* the RECOMMENDED check */
	assert_int_equal(validate(b->t, &ctx), POUCH_OK);
	base_free(b);
}

static void
unsupported_credential_type(void **state)
{
	struct base *b = base_new();
	struct pouch_mls_leaf_ctx ctx = fx_ctx();
	struct fx_leaf f;

	(void)state;
	/* leaf 2 uses x509, which it lists but the others do not */
	fx_leaf_init(C, &f, POUCH_MLS_LEAF_KEY_PACKAGE, 2);
	f.ln.credential.type = POUCH_MLS_CRED_X509;
	f.ln.credential.ncerts = 0;
	f.ln.capabilities.credentials.n = 2;
	fx_leaf_sign(C, &f, 2);
	assert_int_equal(pouch_mls_tree_set_leaf(b->t, 2, &f.ln), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_CREDENTIAL_TYPE);
	/* a basic leaf that does not list basic */
	fx_leaf_init(C, &f, POUCH_MLS_LEAF_KEY_PACKAGE, 2);
	f.creds[0] = POUCH_MLS_CRED_X509;
	fx_leaf_sign(C, &f, 2);
	assert_int_equal(pouch_mls_tree_set_leaf(b->t, 2, &f.ln), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_CREDENTIAL_TYPE);
	base_free(b);
}

static void
capabilities(void **state)
{
	static uint16_t req_ext[1] = { 0x0a0a }, req_cred[1] = { 2 };
	static uint8_t data[1];
	struct base *b = base_new();
	struct pouch_mls_leaf_ctx ctx = fx_ctx();
	struct pouch_mls_required_capabilities req;
	struct pouch_mls_extensions gce;
	struct pouch_mls_extension ge;
	struct fx_leaf f;

	(void)state;
	/* leaf 3 is unmerged at the root, so changing it breaks no parent
	 * hash (RFC 9420 7.9 blanks it for the original sibling tree hash) */
	/* the group's suite missing */
	fx_leaf_init(C, &f, POUCH_MLS_LEAF_KEY_PACKAGE, 3);
	f.suites[0] = 2;
	fx_leaf_sign(C, &f, 3);
	assert_int_equal(pouch_mls_tree_set_leaf(b->t, 3, &f.ln), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_CAPABILITIES);
	/* a non-default extension not listed, then listed, then twice */
	fx_leaf_init(C, &f, POUCH_MLS_LEAF_KEY_PACKAGE, 3);
	f.ext[0].type = 0x0a0a;
	f.ext[0].data.p = data;
	f.ext[0].data.n = 1;
	f.ln.extensions.n = 1;
	fx_leaf_sign(C, &f, 3);
	assert_int_equal(pouch_mls_tree_set_leaf(b->t, 3, &f.ln), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_CAPABILITIES);
	f.exts[0] = 0x0a0a;
	f.ln.capabilities.extensions.n = 1;
	fx_leaf_sign(C, &f, 3);
	assert_int_equal(pouch_mls_tree_set_leaf(b->t, 3, &f.ln), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_OK);
	/* required capabilities and group context extensions that the
	 * other leaves do not list */
	memset(&req, 0, sizeof(req));
	req.extension_types.v = req_ext;
	req.extension_types.n = 1;
	ctx.required = &req;
	assert_int_equal(validate(b->t, &ctx), POUCH_E_CAPABILITIES);
	req.extension_types.n = 0;
	req.credential_types.v = req_cred;
	req.credential_types.n = 1;
	assert_int_equal(validate(b->t, &ctx), POUCH_E_CAPABILITIES);
	req.credential_types.n = 0;
	assert_int_equal(validate(b->t, &ctx), POUCH_OK);
	ge.type = 0x0a0a;
	ge.data.p = data;
	ge.data.n = 0;
	gce.v = &ge;
	gce.n = 1;
	ctx.group_extensions = &gce;
	assert_int_equal(validate(b->t, &ctx), POUCH_E_CAPABILITIES);
	ge.type = POUCH_MLS_EXT_EXTERNAL_SENDERS;	/* default: implied */
	assert_int_equal(validate(b->t, &ctx), POUCH_OK);
	ctx = fx_ctx();
	/* the same extension twice */
	f.ext[0].type = POUCH_MLS_EXT_APPLICATION_ID;
	memcpy(&ge, &f.ext[0], sizeof(ge));
	{
		struct pouch_mls_extension two[2] = { ge, ge };

		f.ln.extensions.v = two;
		f.ln.extensions.n = 2;
		fx_leaf_sign(C, &f, 3);
		assert_int_equal(pouch_mls_tree_set_leaf(b->t, 3, &f.ln),
		    POUCH_OK);
	}
	assert_int_equal(validate(b->t, &ctx), POUCH_E_MALFORMED);
	base_free(b);
}

static void
broken_parent_hash(void **state)
{
	static const uint32_t three[] = { 3 };
	struct base *b = base_new();
	struct pouch_mls_leaf_ctx ctx = fx_ctx();
	struct fx_parent p;
	const struct pouch_mls_parent_node *root;

	(void)state;
	/* the root gets a new key (same unmerged list): node 1's parent
	 * hash no longer matches it */
	root = pouch_mls_tree_parent(b->t, 3);
	fx_parent_init(&p, root->unmerged_leaves, root->nunmerged);
	assert_int_equal(pouch_mls_tree_set_parent(b->t, 3, &p.pn), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_BAD_PARENT_HASH);
	base_free(b);
	/* a parent that nobody links to at all (with leaf 3 unmerged, as
	 * the root lists it) */
	b = base_new();
	fx_parent_init(&p, three, 1);
	assert_int_equal(pouch_mls_tree_set_parent(b->t, 5, &p.pn), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_BAD_PARENT_HASH);
	base_free(b);
}

static void
bad_unmerged_leaves(void **state)
{
	static const uint32_t blank1[] = { 3, 1 }, twice[] = { 3, 3 },
	    outside[] = { 2 }, beyond[] = { 9, 3 };
	struct base *b = base_new();
	struct pouch_mls_leaf_ctx ctx = fx_ctx();
	struct fx_parent p;
	const struct pouch_mls_parent_node *root;
	struct pouch_mls_parent_node pn;
	uint32_t leaf;

	(void)state;
	/* a stable copy: tree nodes are valid only until the tree changes */
	root = pouch_mls_tree_parent(b->t, 3);
	fx_parent_init(&p, NULL, 0);
	memcpy(p.enc_pub, root->encryption_key.p, 32);
	pn = p.pn;
	/* listed twice */
	pn.unmerged_leaves = (uint32_t *)twice;
	pn.nunmerged = 2;
	assert_int_equal(pouch_mls_tree_set_parent(b->t, 3, &pn), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_BAD_UNMERGED);
	/* a blank leaf */
	assert_int_equal(pouch_mls_tree_set_leaf(b->t, 1, NULL), POUCH_OK);
	pn.unmerged_leaves = (uint32_t *)blank1;
	assert_int_equal(pouch_mls_tree_set_parent(b->t, 3, &pn), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_BAD_UNMERGED);
	/* outside the tree */
	pn.unmerged_leaves = (uint32_t *)beyond;
	pn.nunmerged = 1;
	assert_int_equal(pouch_mls_tree_set_parent(b->t, 3, &pn), POUCH_OK);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_BAD_UNMERGED);
	base_free(b);
	/* not a descendant: node 1 lists leaf 2 */
	b = base_new();
	root = pouch_mls_tree_parent(b->t, 1);
	fx_parent_init(&p, NULL, 0);
	memcpy(p.enc_pub, root->encryption_key.p, 32);
	memcpy(p.parent_hash, root->parent_hash.p, root->parent_hash.n);
	p.pn.parent_hash.n = root->parent_hash.n;
	pn = p.pn;
	pn.unmerged_leaves = (uint32_t *)outside;
	pn.nunmerged = 1;
	assert_int_equal(pouch_mls_tree_set_parent(b->t, 1, &pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_check_unmerged(b->t),
	    POUCH_E_BAD_UNMERGED);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_BAD_UNMERGED);
	base_free(b);
	/* missing on an intermediate non-blank node: node 5 is set, then
	 * leaf 2 is removed and re-added: 5 and 3 list it; drop it from 5 */
	b = base_new();
	fx_parent_init(&p, beyond + 1, 1);
	assert_int_equal(pouch_mls_tree_set_parent(b->t, 5, &p.pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_set_leaf(b->t, 2, NULL), POUCH_OK);
	assert_int_equal(pouch_mls_tree_add_leaf(b->t, &b->l[2].ln, &leaf),
	    POUCH_OK);
	assert_int_equal(leaf, 2);
	assert_int_equal(pouch_mls_tree_check_unmerged(b->t), POUCH_OK);
	assert_int_equal(pouch_mls_tree_set_parent(b->t, 5, &p.pn), POUCH_OK);
	assert_int_equal(pouch_mls_tree_check_unmerged(b->t),
	    POUCH_E_BAD_UNMERGED);
	assert_int_equal(validate(b->t, &ctx), POUCH_E_BAD_UNMERGED);
	base_free(b);
}

static void
single_leaf_validation(void **state)
{
	struct base *b = base_new();
	struct pouch_mls_leaf_ctx ctx = fx_ctx();
	struct fx_leaf f, u;

	(void)state;
	/* a new member for leaf 1 (after removing it) */
	assert_int_equal(pouch_mls_tree_remove_leaf(b->t, 1), POUCH_OK);
	fx_leaf_init(C, &f, POUCH_MLS_LEAF_KEY_PACKAGE, 1);
	assert_int_equal(pouch_mls_leaf_validate(C, b->t, &f.ln, 1,
	    POUCH_MLS_LEAF_KEY_PACKAGE, &ctx), POUCH_OK);
	assert_int_equal(pouch_mls_leaf_validate(C, b->t, &f.ln, 1,
	    POUCH_MLS_LEAF_UPDATE, &ctx), POUCH_E_LEAF_SOURCE);
	ctx.check_lifetime = 1;
	ctx.now = 5000;
	assert_int_equal(pouch_mls_leaf_validate(C, b->t, &f.ln, 1, 0, &ctx),
	    POUCH_E_LIFETIME);
	ctx = fx_ctx();
	/* keys already in the tree */
	memcpy(f.enc_pub, b->l[2].enc_pub, 32);
	fx_leaf_sign(C, &f, 1);
	assert_int_equal(pouch_mls_leaf_validate(C, b->t, &f.ln, 1, 0, &ctx),
	    POUCH_E_DUP_ENCRYPTION_KEY);
	fx_leaf_init(C, &f, POUCH_MLS_LEAF_KEY_PACKAGE, 1);
	memcpy(f.sig_priv, b->l[2].sig_priv, 32);
	memcpy(f.sig_pub, b->l[2].sig_pub, 32);
	fx_leaf_sign(C, &f, 1);
	assert_int_equal(pouch_mls_leaf_validate(C, b->t, &f.ln, 1, 0, &ctx),
	    POUCH_E_DUP_SIGNATURE_KEY);
	/* an update of leaf 2 must change its encryption key; it may keep
	 * its signature key */
	fx_leaf_init(C, &u, POUCH_MLS_LEAF_UPDATE, 2);
	memcpy(u.sig_priv, b->l[2].sig_priv, 32);
	memcpy(u.sig_pub, b->l[2].sig_pub, 32);
	fx_leaf_sign(C, &u, 2);
	assert_int_equal(pouch_mls_leaf_validate(C, b->t, &u.ln, 2,
	    POUCH_MLS_LEAF_UPDATE, &ctx), POUCH_OK);
	memcpy(u.enc_pub, b->l[2].enc_pub, 32);
	fx_leaf_sign(C, &u, 2);
	assert_int_equal(pouch_mls_leaf_validate(C, b->t, &u.ln, 2,
	    POUCH_MLS_LEAF_UPDATE, &ctx), POUCH_E_DUP_ENCRYPTION_KEY);
	/* signed for another index */
	fx_leaf_init(C, &u, POUCH_MLS_LEAF_UPDATE, 3);
	assert_int_equal(pouch_mls_leaf_validate(C, b->t, &u.ln, 2,
	    POUCH_MLS_LEAF_UPDATE, &ctx), POUCH_E_BAD_SIGNATURE);
	/* a credential type leaf 0 does not support */
	fx_leaf_init(C, &f, POUCH_MLS_LEAF_KEY_PACKAGE, 1);
	f.ln.credential.type = POUCH_MLS_CRED_X509;
	f.ln.capabilities.credentials.n = 2;
	fx_leaf_sign(C, &f, 1);
	assert_int_equal(pouch_mls_leaf_validate(C, b->t, &f.ln, 1, 0, &ctx),
	    POUCH_E_CREDENTIAL_TYPE);
	assert_int_equal(pouch_mls_leaf_validate(C, b->t, &f.ln, 4, 0, &ctx),
	    POUCH_E_MISUSE);
	base_free(b);
}

/* Leaf i of a big tree: its signature key cut short (BAD_KEY). */
static void
short_key(struct pouch_mls_tree *t, struct fx_leaf *l, uint32_t i,
    struct fx_leaf *f)
{
	memcpy(f, &l[i], sizeof(*f));
	f->ln.signature_key.p = f->sig_pub;
	f->ln.signature_key.n = sizeof(f->sig_pub) - 1;
	f->ln.signature.p = f->sig;
	assert_int_equal(pouch_mls_tree_set_leaf(t, i, &f->ln), POUCH_OK);
}

/* Leaf i of a big tree: one bit of its signature flipped. */
static void
bad_sig(struct pouch_mls_tree *t, struct fx_leaf *l, uint32_t i,
    struct fx_leaf *f)
{
	memcpy(f, &l[i], sizeof(*f));
	f->sig[3] ^= 0x01;
	f->ln.signature.p = f->sig;
	assert_int_equal(pouch_mls_tree_set_leaf(t, i, &f->ln), POUCH_OK);
}

static void
restore(struct pouch_mls_tree *t, struct fx_leaf *l, uint32_t i)
{
	assert_int_equal(pouch_mls_tree_set_leaf(t, i, &l[i].ln), POUCH_OK);
}

static void
big_tree_signatures(void **state)
{
	enum { N = 256 };
	struct pouch_mls_leaf_ctx ctx = fx_ctx();
	struct fx_leaf *l, f1, f2;
	struct pouch_mls_tree *t;
	uint32_t i;

	(void)state;
	assert_non_null(l = calloc(N, sizeof(*l)));
	t = fx_tree(C, N, NULL, l);
	assert_int_equal(validate(t, &ctx), POUCH_OK);
	/* one bad leaf, in each quarter of the tree */
	for (i = 1; i < N; i += N / 4 + 3) {
		bad_sig(t, l, i, &f1);
		assert_int_equal(validate(t, &ctx), POUCH_E_BAD_SIGNATURE);
		restore(t, l, i);
		short_key(t, l, N - i, &f1);
		assert_int_equal(validate(t, &ctx), POUCH_E_BAD_KEY);
		restore(t, l, N - i);
	}
	assert_int_equal(validate(t, &ctx), POUCH_OK);
	/* two bad leaves far apart: the first one's error, either way */
	bad_sig(t, l, 5, &f1);
	short_key(t, l, N - 6, &f2);
	assert_int_equal(validate(t, &ctx), POUCH_E_BAD_SIGNATURE);
	restore(t, l, 5);
	restore(t, l, N - 6);
	short_key(t, l, 5, &f1);
	bad_sig(t, l, N - 6, &f2);
	assert_int_equal(validate(t, &ctx), POUCH_E_BAD_KEY);
	/* both in the last share */
	restore(t, l, 5);
	short_key(t, l, N - 2, &f1);
	assert_int_equal(validate(t, &ctx), POUCH_E_BAD_SIGNATURE);
	pouch_mls_tree_free(t);
	free(l);
}

/*
 * A tree just past a power of two: 512 leaves, members at 0..255 and at
 * 256, 300 and 511, the rest blank.  The shares split the members, not
 * the leaf indices; a bad leaf anywhere, in particular among the few on
 * the right, is still found, and the first bad one in leaf order wins.
 */
static void
lopsided_tree_signatures(void **state)
{
	enum { N = 512 };
	static const uint32_t right[] = { 256, 300, 511 };
	struct pouch_mls_leaf_ctx ctx = fx_ctx();
	struct fx_leaf *l, f1, f2;
	struct pouch_mls_tree *t;
	int *used;
	size_t i;

	(void)state;
	assert_non_null(l = calloc(N, sizeof(*l)));
	assert_non_null(used = calloc(N, sizeof(*used)));
	for (i = 0; i < 256; i++)
		used[i] = 1;
	for (i = 0; i < sizeof(right) / sizeof(right[0]); i++)
		used[right[i]] = 1;
	t = fx_tree(C, N, used, l);
	assert_int_equal(validate(t, &ctx), POUCH_OK);
	for (i = 0; i < sizeof(right) / sizeof(right[0]); i++) {
		bad_sig(t, l, right[i], &f1);
		assert_int_equal(validate(t, &ctx), POUCH_E_BAD_SIGNATURE);
		restore(t, l, right[i]);
	}
	/* leaf 129 (among the first members) before 511 (the last) */
	bad_sig(t, l, 129, &f1);
	assert_int_equal(validate(t, &ctx), POUCH_E_BAD_SIGNATURE);
	short_key(t, l, 511, &f2);
	assert_int_equal(validate(t, &ctx), POUCH_E_BAD_SIGNATURE);
	restore(t, l, 129);
	assert_int_equal(validate(t, &ctx), POUCH_E_BAD_KEY);
	restore(t, l, 511);
	assert_int_equal(validate(t, &ctx), POUCH_OK);
	pouch_mls_tree_free(t);
	free(used);
	free(l);
}

static void
empty_tree(void **state)
{
	struct pouch_mls_tree *t;
	struct pouch_mls_leaf_ctx ctx = fx_ctx();

	(void)state;
	assert_int_equal(pouch_mls_tree_new(fx_suite(), &t), POUCH_OK);
	assert_int_equal(validate(t, &ctx), POUCH_E_BAD_TREE);
	assert_int_equal(pouch_mls_tree_validate(C, t, NULL, NULL, 0),
	    POUCH_E_MISUSE);
	pouch_mls_tree_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_tree_passes_unchanged),
		cmocka_unit_test(bad_leaf_signature),
		cmocka_unit_test(duplicate_encryption_key),
		cmocka_unit_test(duplicate_signature_key),
		cmocka_unit_test(lifetime),
		cmocka_unit_test(unsupported_credential_type),
		cmocka_unit_test(capabilities),
		cmocka_unit_test(broken_parent_hash),
		cmocka_unit_test(bad_unmerged_leaves),
		cmocka_unit_test(single_leaf_validation),
		cmocka_unit_test(empty_tree),
		cmocka_unit_test(big_tree_signatures),
		cmocka_unit_test(lopsided_tree_signatures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
