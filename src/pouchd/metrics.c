/*
 * metrics.c - counters and histograms for GET /metrics, in the
 * Prometheus text exposition format: requests by route and status class,
 * request latency histograms by route, open connections, sync waiters.
 * Lock-free: relaxed atomics, read without a global snapshot.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pouchd/pouchd.h"

static const double buckets[] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
	10, 30, 60
};
#define NBUCKETS	(sizeof(buckets) / sizeof(buckets[0]))

static const char *const route_names[PD_R_COUNT] = {
	"unknown", "healthz", "metrics", "info", "enrol", "auth_challenge",
	"auth_token", "kp_upload", "kp_count", "kp_claim", "group_create",
	"message", "sync", "sync_ack", "attachment_put", "attachment_get",
	"kt"
};

static atomic_uint_fast64_t requests[PD_R_COUNT][6];	/* 0xx..5xx */
static atomic_uint_fast64_t hist[PD_R_COUNT][NBUCKETS + 1];
static atomic_uint_fast64_t sum_us[PD_R_COUNT];
static atomic_int connections;
static atomic_int waiters;

const char *
pd_route_name(enum pd_route r)
{
	return (unsigned)r < PD_R_COUNT ? route_names[r] : "unknown";
}

void
pd_metrics_request(enum pd_route r, int status, double seconds)
{
	size_t b;
	int cls = status / 100;

	if ((unsigned)r >= PD_R_COUNT)
		r = PD_R_UNKNOWN;
	if (cls < 0 || cls > 5)
		cls = 0;
	atomic_fetch_add_explicit(&requests[r][cls], 1, memory_order_relaxed);
	for (b = 0; b < NBUCKETS && seconds > buckets[b]; b++)
		;
	atomic_fetch_add_explicit(&hist[r][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sum_us[r], (uint64_t)(seconds * 1e6),
	    memory_order_relaxed);
}

void
pd_metrics_connections(int delta)
{
	atomic_fetch_add(&connections, delta);
}

void
pd_metrics_waiters(int delta)
{
	atomic_fetch_add(&waiters, delta);
}

struct out {
	char	*p;
	size_t	 len, cap;
};

static void
put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		o->cap = o->cap * 2 + (size_t)n;
		o->p = xrealloc(o->p, o->cap);
	}
}

char *
pd_metrics_render(size_t *len)
{
	struct out o = { xmalloc(4096), 0, 4096 };
	uint64_t cum;
	size_t r, b;
	int c;

	put(&o, "# HELP pouchd_requests_total HTTP requests by route and "
	    "status class.\n# TYPE pouchd_requests_total counter\n");
	for (r = 0; r < PD_R_COUNT; r++)
		for (c = 1; c <= 5; c++) {
			uint64_t v = atomic_load(&requests[r][c]);

			if (v != 0)
				put(&o, "pouchd_requests_total{route=\"%s\","
				    "code=\"%dxx\"} %llu\n", route_names[r],
				    c, (unsigned long long)v);
		}
	put(&o, "# HELP pouchd_request_seconds Request latency by route.\n"
	    "# TYPE pouchd_request_seconds histogram\n");
	for (r = 0; r < PD_R_COUNT; r++) {
		cum = 0;
		for (b = 0; b <= NBUCKETS; b++) {
			cum += atomic_load(&hist[r][b]);
			if (b < NBUCKETS)
				put(&o, "pouchd_request_seconds_bucket{route="
				    "\"%s\",le=\"%g\"} %llu\n", route_names[r],
				    buckets[b], (unsigned long long)cum);
			else
				put(&o, "pouchd_request_seconds_bucket{route="
				    "\"%s\",le=\"+Inf\"} %llu\n",
				    route_names[r], (unsigned long long)cum);
		}
		put(&o, "pouchd_request_seconds_sum{route=\"%s\"} %.6f\n",
		    route_names[r], (double)atomic_load(&sum_us[r]) / 1e6);
		put(&o, "pouchd_request_seconds_count{route=\"%s\"} %llu\n",
		    route_names[r], (unsigned long long)cum);
	}
	put(&o, "# HELP pouchd_open_connections Open HTTP connections.\n"
	    "# TYPE pouchd_open_connections gauge\n"
	    "pouchd_open_connections %d\n", atomic_load(&connections));
	put(&o, "# HELP pouchd_sync_waiters Long-poll syncs waiting.\n"
	    "# TYPE pouchd_sync_waiters gauge\n"
	    "pouchd_sync_waiters %d\n", atomic_load(&waiters));
	*len = o.len;
	return o.p;
}
