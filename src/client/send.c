/*
 * client/send - messages as a user sees them: composing and sending a
 * mail-like message (RFC 5322 through client/mime) into a conversation,
 * with attachments sealed as blobs (client/blob) and uploaded first;
 * listing, reading, saving attachments and exporting; alerts, safety
 * codes and verification of contacts, and our own devices.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <pouch/err.h>

#include "client/blob.h"
#include "client/client_int.h"
#include "client/mime.h"
#include "codec/codec.h"

#define FILE_MAX	((size_t)64 << 20)	/* one attachment */

static int
read_file(const char *path, uint8_t **out, size_t *outlen)
{
	struct stat sb;
	uint8_t *p = NULL;
	size_t off = 0;
	ssize_t r;
	int fd, rc;

	*out = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return POUCH_E_NOT_FOUND;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = POUCH_E_IO;
		goto out;
	}
	if ((size_t)sb.st_size > FILE_MAX) {
		rc = POUCH_E_TOO_LARGE;
		goto out;
	}
	if ((p = malloc((size_t)sb.st_size + 1)) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	while (off < (size_t)sb.st_size) {
		r = read(fd, p + off, (size_t)sb.st_size - off);
		if (r <= 0) {
			rc = POUCH_E_IO;
			goto out;
		}
		off += (size_t)r;
	}
	*out = p;
	*outlen = off;
	p = NULL;
	rc = POUCH_OK;
out:
	free(p);
	close(fd);
	return rc;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static int
put_blob(struct pouch_client *cl, const uint8_t *blob, size_t len,
    const uint8_t hash[32])
{
	struct pouch_http_resp r;
	char path[16 + 65];
	int rc;

	memcpy(path, "/v1/attachments/", 16);
	pouch_hex(hash, 32, path + 16);
	if ((rc = cl_http(cl, "PUT", path, "application/octet-stream", blob,
	    len, NULL, 4096, 600, 0, &r)) != POUCH_OK)
		return rc;
	rc = r.status == 200 || r.status == 201 ? POUCH_OK :
	    r.status == 413 ? POUCH_E_QUOTA : POUCH_E_IO;
	pouch_http_resp_clear(&r);
	return rc;
}

static int
get_blob(struct pouch_client *cl, const uint8_t hash[32], size_t max,
    uint8_t **out, size_t *outlen)
{
	struct pouch_http_resp r;
	char path[16 + 65];
	int rc;

	*out = NULL;
	*outlen = 0;
	memcpy(path, "/v1/attachments/", 16);
	pouch_hex(hash, 32, path + 16);
	if ((rc = cl_http(cl, "GET", path, NULL, NULL, 0, NULL, max, 600, 0,
	    &r)) != POUCH_OK)
		return rc;
	if (r.status != 200) {
		rc = r.status == 404 ? POUCH_E_NOT_FOUND : POUCH_E_IO;
		pouch_http_resp_clear(&r);
		return rc;
	}
	*out = r.body;
	*outlen = r.len;
	return POUCH_OK;
}

/* The conversation whose members are exactly us and to, or 0. */
static int
find_conv(struct pouch_client *cl, const char *const *to, size_t nto,
    int64_t *id)
{
	struct pouch_cstore_conv *v = NULL, cv;
	struct pouch_mls_group *g = NULL;
	char **mem = NULL;
	size_t n = 0, nmem = 0, i, j, k, want;
	int rc = POUCH_OK, match;

	*id = 0;
	if ((rc = pouch_cstore_conv_list(cl->st, &v, &n)) != POUCH_OK)
		return rc;
	for (i = 0; i < n && *id == 0; i++) {
		if (v[i].removed)
			continue;
		if ((rc = cl_group_load(cl, v[i].id, &cv, &g)) != POUCH_OK)
			break;
		if ((rc = cl_members(g, &mem, &nmem, NULL)) != POUCH_OK)
			break;
		/* distinct wanted names: us and to */
		want = 1;
		for (j = 0; j < nto; j++) {
			for (k = 0; k < j; k++)
				if (strcmp(to[k], to[j]) == 0)
					break;
			if (k == j && strcmp(to[j], cl->user) != 0)
				want++;
		}
		match = nmem == want;
		for (j = 0; match && j < nmem; j++) {
			if (strcmp(mem[j], cl->user) == 0)
				continue;
			for (k = 0; k < nto; k++)
				if (strcmp(mem[j], to[k]) == 0)
					break;
			match = k < nto;
		}
		if (match)
			*id = v[i].id;
		cl_members_free(mem, nmem);
		mem = NULL;
		pouch_mls_group_free(g);
		g = NULL;
	}
	pouch_mls_group_free(g);
	free(v);
	return rc;
}

struct atts {
	struct pouch_mime_att	a[POUCH_MIME_ATT_MAX];
	char			*names[POUCH_MIME_ATT_MAX];
	size_t			 n;
	char			 hdr[POUCH_MIME_ATT_MAX * 65 + 1];
};

static void
atts_clear(struct atts *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->names[i]);
	OPENSSL_cleanse(t, sizeof(*t));
}

static int
upload(struct pouch_client *cl, const char *const *paths, size_t n,
    struct atts *t)
{
	uint8_t *pt = NULL, *blob = NULL;
	size_t ptlen = 0, bloblen = 0, i;
	char hex[65];
	int rc = POUCH_OK;

	memset(t, 0, sizeof(*t));
	if (n > POUCH_MIME_ATT_MAX)
		return POUCH_E_TOO_LARGE;
	for (i = 0; i < n; i++) {
		if ((rc = read_file(paths[i], &pt, &ptlen)) != POUCH_OK)
			goto out;
		if ((rc = pouch_blob_seal(pt, ptlen, t->a[i].key,
		    t->a[i].hash, &blob, &bloblen)) != POUCH_OK)
			goto out;
		if ((rc = put_blob(cl, blob, bloblen, t->a[i].hash)) !=
		    POUCH_OK)
			goto out;
		if ((t->names[i] = strdup(base_name(paths[i]))) == NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		t->a[i].filename = t->names[i];
		t->a[i].content_type = NULL;
		t->a[i].size = ptlen;
		t->n = i + 1;
		pouch_hex(t->a[i].hash, 32, hex);
		snprintf(t->hdr + strlen(t->hdr), sizeof(t->hdr) -
		    strlen(t->hdr), "%s%s", i > 0 ? "," : "", hex);
		OPENSSL_cleanse(pt, ptlen);
		free(pt);
		pt = NULL;
		free(blob);
		blob = NULL;
	}
out:
	if (pt != NULL) {
		OPENSSL_cleanse(pt, ptlen);
		free(pt);
	}
	free(blob);
	return rc;
}

int
pouch_client_send(pouch_client *cl, const struct pouch_client_send *s,
    int64_t *id)
{
	struct pouch_mime_in mi;
	struct pouch_cstore_conv cv;
	struct pouch_cstore_msg m, rm;
	struct pouch_mls_group *g = NULL;
	struct pouch_mime_msg *parent = NULL;
	uint8_t *mime = NULL, *ct = NULL, *pbody = NULL, rnd[16];
	size_t mimelen = 0, ctlen = 0, pbodylen = 0, nmem = 0, i, nto = 0;
	size_t nrefs = 0;
	const char **to = NULL, **refs = NULL;
	char **mem = NULL, mid[2 * sizeof(rnd) + CL_USER_MAX + 4];
	struct atts t;
	int64_t conv, lid;
	int rc, trusted;

	memset(&t, 0, sizeof(t));
	if (cl == NULL || s == NULL || id == NULL ||
	    (s->conv == 0 && s->nto == 0) || (s->body == NULL &&
	    s->bodylen > 0))
		return POUCH_E_MISUSE;
	*id = 0;
	for (i = 0; i < s->nto; i++)
		if (!cl_user_ok(s->to[i]))
			return POUCH_E_MISUSE;
	conv = s->conv;
	if (conv == 0) {
		if ((rc = cl_sync_queue(cl, 0, NULL)) != POUCH_OK ||
		    (rc = find_conv(cl, s->to, s->nto, &conv)) != POUCH_OK)
			return rc;
		if (conv == 0 && (rc = pouch_client_conv_create(cl, s->subject,
		    s->to, s->nto, &conv)) != POUCH_OK)
			return rc;
	}
	if ((rc = cl_group_load(cl, conv, &cv, &g)) != POUCH_OK)
		goto out;
	if (pouch_mls_group_removed(g)) {
		rc = POUCH_E_FORBIDDEN;
		goto out;
	}
	if ((rc = cl_check_members(cl, g, 0, &trusted)) != POUCH_OK)
		goto out;
	/* a device enrolled moments ago: the log's next checkpoint */
	if (!trusted && ((rc = cl_kt_sync(cl)) != POUCH_OK ||
	    (rc = cl_check_members(cl, g, 0, &trusted)) != POUCH_OK))
		goto out;
	if (!trusted) {
		rc = POUCH_E_FORBIDDEN;
		goto out;
	}
	if ((rc = cl_members(g, &mem, &nmem, NULL)) != POUCH_OK)
		goto out;
	if ((to = calloc(nmem + 1, sizeof(*to))) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	for (i = 0; i < nmem; i++)
		if (strcmp(mem[i], cl->user) != 0)
			to[nto++] = mem[i];
	if ((rc = upload(cl, s->attach, s->nattach, &t)) != POUCH_OK)
		goto out;
	memset(&mi, 0, sizeof(mi));
	if (s->reply_to != 0) {
		if ((rc = pouch_cstore_msg_get(cl->st, s->reply_to, &rm,
		    &pbody, &pbodylen)) != POUCH_OK ||
		    (rc = pouch_mime_parse(pbody, pbodylen, &parent)) !=
		    POUCH_OK)
			goto out;
		nrefs = pouch_mime_nreferences(parent);
		if ((refs = calloc(nrefs + 1, sizeof(*refs))) == NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		for (i = 0; i < nrefs; i++)
			refs[i] = pouch_mime_reference(parent, i);
		if (pouch_mime_message_id(parent) != NULL)
			refs[nrefs++] = pouch_mime_message_id(parent);
		mi.in_reply_to = pouch_mime_message_id(parent);
		mi.references = refs;
		mi.nreferences = nrefs;
	}
	if ((rc = pouch_random(rnd, sizeof(rnd))) != POUCH_OK)
		goto out;
	pouch_hex(rnd, sizeof(rnd), mid);
	snprintf(mid + 2 * sizeof(rnd), sizeof(mid) - 2 * sizeof(rnd), "@%s",
	    cl->domain);
	mi.domain = cl->domain;
	mi.from = cl->user;
	mi.to = to;
	mi.nto = nto;
	mi.subject = s->subject != NULL ? s->subject : "";
	mi.date = cl_now(cl);
	mi.message_id = mid;
	mi.body = s->body != NULL ? s->body : "";
	mi.bodylen = s->bodylen;
	mi.att = t.a;
	mi.natt = t.n;
	if ((rc = pouch_mime_compose(&mi, &mime, &mimelen)) != POUCH_OK)
		goto out;
	if ((rc = cl_app_seal(cl, g, mime, mimelen, &ct, &ctlen)) != POUCH_OK)
		goto out;
	memset(&m, 0, sizeof(m));
	memcpy(m.gid, cv.gid, cv.gidlen);
	m.gidlen = cv.gidlen;
	snprintf(m.sender, sizeof(m.sender), "%s", cl->user);
	m.sender_device = cl->device_id;
	m.time = mi.date;
	m.outgoing = 1;
	m.read = 1;
	cv.sent_since_update++;
	if ((rc = pouch_cstore_begin(cl->st)) != POUCH_OK)
		goto out;
	if ((rc = cl_group_save(cl, &cv, g)) != POUCH_OK ||
	    (rc = pouch_cstore_msg_add(cl->st, &m, mime, mimelen, &lid)) !=
	    POUCH_OK ||
	    (rc = pouch_cstore_msg_set_mid(cl->st, lid, mid)) != POUCH_OK ||
	    (rc = cl_outbox_add(cl, ct, ctlen, t.n > 0 ? t.hdr : NULL, lid)) !=
	    POUCH_OK) {
		pouch_cstore_rollback(cl->st);
		goto out;
	}
	if ((rc = pouch_cstore_commit(cl->st)) != POUCH_OK)
		goto out;
	*id = lid;
	/* stored and queued: a failure to post now is retried by sync */
	if ((rc = cl_outbox_flush(cl)) == POUCH_E_IO)
		rc = POUCH_OK;
out:
	pouch_mime_free(parent);
	pouch_cstore_buf_free(pbody, pbodylen);
	free(refs);
	free(to);
	cl_members_free(mem, nmem);
	atts_clear(&t);
	if (mime != NULL)
		pouch_mime_buf_free(mime, mimelen);
	pouch_wr_buf_free(ct, ctlen);
	pouch_mls_group_free(g);
	return rc;
}

/* ---- reading ---------------------------------------------------------- */

static int64_t
conv_id_of(struct pouch_client *cl, const uint8_t *gid, size_t gidlen)
{
	struct pouch_cstore_conv cv;

	if (pouch_cstore_conv_get(cl->st, gid, gidlen, &cv, NULL, NULL) !=
	    POUCH_OK)
		return 0;
	return cv.id;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* Fill o from m and its parsed body; whole = body and attachments too. */
static int
fill(struct pouch_client *cl, const struct pouch_cstore_msg *m,
    const uint8_t *body, size_t bodylen, int whole,
    struct pouch_client_msg *o)
{
	struct pouch_mime_msg *mm = NULL;
	const char *b;
	size_t blen, i;
	int rc;

	o->id = m->id;
	o->conv = conv_id_of(cl, m->gid, m->gidlen);
	o->date = m->time;
	o->outgoing = m->outgoing;
	o->read = m->read;
	if ((o->from = strdup(m->sender)) == NULL)
		return POUCH_E_NOMEM;
	if ((rc = pouch_mime_parse(body, bodylen, &mm)) != POUCH_OK) {
		o->subject = strdup("(unreadable)");
		return o->subject == NULL ? POUCH_E_NOMEM : POUCH_OK;
	}
	rc = POUCH_E_NOMEM;
	o->subject = strdup(pouch_mime_subject(mm) != NULL ?
	    pouch_mime_subject(mm) : "");
	o->message_id = dup_or_null(pouch_mime_message_id(mm));
	o->in_reply_to = dup_or_null(pouch_mime_in_reply_to(mm));
	o->natt = pouch_mime_natt(mm);
	if (o->subject == NULL)
		goto out;
	if (whole) {
		b = pouch_mime_body(mm, &blen);
		if ((o->body = malloc(blen + 1)) == NULL)
			goto out;
		memcpy(o->body, b, blen);
		o->body[blen] = '\0';
		o->bodylen = blen;
		if (o->natt > 0 && ((o->att_names = calloc(o->natt,
		    sizeof(char *))) == NULL || (o->att_sizes = calloc(o->natt,
		    sizeof(uint64_t))) == NULL))
			goto out;
		for (i = 0; i < o->natt; i++) {
			const struct pouch_mime_att *a = pouch_mime_att(mm, i);

			if ((o->att_names[i] = strdup(a->filename != NULL ?
			    a->filename : "attachment")) == NULL)
				goto out;
			o->att_sizes[i] = a->size;
		}
	}
	rc = POUCH_OK;
out:
	pouch_mime_free(mm);
	return rc;
}

int
pouch_client_list(pouch_client *cl, int64_t conv, int unread_only,
    size_t limit, struct pouch_client_msg **out, size_t *n)
{
	struct pouch_cstore_msg *v = NULL, m;
	struct pouch_client_msg *o = NULL;
	struct pouch_cstore_conv cv;
	uint8_t *body = NULL;
	size_t nv = 0, i, bodylen = 0;
	int rc;

	if (cl == NULL || out == NULL || n == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*n = 0;
	if (conv != 0 && (rc = cl_conv_by_id(cl, conv, &cv)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_msg_list(cl->st, conv != 0 ? cv.gid : NULL,
	    conv != 0 ? cv.gidlen : 0, unread_only, limit, &v, &nv)) !=
	    POUCH_OK)
		return rc;
	if ((o = calloc(nv + 1, sizeof(*o))) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	for (i = 0; i < nv; i++) {
		if ((rc = pouch_cstore_msg_get(cl->st, v[i].id, &m, &body,
		    &bodylen)) != POUCH_OK)
			goto out;
		rc = fill(cl, &m, body, bodylen, 0, &o[i]);
		pouch_cstore_buf_free(body, bodylen);
		body = NULL;
		if (rc != POUCH_OK)
			goto out;
	}
	*out = o;
	*n = nv;
	o = NULL;
out:
	if (o != NULL)
		pouch_client_msg_free(o, nv);
	free(v);
	return rc;
}

int
pouch_client_read(pouch_client *cl, int64_t id, struct pouch_client_msg **out)
{
	struct pouch_client_msg *o = NULL;
	struct pouch_cstore_msg m;
	uint8_t *body = NULL;
	size_t bodylen = 0;
	int rc;

	if (cl == NULL || out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if ((rc = pouch_cstore_msg_get(cl->st, id, &m, &body, &bodylen)) !=
	    POUCH_OK)
		return rc;
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	if ((rc = fill(cl, &m, body, bodylen, 1, o)) != POUCH_OK)
		goto out;
	if (!m.read && (rc = pouch_cstore_msg_set_read(cl->st, id)) !=
	    POUCH_OK)
		goto out;
	*out = o;
	o = NULL;
out:
	if (o != NULL)
		pouch_client_msg_free(o, 1);
	pouch_cstore_buf_free(body, bodylen);
	return rc;
}

void
pouch_client_msg_free(struct pouch_client_msg *v, size_t n)
{
	size_t i, j;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].from);
		free(v[i].subject);
		free(v[i].message_id);
		free(v[i].in_reply_to);
		if (v[i].body != NULL) {
			OPENSSL_cleanse(v[i].body, v[i].bodylen);
			free(v[i].body);
		}
		if (v[i].att_names != NULL)
			for (j = 0; j < v[i].natt; j++)
				free(v[i].att_names[j]);
		free(v[i].att_names);
		free(v[i].att_sizes);
	}
	free(v);
}

/* The attachment's plaintext: fetched, hash checked, opened. */
static int
fetch_att(struct pouch_client *cl, const struct pouch_mime_att *a,
    uint8_t **pt, size_t *ptlen)
{
	uint8_t *blob = NULL;
	size_t bloblen = 0;
	int rc;

	if (a->size > FILE_MAX)
		return POUCH_E_TOO_LARGE;
	if ((rc = get_blob(cl, a->hash, (size_t)a->size + (a->size >> 4) +
	    65536, &blob, &bloblen)) != POUCH_OK)
		return rc;
	rc = pouch_blob_open(a->key, a->hash, blob, bloblen, pt, ptlen);
	free(blob);
	return rc;
}

int
pouch_client_save_attachment(pouch_client *cl, int64_t id, size_t i,
    const char *path)
{
	struct pouch_mime_msg *mm = NULL;
	struct pouch_cstore_msg m;
	uint8_t *body = NULL, *pt = NULL;
	size_t bodylen = 0, ptlen = 0, off = 0;
	ssize_t w;
	int rc, fd = -1;

	if (cl == NULL || path == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_msg_get(cl->st, id, &m, &body, &bodylen)) !=
	    POUCH_OK ||
	    (rc = pouch_mime_parse(body, bodylen, &mm)) != POUCH_OK)
		goto out;
	if (i >= pouch_mime_natt(mm)) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	if ((rc = fetch_att(cl, pouch_mime_att(mm, i), &pt, &ptlen)) !=
	    POUCH_OK)
		goto out;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		rc = POUCH_E_EXISTS;
		goto out;
	}
	while (off < ptlen) {
		if ((w = write(fd, pt + off, ptlen - off)) <= 0) {
			rc = POUCH_E_IO;
			goto out;
		}
		off += (size_t)w;
	}
	rc = fsync(fd) == 0 ? POUCH_OK : POUCH_E_IO;
out:
	if (fd >= 0)
		close(fd);
	if (pt != NULL)
		pouch_mime_buf_free(pt, ptlen);
	pouch_mime_free(mm);
	pouch_cstore_buf_free(body, bodylen);
	return rc;
}

int
pouch_client_export(pouch_client *cl, int64_t id, uint8_t **out,
    size_t *outlen)
{
	struct pouch_mime_msg *mm = NULL;
	struct pouch_cstore_msg m;
	uint8_t *body = NULL, *pts[POUCH_MIME_ATT_MAX];
	size_t bodylen = 0, lens[POUCH_MIME_ATT_MAX], n, i;
	int rc;

	memset(pts, 0, sizeof(pts));
	memset(lens, 0, sizeof(lens));
	if (cl == NULL || out == NULL || outlen == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*outlen = 0;
	if ((rc = pouch_cstore_msg_get(cl->st, id, &m, &body, &bodylen)) !=
	    POUCH_OK ||
	    (rc = pouch_mime_parse(body, bodylen, &mm)) != POUCH_OK)
		goto out;
	n = pouch_mime_natt(mm);
	for (i = 0; i < n && i < POUCH_MIME_ATT_MAX; i++)
		if ((rc = fetch_att(cl, pouch_mime_att(mm, i), &pts[i],
		    &lens[i])) != POUCH_OK)
			goto out;
	rc = pouch_mime_export(mm, (const uint8_t *const *)pts, lens, out,
	    outlen);
out:
	for (i = 0; i < POUCH_MIME_ATT_MAX; i++)
		if (pts[i] != NULL)
			pouch_mime_buf_free(pts[i], lens[i]);
	pouch_mime_free(mm);
	pouch_cstore_buf_free(body, bodylen);
	return rc;
}

void
pouch_client_buf_free(uint8_t *p, size_t n)
{
	if (p != NULL)
		pouch_mime_buf_free(p, n);
}

/* ---- alerts, contacts, devices ---------------------------------------- */

int
pouch_client_alerts(pouch_client *cl, int include_acked,
    struct pouch_client_alert **out, size_t *n)
{
	struct pouch_cstore_alert *v = NULL;
	struct pouch_client_alert *o = NULL;
	size_t nv = 0, i;
	int rc;

	if (cl == NULL || out == NULL || n == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*n = 0;
	if ((rc = pouch_cstore_alert_list(cl->st, include_acked, &v, &nv)) !=
	    POUCH_OK)
		return rc;
	if ((o = calloc(nv + 1, sizeof(*o))) == NULL) {
		free(v);
		return POUCH_E_NOMEM;
	}
	for (i = 0; i < nv; i++) {
		o[i].id = v[i].id;
		o[i].time = v[i].time;
		o[i].acked = v[i].acked;
		if ((o[i].kind = strdup(v[i].kind)) == NULL ||
		    (o[i].text = strdup(v[i].text)) == NULL) {
			pouch_client_alert_free(o, nv);
			free(v);
			return POUCH_E_NOMEM;
		}
	}
	free(v);
	*out = o;
	*n = nv;
	return POUCH_OK;
}

void
pouch_client_alert_free(struct pouch_client_alert *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].kind);
		free(v[i].text);
	}
	free(v);
}

int
pouch_client_alert_ack(pouch_client *cl, int64_t id)
{
	if (cl == NULL)
		return POUCH_E_MISUSE;
	return pouch_cstore_alert_ack(cl->st, id);
}

/*
 * Safety code: SHA-512("pouch safety v1" || the two (user, account key)
 * pairs in user-name order), whose first 60 bytes make 12 groups of 5
 * digits (each 5-byte chunk mod 100000), so both sides print the same.
 */
int
pouch_client_safety_code(pouch_client *cl, const char *user, char out[80])
{
	struct pouch_cstore_contact ct;
	const uint8_t *k1, *k2;
	const char *u1, *u2;
	uint8_t h[SHA512_DIGEST_LENGTH];
	struct pouch_wr w;
	uint64_t v;
	size_t i, j, off = 0;
	int rc;

	if (cl == NULL || out == NULL || !cl_user_ok(user))
		return POUCH_E_MISUSE;
	out[0] = '\0';
	if ((rc = pouch_cstore_contact_get(cl->st, user, &ct)) != POUCH_OK)
		return rc;
	if (strcmp(cl->user, user) < 0) {
		u1 = cl->user;
		k1 = cl->acct_pub;
		u2 = user;
		k2 = ct.account_key;
	} else {
		u1 = user;
		k1 = ct.account_key;
		u2 = cl->user;
		k2 = cl->acct_pub;
	}
	pouch_wr_init(&w, 512);
	pouch_wr_opaque(&w, "pouch safety v1", 15);
	pouch_wr_opaque(&w, u1, strlen(u1));
	pouch_wr_opaque(&w, k1, CL_KEY);
	pouch_wr_opaque(&w, u2, strlen(u2));
	pouch_wr_opaque(&w, k2, CL_KEY);
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK) {
		pouch_wr_free(&w);
		return rc;
	}
	SHA512(w.buf, w.len, h);
	pouch_wr_free(&w);
	for (i = 0; i < 12; i++) {
		v = 0;
		for (j = 0; j < 5; j++)
			v = v << 8 | h[5 * i + j];
		off += (size_t)snprintf(out + off, 80 - off, "%s%05llu",
		    i == 0 ? "" : " ", (unsigned long long)(v % 100000));
	}
	return POUCH_OK;
}

int
pouch_client_verify(pouch_client *cl, const char *user)
{
	struct pouch_cstore_contact ct;
	int rc;

	if (cl == NULL || !cl_user_ok(user))
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_contact_get(cl->st, user, &ct)) != POUCH_OK)
		return rc;
	ct.verified = 1;
	return pouch_cstore_contact_put(cl->st, &ct);
}

int
pouch_client_devices(pouch_client *cl, struct pouch_client_device **out,
    size_t *n)
{
	struct pouch_cstore_conv *v = NULL, cv;
	struct pouch_client_device *o = NULL, *no;
	struct pouch_mls_member_info mi;
	struct pouch_mls_group *g = NULL;
	struct cl_ident id;
	size_t nv = 0, i, k = 0, j;
	uint32_t l, leaves;
	char hex[65];
	int rc;

	if (cl == NULL || out == NULL || n == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	*n = 0;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return POUCH_E_NOMEM;
	o[0].id = cl->device_id;
	pouch_hex(cl->dev_pub, CL_KEY, o[0].key_hex);
	o[0].self = 1;
	k = 1;
	if ((rc = pouch_cstore_conv_list(cl->st, &v, &nv)) != POUCH_OK)
		goto out;
	for (i = 0; i < nv; i++) {
		if ((rc = cl_group_load(cl, v[i].id, &cv, &g)) != POUCH_OK)
			goto out;
		leaves = pouch_mls_group_leaves(g);
		for (l = 0; l < leaves; l++) {
			if (pouch_mls_group_member(g, l, &mi) != POUCH_OK ||
			    cl_ident_check(cl->c, mi.identity, mi.identitylen,
			    mi.sig_key, mi.sig_keylen, &id) != POUCH_OK ||
			    strcmp(id.user, cl->user) != 0 ||
			    !cl_acct_ok(cl, cl->user, cl->acct_pub,
			    id.account_key, mi.sig_key))
				continue;
			pouch_hex(mi.sig_key, CL_KEY, hex);
			for (j = 0; j < k; j++)
				if (strcmp(o[j].key_hex, hex) == 0)
					break;
			if (j < k)
				continue;
			if ((no = realloc(o, (k + 1) * sizeof(*o))) == NULL) {
				rc = POUCH_E_NOMEM;
				goto out;
			}
			o = no;
			memset(&o[k], 0, sizeof(o[k]));
			o[k].id = id.device_id;
			memcpy(o[k].key_hex, hex, sizeof(hex));
			k++;
		}
		pouch_mls_group_free(g);
		g = NULL;
	}
	*out = o;
	*n = k;
	o = NULL;
	rc = POUCH_OK;
out:
	pouch_mls_group_free(g);
	free(o);
	free(v);
	return rc;
}
