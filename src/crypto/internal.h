/*
 * internal.h - private to src/crypto: the layout of struct pouch_crypto
 * and the helpers its files share (table lookups, NIST-curve scalars and
 * points, the OpenSSL error mapping).  Nothing outside src/crypto may
 * include it; the rest of libpouch sees only crypto.h.
 */
#ifndef POUCH_CRYPTO_INTERNAL_H
#define POUCH_CRYPTO_INTERNAL_H

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "crypto/crypto.h"

#define CRYPTO_HASH_COUNT	3	/* POUCH_SHA256 .. POUCH_SHA512 */
#define CRYPTO_XOF_COUNT	2	/* POUCH_SHAKE128, POUCH_SHAKE256 */
#define CRYPTO_AEAD_COUNT	3	/* AES128GCM .. CHACHA20POLY1305 */

/* The NIST curves, shared by DH (DHKEM) and ECDSA. */
enum pouch_ec_curve {
	POUCH_EC_P256 = 0,
	POUCH_EC_P384,
	POUCH_EC_P521,
	POUCH_EC_COUNT
};

struct pouch_ec_info {
	const char	*name;		/* OSSL_PKEY_PARAM_GROUP_NAME */
	int		 nid;
	size_t		 scalar_len;	/* big-endian private scalar */
	size_t		 point_len;	/* 04 || x || y */
	uint8_t		 top_mask;	/* RFC 9180 7.1.3 bitmask */
};

/* Immutable after pouch_crypto_new; safe to share between threads. */
struct pouch_crypto {
	EVP_MD		*md[CRYPTO_HASH_COUNT];
	EVP_MD		*xof[CRYPTO_XOF_COUNT];
	EVP_MD		*sha3[2];	/* SHA3-256, SHA3-512 (ML-KEM) */
	/* HMAC templates with the digest set, no key: dup, then init. */
	EVP_MAC_CTX	*hmac[CRYPTO_HASH_COUNT];
	EVP_CIPHER	*aead[CRYPTO_AEAD_COUNT];
	EC_GROUP	*ec[POUCH_EC_COUNT];
};

/* provider.c */
const EVP_MD	*pouch_crypto_md(const struct pouch_crypto *c,
		    enum pouch_hash h);
int		 pouch_crypto_fail(int rc);

/* ec.c: NIST-curve keys in the RFC 9180 encodings. */
const struct pouch_ec_info *pouch_ec_info(enum pouch_ec_curve e);
int	pouch_ec_pub_from_priv(const struct pouch_crypto *c,
	    enum pouch_ec_curve e, const uint8_t *priv, uint8_t *pub)
	    POUCH_WARN_UNUSED;
int	pouch_ec_pub_check(const struct pouch_crypto *c,
	    enum pouch_ec_curve e, const uint8_t *pub, size_t publen)
	    POUCH_WARN_UNUSED;
int	pouch_ec_keygen(const struct pouch_crypto *c, enum pouch_ec_curve e,
	    uint8_t *priv, uint8_t *pub) POUCH_WARN_UNUSED;
int	pouch_ec_priv_pkey(const struct pouch_crypto *c,
	    enum pouch_ec_curve e, const uint8_t *priv, const uint8_t *pub,
	    EVP_PKEY **out) POUCH_WARN_UNUSED;
int	pouch_ec_pub_pkey(const struct pouch_crypto *c,
	    enum pouch_ec_curve e, const uint8_t *pub, size_t publen,
	    EVP_PKEY **out) POUCH_WARN_UNUSED;

#endif /* POUCH_CRYPTO_INTERNAL_H */
