/*
 * mlkem_wycheproof.c - runner for the Wycheproof ML-KEM-768 files (FIPS
 * 203 final), chosen by their "schema": keygen_seed (seed d || z -> ek,
 * dk), mlkem_test (seed, then decapsulate c), encaps (ek, m -> c, K; an
 * ek that fails the 7.2 checks must be rejected) and semi_expanded_decaps
 * (dk, c -> K; wrong lengths and a failed H(ek) check must be rejected).
 * "valid" cases must succeed with the given outputs, "invalid" ones must
 * return an error, "acceptable" ones may do either but must match when
 * they succeed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlkem/mlkem.h"
#include "vectors/vectors.h"

enum kind { KEYGEN_SEED, MLKEM_TEST, ENCAPS, SEMI_DECAPS };

struct wcase {
	uint8_t	*seed, *ek, *dk, *c, *k, *m;
	size_t	 seedlen, eklen, dklen, clen, klen, mlen;
};

static void
wcase_free(struct wcase *w)
{
	free(w->seed);
	free(w->ek);
	free(w->dk);
	free(w->c);
	free(w->k);
	free(w->m);
}

/* Optional hex member: absent gives an empty value. */
static int
opt_hex(json_t *t, const char *key, uint8_t **out, size_t *len)
{
	if (json_object_get(t, key) == NULL) {
		*out = NULL;
		*len = 0;
		return 0;
	}
	return vec_hex(t, key, out, len);
}

static int
same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/*
 * Run one case; *rc gets the library's result, and the return value says
 * why the outputs differ from the expected ones (NULL when they agree or
 * when the operation failed).
 */
static const char *
run_case(const struct pouch_mlkem_ctx *ctx, enum kind kind,
    const struct wcase *w, int *rc)
{
	uint8_t ek[MLKEM768_EK_BYTES], dk[MLKEM768_DK_BYTES];
	uint8_t ct[MLKEM768_CT_BYTES], k[MLKEM_SS_BYTES];

	switch (kind) {
	case KEYGEN_SEED:
		*rc = pouch_mlkem_keygen_seed(ctx, POUCH_MLKEM768, w->seed,
		    w->seedlen, ek, sizeof(ek), dk, sizeof(dk));
		if (*rc != POUCH_OK)
			return NULL;
		if (!same(ek, sizeof(ek), w->ek, w->eklen))
			return "ek differs";
		if (!same(dk, sizeof(dk), w->dk, w->dklen))
			return "dk differs";
		return NULL;
	case MLKEM_TEST:
		*rc = pouch_mlkem_keygen_seed(ctx, POUCH_MLKEM768, w->seed,
		    w->seedlen, ek, sizeof(ek), dk, sizeof(dk));
		if (*rc != POUCH_OK)
			return NULL;
		if (w->eklen > 0 && !same(ek, sizeof(ek), w->ek, w->eklen))
			return "ek differs";
		*rc = pouch_mlkem_decaps(ctx, POUCH_MLKEM768, dk, sizeof(dk),
		    w->c, w->clen, k);
		if (*rc == POUCH_OK && !same(k, sizeof(k), w->k, w->klen))
			return "K differs";
		return NULL;
	case ENCAPS:
		if (w->mlen != MLKEM_SYM_BYTES)
			return "bad test case (m)";
		*rc = pouch_mlkem_encaps_internal(ctx, POUCH_MLKEM768, w->ek,
		    w->eklen, w->m, ct, sizeof(ct), k);
		if (*rc != POUCH_OK)
			return NULL;
		if (!same(ct, sizeof(ct), w->c, w->clen))
			return "c differs";
		if (!same(k, sizeof(k), w->k, w->klen))
			return "K differs";
		return NULL;
	case SEMI_DECAPS:
		*rc = pouch_mlkem_decaps(ctx, POUCH_MLKEM768, w->dk, w->dklen,
		    w->c, w->clen, k);
		if (*rc == POUCH_OK && !same(k, sizeof(k), w->k, w->klen))
			return "K differs";
		return NULL;
	}
	return "unknown kind";
}

static const char *
one_test(const struct pouch_mlkem_ctx *ctx, enum kind kind, json_t *t)
{
	const char *result = json_string_value(json_object_get(t, "result"));
	struct wcase w;
	const char *why;
	int rc = POUCH_E_MISUSE;

	memset(&w, 0, sizeof(w));
	if (result == NULL || opt_hex(t, "seed", &w.seed, &w.seedlen) != 0 ||
	    opt_hex(t, "ek", &w.ek, &w.eklen) != 0 ||
	    opt_hex(t, "dk", &w.dk, &w.dklen) != 0 ||
	    opt_hex(t, "c", &w.c, &w.clen) != 0 ||
	    opt_hex(t, "K", &w.k, &w.klen) != 0 ||
	    opt_hex(t, "m", &w.m, &w.mlen) != 0) {
		why = "bad test case";
		goto out;
	}
	why = run_case(ctx, kind, &w, &rc);
	if (strcmp(result, "valid") == 0) {
		if (why == NULL && rc != POUCH_OK)
			why = "valid case rejected";
	} else if (strcmp(result, "invalid") == 0) {
		if (why == NULL && rc == POUCH_OK)
			why = "invalid case accepted";
		else if (rc != POUCH_OK)
			why = NULL;	/* rejected, as it must be */
	} else if (strcmp(result, "acceptable") != 0)
		why = "unknown result";
out:
	wcase_free(&w);
	return why;
}

int
vec_run_mlkem_wycheproof(json_t *root, const char *file,
    struct vec_result *res)
{
	const char *schema = json_string_value(json_object_get(root,
	    "schema"));
	json_t *groups = json_object_get(root, "testGroups"), *g, *t;
	struct pouch_mlkem_ctx *ctx = NULL;
	const char *set, *why;
	enum kind kind;
	size_t gi, ti;
	long long id;

	if (schema == NULL || !json_is_array(groups))
		return -1;
	if (strcmp(schema, "mlkem_keygen_seed_test_schema.json") == 0)
		kind = KEYGEN_SEED;
	else if (strcmp(schema, "mlkem_test_schema.json") == 0)
		kind = MLKEM_TEST;
	else if (strcmp(schema, "mlkem_encaps_test_schema.json") == 0)
		kind = ENCAPS;
	else if (strcmp(schema,
	    "mlkem_semi_expanded_decaps_test_schema.json") == 0)
		kind = SEMI_DECAPS;
	else {
		fprintf(stderr, "%s: unknown schema %s\n", file, schema);
		return -1;
	}
	if (pouch_mlkem_ctx_new(&ctx) != POUCH_OK)
		return -1;
	json_array_foreach(groups, gi, g) {
		set = json_string_value(json_object_get(g, "parameterSet"));
		json_array_foreach(json_object_get(g, "tests"), ti, t) {
			res->total++;
			if (set == NULL || strcmp(set, "ML-KEM-768") != 0)
				why = "parameter set not ML-KEM-768";
			else
				why = one_test(ctx, kind, t);
			if (why == NULL)
				res->passed++;
			else
				vec_fail(file, vec_int(t, "tcId", &id) == 0 ?
				    (size_t)id : ti, why);
		}
	}
	pouch_mlkem_ctx_free(ctx);
	return 0;
}
