/*
 * test_secret_tree.c - src/mls/secret_tree.c (RFC 9420 9, 9.2, 6.3.2).
 *
 * The source is included so that the tests can count derivations (the
 * labelled operations are wrapped before the include), snapshot the whole
 * store byte for byte, and search its memory for deleted secrets.  Keys
 * are checked against a reference derivation written here from the RFC
 * text with the suite's labelled operations and tree math.  Behaviours:
 * in-order and out-of-order use within the window; a generation beyond
 * the window refused at once, with no derivation (up to 2^32 - 1); replay
 * of a consumed or evicted generation refused; a failed get or consume
 * leaves the store byte-identical; used keys and consumed node and ratchet
 * secrets are gone from memory; the limits are configurable; a ratchet
 * ends at generation 2^32 - 1; every allocation failure of consume leaves
 * the store byte-identical; trees of 2^31 leaves.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>

#include "mls/suite.h"

/* ---- derivation counting: wrap the labelled operations ------------- */

static unsigned long n_derive;
static int forbid_derive;		/* any derivation fails the test */

static int
count_ewl(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const uint8_t *secret, size_t secretlen, const char *label,
    const uint8_t *context, size_t contextlen, uint8_t *out, size_t len)
{
	n_derive++;
	if (forbid_derive)
		fail_msg("ExpandWithLabel where nothing may be derived");
	return pouch_mls_expand_with_label(c, s, secret, secretlen, label,
	    context, contextlen, out, len);
}

static int
count_dts(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const uint8_t *secret, size_t secretlen, const char *label,
    uint32_t generation, uint8_t *out, size_t len)
{
	n_derive++;
	if (forbid_derive)
		fail_msg("DeriveTreeSecret where nothing may be derived");
	return pouch_mls_derive_tree_secret(c, s, secret, secretlen, label,
	    generation, out, len);
}

#define pouch_mls_expand_with_label	count_ewl
#define pouch_mls_derive_tree_secret	count_dts
#include "mls/secret_tree.c"
#undef pouch_mls_expand_with_label
#undef pouch_mls_derive_tree_secret

/* ---- allocation failure injection (OpenSSL allocator) -------------- */

static long alloc_countdown = -1;	/* -1: never fail */

static void *
t_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	if (alloc_countdown == 0)
		return NULL;
	if (alloc_countdown > 0)
		alloc_countdown--;
	return malloc(n);
}

static void *
t_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	if (alloc_countdown == 0)
		return NULL;
	if (alloc_countdown > 0)
		alloc_countdown--;
	return realloc(p, n);
}

static void
t_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/* ---- fixture ------------------------------------------------------- */

struct fx {
	struct pouch_crypto		*c;
	const struct pouch_mls_suite	*s;
	uint8_t				 enc[POUCH_HASH_MAX];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	size_t i;

	if (f == NULL || pouch_crypto_new(&f->c) != POUCH_OK)
		return -1;
	f->s = pouch_mls_suite_get(1);
	for (i = 0; i < sizeof(f->enc); i++)
		f->enc[i] = (uint8_t)(0xa0 + i);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	pouch_crypto_free(f->c);
	free(f);
	return 0;
}

/* ---- reference derivation, straight from RFC 9420 9 and 9.1 ------- */

static void
ref_key(const struct fx *f, uint32_t n_leaves, uint32_t leaf, int type,
    uint32_t gen, uint8_t *key, uint8_t *nonce)
{
	const struct pouch_mls_suite *s = f->s;
	uint8_t sec[POUCH_HASH_MAX], nx[POUCH_HASH_MAX];
	uint32_t node = pouch_mls_tm_root(n_leaves), x = 2 * leaf, j;
	int right;

	memcpy(sec, f->enc, s->nh);
	while (node != x) {
		right = x > node;
		assert_int_equal(pouch_mls_expand_with_label(f->c, s, sec,
		    s->nh, "tree", (const uint8_t *)(right ? "right" : "left"),
		    right ? 5 : 4, nx, s->nh), POUCH_OK);
		memcpy(sec, nx, s->nh);
		node = right ? pouch_mls_tm_right(node) :
		    pouch_mls_tm_left(node);
	}
	assert_int_equal(pouch_mls_expand_with_label(f->c, s, sec, s->nh,
	    type == 0 ? "handshake" : "application", NULL, 0, nx, s->nh),
	    POUCH_OK);
	memcpy(sec, nx, s->nh);
	for (j = 0; j < gen; j++) {
		assert_int_equal(pouch_mls_derive_tree_secret(f->c, s, sec,
		    s->nh, "secret", j, nx, s->nh), POUCH_OK);
		memcpy(sec, nx, s->nh);
	}
	assert_int_equal(pouch_mls_derive_tree_secret(f->c, s, sec, s->nh,
	    "key", gen, key, s->nk), POUCH_OK);
	assert_int_equal(pouch_mls_derive_tree_secret(f->c, s, sec, s->nh,
	    "nonce", gen, nonce, s->nn), POUCH_OK);
}

static int
is_zero_mem(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* get + compare with the reference (+ consume when commit is set). */
static void
use(const struct fx *f, struct pouch_mls_secret_tree *st, uint32_t leaf,
    int type, uint32_t gen, int commit)
{
	struct pouch_mls_st_key k;
	uint8_t key[POUCH_AEAD_KEY_MAX], nonce[POUCH_AEAD_NONCE_BYTES];

	ref_key(f, st->n_leaves, leaf, type, gen, key, nonce);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, leaf, type, gen,
	    &k), POUCH_OK);
	assert_int_equal(k.keylen, f->s->nk);
	assert_int_equal(k.noncelen, f->s->nn);
	assert_memory_equal(k.key, key, f->s->nk);
	assert_memory_equal(k.nonce, nonce, f->s->nn);
	if (commit) {
		assert_int_equal(pouch_mls_secret_tree_consume(f->c, st, &k),
		    POUCH_OK);
		assert_true(is_zero_mem(&k, sizeof(k)));
	}
	pouch_mls_st_key_clear(&k);
}

/* ---- snapshots of the whole store ---------------------------------- */

struct snap {
	uint8_t	*b;
	size_t	 len;
	size_t	 cap;
};

static void
snap_add(struct snap *sn, const void *p, size_t n)
{
	if (sn->len + n > sn->cap) {
		sn->cap = (sn->len + n) * 2;
		sn->b = realloc(sn->b, sn->cap);
		assert_non_null(sn->b);
	}
	memcpy(sn->b + sn->len, p, n);
	sn->len += n;
}

/* Every byte the store owns, pointers included. */
static struct snap
snapshot(const struct pouch_mls_secret_tree *st)
{
	struct snap sn = { NULL, 0, 0 };
	size_t i;
	int t;

	snap_add(&sn, st, sizeof(*st));
	snap_add(&sn, st->slots, st->cap * sizeof(st->slots[0]));
	for (i = 0; i < st->cap; i++) {
		if (st->slots[i].lr == NULL)
			continue;
		snap_add(&sn, st->slots[i].lr, sizeof(*st->slots[i].lr));
		for (t = 0; t < 2; t++)
			if (st->slots[i].lr->r[t].sk != NULL)
				snap_add(&sn, st->slots[i].lr->r[t].sk,
				    st->slots[i].lr->r[t].capsk *
				    sizeof(struct skipped));
	}
	return sn;
}

static void
assert_same(struct snap *a, const struct pouch_mls_secret_tree *st)
{
	struct snap b = snapshot(st);

	assert_int_equal(a->len, b.len);
	assert_memory_equal(a->b, b.b, a->len);
	free(b.b);
}

static int
mem_has(const struct snap *sn, const uint8_t *needle, size_t n)
{
	size_t i;

	for (i = 0; i + n <= sn->len; i++)
		if (memcmp(sn->b + i, needle, n) == 0)
			return 1;
	return 0;
}

/* ---- tests --------------------------------------------------------- */

static void
in_order_and_out_of_order(void **state)
{
	struct fx *f = *state;
	struct pouch_mls_secret_tree *st = NULL;

	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, 8, NULL,
	    &st), POUCH_OK);
	use(f, st, 3, POUCH_MLS_RATCHET_APPLICATION, 0, 1);
	use(f, st, 3, POUCH_MLS_RATCHET_APPLICATION, 1, 1);
	/* jump ahead to 9, then the skipped ones in any order */
	use(f, st, 3, POUCH_MLS_RATCHET_APPLICATION, 9, 1);
	use(f, st, 3, POUCH_MLS_RATCHET_APPLICATION, 5, 1);
	use(f, st, 3, POUCH_MLS_RATCHET_APPLICATION, 2, 1);
	use(f, st, 3, POUCH_MLS_RATCHET_APPLICATION, 8, 1);
	use(f, st, 3, POUCH_MLS_RATCHET_APPLICATION, 10, 1);
	/* the handshake ratchet of the same leaf is independent */
	use(f, st, 3, POUCH_MLS_RATCHET_HANDSHAKE, 4, 1);
	use(f, st, 3, POUCH_MLS_RATCHET_HANDSHAKE, 0, 1);
	/* other leaves, first use out of order */
	use(f, st, 7, POUCH_MLS_RATCHET_HANDSHAKE, 3, 1);
	use(f, st, 0, POUCH_MLS_RATCHET_APPLICATION, 0, 1);
	use(f, st, 2, POUCH_MLS_RATCHET_APPLICATION, 6, 0);
	use(f, st, 2, POUCH_MLS_RATCHET_APPLICATION, 6, 1);
	/* still-kept generations remain */
	use(f, st, 3, POUCH_MLS_RATCHET_APPLICATION, 3, 1);
	use(f, st, 7, POUCH_MLS_RATCHET_HANDSHAKE, 1, 1);
	pouch_mls_secret_tree_free(st);
}

static void
every_leaf_random_order(void **state)
{
	struct fx *f = *state;
	struct pouch_mls_secret_tree *st = NULL;
	uint32_t order[200], i, j, t, n = 200;
	uint64_t seed = 0x1234567;

	/* 200 leaves (not a power of two), shuffled: the table grows and
	 * deletes under load */
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		j = (uint32_t)(seed % (i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, n, NULL,
	    &st), POUCH_OK);
	for (i = 0; i < n; i++)
		use(f, st, order[i], (int)(order[i] & 1), order[i] % 3, 1);
	for (i = 0; i < n; i++)
		use(f, st, order[i], !(order[i] & 1), 0, 1);
	/* every leaf has its ratchets; the only node secrets left cover
	 * leaves past n (the enclosing full tree has 256) */
	for (i = 0, j = 0; i < st->cap; i++) {
		struct slot *sl = &st->slots[i];
		uint32_t k = pouch_mls_tm_level(sl->node);

		if (sl->state == SLOT_LEAF)
			j++;
		else if (sl->state == SLOT_SECRET)
			assert_true((sl->node - ((1U << k) - 1)) / 2 >= n);
	}
	assert_int_equal(j, n);
	pouch_mls_secret_tree_free(st);
}

static void
beyond_window_rejected_without_deriving(void **state)
{
	struct fx *f = *state;
	struct pouch_mls_st_limits lim = { 10, 10 };
	struct pouch_mls_secret_tree *st = NULL;
	struct pouch_mls_st_key k;
	struct snap sn;

	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, 1U << 20,
	    &lim, &st), POUCH_OK);
	sn = snapshot(st);
	n_derive = 0;
	forbid_derive = 1;
	/* a fresh leaf: the window starts at 0 */
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 5, 1,
	    UINT32_MAX, &k), POUCH_E_LIMIT);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 5, 1, 11, &k),
	    POUCH_E_LIMIT);
	k.leaf = 5;
	k.type = 1;
	k.generation = UINT32_MAX;
	assert_int_equal(pouch_mls_secret_tree_consume(f->c, st, &k),
	    POUCH_E_LIMIT);
	forbid_derive = 0;
	assert_int_equal(n_derive, 0);
	assert_same(&sn, st);
	free(sn.b);
	/* the edge of the window is accepted */
	use(f, st, 5, 1, 10, 1);
	sn = snapshot(st);
	n_derive = 0;
	forbid_derive = 1;
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 5, 1,
	    UINT32_MAX, &k), POUCH_E_LIMIT);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 5, 1, 22, &k),
	    POUCH_E_LIMIT);
	forbid_derive = 0;
	assert_int_equal(n_derive, 0);
	assert_same(&sn, st);
	free(sn.b);
	use(f, st, 5, 1, 21, 1);
	pouch_mls_secret_tree_free(st);
}

static void
replay_rejected(void **state)
{
	struct fx *f = *state;
	struct pouch_mls_secret_tree *st = NULL;
	struct pouch_mls_st_key k;
	struct snap sn;

	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, 4, NULL,
	    &st), POUCH_OK);
	use(f, st, 1, 1, 3, 1);
	use(f, st, 1, 1, 0, 1);
	sn = snapshot(st);
	n_derive = 0;
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 1, 1, 3, &k),
	    POUCH_E_REPLAY);
	assert_true(is_zero_mem(&k, sizeof(k)));
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 1, 1, 0, &k),
	    POUCH_E_REPLAY);
	memset(&k, 0, sizeof(k));
	k.leaf = 1;
	k.type = 1;
	k.generation = 3;
	assert_int_equal(pouch_mls_secret_tree_consume(f->c, st, &k),
	    POUCH_E_REPLAY);
	assert_int_equal(n_derive, 0);
	assert_same(&sn, st);
	free(sn.b);
	/* 1 and 2 are still there, once each */
	use(f, st, 1, 1, 2, 1);
	use(f, st, 1, 1, 1, 1);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 1, 1, 2, &k),
	    POUCH_E_REPLAY);
	pouch_mls_secret_tree_free(st);
}

static void
failed_lookup_leaves_state(void **state)
{
	struct fx *f = *state;
	struct pouch_mls_secret_tree *st = NULL;
	struct pouch_mls_st_key k;
	struct snap sn;

	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, 16, NULL,
	    &st), POUCH_OK);
	use(f, st, 6, 0, 4, 1);
	sn = snapshot(st);
	/* a successful get, then the message fails to decrypt: no change */
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 6, 0, 2, &k),
	    POUCH_OK);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 6, 0, 7, &k),
	    POUCH_OK);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 9, 1, 30, &k),
	    POUCH_OK);
	assert_int_equal(pouch_mls_secret_tree_get_next(f->c, st, 6, 0, &k),
	    POUCH_OK);
	assert_int_equal(k.generation, 5);
	pouch_mls_st_key_clear(&k);
	/* and failing ones */
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 16, 0, 0, &k),
	    POUCH_E_MALFORMED);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 6, 2, 0, &k),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 6, 0, 4, &k),
	    POUCH_E_REPLAY);
	k.leaf = 16;
	assert_int_equal(pouch_mls_secret_tree_consume(f->c, st, &k),
	    POUCH_E_MALFORMED);
	assert_same(&sn, st);
	free(sn.b);
	pouch_mls_secret_tree_free(st);
}

static void
consumed_secrets_wiped(void **state)
{
	struct fx *f = *state;
	struct pouch_mls_secret_tree *st = NULL;
	struct pouch_mls_st_key k, k2;
	uint8_t r0[POUCH_HASH_MAX], r1[POUCH_HASH_MAX];
	struct ratchet *r;
	struct snap sn;
	size_t nh = f->s->nh;

	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, 4, NULL,
	    &st), POUCH_OK);
	/* the root secret is in the store until it is split */
	sn = snapshot(st);
	assert_true(mem_has(&sn, f->enc, nh));
	free(sn.b);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 0, 1, 0, &k),
	    POUCH_OK);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 0, 1, 2, &k2),
	    POUCH_OK);
	assert_int_equal(pouch_mls_secret_tree_consume(f->c, st, &k2),
	    POUCH_OK);
	r = find_ratchet(st, 0, 1);
	assert_non_null(r);
	assert_int_equal(r->next, 3);
	assert_int_equal(r->nsk, 2);
	sn = snapshot(st);
	/* root split: encryption_secret gone; generation 2 key gone; the
	 * key of 0 kept for a late message */
	assert_false(mem_has(&sn, f->enc, nh));
	assert_true(mem_has(&sn, k.key, k.keylen));
	free(sn.b);
	memcpy(r0, k.key, k.keylen);
	assert_int_equal(pouch_mls_secret_tree_consume(f->c, st, &k),
	    POUCH_OK);
	assert_true(is_zero_mem(&k, sizeof(k)));
	sn = snapshot(st);
	assert_false(mem_has(&sn, r0, f->s->nk));
	assert_int_equal(r->nsk, 1);
	assert_int_equal(r->sk[0].gen, 1);
	free(sn.b);
	/* the last kept key used: the array, capacity included, is zero */
	use(f, st, 0, 1, 1, 1);
	assert_int_equal(r->nsk, 0);
	assert_true(is_zero_mem(r->sk, r->capsk * sizeof(r->sk[0])));
	/* ratchet secret of generation 3, once advanced past, is gone */
	memcpy(r1, r->secret, nh);
	use(f, st, 0, 1, 3, 1);
	sn = snapshot(st);
	assert_false(mem_has(&sn, r1, nh));
	free(sn.b);
	/* leaf 0's node secret and the parent (node 1) are gone; leaf 1's
	 * node secret (the sibling) and node 5 are kept */
	assert_null(slot_find(st, 1));
	assert_null(slot_find(st, 3));
	assert_non_null(slot_find(st, 2));
	assert_int_equal(slot_find(st, 2)->state, SLOT_SECRET);
	assert_non_null(slot_find(st, 5));
	assert_int_equal(slot_find(st, 0)->state, SLOT_LEAF);
	assert_true(is_zero_mem(slot_find(st, 0)->secret, nh));
	pouch_mls_secret_tree_free(st);
}

static void
limits_configurable(void **state)
{
	struct fx *f = *state;
	struct pouch_mls_st_limits lim = { 50, 3 }, strict = { 5, 0 };
	struct pouch_mls_secret_tree *st = NULL;
	struct pouch_mls_st_key k;
	struct ratchet *r;

	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, 2, &lim,
	    &st), POUCH_OK);
	use(f, st, 1, 0, 20, 1);
	r = find_ratchet(st, 1, 0);
	/* only the 3 newest skipped keys are kept: 17, 18, 19 */
	assert_int_equal(r->nsk, 3);
	assert_true(r->capsk <= 3);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 1, 0, 16, &k),
	    POUCH_E_REPLAY);
	use(f, st, 1, 0, 18, 1);
	/* a further jump evicts the oldest kept one: {17, 19} + {21, 22} */
	use(f, st, 1, 0, 23, 1);
	assert_int_equal(r->nsk, 3);
	assert_int_equal(r->sk[0].gen, 19);
	assert_int_equal(r->sk[1].gen, 21);
	assert_int_equal(r->sk[2].gen, 22);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 1, 0, 17, &k),
	    POUCH_E_REPLAY);
	use(f, st, 1, 0, 22, 1);
	use(f, st, 1, 0, 19, 1);
	use(f, st, 1, 0, 21, 1);
	assert_int_equal(r->nsk, 0);
	/* next is 24: 24 + 50 is the edge of the window */
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 1, 0, 75, &k),
	    POUCH_E_LIMIT);
	use(f, st, 1, 0, 74, 1);
	pouch_mls_secret_tree_free(st);
	/* strict order: skipping allowed, nothing kept */
	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, 2, &strict,
	    &st), POUCH_OK);
	use(f, st, 0, 1, 5, 1);
	assert_null(find_ratchet(st, 0, 1)->sk);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 0, 1, 4, &k),
	    POUCH_E_REPLAY);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 0, 1, 12, &k),
	    POUCH_E_LIMIT);
	pouch_mls_secret_tree_free(st);
}

static void
sender_next_and_exhaustion(void **state)
{
	struct fx *f = *state;
	struct pouch_mls_secret_tree *st = NULL;
	struct pouch_mls_st_key k;
	struct ratchet *r;
	uint32_t g;

	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, 3, NULL,
	    &st), POUCH_OK);
	for (g = 0; g < 5; g++) {
		assert_int_equal(pouch_mls_secret_tree_get_next(f->c, st, 2, 1,
		    &k), POUCH_OK);
		assert_int_equal(k.generation, g);
		assert_int_equal(pouch_mls_secret_tree_consume(f->c, st, &k),
		    POUCH_OK);
	}
	/* place the ratchet at its last generation */
	r = find_ratchet(st, 2, 1);
	r->next = UINT32_MAX;
	assert_int_equal(pouch_mls_secret_tree_get_next(f->c, st, 2, 1, &k),
	    POUCH_OK);
	assert_int_equal(k.generation, UINT32_MAX);
	assert_int_equal(pouch_mls_secret_tree_consume(f->c, st, &k),
	    POUCH_OK);
	assert_true(r->next == GEN_END);
	assert_int_equal(pouch_mls_secret_tree_get_next(f->c, st, 2, 1, &k),
	    POUCH_E_LIMIT);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 2, 1,
	    UINT32_MAX, &k), POUCH_E_REPLAY);
	k.leaf = 2;
	k.type = 1;
	k.generation = UINT32_MAX;
	assert_int_equal(pouch_mls_secret_tree_consume(f->c, st, &k),
	    POUCH_E_REPLAY);
	pouch_mls_secret_tree_free(st);
}

/* Each allocation of consume fails in turn: no change, then success. */
static void
consume_nomem_leaves_state(void **state)
{
	struct fx *f = *state;
	struct pouch_mls_st_limits lim = { 100, 4 };
	struct pouch_mls_secret_tree *st = NULL;
	struct pouch_mls_st_key k;
	static const uint32_t steps[][3] = {	/* leaf, type, gen */
		{ 5, 1, 0 }, { 5, 1, 9 }, { 5, 1, 12 }, { 5, 1, 30 },
		{ 2, 0, 7 }, { 13, 1, 0 }, { 5, 1, 28 }, { 0, 0, 3 },
		{ 1, 0, 2 }, { 3, 1, 1 }, { 4, 1, 0 }, { 6, 0, 0 },
		{ 7, 1, 0 }, { 8, 0, 0 }, { 9, 1, 0 }, { 10, 0, 0 },
	};
	struct snap sn;
	size_t i;
	long n;
	int rc;

	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, 16, &lim,
	    &st), POUCH_OK);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		for (n = 0; ; n++) {
			assert_int_equal(pouch_mls_secret_tree_get(f->c, st,
			    steps[i][0], (int)steps[i][1], steps[i][2], &k),
			    POUCH_OK);
			sn = snapshot(st);
			alloc_countdown = n;
			rc = pouch_mls_secret_tree_consume(f->c, st, &k);
			alloc_countdown = -1;
			if (rc == POUCH_OK) {
				free(sn.b);
				break;
			}
			assert_true(rc == POUCH_E_NOMEM ||
			    rc == POUCH_E_CRYPTO);
			assert_same(&sn, st);
			free(sn.b);
			assert_true(n < 1000);
		}
		use(f, st, steps[i][0], (int)steps[i][1], steps[i][2] + 1, 0);
	}
	pouch_mls_secret_tree_free(st);
}

static void
largest_tree(void **state)
{
	struct fx *f = *state;
	struct pouch_mls_secret_tree *st = NULL;

	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc,
	    POUCH_MLS_LEAVES_MAX, NULL, &st), POUCH_OK);
	use(f, st, POUCH_MLS_LEAVES_MAX - 1, 1, 2, 1);
	use(f, st, 0, 0, 0, 1);
	use(f, st, 0x40000000, 1, 0, 1);
	/* three paths of depth 31: at most 3 * 31 slots */
	assert_true(st->used <= 3 * 31);
	pouch_mls_secret_tree_free(st);
}

static void
bad_arguments(void **state)
{
	struct fx *f = *state;
	struct pouch_mls_secret_tree *st = NULL;
	struct pouch_mls_st_limits lim;
	struct pouch_mls_st_key k;

	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, 0, NULL,
	    &st), POUCH_E_MISUSE);
	assert_null(st);
	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc,
	    POUCH_MLS_LEAVES_MAX + 1, NULL, &st), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_secret_tree_new(NULL, f->enc, 1, NULL,
	    &st), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, 1, NULL,
	    NULL), POUCH_E_MISUSE);
	lim.max_forward = POUCH_MLS_ST_LIMIT_MAX + 1;
	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, 1, &lim,
	    &st), POUCH_E_MISUSE);
	lim.max_forward = 0;
	lim.max_retained = POUCH_MLS_ST_LIMIT_MAX + 1;
	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, 1, &lim,
	    &st), POUCH_E_MISUSE);
	assert_null(st);
	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, 1, NULL,
	    &st), POUCH_OK);
	assert_int_equal(pouch_mls_secret_tree_get(NULL, st, 0, 0, 0, &k),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_secret_tree_get(f->c, st, 0, 0, 0, NULL),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_secret_tree_consume(f->c, st, NULL),
	    POUCH_E_MISUSE);
	/* one leaf: the leaf is the root */
	use(f, st, 0, 0, 0, 1);
	use(f, st, 0, 1, 1, 1);
	pouch_mls_secret_tree_free(st);
	pouch_mls_secret_tree_free(NULL);
}

static void
sender_data_key_nonce(void **state)
{
	struct fx *f = *state;
	uint8_t ct[100], key[32], nonce[12], k2[32], n2[12];
	size_t i;

	for (i = 0; i < sizeof(ct); i++)
		ct[i] = (uint8_t)i;
	/* the sample is the first Nh bytes: later bytes do not matter */
	assert_int_equal(pouch_mls_sender_data_key_nonce(f->c, f->s, f->enc,
	    ct, sizeof(ct), key, nonce), POUCH_OK);
	ct[f->s->nh] ^= 0xff;
	assert_int_equal(pouch_mls_sender_data_key_nonce(f->c, f->s, f->enc,
	    ct, sizeof(ct), k2, n2), POUCH_OK);
	assert_memory_equal(key, k2, f->s->nk);
	assert_memory_equal(nonce, n2, f->s->nn);
	ct[f->s->nh - 1] ^= 0xff;
	assert_int_equal(pouch_mls_sender_data_key_nonce(f->c, f->s, f->enc,
	    ct, sizeof(ct), k2, n2), POUCH_OK);
	assert_memory_not_equal(key, k2, f->s->nk);
	/* a short ciphertext is used whole */
	assert_int_equal(pouch_mls_sender_data_key_nonce(f->c, f->s, f->enc,
	    ct, 3, k2, n2), POUCH_OK);
	assert_int_equal(pouch_mls_sender_data_key_nonce(f->c, f->s, f->enc,
	    NULL, 1, k2, n2), POUCH_E_MISUSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_order_and_out_of_order),
		cmocka_unit_test(every_leaf_random_order),
		cmocka_unit_test(beyond_window_rejected_without_deriving),
		cmocka_unit_test(replay_rejected),
		cmocka_unit_test(failed_lookup_leaves_state),
		cmocka_unit_test(consumed_secrets_wiped),
		cmocka_unit_test(limits_configurable),
		cmocka_unit_test(sender_next_and_exhaustion),
		cmocka_unit_test(consume_nomem_leaves_state),
		cmocka_unit_test(largest_tree),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(sender_data_key_nonce),
	};

	/* before any OpenSSL allocation */
	if (!CRYPTO_set_mem_functions(t_malloc, t_realloc, t_free))
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
