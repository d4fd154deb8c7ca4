/*
 * test_merkle.c - src/kt/merkle.c against RFC 9162 2.1.
 *
 * The model is the RFC's recursive definitions (MTH, PATH, SUBPROOF)
 * written literally over OpenSSL's SHA256() directly; it memoises the
 * hashes of aligned power-of-two subtrees (they do not depend on the tree
 * size) so that every proof can be compared.  Checked: known answers
 * for the empty and one-leaf trees; inclusion proofs for every leaf of
 * every size 1..1024 equal to the model's and verifying; consistency
 * proofs for every pair 1 <= m <= n <= 256 equal and verifying; the
 * callback form equal to the tree form (sizes <= 64); every single-bit
 * flip of every proof rejected for sizes <= 32 (inclusion: every leaf of
 * every size; consistency: every pair), plus one flip per proof hash for
 * sizes 33..64; wrong sizes, truncated and extended proofs rejected;
 * truncating and regrowing a tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "kt/kt.h"

#define H	POUCH_KT_HASH_BYTES
#define NMAX	1024

static struct pouch_crypto *c;
static uint8_t leaves[NMAX][H];		/* leaf hashes */
static uint8_t memo[2 * NMAX][H];	/* aligned pow2 subtrees */
static uint8_t memo_set[2 * NMAX];

/* ---- the model --------------------------------------------------------- */

static void
m_node(const uint8_t l[H], const uint8_t r[H], uint8_t out[H])
{
	uint8_t b[1 + 2 * H];

	b[0] = 1;
	memcpy(b + 1, l, H);
	memcpy(b + 1 + H, r, H);
	SHA256(b, sizeof(b), out);
}

static uint64_t
m_k(uint64_t n)
{
	uint64_t k = 1;

	while (2 * k < n)
		k *= 2;
	return k;
}

/* memo index of the aligned subtree [lo, lo + n), n a power of two */
static int
m_slot(uint64_t lo, uint64_t n)
{
	if ((n & (n - 1)) != 0 || lo % n != 0 || n > NMAX)
		return -1;
	return (int)(NMAX / n + lo / n);	/* heap-like numbering */
}

static void
m_mth(uint64_t lo, uint64_t hi, uint8_t out[H])
{
	uint8_t l[H], r[H];
	uint64_t n = hi - lo, k;
	int s = m_slot(lo, n);

	if (s >= 0 && memo_set[s]) {
		memcpy(out, memo[s], H);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[lo], H);
	} else {
		k = m_k(n);
		m_mth(lo, lo + k, l);
		m_mth(lo + k, hi, r);
		m_node(l, r, out);
	}
	if (s >= 0) {
		memcpy(memo[s], out, H);
		memo_set[s] = 1;
	}
}

/* PATH(m, D[lo:hi]) appended at proof[*n] */
static void
m_path(uint64_t m, uint64_t lo, uint64_t hi, uint8_t proof[][H], size_t *n)
{
	uint64_t k;

	if (hi - lo == 1)
		return;
	k = m_k(hi - lo);
	if (m < k) {
		m_path(m, lo, lo + k, proof, n);
		m_mth(lo + k, hi, proof[(*n)++]);
	} else {
		m_path(m - k, lo + k, hi, proof, n);
		m_mth(lo, lo + k, proof[(*n)++]);
	}
}

static void
m_subproof(uint64_t m, uint64_t lo, uint64_t hi, int b, uint8_t proof[][H],
    size_t *n)
{
	uint64_t k;

	if (m == hi - lo) {
		if (!b)
			m_mth(lo, hi, proof[(*n)++]);
		return;
	}
	k = m_k(hi - lo);
	if (m <= k) {
		m_subproof(m, lo, lo + k, b, proof, n);
		m_mth(lo + k, hi, proof[(*n)++]);
	} else {
		m_subproof(m - k, lo + k, hi, 0, proof, n);
		m_mth(lo, lo + k, proof[(*n)++]);
	}
}

static void
m_root(uint64_t n, uint8_t out[H])
{
	if (n == 0)
		SHA256(NULL, 0, out);
	else
		m_mth(0, n, out);
}

/* ---- fixtures ---------------------------------------------------------- */

static int
leaf_cb(void *arg, uint64_t i, uint8_t out[H])
{
	(void)arg;
	if (i >= NMAX)
		return POUCH_E_KT_RANGE;
	memcpy(out, leaves[i], H);
	return POUCH_OK;
}

static struct pouch_kt_tree *
full_tree(uint64_t n)
{
	struct pouch_kt_tree *t;
	uint64_t i;

	assert_int_equal(pouch_kt_tree_new(c, &t), POUCH_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(pouch_kt_tree_append(t, leaves[i]), POUCH_OK);
	return t;
}

static int
setup(void **state)
{
	uint8_t b[9];
	int i;

	(void)state;
	if (pouch_crypto_new(&c) != POUCH_OK)
		return -1;
	for (i = 0; i < NMAX; i++) {
		b[0] = 'l';
		memcpy(b + 1, &i, sizeof(i));
		if (pouch_kt_leaf_hash(c, b, 1 + sizeof(i), leaves[i]) !=
		    POUCH_OK)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pouch_crypto_free(c);
	return 0;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_known_answers(void **state)
{
	static const uint8_t empty[H] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
		0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
		0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
		0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55 };
	/* SHA-256(0x00): the hash of an empty leaf */
	static const uint8_t leaf0[H] = {
		0x6e, 0x34, 0x0b, 0x9c, 0xff, 0xb3, 0x7a, 0x98,
		0x9c, 0xa5, 0x44, 0xe6, 0xbb, 0x78, 0x0a, 0x2c,
		0x78, 0x90, 0x1d, 0x3f, 0xb3, 0x37, 0x38, 0x76,
		0x85, 0x11, 0xa3, 0x06, 0x17, 0xaf, 0xa0, 0x1d };
	struct pouch_kt_tree *t;
	uint8_t r[H], lh[H];

	(void)state;
	t = full_tree(0);
	assert_int_equal(pouch_kt_tree_root(t, 0, r), POUCH_OK);
	assert_memory_equal(r, empty, H);
	assert_int_equal(pouch_kt_leaf_hash(c, NULL, 0, lh), POUCH_OK);
	assert_memory_equal(lh, leaf0, H);
	assert_int_equal(pouch_kt_tree_append(t, lh), POUCH_OK);
	assert_int_equal(pouch_kt_tree_root(t, 1, r), POUCH_OK);
	assert_memory_equal(r, leaf0, H);
	assert_int_equal(pouch_kt_tree_root(t, 2, r), POUCH_E_KT_RANGE);
	pouch_kt_tree_free(t);
}

static void
test_roots(void **state)
{
	struct pouch_kt_tree *t = full_tree(NMAX);
	uint8_t a[H], b[H], d[H];
	uint64_t n;

	(void)state;
	for (n = 0; n <= NMAX; n++) {
		m_root(n, a);
		assert_int_equal(pouch_kt_tree_root(t, n, b), POUCH_OK);
		assert_memory_equal(a, b, H);
		if (n <= 128) {
			assert_int_equal(pouch_kt_root_cb(c, n, leaf_cb, NULL,
			    d), POUCH_OK);
			assert_memory_equal(a, d, H);
		}
	}
	pouch_kt_tree_free(t);
}

static void
test_inclusion_all(void **state)
{
	struct pouch_kt_tree *t = full_tree(NMAX);
	uint8_t p[POUCH_KT_PROOF_MAX][H], q[POUCH_KT_PROOF_MAX][H], r[H];
	size_t np, nq;
	uint64_t n, m;

	(void)state;
	for (n = 1; n <= NMAX; n++) {
		m_root(n, r);
		for (m = 0; m < n; m++) {
			assert_int_equal(pouch_kt_tree_inclusion(t, m, n, p,
			    &np), POUCH_OK);
			nq = 0;
			m_path(m, 0, n, q, &nq);
			assert_int_equal(np, nq);
			if (np != 0)
				assert_memory_equal(p, q, np * H);
			assert_int_equal(pouch_kt_verify_inclusion(c, m, n,
			    leaves[m], (const uint8_t (*)[H])p, np, r),
			    POUCH_OK);
			if (n <= 64) {
				assert_int_equal(pouch_kt_inclusion_cb(c, m, n,
				    leaf_cb, NULL, q, &nq), POUCH_OK);
				assert_int_equal(np, nq);
				if (np != 0)
					assert_memory_equal(p, q, np * H);
			}
		}
		assert_int_equal(pouch_kt_tree_inclusion(t, n, n, p, &np),
		    POUCH_E_KT_RANGE);
		assert_int_equal(np, 0);
	}
	pouch_kt_tree_free(t);
}

static void
test_consistency_all(void **state)
{
	struct pouch_kt_tree *t = full_tree(256);
	uint8_t p[POUCH_KT_PROOF_MAX][H], q[POUCH_KT_PROOF_MAX][H];
	uint8_t r1[H], r2[H];
	size_t np, nq;
	uint64_t n, m;

	(void)state;
	for (n = 1; n <= 256; n++) {
		m_root(n, r2);
		for (m = 1; m <= n; m++) {
			m_root(m, r1);
			assert_int_equal(pouch_kt_tree_consistency(t, m, n, p,
			    &np), POUCH_OK);
			nq = 0;
			m_subproof(m, 0, n, 1, q, &nq);
			assert_int_equal(np, nq);
			if (np != 0)
				assert_memory_equal(p, q, np * H);
			assert_int_equal(pouch_kt_verify_consistency(c, m, n,
			    r1, r2, (const uint8_t (*)[H])p, np), POUCH_OK);
			if (n <= 64) {
				assert_int_equal(pouch_kt_consistency_cb(c, m,
				    n, leaf_cb, NULL, q, &nq), POUCH_OK);
				assert_int_equal(np, nq);
				if (np != 0)
					assert_memory_equal(p, q, np * H);
			}
		}
		assert_int_equal(pouch_kt_tree_consistency(t, 0, n, p, &np),
		    POUCH_E_KT_RANGE);
		assert_int_equal(pouch_kt_tree_consistency(t, n + 1, n, p,
		    &np), POUCH_E_KT_RANGE);
	}
	pouch_kt_tree_free(t);
}

static void
test_inclusion_tamper(void **state)
{
	struct pouch_kt_tree *t = full_tree(65);
	uint8_t p[POUCH_KT_PROOF_MAX + 1][H], r[66][H], lh[H];
	size_t np, i, bit;
	uint64_t n, m;

	(void)state;
	for (n = 0; n <= 65; n++)
		m_root(n, r[n]);
	for (n = 1; n <= 64; n++) {
		for (m = 0; m < n; m++) {
			assert_int_equal(pouch_kt_tree_inclusion(t, m, n, p,
			    &np), POUCH_OK);
			for (i = 0; i < np; i++)
				for (bit = 0; bit < 8 * H;
				    bit += n <= 32 ? 1 : 37) {
					p[i][bit / 8] ^= 1 << (bit % 8);
					assert_int_not_equal(
					    pouch_kt_verify_inclusion(c, m, n,
					    leaves[m], (const uint8_t (*)[H])p,
					    np, r[n]), POUCH_OK);
					p[i][bit / 8] ^= 1 << (bit % 8);
				}
			/* the leaf and the root themselves */
			memcpy(lh, leaves[m], H);
			lh[m % H] ^= 0x80;
			assert_int_equal(pouch_kt_verify_inclusion(c, m, n, lh,
			    (const uint8_t (*)[H])p, np, r[n]),
			    POUCH_E_KT_PROOF);
			/* wrong sizes, with the true root of that size */
			assert_int_not_equal(pouch_kt_verify_inclusion(c, m,
			    n + 1, leaves[m], (const uint8_t (*)[H])p, np,
			    r[n + 1]), POUCH_OK);
			if (n - 1 > m)
				assert_int_not_equal(pouch_kt_verify_inclusion(c,
				    m, n - 1, leaves[m],
				    (const uint8_t (*)[H])p, np, r[n - 1]),
				    POUCH_OK);
			/* another index */
			if (n > 1)
				assert_int_not_equal(pouch_kt_verify_inclusion(c,
				    (m + 1) % n, n, leaves[m],
				    (const uint8_t (*)[H])p, np, r[n]),
				    POUCH_OK);
			/* truncated and extended */
			if (np > 0)
				assert_int_equal(pouch_kt_verify_inclusion(c, m,
				    n, leaves[m], (const uint8_t (*)[H])p,
				    np - 1, r[n]), POUCH_E_KT_PROOF);
			memcpy(p[np], r[n], H);
			assert_int_equal(pouch_kt_verify_inclusion(c, m, n,
			    leaves[m], (const uint8_t (*)[H])p, np + 1, r[n]),
			    POUCH_E_KT_PROOF);
		}
		assert_int_equal(pouch_kt_verify_inclusion(c, n, n, leaves[0],
		    (const uint8_t (*)[H])p, 0, r[n]), POUCH_E_KT_RANGE);
	}
	pouch_kt_tree_free(t);
}

static void
test_consistency_tamper(void **state)
{
	struct pouch_kt_tree *t = full_tree(65);
	uint8_t p[POUCH_KT_PROOF_MAX + 1][H], r[66][H], x[H];
	size_t np, i, bit;
	uint64_t n, m;

	(void)state;
	for (n = 0; n <= 65; n++)
		m_root(n, r[n]);
	for (n = 1; n <= 64; n++) {
		for (m = 1; m <= n; m++) {
			assert_int_equal(pouch_kt_tree_consistency(t, m, n, p,
			    &np), POUCH_OK);
			for (i = 0; i < np; i++)
				for (bit = 0; bit < 8 * H;
				    bit += n <= 32 ? 1 : 37) {
					p[i][bit / 8] ^= 1 << (bit % 8);
					assert_int_not_equal(
					    pouch_kt_verify_consistency(c, m, n,
					    r[m], r[n], (const uint8_t (*)[H])p,
					    np), POUCH_OK);
					p[i][bit / 8] ^= 1 << (bit % 8);
				}
			/* either root altered */
			memcpy(x, r[m], H);
			x[0] ^= 1;
			assert_int_not_equal(pouch_kt_verify_consistency(c, m,
			    n, x, r[n], (const uint8_t (*)[H])p, np),
			    POUCH_OK);
			memcpy(x, r[n], H);
			x[H - 1] ^= 0x40;
			assert_int_not_equal(pouch_kt_verify_consistency(c, m,
			    n, r[m], x, (const uint8_t (*)[H])p, np),
			    POUCH_OK);
			/* wrong sizes with the true roots of those sizes */
			assert_int_not_equal(pouch_kt_verify_consistency(c, m,
			    n + 1, r[m], r[n + 1], (const uint8_t (*)[H])p,
			    np), POUCH_OK);
			if (m > 1)
				assert_int_not_equal(
				    pouch_kt_verify_consistency(c, m - 1, n,
				    r[m - 1], r[n], (const uint8_t (*)[H])p,
				    np), POUCH_OK);
			if (m < n) {
				assert_int_not_equal(
				    pouch_kt_verify_consistency(c, m + 1, n,
				    r[m + 1], r[n], (const uint8_t (*)[H])p,
				    np), POUCH_OK);
				assert_int_equal(pouch_kt_verify_consistency(c,
				    m, n, r[m], r[n], (const uint8_t (*)[H])p,
				    np - 1), POUCH_E_KT_PROOF);
			}
			memcpy(p[np], r[n], H);
			assert_int_equal(pouch_kt_verify_consistency(c, m, n,
			    r[m], r[n], (const uint8_t (*)[H])p, np + 1),
			    POUCH_E_KT_PROOF);
			/* rollback: the sizes swapped */
			if (m < n)
				assert_int_equal(pouch_kt_verify_consistency(c,
				    n, m, r[n], r[m], (const uint8_t (*)[H])p,
				    np), POUCH_E_KT_ROLLBACK);
		}
	}
	assert_int_equal(pouch_kt_verify_consistency(c, 0, 1, r[0], r[1],
	    (const uint8_t (*)[H])p, 0), POUCH_E_KT_RANGE);
	pouch_kt_tree_free(t);
}

static void
test_truncate(void **state)
{
	struct pouch_kt_tree *t = full_tree(100);
	uint8_t a[H], b[H], save[H];

	(void)state;
	assert_int_equal(pouch_kt_tree_truncate(t, 101), POUCH_E_KT_RANGE);
	assert_int_equal(pouch_kt_tree_truncate(t, 37), POUCH_OK);
	assert_int_equal(pouch_kt_tree_size(t), 37);
	assert_int_equal(pouch_kt_tree_root(t, 38, a), POUCH_E_KT_RANGE);
	assert_int_equal(pouch_kt_tree_append(t, leaves[99]), POUCH_OK);
	assert_int_equal(pouch_kt_tree_root(t, 38, a), POUCH_OK);
	/* the model with leaf 37 replaced */
	memcpy(save, leaves[37], H);
	memcpy(leaves[37], leaves[99], H);
	memset(memo_set, 0, sizeof(memo_set));
	m_root(38, b);
	memcpy(leaves[37], save, H);
	memset(memo_set, 0, sizeof(memo_set));
	assert_memory_equal(a, b, H);
	pouch_kt_tree_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_roots),
		cmocka_unit_test(test_inclusion_all),
		cmocka_unit_test(test_consistency_all),
		cmocka_unit_test(test_inclusion_tamper),
		cmocka_unit_test(test_consistency_tamper),
		cmocka_unit_test(test_truncate),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
