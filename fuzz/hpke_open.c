/*
 * fuzz/hpke_open.c - drives the HPKE receiver (pouch_hpke_open_base: KEM
 * decapsulation with public key validation, key schedule, AEAD open) over
 * hostile enc, aad and ciphertext for every classical KEM and the two
 * PQ/T hybrids over NIST curves (whose enc ends in a point), with a
 * fixed receiver key per KEM derived once from a constant ikm.
 *
 * Input: [sel] [enc: Nenc bytes] [n] [aad: n bytes] [ct: the rest].
 * sel % 7 picks the KEM (P-256, P-384, P-521, X25519, X448,
 * MLKEM768-P256, MLKEM1024-P384) and (sel / 7) % 3 the AEAD; the KDF
 * is HKDF-SHA256 and info is fixed.  A
 * short input gives a short enc, so truncation reaches the key checks.
 * Beyond "never crash", the contract is checked and any break abort()s:
 * a failure leaves *ptlen 0 and the plaintext buffer all zero; a success
 * gives ctlen - 16 bytes and opening again gives the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "hpke/hpke.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t kems[] = {
	POUCH_HPKE_KEM_P256, POUCH_HPKE_KEM_P384, POUCH_HPKE_KEM_P521,
	POUCH_HPKE_KEM_X25519, POUCH_HPKE_KEM_X448,
	POUCH_HPKE_KEM_MLKEM768_P256, POUCH_HPKE_KEM_MLKEM1024_P384
};
static const uint16_t aeads[] = {
	POUCH_HPKE_AEAD_AES128GCM, POUCH_HPKE_AEAD_AES256GCM,
	POUCH_HPKE_AEAD_CHACHA20POLY1305
};
#define NKEM	(sizeof(kems) / sizeof(kems[0]))
#define NAEAD	(sizeof(aeads) / sizeof(aeads[0]))

/* Shared with the corpus generator: the receiver keys come from these. */
static const uint8_t ikmR[] = "pouch fuzz hpke_open receiver ikm, fixed";
static const uint8_t info[] = "pouch fuzz hpke_open";

/* Created once; a fuzzer may keep such state. */
static struct pouch_crypto *crypto;
static uint8_t skR[NKEM][POUCH_HPKE_SK_MAX];
static size_t skRlen[NKEM];

static int
init_once(void)
{
	uint8_t pk[POUCH_HPKE_PK_MAX];
	size_t pklen, k;

	if (crypto != NULL)
		return 0;
	if (pouch_crypto_new(&crypto) != POUCH_OK)
		abort();
	for (k = 0; k < NKEM; k++)
		if (pouch_hpke_derive_keypair(crypto, kems[k], ikmR,
		    sizeof(ikmR), skR[k], sizeof(skR[k]), &skRlen[k], pk,
		    sizeof(pk), &pklen) != POUCH_OK)
			abort();
	return 0;
}

static int
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pouch_hpke_kem *kem;
	const uint8_t *enc, *aad, *ct;
	uint8_t *pt = NULL, *again = NULL;
	size_t k, a, enclen, aadlen, ctlen, ptcap, ptlen, ptlen2;
	int rc;

	init_once();
	if (size < 1)
		return 0;
	k = data[0] % NKEM;
	a = (data[0] / NKEM) % NAEAD;
	kem = pouch_hpke_kem_get(kems[k]);
	data++;
	size--;
	enclen = size < kem->Nenc ? size : kem->Nenc;
	enc = data;
	data += enclen;
	size -= enclen;
	aadlen = 0;
	if (size > 0) {
		aadlen = data[0] <= size - 1 ? data[0] : size - 1;
		data++;
		size--;
	}
	aad = data;
	data += aadlen;
	size -= aadlen;
	ct = data;
	ctlen = size;

	ptcap = ctlen;
	if ((pt = malloc(ptcap + 1)) == NULL ||
	    (again = malloc(ptcap + 1)) == NULL)
		goto out;
	memset(pt, 0xa5, ptcap + 1);
	ptlen = 1234;
	rc = pouch_hpke_open_base(crypto, kems[k], POUCH_HPKE_KDF_HKDF_SHA256,
	    aeads[a], skR[k], skRlen[k], enc, enclen, info, sizeof(info), aad,
	    aadlen, ct, ctlen, pt, ptcap, &ptlen);
	if (rc != POUCH_OK) {
		if (ptlen != 0)
			abort();
		/* never a partial plaintext (the bytes past ptcap are ours) */
		if (ctlen >= POUCH_HPKE_NT && rc == POUCH_E_DECRYPT &&
		    !all_zero(pt, ctlen - POUCH_HPKE_NT))
			abort();
		goto out;
	}
	if (ptlen != ctlen - POUCH_HPKE_NT)
		abort();
	rc = pouch_hpke_open_base(crypto, kems[k], POUCH_HPKE_KDF_HKDF_SHA256,
	    aeads[a], skR[k], skRlen[k], enc, enclen, info, sizeof(info), aad,
	    aadlen, ct, ctlen, again, ptcap, &ptlen2);
	if (rc != POUCH_OK || ptlen2 != ptlen || memcmp(pt, again, ptlen) != 0)
		abort();
out:
	free(pt);
	free(again);
	return 0;
}
