/*
 * sqlite_mls.c - delivery in the SQLite store: KeyPackages, groups,
 * accepting and fanning out messages, the per-device queues, attachment
 * metadata.
 *
 * The store never parses MLS: the caller hands it the public fields it
 * read (group, epoch, kind, removed leaves, added KeyPackageRefs) and
 * the store applies them in one transaction.  One commit per epoch is
 * enforced twice, by the epoch check and by the primary key of commits,
 * so that a second writer (a second node, later) cannot slip past it.
 */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"

/* A growing list of device ids without duplicates. */
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

/* FORBIDDEN unless the device exists and is not revoked. */
static int
device_active(struct sq *s, int64_t device_id)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = sq_prep(s, &q, "SELECT d.revoked, u.suspended FROM devices "
	    "d JOIN users u ON u.id = d.user_id WHERE d.id = ?", "i",
	    device_id)) != POUCH_OK)
		return rc;
	if ((rc = sq_step(s, q)) == 1)
		rc = sqlite3_column_int(q, 0) == 0 &&
		    sqlite3_column_int(q, 1) == 0 ? POUCH_OK :
		    POUCH_E_FORBIDDEN;
	else if (rc == 0)
		rc = POUCH_E_FORBIDDEN;
	sq_done(s, q);
	return rc;
}

/*
 * Store a batch of KeyPackages; replace: first drop the device's unclaimed
 * ones (ordinary and last-resort) of every suite the batch names, so the
 * quota counts what is left after.  One transaction: a failing batch
 * leaves the old ones.
 */
static int
kp_write(struct sq *s, int64_t device_id, const struct pouch_store_kp *kps,
    size_t n, size_t stored_max, int replace)
{
	int64_t have;
	size_t i, j, fresh = 0;
	int rc;

	for (i = 0; i < n; i++) {
		if (kps[i].reflen == 0 || kps[i].reflen > POUCH_STORE_REF_MAX ||
		    kps[i].len == 0 || kps[i].suite == 0)
			return POUCH_E_MISUSE;
		fresh += kps[i].last_resort ? 0 : 1;
	}
	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = device_active(s, device_id)) != POUCH_OK)
		goto out;
	for (i = 0; replace && i < n; i++) {
		for (j = 0; j < i && kps[j].suite != kps[i].suite; j++)
			;
		if (j == i && (rc = sq_exec(s, "DELETE FROM key_packages "
		    "WHERE device_id = ? AND suite = ?", "ii", device_id,
		    (int64_t)kps[i].suite)) != POUCH_OK)
			goto out;
	}
	if ((rc = sq_int(s, &have, "SELECT count(*) FROM key_packages "
	    "WHERE device_id = ? AND last_resort = 0", "i", device_id)) !=
	    POUCH_OK)
		goto out;
	if ((uint64_t)have + fresh > stored_max) {
		rc = POUCH_E_QUOTA;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (kps[i].last_resort && (rc = sq_exec(s, "DELETE FROM "
		    "key_packages WHERE device_id = ? AND suite = ? AND "
		    "last_resort = 1", "ii", device_id,
		    (int64_t)kps[i].suite)) != POUCH_OK)
			goto out;
		if ((rc = sq_exec(s, "INSERT INTO key_packages (device_id, "
		    "suite, ref, data, last_resort) VALUES (?, ?, ?, ?, ?)",
		    "iibbi", device_id, (int64_t)kps[i].suite, kps[i].ref,
		    kps[i].reflen, kps[i].data, kps[i].len,
		    (int64_t)(kps[i].last_resort != 0))) != POUCH_OK)
			goto out;
	}
out:
	return sq_end(s, rc);
}

int
sq_kp_add(struct pouch_store *st, int64_t device_id,
    const struct pouch_store_kp *kps, size_t n, size_t stored_max)
{
	return kp_write((struct sq *)st, device_id, kps, n, stored_max, 0);
}

int
sq_kp_replace(struct pouch_store *st, int64_t device_id,
    const struct pouch_store_kp *kps, size_t n, size_t stored_max)
{
	return kp_write((struct sq *)st, device_id, kps, n, stored_max, 1);
}

/*
 * Hand out one KeyPackage of device d in suite: the oldest, else the
 * last-resort one; none of that suite: report d as missing.
 */
static int
claim_one(struct sq *s, int64_t d, uint16_t suite, int64_t now,
    int (*fn)(void *, const struct pouch_store_claimed *), void *arg)
{
	struct pouch_store_claimed c;
	sqlite3_stmt *q = NULL;
	uint8_t ref[POUCH_STORE_REF_MAX];
	size_t reflen;
	int64_t id;
	int rc;

	memset(&c, 0, sizeof(c));
	c.device_id = d;
	if ((rc = sq_prep(s, &q, "SELECT id, ref, data, last_resort FROM "
	    "key_packages WHERE device_id = ? AND suite = ? ORDER BY "
	    "last_resort, id LIMIT 1", "ii", d, (int64_t)suite)) != POUCH_OK)
		return rc;
	if ((rc = sq_step(s, q)) == 0) {
		c.missing = 1;			/* none in this suite */
		rc = fn(arg, &c);
		goto out;
	}
	if (rc != 1)
		goto out;
	/* Read everything before the row changes under the statement. */
	id = sqlite3_column_int64(q, 0);
	reflen = (size_t)sqlite3_column_bytes(q, 1);
	if (reflen == 0 || reflen > sizeof(ref)) {
		rc = POUCH_E_DB;
		goto out;
	}
	memcpy(ref, sqlite3_column_blob(q, 1), reflen);
	c.data = sqlite3_column_blob(q, 2);
	c.len = (size_t)sqlite3_column_bytes(q, 2);
	c.last_resort = sqlite3_column_int(q, 3) != 0;
	if ((rc = fn(arg, &c)) != POUCH_OK)
		goto out;
	if (!c.last_resort && (rc = sq_exec(s, "DELETE FROM key_packages "
	    "WHERE id = ?", "i", id)) != POUCH_OK)
		goto out;
	rc = sq_exec(s, "INSERT OR REPLACE INTO kp_issued (ref, device_id, "
	    "issued) VALUES (?, ?, ?)", "bii", ref, reflen, d, now);
out:
	sq_done(s, q);
	return rc;
}

int
sq_kp_claim(struct pouch_store *st, int64_t user_id, int64_t exclude,
    uint16_t suite, int64_t now,
    int (*fn)(void *, const struct pouch_store_claimed *), void *arg)
{
	struct sq *s = (struct sq *)st;
	struct devs d = { 0 };
	sqlite3_stmt *q = NULL;
	int64_t susp;
	size_t i;
	int rc;

	if (suite == 0)
		return POUCH_E_MISUSE;		/* RFC 9420 17.1: reserved */
	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = sq_int(s, &susp, "SELECT suspended FROM users WHERE "
	    "id = ?", "i", user_id)) != POUCH_OK)
		goto out;
	if (susp) {
		rc = POUCH_E_FORBIDDEN;
		goto out;
	}
	if ((rc = sq_prep(s, &q, "SELECT id FROM devices WHERE user_id = ? "
	    "AND revoked = 0 AND id != ? ORDER BY id", "ii", user_id,
	    exclude)) != POUCH_OK)
		goto out;
	while ((rc = sq_step(s, q)) == 1)
		if ((rc = devs_add(&d, sqlite3_column_int64(q, 0))) != POUCH_OK)
			goto out;
	if (rc < 0)
		goto out;
	sq_done(s, q);
	q = NULL;
	if (d.n == 0) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	for (i = 0; i < d.n; i++)
		if ((rc = claim_one(s, d.v[i], suite, now, fn, arg)) !=
		    POUCH_OK)
			goto out;
out:
	sq_done(s, q);
	free(d.v);
	return sq_end(s, rc);
}

int
sq_kp_count(struct pouch_store *st, int64_t device_id, uint16_t suite,
    int64_t *count, int *has_last_resort)
{
	struct sq *s = sq_reader(st);
	int64_t lr = 0;
	int rc;

	*count = 0;
	*has_last_resort = 0;
	if (suite == 0)
		return POUCH_E_MISUSE;
	if ((rc = sq_begin(s, 0)) != POUCH_OK)
		return rc;
	if ((rc = sq_int(s, count, "SELECT count(*) FROM key_packages "
	    "WHERE device_id = ? AND suite = ? AND last_resort = 0", "ii",
	    device_id, (int64_t)suite)) != POUCH_OK)
		goto out;
	rc = sq_int(s, &lr, "SELECT count(*) FROM key_packages WHERE "
	    "device_id = ? AND suite = ? AND last_resort = 1", "ii",
	    device_id, (int64_t)suite);
out:
	if ((rc = sq_end(s, rc)) != POUCH_OK) {
		*count = 0;
		return rc;
	}
	*has_last_resort = lr > 0;
	return POUCH_OK;
}

int
sq_group_create(struct pouch_store *st, const uint8_t *gid, size_t gidlen,
    uint16_t cipher_suite, int64_t creator, int64_t now)
{
	struct sq *s = (struct sq *)st;
	int rc;

	if (gidlen == 0 || gidlen > POUCH_STORE_GROUP_ID_MAX)
		return POUCH_E_MISUSE;
	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = device_active(s, creator)) != POUCH_OK)
		goto out;
	if ((rc = sq_exec(s, "INSERT INTO groups (group_id, epoch, created, "
	    "cipher_suite) VALUES (?, 0, ?, ?)", "bii", gid, gidlen, now,
	    (int64_t)cipher_suite)) != POUCH_OK)
		goto out;
	/* RFC 9420 11: the creator is the only member, at leaf 0. */
	rc = sq_exec(s, "INSERT INTO members (group_ref, leaf, device_id) "
	    "VALUES (?, 0, ?)", "ii", sqlite3_last_insert_rowid(s->db),
	    creator);
out:
	return sq_end(s, rc);
}

static int
group_row(struct sq *s, const uint8_t *gid, size_t gidlen, int64_t *ref,
    struct pouch_store_group *g)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = sq_prep(s, &q, "SELECT id, epoch, cipher_suite FROM groups "
	    "WHERE group_id = ?", "b", gid, gidlen)) != POUCH_OK)
		return rc;
	if ((rc = sq_step(s, q)) == 1) {
		*ref = sqlite3_column_int64(q, 0);
		g->epoch = (uint64_t)sqlite3_column_int64(q, 1);
		g->cipher_suite = (uint16_t)sqlite3_column_int(q, 2);
		rc = POUCH_OK;
	} else if (rc == 0)
		rc = POUCH_E_NOT_FOUND;
	sq_done(s, q);
	return rc;
}

int
sq_group_get(struct pouch_store *st, const uint8_t *gid, size_t gidlen,
    struct pouch_store_group *out)
{
	struct sq *s = sq_reader(st);
	int64_t ref;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = sq_begin(s, 0)) != POUCH_OK)
		return rc;
	rc = group_row(s, gid, gidlen, &ref, out);
	if ((rc = sq_end(s, rc)) != POUCH_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* The active device a KeyPackageRef was issued to: NOT_FOUND if none. */
static int
ref_device(struct sq *s, const struct pouch_store_ref *ref, int64_t *dev)
{
	if (ref->n == 0 || ref->n > POUCH_STORE_REF_MAX)
		return POUCH_E_NOT_FOUND;
	return sq_int(s, dev, "SELECT i.device_id FROM kp_issued i JOIN "
	    "devices d ON d.id = i.device_id WHERE i.ref = ? AND "
	    "d.revoked = 0", "b", ref->p, ref->n);
}

/* RFC 9420 12.1.1: an Add takes the leftmost blank leaf. */
static int
leftmost_blank(struct sq *s, int64_t group, int64_t *leaf)
{
	sqlite3_stmt *q = NULL;
	int64_t want = 0;
	int rc;

	if ((rc = sq_prep(s, &q, "SELECT leaf FROM members WHERE "
	    "group_ref = ? ORDER BY leaf", "i", group)) != POUCH_OK)
		return rc;
	while ((rc = sq_step(s, q)) == 1 && sqlite3_column_int64(q, 0) == want)
		want++;
	sq_done(s, q);
	if (rc < 0)
		return rc;
	*leaf = want;
	return POUCH_OK;
}

/* A change with its reference resolved and its bytes owned. */
struct change {
	int		type;
	uint32_t	leaf;
	uint8_t		ref[POUCH_STORE_REF_MAX];
	size_t		reflen;
};

/* A ProposalRef of this epoch: what that proposal changes. */
static int
resolve(struct sq *s, int64_t group, uint64_t epoch,
    const struct pouch_store_ref *ref, struct change *c)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = sq_prep(s, &q, "SELECT type, leaf, kp_ref FROM proposals "
	    "WHERE group_ref = ? AND epoch = ? AND ref = ?", "iib", group,
	    (int64_t)epoch, ref->p, ref->n)) != POUCH_OK)
		return rc;
	if ((rc = sq_step(s, q)) != 1) {
		rc = rc == 0 ? POUCH_E_NOT_FOUND : rc;
		goto out;
	}
	c->type = sqlite3_column_int(q, 0);
	c->leaf = (uint32_t)sqlite3_column_int64(q, 1);
	c->reflen = (size_t)sqlite3_column_bytes(q, 2);
	if (c->reflen > sizeof(c->ref)) {
		rc = POUCH_E_DB;
		goto out;
	}
	if (c->reflen > 0)
		memcpy(c->ref, sqlite3_column_blob(q, 2), c->reflen);
	rc = POUCH_OK;
out:
	sq_done(s, q);
	return rc;
}

static int
apply_remove(struct sq *s, int64_t group, uint32_t leaf)
{
	int rc;

	if ((rc = sq_exec(s, "DELETE FROM members WHERE group_ref = ? AND "
	    "leaf = ?", "ii", group, (int64_t)leaf)) != POUCH_OK)
		return rc;
	return sq_changes(s) == 1 ? POUCH_OK : POUCH_E_MALFORMED; /* blank */
}

static int
apply_add(struct sq *s, int64_t group, const struct change *c)
{
	struct pouch_store_ref r = { c->ref, c->reflen };
	int64_t dev, leaf;
	int rc;

	if ((rc = ref_device(s, &r, &dev)) != POUCH_OK ||
	    (rc = leftmost_blank(s, group, &leaf)) != POUCH_OK)
		return rc;
	return sq_exec(s, "INSERT INTO members (group_ref, leaf, device_id) "
	    "VALUES (?, ?, ?)", "iii", group, leaf, dev);
}

/* The membership changes of a commit: Removes, then Adds (12.3). */
static int
apply_commit(struct sq *s, int64_t group, const struct pouch_store_msg *m)
{
	struct change *c;
	size_t i;
	int rc = POUCH_OK;

	if ((c = calloc(m->nchanges + 1, sizeof(*c))) == NULL)
		return POUCH_E_NOMEM;
	for (i = 0; i < m->nchanges && rc == POUCH_OK; i++) {
		const struct pouch_store_change *in = &m->changes[i];

		if (in->type == POUCH_STORE_CH_REF) {
			rc = resolve(s, group, m->epoch, &in->ref, &c[i]);
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
			rc = apply_remove(s, group, c[i].leaf);
	for (i = 0; i < m->nchanges && rc == POUCH_OK; i++)
		if (c[i].type == POUCH_STORE_CH_ADD)
			rc = apply_add(s, group, &c[i]);
	free(c);
	if (rc != POUCH_OK)
		return rc;
	if ((rc = sq_exec(s, "INSERT INTO commits (group_ref, epoch, sender, "
	    "created) VALUES (?, ?, ?, ?)", "iiii", group, (int64_t)m->epoch,
	    m->sender, m->now)) != POUCH_OK)
		return rc == POUCH_E_EXISTS ? POUCH_E_CONFLICT : rc;
	return sq_exec(s, "UPDATE groups SET epoch = epoch + 1 WHERE id = ?",
	    "i", group);
}

/* Remember a relayed proposal so that a commit can reference it. */
static int
record_proposal(struct sq *s, int64_t group, const struct pouch_store_msg *m)
{
	const struct pouch_store_change *c = m->changes;

	if (m->prop_ref.n == 0 || m->prop_ref.n > POUCH_STORE_REF_MAX ||
	    m->nchanges != 1)
		return POUCH_OK;		/* not referenceable */
	return sq_exec(s, "INSERT INTO proposals (group_ref, epoch, ref, "
	    "type, leaf, kp_ref) VALUES (?, ?, ?, ?, ?, ?)", "iibiib", group,
	    (int64_t)m->epoch, m->prop_ref.p, m->prop_ref.n, (int64_t)c->type,
	    (int64_t)c->leaf, c->ref.p, c->ref.n);
}

/* Recipients of a group message: every member but the sender. */
static int
group_recipients(struct sq *s, int64_t group, const struct pouch_store_msg *m,
    struct devs *d)
{
	sqlite3_stmt *q = NULL;
	int64_t dev;
	int rc, sender_in = 0;

	/* a revoked member gets nothing more, even before its Remove */
	if ((rc = sq_prep(s, &q, "SELECT m.device_id, m.leaf, d.revoked FROM "
	    "members m JOIN devices d ON d.id = m.device_id WHERE "
	    "m.group_ref = ? ORDER BY m.leaf", "i", group)) != POUCH_OK)
		return rc;
	while ((rc = sq_step(s, q)) == 1) {
		dev = sqlite3_column_int64(q, 0);
		if (dev == m->sender) {
			if (m->check_leaf && sqlite3_column_int64(q, 1) !=
			    (int64_t)m->sender_leaf)
				break;
			sender_in = 1;
		} else if (sqlite3_column_int(q, 2) == 0 &&
		    (rc = devs_add(d, dev)) != POUCH_OK)
			break;
	}
	sq_done(s, q);
	if (rc < 0)
		return rc;
	return sender_in ? POUCH_OK : POUCH_E_FORBIDDEN;
}

/* Recipients of a Welcome: the devices the refs were issued to. */
static int
welcome_recipients(struct sq *s, const struct pouch_store_msg *m,
    struct devs *d)
{
	int64_t dev;
	size_t i;
	int rc;

	for (i = 0; i < m->nrefs; i++) {
		rc = ref_device(s, &m->refs[i], &dev);
		if (rc == POUCH_E_NOT_FOUND)
			continue;
		if (rc != POUCH_OK || (rc = devs_add(d, dev)) != POUCH_OK)
			return rc;
	}
	return d->n > 0 ? POUCH_OK : POUCH_E_NOT_FOUND;
}

static int
post_body(struct sq *s, const struct pouch_store_msg *m,
    struct pouch_store_posted *out, struct devs *d)
{
	struct pouch_store_group g;
	int64_t group = 0, msg;
	uint64_t cur = 0;
	size_t i;
	int rc;

	if (m->kind != POUCH_STORE_WELCOME) {
		if ((rc = group_row(s, m->group_id, m->gidlen, &group,
		    &g)) != POUCH_OK)
			return rc;
		cur = g.epoch;
		out->epoch = cur;
		if ((rc = group_recipients(s, group, m, d)) != POUCH_OK)
			return rc;
		if (m->kind == POUCH_STORE_COMMIT ? m->epoch != cur :
		    m->epoch > cur || cur - m->epoch > m->epoch_window)
			return POUCH_E_CONFLICT;
	} else if ((rc = welcome_recipients(s, m, d)) != POUCH_OK)
		return rc;
	if ((rc = sq_exec(s, "INSERT INTO messages (group_ref, epoch, kind, "
	    "sender, body, created) VALUES (nullif(?, 0), ?, ?, ?, ?, ?)",
	    "iiiibi", group, (int64_t)m->epoch, (int64_t)m->kind, m->sender,
	    m->body, m->len, m->now)) != POUCH_OK)
		return rc;
	msg = sqlite3_last_insert_rowid(s->db);
	for (i = 0; i < d->n; i++)
		if ((rc = sq_exec(s, "INSERT INTO queue (device_id, "
		    "message_id) VALUES (?, ?)", "ii", d->v[i], msg)) !=
		    POUCH_OK)
			return rc;
	/* a missing attachment is NOT_FOUND (foreign key) */
	for (i = 0; i < m->nattachments; i++)
		if ((rc = sq_exec(s, "INSERT OR IGNORE INTO "
		    "message_attachments (message_id, hash) VALUES (?, ?)",
		    "ib", msg,
		    m->attachments[i], (size_t)POUCH_STORE_HASH_BYTES)) !=
		    POUCH_OK)
			return rc;
	if (m->kind == POUCH_STORE_COMMIT) {
		if ((rc = apply_commit(s, group, m)) != POUCH_OK)
			return rc;
		out->epoch = cur + 1;
	}
	if (m->kind == POUCH_STORE_PROPOSAL &&
	    (rc = record_proposal(s, group, m)) != POUCH_OK)
		return rc;
	/* Nobody to deliver to (a group of one): keep no body. */
	if (d->n == 0 && (rc = sq_exec(s, "DELETE FROM messages WHERE id = ?",
	    "i", msg)) != POUCH_OK)
		return rc;
	out->msg_id = msg;
	return POUCH_OK;
}

int
sq_post(struct pouch_store *st, const struct pouch_store_msg *m,
    struct pouch_store_posted *out)
{
	struct sq *s = (struct sq *)st;
	struct devs d = { 0 };
	uint64_t epoch;
	int rc;

	memset(out, 0, sizeof(*out));
	if (m->len == 0 || (m->kind != POUCH_STORE_WELCOME &&
	    (m->gidlen == 0 || m->gidlen > POUCH_STORE_GROUP_ID_MAX)) ||
	    m->kind < POUCH_STORE_APPLICATION || m->kind > POUCH_STORE_WELCOME)
		return POUCH_E_MISUSE;
	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = device_active(s, m->sender)) == POUCH_OK)
		rc = post_body(s, m, out, &d);
	rc = sq_end(s, rc);
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

/* Queue one Remove proposal built by propose to the other members. */
static int
propose_one(struct sq *s, int64_t device, int64_t now,
    const struct membership *ms, pouch_store_propose_fn propose, void *arg)
{
	struct pouch_store_membership pm = { ms->gid, ms->gidlen, ms->epoch,
	    ms->suite, ms->leaf };
	struct pouch_store_change ch = { POUCH_STORE_CH_REMOVE, ms->leaf,
	    { NULL, 0 } };
	struct pouch_store_msg m;
	uint8_t ref[POUCH_STORE_REF_MAX], *msg = NULL;
	struct devs d = { 0 };
	size_t len = 0, reflen = 0, i;
	int64_t id;
	int rc;

	if (propose(arg, &pm, &msg, &len, ref, &reflen) != POUCH_OK)
		return POUCH_OK;	/* this group cannot be told: skip */
	memset(&m, 0, sizeof(m));
	m.sender = device;
	if ((rc = group_recipients(s, ms->group, &m, &d)) != POUCH_OK)
		goto out;
	if ((rc = sq_exec(s, "INSERT INTO messages (group_ref, epoch, kind, "
	    "sender, body, created) VALUES (?, ?, ?, 0, ?, ?)", "iiibi",
	    ms->group, (int64_t)ms->epoch, (int64_t)POUCH_STORE_PROPOSAL, msg,
	    len, now)) != POUCH_OK)
		goto out;
	id = sqlite3_last_insert_rowid(s->db);
	for (i = 0; i < d.n; i++)
		if ((rc = sq_exec(s, "INSERT INTO queue (device_id, "
		    "message_id) VALUES (?, ?)", "ii", d.v[i], id)) != POUCH_OK)
			goto out;
	m.epoch = ms->epoch;
	m.prop_ref = (struct pouch_store_ref){ ref, reflen };
	m.changes = &ch;
	m.nchanges = 1;
	rc = record_proposal(s, ms->group, &m);
out:
	free(d.v);
	free(msg);
	return rc;
}

/*
 * The memberships q returns (group id, group_id, epoch, suite, leaf,
 * device), then a Remove of each by the server.
 */
static int
propose_rows(struct sq *s, sqlite3_stmt *q, int64_t now,
    pouch_store_propose_fn propose, void *arg, size_t *n)
{
	struct membership *ms = NULL, *nm;
	size_t i, count = 0, cap = 0;
	int rc;

	*n = 0;
	while ((rc = sq_step(s, q)) == 1) {
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nm = realloc(ms, cap * sizeof(*ms))) == NULL) {
				rc = POUCH_E_NOMEM;
				goto out;
			}
			ms = nm;
		}
		nm = &ms[count];
		nm->group = sqlite3_column_int64(q, 0);
		nm->gidlen = (size_t)sqlite3_column_bytes(q, 1);
		if (nm->gidlen == 0 || nm->gidlen > sizeof(nm->gid)) {
			rc = POUCH_E_DB;
			goto out;
		}
		memcpy(nm->gid, sqlite3_column_blob(q, 1), nm->gidlen);
		nm->epoch = (uint64_t)sqlite3_column_int64(q, 2);
		nm->suite = (uint16_t)sqlite3_column_int(q, 3);
		nm->leaf = (uint32_t)sqlite3_column_int64(q, 4);
		nm->device = sqlite3_column_int64(q, 5);
		count++;
	}
	if (rc < 0)
		goto out;
	sq_done(s, q);
	q = NULL;
	for (i = 0; i < count; i++)
		if ((rc = propose_one(s, ms[i].device, now, &ms[i], propose,
		    arg)) != POUCH_OK)
			goto out;
	*n = count;
	rc = POUCH_OK;
out:
	sq_done(s, q);
	free(ms);
	return rc;
}

int
sq_propose_removal(struct sq *s, int64_t device, int64_t now,
    pouch_store_propose_fn propose, void *arg, size_t *n)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*n = 0;
	if ((rc = sq_prep(s, &q, "SELECT g.id, g.group_id, g.epoch, "
	    "g.cipher_suite, m.leaf, m.device_id FROM members m JOIN groups "
	    "g ON g.id = m.group_ref WHERE m.device_id = ? ORDER BY g.id",
	    "i", device)) != POUCH_OK)
		return rc;
	return propose_rows(s, q, now, propose, arg, n);
}

int
sq_repropose(struct pouch_store *st, const uint8_t *gid, size_t gidlen,
    int64_t now, pouch_store_propose_fn propose, void *arg, size_t *n)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	size_t count = 0;
	int rc;

	if (n != NULL)
		*n = 0;
	if (propose == NULL || (gid != NULL && (gidlen == 0 ||
	    gidlen > POUCH_STORE_GROUP_ID_MAX)))
		return POUCH_E_MISUSE;
	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	/* revoked members with no Remove of their leaf in this epoch */
	if ((rc = sq_prep(s, &q, "SELECT g.id, g.group_id, g.epoch, "
	    "g.cipher_suite, m.leaf, m.device_id FROM members m JOIN groups "
	    "g ON g.id = m.group_ref JOIN devices d ON d.id = m.device_id "
	    "WHERE d.revoked = 1 AND (? = 0 OR g.group_id = ?) AND NOT "
	    "EXISTS (SELECT 1 FROM proposals p WHERE p.group_ref = g.id AND "
	    "p.epoch = g.epoch AND p.type = ? AND p.leaf = m.leaf) "
	    "ORDER BY g.id, m.leaf", "ibi", (int64_t)(gid != NULL),
	    gid != NULL ? gid : (const uint8_t *)"", gid != NULL ? gidlen : 0,
	    (int64_t)POUCH_STORE_CH_REMOVE)) != POUCH_OK)
		goto out;
	rc = propose_rows(s, q, now, propose, arg, &count);
out:
	rc = sq_end(s, rc);
	if (rc == POUCH_OK && n != NULL)
		*n = count;
	return rc;
}

int
sq_sync_fetch(struct pouch_store *st, int64_t device_id, int64_t after,
    size_t limit, int (*fn)(void *, const struct pouch_store_item *),
    void *arg)
{
	struct sq *s = sq_reader(st);
	struct pouch_store_item it;
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = sq_begin(s, 0)) != POUCH_OK)
		return rc;
	if ((rc = sq_prep(s, &q, "SELECT q.cursor, m.id, m.kind, m.body, "
	    "m.created FROM queue q JOIN messages m ON m.id = q.message_id "
	    "WHERE q.device_id = ? AND q.cursor > ? ORDER BY q.cursor "
	    "LIMIT ?", "iii", device_id, after, (int64_t)limit)) != POUCH_OK)
		goto out;
	while ((rc = sq_step(s, q)) == 1) {
		it.cursor = sqlite3_column_int64(q, 0);
		it.msg_id = sqlite3_column_int64(q, 1);
		it.kind = (enum pouch_store_kind)sqlite3_column_int(q, 2);
		it.body = sqlite3_column_blob(q, 3);
		it.len = (size_t)sqlite3_column_bytes(q, 3);
		it.created = sqlite3_column_int64(q, 4);
		if ((rc = fn(arg, &it)) != POUCH_OK)
			goto out;
	}
out:
	sq_done(s, q);
	return sq_end(s, rc);
}

int
sq_sync_ack(struct pouch_store *st, int64_t device_id, int64_t cursor)
{
	struct sq *s = (struct sq *)st;
	int rc;

	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	/* Remember which messages lose a reader, then drop the rows. */
	if ((rc = sq_exec(s, "CREATE TEMP TABLE IF NOT EXISTS acked "
	    "(id INTEGER PRIMARY KEY)", "")) != POUCH_OK ||
	    (rc = sq_exec(s, "DELETE FROM temp.acked", "")) != POUCH_OK ||
	    (rc = sq_exec(s, "INSERT OR IGNORE INTO temp.acked SELECT "
	    "message_id FROM queue WHERE device_id = ? AND cursor <= ?", "ii",
	    device_id, cursor)) != POUCH_OK ||
	    (rc = sq_exec(s, "DELETE FROM queue WHERE device_id = ? AND "
	    "cursor <= ?", "ii", device_id, cursor)) != POUCH_OK)
		goto out;
	rc = sq_exec(s, "DELETE FROM messages WHERE id IN (SELECT id FROM "
	    "temp.acked) AND NOT EXISTS (SELECT 1 FROM queue WHERE "
	    "queue.message_id = messages.id)", "");
out:
	return sq_end(s, rc);
}

int
sq_attachment_add(struct pouch_store *st,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], uint64_t size,
    int64_t user_id, uint64_t quota, int64_t now)
{
	struct sq *s = (struct sq *)st;
	int64_t used;
	int rc;

	if (size > INT64_MAX)
		return POUCH_E_TOO_LARGE;
	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	if ((rc = sq_int(s, &used, "SELECT coalesce(sum(size), 0) FROM "
	    "attachments WHERE user_id = ?", "i", user_id)) !=
	    POUCH_OK)
		goto out;
	if ((uint64_t)used + size > quota) {
		rc = POUCH_E_QUOTA;
		goto out;
	}
	rc = sq_exec(s, "INSERT INTO attachments (hash, size, user_id, "
	    "created) VALUES (?, ?, ?, ?)", "biii", hash,
	    (size_t)POUCH_STORE_HASH_BYTES, (int64_t)size, user_id, now);
out:
	return sq_end(s, rc);
}

int
sq_attachment_get(struct pouch_store *st,
    const uint8_t hash[POUCH_STORE_HASH_BYTES], uint64_t *size)
{
	struct sq *s = sq_reader(st);
	sqlite3_stmt *q = NULL;
	int rc;

	*size = 0;
	if ((rc = sq_begin(s, 0)) != POUCH_OK)
		return rc;
	if ((rc = sq_prep(s, &q, "SELECT size FROM attachments WHERE "
	    "hash = ?", "b", hash, (size_t)POUCH_STORE_HASH_BYTES)) !=
	    POUCH_OK)
		goto out;
	if ((rc = sq_step(s, q)) == 1) {
		*size = (uint64_t)sqlite3_column_int64(q, 0);
		rc = POUCH_OK;
	} else if (rc == 0)
		rc = POUCH_E_NOT_FOUND;
out:
	sq_done(s, q);
	return sq_end(s, rc);
}

int
sq_stats(struct pouch_store *st, struct pouch_store_stats *out)
{
	struct sq *s = sq_reader(st);
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = sq_begin(s, 0)) != POUCH_OK)
		return rc;
	if ((rc = sq_int(s, &out->queued, "SELECT count(*) FROM queue",
	    "")) == POUCH_OK &&
	    (rc = sq_int(s, &out->messages, "SELECT count(*) FROM messages",
	    "")) == POUCH_OK &&
	    (rc = sq_int(s, &out->devices, "SELECT count(*) FROM devices "
	    "WHERE revoked = 0", "")) == POUCH_OK &&
	    (rc = sq_int(s, &out->groups, "SELECT count(*) FROM groups",
	    "")) == POUCH_OK)
		rc = sq_int(s, &out->key_packages, "SELECT count(*) FROM "
		    "key_packages", "");
	if ((rc = sq_end(s, rc)) != POUCH_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* Attachments past retention that no queued message carries. */
static int
gc_attachments(struct sq *s, int64_t now, int64_t retention,
    int (*fn)(void *, const uint8_t *), void *arg, int64_t *n)
{
	sqlite3_stmt *q = NULL;
	uint8_t h[POUCH_STORE_HASH_BYTES];
	int rc;

	for (;;) {
		if ((rc = sq_prep(s, &q, "SELECT hash FROM attachments a WHERE "
		    "created <= ? AND NOT EXISTS (SELECT 1 FROM "
		    "message_attachments m WHERE m.hash = a.hash) LIMIT 1", "i",
		    now - retention)) != POUCH_OK)
			return rc;
		if ((rc = sq_step(s, q)) != 1) {
			sq_done(s, q);
			return rc;		/* 0: none left */
		}
		rc = sq_col_fixed(q, 0, h, sizeof(h));
		sq_done(s, q);
		if (rc != POUCH_OK ||
		    (rc = sq_exec(s, "DELETE FROM attachments WHERE hash = ?",
		    "b", h, sizeof(h))) != POUCH_OK)
			return rc;
		(*n)++;
		if (fn != NULL && (rc = fn(arg, h)) != POUCH_OK)
			return rc;
	}
}

int
sq_gc(struct pouch_store *st, int64_t now, int64_t retention,
    int (*fn)(void *, const uint8_t *), void *arg, int64_t *removed)
{
	static const char *const sql[] = {
		"DELETE FROM tokens WHERE expires <= ?",
		"DELETE FROM challenges WHERE expires <= ?",
		"DELETE FROM pair_requests WHERE expires <= ?",
		"DELETE FROM enrol_codes WHERE expires <= ? - 2592000",
		("DELETE FROM kp_issued WHERE issued <= ? - 2592000 OR "
		"device_id IN (SELECT id FROM devices WHERE revoked = 1)"),
	};
	struct sq *s = (struct sq *)st;
	int64_t n = 0;
	size_t i;
	int rc;

	if (removed != NULL)
		*removed = 0;
	if ((rc = sq_begin(s, 1)) != POUCH_OK)
		return rc;
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if ((rc = sq_exec(s, sql[i], "i", now)) != POUCH_OK)
			goto out;
		n += sq_changes(s);
	}
	if ((rc = sq_exec(s, "DELETE FROM proposals WHERE epoch < (SELECT "
	    "g.epoch FROM groups g WHERE g.id = proposals.group_ref)", "")) !=
	    POUCH_OK)
		goto out;
	n += sq_changes(s);
	if ((rc = sq_exec(s, "DELETE FROM commits WHERE epoch + 1 < (SELECT "
	    "g.epoch FROM groups g WHERE g.id = commits.group_ref)", "")) !=
	    POUCH_OK)
		goto out;
	n += sq_changes(s);
	rc = gc_attachments(s, now, retention, fn, arg, &n);
out:
	rc = sq_end(s, rc);
	if (rc == POUCH_OK && removed != NULL)
		*removed = n;
	return rc;
}
