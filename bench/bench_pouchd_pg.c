/*
 * bench_pouchd_pg.c - pouchd on PostgreSQL against pouchd on SQLite, in
 * the same run, on loopback (issue 11).  A throw-away PostgreSQL cluster
 * (scripts/pg-test-cluster.sh) is started and stopped by the program.
 * CLIENTS client threads, each a device in a group of GROUP devices,
 * post 1 KiB application messages back to back for SECONDS, spread over
 * the nodes (client i on node i % nodes); every 201 is a message durably
 * queued for the 9 other members.  Runs: SQLite (one node), PostgreSQL
 * with 1, 2 and 3 nodes on one database.  Then the cross-node wake-up:
 * a long-poll parked on node 1, a post through node 0, 200 times.
 * Environment: BENCH_SECONDS (default 5), BENCH_CLIENTS (default 20).
 *
 *   bench pouchd_sqlite_acked: N msg/s      (and _p99: N ms)
 *   bench pouchd_pg_1node_acked: N msg/s    (2node, 3node; _p99)
 *   ratio pg_2nodes vs sqlite: X
 *   bench pg_wake_p50 / pg_wake_p99: N ms
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench.h"
#include "e2e/e2e.h"

#ifndef POUCH_PG_SCRIPT
#error "POUCH_PG_SCRIPT: scripts/pg-test-cluster.sh"
#endif

#define GROUP		10
#define MSG_BYTES	1024
#define LAT_MAX		(1 << 20)
#define MAX_NODES	3
#define WAKES		200

static struct server node[MAX_NODES];
static char cluster[64];
static char conninfo[512];
static int dbn;

struct client {
	struct device	 dev;
	struct server	*srv;
	char		 gid[16];
	double		 seconds;
	double		*lat;
	size_t		 nlat;
	size_t		 errors;
};

static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static void *
client_main(void *arg)
{
	struct client *c = arg;
	struct curl_slist *h = NULL;
	char url[128], hdr[128], text[MSG_BYTES + 1];
	struct buf m;
	double t0, end;
	long st;
	CURL *cu;

	memset(text, 'x', MSG_BYTES);
	text[MSG_BYTES] = '\0';
	e2e_app(c->gid, 1, text, &m);
	if ((cu = curl_easy_init()) == NULL)
		return NULL;
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/v1/messages",
	    c->srv->port);
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", c->dev.token);
	h = curl_slist_append(h, hdr);
	h = curl_slist_append(h, "Content-Type: message/mls");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(cu, CURLOPT_PINNEDPUBLICKEY, c->srv->pin);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDS, m.p);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)m.n);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, sink);
	end = bench_now() + c->seconds;
	while ((t0 = bench_now()) < end && c->nlat < LAT_MAX) {
		st = 0;
		if (curl_easy_perform(cu) == CURLE_OK)
			curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &st);
		if (st != 201) {
			c->errors++;
			continue;
		}
		c->lat[c->nlat++] = bench_now() - t0;
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(cu);
	e2e_buf_free(&m);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A group of GROUP devices enrolled through node 0; c[0] creates it. */
static void
make_group(struct client *c, int g)
{
	struct buf kps[GROUP], commit;
	char user[32], *g64;
	json_t *r;
	int i;

	for (i = 0; i < GROUP; i++) {
		snprintf(user, sizeof(user), "b%d-%d", g, i);
		e2e_device_new(&c[i].dev, user, NULL);
		if (e2e_enrol_login(&node[0], &c[i].dev) != 0) {
			fprintf(stderr, "bench: enrolment failed\n");
			exit(1);
		}
		snprintf(c[i].gid, sizeof(c[i].gid), "bench-%d", g);
	}
	g64 = e2e_b64((const uint8_t *)c[0].gid, strlen(c[0].gid));
	if (e2e_json(&node[0], "POST", "/v1/groups", c[0].dev.token,
	    json_pack("{s:s,s:i}", "group_id", g64, "cipher_suite", 1),
	    NULL) != 201)
		exit(1);
	free(g64);
	for (i = 1; i < GROUP; i++) {
		e2e_key_package(&c[i].dev, (uint32_t)(g * 100 + i), &kps[i]);
		g64 = e2e_b64(kps[i].p, kps[i].n);
		if (e2e_json(&node[0], "POST", "/v1/keypackages",
		    c[i].dev.token, json_pack("{s:[s]}", "key_packages", g64),
		    NULL) != 201 ||
		    e2e_json(&node[0], "POST", "/v1/keypackages/claim",
		    c[0].dev.token, json_pack("{s:s}", "user", c[i].dev.user),
		    &r) != 200)
			exit(1);
		json_decref(r);
		free(g64);
	}
	e2e_commit(c[0].gid, 0, 0, kps + 1, GROUP - 1, NULL, 0, &commit);
	if (e2e_http(&node[0], "POST", "/v1/messages", c[0].dev.token,
	    "message/mls", commit.p, commit.n, NULL) != 201) {
		fprintf(stderr, "bench: group commit refused\n");
		exit(1);
	}
	e2e_buf_free(&commit);
	for (i = 1; i < GROUP; i++)
		e2e_buf_free(&kps[i]);
}

/* Start n nodes: SQLite (pg == 0) or on a fresh PostgreSQL database. */
static void
start_nodes(int n, int pg)
{
	char extra[1024], cmd[1024];
	int i;

	snprintf(extra, sizeof(extra), "rate_unauth = 0\nrate_auth = 0\n"
	    "kp_stored_max = 100000\nsync_wait_max = 60\n");
	if (pg) {
		dbn++;
		snprintf(cmd, sizeof(cmd), "/usr/lib/postgresql/15/bin/"
		    "createdb --maintenance-db='%s' bench%d", conninfo, dbn);
		if (system(cmd) != 0)
			exit(1);
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
		    "storage = postgresql\npg_conninfo = %s dbname=bench%d\n",
		    conninfo, dbn);
	}
	for (i = 0; i < n; i++)
		if (e2e_start(&node[i], extra) != 0) {
			fprintf(stderr, "bench: cannot start pouchd\n");
			exit(1);
		}
}

static void
stop_nodes(int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (e2e_stop(&node[i]) != 0)
			exit(1);
}

/* Acked msg/s through n nodes; *p99 in ms. */
static double
run(const char *name, int nodes, int nclients, double seconds, double *p99)
{
	struct client *c = calloc((size_t)nclients, sizeof(*c));
	pthread_t *th = calloc((size_t)nclients, sizeof(*th));
	double *all, t0, elapsed, rate;
	size_t total = 0, errors = 0, k = 0;
	int i;

	if (c == NULL || th == NULL)
		exit(1);
	for (i = 0; i + GROUP <= nclients; i += GROUP)
		make_group(c + i, i / GROUP);
	nclients = i;
	for (i = 0; i < nclients; i++) {
		c[i].seconds = seconds;
		c[i].srv = &node[i % nodes];
		if ((c[i].lat = malloc(LAT_MAX * sizeof(double))) == NULL)
			exit(1);
	}
	t0 = bench_now();
	for (i = 0; i < nclients; i++)
		if (pthread_create(&th[i], NULL, client_main, &c[i]) != 0)
			exit(1);
	for (i = 0; i < nclients; i++) {
		pthread_join(th[i], NULL);
		total += c[i].nlat;
		errors += c[i].errors;
	}
	elapsed = bench_now() - t0;
	if ((all = malloc((total + 1) * sizeof(double))) == NULL)
		exit(1);
	for (i = 0; i < nclients; i++) {
		memcpy(all + k, c[i].lat, c[i].nlat * sizeof(double));
		k += c[i].nlat;
		free(c[i].lat);
	}
	qsort(all, total, sizeof(double), cmp_double);
	rate = (double)total / elapsed;
	*p99 = total ? all[total * 99 / 100] * 1e3 : 0;
	printf("bench %s_acked: %.0f msg/s\n", name, rate);
	printf("bench %s_p99: %.2f ms\n", name, *p99);
	printf("bench %s_clients: %d over %d node(s) (%zu errors)\n", name,
	    nclients, nodes, errors);
	fflush(stdout);
	if (errors > 0) {
		fprintf(stderr, "bench: %zu requests failed\n", errors);
		exit(1);
	}
	free(all);
	free(c);
	free(th);
	return rate;
}

struct waiter {
	struct device	*dev;
	int64_t		 after;
	int64_t		 cursor;
	double		 done;
	size_t		 got;
};

static void *
wait_main(void *arg)
{
	struct waiter *w = arg;
	char path[96];
	json_t *r = NULL;

	snprintf(path, sizeof(path), "/v1/sync?after=%lld&wait=30",
	    (long long)w->after);
	if (e2e_json(&node[1], "GET", path, w->dev->token, NULL, &r) == 200) {
		w->got = json_array_size(json_object_get(r, "messages"));
		w->cursor = (int64_t)json_integer_value(json_object_get(r,
		    "cursor"));
	}
	w->done = bench_now();
	json_decref(r);
	return NULL;
}

/* A long-poll parked on node 1, woken by a post through node 0. */
static void
run_wake(void)
{
	static struct client c[GROUP];
	struct timespec park = { 0, 20 * 1000 * 1000 };
	struct waiter w = { 0 };
	double lat[WAKES], t0;
	struct buf m;
	pthread_t th;
	int i;

	make_group(c, 99);
	w.dev = &c[2].dev;
	wait_main(&w);			/* drain: the group's commit */
	for (i = 0; i < WAKES; i++) {
		w.after = w.cursor;
		w.got = 0;
		if (pthread_create(&th, NULL, wait_main, &w) != 0)
			exit(1);
		nanosleep(&park, NULL);
		e2e_app(c[1].gid, 1, "wake", &m);
		t0 = bench_now();
		if (e2e_http(&node[0], "POST", "/v1/messages", c[1].dev.token,
		    "message/mls", m.p, m.n, NULL) != 201)
			exit(1);
		e2e_buf_free(&m);
		pthread_join(th, NULL);
		if (w.got != 1)
			exit(1);
		lat[i] = w.done - t0;
	}
	qsort(lat, WAKES, sizeof(lat[0]), cmp_double);
	printf("bench pg_wake_p50: %.2f ms\n", lat[WAKES / 2] * 1e3);
	printf("bench pg_wake_p99: %.2f ms\n", lat[WAKES * 99 / 100] * 1e3);
	fflush(stdout);
}

/* Nothing left running, even when a run exits early. */
static void
stop_cluster(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s stop %s", POUCH_PG_SCRIPT, cluster);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: cannot stop %s\n", cluster);
}

int
main(void)
{
	char cmd[512];
	const char *e;
	double seconds = 5, sq, pg[MAX_NODES], p99;
	int clients = 20, n;
	FILE *f;

	if ((e = getenv("BENCH_SECONDS")) != NULL && strtod(e, NULL) > 0)
		seconds = strtod(e, NULL);
	if ((e = getenv("BENCH_CLIENTS")) != NULL &&
	    strtol(e, NULL, 10) >= GROUP && strtol(e, NULL, 10) <= 1000)
		clients = (int)strtol(e, NULL, 10);
	snprintf(cluster, sizeof(cluster), "/tmp/pouch-pgbench-%ld",
	    (long)getpid());
	snprintf(cmd, sizeof(cmd), "%s start %s", POUCH_PG_SCRIPT, cluster);
	if ((f = popen(cmd, "r")) == NULL ||
	    fgets(conninfo, sizeof(conninfo), f) == NULL) {
		fprintf(stderr, "bench: PostgreSQL does not start\n");
		return 1;
	}
	pclose(f);
	atexit(stop_cluster);
	conninfo[strcspn(conninfo, "\n")] = '\0';
	curl_global_init(CURL_GLOBAL_DEFAULT);

	start_nodes(1, 0);
	sq = run("pouchd_sqlite", 1, clients, seconds, &p99);
	stop_nodes(1);
	for (n = 1; n <= MAX_NODES; n++) {
		char name[32];

		snprintf(name, sizeof(name), "pouchd_pg_%dnode", n);
		start_nodes(n, 1);
		pg[n - 1] = run(name, n, clients, seconds, &p99);
		if (n == 2)
			run_wake();
		stop_nodes(n);
	}
	bench_ratio("pg_1node", pg[0], "sqlite", sq);
	bench_ratio("pg_2nodes", pg[1], "sqlite", sq);
	bench_ratio("pg_3nodes", pg[2], "sqlite", sq);

	curl_global_cleanup();
	pouch_crypto_free(e2e_crypto);
	return 0;
}
