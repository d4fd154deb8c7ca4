/*
 * mls/treekem - TreeKEM path secrets, UpdatePath creation, merge and
 * decryption (RFC 9420 7.4-7.6), and the private-key store of tree
 * nodes.  See treekem.h for the derivations and the contracts.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "mls/treekem.h"

/* Writer caps: a LeafNodeTBS and a GroupContext stay far below these. */
#define TBS_MAX		POUCH_VARINT_MAX
#define GC_MAX		POUCH_VARINT_MAX

struct privkey {
	uint32_t	 node;
	size_t		 sklen;
	size_t		 pklen;
	uint8_t		 sk[POUCH_HPKE_SK_MAX];
	uint8_t		*pk;
};

struct pouch_mls_tree_privkeys {
	const struct pouch_mls_suite	*s;
	size_t				 n;
	struct privkey			 e[POUCH_MLS_PRIVKEYS_MAX];
};

/* ---- the private-key store ------------------------------------------ */

int
pouch_mls_tree_privkeys_new(const struct pouch_mls_suite *s,
    struct pouch_mls_tree_privkeys **out)
{
	struct pouch_mls_tree_privkeys *k;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (s == NULL)
		return POUCH_E_MISUSE;
	if ((k = OPENSSL_zalloc(sizeof(*k))) == NULL)
		return POUCH_E_NOMEM;
	k->s = s;
	*out = k;
	return POUCH_OK;
}

static void
entry_clear(struct privkey *e)
{
	free(e->pk);
	OPENSSL_cleanse(e, sizeof(*e));
}

void
pouch_mls_tree_privkeys_free(struct pouch_mls_tree_privkeys *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++)
		entry_clear(&k->e[i]);
	OPENSSL_clear_free(k, sizeof(*k));
}

int
pouch_mls_tree_privkeys_clone(const struct pouch_mls_tree_privkeys *k,
    struct pouch_mls_tree_privkeys **out)
{
	struct pouch_mls_tree_privkeys *x = NULL;
	size_t i;
	int rc;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (k == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_tree_privkeys_new(k->s, &x)) != POUCH_OK)
		goto out;
	for (i = 0; i < k->n; i++) {
		if ((rc = pouch_mls_tree_privkeys_set(x, k->e[i].node,
		    k->e[i].sk, k->e[i].sklen, k->e[i].pk,
		    k->e[i].pklen)) != POUCH_OK)
			goto out;
	}
	*out = x;
	x = NULL;
	rc = POUCH_OK;
out:
	pouch_mls_tree_privkeys_free(x);
	return rc;
}

void
pouch_mls_tree_privkeys_swap(struct pouch_mls_tree_privkeys *a,
    struct pouch_mls_tree_privkeys *b)
{
	struct pouch_mls_tree_privkeys t;

	t = *a;
	*a = *b;
	*b = t;
	OPENSSL_cleanse(&t, sizeof(t));
}

static struct privkey *
find(const struct pouch_mls_tree_privkeys *k, uint32_t x)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (k->e[i].node == x)
			return (struct privkey *)&k->e[i];
	return NULL;
}

int
pouch_mls_tree_privkeys_set(struct pouch_mls_tree_privkeys *k, uint32_t x,
    const uint8_t *sk, size_t sklen, const uint8_t *pk, size_t pklen)
{
	struct privkey *e;
	uint8_t *pkc;

	if (k == NULL || sk == NULL || pk == NULL || sklen == 0 ||
	    sklen > POUCH_HPKE_SK_MAX || pklen == 0 ||
	    pklen > POUCH_HPKE_PK_MAX)
		return POUCH_E_MISUSE;
	if ((e = find(k, x)) == NULL && k->n == POUCH_MLS_PRIVKEYS_MAX)
		return POUCH_E_LIMIT;
	if ((pkc = malloc(pklen)) == NULL)
		return POUCH_E_NOMEM;
	memcpy(pkc, pk, pklen);
	if (e != NULL)
		entry_clear(e);
	else
		e = &k->e[k->n++];
	e->node = x;
	memcpy(e->sk, sk, sklen);
	e->sklen = sklen;
	e->pk = pkc;
	e->pklen = pklen;
	return POUCH_OK;
}

void
pouch_mls_tree_privkeys_remove(struct pouch_mls_tree_privkeys *k,
    uint32_t x)
{
	struct privkey *e;
	size_t i;

	if (k == NULL || (e = find(k, x)) == NULL)
		return;
	entry_clear(e);
	i = (size_t)(e - k->e);
	if (i != k->n - 1) {
		*e = k->e[k->n - 1];
		OPENSSL_cleanse(&k->e[k->n - 1], sizeof(k->e[0]));
	}
	k->n--;
}

const uint8_t *
pouch_mls_tree_privkeys_get(const struct pouch_mls_tree_privkeys *k,
    uint32_t x, size_t *len)
{
	const struct privkey *e;

	if (len != NULL)
		*len = 0;
	if (k == NULL || len == NULL || (e = find(k, x)) == NULL)
		return NULL;
	*len = e->sklen;
	return e->sk;
}

int
pouch_mls_tree_privkeys_entry(const struct pouch_mls_tree_privkeys *k,
    size_t i, uint32_t *node, const uint8_t **sk, size_t *sklen,
    const uint8_t **pk, size_t *pklen)
{
	if (k == NULL || node == NULL || sk == NULL || sklen == NULL ||
	    pk == NULL || pklen == NULL || i >= k->n)
		return POUCH_E_MISUSE;
	*node = k->e[i].node;
	*sk = k->e[i].sk;
	*sklen = k->e[i].sklen;
	*pk = k->e[i].pk;
	*pklen = k->e[i].pklen;
	return POUCH_OK;
}

size_t
pouch_mls_tree_privkeys_count(const struct pouch_mls_tree_privkeys *k)
{
	return k == NULL ? 0 : k->n;
}

/* ---- helpers -------------------------------------------------------- */

/* The encryption key node x of t holds; NULL when blank. */
static const struct pouch_mls_bytes *
node_key(const struct pouch_mls_tree *t, uint32_t x)
{
	const struct pouch_mls_node *nd;

	if ((nd = pouch_mls_tree_node(t, x)) == NULL)
		return NULL;
	if (nd->type == POUCH_MLS_NODE_LEAF)
		return &nd->u.leaf.encryption_key;
	return &nd->u.parent.encryption_key;
}

/* Equality of public values (keys, parent hashes): no need for CT. */
static int
bytes_eq(const struct pouch_mls_bytes *b, const uint8_t *p, size_t n)
{
	return b != NULL && b->n == n &&
	    (n == 0 || memcmp(b->p, p, n) == 0);	/* checksrc: allow */
}

/* node_secret = DeriveSecret(secret, "node"); the KEM key pair from it. */
static int
derive_keypair(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const uint8_t *secret, uint8_t *sk, size_t *sklen, uint8_t *pk,
    size_t *pklen)
{
	uint8_t node_secret[POUCH_HASH_MAX];
	int rc;

	if ((rc = pouch_mls_derive_secret(c, s, secret, s->nh, "node",
	    node_secret)) != POUCH_OK)
		goto out;
	rc = pouch_hpke_derive_keypair(c, s->hpke_kem, node_secret, s->nh,
	    sk, POUCH_HPKE_SK_MAX, sklen, pk, POUCH_HPKE_PK_MAX, pklen);
out:
	OPENSSL_cleanse(node_secret, sizeof(node_secret));
	return rc;
}

/* path_secret[n+1] = DeriveSecret(path_secret[n], "path"), in place. */
static int
next_secret(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const uint8_t *in, uint8_t *out)
{
	uint8_t tmp[POUCH_HASH_MAX];
	int rc;

	rc = pouch_mls_derive_secret(c, s, in, s->nh, "path", tmp);
	if (rc == POUCH_OK)
		memcpy(out, tmp, s->nh);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return rc;
}

/* Is leaf index l in excluded[0..n)? */
static int
is_excluded(uint32_t l, const uint32_t *excluded, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (excluded[i] == l)
			return 1;
	return 0;
}

/*
 * The resolution of x in t without the leaves in excluded (RFC 9420
 * 7.6), in a fresh array *out (free()) of *n entries.
 */
static int
resolve(const struct pouch_mls_tree *t, uint32_t x, const uint32_t *excluded,
    size_t nexcluded, uint32_t **out, size_t *n)
{
	uint32_t *v = NULL;
	size_t cap, m = 0, i, j;
	int rc;

	*out = NULL;
	*n = 0;
	cap = pouch_mls_tree_width(t);
	for (;;) {
		free(v);
		if ((v = calloc(cap == 0 ? 1 : cap, sizeof(*v))) == NULL)
			return POUCH_E_NOMEM;
		rc = pouch_mls_tree_resolution(t, x, v, cap, &m);
		if (rc != POUCH_E_BUFFER_TOO_SMALL || m <= cap)
			break;
		cap = m;
	}
	if (rc != POUCH_OK) {
		free(v);
		return rc;
	}
	for (i = j = 0; i < m; i++) {
		if (v[i] % 2 == 0 && is_excluded(v[i] / 2, excluded,
		    nexcluded))
			continue;
		v[j++] = v[i];
	}
	*out = v;
	*n = j;
	return POUCH_OK;
}

/* The child of fdp node p that is not an ancestor of leaf node sx. */
static uint32_t
copath_child(uint32_t p, uint32_t sx)
{
	uint32_t l = pouch_mls_tm_left(p);

	return pouch_mls_tm_in_subtree(sx, l) ? pouch_mls_tm_right(p) : l;
}

/* Drop k's keys for leaf's direct path (they are replaced or blank). */
static void
drop_direct_path(struct pouch_mls_tree_privkeys *k,
    const struct pouch_mls_tree *t, uint32_t leaf)
{
	uint32_t dp[POUCH_MLS_PATH_MAX];
	size_t n = 0, i;

	if (pouch_mls_tm_direct_path(pouch_mls_tm_leaf_node(leaf),
	    pouch_mls_tree_leaves(t), dp, &n) != 0)
		return;
	for (i = 0; i < n; i++)
		pouch_mls_tree_privkeys_remove(k, dp[i]);
}

int
pouch_mls_tree_privkeys_set_path_secret(const struct pouch_crypto *c,
    struct pouch_mls_tree_privkeys *k, const struct pouch_mls_tree *t,
    uint32_t x, const uint8_t *path_secret, size_t len)
{
	uint8_t sk[POUCH_HPKE_SK_MAX], pk[POUCH_HPKE_PK_MAX];
	size_t sklen = 0, pklen = 0;
	const struct pouch_mls_bytes *want;
	int rc;

	if (c == NULL || k == NULL || t == NULL || path_secret == NULL ||
	    len != k->s->nh)
		return POUCH_E_MISUSE;
	if ((want = node_key(t, x)) == NULL)
		return POUCH_E_BAD_TREE;
	if ((rc = derive_keypair(c, k->s, path_secret, sk, &sklen, pk,
	    &pklen)) != POUCH_OK)
		goto out;
	if (!bytes_eq(want, pk, pklen)) {
		rc = POUCH_E_PATH_KEY;
		goto out;
	}
	rc = pouch_mls_tree_privkeys_set(k, x, sk, sklen, pk, pklen);
out:
	OPENSSL_cleanse(sk, sizeof(sk));
	return rc;
}

int
pouch_mls_treekem_context(const struct pouch_crypto *c,
    struct pouch_mls_tree *t, const struct pouch_mls_group_context *gc,
    uint8_t **out, size_t *outlen)
{
	struct pouch_mls_group_context g;
	uint8_t th[POUCH_HASH_MAX];
	struct pouch_wr w;
	int rc;

	if (out == NULL || outlen == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*outlen = 0;
	if (c == NULL || t == NULL || gc == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_tree_root_hash(c, t, th)) != POUCH_OK)
		return rc;
	g = *gc;
	g.tree_hash.p = th;
	g.tree_hash.n = pouch_mls_tree_suite(t)->nh;
	pouch_wr_init(&w, GC_MAX);
	pouch_mls_group_context_encode(&w, &g);
	rc = pouch_wr_take(&w, out, outlen);
	pouch_wr_free(&w);
	return rc;
}

/* ---- receiver ------------------------------------------------------- */

/* Every UpdatePathNode has one ciphertext per resolution node (7.6). */
static int
check_shape(const struct pouch_mls_tree *t, uint32_t sender,
    const struct pouch_mls_update_path *up, const uint32_t *excluded,
    size_t nexcluded, uint32_t path[POUCH_MLS_PATH_MAX], size_t *n)
{
	uint32_t *res = NULL, sx = pouch_mls_tm_leaf_node(sender);
	size_t i, m;
	int rc;

	if ((rc = pouch_mls_tree_filtered_direct_path(t, sender, path,
	    n)) != POUCH_OK)
		return rc;
	if (up->n != *n)
		return POUCH_E_PATH_SHAPE;
	for (i = 0; i < *n; i++) {
		if ((rc = resolve(t, copath_child(path[i], sx), excluded,
		    nexcluded, &res, &m)) != POUCH_OK)
			return rc;
		free(res);
		if (m != up->nodes[i].nsecrets)
			return POUCH_E_PATH_SHAPE;
	}
	return POUCH_OK;
}

/* RFC 9420 7.5 merge, on t itself (a clone the caller owns). */
static int
merge_into(const struct pouch_crypto *c, struct pouch_mls_tree *t,
    uint32_t sender, const struct pouch_mls_update_path *up,
    const uint32_t *excluded, size_t nexcluded)
{
	struct pouch_mls_parent_node pn;
	uint32_t path[POUCH_MLS_PATH_MAX];
	uint8_t ph[POUCH_HASH_MAX];
	size_t n = 0, i, phlen = 0;
	int rc;

	if (pouch_mls_tree_leaf(t, sender) == NULL)
		return POUCH_E_UNKNOWN_SENDER;
	if ((rc = check_shape(t, sender, up, excluded, nexcluded, path,
	    &n)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_tree_blank_path(t, sender)) != POUCH_OK)
		return rc;
	for (i = 0; i < n; i++) {
		memset(&pn, 0, sizeof(pn));
		pn.encryption_key = up->nodes[i].encryption_key;
		if ((rc = pouch_mls_tree_set_parent(t, path[i], &pn)) !=
		    POUCH_OK)
			return rc;
	}
	if ((rc = pouch_mls_tree_set_path_parent_hashes(c, t, sender, ph,
	    &phlen)) != POUCH_OK)
		return rc;
	if (!bytes_eq(&up->leaf_node.parent_hash, ph, phlen))
		return POUCH_E_BAD_PARENT_HASH;
	return pouch_mls_tree_set_leaf(t, sender, &up->leaf_node);
}

int
pouch_mls_treekem_merge(const struct pouch_crypto *c,
    struct pouch_mls_tree **tp, uint32_t sender,
    const struct pouch_mls_update_path *up, const uint32_t *excluded,
    size_t nexcluded)
{
	struct pouch_mls_tree *t = NULL;
	int rc;

	if (c == NULL || tp == NULL || *tp == NULL || up == NULL ||
	    (excluded == NULL && nexcluded != 0))
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_tree_clone(*tp, &t)) != POUCH_OK)
		goto out;
	if ((rc = merge_into(c, t, sender, up, excluded, nexcluded)) !=
	    POUCH_OK)
		goto out;
	pouch_mls_tree_free(*tp);
	*tp = t;
	t = NULL;
out:
	pouch_mls_tree_free(t);
	return rc;
}

/*
 * Where leaf me decrypts (7.5 steps 1-2): *idx the UpdatePath node,
 * *slot the ciphertext in it, *e the private key to use.
 */
static int
locate(const struct pouch_mls_tree *t, const struct pouch_mls_tree_privkeys *k,
    uint32_t me, uint32_t sender, const struct pouch_mls_update_path *up,
    const uint32_t *excluded, size_t nexcluded, size_t *idx, size_t *slot,
    const struct privkey **ep)
{
	uint32_t path[POUCH_MLS_PATH_MAX], *res = NULL, cc;
	uint32_t mx = pouch_mls_tm_leaf_node(me);
	uint32_t sx = pouch_mls_tm_leaf_node(sender);
	const struct privkey *e;
	size_t n = 0, i, m = 0;
	int rc;

	*ep = NULL;
	if ((rc = pouch_mls_tree_filtered_direct_path(t, sender, path,
	    &n)) != POUCH_OK)
		goto out;
	if (up->n != n) {
		rc = POUCH_E_PATH_SHAPE;
		goto out;
	}
	for (i = 0; i < n && !pouch_mls_tm_in_subtree(mx, path[i]); i++)
		;
	rc = POUCH_E_NO_PATH_KEY;
	if (i == n)
		goto out;
	cc = copath_child(path[i], sx);
	if (!pouch_mls_tm_in_subtree(mx, cc))
		goto out;
	*idx = i;
	if ((rc = resolve(t, cc, excluded, nexcluded, &res, &m)) != POUCH_OK)
		goto out;
	if (m != up->nodes[i].nsecrets) {
		rc = POUCH_E_PATH_SHAPE;
		goto out;
	}
	rc = POUCH_E_NO_PATH_KEY;
	for (i = 0; i < m; i++) {
		if (!pouch_mls_tm_in_subtree(mx, res[i]) ||
		    (e = find(k, res[i])) == NULL ||
		    !bytes_eq(node_key(t, res[i]), e->pk, e->pklen))
			continue;
		*slot = i;
		*ep = e;
		rc = POUCH_OK;
		break;
	}
out:
	free(res);
	return rc;
}

/* Decrypt one HPKECiphertext to exactly one path secret (nh bytes). */
static int
open_secret(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const struct privkey *e, const struct pouch_mls_hpke_ciphertext *ct,
    const uint8_t *gc, size_t gclen, uint8_t *out)
{
	uint8_t pt[POUCH_HASH_MAX];
	size_t ptlen = 0;
	int rc;

	if (ct->ciphertext.n != s->nh + POUCH_HPKE_NT)
		return POUCH_E_MALFORMED;
	if ((rc = pouch_mls_decrypt_with_label(c, s, e->sk, e->sklen,
	    "UpdatePathNode", gc, gclen, ct->kem_output.p, ct->kem_output.n,
	    ct->ciphertext.p, ct->ciphertext.n, pt, sizeof(pt), &ptlen)) !=
	    POUCH_OK)
		goto out;
	if (ptlen != s->nh) {
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	memcpy(out, pt, ptlen);
out:
	OPENSSL_cleanse(pt, sizeof(pt));
	return rc;
}

int
pouch_mls_treekem_decap(const struct pouch_crypto *c,
    const struct pouch_mls_tree *t, struct pouch_mls_tree_privkeys *k,
    uint32_t me, uint32_t sender, const struct pouch_mls_update_path *up,
    const uint32_t *excluded, size_t nexcluded, const uint8_t *gc_bytes,
    size_t gc_len, uint8_t *path_secret, uint8_t *commit_secret)
{
	const struct pouch_mls_suite *s;
	struct pouch_mls_tree_privkeys *k2 = NULL;
	const struct privkey *e;
	uint32_t path[POUCH_MLS_PATH_MAX];
	uint8_t ps[POUCH_HASH_MAX], first[POUCH_HASH_MAX];
	uint8_t sk[POUCH_HPKE_SK_MAX], pk[POUCH_HPKE_PK_MAX];
	size_t n = 0, idx = 0, slot = 0, i, sklen, pklen;
	int rc;

	if (c == NULL || t == NULL || k == NULL || up == NULL ||
	    gc_bytes == NULL || commit_secret == NULL || me == sender ||
	    (excluded == NULL && nexcluded != 0))
		return POUCH_E_MISUSE;
	s = k->s;
	if ((rc = locate(t, k, me, sender, up, excluded, nexcluded, &idx,
	    &slot, &e)) != POUCH_OK)
		goto out;
	if ((rc = open_secret(c, s, e, &up->nodes[idx].secrets[slot],
	    gc_bytes, gc_len, ps)) != POUCH_OK)
		goto out;
	memcpy(first, ps, s->nh);
	if ((rc = pouch_mls_tree_filtered_direct_path(t, sender, path,
	    &n)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_tree_privkeys_clone(k, &k2)) != POUCH_OK)
		goto out;
	drop_direct_path(k2, t, sender);
	for (i = idx; i < n; i++) {
		if (i > idx && (rc = next_secret(c, s, ps, ps)) != POUCH_OK)
			goto out;
		if ((rc = derive_keypair(c, s, ps, sk, &sklen, pk, &pklen)) !=
		    POUCH_OK)
			goto out;
		if (!bytes_eq(&up->nodes[i].encryption_key, pk, pklen)) {
			rc = POUCH_E_PATH_KEY;
			goto out;
		}
		if ((rc = pouch_mls_tree_privkeys_set(k2, path[i], sk, sklen,
		    pk, pklen)) != POUCH_OK)
			goto out;
	}
	if ((rc = next_secret(c, s, ps, ps)) != POUCH_OK)
		goto out;
	pouch_mls_tree_privkeys_swap(k, k2);
	memcpy(commit_secret, ps, s->nh);
	if (path_secret != NULL)
		memcpy(path_secret, first, s->nh);
out:
	pouch_mls_tree_privkeys_free(k2);
	OPENSSL_cleanse(ps, sizeof(ps));
	OPENSSL_cleanse(first, sizeof(first));
	OPENSSL_cleanse(sk, sizeof(sk));
	return rc;
}

/* Merge, provisional GroupContext, decrypt: on t and k themselves. */
static int
apply_on(const struct pouch_crypto *c, struct pouch_mls_tree *t,
    struct pouch_mls_tree_privkeys *k, uint32_t me, uint32_t sender,
    const struct pouch_mls_update_path *up, const uint32_t *excluded,
    size_t nexcluded, const struct pouch_mls_group_context *gc,
    uint8_t *path_secret, uint8_t *commit_secret)
{
	uint8_t *gcb = NULL;
	size_t gclen = 0;
	int rc;

	if ((rc = merge_into(c, t, sender, up, excluded, nexcluded)) !=
	    POUCH_OK)
		goto out;
	if ((rc = pouch_mls_treekem_context(c, t, gc, &gcb, &gclen)) !=
	    POUCH_OK)
		goto out;
	rc = pouch_mls_treekem_decap(c, t, k, me, sender, up, excluded,
	    nexcluded, gcb, gclen, path_secret, commit_secret);
out:
	pouch_wr_buf_free(gcb, gclen);
	return rc;
}

int
pouch_mls_treekem_apply(const struct pouch_crypto *c,
    struct pouch_mls_tree **tp, struct pouch_mls_tree_privkeys *k,
    uint32_t me, uint32_t sender, const struct pouch_mls_update_path *up,
    const uint32_t *excluded, size_t nexcluded,
    const struct pouch_mls_group_context *gc, uint8_t *path_secret,
    uint8_t *commit_secret)
{
	struct pouch_mls_tree *t = NULL;
	int rc;

	if (c == NULL || tp == NULL || *tp == NULL || k == NULL ||
	    up == NULL || gc == NULL || commit_secret == NULL ||
	    (excluded == NULL && nexcluded != 0))
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_tree_clone(*tp, &t)) != POUCH_OK ||
	    (rc = apply_on(c, t, k, me, sender, up, excluded, nexcluded, gc,
	    path_secret, commit_secret)) != POUCH_OK)
		goto out;
	pouch_mls_tree_free(*tp);
	*tp = t;
	t = NULL;
out:
	pouch_mls_tree_free(t);
	return rc;
}

int
pouch_mls_treekem_apply_owned(const struct pouch_crypto *c,
    struct pouch_mls_tree *t, struct pouch_mls_tree_privkeys *k,
    uint32_t me, uint32_t sender, const struct pouch_mls_update_path *up,
    const uint32_t *excluded, size_t nexcluded,
    const struct pouch_mls_group_context *gc, uint8_t *path_secret,
    uint8_t *commit_secret)
{
	if (c == NULL || t == NULL || k == NULL || up == NULL || gc == NULL ||
	    commit_secret == NULL || (excluded == NULL && nexcluded != 0))
		return POUCH_E_MISUSE;
	return apply_on(c, t, k, me, sender, up, excluded, nexcluded, gc,
	    path_secret, commit_secret);
}

/* ---- committer ------------------------------------------------------ */

void
pouch_mls_path_out_clear(struct pouch_mls_path_out *o)
{
	if (o != NULL)
		OPENSSL_cleanse(o, sizeof(*o));
}

/* Sign ln as the LeafNodeTBS of leaf in group group_id (7.2). */
static int
sign_leaf(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    struct pouch_mls_leaf_node *ln, const struct pouch_mls_path_params *p,
    struct pouch_mls_arena *a)
{
	struct pouch_mls_leaf_node_tbs tbs;
	uint8_t sig[POUCH_SIG_MAX];
	size_t siglen = 0;
	struct pouch_wr w;
	int rc;

	memset(&tbs, 0, sizeof(tbs));
	tbs.leaf = *ln;
	tbs.group_id = p->gc->group_id;
	tbs.leaf_index = p->leaf;
	pouch_wr_init(&w, TBS_MAX);
	pouch_mls_leaf_node_tbs_encode(&w, &tbs);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_sign_with_label(c, s, p->sig_priv,
	    p->sig_privlen, "LeafNodeTBS", w.buf, w.len, sig, sizeof(sig),
	    &siglen)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_arena_copy(a, sig, siglen, &ln->signature.p)) !=
	    POUCH_OK)
		goto out;
	ln->signature.n = siglen;
out:
	pouch_wr_free(&w);
	return rc;
}

/* A deep copy of src in a (re-encoded, then decoded from the arena). */
static int
copy_leaf(const struct pouch_mls_leaf_node *src, struct pouch_mls_arena *a,
    struct pouch_mls_leaf_node *dst)
{
	struct pouch_wr w;
	struct pouch_rd r;
	const uint8_t *b;
	int rc;

	pouch_wr_init(&w, TBS_MAX);
	pouch_mls_leaf_node_encode(&w, src);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_arena_copy(a, w.buf, w.len, &b)) != POUCH_OK)
		goto out;
	pouch_rd_init(&r, b, w.len);
	rc = pouch_mls_leaf_node_decode(&r, a, pouch_mls_limits_default(),
	    dst);
out:
	pouch_wr_free(&w);
	return rc;
}

/* The new leaf node (7.5 step 4) with leaf key pk and parent hash ph. */
static int
make_leaf(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const struct pouch_mls_path_params *p, struct pouch_mls_arena *a,
    const uint8_t *pk, size_t pklen, const uint8_t *ph, size_t phlen,
    struct pouch_mls_leaf_node *ln)
{
	int rc;

	if ((rc = copy_leaf(p->leaf_tmpl, a, ln)) != POUCH_OK)
		return rc;
	ln->source = POUCH_MLS_LEAF_COMMIT;
	memset(&ln->lifetime, 0, sizeof(ln->lifetime));
	memset(&ln->signature, 0, sizeof(ln->signature));
	if ((rc = pouch_mls_arena_copy(a, pk, pklen,
	    &ln->encryption_key.p)) != POUCH_OK)
		return rc;
	ln->encryption_key.n = pklen;
	if ((rc = pouch_mls_arena_copy(a, ph, phlen, &ln->parent_hash.p)) !=
	    POUCH_OK)
		return rc;
	ln->parent_hash.n = phlen;
	return sign_leaf(c, s, ln, p, a);
}

/*
 * Encrypt secret to every node of the resolution of x minus the new
 * members (7.5 "encrypts path secrets to the group"), into un.
 */
static int
seal_node(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const struct pouch_mls_tree *t, uint32_t x,
    const struct pouch_mls_path_params *p, const uint8_t *gc, size_t gclen,
    const uint8_t *secret, struct pouch_mls_arena *a,
    struct pouch_mls_update_path_node *un)
{
	uint8_t enc[POUCH_HPKE_ENC_MAX], ct[POUCH_HASH_MAX + POUCH_HPKE_NT];
	struct pouch_mls_hpke_ciphertext *hc;
	const struct pouch_mls_bytes *pk;
	uint32_t *res = NULL;
	size_t m = 0, i, enclen, ctlen;
	void *arr = NULL;
	int rc;

	if ((rc = resolve(t, x, p->excluded, p->nexcluded, &res, &m)) !=
	    POUCH_OK)
		goto out;
	if ((rc = pouch_mls_arena_array(a, m, sizeof(*hc), &arr)) != POUCH_OK)
		goto out;
	hc = arr;
	for (i = 0; i < m; i++) {
		rc = POUCH_E_BAD_TREE;
		if ((pk = node_key(t, res[i])) == NULL)
			goto out;
		if ((rc = pouch_mls_encrypt_with_label(c, s, pk->p, pk->n,
		    "UpdatePathNode", gc, gclen, secret, s->nh, enc,
		    sizeof(enc), &enclen, ct, sizeof(ct), &ctlen)) != POUCH_OK)
			goto out;
		if ((rc = pouch_mls_arena_copy(a, enc, enclen,
		    &hc[i].kem_output.p)) != POUCH_OK ||
		    (rc = pouch_mls_arena_copy(a, ct, ctlen,
		    &hc[i].ciphertext.p)) != POUCH_OK)
			goto out;
		hc[i].kem_output.n = enclen;
		hc[i].ciphertext.n = ctlen;
	}
	un->secrets = hc;
	un->nsecrets = m;
out:
	free(res);
	return rc;
}

/* Work state of one encap, kept off the stack (about 70 KiB). */
struct encap_st {
	uint32_t	path[POUCH_MLS_PATH_MAX];
	size_t		n;
	uint8_t		leaf_secret[POUCH_HASH_MAX];
	uint8_t		ps[POUCH_MLS_PATH_MAX][POUCH_HASH_MAX];
	uint8_t		commit[POUCH_HASH_MAX];
	uint8_t		sk[POUCH_HPKE_SK_MAX];
	uint8_t		pk[POUCH_HPKE_PK_MAX];
	uint8_t		ph[POUCH_HASH_MAX];
	size_t		sklen, pklen, phlen;
};

/* 7.4: derive the path, put its keys in t and k (no ciphertexts yet). */
static int
derive_path(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    struct pouch_mls_tree *t, struct pouch_mls_tree_privkeys *k,
    struct encap_st *st)
{
	struct pouch_mls_parent_node pn;
	const uint8_t *prev = st->leaf_secret;
	size_t i;
	int rc;

	for (i = 0; i < st->n; i++) {
		if ((rc = next_secret(c, s, prev, st->ps[i])) != POUCH_OK)
			return rc;
		prev = st->ps[i];
		if ((rc = derive_keypair(c, s, st->ps[i], st->sk, &st->sklen,
		    st->pk, &st->pklen)) != POUCH_OK)
			return rc;
		if ((rc = pouch_mls_tree_privkeys_set(k, st->path[i], st->sk,
		    st->sklen, st->pk, st->pklen)) != POUCH_OK)
			return rc;
		memset(&pn, 0, sizeof(pn));
		pn.encryption_key.p = st->pk;
		pn.encryption_key.n = st->pklen;
		if ((rc = pouch_mls_tree_set_parent(t, st->path[i], &pn)) !=
		    POUCH_OK)
			return rc;
	}
	return next_secret(c, s, prev, st->commit);
}

/* 7.6: the UpdatePathNodes of the merged tree t. */
static int
seal_path(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    struct pouch_mls_tree *t, const struct pouch_mls_path_params *p,
    struct encap_st *st, struct pouch_mls_arena *a,
    struct pouch_mls_update_path *up)
{
	struct pouch_mls_update_path_node *un;
	const struct pouch_mls_bytes *pk;
	uint32_t sx = pouch_mls_tm_leaf_node(p->leaf);
	uint8_t *gcb = NULL;
	size_t gclen = 0, i;
	void *arr = NULL;
	int rc;

	if ((rc = pouch_mls_treekem_context(c, t, p->gc, &gcb, &gclen)) !=
	    POUCH_OK)
		goto out;
	if ((rc = pouch_mls_arena_array(a, st->n, sizeof(*un), &arr)) !=
	    POUCH_OK)
		goto out;
	un = arr;
	for (i = 0; i < st->n; i++) {
		rc = POUCH_E_BAD_TREE;
		if ((pk = node_key(t, st->path[i])) == NULL)
			goto out;
		if ((rc = pouch_mls_arena_copy(a, pk->p, pk->n,
		    &un[i].encryption_key.p)) != POUCH_OK)
			goto out;
		un[i].encryption_key.n = pk->n;
		if ((rc = seal_node(c, s, t, copath_child(st->path[i], sx), p,
		    gcb, gclen, st->ps[i], a, &un[i])) != POUCH_OK)
			goto out;
	}
	up->nodes = un;
	up->n = st->n;
out:
	pouch_wr_buf_free(gcb, gclen);
	return rc;
}

/*
 * The committer's work on t and k themselves (the callers below pass
 * copies, or the caller's own); o filled on success.
 */
static int
encap_on(const struct pouch_crypto *c, struct pouch_mls_tree *t,
    struct pouch_mls_tree_privkeys *k, const struct pouch_mls_path_params *p,
    struct pouch_mls_arena *a, struct pouch_mls_path_out *o)
{
	const struct pouch_mls_suite *s;
	struct encap_st *st = NULL;
	int rc;

	memset(o, 0, sizeof(*o));
	s = pouch_mls_tree_suite(t);
	if (pouch_mls_tree_leaf(t, p->leaf) == NULL || s != k->s)
		return POUCH_E_MISUSE;
	if ((st = OPENSSL_zalloc(sizeof(*st))) == NULL)
		return POUCH_E_NOMEM;
	if (p->leaf_secret != NULL)
		memcpy(st->leaf_secret, p->leaf_secret, s->nh);
	else if ((rc = pouch_random(st->leaf_secret, s->nh)) != POUCH_OK)
		goto out;
	drop_direct_path(k, t, p->leaf);
	if ((rc = pouch_mls_tree_blank_path(t, p->leaf)) != POUCH_OK ||
	    (rc = pouch_mls_tree_filtered_direct_path(t, p->leaf, st->path,
	    &st->n)) != POUCH_OK ||
	    (rc = derive_path(c, s, t, k, st)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_tree_set_path_parent_hashes(c, t, p->leaf,
	    st->ph, &st->phlen)) != POUCH_OK)
		goto out;
	if ((rc = derive_keypair(c, s, st->leaf_secret, st->sk, &st->sklen,
	    st->pk, &st->pklen)) != POUCH_OK ||
	    (rc = pouch_mls_tree_privkeys_set(k,
	    pouch_mls_tm_leaf_node(p->leaf), st->sk, st->sklen, st->pk,
	    st->pklen)) != POUCH_OK)
		goto out;
	if ((rc = make_leaf(c, s, p, a, st->pk, st->pklen, st->ph,
	    st->phlen, &o->path.leaf_node)) != POUCH_OK ||
	    (rc = pouch_mls_tree_set_leaf(t, p->leaf,
	    &o->path.leaf_node)) != POUCH_OK)
		goto out;
	if ((rc = seal_path(c, s, t, p, st, a, &o->path)) != POUCH_OK)
		goto out;
	memcpy(o->path_secrets, st->ps, sizeof(st->ps));
	o->npath_secrets = st->n;
	memcpy(o->commit_secret, st->commit, s->nh);
	o->commit_secretlen = s->nh;
out:
	if (rc != POUCH_OK)
		pouch_mls_path_out_clear(o);
	OPENSSL_clear_free(st, sizeof(*st));
	return rc;
}

static int
encap_args_ok(const struct pouch_crypto *c, struct pouch_mls_tree **tp,
    const struct pouch_mls_tree_privkeys *k,
    const struct pouch_mls_path_params *p, const struct pouch_mls_arena *a,
    const struct pouch_mls_path_out *o)
{
	return c != NULL && tp != NULL && *tp != NULL && k != NULL &&
	    p != NULL && a != NULL && o != NULL && p->gc != NULL &&
	    p->leaf_tmpl != NULL && p->sig_priv != NULL &&
	    (p->excluded != NULL || p->nexcluded == 0);
}

int
pouch_mls_treekem_encap(const struct pouch_crypto *c,
    struct pouch_mls_tree **tp, struct pouch_mls_tree_privkeys *k,
    const struct pouch_mls_path_params *p, struct pouch_mls_arena *a,
    struct pouch_mls_path_out *o)
{
	struct pouch_mls_tree *t = NULL;
	struct pouch_mls_tree_privkeys *k2 = NULL;
	int rc;

	if (o != NULL)
		memset(o, 0, sizeof(*o));
	if (!encap_args_ok(c, tp, k, p, a, o))
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_tree_clone(*tp, &t)) != POUCH_OK ||
	    (rc = pouch_mls_tree_privkeys_clone(k, &k2)) != POUCH_OK ||
	    (rc = encap_on(c, t, k2, p, a, o)) != POUCH_OK)
		goto out;
	pouch_mls_tree_privkeys_swap(k, k2);
	pouch_mls_tree_free(*tp);
	*tp = t;
	t = NULL;
out:
	pouch_mls_tree_free(t);
	pouch_mls_tree_privkeys_free(k2);
	return rc;
}

int
pouch_mls_treekem_encap_owned(const struct pouch_crypto *c,
    struct pouch_mls_tree *t, struct pouch_mls_tree_privkeys *k,
    const struct pouch_mls_path_params *p, struct pouch_mls_arena *a,
    struct pouch_mls_path_out *o)
{
	if (o != NULL)
		memset(o, 0, sizeof(*o));
	if (!encap_args_ok(c, &t, k, p, a, o))
		return POUCH_E_MISUSE;
	return encap_on(c, t, k, p, a, o);
}
