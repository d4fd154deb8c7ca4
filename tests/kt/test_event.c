/*
 * test_event.c - src/kt/event.c and src/kt/checkpoint.c: every event type
 * encodes and parses back to itself; every truncation and a trailing
 * byte are rejected without touching the output; bad versions, types,
 * signers and flags are MALFORMED; signatures (the enrolment
 * cross-signature, the account key, the log key) verify and fail when
 * any byte of the encoding changes.  Checkpoints: sign then open,
 * strict format (every byte flip of a signed note fails to open),
 * wrong key, wrong origin, witness lines ignored, base64 strictness.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kt/kt.h"

static struct pouch_crypto *c;
static uint8_t acct_priv[32], acct_pub[32], log_priv[32], log_pub[32];
static struct pouch_sig_key *acct, *logk;

static int
setup(void **state)
{
	(void)state;
	if (pouch_crypto_new(&c) != POUCH_OK ||
	    pouch_sig_keygen(c, POUCH_SIG_ED25519, acct_priv, acct_pub) !=
	    POUCH_OK ||
	    pouch_sig_keygen(c, POUCH_SIG_ED25519, log_priv, log_pub) !=
	    POUCH_OK ||
	    pouch_sig_key_new(c, POUCH_SIG_ED25519, POUCH_IMPL_DEFAULT,
	    acct_priv, 32, &acct) != POUCH_OK ||
	    pouch_sig_key_new(c, POUCH_SIG_ED25519, POUCH_IMPL_DEFAULT,
	    log_priv, 32, &logk) != POUCH_OK)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pouch_sig_key_free(acct);
	pouch_sig_key_free(logk);
	pouch_crypto_free(c);
	return 0;
}

/* The client's enrolment cross-signature, built independently. */
static void
cross_sign(const char *user, const uint8_t dk[32], uint8_t sig[64])
{
	uint8_t msg[256];
	size_t n = 0, ul = strlen(user), sl;

	msg[n++] = 15;
	memcpy(msg + n, "pouch device v1", 15);
	n += 15;
	msg[n++] = (uint8_t)ul;
	memcpy(msg + n, user, ul);
	n += ul;
	msg[n++] = 32;
	memcpy(msg + n, dk, 32);
	n += 32;
	assert_int_equal(pouch_sig_key_sign(acct, msg, n, sig, 64, &sl),
	    POUCH_OK);
}

static void
make(struct pouch_kt_event *ev, enum pouch_kt_event_type type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->timestamp = 1764000000 + type;
	snprintf(ev->user, sizeof(ev->user), "%s", "alice");
	switch (type) {
	case POUCH_KT_DEVICE_ADDED:
		snprintf(ev->actor, sizeof(ev->actor), "%s", "alice");
		snprintf(ev->device_name, sizeof(ev->device_name), "%s",
		    "laptop");
		memset(ev->device_key, 0xd1, 32);
		memcpy(ev->account_key, acct_pub, 32);
		cross_sign("alice", ev->device_key, ev->sig);
		return;
	case POUCH_KT_DEVICE_REVOKED:
		memset(ev->device_key, 0xd2, 32);
		break;
	case POUCH_KT_ACCOUNT_KEY:
		memset(ev->account_key, 0xa1, 32);
		ev->has_prev = 1;
		memcpy(ev->prev_key, acct_pub, 32);
		break;
	case POUCH_KT_USER_CREATED:
		break;
	case POUCH_KT_USER_SUSPENDED:
		ev->suspended = 1;
		break;
	case POUCH_KT_CODE_ISSUED:
		memset(ev->code_hash, 0xc0, 32);
		ev->expires = 1764003600;
		break;
	}
	if (type == POUCH_KT_ACCOUNT_KEY || (type == POUCH_KT_DEVICE_REVOKED &&
	    ev->timestamp % 2 == 0)) {
		ev->signer = POUCH_KT_BY_ACCOUNT;
		snprintf(ev->actor, sizeof(ev->actor), "%s", "alice");
		assert_int_equal(pouch_kt_event_sign(acct, ev), POUCH_OK);
	} else {
		ev->signer = POUCH_KT_BY_LOG;
		snprintf(ev->actor, sizeof(ev->actor), "%s", "admin");
		assert_int_equal(pouch_kt_event_sign(logk, ev), POUCH_OK);
	}
}

static void
test_roundtrip(void **state)
{
	struct pouch_kt_event ev, back, pre;
	uint8_t buf[POUCH_KT_EVENT_MAX], cp[POUCH_KT_EVENT_MAX + 1];
	size_t len, i;
	int t;

	(void)state;
	for (t = POUCH_KT_DEVICE_ADDED; t <= POUCH_KT_CODE_ISSUED; t++) {
		make(&ev, (enum pouch_kt_event_type)t);
		assert_int_equal(pouch_kt_event_encode(&ev, buf, sizeof(buf),
		    &len), POUCH_OK);
		assert_int_equal(buf[0], 1);
		assert_int_equal(buf[1], t);
		memset(&back, 0x55, sizeof(back));
		assert_int_equal(pouch_kt_event_decode(buf, len, &back),
		    POUCH_OK);
		assert_int_equal(back.type, t);
		assert_int_equal(back.timestamp, ev.timestamp);
		assert_string_equal(back.user, ev.user);
		assert_string_equal(back.actor, ev.actor);
		assert_string_equal(back.device_name, ev.device_name);
		assert_memory_equal(back.device_key, ev.device_key, 32);
		assert_memory_equal(back.account_key, ev.account_key, 32);
		assert_memory_equal(back.code_hash, ev.code_hash, 32);
		assert_int_equal(back.expires, ev.expires);
		assert_int_equal(back.suspended, ev.suspended);
		assert_int_equal(back.has_prev, ev.has_prev);
		assert_memory_equal(back.sig, ev.sig, 64);
		assert_int_equal(pouch_kt_event_verify(c, &back, acct_pub,
		    log_pub), POUCH_OK);
		/* every strict prefix fails and leaves the output alone */
		for (i = 0; i < len; i++) {
			memset(&pre, 0x77, sizeof(pre));
			assert_int_not_equal(pouch_kt_event_decode(buf, i,
			    &pre), POUCH_OK);
			assert_int_equal(((uint8_t *)&pre)[0], 0x77);
		}
		memcpy(cp, buf, len);
		cp[len] = 0;
		assert_int_equal(pouch_kt_event_decode(cp, len + 1, &pre),
		    POUCH_E_TRAILING);
		/*
		 * Any change of a signed byte breaks the signature; for
		 * device_added the cross-signature covers the user (bytes
		 * 17..22), the keys and the signature, not the timestamp,
		 * actor or device name.
		 */
		for (i = 0; i < len; i++) {
			if (t == POUCH_KT_DEVICE_ADDED && i != 10 &&
			    (i < 17 || (i >= 23 && i < 30)))
				continue;
			memcpy(cp, buf, len);
			cp[i] ^= 0x01;
			if (pouch_kt_event_decode(cp, len, &back) != POUCH_OK)
				continue;
			assert_int_not_equal(pouch_kt_event_verify(c, &back,
			    acct_pub, log_pub), POUCH_OK);
		}
	}
}

static void
test_malformed(void **state)
{
	struct pouch_kt_event ev, back;
	uint8_t buf[POUCH_KT_EVENT_MAX], big[POUCH_KT_EVENT_MAX + 1];
	size_t len;

	(void)state;
	make(&ev, POUCH_KT_USER_SUSPENDED);
	assert_int_equal(pouch_kt_event_encode(&ev, buf, sizeof(buf), &len),
	    POUCH_OK);
	buf[0] = 2;				/* version */
	assert_int_equal(pouch_kt_event_decode(buf, len, &back),
	    POUCH_E_MALFORMED);
	buf[0] = 1;
	buf[1] = 7;				/* type */
	assert_int_equal(pouch_kt_event_decode(buf, len, &back),
	    POUCH_E_MALFORMED);
	buf[1] = 0;
	assert_int_equal(pouch_kt_event_decode(buf, len, &back),
	    POUCH_E_MALFORMED);
	buf[1] = POUCH_KT_USER_SUSPENDED;
	buf[10] = 2;				/* signer */
	assert_int_equal(pouch_kt_event_decode(buf, len, &back),
	    POUCH_E_MALFORMED);
	buf[10] = 1;
	/* suspended flag: after actor "admin" and user "alice" */
	assert_int_equal(buf[11 + 6 + 6], 1);
	buf[11 + 6 + 6] = 2;
	assert_int_equal(pouch_kt_event_decode(buf, len, &back),
	    POUCH_E_MALFORMED);
	buf[11 + 6 + 6] = 1;
	assert_int_equal(pouch_kt_event_decode(buf, len, &back), POUCH_OK);
	/* a NUL inside a name */
	buf[12] = 0;
	assert_int_equal(pouch_kt_event_decode(buf, len, &back),
	    POUCH_E_MALFORMED);
	memset(big, 0, sizeof(big));
	assert_int_equal(pouch_kt_event_decode(big, sizeof(big), &back),
	    POUCH_E_TOO_LARGE);
	/* the wrong signers */
	make(&ev, POUCH_KT_USER_CREATED);
	assert_int_equal(pouch_kt_event_verify(c, &ev, log_pub, acct_pub),
	    POUCH_E_KT_EVENT_SIG);
	ev.signer = POUCH_KT_BY_ACCOUNT;
	assert_int_equal(pouch_kt_event_verify(c, &ev, acct_pub, log_pub),
	    POUCH_E_KT_EVENT_SIG);
	/* a device_added whose cross-signature is by another key */
	make(&ev, POUCH_KT_DEVICE_ADDED);
	memcpy(ev.account_key, log_pub, 32);
	assert_int_equal(pouch_kt_event_verify(c, &ev, acct_pub, log_pub),
	    POUCH_E_KT_EVENT_SIG);
	assert_int_equal(pouch_kt_event_sign(logk, &ev), POUCH_E_MISUSE);
}

static void
sign_cp(const char *origin, uint64_t size, char *note, size_t cap,
    size_t *len)
{
	struct pouch_kt_checkpoint cp;

	memset(&cp, 0, sizeof(cp));
	strcpy(cp.origin, origin);	/* checksrc: allow */
	cp.size = size;
	memset(cp.root, 0x5a, sizeof(cp.root));
	assert_int_equal(pouch_kt_checkpoint_sign(c, logk, log_pub, &cp, note,
	    cap, len), POUCH_OK);
}

static void
test_checkpoint(void **state)
{
	static const char witness[] = "\xe2\x80\x94 witness AAAAAA==\n";
	struct pouch_kt_checkpoint cp;
	char note[POUCH_KT_NOTE_MAX], bad[POUCH_KT_NOTE_MAX + 200];
	uint8_t root[32];
	size_t len, i, bl;

	(void)state;
	memset(root, 0x5a, sizeof(root));
	sign_cp("pouch.example/kt", 1234567, note, sizeof(note), &len);
	assert_int_equal(len, strlen(note));
	assert_true(strncmp(note, "pouch.example/kt\n1234567\n", 25) == 0);
	assert_non_null(strstr(note, "\n\n\xe2\x80\x94 pouch.example/kt "));
	assert_int_equal(pouch_kt_checkpoint_open(c, "pouch.example/kt",
	    log_pub, note, len, &cp), POUCH_OK);
	assert_int_equal(cp.size, 1234567);
	assert_memory_equal(cp.root, root, 32);
	assert_string_equal(cp.origin, "pouch.example/kt");
	/* wrong key, wrong origin */
	assert_int_equal(pouch_kt_checkpoint_open(c, "pouch.example/kt",
	    acct_pub, note, len, &cp), POUCH_E_KT_CHECKPOINT_SIG);
	assert_int_equal(pouch_kt_checkpoint_open(c, "other", log_pub, note,
	    len, &cp), POUCH_E_KT_CHECKPOINT_SIG);
	/* every single-byte change fails */
	for (i = 0; i < len; i++) {
		memcpy(bad, note, len);
		bad[i] ^= 0x02;
		memset(&cp, 0, sizeof(cp));
		assert_int_not_equal(pouch_kt_checkpoint_open(c,
		    "pouch.example/kt", log_pub, bad, len, &cp), POUCH_OK);
		assert_int_equal(cp.size, 0);
	}
	/* every truncation fails */
	for (i = 0; i < len; i++)
		assert_int_not_equal(pouch_kt_checkpoint_open(c,
		    "pouch.example/kt", log_pub, note, i, &cp), POUCH_OK);
	/* a witness line of another key is ignored, before or after */
	memcpy(bad, note, len);
	memcpy(bad + len, witness, sizeof(witness) - 1);
	assert_int_equal(pouch_kt_checkpoint_open(c, "pouch.example/kt",
	    log_pub, bad, len + sizeof(witness) - 1, &cp), POUCH_OK);
	/* leading zero, extension line */
	sign_cp("o", 0, note, sizeof(note), &len);
	assert_int_equal(pouch_kt_checkpoint_open(c, "o", log_pub, note, len,
	    &cp), POUCH_OK);
	assert_int_equal(cp.size, 0);
	memcpy(bad, "o\n00\n", 5);
	memcpy(bad + 5, note + 4, len - 4);
	assert_int_equal(pouch_kt_checkpoint_parse(bad, len + 1, &cp, &bl),
	    POUCH_E_MALFORMED);
	/* "o\n0\n<44>\n" is 49 bytes: an extension line before the blank */
	memcpy(bad, note, 49);
	memcpy(bad + 49, "ext\n", 4);
	memcpy(bad + 53, note + 49, len - 49);
	assert_int_equal(pouch_kt_checkpoint_parse(bad, len + 4, &cp, &bl),
	    POUCH_E_MALFORMED);
	/* an origin with a space cannot be signed */
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", "a b");
	assert_int_equal(pouch_kt_checkpoint_sign(c, logk, log_pub, &cp, note,
	    sizeof(note), &len), POUCH_E_MISUSE);
	/* too small a buffer */
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", "o");
	assert_int_equal(pouch_kt_checkpoint_sign(c, logk, log_pub, &cp, note,
	    60, &len), POUCH_E_BUFFER_TOO_SMALL);
}

static void
test_b64(void **state)
{
	static const char *good[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==" };
	static const char *badv[] = { "Zg=", "Zh==", "Zm9=", "Z===", "Zm9v=",
	    "Zm 9", "=Zm9", "Zg==Zg==" };
	uint8_t out[16];
	char enc[32];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(pouch_kt_b64_decode(good[i], strlen(good[i]),
		    out, sizeof(out), &n), POUCH_OK);
		assert_int_equal(n, i == 0 ? 0 : i < 4 ? i : 4);
		assert_memory_equal(out, "foob", n);
		pouch_kt_b64_encode(out, n, enc);
		assert_string_equal(enc, good[i]);
	}
	for (i = 0; i < sizeof(badv) / sizeof(badv[0]); i++)
		assert_int_not_equal(pouch_kt_b64_decode(badv[i],
		    strlen(badv[i]), out, sizeof(out), &n), POUCH_OK);
	assert_int_equal(pouch_kt_b64_decode("Zm9v", 4, out, 2, &n),
	    POUCH_E_BUFFER_TOO_SMALL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_checkpoint),
		cmocka_unit_test(test_b64),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
