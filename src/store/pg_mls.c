/*
 * pg_mls.c - delivery in the PostgreSQL store: KeyPackages, groups,
 * accepting and fanning out messages, the per-device queues, attachment
 * metadata.  Same semantics as sqlite_mls.c; what differs is how several
 * nodes are kept apart:
 *
 * - a post locks its group's row (FOR UPDATE for commits and proposals,
 *   FOR SHARE for application messages), and a commit also inserts
 *   (group, epoch) into commits, whose primary key refuses a second one:
 *   exactly one commit per epoch, whichever node received it;
 * - fan-out takes each recipient's device row lock (in id order, so no
 *   deadlock) and its next per-device cursor, so a device's cursors
 *   become visible in order and a sync never acks past an uncommitted one;
 * - a KeyPackage is claimed with FOR UPDATE SKIP LOCKED and deleted in
 *   the same transaction: never handed out twice;
 * - the posting transaction sends NOTIFY pouch_wake with the recipients,
 *   delivered to every node's listener only if it commits.
 */
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"

struct devs {
	int64_t	*v;
	size_t	 n;
	size_t	 cap;
};

static int
devs_add(struct devs *d, int64_t id)
{
	int64_t *nv;
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i] == id)
			return POUCH_OK;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;

		if ((nv = realloc(d->v, cap * sizeof(*nv))) == NULL)
			return POUCH_E_NOMEM;
		d->v = nv;
		d->cap = cap;
	}
	d->v[d->n++] = id;
	return POUCH_OK;
}

/* FORBIDDEN unless the device exists, is not revoked, user active. */
static int
device_active(struct pgx *x, int64_t device_id)
{
	PGresult *r = NULL;
	int rc;

	if ((rc = pg_q(x, &r, "SELECT d.revoked, u.suspended FROM devices d "
	    "JOIN users u ON u.id = d.user_id WHERE d.id = $1", "i",
	    device_id)) != POUCH_OK)
		return rc;
	rc = PQntuples(r) == 1 && pg_get_int(r, 0, 0) == 0 &&
	    pg_get_int(r, 0, 1) == 0 ? POUCH_OK : POUCH_E_FORBIDDEN;
	PQclear(r);
	return rc;
}

/*
 * Store a batch of KeyPackages; replace: first drop the device's unclaimed
 * ones (ordinary and last-resort) of every suite the batch names, so the
 * quota counts what is left after.  One transaction: a failing batch
 * leaves the old ones.  A claim on another node holds its row (FOR UPDATE
 * SKIP LOCKED): the DELETE waits for it, and then finds it gone.
 */
static int
kp_write(struct pg *p, int64_t device_id, const struct pouch_store_kp *kps,
    size_t n, size_t stored_max, int replace)
{
	struct pgx x;
	int64_t have;
	size_t i, j, fresh = 0;
	int rc;

	for (i = 0; i < n; i++) {
		if (kps[i].reflen == 0 || kps[i].reflen > POUCH_STORE_REF_MAX ||
		    kps[i].len == 0 || kps[i].suite == 0)
			return POUCH_E_MISUSE;
		fresh += kps[i].last_resort ? 0 : 1;
	}
	if ((rc = pg_begin(p, &x)) != POUCH_OK)
		return rc;
	/* the device row lock serialises uploads against the quota */
	if ((rc = pg_q(&x, NULL, "SELECT 1 FROM devices WHERE id = $1 FOR "
	    "UPDATE", "i", device_id)) != POUCH_OK ||
	    (rc = device_active(&x, device_id)) != POUCH_OK)
		goto out;
	for (i = 0; replace && i < n; i++) {
		for (j = 0; j < i && kps[j].suite != kps[i].suite; j++)
			;
		if (j == i && (rc = pg_q(&x, NULL, "DELETE FROM key_packages "
		    "WHERE device_id = $1 AND suite = $2", "ii", device_id,
		    (int64_t)kps[i].suite)) != POUCH_OK)
			goto out;
	}
	if ((rc = pg_int(&x, &have, "SELECT count(*) FROM key_packages "
	    "WHERE device_id = $1 AND last_resort = 0", "i", device_id)) !=
	    POUCH_OK)
		goto out;
	if ((uint64_t)have + fresh > stored_max) {
		rc = POUCH_E_QUOTA;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (kps[i].last_resort && (rc = pg_q(&x, NULL, "DELETE FROM "
		    "key_packages WHERE device_id = $1 AND suite = $2 AND "
		    "last_resort = 1", "ii", device_id,
		    (int64_t)kps[i].suite)) != POUCH_OK)
			goto out;
		if ((rc = pg_q(&x, NULL, "INSERT INTO key_packages (device_id, "
		    "suite, ref, data, last_resort) VALUES ($1, $2, $3, $4, "
		    "$5)", "iibbi", device_id, (int64_t)kps[i].suite,
		    kps[i].ref, kps[i].reflen, kps[i].data, kps[i].len,
		    (int64_t)(kps[i].last_resort != 0))) != POUCH_OK)
			goto out;
	}
out:
	return pg_end(&x, rc);
}

int
pg_kp_add(struct pouch_store *st, int64_t device_id,
    const struct pouch_store_kp *kps, size_t n, size_t stored_max)
{
	return kp_write((struct pg *)st, device_id, kps, n, stored_max, 0);
}

int
pg_kp_replace(struct pouch_store *st, int64_t device_id,
    const struct pouch_store_kp *kps, size_t n, size_t stored_max)
{
	return kp_write((struct pg *)st, device_id, kps, n, stored_max, 1);
}

/*
 * Hand out one KeyPackage of device d in suite: the oldest, else the
 * last-resort one; none of that suite: report d as missing.
 */
static int
claim_one(struct pgx *x, int64_t d, uint16_t suite, int64_t now,
    int (*fn)(void *, const struct pouch_store_claimed *), void *arg)
{
	struct pouch_store_claimed c;
	PGresult *r = NULL;
	size_t reflen;
	int rc;

	memset(&c, 0, sizeof(c));
	c.device_id = d;
	/* another node's claim holds its row: take the next one */
	if ((rc = pg_q(x, &r, "SELECT id, ref, data, last_resort FROM "
	    "key_packages WHERE device_id = $1 AND suite = $2 AND "
	    "last_resort = 0 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
	    "ii", d, (int64_t)suite)) != POUCH_OK)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		/* the last-resort one is shared, never consumed */
		if ((rc = pg_q(x, &r, "SELECT id, ref, data, last_resort FROM "
		    "key_packages WHERE device_id = $1 AND suite = $2 AND "
		    "last_resort = 1 ORDER BY id LIMIT 1", "ii", d,
		    (int64_t)suite)) != POUCH_OK)
			return rc;
		if (PQntuples(r) == 0) {
			c.missing = 1;		/* none in this suite */
			rc = fn(arg, &c);
			goto out;
		}
	}
	reflen = (size_t)PQgetlength(r, 0, 1);
	if (reflen == 0 || reflen > POUCH_STORE_REF_MAX) {
		rc = POUCH_E_DB;
		goto out;
	}
	c.data = (const uint8_t *)PQgetvalue(r, 0, 2);
	c.len = (size_t)PQgetlength(r, 0, 2);
	c.last_resort = pg_get_int(r, 0, 3) != 0;
	if ((rc = fn(arg, &c)) != POUCH_OK)
		goto out;
	if (!c.last_resort && (rc = pg_q(x, NULL, "DELETE FROM key_packages "
	    "WHERE id = $1", "i", pg_get_int(r, 0, 0))) != POUCH_OK)
		goto out;
	rc = pg_q(x, NULL, "INSERT INTO kp_issued (ref, device_id, issued) "
	    "VALUES ($1, $2, $3) ON CONFLICT (ref) DO UPDATE SET "
	    "device_id = excluded.device_id, issued = excluded.issued", "bii",
	    PQgetvalue(r, 0, 1), reflen, d, now);
out:
	PQclear(r);
	return rc;
}

int
pg_kp_claim(struct pouch_store *st, int64_t user_id, int64_t exclude,
    uint16_t suite, int64_t now,
    int (*fn)(void *, const struct pouch_store_claimed *), void *arg)
{
	struct devs d = { 0 };
	PGresult *r = NULL;
	struct pgx x;
	int64_t susp;
	size_t i;
	int rc, k;

	if (suite == 0)
		return POUCH_E_MISUSE;		/* RFC 9420 17.1: reserved */
	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_int(&x, &susp, "SELECT suspended FROM users WHERE "
	    "id = $1", "i", user_id)) != POUCH_OK)
		goto out;
	if (susp) {
		rc = POUCH_E_FORBIDDEN;
		goto out;
	}
	if ((rc = pg_q(&x, &r, "SELECT id FROM devices WHERE user_id = $1 "
	    "AND revoked = 0 AND id != $2 ORDER BY id", "ii", user_id,
	    exclude)) != POUCH_OK)
		goto out;
	for (k = 0; k < PQntuples(r); k++)
		if ((rc = devs_add(&d, pg_get_int(r, k, 0))) != POUCH_OK)
			goto out;
	if (d.n == 0) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	for (i = 0; i < d.n; i++)
		if ((rc = claim_one(&x, d.v[i], suite, now, fn, arg)) !=
		    POUCH_OK)
			goto out;
out:
	PQclear(r);
	free(d.v);
	return pg_end(&x, rc);
}

int
pg_kp_count(struct pouch_store *st, int64_t device_id, uint16_t suite,
    int64_t *count, int *has_last_resort)
{
	PGresult *r = NULL;
	struct pgx x;
	int rc;

	*count = 0;
	*has_last_resort = 0;
	if (suite == 0)
		return POUCH_E_MISUSE;
	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, &r, "SELECT count(*) FILTER (WHERE last_resort = "
	    "0), count(*) FILTER (WHERE last_resort = 1) FROM key_packages "
	    "WHERE device_id = $1 AND suite = $2", "ii", device_id,
	    (int64_t)suite)) != POUCH_OK)
		goto out;
	if (PQntuples(r) != 1) {
		rc = POUCH_E_DB;
		goto out;
	}
	*count = pg_get_int(r, 0, 0);
	*has_last_resort = pg_get_int(r, 0, 1) > 0;
out:
	PQclear(r);
	if ((rc = pg_end(&x, rc)) != POUCH_OK) {
		*count = 0;
		*has_last_resort = 0;
	}
	return rc;
}

int
pg_group_create(struct pouch_store *st, const uint8_t *gid, size_t gidlen,
    uint16_t cipher_suite, int64_t creator, int64_t now)
{
	struct pgx x;
	int64_t ref;
	int rc;

	if (gidlen == 0 || gidlen > POUCH_STORE_GROUP_ID_MAX)
		return POUCH_E_MISUSE;
	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = device_active(&x, creator)) != POUCH_OK)
		goto out;
	if ((rc = pg_int(&x, &ref, "INSERT INTO groups (group_id, epoch, "
	    "created, cipher_suite) VALUES ($1, 0, $2, $3) RETURNING id",
	    "bii", gid, gidlen, now, (int64_t)cipher_suite)) != POUCH_OK)
		goto out;
	/* RFC 9420 11: the creator is the only member, at leaf 0. */
	rc = pg_q(&x, NULL, "INSERT INTO members (group_ref, leaf, device_id) "
	    "VALUES ($1, 0, $2)", "ii", ref, creator);
out:
	return pg_end(&x, rc);
}

/* lock: 0 none, 1 FOR SHARE, 2 FOR UPDATE */
static int
group_row(struct pgx *x, const uint8_t *gid, size_t gidlen, int lock,
    int64_t *ref, struct pouch_store_group *g)
{
	static const char *const sql[] = {
		"SELECT id, epoch, cipher_suite FROM groups WHERE "
		"group_id = $1",
		"SELECT id, epoch, cipher_suite FROM groups WHERE "
		"group_id = $1 FOR SHARE",
		"SELECT id, epoch, cipher_suite FROM groups WHERE "
		"group_id = $1 FOR UPDATE",
	};
	PGresult *r = NULL;
	int rc;

	if ((rc = pg_q(x, &r, sql[lock], "b", gid, gidlen)) != POUCH_OK)
		return rc;
	if (PQntuples(r) == 1) {
		*ref = pg_get_int(r, 0, 0);
		g->epoch = (uint64_t)pg_get_int(r, 0, 1);
		g->cipher_suite = (uint16_t)pg_get_int(r, 0, 2);
	} else
		rc = POUCH_E_NOT_FOUND;
	PQclear(r);
	return rc;
}

int
pg_group_get(struct pouch_store *st, const uint8_t *gid, size_t gidlen,
    struct pouch_store_group *out)
{
	struct pgx x;
	int64_t ref;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	rc = group_row(&x, gid, gidlen, 0, &ref, out);
	if ((rc = pg_end(&x, rc)) != POUCH_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* The active device a KeyPackageRef was issued to: NOT_FOUND if none. */
static int
ref_device(struct pgx *x, const struct pouch_store_ref *ref, int64_t *dev)
{
	if (ref->n == 0 || ref->n > POUCH_STORE_REF_MAX)
		return POUCH_E_NOT_FOUND;
	return pg_int(x, dev, "SELECT i.device_id FROM kp_issued i JOIN "
	    "devices d ON d.id = i.device_id WHERE i.ref = $1 AND "
	    "d.revoked = 0", "b", ref->p, ref->n);
}

/* RFC 9420 12.1.1: an Add takes the leftmost blank leaf. */
static int
leftmost_blank(struct pgx *x, int64_t group, int64_t *leaf)
{
	PGresult *r = NULL;
	int64_t want = 0;
	int rc, i;

	if ((rc = pg_q(x, &r, "SELECT leaf FROM members WHERE group_ref = $1 "
	    "ORDER BY leaf", "i", group)) != POUCH_OK)
		return rc;
	for (i = 0; i < PQntuples(r) && pg_get_int(r, i, 0) == want; i++)
		want++;
	PQclear(r);
	*leaf = want;
	return POUCH_OK;
}

struct change {
	int		type;
	uint32_t	leaf;
	uint8_t		ref[POUCH_STORE_REF_MAX];
	size_t		reflen;
};

static int
resolve(struct pgx *x, int64_t group, uint64_t epoch,
    const struct pouch_store_ref *ref, struct change *c)
{
	PGresult *r = NULL;
	int rc;

	if ((rc = pg_q(x, &r, "SELECT type, leaf, kp_ref FROM proposals "
	    "WHERE group_ref = $1 AND epoch = $2 AND ref = $3", "iib", group,
	    (int64_t)epoch, ref->p, ref->n)) != POUCH_OK)
		return rc;
	if (PQntuples(r) != 1) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	c->type = (int)pg_get_int(r, 0, 0);
	c->leaf = (uint32_t)pg_get_int(r, 0, 1);
	c->reflen = pg_get_null(r, 0, 2) ? 0 : (size_t)PQgetlength(r, 0, 2);
	if (c->reflen > sizeof(c->ref)) {
		rc = POUCH_E_DB;
		goto out;
	}
	if (c->reflen > 0)
		memcpy(c->ref, PQgetvalue(r, 0, 2), c->reflen);
out:
	PQclear(r);
	return rc;
}

static int
apply_remove(struct pgx *x, int64_t group, uint32_t leaf)
{
	int rc;

	if ((rc = pg_q(x, NULL, "DELETE FROM members WHERE group_ref = $1 AND "
	    "leaf = $2", "ii", group, (int64_t)leaf)) != POUCH_OK)
		return rc;
	return x->changes == 1 ? POUCH_OK : POUCH_E_MALFORMED;	/* blank */
}

static int
apply_add(struct pgx *x, int64_t group, const struct change *c)
{
	struct pouch_store_ref r = { c->ref, c->reflen };
	int64_t dev, leaf;
	int rc;

	if ((rc = ref_device(x, &r, &dev)) != POUCH_OK ||
	    (rc = leftmost_blank(x, group, &leaf)) != POUCH_OK)
		return rc;
	return pg_q(x, NULL, "INSERT INTO members (group_ref, leaf, "
	    "device_id) VALUES ($1, $2, $3)", "iii", group, leaf, dev);
}

static int
apply_commit(struct pgx *x, int64_t group, const struct pouch_store_msg *m)
{
	struct change *c;
	size_t i;
	int rc = POUCH_OK;

	if ((c = calloc(m->nchanges + 1, sizeof(*c))) == NULL)
		return POUCH_E_NOMEM;
	for (i = 0; i < m->nchanges && rc == POUCH_OK; i++) {
		const struct pouch_store_change *in = &m->changes[i];

		if (in->type == POUCH_STORE_CH_REF) {
			rc = resolve(x, group, m->epoch, &in->ref, &c[i]);
			continue;
		}
		c[i].type = (int)in->type;
		c[i].leaf = in->leaf;
		if (in->ref.n > sizeof(c[i].ref))
			rc = POUCH_E_MISUSE;
		else if ((c[i].reflen = in->ref.n) > 0)
			memcpy(c[i].ref, in->ref.p, in->ref.n);
	}
	for (i = 0; i < m->nchanges && rc == POUCH_OK; i++)
		if (c[i].type == POUCH_STORE_CH_REMOVE)
			rc = apply_remove(x, group, c[i].leaf);
	for (i = 0; i < m->nchanges && rc == POUCH_OK; i++)
		if (c[i].type == POUCH_STORE_CH_ADD)
			rc = apply_add(x, group, &c[i]);
	free(c);
	if (rc != POUCH_OK)
		return rc;
	if ((rc = pg_q(x, NULL, "INSERT INTO commits (group_ref, epoch, "
	    "sender, created) VALUES ($1, $2, $3, $4)", "iiii", group,
	    (int64_t)m->epoch, m->sender, m->now)) != POUCH_OK)
		return rc == POUCH_E_EXISTS ? POUCH_E_CONFLICT : rc;
	return pg_q(x, NULL, "UPDATE groups SET epoch = epoch + 1 WHERE "
	    "id = $1", "i", group);
}

static int
record_proposal(struct pgx *x, int64_t group, const struct pouch_store_msg *m)
{
	const struct pouch_store_change *c = m->changes;

	if (m->prop_ref.n == 0 || m->prop_ref.n > POUCH_STORE_REF_MAX ||
	    m->nchanges != 1)
		return POUCH_OK;		/* not referenceable */
	return pg_q(x, NULL, "INSERT INTO proposals (group_ref, epoch, ref, "
	    "type, leaf, kp_ref) VALUES ($1, $2, $3, $4, $5, $6)", "iibiib",
	    group, (int64_t)m->epoch, m->prop_ref.p, m->prop_ref.n,
	    (int64_t)c->type, (int64_t)c->leaf, c->ref.p, c->ref.n);
}

static int
group_recipients(struct pgx *x, int64_t group,
    const struct pouch_store_msg *m, struct devs *d)
{
	PGresult *r = NULL;
	int64_t dev;
	int rc, i, sender_in = 0;

	/* a revoked member gets nothing more, even before its Remove */
	if ((rc = pg_q(x, &r, "SELECT m.device_id, m.leaf, d.revoked FROM "
	    "members m JOIN devices d ON d.id = m.device_id WHERE "
	    "m.group_ref = $1 ORDER BY m.leaf", "i", group)) != POUCH_OK)
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		dev = pg_get_int(r, i, 0);
		if (dev == m->sender) {
			if (m->check_leaf && pg_get_int(r, i, 1) !=
			    (int64_t)m->sender_leaf)
				break;
			sender_in = 1;
		} else if (pg_get_int(r, i, 2) == 0 &&
		    (rc = devs_add(d, dev)) != POUCH_OK)
			break;
	}
	PQclear(r);
	if (rc != POUCH_OK)
		return rc;
	return sender_in ? POUCH_OK : POUCH_E_FORBIDDEN;
}

static int
welcome_recipients(struct pgx *x, const struct pouch_store_msg *m,
    struct devs *d)
{
	int64_t dev;
	size_t i;
	int rc;

	for (i = 0; i < m->nrefs; i++) {
		rc = ref_device(x, &m->refs[i], &dev);
		if (rc == POUCH_E_NOT_FOUND)
			continue;
		if (rc != POUCH_OK || (rc = devs_add(d, dev)) != POUCH_OK)
			return rc;
	}
	return d->n > 0 ? POUCH_OK : POUCH_E_NOT_FOUND;
}

/*
 * Queue message msg for devices d: each device's row lock, in id order,
 * and its next cursor; then tell every node.
 */
static int
enqueue(struct pgx *x, int64_t msg, const struct devs *d)
{
	PGresult *r = NULL;
	char *a;
	int rc;

	if (d->n == 0)
		return POUCH_OK;
	if ((a = pg_id_array(d->v, d->n)) == NULL)
		return POUCH_E_NOMEM;
	/* one round trip: queue rows, and (up to 300) the NOTIFY */
	rc = pg_q(x, &r, "WITH l AS (SELECT id FROM devices WHERE "
	    "id = ANY ($1::bigint[]) ORDER BY id FOR UPDATE), "
	    "u AS (UPDATE devices v SET qseq = greatest(v.qseq + 1, $5) "
	    "FROM l WHERE v.id = l.id RETURNING v.id, v.qseq), "
	    "q AS (INSERT INTO queue (device_id, cursor, message_id) "
	    "SELECT id, qseq, $2 FROM u RETURNING 1) "
	    "SELECT (SELECT count(*) FROM q), CASE WHEN $3 THEN "
	    "pg_notify('" PG_WAKE_CHANNEL "', $4) END", "aiati", a, msg,
	    d->n <= 300 ? "true" : "false", a, x->p->seq_floor);
	free(a);
	if (rc != POUCH_OK)
		return rc;
	if (PQntuples(r) != 1 || (size_t)pg_get_int(r, 0, 0) != d->n)
		rc = POUCH_E_NOT_FOUND;
	PQclear(r);
	if (rc == POUCH_OK && d->n > 300)
		rc = pg_notify_devs(x, d->v, d->n);
	return rc;
}

/*
 * The group of a message with its lock (FOR SHARE for an application
 * message, FOR UPDATE otherwise), whether the sender is active, and
 * the members, in one round trip; then the checks of sqlite_mls.c in
 * its order: FORBIDDEN (sender inactive), NOT_FOUND (no group),
 * FORBIDDEN (not a member, or at another leaf), else recipients in d.
 */
static int
group_and_members(struct pgx *x, const struct pouch_store_msg *m,
    int64_t *group, struct pouch_store_group *g, struct devs *d)
{
	PGresult *r = NULL;
	int64_t dev;
	int rc, i, sender_in = 0;

	rc = pg_q(x, &r, m->kind == POUCH_STORE_APPLICATION ?
	    "SELECT g.id, g.epoch, g.cipher_suite, m.device_id, m.leaf, "
	    "(SELECT CASE WHEN d.revoked = 0 AND u.suspended = 0 THEN 1 "
	    "ELSE 0 END FROM devices d JOIN users u ON u.id = d.user_id "
	    "WHERE d.id = $2) FROM groups g LEFT JOIN members m ON "
	    "m.group_ref = g.id WHERE g.group_id = $1 ORDER BY m.leaf "
	    "FOR SHARE OF g" :
	    "SELECT g.id, g.epoch, g.cipher_suite, m.device_id, m.leaf, "
	    "(SELECT CASE WHEN d.revoked = 0 AND u.suspended = 0 THEN 1 "
	    "ELSE 0 END FROM devices d JOIN users u ON u.id = d.user_id "
	    "WHERE d.id = $2) FROM groups g LEFT JOIN members m ON "
	    "m.group_ref = g.id WHERE g.group_id = $1 ORDER BY m.leaf "
	    "FOR UPDATE OF g", "bi", m->group_id, m->gidlen, m->sender);
	if (rc != POUCH_OK)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		if ((rc = device_active(x, m->sender)) != POUCH_OK)
			return rc;
		return POUCH_E_NOT_FOUND;
	}
	if (pg_get_null(r, 0, 5) || pg_get_int(r, 0, 5) != 1) {
		PQclear(r);
		return POUCH_E_FORBIDDEN;
	}
	*group = pg_get_int(r, 0, 0);
	g->epoch = (uint64_t)pg_get_int(r, 0, 1);
	g->cipher_suite = (uint16_t)pg_get_int(r, 0, 2);
	for (i = 0; i < PQntuples(r) && !pg_get_null(r, i, 3); i++) {
		dev = pg_get_int(r, i, 3);
		if (dev == m->sender) {
			if (m->check_leaf && pg_get_int(r, i, 4) !=
			    (int64_t)m->sender_leaf)
				break;
			sender_in = 1;
		} else if ((rc = devs_add(d, dev)) != POUCH_OK)
			break;
	}
	PQclear(r);
	if (rc != POUCH_OK)
		return rc;
	return sender_in ? POUCH_OK : POUCH_E_FORBIDDEN;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
post_body(struct pgx *x, const struct pouch_store_msg *m,
    struct pouch_store_posted *out, struct devs *d)
{
	struct pouch_store_group g;
	int64_t group = 0, msg;
	uint64_t cur = 0;
	size_t i;
	int rc;

	if (m->kind != POUCH_STORE_WELCOME) {
		if ((rc = group_and_members(x, m, &group, &g, d)) != POUCH_OK)
			return rc;
		cur = g.epoch;
		out->epoch = cur;
		if (m->kind == POUCH_STORE_COMMIT ? m->epoch != cur :
		    m->epoch > cur || cur - m->epoch > m->epoch_window)
			return POUCH_E_CONFLICT;
	} else if ((rc = device_active(x, m->sender)) != POUCH_OK ||
	    (rc = welcome_recipients(x, m, d)) != POUCH_OK)
		return rc;
	if ((rc = pg_int(x, &msg, "INSERT INTO messages (group_ref, epoch, "
	    "kind, sender, body, created) VALUES (nullif($1, 0), $2, $3, $4, "
	    "$5, $6) RETURNING id", "iiiibi", group, (int64_t)m->epoch,
	    (int64_t)m->kind, m->sender, m->body, m->len, m->now)) != POUCH_OK)
		return rc;
	/* a missing attachment is NOT_FOUND (foreign key) */
	for (i = 0; i < m->nattachments; i++)
		if ((rc = pg_q(x, NULL, "INSERT INTO message_attachments "
		    "(message_id, hash) VALUES ($1, $2) ON CONFLICT DO NOTHING",
		    "ib", msg, m->attachments[i],
		    (size_t)POUCH_STORE_HASH_BYTES)) != POUCH_OK)
			return rc;
	if (m->kind == POUCH_STORE_COMMIT) {
		if ((rc = apply_commit(x, group, m)) != POUCH_OK)
			return rc;
		out->epoch = cur + 1;
	}
	if (m->kind == POUCH_STORE_PROPOSAL &&
	    (rc = record_proposal(x, group, m)) != POUCH_OK)
		return rc;
	if (d->n == 0) {
		/* Nobody to deliver to (a group of one): keep no body. */
		if ((rc = pg_q(x, NULL, "DELETE FROM messages WHERE id = $1",
		    "i", msg)) != POUCH_OK)
			return rc;
	} else {
		qsort(d->v, d->n, sizeof(d->v[0]), cmp_id);
		if ((rc = enqueue(x, msg, d)) != POUCH_OK)
			return rc;
	}
	out->msg_id = msg;
	return POUCH_OK;
}

int
pg_post(struct pouch_store *st, const struct pouch_store_msg *m,
    struct pouch_store_posted *out)
{
	struct devs d = { 0 };
	struct pgx x;
	uint64_t epoch;
	int rc;

	memset(out, 0, sizeof(*out));
	if (m->len == 0 || (m->kind != POUCH_STORE_WELCOME &&
	    (m->gidlen == 0 || m->gidlen > POUCH_STORE_GROUP_ID_MAX)) ||
	    m->kind < POUCH_STORE_APPLICATION || m->kind > POUCH_STORE_WELCOME)
		return POUCH_E_MISUSE;
	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	rc = post_body(&x, m, out, &d);
	rc = pg_end(&x, rc);
	if (rc != POUCH_OK) {
		free(d.v);
		epoch = out->epoch;
		memset(out, 0, sizeof(*out));
		if (rc == POUCH_E_CONFLICT)
			out->epoch = epoch;
		return rc;
	}
	out->devices = d.v;
	out->ndevices = d.n;
	return POUCH_OK;
}

struct membership {
	int64_t		group;
	uint8_t		gid[POUCH_STORE_GROUP_ID_MAX];
	size_t		gidlen;
	uint64_t	epoch;
	uint16_t	suite;
	uint32_t	leaf;
	int64_t		device;		/* the one to remove */
};

static int
propose_one(struct pgx *x, int64_t device, int64_t now,
    const struct membership *ms, pouch_store_propose_fn propose, void *arg)
{
	struct pouch_store_membership pm = { ms->gid, ms->gidlen, ms->epoch,
	    ms->suite, ms->leaf };
	struct pouch_store_change ch = { POUCH_STORE_CH_REMOVE, ms->leaf,
	    { NULL, 0 } };
	struct pouch_store_msg m;
	uint8_t ref[POUCH_STORE_REF_MAX], *msg = NULL;
	struct devs d = { 0 };
	size_t len = 0, reflen = 0;
	int64_t id;
	int rc;

	if (propose(arg, &pm, &msg, &len, ref, &reflen) != POUCH_OK)
		return POUCH_OK;	/* this group cannot be told: skip */
	memset(&m, 0, sizeof(m));
	m.sender = device;
	if ((rc = group_recipients(x, ms->group, &m, &d)) != POUCH_OK)
		goto out;
	if ((rc = pg_int(x, &id, "INSERT INTO messages (group_ref, epoch, "
	    "kind, sender, body, created) VALUES ($1, $2, $3, 0, $4, $5) "
	    "RETURNING id", "iiibi", ms->group, (int64_t)ms->epoch,
	    (int64_t)POUCH_STORE_PROPOSAL, msg, len, now)) != POUCH_OK)
		goto out;
	qsort(d.v, d.n, sizeof(d.v[0]), cmp_id);
	if ((rc = enqueue(x, id, &d)) != POUCH_OK)
		goto out;
	m.epoch = ms->epoch;
	m.prop_ref = (struct pouch_store_ref){ ref, reflen };
	m.changes = &ch;
	m.nchanges = 1;
	rc = record_proposal(x, ms->group, &m);
out:
	free(d.v);
	free(msg);
	return rc;
}

/*
 * The memberships of r (group id, group_id, epoch, suite, leaf, device),
 * then a Remove of each by the server.
 */
static int
propose_rows(struct pgx *x, PGresult *r, int64_t now,
    pouch_store_propose_fn propose, void *arg, size_t *n)
{
	struct membership *ms = NULL, *nm;
	size_t i, count = 0;
	int rc = POUCH_OK, k;

	*n = 0;
	if (PQntuples(r) > 0 &&
	    (ms = calloc((size_t)PQntuples(r), sizeof(*ms))) == NULL)
		return POUCH_E_NOMEM;
	for (k = 0; k < PQntuples(r); k++) {
		nm = &ms[count];
		nm->group = pg_get_int(r, k, 0);
		nm->gidlen = (size_t)PQgetlength(r, k, 1);
		if (nm->gidlen == 0 || nm->gidlen > sizeof(nm->gid)) {
			rc = POUCH_E_DB;
			goto out;
		}
		memcpy(nm->gid, PQgetvalue(r, k, 1), nm->gidlen);
		nm->epoch = (uint64_t)pg_get_int(r, k, 2);
		nm->suite = (uint16_t)pg_get_int(r, k, 3);
		nm->leaf = (uint32_t)pg_get_int(r, k, 4);
		nm->device = pg_get_int(r, k, 5);
		count++;
	}
	for (i = 0; i < count; i++)
		if ((rc = propose_one(x, ms[i].device, now, &ms[i], propose,
		    arg)) != POUCH_OK)
			goto out;
	*n = count;
out:
	free(ms);
	return rc;
}

int
pg_propose_removal(struct pgx *x, int64_t device, int64_t now,
    pouch_store_propose_fn propose, void *arg, size_t *n)
{
	PGresult *r = NULL;
	int rc;

	*n = 0;
	if ((rc = pg_q(x, &r, "SELECT g.id, g.group_id, g.epoch, "
	    "g.cipher_suite, m.leaf, m.device_id FROM members m JOIN groups g "
	    "ON g.id = m.group_ref WHERE m.device_id = $1 ORDER BY g.id "
	    "FOR UPDATE OF g", "i", device)) != POUCH_OK)
		return rc;
	rc = propose_rows(x, r, now, propose, arg, n);
	PQclear(r);
	return rc;
}

int
pg_repropose(struct pouch_store *st, const uint8_t *gid, size_t gidlen,
    int64_t now, pouch_store_propose_fn propose, void *arg, size_t *n)
{
	PGresult *r = NULL;
	struct pgx x;
	size_t count = 0;
	int rc;

	if (n != NULL)
		*n = 0;
	if (propose == NULL || (gid != NULL && (gidlen == 0 ||
	    gidlen > POUCH_STORE_GROUP_ID_MAX)))
		return POUCH_E_MISUSE;
	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	/* revoked members with no Remove of their leaf in this epoch; the
	 * group rows are locked as a commit locks them */
	if ((rc = pg_q(&x, &r, "SELECT g.id, g.group_id, g.epoch, "
	    "g.cipher_suite, m.leaf, m.device_id FROM members m JOIN groups g "
	    "ON g.id = m.group_ref JOIN devices d ON d.id = m.device_id "
	    "WHERE d.revoked = 1 AND ($1 = 0 OR g.group_id = $2) AND NOT "
	    "EXISTS (SELECT 1 FROM proposals p WHERE p.group_ref = g.id AND "
	    "p.epoch = g.epoch AND p.type = $3 AND p.leaf = m.leaf) "
	    "ORDER BY g.id, m.leaf FOR UPDATE OF g", "ibi",
	    (int64_t)(gid != NULL), gid != NULL ? gid : (const uint8_t *)"",
	    gid != NULL ? gidlen : 0, (int64_t)POUCH_STORE_CH_REMOVE)) !=
	    POUCH_OK)
		goto out;
	rc = propose_rows(&x, r, now, propose, arg, &count);
out:
	PQclear(r);
	rc = pg_end(&x, rc);
	if (rc == POUCH_OK && n != NULL)
		*n = count;
	return rc;
}

int
pg_sync_fetch(struct pouch_store *st, int64_t device_id, int64_t after,
    size_t limit, int (*fn)(void *, const struct pouch_store_item *),
    void *arg)
{
	struct pouch_store_item it;
	PGresult *r = NULL;
	struct pgx x;
	int rc, i;

	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, &r, "SELECT q.cursor, m.id, m.kind, m.body, "
	    "m.created FROM queue q JOIN messages m ON m.id = q.message_id "
	    "WHERE q.device_id = $1 AND q.cursor > $2 ORDER BY q.cursor "
	    "LIMIT $3", "iii", device_id, after, (int64_t)limit)) != POUCH_OK)
		goto out;
	for (i = 0; i < PQntuples(r); i++) {
		it.cursor = pg_get_int(r, i, 0);
		it.msg_id = pg_get_int(r, i, 1);
		it.kind = (enum pouch_store_kind)pg_get_int(r, i, 2);
		it.body = (const uint8_t *)PQgetvalue(r, i, 3);
		it.len = (size_t)PQgetlength(r, i, 3);
		it.created = pg_get_int(r, i, 4);
		if ((rc = fn(arg, &it)) != POUCH_OK)
			goto out;
	}
out:
	PQclear(r);
	return pg_end(&x, rc);
}

int
pg_sync_ack(struct pouch_store *st, int64_t device_id, int64_t cursor)
{
	struct pgx x;
	int rc;

	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	/* drop the rows, then the messages that lost their last reader */
	rc = pg_q(&x, NULL, "WITH d AS (DELETE FROM queue WHERE "
	    "device_id = $1 AND cursor <= $2 RETURNING message_id) "
	    "DELETE FROM messages m WHERE m.id IN (SELECT message_id FROM d) "
	    "AND NOT EXISTS (SELECT 1 FROM queue q WHERE q.message_id = m.id "
	    "AND q.device_id != $1)", "ii", device_id, cursor);
	return pg_end(&x, rc);
}

int
pg_attachment_add(struct pouch_store *st,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], uint64_t size,
    int64_t user_id, uint64_t quota, int64_t now)
{
	struct pgx x;
	int64_t used;
	int rc;

	if (size > INT64_MAX)
		return POUCH_E_TOO_LARGE;
	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	/* the user's row lock serialises quota checks across nodes */
	if ((rc = pg_q(&x, NULL, "SELECT 1 FROM users WHERE id = $1 FOR "
	    "UPDATE", "i", user_id)) != POUCH_OK)
		goto out;
	if ((rc = pg_int(&x, &used, "SELECT coalesce(sum(size), 0)::bigint "
	    "FROM attachments WHERE user_id = $1", "i", user_id)) != POUCH_OK)
		goto out;
	if ((uint64_t)used + size > quota) {
		rc = POUCH_E_QUOTA;
		goto out;
	}
	rc = pg_q(&x, NULL, "INSERT INTO attachments (hash, size, user_id, "
	    "created) VALUES ($1, $2, $3, $4)", "biii", hash,
	    (size_t)POUCH_STORE_HASH_BYTES, (int64_t)size, user_id, now);
out:
	return pg_end(&x, rc);
}

int
pg_attachment_get(struct pouch_store *st,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], uint64_t *size)
{
	struct pgx x;
	int64_t v = 0;
	int rc;

	*size = 0;
	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	rc = pg_int(&x, &v, "SELECT size FROM attachments WHERE hash = $1",
	    "b", hash, (size_t)POUCH_STORE_HASH_BYTES);
	if ((rc = pg_end(&x, rc)) == POUCH_OK)
		*size = (uint64_t)v;
	return rc;
}

int
pg_stats(struct pouch_store *st, struct pouch_store_stats *out)
{
	PGresult *r = NULL;
	struct pgx x;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = pg_begin_read((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	if ((rc = pg_q(&x, &r, "SELECT (SELECT count(*) FROM queue), "
	    "(SELECT count(*) FROM messages), (SELECT count(*) FROM devices "
	    "WHERE revoked = 0), (SELECT count(*) FROM groups), "
	    "(SELECT count(*) FROM key_packages)", "")) != POUCH_OK)
		goto out;
	if (PQntuples(r) != 1) {
		rc = POUCH_E_DB;
		goto out;
	}
	out->queued = pg_get_int(r, 0, 0);
	out->messages = pg_get_int(r, 0, 1);
	out->devices = pg_get_int(r, 0, 2);
	out->groups = pg_get_int(r, 0, 3);
	out->key_packages = pg_get_int(r, 0, 4);
out:
	PQclear(r);
	if ((rc = pg_end(&x, rc)) != POUCH_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
pg_gc(struct pouch_store *st, int64_t now, int64_t retention,
    int (*fn)(void *, const uint8_t *), void *arg, int64_t *removed)
{
	static const char *const sql[] = {
		"DELETE FROM tokens WHERE expires <= $1",
		"DELETE FROM challenges WHERE expires <= $1",
		"DELETE FROM pair_requests WHERE expires <= $1",
		"DELETE FROM enrol_codes WHERE expires <= $1 - 2592000",
		("DELETE FROM kp_issued WHERE issued <= $1 - 2592000 OR "
		"device_id IN (SELECT id FROM devices WHERE revoked = 1)"),
	};
	uint8_t h[POUCH_STORE_HASH_BYTES];
	PGresult *r = NULL;
	struct pgx x;
	int64_t n = 0;
	size_t i;
	int rc, k;

	if (removed != NULL)
		*removed = 0;
	if ((rc = pg_begin((struct pg *)st, &x)) != POUCH_OK)
		return rc;
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if ((rc = pg_q(&x, NULL, sql[i], "i", now)) != POUCH_OK)
			goto out;
		n += x.changes;
	}
	if ((rc = pg_q(&x, NULL, "DELETE FROM proposals p USING groups g "
	    "WHERE g.id = p.group_ref AND p.epoch < g.epoch", "")) != POUCH_OK)
		goto out;
	n += x.changes;
	if ((rc = pg_q(&x, NULL, "DELETE FROM commits c USING groups g "
	    "WHERE g.id = c.group_ref AND c.epoch + 1 < g.epoch", "")) !=
	    POUCH_OK)
		goto out;
	n += x.changes;
	/* bodies two concurrent acks both left behind */
	if ((rc = pg_q(&x, NULL, "DELETE FROM messages m WHERE NOT EXISTS "
	    "(SELECT 1 FROM queue q WHERE q.message_id = m.id)", "")) !=
	    POUCH_OK)
		goto out;
	if ((rc = pg_q(&x, &r, "DELETE FROM attachments a WHERE created <= $1 "
	    "AND NOT EXISTS (SELECT 1 FROM message_attachments m WHERE "
	    "m.hash = a.hash) RETURNING hash", "i", now - retention)) !=
	    POUCH_OK)
		goto out;
	for (k = 0; k < PQntuples(r); k++) {
		if ((rc = pg_get_fixed(r, k, 0, h, sizeof(h))) != POUCH_OK)
			goto out;
		n++;
		if (fn != NULL && (rc = fn(arg, h)) != POUCH_OK)
			goto out;
	}
out:
	PQclear(r);
	rc = pg_end(&x, rc);
	if (rc == POUCH_OK && removed != NULL)
		*removed = n;
	return rc;
}
