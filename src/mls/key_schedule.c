/*
 * key_schedule.c - the RFC 9420 8 epoch key schedule.  This file owns the
 * derivation of an epoch's secrets from init_secret, commit_secret,
 * psk_secret and the GroupContext (Figure 22 and Table 4), the Welcome
 * secret, key and nonce (12.4.3.1), MLS-Exporter (8.5), the external key
 * pair (8) and the external init secret exported through HPKE (8.3).
 * Every intermediate value (the two extract outputs, the epoch_secret,
 * the exporter's derived secret) is a local wiped at out:; the results go
 * to the caller's struct, which is written only on success.
 */
#include <stddef.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hpke/hpke.h"
#include "mls/key_schedule.h"

void
pouch_mls_epoch_secrets_clear(struct pouch_mls_epoch_secrets *e)
{
	if (e != NULL)
		OPENSSL_cleanse(e, sizeof(*e));
}

static int
suite_ok(const struct pouch_mls_suite *s)
{
	return s != NULL && s->nh > 0 && s->nh <= POUCH_HASH_MAX;
}

/* KDF.Extract(salt, ikm); a NULL ikm is the all-zero string of nh bytes. */
static int
extract(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const uint8_t *salt, const uint8_t *ikm, uint8_t *out)
{
	static const uint8_t zero[POUCH_HASH_MAX];

	return pouch_hkdf_extract(c, s->hash, salt, s->nh,
	    ikm != NULL ? ikm : zero, s->nh, out);
}

/*
 * member = Extract(joiner_secret, psk_secret); welcome_secret =
 * DeriveSecret(member, "welcome") (Figure 22, middle).
 */
static int
joiner_to_member(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *joiner_secret,
    const uint8_t *psk_secret, uint8_t *member, uint8_t *welcome)
{
	int rc;

	if ((rc = extract(c, s, joiner_secret, psk_secret, member)) !=
	    POUCH_OK)
		return rc;
	return pouch_mls_derive_secret(c, s, member, s->nh, "welcome",
	    welcome);
}

/* The Table 4 secrets and the next init_secret from epoch_secret. */
static int
epoch_table(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const uint8_t *epoch_secret, struct pouch_mls_epoch_secrets *e)
{
	const struct {
		const char	*label;
		size_t		 off;
	} table[] = {
		{ "sender data", offsetof(struct pouch_mls_epoch_secrets,
		    sender_data_secret) },
		{ "encryption", offsetof(struct pouch_mls_epoch_secrets,
		    encryption_secret) },
		{ "exporter", offsetof(struct pouch_mls_epoch_secrets,
		    exporter_secret) },
		{ "external", offsetof(struct pouch_mls_epoch_secrets,
		    external_secret) },
		{ "confirm", offsetof(struct pouch_mls_epoch_secrets,
		    confirmation_key) },
		{ "membership", offsetof(struct pouch_mls_epoch_secrets,
		    membership_key) },
		{ "resumption", offsetof(struct pouch_mls_epoch_secrets,
		    resumption_psk) },
		{ "authentication", offsetof(struct pouch_mls_epoch_secrets,
		    epoch_authenticator) },
		{ "init", offsetof(struct pouch_mls_epoch_secrets,
		    init_secret) },
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if ((rc = pouch_mls_derive_secret(c, s, epoch_secret, s->nh,
		    table[i].label, (uint8_t *)e + table[i].off)) != POUCH_OK)
			return rc;
	return POUCH_OK;
}

/* Figure 22 from joiner_secret down, into the staged struct st. */
static int
from_joiner(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const uint8_t *psk_secret, const uint8_t *gc, size_t gclen,
    struct pouch_mls_epoch_secrets *st)
{
	uint8_t member[POUCH_HASH_MAX], epoch_secret[POUCH_HASH_MAX];
	int rc;

	if ((rc = joiner_to_member(c, s, st->joiner_secret, psk_secret,
	    member, st->welcome_secret)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_expand_with_label(c, s, member, s->nh, "epoch",
	    gc, gclen, epoch_secret, s->nh)) != POUCH_OK)
		goto out;
	rc = epoch_table(c, s, epoch_secret, st);
out:
	OPENSSL_cleanse(member, sizeof(member));
	OPENSSL_cleanse(epoch_secret, sizeof(epoch_secret));
	return rc;
}

int
pouch_mls_key_schedule_joiner(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *joiner_secret,
    const uint8_t *psk_secret, const uint8_t *gc, size_t gclen,
    struct pouch_mls_epoch_secrets *out)
{
	struct pouch_mls_epoch_secrets st;
	int rc;

	if (out == NULL || c == NULL || !suite_ok(s) || joiner_secret == NULL ||
	    (gc == NULL && gclen != 0))
		return POUCH_E_MISUSE;
	memset(&st, 0, sizeof(st));
	st.nh = s->nh;
	memcpy(st.joiner_secret, joiner_secret, s->nh);
	if ((rc = from_joiner(c, s, psk_secret, gc, gclen, &st)) != POUCH_OK)
		goto out;
	*out = st;
out:
	pouch_mls_epoch_secrets_clear(&st);
	return rc;
}

int
pouch_mls_key_schedule(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *init_secret,
    const uint8_t *commit_secret, const uint8_t *psk_secret,
    const uint8_t *gc, size_t gclen, struct pouch_mls_epoch_secrets *out)
{
	struct pouch_mls_epoch_secrets st;
	uint8_t prk[POUCH_HASH_MAX];
	int rc;

	if (out == NULL || c == NULL || !suite_ok(s) || init_secret == NULL ||
	    (gc == NULL && gclen != 0))
		return POUCH_E_MISUSE;
	memset(&st, 0, sizeof(st));
	st.nh = s->nh;
	/* joiner_secret = ExpandWithLabel(Extract(init, commit), "joiner",
	 * GroupContext, Nh) */
	if ((rc = extract(c, s, init_secret, commit_secret, prk)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_expand_with_label(c, s, prk, s->nh, "joiner", gc,
	    gclen, st.joiner_secret, s->nh)) != POUCH_OK)
		goto out;
	if ((rc = from_joiner(c, s, psk_secret, gc, gclen, &st)) != POUCH_OK)
		goto out;
	*out = st;
out:
	OPENSSL_cleanse(prk, sizeof(prk));
	pouch_mls_epoch_secrets_clear(&st);
	return rc;
}

int
pouch_mls_welcome_secret(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *joiner_secret,
    const uint8_t *psk_secret, uint8_t *out)
{
	uint8_t member[POUCH_HASH_MAX], welcome[POUCH_HASH_MAX];
	int rc;

	if (c == NULL || !suite_ok(s) || joiner_secret == NULL || out == NULL)
		return POUCH_E_MISUSE;
	if ((rc = joiner_to_member(c, s, joiner_secret, psk_secret, member,
	    welcome)) != POUCH_OK)
		goto out;
	memcpy(out, welcome, s->nh);
out:
	OPENSSL_cleanse(member, sizeof(member));
	OPENSSL_cleanse(welcome, sizeof(welcome));
	return rc;
}

/* RFC 9420 12.4.3.1 */
int
pouch_mls_welcome_key_nonce(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *welcome_secret,
    uint8_t *key, uint8_t *nonce)
{
	uint8_t k[POUCH_AEAD_KEY_MAX], n[POUCH_AEAD_NONCE_BYTES];
	int rc;

	if (c == NULL || !suite_ok(s) || welcome_secret == NULL ||
	    key == NULL || nonce == NULL || s->nk > sizeof(k) ||
	    s->nn != sizeof(n))
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_expand_with_label(c, s, welcome_secret, s->nh,
	    "key", NULL, 0, k, s->nk)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_expand_with_label(c, s, welcome_secret, s->nh,
	    "nonce", NULL, 0, n, s->nn)) != POUCH_OK)
		goto out;
	memcpy(key, k, s->nk);
	memcpy(nonce, n, s->nn);
out:
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(n, sizeof(n));
	return rc;
}

/* RFC 9420 8.5 */
int
pouch_mls_exporter(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *exporter_secret,
    const char *label, const uint8_t *context, size_t contextlen,
    uint8_t *out, size_t len)
{
	uint8_t derived[POUCH_HASH_MAX], hctx[POUCH_HASH_MAX];
	int rc;

	if (c == NULL || !suite_ok(s) || exporter_secret == NULL ||
	    label == NULL || (context == NULL && contextlen != 0) ||
	    (out == NULL && len != 0) || len > 0xffff)
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_derive_secret(c, s, exporter_secret, s->nh, label,
	    derived)) != POUCH_OK)
		goto out;
	if ((rc = pouch_hash(c, s->hash, context, contextlen, hctx)) !=
	    POUCH_OK)
		goto out;
	rc = pouch_mls_expand_with_label(c, s, derived, s->nh, "exported",
	    hctx, s->nh, out, len);
out:
	OPENSSL_cleanse(derived, sizeof(derived));
	OPENSSL_cleanse(hctx, sizeof(hctx));
	return rc;
}

/* RFC 9420 8: KEM.DeriveKeyPair(external_secret) */
int
pouch_mls_external_keypair(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *external_secret,
    uint8_t *priv, size_t privcap, size_t *privlen, uint8_t *pub,
    size_t pubcap, size_t *publen)
{
	uint8_t sk[POUCH_HPKE_SK_MAX], pk[POUCH_HPKE_PK_MAX];
	size_t sklen = 0, pklen = 0;
	int rc;

	if (privlen != NULL)
		*privlen = 0;
	if (publen != NULL)
		*publen = 0;
	if (c == NULL || !suite_ok(s) || external_secret == NULL ||
	    pub == NULL || publen == NULL || (priv != NULL && privlen == NULL))
		return POUCH_E_MISUSE;
	if ((rc = pouch_hpke_derive_keypair(c, s->hpke_kem, external_secret,
	    s->nh, sk, sizeof(sk), &sklen, pk, sizeof(pk), &pklen)) !=
	    POUCH_OK)
		goto out;
	if (pklen > pubcap || (priv != NULL && sklen > privcap)) {
		*publen = pklen;
		if (priv != NULL)
			*privlen = sklen;
		rc = POUCH_E_BUFFER_TOO_SMALL;
		goto out;
	}
	memcpy(pub, pk, pklen);
	*publen = pklen;
	if (priv != NULL) {
		memcpy(priv, sk, sklen);
		*privlen = sklen;
	}
out:
	OPENSSL_cleanse(sk, sizeof(sk));
	return rc;
}

/* RFC 9420 8.3 */
#define EXTERNAL_INIT_LABEL	"MLS 1.0 external init secret"

static void
external_params(const struct pouch_mls_suite *s, struct pouch_hpke_params *p)
{
	memset(p, 0, sizeof(*p));
	p->mode = POUCH_HPKE_MODE_BASE;
	p->kem = s->hpke_kem;
	p->kdf = s->hpke_kdf;
	p->aead = s->hpke_aead;		/* info = "" */
}

/* init_secret = context.export("MLS 1.0 external init secret", Nh) */
static int
external_export(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const struct pouch_hpke_ctx *ctx, uint8_t *init_secret)
{
	uint8_t out[POUCH_HASH_MAX];
	int rc;

	if ((rc = pouch_hpke_export(c, ctx,
	    (const uint8_t *)EXTERNAL_INIT_LABEL,
	    sizeof(EXTERNAL_INIT_LABEL) - 1, out, s->nh)) == POUCH_OK)
		memcpy(init_secret, out, s->nh);
	OPENSSL_cleanse(out, sizeof(out));
	return rc;
}

int
pouch_mls_external_init_send(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *external_pub,
    size_t publen, uint8_t *kem_out, size_t kemcap, size_t *kemlen,
    uint8_t *init_secret)
{
	struct pouch_hpke_params p;
	struct pouch_hpke_ctx *ctx = NULL;
	int rc;

	if (kemlen != NULL)
		*kemlen = 0;
	if (c == NULL || !suite_ok(s) || external_pub == NULL ||
	    kem_out == NULL || kemlen == NULL || init_secret == NULL)
		return POUCH_E_MISUSE;
	external_params(s, &p);
	if ((rc = pouch_hpke_setup_sender(c, &p, external_pub, publen, NULL, 0,
	    kem_out, kemcap, kemlen, &ctx, NULL)) != POUCH_OK)
		goto out;
	rc = external_export(c, s, ctx, init_secret);
out:
	pouch_hpke_ctx_free(ctx);
	return rc;
}

int
pouch_mls_external_init_recv(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *external_priv,
    size_t privlen, const uint8_t *kem_out, size_t kemlen,
    uint8_t *init_secret)
{
	struct pouch_hpke_params p;
	struct pouch_hpke_ctx *ctx = NULL;
	int rc;

	if (c == NULL || !suite_ok(s) || external_priv == NULL ||
	    kem_out == NULL || init_secret == NULL)
		return POUCH_E_MISUSE;
	external_params(s, &p);
	if ((rc = pouch_hpke_setup_receiver(c, &p, kem_out, kemlen,
	    external_priv, privlen, &ctx, NULL)) != POUCH_OK)
		goto out;
	rc = external_export(c, s, ctx, init_secret);
out:
	pouch_hpke_ctx_free(ctx);
	return rc;
}
