/*
 * difftest.c - the C half of the differential test against
 * @noble/post-quantum (tests/mlkem/noble/).  For each case it draws a
 * 64-byte seed d || z, a message m and a corruption of the ciphertext from
 * a SHAKE128 stream (so a run is reproducible from its printed seed),
 * runs KeyGen, Encaps_internal, Decaps of the real ciphertext and Decaps
 * of the corrupted one (implicit rejection), and prints one JSON line of
 * inputs and outputs in hex; diff.mjs recomputes every output with noble
 * and compares bytes.  Cases: 10,000 ML-KEM-768, 1,000 each of -512 and
 * -1024 by default; "difftest [HEXSEED [N768 [NOTHER [SHARD NSHARDS]]]]"
 * overrides, and prints only the cases i with i % NSHARDS == SHARD (so
 * that run.sh can check shards in parallel; the draws stay the same).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mlkem/mlkem.h"

/* Per case: seed 64, m 32, corruption choice 8, random ciphertext. */
#define DRAW_BYTES	(64 + 32 + 8 + MLKEM_CT_MAX)

static void
hex(const char *key, const uint8_t *b, size_t n, int last)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	printf("\"%s\":\"", key);
	for (i = 0; i < n; i++) {
		putchar(digits[b[i] >> 4]);
		putchar(digits[b[i] & 15]);
	}
	printf(last ? "\"}\n" : "\",");
}

/*
 * Corrupt ct in one of several ways, chosen by r: flip one bit anywhere,
 * in the last byte (c2), or in the first; replace it by random bytes;
 * flip a bit in each of two places.
 */
static void
corrupt(uint8_t *ct, size_t len, const uint8_t r[8], const uint8_t *rnd)
{
	size_t pos = ((size_t)r[1] << 16 | (size_t)r[2] << 8 | r[3]) % len;
	size_t pos2 = ((size_t)r[4] << 8 | r[5]) % len;
	uint8_t bit = (uint8_t)(1U << (r[6] & 7));

	switch (r[0] % 6) {
	case 0:
	case 1:
		ct[pos] ^= bit;
		break;
	case 2:
		ct[len - 1] ^= bit;
		break;
	case 3:
		ct[0] ^= bit;
		break;
	case 4:
		memcpy(ct, rnd, len);
		break;
	default:
		ct[pos] ^= bit;
		ct[pos2] ^= (uint8_t)(bit << 1 | 1);
		break;
	}
}

static int
one_case(const struct pouch_mlkem_ctx *c, enum pouch_mlkem_param p,
    const uint8_t *draw)
{
	const size_t ekl = pouch_mlkem_ek_len(p), dkl = pouch_mlkem_dk_len(p);
	const size_t ctl = pouch_mlkem_ct_len(p);
	uint8_t ek[MLKEM_EK_MAX], dk[MLKEM_DK_MAX], ct[MLKEM_CT_MAX];
	uint8_t bad[MLKEM_CT_MAX], ss[32], ss2[32], ssbad[32];

	if (pouch_mlkem_keygen_seed(c, p, draw, 64, ek, ekl, dk, dkl) !=
	    POUCH_OK ||
	    pouch_mlkem_encaps_internal(c, p, ek, ekl, draw + 64, ct, ctl,
	    ss) != POUCH_OK ||
	    pouch_mlkem_decaps(c, p, dk, dkl, ct, ctl, ss2) != POUCH_OK ||
	    memcmp(ss, ss2, 32) != 0)
		return -1;
	memcpy(bad, ct, ctl);
	corrupt(bad, ctl, draw + 96, draw + 104);
	if (pouch_mlkem_decaps(c, p, dk, dkl, bad, ctl, ssbad) != POUCH_OK)
		return -1;
	printf("{\"set\":%u,", 256 * pouch_mlkem_params_get(p)->k);
	hex("seed", draw, 64, 0);
	hex("m", draw + 64, 32, 0);
	hex("ek", ek, ekl, 0);
	hex("dk", dk, dkl, 0);
	hex("ct", ct, ctl, 0);
	hex("ss", ss, 32, 0);
	hex("bad", bad, ctl, 0);
	hex("ssbad", ssbad, 32, 1);
	return 0;
}

int
main(int argc, char **argv)
{
	struct pouch_mlkem_ctx *c = NULL;
	const EVP_MD *shake = EVP_shake128();
	unsigned long n768 = 10000, nother = 1000, i, total, done = 0;
	unsigned long shard = 0, nshards = 1;
	uint8_t seed[16], *draws = NULL;
	EVP_MD_CTX *mdc = NULL;
	unsigned j;
	int rc = 1;

	if (argc > 1) {
		for (j = 0; j < sizeof(seed) && argv[1][2 * j] != '\0'; j++) {
			char b[3] = { argv[1][2 * j], argv[1][2 * j + 1], 0 };

			seed[j] = (uint8_t)strtoul(b, NULL, 16);
		}
		if (j != sizeof(seed))
			return 2;
	} else if (RAND_bytes(seed, sizeof(seed)) != 1)
		return 1;
	if (argc > 2)
		n768 = strtoul(argv[2], NULL, 10);
	if (argc > 3)
		nother = strtoul(argv[3], NULL, 10);
	if (argc > 5) {
		shard = strtoul(argv[4], NULL, 10);
		nshards = strtoul(argv[5], NULL, 10);
		if (nshards == 0 || shard >= nshards)
			return 2;
	}
	total = n768 + 2 * nother;
	fprintf(stderr, "difftest: seed ");
	for (j = 0; j < sizeof(seed); j++)
		fprintf(stderr, "%02x", seed[j]);
	fprintf(stderr, ", %lu ML-KEM-768 and %lu each of -512, -1024, "
	    "shard %lu of %lu\n", n768, nother, shard + 1, nshards);
	if (pouch_mlkem_ctx_new(&c) != POUCH_OK ||
	    (mdc = EVP_MD_CTX_new()) == NULL ||
	    (draws = malloc(DRAW_BYTES * total)) == NULL ||
	    EVP_DigestInit_ex(mdc, shake, NULL) != 1 ||
	    EVP_DigestUpdate(mdc, seed, sizeof(seed)) != 1 ||
	    EVP_DigestFinalXOF(mdc, draws, DRAW_BYTES * total) != 1)
		goto out;
	for (i = 0; i < total; i++) {
		enum pouch_mlkem_param p = i < n768 ? POUCH_MLKEM768 :
		    i < n768 + nother ? POUCH_MLKEM512 : POUCH_MLKEM1024;

		if (i % nshards != shard)
			continue;
		if (one_case(c, p, draws + DRAW_BYTES * i) != 0) {
			fprintf(stderr, "difftest: case %lu failed in C\n", i);
			goto out;
		}
		done++;
	}
	printf("{\"done\":%lu}\n", done);
	rc = 0;
out:
	free(draws);
	EVP_MD_CTX_free(mdc);
	pouch_mlkem_ctx_free(c);
	return rc;
}
