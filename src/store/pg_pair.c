/*
 * pg_pair.c - pairing requests in the PostgreSQL store (store.h
 * "pairing"), as sqlite_pair.c, for several pouchd nodes on one database:
 * a request posted through one node is listed, approved and taken through
 * any other.  An add locks its user's row, so two nodes cannot both pass
 * the per-user bound; a device key is the primary key, so only one of two
 * concurrent adds for it commits (POUCH_E_EXISTS for the other).  The
 * overall bound is counted without a lock: concurrent adds may pass it by
 * the number of nodes at most.
 */
#include <string.h>

#include "store/pg_int.h"

#define PAIR_COLS	"user_id, device_key, pair_commit, expires, " \
			"approval, mac"
#define KB(k)	(k), (size_t)POUCH_STORE_KEY_BYTES

static int
read_pair(const PGresult *r, int row, struct pouch_store_pair *p)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->user_id = pg_get_int(r, row, 0);
	p->expires = pg_get_int(r, row, 3);
	if ((rc = pg_get_fixed(r, row, 1, p->device_key,
	    sizeof(p->device_key))) != POUCH_OK ||
	    (rc = pg_get_fixed(r, row, 2, p->commit, sizeof(p->commit))) !=
	    POUCH_OK)
		return rc;
	if (pg_get_null(r, row, 4))
		return POUCH_OK;
	p->approved = 1;
	if ((rc = pg_get_fixed(r, row, 4, p->approval,
	    sizeof(p->approval))) != POUCH_OK)
		return rc;
	return pg_get_fixed(r, row, 5, p->mac, sizeof(p->mac));
}

int
pg_pair_add(struct pouch_store *st, const struct pouch_store_pair *p,
    int64_t now, uint32_t per_user, uint32_t max)
{
	struct pgx x;
	int64_t n = 0;
	int rc;

	if (p == NULL || p->expires <= now)
		return POUCH_E_MISUSE;
	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_int(&x, &n, "SELECT id FROM users WHERE id = $1 "
	    "FOR UPDATE", "i", p->user_id)) != POUCH_OK)
		goto out;
	if ((rc = pg_q(&x, NULL, "DELETE FROM pair_requests WHERE "
	    "expires <= $1", "i", now)) != POUCH_OK)
		goto out;
	if ((rc = pg_int(&x, &n, "SELECT count(*) FROM pair_requests WHERE "
	    "device_key = $1", "b", KB(p->device_key))) != POUCH_OK)
		goto out;
	if (n > 0) {
		rc = POUCH_E_EXISTS;
		goto out;
	}
	if ((rc = pg_int(&x, &n, "SELECT count(*) FROM pair_requests WHERE "
	    "user_id = $1", "i", p->user_id)) != POUCH_OK)
		goto out;
	if (n >= (int64_t)per_user) {
		rc = POUCH_E_QUOTA;
		goto out;
	}
	if ((rc = pg_int(&x, &n, "SELECT count(*) FROM pair_requests", "")) !=
	    POUCH_OK)
		goto out;
	if (n >= (int64_t)max) {
		rc = POUCH_E_QUOTA;
		goto out;
	}
	rc = pg_q(&x, NULL, "INSERT INTO pair_requests (device_key, user_id, "
	    "pair_commit, expires, created) VALUES ($1, $2, $3, $4, $5)",
	    "bibii", KB(p->device_key), p->user_id, p->commit,
	    (size_t)POUCH_STORE_PAIR_COMMIT, p->expires, now);
out:
	return pg_end(&x, rc);
}

int
pg_pair_list(struct pouch_store *st, int64_t user_id, int64_t now,
    int (*fn)(void *, const struct pouch_store_pair *), void *arg)
{
	struct pouch_store_pair p;
	PGresult *r = NULL;
	struct pgx x;
	int rc, i;

	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, &r, "SELECT " PAIR_COLS " FROM pair_requests "
	    "WHERE user_id = $1 AND expires > $2 AND approval IS NULL "
	    "ORDER BY created, device_key", "ii", user_id, now)) != POUCH_OK)
		goto out;
	for (i = 0; i < PQntuples(r); i++)
		if ((rc = read_pair(r, i, &p)) != POUCH_OK ||
		    (rc = fn(arg, &p)) != POUCH_OK)
			goto out;
out:
	PQclear(r);
	return pg_end(&x, rc);
}

int
pg_pair_approve(struct pouch_store *st, int64_t user_id,
    const uint8_t key[POUCH_STORE_KEY_BYTES],
    const uint8_t approval[POUCH_STORE_PAIR_APPROVAL],
    const uint8_t mac[POUCH_STORE_PAIR_MAC], int64_t now)
{
	struct pgx x;
	int64_t approved = 0;
	int rc;

	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_int(&x, &approved, "SELECT CASE WHEN approval IS NULL "
	    "THEN 0 ELSE 1 END::bigint FROM pair_requests WHERE "
	    "device_key = $1 AND user_id = $2 AND expires > $3 FOR UPDATE",
	    "bii", KB(key), user_id, now)) != POUCH_OK)
		goto out;
	if (approved) {
		rc = POUCH_E_CONFLICT;
		goto out;
	}
	rc = pg_q(&x, NULL, "UPDATE pair_requests SET approval = $1, "
	    "mac = $2 WHERE device_key = $3", "bbb", approval,
	    (size_t)POUCH_STORE_PAIR_APPROVAL, mac,
	    (size_t)POUCH_STORE_PAIR_MAC, KB(key));
out:
	return pg_end(&x, rc);
}

int
pg_pair_take(struct pouch_store *st, const uint8_t key[POUCH_STORE_KEY_BYTES],
    const uint8_t commit[POUCH_STORE_PAIR_COMMIT], int64_t now,
    struct pouch_store_pair *out)
{
	struct pouch_store_pair p;
	PGresult *r = NULL;
	struct pgx x;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	/* the row lock: of two takes on two nodes, one gets the approval */
	if ((rc = pg_q(&x, &r, "SELECT " PAIR_COLS " FROM pair_requests "
	    "WHERE device_key = $1 AND pair_commit = $2 AND expires > $3 "
	    "FOR UPDATE", "bbi", KB(key), commit,
	    (size_t)POUCH_STORE_PAIR_COMMIT, now)) != POUCH_OK)
		goto out;
	if (PQntuples(r) < 1) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	if ((rc = read_pair(r, 0, &p)) != POUCH_OK)
		goto out;
	if (p.approved && (rc = pg_q(&x, NULL, "DELETE FROM pair_requests "
	    "WHERE device_key = $1", "b", KB(key))) != POUCH_OK)
		goto out;
	*out = p;
out:
	PQclear(r);
	return pg_end(&x, rc);
}
