/*
 * secret_tree.c - RFC 9420 9 secret tree and sender ratchets, and the
 * 6.3.2 sender-data key and nonce.  This file owns the per-epoch store of
 * tree node secrets and leaf ratchets, its deletion schedule (9.2) and its
 * out-of-order window.
 *
 * Store: an open-addressing table keyed by node index.  A slot holds
 * either a tree node secret not yet split (SLOT_SECRET) or, for a leaf
 * whose secret has been consumed, its two ratchets (SLOT_LEAF).  No slot
 * lies below a SLOT_SECRET slot, so a leaf's secret is found by walking up
 * its direct path to the first stored node.  Splitting a node deletes its
 * secret at once and stores both children (only the path child is split
 * further), so the table holds the frontier of the derivation: O(leaves
 * used * depth) for any tree size up to 2^31 leaves, nothing per unused
 * leaf.  Skipped-generation keys are kept per ratchet in an array sorted
 * by generation.  Every table, ratchet and key array comes from
 * OPENSSL_secure_zalloc and is wiped when released or shrunk.
 *
 * Two-phase use: get() works on a const tree and derives into locals;
 * consume() first computes everything and allocates everything it needs
 * (stage), then applies the result with operations that cannot fail.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mls/secret_tree.h"
#include "mls/tree_math.h"

#define SLOT_EMPTY	0
#define SLOT_SECRET	1
#define SLOT_LEAF	2

#define TABLE_MIN	16
/* A ratchet whose generation 2^32 - 1 was used is exhausted. */
#define GEN_END		(UINT64_C(1) << 32)

struct skipped {
	uint32_t	gen;
	uint8_t		key[POUCH_AEAD_KEY_MAX];
	uint8_t		nonce[POUCH_AEAD_NONCE_BYTES];
};

struct ratchet {
	uint64_t	 next;			/* generation of secret */
	/* ratchet_secret_[next] */
	uint8_t		 secret[POUCH_HASH_MAX];
	struct skipped	*sk;			/* ascending gen */
	size_t		 nsk;
	size_t		 capsk;
};

struct leaf_ratchets {
	struct ratchet	r[2];			/* POUCH_MLS_RATCHET_* */
};

struct slot {
	uint32_t		 node;
	uint32_t		 state;
	struct leaf_ratchets	*lr;		/* SLOT_LEAF */
	uint8_t			 secret[POUCH_HASH_MAX]; /* SLOT_SECRET */
};

struct pouch_mls_secret_tree {
	const struct pouch_mls_suite	*s;
	uint32_t			 n_leaves;
	uint32_t			 root;
	struct pouch_mls_st_limits	 lim;
	struct slot			*slots;
	size_t				 cap;	/* a power of two */
	size_t				 used;
	int				 failed;	/* sticky */
};

/* The derivation from a stored node down to a leaf (consume's stage). */
struct path_stage {
	uint32_t	ancestor;		/* the SLOT_SECRET node split */
	size_t		nsib;
	uint32_t	sib_node[POUCH_MLS_PATH_MAX];
	uint8_t		sib_secret[POUCH_MLS_PATH_MAX][POUCH_HASH_MAX];
	uint8_t		leaf_secret[POUCH_HASH_MAX];
};

/* A ratchet advanced past a generation (consume's stage). */
struct adv_stage {
	uint64_t	 next;
	uint8_t		 secret[POUCH_HASH_MAX];
	size_t		 drop;		/* oldest kept keys to delete */
	struct skipped	*newk;		/* keys of skipped generations */
	size_t		 nnew;
	struct skipped	*arr;		/* a larger array, when needed */
	size_t		 arrcap;
};

/* ---- secure allocation ------------------------------------------------ */

static void *
szalloc(size_t n, size_t size)
{
	if (n == 0 || size == 0 || n > SIZE_MAX / size)
		return NULL;
	return OPENSSL_secure_zalloc(n * size);
}

static void
szfree(void *p, size_t n, size_t size)
{
	if (p != NULL)
		OPENSSL_secure_clear_free(p, n * size);
}

static void
ratchet_wipe(struct ratchet *r)
{
	szfree(r->sk, r->capsk, sizeof(struct skipped));
	OPENSSL_cleanse(r, sizeof(*r));
}

/* ---- the table -------------------------------------------------------- */

static size_t
slot_home(uint32_t node, size_t cap)
{
	return (size_t)(((uint64_t)node * UINT64_C(0x9e3779b97f4a7c15)) >>
	    32) & (cap - 1);
}

static struct slot *
slot_find(const struct pouch_mls_secret_tree *st, uint32_t node)
{
	size_t i = slot_home(node, st->cap), n;

	for (n = 0; n < st->cap; n++, i = (i + 1) & (st->cap - 1)) {
		if (st->slots[i].state == SLOT_EMPTY)
			return NULL;
		if (st->slots[i].node == node)
			return &st->slots[i];
	}
	return NULL;
}

/* Capacity is reserved beforehand (table_reserve), so this cannot fail. */
static struct slot *
slot_insert(struct pouch_mls_secret_tree *st, uint32_t node)
{
	size_t i = slot_home(node, st->cap);

	while (st->slots[i].state != SLOT_EMPTY)
		i = (i + 1) & (st->cap - 1);
	st->slots[i].node = node;
	st->used++;
	return &st->slots[i];
}

/*
 * Remove a slot (its lr, if any, is the caller's) with backward-shift
 * deletion; the slot that ends empty is wiped, so no secret is left behind
 * by the moves.
 */
static void
slot_delete(struct pouch_mls_secret_tree *st, struct slot *sl)
{
	size_t hole = (size_t)(sl - st->slots), i = hole, home, mask;

	mask = st->cap - 1;
	for (;;) {
		i = (i + 1) & mask;
		if (st->slots[i].state == SLOT_EMPTY)
			break;
		home = slot_home(st->slots[i].node, st->cap);
		/* move i into the hole unless its home lies in (hole, i] */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			st->slots[hole] = st->slots[i];
			hole = i;
		}
	}
	OPENSSL_cleanse(&st->slots[hole], sizeof(st->slots[hole]));
	st->used--;
}

/* Room for extra more slots at load <= 1/2; the only table allocation. */
static int
table_reserve(struct pouch_mls_secret_tree *st, size_t extra)
{
	struct slot *ns, *old = st->slots;
	size_t ncap = st->cap, i, oldcap = st->cap;

	while ((st->used + extra) * 2 > ncap) {
		if (ncap > SIZE_MAX / 4)
			return POUCH_E_NOMEM;
		ncap *= 2;
	}
	if (ncap == st->cap)
		return POUCH_OK;
	if ((ns = szalloc(ncap, sizeof(*ns))) == NULL)
		return POUCH_E_NOMEM;
	st->slots = ns;
	st->cap = ncap;
	st->used = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].state != SLOT_EMPTY)
			*slot_insert(st, old[i].node) = old[i];
	szfree(old, oldcap, sizeof(*old));
	return POUCH_OK;
}

/* ---- derivations (RFC 9420 9, 9.1) ------------------------------------ */

/* tree_node_[child]_secret = ExpandWithLabel(., "tree", "left"|"right") */
static int
tree_child(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const uint8_t *secret, int right, uint8_t *out)
{
	const char *ctx = right ? "right" : "left";

	return pouch_mls_expand_with_label(c, s, secret, s->nh, "tree",
	    (const uint8_t *)ctx, strlen(ctx), out, s->nh);
}

/* Figure 26: the ratchet roots of a leaf. */
static int
ratchet_root(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const uint8_t *leaf_secret, int type, uint8_t *out)
{
	return pouch_mls_expand_with_label(c, s, leaf_secret, s->nh,
	    type == POUCH_MLS_RATCHET_HANDSHAKE ? "handshake" : "application",
	    NULL, 0, out, s->nh);
}

/* ratchet_key_[j] and ratchet_nonce_[j] of ratchet_secret_[j]. */
static int
ratchet_keynonce(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *secret, uint32_t j,
    uint8_t *key, uint8_t *nonce)
{
	int rc;

	if ((rc = pouch_mls_derive_tree_secret(c, s, secret, s->nh, "key", j,
	    key, s->nk)) != POUCH_OK)
		return rc;
	return pouch_mls_derive_tree_secret(c, s, secret, s->nh, "nonce", j,
	    nonce, s->nn);
}

/* ratchet_secret_[to] from ratchet_secret_[from] (from <= to); in place. */
static int
ratchet_chain(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    uint8_t *secret, uint64_t from, uint64_t to)
{
	uint8_t next[POUCH_HASH_MAX];
	uint64_t j;
	int rc = POUCH_OK;

	for (j = from; j < to; j++) {
		if ((rc = pouch_mls_derive_tree_secret(c, s, secret, s->nh,
		    "secret", (uint32_t)j, next, s->nh)) != POUCH_OK)
			break;
		memcpy(secret, next, s->nh);
	}
	OPENSSL_cleanse(next, sizeof(next));
	return rc;
}

/*
 * The secret of leaf node x, derived from the nearest stored ancestor.
 * With ps set (consume), both children of every node split are recorded;
 * without (get), only the path child is derived.
 */
static int
derive_leaf(const struct pouch_crypto *c,
    const struct pouch_mls_secret_tree *st, uint32_t x, struct path_stage *ps,
    uint8_t *leaf_secret)
{
	const struct pouch_mls_suite *s = st->s;
	uint8_t cur[POUCH_HASH_MAX], other[POUCH_HASH_MAX];
	struct slot *sl = NULL;
	uint32_t a = x, node;
	int right, rc = POUCH_OK;

	while (a != POUCH_MLS_NODE_NONE) {
		if ((sl = slot_find(st, a)) != NULL)
			break;
		a = pouch_mls_tm_parent(a, st->n_leaves);
	}
	if (sl == NULL || sl->state != SLOT_SECRET)
		return POUCH_E_STATE;		/* broken invariant */
	memcpy(cur, sl->secret, s->nh);
	if (ps != NULL) {
		ps->ancestor = a;
		ps->nsib = 0;
	}
	for (node = a; node != x; ) {
		right = !pouch_mls_tm_in_subtree(x, pouch_mls_tm_left(node));
		if (ps != NULL) {
			if ((rc = tree_child(c, s, cur, !right, other)) !=
			    POUCH_OK)
				goto out;
			ps->sib_node[ps->nsib] = right ?
			    pouch_mls_tm_left(node) : pouch_mls_tm_right(node);
			memcpy(ps->sib_secret[ps->nsib++], other, s->nh);
		}
		if ((rc = tree_child(c, s, cur, right, other)) != POUCH_OK)
			goto out;
		memcpy(cur, other, s->nh);
		node = right ? pouch_mls_tm_right(node) :
		    pouch_mls_tm_left(node);
	}
	memcpy(leaf_secret, cur, s->nh);
out:
	OPENSSL_cleanse(cur, sizeof(cur));
	OPENSSL_cleanse(other, sizeof(other));
	return rc;
}

/* ---- skipped-generation keys ------------------------------------------ */

/* Index of gen among r's kept keys, or -1. Generations are public. */
static long
skipped_find(const struct ratchet *r, uint32_t gen)
{
	size_t lo = 0, hi = r->nsk, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->sk[mid].gen == gen)
			return (long)mid;
		if (r->sk[mid].gen < gen)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Delete kept key i: slide the tail down, wipe the vacated entry. */
static void
skipped_remove(struct ratchet *r, size_t i)
{
	OPENSSL_cleanse(&r->sk[i], sizeof(r->sk[i]));
	if (i + 1 < r->nsk)
		memmove(&r->sk[i], &r->sk[i + 1],
		    (r->nsk - i - 1) * sizeof(r->sk[0]));
	r->nsk--;
	OPENSSL_cleanse(&r->sk[r->nsk], sizeof(r->sk[0]));
}

static void
adv_stage_wipe(struct adv_stage *as)
{
	szfree(as->newk, as->nnew, sizeof(struct skipped));
	szfree(as->arr, as->arrcap, sizeof(struct skipped));
	OPENSSL_cleanse(as, sizeof(*as));
}

/*
 * Stage the advance of r past gen (r->next <= gen, within max_forward):
 * the keys of the skipped generations that will be kept (the newest
 * max_retained of old and new together), the array they need, and the
 * secret of generation gen + 1.  Allocates and derives; changes nothing.
 */
static int
ratchet_stage(const struct pouch_crypto *c,
    const struct pouch_mls_secret_tree *st, const struct ratchet *r,
    uint32_t gen, struct adv_stage *as)
{
	const struct pouch_mls_suite *s = st->s;
	uint64_t nskip = gen - r->next, first, j;
	size_t keep, total, cap;
	uint8_t secret[POUCH_HASH_MAX];
	int rc = POUCH_OK;

	memset(as, 0, sizeof(*as));
	keep = nskip < st->lim.max_retained ? (size_t)nskip :
	    st->lim.max_retained;
	total = r->nsk + keep;
	as->drop = total > st->lim.max_retained ?
	    total - st->lim.max_retained : 0;
	first = (uint64_t)gen - keep;
	if (keep > 0) {
		if ((as->newk = szalloc(keep, sizeof(struct skipped))) ==
		    NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		as->nnew = keep;
		if (total - as->drop > r->capsk) {
			cap = r->capsk * 2 > total ? r->capsk * 2 : total;
			if (cap > st->lim.max_retained)
				cap = st->lim.max_retained;
			if ((as->arr = szalloc(cap, sizeof(struct skipped))) ==
			    NULL) {
				rc = POUCH_E_NOMEM;
				goto out;
			}
			as->arrcap = cap;
		}
	}
	memcpy(secret, r->secret, s->nh);
	if ((rc = ratchet_chain(c, s, secret, r->next, first)) != POUCH_OK)
		goto out;
	for (j = first; j < gen; j++) {
		as->newk[j - first].gen = (uint32_t)j;
		if ((rc = ratchet_keynonce(c, s, secret, (uint32_t)j,
		    as->newk[j - first].key, as->newk[j - first].nonce)) !=
		    POUCH_OK ||
		    (rc = ratchet_chain(c, s, secret, j, j + 1)) != POUCH_OK)
			goto out;
	}
	/* ratchet_secret_[gen] is consumed with its key: keep [gen + 1] */
	if ((rc = ratchet_chain(c, s, secret, gen, (uint64_t)gen + 1)) !=
	    POUCH_OK)
		goto out;
	memcpy(as->secret, secret, s->nh);
	as->next = (uint64_t)gen + 1;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rc != POUCH_OK)
		adv_stage_wipe(as);
	return rc;
}

/* Apply a staged advance; cannot fail.  Wipes the stage. */
static void
ratchet_apply(struct ratchet *r, struct adv_stage *as)
{
	size_t kept = r->nsk - as->drop, i;

	if (as->arr != NULL) {
		if (kept > 0)
			memcpy(as->arr, r->sk + as->drop,
			    kept * sizeof(r->sk[0]));
		szfree(r->sk, r->capsk, sizeof(r->sk[0]));
		r->sk = as->arr;
		r->capsk = as->arrcap;
		as->arr = NULL;
		as->arrcap = 0;
	} else if (as->drop > 0) {
		OPENSSL_cleanse(r->sk, as->drop * sizeof(r->sk[0]));
		memmove(r->sk, r->sk + as->drop, kept * sizeof(r->sk[0]));
		for (i = kept; i < r->nsk; i++)
			OPENSSL_cleanse(&r->sk[i], sizeof(r->sk[i]));
	}
	if (as->nnew > 0)
		memcpy(r->sk + kept, as->newk, as->nnew * sizeof(r->sk[0]));
	r->nsk = kept + as->nnew;
	memcpy(r->secret, as->secret, sizeof(r->secret));
	r->next = as->next;
	adv_stage_wipe(as);
}

/* ---- public functions ------------------------------------------------- */

void
pouch_mls_st_key_clear(struct pouch_mls_st_key *k)
{
	if (k != NULL)
		OPENSSL_cleanse(k, sizeof(*k));
}

int
pouch_mls_secret_tree_new(const struct pouch_mls_suite *s,
    const uint8_t *encryption_secret, uint32_t n_leaves,
    const struct pouch_mls_st_limits *lim, struct pouch_mls_secret_tree **out)
{
	struct pouch_mls_secret_tree *st = NULL;
	struct slot *sl;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (s == NULL || encryption_secret == NULL || n_leaves == 0 ||
	    n_leaves > POUCH_MLS_LEAVES_MAX || (lim != NULL &&
	    (lim->max_forward > POUCH_MLS_ST_LIMIT_MAX ||
	    lim->max_retained > POUCH_MLS_ST_LIMIT_MAX)))
		return POUCH_E_MISUSE;
	if (s->nh == 0 || s->nh > POUCH_HASH_MAX ||
	    s->nk > POUCH_AEAD_KEY_MAX || s->nn != POUCH_AEAD_NONCE_BYTES)
		return POUCH_E_UNSUPPORTED;
	if ((st = szalloc(1, sizeof(*st))) == NULL)
		return POUCH_E_NOMEM;
	if ((st->slots = szalloc(TABLE_MIN, sizeof(struct slot))) == NULL) {
		szfree(st, 1, sizeof(*st));
		return POUCH_E_NOMEM;
	}
	st->cap = TABLE_MIN;
	st->s = s;
	st->n_leaves = n_leaves;
	st->root = pouch_mls_tm_root(n_leaves);
	if (lim != NULL)
		st->lim = *lim;
	else {
		st->lim.max_forward = POUCH_MLS_ST_MAX_FORWARD;
		st->lim.max_retained = POUCH_MLS_ST_MAX_RETAINED;
	}
	/* RFC 9420 9: the encryption_secret is the root's node secret */
	sl = slot_insert(st, st->root);
	sl->state = SLOT_SECRET;
	memcpy(sl->secret, encryption_secret, s->nh);
	*out = st;
	return POUCH_OK;
}

void
pouch_mls_secret_tree_free(struct pouch_mls_secret_tree *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->cap; i++) {
		if (st->slots[i].lr != NULL) {
			ratchet_wipe(&st->slots[i].lr->r[0]);
			ratchet_wipe(&st->slots[i].lr->r[1]);
			szfree(st->slots[i].lr, 1,
			    sizeof(struct leaf_ratchets));
		}
	}
	szfree(st->slots, st->cap, sizeof(struct slot));
	szfree(st, 1, sizeof(*st));
}

/* Common argument checks of get and consume. */
static int
check_args(const struct pouch_crypto *c,
    const struct pouch_mls_secret_tree *st, uint32_t leaf, int type)
{
	if (c == NULL || st == NULL || (type != POUCH_MLS_RATCHET_HANDSHAKE &&
	    type != POUCH_MLS_RATCHET_APPLICATION))
		return POUCH_E_MISUSE;
	if (st->failed)
		return POUCH_E_STATE;
	if (leaf >= st->n_leaves)
		return POUCH_E_MALFORMED;
	return POUCH_OK;
}

/* The ratchet of (leaf, type) when the leaf's ratchets exist, else NULL. */
static struct ratchet *
find_ratchet(const struct pouch_mls_secret_tree *st, uint32_t leaf, int type)
{
	struct slot *sl = slot_find(st, pouch_mls_tm_leaf_node(leaf));

	if (sl == NULL || sl->state != SLOT_LEAF)
		return NULL;
	return &sl->lr->r[type];
}

/* Is gen acceptable as a new generation of a ratchet at next? */
static int
check_forward(const struct pouch_mls_secret_tree *st, uint64_t next,
    uint32_t gen)
{
	if (next >= GEN_END)
		return POUCH_E_LIMIT;		/* exhausted */
	if (gen < next)
		return POUCH_E_REPLAY;
	if (gen - next > st->lim.max_forward)
		return POUCH_E_LIMIT;
	return POUCH_OK;
}

int
pouch_mls_secret_tree_get(const struct pouch_crypto *c,
    const struct pouch_mls_secret_tree *st, uint32_t leaf, int type,
    uint32_t gen, struct pouch_mls_st_key *out)
{
	uint8_t secret[POUCH_HASH_MAX], leaf_secret[POUCH_HASH_MAX];
	struct pouch_mls_st_key k;
	const struct ratchet *r;
	uint64_t from = 0;
	long i;
	int rc;

	if (out == NULL)
		return POUCH_E_MISUSE;
	pouch_mls_st_key_clear(out);
	if ((rc = check_args(c, st, leaf, type)) != POUCH_OK)
		return rc;
	memset(&k, 0, sizeof(k));
	k.leaf = leaf;
	k.generation = gen;
	k.type = type;
	k.keylen = st->s->nk;
	k.noncelen = st->s->nn;
	if ((r = find_ratchet(st, leaf, type)) != NULL && gen < r->next) {
		if ((i = skipped_find(r, gen)) < 0)
			return POUCH_E_REPLAY;
		memcpy(k.key, r->sk[i].key, sizeof(k.key));
		memcpy(k.nonce, r->sk[i].nonce, sizeof(k.nonce));
		*out = k;
		rc = POUCH_OK;
		goto out;
	}
	/* nothing is derived for a generation beyond the window */
	if ((rc = check_forward(st, r != NULL ? r->next : 0, gen)) != POUCH_OK)
		return rc;
	if (r != NULL) {
		memcpy(secret, r->secret, st->s->nh);
		from = r->next;
	} else {
		if ((rc = derive_leaf(c, st, pouch_mls_tm_leaf_node(leaf),
		    NULL, leaf_secret)) != POUCH_OK ||
		    (rc = ratchet_root(c, st->s, leaf_secret, type, secret)) !=
		    POUCH_OK)
			goto out;
	}
	if ((rc = ratchet_chain(c, st->s, secret, from, gen)) != POUCH_OK ||
	    (rc = ratchet_keynonce(c, st->s, secret, gen, k.key, k.nonce)) !=
	    POUCH_OK)
		goto out;
	*out = k;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(leaf_secret, sizeof(leaf_secret));
	OPENSSL_cleanse(&k, sizeof(k));
	return rc;
}

int
pouch_mls_secret_tree_get_next(const struct pouch_crypto *c,
    const struct pouch_mls_secret_tree *st, uint32_t leaf, int type,
    struct pouch_mls_st_key *out)
{
	const struct ratchet *r;
	int rc;

	if (out == NULL)
		return POUCH_E_MISUSE;
	pouch_mls_st_key_clear(out);
	if ((rc = check_args(c, st, leaf, type)) != POUCH_OK)
		return rc;
	if ((r = find_ratchet(st, leaf, type)) == NULL)
		return pouch_mls_secret_tree_get(c, st, leaf, type, 0, out);
	if (r->next >= GEN_END)
		return POUCH_E_LIMIT;
	return pouch_mls_secret_tree_get(c, st, leaf, type, (uint32_t)r->next,
	    out);
}

/* consume() for a leaf whose ratchets exist. */
static int
consume_existing(const struct pouch_crypto *c,
    struct pouch_mls_secret_tree *st, struct ratchet *r, uint32_t gen)
{
	struct adv_stage as;
	long i;
	int rc;

	if (gen < r->next) {
		if ((i = skipped_find(r, gen)) < 0)
			return POUCH_E_REPLAY;
		skipped_remove(r, (size_t)i);	/* 9.2: used, deleted */
		return POUCH_OK;
	}
	if ((rc = check_forward(st, r->next, gen)) != POUCH_OK)
		return rc;
	if ((rc = ratchet_stage(c, st, r, gen, &as)) != POUCH_OK)
		return rc;
	ratchet_apply(r, &as);
	return POUCH_OK;
}

/*
 * Install a staged path: the split ancestor's secret is deleted, the
 * siblings along the path are stored, the leaf gets its ratchets.  Table
 * room was reserved; cannot fail.
 */
static void
path_apply(struct pouch_mls_secret_tree *st, struct path_stage *ps,
    uint32_t x, struct leaf_ratchets *lr)
{
	struct slot *sl;
	size_t i;

	sl = slot_find(st, ps->ancestor);
	if (ps->ancestor == x) {
		OPENSSL_cleanse(sl->secret, sizeof(sl->secret));
	} else {
		slot_delete(st, sl);
		for (i = 0; i < ps->nsib; i++) {
			sl = slot_insert(st, ps->sib_node[i]);
			sl->state = SLOT_SECRET;
			memcpy(sl->secret, ps->sib_secret[i], st->s->nh);
		}
		sl = slot_insert(st, x);
	}
	sl->state = SLOT_LEAF;
	sl->lr = lr;
}

/* consume() for a leaf whose secret is still in the tree. */
static int
consume_new(const struct pouch_crypto *c, struct pouch_mls_secret_tree *st,
    uint32_t leaf, int type, uint32_t gen)
{
	struct leaf_ratchets *lr = NULL, nr;
	struct path_stage ps;
	struct adv_stage as;
	uint32_t x = pouch_mls_tm_leaf_node(leaf);
	int t, staged = 0, rc;

	memset(&nr, 0, sizeof(nr));
	memset(&as, 0, sizeof(as));
	if ((rc = check_forward(st, 0, gen)) != POUCH_OK)
		goto out;
	if ((rc = derive_leaf(c, st, x, &ps, ps.leaf_secret)) != POUCH_OK)
		goto out;
	for (t = 0; t < 2; t++)
		if ((rc = ratchet_root(c, st->s, ps.leaf_secret, t,
		    nr.r[t].secret)) != POUCH_OK)
			goto out;
	if ((rc = ratchet_stage(c, st, &nr.r[type], gen, &as)) != POUCH_OK)
		goto out;
	staged = 1;
	if ((lr = szalloc(1, sizeof(*lr))) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	/* the last allocation: once it succeeds nothing can fail */
	if ((rc = table_reserve(st, ps.nsib + 1)) != POUCH_OK)
		goto out;
	*lr = nr;
	ratchet_apply(&lr->r[type], &as);
	staged = 0;
	path_apply(st, &ps, x, lr);
	lr = NULL;
out:
	if (staged)
		adv_stage_wipe(&as);
	szfree(lr, 1, sizeof(*lr));
	OPENSSL_cleanse(&nr, sizeof(nr));
	OPENSSL_cleanse(&ps, sizeof(ps));
	return rc;
}

int
pouch_mls_secret_tree_consume(const struct pouch_crypto *c,
    struct pouch_mls_secret_tree *st, struct pouch_mls_st_key *k)
{
	struct ratchet *r;
	int rc;

	if (k == NULL)
		return POUCH_E_MISUSE;
	if ((rc = check_args(c, st, k->leaf, k->type)) != POUCH_OK)
		goto out;
	if ((r = find_ratchet(st, k->leaf, k->type)) != NULL)
		rc = consume_existing(c, st, r, k->generation);
	else
		rc = consume_new(c, st, k->leaf, k->type, k->generation);
	if (rc == POUCH_E_STATE)
		st->failed = 1;
out:
	pouch_mls_st_key_clear(k);
	return rc;
}

/* RFC 9420 6.3.2 */
int
pouch_mls_sender_data_key_nonce(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *sender_data_secret,
    const uint8_t *ciphertext, size_t ciphertextlen, uint8_t *key,
    uint8_t *nonce)
{
	uint8_t k[POUCH_AEAD_KEY_MAX], n[POUCH_AEAD_NONCE_BYTES];
	size_t sample;
	int rc;

	if (c == NULL || s == NULL || s->nh == 0 || s->nh > POUCH_HASH_MAX ||
	    s->nk > sizeof(k) || s->nn != sizeof(n) ||
	    sender_data_secret == NULL || key == NULL || nonce == NULL ||
	    (ciphertext == NULL && ciphertextlen != 0))
		return POUCH_E_MISUSE;
	/* ciphertext_sample = ciphertext[0..KDF.Nh-1] */
	sample = ciphertextlen < s->nh ? ciphertextlen : s->nh;
	if ((rc = pouch_mls_expand_with_label(c, s, sender_data_secret, s->nh,
	    "key", ciphertext, sample, k, s->nk)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_expand_with_label(c, s, sender_data_secret, s->nh,
	    "nonce", ciphertext, sample, n, s->nn)) != POUCH_OK)
		goto out;
	memcpy(key, k, s->nk);
	memcpy(nonce, n, s->nn);
out:
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(n, sizeof(n));
	return rc;
}

/* ---- persistence (mls/group_state.c) ---------------------------------- */

#define SAVE_SLOT_MIN	5		/* node, state */
#define SAVE_KEY_MIN	4		/* gen */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
ratchet_save(struct pouch_wr *w, const struct pouch_mls_suite *s,
    const struct ratchet *r)
{
	size_t i;

	pouch_wr_u64(w, r->next);
	pouch_wr_bytes(w, r->secret, s->nh);
	pouch_wr_u32(w, (uint32_t)r->nsk);
	for (i = 0; i < r->nsk; i++) {
		pouch_wr_u32(w, r->sk[i].gen);
		pouch_wr_bytes(w, r->sk[i].key, s->nk);
		pouch_wr_bytes(w, r->sk[i].nonce, s->nn);
	}
}

void
pouch_mls_secret_tree_save(struct pouch_wr *w,
    const struct pouch_mls_secret_tree *st)
{
	const struct slot *sl;
	uint64_t *ord;
	size_t i, n = 0;

	if (w->err != POUCH_OK)
		return;
	if (st == NULL || st->failed) {
		w->err = POUCH_E_STATE;
		return;
	}
	/* canonical order (by node), whatever the table's history */
	if ((ord = calloc(st->used + 1, sizeof(*ord))) == NULL) {
		w->err = POUCH_E_NOMEM;
		return;
	}
	for (i = 0; i < st->cap; i++)
		if (st->slots[i].state != SLOT_EMPTY)
			ord[n++] = (uint64_t)st->slots[i].node << 32 | i;
	qsort(ord, n, sizeof(*ord), cmp_u64);
	pouch_wr_u32(w, st->n_leaves);
	pouch_wr_u32(w, st->lim.max_forward);
	pouch_wr_u32(w, st->lim.max_retained);
	pouch_wr_u32(w, (uint32_t)n);
	for (i = 0; i < n; i++) {
		sl = &st->slots[ord[i] & 0xffffffffU];
		pouch_wr_u32(w, sl->node);
		pouch_wr_u8(w, (uint8_t)sl->state);
		if (sl->state == SLOT_SECRET)
			pouch_wr_bytes(w, sl->secret, st->s->nh);
		else {
			ratchet_save(w, st->s, &sl->lr->r[0]);
			ratchet_save(w, st->s, &sl->lr->r[1]);
		}
	}
	free(ord);
}

static int
ratchet_load(struct pouch_rd *r, const struct pouch_mls_secret_tree *st,
    struct ratchet *rt)
{
	const struct pouch_mls_suite *s = st->s;
	uint32_t n, i;
	int rc;

	if ((rc = pouch_rd_u64(r, &rt->next)) != POUCH_OK ||
	    (rc = pouch_rd_copy(r, rt->secret, s->nh)) != POUCH_OK ||
	    (rc = pouch_rd_u32(r, &n)) != POUCH_OK)
		return rc;
	if (rt->next > GEN_END || n > st->lim.max_retained || n > rt->next)
		return POUCH_E_MALFORMED;
	if ((size_t)n * (SAVE_KEY_MIN + s->nk + s->nn) > pouch_rd_left(r))
		return POUCH_E_TRUNCATED;
	if (n == 0)
		return POUCH_OK;
	if ((rt->sk = szalloc(n, sizeof(*rt->sk))) == NULL)
		return POUCH_E_NOMEM;
	rt->capsk = n;
	for (i = 0; i < n; i++) {
		if ((rc = pouch_rd_u32(r, &rt->sk[i].gen)) != POUCH_OK ||
		    (rc = pouch_rd_copy(r, rt->sk[i].key, s->nk)) !=
		    POUCH_OK ||
		    (rc = pouch_rd_copy(r, rt->sk[i].nonce, s->nn)) !=
		    POUCH_OK)
			return rc;
		rt->nsk++;
		if (rt->sk[i].gen >= rt->next ||
		    (i > 0 && rt->sk[i].gen <= rt->sk[i - 1].gen))
			return POUCH_E_MALFORMED;
	}
	return POUCH_OK;
}

/* Every leaf has exactly one stored node on its direct path. */
static int
check_cover(const struct pouch_mls_secret_tree *st)
{
	uint32_t leaf, x, found;

	for (leaf = 0; leaf < st->n_leaves; leaf++) {
		found = 0;
		for (x = pouch_mls_tm_leaf_node(leaf); x != POUCH_MLS_NODE_NONE;
		    x = pouch_mls_tm_parent(x, st->n_leaves))
			if (slot_find(st, x) != NULL)
				found++;
		if (found != 1)
			return POUCH_E_MALFORMED;
	}
	return POUCH_OK;
}

int
pouch_mls_secret_tree_load(const struct pouch_mls_suite *s,
    uint32_t n_leaves, struct pouch_rd *r,
    struct pouch_mls_secret_tree **out)
{
	struct pouch_mls_secret_tree *st = NULL;
	struct pouch_mls_st_limits lim;
	struct pouch_rd t;
	struct slot *sl;
	uint32_t nl, n, i, node, prev = 0;
	uint8_t state, zero[POUCH_HASH_MAX];
	int rc;

	if (out == NULL || r == NULL || s == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	t = *r;
	memset(zero, 0, sizeof(zero));
	if ((rc = pouch_rd_u32(&t, &nl)) != POUCH_OK ||
	    (rc = pouch_rd_u32(&t, &lim.max_forward)) != POUCH_OK ||
	    (rc = pouch_rd_u32(&t, &lim.max_retained)) != POUCH_OK ||
	    (rc = pouch_rd_u32(&t, &n)) != POUCH_OK)
		return rc;
	if (nl != n_leaves || lim.max_forward > POUCH_MLS_ST_LIMIT_MAX ||
	    lim.max_retained > POUCH_MLS_ST_LIMIT_MAX || n == 0 ||
	    n > pouch_mls_tm_node_width(n_leaves))
		return POUCH_E_MALFORMED;
	if ((size_t)n * (SAVE_SLOT_MIN + s->nh) > pouch_rd_left(&t))
		return POUCH_E_TRUNCATED;
	if ((rc = pouch_mls_secret_tree_new(s, zero, n_leaves, &lim, &st)) !=
	    POUCH_OK)
		return rc == POUCH_E_MISUSE ? POUCH_E_MALFORMED : rc;
	/* drop the root new() put in */
	slot_delete(st, slot_find(st, st->root));
	if ((rc = table_reserve(st, n)) != POUCH_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if ((rc = pouch_rd_u32(&t, &node)) != POUCH_OK ||
		    (rc = pouch_rd_u8(&t, &state)) != POUCH_OK)
			goto out;
		rc = POUCH_E_MALFORMED;
		if (node >= pouch_mls_tm_node_width(n_leaves) ||
		    (i > 0 && node <= prev) ||
		    (state != SLOT_SECRET && state != SLOT_LEAF) ||
		    (state == SLOT_LEAF && (node & 1) != 0))
			goto out;
		prev = node;
		sl = slot_insert(st, node);
		sl->state = state;
		if (state == SLOT_SECRET) {
			if ((rc = pouch_rd_copy(&t, sl->secret, s->nh)) !=
			    POUCH_OK)
				goto out;
			continue;
		}
		rc = POUCH_E_NOMEM;
		if ((sl->lr = szalloc(1, sizeof(*sl->lr))) == NULL)
			goto out;
		if ((rc = ratchet_load(&t, st, &sl->lr->r[0])) != POUCH_OK ||
		    (rc = ratchet_load(&t, st, &sl->lr->r[1])) != POUCH_OK)
			goto out;
	}
	if ((rc = check_cover(st)) != POUCH_OK)
		goto out;
	*r = t;
	*out = st;
	st = NULL;
out:
	pouch_mls_secret_tree_free(st);
	return rc;
}
