/*
 * wr.c - the bounded writer (see codec.h).  Errors are sticky: after the
 * first failure every call is a no-op and pouch_wr_finish() reports it.
 * A length-prefixed block reserves 4 bytes when opened; closing it writes
 * the minimal varint and slides the body down over the unused bytes.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "codec.h"

void
pouch_wr_init(struct pouch_wr *w, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->max = max;
	w->owned = 1;
}

void
pouch_wr_public(struct pouch_wr *w)
{
	w->public_data = 1;
}

void
pouch_wr_init_hint(struct pouch_wr *w, size_t max, size_t hint)
{
	pouch_wr_init(w, max);
	if (hint > max)
		hint = max;
	if (hint <= 64)
		return;
	if ((w->buf = malloc(hint)) == NULL) {
		w->err = POUCH_E_NOMEM;
		return;
	}
	w->cap = hint;
}

void
pouch_wr_init_buf(struct pouch_wr *w, uint8_t *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	w->max = cap;
	if (buf == NULL && cap != 0)
		w->err = POUCH_E_MISUSE;
}

/* Make room for n more bytes; on failure set the sticky error. */
static int
reserve(struct pouch_wr *w, size_t n)
{
	size_t want, ncap;
	uint8_t *nb;

	if (w->err != POUCH_OK)
		return w->err;
	if (n > w->max - w->len) {
		w->err = w->owned ? POUCH_E_TOO_LARGE :
		    POUCH_E_BUFFER_TOO_SMALL;
		return w->err;
	}
	want = w->len + n;
	if (want <= w->cap)
		return POUCH_OK;
	/* The caller's buffer never grows (after pouch_wr_free it is gone). */
	if (!w->owned) {
		w->err = POUCH_E_BUFFER_TOO_SMALL;
		return w->err;
	}
	ncap = w->cap < 64 ? 64 : w->cap;
	while (ncap < want)
		ncap = ncap > w->max / 2 ? w->max : ncap * 2;
	if (ncap > w->max)
		ncap = w->max;
	/* Never realloc: the old buffer may hold secrets and is wiped. */
	if ((nb = malloc(ncap)) == NULL) {
		w->err = POUCH_E_NOMEM;
		return w->err;
	}
	if (w->len > 0)
		memcpy(nb, w->buf, w->len);
	if (w->buf != NULL) {
		/* only buf[0..len) was ever written (vec_close wipes what
		 * it gives back): the rest never held a byte of ours */
		if (!w->public_data)
			OPENSSL_cleanse(w->buf, w->len);
		free(w->buf);
	}
	w->buf = nb;
	w->cap = ncap;
	return POUCH_OK;
}

static void
put_be(struct pouch_wr *w, uint64_t v, size_t n)
{
	size_t i;

	if (reserve(w, n) != POUCH_OK)
		return;
	for (i = 0; i < n; i++)
		w->buf[w->len + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	w->len += n;
}

void
pouch_wr_u8(struct pouch_wr *w, uint8_t v)
{
	put_be(w, v, 1);
}

void
pouch_wr_u16(struct pouch_wr *w, uint16_t v)
{
	put_be(w, v, 2);
}

void
pouch_wr_u32(struct pouch_wr *w, uint32_t v)
{
	put_be(w, v, 4);
}

void
pouch_wr_u64(struct pouch_wr *w, uint64_t v)
{
	put_be(w, v, 8);
}

static size_t
varint_size(uint32_t v)
{
	return v < 0x40 ? 1 : v < 0x4000 ? 2 : 4;
}

/* RFC 9420 2.1.2: the shortest form is the only valid one. */
static void
encode_varint(uint8_t *p, uint32_t v, size_t n)
{
	if (n == 1) {
		p[0] = (uint8_t)v;
	} else if (n == 2) {
		p[0] = (uint8_t)(0x40 | (v >> 8));
		p[1] = (uint8_t)v;
	} else {
		p[0] = (uint8_t)(0x80 | (v >> 24));
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

void
pouch_wr_varint(struct pouch_wr *w, uint32_t v)
{
	size_t n;

	if (w->err != POUCH_OK)
		return;
	if (v > POUCH_VARINT_MAX) {
		w->err = POUCH_E_TOO_LARGE;
		return;
	}
	n = varint_size(v);
	if (reserve(w, n) != POUCH_OK)
		return;
	encode_varint(w->buf + w->len, v, n);
	w->len += n;
}

void
pouch_wr_bytes(struct pouch_wr *w, const void *p, size_t n)
{
	const uint8_t *src = p;
	size_t off = 0;
	int alias;

	if (n == 0 || w->err != POUCH_OK)
		return;
	if (p == NULL) {
		w->err = POUCH_E_MISUSE;
		return;
	}
	/* p may point into our own buffer, which reserve() may move */
	alias = w->buf != NULL && src >= w->buf && src < w->buf + w->cap;
	if (alias)
		off = (size_t)(src - w->buf);
	if (reserve(w, n) != POUCH_OK)
		return;
	if (alias)
		src = w->buf + off;
	memmove(w->buf + w->len, src, n);
	w->len += n;
}

void
pouch_wr_opaque(struct pouch_wr *w, const void *p, size_t n)
{
	if (w->err == POUCH_OK && n > POUCH_VARINT_MAX) {
		w->err = POUCH_E_TOO_LARGE;
		return;
	}
	pouch_wr_varint(w, (uint32_t)n);
	pouch_wr_bytes(w, p, n);
}

void
pouch_wr_optional(struct pouch_wr *w, int present)
{
	pouch_wr_u8(w, present ? 1 : 0);
}

void
pouch_wr_vec_open(struct pouch_wr *w)
{
	if (w->err != POUCH_OK)
		return;
	if (w->depth == POUCH_WR_DEPTH) {
		w->err = POUCH_E_MISUSE;
		return;
	}
	if (reserve(w, 4) != POUCH_OK)
		return;
	w->open[w->depth++] = w->len;
	w->len += 4;
}

void
pouch_wr_vec_close(struct pouch_wr *w)
{
	size_t start, body, n;

	if (w->err != POUCH_OK)
		return;
	if (w->depth == 0) {
		w->err = POUCH_E_MISUSE;
		return;
	}
	start = w->open[--w->depth];
	body = w->len - start - 4;
	if (body > POUCH_VARINT_MAX) {
		w->err = POUCH_E_TOO_LARGE;
		return;
	}
	n = varint_size((uint32_t)body);
	encode_varint(w->buf + start, (uint32_t)body, n);
	if (n < 4) {
		memmove(w->buf + start + n, w->buf + start + 4, body);
		w->len -= 4 - n;
		/* the body's old tail may be secret: leave no copy behind */
		OPENSSL_cleanse(w->buf + w->len, 4 - n);
	}
}

int
pouch_wr_finish(struct pouch_wr *w)
{
	if (w->err != POUCH_OK)
		return w->err;
	if (w->depth != 0)
		return POUCH_E_MISUSE;
	return POUCH_OK;
}

int
pouch_wr_take(struct pouch_wr *w, uint8_t **out, size_t *len)
{
	int rc;

	*out = NULL;
	*len = 0;
	if (!w->owned)
		return POUCH_E_MISUSE;
	if ((rc = pouch_wr_finish(w)) != POUCH_OK)
		return rc;
	if (w->buf == NULL && (w->buf = malloc(1)) == NULL)
		return POUCH_E_NOMEM;	/* even empty, a real buffer */
	*out = w->buf;
	*len = w->len;
	w->buf = NULL;
	w->len = w->cap = 0;
	return POUCH_OK;
}

void
pouch_wr_buf_free(uint8_t *buf, size_t len)
{
	if (buf == NULL)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}

void
pouch_wr_free(struct pouch_wr *w)
{
	/* The caller's own buffer is the caller's to wipe. */
	if (w->buf != NULL && w->owned) {
		if (!w->public_data)
			OPENSSL_cleanse(w->buf, w->len);  /* as in reserve() */
		free(w->buf);
	}
	w->buf = NULL;
	w->len = w->cap = 0;
	w->depth = 0;
	w->err = POUCH_OK;
	w->public_data = 0;
}
