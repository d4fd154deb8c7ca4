/*
 * sig.c - signatures: Ed25519 (RFC 8032, through libsodium or OpenSSL),
 * Ed448 (OpenSSL) and ECDSA with P-256/SHA-256, P-384/SHA-384 and
 * P-521/SHA-512 (DER signatures, OpenSSL).  It owns struct pouch_sig_key,
 * a private key loaded once (the EVP_PKEY, or libsodium's 64-byte expanded
 * secret key) and wiped when freed, and the one-shot sign and verify.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <sodium.h>

#include "crypto/internal.h"

struct sig_info {
	const char	*raw_name;	/* EVP key type for Ed25519 / Ed448 */
	enum pouch_ec_curve curve;	/* ECDSA */
	enum pouch_hash	 hash;		/* ECDSA */
	size_t		 priv_len, pub_len, sig_len;
};

static const struct sig_info sig_infos[] = {
	[POUCH_SIG_ED25519] = { "ED25519", POUCH_EC_COUNT, 0, 32, 32, 64 },
	[POUCH_SIG_ED448] = { "ED448", POUCH_EC_COUNT, 0, 57, 57, 114 },
	[POUCH_SIG_P256_SHA256] = { NULL, POUCH_EC_P256, POUCH_SHA256,
	    32, 65, 72 },
	[POUCH_SIG_P384_SHA384] = { NULL, POUCH_EC_P384, POUCH_SHA384,
	    48, 97, 104 },
	[POUCH_SIG_P521_SHA512] = { NULL, POUCH_EC_P521, POUCH_SHA512,
	    66, 133, 139 },
};

struct pouch_sig_key {
	const struct pouch_crypto *c;
	enum pouch_sig	 s;
	int		 sodium;	/* Ed25519 through libsodium */
	EVP_PKEY	*pk;		/* otherwise */
	uint8_t		 sk[crypto_sign_SECRETKEYBYTES];
};

static const struct sig_info *
sig_info(enum pouch_sig s)
{
	int i = (int)s;

	if (i < (int)POUCH_SIG_ED25519 || i > (int)POUCH_SIG_P521_SHA512)
		return NULL;
	return &sig_infos[i];
}

size_t
pouch_sig_priv_len(enum pouch_sig s)
{
	const struct sig_info *si = sig_info(s);

	return si == NULL ? 0 : si->priv_len;
}

size_t
pouch_sig_pub_len(enum pouch_sig s)
{
	const struct sig_info *si = sig_info(s);

	return si == NULL ? 0 : si->pub_len;
}

size_t
pouch_sig_max_len(enum pouch_sig s)
{
	const struct sig_info *si = sig_info(s);

	return si == NULL ? 0 : si->sig_len;
}

/* Whether (s, impl) means libsodium; POUCH_E_* for a bad combination. */
static int
sig_use_sodium(enum pouch_sig s, enum pouch_impl impl, int *sodium)
{
	if (impl != POUCH_IMPL_DEFAULT && impl != POUCH_IMPL_OPENSSL &&
	    impl != POUCH_IMPL_SODIUM)
		return POUCH_E_MISUSE;
	if (sig_info(s) == NULL)
		return POUCH_E_UNSUPPORTED;
	if (s != POUCH_SIG_ED25519 && impl == POUCH_IMPL_SODIUM)
		return POUCH_E_UNSUPPORTED;
	*sodium = s == POUCH_SIG_ED25519 && impl != POUCH_IMPL_OPENSSL;
	return POUCH_OK;
}

int
pouch_sig_pub_from_priv(const struct pouch_crypto *c, enum pouch_sig s,
    const uint8_t *priv, uint8_t *pub)
{
	const struct sig_info *si;
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	EVP_PKEY *pk = NULL;
	size_t n;
	int rc = POUCH_E_CRYPTO;

	if (c == NULL || priv == NULL || pub == NULL)
		return POUCH_E_MISUSE;
	if ((si = sig_info(s)) == NULL)
		return POUCH_E_UNSUPPORTED;
	if (si->raw_name == NULL)
		return pouch_ec_pub_from_priv(c, si->curve, priv, pub);
	if (s == POUCH_SIG_ED25519) {
		if (crypto_sign_seed_keypair(pub, sk, priv) == 0)
			rc = POUCH_OK;
		goto out;
	}
	pk = EVP_PKEY_new_raw_private_key_ex(NULL, si->raw_name, NULL, priv,
	    si->priv_len);
	n = si->pub_len;
	if (pk != NULL && EVP_PKEY_get_raw_public_key(pk, pub, &n) == 1 &&
	    n == si->pub_len)
		rc = POUCH_OK;
out:
	OPENSSL_cleanse(sk, sizeof(sk));
	EVP_PKEY_free(pk);
	return rc == POUCH_OK ? rc : pouch_crypto_fail(rc);
}

int
pouch_sig_keygen(const struct pouch_crypto *c, enum pouch_sig s,
    uint8_t *priv, uint8_t *pub)
{
	const struct sig_info *si;
	int rc;

	if (c == NULL || priv == NULL || pub == NULL)
		return POUCH_E_MISUSE;
	if ((si = sig_info(s)) == NULL)
		return POUCH_E_UNSUPPORTED;
	if (si->raw_name == NULL)
		return pouch_ec_keygen(c, si->curve, priv, pub);
	/* An EdDSA private key is a uniformly random seed. */
	if ((rc = pouch_random(priv, si->priv_len)) != POUCH_OK)
		return rc;
	if ((rc = pouch_sig_pub_from_priv(c, s, priv, pub)) != POUCH_OK)
		OPENSSL_cleanse(priv, si->priv_len);
	return rc;
}

/* The OpenSSL key object for priv (EdDSA seed or ECDSA scalar). */
static int
sig_priv_pkey(const struct pouch_crypto *c, const struct sig_info *si,
    const uint8_t *priv, EVP_PKEY **out)
{
	uint8_t pub[POUCH_SIG_PUB_MAX];
	int rc;

	*out = NULL;
	if (si->raw_name != NULL) {
		*out = EVP_PKEY_new_raw_private_key_ex(NULL, si->raw_name,
		    NULL, priv, si->priv_len);
		return *out != NULL ? POUCH_OK :
		    pouch_crypto_fail(POUCH_E_CRYPTO);
	}
	/* A full key pair, so that OpenSSL never recomputes the point. */
	if ((rc = pouch_ec_pub_from_priv(c, si->curve, priv, pub)) !=
	    POUCH_OK)
		return rc;
	return pouch_ec_priv_pkey(c, si->curve, priv, pub, out);
}

int
pouch_sig_key_new(const struct pouch_crypto *c, enum pouch_sig s,
    enum pouch_impl impl, const uint8_t *priv, size_t privlen,
    struct pouch_sig_key **out)
{
	struct pouch_sig_key *k = NULL;
	uint8_t pub[crypto_sign_PUBLICKEYBYTES];
	int rc, sodium;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (c == NULL || priv == NULL)
		return POUCH_E_MISUSE;
	if ((rc = sig_use_sodium(s, impl, &sodium)) != POUCH_OK)
		return rc;
	if (privlen != sig_info(s)->priv_len)
		return POUCH_E_BAD_KEY;
	if ((k = OPENSSL_secure_zalloc(sizeof(*k))) == NULL)
		return POUCH_E_NOMEM;
	k->c = c;
	k->s = s;
	k->sodium = sodium;
	if (sodium) {
		rc = crypto_sign_seed_keypair(pub, k->sk, priv) == 0 ?
		    POUCH_OK : POUCH_E_CRYPTO;
	} else
		rc = sig_priv_pkey(c, sig_info(s), priv, &k->pk);
	if (rc != POUCH_OK)
		goto out;
	*out = k;
	k = NULL;
out:
	pouch_sig_key_free(k);
	return rc;
}

void
pouch_sig_key_free(struct pouch_sig_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pk);		/* OpenSSL wipes its key material */
	OPENSSL_secure_clear_free(k, sizeof(*k));
}

/* EVP_DigestSign/Verify need no digest for EdDSA, SHA-2 for ECDSA. */
static const EVP_MD *
sig_md(const struct pouch_crypto *c, const struct sig_info *si)
{
	return si->raw_name != NULL ? NULL : pouch_crypto_md(c, si->hash);
}

static int
ossl_sign(const struct pouch_sig_key *k, const uint8_t *msg, size_t msglen,
    uint8_t *sig, size_t *siglen)
{
	const struct sig_info *si = sig_info(k->s);
	EVP_MD_CTX *mctx;
	size_t n = si->sig_len;
	int rc = POUCH_E_CRYPTO;

	if ((mctx = EVP_MD_CTX_new()) == NULL)
		return pouch_crypto_fail(POUCH_E_NOMEM);
	if (EVP_DigestSignInit(mctx, NULL, sig_md(k->c, si), NULL,
	    k->pk) != 1)
		goto out;
	if (EVP_DigestSign(mctx, sig, &n, msg, msglen) != 1)
		goto out;
	if (n > si->sig_len || (si->raw_name != NULL && n != si->sig_len))
		goto out;
	*siglen = n;
	rc = POUCH_OK;
out:
	EVP_MD_CTX_free(mctx);
	return rc == POUCH_OK ? rc : pouch_crypto_fail(rc);
}

int
pouch_sig_key_sign(const struct pouch_sig_key *k, const uint8_t *msg,
    size_t msglen, uint8_t *sig, size_t sigcap, size_t *siglen)
{
	static const uint8_t empty[1];
	size_t max;

	if (siglen == NULL)
		return POUCH_E_MISUSE;
	*siglen = 0;
	if (k == NULL || sig == NULL || (msg == NULL && msglen != 0))
		return POUCH_E_MISUSE;
	if (msglen == 0)
		msg = empty;
	max = sig_info(k->s)->sig_len;
	if (sigcap < max) {
		*siglen = max;
		return POUCH_E_BUFFER_TOO_SMALL;
	}
	if (!k->sodium)
		return ossl_sign(k, msg, msglen, sig, siglen);
	if (crypto_sign_detached(sig, NULL, msg, msglen, k->sk) != 0)
		return POUCH_E_CRYPTO;
	*siglen = crypto_sign_BYTES;
	return POUCH_OK;
}

int
pouch_sig_sign(const struct pouch_crypto *c, enum pouch_sig s,
    const uint8_t *priv, size_t privlen, const uint8_t *msg,
    size_t msglen, uint8_t *sig, size_t sigcap, size_t *siglen)
{
	struct pouch_sig_key *k = NULL;
	int rc;

	if (siglen == NULL)
		return POUCH_E_MISUSE;
	*siglen = 0;
	if (c == NULL || priv == NULL || sig == NULL ||
	    (msg == NULL && msglen != 0))
		return POUCH_E_MISUSE;
	if (sig_info(s) != NULL && sigcap < sig_info(s)->sig_len) {
		*siglen = sig_info(s)->sig_len;
		return POUCH_E_BUFFER_TOO_SMALL;
	}
	if ((rc = pouch_sig_key_new(c, s, POUCH_IMPL_DEFAULT, priv, privlen,
	    &k)) != POUCH_OK)
		goto out;
	rc = pouch_sig_key_sign(k, msg, msglen, sig, sigcap, siglen);
out:
	pouch_sig_key_free(k);
	return rc;
}

static int
ossl_verify(const struct pouch_crypto *c, const struct sig_info *si,
    const uint8_t *pub, size_t publen, const uint8_t *msg, size_t msglen,
    const uint8_t *sig, size_t siglen)
{
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *mctx = NULL;
	int rc;

	if (si->raw_name != NULL) {
		pk = EVP_PKEY_new_raw_public_key_ex(NULL, si->raw_name, NULL,
		    pub, publen);
		rc = pk != NULL ? POUCH_OK : POUCH_E_BAD_KEY;
	} else
		rc = pouch_ec_pub_pkey(c, si->curve, pub, publen, &pk);
	if (rc != POUCH_OK)
		goto out;
	rc = POUCH_E_NOMEM;
	if ((mctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	rc = POUCH_E_CRYPTO;
	if (EVP_DigestVerifyInit(mctx, NULL, sig_md(c, si), NULL, pk) != 1)
		goto out;
	/* 0: wrong signature; <0: malformed (e.g. bad DER).  Both refused. */
	rc = EVP_DigestVerify(mctx, sig, siglen, msg, msglen) == 1 ?
	    POUCH_OK : POUCH_E_BAD_SIGNATURE;
out:
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pk);
	return rc == POUCH_OK ? rc : pouch_crypto_fail(rc);
}

int
pouch_sig_verify(const struct pouch_crypto *c, enum pouch_sig s,
    enum pouch_impl impl, const uint8_t *pub, size_t publen,
    const uint8_t *msg, size_t msglen, const uint8_t *sig, size_t siglen)
{
	static const uint8_t empty[1];
	const struct sig_info *si;
	int rc, sodium;

	if (c == NULL || pub == NULL || sig == NULL ||
	    (msg == NULL && msglen != 0))
		return POUCH_E_MISUSE;
	if (msglen == 0)
		msg = empty;
	if ((rc = sig_use_sodium(s, impl, &sodium)) != POUCH_OK)
		return rc;
	si = sig_info(s);
	if (publen != si->pub_len)
		return POUCH_E_BAD_KEY;
	if (siglen == 0 || siglen > si->sig_len ||
	    (si->raw_name != NULL && siglen != si->sig_len))
		return POUCH_E_BAD_SIGNATURE;
	if (!sodium)
		return ossl_verify(c, si, pub, publen, msg, msglen, sig,
		    siglen);
	return crypto_sign_verify_detached(sig, msg, msglen, pub) == 0 ?
	    POUCH_OK : POUCH_E_BAD_SIGNATURE;
}
