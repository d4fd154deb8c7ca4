/*
 * client/sync - the device's queue at the server, processed in server
 * order: Welcomes join conversations, commits and proposals advance
 * them, application messages are decrypted and stored.  Each message is
 * handled in one store transaction together with the group state it
 * changes and the sync cursor; the server's queue is acknowledged only
 * after those transactions commit, and ids already handled are dropped,
 * so a crash at any instant neither loses nor repeats a message.  A
 * message for an epoch the conversation has not reached waits (deferred)
 * until the commit that reaches it is processed.  Also the outbox:
 * messages made and stored locally first, then posted, then marked sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "client/client_int.h"
#include "client/mime.h"
#include "codec/codec.h"
#include "mls/arena.h"
#include "mls/msg.h"

#define SYNC_ROUNDS	64	/* batches in one sync at most */

/* ---- outbox ------------------------------------------------------------ */

/* "outbox/<20 digits>": opaque msg<V>, opaque attachments<V>, uint64
 * local message id (0 for commits' Welcomes). */
int
cl_outbox_add(struct pouch_client *cl, const uint8_t *msg, size_t len,
    const char *attachments, int64_t local_id)
{
	uint8_t *rec = NULL;
	size_t reclen = 0;
	char name[40];
	struct pouch_wr w;
	int64_t seq = 0;
	int rc;

	rc = cl_kv_get_i64(cl->st, "outbox-seq", &seq);
	if (rc != POUCH_OK && rc != POUCH_E_NOT_FOUND)
		return rc;
	seq++;
	snprintf(name, sizeof(name), "outbox/%020lld", (long long)seq);
	pouch_wr_init(&w, 1u << 26);
	pouch_wr_opaque(&w, msg, len);
	pouch_wr_opaque(&w, attachments != NULL ? attachments : "",
	    attachments != NULL ? strlen(attachments) : 0);
	pouch_wr_u64(&w, (uint64_t)local_id);
	if ((rc = pouch_wr_take(&w, &rec, &reclen)) != POUCH_OK)
		return rc;
	if ((rc = cl_kv_put_i64(cl->st, "outbox-seq", seq)) == POUCH_OK)
		rc = pouch_cstore_kv_put(cl->st, name, rec, reclen);
	pouch_wr_buf_free(rec, reclen);
	return rc;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
outbox_one(struct pouch_client *cl, const char *name)
{
	const uint8_t *msg, *att;
	size_t msglen, attlen, reclen = 0;
	char atts[16 * 65 + 1];
	uint8_t *rec = NULL;
	struct pouch_rd r;
	json_t *resp = NULL;
	uint64_t local;
	json_int_t sid;
	long st;
	int rc;

	if ((rc = pouch_cstore_kv_get(cl->st, name, &rec, &reclen)) !=
	    POUCH_OK)
		return rc;
	pouch_rd_init(&r, rec, reclen);
	if ((rc = pouch_rd_opaque(&r, &msg, &msglen, 1u << 26)) != POUCH_OK ||
	    (rc = pouch_rd_opaque(&r, &att, &attlen, sizeof(atts) - 1)) !=
	    POUCH_OK ||
	    (rc = pouch_rd_u64(&r, &local)) != POUCH_OK)
		goto out;
	memcpy(atts, att, attlen);
	atts[attlen] = '\0';
	if ((rc = cl_post_mls(cl, msg, msglen, attlen > 0 ? atts : NULL, &st,
	    &resp)) != POUCH_OK)
		goto out;
	if (st >= 500 || st == 429) {
		rc = POUCH_E_IO;	/* try again at the next sync */
		goto out;
	}
	if ((rc = pouch_cstore_begin(cl->st)) != POUCH_OK)
		goto out;
	if (st == 201) {
		sid = json_integer_value(json_object_get(resp, "id"));
		if (local != 0 && sid > 0 &&
		    (rc = pouch_cstore_msg_set_server_id(cl->st, (int64_t)local,
		    (int64_t)sid)) != POUCH_OK)
			goto fail;
	} else if ((rc = cl_alert(cl, "not_delivered", "the server refused "
	    "an outgoing %s (HTTP %ld); it was not delivered", local != 0 ?
	    "message" : "invitation", st)) != POUCH_OK)
		goto fail;
	if ((rc = pouch_cstore_kv_del(cl->st, name)) != POUCH_OK)
		goto fail;
	rc = pouch_cstore_commit(cl->st);
	goto out;
fail:
	pouch_cstore_rollback(cl->st);
out:
	json_decref(resp);
	pouch_cstore_buf_free(rec, reclen);
	return rc;
}

int
cl_outbox_flush(struct pouch_client *cl)
{
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = pouch_cstore_kv_list(cl->st, "outbox/", &names, &n)) !=
	    POUCH_OK)
		return rc;
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_name);
	for (i = 0; i < n; i++)
		if ((rc = outbox_one(cl, names[i])) != POUCH_OK)
			break;
	pouch_cstore_names_free(names, n);
	return rc;
}

/* ---- processing one message ------------------------------------------ */

/*
 * The groups a batch touches, loaded once and saved once at its end,
 * inside the batch's transaction (loading checks the whole tree: doing
 * it per message would dominate the cost of a sync).
 */
#define CACHE_MAX	16

struct cached {
	struct pouch_cstore_conv	 cv;
	struct pouch_mls_group		*g;
	int				 dirty;
};

struct ctx {
	struct pouch_client	*cl;
	size_t			 nnew;
	struct cached		 c[CACHE_MAX];
	size_t			 n;
};

/* Save the changed groups (inside the batch's transaction). */
static int
cache_flush(struct ctx *x)
{
	size_t i;
	int rc;

	for (i = 0; i < x->n; i++) {
		if (!x->c[i].dirty)
			continue;
		if ((rc = cl_group_save(x->cl, &x->c[i].cv, x->c[i].g)) !=
		    POUCH_OK)
			return rc;
		x->c[i].dirty = 0;
	}
	return POUCH_OK;
}

static void
cache_drop(struct ctx *x)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		pouch_mls_group_free(x->c[i].g);
	x->n = 0;
}

/* A new entry for g (owned by the cache from now on). */
static int
cache_put(struct ctx *x, const struct pouch_cstore_conv *cv,
    struct pouch_mls_group *g, struct cached **out)
{
	int rc;

	if (x->n == CACHE_MAX) {
		if ((rc = cache_flush(x)) != POUCH_OK) {
			pouch_mls_group_free(g);
			return rc;
		}
		cache_drop(x);
	}
	x->c[x->n].cv = *cv;
	x->c[x->n].g = g;
	x->c[x->n].dirty = 0;
	*out = &x->c[x->n++];
	return POUCH_OK;
}

static int
conv_of(struct ctx *x, const uint8_t *gid, size_t gidlen,
    struct cached **out)
{
	struct pouch_cstore_conv cv;
	struct pouch_mls_group *g = NULL;
	uint8_t *state = NULL;
	size_t statelen = 0, i;
	int rc;

	*out = NULL;
	if (gidlen > POUCH_CSTORE_GID_MAX)
		return POUCH_E_NOT_FOUND;
	for (i = 0; i < x->n; i++)
		if (x->c[i].cv.gidlen == gidlen &&
		    /* checksrc: allow */ memcmp(x->c[i].cv.gid, gid,
		    gidlen) == 0) {
			*out = &x->c[i];
			return POUCH_OK;
		}
	if ((rc = pouch_cstore_conv_get(x->cl->st, gid, gidlen, &cv, &state,
	    &statelen)) != POUCH_OK)
		return rc;
	rc = pouch_mls_group_load(x->cl->c, state, statelen, &g);
	pouch_cstore_buf_free(state, statelen);
	if (rc != POUCH_OK)
		return rc;
	return cache_put(x, &cv, g, out);
}

static int	handle(struct ctx *x, int64_t sid, const uint8_t *data,
		    size_t len, int deferred);

/* Messages that waited for the epoch g is now in. */
static int
run_deferred(struct ctx *x, const struct pouch_cstore_conv *cv)
{
	struct pouch_cstore_deferred *d = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = pouch_cstore_defer_list(x->cl->st, cv->gid, cv->gidlen,
	    cv->epoch, &d, &n)) != POUCH_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if ((rc = pouch_cstore_defer_del(x->cl->st, d[i].id)) !=
		    POUCH_OK ||
		    (rc = handle(x, d[i].server_id, d[i].data, d[i].datalen,
		    1)) != POUCH_OK)
			break;
	}
	pouch_cstore_defer_free(d, n);
	return rc;
}

static int
on_welcome(struct ctx *x, const struct pouch_mls_welcome *w,
    const uint8_t *data, size_t len)
{
	struct pouch_client *cl = x->cl;
	const struct pouch_mls_suite *s;
	struct pouch_mls_member_keys mk;
	struct pouch_cstore_conv cv, old;
	struct pouch_mls_group *g = NULL;
	struct cached *ce = NULL;
	char name[3 + 2 * POUCH_HASH_MAX + 1];
	struct cl_kp_rec kr;
	size_t reclen = 0, i, gidlen;
	const uint8_t *gid;
	uint8_t *rec = NULL;
	int rc, trusted;

	if ((s = cl_suite_of(cl, w->cipher_suite)) == NULL)
		return POUCH_OK;
	for (i = 0; i < w->nsecrets; i++) {
		const struct pouch_mls_bytes *ref = &w->secrets[i].new_member;

		if (ref->n != s->nh)
			continue;
		memcpy(name, "kp/", 3);
		pouch_hex(ref->p, ref->n, name + 3);
		rc = pouch_cstore_kv_get(cl->st, name, &rec, &reclen);
		if (rc == POUCH_OK)
			break;
		if (rc != POUCH_E_NOT_FOUND)
			return rc;
	}
	if (rec == NULL)
		return POUCH_OK;	/* not ours */
	if ((rc = cl_kp_record_read(rec, reclen, &kr)) != POUCH_OK)
		goto out;
	memset(&mk, 0, sizeof(mk));
	mk.kp = kr.kp;
	mk.kplen = kr.kplen;
	mk.sig_priv = cl->dev_priv;
	mk.sig_privlen = CL_KEY;
	mk.init_priv = kr.init_priv;
	mk.init_privlen = kr.init_privlen;
	mk.enc_priv = kr.enc_priv;
	mk.enc_privlen = kr.enc_privlen;
	rc = pouch_mls_group_join(cl->c, s, &mk, data, len, NULL,
	    (uint64_t)cl_now(cl), &g);
	if (rc != POUCH_OK) {
		rc = cl_alert(cl, "bad_welcome", "an invitation could not be "
		    "opened: %s", pouch_strerror(rc));
		goto out;
	}
	gid = pouch_mls_group_id(g, &gidlen);
	memset(&cv, 0, sizeof(cv));
	if (gidlen <= POUCH_CSTORE_GID_MAX && pouch_cstore_conv_get(cl->st,
	    gid, gidlen, &old, NULL, NULL) == POUCH_OK)
		cv = old;	/* re-added after a removal */
	memcpy(cv.gid, gid, gidlen);
	cv.gidlen = gidlen;
	/* joined through a KeyPackage from before a rotation of our
	 * account key: our leaf is due for an update at once */
	cv.last_update = cl_rotate_stale(cl, g) ? 0 : cl_now(cl);
	cv.sent_since_update = 0;
	/* saved now: it must exist as a row for what follows */
	if ((rc = cl_group_save(cl, &cv, g)) != POUCH_OK ||
	    (rc = pouch_cstore_conv_get(cl->st, cv.gid, cv.gidlen, &cv, NULL,
	    NULL)) != POUCH_OK)
		goto out;
	if (!kr.last_resort &&
	    (rc = pouch_cstore_kv_del(cl->st, name)) != POUCH_OK)
		goto out;
	if ((rc = cl_check_members(cl, g, 1, &trusted)) != POUCH_OK)
		goto out;
	/* a cached copy of an older membership would be stale */
	for (i = 0; i < x->n; i++)
		if (x->c[i].cv.gidlen == cv.gidlen &&
		    memcmp(x->c[i].cv.gid, cv.gid,	/* checksrc: allow */
		    cv.gidlen) == 0) {
			pouch_mls_group_free(x->c[i].g);
			x->c[i] = x->c[--x->n];
			break;
		}
	if ((rc = cache_put(x, &cv, g, &ce)) != POUCH_OK) {
		g = NULL;
		goto out;
	}
	g = NULL;
	rc = run_deferred(x, &ce->cv);
out:
	pouch_mls_group_free(g);
	pouch_cstore_buf_free(rec, reclen);
	return rc;
}

static int
defer(struct pouch_client *cl, int64_t sid, const uint8_t *gid,
    size_t gidlen, uint64_t epoch, const uint8_t *data, size_t len)
{
	return pouch_cstore_defer_add(cl->st, sid, gid, gidlen, epoch, data,
	    len);
}

static int
on_handshake(struct ctx *x, int64_t sid, const struct pouch_mls_public_message
    *pm, const uint8_t *data, size_t len)
{
	struct pouch_client *cl = x->cl;
	const struct pouch_mls_framed_content *fc = &pm->content;
	struct pouch_mls_group *g;
	struct cached *ce;
	uint64_t before;
	char name[64];
	int rc, trusted, had;

	rc = conv_of(x, fc->group_id.p, fc->group_id.n, &ce);
	if (rc == POUCH_E_NOT_FOUND)
		return POUCH_OK;	/* not (yet) a member: nothing to do */
	if (rc != POUCH_OK)
		return rc;
	g = ce->g;
	before = pouch_mls_group_epoch(g);
	if (pouch_mls_group_removed(g) || fc->epoch < before) {
		rc = POUCH_OK;		/* stale */
		goto out;
	}
	if (fc->epoch > before) {
		rc = defer(cl, sid, fc->group_id.p, fc->group_id.n, fc->epoch,
		    data, len);
		goto out;
	}
	had = pouch_mls_group_has_pending(g);
	rc = pouch_mls_group_process(g, data, len, (uint64_t)cl_now(cl));
	if (rc != POUCH_OK) {
		rc = cl_alert(cl, "bad_commit", "a %s in conversation %lld was "
		    "rejected: %s", fc->content_type == POUCH_MLS_CT_COMMIT ?
		    "commit" : "proposal", (long long)ce->cv.id,
		    pouch_strerror(rc));
		goto out;
	}
	ce->dirty = 1;
	if (fc->content_type == POUCH_MLS_CT_PROPOSAL &&
	    fc->sender.type == POUCH_MLS_SENDER_EXTERNAL) {
		/* the server's Remove: some member must commit it */
		snprintf(name, sizeof(name), "commitrefs/%lld",
		    (long long)ce->cv.id);
		if ((rc = pouch_cstore_kv_put(cl->st, name,
		    (const uint8_t *)"1", 1)) != POUCH_OK)
			goto out;
	}
	if (had && !pouch_mls_group_has_pending(g)) {
		/* another member's commit won our epoch */
		snprintf(name, sizeof(name), "pending/%lld",
		    (long long)ce->cv.id);
		rc = pouch_cstore_kv_del(cl->st, name);
		if (rc != POUCH_OK && rc != POUCH_E_NOT_FOUND)
			goto out;
	}
	if (pouch_mls_group_epoch(g) != before) {
		if (pouch_mls_group_removed(g) && (rc = cl_alert(cl, "removed",
		    "you were removed from conversation %lld",
		    (long long)ce->cv.id)) != POUCH_OK)
			goto out;
		if (!pouch_mls_group_removed(g) && (rc = cl_check_members(cl,
		    g, 1, &trusted)) != POUCH_OK)
			goto out;
		ce->cv.epoch = pouch_mls_group_epoch(g);
		rc = run_deferred(x, &ce->cv);
	}
out:
	return rc;
}

static int
on_application(struct ctx *x, int64_t sid,
    const struct pouch_mls_private_message *pm, const uint8_t *data,
    size_t len)
{
	struct pouch_client *cl = x->cl;
	struct pouch_mls_member_info mi;
	struct pouch_cstore_msg m;
	struct pouch_mls_group *g;
	struct pouch_mime_msg *mm = NULL;
	struct cached *ce;
	struct cl_ident id;
	struct cl_aad ad;
	uint8_t *pt = NULL;
	size_t ptlen = 0;
	uint32_t sender;
	int64_t lid;
	const char *from;
	int rc;

	rc = conv_of(x, pm->group_id.p, pm->group_id.n, &ce);
	if (rc == POUCH_E_NOT_FOUND)
		return POUCH_OK;
	if (rc != POUCH_OK)
		return rc;
	g = ce->g;
	if (pm->epoch > pouch_mls_group_epoch(g)) {
		rc = defer(cl, sid, pm->group_id.p, pm->group_id.n, pm->epoch,
		    data, len);
		goto out;
	}
	if (pm->content_type != POUCH_MLS_CT_APPLICATION) {
		rc = POUCH_OK;	/* handshake as PrivateMessage: not used */
		goto out;
	}
	if (cl_aad_parse(pm->authenticated_data.p, pm->authenticated_data.n,
	    &ad) != POUCH_OK) {
		rc = cl_alert(cl, "malformed", "a message in conversation %lld "
		    "carries no Pouch authenticated data; it was dropped",
		    (long long)ce->cv.id);
		goto out;
	}
	/* the same epoch number with another secret: another history */
	if (pm->epoch == pouch_mls_group_epoch(g) && !pouch_mls_group_removed(g)
	    && !cl_aad_epoch_ok(g, &ad)) {
		rc = cl_alert(cl, "conv_fork", "a member's message in "
		    "conversation %lld was sent in another epoch %llu than "
		    "this device's: the server gave members different "
		    "histories of the conversation (or altered the message). "
		    "Tell your security officer", (long long)ce->cv.id,
		    (unsigned long long)pm->epoch);
		goto out;
	}
	rc = pouch_mls_group_decrypt(g, data, len, &pt, &ptlen, &sender);
	if (rc == POUCH_E_REPLAY) {
		rc = POUCH_OK;		/* delivered before */
		goto out;
	}
	if (rc != POUCH_OK) {
		rc = cl_alert(cl, "undecryptable", "a message in conversation "
		    "%lld (epoch %llu) could not be decrypted: %s",
		    (long long)ce->cv.id, (unsigned long long)pm->epoch,
		    pouch_strerror(rc));
		goto out;
	}
	/* the secret tree moved on: saved with the batch */
	ce->dirty = 1;
	if (pouch_mls_group_member(g, sender, &mi) != POUCH_OK ||
	    cl_ident_parse(mi.identity, mi.identitylen, &id) != POUCH_OK) {
		rc = cl_alert(cl, "bad_device", "a message came from a device "
		    "without a Pouch identity; it was dropped");
		goto out;
	}
	/* the sender's view of the key log against ours (split view) */
	if ((rc = cl_kt_peer_note(cl, ad.note, ad.notelen, id.user)) !=
	    POUCH_OK)
		goto out;
	if ((rc = cl_conv_control(cl, &ce->cv, pt, ptlen)) !=
	    POUCH_E_NOT_FOUND)
		goto out;	/* a control message (the title), not mail */
	if (pouch_mime_parse(pt, ptlen, &mm) != POUCH_OK) {
		rc = cl_alert(cl, "malformed", "a message from %s could not be "
		    "read as a mail message; it was dropped", id.user);
		goto out;
	}
	from = pouch_mime_from(mm);
	if (from == NULL || strcmp(from, id.user) != 0) {
		rc = cl_alert(cl, "spoofed_from", "a message from %s claimed "
		    "to be from %s; it is shown as from %s", id.user,
		    from != NULL ? from : "nobody", id.user);
		if (rc != POUCH_OK)
			goto out;
	}
	memset(&m, 0, sizeof(m));
	m.server_id = sid;
	memcpy(m.gid, ce->cv.gid, ce->cv.gidlen);
	m.gidlen = ce->cv.gidlen;
	snprintf(m.sender, sizeof(m.sender), "%s", id.user);
	m.sender_device = id.device_id;
	m.time = pouch_mime_date(mm);
	rc = pouch_cstore_msg_add(cl->st, &m, pt, ptlen, &lid);
	if (rc == POUCH_E_EXISTS) {
		rc = POUCH_OK;
		goto out;
	}
	if (rc != POUCH_OK)
		goto out;
	if (pouch_mime_message_id(mm) != NULL &&
	    (rc = pouch_cstore_msg_set_mid(cl->st, lid,
	    pouch_mime_message_id(mm))) != POUCH_OK)
		goto out;
	x->nnew++;
out:
	pouch_mime_free(mm);
	if (pt != NULL) {
		OPENSSL_cleanse(pt, ptlen);
		pouch_wr_buf_free(pt, ptlen);
	}
	return rc;
}

/* Inside a transaction. */
static int
handle(struct ctx *x, int64_t sid, const uint8_t *data, size_t len,
    int deferred)
{
	struct pouch_mls_message m;
	struct pouch_mls_arena a;
	int rc;

	(void)deferred;
	pouch_mls_arena_init(&a, 1u << 24);
	if (pouch_mls_message_from_bytes(&a, NULL, data, len, &m) !=
	    POUCH_OK) {
		rc = cl_alert(x->cl, "malformed", "the server delivered a "
		    "message that is not MLS; it was dropped");
		goto out;
	}
	switch (m.wire_format) {
	case POUCH_MLS_WF_WELCOME:
		rc = on_welcome(x, &m.u.welcome, data, len);
		break;
	case POUCH_MLS_WF_PUBLIC_MESSAGE:
		rc = on_handshake(x, sid, &m.u.public_message, data, len);
		break;
	case POUCH_MLS_WF_PRIVATE_MESSAGE:
		rc = on_application(x, sid, &m.u.private_message, data, len);
		break;
	default:
		rc = POUCH_OK;
		break;
	}
out:
	pouch_mls_arena_free(&a);
	return rc;
}

/* One message, inside the batch's transaction. */
static int
one(struct ctx *x, int64_t sid, int64_t cursor, const uint8_t *data,
    size_t len)
{
	struct pouch_client *cl = x->cl;
	int rc, seen;

	if ((seen = pouch_cstore_seen(cl->st, sid)) < 0)
		return seen;
	if (seen == 0 && (rc = handle(x, sid, data, len, 0)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_seen_add(cl->st, sid)) != POUCH_OK)
		return rc;
	return cl_kv_put_i64(cl->st, "sync/cursor", cursor);
}

static int64_t
cursor_get(struct pouch_client *cl)
{
	int64_t c;

	/* none yet (or unreadable): from the start; ids drop duplicates */
	if (cl_kv_get_i64(cl->st, "sync/cursor", &c) != POUCH_OK)
		return 0;
	return c;
}

/* Process the queue; wait_s for the first batch only. */
int
cl_sync_queue(struct pouch_client *cl, int wait_s, size_t *nnew)
{
	json_t *r = NULL, *arr, *e, *req;
	struct ctx x;
	uint8_t *data = NULL;
	size_t datalen = 0, i;
	int64_t cursor, last;
	const char *b;
	char path[96];
	int rc = POUCH_OK, round, w;
	long st;

	memset(&x, 0, sizeof(x));
	x.cl = cl;
	for (round = 0; round < SYNC_ROUNDS; round++) {
		cursor = cursor_get(cl);
		w = round == 0 ? wait_s : 0;
		snprintf(path, sizeof(path), "/v1/sync?after=%lld&wait=%d",
		    (long long)cursor, w);
		if ((rc = cl_api(cl, "GET", path, NULL, &st, &r)) != POUCH_OK)
			goto out;
		if (st != 200 || !json_is_array(arr = json_object_get(r,
		    "messages"))) {
			rc = st == 403 ? POUCH_E_FORBIDDEN : POUCH_E_IO;
			goto out;
		}
		if (json_array_size(arr) == 0)
			break;
		last = cursor;
		/* the whole batch in one transaction: group states, messages,
		 * the seen set and the cursor move together */
		if ((rc = pouch_cstore_begin(cl->st)) != POUCH_OK)
			goto out;
		json_array_foreach(arr, i, e) {
			json_int_t c = json_integer_value(json_object_get(e,
			    "cursor"));
			json_int_t id = json_integer_value(json_object_get(e,
			    "id"));

			if ((b = json_string_value(json_object_get(e,
			    "data"))) == NULL || c <= last || id <= 0) {
				rc = POUCH_E_MALFORMED;
				goto fail;
			}
			if ((rc = pouch_b64_decode(b, 1u << 26, &data,
			    &datalen)) != POUCH_OK)
				goto fail;
			rc = one(&x, (int64_t)id, (int64_t)c, data, datalen);
			free(data);
			data = NULL;
			if (rc != POUCH_OK)
				goto fail;
			last = (int64_t)c;
		}
		if ((rc = cache_flush(&x)) != POUCH_OK)
			goto fail;
		if ((rc = pouch_cstore_commit(cl->st)) != POUCH_OK)
			goto fail_committed;
		cache_drop(&x);
		json_decref(r);
		r = NULL;
		/* acknowledged only now that every one is committed */
		if ((req = json_pack("{s:I}", "cursor", (json_int_t)last)) ==
		    NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		rc = cl_api(cl, "POST", "/v1/sync/ack", req, &st, NULL);
		json_decref(req);
		if (rc != POUCH_OK)
			goto out;
	}
	goto out;
fail:
	pouch_cstore_rollback(cl->st);
fail_committed:
	x.nnew = 0;
out:
	cache_drop(&x);
	json_decref(r);
	if (nnew != NULL)
		*nnew = x.nnew;
	return rc;
}

int
pouch_client_sync(pouch_client *cl, int wait_s, size_t *nnew)
{
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	if (nnew != NULL)
		*nnew = 0;
	if (cl == NULL)
		return POUCH_E_MISUSE;
	if ((rc = cl_outbox_flush(cl)) != POUCH_OK && rc != POUCH_E_IO)
		return rc;
	/* the key log first: member checks below consult it */
	if ((rc = cl_kt_sync(cl)) != POUCH_OK)
		return rc;
	if ((rc = cl_sync_queue(cl, wait_s, nnew)) != POUCH_OK)
		return rc;
	/* members' views of the key log, seen in their messages */
	if ((rc = cl_kt_check_peers(cl)) != POUCH_OK)
		return rc;
	/* commits of ours that a crash left pending */
	if ((rc = pouch_cstore_kv_list(cl->st, "pending/", &names, &n)) !=
	    POUCH_OK)
		return rc;
	for (i = 0; i < n && rc == POUCH_OK; i++)
		rc = cl_settle_pending(cl, strtoll(names[i] + 8, NULL, 10));
	pouch_cstore_names_free(names, n);
	if (rc != POUCH_OK)
		return rc;
	if ((rc = cl_outbox_flush(cl)) != POUCH_OK && rc != POUCH_E_IO)
		return rc;
	/* keys of KeyPackages that can no longer be used, after the queue
	 * (a Welcome waiting there still found its keys) and before the
	 * refill (which replaces published ones the sweep found near
	 * expiry); a failure does not fail the sync: the next one retries */
	if ((rc = cl_kp_sweep(cl, 0, NULL)) != POUCH_OK)
		(void)cl_alert(cl, "key_cleanup", "keys of unused "
		    "invitations could not be deleted yet (%s); the next "
		    "sync tries again", pouch_strerror(rc));
	if ((rc = cl_kp_refill(cl, 0)) != POUCH_OK ||
	    (rc = cl_commit_marked(cl)) != POUCH_OK ||
	    (rc = cl_add_approved(cl)) != POUCH_OK)
		return rc;
	return cl_maybe_update(cl);
}
