/*
 * sqlite_kt.h - private to the SQLite backend: its key-transparency
 * operations (sqlite_kt.c; store.h, "key transparency").
 */
#ifndef POUCH_STORE_SQLITE_KT_H
#define POUCH_STORE_SQLITE_KT_H

#include "store/sqlite_int.h"

/* Append this thread's staged leaves inside the open write transaction. */
int	sq_kt_append_staged(struct sq *s, int64_t now) POUCH_WARN_UNUSED;

int	sq_kt_publish(struct pouch_store *, uint64_t, pouch_store_kt_leaf_fn,
	    pouch_store_kt_sign_fn, void *, uint64_t *);
int	sq_kt_leaves(struct pouch_store *, uint64_t, uint64_t,
	    pouch_store_kt_entry_fn, void *);
int	sq_kt_find(struct pouch_store *, const uint8_t [POUCH_STORE_HASH_BYTES],
	    uint64_t *);
int	sq_kt_checkpoint(struct pouch_store *, uint64_t, pouch_store_kt_cp_fn,
	    void *);

#endif /* POUCH_STORE_SQLITE_KT_H */
