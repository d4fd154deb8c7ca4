/*
 * mls/msg_int - helpers shared by the msg_*.c decoders and encoders and
 * by nothing else: opaque<V> fields as struct pouch_mls_bytes, uint16 and
 * uint32 lists, and the one loop that decodes a vector of structures into
 * an arena array.
 */
#ifndef POUCH_MLS_MSG_INT_H
#define POUCH_MLS_MSG_INT_H

#include "mls/msg.h"

/* Decodes one element of a vector into the zeroed slot elem. */
typedef int (*pouch_mls_elem_fn)(struct pouch_rd *r,
    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
    void *elem);

/* opaque x<V> of at most max bytes, zero-copy. */
int	pouch_mls_rd_bytes(struct pouch_rd *r, size_t max,
	    struct pouch_mls_bytes *out) POUCH_WARN_UNUSED;
void	pouch_mls_wr_bytes(struct pouch_wr *w,
	    const struct pouch_mls_bytes *b);
/* uint16 x<V> of at most max entries. */
int	pouch_mls_rd_u16s(struct pouch_rd *r, struct pouch_mls_arena *a,
	    size_t max, struct pouch_mls_u16s *out) POUCH_WARN_UNUSED;
void	pouch_mls_wr_u16s(struct pouch_wr *w,
	    const struct pouch_mls_u16s *l);
/* uint32 x<V> of at most max entries. */
int	pouch_mls_rd_u32s(struct pouch_rd *r, struct pouch_mls_arena *a,
	    size_t max, uint32_t **out, size_t *n) POUCH_WARN_UNUSED;
void	pouch_mls_wr_u32s(struct pouch_wr *w, const uint32_t *v, size_t n);
/*
 * T x<V>: a vector of at most max elements of size bytes, each decoded
 * by fn from the vector's sub-reader, into a fresh arena array.  An
 * element that runs past the vector's end is MALFORMED.
 */
int	pouch_mls_rd_vector(struct pouch_rd *r, struct pouch_mls_arena *a,
	    const struct pouch_mls_limits *lim, size_t max, size_t size,
	    pouch_mls_elem_fn fn, void **arr, size_t *n) POUCH_WARN_UNUSED;
/* The body of a FramedContent or PrivateMessageContent of content_type. */
int	pouch_mls_content_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    uint8_t content_type, union pouch_mls_content *out)
	    POUCH_WARN_UNUSED;
void	pouch_mls_content_encode(struct pouch_wr *w, uint8_t content_type,
	    const union pouch_mls_content *x);
/* Set the writer's sticky error unless one is already set. */
void	pouch_mls_wr_fail(struct pouch_wr *w, int rc);

#endif /* POUCH_MLS_MSG_INT_H */
