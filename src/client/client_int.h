/*
 * client/client_int - the client engine's state and the functions its
 * files share: identity (ident.c), account and enrolment (account.c),
 * conversations and the commit protocol with the server (conv.c), sending
 * (send.c) and sync (sync.c).  See include/pouch/client.h for the rules.
 */
#ifndef POUCH_CLIENT_INT_H
#define POUCH_CLIENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <pouch/client.h>

#include "client/cstore.h"
#include "client/http.h"
#include "crypto/crypto.h"
#include "mls/group.h"
#include "mls/suite.h"

#define CL_USER_MAX	64
#define CL_KEY		32	/* Ed25519 public and private (seed) keys */
#define CL_SIG		64
#define CL_KP_BATCH	16	/* KeyPackages uploaded at once */
#define CL_KP_LOW	8	/* refill below this */
#define CL_KP_DAYS	90	/* KeyPackage lifetime */
/* client store key: our identity changed (an account-key rotation), the
 * KeyPackages on the server still carry the old one, or the sweep found
 * them near expiry: the next refill replaces them (not under "kp/",
 * where each KeyPackage's keys live) */
#define CL_KP_STALE	"id/kp_stale"
#define CL_UPDATE_AGE	(7 * 86400)	/* self-update policy */
#define CL_UPDATE_MSGS	1000
#define CL_RETRIES	8	/* commit races before giving up */

struct pouch_client {
	struct pouch_crypto		*c;
	/* new conversations: the hybrid row or &alias */
	const struct pouch_mls_suite	*suite;
	/* the hybrid suite's alias code point (id 0: none), kept in the
	 * store; KeyPackages go out under both while one is set */
	struct pouch_mls_suite		 alias;
	struct pouch_cstore		*st;
	struct pouch_http		*http;
	char				*dir;
	char				 user[CL_USER_MAX + 1];
	char				 domain[CL_USER_MAX + 1];
	int64_t				 device_id;
	uint8_t				 dev_priv[CL_KEY];
	uint8_t				 dev_pub[CL_KEY];
	uint8_t				 acct_priv[CL_KEY];
	uint8_t				 acct_pub[CL_KEY];
	int				 have_acct_priv;
	uint8_t				 cross_sig[CL_SIG];	/* ours */
	uint8_t				 server_key[CL_KEY];
	uint8_t				*ident;	/* our credential identity */
	size_t				 identlen;
	int64_t				 now;	/* 0: real clock */
	int64_t				 update_age;	/* PCS policy */
	uint64_t			 update_msgs;
	int				 logged_in;
};

/* A member's credential identity (ident.c), pointing into its buffer. */
struct cl_ident {
	char		user[CL_USER_MAX + 1];
	int64_t		device_id;
	uint8_t		account_key[CL_KEY];
	uint8_t		cross_sig[CL_SIG];
};

int64_t	cl_now(const struct pouch_client *cl);

/* ident.c */
int	cl_statement_device(const char *user, const uint8_t *device_key,
	    uint8_t **out, size_t *outlen);
int	cl_ident_make(struct pouch_client *cl);
int	cl_ident_parse(const uint8_t *p, size_t n, struct cl_ident *id);
/* Parse and check the cross-signature of sig_key under the identity's
 * account key. */
int	cl_ident_check(const struct pouch_crypto *c, const uint8_t *p,
	    size_t n, const uint8_t *sig_key, size_t sig_keylen,
	    struct cl_ident *id);
int	cl_user_ok(const char *u);

/* account.c */
/* A decimal int64 record of the store (NOT_FOUND, MALFORMED). */
int	cl_kv_put_i64(struct pouch_cstore *st, const char *name, int64_t v);
int	cl_kv_get_i64(struct pouch_cstore *st, const char *name,
	    int64_t *v);
int	cl_login(struct pouch_client *cl);
/*
 * The suite of code point id this device takes part in: the hybrid one
 * under 0xF001 or under the alias when one is set; NULL for any other.
 */
const struct pouch_mls_suite *cl_suite_of(const struct pouch_client *cl,
	    uint16_t id);
/*
 * Keep this device's KeyPackages stocked on the server in each suite it
 * publishes in (force: a full batch without asking the count).  While
 * CL_KP_STALE is set, a full batch per suite replaces (replace: true)
 * the ones the server holds, and the mark goes once all succeeded.
 */
int	cl_kp_refill(struct pouch_client *cl, int force);
/*
 * The fields of a "kp/" record (a KeyPackage and its private keys),
 * pointing into rec; exact when nothing follows them and the last-resort
 * flag is 0 or 1, as the writer makes it.  A pouch_rd code on a short or
 * oversized field.
 */
struct cl_kp_rec {
	const uint8_t	*kp, *init_priv, *enc_priv;
	size_t		 kplen, init_privlen, enc_privlen;
	uint8_t		 last_resort;
	int		 exact;
};
int	cl_kp_record_read(const uint8_t *rec, size_t len,
	    struct cl_kp_rec *o);
/*
 * Delete the private keys ("kp/" records) of KeyPackages that can no
 * longer be used: expired, replaced at the server or (last resort)
 * superseded, once a grace for Welcomes still in flight has passed;
 * records that do not decode go at once; the current last-resort
 * KeyPackage of each suite stays.  Marks CL_KP_STALE when the published
 * ones near expiry.  Runs at most once a day unless force; one store
 * transaction.  *ndel (may be NULL): records deleted.
 */
int	cl_kp_sweep(struct pouch_client *cl, int force, size_t *ndel);
int	cl_alert(struct pouch_client *cl, const char *kind, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/* Check every member of g (alerts when raise); *trusted = 1 when all
 * verify. */
int	cl_check_members(struct pouch_client *cl, struct pouch_mls_group *g,
	    int raise, int *trusted);
/*
 * One request as this device: logs in when there is no token, and once
 * more on a 401 (an expired token); with wait_limited, a 429 is waited
 * out (Retry-After: 1) up to five times.  *r as pouch_http_do; the last
 * answer is kept, a second 401 included.
 */
int	cl_http(struct pouch_client *cl, const char *method, const char *path,
	    const char *ctype, const uint8_t *body, size_t len,
	    const char *hdr, size_t max, long timeout_s, int wait_limited,
	    struct pouch_http_resp *r);
/* A JSON request through cl_http (429 waited out); *status the code,
 * *resp the answer as an object (NULL when not one). */
int	cl_api(struct pouch_client *cl, const char *method, const char *path,
	    json_t *req, long *status, json_t **resp);
int	cl_post_mls(struct pouch_client *cl, const uint8_t *msg, size_t len,
	    const char *attachments, long *status, json_t **resp);

/* conv.c */
int	cl_group_load(struct pouch_client *cl, int64_t conv,
	    struct pouch_cstore_conv *cv, struct pouch_mls_group **g);
int	cl_group_save(struct pouch_client *cl, struct pouch_cstore_conv *cv,
	    struct pouch_mls_group *g);
int	cl_conv_by_id(struct pouch_client *cl, int64_t id,
	    struct pouch_cstore_conv *cv);
int	cl_maybe_update(struct pouch_client *cl);
int	cl_settle_pending(struct pouch_client *cl, int64_t conv);
int	cl_add_approved(struct pouch_client *cl);
int	cl_commit_marked(struct pouch_client *cl);
int	cl_in_group(struct pouch_mls_group *g, const uint8_t *key);
int	cl_members(struct pouch_mls_group *g, char ***out, size_t *n,
	    size_t *ndevices);
void	cl_members_free(char **v, size_t n);
/*
 * Control messages (not mail) inside a conversation: the title.  parse:
 * NOT_FOUND when p is not one (mail), else its title or an error.
 * cl_conv_control: POUCH_OK when pt was a control message (applied to
 * *cv, or dropped when unusable), NOT_FOUND for mail.
 */
int	cl_control_parse(const uint8_t *p, size_t n,
	    char title[POUCH_CSTORE_TITLE_MAX + 1]);
int	cl_conv_control(struct pouch_client *cl, struct pouch_cstore_conv *cv,
	    const uint8_t *pt, size_t ptlen);

/* kt.c */
int	cl_kt_sync(struct pouch_client *cl);
/* One entry of the log: its bytes and leaf hash (valid during the call). */
struct cl_kt_leaf {
	const uint8_t	*p;
	size_t		 n;
	uint8_t		 h[32];		/* RFC 9162 leaf hash */
};
typedef int (*cl_kt_leaf_fn)(void *arg, uint64_t index,
    const struct cl_kt_leaf *l);
/* The log's entries [start, end), in order, through fn (GET
 * /v1/kt/entries, page by page): IO, MALFORMED or fn's error. */
int	cl_kt_entries(struct pouch_client *cl, uint64_t start, uint64_t end,
	    cl_kt_leaf_fn fn, void *arg);
int	cl_kt_device_ok(struct pouch_client *cl, const char *user,
	    const uint8_t key[CL_KEY]);
int	cl_kt_own_device(struct pouch_client *cl, const uint8_t key[CL_KEY]);
/*
 * Rotation (kt.c): the user's current account key as the log shows it
 * (NOT_FOUND); 1 when account_key is a previous key of user and the log
 * shows device dev cross-signed again under the current one.
 */
int	cl_kt_acct_current(struct pouch_client *cl, const char *user,
	    uint8_t out[CL_KEY]);
struct pouch_kt_event;
/* 1 when ev verifies under one of its user's previous account keys. */
int	cl_kt_prev_verify(struct pouch_client *cl,
	    const struct pouch_kt_event *ev);
int	cl_kt_prev_ok(struct pouch_client *cl, const char *user,
	    const uint8_t account_key[CL_KEY], const uint8_t dev[CL_KEY]);
/* 1 when key is the user's current or a previous account key. */
int	cl_kt_acct_known(struct pouch_client *cl, const char *user,
	    const uint8_t key[CL_KEY]);
/*
 * rotate.c.  adopt: our account key moved from prev to next in the
 * verified log (inside its transaction): EXISTS when it is this
 * device's own pending rotation (finished here), NOT_FOUND when we did
 * not hold prev, else POUCH_OK with next adopted (a paired device, or
 * one whose key another device replaced).  cross_sig: our device's new
 * cross-signature from the log.  stale: 1 when our leaf in g does not
 * carry our current identity (a self-update with it is due).
 */
int	cl_rotate_adopt(struct pouch_client *cl, const uint8_t prev[CL_KEY],
	    const uint8_t next[CL_KEY]);
int	cl_rotate_cross_sig(struct pouch_client *cl,
	    const uint8_t sig[CL_SIG]);
int	cl_rotate_stale(struct pouch_client *cl, struct pouch_mls_group *g);
/* Our identity changed: 1 while conversations may still carry the old
 * one (cl_maybe_update then checks each), 0 when not, or an error;
 * unmark once they all carry the new one. */
int	cl_rotate_marked(struct pouch_client *cl);
int	cl_rotate_unmark(struct pouch_client *cl);
/* An own or contact credential's account key is acceptable: the key we
 * hold (want), or a previous one of a device the rotation re-signed. */
int	cl_acct_ok(struct pouch_client *cl, const char *user,
	    const uint8_t *want, const uint8_t account_key[CL_KEY],
	    const uint8_t dev[CL_KEY]);
int	cl_kt_expect(struct pouch_client *cl, const char *user,
	    const uint8_t key[CL_KEY]);
/* The latest verified signed checkpoint (empty: *len 0 when none). */
int	cl_kt_note(struct pouch_client *cl, char *out, size_t cap,
	    size_t *len);
/* A member's checkpoint from a message that decrypted: checked against
 * ours now when it can be, else kept for cl_kt_check_peers(). */
int	cl_kt_peer_note(struct pouch_client *cl, const uint8_t *note,
	    size_t len, const char *from);
/* Check the kept members' checkpoints against our log (split view). */
int	cl_kt_check_peers(struct pouch_client *cl);

/* aad.c: the authenticated data of our application messages */
#define CL_EPOCH_CHECK	16
#define CL_AAD_MAX	(1 + CL_EPOCH_CHECK + 4 + 1024)
struct cl_aad {
	uint8_t		 epoch_check[CL_EPOCH_CHECK];
	const uint8_t	*note;		/* into the parsed bytes */
	size_t		 notelen;
};
int	cl_epoch_check(const struct pouch_mls_group *g,
	    uint8_t out[CL_EPOCH_CHECK]);
int	cl_aad_make(struct pouch_client *cl, const struct pouch_mls_group *g,
	    uint8_t **out, size_t *outlen);
int	cl_aad_parse(const uint8_t *b, size_t n, struct cl_aad *a);
/* An application message of g with our authenticated data. */
int	cl_app_seal(struct pouch_client *cl, struct pouch_mls_group *g,
	    const uint8_t *pt, size_t ptlen, uint8_t **ct, size_t *ctlen);
int	cl_aad_epoch_ok(const struct pouch_mls_group *g,
	    const struct cl_aad *a);

/* sync.c */
int	cl_outbox_add(struct pouch_client *cl, const uint8_t *msg, size_t len,
	    const char *attachments, int64_t local_id);
int	cl_outbox_flush(struct pouch_client *cl);
int	cl_sync_queue(struct pouch_client *cl, int wait_s, size_t *nnew);

/* pair.c: the short pairing code and its requests at the server */
#define CL_PAIR_CODE	12	/* characters of a code, dashes left out */
int	cl_pair_code_new(char code[CL_PAIR_CODE + 1]);
/* What the user typed, canonical (MALFORMED when it is no code). */
int	cl_pair_code_norm(const char *typed, char code[CL_PAIR_CODE + 1]);
void	cl_pair_code_show(const char code[CL_PAIR_CODE + 1],
	    char out[POUCH_CLIENT_PAIR_CODE]);
int	cl_pair_commit(const struct pouch_crypto *c, const char *user,
	    const uint8_t key[CL_KEY], const char *code, uint8_t out[32]);
int	cl_pair_mac(const struct pouch_crypto *c, const char *user,
	    const char *code, const uint8_t key[CL_KEY],
	    const uint8_t approval[CL_KEY + CL_SIG], uint8_t out[32]);
/* The new device: post the request; poll for the approval (PAIR_PENDING
 * until there is one, BAD_MAC when it does not verify). */
int	cl_pair_request(struct pouch_http *h, const struct pouch_crypto *c,
	    const char *user, const uint8_t key[CL_KEY], const char *code);
int	cl_pair_poll(struct pouch_http *h, const struct pouch_crypto *c,
	    const char *user, const uint8_t key[CL_KEY], const char *code,
	    uint8_t approval[CL_KEY + CL_SIG]);
/* The approving device: the key of the request matching code
 * (PAIR_CODE for none); post its approval. */
int	cl_pair_find(struct pouch_client *cl, const char *code,
	    uint8_t key[CL_KEY]);
int	cl_pair_send(struct pouch_client *cl, const char *code,
	    const uint8_t key[CL_KEY], const uint8_t approval[CL_KEY + CL_SIG]);

#endif /* POUCH_CLIENT_INT_H */
