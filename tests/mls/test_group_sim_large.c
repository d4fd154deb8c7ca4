/*
 * test_group_sim_large.c - mls/group: seeded simulations of groups of
 * N = 100 and N = 1,000 members in which every member holds a state
 * (issue 5).  The group grows in batched add commits by random members
 * (every new member of a batch joins from its Welcome, validating the
 * whole tree: N = 1,000 grows 1 -> 10 -> 100 -> 1,000), then runs
 * random rounds: a random member adds, updates or removes a random
 * member.  Every member processes every commit; after each commit every
 * member has the same epoch, epoch authenticator and tree hash, a
 * removed member is marked so, and the application messages of a
 * sample of senders decrypt at every other member, from the sender's
 * leaf.  After the last round every member sends one message and every
 * other member decrypts it: N * (N - 1) decryptions.  Each run prints
 * its members, rounds, commits, decryptions checked, seconds (wall and
 * CPU) and peak memory.
 *
 * The members are independent states sharing one pouch_crypto (which
 * may be shared between threads), so the work of a step (the members
 * processing a commit, the joiners of a Welcome, the receivers of the
 * messages) is split over up to THREADS_MAX threads (one per core),
 * each member always on the same one; the threads only record codes,
 * the main thread asserts.
 *
 * Cost at N = 1,000: about 10^6 Ed25519 checks for the joins and as
 * many for the all-to-all decryptions, about 1.5 s CPU per round:
 * 160 s CPU, 80 s on 2 cores; 1.4 GiB of states (2.6 GiB under ASan).
 * The ASan+UBSan build runs 4 rounds instead of 8; POUCH_LONG=1 in the
 * environment runs 60.  The test is labelled long (tests/mls/mls.cmake).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include <pouch/err.h>

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "mls/group.h"
#include "mls/keypackage.h"

#define NOW		1500
/* senders per round */
#define SENDERS		4
/* worker threads per step, the caller's included */
#define THREADS_MAX	4
/* a decrypted message that is not the one sent */
#define E_MISMATCH	(-100000)

/* ASan+UBSan: fewer rounds at N = 1,000 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED	1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED	0
#endif

struct lm {
	uint8_t			 sig_priv[POUCH_SIG_PRIV_MAX];
	uint8_t			 sig_pub[POUCH_SIG_PUB_MAX];
	char			 id[16];
	struct pouch_mls_kp_out	 kp;
	struct pouch_mls_group	*g;	/* NULL: not (yet) holding a state */
	int			 rc;	/* of its last step (threads) */
	uint64_t		 ndec;	/* messages it decrypted */
};

/* Messages of one check: sender member, its leaf, ciphertext, text. */
struct msgs {
	int		*from;
	uint32_t	*leaf;
	uint8_t		**ct;
	size_t		*ctlen;
	char		(*text)[48];
	int		 n;
};

enum step { STEP_PROCESS, STEP_JOIN, STEP_DECRYPT };

/* One step of work, one unit per member of idx. */
struct job {
	struct big		*w;
	enum step		 kind;
	const int		*idx;
	int			 nidx;
	const uint8_t		*msg;	/* commit or Welcome */
	size_t			 msglen;
	const struct msgs	*ms;	/* STEP_DECRYPT */
};

/*
 * Worker threads that live as long as the run.  Member j is always
 * worked on by thread j % nthreads (0: the main thread), so nearly all
 * of its state is allocated and freed by one thread and the threads
 * rarely contend for a malloc arena (with members handed to whichever
 * thread was free, that contention made a step barely faster than on
 * one thread).
 */
struct pool {
	pthread_mutex_t	 mu;
	pthread_cond_t	 go;
	pthread_cond_t	 done;
	const struct job *jb;
	uint64_t	 gen;	/* jobs posted */
	int		 ndone;	/* workers done with job gen */
	int		 quit;
	pthread_t	 th[THREADS_MAX];
	int		 nth;	/* started, besides the main thread */
};

struct worker {
	struct pool	*p;
	int		 t;
	int		 nthreads;
};

struct big {
	struct pouch_crypto		*c;
	const struct pouch_mls_suite	*s;
	struct lm			*m;
	int				 n;	/* members ever made */
	int				 cap;
	int				*idx;	/* scratch, cap entries */
	uint64_t			 rng;
	int				 nthreads;
	struct pool			 pool;
	struct worker			 wk[THREADS_MAX];
	uint64_t			 commits;
	uint64_t			 decrypts;	/* checked */
	double				 secs[3];	/* per enum step */
};

static uint32_t
pick(struct big *w, uint32_t n)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return (uint32_t)(w->rng % n);
}

static int
env_on(const char *name)
{
	const char *e = getenv(name);

	return e != NULL && e[0] != '\0' && e[0] != '0';
}

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* A fresh KeyPackage for member i. */
static void
fresh_kp(struct big *w, int i)
{
	struct pouch_mls_kp_params p;
	struct lm *m = &w->m[i];

	pouch_mls_kp_out_clear(&m->kp);
	memset(&p, 0, sizeof(p));
	p.s = w->s;
	p.identity = (const uint8_t *)m->id;
	p.identitylen = strlen(m->id);
	p.sig_priv = m->sig_priv;
	p.sig_privlen = pouch_sig_priv_len(w->s->sig);
	p.sig_pub = m->sig_pub;
	p.sig_publen = pouch_sig_pub_len(w->s->sig);
	p.not_before = 1000;
	p.not_after = 2000;
	assert_int_equal(pouch_mls_key_package_create(w->c, &p, &m->kp),
	    POUCH_OK);
}

static struct pouch_mls_member_keys
keys_of(const struct big *w, int i)
{
	const struct lm *m = &w->m[i];

	return pouch_mls_member_keys_of(w->s, &m->kp, m->sig_priv);
}

/* A new member, with a KeyPackage. */
static int
member_new(struct big *w)
{
	struct lm *m;
	int i = w->n;

	assert_true(i < w->cap);
	m = &w->m[w->n++];
	assert_int_equal(pouch_sig_keygen(w->c, w->s->sig, m->sig_priv,
	    m->sig_pub), POUCH_OK);
	snprintf(m->id, sizeof(m->id), "m-%d", i);
	fresh_kp(w, i);
	return i;
}

static void	pool_start(struct big *, int);
static void	pool_stop(struct big *);

static struct big *
big_new(int cap, uint64_t seed)
{
	struct big *w;
	long cpus;

	w = calloc(1, sizeof(*w));
	assert_non_null(w);
	w->m = calloc((size_t)cap, sizeof(*w->m));
	w->idx = calloc((size_t)cap, sizeof(*w->idx));
	assert_non_null(w->m);
	assert_non_null(w->idx);
	w->cap = cap;
	w->rng = seed;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pool_start(w, cpus < 1 ? 1 : cpus > THREADS_MAX ? THREADS_MAX :
	    (int)cpus);
	assert_int_equal(pouch_crypto_new(&w->c), POUCH_OK);
	w->s = pouch_mls_suite_get(1);
	assert_non_null(w->s);
	return w;
}

static void
big_free(struct big *w)
{
	int i;

	pool_stop(w);
	for (i = 0; i < w->n; i++) {
		pouch_mls_group_free(w->m[i].g);
		pouch_mls_kp_out_clear(&w->m[i].kp);
	}
	pouch_crypto_free(w->c);
	free(w->idx);
	free(w->m);
	free(w);
}

static int
live(const struct big *w, int i)
{
	return w->m[i].g != NULL && !pouch_mls_group_removed(w->m[i].g);
}

/* A random live member. */
static int
any_live(struct big *w)
{
	int i;

	do
		i = (int)pick(w, (uint32_t)w->n);
	while (!live(w, i));
	return i;
}

/* Member j decrypts every message of ms it did not send. */
static int
decrypt_all(struct big *w, int j, const struct msgs *ms)
{
	struct lm *m = &w->m[j];
	uint8_t *pt;
	size_t ptlen, tlen;
	uint32_t from;
	int k, rc;

	for (k = 0; k < ms->n; k++) {
		if (ms->from[k] == j)
			continue;
		rc = pouch_mls_group_decrypt(m->g, ms->ct[k], ms->ctlen[k],
		    &pt, &ptlen, &from);
		if (rc != POUCH_OK)
			return rc;
		tlen = strlen(ms->text[k]);
		rc = from == ms->leaf[k] && ptlen == tlen &&
		    memcmp(pt, ms->text[k], tlen) == 0 ? POUCH_OK : E_MISMATCH;
		pouch_wr_buf_free(pt, ptlen);
		if (rc != POUCH_OK)
			return rc;
		m->ndec++;
	}
	return POUCH_OK;
}

static void
job_one(const struct job *jb, int j)
{
	struct big *w = jb->w;
	struct lm *m = &w->m[j];
	struct pouch_mls_member_keys k;

	switch (jb->kind) {
	case STEP_PROCESS:
		m->rc = pouch_mls_group_process(m->g, jb->msg, jb->msglen,
		    NOW);
		break;
	case STEP_JOIN:
		k = keys_of(w, j);
		m->rc = pouch_mls_group_join(w->c, w->s, &k, jb->msg,
		    jb->msglen, NULL, NOW, &m->g);
		break;
	case STEP_DECRYPT:
		m->rc = decrypt_all(w, j, jb->ms);
		break;
	}
}

/* Share t of nthreads of a job: its members.  No cmocka assertion
 * here (they longjmp): results go to each member's rc. */
static void
job_share(const struct job *jb, int t, int nthreads)
{
	int k;

	for (k = 0; k < jb->nidx; k++)
		if (jb->idx[k] % nthreads == t)
			job_one(jb, jb->idx[k]);
}

static void *
worker_run(void *arg)
{
	struct worker *wk = arg;
	struct pool *p = wk->p;
	const struct job *jb;
	uint64_t seen = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->gen == seen)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		jb = p->jb;
		pthread_mutex_unlock(&p->mu);
		job_share(jb, wk->t, wk->nthreads);
		pthread_mutex_lock(&p->mu);
		p->ndone++;
		pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Start up to want - 1 workers; w->nthreads is what started, plus 1. */
static void
pool_start(struct big *w, int want)
{
	struct pool *p = &w->pool;
	int t;

	assert_int_equal(pthread_mutex_init(&p->mu, NULL), 0);
	assert_int_equal(pthread_cond_init(&p->go, NULL), 0);
	assert_int_equal(pthread_cond_init(&p->done, NULL), 0);
	/* the member-to-thread split needs the final count first */
	for (t = 1; t < want; t++) {
		w->wk[t].p = p;
		w->wk[t].t = t;
		w->wk[t].nthreads = want;
	}
	for (t = 1; t < want; t++) {
		if (pthread_create(&p->th[t], NULL, worker_run, &w->wk[t]) !=
		    0)
			break;
		p->nth++;
	}
	if (p->nth + 1 < want) {
		/* fewer started: stop them and run on this thread only */
		pthread_mutex_lock(&p->mu);
		p->quit = 1;
		pthread_cond_broadcast(&p->go);
		pthread_mutex_unlock(&p->mu);
		for (t = 1; t <= p->nth; t++)
			(void)pthread_join(p->th[t], NULL);
		p->nth = 0;
		p->quit = 0;
	}
	w->nthreads = p->nth + 1;
}

static void
pool_stop(struct big *w)
{
	struct pool *p = &w->pool;
	int t;

	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (t = 1; t <= p->nth; t++)
		(void)pthread_join(p->th[t], NULL);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->go);
	pthread_mutex_destroy(&p->mu);
}

/* Run a step over the members idx[0..nidx) on the threads, then check
 * that each succeeded. */
static void
step(struct big *w, enum step kind, const int *idx, int nidx,
    const uint8_t *msg, size_t msglen, const struct msgs *ms)
{
	struct pool *p = &w->pool;
	struct job jb;
	double t0 = now_s();
	int k;

	memset(&jb, 0, sizeof(jb));
	jb.w = w;
	jb.kind = kind;
	jb.idx = idx;
	jb.nidx = nidx;
	jb.msg = msg;
	jb.msglen = msglen;
	jb.ms = ms;
	pthread_mutex_lock(&p->mu);
	p->jb = &jb;
	p->ndone = 0;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	job_share(&jb, 0, w->nthreads);
	pthread_mutex_lock(&p->mu);
	while (p->ndone < p->nth)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	w->secs[kind] += now_s() - t0;
	for (k = 0; k < nidx; k++) {
		if (w->m[idx[k]].rc != POUCH_OK)
			print_message("member %d: step %d failed\n", idx[k],
			    (int)kind);
		assert_int_equal(w->m[idx[k]].rc, POUCH_OK);
	}
}

/* Every live member agrees with member i; count leaves are members. */
static void
agree(struct big *w, int i, uint32_t members)
{
	uint8_t a0[64], t0[64], a[64], t[64];
	int j;

	assert_int_equal(pouch_mls_group_members(w->m[i].g), members);
	assert_int_equal(pouch_mls_group_epoch_authenticator(w->m[i].g, a0),
	    POUCH_OK);
	assert_int_equal(pouch_mls_group_tree_hash(w->m[i].g, t0), POUCH_OK);
	for (j = 0; j < w->n; j++) {
		if (j == i || !live(w, j))
			continue;
		assert_int_equal(pouch_mls_group_epoch(w->m[j].g),
		    pouch_mls_group_epoch(w->m[i].g));
		assert_int_equal(pouch_mls_group_epoch_authenticator(
		    w->m[j].g, a), POUCH_OK);
		assert_memory_equal(a, a0, w->s->nh);
		assert_int_equal(pouch_mls_group_tree_hash(w->m[j].g, t),
		    POUCH_OK);
		assert_memory_equal(t, t0, w->s->nh);
	}
}

static void
msgs_alloc(struct msgs *ms, int n)
{
	memset(ms, 0, sizeof(*ms));
	ms->from = calloc((size_t)n, sizeof(*ms->from));
	ms->leaf = calloc((size_t)n, sizeof(*ms->leaf));
	ms->ct = calloc((size_t)n, sizeof(*ms->ct));
	ms->ctlen = calloc((size_t)n, sizeof(*ms->ctlen));
	ms->text = calloc((size_t)n, sizeof(*ms->text));
	assert_true(ms->from != NULL && ms->leaf != NULL && ms->ct != NULL &&
	    ms->ctlen != NULL && ms->text != NULL);
}

static void
msgs_free(struct msgs *ms)
{
	int k;

	for (k = 0; k < ms->n; k++)
		pouch_wr_buf_free(ms->ct[k], ms->ctlen[k]);
	free(ms->from);
	free(ms->leaf);
	free(ms->ct);
	free(ms->ctlen);
	free(ms->text);
}

/* Member i sends one message of ms. */
static void
send_one(struct big *w, struct msgs *ms, int i)
{
	int k = ms->n++;

	ms->from[k] = i;
	ms->leaf[k] = pouch_mls_group_leaf(w->m[i].g);
	snprintf(ms->text[k], sizeof(ms->text[k]), "%d at %llu", i,
	    (unsigned long long)pouch_mls_group_epoch(w->m[i].g));
	assert_int_equal(pouch_mls_group_encrypt(w->m[i].g, NULL, 0,
	    (const uint8_t *)ms->text[k], strlen(ms->text[k]), &ms->ct[k],
	    &ms->ctlen[k]), POUCH_OK);
}

/* The messages of ms decrypt at every live member but their sender. */
static void
deliver(struct big *w, const struct msgs *ms)
{
	uint64_t before = 0, after = 0;
	int j, n = 0;

	for (j = 0; j < w->n; j++)
		if (live(w, j)) {
			w->idx[n++] = j;
			before += w->m[j].ndec;
		}
	step(w, STEP_DECRYPT, w->idx, n, NULL, 0, ms);
	for (j = 0; j < n; j++)
		after += w->m[w->idx[j]].ndec;
	/* each message at every live member but its sender */
	assert_int_equal(after - before, (uint64_t)ms->n * (uint64_t)(n - 1));
	w->decrypts += after - before;
}

/* A sample of live senders; each message decrypts at every other live
 * member, from the sender's leaf. */
static void
chat(struct big *w)
{
	struct msgs ms;
	int k;

	msgs_alloc(&ms, SENDERS);
	for (k = 0; k < SENDERS; k++)
		send_one(w, &ms, any_live(w));
	deliver(w, &ms);
	msgs_free(&ms);
}

/* Every live member sends one message; every other one decrypts it. */
static void
chat_all(struct big *w)
{
	struct msgs ms;
	int j;

	msgs_alloc(&ms, w->n);
	for (j = 0; j < w->n; j++)
		if (live(w, j))
			send_one(w, &ms, j);
	deliver(w, &ms);
	msgs_free(&ms);
}

/*
 * Member by commits adding the members add[0..nadd) and removing the
 * leaves rm[0..nrm); every other live member processes it, the added
 * ones join from the Welcome; then all agree and chat.
 */
static void
commit(struct big *w, int by, const int *add, int nadd, const uint32_t *rm,
    int nrm, uint32_t members)
{
	struct pouch_mls_commit_req req;
	const uint8_t **adds;
	size_t *addlens, cmlen, wllen;
	uint8_t *cm, *wl;
	int i, j, n;

	adds = calloc((size_t)nadd + 1, sizeof(*adds));
	addlens = calloc((size_t)nadd + 1, sizeof(*addlens));
	assert_non_null(adds);
	assert_non_null(addlens);
	for (i = 0; i < nadd; i++) {
		adds[i] = w->m[add[i]].kp.kp;
		addlens[i] = w->m[add[i]].kp.kplen;
	}
	memset(&req, 0, sizeof(req));
	req.adds = adds;
	req.addlens = addlens;
	req.nadds = (size_t)nadd;
	req.removes = rm;
	req.nremoves = (size_t)nrm;
	req.now = NOW;
	assert_int_equal(pouch_mls_group_commit(w->m[by].g, &req, &cm, &cmlen,
	    &wl, &wllen), POUCH_OK);
	assert_int_equal(pouch_mls_group_merge_pending(w->m[by].g), POUCH_OK);
	w->commits++;
	for (n = 0, j = 0; j < w->n; j++)
		if (j != by && live(w, j))
			w->idx[n++] = j;
	step(w, STEP_PROCESS, w->idx, n, cm, cmlen, NULL);
	if (nadd > 0)
		step(w, STEP_JOIN, add, nadd, wl, wllen, NULL);
	/* the removed members know it */
	for (j = 0; j < w->n; j++)
		if (w->m[j].g != NULL && pouch_mls_group_removed(w->m[j].g)) {
			pouch_mls_group_free(w->m[j].g);
			w->m[j].g = NULL;
		}
	pouch_wr_buf_free(cm, cmlen);
	pouch_wr_buf_free(wl, wllen);
	free(adds);
	free(addlens);
	agree(w, by, members);
	chat(w);
}

/* The member whose leaf in the group is leaf, or -1 (not holding one). */
static int
at_leaf(const struct big *w, uint32_t leaf)
{
	int j;

	for (j = 0; j < w->n; j++)
		if (live(w, j) && pouch_mls_group_leaf(w->m[j].g) == leaf)
			return j;
	return -1;
}

/*
 * N members, each holding a state, grown in batches of at most batch
 * adds (and, with factor, at most (factor - 1) times the members), then
 * rounds random commits, then every member sends one message.
 */
static void
run(int n, int batch, int factor, int rounds, uint64_t seed)
{
	struct pouch_mls_member_info mi;
	struct rusage ru;
	struct big *w = big_new(n + rounds + 1, seed);
	uint32_t members = 1, leaves, rm[1], leaf;
	int *add, nadd, i, r, by, op, x, nlive = 1, removed = 0, added = 0;
	double t0, t1, t2, cpu0;

	t0 = now_s();
	cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	add = calloc((size_t)batch + 1, sizeof(*add));
	assert_non_null(add);
	member_new(w);
	{
		struct pouch_mls_member_keys k = keys_of(w, 0);

		assert_int_equal(pouch_mls_group_create(w->c, w->s,
		    (const uint8_t *)"large", 5, &k, NOW, &w->m[0].g),
		    POUCH_OK);
	}
	/* growth: a random member adds the next batch */
	while ((int)members < n) {
		nadd = n - (int)members < batch ? n - (int)members : batch;
		if (factor > 1 && nadd > (factor - 1) * (int)members)
			nadd = (factor - 1) * (int)members;
		for (i = 0; i < nadd; i++)
			add[i] = member_new(w);
		by = any_live(w);
		members += (uint32_t)nadd;
		nlive += nadd;
		commit(w, by, add, nadd, NULL, 0, members);
	}
	assert_int_equal(pouch_mls_group_members(w->m[0].g), (uint32_t)n);
	t1 = now_s();
	/* random rounds: update, remove (any other member) or add */
	for (r = 0; r < rounds; r++) {
		by = any_live(w);
		op = (int)pick(w, 3);
		if (op == 1 && nlive <= 3)
			op = 0;		/* keep a few members */
		switch (op) {
		case 0:
			commit(w, by, NULL, 0, NULL, 0, members);
			break;
		case 1:
			leaves = pouch_mls_group_leaves(w->m[by].g);
			do
				leaf = pick(w, leaves);
			while (leaf == pouch_mls_group_leaf(w->m[by].g) ||
			    pouch_mls_group_member(w->m[by].g, leaf, &mi) !=
			    POUCH_OK);
			x = at_leaf(w, leaf);
			assert_true(x >= 0);	/* everyone holds a state */
			rm[0] = leaf;
			members--;
			nlive--;
			commit(w, by, NULL, 0, rm, 1, members);
			assert_null(w->m[x].g);
			removed++;
			break;
		default:
			add[0] = member_new(w);
			members++;
			nlive++;
			commit(w, by, add, 1, NULL, 0, members);
			added++;
			break;
		}
	}
	t2 = now_s();
	/* every member to every other member */
	chat_all(w);
	for (i = 0, x = 0; i < w->n; i++)
		x += live(w, i);
	assert_int_equal(x, nlive);
	assert_int_equal((uint32_t)nlive, members);
	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	print_message("group_sim_large %d: %d members with a state, "
	    "%d rounds (%d removes, %d adds), %llu commits, %llu "
	    "decryptions checked, %.1f s, CPU %.1f s (growth %.1f, "
	    "rounds %.1f, "
	    "all-to-all %.1f; in joins %.1f, processing %.1f, decrypting "
	    "%.1f), %d threads, peak RSS %ld MiB\n", n, nlive, rounds,
	    removed, added, (unsigned long long)w->commits,
	    (unsigned long long)w->decrypts, now_s() - t0,
	    clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0, t1 - t0, t2 - t1,
	    now_s() - t2, w->secs[STEP_JOIN], w->secs[STEP_PROCESS],
	    w->secs[STEP_DECRYPT], w->nthreads, ru.ru_maxrss / 1024);
	free(add);
	big_free(w);
}

static void
group_sim_100(void **state)
{
	(void)state;
	run(100, 20, 0, env_on("POUCH_LONG") ? 100 : 16, 0x5eed0100ULL);
}

/* Grown 1 -> 10 -> 100 -> 1,000 (every joiner validates the tree it
 * joins: about N^2 signature checks in all, as many as the final
 * all-to-all check's decryptions). */
static void
group_sim_1000(void **state)
{
	(void)state;
	run(1000, 1000, 10, env_on("POUCH_LONG") ? 60 : SANITIZED ? 4 : 8,
	    0x5eed1000ULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(group_sim_100),
		cmocka_unit_test(group_sim_1000),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
