/*
 * msg.c - MLSMessage (RFC 9420 6), the envelope of everything sent: the
 * protocol version, the wire format and one of the five variants; and the
 * whole-buffer decoders that copy a received buffer into an arena, decode
 * it zero-copy and insist that nothing follows.
 */
#include <string.h>

#include "mls/msg_int.h"

int
pouch_mls_message_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_message *out)
{
	struct pouch_mls_message m;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&m, 0, sizeof(m));
	if ((rc = pouch_rd_u16(&t, &m.version)) != POUCH_OK)
		return rc;
	/* another version may lay the message out differently */
	if (m.version != POUCH_MLS_VERSION_10)
		return m.version == 0 ? POUCH_E_MALFORMED : POUCH_E_UNSUPPORTED;
	if ((rc = pouch_rd_u16(&t, &m.wire_format)) != POUCH_OK)
		return rc;
	switch (m.wire_format) {
	case POUCH_MLS_WF_PUBLIC_MESSAGE:
		rc = pouch_mls_public_message_decode(&t, a, lim,
		    &m.u.public_message);
		break;
	case POUCH_MLS_WF_PRIVATE_MESSAGE:
		rc = pouch_mls_private_message_decode(&t, a, lim,
		    &m.u.private_message);
		break;
	case POUCH_MLS_WF_WELCOME:
		rc = pouch_mls_welcome_decode(&t, a, lim, &m.u.welcome);
		break;
	case POUCH_MLS_WF_GROUP_INFO:
		rc = pouch_mls_group_info_decode(&t, a, lim, &m.u.group_info);
		break;
	case POUCH_MLS_WF_KEY_PACKAGE:
		rc = pouch_mls_key_package_decode(&t, a, lim,
		    &m.u.key_package);
		break;
	default:
		rc = POUCH_E_MALFORMED;
		break;
	}
	if (rc != POUCH_OK)
		return rc;
	*out = m;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_message_encode(struct pouch_wr *w,
    const struct pouch_mls_message *x)
{
	pouch_wr_u16(w, x->version);
	pouch_wr_u16(w, x->wire_format);
	switch (x->wire_format) {
	case POUCH_MLS_WF_PUBLIC_MESSAGE:
		pouch_mls_public_message_encode(w, &x->u.public_message);
		break;
	case POUCH_MLS_WF_PRIVATE_MESSAGE:
		pouch_mls_private_message_encode(w, &x->u.private_message);
		break;
	case POUCH_MLS_WF_WELCOME:
		pouch_mls_welcome_encode(w, &x->u.welcome);
		break;
	case POUCH_MLS_WF_GROUP_INFO:
		pouch_mls_group_info_encode(w, &x->u.group_info);
		break;
	case POUCH_MLS_WF_KEY_PACKAGE:
		pouch_mls_key_package_encode(w, &x->u.key_package);
		break;
	default:
		pouch_mls_wr_fail(w, POUCH_E_MISUSE);
		break;
	}
}

/* ---- whole buffers ----------------------------------------------------- */

void
pouch_mls_arena_init_limits(struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim)
{
	if (lim == NULL)
		lim = pouch_mls_limits_default();
	pouch_mls_arena_init(a, lim->decoded_max);
}

/* The arena copy of buf, as a reader; and the limits to use. */
static int
copy_in(struct pouch_mls_arena *a, const struct pouch_mls_limits **lim,
    const uint8_t *buf, size_t len, struct pouch_rd *r)
{
	const uint8_t *p;
	int rc;

	if (a == NULL || (buf == NULL && len != 0))
		return POUCH_E_MISUSE;
	if (*lim == NULL)
		*lim = pouch_mls_limits_default();
	if (len > (*lim)->message_max)
		return POUCH_E_TOO_LARGE;
	if ((rc = pouch_mls_arena_copy(a, buf, len, &p)) != POUCH_OK)
		return rc;
	pouch_rd_init(r, p, len);
	return POUCH_OK;
}

/*
 * The two halves every *_from_bytes shares: clear out and copy buf into
 * the arena; then require that the decode used every byte, and clear out
 * again on any failure so that it is set only on success.
 */
static int
whole_begin(struct pouch_mls_arena *a, const struct pouch_mls_limits **lim,
    const uint8_t *buf, size_t len, void *out, size_t outsz,
    struct pouch_rd *r)
{
	if (out == NULL)
		return POUCH_E_MISUSE;
	memset(out, 0, outsz);
	return copy_in(a, lim, buf, len, r);
}

static int
whole_end(const struct pouch_rd *r, int rc, void *out, size_t outsz)
{
	if (rc == POUCH_OK)
		rc = pouch_rd_done(r);
	if (rc != POUCH_OK)
		memset(out, 0, outsz);
	return rc;
}

int
pouch_mls_message_from_bytes(struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, const uint8_t *buf, size_t len,
    struct pouch_mls_message *out)
{
	struct pouch_rd r;
	int rc;

	if ((rc = whole_begin(a, &lim, buf, len, out, sizeof(*out), &r)) !=
	    POUCH_OK)
		return rc;
	rc = pouch_mls_message_decode(&r, a, lim, out);
	return whole_end(&r, rc, out, sizeof(*out));
}

int
pouch_mls_key_package_from_bytes(struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, const uint8_t *buf, size_t len,
    struct pouch_mls_key_package *out)
{
	struct pouch_rd r;
	int rc;

	if ((rc = whole_begin(a, &lim, buf, len, out, sizeof(*out), &r)) !=
	    POUCH_OK)
		return rc;
	rc = pouch_mls_key_package_decode(&r, a, lim, out);
	return whole_end(&r, rc, out, sizeof(*out));
}

int
pouch_mls_ratchet_tree_from_bytes(struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, const uint8_t *buf, size_t len,
    struct pouch_mls_ratchet_tree *out)
{
	struct pouch_rd r;
	int rc;

	if ((rc = whole_begin(a, &lim, buf, len, out, sizeof(*out), &r)) !=
	    POUCH_OK)
		return rc;
	rc = pouch_mls_ratchet_tree_decode(&r, a, lim, out);
	return whole_end(&r, rc, out, sizeof(*out));
}

int
pouch_mls_group_info_from_bytes(struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, const uint8_t *buf, size_t len,
    struct pouch_mls_group_info *out)
{
	struct pouch_rd r;
	int rc;

	if ((rc = whole_begin(a, &lim, buf, len, out, sizeof(*out), &r)) !=
	    POUCH_OK)
		return rc;
	rc = pouch_mls_group_info_decode(&r, a, lim, out);
	return whole_end(&r, rc, out, sizeof(*out));
}

int
pouch_mls_group_secrets_from_bytes(struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, const uint8_t *buf, size_t len,
    struct pouch_mls_group_secrets *out)
{
	struct pouch_rd r;
	int rc;

	if ((rc = whole_begin(a, &lim, buf, len, out, sizeof(*out), &r)) !=
	    POUCH_OK)
		return rc;
	rc = pouch_mls_group_secrets_decode(&r, a, lim, out);
	return whole_end(&r, rc, out, sizeof(*out));
}

int
pouch_mls_welcome_from_bytes(struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, const uint8_t *buf, size_t len,
    struct pouch_mls_welcome *out)
{
	struct pouch_rd r;
	int rc;

	if ((rc = whole_begin(a, &lim, buf, len, out, sizeof(*out), &r)) !=
	    POUCH_OK)
		return rc;
	rc = pouch_mls_welcome_decode(&r, a, lim, out);
	return whole_end(&r, rc, out, sizeof(*out));
}
