/*
 * msg_framing.c - the framing of handshake and application messages
 * (RFC 9420 6): Sender, FramedContent, FramedContentAuthData, the
 * AuthenticatedContent that proposal references hash, the FramedContentTBS
 * that senders sign and the FramedContentTBM that the membership tag MACs,
 * and PublicMessage.  The shape of several of these depends on fields of
 * others: the confirmation_tag is present only for commits (6.1), the
 * GroupContext of the TBS only for member and new_member_commit senders
 * (6.1), the membership_tag only for member senders (6.2).
 */
#include <string.h>

#include "mls/msg_int.h"

static int
wire_format_known(uint16_t wf)
{
	return wf >= POUCH_MLS_WF_PUBLIC_MESSAGE &&
	    wf <= POUCH_MLS_WF_KEY_PACKAGE;
}

int
pouch_mls_sender_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_sender *out)
{
	struct pouch_mls_sender s;
	struct pouch_rd t = *r;
	int rc;

	(void)a;
	(void)lim;
	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	if ((rc = pouch_rd_u8(&t, &s.type)) != POUCH_OK)
		return rc;
	switch (s.type) {
	case POUCH_MLS_SENDER_MEMBER:
	case POUCH_MLS_SENDER_EXTERNAL:
		rc = pouch_rd_u32(&t, &s.index);
		break;
	case POUCH_MLS_SENDER_NEW_MEMBER_PROPOSAL:
	case POUCH_MLS_SENDER_NEW_MEMBER_COMMIT:
		break;
	default:
		rc = POUCH_E_MALFORMED;
		break;
	}
	if (rc != POUCH_OK)
		return rc;
	*out = s;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_sender_encode(struct pouch_wr *w, const struct pouch_mls_sender *x)
{
	pouch_wr_u8(w, x->type);
	switch (x->type) {
	case POUCH_MLS_SENDER_MEMBER:
	case POUCH_MLS_SENDER_EXTERNAL:
		pouch_wr_u32(w, x->index);
		break;
	case POUCH_MLS_SENDER_NEW_MEMBER_PROPOSAL:
	case POUCH_MLS_SENDER_NEW_MEMBER_COMMIT:
		break;
	default:
		pouch_mls_wr_fail(w, POUCH_E_MISUSE);
		break;
	}
}

int
pouch_mls_content_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, uint8_t content_type,
    union pouch_mls_content *out)
{
	memset(out, 0, sizeof(*out));
	switch (content_type) {
	case POUCH_MLS_CT_APPLICATION:
		return pouch_mls_rd_bytes(r, lim->message_max,
		    &out->application_data);
	case POUCH_MLS_CT_PROPOSAL:
		return pouch_mls_proposal_decode(r, a, lim, &out->proposal);
	case POUCH_MLS_CT_COMMIT:
		return pouch_mls_commit_decode(r, a, lim, &out->commit);
	default:
		return POUCH_E_MALFORMED;
	}
}

void
pouch_mls_content_encode(struct pouch_wr *w, uint8_t content_type,
    const union pouch_mls_content *x)
{
	switch (content_type) {
	case POUCH_MLS_CT_APPLICATION:
		pouch_mls_wr_bytes(w, &x->application_data);
		break;
	case POUCH_MLS_CT_PROPOSAL:
		pouch_mls_proposal_encode(w, &x->proposal);
		break;
	case POUCH_MLS_CT_COMMIT:
		pouch_mls_commit_encode(w, &x->commit);
		break;
	default:
		pouch_mls_wr_fail(w, POUCH_E_MISUSE);
		break;
	}
}

int
pouch_mls_framed_content_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_framed_content *out)
{
	struct pouch_mls_framed_content fc;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&fc, 0, sizeof(fc));
	if ((rc = pouch_mls_rd_bytes(&t, lim->id_max, &fc.group_id)) !=
	    POUCH_OK ||
	    (rc = pouch_rd_u64(&t, &fc.epoch)) != POUCH_OK ||
	    (rc = pouch_mls_sender_decode(&t, a, lim, &fc.sender)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(&t, lim->message_max,
	    &fc.authenticated_data)) != POUCH_OK ||
	    (rc = pouch_rd_u8(&t, &fc.content_type)) != POUCH_OK ||
	    (rc = pouch_mls_content_decode(&t, a, lim, fc.content_type,
	    &fc.u)) != POUCH_OK)
		return rc;
	*out = fc;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_framed_content_encode(struct pouch_wr *w,
    const struct pouch_mls_framed_content *x)
{
	pouch_mls_wr_bytes(w, &x->group_id);
	pouch_wr_u64(w, x->epoch);
	pouch_mls_sender_encode(w, &x->sender);
	pouch_mls_wr_bytes(w, &x->authenticated_data);
	pouch_wr_u8(w, x->content_type);
	pouch_mls_content_encode(w, x->content_type, &x->u);
}

/* RFC 9420 6.1: confirmation_tag only when the content is a commit. */
int
pouch_mls_auth_data_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, uint8_t content_type,
    struct pouch_mls_auth_data *out)
{
	struct pouch_mls_auth_data ad;
	struct pouch_rd t = *r;
	int rc;

	(void)a;
	memset(out, 0, sizeof(*out));
	memset(&ad, 0, sizeof(ad));
	if ((rc = pouch_mls_rd_bytes(&t, lim->signature_max, &ad.signature)) !=
	    POUCH_OK)
		return rc;
	if (content_type == POUCH_MLS_CT_COMMIT &&
	    (rc = pouch_mls_rd_bytes(&t, lim->hash_max,
	    &ad.confirmation_tag)) != POUCH_OK)
		return rc;
	*out = ad;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_auth_data_encode(struct pouch_wr *w, uint8_t content_type,
    const struct pouch_mls_auth_data *x)
{
	pouch_mls_wr_bytes(w, &x->signature);
	if (content_type == POUCH_MLS_CT_COMMIT)
		pouch_mls_wr_bytes(w, &x->confirmation_tag);
}

int
pouch_mls_authenticated_content_decode(struct pouch_rd *r,
    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
    struct pouch_mls_authenticated_content *out)
{
	struct pouch_mls_authenticated_content ac;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&ac, 0, sizeof(ac));
	if ((rc = pouch_rd_u16(&t, &ac.wire_format)) != POUCH_OK)
		return rc;
	if (!wire_format_known(ac.wire_format))
		return POUCH_E_MALFORMED;
	if ((rc = pouch_mls_framed_content_decode(&t, a, lim, &ac.content)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_auth_data_decode(&t, a, lim,
	    ac.content.content_type, &ac.auth)) != POUCH_OK)
		return rc;
	*out = ac;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_authenticated_content_encode(struct pouch_wr *w,
    const struct pouch_mls_authenticated_content *x)
{
	pouch_wr_u16(w, x->wire_format);
	pouch_mls_framed_content_encode(w, &x->content);
	pouch_mls_auth_data_encode(w, x->content.content_type, &x->auth);
}

/* RFC 9420 6.1: the TBS carries the GroupContext for these senders. */
static int
tbs_has_context(uint8_t sender_type)
{
	return sender_type == POUCH_MLS_SENDER_MEMBER ||
	    sender_type == POUCH_MLS_SENDER_NEW_MEMBER_COMMIT;
}

int
pouch_mls_framed_content_tbs_decode(struct pouch_rd *r,
    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
    struct pouch_mls_framed_content_tbs *out)
{
	struct pouch_mls_framed_content_tbs tbs;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&tbs, 0, sizeof(tbs));
	if ((rc = pouch_rd_u16(&t, &tbs.version)) != POUCH_OK ||
	    (rc = pouch_rd_u16(&t, &tbs.wire_format)) != POUCH_OK)
		return rc;
	if (!wire_format_known(tbs.wire_format))
		return POUCH_E_MALFORMED;
	if ((rc = pouch_mls_framed_content_decode(&t, a, lim,
	    &tbs.content)) != POUCH_OK)
		return rc;
	if (tbs_has_context(tbs.content.sender.type) &&
	    (rc = pouch_mls_group_context_decode(&t, a, lim, &tbs.context)) !=
	    POUCH_OK)
		return rc;
	*out = tbs;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_framed_content_tbs_encode(struct pouch_wr *w,
    const struct pouch_mls_framed_content_tbs *x)
{
	pouch_wr_u16(w, x->version);
	pouch_wr_u16(w, x->wire_format);
	pouch_mls_framed_content_encode(w, &x->content);
	if (tbs_has_context(x->content.sender.type))
		pouch_mls_group_context_encode(w, &x->context);
}

int
pouch_mls_framed_content_tbm_decode(struct pouch_rd *r,
    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
    struct pouch_mls_framed_content_tbm *out)
{
	struct pouch_mls_framed_content_tbm tbm;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&tbm, 0, sizeof(tbm));
	if ((rc = pouch_mls_framed_content_tbs_decode(&t, a, lim,
	    &tbm.tbs)) != POUCH_OK ||
	    (rc = pouch_mls_auth_data_decode(&t, a, lim,
	    tbm.tbs.content.content_type, &tbm.auth)) != POUCH_OK)
		return rc;
	*out = tbm;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_framed_content_tbm_encode(struct pouch_wr *w,
    const struct pouch_mls_framed_content_tbm *x)
{
	pouch_mls_framed_content_tbs_encode(w, &x->tbs);
	pouch_mls_auth_data_encode(w, x->tbs.content.content_type, &x->auth);
}

/* RFC 9420 6.2: membership_tag only when the sender is a member. */
int
pouch_mls_public_message_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_public_message *out)
{
	struct pouch_mls_public_message pm;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&pm, 0, sizeof(pm));
	if ((rc = pouch_mls_framed_content_decode(&t, a, lim, &pm.content)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_auth_data_decode(&t, a, lim,
	    pm.content.content_type, &pm.auth)) != POUCH_OK)
		return rc;
	if (pm.content.sender.type == POUCH_MLS_SENDER_MEMBER &&
	    (rc = pouch_mls_rd_bytes(&t, lim->hash_max,
	    &pm.membership_tag)) != POUCH_OK)
		return rc;
	*out = pm;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_public_message_encode(struct pouch_wr *w,
    const struct pouch_mls_public_message *x)
{
	pouch_mls_framed_content_encode(w, &x->content);
	pouch_mls_auth_data_encode(w, x->content.content_type, &x->auth);
	if (x->content.sender.type == POUCH_MLS_SENDER_MEMBER)
		pouch_mls_wr_bytes(w, &x->membership_tag);
}
