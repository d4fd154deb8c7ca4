/*
 * mls/protect - message framing and protection (RFC 9420 6): turning an
 * AuthenticatedContent into a PublicMessage (signature and membership
 * tag) or a PrivateMessage (signature, content encryption with a secret
 * tree key, sender data encryption, padding), and back.
 *
 * The module holds no state of its own: a struct pouch_mls_protect_ctx
 * borrows what one epoch of a group knows (its GroupContext, membership
 * key, sender-data secret and secret tree), and the only thing any call
 * changes is that secret tree, and only on success.  Sending is two steps
 * so that a Commit can get its confirmation tag, which depends on the
 * signature, in between: pouch_mls_content_sign(), then
 * pouch_mls_public_message_seal() or pouch_mls_private_message_seal()
 * (pouch_mls_protect() does both for proposals and application data).
 * Receiving is two steps so that the caller can find the sender's
 * signature key once the sender is known, which for a PrivateMessage is
 * only after sender data decryption: pouch_mls_message_open() decodes,
 * checks group and epoch, verifies the membership tag or decrypts, and
 * changes nothing; pouch_mls_message_verify() checks the signature and
 * only then consumes the secret tree generation.  A failure at any point
 * leaves the secret tree exactly as it was.
 *
 * Padding policy (RFC 9420 6.3.1, 15.1): the PrivateMessageContent (the
 * content, its auth data and the zero padding) is padded to a multiple of
 * pad_block bytes; the default is 32, which hides the length of short
 * text messages to within a few words at a cost of at most 31 bytes.
 */
#ifndef POUCH_MLS_PROTECT_H
#define POUCH_MLS_PROTECT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "mls/arena.h"
#include "mls/msg.h"
#include "mls/secret_tree.h"
#include "mls/suite.h"

#define POUCH_MLS_PAD_BLOCK_DEFAULT	32
/* The largest pad_block accepted; larger values are POUCH_E_MISUSE. */
#define POUCH_MLS_PAD_BLOCK_MAX		65536

/*
 * One epoch of a group, as message protection needs it.  Everything is
 * borrowed and must outlive the calls.  membership_key is needed only
 * for PublicMessages of member senders, sender_data_secret and st only
 * for PrivateMessages (a call that needs a NULL one is POUCH_E_MISUSE).
 * gc gives the group_id and epoch every message must carry, and is the
 * GroupContext signed in FramedContentTBS.  lim NULL means the default
 * decoding caps.  pad_block: 0 selects POUCH_MLS_PAD_BLOCK_DEFAULT, 1
 * turns padding off.
 */
struct pouch_mls_protect_ctx {
	const struct pouch_crypto		*c;
	const struct pouch_mls_suite		*s;
	const struct pouch_mls_group_context	*gc;
	const uint8_t				*membership_key;
	const uint8_t				*sender_data_secret;
	struct pouch_mls_secret_tree		*st;
	const struct pouch_mls_limits		*lim;
	uint32_t				 pad_block;
};

/* ---- sending ----------------------------------------------------------- */

/*
 * RFC 9420 6.1: sig = SignWithLabel(key, "FramedContentTBS",
 * FramedContentTBS) for a message of wire_format (public or private)
 * carrying fc; the GroupContext p->gc is included for member and
 * new_member_commit senders.  key is the sender's loaded signature key of
 * the suite's scheme.  sigcap must be at least POUCH_SIG_MAX.
 * POUCH_E_MISUSE (fc for another group or epoch than p->gc included).
 */
int	pouch_mls_content_sign(const struct pouch_mls_protect_ctx *p,
	    const struct pouch_sig_key *key, uint16_t wire_format,
	    const struct pouch_mls_framed_content *fc, uint8_t *sig,
	    size_t sigcap, size_t *siglen) POUCH_WARN_UNUSED;

/*
 * An MLSMessage(PublicMessage) of the signed ac (wire_format public), with
 * membership_tag = MAC(membership_key, AuthenticatedContentTBM) when the
 * sender is a member (RFC 9420 6.2).  *out is a fresh buffer of *outlen
 * bytes for pouch_wr_buf_free().  Application data is POUCH_E_MISUSE
 * (RFC 9420 6: it is sent only as PrivateMessage), as is a commit without
 * a confirmation tag.  The secret tree is not used.
 */
int	pouch_mls_public_message_seal(const struct pouch_mls_protect_ctx *p,
	    const struct pouch_mls_authenticated_content *ac, uint8_t **out,
	    size_t *outlen) POUCH_WARN_UNUSED;

/*
 * One encoding of a FramedContent, shared by everything built around it
 * (RFC 9420 6.1, 6.2, 8.2) so that a large commit is encoded once per
 * side: w.buf[0..tbsend) is the FramedContentTBS (version, wire_format,
 * FramedContent, GroupContext for member and new_member_commit senders);
 * w.buf[2..fcend) the wire_format and FramedContent that the MLSMessage
 * and the confirmed transcript hash input start with.  The membership tag
 * appends the AuthData at tbsend (AuthenticatedContentTBM).  Zero it
 * before first use; pouch_mls_content_enc_free() wipes it.
 */
struct pouch_mls_content_enc {
	struct pouch_wr	w;
	size_t		fcend;
	size_t		tbsend;
	int		ok;	/* w holds the encoding */
};

/*
 * Encode fc for wire_format into ce (freed first).  hint: the expected
 * size, 0 if unknown (sizes the buffer, nothing else).  POUCH_E_MISUSE,
 * POUCH_E_TOO_LARGE, POUCH_E_NOMEM.
 */
int	pouch_mls_content_enc_init(const struct pouch_mls_protect_ctx *p,
	    uint16_t wire_format, const struct pouch_mls_framed_content *fc,
	    size_t hint, struct pouch_mls_content_enc *ce) POUCH_WARN_UNUSED;
void	pouch_mls_content_enc_free(struct pouch_mls_content_enc *ce);
/* 1 when ce (NULL: none) holds an encoding for wire_format. */
int	pouch_mls_content_enc_for(const struct pouch_mls_content_enc *ce,
	    uint16_t wire_format);

/*
 * pouch_mls_content_sign() of the content encoded in ce (by
 * pouch_mls_content_enc_init() with the same p, wire_format and fc).
 */
int	pouch_mls_content_sign_enc(const struct pouch_mls_protect_ctx *p,
	    const struct pouch_sig_key *key, struct pouch_mls_content_enc *ce,
	    uint8_t *sig, size_t sigcap, size_t *siglen) POUCH_WARN_UNUSED;

/*
 * pouch_mls_public_message_seal() reusing ce, the encoding of ac's
 * wire_format and content (ce then also holds the AuthData).
 */
int	pouch_mls_public_message_seal_enc(
	    const struct pouch_mls_protect_ctx *p,
	    const struct pouch_mls_authenticated_content *ac,
	    struct pouch_mls_content_enc *ce, uint8_t **out, size_t *outlen)
	    POUCH_WARN_UNUSED;

/*
 * An MLSMessage(PrivateMessage) of the signed ac (wire_format private,
 * sender a member: RFC 9420 6.3.2), encrypted with the next unused
 * generation of the sender's handshake (proposal, commit) or application
 * ratchet and a fresh reuse guard, padded per p->pad_block.  That
 * generation is consumed only when everything else succeeded; on any
 * error the tree is unchanged and nothing is returned.  *out as above.
 * POUCH_E_MISUSE, POUCH_E_LIMIT (ratchet exhausted), POUCH_E_RANDOM,
 * POUCH_E_TOO_LARGE, POUCH_E_NOMEM, POUCH_E_CRYPTO.
 */
int	pouch_mls_private_message_seal(const struct pouch_mls_protect_ctx *p,
	    const struct pouch_mls_authenticated_content *ac, uint8_t **out,
	    size_t *outlen) POUCH_WARN_UNUSED;

/*
 * Both steps for content that needs no confirmation tag (application
 * data, proposals; a commit is POUCH_E_MISUSE): sign fc, then seal it as
 * wire_format.
 */
int	pouch_mls_protect(const struct pouch_mls_protect_ctx *p,
	    const struct pouch_sig_key *key, uint16_t wire_format,
	    const struct pouch_mls_framed_content *fc, uint8_t **out,
	    size_t *outlen) POUCH_WARN_UNUSED;

/* ---- receiving --------------------------------------------------------- */

/*
 * A message being received.  Everything points into the arena a, which
 * holds the input and, for a PrivateMessage, the plaintext; it is wiped
 * by pouch_mls_received_clear().  ac is the AuthenticatedContent (its
 * wire_format that of the message); until pouch_mls_message_verify()
 * succeeds only its sender may be relied on, to find the signature key.
 */
struct pouch_mls_received {
	struct pouch_mls_arena			a;
	struct pouch_mls_message		msg;	/* as decoded */
	struct pouch_mls_authenticated_content	ac;
	struct pouch_mls_sender_data		sd;	/* private only */
	struct pouch_mls_st_key			key;	/* to consume */
	/* public: the content's encoding, once the tag or signature
	 * needed it (ce.ok) */
	struct pouch_mls_content_enc		ce;
	int					state;
};

/*
 * Decode buf as an MLSMessage holding a PublicMessage or PrivateMessage
 * for p->gc's group and epoch, and open it without changing anything:
 *   public: the content type must suit the sender (RFC 9420 6, 6.1: no
 *     application data; external and new_member_proposal senders send
 *     proposals, the latter only Add; new_member_commit sends commits);
 *     a member's membership_tag is verified in constant time;
 *   private: sender data decrypted, the generation's key looked up
 *     without consuming it, content decrypted, padding checked zero.
 * r is always initialised, so pouch_mls_received_clear() is always safe.
 *   POUCH_E_TRUNCATED, _MALFORMED, _TRAILING, _TOO_LARGE, _UNSUPPORTED
 *       decoding (MALFORMED also for another wire format, a content type
 *       a sender may not send, nonzero padding, bad SenderData)
 *   POUCH_E_WRONG_EPOCH  group_id or epoch differ from p->gc
 *   POUCH_E_BAD_MAC      membership tag
 *   POUCH_E_DECRYPT      sender data or content AEAD
 *   POUCH_E_REPLAY, POUCH_E_LIMIT   generation used / out of the window
 *   POUCH_E_MISUSE, POUCH_E_NOMEM, POUCH_E_CRYPTO
 */
int	pouch_mls_message_open(const struct pouch_mls_protect_ctx *p,
	    const uint8_t *buf, size_t len, struct pouch_mls_received *r)
	    POUCH_WARN_UNUSED;

/*
 * Finish an opened message: verify its signature with the sender's
 * public key (the caller's lookup from r->ac.content.sender; for a member
 * the leaf must be non-blank, RFC 9420 6.3.2), then for a PrivateMessage
 * consume the generation.  POUCH_E_BAD_SIGNATURE, POUCH_E_BAD_KEY,
 * POUCH_E_REPLAY (consumed in between), POUCH_E_NOMEM; POUCH_E_MISUSE when
 * r is not freshly opened.  On failure the secret tree is unchanged and r
 * can only be cleared.
 */
int	pouch_mls_message_verify(const struct pouch_mls_protect_ctx *p,
	    struct pouch_mls_received *r, const uint8_t *sig_pub,
	    size_t sig_publen) POUCH_WARN_UNUSED;

/*
 * Open and verify a message from a member, whose signature key is
 * keys[leaf_index] (n == 0: blank leaf).  POUCH_E_UNKNOWN_SENDER for a
 * leaf outside keys or blank, and for any non-member sender; otherwise
 * the errors of open and verify.
 */
int	pouch_mls_message_unprotect(const struct pouch_mls_protect_ctx *p,
	    const struct pouch_mls_bytes *keys, size_t nkeys,
	    const uint8_t *buf, size_t len, struct pouch_mls_received *r)
	    POUCH_WARN_UNUSED;

/* Wipe and free everything r holds; r may be opened again. */
void	pouch_mls_received_clear(struct pouch_mls_received *r);

#endif /* POUCH_MLS_PROTECT_H */
