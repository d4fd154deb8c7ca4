/*
 * suite.c - the table of RFC 9420 cipher suites (17.1).  Each row names the
 * primitives of one suite; nothing else in the MLS module hard-codes an
 * algorithm.  The last row is the post-quantum hybrid suite (X-Wing).
 */
#include <string.h>

#include <pouch/err.h>

#include "mls/suite.h"

/* HPKE code points, RFC 9180 7. */
#define KEM_P256	0x0010
#define KEM_P521	0x0012
#define KEM_P384	0x0011
#define KEM_X25519	0x0020
#define KEM_X448	0x0021
#define KEM_XWING	0x647a
#define KEM_MLKEM512	0x0040	/* no MLS suite yet: pouch_mls_suite_pq */
#define KEM_MLKEM768	0x0041
#define KEM_MLKEM1024	0x0042
#define KDF_SHA256	0x0001
#define KDF_SHA384	0x0002
#define KDF_SHA512	0x0003
#define AEAD_AES128	0x0001
#define AEAD_AES256	0x0002
#define AEAD_CHACHA	0x0003

static const struct pouch_mls_suite suites[] = {
	{ 0x0001, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
	    POUCH_SHA256, 32, POUCH_AES128GCM, 16, 12,
	    KEM_X25519, KDF_SHA256, AEAD_AES128, POUCH_SIG_ED25519 },
	{ 0x0002, "MLS_128_DHKEMP256_AES128GCM_SHA256_P256",
	    POUCH_SHA256, 32, POUCH_AES128GCM, 16, 12,
	    KEM_P256, KDF_SHA256, AEAD_AES128, POUCH_SIG_P256_SHA256 },
	{ 0x0003, "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519",
	    POUCH_SHA256, 32, POUCH_CHACHA20POLY1305, 32, 12,
	    KEM_X25519, KDF_SHA256, AEAD_CHACHA, POUCH_SIG_ED25519 },
	{ 0x0004, "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448",
	    POUCH_SHA512, 64, POUCH_AES256GCM, 32, 12,
	    KEM_X448, KDF_SHA512, AEAD_AES256, POUCH_SIG_ED448 },
	{ 0x0005, "MLS_256_DHKEMP521_AES256GCM_SHA512_P521",
	    POUCH_SHA512, 64, POUCH_AES256GCM, 32, 12,
	    KEM_P521, KDF_SHA512, AEAD_AES256, POUCH_SIG_P521_SHA512 },
	{ 0x0006, "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448",
	    POUCH_SHA512, 64, POUCH_CHACHA20POLY1305, 32, 12,
	    KEM_X448, KDF_SHA512, AEAD_CHACHA, POUCH_SIG_ED448 },
	{ 0x0007, "MLS_256_DHKEMP384_AES256GCM_SHA384_P384",
	    POUCH_SHA384, 48, POUCH_AES256GCM, 32, 12,
	    KEM_P384, KDF_SHA384, AEAD_AES256, POUCH_SIG_P384_SHA384 },
	/* post-quantum hybrid: see POUCH_MLS_SUITE_HYBRID in suite.h */
	{ POUCH_MLS_SUITE_HYBRID,
	    "MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519",
	    POUCH_SHA256, 32, POUCH_AES128GCM, 16, 12,
	    KEM_XWING, KDF_SHA256, AEAD_AES128, POUCH_SIG_ED25519 },
};

static const uint16_t suite_ids[] = {
	1, 2, 3, 4, 5, 6, 7, POUCH_MLS_SUITE_HYBRID
};

const struct pouch_mls_suite *
pouch_mls_suite_get(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

int
pouch_mls_suite_pq(const struct pouch_mls_suite *s)
{
	if (s == NULL)
		return 0;
	switch (s->hpke_kem) {
	case KEM_XWING:
	case KEM_MLKEM512:
	case KEM_MLKEM768:
	case KEM_MLKEM1024:
		return 1;
	default:
		return 0;
	}
}

int
pouch_mls_suite_downgrade(const struct pouch_mls_suite *from,
    const struct pouch_mls_suite *to)
{
	return pouch_mls_suite_pq(from) && !pouch_mls_suite_pq(to);
}

int
pouch_mls_suite_alias(uint16_t code, struct pouch_mls_suite *out)
{
	const struct pouch_mls_suite *h;

	memset(out, 0, sizeof(*out));
	if (code == 0 || pouch_mls_suite_get(code) != NULL ||
	    (code & 0x0f0f) == 0x0a0a)
		return POUCH_E_MISUSE;
	if ((h = pouch_mls_suite_get(POUCH_MLS_SUITE_HYBRID)) == NULL)
		return POUCH_E_MISUSE;
	*out = *h;
	out->id = code;
	return POUCH_OK;
}

const struct pouch_mls_suite *
pouch_mls_suite_find(const struct pouch_mls_suite *alias, uint16_t id)
{
	if (alias != NULL && alias->id == id)
		return alias;
	return pouch_mls_suite_get(id);
}

int
pouch_mls_suite_in_table(const struct pouch_mls_suite *s)
{
	size_t i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (s == &suites[i])
			return 1;
	return 0;
}

const uint16_t *
pouch_mls_suite_ids(size_t *n)
{
	*n = sizeof(suite_ids) / sizeof(suite_ids[0]);
	return suite_ids;
}
