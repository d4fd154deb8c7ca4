/*
 * bench_pouchd_idle.c - memory of idle long-poll connections (issue 7
 * goal: 10,000 idle TLS connections in <= 300 MiB, <= 30 KiB each).
 * Opens TLS 1.3 connections to a real pouchd on 127.0.0.1, sends on each
 * an authenticated `GET /v1/sync?wait=60` (so every one is a parked
 * long-poll, not just an open socket), and reads pouchd's RSS from /proc
 * before and at each step: 1,000 then 10,000 connections (BENCH_IDLE
 * sets the last step; capped by the file-descriptor limit, and said so).
 *
 *   bench pouchd_idle_rss_N: R MiB               (N connections parked)
 *   bench pouchd_idle_per_connection_N: K KiB
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench.h"
#include "e2e/e2e.h"

static struct server srv;

/* VmRSS of pid, KiB. */
static long
rss_kib(int pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

/* One parked long-poll over TLS; the SSL is kept open, or NULL. */
static SSL *
park(SSL_CTX *ctx, const char *token)
{
	struct sockaddr_in sa;
	char req[512];
	SSL *ssl;
	int fd, n;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)srv.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    (ssl = SSL_new(ctx)) == NULL) {
		close(fd);
		return NULL;
	}
	SSL_set_fd(ssl, fd);
	n = snprintf(req, sizeof(req), "GET /v1/sync?after=0&wait=60 "
	    "HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n",
	    token);
	if (SSL_connect(ssl) != 1 || SSL_write(ssl, req, n) != n) {
		SSL_free(ssl);
		close(fd);
		return NULL;
	}
	return ssl;
}

int
main(void)
{
	struct rlimit rl;
	struct device dev;
	const char *e;
	SSL_CTX *ctx;
	SSL **conns;
	long before, after, n = 10000, i, open = 0, step;
	char extra[256];

	if ((e = getenv("BENCH_IDLE")) != NULL && strtol(e, NULL, 10) > 0)
		n = strtol(e, NULL, 10);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		if ((long)rl.rlim_cur < n + 64) {
			fprintf(stderr, "bench: file-descriptor limit %ld: %ld "
			    "connections at most\n", (long)rl.rlim_cur,
			    (long)rl.rlim_cur - 64);
			n = (long)rl.rlim_cur - 64;
		}
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(extra, sizeof(extra), "rate_unauth = 0\nrate_auth = 0\n"
	    "connection_limit = %ld\nsync_wait_max = 60\n%s", n + 100,
	    getenv("BENCH_IDLE_CONFIG") != NULL ? getenv("BENCH_IDLE_CONFIG") :
	    "");
	if (e2e_start(&srv, extra) != 0) {
		fprintf(stderr, "bench: cannot start pouchd\n");
		return 1;
	}
	e2e_device_new(&dev, "idle", NULL);
	if (e2e_enrol_login(&srv, &dev) != 0)
		return 1;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    (conns = calloc((size_t)n, sizeof(*conns))) == NULL)
		return 1;
	/* the server's own RSS once warm, before the idle connections */
	before = rss_kib(srv.pid);
	for (i = 0, step = n < 1000 ? n : 1000; step > 0;
	    step = step < n ? n : 0) {
		for (; i < step; i++)
			if ((conns[i] = park(ctx, dev.token)) != NULL)
				open++;
		sleep(1);			/* let the last ones park */
		after = rss_kib(srv.pid);
		printf("bench pouchd_idle_rss_%ld: %.1f MiB\n", step,
		    after / 1024.0);
		printf("bench pouchd_idle_per_connection_%ld: %.1f KiB\n",
		    step, open > 0 ? (double)(after - before) / (double)open :
		    0);
		fflush(stdout);
	}
	for (i = 0; i < n; i++)
		if (conns[i] != NULL) {
			close(SSL_get_fd(conns[i]));
			SSL_free(conns[i]);
		}
	free(conns);
	SSL_CTX_free(ctx);
	if (e2e_stop(&srv) != 0)
		return 1;
	curl_global_cleanup();
	pouch_crypto_free(e2e_crypto);
	return open == n ? 0 : 1;
}
