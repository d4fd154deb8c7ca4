/*
 * pg_int.h - private to the PostgreSQL backend of the store: the handle,
 * its connection pool, the transaction bracket and the query helpers its
 * files share.
 */
#ifndef POUCH_STORE_PG_INT_H
#define POUCH_STORE_PG_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <libpq-fe.h>

#include "store/store.h"

#define PG_POOL		16	/* connections per node */
#define PG_BACKOFF_MIN	100	/* ms before reconnecting, doubling */
#define PG_BACKOFF_MAX	5000
#define PG_WAKE_CHANNEL	"pouch_wake"

/* One pooled connection: NULL or broken until (re)connected. */
struct pg_conn {
	PGconn		*c;
	int		 busy;
	int64_t		 retry_at;	/* ms, monotonic: next attempt */
	int		 backoff;	/* ms */
};

/*
 * The handle.  Every operation borrows one connection of the pool: a
 * write for one transaction (READ COMMITTED, with explicit row locks
 * where order matters), a read for autocommit statements.  Operations
 * of several threads, and of several nodes, run at once and the
 * database serialises what conflicts.
 */
struct pg {
	struct pouch_store	 base;
	char			*conninfo;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct pg_conn		 pool[PG_POOL];
	/* LISTEN/NOTIFY: wakes this node's waiters for posts of any node */
	void			(*notify)(void *, const int64_t *, size_t);
	void			*notify_arg;
	pthread_t		 listener;
	int			 listening;
	int			 wake_pipe[2];	/* close to stop the listener */
	int64_t			 seq_floor;	/* queue cursors start here */
};

/* One operation's transaction on a borrowed connection. */
struct pgx {
	struct pg	*p;
	struct pg_conn	*pc;
	long		 changes;	/* rows of the last statement */
	int		 tx;		/* in BEGIN ... COMMIT */
};

/* Borrow a connection (reconnecting with backoff) and BEGIN. */
int	pg_begin(struct pg *p, struct pgx *x) POUCH_WARN_UNUSED;
/* Borrow a connection for single-statement reads (no BEGIN). */
int	pg_begin_read(struct pg *p, struct pgx *x) POUCH_WARN_UNUSED;
/* COMMIT when rc is POUCH_OK, else ROLLBACK; return the connection.
 * POUCH_E_DB when the COMMIT is not known to be durable. */
int	pg_end(struct pgx *x, int rc) POUCH_WARN_UNUSED;
/*
 * Run sql with parameters from fmt: 'i' int64_t, 'b' const void * and
 * size_t (bytea), 't' const char * (text; NULL: NULL), 'a' const char *
 * (a literal of the type the SQL casts it to, e.g. '{1,2}'::bigint[]).
 * Results are binary.  *r (may be NULL: discarded) is freed with
 * PQclear.  x->changes gets the row count.
 */
int	pg_q(struct pgx *x, PGresult **r, const char *sql, const char *fmt,
	    ...) POUCH_WARN_UNUSED;
/* The first column of the first row as an integer: NOT_FOUND if none. */
int	pg_int(struct pgx *x, int64_t *out, const char *sql, const char *fmt,
	    ...) POUCH_WARN_UNUSED;
/* Binary column values. */
int64_t	pg_get_int(const PGresult *r, int row, int col);
int	pg_get_null(const PGresult *r, int row, int col);
int	pg_get_fixed(const PGresult *r, int row, int col, uint8_t *out,
	    size_t n) POUCH_WARN_UNUSED;
void	pg_get_text(const PGresult *r, int row, int col, char *out,
	    size_t cap);
/* Append an audit row inside the current transaction. */
int	pg_audit(struct pgx *x, int64_t now, const char *actor,
	    const char *action, const char *subject) POUCH_WARN_UNUSED;
/* Wake every node's waiters of devs once this transaction commits. */
int	pg_notify_devs(struct pgx *x, const int64_t *devs, size_t n)
	    POUCH_WARN_UNUSED;
/* "{1,2,3}" for n ids: malloc'd, or NULL. */
char	*pg_id_array(const int64_t *v, size_t n);

/* The SQL of migration version (1-based), or NULL past the last one. */
const char	*pouch_store_pg_migration(int version);

/* Key transparency (pg_kt.c): append this thread's staged leaves. */
int	pg_kt_append_staged(struct pgx *x, int64_t now) POUCH_WARN_UNUSED;
int	pg_kt_publish(struct pouch_store *, uint64_t, pouch_store_kt_leaf_fn,
	    pouch_store_kt_sign_fn, void *, uint64_t *);
int	pg_kt_leaves(struct pouch_store *, uint64_t, uint64_t,
	    pouch_store_kt_entry_fn, void *);
int	pg_kt_find(struct pouch_store *, const uint8_t [POUCH_STORE_HASH_BYTES],
	    uint64_t *);
int	pg_kt_checkpoint(struct pouch_store *, uint64_t, pouch_store_kt_cp_fn,
	    void *);

/* pg_dump into path (pg_backup.c). */
int	pg_backup(struct pouch_store *st, const char *path) POUCH_WARN_UNUSED;

/*
 * A NOTIFY payload "{1,2,3}" (pg_notify_devs) into at most cap positive
 * ids: how many, or 0 for anything else (fuzz/pg_wake.c).
 */
size_t	pouch_store_pg_parse_wake(const char *s, int64_t *ids, size_t cap);

/* The listener thread (pg_notify.c). */
int	pg_listen_start(struct pg *p) POUCH_WARN_UNUSED;
void	pg_listen_stop(struct pg *p);

/* The operations (see struct pouch_store_ops), by file: pg_acct.c */
int	pg_user_add(struct pouch_store *, const char *, int64_t, const char *,
	    int64_t *);
int	pg_user_get(struct pouch_store *, const char *,
	    struct pouch_store_user *);
int	pg_user_get_id(struct pouch_store *, int64_t,
	    struct pouch_store_user *);
int	pg_user_list(struct pouch_store *,
	    int (*)(void *, const struct pouch_store_user *), void *);
int	pg_user_suspend(struct pouch_store *, const char *, int, int64_t,
	    const char *);
int	pg_code_add(struct pouch_store *, int64_t,
	    const uint8_t [POUCH_STORE_HASH_BYTES], int64_t, int64_t,
	    const char *);
int	pg_code_peek(struct pouch_store *,
	    const uint8_t [POUCH_STORE_HASH_BYTES], int64_t,
	    struct pouch_store_user *);
int	pg_enrol(struct pouch_store *, const struct pouch_store_enrol *,
	    int64_t *);
int	pg_device_get(struct pouch_store *, int64_t,
	    struct pouch_store_device *);
int	pg_device_list(struct pouch_store *, int64_t,
	    int (*)(void *, const struct pouch_store_device *), void *);
int	pg_device_revoke(struct pouch_store *, int64_t, int64_t,
	    const char *, pouch_store_propose_fn, void *, size_t *);
int	pg_challenge_add(struct pouch_store *, int64_t,
	    const uint8_t [POUCH_STORE_HASH_BYTES], int64_t);
int	pg_challenge_take(struct pouch_store *, int64_t,
	    const uint8_t [POUCH_STORE_HASH_BYTES], int64_t);
int	pg_token_add(struct pouch_store *, int64_t,
	    const uint8_t [POUCH_STORE_HASH_BYTES], int64_t);
int	pg_token_check(struct pouch_store *,
	    const uint8_t [POUCH_STORE_HASH_BYTES], int64_t,
	    struct pouch_store_device *);
int	pg_audit_add(struct pouch_store *, int64_t, const char *,
	    const char *, const char *);
int	pg_audit_list(struct pouch_store *, int64_t, size_t,
	    int (*)(void *, const struct pouch_store_audit *), void *);
int	pg_account_rotate(struct pouch_store *, int64_t,
	    const uint8_t [POUCH_STORE_KEY_BYTES],
	    const uint8_t [POUCH_STORE_KEY_BYTES], const int64_t *, size_t,
	    int64_t, const char *);
/* pg_mls.c */
int	pg_kp_add(struct pouch_store *, int64_t, const struct pouch_store_kp *,
	    size_t, size_t);
int	pg_kp_replace(struct pouch_store *, int64_t,
	    const struct pouch_store_kp *, size_t, size_t);
int	pg_kp_claim(struct pouch_store *, int64_t, int64_t, uint16_t,
	    int64_t, int (*)(void *, const struct pouch_store_claimed *),
	    void *);
int	pg_kp_count(struct pouch_store *, int64_t, uint16_t, int64_t *,
	    int *);
int	pg_group_create(struct pouch_store *, const uint8_t *, size_t,
	    uint16_t, int64_t, int64_t);
int	pg_group_get(struct pouch_store *, const uint8_t *, size_t,
	    struct pouch_store_group *);
int	pg_post(struct pouch_store *, const struct pouch_store_msg *,
	    struct pouch_store_posted *);
int	pg_repropose(struct pouch_store *, const uint8_t *, size_t, int64_t,
	    pouch_store_propose_fn, void *, size_t *);
int	pg_propose_removal(struct pgx *x, int64_t device, int64_t now,
	    pouch_store_propose_fn propose, void *arg, size_t *n);
int	pg_sync_fetch(struct pouch_store *, int64_t, int64_t, size_t,
	    int (*)(void *, const struct pouch_store_item *), void *);
int	pg_sync_ack(struct pouch_store *, int64_t, int64_t);
int	pg_attachment_add(struct pouch_store *,
	    const uint8_t [POUCH_STORE_HASH_BYTES], uint64_t, int64_t,
	    uint64_t, int64_t);
int	pg_attachment_get(struct pouch_store *,
	    const uint8_t [POUCH_STORE_HASH_BYTES], uint64_t *);
int	pg_stats(struct pouch_store *, struct pouch_store_stats *);
int	pg_gc(struct pouch_store *, int64_t, int64_t,
	    int (*)(void *, const uint8_t *), void *, int64_t *);

/* pg_pair.c */
int	pg_pair_add(struct pouch_store *, const struct pouch_store_pair *,
	    int64_t, uint32_t, uint32_t);
int	pg_pair_list(struct pouch_store *, int64_t, int64_t,
	    int (*)(void *, const struct pouch_store_pair *), void *);
int	pg_pair_approve(struct pouch_store *, int64_t,
	    const uint8_t [POUCH_STORE_KEY_BYTES],
	    const uint8_t [POUCH_STORE_PAIR_APPROVAL],
	    const uint8_t [POUCH_STORE_PAIR_MAC], int64_t);
int	pg_pair_take(struct pouch_store *,
	    const uint8_t [POUCH_STORE_KEY_BYTES],
	    const uint8_t [POUCH_STORE_PAIR_COMMIT], int64_t,
	    struct pouch_store_pair *);

#endif /* POUCH_STORE_PG_INT_H */
