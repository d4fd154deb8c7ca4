/*
 * mls_public.c - the public fields of MLS messages, which are all pouchd
 * may read (RFC 9420 6: PublicMessage framing, the PrivateMessage
 * header, Welcome's KeyPackageRefs, KeyPackages).  Decoding is done by
 * the syntax-only decoders of src/mls/msg.h; nothing here holds or
 * derives a key that reads a message.
 *
 * Routing policy (docs/API.md): handshake messages travel as
 * PublicMessage from a member, application messages as PrivateMessage;
 * commits list their proposals inline.  Anything else is refused as
 * POUCH_E_UNSUPPORTED rather than routed on guesswork.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mls/msg.h"
#include "mls/suite.h"
#include "pouchd/pouchd.h"

/* What parsing needs besides the bytes. */
struct ctx {
	const struct pouch_crypto	*c;
	const struct pouch_mls_suite	*alias;
};

/* RFC 9420 5.2: KeyPackageRef of an Add's KeyPackage, re-encoded. */
static int
add_ref(const struct ctx *x, const struct pouch_mls_key_package *kp,
    struct pouch_store_ref *out)
{
	const struct pouch_mls_suite *s;
	struct pouch_wr w;
	uint8_t *ref;
	int rc;

	if ((s = pouch_mls_suite_find(x->alias, kp->cipher_suite)) == NULL)
		return POUCH_E_UNSUPPORTED;
	pouch_wr_init(&w, 1U << 20);
	pouch_mls_key_package_encode(&w, kp);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	ref = xmalloc(s->nh);
	if ((rc = pouch_mls_key_package_ref(x->c, s, w.buf, w.len, ref)) !=
	    POUCH_OK) {
		free(ref);
		goto out;
	}
	out->p = ref;
	out->n = s->nh;
out:
	pouch_wr_free(&w);
	return rc;
}

static struct pouch_store_ref
copy_ref(const struct pouch_mls_bytes *b)
{
	uint8_t *p = xmalloc(b->n);

	memcpy(p, b->p, b->n);
	return (struct pouch_store_ref){ p, b->n };
}

/* What one proposal changes in the member list. */
static int
read_proposal(const struct ctx *x, const struct pouch_mls_proposal *p,
    struct pouch_store_change *ch)
{
	switch (p->type) {
	case POUCH_MLS_PROP_ADD:
		ch->type = POUCH_STORE_CH_ADD;
		return add_ref(x, &p->u.add.key_package, &ch->ref);
	case POUCH_MLS_PROP_REMOVE:
		ch->type = POUCH_STORE_CH_REMOVE;
		ch->leaf = p->u.remove.removed;
		return POUCH_OK;
	case POUCH_MLS_PROP_REINIT:
	case POUCH_MLS_PROP_EXTERNAL_INIT:
		return POUCH_E_UNSUPPORTED;
	default:			/* no membership change */
		ch->type = POUCH_STORE_CH_OTHER;
		return POUCH_OK;
	}
}

static int
read_commit(const struct ctx *x, const struct pouch_mls_commit *cm,
    struct pd_mls_msg *out)
{
	const struct pouch_mls_proposal_or_ref *por;
	struct pouch_store_change *ch;
	size_t i;
	int rc;

	out->changes = xcalloc(cm->nproposals, sizeof(*out->changes));
	for (i = 0; i < cm->nproposals; i++) {
		por = &cm->proposals[i];
		ch = &out->changes[out->nchanges++];
		if (por->type == POUCH_MLS_POR_REFERENCE) {
			if (por->u.reference.n == 0 ||
			    por->u.reference.n > POUCH_STORE_REF_MAX)
				return POUCH_E_MALFORMED;
			ch->type = POUCH_STORE_CH_REF;
			ch->ref = copy_ref(&por->u.reference);
		} else if ((rc = read_proposal(x, &por->u.proposal, ch)) !=
		    POUCH_OK)
			return rc;
	}
	return POUCH_OK;
}

static int
set_group(struct pd_mls_msg *out, const struct pouch_mls_bytes *gid,
    uint64_t epoch)
{
	if (gid->n == 0 || gid->n > sizeof(out->group_id))
		return POUCH_E_TOO_LARGE;
	memcpy(out->group_id, gid->p, gid->n);
	out->gidlen = gid->n;
	out->epoch = epoch;
	return POUCH_OK;
}

/* A proposal: what it changes, and the bytes its ProposalRef covers. */
static int
read_public_proposal(const struct ctx *x,
    const struct pouch_mls_public_message *pm, struct pd_mls_msg *out)
{
	struct pouch_mls_authenticated_content ac;
	struct pouch_wr w;
	int rc;

	out->kind = POUCH_STORE_PROPOSAL;
	out->changes = xcalloc(1, sizeof(*out->changes));
	out->nchanges = 1;
	if ((rc = read_proposal(x, &pm->content.u.proposal, out->changes)) !=
	    POUCH_OK)
		return rc;
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = POUCH_MLS_WF_PUBLIC_MESSAGE;
	ac.content = pm->content;
	ac.auth = pm->auth;
	pouch_wr_init(&w, 1U << 24);
	pouch_mls_authenticated_content_encode(&w, &ac);
	rc = pouch_wr_take(&w, &out->ac, &out->aclen);
	pouch_wr_free(&w);
	return rc;
}

static int
read_public(const struct ctx *x, const struct pouch_mls_public_message *pm,
    struct pd_mls_msg *out)
{
	const struct pouch_mls_framed_content *fc = &pm->content;
	int rc;

	if ((rc = set_group(out, &fc->group_id, fc->epoch)) != POUCH_OK)
		return rc;
	if (fc->sender.type != POUCH_MLS_SENDER_MEMBER)
		return POUCH_E_UNSUPPORTED;
	out->has_leaf = 1;
	out->sender_leaf = fc->sender.index;
	switch (fc->content_type) {
	case POUCH_MLS_CT_PROPOSAL:
		return read_public_proposal(x, pm, out);
	case POUCH_MLS_CT_COMMIT:
		out->kind = POUCH_STORE_COMMIT;
		return read_commit(x, &fc->u.commit, out);
	default:			/* application data in the clear */
		return POUCH_E_UNSUPPORTED;
	}
}

static int
read_welcome(const struct pouch_mls_welcome *w, struct pd_mls_msg *out)
{
	size_t i;

	out->kind = POUCH_STORE_WELCOME;
	if (w->nsecrets == 0)
		return POUCH_E_MALFORMED;
	out->refs = xcalloc(w->nsecrets, sizeof(*out->refs));
	for (i = 0; i < w->nsecrets; i++) {
		if (w->secrets[i].new_member.n == 0 ||
		    w->secrets[i].new_member.n > POUCH_STORE_REF_MAX)
			return POUCH_E_MALFORMED;
		out->refs[out->nrefs++] = copy_ref(&w->secrets[i].new_member);
	}
	return POUCH_OK;
}

int
pd_mls_parse(const struct pouch_crypto *c,
    const struct pouch_mls_suite *alias, const uint8_t *buf, size_t len,
    struct pd_mls_msg *out)
{
	const struct ctx x = { c, alias };
	struct pouch_mls_arena a;
	struct pouch_mls_message m;
	const struct pouch_mls_private_message *pr;
	int rc;

	memset(out, 0, sizeof(*out));
	pouch_mls_arena_init_limits(&a, NULL);
	if ((rc = pouch_mls_message_from_bytes(&a, NULL, buf, len, &m)) !=
	    POUCH_OK)
		goto out;
	if (m.version != POUCH_MLS_VERSION_10) {
		rc = POUCH_E_UNSUPPORTED;
		goto out;
	}
	switch (m.wire_format) {
	case POUCH_MLS_WF_PUBLIC_MESSAGE:
		rc = read_public(&x, &m.u.public_message, out);
		break;
	case POUCH_MLS_WF_PRIVATE_MESSAGE:
		pr = &m.u.private_message;
		if ((rc = set_group(out, &pr->group_id, pr->epoch)) !=
		    POUCH_OK)
			break;
		out->kind = POUCH_STORE_APPLICATION;
		/* handshake messages must be PublicMessage */
		if (pr->content_type != POUCH_MLS_CT_APPLICATION)
			rc = POUCH_E_UNSUPPORTED;
		break;
	case POUCH_MLS_WF_WELCOME:
		rc = read_welcome(&m.u.welcome, out);
		break;
	default:
		rc = POUCH_E_UNSUPPORTED;
		break;
	}
out:
	pouch_mls_arena_free(&a);
	if (rc != POUCH_OK)
		pd_mls_msg_free(out);
	return rc;
}

void
pd_mls_msg_free(struct pd_mls_msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nchanges; i++)
		free((void *)(uintptr_t)m->changes[i].ref.p);
	for (i = 0; i < m->nrefs; i++)
		free((void *)(uintptr_t)m->refs[i].p);
	free(m->changes);
	free(m->refs);
	pouch_wr_buf_free(m->ac, m->aclen);
	memset(m, 0, sizeof(*m));
}

int
pd_mls_proposal_ref(const struct pouch_crypto *c,
    const struct pouch_mls_suite *alias, uint16_t suite, const uint8_t *ac,
    size_t aclen, uint8_t *ref, size_t refcap, size_t *reflen)
{
	const struct pouch_mls_suite *s = pouch_mls_suite_find(alias, suite);
	int rc;

	*reflen = 0;
	if (s == NULL)
		return POUCH_E_UNSUPPORTED;
	if (s->nh > refcap)
		return POUCH_E_BUFFER_TOO_SMALL;
	if ((rc = pouch_mls_proposal_ref(c, s, ac, aclen, ref)) != POUCH_OK)
		return rc;
	*reflen = s->nh;
	return POUCH_OK;
}

/* RFC 9420 5.1.2 SignWithLabel with a loaded key: SignContent. */
static int
sign_label(const struct pouch_sig_key *key, const char *label,
    const uint8_t *content, size_t len, uint8_t *sig, size_t cap,
    size_t *siglen)
{
	struct pouch_wr w;
	int rc;

	pouch_wr_init(&w, len + 300);
	pouch_wr_vec_open(&w);
	pouch_wr_bytes(&w, "MLS 1.0 ", 8);
	pouch_wr_bytes(&w, label, strlen(label));
	pouch_wr_vec_close(&w);
	pouch_wr_opaque(&w, content, len);
	if ((rc = pouch_wr_finish(&w)) == POUCH_OK)
		rc = pouch_sig_key_sign(key, w.buf, w.len, sig, cap, siglen);
	pouch_wr_free(&w);
	return rc;
}

int
pd_mls_server_remove(const struct pouch_crypto *c,
    const struct pouch_mls_suite *alias, const struct pouch_sig_key *key,
    const struct pouch_store_membership *m, uint8_t **msg, size_t *len,
    uint8_t *ref, size_t refcap, size_t *reflen)
{
	const struct pouch_mls_suite *s = pouch_mls_suite_find(alias,
	    m->cipher_suite);
	struct pouch_mls_framed_content_tbs tbs;
	struct pouch_mls_authenticated_content ac;
	struct pouch_mls_message out;
	struct pouch_wr w;
	uint8_t sig[POUCH_SIG_MAX];
	size_t siglen = 0;
	int rc;

	*msg = NULL;
	*len = 0;
	*reflen = 0;
	if (s == NULL || s->sig != POUCH_SIG_ED25519)
		return POUCH_E_UNSUPPORTED;	/* the server key is Ed25519 */
	memset(&tbs, 0, sizeof(tbs));
	tbs.version = POUCH_MLS_VERSION_10;
	tbs.wire_format = POUCH_MLS_WF_PUBLIC_MESSAGE;
	tbs.content.group_id = (struct pouch_mls_bytes){ m->group_id,
	    m->gidlen };
	tbs.content.epoch = m->epoch;
	/* RFC 9420 12.1.8.1: the server is external sender 0 */
	tbs.content.sender.type = POUCH_MLS_SENDER_EXTERNAL;
	tbs.content.sender.index = 0;
	tbs.content.content_type = POUCH_MLS_CT_PROPOSAL;
	tbs.content.u.proposal.type = POUCH_MLS_PROP_REMOVE;
	tbs.content.u.proposal.u.remove.removed = m->leaf;
	/* RFC 9420 6.1: SignWithLabel(., "FramedContentTBS", TBS) */
	pouch_wr_init(&w, 1U << 16);
	pouch_mls_framed_content_tbs_encode(&w, &tbs);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK ||
	    (rc = sign_label(key, "FramedContentTBS", w.buf, w.len, sig,
	    sizeof(sig), &siglen)) != POUCH_OK)
		goto out;
	pouch_wr_free(&w);
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = POUCH_MLS_WF_PUBLIC_MESSAGE;
	ac.content = tbs.content;
	ac.auth.signature = (struct pouch_mls_bytes){ sig, siglen };
	pouch_wr_init(&w, 1U << 16);
	pouch_mls_authenticated_content_encode(&w, &ac);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK ||
	    (rc = pd_mls_proposal_ref(c, alias, m->cipher_suite, w.buf, w.len,
	    ref, refcap, reflen)) != POUCH_OK)
		goto out;
	pouch_wr_free(&w);
	/* no membership_tag: the sender is not a member (RFC 9420 6.2) */
	memset(&out, 0, sizeof(out));
	out.version = POUCH_MLS_VERSION_10;
	out.wire_format = POUCH_MLS_WF_PUBLIC_MESSAGE;
	out.u.public_message.content = tbs.content;
	out.u.public_message.auth = ac.auth;
	pouch_wr_init(&w, 1U << 16);
	pouch_mls_message_encode(&w, &out);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	*msg = xmalloc(w.len);		/* the store frees it with free() */
	memcpy(*msg, w.buf, w.len);
	*len = w.len;
out:
	pouch_wr_free(&w);
	if (rc != POUCH_OK)
		*reflen = 0;
	return rc;
}

int
pd_mls_key_package(const struct pouch_crypto *c,
    const struct pouch_mls_suite *alias, const uint8_t *buf, size_t len,
    const uint8_t key[32], uint8_t *ref, size_t refcap, size_t *reflen,
    uint16_t *suite)
{
	struct pouch_mls_arena a;
	struct pouch_mls_message m;
	const struct pouch_mls_key_package *kp;
	const struct pouch_mls_suite *s;
	struct pouch_wr w;
	int rc;

	*reflen = 0;
	*suite = 0;
	pouch_mls_arena_init_limits(&a, NULL);
	pouch_wr_init(&w, 1U << 20);
	if ((rc = pouch_mls_message_from_bytes(&a, NULL, buf, len, &m)) !=
	    POUCH_OK)
		goto out;
	if (m.wire_format != POUCH_MLS_WF_KEY_PACKAGE || len < 4) {
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	kp = &m.u.key_package;
	if ((s = pouch_mls_suite_find(alias, kp->cipher_suite)) == NULL ||
	    s->sig != POUCH_SIG_ED25519) {
		rc = POUCH_E_UNSUPPORTED;	/* device keys are Ed25519 */
		goto out;
	}
	if (s->nh > refcap) {
		rc = POUCH_E_BUFFER_TOO_SMALL;
		goto out;
	}
	/* The KeyPackage must be signed by the device itself. */
	if (kp->leaf_node.source != POUCH_MLS_LEAF_KEY_PACKAGE ||
	    kp->leaf_node.signature_key.n != 32 ||
	    CRYPTO_memcmp(kp->leaf_node.signature_key.p, key, 32) != 0) {
		rc = POUCH_E_BAD_KEY;
		goto out;
	}
	/* RFC 9420 10: KeyPackage signature over KeyPackageTBS. */
	pouch_mls_key_package_tbs_encode(&w, kp);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_verify_with_label(c, s, key, 32, "KeyPackageTBS",
	    w.buf, w.len, kp->signature.p, kp->signature.n)) != POUCH_OK)
		goto out;
	/* RFC 9420 5.2: the ref covers the KeyPackage, not MLSMessage. */
	if ((rc = pouch_mls_key_package_ref(c, s, buf + 4, len - 4, ref)) !=
	    POUCH_OK)
		goto out;
	*reflen = s->nh;
	*suite = kp->cipher_suite;
out:
	pouch_wr_free(&w);
	pouch_mls_arena_free(&a);
	return rc;
}

int
pd_suite_alias(struct pouchd *d, int code)
{
	struct pouch_mls_suite row;
	int rc;

	if (code == 0) {
		d->alias = NULL;
		return POUCH_OK;
	}
	if (code < 0 || code > 0xffff)
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_suite_alias((uint16_t)code, &row)) != POUCH_OK)
		return rc;
	d->alias_row = row;
	d->alias = &d->alias_row;
	return POUCH_OK;
}

const struct pouch_mls_suite *
pd_suite(const struct pouchd *d, uint16_t id)
{
	return pouch_mls_suite_find(d->alias, id);
}

int
pd_propose_remove(void *arg, const struct pouch_store_membership *m,
    uint8_t **msg, size_t *len, uint8_t ref[POUCH_STORE_REF_MAX],
    size_t *reflen)
{
	struct pouchd *d = arg;

	return pd_mls_server_remove(d->crypto, d->alias, d->server_key, m,
	    msg, len, ref, POUCH_STORE_REF_MAX, reflen);
}
