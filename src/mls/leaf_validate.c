/*
 * leaf_validate.c - validation of leaf nodes (RFC 9420 7.3) and of a
 * whole ratchet tree received when joining (12.4.3.1): the leaf node
 * source, capabilities (suite, version, extension types, required
 * capabilities, group context extensions), credential types supported by
 * every member, lifetimes against a time the caller passes in, key
 * uniqueness, LeafNodeTBS signatures, unmerged-leaf consistency, parent
 * hashes and the tree hash.  Each failed check has its own error code so
 * that callers and tests can tell which one failed.  Nothing here changes
 * the tree except its hash cache.
 *
 * A joiner's cost is one signature check per member (about 60 us each
 * for Ed25519), so a large tree's leaf signatures are checked on a few
 * short-lived threads; the outcome is exactly that of one pass in leaf
 * order (the error of the first bad leaf).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mls/tree_int.h"

/* Writer cap for a LeafNodeTBS: far above any decodable leaf. */
#define TBS_MAX		POUCH_VARINT_MAX
/* The last extension and proposal types RFC 9420 7.2 calls default. */
#define DEFAULT_EXTENSION_MAX	POUCH_MLS_EXT_EXTERNAL_SENDERS
#define DEFAULT_PROPOSAL_MAX	POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS
/* Signature checks of a whole tree: at most this many threads in all
 * (the caller's included), each with at least SIG_SHARE_MIN leaves. */
#define SIG_THREADS_MAX		4
#define SIG_SHARE_MIN		64

static int
u16s_has(const struct pouch_mls_u16s *l, uint16_t v)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == v)
			return 1;
	return 0;
}

/* RFC 9420 7.2: default types are supported without being listed. */
static int
ext_supported(const struct pouch_mls_capabilities *caps, uint16_t type)
{
	return (type >= 1 && type <= DEFAULT_EXTENSION_MAX) ||
	    u16s_has(&caps->extensions, type);
}

static int
proposal_supported(const struct pouch_mls_capabilities *caps, uint16_t type)
{
	return (type >= 1 && type <= DEFAULT_PROPOSAL_MAX) ||
	    u16s_has(&caps->proposals, type);
}

static int
bytes_eq(const struct pouch_mls_bytes *a, const struct pouch_mls_bytes *b)
{
	/* public keys: no secret to protect */
	return a->n == b->n && (a->n == 0 ||
	    memcmp(a->p, b->p, a->n) == 0);	/* checksrc: allow */
}

/* RFC 9420 7.3, 13.4: what the leaf's capabilities must cover. */
static int
check_capabilities(const struct pouch_mls_tree *t,
    const struct pouch_mls_leaf_node *ln, const struct pouch_mls_leaf_ctx *ctx)
{
	const struct pouch_mls_capabilities *caps = &ln->capabilities;
	const struct pouch_mls_required_capabilities *req = ctx->required;
	uint16_t type;
	size_t i, j;

	if (!u16s_has(&caps->cipher_suites, t->suite->id) ||
	    !u16s_has(&caps->versions, POUCH_MLS_VERSION_10))
		return POUCH_E_CAPABILITIES;
	for (i = 0; i < ln->extensions.n; i++) {
		type = ln->extensions.v[i].type;
		/* 13.4: at most one extension of any given type */
		for (j = 0; j < i; j++)
			if (ln->extensions.v[j].type == type)
				return POUCH_E_MALFORMED;
		if (!ext_supported(caps, type))
			return POUCH_E_CAPABILITIES;
	}
	if (req != NULL) {
		for (i = 0; i < req->extension_types.n; i++)
			if (!ext_supported(caps, req->extension_types.v[i]))
				return POUCH_E_CAPABILITIES;
		for (i = 0; i < req->proposal_types.n; i++)
			if (!proposal_supported(caps, req->proposal_types.v[i]))
				return POUCH_E_CAPABILITIES;
		for (i = 0; i < req->credential_types.n; i++)
			if (!u16s_has(&caps->credentials,
			    req->credential_types.v[i]))
				return POUCH_E_CAPABILITIES;
	}
	if (ctx->group_extensions != NULL)
		for (i = 0; i < ctx->group_extensions->n; i++)
			if (!ext_supported(caps,
			    ctx->group_extensions->v[i].type))
				return POUCH_E_CAPABILITIES;
	return POUCH_OK;
}

/* RFC 9420 7.2: only key packages carry a lifetime. */
static int
check_lifetime(const struct pouch_mls_leaf_node *ln,
    const struct pouch_mls_leaf_ctx *ctx)
{
	const struct pouch_mls_lifetime *lt = &ln->lifetime;

	if (!ctx->check_lifetime || ln->source != POUCH_MLS_LEAF_KEY_PACKAGE)
		return POUCH_OK;
	if (lt->not_after < lt->not_before || ctx->now < lt->not_before ||
	    ctx->now > lt->not_after)
		return POUCH_E_LIFETIME;
	if (ctx->lifetime_max != 0 &&
	    lt->not_after - lt->not_before > ctx->lifetime_max)
		return POUCH_E_LIFETIME;
	return POUCH_OK;
}

/* SignWithLabel(., "LeafNodeTBS", LeafNodeTBS) of RFC 9420 7.2. */
static int
check_signature(const struct pouch_crypto *c, const struct pouch_mls_tree *t,
    const struct pouch_mls_leaf_node *ln, uint32_t leaf,
    const struct pouch_mls_leaf_ctx *ctx)
{
	static const uint8_t empty[1];
	struct pouch_mls_leaf_node_tbs tbs;
	struct pouch_wr w;
	int rc;

	memset(&tbs, 0, sizeof(tbs));
	tbs.leaf = *ln;
	tbs.group_id.p = ctx->group_id;
	tbs.group_id.n = ctx->group_id_len;
	tbs.leaf_index = leaf;
	pouch_wr_init(&w, TBS_MAX);
	pouch_mls_leaf_node_tbs_encode(&w, &tbs);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	rc = pouch_mls_verify_with_label(c, t->suite,
	    ln->signature_key.p != NULL ? ln->signature_key.p : empty,
	    ln->signature_key.n, "LeafNodeTBS",
	    w.buf != NULL ? w.buf : empty, w.len,
	    ln->signature.p != NULL ? ln->signature.p : empty,
	    ln->signature.n);
out:
	pouch_wr_free(&w);
	return rc;
}

/* The checks that need no other member: source aside, in header order. */
static int
check_local(const struct pouch_mls_tree *t,
    const struct pouch_mls_leaf_node *ln, const struct pouch_mls_leaf_ctx *ctx)
{
	int rc;

	if ((rc = check_capabilities(t, ln, ctx)) != POUCH_OK)
		return rc;
	if (!u16s_has(&ln->capabilities.credentials, ln->credential.type))
		return POUCH_E_CREDENTIAL_TYPE;
	return POUCH_OK;
}

int
pouch_mls_leaf_validate(const struct pouch_crypto *c,
    const struct pouch_mls_tree *t, const struct pouch_mls_leaf_node *ln,
    uint32_t leaf, uint8_t source, const struct pouch_mls_leaf_ctx *ctx)
{
	const struct pouch_mls_tnode *tn;
	const struct pouch_mls_leaf_node *o;
	uint32_t x, w;
	int rc;

	if (c == NULL || t == NULL || ln == NULL || ctx == NULL ||
	    leaf >= t->nleaves || (ctx->group_id == NULL &&
	    ctx->group_id_len > 0))
		return POUCH_E_MISUSE;
	if (source != 0 && ln->source != source)
		return POUCH_E_LEAF_SOURCE;
	if ((rc = check_local(t, ln, ctx)) != POUCH_OK)
		return rc;
	/* 7.3: its credential type supported by all, theirs by it */
	w = 2 * (t->nleaves - 1) + 1;
	for (x = 0; x < w; x += 2) {
		if (x == 2 * leaf || (tn = t->nodes[x]) == NULL)
			continue;
		o = &tn->node.u.leaf;
		if (!u16s_has(&o->capabilities.credentials,
		    ln->credential.type) ||
		    !u16s_has(&ln->capabilities.credentials,
		    o->credential.type))
			return POUCH_E_CREDENTIAL_TYPE;
	}
	if ((rc = check_lifetime(ln, ctx)) != POUCH_OK)
		return rc;
	/* 7.3 uniqueness; an update must also change the encryption key */
	for (x = 0; x < w; x++) {
		if ((tn = t->nodes[x]) == NULL)
			continue;
		if (tn->node.type == POUCH_MLS_NODE_PARENT) {
			if (bytes_eq(&tn->node.u.parent.encryption_key,
			    &ln->encryption_key))
				return POUCH_E_DUP_ENCRYPTION_KEY;
			continue;
		}
		o = &tn->node.u.leaf;
		if (x == 2 * leaf) {
			if (ln->source == POUCH_MLS_LEAF_UPDATE &&
			    bytes_eq(&o->encryption_key, &ln->encryption_key))
				return POUCH_E_DUP_ENCRYPTION_KEY;
			continue;
		}
		if (bytes_eq(&o->encryption_key, &ln->encryption_key))
			return POUCH_E_DUP_ENCRYPTION_KEY;
		if (bytes_eq(&o->signature_key, &ln->signature_key))
			return POUCH_E_DUP_SIGNATURE_KEY;
	}
	return check_signature(c, t, ln, leaf, ctx);
}

/* ---- the whole tree ----------------------------------------------------- */

int
pouch_mls_tree_check_unmerged(const struct pouch_mls_tree *t)
{
	const struct pouch_mls_tnode *tn, *q;
	uint32_t w, x, y, l;
	size_t i;

	if (t == NULL)
		return POUCH_E_MISUSE;
	w = t->nleaves == 0 ? 0 : 2 * (t->nleaves - 1) + 1;
	for (x = 1; x < w; x += 2) {
		if ((tn = t->nodes[x]) == NULL)
			continue;
		for (i = 0; i < tn->node.u.parent.nunmerged; i++) {
			l = tn->sorted[i];
			if (i > 0 && tn->sorted[i - 1] == l)
				return POUCH_E_BAD_UNMERGED;	/* twice */
			/* RFC 9420 12.4.3.1: a non-blank leaf below x ... */
			if (l >= t->nleaves || t->nodes[2 * l] == NULL ||
			    !pouch_mls_tm_in_subtree(2 * l, x))
				return POUCH_E_BAD_UNMERGED;
			/* ... listed by every non-blank node in between */
			for (y = pouch_mls_tm_parent(2 * l, t->nleaves);
			    y != x && y != POUCH_MLS_NODE_NONE;
			    y = pouch_mls_tm_parent(y, t->nleaves)) {
				q = t->nodes[y];
				if (q != NULL && !pouch_mls_u32_sorted_has(
				    q->sorted, q->node.u.parent.nunmerged, l))
					return POUCH_E_BAD_UNMERGED;
			}
		}
	}
	return POUCH_OK;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct pouch_mls_bytes *x = *(const struct pouch_mls_bytes *
	    const *)a, *y = *(const struct pouch_mls_bytes * const *)b;
	size_t n = x->n < y->n ? x->n : y->n;
	int d = 0;

	/* public keys: memcmp is fine */
	if (n > 0)
		d = memcmp(x->p, y->p, n);	/* checksrc: allow */

	if (d != 0)
		return d;
	return x->n < y->n ? -1 : x->n > y->n;
}

/* 1 when two of v[0..n) are equal (v is sorted in place). */
static int
any_dup(const struct pouch_mls_bytes **v, size_t n)
{
	size_t i;

	qsort(v, n, sizeof(*v), key_cmp);
	for (i = 1; i < n; i++)
		if (key_cmp(&v[i - 1], &v[i]) == 0)
			return 1;
	return 0;
}

/*
 * RFC 9420 7.3 and 12.4.3.1: encryption keys unique over every node,
 * signature keys over every leaf; sorting makes it O(n log n).
 */
static int
check_keys_unique(const struct pouch_mls_tree *t)
{
	const struct pouch_mls_bytes **v;
	const struct pouch_mls_tnode *tn;
	uint32_t w = 2 * (t->nleaves - 1) + 1, x;
	size_t n = 0;
	int rc = POUCH_OK;

	if ((v = calloc(w, sizeof(*v))) == NULL)
		return POUCH_E_NOMEM;
	for (x = 0; x < w; x++)
		if ((tn = t->nodes[x]) != NULL)
			v[n++] = tn->node.type == POUCH_MLS_NODE_LEAF ?
			    &tn->node.u.leaf.encryption_key :
			    &tn->node.u.parent.encryption_key;
	if (any_dup(v, n)) {
		rc = POUCH_E_DUP_ENCRYPTION_KEY;
		goto out;
	}
	n = 0;
	for (x = 0; x < w; x += 2)
		if ((tn = t->nodes[x]) != NULL)
			v[n++] = &tn->node.u.leaf.signature_key;
	if (any_dup(v, n))
		rc = POUCH_E_DUP_SIGNATURE_KEY;
out:
	free(v);
	return rc;
}

/*
 * RFC 9420 7.3: every credential type in use is in every member's
 * capabilities.  The types in use are few (the decoder knows two), so
 * each leaf is checked against the distinct list.
 */
static int
check_credential_types(const struct pouch_mls_tree *t)
{
	const struct pouch_mls_tnode *tn;
	uint32_t w = 2 * (t->nleaves - 1) + 1, x;
	uint16_t *types;
	size_t n = 0, i;
	int rc = POUCH_OK;

	if ((types = calloc(t->nleaves, sizeof(*types))) == NULL)
		return POUCH_E_NOMEM;
	for (x = 0; x < w; x += 2) {
		if ((tn = t->nodes[x]) == NULL)
			continue;
		for (i = 0; i < n; i++)
			if (types[i] == tn->node.u.leaf.credential.type)
				break;
		if (i == n)
			types[n++] = tn->node.u.leaf.credential.type;
	}
	for (x = 0; x < w && rc == POUCH_OK; x += 2) {
		if ((tn = t->nodes[x]) == NULL)
			continue;
		for (i = 0; i < n; i++)
			if (!u16s_has(&tn->node.u.leaf.capabilities.credentials,
			    types[i])) {
				rc = POUCH_E_CREDENTIAL_TYPE;
				break;
			}
	}
	free(types);
	return rc;
}

/* The leaves [lo, hi) of one share of the signature checks. */
struct sig_share {
	const struct pouch_crypto	*c;
	const struct pouch_mls_tree	*t;
	const struct pouch_mls_leaf_ctx	*ctx;
	uint32_t			 lo, hi;
	int				 rc;	/* of its first bad leaf */
	pthread_t			 th;
	int				 started;
};

static void *
sig_share_run(void *arg)
{
	struct sig_share *sh = arg;
	const struct pouch_mls_leaf_node *ln;
	uint32_t i;

	sh->rc = POUCH_OK;
	for (i = sh->lo; i < sh->hi; i++)
		if ((ln = pouch_mls_tree_leaf(sh->t, i)) != NULL &&
		    (sh->rc = check_signature(sh->c, sh->t, ln, i,
		    sh->ctx)) != POUCH_OK)
			break;
	return NULL;
}

/*
 * Every leaf's signature (7.3), the leaves split into contiguous shares
 * of about the same number of members (not of leaf indices: a tree just
 * past a power of two has a right half that is almost all blank), share
 * 0 on the calling thread.  A share whose thread cannot start runs here
 * too.  The shares are in leaf order, so the first failed share holds
 * the first bad leaf.  The tree is only read (its hash cache is not
 * touched), and the crypto context may be shared between threads.
 */
static int
check_signatures(const struct pouch_crypto *c, const struct pouch_mls_tree *t,
    const struct pouch_mls_leaf_ctx *ctx)
{
	struct sig_share sh[SIG_THREADS_MAX];
	uint32_t n, i, per, members = 0, seen, leaf, end;
	long cpus;

	for (leaf = 0; leaf < t->nleaves; leaf++)
		if (pouch_mls_tree_leaf(t, leaf) != NULL)
			members++;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	n = members / SIG_SHARE_MIN;
	if (cpus > 0 && (unsigned long)cpus < n)
		n = (uint32_t)cpus;
	if (n > SIG_THREADS_MAX)
		n = SIG_THREADS_MAX;
	if (n == 0)
		n = 1;
	per = (members + n - 1) / n;
	memset(sh, 0, sizeof(sh));
	/* share i ends after its per-th member (the last at the end) */
	for (i = 0, leaf = 0, seen = 0; i < n; i++) {
		sh[i].c = c;
		sh[i].t = t;
		sh[i].ctx = ctx;
		sh[i].lo = leaf;
		end = i + 1 == n ? members : (i + 1) * per;
		while (leaf < t->nleaves && seen < end)
			if (pouch_mls_tree_leaf(t, leaf++) != NULL)
				seen++;
		sh[i].hi = i + 1 == n ? t->nleaves : leaf;
	}
	for (i = 1; i < n; i++)
		sh[i].started = pthread_create(&sh[i].th, NULL, sig_share_run,
		    &sh[i]) == 0;
	sig_share_run(&sh[0]);
	for (i = 1; i < n; i++) {
		if (sh[i].started)
			(void)pthread_join(sh[i].th, NULL);
		else
			sig_share_run(&sh[i]);
	}
	for (i = 0; i < n; i++)
		if (sh[i].rc != POUCH_OK)
			return sh[i].rc;
	return POUCH_OK;
}

int
pouch_mls_tree_validate(const struct pouch_crypto *c,
    struct pouch_mls_tree *t, const struct pouch_mls_leaf_ctx *ctx,
    const uint8_t *tree_hash, size_t tree_hash_len)
{
	const struct pouch_mls_leaf_node *ln;
	uint8_t th[POUCH_HASH_MAX];
	uint32_t i;
	int rc;

	if (c == NULL || t == NULL || ctx == NULL ||
	    (ctx->group_id == NULL && ctx->group_id_len > 0))
		return POUCH_E_MISUSE;
	if (t->nleaves == 0)
		return POUCH_E_BAD_TREE;
	if ((rc = pouch_mls_tree_check_unmerged(t)) != POUCH_OK ||
	    (rc = check_keys_unique(t)) != POUCH_OK)
		return rc;
	for (i = 0; i < t->nleaves; i++) {
		if ((ln = pouch_mls_tree_leaf(t, i)) == NULL)
			continue;
		if ((rc = check_local(t, ln, ctx)) != POUCH_OK ||
		    (rc = check_lifetime(ln, ctx)) != POUCH_OK)
			return rc;
	}
	if ((rc = check_credential_types(t)) != POUCH_OK ||
	    (rc = check_signatures(c, t, ctx)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_tree_verify_parent_hashes(c, t)) != POUCH_OK)
		return rc;
	if (tree_hash == NULL)
		return POUCH_OK;
	if ((rc = pouch_mls_tree_root_hash(c, t, th)) != POUCH_OK)
		return rc;
	if (tree_hash_len != t->suite->nh ||
	    pouch_ct_eq(th, tree_hash, tree_hash_len) != 0)
		return POUCH_E_BAD_TREE_HASH;
	return POUCH_OK;
}
