/*
 * test_group_reinit.c - mls/group_reinit: ReInit (RFC 9420 11.2),
 * subgroup branching (11.3) and resumption PSKs (8.4).
 *
 * A 3-member group reinitializes into a group of the same suite and
 * into one of the hybrid suite; every member ends in the new group with
 * the same epoch authenticator and messages flow; the old group refuses
 * commits, proposals and messages of its last epoch.  Two of four
 * members branch.  Each rule has a test that triggers its error: a
 * missing or foreign PSK, a PSK of an epoch no longer kept, an old group
 * not reinit-pending or with other ReInit parameters, a member left out
 * or one too many, two resumption PSKs, an epoch other than 1, a reinit
 * or branch PSK proposed in a commit.  Application-usage resumption PSKs
 * work in a normal commit.  The public API runs the hybrid reinit once.
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
#include <pouch/group.h>

#include "group_fixture.h"
#include "mls/group_int.h"
#include "mls/psk.h"

#define NEWID		"reinit-2"
#define NEWIDLEN	8

#define SU(x)	pouch_mls_suite_get(POUCH_GROUP_SUITE_##x)

/* With POUCH_GROUP_STATE_CORPUS set, g's state is written there as a
 * seed of the loader's fuzz target (fuzz/mls_group_state.c). */
static void
corpus_write(const struct pouch_mls_group *g, const char *name)
{
	uint8_t *b;
	size_t n;

	if (getenv("POUCH_GROUP_STATE_CORPUS") == NULL)
		return;
	assert_int_equal(pouch_mls_group_save(g, &b, &n), POUCH_OK);
	fx_corpus_write(name, b, n);
	pouch_wr_buf_free(b, n);
}

/* Members 0 .. n-1 in one group of f (0 creates, adds the others). */
static void
grow(struct fx *f, int n)
{
	int i;

	fx_create(f, 0);
	for (i = 1; i < n; i++)
		fx_add(f, 0, i);
}

/* The members of f listed in who[0..n) agree and talk. */
static void
agree(struct fx *f, const int *who, int n, uint64_t epoch)
{
	uint8_t a[POUCH_HASH_MAX], b[POUCH_HASH_MAX], *ct;
	size_t ctlen;
	char text[32];
	int i, j;

	assert_int_equal(pouch_mls_group_epoch_authenticator(
	    f->m[who[0]].g, a), POUCH_OK);
	for (i = 0; i < n; i++) {
		assert_int_equal(pouch_mls_group_epoch(f->m[who[i]].g), epoch);
		assert_int_equal(pouch_mls_group_epoch_authenticator(
		    f->m[who[i]].g, b), POUCH_OK);
		assert_memory_equal(a, b, f->s->nh);
	}
	for (i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "from %d at %llu", who[i],
		    (unsigned long long)epoch);
		fx_send(f, who[i], text, &ct, &ctlen);
		for (j = 0; j < n; j++)
			if (j != i)
				fx_recv(f->m[who[j]].g, ct, ctlen, text);
		pouch_wr_buf_free(ct, ctlen);
	}
}

/* Member from proposes a ReInit to suite, the others take it in, and
 * member by commits it by reference; *late is a message of member 2
 * sent in the epoch before. */
static void
reinit_commit(struct fx *f, int n, int from, int by, uint16_t suite,
    uint8_t **late, size_t *latelen)
{
	uint8_t *p, *cm;
	size_t plen, cmlen;

	assert_int_equal(pouch_mls_group_propose_reinit(f->m[from].g,
	    (const uint8_t *)NEWID, NEWIDLEN, suite, NULL, NULL, NULL, 0, &p,
	    &plen), POUCH_OK);
	fx_deliver(f, from, p, plen);
	pouch_wr_buf_free(p, plen);
	fx_send(f, n - 1, "late", late, latelen);
	assert_int_equal(pouch_mls_group_commit_reinit(f->m[by].g, NULL, 0, 0,
	    NULL, NULL, NULL, 0, FX_NOW, &cm, &cmlen), POUCH_OK);
	assert_int_equal(pouch_mls_group_reinit_pending(f->m[by].g, NULL,
	    NULL, NULL), 0);			/* pending until merged */
	assert_int_equal(pouch_mls_group_merge_pending(f->m[by].g), POUCH_OK);
	fx_deliver(f, by, cm, cmlen);
	pouch_wr_buf_free(cm, cmlen);
}

/* Member who of f creates the resumed group of f2 with adds[0..nadds). */
static int
resume(struct fx *f, struct fx *f2, int who, uint8_t usage,
    const char *gid, const int *adds, size_t nadds, uint8_t **wl,
    size_t *wllen)
{
	struct pouch_mls_member_keys k = fx_keys(f2, who);
	const uint8_t *a[FX_MAXM];
	size_t al[FX_MAXM], i;

	for (i = 0; i < nadds; i++) {
		a[i] = f2->m[adds[i]].kp.kp;
		al[i] = f2->m[adds[i]].kp.kplen;
	}
	return pouch_mls_group_resume(f->c, f->m[who].g, usage,
	    (const uint8_t *)gid, gid != NULL ? strlen(gid) : 0, &k, a, al,
	    nadds, FX_NOW, &f2->m[who].g, wl, wllen);
}

/* Member who of f2 joins from wl with old (NULL: no resume option). */
static int
join(struct fx *f2, int who, const struct pouch_mls_group *old,
    const uint8_t *wl, size_t wllen)
{
	struct pouch_mls_member_keys k = fx_keys(f2, who);
	struct pouch_mls_join_opts o;

	memset(&o, 0, sizeof(o));
	o.resume = old;
	return pouch_mls_group_join(f2->c, f2->s, &k, wl, wllen, &o, FX_NOW,
	    &f2->m[who].g);
}

static void
reinit_to(uint16_t suite)
{
	static const int all[] = { 0, 1, 2 }, two[] = { 0, 1 };
	struct fx *f = fx_new(), *f2 = fx_new_suite(suite);
	struct pouch_mls_commit_req req;
	struct pouch_mls_group *x;
	const uint8_t *id;
	uint8_t *late, *ct, *cm, *wl;
	size_t latelen, ctlen, cmlen, wllen, idlen;
	uint16_t s;
	int i;

	grow(f, 3);
	reinit_commit(f, 3, 1, 0, suite, &late, &latelen);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pouch_mls_group_reinit_pending(f->m[i].g, &id,
		    &idlen, &s), 1);
		assert_int_equal(idlen, NEWIDLEN);
		assert_memory_equal(id, NEWID, NEWIDLEN);
		assert_int_equal(s, suite);
	}
	/* late messages of the epoch before still decrypt */
	fx_recv(f->m[0].g, late, latelen, "late");
	pouch_wr_buf_free(late, latelen);
	/* the old group is closed */
	assert_int_equal(pouch_mls_group_encrypt(f->m[0].g, NULL, 0,
	    (const uint8_t *)"x", 1, &ct, &ctlen), POUCH_E_REINIT_PENDING);
	memset(&req, 0, sizeof(req));
	req.now = FX_NOW;
	assert_int_equal(pouch_mls_group_commit(f->m[1].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_E_REINIT_PENDING);
	assert_int_equal(pouch_mls_group_propose_update(f->m[1].g, &ct,
	    &ctlen), POUCH_E_REINIT_PENDING);
	assert_int_equal(pouch_mls_group_propose_reinit(f->m[1].g,
	    (const uint8_t *)"z", 1, suite, NULL, NULL, NULL, 0, &ct, &ctlen),
	    POUCH_E_REINIT_PENDING);
	assert_int_equal(pouch_mls_group_commit_reinit(f->m[2].g,
	    (const uint8_t *)"z", 1, suite, NULL, NULL, NULL, 0, FX_NOW, &cm,
	    &cmlen), POUCH_E_REINIT_PENDING);
	/* ... and stays so through save and load */
	if (suite == POUCH_GROUP_SUITE_1)
		corpus_write(f->m[2].g, "state-reinit");
	x = fx_reload(f, f->m[2].g);
	assert_int_equal(pouch_mls_group_reinit_pending(x, NULL, NULL, NULL),
	    1);
	assert_int_equal(pouch_mls_group_encrypt(x, NULL, 0,
	    (const uint8_t *)"x", 1, &ct, &ctlen), POUCH_E_REINIT_PENDING);
	/* member 2 (not the committer) recreates the group */
	assert_int_equal(resume(f, f2, 2, POUCH_MLS_PSK_USAGE_REINIT, NULL,
	    two, 2, &wl, &wllen), POUCH_OK);
	assert_non_null(wl);
	assert_int_equal(join(f2, 0, f->m[0].g, wl, wllen), POUCH_OK);
	/* from a reloaded copy of the old group too */
	assert_int_equal(join(f2, 1, x, wl, wllen), POUCH_OK);
	pouch_mls_group_free(x);
	pouch_wr_buf_free(wl, wllen);
	for (i = 0; i < 3; i++) {
		id = pouch_mls_group_id(f2->m[i].g, &idlen);
		assert_int_equal(idlen, NEWIDLEN);
		assert_memory_equal(id, NEWID, NEWIDLEN);
		assert_int_equal(pouch_mls_group_suite(f2->m[i].g)->id, suite);
		assert_int_equal(pouch_mls_group_members(f2->m[i].g), 3);
	}
	agree(f2, all, 3, 1);
	/* the new group goes on */
	fx_commit(f2, 1, -1);
	agree(f2, all, 3, 2);
	fx_free(f2);
	fx_free(f);
}

static void
test_reinit_same_suite(void **state)
{
	(void)state;
	reinit_to(POUCH_GROUP_SUITE_1);
}

static void
test_reinit_hybrid(void **state)
{
	(void)state;
	reinit_to(POUCH_GROUP_SUITE_HYBRID);
}

/*
 * A group in the hybrid suite is never moved to one without ML-KEM: no
 * ReInit to suite 1 is made, proposed or committed, and the group goes
 * on; a ReInit that keeps the hybrid suite is made.  (A received one is
 * test_group_validate's.)
 */
static void
test_reinit_no_downgrade(void **state)
{
	static const int all[] = { 0, 1 };
	struct fx *f = fx_new_suite(POUCH_GROUP_SUITE_HYBRID);
	uint8_t *ct = NULL, *cm = NULL;
	size_t ctlen = 0, cmlen = 0;

	(void)state;
	assert_int_equal(pouch_mls_suite_downgrade(SU(HYBRID), SU(1)), 1);
	assert_int_equal(pouch_mls_suite_downgrade(SU(HYBRID),
	    pouch_mls_suite_get(0x9999)), 1);	/* unknown: not PQ */
	assert_int_equal(pouch_mls_suite_downgrade(SU(HYBRID), SU(HYBRID)),
	    0);
	assert_int_equal(pouch_mls_suite_downgrade(SU(1), SU(HYBRID)), 0);
	assert_int_equal(pouch_mls_suite_downgrade(SU(1),
	    pouch_mls_suite_get(2)), 0);
	grow(f, 2);
	assert_int_equal(pouch_mls_group_propose_reinit(f->m[0].g,
	    (const uint8_t *)"z", 1, POUCH_GROUP_SUITE_1, NULL, NULL, NULL, 0,
	    &ct, &ctlen), POUCH_E_SUITE_DOWNGRADE);
	assert_null(ct);
	assert_int_equal(pouch_mls_group_commit_reinit(f->m[1].g,
	    (const uint8_t *)"z", 1, POUCH_GROUP_SUITE_1, NULL, NULL, NULL, 0,
	    FX_NOW, &cm, &cmlen), POUCH_E_SUITE_DOWNGRADE);
	assert_null(cm);
	assert_int_equal(pouch_mls_group_reinit_pending(f->m[1].g, NULL, NULL,
	    NULL), 0);
	fx_commit(f, 1, -1);
	agree(f, all, 2, 2);
	assert_int_equal(pouch_mls_group_propose_reinit(f->m[0].g,
	    (const uint8_t *)"z", 1, POUCH_GROUP_SUITE_HYBRID, NULL, NULL,
	    NULL, 0, &ct, &ctlen), POUCH_OK);
	pouch_wr_buf_free(ct, ctlen);
	fx_free(f);
}

/* A copy of g through save and load whose state bytes are changed by
 * fn (the committed ReInit is the tail of a state without pending). */
static struct pouch_mls_group *
edited(struct fx *f, const struct pouch_mls_group *g, int drop_reinit,
    int flip_id)
{
	struct pouch_mls_group *x;
	uint8_t *b;
	size_t n;

	assert_int_equal(pouch_mls_group_save(g, &b, &n), POUCH_OK);
	/* tail: 01 | len id | 00 01 | suite | 01 00 */
	assert_int_equal(b[n - 2 - 2 - 2 - NEWIDLEN - 2], 1);
	if (drop_reinit) {
		n -= 2 + 2 + 2 + NEWIDLEN + 1;
		b[n - 1] = 0;
	}
	if (flip_id)
		b[n - 2 - 2 - 2 - 1] ^= 1;
	assert_int_equal(pouch_mls_group_load(f->c, b, n, &x), POUCH_OK);
	pouch_wr_buf_free(b, n + (drop_reinit ? 2 + 2 + 2 + NEWIDLEN + 1 :
	    0));
	return x;
}

/* Commits and messages of the last epoch are refused; a copy of a
 * member whose ReInit is cut from its state makes them. */
static void
test_after_reinit(void **state)
{
	struct fx *f = fx_new();
	struct pouch_mls_commit_req req;
	struct pouch_mls_group *x;
	uint8_t *late, *ct, *cm, *wl, *pt;
	size_t latelen, ctlen, cmlen, wllen, ptlen;
	uint32_t from;

	(void)state;
	grow(f, 3);
	reinit_commit(f, 3, 0, 1, POUCH_GROUP_SUITE_1, &late, &latelen);
	pouch_wr_buf_free(late, latelen);
	x = edited(f, f->m[2].g, 1, 0);
	assert_int_equal(pouch_mls_group_reinit_pending(x, NULL, NULL, NULL),
	    0);
	assert_int_equal(pouch_mls_group_encrypt(x, NULL, 0,
	    (const uint8_t *)"x", 1, &ct, &ctlen), POUCH_OK);
	assert_int_equal(pouch_mls_group_decrypt(f->m[0].g, ct, ctlen, &pt,
	    &ptlen, &from), POUCH_E_REINIT_PENDING);
	assert_null(pt);
	pouch_wr_buf_free(ct, ctlen);
	memset(&req, 0, sizeof(req));
	req.now = FX_NOW;
	assert_int_equal(pouch_mls_group_commit(x, &req, &cm, &cmlen, &wl,
	    &wllen), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(f->m[0].g, cm, cmlen,
	    FX_NOW), POUCH_E_REINIT_PENDING);
	assert_int_equal(pouch_mls_group_reinit_pending(f->m[0].g, NULL, NULL,
	    NULL), 1);
	pouch_wr_buf_free(cm, cmlen);
	pouch_mls_group_free(x);
	/* a ReInit commit holds the ReInit alone */
	pouch_mls_group_discard_pending(f->m[2].g);
	fx_free(f);
	f = fx_new();
	grow(f, 2);
	memset(&req, 0, sizeof(req));
	req.now = FX_NOW;
	req.reinit_cached = 1;
	assert_int_equal(pouch_mls_group_commit(f->m[0].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_E_UNKNOWN_PROPOSAL);
	req.nremoves = 1;
	req.removes = &from;
	from = 1;
	assert_int_equal(pouch_mls_group_commit(f->m[0].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_group_has_pending(f->m[0].g), 0);
	/* a by-value ReInit commit is taken by the others */
	assert_int_equal(pouch_mls_group_commit_reinit(f->m[1].g,
	    (const uint8_t *)NEWID, NEWIDLEN, 0x7777, NULL, NULL, NULL, 0,
	    FX_NOW, &cm, &cmlen), POUCH_E_UNSUPPORTED);
	assert_int_equal(pouch_mls_group_commit_reinit(f->m[1].g,
	    (const uint8_t *)NEWID, NEWIDLEN, POUCH_GROUP_SUITE_1, NULL, NULL,
	    NULL, 0, FX_NOW, &cm, &cmlen), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(f->m[1].g), POUCH_OK);
	fx_deliver(f, 1, cm, cmlen);
	pouch_wr_buf_free(cm, cmlen);
	assert_int_equal(pouch_mls_group_reinit_pending(f->m[0].g, NULL, NULL,
	    NULL), 1);
	fx_free(f);
}

static void
test_reinit_join_errors(void **state)
{
	static const int two[] = { 0, 1 }, one[] = { 0 };
	struct fx *f = fx_new(), *f2 = fx_new();
	struct pouch_mls_group *before, *x;
	uint8_t *late, *wl, *wl1;
	size_t latelen, wllen, wl1len;

	(void)state;
	grow(f, 3);
	before = fx_reload(f, f->m[0].g);
	reinit_commit(f, 3, 2, 2, POUCH_GROUP_SUITE_1, &late, &latelen);
	pouch_wr_buf_free(late, latelen);
	/* only a reinit-pending group resumes by reinit */
	assert_int_equal(resume(f, f2, 2, POUCH_MLS_PSK_USAGE_REINIT, "x",
	    two, 2, &wl, &wllen), POUCH_E_MISUSE);
	assert_int_equal(resume(f, f2, 2, 9, NULL, two, 2, &wl, &wllen),
	    POUCH_E_MISUSE);
	assert_null(wl);
	assert_int_equal(resume(f, f2, 2, POUCH_MLS_PSK_USAGE_BRANCH, "br",
	    two, 2, &wl, &wllen), POUCH_E_REINIT_PENDING);
	assert_int_equal(resume(f, f2, 2, POUCH_MLS_PSK_USAGE_REINIT, NULL,
	    two, 2, &wl, &wllen), POUCH_OK);
	pouch_mls_group_free(f2->m[2].g);
	f2->m[2].g = NULL;
	/* missing PSK: no old group given */
	assert_int_equal(join(f2, 0, NULL, wl, wllen), POUCH_E_PSK_UNAVAILABLE);
	assert_null(f2->m[0].g);
	/* old group not reinit-pending (its state from before) */
	assert_int_equal(join(f2, 0, before, wl, wllen),
	    POUCH_E_RESUME_MISMATCH);
	/* another group id in the ReInit than in the Welcome */
	x = edited(f, f->m[0].g, 0, 1);
	assert_int_equal(join(f2, 0, x, wl, wllen), POUCH_E_RESUME_MISMATCH);
	pouch_mls_group_free(x);
	/* a plain Welcome where a resumption was asked for */
	fx_create(f2, 3);
	fx_kp(f2, 0);
	{
		struct pouch_mls_commit_req req;
		const uint8_t *a[1];
		size_t al[1];
		uint8_t *cm;
		size_t cmlen;

		a[0] = f2->m[0].kp.kp;
		al[0] = f2->m[0].kp.kplen;
		memset(&req, 0, sizeof(req));
		req.adds = a;
		req.addlens = al;
		req.nadds = 1;
		req.now = FX_NOW;
		assert_int_equal(pouch_mls_group_commit(f2->m[3].g, &req, &cm,
		    &cmlen, &wl1, &wl1len), POUCH_OK);
		pouch_wr_buf_free(cm, cmlen);
	}
	assert_int_equal(join(f2, 0, f->m[0].g, wl1, wl1len),
	    POUCH_E_RESUME_MISMATCH);
	pouch_wr_buf_free(wl1, wl1len);
	pouch_wr_buf_free(wl, wllen);
	/* a member of the old group left out */
	fx_kp(f2, 0);
	fx_kp(f2, 2);
	assert_int_equal(resume(f, f2, 2, POUCH_MLS_PSK_USAGE_REINIT, NULL,
	    one, 1, &wl, &wllen), POUCH_OK);
	assert_int_equal(join(f2, 0, f->m[0].g, wl, wllen),
	    POUCH_E_RESUME_MEMBERS);
	pouch_wr_buf_free(wl, wllen);
	pouch_mls_group_free(before);
	fx_free(f2);
	fx_free(f);
}

static void
test_branch(void **state)
{
	static const int sub[] = { 1, 3 }, old[] = { 0, 1, 2, 3 };
	static const int three[] = { 3 };
	struct fx *f = fx_new(), *f2 = fx_new(), *f3 = fx_new();
	uint8_t a[POUCH_HASH_MAX], b[POUCH_HASH_MAX], *wl;
	size_t wllen;
	int i;

	(void)state;
	grow(f, 4);
	assert_int_equal(resume(f, f2, 1, POUCH_MLS_PSK_USAGE_BRANCH,
	    "branch", three, 1, &wl, &wllen), POUCH_OK);
	assert_int_equal(join(f2, 3, f->m[3].g, wl, wllen), POUCH_OK);
	pouch_wr_buf_free(wl, wllen);
	assert_int_equal(pouch_mls_group_members(f2->m[1].g), 2);
	assert_int_equal(pouch_mls_group_epoch_authenticator(f2->m[1].g, a),
	    POUCH_OK);
	assert_int_equal(pouch_mls_group_epoch_authenticator(f2->m[3].g, b),
	    POUCH_OK);
	assert_memory_equal(a, b, f->s->nh);
	agree(f2, sub, 2, 1);
	fx_commit(f2, 3, -1);
	agree(f2, sub, 2, 2);
	/* the old group goes on unaffected */
	fx_commit(f, 2, -1);
	agree(f, old, 4, 4);
	/* a branch PSK of an epoch the joiner no longer keeps */
	fx_kp(f3, 3);
	assert_int_equal(resume(f, f3, 1, POUCH_MLS_PSK_USAGE_BRANCH, "b2",
	    three, 1, &wl, &wllen), POUCH_OK);
	for (i = 0; i < RPSK_KEEP + 1; i++)
		fx_commit(f, 0, -1);
	assert_int_equal(join(f3, 3, f->m[3].g, wl, wllen),
	    POUCH_E_PSK_UNAVAILABLE);
	pouch_wr_buf_free(wl, wllen);
	/* ... or of another group */
	pouch_mls_group_free(f3->m[1].g);
	f3->m[1].g = NULL;
	assert_int_equal(resume(f, f3, 1, POUCH_MLS_PSK_USAGE_BRANCH, "b3",
	    three, 1, &wl, &wllen), POUCH_OK);
	assert_int_equal(join(f3, 3, f2->m[3].g, wl, wllen),
	    POUCH_E_PSK_UNAVAILABLE);
	/* the right one works */
	assert_int_equal(join(f3, 3, f->m[3].g, wl, wllen), POUCH_OK);
	pouch_wr_buf_free(wl, wllen);
	fx_free(f3);
	fx_free(f2);
	fx_free(f);
}

/* A branch holding a client the old group lacks. */
static void
test_branch_stranger(void **state)
{
	static const int three[] = { 3 };
	struct fx *f = fx_new(), *f2 = fx_new();
	uint8_t *wl;
	size_t wllen;

	(void)state;
	grow(f, 3);
	snprintf(f2->m[3].id, sizeof(f2->m[3].id), "stranger");
	fx_kp(f2, 3);
	assert_int_equal(resume(f, f2, 0, POUCH_MLS_PSK_USAGE_BRANCH, "b",
	    three, 1, &wl, &wllen), POUCH_OK);
	/* he has no copy of the group: any old group */
	assert_int_equal(join(f2, 3, f->m[1].g, wl, wllen),
	    POUCH_E_RESUME_MEMBERS);
	pouch_wr_buf_free(wl, wllen);
	fx_free(f2);
	fx_free(f);
}

/*
 * By hand: the resumed group of member 0 (group "hand") with proposals
 * of branch PSKs of old's epochs e[0..ne), then commits adding member
 * 1 of f2 (after extra self-updates) and returns the Welcome.
 */
static void
hand_branch(struct fx *f, struct fx *f2, const uint64_t *e, size_t ne,
    int extra, uint8_t **wl, size_t *wllen)
{
	struct pouch_mls_member_keys k = fx_keys(f2, 0);
	struct pouch_mls_commit_req req;
	struct pouch_mls_proposal pr;
	const struct pouch_mls_group *old = f->m[0].g;
	struct pouch_mls_group *g;
	uint8_t nonce[POUCH_HASH_MAX], *m, *cm, *w0;
	size_t mlen, cmlen, w0len, i;
	const uint8_t *a[1];
	size_t al[1];
	int j;

	assert_int_equal(pouch_mls_group_create(f2->c, f2->s,
	    (const uint8_t *)"hand", 4, &k, FX_NOW, &f2->m[0].g), POUCH_OK);
	g = f2->m[0].g;
	memset(&req, 0, sizeof(req));
	req.now = FX_NOW;
	for (j = 0; j < extra; j++) {
		assert_int_equal(pouch_mls_group_commit(g, &req, &cm, &cmlen,
		    &w0, &w0len), POUCH_OK);
		assert_int_equal(pouch_mls_group_merge_pending(g), POUCH_OK);
		pouch_wr_buf_free(cm, cmlen);
	}
	g->link = old;
	for (i = 0; i < ne; i++) {
		memset(nonce, (int)i + 1, sizeof(nonce));
		memset(&pr, 0, sizeof(pr));
		pr.type = POUCH_MLS_PROP_PSK;
		pr.u.psk.psk.type = POUCH_MLS_PSKTYPE_RESUMPTION;
		pr.u.psk.psk.usage = POUCH_MLS_USAGE_BRANCH;
		pr.u.psk.psk.psk_group_id.p = old->group_id;
		pr.u.psk.psk.psk_group_id.n = old->group_idlen;
		pr.u.psk.psk.psk_epoch = e[i];
		pr.u.psk.psk.psk_nonce.p = nonce;
		pr.u.psk.psk.psk_nonce.n = f2->s->nh;
		assert_int_equal(pouch_mls_group_propose_msg(g, &pr, &m,
		    &mlen), POUCH_OK);
		pouch_wr_buf_free(m, mlen);
	}
	a[0] = f2->m[1].kp.kp;
	al[0] = f2->m[1].kp.kplen;
	req.adds = a;
	req.addlens = al;
	req.nadds = 1;
	req.by_reference = 1;
	assert_int_equal(pouch_mls_group_commit(g, &req, &cm, &cmlen, wl,
	    wllen), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(g), POUCH_OK);
	g->link = NULL;
	pouch_wr_buf_free(cm, cmlen);
}

static void
test_branch_psk_rules(void **state)
{
	struct fx *f, *f2;
	uint64_t e[2];
	uint8_t *wl;
	size_t wllen;

	(void)state;
	/* two branch PSKs in one Welcome */
	f = fx_new();
	f2 = fx_new();
	grow(f, 2);
	fx_commit(f, 1, -1);
	e[0] = pouch_mls_group_epoch(f->m[0].g);
	e[1] = e[0] - 1;
	hand_branch(f, f2, e, 2, 0, &wl, &wllen);
	assert_int_equal(join(f2, 1, f->m[1].g, wl, wllen), POUCH_E_PSK_USAGE);
	pouch_wr_buf_free(wl, wllen);
	fx_free(f2);
	/* a branch at epoch 2 of the new group */
	f2 = fx_new();
	hand_branch(f, f2, e, 1, 1, &wl, &wllen);
	assert_int_equal(join(f2, 1, f->m[1].g, wl, wllen),
	    POUCH_E_RESUME_MISMATCH);
	pouch_wr_buf_free(wl, wllen);
	fx_free(f2);
	/* one at epoch 1: fine */
	f2 = fx_new();
	hand_branch(f, f2, e, 1, 0, &wl, &wllen);
	assert_int_equal(join(f2, 1, f->m[1].g, wl, wllen), POUCH_OK);
	pouch_wr_buf_free(wl, wllen);
	fx_free(f2);
	fx_free(f);
}

/* A PreSharedKey proposal of usage branch in a commit is refused; one
 * of usage application is taken. */
static void
test_psk_proposals(void **state)
{
	static const int both[] = { 0, 1 };
	struct fx *f = fx_new(), *o = fx_new();
	struct pouch_mls_commit_req req;
	struct pouch_mls_proposal pr;
	uint8_t nonce[POUCH_HASH_MAX], *m, *cm, *wl, before[POUCH_HASH_MAX];
	uint8_t after[POUCH_HASH_MAX];
	size_t mlen, cmlen, wllen;
	uint64_t ep;

	(void)state;
	grow(f, 2);
	grow(o, 2);
	fx_commit(f, 1, -1);
	/* application usage, of the epoch before */
	ep = pouch_mls_group_epoch(f->m[0].g);
	assert_int_equal(pouch_mls_group_propose_resumption(f->m[0].g,
	    ep + 1, &m, &mlen), POUCH_E_PSK_UNAVAILABLE);
	assert_null(m);
	assert_int_equal(pouch_mls_group_propose_resumption(f->m[0].g,
	    ep - 1, &m, &mlen), POUCH_OK);
	fx_deliver(f, 0, m, mlen);
	pouch_wr_buf_free(m, mlen);
	memset(&req, 0, sizeof(req));
	req.now = FX_NOW;
	req.by_reference = 1;
	assert_int_equal(pouch_mls_group_commit(f->m[1].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(f->m[1].g), POUCH_OK);
	fx_deliver(f, 1, cm, cmlen);
	pouch_wr_buf_free(cm, cmlen);
	agree(f, both, 2, ep + 1);
	/* usage branch, proposed by a member linked to another group */
	assert_int_equal(pouch_mls_group_epoch_authenticator(f->m[1].g,
	    before), POUCH_OK);
	f->m[0].g->link = o->m[0].g;
	memset(nonce, 5, sizeof(nonce));
	memset(&pr, 0, sizeof(pr));
	pr.type = POUCH_MLS_PROP_PSK;
	pr.u.psk.psk.type = POUCH_MLS_PSKTYPE_RESUMPTION;
	pr.u.psk.psk.usage = POUCH_MLS_USAGE_BRANCH;
	pr.u.psk.psk.psk_group_id.p = o->m[0].g->group_id;
	pr.u.psk.psk.psk_group_id.n = o->m[0].g->group_idlen;
	pr.u.psk.psk.psk_epoch = pouch_mls_group_epoch(o->m[0].g);
	pr.u.psk.psk.psk_nonce.p = nonce;
	pr.u.psk.psk.psk_nonce.n = f->s->nh;
	assert_int_equal(pouch_mls_group_propose_msg(f->m[0].g, &pr, &m,
	    &mlen), POUCH_OK);
	fx_deliver(f, 0, m, mlen);
	pouch_wr_buf_free(m, mlen);
	assert_int_equal(pouch_mls_group_commit(f->m[0].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_OK);
	f->m[0].g->link = NULL;
	assert_int_equal(pouch_mls_group_process(f->m[1].g, cm, cmlen,
	    FX_NOW), POUCH_E_PSK_USAGE);
	pouch_wr_buf_free(cm, cmlen);
	assert_int_equal(pouch_mls_group_epoch_authenticator(f->m[1].g,
	    after), POUCH_OK);
	assert_memory_equal(before, after, f->s->nh);
	pouch_mls_group_discard_pending(f->m[0].g);
	agree(f, both, 2, ep + 1);
	fx_free(o);
	fx_free(f);
}

/* The lookup of a reinit PSK: only the old group's last epoch. */
static void
test_linked_psk(void **state)
{
	struct fx *f = fx_new(), *f2 = fx_new();
	struct pouch_mls_group *g, *before;
	struct pouch_mls_psk_input in;
	struct pouch_mls_psk_id id;
	uint8_t *late;
	size_t latelen;
	uint64_t last;

	(void)state;
	grow(f, 2);
	before = fx_reload(f, f->m[0].g);
	reinit_commit(f, 2, 0, 1, POUCH_GROUP_SUITE_1, &late, &latelen);
	pouch_wr_buf_free(late, latelen);
	fx_create(f2, 0);
	g = f2->m[0].g;
	last = pouch_mls_group_epoch(f->m[0].g);
	memset(&id, 0, sizeof(id));
	id.type = POUCH_MLS_PSKTYPE_RESUMPTION;
	id.usage = POUCH_MLS_USAGE_REINIT;
	id.psk_group_id.p = f->m[0].g->group_id;
	id.psk_group_id.n = f->m[0].g->group_idlen;
	id.psk_epoch = last;
	memset(&in, 0, sizeof(in));
	assert_int_equal(pouch_mls_group_linked_psk(g, &id, &in),
	    POUCH_E_PSK_UNAVAILABLE);		/* no old group */
	g->link = f->m[0].g;
	assert_int_equal(pouch_mls_group_linked_psk(g, &id, &in), POUCH_OK);
	assert_ptr_equal(in.psk, f->m[0].g->cur.es.resumption_psk);
	assert_int_equal(in.psklen, f->s->nh);
	assert_int_equal(in.psk_epoch, last);
	id.psk_epoch = last - 1;		/* kept, but not the last */
	assert_int_equal(pouch_mls_group_linked_psk(g, &id, &in),
	    POUCH_E_RESUME_MISMATCH);
	id.usage = POUCH_MLS_USAGE_BRANCH;	/* fine for a branch */
	assert_int_equal(pouch_mls_group_linked_psk(g, &id, &in), POUCH_OK);
	id.usage = POUCH_MLS_USAGE_APPLICATION;
	assert_int_equal(pouch_mls_group_linked_psk(g, &id, &in),
	    POUCH_E_UNSUPPORTED);
	id.usage = POUCH_MLS_USAGE_REINIT;
	id.psk_epoch = last;
	id.psk_group_id.n--;			/* another group */
	assert_int_equal(pouch_mls_group_linked_psk(g, &id, &in),
	    POUCH_E_PSK_UNAVAILABLE);
	id.psk_group_id.n++;
	g->link = before;			/* not reinit-pending */
	id.psk_epoch = pouch_mls_group_epoch(before);
	assert_int_equal(pouch_mls_group_linked_psk(g, &id, &in),
	    POUCH_E_RESUME_MISMATCH);
	g->link = NULL;
	pouch_mls_group_free(before);
	fx_free(f2);
	fx_free(f);
}

/*
 * Version 3 (no suite row) and version 2 (no ReInit field either) states
 * still load.
 */
static void
test_state_v2(void **state)
{
	struct fx *f = fx_new();
	struct pouch_mls_group *x;
	uint8_t *b;
	size_t n;

	(void)state;
	grow(f, 2);
	assert_int_equal(pouch_mls_group_save(f->m[1].g, &b, &n), POUCH_OK);
	assert_int_equal(b[5], 4);
	assert_int_equal(b[6] << 8 | b[7], 1);	/* suite */
	assert_int_equal(b[8] << 8 | b[9], 1);	/* its row */
	assert_int_equal(b[n - 1], 0);		/* no ReInit */
	/* version 3: without the row */
	memmove(b + 8, b + 10, n - 10);
	n -= 2;
	assert_int_equal(pouch_mls_group_load(f->c, b, n, &x),
	    POUCH_E_MALFORMED);			/* still says 4 */
	b[5] = 3;
	assert_int_equal(pouch_mls_group_load(f->c, b, n, &x), POUCH_OK);
	assert_int_equal(pouch_mls_group_epoch(x), 1);
	pouch_mls_group_free(x);
	b[5] = 2;
	assert_int_equal(pouch_mls_group_load(f->c, b, n, &x),
	    POUCH_E_TRAILING);
	assert_int_equal(pouch_mls_group_load(f->c, b, n - 1, &x), POUCH_OK);
	assert_int_equal(pouch_mls_group_epoch(x), 1);
	pouch_mls_group_free(x);
	b[5] = 5;
	assert_int_equal(pouch_mls_group_load(f->c, b, n, &x),
	    POUCH_E_UNSUPPORTED);
	pouch_wr_buf_free(b, n + 2);
	fx_free(f);
}

/* ---- the public API: 3 members from suite 1 to the hybrid suite ---- */

struct pm {
	uint8_t		*kp, *priv;
	size_t		 kplen, privlen;
	pouch_group	*g, *ng;
};

static void
pm_kp(struct pm *m, uint16_t suite, int i)
{
	char id[16];

	pouch_buf_free(m->kp, m->kplen);
	pouch_buf_free(m->priv, m->privlen);
	snprintf(id, sizeof(id), "user-%d", i);
	assert_int_equal(pouch_key_package_create(suite, (const uint8_t *)id,
	    strlen(id), 1000, 2000, &m->kp, &m->kplen, &m->priv, &m->privlen),
	    POUCH_OK);
}

static void
test_public_api(void **state)
{
	struct pm m[3];
	const uint8_t *adds[2];
	size_t addlens[2], cmlen, wllen, plen, ptlen, idlen, n, ctlen;
	uint8_t *cm, *wl, *p, *pt, *id, *ct;
	uint8_t a[POUCH_GROUP_HASH_MAX], b[POUCH_GROUP_HASH_MAX];
	uint16_t suite;
	uint32_t from;
	int i, j;

	(void)state;
	memset(m, 0, sizeof(m));
	for (i = 0; i < 3; i++)
		pm_kp(&m[i], POUCH_GROUP_SUITE_1, i);
	assert_int_equal(pouch_group_create((const uint8_t *)"old", 3,
	    m[0].priv, m[0].privlen, 1500, &m[0].g), POUCH_OK);
	adds[0] = m[1].kp;
	adds[1] = m[2].kp;
	addlens[0] = m[1].kplen;
	addlens[1] = m[2].kplen;
	assert_int_equal(pouch_group_commit(m[0].g, adds, addlens, 2, NULL, 0,
	    1500, &cm, &cmlen, &wl, &wllen), POUCH_OK);
	assert_int_equal(pouch_group_merge_pending(m[0].g), POUCH_OK);
	pouch_buf_free(cm, cmlen);
	for (i = 1; i < 3; i++)
		assert_int_equal(pouch_group_join(m[i].priv, m[i].privlen, wl,
		    wllen, 1500, &m[i].g), POUCH_OK);
	pouch_buf_free(wl, wllen);
	/* 2 proposes, 1 commits */
	assert_int_equal(pouch_group_propose_reinit(m[2].g,
	    (const uint8_t *)"new", 3, POUCH_GROUP_SUITE_HYBRID, &p, &plen),
	    POUCH_OK);
	for (i = 0; i < 2; i++)
		assert_int_equal(pouch_group_process(m[i].g, p, plen, 1500),
		    POUCH_OK);
	pouch_buf_free(p, plen);
	assert_int_equal(pouch_group_reinit_target(m[1].g, &id, &idlen,
	    &suite), POUCH_E_STATE);
	assert_int_equal(pouch_group_commit_reinit(m[1].g, NULL, 0, 0, 1500,
	    &cm, &cmlen), POUCH_OK);
	assert_int_equal(pouch_group_merge_pending(m[1].g), POUCH_OK);
	for (i = 0; i < 3; i += 2)
		assert_int_equal(pouch_group_process(m[i].g, cm, cmlen, 1500),
		    POUCH_OK);
	pouch_buf_free(cm, cmlen);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pouch_group_reinit_pending(m[i].g), 1);
		assert_int_equal(pouch_group_reinit_target(m[i].g, &id, &idlen,
		    &suite), POUCH_OK);
		assert_int_equal(idlen, 3);
		assert_memory_equal(id, "new", 3);
		assert_int_equal(suite, POUCH_GROUP_SUITE_HYBRID);
		pouch_buf_free(id, idlen);
		assert_int_equal(pouch_group_encrypt(m[i].g, NULL, 0,
		    (const uint8_t *)"x", 1, &ct, &ctlen),
		    POUCH_E_REINIT_PENDING);
		pm_kp(&m[i], POUCH_GROUP_SUITE_HYBRID, i);
	}
	assert_int_equal(pouch_group_commit(m[0].g, NULL, NULL, 0, NULL, 0,
	    1500, &cm, &cmlen, &wl, &wllen), POUCH_E_REINIT_PENDING);
	/* 0 recreates it */
	adds[0] = m[1].kp;
	adds[1] = m[2].kp;
	addlens[0] = m[1].kplen;
	addlens[1] = m[2].kplen;
	assert_int_equal(pouch_group_resume(m[0].g, 7, NULL, 0, m[0].priv,
	    m[0].privlen, adds, addlens, 2, 1500, &m[0].ng, &wl, &wllen),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_group_resume(m[0].g, POUCH_GROUP_RESUME_REINIT,
	    NULL, 0, m[0].priv, m[0].privlen, adds, addlens, 2, 1500,
	    &m[0].ng, &wl, &wllen), POUCH_OK);
	assert_int_equal(pouch_group_join(m[1].priv, m[1].privlen, wl, wllen,
	    1500, &m[1].ng), POUCH_E_PSK_UNAVAILABLE);
	for (i = 1; i < 3; i++)
		assert_int_equal(pouch_group_join_resume(m[i].priv,
		    m[i].privlen, wl, wllen, m[i].g, 1500, &m[i].ng),
		    POUCH_OK);
	pouch_buf_free(wl, wllen);
	assert_int_equal(pouch_group_epoch_authenticator(m[0].ng, a,
	    sizeof(a), &n), POUCH_OK);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pouch_group_suite(m[i].ng),
		    POUCH_GROUP_SUITE_HYBRID);
		assert_int_equal(pouch_group_epoch(m[i].ng), 1);
		assert_int_equal(pouch_group_members(m[i].ng), 3);
		assert_int_equal(pouch_group_epoch_authenticator(m[i].ng, b,
		    sizeof(b), &n), POUCH_OK);
		assert_memory_equal(a, b, n);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(pouch_group_encrypt(m[i].ng, NULL, 0,
		    (const uint8_t *)"hi", 2, &ct, &ctlen), POUCH_OK);
		for (j = 0; j < 3; j++) {
			if (j == i)
				continue;
			assert_int_equal(pouch_group_decrypt(m[j].ng, ct, ctlen,
			    &pt, &ptlen, &from), POUCH_OK);
			assert_int_equal(from, pouch_group_leaf(m[i].ng));
			assert_int_equal(ptlen, 2);
			assert_memory_equal(pt, "hi", 2);
			pouch_buf_free(pt, ptlen);
		}
		pouch_buf_free(ct, ctlen);
	}
	for (i = 0; i < 3; i++) {
		pouch_group_free(m[i].g);
		pouch_group_free(m[i].ng);
		pouch_buf_free(m[i].kp, m[i].kplen);
		pouch_buf_free(m[i].priv, m[i].privlen);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reinit_same_suite),
		cmocka_unit_test(test_reinit_hybrid),
		cmocka_unit_test(test_reinit_no_downgrade),
		cmocka_unit_test(test_after_reinit),
		cmocka_unit_test(test_reinit_join_errors),
		cmocka_unit_test(test_branch),
		cmocka_unit_test(test_branch_stranger),
		cmocka_unit_test(test_branch_psk_rules),
		cmocka_unit_test(test_psk_proposals),
		cmocka_unit_test(test_linked_psk),
		cmocka_unit_test(test_state_v2),
		cmocka_unit_test(test_public_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
