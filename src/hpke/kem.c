/*
 * hpke/kem.c - the KEM table of HPKE: which KEM ids this library serves
 * and the row (struct pouch_hpke_kem) behind each one, the key pair
 * helpers that reach a row by id, and the KEM suite_id that every row
 * uses.  A new KEM (ML-KEM, X-Wing) is one more
 * entry in kems[]; nothing else in the module names a particular KEM.
 */
#include "hpke/hpke.h"

static const struct pouch_hpke_kem *const kems[] = {
	&pouch_hpke_dhkem_p256,
	&pouch_hpke_dhkem_p384,
	&pouch_hpke_dhkem_p521,
	&pouch_hpke_dhkem_x25519,
	&pouch_hpke_dhkem_x448,
	&pouch_hpke_kem_mlkem512,
	&pouch_hpke_kem_mlkem768,
	&pouch_hpke_kem_mlkem1024,
	&pouch_hpke_kem_xwing,
	&pouch_hpke_kem_mlkem768_p256,
	&pouch_hpke_kem_mlkem1024_p384,
};

void
pouch_hpke_kem_suite_id(const struct pouch_hpke_kem *kem,
    uint8_t sid[POUCH_HPKE_KEM_SUITE_ID_LEN])
{
	sid[0] = 'K';
	sid[1] = 'E';
	sid[2] = 'M';
	sid[3] = (uint8_t)(kem->id >> 8);
	sid[4] = (uint8_t)kem->id;
}

const struct pouch_hpke_kem *
pouch_hpke_kem_get(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(kems) / sizeof(kems[0]); i++)
		if (kems[i]->id == id)
			return kems[i];
	return NULL;
}

/* Shared checks of the two key pair helpers; clears the lengths. */
static int
keypair_prep(const struct pouch_crypto *c, uint16_t id,
    const struct pouch_hpke_kem **kemp, uint8_t *sk, size_t skcap,
    size_t *sklen, uint8_t *pk, size_t pkcap, size_t *pklen)
{
	const struct pouch_hpke_kem *kem;

	if (c == NULL || sk == NULL || sklen == NULL || pk == NULL ||
	    pklen == NULL)
		return POUCH_E_MISUSE;
	*sklen = 0;
	*pklen = 0;
	if ((kem = pouch_hpke_kem_get(id)) == NULL)
		return POUCH_E_UNSUPPORTED;
	if (skcap < kem->Nsk || pkcap < kem->Npk) {
		*sklen = kem->Nsk;
		*pklen = kem->Npk;
		return POUCH_E_BUFFER_TOO_SMALL;
	}
	*kemp = kem;
	return POUCH_OK;
}

int
pouch_hpke_derive_keypair(const struct pouch_crypto *c, uint16_t id,
    const uint8_t *ikm, size_t ikmlen, uint8_t *sk, size_t skcap,
    size_t *sklen, uint8_t *pk, size_t pkcap, size_t *pklen)
{
	const struct pouch_hpke_kem *kem = NULL;
	int rc;

	if ((rc = keypair_prep(c, id, &kem, sk, skcap, sklen, pk, pkcap,
	    pklen)) != POUCH_OK)
		return rc;
	if (ikm == NULL && ikmlen != 0)
		return POUCH_E_MISUSE;
	if ((rc = kem->derive_keypair(c, kem, ikm, ikmlen, sk, pk)) !=
	    POUCH_OK)
		return rc;
	*sklen = kem->Nsk;
	*pklen = kem->Npk;
	return POUCH_OK;
}

int
pouch_hpke_generate_keypair(const struct pouch_crypto *c, uint16_t id,
    uint8_t *sk, size_t skcap, size_t *sklen, uint8_t *pk, size_t pkcap,
    size_t *pklen)
{
	const struct pouch_hpke_kem *kem = NULL;
	int rc;

	if ((rc = keypair_prep(c, id, &kem, sk, skcap, sklen, pk, pkcap,
	    pklen)) != POUCH_OK)
		return rc;
	if ((rc = kem->generate_keypair(c, kem, sk, pk)) != POUCH_OK)
		return rc;
	*sklen = kem->Nsk;
	*pklen = kem->Npk;
	return POUCH_OK;
}

int
pouch_hpke_pk_check(const struct pouch_crypto *c, uint16_t id,
    const uint8_t *pk, size_t pklen)
{
	const struct pouch_hpke_kem *kem;

	if (c == NULL || pk == NULL)
		return POUCH_E_MISUSE;
	if ((kem = pouch_hpke_kem_get(id)) == NULL)
		return POUCH_E_UNSUPPORTED;
	return kem->pk_check(c, kem, pk, pklen);
}
