/*
 * test_poly.c - arithmetic mod q and the NTT: the Barrett reductions and
 * the Montgomery reduction over their whole working ranges, NTT / inverse
 * NTT round trips, and multiplication in T_q against schoolbook
 * multiplication in Z_q[X]/(X^256 + 1), on the portable code, and the
 * AVX2 code against it (exactly the same output) where the CPU has AVX2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mlkem/mlkem.h"

/* A small deterministic generator, for test data only. */
static uint32_t
next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 32);
}

static void
random_poly(struct pouch_mlkem_poly *f, uint64_t *s)
{
	unsigned i;

	for (i = 0; i < MLKEM_N; i++)
		f->c[i] = (uint16_t)(next(s) % MLKEM_Q);
}

static void
reduce_exhaustive(void **state)
{
	uint64_t s = 1;
	uint32_t a;
	unsigned i;

	(void)state;
	/* Every input up to 2^26 (the largest used is below 2 q^2). */
	for (a = 0; a < (UINT32_C(1) << 26); a++)
		if (pouch_mlkem_reduce(a) != a % MLKEM_Q)
			fail_msg("reduce(%u) = %u", a, pouch_mlkem_reduce(a));
	/* The documented range goes to 2^32: its edges and samples. */
	for (a = UINT32_MAX - 100000; a != 0; a++)
		assert_int_equal(pouch_mlkem_reduce(a), a % MLKEM_Q);
	for (i = 0; i < 10000000; i++) {
		a = next(&s);
		assert_int_equal(pouch_mlkem_reduce(a), a % MLKEM_Q);
	}
}

/* Every a with |a| < 2^15 q: r 2^16 == a mod q and |r| < q. */
static void
montgomery_exhaustive(void **state)
{
	const int32_t lim = 32768 * MLKEM_Q;
	int32_t a;
	int64_t d;
	int16_t r;

	(void)state;
	for (a = -lim + 1; a < lim; a++) {
		r = pouch_mlkem_montgomery_reduce(a);
		d = (int64_t)r * 65536 - a;
		if (r <= -MLKEM_Q || r >= MLKEM_Q || d % MLKEM_Q != 0)
			fail_msg("montgomery_reduce(%d) = %d", a, r);
	}
}

/* Every int16_t x: r == x mod q and |r| <= (q - 1) / 2. */
static void
barrett16_exhaustive(void **state)
{
	int32_t x;
	int16_t r;

	(void)state;
	for (x = INT16_MIN; x <= INT16_MAX; x++) {
		r = pouch_mlkem_barrett_reduce16((int16_t)x);
		assert_true(r >= -(MLKEM_Q - 1) / 2 && r <= (MLKEM_Q - 1) / 2);
		assert_int_equal((r - x) % MLKEM_Q, 0);
	}
}

static void
ntt_round_trip(void **state)
{
	struct pouch_mlkem_poly f, g;
	uint64_t s = 2;
	unsigned t, i;

	(void)state;
	for (t = 0; t < 1000; t++) {
		random_poly(&f, &s);
		g = f;
		pouch_mlkem_ntt(&g);
		for (i = 0; i < MLKEM_N; i++)
			assert_true(g.c[i] < MLKEM_Q);
		pouch_mlkem_invntt(&g);
		assert_memory_equal(&f, &g, sizeof(f));
	}
	/* Edge values: all zero, all q - 1. */
	memset(&f, 0, sizeof(f));
	g = f;
	pouch_mlkem_ntt(&g);
	assert_memory_equal(&f, &g, sizeof(f));
	for (i = 0; i < MLKEM_N; i++)
		f.c[i] = MLKEM_Q - 1;
	g = f;
	pouch_mlkem_ntt(&g);
	pouch_mlkem_invntt(&g);
	assert_memory_equal(&f, &g, sizeof(f));
}

/* c = a * b in Z_q[X] / (X^256 + 1), the slow way. */
static void
schoolbook(struct pouch_mlkem_poly *c, const struct pouch_mlkem_poly *a,
    const struct pouch_mlkem_poly *b)
{
	int64_t acc[MLKEM_N] = { 0 };
	unsigned i, j;

	for (i = 0; i < MLKEM_N; i++)
		for (j = 0; j < MLKEM_N; j++) {
			int64_t p = (int64_t)a->c[i] * b->c[j];

			if (i + j < MLKEM_N)
				acc[i + j] += p;
			else
				acc[i + j - MLKEM_N] -= p;
		}
	for (i = 0; i < MLKEM_N; i++)
		c->c[i] = (uint16_t)(((acc[i] % MLKEM_Q) + MLKEM_Q) % MLKEM_Q);
}

static void
ntt_multiplication(void **state)
{
	struct pouch_mlkem_poly a, b, c, want, na, nb;
	uint64_t s = 3;
	unsigned t;

	(void)state;
	for (t = 0; t < 50; t++) {
		random_poly(&a, &s);
		random_poly(&b, &s);
		schoolbook(&want, &a, &b);
		na = a;
		nb = b;
		pouch_mlkem_ntt(&na);
		pouch_mlkem_ntt(&nb);
		memset(&c, 0, sizeof(c));
		pouch_mlkem_basemul_acc(&c, &na, &nb);
		pouch_mlkem_invntt(&c);
		assert_memory_equal(&c, &want, sizeof(c));
	}
}

/* Lazy sums of up to 193 products reduce to the step-by-step result. */
static void
basemul_lazy_matches(void **state)
{
	struct pouch_mlkem_poly a, b, r, lazy;
	struct pouch_mlkem_acc acc;
	uint64_t s = 8;
	unsigned t, i;

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(&acc, 0, sizeof(acc));
	for (t = 0; t < 193; t++) {
		random_poly(&a, &s);
		random_poly(&b, &s);
		if (t < 4)	/* the largest values */
			for (i = 0; i < MLKEM_N; i++)
				a.c[i] = b.c[i] = MLKEM_Q - 1;
		pouch_mlkem_basemul_acc(&r, &a, &b);
		pouch_mlkem_basemul_lazy(&acc, &a, &b);
		if (t == 3 || t == 192) {
			pouch_mlkem_acc_reduce(&lazy, &acc);
			assert_memory_equal(&lazy, &r, sizeof(r));
		}
	}
}

static void
add_sub(void **state)
{
	struct pouch_mlkem_poly a, b, r;
	uint64_t s = 4;
	unsigned t, i;

	(void)state;
	for (t = 0; t < 100; t++) {
		random_poly(&a, &s);
		random_poly(&b, &s);
		if (t == 0)
			for (i = 0; i < MLKEM_N; i++)
				a.c[i] = b.c[i] = MLKEM_Q - 1;
		r = a;
		pouch_mlkem_poly_add(&r, &b);
		for (i = 0; i < MLKEM_N; i++)
			assert_int_equal(r.c[i], (a.c[i] + b.c[i]) % MLKEM_Q);
		pouch_mlkem_poly_sub(&r, &b);
		assert_memory_equal(&r, &a, sizeof(r));
	}
}

/* Multiplication against schoolbook on the portable code alone. */
static void
ntt_multiplication_c(void **state)
{
	struct pouch_mlkem_poly a, b, c, want;
	struct pouch_mlkem_acc acc;
	uint64_t s = 5;
	unsigned t;

	(void)state;
	for (t = 0; t < 20; t++) {
		random_poly(&a, &s);
		random_poly(&b, &s);
		schoolbook(&want, &a, &b);
		pouch_mlkem_ntt_c(&a);
		pouch_mlkem_ntt_c(&b);
		memset(&acc, 0, sizeof(acc));
		pouch_mlkem_basemul_lazy_c(&acc, &a, &b);
		pouch_mlkem_acc_reduce_c(&c, &acc);
		pouch_mlkem_invntt_c(&c);
		assert_memory_equal(&c, &want, sizeof(c));
	}
}

#ifdef POUCH_MLKEM_AVX2
/* Test inputs: random, then all 0, all q - 1, alternating 0 and q - 1. */
static void
test_poly(struct pouch_mlkem_poly *f, unsigned t, uint64_t *s)
{
	unsigned i;

	random_poly(f, s);
	for (i = 0; i < MLKEM_N; i++) {
		if (t == 0)
			f->c[i] = 0;
		else if (t == 1)
			f->c[i] = MLKEM_Q - 1;
		else if (t == 2)
			f->c[i] = (uint16_t)(i & 1 ? MLKEM_Q - 1 : 0);
	}
}

/* The AVX2 NTTs give exactly the portable NTTs' output. */
static void
avx2_ntt_matches_c(void **state)
{
	struct pouch_mlkem_poly f, g, h;
	uint64_t s = 9;
	unsigned t;

	(void)state;
	if (!pouch_mlkem_avx2_usable())
		skip();
	for (t = 0; t < 5000; t++) {
		test_poly(&f, t, &s);
		g = h = f;
		pouch_mlkem_ntt_c(&g);
		pouch_mlkem_ntt_avx2(&h);
		assert_memory_equal(&g, &h, sizeof(g));
		g = h = f;
		pouch_mlkem_invntt_c(&g);
		pouch_mlkem_invntt_avx2(&h);
		assert_memory_equal(&g, &h, sizeof(g));
	}
}

/*
 * The AVX2 lazy products differ from the portable ones before the
 * reduction (another representative of each product), never after it,
 * up to the 193 products the bound allows; the AVX2 sums and
 * differences and the AVX2 reduction of any uint32_t are the portable
 * ones.
 */
static void
avx2_basemul_matches_c(void **state)
{
	struct pouch_mlkem_poly a, b, rc, rv;
	struct pouch_mlkem_acc ac, av;
	uint64_t s = 10;
	unsigned t, i;

	(void)state;
	if (!pouch_mlkem_avx2_usable())
		skip();
	memset(&ac, 0, sizeof(ac));
	memset(&av, 0, sizeof(av));
	for (t = 0; t < 193; t++) {
		test_poly(&a, t < 3 ? 1 : t, &s);
		test_poly(&b, t < 3 ? 1 : t, &s);
		pouch_mlkem_basemul_lazy_c(&ac, &a, &b);
		pouch_mlkem_basemul_lazy_avx2(&av, &a, &b);
		pouch_mlkem_acc_reduce_c(&rc, &ac);
		pouch_mlkem_acc_reduce_avx2(&rv, &av);
		assert_memory_equal(&rc, &rv, sizeof(rc));
	}
	for (t = 0; t < 1000; t++) {
		test_poly(&a, t, &s);
		test_poly(&b, t + 1, &s);
		rc = rv = a;
		pouch_mlkem_poly_add_c(&rc, &b);
		pouch_mlkem_poly_add_avx2(&rv, &b);
		assert_memory_equal(&rc, &rv, sizeof(rc));
		rc = rv = a;
		pouch_mlkem_poly_sub_c(&rc, &b);
		pouch_mlkem_poly_sub_avx2(&rv, &b);
		assert_memory_equal(&rc, &rv, sizeof(rc));
	}
	for (t = 0; t < 2000; t++) {
		for (i = 0; i < MLKEM_N; i++)
			ac.c[i] = t == 0 ? UINT32_MAX - i : next(&s);
		pouch_mlkem_acc_reduce_c(&rc, &ac);
		pouch_mlkem_acc_reduce_avx2(&rv, &ac);
		assert_memory_equal(&rc, &rv, sizeof(rc));
	}
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reduce_exhaustive),
		cmocka_unit_test(montgomery_exhaustive),
		cmocka_unit_test(barrett16_exhaustive),
		cmocka_unit_test(ntt_round_trip),
		cmocka_unit_test(ntt_multiplication),
		cmocka_unit_test(basemul_lazy_matches),
		cmocka_unit_test(add_sub),
		cmocka_unit_test(ntt_multiplication_c),
#ifdef POUCH_MLKEM_AVX2
		cmocka_unit_test(avx2_ntt_matches_c),
		cmocka_unit_test(avx2_basemul_matches_c),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
