/*
 * mls/group_api - the public API of <pouch/group.h>: thin wrappers over
 * the internal group engine (mls/group.h) that own a crypto provider per
 * handle and the private key bundle format.
 *
 * Private key bundle (SECRET), version 1:
 *   "PMKB" u16 version u16 suite  opaque key_package<V>
 *   opaque sig_priv<V> opaque init_priv<V> opaque enc_priv<V>
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/err.h>
#include <pouch/group.h>

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "hpke/hpke.h"
#include "mls/group.h"
#include "mls/group_int.h"
#include "mls/keypackage.h"
#include "mls/suite.h"

#define BUNDLE_VERSION	1
#define KP_MAX		POUCH_VARINT_MAX

static const uint8_t bundle_magic[4] = { 'P', 'M', 'K', 'B' };

struct pouch_group {
	struct pouch_crypto	*c;
	struct pouch_mls_group	*g;
};

/* A decoded private key bundle: pointers into the caller's buffer. */
struct bundle {
	const struct pouch_mls_suite	*s;
	struct pouch_mls_member_keys	 mk;
};

void
pouch_buf_free(uint8_t *buf, size_t len)
{
	pouch_wr_buf_free(buf, len);
}

static int
bundle_parse(const uint8_t *buf, size_t len, struct bundle *b)
{
	struct pouch_mls_member_keys *k = &b->mk;
	uint8_t mg[sizeof(bundle_magic)];
	uint16_t version, suite;
	struct pouch_rd r;
	int rc;

	memset(b, 0, sizeof(*b));
	pouch_rd_init(&r, buf, len);
	if ((rc = pouch_rd_copy(&r, mg, sizeof(mg))) != POUCH_OK ||
	    (rc = pouch_rd_u16(&r, &version)) != POUCH_OK)
		return rc;
	if (memcmp(mg, bundle_magic, sizeof(mg)) != 0)	/* checksrc: allow */
		return POUCH_E_MALFORMED;
	if (version != BUNDLE_VERSION)
		return POUCH_E_UNSUPPORTED;
	if ((rc = pouch_rd_u16(&r, &suite)) != POUCH_OK)
		return rc;
	if ((b->s = pouch_mls_suite_get(suite)) == NULL)
		return POUCH_E_UNSUPPORTED;
	if ((rc = pouch_rd_opaque(&r, &k->kp, &k->kplen, KP_MAX)) !=
	    POUCH_OK ||
	    (rc = pouch_rd_opaque(&r, &k->sig_priv, &k->sig_privlen,
	    POUCH_SIG_PRIV_MAX)) != POUCH_OK ||
	    (rc = pouch_rd_opaque(&r, &k->init_priv, &k->init_privlen,
	    POUCH_HPKE_SK_MAX)) != POUCH_OK ||
	    (rc = pouch_rd_opaque(&r, &k->enc_priv, &k->enc_privlen,
	    POUCH_HPKE_SK_MAX)) != POUCH_OK)
		return rc;
	if (k->sig_privlen != pouch_sig_priv_len(b->s->sig) ||
	    k->init_privlen == 0 || k->enc_privlen == 0)
		return POUCH_E_MALFORMED;
	return pouch_rd_done(&r);
}

int
pouch_key_package_create(uint16_t suite, const uint8_t *identity,
    size_t identitylen, uint64_t not_before, uint64_t not_after,
    uint8_t **kp, size_t *kplen, uint8_t **priv, size_t *privlen)
{
	const struct pouch_mls_suite *s;
	struct pouch_mls_kp_params p;
	struct pouch_mls_kp_out o;
	struct pouch_crypto *c = NULL;
	uint8_t sk[POUCH_SIG_PRIV_MAX], pk[POUCH_SIG_PUB_MAX];
	uint8_t *k = NULL;
	size_t klen = 0;
	struct pouch_wr w;
	int rc;

	memset(&o, 0, sizeof(o));
	pouch_wr_init(&w, KP_MAX);
	if (kp != NULL)
		*kp = NULL;
	if (kplen != NULL)
		*kplen = 0;
	if (priv != NULL)
		*priv = NULL;
	if (privlen != NULL)
		*privlen = 0;
	if (kp == NULL || kplen == NULL || priv == NULL || privlen == NULL ||
	    (identity == NULL && identitylen != 0))
		return POUCH_E_MISUSE;
	if ((s = pouch_mls_suite_get(suite)) == NULL)
		return POUCH_E_UNSUPPORTED;
	if ((rc = pouch_crypto_new(&c)) != POUCH_OK ||
	    (rc = pouch_sig_keygen(c, s->sig, sk, pk)) != POUCH_OK)
		goto out;
	memset(&p, 0, sizeof(p));
	p.s = s;
	p.identity = identity;
	p.identitylen = identitylen;
	p.sig_priv = sk;
	p.sig_privlen = pouch_sig_priv_len(s->sig);
	p.sig_pub = pk;
	p.sig_publen = pouch_sig_pub_len(s->sig);
	p.not_before = not_before;
	p.not_after = not_after;
	if ((rc = pouch_mls_key_package_create(c, &p, &o)) != POUCH_OK)
		goto out;
	pouch_wr_bytes(&w, bundle_magic, sizeof(bundle_magic));
	pouch_wr_u16(&w, BUNDLE_VERSION);
	pouch_wr_u16(&w, suite);
	pouch_wr_opaque(&w, o.kp, o.kplen);
	pouch_wr_opaque(&w, sk, p.sig_privlen);
	pouch_wr_opaque(&w, o.init_priv, o.init_privlen);
	pouch_wr_opaque(&w, o.enc_priv, o.enc_privlen);
	if ((rc = pouch_wr_take(&w, &k, &klen)) != POUCH_OK)
		goto out;
	*priv = k;
	*privlen = klen;
	*kp = o.kp;
	*kplen = o.kplen;
	o.kp = NULL;
	o.kplen = 0;
out:
	pouch_wr_free(&w);
	pouch_mls_kp_out_clear(&o);
	OPENSSL_cleanse(sk, sizeof(sk));
	pouch_crypto_free(c);
	return rc;
}

static int
handle_new(struct pouch_group **out)
{
	struct pouch_group *h;
	int rc;

	*out = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return POUCH_E_NOMEM;
	if ((rc = pouch_crypto_new(&h->c)) != POUCH_OK) {
		free(h);
		return rc;
	}
	*out = h;
	return POUCH_OK;
}

void
pouch_group_free(pouch_group *g)
{
	if (g == NULL)
		return;
	pouch_mls_group_free(g->g);
	pouch_crypto_free(g->c);
	free(g);
}

int
pouch_group_create(const uint8_t *group_id, size_t group_idlen,
    const uint8_t *priv, size_t privlen, uint64_t now, pouch_group **out)
{
	struct pouch_group *h = NULL;
	struct bundle b;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (group_id == NULL || group_idlen == 0 || priv == NULL ||
	    out == NULL)
		return POUCH_E_MISUSE;
	if ((rc = bundle_parse(priv, privlen, &b)) != POUCH_OK ||
	    (rc = handle_new(&h)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_group_create(h->c, b.s, group_id, group_idlen,
	    &b.mk, now, &h->g)) != POUCH_OK) {
		pouch_group_free(h);
		return rc;
	}
	*out = h;
	return POUCH_OK;
}

int
pouch_group_join(const uint8_t *priv, size_t privlen, const uint8_t *welcome,
    size_t welcomelen, uint64_t now, pouch_group **out)
{
	struct pouch_group *h = NULL;
	struct bundle b;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (priv == NULL || welcome == NULL || out == NULL)
		return POUCH_E_MISUSE;
	if ((rc = bundle_parse(priv, privlen, &b)) != POUCH_OK ||
	    (rc = handle_new(&h)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_group_join(h->c, b.s, &b.mk, welcome, welcomelen,
	    NULL, now, &h->g)) != POUCH_OK) {
		pouch_group_free(h);
		return rc;
	}
	*out = h;
	return POUCH_OK;
}

int
pouch_group_commit(pouch_group *g, const uint8_t *const *adds,
    const size_t *addlens, size_t nadds, const uint32_t *removes,
    size_t nremoves, uint64_t now, uint8_t **commit, size_t *commitlen,
    uint8_t **welcome, size_t *welcomelen)
{
	struct pouch_mls_commit_req req;

	memset(&req, 0, sizeof(req));
	req.adds = adds;
	req.addlens = addlens;
	req.nadds = nadds;
	req.removes = removes;
	req.nremoves = nremoves;
	req.now = now;
	if (g == NULL) {
		if (commit != NULL)
			*commit = NULL;
		if (welcome != NULL)
			*welcome = NULL;
		if (commitlen != NULL)
			*commitlen = 0;
		if (welcomelen != NULL)
			*welcomelen = 0;
		return POUCH_E_MISUSE;
	}
	return pouch_mls_group_commit(g->g, &req, commit, commitlen, welcome,
	    welcomelen);
}

int
pouch_group_merge_pending(pouch_group *g)
{
	if (g == NULL)
		return POUCH_E_MISUSE;
	return pouch_mls_group_merge_pending(g->g);
}

void
pouch_group_discard_pending(pouch_group *g)
{
	if (g != NULL)
		pouch_mls_group_discard_pending(g->g);
}

int
pouch_group_has_pending(const pouch_group *g)
{
	return g != NULL && pouch_mls_group_has_pending(g->g);
}

int
pouch_group_process(pouch_group *g, const uint8_t *msg, size_t msglen,
    uint64_t now)
{
	if (g == NULL)
		return POUCH_E_MISUSE;
	return pouch_mls_group_process(g->g, msg, msglen, now);
}

int
pouch_group_encrypt(pouch_group *g, const uint8_t *aad, size_t aadlen,
    const uint8_t *pt, size_t ptlen, uint8_t **out, size_t *outlen)
{
	if (g == NULL) {
		if (out != NULL)
			*out = NULL;
		if (outlen != NULL)
			*outlen = 0;
		return POUCH_E_MISUSE;
	}
	return pouch_mls_group_encrypt(g->g, aad, aadlen, pt, ptlen, out,
	    outlen);
}

int
pouch_group_decrypt(pouch_group *g, const uint8_t *msg, size_t msglen,
    uint8_t **pt, size_t *ptlen, uint32_t *sender)
{
	if (g == NULL) {
		if (pt != NULL)
			*pt = NULL;
		if (ptlen != NULL)
			*ptlen = 0;
		if (sender != NULL)
			*sender = 0;
		return POUCH_E_MISUSE;
	}
	return pouch_mls_group_decrypt(g->g, msg, msglen, pt, ptlen, sender);
}

int
pouch_group_save(const pouch_group *g, uint8_t **out, size_t *outlen)
{
	if (g == NULL) {
		if (out != NULL)
			*out = NULL;
		if (outlen != NULL)
			*outlen = 0;
		return POUCH_E_MISUSE;
	}
	return pouch_mls_group_save(g->g, out, outlen);
}

int
pouch_group_load(const uint8_t *buf, size_t len, pouch_group **out)
{
	struct pouch_group *h = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (buf == NULL || out == NULL)
		return POUCH_E_MISUSE;
	if ((rc = handle_new(&h)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_group_load(h->c, buf, len, &h->g)) != POUCH_OK) {
		pouch_group_free(h);
		return rc;
	}
	*out = h;
	return POUCH_OK;
}

int
pouch_group_set_retention(pouch_group *g, uint32_t n)
{
	if (g == NULL)
		return POUCH_E_MISUSE;
	return pouch_mls_group_set_retention(g->g, n);
}

uint64_t
pouch_group_epoch(const pouch_group *g)
{
	return g == NULL ? 0 : pouch_mls_group_epoch(g->g);
}

uint16_t
pouch_group_suite(const pouch_group *g)
{
	return g == NULL ? 0 : pouch_mls_group_suite(g->g)->id;
}

uint32_t
pouch_group_leaf(const pouch_group *g)
{
	return g == NULL ? 0 : pouch_mls_group_leaf(g->g);
}

int
pouch_group_removed(const pouch_group *g)
{
	return g != NULL && pouch_mls_group_removed(g->g);
}

uint32_t
pouch_group_members(const pouch_group *g)
{
	return g == NULL ? 0 : pouch_mls_group_members(g->g);
}

uint32_t
pouch_group_leaves(const pouch_group *g)
{
	return g == NULL ? 0 : pouch_mls_group_leaves(g->g);
}

int
pouch_group_member_identity(const pouch_group *g, uint32_t leaf,
    uint8_t **identity, size_t *identitylen)
{
	struct pouch_mls_member_info mi;
	uint8_t *b;
	int rc;

	if (identity != NULL)
		*identity = NULL;
	if (identitylen != NULL)
		*identitylen = 0;
	if (g == NULL || identity == NULL || identitylen == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_group_member(g->g, leaf, &mi)) != POUCH_OK)
		return rc;
	if ((b = malloc(mi.identitylen == 0 ? 1 : mi.identitylen)) == NULL)
		return POUCH_E_NOMEM;
	if (mi.identitylen != 0)
		memcpy(b, mi.identity, mi.identitylen);
	*identity = b;
	*identitylen = mi.identitylen;
	return POUCH_OK;
}

int
pouch_group_epoch_authenticator(const pouch_group *g, uint8_t *out,
    size_t cap, size_t *outlen)
{
	size_t nh;

	if (outlen != NULL)
		*outlen = 0;
	if (g == NULL || out == NULL || outlen == NULL)
		return POUCH_E_MISUSE;
	nh = pouch_mls_group_suite(g->g)->nh;
	if (cap < nh)
		return POUCH_E_BUFFER_TOO_SMALL;
	*outlen = nh;
	return pouch_mls_group_epoch_authenticator(g->g, out);
}

int
pouch_group_export(const pouch_group *g, const char *label,
    const uint8_t *context, size_t contextlen, uint8_t *out, size_t len)
{
	if (g == NULL)
		return POUCH_E_MISUSE;
	return pouch_mls_group_export(g->g, label, context, contextlen, out,
	    len);
}

/* ---- ReInit and branch -------------------------------------------- */

int
pouch_group_propose_reinit(pouch_group *g, const uint8_t *group_id,
    size_t group_idlen, uint16_t suite, uint8_t **out, size_t *outlen)
{
	if (g == NULL) {
		if (out != NULL)
			*out = NULL;
		if (outlen != NULL)
			*outlen = 0;
		return POUCH_E_MISUSE;
	}
	return pouch_mls_group_propose_reinit(g->g, group_id, group_idlen,
	    suite, NULL, NULL, NULL, 0, out, outlen);
}

int
pouch_group_commit_reinit(pouch_group *g, const uint8_t *group_id,
    size_t group_idlen, uint16_t suite, uint64_t now, uint8_t **commit,
    size_t *commitlen)
{
	if (g == NULL) {
		if (commit != NULL)
			*commit = NULL;
		if (commitlen != NULL)
			*commitlen = 0;
		return POUCH_E_MISUSE;
	}
	return pouch_mls_group_commit_reinit(g->g, group_id, group_idlen,
	    suite, NULL, NULL, NULL, 0, now, commit, commitlen);
}

int
pouch_group_reinit_pending(const pouch_group *g)
{
	return g != NULL && pouch_mls_group_reinit_pending(g->g, NULL, NULL,
	    NULL);
}

int
pouch_group_reinit_target(const pouch_group *g, uint8_t **group_id,
    size_t *group_idlen, uint16_t *suite)
{
	const uint8_t *id;
	uint8_t *b;
	size_t n;
	uint16_t s;

	if (group_id != NULL)
		*group_id = NULL;
	if (group_idlen != NULL)
		*group_idlen = 0;
	if (suite != NULL)
		*suite = 0;
	if (g == NULL || group_id == NULL || group_idlen == NULL ||
	    suite == NULL)
		return POUCH_E_MISUSE;
	if (!pouch_mls_group_reinit_pending(g->g, &id, &n, &s))
		return POUCH_E_STATE;
	if ((b = malloc(n)) == NULL)
		return POUCH_E_NOMEM;
	memcpy(b, id, n);
	*group_id = b;
	*group_idlen = n;
	*suite = s;
	return POUCH_OK;
}

int
pouch_group_resume(const pouch_group *old, int usage,
    const uint8_t *group_id, size_t group_idlen, const uint8_t *priv,
    size_t privlen, const uint8_t *const *adds, const size_t *addlens,
    size_t nadds, uint64_t now, pouch_group **out, uint8_t **welcome,
    size_t *welcomelen)
{
	struct pouch_group *h = NULL;
	struct bundle b;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (welcome != NULL)
		*welcome = NULL;
	if (welcomelen != NULL)
		*welcomelen = 0;
	if (old == NULL || priv == NULL || out == NULL ||
	    (usage != POUCH_GROUP_RESUME_REINIT &&
	    usage != POUCH_GROUP_RESUME_BRANCH))
		return POUCH_E_MISUSE;
	if ((rc = bundle_parse(priv, privlen, &b)) != POUCH_OK ||
	    (rc = handle_new(&h)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_group_resume(h->c, old->g, (uint8_t)usage,
	    group_id, group_idlen, &b.mk, adds, addlens, nadds, now, &h->g,
	    welcome, welcomelen)) != POUCH_OK) {
		pouch_group_free(h);
		return rc;
	}
	*out = h;
	return POUCH_OK;
}

int
pouch_group_join_resume(const uint8_t *priv, size_t privlen,
    const uint8_t *welcome, size_t welcomelen, const pouch_group *old,
    uint64_t now, pouch_group **out)
{
	struct pouch_mls_join_opts o;
	struct pouch_group *h = NULL;
	struct bundle b;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (priv == NULL || welcome == NULL || old == NULL || out == NULL)
		return POUCH_E_MISUSE;
	if ((rc = bundle_parse(priv, privlen, &b)) != POUCH_OK ||
	    (rc = handle_new(&h)) != POUCH_OK)
		return rc;
	memset(&o, 0, sizeof(o));
	o.resume = old->g;
	if ((rc = pouch_mls_group_join(h->c, b.s, &b.mk, welcome, welcomelen,
	    &o, now, &h->g)) != POUCH_OK) {
		pouch_group_free(h);
		return rc;
	}
	*out = h;
	return POUCH_OK;
}

/*
 * Undo the proposals cached since there were n: the PreSharedKey
 * proposal of a resumption commit that then failed (its message was
 * never handed out).  With handshake PrivateMessages (set only through
 * the internal API) the proposal's generation stays spent: a gap the
 * others skip.
 */
static void
cache_truncate(struct pouch_mls_group *g, size_t n)
{
	while (g->ncache > n) {
		g->ncache--;
		pouch_wr_buf_free(g->cache[g->ncache].p, g->cache[g->ncache].n);
		OPENSSL_cleanse(&g->cache[g->ncache], sizeof(g->cache[0]));
	}
}

/* 1 when an Add proposal is cached in the current epoch. */
static int
cache_has_add(const struct pouch_mls_group *g)
{
	struct pouch_rd r;
	uint16_t type;
	size_t i;

	for (i = 0; i < g->ncache; i++) {
		pouch_rd_init(&r, g->cache[i].p, g->cache[i].n);
		if (pouch_rd_u16(&r, &type) != POUCH_OK ||
		    type == POUCH_MLS_PROP_ADD)
			return 1;
	}
	return 0;
}

int
pouch_group_commit_resumption_psk(pouch_group *g, uint64_t epoch,
    uint64_t now, uint8_t **proposal, size_t *proposallen, uint8_t **commit,
    size_t *commitlen)
{
	struct pouch_mls_commit_req req;
	uint8_t *p = NULL, *cm = NULL, *wl = NULL;
	size_t plen = 0, cmlen = 0, wllen = 0, n0;
	int rc;

	if (proposal != NULL)
		*proposal = NULL;
	if (proposallen != NULL)
		*proposallen = 0;
	if (commit != NULL)
		*commit = NULL;
	if (commitlen != NULL)
		*commitlen = 0;
	if (g == NULL || proposal == NULL || proposallen == NULL ||
	    commit == NULL || commitlen == NULL)
		return POUCH_E_MISUSE;
	/* new members could not take a resumption PSK (join: UNSUPPORTED) */
	if (pouch_mls_group_has_pending(g->g) || cache_has_add(g->g))
		return POUCH_E_STATE;
	n0 = g->g->ncache;
	if ((rc = pouch_mls_group_propose_resumption(g->g, epoch, &p,
	    &plen)) != POUCH_OK)
		return rc;
	memset(&req, 0, sizeof(req));
	req.now = now;
	req.by_reference = 1;
	if ((rc = pouch_mls_group_commit(g->g, &req, &cm, &cmlen, &wl,
	    &wllen)) != POUCH_OK) {
		cache_truncate(g->g, n0);
		goto out;
	}
	*proposal = p;
	*proposallen = plen;
	*commit = cm;
	*commitlen = cmlen;
	p = NULL;
	plen = 0;
out:
	pouch_wr_buf_free(wl, wllen);	/* none: nothing is added */
	pouch_wr_buf_free(p, plen);
	return rc;
}
