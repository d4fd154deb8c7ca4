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
 * The AuthenticatedContent is decoded with the MLS structure decoders
 * (mls/msg.h), must hold a Commit and must re-encode to the same bytes;
 * the ConfirmedTranscriptHashInput (wire_format, content, signature) is
 * then encoded from the decoded structure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "mls/msg.h"
#include "mls/transcript.h"
#include "vectors/vectors.h"

#define ENCODED_MAX	(1U << 24)

/*
 * Decode ac[0..aclen) as one AuthenticatedContent holding a commit; in
 * *input the encoded ConfirmedTranscriptHashInput, in tag a copy of the
 * confirmation tag.
 */
static int
split_commit(const uint8_t *ac, size_t aclen, struct pouch_wr *input,
    uint8_t *tag, size_t *taglen, const char **why)
{
	struct pouch_mls_authenticated_content x;
	struct pouch_mls_arena a;
	struct pouch_wr again;
	struct pouch_rd r;
	int ok = -1;

	pouch_mls_arena_init_limits(&a, NULL);
	pouch_wr_init(&again, ENCODED_MAX);
	pouch_wr_init(input, ENCODED_MAX);
	pouch_rd_init(&r, ac, aclen);
	*why = "malformed AuthenticatedContent";
	if (pouch_mls_authenticated_content_decode(&r, &a,
	    pouch_mls_limits_default(), &x) != POUCH_OK ||
	    pouch_rd_done(&r) != POUCH_OK)
		goto out;
	*why = "content is not a commit";
	if (x.content.content_type != POUCH_MLS_CT_COMMIT)
		goto out;
	*why = "AuthenticatedContent does not re-encode to its bytes";
	pouch_mls_authenticated_content_encode(&again, &x);
	if (pouch_wr_finish(&again) != POUCH_OK || again.len != aclen ||
	    memcmp(again.buf, ac, aclen) != 0)
		goto out;
	*why = "confirmation tag too long";
	if (x.auth.confirmation_tag.n > POUCH_HASH_MAX)
		goto out;
	memcpy(tag, x.auth.confirmation_tag.p, x.auth.confirmation_tag.n);
	*taglen = x.auth.confirmation_tag.n;
	/* RFC 9420 8.2: ConfirmedTranscriptHashInput */
	pouch_wr_u16(input, x.wire_format);
	pouch_mls_framed_content_encode(input, &x.content);
	pouch_wr_opaque(input, x.auth.signature.p, x.auth.signature.n);
	*why = "ConfirmedTranscriptHashInput encoding";
	if (pouch_wr_finish(input) != POUCH_OK)
		goto out;
	ok = 0;
out:
	pouch_wr_free(&again);
	pouch_mls_arena_free(&a);
	return ok;
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
	uint8_t mac[POUCH_HASH_MAX], bad[POUCH_HASH_MAX], tag[POUCH_HASH_MAX];
	struct pouch_wr input;
	size_t n[NF], i, taglen;
	const char *why;
	long long id;
	int ok = 0;

	pouch_wr_init(&input, 0);
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
	if (split_commit(b[1], n[1], &input, tag, &taglen, &why) != 0) {
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
	if (pouch_mls_confirmed_transcript_hash(c, s, b[2], n[2], input.buf,
	    input.len, cth) != POUCH_OK || memcmp(cth, b[3], s->nh) != 0) {
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
	pouch_wr_free(&input);
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
