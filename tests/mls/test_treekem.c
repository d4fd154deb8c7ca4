/*
 * test_treekem.c - mls/treekem: an UpdatePath made by one member
 * decrypts at every other member to the same commit secret and the same
 * tree; tampering is rejected with its own error and changes neither
 * the tree nor the key store; members added by the same commit are left
 * out of the resolutions.
 */
#include "tree_fixture.h"

#include "hpke/hpke.h"
#include "mls/treekem.h"

#define N	8
#define BLANK	6	/* leaf 6 stays blank */

struct member {
	struct fx_leaf			 f;
	struct pouch_mls_tree		*t;
	struct pouch_mls_tree_privkeys	*k;
	int				 used;
};

struct world {
	struct pouch_crypto		*c;
	struct member			 m[N + 1];
	struct pouch_mls_group_context	 gc;
	uint8_t				 cth[32];
	struct pouch_mls_arena		 a;
};

/* Give fx leaf f a real X25519 key pair; sk gets the private key. */
static void
real_key(const struct pouch_crypto *c, struct fx_leaf *f, uint32_t leaf,
    uint8_t sk[32])
{
	size_t sklen, pklen;

	assert_int_equal(pouch_hpke_generate_keypair(c, POUCH_HPKE_KEM_X25519,
	    sk, 32, &sklen, f->enc_pub, sizeof(f->enc_pub), &pklen), POUCH_OK);
	assert_int_equal(sklen, 32);
	fx_leaf_sign(c, f, leaf);
}

static int
setup(void **state)
{
	struct world *w;
	struct pouch_mls_tree *t;
	uint8_t sk[32];
	uint32_t i;

	w = calloc(1, sizeof(*w));
	assert_non_null(w);
	assert_int_equal(pouch_crypto_new(&w->c), POUCH_OK);
	assert_int_equal(pouch_mls_tree_new(fx_suite(), &t), POUCH_OK);
	while (pouch_mls_tree_leaves(t) < N)
		assert_int_equal(pouch_mls_tree_extend(t), POUCH_OK);
	for (i = 0; i < N; i++) {
		if (i == BLANK)
			continue;
		w->m[i].used = 1;
		fx_leaf_init(w->c, &w->m[i].f, POUCH_MLS_LEAF_KEY_PACKAGE, i);
		real_key(w->c, &w->m[i].f, i, sk);
		assert_int_equal(pouch_mls_tree_set_leaf(t, i, &w->m[i].f.ln),
		    POUCH_OK);
		assert_int_equal(pouch_mls_tree_privkeys_new(fx_suite(),
		    &w->m[i].k), POUCH_OK);
		assert_int_equal(pouch_mls_tree_privkeys_set(w->m[i].k, 2 * i,
		    sk, 32, w->m[i].f.enc_pub, 32), POUCH_OK);
	}
	for (i = 0; i < N; i++)
		if (w->m[i].used)
			assert_int_equal(pouch_mls_tree_clone(t, &w->m[i].t),
			    POUCH_OK);
	pouch_mls_tree_free(t);
	w->gc.version = POUCH_MLS_VERSION_10;
	w->gc.cipher_suite = 1;
	w->gc.group_id.p = (const uint8_t *)FX_GROUP;
	w->gc.group_id.n = FX_GROUP_LEN;
	w->gc.epoch = 7;
	w->gc.confirmed_transcript_hash.p = w->cth;
	w->gc.confirmed_transcript_hash.n = sizeof(w->cth);
	pouch_mls_arena_init_limits(&w->a, NULL);
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;
	size_t i;

	for (i = 0; i <= N; i++) {
		pouch_mls_tree_free(w->m[i].t);
		pouch_mls_tree_privkeys_free(w->m[i].k);
	}
	pouch_mls_arena_free(&w->a);
	pouch_crypto_free(w->c);
	free(w);
	return 0;
}

/* Member s commits a path (excluding ex[0..nex)); o gets the result. */
static void
encap(struct world *w, uint32_t s, const uint32_t *ex, size_t nex,
    struct pouch_mls_path_out *o)
{
	struct pouch_mls_path_params p;

	memset(&p, 0, sizeof(p));
	p.leaf = s;
	p.excluded = ex;
	p.nexcluded = nex;
	p.gc = &w->gc;
	p.leaf_tmpl = pouch_mls_tree_leaf(w->m[s].t, s);
	p.sig_priv = w->m[s].f.sig_priv;
	p.sig_privlen = sizeof(w->m[s].f.sig_priv);
	assert_int_equal(pouch_mls_treekem_encap(w->c, &w->m[s].t, w->m[s].k,
	    &p, &w->a, o), POUCH_OK);
}

/* Every other member applies o; all agree on secret and tree hash. */
static void
everyone_applies(struct world *w, uint32_t s,
    const struct pouch_mls_path_out *o)
{
	uint8_t cs[POUCH_HASH_MAX], h0[POUCH_HASH_MAX], h[POUCH_HASH_MAX];
	uint32_t j;

	assert_int_equal(pouch_mls_tree_root_hash(w->c, w->m[s].t, h0),
	    POUCH_OK);
	for (j = 0; j < N; j++) {
		if (j == s || !w->m[j].used)
			continue;
		assert_int_equal(pouch_mls_treekem_apply(w->c, &w->m[j].t,
		    w->m[j].k, j, s, &o->path, NULL, 0, &w->gc, NULL, cs),
		    POUCH_OK);
		assert_memory_equal(cs, o->commit_secret, 32);
		assert_int_equal(pouch_mls_tree_root_hash(w->c, w->m[j].t, h),
		    POUCH_OK);
		assert_memory_equal(h, h0, 32);
	}
}

static void
treekem_path_decrypts_at_every_leaf(void **state)
{
	struct world *w = *state;
	struct pouch_mls_path_out o;

	/* Blank parents first, then a tree full of keys, twice. */
	encap(w, 0, NULL, 0, &o);
	assert_int_equal(o.path.n, 3);
	everyone_applies(w, 0, &o);
	encap(w, 5, NULL, 0, &o);
	everyone_applies(w, 5, &o);
	encap(w, 3, NULL, 0, &o);
	everyone_applies(w, 3, &o);
	/* leaf + its whole direct path */
	assert_int_equal(pouch_mls_tree_privkeys_count(w->m[3].k), 4);
	pouch_mls_path_out_clear(&o);
}

/* A copy of path in the arena whose ciphertexts can be changed. */
static struct pouch_mls_update_path
path_copy(struct world *w, const struct pouch_mls_update_path *in)
{
	struct pouch_mls_update_path up = *in;
	void *arr;
	size_t i, j;

	assert_int_equal(pouch_mls_arena_array(&w->a, in->n,
	    sizeof(*up.nodes), &arr), POUCH_OK);
	up.nodes = arr;
	for (i = 0; i < in->n; i++) {
		up.nodes[i] = in->nodes[i];
		assert_int_equal(pouch_mls_arena_array(&w->a,
		    in->nodes[i].nsecrets, sizeof(*up.nodes[i].secrets), &arr),
		    POUCH_OK);
		up.nodes[i].secrets = arr;
		for (j = 0; j < in->nodes[i].nsecrets; j++) {
			up.nodes[i].secrets[j] = in->nodes[i].secrets[j];
			assert_int_equal(pouch_mls_arena_copy(&w->a,
			    in->nodes[i].secrets[j].ciphertext.p,
			    in->nodes[i].secrets[j].ciphertext.n,
			    &up.nodes[i].secrets[j].ciphertext.p), POUCH_OK);
		}
	}
	return up;
}

/* Apply must fail with want and leave member j exactly as it was. */
static void
rejected_unchanged(struct world *w, uint32_t j, uint32_t s,
    const struct pouch_mls_update_path *up, int want)
{
	struct pouch_mls_tree *before = w->m[j].t;
	uint8_t *enc0, *enc1, cs[POUCH_HASH_MAX], sk0[32];
	const uint8_t *sk;
	size_t len0, len1, n0, sklen;

	n0 = pouch_mls_tree_privkeys_count(w->m[j].k);
	sk = pouch_mls_tree_privkeys_get(w->m[j].k, 2 * j, &sklen);
	assert_non_null(sk);
	memcpy(sk0, sk, 32);
	enc0 = fx_encode(before, &len0);
	assert_int_equal(pouch_mls_treekem_apply(w->c, &w->m[j].t, w->m[j].k,
	    j, s, up, NULL, 0, &w->gc, NULL, cs), want);
	assert_ptr_equal(w->m[j].t, before);
	enc1 = fx_encode(w->m[j].t, &len1);
	assert_int_equal(len0, len1);
	assert_memory_equal(enc0, enc1, len0);
	assert_int_equal(pouch_mls_tree_privkeys_count(w->m[j].k), n0);
	sk = pouch_mls_tree_privkeys_get(w->m[j].k, 2 * j, &sklen);
	assert_non_null(sk);
	assert_memory_equal(sk, sk0, 32);
	pouch_wr_buf_free(enc0, len0);
	pouch_wr_buf_free(enc1, len1);
}

static void
treekem_tampered_ciphertext_rejected(void **state)
{
	struct world *w = *state;
	struct pouch_mls_path_out o;
	struct pouch_mls_update_path up;
	size_t i, j;

	encap(w, 0, NULL, 0, &o);
	everyone_applies(w, 0, &o);
	encap(w, 2, NULL, 0, &o);
	up = path_copy(w, &o.path);
	for (i = 0; i < up.n; i++)
		for (j = 0; j < up.nodes[i].nsecrets; j++)
			((uint8_t *)up.nodes[i].secrets[j].ciphertext.p)[3] ^= 1;
	rejected_unchanged(w, 1, 2, &up, POUCH_E_DECRYPT);
	rejected_unchanged(w, 7, 2, &up, POUCH_E_DECRYPT);
	/* A missing ciphertext is a shape error, found before any work. */
	up.nodes[up.n - 1].nsecrets--;
	rejected_unchanged(w, 7, 2, &up, POUCH_E_PATH_SHAPE);
	/* The honest path still works afterwards. */
	everyone_applies(w, 2, &o);
	pouch_mls_path_out_clear(&o);
}

static void
treekem_public_key_mismatch_rejected(void **state)
{
	struct world *w = *state;
	struct pouch_mls_path_out o;
	struct pouch_mls_update_path up;
	struct pouch_mls_tree *t = NULL;
	uint8_t *gcb, cs[POUCH_HASH_MAX], other[32];
	size_t gclen, n0;

	encap(w, 4, NULL, 0, &o);
	up = o.path;
	up.nodes = malloc(up.n * sizeof(*up.nodes));
	assert_non_null(up.nodes);
	memcpy(up.nodes, o.path.nodes, up.n * sizeof(*up.nodes));
	fx_random(other, sizeof(other));
	up.nodes[up.n - 1].encryption_key.p = other;	/* the root */
	/* Merging it breaks the parent-hash chain... */
	rejected_unchanged(w, 1, 4, &up, POUCH_E_BAD_PARENT_HASH);
	/* ...and decrypting it against the honest merge is PATH_KEY. */
	assert_int_equal(pouch_mls_tree_clone(w->m[1].t, &t), POUCH_OK);
	assert_int_equal(pouch_mls_treekem_merge(w->c, &t, 4, &o.path, NULL,
	    0), POUCH_OK);
	assert_int_equal(pouch_mls_treekem_context(w->c, t, &w->gc, &gcb,
	    &gclen), POUCH_OK);
	n0 = pouch_mls_tree_privkeys_count(w->m[1].k);
	assert_int_equal(pouch_mls_treekem_decap(w->c, t, w->m[1].k, 1, 4,
	    &up, NULL, 0, gcb, gclen, NULL, cs), POUCH_E_PATH_KEY);
	assert_int_equal(pouch_mls_tree_privkeys_count(w->m[1].k), n0);
	assert_int_equal(pouch_mls_treekem_decap(w->c, t, w->m[1].k, 1, 4,
	    &o.path, NULL, 0, gcb, gclen, NULL, cs), POUCH_OK);
	assert_memory_equal(cs, o.commit_secret, 32);
	pouch_wr_buf_free(gcb, gclen);
	pouch_mls_tree_free(t);
	free(up.nodes);
	pouch_mls_path_out_clear(&o);
}

static void
treekem_new_members_excluded(void **state)
{
	struct world *w = *state;
	struct pouch_mls_path_out o;
	struct pouch_mls_tree *t;
	uint8_t sk[32], cs[POUCH_HASH_MAX];
	uint32_t nl = 0, j, ex[1];
	size_t with;

	/* Fill the parents, then everyone adds one member at leaf 6. */
	encap(w, 0, NULL, 0, &o);
	everyone_applies(w, 0, &o);
	fx_leaf_init(w->c, &w->m[N].f, POUCH_MLS_LEAF_KEY_PACKAGE, BLANK);
	real_key(w->c, &w->m[N].f, BLANK, sk);
	for (j = 0; j < N; j++) {
		if (!w->m[j].used)
			continue;
		assert_int_equal(pouch_mls_tree_add_leaf(w->m[j].t,
		    &w->m[N].f.ln, &nl), POUCH_OK);
		assert_int_equal(nl, BLANK);
	}
	/* Without exclusion the root's copath node holds the new member. */
	assert_int_equal(pouch_mls_tree_clone(w->m[0].t, &t), POUCH_OK);
	w->m[N].t = t;
	encap(w, 0, NULL, 0, &o);
	with = o.path.nodes[o.path.n - 1].nsecrets;
	/* Discard that commit: member 0 starts over from the copy. */
	pouch_mls_tree_free(w->m[0].t);
	w->m[0].t = w->m[N].t;
	assert_int_equal(pouch_mls_tree_clone(w->m[0].t, &w->m[N].t),
	    POUCH_OK);
	ex[0] = BLANK;
	encap(w, 0, ex, 1, &o);
	assert_int_equal(o.path.nodes[o.path.n - 1].nsecrets, with - 1);
	for (j = 1; j < N; j++) {
		if (!w->m[j].used)
			continue;
		assert_int_equal(pouch_mls_treekem_apply(w->c, &w->m[j].t,
		    w->m[j].k, j, 0, &o.path, ex, 1, &w->gc, NULL, cs),
		    POUCH_OK);
		assert_memory_equal(cs, o.commit_secret, 32);
	}
	/* The new member, with its leaf key, has nothing to decrypt. */
	assert_int_equal(pouch_mls_tree_privkeys_new(fx_suite(), &w->m[N].k),
	    POUCH_OK);
	assert_int_equal(pouch_mls_tree_privkeys_set(w->m[N].k, 2 * BLANK,
	    sk, 32, w->m[N].f.enc_pub, 32), POUCH_OK);
	assert_int_equal(pouch_mls_treekem_apply(w->c, &w->m[N].t, w->m[N].k,
	    BLANK, 0, &o.path, ex, 1, &w->gc, NULL, cs), POUCH_E_NO_PATH_KEY);
	pouch_mls_path_out_clear(&o);
}

static void
treekem_privkeys_store(void **state)
{
	struct world *w = *state;
	struct pouch_mls_tree_privkeys *k = NULL;
	uint8_t sk[32], pk[32];
	size_t len;
	uint32_t i;

	(void)w;
	memset(sk, 7, sizeof(sk));
	memset(pk, 9, sizeof(pk));
	assert_int_equal(pouch_mls_tree_privkeys_new(fx_suite(), &k),
	    POUCH_OK);
	for (i = 0; i < POUCH_MLS_PRIVKEYS_MAX; i++)
		assert_int_equal(pouch_mls_tree_privkeys_set(k, i, sk, 32, pk,
		    32), POUCH_OK);
	assert_int_equal(pouch_mls_tree_privkeys_set(k, 1000, sk, 32, pk, 32),
	    POUCH_E_LIMIT);
	/* replacing an existing node is not growth */
	assert_int_equal(pouch_mls_tree_privkeys_set(k, 3, pk, 32, sk, 32),
	    POUCH_OK);
	assert_memory_equal(pouch_mls_tree_privkeys_get(k, 3, &len), pk, 32);
	pouch_mls_tree_privkeys_remove(k, 3);
	assert_null(pouch_mls_tree_privkeys_get(k, 3, &len));
	assert_int_equal(len, 0);
	assert_int_equal(pouch_mls_tree_privkeys_count(k),
	    POUCH_MLS_PRIVKEYS_MAX - 1);
	assert_int_equal(pouch_mls_tree_privkeys_set(k, 1, sk, 0, pk, 32),
	    POUCH_E_MISUSE);
	pouch_mls_tree_privkeys_free(k);
	pouch_mls_tree_privkeys_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    treekem_path_decrypts_at_every_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    treekem_tampered_ciphertext_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    treekem_public_key_mismatch_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    treekem_new_members_excluded, setup, teardown),
		cmocka_unit_test_setup_teardown(treekem_privkeys_store, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
