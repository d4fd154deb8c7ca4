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
 * For each it times, as the mean in ms over a few repetitions:
 *   group_commit_create_N_SHAPE   member 0 makes a commit with path (no
 *                                 proposals: a self-update)
 *   group_commit_process_N_SHAPE  member 1 processes that commit
 *   group_add_N_SHAPE             member 0 commits one Add (+ Welcome)
 *   group_join_N_SHAPE            a new member joins from that Welcome
 * and prints group_mem_N_SHAPE, the heap that member 1's group state
 * holds after all that, in KiB (glibc mallinfo2(): 0 under a sanitizer).
 * Then the same commits in the post-quantum hybrid suite
 * (POUCH_MLS_SUITE_HYBRID: X-Wing KEM) for N = 16, 128 and 1024, and the
 * ratio of the suite 1 create + process time to the hybrid one at 1024
 * for each shape: 0.77 or more means the hybrid commit costs at most 1.3
 * times as much.
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
#define BUDGET		180.0
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

/*
 * Builds a group of n in the current suite and shape and times the
 * steps; tag is appended to the names printed.  With commit_only, only
 * the commit with path and its processing are timed.  Returns the mean
 * commit create + process time in seconds, or -1 if the time budget cut
 * it short.
 */
static double
run(uint32_t n, int full, const char *suffix, int commit_only)
{
	struct pouch_mls_commit_req req;
	struct pouch_mls_member_keys k;
	struct pouch_mls_group *g0 = NULL, *g1 = NULL, *gj;
	struct member *m;
	size_t cmlen, wllen, h;
	uint8_t *wl, *cm;
	double t, tc, tp, cp = -1;
	int reps, r, nextra;
	uint32_t i;
	char tag[32];

	snprintf(tag, sizeof(tag), "_%s%s", full ? "full" : "sparse", suffix);
	reps = n <= 16 ? 50 : n <= 128 ? 10 : n <= 1024 ? 5 : 3;
	nextra = commit_only ? 0 : reps;
	if (over_budget(n, "build", tag))
		return -1;
	if ((m = calloc(n + (uint32_t)nextra, sizeof(*m))) == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	for (i = 0; i < n + (uint32_t)nextra; i++)
		member_new(&m[i], i);
	k = keys_of(&m[0]);
	bench_check(pouch_mls_group_create(crypto, suite,
	    (const uint8_t *)GROUP_ID, strlen(GROUP_ID), &k, NOW, &g0),
	    "create");
	t = bench_now();
	if (full)
		build_full(m, n, g0, &g1);
	else
		build_sparse(m, n, g0, &g1);
	printf("note group_build_%u%s: %u members in %.0f ms\n", n, tag, n,
	    (bench_now() - t) * 1e3);

	/* commit with path, and its processing at member 1 */
	memset(&req, 0, sizeof(req));
	req.now = NOW;
	tc = tp = 0;
	for (r = 0; r < reps; r++) {
		if (over_budget(n, "commit_create", tag))
			goto out;
		t = bench_now();
		bench_check(pouch_mls_group_commit(g0, &req, &cm, &cmlen, &wl,
		    &wllen), "commit");
		tc += bench_now() - t;
		bench_check(pouch_mls_group_merge_pending(g0), "merge");
		t = bench_now();
		bench_check(pouch_mls_group_process(g1, cm, cmlen, NOW),
		    "process");
		tp += bench_now() - t;
		pouch_wr_buf_free(cm, cmlen);
	}
	report("commit_create", n, tag, tc, reps);
	report("commit_process", n, tag, tp, reps);
	cp = (tc + tp) / reps;
	if (commit_only)
		goto out;

	/* add one member (commit + Welcome), and that member's join */
	tc = tp = 0;
	for (r = 0; r < reps; r++) {
		if (over_budget(n, "add", tag))
			goto out;
		req.adds = (const uint8_t *const *)&m[n + (uint32_t)r].kp.kp;
		req.addlens = &m[n + (uint32_t)r].kp.kplen;
		req.nadds = 1;
		t = bench_now();
		bench_check(pouch_mls_group_commit(g0, &req, &cm, &cmlen, &wl,
		    &wllen), "commit add");
		tc += bench_now() - t;
		bench_check(pouch_mls_group_merge_pending(g0), "merge");
		bench_check(pouch_mls_group_process(g1, cm, cmlen, NOW),
		    "process add");
		pouch_wr_buf_free(cm, cmlen);
		t = bench_now();
		gj = join(&m[n + (uint32_t)r], wl, wllen);
		tp += bench_now() - t;
		pouch_mls_group_free(gj);
		pouch_wr_buf_free(wl, wllen);
	}
	report("add", n, tag, tc, reps);
	report("join", n, tag, tp, reps);

	/* the heap member 1's state holds: what freeing it gives back */
	h = heap_used();
	pouch_mls_group_free(g1);
	g1 = NULL;
	h = h > heap_used() ? h - heap_used() : 0;
	printf("bench group_mem_%u%s: %zu KiB\n", n, tag, (h + 1023) / 1024);
out:
	pouch_mls_group_free(g0);
	pouch_mls_group_free(g1);
	for (i = 0; i < n + (uint32_t)nextra; i++)
		pouch_mls_kp_out_clear(&m[i].kp);
	free(m);
	return cp;
}

static void
ratio(const char *shape, double s1, double hy)
{
	if (s1 > 0 && hy > 0)
		printf("ratio commit_1024%s_hybrid vs commit_1024%s_suite1: "
		    "%.3f\n", shape, shape, s1 / hy);
	else
		printf("note commit_1024%s_hybrid: no ratio, a run was cut "
		    "short\n", shape);
}

int
main(void)
{
	static const uint32_t sizes[] = { 2, 16, 128, 1024 };
	double s1[2] = { -1, -1 }, hy[2] = { -1, -1 };
	const char *q;
	size_t i;
	int full, quick;

	t_start = bench_now();
	q = getenv("POUCH_BENCH_QUICK");
	quick = q != NULL && *q != '\0' && *q != '0';
	bench_check(pouch_crypto_new(&crypto), "crypto_new");
	if ((suite = pouch_mls_suite_get(1)) == NULL) {
		fprintf(stderr, "bench: no suite 1\n");
		return 1;
	}
	for (full = 0; full < 2; full++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			if (!(quick && full && sizes[i] == 1024))
				s1[full] = run(sizes[i], full, "", 0);
	/* 4096: the sparse tree takes seconds; a full one ~N * N / 4 =
	 * 4.2 million leaf signature checks to build (minutes) */
	if (!quick) {
		(void)run(4096, 0, "", 0);
		printf("note group_full_4096: not built, building it costs "
		    "about 4.2 million signature checks (over a minute)\n");
	}
	if ((suite = pouch_mls_suite_get(POUCH_MLS_SUITE_HYBRID)) == NULL) {
		fprintf(stderr, "bench: no hybrid suite\n");
		return 1;
	}
	for (full = 0; full < 2; full++)
		for (i = 1; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			if (!(quick && full && sizes[i] == 1024))
				hy[full] = run(sizes[i], full, "_hybrid", 1);
	ratio("_sparse", s1[0], hy[0]);
	if (!quick)
		ratio("", s1[1], hy[1]);
	printf("note group_total: %.1f s\n", bench_now() - t_start);
	pouch_crypto_free(crypto);
	return 0;
}
