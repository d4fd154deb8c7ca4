/*
 * hpke/context.c - the HPKE key schedule and encryption context (RFC 9180
 * 5): VerifyPSKInputs and KeySchedule for the modes base, psk, auth and
 * auth_psk (5.1), the sender and receiver setups that run a KEM row and
 * then the key schedule (5.1.1-5.1.4), ContextS.Seal and ContextR.Open
 * with the sequence number (5.2) and the secret export (5.3).  This file
 * knows no particular KEM: it calls whichever row pouch_hpke_kem_get()
 * returns.  A context lives on the heap and is wiped when freed.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "hpke/hpke.h"

static const uint8_t empty[1];

/* The KEM, KDF and AEAD rows of p, or POUCH_E_UNSUPPORTED. */
static int
suite_get(const struct pouch_hpke_params *p,
    const struct pouch_hpke_kem **kem, const struct pouch_hpke_kdf **kdf,
    const struct pouch_hpke_aead **aead)
{
	if ((*kem = pouch_hpke_kem_get(p->kem)) == NULL ||
	    (*kdf = pouch_hpke_kdf_get(p->kdf)) == NULL ||
	    (*aead = pouch_hpke_aead_get(p->aead)) == NULL)
		return POUCH_E_UNSUPPORTED;
	return POUCH_OK;
}

static int
mode_is_auth(uint8_t mode)
{
	return mode == POUCH_HPKE_MODE_AUTH ||
	    mode == POUCH_HPKE_MODE_AUTH_PSK;
}

/*
 * RFC 9180 5.1 VerifyPSKInputs, plus 5.1.2: "The PSK MUST have at least
 * 32 bytes of entropy", of which 32 bytes of length is the part we can
 * check.  The default psk and psk_id are empty.
 */
static int
verify_psk_inputs(const struct pouch_hpke_params *p)
{
	int got_psk, got_psk_id;

	if ((p->psk == NULL && p->psklen != 0) ||
	    (p->psk_id == NULL && p->psk_idlen != 0) ||
	    (p->info == NULL && p->infolen != 0))
		return POUCH_E_MISUSE;
	got_psk = p->psklen != 0;
	got_psk_id = p->psk_idlen != 0;
	if (got_psk != got_psk_id)
		return POUCH_E_MISUSE;		/* inconsistent PSK inputs */
	if (got_psk && (p->mode == POUCH_HPKE_MODE_BASE ||
	    p->mode == POUCH_HPKE_MODE_AUTH))
		return POUCH_E_MISUSE;		/* PSK given when not needed */
	if (!got_psk && (p->mode == POUCH_HPKE_MODE_PSK ||
	    p->mode == POUCH_HPKE_MODE_AUTH_PSK))
		return POUCH_E_MISUSE;		/* missing required PSK */
	if (got_psk && p->psklen < 32)
		return POUCH_E_MISUSE;
	return POUCH_OK;
}

/*
 * Everything about p that does not need a key: the suite, the mode and
 * its inputs.  role selects the static key the auth modes need: skS for
 * the sender, pkS for the receiver.
 */
static int
params_check(const struct pouch_hpke_params *p, enum pouch_hpke_role role,
    const struct pouch_hpke_kem **kem, const struct pouch_hpke_kdf **kdf,
    const struct pouch_hpke_aead **aead)
{
	const uint8_t *key;
	int rc;

	if (p->mode > POUCH_HPKE_MODE_AUTH_PSK)
		return POUCH_E_UNSUPPORTED;
	if ((rc = suite_get(p, kem, kdf, aead)) != POUCH_OK)
		return rc;
	if ((rc = verify_psk_inputs(p)) != POUCH_OK)
		return rc;
	key = role == POUCH_HPKE_SENDER ? p->skS : p->pkS;
	if (mode_is_auth(p->mode)) {
		if (key == NULL)
			return POUCH_E_MISUSE;
		if ((*kem)->auth_encap == NULL || (*kem)->auth_decap == NULL)
			return POUCH_E_UNSUPPORTED;
	} else if (key != NULL)
		return POUCH_E_MISUSE;		/* a static key outside auth */
	return POUCH_OK;
}

/*
 * RFC 9180 5.1 KeySchedule<ROLE>(mode, shared_secret, info, psk, psk_id):
 *   psk_id_hash = LabeledExtract("", "psk_id_hash", psk_id)
 *   info_hash = LabeledExtract("", "info_hash", info)
 *   key_schedule_context = concat(mode, psk_id_hash, info_hash)
 *   secret = LabeledExtract(shared_secret, "secret", psk)
 *   key = LabeledExpand(secret, "key", key_schedule_context, Nk)
 *   base_nonce = LabeledExpand(secret, "base_nonce",
 *       key_schedule_context, Nn)
 *   exporter_secret = LabeledExpand(secret, "exp",
 *       key_schedule_context, Nh)
 * with suite_id = concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2),
 * I2OSP(aead_id, 2)).
 */
/* RFC 9180 5.1 CombineSecrets for a two-stage KDF (HKDF), as above. */
static int
combine_two_stage(const struct pouch_crypto *c,
    const struct pouch_hpke_params *p, const struct pouch_hpke_kdf *kdf,
    const struct pouch_hpke_aead *aead, const uint8_t *shared,
    size_t sharedlen, struct pouch_hpke_ctx *ctx,
    struct pouch_hpke_trace *trace)
{
	uint8_t ks_context[1 + 2 * POUCH_HPKE_NH_MAX];
	uint8_t secret[POUCH_HPKE_NH_MAX];
	const uint8_t *sid = ctx->suite_id;
	size_t nh = kdf->Nh, kslen = 1 + 2 * kdf->Nh;
	int rc;

	ks_context[0] = p->mode;
	if ((rc = pouch_hpke_labeled_extract(c, kdf, sid,
	    POUCH_HPKE_SUITE_ID_LEN, empty, 0, "psk_id_hash",
	    p->psk_id != NULL ? p->psk_id : empty, p->psk_idlen,
	    ks_context + 1)) != POUCH_OK)
		goto out;
	if ((rc = pouch_hpke_labeled_extract(c, kdf, sid,
	    POUCH_HPKE_SUITE_ID_LEN, empty, 0, "info_hash",
	    p->info != NULL ? p->info : empty, p->infolen,
	    ks_context + 1 + nh)) != POUCH_OK)
		goto out;
	if ((rc = pouch_hpke_labeled_extract(c, kdf, sid,
	    POUCH_HPKE_SUITE_ID_LEN, shared, sharedlen, "secret",
	    p->psk != NULL ? p->psk : empty, p->psklen, secret)) != POUCH_OK)
		goto out;
	if ((rc = pouch_hpke_labeled_expand(c, kdf, sid,
	    POUCH_HPKE_SUITE_ID_LEN, secret, nh, "key", ks_context, kslen,
	    ctx->key, aead->Nk)) != POUCH_OK)
		goto out;
	if ((rc = pouch_hpke_labeled_expand(c, kdf, sid,
	    POUCH_HPKE_SUITE_ID_LEN, secret, nh, "base_nonce", ks_context,
	    kslen, ctx->base_nonce, aead->Nn)) != POUCH_OK)
		goto out;
	if ((rc = pouch_hpke_labeled_expand(c, kdf, sid,
	    POUCH_HPKE_SUITE_ID_LEN, secret, nh, "exp", ks_context, kslen,
	    ctx->exporter_secret, nh)) != POUCH_OK)
		goto out;
	if (trace != NULL) {
		memcpy(trace->ks_context, ks_context, kslen);
		trace->ks_contextlen = kslen;
		memcpy(trace->secret, secret, nh);
		trace->secretlen = nh;
	}
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(ks_context, sizeof(ks_context));
	return rc;
}

/* I2OSP(len(x), 2) || x; the caller checked len(x) <= 65535. */
static uint8_t *
put_lp(uint8_t *d, const uint8_t *x, size_t n)
{
	d[0] = (uint8_t)(n >> 8);
	d[1] = (uint8_t)n;
	if (n > 0)
		memcpy(d + 2, x, n);
	return d + 2 + n;
}

/*
 * CombineSecrets for a one-stage KDF (draft-ietf-hpke-hpke 5.1):
 *   secrets = concat(lengthPrefixed(psk), lengthPrefixed(shared_secret))
 *   context = concat(mode, lengthPrefixed(psk_id), lengthPrefixed(info))
 *   secret = LabeledDerive(secrets, "secret", context, Nk + Nn + Nh)
 * split into key, base_nonce and exporter_secret.
 */
static int
combine_one_stage(const struct pouch_crypto *c,
    const struct pouch_hpke_params *p, const struct pouch_hpke_kdf *kdf,
    const struct pouch_hpke_aead *aead, const uint8_t *shared,
    size_t sharedlen, struct pouch_hpke_ctx *ctx)
{
	uint8_t *secrets = NULL, *context = NULL, *e;
	uint8_t out[POUCH_HPKE_NK_MAX + POUCH_HPKE_NN_MAX + POUCH_HPKE_NH_MAX];
	size_t slen, clen, olen = aead->Nk + aead->Nn + kdf->Nh;
	int rc = POUCH_E_NOMEM;

	if (p->psklen > 0xffff || p->psk_idlen > 0xffff ||
	    p->infolen > 0xffff || sharedlen > 0xffff)
		return POUCH_E_MISUSE;	/* lengthPrefixed is 2 bytes */
	slen = 4 + p->psklen + sharedlen;
	clen = 5 + p->psk_idlen + p->infolen;
	if ((secrets = OPENSSL_malloc(slen)) == NULL ||
	    (context = OPENSSL_malloc(clen)) == NULL)
		goto out;
	e = put_lp(secrets, p->psk, p->psklen);
	put_lp(e, shared, sharedlen);
	context[0] = p->mode;
	e = put_lp(context + 1, p->psk_id, p->psk_idlen);
	put_lp(e, p->info, p->infolen);
	if ((rc = pouch_hpke_labeled_derive(c, kdf, ctx->suite_id,
	    POUCH_HPKE_SUITE_ID_LEN, secrets, slen, "secret", context, clen,
	    out, olen)) != POUCH_OK)
		goto out;
	memcpy(ctx->key, out, aead->Nk);
	memcpy(ctx->base_nonce, out + aead->Nk, aead->Nn);
	memcpy(ctx->exporter_secret, out + aead->Nk + aead->Nn, kdf->Nh);
out:
	OPENSSL_clear_free(secrets, slen);
	OPENSSL_free(context);
	OPENSSL_cleanse(out, sizeof(out));
	return rc;
}

static int
key_schedule(const struct pouch_crypto *c, enum pouch_hpke_role role,
    const struct pouch_hpke_params *p, const struct pouch_hpke_kdf *kdf,
    const struct pouch_hpke_aead *aead, const uint8_t *shared,
    size_t sharedlen, struct pouch_hpke_ctx **ctxp,
    struct pouch_hpke_trace *trace)
{
	struct pouch_hpke_ctx *ctx = NULL;
	uint8_t *sid;
	int rc;

	*ctxp = NULL;
	if ((ctx = OPENSSL_secure_zalloc(sizeof(*ctx))) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	ctx->role = role;
	ctx->kdf = kdf;
	ctx->aead = aead;
	ctx->seq = 0;
	sid = ctx->suite_id;
	sid[0] = 'H';
	sid[1] = 'P';
	sid[2] = 'K';
	sid[3] = 'E';
	sid[4] = (uint8_t)(p->kem >> 8);
	sid[5] = (uint8_t)p->kem;
	sid[6] = (uint8_t)(p->kdf >> 8);
	sid[7] = (uint8_t)p->kdf;
	sid[8] = (uint8_t)(p->aead >> 8);
	sid[9] = (uint8_t)p->aead;
	if (kdf->xof != 0)
		rc = combine_one_stage(c, p, kdf, aead, shared, sharedlen,
		    ctx);
	else
		rc = combine_two_stage(c, p, kdf, aead, shared, sharedlen,
		    ctx, trace);
	if (rc != POUCH_OK)
		goto out;
	*ctxp = ctx;
	ctx = NULL;
out:
	pouch_hpke_ctx_free(ctx);
	return rc;
}

void
pouch_hpke_ctx_free(struct pouch_hpke_ctx *ctx)
{
	if (ctx == NULL)
		return;
	OPENSSL_secure_clear_free(ctx, sizeof(*ctx));
}

static void
trace_shared(struct pouch_hpke_trace *trace, const uint8_t *shared,
    size_t len)
{
	if (trace == NULL)
		return;
	memcpy(trace->shared_secret, shared, len);
	trace->shared_secretlen = len;
}

/* RFC 9180 5.1.1-5.1.4, sender: Encap or AuthEncap, then KeyScheduleS. */
int
pouch_hpke_setup_sender(const struct pouch_crypto *c,
    const struct pouch_hpke_params *p, const uint8_t *pkR, size_t pkRlen,
    const uint8_t *ikmE, size_t ikmElen, uint8_t *enc, size_t enccap,
    size_t *enclen, struct pouch_hpke_ctx **ctxp,
    struct pouch_hpke_trace *trace)
{
	const struct pouch_hpke_kem *kem;
	const struct pouch_hpke_kdf *kdf;
	const struct pouch_hpke_aead *aead;
	uint8_t shared[POUCH_HPKE_SECRET_MAX];
	int rc;

	if (c == NULL || p == NULL || pkR == NULL || enc == NULL ||
	    enclen == NULL || ctxp == NULL || (ikmE == NULL && ikmElen != 0))
		return POUCH_E_MISUSE;
	*enclen = 0;
	*ctxp = NULL;
	if ((rc = params_check(p, POUCH_HPKE_SENDER, &kem, &kdf, &aead)) !=
	    POUCH_OK)
		return rc;
	if (enccap < kem->Nenc) {
		*enclen = kem->Nenc;
		return POUCH_E_BUFFER_TOO_SMALL;
	}
	if (mode_is_auth(p->mode))
		rc = kem->auth_encap(c, kem, pkR, pkRlen, p->skS, p->skSlen,
		    ikmE, ikmElen, shared, enc);
	else
		rc = kem->encap(c, kem, pkR, pkRlen, ikmE, ikmElen, shared,
		    enc);
	if (rc != POUCH_OK)
		goto out;
	trace_shared(trace, shared, kem->Nsecret);
	if ((rc = key_schedule(c, POUCH_HPKE_SENDER, p, kdf, aead, shared,
	    kem->Nsecret, ctxp, trace)) != POUCH_OK)
		goto out;
	*enclen = kem->Nenc;
out:
	if (rc != POUCH_OK)
		memset(enc, 0, kem->Nenc);
	OPENSSL_cleanse(shared, sizeof(shared));
	return rc;
}

/* RFC 9180 5.1.1-5.1.4, receiver: Decap or AuthDecap, then KeyScheduleR. */
int
pouch_hpke_setup_receiver(const struct pouch_crypto *c,
    const struct pouch_hpke_params *p, const uint8_t *enc, size_t enclen,
    const uint8_t *skR, size_t skRlen, struct pouch_hpke_ctx **ctxp,
    struct pouch_hpke_trace *trace)
{
	const struct pouch_hpke_kem *kem;
	const struct pouch_hpke_kdf *kdf;
	const struct pouch_hpke_aead *aead;
	uint8_t shared[POUCH_HPKE_SECRET_MAX];
	int rc;

	if (c == NULL || p == NULL || enc == NULL || skR == NULL ||
	    ctxp == NULL)
		return POUCH_E_MISUSE;
	*ctxp = NULL;
	if ((rc = params_check(p, POUCH_HPKE_RECEIVER, &kem, &kdf, &aead)) !=
	    POUCH_OK)
		return rc;
	if (mode_is_auth(p->mode))
		rc = kem->auth_decap(c, kem, enc, enclen, skR, skRlen, p->pkS,
		    p->pkSlen, shared);
	else
		rc = kem->decap(c, kem, enc, enclen, skR, skRlen, shared);
	if (rc != POUCH_OK)
		goto out;
	trace_shared(trace, shared, kem->Nsecret);
	rc = key_schedule(c, POUCH_HPKE_RECEIVER, p, kdf, aead, shared,
	    kem->Nsecret, ctxp, trace);
out:
	OPENSSL_cleanse(shared, sizeof(shared));
	return rc;
}

/*
 * RFC 9180 5.2 ComputeNonce(seq): xor(base_nonce, I2OSP(seq, Nn)).
 * seq is 64 bits, so only the last 8 bytes of the nonce change.
 */
static void
compute_nonce(const struct pouch_hpke_ctx *ctx,
    uint8_t nonce[POUCH_HPKE_NN_MAX])
{
	size_t nn = ctx->aead->Nn, i;
	uint64_t seq = ctx->seq;

	memcpy(nonce, ctx->base_nonce, nn);
	for (i = 0; i < 8 && i < nn; i++) {
		nonce[nn - 1 - i] ^= (uint8_t)seq;
		seq >>= 8;
	}
}

/*
 * RFC 9180 5.2 IncrementSeq raises MessageLimitReachedError when seq
 * cannot grow.  Our seq is a uint64, which bounds it before the 2^96 - 1
 * of Nn = 12: the last value is refused before anything is encrypted, so
 * a nonce is never reused.
 */
static int
seq_check(const struct pouch_hpke_ctx *ctx)
{
	return ctx->seq == UINT64_MAX ? POUCH_E_LIMIT : POUCH_OK;
}

/* RFC 9180 5.2 ContextS.Seal(aad, pt). */
int
pouch_hpke_seal(const struct pouch_crypto *c, struct pouch_hpke_ctx *ctx,
    const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t ptlen,
    uint8_t *ct, size_t ctcap, size_t *ctlen)
{
	uint8_t nonce[POUCH_HPKE_NN_MAX];
	size_t need;
	int rc;

	if (c == NULL || ctx == NULL || ct == NULL || ctlen == NULL ||
	    (aad == NULL && aadlen != 0) || (pt == NULL && ptlen != 0))
		return POUCH_E_MISUSE;
	*ctlen = 0;
	/* 5.2: a receiver context MUST NOT encrypt; 7.3: export-only. */
	if (ctx->role != POUCH_HPKE_SENDER || ctx->aead->Nk == 0)
		return POUCH_E_MISUSE;
	if (ptlen > SIZE_MAX - ctx->aead->Nt)
		return POUCH_E_TOO_LARGE;
	need = ptlen + ctx->aead->Nt;
	if (ctcap < need) {
		*ctlen = need;
		return POUCH_E_BUFFER_TOO_SMALL;
	}
	if ((rc = seq_check(ctx)) != POUCH_OK)
		return rc;
	compute_nonce(ctx, nonce);
	rc = pouch_aead_seal(c, ctx->aead->aead, ctx->key, nonce,
	    aad != NULL ? aad : empty, aadlen, pt != NULL ? pt : empty, ptlen,
	    ct, ctcap, ctlen);
	if (rc == POUCH_OK)
		ctx->seq++;
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return rc;
}

/* RFC 9180 5.2 ContextR.Open(aad, ct). */
int
pouch_hpke_open(const struct pouch_crypto *c, struct pouch_hpke_ctx *ctx,
    const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t ctlen,
    uint8_t *pt, size_t ptcap, size_t *ptlen)
{
	uint8_t nonce[POUCH_HPKE_NN_MAX];
	uint8_t dummy[1];
	size_t need;
	int rc;

	if (c == NULL || ctx == NULL || ptlen == NULL ||
	    (pt == NULL && ptcap != 0) || (aad == NULL && aadlen != 0) ||
	    (ct == NULL && ctlen != 0))
		return POUCH_E_MISUSE;
	*ptlen = 0;
	/* 5.2: a sender context MUST NOT decrypt; 7.3: export-only. */
	if (ctx->role != POUCH_HPKE_RECEIVER || ctx->aead->Nk == 0)
		return POUCH_E_MISUSE;
	if (ctlen < ctx->aead->Nt)
		return POUCH_E_DECRYPT;		/* no room for a tag */
	need = ctlen - ctx->aead->Nt;
	if (ptcap < need) {
		*ptlen = need;
		return POUCH_E_BUFFER_TOO_SMALL;
	}
	if ((rc = seq_check(ctx)) != POUCH_OK)
		return rc;
	compute_nonce(ctx, nonce);
	rc = pouch_aead_open(c, ctx->aead->aead, ctx->key, nonce,
	    aad != NULL ? aad : empty, aadlen, ct, ctlen,
	    pt != NULL ? pt : dummy, pt != NULL ? ptcap : sizeof(dummy), ptlen);
	if (rc == POUCH_OK)
		ctx->seq++;
	else {
		if (rc == POUCH_E_MALFORMED)
			rc = POUCH_E_DECRYPT;
		*ptlen = 0;
		if (pt != NULL)
			OPENSSL_cleanse(pt, need);
	}
	OPENSSL_cleanse(nonce, sizeof(nonce));
	OPENSSL_cleanse(dummy, sizeof(dummy));
	return rc;
}

/*
 * RFC 9180 5.3 Context.Export(exporter_context, L):
 *   LabeledExpand(exporter_secret, "sec", exporter_context, L),
 * L at most 255 * Nh.  Works with every AEAD, export-only included.
 */
int
pouch_hpke_export(const struct pouch_crypto *c,
    const struct pouch_hpke_ctx *ctx, const uint8_t *exp_ctx,
    size_t exp_ctxlen, uint8_t *out, size_t L)
{
	if (c == NULL || ctx == NULL || (out == NULL && L != 0) ||
	    (exp_ctx == NULL && exp_ctxlen != 0))
		return POUCH_E_MISUSE;
	if (ctx->kdf->xof != 0)		/* one-stage: LabeledDerive */
		return pouch_hpke_labeled_derive(c, ctx->kdf, ctx->suite_id,
		    sizeof(ctx->suite_id), ctx->exporter_secret,
		    ctx->kdf->Nh, "sec", exp_ctx != NULL ? exp_ctx : empty,
		    exp_ctxlen, out, L);
	if (L > 255 * ctx->kdf->Nh)
		return POUCH_E_MISUSE;
	return pouch_hpke_labeled_expand(c, ctx->kdf, ctx->suite_id,
	    sizeof(ctx->suite_id), ctx->exporter_secret, ctx->kdf->Nh, "sec",
	    exp_ctx != NULL ? exp_ctx : empty, exp_ctxlen, out, L);
}
