/*
 * provider.c - the lifetime of struct pouch_crypto: every OpenSSL
 * algorithm libpouch uses is fetched here once (SHA-2 digests, HMAC
 * templates with their digest already set, SHAKE and the SHA-3 digests
 * that ML-KEM lends, the three AEAD ciphers and the NIST curve groups),
 * and libsodium is initialised.  It also owns the one
 * place where an OpenSSL failure is turned into a POUCH_E_* code.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include <sodium.h>

#include "crypto/internal.h"

static const char *const xof_names[CRYPTO_XOF_COUNT] = {
	"SHAKE128", "SHAKE256"
};

static const char *const md_names[CRYPTO_HASH_COUNT] = {
	"SHA2-256", "SHA2-384", "SHA2-512"
};
static const char *const aead_names[CRYPTO_AEAD_COUNT] = {
	"AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305"
};

/*
 * Drop what OpenSSL queued for this thread so that a long-lived host does
 * not accumulate our errors, and pass rc through.
 */
int
pouch_crypto_fail(int rc)
{
	ERR_clear_error();
	return rc;
}

const EVP_MD *
pouch_crypto_md(const struct pouch_crypto *c, enum pouch_hash h)
{
	int i = (int)h - 1;

	if (c == NULL || i < 0 || i >= CRYPTO_HASH_COUNT)
		return NULL;
	return c->md[i];
}

int
pouch_crypto_keccak_mds(const struct pouch_crypto *c, EVP_MD *md[4])
{
	if (md == NULL)
		return POUCH_E_MISUSE;
	memset(md, 0, 4 * sizeof(md[0]));
	if (c == NULL)
		return POUCH_E_MISUSE;
	md[0] = c->sha3[0];
	md[1] = c->sha3[1];
	md[2] = c->xof[POUCH_SHAKE128 - 1];
	md[3] = c->xof[POUCH_SHAKE256 - 1];
	return POUCH_OK;
}

static int
fetch_hmac(EVP_MAC *mac, const char *mdname, EVP_MAC_CTX **out)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *m;

	if ((m = EVP_MAC_CTX_new(mac)) == NULL)
		return POUCH_E_NOMEM;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)mdname, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_CTX_set_params(m, params)) {
		EVP_MAC_CTX_free(m);
		return POUCH_E_CRYPTO;
	}
	*out = m;
	return POUCH_OK;
}

int
pouch_crypto_new(struct pouch_crypto **out)
{
	struct pouch_crypto *c = NULL;
	EVP_MAC *mac = NULL;
	int i, rc = POUCH_E_CRYPTO;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (sodium_init() < 0)
		return POUCH_E_CRYPTO;
	if ((c = OPENSSL_zalloc(sizeof(*c))) == NULL)
		return POUCH_E_NOMEM;
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		goto out;
	for (i = 0; i < CRYPTO_HASH_COUNT; i++) {
		if ((c->md[i] = EVP_MD_fetch(NULL, md_names[i], NULL)) == NULL)
			goto out;
		if ((rc = fetch_hmac(mac, md_names[i], &c->hmac[i])) !=
		    POUCH_OK)
			goto out;
		rc = POUCH_E_CRYPTO;
	}
	for (i = 0; i < CRYPTO_XOF_COUNT; i++)
		if ((c->xof[i] = EVP_MD_fetch(NULL, xof_names[i], NULL)) ==
		    NULL)
			goto out;
	if ((c->sha3[0] = EVP_MD_fetch(NULL, "SHA3-256", NULL)) == NULL ||
	    (c->sha3[1] = EVP_MD_fetch(NULL, "SHA3-512", NULL)) == NULL)
		goto out;
	for (i = 0; i < CRYPTO_AEAD_COUNT; i++) {
		c->aead[i] = EVP_CIPHER_fetch(NULL, aead_names[i], NULL);
		if (c->aead[i] == NULL)
			goto out;
	}
	for (i = 0; i < POUCH_EC_COUNT; i++) {
		c->ec[i] = EC_GROUP_new_by_curve_name_ex(NULL, NULL,
		    pouch_ec_info((enum pouch_ec_curve)i)->nid);
		if (c->ec[i] == NULL)
			goto out;
	}
	*out = c;
	c = NULL;
	rc = POUCH_OK;
out:
	EVP_MAC_free(mac);
	pouch_crypto_free(c);
	if (rc != POUCH_OK)
		ERR_clear_error();
	return rc;
}

void
pouch_crypto_free(struct pouch_crypto *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < CRYPTO_HASH_COUNT; i++) {
		EVP_MAC_CTX_free(c->hmac[i]);
		EVP_MD_free(c->md[i]);
	}
	for (i = 0; i < CRYPTO_XOF_COUNT; i++)
		EVP_MD_free(c->xof[i]);
	EVP_MD_free(c->sha3[0]);
	EVP_MD_free(c->sha3[1]);
	for (i = 0; i < CRYPTO_AEAD_COUNT; i++)
		EVP_CIPHER_free(c->aead[i]);
	for (i = 0; i < POUCH_EC_COUNT; i++)
		EC_GROUP_free(c->ec[i]);
	OPENSSL_free(c);
}
