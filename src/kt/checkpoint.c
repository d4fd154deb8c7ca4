/*
 * checkpoint.c - signed checkpoints of the log in the C2SP signed-note /
 * tlog-checkpoint text format (layout in kt.h), and the strict base64 it
 * needs.  The parser reads untrusted text: it accepts one exact form
 * (no extension lines, canonical numbers and base64) and nothing else.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "kt/kt.h"

#define DASH		"\xe2\x80\x94 "	/* U+2014 and a space */
#define DASH_LEN	4
#define KEYID_BYTES	4
#define SIGLINE_BYTES	(KEYID_BYTES + POUCH_KT_SIG_BYTES)

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
pouch_kt_b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

void
pouch_kt_b64_encode(const uint8_t *in, size_t n, char *out)
{
	uint32_t v;
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = b64chars[v >> 18];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = b64chars[(v >> 6) & 63];
		out[o++] = b64chars[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64chars[v >> 18];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64chars[v >> 18];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = b64chars[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

static int
b64val(char ch)
{
	const char *p;

	if (ch == '\0' || (p = strchr(b64chars, ch)) == NULL)
		return -1;
	return (int)(p - b64chars);
}

int
pouch_kt_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap,
    size_t *len)
{
	size_t i, o = 0, pad = 0;
	uint32_t v;
	int d[4], j;

	if (len == NULL)
		return POUCH_E_MISUSE;
	*len = 0;
	if ((in == NULL && n != 0) || (out == NULL && cap != 0))
		return POUCH_E_MISUSE;
	if (n % 4 != 0)
		return POUCH_E_MALFORMED;
	if (n > 0 && in[n - 1] == '=')
		pad = in[n - 2] == '=' ? 2 : 1;
	if (n / 4 * 3 - pad > cap)
		return POUCH_E_BUFFER_TOO_SMALL;
	for (i = 0; i < n; i += 4) {
		for (j = 0; j < 4; j++) {
			if (i + 4 == n && j >= 4 - (int)pad) {
				d[j] = 0;
				continue;
			}
			if ((d[j] = b64val(in[i + j])) < 0)
				return POUCH_E_MALFORMED;
		}
		v = (uint32_t)d[0] << 18 | (uint32_t)d[1] << 12 |
		    (uint32_t)d[2] << 6 | (uint32_t)d[3];
		if (i + 4 == n && pad == 2) {
			if ((v & 0xffff) != 0)
				return POUCH_E_MALFORMED; /* not canonical */
			out[o++] = (uint8_t)(v >> 16);
		} else if (i + 4 == n && pad == 1) {
			if ((v & 0xff) != 0)
				return POUCH_E_MALFORMED;
			out[o++] = (uint8_t)(v >> 16);
			out[o++] = (uint8_t)(v >> 8);
		} else {
			out[o++] = (uint8_t)(v >> 16);
			out[o++] = (uint8_t)(v >> 8);
			out[o++] = (uint8_t)v;
		}
	}
	*len = o;
	return POUCH_OK;
}

int
pouch_kt_key_id(const struct pouch_crypto *c, const char *origin,
    const uint8_t pub[POUCH_KT_KEY_BYTES], uint8_t id[KEYID_BYTES])
{
	uint8_t buf[POUCH_KT_ORIGIN_MAX + 2 + POUCH_KT_KEY_BYTES];
	uint8_t h[POUCH_KT_HASH_BYTES];
	size_t n;
	int rc;

	if (c == NULL || origin == NULL || pub == NULL || id == NULL)
		return POUCH_E_MISUSE;
	if ((n = strlen(origin)) > POUCH_KT_ORIGIN_MAX)
		return POUCH_E_MISUSE;
	memcpy(buf, origin, n);
	buf[n] = '\n';
	buf[n + 1] = 0x01;		/* C2SP: Ed25519 signature type */
	memcpy(buf + n + 2, pub, POUCH_KT_KEY_BYTES);
	if ((rc = pouch_hash(c, POUCH_SHA256, buf, n + 2 + POUCH_KT_KEY_BYTES,
	    h)) != POUCH_OK)
		return rc;
	memcpy(id, h, KEYID_BYTES);
	return POUCH_OK;
}

static int
origin_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > POUCH_KT_ORIGIN_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '+')
			return 0;
	return 1;
}

/* Append n bytes at *o, within cap (leaving room for the NUL). */
static int
put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	if (n >= cap - *o)
		return POUCH_E_BUFFER_TOO_SMALL;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return POUCH_OK;
}

static size_t
u64dec(uint64_t v, char out[21])
{
	char tmp[21];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

int
pouch_kt_checkpoint_sign(const struct pouch_crypto *c,
    const struct pouch_sig_key *k, const uint8_t pub[POUCH_KT_KEY_BYTES],
    const struct pouch_kt_checkpoint *cp, char *out, size_t cap, size_t *len)
{
	uint8_t blob[SIGLINE_BYTES];
	char num[21], b64[96];
	size_t o = 0, bodylen, siglen, n;
	int rc;

	if (len == NULL)
		return POUCH_E_MISUSE;
	*len = 0;
	if (c == NULL || k == NULL || pub == NULL || cp == NULL ||
	    out == NULL || cap == 0)
		return POUCH_E_MISUSE;
	n = strnlen(cp->origin, sizeof(cp->origin));
	if (!origin_ok(cp->origin, n) || cp->size > POUCH_KT_SIZE_MAX)
		return POUCH_E_MISUSE;
	out[0] = '\0';
	pouch_kt_b64_encode(cp->root, POUCH_KT_HASH_BYTES, b64);
	if ((rc = put(out, cap, &o, cp->origin, n)) != POUCH_OK ||
	    (rc = put(out, cap, &o, "\n", 1)) != POUCH_OK ||
	    (rc = put(out, cap, &o, num, u64dec(cp->size, num))) !=
	    POUCH_OK ||
	    (rc = put(out, cap, &o, "\n", 1)) != POUCH_OK ||
	    (rc = put(out, cap, &o, b64, strlen(b64))) != POUCH_OK ||
	    (rc = put(out, cap, &o, "\n", 1)) != POUCH_OK)
		goto out;
	bodylen = o;
	if ((rc = pouch_kt_key_id(c, cp->origin, pub, blob)) != POUCH_OK)
		goto out;
	if ((rc = pouch_sig_key_sign(k, (const uint8_t *)out, bodylen,
	    blob + KEYID_BYTES, POUCH_KT_SIG_BYTES, &siglen)) != POUCH_OK)
		goto out;
	if (siglen != POUCH_KT_SIG_BYTES) {
		rc = POUCH_E_CRYPTO;
		goto out;
	}
	pouch_kt_b64_encode(blob, sizeof(blob), b64);
	if ((rc = put(out, cap, &o, "\n", 1)) != POUCH_OK ||
	    (rc = put(out, cap, &o, DASH, DASH_LEN)) != POUCH_OK ||
	    (rc = put(out, cap, &o, cp->origin, n)) != POUCH_OK ||
	    (rc = put(out, cap, &o, " ", 1)) != POUCH_OK ||
	    (rc = put(out, cap, &o, b64, strlen(b64))) != POUCH_OK ||
	    (rc = put(out, cap, &o, "\n", 1)) != POUCH_OK)
		goto out;
	*len = o;
out:
	if (rc != POUCH_OK)
		out[0] = '\0';
	return rc;
}

/* The line at *pos (without its '\n'); MALFORMED when unterminated. */
static int
line(const char *s, size_t len, size_t *pos, const char **l, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return POUCH_E_MALFORMED;
	if ((nl = memchr(s + *pos, '\n', len - *pos)) == NULL)
		return POUCH_E_MALFORMED;
	*l = s + *pos;
	*n = (size_t)(nl - *l);
	*pos += *n + 1;
	return POUCH_OK;
}

static int
parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return POUCH_E_MALFORMED;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return POUCH_E_MALFORMED;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > POUCH_KT_SIZE_MAX)
		return POUCH_E_MALFORMED;
	*out = v;
	return POUCH_OK;
}

int
pouch_kt_checkpoint_parse(const char *note, size_t len,
    struct pouch_kt_checkpoint *out, size_t *bodylen)
{
	struct pouch_kt_checkpoint cp;
	const char *l;
	size_t pos = 0, n, rl;
	int rc;

	if (out == NULL || bodylen == NULL || (note == NULL && len != 0))
		return POUCH_E_MISUSE;
	*bodylen = 0;
	if (len > POUCH_KT_NOTE_MAX)
		return POUCH_E_TOO_LARGE;
	if (len == 0 || memchr(note, '\0', len) != NULL)
		return POUCH_E_MALFORMED;
	memset(&cp, 0, sizeof(cp));
	if ((rc = line(note, len, &pos, &l, &n)) != POUCH_OK)
		return rc;
	if (!origin_ok(l, n))
		return POUCH_E_MALFORMED;
	memcpy(cp.origin, l, n);
	if ((rc = line(note, len, &pos, &l, &n)) != POUCH_OK ||
	    (rc = parse_u64(l, n, &cp.size)) != POUCH_OK ||
	    (rc = line(note, len, &pos, &l, &n)) != POUCH_OK)
		return rc;
	if (n != pouch_kt_b64_len(POUCH_KT_HASH_BYTES) ||
	    pouch_kt_b64_decode(l, n, cp.root, sizeof(cp.root), &rl) !=
	    POUCH_OK || rl != POUCH_KT_HASH_BYTES)
		return POUCH_E_MALFORMED;
	*bodylen = pos;
	/* the blank line, then at least one signature line */
	if ((rc = line(note, len, &pos, &l, &n)) != POUCH_OK)
		return rc;
	if (n != 0 || pos >= len) {
		*bodylen = 0;
		return POUCH_E_MALFORMED;
	}
	*out = cp;
	return POUCH_OK;
}

/* Equal public bytes (names, key ids: nothing secret here). */
static int
same(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n) == 0;	/* checksrc: allow */
}

int
pouch_kt_checkpoint_open(const struct pouch_crypto *c, const char *origin,
    const uint8_t pub[POUCH_KT_KEY_BYTES], const char *note, size_t len,
    struct pouch_kt_checkpoint *out)
{
	struct pouch_kt_checkpoint cp;
	uint8_t id[KEYID_BYTES], blob[SIGLINE_BYTES + 3];
	const char *l, *sp;
	size_t body, pos, n, on, bl, nl;
	int rc, good = 0;

	if (c == NULL || origin == NULL || pub == NULL || out == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_kt_checkpoint_parse(note, len, &cp, &body)) !=
	    POUCH_OK)
		return rc;
	on = strlen(origin);
	if (on != strlen(cp.origin) || !same(origin, cp.origin, on))
		return POUCH_E_KT_CHECKPOINT_SIG;
	if ((rc = pouch_kt_key_id(c, origin, pub, id)) != POUCH_OK)
		return rc;
	pos = body + 1;			/* past the blank line */
	while (pos < len) {
		if ((rc = line(note, len, &pos, &l, &n)) != POUCH_OK)
			return rc;
		if (n < DASH_LEN || !same(l, DASH, DASH_LEN) ||
		    (sp = memchr(l + DASH_LEN, ' ', n - DASH_LEN)) == NULL)
			return POUCH_E_MALFORMED;
		nl = (size_t)(sp - l) - DASH_LEN;
		if (!origin_ok(l + DASH_LEN, nl))
			return POUCH_E_MALFORMED;
		rc = pouch_kt_b64_decode(sp + 1, (size_t)(l + n - sp - 1),
		    blob, sizeof(blob), &bl);
		if (rc != POUCH_OK && rc != POUCH_E_BUFFER_TOO_SMALL)
			return POUCH_E_MALFORMED;
		/* another key's line (a witness): skip it */
		if (good || rc != POUCH_OK || bl != SIGLINE_BYTES ||
		    nl != on || !same(l + DASH_LEN, origin, on) ||
		    !same(blob, id, KEYID_BYTES))
			continue;
		if (pouch_sig_verify(c, POUCH_SIG_ED25519, POUCH_IMPL_DEFAULT,
		    pub, POUCH_KT_KEY_BYTES, (const uint8_t *)note, body,
		    blob + KEYID_BYTES, POUCH_KT_SIG_BYTES) == POUCH_OK)
			good = 1;
	}
	if (!good)
		return POUCH_E_KT_CHECKPOINT_SIG;
	*out = cp;
	return POUCH_OK;
}
