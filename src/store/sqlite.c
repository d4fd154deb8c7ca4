/*
 * sqlite.c - the SQLite backend of the store: opening with durability
 * checked, schema migrations, the transaction bracket, statement helpers,
 * online backup and restore.
 *
 * Durability: journal_mode=WAL and synchronous=FULL are set and read
 * back; anything weaker refuses to open (POUCH_E_DB), so a write that
 * returned POUCH_OK is on disk.  Foreign keys are on.  Only an ephemeral
 * store (tests, fuzzers) runs in memory.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/sqlite_int.h"
#include "store/sqlite_kt.h"

#define SQ_BUSY_MS	5000	/* wait this long for another process */

#define SQ_BATCH_MAX	256	/* operations in one group commit */

struct sq *
sq_reader(struct pouch_store *st)
{
	struct sq *s = (struct sq *)st;

	return s->rd != NULL ? s->rd : s;
}

/* COMMIT the open batch and tell its operations; caller holds mu. */
static void
commit_batch(struct sq *s)
{
	struct sq_wait *w;
	int rc;

	rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ?
	    POUCH_OK : POUCH_E_DB;
	if (rc != POUCH_OK && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->commits++;
	for (w = s->waiters; w != NULL; w = w->next) {
		w->done = 1;
		w->rc = rc;
		s->writes++;
	}
	s->waiters = NULL;
	s->batch_open = 0;
	s->batch_ops = 0;
	pthread_cond_broadcast(&s->cv);
}

int
sq_begin(struct sq *s, int write)
{
	int rc;

	if (!write) {
		pthread_mutex_lock(&s->mu);
		if ((rc = sq_exec(s, "BEGIN", "")) != POUCH_OK)
			pthread_mutex_unlock(&s->mu);
		return rc;
	}
	atomic_fetch_add(&s->joining, 1);
	pthread_mutex_lock(&s->mu);
	atomic_fetch_sub(&s->joining, 1);
	if (!s->batch_open) {
		if ((rc = sq_exec(s, "BEGIN IMMEDIATE", "")) != POUCH_OK)
			goto fail;
		s->batch_open = 1;
	}
	if ((rc = sq_exec(s, "SAVEPOINT op", "")) != POUCH_OK)
		goto fail;
	s->in_write = 1;
	return POUCH_OK;
fail:
	/* whoever waits for this batch may be waiting for us */
	if (s->batch_open && s->waiters != NULL &&
	    atomic_load(&s->joining) == 0)
		commit_batch(s);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int
sq_end(struct sq *s, int rc)
{
	struct sq_wait me = { NULL, 0, POUCH_OK };

	if (!s->in_write) {
		if (rc == POUCH_OK && sq_exec(s, "COMMIT", "") != POUCH_OK)
			rc = POUCH_E_DB;
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		pthread_mutex_unlock(&s->mu);
		return rc;
	}
	s->in_write = 0;
	if (rc == POUCH_OK && sq_exec(s, "RELEASE op", "") != POUCH_OK)
		rc = POUCH_E_DB;
	if (rc != POUCH_OK) {
		/* undo this operation only; the batch goes on */
		sqlite3_exec(s->db, "ROLLBACK TO op", NULL, NULL, NULL);
		sqlite3_exec(s->db, "RELEASE op", NULL, NULL, NULL);
	}
	/* Even a failed operation waits: its answer may rest on writes
	 * of the batch that are not durable yet. */
	me.next = s->waiters;
	s->waiters = &me;
	if (++s->batch_ops >= SQ_BATCH_MAX || atomic_load(&s->joining) == 0)
		commit_batch(s);
	while (!me.done)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	return me.rc != POUCH_OK ? me.rc : rc;
}

static int
map_error(int src)
{
	switch (src) {
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_UNIQUE:
		return POUCH_E_EXISTS;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return POUCH_E_NOT_FOUND;
	case SQLITE_NOMEM:
		return POUCH_E_NOMEM;
	case SQLITE_TOOBIG:
		return POUCH_E_TOO_LARGE;
	default:
		return POUCH_E_DB;
	}
}

/* Bind fmt's arguments (see sq_prep) to st in order. */
static int
bind_args(sqlite3_stmt *st, const char *fmt, va_list ap)
{
	const void *p;
	const char *t;
	size_t n;
	int i, src = SQLITE_OK;

	for (i = 0; fmt[i] != '\0' && src == SQLITE_OK; i++) {
		switch (fmt[i]) {
		case 'i':
			src = sqlite3_bind_int64(st, i + 1,
			    va_arg(ap, int64_t));
			break;
		case 'b':
			p = va_arg(ap, const void *);
			n = va_arg(ap, size_t);
			src = n > INT32_MAX ? SQLITE_TOOBIG :
			    sqlite3_bind_blob(st, i + 1, n == 0 ? "" : p,
			    (int)n, SQLITE_STATIC);
			break;
		case 't':
			t = va_arg(ap, const char *);
			src = t == NULL ? sqlite3_bind_null(st, i + 1) :
			    sqlite3_bind_text(st, i + 1, t, -1, SQLITE_STATIC);
			break;
		default:
			src = SQLITE_MISUSE;
			break;
		}
	}
	return src == SQLITE_OK ? POUCH_OK : map_error(src);
}

/*
 * A prepared statement for sql: the cached one (the SQL texts are string
 * literals, so the pointer is the key) unless it is in use further up
 * the stack, else a fresh one, cached if there is room.  Preparing costs
 * more than running most of these statements.
 */
static int
stmt_get(struct sq *s, const char *sql, sqlite3_stmt **out)
{
	struct sq_cached *free_slot = NULL, *c;
	size_t i;

	*out = NULL;
	for (i = 0; i < SQ_CACHE; i++) {
		c = &s->cache[i];
		if (c->sql == sql && !c->busy) {
			c->busy = 1;
			*out = c->st;
			return POUCH_OK;
		}
		if (c->sql == NULL && free_slot == NULL)
			free_slot = c;
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    out, NULL) != SQLITE_OK)
		return POUCH_E_DB;
	if (free_slot != NULL) {
		free_slot->sql = sql;
		free_slot->st = *out;
		free_slot->busy = 1;
	}
	return POUCH_OK;
}

void
sq_done(struct sq *s, sqlite3_stmt *q)
{
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < SQ_CACHE; i++)
		if (s->cache[i].st == q) {
			sqlite3_reset(q);
			sqlite3_clear_bindings(q);
			s->cache[i].busy = 0;
			return;
		}
	sqlite3_finalize(q);		/* the cache was full: not kept */
}

int
sq_prep(struct sq *s, sqlite3_stmt **q, const char *sql, const char *fmt,
    ...)
{
	va_list ap;
	sqlite3_stmt *st = NULL;
	int rc;

	*q = NULL;
	if ((rc = stmt_get(s, sql, &st)) != POUCH_OK)
		return rc;
	va_start(ap, fmt);
	rc = bind_args(st, fmt, ap);
	va_end(ap);
	if (rc != POUCH_OK) {
		sq_done(s, st);
		return rc;
	}
	*q = st;
	return POUCH_OK;
}

int
sq_step(struct sq *s, sqlite3_stmt *q)
{
	int src;

	src = sqlite3_step(q);
	if (src == SQLITE_ROW)
		return 1;
	if (src == SQLITE_DONE)
		return 0;
	return map_error(sqlite3_extended_errcode(s->db));
}

int
sq_exec(struct sq *s, const char *sql, const char *fmt, ...)
{
	va_list ap;
	sqlite3_stmt *q = NULL;
	char *err = NULL;
	int rc;

	/* Parameterless SQL may hold several statements (migrations). */
	if (fmt[0] == '\0') {
		if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
			rc = map_error(sqlite3_extended_errcode(s->db));
			sqlite3_free(err);
			return rc;
		}
		return POUCH_OK;
	}
	if ((rc = stmt_get(s, sql, &q)) != POUCH_OK)
		return rc;
	va_start(ap, fmt);
	rc = bind_args(q, fmt, ap);
	va_end(ap);
	if (rc == POUCH_OK) {
		while ((rc = sq_step(s, q)) == 1)
			;
	}
	sq_done(s, q);
	return rc;
}

int
sq_int(struct sq *s, int64_t *out, const char *sql, const char *fmt, ...)
{
	va_list ap;
	sqlite3_stmt *q = NULL;
	int rc;

	*out = 0;
	if ((rc = stmt_get(s, sql, &q)) != POUCH_OK)
		return rc;
	va_start(ap, fmt);
	rc = bind_args(q, fmt, ap);
	va_end(ap);
	if (rc == POUCH_OK && (rc = sq_step(s, q)) == 1) {
		*out = sqlite3_column_int64(q, 0);
		rc = POUCH_OK;
	} else if (rc == 0)
		rc = POUCH_E_NOT_FOUND;
	sq_done(s, q);
	return rc;
}

int
sq_changes(struct sq *s)
{
	return sqlite3_changes(s->db);
}

int
sq_audit(struct sq *s, int64_t now, const char *actor, const char *action,
    const char *subject)
{
	int rc;

	/* key events staged for this operation: its transaction (store.h) */
	if ((rc = sq_kt_append_staged(s, now)) != POUCH_OK)
		return rc;
	return sq_exec(s, "INSERT INTO audit (ts, actor, action, subject) "
	    "VALUES (?, ?, ?, ?)", "ittt", now, actor, action,
	    subject != NULL ? subject : "");
}

int
sq_col_fixed(sqlite3_stmt *q, int col, uint8_t *out, size_t n)
{
	const void *p = sqlite3_column_blob(q, col);

	if (p == NULL || (size_t)sqlite3_column_bytes(q, col) != n)
		return POUCH_E_DB;
	memcpy(out, p, n);
	return POUCH_OK;
}

void
sq_col_text(sqlite3_stmt *q, int col, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(q, col);
	size_t n;

	if (cap == 0)
		return;
	n = t != NULL ? (size_t)sqlite3_column_bytes(q, col) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(out, t, n);
	out[n] = '\0';
}

/* Read back one integer or text pragma. */
static int
pragma_text(struct sq *s, const char *sql, char *out, size_t cap)
{
	sqlite3_stmt *q;
	int rc;

	out[0] = '\0';
	if ((rc = sq_prep(s, &q, sql, "")) != POUCH_OK)
		return rc;
	if ((rc = sq_step(s, q)) == 1) {
		sq_col_text(q, 0, out, cap);
		rc = POUCH_OK;
	} else if (rc == 0)
		rc = POUCH_E_DB;
	sq_done(s, q);
	return rc;
}

/* WAL, synchronous=FULL, foreign keys: set, then read back. */
static int
make_durable(struct sq *s, int ephemeral)
{
	char v[32];
	int rc;

	if ((rc = pragma_text(s, "PRAGMA journal_mode=WAL", v, sizeof(v))) !=
	    POUCH_OK)
		return rc;
	if (strcmp(v, "wal") != 0 && !(ephemeral && strcmp(v, "memory") == 0))
		return POUCH_E_DB;
	if ((rc = sq_exec(s, "PRAGMA synchronous=FULL", "")) != POUCH_OK)
		return rc;
	if ((rc = pragma_text(s, "PRAGMA synchronous", v, sizeof(v))) !=
	    POUCH_OK)
		return rc;
	if (strcmp(v, "2") != 0)			/* FULL */
		return POUCH_E_DB;
	if ((rc = sq_exec(s, "PRAGMA foreign_keys=ON", "")) != POUCH_OK)
		return rc;
	if ((rc = pragma_text(s, "PRAGMA foreign_keys", v, sizeof(v))) !=
	    POUCH_OK)
		return rc;
	return strcmp(v, "1") == 0 ? POUCH_OK : POUCH_E_DB;
}

/* Apply every migration the database lacks, all in one transaction. */
static int
migrate(struct sq *s)
{
	char v[32], sql[64];
	long have;
	int rc, i;

	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = pragma_text(s, "PRAGMA user_version", v, sizeof(v))) !=
	    POUCH_OK)
		goto out;
	have = strtol(v, NULL, 10);
	if (have < 0 || have > pouch_store_schema_version()) {
		rc = POUCH_E_UNSUPPORTED;	/* written by a newer pouchd */
		goto out;
	}
	for (i = (int)have + 1; i <= pouch_store_schema_version(); i++) {
		if ((rc = sq_exec(s, pouch_store_sqlite_migration(i), "")) !=
		    POUCH_OK)
			goto out;
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", i);
		if ((rc = sq_exec(s, sql, "")) != POUCH_OK)
			goto out;
	}
out:
	return sq_end(s, rc);
}

static void
sq_free(struct sq *s)
{
	size_t i;

	if (s == NULL)
		return;
	sq_free(s->rd);
	for (i = 0; i < SQ_CACHE; i++)
		sqlite3_finalize(s->cache[i].st);
	sqlite3_close(s->db);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static void
sq_close(struct pouch_store *st)
{
	sq_free((struct sq *)st);
}

/* A connection with the durable settings and the busy timeout. */
static int
sq_connect(const char *path, int flags, int ephemeral, struct sq **out)
{
	struct sq *s;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return POUCH_E_NOMEM;
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s);
		return POUCH_E_NOMEM;
	}
	if (pthread_cond_init(&s->cv, NULL) != 0) {
		pthread_mutex_destroy(&s->mu);
		free(s);
		return POUCH_E_NOMEM;
	}
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		sq_free(s);
		return POUCH_E_DB;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, SQ_BUSY_MS);
	if ((rc = make_durable(s, ephemeral)) != POUCH_OK) {
		sq_free(s);
		return rc;
	}
	*out = s;
	return POUCH_OK;
}

static int
sq_backup(struct pouch_store *st, const char *path)
{
	struct sq *s = sq_reader(st);
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int rc = POUCH_E_DB;

	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto out;
	pthread_mutex_lock(&s->mu);
	if ((b = sqlite3_backup_init(dst, "main", s->db, "main")) != NULL) {
		if (sqlite3_backup_step(b, -1) == SQLITE_DONE)
			rc = POUCH_OK;
		if (sqlite3_backup_finish(b) != SQLITE_OK)
			rc = POUCH_E_DB;
	}
	pthread_mutex_unlock(&s->mu);
out:
	if (sqlite3_close(dst) != SQLITE_OK)
		rc = POUCH_E_DB;
	return rc;
}

int
pouch_store_restore(const char *src, const char *dst)
{
	sqlite3 *from = NULL, *to = NULL;
	sqlite3_backup *b;
	sqlite3_stmt *q = NULL;
	int rc = POUCH_E_DB;

	if (src == NULL || dst == NULL)
		return POUCH_E_MISUSE;
	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		goto out;
	/* A backup from a newer pouchd or a damaged file is refused. */
	if (sqlite3_prepare_v2(from, "PRAGMA user_version", -1, &q, NULL) !=
	    SQLITE_OK || sqlite3_step(q) != SQLITE_ROW)
		goto out;
	if (sqlite3_column_int(q, 0) < 1 ||
	    sqlite3_column_int(q, 0) > pouch_store_schema_version()) {
		rc = POUCH_E_UNSUPPORTED;
		goto out;
	}
	sqlite3_finalize(q);
	q = NULL;
	if (sqlite3_prepare_v2(from, "PRAGMA integrity_check", -1, &q,
	    NULL) != SQLITE_OK || sqlite3_step(q) != SQLITE_ROW ||
	    sqlite3_column_text(q, 0) == NULL ||
	    strcmp((const char *)sqlite3_column_text(q, 0), "ok") != 0)
		goto out;
	sqlite3_finalize(q);
	q = NULL;
	if (sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_exec(to, "PRAGMA synchronous=FULL", NULL, NULL, NULL) !=
	    SQLITE_OK)
		goto out;
	if ((b = sqlite3_backup_init(to, "main", from, "main")) == NULL)
		goto out;
	if (sqlite3_backup_step(b, -1) == SQLITE_DONE)
		rc = POUCH_OK;
	if (sqlite3_backup_finish(b) != SQLITE_OK)
		rc = POUCH_E_DB;
	if (rc == POUCH_OK && sqlite3_exec(to,
	    "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
		rc = POUCH_E_DB;
out:
	sqlite3_finalize(q);
	if (sqlite3_close(from) != SQLITE_OK || sqlite3_close(to) != SQLITE_OK)
		rc = POUCH_E_DB;
	return rc;
}

static const struct pouch_store_ops sq_ops = {
	.name = "sqlite",
	.close = sq_close,
	.user_add = sq_user_add,
	.user_get = sq_user_get,
	.user_get_id = sq_user_get_id,
	.user_list = sq_user_list,
	.user_suspend = sq_user_suspend,
	.code_add = sq_code_add,
	.code_peek = sq_code_peek,
	.enrol = sq_enrol,
	.device_get = sq_device_get,
	.device_list = sq_device_list,
	.device_revoke = sq_device_revoke,
	.challenge_add = sq_challenge_add,
	.challenge_take = sq_challenge_take,
	.token_add = sq_token_add,
	.token_check = sq_token_check,
	.kp_add = sq_kp_add,
	.kp_replace = sq_kp_replace,
	.kp_claim = sq_kp_claim,
	.kp_count = sq_kp_count,
	.group_create = sq_group_create,
	.group_get = sq_group_get,
	.post = sq_post,
	.sync_fetch = sq_sync_fetch,
	.sync_ack = sq_sync_ack,
	.attachment_add = sq_attachment_add,
	.attachment_get = sq_attachment_get,
	.audit_add = sq_audit_add,
	.audit_list = sq_audit_list,
	.backup = sq_backup,
	.stats = sq_stats,
	.gc = sq_gc,
	.repropose = sq_repropose,
	.kt_publish = sq_kt_publish,
	.kt_leaves = sq_kt_leaves,
	.kt_find = sq_kt_find,
	.kt_checkpoint = sq_kt_checkpoint,
	.account_rotate = sq_account_rotate,
	.pair_add = sq_pair_add,
	.pair_list = sq_pair_list,
	.pair_approve = sq_pair_approve,
	.pair_take = sq_pair_take,
};

/*
 * Message ids and queue cursors never go back, even when the database is
 * a restored backup or an old copy: at every open their sequences are
 * raised to at least the time in microseconds.  Clients keep their cursor
 * and the ids they have seen; numbers handed out again after a restore
 * would hide new messages from them.
 */
static int
seq_floor(struct sq *s)
{
	static const char *const names[] = { "messages", "queue" };
	struct timespec ts;
	int64_t floor;
	size_t i;
	int rc;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return POUCH_E_IO;
	floor = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((rc = sq_exec(s, "INSERT INTO sqlite_sequence (name, seq) "
		    "SELECT ?1, 0 WHERE NOT EXISTS (SELECT 1 FROM "
		    "sqlite_sequence WHERE name = ?1)", "t", names[i])) !=
		    POUCH_OK ||
		    (rc = sq_exec(s, "UPDATE sqlite_sequence SET seq = ?2 "
		    "WHERE name = ?1 AND seq < ?2", "ti", names[i], floor)) !=
		    POUCH_OK)
			return rc;
	}
	return POUCH_OK;
}

int
pouch_store_sqlite_open(const struct pouch_store_config *cfg,
    struct pouch_store **out)
{
	struct sq *s = NULL;
	int flags, rc;

	if (out == NULL || cfg == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (!cfg->ephemeral && cfg->path == NULL)
		return POUCH_E_MISUSE;
	/* each connection is serialised by its own mutex (sq.mu) */
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX;
	if ((rc = sq_connect(cfg->ephemeral ? ":memory:" : cfg->path, flags,
	    cfg->ephemeral, &s)) != POUCH_OK)
		return rc;
	s->base.ops = &sq_ops;
	if ((rc = migrate(s)) != POUCH_OK || (rc = seq_floor(s)) != POUCH_OK)
		goto out;
	/* In memory there is one database per connection: read from it. */
	if (!cfg->ephemeral) {
		if ((rc = sq_connect(cfg->path, flags, 0, &s->rd)) != POUCH_OK)
			goto out;
		if ((rc = sq_exec(s->rd, "PRAGMA query_only=1", "")) !=
		    POUCH_OK)
			goto out;
	}
out:
	if (rc != POUCH_OK) {
		sq_free(s);
		return rc;
	}
	*out = &s->base;
	return POUCH_OK;
}
