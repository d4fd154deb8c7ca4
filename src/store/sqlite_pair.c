/*
 * sqlite_pair.c - pairing requests in the SQLite store (store.h
 * "pairing"): table pair_requests, one row per device key asking to join
 * an account, until it expires or its approval is taken.
 */
#include <string.h>

#include "store/sqlite_int.h"

#define PAIR_COLS	"user_id, device_key, pair_commit, expires, " \
			"approval, mac"

static int
read_pair(sqlite3_stmt *q, struct pouch_store_pair *p)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->user_id = sqlite3_column_int64(q, 0);
	p->expires = sqlite3_column_int64(q, 3);
	if ((rc = sq_col_fixed(q, 1, p->device_key,
	    sizeof(p->device_key))) != POUCH_OK ||
	    (rc = sq_col_fixed(q, 2, p->commit, sizeof(p->commit))) !=
	    POUCH_OK)
		return rc;
	if (sqlite3_column_type(q, 4) == SQLITE_NULL)
		return POUCH_OK;
	p->approved = 1;
	if ((rc = sq_col_fixed(q, 4, p->approval,
	    sizeof(p->approval))) != POUCH_OK)
		return rc;
	return sq_col_fixed(q, 5, p->mac, sizeof(p->mac));
}

int
sq_pair_add(struct pouch_store *st, const struct pouch_store_pair *p,
    int64_t now, uint32_t per_user, uint32_t max)
{
	struct sq *s = (struct sq *)st;
	int64_t n = 0;
	int rc;

	if (p == NULL || p->expires <= now)
		return POUCH_E_MISUSE;
	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = sq_exec(s, "DELETE FROM pair_requests WHERE expires <= ?",
	    "i", now)) != POUCH_OK)
		goto out;
	if ((rc = sq_int(s, &n, "SELECT count(*) FROM pair_requests WHERE "
	    "device_key = ?", "b", p->device_key,
	    (size_t)POUCH_STORE_KEY_BYTES)) != POUCH_OK)
		goto out;
	if (n > 0) {
		rc = POUCH_E_EXISTS;
		goto out;
	}
	if ((rc = sq_int(s, &n, "SELECT count(*) FROM pair_requests WHERE "
	    "user_id = ?", "i", p->user_id)) != POUCH_OK)
		goto out;
	if (n >= (int64_t)per_user) {
		rc = POUCH_E_QUOTA;
		goto out;
	}
	if ((rc = sq_int(s, &n, "SELECT count(*) FROM pair_requests", "")) !=
	    POUCH_OK)
		goto out;
	if (n >= (int64_t)max) {
		rc = POUCH_E_QUOTA;
		goto out;
	}
	rc = sq_exec(s, "INSERT INTO pair_requests (device_key, user_id, "
	    "pair_commit, expires, created) VALUES (?, ?, ?, ?, ?)", "bibii",
	    p->device_key, (size_t)POUCH_STORE_KEY_BYTES, p->user_id,
	    p->commit, (size_t)POUCH_STORE_PAIR_COMMIT, p->expires, now);
out:
	return sq_end(s, rc);
}

int
sq_pair_list(struct pouch_store *st, int64_t user_id, int64_t now,
    int (*fn)(void *, const struct pouch_store_pair *), void *arg)
{
	struct sq *s = sq_reader(st);
	struct pouch_store_pair p;
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = sq_begin(s, 0)) != POUCH_OK)
		return rc;
	if ((rc = sq_prep(s, &q, "SELECT " PAIR_COLS " FROM pair_requests "
	    "WHERE user_id = ? AND expires > ? AND approval IS NULL "
	    "ORDER BY created, device_key", "ii", user_id, now)) != POUCH_OK)
		goto out;
	while ((rc = sq_step(s, q)) == 1) {
		if ((rc = read_pair(q, &p)) != POUCH_OK ||
		    (rc = fn(arg, &p)) != POUCH_OK)
			goto out;
	}
out:
	sq_done(s, q);
	return sq_end(s, rc);
}

int
sq_pair_approve(struct pouch_store *st, int64_t user_id,
    const uint8_t key[POUCH_STORE_KEY_BYTES],
    const uint8_t approval[POUCH_STORE_PAIR_APPROVAL],
    const uint8_t mac[POUCH_STORE_PAIR_MAC], int64_t now)
{
	struct sq *s = (struct sq *)st;
	int64_t approved = 0;
	int rc;

	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = sq_int(s, &approved, "SELECT approval IS NOT NULL FROM "
	    "pair_requests WHERE device_key = ? AND user_id = ? AND "
	    "expires > ?", "bii", key, (size_t)POUCH_STORE_KEY_BYTES,
	    user_id, now)) != POUCH_OK)
		goto out;
	if (approved) {
		rc = POUCH_E_CONFLICT;
		goto out;
	}
	rc = sq_exec(s, "UPDATE pair_requests SET approval = ?, mac = ? "
	    "WHERE device_key = ?", "bbb", approval,
	    (size_t)POUCH_STORE_PAIR_APPROVAL, mac,
	    (size_t)POUCH_STORE_PAIR_MAC, key, (size_t)POUCH_STORE_KEY_BYTES);
out:
	return sq_end(s, rc);
}

int
sq_pair_take(struct pouch_store *st, const uint8_t key[POUCH_STORE_KEY_BYTES],
    const uint8_t commit[POUCH_STORE_PAIR_COMMIT], int64_t now,
    struct pouch_store_pair *out)
{
	struct sq *s = (struct sq *)st;
	struct pouch_store_pair p;
	sqlite3_stmt *q = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = sq_prep(s, &q, "SELECT " PAIR_COLS " FROM pair_requests "
	    "WHERE device_key = ? AND pair_commit = ? AND expires > ?", "bbi",
	    key, (size_t)POUCH_STORE_KEY_BYTES, commit,
	    (size_t)POUCH_STORE_PAIR_COMMIT, now)) != POUCH_OK)
		goto out;
	if ((rc = sq_step(s, q)) == 0)
		rc = POUCH_E_NOT_FOUND;
	else if (rc == 1)
		rc = read_pair(q, &p);
	sq_done(s, q);
	q = NULL;
	if (rc != POUCH_OK)
		goto out;
	if (p.approved && (rc = sq_exec(s, "DELETE FROM pair_requests WHERE "
	    "device_key = ?", "b", key, (size_t)POUCH_STORE_KEY_BYTES)) !=
	    POUCH_OK)
		goto out;
	*out = p;
out:
	sq_done(s, q);
	return sq_end(s, rc);
}
