/*
 * mls_welcome.c - runner for mls/welcome.json (RFC 9420 12.4.3.1).  A case
 * passes when the Welcome holds an entry for key_package that init_priv
 * decrypts, the GroupInfo decrypts, its signature verifies under
 * signer_pub and its confirmation tag matches the joined epoch; and a
 * Welcome sealed again from the decrypted GroupInfo and joiner_secret to
 * the same KeyPackage opens to the same GroupInfo bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "mls/key_schedule.h"
#include "mls/suite.h"
#include "mls/welcome.h"
#include "vectors/vectors.h"

struct wc {
	const struct pouch_crypto	*c;
	const struct pouch_mls_suite	*s;
	uint8_t				*init_priv;
	size_t				 init_privlen;
	uint8_t				 ref[POUCH_HASH_MAX];
};

/* Open w as the vector's joiner: GroupInfo and epoch, checked. */
static int
join(const struct wc *k, const struct pouch_mls_welcome *w,
    struct pouch_mls_arena *a, const uint8_t *signer, size_t signerlen,
    struct pouch_mls_group_info *gi, uint8_t *joiner, const char **why)
{
	struct pouch_mls_group_secrets gs;
	struct pouch_mls_epoch_secrets es;
	int rc;

	if ((rc = pouch_mls_welcome_open(k->c, k->s, w, k->ref, k->init_priv,
	    k->init_privlen, a, &gs)) != POUCH_OK) {
		*why = pouch_strerror(rc);
		return 0;
	}
	if (gs.joiner_secret.n != k->s->nh || gs.npsks != 0) {
		*why = "unexpected group secrets";
		return 0;
	}
	if ((rc = pouch_mls_welcome_group_info(k->c, k->s, w,
	    gs.joiner_secret.p, NULL, a, gi)) != POUCH_OK) {
		*why = pouch_strerror(rc);
		return 0;
	}
	if (signer != NULL && (rc = pouch_mls_group_info_verify(k->c, k->s,
	    gi, signer, signerlen)) != POUCH_OK) {
		*why = "group info signature";
		return 0;
	}
	if ((rc = pouch_mls_welcome_epoch(k->c, k->s, gi, gs.joiner_secret.p,
	    NULL, &es)) != POUCH_OK) {
		*why = "confirmation tag";
		return 0;
	}
	pouch_mls_epoch_secrets_clear(&es);
	memcpy(joiner, gs.joiner_secret.p, k->s->nh);
	return 1;
}

/* The encoding of gi, malloc'd. */
static uint8_t *
gi_bytes(const struct pouch_mls_group_info *gi, size_t *len)
{
	struct pouch_wr w;
	uint8_t *out = NULL;

	pouch_wr_init(&w, 1U << 24);
	pouch_mls_group_info_encode(&w, gi);
	if (pouch_wr_take(&w, &out, len) != POUCH_OK)
		out = NULL;
	pouch_wr_free(&w);
	return out;
}

static int
run_case(const struct pouch_crypto *c, json_t *o, const char *file,
    size_t idx)
{
	struct wc k;
	struct pouch_mls_message kpm, wm;
	struct pouch_mls_welcome w2;
	struct pouch_mls_group_info gi, gi2;
	struct pouch_mls_welcome_recipient r;
	struct pouch_mls_arena a;
	struct pouch_wr w;
	uint8_t *kpb = NULL, *wb = NULL, *signer = NULL, *g1 = NULL, *g2 = NULL;
	uint8_t joiner[POUCH_HASH_MAX], joiner2[POUCH_HASH_MAX];
	size_t kplen, wlen, signerlen, g1len = 0, g2len = 0;
	const char *why = "bad case fields or suite";
	long long suite;
	int ok = 0;

	memset(&k, 0, sizeof(k));
	k.c = c;
	pouch_mls_arena_init_limits(&a, NULL);
	pouch_wr_init(&w, 1U << 24);
	if (vec_int(o, "cipher_suite", &suite) != 0 || suite < 0 ||
	    suite > UINT16_MAX ||
	    (k.s = pouch_mls_suite_get((uint16_t)suite)) == NULL ||
	    vec_hex(o, "init_priv", &k.init_priv, &k.init_privlen) != 0 ||
	    vec_hex(o, "signer_pub", &signer, &signerlen) != 0 ||
	    vec_hex(o, "key_package", &kpb, &kplen) != 0 ||
	    vec_hex(o, "welcome", &wb, &wlen) != 0)
		goto out;
	why = "messages do not decode";
	if (pouch_mls_message_from_bytes(&a, NULL, kpb, kplen, &kpm) !=
	    POUCH_OK || kpm.wire_format != POUCH_MLS_WF_KEY_PACKAGE ||
	    pouch_mls_message_from_bytes(&a, NULL, wb, wlen, &wm) !=
	    POUCH_OK || wm.wire_format != POUCH_MLS_WF_WELCOME)
		goto out;
	pouch_mls_key_package_encode(&w, &kpm.u.key_package);
	if (pouch_wr_finish(&w) != POUCH_OK ||
	    pouch_mls_key_package_ref(c, k.s, w.buf, w.len, k.ref) !=
	    POUCH_OK)
		goto out;
	if (!join(&k, &wm.u.welcome, &a, signer, signerlen, &gi, joiner,
	    &why))
		goto out;
	/* Seal again to the same KeyPackage and open that. */
	why = "resealed welcome differs";
	memset(&r, 0, sizeof(r));
	r.kp = &kpm.u.key_package;
	if (pouch_mls_welcome_seal(c, k.s, &gi, joiner, NULL, NULL, 0, &r, 1,
	    &a, &w2) != POUCH_OK ||
	    !join(&k, &w2, &a, signer, signerlen, &gi2, joiner2, &why) ||
	    memcmp(joiner, joiner2, k.s->nh) != 0 ||
	    (g1 = gi_bytes(&gi, &g1len)) == NULL ||
	    (g2 = gi_bytes(&gi2, &g2len)) == NULL || g1len != g2len ||
	    memcmp(g1, g2, g1len) != 0)
		goto out;
	ok = 1;
out:
	if (!ok)
		vec_fail(file, idx, why);
	pouch_wr_free(&w);
	pouch_mls_arena_free(&a);
	pouch_wr_buf_free(g1, g1len);
	pouch_wr_buf_free(g2, g2len);
	free(k.init_priv);
	free(signer);
	free(kpb);
	free(wb);
	return ok;
}

int
vec_run_mls_welcome(json_t *root, const char *file, struct vec_result *res)
{
	struct pouch_crypto *c = NULL;
	size_t i;

	if (!json_is_array(root) || pouch_crypto_new(&c) != POUCH_OK)
		return -1;
	for (i = 0; i < json_array_size(root); i++) {
		res->total++;
		if (run_case(c, json_array_get(root, i), file, i))
			res->passed++;
	}
	pouch_crypto_free(c);
	return 0;
}
