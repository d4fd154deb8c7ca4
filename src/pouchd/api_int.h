/*
 * api_int.h - private to the dispatcher (api.c, api_acct.c, api_mls.c):
 * JSON request and response helpers and the handlers.
 */
#ifndef POUCH_POUCHD_API_INT_H
#define POUCH_POUCHD_API_INT_H

#include <jansson.h>

#include "pouchd/pouchd.h"

/*
 * The request body as a JSON object: 415 unless application/json, 400
 * when deeper than json_depth_max, not JSON, or not an object.  NULL
 * means rs holds the error.
 */
json_t	*api_json(struct pouchd *d, const struct pd_req *rq,
	    struct pd_resp *rs);
/* A string member of at most max bytes, or NULL. */
const char *api_str(json_t *o, const char *key, size_t max);
/* A base64 member decoding to at most max bytes: xmalloc'd, or NULL. */
uint8_t	*api_b64(json_t *o, const char *key, size_t max, size_t *len);
/* An integer member in [min, max]: 0, or -1 when missing or out. */
int	api_int(json_t *o, const char *key, int64_t min, int64_t max,
	    int64_t *v);
/* Answer with o (consumed) as JSON. */
void	api_reply(struct pd_resp *rs, int status, json_t *o);
/* Answer a store or parser error code with the matching status. */
void	api_fail(struct pd_resp *rs, int rc);
/* SHA-256 of p[0..n) into out[32]; aborts only on a broken provider. */
void	api_sha256(struct pouchd *d, const void *p, size_t n, uint8_t *out);

void	api_enrol(struct pouchd *, const struct pd_req *, struct pd_resp *);
void	api_challenge(struct pouchd *, const struct pd_req *,
	    struct pd_resp *);
void	api_token(struct pouchd *, const struct pd_req *, struct pd_resp *);
void	api_kp_upload(struct pouchd *, const struct pd_req *,
	    struct pd_resp *);
void	api_kp_count(struct pouchd *, const struct pd_req *,
	    struct pd_resp *);
void	api_kp_claim(struct pouchd *, const struct pd_req *,
	    struct pd_resp *);
void	api_group_create(struct pouchd *, const struct pd_req *,
	    struct pd_resp *);
void	api_message(struct pouchd *, const struct pd_req *, struct pd_resp *);
void	api_sync(struct pouchd *, const struct pd_req *, struct pd_resp *);
void	api_sync_ack(struct pouchd *, const struct pd_req *,
	    struct pd_resp *);
void	api_att_put(struct pouchd *, const struct pd_req *, struct pd_resp *);
void	api_att_get(struct pouchd *, const struct pd_req *, struct pd_resp *);
/* api_pair.c */
void	api_pair_request(struct pouchd *, const struct pd_req *,
	    struct pd_resp *);
void	api_pair_list(struct pouchd *, const struct pd_req *,
	    struct pd_resp *);
void	api_pair_approve(struct pouchd *, const struct pd_req *,
	    struct pd_resp *);
void	api_pair_poll(struct pouchd *, const struct pd_req *,
	    struct pd_resp *);

#endif /* POUCH_POUCHD_API_INT_H */
