/*
 * bench_kt.c - key transparency: the durable append rate of key events
 * through the store (SQLite, WAL, synchronous=FULL: one event per
 * operation, as pouchd appends them), proof generation and verification
 * on an in-memory tree of 10^6 leaves, and the bytes a client downloads
 * a day to monitor the log for its owner, computed from the real
 * encodings (events, signed checkpoints, JSON of the routes).
 *
 * Monitoring model: 5,000 users with 2 devices each, one key event per
 * device per week; the client polls GET /v1/kt/checkpoint every 60 s and,
 * when the tree grew, fetches the new entries and a consistency proof
 * from its last verified size.  The tree is taken one year old.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "kt/kt.h"
#include "store/store.h"

#define H		POUCH_KT_HASH_BYTES
#define NLEAVES		1000000
#define APPEND_SECONDS	2.0
#define THREADS		8

static struct pouch_crypto *c;

static void
make_event(struct pouch_kt_event *ev, unsigned i)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = POUCH_KT_DEVICE_ADDED;
	ev->timestamp = 1764000000 + i;
	ev->signer = POUCH_KT_BY_ACCOUNT;
	snprintf(ev->user, sizeof(ev->user), "user%04u", i % 5000);
	snprintf(ev->actor, sizeof(ev->actor), "%s", ev->user);
	snprintf(ev->device_name, sizeof(ev->device_name), "laptop");
	memset(ev->device_key, (int)(i & 0xff), sizeof(ev->device_key));
	memset(ev->account_key, 0xa1, sizeof(ev->account_key));
	memset(ev->sig, 0x5e, sizeof(ev->sig));
}

/* ---- durable appends ---------------------------------------------------- */

struct app {
	struct pouch_store	*st;
	unsigned		 base;
	unsigned		 n;
	double			 until;
};

static void *
appender(void *arg)
{
	struct app *a = arg;
	struct pouch_kt_event ev;
	struct pouch_store_kt_leaf l;
	uint8_t buf[POUCH_KT_EVENT_MAX];
	char name[32];
	int64_t id;

	while (bench_now() < a->until) {
		make_event(&ev, a->base + a->n);
		memset(&l, 0, sizeof(l));
		bench_check(pouch_kt_event_encode(&ev, buf, sizeof(buf),
		    &l.len), "encode");
		l.data = buf;
		bench_check(pouch_kt_leaf_hash(c, buf, l.len, l.hash), "hash");
		snprintf(name, sizeof(name), "u%u", a->base + a->n);
		pouch_store_kt_stage(&l, 1);
		bench_check(a->st->ops->user_add(a->st, name, 0, "bench", &id),
		    "user_add");
		pouch_store_kt_unstage();
		if (l.index < 0)
			bench_check(POUCH_E_DB, "leaf not appended");
		a->n++;
	}
	return NULL;
}

static void
bench_append(void)
{
	struct pouch_store_config cfg;
	struct pouch_store *st;
	struct app a[THREADS];
	pthread_t th[THREADS];
	char dir[] = "/tmp/pouch-bench-kt-XXXXXX", path[64], cmd[96];
	unsigned total;
	double t0;
	int i;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/pouchd.db", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.path = path;
	bench_check(pouch_store_open(&cfg, &st), "store open");
	/* one writer: one fsync per event */
	memset(a, 0, sizeof(a));
	t0 = bench_now();
	a[0].st = st;
	a[0].until = t0 + APPEND_SECONDS;
	(void)appender(&a[0]);
	printf("bench kt_append_durable_1thread: %.0f events/s\n",
	    a[0].n / (bench_now() - t0));
	/* concurrent writers share commits (the store's group commit) */
	t0 = bench_now();
	for (i = 0; i < THREADS; i++) {
		a[i].st = st;
		a[i].base = 1000000u * (unsigned)(i + 1);
		a[i].n = 0;
		a[i].until = t0 + APPEND_SECONDS;
		if (pthread_create(&th[i], NULL, appender, &a[i]) != 0)
			exit(1);
	}
	for (total = 0, i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		total += a[i].n;
	}
	printf("bench kt_append_durable_%dthreads: %.0f events/s\n", THREADS,
	    total / (bench_now() - t0));
	fflush(stdout);
	pouch_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: cannot remove %s\n", dir);
}

/* ---- proofs at 10^6 ------------------------------------------------------ */

struct pf {
	struct pouch_kt_tree	*t;
	uint8_t			 root[H];
	uint64_t		 x;
	uint8_t			 proof[POUCH_KT_PROOF_MAX][H];
	size_t			 n;
	uint64_t		 idx, m;
	uint8_t			 leaf[H], mroot[H];
};

static uint64_t
next(struct pf *p)
{
	p->x ^= p->x << 13;
	p->x ^= p->x >> 7;
	p->x ^= p->x << 17;
	return p->x;
}

static void
op_incl_proof(void *arg)
{
	struct pf *p = arg;

	bench_check(pouch_kt_tree_inclusion(p->t, next(p) % NLEAVES, NLEAVES,
	    p->proof, &p->n), "inclusion");
}

static void
op_incl_verify(void *arg)
{
	struct pf *p = arg;

	bench_check(pouch_kt_verify_inclusion(c, p->idx, NLEAVES, p->leaf,
	    (const uint8_t (*)[H])p->proof, p->n, p->root), "verify");
}

static void
op_cons_proof(void *arg)
{
	struct pf *p = arg;

	bench_check(pouch_kt_tree_consistency(p->t, 1 + next(p) %
	    (NLEAVES - 1), NLEAVES, p->proof, &p->n), "consistency");
}

static void
op_cons_verify(void *arg)
{
	struct pf *p = arg;

	bench_check(pouch_kt_verify_consistency(c, p->m, NLEAVES, p->mroot,
	    p->root, (const uint8_t (*)[H])p->proof, p->n), "verify");
}

/* Time fn for about a second; print the microseconds an operation. */
static void
us(const char *name, void (*fn)(void *), void *arg)
{
	uint64_t ops = 0, i;
	double t0, el;

	fn(arg);
	t0 = bench_now();
	do {
		for (i = 0; i < 1000; i++)
			fn(arg);
		ops += 1000;
		el = bench_now() - t0;
	} while (el < 1.0);
	printf("bench %s: %.2f us\n", name, el * 1e6 / (double)ops);
	fflush(stdout);
}

static void
bench_proofs(struct pf *p)
{
	uint8_t h[H], b[8];
	uint64_t i;
	double t0;

	bench_check(pouch_kt_tree_new(c, &p->t), "tree");
	t0 = bench_now();
	for (i = 0; i < NLEAVES; i++) {
		memcpy(b, &i, sizeof(b));
		bench_check(pouch_kt_leaf_hash(c, b, sizeof(b), h), "leaf");
		bench_check(pouch_kt_tree_append(p->t, h), "append");
	}
	printf("bench kt_tree_append_memory: %.0f leaves/s\n",
	    NLEAVES / (bench_now() - t0));
	bench_check(pouch_kt_tree_root(p->t, NLEAVES, p->root), "root");
	p->x = 0x9e3779b97f4a7c15ULL;
	us("kt_inclusion_proof_1M", op_incl_proof, p);
	p->idx = 777777;
	bench_check(pouch_kt_tree_inclusion(p->t, p->idx, NLEAVES, p->proof,
	    &p->n), "inclusion");
	bench_check(pouch_kt_tree_leaf(p->t, p->idx, p->leaf), "leaf");
	us("kt_inclusion_verify_1M", op_incl_verify, p);
	us("kt_consistency_proof_1M", op_cons_proof, p);
	p->m = 654321;
	bench_check(pouch_kt_tree_consistency(p->t, p->m, NLEAVES, p->proof,
	    &p->n), "consistency");
	bench_check(pouch_kt_tree_root(p->t, p->m, p->mroot), "root");
	us("kt_consistency_verify_1M", op_cons_verify, p);
}

/* ---- monitoring bytes ----------------------------------------------------- */

static size_t
b64len(size_t n)
{
	return (n + 2) / 3 * 4;
}

static size_t
declen(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static void
bench_monitor(struct pf *p)
{
	struct pouch_kt_checkpoint cp;
	struct pouch_kt_event ev;
	struct pouch_sig_key *k;
	uint8_t priv[32], pub[32], buf[POUCH_KT_EVENT_MAX];
	char note[POUCH_KT_NOTE_MAX];
	size_t evlen, notelen, entry, proofjson, np;
	double per_day, polls, changes, per_poll, total;
	uint64_t size;

	/* one event, as the server stores and serves it */
	make_event(&ev, 1234);
	bench_check(pouch_kt_event_encode(&ev, buf, sizeof(buf), &evlen),
	    "encode");
	per_day = 5000.0 * 2 / 7;
	size = (uint64_t)(per_day * 365);
	/* a real signed checkpoint of that size */
	bench_check(pouch_sig_keygen(c, POUCH_SIG_ED25519, priv, pub), "key");
	bench_check(pouch_sig_key_new(c, POUCH_SIG_ED25519, POUCH_IMPL_DEFAULT,
	    priv, sizeof(priv), &k), "key");
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "pouch.example.org/kt");
	cp.size = size;
	bench_check(pouch_kt_tree_root(p->t, size, cp.root), "root");
	bench_check(pouch_kt_checkpoint_sign(c, k, pub, &cp, note,
	    sizeof(note), &notelen), "sign");
	pouch_sig_key_free(k);
	/* {"index":N,"leaf":"...","hash":"..."}, in {"entries":[...]} */
	entry = strlen("{\"index\":,\"leaf\":\"\",\"hash\":\"\"},") +
	    declen(size) + b64len(evlen) + b64len(H);
	/* a consistency proof from the size one poll earlier */
	bench_check(pouch_kt_tree_consistency(p->t, size - 1, size, p->proof,
	    &np), "consistency");
	proofjson = strlen("{\"first\":,\"second\":,\"proof\":[]}") +
	    2 * declen(size) + np * (b64len(H) + 3);
	polls = 86400.0 / 60;
	/* Poisson arrivals: the share of polls that find something new */
	changes = polls * (1 - exp(-per_day / polls));
	per_poll = (double)notelen;
	total = polls * per_poll + changes * (strlen("{\"entries\":[]}") +
	    proofjson) + per_day * entry;
	printf("bench kt_event_bytes: %zu bytes\n", evlen);
	printf("bench kt_checkpoint_bytes: %zu bytes\n", notelen);
	printf("bench kt_events_per_day: %.0f events\n", per_day);
	printf("bench kt_consistency_proof_hashes: %zu hashes\n", np);
	printf("bench kt_monitor_bytes_per_day: %.0f bytes\n", total);
	fflush(stdout);
}

int
main(void)
{
	static struct pf p;

	bench_check(pouch_crypto_new(&c), "crypto");
	bench_append();
	bench_proofs(&p);
	bench_monitor(&p);
	pouch_kt_tree_free(p.t);
	pouch_crypto_free(c);
	return 0;
}
