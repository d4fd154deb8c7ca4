/*
 * api_kt.c - the key transparency routes (docs/API.md, "Key
 * transparency"), all GET and authenticated:
 *
 *   /v1/kt/checkpoint                 latest signed checkpoint (text)
 *   /v1/kt/entries?start=&end=        leaves [start, end), at most 1000
 *   /v1/kt/proof/inclusion?leaf_index=N|hash=HEX&tree_size=N
 *   /v1/kt/proof/consistency?first=M&second=N
 *   /v1/kt/key                        origin, log key, key id, MMD
 *
 * Only what a published (durable) checkpoint covers is served.  The
 * pouchd-liar test build (POUCHD_LIAR) answers them from a lying view
 * instead (kt_log.c); the real pouchd has no such code.
 */
#include <stdlib.h>
#include <string.h>

#include "pouchd/api_int.h"
#include "pouchd/kt_log.h"

/* A decimal query argument in [0, 2^62]: 0, or -1 (missing: -2). */
static int
query_u64(const struct pd_req *rq, const char *name, uint64_t *v)
{
	const char *s = rq->arg != NULL ? rq->arg(rq->arg_ctx, name) : NULL;
	uint64_t x = 0;
	size_t i, n;

	if (s == NULL)
		return -2;
	n = strlen(s);
	if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > POUCH_KT_SIZE_MAX)
		return -1;
	*v = x;
	return 0;
}

static json_t *
proof_json(const uint8_t proof[][POUCH_KT_HASH_BYTES], size_t n)
{
	json_t *arr = json_array();
	char *b64;
	size_t i;

	for (i = 0; i < n; i++) {
		b64 = pd_b64_encode(proof[i], POUCH_KT_HASH_BYTES);
		json_array_append_new(arr, json_string(b64));
		free(b64);
	}
	return arr;
}

static void
fail(struct pd_resp *rs, int rc)
{
	if (rc == POUCH_E_KT_RANGE)
		pd_error(rs, 400, "out_of_range");
	else if (rc == POUCH_E_NOT_FOUND)
		pd_error(rs, 404, "not_found");
	else
		api_fail(rs, rc);
}

static int
on_cp(void *arg, uint64_t size, const uint8_t root[32], const char *note,
    size_t len)
{
	struct pd_resp *rs = arg;

	(void)size;
	(void)root;
	free(rs->body);
	rs->status = 200;
	rs->content_type = "text/plain; charset=utf-8";
	rs->body = xmalloc(len > 0 ? len : 1);
	memcpy(rs->body, note, len);
	rs->len = len;
	return POUCH_OK;
}

static void
checkpoint(struct pouchd *d, struct pd_resp *rs)
{
	int rc;

	if ((rc = d->st->ops->kt_checkpoint(d->st, UINT64_MAX, on_cp, rs)) !=
	    POUCH_OK)
		fail(rs, rc);
}

static int
on_entry(void *arg, uint64_t index, const uint8_t *data, size_t len,
    const uint8_t hash[32])
{
	json_t *arr = arg;
	char *leaf = pd_b64_encode(data, len), *h = pd_b64_encode(hash, 32);

	json_array_append_new(arr, json_pack("{s:I,s:s,s:s}", "index",
	    (json_int_t)index, "leaf", leaf, "hash", h));
	free(leaf);
	free(h);
	return POUCH_OK;
}

static void
entries(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	uint64_t start, end, pub = pd_kt_published(d);
	json_t *arr;
	int rc;

	if (query_u64(rq, "start", &start) != 0 ||
	    query_u64(rq, "end", &end) != 0 || start > end ||
	    end - start > PD_KT_ENTRIES_MAX) {
		pd_error(rs, 400, "bad_query");
		return;
	}
	if (end > pub) {
		pd_error(rs, 400, "out_of_range");
		return;
	}
	arr = json_array();
	if ((rc = d->st->ops->kt_leaves(d->st, start, end, on_entry, arr)) !=
	    POUCH_OK) {
		json_decref(arr);
		fail(rs, rc);
		return;
	}
	api_reply(rs, 200, json_pack("{s:o}", "entries", arr));
}

static void
inclusion(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	uint8_t proof[POUCH_KT_PROOF_MAX][POUCH_KT_HASH_BYTES], hash[32];
	const char *hex = rq->arg != NULL ? rq->arg(rq->arg_ctx, "hash") :
	    NULL;
	uint64_t index, size;
	size_t n;
	int rc, has_index;

	has_index = query_u64(rq, "leaf_index", &index);
	if (query_u64(rq, "tree_size", &size) != 0 || has_index == -1 ||
	    (has_index == 0) == (hex != NULL)) {
		pd_error(rs, 400, "bad_query");
		return;
	}
	if (hex != NULL) {
		if (strlen(hex) != 64 || pd_unhex(hex, hash, 32) != 0) {
			pd_error(rs, 400, "bad_query");
			return;
		}
		if ((rc = d->st->ops->kt_find(d->st, hash, &index)) !=
		    POUCH_OK) {
			fail(rs, rc);
			return;
		}
	}
	if ((rc = pd_kt_inclusion(d, index, size, proof, &n)) != POUCH_OK) {
		fail(rs, rc);
		return;
	}
	api_reply(rs, 200, json_pack("{s:I,s:I,s:o}", "leaf_index",
	    (json_int_t)index, "tree_size", (json_int_t)size, "proof",
	    proof_json((const uint8_t (*)[POUCH_KT_HASH_BYTES])proof, n)));
}

static void
consistency(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	uint8_t proof[POUCH_KT_PROOF_MAX][POUCH_KT_HASH_BYTES];
	uint64_t first, second;
	size_t n;
	int rc;

	if (query_u64(rq, "first", &first) != 0 ||
	    query_u64(rq, "second", &second) != 0) {
		pd_error(rs, 400, "bad_query");
		return;
	}
	if ((rc = pd_kt_consistency(d, first, second, proof, &n)) !=
	    POUCH_OK) {
		fail(rs, rc);
		return;
	}
	api_reply(rs, 200, json_pack("{s:I,s:I,s:o}", "first",
	    (json_int_t)first, "second", (json_int_t)second, "proof",
	    proof_json((const uint8_t (*)[POUCH_KT_HASH_BYTES])proof, n)));
}

static void
key(struct pouchd *d, struct pd_resp *rs)
{
	uint8_t id[4];
	char *pub, *kid;

	if (pouch_kt_key_id(d->crypto, d->cfg.kt_origin, d->server_pub, id) !=
	    POUCH_OK) {
		pd_error(rs, 500, "kt_key");
		return;
	}
	pub = pd_b64_encode(d->server_pub, sizeof(d->server_pub));
	kid = pd_b64_encode(id, sizeof(id));
	api_reply(rs, 200, json_pack("{s:s,s:s,s:s,s:s,s:i,s:i}", "origin",
	    d->cfg.kt_origin, "algorithm", "ed25519", "key", pub, "key_id",
	    kid, "mmd", d->cfg.kt_mmd, "interval", d->cfg.kt_interval));
	free(pub);
	free(kid);
}

#ifdef POUCHD_LIAR
/* The same routes over the lying view (pouchd-liar only; kt_log.c). */
static void
lie_route(const struct pd_kt_lie *l, const struct pd_req *rq,
    struct pd_resp *rs)
{
	uint8_t proof[POUCH_KT_PROOF_MAX][POUCH_KT_HASH_BYTES], hash[32];
	const char *hex = rq->arg != NULL ? rq->arg(rq->arg_ctx, "hash") :
	    NULL, *note;
	const uint8_t *data;
	uint64_t a, b, i;
	size_t n, len;
	json_t *arr;
	int rc;

	if (strcmp(rq->path, "/v1/kt/checkpoint") == 0) {
		note = pd_kt_lie_note(l, &len);
		(void)on_cp(rs, 0, NULL, note, len);
		return;
	}
	if (strcmp(rq->path, "/v1/kt/entries") == 0) {
		if (query_u64(rq, "start", &a) != 0 ||
		    query_u64(rq, "end", &b) != 0 || a > b ||
		    b - a > PD_KT_ENTRIES_MAX) {
			pd_error(rs, 400, "bad_query");
			return;
		}
		if (b > pd_kt_lie_size(l)) {
			pd_error(rs, 400, "out_of_range");
			return;
		}
		arr = json_array();
		for (i = a; i < b; i++)
			if (pd_kt_lie_leaf(l, i, &data, &len, hash) == POUCH_OK)
				(void)on_entry(arr, i, data, len, hash);
		api_reply(rs, 200, json_pack("{s:o}", "entries", arr));
		return;
	}
	if (strcmp(rq->path, "/v1/kt/proof/inclusion") == 0) {
		rc = query_u64(rq, "leaf_index", &a);
		if (query_u64(rq, "tree_size", &b) != 0 || rc == -1 ||
		    (rc == 0) == (hex != NULL)) {
			pd_error(rs, 400, "bad_query");
			return;
		}
		if (hex != NULL && (strlen(hex) != 64 ||
		    pd_unhex(hex, hash, 32) != 0)) {
			pd_error(rs, 400, "bad_query");
			return;
		}
		if ((hex != NULL && (rc = pd_kt_lie_find(l, hash, &a)) !=
		    POUCH_OK) || (rc = b > pd_kt_lie_size(l) ?
		    POUCH_E_KT_RANGE : pd_kt_lie_inclusion(l, a, b, proof,
		    &n)) != POUCH_OK) {
			fail(rs, rc);
			return;
		}
		api_reply(rs, 200, json_pack("{s:I,s:I,s:o}", "leaf_index",
		    (json_int_t)a, "tree_size", (json_int_t)b, "proof",
		    proof_json((const uint8_t (*)[POUCH_KT_HASH_BYTES])proof,
		    n)));
		return;
	}
	if (strcmp(rq->path, "/v1/kt/proof/consistency") == 0) {
		if (query_u64(rq, "first", &a) != 0 ||
		    query_u64(rq, "second", &b) != 0) {
			pd_error(rs, 400, "bad_query");
			return;
		}
		if ((rc = b > pd_kt_lie_size(l) ? POUCH_E_KT_RANGE :
		    pd_kt_lie_consistency(l, a, b, proof, &n)) != POUCH_OK) {
			fail(rs, rc);
			return;
		}
		api_reply(rs, 200, json_pack("{s:I,s:I,s:o}", "first",
		    (json_int_t)a, "second", (json_int_t)b, "proof",
		    proof_json((const uint8_t (*)[POUCH_KT_HASH_BYTES])proof,
		    n)));
		return;
	}
	pd_error(rs, 404, "not_found");
}
#endif

void
api_kt(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs)
{
	if (strcmp(rq->path, "/v1/kt/key") == 0) {
		key(d, rs);
		return;
	}
	if (d->kt == NULL) {
		pd_error(rs, 503, "kt_unavailable");
		return;
	}
#ifdef POUCHD_LIAR
	if (pd_kt_lie(d, rq) != NULL) {
		lie_route(pd_kt_lie(d, rq), rq, rs);
		return;
	}
#endif
	if (strcmp(rq->path, "/v1/kt/checkpoint") == 0)
		checkpoint(d, rs);
	else if (strcmp(rq->path, "/v1/kt/entries") == 0)
		entries(d, rq, rs);
	else if (strcmp(rq->path, "/v1/kt/proof/inclusion") == 0)
		inclusion(d, rq, rs);
	else if (strcmp(rq->path, "/v1/kt/proof/consistency") == 0)
		consistency(d, rq, rs);
	else
		pd_error(rs, 404, "not_found");
}
