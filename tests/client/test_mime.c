/*
 * test_mime.c - src/client/mime.c: Pouch messages as RFC 5322 / MIME.
 * Compose -> parse round trips of every field (UTF-8 subject, threads,
 * 16 attachments with non-ASCII names), the wire form checked as text
 * (7-bit only, RFC 5322 date, RFC 2047 subject, RFC 2231 file names),
 * hand-written hostile messages (path file names, oversized input, 17
 * attachments, deep nesting, non-UTF-8 bodies, missing or repeated
 * headers, bad user names, bad attachment references), caller misuse,
 * and export with inlined attachments read back through GMime.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmime/gmime.h>
#include <openssl/rand.h>

#include <pouch/err.h>

#include "client/mime.h"

#define DATE_1700000000	"Tue, 14 Nov 2023 22:13:20 +0000"

static const char *const to3[] = { "bob", "carol.c", "dave_d-9" };
static const char *const refs3[] = { "r1@pouch.example",
    "r2.x@pouch.example", "parent@pouch.example" };

static void
base_in(struct pouch_mime_in *in)
{
	memset(in, 0, sizeof(*in));
	in->domain = "pouch.example";
	in->from = "alice";
	in->to = to3;
	in->nto = 3;
	in->subject = "Grüße — 日本語 subject";
	in->date = 1700000000;
	in->message_id = "m1@pouch.example";
	in->in_reply_to = "parent@pouch.example";
	in->references = refs3;
	in->nreferences = 3;
	in->body = "Hello Bob,\nünïcödé body ✓\n\nbye\n";
	in->bodylen = strlen(in->body);
}

static int
contains(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return 1;
	return 0;
}

static struct pouch_mime_msg *
parse_ok(const uint8_t *p, size_t n)
{
	struct pouch_mime_msg *m = NULL;

	assert_int_equal(pouch_mime_parse(p, n, &m), POUCH_OK);
	assert_non_null(m);
	return m;
}

static int
parse_str(const char *s)
{
	struct pouch_mime_msg *m = (struct pouch_mime_msg *)1;
	int rc;

	rc = pouch_mime_parse((const uint8_t *)s, strlen(s), &m);
	if (rc == POUCH_OK)
		pouch_mime_free(m);
	else
		assert_null(m);
	return rc;
}

static void
test_roundtrip(void **state)
{
	struct pouch_mime_att att[POUCH_MIME_ATT_MAX];
	char names[POUCH_MIME_ATT_MAX][64];
	struct pouch_mime_in in;
	struct pouch_mime_msg *m;
	const struct pouch_mime_att *a;
	uint8_t *out;
	size_t n, i, blen;
	const char *body;

	(void)state;
	base_in(&in);
	for (i = 0; i < POUCH_MIME_ATT_MAX; i++) {
		(void)snprintf(names[i], sizeof(names[i]),
		    "Отчёт %zu — café.pdf", i);
		att[i].filename = names[i];
		att[i].content_type = i % 2 ? "application/pdf" : NULL;
		att[i].size = (uint64_t)i * 1000003u;
		assert_int_equal(RAND_bytes(att[i].hash, 32), 1);
		assert_int_equal(RAND_bytes(att[i].key, 32), 1);
	}
	att[3].filename = "plain.txt";
	att[5].content_type = "image/png";
	att[7].size = UINT64_C(10) << 20;
	in.att = att;
	in.natt = POUCH_MIME_ATT_MAX;
	assert_int_equal(pouch_mime_compose(&in, &out, &n), POUCH_OK);

	/* the wire form, read as text */
	for (i = 0; i < n; i++)
		assert_true(out[i] < 0x80);	/* RFC 2047/2231/QP: 7-bit */
	assert_true(contains(out, n, "From: alice@pouch.example\r\n"));
	assert_true(contains(out, n, "bob@pouch.example"));
	assert_true(contains(out, n, "Date: " DATE_1700000000 "\r\n"));
	assert_true(contains(out, n, "Subject: =?"));
	assert_true(contains(out, n, "<m1@pouch.example>"));
	assert_true(contains(out, n, "In-Reply-To: <parent@pouch.example>"));
	assert_true(contains(out, n, "References: <r1@pouch.example>"));
	assert_true(contains(out, n, "MIME-Version: 1.0"));
	assert_true(contains(out, n, "text/plain; charset=utf-8"));
	assert_true(contains(out, n, "message/external-body"));
	assert_true(contains(out, n, "access-type=x-pouch-blob"));
	assert_true(contains(out, n, "*=UTF-8''"));
	assert_true(contains(out, n, "size=10485760"));

	m = parse_ok(out, n);
	assert_string_equal(pouch_mime_from(m), "alice");
	assert_string_equal(pouch_mime_domain(m), "pouch.example");
	assert_int_equal(pouch_mime_nto(m), 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(pouch_mime_to(m, i), to3[i]);
	assert_null(pouch_mime_to(m, 3));
	assert_string_equal(pouch_mime_subject(m), in.subject);
	assert_int_equal(pouch_mime_date(m), 1700000000);
	assert_string_equal(pouch_mime_message_id(m), "m1@pouch.example");
	assert_string_equal(pouch_mime_in_reply_to(m),
	    "parent@pouch.example");
	assert_int_equal(pouch_mime_nreferences(m), 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(pouch_mime_reference(m, i), refs3[i]);
	assert_null(pouch_mime_reference(m, 3));
	body = pouch_mime_body(m, &blen);
	assert_int_equal(blen, in.bodylen);
	assert_memory_equal(body, in.body, blen);
	assert_int_equal(pouch_mime_natt(m), POUCH_MIME_ATT_MAX);
	for (i = 0; i < POUCH_MIME_ATT_MAX; i++) {
		a = pouch_mime_att(m, i);
		assert_non_null(a);
		assert_string_equal(a->filename, att[i].filename);
		assert_string_equal(a->content_type, att[i].content_type ?
		    att[i].content_type : "application/octet-stream");
		assert_int_equal(a->size, att[i].size);
		assert_memory_equal(a->hash, att[i].hash, 32);
		assert_memory_equal(a->key, att[i].key, 32);
	}
	assert_null(pouch_mime_att(m, POUCH_MIME_ATT_MAX));
	pouch_mime_free(m);
	pouch_mime_buf_free(out, n);
}

static void
test_simple(void **state)
{
	struct pouch_mime_in in;
	struct pouch_mime_msg *m, *m2;
	const char *s, *body;
	uint8_t *out, *out2;
	size_t n, n2, i, blen;

	(void)state;
	base_in(&in);
	in.domain = NULL;
	in.message_id = NULL;
	in.in_reply_to = NULL;
	in.nreferences = 0;
	in.subject = NULL;
	in.nto = 1;
	in.body = "no newline at the end";
	in.bodylen = strlen(in.body);
	in.date = 0;
	assert_int_equal(pouch_mime_compose(&in, &out, &n), POUCH_OK);
	assert_true(contains(out, n, "From: alice@pouch\r\n"));
	assert_true(contains(out, n, "Date: Thu, 01 Jan 1970 00:00:00 +0000"));
	m = parse_ok(out, n);
	assert_string_equal(pouch_mime_domain(m), "pouch");
	assert_string_equal(pouch_mime_subject(m), "");
	assert_null(pouch_mime_in_reply_to(m));
	assert_int_equal(pouch_mime_nreferences(m), 0);
	assert_int_equal(pouch_mime_natt(m), 0);
	assert_int_equal(pouch_mime_date(m), 0);
	body = pouch_mime_body(m, &blen);
	assert_int_equal(blen, in.bodylen);
	assert_memory_equal(body, in.body, blen);
	/* generated Message-ID: 32 lowercase hex digits @ the domain */
	s = pouch_mime_message_id(m);
	assert_int_equal(strlen(s), 32 + 1 + 5);
	for (i = 0; i < 32; i++)
		assert_non_null(strchr("0123456789abcdef", s[i]));
	assert_string_equal(s + 32, "@pouch");
	/* a second message gets another id */
	assert_int_equal(pouch_mime_compose(&in, &out2, &n2), POUCH_OK);
	m2 = parse_ok(out2, n2);
	assert_string_not_equal(pouch_mime_message_id(m2), s);
	pouch_mime_free(m2);
	pouch_mime_buf_free(out2, n2);

	/* an empty body; a negative date */
	in.body = NULL;
	in.bodylen = 0;
	in.date = -86400;
	assert_int_equal(pouch_mime_compose(&in, &out2, &n2), POUCH_OK);
	m2 = parse_ok(out2, n2);
	body = pouch_mime_body(m2, &blen);
	assert_non_null(body);
	assert_int_equal(blen, 0);
	assert_int_equal(pouch_mime_date(m2), -86400);
	pouch_mime_free(m2);
	pouch_mime_buf_free(out2, n2);
	pouch_mime_free(m);
	pouch_mime_buf_free(out, n);
}

/* User names that are no RFC 5322 dot-atom travel quoted. */
static void
test_odd_users(void **state)
{
	static const char *const to[] = { ".x", "a..b", "y.", "-", "_", "0",
	    "bob" };
	struct pouch_mime_in in;
	struct pouch_mime_msg *m;
	uint8_t *out;
	size_t n, i;

	(void)state;
	base_in(&in);
	in.from = ".alice.";
	in.to = to;
	in.nto = sizeof(to) / sizeof(to[0]);
	assert_int_equal(pouch_mime_compose(&in, &out, &n), POUCH_OK);
	assert_true(contains(out, n, "From: \".alice.\"@pouch.example"));
	m = parse_ok(out, n);
	assert_string_equal(pouch_mime_from(m), ".alice.");
	assert_int_equal(pouch_mime_nto(m), in.nto);
	for (i = 0; i < in.nto; i++)
		assert_string_equal(pouch_mime_to(m, i), to[i]);
	pouch_mime_free(m);
	pouch_mime_buf_free(out, n);
	/* quoting does not smuggle other characters in */
	assert_int_equal(parse_str("From: \"a b\"@pouch\r\nTo: bob@pouch\r\n"
	    "Date: " DATE_1700000000 "\r\nMessage-ID: <m@pouch>\r\n\r\nhi"
	    "\r\n"), POUCH_E_MALFORMED);
	assert_int_equal(parse_str("From: \"\"@pouch\r\nTo: bob@pouch\r\n"
	    "Date: " DATE_1700000000 "\r\nMessage-ID: <m@pouch>\r\n\r\nhi"
	    "\r\n"), POUCH_E_MALFORMED);
}

static void
expect_misuse(const struct pouch_mime_in *in)
{
	uint8_t *out = (uint8_t *)1;
	size_t n = 5;

	assert_int_equal(pouch_mime_compose(in, &out, &n), POUCH_E_MISUSE);
	assert_null(out);
	assert_int_equal(n, 0);
}

static void
test_compose_misuse(void **state)
{
	static const char *const bad_to[] = { "bob", "Eve" };
	const char *many[POUCH_MIME_RCPT_MAX + 1];
	struct pouch_mime_att att[POUCH_MIME_ATT_MAX + 1];
	struct pouch_mime_in in;
	size_t i;

	(void)state;
	memset(att, 0, sizeof(att));
	for (i = 0; i <= POUCH_MIME_ATT_MAX; i++)
		att[i].filename = "f.bin";
	for (i = 0; i <= POUCH_MIME_RCPT_MAX; i++)
		many[i] = "bob";
	base_in(&in);
	expect_misuse(NULL);
	in.from = "Alice";
	expect_misuse(&in);
	in.from = "";
	expect_misuse(&in);
	in.from = "a-name-that-is-far-too-long-for-a-pouch-user-name-"
	    "0123456789abcdef";
	expect_misuse(&in);
	base_in(&in);
	in.to = bad_to;
	in.nto = 2;
	expect_misuse(&in);
	in.nto = 0;
	expect_misuse(&in);
	in.to = many;
	in.nto = POUCH_MIME_RCPT_MAX + 1;
	expect_misuse(&in);
	base_in(&in);
	in.domain = "Pouch Example";
	expect_misuse(&in);
	base_in(&in);
	in.subject = "line\r\nBcc: eve@pouch";
	expect_misuse(&in);
	in.subject = "\xff\xfe";
	expect_misuse(&in);
	base_in(&in);
	in.message_id = "no-at-sign";
	expect_misuse(&in);
	in.message_id = "a>b@c";
	expect_misuse(&in);
	in.message_id = "a@b.";
	expect_misuse(&in);
	in.message_id = ".a@b";
	expect_misuse(&in);
	base_in(&in);
	in.body = "\xc3\x28";
	in.bodylen = 2;
	expect_misuse(&in);
	base_in(&in);
	in.bodylen = 3;
	in.body = "a\0b";
	expect_misuse(&in);
	base_in(&in);
	in.att = att;
	in.natt = POUCH_MIME_ATT_MAX + 1;
	expect_misuse(&in);
	in.natt = 1;
	att[0].filename = "../etc/passwd";
	expect_misuse(&in);
	att[0].filename = "a\nb";
	expect_misuse(&in);
	att[0].filename = "";
	expect_misuse(&in);
	att[0].filename = "ok.bin";
	att[0].content_type = "text";
	expect_misuse(&in);
	att[0].content_type = "text/plain; charset=utf-8";
	expect_misuse(&in);
}

/* ---- hand-written hostile messages ----------------------------------- */

#define HDR \
	"From: alice@pouch\r\n" \
	"To: bob@pouch\r\n" \
	"Date: " DATE_1700000000 "\r\n" \
	"Message-ID: <m1@pouch>\r\n" \
	"MIME-Version: 1.0\r\n"
#define HEX64 \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define MIXED \
	"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n" \
	"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n"

static void
append_att(char **buf, size_t *len, const char *params, const char *inner)
{
	char part[2048];
	int k;

	k = snprintf(part, sizeof(part), "--B\r\nContent-Type: "
	    "message/external-body; access-type=x-pouch-blob; %s\r\n\r\n"
	    "%s\r\n\r\n\r\n", params, inner);
	assert_true(k > 0 && (size_t)k < sizeof(part));
	*buf = realloc(*buf, *len + (size_t)k + 1);
	assert_non_null(*buf);
	memcpy(*buf + *len, part, (size_t)k + 1);
	*len += (size_t)k;
}

static char *
msg_atts(size_t natt, const char *params, const char *inner)
{
	const char *head = HDR MIXED;
	size_t len = strlen(head), i;
	char *buf = malloc(len + 1);

	assert_non_null(buf);
	memcpy(buf, head, len + 1);
	for (i = 0; i < natt; i++)
		append_att(&buf, &len, params, inner);
	buf = realloc(buf, len + 8);
	assert_non_null(buf);
	memcpy(buf + len, "--B--\r\n", 8);
	return buf;
}

#define GOOD_PARAMS	"hash=" HEX64 "; key=" HEX64 "; size=42"

static const struct pouch_mime_att *
one_att(const char *params, const char *inner, struct pouch_mime_msg **mp)
{
	char *s = msg_atts(1, params, inner);

	assert_int_equal(pouch_mime_parse((const uint8_t *)s, strlen(s), mp),
	    POUCH_OK);
	free(s);
	assert_int_equal(pouch_mime_natt(*mp), 1);
	return pouch_mime_att(*mp, 0);
}

static void
test_hostile_filename(void **state)
{
	static const struct {
		const char	*inner;
		const char	*want;
	} cases[] = {
		{ "Content-Type: application/pdf\r\nContent-Disposition: "
		  "attachment; filename=\"../../etc/passwd\"",
		  ".._.._etc_passwd" },
		{ "Content-Type: text/plain\r\nContent-Disposition: "
		  "attachment; filename=\"..\\\\win.ini\"", ".._win.ini" },
		{ "Content-Type: text/plain\r\nContent-Disposition: "
		  "attachment; filename*=utf-8''a%0Ab%00c%2F", "a_b" },
		{ "Content-Type: text/plain\r\nContent-Disposition: "
		  "attachment; filename=\"..\"", "attachment" },
		{ "Content-Type: text/plain", "attachment" },
		{ "Content-Type: text/plain\r\nContent-Disposition: "
		  "attachment; filename*=utf-8''%C3%A9t%C3%A9.txt",
		  "\xc3\xa9t\xc3\xa9.txt" },
	};
	struct pouch_mime_msg *m;
	const struct pouch_mime_att *a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = one_att(GOOD_PARAMS, cases[i].inner, &m);
		assert_null(strchr(a->filename, '/'));
		assert_null(strchr(a->filename, '\n'));
		/* a NUL cuts the name; what is left must be clean */
		if (strncmp(cases[i].want, "a_b", 3) == 0)
			assert_int_equal(strncmp(a->filename, "a_b", 3), 0);
		else
			assert_string_equal(a->filename, cases[i].want);
		assert_int_equal(a->size, 42);
		assert_int_equal(a->hash[0], 0x00);
		assert_int_equal(a->key[31], 0xff);
		pouch_mime_free(m);
	}
	/* a hostile content type falls back to octet-stream */
	a = one_att(GOOD_PARAMS, "Content-Type: Text/HTML", &m);
	assert_string_equal(a->content_type, "text/html");
	pouch_mime_free(m);
}

static void
test_bad_att_ref(void **state)
{
	static const char *const params[] = {
		"key=" HEX64 "; size=42",
		"hash=" HEX64 "; size=42",
		"hash=" HEX64 "; key=" HEX64,
		"hash=" HEX64 "00; key=" HEX64 "; size=42",
		"hash=" HEX64 "; key=00112233; size=42",
		"hash=00112233445566778899AABBCCDDEEFF00112233445566778899aabbc"
		    "cddeeff; key=" HEX64 "; size=42",
		"hash=" HEX64 "; key=" HEX64 "; size=-1",
		"hash=" HEX64 "; key=" HEX64 "; size=042",
		"hash=" HEX64 "; key=" HEX64 "; size=4x",
		"hash=" HEX64 "; key=" HEX64 "; size=99999999999999999999",
	};
	char *s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		s = msg_atts(1, params[i], "Content-Type: text/plain");
		assert_int_equal(parse_str(s), POUCH_E_MIME_ATTACHMENT);
		free(s);
	}
}

static void
test_att_count(void **state)
{
	char *s;

	(void)state;
	s = msg_atts(POUCH_MIME_ATT_MAX, GOOD_PARAMS,
	    "Content-Type: text/plain");
	assert_int_equal(parse_str(s), POUCH_OK);
	free(s);
	s = msg_atts(POUCH_MIME_ATT_MAX + 1, GOOD_PARAMS,
	    "Content-Type: text/plain");
	assert_int_equal(parse_str(s), POUCH_E_TOO_LARGE);
	free(s);
}

/*
 * Subjects GMime's own RFC 2047 encoder broke (a literal "=?" or "?=" next
 * to a long non-ASCII run; padded base64 words, which its decoder joins)
 * and others that must not go out as plain text: each must come back
 * byte for byte, and every header line must stay within 76 columns
 * (RFC 2047 section 2).
 */
static void
test_subject_roundtrip(void **state)
{
	static const char *const pre[] = { "", "=?utf-8?q?  ", "x= ?y ",
	    "a ?= b ", "?=", "=?", "?q?", "=?utf-8?q?abc?=", " lead",
	    "=?utf-8?b?YWJj?= =?utf-8?q?x?=", "\tt", "a  b", "_x_=",
	    "a\xe4\xb8\xad" };
	static const char *const fill[] = { "\xc2\xa8", "a",
	    "\xe4\xb8\xad", "\xf0\x9f\x98\x80", " ", "=", "?" };
	struct pouch_mime_in in;
	struct pouch_mime_msg *m;
	char subj[2048];
	uint8_t *out;
	size_t n, i, k, f, r, col, cases = 0;

	(void)state;
	for (k = 0; k < sizeof(pre) / sizeof(pre[0]); k++)
	for (f = 0; f < sizeof(fill) / sizeof(fill[0]); f++)
	for (r = 0; r < 120; r += 11) {
		(void)snprintf(subj, sizeof(subj), "%s", pre[k]);
		for (i = 0; i < r; i++)
			(void)strncat(subj, i % 3 ? fill[f] : "a",
			    sizeof(subj) - strlen(subj) - 1);
		(void)strncat(subj, "  plain =?x?q?y?= ",
		    sizeof(subj) - strlen(subj) - 1);
		base_in(&in);
		in.subject = subj;
		assert_int_equal(pouch_mime_compose(&in, &out, &n), POUCH_OK);
		for (i = 0, col = 0; i < n; i++) {
			if (out[i] == '\r' && i + 3 < n && out[i + 2] == '\r')
				break;	/* the blank line: end of header */
			col = out[i] == '\n' ? 0 : col + 1;
			assert_true(col <= 76 + 1);	/* + the CR */
		}
		m = parse_ok(out, n);
		for (i = 0; subj[i] != '\0'; i++)
			if (subj[i] == '\t')	/* shown on one line */
				subj[i] = ' ';
		assert_string_equal(pouch_mime_subject(m), subj);
		pouch_mime_free(m);
		pouch_mime_buf_free(out, n);
		cases++;
	}
	assert_int_equal(cases, 14 * 7 * 11);

	/* a plain subject goes as it is; an ASCII one with "=?" does not */
	base_in(&in);
	in.subject = "Budget talks: agenda for 3 May";
	assert_int_equal(pouch_mime_compose(&in, &out, &n), POUCH_OK);
	assert_true(contains(out, n,
	    "Subject: Budget talks: agenda for 3 May\r\n"));
	pouch_mime_buf_free(out, n);
	in.subject = "see =?utf-8?q?x?=";
	assert_int_equal(pouch_mime_compose(&in, &out, &n), POUCH_OK);
	assert_false(contains(out, n, "Subject: see"));
	m = parse_ok(out, n);
	assert_string_equal(pouch_mime_subject(m), in.subject);
	pouch_mime_free(m);
	pouch_mime_buf_free(out, n);
}

static void
test_sizes(void **state)
{
	size_t big = POUCH_MIME_MAX + 1, hl = strlen(HDR), i;
	struct pouch_mime_msg *m = NULL;
	char *s;

	(void)state;
	s = malloc(big + 1);
	assert_non_null(s);
	/* over the limit: refused before parsing */
	memset(s, 'a', big);
	s[big] = '\0';
	assert_int_equal(pouch_mime_parse((const uint8_t *)s, big, &m),
	    POUCH_E_TOO_LARGE);
	assert_null(m);
	/* a huge header just under the limit */
	memcpy(s, HDR, hl);
	memcpy(s + hl, "X-Junk: ", 8);
	for (i = hl + 8; i + 10 < POUCH_MIME_MAX; i++)
		s[i] = (i % 70 == 0) ? ' ' : 'x';
	memcpy(s + i, "\r\n\r\nbody\r\n", 10);
	assert_int_equal(pouch_mime_parse((const uint8_t *)s, i + 10, &m),
	    POUCH_OK);
	pouch_mime_free(m);
	/* a 900 KiB subject is kept intact */
	memcpy(s + hl, "Subject: ", 9);
	assert_int_equal(pouch_mime_parse((const uint8_t *)s, i + 10, &m),
	    POUCH_OK);
	assert_true(strlen(pouch_mime_subject(m)) > 900000);
	pouch_mime_free(m);
	free(s);
	assert_int_equal(pouch_mime_parse(NULL, 0, &m), POUCH_E_MALFORMED);
	assert_int_equal(pouch_mime_parse((const uint8_t *)"x", 1, NULL),
	    POUCH_E_MISUSE);
}

/* levels nested multiparts, the text at the bottom. */
static char *
nested(size_t levels)
{
	size_t cap = 256 + levels * 120, len, i;
	char *s = malloc(cap);
	int k;

	assert_non_null(s);
	len = strlen(HDR);
	memcpy(s, HDR, len);
	for (i = 0; i < levels; i++) {
		k = snprintf(s + len, cap - len, "%sContent-Type: multipart/"
		    "mixed; boundary=\"b%zu\"\r\n\r\n--b%zu\r\n",
		    i ? "" : "", i, i);
		len += (size_t)k;
	}
	k = snprintf(s + len, cap - len, "Content-Type: text/plain\r\n\r\n"
	    "deep\r\n");
	len += (size_t)k;
	for (i = levels; i-- > 0;) {
		k = snprintf(s + len, cap - len, "--b%zu--\r\n", i);
		len += (size_t)k;
	}
	assert_true(len < cap);
	return s;
}

static void
test_depth(void **state)
{
	struct pouch_mime_msg *m;
	const char *body;
	size_t blen;
	char *s;
	int rc;

	(void)state;
	s = nested(3);
	assert_int_equal(pouch_mime_parse((const uint8_t *)s, strlen(s), &m),
	    POUCH_OK);
	body = pouch_mime_body(m, &blen);
	assert_int_equal(blen, 4);
	assert_memory_equal(body, "deep", 4);
	pouch_mime_free(m);
	free(s);
	s = nested(4);
	assert_int_equal(parse_str(s), POUCH_E_MIME_DEPTH);
	free(s);
	s = nested(5000);
	rc = parse_str(s);
	assert_true(rc == POUCH_E_MIME_DEPTH || rc == POUCH_E_MALFORMED);
	free(s);
}

static void
test_bad_body(void **state)
{
	(void)state;
	assert_int_equal(parse_str(HDR "Content-Type: text/plain; "
	    "charset=utf-8\r\n\r\nok \xe2\x9c\x93\r\n"), POUCH_OK);
	assert_int_equal(parse_str(HDR "Content-Type: text/plain; "
	    "charset=utf-8\r\n\r\nbad \xff\xfe\r\n"), POUCH_E_MALFORMED);
	assert_int_equal(parse_str(HDR "Content-Type: text/plain; "
	    "charset=utf-8\r\n\r\nover long \xc0\xaf\r\n"),
	    POUCH_E_MALFORMED);
	assert_int_equal(parse_str(HDR "Content-Type: text/plain; "
	    "charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	    "//79\r\n"), POUCH_E_MALFORMED);
	assert_int_equal(parse_str(HDR "Content-Type: text/plain; "
	    "charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
	    "\r\n\r\nnul=00byte\r\n"), POUCH_E_MALFORMED);
	assert_int_equal(parse_str(HDR "Content-Type: text/plain; "
	    "charset=iso-8859-1\r\n\r\ncaf\xe9\r\n"), POUCH_E_MALFORMED);
}

static void
test_bad_headers(void **state)
{
	char big[64 + 300 * 12];
	size_t len, i;

	(void)state;
	/* missing From, Date, Message-ID, To */
	assert_int_equal(parse_str("To: bob@pouch\r\nDate: " DATE_1700000000
	    "\r\nMessage-ID: <m@pouch>\r\n\r\nhi\r\n"), POUCH_E_MIME_HEADER);
	assert_int_equal(parse_str("From: alice@pouch\r\nTo: bob@pouch\r\n"
	    "Message-ID: <m@pouch>\r\n\r\nhi\r\n"), POUCH_E_MIME_HEADER);
	assert_int_equal(parse_str("From: alice@pouch\r\nTo: bob@pouch\r\n"
	    "Date: " DATE_1700000000 "\r\n\r\nhi\r\n"), POUCH_E_MIME_HEADER);
	assert_int_equal(parse_str("From: alice@pouch\r\nDate: "
	    DATE_1700000000 "\r\nMessage-ID: <m@pouch>\r\n\r\nhi\r\n"),
	    POUCH_E_MIME_HEADER);
	/* repeated */
	assert_int_equal(parse_str("From: eve@pouch\r\n" HDR "\r\nhi\r\n"),
	    POUCH_E_MIME_HEADER);
	assert_int_equal(parse_str("Date: " DATE_1700000000 "\r\n" HDR
	    "\r\nhi\r\n"), POUCH_E_MIME_HEADER);
	assert_int_equal(parse_str("Subject: a\r\nSubject: b\r\n" HDR
	    "\r\nhi\r\n"), POUCH_E_MIME_HEADER);
	/* two From mailboxes, a group */
	assert_int_equal(parse_str("From: alice@pouch, eve@pouch\r\n"
	    "To: bob@pouch\r\nDate: " DATE_1700000000 "\r\n"
	    "Message-ID: <m@pouch>\r\n\r\nhi\r\n"), POUCH_E_MIME_HEADER);
	assert_int_equal(parse_str("From: alice@pouch\r\nTo: friends: "
	    "bob@pouch;\r\nDate: " DATE_1700000000 "\r\n"
	    "Message-ID: <m@pouch>\r\n\r\nhi\r\n"), POUCH_E_MIME_HEADER);
	/* user names outside [a-z0-9._-]{1,64}, foreign domains */
	assert_int_equal(parse_str("From: Alice@pouch\r\nTo: bob@pouch\r\n"
	    "Date: " DATE_1700000000 "\r\nMessage-ID: <m@pouch>\r\n\r\nhi\r\n"),
	    POUCH_E_MALFORMED);
	assert_int_equal(parse_str("From: \"a b\"@pouch\r\nTo: bob@pouch\r\n"
	    "Date: " DATE_1700000000 "\r\nMessage-ID: <m@pouch>\r\n\r\nhi\r\n"),
	    POUCH_E_MALFORMED);
	assert_int_equal(parse_str("From: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@pouch\r\nTo: bob@pouch\r\n"
	    "Date: " DATE_1700000000 "\r\nMessage-ID: <m@pouch>\r\n\r\nhi\r\n"),
	    POUCH_E_MALFORMED);
	assert_int_equal(parse_str("From: alice@pouch\r\nTo: bob@evil\r\n"
	    "Date: " DATE_1700000000 "\r\nMessage-ID: <m@pouch>\r\n\r\nhi\r\n"),
	    POUCH_E_MALFORMED);
	/* a bad Date, a bad In-Reply-To */
	assert_int_equal(parse_str("From: alice@pouch\r\nTo: bob@pouch\r\n"
	    "Date: yesterday\r\nMessage-ID: <m@pouch>\r\n\r\nhi\r\n"),
	    POUCH_E_MIME_HEADER);
	assert_int_equal(parse_str(HDR "In-Reply-To: <no at sign>\r\n"
	    "\r\nhi\r\n"), POUCH_E_MALFORMED);
	assert_int_equal(parse_str(HDR "References: <a@b> <x..y@pouch>\r\n"
	    "\r\nhi\r\n"), POUCH_E_MALFORMED);
	{
		static const char nul[] = HDR "Subject: a\0b\r\n\r\nhi\r\n";
		struct pouch_mime_msg *m = NULL;

		assert_int_equal(pouch_mime_parse((const uint8_t *)nul,
		    sizeof(nul) - 1, &m), POUCH_E_MALFORMED);
		assert_null(m);
	}
	/* too many recipients */
	len = (size_t)snprintf(big, sizeof(big), "To: ");
	for (i = 0; i <= POUCH_MIME_RCPT_MAX; i++)
		len += (size_t)snprintf(big + len, sizeof(big) - len,
		    "%su%zu@pouch", i ? ", " : "", i);
	assert_true(len < sizeof(big) - 1);
	{
		char *s = malloc(len + 256);

		assert_non_null(s);
		(void)snprintf(s, len + 256, "From: alice@pouch\r\n%s\r\n"
		    "Date: " DATE_1700000000 "\r\nMessage-ID: <m@pouch>"
		    "\r\n\r\nhi\r\n", big);
		assert_int_equal(parse_str(s), POUCH_E_TOO_LARGE);
		free(s);
	}
	/* a subject's control characters become spaces */
	{
		struct pouch_mime_msg *m;
		const char *s = HDR "Subject: =?utf-8?q?a=0Db=09c?=\r\n"
		    "\r\nhi\r\n";

		assert_int_equal(pouch_mime_parse((const uint8_t *)s,
		    strlen(s), &m), POUCH_OK);
		assert_string_equal(pouch_mime_subject(m), "a b c");
		pouch_mime_free(m);
	}
}

/* The bytes of the multipart's part i of an .eml, through GMime. */
static GByteArray *
eml_part(const uint8_t *p, size_t n, int i, char **fname)
{
	GMimeStream *s, *o;
	GMimeParser *ps;
	GMimeMessage *msg;
	GMimeObject *part;
	GByteArray *ba = g_byte_array_new();

	s = g_mime_stream_mem_new_with_buffer((const char *)p, n);
	ps = g_mime_parser_new_with_stream(s);
	msg = g_mime_parser_construct_message(ps, NULL);
	assert_non_null(msg);
	part = g_mime_multipart_get_part(GMIME_MULTIPART(
	    g_mime_message_get_mime_part(msg)), i);
	assert_true(GMIME_IS_PART(part));
	*fname = g_strdup(g_mime_part_get_filename(GMIME_PART(part)));
	o = g_mime_stream_mem_new_with_byte_array(ba);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(o), FALSE);
	assert_true(g_mime_data_wrapper_write_to_stream(
	    g_mime_part_get_content(GMIME_PART(part)), o) >= 0);
	g_object_unref(o);
	g_object_unref(msg);
	g_object_unref(ps);
	g_object_unref(s);
	return ba;
}

static void
test_export(void **state)
{
	struct pouch_mime_att att[2];
	struct pouch_mime_in in;
	struct pouch_mime_msg *m, *m2;
	const uint8_t *pt[2];
	size_t ptlen[2], n, en, blen, i;
	uint8_t *out, *e, data[3000];
	GByteArray *ba;
	char *fn;

	(void)state;
	assert_int_equal(RAND_bytes(data, sizeof(data)), 1);
	memset(att, 0, sizeof(att));
	att[0].filename = "résumé.pdf";
	att[0].content_type = "application/pdf";
	att[0].size = sizeof(data);
	att[1].filename = "kept.bin";
	att[1].size = 77;
	for (i = 0; i < 32; i++) {
		att[0].hash[i] = (uint8_t)i;
		att[1].key[i] = (uint8_t)(0xa0 + i);
	}
	base_in(&in);
	in.att = att;
	in.natt = 2;
	assert_int_equal(pouch_mime_compose(&in, &out, &n), POUCH_OK);
	m = parse_ok(out, n);

	/* no plaintexts: the same message back */
	assert_int_equal(pouch_mime_export(m, NULL, NULL, &e, &en), POUCH_OK);
	m2 = parse_ok(e, en);
	assert_string_equal(pouch_mime_message_id(m2), "m1@pouch.example");
	assert_string_equal(pouch_mime_subject(m2), in.subject);
	assert_int_equal(pouch_mime_natt(m2), 2);
	assert_memory_equal(pouch_mime_att(m2, 1)->key, att[1].key, 32);
	pouch_mime_free(m2);
	pouch_mime_buf_free(e, en);

	/* attachment 0 inlined, 1 kept as a reference */
	pt[0] = data;
	ptlen[0] = sizeof(data);
	pt[1] = NULL;
	ptlen[1] = 0;
	assert_int_equal(pouch_mime_export(m, pt, ptlen, &e, &en), POUCH_OK);
	assert_true(contains(e, en, "Content-Type: application/pdf"));
	assert_true(contains(e, en, "base64"));
	m2 = parse_ok(e, en);
	assert_int_equal(pouch_mime_natt(m2), 1);	/* the reference */
	assert_string_equal(pouch_mime_att(m2, 0)->filename, "kept.bin");
	assert_int_equal(pouch_mime_date(m2), 1700000000);
	assert_int_equal(pouch_mime_nreferences(m2), 3);
	(void)pouch_mime_body(m2, &blen);
	assert_int_equal(blen, in.bodylen);
	pouch_mime_free(m2);
	ba = eml_part(e, en, 1, &fn);
	assert_int_equal(ba->len, sizeof(data));
	assert_memory_equal(ba->data, data, sizeof(data));
	assert_string_equal(fn, "résumé.pdf");
	g_free(fn);
	g_byte_array_free(ba, TRUE);
	pouch_mime_buf_free(e, en);

	/* a plaintext of the wrong size */
	ptlen[0] = sizeof(data) - 1;
	assert_int_equal(pouch_mime_export(m, pt, ptlen, &e, &en),
	    POUCH_E_MISUSE);
	assert_null(e);
	assert_int_equal(pouch_mime_export(NULL, NULL, NULL, &e, &en),
	    POUCH_E_MISUSE);
	pouch_mime_free(m);
	pouch_mime_buf_free(out, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_odd_users),
		cmocka_unit_test(test_compose_misuse),
		cmocka_unit_test(test_hostile_filename),
		cmocka_unit_test(test_bad_att_ref),
		cmocka_unit_test(test_att_count),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_subject_roundtrip),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_bad_body),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_export),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
