/*
 * pg.c - the PostgreSQL backend of the store: the connection pool with
 * reconnection, durability checks, schema migrations, the transaction
 * bracket and the query helpers.
 *
 * Durability: every connection reads back `SHOW fsync` and `SHOW
 * synchronous_commit` and is refused (POUCH_E_DB) unless both are on,
 * so a COMMIT that returned is on disk.  An operation answers POUCH_OK
 * only after its COMMIT returned success; a lost connection (even during
 * the COMMIT) is POUCH_E_DB, which pouchd answers with 503.
 *
 * Every operation borrows a connection of the pool (16 a node): writes
 * run as one transaction each, in parallel with the node's other
 * operations, and PostgreSQL's own WAL flushing groups their commits;
 * reads run outside transactions and see only committed rows.  (A
 * per-node group commit like the SQLite backend's was tried: it
 * serialises each node's statements on one connection and measured
 * slower.)  Posts to one group still queue behind each other's COMMIT
 * (recipients' row locks, pg_mls.c).  A broken
 * connection is reconnected on the next use, at most once per backoff
 * (100 ms doubling to 5 s), so a database that is down costs each request
 * one failed attempt at most, not a hang.
 *
 * Several nodes share one database: what must be unique (one commit per
 * epoch, a KeyPackage claimed once, a token used once) is enforced by the
 * database with constraints and row locks, never by memory in one node.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "store/pg_int.h"

#define OID_BYTEA	17
#define OID_INT8	20
#define OID_TEXT	25
#define PG_MAXPARAMS	16

/* Server notices (NOTICE, WARNING) are not for stderr. */
static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SHOW name must be one of the allowed values. */
static int
show_is(PGconn *c, const char *sql, const char *a, const char *b)
{
	PGresult *r;
	const char *v;
	int ok = 0;

	r = PQexec(c, sql);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		v = PQgetvalue(r, 0, 0);
		ok = strcmp(v, a) == 0 || (b != NULL && strcmp(v, b) == 0);
	}
	PQclear(r);
	return ok;
}

/* A new connection that is durable, or NULL. */
static PGconn *
connect_durable(const char *conninfo, int *refused)
{
	PGconn *c;

	*refused = 0;
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	if (!show_is(c, "SHOW fsync", "on", NULL) ||
	    !show_is(c, "SHOW synchronous_commit", "on", "remote_apply")) {
		*refused = 1;
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Make pc usable: POUCH_OK, or POUCH_E_DB (down, or within backoff). */
static int
conn_ready(struct pg *p, struct pg_conn *pc)
{
	int64_t t;
	int refused;

	if (pc->c != NULL && PQstatus(pc->c) == CONNECTION_OK)
		return POUCH_OK;
	t = now_ms();
	if (pc->c != NULL) {
		PQfinish(pc->c);
		pc->c = NULL;
	}
	if (t < pc->retry_at)
		return POUCH_E_DB;
	if ((pc->c = connect_durable(p->conninfo, &refused)) != NULL) {
		pc->backoff = 0;
		pc->retry_at = 0;
		return POUCH_OK;
	}
	pc->backoff = pc->backoff == 0 ? PG_BACKOFF_MIN :
	    pc->backoff * 2 > PG_BACKOFF_MAX ? PG_BACKOFF_MAX :
	    pc->backoff * 2;
	pc->retry_at = t + pc->backoff;
	return POUCH_E_DB;
}

static struct pg_conn *
borrow(struct pg *p)
{
	struct pg_conn *pc = NULL;
	size_t i;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (i = 0; i < PG_POOL; i++)
			if (!p->pool[i].busy) {
				pc = &p->pool[i];
				break;
			}
		if (pc != NULL)
			break;
		pthread_cond_wait(&p->cv, &p->mu);
	}
	pc->busy = 1;
	pthread_mutex_unlock(&p->mu);
	return pc;
}

static void
give_back(struct pg *p, struct pg_conn *pc)
{
	pthread_mutex_lock(&p->mu);
	pc->busy = 0;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static int
map_error(const PGresult *r)
{
	const char *state = r != NULL ?
	    PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	if (state == NULL)
		return POUCH_E_DB;
	if (strcmp(state, "23505") == 0)	/* unique_violation */
		return POUCH_E_EXISTS;
	if (strcmp(state, "23503") == 0)	/* foreign_key_violation */
		return POUCH_E_NOT_FOUND;
	if (strcmp(state, "54000") == 0)	/* program_limit_exceeded */
		return POUCH_E_TOO_LARGE;
	return POUCH_E_DB;
}

/* Run a parameterless command. */
static int
simple(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int rc;

	rc = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK ? POUCH_OK : map_error(r);
	PQclear(r);
	return rc;
}

/* Borrow a ready connection; BEGIN unless read-only (autocommit). */
static int
begin(struct pg *p, struct pgx *x, int tx)
{
	int rc;

	memset(x, 0, sizeof(*x));
	x->p = p;
	x->pc = borrow(p);
	x->tx = tx;
	rc = conn_ready(p, x->pc);	/* the borrowed pc is ours alone */
	if (rc == POUCH_OK && tx)
		rc = simple(x->pc->c, "BEGIN");
	if (rc != POUCH_OK) {
		give_back(p, x->pc);
		x->pc = NULL;
		return POUCH_E_DB;
	}
	return POUCH_OK;
}

int
pg_begin(struct pg *p, struct pgx *x)
{
	return begin(p, x, 1);
}

int
pg_begin_read(struct pg *p, struct pgx *x)
{
	return begin(p, x, 0);
}

int
pg_end(struct pgx *x, int rc)
{
	PGresult *r;

	if (x->pc == NULL)
		return rc != POUCH_OK ? rc : POUCH_E_DB;
	if (!x->tx)
		;
	else if (rc == POUCH_OK) {
		/* Only a COMMIT answered "COMMIT" is durable ("ROLLBACK":
		 * the transaction had failed). */
		r = PQexec(x->pc->c, "COMMIT");
		if (PQresultStatus(r) != PGRES_COMMAND_OK ||
		    strcmp(PQcmdStatus(r), "COMMIT") != 0)
			rc = POUCH_E_DB;
		PQclear(r);
	} else if (PQstatus(x->pc->c) == CONNECTION_OK)
		(void)simple(x->pc->c, "ROLLBACK");
	give_back(x->p, x->pc);
	x->pc = NULL;
	return rc;
}

static int
vquery(struct pgx *x, PGresult **out, const char *sql, const char *fmt,
    va_list ap)
{
	const char *vals[PG_MAXPARAMS];
	Oid types[PG_MAXPARAMS];
	int lens[PG_MAXPARAMS], fmts[PG_MAXPARAMS];
	uint64_t ints[PG_MAXPARAMS];
	PGresult *r;
	int64_t v;
	size_t n;
	int i, rc;

	if (out != NULL)
		*out = NULL;
	x->changes = 0;
	if (x->pc == NULL || strlen(fmt) > PG_MAXPARAMS)
		return POUCH_E_MISUSE;
	for (i = 0; fmt[i] != '\0'; i++) {
		switch (fmt[i]) {
		case 'i':
			v = va_arg(ap, int64_t);
			ints[i] = ((uint64_t)htonl((uint32_t)((uint64_t)v >>
			    32))) | ((uint64_t)htonl((uint32_t)v) << 32);
			vals[i] = (const char *)&ints[i];
			lens[i] = 8;
			fmts[i] = 1;
			types[i] = OID_INT8;
			break;
		case 'b':
			vals[i] = va_arg(ap, const char *);
			n = va_arg(ap, size_t);
			if (n > INT32_MAX)
				return POUCH_E_TOO_LARGE;
			if (vals[i] == NULL)
				vals[i] = "";
			lens[i] = (int)n;
			fmts[i] = 1;
			types[i] = OID_BYTEA;
			break;
		case 't':
		case 'a':
			vals[i] = va_arg(ap, const char *);
			lens[i] = 0;
			fmts[i] = 0;
			types[i] = fmt[i] == 't' ? OID_TEXT : 0;
			break;
		default:
			return POUCH_E_MISUSE;
		}
	}
	r = PQexecParams(x->pc->c, sql, i, types, vals, lens, fmts, 1);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = map_error(r);
		PQclear(r);
		return rc;
	}
	x->changes = strtol(PQcmdTuples(r), NULL, 10);
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		x->changes = PQntuples(r);
	if (out != NULL)
		*out = r;
	else
		PQclear(r);
	return POUCH_OK;
}

int
pg_q(struct pgx *x, PGresult **r, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vquery(x, r, sql, fmt, ap);
	va_end(ap);
	return rc;
}

int
pg_int(struct pgx *x, int64_t *out, const char *sql, const char *fmt, ...)
{
	PGresult *r = NULL;
	va_list ap;
	int rc;

	*out = 0;
	va_start(ap, fmt);
	rc = vquery(x, &r, sql, fmt, ap);
	va_end(ap);
	if (rc != POUCH_OK)
		return rc;
	if (PQntuples(r) < 1 || PQgetisnull(r, 0, 0))
		rc = POUCH_E_NOT_FOUND;
	else
		*out = pg_get_int(r, 0, 0);
	PQclear(r);
	return rc;
}

int64_t
pg_get_int(const PGresult *r, int row, int col)
{
	const unsigned char *p;
	uint64_t v = 0;
	int i, n;

	if (PQgetisnull(r, row, col))
		return 0;
	p = (const unsigned char *)PQgetvalue(r, row, col);
	n = PQgetlength(r, row, col);
	if (n != 1 && n != 2 && n != 4 && n != 8)
		return 0;
	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	/* sign-extend the narrower integer types */
	if (n < 8 && n > 1 && (p[0] & 0x80))
		v |= ~(uint64_t)0 << (n * 8);
	return (int64_t)v;
}

int
pg_get_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col);
}

int
pg_get_fixed(const PGresult *r, int row, int col, uint8_t *out, size_t n)
{
	if (PQgetisnull(r, row, col) ||
	    (size_t)PQgetlength(r, row, col) != n)
		return POUCH_E_DB;
	memcpy(out, PQgetvalue(r, row, col), n);
	return POUCH_OK;
}

void
pg_get_text(const PGresult *r, int row, int col, char *out, size_t cap)
{
	size_t n;

	if (cap == 0)
		return;
	n = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
	if (n >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(out, PQgetvalue(r, row, col), n);
	out[n] = '\0';
}

int
pg_audit(struct pgx *x, int64_t now, const char *actor, const char *action,
    const char *subject)
{
	int rc;

	/* key events staged for this operation: its transaction (store.h) */
	if ((rc = pg_kt_append_staged(x, now)) != POUCH_OK)
		return rc;
	return pg_q(x, NULL, "INSERT INTO audit (ts, actor, action, subject) "
	    "VALUES ($1, $2, $3, $4)", "ittt", now, actor, action,
	    subject != NULL ? subject : "");
}

char *
pg_id_array(const int64_t *v, size_t n)
{
	size_t cap = n * 21 + 3, off = 0, i;
	char *s;
	int k;

	if ((s = malloc(cap)) == NULL)
		return NULL;
	s[off++] = '{';
	for (i = 0; i < n; i++) {
		k = snprintf(s + off, cap - off, "%s%lld", i ? "," : "",
		    (long long)v[i]);
		if (k < 0 || (size_t)k >= cap - off) {
			free(s);
			return NULL;
		}
		off += (size_t)k;
	}
	s[off++] = '}';
	s[off] = '\0';
	return s;
}

int
pg_notify_devs(struct pgx *x, const int64_t *devs, size_t n)
{
	size_t off, k;
	char *a;
	int rc = POUCH_OK;

	/* a NOTIFY payload holds < 8000 bytes: 300 ids at most in each */
	for (off = 0; off < n && rc == POUCH_OK; off += k) {
		k = n - off > 300 ? 300 : n - off;
		if ((a = pg_id_array(devs + off, k)) == NULL)
			return POUCH_E_NOMEM;
		rc = pg_q(x, NULL, "SELECT pg_notify('" PG_WAKE_CHANNEL
		    "', $1)", "t", a);
		free(a);
	}
	return rc;
}

/*
 * Message ids and queue cursors never go back, even on a restored
 * database: at least the time in microseconds at this node's start (as
 * in sqlite.c).  The message sequence is raised here, only while it is
 * below; a device's next cursor is raised by the fan-out itself
 * (pg_mls.c: greatest(qseq + 1, seq_floor)), so starting a node takes
 * no device row lock while other nodes serve.
 */
static int
seq_floor(struct pgx *x)
{
	return pg_q(x, NULL, "SELECT setval('messages_id_seq', $1) WHERE "
	    "(SELECT last_value FROM messages_id_seq) < $1", "i",
	    x->p->seq_floor);
}

/* Apply every migration the database lacks, nodes one at a time. */
static int
migrate(struct pg *p)
{
	struct pgx x;
	int64_t have = 0;
	int rc, i;

	if ((rc = pg_begin(p, &x)) != POUCH_OK)
		return rc;
	/* two nodes starting together: the second waits, then sees it */
	if ((rc = pg_q(&x, NULL, "SELECT pg_advisory_xact_lock(7370011)",
	    "")) != POUCH_OK ||
	    (rc = pg_q(&x, NULL, "CREATE TABLE IF NOT EXISTS schema_version ("
	    "version bigint NOT NULL)", "")) != POUCH_OK)
		goto out;
	rc = pg_int(&x, &have, "SELECT max(version) FROM schema_version", "");
	if (rc == POUCH_E_NOT_FOUND)
		have = 0;
	else if (rc != POUCH_OK)
		goto out;
	if (have < 0 || have > pouch_store_schema_version()) {
		rc = POUCH_E_UNSUPPORTED;	/* written by a newer pouchd */
		goto out;
	}
	for (i = (int)have + 1; i <= pouch_store_schema_version(); i++) {
		if (pouch_store_pg_migration(i) == NULL) {
			rc = POUCH_E_UNSUPPORTED;
			goto out;
		}
		if ((rc = simple(x.pc->c, pouch_store_pg_migration(i))) !=
		    POUCH_OK ||
		    (rc = pg_q(&x, NULL, "INSERT INTO schema_version "
		    "(version) VALUES ($1)", "i", (int64_t)i)) != POUCH_OK)
			goto out;
	}
	rc = seq_floor(&x);
out:
	return pg_end(&x, rc);
}

static void
pg_free(struct pg *p)
{
	size_t i;

	if (p == NULL)
		return;
	pg_listen_stop(p);
	for (i = 0; i < PG_POOL; i++)
		if (p->pool[i].c != NULL)
			PQfinish(p->pool[i].c);

	if (p->conninfo != NULL) {
		OPENSSL_cleanse(p->conninfo, strlen(p->conninfo));
		free(p->conninfo);
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static void
pg_close(struct pouch_store *st)
{
	pg_free((struct pg *)st);
}

static const struct pouch_store_ops pg_ops = {
	.name = "postgresql",
	.close = pg_close,
	.user_add = pg_user_add,
	.user_get = pg_user_get,
	.user_get_id = pg_user_get_id,
	.user_list = pg_user_list,
	.user_suspend = pg_user_suspend,
	.code_add = pg_code_add,
	.code_peek = pg_code_peek,
	.enrol = pg_enrol,
	.device_get = pg_device_get,
	.device_list = pg_device_list,
	.device_revoke = pg_device_revoke,
	.challenge_add = pg_challenge_add,
	.challenge_take = pg_challenge_take,
	.token_add = pg_token_add,
	.token_check = pg_token_check,
	.kp_add = pg_kp_add,
	.kp_replace = pg_kp_replace,
	.kp_claim = pg_kp_claim,
	.kp_count = pg_kp_count,
	.group_create = pg_group_create,
	.group_get = pg_group_get,
	.post = pg_post,
	.sync_fetch = pg_sync_fetch,
	.sync_ack = pg_sync_ack,
	.attachment_add = pg_attachment_add,
	.attachment_get = pg_attachment_get,
	.audit_add = pg_audit_add,
	.audit_list = pg_audit_list,
	.backup = pg_backup,
	.stats = pg_stats,
	.gc = pg_gc,
	.repropose = pg_repropose,
	.kt_publish = pg_kt_publish,
	.kt_leaves = pg_kt_leaves,
	.kt_find = pg_kt_find,
	.kt_checkpoint = pg_kt_checkpoint,
	.account_rotate = pg_account_rotate,
	.pair_add = pg_pair_add,
	.pair_list = pg_pair_list,
	.pair_approve = pg_pair_approve,
	.pair_take = pg_pair_take,
};

int
pouch_store_pg_open(const struct pouch_store_config *cfg,
    struct pouch_store **out)
{
	struct pg *p;
	struct timespec ts;
	int rc, refused;

	if (out == NULL || cfg == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (cfg->conninfo == NULL || cfg->conninfo[0] == '\0')
		return POUCH_E_MISUSE;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return POUCH_E_NOMEM;
	p->wake_pipe[0] = p->wake_pipe[1] = -1;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return POUCH_E_NOMEM;
	}
	if (pthread_cond_init(&p->cv, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		free(p);
		return POUCH_E_NOMEM;
	}

	p->base.ops = &pg_ops;
	p->notify = cfg->notify;
	p->notify_arg = cfg->notify_arg;
	if ((p->conninfo = strdup(cfg->conninfo)) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		rc = POUCH_E_IO;
		goto out;
	}
	p->seq_floor = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	/* At start, a database that is down or not durable is fatal. */
	if ((p->pool[0].c = connect_durable(p->conninfo, &refused)) == NULL) {
		rc = POUCH_E_DB;
		goto out;
	}
	if ((rc = migrate(p)) != POUCH_OK)
		goto out;
	if (p->notify != NULL && (rc = pg_listen_start(p)) != POUCH_OK)
		goto out;
out:
	if (rc != POUCH_OK) {
		pg_free(p);
		return rc;
	}
	*out = &p->base;
	return POUCH_OK;
}
