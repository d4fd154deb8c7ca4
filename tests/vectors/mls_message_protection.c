/*
 * mls_message_protection.c - runner for mls/message-protection.json
 * (RFC 9420 6), every step of the upstream README's "Verification" list.
 * With the GroupContext built from the case (empty extensions), leaf 1 the
 * sender and leaf 0 blank, for each of proposal, commit and application:
 *  1. X_pub (not for application) unprotects with membership_key and
 *     signature_pub into content that encodes to exactly X;
 *  2. X protected as a PublicMessage with membership_key and
 *     signature_priv unprotects again to X; for application data,
 *     protecting as a PublicMessage must fail;
 *  3. X_priv unprotects on a fresh 2-leaf secret tree from
 *     encryption_secret, with sender_data_secret and signature_pub, to X,
 *     and the same message is then refused as a replay;
 *  4. X protected as a PrivateMessage by a sender's own fresh tree
 *     unprotects on another fresh tree to X.
 * A commit's confirmation tag is opaque to message protection: the one
 * carried by commit_pub is reused for steps 2 and 4.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "mls/protect.h"
#include "vectors/vectors.h"

#define NF		8
#define F_SIG_PRIV	0
#define F_SIG_PUB	1
#define F_ENC		2
#define F_SDS		3
#define F_MK		4
#define F_GROUP_ID	5
#define F_TREE_HASH	6
#define F_CTH		7

static const char *const fnames[NF] = { "signature_priv",
    "signature_pub", "encryption_secret", "sender_data_secret",
    "membership_key", "group_id", "tree_hash", "confirmed_transcript_hash" };

struct mp_case {
	const struct pouch_crypto	*c;
	const struct pouch_mls_suite	*s;
	const char			*file;
	size_t				 idx;
	json_t				*tc;
	uint8_t				*f[NF];
	size_t				 n[NF];
	struct pouch_mls_group_context	 gc;
	struct pouch_sig_key		*key;
	struct pouch_mls_bytes		 keys[2];	/* leaf 0 blank */
	/* the confirmation tag of commit_pub, for our own commits */
	uint8_t				 tag[POUCH_HASH_MAX];
	size_t				 taglen;
};

/* The step being checked, for the failure message. */
static void
step_fail(const struct mp_case *x, const char *what, const char *step,
    int rc)
{
	char buf[160];

	snprintf(buf, sizeof(buf), "%s: %s (%s)", what, step,
	    pouch_strerror(rc));
	vec_fail(x->file, x->idx, buf);
}

/* Does the content of r encode to exactly raw? */
static int
content_is(const struct pouch_mls_received *r, uint8_t ct,
    const uint8_t *raw, size_t rawlen)
{
	const struct pouch_mls_framed_content *fc = &r->ac.content;
	struct pouch_wr w;
	int ok;

	if (fc->content_type != ct ||
	    fc->sender.type != POUCH_MLS_SENDER_MEMBER ||
	    fc->sender.index != 1)
		return 0;
	pouch_wr_init(&w, 1U << 24);
	switch (ct) {
	case POUCH_MLS_CT_APPLICATION:
		pouch_wr_bytes(&w, fc->u.application_data.p,
		    fc->u.application_data.n);
		break;
	case POUCH_MLS_CT_PROPOSAL:
		pouch_mls_proposal_encode(&w, &fc->u.proposal);
		break;
	default:
		pouch_mls_commit_encode(&w, &fc->u.commit);
		break;
	}
	ok = pouch_wr_finish(&w) == POUCH_OK && w.len == rawlen &&
	    (rawlen == 0 || memcmp(w.buf, raw, rawlen) == 0);
	pouch_wr_free(&w);
	return ok;
}

/* The raw value as a FramedContent from leaf 1 (decoded into a). */
static int
raw_content(const struct mp_case *x, struct pouch_mls_arena *a, uint8_t ct,
    const uint8_t *raw, size_t rawlen, struct pouch_mls_framed_content *fc)
{
	const struct pouch_mls_limits *lim = pouch_mls_limits_default();
	struct pouch_rd r;
	int rc = POUCH_OK;

	memset(fc, 0, sizeof(*fc));
	fc->group_id = x->gc.group_id;
	fc->epoch = x->gc.epoch;
	fc->sender.type = POUCH_MLS_SENDER_MEMBER;
	fc->sender.index = 1;
	fc->content_type = ct;
	pouch_rd_init(&r, raw, rawlen);
	if (ct == POUCH_MLS_CT_APPLICATION) {
		fc->u.application_data.p = raw;
		fc->u.application_data.n = rawlen;
		return POUCH_OK;
	}
	if (ct == POUCH_MLS_CT_PROPOSAL)
		rc = pouch_mls_proposal_decode(&r, a, lim, &fc->u.proposal);
	else
		rc = pouch_mls_commit_decode(&r, a, lim, &fc->u.commit);
	if (rc == POUCH_OK)
		rc = pouch_rd_done(&r);
	return rc;
}

/* Sign fc as wire_format and seal it with p. */
static int
protect_raw(struct mp_case *x, const struct pouch_mls_protect_ctx *p,
    uint16_t wf, const struct pouch_mls_framed_content *fc, uint8_t **out,
    size_t *outlen)
{
	struct pouch_mls_authenticated_content ac;
	uint8_t sig[POUCH_SIG_MAX];
	size_t siglen;
	int rc;

	if (fc->content_type != POUCH_MLS_CT_COMMIT)
		return pouch_mls_protect(p, x->key, wf, fc, out, outlen);
	if ((rc = pouch_mls_content_sign(p, x->key, wf, fc, sig, sizeof(sig),
	    &siglen)) != POUCH_OK)
		return rc;
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = wf;
	ac.content = *fc;
	ac.auth.signature.p = sig;
	ac.auth.signature.n = siglen;
	ac.auth.confirmation_tag.p = x->tag;
	ac.auth.confirmation_tag.n = x->taglen;
	if (wf == POUCH_MLS_WF_PUBLIC_MESSAGE)
		return pouch_mls_public_message_seal(p, &ac, out, outlen);
	return pouch_mls_private_message_seal(p, &ac, out, outlen);
}

/* A fresh 2-leaf tree from encryption_secret, in *st. */
static int
fresh_tree(const struct mp_case *x, struct pouch_mls_secret_tree **st)
{
	pouch_mls_secret_tree_free(*st);
	*st = NULL;
	return pouch_mls_secret_tree_new(x->s, x->f[F_ENC], 2, NULL, st);
}

/* Unprotect buf with p and check its content against raw. */
static int
unprotect_is(struct mp_case *x, const struct pouch_mls_protect_ctx *p,
    const uint8_t *buf, size_t len, uint8_t ct, const uint8_t *raw,
    size_t rawlen, int keep_tag, int *rcp)
{
	struct pouch_mls_received r;
	const struct pouch_mls_bytes *t;
	int ok = 0;

	if ((*rcp = pouch_mls_message_unprotect(p, x->keys, 2, buf, len, &r)) !=
	    POUCH_OK)
		return 0;
	if (!content_is(&r, ct, raw, rawlen))
		goto out;
	t = &r.ac.auth.confirmation_tag;
	if (keep_tag) {
		if (t->n == 0 || t->n > sizeof(x->tag))
			goto out;
		memcpy(x->tag, t->p, t->n);
		x->taglen = t->n;
	}
	ok = 1;
out:
	pouch_mls_received_clear(&r);
	return ok;
}

/* Every step for one of proposal / commit / application. */
static int
run_kind(struct mp_case *x, const char *name, uint8_t ct)
{
	struct pouch_mls_secret_tree *st = NULL, *sst = NULL;
	struct pouch_mls_framed_content fc;
	struct pouch_mls_received r;
	struct pouch_mls_protect_ctx p;
	struct pouch_mls_arena a;
	uint8_t *raw = NULL, *pub = NULL, *priv = NULL, *out = NULL;
	size_t rawlen, publen = 0, privlen, outlen = 0;
	char key[64];
	int ok = 0, rc = POUCH_OK, is_app = ct == POUCH_MLS_CT_APPLICATION;

	pouch_mls_arena_init(&a, 1U << 26);
	memset(&p, 0, sizeof(p));
	p.c = x->c;
	p.s = x->s;
	p.gc = &x->gc;
	p.membership_key = x->f[F_MK];
	p.sender_data_secret = x->f[F_SDS];
	snprintf(key, sizeof(key), "%s_pub", name);
	if (vec_hex(x->tc, name, &raw, &rawlen) != 0 ||
	    (!is_app && vec_hex(x->tc, key, &pub, &publen) != 0)) {
		step_fail(x, name, "missing field", rc);
		goto out;
	}
	snprintf(key, sizeof(key), "%s_priv", name);
	if (vec_hex(x->tc, key, &priv, &privlen) != 0) {
		step_fail(x, name, "missing field", rc);
		goto out;
	}
	/* 1. the given PublicMessage */
	if (!is_app && !unprotect_is(x, &p, pub, publen, ct, raw, rawlen,
	    ct == POUCH_MLS_CT_COMMIT, &rc)) {
		step_fail(x, name, "unprotect _pub", rc);
		goto out;
	}
	if ((rc = raw_content(x, &a, ct, raw, rawlen, &fc)) != POUCH_OK) {
		step_fail(x, name, "decode raw value", rc);
		goto out;
	}
	/* 2. our PublicMessage; none for application data */
	rc = protect_raw(x, &p, POUCH_MLS_WF_PUBLIC_MESSAGE, &fc, &out,
	    &outlen);
	if (is_app ? rc == POUCH_OK : (rc != POUCH_OK ||
	    !unprotect_is(x, &p, out, outlen, ct, raw, rawlen, 0, &rc))) {
		step_fail(x, name, is_app ? "application as PublicMessage "
		    "accepted" : "protect/unprotect PublicMessage", rc);
		goto out;
	}
	pouch_wr_buf_free(out, outlen);
	out = NULL;
	/* 3. the given PrivateMessage, then its replay */
	if ((rc = fresh_tree(x, &st)) != POUCH_OK) {
		step_fail(x, name, "secret tree", rc);
		goto out;
	}
	p.st = st;
	if (!unprotect_is(x, &p, priv, privlen, ct, raw, rawlen, 0, &rc)) {
		step_fail(x, name, "unprotect _priv", rc);
		goto out;
	}
	if ((rc = pouch_mls_message_unprotect(&p, x->keys, 2, priv, privlen,
	    &r)) != POUCH_E_REPLAY) {
		pouch_mls_received_clear(&r);
		step_fail(x, name, "replay of _priv not refused", rc);
		goto out;
	}
	/* 4. our PrivateMessage, from the sender's tree to a receiver's */
	if ((rc = fresh_tree(x, &sst)) != POUCH_OK ||
	    (rc = fresh_tree(x, &st)) != POUCH_OK) {
		step_fail(x, name, "secret tree", rc);
		goto out;
	}
	p.st = sst;
	if ((rc = protect_raw(x, &p, POUCH_MLS_WF_PRIVATE_MESSAGE, &fc, &out,
	    &outlen)) != POUCH_OK) {
		step_fail(x, name, "protect PrivateMessage", rc);
		goto out;
	}
	p.st = st;
	if (!unprotect_is(x, &p, out, outlen, ct, raw, rawlen, 0, &rc)) {
		step_fail(x, name, "unprotect own PrivateMessage", rc);
		goto out;
	}
	ok = 1;
out:
	pouch_wr_buf_free(out, outlen);
	pouch_mls_secret_tree_free(st);
	pouch_mls_secret_tree_free(sst);
	pouch_mls_arena_free(&a);
	free(raw);
	free(pub);
	free(priv);
	return ok;
}

/*
 * The signing key.  An ECDSA private key is a fixed-length big-endian
 * scalar (RFC 9180 7.1.2, 66 bytes for P-521); the P-521 case of this file
 * drops a leading zero octet (65 bytes), so a shorter scalar is padded
 * back here.  The library itself accepts only the fixed length.
 */
static int
load_key(struct mp_case *x)
{
	uint8_t priv[POUCH_SIG_PRIV_MAX];
	size_t want = pouch_sig_priv_len(x->s->sig), n = x->n[F_SIG_PRIV];
	int rc;

	if (x->s->sig == POUCH_SIG_ED25519 || x->s->sig == POUCH_SIG_ED448 ||
	    n >= want || want > sizeof(priv))
		return pouch_sig_key_new(x->c, x->s->sig, POUCH_IMPL_DEFAULT,
		    x->f[F_SIG_PRIV], n, &x->key);
	memset(priv, 0, sizeof(priv));
	memcpy(priv + want - n, x->f[F_SIG_PRIV], n);
	rc = pouch_sig_key_new(x->c, x->s->sig, POUCH_IMPL_DEFAULT, priv,
	    want, &x->key);
	memset(priv, 0, sizeof(priv));
	return rc;
}

static int
run_case(const struct pouch_crypto *c, json_t *tc, const char *file,
    size_t idx)
{
	struct mp_case x;
	long long id, epoch;
	size_t i;
	int ok = 0, rc;

	memset(&x, 0, sizeof(x));
	x.c = c;
	x.file = file;
	x.idx = idx;
	x.tc = tc;
	if (vec_int(tc, "cipher_suite", &id) != 0 || id < 0 || id > 0xffff ||
	    (x.s = pouch_mls_suite_get((uint16_t)id)) == NULL ||
	    vec_int(tc, "epoch", &epoch) != 0 || epoch < 0) {
		vec_fail(file, idx, "cipher_suite or epoch");
		return 0;
	}
	for (i = 0; i < NF; i++)
		if (vec_hex(tc, fnames[i], &x.f[i], &x.n[i]) != 0) {
			vec_fail(file, idx, fnames[i]);
			goto out;
		}
	if (x.n[F_ENC] != x.s->nh || x.n[F_SDS] != x.s->nh ||
	    x.n[F_MK] != x.s->nh) {
		vec_fail(file, idx, "secret length");
		goto out;
	}
	x.gc.version = POUCH_MLS_VERSION_10;
	x.gc.cipher_suite = x.s->id;
	x.gc.group_id.p = x.f[F_GROUP_ID];
	x.gc.group_id.n = x.n[F_GROUP_ID];
	x.gc.epoch = (uint64_t)epoch;
	x.gc.tree_hash.p = x.f[F_TREE_HASH];
	x.gc.tree_hash.n = x.n[F_TREE_HASH];
	x.gc.confirmed_transcript_hash.p = x.f[F_CTH];
	x.gc.confirmed_transcript_hash.n = x.n[F_CTH];
	x.keys[1].p = x.f[F_SIG_PUB];
	x.keys[1].n = x.n[F_SIG_PUB];
	if ((rc = load_key(&x)) != POUCH_OK) {
		step_fail(&x, "signature_priv", "load", rc);
		goto out;
	}
	/* commit first: its _pub gives the confirmation tag */
	ok = run_kind(&x, "commit", POUCH_MLS_CT_COMMIT) &&
	    run_kind(&x, "proposal", POUCH_MLS_CT_PROPOSAL) &&
	    run_kind(&x, "application", POUCH_MLS_CT_APPLICATION);
out:
	pouch_sig_key_free(x.key);
	for (i = 0; i < NF; i++)
		free(x.f[i]);
	return ok;
}

int
vec_run_mls_message_protection(json_t *root, const char *file,
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
