/*
 * test_group_cred.c - a commit that changes our own credential
 * (pouch_mls_commit_req.identity): the UpdatePath's leaf carries the new
 * identity with the same signature key, every member sees it after the
 * commit, the group keeps working, the identity outlives the caller's
 * buffer, and the misuse cases change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "group_fixture.h"

/* Member j's view of leaf i: identity and signature key. */
static void
leaf_of(struct fx *f, int j, uint32_t i, const char *want_id,
    const uint8_t *want_key)
{
	struct pouch_mls_member_info mi;

	assert_int_equal(pouch_mls_group_member(f->m[j].g, i, &mi), POUCH_OK);
	assert_int_equal(mi.identitylen, strlen(want_id));
	assert_memory_equal(mi.identity, want_id, mi.identitylen);
	assert_int_equal(mi.sig_keylen, pouch_sig_pub_len(f->s->sig));
	assert_memory_equal(mi.sig_key, want_key, mi.sig_keylen);
}

static void
test_identity_change(void **state)
{
	struct pouch_mls_commit_req req;
	struct fx *f = fx_new();
	uint8_t *cm = NULL, *wl = NULL, *ct, *pt;
	size_t cmlen, wllen, ctlen, ptlen;
	uint64_t epoch;
	uint32_t me, sender;
	char id[32];
	int j;

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);
	fx_add(f, 0, 2);
	me = pouch_mls_group_leaf(f->m[1].g);
	epoch = pouch_mls_group_epoch(f->m[1].g);
	/* misuse: no path, empty identity; nothing pending afterwards */
	memset(&req, 0, sizeof(req));
	req.now = FX_NOW;
	req.identity = (const uint8_t *)"x";
	req.identitylen = 0;
	assert_int_equal(pouch_mls_group_commit(f->m[1].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_E_MISUSE);
	req.identitylen = 1;
	req.no_path = 1;
	assert_int_equal(pouch_mls_group_commit(f->m[1].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_E_MISUSE);
	assert_null(cm);
	assert_false(pouch_mls_group_has_pending(f->m[1].g));
	/* the change, from a buffer gone before the merge */
	snprintf(id, sizeof(id), "member-1 rotated");
	req.no_path = 0;
	req.identity = (const uint8_t *)id;
	req.identitylen = strlen(id);
	assert_int_equal(pouch_mls_group_commit(f->m[1].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_OK);
	assert_null(wl);
	memset(id, 'z', sizeof(id));
	/* not before the commit is merged */
	leaf_of(f, 1, me, "member-1", f->m[1].sig_pub);
	assert_int_equal(pouch_mls_group_merge_pending(f->m[1].g), POUCH_OK);
	fx_deliver(f, 1, cm, cmlen);
	pouch_wr_buf_free(cm, cmlen);
	for (j = 0; j < 3; j++) {
		assert_int_equal(pouch_mls_group_epoch(f->m[j].g), epoch + 1);
		leaf_of(f, j, me, "member-1 rotated", f->m[1].sig_pub);
		/* the others keep theirs */
		leaf_of(f, j, pouch_mls_group_leaf(f->m[0].g), "member-0",
		    f->m[0].sig_pub);
	}
	/* messages flow from the changed leaf and to it */
	fx_send(f, 1, "after", &ct, &ctlen);
	assert_int_equal(pouch_mls_group_decrypt(f->m[2].g, ct, ctlen, &pt,
	    &ptlen, &sender), POUCH_OK);
	assert_int_equal(sender, me);
	assert_int_equal(ptlen, 5);
	assert_memory_equal(pt, "after", 5);
	pouch_wr_buf_free(pt, ptlen);
	pouch_wr_buf_free(ct, ctlen);
	/* a later plain commit keeps the new identity */
	fx_commit(f, 1, -1);
	leaf_of(f, 0, me, "member-1 rotated", f->m[1].sig_pub);
	fx_commit(f, 0, -1);
	leaf_of(f, 2, me, "member-1 rotated", f->m[1].sig_pub);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_change),
	};

	return cmocka_run_group_tests_name("group_cred", tests, NULL, NULL);
}
