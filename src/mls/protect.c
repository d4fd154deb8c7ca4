/*
 * protect.c - RFC 9420 6, 6.1 and 6.2: the signature over
 * FramedContentTBS, the PublicMessage and its membership tag, and the
 * receive path both wire formats share (decode, group and epoch check,
 * the two steps open and verify, the received-message lifetime).  The
 * PrivateMessage's encryption is protect_private.c's.  Nothing here
 * keeps state: the only state any call changes is the secret tree that
 * pouch_mls_message_verify() consumes a generation of, on success.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "mls/msg_int.h"
#include "mls/protect_int.h"

#define TBS_LABEL	"FramedContentTBS"

/* ---- shared checks ----------------------------------------------------- */

int
pouch_mls_protect_check(const struct pouch_mls_protect_ctx *p)
{
	if (p == NULL || p->c == NULL || p->s == NULL || p->gc == NULL)
		return POUCH_E_MISUSE;
	if (p->s->nh == 0 || p->s->nh > POUCH_HASH_MAX ||
	    p->pad_block > POUCH_MLS_PAD_BLOCK_MAX)
		return POUCH_E_MISUSE;
	return POUCH_OK;
}

const struct pouch_mls_limits *
pouch_mls_protect_limits(const struct pouch_mls_protect_ctx *p)
{
	return p->lim != NULL ? p->lim : pouch_mls_limits_default();
}

int
pouch_mls_protect_epoch(const struct pouch_mls_protect_ctx *p,
    const struct pouch_mls_bytes *group_id, uint64_t epoch)
{
	const struct pouch_mls_bytes *want = &p->gc->group_id;

	if (group_id->n != want->n || epoch != p->gc->epoch)
		return POUCH_E_WRONG_EPOCH;
	if (want->n > 0 && pouch_ct_eq(group_id->p, want->p, want->n) != 0)
		return POUCH_E_WRONG_EPOCH;
	return POUCH_OK;
}

int
pouch_mls_protect_auth_ok(const struct pouch_mls_protect_ctx *p,
    const struct pouch_mls_authenticated_content *ac)
{
	if (ac->auth.signature.n == 0 || ac->auth.signature.p == NULL)
		return POUCH_E_MISUSE;
	if (ac->content.content_type == POUCH_MLS_CT_COMMIT &&
	    (ac->auth.confirmation_tag.n != p->s->nh ||
	    ac->auth.confirmation_tag.p == NULL))
		return POUCH_E_MISUSE;
	return POUCH_OK;
}

/*
 * RFC 9420 6.1: what each sender type may send.  Application data from a
 * member is further restricted to PrivateMessage by the callers.
 */
static int
sender_content_ok(const struct pouch_mls_framed_content *fc)
{
	switch (fc->sender.type) {
	case POUCH_MLS_SENDER_MEMBER:
		return 1;
	case POUCH_MLS_SENDER_EXTERNAL:
		return fc->content_type == POUCH_MLS_CT_PROPOSAL;
	case POUCH_MLS_SENDER_NEW_MEMBER_PROPOSAL:
		return fc->content_type == POUCH_MLS_CT_PROPOSAL &&
		    fc->u.proposal.type == POUCH_MLS_PROP_ADD;
	case POUCH_MLS_SENDER_NEW_MEMBER_COMMIT:
		return fc->content_type == POUCH_MLS_CT_COMMIT;
	default:
		return 0;
	}
}

/* ---- FramedContentTBS and AuthenticatedContentTBM ---------------------- */

static void
tbs_fill(const struct pouch_mls_protect_ctx *p, uint16_t wire_format,
    const struct pouch_mls_framed_content *fc,
    struct pouch_mls_framed_content_tbs *tbs)
{
	memset(tbs, 0, sizeof(*tbs));
	tbs->version = POUCH_MLS_VERSION_10;
	tbs->wire_format = wire_format;
	tbs->content = *fc;
	/* the encoder includes it only for member / new_member_commit */
	tbs->context = *p->gc;
}

/* ---- the content's one encoding --------------------------------------- */

void
pouch_mls_content_enc_free(struct pouch_mls_content_enc *ce)
{
	if (ce == NULL)
		return;
	pouch_wr_free(&ce->w);	/* wipes unless sent in the clear */
	memset(ce, 0, sizeof(*ce));
}

int
pouch_mls_content_enc_init(const struct pouch_mls_protect_ctx *p,
    uint16_t wire_format, const struct pouch_mls_framed_content *fc,
    size_t hint, struct pouch_mls_content_enc *ce)
{
	struct pouch_mls_framed_content_tbs tbs;
	int rc;

	if (ce == NULL)
		return POUCH_E_MISUSE;
	pouch_mls_content_enc_free(ce);
	if (p == NULL || p->gc == NULL || fc == NULL)
		return POUCH_E_MISUSE;
	pouch_wr_init_hint(&ce->w, pouch_mls_protect_limits(p)->decoded_max,
	    hint);
	if (wire_format == POUCH_MLS_WF_PUBLIC_MESSAGE)
		pouch_wr_public(&ce->w);	/* sent as it is */
	/* what pouch_mls_framed_content_tbs_encode() writes, in 2 parts */
	tbs_fill(p, wire_format, fc, &tbs);
	pouch_wr_u16(&ce->w, tbs.version);
	pouch_wr_u16(&ce->w, tbs.wire_format);
	pouch_mls_framed_content_encode(&ce->w, &tbs.content);
	ce->fcend = ce->w.len;
	if (fc->sender.type == POUCH_MLS_SENDER_MEMBER ||
	    fc->sender.type == POUCH_MLS_SENDER_NEW_MEMBER_COMMIT)
		pouch_mls_group_context_encode(&ce->w, &tbs.context);
	if ((rc = pouch_wr_finish(&ce->w)) != POUCH_OK) {
		pouch_mls_content_enc_free(ce);
		return rc;
	}
	ce->tbsend = ce->w.len;
	ce->ok = 1;
	return POUCH_OK;
}

int
pouch_mls_content_enc_for(const struct pouch_mls_content_enc *ce,
    uint16_t wire_format)
{
	return ce != NULL && ce->ok && ce->tbsend >= 4 &&
	    ce->w.len >= ce->tbsend &&
	    (((uint16_t)ce->w.buf[2] << 8) | ce->w.buf[3]) == wire_format;
}

/*
 * membership_tag = MAC(membership_key, AuthenticatedContentTBM), s->nh:
 * the TBS in ce with ac's AuthData appended.
 */
static int
membership_tag(const struct pouch_mls_protect_ctx *p,
    const struct pouch_mls_authenticated_content *ac,
    struct pouch_mls_content_enc *ce, uint8_t *tag)
{
	struct pouch_wr *w = &ce->w;
	int rc;

	if (p->membership_key == NULL ||
	    !pouch_mls_content_enc_for(ce, ac->wire_format))
		return POUCH_E_MISUSE;
	if (w->len > ce->tbsend) {
		/* an AuthData from before: wipe it, then replace it */
		OPENSSL_cleanse(w->buf + ce->tbsend, w->len - ce->tbsend);
		w->len = ce->tbsend;
	}
	pouch_mls_auth_data_encode(w, ac->content.content_type, &ac->auth);
	if ((rc = pouch_wr_finish(w)) != POUCH_OK) {
		pouch_mls_content_enc_free(ce);
		return rc;
	}
	return pouch_hmac(p->c, p->s->hash, p->membership_key, p->s->nh,
	    w->buf, w->len, tag);
}

/* ---- sending ----------------------------------------------------------- */

int
pouch_mls_content_sign(const struct pouch_mls_protect_ctx *p,
    const struct pouch_sig_key *key, uint16_t wire_format,
    const struct pouch_mls_framed_content *fc, uint8_t *sig, size_t sigcap,
    size_t *siglen)
{
	struct pouch_mls_content_enc ce;
	int rc;

	if (siglen == NULL)
		return POUCH_E_MISUSE;
	*siglen = 0;
	if ((rc = pouch_mls_protect_check(p)) != POUCH_OK)
		return rc;
	if (key == NULL || fc == NULL || sig == NULL ||
	    (wire_format != POUCH_MLS_WF_PUBLIC_MESSAGE &&
	    wire_format != POUCH_MLS_WF_PRIVATE_MESSAGE))
		return POUCH_E_MISUSE;
	if (pouch_mls_protect_epoch(p, &fc->group_id, fc->epoch) != POUCH_OK)
		return POUCH_E_MISUSE;
	memset(&ce, 0, sizeof(ce));
	if ((rc = pouch_mls_content_enc_init(p, wire_format, fc, 0, &ce)) !=
	    POUCH_OK)
		goto out;
	rc = pouch_mls_sign_with_label_key(key, TBS_LABEL, ce.w.buf,
	    ce.tbsend, sig, sigcap, siglen);
out:
	pouch_mls_content_enc_free(&ce);
	return rc;
}

int
pouch_mls_content_sign_enc(const struct pouch_mls_protect_ctx *p,
    const struct pouch_sig_key *key, struct pouch_mls_content_enc *ce,
    uint8_t *sig, size_t sigcap, size_t *siglen)
{
	int rc;

	if (siglen == NULL)
		return POUCH_E_MISUSE;
	*siglen = 0;
	if ((rc = pouch_mls_protect_check(p)) != POUCH_OK)
		return rc;
	if (key == NULL || sig == NULL ||
	    (!pouch_mls_content_enc_for(ce, POUCH_MLS_WF_PUBLIC_MESSAGE) &&
	    !pouch_mls_content_enc_for(ce, POUCH_MLS_WF_PRIVATE_MESSAGE)))
		return POUCH_E_MISUSE;
	return pouch_mls_sign_with_label_key(key, TBS_LABEL, ce->w.buf,
	    ce->tbsend, sig, sigcap, siglen);
}

int
pouch_mls_public_message_seal(const struct pouch_mls_protect_ctx *p,
    const struct pouch_mls_authenticated_content *ac, uint8_t **out,
    size_t *outlen)
{
	struct pouch_mls_content_enc ce;
	int rc;

	if (out == NULL || outlen == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*outlen = 0;
	if ((rc = pouch_mls_protect_check(p)) != POUCH_OK)
		return rc;
	if (ac == NULL)
		return POUCH_E_MISUSE;
	memset(&ce, 0, sizeof(ce));
	if ((rc = pouch_mls_content_enc_init(p, ac->wire_format, &ac->content,
	    0, &ce)) == POUCH_OK)
		rc = pouch_mls_public_message_seal_enc(p, ac, &ce, out, outlen);
	pouch_mls_content_enc_free(&ce);
	return rc;
}

/*
 * The MLSMessage is version || wire_format || FramedContent (ce's first
 * fcend bytes) || AuthData || membership_tag for a member (RFC 9420 6).
 */
int
pouch_mls_public_message_seal_enc(const struct pouch_mls_protect_ctx *p,
    const struct pouch_mls_authenticated_content *ac,
    struct pouch_mls_content_enc *ce, uint8_t **out, size_t *outlen)
{
	struct pouch_mls_bytes mt;
	uint8_t tag[POUCH_HASH_MAX];
	struct pouch_wr w;
	int rc;

	if (out == NULL || outlen == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*outlen = 0;
	if ((rc = pouch_mls_protect_check(p)) != POUCH_OK)
		return rc;
	if (ac == NULL || ac->wire_format != POUCH_MLS_WF_PUBLIC_MESSAGE ||
	    !pouch_mls_content_enc_for(ce, POUCH_MLS_WF_PUBLIC_MESSAGE) ||
	    ac->content.content_type == POUCH_MLS_CT_APPLICATION ||
	    !sender_content_ok(&ac->content) ||
	    pouch_mls_protect_epoch(p, &ac->content.group_id,
	    ac->content.epoch) != POUCH_OK ||
	    pouch_mls_protect_auth_ok(p, ac) != POUCH_OK)
		return POUCH_E_MISUSE;
	memset(&w, 0, sizeof(w));
	if (ac->content.sender.type == POUCH_MLS_SENDER_MEMBER &&
	    (rc = membership_tag(p, ac, ce, tag)) != POUCH_OK)
		goto out;
	pouch_wr_init_hint(&w, pouch_mls_protect_limits(p)->message_max,
	    ce->fcend + ac->auth.signature.n +
	    ac->auth.confirmation_tag.n + p->s->nh + 16);
	pouch_wr_bytes(&w, ce->w.buf, ce->fcend);
	pouch_mls_auth_data_encode(&w, ac->content.content_type, &ac->auth);
	if (ac->content.sender.type == POUCH_MLS_SENDER_MEMBER) {
		mt.p = tag;
		mt.n = p->s->nh;
		pouch_mls_wr_bytes(&w, &mt);
	}
	rc = pouch_wr_take(&w, out, outlen);
out:
	pouch_wr_free(&w);
	OPENSSL_cleanse(tag, sizeof(tag));
	return rc;
}

int
pouch_mls_protect(const struct pouch_mls_protect_ctx *p,
    const struct pouch_sig_key *key, uint16_t wire_format,
    const struct pouch_mls_framed_content *fc, uint8_t **out,
    size_t *outlen)
{
	struct pouch_mls_authenticated_content ac;
	uint8_t sig[POUCH_SIG_MAX];
	size_t siglen;
	int rc;

	if (out == NULL || outlen == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*outlen = 0;
	if (fc == NULL || fc->content_type == POUCH_MLS_CT_COMMIT)
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_content_sign(p, key, wire_format, fc, sig,
	    sizeof(sig), &siglen)) != POUCH_OK)
		return rc;
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = wire_format;
	ac.content = *fc;
	ac.auth.signature.p = sig;
	ac.auth.signature.n = siglen;
	if (wire_format == POUCH_MLS_WF_PUBLIC_MESSAGE)
		return pouch_mls_public_message_seal(p, &ac, out, outlen);
	return pouch_mls_private_message_seal(p, &ac, out, outlen);
}

/* ---- receiving --------------------------------------------------------- */

/* RFC 9420 6.2: the PublicMessage half of pouch_mls_message_open(). */
static int
public_open(const struct pouch_mls_protect_ctx *p, size_t len,
    struct pouch_mls_received *r)
{
	const struct pouch_mls_public_message *pm = &r->msg.u.public_message;
	const struct pouch_mls_framed_content *fc = &pm->content;
	uint8_t tag[POUCH_HASH_MAX];
	int rc;

	if ((rc = pouch_mls_protect_epoch(p, &fc->group_id, fc->epoch)) !=
	    POUCH_OK)
		return rc;
	/* RFC 9420 6: application data only ever as PrivateMessage */
	if (fc->content_type == POUCH_MLS_CT_APPLICATION ||
	    !sender_content_ok(fc))
		return POUCH_E_MALFORMED;
	r->ac.wire_format = POUCH_MLS_WF_PUBLIC_MESSAGE;
	r->ac.content = *fc;
	r->ac.auth = pm->auth;
	if (fc->sender.type != POUCH_MLS_SENDER_MEMBER)
		return POUCH_OK;
	/* the TBS is about the message's size (+ GroupContext) */
	if ((rc = pouch_mls_content_enc_init(p, r->ac.wire_format, fc,
	    len + 256, &r->ce)) != POUCH_OK ||
	    (rc = membership_tag(p, &r->ac, &r->ce, tag)) != POUCH_OK)
		goto out;
	if (pm->membership_tag.n != p->s->nh ||
	    pouch_ct_eq(tag, pm->membership_tag.p, p->s->nh) != 0)
		rc = POUCH_E_BAD_MAC;
out:
	OPENSSL_cleanse(tag, sizeof(tag));
	return rc;
}

int
pouch_mls_message_open(const struct pouch_mls_protect_ctx *p,
    const uint8_t *buf, size_t len, struct pouch_mls_received *r)
{
	int rc;

	if (r == NULL)
		return POUCH_E_MISUSE;
	memset(r, 0, sizeof(*r));
	if ((rc = pouch_mls_protect_check(p)) != POUCH_OK)
		return rc;
	pouch_mls_arena_init_limits(&r->a, p->lim);
	if ((rc = pouch_mls_message_from_bytes(&r->a, p->lim, buf, len,
	    &r->msg)) != POUCH_OK)
		goto out;
	switch (r->msg.wire_format) {
	case POUCH_MLS_WF_PUBLIC_MESSAGE:
		rc = public_open(p, len, r);
		break;
	case POUCH_MLS_WF_PRIVATE_MESSAGE:
		rc = pouch_mls_private_open(p, r);
		break;
	default:
		rc = POUCH_E_MALFORMED;
		break;
	}
	if (rc == POUCH_OK)
		r->state = POUCH_MLS_RECV_OPENED;
out:
	if (rc != POUCH_OK)
		pouch_mls_received_clear(r);
	return rc;
}

int
pouch_mls_message_verify(const struct pouch_mls_protect_ctx *p,
    struct pouch_mls_received *r, const uint8_t *sig_pub, size_t sig_publen)
{
	int rc;

	if (r == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_protect_check(p)) != POUCH_OK)
		return rc;
	if (r->state != POUCH_MLS_RECV_OPENED || sig_pub == NULL)
		return POUCH_E_MISUSE;
	r->state = POUCH_MLS_RECV_FAILED;
	/* kept in r: the transcript hash of a commit starts with it too */
	if (!pouch_mls_content_enc_for(&r->ce, r->ac.wire_format) &&
	    (rc = pouch_mls_content_enc_init(p, r->ac.wire_format,
	    &r->ac.content, 0, &r->ce)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_verify_with_label(p->c, p->s, sig_pub, sig_publen,
	    TBS_LABEL, r->ce.w.buf, r->ce.tbsend, r->ac.auth.signature.p,
	    r->ac.auth.signature.n)) != POUCH_OK)
		goto out;
	/* authenticated: only now is the generation spent (RFC 9420 9.2) */
	if (r->ac.wire_format == POUCH_MLS_WF_PRIVATE_MESSAGE &&
	    (rc = pouch_mls_secret_tree_consume(p->c, p->st, &r->key)) !=
	    POUCH_OK)
		goto out;
	r->state = POUCH_MLS_RECV_VERIFIED;
out:
	pouch_mls_st_key_clear(&r->key);
	return rc;
}

int
pouch_mls_message_unprotect(const struct pouch_mls_protect_ctx *p,
    const struct pouch_mls_bytes *keys, size_t nkeys, const uint8_t *buf,
    size_t len, struct pouch_mls_received *r)
{
	const struct pouch_mls_sender *snd;
	int rc;

	if (keys == NULL && nkeys != 0)
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_message_open(p, buf, len, r)) != POUCH_OK)
		return rc;
	snd = &r->ac.content.sender;
	/* RFC 9420 6.3.2: the leaf must be a non-blank node */
	if (snd->type != POUCH_MLS_SENDER_MEMBER || snd->index >= nkeys ||
	    keys[snd->index].n == 0 || keys[snd->index].p == NULL) {
		rc = POUCH_E_UNKNOWN_SENDER;
		goto out;
	}
	rc = pouch_mls_message_verify(p, r, keys[snd->index].p,
	    keys[snd->index].n);
out:
	if (rc != POUCH_OK)
		pouch_mls_received_clear(r);
	return rc;
}

void
pouch_mls_received_clear(struct pouch_mls_received *r)
{
	if (r == NULL)
		return;
	pouch_mls_content_enc_free(&r->ce);
	pouch_mls_arena_free(&r->a);
	OPENSSL_cleanse(r, sizeof(*r));
}
