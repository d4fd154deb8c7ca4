/*
 * test_welcome.c - mls/welcome: a Welcome sealed to a KeyPackage opens
 * to the same GroupInfo and epoch; each failure has its own error: not
 * addressed to us, another suite, a tampered GroupSecrets or GroupInfo
 * ciphertext, a bad GroupInfo signature, a wrong confirmation tag.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pouch/err.h>

#include "crypto/crypto.h"
#include "mls/keypackage.h"
#include "mls/transcript.h"
#include "mls/welcome.h"

struct wt {
	struct pouch_crypto		*c;
	const struct pouch_mls_suite	*s;
	uint8_t				 sig_priv[POUCH_SIG_PRIV_MAX];
	uint8_t				 sig_pub[POUCH_SIG_PUB_MAX];
	struct pouch_mls_kp_out		 kpo;
	struct pouch_mls_key_package	 kp;
	uint8_t				 ref[POUCH_HASH_MAX];
	uint8_t				 joiner[POUCH_HASH_MAX];
	uint8_t				 tag[POUCH_HASH_MAX];
	uint8_t				 cth[POUCH_HASH_MAX];
	uint8_t				 th[POUCH_HASH_MAX];
	struct pouch_mls_group_info	 gi;
	struct pouch_mls_welcome	 w;
	struct pouch_mls_arena		 a;
};

static int
setup(void **state)
{
	struct pouch_mls_kp_params p;
	struct pouch_mls_epoch_secrets es;
	struct pouch_mls_welcome_recipient r;
	struct pouch_wr w;
	struct wt *t;

	t = calloc(1, sizeof(*t));
	assert_non_null(t);
	assert_int_equal(pouch_crypto_new(&t->c), POUCH_OK);
	t->s = pouch_mls_suite_get(1);
	pouch_mls_arena_init_limits(&t->a, NULL);
	assert_int_equal(pouch_sig_keygen(t->c, t->s->sig, t->sig_priv,
	    t->sig_pub), POUCH_OK);
	memset(&p, 0, sizeof(p));
	p.s = t->s;
	p.identity = (const uint8_t *)"joiner";
	p.identitylen = 6;
	p.sig_priv = t->sig_priv;
	p.sig_privlen = 32;
	p.sig_pub = t->sig_pub;
	p.sig_publen = 32;
	p.not_after = 10;
	assert_int_equal(pouch_mls_key_package_create(t->c, &p, &t->kpo),
	    POUCH_OK);
	assert_int_equal(pouch_mls_key_package_from_bytes(&t->a, NULL,
	    t->kpo.kp, t->kpo.kplen, &t->kp), POUCH_OK);
	assert_int_equal(pouch_mls_key_package_ref(t->c, t->s, t->kpo.kp,
	    t->kpo.kplen, t->ref), POUCH_OK);
	/* A GroupInfo whose tag matches joiner_secret's epoch. */
	assert_int_equal(pouch_random(t->joiner, t->s->nh), POUCH_OK);
	memset(t->cth, 0xc7, sizeof(t->cth));
	memset(t->th, 0x7e, sizeof(t->th));
	t->gi.group_context.version = POUCH_MLS_VERSION_10;
	t->gi.group_context.cipher_suite = 1;
	t->gi.group_context.group_id.p = (const uint8_t *)"g";
	t->gi.group_context.group_id.n = 1;
	t->gi.group_context.epoch = 4;
	t->gi.group_context.tree_hash.p = t->th;
	t->gi.group_context.tree_hash.n = t->s->nh;
	t->gi.group_context.confirmed_transcript_hash.p = t->cth;
	t->gi.group_context.confirmed_transcript_hash.n = t->s->nh;
	pouch_wr_init(&w, 1 << 16);
	pouch_mls_group_context_encode(&w, &t->gi.group_context);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	assert_int_equal(pouch_mls_key_schedule_joiner(t->c, t->s, t->joiner,
	    NULL, w.buf, w.len, &es), POUCH_OK);
	pouch_wr_free(&w);
	assert_int_equal(pouch_mls_confirmation_tag(t->c, t->s,
	    es.confirmation_key, t->cth, t->s->nh, t->tag), POUCH_OK);
	pouch_mls_epoch_secrets_clear(&es);
	t->gi.confirmation_tag.p = t->tag;
	t->gi.confirmation_tag.n = t->s->nh;
	t->gi.signer = 0;
	assert_int_equal(pouch_mls_group_info_sign(t->c, t->s, &t->gi,
	    t->sig_priv, 32, &t->a), POUCH_OK);
	memset(&r, 0, sizeof(r));
	r.kp = &t->kp;
	assert_int_equal(pouch_mls_welcome_seal(t->c, t->s, &t->gi, t->joiner,
	    NULL, NULL, 0, &r, 1, &t->a, &t->w), POUCH_OK);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct wt *t = *state;

	pouch_mls_kp_out_clear(&t->kpo);
	pouch_mls_arena_free(&t->a);
	pouch_crypto_free(t->c);
	free(t);
	return 0;
}

static void
welcome_round_trip(void **state)
{
	struct wt *t = *state;
	struct pouch_mls_group_secrets gs;
	struct pouch_mls_group_info gi;
	struct pouch_mls_epoch_secrets es;

	assert_int_equal(pouch_mls_welcome_open(t->c, t->s, &t->w, t->ref,
	    t->kpo.init_priv, t->kpo.init_privlen, &t->a, &gs), POUCH_OK);
	assert_int_equal(gs.joiner_secret.n, t->s->nh);
	assert_memory_equal(gs.joiner_secret.p, t->joiner, t->s->nh);
	assert_false(gs.has_path_secret);
	assert_int_equal(pouch_mls_welcome_group_info(t->c, t->s, &t->w,
	    t->joiner, NULL, &t->a, &gi), POUCH_OK);
	assert_int_equal(gi.group_context.epoch, 4);
	assert_int_equal(pouch_mls_group_info_verify(t->c, t->s, &gi,
	    t->sig_pub, 32), POUCH_OK);
	assert_int_equal(pouch_mls_welcome_epoch(t->c, t->s, &gi, t->joiner,
	    NULL, &es), POUCH_OK);
	pouch_mls_epoch_secrets_clear(&es);
}

static void
welcome_each_failure_has_its_error(void **state)
{
	struct wt *t = *state;
	struct pouch_mls_group_secrets gs;
	struct pouch_mls_group_info gi;
	struct pouch_mls_epoch_secrets es;
	struct pouch_mls_welcome w2;
	uint8_t ref[POUCH_HASH_MAX], *b, other[32];

	memcpy(ref, t->ref, sizeof(ref));
	ref[0] ^= 1;
	assert_int_equal(pouch_mls_welcome_open(t->c, t->s, &t->w, ref,
	    t->kpo.init_priv, t->kpo.init_privlen, &t->a, &gs),
	    POUCH_E_NOT_RECIPIENT);
	assert_int_equal(pouch_mls_welcome_open(t->c, pouch_mls_suite_get(3),
	    &t->w, t->ref, t->kpo.init_priv, t->kpo.init_privlen, &t->a, &gs),
	    POUCH_E_WRONG_SUITE);
	/* another init key cannot open the GroupSecrets */
	memset(other, 0x42, sizeof(other));
	assert_int_equal(pouch_mls_welcome_open(t->c, t->s, &t->w, t->ref,
	    other, sizeof(other), &t->a, &gs), POUCH_E_DECRYPT);
	/* a flipped bit in the encrypted GroupInfo */
	w2 = t->w;
	assert_int_equal(pouch_mls_arena_copy(&t->a,
	    t->w.encrypted_group_info.p, t->w.encrypted_group_info.n,
	    (const uint8_t **)&b), POUCH_OK);
	b[7] ^= 0x10;
	w2.encrypted_group_info.p = b;
	assert_int_equal(pouch_mls_welcome_group_info(t->c, t->s, &w2,
	    t->joiner, NULL, &t->a, &gi), POUCH_E_DECRYPT);
	/* ...which also binds the GroupSecrets (their HPKE context) */
	assert_int_equal(pouch_mls_welcome_open(t->c, t->s, &w2, t->ref,
	    t->kpo.init_priv, t->kpo.init_privlen, &t->a, &gs),
	    POUCH_E_DECRYPT);
	/* a wrong signer, a wrong tag */
	assert_int_equal(pouch_mls_welcome_group_info(t->c, t->s, &t->w,
	    t->joiner, NULL, &t->a, &gi), POUCH_OK);
	assert_int_equal(pouch_mls_group_info_verify(t->c, t->s, &gi,
	    t->kp.init_key.p, 32), POUCH_E_BAD_SIGNATURE);
	gi.group_context.epoch++;
	assert_int_equal(pouch_mls_group_info_verify(t->c, t->s, &gi,
	    t->sig_pub, 32), POUCH_E_BAD_SIGNATURE);
	assert_int_equal(pouch_mls_welcome_epoch(t->c, t->s, &gi, t->joiner,
	    NULL, &es), POUCH_E_BAD_MAC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(welcome_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    welcome_each_failure_has_its_error, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
