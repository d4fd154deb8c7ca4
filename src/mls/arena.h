/*
 * mls/arena - the region allocator behind every decoded MLS structure.
 *
 * One decoded message owns one arena: the decoder first copies the input
 * into it, then decodes zero-copy, so every struct pouch_mls_bytes of the
 * result points into that copy, and every array of sub-structures is
 * allocated from the same arena.  Nothing is freed one by one;
 * pouch_mls_arena_free() wipes (OPENSSL_cleanse) and frees every chunk at
 * once, which is what makes decode error paths trivially leak-free.  The
 * arena has a byte cap fixed at init (POUCH_E_TOO_LARGE beyond it), so a
 * hostile message cannot amplify into unbounded memory.  It lives in mls/
 * rather than base/ because base allocates nothing and only the MLS
 * decoders need it.
 */
#ifndef POUCH_MLS_ARENA_H
#define POUCH_MLS_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include <pouch/err.h>

struct pouch_mls_arena_chunk;

struct pouch_mls_arena {
	struct pouch_mls_arena_chunk	*head;	/* newest first */
	size_t				 total;	/* from malloc */
	size_t				 max;	/* cap on total */
	unsigned long			 nalloc; /* allocations */
	/*
	 * Test hook: when nonzero, allocation number fail_at (1-based)
	 * and every later one fail with POUCH_E_NOMEM, as if malloc had
	 * returned NULL.  Per arena: there is no global switch.
	 */
	unsigned long			 fail_at;
};

/* An empty arena that will never take more than max bytes from malloc. */
void	pouch_mls_arena_init(struct pouch_mls_arena *a, size_t max);
/*
 * n zeroed bytes aligned for any type, in *out.  POUCH_E_NOMEM, or
 * POUCH_E_TOO_LARGE when the arena would grow over its cap; *out is NULL
 * on failure.  n == 0 gives a valid unique pointer.
 */
int	pouch_mls_arena_alloc(struct pouch_mls_arena *a, size_t n,
	    void **out) POUCH_WARN_UNUSED;
/* count * size bytes, with the multiplication checked (TOO_LARGE). */
int	pouch_mls_arena_array(struct pouch_mls_arena *a, size_t count,
	    size_t size, void **out) POUCH_WARN_UNUSED;
/* A copy of p[0..n) in the arena. */
int	pouch_mls_arena_copy(struct pouch_mls_arena *a, const void *p,
	    size_t n, const uint8_t **out) POUCH_WARN_UNUSED;
/*
 * Make room for element n of the array *arr of *cap elements of size
 * bytes: when n == *cap, move it into a fresh array twice as large (the
 * old one stays in the arena until it is freed).  POUCH_E_TOO_LARGE when
 * n == max: arrays never hold more than max elements.
 */
int	pouch_mls_arena_grow(struct pouch_mls_arena *a, void **arr,
	    size_t *cap, size_t n, size_t size, size_t max) POUCH_WARN_UNUSED;
/* Wipe and free every chunk; the arena is empty and usable again. */
void	pouch_mls_arena_free(struct pouch_mls_arena *a);

#endif /* POUCH_MLS_ARENA_H */
