/*
 * hpke - Hybrid Public Key Encryption, RFC 9180, on the crypto provider.
 *
 * This module owns the HPKE layer: the KEM, KDF and AEAD tables (a KEM is
 * one row of struct pouch_hpke_kem, so that a later KEM such as ML-KEM or
 * X-Wing is one more row and the key schedule does not change), DHKEM
 * (RFC 9180 4.1) over P-256, P-384, P-521, X25519 and X448, the labeled
 * KDF helpers, the key schedule of the four modes (5.1), the encryption
 * context with its sequence number (5.2), the secret export (5.3) and the
 * single-shot base-mode API (6.1) on which MLS builds EncryptWithLabel.
 * Every primitive comes from src/crypto; this module keeps no global
 * mutable state (the tables are const) and wipes every secret it holds.
 * A context is a heap object released with pouch_hpke_ctx_free(), which
 * wipes it.  Unknown algorithm ids give POUCH_E_UNSUPPORTED, invalid
 * public keys POUCH_E_BAD_KEY, a failed open POUCH_E_DECRYPT with the
 * output zeroed, and a short caller buffer POUCH_E_BUFFER_TOO_SMALL with
 * the size needed in the length out-parameter.
 */
#ifndef POUCH_HPKE_H
#define POUCH_HPKE_H

#include <stddef.h>
#include <stdint.h>

#include <pouch/err.h>

#include "crypto/crypto.h"

/* ---- identifiers (RFC 9180 7) -------------------------------------- */

#define POUCH_HPKE_MODE_BASE		0x00
#define POUCH_HPKE_MODE_PSK		0x01
#define POUCH_HPKE_MODE_AUTH		0x02
#define POUCH_HPKE_MODE_AUTH_PSK	0x03

#define POUCH_HPKE_KEM_P256		0x0010
#define POUCH_HPKE_KEM_P384		0x0011
#define POUCH_HPKE_KEM_P521		0x0012
#define POUCH_HPKE_KEM_X25519		0x0020
#define POUCH_HPKE_KEM_X448		0x0021
/* draft-ietf-hpke-pq: ML-KEM and MLKEM768-X25519 (X-Wing); kem_pq.c. */
#define POUCH_HPKE_KEM_MLKEM512		0x0040
#define POUCH_HPKE_KEM_MLKEM768		0x0041
#define POUCH_HPKE_KEM_MLKEM1024	0x0042
#define POUCH_HPKE_KEM_XWING		0x647a
/* ... and its PQ/T hybrids over the NIST curves; kem_pq_nist.c. */
#define POUCH_HPKE_KEM_MLKEM768_P256	0x0050
#define POUCH_HPKE_KEM_MLKEM1024_P384	0x0051

#define POUCH_HPKE_KDF_HKDF_SHA256	0x0001
#define POUCH_HPKE_KDF_HKDF_SHA384	0x0002
#define POUCH_HPKE_KDF_HKDF_SHA512	0x0003
/* One-stage KDFs of draft-ietf-hpke-pq ("Single-Stage KDFs"). */
#define POUCH_HPKE_KDF_SHAKE128		0x0010
#define POUCH_HPKE_KDF_SHAKE256		0x0011

#define POUCH_HPKE_AEAD_AES128GCM	0x0001
#define POUCH_HPKE_AEAD_AES256GCM	0x0002
#define POUCH_HPKE_AEAD_CHACHA20POLY1305 0x0003
#define POUCH_HPKE_AEAD_EXPORT_ONLY	0xffff

/*
 * Size bounds over every KEM this module has or is planned to have, so
 * that adding a KEM row never changes them: ML-KEM-1024 (enc 1568,
 * pk 1568, sk 64 in seed form), X-Wing (enc 1120, pk 1216, sk 32) and
 * MLKEM1024-P384 (enc and pk 1568 + 97 = 1665).
 */
#define POUCH_HPKE_ENC_MAX		2048
#define POUCH_HPKE_PK_MAX		2048
#define POUCH_HPKE_SK_MAX		128
#define POUCH_HPKE_SECRET_MAX		64	/* Nsecret */
#define POUCH_HPKE_NH_MAX		POUCH_HASH_MAX
#define POUCH_HPKE_NK_MAX		POUCH_AEAD_KEY_MAX
#define POUCH_HPKE_NN_MAX		POUCH_AEAD_NONCE_BYTES
#define POUCH_HPKE_NT			POUCH_AEAD_TAG_BYTES
/* "HPKE" || kem_id || kdf_id || aead_id (5.1); "KEM" || kem_id (4.1). */
#define POUCH_HPKE_SUITE_ID_LEN		10
#define POUCH_HPKE_KEM_SUITE_ID_LEN	5

/* ---- KDF and AEAD rows --------------------------------------------- */

/*
 * A KDF row.  A two-stage KDF (HKDF) has a hash; a one-stage KDF (SHAKE)
 * has an XOF instead (xof != 0) and is used through LabeledDerive, with
 * the one-stage key schedule and export of draft-ietf-hpke-hpke.
 */
struct pouch_hpke_kdf {
	uint16_t	 id;
	enum pouch_hash	 hash;		/* two-stage only */
	size_t		 Nh;
	enum pouch_xof	 xof;		/* one-stage only, else 0 */
};

struct pouch_hpke_aead {
	uint16_t	 id;
	enum pouch_aead	 aead;		/* unused for export-only */
	size_t		 Nk;		/* 0 for export-only */
	size_t		 Nn;		/* 0 for export-only */
	size_t		 Nt;		/* 0 for export-only */
};

/* The row for id, or NULL when the id is not supported. */
const struct pouch_hpke_kdf	*pouch_hpke_kdf_get(uint16_t id);
const struct pouch_hpke_aead	*pouch_hpke_aead_get(uint16_t id);

/*
 * RFC 9180 4: LabeledExtract(salt, label, ikm) and
 * LabeledExpand(prk, label, info, L) over kdf, with the given suite_id
 * ("KEM" || kem_id inside a KEM, the 10-byte HPKE suite_id otherwise).
 * prk gets kdf->Nh bytes.  L must be at most 255 * Nh (POUCH_E_MISUSE).
 */
int	pouch_hpke_labeled_extract(const struct pouch_crypto *c,
	    const struct pouch_hpke_kdf *kdf, const uint8_t *suite_id,
	    size_t suite_idlen, const uint8_t *salt, size_t saltlen,
	    const char *label, const uint8_t *ikm, size_t ikmlen,
	    uint8_t *prk) POUCH_WARN_UNUSED;
int	pouch_hpke_labeled_expand(const struct pouch_crypto *c,
	    const struct pouch_hpke_kdf *kdf, const uint8_t *suite_id,
	    size_t suite_idlen, const uint8_t *prk, size_t prklen,
	    const char *label, const uint8_t *info, size_t infolen,
	    uint8_t *out, size_t L) POUCH_WARN_UNUSED;

/*
 * One-stage KDFs (draft-ietf-hpke-hpke 4):
 *   labeled_ikm = concat(ikm, "HPKE-v1", suite_id, I2OSP(len(label), 2),
 *       label, I2OSP(L, 2), context)
 *   return Derive(labeled_ikm, L)
 * L must be at most 65535 (POUCH_E_MISUSE).
 */
int	pouch_hpke_labeled_derive(const struct pouch_crypto *c,
	    const struct pouch_hpke_kdf *kdf, const uint8_t *suite_id,
	    size_t suite_idlen, const uint8_t *ikm, size_t ikmlen,
	    const char *label, const uint8_t *context, size_t contextlen,
	    uint8_t *out, size_t L) POUCH_WARN_UNUSED;

/* ---- KEM rows ------------------------------------------------------ */

/*
 * One KEM (RFC 9180 4).  Every function writes fixed-size outputs: sk gets
 * Nsk bytes, pk Npk, enc Nenc and shared Nsecret; the caller's buffers
 * are at least that large (POUCH_HPKE_*_MAX always suffices).  Public key
 * inputs are validated (7.1.4): POUCH_E_BAD_KEY.  ikmE, when not NULL,
 * makes the encapsulation deterministic (DeriveKeyPair(ikmE) for a
 * DHKEM, for the test vectors); when NULL the ephemeral key is fresh.
 * auth_encap and auth_decap are NULL for a KEM without the auth modes.
 * params is private to the implementation of the row.
 */
struct pouch_hpke_kem {
	uint16_t	 id;
	size_t		 Nsecret;
	size_t		 Nenc;
	size_t		 Npk;
	size_t		 Nsk;
	const void	*params;

	int	(*derive_keypair)(const struct pouch_crypto *c,
		    const struct pouch_hpke_kem *kem, const uint8_t *ikm,
		    size_t ikmlen, uint8_t *sk, uint8_t *pk);
	int	(*generate_keypair)(const struct pouch_crypto *c,
		    const struct pouch_hpke_kem *kem, uint8_t *sk,
		    uint8_t *pk);
	/* DeserializePublicKey with its validation (7.1.4). */
	int	(*pk_check)(const struct pouch_crypto *c,
		    const struct pouch_hpke_kem *kem, const uint8_t *pk,
		    size_t pklen);
	int	(*encap)(const struct pouch_crypto *c,
		    const struct pouch_hpke_kem *kem, const uint8_t *pkR,
		    size_t pkRlen, const uint8_t *ikmE, size_t ikmElen,
		    uint8_t *shared, uint8_t *enc);
	int	(*decap)(const struct pouch_crypto *c,
		    const struct pouch_hpke_kem *kem, const uint8_t *enc,
		    size_t enclen, const uint8_t *skR, size_t skRlen,
		    uint8_t *shared);
	int	(*auth_encap)(const struct pouch_crypto *c,
		    const struct pouch_hpke_kem *kem, const uint8_t *pkR,
		    size_t pkRlen, const uint8_t *skS, size_t skSlen,
		    const uint8_t *ikmE, size_t ikmElen, uint8_t *shared,
		    uint8_t *enc);
	int	(*auth_decap)(const struct pouch_crypto *c,
		    const struct pouch_hpke_kem *kem, const uint8_t *enc,
		    size_t enclen, const uint8_t *skR, size_t skRlen,
		    const uint8_t *pkS, size_t pkSlen, uint8_t *shared);
};

/* The row for id, or NULL when the KEM is not supported. */
const struct pouch_hpke_kem	*pouch_hpke_kem_get(uint16_t id);

/* The DHKEM rows (dhkem.c), listed by the table in kem.c. */
extern const struct pouch_hpke_kem pouch_hpke_dhkem_p256;
extern const struct pouch_hpke_kem pouch_hpke_dhkem_p384;
extern const struct pouch_hpke_kem pouch_hpke_dhkem_p521;
extern const struct pouch_hpke_kem pouch_hpke_dhkem_x25519;
extern const struct pouch_hpke_kem pouch_hpke_dhkem_x448;
/* The post-quantum rows (kem_pq.c): no auth modes. */
extern const struct pouch_hpke_kem pouch_hpke_kem_mlkem512;
extern const struct pouch_hpke_kem pouch_hpke_kem_mlkem768;
extern const struct pouch_hpke_kem pouch_hpke_kem_mlkem1024;
extern const struct pouch_hpke_kem pouch_hpke_kem_xwing;
extern const struct pouch_hpke_kem pouch_hpke_kem_mlkem768_p256;
extern const struct pouch_hpke_kem pouch_hpke_kem_mlkem1024_p384;

/* RFC 9180 4.1: suite_id = concat("KEM", I2OSP(kem_id, 2)) (kem.c). */
void	pouch_hpke_kem_suite_id(const struct pouch_hpke_kem *kem,
	    uint8_t sid[POUCH_HPKE_KEM_SUITE_ID_LEN]);

/*
 * DeriveKeyPair and GenerateKeyPair of the KEMs whose private key is a
 * seed (kem_pq.c): the seed from SHAKE256.LabeledDerive(ikm,
 * "DeriveKeyPair", "", Nsk) or from the RNG, then from_seed with an
 * ML-KEM context; on failure sk is wiped and pk zeroed.
 */
struct pouch_mlkem_ctx;
typedef int (*pouch_hpke_pk_from_seed)(const struct pouch_crypto *c,
	    const struct pouch_mlkem_ctx *m, const struct pouch_hpke_kem *kem,
	    const uint8_t *sk, uint8_t *pk);
int	pouch_hpke_seed_derive_keypair(const struct pouch_crypto *c,
	    const struct pouch_hpke_kem *kem, const uint8_t *ikm,
	    size_t ikmlen, uint8_t *sk, uint8_t *pk,
	    pouch_hpke_pk_from_seed from_seed) POUCH_WARN_UNUSED;
int	pouch_hpke_seed_generate_keypair(const struct pouch_crypto *c,
	    const struct pouch_hpke_kem *kem, uint8_t *sk, uint8_t *pk,
	    pouch_hpke_pk_from_seed from_seed) POUCH_WARN_UNUSED;

/*
 * Convenience wrappers over a row, by id: POUCH_E_UNSUPPORTED for an
 * unknown KEM.  Output buffers follow (out, cap, &len).
 */
int	pouch_hpke_derive_keypair(const struct pouch_crypto *c, uint16_t kem,
	    const uint8_t *ikm, size_t ikmlen, uint8_t *sk, size_t skcap,
	    size_t *sklen, uint8_t *pk, size_t pkcap, size_t *pklen)
	    POUCH_WARN_UNUSED;
int	pouch_hpke_generate_keypair(const struct pouch_crypto *c,
	    uint16_t kem, uint8_t *sk, size_t skcap, size_t *sklen,
	    uint8_t *pk, size_t pkcap, size_t *pklen) POUCH_WARN_UNUSED;
/*
 * Validate a serialized public key of the KEM (RFC 9180 7.1.4), e.g. an
 * MLS init_key: POUCH_OK, POUCH_E_BAD_KEY (wrong length, not on the
 * curve) or POUCH_E_UNSUPPORTED.
 */
int	pouch_hpke_pk_check(const struct pouch_crypto *c, uint16_t kem,
	    const uint8_t *pk, size_t pklen) POUCH_WARN_UNUSED;

/* ---- context (RFC 9180 5) ------------------------------------------ */

enum pouch_hpke_role {
	POUCH_HPKE_SENDER = 1,
	POUCH_HPKE_RECEIVER = 2
};

/*
 * An encryption context.  The layout is visible inside src/ and to the
 * tests; everything else treats it as opaque and frees it with
 * pouch_hpke_ctx_free().
 */
struct pouch_hpke_ctx {
	enum pouch_hpke_role		 role;
	const struct pouch_hpke_kdf	*kdf;
	const struct pouch_hpke_aead	*aead;
	uint8_t				 suite_id[POUCH_HPKE_SUITE_ID_LEN];
	uint8_t				 key[POUCH_HPKE_NK_MAX];
	uint8_t				 base_nonce[POUCH_HPKE_NN_MAX];
	uint64_t			 seq;
	uint8_t				 exporter_secret[POUCH_HPKE_NH_MAX];
};

/* Wipe and free; NULL is a no-op. */
void	pouch_hpke_ctx_free(struct pouch_hpke_ctx *ctx);

/*
 * The inputs of a setup besides the keys: the suite, the mode (5.1) and
 * what the mode needs.  psk and psk_id are both set (psk and auth_psk
 * modes) or both empty (base and auth); anything else is POUCH_E_MISUSE
 * (VerifyPSKInputs, 5.1), as is a psk shorter than 32 bytes (5.1.2).
 * skS is the sender's static private key for a sender in the auth modes;
 * pkS is the sender's public key for a receiver in the auth modes.
 */
struct pouch_hpke_params {
	uint8_t		 mode;
	uint16_t	 kem;
	uint16_t	 kdf;
	uint16_t	 aead;
	const uint8_t	*info;
	size_t		 infolen;
	const uint8_t	*psk;
	size_t		 psklen;
	const uint8_t	*psk_id;
	size_t		 psk_idlen;
	const uint8_t	*skS;
	size_t		 skSlen;
	const uint8_t	*pkS;
	size_t		 pkSlen;
};

/*
 * Intermediate values of a key schedule, for the test vectors only:
 * when a setup is given one it records them here.
 */
struct pouch_hpke_trace {
	uint8_t		 shared_secret[POUCH_HPKE_SECRET_MAX];
	size_t		 shared_secretlen;
	uint8_t		 ks_context[1 + 2 * POUCH_HPKE_NH_MAX];
	size_t		 ks_contextlen;
	uint8_t		 secret[POUCH_HPKE_NH_MAX];
	size_t		 secretlen;
};

/*
 * SetupBaseS / SetupPSKS / SetupAuthS / SetupAuthPSKS (5.1.1-5.1.4):
 * encapsulate to pkR, write enc (Nenc bytes) and return a sender
 * context in *ctxp.  ikmE, when not NULL, derives the ephemeral key
 * deterministically (test vectors); when NULL it is fresh.  trace may
 * be NULL.
 */
int	pouch_hpke_setup_sender(const struct pouch_crypto *c,
	    const struct pouch_hpke_params *p, const uint8_t *pkR,
	    size_t pkRlen, const uint8_t *ikmE, size_t ikmElen, uint8_t *enc,
	    size_t enccap, size_t *enclen, struct pouch_hpke_ctx **ctxp,
	    struct pouch_hpke_trace *trace) POUCH_WARN_UNUSED;
/* SetupBaseR / SetupPSKR / SetupAuthR / SetupAuthPSKR. */
int	pouch_hpke_setup_receiver(const struct pouch_crypto *c,
	    const struct pouch_hpke_params *p, const uint8_t *enc,
	    size_t enclen, const uint8_t *skR, size_t skRlen,
	    struct pouch_hpke_ctx **ctxp, struct pouch_hpke_trace *trace)
	    POUCH_WARN_UNUSED;

/*
 * ContextS.Seal (5.2): ct gets ptlen + Nt bytes.  POUCH_E_MISUSE on a
 * receiver context or the export-only AEAD; POUCH_E_LIMIT when the
 * sequence number is exhausted (nothing is encrypted then).
 */
int	pouch_hpke_seal(const struct pouch_crypto *c,
	    struct pouch_hpke_ctx *ctx, const uint8_t *aad, size_t aadlen,
	    const uint8_t *pt, size_t ptlen, uint8_t *ct, size_t ctcap,
	    size_t *ctlen) POUCH_WARN_UNUSED;
/*
 * ContextR.Open (5.2): POUCH_E_DECRYPT on a bad tag; pt is then zeroed
 * and the sequence number does not move.
 */
int	pouch_hpke_open(const struct pouch_crypto *c,
	    struct pouch_hpke_ctx *ctx, const uint8_t *aad, size_t aadlen,
	    const uint8_t *ct, size_t ctlen, uint8_t *pt, size_t ptcap,
	    size_t *ptlen) POUCH_WARN_UNUSED;
/* Export (5.3): L bytes into out; L <= 255 * Nh, else POUCH_E_MISUSE. */
int	pouch_hpke_export(const struct pouch_crypto *c,
	    const struct pouch_hpke_ctx *ctx, const uint8_t *exp_ctx,
	    size_t exp_ctxlen, uint8_t *out, size_t L) POUCH_WARN_UNUSED;

/* ---- single-shot (RFC 9180 6.1) ------------------------------------ */

/*
 * SealBase: enc gets Nenc bytes, ct ptlen + Nt bytes.  Returns
 * POUCH_E_UNSUPPORTED for an unknown kem/kdf/aead, POUCH_E_BAD_KEY for
 * an invalid pkR, POUCH_E_MISUSE for the export-only AEAD,
 * POUCH_E_BUFFER_TOO_SMALL (with the sizes needed) for a short buffer.
 */
int	pouch_hpke_seal_base(const struct pouch_crypto *c, uint16_t kem,
	    uint16_t kdf, uint16_t aead, const uint8_t *pkR, size_t pkRlen,
	    const uint8_t *info, size_t infolen, const uint8_t *aad,
	    size_t aadlen, const uint8_t *pt, size_t ptlen, uint8_t *enc,
	    size_t enccap, size_t *enclen, uint8_t *ct, size_t ctcap,
	    size_t *ctlen) POUCH_WARN_UNUSED;
/* SealBase with the ephemeral key derived from ikmE (tests, vectors). */
int	pouch_hpke_seal_base_derand(const struct pouch_crypto *c,
	    uint16_t kem, uint16_t kdf, uint16_t aead, const uint8_t *pkR,
	    size_t pkRlen, const uint8_t *info, size_t infolen,
	    const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t ptlen,
	    const uint8_t *ikmE, size_t ikmElen, uint8_t *enc, size_t enccap,
	    size_t *enclen, uint8_t *ct, size_t ctcap, size_t *ctlen)
	    POUCH_WARN_UNUSED;
/*
 * OpenBase: pt gets ctlen - Nt bytes.  POUCH_E_DECRYPT when the
 * ciphertext does not authenticate (pt zeroed); the KEM's error
 * (POUCH_E_BAD_KEY, POUCH_E_ZERO_SHARED) for an invalid enc.
 */
int	pouch_hpke_open_base(const struct pouch_crypto *c, uint16_t kem,
	    uint16_t kdf, uint16_t aead, const uint8_t *skR, size_t skRlen,
	    const uint8_t *enc, size_t enclen, const uint8_t *info,
	    size_t infolen, const uint8_t *aad, size_t aadlen,
	    const uint8_t *ct, size_t ctlen, uint8_t *pt, size_t ptcap,
	    size_t *ptlen) POUCH_WARN_UNUSED;

#endif /* POUCH_HPKE_H */
