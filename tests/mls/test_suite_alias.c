/*
 * test_suite_alias.c - the hybrid suite under a configured alias code
 * point (mls/suite.h pouch_mls_suite_alias): which codes an alias may
 * take, lookups, a group of three living in the alias (KeyPackages,
 * commits, messages, save and load: state version 4 keeps the row),
 * hostile states, no KeyPackage of the other code point, and no
 * downgrade out of an alias group.  With POUCH_GROUP_STATE_CORPUS set to
 * a directory, the alias group's state is written there as a seed of
 * fuzz/corpus/mls_group_state.
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

#define ALIAS	0x0008		/* a stand-in for the IANA value */

static void
test_alias_codes(void **state)
{
	static const uint16_t bad[] = { 0, 1, 7, POUCH_MLS_SUITE_HYBRID,
	    0x0a0a, 0x1a2a, 0xfafa };
	const struct pouch_mls_suite *h;
	struct pouch_mls_suite row;
	size_t i;

	(void)state;
	h = pouch_mls_suite_get(POUCH_MLS_SUITE_HYBRID);
	assert_non_null(h);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&row, 0xa5, sizeof(row));
		assert_int_equal(pouch_mls_suite_alias(bad[i], &row),
		    POUCH_E_MISUSE);
		assert_int_equal(row.id, 0);	/* cleared */
	}
	assert_int_equal(pouch_mls_suite_alias(ALIAS, &row), POUCH_OK);
	assert_int_equal(row.id, ALIAS);
	assert_int_equal(row.hpke_kem, h->hpke_kem);
	assert_int_equal(row.hash, h->hash);
	assert_int_equal(row.aead, h->aead);
	assert_int_equal(row.sig, h->sig);
	assert_int_equal(row.nh, h->nh);
	assert_string_equal(row.name, h->name);
	assert_true(pouch_mls_suite_pq(&row));
	assert_false(pouch_mls_suite_in_table(&row));
	assert_true(pouch_mls_suite_in_table(h));
	assert_ptr_equal(pouch_mls_suite_find(&row, ALIAS), &row);
	assert_ptr_equal(pouch_mls_suite_find(&row, 1),
	    pouch_mls_suite_get(1));
	assert_null(pouch_mls_suite_find(NULL, ALIAS));
	assert_null(pouch_mls_suite_get(ALIAS));
	assert_ptr_equal(pouch_mls_suite_find(NULL, POUCH_MLS_SUITE_HYBRID),
	    h);
	/* the IANA value may also sit in the private range */
	assert_int_equal(pouch_mls_suite_alias(0xf00d, &row), POUCH_OK);
	assert_int_equal(row.id, 0xf00d);
}

/* f's members under the alias row *row, fresh KeyPackages. */
static struct fx *
alias_fx(struct pouch_mls_suite *row)
{
	struct fx *f = fx_new_suite(POUCH_MLS_SUITE_HYBRID);
	int i;

	assert_int_equal(pouch_mls_suite_alias(ALIAS, row), POUCH_OK);
	f->s = row;
	for (i = 0; i < FX_MAXM; i++)
		fx_kp(f, i);
	return f;
}

static void
talk(struct fx *f, int n)
{
	uint8_t *ct;
	size_t ctlen;
	char text[32];
	int i, j;

	for (i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "alias from %d", i);
		fx_send(f, i, text, &ct, &ctlen);
		for (j = 0; j < n; j++)
			if (j != i)
				fx_recv(f->m[j].g, ct, ctlen, text);
		pouch_wr_buf_free(ct, ctlen);
	}
}

static void
test_alias_group(void **state)
{
	struct pouch_mls_suite row;
	struct fx *f = alias_fx(&row);
	struct pouch_mls_group *x;
	uint8_t *b;
	size_t n;
	int i;

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);			/* the joins check that the */
	fx_add(f, 1, 2);			/* GroupInfo says ALIAS */
	for (i = 0; i < 3; i++) {
		/* each group owns its copy: the caller's row may go */
		assert_ptr_equal(f->m[i].g->s, &f->m[i].g->alias);
		assert_int_equal(f->m[i].g->s->id, ALIAS);
	}
	memset(&row, 0, sizeof(row));
	talk(f, 3);
	fx_commit(f, 2, -1);
	talk(f, 3);

	/* save: suite ALIAS, row 0xF001; load gives the alias back */
	assert_int_equal(pouch_mls_group_save(f->m[1].g, &b, &n), POUCH_OK);
	assert_int_equal(b[5], POUCH_MLS_GROUP_STATE_VERSION);
	assert_int_equal(b[6] << 8 | b[7], ALIAS);
	assert_int_equal(b[8] << 8 | b[9], POUCH_MLS_SUITE_HYBRID);
	fx_corpus_write("state-alias", b, n);
	assert_int_equal(pouch_mls_group_load(f->c, b, n, &x), POUCH_OK);
	assert_ptr_equal(x->s, &x->alias);
	assert_int_equal(x->s->id, ALIAS);
	assert_int_equal(x->s->hpke_kem,
	    pouch_mls_suite_get(POUCH_MLS_SUITE_HYBRID)->hpke_kem);
	pouch_mls_group_free(f->m[1].g);
	f->m[1].g = x;
	fx_commit(f, 1, -1);			/* the reloaded one commits */
	talk(f, 3);

	/* hostile: an alias of another row, an alias that may not be one */
	b[8] = 0x00;				/* row 0x0001 */
	assert_int_equal(pouch_mls_group_load(f->c, b, n, &x),
	    POUCH_E_MALFORMED);
	assert_null(x);
	b[8] = 0xf0;				/* row 0xF001 again */
	b[6] = 0x0a;
	b[7] = 0x0a;				/* GREASE */
	assert_int_equal(pouch_mls_group_load(f->c, b, n, &x),
	    POUCH_E_MALFORMED);
	b[6] = 0xf0;
	b[7] = 0x01;				/* suite = row = 0xF001 */
	/* the leaves' capabilities list ALIAS, not 0xF001 */
	assert_int_equal(pouch_mls_group_load(f->c, b, n, &x),
	    POUCH_E_CAPABILITIES);
	assert_null(x);
	pouch_wr_buf_free(b, n);
	fx_free(f);
}

/* A KeyPackage of the other code point is not added to an alias group. */
static void
test_alias_other_kp(void **state)
{
	struct pouch_mls_suite row;
	struct fx *f = alias_fx(&row);
	struct fx *h = fx_new_suite(POUCH_MLS_SUITE_HYBRID);
	struct pouch_mls_commit_req req;
	const uint8_t *adds[1];
	size_t addlens[1];
	uint8_t *cm = NULL, *wl = NULL;
	size_t cmlen = 0, wllen = 0;

	(void)state;
	fx_create(f, 0);
	adds[0] = h->m[1].kp.kp;
	addlens[0] = h->m[1].kp.kplen;
	memset(&req, 0, sizeof(req));
	req.adds = adds;
	req.addlens = addlens;
	req.nadds = 1;
	req.now = FX_NOW;
	assert_int_not_equal(pouch_mls_group_commit(f->m[0].g, &req, &cm,
	    &cmlen, &wl, &wllen), POUCH_OK);
	assert_null(cm);
	assert_int_equal(pouch_mls_group_epoch(f->m[0].g), 0);
	/* and the other way round */
	fx_create(h, 0);
	adds[0] = f->m[1].kp.kp;
	addlens[0] = f->m[1].kp.kplen;
	assert_int_not_equal(pouch_mls_group_commit(h->m[0].g, &req, &cm,
	    &cmlen, &wl, &wllen), POUCH_OK);
	assert_null(cm);
	fx_free(h);
	fx_free(f);
}

/* No ReInit out of the alias to a classical suite; its own code is fine. */
static void
test_alias_no_downgrade(void **state)
{
	struct pouch_mls_suite row;
	struct fx *f = alias_fx(&row);
	struct fx *h = fx_new_suite(POUCH_MLS_SUITE_HYBRID);
	uint8_t *p = NULL;
	size_t plen = 0;

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);
	assert_int_equal(pouch_mls_group_propose_reinit(f->m[0].g,
	    (const uint8_t *)"z", 1, 1, NULL, NULL, NULL, 0, &p, &plen),
	    POUCH_E_SUITE_DOWNGRADE);
	assert_null(p);
	assert_int_equal(pouch_mls_group_propose_reinit(f->m[0].g,
	    (const uint8_t *)"z", 1, ALIAS, NULL, NULL, NULL, 0, &p, &plen),
	    POUCH_OK);
	assert_non_null(p);
	assert_int_equal(pouch_mls_group_process(f->m[1].g, p, plen, FX_NOW),
	    POUCH_OK);
	pouch_wr_buf_free(p, plen);
	p = NULL;
	/* a 0xF001 group does not know the alias: unsupported, not taken */
	fx_create(h, 0);
	assert_int_equal(pouch_mls_group_propose_reinit(h->m[0].g,
	    (const uint8_t *)"z", 1, ALIAS, NULL, NULL, NULL, 0, &p, &plen),
	    POUCH_E_UNSUPPORTED);
	assert_null(p);
	fx_free(h);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alias_codes),
		cmocka_unit_test(test_alias_group),
		cmocka_unit_test(test_alias_other_kp),
		cmocka_unit_test(test_alias_no_downgrade),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
