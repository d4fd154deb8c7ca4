/*
 * bench.h - the timing harness shared by bench/bench_*.c.  bench_run
 * repeats an operation for about the given number of seconds on
 * CLOCK_MONOTONIC, prints "bench NAME: VALUE ops/s" and returns the rate;
 * bench_cpu_now reads the thread's CPU time for the benchmarks that time
 * single long operations;
 * bench_ratio prints "ratio NAME vs PEER: X" (X = how many times faster
 * NAME is).  bench_check ends the program on an unexpected error: a
 * benchmark that silently measures a failure path is worse than none.
 */
#ifndef POUCH_BENCH_H
#define POUCH_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <pouch/err.h>

static inline double
bench_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		perror("clock_gettime");
		exit(1);
	}
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * CPU time of the calling thread: what one single-threaded operation
 * costs, less disturbed than wall-clock time when the host is busy.
 */
static inline double
bench_cpu_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
		perror("clock_gettime");
		exit(1);
	}
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void
bench_check(int rc, const char *what)
{
	if (rc != POUCH_OK) {
		fprintf(stderr, "bench: %s: %s\n", what, pouch_strerror(rc));
		exit(1);
	}
}

/*
 * Run fn(arg) in growing batches until `seconds` have passed (the clock is
 * read once per batch, so its cost does not count); one untimed warm-up
 * call first.  Returns operations per second.
 */
static inline double
bench_run(const char *name, void (*fn)(void *), void *arg, double seconds)
{
	uint64_t ops = 0, batch = 1, i;
	double t0, elapsed, rate;

	fn(arg);
	t0 = bench_now();
	do {
		for (i = 0; i < batch; i++)
			fn(arg);
		ops += batch;
		elapsed = bench_now() - t0;
		if (elapsed < seconds / 16 && batch < (UINT64_C(1) << 24))
			batch *= 2;
	} while (elapsed < seconds);
	rate = (double)ops / elapsed;
	printf("bench %s: %.0f ops/s\n", name, rate);
	fflush(stdout);
	return rate;
}

static inline void
bench_ratio(const char *name, double rate, const char *peer,
    double peer_rate)
{
	printf("ratio %s vs %s: %.2f\n", name, peer, rate / peer_rate);
	fflush(stdout);
}

#endif /* POUCH_BENCH_H */
