/*
 * hpke/kdf.c - the KDF and AEAD rows of HPKE (RFC 9180 7.2, 7.3) and the
 * labeled KDF helpers LabeledExtract / LabeledExpand (RFC 9180 4) that
 * both DHKEM and the key schedule use.  The labeled inputs are built in a
 * stack buffer when they fit and on the heap otherwise; either way they
 * may hold secrets (ikm, psk) and are wiped before they are released.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hpke/hpke.h"

/* RFC 9180 4: the version label of every labeled KDF call. */
static const uint8_t hpke_v1[7] = { 'H', 'P', 'K', 'E', '-', 'v', '1' };

/* Labeled inputs up to this size are built on the stack. */
#define LABELED_STACK	256

static const struct pouch_hpke_kdf kdfs[] = {
	{ POUCH_HPKE_KDF_HKDF_SHA256, POUCH_SHA256, 32, 0 },
	{ POUCH_HPKE_KDF_HKDF_SHA384, POUCH_SHA384, 48, 0 },
	{ POUCH_HPKE_KDF_HKDF_SHA512, POUCH_SHA512, 64, 0 },
	/* draft-ietf-hpke-pq: one-stage SHAKE KDFs.  TurboSHAKE (0x0012,
	 * 0x0013) is absent: no Debian 12 library provides it, and Pouch
	 * writes no primitive but ML-KEM. */
	{ POUCH_HPKE_KDF_SHAKE128, (enum pouch_hash)0, 32, POUCH_SHAKE128 },
	{ POUCH_HPKE_KDF_SHAKE256, (enum pouch_hash)0, 64, POUCH_SHAKE256 },
};

static const struct pouch_hpke_aead aeads[] = {
	{ POUCH_HPKE_AEAD_AES128GCM, POUCH_AES128GCM, 16, 12, 16 },
	{ POUCH_HPKE_AEAD_AES256GCM, POUCH_AES256GCM, 32, 12, 16 },
	{ POUCH_HPKE_AEAD_CHACHA20POLY1305, POUCH_CHACHA20POLY1305, 32, 12,
	    16 },
	/* RFC 9180 7.3: export-only, no Seal or Open. */
	{ POUCH_HPKE_AEAD_EXPORT_ONLY, 0, 0, 0, 0 },
};

const struct pouch_hpke_kdf *
pouch_hpke_kdf_get(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(kdfs) / sizeof(kdfs[0]); i++)
		if (kdfs[i].id == id)
			return &kdfs[i];
	return NULL;
}

const struct pouch_hpke_aead *
pouch_hpke_aead_get(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(aeads) / sizeof(aeads[0]); i++)
		if (aeads[i].id == id)
			return &aeads[i];
	return NULL;
}

/*
 * A buffer for one labeled input: the stack array when n fits, else a
 * heap block.  Released (wiped) by lbuf_release.
 */
struct lbuf {
	uint8_t		 stack[LABELED_STACK];
	uint8_t		*p;
	size_t		 len;
	size_t		 cap;
};

static int
lbuf_init(struct lbuf *b, size_t n)
{
	b->len = 0;
	b->cap = n;
	if (n <= sizeof(b->stack)) {
		b->p = b->stack;
		return POUCH_OK;
	}
	if ((b->p = OPENSSL_malloc(n)) == NULL)
		return POUCH_E_NOMEM;
	return POUCH_OK;
}

static void
lbuf_put(struct lbuf *b, const void *src, size_t n)
{
	/* lbuf_init sized the buffer for every put. */
	if (n == 0)
		return;
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void
lbuf_release(struct lbuf *b)
{
	if (b->p == NULL)
		return;
	OPENSSL_cleanse(b->p, b->cap);
	if (b->p != b->stack)
		OPENSSL_free(b->p);
	b->p = NULL;
}

/* a + b + c + d without wrapping; 0 on overflow. */
static size_t
sum4(size_t a, size_t b, size_t c, size_t d)
{
	if (b > SIZE_MAX - a || c > SIZE_MAX - a - b ||
	    d > SIZE_MAX - a - b - c)
		return 0;
	return a + b + c + d;
}

/*
 * RFC 9180 4:
 *   labeled_ikm = concat("HPKE-v1", suite_id, label, ikm)
 *   return Extract(salt, labeled_ikm)
 */
int
pouch_hpke_labeled_extract(const struct pouch_crypto *c,
    const struct pouch_hpke_kdf *kdf, const uint8_t *suite_id,
    size_t suite_idlen, const uint8_t *salt, size_t saltlen,
    const char *label, const uint8_t *ikm, size_t ikmlen, uint8_t *prk)
{
	struct lbuf b = { .p = NULL };
	size_t labellen, n;
	int rc;

	if (c == NULL || kdf == NULL || suite_id == NULL || label == NULL ||
	    prk == NULL || (salt == NULL && saltlen != 0) ||
	    (ikm == NULL && ikmlen != 0))
		return POUCH_E_MISUSE;
	labellen = strlen(label);
	if ((n = sum4(sizeof(hpke_v1), suite_idlen, labellen, ikmlen)) == 0)
		return POUCH_E_MISUSE;
	if ((rc = lbuf_init(&b, n)) != POUCH_OK)
		goto out;
	lbuf_put(&b, hpke_v1, sizeof(hpke_v1));
	lbuf_put(&b, suite_id, suite_idlen);
	lbuf_put(&b, label, labellen);
	lbuf_put(&b, ikm, ikmlen);
	rc = pouch_hkdf_extract(c, kdf->hash, salt, saltlen, b.p, b.len, prk);
out:
	lbuf_release(&b);
	return rc;
}

/*
 * RFC 9180 4:
 *   labeled_info = concat(I2OSP(L, 2), "HPKE-v1", suite_id, label, info)
 *   return Expand(prk, labeled_info, L)
 */
int
pouch_hpke_labeled_expand(const struct pouch_crypto *c,
    const struct pouch_hpke_kdf *kdf, const uint8_t *suite_id,
    size_t suite_idlen, const uint8_t *prk, size_t prklen,
    const char *label, const uint8_t *info, size_t infolen, uint8_t *out,
    size_t L)
{
	struct lbuf b = { .p = NULL };
	uint8_t l2[2];
	size_t labellen, n;
	int rc;

	if (c == NULL || kdf == NULL || suite_id == NULL || label == NULL ||
	    prk == NULL || (out == NULL && L != 0) ||
	    (info == NULL && infolen != 0))
		return POUCH_E_MISUSE;
	/* RFC 5869: L <= 255 * Nh; this also keeps I2OSP(L, 2) exact. */
	if (L > 255 * kdf->Nh)
		return POUCH_E_MISUSE;
	if (L == 0)
		return POUCH_OK;	/* export-only key and nonce */
	labellen = strlen(label);
	n = sum4(sizeof(l2) + sizeof(hpke_v1), suite_idlen, labellen,
	    infolen);
	if (n == 0)
		return POUCH_E_MISUSE;
	if ((rc = lbuf_init(&b, n)) != POUCH_OK)
		goto out;
	l2[0] = (uint8_t)(L >> 8);
	l2[1] = (uint8_t)L;
	lbuf_put(&b, l2, sizeof(l2));
	lbuf_put(&b, hpke_v1, sizeof(hpke_v1));
	lbuf_put(&b, suite_id, suite_idlen);
	lbuf_put(&b, label, labellen);
	lbuf_put(&b, info, infolen);
	rc = pouch_hkdf_expand(c, kdf->hash, prk, prklen, b.p, b.len, out, L);
out:
	lbuf_release(&b);
	return rc;
}

int
pouch_hpke_labeled_derive(const struct pouch_crypto *c,
    const struct pouch_hpke_kdf *kdf, const uint8_t *suite_id,
    size_t suite_idlen, const uint8_t *ikm, size_t ikmlen, const char *label,
    const uint8_t *context, size_t contextlen, uint8_t *out, size_t L)
{
	struct lbuf b = { .p = NULL };
	uint8_t l2[2], ll[2];
	size_t labellen, n;
	int rc;

	if (c == NULL || kdf == NULL || kdf->xof == 0 || suite_id == NULL ||
	    label == NULL || (out == NULL && L != 0) ||
	    (ikm == NULL && ikmlen != 0) ||
	    (context == NULL && contextlen != 0))
		return POUCH_E_MISUSE;
	labellen = strlen(label);
	if (L > 0xffff || labellen > 0xffff)
		return POUCH_E_MISUSE;
	if (L == 0)
		return POUCH_OK;	/* export-only key and nonce */
	n = sum4(ikmlen, sizeof(hpke_v1) + sizeof(ll) + sizeof(l2),
	    suite_idlen + labellen, contextlen);
	if (n == 0)
		return POUCH_E_MISUSE;
	if ((rc = lbuf_init(&b, n)) != POUCH_OK)
		goto out;
	ll[0] = (uint8_t)(labellen >> 8);
	ll[1] = (uint8_t)labellen;
	l2[0] = (uint8_t)(L >> 8);
	l2[1] = (uint8_t)L;
	lbuf_put(&b, ikm, ikmlen);
	lbuf_put(&b, hpke_v1, sizeof(hpke_v1));
	lbuf_put(&b, suite_id, suite_idlen);
	lbuf_put(&b, ll, sizeof(ll));
	lbuf_put(&b, label, labellen);
	lbuf_put(&b, l2, sizeof(l2));
	lbuf_put(&b, context, contextlen);
	rc = pouch_xof(c, kdf->xof, b.p, b.len, out, L);
out:
	lbuf_release(&b);
	return rc;
}
