/*
 * arena.c - the region allocator of decoded MLS structures (see arena.h).
 * Chunks come from malloc, each at least twice the size of the one
 * before, so a message of n bytes costs O(log n) mallocs; allocations are
 * bumped from the newest chunk and zeroed.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mls/arena.h"

#define CHUNK_MIN	4096
#define ALIGN		alignof(max_align_t)

struct pouch_mls_arena_chunk {
	struct pouch_mls_arena_chunk	*next;
	size_t				 size;	/* of data[] */
	size_t				 used;
	max_align_t			 data[];
};

void
pouch_mls_arena_init(struct pouch_mls_arena *a, size_t max)
{
	memset(a, 0, sizeof(*a));
	a->max = max;
}

/* A new head chunk with room for at least n bytes, within the cap. */
static int
chunk_new(struct pouch_mls_arena *a, size_t n)
{
	struct pouch_mls_arena_chunk *c;
	size_t size, room, hdr = sizeof(*c);

	if (a->total > a->max || a->max - a->total < hdr ||
	    a->max - a->total - hdr < n)
		return POUCH_E_TOO_LARGE;
	room = a->max - a->total - hdr;
	size = CHUNK_MIN;
	if (a->head != NULL)
		size = a->head->size > room / 2 ? room : a->head->size * 2;
	if (size < n)
		size = n;
	if (size > room)
		size = room;
	if ((c = malloc(hdr + size)) == NULL)
		return POUCH_E_NOMEM;
	c->next = a->head;
	c->size = size;
	c->used = 0;
	a->head = c;
	a->total += hdr + size;
	return POUCH_OK;
}

int
pouch_mls_arena_alloc(struct pouch_mls_arena *a, size_t n, void **out)
{
	struct pouch_mls_arena_chunk *c;
	uint8_t *p;
	size_t need;
	int rc;

	*out = NULL;
	a->nalloc++;
	if (a->fail_at != 0 && a->nalloc >= a->fail_at)
		return POUCH_E_NOMEM;
	if (n > SIZE_MAX - ALIGN)
		return POUCH_E_TOO_LARGE;
	need = (n + ALIGN - 1) & ~(ALIGN - 1);
	if (need == 0)
		need = ALIGN;
	c = a->head;
	if (c == NULL || c->size - c->used < need) {
		if ((rc = chunk_new(a, need)) != POUCH_OK)
			return rc;
		c = a->head;
	}
	p = (uint8_t *)c->data + c->used;
	c->used += need;
	memset(p, 0, need);
	*out = p;
	return POUCH_OK;
}

int
pouch_mls_arena_array(struct pouch_mls_arena *a, size_t count, size_t size,
    void **out)
{
	*out = NULL;
	if (size != 0 && count > SIZE_MAX / size)
		return POUCH_E_TOO_LARGE;
	return pouch_mls_arena_alloc(a, count * size, out);
}

int
pouch_mls_arena_copy(struct pouch_mls_arena *a, const void *p, size_t n,
    const uint8_t **out)
{
	void *d;
	int rc;

	*out = NULL;
	if (n != 0 && p == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_mls_arena_alloc(a, n, &d)) != POUCH_OK)
		return rc;
	if (n != 0)
		memcpy(d, p, n);
	*out = d;
	return POUCH_OK;
}

int
pouch_mls_arena_grow(struct pouch_mls_arena *a, void **arr, size_t *cap,
    size_t n, size_t size, size_t max)
{
	size_t ncap;
	void *na;
	int rc;

	if (n >= max)
		return POUCH_E_TOO_LARGE;
	if (n < *cap)
		return POUCH_OK;
	ncap = *cap == 0 ? 4 : *cap > max / 2 ? max : *cap * 2;
	if ((rc = pouch_mls_arena_array(a, ncap, size, &na)) != POUCH_OK)
		return rc;
	if (n > 0)
		memcpy(na, *arr, n * size);
	*arr = na;
	*cap = ncap;
	return POUCH_OK;
}

void
pouch_mls_arena_free(struct pouch_mls_arena *a)
{
	struct pouch_mls_arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		OPENSSL_cleanse(c, sizeof(*c) + c->size);
		free(c);
	}
	a->head = NULL;
	a->total = 0;
	a->nalloc = 0;
}
