/*
 * group_fixture.h - a small group of members driven through the internal
 * engine (mls/group.h), for test_group_state.c, test_group_retention.c
 * and test_group_reinit.c; with FX_WORLD also the member world of
 * test_group_external.c and test_group_proposals.c.  Include after
 * cmocka.h.
 */
#ifndef POUCH_TEST_GROUP_FIXTURE_H
#define POUCH_TEST_GROUP_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pouch/err.h>

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "mls/group.h"
#include "mls/keypackage.h"

#define FX_MAXM	4
#define FX_NOW	1500

struct fx_mem {
	uint8_t			 sig_priv[POUCH_SIG_PRIV_MAX];
	uint8_t			 sig_pub[POUCH_SIG_PUB_MAX];
	char			 id[16];
	struct pouch_mls_kp_out	 kp;
	struct pouch_mls_group	*g;
};

struct fx {
	struct pouch_crypto		*c;
	const struct pouch_mls_suite	*s;
	struct fx_mem			 m[FX_MAXM];
};

static inline void
fx_kp(struct fx *f, int i)
{
	struct pouch_mls_kp_params p;
	struct fx_mem *m = &f->m[i];

	pouch_mls_kp_out_clear(&m->kp);
	memset(&p, 0, sizeof(p));
	p.s = f->s;
	p.identity = (const uint8_t *)m->id;
	p.identitylen = strlen(m->id);
	p.sig_priv = m->sig_priv;
	p.sig_privlen = pouch_sig_priv_len(f->s->sig);
	p.sig_pub = m->sig_pub;
	p.sig_publen = pouch_sig_pub_len(f->s->sig);
	p.not_before = 1000;
	p.not_after = 2000;
	assert_int_equal(pouch_mls_key_package_create(f->c, &p, &m->kp),
	    POUCH_OK);
}

static inline struct pouch_mls_member_keys
fx_keys(const struct fx *f, int i)
{
	const struct fx_mem *m = &f->m[i];

	return pouch_mls_member_keys_of(f->s, &m->kp, m->sig_priv);
}

static inline struct fx *
fx_new_suite(uint16_t suite)
{
	struct fx *f;
	int i;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(pouch_crypto_new(&f->c), POUCH_OK);
	f->s = pouch_mls_suite_get(suite);
	assert_non_null(f->s);
	for (i = 0; i < FX_MAXM; i++) {
		assert_int_equal(pouch_sig_keygen(f->c, f->s->sig,
		    f->m[i].sig_priv, f->m[i].sig_pub), POUCH_OK);
		snprintf(f->m[i].id, sizeof(f->m[i].id), "member-%d", i);
		fx_kp(f, i);
	}
	return f;
}

static inline struct fx *
fx_new(void)
{
	return fx_new_suite(1);
}

static inline void
fx_free(struct fx *f)
{
	int i;

	for (i = 0; i < FX_MAXM; i++) {
		pouch_mls_group_free(f->m[i].g);
		pouch_mls_kp_out_clear(&f->m[i].kp);
	}
	pouch_crypto_free(f->c);
	free(f);
}

/*
 * With POUCH_GROUP_STATE_CORPUS set to a directory, the saved state b
 * is written there as name, a seed of the loader's fuzz target
 * (fuzz/corpus/mls_group_state).
 */
static inline void
fx_corpus_write(const char *name, const uint8_t *b, size_t n)
{
	const char *dir = getenv("POUCH_GROUP_STATE_CORPUS");
	char path[512];
	FILE *fp;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "wb")) == NULL)
		return;
	if (fwrite(b, 1, n, fp) != n)
		fprintf(stderr, "short write %s\n", path);
	fclose(fp);
}

static inline void
fx_create(struct fx *f, int i)
{
	struct pouch_mls_member_keys k = fx_keys(f, i);

	assert_int_equal(pouch_mls_group_create(f->c, f->s,
	    (const uint8_t *)"fixture", 7, &k, FX_NOW, &f->m[i].g), POUCH_OK);
}

/* Deliver a commit to every live member but the committer. */
static inline void
fx_deliver(struct fx *f, int from, const uint8_t *cm, size_t cmlen)
{
	int j;

	for (j = 0; j < FX_MAXM; j++)
		if (j != from && f->m[j].g != NULL &&
		    !pouch_mls_group_removed(f->m[j].g))
			assert_int_equal(pouch_mls_group_process(f->m[j].g, cm,
			    cmlen, FX_NOW), POUCH_OK);
}

/* Member from adds member who (fresh KeyPackage); who joins. */
static inline void
fx_add(struct fx *f, int from, int who)
{
	struct pouch_mls_commit_req req;
	struct pouch_mls_member_keys k;
	const uint8_t *adds[1];
	size_t addlens[1];
	uint8_t *cm, *wl;
	size_t cmlen, wllen;

	adds[0] = f->m[who].kp.kp;
	addlens[0] = f->m[who].kp.kplen;
	memset(&req, 0, sizeof(req));
	req.adds = adds;
	req.addlens = addlens;
	req.nadds = 1;
	req.now = FX_NOW;
	assert_int_equal(pouch_mls_group_commit(f->m[from].g, &req, &cm,
	    &cmlen, &wl, &wllen), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(f->m[from].g),
	    POUCH_OK);
	fx_deliver(f, from, cm, cmlen);
	k = fx_keys(f, who);
	assert_int_equal(pouch_mls_group_join(f->c, f->s, &k, wl, wllen, NULL,
	    FX_NOW, &f->m[who].g), POUCH_OK);
	pouch_wr_buf_free(cm, cmlen);
	pouch_wr_buf_free(wl, wllen);
}

/* Member from commits (removing leaf rm when rm >= 0), merges, and
 * every other member processes it. */
static inline void
fx_commit(struct fx *f, int from, int rm)
{
	struct pouch_mls_commit_req req;
	uint32_t removes[1];
	uint8_t *cm, *wl;
	size_t cmlen, wllen;

	memset(&req, 0, sizeof(req));
	req.now = FX_NOW;
	if (rm >= 0) {
		removes[0] = (uint32_t)rm;
		req.removes = removes;
		req.nremoves = 1;
	}
	assert_int_equal(pouch_mls_group_commit(f->m[from].g, &req, &cm,
	    &cmlen, &wl, &wllen), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(f->m[from].g),
	    POUCH_OK);
	fx_deliver(f, from, cm, cmlen);
	pouch_wr_buf_free(cm, cmlen);
}

/* An application message from member i. */
static inline void
fx_send(struct fx *f, int i, const char *text, uint8_t **ct, size_t *ctlen)
{
	assert_int_equal(pouch_mls_group_encrypt(f->m[i].g, NULL, 0,
	    (const uint8_t *)text, strlen(text), ct, ctlen), POUCH_OK);
}

/* g decrypts ct and gets text. */
static inline void
fx_recv(struct pouch_mls_group *g, const uint8_t *ct, size_t ctlen,
    const char *text)
{
	uint8_t *pt;
	size_t ptlen;
	uint32_t from;

	assert_int_equal(pouch_mls_group_decrypt(g, ct, ctlen, &pt, &ptlen,
	    &from), POUCH_OK);
	assert_int_equal(ptlen, strlen(text));
	assert_memory_equal(pt, text, ptlen);
	pouch_wr_buf_free(pt, ptlen);
}

/* g fails to decrypt ct with rc. */
static inline void
fx_recv_fails(struct pouch_mls_group *g, const uint8_t *ct, size_t ctlen,
    int rc)
{
	uint8_t *pt;
	size_t ptlen;
	uint32_t from;

	assert_int_equal(pouch_mls_group_decrypt(g, ct, ctlen, &pt, &ptlen,
	    &from), rc);
	assert_null(pt);
}

/* A copy of g through save and load. */
static inline struct pouch_mls_group *
fx_reload(struct fx *f, const struct pouch_mls_group *g)
{
	struct pouch_mls_group *x;
	uint8_t *b;
	size_t n;

	assert_int_equal(pouch_mls_group_save(g, &b, &n), POUCH_OK);
	assert_int_equal(pouch_mls_group_load(f->c, b, n, &x), POUCH_OK);
	pouch_wr_buf_free(b, n);
	return x;
}

/*
 * The "world" of test_group_external.c and test_group_proposals.c
 * (define FX_WORLD before including): members ALICE .. EVE of suite 1
 * as cmocka state, with a simulated server's signature key (external
 * sender 0 when create() asks for it), and helpers that commit,
 * process, join and check that everyone agrees and can talk.
 */
#ifdef FX_WORLD

#define NM	5
#define NOW	1500
#define ALICE	0
#define BOB	1
#define CAROL	2
#define DAVE	3
#define EVE	4

struct mem {
	uint8_t			 sig_priv[POUCH_SIG_PRIV_MAX];
	uint8_t			 sig_pub[POUCH_SIG_PUB_MAX];
	char			 id[16];
	struct pouch_mls_kp_out	 kp;
	struct pouch_mls_group	*g;
};

struct w {
	struct pouch_crypto		*c;
	const struct pouch_mls_suite	*s;
	struct mem			 m[NM];
	/* the simulated server: external sender 0 */
	uint8_t				 srv_priv[POUCH_SIG_PRIV_MAX];
	uint8_t				 srv_pub[POUCH_SIG_PUB_MAX];
};

static inline void
mem_kp(struct w *w, struct mem *m, uint64_t nb, uint64_t na)
{
	struct pouch_mls_kp_params p;

	pouch_mls_kp_out_clear(&m->kp);
	memset(&p, 0, sizeof(p));
	p.s = w->s;
	p.identity = (const uint8_t *)m->id;
	p.identitylen = strlen(m->id);
	p.sig_priv = m->sig_priv;
	p.sig_privlen = pouch_sig_priv_len(w->s->sig);
	p.sig_pub = m->sig_pub;
	p.sig_publen = pouch_sig_pub_len(w->s->sig);
	p.not_before = nb;
	p.not_after = na;
	assert_int_equal(pouch_mls_key_package_create(w->c, &p, &m->kp),
	    POUCH_OK);
}

static inline struct pouch_mls_member_keys
keys_of(const struct w *w, const struct mem *m)
{
	return pouch_mls_member_keys_of(w->s, &m->kp, m->sig_priv);
}

static inline int
setup(void **state)
{
	struct w *w;
	int i;

	w = calloc(1, sizeof(*w));
	assert_non_null(w);
	assert_int_equal(pouch_crypto_new(&w->c), POUCH_OK);
	w->s = pouch_mls_suite_get(1);
	assert_non_null(w->s);
	for (i = 0; i < NM; i++) {
		assert_int_equal(pouch_sig_keygen(w->c, w->s->sig,
		    w->m[i].sig_priv, w->m[i].sig_pub), POUCH_OK);
		snprintf(w->m[i].id, sizeof(w->m[i].id), "member-%d", i);
		mem_kp(w, &w->m[i], 1000, 2000);
	}
	assert_int_equal(pouch_sig_keygen(w->c, w->s->sig, w->srv_priv,
	    w->srv_pub), POUCH_OK);
	*state = w;
	return 0;
}

static inline int
teardown(void **state)
{
	struct w *w = *state;
	int i;

	for (i = 0; i < NM; i++) {
		pouch_mls_group_free(w->m[i].g);
		pouch_mls_kp_out_clear(&w->m[i].kp);
	}
	pouch_crypto_free(w->c);
	free(w);
	return 0;
}

static inline int
live(const struct w *w, int j)
{
	return w->m[j].g != NULL && !pouch_mls_group_removed(w->m[j].g);
}

/* Alice's group, with the server as external sender 0 when ext. */
static inline void
create(struct w *w, int ext)
{
	struct pouch_mls_member_keys k = keys_of(w, &w->m[ALICE]);
	struct pouch_mls_create_opts o;
	struct pouch_mls_ext_sender es;

	memset(&o, 0, sizeof(o));
	memset(&es, 0, sizeof(es));
	es.sig_key = w->srv_pub;
	es.sig_keylen = pouch_sig_pub_len(w->s->sig);
	es.identity = (const uint8_t *)"pouchd";
	es.identitylen = 6;
	o.ext_senders = &es;
	o.next_senders = ext ? 1 : 0;
	assert_int_equal(pouch_mls_group_create_opts(w->c, w->s,
	    (const uint8_t *)"prop group", 10, &k, &o, NOW, &w->m[ALICE].g),
	    POUCH_OK);
}

/* Every live member agrees with member i; all exchange a message. */
static inline void
agree_chat(struct w *w, int i)
{
	uint8_t a0[64], t0[64], a[64], t[64], *ct, *pt;
	size_t ctlen, ptlen;
	uint32_t from;
	int j, k;

	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[i].g, a0),
	    POUCH_OK);
	assert_int_equal(pouch_mls_group_tree_hash(w->m[i].g, t0), POUCH_OK);
	for (j = 0; j < NM; j++) {
		if (!live(w, j))
			continue;
		assert_int_equal(pouch_mls_group_epoch(w->m[j].g),
		    pouch_mls_group_epoch(w->m[i].g));
		assert_int_equal(pouch_mls_group_epoch_authenticator(
		    w->m[j].g, a), POUCH_OK);
		assert_memory_equal(a, a0, w->s->nh);
		assert_int_equal(pouch_mls_group_tree_hash(w->m[j].g, t),
		    POUCH_OK);
		assert_memory_equal(t, t0, w->s->nh);
		assert_int_equal(pouch_mls_group_encrypt(w->m[j].g, NULL, 0,
		    (const uint8_t *)"hi", 2, &ct, &ctlen), POUCH_OK);
		for (k = 0; k < NM; k++) {
			if (k == j || !live(w, k))
				continue;
			assert_int_equal(pouch_mls_group_decrypt(w->m[k].g,
			    ct, ctlen, &pt, &ptlen, &from), POUCH_OK);
			assert_int_equal(from, pouch_mls_group_leaf(w->m[j].g));
			assert_int_equal(ptlen, 2);
			assert_memory_equal(pt, "hi", 2);
			pouch_wr_buf_free(pt, ptlen);
		}
		pouch_wr_buf_free(ct, ctlen);
	}
}

/*
 * Member i commits req; every other live member but skip processes it
 * (expecting OK), i merges, a Welcome is joined by member joiner (>= 0).
 */
static inline void
commit_all(struct w *w, int i, struct pouch_mls_commit_req *req,
    int joiner)
{
	struct pouch_mls_member_keys k;
	uint8_t *cm = NULL, *wl = NULL;
	size_t cmlen, wllen;
	int j;

	req->now = NOW;
	assert_int_equal(pouch_mls_group_commit(w->m[i].g, req, &cm, &cmlen,
	    &wl, &wllen), POUCH_OK);
	assert_true((wl != NULL) == (joiner >= 0));
	for (j = 0; j < NM; j++) {
		if (j == i || !live(w, j))
			continue;
		assert_int_equal(pouch_mls_group_process(w->m[j].g, cm, cmlen,
		    NOW), POUCH_OK);
	}
	assert_int_equal(pouch_mls_group_merge_pending(w->m[i].g), POUCH_OK);
	if (joiner >= 0) {
		k = keys_of(w, &w->m[joiner]);
		assert_int_equal(pouch_mls_group_join(w->c, w->s, &k, wl,
		    wllen, NULL, NOW, &w->m[joiner].g), POUCH_OK);
	}
	pouch_wr_buf_free(cm, cmlen);
	pouch_wr_buf_free(wl, wllen);
}

/* Alice adds member x by value. */
static inline void
add(struct w *w, int x)
{
	struct pouch_mls_commit_req req;
	const uint8_t *kpb = w->m[x].kp.kp;
	size_t kplen = w->m[x].kp.kplen;

	memset(&req, 0, sizeof(req));
	req.adds = &kpb;
	req.addlens = &kplen;
	req.nadds = 1;
	commit_all(w, ALICE, &req, x);
}

#endif /* FX_WORLD */

#endif /* POUCH_TEST_GROUP_FIXTURE_H */
