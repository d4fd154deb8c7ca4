/*
 * bench_group.c - the MLS group engine (mls/group) for groups of N = 2,
 * 16, 128 and 1024 members, in two tree shapes (RFC 9420 7):
 *   sparse  member 0 creates the group and adds the other N - 1 in one
 *           commit, so almost every parent node is blank and a path
 *           encrypts to resolutions as wide as the tree;
 *   full    every parent node is filled: each new member commits a path
 *           (member 2k adds 2k + 1 and 2k + 2 with a path, then 2k + 2
 *           joins and does the same), so a path encrypts to one node per
 *           level.  Building it costs one join per two members, about
 *           N * N / 4 leaf signature checks in all (~15 s at N = 1024).
 * For each it times, as the mean in ms of CPU time (the calling thread's:
 * the engine is single-threaded) over a few repetitions:
 *   group_commit_create_N_SHAPE   member 0 makes a commit with path (no
 *                                 proposals: a self-update)
 *   group_commit_process_N_SHAPE  member 1 processes that commit
 *   group_add_N_SHAPE             member 0 commits one Add (+ Welcome)
 *   group_join_N_SHAPE            a new member joins from that Welcome
 * and prints group_mem_N_SHAPE, the heap that member 1's group state
 * holds after all that, in KiB (glibc mallinfo2(): 0 under a sanitizer).
 * Then the same commits in the post-quantum hybrid suite
 * (POUCH_MLS_SUITE_HYBRID: X-Wing KEM) for N = 16, 128 and 1024.  The
 * groups of 1024 of both suites are kept, and for each shape their
 * commits (create + process) alternate, suite 1 then hybrid, for ROUNDS
 * rounds after a warm-up, so that both see the same state of the host;
 * group_commit_1024_SHAPE_alt_SUITE is each one's mean and the ratio is
 * suite 1's CPU time over the hybrid's: 0.77 or more means the hybrid
 * commit costs at most 1.3 times as much.
 * Suite 1 also runs a sparse tree of 4096 (seconds; a full one would
 * take minutes to build, so it is left out with a note).
 * POUCH_BENCH_QUICK=1 leaves out the full trees of 1024 (the long part)
 * and the 4096.
 * Once BUDGET seconds have passed, the remaining steps are skipped with a
 * "note" line.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "crypto/crypto.h"
#include "mls/group.h"
#include "mls/keypackage.h"
#include "mls/suite.h"

#define NOW		1500
#define BUDGET		240.0
#define ROUNDS		200	/* alternated commits per suite, ratio */
#define WARMUP		6
#define GROUP_ID	"bench group"

struct member {
	uint8_t			 sig_priv[POUCH_SIG_PRIV_MAX];
	uint8_t			 sig_pub[POUCH_SIG_PUB_MAX];
	struct pouch_mls_kp_out	 kp;
};

static const struct pouch_mls_suite *suite;
static struct pouch_crypto *crypto;
static double t_start;

static void
member_new(struct member *m, uint32_t i)
{
	struct pouch_mls_kp_params p;
	char id[32];

	bench_check(pouch_sig_keygen(crypto, suite->sig, m->sig_priv,
	    m->sig_pub), "sig_keygen");
	snprintf(id, sizeof(id), "member-%u", i);
	memset(&p, 0, sizeof(p));
	p.s = suite;
	p.identity = (const uint8_t *)id;
	p.identitylen = strlen(id);
	p.sig_priv = m->sig_priv;
	p.sig_privlen = pouch_sig_priv_len(suite->sig);
	p.sig_pub = m->sig_pub;
	p.sig_publen = pouch_sig_pub_len(suite->sig);
	p.not_before = 1000;
	p.not_after = 2000;
	bench_check(pouch_mls_key_package_create(crypto, &p, &m->kp),
	    "key_package_create");
}

static struct pouch_mls_member_keys
keys_of(const struct member *m)
{
	return pouch_mls_member_keys_of(suite, &m->kp, m->sig_priv);
}

static struct pouch_mls_group *
join(const struct member *m, const uint8_t *wl, size_t wllen)
{
	struct pouch_mls_member_keys k;
	struct pouch_mls_group *g;

	k = keys_of(m);
	bench_check(pouch_mls_group_join(crypto, suite, &k, wl, wllen, NULL,
	    NOW, &g), "join");
	return g;
}

/* Heap bytes in use (glibc); 0 where the allocator does not say. */
static size_t
heap_used(void)
{
	struct mallinfo2 mi;

	mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static int
over_budget(uint32_t n, const char *step, const char *tag)
{
	if (bench_now() - t_start < BUDGET)
		return 0;
	printf("note group_%s_%u%s: skipped, time budget of %.0f s spent\n",
	    step, n, tag, BUDGET);
	fflush(stdout);
	return 1;
}

static void
report(const char *step, uint32_t n, const char *tag, double total, int reps)
{
	printf("bench group_%s_%u%s: %.3f ms\n", step, n, tag,
	    total * 1e3 / reps);
	fflush(stdout);
}

/*
 * a commits req with a path and merges it; every group of others (NULL
 * entries skipped) processes it.  *wl gets the Welcome, if any.
 */
static void
commit_all(struct pouch_mls_group *a, struct pouch_mls_group **others,
    size_t nothers, const struct pouch_mls_commit_req *req, uint8_t **wl,
    size_t *wllen)
{
	uint8_t *cm;
	size_t cmlen, i;

	bench_check(pouch_mls_group_commit(a, req, &cm, &cmlen, wl, wllen),
	    "commit");
	bench_check(pouch_mls_group_merge_pending(a), "merge");
	for (i = 0; i < nothers; i++)
		if (others[i] != NULL)
			bench_check(pouch_mls_group_process(others[i], cm,
			    cmlen, NOW), "process");
	pouch_wr_buf_free(cm, cmlen);
}

/* Members 1 .. n-1 of m added by g0 in one commit; *g1 is member 1. */
static void
build_sparse(struct member *m, uint32_t n, struct pouch_mls_group *g0,
    struct pouch_mls_group **g1)
{
	struct pouch_mls_commit_req req;
	const uint8_t **adds;
	size_t *addlens, wllen;
	uint8_t *wl;
	uint32_t i;

	if ((adds = calloc(n, sizeof(*adds))) == NULL ||
	    (addlens = calloc(n, sizeof(*addlens))) == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	for (i = 1; i < n; i++) {
		adds[i - 1] = m[i].kp.kp;
		addlens[i - 1] = m[i].kp.kplen;
	}
	memset(&req, 0, sizeof(req));
	req.now = NOW;
	req.adds = adds;
	req.addlens = addlens;
	req.nadds = n - 1;
	commit_all(g0, NULL, 0, &req, &wl, &wllen);
	*g1 = join(&m[1], wl, wllen);
	pouch_wr_buf_free(wl, wllen);
	free(adds);
	free(addlens);
}

/*
 * Every parent filled: member 2k (cur) adds 2k + 1 and 2k + 2 with a
 * path, which fills its direct path; 2k + 2 joins and is the next cur.
 * Members 0 and 1 process everything; the others live for one step.
 */
static void
build_full(struct member *m, uint32_t n, struct pouch_mls_group *g0,
    struct pouch_mls_group **g1)
{
	struct pouch_mls_commit_req req;
	struct pouch_mls_group *cur = g0, *obs[2];
	const uint8_t *adds[2];
	size_t addlens[2], wllen;
	uint8_t *wl;
	uint32_t i;

	*g1 = NULL;
	for (i = 0; i + 1 < n; i += 2) {
		memset(&req, 0, sizeof(req));
		req.now = NOW;
		req.adds = adds;
		req.addlens = addlens;
		adds[0] = m[i + 1].kp.kp;
		addlens[0] = m[i + 1].kp.kplen;
		req.nadds = 1;
		if (i + 2 < n) {
			adds[1] = m[i + 2].kp.kp;
			addlens[1] = m[i + 2].kp.kplen;
			req.nadds = 2;
		}
		obs[0] = cur != g0 ? g0 : NULL;
		obs[1] = *g1;
		commit_all(cur, obs, 2, &req, &wl, &wllen);
		if (*g1 == NULL)
			*g1 = join(&m[1], wl, wllen);
		if (cur != g0)
			pouch_mls_group_free(cur);
		cur = i + 2 < n ? join(&m[i + 2], wl, wllen) : NULL;
		pouch_wr_buf_free(wl, wllen);
	}
	if (cur != NULL) {
		/* n odd: the last member fills its own path */
		memset(&req, 0, sizeof(req));
		req.now = NOW;
		obs[0] = g0;
		obs[1] = *g1;
		commit_all(cur, obs, 2, &req, &wl, &wllen);
		pouch_mls_group_free(cur);
	}
}

/* Member 0 commits with a path (CPU time into *tc), member 1 processes. */
static void
commit_once(struct pouch_mls_group *g0, struct pouch_mls_group *g1,
    double *tc, double *tp)
{
	struct pouch_mls_commit_req req;
	size_t cmlen, wllen;
	uint8_t *cm, *wl;
	double t;

	memset(&req, 0, sizeof(req));
	req.now = NOW;
	t = bench_cpu_now();
	bench_check(pouch_mls_group_commit(g0, &req, &cm, &cmlen, &wl,
	    &wllen), "commit");
	*tc += bench_cpu_now() - t;
	bench_check(pouch_mls_group_merge_pending(g0), "merge");
	t = bench_cpu_now();
	bench_check(pouch_mls_group_process(g1, cm, cmlen, NOW), "process");
	*tp += bench_cpu_now() - t;
	pouch_wr_buf_free(cm, cmlen);
}

/*
 * A group of n built in one suite and shape: members 0 and 1's states,
 * and the members (n, plus reps more to add).
 */
struct bgroup {
	const struct pouch_mls_suite *suite;
	struct pouch_mls_group	*g0, *g1;
	struct member		*m;
	uint32_t		 n;
	int			 reps, nextra;
	char			 tag[32];
};

static void
bgroup_free(struct bgroup *b)
{
	uint32_t i;

	pouch_mls_group_free(b->g0);
	pouch_mls_group_free(b->g1);
	if (b->m != NULL)
		for (i = 0; i < b->n + (uint32_t)b->nextra; i++)
			pouch_mls_kp_out_clear(&b->m[i].kp);
	free(b->m);
	memset(b, 0, sizeof(*b));
}

/*
 * Builds a group of n in the current suite and shape (tag gets suffix
 * appended in the names printed) and times the commit with path and its
 * processing.  0, or -1 if the time budget cut it short (b then freed).
 */
static int
build_commit(struct bgroup *b, uint32_t n, int full, const char *suffix,
    int commit_only)
{
	struct pouch_mls_member_keys k;
	double t, tc, tp;
	uint32_t i;
	int r;

	memset(b, 0, sizeof(*b));
	b->suite = suite;
	b->n = n;
	snprintf(b->tag, sizeof(b->tag), "_%s%s", full ? "full" : "sparse",
	    suffix);
	b->reps = n <= 16 ? 50 : n <= 128 ? 10 : n <= 1024 ? 5 : 3;
	b->nextra = commit_only ? 0 : b->reps;
	if (over_budget(n, "build", b->tag))
		return -1;
	if ((b->m = calloc(n + (uint32_t)b->nextra, sizeof(*b->m))) == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	for (i = 0; i < n + (uint32_t)b->nextra; i++)
		member_new(&b->m[i], i);
	k = keys_of(&b->m[0]);
	bench_check(pouch_mls_group_create(crypto, suite,
	    (const uint8_t *)GROUP_ID, strlen(GROUP_ID), &k, NOW, &b->g0),
	    "create");
	t = bench_now();
	if (full)
		build_full(b->m, n, b->g0, &b->g1);
	else
		build_sparse(b->m, n, b->g0, &b->g1);
	printf("note group_build_%u%s: %u members in %.0f ms\n", n, b->tag,
	    n, (bench_now() - t) * 1e3);

	/* commit with path, and its processing at member 1 */
	tc = tp = 0;
	for (r = 0; r < b->reps; r++) {
		if (over_budget(n, "commit_create", b->tag)) {
			bgroup_free(b);
			return -1;
		}
		commit_once(b->g0, b->g1, &tc, &tp);
	}
	report("commit_create", n, b->tag, tc, b->reps);
	report("commit_process", n, b->tag, tp, b->reps);
	return 0;
}

/*
 * The rest of a group's steps (unless built commit-only): one member
 * added (commit + Welcome) and that member's join, then the heap member
 * 1's state holds.  Frees b.
 */
static void
finish(struct bgroup *b)
{
	struct pouch_mls_commit_req req;
	struct pouch_mls_group *gj;
	struct member *x;
	size_t cmlen, wllen, h;
	uint8_t *wl, *cm;
	double t, tc = 0, tp = 0;
	int r;

	if (b->g0 == NULL || b->nextra == 0)
		goto out;
	suite = b->suite;
	memset(&req, 0, sizeof(req));
	req.now = NOW;
	for (r = 0; r < b->reps; r++) {
		if (over_budget(b->n, "add", b->tag))
			goto out;
		x = &b->m[b->n + (uint32_t)r];
		req.adds = (const uint8_t *const *)&x->kp.kp;
		req.addlens = &x->kp.kplen;
		req.nadds = 1;
		t = bench_cpu_now();
		bench_check(pouch_mls_group_commit(b->g0, &req, &cm, &cmlen,
		    &wl, &wllen), "commit add");
		tc += bench_cpu_now() - t;
		bench_check(pouch_mls_group_merge_pending(b->g0), "merge");
		bench_check(pouch_mls_group_process(b->g1, cm, cmlen, NOW),
		    "process add");
		pouch_wr_buf_free(cm, cmlen);
		t = bench_cpu_now();
		gj = join(x, wl, wllen);
		tp += bench_cpu_now() - t;
		pouch_mls_group_free(gj);
		pouch_wr_buf_free(wl, wllen);
	}
	report("add", b->n, b->tag, tc, b->reps);
	report("join", b->n, b->tag, tp, b->reps);

	/* the heap member 1's state holds: what freeing it gives back */
	h = heap_used();
	pouch_mls_group_free(b->g1);
	b->g1 = NULL;
	h = h > heap_used() ? h - heap_used() : 0;
	printf("bench group_mem_%u%s: %zu KiB\n", b->n, b->tag,
	    (h + 1023) / 1024);
out:
	fflush(stdout);
	bgroup_free(b);
}

/* One group's steps, start to end. */
static void
run(uint32_t n, int full, const char *suffix, int commit_only)
{
	struct bgroup b;

	if (build_commit(&b, n, full, suffix, commit_only) == 0)
		finish(&b);
}

/*
 * Suite 1's and the hybrid's groups of 1024 in one shape commit in turn
 * (suite 1, then the hybrid) for ROUNDS rounds after WARMUP untimed
 * ones, both before any member is added: each one's mean create +
 * process CPU time, and the ratio.
 */
static void
compare(const char *shape, struct bgroup *s1, struct bgroup *hy)
{
	struct bgroup *k[2];
	double tc[2] = { 0, 0 }, tp[2] = { 0, 0 }, wall[2] = { 0, 0 };
	double x = 0, y = 0, t;
	int r, i, done = 0;

	k[0] = s1;
	k[1] = hy;
	if (s1->g0 != NULL && hy->g0 != NULL) {
		for (r = 0; r < WARMUP; r++)
			for (i = 0; i < 2; i++)
				commit_once(k[i]->g0, k[i]->g1, &x, &y);
		for (r = 0; r < ROUNDS; r++) {
			if (over_budget(1024, "commit_alt", shape))
				break;
			for (i = 0; i < 2; i++) {
				t = bench_now();
				commit_once(k[i]->g0, k[i]->g1, &tc[i],
				    &tp[i]);
				wall[i] += bench_now() - t;
			}
			done++;
		}
	}
	if (done < ROUNDS / 4) {
		printf("note commit_1024%s_hybrid: no ratio, a run was cut "
		    "short\n", shape);
		goto out;
	}
	for (i = 0; i < 2; i++)
		printf("bench group_commit_1024%s_alt_%s: %.3f ms "
		    "(create %.3f + process %.3f, %d rounds)\n", shape,
		    i ? "hybrid" : "suite1", (tc[i] + tp[i]) * 1e3 / done,
		    tc[i] * 1e3 / done, tp[i] * 1e3 / done, done);
	printf("ratio commit_1024%s_hybrid vs commit_1024%s_suite1: %.3f\n",
	    shape, shape, (tc[0] + tp[0]) / (tc[1] + tp[1]));
	/* for comparison: the same rounds on the wall clock (incl. merge) */
	printf("note commit_1024%s wall-clock ratio: %.3f\n", shape,
	    wall[0] / wall[1]);
out:
	fflush(stdout);
}

int
main(void)
{
	static const uint32_t sizes[] = { 2, 16, 128, 1024 };
	struct bgroup s1[2], hy[2];
	const char *q;
	size_t i;
	int full, quick;

	memset(s1, 0, sizeof(s1));
	memset(hy, 0, sizeof(hy));
	t_start = bench_now();
	q = getenv("POUCH_BENCH_QUICK");
	quick = q != NULL && *q != '\0' && *q != '0';
	bench_check(pouch_crypto_new(&crypto), "crypto_new");
	if ((suite = pouch_mls_suite_get(1)) == NULL) {
		fprintf(stderr, "bench: no suite 1\n");
		return 1;
	}
	/* the groups of 1024 wait for the hybrid's (compare) */
	for (full = 0; full < 2; full++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			if (sizes[i] != 1024)
				run(sizes[i], full, "", 0);
			else if (!(quick && full))
				(void)build_commit(&s1[full], sizes[i], full,
				    "", 0);
		}
	/* 4096: the sparse tree takes seconds; a full one ~N * N / 4 =
	 * 4.2 million leaf signature checks to build (minutes) */
	if (!quick) {
		run(4096, 0, "", 0);
		printf("note group_full_4096: not built, building it costs "
		    "about 4.2 million signature checks (over a minute)\n");
	}
	if ((suite = pouch_mls_suite_get(POUCH_MLS_SUITE_HYBRID)) == NULL) {
		fprintf(stderr, "bench: no hybrid suite\n");
		return 1;
	}
	for (full = 0; full < 2; full++)
		for (i = 1; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			if (sizes[i] != 1024)
				run(sizes[i], full, "_hybrid", 1);
			else if (!(quick && full))
				(void)build_commit(&hy[full], sizes[i], full,
				    "_hybrid", 1);
		}
	compare("_sparse", &s1[0], &hy[0]);
	if (!quick)
		compare("", &s1[1], &hy[1]);
	for (full = 0; full < 2; full++) {
		finish(&s1[full]);
		finish(&hy[full]);
	}
	printf("note group_total: %.1f s\n", bench_now() - t_start);
	pouch_crypto_free(crypto);
	return 0;
}
