/*
 * kt_stage.c - the key-transparency leaves a caller stages for its next
 * store operation (store.h, "key transparency"), one set per thread, so
 * that every backend appends them inside the operation's transaction
 * without a new parameter on every operation.
 */
#include <stddef.h>

#include "store/store.h"

static _Thread_local struct pouch_store_kt_leaf *staged;
static _Thread_local size_t nstaged;

void
pouch_store_kt_stage(struct pouch_store_kt_leaf *leaves, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		leaves[i].index = -1;
	staged = n != 0 ? leaves : NULL;
	nstaged = staged != NULL ? n : 0;
}

void
pouch_store_kt_unstage(void)
{
	staged = NULL;
	nstaged = 0;
}

struct pouch_store_kt_leaf *
pouch_store_kt_take(size_t *n)
{
	struct pouch_store_kt_leaf *l = staged;

	*n = nstaged;
	staged = NULL;
	nstaged = 0;
	return l;
}
