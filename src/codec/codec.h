/*
 * codec - bounded reader and writer for the TLS presentation language as
 * RFC 9420 uses it.
 *
 * The codec owns bytes, not meanings: integers in network order, fixed
 * opaque blocks, variable-length vectors with the MLS varint length prefix
 * (RFC 9420 2.1.2: 1, 2 or 4 bytes, prefix 11 rejected, non-minimal forms
 * rejected), optional<T> and nested vectors read through sub-readers that
 * must be consumed exactly.  A reader may only touch [p, end); every read
 * either succeeds and advances, or fails and leaves the reader where it was.
 * Every vector read takes a maximum.  The writer has a fixed maximum size,
 * a sticky error checked once at pouch_wr_finish(), and length-prefixed
 * blocks that are opened before and closed after their body is written.
 * Buffers that the writer allocates are wiped when freed.
 */
#ifndef POUCH_CODEC_H
#define POUCH_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <pouch/err.h>

/* The largest length an MLS varint can carry: 2^30 - 1. */
#define POUCH_VARINT_MAX	0x3fffffffU
/* How deeply length-prefixed blocks may nest while writing. */
#define POUCH_WR_DEPTH		16

struct pouch_rd {
	const uint8_t	*p;
	const uint8_t	*end;
};

void	pouch_rd_init(struct pouch_rd *r, const uint8_t *buf, size_t len);
size_t	pouch_rd_left(const struct pouch_rd *r);

int	pouch_rd_u8(struct pouch_rd *r, uint8_t *out) POUCH_WARN_UNUSED;
int	pouch_rd_u16(struct pouch_rd *r, uint16_t *out) POUCH_WARN_UNUSED;
int	pouch_rd_u32(struct pouch_rd *r, uint32_t *out) POUCH_WARN_UNUSED;
int	pouch_rd_u64(struct pouch_rd *r, uint64_t *out) POUCH_WARN_UNUSED;
/* RFC 9420 2.1.2 variable-length integer. */
int	pouch_rd_varint(struct pouch_rd *r, uint32_t *out) POUCH_WARN_UNUSED;
/* Fixed-size opaque[n]: copy into out. */
int	pouch_rd_copy(struct pouch_rd *r, uint8_t *out, size_t n)
	    POUCH_WARN_UNUSED;
/* Fixed-size opaque[n]: point into the input, no copy. */
int	pouch_rd_ptr(struct pouch_rd *r, const uint8_t **out, size_t n)
	    POUCH_WARN_UNUSED;
/*
 * opaque x<V> / T x<V>: a sub-reader over exactly the vector's bytes.
 * TOO_LARGE when the length is over max, TRUNCATED when the input is short.
 */
int	pouch_rd_vec(struct pouch_rd *r, struct pouch_rd *sub, size_t max)
	    POUCH_WARN_UNUSED;
/* opaque x<V>: a pointer to the bytes and their length, no copy. */
int	pouch_rd_opaque(struct pouch_rd *r, const uint8_t **out, size_t *len,
	    size_t max) POUCH_WARN_UNUSED;
/* optional<T>: the presence octet; 0 or 1, anything else is MALFORMED. */
int	pouch_rd_optional(struct pouch_rd *r, int *present)
	    POUCH_WARN_UNUSED;
/* POUCH_OK when the reader is exhausted, POUCH_E_TRAILING otherwise. */
int	pouch_rd_done(const struct pouch_rd *r) POUCH_WARN_UNUSED;

struct pouch_wr {
	uint8_t		*buf;
	size_t		 len;
	size_t		 cap;
	size_t		 max;
	int		 err;
	int		 owned;	/* ours: grow, wipe, free */
	int		 public_data;	/* no secret: free without wiping */
	int		 depth;
	size_t		 open[POUCH_WR_DEPTH];
};

/* A growing writer that will never hold more than max bytes. */
void	pouch_wr_init(struct pouch_wr *w, size_t max);
/*
 * The same, with room for hint bytes (at most max) allocated up front so
 * that a large encoding of about that size does not grow (copy, wipe)
 * step by step.  Only a size: the result is the same as without it.
 */
void	pouch_wr_init_hint(struct pouch_wr *w, size_t max, size_t hint);
/* A writer over the caller's buffer; it never grows or frees it. */
void	pouch_wr_init_buf(struct pouch_wr *w, uint8_t *buf, size_t cap);
/*
 * Marks what w will hold as public (a tree node, a PublicMessage): its
 * buffers are then freed without the wiping every writer otherwise does.
 */
void	pouch_wr_public(struct pouch_wr *w);
void	pouch_wr_u8(struct pouch_wr *w, uint8_t v);
void	pouch_wr_u16(struct pouch_wr *w, uint16_t v);
void	pouch_wr_u32(struct pouch_wr *w, uint32_t v);
void	pouch_wr_u64(struct pouch_wr *w, uint64_t v);
void	pouch_wr_varint(struct pouch_wr *w, uint32_t v);
void	pouch_wr_bytes(struct pouch_wr *w, const void *p, size_t n);
/* opaque x<V>: varint length, then the bytes. */
void	pouch_wr_opaque(struct pouch_wr *w, const void *p, size_t n);
void	pouch_wr_optional(struct pouch_wr *w, int present);
/* Open a length-prefixed block; close it once its body is written. */
void	pouch_wr_vec_open(struct pouch_wr *w);
void	pouch_wr_vec_close(struct pouch_wr *w);
/*
 * The first error of the chain, or POUCH_E_MISUSE when a block is still
 * open; POUCH_OK when the bytes in buf[0..len) are complete.
 */
int	pouch_wr_finish(struct pouch_wr *w) POUCH_WARN_UNUSED;
/*
 * Finish and hand the buffer over to the caller, who frees it with
 * pouch_wr_buf_free(buf, len).  Only for growing writers.
 */
int	pouch_wr_take(struct pouch_wr *w, uint8_t **out, size_t *len)
	    POUCH_WARN_UNUSED;
/* Wipe and free a buffer from pouch_wr_take(). NULL is a no-op. */
void	pouch_wr_buf_free(uint8_t *buf, size_t len);
/* Wipe, and free when owned. The writer may be initialised again. */
void	pouch_wr_free(struct pouch_wr *w);

/* ---- hex (hex.c) ------------------------------------------------------ */

/* Lowercase hex of p[0..n) into out, which holds 2n + 1 bytes. */
void	pouch_hex(const uint8_t *p, size_t n, char *out);
/* Exactly 2n lowercase hex digits into out[0..n); MALFORMED otherwise
 * (s NULL included), out then partly written. */
int	pouch_unhex(const char *s, uint8_t *out, size_t n) POUCH_WARN_UNUSED;

#endif /* POUCH_CODEC_H */
