/*
 * test_kem.c - ML-KEM as a whole: round trips for every parameter set,
 * the 7.2 modulus check (every value q..4095 rejected), the 7.3 checks
 * (lengths, a flipped byte of H(ek) or of ek inside dk), implicit
 * rejection (a tampered ciphertext gives J(z || c) and POUCH_OK), the
 * sizes, the typed ML-KEM-768 functions, misuse (NULL, sizes), and the
 * n-th allocation failing for every n (a clean error, zeroed outputs, no
 * leak under LeakSanitizer, then the same result once nothing fails).
 * Array parameters declared [static N] are non-NULL by contract (the
 * compiler checks callers), so only plain pointers are tried with NULL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mlkem/mlkem.h"

/*
 * OpenSSL's allocator, failing when the countdown reaches zero (-1: never).
 * Test-only process state; the library itself has none.
 */
static long oom_countdown = -1;

static int
oom_now(void)
{
	if (oom_countdown == 0)
		return 1;
	if (oom_countdown > 0)
		oom_countdown--;
	return 0;
}

static void *
oom_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return oom_now() ? NULL : malloc(n);
}

static void *
oom_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return oom_now() ? NULL : realloc(p, n);
}

static void
oom_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

static const enum pouch_mlkem_param sets[] = { POUCH_MLKEM512,
    POUCH_MLKEM768, POUCH_MLKEM1024 };
#define NSETS	(sizeof(sets) / sizeof(sets[0]))

struct keys {
	enum pouch_mlkem_param	p;
	const struct pouch_mlkem_params *prm;
	size_t			ekl, dkl, ctl;
	uint8_t			seed[MLKEM_SEED_BYTES];
	uint8_t			ek[MLKEM_EK_MAX], dk[MLKEM_DK_MAX];
	uint8_t			ct[MLKEM_CT_MAX], ss[MLKEM_SS_BYTES];
};

static int
setup(void **state)
{
	static struct pouch_mlkem_ctx *c;

	if (pouch_mlkem_ctx_new(&c) != POUCH_OK)
		return -1;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	pouch_mlkem_ctx_free(*state);
	return 0;
}

static void
make_keys(const struct pouch_mlkem_ctx *c, enum pouch_mlkem_param p,
    struct keys *k)
{
	memset(k, 0, sizeof(*k));
	k->p = p;
	k->prm = pouch_mlkem_params_get(p);
	k->ekl = pouch_mlkem_ek_len(p);
	k->dkl = pouch_mlkem_dk_len(p);
	k->ctl = pouch_mlkem_ct_len(p);
	assert_int_equal(pouch_mlkem_keygen(c, p, k->seed, k->ek, k->ekl,
	    k->dk, k->dkl), POUCH_OK);
	assert_int_equal(pouch_mlkem_encaps(c, p, k->ek, k->ekl, k->ct,
	    k->ctl, k->ss), POUCH_OK);
}

static int
all_zero(const uint8_t *b, size_t n)
{
	uint8_t acc = 0;

	while (n-- > 0)
		acc |= *b++;
	return acc == 0;
}

static void
sizes(void **state)
{
	const struct pouch_mlkem_params *prm;
	size_t i;

	(void)state;
	assert_int_equal(pouch_mlkem_ek_len(POUCH_MLKEM512), MLKEM512_EK_BYTES);
	assert_int_equal(pouch_mlkem_dk_len(POUCH_MLKEM512), MLKEM512_DK_BYTES);
	assert_int_equal(pouch_mlkem_ct_len(POUCH_MLKEM512), MLKEM512_CT_BYTES);
	assert_int_equal(pouch_mlkem_ek_len(POUCH_MLKEM768), MLKEM768_EK_BYTES);
	assert_int_equal(pouch_mlkem_dk_len(POUCH_MLKEM768), MLKEM768_DK_BYTES);
	assert_int_equal(pouch_mlkem_ct_len(POUCH_MLKEM768), MLKEM768_CT_BYTES);
	assert_int_equal(pouch_mlkem_ek_len(POUCH_MLKEM1024),
	    MLKEM1024_EK_BYTES);
	assert_int_equal(pouch_mlkem_dk_len(POUCH_MLKEM1024),
	    MLKEM1024_DK_BYTES);
	assert_int_equal(pouch_mlkem_ct_len(POUCH_MLKEM1024),
	    MLKEM1024_CT_BYTES);
	for (i = 0; i < NSETS; i++) {
		prm = pouch_mlkem_params_get(sets[i]);
		assert_non_null(prm);
		assert_int_equal(prm->ek_bytes, 384 * prm->k + 32);
		assert_int_equal(prm->dk_bytes, 768 * prm->k + 96);
		assert_int_equal(prm->ct_bytes,
		    32 * (prm->du * prm->k + prm->dv));
		assert_true(prm->ek_bytes <= MLKEM_EK_MAX);
		assert_true(prm->dk_bytes <= MLKEM_DK_MAX);
		assert_true(prm->ct_bytes <= MLKEM_CT_MAX);
	}
	assert_null(pouch_mlkem_params_get((enum pouch_mlkem_param)0));
	assert_null(pouch_mlkem_params_get((enum pouch_mlkem_param)4));
	assert_int_equal(pouch_mlkem_ek_len((enum pouch_mlkem_param)4), 0);
}

static void
round_trip_every_set(void **state)
{
	const struct pouch_mlkem_ctx *c = *state;
	uint8_t ek[MLKEM_EK_MAX], dk[MLKEM_DK_MAX], ss[32];
	struct keys k;
	size_t i, t;

	for (i = 0; i < NSETS; i++)
		for (t = 0; t < 20; t++) {
			make_keys(c, sets[i], &k);
			assert_int_equal(pouch_mlkem_decaps(c, k.p, k.dk,
			    k.dkl, k.ct, k.ctl, ss), POUCH_OK);
			assert_memory_equal(ss, k.ss, sizeof(ss));
			/* The seed output expands to the same keys. */
			assert_int_equal(pouch_mlkem_keygen_seed(c, k.p, k.seed,
			    sizeof(k.seed), ek, k.ekl, dk, k.dkl), POUCH_OK);
			assert_memory_equal(ek, k.ek, k.ekl);
			assert_memory_equal(dk, k.dk, k.dkl);
			assert_int_equal(pouch_mlkem_ek_check(k.p, k.ek, k.ekl),
			    POUCH_OK);
			assert_int_equal(pouch_mlkem_dk_check(c, k.p, k.dk,
			    k.dkl), POUCH_OK);
		}
}

/* Put the 12-bit value v at coefficient slot i of an encoded vector. */
static void
put12(uint8_t *b, size_t i, unsigned v)
{
	uint8_t *p = b + 3 * (i / 2);

	if (i % 2 == 0) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)((p[1] & 0xf0) | (v >> 8));
	} else {
		p[1] = (uint8_t)((p[1] & 0x0f) | (v << 4));
		p[2] = (uint8_t)(v >> 4);
	}
}

static void
modulus_check_rejects_every_value(void **state)
{
	const struct pouch_mlkem_ctx *c = *state;
	uint8_t ek[MLKEM_EK_MAX], ct[MLKEM_CT_MAX], ss[32], m[32];
	struct keys k;
	size_t i, slot;
	unsigned v;

	memset(m, 7, sizeof(m));
	for (i = 0; i < NSETS; i++) {
		make_keys(c, sets[i], &k);
		for (v = MLKEM_Q; v < 4096; v++) {
			/* A different position for each value. */
			slot = ((size_t)v * 97) % (MLKEM_N * k.prm->k);
			memcpy(ek, k.ek, k.ekl);
			put12(ek, slot, MLKEM_Q - 1);
			assert_int_equal(pouch_mlkem_ek_check(k.p, ek, k.ekl),
			    POUCH_OK);
			put12(ek, slot, v);
			assert_int_equal(pouch_mlkem_ek_check(k.p, ek, k.ekl),
			    POUCH_E_BAD_KEY);
			memset(ct, 0xaa, sizeof(ct));
			memset(ss, 0xaa, sizeof(ss));
			assert_int_equal(pouch_mlkem_encaps_internal(c, k.p, ek,
			    k.ekl, m, ct, k.ctl, ss), POUCH_E_BAD_KEY);
			assert_true(all_zero(ct, k.ctl));
			assert_true(all_zero(ss, sizeof(ss)));
		}
		/* Every slot, with the largest value. */
		for (slot = 0; slot < MLKEM_N * k.prm->k; slot++) {
			memcpy(ek, k.ek, k.ekl);
			put12(ek, slot, 4095);
			assert_int_equal(pouch_mlkem_encaps(c, k.p, ek, k.ekl,
			    ct, k.ctl, ss), POUCH_E_BAD_KEY);
		}
		/* Type check: one byte short or long. */
		assert_int_equal(pouch_mlkem_ek_check(k.p, k.ek, k.ekl - 1),
		    POUCH_E_BAD_KEY);
		assert_int_equal(pouch_mlkem_encaps(c, k.p, k.ek, k.ekl + 1,
		    ct, k.ctl, ss), POUCH_E_BAD_KEY);
	}
}

static void
dk_hash_check_rejects_flipped_byte(void **state)
{
	const struct pouch_mlkem_ctx *c = *state;
	uint8_t dk[MLKEM_DK_MAX], ss[32];
	struct keys k;
	size_t i, off, hoff;

	for (i = 0; i < NSETS; i++) {
		make_keys(c, sets[i], &k);
		off = 384 * k.prm->k;		/* ek inside dk */
		hoff = off + k.ekl;		/* H(ek) */
		for (size_t pos = off; pos < hoff + 32; pos +=
		    pos < hoff ? 37 : 1) {
			memcpy(dk, k.dk, k.dkl);
			dk[pos] ^= 0x01;
			assert_int_equal(pouch_mlkem_dk_check(c, k.p, dk,
			    k.dkl), POUCH_E_BAD_KEY);
			memset(ss, 0xaa, sizeof(ss));
			assert_int_equal(pouch_mlkem_decaps(c, k.p, dk, k.dkl,
			    k.ct, k.ctl, ss), POUCH_E_BAD_KEY);
			assert_true(all_zero(ss, sizeof(ss)));
		}
		/* Lengths (7.3 items 1 and 2). */
		assert_int_equal(pouch_mlkem_decaps(c, k.p, k.dk, k.dkl - 1,
		    k.ct, k.ctl, ss), POUCH_E_BAD_KEY);
		assert_int_equal(pouch_mlkem_decaps(c, k.p, k.dk, k.dkl + 1,
		    k.ct, k.ctl, ss), POUCH_E_BAD_KEY);
		assert_int_equal(pouch_mlkem_decaps(c, k.p, k.dk, k.dkl,
		    k.ct, k.ctl - 1, ss), POUCH_E_MALFORMED);
		assert_int_equal(pouch_mlkem_decaps(c, k.p, k.dk, k.dkl,
		    k.ct, k.ctl + 1, ss), POUCH_E_MALFORMED);
	}
}

static void
implicit_rejection(void **state)
{
	const struct pouch_mlkem_ctx *c = *state;
	uint8_t ct[MLKEM_CT_MAX], ss[32], want[32];
	EVP_MD_CTX *mdc;
	EVP_MD *shake;
	struct keys k;
	size_t i, pos;

	assert_non_null(mdc = EVP_MD_CTX_new());
	assert_non_null(shake = EVP_MD_fetch(NULL, "SHAKE256", NULL));
	for (i = 0; i < NSETS; i++) {
		make_keys(c, sets[i], &k);
		for (pos = 0; pos < k.ctl; pos += k.ctl / 7) {
			const uint8_t *z = k.dk + k.dkl - 32;

			memcpy(ct, k.ct, k.ctl);
			ct[pos == 0 ? 0 : pos - 1] ^= 0x80;
			if (pos + k.ctl / 7 >= k.ctl)
				ct[k.ctl - 1] ^= 0x01;	/* and the last */
			assert_int_equal(pouch_mlkem_decaps(c, k.p, k.dk,
			    k.dkl, ct, k.ctl, ss), POUCH_OK);
			/* K_bar = J(z || c) = SHAKE256(z || c, 32 bytes) */
			assert_int_equal(EVP_DigestInit_ex(mdc, shake, NULL),
			    1);
			assert_int_equal(EVP_DigestUpdate(mdc, z, 32), 1);
			assert_int_equal(EVP_DigestUpdate(mdc, ct, k.ctl), 1);
			assert_int_equal(EVP_DigestFinalXOF(mdc, want, 32), 1);
			assert_memory_equal(ss, want, sizeof(ss));
			assert_memory_not_equal(ss, k.ss, sizeof(ss));
		}
	}
	EVP_MD_free(shake);
	EVP_MD_CTX_free(mdc);
}

static void
typed_768_agrees(void **state)
{
	const struct pouch_mlkem_ctx *c = *state;
	struct pouch_mlkem768_ek ek;
	struct pouch_mlkem768_dk dk;
	struct pouch_mlkem768_ct ct, ct2;
	uint8_t seed[64], m[32], ss[32], ss2[32];
	uint8_t gek[MLKEM768_EK_BYTES], gdk[MLKEM768_DK_BYTES];

	memset(seed, 0x5a, sizeof(seed));
	memset(m, 0xa5, sizeof(m));
	assert_int_equal(pouch_mlkem768_keygen_seed(c, seed, &ek, &dk),
	    POUCH_OK);
	assert_int_equal(pouch_mlkem_keygen_seed(c, POUCH_MLKEM768, seed, 64,
	    gek, sizeof(gek), gdk, sizeof(gdk)), POUCH_OK);
	assert_memory_equal(ek.b, gek, sizeof(gek));
	assert_memory_equal(dk.b, gdk, sizeof(gdk));
	assert_int_equal(pouch_mlkem768_encaps_internal(c, &ek, m, &ct, ss),
	    POUCH_OK);
	assert_int_equal(pouch_mlkem768_decaps(c, &dk, &ct, ss2), POUCH_OK);
	assert_memory_equal(ss, ss2, 32);
	assert_int_equal(pouch_mlkem768_encaps(c, &ek, &ct2, ss), POUCH_OK);
	assert_int_equal(pouch_mlkem768_decaps(c, &dk, &ct2, ss2), POUCH_OK);
	assert_memory_equal(ss, ss2, 32);
	assert_int_equal(pouch_mlkem768_keygen_seed(c, seed, NULL, &dk),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem768_encaps(c, NULL, &ct, ss),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem768_decaps(c, &dk, NULL, ss),
	    POUCH_E_MISUSE);
}

/*
 * The four-way AVX2 SHAKE and the one-at-a-time OpenSSL path give the
 * same keys, ciphertexts and shared secrets in every set, and the seed
 * and own-key decapsulations give what keygen_seed + decaps give, for
 * good and for corrupted ciphertexts (implicit rejection).
 */
static void
simd_and_seed_paths_agree(void **state)
{
	struct pouch_mlkem_ctx *c = NULL;
	struct pouch_mlkem768_dk dk768;
	struct pouch_mlkem768_ct ct768;
	uint8_t seed[64], m[32], ek[2][MLKEM_EK_MAX], dk[2][MLKEM_DK_MAX];
	uint8_t ct[2][MLKEM_CT_MAX], ss[2][32], ssd[2][32], ss3[32];
	size_t ekl, dkl, ctl, i, t, v;
	int simd;

	(void)state;
	assert_int_equal(pouch_mlkem_ctx_new(&c), POUCH_OK);
	for (i = 0; i < NSETS; i++) {
		ekl = pouch_mlkem_ek_len(sets[i]);
		dkl = pouch_mlkem_dk_len(sets[i]);
		ctl = pouch_mlkem_ct_len(sets[i]);
		for (t = 0; t < 20; t++) {
			memset(seed, (int)(t * 13 + i), sizeof(seed));
			seed[t] ^= 0x80;
			memset(m, (int)(t * 7 + 1), sizeof(m));
			for (v = 0; v < 2; v++) {
				simd = v == 0;
				pouch_mlkem_ctx_set_simd(c, simd);
				assert_int_equal(pouch_mlkem_keygen_seed(c,
				    sets[i], seed, 64, ek[v], ekl, dk[v], dkl),
				    POUCH_OK);
				assert_int_equal(pouch_mlkem_encaps_internal(c,
				    sets[i], ek[v], ekl, m, ct[v], ctl, ss[v]),
				    POUCH_OK);
				if (t & 1)	/* implicit rejection */
					ct[v][t % ctl] ^= 1;
				assert_int_equal(pouch_mlkem_decaps(c, sets[i],
				    dk[v], dkl, ct[v], ctl, ssd[v]), POUCH_OK);
				assert_int_equal(pouch_mlkem_decaps_seed(c,
				    sets[i], seed, 64, ct[v], ctl, ss3),
				    POUCH_OK);
				assert_memory_equal(ss3, ssd[v], 32);
				if ((t & 1) == 0)
					assert_memory_equal(ss[v], ssd[v], 32);
				else
					assert_memory_not_equal(ss[v], ssd[v],
					    32);
				if (sets[i] != POUCH_MLKEM768)
					continue;
				memcpy(dk768.b, dk[v], dkl);
				memcpy(ct768.b, ct[v], ctl);
				assert_int_equal(pouch_mlkem768_decaps_own(c,
				    &dk768, &ct768, ss3), POUCH_OK);
				assert_memory_equal(ss3, ssd[v], 32);
			}
			assert_memory_equal(ek[0], ek[1], ekl);
			assert_memory_equal(dk[0], dk[1], dkl);
			assert_memory_equal(ct[0], ct[1], ctl);
			assert_memory_equal(ss[0], ss[1], 32);
			assert_memory_equal(ssd[0], ssd[1], 32);
		}
	}
	/* decaps_seed checks lengths like decaps. */
	assert_int_equal(pouch_mlkem_decaps_seed(c, POUCH_MLKEM768, seed, 63,
	    ct[0], MLKEM768_CT_BYTES, ss3), POUCH_E_BAD_KEY);
	assert_true(all_zero(ss3, sizeof(ss3)));
	assert_int_equal(pouch_mlkem_decaps_seed(c, POUCH_MLKEM768, seed, 64,
	    ct[0], MLKEM768_CT_BYTES - 1, ss3), POUCH_E_MALFORMED);
	assert_int_equal(pouch_mlkem_decaps_seed(c, POUCH_MLKEM768, NULL, 64,
	    ct[0], MLKEM768_CT_BYTES, ss3), POUCH_E_MISUSE);
	pouch_mlkem_ctx_free(c);
}

static void
misuse(void **state)
{
	const struct pouch_mlkem_ctx *c = *state;
	const enum pouch_mlkem_param bad = (enum pouch_mlkem_param)9;
	uint8_t ss[32], seed[65] = { 0 };
	uint8_t ek[MLKEM_EK_MAX], dk[MLKEM_DK_MAX];
	struct keys k;

	make_keys(c, POUCH_MLKEM768, &k);
	assert_int_equal(pouch_mlkem_ctx_new(NULL), POUCH_E_MISUSE);
	/* key generation */
	assert_int_equal(pouch_mlkem_keygen(NULL, k.p, NULL, ek, k.ekl, dk,
	    k.dkl), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_keygen(c, bad, NULL, ek, k.ekl, dk,
	    k.dkl), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_keygen(c, k.p, NULL, NULL, k.ekl, dk,
	    k.dkl), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_keygen(c, k.p, NULL, ek, k.ekl - 1, dk,
	    k.dkl), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_keygen(c, k.p, NULL, ek, k.ekl, dk,
	    k.dkl + 1), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_keygen_seed(c, k.p, NULL, 64, ek, k.ekl,
	    dk, k.dkl), POUCH_E_MISUSE);
	memset(dk, 0xaa, k.dkl);
	assert_int_equal(pouch_mlkem_keygen_seed(c, k.p, seed, 63, ek, k.ekl,
	    dk, k.dkl), POUCH_E_BAD_KEY);
	assert_true(all_zero(dk, k.dkl));
	assert_int_equal(pouch_mlkem_keygen_seed(c, k.p, seed, 65, ek, k.ekl,
	    dk, k.dkl), POUCH_E_BAD_KEY);
	/* encapsulation */
	assert_int_equal(pouch_mlkem_encaps(NULL, k.p, k.ek, k.ekl, k.ct,
	    k.ctl, ss), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_encaps(c, bad, k.ek, k.ekl, k.ct, k.ctl,
	    ss), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_encaps(c, k.p, NULL, k.ekl, k.ct, k.ctl,
	    ss), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_encaps(c, k.p, k.ek, k.ekl, NULL, k.ctl,
	    ss), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_encaps(c, k.p, k.ek, k.ekl, k.ct,
	    k.ctl - 1, ss), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_ek_check(k.p, NULL, k.ekl),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_ek_check(bad, k.ek, k.ekl),
	    POUCH_E_MISUSE);
	/* decapsulation */
	assert_int_equal(pouch_mlkem_decaps(NULL, k.p, k.dk, k.dkl, k.ct,
	    k.ctl, ss), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_decaps(c, bad, k.dk, k.dkl, k.ct, k.ctl,
	    ss), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_decaps(c, k.p, NULL, k.dkl, k.ct, k.ctl,
	    ss), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_decaps(c, k.p, k.dk, k.dkl, NULL, k.ctl,
	    ss), POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_dk_check(NULL, k.p, k.dk, k.dkl),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mlkem_dk_check(c, k.p, NULL, k.dkl),
	    POUCH_E_MISUSE);
	/* A key of another parameter set has the wrong length. */
	assert_int_equal(pouch_mlkem_decaps(c, POUCH_MLKEM512, k.dk, k.dkl,
	    k.ct, MLKEM512_CT_BYTES, ss), POUCH_E_BAD_KEY);
}

/* Fail the n-th allocation for n = 0, 1, ... until the call succeeds. */
static void
allocation_failures(void **state)
{
	struct pouch_mlkem_ctx *c = *state;
	uint8_t seed[64], m[32], ek[MLKEM768_EK_BYTES], dk[MLKEM768_DK_BYTES];
	uint8_t ct[MLKEM768_CT_BYTES], ss[32], ss2[32];
	struct keys k;
	unsigned rare, op;
	long n;
	int rc;

	memset(m, 9, sizeof(m));
	make_keys(c, POUCH_MLKEM768, &k);
	for (rare = 0; rare < 2; rare++) {
		/* rare: every SampleNTT takes the allocating fallback */
		pouch_mlkem_ctx_set_xof_first(c, rare ? 3 : MLKEM_XOF_FIRST_BYTES);
		for (op = 0; op < 3; op++) {
			for (n = 0;; n++) {
				memset(ek, 0xaa, sizeof(ek));
				memset(dk, 0xaa, sizeof(dk));
				memset(ct, 0xaa, sizeof(ct));
				memset(ss, 0xaa, sizeof(ss));
				oom_countdown = n;
				if (op == 0)
					rc = pouch_mlkem_keygen_seed(c, k.p,
					    k.seed, 64, ek, k.ekl, dk, k.dkl);
				else if (op == 1)
					rc = pouch_mlkem_encaps_internal(c, k.p,
					    k.ek, k.ekl, m, ct, k.ctl, ss);
				else
					rc = pouch_mlkem_decaps(c, k.p, k.dk,
					    k.dkl, k.ct, k.ctl, ss);
				oom_countdown = -1;
				if (rc == POUCH_OK)
					break;
				assert_true(rc == POUCH_E_NOMEM ||
				    rc == POUCH_E_CRYPTO);
				if (op == 0) {
					assert_true(all_zero(ek, k.ekl));
					assert_true(all_zero(dk, k.dkl));
				} else if (op == 1)
					assert_true(all_zero(ct, k.ctl));
				assert_true(op == 0 || all_zero(ss, 32));
				assert_true(n < 10000);
			}
			if (op == 0) {
				assert_memory_equal(ek, k.ek, k.ekl);
				assert_memory_equal(dk, k.dk, k.dkl);
			} else if (op == 1) {
				assert_int_equal(pouch_mlkem_decaps(c, k.p,
				    k.dk, k.dkl, ct, k.ctl, ss2), POUCH_OK);
				assert_memory_equal(ss, ss2, 32);
			} else
				assert_memory_equal(ss, k.ss, 32);
			assert_true(n > 0);	/* some allocation did fail */
		}
	}
	pouch_mlkem_ctx_set_xof_first(c, MLKEM_XOF_FIRST_BYTES);
	/* The context itself. */
	for (n = 0;; n++) {
		struct pouch_mlkem_ctx *c2 = (struct pouch_mlkem_ctx *)seed;

		oom_countdown = n;
		rc = pouch_mlkem_ctx_new(&c2);
		oom_countdown = -1;
		if (rc == POUCH_OK) {
			pouch_mlkem_ctx_free(c2);
			break;
		}
		assert_true(rc == POUCH_E_NOMEM || rc == POUCH_E_CRYPTO);
		assert_null(c2);
	}
}

/*
 * ek_check's AVX2 modulus scan is the definition: for values below q, q
 * and up, at every position of a few buffers of each set's length.
 */
static void
over_q_avx2_matches_scalar(void **state)
{
#ifdef POUCH_MLKEM_AVX2
	uint8_t buf[MLKEM_K_MAX * MLKEM_POLY_BYTES + 4];
	uint64_t x = 99;
	size_t len, i, pos, n;
	unsigned v, want, k;

	(void)state;
	if (!pouch_mlkem_avx2_usable())
		skip();
	for (k = 2; k <= 4; k++) {
		len = MLKEM_POLY_BYTES * k;
		n = 2 * len / 3;		/* 12-bit values */
		for (pos = 0; pos < n; pos++) {
			/* all below q but the one at pos */
			for (i = 0; i < n; i++) {
				x = x * 6364136223846793005ULL + 1;
				put12(buf, i, (unsigned)(x >> 33) % MLKEM_Q);
			}
			memset(buf + len, 0xff, 4);	/* loaded, unused */
			assert_int_equal(pouch_mlkem_over_q_avx2(buf, len), 0);
			x = x * 6364136223846793005ULL + 1;
			v = (unsigned)(x >> 33) % 4096;
			if (pos % 7 == 0)
				v = MLKEM_Q + (unsigned)(pos % 2);
			put12(buf, pos, v);
			want = v >= MLKEM_Q;
			assert_int_equal(pouch_mlkem_over_q_avx2(buf, len) != 0,
			    want);
		}
	}
#else
	(void)state;
	skip();
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes),
		cmocka_unit_test(round_trip_every_set),
		cmocka_unit_test(modulus_check_rejects_every_value),
		cmocka_unit_test(over_q_avx2_matches_scalar),
		cmocka_unit_test(dk_hash_check_rejects_flipped_byte),
		cmocka_unit_test(implicit_rejection),
		cmocka_unit_test(typed_768_agrees),
		cmocka_unit_test(simd_and_seed_paths_agree),
		cmocka_unit_test(misuse),
		cmocka_unit_test(allocation_failures),
	};

	/* Before OpenSSL allocates anything. */
	if (CRYPTO_set_mem_functions(oom_malloc, oom_realloc, oom_free) != 1)
		return 1;

	return cmocka_run_group_tests(tests, setup, teardown);
}
