/*
 * pg_kt.c - the key transparency log in the PostgreSQL store: leaves
 * appended inside the operations that cause them (from pg_audit) and
 * checkpoints written in the transaction that reads the leaves they
 * cover; same semantics as sqlite_kt.c.  Several nodes append to one
 * log: every appending or publishing transaction first takes one
 * transaction-level advisory lock, so leaf numbers come out without gaps
 * and a checkpoint size is written once, whichever node gets there
 * first.  The schema (migration 4) enforces the same rules as SQLite's
 * triggers: numbered in order, checkpoints only grow, nothing changes.
 */
#include <string.h>

#include "store/pg_int.h"

#define KT_LEAF_MAX	4096	/* bytes; src/kt events are far smaller */
#define KT_LOCK		"SELECT pg_advisory_xact_lock(7370012)"

int
pg_kt_append_staged(struct pgx *x, int64_t now)
{
	struct pouch_store_kt_leaf *l;
	int64_t next;
	size_t n, i;
	int rc;

	if ((l = pouch_store_kt_take(&n)) == NULL)
		return POUCH_OK;
	for (i = 0; i < n; i++)
		if (l[i].data == NULL || l[i].len == 0 ||
		    l[i].len > KT_LEAF_MAX)
			return POUCH_E_MISUSE;
	if ((rc = pg_q(x, NULL, KT_LOCK, "")) != POUCH_OK ||
	    (rc = pg_int(x, &next, "SELECT COALESCE(MAX(idx) + 1, 0) "
	    "FROM kt_leaves", "")) != POUCH_OK)
		return rc;
	for (i = 0; i < n; i++) {
		rc = pg_q(x, NULL, "INSERT INTO kt_leaves (idx, hash, "
		    "data, created) VALUES ($1, $2, $3, $4)", "ibbi",
		    next + (int64_t)i, l[i].hash,
		    (size_t)POUCH_STORE_HASH_BYTES, l[i].data, l[i].len, now);
		if (rc != POUCH_OK)
			return rc;
		l[i].index = next + (int64_t)i;
	}
	return POUCH_OK;
}

int
pg_kt_publish(struct pouch_store *st, uint64_t have,
    pouch_store_kt_leaf_fn leaf, pouch_store_kt_sign_fn sign, void *arg,
    uint64_t *size)
{
	uint8_t root[POUCH_STORE_HASH_BYTES], h[POUCH_STORE_HASH_BYTES];
	const char *note = NULL;
	size_t notelen = 0;
	PGresult *r = NULL;
	struct pgx x;
	int64_t n = 0, last;
	int rc, k;

	if (size == NULL)
		return POUCH_E_MISUSE;
	*size = 0;
	if (leaf == NULL || sign == NULL || have > INT64_MAX)
		return POUCH_E_MISUSE;
	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, NULL, KT_LOCK, "")) != POUCH_OK ||
	    (rc = pg_int(&x, &n, "SELECT COUNT(*) FROM kt_leaves", "")) !=
	    POUCH_OK ||
	    (rc = pg_int(&x, &last, "SELECT COALESCE(MAX(size), -1) "
	    "FROM kt_checkpoints", "")) != POUCH_OK)
		goto out;
	if ((int64_t)have > n) {
		rc = POUCH_E_CONFLICT;
		goto out;
	}
	if ((rc = pg_q(&x, &r, "SELECT idx, hash FROM kt_leaves "
	    "WHERE idx >= $1 ORDER BY idx", "i", (int64_t)have)) != POUCH_OK)
		goto out;
	for (k = 0; k < PQntuples(r); k++) {
		if ((uint64_t)pg_get_int(r, k, 0) != have) {
			rc = POUCH_E_DB;
			goto out;
		}
		if ((rc = pg_get_fixed(r, k, 1, h, sizeof(h))) != POUCH_OK ||
		    (rc = leaf(arg, have, h)) != POUCH_OK)
			goto out;
		have++;
	}
	if ((int64_t)have != n) {
		rc = POUCH_E_DB;
		goto out;
	}
	if (last != n) {
		if ((rc = sign(arg, (uint64_t)n, &note, &notelen, root)) !=
		    POUCH_OK)
			goto out;
		if ((rc = pg_q(&x, NULL, "INSERT INTO kt_checkpoints (size, "
		    "root, note, created) VALUES ($1, $2, $3, "
		    "extract(epoch FROM now())::bigint)", "ibb", n, root,
		    sizeof(root), note, notelen)) != POUCH_OK)
			goto out;
	}
out:
	PQclear(r);
	rc = pg_end(&x, rc);
	if (rc == POUCH_OK)
		*size = (uint64_t)n;
	return rc;
}

int
pg_kt_leaves(struct pouch_store *st, uint64_t start, uint64_t end,
    pouch_store_kt_entry_fn fn, void *arg)
{
	uint8_t h[POUCH_STORE_HASH_BYTES];
	PGresult *r = NULL;
	struct pgx x;
	int rc, k;

	if (fn == NULL || start > end || end > INT64_MAX)
		return POUCH_E_MISUSE;
	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, &r, "SELECT idx, hash, data FROM kt_leaves "
	    "WHERE idx >= $1 AND idx < $2 ORDER BY idx", "ii", (int64_t)start,
	    (int64_t)end)) != POUCH_OK)
		goto out;
	for (k = 0; k < PQntuples(r); k++) {
		if ((rc = pg_get_fixed(r, k, 1, h, sizeof(h))) != POUCH_OK ||
		    (rc = fn(arg, (uint64_t)pg_get_int(r, k, 0),
		    (const uint8_t *)PQgetvalue(r, k, 2),
		    (size_t)PQgetlength(r, k, 2), h)) != POUCH_OK)
			goto out;
	}
out:
	PQclear(r);
	return pg_end(&x, rc);
}

int
pg_kt_find(struct pouch_store *st, const uint8_t hash[POUCH_STORE_HASH_BYTES],
    uint64_t *index)
{
	struct pgx x;
	int64_t idx = 0;
	int rc;

	if (index == NULL)
		return POUCH_E_MISUSE;
	*index = 0;
	if (hash == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	rc = pg_int(&x, &idx, "SELECT MIN(idx) FROM kt_leaves WHERE "
	    "hash = $1", "b", hash, (size_t)POUCH_STORE_HASH_BYTES);
	if ((rc = pg_end(&x, rc)) == POUCH_OK)
		*index = (uint64_t)idx;
	return rc;
}

int
pg_kt_checkpoint(struct pouch_store *st, uint64_t size,
    pouch_store_kt_cp_fn fn, void *arg)
{
	uint8_t root[POUCH_STORE_HASH_BYTES];
	PGresult *r = NULL;
	struct pgx x;
	int rc;

	if (fn == NULL)
		return POUCH_E_MISUSE;
	if (size != UINT64_MAX && size > INT64_MAX)
		return POUCH_E_NOT_FOUND;
	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if (size == UINT64_MAX)
		rc = pg_q(&x, &r, "SELECT size, root, note FROM "
		    "kt_checkpoints ORDER BY size DESC LIMIT 1", "");
	else
		rc = pg_q(&x, &r, "SELECT size, root, note FROM "
		    "kt_checkpoints WHERE size = $1", "i", (int64_t)size);
	if (rc != POUCH_OK)
		goto out;
	if (PQntuples(r) != 1) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	if ((rc = pg_get_fixed(r, 0, 1, root, sizeof(root))) != POUCH_OK)
		goto out;
	rc = fn(arg, (uint64_t)pg_get_int(r, 0, 0), root,
	    PQgetvalue(r, 0, 2), (size_t)PQgetlength(r, 0, 2));
out:
	PQclear(r);
	return pg_end(&x, rc);
}
