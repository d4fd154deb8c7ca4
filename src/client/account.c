/*
 * client/account - this device and its account: opening and creating the
 * client directory, enrolment with a one-time code, logging in with the
 * device key (challenge, token), keeping KeyPackages stocked at the
 * server with their private keys in the store, alerts, and the identity
 * checks of group members (G7).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "client/client_int.h"
#include "codec/codec.h"
#include "mls/keypackage.h"

#define KV_MAX	4096

int64_t
cl_now(const struct pouch_client *cl)
{
	return cl->now != 0 ? cl->now : (int64_t)time(NULL);
}

static char *
path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p;

	if ((p = malloc(n)) != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* ---- the store's key/value records ----------------------------------- */

static int
kv_put_str(struct pouch_cstore *st, const char *name, const char *v)
{
	return pouch_cstore_kv_put(st, name, (const uint8_t *)v, strlen(v));
}

static int
kv_get_str(struct pouch_cstore *st, const char *name, char *out, size_t cap)
{
	uint8_t *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = pouch_cstore_kv_get(st, name, &v, &n)) != POUCH_OK)
		return rc;
	if (n >= cap || memchr(v, '\0', n) != NULL)
		rc = POUCH_E_MALFORMED;
	else {
		memcpy(out, v, n);
		out[n] = '\0';
	}
	pouch_cstore_buf_free(v, n);
	return rc;
}

static int
kv_get_fixed(struct pouch_cstore *st, const char *name, uint8_t *out,
    size_t len)
{
	uint8_t *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = pouch_cstore_kv_get(st, name, &v, &n)) != POUCH_OK)
		return rc;
	if (n != len)
		rc = POUCH_E_MALFORMED;
	else
		memcpy(out, v, n);
	pouch_cstore_buf_free(v, n);
	return rc;
}

int
cl_kv_put_i64(struct pouch_cstore *st, const char *name, int64_t v)
{
	char b[32];

	snprintf(b, sizeof(b), "%lld", (long long)v);
	return kv_put_str(st, name, b);
}

int
cl_kv_get_i64(struct pouch_cstore *st, const char *name, int64_t *v)
{
	char b[32], *end;
	long long x;
	int rc;

	if ((rc = kv_get_str(st, name, b, sizeof(b))) != POUCH_OK)
		return rc;
	errno = 0;
	x = strtoll(b, &end, 10);
	if (errno != 0 || *end != '\0' || end == b)
		return POUCH_E_MALFORMED;
	*v = x;
	return POUCH_OK;
}

/* ---- alerts ------------------------------------------------------------ */

int
cl_alert(struct pouch_client *cl, const char *kind, const char *fmt, ...)
{
	char text[POUCH_CSTORE_ALERT_MAX + 1];
	struct pouch_cstore_alert *a = NULL;
	size_t n = 0, i;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* one alert while the same one waits for acknowledgement: a sync
	 * may meet the same lie several times */
	if ((rc = pouch_cstore_alert_list(cl->st, 0, &a, &n)) != POUCH_OK)
		return rc;
	for (i = 0; i < n; i++)
		if (strcmp(a[i].kind, kind) == 0 &&
		    strcmp(a[i].text, text) == 0)
			break;
	free(a);
	if (i < n)
		return POUCH_OK;
	return pouch_cstore_alert_add(cl->st, kind, text, cl_now(cl), NULL);
}

/* ---- HTTP with login --------------------------------------------------- */

static int
jb64_get(json_t *o, const char *key, uint8_t *out, size_t len)
{
	const char *s = json_string_value(json_object_get(o, key));
	uint8_t *p = NULL;
	size_t n = 0;
	int rc;

	if (s == NULL)
		return POUCH_E_MALFORMED;
	if ((rc = pouch_b64_decode(s, len, &p, &n)) != POUCH_OK)
		return rc;
	if (n != len)
		rc = POUCH_E_MALFORMED;
	else
		memcpy(out, p, n);
	free(p);
	return rc;
}

static json_t *
jb64(const uint8_t *p, size_t n)
{
	char *s = pouch_b64_encode(p, n);
	json_t *j;

	if (s == NULL)
		return NULL;
	j = json_string(s);
	free(s);
	return j;
}

static int
sign_dev(struct pouch_client *cl, const uint8_t *msg, size_t len,
    uint8_t sig[CL_SIG])
{
	size_t siglen;

	return pouch_sig_sign(cl->c, POUCH_SIG_ED25519, cl->dev_priv, CL_KEY,
	    msg, len, sig, CL_SIG, &siglen);
}

static int
login_once(struct pouch_client *cl, long *status)
{
	uint8_t chal[64], sig[CL_SIG], *stmt = NULL;
	size_t stmtlen = 0, chlen = 0;
	json_t *r = NULL, *req = NULL;
	const char *tok, *cs;
	struct pouch_wr w;
	uint8_t *cp = NULL;
	long st;
	int rc;

	(void)pouch_http_set_token(cl->http, NULL);
	req = json_pack("{s:I}", "device_id", (json_int_t)cl->device_id);
	rc = pouch_http_json(cl->http, "POST", "/v1/auth/challenge", req, 0,
	    &st, &r);
	json_decref(req);
	req = NULL;
	if (rc != POUCH_OK)
		goto out;
	*status = st;
	if (st != 200 || (cs = json_string_value(json_object_get(r,
	    "challenge"))) == NULL) {
		rc = st == 403 ? POUCH_E_FORBIDDEN : POUCH_E_IO;
		goto out;
	}
	if ((rc = pouch_b64_decode(cs, sizeof(chal), &cp, &chlen)) != POUCH_OK)
		goto out;
	memcpy(chal, cp, chlen);
	pouch_wr_init(&w, 512);
	pouch_wr_opaque(&w, "pouch auth v1", 13);
	pouch_wr_opaque(&w, cl->server_key, CL_KEY);
	pouch_wr_u64(&w, (uint64_t)cl->device_id);
	pouch_wr_opaque(&w, chal, chlen);
	if ((rc = pouch_wr_take(&w, &stmt, &stmtlen)) != POUCH_OK ||
	    (rc = sign_dev(cl, stmt, stmtlen, sig)) != POUCH_OK)
		goto out;
	req = json_pack("{s:I,s:o,s:o}", "device_id",
	    (json_int_t)cl->device_id, "challenge", jb64(chal, chlen),
	    "signature", jb64(sig, CL_SIG));
	json_decref(r);
	r = NULL;
	if ((rc = pouch_http_json(cl->http, "POST", "/v1/auth/token", req, 0,
	    &st, &r)) != POUCH_OK)
		goto out;
	*status = st;
	if (st != 200 || (tok = json_string_value(json_object_get(r,
	    "token"))) == NULL) {
		rc = st == 403 ? POUCH_E_FORBIDDEN : st == 401 ?
		    POUCH_E_BAD_SIGNATURE : POUCH_E_IO;
		goto out;
	}
	if ((rc = pouch_http_set_token(cl->http, tok)) != POUCH_OK)
		goto out;
	/* kept (encrypted) so the next process need not log in again */
	if ((rc = pouch_cstore_kv_put(cl->st, "auth/token",
	    (const uint8_t *)tok, strlen(tok))) != POUCH_OK)
		goto out;
	cl->logged_in = 1;
out:
	free(cp);
	pouch_wr_buf_free(stmt, stmtlen);
	json_decref(req);
	json_decref(r);
	return rc;
}

/* Log in; the server's rate limit (429) is waited out, a few times. */
int
cl_login(struct pouch_client *cl)
{
	long st;
	int rc, tries;

	for (tries = 0; tries < 5; tries++) {
		st = 0;
		rc = login_once(cl, &st);
		if (rc == POUCH_OK || st != 429)
			return rc;
		sleep(1);
	}
	return rc;
}

int
cl_http(struct pouch_client *cl, const char *method, const char *path,
    const char *ctype, const uint8_t *body, size_t len, const char *hdr,
    size_t max, long timeout_s, int wait_limited, struct pouch_http_resp *r)
{
	int rc, tries, waits = 0;

	for (tries = 0; tries < 2; tries++) {
		if (!cl->logged_in && (rc = cl_login(cl)) != POUCH_OK)
			return rc;
		if ((rc = pouch_http_do(cl->http, method, path, ctype, body,
		    len, hdr, max, timeout_s, r)) != POUCH_OK)
			return rc;
		if (r->status == 429 && wait_limited && waits++ < 5) {
			pouch_http_resp_clear(r);
			sleep(1);	/* Retry-After: 1 */
			tries--;
			continue;
		}
		if (r->status != 401 || tries == 1)
			return POUCH_OK;
		/* the token expired: log in again, once */
		pouch_http_resp_clear(r);
		cl->logged_in = 0;
	}
	return POUCH_OK;
}

int
cl_api(struct pouch_client *cl, const char *method, const char *path,
    json_t *req, long *status, json_t **resp)
{
	struct pouch_http_resp r;
	char *txt = NULL;
	int rc;

	*status = 0;
	if (resp != NULL)
		*resp = NULL;
	if (req != NULL && (txt = json_dumps(req, JSON_COMPACT)) == NULL)
		return POUCH_E_NOMEM;
	rc = cl_http(cl, method, path, txt != NULL ? "application/json" :
	    NULL, (const uint8_t *)txt, txt != NULL ? strlen(txt) : 0, NULL,
	    POUCH_HTTP_JSON_MAX, strncmp(path, "/v1/sync?", 9) == 0 ? 90 : 60,
	    1, &r);
	if (txt != NULL) {
		OPENSSL_cleanse(txt, strlen(txt));
		free(txt);
	}
	if (rc != POUCH_OK)
		return rc;
	*status = r.status;
	if (resp != NULL)
		*resp = pouch_http_resp_json(&r);
	pouch_http_resp_clear(&r);
	return POUCH_OK;
}

int
cl_post_mls(struct pouch_client *cl, const uint8_t *msg, size_t len,
    const char *attachments, long *status, json_t **resp)
{
	struct pouch_http_resp r;
	char hdr[16 * 65 + 32];
	int rc;

	*status = 0;
	if (resp != NULL)
		*resp = NULL;
	if (attachments != NULL)
		snprintf(hdr, sizeof(hdr), "Pouch-Attachments: %s",
		    attachments);
	if ((rc = cl_http(cl, "POST", "/v1/messages", "message/mls", msg, len,
	    attachments != NULL ? hdr : NULL, 1u << 16, 60, 0, &r)) !=
	    POUCH_OK)
		return rc;
	*status = r.status;
	if (resp != NULL)
		*resp = pouch_http_resp_json(&r);
	pouch_http_resp_clear(&r);
	return POUCH_OK;
}

/* ---- KeyPackages ------------------------------------------------------ */

static int	suite_alias_apply(struct pouch_client *, int64_t);

/* a KeyPackage's not_before: this long before it was made (clock skew) */
#define KP_BACKDATE	3600
/* the start time of the last upload that left on the server only
 * KeyPackages made from then on (init, or a replace: true batch) */
#define KP_RENEWED	"kp_sweep/renewed"

/*
 * A KeyPackage's private record, under "kp/<ref hex>": opaque kp<V>,
 * opaque init_priv<V>, opaque enc_priv<V>, uint8 last_resort.
 */
static int
kp_record(const struct pouch_mls_kp_out *o, int last_resort, uint8_t **out,
    size_t *outlen)
{
	struct pouch_wr w;

	pouch_wr_init(&w, 1u << 16);
	pouch_wr_opaque(&w, o->kp, o->kplen);
	pouch_wr_opaque(&w, o->init_priv, o->init_privlen);
	pouch_wr_opaque(&w, o->enc_priv, o->enc_privlen);
	pouch_wr_u8(&w, (uint8_t)(last_resort != 0));
	return pouch_wr_take(&w, out, outlen);
}

int
cl_kp_record_read(const uint8_t *rec, size_t len, struct cl_kp_rec *o)
{
	struct pouch_rd r;
	int rc;

	memset(o, 0, sizeof(*o));
	pouch_rd_init(&r, rec, len);
	if ((rc = pouch_rd_opaque(&r, &o->kp, &o->kplen, 1u << 16)) !=
	    POUCH_OK ||
	    (rc = pouch_rd_opaque(&r, &o->init_priv, &o->init_privlen,
	    1u << 12)) != POUCH_OK ||
	    (rc = pouch_rd_opaque(&r, &o->enc_priv, &o->enc_privlen,
	    1u << 12)) != POUCH_OK ||
	    (rc = pouch_rd_u8(&r, &o->last_resort)) != POUCH_OK)
		return rc;
	o->exact = pouch_rd_left(&r) == 0 && o->last_resort <= 1;
	return POUCH_OK;
}

static int
kp_make(struct pouch_client *cl, const struct pouch_mls_suite *s,
    int last_resort, json_t *arr, json_t **lr)
{
	struct pouch_mls_kp_params p;
	struct pouch_mls_kp_out o;
	uint8_t ref[POUCH_HASH_MAX], *rec = NULL, *msg = NULL;
	size_t reclen = 0, msglen = 0;
	char name[3 + 2 * POUCH_HASH_MAX + 1];
	struct pouch_wr w;
	json_t *j;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&p, 0, sizeof(p));
	p.s = s;
	p.identity = cl->ident;
	p.identitylen = cl->identlen;
	p.sig_priv = cl->dev_priv;
	p.sig_privlen = CL_KEY;
	p.sig_pub = cl->dev_pub;
	p.sig_publen = CL_KEY;
	p.not_before = (uint64_t)cl_now(cl) - KP_BACKDATE;
	p.not_after = (uint64_t)cl_now(cl) + CL_KP_DAYS * 86400;
	p.last_resort = last_resort;
	if ((rc = pouch_mls_key_package_create(cl->c, &p, &o)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_key_package_ref(cl->c, s, o.kp, o.kplen,
	    ref)) != POUCH_OK)
		goto out;
	memcpy(name, "kp/", 3);
	pouch_hex(ref, s->nh, name + 3);
	if ((rc = kp_record(&o, last_resort, &rec, &reclen)) != POUCH_OK ||
	    (rc = pouch_cstore_kv_put(cl->st, name, rec, reclen)) != POUCH_OK)
		goto out;
	pouch_wr_init(&w, 1u << 16);
	pouch_wr_u16(&w, 1);				/* mls10 */
	pouch_wr_u16(&w, POUCH_MLS_WF_KEY_PACKAGE);
	pouch_wr_bytes(&w, o.kp, o.kplen);
	if ((rc = pouch_wr_take(&w, &msg, &msglen)) != POUCH_OK)
		goto out;
	if ((j = jb64(msg, msglen)) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	if (last_resort)
		*lr = j;
	else if (json_array_append_new(arr, j) != 0) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	rc = POUCH_OK;
out:
	pouch_wr_buf_free(rec, reclen);
	pouch_wr_buf_free(msg, msglen);
	pouch_mls_kp_out_clear(&o);
	return rc;
}

const struct pouch_mls_suite *
cl_suite_of(const struct pouch_client *cl, uint16_t id)
{
	if (cl->alias.id != 0 && id == cl->alias.id)
		return &cl->alias;
	if (id == POUCH_MLS_SUITE_HYBRID)
		return pouch_mls_suite_get(id);
	return NULL;
}

/*
 * Keep this device's KeyPackages of suite s stocked on the server;
 * replace: a full batch that replaces every one the server still holds
 * of s (they carry an identity of ours from before a rotation).
 */
static int
kp_refill_suite(struct pouch_client *cl, const struct pouch_mls_suite *s,
    int force, int replace)
{
	json_t *r = NULL, *req = NULL, *arr = NULL, *lr = NULL;
	int rc, have_lr = 0, i, n = CL_KP_BATCH;
	json_int_t count = 0;
	char path[64];
	long st;

	if (!force && !replace) {
		(void)snprintf(path, sizeof(path),
		    "/v1/keypackages/count?cipher_suite=%u", (unsigned)s->id);
		if ((rc = cl_api(cl, "GET", path, NULL, &st, &r)) !=
		    POUCH_OK)
			goto out;
		if (st == 422) {		/* the server lacks the suite */
			rc = POUCH_E_UNSUPPORTED;
			goto out;
		}
		if (st != 200) {
			rc = POUCH_E_IO;
			goto out;
		}
		count = json_integer_value(json_object_get(r, "count"));
		have_lr = json_is_true(json_object_get(r, "last_resort"));
		if (count >= CL_KP_LOW && have_lr) {
			rc = POUCH_OK;
			goto out;
		}
		if (count >= CL_KP_LOW)
			n = 0;
	}
	if ((arr = json_array()) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	if ((rc = pouch_cstore_begin(cl->st)) != POUCH_OK)
		goto out;
	for (i = 0; i < n; i++)
		if ((rc = kp_make(cl, s, 0, arr, NULL)) != POUCH_OK)
			goto fail;
	if (!have_lr && (rc = kp_make(cl, s, 1, NULL, &lr)) != POUCH_OK)
		goto fail;
	/* The private keys are durable before the server hands out the
	 * public halves: a Welcome can never name a key we lost. */
	if ((rc = pouch_cstore_commit(cl->st)) != POUCH_OK)
		goto out;
	req = json_object();
	json_object_set_new(req, "key_packages", arr);
	arr = NULL;
	if (lr != NULL) {
		json_object_set_new(req, "last_resort", lr);
		lr = NULL;
	}
	if (replace)
		json_object_set_new(req, "replace", json_true());
	if ((rc = cl_api(cl, "POST", "/v1/keypackages", req, &st, NULL)) !=
	    POUCH_OK)
		goto out;
	rc = st == 201 ? POUCH_OK : st == 422 ? POUCH_E_UNSUPPORTED :
	    POUCH_E_IO;
	goto out;
fail:
	pouch_cstore_rollback(cl->st);
out:
	json_decref(arr);
	json_decref(lr);
	json_decref(req);
	json_decref(r);
	return rc;
}

/* Under 0xF001 always; under the alias too while one is set. */
int
cl_kp_refill(struct pouch_client *cl, int force)
{
	int64_t start = cl_now(cl);
	uint8_t *v = NULL;
	size_t n = 0;
	int rc, replace;

	/* our identity changed since the last upload (or the sweep found
	 * them near expiry): replace them all */
	rc = pouch_cstore_kv_get(cl->st, CL_KP_STALE, &v, &n);
	if (rc != POUCH_OK && rc != POUCH_E_NOT_FOUND)
		return rc;
	replace = rc == POUCH_OK;
	pouch_cstore_buf_free(v, n);
	if ((rc = kp_refill_suite(cl, pouch_mls_suite_get(
	    POUCH_MLS_SUITE_HYBRID), force, replace)) != POUCH_OK)
		return rc;
	if (cl->alias.id != 0 && (rc = kp_refill_suite(cl, &cl->alias,
	    force, replace)) == POUCH_E_UNSUPPORTED)
		/* not the sync's failure: the alias is the deployment's */
		rc = cl_alert(cl, "suite_alias_unknown", "the server does not "
		    "know cipher suite 0x%04x (pouch suite alias), so this "
		    "device publishes no keys under it",
		    (unsigned)cl->alias.id);
	/* every suite done (a crash before this only repeats it) */
	if (rc == POUCH_OK && replace && (rc = pouch_cstore_kv_del(cl->st,
	    CL_KP_STALE)) == POUCH_E_NOT_FOUND)
		rc = POUCH_OK;
	/* what the server holds was all made from start on (the sweep
	 * dates the replaced ones from here) */
	if (rc == POUCH_OK && (force || replace))
		rc = cl_kv_put_i64(cl->st, KP_RENEWED, start);
	return rc;
}

/*
 * The sweep of the private keys of KeyPackages that can no longer be
 * used (forward secrecy: a stolen store must not open a recorded
 * Welcome).  A KeyPackage stops being usable when it expires
 * (not_after), when a replace: true upload took it off the server
 * (KP_RENEWED), or, for a last-resort one, when a newer last-resort one
 * of its suite replaced it at the server.  Its keys stay KP_GRACE
 * longer: pouchd routes a Welcome to a KeyPackage for 30 days after it
 * handed it out (its issued-KeyPackage records, docs/OPERATIONS.md
 * "Housekeeping"), so one claimed just before it stopped being usable
 * may be named for 30 days more; the extra day covers the difference
 * between our clock and the server's.  A Welcome that reached our queue
 * in time is processed before the sweep runs (pouch_client_sync), so
 * however long the device stayed offline, it still joins.
 */
#define KP_GRACE	(31 * 86400)
/* the sweep runs at most this often (its bookkeeping write checkpoints
 * the store, see cstore.h "Forward secrecy") */
#define KP_SWEEP_EVERY	86400
#define KP_SWEEP_LAST	"kp_sweep/last"
/* the published KeyPackages are replaced this long before they expire,
 * so that pouchd never hands out one an adder must refuse */
#define KP_RENEW	(7 * 86400)

/* What the sweep needs of one "kp/" record. */
struct kp_info {
	const char	*name;		/* into the listing */
	int		 bad;		/* unreadable: never usable */
	int		 last_resort;
	uint16_t	 suite;
	int64_t		 not_before;
	int64_t		 not_after;
};

static int64_t
kp_time(uint64_t t)
{
	return t > INT64_MAX ? INT64_MAX : (int64_t)t;
}

/*
 * Read the record name into *k (k->bad when it does not decrypt or
 * decode; the private keys are only wiped, never looked at).
 */
static int
kp_info_get(struct pouch_client *cl, const char *name, struct kp_info *k)
{
	struct pouch_mls_key_package kp;
	struct pouch_mls_arena a;
	struct cl_kp_rec kr;
	uint8_t *rec = NULL;
	size_t reclen = 0;
	int rc;

	memset(k, 0, sizeof(*k));
	k->name = name;
	pouch_mls_arena_init_limits(&a, NULL);
	rc = pouch_cstore_kv_get(cl->st, name, &rec, &reclen);
	if (rc == POUCH_E_DECRYPT || rc == POUCH_E_MALFORMED) {
		k->bad = 1;
		rc = POUCH_OK;
		goto out;
	}
	if (rc != POUCH_OK)
		goto out;
	if (cl_kp_record_read(rec, reclen, &kr) != POUCH_OK || !kr.exact) {
		/* kp_record writes nothing else: a damaged record */
		k->bad = 1;
		goto out;
	}
	rc = pouch_mls_key_package_from_bytes(&a, NULL, kr.kp, kr.kplen, &kp);
	if (rc == POUCH_E_NOMEM)
		goto out;
	if (rc != POUCH_OK || kp.leaf_node.source !=
	    POUCH_MLS_LEAF_KEY_PACKAGE) {
		k->bad = 1;
		rc = POUCH_OK;
		goto out;
	}
	k->last_resort = kr.last_resort;
	k->suite = kp.cipher_suite;
	k->not_before = kp_time(kp.leaf_node.lifetime.not_before);
	k->not_after = kp_time(kp.leaf_node.lifetime.not_after);
out:
	pouch_mls_arena_free(&a);
	pouch_cstore_buf_free(rec, reclen);
	return rc;
}

/* The newest not_before of a last-resort KeyPackage of suite (0: none). */
static int64_t
kp_newest_lr(const struct kp_info *v, size_t n, uint16_t suite)
{
	int64_t t = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (!v[i].bad && v[i].last_resort && v[i].suite == suite &&
		    v[i].not_before > t)
			t = v[i].not_before;
	return t;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* t is past, or at most KP_RENEW ahead of now (now >= 0). */
static int
kp_soon(int64_t t, int64_t now)
{
	return t <= now || t - now <= KP_RENEW;
}

int
cl_kp_sweep(struct pouch_client *cl, int force, size_t *ndel)
{
	struct kp_info *v = NULL;
	char **names = NULL;
	size_t n = 0, i, del = 0;
	int64_t now, last, renewed, dead, lr;
	int rc, renew = 0, tx = 0;

	if (ndel != NULL)
		*ndel = 0;
	if ((now = cl_now(cl)) < 0)
		now = 0;
	if (!force && cl_kv_get_i64(cl->st, KP_SWEEP_LAST, &last) ==
	    POUCH_OK && last <= now && now - last < KP_SWEEP_EVERY)
		return POUCH_OK;
	/* none (a store from before the sweep): every ordinary one may
	 * still be on the server */
	if (cl_kv_get_i64(cl->st, KP_RENEWED, &renewed) != POUCH_OK ||
	    renewed < 0)
		renewed = 0;
	/* what is read, deleted and noted lands together or not at all */
	if ((rc = pouch_cstore_begin(cl->st)) != POUCH_OK)
		return rc;
	tx = 1;
	if ((rc = pouch_cstore_kv_list(cl->st, "kp/", &names, &n)) !=
	    POUCH_OK)
		goto out;
	if (n > 0 && (v = calloc(n, sizeof(*v))) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((rc = kp_info_get(cl, names[i], &v[i])) != POUCH_OK)
			goto out;
	for (i = 0; i < n; i++) {
		/*
		 * A record that does not decrypt or decode can never be
		 * used to join (on_welcome parses it the same way), so it
		 * only keeps key material alive: it goes.
		 */
		if (v[i].bad) {
			if ((rc = pouch_cstore_kv_del(cl->st, v[i].name)) !=
			    POUCH_OK)
				goto out;
			del++;
			continue;
		}
		lr = kp_newest_lr(v, n, v[i].suite);
		if (v[i].last_resort && v[i].not_before == lr) {
			/* the current last-resort one: the server hands it
			 * out until a newer one replaces it, expired or
			 * not; renewed when it nears expiry */
			if (kp_soon(v[i].not_after, now) &&
			    cl_suite_of(cl, v[i].suite) != NULL)
				renew = 1;
			continue;
		}
		dead = v[i].not_after;
		if (v[i].last_resort)		/* superseded */
			dead = min64(dead, lr);
		if (v[i].not_before < renewed - KP_BACKDATE)
			dead = min64(dead, renewed);	/* replaced */
		else if (!v[i].last_resort && kp_soon(v[i].not_after, now) &&
		    cl_suite_of(cl, v[i].suite) != NULL)
			renew = 1;	/* may be on the server, near expiry */
		if (now <= dead || now - dead <= KP_GRACE)
			continue;
		if ((rc = pouch_cstore_kv_del(cl->st, v[i].name)) != POUCH_OK)
			goto out;
		del++;
	}
	/* the next refill (this sync) replaces every published one */
	if (renew && (rc = pouch_cstore_kv_put(cl->st, CL_KP_STALE,
	    (const uint8_t *)"1", 1)) != POUCH_OK)
		goto out;
	if ((rc = cl_kv_put_i64(cl->st, KP_SWEEP_LAST, now)) != POUCH_OK)
		goto out;
	tx = 0;
	if ((rc = pouch_cstore_commit(cl->st)) != POUCH_OK)
		goto out;
	if (ndel != NULL)
		*ndel = del;
out:
	if (tx)
		pouch_cstore_rollback(cl->st);
	free(v);
	pouch_cstore_names_free(names, n);
	return rc;
}

/* ---- members ---------------------------------------------------------- */

int
cl_check_members(struct pouch_client *cl, struct pouch_mls_group *g,
    int raise, int *trusted)
{
	struct pouch_mls_member_info mi;
	struct pouch_cstore_contact ct;
	struct cl_ident id;
	uint32_t i, n;
	int rc;

	*trusted = 1;
	n = pouch_mls_group_leaves(g);
	for (i = 0; i < n; i++) {
		if (pouch_mls_group_member(g, i, &mi) != POUCH_OK)
			continue;
		if (cl_ident_check(cl->c, mi.identity, mi.identitylen,
		    mi.sig_key, mi.sig_keylen, &id) != POUCH_OK) {
			*trusted = 0;
			if (raise && (rc = cl_alert(cl, "bad_device", "a "
			    "member device (leaf %u) is not cross-signed by "
			    "its account key; the conversation will not send "
			    "until it is removed", i)) != POUCH_OK)
				return rc;
			continue;
		}
		if (!cl_kt_device_ok(cl, id.user, mi.sig_key)) {
			/* judged once the log's merge delay has passed */
			*trusted = 0;
			if (raise && (rc = cl_kt_expect(cl, id.user,
			    mi.sig_key)) != POUCH_OK)
				return rc;
			continue;
		}
		if (strcmp(id.user, cl->user) == 0) {
			if (!cl_acct_ok(cl, cl->user, cl->acct_pub,
			    id.account_key, mi.sig_key)) {
				*trusted = 0;
				if (raise && (rc = cl_alert(cl, "own_device",
				    "a device claiming to be yours (device "
				    "%lld) carries another account key",
				    (long long)id.device_id)) != POUCH_OK)
					return rc;
			}
			continue;
		}
		rc = pouch_cstore_contact_get(cl->st, id.user, &ct);
		if (rc == POUCH_E_NOT_FOUND && !raise)
			continue;
		if (rc == POUCH_E_NOT_FOUND) {
			memset(&ct, 0, sizeof(ct));
			snprintf(ct.user, sizeof(ct.user), "%s", id.user);
			memcpy(ct.account_key, id.account_key, CL_KEY);
			/* met before its update: the key the chain reached */
			if (cl_acct_ok(cl, id.user, NULL, id.account_key,
			    mi.sig_key) && cl_kt_acct_current(cl, id.user,
			    ct.account_key) != POUCH_OK)
				memcpy(ct.account_key, id.account_key, CL_KEY);
			ct.first_seen = cl_now(cl);
			if ((rc = pouch_cstore_contact_put(cl->st, &ct)) !=
			    POUCH_OK)
				return rc;
			continue;
		}
		if (rc != POUCH_OK)
			return rc;
		if (cl_acct_ok(cl, id.user, ct.account_key, id.account_key,
		    mi.sig_key))
			continue;
		*trusted = 0;
		if (raise && (rc = cl_alert(cl, ct.verified ?
		    "verified_key_changed" : "contact_key",
		    "the account key of %s changed%s; compare "
		    "safety codes before trusting it", id.user, ct.verified ?
		    " although you verified it" : "")) != POUCH_OK)
			return rc;
	}
	return POUCH_OK;
}

/* ---- open and init ------------------------------------------------------ */

static int
client_alloc(const char *dir, struct pouch_client **out)
{
	struct pouch_client *cl;
	int rc;

	*out = NULL;
	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		return POUCH_E_NOMEM;
	if ((cl->dir = strdup(dir)) == NULL) {
		free(cl);
		return POUCH_E_NOMEM;
	}
	if ((rc = pouch_crypto_new(&cl->c)) != POUCH_OK) {
		pouch_client_free(cl);
		return rc;
	}
	cl->suite = pouch_mls_suite_get(POUCH_MLS_SUITE_HYBRID);
	cl->update_age = CL_UPDATE_AGE;
	cl->update_msgs = CL_UPDATE_MSGS;
	snprintf(cl->domain, sizeof(cl->domain), "pouch");
	*out = cl;
	return POUCH_OK;
}

static int
store_open(struct pouch_client *cl, const struct pouch_client_unlock *u,
    int create)
{
	struct pouch_cstore_kdf kdf;
	uint8_t key[32];
	char *db = NULL, *kf = NULL;
	int rc = POUCH_E_NOMEM;

	if ((db = path_in(cl->dir, "store.db")) == NULL ||
	    (kf = path_in(cl->dir, "store.key")) == NULL)
		goto out;
	if (u != NULL && u->pass != NULL) {
		kdf.t_cost = 3;
		kdf.m_cost_kib = u->kdf_m_kib != 0 ? u->kdf_m_kib : 65536;
		kdf.parallelism = 1;
		rc = pouch_cstore_open_passphrase(db, u->pass, u->passlen,
		    &kdf, &cl->st);
		goto out;
	}
	if (create && (rc = pouch_cstore_keyfile_create(kf)) != POUCH_OK)
		goto out;
	if ((rc = pouch_cstore_keyfile_load(kf, key)) != POUCH_OK)
		goto out;
	rc = pouch_cstore_open(db, key, &cl->st);
	OPENSSL_cleanse(key, sizeof(key));
out:
	free(db);
	free(kf);
	return rc;
}

static int
load_identity(struct pouch_client *cl)
{
	char url[1024], pin[256];
	uint8_t *v = NULL;
	size_t n = 0;
	int rc;

	pin[0] = '\0';

	if ((rc = kv_get_str(cl->st, "id/user", cl->user,
	    sizeof(cl->user))) != POUCH_OK ||
	    (rc = kv_get_str(cl->st, "id/domain", cl->domain,
	    sizeof(cl->domain))) != POUCH_OK ||
	    (rc = cl_kv_get_i64(cl->st, "id/device_id", &cl->device_id)) !=
	    POUCH_OK ||
	    (rc = kv_get_fixed(cl->st, "id/dev_priv", cl->dev_priv,
	    CL_KEY)) != POUCH_OK ||
	    (rc = kv_get_fixed(cl->st, "id/acct_pub", cl->acct_pub,
	    CL_KEY)) != POUCH_OK ||
	    (rc = kv_get_fixed(cl->st, "srv/key", cl->server_key, CL_KEY)) !=
	    POUCH_OK ||
	    (rc = kv_get_str(cl->st, "srv/url", url, sizeof(url))) !=
	    POUCH_OK)
		return rc;
	rc = kv_get_str(cl->st, "srv/pin", pin, sizeof(pin));
	if (rc != POUCH_OK && rc != POUCH_E_NOT_FOUND)
		return rc;
	if ((rc = pouch_sig_pub_from_priv(cl->c, POUCH_SIG_ED25519,
	    cl->dev_priv, cl->dev_pub)) != POUCH_OK)
		return rc;
	rc = kv_get_fixed(cl->st, "id/acct_priv", cl->acct_priv, CL_KEY);
	if (rc == POUCH_OK)
		cl->have_acct_priv = 1;
	else if (rc != POUCH_E_NOT_FOUND)
		return rc;
	if ((rc = kv_get_fixed(cl->st, "id/cross_sig", cl->cross_sig,
	    CL_SIG)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_kv_get(cl->st, "id/ident", &v, &n)) !=
	    POUCH_OK)
		return rc;
	/* ours to free with pouch_wr_buf_free, like a fresh one */
	if ((cl->ident = malloc(n)) == NULL) {
		pouch_cstore_buf_free(v, n);
		return POUCH_E_NOMEM;
	}
	memcpy(cl->ident, v, n);
	cl->identlen = n;
	pouch_cstore_buf_free(v, n);
	v = NULL;
	if ((rc = pouch_http_new(url, pin[0] != '\0' ? pin : NULL,
	    &cl->http)) != POUCH_OK)
		return rc;
	{
		int64_t v64;

		if (cl_kv_get_i64(cl->st, "policy/update_age", &v64) ==
		    POUCH_OK && v64 > 0)
			cl->update_age = v64;
		if (cl_kv_get_i64(cl->st, "policy/update_msgs", &v64) ==
		    POUCH_OK && v64 > 0)
			cl->update_msgs = (uint64_t)v64;
		if (cl_kv_get_i64(cl->st, "suite/alias", &v64) == POUCH_OK &&
		    v64 != 0 && (rc = suite_alias_apply(cl, v64)) != POUCH_OK)
			return rc;
	}
	/* a token from an earlier run: used until the server says 401 */
	if (pouch_cstore_kv_get(cl->st, "auth/token", &v, &n) == POUCH_OK) {
		char tok[128];

		if (n < sizeof(tok)) {
			memcpy(tok, v, n);
			tok[n] = '\0';
			if (pouch_http_set_token(cl->http, tok) == POUCH_OK)
				cl->logged_in = 1;
			OPENSSL_cleanse(tok, sizeof(tok));
		}
		pouch_cstore_buf_free(v, n);
	}
	return POUCH_OK;
}

int
pouch_client_open(const char *dir, const struct pouch_client_unlock *u,
    pouch_client **out)
{
	struct pouch_client *cl = NULL;
	char *db = NULL;
	int rc;

	if (out == NULL || dir == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if ((db = path_in(dir, "store.db")) == NULL)
		return POUCH_E_NOMEM;
	if (access(db, F_OK) != 0) {
		free(db);
		return POUCH_E_NOT_FOUND;
	}
	free(db);
	if ((rc = client_alloc(dir, &cl)) != POUCH_OK)
		return rc;
	if ((rc = store_open(cl, u, 0)) != POUCH_OK ||
	    (rc = load_identity(cl)) != POUCH_OK)
		goto out;
	*out = cl;
	cl = NULL;
out:
	pouch_client_free(cl);
	return rc;
}

static int
enrol(struct pouch_client *cl, const struct pouch_client_enrol *e)
{
	uint8_t *s1 = NULL, *s2 = NULL, sig1[CL_SIG], sig2[CL_SIG];
	size_t s1len = 0, s2len = 0, siglen;
	json_t *r = NULL, *req = NULL;
	struct pouch_wr w;
	json_int_t id;
	long st;
	int rc;

	if ((rc = pouch_http_json(cl->http, "GET", "/v1/info", NULL, 0, &st,
	    &r)) != POUCH_OK)
		goto out;
	if (st != 200 || (rc = jb64_get(r, "server_key", cl->server_key,
	    CL_KEY)) != POUCH_OK) {
		rc = POUCH_E_IO;
		goto out;
	}
	json_decref(r);
	r = NULL;
	pouch_wr_init(&w, 512);
	pouch_wr_opaque(&w, "pouch enrol v1", 14);
	pouch_wr_opaque(&w, cl->user, strlen(cl->user));
	pouch_wr_opaque(&w, cl->dev_pub, CL_KEY);
	pouch_wr_opaque(&w, cl->acct_pub, CL_KEY);
	if ((rc = pouch_wr_take(&w, &s1, &s1len)) != POUCH_OK ||
	    (rc = sign_dev(cl, s1, s1len, sig1)) != POUCH_OK ||
	    (rc = cl_statement_device(cl->user, cl->dev_pub, &s2, &s2len)) !=
	    POUCH_OK)
		goto out;
	if (cl->have_acct_priv) {
		if ((rc = pouch_sig_sign(cl->c, POUCH_SIG_ED25519,
		    cl->acct_priv, CL_KEY, s2, s2len, sig2, sizeof(sig2),
		    &siglen)) != POUCH_OK)
			goto out;
	} else if ((rc = pouch_sig_verify(cl->c, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, cl->acct_pub, CL_KEY, s2, s2len, cl->cross_sig,
	    CL_SIG)) != POUCH_OK)
		goto out;	/* an approval for another key or user */
	else
		memcpy(sig2, cl->cross_sig, CL_SIG);
	req = json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o}", "code", e->code,
	    "user", cl->user, "device_name", e->device_name != NULL ?
	    e->device_name : "device", "device_key", jb64(cl->dev_pub, CL_KEY),
	    "account_key", jb64(cl->acct_pub, CL_KEY), "device_sig",
	    jb64(sig1, CL_SIG), "account_sig", jb64(sig2, CL_SIG));
	if (req == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	if ((rc = pouch_http_json(cl->http, "POST", "/v1/enrol", req, 0, &st,
	    &r)) != POUCH_OK)
		goto out;
	if (st != 201) {
		const char *err = json_string_value(json_object_get(r,
		    "error"));

		rc = err != NULL && strcmp(err, "bad_code") == 0 ?
		    POUCH_E_FORBIDDEN : st == 409 ? POUCH_E_CONFLICT :
		    POUCH_E_IO;
		goto out;
	}
	id = json_integer_value(json_object_get(r, "device_id"));
	if (id <= 0) {
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	cl->device_id = (int64_t)id;
	rc = POUCH_OK;
out:
	if (req != NULL)
		json_decref(req);
	json_decref(r);
	pouch_wr_buf_free(s1, s1len);
	pouch_wr_buf_free(s2, s2len);
	return rc;
}

static void
remove_store(const char *dir)
{
	static const char *const f[] = {
		"store.db", "store.db-wal", "store.db-shm", "store.key"
	};
	size_t i;
	char *p;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if ((p = path_in(dir, f[i])) != NULL) {
			(void)unlink(p);
			free(p);
		}
}

/* Save what enrolment needs once the device exists (one transaction). */
static int
save_identity(struct pouch_client *cl, const struct pouch_client_enrol *e)
{
	struct pouch_cstore_contact ct;
	int rc;

	memset(&ct, 0, sizeof(ct));
	snprintf(ct.user, sizeof(ct.user), "%s", cl->user);
	memcpy(ct.account_key, cl->acct_pub, CL_KEY);
	ct.verified = 1;
	ct.first_seen = cl_now(cl);
	if ((rc = pouch_cstore_begin(cl->st)) != POUCH_OK)
		return rc;
	if ((rc = kv_put_str(cl->st, "id/user", cl->user)) != POUCH_OK ||
	    (rc = kv_put_str(cl->st, "id/domain", cl->domain)) != POUCH_OK ||
	    (rc = cl_kv_put_i64(cl->st, "id/device_id", cl->device_id)) !=
	    POUCH_OK ||
	    (rc = pouch_cstore_kv_put(cl->st, "id/dev_priv", cl->dev_priv,
	    CL_KEY)) != POUCH_OK ||
	    (cl->have_acct_priv && (rc = pouch_cstore_kv_put(cl->st,
	    "id/acct_priv", cl->acct_priv, CL_KEY)) != POUCH_OK) ||
	    (rc = pouch_cstore_kv_put(cl->st, "id/acct_pub", cl->acct_pub,
	    CL_KEY)) != POUCH_OK ||
	    (rc = pouch_cstore_kv_put(cl->st, "id/cross_sig", cl->cross_sig,
	    CL_SIG)) != POUCH_OK ||
	    (rc = pouch_cstore_kv_put(cl->st, "id/ident", cl->ident,
	    cl->identlen)) != POUCH_OK ||
	    (rc = pouch_cstore_kv_put(cl->st, "srv/key", cl->server_key,
	    CL_KEY)) != POUCH_OK ||
	    (rc = kv_put_str(cl->st, "srv/url", e->server)) != POUCH_OK ||
	    (rc = kv_put_str(cl->st, "srv/pin", e->pin != NULL ? e->pin :
	    "")) != POUCH_OK ||
	    ((rc = pouch_cstore_kv_del(cl->st, "pair/dev_priv")) != POUCH_OK &&
	    rc != POUCH_E_NOT_FOUND) ||
	    ((rc = pouch_cstore_kv_del(cl->st, "pair/code")) != POUCH_OK &&
	    rc != POUCH_E_NOT_FOUND) ||
	    ((rc = pouch_cstore_kv_del(cl->st, "pair/approval")) != POUCH_OK &&
	    rc != POUCH_E_NOT_FOUND) ||
	    (rc = pouch_cstore_contact_put(cl->st, &ct)) != POUCH_OK) {
		pouch_cstore_rollback(cl->st);
		return rc;
	}
	return pouch_cstore_commit(cl->st);
}

int
pouch_client_init(const char *dir, const struct pouch_client_unlock *u,
    const struct pouch_client_enrol *e, pouch_client **out)
{
	struct pouch_client *cl = NULL;
	char *db = NULL;
	int rc, made = 0, exists;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (dir == NULL || e == NULL || e->server == NULL || e->code == NULL ||
	    !cl_user_ok(e->user))
		return POUCH_E_MISUSE;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return POUCH_E_IO;
	if ((db = path_in(dir, "store.db")) == NULL)
		return POUCH_E_NOMEM;
	exists = access(db, F_OK) == 0;
	free(db);
	if ((rc = client_alloc(dir, &cl)) != POUCH_OK)
		return rc;
	snprintf(cl->user, sizeof(cl->user), "%s", e->user);
	if (e->domain != NULL)
		snprintf(cl->domain, sizeof(cl->domain), "%s", e->domain);
	if ((rc = store_open(cl, u, !exists)) != POUCH_OK)
		goto out;
	made = !exists;
	if ((rc = pouch_http_new(e->server, e->pin, &cl->http)) != POUCH_OK)
		goto out;
	/* a store exists only for the last step of pairing */
	if (exists) {
		uint8_t ap[CL_KEY + CL_SIG];
		char code[CL_PAIR_CODE + 1];

		rc = kv_get_fixed(cl->st, "pair/dev_priv", cl->dev_priv,
		    CL_KEY);
		if (rc == POUCH_E_NOT_FOUND)
			rc = POUCH_E_EXISTS;	/* an enrolled device */
		if (rc != POUCH_OK ||
		    (rc = kv_get_str(cl->st, "pair/code", code,
		    sizeof(code))) != POUCH_OK ||
		    (rc = pouch_sig_pub_from_priv(cl->c, POUCH_SIG_ED25519,
		    cl->dev_priv, cl->dev_pub)) != POUCH_OK)
			goto out;
		/* the server gives an approval once: kept for a retry */
		rc = kv_get_fixed(cl->st, "pair/approval", ap, sizeof(ap));
		if (rc == POUCH_E_NOT_FOUND &&
		    (rc = cl_pair_poll(cl->http, cl->c, cl->user, cl->dev_pub,
		    code, ap)) == POUCH_OK)
			rc = pouch_cstore_kv_put(cl->st, "pair/approval", ap,
			    sizeof(ap));
		OPENSSL_cleanse(code, sizeof(code));
		if (rc != POUCH_OK)
			goto out;
		memcpy(cl->acct_pub, ap, CL_KEY);
		memcpy(cl->cross_sig, ap + CL_KEY, CL_SIG);
	} else {
		if ((rc = pouch_sig_keygen(cl->c, POUCH_SIG_ED25519,
		    cl->dev_priv, cl->dev_pub)) != POUCH_OK ||
		    (rc = pouch_sig_keygen(cl->c, POUCH_SIG_ED25519,
		    cl->acct_priv, cl->acct_pub)) != POUCH_OK)
			goto out;
		cl->have_acct_priv = 1;
	}
	if ((rc = enrol(cl, e)) != POUCH_OK ||
	    (rc = cl_ident_make(cl)) != POUCH_OK ||
	    (rc = save_identity(cl, e)) != POUCH_OK)
		goto out;
	/* Enrolled and stored: the code is spent, so the store stays even
	 * when what follows fails (pouch_client_sync() retries it). */
	made = 0;
	if ((rc = cl_login(cl)) != POUCH_OK ||
	    (rc = cl_kp_refill(cl, 1)) != POUCH_OK)
		goto out;
	*out = cl;
	cl = NULL;
out:
	pouch_client_free(cl);
	if (rc != POUCH_OK && made)
		remove_store(dir);
	return rc;
}

int
pouch_client_pair_begin(const char *dir, const struct pouch_client_unlock *u,
    const struct pouch_client_enrol *e, char code[POUCH_CLIENT_PAIR_CODE])
{
	struct pouch_client *cl = NULL;
	char secret[CL_PAIR_CODE + 1] = "";
	char *db = NULL;
	int rc;

	if (code == NULL)
		return POUCH_E_MISUSE;
	code[0] = '\0';
	if (dir == NULL || e == NULL || e->server == NULL ||
	    !cl_user_ok(e->user))
		return POUCH_E_MISUSE;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return POUCH_E_IO;
	if ((db = path_in(dir, "store.db")) == NULL)
		return POUCH_E_NOMEM;
	rc = access(db, F_OK) == 0 ? POUCH_E_EXISTS : POUCH_OK;
	free(db);
	if (rc != POUCH_OK)
		return rc;
	if ((rc = client_alloc(dir, &cl)) != POUCH_OK)
		return rc;
	if ((rc = store_open(cl, u, 1)) != POUCH_OK)
		goto out;
	if ((rc = pouch_sig_keygen(cl->c, POUCH_SIG_ED25519, cl->dev_priv,
	    cl->dev_pub)) != POUCH_OK ||
	    (rc = cl_pair_code_new(secret)) != POUCH_OK ||
	    (rc = pouch_cstore_kv_put(cl->st, "pair/dev_priv", cl->dev_priv,
	    CL_KEY)) != POUCH_OK ||
	    (rc = kv_put_str(cl->st, "pair/code", secret)) != POUCH_OK ||
	    (rc = pouch_http_new(e->server, e->pin, &cl->http)) != POUCH_OK ||
	    (rc = cl_pair_request(cl->http, cl->c, e->user, cl->dev_pub,
	    secret)) != POUCH_OK) {
		pouch_client_free(cl);
		cl = NULL;
		remove_store(dir);
		goto out;
	}
	cl_pair_code_show(secret, code);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	pouch_client_free(cl);
	return rc;
}

int
pouch_client_approve(pouch_client *cl, const char *typed)
{
	uint8_t key[CL_KEY], sig[CL_SIG], both[CL_KEY + CL_SIG];
	uint8_t *stmt = NULL;
	size_t stmtlen = 0, siglen;
	char name[10 + 2 * CL_KEY + 1], code[CL_PAIR_CODE + 1];
	int rc;

	if (cl == NULL || typed == NULL)
		return POUCH_E_MISUSE;
	if (!cl->have_acct_priv)
		return POUCH_E_FORBIDDEN;	/* the first device signs */
	if ((rc = cl_pair_code_norm(typed, code)) != POUCH_OK)
		return rc;
	if ((rc = cl_pair_find(cl, code, key)) != POUCH_OK ||
	    (rc = cl_statement_device(cl->user, key, &stmt, &stmtlen)) !=
	    POUCH_OK ||
	    (rc = pouch_sig_sign(cl->c, POUCH_SIG_ED25519, cl->acct_priv,
	    CL_KEY, stmt, stmtlen, sig, sizeof(sig), &siglen)) != POUCH_OK)
		goto out;
	memcpy(both, cl->acct_pub, CL_KEY);
	memcpy(both + CL_KEY, sig, CL_SIG);
	if ((rc = cl_pair_send(cl, code, key, both)) != POUCH_OK)
		goto out;
	memcpy(name, "approved/", 9);
	pouch_hex(key, CL_KEY, name + 9);
	if ((rc = pouch_cstore_kv_put(cl->st, name, key, CL_KEY)) != POUCH_OK)
		goto out;
	rc = cl_kt_own_device(cl, key);
out:
	OPENSSL_cleanse(code, sizeof(code));
	pouch_wr_buf_free(stmt, stmtlen);
	return rc;
}

void
pouch_client_free(pouch_client *cl)
{
	if (cl == NULL)
		return;
	pouch_http_free(cl->http);
	pouch_cstore_close(cl->st);
	pouch_crypto_free(cl->c);
	if (cl->ident != NULL)
		pouch_wr_buf_free(cl->ident, cl->identlen);
	free(cl->dir);
	OPENSSL_cleanse(cl, sizeof(*cl));
	free(cl);
}

void
pouch_client_set_progress(pouch_client *cl,
    void (*fn)(void *arg, uint64_t done, uint64_t total), void *arg)
{
	if (cl != NULL)
		pouch_http_set_progress(cl->http, fn, arg);
}

int
pouch_client_set_policy(pouch_client *cl, int64_t max_age, uint64_t max_msgs)
{
	int rc;

	if (cl == NULL || max_age < 0 || max_msgs > INT64_MAX)
		return POUCH_E_MISUSE;
	if (max_age > 0) {
		if ((rc = cl_kv_put_i64(cl->st, "policy/update_age",
		    max_age)) != POUCH_OK)
			return rc;
		cl->update_age = max_age;
	}
	if (max_msgs > 0) {
		if ((rc = cl_kv_put_i64(cl->st, "policy/update_msgs",
		    (int64_t)max_msgs)) != POUCH_OK)
			return rc;
		cl->update_msgs = max_msgs;
	}
	return POUCH_OK;
}

/* v: the alias code point, bit 16 set when new conversations use it. */
static int
suite_alias_apply(struct pouch_client *cl, int64_t v)
{
	struct pouch_mls_suite row;
	int rc;

	if (v < 0 || v > 0x1ffff)
		return POUCH_E_MISUSE;
	cl->suite = pouch_mls_suite_get(POUCH_MLS_SUITE_HYBRID);
	memset(&cl->alias, 0, sizeof(cl->alias));
	if ((v & 0xffff) == 0)
		return v == 0 ? POUCH_OK : POUCH_E_MISUSE;
	if ((rc = pouch_mls_suite_alias((uint16_t)(v & 0xffff), &row)) !=
	    POUCH_OK)
		return rc;
	cl->alias = row;
	if (v & 0x10000)
		cl->suite = &cl->alias;
	return POUCH_OK;
}

int
pouch_client_set_suite_alias(pouch_client *cl, uint16_t code, int use_new)
{
	struct pouch_mls_suite row;
	int64_t v;
	int rc;

	if (cl == NULL || (code == 0 && use_new))
		return POUCH_E_MISUSE;
	if (code != 0 && pouch_mls_suite_alias(code, &row) != POUCH_OK)
		return POUCH_E_MISUSE;
	v = code == 0 ? 0 : (int64_t)code | (use_new ? 0x10000 : 0);
	if ((rc = cl_kv_put_i64(cl->st, "suite/alias", v)) != POUCH_OK)
		return rc;
	/* KeyPackages under the alias go out at the next sync */
	return suite_alias_apply(cl, v);
}

uint16_t
pouch_client_suite(const pouch_client *cl)
{
	return cl != NULL ? cl->suite->id : 0;
}

void
pouch_client_set_time(pouch_client *cl, int64_t now)
{
	if (cl != NULL)
		cl->now = now;
}

const char *
pouch_client_user(const pouch_client *cl)
{
	return cl != NULL ? cl->user : NULL;
}

int64_t
pouch_client_device_id(const pouch_client *cl)
{
	return cl != NULL ? cl->device_id : 0;
}
