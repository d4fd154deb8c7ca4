/*
 * protect_private.c - RFC 9420 6.3: the PrivateMessage.  Sealing encodes
 * the PrivateMessageContent with its zero padding, encrypts it under the
 * key and nonce of the sender's next ratchet generation with a fresh
 * reuse guard XORed into the nonce (6.3.1), then encrypts the SenderData
 * under a key and nonce derived from a sample of that ciphertext (6.3.2);
 * the generation is consumed last, once nothing else can fail.  Opening
 * runs the same steps backwards into an arena, looking the generation's
 * key up without consuming it: the caller consumes it through
 * pouch_mls_message_verify() once the signature holds, so a message that
 * fails anywhere leaves the secret tree as it was.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "mls/protect_int.h"

/* SenderData is two uint32 and a 4-byte reuse guard. */
#define SENDER_DATA_BYTES	12
#define REUSE_GUARD_BYTES	4

/* RFC 9420 6.3.1: handshake ratchet for proposals and commits. */
static int
ratchet_of(uint8_t content_type)
{
	return content_type == POUCH_MLS_CT_APPLICATION ?
	    POUCH_MLS_RATCHET_APPLICATION : POUCH_MLS_RATCHET_HANDSHAKE;
}

/* The key schedule's nonce with the reuse guard XORed into its start. */
static void
guard_nonce(const struct pouch_mls_st_key *k, const uint8_t guard[4],
    uint8_t nonce[POUCH_AEAD_NONCE_BYTES])
{
	size_t i;

	memcpy(nonce, k->nonce, POUCH_AEAD_NONCE_BYTES);
	for (i = 0; i < REUSE_GUARD_BYTES; i++)
		nonce[i] ^= guard[i];
}

/* Pad w, which holds the unpadded content, to a multiple of block. */
static void
pad(struct pouch_wr *w, uint32_t block)
{
	static const uint8_t zeros[64];
	size_t n, left;

	if (block == 0)
		block = POUCH_MLS_PAD_BLOCK_DEFAULT;
	left = (block - w->len % block) % block;
	for (; left > 0 && w->err == POUCH_OK; left -= n) {
		n = left < sizeof(zeros) ? left : sizeof(zeros);
		pouch_wr_bytes(w, zeros, n);
	}
}

/* One of the two AADs of pm (RFC 9420 6.3.1, 6.3.2) into a fresh w. */
static int
aad_encode(const struct pouch_mls_protect_ctx *p,
    const struct pouch_mls_private_message *pm, int content,
    struct pouch_wr *w)
{
	pouch_wr_init(w, pouch_mls_protect_limits(p)->decoded_max);
	if (content)
		pouch_mls_private_content_aad_encode(w, pm);
	else
		pouch_mls_sender_data_aad_encode(w, pm);
	return pouch_wr_finish(w);
}

/*
 * RFC 9420 6.3.2: encrypted_sender_data for ciphertext ct (already in
 * pm), into out (SENDER_DATA_BYTES + tag).
 */
static int
seal_sender_data(const struct pouch_mls_protect_ctx *p,
    const struct pouch_mls_private_message *pm,
    const struct pouch_mls_sender_data *sd, uint8_t *out, size_t cap,
    size_t *outlen)
{
	uint8_t key[POUCH_AEAD_KEY_MAX], nonce[POUCH_AEAD_NONCE_BYTES];
	uint8_t pt[SENDER_DATA_BYTES];
	struct pouch_wr aad, w;
	int rc;

	pouch_wr_init(&aad, 0);
	pouch_wr_init_buf(&w, pt, sizeof(pt));
	pouch_mls_sender_data_encode(&w, sd);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	if ((rc = aad_encode(p, pm, 0, &aad)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_sender_data_key_nonce(p->c, p->s,
	    p->sender_data_secret, pm->ciphertext.p, pm->ciphertext.n, key,
	    nonce)) != POUCH_OK)
		goto out;
	rc = pouch_aead_seal(p->c, p->s->aead, key, nonce, aad.buf, aad.len,
	    pt, sizeof(pt), out, cap, outlen);
out:
	pouch_wr_free(&aad);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(nonce, sizeof(nonce));
	OPENSSL_cleanse(pt, sizeof(pt));
	return rc;
}

/* The arguments of seal are a PrivateMessage's: POUCH_OK or MISUSE. */
static int
seal_check(const struct pouch_mls_protect_ctx *p,
    const struct pouch_mls_authenticated_content *ac)
{
	const struct pouch_mls_framed_content *fc;

	if (ac == NULL || p->st == NULL || p->sender_data_secret == NULL)
		return POUCH_E_MISUSE;
	fc = &ac->content;
	if (ac->wire_format != POUCH_MLS_WF_PRIVATE_MESSAGE ||
	    fc->sender.type != POUCH_MLS_SENDER_MEMBER ||
	    fc->content_type < POUCH_MLS_CT_APPLICATION ||
	    fc->content_type > POUCH_MLS_CT_COMMIT ||
	    pouch_mls_protect_epoch(p, &fc->group_id, fc->epoch) != POUCH_OK)
		return POUCH_E_MISUSE;
	return pouch_mls_protect_auth_ok(p, ac);
}

int
pouch_mls_private_message_seal(const struct pouch_mls_protect_ctx *p,
    const struct pouch_mls_authenticated_content *ac, uint8_t **out,
    size_t *outlen)
{
	const struct pouch_mls_framed_content *fc;
	struct pouch_mls_private_content pc;
	struct pouch_mls_sender_data sd;
	struct pouch_mls_message m;
	struct pouch_mls_private_message *pm = &m.u.private_message;
	struct pouch_mls_st_key k;
	struct pouch_wr pt, aad, w;
	uint8_t nonce[POUCH_AEAD_NONCE_BYTES];
	uint8_t esd[SENDER_DATA_BYTES + POUCH_AEAD_TAG_BYTES];
	uint8_t *ct = NULL, *buf = NULL;
	size_t ctlen = 0, esdlen, buflen = 0;
	int rc;

	if (out == NULL || outlen == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*outlen = 0;
	if ((rc = pouch_mls_protect_check(p)) != POUCH_OK ||
	    (rc = seal_check(p, ac)) != POUCH_OK)
		return rc;
	fc = &ac->content;
	memset(&k, 0, sizeof(k));
	memset(&m, 0, sizeof(m));
	pouch_wr_init(&pt, pouch_mls_protect_limits(p)->message_max);
	pouch_wr_init(&aad, 0);
	pouch_wr_init(&w, pouch_mls_protect_limits(p)->message_max);
	m.version = POUCH_MLS_VERSION_10;
	m.wire_format = POUCH_MLS_WF_PRIVATE_MESSAGE;
	pm->group_id = fc->group_id;
	pm->epoch = fc->epoch;
	pm->content_type = fc->content_type;
	pm->authenticated_data = fc->authenticated_data;
	if ((rc = pouch_mls_secret_tree_get_next(p->c, p->st, fc->sender.index,
	    ratchet_of(fc->content_type), &k)) != POUCH_OK)
		goto out;
	sd.leaf_index = fc->sender.index;
	sd.generation = k.generation;
	if ((rc = pouch_random(sd.reuse_guard, REUSE_GUARD_BYTES)) != POUCH_OK)
		goto out;
	/* RFC 9420 6.3.1: content, auth, then the zero padding */
	memset(&pc, 0, sizeof(pc));
	pc.content_type = fc->content_type;
	pc.u = fc->u;
	pc.auth = ac->auth;
	pouch_mls_private_content_encode(&pt, &pc);
	pad(&pt, p->pad_block);
	if ((rc = pouch_wr_finish(&pt)) != POUCH_OK ||
	    (rc = aad_encode(p, pm, 1, &aad)) != POUCH_OK)
		goto out;
	rc = POUCH_E_NOMEM;
	if (pt.len > SIZE_MAX - POUCH_AEAD_TAG_BYTES ||
	    (ct = OPENSSL_malloc(pt.len + POUCH_AEAD_TAG_BYTES)) == NULL)
		goto out;
	guard_nonce(&k, sd.reuse_guard, nonce);
	if ((rc = pouch_aead_seal(p->c, p->s->aead, k.key, nonce, aad.buf,
	    aad.len, pt.buf, pt.len, ct, pt.len + POUCH_AEAD_TAG_BYTES,
	    &ctlen)) != POUCH_OK)
		goto out;
	pm->ciphertext.p = ct;
	pm->ciphertext.n = ctlen;
	if ((rc = seal_sender_data(p, pm, &sd, esd, sizeof(esd), &esdlen)) !=
	    POUCH_OK)
		goto out;
	pm->encrypted_sender_data.p = esd;
	pm->encrypted_sender_data.n = esdlen;
	pouch_mls_message_encode(&w, &m);
	if ((rc = pouch_wr_take(&w, &buf, &buflen)) != POUCH_OK)
		goto out;
	/* the message exists: spend the generation, or send nothing */
	if ((rc = pouch_mls_secret_tree_consume(p->c, p->st, &k)) != POUCH_OK)
		goto out;
	*out = buf;
	*outlen = buflen;
	buf = NULL;
out:
	pouch_wr_buf_free(buf, buflen);
	OPENSSL_free(ct);		/* ciphertext: public */
	pouch_wr_free(&pt);
	pouch_wr_free(&aad);
	pouch_wr_free(&w);
	pouch_mls_st_key_clear(&k);
	OPENSSL_cleanse(nonce, sizeof(nonce));
	OPENSSL_cleanse(&sd, sizeof(sd));
	return rc;
}

/* ---- opening ----------------------------------------------------------- */

/* RFC 9420 6.3.2: decrypt and decode the SenderData of pm into r->sd. */
static int
open_sender_data(const struct pouch_mls_protect_ctx *p,
    const struct pouch_mls_private_message *pm, struct pouch_mls_received *r)
{
	uint8_t key[POUCH_AEAD_KEY_MAX], nonce[POUCH_AEAD_NONCE_BYTES];
	uint8_t pt[SENDER_DATA_BYTES + POUCH_AEAD_TAG_BYTES];
	struct pouch_wr aad;
	struct pouch_rd rd;
	size_t ptlen = 0;
	int rc;

	/* a SenderData encrypts to exactly 12 + 16 bytes */
	if (pm->encrypted_sender_data.n != SENDER_DATA_BYTES +
	    POUCH_AEAD_TAG_BYTES)
		return POUCH_E_DECRYPT;
	if ((rc = aad_encode(p, pm, 0, &aad)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_sender_data_key_nonce(p->c, p->s,
	    p->sender_data_secret, pm->ciphertext.p, pm->ciphertext.n, key,
	    nonce)) != POUCH_OK)
		goto out;
	if ((rc = pouch_aead_open(p->c, p->s->aead, key, nonce, aad.buf,
	    aad.len, pm->encrypted_sender_data.p, pm->encrypted_sender_data.n,
	    pt, sizeof(pt), &ptlen)) != POUCH_OK)
		goto out;
	pouch_rd_init(&rd, pt, ptlen);
	if ((rc = pouch_mls_sender_data_decode(&rd, &r->a,
	    pouch_mls_protect_limits(p), &r->sd)) != POUCH_OK ||
	    (rc = pouch_rd_done(&rd)) != POUCH_OK)
		rc = POUCH_E_MALFORMED;
out:
	pouch_wr_free(&aad);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(nonce, sizeof(nonce));
	OPENSSL_cleanse(pt, sizeof(pt));
	return rc;
}

/* RFC 9420 6.3.1: decrypt pm's ciphertext with r->key into the arena. */
static int
open_content(const struct pouch_mls_protect_ctx *p,
    const struct pouch_mls_private_message *pm, struct pouch_mls_received *r,
    struct pouch_mls_private_content *pc)
{
	uint8_t nonce[POUCH_AEAD_NONCE_BYTES];
	struct pouch_wr aad;
	struct pouch_rd rd;
	void *pt = NULL;
	size_t ptlen = 0;
	int rc;

	if (pm->ciphertext.n < POUCH_AEAD_TAG_BYTES)
		return POUCH_E_DECRYPT;
	if ((rc = aad_encode(p, pm, 1, &aad)) != POUCH_OK)
		goto out;
	/* the arena wipes the plaintext when the message is cleared */
	if ((rc = pouch_mls_arena_alloc(&r->a, pm->ciphertext.n -
	    POUCH_AEAD_TAG_BYTES, &pt)) != POUCH_OK)
		goto out;
	guard_nonce(&r->key, r->sd.reuse_guard, nonce);
	if ((rc = pouch_aead_open(p->c, p->s->aead, r->key.key, nonce,
	    aad.buf, aad.len, pm->ciphertext.p, pm->ciphertext.n, pt,
	    pm->ciphertext.n - POUCH_AEAD_TAG_BYTES, &ptlen)) != POUCH_OK)
		goto out;
	pouch_rd_init(&rd, pt, ptlen);
	/* consumes rd whole; nonzero padding is MALFORMED */
	rc = pouch_mls_private_content_decode(&rd, &r->a,
	    pouch_mls_protect_limits(p), pm->content_type, pc);
	if (rc == POUCH_E_TRUNCATED || rc == POUCH_E_TRAILING)
		rc = POUCH_E_MALFORMED;	/* the plaintext was complete */
out:
	pouch_wr_free(&aad);
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return rc;
}

int
pouch_mls_private_open(const struct pouch_mls_protect_ctx *p,
    struct pouch_mls_received *r)
{
	const struct pouch_mls_private_message *pm = &r->msg.u.private_message;
	struct pouch_mls_private_content pc;
	struct pouch_mls_framed_content *fc = &r->ac.content;
	int rc;

	if (p->st == NULL || p->sender_data_secret == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_protect_epoch(p, &pm->group_id, pm->epoch)) !=
	    POUCH_OK)
		return rc;
	if ((rc = open_sender_data(p, pm, r)) != POUCH_OK)
		return rc;
	/* const lookup: nothing is consumed before the signature verifies */
	if ((rc = pouch_mls_secret_tree_get(p->c, p->st, r->sd.leaf_index,
	    ratchet_of(pm->content_type), r->sd.generation, &r->key)) !=
	    POUCH_OK)
		return rc;
	if ((rc = open_content(p, pm, r, &pc)) != POUCH_OK)
		return rc;
	r->ac.wire_format = POUCH_MLS_WF_PRIVATE_MESSAGE;
	fc->group_id = pm->group_id;
	fc->epoch = pm->epoch;
	fc->sender.type = POUCH_MLS_SENDER_MEMBER;
	fc->sender.index = r->sd.leaf_index;
	fc->authenticated_data = pm->authenticated_data;
	fc->content_type = pm->content_type;
	fc->u = pc.u;
	r->ac.auth = pc.auth;
	return POUCH_OK;
}
