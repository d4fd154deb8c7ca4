/*
 * test_ident.c - the Pouch identity in MLS credentials (src/client/ident.c)
 * and the transport's base64 (src/client/http.c): a real cross-signature
 * verifies; one over another device key, by another account key, for
 * another user, or with any byte changed does not; malformed encodings
 * and user names are refused; base64 is strict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pouch/err.h>

#include "client/client_int.h"
#include "codec/codec.h"

static struct pouch_crypto *c;

/* An identity for user whose cross-signature by acct_priv covers dev. */
static void
make(const char *user, const uint8_t acct_priv[32], const uint8_t acct[32],
    const uint8_t dev[32], uint8_t **out, size_t *outlen)
{
	uint8_t *stmt = NULL, sig[64];
	size_t stmtlen = 0, siglen;
	struct pouch_wr w;

	assert_int_equal(cl_statement_device(user, dev, &stmt, &stmtlen),
	    POUCH_OK);
	assert_int_equal(pouch_sig_sign(c, POUCH_SIG_ED25519, acct_priv, 32,
	    stmt, stmtlen, sig, sizeof(sig), &siglen), POUCH_OK);
	pouch_wr_buf_free(stmt, stmtlen);
	pouch_wr_init(&w, 512);
	pouch_wr_opaque(&w, "pouch id v1", 11);
	pouch_wr_opaque(&w, user, strlen(user));
	pouch_wr_u64(&w, 7);
	pouch_wr_opaque(&w, acct, 32);
	pouch_wr_opaque(&w, sig, 64);
	assert_int_equal(pouch_wr_take(&w, out, outlen), POUCH_OK);
}

static void
test_cross_signature(void **state)
{
	uint8_t ap[32], apub[32], bp[32], bpub[32], dp[32], dev[32];
	uint8_t ep[32], dev2[32], *id = NULL, *id2 = NULL;
	size_t idlen = 0, id2len = 0, i;
	struct cl_ident x;

	(void)state;
	assert_int_equal(pouch_sig_keygen(c, POUCH_SIG_ED25519, ap, apub), 0);
	assert_int_equal(pouch_sig_keygen(c, POUCH_SIG_ED25519, bp, bpub), 0);
	assert_int_equal(pouch_sig_keygen(c, POUCH_SIG_ED25519, dp, dev), 0);
	assert_int_equal(pouch_sig_keygen(c, POUCH_SIG_ED25519, ep, dev2), 0);
	make("alice", ap, apub, dev, &id, &idlen);
	assert_int_equal(cl_ident_check(c, id, idlen, dev, 32, &x), POUCH_OK);
	assert_string_equal(x.user, "alice");
	assert_int_equal(x.device_id, 7);
	assert_memory_equal(x.account_key, apub, 32);
	/* the same identity on another device key */
	assert_int_equal(cl_ident_check(c, id, idlen, dev2, 32, &x),
	    POUCH_E_BAD_SIGNATURE);
	/* a wrong key length */
	assert_int_equal(cl_ident_check(c, id, idlen, dev, 31, &x),
	    POUCH_E_BAD_KEY);
	/* signed by one account key, claiming another */
	make("alice", bp, apub, dev, &id2, &id2len);
	assert_int_equal(cl_ident_check(c, id2, id2len, dev, 32, &x),
	    POUCH_E_BAD_SIGNATURE);
	pouch_wr_buf_free(id2, id2len);
	/*
	 * Every single-byte change is refused (parse or signature), except
	 * in device_id (bytes 18..25 here: 12 of label, 6 of user), which
	 * the server assigned after the signature; the leaf's own signature
	 * covers it inside MLS.
	 */
	for (i = 0; i < idlen; i++) {
		if (i >= 18 && i < 26)
			continue;
		id[i] ^= 0x01;
		assert_int_not_equal(cl_ident_check(c, id, idlen, dev, 32, &x),
		    POUCH_OK);
		id[i] ^= 0x01;
	}
	/* a cross-signature for bob's statement does not make alice's */
	pouch_wr_buf_free(id, idlen);
	make("bob", ap, apub, dev, &id, &idlen);
	assert_int_equal(cl_ident_check(c, id, idlen, dev, 32, &x), POUCH_OK);
	assert_string_equal(x.user, "bob");
	pouch_wr_buf_free(id, idlen);
}

static void
test_malformed(void **state)
{
	uint8_t ap[32], apub[32], dp[32], dev[32], *id = NULL;
	size_t idlen = 0, n;
	struct cl_ident x;

	(void)state;
	assert_int_equal(pouch_sig_keygen(c, POUCH_SIG_ED25519, ap, apub), 0);
	assert_int_equal(pouch_sig_keygen(c, POUCH_SIG_ED25519, dp, dev), 0);
	make("Alice", ap, apub, dev, &id, &idlen);
	assert_int_equal(cl_ident_parse(id, idlen, &x), POUCH_E_MALFORMED);
	pouch_wr_buf_free(id, idlen);
	make("alice", ap, apub, dev, &id, &idlen);
	for (n = 0; n < idlen; n++)
		assert_int_not_equal(cl_ident_parse(id, n, &x), POUCH_OK);
	assert_int_equal(x.user[0], '\0');	/* cleared on failure */
	pouch_wr_buf_free(id, idlen);
	assert_true(cl_user_ok("a.b-c_9"));
	assert_false(cl_user_ok(""));
	assert_false(cl_user_ok("a b"));
	assert_false(cl_user_ok("ab/"));
	assert_false(cl_user_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void
test_b64(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
		int		 rc;
	} v[] = {
		{ "", "", POUCH_OK },
		{ "Zg==", "f", POUCH_OK },
		{ "Zm8=", "fo", POUCH_OK },
		{ "Zm9v", "foo", POUCH_OK },
		{ "Zm9vYg==", "foob", POUCH_OK },
		{ "Zm9", NULL, POUCH_E_MALFORMED },
		{ "Z=9v", NULL, POUCH_E_MALFORMED },
		{ "Zm9v\n", NULL, POUCH_E_MALFORMED },
		{ "Zg=A", NULL, POUCH_E_MALFORMED },
		{ "Zm9-", NULL, POUCH_E_MALFORMED },
	};
	uint8_t *p;
	size_t n, i;
	char *e;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(pouch_b64_decode(v[i].in, 64, &p, &n),
		    v[i].rc);
		if (v[i].rc != POUCH_OK) {
			assert_null(p);
			continue;
		}
		assert_int_equal(n, strlen(v[i].out));
		assert_memory_equal(p, v[i].out, n);
		e = pouch_b64_encode(p, n);
		assert_string_equal(e, v[i].in);
		free(e);
		free(p);
	}
	/* the bound is on the decoded size */
	assert_int_equal(pouch_b64_decode("Zm9vYg==", 3, &p, &n),
	    POUCH_E_TOO_LARGE);
	assert_int_equal(pouch_b64_decode("Zm9vYg==", 4, &p, &n), POUCH_OK);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cross_signature),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_b64),
	};
	int rc;

	if (pouch_crypto_new(&c) != POUCH_OK)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	pouch_crypto_free(c);
	return rc;
}
