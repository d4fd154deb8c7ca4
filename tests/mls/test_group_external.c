/*
 * test_group_external.c - GroupInfo export and external commits (RFC
 * 9420 12.4.3.2, 8.3): a new member joins from a member's GroupInfo by
 * committing itself in, members process the new_member_commit, and then
 * everyone agrees and exchanges application messages; a member that
 * lost its state resyncs (its old leaf removed in the same commit); a
 * tampered or stale GroupInfo and a GroupInfo without external_pub are
 * refused.
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

static void
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

static struct pouch_mls_member_keys
keys_of(const struct w *w, const struct mem *m)
{
	struct pouch_mls_member_keys k;

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

static int
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

static int
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

static int
live(const struct w *w, int j)
{
	return w->m[j].g != NULL && !pouch_mls_group_removed(w->m[j].g);
}

/* Alice's group, with the server as external sender 0 when ext. */
static void
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
static void
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
static void
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
static void
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

/*
 * Member x joins by external commit from member from's GroupInfo; every
 * other live member processes the commit.
 */
static void
ext_join(struct w *w, int x, int from)
{
	struct pouch_mls_member_keys k = keys_of(w, &w->m[x]);
	uint8_t *gi, *cm;
	size_t gilen, cmlen;
	int j;

	assert_int_equal(pouch_mls_group_info_export(w->m[from].g, &gi,
	    &gilen), POUCH_OK);
	assert_int_equal(pouch_mls_group_join_external(w->c, w->s, &k, gi,
	    gilen, NULL, NOW, &w->m[x].g, &cm, &cmlen), POUCH_OK);
	for (j = 0; j < NM; j++)
		if (j != x && live(w, j))
			assert_int_equal(pouch_mls_group_process(w->m[j].g,
			    cm, cmlen, NOW), POUCH_OK);
	pouch_wr_buf_free(gi, gilen);
	pouch_wr_buf_free(cm, cmlen);
}

/* Bob joins Alice's new group (epoch 0), then Carol from Bob's. */
static void
test_external_join(void **state)
{
	struct w *w = *state;

	create(w, 0);
	ext_join(w, BOB, ALICE);
	assert_int_equal(pouch_mls_group_epoch(w->m[BOB].g), 1);
	assert_int_equal(pouch_mls_group_members(w->m[ALICE].g), 2);
	agree_chat(w, ALICE);
	ext_join(w, CAROL, BOB);
	agree_chat(w, CAROL);
	/* and ordinary commits go on */
	add(w, DAVE);
	agree_chat(w, DAVE);
	assert_int_equal(pouch_mls_group_members(w->m[DAVE].g), 4);
}

/*
 * Carol lost her state: with a fresh KeyPackage of the same signature
 * key she joins again, removing her old leaf in the same commit; her
 * old state sees itself removed.
 */
static void
test_resync(void **state)
{
	struct w *w = *state;
	struct pouch_mls_group *old;
	uint32_t leaf;

	create(w, 0);
	add(w, BOB);
	add(w, CAROL);
	leaf = pouch_mls_group_leaf(w->m[CAROL].g);
	old = w->m[CAROL].g;
	w->m[CAROL].g = NULL;
	mem_kp(w, &w->m[CAROL], 1000, 2000);
	/* the old state gets the commit like everyone else */
	w->m[EVE].g = old;
	ext_join(w, CAROL, ALICE);
	assert_true(pouch_mls_group_removed(old));
	pouch_mls_group_free(old);
	w->m[EVE].g = NULL;
	assert_int_equal(pouch_mls_group_leaf(w->m[CAROL].g), leaf);
	assert_int_equal(pouch_mls_group_members(w->m[ALICE].g), 3);
	agree_chat(w, BOB);
}

/* Bad GroupInfos and a stale external commit change nothing. */
static void
test_external_refused(void **state)
{
	struct w *w = *state;
	struct pouch_mls_member_keys k = keys_of(w, &w->m[CAROL]);
	struct pouch_mls_group *g = (struct pouch_mls_group *)w;
	uint8_t *gi, *cm = (uint8_t *)w, *cm2;
	size_t gilen, cmlen = 1, cm2len;

	create(w, 0);
	add(w, BOB);
	assert_int_equal(pouch_mls_group_info_export(w->m[ALICE].g, &gi,
	    &gilen), POUCH_OK);
	/* the signature is the last bytes */
	gi[gilen - 1] ^= 1;
	assert_int_equal(pouch_mls_group_join_external(w->c, w->s, &k, gi,
	    gilen, NULL, NOW, &g, &cm, &cmlen), POUCH_E_BAD_SIGNATURE);
	assert_null(g);
	assert_null(cm);
	assert_int_equal(cmlen, 0);
	gi[gilen - 1] ^= 1;
	/* a GroupInfo that is not one */
	assert_int_equal(pouch_mls_group_join_external(w->c, w->s, &k,
	    w->m[DAVE].kp.kp, w->m[DAVE].kp.kplen, NULL, NOW, &g, &cm,
	    &cmlen), POUCH_E_MALFORMED);
	/* Carol's commit; meanwhile Bob commits and wins the epoch */
	assert_int_equal(pouch_mls_group_join_external(w->c, w->s, &k, gi,
	    gilen, NULL, NOW, &g, &cm, &cmlen), POUCH_OK);
	add(w, DAVE);
	assert_int_equal(pouch_mls_group_process(w->m[ALICE].g, cm, cmlen,
	    NOW), POUCH_E_WRONG_EPOCH);
	pouch_mls_group_free(g);
	pouch_wr_buf_free(cm, cmlen);
	pouch_wr_buf_free(gi, gilen);
	/* a fresh GroupInfo works */
	ext_join(w, CAROL, DAVE);
	agree_chat(w, ALICE);
	/* a replayed external commit is for an old epoch now */
	assert_int_equal(pouch_mls_group_info_export(w->m[ALICE].g, &gi,
	    &gilen), POUCH_OK);
	mem_kp(w, &w->m[EVE], 1000, 2000);
	k = keys_of(w, &w->m[EVE]);
	assert_int_equal(pouch_mls_group_join_external(w->c, w->s, &k, gi,
	    gilen, NULL, NOW, &g, &cm2, &cm2len), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(w->m[BOB].g, cm2, cm2len,
	    NOW), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(w->m[BOB].g, cm2, cm2len,
	    NOW), POUCH_E_WRONG_EPOCH);
	pouch_mls_group_free(g);
	pouch_wr_buf_free(cm2, cm2len);
	pouch_wr_buf_free(gi, gilen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_external_join, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resync, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_external_refused, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
