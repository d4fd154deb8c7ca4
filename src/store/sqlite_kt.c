/*
 * sqlite_kt.c - the key transparency log in the SQLite store: leaves
 * appended inside the operations that cause them (from sq_audit), and
 * checkpoints written in the transaction that reads the leaves they
 * cover.  The schema (migration 4) enforces what the code relies on:
 * leaf numbers without gaps, checkpoint sizes unique and growing, no row
 * ever changed.
 */
#include <string.h>

#include "store/sqlite_kt.h"

#define KT_LEAF_MAX	4096	/* bytes; src/kt events are far smaller */

int
sq_kt_append_staged(struct sq *s, int64_t now)
{
	struct pouch_store_kt_leaf *l;
	int64_t next;
	size_t n, i;
	int rc;

	if ((l = pouch_store_kt_take(&n)) == NULL)
		return POUCH_OK;
	if ((rc = sq_int(s, &next, "SELECT COALESCE(MAX(idx) + 1, 0) "
	    "FROM kt_leaves", "")) != POUCH_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (l[i].data == NULL || l[i].len == 0 ||
		    l[i].len > KT_LEAF_MAX)
			return POUCH_E_MISUSE;
		if ((rc = sq_exec(s, "INSERT INTO kt_leaves (idx, hash, data, "
		    "created) VALUES (?, ?, ?, ?)", "ibbi", next + (int64_t)i,
		    l[i].hash, (size_t)POUCH_STORE_HASH_BYTES, l[i].data,
		    l[i].len, now)) != POUCH_OK)
			return rc;
		l[i].index = next + (int64_t)i;
	}
	return POUCH_OK;
}

int
sq_kt_publish(struct pouch_store *st, uint64_t have,
    pouch_store_kt_leaf_fn leaf, pouch_store_kt_sign_fn sign, void *arg,
    uint64_t *size)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	uint8_t root[POUCH_STORE_HASH_BYTES], h[POUCH_STORE_HASH_BYTES];
	const char *note = NULL;
	size_t notelen = 0;
	int64_t n, last, idx;
	int rc;

	if (size == NULL)
		return POUCH_E_MISUSE;
	*size = 0;
	if (leaf == NULL || sign == NULL || have > INT64_MAX)
		return POUCH_E_MISUSE;
	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	/* leaves are numbered without gaps: the count is MAX + 1 */
	if ((rc = sq_int(s, &n, "SELECT COALESCE(MAX(idx) + 1, 0) "
	    "FROM kt_leaves", "")) != POUCH_OK ||
	    (rc = sq_int(s, &last, "SELECT COALESCE(MAX(size), -1) "
	    "FROM kt_checkpoints", "")) != POUCH_OK)
		goto out;
	if ((int64_t)have > n) {
		rc = POUCH_E_CONFLICT;
		goto out;
	}
	if ((rc = sq_prep(s, &q, "SELECT idx, hash FROM kt_leaves "
	    "WHERE idx >= ? ORDER BY idx", "i", (int64_t)have)) != POUCH_OK)
		goto out;
	while ((rc = sq_step(s, q)) == 1) {
		idx = sqlite3_column_int64(q, 0);
		if ((uint64_t)idx != have) {
			rc = POUCH_E_DB;
			goto out;
		}
		if ((rc = sq_col_fixed(q, 1, h, sizeof(h))) != POUCH_OK)
			goto out;
		if ((rc = leaf(arg, have, h)) != POUCH_OK)
			goto out;
		have++;
	}
	if (rc != 0)
		goto out;
	sq_done(s, q);
	q = NULL;
	if ((int64_t)have != n) {
		rc = POUCH_E_DB;
		goto out;
	}
	if (last != n) {
		if ((rc = sign(arg, (uint64_t)n, &note, &notelen, root)) !=
		    POUCH_OK)
			goto out;
		if ((rc = sq_exec(s, "INSERT INTO kt_checkpoints (size, root, "
		    "note, created) VALUES (?, ?, ?, strftime('%s', 'now'))",
		    "ibb", n, root, sizeof(root), note, notelen)) != POUCH_OK)
			goto out;
	}
	rc = POUCH_OK;
out:
	sq_done(s, q);
	rc = sq_end(s, rc);
	if (rc == POUCH_OK)
		*size = (uint64_t)n;
	return rc;
}

int
sq_kt_leaves(struct pouch_store *st, uint64_t start, uint64_t end,
    pouch_store_kt_entry_fn fn, void *arg)
{
	struct sq *s = sq_reader(st);
	uint8_t h[POUCH_STORE_HASH_BYTES];
	sqlite3_stmt *q = NULL;
	const void *data;
	int64_t idx;
	int rc;

	if (fn == NULL || start > end || end > INT64_MAX)
		return POUCH_E_MISUSE;
	if ((rc = sq_begin(s, 0)) != POUCH_OK)
		return rc;
	if ((rc = sq_prep(s, &q, "SELECT idx, hash, data FROM kt_leaves "
	    "WHERE idx >= ? AND idx < ? ORDER BY idx", "ii", (int64_t)start,
	    (int64_t)end)) != POUCH_OK)
		goto out;
	while ((rc = sq_step(s, q)) == 1) {
		idx = sqlite3_column_int64(q, 0);
		if ((rc = sq_col_fixed(q, 1, h, sizeof(h))) != POUCH_OK)
			goto out;
		data = sqlite3_column_blob(q, 2);
		if ((rc = fn(arg, (uint64_t)idx, data,
		    (size_t)sqlite3_column_bytes(q, 2), h)) != POUCH_OK)
			goto out;
	}
out:
	sq_done(s, q);
	return sq_end(s, rc);
}

int
sq_kt_find(struct pouch_store *st, const uint8_t hash[POUCH_STORE_HASH_BYTES],
    uint64_t *index)
{
	struct sq *s = sq_reader(st);
	int64_t idx;
	int rc;

	if (index == NULL)
		return POUCH_E_MISUSE;
	*index = 0;
	if (hash == NULL)
		return POUCH_E_MISUSE;
	pthread_mutex_lock(&s->mu);
	rc = sq_int(s, &idx, "SELECT MIN(idx) FROM kt_leaves WHERE hash = ? "
	    "HAVING COUNT(*) > 0", "b", hash, (size_t)POUCH_STORE_HASH_BYTES);
	pthread_mutex_unlock(&s->mu);
	if (rc == POUCH_OK)
		*index = (uint64_t)idx;
	return rc;
}

int
sq_kt_checkpoint(struct pouch_store *st, uint64_t size,
    pouch_store_kt_cp_fn fn, void *arg)
{
	struct sq *s = sq_reader(st);
	uint8_t root[POUCH_STORE_HASH_BYTES];
	sqlite3_stmt *q = NULL;
	int rc;

	if (fn == NULL)
		return POUCH_E_MISUSE;
	if ((rc = sq_begin(s, 0)) != POUCH_OK)
		return rc;
	if (size == UINT64_MAX)
		rc = sq_prep(s, &q, "SELECT size, root, note FROM "
		    "kt_checkpoints ORDER BY size DESC LIMIT 1", "");
	else if (size > INT64_MAX)
		rc = POUCH_E_NOT_FOUND;
	else
		rc = sq_prep(s, &q, "SELECT size, root, note FROM "
		    "kt_checkpoints WHERE size = ?", "i", (int64_t)size);
	if (rc != POUCH_OK)
		goto out;
	if ((rc = sq_step(s, q)) == 0)
		rc = POUCH_E_NOT_FOUND;
	if (rc != 1)
		goto out;
	if ((rc = sq_col_fixed(q, 1, root, sizeof(root))) != POUCH_OK)
		goto out;
	rc = fn(arg, (uint64_t)sqlite3_column_int64(q, 0), root,
	    (const char *)sqlite3_column_blob(q, 2),
	    (size_t)sqlite3_column_bytes(q, 2));
out:
	sq_done(s, q);
	return sq_end(s, rc);
}
