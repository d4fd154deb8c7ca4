/*
 * mls/keypackage - KeyPackage creation and group-independent checks
 * (RFC 9420 10).  See keypackage.h.
 */
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "mls/group.h"
#include "mls/keypackage.h"

#define ENC_MAX		POUCH_VARINT_MAX

void
pouch_mls_kp_out_clear(struct pouch_mls_kp_out *o)
{
	if (o == NULL)
		return;
	pouch_wr_buf_free(o->kp, o->kplen);
	OPENSSL_cleanse(o, sizeof(*o));
}

struct pouch_mls_member_keys
pouch_mls_member_keys_of(const struct pouch_mls_suite *s,
    const struct pouch_mls_kp_out *kp, const uint8_t *sig_priv)
{
	struct pouch_mls_member_keys k;

	memset(&k, 0, sizeof(k));
	k.kp = kp->kp;
	k.kplen = kp->kplen;
	k.sig_priv = sig_priv;
	k.sig_privlen = pouch_sig_priv_len(s->sig);
	k.init_priv = kp->init_priv;
	k.init_privlen = kp->init_privlen;
	k.enc_priv = kp->enc_priv;
	k.enc_privlen = kp->enc_privlen;
	return k;
}

/* SignWithLabel(sig_priv, label, the bytes of tbs) into sig. */
static int
sign_tbs(const struct pouch_crypto *c, const struct pouch_mls_kp_params *p,
    const char *label, const struct pouch_wr *tbs, uint8_t *sig,
    size_t *siglen)
{
	return pouch_mls_sign_with_label(c, p->s, p->sig_priv, p->sig_privlen,
	    label, tbs->buf, tbs->len, sig, POUCH_SIG_MAX, siglen);
}

/* The LeafNode of the KeyPackage, signed; arrays live in the caller. */
static int
make_leaf(const struct pouch_crypto *c, const struct pouch_mls_kp_params *p,
    struct pouch_mls_leaf_node *ln, uint8_t *sig, size_t *siglen)
{
	struct pouch_mls_leaf_node_tbs tbs;
	struct pouch_wr w;
	int rc;

	memset(&tbs, 0, sizeof(tbs));
	tbs.leaf = *ln;
	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_leaf_node_tbs_encode(&w, &tbs);
	if ((rc = pouch_wr_finish(&w)) == POUCH_OK)
		rc = sign_tbs(c, p, "LeafNodeTBS", &w, sig, siglen);
	pouch_wr_free(&w);
	if (rc == POUCH_OK) {
		ln->signature.p = sig;
		ln->signature.n = *siglen;
	}
	return rc;
}

int
pouch_mls_key_package_create(const struct pouch_crypto *c,
    const struct pouch_mls_kp_params *p, struct pouch_mls_kp_out *o)
{
	struct pouch_mls_key_package kp;
	struct pouch_mls_extension ext;
	uint8_t ipk[POUCH_HPKE_PK_MAX], epk[POUCH_HPKE_PK_MAX];
	uint8_t lsig[POUCH_SIG_MAX], ksig[POUCH_SIG_MAX];
	uint16_t versions[1], suites[1], creds[1], exts[1];
	size_t ipklen = 0, epklen = 0, lsiglen = 0, ksiglen = 0;
	struct pouch_wr w;
	int rc;

	if (o != NULL)
		memset(o, 0, sizeof(*o));
	if (c == NULL || p == NULL || o == NULL || p->s == NULL ||
	    p->sig_priv == NULL || p->sig_pub == NULL ||
	    (p->identity == NULL && p->identitylen != 0) ||
	    p->not_after < p->not_before)
		return POUCH_E_MISUSE;
	pouch_wr_init(&w, ENC_MAX);
	if ((rc = pouch_hpke_generate_keypair(c, p->s->hpke_kem, o->init_priv,
	    sizeof(o->init_priv), &o->init_privlen, ipk, sizeof(ipk),
	    &ipklen)) != POUCH_OK ||
	    (rc = pouch_hpke_generate_keypair(c, p->s->hpke_kem, o->enc_priv,
	    sizeof(o->enc_priv), &o->enc_privlen, epk, sizeof(epk),
	    &epklen)) != POUCH_OK)
		goto out;
	memset(&kp, 0, sizeof(kp));
	versions[0] = POUCH_MLS_VERSION_10;
	suites[0] = p->s->id;
	creds[0] = POUCH_MLS_CRED_BASIC;
	exts[0] = POUCH_MLS_EXT_LAST_RESORT;
	kp.version = POUCH_MLS_VERSION_10;
	kp.cipher_suite = p->s->id;
	kp.init_key.p = ipk;
	kp.init_key.n = ipklen;
	kp.leaf_node.encryption_key.p = epk;
	kp.leaf_node.encryption_key.n = epklen;
	kp.leaf_node.signature_key.p = p->sig_pub;
	kp.leaf_node.signature_key.n = p->sig_publen;
	kp.leaf_node.credential.type = POUCH_MLS_CRED_BASIC;
	kp.leaf_node.credential.identity.p = p->identity;
	kp.leaf_node.credential.identity.n = p->identitylen;
	kp.leaf_node.capabilities.versions.v = versions;
	kp.leaf_node.capabilities.versions.n = 1;
	kp.leaf_node.capabilities.cipher_suites.v = suites;
	kp.leaf_node.capabilities.cipher_suites.n = 1;
	kp.leaf_node.capabilities.credentials.v = creds;
	kp.leaf_node.capabilities.credentials.n = 1;
	kp.leaf_node.capabilities.extensions.v = exts;
	kp.leaf_node.capabilities.extensions.n = 1;
	kp.leaf_node.source = POUCH_MLS_LEAF_KEY_PACKAGE;
	kp.leaf_node.lifetime.not_before = p->not_before;
	kp.leaf_node.lifetime.not_after = p->not_after;
	if (p->last_resort) {
		memset(&ext, 0, sizeof(ext));
		ext.type = POUCH_MLS_EXT_LAST_RESORT;
		kp.extensions.v = &ext;
		kp.extensions.n = 1;
	}
	if ((rc = make_leaf(c, p, &kp.leaf_node, lsig, &lsiglen)) != POUCH_OK)
		goto out;
	pouch_mls_key_package_tbs_encode(&w, &kp);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK ||
	    (rc = sign_tbs(c, p, "KeyPackageTBS", &w, ksig, &ksiglen)) !=
	    POUCH_OK)
		goto out;
	kp.signature.p = ksig;
	kp.signature.n = ksiglen;
	pouch_wr_free(&w);
	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_key_package_encode(&w, &kp);
	rc = pouch_wr_take(&w, &o->kp, &o->kplen);
out:
	pouch_wr_free(&w);
	if (rc != POUCH_OK)
		pouch_mls_kp_out_clear(o);
	return rc;
}

int
pouch_mls_key_package_verify(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const struct pouch_mls_key_package *kp)
{
	const struct pouch_mls_bytes *ek;
	struct pouch_wr w;
	int rc;

	if (c == NULL || s == NULL || kp == NULL)
		return POUCH_E_MISUSE;
	if (kp->version != POUCH_MLS_VERSION_10)
		return POUCH_E_UNSUPPORTED;
	if (kp->cipher_suite != s->id)
		return POUCH_E_WRONG_SUITE;
	if ((rc = pouch_hpke_pk_check(c, s->hpke_kem, kp->init_key.p,
	    kp->init_key.n)) != POUCH_OK)
		return rc;
	ek = &kp->leaf_node.encryption_key;
	if (ek->n == kp->init_key.n &&
	    CRYPTO_memcmp(ek->p, kp->init_key.p, ek->n) == 0)
		return POUCH_E_DUP_ENCRYPTION_KEY;
	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_key_package_tbs_encode(&w, kp);
	if ((rc = pouch_wr_finish(&w)) == POUCH_OK)
		rc = pouch_mls_verify_with_label(c, s,
		    kp->leaf_node.signature_key.p,
		    kp->leaf_node.signature_key.n, "KeyPackageTBS", w.buf,
		    w.len, kp->signature.p, kp->signature.n);
	pouch_wr_free(&w);
	return rc;
}

int
pouch_mls_key_package_is_last_resort(const struct pouch_mls_key_package *kp)
{
	size_t i;

	if (kp == NULL)
		return 0;
	for (i = 0; i < kp->extensions.n; i++)
		if (kp->extensions.v[i].type == POUCH_MLS_EXT_LAST_RESORT)
			return 1;
	return 0;
}
