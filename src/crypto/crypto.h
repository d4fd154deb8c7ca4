/*
 * crypto - the one cryptographic provider of libpouch.
 *
 * This module owns every call into OpenSSL 3 (and libsodium, which serves
 * X25519 and Ed25519 where bench/ shows it faster): hashes, HMAC, HKDF,
 * AEAD, Diffie-Hellman for DHKEM, signatures and randomness.  It knows no
 * protocol.  Algorithms are fetched once, into a struct pouch_crypto that
 * the caller creates and passes down; there is no global mutable state and
 * no per-call EVP_*_fetch on a hot path.  Every OpenSSL failure becomes a
 * POUCH_E_* code, every secret local is wiped with OPENSSL_cleanse, and
 * secrets are compared only with CRYPTO_memcmp.  A pouch_crypto is
 * immutable after creation and may be shared between threads.
 *
 * Key encodings are those of RFC 9180 7.1 / RFC 9420 5.1:
 *   X25519/X448: raw little-endian (32 / 56 bytes), private and public;
 *   P-256/384/521: private = big-endian scalar (32 / 48 / 66 bytes),
 *     public = uncompressed SEC1 point 04||x||y (65 / 97 / 133 bytes);
 *   Ed25519/Ed448 private = the RFC 8032 seed (32 / 57 bytes),
 *     public = 32 / 57 bytes, signature 64 / 114 bytes;
 *   ECDSA signatures are DER-encoded ECDSA-Sig-Value (RFC 8446 4.2.3).
 */
#ifndef POUCH_CRYPTO_H
#define POUCH_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <pouch/err.h>

struct pouch_crypto;

/*
 * Create the provider: fetch every algorithm once.  POUCH_E_CRYPTO when
 * OpenSSL lacks one; POUCH_E_NOMEM.  Free with pouch_crypto_free (NULL ok).
 */
int	pouch_crypto_new(struct pouch_crypto **out) POUCH_WARN_UNUSED;
void	pouch_crypto_free(struct pouch_crypto *c);

/* Which implementation serves X25519 / Ed25519 (for tests and bench). */
enum pouch_impl {
	POUCH_IMPL_DEFAULT = 0,		/* the faster one: libsodium */
	POUCH_IMPL_OPENSSL,
	POUCH_IMPL_SODIUM
};

/* ---- randomness ---------------------------------------------------- */

/* RAND_bytes; POUCH_E_RANDOM on failure (out is then zeroed). */
int	pouch_random(uint8_t *out, size_t len) POUCH_WARN_UNUSED;

/* ---- hashes, HMAC, HKDF -------------------------------------------- */

/*
 * A message in parts, processed as their concatenation so that callers
 * need not copy a large body behind a small header.
 */
struct pouch_part {
	const uint8_t	*p;
	size_t		 n;
};

enum pouch_hash {
	POUCH_SHA256 = 1,
	POUCH_SHA384 = 2,
	POUCH_SHA512 = 3
};
#define POUCH_HASH_MAX		64	/* largest digest, bytes */

/* Digest length in bytes; 0 for an unknown hash. */
size_t	pouch_hash_len(enum pouch_hash h);
int	pouch_hash(const struct pouch_crypto *c, enum pouch_hash h,
	    const uint8_t *in, size_t inlen, uint8_t *out) POUCH_WARN_UNUSED;
/* The digest of the parts' concatenation. */
int	pouch_hash_parts(const struct pouch_crypto *c, enum pouch_hash h,
	    const struct pouch_part *parts, size_t nparts, uint8_t *out)
	    POUCH_WARN_UNUSED;
/* out gets pouch_hash_len(h) bytes. */
int	pouch_hmac(const struct pouch_crypto *c, enum pouch_hash h,
	    const uint8_t *key, size_t keylen, const uint8_t *in, size_t inlen,
	    uint8_t *out) POUCH_WARN_UNUSED;
/* RFC 5869 HKDF-Extract: prk gets pouch_hash_len(h) bytes. */
int	pouch_hkdf_extract(const struct pouch_crypto *c, enum pouch_hash h,
	    const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
	    size_t ikmlen, uint8_t *prk) POUCH_WARN_UNUSED;
/* RFC 5869 HKDF-Expand: len <= 255 * hash length, else POUCH_E_MISUSE. */
int	pouch_hkdf_expand(const struct pouch_crypto *c, enum pouch_hash h,
	    const uint8_t *prk, size_t prklen, const uint8_t *info,
	    size_t infolen, uint8_t *out, size_t len) POUCH_WARN_UNUSED;

/* ---- extendable-output functions (FIPS 202) -------------------- */

enum pouch_xof {
	POUCH_SHAKE128 = 1,
	POUCH_SHAKE256 = 2
};

/* out gets outlen bytes of SHAKE(in); one-shot.  UNSUPPORTED otherwise. */
int	pouch_xof(const struct pouch_crypto *c, enum pouch_xof x,
	    const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen)
	    POUCH_WARN_UNUSED;

/*
 * The four Keccak digests ML-KEM hashes with (src/mlkem), as fetched
 * once by pouch_crypto_new: md[0..3] = SHA3-256, SHA3-512, SHAKE128,
 * SHAKE256, lent: no reference is taken (an up-reference and its release
 * are four atomic operations each, per KEM operation), so they are valid
 * while c lives and the caller must not free them.  POUCH_E_MISUSE on
 * NULL (md[] then all NULL).
 */
struct evp_md_st;
int	pouch_crypto_keccak_mds(const struct pouch_crypto *c,
	    struct evp_md_st *md[4]) POUCH_WARN_UNUSED;

/* ---- AEAD ------------------------------------------------------------ */

enum pouch_aead {
	POUCH_AES128GCM = 1,
	POUCH_AES256GCM = 2,
	POUCH_CHACHA20POLY1305 = 3
};
#define POUCH_AEAD_TAG_BYTES	16
#define POUCH_AEAD_NONCE_BYTES	12
#define POUCH_AEAD_KEY_MAX	32

/* Key length (16 or 32); 0 for an unknown AEAD. */
size_t	pouch_aead_key_len(enum pouch_aead a);
/*
 * Seal: ct gets ptlen + 16 bytes (ciphertext || tag).  ct may equal pt
 * (in place) but must not otherwise overlap it; the same holds for open,
 * where a failure zeroes the output, and so the ciphertext when in place.
 * POUCH_E_BUFFER_TOO_SMALL when ctcap is short.
 */
int	pouch_aead_seal(const struct pouch_crypto *c, enum pouch_aead a,
	    const uint8_t *key, const uint8_t nonce[12], const uint8_t *aad,
	    size_t aadlen, const uint8_t *pt, size_t ptlen, uint8_t *ct,
	    size_t ctcap, size_t *ctlen) POUCH_WARN_UNUSED;
/*
 * Open: authenticates before releasing anything.  POUCH_E_DECRYPT on a bad
 * tag (pt is then zeroed), POUCH_E_MALFORMED when ctlen < 16.
 */
int	pouch_aead_open(const struct pouch_crypto *c, enum pouch_aead a,
	    const uint8_t *key, const uint8_t nonce[12], const uint8_t *aad,
	    size_t aadlen, const uint8_t *ct, size_t ctlen, uint8_t *pt,
	    size_t ptcap, size_t *ptlen) POUCH_WARN_UNUSED;

/* ---- Diffie-Hellman (for DHKEM) ------------------------------------ */

enum pouch_dh {
	POUCH_DH_P256 = 1,
	POUCH_DH_P384 = 2,
	POUCH_DH_P521 = 3,
	POUCH_DH_X25519 = 4,
	POUCH_DH_X448 = 5
};
#define POUCH_DH_PRIV_MAX	66
#define POUCH_DH_PUB_MAX	133
#define POUCH_DH_SHARED_MAX	66

size_t	pouch_dh_priv_len(enum pouch_dh d);	/* Nsk */
size_t	pouch_dh_pub_len(enum pouch_dh d);	/* Npk */
size_t	pouch_dh_shared_len(enum pouch_dh d);	/* Ndh */

/* A fresh random key pair in the encodings above. */
int	pouch_dh_keygen(const struct pouch_crypto *c, enum pouch_dh d,
	    enum pouch_impl impl, uint8_t *priv, uint8_t *pub)
	    POUCH_WARN_UNUSED;
/*
 * The public key of priv.  For the NIST curves POUCH_E_BAD_KEY when the
 * scalar is 0 or >= the group order (RFC 9180 7.1.3 DeriveKeyPair loops on
 * that).  X25519/X448 accept any bytes (clamping is part of the function).
 */
int	pouch_dh_pub_from_priv(const struct pouch_crypto *c, enum pouch_dh d,
	    enum pouch_impl impl, const uint8_t *priv, uint8_t *pub)
	    POUCH_WARN_UNUSED;
/*
 * Check a peer's public key: POUCH_E_BAD_KEY when it has the wrong length
 * or (NIST curves) is not an uncompressed point on the curve.
 */
int	pouch_dh_pub_check(const struct pouch_crypto *c, enum pouch_dh d,
	    const uint8_t *pub, size_t publen) POUCH_WARN_UNUSED;
/*
 * shared = DH(priv, pub), pouch_dh_shared_len(d) bytes (the x-coordinate
 * for the NIST curves).  POUCH_E_BAD_KEY for an invalid public key,
 * POUCH_E_ZERO_SHARED for an all-zero X25519/X448 result (RFC 9180 7.1.4).
 */
int	pouch_dh(const struct pouch_crypto *c, enum pouch_dh d,
	    enum pouch_impl impl, const uint8_t *priv, const uint8_t *pub,
	    size_t publen, uint8_t *shared) POUCH_WARN_UNUSED;

/* ---- signatures ---------------------------------------------------- */

enum pouch_sig {
	POUCH_SIG_ED25519 = 1,
	POUCH_SIG_ED448 = 2,
	POUCH_SIG_P256_SHA256 = 3,
	POUCH_SIG_P384_SHA384 = 4,
	POUCH_SIG_P521_SHA512 = 5
};
#define POUCH_SIG_PRIV_MAX	66
#define POUCH_SIG_PUB_MAX	133
#define POUCH_SIG_MAX		139	/* DER ECDSA P-521 at most */

size_t	pouch_sig_priv_len(enum pouch_sig s);
size_t	pouch_sig_pub_len(enum pouch_sig s);
/* The largest signature; Ed* signatures are exactly this long. */
size_t	pouch_sig_max_len(enum pouch_sig s);

int	pouch_sig_keygen(const struct pouch_crypto *c, enum pouch_sig s,
	    uint8_t *priv, uint8_t *pub) POUCH_WARN_UNUSED;
int	pouch_sig_pub_from_priv(const struct pouch_crypto *c,
	    enum pouch_sig s, const uint8_t *priv, uint8_t *pub)
	    POUCH_WARN_UNUSED;

/*
 * A private signing key loaded once (expanded, key object built) so that
 * repeated signing does not redo that work.  Wiped on free.  The key keeps
 * a pointer to c: the provider must outlive it.
 */
struct pouch_sig_key;
int	pouch_sig_key_new(const struct pouch_crypto *c, enum pouch_sig s,
	    enum pouch_impl impl, const uint8_t *priv, size_t privlen,
	    struct pouch_sig_key **out) POUCH_WARN_UNUSED;
void	pouch_sig_key_free(struct pouch_sig_key *k);
/*
 * sig gets at most pouch_sig_max_len(s) bytes; *siglen the real length.
 * sigcap must be at least pouch_sig_max_len(s) even though a DER ECDSA
 * signature is usually shorter: POUCH_E_BUFFER_TOO_SMALL otherwise, with
 * *siglen set to that maximum.
 */
int	pouch_sig_key_sign(const struct pouch_sig_key *k, const uint8_t *msg,
	    size_t msglen, uint8_t *sig, size_t sigcap, size_t *siglen)
	    POUCH_WARN_UNUSED;
/*
 * A message in parts, signed as their concatenation (no copy needed);
 * at most 8 parts (POUCH_E_MISUSE beyond).
 */
int	pouch_sig_key_sign_parts(const struct pouch_sig_key *k,
	    const struct pouch_part *parts, size_t nparts, uint8_t *sig,
	    size_t sigcap, size_t *siglen) POUCH_WARN_UNUSED;
/* One-shot: load priv, sign, wipe. */
int	pouch_sig_sign(const struct pouch_crypto *c, enum pouch_sig s,
	    const uint8_t *priv, size_t privlen, const uint8_t *msg,
	    size_t msglen, uint8_t *sig, size_t sigcap, size_t *siglen)
	    POUCH_WARN_UNUSED;
/*
 * POUCH_OK when sig is a valid signature of msg under pub;
 * POUCH_E_BAD_SIGNATURE otherwise (including a malformed signature);
 * POUCH_E_BAD_KEY for a malformed public key.
 */
int	pouch_sig_verify(const struct pouch_crypto *c, enum pouch_sig s,
	    enum pouch_impl impl, const uint8_t *pub, size_t publen,
	    const uint8_t *msg, size_t msglen, const uint8_t *sig,
	    size_t siglen) POUCH_WARN_UNUSED;

/* ---- constant time ------------------------------------------------- */

/* 0 when equal, -1 otherwise; time depends only on len. */
int	pouch_ct_eq(const void *a, const void *b, size_t len);

#endif /* POUCH_CRYPTO_H */
