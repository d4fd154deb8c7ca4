/*
 * fuzz/client_mime.c - pouch_mime_parse (src/client/mime.c) over arbitrary
 * bytes: a peer's message.  Whatever it accepts must be sane (user names
 * in [a-z0-9._-]{1,64}, file names without '/', '\\' or controls, a valid
 * UTF-8 body, at most POUCH_MIME_ATT_MAX attachments), and must survive a
 * second trip: pouch_mime_export with every reference kept, parsed again,
 * gives the same sender, recipients, ids and attachment references.
 * Any violation abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pouch/err.h>

#include "client/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_user(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 64)
		abort();
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			abort();
}

/* Well-formed UTF-8 (no overlongs, surrogates, or > U+10FFFF), no NUL. */
static void
check_utf8(const uint8_t *p, size_t n)
{
	size_t i = 0, k, j;
	uint32_t c;

	while (i < n) {
		if (p[i] == 0)
			abort();
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			k = 1, c = p[i] & 0x1f;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			k = 2, c = p[i] & 0x0f;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			k = 3, c = p[i] & 0x07;
		else
			abort();
		if (n - i <= k)
			abort();
		for (j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				abort();
			c = c << 6 | (p[i + j] & 0x3f);
		}
		if ((k == 2 && c < 0x800) || (k == 3 && (c < 0x10000 ||
		    c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
			abort();
		i += k + 1;
	}
}

static void
same(const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pouch_mime_msg *m = NULL, *m2 = NULL;
	const struct pouch_mime_att *a, *b;
	const char *body, *fn;
	uint8_t *e = NULL;
	size_t blen, en, i;

	if (pouch_mime_parse(data, size, &m) != POUCH_OK) {
		if (m != NULL)
			abort();
		return 0;
	}
	check_user(pouch_mime_from(m));
	if (pouch_mime_nto(m) < 1 || pouch_mime_nto(m) > POUCH_MIME_RCPT_MAX)
		abort();
	for (i = 0; i < pouch_mime_nto(m); i++)
		check_user(pouch_mime_to(m, i));
	body = pouch_mime_body(m, &blen);
	if (body == NULL || body[blen] != '\0')
		abort();
	check_utf8((const uint8_t *)body, blen);
	if (pouch_mime_message_id(m) == NULL || pouch_mime_subject(m) == NULL)
		abort();
	if (pouch_mime_natt(m) > POUCH_MIME_ATT_MAX)
		abort();
	for (i = 0; i < pouch_mime_natt(m); i++) {
		a = pouch_mime_att(m, i);
		fn = a->filename;
		if (fn == NULL || fn[0] == '\0' || strchr(fn, '/') != NULL ||
		    strchr(fn, '\\') != NULL || strcmp(fn, "..") == 0 ||
		    a->content_type == NULL)
			abort();
		for (; *fn != '\0'; fn++)
			if ((unsigned char)*fn < 0x20 || *fn == 0x7f)
				abort();
	}

	if (pouch_mime_export(m, NULL, NULL, &e, &en) != POUCH_OK)
		abort();
	if (en <= POUCH_MIME_MAX) {
		if (pouch_mime_parse(e, en, &m2) != POUCH_OK)
			abort();
		same(pouch_mime_from(m), pouch_mime_from(m2));
		same(pouch_mime_domain(m), pouch_mime_domain(m2));
		same(pouch_mime_message_id(m), pouch_mime_message_id(m2));
		same(pouch_mime_in_reply_to(m), pouch_mime_in_reply_to(m2));
		if (pouch_mime_date(m) != pouch_mime_date(m2) ||
		    pouch_mime_nto(m) != pouch_mime_nto(m2) ||
		    pouch_mime_nreferences(m) != pouch_mime_nreferences(m2) ||
		    pouch_mime_natt(m) != pouch_mime_natt(m2))
			abort();
		for (i = 0; i < pouch_mime_nto(m); i++)
			same(pouch_mime_to(m, i), pouch_mime_to(m2, i));
		for (i = 0; i < pouch_mime_nreferences(m); i++)
			same(pouch_mime_reference(m, i),
			    pouch_mime_reference(m2, i));
		for (i = 0; i < pouch_mime_natt(m); i++) {
			a = pouch_mime_att(m, i);
			b = pouch_mime_att(m2, i);
			if (a->size != b->size ||
			    memcmp(a->hash, b->hash, 32) != 0 ||
			    memcmp(a->key, b->key, 32) != 0)
				abort();
		}
		pouch_mime_free(m2);
	}
	pouch_mime_buf_free(e, en);
	pouch_mime_free(m);
	return 0;
}
