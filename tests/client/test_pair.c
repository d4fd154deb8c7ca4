/*
 * test_pair.c - the pairing code and its commitments (src/client/pair.c)
 * and the conversation's control messages (cl_control_parse in
 * src/client/conv.c): codes are 12 symbols of Crockford's base32 shown
 * in groups of four and read back whatever the case, dashes or I/L/O
 * look-alikes; a commit changes with the user, the key or the code; an
 * approval's MAC with any byte of the approval or another code; a title
 * control message parses, anything malformed or unknown does not, and
 * mail is not taken for one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <pouch/err.h>

#include "client/client_int.h"
#include "codec/codec.h"

static struct pouch_crypto *c;

static int
setup(void **state)
{
	(void)state;
	return pouch_crypto_new(&c) == POUCH_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	pouch_crypto_free(c);
	return 0;
}

static void
test_code(void **state)
{
	char a[CL_PAIR_CODE + 1], b[CL_PAIR_CODE + 1], n[CL_PAIR_CODE + 1];
	char shown[POUCH_CLIENT_PAIR_CODE];
	size_t i;

	(void)state;
	assert_int_equal(cl_pair_code_new(a), POUCH_OK);
	assert_int_equal(cl_pair_code_new(b), POUCH_OK);
	assert_int_equal(strlen(a), CL_PAIR_CODE);
	assert_string_not_equal(a, b);		/* 60 random bits each */
	for (i = 0; i < CL_PAIR_CODE; i++)
		assert_non_null(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ",
		    a[i]));
	cl_pair_code_show(a, shown);
	assert_int_equal(strlen(shown), 14);
	assert_int_equal(shown[4], '-');
	assert_int_equal(shown[9], '-');
	assert_int_equal(cl_pair_code_norm(shown, n), POUCH_OK);
	assert_string_equal(n, a);
	/* lower case, spaces, look-alikes */
	assert_int_equal(cl_pair_code_norm("abcd efgh-jkmn", n), POUCH_OK);
	assert_string_equal(n, "ABCDEFGHJKMN");
	assert_int_equal(cl_pair_code_norm("o0il-1234-5678", n), POUCH_OK);
	assert_string_equal(n, "0011" "12345678");
	/* too short, too long, not in the alphabet, empty */
	assert_int_equal(cl_pair_code_norm("ABCD-EFGH-JKM", n),
	    POUCH_E_MALFORMED);
	assert_int_equal(cl_pair_code_norm("ABCD-EFGH-JKMNP", n),
	    POUCH_E_MALFORMED);
	assert_int_equal(cl_pair_code_norm("ABCD-EFGH-JKMU", n),
	    POUCH_E_MALFORMED);
	assert_int_equal(cl_pair_code_norm("ABCD-EFGH-JKM!", n),
	    POUCH_E_MALFORMED);
	assert_int_equal(cl_pair_code_norm("", n), POUCH_E_MALFORMED);
}

static void
test_commit_mac(void **state)
{
	uint8_t key[CL_KEY], key2[CL_KEY], ap[CL_KEY + CL_SIG];
	uint8_t c1[32], c2[32], m1[32], m2[32];
	size_t i;

	(void)state;
	memset(key, 0x11, sizeof(key));
	memcpy(key2, key, sizeof(key));
	key2[31] ^= 1;
	assert_int_equal(cl_pair_commit(c, "ann", key, "ABCDEFGHJKMN", c1),
	    POUCH_OK);
	assert_int_equal(cl_pair_commit(c, "ann", key, "ABCDEFGHJKMN", c2),
	    POUCH_OK);
	assert_memory_equal(c1, c2, 32);
	assert_int_equal(cl_pair_commit(c, "ann", key2, "ABCDEFGHJKMN", c2),
	    POUCH_OK);
	assert_memory_not_equal(c1, c2, 32);
	assert_int_equal(cl_pair_commit(c, "anne", key, "ABCDEFGHJKMN", c2),
	    POUCH_OK);
	assert_memory_not_equal(c1, c2, 32);
	assert_int_equal(cl_pair_commit(c, "ann", key, "ABCDEFGHJKMP", c2),
	    POUCH_OK);
	assert_memory_not_equal(c1, c2, 32);

	memset(ap, 0x22, sizeof(ap));
	assert_int_equal(cl_pair_mac(c, "ann", "ABCDEFGHJKMN", key, ap, m1),
	    POUCH_OK);
	assert_int_equal(cl_pair_mac(c, "ann", "ABCDEFGHJKMN", key, ap, m2),
	    POUCH_OK);
	assert_memory_equal(m1, m2, 32);
	for (i = 0; i < sizeof(ap); i += 17) {
		ap[i] ^= 0x80;
		assert_int_equal(cl_pair_mac(c, "ann", "ABCDEFGHJKMN", key,
		    ap, m2), POUCH_OK);
		assert_memory_not_equal(m1, m2, 32);
		ap[i] ^= 0x80;
	}
	assert_int_equal(cl_pair_mac(c, "ann", "ABCDEFGHJKMP", key, ap, m2),
	    POUCH_OK);
	assert_memory_not_equal(m1, m2, 32);
	assert_int_equal(cl_pair_mac(c, "ann", "ABCDEFGHJKMN", key2, ap, m2),
	    POUCH_OK);
	assert_memory_not_equal(m1, m2, 32);
	assert_int_equal(cl_pair_mac(c, "anne", "ABCDEFGHJKMN", key, ap, m2),
	    POUCH_OK);
	assert_memory_not_equal(m1, m2, 32);
}

/*
 * The commit the server sees is the code stretched with Argon2id, not a
 * fast hash: recomputed here with libargon2 and OpenSSL directly.
 */
static void
test_commit_is_stretched(void **state)
{
	static const char label[] = "pouch pair commit v2";
	uint8_t key[CL_KEY], salt[32], st[32], want[32], got[32], *b = NULL;
	unsigned int mlen = 0;
	struct pouch_wr w;
	size_t n = 0;

	(void)state;
	memset(key, 0x5a, sizeof(key));
	pouch_wr_init(&w, 512);
	pouch_wr_opaque(&w, "pouch pair v2", 13);
	pouch_wr_opaque(&w, "ann", 3);
	pouch_wr_opaque(&w, key, sizeof(key));
	assert_int_equal(pouch_wr_take(&w, &b, &n), POUCH_OK);
	assert_non_null(SHA256(b, n, salt));
	pouch_wr_buf_free(b, n);
	assert_int_equal(argon2id_hash_raw(2, 32768, 1, "ABCDEFGHJKMN", 12,
	    salt, sizeof(salt), st, sizeof(st)), ARGON2_OK);
	assert_non_null(HMAC(EVP_sha256(), st, sizeof(st),
	    (const uint8_t *)label, sizeof(label) - 1, want, &mlen));
	assert_int_equal(mlen, 32);
	assert_int_equal(cl_pair_commit(c, "ann", key, "ABCDEFGHJKMN", got),
	    POUCH_OK);
	assert_memory_equal(got, want, 32);
}

/* magic, version, opaque kind<V>, opaque value<V> (short vectors). */
static size_t
control(uint8_t *out, uint8_t ver, const char *kind, const char *val,
    size_t vallen)
{
	static const uint8_t magic[15] = {
		0, 'p', 'o', 'u', 'c', 'h', '-', 'c', 'o', 'n', 't', 'r',
		'o', 'l', 0
	};
	size_t n = 0;

	memcpy(out, magic, sizeof(magic));
	n += sizeof(magic);
	out[n++] = ver;
	out[n++] = (uint8_t)strlen(kind);
	memcpy(out + n, kind, strlen(kind));
	n += strlen(kind);
	out[n++] = (uint8_t)vallen;
	memcpy(out + n, val, vallen);
	return n + vallen;
}

static void
test_control(void **state)
{
	char title[POUCH_CSTORE_TITLE_MAX + 1];
	static const char mail[] = "From: a@pouch\r\nTo: b@pouch\r\n\r\nx";
	uint8_t b[128];
	size_t n;

	(void)state;
	n = control(b, 1, "title", "Genève", strlen("Genève"));
	assert_int_equal(cl_control_parse(b, n, title), POUCH_OK);
	assert_string_equal(title, "Genève");
	/* one byte more or less */
	assert_int_not_equal(cl_control_parse(b, n - 1, title), POUCH_OK);
	assert_string_equal(title, "");
	b[n] = 'x';
	assert_int_equal(cl_control_parse(b, n + 1, title), POUCH_E_TRAILING);
	/* another version, another kind */
	n = control(b, 2, "title", "x", 1);
	assert_int_equal(cl_control_parse(b, n, title), POUCH_E_UNSUPPORTED);
	n = control(b, 1, "color", "x", 1);
	assert_int_equal(cl_control_parse(b, n, title), POUCH_E_UNSUPPORTED);
	/* controls, overlong UTF-8, a surrogate, a C1 control */
	n = control(b, 1, "title", "a\nb", 3);
	assert_int_equal(cl_control_parse(b, n, title), POUCH_E_MALFORMED);
	n = control(b, 1, "title", "\xc0\xaf", 2);
	assert_int_equal(cl_control_parse(b, n, title), POUCH_E_MALFORMED);
	n = control(b, 1, "title", "\xed\xa0\x80", 3);
	assert_int_equal(cl_control_parse(b, n, title), POUCH_E_MALFORMED);
	n = control(b, 1, "title", "\xc2\x85", 2);
	assert_int_equal(cl_control_parse(b, n, title), POUCH_E_MALFORMED);
	n = control(b, 1, "title", "\xe2\x82", 2);	/* cut short */
	assert_int_equal(cl_control_parse(b, n, title), POUCH_E_MALFORMED);
	/* mail is mail */
	assert_int_equal(cl_control_parse((const uint8_t *)mail,
	    sizeof(mail) - 1, title), POUCH_E_NOT_FOUND);
	assert_int_equal(cl_control_parse(b, 3, title), POUCH_E_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code),
		cmocka_unit_test(test_commit_mac),
		cmocka_unit_test(test_commit_is_stretched),
		cmocka_unit_test(test_control),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
