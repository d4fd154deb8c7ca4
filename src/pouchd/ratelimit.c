/*
 * ratelimit.c - token buckets that answer 429: per client address
 * before authentication, per device after.  A fixed table of buckets
 * (no allocation per client, bounded memory whatever an attacker sends):
 * a key hashes to one slot; a slot held by another key is taken over
 * once that key's bucket has refilled, and shared (the stricter outcome)
 * until then.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pouchd/pouchd.h"

#define SLOTS	4096

struct bucket {
	uint64_t	key;
	double		tokens;
	double		last;
};

struct pd_rate {
	pthread_mutex_t	mu;
	double		rate;		/* tokens a second; 0: no limit */
	double		burst;
	struct bucket	b[SLOTS];
};

struct pd_rate *
pd_rate_new(double rate, double burst)
{
	struct pd_rate *r = xcalloc(1, sizeof(*r));

	pthread_mutex_init(&r->mu, NULL);
	r->rate = rate;
	r->burst = burst < 1 ? 1 : burst;
	return r;
}

void
pd_rate_free(struct pd_rate *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* 64-bit mix (splitmix64 finaliser): spreads keys over the slots. */
static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

int
pd_rate_allow(struct pd_rate *r, uint64_t key)
{
	struct timespec ts;
	struct bucket *b;
	double now;
	int ok;

	if (r == NULL || r->rate <= 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	pthread_mutex_lock(&r->mu);
	b = &r->b[mix(key) % SLOTS];
	/* a slot never used refills at once: last is 0 */
	b->tokens += (now - b->last) * r->rate;
	if (b->tokens > r->burst)
		b->tokens = r->burst;
	b->last = now;
	if (b->key != key && b->tokens >= r->burst)
		b->key = key;			/* idle: take it over */
	ok = b->tokens >= 1;
	if (ok)
		b->tokens -= 1;
	pthread_mutex_unlock(&r->mu);
	return ok;
}
