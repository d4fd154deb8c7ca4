/*
 * psk.c - RFC 9420 8.4 pre-shared keys.  This file owns the encoding of
 * PreSharedKeyID and PSKLabel and the chain
 *   psk_extracted_[i] = KDF.Extract(0, psk_[i])
 *   psk_input_[i]     = ExpandWithLabel(psk_extracted_[i], "derived psk",
 *                                       PSKLabel, KDF.Nh)
 *   psk_secret_[i+1]  = KDF.Extract(psk_input_[i], psk_secret_[i])
 * starting from the all-zero psk_secret_[0].  Every intermediate value is
 * wiped; the PSKLabel is public (ids and nonces) but written to a buffer
 * that the writer wipes anyway.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "mls/psk.h"

/* A PSKLabel is at most this long: ids, group ids and nonces are short. */
#define PSK_LABEL_MAX	(1U << 16)

int
pouch_mls_psk_id_write(struct pouch_wr *w, const struct pouch_mls_psk_input *p)
{
	if (w == NULL || p == NULL)
		return POUCH_E_MISUSE;
	if ((p->psk_nonce == NULL && p->psk_noncelen != 0))
		return POUCH_E_MISUSE;
	switch (p->psktype) {
	case POUCH_MLS_PSK_EXTERNAL:
		if (p->psk_id == NULL && p->psk_idlen != 0)
			return POUCH_E_MISUSE;
		pouch_wr_u8(w, p->psktype);
		pouch_wr_opaque(w, p->psk_id, p->psk_idlen);
		break;
	case POUCH_MLS_PSK_RESUMPTION:
		if (p->psk_group_id == NULL && p->psk_group_idlen != 0)
			return POUCH_E_MISUSE;
		pouch_wr_u8(w, p->psktype);
		pouch_wr_u8(w, p->usage);
		pouch_wr_opaque(w, p->psk_group_id, p->psk_group_idlen);
		pouch_wr_u64(w, p->psk_epoch);
		break;
	default:
		return POUCH_E_MISUSE;
	}
	pouch_wr_opaque(w, p->psk_nonce, p->psk_noncelen);
	return POUCH_OK;
}

/* psk_input_[i] for psks[i] of n. */
static int
psk_input(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const struct pouch_mls_psk_input *p, uint16_t index, uint16_t count,
    uint8_t *out)
{
	static const uint8_t zero[POUCH_HASH_MAX];
	uint8_t extracted[POUCH_HASH_MAX];
	struct pouch_wr w;
	int rc;

	pouch_wr_init(&w, PSK_LABEL_MAX);
	if (p->psk == NULL && p->psklen != 0) {
		rc = POUCH_E_MISUSE;
		goto out;
	}
	/* struct { PreSharedKeyID id; uint16 index; uint16 count; } */
	if ((rc = pouch_mls_psk_id_write(&w, p)) != POUCH_OK)
		goto out;
	pouch_wr_u16(&w, index);
	pouch_wr_u16(&w, count);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	if ((rc = pouch_hkdf_extract(c, s->hash, zero, s->nh, p->psk,
	    p->psklen, extracted)) != POUCH_OK)
		goto out;
	rc = pouch_mls_expand_with_label(c, s, extracted, s->nh,
	    "derived psk", w.buf, w.len, out, s->nh);
out:
	OPENSSL_cleanse(extracted, sizeof(extracted));
	pouch_wr_free(&w);
	return rc;
}

int
pouch_mls_psk_secret(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const struct pouch_mls_psk_input *psks,
    size_t n, uint8_t *out)
{
	uint8_t secret[POUCH_HASH_MAX], input[POUCH_HASH_MAX];
	uint8_t next[POUCH_HASH_MAX];
	size_t i;
	int rc = POUCH_OK;

	if (c == NULL || s == NULL || s->nh == 0 || s->nh > POUCH_HASH_MAX ||
	    out == NULL || (psks == NULL && n != 0) ||
	    n > POUCH_MLS_PSK_COUNT_MAX)
		return POUCH_E_MISUSE;
	memset(secret, 0, sizeof(secret));		/* psk_secret_[0] */
	for (i = 0; i < n; i++) {
		if ((rc = psk_input(c, s, &psks[i], (uint16_t)i, (uint16_t)n,
		    input)) != POUCH_OK)
			goto out;
		/*
		 * The formula of 8.4, KDF.Extract(salt = psk_input_[i],
		 * ikm = psk_secret_[i]); read with the salt-from-the-top
		 * convention of Figure 22, Figure 24 would suggest the
		 * reverse, but the official vectors follow the formula.
		 */
		if ((rc = pouch_hkdf_extract(c, s->hash, input, s->nh, secret,
		    s->nh, next)) != POUCH_OK)
			goto out;
		memcpy(secret, next, s->nh);
	}
	memcpy(out, secret, s->nh);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(input, sizeof(input));
	OPENSSL_cleanse(next, sizeof(next));
	return rc;
}
