/*
 * xwing.c - runner for the X-Wing vectors of draft-connolly-cfrg-xwing-kem
 * (xwing/test-vectors.json: an array of { seed, sk, pk, eseed, ct, ss }).
 * A case passes when sk is the seed (the decapsulation key is the seed
 * itself), GenerateKeyPairDerand(sk) gives pk, EncapsulateDerand(pk,
 * eseed) gives ct and ss, and Decapsulate(ct, sk) gives ss again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "mlkem/xwing.h"
#include "vectors/vectors.h"

#define NF	6

static const char *const xfields[NF] = {
	"seed", "sk", "pk", "eseed", "ct", "ss"
};
static const size_t xlens[NF] = {
	XWING_SK_BYTES, XWING_SK_BYTES, XWING_PK_BYTES, XWING_ESEED_BYTES,
	XWING_CT_BYTES, XWING_SS_BYTES
};

enum { SEED, SK, PK, ESEED, CT, SS };

/* NULL when the case matches, else what differed. */
static const char *
check(const struct pouch_crypto *c, const struct pouch_mlkem_ctx *m,
    uint8_t *const b[NF])
{
	uint8_t pk[XWING_PK_BYTES], ct[XWING_CT_BYTES];
	uint8_t ss[XWING_SS_BYTES], ss2[XWING_SS_BYTES];

	if (memcmp(b[SEED], b[SK], XWING_SK_BYTES) != 0)
		return "sk is not the seed";
	if (pouch_xwing_keygen_derand_bytes(c, m, b[SK], XWING_SK_BYTES, pk,
	    sizeof(pk)) != POUCH_OK)
		return "GenerateKeyPairDerand failed";
	if (memcmp(pk, b[PK], sizeof(pk)) != 0)
		return "pk differs";
	if (pouch_xwing_encaps_bytes(c, m, b[PK], XWING_PK_BYTES, b[ESEED],
	    XWING_ESEED_BYTES, ct, sizeof(ct), ss) != POUCH_OK)
		return "EncapsulateDerand failed";
	if (memcmp(ct, b[CT], sizeof(ct)) != 0)
		return "ct differs";
	if (memcmp(ss, b[SS], sizeof(ss)) != 0)
		return "ss (encapsulation) differs";
	if (pouch_xwing_decaps_bytes(c, m, b[SK], XWING_SK_BYTES, b[CT],
	    XWING_CT_BYTES, ss2) != POUCH_OK)
		return "Decapsulate failed";
	if (memcmp(ss2, b[SS], sizeof(ss2)) != 0)
		return "ss (decapsulation) differs";
	return NULL;
}

int
vec_run_xwing(json_t *root, const char *file, struct vec_result *res)
{
	struct pouch_crypto *c = NULL;
	struct pouch_mlkem_ctx *m = NULL;
	uint8_t *b[NF];
	size_t n[NF], idx, i;
	const char *why;
	json_t *tc;
	int rc = -1;

	if (!json_is_array(root)) {
		fprintf(stderr, "%s: not a vector array\n", file);
		return -1;
	}
	if (pouch_crypto_new(&c) != POUCH_OK ||
	    pouch_mlkem_ctx_new(&m) != POUCH_OK) {
		fprintf(stderr, "%s: no provider or ML-KEM context\n", file);
		goto out;
	}
	json_array_foreach(root, idx, tc) {
		memset(b, 0, sizeof(b));
		res->total++;
		why = NULL;
		for (i = 0; i < NF && why == NULL; i++)
			if (vec_hex(tc, xfields[i], &b[i], &n[i]) != 0 ||
			    n[i] != xlens[i])
				why = "a field is missing, not hex or of the "
				    "wrong length";
		if (why == NULL)
			why = check(c, m, b);
		if (why == NULL)
			res->passed++;
		else
			vec_fail(file, idx, why);
		for (i = 0; i < NF; i++)
			free(b[i]);
	}
	rc = 0;
out:
	pouch_mlkem_ctx_free(m);
	pouch_crypto_free(c);
	return rc;
}
