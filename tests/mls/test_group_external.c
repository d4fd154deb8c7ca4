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

#define FX_WORLD
#include "group_fixture.h"

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
	int rc;

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
	/*
	 * A GroupInfo that is not one: a KeyPackage, whose random key bytes
	 * the decoder reads as lengths, so it stops at a length past the end
	 * (MALFORMED) or past a limit (TOO_LARGE), whichever comes first.
	 */
	rc = pouch_mls_group_join_external(w->c, w->s, &k, w->m[DAVE].kp.kp,
	    w->m[DAVE].kp.kplen, NULL, NOW, &g, &cm, &cmlen);
	if (rc != POUCH_E_MALFORMED)
		assert_int_equal(rc, POUCH_E_TOO_LARGE);
	assert_null(g);
	assert_null(cm);
	assert_int_equal(cmlen, 0);
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
