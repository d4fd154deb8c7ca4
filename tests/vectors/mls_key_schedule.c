/*
 * mls_key_schedule.c - runner for mls/key-schedule.json (RFC 9420 8).
 * For every epoch of a case: the GroupContext we encode (version 1, suite,
 * group_id, epoch = i, tree_hash, confirmed_transcript_hash, no
 * extensions) equals group_context; the key schedule run from the previous
 * init_secret (initial_init_secret first) gives every listed secret
 * (joiner, welcome, init, sender data, encryption, exporter, epoch
 * authenticator, external, confirmation, membership, resumption); the
 * schedule run from joiner_secret (the Welcome path) and the standalone
 * welcome_secret agree; external_pub is DeriveKeyPair(external_secret);
 * and MLS-Exporter gives exporter.secret.  A case passes when every check
 * of every epoch holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "hpke/hpke.h"
#include "mls/key_schedule.h"
#include "vectors/vectors.h"

struct ks_ctx {
	const struct pouch_crypto	*c;
	const struct pouch_mls_suite	*s;
	const char			*file;
	size_t				 idx;
	size_t				 epoch;
};

static void
ks_fail(const struct ks_ctx *x, const char *what)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "epoch %zu: %s", x->epoch, what);
	vec_fail(x->file, x->idx, buf);
}

/* The hex member name of o equals got[0..len). */
static int
hex_eq(const struct ks_ctx *x, json_t *o, const char *name,
    const uint8_t *got, size_t len)
{
	uint8_t *want = NULL;
	size_t wantlen;
	int ok;

	ok = vec_hex(o, name, &want, &wantlen) == 0 && wantlen == len &&
	    memcmp(want, got, len) == 0;
	free(want);
	if (!ok)
		ks_fail(x, name);
	return ok;
}

/* RFC 9420 8.1 GroupContext, extensions empty. */
static int
encode_group_context(uint16_t suite, const uint8_t *gid, size_t gidlen,
    uint64_t epoch, const uint8_t *th, size_t thlen, const uint8_t *cth,
    size_t cthlen, uint8_t **out, size_t *outlen)
{
	struct pouch_wr w;

	pouch_wr_init(&w, 1 << 16);
	pouch_wr_u16(&w, 1);			/* mls10 */
	pouch_wr_u16(&w, suite);
	pouch_wr_opaque(&w, gid, gidlen);
	pouch_wr_u64(&w, epoch);
	pouch_wr_opaque(&w, th, thlen);
	pouch_wr_opaque(&w, cth, cthlen);
	pouch_wr_vec_open(&w);			/* extensions<V> */
	pouch_wr_vec_close(&w);
	return pouch_wr_take(&w, out, outlen);
}

static int
check_secrets(const struct ks_ctx *x, json_t *e,
    const struct pouch_mls_epoch_secrets *es)
{
	size_t nh = x->s->nh;
	int ok = 1;

	ok &= hex_eq(x, e, "joiner_secret", es->joiner_secret, nh);
	ok &= hex_eq(x, e, "welcome_secret", es->welcome_secret, nh);
	ok &= hex_eq(x, e, "init_secret", es->init_secret, nh);
	ok &= hex_eq(x, e, "sender_data_secret", es->sender_data_secret, nh);
	ok &= hex_eq(x, e, "encryption_secret", es->encryption_secret, nh);
	ok &= hex_eq(x, e, "exporter_secret", es->exporter_secret, nh);
	ok &= hex_eq(x, e, "epoch_authenticator", es->epoch_authenticator,
	    nh);
	ok &= hex_eq(x, e, "external_secret", es->external_secret, nh);
	ok &= hex_eq(x, e, "confirmation_key", es->confirmation_key, nh);
	ok &= hex_eq(x, e, "membership_key", es->membership_key, nh);
	ok &= hex_eq(x, e, "resumption_psk", es->resumption_psk, nh);
	return ok;
}

static int
check_exporter(const struct ks_ctx *x, json_t *e,
    const struct pouch_mls_epoch_secrets *es)
{
	json_t *ex = json_object_get(e, "exporter");
	const char *label;
	uint8_t *ctx = NULL, *out = NULL;
	size_t ctxlen;
	long long len;
	int ok = 0;

	label = json_string_value(json_object_get(ex, "label"));
	if (label == NULL || vec_hex(ex, "context", &ctx, &ctxlen) != 0 ||
	    vec_int(ex, "length", &len) != 0 || len < 0 || len > 0xffff ||
	    (out = malloc((size_t)len + 1)) == NULL) {
		ks_fail(x, "exporter fields");
		goto out;
	}
	if (pouch_mls_exporter(x->c, x->s, es->exporter_secret, label, ctx,
	    ctxlen, out, (size_t)len) != POUCH_OK) {
		ks_fail(x, "exporter failed");
		goto out;
	}
	ok = hex_eq(x, ex, "secret", out, (size_t)len);
out:
	free(ctx);
	free(out);
	return ok;
}

static int
check_external(const struct ks_ctx *x, json_t *e,
    const struct pouch_mls_epoch_secrets *es)
{
	uint8_t sk[POUCH_HPKE_SK_MAX], pk[POUCH_HPKE_PK_MAX];
	size_t sklen, pklen;

	if (pouch_mls_external_keypair(x->c, x->s, es->external_secret, sk,
	    sizeof(sk), &sklen, pk, sizeof(pk), &pklen) != POUCH_OK) {
		ks_fail(x, "external key pair failed");
		return 0;
	}
	return hex_eq(x, e, "external_pub", pk, pklen);
}

/* The Welcome path: from joiner_secret, and welcome_secret alone. */
static int
check_joiner_path(const struct ks_ctx *x, const uint8_t *psk,
    const uint8_t *gc, size_t gclen, const struct pouch_mls_epoch_secrets *es)
{
	struct pouch_mls_epoch_secrets j;
	uint8_t w[POUCH_HASH_MAX];
	int ok;

	ok = pouch_mls_key_schedule_joiner(x->c, x->s, es->joiner_secret, psk,
	    gc, gclen, &j) == POUCH_OK && memcmp(&j, es, sizeof(j)) == 0 &&
	    pouch_mls_welcome_secret(x->c, x->s, es->joiner_secret, psk, w) ==
	    POUCH_OK && memcmp(w, es->welcome_secret, x->s->nh) == 0;
	if (!ok)
		ks_fail(x, "joiner path differs");
	return ok;
}

struct epoch_in {
	uint8_t	*b[5];
	size_t	 n[5];
};

static void
epoch_in_free(struct epoch_in *in)
{
	int i;

	for (i = 0; i < 5; i++)
		free(in->b[i]);
}

/* One epoch; init (nh bytes) is replaced by the next init_secret. */
static int
run_epoch(struct ks_ctx *x, json_t *e, uint16_t suite, const uint8_t *gid,
    size_t gidlen, uint8_t *init)
{
	static const char *const names[] = { "tree_hash", "commit_secret",
	    "psk_secret", "confirmed_transcript_hash", "group_context" };
	struct pouch_mls_epoch_secrets es;
	struct epoch_in in;
	uint8_t *gc = NULL;
	size_t gclen = 0, i, nh = x->s->nh;
	int ok = 0;

	memset(&in, 0, sizeof(in));
	for (i = 0; i < 5; i++)
		if (vec_hex(e, names[i], &in.b[i], &in.n[i]) != 0) {
			ks_fail(x, names[i]);
			goto out;
		}
	if (in.n[1] != nh || in.n[2] != nh) {
		ks_fail(x, "commit/psk secret length");
		goto out;
	}
	if (encode_group_context(suite, gid, gidlen, x->epoch, in.b[0],
	    in.n[0], in.b[3], in.n[3], &gc, &gclen) != POUCH_OK ||
	    !hex_eq(x, e, "group_context", gc, gclen))
		goto out;
	if (pouch_mls_key_schedule(x->c, x->s, init, in.b[1], in.b[2], gc,
	    gclen, &es) != POUCH_OK) {
		ks_fail(x, "key schedule failed");
		goto out;
	}
	ok = check_secrets(x, e, &es);
	ok &= check_joiner_path(x, in.b[2], gc, gclen, &es);
	ok &= check_exporter(x, e, &es);
	ok &= check_external(x, e, &es);
	memcpy(init, es.init_secret, nh);
	pouch_mls_epoch_secrets_clear(&es);
out:
	pouch_wr_buf_free(gc, gclen);
	epoch_in_free(&in);
	return ok;
}

static int
run_case(const struct pouch_crypto *c, json_t *tc, const char *file,
    size_t idx)
{
	struct ks_ctx x = { c, NULL, file, idx, 0 };
	uint8_t *gid = NULL, *init = NULL;
	size_t gidlen, initlen;
	json_t *epochs, *e;
	long long id;
	int ok = 0;

	if (vec_int(tc, "cipher_suite", &id) != 0 || id < 0 || id > 0xffff ||
	    (x.s = pouch_mls_suite_get((uint16_t)id)) == NULL) {
		vec_fail(file, idx, "unknown cipher_suite");
		return 0;
	}
	epochs = json_object_get(tc, "epochs");
	if (vec_hex(tc, "group_id", &gid, &gidlen) != 0 ||
	    vec_hex(tc, "initial_init_secret", &init, &initlen) != 0 ||
	    initlen != x.s->nh || !json_is_array(epochs) ||
	    json_array_size(epochs) == 0) {
		vec_fail(file, idx, "bad case fields");
		goto out;
	}
	ok = 1;
	json_array_foreach(epochs, x.epoch, e)
		ok &= run_epoch(&x, e, (uint16_t)id, gid, gidlen, init);
out:
	free(gid);
	free(init);
	return ok;
}

int
vec_run_mls_key_schedule(json_t *root, const char *file,
    struct vec_result *res)
{
	struct pouch_crypto *c = NULL;
	json_t *tc;
	size_t i;

	if (!json_is_array(root) || pouch_crypto_new(&c) != POUCH_OK)
		return -1;
	json_array_foreach(root, i, tc) {
		res->total++;
		if (run_case(c, tc, file, i))
			res->passed++;
	}
	pouch_crypto_free(c);
	return 0;
}
