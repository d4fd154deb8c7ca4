/*
 * pg_notify.c - cross-node wake-ups: one listener connection per node,
 * LISTEN pouch_wake.  A post commits with NOTIFY pouch_wake carrying its
 * recipients ("{3,7,9}", 300 at most a notification); PostgreSQL
 * delivers it to every listening node once the transaction commits, and
 * the listener hands the device ids to the store's notify callback,
 * which wakes this node's parked syncs.  A lost listener connection is
 * re-established with backoff; notifications of posts that committed
 * while it was down are lost, and those waiters see their messages at
 * their next poll (at most sync_wait_max later).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/pg_int.h"

#define WAKE_MAX	300	/* ids in one payload (pg_notify_devs) */

size_t
pouch_store_pg_parse_wake(const char *s, int64_t *ids, size_t cap)
{
	size_t n = 0;
	char *end;
	long long v;

	if (*s++ != '{')
		return 0;
	while (*s != '}' && n < cap) {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno != 0 || end == s || v <= 0)
			return 0;
		ids[n++] = (int64_t)v;
		s = end;
		if (*s == ',')
			s++;
		else if (*s != '}')
			return 0;
	}
	return *s == '}' ? n : 0;
}

static PGconn *
listen_conn(struct pg *p)
{
	PGconn *c = PQconnectdb(p->conninfo);
	PGresult *r;

	if (PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return NULL;
	}
	r = PQexec(c, "LISTEN " PG_WAKE_CHANNEL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		PQfinish(c);
		return NULL;
	}
	PQclear(r);
	return c;
}

static void *
listener(void *arg)
{
	struct pg *p = arg;
	struct pollfd pf[2];
	PGnotify *nt;
	PGconn *c = NULL;
	int64_t ids[WAKE_MAX];
	size_t n;
	int backoff = 0, stop = 0;

	while (!stop) {
		if (c == NULL || PQstatus(c) != CONNECTION_OK) {
			PQfinish(c);
			if ((c = listen_conn(p)) == NULL) {
				backoff = backoff == 0 ? PG_BACKOFF_MIN :
				    backoff * 2 > PG_BACKOFF_MAX ?
				    PG_BACKOFF_MAX : backoff * 2;
				pf[0].fd = p->wake_pipe[0];
				pf[0].events = POLLIN;
				if (poll(pf, 1, backoff) > 0)
					break;
				continue;
			}
			backoff = 0;
		}
		pf[0].fd = p->wake_pipe[0];
		pf[0].events = POLLIN;
		pf[1].fd = PQsocket(c);
		pf[1].events = POLLIN;
		pf[0].revents = pf[1].revents = 0;
		if (poll(pf, 2, 1000) < 0 && errno != EINTR)
			break;
		if (pf[0].revents != 0)
			break;
		if (pf[1].revents == 0)
			continue;
		if (!PQconsumeInput(c)) {
			backoff = PG_BACKOFF_MIN;	/* reconnect */
			PQfinish(c);
			c = NULL;
			continue;
		}
		while ((nt = PQnotifies(c)) != NULL) {
			if ((n = pouch_store_pg_parse_wake(nt->extra, ids,
			    WAKE_MAX)) > 0)
				p->notify(p->notify_arg, ids, n);
			PQfreemem(nt);
		}
	}
	PQfinish(c);
	return NULL;
}

int
pg_listen_start(struct pg *p)
{
	if (pipe(p->wake_pipe) != 0)
		return POUCH_E_IO;
	(void)fcntl(p->wake_pipe[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(p->wake_pipe[1], F_SETFD, FD_CLOEXEC);
	if (pthread_create(&p->listener, NULL, listener, p) != 0) {
		close(p->wake_pipe[0]);
		close(p->wake_pipe[1]);
		p->wake_pipe[0] = p->wake_pipe[1] = -1;
		return POUCH_E_NOMEM;
	}
	p->listening = 1;
	return POUCH_OK;
}

void
pg_listen_stop(struct pg *p)
{
	if (!p->listening)
		return;
	close(p->wake_pipe[1]);		/* POLLHUP on the read end */
	pthread_join(p->listener, NULL);
	close(p->wake_pipe[0]);
	p->wake_pipe[0] = p->wake_pipe[1] = -1;
	p->listening = 0;
}
