/*
 * mls/group_propose - proposals of this member and of external senders
 * (RFC 9420 12.1, 12.1.8.1): the external_senders extension a group is
 * created with, the lookup of an external sender's key, which proposal
 * types each sender type may send, and our own Add and Remove proposals,
 * cached under their ProposalRef so that a commit can carry them by
 * reference.  See group.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "mls/group.h"
#include "mls/group_int.h"
#include "mls/keypackage.h"
#include "mls/msg.h"
#include "mls/protect.h"
#include "mls/suite.h"
#include "mls/tree.h"
#include "mls/tree_math.h"
#include "mls/treekem.h"

/* External senders a group may list, at most. */
#define EXT_SENDERS_MAX	64
/* Extensions of a GroupContextExtensions proposal of ours, at most. */
#define GCE_EXT_MAX	16

int
pouch_mls_group_ext_senders_encode(const struct pouch_mls_suite *s,
    const struct pouch_mls_create_opts *o, struct pouch_wr *w)
{
	struct pouch_mls_external_senders x;
	struct pouch_mls_external_sender *v;
	size_t i;

	if (o->next_senders > EXT_SENDERS_MAX || o->ext_senders == NULL)
		return POUCH_E_MISUSE;
	if ((v = calloc(o->next_senders, sizeof(*v))) == NULL)
		return POUCH_E_NOMEM;
	for (i = 0; i < o->next_senders; i++) {
		if (o->ext_senders[i].sig_key == NULL ||
		    o->ext_senders[i].sig_keylen !=
		    pouch_sig_pub_len(s->sig) ||
		    (o->ext_senders[i].identity == NULL &&
		    o->ext_senders[i].identitylen != 0)) {
			free(v);
			return POUCH_E_MISUSE;
		}
		v[i].signature_key.p = o->ext_senders[i].sig_key;
		v[i].signature_key.n = o->ext_senders[i].sig_keylen;
		v[i].credential.type = POUCH_MLS_CRED_BASIC;
		v[i].credential.identity.p = o->ext_senders[i].identity;
		v[i].credential.identity.n = o->ext_senders[i].identitylen;
	}
	x.v = v;
	x.n = o->next_senders;
	pouch_mls_external_senders_encode(w, &x);
	free(v);
	return POUCH_OK;
}

int
pouch_mls_group_ext_sender_key(const struct pouch_mls_group *g,
    uint32_t index, struct pouch_mls_arena *a, struct pouch_mls_bytes *key)
{
	const struct pouch_mls_extension *x;
	struct pouch_mls_external_senders es;
	struct pouch_rd r;
	int rc;

	key->p = NULL;
	key->n = 0;
	if ((x = pouch_mls_extension_find(&g->cur.ext,
	    POUCH_MLS_EXT_EXTERNAL_SENDERS)) == NULL)
		return POUCH_E_UNKNOWN_SENDER;
	pouch_rd_init(&r, x->data.p, x->data.n);
	if ((rc = pouch_mls_external_senders_decode(&r, a,
	    pouch_mls_limits_default(), &es)) != POUCH_OK)
		return rc;
	if (index >= es.n || es.v[index].signature_key.n == 0)
		return POUCH_E_UNKNOWN_SENDER;
	*key = es.v[index].signature_key;
	return POUCH_OK;
}

int
pouch_mls_group_sender_may_propose(uint8_t sender_type, uint16_t type)
{
	switch (sender_type) {
	case POUCH_MLS_SENDER_MEMBER:
		/* ExternalInit only ever travels inside a commit */
		if (type == POUCH_MLS_PROP_EXTERNAL_INIT)
			return POUCH_E_SENDER_NOT_ALLOWED;
		return POUCH_OK;
	case POUCH_MLS_SENDER_EXTERNAL:
		if (type == POUCH_MLS_PROP_ADD ||
		    type == POUCH_MLS_PROP_REMOVE ||
		    type == POUCH_MLS_PROP_PSK ||
		    type == POUCH_MLS_PROP_REINIT ||
		    type == POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS)
			return POUCH_OK;
		return POUCH_E_SENDER_NOT_ALLOWED;
	case POUCH_MLS_SENDER_NEW_MEMBER_PROPOSAL:
		return type == POUCH_MLS_PROP_ADD ? POUCH_OK :
		    POUCH_E_SENDER_NOT_ALLOWED;
	default:
		return POUCH_E_SENDER_NOT_ALLOWED;
	}
}

size_t
pouch_mls_group_cached_proposals(const struct pouch_mls_group *g)
{
	return g == NULL ? 0 : g->ncache;
}

/*
 * Sign pr as a PublicMessage (or, with hs_private, a PrivateMessage on
 * our handshake ratchet) from our leaf for the current epoch, cache it
 * under its ProposalRef and give the message in *out.
 */
static int
propose(struct pouch_mls_group *g, const struct pouch_mls_proposal *pr,
    uint8_t **out, size_t *outlen)
{
	struct pouch_mls_authenticated_content ac;
	struct pouch_mls_group_context gc;
	struct pouch_mls_protect_ctx p;
	uint8_t th[POUCH_HASH_MAX], sig[POUCH_SIG_MAX];
	uint8_t *b = NULL;
	size_t siglen = 0, blen = 0;
	int rc;

	/* full before a handshake generation is spent */
	if (g->ncache >= CACHE_MAX)
		return POUCH_E_LIMIT;
	if ((rc = pouch_mls_group_cur_context(g, th, &gc)) != POUCH_OK)
		return rc;
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = g->hs_private ? POUCH_MLS_WF_PRIVATE_MESSAGE :
	    POUCH_MLS_WF_PUBLIC_MESSAGE;
	ac.content.group_id.p = g->group_id;
	ac.content.group_id.n = g->group_idlen;
	ac.content.epoch = g->cur.epoch;
	ac.content.sender.type = POUCH_MLS_SENDER_MEMBER;
	ac.content.sender.index = g->cur.me;
	ac.content.content_type = POUCH_MLS_CT_PROPOSAL;
	ac.content.u.proposal = *pr;
	memset(&p, 0, sizeof(p));
	p.c = g->c;
	p.s = g->s;
	p.gc = &gc;
	p.membership_key = g->cur.es.membership_key;
	p.sender_data_secret = g->cur.es.sender_data_secret;
	p.st = g->cur.st;
	if ((rc = pouch_mls_content_sign(&p, g->sk, ac.wire_format,
	    &ac.content, sig, sizeof(sig), &siglen)) != POUCH_OK)
		return rc;
	ac.auth.signature.p = sig;
	ac.auth.signature.n = siglen;
	if (ac.wire_format == POUCH_MLS_WF_PUBLIC_MESSAGE)
		rc = pouch_mls_public_message_seal(&p, &ac, &b, &blen);
	else
		rc = pouch_mls_private_message_seal(&p, &ac, &b, &blen);
	if (rc != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_group_cache_put(g, &ac)) != POUCH_OK) {
		pouch_wr_buf_free(b, blen);
		return rc;
	}
	*out = b;
	*outlen = blen;
	return POUCH_OK;
}

int
pouch_mls_group_propose_msg(struct pouch_mls_group *g,
    const struct pouch_mls_proposal *pr, uint8_t **out, size_t *outlen)
{
	return propose(g, pr, out, outlen);
}

int
pouch_mls_group_propose_begin(const struct pouch_mls_group *g, uint8_t **out,
    size_t *outlen)
{
	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (g == NULL || out == NULL || outlen == NULL)
		return POUCH_E_MISUSE;
	if (g->cur.removed)
		return POUCH_E_STATE;
	return pouch_mls_group_reinit_gate(&g->cur);
}

int
pouch_mls_group_propose_add(struct pouch_mls_group *g, const uint8_t *kp,
    size_t kplen, uint64_t now, uint8_t **out, size_t *outlen)
{
	struct pouch_mls_proposal pr;
	struct pouch_mls_arena a;
	int rc;

	if ((rc = pouch_mls_group_propose_begin(g, out, outlen)) != POUCH_OK)
		return rc;
	if (kp == NULL)
		return POUCH_E_MISUSE;
	pouch_mls_arena_init_limits(&a, NULL);
	memset(&pr, 0, sizeof(pr));
	pr.type = POUCH_MLS_PROP_ADD;
	if ((rc = pouch_mls_key_package_from_bytes(&a, NULL, kp, kplen,
	    &pr.u.add.key_package)) != POUCH_OK ||
	    (rc = pouch_mls_key_package_verify(g->c, g->s,
	    &pr.u.add.key_package)) != POUCH_OK)
		goto out;
	rc = POUCH_E_LIFETIME;
	if (now < pr.u.add.key_package.leaf_node.lifetime.not_before ||
	    now > pr.u.add.key_package.leaf_node.lifetime.not_after)
		goto out;
	rc = propose(g, &pr, out, outlen);
out:
	pouch_mls_arena_free(&a);
	return rc;
}

int
pouch_mls_group_propose_remove(struct pouch_mls_group *g, uint32_t leaf,
    uint8_t **out, size_t *outlen)
{
	struct pouch_mls_proposal pr;
	int rc;

	if ((rc = pouch_mls_group_propose_begin(g, out, outlen)) != POUCH_OK)
		return rc;
	if (pouch_mls_tree_leaf(g->cur.tree, leaf) == NULL)
		return POUCH_E_BAD_TREE;
	memset(&pr, 0, sizeof(pr));
	pr.type = POUCH_MLS_PROP_REMOVE;
	pr.u.remove.removed = leaf;
	return propose(g, &pr, out, outlen);
}

/* Sign ln as the LeafNodeTBS of our leaf (RFC 9420 7.2) into sig. */
static int
leaf_sign(const struct pouch_mls_group *g, struct pouch_mls_leaf_node *ln,
    uint8_t *sig, size_t *siglen)
{
	struct pouch_mls_leaf_node_tbs tbs;
	struct pouch_wr w;
	int rc;

	memset(&tbs, 0, sizeof(tbs));
	tbs.leaf = *ln;
	tbs.group_id.p = g->group_id;
	tbs.group_id.n = g->group_idlen;
	tbs.leaf_index = g->cur.me;
	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_leaf_node_tbs_encode(&w, &tbs);
	if ((rc = pouch_wr_finish(&w)) == POUCH_OK &&
	    (rc = pouch_mls_sign_with_label(g->c, g->s, g->sig_priv,
	    g->sig_privlen, "LeafNodeTBS", w.buf, w.len, sig, POUCH_SIG_MAX,
	    siglen)) == POUCH_OK) {
		ln->signature.p = sig;
		ln->signature.n = *siglen;
	}
	pouch_wr_free(&w);
	return rc;
}

int
pouch_mls_group_propose_update(struct pouch_mls_group *g, uint8_t **out,
    size_t *outlen)
{
	const struct pouch_mls_leaf_node *mine;
	struct pouch_mls_proposal pr;
	uint8_t sk[POUCH_HPKE_SK_MAX], pk[POUCH_HPKE_PK_MAX];
	uint8_t sig[POUCH_SIG_MAX];
	size_t sklen = 0, pklen = 0, siglen = 0;
	int rc;

	if ((rc = pouch_mls_group_propose_begin(g, out, outlen)) != POUCH_OK)
		return rc;
	if ((mine = pouch_mls_tree_leaf(g->cur.tree, g->cur.me)) == NULL)
		return POUCH_E_STATE;
	if ((rc = pouch_hpke_generate_keypair(g->c, g->s->hpke_kem, sk,
	    sizeof(sk), &sklen, pk, sizeof(pk), &pklen)) != POUCH_OK)
		goto out;
	memset(&pr, 0, sizeof(pr));
	pr.type = POUCH_MLS_PROP_UPDATE;
	pr.u.update.leaf_node = *mine;
	pr.u.update.leaf_node.encryption_key.p = pk;
	pr.u.update.leaf_node.encryption_key.n = pklen;
	pr.u.update.leaf_node.source = POUCH_MLS_LEAF_UPDATE;
	memset(&pr.u.update.leaf_node.lifetime, 0,
	    sizeof(pr.u.update.leaf_node.lifetime));
	memset(&pr.u.update.leaf_node.parent_hash, 0,
	    sizeof(pr.u.update.leaf_node.parent_hash));
	if ((rc = leaf_sign(g, &pr.u.update.leaf_node, sig, &siglen)) !=
	    POUCH_OK || (rc = propose(g, &pr, out, outlen)) != POUCH_OK)
		goto out;
	/* the last Update proposed is the one we can apply */
	OPENSSL_cleanse(g->upd_priv, sizeof(g->upd_priv));
	memcpy(g->upd_priv, sk, sklen);
	g->upd_privlen = sklen;
	memcpy(g->upd_pub, pk, pklen);
	g->upd_publen = pklen;
	g->upd_epoch = g->cur.epoch;
out:
	OPENSSL_cleanse(sk, sizeof(sk));
	return rc;
}

int
pouch_mls_group_own_update(const struct pouch_mls_group *g, struct epoch *e,
    const struct pouch_mls_leaf_node *ln)
{
	if (g->upd_privlen == 0 || g->upd_epoch != g->cur.epoch ||
	    ln->encryption_key.n != g->upd_publen ||
	    memcmp(ln->encryption_key.p, g->upd_pub,	/* checksrc: allow */
	    g->upd_publen) != 0)
		return POUCH_E_UNSUPPORTED;
	return pouch_mls_tree_privkeys_set(e->keys,
	    pouch_mls_tm_leaf_node(e->me), g->upd_priv, g->upd_privlen,
	    g->upd_pub, g->upd_publen);
}

void
pouch_mls_group_set_handshake_private(struct pouch_mls_group *g, int on)
{
	if (g != NULL)
		g->hs_private = on != 0;
}

int
pouch_mls_group_propose_gce(struct pouch_mls_group *g, const uint16_t *types,
    const uint8_t *const *data, const size_t *lens, size_t n, uint8_t **out,
    size_t *outlen)
{
	struct pouch_mls_extension *x = NULL;
	struct pouch_mls_proposal pr;
	size_t i, j;
	int rc;

	if ((rc = pouch_mls_group_propose_begin(g, out, outlen)) != POUCH_OK)
		return rc;
	if (n > GCE_EXT_MAX || (n != 0 && (types == NULL || data == NULL ||
	    lens == NULL)))
		return POUCH_E_MISUSE;
	if ((x = calloc(n + 1, sizeof(*x))) == NULL)
		return POUCH_E_NOMEM;
	rc = POUCH_E_MISUSE;
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (types[j] == types[i])
				goto out;
		if (data[i] == NULL && lens[i] != 0)
			goto out;
		x[i].type = types[i];
		x[i].data.p = data[i];
		x[i].data.n = lens[i];
	}
	memset(&pr, 0, sizeof(pr));
	pr.type = POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS;
	pr.u.gce.extensions.v = x;
	pr.u.gce.extensions.n = n;
	rc = propose(g, &pr, out, outlen);
out:
	free(x);
	return rc;
}

/* The external PSK id of g's store, or NULL. */
static const struct pouch_mls_external_psk *
psk_find(const struct pouch_mls_group *g, const uint8_t *id, size_t idlen)
{
	size_t i;

	for (i = 0; i < g->npsks; i++)
		if (g->psks[i].idlen == idlen && (idlen == 0 ||
		    CRYPTO_memcmp(g->psks[i].id, id, idlen) == 0))
			return &g->psks[i];
	return NULL;
}

int
pouch_mls_group_add_external_psk(struct pouch_mls_group *g,
    const uint8_t *id, size_t idlen, const uint8_t *psk, size_t psklen)
{
	struct pouch_mls_external_psk *v;
	uint8_t *i = NULL, *k = NULL;

	if (g == NULL || (id == NULL && idlen != 0) || psk == NULL ||
	    psklen == 0 || idlen > 255 || psk_find(g, id, idlen) != NULL ||
	    g->npsks == PSKS_MAX)
		return POUCH_E_MISUSE;
	if ((v = realloc(g->psks, (g->npsks + 1) * sizeof(*v))) == NULL)
		return POUCH_E_NOMEM;
	g->psks = v;
	if ((i = malloc(idlen == 0 ? 1 : idlen)) == NULL ||
	    (k = malloc(psklen)) == NULL) {
		free(i);
		return POUCH_E_NOMEM;
	}
	if (idlen != 0)
		memcpy(i, id, idlen);
	memcpy(k, psk, psklen);
	v[g->npsks].id = i;
	v[g->npsks].idlen = idlen;
	v[g->npsks].psk = k;
	v[g->npsks].psklen = psklen;
	g->npsks++;
	return POUCH_OK;
}

int
pouch_mls_group_propose_psk(struct pouch_mls_group *g, const uint8_t *id,
    size_t idlen, uint8_t **out, size_t *outlen)
{
	struct pouch_mls_proposal pr;
	uint8_t nonce[POUCH_HASH_MAX];
	int rc;

	if ((rc = pouch_mls_group_propose_begin(g, out, outlen)) != POUCH_OK)
		return rc;
	if (id == NULL && idlen != 0)
		return POUCH_E_MISUSE;
	if (psk_find(g, id, idlen) == NULL)
		return POUCH_E_PSK_UNAVAILABLE;
	if ((rc = pouch_random(nonce, g->s->nh)) != POUCH_OK)
		return rc;
	memset(&pr, 0, sizeof(pr));
	pr.type = POUCH_MLS_PROP_PSK;
	pr.u.psk.psk.type = POUCH_MLS_PSKTYPE_EXTERNAL;
	pr.u.psk.psk.psk_id.p = id;
	pr.u.psk.psk.psk_id.n = idlen;
	pr.u.psk.psk.psk_nonce.p = nonce;
	pr.u.psk.psk.psk_nonce.n = g->s->nh;
	return propose(g, &pr, out, outlen);
}
