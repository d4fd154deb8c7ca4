/*
 * test_group_proposals.c - mls/group_propose and the proposal paths of
 * mls/group: external senders (the external_senders extension, a
 * simulated server key signing Remove and Add proposals as sender
 * external 0, as pouchd does for revocation), forged or disallowed
 * external proposals, our own Add and Remove proposals cached under
 * their ProposalRef, and commits carrying cached proposals by reference.
 * After every commit the remaining members agree on epoch, epoch
 * authenticator and tree hash, and exchange application messages.
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
#include "hpke/hpke.h"
#include "mls/group.h"
#include "mls/keypackage.h"
#include "mls/msg.h"
#include "mls/protect.h"

#define FX_WORLD
#include "group_fixture.h"

/*
 * The server's PublicMessage of proposal pr for g's current epoch, from
 * sender external index (or another non-member sender type), signed with
 * priv (RFC 9420 6.1: no GroupContext and no membership tag for them).
 */
static void
ext_propose_as(struct w *w, const struct pouch_mls_group *g, uint8_t type,
    uint32_t index, const uint8_t *priv, const struct pouch_mls_proposal *pr,
    uint8_t **out, size_t *outlen)
{
	struct pouch_mls_group_context gc;
	struct pouch_mls_framed_content fc;
	struct pouch_mls_protect_ctx p;
	struct pouch_sig_key *k = NULL;
	size_t idlen;

	memset(&gc, 0, sizeof(gc));
	gc.version = POUCH_MLS_VERSION_10;
	gc.cipher_suite = w->s->id;
	gc.group_id.p = pouch_mls_group_id(g, &idlen);
	gc.group_id.n = idlen;
	gc.epoch = pouch_mls_group_epoch(g);
	memset(&fc, 0, sizeof(fc));
	fc.group_id = gc.group_id;
	fc.epoch = gc.epoch;
	fc.sender.type = type;
	fc.sender.index = index;
	fc.content_type = POUCH_MLS_CT_PROPOSAL;
	fc.u.proposal = *pr;
	memset(&p, 0, sizeof(p));
	p.c = w->c;
	p.s = w->s;
	p.gc = &gc;
	assert_int_equal(pouch_sig_key_new(w->c, w->s->sig,
	    POUCH_IMPL_DEFAULT, priv, pouch_sig_priv_len(w->s->sig), &k),
	    POUCH_OK);
	assert_int_equal(pouch_mls_protect(&p, k, POUCH_MLS_WF_PUBLIC_MESSAGE,
	    &fc, out, outlen), POUCH_OK);
	pouch_sig_key_free(k);
}

static void
ext_propose(struct w *w, const struct pouch_mls_group *g, uint32_t index,
    const uint8_t *priv, const struct pouch_mls_proposal *pr, uint8_t **out,
    size_t *outlen)
{
	ext_propose_as(w, g, POUCH_MLS_SENDER_EXTERNAL, index, priv, pr, out,
	    outlen);
}

static void
ext_remove(struct w *w, const struct pouch_mls_group *g, uint32_t index,
    const uint8_t *priv, uint32_t leaf, uint8_t **out, size_t *outlen)
{
	struct pouch_mls_proposal pr;

	memset(&pr, 0, sizeof(pr));
	pr.type = POUCH_MLS_PROP_REMOVE;
	pr.u.remove.removed = leaf;
	ext_propose(w, g, index, priv, &pr, out, outlen);
}

/* Every live member processes msg with result rc. */
static void
deliver(struct w *w, const uint8_t *msg, size_t len, int rc)
{
	int j;

	for (j = 0; j < NM; j++)
		if (live(w, j))
			assert_int_equal(pouch_mls_group_process(w->m[j].g, msg,
			    len, NOW), rc);
}

/*
 * Revocation: the server removes Carol with a Remove proposal from
 * external sender 0; forged and disallowed ones are refused first
 * without touching the cache; Bob commits it by reference, Carol is out
 * and cannot read the next epoch.
 */
static void
test_external_remove(void **state)
{
	struct w *w = *state;
	struct pouch_mls_commit_req req;
	struct pouch_mls_proposal pr;
	uint8_t *pm, *ct, *pt;
	size_t pmlen, ctlen, ptlen;
	uint32_t carol, from;
	uint64_t ep;

	create(w, 1);
	add(w, BOB);
	add(w, CAROL);
	agree_chat(w, ALICE);
	carol = pouch_mls_group_leaf(w->m[CAROL].g);
	/* signed by Eve, not the server */
	ext_remove(w, w->m[ALICE].g, 0, w->m[EVE].sig_priv, carol, &pm,
	    &pmlen);
	deliver(w, pm, pmlen, POUCH_E_BAD_SIGNATURE);
	pouch_wr_buf_free(pm, pmlen);
	/* an external sender index the group does not list */
	ext_remove(w, w->m[ALICE].g, 1, w->srv_priv, carol, &pm, &pmlen);
	deliver(w, pm, pmlen, POUCH_E_UNKNOWN_SENDER);
	pouch_wr_buf_free(pm, pmlen);
	/* a proposal type an external sender may not send */
	memset(&pr, 0, sizeof(pr));
	pr.type = POUCH_MLS_PROP_EXTERNAL_INIT;
	pr.u.external_init.kem_output.p = (const uint8_t *)"kem";
	pr.u.external_init.kem_output.n = 3;
	ext_propose(w, w->m[ALICE].g, 0, w->srv_priv, &pr, &pm, &pmlen);
	deliver(w, pm, pmlen, POUCH_E_SENDER_NOT_ALLOWED);
	pouch_wr_buf_free(pm, pmlen);
	assert_int_equal(pouch_mls_group_cached_proposals(w->m[BOB].g), 0);
	/* the real one, delivered twice: cached once */
	ext_remove(w, w->m[ALICE].g, 0, w->srv_priv, carol, &pm, &pmlen);
	deliver(w, pm, pmlen, POUCH_OK);
	deliver(w, pm, pmlen, POUCH_OK);
	assert_int_equal(pouch_mls_group_cached_proposals(w->m[BOB].g), 1);
	assert_int_equal(pouch_mls_group_cached_proposals(w->m[ALICE].g), 1);
	ep = pouch_mls_group_epoch(w->m[ALICE].g);
	memset(&req, 0, sizeof(req));
	req.by_reference = 1;
	commit_all(w, BOB, &req, -1);
	assert_true(pouch_mls_group_removed(w->m[CAROL].g));
	assert_int_equal(pouch_mls_group_epoch(w->m[ALICE].g), ep + 1);
	assert_int_equal(pouch_mls_group_members(w->m[ALICE].g), 2);
	assert_int_equal(pouch_mls_group_members(w->m[BOB].g), 2);
	assert_int_equal(pouch_mls_group_cached_proposals(w->m[ALICE].g), 0);
	agree_chat(w, ALICE);
	/* Carol cannot read the new epoch */
	assert_int_equal(pouch_mls_group_encrypt(w->m[ALICE].g, NULL, 0,
	    (const uint8_t *)"secret", 6, &ct, &ctlen), POUCH_OK);
	assert_int_not_equal(pouch_mls_group_decrypt(w->m[CAROL].g, ct, ctlen,
	    &pt, &ptlen, &from), POUCH_OK);
	assert_null(pt);
	pouch_wr_buf_free(ct, ctlen);
	/* the proposal was for the old epoch: stale now */
	deliver(w, pm, pmlen, POUCH_E_WRONG_EPOCH);
	pouch_wr_buf_free(pm, pmlen);
}

/* Without the external_senders extension the server is nobody. */
static void
test_external_no_extension(void **state)
{
	struct w *w = *state;
	uint8_t *pm;
	size_t pmlen;

	create(w, 0);
	add(w, BOB);
	ext_remove(w, w->m[ALICE].g, 0, w->srv_priv,
	    pouch_mls_group_leaf(w->m[BOB].g), &pm, &pmlen);
	deliver(w, pm, pmlen, POUCH_E_UNKNOWN_SENDER);
	pouch_wr_buf_free(pm, pmlen);
	assert_int_equal(pouch_mls_group_cached_proposals(w->m[ALICE].g), 0);
	assert_int_equal(pouch_mls_group_cached_proposals(w->m[BOB].g), 0);
}

/* The server proposes adding Dave; Alice commits it; Dave joins. */
static void
test_external_add(void **state)
{
	struct w *w = *state;
	struct pouch_mls_commit_req req;
	struct pouch_mls_key_package kp;
	struct pouch_mls_proposal pr;
	struct pouch_mls_arena a;
	uint8_t *pm;
	size_t pmlen;

	create(w, 1);
	add(w, BOB);
	pouch_mls_arena_init_limits(&a, NULL);
	assert_int_equal(pouch_mls_key_package_from_bytes(&a, NULL,
	    w->m[DAVE].kp.kp, w->m[DAVE].kp.kplen, &kp), POUCH_OK);
	memset(&pr, 0, sizeof(pr));
	pr.type = POUCH_MLS_PROP_ADD;
	pr.u.add.key_package = kp;
	ext_propose(w, w->m[ALICE].g, 0, w->srv_priv, &pr, &pm, &pmlen);
	pouch_mls_arena_free(&a);
	deliver(w, pm, pmlen, POUCH_OK);
	pouch_wr_buf_free(pm, pmlen);
	memset(&req, 0, sizeof(req));
	req.by_reference = 1;
	commit_all(w, ALICE, &req, DAVE);
	assert_int_equal(pouch_mls_group_members(w->m[BOB].g), 3);
	agree_chat(w, DAVE);
}

/*
 * Our own proposals: Bob proposes removing Carol and commits his own
 * proposal by reference; Alice proposes adding Dave; a member that did
 * not receive the proposal cannot process the commit (UNKNOWN_PROPOSAL,
 * nothing changed) until it does.
 */
static void
test_own_proposals(void **state)
{
	struct w *w = *state;
	struct pouch_mls_commit_req req;
	struct pouch_mls_member_keys k;
	uint8_t *pm, *cm, *wl, a0[64], a1[64];
	size_t pmlen, cmlen, wllen;
	uint32_t carol;
	uint64_t ep;

	create(w, 0);
	add(w, BOB);
	add(w, CAROL);
	carol = pouch_mls_group_leaf(w->m[CAROL].g);
	/* blank or absent leaves cannot be proposed for removal */
	assert_int_equal(pouch_mls_group_propose_remove(w->m[BOB].g, 77,
	    &pm, &pmlen), POUCH_E_BAD_TREE);
	assert_null(pm);
	assert_int_equal(pmlen, 0);
	assert_int_equal(pouch_mls_group_propose_remove(w->m[BOB].g, carol,
	    &pm, &pmlen), POUCH_OK);
	assert_int_equal(pouch_mls_group_cached_proposals(w->m[BOB].g), 1);
	deliver(w, pm, pmlen, POUCH_OK);	/* Bob: his own, again */
	assert_int_equal(pouch_mls_group_cached_proposals(w->m[BOB].g), 1);
	pouch_wr_buf_free(pm, pmlen);
	memset(&req, 0, sizeof(req));
	req.by_reference = 1;
	commit_all(w, BOB, &req, -1);
	assert_true(pouch_mls_group_removed(w->m[CAROL].g));
	agree_chat(w, ALICE);

	/* an expired KeyPackage is refused */
	mem_kp(w, &w->m[EVE], 1000, 1200);
	assert_int_equal(pouch_mls_group_propose_add(w->m[ALICE].g,
	    w->m[EVE].kp.kp, w->m[EVE].kp.kplen, NOW, &pm, &pmlen),
	    POUCH_E_LIFETIME);
	assert_null(pm);
	assert_int_equal(pouch_mls_group_propose_add(w->m[ALICE].g,
	    w->m[DAVE].kp.kp, w->m[DAVE].kp.kplen, NOW, &pm, &pmlen),
	    POUCH_OK);
	memset(&req, 0, sizeof(req));
	req.by_reference = 1;
	req.now = NOW;
	assert_int_equal(pouch_mls_group_commit(w->m[ALICE].g, &req, &cm,
	    &cmlen, &wl, &wllen), POUCH_OK);
	assert_non_null(wl);
	/* Bob has not seen the proposal */
	ep = pouch_mls_group_epoch(w->m[BOB].g);
	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[BOB].g,
	    a0), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(w->m[BOB].g, cm, cmlen,
	    NOW), POUCH_E_UNKNOWN_PROPOSAL);
	assert_int_equal(pouch_mls_group_epoch(w->m[BOB].g), ep);
	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[BOB].g,
	    a1), POUCH_OK);
	assert_memory_equal(a0, a1, w->s->nh);
	assert_int_equal(pouch_mls_group_process(w->m[BOB].g, pm, pmlen,
	    NOW), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(w->m[BOB].g, cm, cmlen,
	    NOW), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(w->m[ALICE].g),
	    POUCH_OK);
	k = keys_of(w, &w->m[DAVE]);
	assert_int_equal(pouch_mls_group_join(w->c, w->s, &k, wl, wllen, NULL,
	    NOW, &w->m[DAVE].g), POUCH_OK);
	pouch_wr_buf_free(pm, pmlen);
	pouch_wr_buf_free(cm, cmlen);
	pouch_wr_buf_free(wl, wllen);
	assert_int_equal(pouch_mls_group_members(w->m[DAVE].g), 3);
	agree_chat(w, BOB);
}

/*
 * The server proposes removing the very member who commits: the
 * committer leaves its own removal out (RFC 9420 12.2); the others
 * accept the commit and still hold the proposal for the next committer.
 */
static void
test_own_removal_left_out(void **state)
{
	struct w *w = *state;
	struct pouch_mls_commit_req req;
	uint8_t *pm;
	size_t pmlen;

	create(w, 1);
	add(w, BOB);
	ext_remove(w, w->m[ALICE].g, 0, w->srv_priv,
	    pouch_mls_group_leaf(w->m[BOB].g), &pm, &pmlen);
	deliver(w, pm, pmlen, POUCH_OK);
	pouch_wr_buf_free(pm, pmlen);
	memset(&req, 0, sizeof(req));
	req.by_reference = 1;
	commit_all(w, BOB, &req, -1);
	assert_false(pouch_mls_group_removed(w->m[BOB].g));
	assert_int_equal(pouch_mls_group_members(w->m[ALICE].g), 2);
	agree_chat(w, ALICE);
}

/*
 * A commit of Adds only may go without a path (RFC 9420 12.4): Dave
 * joins without a path secret; a Remove or an empty commit without a
 * path is PATH_REQUIRED and leaves nothing pending.
 */
static void
test_commit_without_path(void **state)
{
	struct w *w = *state;
	struct pouch_mls_commit_req req;
	const uint8_t *kpb;
	uint8_t *cm, *wl;
	size_t kplen, cmlen, wllen;
	uint32_t r;

	create(w, 0);
	add(w, BOB);
	memset(&req, 0, sizeof(req));
	req.no_path = 1;
	req.now = NOW;
	assert_int_equal(pouch_mls_group_commit(w->m[BOB].g, &req, &cm,
	    &cmlen, &wl, &wllen), POUCH_E_PATH_REQUIRED);
	assert_null(cm);
	r = pouch_mls_group_leaf(w->m[ALICE].g);
	req.removes = &r;
	req.nremoves = 1;
	assert_int_equal(pouch_mls_group_commit(w->m[BOB].g, &req, &cm,
	    &cmlen, &wl, &wllen), POUCH_E_PATH_REQUIRED);
	assert_false(pouch_mls_group_has_pending(w->m[BOB].g));
	memset(&req, 0, sizeof(req));
	req.no_path = 1;
	kpb = w->m[DAVE].kp.kp;
	kplen = w->m[DAVE].kp.kplen;
	req.adds = &kpb;
	req.addlens = &kplen;
	req.nadds = 1;
	commit_all(w, BOB, &req, DAVE);
	agree_chat(w, DAVE);
	/* and a normal commit with a path afterwards */
	memset(&req, 0, sizeof(req));
	commit_all(w, DAVE, &req, -1);
	agree_chat(w, ALICE);
}

/*
 * Bob proposes an Update (fresh leaf key); Alice commits it by
 * reference: Bob applies it with the key he kept, his leaf's encryption
 * key changed everywhere, and everyone agrees.  Bob's own commit leaves
 * his Update out.
 */
static void
test_update_proposal(void **state)
{
	struct w *w = *state;
	struct pouch_mls_commit_req req;
	struct pouch_mls_member_info mi;
	uint8_t old[POUCH_HPKE_PK_MAX], *pm, *cm, *wl;
	size_t oldlen, pmlen, cmlen, wllen;
	uint32_t bob;

	create(w, 0);
	add(w, BOB);
	add(w, CAROL);
	bob = pouch_mls_group_leaf(w->m[BOB].g);
	assert_int_equal(pouch_mls_group_member(w->m[CAROL].g, bob, &mi),
	    POUCH_OK);
	assert_true(mi.enc_keylen <= sizeof(old));
	memcpy(old, mi.enc_key, mi.enc_keylen);
	oldlen = mi.enc_keylen;
	assert_int_equal(pouch_mls_group_propose_update(w->m[BOB].g, &pm,
	    &pmlen), POUCH_OK);
	deliver(w, pm, pmlen, POUCH_OK);
	pouch_wr_buf_free(pm, pmlen);
	/* Bob's own commit: his Update is left out, a plain self-update */
	memset(&req, 0, sizeof(req));
	req.by_reference = 1;
	req.now = NOW;
	assert_int_equal(pouch_mls_group_commit(w->m[BOB].g, &req, &cm,
	    &cmlen, &wl, &wllen), POUCH_OK);
	pouch_mls_group_discard_pending(w->m[BOB].g);
	pouch_wr_buf_free(cm, cmlen);
	assert_null(wl);
	commit_all(w, ALICE, &req, -1);
	assert_int_equal(pouch_mls_group_member(w->m[CAROL].g, bob, &mi),
	    POUCH_OK);
	assert_true(mi.enc_keylen != oldlen ||
	    memcmp(mi.enc_key, old, oldlen) != 0);
	agree_chat(w, BOB);
	/* a further commit still reaches Bob at his new key */
	memset(&req, 0, sizeof(req));
	commit_all(w, CAROL, &req, -1);
	agree_chat(w, ALICE);
}

/* Alice creates with a required_capabilities extension (ext, cred). */
static int
create_req(struct w *w, uint16_t ext, uint16_t cred)
{
	struct pouch_mls_member_keys k = keys_of(w, &w->m[ALICE]);
	struct pouch_mls_required_capabilities rq;
	struct pouch_mls_create_opts o;
	const uint8_t *data;
	uint16_t type = POUCH_MLS_EXT_REQUIRED_CAPABILITIES;
	struct pouch_wr wr;
	size_t len;
	int rc;

	memset(&rq, 0, sizeof(rq));
	rq.extension_types.v = &ext;
	rq.extension_types.n = ext != 0;
	rq.credential_types.v = &cred;
	rq.credential_types.n = cred != 0;
	pouch_wr_init(&wr, 1 << 16);
	pouch_mls_required_capabilities_encode(&wr, &rq);
	assert_int_equal(pouch_wr_finish(&wr), POUCH_OK);
	data = wr.buf;
	len = wr.len;
	memset(&o, 0, sizeof(o));
	o.ext_types = &type;
	o.ext_data = &data;
	o.ext_lens = &len;
	o.next = 1;
	rc = pouch_mls_group_create_opts(w->c, w->s,
	    (const uint8_t *)"caps group", 10, &k, &o, NOW, &w->m[ALICE].g);
	pouch_wr_free(&wr);
	return rc;
}

/*
 * required_capabilities at create: the creator's leaf must have them
 * (CAPABILITIES); a group requiring what every Pouch leaf has takes
 * members, whose join checks the tree against it.
 */
static void
test_required_capabilities(void **state)
{
	struct w *w = *state;

	assert_int_equal(create_req(w, 0xff00, 0), POUCH_E_CAPABILITIES);
	assert_null(w->m[ALICE].g);
	assert_int_equal(create_req(w, 0, POUCH_MLS_CRED_X509),
	    POUCH_E_CAPABILITIES);
	assert_null(w->m[ALICE].g);
	assert_int_equal(create_req(w, POUCH_MLS_EXT_LAST_RESORT,
	    POUCH_MLS_CRED_BASIC), POUCH_OK);
	add(w, BOB);
	add(w, CAROL);
	agree_chat(w, CAROL);
}

/*
 * Bob proposes an Update and Carol proposes removing Bob: a commit of
 * both would break 12.2, so Alice's by_reference commit leaves the
 * Update out; Carol accepts it and Bob is removed.
 */
static void
test_update_and_remove_same_leaf(void **state)
{
	struct w *w = *state;
	struct pouch_mls_commit_req req;
	uint8_t *pm;
	size_t pmlen;

	create(w, 0);
	add(w, BOB);
	add(w, CAROL);
	assert_int_equal(pouch_mls_group_propose_update(w->m[BOB].g, &pm,
	    &pmlen), POUCH_OK);
	deliver(w, pm, pmlen, POUCH_OK);
	pouch_wr_buf_free(pm, pmlen);
	assert_int_equal(pouch_mls_group_propose_remove(w->m[CAROL].g,
	    pouch_mls_group_leaf(w->m[BOB].g), &pm, &pmlen), POUCH_OK);
	deliver(w, pm, pmlen, POUCH_OK);
	pouch_wr_buf_free(pm, pmlen);
	assert_int_equal(pouch_mls_group_cached_proposals(w->m[ALICE].g), 2);
	memset(&req, 0, sizeof(req));
	req.by_reference = 1;
	commit_all(w, ALICE, &req, -1);
	assert_true(pouch_mls_group_removed(w->m[BOB].g));
	assert_int_equal(pouch_mls_group_members(w->m[CAROL].g), 2);
	agree_chat(w, ALICE);
}

/*
 * GroupContextExtensions: Alice proposes a list naming a new server key
 * as external sender 0; Bob commits it by reference; the old server key
 * is then refused and the new one accepted.  A list with an extension
 * type nobody supports is left out of a by_reference commit.
 */
static void
test_gce_rotates_server(void **state)
{
	struct w *w = *state;
	struct pouch_mls_external_senders xs;
	struct pouch_mls_external_sender es;
	struct pouch_mls_commit_req req;
	uint8_t npriv[POUCH_SIG_PRIV_MAX], npub[POUCH_SIG_PUB_MAX];
	uint8_t *pm, a0[64], a1[64];
	const uint8_t *data[2];
	uint16_t types[2];
	size_t pmlen, lens[2];
	struct pouch_wr wr;

	create(w, 1);
	add(w, BOB);
	/* unsupported: left out, the commit is a plain self-update */
	types[0] = 0xff01;
	data[0] = NULL;
	lens[0] = 0;
	assert_int_equal(pouch_mls_group_propose_gce(w->m[ALICE].g, types,
	    data, lens, 1, &pm, &pmlen), POUCH_OK);
	deliver(w, pm, pmlen, POUCH_OK);
	pouch_wr_buf_free(pm, pmlen);
	memset(&req, 0, sizeof(req));
	req.by_reference = 1;
	commit_all(w, BOB, &req, -1);
	agree_chat(w, ALICE);
	/* a repeated type is MISUSE */
	types[1] = 0xff01;
	data[1] = NULL;
	lens[1] = 0;
	assert_int_equal(pouch_mls_group_propose_gce(w->m[ALICE].g, types,
	    data, lens, 2, &pm, &pmlen), POUCH_E_MISUSE);
	assert_null(pm);
	/* the new server key */
	assert_int_equal(pouch_sig_keygen(w->c, w->s->sig, npriv, npub),
	    POUCH_OK);
	memset(&es, 0, sizeof(es));
	es.signature_key.p = npub;
	es.signature_key.n = pouch_sig_pub_len(w->s->sig);
	es.credential.type = POUCH_MLS_CRED_BASIC;
	es.credential.identity.p = (const uint8_t *)"pouchd-2";
	es.credential.identity.n = 8;
	xs.v = &es;
	xs.n = 1;
	pouch_wr_init(&wr, 1 << 16);
	pouch_mls_external_senders_encode(&wr, &xs);
	assert_int_equal(pouch_wr_finish(&wr), POUCH_OK);
	types[0] = POUCH_MLS_EXT_EXTERNAL_SENDERS;
	data[0] = wr.buf;
	lens[0] = wr.len;
	assert_int_equal(pouch_mls_group_propose_gce(w->m[ALICE].g, types,
	    data, lens, 1, &pm, &pmlen), POUCH_OK);
	pouch_wr_free(&wr);
	deliver(w, pm, pmlen, POUCH_OK);
	pouch_wr_buf_free(pm, pmlen);
	memset(&req, 0, sizeof(req));
	req.by_reference = 1;
	commit_all(w, BOB, &req, -1);
	agree_chat(w, ALICE);
	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[ALICE].g,
	    a0), POUCH_OK);
	ext_remove(w, w->m[ALICE].g, 0, w->srv_priv,
	    pouch_mls_group_leaf(w->m[BOB].g), &pm, &pmlen);
	deliver(w, pm, pmlen, POUCH_E_BAD_SIGNATURE);
	pouch_wr_buf_free(pm, pmlen);
	ext_remove(w, w->m[ALICE].g, 0, npriv,
	    pouch_mls_group_leaf(w->m[BOB].g), &pm, &pmlen);
	deliver(w, pm, pmlen, POUCH_OK);
	pouch_wr_buf_free(pm, pmlen);
	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[ALICE].g,
	    a1), POUCH_OK);
	assert_memory_equal(a0, a1, w->s->nh);
	memset(&req, 0, sizeof(req));
	req.by_reference = 1;
	commit_all(w, ALICE, &req, -1);
	assert_true(pouch_mls_group_removed(w->m[BOB].g));
}

/*
 * Dave asks to join with a new_member_proposal Add signed with his own
 * KeyPackage key; Alice commits it by reference and Dave joins.  The
 * same with someone else's key is BAD_SIGNATURE (a Remove from that
 * sender type cannot even be framed: mls/protect refuses it both ways).
 */
static void
test_new_member_proposal(void **state)
{
	struct w *w = *state;
	struct pouch_mls_commit_req req;
	struct pouch_mls_key_package kp;
	struct pouch_mls_proposal pr;
	struct pouch_mls_arena a;
	uint8_t *pm;
	size_t pmlen;

	create(w, 0);
	add(w, BOB);
	pouch_mls_arena_init_limits(&a, NULL);
	assert_int_equal(pouch_mls_key_package_from_bytes(&a, NULL,
	    w->m[DAVE].kp.kp, w->m[DAVE].kp.kplen, &kp), POUCH_OK);
	memset(&pr, 0, sizeof(pr));
	pr.type = POUCH_MLS_PROP_ADD;
	pr.u.add.key_package = kp;
	ext_propose_as(w, w->m[ALICE].g, POUCH_MLS_SENDER_NEW_MEMBER_PROPOSAL,
	    0, w->m[EVE].sig_priv, &pr, &pm, &pmlen);
	deliver(w, pm, pmlen, POUCH_E_BAD_SIGNATURE);
	pouch_wr_buf_free(pm, pmlen);
	assert_int_equal(pouch_mls_group_cached_proposals(w->m[BOB].g), 0);
	memset(&pr, 0, sizeof(pr));
	pr.type = POUCH_MLS_PROP_ADD;
	pr.u.add.key_package = kp;
	ext_propose_as(w, w->m[ALICE].g, POUCH_MLS_SENDER_NEW_MEMBER_PROPOSAL,
	    0, w->m[DAVE].sig_priv, &pr, &pm, &pmlen);
	pouch_mls_arena_free(&a);
	deliver(w, pm, pmlen, POUCH_OK);
	pouch_wr_buf_free(pm, pmlen);
	memset(&req, 0, sizeof(req));
	req.by_reference = 1;
	commit_all(w, ALICE, &req, DAVE);
	agree_chat(w, DAVE);
}

/*
 * External PSK: Alice proposes "k1"; Bob commits it by reference
 * together with adding Dave, without a path; Carol, who lacks the PSK,
 * cannot process the commit (PSK_UNAVAILABLE, nothing changed) until
 * she has it; Dave joins with it in his join options.
 */
static void
test_psk_proposal(void **state)
{
	struct w *w = *state;
	struct pouch_mls_external_psk xp;
	struct pouch_mls_commit_req req;
	struct pouch_mls_join_opts jo;
	struct pouch_mls_member_keys k;
	static const uint8_t secret[32] = { 1, 2, 3 };
	const uint8_t *kpb;
	uint8_t *pm, *cm, *wl;
	size_t pmlen, cmlen, wllen, kplen;
	uint64_t ep;
	int i;

	create(w, 0);
	add(w, BOB);
	add(w, CAROL);
	assert_int_equal(pouch_mls_group_propose_psk(w->m[ALICE].g,
	    (const uint8_t *)"k1", 2, &pm, &pmlen), POUCH_E_PSK_UNAVAILABLE);
	assert_null(pm);
	for (i = ALICE; i <= BOB; i++)
		assert_int_equal(pouch_mls_group_add_external_psk(w->m[i].g,
		    (const uint8_t *)"k1", 2, secret, sizeof(secret)),
		    POUCH_OK);
	assert_int_equal(pouch_mls_group_add_external_psk(w->m[ALICE].g,
	    (const uint8_t *)"k1", 2, secret, sizeof(secret)), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_group_propose_psk(w->m[ALICE].g,
	    (const uint8_t *)"k1", 2, &pm, &pmlen), POUCH_OK);
	deliver(w, pm, pmlen, POUCH_OK);
	pouch_wr_buf_free(pm, pmlen);
	memset(&req, 0, sizeof(req));
	req.by_reference = 1;
	req.no_path = 1;
	req.now = NOW;
	kpb = w->m[DAVE].kp.kp;
	kplen = w->m[DAVE].kp.kplen;
	req.adds = &kpb;
	req.addlens = &kplen;
	req.nadds = 1;
	assert_int_equal(pouch_mls_group_commit(w->m[BOB].g, &req, &cm,
	    &cmlen, &wl, &wllen), POUCH_OK);
	ep = pouch_mls_group_epoch(w->m[CAROL].g);
	assert_int_equal(pouch_mls_group_process(w->m[CAROL].g, cm, cmlen,
	    NOW), POUCH_E_PSK_UNAVAILABLE);
	assert_int_equal(pouch_mls_group_epoch(w->m[CAROL].g), ep);
	assert_int_equal(pouch_mls_group_add_external_psk(w->m[CAROL].g,
	    (const uint8_t *)"k1", 2, secret, sizeof(secret)), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(w->m[CAROL].g, cm, cmlen,
	    NOW), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(w->m[ALICE].g, cm, cmlen,
	    NOW), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(w->m[BOB].g),
	    POUCH_OK);
	/* without the PSK the Welcome cannot be opened */
	k = keys_of(w, &w->m[DAVE]);
	assert_int_equal(pouch_mls_group_join(w->c, w->s, &k, wl, wllen,
	    NULL, NOW, &w->m[DAVE].g), POUCH_E_PSK_UNAVAILABLE);
	assert_null(w->m[DAVE].g);
	memset(&jo, 0, sizeof(jo));
	xp.id = (const uint8_t *)"k1";
	xp.idlen = 2;
	xp.psk = secret;
	xp.psklen = sizeof(secret);
	jo.psks = &xp;
	jo.npsks = 1;
	assert_int_equal(pouch_mls_group_join(w->c, w->s, &k, wl, wllen,
	    &jo, NOW, &w->m[DAVE].g), POUCH_OK);
	pouch_wr_buf_free(cm, cmlen);
	pouch_wr_buf_free(wl, wllen);
	agree_chat(w, DAVE);
}

/* The wire_format of an MLSMessage. */
static uint16_t
wire_format(const uint8_t *m, size_t len)
{
	assert_true(len > 4);
	return (uint16_t)(m[2] << 8 | m[3]);
}

/*
 * Handshake messages as PrivateMessage: Bob's Update proposal and
 * Alice's commit of it are encrypted with the handshake ratchet; the
 * others process them; a PublicMessage commit from a member without the
 * option is still accepted; decrypt() refuses a handshake message and a
 * replayed one is REPLAY.
 */
static void
test_private_handshake(void **state)
{
	struct w *w = *state;
	struct pouch_mls_commit_req req;
	uint8_t *pm, *cm, *wl, *pt;
	size_t pmlen, cmlen, wllen, ptlen;
	uint32_t from;
	int i;

	create(w, 0);
	add(w, BOB);
	add(w, CAROL);
	for (i = ALICE; i <= BOB; i++)
		pouch_mls_group_set_handshake_private(w->m[i].g, 1);
	assert_int_equal(pouch_mls_group_propose_update(w->m[BOB].g, &pm,
	    &pmlen), POUCH_OK);
	assert_int_equal(wire_format(pm, pmlen),
	    POUCH_MLS_WF_PRIVATE_MESSAGE);
	assert_int_equal(pouch_mls_group_decrypt(w->m[CAROL].g, pm, pmlen,
	    &pt, &ptlen, &from), POUCH_E_UNSUPPORTED);
	assert_int_equal(pouch_mls_group_process(w->m[ALICE].g, pm, pmlen,
	    NOW), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(w->m[CAROL].g, pm, pmlen,
	    NOW), POUCH_OK);
	/* delivered twice, or back to Bob: the generation is spent */
	assert_int_equal(pouch_mls_group_process(w->m[ALICE].g, pm, pmlen,
	    NOW), POUCH_E_REPLAY);
	assert_int_equal(pouch_mls_group_process(w->m[BOB].g, pm, pmlen,
	    NOW), POUCH_E_REPLAY);
	pouch_wr_buf_free(pm, pmlen);
	assert_int_equal(pouch_mls_group_cached_proposals(w->m[CAROL].g), 1);
	memset(&req, 0, sizeof(req));
	req.by_reference = 1;
	req.now = NOW;
	assert_int_equal(pouch_mls_group_commit(w->m[ALICE].g, &req, &cm,
	    &cmlen, &wl, &wllen), POUCH_OK);
	assert_int_equal(wire_format(cm, cmlen),
	    POUCH_MLS_WF_PRIVATE_MESSAGE);
	assert_int_equal(pouch_mls_group_process(w->m[BOB].g, cm, cmlen, NOW),
	    POUCH_OK);
	assert_int_equal(pouch_mls_group_process(w->m[CAROL].g, cm, cmlen,
	    NOW), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(w->m[ALICE].g),
	    POUCH_OK);
	pouch_wr_buf_free(cm, cmlen);
	agree_chat(w, CAROL);
	/* Carol sends public; everyone still agrees */
	memset(&req, 0, sizeof(req));
	req.now = NOW;
	assert_int_equal(pouch_mls_group_commit(w->m[CAROL].g, &req, &cm,
	    &cmlen, &wl, &wllen), POUCH_OK);
	assert_int_equal(wire_format(cm, cmlen), POUCH_MLS_WF_PUBLIC_MESSAGE);
	pouch_wr_buf_free(cm, cmlen);
	pouch_mls_group_discard_pending(w->m[CAROL].g);
	memset(&req, 0, sizeof(req));
	commit_all(w, CAROL, &req, -1);
	agree_chat(w, ALICE);
	/* and a private one with an Add and its Welcome */
	add(w, DAVE);
	agree_chat(w, DAVE);
}

/* Bad create options. */
static void
test_create_opts_misuse(void **state)
{
	struct w *w = *state;
	struct pouch_mls_member_keys k = keys_of(w, &w->m[ALICE]);
	struct pouch_mls_create_opts o;
	struct pouch_mls_ext_sender es;
	struct pouch_mls_group *g = (struct pouch_mls_group *)&o;

	memset(&o, 0, sizeof(o));
	memset(&es, 0, sizeof(es));
	es.sig_key = w->srv_pub;
	es.sig_keylen = 3;	/* not a key of the suite */
	o.ext_senders = &es;
	o.next_senders = 1;
	assert_int_equal(pouch_mls_group_create_opts(w->c, w->s,
	    (const uint8_t *)"g", 1, &k, &o, NOW, &g), POUCH_E_MISUSE);
	assert_null(g);
	o.ext_senders = NULL;
	assert_int_equal(pouch_mls_group_create_opts(w->c, w->s,
	    (const uint8_t *)"g", 1, &k, &o, NOW, &g), POUCH_E_MISUSE);
	assert_null(g);
	/* NULL options: a plain group */
	assert_int_equal(pouch_mls_group_create_opts(w->c, w->s,
	    (const uint8_t *)"g", 1, &k, NULL, NOW, &g), POUCH_OK);
	assert_int_equal(pouch_mls_group_members(g), 1);
	pouch_mls_group_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_external_remove, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_external_no_extension,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_external_add, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_own_proposals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_own_removal_left_out,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_without_path,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_proposal,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_required_capabilities,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_update_and_remove_same_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gce_rotates_server,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_member_proposal,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_psk_proposal,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_private_handshake,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_opts_misuse,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
