/*
 * rd.c - the bounded reader (see codec.h).  Each function checks that the
 * bytes it needs are there before it consumes any (check-then-consume), so
 * a failed read leaves the reader unchanged.
 */
#include <string.h>

#include "codec.h"

void
pouch_rd_init(struct pouch_rd *r, const uint8_t *buf, size_t len)
{
	r->p = buf;
	r->end = buf == NULL ? buf : buf + len;
}

size_t
pouch_rd_left(const struct pouch_rd *r)
{
	return (size_t)(r->end - r->p);
}

static int
need(const struct pouch_rd *r, size_t n)
{
	return pouch_rd_left(r) < n ? POUCH_E_TRUNCATED : POUCH_OK;
}

static uint64_t
be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

int
pouch_rd_u8(struct pouch_rd *r, uint8_t *out)
{
	if (need(r, 1) != POUCH_OK)
		return POUCH_E_TRUNCATED;
	*out = r->p[0];
	r->p += 1;
	return POUCH_OK;
}

int
pouch_rd_u16(struct pouch_rd *r, uint16_t *out)
{
	if (need(r, 2) != POUCH_OK)
		return POUCH_E_TRUNCATED;
	*out = (uint16_t)be(r->p, 2);
	r->p += 2;
	return POUCH_OK;
}

int
pouch_rd_u32(struct pouch_rd *r, uint32_t *out)
{
	if (need(r, 4) != POUCH_OK)
		return POUCH_E_TRUNCATED;
	*out = (uint32_t)be(r->p, 4);
	r->p += 4;
	return POUCH_OK;
}

int
pouch_rd_u64(struct pouch_rd *r, uint64_t *out)
{
	if (need(r, 8) != POUCH_OK)
		return POUCH_E_TRUNCATED;
	*out = be(r->p, 8);
	r->p += 8;
	return POUCH_OK;
}

/* RFC 9420 2.1.2 */
int
pouch_rd_varint(struct pouch_rd *r, uint32_t *out)
{
	unsigned int prefix;
	size_t n;
	uint32_t v;

	if (need(r, 1) != POUCH_OK)
		return POUCH_E_TRUNCATED;
	prefix = r->p[0] >> 6;
	if (prefix == 3)
		return POUCH_E_MALFORMED;	/* "11" is invalid */
	n = (size_t)1 << prefix;		/* 1, 2 or 4 bytes */
	if (need(r, n) != POUCH_OK)
		return POUCH_E_TRUNCATED;
	v = (uint32_t)be(r->p, n) & (0x3fffffffU >> (8 * (4 - n)));
	/* Minimal: a 2-byte form carries >= 64, a 4-byte form >= 16384. */
	if (prefix > 0 && v < (UINT32_C(1) << (8 * (n / 2) - 2)))
		return POUCH_E_MALFORMED;
	r->p += n;
	*out = v;
	return POUCH_OK;
}

int
pouch_rd_copy(struct pouch_rd *r, uint8_t *out, size_t n)
{
	if (need(r, n) != POUCH_OK)
		return POUCH_E_TRUNCATED;
	/* p may be NULL, and NULL + 0 is undefined */
	if (n > 0) {
		memcpy(out, r->p, n);
		r->p += n;
	}
	return POUCH_OK;
}

int
pouch_rd_ptr(struct pouch_rd *r, const uint8_t **out, size_t n)
{
	if (need(r, n) != POUCH_OK)
		return POUCH_E_TRUNCATED;
	*out = r->p;
	if (n > 0)		/* p may be NULL: NULL + 0 is UB */
		r->p += n;
	return POUCH_OK;
}

int
pouch_rd_vec(struct pouch_rd *r, struct pouch_rd *sub, size_t max)
{
	struct pouch_rd t = *r;
	uint32_t len;
	int rc;

	if ((rc = pouch_rd_varint(&t, &len)) != POUCH_OK)
		return rc;
	if (len > max)
		return POUCH_E_TOO_LARGE;
	if (need(&t, len) != POUCH_OK)
		return POUCH_E_TRUNCATED;
	sub->p = t.p;
	sub->end = t.p + len;
	t.p += len;
	*r = t;
	return POUCH_OK;
}

int
pouch_rd_opaque(struct pouch_rd *r, const uint8_t **out, size_t *len,
    size_t max)
{
	struct pouch_rd sub;
	int rc;

	if ((rc = pouch_rd_vec(r, &sub, max)) != POUCH_OK)
		return rc;
	*out = sub.p;
	*len = pouch_rd_left(&sub);
	return POUCH_OK;
}

/* RFC 9420 2.1.1: optional<T> is a uint8 presence flag, then T if 1. */
int
pouch_rd_optional(struct pouch_rd *r, int *present)
{
	if (need(r, 1) != POUCH_OK)
		return POUCH_E_TRUNCATED;
	if (r->p[0] > 1)
		return POUCH_E_MALFORMED;
	*present = r->p[0];
	r->p += 1;
	return POUCH_OK;
}

int
pouch_rd_done(const struct pouch_rd *r)
{
	return r->p == r->end ? POUCH_OK : POUCH_E_TRAILING;
}
