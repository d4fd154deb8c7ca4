/*
 * client/cstore_rows - the local store's tables other than kv:
 * conversations with their group state, messages, the seen-set, deferred
 * MLSMessages, alerts and contacts.  A row's encrypted columns are sealed
 * with an AAD naming the row (cstore_rec.c); rows whose identity is their
 * local id are inserted first and sealed once the id is known, inside one
 * savepoint.  Rows read back are checked before any field is returned.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "client/cstore_int.h"
#include "codec/codec.h"
#include "crypto/crypto.h"

/* ---- helpers ---------------------------------------------------------- */

static int
grow(void **arr, size_t *cap, size_t cnt, size_t elem)
{
	void *n;
	size_t nc;

	if (cnt < *cap)
		return POUCH_OK;
	nc = *cap == 0 ? 8 : *cap * 2;
	if ((n = reallocarray(*arr, nc, elem)) == NULL)
		return POUCH_E_NOMEM;
	*arr = n;
	*cap = nc;
	return POUCH_OK;
}

static int
gid_ok(const uint8_t *gid, size_t gidlen)
{
	return gid != NULL && gidlen >= 1 && gidlen <= POUCH_CSTORE_GID_MAX;
}

/* A group id column: 1..GID_MAX bytes of blob, else MALFORMED. */
static int
col_gid(sqlite3_stmt *st, int i, uint8_t *gid, size_t *gidlen)
{
	int n = sqlite3_column_bytes(st, i);

	if (sqlite3_column_type(st, i) != SQLITE_BLOB || n < 1 ||
	    n > POUCH_CSTORE_GID_MAX)
		return POUCH_E_MALFORMED;
	memcpy(gid, sqlite3_column_blob(st, i), (size_t)n);
	*gidlen = (size_t)n;
	return POUCH_OK;
}

/* Open the record in column i of the current row. */
static int
col_open(struct pouch_cstore *s, sqlite3_stmt *st, int i, const char *table,
    const char *col, const uint8_t *ident, size_t identlen, uint8_t **pt,
    size_t *ptlen)
{
	const void *b;
	int n;

	*pt = NULL;
	*ptlen = 0;
	if (sqlite3_column_type(st, i) != SQLITE_BLOB)
		return POUCH_E_MALFORMED;
	b = sqlite3_column_blob(st, i);
	n = sqlite3_column_bytes(st, i);
	if (b == NULL || n < 0)
		return POUCH_E_MALFORMED;
	return pouch_cstore_rec_open(s->c, s->ekey, table, col, ident,
	    identlen, b, (size_t)n, pt, ptlen);
}

/* Seal pt and store it into table.col of the row with rowid id. */
static int
seal_into(struct pouch_cstore *s, const char *sql, const char *table,
    const char *col, const uint8_t *ident, size_t identlen, int64_t id,
    const uint8_t *pt, size_t ptlen)
{
	sqlite3_stmt *st = NULL;
	uint8_t *blob = NULL;
	size_t bl = 0;
	int rc;

	if ((rc = pouch_cstore_rec_seal(s->c, s->ekey, table, col, ident,
	    identlen, pt, ptlen, &blob, &bl)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_prep(s, sql, &st)) != POUCH_OK)
		goto out;
	sqlite3_bind_blob(st, 1, blob, (int)bl, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if ((rc = pouch_cstore_dberr(sqlite3_step(st))) == POUCH_OK &&
	    sqlite3_changes(s->db) != 1)
		rc = POUCH_E_DB;
out:
	sqlite3_finalize(st);
	free(blob);
	return rc;
}

static int
step_done(struct pouch_cstore *s, sqlite3_stmt *st, int want_change)
{
	int rc;

	if ((rc = pouch_cstore_dberr(sqlite3_step(st))) != POUCH_OK)
		return rc;
	if (want_change && sqlite3_changes(s->db) == 0)
		return POUCH_E_NOT_FOUND;
	return POUCH_OK;
}

/* ---- conversations ---------------------------------------------------- */

static int
conv_row(struct pouch_cstore *s, sqlite3_stmt *st,
    struct pouch_cstore_conv *c, uint8_t **state, size_t *statelen)
{
	struct pouch_cstore_conv t;
	uint8_t *pt = NULL;
	size_t ptlen = 0;
	int rc;

	memset(&t, 0, sizeof(t));
	t.id = sqlite3_column_int64(st, 0);
	if ((rc = col_gid(st, 1, t.gid, &t.gidlen)) != POUCH_OK)
		return rc;
	if ((rc = col_open(s, st, 2, "conv", "info", t.gid, t.gidlen, &pt,
	    &ptlen)) != POUCH_OK)
		return rc;
	rc = pouch_cstore_rec_decode_conv(pt, ptlen, &t);
	pouch_cstore_buf_free(pt, ptlen);
	if (rc != POUCH_OK)
		return rc;
	if (state != NULL && (rc = col_open(s, st, 3, "conv", "state", t.gid,
	    t.gidlen, state, statelen)) != POUCH_OK)
		return rc;
	*c = t;
	return POUCH_OK;
}

int
pouch_cstore_conv_put(struct pouch_cstore *s,
    const struct pouch_cstore_conv *c, const uint8_t *state,
    size_t statelen)
{
	sqlite3_stmt *st = NULL;
	uint8_t *pt = NULL, *info = NULL, *sb = NULL;
	size_t ptlen = 0, il = 0, sl = 0;
	int rc;

	if (s == NULL || c == NULL || !gid_ok(c->gid, c->gidlen) ||
	    state == NULL || statelen == 0 ||
	    strnlen(c->title, sizeof(c->title)) == sizeof(c->title))
		return POUCH_E_MISUSE;
	if (statelen > POUCH_CSTORE_VALUE_MAX)
		return POUCH_E_TOO_LARGE;
	if ((rc = pouch_cstore_rec_encode_conv(c, &pt, &ptlen)) != POUCH_OK)
		goto out;
	if ((rc = pouch_cstore_rec_seal(s->c, s->ekey, "conv", "info",
	    c->gid, c->gidlen, pt, ptlen, &info, &il)) != POUCH_OK)
		goto out;
	if ((rc = pouch_cstore_rec_seal(s->c, s->ekey, "conv", "state",
	    c->gid, c->gidlen, state, statelen, &sb, &sl)) != POUCH_OK)
		goto out;
	if ((rc = pouch_cstore_op_begin(s)) != POUCH_OK)
		goto out;
	if ((rc = pouch_cstore_prep(s, "UPDATE conv SET info = ?2, "
	    "state = ?3 WHERE gid = ?1", &st)) != POUCH_OK)
		goto end;
	sqlite3_bind_blob(st, 1, c->gid, (int)c->gidlen, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, info, (int)il, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, sb, (int)sl, SQLITE_STATIC);
	if ((rc = step_done(s, st, 1)) == POUCH_OK) {
		s->dirty = 1;	/* the old group state is gone */
		goto end;
	}
	if (rc != POUCH_E_NOT_FOUND)
		goto end;
	sqlite3_finalize(st);
	if ((rc = pouch_cstore_prep(s, "INSERT INTO conv(gid, info, state) "
	    "VALUES (?1, ?2, ?3)", &st)) != POUCH_OK)
		goto end;
	sqlite3_bind_blob(st, 1, c->gid, (int)c->gidlen, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, info, (int)il, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, sb, (int)sl, SQLITE_STATIC);
	rc = step_done(s, st, 0);
end:
	sqlite3_finalize(st);
	rc = pouch_cstore_op_end(s, rc);
out:
	pouch_cstore_buf_free(pt, ptlen);
	free(info);
	free(sb);
	return rc;
}

int
pouch_cstore_conv_get(struct pouch_cstore *s, const uint8_t *gid,
    size_t gidlen, struct pouch_cstore_conv *c, uint8_t **state,
    size_t *statelen)
{
	sqlite3_stmt *st = NULL;
	uint8_t key[POUCH_CSTORE_GID_MAX];
	int rc;

	if (c == NULL || (state != NULL && statelen == NULL))
		return POUCH_E_MISUSE;
	/* gid may point into *c (conv_get(s, c->gid, c->gidlen, c, ...)). */
	if (!gid_ok(gid, gidlen)) {
		memset(c, 0, sizeof(*c));
		return POUCH_E_MISUSE;
	}
	memcpy(key, gid, gidlen);
	gid = key;
	memset(c, 0, sizeof(*c));
	if (state != NULL) {
		*state = NULL;
		*statelen = 0;
	}
	if (s == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_prep(s, "SELECT id, gid, info, state FROM conv "
	    "WHERE gid = ?", &st)) != POUCH_OK)
		return rc;
	sqlite3_bind_blob(st, 1, gid, (int)gidlen, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		rc = conv_row(s, st, c, state, statelen);
	else
		rc = rc == SQLITE_DONE ? POUCH_E_NOT_FOUND :
		    pouch_cstore_dberr(rc);
	sqlite3_finalize(st);
	return rc;
}

int
pouch_cstore_conv_list(struct pouch_cstore *s,
    struct pouch_cstore_conv **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct pouch_cstore_conv *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc, step;

	if (out == NULL || n == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*n = 0;
	if (s == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_prep(s, "SELECT id, gid, info FROM conv "
	    "ORDER BY id", &st)) != POUCH_OK)
		return rc;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = grow((void **)&v, &cap, cnt, sizeof(*v))) !=
		    POUCH_OK)
			goto out;
		if ((rc = conv_row(s, st, &v[cnt], NULL, NULL)) != POUCH_OK)
			goto out;
		cnt++;
	}
	if ((rc = pouch_cstore_dberr(step)) != POUCH_OK)
		goto out;
	*out = v;
	*n = cnt;
	v = NULL;
out:
	if (v != NULL)
		OPENSSL_cleanse(v, cap * sizeof(*v));
	free(v);
	sqlite3_finalize(st);
	return rc;
}

/* ---- messages --------------------------------------------------------- */

/* The AAD identity of a message: what never changes about it. */
static int
msg_ident(int64_t id, const uint8_t *gid, size_t gidlen, int64_t time,
    int outgoing, uint8_t *buf, size_t cap, size_t *len)
{
	struct pouch_wr w;
	int rc;

	pouch_wr_init_buf(&w, buf, cap);
	pouch_wr_u64(&w, (uint64_t)id);
	pouch_wr_opaque(&w, gid, gidlen);
	pouch_wr_u64(&w, (uint64_t)time);
	pouch_wr_u8(&w, outgoing ? 1 : 0);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		return rc;
	*len = w.len;
	return POUCH_OK;
}

#define MSG_COLS "id, server_id, gid, time, outgoing, read, sender, body"

static int
msg_row(struct pouch_cstore *s, sqlite3_stmt *st, struct pouch_cstore_msg *m,
    uint8_t **body, size_t *bodylen)
{
	struct pouch_cstore_msg t;
	uint8_t ident[CS_IDENT_MAX], *pt = NULL;
	size_t il, ptlen = 0;
	int rc;

	memset(&t, 0, sizeof(t));
	t.id = sqlite3_column_int64(st, 0);
	t.server_id = sqlite3_column_int64(st, 1);	/* NULL reads 0 */
	if ((rc = col_gid(st, 2, t.gid, &t.gidlen)) != POUCH_OK)
		return rc;
	t.time = sqlite3_column_int64(st, 3);
	t.outgoing = sqlite3_column_int64(st, 4) != 0;
	t.read = sqlite3_column_int64(st, 5) != 0;
	if ((rc = msg_ident(t.id, t.gid, t.gidlen, t.time, t.outgoing, ident,
	    sizeof(ident), &il)) != POUCH_OK)
		return rc;
	if ((rc = col_open(s, st, 6, "msg", "sender", ident, il, &pt,
	    &ptlen)) != POUCH_OK)
		return rc;
	rc = pouch_cstore_rec_decode_sender(pt, ptlen, &t);
	pouch_cstore_buf_free(pt, ptlen);
	if (rc != POUCH_OK)
		return rc;
	if (body != NULL && (rc = col_open(s, st, 7, "msg", "body", ident,
	    il, body, bodylen)) != POUCH_OK)
		return rc;
	*m = t;
	return POUCH_OK;
}

int
pouch_cstore_msg_add(struct pouch_cstore *s,
    const struct pouch_cstore_msg *m, const uint8_t *body, size_t bodylen,
    int64_t *id)
{
	sqlite3_stmt *st = NULL;
	uint8_t ident[CS_IDENT_MAX], *pt = NULL;
	size_t il, ptlen = 0;
	int64_t nid = 0;
	int rc;

	if (id != NULL)
		*id = 0;
	if (s == NULL || m == NULL || !gid_ok(m->gid, m->gidlen) ||
	    (body == NULL && bodylen != 0) || m->server_id < 0 ||
	    strnlen(m->sender, sizeof(m->sender)) == sizeof(m->sender))
		return POUCH_E_MISUSE;
	if (bodylen > POUCH_CSTORE_BODY_MAX)
		return POUCH_E_TOO_LARGE;
	if ((rc = pouch_cstore_rec_encode_sender(m, &pt, &ptlen)) !=
	    POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_op_begin(s)) != POUCH_OK)
		goto out;
	if ((rc = pouch_cstore_prep(s, "INSERT INTO msg(server_id, gid, time,"
	    " outgoing, read, sender, body) VALUES (?, ?, ?, ?, ?, x'', x'')",
	    &st)) != POUCH_OK)
		goto end;
	if (m->server_id != 0)
		sqlite3_bind_int64(st, 1, m->server_id);
	sqlite3_bind_blob(st, 2, m->gid, (int)m->gidlen, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, m->time);
	sqlite3_bind_int(st, 4, m->outgoing ? 1 : 0);
	sqlite3_bind_int(st, 5, m->read ? 1 : 0);
	if ((rc = step_done(s, st, 0)) != POUCH_OK)
		goto end;
	nid = sqlite3_last_insert_rowid(s->db);
	if ((rc = msg_ident(nid, m->gid, m->gidlen, m->time, m->outgoing,
	    ident, sizeof(ident), &il)) != POUCH_OK)
		goto end;
	if ((rc = seal_into(s, "UPDATE msg SET sender = ?1 WHERE id = ?2",
	    "msg", "sender", ident, il, nid, pt, ptlen)) != POUCH_OK)
		goto end;
	rc = seal_into(s, "UPDATE msg SET body = ?1 WHERE id = ?2", "msg",
	    "body", ident, il, nid, body, bodylen);
end:
	sqlite3_finalize(st);
	rc = pouch_cstore_op_end(s, rc);
	if (rc == POUCH_OK && id != NULL)
		*id = nid;
out:
	pouch_cstore_buf_free(pt, ptlen);
	return rc;
}

int
pouch_cstore_msg_get(struct pouch_cstore *s, int64_t id,
    struct pouch_cstore_msg *m, uint8_t **body, size_t *bodylen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (m == NULL || (body != NULL && bodylen == NULL))
		return POUCH_E_MISUSE;
	memset(m, 0, sizeof(*m));
	if (body != NULL) {
		*body = NULL;
		*bodylen = 0;
	}
	if (s == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_prep(s, "SELECT " MSG_COLS " FROM msg "
	    "WHERE id = ?", &st)) != POUCH_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		rc = msg_row(s, st, m, body, bodylen);
	else
		rc = rc == SQLITE_DONE ? POUCH_E_NOT_FOUND :
		    pouch_cstore_dberr(rc);
	sqlite3_finalize(st);
	return rc;
}

int
pouch_cstore_msg_list(struct pouch_cstore *s, const uint8_t *gid,
    size_t gidlen, int unread_only, size_t limit,
    struct pouch_cstore_msg **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct pouch_cstore_msg *v = NULL, tmp;
	size_t cnt = 0, cap = 0, i;
	int rc, step;

	if (out == NULL || n == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*n = 0;
	if (s == NULL || (gid != NULL && !gid_ok(gid, gidlen)))
		return POUCH_E_MISUSE;
	/* Newest first with the limit, reversed below. */
	rc = pouch_cstore_prep(s, gid != NULL ?
	    "SELECT " MSG_COLS " FROM msg WHERE gid = ?1 AND "
	    "(?2 = 0 OR read = 0) ORDER BY id DESC LIMIT ?3" :
	    "SELECT " MSG_COLS " FROM msg WHERE "
	    "(?2 = 0 OR read = 0) ORDER BY id DESC LIMIT ?3", &st);
	if (rc != POUCH_OK)
		return rc;
	if (gid != NULL)
		sqlite3_bind_blob(st, 1, gid, (int)gidlen, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, unread_only ? 1 : 0);
	sqlite3_bind_int64(st, 3, limit == 0 || limit > INT64_MAX ? -1 :
	    (sqlite3_int64)limit);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = grow((void **)&v, &cap, cnt, sizeof(*v))) !=
		    POUCH_OK)
			goto out;
		if ((rc = msg_row(s, st, &v[cnt], NULL, NULL)) != POUCH_OK)
			goto out;
		cnt++;
	}
	if ((rc = pouch_cstore_dberr(step)) != POUCH_OK)
		goto out;
	for (i = 0; i < cnt / 2; i++) {
		tmp = v[i];
		v[i] = v[cnt - 1 - i];
		v[cnt - 1 - i] = tmp;
	}
	*out = v;
	*n = cnt;
	v = NULL;
out:
	free(v);
	sqlite3_finalize(st);
	return rc;
}

int
pouch_cstore_msg_set_read(struct pouch_cstore *s, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_op_begin(s)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_prep(s, "UPDATE msg SET read = 1 WHERE id = ?",
	    &st)) == POUCH_OK) {
		sqlite3_bind_int64(st, 1, id);
		rc = step_done(s, st, 1);
	}
	sqlite3_finalize(st);
	return pouch_cstore_op_end(s, rc);
}

int
pouch_cstore_msg_set_server_id(struct pouch_cstore *s, int64_t id,
    int64_t server_id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || server_id <= 0)
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_op_begin(s)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_prep(s, "UPDATE msg SET server_id = ?2 "
	    "WHERE id = ?1", &st)) == POUCH_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, server_id);
		rc = step_done(s, st, 1);
	}
	sqlite3_finalize(st);
	return pouch_cstore_op_end(s, rc);
}

static int
mid_hash(struct pouch_cstore *s, const char *mid, uint8_t out[CS_HASH])
{
	size_t n;

	if (mid == NULL)
		return POUCH_E_MISUSE;
	n = strnlen(mid, POUCH_CSTORE_MID_MAX + 1);
	if (n == 0 || n > POUCH_CSTORE_MID_MAX)
		return POUCH_E_MISUSE;
	return pouch_cstore_hmac(s, "mid", mid, n, out);
}

int
pouch_cstore_msg_set_mid(struct pouch_cstore *s, int64_t id,
    const char *mid)
{
	sqlite3_stmt *st = NULL;
	uint8_t h[CS_HASH];
	int rc;

	if (s == NULL)
		return POUCH_E_MISUSE;
	if ((rc = mid_hash(s, mid, h)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_op_begin(s)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_prep(s, "UPDATE msg SET mh = ?2 WHERE id = ?1",
	    &st)) == POUCH_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_blob(st, 2, h, sizeof(h), SQLITE_STATIC);
		rc = step_done(s, st, 1);
	}
	sqlite3_finalize(st);
	return pouch_cstore_op_end(s, rc);
}

int
pouch_cstore_msg_by_mid(struct pouch_cstore *s, const char *mid,
    int64_t *id)
{
	sqlite3_stmt *st = NULL;
	uint8_t h[CS_HASH];
	int rc;

	if (id == NULL)
		return POUCH_E_MISUSE;
	*id = 0;
	if (s == NULL)
		return POUCH_E_MISUSE;
	if ((rc = mid_hash(s, mid, h)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_prep(s, "SELECT id FROM msg WHERE mh = ? "
	    "ORDER BY id LIMIT 1", &st)) != POUCH_OK)
		return rc;
	sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = POUCH_OK;
	} else
		rc = rc == SQLITE_DONE ? POUCH_E_NOT_FOUND :
		    pouch_cstore_dberr(rc);
	sqlite3_finalize(st);
	return rc;
}

int
pouch_cstore_seen_add(struct pouch_cstore *s, int64_t server_id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || server_id <= 0)
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_op_begin(s)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_prep(s, "INSERT OR IGNORE INTO seen(server_id)"
	    " VALUES (?)", &st)) == POUCH_OK) {
		sqlite3_bind_int64(st, 1, server_id);
		rc = step_done(s, st, 0);
	}
	sqlite3_finalize(st);
	return pouch_cstore_op_end(s, rc);
}

int
pouch_cstore_seen(struct pouch_cstore *s, int64_t server_id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || server_id <= 0)
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_prep(s, "SELECT EXISTS(SELECT 1 FROM seen "
	    "WHERE server_id = ?1) OR EXISTS(SELECT 1 FROM msg "
	    "WHERE server_id = ?1)", &st)) != POUCH_OK)
		return rc;
	sqlite3_bind_int64(st, 1, server_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		rc = sqlite3_column_int(st, 0) != 0;
	else
		rc = pouch_cstore_dberr(rc) == POUCH_OK ? POUCH_E_DB :
		    pouch_cstore_dberr(rc);
	sqlite3_finalize(st);
	return rc;
}

/* ---- deferred messages ------------------------------------------------ */

static int
pending_ident(int64_t id, int64_t server_id, const uint8_t *gid,
    size_t gidlen, uint64_t epoch, uint8_t *buf, size_t cap, size_t *len)
{
	struct pouch_wr w;
	int rc;

	pouch_wr_init_buf(&w, buf, cap);
	pouch_wr_u64(&w, (uint64_t)id);
	pouch_wr_u64(&w, (uint64_t)server_id);
	pouch_wr_opaque(&w, gid, gidlen);
	pouch_wr_u64(&w, epoch);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		return rc;
	*len = w.len;
	return POUCH_OK;
}

int
pouch_cstore_defer_add(struct pouch_cstore *s, int64_t server_id,
    const uint8_t *gid, size_t gidlen, uint64_t epoch, const uint8_t *data,
    size_t datalen)
{
	sqlite3_stmt *st = NULL;
	uint8_t ident[CS_IDENT_MAX];
	size_t il;
	int64_t nid;
	int rc;

	if (s == NULL || server_id <= 0 || !gid_ok(gid, gidlen) ||
	    epoch > INT64_MAX || data == NULL || datalen == 0)
		return POUCH_E_MISUSE;
	if (datalen > POUCH_CSTORE_VALUE_MAX)
		return POUCH_E_TOO_LARGE;
	if ((rc = pouch_cstore_op_begin(s)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_prep(s, "INSERT INTO pending(server_id, gid, "
	    "epoch, data) VALUES (?, ?, ?, x'')", &st)) != POUCH_OK)
		goto out;
	sqlite3_bind_int64(st, 1, server_id);
	sqlite3_bind_blob(st, 2, gid, (int)gidlen, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)epoch);
	if ((rc = step_done(s, st, 0)) != POUCH_OK)
		goto out;
	nid = sqlite3_last_insert_rowid(s->db);
	if ((rc = pending_ident(nid, server_id, gid, gidlen, epoch, ident,
	    sizeof(ident), &il)) != POUCH_OK)
		goto out;
	rc = seal_into(s, "UPDATE pending SET data = ?1 WHERE id = ?2",
	    "pending", "data", ident, il, nid, data, datalen);
out:
	sqlite3_finalize(st);
	return pouch_cstore_op_end(s, rc);
}

void
pouch_cstore_defer_free(struct pouch_cstore_deferred *d, size_t n)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < n; i++)
		pouch_cstore_buf_free(d[i].data, d[i].datalen);
	free(d);
}

int
pouch_cstore_defer_list(struct pouch_cstore *s, const uint8_t *gid,
    size_t gidlen, uint64_t up_to, struct pouch_cstore_deferred **out,
    size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct pouch_cstore_deferred *v = NULL, *d;
	uint8_t ident[CS_IDENT_MAX];
	size_t cnt = 0, cap = 0, il;
	int64_t ep;
	int rc, step;

	if (out == NULL || n == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*n = 0;
	if (s == NULL || !gid_ok(gid, gidlen))
		return POUCH_E_MISUSE;
	if (up_to > INT64_MAX)
		up_to = INT64_MAX;
	if ((rc = pouch_cstore_prep(s, "SELECT id, server_id, epoch, data "
	    "FROM pending WHERE gid = ? AND epoch <= ? ORDER BY id", &st)) !=
	    POUCH_OK)
		return rc;
	sqlite3_bind_blob(st, 1, gid, (int)gidlen, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)up_to);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = grow((void **)&v, &cap, cnt, sizeof(*v))) !=
		    POUCH_OK)
			goto out;
		d = &v[cnt];
		memset(d, 0, sizeof(*d));
		d->id = sqlite3_column_int64(st, 0);
		d->server_id = sqlite3_column_int64(st, 1);
		if ((ep = sqlite3_column_int64(st, 2)) < 0) {
			rc = POUCH_E_MALFORMED;
			goto out;
		}
		d->epoch = (uint64_t)ep;
		memcpy(d->gid, gid, gidlen);
		d->gidlen = gidlen;
		if ((rc = pending_ident(d->id, d->server_id, gid, gidlen,
		    d->epoch, ident, sizeof(ident), &il)) != POUCH_OK)
			goto out;
		if ((rc = col_open(s, st, 3, "pending", "data", ident, il,
		    &d->data, &d->datalen)) != POUCH_OK)
			goto out;
		cnt++;
	}
	if ((rc = pouch_cstore_dberr(step)) != POUCH_OK)
		goto out;
	*out = v;
	*n = cnt;
	v = NULL;
out:
	pouch_cstore_defer_free(v, cnt);
	sqlite3_finalize(st);
	return rc;
}

int
pouch_cstore_defer_del(struct pouch_cstore *s, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_op_begin(s)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_prep(s, "DELETE FROM pending WHERE id = ?",
	    &st)) == POUCH_OK) {
		sqlite3_bind_int64(st, 1, id);
		if ((rc = step_done(s, st, 1)) == POUCH_OK)
			s->dirty = 1;
	}
	sqlite3_finalize(st);
	return pouch_cstore_op_end(s, rc);
}

/* ---- alerts ----------------------------------------------------------- */

static int
alert_ident(int64_t id, int64_t time, const char *kind, uint8_t *buf,
    size_t cap, size_t *len)
{
	struct pouch_wr w;
	int rc;

	pouch_wr_init_buf(&w, buf, cap);
	pouch_wr_u64(&w, (uint64_t)id);
	pouch_wr_u64(&w, (uint64_t)time);
	pouch_wr_opaque(&w, kind, strlen(kind));
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		return rc;
	*len = w.len;
	return POUCH_OK;
}

int
pouch_cstore_alert_add(struct pouch_cstore *s, const char *kind,
    const char *text, int64_t time, int64_t *id)
{
	struct pouch_cstore_alert *a = NULL;
	sqlite3_stmt *st = NULL;
	uint8_t ident[CS_IDENT_MAX];
	size_t kl, tl, il;
	int64_t nid = 0;
	int rc;

	if (id != NULL)
		*id = 0;
	if (s == NULL || kind == NULL || text == NULL)
		return POUCH_E_MISUSE;
	kl = strnlen(kind, sizeof(a->kind));
	tl = strnlen(text, POUCH_CSTORE_ALERT_MAX + 1);
	if (kl == 0 || kl == sizeof(a->kind) || tl > POUCH_CSTORE_ALERT_MAX)
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_op_begin(s)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_prep(s, "INSERT INTO alert(time, kind, acked, "
	    "text) VALUES (?, ?, 0, x'')", &st)) != POUCH_OK)
		goto out;
	sqlite3_bind_int64(st, 1, time);
	sqlite3_bind_text(st, 2, kind, (int)kl, SQLITE_STATIC);
	if ((rc = step_done(s, st, 0)) != POUCH_OK)
		goto out;
	nid = sqlite3_last_insert_rowid(s->db);
	if ((rc = alert_ident(nid, time, kind, ident, sizeof(ident),
	    &il)) != POUCH_OK)
		goto out;
	rc = seal_into(s, "UPDATE alert SET text = ?1 WHERE id = ?2",
	    "alert", "text", ident, il, nid, (const uint8_t *)text, tl);
out:
	sqlite3_finalize(st);
	rc = pouch_cstore_op_end(s, rc);
	if (rc == POUCH_OK && id != NULL)
		*id = nid;
	return rc;
}

int
pouch_cstore_alert_list(struct pouch_cstore *s, int include_acked,
    struct pouch_cstore_alert **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct pouch_cstore_alert *v = NULL, *a;
	const unsigned char *k;
	uint8_t ident[CS_IDENT_MAX], *pt = NULL;
	size_t cnt = 0, cap = 0, il, ptlen = 0;
	int rc, step, kl;

	if (out == NULL || n == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*n = 0;
	if (s == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_prep(s, "SELECT id, time, kind, acked, text "
	    "FROM alert WHERE ?1 OR acked = 0 ORDER BY id", &st)) != POUCH_OK)
		return rc;
	sqlite3_bind_int(st, 1, include_acked ? 1 : 0);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = grow((void **)&v, &cap, cnt, sizeof(*v))) !=
		    POUCH_OK)
			goto out;
		a = &v[cnt];
		memset(a, 0, sizeof(*a));
		a->id = sqlite3_column_int64(st, 0);
		a->time = sqlite3_column_int64(st, 1);
		k = sqlite3_column_text(st, 2);
		kl = sqlite3_column_bytes(st, 2);
		if (k == NULL || kl < 1 || (size_t)kl >= sizeof(a->kind) ||
		    memchr(k, 0, (size_t)kl) != NULL) {
			rc = POUCH_E_MALFORMED;
			goto out;
		}
		memcpy(a->kind, k, (size_t)kl);
		a->acked = sqlite3_column_int64(st, 3) != 0;
		if ((rc = alert_ident(a->id, a->time, a->kind, ident,
		    sizeof(ident), &il)) != POUCH_OK)
			goto out;
		if ((rc = col_open(s, st, 4, "alert", "text", ident, il, &pt,
		    &ptlen)) != POUCH_OK)
			goto out;
		rc = pouch_cstore_rec_decode_text(pt, ptlen, a->text,
		    sizeof(a->text));
		pouch_cstore_buf_free(pt, ptlen);
		if (rc != POUCH_OK)
			goto out;
		cnt++;
	}
	if ((rc = pouch_cstore_dberr(step)) != POUCH_OK)
		goto out;
	*out = v;
	*n = cnt;
	v = NULL;
out:
	if (v != NULL)
		OPENSSL_cleanse(v, cap * sizeof(*v));
	free(v);
	sqlite3_finalize(st);
	return rc;
}

int
pouch_cstore_alert_ack(struct pouch_cstore *s, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_op_begin(s)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_prep(s, "UPDATE alert SET acked = 1 "
	    "WHERE id = ?", &st)) == POUCH_OK) {
		sqlite3_bind_int64(st, 1, id);
		rc = step_done(s, st, 1);
	}
	sqlite3_finalize(st);
	return pouch_cstore_op_end(s, rc);
}

/* ---- contacts --------------------------------------------------------- */

static int
user_hash(struct pouch_cstore *s, const char *user, uint8_t out[CS_HASH])
{
	size_t n;

	if (user == NULL)
		return POUCH_E_MISUSE;
	n = strnlen(user, POUCH_CSTORE_USER_MAX + 1);
	if (n == 0 || n > POUCH_CSTORE_USER_MAX)
		return POUCH_E_MISUSE;
	return pouch_cstore_hmac(s, "contact", user, n, out);
}

static int
contact_row(struct pouch_cstore *s, sqlite3_stmt *st,
    struct pouch_cstore_contact *c)
{
	uint8_t *pt = NULL;
	size_t ptlen = 0;
	int rc, n;

	n = sqlite3_column_bytes(st, 0);
	if (sqlite3_column_type(st, 0) != SQLITE_BLOB || n != CS_HASH)
		return POUCH_E_MALFORMED;
	if ((rc = col_open(s, st, 1, "contact", "rec",
	    sqlite3_column_blob(st, 0), CS_HASH, &pt, &ptlen)) != POUCH_OK)
		return rc;
	rc = pouch_cstore_rec_decode_contact(pt, ptlen, c);
	pouch_cstore_buf_free(pt, ptlen);
	return rc;
}

int
pouch_cstore_contact_put(struct pouch_cstore *s,
    const struct pouch_cstore_contact *c)
{
	sqlite3_stmt *st = NULL;
	uint8_t h[CS_HASH], *pt = NULL, *blob = NULL;
	size_t ptlen = 0, bl = 0;
	int rc;

	if (s == NULL || c == NULL ||
	    strnlen(c->user, sizeof(c->user)) == sizeof(c->user))
		return POUCH_E_MISUSE;
	if ((rc = user_hash(s, c->user, h)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_rec_encode_contact(c, &pt, &ptlen)) !=
	    POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_rec_seal(s->c, s->ekey, "contact", "rec", h,
	    sizeof(h), pt, ptlen, &blob, &bl)) != POUCH_OK)
		goto out;
	if ((rc = pouch_cstore_op_begin(s)) != POUCH_OK)
		goto out;
	if ((rc = pouch_cstore_prep(s, "INSERT OR REPLACE INTO contact(uh, "
	    "rec) VALUES (?, ?)", &st)) == POUCH_OK) {
		sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, blob, (int)bl, SQLITE_STATIC);
		rc = step_done(s, st, 0);
	}
	sqlite3_finalize(st);
	rc = pouch_cstore_op_end(s, rc);
out:
	pouch_cstore_buf_free(pt, ptlen);
	free(blob);
	return rc;
}

int
pouch_cstore_contact_get(struct pouch_cstore *s, const char *user,
    struct pouch_cstore_contact *c)
{
	struct pouch_cstore_contact t;
	sqlite3_stmt *st = NULL;
	char name[POUCH_CSTORE_USER_MAX + 1];
	uint8_t h[CS_HASH];
	int rc;

	if (c == NULL)
		return POUCH_E_MISUSE;
	/* user may point into *c (contact_get(s, c->user, c)). */
	if (user == NULL || strnlen(user, sizeof(name)) == sizeof(name)) {
		memset(c, 0, sizeof(*c));
		return POUCH_E_MISUSE;
	}
	memcpy(name, user, strlen(user) + 1);
	user = name;
	memset(c, 0, sizeof(*c));
	if (s == NULL)
		return POUCH_E_MISUSE;
	if ((rc = user_hash(s, user, h)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_prep(s, "SELECT uh, rec FROM contact "
	    "WHERE uh = ?", &st)) != POUCH_OK)
		return rc;
	sqlite3_bind_blob(st, 1, h, sizeof(h), SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = contact_row(s, st, &t)) == POUCH_OK) {
			if (strcmp(t.user, user) != 0)
				rc = POUCH_E_MALFORMED;
			else
				*c = t;
		}
	} else
		rc = rc == SQLITE_DONE ? POUCH_E_NOT_FOUND :
		    pouch_cstore_dberr(rc);
	sqlite3_finalize(st);
	return rc;
}

static int
contact_cmp(const void *a, const void *b)
{
	const struct pouch_cstore_contact *x = a, *y = b;

	return strcmp(x->user, y->user);
}

int
pouch_cstore_contact_list(struct pouch_cstore *s,
    struct pouch_cstore_contact **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct pouch_cstore_contact *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc, step;

	if (out == NULL || n == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*n = 0;
	if (s == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_prep(s, "SELECT uh, rec FROM contact", &st)) !=
	    POUCH_OK)
		return rc;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = grow((void **)&v, &cap, cnt, sizeof(*v))) !=
		    POUCH_OK)
			goto out;
		if ((rc = contact_row(s, st, &v[cnt])) != POUCH_OK)
			goto out;
		cnt++;
	}
	if ((rc = pouch_cstore_dberr(step)) != POUCH_OK)
		goto out;
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), contact_cmp);
	*out = v;
	*n = cnt;
	v = NULL;
out:
	free(v);
	sqlite3_finalize(st);
	return rc;
}
