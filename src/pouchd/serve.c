/*
 * serve.c - `pouchd serve -c CONFIG [--parent-pid PID]`: open the state
 * (config, crypto provider, server key, store), take the data
 * directory's lock, listen, and wait for signals: SIGTERM/SIGINT drain
 * and stop, SIGHUP reopens the log.  With --parent-pid, pouchd also
 * stops when that process is gone (tests that die cannot leave a server
 * behind).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "pouchd/kt_log.h"
#include "pouchd/pouchd.h"

#define SERVER_SEED	32	/* Ed25519 private key (RFC 8032 seed) */

/*
 * PostgreSQL: a post committed by any node (this one included) queued
 * for devs; wake their syncs parked here.  The store's listener thread
 * calls this; d->wake is set while the HTTP front runs.
 */
static void
notify_remote(void *arg, const int64_t *devs, size_t n)
{
	struct pouchd *d = arg;
	void (*wake)(struct pouchd *, const int64_t *, size_t);

	atomic_fetch_add(&d->post_seq, 1);
	/* pd_http_stop clears d->wake under this lock before it frees
	 * what wake uses: no wake is running once it has */
	pthread_mutex_lock(&d->wake_mu);
	wake = __atomic_load_n(&d->wake, __ATOMIC_ACQUIRE);
	if (wake != NULL)
		wake(d, devs, n);
	pthread_mutex_unlock(&d->wake_mu);
}

int
pd_open(struct pouchd *d, const char *config, char *err, size_t errlen)
{
	struct pouch_store_config sc;
	uint8_t *seed = NULL;
	size_t len = 0;
	int rc;

	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->wake_mu, NULL);
	if ((rc = pd_config_load(&d->cfg, config, err, errlen)) != POUCH_OK)
		return rc;
	if ((rc = pd_suite_alias(d, d->cfg.mls_suite_alias)) != POUCH_OK) {
		snprintf(err, errlen, "%s: mls_suite_alias 0x%04x cannot be "
		    "the hybrid suite's alias: it is a code point of a "
		    "supported suite or a GREASE value", config,
		    (unsigned)d->cfg.mls_suite_alias);
		return rc;
	}
	if ((rc = pouch_crypto_new(&d->crypto)) != POUCH_OK) {
		snprintf(err, errlen, "crypto provider: %s",
		    pouch_strerror(rc));
		return rc;
	}
	if ((seed = pd_read_file(d->cfg.server_key, 64, &len)) == NULL ||
	    len != SERVER_SEED) {
		snprintf(err, errlen, "%s: not a server key",
		    d->cfg.server_key);
		rc = POUCH_E_IO;
		goto out;
	}
	if ((rc = pouch_sig_pub_from_priv(d->crypto, POUCH_SIG_ED25519, seed,
	    d->server_pub)) != POUCH_OK ||
	    (rc = pouch_sig_key_new(d->crypto, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, seed, SERVER_SEED, &d->server_key)) !=
	    POUCH_OK) {
		snprintf(err, errlen, "server key: %s", pouch_strerror(rc));
		goto out;
	}
	memset(&sc, 0, sizeof(sc));
	sc.backend = d->cfg.storage;
	sc.path = d->cfg.database;
	sc.conninfo = d->cfg.pg_conninfo;
	sc.notify = notify_remote;
	sc.notify_arg = d;
	if ((rc = pouch_store_open(&sc, &d->st)) != POUCH_OK) {
		snprintf(err, errlen, "%s: cannot open durably (%s): %d",
		    d->cfg.storage, strcmp(d->cfg.storage, "sqlite") == 0 ?
		    "WAL, synchronous=FULL" : "fsync, synchronous_commit", rc);
		goto out;
	}
out:
	if (seed != NULL)
		xfreezero(seed, len + 1);
	return rc;
}

void
pd_close(struct pouchd *d)
{
	pouch_store_close(d->st);	/* joins the listener thread */
	pouch_sig_key_free(d->server_key);
	pouch_crypto_free(d->crypto);
	pthread_mutex_destroy(&d->wake_mu);
	memset(d, 0, sizeof(*d));
}

/* An exclusive lock on DATA_DIR/pouchd.lock for as long as fd is open. */
int
pd_lock_dir(const char *dir)
{
	char path[PD_PATH_MAX + 16];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/pouchd.lock", dir) >=
	    sizeof(path))
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
write_port(const char *path, uint16_t port)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%u\n", (unsigned)port);

	return pd_write_file(path, (const uint8_t *)buf, (size_t)n, 0644);
}

static void
usage(void)
{
	fprintf(stderr, "usage: pouchd serve -c CONFIG [--parent-pid PID]\n");
}

int
pd_cmd_serve(int argc, char **argv)
{
	struct pouchd d;
	char err[PD_PATH_MAX + 128];
	const char *config = NULL;
	struct timespec tick = { 1, 0 };
	sigset_t set;
	long parent = 0;
	int64_t next_gc = 0;
	struct rlimit nofile;
	int i, sig, lockfd = -1, rc, status = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			config = argv[++i];
		else if (strcmp(argv[i], "--parent-pid") == 0 && i + 1 < argc)
			parent = strtol(argv[++i], NULL, 10);
		else {
			usage();
			return 2;
		}
	}
	if (config == NULL) {
		usage();
		return 2;
	}
	/* Signals go to this thread only (sigtimedwait below). */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = pd_open(&d, config, err, sizeof(err))) != POUCH_OK) {
		fprintf(stderr, "pouchd: %s\n", err);
		pd_close(&d);
		return 1;
	}
	if (pd_log_open(d.cfg.log_file) != POUCH_OK) {
		fprintf(stderr, "pouchd: %s: cannot open log\n",
		    d.cfg.log_file);
		goto out;
	}
	if ((lockfd = pd_lock_dir(d.cfg.data_dir)) < 0) {
		fprintf(stderr, "pouchd: %s: another pouchd holds its lock\n",
		    d.cfg.data_dir);
		goto out;
	}
	if (mkdir(d.cfg.attachment_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "pouchd: %s: cannot create\n",
		    d.cfg.attachment_dir);
		goto out;
	}
	/* one descriptor per connection: as many as we are allowed */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 &&
	    nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &nofile);
	}
	if ((rc = pd_kt_start(&d)) != POUCH_OK) {
		fprintf(stderr, "pouchd: key transparency log: %s\n",
		    pouch_strerror(rc));
		goto out;
	}
	if ((rc = pd_http_start(&d, err, sizeof(err))) != POUCH_OK) {
		fprintf(stderr, "pouchd: %s\n", err);
		pd_http_stop(&d, 0);
		goto out;
	}
	if (d.cfg.port_file[0] != '\0' &&
	    write_port(d.cfg.port_file, d.port) != POUCH_OK) {
		fprintf(stderr, "pouchd: %s: cannot write\n",
		    d.cfg.port_file);
		pd_http_stop(&d, 0);
		goto out;
	}
	pd_log("info", "listening", "address", 's', d.cfg.listen, "port", 'i',
	    (int64_t)d.port, "tls", 's', d.cfg.tls ? "yes" : "no", NULL);
	for (;;) {
		int64_t removed;

		/* housekeeping once a minute, between signals */
		if (pd_now() >= next_gc) {
			next_gc = pd_now() + 60;
			if (pd_gc(&d, &removed) != POUCH_OK)
				pd_log("error", "gc_failed", NULL);
			else if (removed > 0)
				pd_log("info", "gc", "rows", 'i', removed,
				    NULL);
		}
		sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGHUP) {
			pd_log_reopen();
			pd_log("info", "log_reopened", NULL);
			continue;
		}
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (parent > 0 && kill((pid_t)parent, 0) != 0 &&
		    errno == ESRCH) {
			pd_log("warn", "parent_gone", "pid", 'i',
			    (int64_t)parent, NULL);
			break;
		}
	}
	pd_log("info", "draining", NULL);
	pd_http_stop(&d, d.cfg.drain_timeout);
	pd_log("info", "stopped", NULL);
	status = 0;
out:
	pd_kt_stop(&d);
	if (lockfd >= 0)
		close(lockfd);
	pd_close(&d);
	return status;
}
