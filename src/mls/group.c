/*
 * mls/group - creating and joining a group, making and processing
 * commits (RFC 9420 11, 12).  See group.h for the scope and the state
 * rules.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "mls/group.h"
#include "mls/group_int.h"
#include "mls/key_schedule.h"
#include "mls/keypackage.h"
#include "mls/msg.h"
#include "mls/protect.h"
#include "mls/psk.h"
#include "mls/secret_tree.h"
#include "mls/transcript.h"
#include "mls/tree.h"
#include "mls/treekem.h"
#include "mls/welcome.h"

static void
cache_clear(struct pouch_mls_group *g)
{
	size_t i;

	for (i = 0; i < g->ncache; i++)
		pouch_wr_buf_free(g->cache[i].p, g->cache[i].n);
	free(g->cache);
	g->cache = NULL;
	g->ncache = 0;
}

static void
epoch_clear(struct epoch *e)
{
	pouch_mls_tree_free(e->tree);
	pouch_mls_tree_privkeys_free(e->keys);
	pouch_mls_secret_tree_free(e->st);
	pouch_mls_arena_free(&e->ext_a);
	OPENSSL_cleanse(e, sizeof(*e));
}

/* Replace e's GroupContext extensions by a copy of x. */
static int
epoch_set_ext(struct epoch *e, const struct pouch_mls_extensions *x)
{
	struct pouch_mls_extensions d;
	struct pouch_mls_arena a;
	const uint8_t *b;
	struct pouch_wr w;
	struct pouch_rd r;
	int rc;

	pouch_mls_arena_init_limits(&a, NULL);
	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_extensions_encode(&w, x);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK ||
	    (rc = pouch_mls_arena_copy(&a, w.buf, w.len, &b)) != POUCH_OK)
		goto out;
	pouch_rd_init(&r, b, w.len);
	if ((rc = pouch_mls_extensions_decode(&r, &a,
	    pouch_mls_limits_default(), &d)) != POUCH_OK)
		goto out;
	pouch_mls_arena_free(&e->ext_a);
	e->ext_a = a;
	e->ext = d;
	memset(&a, 0, sizeof(a));
out:
	pouch_mls_arena_free(&a);
	pouch_wr_free(&w);
	return rc;
}

static void
epoch_free(struct epoch *e)
{
	if (e == NULL)
		return;
	epoch_clear(e);
	free(e);
}

/* A staged copy of e. */
static int
epoch_clone(const struct epoch *e, struct epoch **out)
{
	struct epoch *x;
	int rc;

	*out = NULL;
	if ((x = malloc(sizeof(*x))) == NULL)
		return POUCH_E_NOMEM;
	*x = *e;
	x->tree = NULL;
	x->keys = NULL;
	x->st = NULL;		/* the next epoch derives its own */
	memset(&x->ext_a, 0, sizeof(x->ext_a));
	memset(&x->ext, 0, sizeof(x->ext));
	if ((rc = pouch_mls_tree_clone(e->tree, &x->tree)) != POUCH_OK ||
	    (rc = pouch_mls_tree_privkeys_clone(e->keys, &x->keys)) !=
	    POUCH_OK || (rc = epoch_set_ext(x, &e->ext)) != POUCH_OK) {
		epoch_free(x);
		return rc;
	}
	*out = x;
	return POUCH_OK;
}

/*
 * The secret tree of e from its encryption_secret, which is then wiped
 * (RFC 9420 9.2): application keys come only from the tree.
 */
static int
epoch_secret_tree(const struct pouch_mls_group *g, struct epoch *e)
{
	struct pouch_mls_secret_tree *st = NULL;
	int rc;

	if ((rc = pouch_mls_secret_tree_new(g->s, e->es.encryption_secret,
	    pouch_mls_tree_leaves(e->tree), NULL, &st)) != POUCH_OK)
		return rc;
	pouch_mls_secret_tree_free(e->st);
	e->st = st;
	OPENSSL_cleanse(e->es.encryption_secret,
	    sizeof(e->es.encryption_secret));
	return POUCH_OK;
}

/* Replace g->cur by *ep (taken); the proposal cache was the old epoch's. */
static void
epoch_swap_in(struct pouch_mls_group *g, struct epoch **ep)
{
	cache_clear(g);
	g->rpsk[g->nrpsk % RPSK_KEEP].epoch = g->cur.epoch;
	memcpy(g->rpsk[g->nrpsk % RPSK_KEEP].psk, g->cur.es.resumption_psk,
	    sizeof(g->cur.es.resumption_psk));
	g->nrpsk++;
	epoch_clear(&g->cur);
	g->cur = **ep;
	OPENSSL_cleanse(*ep, sizeof(**ep));
	free(*ep);
	*ep = NULL;
}

/* The GroupContext of e (epoch, cth as given); th gets the tree hash. */
static int
context(const struct pouch_mls_group *g, struct epoch *e, uint64_t epoch,
    const uint8_t *cth, size_t cthlen, uint8_t *th,
    struct pouch_mls_group_context *gc)
{
	memset(gc, 0, sizeof(*gc));
	gc->version = POUCH_MLS_VERSION_10;
	gc->cipher_suite = g->s->id;
	gc->group_id.p = g->group_id;
	gc->group_id.n = g->group_idlen;
	gc->epoch = epoch;
	gc->tree_hash.p = th;
	gc->tree_hash.n = g->s->nh;
	gc->confirmed_transcript_hash.p = cth;
	gc->confirmed_transcript_hash.n = cthlen;
	gc->extensions = e->ext;
	return pouch_mls_tree_root_hash(g->c, e->tree, th);
}

/* pouch_mls_key_schedule over the encoding of gc. */
static int
schedule(const struct pouch_mls_group *g, const uint8_t *init,
    const uint8_t *commit_secret, const uint8_t *psk_secret,
    const struct pouch_mls_group_context *gc,
    struct pouch_mls_epoch_secrets *es)
{
	struct pouch_wr w;
	int rc;

	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_group_context_encode(&w, gc);
	if ((rc = pouch_wr_finish(&w)) == POUCH_OK)
		rc = pouch_mls_key_schedule(g->c, g->s, init, commit_secret,
		    psk_secret, w.buf, w.len, es);
	pouch_wr_free(&w);
	return rc;
}

/* confirmed_transcript_hash (8.2) of a commit into out. */
static int
confirmed_hash(const struct pouch_mls_group *g, const struct epoch *e,
    uint16_t wire_format, const struct pouch_mls_framed_content *fc,
    const struct pouch_mls_bytes *sig, uint8_t *out)
{
	struct pouch_wr w;
	int rc;

	pouch_wr_init(&w, ENC_MAX);
	pouch_wr_u16(&w, wire_format);
	pouch_mls_framed_content_encode(&w, fc);
	pouch_wr_opaque(&w, sig->p, sig->n);
	if ((rc = pouch_wr_finish(&w)) == POUCH_OK)
		rc = pouch_mls_confirmed_transcript_hash(g->c, g->s, e->ith,
		    e->ithlen, w.buf, w.len, out);
	pouch_wr_free(&w);
	return rc;
}

static int
group_alloc(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    const uint8_t *group_id, size_t group_idlen,
    const struct pouch_mls_member_keys *mk, struct pouch_mls_group **out)
{
	struct pouch_mls_group *g;
	int rc;

	*out = NULL;
	if (group_idlen > GROUP_ID_MAX || mk->sig_privlen > POUCH_SIG_PRIV_MAX)
		return POUCH_E_MISUSE;
	if ((g = OPENSSL_zalloc(sizeof(*g))) == NULL)
		return POUCH_E_NOMEM;
	g->c = c;
	g->s = s;
	if (group_idlen != 0)
		memcpy(g->group_id, group_id, group_idlen);
	g->group_idlen = group_idlen;
	memcpy(g->sig_priv, mk->sig_priv, mk->sig_privlen);
	g->sig_privlen = mk->sig_privlen;
	if ((rc = pouch_sig_key_new(c, s->sig, POUCH_IMPL_DEFAULT,
	    mk->sig_priv, mk->sig_privlen, &g->sk)) != POUCH_OK) {
		pouch_mls_group_free(g);
		return rc;
	}
	*out = g;
	return POUCH_OK;
}

static void
psks_free(struct pouch_mls_group *g)
{
	size_t i;

	for (i = 0; i < g->npsks; i++) {
		free((void *)g->psks[i].id);
		OPENSSL_cleanse((void *)g->psks[i].psk, g->psks[i].psklen);
		free((void *)g->psks[i].psk);
	}
	free(g->psks);
	g->psks = NULL;
	g->npsks = 0;
}

/* A malloc'd copy of p[0..n) (one byte for n == 0), or NULL. */
static void *
dup_bytes(const uint8_t *p, size_t n)
{
	void *x;

	if ((x = malloc(n == 0 ? 1 : n)) != NULL && n != 0)
		memcpy(x, p, n);
	return x;
}

/* Keep copies of the application's external PSKs. */
static int
psks_copy(struct pouch_mls_group *g, const struct pouch_mls_join_opts *o)
{
	struct pouch_mls_external_psk *x;
	uint8_t *id, *k;
	size_t i;

	if (o == NULL || o->npsks == 0)
		return POUCH_OK;
	if (o->psks == NULL || o->npsks > PSKS_MAX)
		return POUCH_E_MISUSE;
	if ((g->psks = calloc(o->npsks, sizeof(*g->psks))) == NULL)
		return POUCH_E_NOMEM;
	for (i = 0; i < o->npsks; i++) {
		x = &g->psks[g->npsks];
		id = dup_bytes(o->psks[i].id, o->psks[i].idlen);
		k = dup_bytes(o->psks[i].psk, o->psks[i].psklen);
		if (id == NULL || k == NULL) {
			free(id);
			if (k != NULL)
				OPENSSL_cleanse(k, o->psks[i].psklen);
			free(k);
			return POUCH_E_NOMEM;
		}
		x->id = id;
		x->idlen = o->psks[i].idlen;
		x->psk = k;
		x->psklen = o->psks[i].psklen;
		g->npsks++;
	}
	return POUCH_OK;
}

void
pouch_mls_group_free(struct pouch_mls_group *g)
{
	if (g == NULL)
		return;
	cache_clear(g);
	psks_free(g);
	epoch_free(g->pending);
	epoch_clear(&g->cur);
	pouch_sig_key_free(g->sk);
	OPENSSL_clear_free(g, sizeof(*g));
}

/* Decode and verify a KeyPackage of suite s into a. */
static int
kp_load(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    struct pouch_mls_arena *a, const uint8_t *buf, size_t len,
    struct pouch_mls_key_package *kp)
{
	int rc;

	if ((rc = pouch_mls_key_package_from_bytes(a, NULL, buf, len, kp)) !=
	    POUCH_OK)
		return rc;
	return pouch_mls_key_package_verify(c, s, kp);
}

/* Leaf-node checks against the group (RFC 9420 7.3). */
static int
leaf_check(const struct pouch_mls_group *g, const struct epoch *e,
    const struct pouch_mls_leaf_node *ln, uint32_t leaf, uint8_t source,
    uint64_t now)
{
	struct pouch_mls_leaf_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.group_id = g->group_id;
	ctx.group_id_len = g->group_idlen;
	ctx.group_extensions = &e->ext;
	ctx.check_lifetime = source == POUCH_MLS_LEAF_KEY_PACKAGE;
	ctx.now = now;
	return pouch_mls_leaf_validate(g->c, e->tree, ln, leaf, source,
	    &ctx);
}

int
pouch_mls_group_create(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *group_id,
    size_t group_idlen, const struct pouch_mls_member_keys *mk,
    uint64_t now, struct pouch_mls_group **out)
{
	struct pouch_mls_group *g = NULL;
	struct pouch_mls_key_package kp;
	struct pouch_mls_group_context gc;
	struct pouch_mls_arena a;
	uint8_t init[POUCH_HASH_MAX], zero[POUCH_HASH_MAX];
	uint8_t th[POUCH_HASH_MAX];
	uint32_t leaf = 0;
	int rc;

	pouch_mls_arena_init_limits(&a, NULL);
	memset(zero, 0, sizeof(zero));
	memset(init, 0, sizeof(init));
	if (out != NULL)
		*out = NULL;
	if (c == NULL || s == NULL || group_id == NULL || mk == NULL ||
	    mk->kp == NULL || mk->sig_priv == NULL || mk->enc_priv == NULL ||
	    out == NULL)
		return POUCH_E_MISUSE;
	if ((rc = group_alloc(c, s, group_id, group_idlen, mk, &g)) !=
	    POUCH_OK)
		goto out;
	if ((rc = kp_load(c, s, &a, mk->kp, mk->kplen, &kp)) != POUCH_OK ||
	    (rc = pouch_mls_tree_new(s, &g->cur.tree)) != POUCH_OK ||
	    (rc = pouch_mls_tree_privkeys_new(s, &g->cur.keys)) != POUCH_OK ||
	    (rc = pouch_mls_tree_add_leaf(g->cur.tree, &kp.leaf_node,
	    &leaf)) != POUCH_OK ||
	    (rc = leaf_check(g, &g->cur, &kp.leaf_node, leaf,
	    POUCH_MLS_LEAF_KEY_PACKAGE, now)) != POUCH_OK ||
	    (rc = pouch_mls_tree_privkeys_set(g->cur.keys, 0, mk->enc_priv,
	    mk->enc_privlen, kp.leaf_node.encryption_key.p,
	    kp.leaf_node.encryption_key.n)) != POUCH_OK)
		goto out;
	/* RFC 9420 8: epoch 0 starts from a random init_secret. */
	if ((rc = pouch_random(init, s->nh)) != POUCH_OK ||
	    (rc = context(g, &g->cur, 0, NULL, 0, th, &gc)) != POUCH_OK ||
	    (rc = schedule(g, init, zero, zero, &gc, &g->cur.es)) != POUCH_OK ||
	    (rc = epoch_secret_tree(g, &g->cur)) != POUCH_OK)
		goto out;
	*out = g;
	g = NULL;
out:
	OPENSSL_cleanse(init, sizeof(init));
	pouch_mls_group_free(g);
	pouch_mls_arena_free(&a);
	return rc;
}

/* ---- joining -------------------------------------------------------- */

/* The tree of opts, else the ratchet_tree extension of gi. */
static int
tree_of(const struct pouch_mls_suite *s, const struct pouch_mls_group_info *gi,
    const struct pouch_mls_join_opts *opts, struct pouch_mls_tree **t)
{
	size_t i;

	if (opts != NULL && opts->tree != NULL)
		return pouch_mls_tree_from_bytes(s, NULL, opts->tree,
		    opts->treelen, t);
	for (i = 0; i < gi->extensions.n; i++)
		if (gi->extensions.v[i].type == POUCH_MLS_EXT_RATCHET_TREE)
			return pouch_mls_tree_from_bytes(s, NULL,
			    gi->extensions.v[i].data.p,
			    gi->extensions.v[i].data.n, t);
	return POUCH_E_UNSUPPORTED;
}

/* Our leaf: the one holding our KeyPackage's leaf node keys. */
static int
find_me(const struct pouch_mls_tree *t, const struct pouch_mls_leaf_node *ln,
    uint32_t *me)
{
	const struct pouch_mls_leaf_node *x;
	uint32_t i;

	for (i = 0; i < pouch_mls_tree_leaves(t); i++) {
		if ((x = pouch_mls_tree_leaf(t, i)) == NULL ||
		    x->encryption_key.n != ln->encryption_key.n ||
		    x->signature_key.n != ln->signature_key.n ||
		    CRYPTO_memcmp(x->encryption_key.p, ln->encryption_key.p,
		    ln->encryption_key.n) != 0 ||
		    CRYPTO_memcmp(x->signature_key.p, ln->signature_key.p,
		    ln->signature_key.n) != 0)
			continue;
		*me = i;
		return POUCH_OK;
	}
	return POUCH_E_BAD_TREE;
}

/*
 * Keys from the Welcome's path secret: it belongs to the lowest common
 * ancestor of us and the signer, and derives the signer's filtered
 * direct path above it (RFC 9420 12.4.3.1).
 */
static int
implant(const struct pouch_mls_group *g, struct epoch *e, uint32_t signer,
    const struct pouch_mls_bytes *ps)
{
	uint32_t path[POUCH_MLS_PATH_MAX], x;
	uint8_t sec[POUCH_HASH_MAX];
	size_t n = 0, i;
	int rc;

	if (ps->n != g->s->nh)
		return POUCH_E_MALFORMED;
	x = pouch_mls_tm_common_ancestor(pouch_mls_tm_leaf_node(e->me),
	    pouch_mls_tm_leaf_node(signer));
	if ((rc = pouch_mls_tree_filtered_direct_path(e->tree, signer, path,
	    &n)) != POUCH_OK)
		return rc;
	for (i = 0; i < n && path[i] != x; i++)
		;
	if (i == n)
		return POUCH_E_BAD_TREE;
	memcpy(sec, ps->p, g->s->nh);
	for (; i < n; i++) {
		if ((rc = pouch_mls_tree_privkeys_set_path_secret(g->c,
		    e->keys, e->tree, path[i], sec, g->s->nh)) != POUCH_OK)
			goto out;
		if ((rc = pouch_mls_derive_secret(g->c, g->s, sec, g->s->nh,
		    "path", sec)) != POUCH_OK)
			goto out;
	}
out:
	OPENSSL_cleanse(sec, sizeof(sec));
	return rc;
}

/* The resumption PSK of epoch, current or kept; NULL when gone. */
static const uint8_t *
resumption_psk(const struct pouch_mls_group *g, uint64_t epoch)
{
	size_t i, n = g->nrpsk < RPSK_KEEP ? g->nrpsk : RPSK_KEEP;

	if (epoch == g->cur.epoch)
		return g->cur.es.resumption_psk;
	for (i = 0; i < n; i++)
		if (g->rpsk[i].epoch == epoch)
			return g->rpsk[i].psk;
	return NULL;
}

/*
 * One PSK input for id: an external PSK from x[0..nx), or the resumption
 * PSK of this group for the current or a kept epoch (PSK_UNAVAILABLE for
 * an older one; other groups and usages are UNSUPPORTED).
 */
static int
psk_input(const struct pouch_mls_group *g,
    const struct pouch_mls_external_psk *x, size_t nx,
    const struct pouch_mls_psk_id *id, struct pouch_mls_psk_input *in)
{
	size_t j;

	memset(in, 0, sizeof(*in));
	in->psktype = id->type;
	in->psk_nonce = id->psk_nonce.p;
	in->psk_noncelen = id->psk_nonce.n;
	if (id->type == POUCH_MLS_PSK_RESUMPTION) {
		if (id->usage != POUCH_MLS_PSK_USAGE_APPLICATION ||
		    id->psk_group_id.n != g->group_idlen ||
		    CRYPTO_memcmp(id->psk_group_id.p, g->group_id,
		    g->group_idlen) != 0)
			return POUCH_E_UNSUPPORTED;
		if ((in->psk = resumption_psk(g, id->psk_epoch)) == NULL)
			return POUCH_E_PSK_UNAVAILABLE;
		in->usage = id->usage;
		in->psk_group_id = id->psk_group_id.p;
		in->psk_group_idlen = id->psk_group_id.n;
		in->psk_epoch = id->psk_epoch;
		in->psklen = g->s->nh;
		return POUCH_OK;
	}
	if (id->type != POUCH_MLS_PSK_EXTERNAL)
		return POUCH_E_UNSUPPORTED;
	for (j = 0; j < nx; j++) {
		if (x[j].idlen != id->psk_id.n || CRYPTO_memcmp(x[j].id,
		    id->psk_id.p, x[j].idlen) != 0)
			continue;
		in->psk_id = x[j].id;
		in->psk_idlen = x[j].idlen;
		in->psk = x[j].psk;
		in->psklen = x[j].psklen;
		return POUCH_OK;
	}
	return POUCH_E_PSK_UNAVAILABLE;
}

/* RFC 9420 8.4 psk_secret of gs's PSKs (external ones from opts). */
static int
resolve_psks(const struct pouch_mls_group *g,
    const struct pouch_mls_group_secrets *gs,
    const struct pouch_mls_join_opts *opts, struct pouch_mls_arena *a,
    uint8_t *psk_secret)
{
	struct pouch_mls_psk_input *in;
	size_t i;
	void *p;
	int rc;

	if ((rc = pouch_mls_arena_array(a, gs->npsks + 1, sizeof(*in),
	    &p)) != POUCH_OK)
		return rc;
	in = p;
	for (i = 0; i < gs->npsks; i++) {
		if (gs->psks[i].type != POUCH_MLS_PSK_EXTERNAL)
			return POUCH_E_UNSUPPORTED;
		if ((rc = psk_input(g, opts != NULL ? opts->psks : NULL,
		    opts != NULL ? opts->npsks : 0, &gs->psks[i], &in[i])) !=
		    POUCH_OK)
			return rc;
	}
	return pouch_mls_psk_secret(g->c, g->s, in, gs->npsks, psk_secret);
}

/* The GroupInfo checks of a join, into g->cur (12.4.3.1). */
static int
join_state(struct pouch_mls_group *g, const struct pouch_mls_member_keys *mk,
    const struct pouch_mls_key_package *kp,
    const struct pouch_mls_group_secrets *gs,
    const struct pouch_mls_group_info *gi,
    const struct pouch_mls_join_opts *opts, const uint8_t *psk_secret)
{
	const struct pouch_mls_group_context *gc = &gi->group_context;
	const struct pouch_mls_leaf_node *sl;
	struct pouch_mls_leaf_ctx ctx;
	struct epoch *e = &g->cur;
	int rc;

	if (gc->group_id.n > GROUP_ID_MAX ||
	    gc->confirmed_transcript_hash.n != g->s->nh)
		return POUCH_E_MALFORMED;
	memcpy(g->group_id, gc->group_id.p, gc->group_id.n);
	g->group_idlen = gc->group_id.n;
	if ((rc = tree_of(g->s, gi, opts, &e->tree)) != POUCH_OK)
		return rc;
	if ((sl = pouch_mls_tree_leaf(e->tree, gi->signer)) == NULL)
		return POUCH_E_UNKNOWN_SENDER;
	if ((rc = pouch_mls_group_info_verify(g->c, g->s, gi,
	    sl->signature_key.p, sl->signature_key.n)) != POUCH_OK)
		return rc;
	memset(&ctx, 0, sizeof(ctx));
	ctx.group_id = g->group_id;
	ctx.group_id_len = g->group_idlen;
	if ((rc = pouch_mls_tree_validate(g->c, e->tree, &ctx,
	    gc->tree_hash.p, gc->tree_hash.n)) != POUCH_OK)
		return rc;
	if ((rc = find_me(e->tree, &kp->leaf_node, &e->me)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_welcome_epoch(g->c, g->s, gi, gs->joiner_secret.p,
	    psk_secret, &e->es)) != POUCH_OK ||
	    (rc = epoch_secret_tree(g, e)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_tree_privkeys_new(g->s, &e->keys)) != POUCH_OK ||
	    (rc = pouch_mls_tree_privkeys_set(e->keys,
	    pouch_mls_tm_leaf_node(e->me), mk->enc_priv, mk->enc_privlen,
	    kp->leaf_node.encryption_key.p, kp->leaf_node.encryption_key.n)) !=
	    POUCH_OK)
		return rc;
	if (gs->has_path_secret && (rc = implant(g, e, gi->signer,
	    &gs->path_secret)) != POUCH_OK)
		return rc;
	if ((rc = epoch_set_ext(e, &gc->extensions)) != POUCH_OK)
		return rc;
	e->epoch = gc->epoch;
	memcpy(e->cth, gc->confirmed_transcript_hash.p, g->s->nh);
	e->cthlen = g->s->nh;
	e->ithlen = g->s->nh;
	return pouch_mls_interim_transcript_hash(g->c, g->s, e->cth,
	    e->cthlen, gi->confirmation_tag.p, gi->confirmation_tag.n,
	    e->ith);
}

int
pouch_mls_group_join(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const struct pouch_mls_member_keys *mk,
    const uint8_t *welcome, size_t welcomelen,
    const struct pouch_mls_join_opts *opts, uint64_t now,
    struct pouch_mls_group **out)
{
	struct pouch_mls_group *g = NULL;
	struct pouch_mls_key_package kp;
	struct pouch_mls_message m;
	struct pouch_mls_group_secrets gs;
	struct pouch_mls_group_info gi;
	struct pouch_mls_arena a;
	uint8_t ref[POUCH_HASH_MAX], psk_secret[POUCH_HASH_MAX];
	int rc;

	(void)now;
	memset(psk_secret, 0, sizeof(psk_secret));
	pouch_mls_arena_init_limits(&a, NULL);
	if (out != NULL)
		*out = NULL;
	if (c == NULL || s == NULL || mk == NULL || mk->kp == NULL ||
	    mk->sig_priv == NULL || mk->init_priv == NULL ||
	    mk->enc_priv == NULL || welcome == NULL || out == NULL)
		return POUCH_E_MISUSE;
	if ((rc = group_alloc(c, s, NULL, 0, mk, &g)) != POUCH_OK ||
	    (rc = psks_copy(g, opts)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_key_package_from_bytes(&a, NULL, mk->kp,
	    mk->kplen, &kp)) != POUCH_OK ||
	    (rc = pouch_mls_key_package_ref(c, s, mk->kp, mk->kplen, ref)) !=
	    POUCH_OK)
		goto out;
	if ((rc = pouch_mls_message_from_bytes(&a, NULL, welcome, welcomelen,
	    &m)) != POUCH_OK)
		goto out;
	rc = POUCH_E_MALFORMED;
	if (m.wire_format != POUCH_MLS_WF_WELCOME)
		goto out;
	if ((rc = pouch_mls_welcome_open(c, s, &m.u.welcome, ref,
	    mk->init_priv, mk->init_privlen, &a, &gs)) != POUCH_OK)
		goto out;
	if ((rc = resolve_psks(g, &gs, opts, &a, psk_secret)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_welcome_group_info(c, s, &m.u.welcome,
	    gs.joiner_secret.p, psk_secret, &a, &gi)) != POUCH_OK)
		goto out;
	if ((rc = join_state(g, mk, &kp, &gs, &gi, opts, psk_secret)) !=
	    POUCH_OK)
		goto out;
	*out = g;
	g = NULL;
out:
	OPENSSL_cleanse(psk_secret, sizeof(psk_secret));
	pouch_mls_group_free(g);
	pouch_mls_arena_free(&a);
	return rc;
}

/* ---- committing ----------------------------------------------------- */

/* Work state of one commit, kept off the stack. */
struct commit_st {
	struct pouch_mls_arena			 a;
	struct epoch				*e;
	struct pouch_mls_key_package		*kps;
	uint32_t				*added;
	size_t					 nadded;
	struct pouch_mls_proposal_or_ref	*props;
	size_t					 nprops;
	struct pouch_mls_path_out		 po;
	struct pouch_mls_framed_content		 fc;
	uint8_t					 sig[POUCH_SIG_MAX];
	size_t					 siglen;
	uint8_t					 tag[POUCH_HASH_MAX];
	uint8_t					 th[POUCH_HASH_MAX];
	uint8_t					 oldth[POUCH_HASH_MAX];
	uint8_t					 psk[POUCH_HASH_MAX];
	struct pouch_mls_group_context		 gc;
	struct pouch_mls_group_context		 oldgc;
};

static void
commit_st_free(struct commit_st *cs)
{
	if (cs == NULL)
		return;
	epoch_free(cs->e);
	pouch_mls_path_out_clear(&cs->po);
	pouch_mls_arena_free(&cs->a);
	OPENSSL_clear_free(cs, sizeof(*cs));
}

/* Removes, then adds, on cs->e; the proposal list in the same order. */
static int
stage_proposals(struct pouch_mls_group *g,
    const struct pouch_mls_commit_req *req, struct commit_st *cs)
{
	size_t i, n = req->nadds + req->nremoves;
	void *p;
	int rc;

	if ((rc = pouch_mls_arena_array(&cs->a, n == 0 ? 1 : n,
	    sizeof(*cs->props), &p)) != POUCH_OK)
		return rc;
	cs->props = p;
	if ((rc = pouch_mls_arena_array(&cs->a, req->nadds + 1,
	    sizeof(*cs->kps), &p)) != POUCH_OK)
		return rc;
	cs->kps = p;
	if ((rc = pouch_mls_arena_array(&cs->a, req->nadds + 1,
	    sizeof(*cs->added), &p)) != POUCH_OK)
		return rc;
	cs->added = p;
	for (i = 0; i < req->nremoves; i++) {
		if (req->removes[i] == cs->e->me)
			return POUCH_E_MISUSE;
		if ((rc = pouch_mls_tree_remove_leaf(cs->e->tree,
		    req->removes[i])) != POUCH_OK)
			return rc;
		cs->props[cs->nprops].type = POUCH_MLS_POR_PROPOSAL;
		cs->props[cs->nprops].u.proposal.type = POUCH_MLS_PROP_REMOVE;
		cs->props[cs->nprops++].u.proposal.u.remove.removed =
		    req->removes[i];
	}
	for (i = 0; i < req->nadds; i++) {
		if ((rc = kp_load(g->c, g->s, &cs->a, req->adds[i],
		    req->addlens[i], &cs->kps[i])) != POUCH_OK ||
		    (rc = pouch_mls_tree_add_leaf(cs->e->tree,
		    &cs->kps[i].leaf_node, &cs->added[i])) != POUCH_OK ||
		    (rc = leaf_check(g, cs->e, &cs->kps[i].leaf_node,
		    cs->added[i], POUCH_MLS_LEAF_KEY_PACKAGE, req->now)) !=
		    POUCH_OK)
			return rc;
		cs->nadded++;
		cs->props[cs->nprops].type = POUCH_MLS_POR_PROPOSAL;
		cs->props[cs->nprops].u.proposal.type = POUCH_MLS_PROP_ADD;
		cs->props[cs->nprops++].u.proposal.u.add.key_package =
		    cs->kps[i];
	}
	return POUCH_OK;
}

/* The protection context of the current epoch. */
static void
protect_ctx(const struct pouch_mls_group *g,
    const struct pouch_mls_group_context *gc,
    struct pouch_mls_protect_ctx *p)
{
	memset(p, 0, sizeof(*p));
	p->c = g->c;
	p->s = g->s;
	p->gc = gc;
	p->membership_key = g->cur.es.membership_key;
}

/*
 * The new epoch of a commit whose content and signature are final:
 * transcript hashes, GroupContext, key schedule (12.4.1, 12.4.2).
 */
static int
enter_epoch(struct pouch_mls_group *g, struct commit_st *cs,
    const struct pouch_mls_bytes *sig, const uint8_t *commit_secret)
{
	struct epoch *e = cs->e;
	uint8_t cth[POUCH_HASH_MAX];
	int rc;

	if ((rc = confirmed_hash(g, &g->cur, POUCH_MLS_WF_PUBLIC_MESSAGE,
	    &cs->fc, sig, cth)) != POUCH_OK)
		return rc;
	memcpy(e->cth, cth, g->s->nh);
	e->cthlen = g->s->nh;
	e->epoch = g->cur.epoch + 1;
	if ((rc = context(g, e, e->epoch, e->cth, e->cthlen, cs->th,
	    &cs->gc)) != POUCH_OK)
		return rc;
	if ((rc = schedule(g, g->cur.es.init_secret, commit_secret, cs->psk,
	    &cs->gc, &e->es)) != POUCH_OK)
		return rc;
	return epoch_secret_tree(g, e);
}

/* The Welcome of cs's adds: GroupInfo with the tree, per-member secrets. */
static int
make_welcome(struct pouch_mls_group *g, struct commit_st *cs, uint8_t **out,
    size_t *outlen)
{
	struct pouch_mls_welcome_recipient *r;
	struct pouch_mls_group_info gi;
	struct pouch_mls_extension ext;
	struct pouch_mls_message m;
	uint32_t path[POUCH_MLS_PATH_MAX], x;
	struct pouch_wr w;
	size_t n = 0, i, j;
	void *p;
	int rc;

	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_tree_encode(&w, cs->e->tree);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	memset(&gi, 0, sizeof(gi));
	memset(&ext, 0, sizeof(ext));
	ext.type = POUCH_MLS_EXT_RATCHET_TREE;
	ext.data.p = w.buf;
	ext.data.n = w.len;
	gi.group_context = cs->gc;
	gi.extensions.v = &ext;
	gi.extensions.n = 1;
	gi.confirmation_tag.p = cs->tag;
	gi.confirmation_tag.n = g->s->nh;
	gi.signer = cs->e->me;
	if ((rc = pouch_mls_group_info_sign(g->c, g->s, &gi, g->sig_priv,
	    g->sig_privlen, &cs->a)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_tree_filtered_direct_path(cs->e->tree, cs->e->me,
	    path, &n)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_arena_array(&cs->a, cs->nadded, sizeof(*r),
	    &p)) != POUCH_OK)
		goto out;
	r = p;
	for (i = 0; i < cs->nadded; i++) {
		r[i].kp = &cs->kps[i];
		x = pouch_mls_tm_leaf_node(cs->added[i]);
		for (j = 0; j < n && !pouch_mls_tm_in_subtree(x, path[j]); j++)
			;
		r[i].path_secret = j < n ? cs->po.path_secrets[j] : NULL;
	}
	memset(&m, 0, sizeof(m));
	m.version = POUCH_MLS_VERSION_10;
	m.wire_format = POUCH_MLS_WF_WELCOME;
	if ((rc = pouch_mls_welcome_seal(g->c, g->s, &gi,
	    cs->e->es.joiner_secret, NULL, NULL, 0, r, cs->nadded, &cs->a,
	    &m.u.welcome)) != POUCH_OK)
		goto out;
	pouch_wr_free(&w);
	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_message_encode(&w, &m);
	rc = pouch_wr_take(&w, out, outlen);
out:
	pouch_wr_free(&w);
	return rc;
}

/* Sign, derive the epoch, tag and seal the commit of cs (12.4.1). */
static int
seal_commit(struct pouch_mls_group *g, struct commit_st *cs, uint8_t **out,
    size_t *outlen)
{
	struct pouch_mls_authenticated_content ac;
	struct pouch_mls_protect_ctx p;
	struct pouch_mls_bytes sig;
	int rc;

	memset(&cs->fc, 0, sizeof(cs->fc));
	cs->fc.group_id.p = g->group_id;
	cs->fc.group_id.n = g->group_idlen;
	cs->fc.epoch = g->cur.epoch;
	cs->fc.sender.type = POUCH_MLS_SENDER_MEMBER;
	cs->fc.sender.index = g->cur.me;
	cs->fc.content_type = POUCH_MLS_CT_COMMIT;
	cs->fc.u.commit.proposals = cs->props;
	cs->fc.u.commit.nproposals = cs->nprops;
	cs->fc.u.commit.has_path = 1;
	cs->fc.u.commit.path = cs->po.path;
	protect_ctx(g, &cs->oldgc, &p);
	if ((rc = pouch_mls_content_sign(&p, g->sk,
	    POUCH_MLS_WF_PUBLIC_MESSAGE, &cs->fc, cs->sig, sizeof(cs->sig),
	    &cs->siglen)) != POUCH_OK)
		return rc;
	sig.p = cs->sig;
	sig.n = cs->siglen;
	if ((rc = enter_epoch(g, cs, &sig, cs->po.commit_secret)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_confirmation_tag(g->c, g->s,
	    cs->e->es.confirmation_key, cs->e->cth, cs->e->cthlen,
	    cs->tag)) != POUCH_OK)
		return rc;
	cs->e->ithlen = g->s->nh;
	if ((rc = pouch_mls_interim_transcript_hash(g->c, g->s, cs->e->cth,
	    cs->e->cthlen, cs->tag, g->s->nh, cs->e->ith)) != POUCH_OK)
		return rc;
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = POUCH_MLS_WF_PUBLIC_MESSAGE;
	ac.content = cs->fc;
	ac.auth.signature = sig;
	ac.auth.confirmation_tag.p = cs->tag;
	ac.auth.confirmation_tag.n = g->s->nh;
	return pouch_mls_public_message_seal(&p, &ac, out, outlen);
}

int
pouch_mls_group_commit(struct pouch_mls_group *g,
    const struct pouch_mls_commit_req *req, uint8_t **commit,
    size_t *commitlen, uint8_t **welcome, size_t *welcomelen)
{
	struct pouch_mls_path_params pp;
	struct commit_st *cs = NULL;
	const struct pouch_mls_leaf_node *mine;
	uint8_t *cb = NULL;
	size_t cblen = 0;
	int rc;

	if (commit != NULL)
		*commit = NULL;
	if (welcome != NULL)
		*welcome = NULL;
	if (commitlen != NULL)
		*commitlen = 0;
	if (welcomelen != NULL)
		*welcomelen = 0;
	if (g == NULL || req == NULL || commit == NULL || commitlen == NULL ||
	    welcome == NULL || welcomelen == NULL ||
	    (req->nadds != 0 && (req->adds == NULL || req->addlens == NULL)) ||
	    (req->nremoves != 0 && req->removes == NULL))
		return POUCH_E_MISUSE;
	if (g->pending != NULL || g->cur.removed)
		return POUCH_E_STATE;
	if ((cs = OPENSSL_zalloc(sizeof(*cs))) == NULL)
		return POUCH_E_NOMEM;
	pouch_mls_arena_init_limits(&cs->a, NULL);
	if ((rc = context(g, &g->cur, g->cur.epoch, g->cur.cth,
	    g->cur.cthlen, cs->oldth, &cs->oldgc)) != POUCH_OK ||
	    (rc = epoch_clone(&g->cur, &cs->e)) != POUCH_OK ||
	    (rc = stage_proposals(g, req, cs)) != POUCH_OK)
		goto out;
	/* RFC 9420 12.4.2: provisional context, old transcript hash. */
	cs->gc = cs->oldgc;
	cs->gc.epoch = g->cur.epoch + 1;
	mine = pouch_mls_tree_leaf(g->cur.tree, g->cur.me);
	memset(&pp, 0, sizeof(pp));
	pp.leaf = g->cur.me;
	pp.excluded = cs->added;
	pp.nexcluded = cs->nadded;
	pp.gc = &cs->gc;
	pp.leaf_tmpl = mine;
	pp.sig_priv = g->sig_priv;
	pp.sig_privlen = g->sig_privlen;
	if ((rc = pouch_mls_treekem_encap(g->c, &cs->e->tree, cs->e->keys,
	    &pp, &cs->a, &cs->po)) != POUCH_OK)
		goto out;
	if ((rc = seal_commit(g, cs, &cb, &cblen)) != POUCH_OK)
		goto out;
	if (cs->nadded != 0 && (rc = make_welcome(g, cs, welcome,
	    welcomelen)) != POUCH_OK)
		goto out;
	*commit = cb;
	*commitlen = cblen;
	cb = NULL;
	g->pending = cs->e;
	cs->e = NULL;
out:
	pouch_wr_buf_free(cb, cblen);
	commit_st_free(cs);
	return rc;
}

int
pouch_mls_group_merge_pending(struct pouch_mls_group *g)
{
	if (g == NULL)
		return POUCH_E_MISUSE;
	if (g->pending == NULL)
		return POUCH_E_STATE;
	epoch_swap_in(g, &g->pending);
	return POUCH_OK;
}

void
pouch_mls_group_discard_pending(struct pouch_mls_group *g)
{
	if (g == NULL)
		return;
	epoch_free(g->pending);
	g->pending = NULL;
}

/* ---- processing ----------------------------------------------------- */

/* A proposal of a received commit with the leaf that proposed it. */
struct item {
	const struct pouch_mls_proposal	*p;
	uint32_t			 sender;
};

/* The proposal cs->fc's commit lists at i, by value or from the cache. */
static int
resolve_item(const struct pouch_mls_group *g, struct commit_st *cs,
    const struct pouch_mls_proposal_or_ref *por, struct item *it)
{
	struct pouch_mls_proposal *pr;
	struct pouch_rd r;
	size_t i;
	void *p;
	int rc;

	it->sender = cs->fc.sender.index;
	if (por->type == POUCH_MLS_POR_PROPOSAL) {
		it->p = &por->u.proposal;
		return POUCH_OK;
	}
	for (i = 0; i < g->ncache; i++)
		if (por->u.reference.n == g->s->nh &&
		    CRYPTO_memcmp(g->cache[i].ref, por->u.reference.p,
		    g->s->nh) == 0)
			break;
	if (i == g->ncache)
		return POUCH_E_UNKNOWN_PROPOSAL;
	if ((rc = pouch_mls_arena_alloc(&cs->a, sizeof(*pr), &p)) != POUCH_OK)
		return rc;
	pr = p;
	pouch_rd_init(&r, g->cache[i].p, g->cache[i].n);
	if ((rc = pouch_mls_proposal_decode(&r, &cs->a,
	    pouch_mls_limits_default(), pr)) != POUCH_OK)
		return rc;
	it->p = pr;
	it->sender = g->cache[i].sender;
	return POUCH_OK;
}

/* Apply one proposal of type t (RFC 9420 12.1, 12.3) to cs->e. */
static int
apply_one(struct pouch_mls_group *g, struct commit_st *cs,
    const struct item *it, uint64_t now)
{
	const struct pouch_mls_key_package *kp;
	int rc;

	switch (it->p->type) {
	case POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS:
		/* RFC 9420 12.1.7; the members' support is not checked yet */
		return epoch_set_ext(cs->e, &it->p->u.gce.extensions);
	case POUCH_MLS_PROP_UPDATE:
		/* 12.2: not from the committer; our own needs our key */
		if (it->sender == cs->fc.sender.index)
			return POUCH_E_MALFORMED;
		if (it->sender == cs->e->me)
			return POUCH_E_UNSUPPORTED;
		if ((rc = leaf_check(g, cs->e, &it->p->u.update.leaf_node,
		    it->sender, POUCH_MLS_LEAF_UPDATE, now)) != POUCH_OK)
			return rc;
		return pouch_mls_tree_update_leaf(cs->e->tree, it->sender,
		    &it->p->u.update.leaf_node);
	case POUCH_MLS_PROP_REMOVE:
		if (it->p->u.remove.removed == cs->e->me)
			cs->e->removed = 1;
		return pouch_mls_tree_remove_leaf(cs->e->tree,
		    it->p->u.remove.removed);
	case POUCH_MLS_PROP_ADD:
		kp = &it->p->u.add.key_package;
		if ((rc = pouch_mls_key_package_verify(g->c, g->s, kp)) !=
		    POUCH_OK ||
		    (rc = pouch_mls_tree_add_leaf(cs->e->tree, &kp->leaf_node,
		    &cs->added[cs->nadded])) != POUCH_OK ||
		    (rc = leaf_check(g, cs->e, &kp->leaf_node,
		    cs->added[cs->nadded], POUCH_MLS_LEAF_KEY_PACKAGE, now)) !=
		    POUCH_OK)
			return rc;
		cs->nadded++;
		return POUCH_OK;
	default:
		return POUCH_E_UNSUPPORTED;
	}
}

/*
 * Apply a received proposal list (12.3 order: Update, Remove, Add, then
 * the PSKs into cs->psk).  *need_path when 12.4.2 requires a path.
 */
static int
apply_proposals(struct pouch_mls_group *g, struct commit_st *cs,
    const struct pouch_mls_commit *cm, uint64_t now, int *need_path)
{
	static const uint16_t order[] = {
	    POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS, POUCH_MLS_PROP_UPDATE,
	    POUCH_MLS_PROP_REMOVE, POUCH_MLS_PROP_ADD };
	struct pouch_mls_psk_input *in;
	struct item *it;
	size_t i, k, npsk = 0;
	void *p;
	int rc;

	*need_path = cm->nproposals == 0;
	if ((rc = pouch_mls_arena_array(&cs->a, cm->nproposals + 1,
	    sizeof(*cs->added), &p)) != POUCH_OK)
		return rc;
	cs->added = p;
	if ((rc = pouch_mls_arena_array(&cs->a, cm->nproposals + 1,
	    sizeof(*it), &p)) != POUCH_OK)
		return rc;
	it = p;
	if ((rc = pouch_mls_arena_array(&cs->a, cm->nproposals + 1,
	    sizeof(*in), &p)) != POUCH_OK)
		return rc;
	in = p;
	for (i = 0; i < cm->nproposals; i++) {
		if ((rc = resolve_item(g, cs, &cm->proposals[i], &it[i])) !=
		    POUCH_OK)
			return rc;
		if (it[i].p->type != POUCH_MLS_PROP_PSK &&
		    it[i].p->type != order[0] && it[i].p->type != order[1] &&
		    it[i].p->type != order[2] && it[i].p->type != order[3])
			return POUCH_E_UNSUPPORTED;
		if (it[i].p->type == POUCH_MLS_PROP_UPDATE ||
		    it[i].p->type == POUCH_MLS_PROP_REMOVE)
			*need_path = 1;
		if (it[i].p->type == POUCH_MLS_PROP_PSK && (rc = psk_input(g,
		    g->psks, g->npsks, &it[i].p->u.psk.psk,
		    &in[npsk++])) != POUCH_OK)
			return rc;
	}
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (i = 0; i < cm->nproposals; i++)
			if (it[i].p->type == order[k] &&
			    (rc = apply_one(g, cs, &it[i], now)) != POUCH_OK)
				return rc;
	return pouch_mls_psk_secret(g->c, g->s, in, npsk, cs->psk);
}

/* The signature keys of the current leaves, for unprotect. */
static int
sig_keys(const struct pouch_mls_group *g, struct pouch_mls_arena *a,
    struct pouch_mls_bytes **out, size_t *n)
{
	const struct pouch_mls_leaf_node *ln;
	struct pouch_mls_bytes *k;
	uint32_t i, nl = pouch_mls_tree_leaves(g->cur.tree);
	void *p;
	int rc;

	if ((rc = pouch_mls_arena_array(a, nl, sizeof(*k), &p)) != POUCH_OK)
		return rc;
	k = p;
	for (i = 0; i < nl; i++)
		if ((ln = pouch_mls_tree_leaf(g->cur.tree, i)) != NULL)
			k[i] = ln->signature_key;
	*out = k;
	*n = nl;
	return POUCH_OK;
}

/* Keep a verified proposal of this epoch under its ProposalRef (5.2). */
static int
cache_add(struct pouch_mls_group *g,
    const struct pouch_mls_authenticated_content *ac)
{
	struct cached_prop *v, *e;
	struct pouch_wr w;
	int rc;

	if (g->ncache == CACHE_MAX)
		return POUCH_E_LIMIT;
	if ((v = realloc(g->cache, (g->ncache + 1) * sizeof(*v))) == NULL)
		return POUCH_E_NOMEM;
	g->cache = v;
	e = &g->cache[g->ncache];
	memset(e, 0, sizeof(*e));
	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_authenticated_content_encode(&w, ac);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK ||
	    (rc = pouch_mls_proposal_ref(g->c, g->s, w.buf, w.len,
	    e->ref)) != POUCH_OK)
		goto out;
	pouch_wr_free(&w);
	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_proposal_encode(&w, &ac->content.u.proposal);
	if ((rc = pouch_wr_take(&w, &e->p, &e->n)) != POUCH_OK)
		goto out;
	e->sender = ac->content.sender.index;
	g->ncache++;
out:
	pouch_wr_free(&w);
	return rc;
}

/* 12.4.2 from the verified content on: stage the next epoch in cs->e. */
static int
process_commit(struct pouch_mls_group *g, struct commit_st *cs,
    const struct pouch_mls_authenticated_content *ac, uint64_t now)
{
	const struct pouch_mls_commit *cm = &ac->content.u.commit;
	uint32_t sender = ac->content.sender.index;
	uint8_t commit_secret[POUCH_HASH_MAX];
	int need_path, rc;

	memset(commit_secret, 0, sizeof(commit_secret));
	cs->fc = ac->content;
	if ((rc = apply_proposals(g, cs, cm, now, &need_path)) != POUCH_OK)
		goto out;
	rc = POUCH_E_PATH_REQUIRED;
	if (need_path && !cm->has_path)
		goto out;
	if (cs->e->removed) {
		rc = POUCH_OK;
		goto out;
	}
	if (cm->has_path) {
		if ((rc = leaf_check(g, cs->e, &cm->path.leaf_node, sender,
		    POUCH_MLS_LEAF_COMMIT, now)) != POUCH_OK)
			goto out;
		cs->gc = cs->oldgc;
		cs->gc.epoch = g->cur.epoch + 1;
		if ((rc = pouch_mls_treekem_apply(g->c, &cs->e->tree,
		    cs->e->keys, cs->e->me, sender, &cm->path, cs->added,
		    cs->nadded, &cs->gc, NULL, commit_secret)) != POUCH_OK)
			goto out;
	}
	if ((rc = enter_epoch(g, cs, &ac->auth.signature, commit_secret)) !=
	    POUCH_OK)
		goto out;
	if ((rc = pouch_mls_confirmation_tag_verify(g->c, g->s,
	    cs->e->es.confirmation_key, cs->e->cth, cs->e->cthlen,
	    ac->auth.confirmation_tag.p, ac->auth.confirmation_tag.n)) !=
	    POUCH_OK)
		goto out;
	cs->e->ithlen = g->s->nh;
	rc = pouch_mls_interim_transcript_hash(g->c, g->s, cs->e->cth,
	    cs->e->cthlen, ac->auth.confirmation_tag.p,
	    ac->auth.confirmation_tag.n, cs->e->ith);
out:
	OPENSSL_cleanse(commit_secret, sizeof(commit_secret));
	return rc;
}

int
pouch_mls_group_process(struct pouch_mls_group *g, const uint8_t *msg,
    size_t msglen, uint64_t now)
{
	struct pouch_mls_received r;
	struct pouch_mls_protect_ctx p;
	struct pouch_mls_bytes *keys = NULL;
	struct commit_st *cs = NULL;
	size_t nkeys = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	if (g == NULL || msg == NULL)
		return POUCH_E_MISUSE;
	if (g->cur.removed)
		return POUCH_E_STATE;
	if ((cs = OPENSSL_zalloc(sizeof(*cs))) == NULL)
		return POUCH_E_NOMEM;
	pouch_mls_arena_init_limits(&cs->a, NULL);
	if ((rc = context(g, &g->cur, g->cur.epoch, g->cur.cth,
	    g->cur.cthlen, cs->oldth, &cs->oldgc)) != POUCH_OK ||
	    (rc = sig_keys(g, &cs->a, &keys, &nkeys)) != POUCH_OK)
		goto out;
	protect_ctx(g, &cs->oldgc, &p);
	if ((rc = pouch_mls_message_unprotect(&p, keys, nkeys, msg, msglen,
	    &r)) != POUCH_OK)
		goto out;
	if (r.ac.content.content_type == POUCH_MLS_CT_PROPOSAL) {
		rc = cache_add(g, &r.ac);
		goto out;
	}
	rc = POUCH_E_UNSUPPORTED;
	if (r.ac.content.content_type != POUCH_MLS_CT_COMMIT)
		goto out;
	rc = POUCH_E_MISUSE;	/* our own commit: merge it instead */
	if (r.ac.content.sender.index == g->cur.me)
		goto out;
	if ((rc = epoch_clone(&g->cur, &cs->e)) != POUCH_OK ||
	    (rc = process_commit(g, cs, &r.ac, now)) != POUCH_OK)
		goto out;
	if (cs->e->removed)
		g->cur.removed = 1;
	else
		epoch_swap_in(g, &cs->e);
	pouch_mls_group_discard_pending(g);
out:
	pouch_mls_received_clear(&r);
	commit_st_free(cs);
	return rc;
}

/* ---- application messages ----------------------------------------- */

int
pouch_mls_group_encrypt(struct pouch_mls_group *g, const uint8_t *aad,
    size_t aadlen, const uint8_t *pt, size_t ptlen, uint8_t **out,
    size_t *outlen)
{
	struct pouch_mls_group_context gc;
	struct pouch_mls_framed_content fc;
	struct pouch_mls_protect_ctx p;
	uint8_t th[POUCH_HASH_MAX];
	int rc;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (g == NULL || out == NULL || outlen == NULL ||
	    (aad == NULL && aadlen != 0) || (pt == NULL && ptlen != 0))
		return POUCH_E_MISUSE;
	if (g->cur.removed || g->cur.st == NULL)
		return POUCH_E_STATE;
	if ((rc = context(g, &g->cur, g->cur.epoch, g->cur.cth,
	    g->cur.cthlen, th, &gc)) != POUCH_OK)
		return rc;
	memset(&fc, 0, sizeof(fc));
	fc.group_id.p = g->group_id;
	fc.group_id.n = g->group_idlen;
	fc.epoch = g->cur.epoch;
	fc.sender.type = POUCH_MLS_SENDER_MEMBER;
	fc.sender.index = g->cur.me;
	fc.authenticated_data.p = aad;
	fc.authenticated_data.n = aadlen;
	fc.content_type = POUCH_MLS_CT_APPLICATION;
	fc.u.application_data.p = pt;
	fc.u.application_data.n = ptlen;
	protect_ctx(g, &gc, &p);
	p.sender_data_secret = g->cur.es.sender_data_secret;
	p.st = g->cur.st;
	return pouch_mls_protect(&p, g->sk, POUCH_MLS_WF_PRIVATE_MESSAGE, &fc,
	    out, outlen);
}

int
pouch_mls_group_decrypt(struct pouch_mls_group *g, const uint8_t *msg,
    size_t msglen, uint8_t **pt, size_t *ptlen, uint32_t *sender)
{
	const struct pouch_mls_leaf_node *ln;
	const struct pouch_mls_sender *snd;
	const struct pouch_mls_bytes *ad;
	struct pouch_mls_group_context gc;
	struct pouch_mls_protect_ctx p;
	struct pouch_mls_received r;
	uint8_t th[POUCH_HASH_MAX], *b = NULL;
	int rc;

	memset(&r, 0, sizeof(r));
	if (pt != NULL)
		*pt = NULL;
	if (ptlen != NULL)
		*ptlen = 0;
	if (sender != NULL)
		*sender = 0;
	if (g == NULL || msg == NULL || pt == NULL || ptlen == NULL ||
	    sender == NULL)
		return POUCH_E_MISUSE;
	if (g->cur.removed || g->cur.st == NULL)
		return POUCH_E_STATE;
	if ((rc = context(g, &g->cur, g->cur.epoch, g->cur.cth,
	    g->cur.cthlen, th, &gc)) != POUCH_OK)
		goto out;
	protect_ctx(g, &gc, &p);
	p.sender_data_secret = g->cur.es.sender_data_secret;
	p.st = g->cur.st;
	/* open changes nothing; the generation is consumed by verify */
	if ((rc = pouch_mls_message_open(&p, msg, msglen, &r)) != POUCH_OK)
		goto out;
	rc = POUCH_E_UNSUPPORTED;	/* handshake messages: process */
	if (r.ac.wire_format != POUCH_MLS_WF_PRIVATE_MESSAGE ||
	    r.ac.content.content_type != POUCH_MLS_CT_APPLICATION)
		goto out;
	snd = &r.ac.content.sender;
	rc = POUCH_E_UNKNOWN_SENDER;
	if (snd->type != POUCH_MLS_SENDER_MEMBER ||
	    (ln = pouch_mls_tree_leaf(g->cur.tree, snd->index)) == NULL)
		goto out;
	ad = &r.ac.content.u.application_data;
	rc = POUCH_E_NOMEM;
	if ((b = malloc(ad->n == 0 ? 1 : ad->n)) == NULL)
		goto out;
	if ((rc = pouch_mls_message_verify(&p, &r, ln->signature_key.p,
	    ln->signature_key.n)) != POUCH_OK)
		goto out;
	if (ad->n != 0)
		memcpy(b, ad->p, ad->n);
	*pt = b;
	*ptlen = ad->n;
	*sender = snd->index;
	b = NULL;
out:
	free(b);		/* never holds plaintext */
	pouch_mls_received_clear(&r);
	return rc;
}

/* ---- reading -------------------------------------------------------- */

uint64_t
pouch_mls_group_epoch(const struct pouch_mls_group *g)
{
	return g == NULL ? 0 : g->cur.epoch;
}

uint32_t
pouch_mls_group_leaf(const struct pouch_mls_group *g)
{
	return g == NULL ? 0 : g->cur.me;
}

int
pouch_mls_group_removed(const struct pouch_mls_group *g)
{
	return g != NULL && g->cur.removed;
}

uint32_t
pouch_mls_group_members(const struct pouch_mls_group *g)
{
	uint32_t i, n = 0;

	if (g == NULL)
		return 0;
	for (i = 0; i < pouch_mls_tree_leaves(g->cur.tree); i++)
		if (pouch_mls_tree_leaf(g->cur.tree, i) != NULL)
			n++;
	return n;
}

int
pouch_mls_group_epoch_authenticator(const struct pouch_mls_group *g,
    uint8_t *out)
{
	if (g == NULL || out == NULL)
		return POUCH_E_MISUSE;
	memcpy(out, g->cur.es.epoch_authenticator, g->s->nh);
	return POUCH_OK;
}

int
pouch_mls_group_tree_hash(struct pouch_mls_group *g, uint8_t *out)
{
	if (g == NULL || out == NULL)
		return POUCH_E_MISUSE;
	return pouch_mls_tree_root_hash(g->c, g->cur.tree, out);
}
