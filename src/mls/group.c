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

/*
 * Move the current epoch out of g->cur into the kept past epochs
 * (group_state.c wipes what they do not need); without memory for it the
 * epoch is wiped at once, which only costs its late messages.
 */
static void
epoch_retire_cur(struct pouch_mls_group *g)
{
	struct epoch *x;

	if ((x = malloc(sizeof(*x))) == NULL) {
		epoch_clear(&g->cur);
		return;
	}
	*x = g->cur;
	OPENSSL_cleanse(&g->cur, sizeof(g->cur));
	pouch_mls_group_retire(g, &x);
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
	epoch_retire_cur(g);
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

/*
 * confirmed_transcript_hash (8.2) of a commit into out; from ce, the
 * content's encoding (wire_format || FramedContent at ce->w.buf[2..fcend)),
 * when there is one for wire_format, else encoding fc.
 */
static int
confirmed_hash(const struct pouch_mls_group *g, const struct epoch *e,
    uint16_t wire_format, const struct pouch_mls_framed_content *fc,
    const struct pouch_mls_bytes *sig, const struct pouch_mls_content_enc *ce,
    uint8_t *out)
{
	struct pouch_wr w;
	int rc;

	if (pouch_mls_content_enc_for(ce, wire_format))
		return pouch_mls_confirmed_transcript_hash_parts(g->c, g->s,
		    e->ith, e->ithlen, ce->w.buf + 2, ce->fcend - 2, sig->p,
		    sig->n, out);
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

void
pouch_mls_group_set_suite(struct pouch_mls_group *g,
    const struct pouch_mls_suite *s)
{
	if (pouch_mls_suite_in_table(s)) {
		g->s = s;
		return;
	}
	g->alias = *s;
	g->s = &g->alias;
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
	pouch_mls_group_set_suite(g, s);
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
	pouch_mls_group_old_clear(g);
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
	struct pouch_mls_required_capabilities req;
	struct pouch_mls_leaf_ctx ctx;
	struct pouch_mls_arena a;
	int rc;

	pouch_mls_arena_init_limits(&a, NULL);
	memset(&ctx, 0, sizeof(ctx));
	ctx.group_id = g->group_id;
	ctx.group_id_len = g->group_idlen;
	ctx.group_extensions = &e->ext;
	ctx.check_lifetime = source == POUCH_MLS_LEAF_KEY_PACKAGE;
	ctx.now = now;
	/* RFC 9420 11.1: the group's required_capabilities */
	if ((rc = pouch_mls_group_required_caps(&e->ext, &a, &req,
	    &ctx.required)) == POUCH_OK)
		rc = pouch_mls_leaf_validate(g->c, e->tree, ln, leaf, source,
		    &ctx);
	pouch_mls_arena_free(&a);
	return rc;
}

int
pouch_mls_group_create(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *group_id,
    size_t group_idlen, const struct pouch_mls_member_keys *mk,
    uint64_t now, struct pouch_mls_group **out)
{
	return pouch_mls_group_create_opts(c, s, group_id, group_idlen, mk,
	    NULL, now, out);
}

/* Extensions a create may add besides external_senders, at most. */
#define CREATE_EXT_MAX	16

/* The GroupContext extensions of a new group, from its options. */
static int
create_ext(struct pouch_mls_group *g, const struct pouch_mls_create_opts *o)
{
	struct pouch_mls_extension ext[CREATE_EXT_MAX + 1];
	struct pouch_mls_extensions x;
	struct pouch_wr w;
	size_t i, j;
	int rc;

	pouch_wr_init(&w, ENC_MAX);
	rc = POUCH_OK;
	if (o == NULL || (o->next_senders == 0 && o->next == 0))
		goto out;
	rc = POUCH_E_MISUSE;
	if (o->next > CREATE_EXT_MAX || (o->next != 0 && (o->ext_types ==
	    NULL || o->ext_data == NULL || o->ext_lens == NULL)))
		goto out;
	x.v = ext;
	x.n = 0;
	for (i = 0; i < o->next; i++) {
		if (o->next_senders != 0 &&
		    o->ext_types[i] == POUCH_MLS_EXT_EXTERNAL_SENDERS)
			goto out;
		for (j = 0; j < i; j++)
			if (o->ext_types[j] == o->ext_types[i])
				goto out;
		ext[x.n].type = o->ext_types[i];
		ext[x.n].data.p = o->ext_data[i];
		ext[x.n++].data.n = o->ext_lens[i];
	}
	if (o->next_senders != 0) {
		if ((rc = pouch_mls_group_ext_senders_encode(g->s, o, &w)) !=
		    POUCH_OK || (rc = pouch_wr_finish(&w)) != POUCH_OK)
			goto out;
		ext[x.n].type = POUCH_MLS_EXT_EXTERNAL_SENDERS;
		ext[x.n].data.p = w.buf;
		ext[x.n++].data.n = w.len;
	}
	rc = epoch_set_ext(&g->cur, &x);
out:
	pouch_wr_free(&w);
	return rc;
}

int
pouch_mls_group_create_opts(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const uint8_t *group_id,
    size_t group_idlen, const struct pouch_mls_member_keys *mk,
    const struct pouch_mls_create_opts *opts, uint64_t now,
    struct pouch_mls_group **out)
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
	    POUCH_OK || (rc = create_ext(g, opts)) != POUCH_OK)
		goto out;
	s = g->s;		/* g's own copy of an alias row */
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
	/* RFC 9420 11: the interim hash over MAC(confirmation_key, "") */
	if ((rc = pouch_mls_confirmation_tag(c, s, g->cur.es.confirmation_key,
	    zero, 0, th)) != POUCH_OK ||
	    (rc = pouch_mls_interim_transcript_hash(c, s, zero, 0, th, s->nh,
	    g->cur.ith)) != POUCH_OK)
		goto out;
	g->cur.ithlen = s->nh;
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

const uint8_t *
pouch_mls_group_resumption_psk(const struct pouch_mls_group *g,
    uint64_t epoch)
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
		/* reinit and branch: the linked old group (group_reinit.c) */
		if (id->usage != POUCH_MLS_PSK_USAGE_APPLICATION)
			return pouch_mls_group_linked_psk(g, id, in);
		if (id->psk_group_id.n != g->group_idlen ||
		    CRYPTO_memcmp(id->psk_group_id.p, g->group_id,
		    g->group_idlen) != 0)
			return POUCH_E_UNSUPPORTED;
		if ((in->psk = pouch_mls_group_resumption_psk(g,
		    id->psk_epoch)) == NULL)
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
		if ((rc = psk_input(g, opts != NULL ? opts->psks : NULL,
		    opts != NULL ? opts->npsks : 0, &gs->psks[i], &in[i])) !=
		    POUCH_OK)
			return rc;
	}
	return pouch_mls_psk_secret(g->c, g->s, in, gs->npsks, psk_secret);
}

/* The joiner's tree against gc (7.3, 11.1, 12.4.3.1). */
static int
join_tree_validate(const struct pouch_mls_group *g, struct epoch *e,
    const struct pouch_mls_group_context *gc)
{
	struct pouch_mls_required_capabilities req;
	struct pouch_mls_leaf_ctx ctx;
	struct pouch_mls_arena a;
	int rc;

	pouch_mls_arena_init_limits(&a, NULL);
	memset(&ctx, 0, sizeof(ctx));
	ctx.group_id = g->group_id;
	ctx.group_id_len = g->group_idlen;
	ctx.group_extensions = &gc->extensions;
	if ((rc = pouch_mls_group_required_caps(&gc->extensions, &a, &req,
	    &ctx.required)) == POUCH_OK)
		rc = pouch_mls_tree_validate(g->c, e->tree, &ctx,
		    gc->tree_hash.p, gc->tree_hash.n);
	pouch_mls_arena_free(&a);
	return rc;
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
	if ((rc = join_tree_validate(g, e, gc)) != POUCH_OK)
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
	s = g->s;		/* g's own copy of an alias row */
	g->link = opts != NULL ? opts->resume : NULL;
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
	    POUCH_OK ||
	    (rc = pouch_mls_group_resume_check(g, &gs, &gi)) != POUCH_OK)
		goto out;
	g->link = NULL;
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
	int					 has_path;
	/* external commit (sender new_member_commit): its init_secret */
	int					 ext;
	uint8_t					 init[POUCH_HASH_MAX];
	/* wire format of the commit: public (0 too) or private */
	uint16_t				 wf;
	int					 gce;	/* one staged */
	/* our commit's PreSharedKeys (by_reference), in list order */
	struct pouch_mls_psk_input		*pin;
	struct pouch_mls_psk_id			*pids;
	size_t					 npsk;
	/* while signing or processing: the content's one encoding */
	const struct pouch_mls_content_enc	*ce;
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

/* The leaf-node checks for an Add; the new leaf is recorded in cs. */
static int
stage_add(struct pouch_mls_group *g, struct commit_st *cs,
    const struct pouch_mls_key_package *kp, uint64_t now)
{
	int rc;

	if ((rc = pouch_mls_tree_add_leaf(cs->e->tree, &kp->leaf_node,
	    &cs->added[cs->nadded])) != POUCH_OK ||
	    (rc = leaf_check(g, cs->e, &kp->leaf_node, cs->added[cs->nadded],
	    POUCH_MLS_LEAF_KEY_PACKAGE, now)) != POUCH_OK)
		return rc;
	cs->kps[cs->nadded++] = *kp;
	return POUCH_OK;
}

/* 1 when id is already staged in cs, or its nonce is not Nh bytes. */
static int
staged_psk(const struct pouch_mls_group *g, const struct commit_st *cs,
    const struct pouch_mls_psk_id *id)
{
	const struct pouch_mls_psk_id *x;
	size_t i;

	if (id->psk_nonce.n != g->s->nh)
		return 1;
	for (i = 0; i < cs->npsk; i++) {
		x = &cs->pids[i];
		if (x->type != id->type)
			continue;
		if (x->type == POUCH_MLS_PSKTYPE_EXTERNAL ?
		    x->psk_id.n == id->psk_id.n && (x->psk_id.n == 0 ||
		    CRYPTO_memcmp(x->psk_id.p, id->psk_id.p, x->psk_id.n) ==
		    0) : x->psk_epoch == id->psk_epoch)
			return 1;
	}
	return 0;
}

/*
 * 1 when this commit removes leaf: in req or by a cached Remove (which
 * by_reference includes unless it names us); 0 if not; < 0 an error.
 */
static int
removed_by(const struct pouch_mls_group *g, struct commit_st *cs,
    const struct pouch_mls_commit_req *req, uint32_t leaf)
{
	struct pouch_mls_proposal pr;
	struct pouch_rd r;
	size_t i;
	int rc;

	for (i = 0; i < req->nremoves; i++)
		if (req->removes[i] == leaf)
			return 1;
	for (i = 0; i < g->ncache; i++) {
		pouch_rd_init(&r, g->cache[i].p, g->cache[i].n);
		if ((rc = pouch_mls_proposal_decode(&r, &cs->a,
		    pouch_mls_limits_default(), &pr)) != POUCH_OK)
			return rc;
		if (pr.type == POUCH_MLS_PROP_REMOVE &&
		    pr.u.remove.removed == leaf)
			return 1;
	}
	return 0;
}

/*
 * The cached proposals of type (Update, Remove or Add), by reference, on
 * cs->e (12.3 order is the caller's).  Those that cannot apply are left
 * out (12.2, 12.4.1): a Remove of us or of a blank leaf, our own Update,
 * an Update of a leaf this commit removes.
 */
static int
stage_cached(struct pouch_mls_group *g, struct commit_st *cs,
    const struct pouch_mls_commit_req *req, uint16_t type,
    uint64_t now)
{
	struct pouch_mls_proposal pr;
	struct pouch_rd r;
	size_t i;
	int rc;

	for (i = 0; i < g->ncache; i++) {
		pouch_rd_init(&r, g->cache[i].p, g->cache[i].n);
		if ((rc = pouch_mls_proposal_decode(&r, &cs->a,
		    pouch_mls_limits_default(), &pr)) != POUCH_OK)
			return rc;
		if (pr.type != type)
			continue;
		switch (type) {
		case POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS:
			/* at most one (12.2), which every member supports */
			if (cs->gce)
				continue;
			if ((rc = epoch_set_ext(cs->e, &pr.u.gce.extensions)) !=
			    POUCH_OK)
				return rc;
			if (pouch_mls_group_members_support(cs->e) !=
			    POUCH_OK) {
				if ((rc = epoch_set_ext(cs->e, &g->cur.ext)) !=
				    POUCH_OK)
					return rc;
				continue;
			}
			cs->gce = 1;
			break;
		case POUCH_MLS_PROP_PSK:
			/* once each (12.2), and only those we hold */
			if (staged_psk(g, cs, &pr.u.psk.psk) ||
			    psk_input(g, g->psks, g->npsks, &pr.u.psk.psk,
			    &cs->pin[cs->npsk]) != POUCH_OK)
				continue;
			cs->pids[cs->npsk++] = pr.u.psk.psk;
			break;
		case POUCH_MLS_PROP_UPDATE:
			if (g->cache[i].sender_type !=
			    POUCH_MLS_SENDER_MEMBER ||
			    g->cache[i].sender == cs->e->me ||
			    pouch_mls_tree_leaf(cs->e->tree,
			    g->cache[i].sender) == NULL)
				continue;
			if ((rc = removed_by(g, cs, req, g->cache[i].sender)) <
			    0)
				return rc;
			if (rc == 1)
				continue;
			if ((rc = leaf_check(g, cs->e,
			    &pr.u.update.leaf_node, g->cache[i].sender,
			    POUCH_MLS_LEAF_UPDATE, now)) != POUCH_OK ||
			    (rc = pouch_mls_tree_update_leaf(cs->e->tree,
			    g->cache[i].sender, &pr.u.update.leaf_node)) !=
			    POUCH_OK)
				return rc;
			break;
		case POUCH_MLS_PROP_REMOVE:
			if (pr.u.remove.removed == cs->e->me ||
			    pouch_mls_tree_leaf(cs->e->tree,
			    pr.u.remove.removed) == NULL)
				continue;
			if ((rc = pouch_mls_tree_remove_leaf(cs->e->tree,
			    pr.u.remove.removed)) != POUCH_OK)
				return rc;
			break;
		case POUCH_MLS_PROP_ADD:
			if ((rc = pouch_mls_key_package_verify(g->c, g->s,
			    &pr.u.add.key_package)) != POUCH_OK ||
			    (rc = stage_add(g, cs, &pr.u.add.key_package,
			    now)) != POUCH_OK)
				return rc;
			break;
		default:
			continue;
		}
		cs->props[cs->nprops].type = POUCH_MLS_POR_REFERENCE;
		cs->props[cs->nprops].u.reference.p = g->cache[i].ref;
		cs->props[cs->nprops++].u.reference.n = g->s->nh;
	}
	return POUCH_OK;
}

/*
 * Cached Updates and Removes (by_reference), our removes, cached adds,
 * our adds, on cs->e: the 12.3 order a receiver applies them in.
 */
static int
stage_proposals(struct pouch_mls_group *g,
    const struct pouch_mls_commit_req *req, struct commit_st *cs)
{
	size_t i, n = req->nadds + req->nremoves, nc;
	void *p;
	int rc;

	nc = req->by_reference ? g->ncache : 0;
	if ((rc = pouch_mls_arena_array(&cs->a, n + nc + 1,
	    sizeof(*cs->props), &p)) != POUCH_OK)
		return rc;
	cs->props = p;
	if ((rc = pouch_mls_arena_array(&cs->a, req->nadds + nc + 1,
	    sizeof(*cs->kps), &p)) != POUCH_OK)
		return rc;
	cs->kps = p;
	if ((rc = pouch_mls_arena_array(&cs->a, req->nadds + nc + 1,
	    sizeof(*cs->added), &p)) != POUCH_OK)
		return rc;
	cs->added = p;
	/* a ReInit goes alone, nothing after one (group_reinit.c) */
	if ((rc = pouch_mls_group_stage_reinit(g, req, cs->e, cs->props,
	    &cs->nprops)) != POUCH_OK || cs->nprops != 0)
		return rc;
	if (nc != 0 && ((rc = stage_cached(g, cs, req,
	    POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS, req->now)) != POUCH_OK ||
	    (rc = stage_cached(g, cs, req,
	    POUCH_MLS_PROP_UPDATE, req->now)) != POUCH_OK ||
	    (rc = stage_cached(g, cs, req,
	    POUCH_MLS_PROP_REMOVE, req->now)) != POUCH_OK))
		return rc;
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
	if (nc != 0 && (rc = stage_cached(g, cs, req, POUCH_MLS_PROP_ADD,
	    req->now)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_arena_array(&cs->a, nc + 1, sizeof(*cs->pin),
	    &p)) != POUCH_OK)
		return rc;
	cs->pin = p;
	if ((rc = pouch_mls_arena_array(&cs->a, nc + 1, sizeof(*cs->pids),
	    &p)) != POUCH_OK)
		return rc;
	cs->pids = p;
	for (i = 0; i < req->nadds; i++) {
		if ((rc = kp_load(g->c, g->s, &cs->a, req->adds[i],
		    req->addlens[i], &cs->kps[cs->nadded])) != POUCH_OK ||
		    (rc = stage_add(g, cs, &cs->kps[cs->nadded], req->now)) !=
		    POUCH_OK)
			return rc;
		cs->props[cs->nprops].type = POUCH_MLS_POR_PROPOSAL;
		cs->props[cs->nprops].u.proposal.type = POUCH_MLS_PROP_ADD;
		cs->props[cs->nprops++].u.proposal.u.add.key_package =
		    cs->kps[cs->nadded - 1];
	}
	/* PSKs last: receivers derive psk_secret in list order (8.4) */
	if (nc != 0 && (rc = stage_cached(g, cs, req, POUCH_MLS_PROP_PSK,
	    req->now)) != POUCH_OK)
		return rc;
	if (cs->npsk != 0)
		return pouch_mls_psk_secret(g->c, g->s, cs->pin, cs->npsk,
		    cs->psk);
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

	if ((rc = confirmed_hash(g, &g->cur, cs->wf ==
	    POUCH_MLS_WF_PRIVATE_MESSAGE ? POUCH_MLS_WF_PRIVATE_MESSAGE :
	    POUCH_MLS_WF_PUBLIC_MESSAGE,
	    &cs->fc, sig, cs->ce, cth)) != POUCH_OK)
		return rc;
	memcpy(e->cth, cth, g->s->nh);
	e->cthlen = g->s->nh;
	e->epoch = g->cur.epoch + 1;
	if ((rc = context(g, e, e->epoch, e->cth, e->cthlen, cs->th,
	    &cs->gc)) != POUCH_OK)
		return rc;
	if ((rc = schedule(g, cs->ext ? cs->init : g->cur.es.init_secret,
	    commit_secret, cs->psk, &cs->gc, &e->es)) != POUCH_OK)
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
		r[i].path_secret = cs->has_path && j < n ?
		    cs->po.path_secrets[j] : NULL;
	}
	memset(&m, 0, sizeof(m));
	m.version = POUCH_MLS_VERSION_10;
	m.wire_format = POUCH_MLS_WF_WELCOME;
	if ((rc = pouch_mls_welcome_seal(g->c, g->s, &gi,
	    cs->e->es.joiner_secret, cs->npsk != 0 ? cs->psk : NULL,
	    cs->pids, cs->npsk, r, cs->nadded, &cs->a,
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

/*
 * About the size of the commit's FramedContent, to size its encoding in
 * one go: the UpdatePath's keys and ciphertexts are nearly all of it (with
 * the hybrid suite, 24 KB at 1024 members).  Only a size hint.
 */
static size_t
content_hint(const struct commit_st *cs)
{
	const struct pouch_mls_update_path *up = &cs->po.path;
	const struct pouch_mls_update_path_node *n;
	size_t i, j, sz = 1024;

	if (!cs->has_path)
		return 0;
	sz += up->leaf_node.encryption_key.n + up->leaf_node.signature_key.n +
	    up->leaf_node.signature.n;
	for (i = 0; i < up->n; i++) {
		n = &up->nodes[i];
		sz += n->encryption_key.n + 8;
		for (j = 0; j < n->nsecrets; j++)
			sz += n->secrets[j].kem_output.n +
			    n->secrets[j].ciphertext.n + 8;
	}
	return sz;
}

/* Sign, derive the epoch, tag and seal the commit of cs (12.4.1). */
static int
seal_commit(struct pouch_mls_group *g, struct commit_st *cs, uint8_t **out,
    size_t *outlen)
{
	struct pouch_mls_authenticated_content ac;
	struct pouch_mls_content_enc ce;
	struct pouch_mls_protect_ctx p;
	struct pouch_mls_bytes sig;
	int rc;

	memset(&cs->fc, 0, sizeof(cs->fc));
	cs->fc.group_id.p = g->group_id;
	cs->fc.group_id.n = g->group_idlen;
	cs->fc.epoch = g->cur.epoch;
	cs->fc.sender.type = cs->ext ? POUCH_MLS_SENDER_NEW_MEMBER_COMMIT :
	    POUCH_MLS_SENDER_MEMBER;
	cs->fc.sender.index = cs->ext ? 0 : g->cur.me;
	cs->fc.content_type = POUCH_MLS_CT_COMMIT;
	cs->fc.u.commit.proposals = cs->props;
	cs->fc.u.commit.nproposals = cs->nprops;
	cs->fc.u.commit.has_path = cs->has_path;
	cs->fc.u.commit.path = cs->po.path;
	protect_ctx(g, &cs->oldgc, &p);
	if (cs->wf != POUCH_MLS_WF_PRIVATE_MESSAGE)
		cs->wf = POUCH_MLS_WF_PUBLIC_MESSAGE;
	/* encoded once: signed, hashed into the transcript, sent */
	memset(&ce, 0, sizeof(ce));
	if ((rc = pouch_mls_content_enc_init(&p, cs->wf, &cs->fc,
	    content_hint(cs), &ce)) != POUCH_OK ||
	    (rc = pouch_mls_content_sign_enc(&p, g->sk, &ce, cs->sig,
	    sizeof(cs->sig), &cs->siglen)) != POUCH_OK)
		goto out;
	sig.p = cs->sig;
	sig.n = cs->siglen;
	cs->ce = &ce;
	if ((rc = enter_epoch(g, cs, &sig, cs->po.commit_secret)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_confirmation_tag(g->c, g->s,
	    cs->e->es.confirmation_key, cs->e->cth, cs->e->cthlen,
	    cs->tag)) != POUCH_OK)
		goto out;
	cs->e->ithlen = g->s->nh;
	if ((rc = pouch_mls_interim_transcript_hash(g->c, g->s, cs->e->cth,
	    cs->e->cthlen, cs->tag, g->s->nh, cs->e->ith)) != POUCH_OK)
		goto out;
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = cs->wf;
	ac.content = cs->fc;
	ac.auth.signature = sig;
	ac.auth.confirmation_tag.p = cs->tag;
	ac.auth.confirmation_tag.n = g->s->nh;
	if (cs->wf == POUCH_MLS_WF_PUBLIC_MESSAGE) {
		rc = pouch_mls_public_message_seal_enc(&p, &ac, &ce, out,
		    outlen);
		goto out;
	}
	/* our handshake ratchet of the current epoch (6.3) */
	p.sender_data_secret = g->cur.es.sender_data_secret;
	p.st = g->cur.st;
	rc = pouch_mls_private_message_seal(&p, &ac, out, outlen);
out:
	cs->ce = NULL;
	pouch_mls_content_enc_free(&ce);
	return rc;
}

int
pouch_mls_group_commit(struct pouch_mls_group *g,
    const struct pouch_mls_commit_req *req, uint8_t **commit,
    size_t *commitlen, uint8_t **welcome, size_t *welcomelen)
{
	struct pouch_mls_path_params pp;
	struct pouch_mls_leaf_node tmpl;
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
	cs->wf = g->hs_private ? POUCH_MLS_WF_PRIVATE_MESSAGE :
	    POUCH_MLS_WF_PUBLIC_MESSAGE;
	if ((rc = context(g, &g->cur, g->cur.epoch, g->cur.cth,
	    g->cur.cthlen, cs->oldth, &cs->oldgc)) != POUCH_OK ||
	    (rc = epoch_clone(&g->cur, &cs->e)) != POUCH_OK ||
	    (rc = stage_proposals(g, req, cs)) != POUCH_OK)
		goto out;
	/* RFC 9420 12.4.2: provisional context, old transcript hash. */
	cs->gc = cs->oldgc;
	cs->gc.epoch = g->cur.epoch + 1;
	cs->gc.extensions = cs->e->ext;	/* 12.4.1: after any GCE */
	mine = pouch_mls_tree_leaf(g->cur.tree, g->cur.me);
	if (req->identity != NULL) {
		/* our new credential, checked by members as any leaf */
		rc = POUCH_E_MISUSE;
		if (req->no_path || req->identitylen == 0 || mine == NULL ||
		    mine->credential.type != POUCH_MLS_CRED_BASIC)
			goto out;
		tmpl = *mine;
		tmpl.credential.identity.p = req->identity;
		tmpl.credential.identity.n = req->identitylen;
		mine = &tmpl;
	}
	memset(&pp, 0, sizeof(pp));
	pp.leaf = g->cur.me;
	pp.excluded = cs->added;
	pp.nexcluded = cs->nadded;
	pp.gc = &cs->gc;
	pp.leaf_tmpl = mine;
	pp.sig_priv = g->sig_priv;
	pp.sig_privlen = g->sig_privlen;
	/* RFC 9420 12.4: Adds and PSKs only may go without a path */
	cs->has_path = !req->no_path;
	rc = POUCH_E_PATH_REQUIRED;
	if (!cs->has_path && (cs->nprops == 0 ||
	    cs->nadded + cs->npsk != cs->nprops))
		goto out;
	/* cs->e is the staged epoch, freed on failure: no copy needed */
	if (cs->has_path && (rc = pouch_mls_treekem_encap_owned(g->c,
	    cs->e->tree, cs->e->keys, &pp, &cs->a, &cs->po)) != POUCH_OK)
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

/* ---- GroupInfo and external commits (RFC 9420 12.4.3) ------------- */

int
pouch_mls_group_info_export(struct pouch_mls_group *g, uint8_t **out,
    size_t *outlen)
{
	struct pouch_mls_extension ext[2];
	struct pouch_mls_message m;
	struct pouch_mls_group_info *gi = &m.u.group_info;
	struct pouch_mls_arena a;
	struct pouch_wr tw, pw, w;
	uint8_t pub[POUCH_HPKE_PK_MAX], tag[POUCH_HASH_MAX];
	uint8_t th[POUCH_HASH_MAX];
	size_t publen = 0, privlen = 0;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (g == NULL || out == NULL || outlen == NULL)
		return POUCH_E_MISUSE;
	if (g->cur.removed)
		return POUCH_E_STATE;
	pouch_mls_arena_init_limits(&a, NULL);
	pouch_wr_init(&tw, ENC_MAX);
	pouch_wr_init(&pw, ENC_MAX);
	pouch_wr_init(&w, ENC_MAX);
	memset(&m, 0, sizeof(m));
	if ((rc = context(g, &g->cur, g->cur.epoch, g->cur.cth,
	    g->cur.cthlen, th, &gi->group_context)) != POUCH_OK ||
	    (rc = pouch_mls_external_keypair(g->c, g->s,
	    g->cur.es.external_secret, NULL, 0, &privlen, pub, sizeof(pub),
	    &publen)) != POUCH_OK)
		goto out;
	/* 12.4.3: the tag of the commit that made the epoch, recomputed */
	if ((rc = pouch_mls_confirmation_tag(g->c, g->s,
	    g->cur.es.confirmation_key, g->cur.cth, g->cur.cthlen, tag)) !=
	    POUCH_OK)
		goto out;
	pouch_wr_opaque(&pw, pub, publen);
	pouch_mls_tree_encode(&tw, g->cur.tree);
	if ((rc = pouch_wr_finish(&pw)) != POUCH_OK ||
	    (rc = pouch_wr_finish(&tw)) != POUCH_OK)
		goto out;
	ext[0].type = POUCH_MLS_EXT_EXTERNAL_PUB;
	ext[0].data.p = pw.buf;
	ext[0].data.n = pw.len;
	ext[1].type = POUCH_MLS_EXT_RATCHET_TREE;
	ext[1].data.p = tw.buf;
	ext[1].data.n = tw.len;
	gi->extensions.v = ext;
	gi->extensions.n = 2;
	gi->confirmation_tag.p = tag;
	gi->confirmation_tag.n = g->s->nh;
	gi->signer = g->cur.me;
	if ((rc = pouch_mls_group_info_sign(g->c, g->s, gi, g->sig_priv,
	    g->sig_privlen, &a)) != POUCH_OK)
		goto out;
	m.version = POUCH_MLS_VERSION_10;
	m.wire_format = POUCH_MLS_WF_GROUP_INFO;
	pouch_mls_message_encode(&w, &m);
	rc = pouch_wr_take(&w, out, outlen);
out:
	pouch_wr_free(&tw);
	pouch_wr_free(&pw);
	pouch_wr_free(&w);
	pouch_mls_arena_free(&a);
	return rc;
}

/*
 * The joiner's view of the GroupInfo's epoch (12.4.3.2): tree, context,
 * transcript hashes; no secrets.  kp is the joiner's KeyPackage.
 */
static int
ext_join_state(struct pouch_mls_group *g,
    const struct pouch_mls_group_info *gi,
    const struct pouch_mls_join_opts *opts)
{
	const struct pouch_mls_group_context *gc = &gi->group_context;
	const struct pouch_mls_leaf_node *sl;
	struct epoch *e = &g->cur;
	int rc;

	if (gc->cipher_suite != g->s->id)
		return POUCH_E_WRONG_SUITE;
	/* (the confirmed transcript hash of epoch 0 is empty) */
	if (gc->group_id.n > GROUP_ID_MAX ||
	    (gc->confirmed_transcript_hash.n != g->s->nh &&
	    (gc->epoch != 0 || gc->confirmed_transcript_hash.n != 0)) ||
	    gi->confirmation_tag.n != g->s->nh)
		return POUCH_E_MALFORMED;
	memcpy(g->group_id, gc->group_id.p, gc->group_id.n);
	g->group_idlen = gc->group_id.n;
	if ((rc = tree_of(g->s, gi, opts, &e->tree)) != POUCH_OK)
		return rc;
	if ((sl = pouch_mls_tree_leaf(e->tree, gi->signer)) == NULL)
		return POUCH_E_UNKNOWN_SENDER;
	if ((rc = pouch_mls_group_info_verify(g->c, g->s, gi,
	    sl->signature_key.p, sl->signature_key.n)) != POUCH_OK ||
	    (rc = join_tree_validate(g, e, gc)) != POUCH_OK ||
	    (rc = pouch_mls_tree_privkeys_new(g->s, &e->keys)) != POUCH_OK ||
	    (rc = epoch_set_ext(e, &gc->extensions)) != POUCH_OK)
		return rc;
	e->epoch = gc->epoch;
	e->cthlen = gc->confirmed_transcript_hash.n;
	if (e->cthlen != 0)
		memcpy(e->cth, gc->confirmed_transcript_hash.p, e->cthlen);
	e->ithlen = g->s->nh;
	return pouch_mls_interim_transcript_hash(g->c, g->s, e->cth,
	    e->cthlen, gi->confirmation_tag.p, gi->confirmation_tag.n,
	    e->ith);
}

/* The external_pub of gi and the init_secret it gives (8.3). */
static int
ext_init(struct pouch_mls_group *g, struct commit_st *cs,
    const struct pouch_mls_group_info *gi, uint8_t *kem, size_t *kemlen)
{
	const struct pouch_mls_extension *x;
	struct pouch_mls_bytes pub;
	struct pouch_rd r;
	int rc;

	if ((x = pouch_mls_extension_find(&gi->extensions,
	    POUCH_MLS_EXT_EXTERNAL_PUB)) == NULL)
		return POUCH_E_UNSUPPORTED;
	pouch_rd_init(&r, x->data.p, x->data.n);
	if ((rc = pouch_mls_external_pub_decode(&r,
	    pouch_mls_limits_default(), &pub)) != POUCH_OK)
		return rc;
	if (pouch_rd_left(&r) != 0)
		return POUCH_E_TRAILING;
	return pouch_mls_external_init_send(g->c, g->s, pub.p, pub.n, kem,
	    POUCH_HPKE_ENC_MAX, kemlen, cs->init);
}

/*
 * The proposals and path of our external commit on cs->e: Remove of our
 * old leaf (a leaf with our signature key: resync), our leaf in the
 * leftmost blank one, the path from it.
 */
static int
ext_stage(struct pouch_mls_group *g, struct commit_st *cs,
    const struct pouch_mls_key_package *kp, const uint8_t *kem,
    size_t kemlen)
{
	const struct pouch_mls_leaf_node *ln;
	struct pouch_mls_path_params pp;
	uint32_t i;
	void *p;
	int rc;

	if ((rc = pouch_mls_arena_array(&cs->a, 2, sizeof(*cs->props),
	    &p)) != POUCH_OK)
		return rc;
	cs->props = p;
	cs->props[0].type = POUCH_MLS_POR_PROPOSAL;
	cs->props[0].u.proposal.type = POUCH_MLS_PROP_EXTERNAL_INIT;
	cs->props[0].u.proposal.u.external_init.kem_output.p = kem;
	cs->props[0].u.proposal.u.external_init.kem_output.n = kemlen;
	cs->nprops = 1;
	for (i = 0; i < pouch_mls_tree_leaves(cs->e->tree); i++) {
		if ((ln = pouch_mls_tree_leaf(cs->e->tree, i)) == NULL ||
		    ln->signature_key.n != kp->leaf_node.signature_key.n ||
		    CRYPTO_memcmp(ln->signature_key.p,
		    kp->leaf_node.signature_key.p, ln->signature_key.n) != 0)
			continue;
		if ((rc = pouch_mls_tree_remove_leaf(cs->e->tree, i)) !=
		    POUCH_OK)
			return rc;
		cs->props[1].type = POUCH_MLS_POR_PROPOSAL;
		cs->props[1].u.proposal.type = POUCH_MLS_PROP_REMOVE;
		cs->props[1].u.proposal.u.remove.removed = i;
		cs->nprops = 2;
		break;
	}
	if ((rc = pouch_mls_tree_add_leaf(cs->e->tree, &kp->leaf_node,
	    &cs->e->me)) != POUCH_OK)
		return rc;
	cs->gc = cs->oldgc;
	cs->gc.epoch = g->cur.epoch + 1;
	cs->gc.extensions = cs->e->ext;	/* 12.4.1: after any GCE */
	memset(&pp, 0, sizeof(pp));
	pp.leaf = cs->e->me;
	pp.gc = &cs->gc;
	pp.leaf_tmpl = &kp->leaf_node;
	pp.sig_priv = g->sig_priv;
	pp.sig_privlen = g->sig_privlen;
	cs->has_path = 1;
	return pouch_mls_treekem_encap_owned(g->c, cs->e->tree, cs->e->keys,
	    &pp, &cs->a, &cs->po);
}

int
pouch_mls_group_join_external(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, const struct pouch_mls_member_keys *mk,
    const uint8_t *group_info, size_t gilen,
    const struct pouch_mls_join_opts *opts, uint64_t now,
    struct pouch_mls_group **out, uint8_t **commit, size_t *commitlen)
{
	struct pouch_mls_group *g = NULL;
	struct pouch_mls_key_package kp;
	struct pouch_mls_message m;
	struct pouch_mls_arena a;
	struct commit_st *cs = NULL;
	uint8_t kem[POUCH_HPKE_ENC_MAX], *cb = NULL;
	size_t kemlen = 0, cblen = 0;
	int rc;

	pouch_mls_arena_init_limits(&a, NULL);
	if (out != NULL)
		*out = NULL;
	if (commit != NULL)
		*commit = NULL;
	if (commitlen != NULL)
		*commitlen = 0;
	if (c == NULL || s == NULL || mk == NULL || mk->kp == NULL ||
	    mk->sig_priv == NULL || group_info == NULL || out == NULL ||
	    commit == NULL || commitlen == NULL)
		return POUCH_E_MISUSE;
	if ((rc = group_alloc(c, s, NULL, 0, mk, &g)) != POUCH_OK ||
	    (rc = psks_copy(g, opts)) != POUCH_OK)
		goto out;
	s = g->s;		/* g's own copy of an alias row */
	if ((rc = kp_load(c, s, &a, mk->kp, mk->kplen, &kp)) != POUCH_OK ||
	    (rc = pouch_mls_message_from_bytes(&a, NULL, group_info, gilen,
	    &m)) != POUCH_OK)
		goto out;
	rc = POUCH_E_MALFORMED;
	if (m.wire_format != POUCH_MLS_WF_GROUP_INFO)
		goto out;
	rc = POUCH_E_NOMEM;
	if ((cs = OPENSSL_zalloc(sizeof(*cs))) == NULL)
		goto out;
	pouch_mls_arena_init_limits(&cs->a, NULL);
	cs->ext = 1;
	if ((rc = ext_join_state(g, &m.u.group_info, opts)) != POUCH_OK ||
	    (rc = ext_init(g, cs, &m.u.group_info, kem, &kemlen)) !=
	    POUCH_OK ||
	    (rc = context(g, &g->cur, g->cur.epoch, g->cur.cth,
	    g->cur.cthlen, cs->oldth, &cs->oldgc)) != POUCH_OK ||
	    (rc = epoch_clone(&g->cur, &cs->e)) != POUCH_OK ||
	    (rc = ext_stage(g, cs, &kp, kem, kemlen)) != POUCH_OK)
		goto out;
	/* our leaf as the path made it, checked as members will */
	if ((rc = leaf_check(g, cs->e, pouch_mls_tree_leaf(cs->e->tree,
	    cs->e->me), cs->e->me, POUCH_MLS_LEAF_COMMIT, now)) != POUCH_OK ||
	    (rc = seal_commit(g, cs, &cb, &cblen)) != POUCH_OK)
		goto out;
	/* the joiner starts in the new epoch */
	epoch_clear(&g->cur);
	g->cur = *cs->e;
	OPENSSL_cleanse(cs->e, sizeof(*cs->e));
	free(cs->e);
	cs->e = NULL;
	*commit = cb;
	*commitlen = cblen;
	cb = NULL;
	*out = g;
	g = NULL;
out:
	pouch_wr_buf_free(cb, cblen);
	commit_st_free(cs);
	pouch_mls_group_free(g);
	pouch_mls_arena_free(&a);
	return rc;
}

/* ---- processing ----------------------------------------------------- */

/* The proposal cs->fc's commit lists at i, by value or from the cache. */
static int
resolve_item(const struct pouch_mls_group *g, struct commit_st *cs,
    const struct pouch_mls_proposal_or_ref *por,
    struct pouch_mls_prop_item *it)
{
	struct pouch_mls_proposal *pr;
	struct pouch_rd r;
	size_t i;
	void *p;
	int rc;

	it->sender = cs->fc.sender.index;
	it->sender_type = POUCH_MLS_SENDER_MEMBER;
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
	it->sender_type = g->cache[i].sender_type;
	return POUCH_OK;
}

/* Apply one proposal of type t (RFC 9420 12.1, 12.3) to cs->e. */
static int
apply_one(struct pouch_mls_group *g, struct commit_st *cs,
    const struct pouch_mls_prop_item *it, uint64_t now)
{
	const struct pouch_mls_key_package *kp;
	int rc;

	switch (it->p->type) {
	case POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS:
		/* RFC 9420 12.1.7: every member must support them */
		if ((rc = epoch_set_ext(cs->e, &it->p->u.gce.extensions)) !=
		    POUCH_OK)
			return rc;
		return pouch_mls_group_members_support(cs->e);
	case POUCH_MLS_PROP_UPDATE:
		/* the committer's was refused by validation; our own
		 * needs the key we kept when proposing it */
		if ((rc = leaf_check(g, cs->e, &it->p->u.update.leaf_node,
		    it->sender, POUCH_MLS_LEAF_UPDATE, now)) != POUCH_OK ||
		    (rc = pouch_mls_tree_update_leaf(cs->e->tree, it->sender,
		    &it->p->u.update.leaf_node)) != POUCH_OK)
			return rc;
		if (it->sender == cs->e->me)
			return pouch_mls_group_own_update(g, cs->e,
			    &it->p->u.update.leaf_node);
		return POUCH_OK;
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

/* RFC 9420 8.3, members' side: init_secret from the joiner's KEM output. */
static int
external_init(const struct pouch_mls_group *g, struct commit_st *cs,
    const struct pouch_mls_external_init *ei)
{
	uint8_t priv[POUCH_HPKE_SK_MAX], pub[POUCH_HPKE_PK_MAX];
	size_t privlen = 0, publen = 0;
	int rc;

	if ((rc = pouch_mls_external_keypair(g->c, g->s,
	    g->cur.es.external_secret, priv, sizeof(priv), &privlen, pub,
	    sizeof(pub), &publen)) == POUCH_OK)
		rc = pouch_mls_external_init_recv(g->c, g->s, priv, privlen,
		    ei->kem_output.p, ei->kem_output.n, cs->init);
	OPENSSL_cleanse(priv, sizeof(priv));
	return rc;
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
	struct pouch_mls_prop_item *it;
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
	for (i = 0; i < cm->nproposals; i++)
		if ((rc = resolve_item(g, cs, &cm->proposals[i], &it[i])) !=
		    POUCH_OK)
			return rc;
	if (cs->ext)
		rc = pouch_mls_group_validate_external(g, &g->cur, cm, it);
	else
		rc = pouch_mls_group_validate_list(g, &g->cur,
		    cs->fc.sender.index, it, cm->nproposals);
	if (rc != POUCH_OK)
		return rc;
	for (i = 0; i < cm->nproposals; i++) {
		if (it[i].p->type == POUCH_MLS_PROP_EXTERNAL_INIT) {
			if ((rc = external_init(g, cs,
			    &it[i].p->u.external_init)) != POUCH_OK)
				return rc;
			continue;
		}
		if (it[i].p->type == POUCH_MLS_PROP_REINIT) {
			if ((rc = pouch_mls_group_apply_reinit(g, cs->e,
			    &it[i].p->u.reinit)) != POUCH_OK)
				return rc;
			continue;
		}
		if (it[i].p->type != POUCH_MLS_PROP_PSK &&
		    it[i].p->type != order[0] && it[i].p->type != order[1] &&
		    it[i].p->type != order[2] && it[i].p->type != order[3])
			return POUCH_E_UNSUPPORTED;
		/* 12.4: and GroupContextExtensions (ExternalInit is
		 * refused by validation) */
		if (it[i].p->type == POUCH_MLS_PROP_UPDATE ||
		    it[i].p->type == POUCH_MLS_PROP_REMOVE ||
		    it[i].p->type == POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS)
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
	uint8_t ref[POUCH_HASH_MAX];
	struct pouch_wr w;
	size_t i;
	int rc;

	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_authenticated_content_encode(&w, ac);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK ||
	    (rc = pouch_mls_proposal_ref(g->c, g->s, w.buf, w.len, ref)) !=
	    POUCH_OK)
		goto out;
	/* delivered twice (our own, or a resend): already cached */
	for (i = 0; i < g->ncache; i++)
		if (CRYPTO_memcmp(g->cache[i].ref, ref, g->s->nh) == 0)
			goto out;
	rc = POUCH_E_LIMIT;
	if (g->ncache == CACHE_MAX)
		goto out;
	rc = POUCH_E_NOMEM;
	if ((v = realloc(g->cache, (g->ncache + 1) * sizeof(*v))) == NULL)
		goto out;
	g->cache = v;
	e = &g->cache[g->ncache];
	memset(e, 0, sizeof(*e));
	memcpy(e->ref, ref, sizeof(ref));
	pouch_wr_free(&w);
	pouch_wr_init(&w, ENC_MAX);
	pouch_mls_proposal_encode(&w, &ac->content.u.proposal);
	if ((rc = pouch_wr_take(&w, &e->p, &e->n)) != POUCH_OK)
		goto out;
	e->sender = ac->content.sender.index;
	e->sender_type = ac->content.sender.type;
	g->ncache++;
out:
	pouch_wr_free(&w);
	return rc;
}

int
pouch_mls_group_cache_put(struct pouch_mls_group *g,
    const struct pouch_mls_authenticated_content *ac)
{
	return cache_add(g, ac);
}

int
pouch_mls_group_cur_context(const struct pouch_mls_group *g, uint8_t *th,
    struct pouch_mls_group_context *gc)
{
	return context(g, (struct epoch *)&g->cur, g->cur.epoch, g->cur.cth,
	    g->cur.cthlen, th, gc);
}

/*
 * The signature key of r's sender: a member's leaf (keys[index]) or an
 * external sender of the external_senders extension (RFC 9420 6.1).
 */
static int
sender_key(const struct pouch_mls_group *g, struct pouch_mls_arena *a,
    const struct pouch_mls_bytes *keys, size_t nkeys,
    const struct pouch_mls_sender *snd, struct pouch_mls_bytes *key)
{
	key->p = NULL;
	key->n = 0;
	switch (snd->type) {
	case POUCH_MLS_SENDER_MEMBER:
		/* RFC 9420 6.3.2: the leaf must be a non-blank node */
		if (snd->index >= nkeys || keys[snd->index].n == 0)
			return POUCH_E_UNKNOWN_SENDER;
		*key = keys[snd->index];
		return POUCH_OK;
	case POUCH_MLS_SENDER_EXTERNAL:
		return pouch_mls_group_ext_sender_key(g, snd->index, a, key);
	default:
		return POUCH_E_UNKNOWN_SENDER;
	}
}

/*
 * A new_member_proposal's signer: the KeyPackage of its Add (12.1.8.2;
 * 6: it sends Add proposals only).
 */
static int
add_sender_key(const struct pouch_mls_received *r,
    struct pouch_mls_bytes *key)
{
	const struct pouch_mls_proposal *pr = &r->ac.content.u.proposal;

	if (r->ac.content.content_type != POUCH_MLS_CT_PROPOSAL ||
	    pr->type != POUCH_MLS_PROP_ADD)
		return POUCH_E_SENDER_NOT_ALLOWED;
	*key = pr->u.add.key_package.leaf_node.signature_key;
	return POUCH_OK;
}

/* An external commit's signer: the leaf node of its path (12.4.3.2). */
static int
commit_sender_key(const struct pouch_mls_received *r,
    struct pouch_mls_bytes *key)
{
	const struct pouch_mls_commit *cm = &r->ac.content.u.commit;

	if (r->ac.content.content_type != POUCH_MLS_CT_COMMIT)
		return POUCH_E_UNKNOWN_SENDER;
	if (!cm->has_path)
		return POUCH_E_PATH_REQUIRED;
	*key = cm->path.leaf_node.signature_key;
	return POUCH_OK;
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
	cs->wf = ac->wire_format;
	cs->ext = ac->content.sender.type ==
	    POUCH_MLS_SENDER_NEW_MEMBER_COMMIT;
	if ((rc = apply_proposals(g, cs, cm, now, &need_path)) != POUCH_OK)
		goto out;
	rc = POUCH_E_PATH_REQUIRED;
	if ((need_path || cs->ext) && !cm->has_path)
		goto out;
	/* 12.4.3.2: the joiner takes the leftmost blank leaf */
	if (cs->ext && (rc = pouch_mls_tree_add_leaf(cs->e->tree,
	    &cm->path.leaf_node, &sender)) != POUCH_OK)
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
		cs->gc.extensions = cs->e->ext;	/* 12.4.2 */
		if ((rc = pouch_mls_treekem_apply_owned(g->c, cs->e->tree,
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
	struct pouch_mls_bytes *keys = NULL, sk;
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
	/* a handshake PrivateMessage: our current secret tree (6.3); a
	 * verified one consumes its generation even if its content is
	 * then refused (the same message would be refused again) */
	p.sender_data_secret = g->cur.es.sender_data_secret;
	p.st = g->cur.st;
	if ((rc = pouch_mls_message_open(&p, msg, msglen, &r)) != POUCH_OK)
		goto out;
	rc = POUCH_E_UNSUPPORTED;	/* application data: decrypt */
	if (r.ac.content.content_type == POUCH_MLS_CT_APPLICATION)
		goto out;
	if (r.ac.content.sender.type == POUCH_MLS_SENDER_NEW_MEMBER_COMMIT)
		rc = commit_sender_key(&r, &sk);
	else if (r.ac.content.sender.type ==
	    POUCH_MLS_SENDER_NEW_MEMBER_PROPOSAL)
		rc = add_sender_key(&r, &sk);
	else
		rc = sender_key(g, &cs->a, keys, nkeys, &r.ac.content.sender,
		    &sk);
	if (rc != POUCH_OK ||
	    (rc = pouch_mls_message_verify(&p, &r, sk.p, sk.n)) != POUCH_OK)
		goto out;
	if (r.ac.content.content_type == POUCH_MLS_CT_PROPOSAL) {
		if ((rc = pouch_mls_group_sender_may_propose(
		    r.ac.content.sender.type,
		    r.ac.content.u.proposal.type)) == POUCH_OK)
			rc = cache_add(g, &r.ac);
		goto out;
	}
	rc = POUCH_E_UNSUPPORTED;
	if (r.ac.content.content_type != POUCH_MLS_CT_COMMIT)
		goto out;
	rc = POUCH_E_MISUSE;	/* our own commit: merge it instead */
	if (r.ac.content.sender.type == POUCH_MLS_SENDER_MEMBER &&
	    r.ac.content.sender.index == g->cur.me)
		goto out;
	cs->ce = &r.ce;		/* verified: its encoding is in r */
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
	if ((rc = pouch_mls_group_reinit_gate(&g->cur)) != POUCH_OK)
		return rc;
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

/*
 * The epoch a PrivateMessage names, read from its public header
 * (RFC 9420 6.3: version, wire_format, group_id, epoch); *epoch is
 * unchanged for anything else, which then fails in open.
 */
static void
peek_epoch(const uint8_t *msg, size_t msglen, uint64_t *epoch)
{
	struct pouch_rd r;
	const uint8_t *id;
	uint16_t version, wf;
	uint64_t e;
	size_t idlen;

	pouch_rd_init(&r, msg, msglen);
	if (pouch_rd_u16(&r, &version) != POUCH_OK ||
	    pouch_rd_u16(&r, &wf) != POUCH_OK ||
	    wf != POUCH_MLS_WF_PRIVATE_MESSAGE ||
	    pouch_rd_opaque(&r, &id, &idlen, GROUP_ID_MAX) != POUCH_OK ||
	    pouch_rd_u64(&r, &e) != POUCH_OK)
		return;
	*epoch = e;
}

/*
 * The epoch state a message of epoch n is decrypted with: the current
 * one, or a kept past one; EPOCH_EXPIRED for an earlier epoch no longer
 * kept (its secrets are gone), NULL with WRONG_EPOCH for a later one.
 */
static int
decrypt_epoch(struct pouch_mls_group *g, uint64_t n, struct epoch **e)
{
	*e = NULL;
	if (n == g->cur.epoch) {
		*e = &g->cur;
		return POUCH_OK;
	}
	if (n > g->cur.epoch)
		return POUCH_E_WRONG_EPOCH;
	if ((*e = pouch_mls_group_old_epoch(g, n)) == NULL)
		return POUCH_E_EPOCH_EXPIRED;
	return POUCH_OK;
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
	struct epoch *e;
	uint8_t th[POUCH_HASH_MAX], *b = NULL;
	uint64_t n;
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
	n = g->cur.epoch;
	peek_epoch(msg, msglen, &n);
	if ((rc = decrypt_epoch(g, n, &e)) != POUCH_OK ||
	    (rc = pouch_mls_group_reinit_gate(e)) != POUCH_OK)
		return rc;
	if (e->st == NULL)
		return POUCH_E_STATE;
	if ((rc = context(g, e, e->epoch, e->cth, e->cthlen, th, &gc)) !=
	    POUCH_OK)
		goto out;
	protect_ctx(g, &gc, &p);
	p.membership_key = e->es.membership_key;
	p.sender_data_secret = e->es.sender_data_secret;
	p.st = e->st;
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
	    (ln = pouch_mls_tree_leaf(e->tree, snd->index)) == NULL)
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
