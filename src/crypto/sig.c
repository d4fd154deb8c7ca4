/*
 * sig.c - signatures: Ed25519 (RFC 8032, through libsodium or OpenSSL),
 * Ed448 (OpenSSL) and ECDSA with P-256/SHA-256, P-384/SHA-384 and
 * P-521/SHA-512 (DER signatures, OpenSSL).  It owns struct pouch_sig_key,
 * a private key loaded once (the EVP_PKEY, or the expanded Ed25519 key)
 * and wiped when freed, and the one-shot sign and verify.
 *
 * The default Ed25519 signer is RFC 8032 5.1.6 put together from
 * libsodium's constant-time group and scalar operations (the base-point
 * multiple, reduction, multiplication and addition mod L) and OpenSSL's
 * SHA-512.  A signature hashes its message twice, and OpenSSL's SHA-512
 * (assembly) runs about 1.5 times as fast as libsodium's portable one:
 * for an MLS commit of 25 KB the hashing is most of the signing cost.
 * Hashing in parts also spares callers that sign label || content a copy.
 * The output is, byte for byte, libsodium's crypto_sign_detached, which
 * tests/crypto/test_sig.c checks over many lengths and keys; verification
 * stays libsodium's own.
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
	/* Ed25519 (RFC 8032 5.1.5): a = s mod L, the nonce prefix, A */
	uint8_t		 a[crypto_core_ed25519_SCALARBYTES];
	uint8_t		 prefix[32];
	uint8_t		 pub[crypto_sign_PUBLICKEYBYTES];
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

/*
 * RFC 8032 5.1.5 for the seed priv: h = SHA-512(priv); s = h[0..31]
 * clamped, kept reduced mod L; prefix = h[32..63]; A = [s]B.
 */
static int
ed25519_expand(struct pouch_sig_key *k, const uint8_t *priv)
{
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	uint8_t h[crypto_hash_sha512_BYTES];
	uint8_t wide[crypto_core_ed25519_NONREDUCEDSCALARBYTES];
	int rc = POUCH_E_CRYPTO;

	if (crypto_sign_seed_keypair(k->pub, sk, priv) != 0 ||
	    crypto_hash_sha512(h, priv, 32) != 0)
		goto out;
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
	memset(wide, 0, sizeof(wide));
	memcpy(wide, h, 32);
	crypto_core_ed25519_scalar_reduce(k->a, wide);
	memcpy(k->prefix, h + 32, sizeof(k->prefix));
	rc = POUCH_OK;
out:
	OPENSSL_cleanse(sk, sizeof(sk));
	OPENSSL_cleanse(h, sizeof(h));
	OPENSSL_cleanse(wide, sizeof(wide));
	return rc;
}

/* At most this many parts to a message signed with Ed25519. */
#define ED25519_PARTS_MAX	8

/* out = SHA-512(a || b || parts) mod L */
static int
ed25519_hash_reduce(const struct pouch_crypto *c, const uint8_t *a,
    size_t alen, const uint8_t *b, size_t blen,
    const struct pouch_part *parts, size_t nparts,
    uint8_t out[crypto_core_ed25519_SCALARBYTES])
{
	struct pouch_part v[2 + ED25519_PARTS_MAX];
	uint8_t h[crypto_hash_sha512_BYTES];
	size_t i;
	int rc;

	v[0].p = a;
	v[0].n = alen;
	v[1].p = b;
	v[1].n = blen;
	for (i = 0; i < nparts; i++)
		v[2 + i] = parts[i];
	if ((rc = pouch_hash_parts(c, POUCH_SHA512, v, 2 + nparts, h)) ==
	    POUCH_OK)
		crypto_core_ed25519_scalar_reduce(out, h);
	OPENSSL_cleanse(h, sizeof(h));
	return rc;
}

/* RFC 8032 5.1.6, for at most ED25519_PARTS_MAX parts */
static int
ed25519_sign(const struct pouch_sig_key *k,
    const struct pouch_part *parts, size_t nparts,
    uint8_t sig[crypto_sign_BYTES])
{
	uint8_t r[crypto_core_ed25519_SCALARBYTES];
	uint8_t h[crypto_core_ed25519_SCALARBYTES];
	uint8_t ha[crypto_core_ed25519_SCALARBYTES];
	int rc;

	if (nparts > ED25519_PARTS_MAX)
		return POUCH_E_MISUSE;
	/* r = SHA-512(prefix || M) mod L; R = [r]B */
	if ((rc = ed25519_hash_reduce(k->c, k->prefix, sizeof(k->prefix),
	    NULL, 0, parts, nparts, r)) != POUCH_OK)
		goto out;
	/* fails only for r = 0, probability 2^-252 */
	if (crypto_scalarmult_ed25519_base_noclamp(sig, r) != 0) {
		rc = pouch_crypto_fail(POUCH_E_CRYPTO);
		goto out;
	}
	/* h = SHA-512(R || A || M) mod L; S = (r + h s) mod L */
	if ((rc = ed25519_hash_reduce(k->c, sig, 32, k->pub, sizeof(k->pub),
	    parts, nparts, h)) != POUCH_OK)
		goto out;
	crypto_core_ed25519_scalar_mul(ha, h, k->a);
	crypto_core_ed25519_scalar_add(sig + 32, r, ha);
out:
	OPENSSL_cleanse(r, sizeof(r));
	OPENSSL_cleanse(ha, sizeof(ha));
	if (rc != POUCH_OK)
		OPENSSL_cleanse(sig, crypto_sign_BYTES);
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
	if (sodium)
		rc = ed25519_expand(k, priv);
	else
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

/*
 * OpenSSL's EdDSA signs in one call, so parts are joined first; ECDSA
 * hashes them as they come.
 */
static int
ossl_sign(const struct pouch_sig_key *k, const struct pouch_part *parts,
    size_t nparts, uint8_t *sig, size_t *siglen)
{
	static const uint8_t empty[1];
	const struct sig_info *si = sig_info(k->s);
	EVP_MD_CTX *mctx;
	uint8_t *joined = NULL;
	size_t n = si->sig_len, total = 0, i;
	int rc = POUCH_E_CRYPTO;

	if ((mctx = EVP_MD_CTX_new()) == NULL)
		return pouch_crypto_fail(POUCH_E_NOMEM);
	if (EVP_DigestSignInit(mctx, NULL, sig_md(k->c, si), NULL,
	    k->pk) != 1)
		goto out;
	if (si->raw_name == NULL) {
		for (i = 0; i < nparts; i++)
			if (parts[i].n > 0 && EVP_DigestSignUpdate(mctx,
			    parts[i].p, parts[i].n) != 1)
				goto out;
		if (EVP_DigestSignFinal(mctx, sig, &n) != 1)
			goto out;
	} else {
		const uint8_t *msg = nparts == 1 ? parts[0].p : NULL;

		for (i = 0; i < nparts; i++)
			total += parts[i].n;
		if (nparts > 1 && total > 0) {
			rc = POUCH_E_NOMEM;
			if ((joined = OPENSSL_malloc(total)) == NULL)
				goto out;
			for (total = 0, i = 0; i < nparts; i++) {
				if (parts[i].n > 0)
					memcpy(joined + total, parts[i].p,
					    parts[i].n);
				total += parts[i].n;
			}
			msg = joined;
			rc = POUCH_E_CRYPTO;
		}
		if (EVP_DigestSign(mctx, sig, &n, total > 0 ? msg : empty,
		    total) != 1)
			goto out;
	}
	if (n > si->sig_len || (si->raw_name != NULL && n != si->sig_len))
		goto out;
	*siglen = n;
	rc = POUCH_OK;
out:
	if (joined != NULL)
		OPENSSL_clear_free(joined, total);
	EVP_MD_CTX_free(mctx);
	return rc == POUCH_OK ? rc : pouch_crypto_fail(rc);
}

int
pouch_sig_key_sign_parts(const struct pouch_sig_key *k,
    const struct pouch_part *parts, size_t nparts, uint8_t *sig,
    size_t sigcap, size_t *siglen)
{
	size_t max, i;
	int rc;

	if (siglen == NULL)
		return POUCH_E_MISUSE;
	*siglen = 0;
	if (k == NULL || sig == NULL || (parts == NULL && nparts != 0))
		return POUCH_E_MISUSE;
	for (i = 0; i < nparts; i++)
		if (parts[i].p == NULL && parts[i].n != 0)
			return POUCH_E_MISUSE;
	max = sig_info(k->s)->sig_len;
	if (sigcap < max) {
		*siglen = max;
		return POUCH_E_BUFFER_TOO_SMALL;
	}
	if (!k->sodium)
		return ossl_sign(k, parts, nparts, sig, siglen);
	if ((rc = ed25519_sign(k, parts, nparts, sig)) != POUCH_OK)
		return rc;
	*siglen = crypto_sign_BYTES;
	return POUCH_OK;
}

int
pouch_sig_key_sign(const struct pouch_sig_key *k, const uint8_t *msg,
    size_t msglen, uint8_t *sig, size_t sigcap, size_t *siglen)
{
	struct pouch_part part;

	part.p = msg;
	part.n = msglen;
	return pouch_sig_key_sign_parts(k, &part, 1, sig, sigcap, siglen);
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
