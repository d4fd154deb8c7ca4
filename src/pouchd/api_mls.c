/*
 * api_mls.c - the delivery service: KeyPackages (upload, count, claim),
 * groups, messages (one commit per epoch, fan-out, Welcome routing),
 * sync (long-poll and ack), attachments by content hash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "codec/codec.h"
#include "mls/suite.h"
#include "pouchd/api_int.h"

#define KP_MAX		(64 * 1024)	/* bytes of one KeyPackage */
#define SYNC_BYTES_MAX	(8U << 20)	/* bytes of message data a sync
					 * answer carries (at least one) */

/* A non-negative decimal query argument, or -1. */
static int64_t
query_num(const struct pd_req *rq, const char *name, int64_t def)
{
	const char *s = rq->arg != NULL ? rq->arg(rq->arg_ctx, name) : NULL;
	int64_t v = 0;

	if (s == NULL)
		return def;
	if (*s == '\0' || strlen(s) > 18 || strspn(s, "0123456789") !=
	    strlen(s))
		return -1;
	for (; *s != '\0'; s++)
		v = v * 10 + (*s - '0');
	return v;
}

void
api_kp_upload(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	struct pouch_store_kp *kps = NULL;
	uint8_t (*refs)[POUCH_STORE_REF_MAX] = NULL;
	uint8_t **bufs = NULL;
	json_t *o, *arr, *lr, *rep;
	size_t i, n = 0, total, len, reflen;
	uint16_t suite;
	int rc;

	if ((o = api_json(d, rq, rs)) == NULL)
		return;
	arr = json_object_get(o, "key_packages");
	lr = json_object_get(o, "last_resort");
	rep = json_object_get(o, "replace");
	if ((arr != NULL && !json_is_array(arr)) || (lr != NULL &&
	    !json_is_string(lr)) || (rep != NULL && !json_is_boolean(rep))) {
		pd_error(rs, 400, "malformed");
		goto out;
	}
	total = (arr != NULL ? json_array_size(arr) : 0) + (lr != NULL);
	if (total == 0 || total > d->cfg.kp_batch_max) {
		pd_error(rs, total == 0 ? 400 : 413, total == 0 ? "malformed" :
		    "batch_too_large");
		goto out;
	}
	kps = xcalloc(total, sizeof(*kps));
	refs = xcalloc(total, sizeof(*refs));
	bufs = xcalloc(total, sizeof(*bufs));
	for (n = 0; n < total; n++) {
		json_t *v = n < total - (lr != NULL) ?
		    json_array_get(arr, n) : lr;
		const char *s = json_string_value(v);

		if (s == NULL || (bufs[n] = pd_b64_decode(s, KP_MAX,
		    &len)) == NULL) {
			pd_error(rs, 400, "malformed");
			goto out;
		}
		if ((rc = pd_mls_key_package(d->crypto, d->alias, bufs[n],
		    len, rq->dev->key, refs[n], sizeof(refs[n]), &reflen,
		    &suite)) != POUCH_OK) {
			api_fail(rs, rc);
			goto out;
		}
		kps[n] = (struct pouch_store_kp){ refs[n], reflen, bufs[n],
		    len, v == lr, suite };
	}
	/* replace: the device's unclaimed ones of these suites go first
	 * (after an account-key rotation they carry the old identity) */
	if ((rc = (json_is_true(rep) ? d->st->ops->kp_replace :
	    d->st->ops->kp_add)(d->st, rq->dev->id, kps, total,
	    d->cfg.kp_stored_max)) != POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	api_reply(rs, 201, json_pack("{s:I}", "stored", (json_int_t)total));
out:
	for (i = 0; bufs != NULL && i < total; i++)
		free(bufs[i]);
	free(bufs);
	free(refs);
	free(kps);
	json_decref(o);
}

/*
 * The cipher suite a KeyPackage request names (default: the hybrid
 * suite, which clients publish in): 0 and *suite, or the status to
 * answer with (400 malformed, 422 a suite this server does not know).
 */
static int
kp_suite(struct pouchd *d, int64_t v, uint16_t *suite)
{
	*suite = 0;
	if (v < 1 || v > 0xffff)
		return 400;
	if (pd_suite(d, (uint16_t)v) == NULL)
		return 422;
	*suite = (uint16_t)v;
	return 0;
}

void
api_kp_count(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	uint16_t suite;
	int64_t count;
	int lr, rc;

	if ((rc = kp_suite(d, query_num(rq, "cipher_suite",
	    POUCH_MLS_SUITE_HYBRID), &suite)) != 0) {
		pd_error(rs, rc, rc == 400 ? "bad_query" : "unsupported");
		return;
	}
	if ((rc = d->st->ops->kp_count(d->st, rq->dev->id, suite, &count,
	    &lr)) != POUCH_OK) {
		api_fail(rs, rc);
		return;
	}
	api_reply(rs, 200, json_pack("{s:I,s:b,s:i}", "count",
	    (json_int_t)count, "last_resort", lr, "cipher_suite", (int)suite));
}

struct claim_out {
	json_t		*arr;
	uint16_t	 suite;
};

static int
on_claim(void *arg, const struct pouch_store_claimed *c)
{
	struct claim_out *co = arg;
	char *b64;

	if (c->missing) {
		/* no KeyPackage of this suite: it cannot join such a group */
		json_array_append_new(co->arr, json_pack("{s:I,s:b,s:i}",
		    "device_id", (json_int_t)c->device_id, "missing", 1,
		    "cipher_suite", (int)co->suite));
		return POUCH_OK;
	}
	b64 = pd_b64_encode(c->data, c->len);
	json_array_append_new(co->arr, json_pack("{s:I,s:s,s:b,s:i}",
	    "device_id", (json_int_t)c->device_id, "key_package", b64,
	    "last_resort", c->last_resort, "cipher_suite", (int)co->suite));
	free(b64);
	return POUCH_OK;
}

void
api_kp_claim(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	struct pouch_store_user u;
	struct claim_out co = { NULL, 0 };
	const char *user;
	json_t *o;
	int64_t v = POUCH_MLS_SUITE_HYBRID;
	int rc;

	if ((o = api_json(d, rq, rs)) == NULL)
		return;
	if ((user = api_str(o, "user", POUCH_STORE_NAME_MAX)) == NULL ||
	    (json_object_get(o, "cipher_suite") != NULL &&
	    api_int(o, "cipher_suite", 1, 0xffff, &v) != 0)) {
		pd_error(rs, 400, "malformed");
		goto out;
	}
	if ((rc = kp_suite(d, v, &co.suite)) != 0) {
		pd_error(rs, rc, rc == 400 ? "malformed" : "unsupported");
		goto out;
	}
	if ((rc = d->st->ops->user_get(d->st, user, &u)) != POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	/* a suspended user cannot be added to anything (the store checks
	 * again in the claiming transaction) */
	if (u.suspended) {
		pd_error(rs, 403, "user_suspended");
		goto out;
	}
	co.arr = json_array();
	rc = d->st->ops->kp_claim(d->st, u.id, rq->dev->id, co.suite, rq->now,
	    on_claim, &co);
	if (rc == POUCH_E_FORBIDDEN) {
		pd_error(rs, 403, "user_suspended");
		goto out;
	}
	if (rc != POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	api_reply(rs, 200, json_pack("{s:O}", "key_packages", co.arr));
out:
	json_decref(co.arr);
	json_decref(o);
}

void
api_group_create(struct pouchd *d, const struct pd_req *rq,
    struct pd_resp *rs)
{
	uint8_t *gid;
	size_t len;
	int64_t suite;
	json_t *o;
	int rc;

	if ((o = api_json(d, rq, rs)) == NULL)
		return;
	gid = api_b64(o, "group_id", POUCH_STORE_GROUP_ID_MAX, &len);
	if (gid == NULL || api_int(o, "cipher_suite", 1, 0xffff, &suite) !=
	    0) {
		pd_error(rs, 400, "malformed");
		goto out;
	}
	if (pd_suite(d, (uint16_t)suite) == NULL) {
		pd_error(rs, 422, "unsupported");
		goto out;
	}
	if ((rc = d->st->ops->group_create(d->st, gid, len, (uint16_t)suite,
	    rq->dev->id, rq->now)) != POUCH_OK)
		api_fail(rs, rc);
	else
		api_reply(rs, 201, json_pack("{s:i}", "epoch", 0));
out:
	free(gid);
	json_decref(o);
}

/* A proposal's ProposalRef, in its group's cipher suite. */
static int
proposal_ref(struct pouchd *d, const struct pd_mls_msg *mm, uint8_t *ref,
    size_t cap, size_t *reflen)
{
	struct pouch_store_group g;
	int rc;

	if ((rc = d->st->ops->group_get(d->st, mm->group_id, mm->gidlen,
	    &g)) != POUCH_OK)
		return rc;
	return pd_mls_proposal_ref(d->crypto, d->alias, g.cipher_suite,
	    mm->ac, mm->aclen, ref, cap, reflen);
}

#define ATTACHMENTS_MAX	16	/* per message */

/* "HEX,HEX,...": 0 and the hashes, or -1 when malformed. */
static int
parse_attachments(const char *s, uint8_t (*out)[32], size_t *n)
{
	char hex[65];
	size_t len;

	*n = 0;
	if (s == NULL)
		return 0;
	while (*s != '\0') {
		while (*s == ' ')
			s++;
		if ((len = strcspn(s, ", ")) != 64 || *n == ATTACHMENTS_MAX)
			return -1;
		memcpy(hex, s, 64);
		hex[64] = '\0';
		if (pd_unhex(hex, out[*n], 32) != 0)
			return -1;
		(*n)++;
		s += 64;
		while (*s == ' ')
			s++;
		if (*s == ',')
			s++;
		else if (*s != '\0')
			return -1;
	}
	return 0;
}

/*
 * A commit moved gid (NULL: any group) to a new epoch: a revoked device
 * it did not remove gets the server's Remove again, for that epoch.  A
 * failure here is logged and left to the next housekeeping pass.
 */
static void
repropose(struct pouchd *d, const uint8_t *gid, size_t gidlen, int64_t now)
{
	size_t n = 0;
	int rc;

	if (d->st->ops->repropose == NULL)
		return;
	if ((rc = d->st->ops->repropose(d->st, gid, gidlen, now,
	    pd_propose_remove, d, &n)) != POUCH_OK)
		pd_log("warn", "repropose_failed", "code", 'i', (int64_t)rc,
		    NULL);
	else if (n > 0) {
		atomic_fetch_add(&d->post_seq, 1);
		pd_log("info", "remove_reproposed", "groups", 'i', (int64_t)n,
		    NULL);
	}
}

void
api_message(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	struct pd_mls_msg mm;
	struct pouch_store_msg m;
	struct pouch_store_posted p;
	uint8_t ref[POUCH_STORE_REF_MAX], att[ATTACHMENTS_MAX][32];
	size_t reflen = 0, natt;
	int rc;

	memset(&p, 0, sizeof(p));
	if (rq->content_type == NULL || strcmp(rq->content_type,
	    "message/mls") != 0) {
		pd_error(rs, 415, "want_message_mls");
		return;
	}
	if (parse_attachments(rq->attachments, att, &natt) != 0) {
		pd_error(rs, 400, "bad_attachments");
		return;
	}
	if ((rc = pd_mls_parse(d->crypto, d->alias, rq->body, rq->len,
	    &mm)) != POUCH_OK) {
		api_fail(rs, rc == POUCH_E_TOO_LARGE ? POUCH_E_MALFORMED : rc);
		return;
	}
	if (mm.kind == POUCH_STORE_PROPOSAL &&
	    (rc = proposal_ref(d, &mm, ref, sizeof(ref), &reflen)) !=
	    POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.kind = mm.kind;
	m.sender = rq->dev->id;
	m.group_id = mm.group_id;
	m.gidlen = mm.gidlen;
	m.epoch = mm.epoch;
	m.check_leaf = mm.has_leaf;
	m.sender_leaf = mm.sender_leaf;
	m.epoch_window = d->cfg.epoch_window;
	m.changes = mm.changes;
	m.nchanges = mm.nchanges;
	m.prop_ref = (struct pouch_store_ref){ ref, reflen };
	m.refs = mm.refs;
	m.nrefs = mm.nrefs;
	m.attachments = (const uint8_t (*)[POUCH_STORE_HASH_BYTES])att;
	m.nattachments = natt;
	m.body = rq->body;
	m.len = rq->len;
	m.now = rq->now;
	rc = d->st->ops->post(d->st, &m, &p);
	if (rc == POUCH_E_CONFLICT) {
		/* RFC 9420 14: the first commit for an epoch wins. */
		api_reply(rs, 409, json_pack("{s:s,s:I}", "error",
		    "stale_epoch", "epoch", (json_int_t)p.epoch));
		goto out;
	}
	if (rc != POUCH_OK) {
		api_fail(rs, rc);
		goto out;
	}
	if (m.kind == POUCH_STORE_COMMIT)
		repropose(d, m.group_id, m.gidlen, rq->now);
	atomic_fetch_add(&d->post_seq, 1);
	if (d->wake != NULL && p.ndevices > 0)
		d->wake(d, p.devices, p.ndevices);
	api_reply(rs, 201, json_pack("{s:I,s:I,s:I}", "id",
	    (json_int_t)p.msg_id, "epoch", (json_int_t)p.epoch, "recipients",
	    (json_int_t)p.ndevices));
out:
	pouch_store_posted_clear(&p);
	pd_mls_msg_free(&mm);
}

struct sync_out {
	json_t	*arr;
	int64_t	 cursor;
	size_t	 bytes;
};

static int
on_item(void *arg, const struct pouch_store_item *it)
{
	static const char *const kinds[] = { "", "application", "proposal",
	    "commit", "welcome" };
	struct sync_out *so = arg;
	char *b64;

	if (so->bytes > 0 && so->bytes + it->len > SYNC_BYTES_MAX)
		return POUCH_E_LIMIT;		/* the rest next time */
	b64 = pd_b64_encode(it->body, it->len);
	json_array_append_new(so->arr, json_pack("{s:I,s:I,s:s,s:s}",
	    "cursor", (json_int_t)it->cursor, "id", (json_int_t)it->msg_id,
	    "kind", (unsigned)it->kind < 5 ? kinds[it->kind] : "",
	    "data", b64));
	free(b64);
	so->cursor = it->cursor;
	so->bytes += it->len;
	return POUCH_OK;
}

void
api_sync(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	struct sync_out so;
	int64_t after = query_num(rq, "after", 0);
	int64_t wait = query_num(rq, "wait", 0);
	int rc;

	if (after < 0 || wait < 0 || wait > d->cfg.sync_wait_max) {
		pd_error(rs, 400, "bad_query");
		return;
	}
	so.arr = json_array();
	so.cursor = after;
	so.bytes = 0;
	rc = d->st->ops->sync_fetch(d->st, rq->dev->id, after,
	    d->cfg.sync_batch_max, on_item, &so);
	if (rc != POUCH_OK && rc != POUCH_E_LIMIT) {
		json_decref(so.arr);
		api_fail(rs, rc);
		return;
	}
	if (json_array_size(so.arr) == 0 && wait > 0 && !rq->no_wait) {
		json_decref(so.arr);
		rs->wait = (int)wait;		/* http.c parks the request */
		rs->wait_device = rq->dev->id;
		return;
	}
	api_reply(rs, 200, json_pack("{s:o,s:I}", "messages", so.arr,
	    "cursor", (json_int_t)so.cursor));
}

void
api_sync_ack(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	int64_t cursor;
	json_t *o;
	int rc;

	if ((o = api_json(d, rq, rs)) == NULL)
		return;
	if (api_int(o, "cursor", 0, INT64_MAX, &cursor) != 0) {
		pd_error(rs, 400, "malformed");
		goto out;
	}
	if ((rc = d->st->ops->sync_ack(d->st, rq->dev->id, cursor)) !=
	    POUCH_OK)
		api_fail(rs, rc);
	else
		api_reply(rs, 200, json_pack("{s:I}", "cursor",
		    (json_int_t)cursor));
out:
	json_decref(o);
}

static void
att_path(struct pouchd *d, const char *hex, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", d->cfg.attachment_dir, hex);
}

void
api_att_put(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	const char *hex = rq->path + strlen("/v1/attachments/");
	char path[PD_PATH_MAX + 80];
	uint8_t want[32], got[32];
	uint64_t size;
	int rc, had;

	if (pd_unhex(hex, want, sizeof(want)) != 0 || rq->len == 0) {
		pd_error(rs, 400, "malformed");
		return;
	}
	api_sha256(d, rq->body, rq->len, got);
	if (CRYPTO_memcmp(want, got, sizeof(got)) != 0) {
		pd_error(rs, 422, "hash_mismatch");
		return;
	}
	if (d->st->ops->attachment_get(d->st, want, &size) == POUCH_OK) {
		api_reply(rs, 200, json_pack("{s:s}", "hash", hex));
		return;				/* already stored */
	}
	att_path(d, hex, path, sizeof(path));
	had = access(path, F_OK) == 0;
	/* The bytes are durable before the row that points at them. */
	if (!had && pd_write_file(path, rq->body, rq->len, 0600) != POUCH_OK) {
		pd_error(rs, 500, "io");
		return;
	}
	if ((rc = d->st->ops->attachment_add(d->st, want, rq->len,
	    rq->dev->user_id, d->cfg.attachment_quota, rq->now)) != POUCH_OK &&
	    rc != POUCH_E_EXISTS) {
		if (!had)
			unlink(path);
		api_fail(rs, rc);
		return;
	}
	api_reply(rs, 201, json_pack("{s:s}", "hash", hex));
}

void
api_att_get(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	const char *hex = rq->path + strlen("/v1/attachments/");
	char path[PD_PATH_MAX + 80];
	uint8_t h[32];
	uint64_t size;
	int rc;

	if (pd_unhex(hex, h, sizeof(h)) != 0) {
		pd_error(rs, 400, "malformed");
		return;
	}
	if ((rc = d->st->ops->attachment_get(d->st, h, &size)) != POUCH_OK) {
		api_fail(rs, rc);
		return;
	}
	att_path(d, hex, path, sizeof(path));
	if ((rs->body = pd_read_file(path, (size_t)size, &rs->len)) == NULL ||
	    rs->len != size) {
		free(rs->body);
		rs->body = NULL;
		rs->len = 0;
		pd_error(rs, 500, "io");
		return;
	}
	rs->status = 200;
	rs->content_type = "application/octet-stream";
}

struct gc_list {
	uint8_t	(*h)[32];
	size_t	 n, cap;
};

static int
on_gc_attachment(void *arg, const uint8_t *hash)
{
	struct gc_list *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->h = xrealloc(l->h, l->cap * sizeof(*l->h));
	}
	memcpy(l->h[l->n++], hash, 32);
	return POUCH_OK;
}

int
pd_gc(struct pouchd *d, int64_t *removed)
{
	struct gc_list l = { NULL, 0, 0 };
	char hex[65], path[PD_PATH_MAX + 80];
	size_t i;
	int rc;

	/* a Remove a commit raced past, and the server died before it
	 * proposed it again */
	repropose(d, NULL, 0, pd_now());
	rc = d->st->ops->gc(d->st, pd_now(), d->cfg.attachment_retention,
	    on_gc_attachment, &l, removed);
	/* the rows are gone for good: now the bytes */
	for (i = 0; rc == POUCH_OK && i < l.n; i++) {
		pouch_hex(l.h[i], 32, hex);
		att_path(d, hex, path, sizeof(path));
		if (unlink(path) != 0 && errno != ENOENT)
			pd_log("warn", "gc_unlink_failed", "hash", 's', hex,
			    NULL);
	}
	free(l.h);
	return rc;
}
