/*
 * pouchd - the server: MLS delivery service, enrolment and device
 * authentication, attachment store, administration, metrics.
 *
 * pouchd holds no key that reads a message.  It reads only the public
 * fields of MLS messages (group, epoch, content type, sender, the
 * proposals of a commit, KeyPackageRefs) and keeps its state in the store
 * (src/store).  The HTTP glue (http.c, libmicrohttpd) only moves bytes:
 * every decision is made by the dispatcher (api.c) on a struct pd_req,
 * which is what the request fuzzer drives.  Programs may die on OOM:
 * every allocation goes through xmalloc and friends.
 */
#ifndef POUCH_POUCHD_H
#define POUCH_POUCHD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pthread.h>

#include "crypto/crypto.h"
#include "mls/suite.h"
#include "store/store.h"

/* ---- memory: die on OOM (xmalloc.c) ---------------------------------- */

void	*xmalloc(size_t n);
void	*xcalloc(size_t n, size_t size);
void	*xrealloc(void *p, size_t n);
char	*xstrdup(const char *s);
/* Wipe n bytes at p, then free p (NULL ok). */
void	 xfreezero(void *p, size_t n);

/* ---- configuration (config.c) --------------------------------------- */

#define PD_PATH_MAX	1024

struct pd_config {
	char		listen[64];
	int		port;
	char		port_file[PD_PATH_MAX];
	char		data_dir[PD_PATH_MAX];
	char		database[PD_PATH_MAX];
	char		storage[16];		/* sqlite | postgresql */
	char		pg_conninfo[PD_PATH_MAX];
	int		tls;
	char		tls_cert[PD_PATH_MAX];
	char		tls_key[PD_PATH_MAX];
	char		server_key[PD_PATH_MAX];
	char		attachment_dir[PD_PATH_MAX];
	char		log_file[PD_PATH_MAX];
	int		threads;
	int		workers;
	int		connection_limit;
	int		connection_timeout;
	int		drain_timeout;
	int64_t		token_ttl;
	int64_t		challenge_ttl;
	int64_t		code_ttl;
	size_t		body_max;
	size_t		body_max_unauth;
	int		json_depth_max;
	size_t		url_max;
	size_t		header_memory;
	size_t		kp_batch_max;
	size_t		kp_stored_max;
	uint64_t	epoch_window;
	int		sync_wait_max;
	size_t		sync_batch_max;
	uint64_t	attachment_max;
	uint64_t	attachment_quota;
	int64_t		attachment_retention;
	int		rate_unauth;
	int		rate_unauth_burst;
	int		rate_auth;
	int		rate_auth_burst;
	int		kt_interval;	/* key transparency (kt_log.c) */
	int		kt_mmd;
	char		kt_origin[129];
	/* the hybrid suite's second code point (0: none): pd_suite_alias */
	int		mls_suite_alias;
};

/* Defaults for a data directory (paths under dir). */
void	pd_config_defaults(struct pd_config *c, const char *dir);
/*
 * Read a `key = value` file over the defaults.  On error, a message
 * naming the file, line and key (never a value) goes to errbuf.
 */
int	pd_config_load(struct pd_config *c, const char *path, char *errbuf,
	    size_t errlen) POUCH_WARN_UNUSED;
/* Write the defaults for dir as a commented config file. */
int	pd_config_write_default(const char *path, const char *dir)
	    POUCH_WARN_UNUSED;
/* 1 when addr is a loopback address (127.0.0.0/8, ::1). */
int	pd_addr_is_loopback(const char *addr);

/* ---- logs (log.c): one JSON object a line ---------------------------- */

int	pd_log_open(const char *path) POUCH_WARN_UNUSED;
/* SIGHUP: reopen the log file at the next line. */
void	pd_log_reopen(void);
/*
 * Log an event with fields given as name/type/value triples ending with
 * NULL: 's' string, 'i' int64_t, 'd' double.  Never pass a secret.
 */
void	pd_log(const char *level, const char *event, ...);

/* ---- metrics (metrics.c) ---------------------------------------------- */

enum pd_route {
	PD_R_UNKNOWN = 0,
	PD_R_HEALTHZ,
	PD_R_METRICS,
	PD_R_INFO,
	PD_R_ENROL,
	PD_R_CHALLENGE,
	PD_R_TOKEN,
	PD_R_KP_UPLOAD,
	PD_R_KP_COUNT,
	PD_R_KP_CLAIM,
	PD_R_GROUP_CREATE,
	PD_R_MESSAGE,
	PD_R_SYNC,
	PD_R_SYNC_ACK,
	PD_R_ATT_PUT,
	PD_R_ATT_GET,
	PD_R_KT,
	PD_R_COUNT
};

const char	*pd_route_name(enum pd_route r);
void	pd_metrics_request(enum pd_route r, int status, double seconds);
void	pd_metrics_connections(int delta);
void	pd_metrics_waiters(int delta);
/* The Prometheus text exposition of every metric; xmalloc'd. */
char	*pd_metrics_render(size_t *len);

/* ---- rate limits (ratelimit.c) ---------------------------------------- */

struct pd_rate;

/* Token buckets of rate a second up to burst; rate 0: no limit. */
struct pd_rate	*pd_rate_new(double rate, double burst);
void	pd_rate_free(struct pd_rate *r);
/* 1 when key may make a request now (and it is counted), else 0. */
int	pd_rate_allow(struct pd_rate *r, uint64_t key);

/* ---- the server's state ----------------------------------------------- */

struct pouchd {
	struct pd_config	 cfg;
	struct pouch_store	*st;
	struct pouch_crypto	*crypto;
	uint8_t			 server_pub[32];	/* Ed25519 */
	struct pouch_sig_key	*server_key;	/* signs Remove proposals */
	/* bumped on every accepted post: a sync that saw an old value
	 * must look again before it sleeps */
	atomic_uint_fast64_t	 post_seq;
	/* wakes sync waiters of the devices a post queued for; the
	 * store's listener thread (PostgreSQL) calls it under wake_mu,
	 * which pd_http_stop takes to clear it before the HTTP state goes */
	void			(*wake)(struct pouchd *d, const int64_t *dev,
				    size_t n);
	pthread_mutex_t		 wake_mu;
	void			*http;		/* http.c's state */
	struct pd_kt		*kt;		/* kt_log.c; NULL: log off */
	uint16_t		 port;		/* bound (port 0: chosen) */
	/*
	 * mls_suite_alias: the hybrid suite under a second code point
	 * (docs/OPERATIONS.md), or NULL.  Every lookup of a code point read
	 * from a message or the store passes it to pouch_mls_suite_find.
	 * alias points at alias_row: set by pd_suite_alias, never copied.
	 */
	const struct pouch_mls_suite *alias;
	struct pouch_mls_suite	 alias_row;
};

/*
 * Configure the suite alias code (0: none): POUCH_E_MISUSE, and d
 * unchanged, when code cannot be one (a code point of a known suite, or
 * a GREASE value).  pd_open calls it with the configured value.
 */
int	pd_suite_alias(struct pouchd *d, int code) POUCH_WARN_UNUSED;
/* The suite of code point id as this server knows it, or NULL. */
const struct pouch_mls_suite *pd_suite(const struct pouchd *d, uint16_t id);

/* ---- HTTP front (http.c) ---------------------------------------------- */

/* Listen and serve in MHD's threads; err gets why not. */
int	pd_http_start(struct pouchd *d, char *err, size_t errlen)
	    POUCH_WARN_UNUSED;
/* Stop accepting, answer parked syncs, drain, stop. */
void	pd_http_stop(struct pouchd *d, int drain_seconds);

/* ---- requests (api.c) -------------------------------------------------- */

struct pd_req {
	const char		*method;
	const char		*path;		/* without the query */
	/* a query argument by name, or NULL */
	const char		*(*arg)(void *ctx, const char *name);
	void			*arg_ctx;
	const char		*authorization;	/* header, or NULL */
	const char		*content_type;	/* header, or NULL */
	const char		*attachments;	/* Pouch-Attachments, or NULL */
	const uint8_t		*body;
	size_t			 len;
	int64_t			 now;
	/* the device of a valid bearer token (http.c checks it first) */
	const struct pouch_store_device *dev;
	/* 1 when a suspended sync is answered: do not wait again */
	int			 no_wait;
};

struct pd_resp {
	int		 status;
	const char	*content_type;
	uint8_t		*body;		/* xmalloc'd */
	size_t		 len;
	/* sync found nothing: wait up to this many seconds for a post */
	int		 wait;
	int64_t		 wait_device;
};

/* Route of a request line, and what it needs before its body is read. */
struct pd_route_info {
	enum pd_route	route;
	int		auth;		/* a bearer token is required */
	size_t		body_max;	/* 0: no body allowed */
};

void	pd_route_lookup(const struct pouchd *d, const char *method,
	    const char *path, struct pd_route_info *ri);
/*
 * The device of an "Authorization: Bearer ..." header: POUCH_OK, or a
 * code the dispatcher turns into 401.  The token is wiped after use.
 */
int	pd_authenticate(struct pouchd *d, const char *authorization,
	    int64_t now, struct pouch_store_device *dev) POUCH_WARN_UNUSED;
/* Answer one request.  rs is filled; it never fails. */
void	pd_handle(struct pouchd *d, const struct pd_req *rq,
	    struct pd_resp *rs);
void	pd_resp_free(struct pd_resp *rs);
/* A JSON error body {"error": code} with status. */
void	pd_error(struct pd_resp *rs, int status, const char *code);

/* ---- MLS public fields (mls_public.c) ------------------------------- */

struct pd_mls_msg {
	enum pouch_store_kind	 kind;
	uint8_t			 group_id[POUCH_STORE_GROUP_ID_MAX];
	size_t			 gidlen;
	uint64_t		 epoch;
	int			 has_leaf;
	uint32_t		 sender_leaf;
	/* commit: its proposals in order; proposal: itself (one entry).
	 * Every ref points to xmalloc'd bytes of its own. */
	struct pouch_store_change *changes;
	size_t			 nchanges;
	/* welcome: the KeyPackageRefs of the joiners, owned likewise */
	struct pouch_store_ref	*refs;
	size_t			 nrefs;
	/* proposal: its AuthenticatedContent, for its ProposalRef */
	uint8_t			*ac;
	size_t			 aclen;
};

/*
 * Read the public fields of an MLSMessage: POUCH_E_MALFORMED (and the
 * other decoder codes) for bytes that are not one, POUCH_E_UNSUPPORTED
 * for what pouchd does not route (handshake as PrivateMessage, proposals
 * by reference, external senders).  Free with pd_mls_msg_free.
 */
int	pd_mls_parse(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *alias, const uint8_t *buf,
	    size_t len, struct pd_mls_msg *out) POUCH_WARN_UNUSED;
void	pd_mls_msg_free(struct pd_mls_msg *m);
/*
 * The functions below take the configured suite alias (NULL: none) and
 * look every code point up with pouch_mls_suite_find.
 *
 * RFC 9420 5.2 ProposalRef of an AuthenticatedContent in suite.
 */
int	pd_mls_proposal_ref(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *alias, uint16_t suite,
	    const uint8_t *ac, size_t aclen, uint8_t *ref, size_t refcap,
	    size_t *reflen) POUCH_WARN_UNUSED;
/*
 * The server's Remove proposal, as an external sender (sender_index 0 of
 * the group's external_senders), signed with key: an MLSMessage and its
 * ProposalRef.  POUCH_E_UNSUPPORTED unless the suite signs with Ed25519.
 */
int	pd_mls_server_remove(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *alias,
	    const struct pouch_sig_key *key,
	    const struct pouch_store_membership *m, uint8_t **msg,
	    size_t *len, uint8_t *ref, size_t refcap, size_t *reflen)
	    POUCH_WARN_UNUSED;
/* The same for the store's revocation callbacks (device_revoke,
 * repropose): arg is the struct pouchd. */
int	pd_propose_remove(void *arg, const struct pouch_store_membership *m,
	    uint8_t **msg, size_t *len, uint8_t ref[POUCH_STORE_REF_MAX],
	    size_t *reflen) POUCH_WARN_UNUSED;
/*
 * A KeyPackage MLSMessage: check its syntax, that its suite is known
 * (else POUCH_E_UNSUPPORTED), that its leaf's signature key is key[32]
 * and its signature; ref gets its KeyPackageRef, *suite its cipher
 * suite.
 */
int	pd_mls_key_package(const struct pouch_crypto *c,
	    const struct pouch_mls_suite *alias, const uint8_t *buf,
	    size_t len, const uint8_t key[32], uint8_t *ref, size_t refcap,
	    size_t *reflen, uint16_t *suite) POUCH_WARN_UNUSED;

/* ---- helpers (util.c) ----------------------------------------------- */

/* Strict base64 (RFC 4648 4, padded): xmalloc'd bytes, or NULL. */
uint8_t	*pd_b64_decode(const char *s, size_t max, size_t *len);
char	*pd_b64_encode(const uint8_t *p, size_t n);
/* Parse exactly 2n hex digits, either case: 0, or -1 (the lower-case
 * encoder is pouch_hex, src/codec). */
int	pd_unhex(const char *s, uint8_t *out, size_t n);
/* Read a whole file (at most max bytes): xmalloc'd, or NULL. */
uint8_t	*pd_read_file(const char *path, size_t max, size_t *len);
/* Write a file durably (tmp, fsync, rename, fsync dir) with mode. */
int	pd_write_file(const char *path, const uint8_t *p, size_t n, int mode)
	    POUCH_WARN_UNUSED;
/* Seconds since the epoch. */
int64_t	pd_now(void);
/* Nesting depth of a JSON text (brackets outside strings). */
int	pd_json_depth(const uint8_t *p, size_t n);

/* ---- the programs (init.c, admin.c, serve.c) ------------------------ */

int	pd_cmd_init(int argc, char **argv);
int	pd_cmd_serve(int argc, char **argv);
int	pd_cmd_admin(int argc, char **argv);
/* Load config, crypto, server key and store into d (admin and serve). */
int	pd_open(struct pouchd *d, const char *config, char *err,
	    size_t errlen) POUCH_WARN_UNUSED;
void	pd_close(struct pouchd *d);
/*
 * Housekeeping (store gc, then the bytes of the attachments it dropped):
 * POUCH_OK or the store's error; *removed gets the rows removed.
 */
int	pd_gc(struct pouchd *d, int64_t *removed) POUCH_WARN_UNUSED;
/* Lock DATA_DIR/pouchd.lock (one pouchd per directory): fd, or -1. */
int	pd_lock_dir(const char *dir);

#endif /* POUCH_POUCHD_H */
