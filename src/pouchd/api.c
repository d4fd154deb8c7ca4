/*
 * api.c - the request dispatcher: route table, limits, bearer-token
 * authentication, JSON helpers and error mapping.  It sees a request as a
 * struct pd_req (method, path, a few headers, the body) and answers with a
 * struct pd_resp, whatever carried it: libmicrohttpd in http.c, the
 * request fuzzer in fuzz/pouchd_request.c.  Malformed input gets a 4xx
 * JSON error object and changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pouchd/api_int.h"
#include "pouchd/kt_log.h"

#define ATT_PREFIX	"/v1/attachments/"

struct route {
	const char	*method;
	const char	*path;
	enum pd_route	 route;
	int		 auth;
	int		 body;	/* 0 none, 1 unauthenticated, 2 normal,
				 * 3 attachment */
	void		(*fn)(struct pouchd *, const struct pd_req *,
			    struct pd_resp *);
};

static void api_healthz(struct pouchd *, const struct pd_req *,
    struct pd_resp *);
static void api_metrics(struct pouchd *, const struct pd_req *,
    struct pd_resp *);
static void api_info(struct pouchd *, const struct pd_req *,
    struct pd_resp *);

static const struct route routes[] = {
	{ "GET", "/healthz", PD_R_HEALTHZ, 0, 0, api_healthz },
	{ "GET", "/metrics", PD_R_METRICS, 0, 0, api_metrics },
	{ "GET", "/v1/info", PD_R_INFO, 0, 0, api_info },
	{ "POST", "/v1/enrol", PD_R_ENROL, 0, 1, api_enrol },
	{ "POST", "/v1/auth/challenge", PD_R_CHALLENGE, 0, 1, api_challenge },
	{ "POST", "/v1/auth/token", PD_R_TOKEN, 0, 1, api_token },
	{ "POST", "/v1/keypackages", PD_R_KP_UPLOAD, 1, 2, api_kp_upload },
	{ "GET", "/v1/keypackages/count", PD_R_KP_COUNT, 1, 0, api_kp_count },
	{ "POST", "/v1/keypackages/claim", PD_R_KP_CLAIM, 1, 2, api_kp_claim },
	{ "POST", "/v1/groups", PD_R_GROUP_CREATE, 1, 2, api_group_create },
	{ "POST", "/v1/messages", PD_R_MESSAGE, 1, 2, api_message },
	{ "GET", "/v1/sync", PD_R_SYNC, 1, 0, api_sync },
	{ "POST", "/v1/sync/ack", PD_R_SYNC_ACK, 1, 2, api_sync_ack },
	{ "PUT", ATT_PREFIX, PD_R_ATT_PUT, 1, 3, api_att_put },
	{ "GET", ATT_PREFIX, PD_R_ATT_GET, 1, 0, api_att_get },
	{ "GET", "/v1/kt/checkpoint", PD_R_KT, 1, 0, api_kt },
	{ "GET", "/v1/kt/entries", PD_R_KT, 1, 0, api_kt },
	{ "GET", "/v1/kt/proof/inclusion", PD_R_KT, 1, 0, api_kt },
	{ "GET", "/v1/kt/proof/consistency", PD_R_KT, 1, 0, api_kt },
	{ "GET", "/v1/kt/key", PD_R_KT, 1, 0, api_kt },
	{ "POST", "/v1/devices/revoke", PD_R_KT, 1, 2, api_dev_revoke },
	{ "POST", "/v1/account/rotate", PD_R_KT, 1, 2, api_account_rotate },
	{ "POST", "/v1/pair", PD_R_ENROL, 0, 1, api_pair_request },
	{ "GET", "/v1/pair", PD_R_ENROL, 1, 0, api_pair_list },
	{ "POST", "/v1/pair/approve", PD_R_ENROL, 1, 2, api_pair_approve },
	{ "POST", "/v1/pair/poll", PD_R_ENROL, 0, 1, api_pair_poll },
};

#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

static const struct route *
find(const char *method, const char *path)
{
	size_t i, plen = strlen(ATT_PREFIX);

	if (method == NULL || path == NULL)
		return NULL;
	for (i = 0; i < NROUTES; i++) {
		if (strcmp(routes[i].method, method) != 0)
			continue;
		if (strcmp(routes[i].path, ATT_PREFIX) == 0) {
			/* /v1/attachments/<64 hex digits> */
			if (strncmp(path, ATT_PREFIX, plen) == 0 &&
			    strlen(path + plen) == 64 &&
			    strspn(path + plen, "0123456789abcdef") == 64)
				return &routes[i];
		} else if (strcmp(routes[i].path, path) == 0)
			return &routes[i];
	}
	return NULL;
}

void
pd_route_lookup(const struct pouchd *d, const char *method, const char *path,
    struct pd_route_info *ri)
{
	const struct route *r = find(method, path);

	memset(ri, 0, sizeof(*ri));
	if (r == NULL)
		return;
	ri->route = r->route;
	ri->auth = r->auth;
	switch (r->body) {
	case 1:
		ri->body_max = d->cfg.body_max_unauth;
		break;
	case 2:
		ri->body_max = d->cfg.body_max;
		break;
	case 3:
		ri->body_max = (size_t)d->cfg.attachment_max;
		break;
	default:
		ri->body_max = 0;
		break;
	}
}

void
api_sha256(struct pouchd *d, const void *p, size_t n, uint8_t *out)
{
	if (pouch_hash(d->crypto, POUCH_SHA256, p, n, out) != POUCH_OK)
		abort();	/* the provider passed its self-test at start */
}

int
pd_authenticate(struct pouchd *d, const char *authorization, int64_t now,
    struct pouch_store_device *dev)
{
	uint8_t tok[32], hash[32];
	int rc;

	memset(dev, 0, sizeof(*dev));
	if (authorization == NULL ||
	    strncmp(authorization, "Bearer ", 7) != 0)
		return POUCH_E_NOT_FOUND;
	if (pd_unhex(authorization + 7, tok, sizeof(tok)) != 0)
		return POUCH_E_MALFORMED;
	api_sha256(d, tok, sizeof(tok), hash);
	rc = d->st->ops->token_check(d->st, hash, now, dev);
	OPENSSL_cleanse(tok, sizeof(tok));
	return rc;
}

void
pd_resp_free(struct pd_resp *rs)
{
	xfreezero(rs->body, rs->len);	/* it may hold a fresh token */
	memset(rs, 0, sizeof(*rs));
}

void
api_reply(struct pd_resp *rs, int status, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (s == NULL)
		abort();			/* OOM in jansson */
	free(rs->body);
	rs->status = status;
	rs->content_type = "application/json";
	rs->len = strlen(s);
	rs->body = xmalloc(rs->len);
	memcpy(rs->body, s, rs->len);
	free(s);
}

void
pd_error(struct pd_resp *rs, int status, const char *code)
{
	api_reply(rs, status, json_pack("{s:s}", "error", code));
}

void
api_fail(struct pd_resp *rs, int rc)
{
	switch (rc) {
	case POUCH_E_NOT_FOUND:
		pd_error(rs, 404, "not_found");
		break;
	case POUCH_E_EXISTS:
		pd_error(rs, 409, "exists");
		break;
	case POUCH_E_CONFLICT:
		pd_error(rs, 409, "conflict");
		break;
	case POUCH_E_EXPIRED:
		pd_error(rs, 401, "expired");
		break;
	case POUCH_E_FORBIDDEN:
		pd_error(rs, 403, "forbidden");
		break;
	case POUCH_E_QUOTA:
		pd_error(rs, 413, "quota");
		break;
	case POUCH_E_BAD_SIGNATURE:
	case POUCH_E_BAD_KEY:
		pd_error(rs, 403, "bad_signature");
		break;
	case POUCH_E_UNSUPPORTED:
		pd_error(rs, 422, "unsupported");
		break;
	case POUCH_E_TOO_LARGE:
		pd_error(rs, 413, "too_large");
		break;
	case POUCH_E_MALFORMED:
	case POUCH_E_TRUNCATED:
	case POUCH_E_TRAILING:
	case POUCH_E_MISUSE:
	case POUCH_E_LIMIT:
		pd_error(rs, 400, "malformed");
		break;
	default:
		pd_error(rs, 500, "internal");
		break;
	}
}

json_t *
api_json(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	json_error_t err;
	json_t *o;

	if (rq->content_type == NULL || strncmp(rq->content_type,
	    "application/json", 16) != 0) {
		pd_error(rs, 415, "want_json");
		return NULL;
	}
	if (pd_json_depth(rq->body, rq->len) > d->cfg.json_depth_max) {
		pd_error(rs, 400, "json_too_deep");
		return NULL;
	}
	o = json_loadb((const char *)rq->body, rq->len,
	    JSON_REJECT_DUPLICATES, &err);
	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		pd_error(rs, 400, "bad_json");
		return NULL;
	}
	return o;
}

const char *
api_str(json_t *o, const char *key, size_t max)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;		/* embedded NUL */
	return json_string_value(v);
}

uint8_t *
api_b64(json_t *o, const char *key, size_t max, size_t *len)
{
	const char *s = api_str(o, key, (max + 2) / 3 * 4);

	*len = 0;
	return s != NULL ? pd_b64_decode(s, max, len) : NULL;
}

int
api_int(json_t *o, const char *key, int64_t min, int64_t max, int64_t *v)
{
	json_t *j = json_object_get(o, key);

	*v = 0;
	if (!json_is_integer(j) || json_integer_value(j) < min ||
	    json_integer_value(j) > max)
		return -1;
	*v = json_integer_value(j);
	return 0;
}

static void
api_healthz(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	struct pouch_store_group g;
	int rc;

	(void)rq;
	/* A read through the store: the database answers. */
	rc = d->st->ops->group_get(d->st, (const uint8_t *)"-", 1, &g);
	if (rc != POUCH_OK && rc != POUCH_E_NOT_FOUND) {
		pd_error(rs, 503, "database");
		return;
	}
	api_reply(rs, 200, json_pack("{s:s}", "status", "ok"));
}

static void
api_metrics(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	struct pouch_store_stats ss;
	char extra[1024];
	int n = 0;

	(void)rq;
	rs->status = 200;
	rs->content_type = "text/plain; version=0.0.4";
	rs->body = (uint8_t *)pd_metrics_render(&rs->len);
	/* store gauges: read at scrape time, absent if the store fails */
	if (d->st->ops->stats(d->st, &ss) == POUCH_OK)
		n = snprintf(extra, sizeof(extra),
		    "# TYPE pouchd_queue_depth gauge\n"
		    "pouchd_queue_depth %lld\n"
		    "# TYPE pouchd_queued_messages gauge\n"
		    "pouchd_queued_messages %lld\n"
		    "# TYPE pouchd_devices gauge\npouchd_devices %lld\n"
		    "# TYPE pouchd_groups gauge\npouchd_groups %lld\n"
		    "# TYPE pouchd_key_packages gauge\n"
		    "pouchd_key_packages %lld\n", (long long)ss.queued,
		    (long long)ss.messages, (long long)ss.devices,
		    (long long)ss.groups, (long long)ss.key_packages);
	if (n > 0 && (size_t)n < sizeof(extra)) {
		rs->body = xrealloc(rs->body, rs->len + (size_t)n);
		memcpy(rs->body + rs->len, extra, (size_t)n);
		rs->len += (size_t)n;
	}
}

static void
api_info(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	char *key = pd_b64_encode(d->server_pub, sizeof(d->server_pub));
	const uint16_t *ids;
	json_t *suites = json_array();
	size_t i, n;

	(void)rq;
	/* the cipher suites KeyPackages and groups may use here */
	ids = pouch_mls_suite_ids(&n);
	for (i = 0; i < n; i++)
		json_array_append_new(suites, json_integer(ids[i]));
	if (d->alias != NULL)
		json_array_append_new(suites, json_integer(d->alias->id));
	api_reply(rs, 200, json_pack("{s:s,s:s,s:s,s:o}", "server",
	    "pouchd", "version", POUCH_VERSION_STRING, "server_key", key,
	    "mls_suites", suites));
	free(key);
}

void
pd_handle(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	const struct route *r;

	memset(rs, 0, sizeof(*rs));
	if (rq->path == NULL || strlen(rq->path) > d->cfg.url_max) {
		pd_error(rs, 414, "url_too_long");
		return;
	}
	if ((r = find(rq->method, rq->path)) == NULL) {
		pd_error(rs, 404, "no_such_route");
		return;
	}
	if (r->auth && rq->dev == NULL) {
		pd_error(rs, 401, "unauthenticated");
		return;
	}
	if ((r->body == 0 && rq->len > 0) || rq->len > (r->body == 1 ?
	    d->cfg.body_max_unauth : r->body == 3 ?
	    (size_t)d->cfg.attachment_max : d->cfg.body_max)) {
		pd_error(rs, 413, "body_too_large");
		return;
	}
	r->fn(d, rq, rs);
	if (rs->status == 0 && rs->wait == 0)
		pd_error(rs, 500, "internal");
}
