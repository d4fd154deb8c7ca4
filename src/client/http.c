/*
 * client/http - HTTPS to pouchd over libcurl with a pinned server key;
 * see http.h.  One curl handle a transport, reused so that requests
 * share the TLS session and connection.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <pouch/err.h>

#include "client/http.h"

struct pouch_http {
	CURL			*curl;
	char			*base;
	char			*pin;
	char			*token;
	pouch_http_progress_fn	 progress;
	void			*progress_arg;
};

void
pouch_http_set_progress(struct pouch_http *h, pouch_http_progress_fn fn,
    void *arg)
{
	if (h == NULL)
		return;
	h->progress = fn;
	h->progress_arg = arg;
}

/* Only bodies this large report progress. */
#define PROGRESS_MIN	(256u << 10)

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct pouch_http *h = arg;

	if (ultotal > 0)
		h->progress(h->progress_arg, (uint64_t)ulnow,
		    (uint64_t)ultotal);
	else if (dltotal > 0 || dlnow > 0)
		h->progress(h->progress_arg, (uint64_t)dlnow,
		    (uint64_t)(dltotal > 0 ? dltotal : 0));
	return 0;
}

struct sink {
	uint8_t	*p;
	size_t	 n;
	size_t	 cap;
	size_t	 max;
	int	 over;
};

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb, cap;
	uint8_t *p;

	if (n > s->max - s->n) {
		s->over = 1;
		return 0;
	}
	if (s->n + n + 1 > s->cap) {
		cap = s->cap == 0 ? 4096 : s->cap;
		while (cap < s->n + n + 1)
			cap *= 2;
		if ((p = realloc(s->p, cap)) == NULL)
			return 0;
		s->p = p;
		s->cap = cap;
	}
	memcpy(s->p + s->n, ptr, n);
	s->n += n;
	s->p[s->n] = '\0';
	return n;
}

static int
is_loopback_http(const char *base)
{
	static const char *const ok[] = {
		"http://127.0.0.1:", "http://127.0.0.1/", "http://[::1]:",
		"http://localhost:"
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strncmp(base, ok[i], strlen(ok[i])) == 0)
			return 1;
	return 0;
}

int
pouch_http_new(const char *base, const char *pin, struct pouch_http **out)
{
	struct pouch_http *h = NULL;
	int rc = POUCH_E_NOMEM;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (base == NULL)
		return POUCH_E_MISUSE;
	if (pin != NULL ? strncmp(base, "https://", 8) != 0 :
	    !is_loopback_http(base))
		return POUCH_E_MISUSE;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		goto out;
	if ((h->base = strdup(base)) == NULL ||
	    (pin != NULL && (h->pin = strdup(pin)) == NULL))
		goto out;
	/* strip a trailing slash: paths begin with one */
	if (h->base[0] != '\0' && h->base[strlen(h->base) - 1] == '/')
		h->base[strlen(h->base) - 1] = '\0';
	if ((h->curl = curl_easy_init()) == NULL)
		goto out;
	*out = h;
	h = NULL;
	rc = POUCH_OK;
out:
	pouch_http_free(h);
	return rc;
}

void
pouch_http_free(struct pouch_http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	free(h->base);
	free(h->pin);
	if (h->token != NULL) {
		OPENSSL_cleanse(h->token, strlen(h->token));
		free(h->token);
	}
	free(h);
}

int
pouch_http_set_token(struct pouch_http *h, const char *token)
{
	char *t = NULL;

	if (h == NULL)
		return POUCH_E_MISUSE;
	if (token != NULL && (t = strdup(token)) == NULL)
		return POUCH_E_NOMEM;
	if (h->token != NULL) {
		OPENSSL_cleanse(h->token, strlen(h->token));
		free(h->token);
	}
	h->token = t;
	return POUCH_OK;
}

void
pouch_http_resp_clear(struct pouch_http_resp *r)
{
	if (r == NULL)
		return;
	free(r->body);
	r->body = NULL;
	r->len = 0;
	r->status = 0;
}

static struct curl_slist *
add_header(struct curl_slist *l, const char *name, const char *v, int *bad)
{
	struct curl_slist *n;
	size_t len;
	char *line;

	len = strlen(name) + strlen(v) + 3;
	if ((line = malloc(len)) == NULL) {
		*bad = 1;
		return l;
	}
	snprintf(line, len, "%s: %s", name, v);
	if ((n = curl_slist_append(l, line)) == NULL)
		*bad = 1;
	else
		l = n;
	OPENSSL_cleanse(line, len);
	free(line);
	return l;
}

int
pouch_http_do(struct pouch_http *h, const char *method, const char *path,
    const char *ctype, const uint8_t *body, size_t len,
    const char *extra_header, size_t max, long timeout_s,
    struct pouch_http_resp *r)
{
	struct curl_slist *hl = NULL, *n;
	struct sink s;
	char *url = NULL;
	size_t ulen;
	CURLcode cc;
	int rc, bad = 0;
	CURL *c;

	if (r == NULL)
		return POUCH_E_MISUSE;
	memset(r, 0, sizeof(*r));
	if (h == NULL || method == NULL || path == NULL || path[0] != '/')
		return POUCH_E_MISUSE;
	memset(&s, 0, sizeof(s));
	s.max = max;
	c = h->curl;
	curl_easy_reset(c);
	ulen = strlen(h->base) + strlen(path) + 1;
	if ((url = malloc(ulen)) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	snprintf(url, ulen, "%s%s", h->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	if (h->pin != NULL) {
		/* Self-signed certificate: the pinned key is the check,
		 * and libcurl checks it whatever VERIFYPEER says. */
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, h->pin);
		curl_easy_setopt(c, CURLOPT_SSLVERSION,
		    CURL_SSLVERSION_TLSv1_3);
	}
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s > 0 ? timeout_s : 60L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	if (h->token != NULL) {
		char auth[160];

		snprintf(auth, sizeof(auth), "Bearer %s", h->token);
		hl = add_header(hl, "Authorization", auth, &bad);
		OPENSSL_cleanse(auth, sizeof(auth));
	}
	if (ctype != NULL)
		hl = add_header(hl, "Content-Type", ctype, &bad);
	if (extra_header != NULL) {
		if ((n = curl_slist_append(hl, extra_header)) == NULL)
			bad = 1;
		else
			hl = n;
	}
	/* Large bodies ask first, so a refusal is a clean 413. */
	if ((n = curl_slist_append(hl, len > 16384 ? "Expect: 100-continue" :
	    "Expect:")) == NULL)
		bad = 1;
	else
		hl = n;
	if (bad) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (body != NULL || strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS,
		    body != NULL ? (const char *)body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	}
	if (h->progress != NULL && (len >= PROGRESS_MIN ||
	    max >= PROGRESS_MIN * 4)) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	cc = curl_easy_perform(c);
	if (s.over) {
		rc = POUCH_E_TOO_LARGE;
		goto out;
	}
	if (cc != CURLE_OK) {
		rc = POUCH_E_IO;
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	r->body = s.p;
	r->len = s.n;
	s.p = NULL;
	if (r->body == NULL && (r->body = calloc(1, 1)) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	rc = POUCH_OK;
out:
	if (rc != POUCH_OK)
		pouch_http_resp_clear(r);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hl);
	free(s.p);
	free(url);
	return rc;
}

int
pouch_http_json(struct pouch_http *h, const char *method, const char *path,
    json_t *req, long timeout_s, long *status, json_t **resp)
{
	struct pouch_http_resp r;
	char *txt = NULL;
	int rc, tries;

	*status = 0;
	if (resp != NULL)
		*resp = NULL;
	if (req != NULL && (txt = json_dumps(req, JSON_COMPACT)) == NULL)
		return POUCH_E_NOMEM;
	/* rate limited (Retry-After: 1): waited out a few times */
	for (tries = 0;; tries++) {
		rc = pouch_http_do(h, method, path, txt != NULL ?
		    "application/json" : NULL, (const uint8_t *)txt,
		    txt != NULL ? strlen(txt) : 0, NULL, POUCH_HTTP_JSON_MAX,
		    timeout_s, &r);
		if (rc != POUCH_OK || r.status != 429 || tries == 5)
			break;
		pouch_http_resp_clear(&r);
		sleep(1);
	}
	if (txt != NULL) {
		OPENSSL_cleanse(txt, strlen(txt));
		free(txt);
	}
	if (rc != POUCH_OK)
		return rc;
	*status = r.status;
	if (resp != NULL)
		*resp = pouch_http_resp_json(&r);
	pouch_http_resp_clear(&r);
	return POUCH_OK;
}

json_t *
pouch_http_resp_json(const struct pouch_http_resp *r)
{
	json_t *j;

	j = json_loadb((const char *)r->body, r->len, JSON_REJECT_DUPLICATES,
	    NULL);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

char *
pouch_b64_encode(const uint8_t *p, size_t n)
{
	char *s;

	if (n > (size_t)1 << 30)
		return NULL;
	if ((s = malloc(4 * ((n + 2) / 3) + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	return s;
}

int
pouch_b64_decode(const char *s, size_t max, uint8_t **out, size_t *outlen)
{
	size_t n, pad = 0, i;
	uint8_t *p;
	int m;

	*out = NULL;
	*outlen = 0;
	n = strlen(s);
	if (n % 4 != 0)
		return POUCH_E_MALFORMED;
	if (n / 4 * 3 > max + 2)
		return POUCH_E_TOO_LARGE;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' ||
		    (ch == '=' && i >= n - 2)))
			return POUCH_E_MALFORMED;
	}
	if (n >= 1 && s[n - 1] == '=')
		pad++;
	if (n >= 2 && s[n - 2] == '=')
		pad++;
	if (pad == 1 && n >= 2 && s[n - 2] == '=')
		return POUCH_E_MALFORMED;
	if ((p = malloc(n / 4 * 3 + 1)) == NULL)
		return POUCH_E_NOMEM;
	if ((m = EVP_DecodeBlock(p, (const unsigned char *)s, (int)n)) < 0 ||
	    (size_t)m < pad) {
		free(p);
		return POUCH_E_MALFORMED;
	}
	if ((size_t)m - pad > max) {
		OPENSSL_cleanse(p, (size_t)m);
		free(p);
		return POUCH_E_TOO_LARGE;
	}
	*out = p;
	*outlen = (size_t)m - pad;
	return POUCH_OK;
}
