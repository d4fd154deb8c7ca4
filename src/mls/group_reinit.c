/*
 * group_reinit.c - ReInit, subgroup branching and resumption PSKs
 * (RFC 9420 8.4, 11.2, 11.3, 12.1.5, 12.4.3.1).
 *
 * A ReInit is committed alone (group.c stages it through
 * pouch_mls_group_stage_reinit() and applies a received one through
 * pouch_mls_group_apply_reinit()); the epoch it creates keeps the new
 * group's parameters in e->reinit and is the group's last: commits,
 * proposals and application messages of that epoch are REINIT_PENDING.
 *
 * The new group (reinit) or a subgroup (branch) is made by one member:
 * a fresh group at epoch 0, then one commit of Adds whose psk_secret
 * and Welcome name a resumption PSK of the old group's current epoch
 * (g->link points to the old group during the call).  That PreSharedKey
 * proposal is only ever seen by its author (nobody else is in the group
 * at epoch 0): a received commit holding one is PSK_USAGE
 * (group_validate.c).  A joiner passes its copy of the old group in the
 * join options and checks what 12.4.3.1 asks (resume_check).
 */
#include <string.h>

#include <openssl/crypto.h>

#include "mls/group_int.h"
#include "mls/psk.h"

/* Extensions of a ReInit or a created group, at most. */
#define REINIT_NEXT_MAX	16

int
pouch_mls_group_reinit_gate(const struct epoch *e)
{
	return e->reinit.set ? POUCH_E_REINIT_PENDING : POUCH_OK;
}

/* The parameters of ri into st (MALFORMED, LIMIT). */
static int
reinit_fill(struct reinit_st *st, const struct pouch_mls_reinit *ri)
{
	struct pouch_wr w;
	int rc;

	if (ri->group_id.n == 0 || ri->group_id.n > GROUP_ID_MAX)
		return POUCH_E_MALFORMED;
	pouch_wr_init(&w, REINIT_EXT_MAX);
	pouch_mls_extensions_encode(&w, &ri->extensions);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK) {
		pouch_wr_free(&w);
		return rc == POUCH_E_TOO_LARGE ? POUCH_E_LIMIT : rc;
	}
	memset(st, 0, sizeof(*st));
	st->set = 1;
	st->version = ri->version;
	st->suite = ri->cipher_suite;
	memcpy(st->group_id, ri->group_id.p, ri->group_id.n);
	st->group_idlen = ri->group_id.n;
	memcpy(st->ext, w.buf, w.len);
	st->extlen = w.len;
	pouch_wr_free(&w);
	return POUCH_OK;
}

int
pouch_mls_group_apply_reinit(const struct pouch_mls_group *g,
    struct epoch *e, const struct pouch_mls_reinit *ri)
{
	(void)g;
	return reinit_fill(&e->reinit, ri);
}

int
pouch_mls_group_stage_reinit(const struct pouch_mls_group *g,
    const struct pouch_mls_commit_req *req, struct epoch *e,
    struct pouch_mls_proposal_or_ref *props, size_t *nprops)
{
	struct pouch_mls_proposal pr;
	struct pouch_mls_arena a;
	struct pouch_rd r;
	size_t i;
	int rc;

	if ((rc = pouch_mls_group_reinit_gate(&g->cur)) != POUCH_OK)
		return rc;
	if (req->reinit == NULL && !req->reinit_cached)
		return POUCH_OK;
	if (req->nadds != 0 || req->nremoves != 0 || *nprops != 0)
		return POUCH_E_MISUSE;
	if (req->reinit != NULL) {
		if ((rc = reinit_fill(&e->reinit, req->reinit)) != POUCH_OK)
			return rc;
		props[0].type = POUCH_MLS_POR_PROPOSAL;
		props[0].u.proposal.type = POUCH_MLS_PROP_REINIT;
		props[0].u.proposal.u.reinit = *req->reinit;
		*nprops = 1;
		return POUCH_OK;
	}
	pouch_mls_arena_init_limits(&a, NULL);
	rc = POUCH_E_UNKNOWN_PROPOSAL;
	for (i = 0; i < g->ncache; i++) {
		pouch_rd_init(&r, g->cache[i].p, g->cache[i].n);
		if ((rc = pouch_mls_proposal_decode(&r, &a,
		    pouch_mls_limits_default(), &pr)) != POUCH_OK)
			break;
		rc = POUCH_E_UNKNOWN_PROPOSAL;
		if (pr.type != POUCH_MLS_PROP_REINIT)
			continue;
		if ((rc = reinit_fill(&e->reinit, &pr.u.reinit)) != POUCH_OK)
			break;
		props[0].type = POUCH_MLS_POR_REFERENCE;
		props[0].u.reference.p = g->cache[i].ref;
		props[0].u.reference.n = g->s->nh;
		*nprops = 1;
		break;
	}
	pouch_mls_arena_free(&a);
	return rc;
}

int
pouch_mls_group_reinit_pending(const struct pouch_mls_group *g,
    const uint8_t **group_id, size_t *group_idlen, uint16_t *suite)
{
	if (g == NULL || !g->cur.reinit.set)
		return 0;
	if (group_id != NULL)
		*group_id = g->cur.reinit.group_id;
	if (group_idlen != NULL)
		*group_idlen = g->cur.reinit.group_idlen;
	if (suite != NULL)
		*suite = g->cur.reinit.suite;
	return 1;
}

/* x from types[i] / data[i] / lens[i] (MISUSE: too many, a repeat). */
static int
ext_list(const uint16_t *types, const uint8_t *const *data,
    const size_t *lens, size_t n, struct pouch_mls_extension *v,
    struct pouch_mls_extensions *x)
{
	size_t i, j;

	x->v = v;
	x->n = 0;
	if (n > REINIT_NEXT_MAX || (n != 0 && (types == NULL ||
	    data == NULL || lens == NULL)))
		return POUCH_E_MISUSE;
	for (i = 0; i < n; i++) {
		if (data[i] == NULL && lens[i] != 0)
			return POUCH_E_MISUSE;
		for (j = 0; j < i; j++)
			if (types[j] == types[i])
				return POUCH_E_MISUSE;
		v[i].type = types[i];
		v[i].data.p = data[i];
		v[i].data.n = lens[i];
	}
	x->n = n;
	return POUCH_OK;
}

/* The ReInit of the arguments into *ri (extensions in v). */
static int
reinit_make(const struct pouch_mls_suite *cur, const uint8_t *group_id,
    size_t group_idlen, uint16_t suite, const uint16_t *types,
    const uint8_t *const *data, const size_t *lens, size_t n,
    struct pouch_mls_extension *v, struct pouch_mls_reinit *ri)
{
	const struct pouch_mls_suite *to;
	struct reinit_st st;
	int rc;

	memset(ri, 0, sizeof(*ri));
	if (group_id == NULL || group_idlen == 0 ||
	    group_idlen > GROUP_ID_MAX)
		return POUCH_E_MISUSE;
	/* the group's own alias code point is known, no other */
	if ((to = pouch_mls_suite_find(cur, suite)) == NULL)
		return POUCH_E_UNSUPPORTED;
	if (pouch_mls_suite_downgrade(cur, to))
		return POUCH_E_SUITE_DOWNGRADE;
	if ((rc = ext_list(types, data, lens, n, v, &ri->extensions)) !=
	    POUCH_OK)
		return rc;
	ri->group_id.p = group_id;
	ri->group_id.n = group_idlen;
	ri->version = POUCH_MLS_VERSION_10;
	ri->cipher_suite = suite;
	/* it must fit the state that keeps it */
	if ((rc = reinit_fill(&st, ri)) != POUCH_OK)
		rc = POUCH_E_MISUSE;
	OPENSSL_cleanse(&st, sizeof(st));
	return rc;
}

int
pouch_mls_group_propose_reinit(struct pouch_mls_group *g,
    const uint8_t *group_id, size_t group_idlen, uint16_t suite,
    const uint16_t *types, const uint8_t *const *data, const size_t *lens,
    size_t n, uint8_t **out, size_t *outlen)
{
	struct pouch_mls_extension v[REINIT_NEXT_MAX];
	struct pouch_mls_proposal pr;
	int rc;

	if ((rc = pouch_mls_group_propose_begin(g, out, outlen)) != POUCH_OK)
		return rc;
	memset(&pr, 0, sizeof(pr));
	pr.type = POUCH_MLS_PROP_REINIT;
	if ((rc = reinit_make(g->s, group_id, group_idlen, suite,
	    types, data, lens, n, v, &pr.u.reinit)) != POUCH_OK)
		return rc;
	return pouch_mls_group_propose_msg(g, &pr, out, outlen);
}

int
pouch_mls_group_commit_reinit(struct pouch_mls_group *g,
    const uint8_t *group_id, size_t group_idlen, uint16_t suite,
    const uint16_t *types, const uint8_t *const *data, const size_t *lens,
    size_t n, uint64_t now, uint8_t **commit, size_t *commitlen)
{
	struct pouch_mls_extension v[REINIT_NEXT_MAX];
	struct pouch_mls_commit_req req;
	struct pouch_mls_reinit ri;
	uint8_t *wel = NULL;
	size_t wellen = 0;
	int rc;

	if ((rc = pouch_mls_group_propose_begin(g, commit, commitlen)) !=
	    POUCH_OK)
		return rc;
	memset(&req, 0, sizeof(req));
	req.now = now;
	if (group_id != NULL) {
		if ((rc = reinit_make(g->s, group_id, group_idlen,
		    suite, types, data, lens, n, v, &ri)) != POUCH_OK)
			return rc;
		req.reinit = &ri;
	} else
		req.reinit_cached = 1;
	rc = pouch_mls_group_commit(g, &req, commit, commitlen, &wel,
	    &wellen);
	pouch_wr_buf_free(wel, wellen);		/* none: nothing added */
	return rc;
}

/* ---- resumption PSKs ------------------------------------------------ */

int
pouch_mls_group_linked_psk(const struct pouch_mls_group *g,
    const struct pouch_mls_psk_id *id, struct pouch_mls_psk_input *in)
{
	const struct pouch_mls_group *old = g->link;

	if (id->usage != POUCH_MLS_USAGE_REINIT &&
	    id->usage != POUCH_MLS_USAGE_BRANCH)
		return POUCH_E_UNSUPPORTED;
	if (old == NULL || id->psk_group_id.n != old->group_idlen ||
	    CRYPTO_memcmp(id->psk_group_id.p, old->group_id,
	    old->group_idlen) != 0)
		return POUCH_E_PSK_UNAVAILABLE;
	/* 11.2: the epoch after the commit of the ReInit */
	if (id->usage == POUCH_MLS_USAGE_REINIT && (!old->cur.reinit.set ||
	    id->psk_epoch != old->cur.epoch))
		return POUCH_E_RESUME_MISMATCH;
	if ((in->psk = pouch_mls_group_resumption_psk(old,
	    id->psk_epoch)) == NULL)
		return POUCH_E_PSK_UNAVAILABLE;
	in->psklen = old->s->nh;
	in->usage = id->usage;
	in->psk_group_id = id->psk_group_id.p;
	in->psk_group_idlen = id->psk_group_id.n;
	in->psk_epoch = id->psk_epoch;
	return POUCH_OK;
}

/* 1 when leaf ln's credential is that of a leaf of t. */
static int
has_client(const struct pouch_mls_tree *t, const struct pouch_mls_leaf_node *ln)
{
	const struct pouch_mls_leaf_node *x;
	uint32_t i;

	for (i = 0; i < pouch_mls_tree_leaves(t); i++) {
		if ((x = pouch_mls_tree_leaf(t, i)) == NULL ||
		    x->credential.type != ln->credential.type ||
		    x->credential.identity.n != ln->credential.identity.n)
			continue;
		/* public identities */
		if (x->credential.identity.n == 0 ||
		    memcmp(x->credential.identity.p,	/* checksrc: allow */
		    ln->credential.identity.p, x->credential.identity.n) == 0)
			return 1;
	}
	return 0;
}

/* Every member of a is, by its credential, a member of b. */
static int
members_in(const struct pouch_mls_tree *a, const struct pouch_mls_tree *b)
{
	const struct pouch_mls_leaf_node *ln;
	uint32_t i;

	for (i = 0; i < pouch_mls_tree_leaves(a); i++)
		if ((ln = pouch_mls_tree_leaf(a, i)) != NULL &&
		    !has_client(b, ln))
			return 0;
	return 1;
}

int
pouch_mls_group_resume_check(const struct pouch_mls_group *g,
    const struct pouch_mls_group_secrets *gs,
    const struct pouch_mls_group_info *gi)
{
	const struct pouch_mls_group_context *gc = &gi->group_context;
	const struct pouch_mls_group *old = g->link;
	const struct pouch_mls_psk_id *id = NULL;
	const struct reinit_st *st;
	struct pouch_wr w;
	size_t i, n = 0;
	int rc;

	for (i = 0; i < gs->npsks; i++)
		if (gs->psks[i].type == POUCH_MLS_PSKTYPE_RESUMPTION &&
		    gs->psks[i].usage != POUCH_MLS_USAGE_APPLICATION) {
			id = &gs->psks[i];
			n++;
		}
	if (n == 0)
		return old != NULL ? POUCH_E_RESUME_MISMATCH : POUCH_OK;
	if (n > 1)
		return POUCH_E_PSK_USAGE;
	/* resolved from old already: old is not NULL */
	if (old == NULL || gc->epoch != 1)
		return POUCH_E_RESUME_MISMATCH;
	if (id->usage == POUCH_MLS_USAGE_BRANCH) {
		if (gc->version != POUCH_MLS_VERSION_10 ||
		    gc->cipher_suite != old->s->id)
			return POUCH_E_RESUME_MISMATCH;
		return members_in(g->cur.tree, old->cur.tree) ? POUCH_OK :
		    POUCH_E_RESUME_MEMBERS;
	}
	st = &old->cur.reinit;
	if (gc->version != st->version || gc->cipher_suite != st->suite ||
	    gc->group_id.n != st->group_idlen ||
	    memcmp(gc->group_id.p, st->group_id,	/* checksrc: allow */
	    st->group_idlen) != 0)
		return POUCH_E_RESUME_MISMATCH;
	pouch_wr_init(&w, REINIT_EXT_MAX);
	pouch_mls_extensions_encode(&w, &gc->extensions);
	rc = pouch_wr_finish(&w);
	if (rc == POUCH_OK && (w.len != st->extlen ||
	    memcmp(w.buf, st->ext, w.len) != 0))	/* checksrc: allow */
		rc = POUCH_E_RESUME_MISMATCH;
	pouch_wr_free(&w);
	if (rc != POUCH_OK)
		return rc == POUCH_E_TOO_LARGE ? POUCH_E_RESUME_MISMATCH : rc;
	return members_in(old->cur.tree, g->cur.tree) ? POUCH_OK :
	    POUCH_E_RESUME_MEMBERS;
}

/* A PreSharedKey proposal of ours for a resumption PSK (fresh nonce). */
static int
propose_rpsk(struct pouch_mls_group *g, uint8_t usage,
    const uint8_t *group_id, size_t group_idlen, uint64_t epoch)
{
	struct pouch_mls_proposal pr;
	uint8_t nonce[POUCH_HASH_MAX], *m = NULL;
	size_t mlen = 0;
	int rc;

	if ((rc = pouch_random(nonce, g->s->nh)) != POUCH_OK)
		return rc;
	memset(&pr, 0, sizeof(pr));
	pr.type = POUCH_MLS_PROP_PSK;
	pr.u.psk.psk.type = POUCH_MLS_PSKTYPE_RESUMPTION;
	pr.u.psk.psk.usage = usage;
	pr.u.psk.psk.psk_group_id.p = group_id;
	pr.u.psk.psk.psk_group_id.n = group_idlen;
	pr.u.psk.psk.psk_epoch = epoch;
	pr.u.psk.psk.psk_nonce.p = nonce;
	pr.u.psk.psk.psk_nonce.n = g->s->nh;
	rc = pouch_mls_group_propose_msg(g, &pr, &m, &mlen);
	pouch_wr_buf_free(m, mlen);
	return rc;
}

int
pouch_mls_group_propose_resumption(struct pouch_mls_group *g,
    uint64_t epoch, uint8_t **out, size_t *outlen)
{
	struct pouch_mls_proposal pr;
	uint8_t nonce[POUCH_HASH_MAX];
	int rc;

	if ((rc = pouch_mls_group_propose_begin(g, out, outlen)) != POUCH_OK)
		return rc;
	if (pouch_mls_group_resumption_psk(g, epoch) == NULL)
		return POUCH_E_PSK_UNAVAILABLE;
	if ((rc = pouch_random(nonce, g->s->nh)) != POUCH_OK)
		return rc;
	memset(&pr, 0, sizeof(pr));
	pr.type = POUCH_MLS_PROP_PSK;
	pr.u.psk.psk.type = POUCH_MLS_PSKTYPE_RESUMPTION;
	pr.u.psk.psk.usage = POUCH_MLS_USAGE_APPLICATION;
	pr.u.psk.psk.psk_group_id.p = g->group_id;
	pr.u.psk.psk.psk_group_id.n = g->group_idlen;
	pr.u.psk.psk.psk_epoch = epoch;
	pr.u.psk.psk.psk_nonce.p = nonce;
	pr.u.psk.psk.psk_nonce.n = g->s->nh;
	return pouch_mls_group_propose_msg(g, &pr, out, outlen);
}

/* The create options carrying the extensions of an encoded list. */
static int
create_opts_of(const struct reinit_st *st, struct pouch_mls_arena *a,
    struct pouch_mls_create_opts *o, uint16_t *types,
    const uint8_t **data, size_t *lens)
{
	struct pouch_mls_extensions x;
	struct pouch_rd r;
	size_t i;
	int rc;

	memset(o, 0, sizeof(*o));
	pouch_rd_init(&r, st->ext, st->extlen);
	if ((rc = pouch_mls_extensions_decode(&r, a,
	    pouch_mls_limits_default(), &x)) != POUCH_OK ||
	    (rc = pouch_rd_done(&r)) != POUCH_OK)
		return rc;
	if (x.n > REINIT_NEXT_MAX)
		return POUCH_E_LIMIT;
	for (i = 0; i < x.n; i++) {
		types[i] = x.v[i].type;
		data[i] = x.v[i].data.p;
		lens[i] = x.v[i].data.n;
	}
	o->ext_types = types;
	o->ext_data = data;
	o->ext_lens = lens;
	o->next = x.n;
	return POUCH_OK;
}

int
pouch_mls_group_resume(const struct pouch_crypto *c,
    const struct pouch_mls_group *old, uint8_t usage,
    const uint8_t *group_id, size_t group_idlen,
    const struct pouch_mls_member_keys *mk, const uint8_t *const *adds,
    const size_t *addlens, size_t nadds, uint64_t now,
    struct pouch_mls_group **out, uint8_t **welcome, size_t *welcomelen)
{
	const struct pouch_mls_suite *s;
	struct pouch_mls_group *ng = NULL;
	struct pouch_mls_commit_req req;
	struct pouch_mls_create_opts o;
	struct pouch_mls_arena a;
	uint16_t types[REINIT_NEXT_MAX];
	const uint8_t *data[REINIT_NEXT_MAX];
	size_t lens[REINIT_NEXT_MAX], cmlen = 0;
	uint8_t *cm = NULL;
	int rc;

	pouch_mls_arena_init_limits(&a, NULL);
	memset(&o, 0, sizeof(o));
	if (out != NULL)
		*out = NULL;
	if (welcome != NULL)
		*welcome = NULL;
	if (welcomelen != NULL)
		*welcomelen = 0;
	if (c == NULL || old == NULL || mk == NULL || out == NULL ||
	    welcome == NULL || welcomelen == NULL ||
	    (nadds != 0 && (adds == NULL || addlens == NULL)))
		return POUCH_E_MISUSE;
	if (old->cur.removed)
		return POUCH_E_STATE;
	switch (usage) {
	case POUCH_MLS_PSK_USAGE_REINIT:
		if (group_id != NULL)
			return POUCH_E_MISUSE;
		if (!old->cur.reinit.set)
			return POUCH_E_STATE;
		if ((s = pouch_mls_suite_find(old->s,
		    old->cur.reinit.suite)) == NULL)
			return POUCH_E_UNSUPPORTED;
		group_id = old->cur.reinit.group_id;
		group_idlen = old->cur.reinit.group_idlen;
		if ((rc = create_opts_of(&old->cur.reinit, &a, &o, types,
		    data, lens)) != POUCH_OK)
			goto out;
		break;
	case POUCH_MLS_PSK_USAGE_BRANCH:
		if (group_id == NULL || group_idlen == 0 ||
		    group_idlen > GROUP_ID_MAX)
			return POUCH_E_MISUSE;
		if ((rc = pouch_mls_group_reinit_gate(&old->cur)) != POUCH_OK)
			return rc;
		s = old->s;
		break;
	default:
		return POUCH_E_MISUSE;
	}
	if ((rc = pouch_mls_group_create_opts(c, s, group_id, group_idlen,
	    mk, &o, now, &ng)) != POUCH_OK)
		goto out;
	ng->link = old;
	if ((rc = propose_rpsk(ng, usage, old->group_id, old->group_idlen,
	    old->cur.epoch)) != POUCH_OK)
		goto out;
	memset(&req, 0, sizeof(req));
	req.adds = adds;
	req.addlens = addlens;
	req.nadds = nadds;
	req.now = now;
	req.by_reference = 1;
	if ((rc = pouch_mls_group_commit(ng, &req, &cm, &cmlen, welcome,
	    welcomelen)) != POUCH_OK ||
	    (rc = pouch_mls_group_merge_pending(ng)) != POUCH_OK)
		goto out;
	ng->link = NULL;
	*out = ng;
	ng = NULL;
out:
	if (rc != POUCH_OK && welcome != NULL) {
		pouch_wr_buf_free(*welcome, *welcomelen);
		*welcome = NULL;
		*welcomelen = 0;
	}
	pouch_wr_buf_free(cm, cmlen);
	pouch_mls_group_free(ng);
	pouch_mls_arena_free(&a);
	return rc;
}
