/*
 * mls/group_state - the group engine's persistence and memory of past
 * epochs: saving and loading the whole state of a member
 * (pouch_mls_group_save/load), the window of past epochs kept for late
 * application messages, and the MLS exporter.  See group.h for the
 * contracts and docs/PROTOCOL.md for the retention policy.
 *
 * Saved format, version 1 (all integers big-endian, opaque<V> as in RFC
 * 9420 2.1.2):
 *   "PMGS" u16 version  u16 cipher_suite
 *   opaque group_id<V>  opaque sig_priv<V>  u32 retain  u8 retain_set
 *   Epoch current  u8 has_pending [Epoch pending]
 *   u32 n {opaque ref[Nh] u32 sender u8 sender_type opaque proposal<V>}
 *                                                      cached proposals
 *   u32 n {opaque id<V> opaque psk<V>}                     external PSKs
 *   u64 nrpsk {u64 epoch opaque psk[Nh]}[min(nrpsk, 8)]    resumption ring
 *   u32 n Epoch[n]                                         kept past epochs
 * Epoch:
 *   u64 epoch u32 me u8 removed  opaque ratchet_tree<V> u32 leaves
 *   u8 has_keys [u32 n {u32 node opaque sk<V> opaque pk<V>}]  (by node)
 *   opaque cth<V> opaque ith<V>  secrets[11][Nh] (key_schedule.h order)
 *   opaque extensions<V>  u8 has_st [secret tree, secret_tree.c]
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "codec/codec.h"
#include "hpke/hpke.h"
#include "mls/group.h"
#include "mls/group_int.h"
#include "mls/key_schedule.h"
#include "mls/msg.h"
#include "mls/secret_tree.h"
#include "mls/tree.h"
#include "mls/treekem.h"

static const uint8_t magic[4] = { 'P', 'M', 'G', 'S' };

#define PSK_FIELD_MAX	65535
#define EPOCH_SECRETS	11

/* ---- epoch retention ------------------------------------------------ */

void
pouch_mls_group_epoch_free(struct epoch *e)
{
	if (e == NULL)
		return;
	pouch_mls_tree_free(e->tree);
	pouch_mls_tree_privkeys_free(e->keys);
	pouch_mls_secret_tree_free(e->st);
	pouch_mls_arena_free(&e->ext_a);
	OPENSSL_clear_free(e, sizeof(*e));
}

uint32_t
pouch_mls_group_retain_n(const struct pouch_mls_group *g)
{
	return g->retain_set ? g->retain : RETAIN_DEFAULT;
}

/* Drop the oldest kept epochs until at most n remain. */
static void
old_trim(struct pouch_mls_group *g, size_t n)
{
	while (g->nold > n) {
		pouch_mls_group_epoch_free(g->old[0]);
		memmove(&g->old[0], &g->old[1],
		    (g->nold - 1) * sizeof(g->old[0]));
		g->old[--g->nold] = NULL;
	}
}

/* What a past epoch keeps: tree, context inputs, secret tree and the
 * sender_data_secret; the private keys and other secrets go. */
static void
strip(struct epoch *e)
{
	uint8_t sds[POUCH_HASH_MAX];
	size_t nh = e->es.nh;

	pouch_mls_tree_privkeys_free(e->keys);
	e->keys = NULL;
	memcpy(sds, e->es.sender_data_secret, sizeof(sds));
	OPENSSL_cleanse(&e->es, sizeof(e->es));
	memcpy(e->es.sender_data_secret, sds, sizeof(sds));
	e->es.nh = nh;
	OPENSSL_cleanse(sds, sizeof(sds));
}

void
pouch_mls_group_retire(struct pouch_mls_group *g, struct epoch **ep)
{
	struct epoch *e = *ep;
	uint32_t n = pouch_mls_group_retain_n(g);

	*ep = NULL;
	if (e == NULL)
		return;
	if (n == 0 || e->st == NULL || e->removed) {
		pouch_mls_group_epoch_free(e);
		return;
	}
	strip(e);
	old_trim(g, n - 1);
	g->old[g->nold++] = e;
}

struct epoch *
pouch_mls_group_old_epoch(struct pouch_mls_group *g, uint64_t epoch)
{
	size_t i;

	for (i = 0; i < g->nold; i++)
		if (g->old[i]->epoch == epoch)
			return g->old[i];
	return NULL;
}

void
pouch_mls_group_old_clear(struct pouch_mls_group *g)
{
	old_trim(g, 0);
}

int
pouch_mls_group_set_retention(struct pouch_mls_group *g, uint32_t n)
{
	if (g == NULL || n > RETAIN_MAX)
		return POUCH_E_MISUSE;
	g->retain = n;
	g->retain_set = 1;
	old_trim(g, n);
	return POUCH_OK;
}

uint32_t
pouch_mls_group_retention(const struct pouch_mls_group *g)
{
	return g == NULL ? 0 : pouch_mls_group_retain_n(g);
}

const struct pouch_mls_suite *
pouch_mls_group_suite(const struct pouch_mls_group *g)
{
	return g->s;
}

int
pouch_mls_group_export(const struct pouch_mls_group *g, const char *label,
    const uint8_t *context, size_t contextlen, uint8_t *out, size_t len)
{
	if (g == NULL || label == NULL || out == NULL ||
	    (context == NULL && contextlen != 0))
		return POUCH_E_MISUSE;
	if (g->cur.removed)
		return POUCH_E_STATE;
	return pouch_mls_exporter(g->c, g->s, g->cur.es.exporter_secret,
	    label, context, contextlen, out, len);
}

/* ---- saving --------------------------------------------------------- */

/* The epoch secrets in key_schedule.h order. */
static uint8_t *
secret_at(struct pouch_mls_epoch_secrets *es, int i)
{
	uint8_t *v[EPOCH_SECRETS] = {
	    es->joiner_secret, es->welcome_secret, es->sender_data_secret,
	    es->encryption_secret, es->exporter_secret, es->external_secret,
	    es->confirmation_key, es->membership_key, es->resumption_psk,
	    es->epoch_authenticator, es->init_secret };

	return v[i];
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
keys_save(struct pouch_wr *w, const struct pouch_mls_tree_privkeys *k,
    uint32_t width)
{
	const uint8_t *sk, *pk;
	uint32_t node, ord[POUCH_MLS_PRIVKEYS_MAX];
	size_t total = pouch_mls_tree_privkeys_count(k), n = 0, i, j;
	size_t sklen, pklen;

	/*
	 * Canonical order: by node.  Keys of nodes a Remove truncated away
	 * (RFC 9420 7.8) can never be used again and are not kept.
	 */
	for (i = 0; i < total; i++) {
		if (pouch_mls_tree_privkeys_entry(k, i, &node, &sk, &sklen,
		    &pk, &pklen) != POUCH_OK) {
			w->err = POUCH_E_STATE;
			return;
		}
		if (node < width)
			ord[n++] = node;
	}
	qsort(ord, n, sizeof(ord[0]), cmp_u32);
	pouch_wr_u32(w, (uint32_t)n);
	for (i = 0; i < n; i++)
		for (j = 0; j < total; j++) {
			if (pouch_mls_tree_privkeys_entry(k, j, &node, &sk,
			    &sklen, &pk, &pklen) != POUCH_OK ||
			    node != ord[i])
				continue;
			pouch_wr_u32(w, node);
			pouch_wr_opaque(w, sk, sklen);
			pouch_wr_opaque(w, pk, pklen);
		}
}

static void
epoch_save(struct pouch_wr *w, const struct pouch_mls_group *g,
    const struct epoch *e)
{
	struct pouch_mls_epoch_secrets es = e->es;
	int i;

	pouch_wr_u64(w, e->epoch);
	pouch_wr_u32(w, e->me);
	pouch_wr_u8(w, e->removed ? 1 : 0);
	pouch_wr_vec_open(w);
	pouch_mls_tree_encode(w, e->tree);
	pouch_wr_vec_close(w);
	pouch_wr_u32(w, pouch_mls_tree_leaves(e->tree));
	pouch_wr_u8(w, e->keys != NULL);
	if (e->keys != NULL)
		keys_save(w, e->keys, pouch_mls_tree_width(e->tree));
	pouch_wr_opaque(w, e->cth, e->cthlen);
	pouch_wr_opaque(w, e->ith, e->ithlen);
	for (i = 0; i < EPOCH_SECRETS; i++)
		pouch_wr_bytes(w, secret_at(&es, i), g->s->nh);
	OPENSSL_cleanse(&es, sizeof(es));
	pouch_wr_vec_open(w);
	pouch_mls_extensions_encode(w, &e->ext);
	pouch_wr_vec_close(w);
	pouch_wr_u8(w, e->st != NULL);
	if (e->st != NULL)
		pouch_mls_secret_tree_save(w, e->st);
}

/* A ReInit's parameters: u8 set, then group id, version, suite, ext. */
static void
reinit_save(struct pouch_wr *w, const struct reinit_st *st)
{
	pouch_wr_u8(w, st->set ? 1 : 0);
	if (!st->set)
		return;
	pouch_wr_opaque(w, st->group_id, st->group_idlen);
	pouch_wr_u16(w, st->version);
	pouch_wr_u16(w, st->suite);
	pouch_wr_opaque(w, st->ext, st->extlen);
}

int
pouch_mls_group_save(const struct pouch_mls_group *g, uint8_t **out,
    size_t *outlen)
{
	struct pouch_wr w;
	size_t i, n;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (g == NULL || out == NULL || outlen == NULL)
		return POUCH_E_MISUSE;
	pouch_wr_init(&w, ENC_MAX);
	pouch_wr_bytes(&w, magic, sizeof(magic));
	pouch_wr_u16(&w, POUCH_MLS_GROUP_STATE_VERSION);
	pouch_wr_u16(&w, g->s->id);
	/* version 4: the table row whose algorithms the suite has */
	pouch_wr_u16(&w, pouch_mls_suite_in_table(g->s) ? g->s->id :
	    POUCH_MLS_SUITE_HYBRID);
	pouch_wr_opaque(&w, g->group_id, g->group_idlen);
	pouch_wr_opaque(&w, g->sig_priv, g->sig_privlen);
	pouch_wr_u32(&w, g->retain);
	pouch_wr_u8(&w, g->retain_set ? 1 : 0);
	epoch_save(&w, g, &g->cur);
	pouch_wr_u8(&w, g->pending != NULL);
	if (g->pending != NULL)
		epoch_save(&w, g, g->pending);
	pouch_wr_u32(&w, (uint32_t)g->ncache);
	for (i = 0; i < g->ncache; i++) {
		pouch_wr_bytes(&w, g->cache[i].ref, g->s->nh);
		pouch_wr_u32(&w, g->cache[i].sender);
		pouch_wr_u8(&w, g->cache[i].sender_type);
		pouch_wr_opaque(&w, g->cache[i].p, g->cache[i].n);
	}
	pouch_wr_u32(&w, (uint32_t)g->npsks);
	for (i = 0; i < g->npsks; i++) {
		pouch_wr_opaque(&w, g->psks[i].id, g->psks[i].idlen);
		pouch_wr_opaque(&w, g->psks[i].psk, g->psks[i].psklen);
	}
	pouch_wr_u64(&w, g->nrpsk);
	n = g->nrpsk < RPSK_KEEP ? g->nrpsk : RPSK_KEEP;
	for (i = 0; i < n; i++) {
		pouch_wr_u64(&w, g->rpsk[i].epoch);
		pouch_wr_bytes(&w, g->rpsk[i].psk, g->s->nh);
	}
	pouch_wr_u32(&w, (uint32_t)g->nold);
	for (i = 0; i < g->nold; i++)
		epoch_save(&w, g, g->old[i]);
	/* version 2: our own pending Update and the handshake setting */
	pouch_wr_u8(&w, g->hs_private ? 1 : 0);
	pouch_wr_opaque(&w, g->upd_priv, g->upd_privlen);
	pouch_wr_opaque(&w, g->upd_pub, g->upd_publen);
	pouch_wr_u64(&w, g->upd_epoch);
	/* version 3: a committed ReInit, of the current and pending epoch */
	reinit_save(&w, &g->cur.reinit);
	if (g->pending != NULL)
		reinit_save(&w, &g->pending->reinit);
	rc = pouch_wr_take(&w, out, outlen);
	pouch_wr_free(&w);			/* wipes what is left */
	return rc;
}

/* ---- loading -------------------------------------------------------- */

/* The private keys of an epoch. */
static int
keys_load(struct pouch_rd *r, const struct pouch_mls_group *g,
    struct epoch *e)
{
	const uint8_t *sk, *pk;
	uint32_t n, i, node, prev = 0;
	size_t sklen, pklen;
	int rc;

	if ((rc = pouch_mls_tree_privkeys_new(g->s, &e->keys)) != POUCH_OK ||
	    (rc = pouch_rd_u32(r, &n)) != POUCH_OK)
		return rc;
	if (n > POUCH_MLS_PRIVKEYS_MAX)
		return POUCH_E_MALFORMED;
	for (i = 0; i < n; i++) {
		if ((rc = pouch_rd_u32(r, &node)) != POUCH_OK ||
		    (rc = pouch_rd_opaque(r, &sk, &sklen,
		    POUCH_HPKE_SK_MAX)) != POUCH_OK ||
		    (rc = pouch_rd_opaque(r, &pk, &pklen,
		    POUCH_HPKE_PK_MAX)) != POUCH_OK)
			return rc;
		if ((i > 0 && node <= prev) || sklen == 0 || pklen == 0 ||
		    node >= pouch_mls_tree_width(e->tree))
			return POUCH_E_MALFORMED;
		prev = node;
		if ((rc = pouch_mls_tree_privkeys_set(e->keys, node, sk, sklen,
		    pk, pklen)) != POUCH_OK)
			return rc == POUCH_E_NOMEM ? rc : POUCH_E_MALFORMED;
	}
	return POUCH_OK;
}

/* A hash field: empty or Nh bytes. */
static int
hash_load(struct pouch_rd *r, const struct pouch_mls_group *g, uint8_t *out,
    size_t *outlen)
{
	const uint8_t *p;
	size_t n;
	int rc;

	if ((rc = pouch_rd_opaque(r, &p, &n, POUCH_HASH_MAX)) != POUCH_OK)
		return rc;
	if (n != 0 && n != g->s->nh)
		return POUCH_E_MALFORMED;
	if (n != 0)
		memcpy(out, p, n);
	*outlen = n;
	return POUCH_OK;
}

/* GroupContext extensions into e's own arena. */
static int
ext_load(struct pouch_rd *r, struct epoch *e)
{
	struct pouch_rd sub, x;
	const uint8_t *b;
	int rc;

	if ((rc = pouch_rd_vec(r, &sub, ENC_MAX)) != POUCH_OK)
		return rc;
	pouch_mls_arena_init_limits(&e->ext_a, NULL);
	if ((rc = pouch_mls_arena_copy(&e->ext_a, sub.p, pouch_rd_left(&sub),
	    &b)) != POUCH_OK)
		return rc;
	pouch_rd_init(&x, b, pouch_rd_left(&sub));
	if ((rc = pouch_mls_extensions_decode(&x, &e->ext_a,
	    pouch_mls_limits_default(), &e->ext)) != POUCH_OK)
		return rc;
	return pouch_rd_done(&x);
}

/* The ratchet tree of an epoch, checked as a joiner checks it. */
static int
tree_load(struct pouch_rd *r, const struct pouch_mls_group *g,
    struct epoch *e)
{
	struct pouch_mls_leaf_ctx ctx;
	struct pouch_rd sub;
	uint32_t leaves;
	int rc;

	if ((rc = pouch_rd_vec(r, &sub, ENC_MAX)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_tree_from_bytes(g->s, NULL, sub.p,
	    pouch_rd_left(&sub), &e->tree)) != POUCH_OK ||
	    (rc = pouch_rd_u32(r, &leaves)) != POUCH_OK)
		return rc;
	if (leaves != pouch_mls_tree_leaves(e->tree) ||
	    e->me >= leaves || pouch_mls_tree_leaf(e->tree, e->me) == NULL)
		return POUCH_E_MALFORMED;
	memset(&ctx, 0, sizeof(ctx));
	ctx.group_id = g->group_id;
	ctx.group_id_len = g->group_idlen;
	return pouch_mls_tree_validate(g->c, e->tree, &ctx, NULL, 0);
}

#define EPOCH_CUR	0		/* keys and secret tree required */
#define EPOCH_OLD	1		/* secret tree required, keys dropped */

static int
epoch_load(struct pouch_rd *r, const struct pouch_mls_group *g, int kind,
    struct epoch **out)
{
	struct epoch *e;
	uint8_t removed, has;
	int i, rc;

	*out = NULL;
	if ((e = OPENSSL_zalloc(sizeof(*e))) == NULL)
		return POUCH_E_NOMEM;
	if ((rc = pouch_rd_u64(r, &e->epoch)) != POUCH_OK ||
	    (rc = pouch_rd_u32(r, &e->me)) != POUCH_OK ||
	    (rc = pouch_rd_u8(r, &removed)) != POUCH_OK)
		goto out;
	rc = POUCH_E_MALFORMED;
	if (removed > 1 || (removed && kind != EPOCH_CUR))
		goto out;
	e->removed = removed;
	if ((rc = tree_load(r, g, e)) != POUCH_OK ||
	    (rc = pouch_rd_u8(r, &has)) != POUCH_OK)
		goto out;
	rc = POUCH_E_MALFORMED;
	if (has > 1 || (has == 1) != (kind == EPOCH_CUR))
		goto out;
	if (has && (rc = keys_load(r, g, e)) != POUCH_OK)
		goto out;
	if ((rc = hash_load(r, g, e->cth, &e->cthlen)) != POUCH_OK ||
	    (rc = hash_load(r, g, e->ith, &e->ithlen)) != POUCH_OK)
		goto out;
	e->es.nh = g->s->nh;
	for (i = 0; i < EPOCH_SECRETS; i++)
		if ((rc = pouch_rd_copy(r, secret_at(&e->es, i), g->s->nh)) !=
		    POUCH_OK)
			goto out;
	if ((rc = ext_load(r, e)) != POUCH_OK ||
	    (rc = pouch_rd_u8(r, &has)) != POUCH_OK)
		goto out;
	rc = POUCH_E_MALFORMED;
	if (has != 1)
		goto out;
	if ((rc = pouch_mls_secret_tree_load(g->s,
	    pouch_mls_tree_leaves(e->tree), r, &e->st)) != POUCH_OK)
		goto out;
	if (kind == EPOCH_OLD)
		strip(e);
	*out = e;
	e = NULL;
out:
	pouch_mls_group_epoch_free(e);
	return rc;
}

static int
cache_load(struct pouch_rd *r, struct pouch_mls_group *g)
{
	struct pouch_mls_proposal pr;
	struct pouch_mls_arena a;
	struct cached_prop *cp;
	const uint8_t *p;
	struct pouch_rd x;
	uint32_t n, i;
	size_t len;
	int rc;

	if ((rc = pouch_rd_u32(r, &n)) != POUCH_OK)
		return rc;
	if (n > CACHE_MAX)
		return POUCH_E_MALFORMED;
	if ((size_t)n * (g->s->nh + 6) > pouch_rd_left(r))
		return POUCH_E_TRUNCATED;
	if (n != 0 && (g->cache = calloc(n, sizeof(*g->cache))) == NULL)
		return POUCH_E_NOMEM;
	for (i = 0; i < n; i++) {
		cp = &g->cache[i];
		if ((rc = pouch_rd_copy(r, cp->ref, g->s->nh)) != POUCH_OK ||
		    (rc = pouch_rd_u32(r, &cp->sender)) != POUCH_OK ||
		    (rc = pouch_rd_u8(r, &cp->sender_type)) != POUCH_OK ||
		    (rc = pouch_rd_opaque(r, &p, &len, ENC_MAX)) != POUCH_OK)
			return rc;
		if (cp->sender_type < POUCH_MLS_SENDER_MEMBER ||
		    cp->sender_type > POUCH_MLS_SENDER_NEW_MEMBER_COMMIT ||
		    (cp->sender_type == POUCH_MLS_SENDER_MEMBER &&
		    cp->sender >= pouch_mls_tree_leaves(g->cur.tree)))
			return POUCH_E_MALFORMED;
		/* it must be a Proposal, exactly */
		pouch_mls_arena_init_limits(&a, NULL);
		pouch_rd_init(&x, p, len);
		if ((rc = pouch_mls_proposal_decode(&x, &a,
		    pouch_mls_limits_default(), &pr)) == POUCH_OK)
			rc = pouch_rd_done(&x);
		pouch_mls_arena_free(&a);
		if (rc != POUCH_OK)
			return rc;
		if ((cp->p = malloc(len == 0 ? 1 : len)) == NULL)
			return POUCH_E_NOMEM;
		if (len != 0)
			memcpy(cp->p, p, len);
		cp->n = len;
		g->ncache++;
	}
	return POUCH_OK;
}

static int
psks_load(struct pouch_rd *r, struct pouch_mls_group *g)
{
	struct pouch_mls_external_psk *x;
	const uint8_t *id, *k;
	size_t idlen, klen;
	uint8_t *idc, *kc;
	uint32_t n, i;
	int rc;

	if ((rc = pouch_rd_u32(r, &n)) != POUCH_OK)
		return rc;
	if (n > PSKS_MAX)
		return POUCH_E_MALFORMED;
	if (n != 0 && (g->psks = calloc(n, sizeof(*g->psks))) == NULL)
		return POUCH_E_NOMEM;
	for (i = 0; i < n; i++) {
		if ((rc = pouch_rd_opaque(r, &id, &idlen, PSK_FIELD_MAX)) !=
		    POUCH_OK ||
		    (rc = pouch_rd_opaque(r, &k, &klen, PSK_FIELD_MAX)) !=
		    POUCH_OK)
			return rc;
		idc = malloc(idlen == 0 ? 1 : idlen);
		kc = malloc(klen == 0 ? 1 : klen);
		if (idc == NULL || kc == NULL) {
			free(idc);
			free(kc);
			return POUCH_E_NOMEM;
		}
		if (idlen != 0)
			memcpy(idc, id, idlen);
		if (klen != 0)
			memcpy(kc, k, klen);
		x = &g->psks[g->npsks++];
		x->id = idc;
		x->idlen = idlen;
		x->psk = kc;
		x->psklen = klen;
	}
	return POUCH_OK;
}

static int
rpsk_load(struct pouch_rd *r, struct pouch_mls_group *g)
{
	uint64_t n;
	size_t i, k;
	int rc;

	if ((rc = pouch_rd_u64(r, &n)) != POUCH_OK)
		return rc;
	/* one per epoch change: never more than the epochs passed */
	if (n > g->cur.epoch + 1)
		return POUCH_E_MALFORMED;
	g->nrpsk = (size_t)n;
	k = n < RPSK_KEEP ? (size_t)n : RPSK_KEEP;
	for (i = 0; i < k; i++)
		if ((rc = pouch_rd_u64(r, &g->rpsk[i].epoch)) != POUCH_OK ||
		    (rc = pouch_rd_copy(r, g->rpsk[i].psk, g->s->nh)) !=
		    POUCH_OK)
			return rc;
	return POUCH_OK;
}

/* Our pending Update's key (both empty when none) and hs_private. */
static int
upd_load(struct pouch_rd *r, struct pouch_mls_group *g)
{
	const uint8_t *sk, *pk;
	size_t sklen, pklen;
	uint8_t hs;
	int rc;

	if ((rc = pouch_rd_u8(r, &hs)) != POUCH_OK ||
	    (rc = pouch_rd_opaque(r, &sk, &sklen, POUCH_HPKE_SK_MAX)) !=
	    POUCH_OK ||
	    (rc = pouch_rd_opaque(r, &pk, &pklen, POUCH_HPKE_PK_MAX)) !=
	    POUCH_OK ||
	    (rc = pouch_rd_u64(r, &g->upd_epoch)) != POUCH_OK)
		return rc;
	if (hs > 1 || (sklen == 0) != (pklen == 0))
		return POUCH_E_MALFORMED;
	g->hs_private = hs;
	memcpy(g->upd_priv, sk, sklen);
	g->upd_privlen = sklen;
	memcpy(g->upd_pub, pk, pklen);
	g->upd_publen = pklen;
	return POUCH_OK;
}

/* The ReInit of reinit_save(); its extensions must decode. */
static int
reinit_load(struct pouch_rd *r, struct reinit_st *st)
{
	struct pouch_mls_extensions x;
	struct pouch_mls_arena a;
	const uint8_t *p, *e;
	size_t n, elen;
	struct pouch_rd t;
	uint8_t set;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = pouch_rd_u8(r, &set)) != POUCH_OK)
		return rc;
	if (set > 1)
		return POUCH_E_MALFORMED;
	if (!set)
		return POUCH_OK;
	if ((rc = pouch_rd_opaque(r, &p, &n, GROUP_ID_MAX)) != POUCH_OK ||
	    (rc = pouch_rd_u16(r, &st->version)) != POUCH_OK ||
	    (rc = pouch_rd_u16(r, &st->suite)) != POUCH_OK ||
	    (rc = pouch_rd_opaque(r, &e, &elen, REINIT_EXT_MAX)) != POUCH_OK)
		return rc;
	if (n == 0)
		return POUCH_E_MALFORMED;
	pouch_mls_arena_init_limits(&a, NULL);
	pouch_rd_init(&t, e, elen);
	if ((rc = pouch_mls_extensions_decode(&t, &a,
	    pouch_mls_limits_default(), &x)) == POUCH_OK)
		rc = pouch_rd_done(&t);
	pouch_mls_arena_free(&a);
	if (rc != POUCH_OK)
		return POUCH_E_MALFORMED;
	st->set = 1;
	memcpy(st->group_id, p, n);
	st->group_idlen = n;
	if (elen != 0)
		memcpy(st->ext, e, elen);
	st->extlen = elen;
	return POUCH_OK;
}

static int
old_load(struct pouch_rd *r, struct pouch_mls_group *g)
{
	struct epoch *e;
	uint32_t n, i;
	int rc;

	if ((rc = pouch_rd_u32(r, &n)) != POUCH_OK)
		return rc;
	if (n > pouch_mls_group_retain_n(g))
		return POUCH_E_MALFORMED;
	for (i = 0; i < n; i++) {
		if ((rc = epoch_load(r, g, EPOCH_OLD, &e)) != POUCH_OK)
			return rc;
		g->old[g->nold++] = e;
		if (e->epoch >= g->cur.epoch ||
		    (i > 0 && e->epoch <= g->old[i - 1]->epoch))
			return POUCH_E_MALFORMED;
	}
	return POUCH_OK;
}

/* The fixed head: magic, version, suite, group id, key, retention. */
static int
head_load(struct pouch_rd *r, const struct pouch_crypto *c,
    struct pouch_mls_group *g, uint16_t *vers)
{
	const struct pouch_mls_suite *s;
	struct pouch_mls_suite alias;
	uint8_t mg[sizeof(magic)], set;
	const uint8_t *p;
	uint16_t version, suite, row;
	size_t n;
	int rc;

	if ((rc = pouch_rd_copy(r, mg, sizeof(mg))) != POUCH_OK ||
	    (rc = pouch_rd_u16(r, &version)) != POUCH_OK)
		return rc;
	if (memcmp(mg, magic, sizeof(mg)) != 0)	/* checksrc: allow */
		return POUCH_E_MALFORMED;
	/* version 3 is version 4 without the suite's row, 2 is 3 without
	 * the ReInit */
	if (version != POUCH_MLS_GROUP_STATE_VERSION && version != 3 &&
	    version != 2)
		return POUCH_E_UNSUPPORTED;
	*vers = version;
	if ((rc = pouch_rd_u16(r, &suite)) != POUCH_OK)
		return rc;
	row = suite;
	if (version >= 4 && (rc = pouch_rd_u16(r, &row)) != POUCH_OK)
		return rc;
	if (row == suite) {
		if ((s = pouch_mls_suite_get(suite)) == NULL)
			return POUCH_E_UNSUPPORTED;
	} else {
		/* an alias: only the hybrid suite has one */
		if (row != POUCH_MLS_SUITE_HYBRID ||
		    pouch_mls_suite_alias(suite, &alias) != POUCH_OK)
			return POUCH_E_MALFORMED;
		s = &alias;
	}
	g->c = c;
	pouch_mls_group_set_suite(g, s);
	s = g->s;
	if ((rc = pouch_rd_opaque(r, &p, &n, GROUP_ID_MAX)) != POUCH_OK)
		return rc;
	if (n != 0)
		memcpy(g->group_id, p, n);
	g->group_idlen = n;
	if ((rc = pouch_rd_opaque(r, &p, &n, POUCH_SIG_PRIV_MAX)) != POUCH_OK)
		return rc;
	if (n != pouch_sig_priv_len(s->sig))
		return POUCH_E_MALFORMED;
	memcpy(g->sig_priv, p, n);
	g->sig_privlen = n;
	if ((rc = pouch_sig_key_new(c, s->sig, POUCH_IMPL_DEFAULT, g->sig_priv,
	    g->sig_privlen, &g->sk)) != POUCH_OK)
		return POUCH_E_MALFORMED;
	if ((rc = pouch_rd_u32(r, &g->retain)) != POUCH_OK ||
	    (rc = pouch_rd_u8(r, &set)) != POUCH_OK)
		return rc;
	if (set > 1 || g->retain > RETAIN_MAX || (!set && g->retain != 0))
		return POUCH_E_MALFORMED;
	g->retain_set = set;
	return POUCH_OK;
}

/* Our signature key is the one our leaf carries. */
static int
check_sig_key(const struct pouch_mls_group *g)
{
	const struct pouch_mls_leaf_node *ln;
	uint8_t pub[POUCH_SIG_PUB_MAX];
	size_t n = pouch_sig_pub_len(g->s->sig);
	int rc;

	ln = pouch_mls_tree_leaf(g->cur.tree, g->cur.me);
	if ((rc = pouch_sig_pub_from_priv(g->c, g->s->sig, g->sig_priv,
	    pub)) != POUCH_OK)
		return POUCH_E_MALFORMED;
	/* public keys */
	if (ln == NULL || ln->signature_key.n != n ||
	    memcmp(ln->signature_key.p, pub, n) != 0)	/* checksrc: allow */
		return POUCH_E_MALFORMED;
	return POUCH_OK;
}

int
pouch_mls_group_load(const struct pouch_crypto *c, const uint8_t *buf,
    size_t len, struct pouch_mls_group **out)
{
	struct pouch_mls_group *g = NULL;
	struct epoch *e = NULL;
	struct pouch_rd r;
	uint16_t version = 0;
	uint8_t has;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (c == NULL || buf == NULL || out == NULL)
		return POUCH_E_MISUSE;
	if ((g = OPENSSL_zalloc(sizeof(*g))) == NULL)
		return POUCH_E_NOMEM;
	pouch_rd_init(&r, buf, len);
	if ((rc = head_load(&r, c, g, &version)) != POUCH_OK ||
	    (rc = epoch_load(&r, g, EPOCH_CUR, &e)) != POUCH_OK)
		goto out;
	g->cur = *e;
	OPENSSL_clear_free(e, sizeof(*e));
	e = NULL;
	if ((rc = check_sig_key(g)) != POUCH_OK)
		goto out;
	if ((rc = pouch_rd_u8(&r, &has)) != POUCH_OK)
		goto out;
	rc = POUCH_E_MALFORMED;
	if (has > 1 || (has && g->cur.removed))
		goto out;
	if (has && (rc = epoch_load(&r, g, EPOCH_CUR, &g->pending)) !=
	    POUCH_OK)
		goto out;
	rc = POUCH_E_MALFORMED;
	if (g->pending != NULL && (g->pending->removed ||
	    g->pending->epoch != g->cur.epoch + 1))
		goto out;
	if ((rc = cache_load(&r, g)) != POUCH_OK ||
	    (rc = psks_load(&r, g)) != POUCH_OK ||
	    (rc = rpsk_load(&r, g)) != POUCH_OK ||
	    (rc = old_load(&r, g)) != POUCH_OK ||
	    (rc = upd_load(&r, g)) != POUCH_OK)
		goto out;
	if (version >= 3 && ((rc = reinit_load(&r, &g->cur.reinit)) !=
	    POUCH_OK || (g->pending != NULL && (rc = reinit_load(&r,
	    &g->pending->reinit)) != POUCH_OK)))
		goto out;
	if ((rc = pouch_rd_done(&r)) != POUCH_OK)
		goto out;
	*out = g;
	g = NULL;
out:
	pouch_mls_group_epoch_free(e);
	pouch_mls_group_free(g);
	return rc;
}
