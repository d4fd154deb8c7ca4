/*
 * tests/tools/recproxy - a recording reverse proxy for tests (never
 * installed): it listens with plain HTTP on 127.0.0.1, forwards every
 * request to a real pouchd over pinned HTTPS (libcurl) and appends each
 * request to a file, so that a test can search everything a client sent
 * to the server.  A record is
 *
 *	"REQ " METHOD " " URI "\n" BODY "\n"
 *
 * written whole under a lock.  The answer (status, body, content type,
 * Retry-After and Pouch-* headers) goes back unchanged.
 */
#ifndef POUCH_TESTS_RECPROXY_H
#define POUCH_TESTS_RECPROXY_H

struct recproxy;

/*
 * Start on a free port of 127.0.0.1 (*port gets it), forwarding to
 * upstream ("https://127.0.0.1:PORT") with the public-key pin
 * ("sha256//...") and appending to logpath.  0 on success, -1 on error.
 */
int	recproxy_start(const char *upstream, const char *pin,
	    const char *logpath, struct recproxy **out, int *port);
/*
 * A hostile server for tests: fn sees every answer (method, URI with its
 * query, status) and may replace *body (malloc'd, *len bytes; free the
 * old one) before it goes back.  NULL turns it off.  Set it while no
 * request is in flight.
 */
typedef void	(*recproxy_rewrite_fn)(void *arg, const char *method,
		    const char *uri, long status, char **body, size_t *len);
void	recproxy_set_rewrite(struct recproxy *p, recproxy_rewrite_fn fn,
	    void *arg);
/* The number of requests forwarded so far. */
unsigned long	recproxy_count(struct recproxy *p);
void	recproxy_stop(struct recproxy *p);

#endif /* POUCH_TESTS_RECPROXY_H */
