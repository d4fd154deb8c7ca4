/*
 * mls_transcript.c - runner for mls/transcript-hashes.json (RFC 9420 8.2).
 * A case passes when (1) authenticated_content holds a Commit, (2) its
 * confirmation_tag equals MAC(confirmation_key,
 * confirmed_transcript_hash_after), is accepted by the constant-time
 * verifier, and a tag with one bit flipped is refused, (3) the confirmed
 * transcript hash computed from interim_transcript_hash_before and the
 * ConfirmedTranscriptHashInput equals confirmed_transcript_hash_after, and
 * (4) the interim hash computed from it and the tag equals
 * interim_transcript_hash_after.
 *
 * The AuthenticatedContent is split with a minimal bounded skip-parser of
 * our own (the full MLS structure decoders are another file's work):
 * wire_format, group_id, epoch, sender, authenticated_data, content_type
 * (must be commit), Commit { proposals<V>, optional<UpdatePath> }, then
 * signature<V> and confirmation_tag<V>, with nothing left over.  An
 * UpdatePath, which none of these vectors has, is reported as unsupported
 * by this parser and fails the case rather than being guessed at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "mls/transcript.h"
#include "vectors/vectors.h"

#define SENDER_MEMBER			1
#define SENDER_EXTERNAL			2
#define SENDER_NEW_MEMBER_PROPOSAL	3
#define SENDER_NEW_MEMBER_COMMIT	4
#define CONTENT_COMMIT			3
#define FIELD_MAX			(1U << 24)

/* ConfirmedTranscriptHashInput = ac[0..*inlen); the tag is returned. */
static int
split_commit(const uint8_t *ac, size_t aclen, size_t *inlen,
    const uint8_t **tag, size_t *taglen, const char **why)
{
	struct pouch_rd r, sub;
	const uint8_t *p;
	uint16_t wf;
	uint64_t epoch;
	uint32_t idx;
	uint8_t st, ct;
	size_t n;
	int present;

	pouch_rd_init(&r, ac, aclen);
	*why = "malformed header";
	if (pouch_rd_u16(&r, &wf) != POUCH_OK ||
	    pouch_rd_opaque(&r, &p, &n, FIELD_MAX) != POUCH_OK ||
	    pouch_rd_u64(&r, &epoch) != POUCH_OK ||
	    pouch_rd_u8(&r, &st) != POUCH_OK)
		return -1;
	if (st == SENDER_MEMBER || st == SENDER_EXTERNAL) {
		if (pouch_rd_u32(&r, &idx) != POUCH_OK)
			return -1;
	} else if (st != SENDER_NEW_MEMBER_PROPOSAL &&
	    st != SENDER_NEW_MEMBER_COMMIT)
		return -1;
	if (pouch_rd_opaque(&r, &p, &n, FIELD_MAX) != POUCH_OK ||
	    pouch_rd_u8(&r, &ct) != POUCH_OK)
		return -1;
	*why = "content is not a commit";
	if (ct != CONTENT_COMMIT)
		return -1;
	*why = "malformed commit";
	if (pouch_rd_vec(&r, &sub, FIELD_MAX) != POUCH_OK ||
	    pouch_rd_optional(&r, &present) != POUCH_OK)
		return -1;
	*why = "UpdatePath present: not handled by this minimal parser";
	if (present)
		return -1;
	*why = "malformed signature or tag";
	if (pouch_rd_opaque(&r, &p, &n, FIELD_MAX) != POUCH_OK)
		return -1;
	*inlen = (size_t)(r.p - ac);
	if (pouch_rd_opaque(&r, tag, taglen, FIELD_MAX) != POUCH_OK ||
	    pouch_rd_done(&r) != POUCH_OK)
		return -1;
	return 0;
}

#define NF	5

static int
run_case(const struct pouch_crypto *c, json_t *tc, const char *file,
    size_t idx)
{
	static const char *const names[NF] = { "confirmation_key",
	    "authenticated_content", "interim_transcript_hash_before",
	    "confirmed_transcript_hash_after",
	    "interim_transcript_hash_after" };
	const struct pouch_mls_suite *s;
	uint8_t *b[NF] = { 0 }, cth[POUCH_HASH_MAX], ith[POUCH_HASH_MAX];
	uint8_t mac[POUCH_HASH_MAX], bad[POUCH_HASH_MAX];
	const uint8_t *tag;
	size_t n[NF], i, inlen, taglen;
	const char *why;
	long long id;
	int ok = 0;

	if (vec_int(tc, "cipher_suite", &id) != 0 || id < 0 || id > 0xffff ||
	    (s = pouch_mls_suite_get((uint16_t)id)) == NULL) {
		vec_fail(file, idx, "unknown cipher_suite");
		return 0;
	}
	for (i = 0; i < NF; i++)
		if (vec_hex(tc, names[i], &b[i], &n[i]) != 0) {
			vec_fail(file, idx, names[i]);
			goto out;
		}
	if (n[0] != s->nh || n[3] != s->nh || n[4] != s->nh) {
		vec_fail(file, idx, "field length");
		goto out;
	}
	if (split_commit(b[1], n[1], &inlen, &tag, &taglen, &why) != 0) {
		vec_fail(file, idx, why);
		goto out;
	}
	/* (2) the tag over the confirmed hash of the vector */
	if (pouch_mls_confirmation_tag(c, s, b[0], b[3], n[3], mac) !=
	    POUCH_OK || taglen != s->nh || memcmp(mac, tag, s->nh) != 0 ||
	    pouch_mls_confirmation_tag_verify(c, s, b[0], b[3], n[3], tag,
	    taglen) != POUCH_OK) {
		vec_fail(file, idx, "confirmation tag");
		goto out;
	}
	memcpy(bad, tag, s->nh);
	bad[s->nh - 1] ^= 1;
	if (pouch_mls_confirmation_tag_verify(c, s, b[0], b[3], n[3], bad,
	    s->nh) != POUCH_E_BAD_MAC ||
	    pouch_mls_confirmation_tag_verify(c, s, b[0], b[3], n[3], tag,
	    s->nh - 1) != POUCH_E_BAD_MAC) {
		vec_fail(file, idx, "bad confirmation tag accepted");
		goto out;
	}
	/* (3) and (4) */
	if (pouch_mls_confirmed_transcript_hash(c, s, b[2], n[2], b[1], inlen,
	    cth) != POUCH_OK || memcmp(cth, b[3], s->nh) != 0) {
		vec_fail(file, idx, "confirmed_transcript_hash_after");
		goto out;
	}
	if (pouch_mls_interim_transcript_hash(c, s, cth, s->nh, tag, taglen,
	    ith) != POUCH_OK || memcmp(ith, b[4], s->nh) != 0) {
		vec_fail(file, idx, "interim_transcript_hash_after");
		goto out;
	}
	ok = 1;
out:
	for (i = 0; i < NF; i++)
		free(b[i]);
	return ok;
}

int
vec_run_mls_transcript(json_t *root, const char *file,
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
