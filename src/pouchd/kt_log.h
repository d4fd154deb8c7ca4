/*
 * kt_log.h - the key transparency log in pouchd (kt_log.c) and its
 * routes (api_kt.c).
 *
 * The leaves are key events (src/kt) appended by the store inside the
 * transaction of the action that causes them (store.h, "key
 * transparency"): enrolment, and the administrator's user add, suspend,
 * code create and device revoke.  A publisher thread makes a signed
 * checkpoint every kt_interval seconds while there are new leaves; it
 * reads them in the transaction that stores the checkpoint and keeps an
 * in-memory Merkle tree (two hashes a leaf) that answers proofs.  The
 * log key is the server signing key (server_key, Ed25519); the origin is
 * the kt_origin configuration key.
 */
#ifndef POUCH_POUCHD_KT_LOG_H
#define POUCH_POUCHD_KT_LOG_H

#include "kt/kt.h"
#include "pouchd/pouchd.h"

#define PD_KT_ENTRIES_MAX	1000	/* entries per request */

/* An encoded event and its leaf, ready to stage. */
struct pd_kt_staged {
	struct pouch_store_kt_leaf	leaf;
	uint8_t				buf[POUCH_KT_EVENT_MAX];
};

/*
 * Load the tree, publish what is pending, start the publisher.  A store
 * without the key transparency operations leaves the log off (the
 * routes answer 503).
 */
int	pd_kt_start(struct pouchd *d) POUCH_WARN_UNUSED;
void	pd_kt_stop(struct pouchd *d);
/* One publishing round: *size gets the published tree size. */
int	pd_kt_publish(struct pouchd *d, uint64_t *size) POUCH_WARN_UNUSED;

/*
 * Encode ev into out (an event from a device: its own signature).  For
 * pd_kt_admin_event the log key signs and the event names the admin
 * (actor) with timestamp now.
 */
int	pd_kt_event(struct pouchd *d, const struct pouch_kt_event *ev,
	    struct pd_kt_staged *out) POUCH_WARN_UNUSED;
int	pd_kt_admin_event(struct pouchd *d, struct pouch_kt_event *ev,
	    const char *actor, int64_t now, struct pd_kt_staged *out)
	    POUCH_WARN_UNUSED;
/*
 * Build an administrator's event and stage it (pouch_store_kt_stage) for
 * the store operation that follows; the caller unstages after it.  key
 * is the device key (DEVICE_REVOKED) or the code hash (CODE_ISSUED).
 */
int	pd_kt_admin_stage(struct pouchd *d, struct pd_kt_staged *out,
	    enum pouch_kt_event_type type, const char *actor,
	    const char *user, int suspended, const uint8_t *key,
	    uint64_t expires, int64_t now) POUCH_WARN_UNUSED;
/* The "device added" event of an enrolment (the cross-signature). */
int	pd_kt_device_added(struct pouchd *d, const char *user,
	    const char *device_name, const uint8_t dk[32], const uint8_t ak[32],
	    const uint8_t account_sig[64], int64_t now,
	    struct pd_kt_staged *out) POUCH_WARN_UNUSED;

/*
 * Proofs from the in-memory tree, for tree sizes up to the latest
 * published checkpoint (POUCH_E_KT_RANGE beyond it).
 */
int	pd_kt_inclusion(struct pouchd *d, uint64_t index, uint64_t size,
	    uint8_t proof[][POUCH_KT_HASH_BYTES], size_t *n) POUCH_WARN_UNUSED;
int	pd_kt_consistency(struct pouchd *d, uint64_t first, uint64_t second,
	    uint8_t proof[][POUCH_KT_HASH_BYTES], size_t *n) POUCH_WARN_UNUSED;
/* The size of the latest published checkpoint (0 when the log is off). */
uint64_t pd_kt_published(struct pouchd *d);

#ifdef POUCHD_LIAR
/*
 * The lying view of the pouchd-liar test build (kt_log.c): the view
 * this request gets, or NULL for the truth; then its note, size,
 * leaves and proofs.
 */
struct pd_kt_lie;
const struct pd_kt_lie *pd_kt_lie(struct pouchd *d, const struct pd_req *rq);
const char *pd_kt_lie_note(const struct pd_kt_lie *l, size_t *len);
uint64_t pd_kt_lie_size(const struct pd_kt_lie *l);
int	pd_kt_lie_leaf(const struct pd_kt_lie *l, uint64_t i,
	    const uint8_t **data, size_t *len,
	    uint8_t hash[POUCH_KT_HASH_BYTES]);
int	pd_kt_lie_find(const struct pd_kt_lie *l,
	    const uint8_t hash[POUCH_KT_HASH_BYTES], uint64_t *index);
int	pd_kt_lie_inclusion(const struct pd_kt_lie *l, uint64_t index,
	    uint64_t size, uint8_t proof[][POUCH_KT_HASH_BYTES], size_t *n);
int	pd_kt_lie_consistency(const struct pd_kt_lie *l, uint64_t first,
	    uint64_t second, uint8_t proof[][POUCH_KT_HASH_BYTES], size_t *n);
#endif

/* The routes under /v1/kt/ (api_kt.c). */
void	api_kt(struct pouchd *d, const struct pd_req *rq, struct pd_resp *rs);
/* POST /v1/devices/revoke: a user's own revocation (api_dev.c). */
void	api_dev_revoke(struct pouchd *d, const struct pd_req *rq,
	    struct pd_resp *rs);
/* POST /v1/account/rotate: a user's account-key rotation (api_rotate.c). */
void	api_account_rotate(struct pouchd *d, const struct pd_req *rq,
	    struct pd_resp *rs);
/*
 * Shared by both (api_dev.c): the signed key event of the caller's own
 * request, checked against its account (POUCH_OK, or -1 with the error
 * in rs), and the acknowledgement once a published checkpoint covers
 * leaf index last (POUCH_OK, or -1 with a 503 in rs).
 */
struct json_t;
int	api_user_event(struct pouchd *d, const struct pd_req *rq,
	    struct pd_resp *rs, struct json_t *o, enum pouch_kt_event_type type,
	    struct pouch_kt_event *ev, struct pouch_store_user *u);
int	api_kt_ack(struct pouchd *d, struct pd_resp *rs, int64_t last,
	    uint64_t *size);

#endif /* POUCH_POUCHD_KT_LOG_H */
