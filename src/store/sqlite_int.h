/*
 * sqlite_int.h - private to the SQLite backend of the store: the handle,
 * the transaction bracket and the statement helpers its files share.
 */
#ifndef POUCH_STORE_SQLITE_INT_H
#define POUCH_STORE_SQLITE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <sqlite3.h>

#include "store/store.h"

/* A write operation waiting for the commit of its batch. */
struct sq_wait {
	struct sq_wait	*next;
	int		 done;
	int		 rc;
};

#define SQ_CACHE	64	/* prepared statements kept per connection */

struct sq_cached {
	const char	*sql;
	sqlite3_stmt	*st;
	int		 busy;
};

/*
 * The write connection, or the read connection (rd == NULL, and no
 * batches).  mu is held from sq_begin to sq_end, so an operation never
 * interleaves with another thread's on the same connection.
 *
 * Group commit: write operations run one after another inside one open
 * transaction (the batch), each in its own SAVEPOINT, and wait for the
 * batch's COMMIT before they return.  The operation that finds nobody
 * queued behind it (joining == 0) commits the batch for all of them, so
 * one fsync covers every write that arrived during the previous one.
 * Reads go to the read connection, which (WAL) sees only committed
 * transactions: nobody reads what is not yet durable.
 */
struct sq {
	struct pouch_store	 base;
	sqlite3			*db;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct sq		*rd;		/* reads; NULL: this one */
	atomic_int		 joining;	/* writers about to lock mu */
	int			 batch_open;
	int			 batch_ops;
	int			 in_write;
	struct sq_wait		*waiters;	/* of the open batch */
	unsigned long		 commits;	/* batches committed */
	unsigned long		 writes;	/* operations committed */
	struct sq_cached	 cache[SQ_CACHE];
};

/* The connection read operations use. */
struct sq	*sq_reader(struct pouch_store *st);

/* The SQL of migration version (1-based), or NULL past the last one. */
const char	*pouch_store_sqlite_migration(int version);

/*
 * Lock and open: a read transaction, or (write) a savepoint in the open
 * batch, BEGIN IMMEDIATE first when none is open.
 */
int	sq_begin(struct sq *s, int write) POUCH_WARN_UNUSED;
/*
 * Keep the operation's writes when rc is POUCH_OK, else roll them back;
 * for a write, wait until its batch is durable (POUCH_E_DB if the COMMIT
 * failed); unlock; return the outcome.
 */
int	sq_end(struct sq *s, int rc) POUCH_WARN_UNUSED;
/*
 * Prepare sql and bind its parameters in order from fmt: 'i' int64_t,
 * 'b' const void * and size_t (a blob), 't' const char * (text, NULL
 * binds NULL).  *q is NULL on failure.
 */
int	sq_prep(struct sq *s, sqlite3_stmt **q, const char *sql,
	    const char *fmt, ...) POUCH_WARN_UNUSED;
/* Done with a statement of sq_prep: back to the cache, or finalized. */
void	sq_done(struct sq *s, sqlite3_stmt *q);
/* Step: 1 for a row, 0 when done, or a POUCH_E_* code. */
int	sq_step(struct sq *s, sqlite3_stmt *q) POUCH_WARN_UNUSED;
/* Prepare, bind, run to completion, finalize. */
int	sq_exec(struct sq *s, const char *sql, const char *fmt, ...)
	    POUCH_WARN_UNUSED;
/* The first column of the first row as an integer: NOT_FOUND if none. */
int	sq_int(struct sq *s, int64_t *out, const char *sql, const char *fmt,
	    ...) POUCH_WARN_UNUSED;
/* Rows changed by the last statement. */
int	sq_changes(struct sq *s);
/* Append an audit row inside the current transaction. */
int	sq_audit(struct sq *s, int64_t now, const char *actor,
	    const char *action, const char *subject) POUCH_WARN_UNUSED;
/* Copy a blob column of exactly n bytes into out: POUCH_E_DB otherwise. */
int	sq_col_fixed(sqlite3_stmt *q, int col, uint8_t *out, size_t n)
	    POUCH_WARN_UNUSED;
/* Copy a text column into out (cap bytes, NUL-terminated, truncated). */
void	sq_col_text(sqlite3_stmt *q, int col, char *out, size_t cap);

/* The operations (see struct pouch_store_ops), by file: sqlite_acct.c */
int	sq_user_add(struct pouch_store *, const char *, int64_t, const char *,
	    int64_t *);
int	sq_user_get(struct pouch_store *, const char *,
	    struct pouch_store_user *);
int	sq_user_get_id(struct pouch_store *, int64_t,
	    struct pouch_store_user *);
int	sq_user_list(struct pouch_store *,
	    int (*)(void *, const struct pouch_store_user *), void *);
int	sq_user_suspend(struct pouch_store *, const char *, int, int64_t,
	    const char *);
int	sq_code_add(struct pouch_store *, int64_t,
	    const uint8_t [POUCH_STORE_HASH_BYTES], int64_t, int64_t,
	    const char *);
int	sq_code_peek(struct pouch_store *,
	    const uint8_t [POUCH_STORE_HASH_BYTES], int64_t,
	    struct pouch_store_user *);
int	sq_enrol(struct pouch_store *, const struct pouch_store_enrol *,
	    int64_t *);
int	sq_device_get(struct pouch_store *, int64_t,
	    struct pouch_store_device *);
int	sq_device_list(struct pouch_store *, int64_t,
	    int (*)(void *, const struct pouch_store_device *), void *);
int	sq_device_revoke(struct pouch_store *, int64_t, int64_t,
	    const char *, pouch_store_propose_fn, void *, size_t *);
int	sq_challenge_add(struct pouch_store *, int64_t,
	    const uint8_t [POUCH_STORE_HASH_BYTES], int64_t);
int	sq_challenge_take(struct pouch_store *, int64_t,
	    const uint8_t [POUCH_STORE_HASH_BYTES], int64_t);
int	sq_token_add(struct pouch_store *, int64_t,
	    const uint8_t [POUCH_STORE_HASH_BYTES], int64_t);
int	sq_token_check(struct pouch_store *,
	    const uint8_t [POUCH_STORE_HASH_BYTES], int64_t,
	    struct pouch_store_device *);
int	sq_audit_add(struct pouch_store *, int64_t, const char *,
	    const char *, const char *);
int	sq_audit_list(struct pouch_store *, int64_t, size_t,
	    int (*)(void *, const struct pouch_store_audit *), void *);
int	sq_account_rotate(struct pouch_store *, int64_t,
	    const uint8_t [POUCH_STORE_KEY_BYTES],
	    const uint8_t [POUCH_STORE_KEY_BYTES], const int64_t *, size_t,
	    int64_t, const char *);
/* sqlite_mls.c */
int	sq_kp_add(struct pouch_store *, int64_t, const struct pouch_store_kp *,
	    size_t, size_t);
int	sq_kp_replace(struct pouch_store *, int64_t,
	    const struct pouch_store_kp *, size_t, size_t);
int	sq_kp_claim(struct pouch_store *, int64_t, int64_t, uint16_t,
	    int64_t, int (*)(void *, const struct pouch_store_claimed *),
	    void *);
int	sq_kp_count(struct pouch_store *, int64_t, uint16_t, int64_t *,
	    int *);
int	sq_group_create(struct pouch_store *, const uint8_t *, size_t,
	    uint16_t, int64_t, int64_t);
int	sq_group_get(struct pouch_store *, const uint8_t *, size_t,
	    struct pouch_store_group *);
int	sq_stats(struct pouch_store *, struct pouch_store_stats *);
int	sq_gc(struct pouch_store *, int64_t, int64_t,
	    int (*)(void *, const uint8_t *), void *, int64_t *);
/* sqlite_mls.c, for sq_device_revoke: queue Remove proposals. */
int	sq_repropose(struct pouch_store *, const uint8_t *, size_t, int64_t,
	    pouch_store_propose_fn, void *, size_t *);
int	sq_propose_removal(struct sq *s, int64_t device, int64_t now,
	    pouch_store_propose_fn propose, void *arg, size_t *n);
int	sq_post(struct pouch_store *, const struct pouch_store_msg *,
	    struct pouch_store_posted *);
int	sq_sync_fetch(struct pouch_store *, int64_t, int64_t, size_t,
	    int (*)(void *, const struct pouch_store_item *), void *);
int	sq_sync_ack(struct pouch_store *, int64_t, int64_t);
int	sq_attachment_add(struct pouch_store *,
	    const uint8_t [POUCH_STORE_HASH_BYTES], uint64_t, int64_t,
	    uint64_t, int64_t);
int	sq_attachment_get(struct pouch_store *,
	    const uint8_t [POUCH_STORE_HASH_BYTES], uint64_t *);

/* sqlite_pair.c */
int	sq_pair_add(struct pouch_store *, const struct pouch_store_pair *,
	    int64_t, uint32_t, uint32_t);
int	sq_pair_list(struct pouch_store *, int64_t, int64_t,
	    int (*)(void *, const struct pouch_store_pair *), void *);
int	sq_pair_approve(struct pouch_store *, int64_t,
	    const uint8_t [POUCH_STORE_KEY_BYTES],
	    const uint8_t [POUCH_STORE_PAIR_APPROVAL],
	    const uint8_t [POUCH_STORE_PAIR_MAC], int64_t);
int	sq_pair_take(struct pouch_store *,
	    const uint8_t [POUCH_STORE_KEY_BYTES],
	    const uint8_t [POUCH_STORE_PAIR_COMMIT], int64_t,
	    struct pouch_store_pair *);

#endif /* POUCH_STORE_SQLITE_INT_H */
