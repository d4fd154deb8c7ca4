/*
 * hpke/single.c - the single-shot base-mode API of RFC 9180 6.1, SealBase
 * and OpenBase, on which the MLS layer builds EncryptWithLabel and
 * DecryptWithLabel (RFC 9420 5.1.3).  Each call checks every size before
 * any public-key work, sets up a context, runs one Seal or Open at
 * sequence number 0 and frees (wipes) the context.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "hpke/hpke.h"

/* The rows of a suite, or POUCH_E_UNSUPPORTED; export-only is MISUSE. */
static int
suite_rows(uint16_t kem, uint16_t kdf, uint16_t aead,
    const struct pouch_hpke_kem **kemp, const struct pouch_hpke_aead **aeadp)
{
	if ((*kemp = pouch_hpke_kem_get(kem)) == NULL ||
	    pouch_hpke_kdf_get(kdf) == NULL ||
	    (*aeadp = pouch_hpke_aead_get(aead)) == NULL)
		return POUCH_E_UNSUPPORTED;
	/* RFC 9180 7.3: the export-only AEAD has no Seal or Open. */
	if ((*aeadp)->Nk == 0)
		return POUCH_E_MISUSE;
	return POUCH_OK;
}

static int
seal_common(const struct pouch_crypto *c, uint16_t kem, uint16_t kdf,
    uint16_t aead, const uint8_t *pkR, size_t pkRlen, const uint8_t *info,
    size_t infolen, const uint8_t *aad, size_t aadlen, const uint8_t *pt,
    size_t ptlen, const uint8_t *ikmE, size_t ikmElen, uint8_t *enc,
    size_t enccap, size_t *enclen, uint8_t *ct, size_t ctcap, size_t *ctlen)
{
	struct pouch_hpke_params p = {
		.mode = POUCH_HPKE_MODE_BASE, .kem = kem, .kdf = kdf,
		.aead = aead, .info = info, .infolen = infolen
	};
	const struct pouch_hpke_kem *kr;
	const struct pouch_hpke_aead *ar;
	struct pouch_hpke_ctx *ctx = NULL;
	size_t elen = 0;
	int rc;

	if (c == NULL || pkR == NULL || enc == NULL || enclen == NULL ||
	    ct == NULL || ctlen == NULL || (info == NULL && infolen != 0) ||
	    (aad == NULL && aadlen != 0) || (pt == NULL && ptlen != 0))
		return POUCH_E_MISUSE;
	*enclen = 0;
	*ctlen = 0;
	if ((rc = suite_rows(kem, kdf, aead, &kr, &ar)) != POUCH_OK)
		return rc;
	if (ptlen > SIZE_MAX - ar->Nt)
		return POUCH_E_TOO_LARGE;
	if (enccap < kr->Nenc || ctcap < ptlen + ar->Nt) {
		*enclen = kr->Nenc;
		*ctlen = ptlen + ar->Nt;
		return POUCH_E_BUFFER_TOO_SMALL;
	}
	/* RFC 9180 6.1: enc, ctx = SetupBaseS(pkR, info) */
	if ((rc = pouch_hpke_setup_sender(c, &p, pkR, pkRlen, ikmE, ikmElen,
	    enc, enccap, &elen, &ctx, NULL)) != POUCH_OK)
		goto out;
	/* ct = ctx.Seal(aad, pt) */
	if ((rc = pouch_hpke_seal(c, ctx, aad, aadlen, pt, ptlen, ct, ctcap,
	    ctlen)) != POUCH_OK)
		goto out;
	*enclen = elen;
out:
	if (rc != POUCH_OK) {
		memset(enc, 0, kr->Nenc);
		*ctlen = 0;
	}
	pouch_hpke_ctx_free(ctx);
	return rc;
}

int
pouch_hpke_seal_base(const struct pouch_crypto *c, uint16_t kem,
    uint16_t kdf, uint16_t aead, const uint8_t *pkR, size_t pkRlen,
    const uint8_t *info, size_t infolen, const uint8_t *aad, size_t aadlen,
    const uint8_t *pt, size_t ptlen, uint8_t *enc, size_t enccap,
    size_t *enclen, uint8_t *ct, size_t ctcap, size_t *ctlen)
{
	return seal_common(c, kem, kdf, aead, pkR, pkRlen, info, infolen, aad,
	    aadlen, pt, ptlen, NULL, 0, enc, enccap, enclen, ct, ctcap, ctlen);
}

int
pouch_hpke_seal_base_derand(const struct pouch_crypto *c, uint16_t kem,
    uint16_t kdf, uint16_t aead, const uint8_t *pkR, size_t pkRlen,
    const uint8_t *info, size_t infolen, const uint8_t *aad, size_t aadlen,
    const uint8_t *pt, size_t ptlen, const uint8_t *ikmE, size_t ikmElen,
    uint8_t *enc, size_t enccap, size_t *enclen, uint8_t *ct, size_t ctcap,
    size_t *ctlen)
{
	if (ikmE == NULL)
		return POUCH_E_MISUSE;
	return seal_common(c, kem, kdf, aead, pkR, pkRlen, info, infolen, aad,
	    aadlen, pt, ptlen, ikmE, ikmElen, enc, enccap, enclen, ct, ctcap,
	    ctlen);
}

int
pouch_hpke_open_base(const struct pouch_crypto *c, uint16_t kem,
    uint16_t kdf, uint16_t aead, const uint8_t *skR, size_t skRlen,
    const uint8_t *enc, size_t enclen, const uint8_t *info, size_t infolen,
    const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t ctlen,
    uint8_t *pt, size_t ptcap, size_t *ptlen)
{
	struct pouch_hpke_params p = {
		.mode = POUCH_HPKE_MODE_BASE, .kem = kem, .kdf = kdf,
		.aead = aead, .info = info, .infolen = infolen
	};
	const struct pouch_hpke_kem *kr;
	const struct pouch_hpke_aead *ar;
	struct pouch_hpke_ctx *ctx = NULL;
	int rc;

	if (c == NULL || skR == NULL || enc == NULL || ptlen == NULL ||
	    (pt == NULL && ptcap != 0) || (info == NULL && infolen != 0) ||
	    (aad == NULL && aadlen != 0) || (ct == NULL && ctlen != 0))
		return POUCH_E_MISUSE;
	*ptlen = 0;
	if ((rc = suite_rows(kem, kdf, aead, &kr, &ar)) != POUCH_OK)
		return rc;
	if (ctlen < ar->Nt)
		return POUCH_E_DECRYPT;
	if (ptcap < ctlen - ar->Nt) {
		*ptlen = ctlen - ar->Nt;
		return POUCH_E_BUFFER_TOO_SMALL;
	}
	/* RFC 9180 6.1: ctx = SetupBaseR(enc, skR, info) */
	if ((rc = pouch_hpke_setup_receiver(c, &p, enc, enclen, skR, skRlen,
	    &ctx, NULL)) != POUCH_OK)
		goto out;
	/* return ctx.Open(aad, ct); it zeroes pt on failure */
	rc = pouch_hpke_open(c, ctx, aad, aadlen, ct, ctlen, pt, ptcap, ptlen);
out:
	pouch_hpke_ctx_free(ctx);
	return rc;
}
