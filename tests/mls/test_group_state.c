/*
 * test_group_state.c - mls/group_state: saving and loading a member's
 * whole group state.  A loaded copy behaves as the original (same epoch
 * authenticator and tree hash, decrypts the next message and the skipped
 * ones, processes the next commit, merges a pending commit saved before
 * a crash) and saves to identical bytes; every truncation, a trailing
 * byte, a flipped version, magic or suite fail cleanly.
 *
 * With POUCH_GROUP_STATE_CORPUS set to a directory, the states saved
 * here are also written there (fuzz/corpus/mls_group_state/ seeds).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "group_fixture.h"

static int corpus_n;

static void
corpus_write(const uint8_t *b, size_t n)
{
	char name[32];

	snprintf(name, sizeof(name), "state-%d", corpus_n++);
	fx_corpus_write(name, b, n);
}

/* x and y are in the same epoch with the same authenticator and tree. */
static void
same(struct fx *f, struct pouch_mls_group *x, struct pouch_mls_group *y)
{
	uint8_t a[64], b[64];

	assert_int_equal(pouch_mls_group_epoch(x), pouch_mls_group_epoch(y));
	assert_int_equal(pouch_mls_group_members(x),
	    pouch_mls_group_members(y));
	assert_int_equal(pouch_mls_group_epoch_authenticator(x, a), POUCH_OK);
	assert_int_equal(pouch_mls_group_epoch_authenticator(y, b), POUCH_OK);
	assert_memory_equal(a, b, f->s->nh);
	assert_int_equal(pouch_mls_group_tree_hash(x, a), POUCH_OK);
	assert_int_equal(pouch_mls_group_tree_hash(y, b), POUCH_OK);
	assert_memory_equal(a, b, f->s->nh);
	assert_int_equal(pouch_mls_group_export(x, "test", NULL, 0, a, 32),
	    POUCH_OK);
	assert_int_equal(pouch_mls_group_export(y, "test", NULL, 0, b, 32),
	    POUCH_OK);
	assert_memory_equal(a, b, 32);
}

/*
 * Save g, load it, check the copy is the same and re-saves to the same
 * bytes; returns the copy.
 */
static struct pouch_mls_group *
round_trip(struct fx *f, struct pouch_mls_group *g)
{
	struct pouch_mls_group *x;
	uint8_t *b, *b2;
	size_t n, n2;

	assert_int_equal(pouch_mls_group_save(g, &b, &n), POUCH_OK);
	assert_memory_equal(b, "PMGS", 4);
	corpus_write(b, n);
	assert_int_equal(pouch_mls_group_load(f->c, b, n, &x), POUCH_OK);
	same(f, g, x);
	assert_int_equal(pouch_mls_group_has_pending(x),
	    pouch_mls_group_has_pending(g));
	assert_int_equal(pouch_mls_group_leaf(x), pouch_mls_group_leaf(g));
	assert_int_equal(pouch_mls_group_retention(x),
	    pouch_mls_group_retention(g));
	assert_int_equal(pouch_mls_group_save(x, &b2, &n2), POUCH_OK);
	assert_int_equal(n, n2);
	assert_memory_equal(b, b2, n);
	pouch_wr_buf_free(b, n);
	pouch_wr_buf_free(b2, n2);
	return x;
}

static void
test_after_create(void **state)
{
	struct fx *f = fx_new();
	struct pouch_mls_group *x;

	(void)state;
	fx_create(f, 0);
	x = round_trip(f, f->m[0].g);
	/* the copy goes on as the original: it adds a member */
	pouch_mls_group_free(f->m[0].g);
	f->m[0].g = x;
	fx_add(f, 0, 1);
	assert_int_equal(pouch_mls_group_epoch(f->m[1].g), 1);
	same(f, f->m[0].g, f->m[1].g);
	fx_free(f);
}

static void
test_after_join(void **state)
{
	struct fx *f = fx_new();
	struct pouch_mls_group *x;
	uint8_t *ct;
	size_t ctlen;

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);
	x = round_trip(f, f->m[1].g);
	fx_send(f, 0, "to the copy", &ct, &ctlen);
	fx_recv(x, ct, ctlen, "to the copy");
	fx_recv(f->m[1].g, ct, ctlen, "to the copy");
	fx_recv_fails(x, ct, ctlen, POUCH_E_REPLAY);
	pouch_wr_buf_free(ct, ctlen);
	/* the copy sends, the creator reads */
	assert_int_equal(pouch_mls_group_encrypt(x, NULL, 0,
	    (const uint8_t *)"from copy", 9, &ct, &ctlen), POUCH_OK);
	fx_recv(f->m[0].g, ct, ctlen, "from copy");
	pouch_wr_buf_free(ct, ctlen);
	/* and processes the next commit */
	pouch_mls_group_free(f->m[1].g);
	f->m[1].g = x;
	fx_commit(f, 0, -1);
	same(f, f->m[0].g, f->m[1].g);
	fx_free(f);
}

/* A crash between sending a commit and the server's answer. */
static void
test_pending(void **state)
{
	struct pouch_mls_commit_req req;
	struct pouch_mls_member_keys k;
	struct fx *f = fx_new();
	const uint8_t *adds[1];
	size_t addlens[1], cmlen, wllen;
	uint8_t *cm, *wl;

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);
	adds[0] = f->m[2].kp.kp;
	addlens[0] = f->m[2].kp.kplen;
	memset(&req, 0, sizeof(req));
	req.adds = adds;
	req.addlens = addlens;
	req.nadds = 1;
	req.now = FX_NOW;
	assert_int_equal(pouch_mls_group_commit(f->m[0].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_OK);
	/* "crash": only the saved state survives */
	{
		struct pouch_mls_group *x = round_trip(f, f->m[0].g);

		assert_true(pouch_mls_group_has_pending(x));
		pouch_mls_group_free(f->m[0].g);
		f->m[0].g = x;
	}
	assert_int_equal(pouch_mls_group_merge_pending(f->m[0].g), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(f->m[1].g, cm, cmlen,
	    FX_NOW), POUCH_OK);
	k = fx_keys(f, 2);
	assert_int_equal(pouch_mls_group_join(f->c, f->s, &k, wl, wllen, NULL,
	    FX_NOW, &f->m[2].g), POUCH_OK);
	same(f, f->m[0].g, f->m[1].g);
	same(f, f->m[0].g, f->m[2].g);
	pouch_wr_buf_free(cm, cmlen);
	pouch_wr_buf_free(wl, wllen);
	fx_free(f);
}

/* Skipped keys and consumed generations survive: out of order. */
static void
test_skipped_keys(void **state)
{
	struct fx *f = fx_new();
	struct pouch_mls_group *x;
	uint8_t *ct[6];
	size_t ctlen[6];
	char text[6][16];
	int i;

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);
	fx_add(f, 0, 2);
	for (i = 0; i < 6; i++) {
		snprintf(text[i], sizeof(text[i]), "message %d", i);
		fx_send(f, 0, text[i], &ct[i], &ctlen[i]);
	}
	fx_recv(f->m[1].g, ct[4], ctlen[4], text[4]);
	fx_recv(f->m[1].g, ct[1], ctlen[1], text[1]);
	x = round_trip(f, f->m[1].g);
	fx_recv_fails(x, ct[4], ctlen[4], POUCH_E_REPLAY);
	fx_recv_fails(x, ct[1], ctlen[1], POUCH_E_REPLAY);
	fx_recv(x, ct[3], ctlen[3], text[3]);
	fx_recv(x, ct[0], ctlen[0], text[0]);
	fx_recv(x, ct[5], ctlen[5], text[5]);
	fx_recv(x, ct[2], ctlen[2], text[2]);
	/* with a past epoch and a commit cached by nobody: still equal */
	pouch_mls_group_free(f->m[1].g);
	f->m[1].g = x;
	fx_commit(f, 2, -1);
	x = round_trip(f, f->m[1].g);
	pouch_mls_group_free(x);
	/* the sender side: its ratchet does not reuse a generation */
	x = round_trip(f, f->m[2].g);
	for (i = 0; i < 6; i++)
		pouch_wr_buf_free(ct[i], ctlen[i]);
	fx_send(f, 2, "after", &ct[0], &ctlen[0]);
	assert_int_equal(pouch_mls_group_encrypt(x, NULL, 0,
	    (const uint8_t *)"after", 5, &ct[1], &ctlen[1]), POUCH_OK);
	fx_recv(f->m[0].g, ct[0], ctlen[0], "after");
	/* the copy's message has the same generation: a replay */
	fx_recv_fails(f->m[0].g, ct[1], ctlen[1], POUCH_E_REPLAY);
	pouch_wr_buf_free(ct[0], ctlen[0]);
	pouch_wr_buf_free(ct[1], ctlen[1]);
	pouch_mls_group_free(x);
	fx_free(f);
}

/*
 * Our own pending Update survives: Bob proposes an Update, is reloaded,
 * and still decrypts the commit that applies it (its path secret is
 * encrypted to the Update's new key, which only the saved state holds).
 */
static void
test_pending_update(void **state)
{
	struct pouch_mls_commit_req req;
	struct fx *f = fx_new();
	struct pouch_mls_group *x;
	uint8_t *pm, *cm, *wl, *ct;
	size_t pmlen, cmlen, wllen, ctlen;

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);
	fx_add(f, 0, 2);
	assert_int_equal(pouch_mls_group_propose_update(f->m[1].g, &pm,
	    &pmlen), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(f->m[0].g, pm, pmlen,
	    FX_NOW), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(f->m[2].g, pm, pmlen,
	    FX_NOW), POUCH_OK);
	x = round_trip(f, f->m[1].g);
	pouch_mls_group_free(f->m[1].g);
	f->m[1].g = x;
	memset(&req, 0, sizeof(req));
	req.now = FX_NOW;
	req.by_reference = 1;
	assert_int_equal(pouch_mls_group_commit(f->m[0].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(f->m[0].g), POUCH_OK);
	fx_deliver(f, 0, cm, cmlen);
	same(f, f->m[0].g, f->m[1].g);
	fx_send(f, 1, "after my update", &ct, &ctlen);
	fx_recv(f->m[0].g, ct, ctlen, "after my update");
	fx_recv(f->m[2].g, ct, ctlen, "after my update");
	pouch_wr_buf_free(ct, ctlen);
	pouch_wr_buf_free(pm, pmlen);
	pouch_wr_buf_free(cm, cmlen);
	pouch_wr_buf_free(wl, wllen);
	fx_free(f);
}

/* Cached proposals survive: a reloaded member commits them by reference. */
static void
test_cached_proposals(void **state)
{
	struct pouch_mls_commit_req req;
	struct fx *f = fx_new();
	struct pouch_mls_group *x;
	uint8_t *pm, *cm, *wl;
	size_t pmlen, cmlen, wllen;

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);
	fx_add(f, 0, 2);
	assert_int_equal(pouch_mls_group_propose_remove(f->m[1].g,
	    pouch_mls_group_leaf(f->m[2].g), &pm, &pmlen), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(f->m[0].g, pm, pmlen,
	    FX_NOW), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(f->m[2].g, pm, pmlen,
	    FX_NOW), POUCH_OK);
	assert_int_equal(pouch_mls_group_cached_proposals(f->m[0].g), 1);
	x = round_trip(f, f->m[0].g);
	assert_int_equal(pouch_mls_group_cached_proposals(x), 1);
	pouch_mls_group_free(f->m[0].g);
	f->m[0].g = x;
	x = round_trip(f, f->m[1].g);		/* its own proposal */
	assert_int_equal(pouch_mls_group_cached_proposals(x), 1);
	pouch_mls_group_free(f->m[1].g);
	f->m[1].g = x;
	memset(&req, 0, sizeof(req));
	req.now = FX_NOW;
	req.by_reference = 1;
	assert_int_equal(pouch_mls_group_commit(f->m[0].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(f->m[0].g), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(f->m[1].g, cm, cmlen,
	    FX_NOW), POUCH_OK);
	assert_int_equal(pouch_mls_group_process(f->m[2].g, cm, cmlen,
	    FX_NOW), POUCH_OK);
	assert_true(pouch_mls_group_removed(f->m[2].g));
	same(f, f->m[0].g, f->m[1].g);
	assert_int_equal(pouch_mls_group_members(f->m[0].g), 2);
	pouch_wr_buf_free(pm, pmlen);
	pouch_wr_buf_free(cm, cmlen);
	pouch_wr_buf_free(wl, wllen);
	fx_free(f);
}

/* The hybrid post-quantum suite (X-Wing keys) round-trips too. */
static void
test_hybrid(void **state)
{
	struct fx *f = fx_new_suite(POUCH_MLS_SUITE_HYBRID);
	struct pouch_mls_group *x;
	uint8_t *ct;
	size_t ctlen;

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);
	fx_add(f, 1, 2);
	fx_send(f, 2, "pq", &ct, &ctlen);
	x = round_trip(f, f->m[1].g);
	fx_recv(x, ct, ctlen, "pq");
	pouch_wr_buf_free(ct, ctlen);
	pouch_mls_group_free(f->m[1].g);
	f->m[1].g = x;
	fx_commit(f, 2, -1);
	same(f, f->m[0].g, f->m[1].g);
	x = round_trip(f, f->m[0].g);
	pouch_mls_group_free(x);
	fx_free(f);
}

/* Every prefix, a trailing byte, version, magic and suite changes. */
static void
test_hostile(void **state)
{
	struct fx *f = fx_new();
	struct pouch_mls_group *x;
	uint8_t *b, *c;
	size_t n, i;
	int rc;

	(void)state;
	fx_create(f, 0);
	fx_add(f, 0, 1);
	fx_commit(f, 1, -1);
	assert_int_equal(pouch_mls_group_save(f->m[0].g, &b, &n), POUCH_OK);
	corpus_write(b, n);
	for (i = 0; i < n; i++) {
		x = (void *)1;
		rc = pouch_mls_group_load(f->c, b, i, &x);
		assert_int_not_equal(rc, POUCH_OK);
		assert_null(x);
		assert_true(rc == POUCH_E_TRUNCATED || rc == POUCH_E_MALFORMED ||
		    rc == POUCH_E_BAD_TREE);
	}
	c = malloc(n + 1);
	assert_non_null(c);
	memcpy(c, b, n);
	c[n] = 0;
	assert_int_equal(pouch_mls_group_load(f->c, c, n + 1, &x),
	    POUCH_E_TRAILING);
	c[5] ^= 1;				/* version 4 -> 5 */
	assert_int_equal(pouch_mls_group_load(f->c, c, n, &x),
	    POUCH_E_UNSUPPORTED);
	c[5] ^= 1;
	c[0] ^= 0x20;				/* magic */
	assert_int_equal(pouch_mls_group_load(f->c, c, n, &x),
	    POUCH_E_MALFORMED);
	c[0] ^= 0x20;
	c[7] = 0x77;				/* suite 0x0077 */
	c[9] = 0x77;				/* and its row */
	assert_int_equal(pouch_mls_group_load(f->c, c, n, &x),
	    POUCH_E_UNSUPPORTED);
	c[9] = b[9];				/* an alias of suite 1 */
	assert_int_equal(pouch_mls_group_load(f->c, c, n, &x),
	    POUCH_E_MALFORMED);
	c[7] = b[7];
	/* a flipped byte anywhere: never a crash, usually an error */
	for (i = 8; i < n; i += 7) {
		c[i] ^= 0x80;
		if (pouch_mls_group_load(f->c, c, n, &x) == POUCH_OK)
			pouch_mls_group_free(x);
		c[i] ^= 0x80;
	}
	assert_int_equal(pouch_mls_group_load(f->c, c, n, &x), POUCH_OK);
	pouch_mls_group_free(x);
	assert_int_equal(pouch_mls_group_load(NULL, c, n, &x),
	    POUCH_E_MISUSE);
	free(c);
	{
		uint8_t *z;
		size_t zn;

		assert_int_equal(pouch_mls_group_save(NULL, &z, &zn),
		    POUCH_E_MISUSE);
		assert_null(z);
	}
	pouch_wr_buf_free(b, n);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_after_create),
		cmocka_unit_test(test_after_join),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_skipped_keys),
		cmocka_unit_test(test_cached_proposals),
		cmocka_unit_test(test_pending_update),
		cmocka_unit_test(test_hybrid),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
