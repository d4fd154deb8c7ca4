/*
 * test_group_validate.c - mls/group_validate: every RFC 9420 12.2
 * proposal-list rule, each triggered by a commit crafted here (signed
 * by a real member with a valid membership tag, so only the rule under
 * test can refuse it) and refused with its own error code, leaving the
 * receiver's state unchanged: afterwards a real commit still works and
 * everyone agrees.
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
#include "mls/group_int.h"
#include "mls/keypackage.h"
#include "mls/msg.h"
#include "mls/protect.h"
#include "mls/suite.h"

#define NM	5
#define NOW	1500
#define ALICE	0
#define BOB	1
#define CAROL	2
#define DAVE	3
#define EVE	4
#define MAXP	4

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
	struct pouch_mls_arena		 a;
	struct pouch_mls_proposal_or_ref por[MAXP];
	size_t				 n;
	uint8_t				 ref[POUCH_HASH_MAX];
};

static void
mem_kp(struct w *w, struct mem *m)
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
	p.not_before = 1000;
	p.not_after = 2000;
	assert_int_equal(pouch_mls_key_package_create(w->c, &p, &m->kp),
	    POUCH_OK);
}

static struct pouch_mls_member_keys
keys_of(const struct w *w, const struct mem *m)
{
	return pouch_mls_member_keys_of(w->s, &m->kp, m->sig_priv);
}

/* Alice, Bob and Carol in a group of suite; Dave and Eve have
 * KeyPackages. */
static int
setup_suite(void **state, uint16_t suite)
{
	struct pouch_mls_commit_req req;
	struct pouch_mls_member_keys k;
	const uint8_t *kpb[2];
	size_t kplen[2];
	uint8_t *cm, *wl;
	size_t cmlen, wllen;
	struct w *w;
	int i;

	w = calloc(1, sizeof(*w));
	assert_non_null(w);
	assert_int_equal(pouch_crypto_new(&w->c), POUCH_OK);
	w->s = pouch_mls_suite_get(suite);
	assert_non_null(w->s);
	pouch_mls_arena_init_limits(&w->a, NULL);
	for (i = 0; i < NM; i++) {
		assert_int_equal(pouch_sig_keygen(w->c, w->s->sig,
		    w->m[i].sig_priv, w->m[i].sig_pub), POUCH_OK);
		snprintf(w->m[i].id, sizeof(w->m[i].id), "member-%d", i);
		mem_kp(w, &w->m[i]);
	}
	k = keys_of(w, &w->m[ALICE]);
	assert_int_equal(pouch_mls_group_create(w->c, w->s,
	    (const uint8_t *)"v group", 7, &k, NOW, &w->m[ALICE].g), POUCH_OK);
	memset(&req, 0, sizeof(req));
	for (i = 0; i < 2; i++) {
		kpb[i] = w->m[BOB + i].kp.kp;
		kplen[i] = w->m[BOB + i].kp.kplen;
	}
	req.adds = kpb;
	req.addlens = kplen;
	req.nadds = 2;
	req.now = NOW;
	assert_int_equal(pouch_mls_group_commit(w->m[ALICE].g, &req, &cm,
	    &cmlen, &wl, &wllen), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(w->m[ALICE].g),
	    POUCH_OK);
	for (i = BOB; i <= CAROL; i++) {
		k = keys_of(w, &w->m[i]);
		assert_int_equal(pouch_mls_group_join(w->c, w->s, &k, wl,
		    wllen, NULL, NOW, &w->m[i].g), POUCH_OK);
	}
	pouch_wr_buf_free(cm, cmlen);
	pouch_wr_buf_free(wl, wllen);
	*state = w;
	return 0;
}

static int
setup(void **state)
{
	return setup_suite(state, 1);
}

static int
setup_hybrid(void **state)
{
	return setup_suite(state, POUCH_MLS_SUITE_HYBRID);
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
	pouch_mls_arena_free(&w->a);
	pouch_crypto_free(w->c);
	free(w);
	return 0;
}

/*
 * Member from's signed PublicMessage of fc's content for the current
 * epoch, with a membership tag; a commit gets a dummy confirmation tag
 * (12.2 is checked before the tag).  *ac gets the AuthenticatedContent
 * (signature in sig).
 */
static void
seal(struct w *w, int from, struct pouch_mls_framed_content *fc,
    uint8_t *sig, uint8_t **out, size_t *outlen, uint8_t *ref)
{
	struct pouch_mls_group *g = w->m[from].g;
	struct pouch_mls_authenticated_content ac;
	struct pouch_mls_group_context gc;
	struct pouch_mls_protect_ctx p;
	struct pouch_sig_key *k = NULL;
	uint8_t th[POUCH_HASH_MAX], tag[POUCH_HASH_MAX];
	struct pouch_wr wr;
	size_t siglen;

	assert_int_equal(pouch_mls_group_cur_context(g, th, &gc), POUCH_OK);
	fc->group_id = gc.group_id;
	fc->epoch = gc.epoch;
	fc->sender.type = POUCH_MLS_SENDER_MEMBER;
	fc->sender.index = pouch_mls_group_leaf(g);
	memset(&p, 0, sizeof(p));
	p.c = w->c;
	p.s = w->s;
	p.gc = &gc;
	p.membership_key = g->cur.es.membership_key;
	assert_int_equal(pouch_sig_key_new(w->c, w->s->sig,
	    POUCH_IMPL_DEFAULT, w->m[from].sig_priv,
	    pouch_sig_priv_len(w->s->sig), &k), POUCH_OK);
	assert_int_equal(pouch_mls_content_sign(&p, k,
	    POUCH_MLS_WF_PUBLIC_MESSAGE, fc, sig, POUCH_SIG_MAX, &siglen),
	    POUCH_OK);
	pouch_sig_key_free(k);
	memset(&ac, 0, sizeof(ac));
	memset(tag, 0x5a, sizeof(tag));
	ac.wire_format = POUCH_MLS_WF_PUBLIC_MESSAGE;
	ac.content = *fc;
	ac.auth.signature.p = sig;
	ac.auth.signature.n = siglen;
	if (fc->content_type == POUCH_MLS_CT_COMMIT) {
		ac.auth.confirmation_tag.p = tag;
		ac.auth.confirmation_tag.n = w->s->nh;
	}
	assert_int_equal(pouch_mls_public_message_seal(&p, &ac, out, outlen),
	    POUCH_OK);
	if (ref == NULL)
		return;
	pouch_wr_init(&wr, 1 << 20);
	pouch_mls_authenticated_content_encode(&wr, &ac);
	assert_int_equal(pouch_wr_finish(&wr), POUCH_OK);
	assert_int_equal(pouch_mls_proposal_ref(w->c, w->s, wr.buf, wr.len,
	    ref), POUCH_OK);
	pouch_wr_free(&wr);
}

/* Start a proposal list; add entries by value. */
static struct pouch_mls_proposal *
val(struct w *w, uint16_t type)
{
	struct pouch_mls_proposal_or_ref *x;

	assert_true(w->n < MAXP);
	x = &w->por[w->n++];
	memset(x, 0, sizeof(*x));
	x->type = POUCH_MLS_POR_PROPOSAL;
	x->u.proposal.type = type;
	return &x->u.proposal;
}

static void
by_ref(struct w *w, const uint8_t *ref)
{
	struct pouch_mls_proposal_or_ref *x;

	assert_true(w->n < MAXP);
	x = &w->por[w->n++];
	memset(x, 0, sizeof(*x));
	x->type = POUCH_MLS_POR_REFERENCE;
	x->u.reference.p = ref;
	x->u.reference.n = w->s->nh;
}

/* Bob commits the list (no path); member at processes it: rc. */
static void
expect(struct w *w, int at, int rc)
{
	struct pouch_mls_framed_content fc;
	uint8_t sig[POUCH_SIG_MAX], *cm, a0[64], a1[64];
	size_t cmlen;
	uint64_t ep = pouch_mls_group_epoch(w->m[at].g);

	memset(&fc, 0, sizeof(fc));
	fc.content_type = POUCH_MLS_CT_COMMIT;
	fc.u.commit.proposals = w->por;
	fc.u.commit.nproposals = w->n;
	seal(w, BOB, &fc, sig, &cm, &cmlen, NULL);
	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[at].g, a0),
	    POUCH_OK);
	assert_int_equal(pouch_mls_group_process(w->m[at].g, cm, cmlen, NOW),
	    rc);
	assert_int_equal(pouch_mls_group_epoch(w->m[at].g), ep);
	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[at].g, a1),
	    POUCH_OK);
	assert_memory_equal(a0, a1, w->s->nh);
	assert_false(pouch_mls_group_removed(w->m[at].g));
	pouch_wr_buf_free(cm, cmlen);
	w->n = 0;
}

/* The KeyPackage of member i, decoded. */
static struct pouch_mls_key_package
kp_of(struct w *w, int i)
{
	struct pouch_mls_key_package kp;

	assert_int_equal(pouch_mls_key_package_from_bytes(&w->a, NULL,
	    w->m[i].kp.kp, w->m[i].kp.kplen, &kp), POUCH_OK);
	return kp;
}

/* A real commit still works after the refusals: everyone agrees. */
static void
still_fine(struct w *w)
{
	struct pouch_mls_commit_req req;
	uint8_t *cm, *wl, a0[64], a1[64];
	size_t cmlen, wllen;
	int i;

	memset(&req, 0, sizeof(req));
	req.now = NOW;
	assert_int_equal(pouch_mls_group_commit(w->m[BOB].g, &req, &cm,
	    &cmlen, &wl, &wllen), POUCH_OK);
	for (i = ALICE; i <= CAROL; i++)
		if (i != BOB)
			assert_int_equal(pouch_mls_group_process(w->m[i].g, cm,
			    cmlen, NOW), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(w->m[BOB].g),
	    POUCH_OK);
	pouch_wr_buf_free(cm, cmlen);
	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[ALICE].g,
	    a0), POUCH_OK);
	for (i = BOB; i <= CAROL; i++) {
		assert_int_equal(pouch_mls_group_epoch_authenticator(
		    w->m[i].g, a1), POUCH_OK);
		assert_memory_equal(a0, a1, w->s->nh);
	}
}

static uint32_t
leaf(struct w *w, int i)
{
	return pouch_mls_group_leaf(w->m[i].g);
}

static void
test_remove_rules(void **state)
{
	struct w *w = *state;

	/* the same leaf twice */
	val(w, POUCH_MLS_PROP_REMOVE)->u.remove.removed = leaf(w, CAROL);
	val(w, POUCH_MLS_PROP_REMOVE)->u.remove.removed = leaf(w, CAROL);
	expect(w, ALICE, POUCH_E_DUP_LEAF_PROPOSAL);
	/* the committer */
	val(w, POUCH_MLS_PROP_REMOVE)->u.remove.removed = leaf(w, BOB);
	expect(w, ALICE, POUCH_E_COMMITTER_REMOVED);
	/* a blank leaf */
	val(w, POUCH_MLS_PROP_REMOVE)->u.remove.removed = 9;
	expect(w, ALICE, POUCH_E_REMOVE_BLANK);
	still_fine(w);
}

static void
test_update_rules(void **state)
{
	struct w *w = *state;
	struct pouch_mls_framed_content fc;
	uint8_t sig[POUCH_SIG_MAX], *pm, bref[POUCH_HASH_MAX];
	size_t pmlen;

	/* an Update by value is the committer's own */
	val(w, POUCH_MLS_PROP_UPDATE)->u.update.leaf_node =
	    kp_of(w, BOB).leaf_node;
	expect(w, ALICE, POUCH_E_COMMITTER_UPDATE);
	/* Alice's Update proposal, received by Carol, and a Remove of
	 * Alice in the same commit */
	memset(&fc, 0, sizeof(fc));
	fc.content_type = POUCH_MLS_CT_PROPOSAL;
	fc.u.proposal.type = POUCH_MLS_PROP_UPDATE;
	fc.u.proposal.u.update.leaf_node = kp_of(w, ALICE).leaf_node;
	seal(w, ALICE, &fc, sig, &pm, &pmlen, w->ref);
	assert_int_equal(pouch_mls_group_process(w->m[CAROL].g, pm, pmlen,
	    NOW), POUCH_OK);
	pouch_wr_buf_free(pm, pmlen);
	by_ref(w, w->ref);
	val(w, POUCH_MLS_PROP_REMOVE)->u.remove.removed = leaf(w, ALICE);
	expect(w, CAROL, POUCH_E_DUP_LEAF_PROPOSAL);
	/* Bob's own Update proposal in Bob's commit */
	fc.u.proposal.u.update.leaf_node = kp_of(w, BOB).leaf_node;
	seal(w, BOB, &fc, sig, &pm, &pmlen, bref);
	assert_int_equal(pouch_mls_group_process(w->m[CAROL].g, pm, pmlen,
	    NOW), POUCH_OK);
	pouch_wr_buf_free(pm, pmlen);
	by_ref(w, bref);
	expect(w, CAROL, POUCH_E_COMMITTER_UPDATE);
	still_fine(w);
}

static void
test_add_rules(void **state)
{
	struct w *w = *state;
	struct pouch_mls_key_package kp;

	/* Carol again (a fresh KeyPackage, same signature key) */
	mem_kp(w, &w->m[CAROL]);
	kp = kp_of(w, CAROL);
	val(w, POUCH_MLS_PROP_ADD)->u.add.key_package = kp;
	expect(w, ALICE, POUCH_E_DUP_MEMBER);
	/* ... allowed with her old leaf removed: then a path is needed */
	val(w, POUCH_MLS_PROP_REMOVE)->u.remove.removed = leaf(w, CAROL);
	val(w, POUCH_MLS_PROP_ADD)->u.add.key_package = kp;
	expect(w, ALICE, POUCH_E_PATH_REQUIRED);
	/* Dave twice */
	kp = kp_of(w, DAVE);
	val(w, POUCH_MLS_PROP_ADD)->u.add.key_package = kp;
	val(w, POUCH_MLS_PROP_ADD)->u.add.key_package = kp;
	expect(w, ALICE, POUCH_E_DUP_MEMBER);
	still_fine(w);
}

static void
test_psk_gce_reinit_rules(void **state)
{
	struct w *w = *state;
	struct pouch_mls_proposal *p;
	uint8_t nonce[POUCH_HASH_MAX];
	int i;

	memset(nonce, 7, sizeof(nonce));
	for (i = 0; i < 2; i++) {
		p = val(w, POUCH_MLS_PROP_PSK);
		p->u.psk.psk.type = POUCH_MLS_PSKTYPE_EXTERNAL;
		p->u.psk.psk.psk_id.p = (const uint8_t *)"psk-1";
		p->u.psk.psk.psk_id.n = 5;
		p->u.psk.psk.psk_nonce.p = nonce;
		p->u.psk.psk.psk_nonce.n = w->s->nh;
	}
	expect(w, ALICE, POUCH_E_DUP_PSK);
	p = val(w, POUCH_MLS_PROP_PSK);
	p->u.psk.psk.type = POUCH_MLS_PSKTYPE_EXTERNAL;
	p->u.psk.psk.psk_id.p = (const uint8_t *)"psk-1";
	p->u.psk.psk.psk_id.n = 5;
	p->u.psk.psk.psk_nonce.p = nonce;
	p->u.psk.psk.psk_nonce.n = 3;
	expect(w, ALICE, POUCH_E_BAD_PSK_NONCE);
	val(w, POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS);
	val(w, POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS);
	expect(w, ALICE, POUCH_E_MULTI_GCE);
	/* one is fine, but needs a path (12.4) */
	val(w, POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS);
	expect(w, ALICE, POUCH_E_PATH_REQUIRED);
	val(w, POUCH_MLS_PROP_REMOVE)->u.remove.removed = leaf(w, CAROL);
	p = val(w, POUCH_MLS_PROP_REINIT);
	p->u.reinit.group_id.p = (const uint8_t *)"next";
	p->u.reinit.group_id.n = 4;
	p->u.reinit.version = POUCH_MLS_VERSION_10;
	p->u.reinit.cipher_suite = w->s->id;
	expect(w, ALICE, POUCH_E_REINIT_NOT_ALONE);
	/* 12.1.5: alone, but to a version older than mls10 */
	p = val(w, POUCH_MLS_PROP_REINIT);
	p->u.reinit.group_id.p = (const uint8_t *)"next";
	p->u.reinit.group_id.n = 4;
	p->u.reinit.version = 0;
	p->u.reinit.cipher_suite = w->s->id;
	expect(w, ALICE, POUCH_E_UNSUPPORTED);
	/* 11.2, 11.3: a reinit or branch PSK is never proposed */
	for (i = POUCH_MLS_USAGE_REINIT; i <= POUCH_MLS_USAGE_BRANCH; i++) {
		p = val(w, POUCH_MLS_PROP_PSK);
		p->u.psk.psk.type = POUCH_MLS_PSKTYPE_RESUMPTION;
		p->u.psk.psk.usage = (uint8_t)i;
		p->u.psk.psk.psk_group_id.p = (const uint8_t *)"old";
		p->u.psk.psk.psk_group_id.n = 3;
		p->u.psk.psk.psk_nonce.p = nonce;
		p->u.psk.psk.psk_nonce.n = w->s->nh;
		expect(w, ALICE, POUCH_E_PSK_USAGE);
	}
	p = val(w, POUCH_MLS_PROP_EXTERNAL_INIT);
	p->u.external_init.kem_output.p = nonce;
	p->u.external_init.kem_output.n = 32;
	expect(w, ALICE, POUCH_E_EXTERNAL_INIT);
	still_fine(w);
}

/* The payload of a required_capabilities extension into w. */
static void
req_caps(struct pouch_wr *w, uint16_t ext, uint16_t cred)
{
	struct pouch_mls_required_capabilities rc;

	memset(&rc, 0, sizeof(rc));
	rc.extension_types.v = &ext;
	rc.extension_types.n = ext != 0;
	rc.credential_types.v = &cred;
	rc.credential_types.n = cred != 0;
	pouch_wr_init(w, 1 << 16);
	pouch_mls_required_capabilities_encode(w, &rc);
	assert_int_equal(pouch_wr_finish(w), POUCH_OK);
}

/*
 * A GroupContextExtensions proposal whose required_capabilities some
 * member lacks is refused (RFC 9420 12.1.7) before anything else; one
 * every member supports only lacks its path here.
 */
static void
test_gce_capabilities(void **state)
{
	struct w *w = *state;
	struct pouch_mls_extension x;
	struct pouch_mls_proposal *p;
	struct pouch_wr wr;

	req_caps(&wr, 0xff00, 0);
	x.type = POUCH_MLS_EXT_REQUIRED_CAPABILITIES;
	x.data.p = wr.buf;
	x.data.n = wr.len;
	p = val(w, POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS);
	p->u.gce.extensions.v = &x;
	p->u.gce.extensions.n = 1;
	expect(w, ALICE, POUCH_E_CAPABILITIES);
	pouch_wr_free(&wr);
	/* x509 credentials: nobody has them */
	req_caps(&wr, 0, POUCH_MLS_CRED_X509);
	x.data.p = wr.buf;
	x.data.n = wr.len;
	p = val(w, POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS);
	p->u.gce.extensions.v = &x;
	p->u.gce.extensions.n = 1;
	expect(w, ALICE, POUCH_E_CAPABILITIES);
	pouch_wr_free(&wr);
	/* an unknown GroupContext extension type nobody supports */
	x.type = 0xff01;
	x.data.p = NULL;
	x.data.n = 0;
	p = val(w, POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS);
	p->u.gce.extensions.v = &x;
	p->u.gce.extensions.n = 1;
	expect(w, ALICE, POUCH_E_CAPABILITIES);
	/* last_resort and basic credentials: all have them */
	req_caps(&wr, POUCH_MLS_EXT_LAST_RESORT, POUCH_MLS_CRED_BASIC);
	x.type = POUCH_MLS_EXT_REQUIRED_CAPABILITIES;
	x.data.p = wr.buf;
	x.data.n = wr.len;
	p = val(w, POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS);
	p->u.gce.extensions.v = &x;
	p->u.gce.extensions.n = 1;
	expect(w, ALICE, POUCH_E_PATH_REQUIRED);
	pouch_wr_free(&wr);
	still_fine(w);
}

/*
 * A received commit whose ReInit would take a hybrid group to suite 1
 * is refused before anything changes (Pouch's no-downgrade rule), by
 * every member; a ReInit that stays post-quantum gets past that rule
 * (to the dummy confirmation tag).
 */
static void
test_reinit_downgrade(void **state)
{
	struct w *w = *state;
	struct pouch_mls_proposal *p;
	int at;

	for (at = ALICE; at <= CAROL; at += CAROL - ALICE) {
		p = val(w, POUCH_MLS_PROP_REINIT);
		p->u.reinit.group_id.p = (const uint8_t *)"next";
		p->u.reinit.group_id.n = 4;
		p->u.reinit.version = POUCH_MLS_VERSION_10;
		p->u.reinit.cipher_suite = 1;
		expect(w, at, POUCH_E_SUITE_DOWNGRADE);
	}
	p = val(w, POUCH_MLS_PROP_REINIT);
	p->u.reinit.group_id.p = (const uint8_t *)"next";
	p->u.reinit.group_id.n = 4;
	p->u.reinit.version = POUCH_MLS_VERSION_10;
	p->u.reinit.cipher_suite = POUCH_MLS_SUITE_HYBRID;
	expect(w, ALICE, POUCH_E_BAD_MAC);
	still_fine(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_remove_rules, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_update_rules, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_add_rules, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_psk_gce_reinit_rules,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_gce_capabilities,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_reinit_downgrade,
		    setup_hybrid, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
