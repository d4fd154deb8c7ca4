/*
 * test_group_retention.c - mls/group epoch retention: late application
 * messages of kept past epochs decrypt (in any order, once), those of
 * epochs beyond the window are EPOCH_EXPIRED, lowering the window wipes
 * at once, kept epochs survive save and load; a removed member reads
 * nothing after its removal, and a member's state from before its
 * self-update reads nothing of the new epoch (PCS), both checked by
 * trying.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "group_fixture.h"

/* A message of epoch N-1 after the commit to N; out of order; replay. */
static void
test_late_message(void **state)
{
	struct fx *f = fx_new();
	struct pouch_mls_group *x;
	uint8_t *ct[3];
	size_t ctlen[3];

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);
	assert_int_equal(pouch_mls_group_retention(f->m[1].g), 3);
	fx_send(f, 0, "late 0", &ct[0], &ctlen[0]);
	fx_send(f, 0, "late 1", &ct[1], &ctlen[1]);
	fx_send(f, 0, "late 2", &ct[2], &ctlen[2]);
	fx_recv(f->m[1].g, ct[1], ctlen[1], "late 1");
	fx_commit(f, 0, -1);
	assert_int_equal(pouch_mls_group_epoch(f->m[1].g), 2);
	fx_recv(f->m[1].g, ct[2], ctlen[2], "late 2");
	fx_recv_fails(f->m[1].g, ct[1], ctlen[1], POUCH_E_REPLAY);
	/* the kept epoch survives save and load */
	x = fx_reload(f, f->m[1].g);
	fx_recv(x, ct[0], ctlen[0], "late 0");
	fx_recv_fails(x, ct[0], ctlen[0], POUCH_E_REPLAY);
	fx_recv(f->m[1].g, ct[0], ctlen[0], "late 0");
	fx_recv_fails(f->m[1].g, ct[2], ctlen[2], POUCH_E_REPLAY);
	pouch_mls_group_free(x);
	pouch_wr_buf_free(ct[0], ctlen[0]);
	pouch_wr_buf_free(ct[1], ctlen[1]);
	pouch_wr_buf_free(ct[2], ctlen[2]);
	fx_free(f);
}

/* Window of 1: epoch N-1 decrypts, N-2 is EPOCH_EXPIRED. */
static void
test_window(void **state)
{
	struct fx *f = fx_new();
	uint8_t *a, *b, *c;
	size_t alen, blen, clen;

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);
	fx_add(f, 0, 2);
	assert_int_equal(pouch_mls_group_set_retention(f->m[1].g, 65),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_mls_group_set_retention(f->m[1].g, 1),
	    POUCH_OK);
	fx_send(f, 0, "epoch 2", &a, &alen);
	fx_commit(f, 0, -1);
	fx_send(f, 0, "epoch 3", &b, &blen);
	fx_commit(f, 0, -1);
	fx_send(f, 0, "epoch 4", &c, &clen);
	fx_recv_fails(f->m[1].g, a, alen, POUCH_E_EPOCH_EXPIRED);
	fx_recv(f->m[1].g, b, blen, "epoch 3");
	fx_recv(f->m[1].g, c, clen, "epoch 4");
	/* once is all */
	fx_recv_fails(f->m[1].g, c, clen, POUCH_E_REPLAY);
	/* lowering the window to 0 wipes the kept epoch at once */
	pouch_wr_buf_free(b, blen);
	fx_send(f, 0, "epoch 4 again", &b, &blen);
	fx_commit(f, 0, -1);
	assert_int_equal(pouch_mls_group_set_retention(f->m[1].g, 0),
	    POUCH_OK);
	fx_recv_fails(f->m[1].g, b, blen, POUCH_E_EPOCH_EXPIRED);
	/* member 2 (default window 3) still reads epoch 2 from epoch 5 */
	fx_recv(f->m[2].g, a, alen, "epoch 2");
	pouch_wr_buf_free(a, alen);
	pouch_wr_buf_free(b, blen);
	pouch_wr_buf_free(c, clen);
	fx_free(f);
}

/* A message from an epoch ahead of ours is WRONG_EPOCH. */
static void
test_future(void **state)
{
	struct fx *f = fx_new();
	struct pouch_mls_group *old;
	uint8_t *ct;
	size_t ctlen;

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);
	old = fx_reload(f, f->m[1].g);
	fx_commit(f, 0, -1);
	fx_send(f, 0, "new", &ct, &ctlen);
	fx_recv_fails(old, ct, ctlen, POUCH_E_WRONG_EPOCH);
	fx_recv(f->m[1].g, ct, ctlen, "new");
	pouch_wr_buf_free(ct, ctlen);
	pouch_mls_group_free(old);
	fx_free(f);
}

/* A removed member decrypts nothing sent after its removal. */
static void
test_removed(void **state)
{
	struct fx *f = fx_new();
	struct pouch_mls_group *before;
	uint8_t *ct, *pt;
	size_t ctlen, ptlen;
	uint32_t from;
	uint64_t e;

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);
	fx_add(f, 0, 2);
	before = fx_reload(f, f->m[2].g);
	e = pouch_mls_group_epoch(f->m[2].g);
	fx_commit(f, 0, 2);
	assert_true(pouch_mls_group_removed(f->m[2].g));
	fx_send(f, 1, "after removal", &ct, &ctlen);
	fx_recv(f->m[0].g, ct, ctlen, "after removal");
	fx_recv_fails(f->m[2].g, ct, ctlen, POUCH_E_STATE);
	/* its state from before: the epoch is ahead of it */
	fx_recv_fails(before, ct, ctlen, POUCH_E_WRONG_EPOCH);
	/* and with the epoch field rewritten to its own: no key opens it */
	ct[4 + 1 + 7 + 7] = (uint8_t)e;	/* version wf len "fixture" epoch */
	assert_int_not_equal(pouch_mls_group_decrypt(before, ct, ctlen, &pt,
	    &ptlen, &from), POUCH_OK);
	assert_null(pt);
	pouch_wr_buf_free(ct, ctlen);
	pouch_mls_group_free(before);
	fx_free(f);
}

/* PCS: after 1's self-update, its saved old state reads nothing new. */
static void
test_pcs(void **state)
{
	struct fx *f = fx_new();
	struct pouch_mls_group *before;
	uint8_t *ct, *pt;
	size_t ctlen, ptlen;
	uint32_t from;
	uint64_t e;

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);
	fx_add(f, 0, 2);
	before = fx_reload(f, f->m[1].g);
	e = pouch_mls_group_epoch(before);
	fx_commit(f, 1, -1);
	fx_send(f, 0, "post update", &ct, &ctlen);
	fx_recv(f->m[1].g, ct, ctlen, "post update");
	fx_recv(f->m[2].g, ct, ctlen, "post update");
	fx_recv_fails(before, ct, ctlen, POUCH_E_WRONG_EPOCH);
	ct[4 + 1 + 7 + 7] = (uint8_t)e;
	assert_int_not_equal(pouch_mls_group_decrypt(before, ct, ctlen, &pt,
	    &ptlen, &from), POUCH_OK);
	assert_null(pt);
	/* the current members' kept copy of that epoch does not open it
	 * either: a kept epoch is keyed by its own secrets only */
	assert_int_not_equal(pouch_mls_group_decrypt(f->m[2].g, ct, ctlen,
	    &pt, &ptlen, &from), POUCH_OK);
	assert_null(pt);
	pouch_wr_buf_free(ct, ctlen);
	pouch_mls_group_free(before);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_late_message),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_future),
		cmocka_unit_test(test_removed),
		cmocka_unit_test(test_pcs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
