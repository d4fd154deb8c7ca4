/*
 * bench_cstore.c - the client's encrypted local store on a real file
 * (synchronous=FULL, so every commit is an fsync): messages stored per
 * second with one message per transaction and with 100, and a 10 KiB
 * secret replaced and committed per second.  Replacing a secret pays the
 * forward-secrecy checkpoint (wal_checkpoint(TRUNCATE)); inserting a new
 * one does not, and the ratio between the two is that checkpoint's cost.
 * The store lives in a temporary directory under $TMPDIR (default /tmp).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "client/cstore.h"
#include "crypto/crypto.h"

#define SECONDS	2.0

struct ctx {
	struct pouch_cstore	*s;
	struct pouch_cstore_msg	 m;
	uint8_t			 body[2048];
	uint8_t			 secret[10240];
	uint64_t		 n;
};

static void
add_msgs(struct ctx *c, int per_txn)
{
	int i;

	bench_check(pouch_cstore_begin(c->s), "begin");
	for (i = 0; i < per_txn; i++) {
		c->m.server_id = (int64_t)++c->n;
		bench_check(pouch_cstore_msg_add(c->s, &c->m, c->body,
		    sizeof(c->body), NULL), "msg_add");
	}
	bench_check(pouch_cstore_commit(c->s), "commit");
}

/* Messages per second, in transactions of per_txn. */
static double
bench_msgs(const char *name, struct ctx *c, int per_txn)
{
	double t0, el;
	uint64_t msgs = 0;

	add_msgs(c, per_txn);
	t0 = bench_now();
	do {
		add_msgs(c, per_txn);
		msgs += (uint64_t)per_txn;
		el = bench_now() - t0;
	} while (el < SECONDS);
	printf("bench %s: %.0f msg/s\n", name, (double)msgs / el);
	fflush(stdout);
	return (double)msgs / el;
}

static void
secret_replace(void *arg)
{
	struct ctx *c = arg;

	c->secret[0]++;
	bench_check(pouch_cstore_begin(c->s), "begin");
	bench_check(pouch_cstore_kv_put(c->s, "secret", c->secret,
	    sizeof(c->secret)), "kv_put");
	bench_check(pouch_cstore_commit(c->s), "commit");
}

static void
secret_insert(void *arg)
{
	struct ctx *c = arg;
	char name[32];

	snprintf(name, sizeof(name), "new/%llu",
	    (unsigned long long)++c->n);
	bench_check(pouch_cstore_begin(c->s), "begin");
	bench_check(pouch_cstore_kv_put(c->s, name, c->secret,
	    sizeof(c->secret)), "kv_put");
	bench_check(pouch_cstore_commit(c->s), "commit");
}

int
main(void)
{
	struct ctx c;
	const char *tmp = getenv("TMPDIR");
	char dir[256], path[300], cmd[320];
	uint8_t key[32];
	double rep, ins;

	memset(&c, 0, sizeof(c));
	snprintf(dir, sizeof(dir), "%s/bench-cstore-XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/client.db", dir);
	bench_check(pouch_random(key, sizeof(key)), "random");
	bench_check(pouch_random(c.body, sizeof(c.body)), "random");
	bench_check(pouch_random(c.secret, sizeof(c.secret)), "random");
	bench_check(pouch_cstore_open(path, key, &c.s), "open");
	c.m.gidlen = 16;
	memset(c.m.gid, 0x42, c.m.gidlen);
	snprintf(c.m.sender, sizeof(c.m.sender), "alice@example.org");
	c.m.time = 1700000000;

	bench_msgs("cstore_msg_add_txn1", &c, 1);
	bench_msgs("cstore_msg_add_txn100", &c, 100);
	bench_check(pouch_cstore_kv_put(c.s, "secret", c.secret,
	    sizeof(c.secret)), "kv_put");
	rep = bench_run("cstore_secret10k_replace_commit", secret_replace, &c,
	    SECONDS);
	ins = bench_run("cstore_secret10k_insert_commit", secret_insert, &c,
	    SECONDS);
	bench_ratio("cstore_secret10k_replace_commit", rep,
	    "cstore_secret10k_insert_commit", ins);

	pouch_cstore_close(c.s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
