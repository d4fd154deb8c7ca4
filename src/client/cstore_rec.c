/*
 * client/cstore_rec - the records of the local store: sealing under the
 * store's AEAD key with an AAD that names the row, and the parsers of
 * what comes back from the file.  Everything here treats the stored
 * bytes as hostile: lengths are bounded, the tag is verified before a
 * byte of plaintext is used, and a failure returns no output.
 *
 * Record:	CS_REC_VERSION || nonce[12] || ChaCha20-Poly1305 ct || tag[16]
 * AAD:		"pouch-cstore" || 0 || u8 version || opaque table<V>
 *		|| opaque col<V> || opaque ident<V>
 *
 * ChaCha20-Poly1305 rather than AES-256-GCM: constant time without AES
 * instructions, on every CPU a client runs on.  Nonces are random (96
 * bits); a local store seals far fewer than the 2^32 records that bound
 * random nonces under one key.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "client/cstore_int.h"
#include "codec/codec.h"
#include "crypto/crypto.h"

#define AAD_LABEL	"pouch-cstore"

static int
build_aad(const char *table, const char *col, const uint8_t *ident,
    size_t identlen, uint8_t *buf, size_t cap, size_t *len)
{
	struct pouch_wr w;
	int rc;

	if (identlen > CS_IDENT_MAX)
		return POUCH_E_MISUSE;
	pouch_wr_init_buf(&w, buf, cap);
	pouch_wr_bytes(&w, AAD_LABEL, sizeof(AAD_LABEL));	/* with NUL */
	pouch_wr_u8(&w, CS_REC_VERSION);
	pouch_wr_opaque(&w, table, strlen(table));
	pouch_wr_opaque(&w, col, strlen(col));
	pouch_wr_opaque(&w, ident, identlen);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		return rc == POUCH_E_BUFFER_TOO_SMALL ? POUCH_E_MISUSE : rc;
	*len = w.len;
	return POUCH_OK;
}

int
pouch_cstore_rec_seal(const struct pouch_crypto *c, const uint8_t key[32],
    const char *table, const char *col, const uint8_t *ident,
    size_t identlen, const uint8_t *pt, size_t ptlen, uint8_t **blob,
    size_t *bloblen)
{
	uint8_t aad[CS_IDENT_MAX + 128];
	uint8_t *b = NULL;
	size_t aadlen, n, ctlen;
	int rc;

	if (blob == NULL || bloblen == NULL)
		return POUCH_E_MISUSE;
	*blob = NULL;
	*bloblen = 0;
	if (c == NULL || key == NULL || table == NULL || col == NULL ||
	    (ident == NULL && identlen != 0) || (pt == NULL && ptlen != 0))
		return POUCH_E_MISUSE;
	if (ptlen > POUCH_CSTORE_BODY_MAX)
		return POUCH_E_TOO_LARGE;
	if ((rc = build_aad(table, col, ident, identlen, aad, sizeof(aad),
	    &aadlen)) != POUCH_OK)
		return rc;
	n = CS_REC_OVERHEAD + ptlen;
	if ((b = malloc(n)) == NULL)
		return POUCH_E_NOMEM;
	b[0] = CS_REC_VERSION;
	if ((rc = pouch_random(b + 1, POUCH_AEAD_NONCE_BYTES)) != POUCH_OK)
		goto out;
	rc = pouch_aead_seal(c, POUCH_CHACHA20POLY1305, key, b + 1, aad,
	    aadlen, pt, ptlen, b + 1 + POUCH_AEAD_NONCE_BYTES,
	    n - 1 - POUCH_AEAD_NONCE_BYTES, &ctlen);
	if (rc != POUCH_OK)
		goto out;
	if (ctlen != ptlen + POUCH_AEAD_TAG_BYTES) {
		rc = POUCH_E_CRYPTO;
		goto out;
	}
	*blob = b;
	*bloblen = n;
	b = NULL;
out:
	free(b);	/* holds only ciphertext */
	return rc;
}

int
pouch_cstore_rec_open(const struct pouch_crypto *c, const uint8_t key[32],
    const char *table, const char *col, const uint8_t *ident,
    size_t identlen, const uint8_t *blob, size_t bloblen, uint8_t **pt,
    size_t *ptlen)
{
	uint8_t aad[CS_IDENT_MAX + 128];
	uint8_t *p = NULL;
	size_t aadlen, cap = 0, n;
	int rc;

	if (pt == NULL || ptlen == NULL)
		return POUCH_E_MISUSE;
	*pt = NULL;
	*ptlen = 0;
	if (c == NULL || key == NULL || table == NULL || col == NULL ||
	    (ident == NULL && identlen != 0) ||
	    (blob == NULL && bloblen != 0))
		return POUCH_E_MISUSE;
	if (bloblen < CS_REC_OVERHEAD || blob[0] != CS_REC_VERSION)
		return POUCH_E_MALFORMED;
	if (bloblen - CS_REC_OVERHEAD > POUCH_CSTORE_BODY_MAX)
		return POUCH_E_TOO_LARGE;
	if ((rc = build_aad(table, col, ident, identlen, aad, sizeof(aad),
	    &aadlen)) != POUCH_OK)
		return rc;
	cap = bloblen - CS_REC_OVERHEAD;
	if ((p = malloc(cap == 0 ? 1 : cap)) == NULL)
		return POUCH_E_NOMEM;
	rc = pouch_aead_open(c, POUCH_CHACHA20POLY1305, key, blob + 1, aad,
	    aadlen, blob + 1 + POUCH_AEAD_NONCE_BYTES,
	    bloblen - 1 - POUCH_AEAD_NONCE_BYTES, p, cap, &n);
	if (rc != POUCH_OK)
		goto out;
	if (n != cap) {
		rc = POUCH_E_CRYPTO;
		goto out;
	}
	*pt = p;
	*ptlen = n;
	p = NULL;
out:
	if (p != NULL) {
		OPENSSL_cleanse(p, cap == 0 ? 1 : cap);
		free(p);
	}
	return rc;
}

/* opaque text<max> with no NUL inside, into a NUL-terminated buffer. */
static int
rd_text(struct pouch_rd *r, char *out, size_t cap)
{
	const uint8_t *p;
	size_t n;
	int rc;

	if ((rc = pouch_rd_opaque(r, &p, &n, cap - 1)) != POUCH_OK)
		return rc;
	if (memchr(p, 0, n) != NULL)
		return POUCH_E_MALFORMED;
	memcpy(out, p, n);
	out[n] = '\0';
	return POUCH_OK;
}

static int
rd_flag(struct pouch_rd *r, int *out)
{
	uint8_t v;
	int rc;

	if ((rc = pouch_rd_u8(r, &v)) != POUCH_OK)
		return rc;
	if (v > 1)
		return POUCH_E_MALFORMED;
	*out = v;
	return POUCH_OK;
}

static int
rd_i64(struct pouch_rd *r, int64_t *out)
{
	uint64_t v;
	int rc;

	if ((rc = pouch_rd_u64(r, &v)) != POUCH_OK)
		return rc;
	*out = (int64_t)v;
	return POUCH_OK;
}

/* TRUNCATED inside a record is a damaged record, not "wait for more". */
static int
final_rc(int rc)
{
	return rc == POUCH_E_TRUNCATED ? POUCH_E_MALFORMED : rc;
}

int
pouch_cstore_rec_encode_conv(const struct pouch_cstore_conv *c,
    uint8_t **pt, size_t *len)
{
	struct pouch_wr w;
	size_t tl;
	int rc;

	if (pt == NULL || len == NULL)
		return POUCH_E_MISUSE;
	*pt = NULL;
	*len = 0;
	if (c == NULL)
		return POUCH_E_MISUSE;
	tl = strnlen(c->title, sizeof(c->title));
	if (tl > POUCH_CSTORE_TITLE_MAX)
		return POUCH_E_MISUSE;
	pouch_wr_init(&w, 1024);
	pouch_wr_opaque(&w, c->title, tl);
	pouch_wr_u64(&w, c->epoch);
	pouch_wr_u64(&w, (uint64_t)c->last_update);
	pouch_wr_u64(&w, c->sent_since_update);
	pouch_wr_u8(&w, c->removed ? 1 : 0);
	rc = pouch_wr_take(&w, pt, len);
	pouch_wr_free(&w);
	return rc;
}

int
pouch_cstore_rec_decode_conv(const uint8_t *pt, size_t len,
    struct pouch_cstore_conv *c)
{
	struct pouch_cstore_conv t;
	struct pouch_rd r;
	int rc;

	if (c == NULL || (pt == NULL && len != 0))
		return POUCH_E_MISUSE;
	memset(&t, 0, sizeof(t));
	pouch_rd_init(&r, pt, len);
	if ((rc = rd_text(&r, t.title, sizeof(t.title))) != POUCH_OK ||
	    (rc = pouch_rd_u64(&r, &t.epoch)) != POUCH_OK ||
	    (rc = rd_i64(&r, &t.last_update)) != POUCH_OK ||
	    (rc = pouch_rd_u64(&r, &t.sent_since_update)) != POUCH_OK ||
	    (rc = rd_flag(&r, &t.removed)) != POUCH_OK ||
	    (rc = pouch_rd_done(&r)) != POUCH_OK)
		return final_rc(rc);
	/* The caller's id and gid come from the row, not the record. */
	memcpy(c->title, t.title, sizeof(c->title));
	c->epoch = t.epoch;
	c->last_update = t.last_update;
	c->sent_since_update = t.sent_since_update;
	c->removed = t.removed;
	return POUCH_OK;
}

int
pouch_cstore_rec_encode_sender(const struct pouch_cstore_msg *m,
    uint8_t **pt, size_t *len)
{
	struct pouch_wr w;
	size_t ul;
	int rc;

	if (pt == NULL || len == NULL)
		return POUCH_E_MISUSE;
	*pt = NULL;
	*len = 0;
	if (m == NULL)
		return POUCH_E_MISUSE;
	ul = strnlen(m->sender, sizeof(m->sender));
	if (ul > POUCH_CSTORE_USER_MAX)
		return POUCH_E_MISUSE;
	pouch_wr_init(&w, 256);
	pouch_wr_opaque(&w, m->sender, ul);
	pouch_wr_u64(&w, (uint64_t)m->sender_device);
	rc = pouch_wr_take(&w, pt, len);
	pouch_wr_free(&w);
	return rc;
}

int
pouch_cstore_rec_decode_sender(const uint8_t *pt, size_t len,
    struct pouch_cstore_msg *m)
{
	char sender[POUCH_CSTORE_USER_MAX + 1];
	struct pouch_rd r;
	int64_t dev;
	int rc;

	if (m == NULL || (pt == NULL && len != 0))
		return POUCH_E_MISUSE;
	pouch_rd_init(&r, pt, len);
	if ((rc = rd_text(&r, sender, sizeof(sender))) != POUCH_OK ||
	    (rc = rd_i64(&r, &dev)) != POUCH_OK ||
	    (rc = pouch_rd_done(&r)) != POUCH_OK)
		return final_rc(rc);
	memcpy(m->sender, sender, sizeof(m->sender));
	m->sender_device = dev;
	return POUCH_OK;
}

int
pouch_cstore_rec_encode_contact(const struct pouch_cstore_contact *c,
    uint8_t **pt, size_t *len)
{
	struct pouch_wr w;
	size_t ul;
	int rc;

	if (pt == NULL || len == NULL)
		return POUCH_E_MISUSE;
	*pt = NULL;
	*len = 0;
	if (c == NULL)
		return POUCH_E_MISUSE;
	ul = strnlen(c->user, sizeof(c->user));
	if (ul == 0 || ul > POUCH_CSTORE_USER_MAX)
		return POUCH_E_MISUSE;
	pouch_wr_init(&w, 256);
	pouch_wr_opaque(&w, c->user, ul);
	pouch_wr_bytes(&w, c->account_key, sizeof(c->account_key));
	pouch_wr_u8(&w, c->verified ? 1 : 0);
	pouch_wr_u64(&w, (uint64_t)c->first_seen);
	rc = pouch_wr_take(&w, pt, len);
	pouch_wr_free(&w);
	return rc;
}

int
pouch_cstore_rec_decode_contact(const uint8_t *pt, size_t len,
    struct pouch_cstore_contact *c)
{
	struct pouch_cstore_contact t;
	struct pouch_rd r;
	int rc;

	if (c == NULL || (pt == NULL && len != 0))
		return POUCH_E_MISUSE;
	memset(&t, 0, sizeof(t));
	pouch_rd_init(&r, pt, len);
	if ((rc = rd_text(&r, t.user, sizeof(t.user))) != POUCH_OK ||
	    (rc = pouch_rd_copy(&r, t.account_key,
	    sizeof(t.account_key))) != POUCH_OK ||
	    (rc = rd_flag(&r, &t.verified)) != POUCH_OK ||
	    (rc = rd_i64(&r, &t.first_seen)) != POUCH_OK ||
	    (rc = pouch_rd_done(&r)) != POUCH_OK)
		return final_rc(rc);
	if (t.user[0] == '\0')
		return POUCH_E_MALFORMED;
	*c = t;
	return POUCH_OK;
}

int
pouch_cstore_rec_decode_text(const uint8_t *pt, size_t len, char *out,
    size_t cap)
{
	if (out == NULL || cap == 0 || (pt == NULL && len != 0))
		return POUCH_E_MISUSE;
	if (len > cap - 1)
		return POUCH_E_TOO_LARGE;
	if (len != 0 && memchr(pt, 0, len) != NULL)
		return POUCH_E_MALFORMED;
	if (len != 0)
		memcpy(out, pt, len);
	out[len] = '\0';
	return POUCH_OK;
}
