/*
 * mls/welcome - Welcome sealing and opening, GroupInfo signatures
 * (RFC 9420 12.4.3.1).  See welcome.h.
 */
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "hpke/hpke.h"
#include "mls/transcript.h"
#include "mls/welcome.h"

/* Writer cap for the structures encoded here. */
#define ENC_MAX		POUCH_VARINT_MAX

int
pouch_mls_group_info_sign(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, struct pouch_mls_group_info *gi,
    const uint8_t *sig_priv, size_t sig_privlen, struct pouch_mls_arena *a)
{
	uint8_t sig[POUCH_SIG_MAX];
	size_t siglen = 0;
	struct pouch_wr w;
	int rc;

	if (c == NULL || s == NULL || gi == NULL || sig_priv == NULL ||
	    a == NULL)
		return POUCH_E_MISUSE;
	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_group_info_tbs_encode(&w, gi);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_sign_with_label(c, s, sig_priv, sig_privlen,
	    "GroupInfoTBS", w.buf, w.len, sig, sizeof(sig), &siglen)) !=
	    POUCH_OK)
		goto out;
	if ((rc = pouch_mls_arena_copy(a, sig, siglen, &gi->signature.p)) !=
	    POUCH_OK)
		goto out;
	gi->signature.n = siglen;
out:
	pouch_wr_free(&w);
	return rc;
}

int
pouch_mls_group_info_verify(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const struct pouch_mls_group_info *gi,
    const uint8_t *pub, size_t publen)
{
	struct pouch_wr w;
	int rc;

	if (c == NULL || s == NULL || gi == NULL || pub == NULL)
		return POUCH_E_MISUSE;
	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_group_info_tbs_encode(&w, gi);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	rc = pouch_mls_verify_with_label(c, s, pub, publen, "GroupInfoTBS",
	    w.buf, w.len, gi->signature.p, gi->signature.n);
out:
	pouch_wr_free(&w);
	return rc;
}

/* welcome_key and welcome_nonce from joiner_secret and psk_secret. */
static int
welcome_key(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const uint8_t *joiner_secret, const uint8_t *psk_secret, uint8_t *key,
    uint8_t *nonce)
{
	uint8_t ws[POUCH_HASH_MAX];
	int rc;

	if ((rc = pouch_mls_welcome_secret(c, s, joiner_secret, psk_secret,
	    ws)) != POUCH_OK)
		goto out;
	rc = pouch_mls_welcome_key_nonce(c, s, ws, key, nonce);
out:
	OPENSSL_cleanse(ws, sizeof(ws));
	return rc;
}

/* encrypted_group_info = AEAD.Seal(welcome_key, welcome_nonce, "", gi) */
static int
seal_group_info(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const struct pouch_mls_group_info *gi, const uint8_t *joiner_secret,
    const uint8_t *psk_secret, struct pouch_mls_arena *a,
    struct pouch_mls_bytes *out)
{
	uint8_t key[POUCH_AEAD_KEY_MAX], nonce[POUCH_AEAD_NONCE_BYTES];
	struct pouch_wr w;
	uint8_t *ct = NULL;
	size_t ctlen = 0;
	void *p;
	int rc;

	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_group_info_encode(&w, gi);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	if ((rc = welcome_key(c, s, joiner_secret, psk_secret, key,
	    nonce)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_arena_alloc(a, w.len + POUCH_AEAD_TAG_BYTES,
	    &p)) != POUCH_OK)
		goto out;
	ct = p;
	if ((rc = pouch_aead_seal(c, s->aead, key, nonce, NULL, 0, w.buf,
	    w.len, ct, w.len + POUCH_AEAD_TAG_BYTES, &ctlen)) != POUCH_OK)
		goto out;
	out->p = ct;
	out->n = ctlen;
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(nonce, sizeof(nonce));
	pouch_wr_free(&w);
	return rc;
}

/* One EncryptedGroupSecrets entry: the reference and the HPKE seal. */
static int
seal_secrets(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const struct pouch_mls_welcome_recipient *r,
    const struct pouch_mls_group_secrets *gs,
    const struct pouch_mls_bytes *egi, struct pouch_mls_arena *a,
    struct pouch_mls_encrypted_group_secrets *out)
{
	uint8_t ref[POUCH_HASH_MAX], enc[POUCH_HPKE_ENC_MAX];
	struct pouch_wr kw, gw;
	uint8_t *ct;
	size_t enclen = 0, ctlen = 0;
	void *p;
	int rc;

	pouch_wr_init(&kw, ENC_MAX);
	pouch_mls_key_package_encode(&kw, r->kp);
	pouch_wr_init(&gw, ENC_MAX);
	pouch_mls_group_secrets_encode(&gw, gs);
	if ((rc = pouch_wr_finish(&kw)) != POUCH_OK ||
	    (rc = pouch_wr_finish(&gw)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_key_package_ref(c, s, kw.buf, kw.len, ref)) !=
	    POUCH_OK)
		goto out;
	if ((rc = pouch_mls_arena_alloc(a, gw.len + POUCH_HPKE_NT, &p)) !=
	    POUCH_OK)
		goto out;
	ct = p;
	if ((rc = pouch_mls_encrypt_with_label(c, s, r->kp->init_key.p,
	    r->kp->init_key.n, "Welcome", egi->p, egi->n, gw.buf, gw.len, enc,
	    sizeof(enc), &enclen, ct, gw.len + POUCH_HPKE_NT, &ctlen)) !=
	    POUCH_OK)
		goto out;
	out->encrypted_group_secrets.ciphertext.p = ct;
	out->encrypted_group_secrets.ciphertext.n = ctlen;
	if ((rc = pouch_mls_arena_copy(a, enc, enclen,
	    &out->encrypted_group_secrets.kem_output.p)) != POUCH_OK ||
	    (rc = pouch_mls_arena_copy(a, ref, s->nh,
	    &out->new_member.p)) != POUCH_OK)
		goto out;
	out->encrypted_group_secrets.kem_output.n = enclen;
	out->new_member.n = s->nh;
out:
	pouch_wr_free(&kw);
	pouch_wr_free(&gw);
	return rc;
}

int
pouch_mls_welcome_seal(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const struct pouch_mls_group_info *gi,
    const uint8_t *joiner_secret, const uint8_t *psk_secret,
    const struct pouch_mls_psk_id *psks, size_t npsks,
    const struct pouch_mls_welcome_recipient *r, size_t nr,
    struct pouch_mls_arena *a, struct pouch_mls_welcome *out)
{
	struct pouch_mls_group_secrets gs;
	struct pouch_mls_welcome wm;
	size_t i;
	void *p;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (c == NULL || s == NULL || gi == NULL || joiner_secret == NULL ||
	    (psk_secret == NULL && npsks != 0) ||
	    (psks == NULL && npsks != 0) || r == NULL || nr == 0 ||
	    a == NULL || out == NULL)
		return POUCH_E_MISUSE;
	for (i = 0; i < nr; i++)
		if (r[i].kp == NULL || r[i].kp->cipher_suite != s->id)
			return POUCH_E_MISUSE;
	memset(&wm, 0, sizeof(wm));
	wm.cipher_suite = s->id;
	if ((rc = seal_group_info(c, s, gi, joiner_secret, psk_secret, a,
	    &wm.encrypted_group_info)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_arena_array(a, nr, sizeof(*wm.secrets), &p)) !=
	    POUCH_OK)
		return rc;
	wm.secrets = p;
	wm.nsecrets = nr;
	for (i = 0; i < nr; i++) {
		memset(&gs, 0, sizeof(gs));
		gs.joiner_secret.p = joiner_secret;
		gs.joiner_secret.n = s->nh;
		gs.has_path_secret = r[i].path_secret != NULL;
		gs.path_secret.p = r[i].path_secret;
		gs.path_secret.n = r[i].path_secret != NULL ? s->nh : 0;
		gs.psks = (struct pouch_mls_psk_id *)psks;
		gs.npsks = npsks;
		if ((rc = seal_secrets(c, s, &r[i], &gs,
		    &wm.encrypted_group_info, a, &wm.secrets[i])) != POUCH_OK)
			return rc;
	}
	*out = wm;
	return POUCH_OK;
}

int
pouch_mls_welcome_open(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const struct pouch_mls_welcome *w,
    const uint8_t *kp_ref, const uint8_t *init_priv, size_t init_privlen,
    struct pouch_mls_arena *a, struct pouch_mls_group_secrets *gs)
{
	const struct pouch_mls_encrypted_group_secrets *e = NULL;
	const struct pouch_mls_hpke_ciphertext *h;
	uint8_t *pt = NULL;
	size_t i, ptlen = 0, cap = 0;
	void *p;
	int rc;

	if (gs != NULL)
		memset(gs, 0, sizeof(*gs));
	if (c == NULL || s == NULL || w == NULL || kp_ref == NULL ||
	    init_priv == NULL || a == NULL || gs == NULL)
		return POUCH_E_MISUSE;
	if (w->cipher_suite != s->id)
		return POUCH_E_WRONG_SUITE;
	for (i = 0; i < w->nsecrets && e == NULL; i++)
		if (w->secrets[i].new_member.n == s->nh &&
		    CRYPTO_memcmp(w->secrets[i].new_member.p, kp_ref,
		    s->nh) == 0)
			e = &w->secrets[i];
	if (e == NULL)
		return POUCH_E_NOT_RECIPIENT;
	h = &e->encrypted_group_secrets;
	if (h->ciphertext.n < POUCH_HPKE_NT)
		return POUCH_E_DECRYPT;
	cap = h->ciphertext.n - POUCH_HPKE_NT;
	if ((rc = pouch_mls_arena_alloc(a, cap == 0 ? 1 : cap, &p)) !=
	    POUCH_OK)
		goto out;
	pt = p;
	if ((rc = pouch_mls_decrypt_with_label(c, s, init_priv, init_privlen,
	    "Welcome", w->encrypted_group_info.p, w->encrypted_group_info.n,
	    h->kem_output.p, h->kem_output.n, h->ciphertext.p, h->ciphertext.n,
	    pt, cap, &ptlen)) != POUCH_OK)
		goto out;
	rc = pouch_mls_group_secrets_from_bytes(a, NULL, pt, ptlen, gs);
out:
	if (pt != NULL)
		OPENSSL_cleanse(pt, cap);
	return rc;
}

int
pouch_mls_welcome_group_info(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const struct pouch_mls_welcome *w,
    const uint8_t *joiner_secret, const uint8_t *psk_secret,
    struct pouch_mls_arena *a, struct pouch_mls_group_info *gi)
{
	uint8_t key[POUCH_AEAD_KEY_MAX], nonce[POUCH_AEAD_NONCE_BYTES];
	const struct pouch_mls_bytes *egi;
	uint8_t *pt = NULL;
	size_t ptlen = 0, cap = 0;
	void *p;
	int rc;

	if (gi != NULL)
		memset(gi, 0, sizeof(*gi));
	if (c == NULL || s == NULL || w == NULL || joiner_secret == NULL ||
	    a == NULL || gi == NULL)
		return POUCH_E_MISUSE;
	if (w->cipher_suite != s->id)
		return POUCH_E_WRONG_SUITE;
	egi = &w->encrypted_group_info;
	if (egi->n < POUCH_AEAD_TAG_BYTES)
		return POUCH_E_DECRYPT;
	cap = egi->n - POUCH_AEAD_TAG_BYTES;
	if ((rc = welcome_key(c, s, joiner_secret, psk_secret, key,
	    nonce)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_arena_alloc(a, cap == 0 ? 1 : cap, &p)) !=
	    POUCH_OK)
		goto out;
	pt = p;
	if ((rc = pouch_aead_open(c, s->aead, key, nonce, NULL, 0, egi->p,
	    egi->n, pt, cap, &ptlen)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_group_info_from_bytes(a, NULL, pt, ptlen,
	    gi)) != POUCH_OK)
		goto out;
	if (gi->group_context.cipher_suite != s->id) {
		memset(gi, 0, sizeof(*gi));
		rc = POUCH_E_WRONG_SUITE;
	}
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return rc;
}

int
pouch_mls_welcome_epoch(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const struct pouch_mls_group_info *gi,
    const uint8_t *joiner_secret, const uint8_t *psk_secret,
    struct pouch_mls_epoch_secrets *es)
{
	const struct pouch_mls_bytes *cth;
	struct pouch_wr w;
	int rc;

	if (c == NULL || s == NULL || gi == NULL || joiner_secret == NULL ||
	    es == NULL)
		return POUCH_E_MISUSE;
	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_group_context_encode(&w, &gi->group_context);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_key_schedule_joiner(c, s, joiner_secret,
	    psk_secret, w.buf, w.len, es)) != POUCH_OK)
		goto out;
	cth = &gi->group_context.confirmed_transcript_hash;
	rc = pouch_mls_confirmation_tag_verify(c, s, es->confirmation_key,
	    cth->p, cth->n, gi->confirmation_tag.p, gi->confirmation_tag.n);
out:
	if (rc != POUCH_OK)
		pouch_mls_epoch_secrets_clear(es);
	pouch_wr_free(&w);
	return rc;
}
