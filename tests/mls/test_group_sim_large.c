/*
 * test_group_sim_large.c - mls/group: seeded simulations of groups of
 * N = 100 and N = 1,000 members (issue 5).  The group grows in batched
 * add commits, then runs a bounded number of random commits (a member
 * adds, updates or removes); after each commit every member that holds
 * a state has processed it and has the same epoch, epoch authenticator
 * and tree hash, and application messages from a sample of senders
 * decrypt at every other such member; a removed member is marked so.
 *
 * At N = 100 every member joins and holds a state.  At N = 1,000 the
 * tree has all 1,000 leaves (each a real KeyPackage, its commits and
 * paths of full size), but only a sample of members joins and processes
 * (joining validates the whole tree, ~1,000 signatures per joiner: all
 * 1,000 would take minutes under ASan).  POUCH_LONG=1 in the
 * environment runs the long variant: more rounds, and at N = 1,000 a
 * sample ten times larger (100 members with a state).
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

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "mls/group.h"
#include "mls/keypackage.h"

#define NOW		1500
/* members beyond N, for the adds of the random rounds */
#define SPARE		64
/* senders per round */
#define SENDERS		4

struct lm {
	uint8_t			 sig_priv[POUCH_SIG_PRIV_MAX];
	uint8_t			 sig_pub[POUCH_SIG_PUB_MAX];
	char			 id[16];
	struct pouch_mls_kp_out	 kp;
	struct pouch_mls_group	*g;	/* NULL: not (yet) holding a state */
	int			 full;	/* joins and processes */
	int			 in;	/* a leaf of the group */
};

struct big {
	struct pouch_crypto		*c;
	const struct pouch_mls_suite	*s;
	struct lm			*m;
	int				 n;	/* members ever made */
	int				 cap;
	uint64_t			 rng;
	int				 sends;	/* messages checked */
};

static uint32_t
pick(struct big *w, uint32_t n)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return (uint32_t)(w->rng % n);
}

static int
long_run(void)
{
	const char *e = getenv("POUCH_LONG");

	return e != NULL && e[0] != '\0' && e[0] != '0';
}

/* A fresh KeyPackage for member i. */
static void
fresh_kp(struct big *w, int i)
{
	struct pouch_mls_kp_params p;
	struct lm *m = &w->m[i];

	pouch_mls_kp_out_clear(&m->kp);
	memset(&p, 0, sizeof(p));
	p.s = w->s;
	p.identity = (const uint8_t *)m->id;
	p.identitylen = strlen(m->id);
	p.sig_priv = m->sig_priv;
	p.sig_privlen = pouch_sig_priv_len(w->s->sig);
	p.sig_pub = m->sig_pub;
	p.sig_publen = pouch_sig_pub_len(w->s->sig);
	p.not_before = 1000;
	p.not_after = 2000;
	assert_int_equal(pouch_mls_key_package_create(w->c, &p, &m->kp),
	    POUCH_OK);
}

static struct pouch_mls_member_keys
keys_of(const struct big *w, int i)
{
	struct pouch_mls_member_keys k;
	const struct lm *m = &w->m[i];

	memset(&k, 0, sizeof(k));
	k.kp = m->kp.kp;
	k.kplen = m->kp.kplen;
	k.sig_priv = m->sig_priv;
	k.sig_privlen = pouch_sig_priv_len(w->s->sig);
	k.init_priv = m->kp.init_priv;
	k.init_privlen = m->kp.init_privlen;
	k.enc_priv = m->kp.enc_priv;
	k.enc_privlen = m->kp.enc_privlen;
	return k;
}

/* A new member (full: it will join and process). */
static int
member_new(struct big *w, int full)
{
	struct lm *m;
	int i = w->n;

	assert_true(i < w->cap);
	m = &w->m[w->n++];
	assert_int_equal(pouch_sig_keygen(w->c, w->s->sig, m->sig_priv,
	    m->sig_pub), POUCH_OK);
	snprintf(m->id, sizeof(m->id), "m-%d", i);
	m->full = full;
	fresh_kp(w, i);
	return i;
}

static struct big *
big_new(int cap, uint64_t seed)
{
	struct big *w;

	w = calloc(1, sizeof(*w));
	assert_non_null(w);
	w->m = calloc((size_t)cap, sizeof(*w->m));
	assert_non_null(w->m);
	w->cap = cap;
	w->rng = seed;
	assert_int_equal(pouch_crypto_new(&w->c), POUCH_OK);
	w->s = pouch_mls_suite_get(1);
	assert_non_null(w->s);
	return w;
}

static void
big_free(struct big *w)
{
	int i;

	for (i = 0; i < w->n; i++) {
		pouch_mls_group_free(w->m[i].g);
		pouch_mls_kp_out_clear(&w->m[i].kp);
	}
	pouch_crypto_free(w->c);
	free(w->m);
	free(w);
}

static int
live(const struct big *w, int i)
{
	return w->m[i].g != NULL && !pouch_mls_group_removed(w->m[i].g);
}

/* A random live member with a state. */
static int
any_live(struct big *w)
{
	int i;

	do
		i = (int)pick(w, (uint32_t)w->n);
	while (!live(w, i));
	return i;
}

/* Every live member agrees with member i; count leaves are members. */
static void
agree(struct big *w, int i, uint32_t members)
{
	uint8_t a0[64], t0[64], a[64], t[64];
	int j;

	assert_int_equal(pouch_mls_group_members(w->m[i].g), members);
	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[i].g, a0),
	    POUCH_OK);
	assert_int_equal(pouch_mls_group_tree_hash(w->m[i].g, t0), POUCH_OK);
	for (j = 0; j < w->n; j++) {
		if (j == i || !live(w, j))
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

/* A sample of live senders; each message decrypts at every other live
 * member, from the sender's leaf. */
static void
chat(struct big *w)
{
	uint8_t *ct, *pt;
	size_t ctlen, ptlen;
	uint32_t from;
	char text[48];
	int k, i, j;

	for (k = 0; k < SENDERS; k++) {
		i = any_live(w);
		snprintf(text, sizeof(text), "%d at %llu", i,
		    (unsigned long long)pouch_mls_group_epoch(w->m[i].g));
		assert_int_equal(pouch_mls_group_encrypt(w->m[i].g, NULL, 0,
		    (const uint8_t *)text, strlen(text), &ct, &ctlen),
		    POUCH_OK);
		for (j = 0; j < w->n; j++) {
			if (j == i || !live(w, j))
				continue;
			assert_int_equal(pouch_mls_group_decrypt(w->m[j].g, ct,
			    ctlen, &pt, &ptlen, &from), POUCH_OK);
			assert_int_equal(from, pouch_mls_group_leaf(
			    w->m[i].g));
			assert_int_equal(ptlen, strlen(text));
			assert_memory_equal(pt, text, ptlen);
			pouch_wr_buf_free(pt, ptlen);
		}
		pouch_wr_buf_free(ct, ctlen);
		w->sends++;
	}
}

/*
 * Member by commits adding the members add[0..nadd) and removing the
 * leaves rm[0..nrm); every other live member processes it, the full
 * added ones join; then all agree and chat.
 */
static void
commit(struct big *w, int by, const int *add, int nadd, const uint32_t *rm,
    int nrm, uint32_t members)
{
	struct pouch_mls_commit_req req;
	struct pouch_mls_member_keys k;
	const uint8_t **adds;
	size_t *addlens, cmlen, wllen;
	uint8_t *cm, *wl;
	int i, j;

	adds = calloc((size_t)nadd + 1, sizeof(*adds));
	addlens = calloc((size_t)nadd + 1, sizeof(*addlens));
	assert_non_null(adds);
	assert_non_null(addlens);
	for (i = 0; i < nadd; i++) {
		adds[i] = w->m[add[i]].kp.kp;
		addlens[i] = w->m[add[i]].kp.kplen;
	}
	memset(&req, 0, sizeof(req));
	req.adds = adds;
	req.addlens = addlens;
	req.nadds = (size_t)nadd;
	req.removes = rm;
	req.nremoves = (size_t)nrm;
	req.now = NOW;
	assert_int_equal(pouch_mls_group_commit(w->m[by].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(w->m[by].g), POUCH_OK);
	for (j = 0; j < w->n; j++)
		if (j != by && live(w, j))
			assert_int_equal(pouch_mls_group_process(w->m[j].g, cm,
			    cmlen, NOW), POUCH_OK);
	for (i = 0; i < nadd; i++) {
		w->m[add[i]].in = 1;
		if (!w->m[add[i]].full)
			continue;
		k = keys_of(w, add[i]);
		assert_int_equal(pouch_mls_group_join(w->c, w->s, &k, wl,
		    wllen, NULL, NOW, &w->m[add[i]].g), POUCH_OK);
	}
	/* the removed members with a state know it */
	for (j = 0; j < w->n; j++)
		if (w->m[j].g != NULL && pouch_mls_group_removed(w->m[j].g)) {
			pouch_mls_group_free(w->m[j].g);
			w->m[j].g = NULL;
		}
	pouch_wr_buf_free(cm, cmlen);
	pouch_wr_buf_free(wl, wllen);
	free(adds);
	free(addlens);
	agree(w, by, members);
	chat(w);
}

/* The member whose leaf in the group is leaf, or -1 (not holding one). */
static int
at_leaf(const struct big *w, uint32_t leaf)
{
	int j;

	for (j = 0; j < w->n; j++)
		if (live(w, j) && pouch_mls_group_leaf(w->m[j].g) == leaf)
			return j;
	return -1;
}

/*
 * N members, full_every-th of them with a state (1: all), grown in
 * batches of batch adds, then rounds random commits.
 */
static void
run(int n, int full_every, int batch, int rounds, uint64_t seed)
{
	struct pouch_mls_member_info mi;
	struct big *w = big_new(n + SPARE + rounds, seed);
	uint32_t members = 1, leaves, rm[1], leaf;
	int *add, nadd, i, r, by, op, x, nfull = 1, removed = 0, added = 0;

	add = calloc((size_t)batch + 1, sizeof(*add));
	assert_non_null(add);
	member_new(w, 1);
	{
		struct pouch_mls_member_keys k = keys_of(w, 0);

		assert_int_equal(pouch_mls_group_create(w->c, w->s,
		    (const uint8_t *)"large", 5, &k, NOW, &w->m[0].g),
		    POUCH_OK);
		w->m[0].in = 1;
	}
	/* growth: a random member with a state adds the next batch */
	while ((int)members < n) {
		nadd = n - (int)members < batch ? n - (int)members : batch;
		for (i = 0; i < nadd; i++) {
			add[i] = member_new(w, w->n % full_every == 0);
			nfull += w->m[add[i]].full;
		}
		by = any_live(w);
		members += (uint32_t)nadd;
		commit(w, by, add, nadd, NULL, 0, members);
	}
	assert_int_equal(pouch_mls_group_members(w->m[0].g), (uint32_t)n);
	/* random rounds: update, remove (any leaf) or add */
	for (r = 0; r < rounds; r++) {
		by = any_live(w);
		op = (int)pick(w, 3);
		if (op == 1 && nfull <= 3)
			op = 0;		/* keep a few members with a state */
		switch (op) {
		case 0:
			commit(w, by, NULL, 0, NULL, 0, members);
			break;
		case 1:
			leaves = pouch_mls_group_leaves(w->m[by].g);
			do
				leaf = pick(w, leaves);
			while (leaf == pouch_mls_group_leaf(w->m[by].g) ||
			    pouch_mls_group_member(w->m[by].g, leaf, &mi) !=
			    POUCH_OK);
			if ((x = at_leaf(w, leaf)) >= 0)
				nfull--;
			rm[0] = leaf;
			members--;
			commit(w, by, NULL, 0, rm, 1, members);
			if (x >= 0)
				assert_null(w->m[x].g);
			removed++;
			break;
		default:
			add[0] = member_new(w, pick(w, 2) == 0);
			nfull += w->m[add[0]].full;
			members++;
			commit(w, by, add, 1, NULL, 0, members);
			added++;
			break;
		}
	}
	print_message("group_sim_large %d: %d with a state, %d rounds "
	    "(%d removes, %d adds), %d messages checked\n", n, nfull, rounds,
	    removed, added, w->sends);
	free(add);
	big_free(w);
}

static void
group_sim_100(void **state)
{
	(void)state;
	/* everyone joins and processes */
	run(100, 1, 20, long_run() ? 100 : 16, 0x5eed0100ULL);
}

static void
group_sim_1000(void **state)
{
	(void)state;
	if (long_run())
		run(1000, 10, 100, 60, 0x5eed1000ULL);
	else
		run(1000, 100, 200, 10, 0x5eed1000ULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(group_sim_100),
		cmocka_unit_test(group_sim_1000),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
