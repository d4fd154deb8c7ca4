/*
 * label.c - RFC 9420 5.1 and 5.2 labelled operations.  Each builds its
 * label struct (KDFLabel, SignContent, EncryptContext, RefHashInput) with
 * the bounded writer - on the stack when it fits, which is the hot case of
 * the secret-tree ratchet - and hands it to the provider or to HPKE.  The
 * encoded structs can hold secrets only in ExpandWithLabel's context, and
 * every buffer is wiped before it is released.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "codec/codec.h"
#include "hpke/hpke.h"
#include "mls/suite.h"

#define MLS_LABEL_PREFIX	"MLS 1.0 "
#define STACK_STRUCT_BYTES	512
/* The largest content we sign or encrypt in one labelled operation. */
#define LABEL_STRUCT_MAX	(64U << 20)

/* An encoded label struct: in buf[] when small, on the heap otherwise. */
struct label_buf {
	struct pouch_wr	wr;
	uint8_t		buf[STACK_STRUCT_BYTES];
};

static void
lb_init(struct label_buf *lb, size_t need)
{
	if (need <= sizeof(lb->buf))
		pouch_wr_init_buf(&lb->wr, lb->buf, sizeof(lb->buf));
	else
		pouch_wr_init(&lb->wr, LABEL_STRUCT_MAX);
}

static void
lb_free(struct label_buf *lb)
{
	pouch_wr_free(&lb->wr);
	OPENSSL_cleanse(lb->buf, sizeof(lb->buf));
}

/* opaque label<V> = "MLS 1.0 " + label */
static int
put_label(struct pouch_wr *w, const char *label)
{
	size_t n;

	if (label == NULL)
		return POUCH_E_MISUSE;
	n = strlen(label);
	if (n > POUCH_MLS_LABEL_MAX)
		return POUCH_E_MISUSE;
	pouch_wr_varint(w, (uint32_t)(sizeof(MLS_LABEL_PREFIX) - 1 + n));
	pouch_wr_bytes(w, MLS_LABEL_PREFIX, sizeof(MLS_LABEL_PREFIX) - 1);
	pouch_wr_bytes(w, label, n);
	return POUCH_OK;
}

/* Bytes a struct of a label and one opaque<V> of n bytes takes, at most. */
static size_t
struct_size(size_t n)
{
	return 2 + 4 + sizeof(MLS_LABEL_PREFIX) + POUCH_MLS_LABEL_MAX + 4 + n;
}

/*
 * RFC 9420 5.1:
 * struct { uint16 length; opaque label<V>; opaque context<V>; } KDFLabel;
 */
int
pouch_mls_expand_with_label(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *secret, size_t secretlen,
    const char *label, const uint8_t *context, size_t contextlen,
    uint8_t *out, size_t len)
{
	struct label_buf lb;
	int rc;

	if (c == NULL || s == NULL || secret == NULL || out == NULL ||
	    len > 0xffff || (context == NULL && contextlen != 0))
		return POUCH_E_MISUSE;
	lb_init(&lb, struct_size(contextlen));
	pouch_wr_u16(&lb.wr, (uint16_t)len);
	if ((rc = put_label(&lb.wr, label)) != POUCH_OK)
		goto out;
	pouch_wr_opaque(&lb.wr, context, contextlen);
	if ((rc = pouch_wr_finish(&lb.wr)) != POUCH_OK)
		goto out;
	rc = pouch_hkdf_expand(c, s->hash, secret, secretlen, lb.wr.buf,
	    lb.wr.len, out, len);
out:
	lb_free(&lb);
	return rc;
}

int
pouch_mls_derive_secret(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *secret, size_t secretlen,
    const char *label, uint8_t *out)
{
	if (s == NULL)
		return POUCH_E_MISUSE;
	return pouch_mls_expand_with_label(c, s, secret, secretlen, label,
	    NULL, 0, out, s->nh);
}

/* RFC 9420 9: DeriveTreeSecret(Secret, Label, Generation, Length) */
int
pouch_mls_derive_tree_secret(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *secret, size_t secretlen,
    const char *label, uint32_t generation, uint8_t *out, size_t len)
{
	uint8_t gen[4];

	gen[0] = (uint8_t)(generation >> 24);
	gen[1] = (uint8_t)(generation >> 16);
	gen[2] = (uint8_t)(generation >> 8);
	gen[3] = (uint8_t)generation;
	return pouch_mls_expand_with_label(c, s, secret, secretlen, label,
	    gen, sizeof(gen), out, len);
}

/* RFC 9420 5.2: RefHashInput = struct { opaque label<V>; opaque value<V>; } */
int
pouch_mls_ref_hash(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const char *label, const uint8_t *value,
    size_t valuelen, uint8_t *out)
{
	struct label_buf lb;
	size_t n;
	int rc;

	if (c == NULL || s == NULL || label == NULL || out == NULL ||
	    (value == NULL && valuelen != 0))
		return POUCH_E_MISUSE;
	if ((n = strlen(label)) > POUCH_MLS_LABEL_MAX + 8)
		return POUCH_E_MISUSE;
	lb_init(&lb, struct_size(valuelen));
	pouch_wr_opaque(&lb.wr, label, n);
	pouch_wr_opaque(&lb.wr, value, valuelen);
	if ((rc = pouch_wr_finish(&lb.wr)) != POUCH_OK)
		goto out;
	rc = pouch_hash(c, s->hash, lb.wr.buf, lb.wr.len, out);
out:
	lb_free(&lb);
	return rc;
}

int
pouch_mls_key_package_ref(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *kp, size_t kplen,
    uint8_t *out)
{
	return pouch_mls_ref_hash(c, s, "MLS 1.0 KeyPackage Reference", kp,
	    kplen, out);
}

int
pouch_mls_proposal_ref(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *ac, size_t aclen,
    uint8_t *out)
{
	return pouch_mls_ref_hash(c, s, "MLS 1.0 Proposal Reference", ac,
	    aclen, out);
}

/*
 * SignContent / EncryptContext share one shape:
 * struct { opaque label<V> = "MLS 1.0 " + Label; opaque content<V>; }
 */
static int
label_content(struct label_buf *lb, const char *label, const uint8_t *p,
    size_t n)
{
	int rc;

	lb_init(lb, struct_size(n));
	if (p == NULL && n != 0)
		return POUCH_E_MISUSE;
	if ((rc = put_label(&lb->wr, label)) != POUCH_OK)
		return rc;
	pouch_wr_opaque(&lb->wr, p, n);
	return pouch_wr_finish(&lb->wr);
}

/* RFC 9420 5.1.2, with priv loaded for this one signature */
int
pouch_mls_sign_with_label(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *priv, size_t privlen,
    const char *label, const uint8_t *content, size_t contentlen,
    uint8_t *sig, size_t sigcap, size_t *siglen)
{
	struct pouch_sig_key *k = NULL;
	int rc;

	if (siglen != NULL)
		*siglen = 0;
	if (c == NULL || s == NULL || priv == NULL || sig == NULL ||
	    siglen == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_sig_key_new(c, s->sig, POUCH_IMPL_DEFAULT, priv,
	    privlen, &k)) != POUCH_OK)
		return rc;
	rc = pouch_mls_sign_with_label_key(k, label, content, contentlen, sig,
	    sigcap, siglen);
	pouch_sig_key_free(k);
	return rc;
}

/*
 * Signed in two parts, so that a large content (a commit with its path)
 * is hashed where it lies rather than copied after its label.
 */
int
pouch_mls_sign_with_label_key(const struct pouch_sig_key *k,
    const char *label, const uint8_t *content, size_t contentlen,
    uint8_t *sig, size_t sigcap, size_t *siglen)
{
	struct pouch_part parts[2];
	uint8_t head[4 + sizeof(MLS_LABEL_PREFIX) + POUCH_MLS_LABEL_MAX + 4];
	struct pouch_wr w;
	int rc;

	if (siglen != NULL)
		*siglen = 0;
	if (k == NULL || sig == NULL || siglen == NULL ||
	    (content == NULL && contentlen != 0))
		return POUCH_E_MISUSE;
	if (contentlen > LABEL_STRUCT_MAX)
		return POUCH_E_TOO_LARGE;
	/* label<V> and the length of content<V> */
	pouch_wr_init_buf(&w, head, sizeof(head));
	if ((rc = put_label(&w, label)) != POUCH_OK)
		return rc;
	pouch_wr_varint(&w, (uint32_t)contentlen);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		return rc;
	parts[0].p = w.buf;
	parts[0].n = w.len;
	parts[1].p = content;
	parts[1].n = contentlen;
	return pouch_sig_key_sign_parts(k, parts, 2, sig, sigcap, siglen);
}

int
pouch_mls_verify_with_label(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *pub, size_t publen,
    const char *label, const uint8_t *content, size_t contentlen,
    const uint8_t *sig, size_t siglen)
{
	struct label_buf lb;
	int rc;

	if (c == NULL || s == NULL || pub == NULL || sig == NULL)
		return POUCH_E_MISUSE;
	if ((rc = label_content(&lb, label, content, contentlen)) != POUCH_OK)
		goto out;
	rc = pouch_sig_verify(c, s->sig, POUCH_IMPL_DEFAULT, pub, publen,
	    lb.wr.buf, lb.wr.len, sig, siglen);
out:
	lb_free(&lb);
	return rc;
}

/* RFC 9420 5.1.3: SealBase(pub, EncryptContext, "", plaintext) */
int
pouch_mls_encrypt_with_label(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *pub, size_t publen,
    const char *label, const uint8_t *context, size_t contextlen,
    const uint8_t *pt, size_t ptlen, uint8_t *kem_out, size_t kemcap,
    size_t *kemlen, uint8_t *ct, size_t ctcap, size_t *ctlen)
{
	struct label_buf lb;
	int rc;

	if (c == NULL || s == NULL)
		return POUCH_E_MISUSE;
	if ((rc = label_content(&lb, label, context, contextlen)) != POUCH_OK)
		goto out;
	rc = pouch_hpke_seal_base(c, s->hpke_kem, s->hpke_kdf, s->hpke_aead,
	    pub, publen, lb.wr.buf, lb.wr.len, NULL, 0, pt, ptlen,
	    kem_out, kemcap, kemlen, ct, ctcap, ctlen);
out:
	lb_free(&lb);
	return rc;
}

int
pouch_mls_decrypt_with_label(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *priv, size_t privlen,
    const char *label, const uint8_t *context, size_t contextlen,
    const uint8_t *kem_out, size_t kemlen, const uint8_t *ct, size_t ctlen,
    uint8_t *pt, size_t ptcap, size_t *ptlen)
{
	struct label_buf lb;
	int rc;

	if (c == NULL || s == NULL)
		return POUCH_E_MISUSE;
	if ((rc = label_content(&lb, label, context, contextlen)) != POUCH_OK)
		goto out;
	rc = pouch_hpke_open_base(c, s->hpke_kem, s->hpke_kdf, s->hpke_aead,
	    priv, privlen, kem_out, kemlen, lb.wr.buf, lb.wr.len, NULL, 0,
	    ct, ctlen, pt, ptcap, ptlen);
out:
	lb_free(&lb);
	return rc;
}
