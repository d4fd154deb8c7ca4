/*
 * transcript.c - RFC 9420 8.2 transcript hashes and the confirmation tag.
 * This file owns the two running hashes (confirmed and interim) and the
 * MAC that binds an epoch's confirmation_key to the confirmed transcript.
 * The hash inputs are concatenated in a writer (the content of a commit
 * may be confidential: the writer wipes its buffer); the tag is compared
 * with CRYPTO_memcmp.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "codec/codec.h"
#include "mls/transcript.h"

/* The largest hash input: an AuthenticatedContent of a message. */
#define TRANSCRIPT_INPUT_MAX	((size_t)POUCH_VARINT_MAX)

static int
suite_ok(const struct pouch_mls_suite *s)
{
	return s != NULL && s->nh > 0 && s->nh <= POUCH_HASH_MAX;
}

/*
 * out = Hash(a || b || opaque v<V>), the vector left out when vec is 0,
 * hashed in parts: a commit's content is not copied (nor, as it may be
 * confidential, left behind in a copy).
 */
static int
hash_cat(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
    const uint8_t *v, size_t vlen, int vec, uint8_t *out)
{
	struct pouch_part parts[4];
	uint8_t head[4];
	struct pouch_wr w;
	size_t n = 0;
	int rc;

	if (alen > TRANSCRIPT_INPUT_MAX || blen > TRANSCRIPT_INPUT_MAX ||
	    vlen > TRANSCRIPT_INPUT_MAX)
		return POUCH_E_TOO_LARGE;
	parts[n].p = a;
	parts[n++].n = alen;
	parts[n].p = b;
	parts[n++].n = blen;
	if (vec) {
		pouch_wr_init_buf(&w, head, sizeof(head));
		pouch_wr_varint(&w, (uint32_t)vlen);
		if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
			return rc;
		parts[n].p = w.buf;
		parts[n++].n = w.len;
		parts[n].p = v;
		parts[n++].n = vlen;
	}
	return pouch_hash_parts(c, s->hash, parts, n, out);
}

int
pouch_mls_confirmed_transcript_hash(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *interim,
    size_t interimlen, const uint8_t *input, size_t inputlen, uint8_t *out)
{
	if (c == NULL || !suite_ok(s) || out == NULL ||
	    (interim == NULL && interimlen != 0) ||
	    (input == NULL && inputlen != 0))
		return POUCH_E_MISUSE;
	return hash_cat(c, s, interim, interimlen, input, inputlen, NULL, 0,
	    0, out);
}

int
pouch_mls_confirmed_transcript_hash_parts(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *interim,
    size_t interimlen, const uint8_t *content, size_t contentlen,
    const uint8_t *sig, size_t siglen, uint8_t *out)
{
	if (c == NULL || !suite_ok(s) || out == NULL ||
	    (interim == NULL && interimlen != 0) ||
	    (content == NULL && contentlen != 0) ||
	    (sig == NULL && siglen != 0))
		return POUCH_E_MISUSE;
	return hash_cat(c, s, interim, interimlen, content, contentlen, sig,
	    siglen, 1, out);
}

int
pouch_mls_interim_transcript_hash(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *confirmed,
    size_t confirmedlen, const uint8_t *tag, size_t taglen, uint8_t *out)
{
	if (c == NULL || !suite_ok(s) || out == NULL ||
	    (confirmed == NULL && confirmedlen != 0) ||
	    (tag == NULL && taglen != 0))
		return POUCH_E_MISUSE;
	return hash_cat(c, s, confirmed, confirmedlen, NULL, 0, tag, taglen,
	    1, out);
}

int
pouch_mls_confirmation_tag(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *confirmation_key,
    const uint8_t *confirmed, size_t confirmedlen, uint8_t *out)
{
	if (c == NULL || !suite_ok(s) || confirmation_key == NULL ||
	    out == NULL || (confirmed == NULL && confirmedlen != 0))
		return POUCH_E_MISUSE;
	return pouch_hmac(c, s->hash, confirmation_key, s->nh, confirmed,
	    confirmedlen, out);
}

int
pouch_mls_confirmation_tag_verify(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *confirmation_key,
    const uint8_t *confirmed, size_t confirmedlen, const uint8_t *tag,
    size_t taglen)
{
	uint8_t want[POUCH_HASH_MAX];
	int rc;

	if (tag == NULL && taglen != 0)
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_confirmation_tag(c, s, confirmation_key,
	    confirmed, confirmedlen, want)) != POUCH_OK)
		goto out;
	/* The length is public (Nh); only the bytes are compared in CT. */
	if (taglen != s->nh || CRYPTO_memcmp(want, tag, s->nh) != 0)
		rc = POUCH_E_BAD_MAC;
out:
	OPENSSL_cleanse(want, sizeof(want));
	return rc;
}
