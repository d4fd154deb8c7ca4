/*
 * merkle.c - RFC 9162 2.1 Merkle tree hashes, proofs and their
 * verification.
 *
 * Proof generation follows the recursive definitions of 2.1.3.1 (PATH)
 * and 2.1.4.1 (SUBPROOF) but walks them top-down without recursion,
 * collecting the sibling hashes and reversing them at the end.  Every
 * subtree hash is asked of a source: the callback form recomputes it from
 * the leaves, the in-memory tree looks perfect subtrees up and combines
 * at most log2(n) of them for a right edge.  Verification is the
 * algorithm of 2.1.3.2 and 2.1.4.2 step by step.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "kt/kt.h"

#define H	POUCH_KT_HASH_BYTES

struct level {
	uint8_t		(*h)[H];
	uint64_t	 n;
	uint64_t	 cap;
};

struct pouch_kt_tree {
	const struct pouch_crypto	*c;
	struct level			 lv[64];
};

struct src {
	const struct pouch_crypto	*c;
	pouch_kt_leaf_fn		 fn;
	void				*arg;
	const struct pouch_kt_tree	*t;
};

int
pouch_kt_leaf_hash(const struct pouch_crypto *c, const uint8_t *leaf,
    size_t len, uint8_t out[H])
{
	uint8_t stackbuf[1 + POUCH_KT_EVENT_MAX], *buf = stackbuf;
	int rc;

	if (c == NULL || out == NULL || (leaf == NULL && len != 0) ||
	    len > SIZE_MAX - 1)
		return POUCH_E_MISUSE;
	if (len + 1 > sizeof(stackbuf) && (buf = malloc(len + 1)) == NULL)
		return POUCH_E_NOMEM;
	buf[0] = 0x00;
	if (len != 0)
		memcpy(buf + 1, leaf, len);
	rc = pouch_hash(c, POUCH_SHA256, buf, len + 1, out);
	if (buf != stackbuf)
		free(buf);
	return rc;
}

int
pouch_kt_node_hash(const struct pouch_crypto *c, const uint8_t left[H],
    const uint8_t right[H], uint8_t out[H])
{
	uint8_t buf[1 + 2 * H];

	if (c == NULL || left == NULL || right == NULL || out == NULL)
		return POUCH_E_MISUSE;
	buf[0] = 0x01;
	memcpy(buf + 1, left, H);
	memcpy(buf + 1 + H, right, H);
	return pouch_hash(c, POUCH_SHA256, buf, sizeof(buf), out);
}

/* The largest power of two smaller than n (n > 1). */
static uint64_t
split(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

static int
is_pow2(uint64_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/* MTH(D[lo:hi]), hi > lo. */
static int
subtree(const struct src *s, uint64_t lo, uint64_t hi, uint8_t out[H])
{
	uint8_t l[H], r[H];
	uint64_t n = hi - lo, k;
	unsigned lvl;
	int rc;

	if (s->t != NULL && is_pow2(n) && lo % n == 0) {
		for (lvl = 0; (UINT64_C(1) << lvl) != n; lvl++)
			;
		if ((lo >> lvl) >= s->t->lv[lvl].n)
			return POUCH_E_KT_RANGE;
		memcpy(out, s->t->lv[lvl].h[lo >> lvl], H);
		return POUCH_OK;
	}
	if (n == 1)
		return s->fn(s->arg, lo, out);
	k = split(n);
	if ((rc = subtree(s, lo, lo + k, l)) != POUCH_OK ||
	    (rc = subtree(s, lo + k, hi, r)) != POUCH_OK)
		return rc;
	return pouch_kt_node_hash(s->c, l, r, out);
}

static int
root(const struct src *s, uint64_t size, uint8_t out[H])
{
	if (size == 0)
		return pouch_hash(s->c, POUCH_SHA256, NULL, 0, out);
	return subtree(s, 0, size, out);
}

static void
reverse(uint8_t proof[][H], size_t n)
{
	uint8_t tmp[H];
	size_t i;

	for (i = 0; i < n / 2; i++) {
		memcpy(tmp, proof[i], H);
		memcpy(proof[i], proof[n - 1 - i], H);
		memcpy(proof[n - 1 - i], tmp, H);
	}
}

static int
inclusion(const struct src *s, uint64_t m, uint64_t size,
    uint8_t proof[][H], size_t *np)
{
	uint64_t lo = 0, hi = size, k;
	size_t n = 0;
	int rc;

	*np = 0;
	if (m >= size || size > POUCH_KT_SIZE_MAX)
		return POUCH_E_KT_RANGE;
	while (hi - lo > 1) {
		k = split(hi - lo);
		if (n == POUCH_KT_PROOF_MAX)
			return POUCH_E_KT_RANGE;
		if (m - lo < k) {
			rc = subtree(s, lo + k, hi, proof[n]);
			hi = lo + k;
		} else {
			rc = subtree(s, lo, lo + k, proof[n]);
			lo += k;
		}
		if (rc != POUCH_OK)
			return rc;
		n++;
	}
	reverse(proof, n);
	*np = n;
	return POUCH_OK;
}

static int
consistency(const struct src *s, uint64_t m, uint64_t size,
    uint8_t proof[][H], size_t *np)
{
	uint64_t lo = 0, hi = size, k;
	size_t n = 0;
	int b = 1, rc;

	*np = 0;
	if (m == 0 || m > size || size > POUCH_KT_SIZE_MAX)
		return POUCH_E_KT_RANGE;
	/* Top-down: the siblings of SUBPROOF, then its base case. */
	while (m != hi - lo) {
		k = split(hi - lo);
		if (n == POUCH_KT_PROOF_MAX)
			return POUCH_E_KT_RANGE;
		if (m <= k) {
			rc = subtree(s, lo + k, hi, proof[n]);
			hi = lo + k;
		} else {
			rc = subtree(s, lo, lo + k, proof[n]);
			m -= k;
			lo += k;
			b = 0;
		}
		if (rc != POUCH_OK)
			return rc;
		n++;
	}
	if (!b) {
		if (n == POUCH_KT_PROOF_MAX)
			return POUCH_E_KT_RANGE;
		if ((rc = subtree(s, lo, hi, proof[n])) != POUCH_OK)
			return rc;
		n++;
	}
	/* [siblings top-down, base] reversed: the base first (2.1.4.1) */
	reverse(proof, n);
	*np = n;
	return POUCH_OK;
}

int
pouch_kt_root_cb(const struct pouch_crypto *c, uint64_t size,
    pouch_kt_leaf_fn fn, void *arg, uint8_t out[H])
{
	struct src s = { c, fn, arg, NULL };

	if (c == NULL || fn == NULL || out == NULL)
		return POUCH_E_MISUSE;
	if (size > POUCH_KT_SIZE_MAX)
		return POUCH_E_KT_RANGE;
	return root(&s, size, out);
}

int
pouch_kt_inclusion_cb(const struct pouch_crypto *c, uint64_t index,
    uint64_t size, pouch_kt_leaf_fn fn, void *arg, uint8_t proof[][H],
    size_t *n)
{
	struct src s = { c, fn, arg, NULL };

	if (n == NULL)
		return POUCH_E_MISUSE;
	*n = 0;
	if (c == NULL || fn == NULL || proof == NULL)
		return POUCH_E_MISUSE;
	return inclusion(&s, index, size, proof, n);
}

int
pouch_kt_consistency_cb(const struct pouch_crypto *c, uint64_t m,
    uint64_t size, pouch_kt_leaf_fn fn, void *arg, uint8_t proof[][H],
    size_t *n)
{
	struct src s = { c, fn, arg, NULL };

	if (n == NULL)
		return POUCH_E_MISUSE;
	*n = 0;
	if (c == NULL || fn == NULL || proof == NULL)
		return POUCH_E_MISUSE;
	return consistency(&s, m, size, proof, n);
}

/* ---- the in-memory tree ------------------------------------------------ */

/* Leaves of the tree source: level 0. */
static int
tree_leaf(void *arg, uint64_t index, uint8_t out[H])
{
	const struct pouch_kt_tree *t = arg;

	if (index >= t->lv[0].n)
		return POUCH_E_KT_RANGE;
	memcpy(out, t->lv[0].h[index], H);
	return POUCH_OK;
}

int
pouch_kt_tree_new(const struct pouch_crypto *c, struct pouch_kt_tree **out)
{
	struct pouch_kt_tree *t;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (c == NULL)
		return POUCH_E_MISUSE;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return POUCH_E_NOMEM;
	t->c = c;
	*out = t;
	return POUCH_OK;
}

void
pouch_kt_tree_free(struct pouch_kt_tree *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < 64; i++)
		free(t->lv[i].h);
	free(t);
}

uint64_t
pouch_kt_tree_size(const struct pouch_kt_tree *t)
{
	return t == NULL ? 0 : t->lv[0].n;
}

static int
level_push(struct level *l, const uint8_t h[H])
{
	uint8_t (*p)[H];
	uint64_t cap;

	if (l->n == l->cap) {
		cap = l->cap == 0 ? 64 : l->cap * 2;
		if (cap > SIZE_MAX / H)
			return POUCH_E_NOMEM;
		if ((p = realloc(l->h, (size_t)cap * H)) == NULL)
			return POUCH_E_NOMEM;
		l->h = p;
		l->cap = cap;
	}
	memcpy(l->h[l->n], h, H);
	l->n++;
	return POUCH_OK;
}

static void
cut(struct pouch_kt_tree *t, uint64_t size)
{
	unsigned k;

	for (k = 0; k < 64; k++)
		if (t->lv[k].n > (size >> k))
			t->lv[k].n = size >> k;
}

int
pouch_kt_tree_append(struct pouch_kt_tree *t, const uint8_t leaf_hash[H])
{
	uint8_t node[H];
	uint64_t idx;
	unsigned k;
	int rc;

	if (t == NULL || leaf_hash == NULL)
		return POUCH_E_MISUSE;
	if (t->lv[0].n >= POUCH_KT_SIZE_MAX)
		return POUCH_E_KT_RANGE;
	/* Make room first, so that a failure leaves the tree as it was. */
	idx = t->lv[0].n;
	for (k = 0; k < 63; k++) {
		if (t->lv[k].n == t->lv[k].cap) {
			if ((rc = level_push(&t->lv[k], leaf_hash)) != POUCH_OK)
				return rc;
			t->lv[k].n--;
		}
		if ((idx & 1) == 0)
			break;
		idx >>= 1;
	}
	idx = t->lv[0].n;
	if ((rc = level_push(&t->lv[0], leaf_hash)) != POUCH_OK)
		return rc;
	for (k = 0; (idx & 1) == 1; k++, idx >>= 1) {
		rc = pouch_kt_node_hash(t->c, t->lv[k].h[idx - 1],
		    t->lv[k].h[idx], node);
		if (rc != POUCH_OK)
			goto fail;
		if ((rc = level_push(&t->lv[k + 1], node)) != POUCH_OK)
			goto fail;
	}
	return POUCH_OK;
fail:
	cut(t, t->lv[0].n - 1);
	return rc;
}

int
pouch_kt_tree_truncate(struct pouch_kt_tree *t, uint64_t size)
{
	if (t == NULL)
		return POUCH_E_MISUSE;
	if (size > t->lv[0].n)
		return POUCH_E_KT_RANGE;
	cut(t, size);
	return POUCH_OK;
}

int
pouch_kt_tree_leaf(const struct pouch_kt_tree *t, uint64_t index,
    uint8_t out[H])
{
	if (t == NULL || out == NULL)
		return POUCH_E_MISUSE;
	return tree_leaf((void *)(uintptr_t)t, index, out);
}

int
pouch_kt_tree_root(const struct pouch_kt_tree *t, uint64_t size,
    uint8_t out[H])
{
	struct src s;

	if (t == NULL || out == NULL)
		return POUCH_E_MISUSE;
	if (size > t->lv[0].n)
		return POUCH_E_KT_RANGE;
	s = (struct src){ t->c, tree_leaf, (void *)(uintptr_t)t, t };
	return root(&s, size, out);
}

int
pouch_kt_tree_inclusion(const struct pouch_kt_tree *t, uint64_t index,
    uint64_t size, uint8_t proof[][H], size_t *n)
{
	struct src s;

	if (n == NULL)
		return POUCH_E_MISUSE;
	*n = 0;
	if (t == NULL || proof == NULL)
		return POUCH_E_MISUSE;
	if (size > t->lv[0].n)
		return POUCH_E_KT_RANGE;
	s = (struct src){ t->c, tree_leaf, (void *)(uintptr_t)t, t };
	return inclusion(&s, index, size, proof, n);
}

int
pouch_kt_tree_consistency(const struct pouch_kt_tree *t, uint64_t m,
    uint64_t size, uint8_t proof[][H], size_t *n)
{
	struct src s;

	if (n == NULL)
		return POUCH_E_MISUSE;
	*n = 0;
	if (t == NULL || proof == NULL)
		return POUCH_E_MISUSE;
	if (size > t->lv[0].n)
		return POUCH_E_KT_RANGE;
	s = (struct src){ t->c, tree_leaf, (void *)(uintptr_t)t, t };
	return consistency(&s, m, size, proof, n);
}

/* ---- verification ------------------------------------------------------ */

int
pouch_kt_verify_inclusion(const struct pouch_crypto *c, uint64_t index,
    uint64_t size, const uint8_t leaf_hash[H], const uint8_t proof[][H],
    size_t n, const uint8_t root_hash[H])
{
	uint8_t r[H];
	uint64_t fn, sn;
	size_t i;
	int rc;

	if (c == NULL || leaf_hash == NULL || root_hash == NULL ||
	    (proof == NULL && n != 0))
		return POUCH_E_MISUSE;
	if (index >= size)
		return POUCH_E_KT_RANGE;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf_hash, H);
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return POUCH_E_KT_PROOF;
		if ((fn & 1) == 1 || fn == sn) {
			rc = pouch_kt_node_hash(c, proof[i], r, r);
			if (rc != POUCH_OK)
				return rc;
			if ((fn & 1) == 0)
				while ((fn & 1) == 0 && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else if ((rc = pouch_kt_node_hash(c, r, proof[i], r)) !=
		    POUCH_OK)
			return rc;
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || pouch_ct_eq(r, root_hash, H) != 0)
		return POUCH_E_KT_PROOF;
	return POUCH_OK;
}

int
pouch_kt_verify_consistency(const struct pouch_crypto *c, uint64_t size1,
    uint64_t size2, const uint8_t root1[H], const uint8_t root2[H],
    const uint8_t proof[][H], size_t n)
{
	uint8_t fr[H], sr[H];
	uint64_t fn, sn;
	size_t i = 0;
	int rc;

	if (c == NULL || root1 == NULL || root2 == NULL ||
	    (proof == NULL && n != 0))
		return POUCH_E_MISUSE;
	if (size1 > size2)
		return POUCH_E_KT_ROLLBACK;
	if (size1 == 0)
		return POUCH_E_KT_RANGE;
	if (size1 == size2) {
		if (n != 0 || pouch_ct_eq(root1, root2, H) != 0)
			return POUCH_E_KT_PROOF;
		return POUCH_OK;
	}
	/* 1. an empty path fails */
	if (n == 0)
		return POUCH_E_KT_PROOF;
	/* 2. a power-of-two first tree is its own first path element */
	fn = size1 - 1;
	sn = size2 - 1;
	/* 4. */
	while ((fn & 1) == 1) {
		fn >>= 1;
		sn >>= 1;
	}
	/* 5. */
	if (is_pow2(size1)) {
		memcpy(fr, root1, H);
	} else {
		memcpy(fr, proof[0], H);
		i = 1;
	}
	memcpy(sr, fr, H);
	/* 6. */
	for (; i < n; i++) {
		if (sn == 0)
			return POUCH_E_KT_PROOF;
		if ((fn & 1) == 1 || fn == sn) {
			if ((rc = pouch_kt_node_hash(c, proof[i], fr, fr)) !=
			    POUCH_OK ||
			    (rc = pouch_kt_node_hash(c, proof[i], sr, sr)) !=
			    POUCH_OK)
				return rc;
			if ((fn & 1) == 0)
				while ((fn & 1) == 0 && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else if ((rc = pouch_kt_node_hash(c, sr, proof[i], sr)) !=
		    POUCH_OK)
			return rc;
		fn >>= 1;
		sn >>= 1;
	}
	/* 7. */
	if (sn != 0 || pouch_ct_eq(fr, root1, H) != 0 ||
	    pouch_ct_eq(sr, root2, H) != 0)
		return POUCH_E_KT_PROOF;
	return POUCH_OK;
}
