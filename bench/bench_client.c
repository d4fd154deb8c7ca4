/*
 * bench_client.c - the client engine through a real pouchd on loopback
 * (TLS, SQLite, fsync): the time from pouch_client_send() on one user's
 * device to the message being stored readable on the other's, measured
 * with the receiver long-polling in a second thread (p50, p99), and the
 * messages per second one client syncs and stores from a backlog.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pouch/client.h>
#include <pouch/err.h>

#include "bench.h"
#include "crypto/crypto.h"
#include "client/client_fixture.h"
#include "e2e/e2e.h"

#define LAT_N		200
#define BACKLOG_N	500

static struct server srv;
static char root[64];

static pouch_client *
enrol(const char *user)
{
	pouch_client *cl = NULL;

	bench_check(cfx_enrol(&srv, root, user, user, &cl), "enrol");
	return cl;
}

static void
send1(pouch_client *cl, const char *to, const char *subj)
{
	struct pouch_client_send s;
	const char *tov[1] = { to };
	int64_t id;

	memset(&s, 0, sizeof(s));
	s.to = tov;
	s.nto = 1;
	s.subject = subj;
	s.body = "A short diplomatic note of a few words.";
	s.bodylen = strlen(s.body);
	bench_check(pouch_client_send(cl, &s, &id), "send");
}

struct recv {
	pouch_client	*cl;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	size_t		 got;
	int		 stop;
};

static void *
receiver(void *arg)
{
	struct recv *r = arg;
	size_t n;
	int stop;

	for (;;) {
		pthread_mutex_lock(&r->mu);
		stop = r->stop;
		pthread_mutex_unlock(&r->mu);
		if (stop)
			break;
		bench_check(pouch_client_sync(r->cl, 1, &n), "sync");
		pthread_mutex_lock(&r->mu);
		r->got += n;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
	}
	return NULL;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(void)
{
	static double lat[LAT_N];
	pouch_client *a, *b, *c;
	struct recv r;
	pthread_t th;
	double t0, t1;
	size_t i, n, want;
	char subj[32], cmd[96];

	snprintf(root, sizeof(root), "/tmp/pouch-bench-client-XXXXXX");
	/* latency and throughput, not the per-device rate limit (100/s by
	 * default: a receiver syncing in a tight loop exceeds it, and each
	 * 429 costs a second) */
	if (mkdtemp(root) == NULL || e2e_start(&srv, "rate_auth = 100000\n"
	    "rate_auth_burst = 100000") != 0) {
		fprintf(stderr, "bench: cannot start pouchd\n");
		return 1;
	}
	a = enrol("alice");
	b = enrol("bob");
	c = enrol("carol");
	/* the conversation exists before timing starts */
	send1(a, "bob", "warm-up");
	bench_check(pouch_client_sync(b, 0, &n), "sync");

	memset(&r, 0, sizeof(r));
	r.cl = b;
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	if (pthread_create(&th, NULL, receiver, &r) != 0)
		return 1;
	for (i = 0; i < LAT_N; i++) {
		snprintf(subj, sizeof(subj), "lat %zu", i);
		pthread_mutex_lock(&r.mu);
		want = r.got + 1;
		pthread_mutex_unlock(&r.mu);
		t0 = bench_now();
		send1(a, "bob", subj);
		pthread_mutex_lock(&r.mu);
		while (r.got < want)
			pthread_cond_wait(&r.cv, &r.mu);
		pthread_mutex_unlock(&r.mu);
		lat[i] = bench_now() - t0;
	}
	pthread_mutex_lock(&r.mu);
	r.stop = 1;
	pthread_mutex_unlock(&r.mu);
	pthread_join(th, NULL);
	qsort(lat, LAT_N, sizeof(lat[0]), cmp_d);
	printf("bench client_send_to_readable_p50: %.1f ms\n",
	    lat[LAT_N / 2] * 1e3);
	printf("bench client_send_to_readable_p99: %.1f ms\n",
	    lat[LAT_N * 99 / 100] * 1e3);

	/* a backlog of BACKLOG_N for carol, synced in one go */
	for (i = 0; i < BACKLOG_N; i++) {
		snprintf(subj, sizeof(subj), "backlog %zu", i);
		send1(a, "carol", subj);
	}
	t0 = bench_now();
	bench_check(pouch_client_sync(c, 0, &n), "sync");
	t1 = bench_now();
	if (n != BACKLOG_N) {
		fprintf(stderr, "bench: synced %zu of %d\n", n, BACKLOG_N);
		return 1;
	}
	printf("bench client_sync_store: %.0f msg/s\n",
	    (double)n / (t1 - t0));

	pouch_client_free(a);
	pouch_client_free(b);
	pouch_client_free(c);
	(void)e2e_stop(&srv);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : 1;
}
