/*
 * mls/group_validate - the proposal-list rules of RFC 9420 12.2 for a
 * commit received from a member, checked on the whole list before any
 * proposal is applied, so that a bad commit is refused with the error of
 * the rule it breaks and nothing changes.  The checks of each proposal's
 * content (KeyPackage and leaf node validation, PSK resolution) happen
 * when it is applied (group.c).
 */
#include <stddef.h>
#include <stdint.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "mls/group.h"
#include "mls/group_int.h"
#include "mls/msg.h"
#include "mls/tree.h"

static int
bytes_eq(const struct pouch_mls_bytes *a, const struct pouch_mls_bytes *b)
{
	return a->n == b->n && (a->n == 0 ||
	    CRYPTO_memcmp(a->p, b->p, a->n) == 0);
}

/* The leaf an Update or Remove applies to, or -1. */
static int64_t
target(const struct pouch_mls_prop_item *it)
{
	if (it->p->type == POUCH_MLS_PROP_UPDATE)
		return it->sender;
	if (it->p->type == POUCH_MLS_PROP_REMOVE)
		return it->p->u.remove.removed;
	return -1;
}

static int
psk_id_eq(const struct pouch_mls_psk_id *a, const struct pouch_mls_psk_id *b)
{
	if (a->type != b->type)
		return 0;
	if (a->type == POUCH_MLS_PSKTYPE_EXTERNAL)
		return bytes_eq(&a->psk_id, &b->psk_id);
	return a->usage == b->usage && a->psk_epoch == b->psk_epoch &&
	    bytes_eq(&a->psk_group_id, &b->psk_group_id);
}

/* Is leaf removed by a Remove of v[0..n)? */
static int
removed_in(const struct pouch_mls_prop_item *v, size_t n, uint32_t leaf)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].p->type == POUCH_MLS_PROP_REMOVE &&
		    v[i].p->u.remove.removed == leaf)
			return 1;
	return 0;
}

/* An Add of a client the group already has (12.2), by signature key. */
static int
add_check(const struct epoch *e, const struct pouch_mls_prop_item *v,
    size_t n, size_t k)
{
	const struct pouch_mls_bytes *sk =
	    &v[k].p->u.add.key_package.leaf_node.signature_key;
	const struct pouch_mls_leaf_node *ln;
	uint32_t i;
	size_t j;

	for (i = 0; i < pouch_mls_tree_leaves(e->tree); i++)
		if ((ln = pouch_mls_tree_leaf(e->tree, i)) != NULL &&
		    bytes_eq(&ln->signature_key, sk) && !removed_in(v, n, i))
			return POUCH_E_DUP_MEMBER;
	for (j = 0; j < k; j++)
		if (v[j].p->type == POUCH_MLS_PROP_ADD && bytes_eq(sk,
		    &v[j].p->u.add.key_package.leaf_node.signature_key))
			return POUCH_E_DUP_MEMBER;
	return POUCH_OK;
}

/* The rules on v[k] alone and against v[0..k). */
static int
check_one(const struct pouch_mls_group *g, const struct epoch *e,
    uint32_t committer, const struct pouch_mls_prop_item *v, size_t n,
    size_t k)
{
	const struct pouch_mls_prop_item *it = &v[k];
	int64_t t = target(it);
	size_t j;

	switch (it->p->type) {
	case POUCH_MLS_PROP_UPDATE:
		/* by value, it is the committer's own */
		if (it->sender_type != POUCH_MLS_SENDER_MEMBER ||
		    it->sender == committer)
			return POUCH_E_COMMITTER_UPDATE;
		break;
	case POUCH_MLS_PROP_REMOVE:
		if (it->p->u.remove.removed == committer)
			return POUCH_E_COMMITTER_REMOVED;
		if (pouch_mls_tree_leaf(e->tree, it->p->u.remove.removed) ==
		    NULL)
			return POUCH_E_REMOVE_BLANK;
		break;
	case POUCH_MLS_PROP_ADD:
		return add_check(e, v, n, k);
	case POUCH_MLS_PROP_PSK:
		if (it->p->u.psk.psk.psk_nonce.n != g->s->nh)
			return POUCH_E_BAD_PSK_NONCE;
		/* 11.2, 11.3: reinit and branch PSKs never in a proposal */
		if (it->p->u.psk.psk.type == POUCH_MLS_PSKTYPE_RESUMPTION &&
		    it->p->u.psk.psk.usage != POUCH_MLS_USAGE_APPLICATION)
			return POUCH_E_PSK_USAGE;
		for (j = 0; j < k; j++)
			if (v[j].p->type == POUCH_MLS_PROP_PSK &&
			    psk_id_eq(&v[j].p->u.psk.psk, &it->p->u.psk.psk))
				return POUCH_E_DUP_PSK;
		return POUCH_OK;
	case POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS:
		for (j = 0; j < k; j++)
			if (v[j].p->type ==
			    POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS)
				return POUCH_E_MULTI_GCE;
		return POUCH_OK;
	case POUCH_MLS_PROP_REINIT:
		if (n != 1)
			return POUCH_E_REINIT_NOT_ALONE;
		/* 12.1.5: no older version than the group's (mls10) */
		if (it->p->u.reinit.version < POUCH_MLS_VERSION_10)
			return POUCH_E_UNSUPPORTED;
		/* Pouch: post-quantum key establishment is never given up */
		return pouch_mls_suite_downgrade(g->s, pouch_mls_suite_find(
		    g->s, it->p->u.reinit.cipher_suite)) ?
		    POUCH_E_SUITE_DOWNGRADE : POUCH_OK;
	case POUCH_MLS_PROP_EXTERNAL_INIT:
		return POUCH_E_EXTERNAL_INIT;
	default:
		return POUCH_E_UNSUPPORTED;
	}
	for (j = 0; j < k; j++)
		if (target(&v[j]) == t)
			return POUCH_E_DUP_LEAF_PROPOSAL;
	return POUCH_OK;
}

int
pouch_mls_group_validate_list(const struct pouch_mls_group *g,
    const struct epoch *e, uint32_t committer,
    const struct pouch_mls_prop_item *v, size_t n)
{
	size_t k;
	int rc;

	/* 11.2: a reinitialized group takes no more commits */
	if ((rc = pouch_mls_group_reinit_gate(e)) != POUCH_OK)
		return rc;
	for (k = 0; k < n; k++) {
		/* a ReInit anywhere in a longer list, whatever comes first */
		if (n > 1 && v[k].p->type == POUCH_MLS_PROP_REINIT)
			return POUCH_E_REINIT_NOT_ALONE;
	}
	for (k = 0; k < n; k++)
		if ((rc = check_one(g, e, committer, v, n, k)) != POUCH_OK)
			return rc;
	return POUCH_OK;
}

/* Default extension and proposal types every member supports (7.2). */
#define DEFAULT_EXT_MAX		5
#define DEFAULT_PROPOSAL_MAX	7

static int
u16s_has(const struct pouch_mls_u16s *l, uint16_t v)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == v)
			return 1;
	return 0;
}

static int
ext_ok(const struct pouch_mls_capabilities *c, uint16_t type)
{
	return (type >= 1 && type <= DEFAULT_EXT_MAX) ||
	    u16s_has(&c->extensions, type);
}

int
pouch_mls_group_required_caps(const struct pouch_mls_extensions *x,
    struct pouch_mls_arena *a, struct pouch_mls_required_capabilities *req,
    const struct pouch_mls_required_capabilities **out)
{
	const struct pouch_mls_extension *e;
	struct pouch_rd r;
	int rc;

	*out = NULL;
	if ((e = pouch_mls_extension_find(x,
	    POUCH_MLS_EXT_REQUIRED_CAPABILITIES)) == NULL)
		return POUCH_OK;
	pouch_rd_init(&r, e->data.p, e->data.n);
	if ((rc = pouch_mls_required_capabilities_decode(&r, a,
	    pouch_mls_limits_default(), req)) != POUCH_OK)
		return rc;
	if (pouch_rd_left(&r) != 0)
		return POUCH_E_TRAILING;
	*out = req;
	return POUCH_OK;
}

/* One leaf's capabilities against the extensions x and req. */
static int
leaf_supports(const struct pouch_mls_capabilities *c,
    const struct pouch_mls_extensions *x,
    const struct pouch_mls_required_capabilities *req)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (!ext_ok(c, x->v[i].type))
			return 0;
	if (req == NULL)
		return 1;
	for (i = 0; i < req->extension_types.n; i++)
		if (!ext_ok(c, req->extension_types.v[i]))
			return 0;
	for (i = 0; i < req->proposal_types.n; i++)
		if (req->proposal_types.v[i] > DEFAULT_PROPOSAL_MAX &&
		    !u16s_has(&c->proposals, req->proposal_types.v[i]))
			return 0;
	for (i = 0; i < req->credential_types.n; i++)
		if (!u16s_has(&c->credentials, req->credential_types.v[i]))
			return 0;
	return 1;
}

int
pouch_mls_group_members_support(const struct epoch *e)
{
	const struct pouch_mls_required_capabilities *req;
	struct pouch_mls_required_capabilities rq;
	const struct pouch_mls_leaf_node *ln;
	struct pouch_mls_arena a;
	uint32_t i;
	int rc;

	pouch_mls_arena_init_limits(&a, NULL);
	if ((rc = pouch_mls_group_required_caps(&e->ext, &a, &rq, &req)) !=
	    POUCH_OK)
		goto out;
	for (i = 0; i < pouch_mls_tree_leaves(e->tree); i++)
		if ((ln = pouch_mls_tree_leaf(e->tree, i)) != NULL &&
		    !leaf_supports(&ln->capabilities, &e->ext, req)) {
			rc = POUCH_E_CAPABILITIES;
			goto out;
		}
out:
	pouch_mls_arena_free(&a);
	return rc;
}

int
pouch_mls_group_validate_external(const struct pouch_mls_group *g,
    const struct epoch *e, const struct pouch_mls_commit *cm,
    const struct pouch_mls_prop_item *v)
{
	const struct pouch_mls_leaf_node *old;
	size_t k, ninit = 0, nrm = 0;
	int rc;

	if ((rc = pouch_mls_group_reinit_gate(e)) != POUCH_OK)
		return rc;
	for (k = 0; k < cm->nproposals; k++) {
		if (cm->proposals[k].type != POUCH_MLS_POR_PROPOSAL)
			return POUCH_E_EXTERNAL_COMMIT;
		switch (v[k].p->type) {
		case POUCH_MLS_PROP_EXTERNAL_INIT:
			ninit++;
			break;
		case POUCH_MLS_PROP_REMOVE:
			if (nrm++ != 0)
				return POUCH_E_EXTERNAL_COMMIT;
			if ((old = pouch_mls_tree_leaf(e->tree,
			    v[k].p->u.remove.removed)) == NULL)
				return POUCH_E_REMOVE_BLANK;
			/* resync: the same client replaces its old leaf */
			if (!cm->has_path || old->credential.type !=
			    cm->path.leaf_node.credential.type ||
			    !bytes_eq(&old->credential.identity,
			    &cm->path.leaf_node.credential.identity))
				return POUCH_E_EXTERNAL_COMMIT;
			break;
		case POUCH_MLS_PROP_PSK:
			if ((rc = check_one(g, e, UINT32_MAX, v,
			    cm->nproposals, k)) != POUCH_OK)
				return rc;
			break;
		default:
			return POUCH_E_EXTERNAL_COMMIT;
		}
	}
	return ninit == 1 ? POUCH_OK : POUCH_E_EXTERNAL_COMMIT;
}
