/*
 * msg_base.c - what every MLS wire structure is built from: the default
 * limits, opaque<V> fields, uint16/uint32 lists, the generic vector of
 * structures, and Extension lists (RFC 9420 7.2, 13), which are kept
 * opaque whatever their type so that unknown extensions re-encode byte
 * for byte.
 */
#include <string.h>

#include "mls/msg_int.h"

/*
 * Defaults.  Groups of up to 16384 members: a GroupInfo carrying such a
 * tree with basic credentials is a few MiB, well inside message_max.
 * Keys and signatures are sized for the post-quantum KEMs and signatures
 * to come (ML-KEM-1024 keys are 1568 bytes, ML-DSA-87 signatures 4627);
 * hashes for SHA-512 with room to spare; 64 extensions per list and 256
 * capability entries are far beyond any registered set.
 */
static const struct pouch_mls_limits default_limits = {
	.message_max = 8U << 20,
	.leaves_max = 16384,
	.proposals_max = 16384,
	.extensions_max = 64,
	.capabilities_max = 256,
	.credential_max = 16384,
	.certificates_max = 16,
	.psks_max = 64,
	.senders_max = 64,
	.key_max = 4096,
	.signature_max = 8192,
	.hash_max = 255,
	.id_max = 1024,
	.decoded_max = 64U << 20,
};

const struct pouch_mls_limits *
pouch_mls_limits_default(void)
{
	return &default_limits;
}

void
pouch_mls_wr_fail(struct pouch_wr *w, int rc)
{
	if (w->err == POUCH_OK)
		w->err = rc;
}

int
pouch_mls_rd_bytes(struct pouch_rd *r, size_t max, struct pouch_mls_bytes *out)
{
	const uint8_t *p;
	size_t n;
	int rc;

	if ((rc = pouch_rd_opaque(r, &p, &n, max)) != POUCH_OK)
		return rc;
	out->p = p;
	out->n = n;
	return POUCH_OK;
}

void
pouch_mls_wr_bytes(struct pouch_wr *w, const struct pouch_mls_bytes *b)
{
	pouch_wr_opaque(w, b->p, b->n);
}

/*
 * A vector of fixed-size integers: a sub-reader over it and the count,
 * which is the byte length over the size (MALFORMED when it does not
 * divide).
 */
static int
rd_fixed(struct pouch_rd *r, size_t max, size_t size, struct pouch_rd *sub,
    size_t *cnt)
{
	struct pouch_rd t = *r;
	int rc;

	if ((rc = pouch_rd_vec(&t, sub, max > POUCH_VARINT_MAX / size ?
	    POUCH_VARINT_MAX : max * size)) != POUCH_OK)
		return rc;
	if (pouch_rd_left(sub) % size != 0)
		return POUCH_E_MALFORMED;
	*cnt = pouch_rd_left(sub) / size;
	*r = t;
	return POUCH_OK;
}

int
pouch_mls_rd_u16s(struct pouch_rd *r, struct pouch_mls_arena *a, size_t max,
    struct pouch_mls_u16s *out)
{
	struct pouch_rd t = *r, sub;
	uint16_t *v;
	void *p;
	size_t n, i;
	int rc;

	if ((rc = rd_fixed(&t, max, 2, &sub, &n)) != POUCH_OK ||
	    (rc = pouch_mls_arena_array(a, n, 2, &p)) != POUCH_OK)
		return rc;
	v = p;
	for (i = 0; i < n; i++)
		if ((rc = pouch_rd_u16(&sub, &v[i])) != POUCH_OK)
			return rc;
	out->v = v;
	out->n = n;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_wr_u16s(struct pouch_wr *w, const struct pouch_mls_u16s *l)
{
	size_t i;

	if (l->n > POUCH_VARINT_MAX / 2) {
		pouch_mls_wr_fail(w, POUCH_E_TOO_LARGE);
		return;
	}
	pouch_wr_varint(w, (uint32_t)(l->n * 2));
	for (i = 0; i < l->n; i++)
		pouch_wr_u16(w, l->v[i]);
}

int
pouch_mls_rd_u32s(struct pouch_rd *r, struct pouch_mls_arena *a, size_t max,
    uint32_t **out, size_t *n)
{
	struct pouch_rd t = *r, sub;
	uint32_t *v;
	void *p;
	size_t cnt, i;
	int rc;

	if ((rc = rd_fixed(&t, max, 4, &sub, &cnt)) != POUCH_OK ||
	    (rc = pouch_mls_arena_array(a, cnt, 4, &p)) != POUCH_OK)
		return rc;
	v = p;
	for (i = 0; i < cnt; i++)
		if ((rc = pouch_rd_u32(&sub, &v[i])) != POUCH_OK)
			return rc;
	*out = v;
	*n = cnt;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_wr_u32s(struct pouch_wr *w, const uint32_t *v, size_t n)
{
	size_t i;

	if (n > POUCH_VARINT_MAX / 4) {
		pouch_mls_wr_fail(w, POUCH_E_TOO_LARGE);
		return;
	}
	pouch_wr_varint(w, (uint32_t)(n * 4));
	for (i = 0; i < n; i++)
		pouch_wr_u32(w, v[i]);
}

int
pouch_mls_rd_vector(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, size_t max, size_t size,
    pouch_mls_elem_fn fn, void **arr, size_t *n)
{
	struct pouch_rd t = *r, sub;
	void *v = NULL;
	size_t cap = 0, cnt = 0;
	int rc;

	if ((rc = pouch_rd_vec(&t, &sub, lim->message_max)) != POUCH_OK)
		return rc;
	while (pouch_rd_left(&sub) > 0) {
		if ((rc = pouch_mls_arena_grow(a, &v, &cap, cnt, size, max)) !=
		    POUCH_OK)
			return rc;
		/* the vector was complete: an element cut short is bad */
		if ((rc = fn(&sub, a, lim, (uint8_t *)v + cnt * size)) !=
		    POUCH_OK)
			return rc == POUCH_E_TRUNCATED ? POUCH_E_MALFORMED : rc;
		cnt++;
	}
	*arr = v;
	*n = cnt;
	*r = t;
	return POUCH_OK;
}

/* ---- Extension (RFC 9420 7.2) ------------------------------------------ */

static int
extension_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, void *elem)
{
	struct pouch_mls_extension *e = elem;
	struct pouch_rd t = *r;
	int rc;

	(void)a;
	if ((rc = pouch_rd_u16(&t, &e->type)) != POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(&t, lim->message_max, &e->data)) !=
	    POUCH_OK)
		return rc;
	*r = t;
	return POUCH_OK;
}

int
pouch_mls_extensions_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_extensions *out)
{
	void *v;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = pouch_mls_rd_vector(r, a, lim, lim->extensions_max,
	    sizeof(struct pouch_mls_extension), extension_decode, &v, &n)) !=
	    POUCH_OK)
		return rc;
	out->v = v;
	out->n = n;
	return POUCH_OK;
}

void
pouch_mls_extensions_encode(struct pouch_wr *w,
    const struct pouch_mls_extensions *x)
{
	size_t i;

	pouch_wr_vec_open(w);
	for (i = 0; i < x->n; i++) {
		pouch_wr_u16(w, x->v[i].type);
		pouch_mls_wr_bytes(w, &x->v[i].data);
	}
	pouch_wr_vec_close(w);
}

const struct pouch_mls_extension *
pouch_mls_extension_find(const struct pouch_mls_extensions *list,
    uint16_t type)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (list->v[i].type == type)
			return &list->v[i];
	return NULL;
}
