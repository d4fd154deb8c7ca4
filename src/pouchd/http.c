/*
 * http.c - the HTTP(S) front of pouchd on libmicrohttpd: epoll, a thread
 * pool, TLS 1.3 only through MHD's GnuTLS backend, limits enforced before
 * the body is read (URL length, Content-Length, and the stricter body
 * limit of unauthenticated routes: a bearer token is checked as soon as
 * the headers are in), and long-poll sync by suspending the connection
 * until a post wakes its device or its deadline passes.
 *
 * MHD's threads only move bytes.  A complete request is handed to a pool
 * of workers (config `workers`) with its connection suspended; the worker
 * runs the dispatcher (which may wait for a durable commit), stores the
 * answer and resumes the connection, whose MHD thread sends it.  So a
 * commit in progress never stalls the other connections of a thread, and
 * concurrent writes reach the store together (group commit).
 *
 * Lost wake-ups: a post bumps d->post_seq before it wakes anybody; a sync
 * reads post_seq before it looks at its queue and suspends only if it is
 * unchanged, under the waiter lock a waker needs too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "pouchd/pouchd.h"

#define TLS_PRIORITIES	"NORMAL:-VERS-ALL:+VERS-TLS1.3"
#define RECHECK_MAX	8	/* posts racing a sync before it answers */

struct waiter;

struct conn {
	struct pouchd		*d;
	struct MHD_Connection	*mc;
	struct pd_route_info	 ri;
	struct pouch_store_device dev;
	int			 authed;
	uint8_t			*body;
	size_t			 len;
	size_t			 cap;
	int			 too_large;
	int			 resumed;
	struct waiter		*w;
	struct timespec		 t0;
	/* what a worker needs, copied while MHD owns the connection */
	char			*method, *url, *ctype, *attachments;
	char			*q_after, *q_wait, *q_suite;
	char			*q_kt[7];	/* kt_qnames (api_kt.c) */
	int			 copied;
	int			 done;		/* rs holds the answer */
	struct pd_resp		 rs;
	struct conn		*next_job;
};

#define WAIT_BUCKETS	1024	/* waiters hashed by device */

struct waiter {
	struct waiter		*next;	/* all waiters (the timer) */
	struct waiter		*prev;
	struct waiter		*bnext;	/* same bucket (wake) */
	struct waiter		*bprev;
	struct MHD_Connection	*mc;
	struct conn		*c;
	int64_t			 device;
	struct timespec		 deadline;
};

struct http {
	struct pouchd		*d;
	struct MHD_Daemon	*mhd;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct waiter		*head;
	struct waiter		*bucket[WAIT_BUCKETS];
	pthread_t		 timer;
	int			 timer_started;
	int			 stopping;
	atomic_int		 inflight;
	uint8_t			*cert;
	size_t			 certlen;
	uint8_t			*key;
	size_t			 keylen;
	struct pd_rate		*rate_unauth;	/* by client address */
	struct pd_rate		*rate_auth;	/* by device */
	/* the worker pool and its queue of suspended connections */
	pthread_mutex_t		 jmu;
	pthread_cond_t		 jcv;
	struct conn		*jhead, *jtail;
	int			 jstop;
	pthread_t		*workers;
	int			 nworkers;
};

static double
since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int
ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec &&
	    a->tv_nsec < b->tv_nsec);
}

static size_t
bucket_of(int64_t device)
{
	return (size_t)((uint64_t)device % WAIT_BUCKETS);
}

/* Park w in both lists; caller holds h->mu. */
static void
link_waiter(struct http *h, struct waiter *w)
{
	struct waiter **b = &h->bucket[bucket_of(w->device)];

	w->prev = NULL;
	w->next = h->head;
	if (h->head != NULL)
		h->head->prev = w;
	h->head = w;
	w->bprev = NULL;
	w->bnext = *b;
	if (*b != NULL)
		(*b)->bprev = w;
	*b = w;
	w->c->w = w;
}

/* Remove w from both lists; caller holds h->mu. */
static void
unlink_waiter(struct http *h, struct waiter *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		h->head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	if (w->bprev != NULL)
		w->bprev->bnext = w->bnext;
	else
		h->bucket[bucket_of(w->device)] = w->bnext;
	if (w->bnext != NULL)
		w->bnext->bprev = w->bprev;
	w->c->w = NULL;
	w->c->resumed = 1;
}

/* Resume the connections of a detached list, outside h->mu. */
static void
resume_list(struct waiter *list)
{
	struct waiter *w, *next;

	for (w = list; w != NULL; w = next) {
		next = w->next;
		pd_metrics_waiters(-1);
		MHD_resume_connection(w->mc);
		free(w);
	}
}

static void
wake(struct pouchd *d, const int64_t *dev, size_t n)
{
	struct http *h = d->http;
	struct waiter *w, *next, *list = NULL;
	size_t i;

	pthread_mutex_lock(&h->mu);
	for (i = 0; i < n; i++)
		for (w = h->bucket[bucket_of(dev[i])]; w != NULL; w = next) {
			next = w->bnext;
			if (w->device != dev[i])
				continue;
			unlink_waiter(h, w);
			w->next = list;		/* reuse: the resume list */
			list = w;
		}
	pthread_mutex_unlock(&h->mu);
	resume_list(list);
}

/* Resumes waiters whose deadline passed (all of them when stopping). */
static void *
timer_main(void *arg)
{
	struct http *h = arg;
	struct waiter *w, *next, *list;
	struct timespec now, until;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		list = NULL;
		until = now;
		until.tv_sec += 1;
		for (w = h->head; w != NULL; w = next) {
			next = w->next;
			if (h->stopping || !ts_before(&now, &w->deadline)) {
				unlink_waiter(h, w);
				w->next = list;
				list = w;
			} else if (ts_before(&w->deadline, &until))
				until = w->deadline;
		}
		if (list != NULL) {
			pthread_mutex_unlock(&h->mu);
			resume_list(list);
			pthread_mutex_lock(&h->mu);
			continue;
		}
		if (h->stopping)
			break;
		pthread_cond_timedwait(&h->cv, &h->mu, &until);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static enum MHD_Result
respond(struct MHD_Connection *mc, struct conn *c, struct pd_resp *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (c->ri.route == PD_R_ATT_GET && rs->status == 200) {
		/* large and not secret: hand the buffer over */
		r = MHD_create_response_from_buffer(rs->len, rs->body,
		    MHD_RESPMEM_MUST_FREE);
		if (r != NULL) {
			rs->body = NULL;
			rs->len = 0;
		}
	} else
		r = MHD_create_response_from_buffer(rs->len, rs->body,
		    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	if (rs->content_type != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		    rs->content_type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(mc, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	pd_metrics_request(c->ri.route, rs->status, since(&c->t0));
	pd_log(rs->status >= 500 ? "error" : "info", "request", "route", 's',
	    pd_route_name(c->ri.route), "status", 'i', (int64_t)rs->status,
	    "ms", 'd', since(&c->t0) * 1e3, "device", 'i',
	    c->authed ? c->dev.id : (int64_t)0, "bytes_in", 'i',
	    (int64_t)c->len, NULL);
	pd_resp_free(rs);
	return ret;
}

static enum MHD_Result
respond_error(struct MHD_Connection *mc, struct conn *c, int status,
    const char *code)
{
	struct pd_resp rs;

	memset(&rs, 0, sizeof(rs));
	pd_error(&rs, status, code);
	return respond(mc, c, &rs);
}

/* The query arguments of the key transparency routes. */
static const char *const kt_qnames[7] = {
	"start", "end", "leaf_index", "hash", "tree_size", "first", "second"
};

/* The query arguments a route reads, from the copies (see copy_in). */
static const char *
query_arg(void *ctx, const char *name)
{
	struct conn *c = ctx;
	size_t i;

	if (strcmp(name, "after") == 0)
		return c->q_after;
	if (strcmp(name, "wait") == 0)
		return c->q_wait;
	if (strcmp(name, "cipher_suite") == 0)
		return c->q_suite;
	for (i = 0; i < 7; i++)
		if (strcmp(name, kt_qnames[i]) == 0)
			return c->q_kt[i];
	return NULL;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Copy what the dispatcher reads, before the connection changes hands. */
static void
copy_in(struct conn *c, struct MHD_Connection *mc, const char *method,
    const char *url)
{
	size_t i;

	if (c->copied)
		return;
	c->copied = 1;
	c->mc = mc;
	c->method = xstrdup(method);
	c->url = xstrdup(url);
	c->ctype = dup_or_null(MHD_lookup_connection_value(mc,
	    MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE));
	c->attachments = dup_or_null(MHD_lookup_connection_value(mc,
	    MHD_HEADER_KIND, "Pouch-Attachments"));
	c->q_after = dup_or_null(MHD_lookup_connection_value(mc,
	    MHD_GET_ARGUMENT_KIND, "after"));
	c->q_wait = dup_or_null(MHD_lookup_connection_value(mc,
	    MHD_GET_ARGUMENT_KIND, "wait"));
	c->q_suite = dup_or_null(MHD_lookup_connection_value(mc,
	    MHD_GET_ARGUMENT_KIND, "cipher_suite"));
	for (i = 0; i < 7; i++)
		c->q_kt[i] = dup_or_null(MHD_lookup_connection_value(mc,
		    MHD_GET_ARGUMENT_KIND, kt_qnames[i]));
}

/* Run the dispatcher for c in a worker; the connection is suspended. */
static void
work(struct http *h, struct conn *c)
{
	struct pd_req rq;
	struct pd_resp rs;
	struct waiter *w;
	uint_fast64_t seq;
	int tries;

	memset(&rq, 0, sizeof(rq));
	rq.method = c->method;
	rq.path = c->url;
	rq.arg = query_arg;
	rq.arg_ctx = c;
	rq.authorization = NULL;	/* checked in on_headers */
	rq.content_type = c->ctype;
	rq.attachments = c->attachments;
	rq.body = c->body;
	rq.len = c->len;
	rq.dev = c->authed ? &c->dev : NULL;
	for (tries = 0;; tries++) {
		seq = atomic_load(&h->d->post_seq);
		rq.now = pd_now();
		rq.no_wait = c->resumed || tries >= RECHECK_MAX;
		pd_handle(h->d, &rq, &rs);
		if (rs.wait == 0) {
			c->rs = rs;
			c->done = 1;
			MHD_resume_connection(c->mc);	/* its thread answers */
			return;
		}
		pthread_mutex_lock(&h->mu);
		if (!h->stopping && atomic_load(&h->d->post_seq) == seq)
			break;			/* still nothing: park it */
		pthread_mutex_unlock(&h->mu);
	}
	/* parked: still suspended; a post or the timer resumes it */
	w = xcalloc(1, sizeof(*w));
	w->mc = c->mc;
	w->c = c;
	w->device = rs.wait_device;
	clock_gettime(CLOCK_MONOTONIC, &w->deadline);
	w->deadline.tv_sec += rs.wait;
	link_waiter(h, w);
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pd_metrics_waiters(1);
}

static void *
worker_main(void *arg)
{
	struct http *h = arg;
	struct conn *c;

	pthread_mutex_lock(&h->jmu);
	for (;;) {
		while (h->jhead == NULL && !h->jstop)
			pthread_cond_wait(&h->jcv, &h->jmu);
		if (h->jhead == NULL)
			break;			/* stopping, queue empty */
		c = h->jhead;
		if ((h->jhead = c->next_job) == NULL)
			h->jtail = NULL;
		c->next_job = NULL;
		pthread_mutex_unlock(&h->jmu);
		work(h, c);
		pthread_mutex_lock(&h->jmu);
	}
	pthread_mutex_unlock(&h->jmu);
	return NULL;
}

/* Suspend c's connection and queue it for a worker. */
static enum MHD_Result
hand_off(struct http *h, struct MHD_Connection *mc, struct conn *c)
{
	MHD_suspend_connection(mc);	/* before any worker can resume it */
	pthread_mutex_lock(&h->jmu);
	if (h->jtail != NULL)
		h->jtail->next_job = c;
	else
		h->jhead = c;
	h->jtail = c;
	pthread_cond_signal(&h->jcv);
	pthread_mutex_unlock(&h->jmu);
	return MHD_YES;
}

/* A key for the client's address (IPv4 or IPv6), for rate limits. */
static uint64_t
addr_key(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	const uint8_t *p = NULL;
	uint64_t k = 0xcbf29ce484222325ULL;	/* FNV-1a */
	size_t n = 0, i;

	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return k;
	if (sa->sa_family == AF_INET) {
		p = (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
		n = 4;
	} else if (sa->sa_family == AF_INET6) {
		p = (const uint8_t *)&((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr;
		n = 8;				/* per /64 */
	}
	for (i = 0; i < n; i++)
		k = (k ^ p[i]) * 0x100000001b3ULL;
	return k;
}

static enum MHD_Result
too_many(struct MHD_Connection *mc, struct conn *c)
{
	struct MHD_Response *r;
	struct pd_resp rs;
	enum MHD_Result ret;

	memset(&rs, 0, sizeof(rs));
	pd_error(&rs, 429, "rate_limited");
	r = MHD_create_response_from_buffer(rs.len, rs.body,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL) {
		pd_resp_free(&rs);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	ret = MHD_queue_response(mc, 429, r);
	MHD_destroy_response(r);
	pd_metrics_request(c->ri.route, 429, since(&c->t0));
	pd_resp_free(&rs);
	return ret;
}

/* The first call for a request: its headers are in, its body is not. */
static enum MHD_Result
on_headers(struct http *h, struct MHD_Connection *mc, const char *url,
    const char *method, struct conn *c)
{
	const char *cl;
	int rc;

	if (strlen(url) > h->d->cfg.url_max)
		return respond_error(mc, c, 414, "url_too_long");
	pd_route_lookup(h->d, method, url, &c->ri);
	if (c->ri.route == PD_R_UNKNOWN)
		return respond_error(mc, c, 404, "no_such_route");
	/* before authentication: by address, stricter */
	if (!c->ri.auth && c->ri.body_max > 0 &&
	    !pd_rate_allow(h->rate_unauth, addr_key(mc)))
		return too_many(mc, c);
	if (c->ri.auth) {
		rc = pd_authenticate(h->d, MHD_lookup_connection_value(mc,
		    MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
		    pd_now(), &c->dev);
		/* the database is down (PostgreSQL): retry, not re-login */
		if (rc == POUCH_E_DB)
			return respond_error(mc, c, 503, "database");
		/* an expired token says so: log in again */
		if (rc != POUCH_OK)
			return respond_error(mc, c, rc == POUCH_E_FORBIDDEN ?
			    403 : 401, rc == POUCH_E_FORBIDDEN ? "forbidden" :
			    rc == POUCH_E_EXPIRED ? "token_expired" :
			    "unauthenticated");
		c->authed = 1;
		if (!pd_rate_allow(h->rate_auth, (uint64_t)c->dev.id))
			return too_many(mc, c);
	}
	cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && (strlen(cl) > 12 ||
	    strtoull(cl, NULL, 10) > c->ri.body_max))
		return respond_error(mc, c, 413, "body_too_large");
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *mc, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct http *h = cls;
	struct conn *c = *con_cls;

	(void)version;
	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		c->d = h->d;
		clock_gettime(CLOCK_MONOTONIC, &c->t0);
		*con_cls = c;
		atomic_fetch_add(&h->inflight, 1);
		return on_headers(h, mc, url, method, c);
	}
	if (*upload_size > 0) {
		if (c->too_large || *upload_size > c->ri.body_max - c->len) {
			c->too_large = 1;	/* drain, answer at the end */
		} else {
			if (c->len + *upload_size > c->cap) {
				size_t cap = c->cap ? c->cap : 4096;
				uint8_t *nb;

				while (cap < c->len + *upload_size)
					cap *= 2;
				nb = xmalloc(cap);
				if (c->len > 0)
					memcpy(nb, c->body, c->len);
				xfreezero(c->body, c->cap);
				c->body = nb;
				c->cap = cap;
			}
			memcpy(c->body + c->len, upload, *upload_size);
			c->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (c->too_large)
		return respond_error(mc, c, 413, "body_too_large");
	if (c->done) {				/* back from a worker */
		c->done = 0;
		return respond(mc, c, &c->rs);
	}
	/* complete, or resumed from a long-poll: to a worker */
	copy_in(c, mc, method, url);
	return hand_off(h, mc, c);
}

static void
on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http *h = cls;
	struct conn *c = *con_cls;
	size_t i;

	(void)mc;
	(void)toe;
	if (c == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	if (c->w != NULL) {		/* never: resumed before completion */
		struct waiter *w = c->w;

		unlink_waiter(h, w);
		free(w);
		pd_metrics_waiters(-1);
	}
	pthread_mutex_unlock(&h->mu);
	xfreezero(c->body, c->cap);
	OPENSSL_cleanse(&c->dev, sizeof(c->dev));
	pd_resp_free(&c->rs);
	free(c->method);
	free(c->url);
	free(c->ctype);
	free(c->attachments);
	free(c->q_after);
	free(c->q_wait);
	free(c->q_suite);
	for (i = 0; i < 7; i++)
		free(c->q_kt[i]);
	free(c);
	*con_cls = NULL;
	atomic_fetch_sub(&h->inflight, 1);
}

static void
on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)mc;
	(void)socket_context;
	pd_metrics_connections(toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	pd_log("warn", "http", "detail", 's', msg, NULL);
}

static int
load_tls(struct http *h, char *err, size_t errlen)
{
	const struct pd_config *cfg = &h->d->cfg;

	if ((h->cert = pd_read_file(cfg->tls_cert, 1 << 20, &h->certlen)) ==
	    NULL) {
		snprintf(err, errlen, "%s: cannot read", cfg->tls_cert);
		return POUCH_E_IO;
	}
	if ((h->key = pd_read_file(cfg->tls_key, 1 << 20, &h->keylen)) ==
	    NULL) {
		snprintf(err, errlen, "%s: cannot read", cfg->tls_key);
		return POUCH_E_IO;
	}
	return POUCH_OK;
}

int
pd_http_start(struct pouchd *d, char *err, size_t errlen)
{
	const struct pd_config *cfg = &d->cfg;
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	const union MHD_DaemonInfo *info;
	unsigned int flags;
	struct http *h;
	int rc;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, cfg->listen, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)cfg->port);
	} else if (inet_pton(AF_INET6, cfg->listen, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)cfg->port);
	} else {
		snprintf(err, errlen, "listen: not an IP address");
		return POUCH_E_MISUSE;
	}
	/* Plain HTTP only on loopback (tests, a local reverse proxy). */
	if (!cfg->tls && !pd_addr_is_loopback(cfg->listen)) {
		snprintf(err, errlen, "tls = no is allowed only on a loopback "
		    "listen address");
		return POUCH_E_MISUSE;
	}
	h = xcalloc(1, sizeof(*h));
	h->d = d;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	d->http = h;
	d->wake = wake;
	h->rate_unauth = pd_rate_new(cfg->rate_unauth, cfg->rate_unauth_burst);
	h->rate_auth = pd_rate_new(cfg->rate_auth, cfg->rate_auth_burst);
	pthread_mutex_init(&h->jmu, NULL);
	pthread_cond_init(&h->jcv, NULL);
	h->workers = xcalloc((size_t)cfg->workers, sizeof(*h->workers));
	for (h->nworkers = 0; h->nworkers < cfg->workers; h->nworkers++)
		if (pthread_create(&h->workers[h->nworkers], NULL, worker_main,
		    h) != 0) {
			snprintf(err, errlen, "cannot start worker threads");
			return POUCH_E_IO;
		}
	if (cfg->tls && (rc = load_tls(h, err, errlen)) != POUCH_OK)
		return rc;
	flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cfg->tls)
		flags |= MHD_USE_TLS;
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->connection_limit,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)cfg->connection_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->header_memory,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
	    /* without TLS the list ends here */
	    cfg->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
	    (const char *)h->cert,
	    MHD_OPTION_HTTPS_MEM_KEY, (const char *)h->key,
	    MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
	    MHD_OPTION_END);
	if (h->mhd == NULL) {
		snprintf(err, errlen, "cannot listen on %s port %d",
		    cfg->listen, cfg->port);
		return POUCH_E_IO;
	}
	if (pthread_create(&h->timer, NULL, timer_main, h) != 0) {
		snprintf(err, errlen, "cannot start the timer thread");
		return POUCH_E_IO;
	}
	h->timer_started = 1;
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
	d->port = info != NULL ? info->port : (uint16_t)cfg->port;
	return POUCH_OK;
}

void
pd_http_stop(struct pouchd *d, int drain_seconds)
{
	struct http *h = d->http;
	struct timespec t0;

	if (h == NULL)
		return;
	if (h->mhd != NULL) {
		/* stop accepting; answer every parked sync; let requests
		 * in flight finish, up to drain_seconds */
		MHD_socket s = MHD_quiesce_daemon(h->mhd);

		if (s != MHD_INVALID_SOCKET)
			close(s);
	}
	pthread_mutex_lock(&h->mu);
	h->stopping = 1;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	if (h->timer_started)
		pthread_join(h->timer, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (atomic_load(&h->inflight) > 0 && since(&t0) < drain_seconds) {
		struct timespec ms = { 0, 20 * 1000 * 1000 };

		nanosleep(&ms, NULL);
	}
	/* the store's listener thread (PostgreSQL) may be inside wake:
	 * from here on it neither is nor will be */
	pthread_mutex_lock(&d->wake_mu);
	__atomic_store_n(&d->wake, NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&d->wake_mu);
	if (h->mhd != NULL)
		MHD_stop_daemon(h->mhd);
	pthread_mutex_lock(&h->jmu);
	h->jstop = 1;
	pthread_cond_broadcast(&h->jcv);
	pthread_mutex_unlock(&h->jmu);
	while (h->nworkers > 0)
		pthread_join(h->workers[--h->nworkers], NULL);
	free(h->workers);
	pthread_cond_destroy(&h->jcv);
	pthread_mutex_destroy(&h->jmu);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	xfreezero(h->key, h->keylen);
	free(h->cert);
	pd_rate_free(h->rate_unauth);
	pd_rate_free(h->rate_auth);
	free(h);
	d->http = NULL;
}
