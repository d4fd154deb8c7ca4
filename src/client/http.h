/*
 * client/http - the client's only way to the server: HTTPS to pouchd
 * through libcurl, TLS 1.3 only, with the server's public key pinned
 * (the fingerprint `pouchd init` printed), or plain HTTP to a loopback
 * address for tests.  Responses are read into a buffer bounded by the
 * caller's maximum; a longer one is an error, never a truncation.
 * Everything the server answers is untrusted input for the caller.
 */
#ifndef POUCH_CLIENT_HTTP_H
#define POUCH_CLIENT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "codec/codec.h"	/* pouch_hex */

struct pouch_http;

struct pouch_http_resp {
	long	 status;	/* HTTP status; 0 before an answer */
	uint8_t	*body;		/* NUL-terminated copy; free with _resp_clear */
	size_t	 len;
};

/*
 * A transport to base (https://host:port, or http://127.0.0.1:port
 * when pin is NULL).  pin is the "sha256//BASE64" public-key pin.
 * MISUSE for another scheme or plain HTTP off loopback.
 */
int	pouch_http_new(const char *base, const char *pin,
	    struct pouch_http **out);
void	pouch_http_free(struct pouch_http *h);
/* Progress of large transfers: fn(arg, done, total) as bytes move
 * (total 0 when unknown); NULL turns it off. */
typedef void	(*pouch_http_progress_fn)(void *arg, uint64_t done,
		    uint64_t total);
void	pouch_http_set_progress(struct pouch_http *h,
	    pouch_http_progress_fn fn, void *arg);
/* The bearer token of later requests (copied); NULL forgets it. */
int	pouch_http_set_token(struct pouch_http *h, const char *token);

/*
 * One request: method, path (with its query), an optional body of type
 * ctype and one optional extra header line.  max bounds the response
 * body (TOO_LARGE beyond).  IO when no answer came (connection, TLS,
 * pin mismatch, timeout after timeout_s seconds; 0 = 60).  *r holds the
 * status of any answer, including 4xx and 5xx.
 */
int	pouch_http_do(struct pouch_http *h, const char *method,
	    const char *path, const char *ctype, const uint8_t *body,
	    size_t len, const char *extra_header, size_t max, long timeout_s,
	    struct pouch_http_resp *r);
void	pouch_http_resp_clear(struct pouch_http_resp *r);

/* The bound of JSON answers. */
#define POUCH_HTTP_JSON_MAX	(16u << 20)

/* The body of r as a JSON object (duplicate keys refused), or NULL. */
json_t	*pouch_http_resp_json(const struct pouch_http_resp *r);

/*
 * A JSON request (req may be NULL; it is not consumed) whose answer is
 * parsed as a JSON object into *resp (NULL when the body is not one).
 * Bounded at POUCH_HTTP_JSON_MAX.  A 429 is waited out (a second each)
 * up to five times.
 */
int	pouch_http_json(struct pouch_http *h, const char *method,
	    const char *path, json_t *req, long timeout_s, long *status,
	    json_t **resp);

/* Standard padded base64: malloc'd, NUL-terminated / decoded bytes of at
 * most max (MALFORMED, TOO_LARGE). */
char	*pouch_b64_encode(const uint8_t *p, size_t n);
int	pouch_b64_decode(const char *s, size_t max, uint8_t **out,
	    size_t *outlen);

#endif /* POUCH_CLIENT_HTTP_H */
