/*
 * test_group_sim.c - mls/group and mls/keypackage: deterministic group
 * simulations of 2, 3 and 10 members and a seeded random run.  After
 * every commit each remaining member has the same epoch, epoch
 * authenticator and tree hash; hostile or stale commits are rejected
 * without changing anything; a commit race resolves to the commit the
 * (simulated) server ordered first.  The operation order comes
 * from a seeded generator, so a failure replays exactly.
 *
 * Application messages: after every commit each member sends one
 * PrivateMessage that every other member decrypts; a replay is REPLAY; a
 * member just removed cannot decrypt the next epoch's messages; after a
 * self-update by X, X's state from before the commit cannot read the new
 * epoch (post-compromise security), even with the epoch field rewritten
 * to its own epoch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pouch/err.h>

#include "crypto/crypto.h"
#include "mls/group.h"
#include "mls/keypackage.h"
#include "mls/msg.h"

/*
 * The cipher suite the simulations run in; test_group_sim_hybrid.c
 * defines it before including this file.
 */
#ifndef SIM_SUITE
#define SIM_SUITE	1
#endif

#define MAXM	10
#define NOW	1500

struct mem {
	uint8_t				 sig_priv[POUCH_SIG_PRIV_MAX];
	uint8_t				 sig_pub[POUCH_SIG_PUB_MAX];
	char				 id[16];
	struct pouch_mls_kp_out		 kp;
	struct pouch_mls_group		*g;
};

struct sim {
	struct pouch_crypto		*c;
	const struct pouch_mls_suite	*s;
	struct mem			 m[MAXM];
	uint64_t			 rng;
};

/* xorshift64: the simulation's only source of choices. */
static uint32_t
pick(struct sim *w, uint32_t n)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return (uint32_t)(w->rng % n);
}

static void
mem_kp(struct sim *w, struct mem *m, uint64_t nb, uint64_t na,
    int last_resort)
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
	p.last_resort = last_resort;
	assert_int_equal(pouch_mls_key_package_create(w->c, &p, &m->kp),
	    POUCH_OK);
}

static void
mem_init(struct sim *w, int i)
{
	struct mem *m = &w->m[i];

	pouch_mls_group_free(m->g);
	m->g = NULL;
	assert_int_equal(pouch_sig_keygen(w->c, w->s->sig, m->sig_priv,
	    m->sig_pub), POUCH_OK);
	snprintf(m->id, sizeof(m->id), "member-%d", i);
	mem_kp(w, m, 1000, 2000, 0);
}

static struct pouch_mls_member_keys
keys_of(const struct sim *w, const struct mem *m)
{
	return pouch_mls_member_keys_of(w->s, &m->kp, m->sig_priv);
}

static int
setup(void **state)
{
	struct sim *w;
	int i;

	w = calloc(1, sizeof(*w));
	assert_non_null(w);
	assert_int_equal(pouch_crypto_new(&w->c), POUCH_OK);
	w->s = pouch_mls_suite_get(SIM_SUITE);
	assert_non_null(w->s);
	w->rng = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < MAXM; i++)
		mem_init(w, i);
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct sim *w = *state;
	int i;

	for (i = 0; i < MAXM; i++) {
		pouch_mls_group_free(w->m[i].g);
		pouch_mls_kp_out_clear(&w->m[i].kp);
	}
	pouch_crypto_free(w->c);
	free(w);
	return 0;
}

static void
create(struct sim *w, int i)
{
	struct pouch_mls_member_keys k = keys_of(w, &w->m[i]);

	assert_int_equal(pouch_mls_group_create(w->c, w->s,
	    (const uint8_t *)"sim group", 9, &k, NOW, &w->m[i].g), POUCH_OK);
}

/* Every member with a group (and not removed) agrees with member i. */
static void
agree(struct sim *w, int i)
{
	uint8_t a0[64], t0[64], a[64], t[64];
	int j;

	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[i].g, a0),
	    POUCH_OK);
	assert_int_equal(pouch_mls_group_tree_hash(w->m[i].g, t0), POUCH_OK);
	for (j = 0; j < MAXM; j++) {
		if (j == i || w->m[j].g == NULL ||
		    pouch_mls_group_removed(w->m[j].g))
			continue;
		assert_int_equal(pouch_mls_group_epoch(w->m[j].g),
		    pouch_mls_group_epoch(w->m[i].g));
		assert_int_equal(pouch_mls_group_epoch_authenticator(
		    w->m[j].g, a), POUCH_OK);
		assert_memory_equal(a, a0, w->s->nh);
		assert_int_equal(pouch_mls_group_tree_hash(w->m[j].g, t),
		    POUCH_OK);
		assert_memory_equal(t, t0, w->s->nh);
	}
}

static int
live(const struct sim *w, int j)
{
	return w->m[j].g != NULL && !pouch_mls_group_removed(w->m[j].g);
}

/*
 * Every live member sends one application message; every other live
 * member decrypts it, the first receiver twice (REPLAY); member gone
 * (if >= 0, just removed) fails to decrypt each.
 */
static void
chat(struct sim *w, int gone)
{
	uint8_t *ct, *pt;
	size_t ctlen, ptlen;
	uint32_t from;
	char text[64];
	int i, j, n, first;

	for (i = 0; i < MAXM; i++) {
		if (!live(w, i))
			continue;
		n = snprintf(text, sizeof(text), "hello from %d in epoch %llu",
		    i, (unsigned long long)pouch_mls_group_epoch(w->m[i].g));
		assert_int_equal(pouch_mls_group_encrypt(w->m[i].g,
		    (const uint8_t *)"ad", 2, (const uint8_t *)text, (size_t)n,
		    &ct, &ctlen), POUCH_OK);
		first = 1;
		for (j = 0; j < MAXM; j++) {
			if (j == i || !live(w, j))
				continue;
			assert_int_equal(pouch_mls_group_decrypt(w->m[j].g, ct,
			    ctlen, &pt, &ptlen, &from), POUCH_OK);
			assert_int_equal(ptlen, (size_t)n);
			assert_memory_equal(pt, text, ptlen);
			assert_int_equal(from, pouch_mls_group_leaf(w->m[i].g));
			pouch_wr_buf_free(pt, ptlen);
			if (first) {
				assert_int_equal(pouch_mls_group_decrypt(
				    w->m[j].g, ct, ctlen, &pt, &ptlen, &from),
				    POUCH_E_REPLAY);
				assert_null(pt);
				first = 0;
			}
		}
		if (gone >= 0) {
			assert_int_not_equal(pouch_mls_group_decrypt(
			    w->m[gone].g, ct, ctlen, &pt, &ptlen, &from),
			    POUCH_OK);
			assert_null(pt);
		}
		pouch_wr_buf_free(ct, ctlen);
	}
}

/*
 * PCS after member x's self-update, x not yet merged: x's old state
 * cannot decrypt a new-epoch message from member y, neither as sent
 * (WRONG_EPOCH) nor with its epoch field rewritten to the old epoch
 * (the old sender-data secret does not open it: DECRYPT).
 */
static void
pcs_check(struct sim *w, int x, int y)
{
	uint8_t *ct, *pt;
	size_t ctlen, ptlen;
	uint32_t from;
	uint64_t old = pouch_mls_group_epoch(w->m[x].g);
	int k;

	assert_int_equal(pouch_mls_group_epoch(w->m[y].g), old + 1);
	assert_int_equal(pouch_mls_group_encrypt(w->m[y].g, NULL, 0,
	    (const uint8_t *)"after update", 12, &ct, &ctlen), POUCH_OK);
	assert_int_equal(pouch_mls_group_decrypt(w->m[x].g, ct, ctlen, &pt,
	    &ptlen, &from), POUCH_E_WRONG_EPOCH);
	/* MLSMessage: version, wire_format, group_id<V> "sim group", epoch */
	assert_true(ctlen > 22 && ct[4] == 9);
	for (k = 0; k < 8; k++)
		ct[14 + k] = (uint8_t)(old >> (56 - 8 * k));
	assert_int_equal(pouch_mls_group_decrypt(w->m[x].g, ct, ctlen, &pt,
	    &ptlen, &from), POUCH_E_DECRYPT);
	assert_null(pt);
	pouch_wr_buf_free(ct, ctlen);
}

/*
 * Member i commits (add member `add` if >= 0, remove leaf `rm` if
 * >= 0); the server accepts it: i merges, every other member processes
 * it, the added member joins.
 */
static void
round_trip(struct sim *w, int i, int add, int rm)
{
	struct pouch_mls_commit_req req;
	struct pouch_mls_member_keys k;
	const uint8_t *kpb;
	uint8_t *cm = NULL, *wl = NULL;
	size_t cmlen, wllen, kplen;
	uint32_t r;
	int j, gone = -1, y = -1;

	memset(&req, 0, sizeof(req));
	req.now = NOW;
	if (add >= 0) {
		kpb = w->m[add].kp.kp;
		kplen = w->m[add].kp.kplen;
		req.adds = &kpb;
		req.addlens = &kplen;
		req.nadds = 1;
	}
	if (rm >= 0) {
		r = (uint32_t)rm;
		req.removes = &r;
		req.nremoves = 1;
	}
	assert_int_equal(pouch_mls_group_commit(w->m[i].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_OK);
	assert_true((wl != NULL) == (add >= 0));
	for (j = 0; j < MAXM; j++) {
		if (j == i || j == add || !live(w, j))
			continue;
		assert_int_equal(pouch_mls_group_process(w->m[j].g, cm, cmlen,
		    NOW), POUCH_OK);
		if (pouch_mls_group_removed(w->m[j].g))
			gone = j;
		else if (y < 0)
			y = j;
	}
	if (add < 0 && rm < 0 && y >= 0)
		pcs_check(w, i, y);
	assert_int_equal(pouch_mls_group_merge_pending(w->m[i].g), POUCH_OK);
	if (add >= 0) {
		k = keys_of(w, &w->m[add]);
		assert_int_equal(pouch_mls_group_join(w->c, w->s, &k, wl,
		    wllen, NULL, NOW, &w->m[add].g), POUCH_OK);
	}
	pouch_wr_buf_free(cm, cmlen);
	pouch_wr_buf_free(wl, wllen);
	agree(w, i);
	chat(w, gone);
}

static void
group_sim_two_members(void **state)
{
	struct sim *w = *state;

	create(w, 0);
	assert_int_equal(pouch_mls_group_epoch(w->m[0].g), 0);
	round_trip(w, 0, 1, -1);		/* A adds B */
	assert_int_equal(pouch_mls_group_epoch(w->m[1].g), 1);
	assert_int_equal(pouch_mls_group_leaf(w->m[1].g), 1);
	round_trip(w, 0, -1, -1);		/* A updates */
	round_trip(w, 1, -1, -1);		/* B updates */
	assert_int_equal(pouch_mls_group_members(w->m[1].g), 2);
	assert_int_equal(pouch_mls_group_epoch(w->m[0].g), 3);
}

static void
group_sim_three_members(void **state)
{
	struct sim *w = *state;

	create(w, 0);
	round_trip(w, 0, 1, -1);		/* A adds B */
	round_trip(w, 1, 2, -1);		/* B adds C */
	round_trip(w, 2, -1, -1);		/* C updates */
	round_trip(w, 0, -1, 1);		/* A removes B */
	assert_true(pouch_mls_group_removed(w->m[1].g));
	assert_int_equal(pouch_mls_group_members(w->m[2].g), 2);
	round_trip(w, 2, -1, -1);		/* C updates */
	/* B, removed, can neither commit nor process. */
	assert_int_equal(pouch_mls_group_epoch(w->m[0].g), 5);
}

/* Ten members, added one by one; each then updates once, in a seeded
 * order; then every other one is removed. */
static void
group_sim_ten_members(void **state)
{
	struct sim *w = *state;
	int i, j, done[MAXM];

	create(w, 0);
	for (i = 1; i < MAXM; i++)
		round_trip(w, (int)pick(w, (uint32_t)i), i, -1);
	assert_int_equal(pouch_mls_group_members(w->m[0].g), MAXM);
	memset(done, 0, sizeof(done));
	for (i = 0; i < MAXM; i++) {
		do
			j = (int)pick(w, MAXM);
		while (done[j]);
		done[j] = 1;
		round_trip(w, j, -1, -1);
	}
	for (i = 1; i < MAXM; i += 2)
		round_trip(w, 0, -1, (int)pouch_mls_group_leaf(w->m[i].g));
	assert_int_equal(pouch_mls_group_members(w->m[0].g), MAXM / 2);
	assert_int_equal(pouch_mls_group_epoch(w->m[8].g), 9 + 10 + 5);
}

/* Seeded random adds, removes and updates among up to MAXM members. */
static void
group_sim_random(void **state)
{
	struct sim *w = *state;
	int in[MAXM], n = 1, step, i, j, k, op;

	memset(in, 0, sizeof(in));
	create(w, 0);
	in[0] = 1;
	for (step = 0; step < 24; step++) {
		do
			i = (int)pick(w, MAXM);
		while (!in[i]);
		op = (int)pick(w, 3);
		if (op == 0 && n < MAXM) {
			for (j = 0; in[j]; j++)
				;
			mem_init(w, j);
			round_trip(w, i, j, -1);
			in[j] = 1;
			n++;
		} else if (op == 1 && n > 2) {
			do
				j = (int)pick(w, MAXM);
			while (!in[j] || j == i);
			k = (int)pouch_mls_group_leaf(w->m[j].g);
			round_trip(w, i, -1, k);
			assert_true(pouch_mls_group_removed(w->m[j].g));
			pouch_mls_group_free(w->m[j].g);
			w->m[j].g = NULL;
			in[j] = 0;
			n--;
		} else
			round_trip(w, i, -1, -1);
		assert_int_equal(pouch_mls_group_members(w->m[i].g),
		    (uint32_t)n);
	}
}

static void
group_sim_rejects_and_races(void **state)
{
	struct sim *w = *state;
	struct pouch_mls_commit_req req;
	uint8_t *ca = NULL, *cb = NULL, *cx = NULL, *wl = NULL;
	uint8_t a0[64], a1[64];
	size_t calen, cblen, cxlen, wllen;

	create(w, 0);
	round_trip(w, 0, 1, -1);
	round_trip(w, 1, 2, -1);
	memset(&req, 0, sizeof(req));
	req.now = NOW;
	/* A and B commit in the same epoch; the server orders A first. */
	assert_int_equal(pouch_mls_group_commit(w->m[0].g, &req, &ca, &calen,
	    &wl, &wllen), POUCH_OK);
	assert_int_equal(pouch_mls_group_commit(w->m[1].g, &req, &cb, &cblen,
	    &wl, &wllen), POUCH_OK);
	assert_int_equal(pouch_mls_group_commit(w->m[1].g, &req, &cx, &cxlen,
	    &wl, &wllen), POUCH_E_STATE);
	assert_null(cx);
	/* A tampered commit changes nothing at C. */
	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[2].g, a0),
	    POUCH_OK);
	ca[calen - 5] ^= 1;
	assert_int_not_equal(pouch_mls_group_process(w->m[2].g, ca, calen,
	    NOW), POUCH_OK);
	ca[calen - 5] ^= 1;
	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[2].g, a1),
	    POUCH_OK);
	assert_memory_equal(a0, a1, w->s->nh);
	assert_int_equal(pouch_mls_group_epoch(w->m[2].g), 2);
	/* The winner's commit is processed; B's pending one is dropped. */
	assert_int_equal(pouch_mls_group_merge_pending(w->m[0].g), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(w->m[1].g, ca, calen, NOW),
	    POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(w->m[1].g),
	    POUCH_E_STATE);
	assert_int_equal(pouch_mls_group_process(w->m[2].g, ca, calen, NOW),
	    POUCH_OK);
	agree(w, 0);
	/* The loser's commit is for an old epoch now. */
	assert_int_equal(pouch_mls_group_process(w->m[2].g, cb, cblen, NOW),
	    POUCH_E_WRONG_EPOCH);
	/* Replaying the winner is stale too. */
	assert_int_equal(pouch_mls_group_process(w->m[2].g, ca, calen, NOW),
	    POUCH_E_WRONG_EPOCH);
	pouch_wr_buf_free(ca, calen);
	pouch_wr_buf_free(cb, cblen);
	/* B re-proposes in the new epoch. */
	round_trip(w, 1, -1, -1);
}

static void
group_sim_key_packages(void **state)
{
	struct sim *w = *state;
	struct pouch_mls_commit_req req;
	struct pouch_mls_key_package kp;
	struct pouch_mls_arena a;
	const uint8_t *kpb;
	uint8_t *cm = NULL, *wl = NULL, a0[64], a1[64];
	size_t cmlen, wllen, kplen;

	pouch_mls_arena_init_limits(&a, NULL);
	mem_kp(w, &w->m[3], 1000, 2000, 1);
	assert_int_equal(pouch_mls_key_package_from_bytes(&a, NULL,
	    w->m[3].kp.kp, w->m[3].kp.kplen, &kp), POUCH_OK);
	assert_int_equal(pouch_mls_key_package_verify(w->c, w->s, &kp),
	    POUCH_OK);
	assert_true(pouch_mls_key_package_is_last_resort(&kp));
	assert_int_equal(kp.leaf_node.lifetime.not_after, 2000);
	assert_int_equal(pouch_mls_key_package_verify(w->c,
	    pouch_mls_suite_get(2), &kp), POUCH_E_WRONG_SUITE);
	kp.init_key = kp.leaf_node.encryption_key;
	assert_int_equal(pouch_mls_key_package_verify(w->c, w->s, &kp),
	    POUCH_E_DUP_ENCRYPTION_KEY);
	pouch_mls_arena_free(&a);
	/* An expired KeyPackage cannot be added; nothing changes. */
	create(w, 0);
	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[0].g, a0),
	    POUCH_OK);
	mem_kp(w, &w->m[4], 100, 200, 0);
	memset(&req, 0, sizeof(req));
	req.now = NOW;
	kpb = w->m[4].kp.kp;
	kplen = w->m[4].kp.kplen;
	req.adds = &kpb;
	req.addlens = &kplen;
	req.nadds = 1;
	assert_int_equal(pouch_mls_group_commit(w->m[0].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_E_LIFETIME);
	assert_null(cm);
	assert_null(wl);
	assert_int_equal(pouch_mls_group_merge_pending(w->m[0].g),
	    POUCH_E_STATE);
	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[0].g, a1),
	    POUCH_OK);
	assert_memory_equal(a0, a1, w->s->nh);
	/* The last-resort KeyPackage is added like any other. */
	round_trip(w, 0, 3, -1);
}

/* Application messages at the edges: epochs, tampering, order, misuse. */
static void
group_sim_app_messages(void **state)
{
	struct sim *w = *state;
	struct pouch_mls_commit_req req;
	uint8_t *m1, *m2, *old, *cm, *wl, *pt;
	size_t m1len, m2len, oldlen, cmlen, wllen, ptlen;
	uint32_t from;

	create(w, 0);
	round_trip(w, 0, 1, -1);
	round_trip(w, 1, 2, -1);
	/* out of order, and an empty message */
	assert_int_equal(pouch_mls_group_encrypt(w->m[0].g, NULL, 0,
	    (const uint8_t *)"one", 3, &m1, &m1len), POUCH_OK);
	assert_int_equal(pouch_mls_group_encrypt(w->m[0].g, NULL, 0, NULL, 0,
	    &m2, &m2len), POUCH_OK);
	assert_int_equal(pouch_mls_group_decrypt(w->m[1].g, m2, m2len, &pt,
	    &ptlen, &from), POUCH_OK);
	assert_int_equal(ptlen, 0);
	assert_int_equal(from, 0);
	pouch_wr_buf_free(pt, ptlen);
	/* tampering is refused and consumes nothing */
	m1[m1len - 3] ^= 1;
	assert_int_equal(pouch_mls_group_decrypt(w->m[1].g, m1, m1len, &pt,
	    &ptlen, &from), POUCH_E_DECRYPT);
	assert_null(pt);
	m1[m1len - 3] ^= 1;
	assert_int_equal(pouch_mls_group_decrypt(w->m[1].g, m1, m1len, &pt,
	    &ptlen, &from), POUCH_OK);
	assert_memory_equal(pt, "one", 3);
	pouch_wr_buf_free(pt, ptlen);
	/* our own message: its generation is used */
	assert_int_equal(pouch_mls_group_decrypt(w->m[0].g, m1, m1len, &pt,
	    &ptlen, &from), POUCH_E_REPLAY);
	/* handshake and application messages go to their own calls */
	assert_int_not_equal(pouch_mls_group_process(w->m[2].g, m1, m1len,
	    NOW), POUCH_OK);
	assert_int_equal(pouch_mls_group_decrypt(w->m[2].g, m1, m1len, &pt,
	    &ptlen, &from), POUCH_OK);
	pouch_wr_buf_free(pt, ptlen);
	memset(&req, 0, sizeof(req));
	req.now = NOW;
	assert_int_equal(pouch_mls_group_commit(w->m[2].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_OK);
	assert_int_equal(pouch_mls_group_decrypt(w->m[0].g, cm, cmlen, &pt,
	    &ptlen, &from), POUCH_E_UNSUPPORTED);
	/* a pending commit does not change the epoch messages are for */
	assert_int_equal(pouch_mls_group_encrypt(w->m[2].g, NULL, 0,
	    (const uint8_t *)"late", 4, &old, &oldlen), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(w->m[2].g), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(w->m[0].g, cm, cmlen, NOW),
	    POUCH_OK);
	/* the old epoch is kept (retention): a late message decrypts */
	assert_int_equal(pouch_mls_group_decrypt(w->m[0].g, old, oldlen, &pt,
	    &ptlen, &from), POUCH_OK);
	assert_int_equal(ptlen, 4);
	assert_memory_equal(pt, "late", 4);
	pouch_wr_buf_free(pt, ptlen);
	assert_int_equal(pouch_mls_group_decrypt(w->m[0].g, NULL, 0, &pt,
	    &ptlen, &from), POUCH_E_MISUSE);
	pouch_wr_buf_free(m1, m1len);
	assert_int_equal(pouch_mls_group_encrypt(w->m[0].g, NULL, 1, NULL, 0,
	    &m1, &m1len), POUCH_E_MISUSE);
	assert_null(m1);
	pouch_wr_buf_free(m2, m2len);
	pouch_wr_buf_free(old, oldlen);
	pouch_wr_buf_free(cm, cmlen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(group_sim_two_members, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(group_sim_three_members, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(group_sim_ten_members, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(group_sim_random, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(group_sim_rejects_and_races,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(group_sim_key_packages, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(group_sim_app_messages, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
