/*
 * sqlite_acct.c - accounts in the SQLite store: users, enrolment codes,
 * devices, authentication challenges, bearer tokens and the audit log.
 * Codes, challenges and tokens are stored as SHA-256 hashes only; the
 * caller hashes, so no secret ever reaches the database.
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite_int.h"

#define USER_COLS "id, name, suspended, account_key, created"
#define DEVICE_COLS "id, user_id, name, key, revoked, created"

static int
read_user(sqlite3_stmt *q, int c, struct pouch_store_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(q, c);
	sq_col_text(q, c + 1, u->name, sizeof(u->name));
	u->suspended = sqlite3_column_int(q, c + 2) != 0;
	if (sqlite3_column_type(q, c + 3) != SQLITE_NULL) {
		u->has_account_key = 1;
		if (sq_col_fixed(q, c + 3, u->account_key,
		    sizeof(u->account_key)) != POUCH_OK)
			return POUCH_E_DB;
	}
	u->created = sqlite3_column_int64(q, c + 4);
	return POUCH_OK;
}

static int
read_device(sqlite3_stmt *q, int c, struct pouch_store_device *d)
{
	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(q, c);
	d->user_id = sqlite3_column_int64(q, c + 1);
	sq_col_text(q, c + 2, d->name, sizeof(d->name));
	d->revoked = sqlite3_column_int(q, c + 4) != 0;
	d->created = sqlite3_column_int64(q, c + 5);
	return sq_col_fixed(q, c + 3, d->key, sizeof(d->key));
}

int
sq_user_add(struct pouch_store *st, const char *name, int64_t now,
    const char *actor, int64_t *id)
{
	struct sq *s = (struct sq *)st;
	int rc;

	*id = 0;
	if (name == NULL || name[0] == '\0' ||
	    strlen(name) > POUCH_STORE_NAME_MAX)
		return POUCH_E_MISUSE;
	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = sq_exec(s, "INSERT INTO users (name, created) "
	    "VALUES (?, ?)", "ti", name, now)) != POUCH_OK)
		goto out;
	*id = sqlite3_last_insert_rowid(s->db);
	rc = sq_audit(s, now, actor, "user.add", name);
out:
	rc = sq_end(s, rc);
	if (rc != POUCH_OK)
		*id = 0;
	return rc;
}

static int
user_by(struct sq *s, const char *sql, const char *fmt, const void *key,
    struct pouch_store_user *out)
{
	sqlite3_stmt *q = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->mu);
	if (fmt[0] == 't')
		rc = sq_prep(s, &q, sql, "t", (const char *)key);
	else
		rc = sq_prep(s, &q, sql, "i", *(const int64_t *)key);
	if (rc != POUCH_OK)
		goto out;
	if ((rc = sq_step(s, q)) == 1)
		rc = read_user(q, 0, out);
	else if (rc == 0)
		rc = POUCH_E_NOT_FOUND;
out:
	sq_done(s, q);
	pthread_mutex_unlock(&s->mu);
	if (rc != POUCH_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
sq_user_get(struct pouch_store *st, const char *name,
    struct pouch_store_user *out)
{
	return user_by(sq_reader(st), "SELECT " USER_COLS
	    " FROM users WHERE name = ?", "t", name, out);
}

int
sq_user_get_id(struct pouch_store *st, int64_t id,
    struct pouch_store_user *out)
{
	return user_by(sq_reader(st), "SELECT " USER_COLS
	    " FROM users WHERE id = ?", "i", &id, out);
}

int
sq_user_list(struct pouch_store *st,
    int (*fn)(void *, const struct pouch_store_user *), void *arg)
{
	struct sq *s = sq_reader(st);
	struct pouch_store_user u;
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = sq_begin(s, 0)) != POUCH_OK)
		return rc;
	if ((rc = sq_prep(s, &q, "SELECT " USER_COLS " FROM users "
	    "ORDER BY id", "")) != POUCH_OK)
		goto out;
	while ((rc = sq_step(s, q)) == 1) {
		if ((rc = read_user(q, 0, &u)) != POUCH_OK ||
		    (rc = fn(arg, &u)) != POUCH_OK)
			goto out;
	}
out:
	sq_done(s, q);
	return sq_end(s, rc);
}

int
sq_user_suspend(struct pouch_store *st, const char *name, int suspended,
    int64_t now, const char *actor)
{
	struct sq *s = (struct sq *)st;
	int rc;

	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = sq_exec(s, "UPDATE users SET suspended = ? WHERE name = ?",
	    "it", (int64_t)(suspended != 0), name)) != POUCH_OK)
		goto out;
	if (sq_changes(s) == 0) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	/* A suspended user's tokens stop working at once. */
	if (suspended && (rc = sq_exec(s, "DELETE FROM tokens WHERE "
	    "device_id IN (SELECT d.id FROM devices d JOIN users u ON "
	    "u.id = d.user_id WHERE u.name = ?)", "t", name)) != POUCH_OK)
		goto out;
	rc = sq_audit(s, now, actor, suspended ? "user.suspend" :
	    "user.unsuspend", name);
out:
	return sq_end(s, rc);
}

int
sq_code_add(struct pouch_store *st, int64_t user_id,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t expires, int64_t now,
    const char *actor)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	char name[POUCH_STORE_NAME_MAX + 1];
	int rc;

	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = sq_prep(s, &q, "SELECT name FROM users WHERE id = ?", "i",
	    user_id)) != POUCH_OK)
		goto out;
	if ((rc = sq_step(s, q)) != 1) {
		rc = rc == 0 ? POUCH_E_NOT_FOUND : rc;
		goto out;
	}
	sq_col_text(q, 0, name, sizeof(name));
	if ((rc = sq_exec(s, "INSERT INTO enrol_codes (hash, user_id, "
	    "expires, created) VALUES (?, ?, ?, ?)", "biii", hash,
	    (size_t)POUCH_STORE_HASH_BYTES, user_id, expires, now)) !=
	    POUCH_OK)
		goto out;
	rc = sq_audit(s, now, actor, "code.create", name);
out:
	sq_done(s, q);
	return sq_end(s, rc);
}

/* The code's row: user, expiry, used; NOT_FOUND, EXPIRED, FORBIDDEN. */
static int
code_check(struct sq *s, const uint8_t *hash, int64_t now,
    struct pouch_store_user *u)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = sq_prep(s, &q, "SELECT c.expires, c.used, u.id, u.name, "
	    "u.suspended, u.account_key, u.created FROM enrol_codes c "
	    "JOIN users u ON u.id = c.user_id WHERE c.hash = ?", "b", hash,
	    (size_t)POUCH_STORE_HASH_BYTES)) != POUCH_OK)
		return rc;
	if ((rc = sq_step(s, q)) != 1) {
		rc = rc == 0 ? POUCH_E_NOT_FOUND : rc;
		goto out;
	}
	if (sqlite3_column_type(q, 1) != SQLITE_NULL)
		rc = POUCH_E_NOT_FOUND;		/* single use */
	else if (sqlite3_column_int64(q, 0) <= now)
		rc = POUCH_E_EXPIRED;
	else if ((rc = read_user(q, 2, u)) == POUCH_OK && u->suspended)
		rc = POUCH_E_FORBIDDEN;
out:
	sq_done(s, q);
	return rc;
}

int
sq_code_peek(struct pouch_store *st,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t now,
    struct pouch_store_user *out)
{
	struct sq *s = sq_reader(st);
	int rc;

	if ((rc = sq_begin(s, 0)) != POUCH_OK)
		return rc;
	rc = code_check(s, hash, now, out);
	rc = sq_end(s, rc);
	if (rc != POUCH_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
sq_enrol(struct pouch_store *st, const struct pouch_store_enrol *e,
    int64_t *device_id)
{
	struct sq *s = (struct sq *)st;
	struct pouch_store_user u;
	char actor[32];
	int64_t dev;
	int rc;

	*device_id = 0;
	if (e->device_name == NULL || e->device_name[0] == '\0' ||
	    strlen(e->device_name) > POUCH_STORE_NAME_MAX)
		return POUCH_E_MISUSE;
	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = code_check(s, e->code_hash, e->now, &u)) != POUCH_OK)
		goto out;
	/* Set the account key once; later it must stay the same. */
	if ((rc = sq_exec(s, "UPDATE users SET account_key = ?1 WHERE "
	    "id = ?2 AND (account_key IS NULL OR account_key = ?1)", "bi",
	    e->account_key, (size_t)POUCH_STORE_KEY_BYTES, u.id)) != POUCH_OK)
		goto out;
	if (sq_changes(s) != 1) {
		rc = POUCH_E_CONFLICT;
		goto out;
	}
	if ((rc = sq_exec(s, "INSERT INTO devices (user_id, name, key, "
	    "created) VALUES (?, ?, ?, ?)", "itbi", u.id, e->device_name,
	    e->device_key, (size_t)POUCH_STORE_KEY_BYTES, e->now)) != POUCH_OK)
		goto out;
	dev = sqlite3_last_insert_rowid(s->db);
	if ((rc = sq_exec(s, "UPDATE enrol_codes SET used = ?, device_id = ? "
	    "WHERE hash = ? AND used IS NULL", "iib", e->now, dev,
	    e->code_hash, (size_t)POUCH_STORE_HASH_BYTES)) != POUCH_OK)
		goto out;
	if (sq_changes(s) != 1) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	snprintf(actor, sizeof(actor), "device:%lld", (long long)dev);
	if ((rc = sq_audit(s, e->now, actor, "device.enrol", u.name)) !=
	    POUCH_OK)
		goto out;
	*device_id = dev;
out:
	rc = sq_end(s, rc);
	if (rc != POUCH_OK)
		*device_id = 0;
	return rc;
}

int
sq_device_get(struct pouch_store *st, int64_t id,
    struct pouch_store_device *out)
{
	struct sq *s = sq_reader(st);
	sqlite3_stmt *q = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->mu);
	if ((rc = sq_prep(s, &q, "SELECT " DEVICE_COLS " FROM devices "
	    "WHERE id = ?", "i", id)) != POUCH_OK)
		goto out;
	if ((rc = sq_step(s, q)) == 1)
		rc = read_device(q, 0, out);
	else if (rc == 0)
		rc = POUCH_E_NOT_FOUND;
out:
	sq_done(s, q);
	pthread_mutex_unlock(&s->mu);
	if (rc != POUCH_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
sq_device_list(struct pouch_store *st, int64_t user_id,
    int (*fn)(void *, const struct pouch_store_device *), void *arg)
{
	struct sq *s = sq_reader(st);
	struct pouch_store_device d;
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = sq_begin(s, 0)) != POUCH_OK)
		return rc;
	if (user_id > 0)
		rc = sq_prep(s, &q, "SELECT " DEVICE_COLS " FROM devices "
		    "WHERE user_id = ? ORDER BY id", "i", user_id);
	else
		rc = sq_prep(s, &q, "SELECT " DEVICE_COLS " FROM devices "
		    "ORDER BY id", "");
	if (rc != POUCH_OK)
		goto out;
	while ((rc = sq_step(s, q)) == 1) {
		if ((rc = read_device(q, 0, &d)) != POUCH_OK ||
		    (rc = fn(arg, &d)) != POUCH_OK)
			goto out;
	}
out:
	sq_done(s, q);
	return sq_end(s, rc);
}

int
sq_device_revoke(struct pouch_store *st, int64_t id, int64_t now,
    const char *actor, pouch_store_propose_fn propose, void *arg,
    size_t *nproposed)
{
	struct sq *s = (struct sq *)st;
	char subject[32];
	size_t n = 0;
	int rc;

	if (nproposed != NULL)
		*nproposed = 0;
	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = sq_exec(s, "UPDATE devices SET revoked = 1 WHERE id = ?",
	    "i", id)) != POUCH_OK)
		goto out;
	if (sq_changes(s) == 0) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	/* Its credentials die in the same transaction. */
	if ((rc = sq_exec(s, "DELETE FROM tokens WHERE device_id = ?", "i",
	    id)) != POUCH_OK ||
	    (rc = sq_exec(s, "DELETE FROM challenges WHERE device_id = ?",
	    "i", id)) != POUCH_OK ||
	    (rc = sq_exec(s, "DELETE FROM key_packages WHERE device_id = ?",
	    "i", id)) != POUCH_OK)
		goto out;
	if (propose != NULL &&
	    (rc = sq_propose_removal(s, id, now, propose, arg, &n)) !=
	    POUCH_OK)
		goto out;
	snprintf(subject, sizeof(subject), "device:%lld", (long long)id);
	rc = sq_audit(s, now, actor, "device.revoke", subject);
out:
	rc = sq_end(s, rc);
	if (rc == POUCH_OK && nproposed != NULL)
		*nproposed = n;
	return rc;
}

int
sq_challenge_add(struct pouch_store *st, int64_t device_id,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t expires)
{
	struct sq *s = (struct sq *)st;
	int rc;

	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	/* Expired challenges of this device go on the way. */
	if ((rc = sq_exec(s, "DELETE FROM challenges WHERE device_id = ? AND "
	    "expires < ?", "ii", device_id, expires - 3600)) != POUCH_OK)
		goto out;
	rc = sq_exec(s, "INSERT INTO challenges (hash, device_id, expires) "
	    "VALUES (?, ?, ?)", "bii", hash, (size_t)POUCH_STORE_HASH_BYTES,
	    device_id, expires);
out:
	return sq_end(s, rc);
}

int
sq_challenge_take(struct pouch_store *st, int64_t device_id,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t now)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int rc, found = 0, expired = 0;

	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = sq_prep(s, &q, "DELETE FROM challenges WHERE hash = ? AND "
	    "device_id = ? RETURNING expires", "bi", hash,
	    (size_t)POUCH_STORE_HASH_BYTES, device_id)) != POUCH_OK)
		goto out;
	if ((rc = sq_step(s, q)) == 1) {
		found = 1;
		expired = sqlite3_column_int64(q, 0) <= now;
		rc = sq_step(s, q);	/* the delete completes at the end */
	}
	if (rc == 0)
		rc = POUCH_OK;
out:
	sq_done(s, q);
	/* Commit even when expired: a challenge is consumed once tried. */
	if ((rc = sq_end(s, rc)) != POUCH_OK)
		return rc;
	if (!found)
		return POUCH_E_NOT_FOUND;
	return expired ? POUCH_E_EXPIRED : POUCH_OK;
}

int
sq_token_add(struct pouch_store *st, int64_t device_id,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t expires)
{
	struct sq *s = (struct sq *)st;
	int rc;

	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = sq_exec(s, "DELETE FROM tokens WHERE device_id = ? AND "
	    "expires < ?", "ii", device_id, expires - 86400)) != POUCH_OK)
		goto out;
	rc = sq_exec(s, "INSERT INTO tokens (hash, device_id, expires) "
	    "VALUES (?, ?, ?)", "bii", hash, (size_t)POUCH_STORE_HASH_BYTES,
	    device_id, expires);
out:
	return sq_end(s, rc);
}

int
sq_token_check(struct pouch_store *st,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t now,
    struct pouch_store_device *out)
{
	struct sq *s = sq_reader(st);
	sqlite3_stmt *q = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->mu);
	if ((rc = sq_prep(s, &q, "SELECT t.expires, u.suspended, d.id, "
	    "d.user_id, d.name, d.key, d.revoked, d.created FROM tokens t "
	    "JOIN devices d ON d.id = t.device_id JOIN users u ON "
	    "u.id = d.user_id WHERE t.hash = ?", "b", hash,
	    (size_t)POUCH_STORE_HASH_BYTES)) != POUCH_OK)
		goto out;
	if ((rc = sq_step(s, q)) != 1) {
		rc = rc == 0 ? POUCH_E_NOT_FOUND : rc;
		goto out;
	}
	if ((rc = read_device(q, 2, out)) != POUCH_OK)
		goto out;
	if (sqlite3_column_int64(q, 0) <= now)
		rc = POUCH_E_EXPIRED;
	else if (sqlite3_column_int(q, 1) != 0 || out->revoked)
		rc = POUCH_E_FORBIDDEN;
out:
	sq_done(s, q);
	pthread_mutex_unlock(&s->mu);
	if (rc != POUCH_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
sq_audit_add(struct pouch_store *st, int64_t now, const char *actor,
    const char *action, const char *subject)
{
	struct sq *s = (struct sq *)st;
	int rc;

	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	rc = sq_audit(s, now, actor, action, subject);
	return sq_end(s, rc);
}

int
sq_audit_list(struct pouch_store *st, int64_t after, size_t limit,
    int (*fn)(void *, const struct pouch_store_audit *), void *arg)
{
	struct sq *s = sq_reader(st);
	struct pouch_store_audit a;
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = sq_begin(s, 0)) != POUCH_OK)
		return rc;
	if ((rc = sq_prep(s, &q, "SELECT id, ts, actor, action, subject "
	    "FROM audit WHERE id > ? ORDER BY id LIMIT ?", "ii", after,
	    (int64_t)limit)) != POUCH_OK)
		goto out;
	while ((rc = sq_step(s, q)) == 1) {
		a.id = sqlite3_column_int64(q, 0);
		a.ts = sqlite3_column_int64(q, 1);
		a.actor = (const char *)sqlite3_column_text(q, 2);
		a.action = (const char *)sqlite3_column_text(q, 3);
		a.subject = (const char *)sqlite3_column_text(q, 4);
		if ((rc = fn(arg, &a)) != POUCH_OK)
			goto out;
	}
out:
	sq_done(s, q);
	return sq_end(s, rc);
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
sq_account_rotate(struct pouch_store *st, int64_t user_id,
    const uint8_t prev[POUCH_STORE_KEY_BYTES],
    const uint8_t next[POUCH_STORE_KEY_BYTES], const int64_t *devices,
    size_t ndevices, int64_t now, const char *actor)
{
	struct sq *s = (struct sq *)st;
	struct pouch_store_user u;
	sqlite3_stmt *q = NULL;
	int64_t active = 0;
	size_t i;
	int rc;

	if (prev == NULL || next == NULL || (ndevices > 0 && devices == NULL))
		return POUCH_E_MISUSE;
	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = sq_prep(s, &q, "SELECT " USER_COLS " FROM users WHERE "
	    "id = ?", "i", user_id)) != POUCH_OK)
		goto out;
	if ((rc = sq_step(s, q)) == 1)
		rc = read_user(q, 0, &u);
	else if (rc == 0)
		rc = POUCH_E_NOT_FOUND;
	sq_done(s, q);
	if (rc != POUCH_OK)
		goto out;
	rc = POUCH_E_CONFLICT;
	if (!u.has_account_key ||
	    memcmp(u.account_key, prev,	/* checksrc: allow */
	    POUCH_STORE_KEY_BYTES) != 0)
		goto out;
	if ((rc = sq_int(s, &active, "SELECT COUNT(*) FROM devices WHERE "
	    "user_id = ? AND revoked = 0", "i", user_id)) != POUCH_OK)
		goto out;
	rc = POUCH_E_CONFLICT;
	if (active < 0 || (uint64_t)active != ndevices)
		goto out;
	for (i = 0; i < ndevices; i++) {
		if (listed(devices, i, devices[i])) {
			rc = POUCH_E_CONFLICT;
			goto out;
		}
		if ((rc = sq_int(s, &active, "SELECT id FROM devices WHERE "
		    "id = ? AND user_id = ? AND revoked = 0", "ii",
		    devices[i], user_id)) != POUCH_OK) {
			if (rc == POUCH_E_NOT_FOUND)
				rc = POUCH_E_CONFLICT;
			goto out;
		}
	}
	if ((rc = sq_exec(s, "UPDATE users SET account_key = ? WHERE id = ?",
	    "bi", next, (size_t)POUCH_STORE_KEY_BYTES, user_id)) != POUCH_OK)
		goto out;
	rc = sq_audit(s, now, actor, "account.rotate", u.name);
out:
	return sq_end(s, rc);
}
