/*
 * mlkem_acvp.c - runner for NIST's ACVP ML-KEM "internalProjection" files
 * (FIPS 203 final): keyGen (d, z -> ek, dk; 25 cases per parameter set)
 * and encapDecap (encapsulation AFT: ek, m -> c, k, plus a decapsulation
 * of that c; decapsulation VAL: dk, c -> k, where some ciphertexts were
 * modified so that implicit rejection must produce k).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlkem/mlkem.h"
#include "vectors/vectors.h"

static int
param_of(json_t *group, enum pouch_mlkem_param *p)
{
	const char *s = json_string_value(json_object_get(group,
	    "parameterSet"));

	if (s == NULL)
		return -1;
	if (strcmp(s, "ML-KEM-512") == 0)
		*p = POUCH_MLKEM512;
	else if (strcmp(s, "ML-KEM-768") == 0)
		*p = POUCH_MLKEM768;
	else if (strcmp(s, "ML-KEM-1024") == 0)
		*p = POUCH_MLKEM1024;
	else
		return -1;
	return 0;
}

static int
same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* keyGen AFT: KeyGen_internal(d, z) == (ek, dk). */
static const char *
keygen_case(const struct pouch_mlkem_ctx *c, enum pouch_mlkem_param p,
    json_t *t)
{
	uint8_t *d = NULL, *z = NULL, *ek = NULL, *dk = NULL;
	uint8_t gek[MLKEM_EK_MAX], gdk[MLKEM_DK_MAX];
	size_t dlen, zlen, eklen, dklen;
	const char *why = NULL;

	if (vec_hex(t, "d", &d, &dlen) != 0 ||
	    vec_hex(t, "z", &z, &zlen) != 0 ||
	    vec_hex(t, "ek", &ek, &eklen) != 0 ||
	    vec_hex(t, "dk", &dk, &dklen) != 0 || dlen != 32 || zlen != 32) {
		why = "bad test case";
		goto out;
	}
	if (pouch_mlkem_keygen_internal(c, p, d, z, gek, pouch_mlkem_ek_len(p),
	    gdk, pouch_mlkem_dk_len(p)) != POUCH_OK)
		why = "keygen failed";
	else if (!same(gek, pouch_mlkem_ek_len(p), ek, eklen))
		why = "ek differs";
	else if (!same(gdk, pouch_mlkem_dk_len(p), dk, dklen))
		why = "dk differs";
out:
	free(d);
	free(z);
	free(ek);
	free(dk);
	return why;
}

/* encapsulation AFT: Encaps_internal(ek, m) == (c, k); Decaps(dk, c) == k */
static const char *
encaps_case(const struct pouch_mlkem_ctx *c, enum pouch_mlkem_param p,
    json_t *t)
{
	uint8_t *ek = NULL, *dk = NULL, *ct = NULL, *k = NULL, *m = NULL;
	uint8_t gct[MLKEM_CT_MAX], gk[MLKEM_SS_BYTES], dec[MLKEM_SS_BYTES];
	size_t eklen, dklen, ctlen, klen, mlen;
	const char *why = NULL;

	if (vec_hex(t, "ek", &ek, &eklen) != 0 ||
	    vec_hex(t, "dk", &dk, &dklen) != 0 ||
	    vec_hex(t, "c", &ct, &ctlen) != 0 ||
	    vec_hex(t, "k", &k, &klen) != 0 ||
	    vec_hex(t, "m", &m, &mlen) != 0 || mlen != 32) {
		why = "bad test case";
		goto out;
	}
	if (pouch_mlkem_encaps_internal(c, p, ek, eklen, m, gct,
	    pouch_mlkem_ct_len(p), gk) != POUCH_OK)
		why = "encaps failed";
	else if (!same(gct, pouch_mlkem_ct_len(p), ct, ctlen))
		why = "c differs";
	else if (!same(gk, sizeof(gk), k, klen))
		why = "k differs";
	else if (pouch_mlkem_decaps(c, p, dk, dklen, ct, ctlen, dec) !=
	    POUCH_OK)
		why = "decaps failed";
	else if (!same(dec, sizeof(dec), k, klen))
		why = "decaps k differs";
out:
	free(ek);
	free(dk);
	free(ct);
	free(k);
	free(m);
	return why;
}

/* decapsulation VAL: Decaps(dk, c) == k (K_bar for modified c). */
static const char *
decaps_case(const struct pouch_mlkem_ctx *c, enum pouch_mlkem_param p,
    json_t *group, json_t *t)
{
	uint8_t *ek = NULL, *dk = NULL, *ct = NULL, *k = NULL;
	uint8_t gk[MLKEM_SS_BYTES];
	size_t eklen, dklen, ctlen, klen;
	const char *why = NULL;

	if (vec_hex(group, "ek", &ek, &eklen) != 0 ||
	    vec_hex(group, "dk", &dk, &dklen) != 0 ||
	    vec_hex(t, "c", &ct, &ctlen) != 0 ||
	    vec_hex(t, "k", &k, &klen) != 0) {
		why = "bad test case";
		goto out;
	}
	if (pouch_mlkem_ek_check(p, ek, eklen) != POUCH_OK)
		why = "ek rejected";
	else if (pouch_mlkem_decaps(c, p, dk, dklen, ct, ctlen, gk) !=
	    POUCH_OK)
		why = "decaps failed";
	else if (!same(gk, sizeof(gk), k, klen))
		why = "k differs";
out:
	free(ek);
	free(dk);
	free(ct);
	free(k);
	return why;
}

int
vec_run_mlkem_acvp(json_t *root, const char *file, struct vec_result *res)
{
	const char *mode = json_string_value(json_object_get(root, "mode"));
	struct pouch_mlkem_ctx *c = NULL;
	json_t *groups = json_object_get(root, "testGroups"), *g, *t;
	enum pouch_mlkem_param p;
	const char *fn, *why;
	size_t gi, ti;
	long long id;

	if (mode == NULL || !json_is_array(groups) ||
	    pouch_mlkem_ctx_new(&c) != POUCH_OK)
		return -1;
	json_array_foreach(groups, gi, g) {
		fn = json_string_value(json_object_get(g, "function"));
		json_array_foreach(json_object_get(g, "tests"), ti, t) {
			res->total++;
			if (param_of(g, &p) != 0)
				why = "unknown parameter set";
			else if (strcmp(mode, "keyGen") == 0)
				why = keygen_case(c, p, t);
			else if (fn != NULL && strcmp(fn, "encapsulation") == 0)
				why = encaps_case(c, p, t);
			else if (fn != NULL && strcmp(fn, "decapsulation") == 0)
				why = decaps_case(c, p, g, t);
			else
				why = "unknown test type";
			if (why == NULL)
				res->passed++;
			else
				vec_fail(file, vec_int(t, "tcId", &id) == 0 ?
				    (size_t)id : ti, why);
		}
	}
	pouch_mlkem_ctx_free(c);
	return 0;
}
