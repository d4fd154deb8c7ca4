/*
 * bench_pouchd.c - durable delivery throughput of pouchd (issue 7 goal:
 * >= 2,000 acked msg/s with p99 <= 50 ms).  A real pouchd on 127.0.0.1
 * over TLS 1.3; CLIENTS client threads, each a device of its own in a
 * group of GROUP devices, post 1 KiB application messages back to back
 * on a kept-alive connection for SECONDS; every 201 is a message durably
 * queued for the 9 other members.  Then the same rows (one message, nine
 * queue entries) go into a bare SQLite database with the same settings
 * (WAL, synchronous=FULL) in batches of 64 messages a transaction, for
 * the ratio.  Environment: BENCH_SECONDS (default 5), BENCH_CLIENTS (20).
 *
 *   bench pouchd_acked: N msg/s
 *   bench pouchd_ack_p50 / pouchd_ack_p99: N ms
 *   bench sqlite_batched: N msg/s
 *   ratio pouchd_acked vs sqlite_batched: X
 *
 * First, on the quiet server, the wake-up latency (goal: 200 ms p99): a
 * device waits in GET /v1/sync?wait=10 on a kept-alive connection, a
 * member of its group posts one message, and the time from the start of
 * that POST to the waiting device holding the message is taken,
 * BENCH_PUSH times (default 300, at least 200):
 *
 *   bench pouchd_push_p50 / pouchd_push_p99: N ms
 */
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "bench.h"
#include "e2e/e2e.h"

#define GROUP		10
#define MSG_BYTES	1024
#define LAT_MAX		(1 << 20)

static struct server srv;

struct client {
	struct device	 dev;
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
	    srv.port);
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", c->dev.token);
	h = curl_slist_append(h, hdr);
	h = curl_slist_append(h, "Content-Type: message/mls");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(cu, CURLOPT_PINNEDPUBLICKEY, srv.pin);
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

/* A group of GROUP enrolled devices: c[0] creates it and adds the rest. */
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
		if (e2e_enrol_login(&srv, &c[i].dev) != 0) {
			fprintf(stderr, "bench: enrolment failed\n");
			exit(1);
		}
		snprintf(c[i].gid, sizeof(c[i].gid), "bench-%d", g);
	}
	g64 = e2e_b64((const uint8_t *)c[0].gid, strlen(c[0].gid));
	if (e2e_json(&srv, "POST", "/v1/groups", c[0].dev.token,
	    json_pack("{s:s,s:i}", "group_id", g64, "cipher_suite", 1),
	    NULL) != 201)
		exit(1);
	free(g64);
	for (i = 1; i < GROUP; i++) {
		e2e_key_package(&c[i].dev, (uint32_t)(g * 100 + i), &kps[i]);
		g64 = e2e_b64(kps[i].p, kps[i].n);
		if (e2e_json(&srv, "POST", "/v1/keypackages", c[i].dev.token,
		    json_pack("{s:[s]}", "key_packages", g64), NULL) != 201 ||
		    e2e_json(&srv, "POST", "/v1/keypackages/claim",
		    c[0].dev.token, json_pack("{s:s}", "user", c[i].dev.user),
		    &r) != 200)
			exit(1);
		json_decref(r);
		free(g64);
	}
	e2e_commit(c[0].gid, 0, 0, kps + 1, GROUP - 1, NULL, 0, &commit);
	if (e2e_http(&srv, "POST", "/v1/messages", c[0].dev.token,
	    "message/mls", commit.p, commit.n, NULL) != 201) {
		fprintf(stderr, "bench: group commit refused\n");
		exit(1);
	}
	e2e_buf_free(&commit);
	for (i = 1; i < GROUP; i++)
		e2e_buf_free(&kps[i]);
}

static double
run_pouchd(int nclients, double seconds)
{
	struct client *c = calloc((size_t)nclients, sizeof(*c));
	pthread_t *th = calloc((size_t)nclients, sizeof(*th));
	double *all, t0, elapsed;
	size_t total = 0, errors = 0, k = 0;
	int i;

	if (c == NULL || th == NULL)
		exit(1);
	for (i = 0; i + GROUP <= nclients; i += GROUP)
		make_group(c + i, i / GROUP);
	nclients = i;
	for (i = 0; i < nclients; i++) {
		c[i].seconds = seconds;
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
	printf("bench pouchd_acked: %.0f msg/s\n", (double)total / elapsed);
	printf("bench pouchd_ack_p50: %.2f ms\n",
	    total ? all[total / 2] * 1e3 : 0);
	printf("bench pouchd_ack_p99: %.2f ms\n",
	    total ? all[total * 99 / 100] * 1e3 : 0);
	printf("bench pouchd_clients: %d (groups of %d, %zu errors)\n",
	    nclients, GROUP, errors);
	free(all);
	free(c);
	free(th);
	return (double)total / elapsed;
}

/* ---- wake-up latency ------------------------------------------------ */

struct push {
	struct client	*rx;		/* the waiting device */
	int		 n;
	atomic_int	 parked;	/* round whose GET is on its way */
	atomic_int	 done;		/* rounds answered */
	double		*got;		/* when round i's answer came */
	int		 misses;
};

/* A kept-alive HTTPS handle for path with d's token. */
static CURL *
handle(const struct device *d, struct curl_slist **h)
{
	char hdr[128];
	CURL *cu;

	if ((cu = curl_easy_init()) == NULL)
		exit(1);
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", d->token);
	*h = curl_slist_append(NULL, hdr);
	*h = curl_slist_append(*h, "Expect:");
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(cu, CURLOPT_PINNEDPUBLICKEY, srv.pin);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, *h);
	return cu;
}

static size_t
keep(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if ((b->p = realloc(b->p, b->n + size * n + 1)) == NULL)
		exit(1);
	memcpy(b->p + b->n, p, size * n);
	b->n += size * n;
	b->p[b->n] = '\0';
	return size * n;
}

static void *
push_rx(void *arg)
{
	struct push *p = arg;
	struct curl_slist *h;
	struct buf out = { 0 };
	char url[128];
	int64_t after = 0;
	json_t *r;
	long st;
	int i;
	CURL *cu = handle(&p->rx->dev, &h);

	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &out);
	for (i = 0; i < p->n; i++) {
		snprintf(url, sizeof(url), "https://127.0.0.1:%d/v1/sync?"
		    "after=%lld&wait=10", srv.port, (long long)after);
		curl_easy_setopt(cu, CURLOPT_URL, url);
		atomic_store(&p->parked, i + 1);
		st = 0;
		if (curl_easy_perform(cu) == CURLE_OK)
			curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &st);
		p->got[i] = bench_now();
		r = st == 200 ? json_loadb((const char *)out.p, out.n, 0,
		    NULL) : NULL;
		if (r == NULL || json_array_size(json_object_get(r,
		    "messages")) == 0)
			p->misses++;
		else
			after = json_integer_value(json_object_get(r,
			    "cursor"));
		json_decref(r);
		e2e_buf_free(&out);
		atomic_store(&p->done, i + 1);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(cu);
	return NULL;
}

static void
run_push(int n)
{
	struct client c[GROUP];
	struct push p;
	struct curl_slist *h;
	struct buf m;
	double *sent, *lat;
	struct timespec settle = { 0, 30 * 1000 * 1000 };
	char url[128];
	pthread_t th;
	long st;
	int i;
	CURL *cu;

	memset(c, 0, sizeof(c));
	make_group(c, 999);
	memset(&p, 0, sizeof(p));
	p.rx = &c[1];
	p.n = n;
	if ((p.got = calloc((size_t)n, sizeof(double))) == NULL ||
	    (sent = calloc((size_t)n, sizeof(double))) == NULL ||
	    (lat = calloc((size_t)n, sizeof(double))) == NULL)
		exit(1);
	e2e_app(c[0].gid, 1, "wake up", &m);
	cu = handle(&c[0].dev, &h);
	h = curl_slist_append(h, "Content-Type: message/mls");
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, h);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/v1/messages",
	    srv.port);
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDS, m.p);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)m.n);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, sink);
	if (pthread_create(&th, NULL, push_rx, &p) != 0)
		exit(1);
	for (i = 0; i < n; i++) {
		/* the GET of round i is parked at the server */
		while (atomic_load(&p.parked) < i + 1)
			nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
		nanosleep(&settle, NULL);
		sent[i] = bench_now();
		st = 0;
		if (curl_easy_perform(cu) == CURLE_OK)
			curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &st);
		if (st != 201)
			p.misses++;
		while (atomic_load(&p.done) < i + 1)
			nanosleep(&(struct timespec){ 0, 100 * 1000 }, NULL);
		lat[i] = p.got[i] - sent[i];
	}
	pthread_join(th, NULL);
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	printf("bench pouchd_push_p50: %.2f ms\n", lat[n / 2] * 1e3);
	printf("bench pouchd_push_p99: %.2f ms\n", lat[n * 99 / 100] * 1e3);
	printf("bench pouchd_push_rounds: %d (%d misses)\n", n, p.misses);
	curl_slist_free_all(h);
	curl_easy_cleanup(cu);
	e2e_buf_free(&m);
	free(p.got);
	free(sent);
	free(lat);
}

/* The same rows with the same durability, 64 messages a transaction. */
static double
run_sqlite(const char *dir, double seconds)
{
	char path[256], body[MSG_BYTES];
	sqlite3 *db;
	sqlite3_stmt *im, *iq;
	double t0, elapsed;
	long n = 0;
	int i, j;

	snprintf(path, sizeof(path), "%s/bare.db", dir);
	memset(body, 'x', sizeof(body));
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous="
	    "FULL; CREATE TABLE messages (id INTEGER PRIMARY KEY "
	    "AUTOINCREMENT, body BLOB); CREATE TABLE queue (cursor INTEGER "
	    "PRIMARY KEY AUTOINCREMENT, device_id INTEGER, message_id "
	    "INTEGER); CREATE INDEX q ON queue(device_id, cursor);", NULL,
	    NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO messages (body) VALUES (?)",
	    -1, &im, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO queue (device_id, message_id) "
	    "VALUES (?, ?)", -1, &iq, NULL) != SQLITE_OK)
		exit(1);
	t0 = bench_now();
	do {
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		for (i = 0; i < 64; i++, n++) {
			sqlite3_bind_blob(im, 1, body, sizeof(body),
			    SQLITE_STATIC);
			if (sqlite3_step(im) != SQLITE_DONE)
				exit(1);
			sqlite3_reset(im);
			for (j = 0; j < GROUP - 1; j++) {
				sqlite3_bind_int(iq, 1, j);
				sqlite3_bind_int64(iq, 2,
				    sqlite3_last_insert_rowid(db));
				if (sqlite3_step(iq) != SQLITE_DONE)
					exit(1);
				sqlite3_reset(iq);
			}
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			exit(1);
		elapsed = bench_now() - t0;
	} while (elapsed < seconds);
	sqlite3_finalize(im);
	sqlite3_finalize(iq);
	sqlite3_close(db);
	printf("bench sqlite_batched: %.0f msg/s\n", (double)n / elapsed);
	return (double)n / elapsed;
}

int
main(void)
{
	const char *e;
	double seconds = 5, a, b;
	int clients = 20, push = 300;

	if ((e = getenv("BENCH_SECONDS")) != NULL && strtod(e, NULL) > 0)
		seconds = strtod(e, NULL);
	if ((e = getenv("BENCH_CLIENTS")) != NULL &&
	    strtol(e, NULL, 10) >= GROUP && strtol(e, NULL, 10) <= 1000)
		clients = (int)strtol(e, NULL, 10);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (e2e_start(&srv, "rate_unauth = 0\nrate_auth = 0\n"
	    "kp_stored_max = 100000") != 0) {
		fprintf(stderr, "bench: cannot start pouchd\n");
		return 1;
	}
	if ((e = getenv("BENCH_PUSH")) != NULL &&
	    strtol(e, NULL, 10) >= 200 && strtol(e, NULL, 10) <= 100000)
		push = (int)strtol(e, NULL, 10);
	run_push(push);
	a = run_pouchd(clients, seconds);
	b = run_sqlite(srv.dir, seconds);
	bench_ratio("pouchd_acked", a, "sqlite_batched", b);
	if (e2e_stop(&srv) != 0)
		return 1;
	curl_global_cleanup();
	pouch_crypto_free(e2e_crypto);
	return 0;
}
