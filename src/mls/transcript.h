/*
 * mls/transcript - the transcript hashes and confirmation tag of RFC 9420
 * 8.2.  The caller supplies the encoded ConfirmedTranscriptHashInput
 * (wire_format || FramedContent || signature<V>: an AuthenticatedContent
 * without its confirmation_tag) and the tag; this module hashes and MACs.
 */
#ifndef POUCH_MLS_TRANSCRIPT_H
#define POUCH_MLS_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "mls/suite.h"

/*
 * confirmed_transcript_hash = Hash(interim_transcript_hash_before ||
 * ConfirmedTranscriptHashInput).  interim may be empty (epoch 0).  out
 * gets s->nh bytes and may alias interim.
 */
int	pouch_mls_confirmed_transcript_hash(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *interim,
	    size_t interimlen, const uint8_t *input, size_t inputlen,
	    uint8_t *out) POUCH_WARN_UNUSED;
/*
 * The same with ConfirmedTranscriptHashInput given in its two parts:
 * content = wire_format || FramedContent as encoded, then the signature
 * (written here as opaque signature<V>), so that a caller that has the
 * content's encoding need not build the input around it.
 */
int	pouch_mls_confirmed_transcript_hash_parts(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *interim,
	    size_t interimlen, const uint8_t *content, size_t contentlen,
	    const uint8_t *sig, size_t siglen, uint8_t *out)
	    POUCH_WARN_UNUSED;
/*
 * interim_transcript_hash = Hash(confirmed_transcript_hash ||
 * InterimTranscriptHashInput), the latter being struct { MAC
 * confirmation_tag; } = opaque<V>.  out gets s->nh bytes.
 */
int	pouch_mls_interim_transcript_hash(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *confirmed,
	    size_t confirmedlen, const uint8_t *tag, size_t taglen,
	    uint8_t *out) POUCH_WARN_UNUSED;
/* confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash);
 * out gets s->nh bytes. */
int	pouch_mls_confirmation_tag(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *confirmation_key,
	    const uint8_t *confirmed, size_t confirmedlen, uint8_t *out)
	    POUCH_WARN_UNUSED;
/*
 * POUCH_OK when tag is the confirmation tag of confirmed under
 * confirmation_key, compared in constant time; POUCH_E_BAD_MAC otherwise
 * (a tag of the wrong length included).
 */
int	pouch_mls_confirmation_tag_verify(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *s, const uint8_t *confirmation_key,
	    const uint8_t *confirmed, size_t confirmedlen, const uint8_t *tag,
	    size_t taglen) POUCH_WARN_UNUSED;

#endif /* POUCH_MLS_TRANSCRIPT_H */
