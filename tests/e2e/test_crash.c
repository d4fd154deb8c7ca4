/*
 * test_crash.c - the long crash test of pouchd (issue 7): clients send
 * with ids while pouchd is killed with SIGKILL at random moments and
 * restarted; a checker then proves that every acknowledged message was
 * delivered, none twice to the application, in the same order to every
 * member.
 *
 * Two groups of four member devices (users of their own).  In each
 * group the devices at leaves 0, 1 and 2 send application messages
 * whose ciphertext carries a client id "CID:g<G>:s<LEAF>:n<SEQ>"; a
 * sender moves to the next sequence number only once the server
 * acknowledged (201) the current one, and retries the same id after a
 * transport failure, so a message the server stored just before it died
 * may be stored twice (a transport-level duplicate: counted and
 * printed, the client drops it by id).  Every member (the receive-only
 * leaf 3 too) long-polls /v1/sync and acknowledges what it got, and
 * every 25th sync forgets its cursor and starts from 0 again, as a
 * client that crashed itself would.
 *
 * The run lasts POUCH_CRASH_SECONDS (default POUCH_CRASH_DEFAULT: 120,
 * 40 under the sanitizers) with at least 10 SIGKILLs at random moments.
 * The checker, per member: nothing acknowledged (ack answered 200) is
 * ever handed out again, and a stored message comes twice only after
 * such a rewind; after dropping duplicates by client id, every id
 * acknowledged to another sender of the group is there, nothing that
 * was never sent is, each sender's ids come in the order they were
 * sent; and any two members see the messages neither of them sent in
 * exactly the same order.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
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
#include <sodium.h>

#include "e2e/e2e.h"

#ifndef POUCH_CRASH_DEFAULT
#define POUCH_CRASH_DEFAULT	120
#endif

#define GROUPS		2
#define MEMBERS		4	/* per group, at leaves 0..3 */
#define SENDERS		3	/* leaves 0..2 send */
#define KILLS_MIN	10
#define CID_LEN		19	/* "CID:g0:s0:n00000000" */

static struct server srv;
static pthread_mutex_t srv_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stop_send, draining;

/* One delivered application message, as a member saw it. */
struct rec {
	int64_t	msg_id;		/* the server's id */
	int	sender;		/* leaf */
	int	seq;
};

struct member {
	struct device	 dev;
	int		 group, leaf;
	char		 gid[16];
	/* sending */
	int64_t		*acked;		/* server id of seq i */
	int		 nacked, cap_acked;
	int		 send_failures;
	/* receiving */
	struct rec	*rx;
	size_t		 nrx, cap_rx;
	int		 recv_failures, foreign;
	int		 rewinds;	/* syncs from cursor 0 again */
	int		 reacked;	/* acknowledged, yet handed out */
	size_t		 redelivered;	/* handed out again after a rewind */
};

static struct member mem[GROUPS][MEMBERS];

static void
snapshot(struct server *s)
{
	pthread_mutex_lock(&srv_mu);
	*s = srv;
	pthread_mutex_unlock(&srv_mu);
}

static void
sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000 * 1000 };

	nanosleep(&t, NULL);
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
upload_kp(struct device *d, uint32_t nonce)
{
	struct buf kp;
	json_t *r = NULL;
	char *s;

	e2e_key_package(d, nonce, &kp);
	s = e2e_b64(kp.p, kp.n);
	assert_int_equal(e2e_json(&srv, "POST", "/v1/keypackages", d->token,
	    json_pack("{s:[s]}", "key_packages", s), &r), 201);
	json_decref(r);
	free(s);
	e2e_buf_free(&kp);
}

/* Claim user's one KeyPackage as d. */
static void
claim_kp(struct device *d, const char *user, struct buf *kp)
{
	json_t *r = NULL;
	const char *s;

	assert_int_equal(e2e_json(&srv, "POST", "/v1/keypackages/claim",
	    d->token, json_pack("{s:s}", "user", user), &r), 200);
	s = json_string_value(json_object_get(json_array_get(
	    json_object_get(r, "key_packages"), 0), "key_package"));
	assert_non_null(s);
	kp->p = malloc(strlen(s));
	assert_non_null(kp->p);
	assert_int_equal(e2e_unb64(s, kp->p, strlen(s), &kp->n), 0);
	json_decref(r);
}

/* Group g: leaf 0 creates it and adds leaves 1..3 in one commit. */
static void
make_group(int g)
{
	struct buf kps[MEMBERS - 1], commit;
	char user[32], *g64;
	int i;

	for (i = 0; i < MEMBERS; i++) {
		struct member *m = &mem[g][i];

		m->group = g;
		m->leaf = i;
		snprintf(m->gid, sizeof(m->gid), "g-crash-%d", g);
		snprintf(user, sizeof(user), "crash-%d-%d", g, i);
		e2e_device_new(&m->dev, user, NULL);
		assert_int_equal(e2e_enrol_login(&srv, &m->dev), 0);
		if (i > 0)
			upload_kp(&m->dev, (uint32_t)(1000 + 10 * g + i));
	}
	g64 = e2e_b64((const uint8_t *)mem[g][0].gid,
	    strlen(mem[g][0].gid));
	assert_int_equal(e2e_json(&srv, "POST", "/v1/groups",
	    mem[g][0].dev.token, json_pack("{s:s,s:i}", "group_id", g64,
	    "cipher_suite", 1), NULL), 201);
	free(g64);
	for (i = 1; i < MEMBERS; i++)
		claim_kp(&mem[g][0].dev, mem[g][i].dev.user, &kps[i - 1]);
	e2e_commit(mem[g][0].gid, 0, 0, kps, MEMBERS - 1, NULL, 0, &commit);
	assert_int_equal(e2e_http(&srv, "POST", "/v1/messages",
	    mem[g][0].dev.token, "message/mls", commit.p, commit.n, NULL),
	    201);
	e2e_buf_free(&commit);
	for (i = 0; i < MEMBERS - 1; i++)
		e2e_buf_free(&kps[i]);
}

static void *
sender_main(void *arg)
{
	struct member *m = arg;
	struct server s;
	struct buf msg, out;
	char text[64];
	json_t *r;
	long st;

	while (!atomic_load(&stop_send)) {
		snprintf(text, sizeof(text), "CID:g%d:s%d:n%08d", m->group,
		    m->leaf, m->nacked);
		e2e_app(m->gid, 1, text, &msg);
		snapshot(&s);
		memset(&out, 0, sizeof(out));
		st = e2e_http(&s, "POST", "/v1/messages", m->dev.token,
		    "message/mls", msg.p, msg.n, &out);
		r = st == 201 ? json_loadb((const char *)out.p, out.n, 0,
		    NULL) : NULL;
		if (r != NULL) {
			if (m->nacked == m->cap_acked) {
				m->cap_acked = m->cap_acked ?
				    m->cap_acked * 2 : 1024;
				m->acked = realloc(m->acked,
				    (size_t)m->cap_acked * sizeof(*m->acked));
				if (m->acked == NULL)
					abort();
			}
			m->acked[m->nacked++] = json_integer_value(
			    json_object_get(r, "id"));
			json_decref(r);
			sleep_ms(2);
		} else {
			/* down, or answered something else: the same id
			 * again in a moment */
			m->send_failures++;
			sleep_ms(20);
		}
		e2e_buf_free(&out);
		e2e_buf_free(&msg);
	}
	return NULL;
}

/* "...CID:g<d>:s<d>:n<8 digits>": 0 and the fields, or -1. */
static int
parse_cid(const uint8_t *p, size_t n, int *g, int *s, int *seq)
{
	static const char tag[] = "CID:g";
	size_t i, k;
	int v = 0;

	for (i = 0; i + CID_LEN <= n; i++)
		if (memcmp(p + i, tag, 5) == 0)	/* checksrc: allow */
			break;
	if (i + CID_LEN > n)
		return -1;
	p += i + 5;
	if (p[0] < '0' || p[0] > '9' || p[1] != ':' || p[2] != 's' ||
	    p[3] < '0' || p[3] > '9' || p[4] != ':' || p[5] != 'n')
		return -1;
	*g = p[0] - '0';
	*s = p[3] - '0';
	for (k = 6; k < 14; k++) {
		if (p[k] < '0' || p[k] > '9')
			return -1;
		v = v * 10 + (p[k] - '0');
	}
	*seq = v;
	return 0;
}

static void
record(struct member *m, int64_t id, const char *data)
{
	uint8_t buf[512];
	size_t n;
	int g, s, seq;

	if (data == NULL || e2e_unb64(data, buf, sizeof(buf), &n) != 0 ||
	    parse_cid(buf, n, &g, &s, &seq) != 0 || g != m->group) {
		m->foreign++;
		return;
	}
	if (m->nrx == m->cap_rx) {
		m->cap_rx = m->cap_rx ? m->cap_rx * 2 : 4096;
		m->rx = realloc(m->rx, m->cap_rx * sizeof(*m->rx));
		if (m->rx == NULL)
			abort();
	}
	m->rx[m->nrx++] = (struct rec){ id, s, seq };
}

static void *
receiver_main(void *arg)
{
	struct member *m = arg;
	struct server s;
	char path[96];
	int64_t after = 0, acked = 0;
	size_t i, n;
	json_t *r, *msgs;
	long st;
	int drain, round = 0;

	for (;;) {
		drain = atomic_load(&draining);
		/* now and then the client forgets its cursor, as after a
		 * crash of its own: whatever was acknowledged (200) must be
		 * gone for good, SIGKILLs or not; the rest comes again */
		if (!drain && ++round % 25 == 0) {
			after = 0;
			m->rewinds++;
		}
		snprintf(path, sizeof(path), "/v1/sync?after=%lld&wait=%d",
		    (long long)after, drain ? 0 : 2);
		snapshot(&s);
		r = NULL;
		if ((st = e2e_json(&s, "GET", path, m->dev.token, NULL,
		    &r)) != 200 || r == NULL) {
			json_decref(r);
			m->recv_failures++;
			sleep_ms(20);
			continue;
		}
		msgs = json_object_get(r, "messages");
		n = json_array_size(msgs);
		for (i = 0; i < n; i++) {
			json_t *it = json_array_get(msgs, i);

			if (json_integer_value(json_object_get(it,
			    "cursor")) <= acked)
				m->reacked++;
			record(m, json_integer_value(json_object_get(it,
			    "id")), json_string_value(json_object_get(it,
			    "data")));
		}
		after = json_integer_value(json_object_get(r, "cursor"));
		json_decref(r);
		/* a lost ack is harmless: the next one covers it */
		if (n > 0 && e2e_json(&s, "POST", "/v1/sync/ack",
		    m->dev.token, json_pack("{s:I}", "cursor",
		    (json_int_t)after), NULL) != 200)
			m->recv_failures++;
		else if (n > 0 && after > acked)
			acked = after;
		if (n == 0 && drain)
			break;
	}
	return NULL;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The checks of one member x: returns the number of transport-level
 * duplicates it dropped (a message stored twice: a retried post), not
 * counting the messages handed out again after a rewind
 * (x->redelivered); *dedup gets its stream without either.
 */
static size_t
check_member(struct member *x, struct rec **dedup, size_t *ndedup)
{
	unsigned char *seen[SENDERS];
	int64_t *ids;
	int last[SENDERS];
	size_t i, dups = 0;
	int s, k;

	*dedup = calloc(x->nrx + 1, sizeof(**dedup));
	assert_non_null(*dedup);
	*ndedup = 0;
	for (s = 0; s < SENDERS; s++) {
		/* the one in flight at the end may have been stored */
		seen[s] = calloc((size_t)mem[x->group][s].nacked + 1, 1);
		assert_non_null(seen[s]);
		last[s] = -1;
	}
	assert_int_equal(x->foreign, 0);
	/* nothing acknowledged came back; what came again (the same
	 * stored message) came only because the client rewound */
	assert_int_equal(x->reacked, 0);
	ids = calloc(x->nrx + 1, sizeof(*ids));
	assert_non_null(ids);
	for (i = 0; i < x->nrx; i++)
		ids[i] = x->rx[i].msg_id;
	qsort(ids, x->nrx, sizeof(*ids), cmp_id);
	for (i = 1; i < x->nrx; i++)
		if (ids[i - 1] == ids[i])
			x->redelivered++;
	free(ids);
	if (x->rewinds == 0)
		assert_int_equal(x->redelivered, 0);
	for (i = 0; i < x->nrx; i++) {
		const struct rec *r = &x->rx[i];

		/* from another sender of the group, and really sent */
		assert_true(r->sender >= 0 && r->sender < SENDERS);
		assert_int_not_equal(r->sender, x->leaf);
		assert_true(r->seq >= 0 &&
		    r->seq <= mem[x->group][r->sender].nacked);
		if (seen[r->sender][r->seq]) {
			dups++;
			continue;
		}
		seen[r->sender][r->seq] = 1;
		/* each sender's ids in the order they were sent */
		assert_true(r->seq > last[r->sender]);
		last[r->sender] = r->seq;
		(*dedup)[(*ndedup)++] = *r;
	}
	assert_true(dups >= x->redelivered);
	dups -= x->redelivered;
	/* every acknowledged id of the other senders is there */
	for (s = 0; s < SENDERS; s++) {
		if (s != x->leaf)
			for (k = 0; k < mem[x->group][s].nacked; k++) {
				if (!seen[s][k])
					print_error("member %d/%d misses "
					    "acked s%d n%d\n", x->group,
					    x->leaf, s, k);
				assert_true(seen[s][k]);
			}
		free(seen[s]);
	}
	return dups;
}

/* x and y saw the messages neither of them sent in the same order. */
static void
check_order(const struct member *x, const struct rec *a, size_t na,
    const struct member *y, const struct rec *b, size_t nb)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < na && (a[i].sender == x->leaf ||
		    a[i].sender == y->leaf))
			i++;
		while (j < nb && (b[j].sender == x->leaf ||
		    b[j].sender == y->leaf))
			j++;
		if (i == na || j == nb)
			break;
		assert_int_equal(a[i].sender, b[j].sender);
		assert_int_equal(a[i].seq, b[j].seq);
		i++;
		j++;
	}
	assert_int_equal(i, na);
	assert_int_equal(j, nb);
}

static void
test_crash_long(void **state)
{
	pthread_t snd[GROUPS][SENDERS], rcv[GROUPS][MEMBERS];
	struct rec *dd[MEMBERS];
	size_t nd[MEMBERS], dups, total_dups = 0;
	const char *env = getenv("POUCH_CRASH_SECONDS");
	double t0, slot, at;
	long seconds = POUCH_CRASH_DEFAULT;
	int g, i, j, k, kills, acked = 0, sfail = 0, rfail = 0;

	(void)state;
	if (env != NULL && strtol(env, NULL, 10) > 0)
		seconds = strtol(env, NULL, 10);
	kills = seconds / 8 > KILLS_MIN ? (int)(seconds / 8) : KILLS_MIN;
	for (g = 0; g < GROUPS; g++)
		make_group(g);
	for (g = 0; g < GROUPS; g++) {
		for (i = 0; i < MEMBERS; i++)
			assert_int_equal(pthread_create(&rcv[g][i], NULL,
			    receiver_main, &mem[g][i]), 0);
		for (i = 0; i < SENDERS; i++)
			assert_int_equal(pthread_create(&snd[g][i], NULL,
			    sender_main, &mem[g][i]), 0);
	}
	/* kill k at a random moment of its slot of seconds / (kills + 1) */
	t0 = now_s();
	slot = (double)seconds / (kills + 1);
	for (k = 0; k < kills; k++) {
		struct server tmp;

		at = t0 + slot * (k + 0.5) +
		    slot * (double)randombytes_uniform(1000) / 1000.0;
		while (now_s() < at)
			sleep_ms(10);
		snapshot(&tmp);
		assert_int_equal(e2e_restart(&tmp, SIGKILL), 0);
		pthread_mutex_lock(&srv_mu);
		srv = tmp;
		pthread_mutex_unlock(&srv_mu);
	}
	while (now_s() < t0 + (double)seconds)
		sleep_ms(50);
	atomic_store(&stop_send, 1);
	for (g = 0; g < GROUPS; g++)
		for (i = 0; i < SENDERS; i++)
			assert_int_equal(pthread_join(snd[g][i], NULL), 0);
	atomic_store(&draining, 1);
	for (g = 0; g < GROUPS; g++)
		for (i = 0; i < MEMBERS; i++)
			assert_int_equal(pthread_join(rcv[g][i], NULL), 0);
	for (g = 0; g < GROUPS; g++) {
		for (i = 0; i < MEMBERS; i++) {
			acked += mem[g][i].nacked;
			sfail += mem[g][i].send_failures;
			rfail += mem[g][i].recv_failures;
			dups = check_member(&mem[g][i], &dd[i], &nd[i]);
			total_dups += dups;
			print_message("crash: group %d member %d: %zu "
			    "delivered, %zu transport duplicates dropped, "
			    "%d rewinds, %zu redelivered\n", g, i,
			    mem[g][i].nrx, dups, mem[g][i].rewinds,
			    mem[g][i].redelivered);
		}
		for (i = 0; i < MEMBERS; i++)
			for (j = i + 1; j < MEMBERS; j++)
				check_order(&mem[g][i], dd[i], nd[i],
				    &mem[g][j], dd[j], nd[j]);
		for (i = 0; i < MEMBERS; i++)
			free(dd[i]);
	}
	print_message("crash: %ld s, %d SIGKILLs, %d messages acked, %zu "
	    "transport duplicates, %d failed sends, %d failed syncs\n",
	    seconds, kills, acked, total_dups, sfail, rfail);
	assert_true(acked > 0);
	for (g = 0; g < GROUPS; g++)
		for (i = 0; i < MEMBERS; i++) {
			free(mem[g][i].acked);
			free(mem[g][i].rx);
		}
}

static int
setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (sodium_init() < 0)
		return -1;
	return e2e_start(&srv, "rate_unauth = 0\nrate_auth = 0\n"
	    "sync_wait_max = 30");
}

static int
teardown(void **state)
{
	int rc;

	(void)state;
	rc = e2e_stop(&srv);
	curl_global_cleanup();
	pouch_crypto_free(e2e_crypto);
	return rc == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_long),
	};

	return cmocka_run_group_tests_name("pouchd crash (long)", tests,
	    setup, teardown);
}
