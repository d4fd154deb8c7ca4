/*
 * test_pg_nodes.c - three real pouchd nodes on 127.0.0.1 sharing one
 * PostgreSQL database (the CTest fixture's throw-away cluster):
 * clients spread over the nodes; the commit race (8 clients, 50 rounds,
 * exactly one commit per epoch whichever node got it); a long-poll on
 * one node woken by a post through another; and the crash test: load
 * through two nodes while one is SIGKILLed and restarted at random
 * moments and the database is stopped with `pg_ctl stop -m immediate`
 * and restarted once, then a checker proves that no acknowledged message
 * is lost, none is shown twice and every member sees the same order.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "e2e/e2e.h"

#ifndef POUCH_PG_SCRIPT
#error "POUCH_PG_SCRIPT: scripts/pg-test-cluster.sh"
#endif

#define NODES		3
#define RACERS		8
#define ROUNDS		50
#define MEMBERS		4
#define CRASH_SECONDS	40
#define MAXSEQ		4000

static struct server node[NODES];
static char cluster_dir[256];

static int
group_setup(void **state)
{
	const char *file = getenv("POUCH_TEST_PG_FILE");
	char ci[512], dirfile[600], extra[1400], cmd[1400];
	FILE *f;
	int i;

	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (file == NULL || (f = fopen(file, "r")) == NULL) {
		fprintf(stderr, "no PostgreSQL: POUCH_TEST_PG_FILE\n");
		return -1;
	}
	if (fgets(ci, sizeof(ci), f) == NULL)
		ci[0] = '\0';
	fclose(f);
	ci[strcspn(ci, "\n")] = '\0';
	snprintf(dirfile, sizeof(dirfile), "%s.dir", file);
	if ((f = fopen(dirfile, "r")) == NULL)
		return -1;
	if (fgets(cluster_dir, sizeof(cluster_dir), f) == NULL)
		cluster_dir[0] = '\0';
	fclose(f);
	cluster_dir[strcspn(cluster_dir, "\n")] = '\0';
	snprintf(cmd, sizeof(cmd), "/usr/lib/postgresql/15/bin/createdb "
	    "--maintenance-db='%s' pouch_nodes_%ld", ci, (long)getpid());
	if (ci[0] == '\0' || system(cmd) != 0)
		return -1;
	snprintf(extra, sizeof(extra), "storage = postgresql\n"
	    "pg_conninfo = %s dbname=pouch_nodes_%ld\n"
	    "sync_wait_max = 30\nrate_unauth = 10000\n"
	    "rate_unauth_burst = 10000\nrate_auth = 100000\n"
	    "rate_auth_burst = 100000\nsync_batch_max = 500", ci,
	    (long)getpid());
	for (i = 0; i < NODES; i++)
		if (e2e_start(&node[i], extra) != 0)
			return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	int i, rc = 0;

	(void)state;
	for (i = 0; i < NODES; i++)
		if (e2e_stop(&node[i]) != 0)
			rc = -1;
	curl_global_cleanup();
	pouch_crypto_free(e2e_crypto);
	return rc;
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long
post_mls(struct server *s, struct device *d, const struct buf *m,
    json_t **reply)
{
	struct buf out = { 0 };
	long st;

	st = e2e_http(s, "POST", "/v1/messages", d->token, "message/mls",
	    m->p, m->n, &out);
	if (reply != NULL)
		*reply = out.p != NULL ? json_loadb((const char *)out.p, out.n,
		    0, NULL) : NULL;
	e2e_buf_free(&out);
	return st;
}

static void
upload_kp(struct server *s, struct device *d, uint32_t nonce)
{
	json_t *arr = json_array(), *r = NULL;
	struct buf kp;
	char *b;

	e2e_key_package(d, nonce, &kp);
	b = e2e_b64(kp.p, kp.n);
	json_array_append_new(arr, json_string(b));
	free(b);
	e2e_buf_free(&kp);
	assert_int_equal(e2e_json(s, "POST", "/v1/keypackages", d->token,
	    json_pack("{s:o}", "key_packages", arr), &r), 201);
	json_decref(r);
}

/*
 * A group gid of n devices, device i enrolled on node i % NODES; the
 * creator adds the others in one commit (epoch 1 afterwards).
 */
static void
make_group(const char *gid, struct device *dev, int n, uint32_t nonce)
{
	struct buf kps[RACERS], commit;
	json_t *c = NULL;
	char name[48], *g64;
	const char *s;
	int i;

	assert_true(n <= RACERS);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s-%d", gid, i);
		e2e_device_new(&dev[i], name, NULL);
		assert_int_equal(e2e_enrol_login(&node[i % NODES], &dev[i]),
		    0);
		if (i > 0)
			upload_kp(&node[i % NODES], &dev[i], nonce + (uint32_t)i);
	}
	g64 = e2e_b64((const uint8_t *)gid, strlen(gid));
	assert_int_equal(e2e_json(&node[0], "POST", "/v1/groups",
	    dev[0].token, json_pack("{s:s,s:i}", "group_id", g64,
	    "cipher_suite", 1), NULL), 201);
	free(g64);
	for (i = 1; i < n; i++) {
		/* claims through another node than the upload */
		assert_int_equal(e2e_json(&node[(i + 1) % NODES], "POST",
		    "/v1/keypackages/claim", dev[0].token, json_pack("{s:s}",
		    "user", dev[i].user), &c), 200);
		s = json_string_value(json_object_get(json_array_get(
		    json_object_get(c, "key_packages"), 0), "key_package"));
		assert_non_null(s);
		kps[i].p = malloc(strlen(s));
		assert_non_null(kps[i].p);
		assert_int_equal(e2e_unb64(s, kps[i].p, strlen(s), &kps[i].n),
		    0);
		json_decref(c);
	}
	e2e_commit(gid, 0, 0, kps + 1, (size_t)n - 1, NULL, 0, &commit);
	assert_int_equal(post_mls(&node[1], &dev[0], &commit, NULL), 201);
	e2e_buf_free(&commit);
	for (i = 1; i < n; i++)
		e2e_buf_free(&kps[i]);
}

/* ---- commit race over three nodes ---- */

struct racer {
	struct device		 dev;
	struct server		*srv;
	uint32_t		 leaf;
	pthread_barrier_t	*bar;
	int			 won, lost, other;
};

static void *
racer_main(void *arg)
{
	struct racer *r = arg;
	struct buf m;
	json_t *reply;
	int round;
	long st;

	for (round = 0; round < ROUNDS; round++) {
		e2e_commit("g-nodes-race", (uint64_t)round + 1, r->leaf, NULL,
		    0, NULL, 0, &m);
		pthread_barrier_wait(r->bar);
		reply = NULL;
		st = post_mls(r->srv, &r->dev, &m, &reply);
		if (st == 201)
			r->won++;
		else if (st == 409 && json_integer_value(json_object_get(
		    reply, "epoch")) == round + 2)
			r->lost++;
		else
			r->other++;
		json_decref(reply);
		e2e_buf_free(&m);
		pthread_barrier_wait(r->bar);
	}
	return NULL;
}

static void
test_commit_race(void **state)
{
	static struct racer r[RACERS];
	struct device dev[RACERS];
	pthread_barrier_t bar;
	pthread_t th[RACERS];
	int i, won = 0, lost = 0, other = 0;

	(void)state;
	make_group("g-nodes-race", dev, RACERS, 100);
	assert_int_equal(pthread_barrier_init(&bar, NULL, RACERS), 0);
	for (i = 0; i < RACERS; i++) {
		r[i].dev = dev[i];
		r[i].srv = &node[i % NODES];	/* spread over the nodes */
		r[i].leaf = (uint32_t)i;
		r[i].bar = &bar;
		r[i].won = r[i].lost = r[i].other = 0;
	}
	for (i = 0; i < RACERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, racer_main,
		    &r[i]), 0);
	for (i = 0; i < RACERS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		won += r[i].won;
		lost += r[i].lost;
		other += r[i].other;
	}
	pthread_barrier_destroy(&bar);
	print_message("commit race over %d nodes: %d won, %d lost, %d "
	    "other\n", NODES, won, lost, other);
	assert_int_equal(other, 0);
	assert_int_equal(won, ROUNDS);
	assert_int_equal(lost, ROUNDS * (RACERS - 1));
}

/* ---- a long-poll on one node, woken by a post through another ---- */

struct poll {
	struct server	*srv;
	struct device	*dev;
	int64_t		 after;
	size_t		 got;
	int64_t		 cursor;
	double		 done;
};

static void *
poller(void *arg)
{
	struct poll *p = arg;
	char path[96];
	json_t *r = NULL;

	snprintf(path, sizeof(path), "/v1/sync?after=%lld&wait=20",
	    (long long)p->after);
	if (e2e_json(p->srv, "GET", path, p->dev->token, NULL, &r) == 200) {
		p->got = json_array_size(json_object_get(r, "messages"));
		p->cursor = (int64_t)json_integer_value(json_object_get(r,
		    "cursor"));
	}
	p->done = now_s();
	json_decref(r);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
test_cross_node_wakeup(void **state)
{
	struct device dev[3];
	struct timespec park = { 0, 200 * 1000 * 1000 };
	double lat[30], same[10], t0;
	struct poll p;
	struct buf m;
	pthread_t th;
	int64_t cursor = 0;
	int i;

	(void)state;
	make_group("g-nodes-wake", dev, 3, 200);
	/* drain dev[2]'s queue (its commit) */
	p = (struct poll){ &node[2], &dev[2], 0, 0, 0, 0 };
	poller(&p);
	cursor = p.cursor;
	for (i = 0; i < 30; i++) {
		/* waiter on node (i + 2) % 3, poster on node i % 3; the time
		 * from sending the post to the waiter's answer */
		p = (struct poll){ &node[(i + 2) % NODES], &dev[2], cursor, 0,
		    0, 0 };
		assert_int_equal(pthread_create(&th, NULL, poller, &p), 0);
		nanosleep(&park, NULL);
		e2e_app("g-nodes-wake", 1, "wake", &m);
		t0 = now_s();
		assert_int_equal(post_mls(&node[i % NODES], &dev[1], &m,
		    NULL), 201);
		e2e_buf_free(&m);
		assert_int_equal(pthread_join(th, NULL), 0);
		assert_int_equal(p.got, 1);
		cursor = p.cursor;
		lat[i] = p.done - t0;
	}
	qsort(lat, 30, sizeof(lat[0]), cmp_double);
	print_message("cross-node wake-up: p50 %.1f ms, max %.1f ms\n",
	    lat[15] * 1e3, lat[29] * 1e3);
	/* the same through one node, for comparison (HTTP, TLS, commit) */
	for (i = 0; i < 10; i++) {
		p = (struct poll){ &node[0], &dev[2], cursor, 0, 0, 0 };
		assert_int_equal(pthread_create(&th, NULL, poller, &p), 0);
		nanosleep(&park, NULL);
		e2e_app("g-nodes-wake", 1, "wake", &m);
		t0 = now_s();
		assert_int_equal(post_mls(&node[0], &dev[1], &m, NULL), 201);
		e2e_buf_free(&m);
		assert_int_equal(pthread_join(th, NULL), 0);
		assert_int_equal(p.got, 1);
		cursor = p.cursor;
		same[i] = p.done - t0;
	}
	qsort(same, 10, sizeof(same[0]), cmp_double);
	print_message("same-node wake-up: p50 %.1f ms, max %.1f ms\n",
	    same[5] * 1e3, same[9] * 1e3);
	/* woken by NOTIFY, not by the 20 s deadline */
	assert_true(lat[29] < 1.0);
}

/* ---- crash test ---- */

struct sender {
	struct device	*dev;
	int		 idx;
	int		 acked[MAXSEQ];
	int		 sent;
	int		 nacked;
	int		 failed;
	volatile int	*stop;
};

static void *
sender_main(void *arg)
{
	struct sender *s = arg;
	char text[32];
	struct buf m;
	long st;
	int seq;

	for (seq = 0; seq < MAXSEQ && !*s->stop; seq++) {
		snprintf(text, sizeof(text), "<m%d:%05d>", s->idx, seq);
		e2e_app("g-nodes-crash", 1, text, &m);
		/* node 0 or 1 (node 1 is the one that gets killed) */
		st = post_mls(&node[(seq + s->idx) % 2], s->dev, &m, NULL);
		e2e_buf_free(&m);
		s->sent = seq + 1;
		if (st == 201) {
			s->acked[seq] = 1;
			s->nacked++;
		} else
			s->failed++;	/* not acknowledged: may or may not
					 * be delivered, never resent */
	}
	return NULL;
}

static void
crash_db(const char *what)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s %s %s", POUCH_PG_SCRIPT, what,
	    cluster_dir);
	assert_int_equal(system(cmd), 0);
}

/* "<mS:NNNNN>" -> S, N: 0, or -1. */
static int
parse_marker(const char *p, int *sidx, int *seq)
{
	char *end;

	*seq = -1;
	*sidx = (int)strtol(p + 2, &end, 10);
	if (*end != ':')
		return -1;
	*seq = (int)strtol(end + 1, &end, 10);
	return *end == '>' ? 0 : -1;
}

/* Everything queued for d, in cursor order: sender/seq pairs. */
static int
drain(struct device *d, int (*got)[2], int cap)
{
	char path[96];
	json_t *r, *arr, *it;
	int64_t after = 0;
	uint8_t body[4096];
	const char *p, *b64;
	size_t i, n, k2;
	int k = 0, tries = 0, sidx, seq;
	long st;

	for (;;) {
		snprintf(path, sizeof(path), "/v1/sync?after=%lld&wait=0",
		    (long long)after);
		r = NULL;
		st = e2e_json(&node[0], "GET", path, d->token, NULL, &r);
		if (st != 200) {
			json_decref(r);
			assert_true(++tries < 50);
			usleep(200000);
			continue;
		}
		arr = json_object_get(r, "messages");
		if (json_array_size(arr) == 0) {
			json_decref(r);
			return k;
		}
		for (i = 0; i < json_array_size(arr); i++) {
			it = json_array_get(arr, i);
			after = (int64_t)json_integer_value(json_object_get(it,
			    "cursor"));
			b64 = json_string_value(json_object_get(it, "data"));
			assert_non_null(b64);
			assert_int_equal(e2e_unb64(b64, body, sizeof(body) - 1,
			    &n), 0);
			body[n] = '\0';
			/* the marker sits in the stand-in ciphertext */
			for (p = NULL, k2 = 0; k2 + 1 < n && p == NULL; k2++)
				if (body[k2] == '<' && body[k2 + 1] == 'm')
					p = (const char *)body + k2;
			if (p == NULL)
				continue;	/* the group's commit */
			assert_int_equal(parse_marker(p, &sidx, &seq), 0);
			assert_true(k < cap);
			got[k][0] = sidx;
			got[k][1] = seq;
			k++;
		}
		json_decref(r);
	}
}

static void
test_crash(void **state)
{
	static struct sender snd[MEMBERS];
	static int got[MEMBERS][MEMBERS * MAXSEQ][2];
	static int pos[MEMBERS][MEMBERS][MAXSEQ];
	struct device dev[MEMBERS];
	pthread_t th[MEMBERS];
	struct buf probe;
	volatile int stop = 0;
	double t0;
	int n[MEMBERS], i, j, k, a, b, kills = 0, db_crashed = 0;
	uint32_t rnd;

	(void)state;
	rnd = (uint32_t)time(NULL) | 1;
	make_group("g-nodes-crash", dev, MEMBERS, 300);
	for (i = 0; i < MEMBERS; i++) {
		memset(&snd[i], 0, sizeof(snd[i]));
		snd[i].dev = &dev[i];
		snd[i].idx = i;
		snd[i].stop = &stop;
		assert_int_equal(pthread_create(&th[i], NULL, sender_main,
		    &snd[i]), 0);
	}
	t0 = now_s();
	while (now_s() - t0 < CRASH_SECONDS) {
		/* xorshift: a random moment in 0.5 .. 3 s */
		rnd ^= rnd << 13;
		rnd ^= rnd >> 17;
		rnd ^= rnd << 5;
		usleep((useconds_t)(500000 + rnd % 2500000));
		if (!db_crashed && now_s() - t0 > CRASH_SECONDS / 2) {
			crash_db("crash");	/* pg_ctl stop -m immediate */
			/* no database: 503, never an acknowledgement */
			e2e_app("g-nodes-crash", 1, "probe", &probe);
			assert_int_equal(post_mls(&node[0], &dev[0], &probe,
			    NULL), 503);
			usleep(1500000);
			crash_db("restart");
			db_crashed = 1;
			/* back within the reconnection backoff (5 s max) */
			for (k = 0; k < 100 && post_mls(&node[0], &dev[0],
			    &probe, NULL) != 201; k++)
				usleep(100000);
			assert_true(k < 100);
			e2e_buf_free(&probe);
			continue;
		}
		assert_int_equal(e2e_restart(&node[1], SIGKILL), 0);
		kills++;
	}
	stop = 1;
	for (i = 0; i < MEMBERS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < MEMBERS; i++)
		print_message("sender %d: %d sent, %d acked, %d failed\n", i,
		    snd[i].sent, snd[i].nacked, snd[i].failed);
	print_message("node 1 killed %d times, database crashed %d\n", kills,
	    db_crashed);
	assert_true(db_crashed);
	/* every member: all acked messages of the others, once, in order */
	memset(pos, 0xff, sizeof(pos));
	for (i = 0; i < MEMBERS; i++) {
		n[i] = drain(&dev[i], got[i], MEMBERS * MAXSEQ);
		for (k = 0; k < n[i]; k++) {
			a = got[i][k][0];
			b = got[i][k][1];
			assert_true(a >= 0 && a < MEMBERS && a != i);
			assert_true(b >= 0 && b < MAXSEQ);
			assert_int_equal(pos[i][a][b], -1);	/* not twice */
			pos[i][a][b] = k;
		}
		for (a = 0; a < MEMBERS; a++)
			for (b = 0; a != i && b < snd[a].sent; b++)
				if (snd[a].acked[b])
					assert_int_not_equal(pos[i][a][b], -1);
	}
	/* same order everywhere: for two members, the messages both got
	 * appear in the same relative order */
	for (i = 0; i < MEMBERS; i++)
		for (j = i + 1; j < MEMBERS; j++) {
			int last = -1;

			for (k = 0; k < n[i]; k++) {
				a = got[i][k][0];
				b = got[i][k][1];
				if (pos[j][a][b] < 0)
					continue;
				assert_true(pos[j][a][b] > last);
				last = pos[j][a][b];
			}
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_race),
		cmocka_unit_test(test_cross_node_wakeup),
		cmocka_unit_test(test_crash),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
