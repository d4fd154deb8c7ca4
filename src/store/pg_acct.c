/*
 * pg_acct.c - accounts in the PostgreSQL store: users, enrolment codes,
 * devices, authentication challenges, bearer tokens and the audit log.
 * Same semantics as sqlite_acct.c.  Codes, challenges and tokens are
 * SHA-256 hashes only; single use is enforced by the database (a DELETE
 * or a conditional UPDATE that only one transaction can win).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"

#define USER_COLS "id, name, suspended, account_key, created"
#define DEVICE_COLS "id, user_id, name, key, revoked, created"
#define HB(h)	(h), (size_t)POUCH_STORE_HASH_BYTES

static int
read_user(const PGresult *r, int row, int c, struct pouch_store_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = pg_get_int(r, row, c);
	pg_get_text(r, row, c + 1, u->name, sizeof(u->name));
	u->suspended = pg_get_int(r, row, c + 2) != 0;
	if (!pg_get_null(r, row, c + 3)) {
		u->has_account_key = 1;
		if (pg_get_fixed(r, row, c + 3, u->account_key,
		    sizeof(u->account_key)) != POUCH_OK)
			return POUCH_E_DB;
	}
	u->created = pg_get_int(r, row, c + 4);
	return POUCH_OK;
}

static int
read_device(const PGresult *r, int row, int c, struct pouch_store_device *d)
{
	memset(d, 0, sizeof(*d));
	d->id = pg_get_int(r, row, c);
	d->user_id = pg_get_int(r, row, c + 1);
	pg_get_text(r, row, c + 2, d->name, sizeof(d->name));
	d->revoked = pg_get_int(r, row, c + 4) != 0;
	d->created = pg_get_int(r, row, c + 5);
	return pg_get_fixed(r, row, c + 3, d->key, sizeof(d->key));
}

int
pg_user_add(struct pouch_store *st, const char *name, int64_t now,
    const char *actor, int64_t *id)
{
	struct pgx x;
	int64_t v = 0;
	int rc;

	*id = 0;
	if (name == NULL || name[0] == '\0' ||
	    strlen(name) > POUCH_STORE_NAME_MAX)
		return POUCH_E_MISUSE;
	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_int(&x, &v, "INSERT INTO users (name, created) "
	    "VALUES ($1, $2) RETURNING id", "ti", name, now)) != POUCH_OK)
		goto out;
	rc = pg_audit(&x, now, actor, "user.add", name);
out:
	if ((rc = pg_end(&x, rc)) == POUCH_OK)
		*id = v;
	return rc;
}

static int
user_by(struct pg *p, const char *sql, const char *fmt, const void *key,
    struct pouch_store_user *out)
{
	PGresult *r = NULL;
	struct pgx x;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = pg_begin_read(p, &x)) != POUCH_OK)
		return rc;
	if (fmt[0] == 't')
		rc = pg_q(&x, &r, sql, "t", (const char *)key);
	else
		rc = pg_q(&x, &r, sql, "i", *(const int64_t *)key);
	if (rc != POUCH_OK)
		goto out;
	rc = PQntuples(r) > 0 ? read_user(r, 0, 0, out) : POUCH_E_NOT_FOUND;
out:
	PQclear(r);
	if ((rc = pg_end(&x, rc)) != POUCH_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
pg_user_get(struct pouch_store *st, const char *name,
    struct pouch_store_user *out)
{
	return user_by((struct pg *)st, "SELECT " USER_COLS
	    " FROM users WHERE name = $1", "t", name, out);
}

int
pg_user_get_id(struct pouch_store *st, int64_t id,
    struct pouch_store_user *out)
{
	return user_by((struct pg *)st, "SELECT " USER_COLS
	    " FROM users WHERE id = $1", "i", &id, out);
}

int
pg_user_list(struct pouch_store *st,
    int (*fn)(void *, const struct pouch_store_user *), void *arg)
{
	struct pouch_store_user u;
	PGresult *r = NULL;
	struct pgx x;
	int rc, i;

	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, &r, "SELECT " USER_COLS " FROM users ORDER BY id",
	    "")) != POUCH_OK)
		goto out;
	for (i = 0; i < PQntuples(r); i++)
		if ((rc = read_user(r, i, 0, &u)) != POUCH_OK ||
		    (rc = fn(arg, &u)) != POUCH_OK)
			goto out;
out:
	PQclear(r);
	return pg_end(&x, rc);
}

int
pg_user_suspend(struct pouch_store *st, const char *name, int suspended,
    int64_t now, const char *actor)
{
	struct pgx x;
	int rc;

	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, NULL, "UPDATE users SET suspended = $1 WHERE "
	    "name = $2", "it", (int64_t)(suspended != 0), name)) != POUCH_OK)
		goto out;
	if (x.changes == 0) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	/* A suspended user's tokens stop working at once. */
	if (suspended && (rc = pg_q(&x, NULL, "DELETE FROM tokens WHERE "
	    "device_id IN (SELECT d.id FROM devices d JOIN users u ON "
	    "u.id = d.user_id WHERE u.name = $1)", "t", name)) != POUCH_OK)
		goto out;
	rc = pg_audit(&x, now, actor, suspended ? "user.suspend" :
	    "user.unsuspend", name);
out:
	return pg_end(&x, rc);
}

int
pg_code_add(struct pouch_store *st, int64_t user_id,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t expires, int64_t now,
    const char *actor)
{
	char name[POUCH_STORE_NAME_MAX + 1];
	PGresult *r = NULL;
	struct pgx x;
	int rc;

	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, &r, "SELECT name FROM users WHERE id = $1", "i",
	    user_id)) != POUCH_OK)
		goto out;
	if (PQntuples(r) < 1) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	pg_get_text(r, 0, 0, name, sizeof(name));
	if ((rc = pg_q(&x, NULL, "INSERT INTO enrol_codes (hash, user_id, "
	    "expires, created) VALUES ($1, $2, $3, $4)", "biii", HB(hash),
	    user_id, expires, now)) != POUCH_OK)
		goto out;
	rc = pg_audit(&x, now, actor, "code.create", name);
out:
	PQclear(r);
	return pg_end(&x, rc);
}

/* The code's row: user, expiry, used; NOT_FOUND, EXPIRED, FORBIDDEN. */
static int
code_check(struct pgx *x, const uint8_t *hash, int64_t now, int lock,
    struct pouch_store_user *u)
{
	PGresult *r = NULL;
	int rc;

	if ((rc = pg_q(x, &r, lock ? "SELECT c.expires, c.used, u.id, "
	    "u.name, u.suspended, u.account_key, u.created FROM enrol_codes c "
	    "JOIN users u ON u.id = c.user_id WHERE c.hash = $1 FOR UPDATE" :
	    "SELECT c.expires, c.used, u.id, u.name, u.suspended, "
	    "u.account_key, u.created FROM enrol_codes c "
	    "JOIN users u ON u.id = c.user_id WHERE c.hash = $1",
	    "b", HB(hash))) != POUCH_OK)
		return rc;
	if (PQntuples(r) < 1)
		rc = POUCH_E_NOT_FOUND;
	else if (!pg_get_null(r, 0, 1))
		rc = POUCH_E_NOT_FOUND;		/* single use */
	else if (pg_get_int(r, 0, 0) <= now)
		rc = POUCH_E_EXPIRED;
	else if ((rc = read_user(r, 0, 2, u)) == POUCH_OK && u->suspended)
		rc = POUCH_E_FORBIDDEN;
	PQclear(r);
	return rc;
}

int
pg_code_peek(struct pouch_store *st,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t now,
    struct pouch_store_user *out)
{
	struct pgx x;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	rc = code_check(&x, hash, now, 0, out);
	if ((rc = pg_end(&x, rc)) != POUCH_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
pg_enrol(struct pouch_store *st, const struct pouch_store_enrol *e,
    int64_t *device_id)
{
	struct pouch_store_user u;
	struct pgx x;
	char actor[32];
	int64_t dev = 0;
	int rc;

	*device_id = 0;
	if (e->device_name == NULL || e->device_name[0] == '\0' ||
	    strlen(e->device_name) > POUCH_STORE_NAME_MAX)
		return POUCH_E_MISUSE;
	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	/* the code's row lock: a concurrent enrolment with it waits */
	if ((rc = code_check(&x, e->code_hash, e->now, 1, &u)) != POUCH_OK)
		goto out;
	/* Set the account key once; later it must stay the same. */
	if ((rc = pg_q(&x, NULL, "UPDATE users SET account_key = $1 WHERE "
	    "id = $2 AND (account_key IS NULL OR account_key = $1)", "bi",
	    e->account_key, (size_t)POUCH_STORE_KEY_BYTES, u.id)) != POUCH_OK)
		goto out;
	if (x.changes != 1) {
		rc = POUCH_E_CONFLICT;
		goto out;
	}
	if ((rc = pg_int(&x, &dev, "INSERT INTO devices (user_id, name, key, "
	    "created) VALUES ($1, $2, $3, $4) RETURNING id", "itbi", u.id,
	    e->device_name, e->device_key, (size_t)POUCH_STORE_KEY_BYTES,
	    e->now)) != POUCH_OK)
		goto out;
	if ((rc = pg_q(&x, NULL, "UPDATE enrol_codes SET used = $1, "
	    "device_id = $2 WHERE hash = $3 AND used IS NULL", "iib", e->now,
	    dev, HB(e->code_hash))) != POUCH_OK)
		goto out;
	if (x.changes != 1) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	snprintf(actor, sizeof(actor), "device:%lld", (long long)dev);
	rc = pg_audit(&x, e->now, actor, "device.enrol", u.name);
out:
	if ((rc = pg_end(&x, rc)) == POUCH_OK)
		*device_id = dev;
	return rc;
}

int
pg_device_get(struct pouch_store *st, int64_t id,
    struct pouch_store_device *out)
{
	PGresult *r = NULL;
	struct pgx x;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, &r, "SELECT " DEVICE_COLS " FROM devices "
	    "WHERE id = $1", "i", id)) == POUCH_OK)
		rc = PQntuples(r) > 0 ? read_device(r, 0, 0, out) :
		    POUCH_E_NOT_FOUND;
	PQclear(r);
	if ((rc = pg_end(&x, rc)) != POUCH_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
pg_device_list(struct pouch_store *st, int64_t user_id,
    int (*fn)(void *, const struct pouch_store_device *), void *arg)
{
	struct pouch_store_device d;
	PGresult *r = NULL;
	struct pgx x;
	int rc, i;

	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if (user_id > 0)
		rc = pg_q(&x, &r, "SELECT " DEVICE_COLS " FROM devices "
		    "WHERE user_id = $1 ORDER BY id", "i", user_id);
	else
		rc = pg_q(&x, &r, "SELECT " DEVICE_COLS " FROM devices "
		    "ORDER BY id", "");
	if (rc != POUCH_OK)
		goto out;
	for (i = 0; i < PQntuples(r); i++)
		if ((rc = read_device(r, i, 0, &d)) != POUCH_OK ||
		    (rc = fn(arg, &d)) != POUCH_OK)
			goto out;
out:
	PQclear(r);
	return pg_end(&x, rc);
}

int
pg_device_revoke(struct pouch_store *st, int64_t id, int64_t now,
    const char *actor, pouch_store_propose_fn propose, void *arg,
    size_t *nproposed)
{
	struct pgx x;
	char subject[32];
	size_t n = 0;
	int rc;

	if (nproposed != NULL)
		*nproposed = 0;
	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, NULL, "UPDATE devices SET revoked = 1 WHERE "
	    "id = $1", "i", id)) != POUCH_OK)
		goto out;
	if (x.changes == 0) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	/* Its credentials die in the same transaction. */
	if ((rc = pg_q(&x, NULL, "DELETE FROM tokens WHERE device_id = $1",
	    "i", id)) != POUCH_OK ||
	    (rc = pg_q(&x, NULL, "DELETE FROM challenges WHERE "
	    "device_id = $1", "i", id)) != POUCH_OK ||
	    (rc = pg_q(&x, NULL, "DELETE FROM key_packages WHERE "
	    "device_id = $1", "i", id)) != POUCH_OK)
		goto out;
	if (propose != NULL &&
	    (rc = pg_propose_removal(&x, id, now, propose, arg, &n)) !=
	    POUCH_OK)
		goto out;
	snprintf(subject, sizeof(subject), "device:%lld", (long long)id);
	rc = pg_audit(&x, now, actor, "device.revoke", subject);
out:
	rc = pg_end(&x, rc);
	if (rc == POUCH_OK && nproposed != NULL)
		*nproposed = n;
	return rc;
}

int
pg_challenge_add(struct pouch_store *st, int64_t device_id,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t expires)
{
	struct pgx x;
	int rc;

	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, NULL, "DELETE FROM challenges WHERE "
	    "device_id = $1 AND expires < $2", "ii", device_id,
	    expires - 3600)) != POUCH_OK)
		goto out;
	rc = pg_q(&x, NULL, "INSERT INTO challenges (hash, device_id, "
	    "expires) VALUES ($1, $2, $3)", "bii", HB(hash), device_id,
	    expires);
out:
	return pg_end(&x, rc);
}

int
pg_challenge_take(struct pouch_store *st, int64_t device_id,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t now)
{
	struct pgx x;
	int64_t expires = 0;
	int rc, found = 0;

	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	/* Only one transaction can delete the row: once, on any node. */
	rc = pg_int(&x, &expires, "DELETE FROM challenges WHERE hash = $1 "
	    "AND device_id = $2 RETURNING expires", "bi", HB(hash),
	    device_id);
	if (rc == POUCH_OK)
		found = 1;
	else if (rc == POUCH_E_NOT_FOUND)
		rc = POUCH_OK;
	/* Commit even when expired: a challenge is consumed once tried. */
	if ((rc = pg_end(&x, rc)) != POUCH_OK)
		return rc;
	if (!found)
		return POUCH_E_NOT_FOUND;
	return expires <= now ? POUCH_E_EXPIRED : POUCH_OK;
}

int
pg_token_add(struct pouch_store *st, int64_t device_id,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t expires)
{
	struct pgx x;
	int rc;

	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, NULL, "DELETE FROM tokens WHERE device_id = $1 "
	    "AND expires < $2", "ii", device_id, expires - 86400)) != POUCH_OK)
		goto out;
	rc = pg_q(&x, NULL, "INSERT INTO tokens (hash, device_id, expires) "
	    "VALUES ($1, $2, $3)", "bii", HB(hash), device_id, expires);
out:
	return pg_end(&x, rc);
}

int
pg_token_check(struct pouch_store *st,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t now,
    struct pouch_store_device *out)
{
	PGresult *r = NULL;
	struct pgx x;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, &r, "SELECT t.expires, u.suspended, d.id, "
	    "d.user_id, d.name, d.key, d.revoked, d.created FROM tokens t "
	    "JOIN devices d ON d.id = t.device_id JOIN users u ON "
	    "u.id = d.user_id WHERE t.hash = $1", "b", HB(hash))) != POUCH_OK)
		goto out;
	if (PQntuples(r) < 1) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	if ((rc = read_device(r, 0, 2, out)) != POUCH_OK)
		goto out;
	if (pg_get_int(r, 0, 0) <= now)
		rc = POUCH_E_EXPIRED;
	else if (pg_get_int(r, 0, 1) != 0 || out->revoked)
		rc = POUCH_E_FORBIDDEN;
out:
	PQclear(r);
	if ((rc = pg_end(&x, rc)) != POUCH_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
pg_audit_add(struct pouch_store *st, int64_t now, const char *actor,
    const char *action, const char *subject)
{
	struct pgx x;
	int rc;

	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	rc = pg_audit(&x, now, actor, action, subject);
	return pg_end(&x, rc);
}

int
pg_audit_list(struct pouch_store *st, int64_t after, size_t limit,
    int (*fn)(void *, const struct pouch_store_audit *), void *arg)
{
	struct pouch_store_audit a;
	PGresult *r = NULL;
	struct pgx x;
	int rc, i;

	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, &r, "SELECT id, ts, actor, action, subject "
	    "FROM audit WHERE id > $1 ORDER BY id LIMIT $2", "ii", after,
	    (int64_t)limit)) != POUCH_OK)
		goto out;
	for (i = 0; i < PQntuples(r); i++) {
		a.id = pg_get_int(r, i, 0);
		a.ts = pg_get_int(r, i, 1);
		a.actor = PQgetvalue(r, i, 2);
		a.action = PQgetvalue(r, i, 3);
		a.subject = PQgetvalue(r, i, 4);
		if ((rc = fn(arg, &a)) != POUCH_OK)
			goto out;
	}
out:
	PQclear(r);
	return pg_end(&x, rc);
}

/* 1 when id is among the first n of v. */
static int
listed(const int64_t *v, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == id)
			return 1;
	return 0;
}

int
pg_account_rotate(struct pouch_store *st, int64_t user_id,
    const uint8_t prev[POUCH_STORE_KEY_BYTES],
    const uint8_t next[POUCH_STORE_KEY_BYTES], const int64_t *devices,
    size_t ndevices, int64_t now, const char *actor)
{
	struct pouch_store_user u;
	PGresult *r = NULL;
	struct pgx x;
	int64_t active = 0;
	size_t i;
	int rc;

	if (prev == NULL || next == NULL || (ndevices > 0 && devices == NULL))
		return POUCH_E_MISUSE;
	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	/* the user's row lock: an enrolment or a second rotation waits */
	if ((rc = pg_q(&x, &r, "SELECT " USER_COLS " FROM users WHERE "
	    "id = $1 FOR UPDATE", "i", user_id)) != POUCH_OK)
		goto out;
	if (PQntuples(r) == 0) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	if ((rc = read_user(r, 0, 0, &u)) != POUCH_OK)
		goto out;
	rc = POUCH_E_CONFLICT;
	if (!u.has_account_key ||
	    memcmp(u.account_key, prev,	/* checksrc: allow */
	    POUCH_STORE_KEY_BYTES) != 0)
		goto out;
	if ((rc = pg_int(&x, &active, "SELECT COUNT(*) FROM devices WHERE "
	    "user_id = $1 AND revoked = 0", "i", user_id)) != POUCH_OK)
		goto out;
	rc = POUCH_E_CONFLICT;
	if (active < 0 || (uint64_t)active != ndevices)
		goto out;
	for (i = 0; i < ndevices; i++) {
		if (listed(devices, i, devices[i])) {
			rc = POUCH_E_CONFLICT;
			goto out;
		}
		if ((rc = pg_int(&x, &active, "SELECT id FROM devices WHERE "
		    "id = $1 AND user_id = $2 AND revoked = 0", "ii",
		    devices[i], user_id)) != POUCH_OK) {
			if (rc == POUCH_E_NOT_FOUND)
				rc = POUCH_E_CONFLICT;
			goto out;
		}
	}
	if ((rc = pg_q(&x, NULL, "UPDATE users SET account_key = $1 WHERE "
	    "id = $2", "bi", next, (size_t)POUCH_STORE_KEY_BYTES, user_id)) !=
	    POUCH_OK)
		goto out;
	rc = pg_audit(&x, now, actor, "account.rotate", u.name);
out:
	PQclear(r);
	return pg_end(&x, rc);
}
