/*
 * bench_group.c - the MLS group engine (mls/group) in cipher suite 1, for
 * groups of N = 2, 16, 128 and 1024 members.  Each group is built sparse:
 * member 0 creates it and adds the other N - 1 in one commit, so most
 * parent nodes are blank and a path encrypts to large resolutions.  Then
 * it times, as the mean in ms over a few repetitions:
 *   group_commit_create_N   member 0 makes a commit with path (no
 *                           proposals: a self-update)
 *   group_commit_process_N  member 1 processes that commit
 *   group_add_N             member 0 commits one Add (commit + Welcome)
 *   group_join_N            a new member joins from that Welcome
 * Then it builds a group of 1024 in the post-quantum hybrid suite
 * (POUCH_MLS_SUITE_HYBRID: X-Wing KEM) and times only the commit with
 * path and its processing there (group_commit_create_1024_hybrid,
 * group_commit_process_1024_hybrid), and prints the ratio of the suite 1
 * create + process time to the hybrid one: 0.77 or more means the hybrid
 * commit costs at most 1.3 times as much.
 * The whole run is kept under about 20 s: once BUDGET seconds have
 * passed, the remaining steps are skipped with a "note" line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "crypto/crypto.h"
#include "mls/group.h"
#include "mls/keypackage.h"
#include "mls/suite.h"

#define NOW		1500
#define BUDGET		15.0
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
	struct pouch_mls_member_keys k;

	memset(&k, 0, sizeof(k));
	k.kp = m->kp.kp;
	k.kplen = m->kp.kplen;
	k.sig_priv = m->sig_priv;
	k.sig_privlen = pouch_sig_priv_len(suite->sig);
	k.init_priv = m->kp.init_priv;
	k.init_privlen = m->kp.init_privlen;
	k.enc_priv = m->kp.enc_priv;
	k.enc_privlen = m->kp.enc_privlen;
	return k;
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

/* Member a's commit of req, merged; member b (if any) processes it. */
static void
commit_all(struct pouch_mls_group *a, struct pouch_mls_group *b,
    const struct pouch_mls_commit_req *req, uint8_t **wl, size_t *wllen)
{
	uint8_t *cm;
	size_t cmlen;

	bench_check(pouch_mls_group_commit(a, req, &cm, &cmlen, wl, wllen),
	    "commit");
	bench_check(pouch_mls_group_merge_pending(a), "merge");
	if (b != NULL)
		bench_check(pouch_mls_group_process(b, cm, cmlen, NOW),
		    "process");
	pouch_wr_buf_free(cm, cmlen);
}

/*
 * Builds a group of n in the current suite and times the steps; tag is
 * appended to the names printed.  With commit_only, only the commit with
 * path and its processing are timed.  Returns the mean commit create +
 * process time in seconds, or -1 if the time budget cut it short.
 */
static double
run(uint32_t n, const char *tag, int commit_only)
{
	struct pouch_mls_commit_req req;
	struct pouch_mls_member_keys k;
	struct pouch_mls_group *g0 = NULL, *g1 = NULL, *gj;
	struct member *m;
	const uint8_t **adds;
	size_t *addlens, wllen, cmlen;
	uint8_t *wl, *cm;
	double t, tc, tp, cp = -1;
	int reps, r, nextra;
	uint32_t i;

	reps = n <= 16 ? 50 : n <= 128 ? 10 : 5;
	nextra = commit_only ? 0 : reps;
	if (over_budget(n, "build", tag))
		return -1;
	if ((m = calloc(n + (uint32_t)nextra, sizeof(*m))) == NULL ||
	    (adds = calloc(n, sizeof(*adds))) == NULL ||
	    (addlens = calloc(n, sizeof(*addlens))) == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	for (i = 0; i < n + (uint32_t)nextra; i++)
		member_new(&m[i], i);
	k = keys_of(&m[0]);
	bench_check(pouch_mls_group_create(crypto, suite,
	    (const uint8_t *)GROUP_ID, strlen(GROUP_ID), &k, NOW, &g0),
	    "create");
	for (i = 1; i < n; i++) {
		adds[i - 1] = m[i].kp.kp;
		addlens[i - 1] = m[i].kp.kplen;
	}
	memset(&req, 0, sizeof(req));
	req.now = NOW;
	req.adds = adds;
	req.addlens = addlens;
	req.nadds = n - 1;
	t = bench_now();
	commit_all(g0, NULL, &req, &wl, &wllen);
	k = keys_of(&m[1]);
	bench_check(pouch_mls_group_join(crypto, suite, &k, wl, wllen, NULL,
	    NOW, &g1), "join");
	pouch_wr_buf_free(wl, wllen);
	printf("note group_build_%u%s: %u members in %.0f ms (one commit, "
	    "one join)\n", n, tag, n, (bench_now() - t) * 1e3);

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
		k = keys_of(&m[n + (uint32_t)r]);
		t = bench_now();
		bench_check(pouch_mls_group_join(crypto, suite, &k, wl, wllen,
		    NULL, NOW, &gj), "join");
		tp += bench_now() - t;
		pouch_mls_group_free(gj);
		pouch_wr_buf_free(wl, wllen);
	}
	report("add", n, tag, tc, reps);
	report("join", n, tag, tp, reps);
out:
	pouch_mls_group_free(g0);
	pouch_mls_group_free(g1);
	for (i = 0; i < n + (uint32_t)nextra; i++)
		pouch_mls_kp_out_clear(&m[i].kp);
	free(m);
	free(adds);
	free(addlens);
	return cp;
}

int
main(void)
{
	static const uint32_t sizes[] = { 2, 16, 128, 1024 };
	double cp1 = -1, cph;
	size_t i;

	t_start = bench_now();
	bench_check(pouch_crypto_new(&crypto), "crypto_new");
	if ((suite = pouch_mls_suite_get(1)) == NULL) {
		fprintf(stderr, "bench: no suite 1\n");
		return 1;
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		cp1 = run(sizes[i], "", 0);
	if ((suite = pouch_mls_suite_get(POUCH_MLS_SUITE_HYBRID)) == NULL) {
		fprintf(stderr, "bench: no hybrid suite\n");
		return 1;
	}
	cph = run(1024, "_hybrid", 1);
	if (cp1 > 0 && cph > 0)
		printf("ratio commit_1024_hybrid vs commit_1024_suite1: %.3f\n",
		    cp1 / cph);
	else
		printf("note commit_1024_hybrid: no ratio, a run was cut "
		    "short\n");
	printf("note group_total: %.1f s\n", bench_now() - t_start);
	pouch_crypto_free(crypto);
	return 0;
}
