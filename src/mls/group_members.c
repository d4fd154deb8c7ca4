/*
 * mls/group_members - reading who is in the group: each leaf's
 * credential identity and signature key, for the application's own
 * identity checks (Pouch's client verifies the account cross-signature
 * carried in the identity before it trusts a member: BRIEF G7).
 */
#include <stddef.h>
#include <stdint.h>

#include <pouch/err.h>

#include "mls/group.h"
#include "mls/group_int.h"
#include "mls/tree.h"

uint32_t
pouch_mls_group_leaves(const struct pouch_mls_group *g)
{
	if (g == NULL)
		return 0;
	return pouch_mls_tree_leaves(g->cur.tree);
}

int
pouch_mls_group_member(const struct pouch_mls_group *g, uint32_t leaf,
    struct pouch_mls_member_info *mi)
{
	const struct pouch_mls_leaf_node *ln;

	if (mi == NULL)
		return POUCH_E_MISUSE;
	mi->identity = NULL;
	mi->identitylen = 0;
	mi->sig_key = NULL;
	mi->sig_keylen = 0;
	mi->enc_key = NULL;
	mi->enc_keylen = 0;
	if (g == NULL)
		return POUCH_E_MISUSE;
	if ((ln = pouch_mls_tree_leaf(g->cur.tree, leaf)) == NULL)
		return POUCH_E_NOT_FOUND;
	mi->identity = ln->credential.identity.p;
	mi->identitylen = ln->credential.identity.n;
	mi->sig_key = ln->signature_key.p;
	mi->sig_keylen = ln->signature_key.n;
	mi->enc_key = ln->encryption_key.p;
	mi->enc_keylen = ln->encryption_key.n;
	return POUCH_OK;
}

const uint8_t *
pouch_mls_group_id(const struct pouch_mls_group *g, size_t *len)
{
	if (g == NULL) {
		*len = 0;
		return NULL;
	}
	*len = g->group_idlen;
	return g->group_id;
}

int
pouch_mls_group_has_pending(const struct pouch_mls_group *g)
{
	return g != NULL && g->pending != NULL;
}
