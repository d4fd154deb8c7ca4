/*
 * test_group_api.c - the public API <pouch/group.h>, used exactly as an
 * application would (nothing else is included): two members make a
 * group, exchange messages both ways, agree on the epoch authenticator
 * and exporter, save and load, a third joins and one is removed; a
 * commit race is resolved by discarding the loser; misuse is MISUSE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <pouch/err.h>
#include <pouch/group.h>

#define NOW	1700000000

struct member {
	uint8_t		*kp;
	size_t		 kplen;
	uint8_t		*priv;
	size_t		 privlen;
	pouch_group	*g;
};

static void
member_kp(struct member *m, const char *name)
{
	assert_int_equal(pouch_key_package_create(POUCH_GROUP_SUITE_1,
	    (const uint8_t *)name, strlen(name), NOW - 60, NOW + 86400,
	    &m->kp, &m->kplen, &m->priv, &m->privlen), POUCH_OK);
	assert_non_null(m->kp);
	assert_non_null(m->priv);
}

static void
member_free(struct member *m)
{
	pouch_buf_free(m->kp, m->kplen);
	pouch_buf_free(m->priv, m->privlen);
	pouch_group_free(m->g);
	memset(m, 0, sizeof(*m));
}

static void
send_recv(pouch_group *from, pouch_group *to, const char *text)
{
	uint8_t *ct, *pt;
	size_t ctlen, ptlen;
	uint32_t sender;

	assert_int_equal(pouch_group_encrypt(from, (const uint8_t *)"aad", 3,
	    (const uint8_t *)text, strlen(text), &ct, &ctlen), POUCH_OK);
	assert_int_equal(pouch_group_decrypt(to, ct, ctlen, &pt, &ptlen,
	    &sender), POUCH_OK);
	assert_int_equal(ptlen, strlen(text));
	assert_memory_equal(pt, text, ptlen);
	assert_int_equal(sender, pouch_group_leaf(from));
	pouch_buf_free(pt, ptlen);
	assert_int_equal(pouch_group_decrypt(to, ct, ctlen, &pt, &ptlen,
	    &sender), POUCH_E_REPLAY);
	assert_null(pt);
	pouch_buf_free(ct, ctlen);
}

static void
agree(pouch_group *a, pouch_group *b)
{
	uint8_t x[POUCH_GROUP_HASH_MAX], y[POUCH_GROUP_HASH_MAX];
	size_t xl, yl;

	assert_int_equal(pouch_group_epoch(a), pouch_group_epoch(b));
	assert_int_equal(pouch_group_epoch_authenticator(a, x, sizeof(x),
	    &xl), POUCH_OK);
	assert_int_equal(pouch_group_epoch_authenticator(b, y, sizeof(y),
	    &yl), POUCH_OK);
	assert_int_equal(xl, 32);
	assert_int_equal(xl, yl);
	assert_memory_equal(x, y, xl);
	assert_int_equal(pouch_group_export(a, "app key",
	    (const uint8_t *)"ctx", 3, x, 16), POUCH_OK);
	assert_int_equal(pouch_group_export(b, "app key",
	    (const uint8_t *)"ctx", 3, y, 16), POUCH_OK);
	assert_memory_equal(x, y, 16);
	assert_int_equal(pouch_group_export(b, "other key",
	    (const uint8_t *)"ctx", 3, y, 16), POUCH_OK);
	assert_memory_not_equal(x, y, 16);
}

/* m[from] adds m[who]; everyone else processes; m[who] joins. */
static void
add(struct member *m, int from, int who, int n)
{
	const uint8_t *adds[1];
	size_t addlens[1], cmlen, wllen;
	uint8_t *cm, *wl;
	int j;

	adds[0] = m[who].kp;
	addlens[0] = m[who].kplen;
	assert_int_equal(pouch_group_commit(m[from].g, adds, addlens, 1, NULL,
	    0, NOW, &cm, &cmlen, &wl, &wllen), POUCH_OK);
	assert_non_null(wl);
	assert_true(pouch_group_has_pending(m[from].g));
	assert_int_equal(pouch_group_merge_pending(m[from].g), POUCH_OK);
	for (j = 0; j < n; j++)
		if (j != from && j != who && m[j].g != NULL)
			assert_int_equal(pouch_group_process(m[j].g, cm, cmlen,
			    NOW), POUCH_OK);
	assert_int_equal(pouch_group_join(m[who].priv, m[who].privlen, wl,
	    wllen, NOW, &m[who].g), POUCH_OK);
	pouch_buf_free(cm, cmlen);
	pouch_buf_free(wl, wllen);
}

static void
test_two_members(void **state)
{
	struct member m[3];
	pouch_group *x;
	uint8_t *b, *id;
	size_t n, idlen;
	uint32_t rm;

	(void)state;
	memset(m, 0, sizeof(m));
	member_kp(&m[0], "alice");
	member_kp(&m[1], "bob");
	member_kp(&m[2], "carol");
	assert_int_equal(pouch_group_create((const uint8_t *)"api group", 9,
	    m[0].priv, m[0].privlen, NOW, &m[0].g), POUCH_OK);
	assert_int_equal(pouch_group_suite(m[0].g), POUCH_GROUP_SUITE_1);
	assert_int_equal(pouch_group_epoch(m[0].g), 0);
	add(m, 0, 1, 3);
	agree(m[0].g, m[1].g);
	assert_int_equal(pouch_group_members(m[1].g), 2);
	assert_int_equal(pouch_group_member_identity(m[1].g, 0, &id, &idlen),
	    POUCH_OK);
	assert_int_equal(idlen, 5);
	assert_memory_equal(id, "alice", 5);
	pouch_buf_free(id, idlen);
	assert_int_equal(pouch_group_member_identity(m[1].g, 7, &id, &idlen),
	    POUCH_E_NOT_FOUND);
	send_recv(m[0].g, m[1].g, "hello bob");
	send_recv(m[1].g, m[0].g, "hello alice");
	/* bob saves, reloads and carries on */
	assert_int_equal(pouch_group_save(m[1].g, &b, &n), POUCH_OK);
	assert_int_equal(pouch_group_load(b, n, &x), POUCH_OK);
	pouch_buf_free(b, n);
	pouch_group_free(m[1].g);
	m[1].g = x;
	send_recv(m[0].g, m[1].g, "after reload");
	add(m, 1, 2, 3);
	agree(m[0].g, m[2].g);
	agree(m[1].g, m[2].g);
	send_recv(m[2].g, m[0].g, "hi from carol");
	/* alice removes carol */
	{
		uint8_t *cm, *wl;
		size_t cmlen, wllen;

		rm = pouch_group_leaf(m[2].g);
		assert_int_equal(pouch_group_commit(m[0].g, NULL, NULL, 0,
		    &rm, 1, NOW, &cm, &cmlen, &wl, &wllen), POUCH_OK);
		assert_null(wl);
		assert_int_equal(pouch_group_merge_pending(m[0].g), POUCH_OK);
		assert_int_equal(pouch_group_process(m[1].g, cm, cmlen, NOW),
		    POUCH_OK);
		assert_int_equal(pouch_group_process(m[2].g, cm, cmlen, NOW),
		    POUCH_OK);
		assert_true(pouch_group_removed(m[2].g));
		pouch_buf_free(cm, cmlen);
	}
	agree(m[0].g, m[1].g);
	assert_int_equal(pouch_group_members(m[0].g), 2);
	send_recv(m[1].g, m[0].g, "two again");
	member_free(&m[0]);
	member_free(&m[1]);
	member_free(&m[2]);
}

/* Both commit in the same epoch; the server takes alice's. */
static void
test_race(void **state)
{
	struct member m[2];
	uint8_t *ca, *cb, *wl;
	size_t calen, cblen, wllen;

	(void)state;
	memset(m, 0, sizeof(m));
	member_kp(&m[0], "alice");
	member_kp(&m[1], "bob");
	assert_int_equal(pouch_group_create((const uint8_t *)"race", 4,
	    m[0].priv, m[0].privlen, NOW, &m[0].g), POUCH_OK);
	add(m, 0, 1, 2);
	assert_int_equal(pouch_group_commit(m[0].g, NULL, NULL, 0, NULL, 0,
	    NOW, &ca, &calen, &wl, &wllen), POUCH_OK);
	assert_int_equal(pouch_group_commit(m[1].g, NULL, NULL, 0, NULL, 0,
	    NOW, &cb, &cblen, &wl, &wllen), POUCH_OK);
	pouch_buf_free(cb, cblen);	/* lost the race */
	assert_int_equal(pouch_group_commit(m[1].g, NULL, NULL, 0, NULL, 0,
	    NOW, &cb, &cblen, &wl, &wllen), POUCH_E_STATE);
	assert_null(cb);
	pouch_group_discard_pending(m[1].g);
	assert_false(pouch_group_has_pending(m[1].g));
	assert_int_equal(pouch_group_merge_pending(m[0].g), POUCH_OK);
	assert_int_equal(pouch_group_process(m[1].g, ca, calen, NOW),
	    POUCH_OK);
	agree(m[0].g, m[1].g);
	send_recv(m[1].g, m[0].g, "no fork");
	pouch_buf_free(ca, calen);
	member_free(&m[0]);
	member_free(&m[1]);
}

static void
test_misuse(void **state)
{
	struct member m;
	pouch_group *g = (pouch_group *)1;
	uint8_t *b = (uint8_t *)1, buf[8];
	size_t n = 1;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(pouch_key_package_create(0x7777, NULL, 0, 0, 1,
	    &m.kp, &m.kplen, &m.priv, &m.privlen), POUCH_E_UNSUPPORTED);
	assert_null(m.kp);
	assert_int_equal(pouch_group_create(NULL, 0, NULL, 0, NOW, &g),
	    POUCH_E_MISUSE);
	assert_null(g);
	assert_int_equal(pouch_group_load((const uint8_t *)"PMGS", 4, &g),
	    POUCH_E_TRUNCATED);
	assert_int_equal(pouch_group_save(NULL, &b, &n), POUCH_E_MISUSE);
	assert_null(b);
	assert_int_equal(pouch_group_join((const uint8_t *)"PMKB\0\2", 6,
	    buf, 0, NOW, &g), POUCH_E_UNSUPPORTED);
	assert_int_equal(pouch_group_epoch(NULL), 0);
	assert_int_equal(pouch_group_set_retention(NULL, 1), POUCH_E_MISUSE);
	member_kp(&m, "x");
	assert_int_equal(pouch_group_create((const uint8_t *)"g", 1, m.priv,
	    m.privlen - 1, NOW, &g), POUCH_E_TRUNCATED);
	assert_int_equal(pouch_group_create((const uint8_t *)"g", 1, m.priv,
	    m.privlen, NOW, &g), POUCH_OK);
	assert_int_equal(pouch_group_epoch_authenticator(g, buf, sizeof(buf),
	    &n), POUCH_E_BUFFER_TOO_SMALL);
	assert_int_equal(pouch_group_set_retention(g, 65), POUCH_E_MISUSE);
	assert_int_equal(pouch_group_set_retention(g, 0), POUCH_OK);
	pouch_group_free(g);
	member_free(&m);
	pouch_group_free(NULL);
	pouch_buf_free(NULL, 0);
}

/*
 * Resumption PSK (usage application): alice commits the PSK of epoch 1;
 * bob, in the group since epoch 1, follows; carol, who joined at epoch
 * 2, lacks it: PSK_UNAVAILABLE, and she stays at epoch 2.
 */
static void
test_resumption_psk(void **state)
{
	struct member m[3];
	uint8_t *p, *cm, *wl, a[POUCH_GROUP_HASH_MAX], c[POUCH_GROUP_HASH_MAX];
	size_t plen, cmlen, wllen, alen, clen;

	(void)state;
	memset(m, 0, sizeof(m));
	member_kp(&m[0], "alice");
	member_kp(&m[1], "bob");
	member_kp(&m[2], "carol");
	assert_int_equal(pouch_group_create((const uint8_t *)"psk group", 9,
	    m[0].priv, m[0].privlen, NOW, &m[0].g), POUCH_OK);
	add(m, 0, 1, 3);
	add(m, 0, 2, 3);
	assert_int_equal(pouch_group_epoch(m[2].g), 2);
	/* an epoch nobody holds yet, and misuse: nothing out, no change */
	assert_int_equal(pouch_group_commit_resumption_psk(m[0].g, 3, NOW,
	    &p, &plen, &cm, &cmlen), POUCH_E_PSK_UNAVAILABLE);
	assert_null(p);
	assert_null(cm);
	assert_false(pouch_group_has_pending(m[0].g));
	assert_int_equal(pouch_group_commit_resumption_psk(m[0].g, 1, NOW,
	    NULL, &plen, &cm, &cmlen), POUCH_E_MISUSE);
	assert_int_equal(pouch_group_commit_resumption_psk(NULL, 1, NOW,
	    &p, &plen, &cm, &cmlen), POUCH_E_MISUSE);
	/* carol holds only her own epoch's PSK */
	assert_int_equal(pouch_group_commit_resumption_psk(m[2].g, 1, NOW,
	    &p, &plen, &cm, &cmlen), POUCH_E_PSK_UNAVAILABLE);
	assert_null(p);
	assert_false(pouch_group_has_pending(m[2].g));
	assert_int_equal(pouch_group_commit_resumption_psk(m[0].g, 1, NOW,
	    &p, &plen, &cm, &cmlen), POUCH_OK);
	assert_non_null(p);
	assert_non_null(cm);
	assert_true(pouch_group_has_pending(m[0].g));
	/* one commit at a time */
	assert_int_equal(pouch_group_commit_resumption_psk(m[0].g, 1, NOW,
	    &wl, &wllen, &wl, &wllen), POUCH_E_STATE);
	assert_null(wl);
	assert_int_equal(pouch_group_merge_pending(m[0].g), POUCH_OK);
	/* the commit names the proposal: without it, bob cannot follow */
	assert_int_equal(pouch_group_process(m[1].g, cm, cmlen, NOW),
	    POUCH_E_UNKNOWN_PROPOSAL);
	assert_int_equal(pouch_group_process(m[1].g, p, plen, NOW), POUCH_OK);
	assert_int_equal(pouch_group_process(m[1].g, cm, cmlen, NOW),
	    POUCH_OK);
	assert_int_equal(pouch_group_epoch(m[1].g), 3);
	agree(m[0].g, m[1].g);
	send_recv(m[1].g, m[0].g, "resumed");
	/* carol lacks epoch 1: refused, unchanged */
	assert_int_equal(pouch_group_epoch_authenticator(m[2].g, c, sizeof(c),
	    &clen), POUCH_OK);
	assert_int_equal(pouch_group_process(m[2].g, p, plen, NOW), POUCH_OK);
	assert_int_equal(pouch_group_process(m[2].g, cm, cmlen, NOW),
	    POUCH_E_PSK_UNAVAILABLE);
	assert_int_equal(pouch_group_epoch(m[2].g), 2);
	assert_int_equal(pouch_group_epoch_authenticator(m[2].g, a, sizeof(a),
	    &alen), POUCH_OK);
	assert_int_equal(alen, clen);
	assert_memory_equal(a, c, alen);
	assert_false(pouch_group_removed(m[2].g));
	pouch_buf_free(p, plen);
	pouch_buf_free(cm, cmlen);
	/* the current epoch's PSK: everyone in it holds it */
	assert_int_equal(pouch_group_commit_resumption_psk(m[1].g, 3, NOW,
	    &p, &plen, &cm, &cmlen), POUCH_OK);
	assert_int_equal(pouch_group_merge_pending(m[1].g), POUCH_OK);
	assert_int_equal(pouch_group_process(m[0].g, p, plen, NOW), POUCH_OK);
	assert_int_equal(pouch_group_process(m[0].g, cm, cmlen, NOW),
	    POUCH_OK);
	agree(m[0].g, m[1].g);
	assert_int_equal(pouch_group_epoch(m[0].g), 4);
	pouch_buf_free(p, plen);
	pouch_buf_free(cm, cmlen);
	member_free(&m[0]);
	member_free(&m[1]);
	member_free(&m[2]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_members),
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_resumption_psk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
