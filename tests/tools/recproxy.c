/*
 * tests/tools/recproxy - see recproxy.h.  libmicrohttpd, one thread a
 * connection (a long poll must not hold up the others), and one libcurl
 * handle a request to the upstream pouchd.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "recproxy.h"

#define BODY_MAX	(64u << 20)

struct recproxy {
	struct MHD_Daemon	*d;
	char			*upstream;
	char			*pin;
	FILE			*log;
	pthread_mutex_t		 mu;
	unsigned long		 count;
	recproxy_rewrite_fn	 rewrite;
	void			*rewrite_arg;
};

/* One request being received: the raw URI (with its query) and body. */
struct req {
	char	*uri;
	char	*body;
	size_t	 len;
	size_t	 cap;
	int	 over;
	int	 started;	/* the headers' call was seen */
};

struct buf {
	char	*p;
	size_t	 n;
};

/* The upstream's answer headers worth passing on. */
struct hdrs {
	char	*name[32];
	char	*value[32];
	size_t	 n;
};

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct req *r;

	(void)cls;
	(void)con;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->uri = strdup(uri)) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

static void
on_done(void *cls, struct MHD_Connection *con, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)con;
	(void)toe;
	if (r == NULL)
		return;
	free(r->uri);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;
	char *p;

	if (n > BODY_MAX - b->n || (p = realloc(b->p, b->n + n + 1)) == NULL)
		return 0;
	memcpy(p + b->n, ptr, n);
	b->p = p;
	b->n += n;
	b->p[b->n] = '\0';
	return n;
}

static int
hop_by_hop(const char *name, size_t n)
{
	static const char *const skip[] = {
		"content-length", "transfer-encoding", "connection",
		"keep-alive", "date", "host", "expect"
	};
	size_t i;

	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strlen(skip[i]) == n && strncasecmp(name, skip[i], n) == 0)
			return 1;
	return 0;
}

static size_t
on_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct hdrs *h = arg;
	size_t n = size * nmemb, k, v, e;

	for (k = 0; k < n && ptr[k] != ':'; k++)
		;
	if (k == n || k == 0 || hop_by_hop(ptr, k) || h->n == 32)
		return n;	/* the status line, the end, or not wanted */
	for (v = k + 1; v < n && ptr[v] == ' '; v++)
		;
	for (e = n; e > v && (ptr[e - 1] == '\r' || ptr[e - 1] == '\n'); e--)
		;
	if ((h->name[h->n] = strndup(ptr, k)) == NULL ||
	    (h->value[h->n] = strndup(ptr + v, e - v)) == NULL) {
		free(h->name[h->n]);
		return 0;
	}
	h->n++;
	return n;
}

struct hdr_ctx {
	struct curl_slist	*l;
	int			 bad;
};

static enum MHD_Result
copy_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct hdr_ctx *x = cls;
	struct curl_slist *l;
	char line[4096];

	(void)kind;
	if (hop_by_hop(key, strlen(key)))
		return MHD_YES;
	snprintf(line, sizeof(line), "%s: %s", key, value != NULL ? value :
	    "");
	if ((l = curl_slist_append(x->l, line)) == NULL) {
		x->bad = 1;
		return MHD_NO;
	}
	x->l = l;
	return MHD_YES;
}

static void
record(struct recproxy *p, const char *method, const struct req *r)
{
	pthread_mutex_lock(&p->mu);
	fprintf(p->log, "REQ %s %s\n", method, r->uri);
	if (r->len > 0)
		(void)fwrite(r->body, 1, r->len, p->log);
	fputc('\n', p->log);
	fflush(p->log);
	p->count++;
	pthread_mutex_unlock(&p->mu);
}

static enum MHD_Result
reply(struct MHD_Connection *con, unsigned int status, struct buf *b,
    struct hdrs *h)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t i;

	resp = MHD_create_response_from_buffer(b->n, b->p,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		return MHD_NO;
	b->p = NULL;
	for (i = 0; h != NULL && i < h->n; i++)
		(void)MHD_add_response_header(resp, h->name[i], h->value[i]);
	ret = MHD_queue_response(con, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
forward(struct recproxy *p, struct MHD_Connection *con, const char *method,
    struct req *r)
{
	struct hdr_ctx hx;
	struct hdrs h;
	struct buf b;
	CURL *c = NULL;
	char *url = NULL;
	size_t ulen, i;
	long status = 502;
	enum MHD_Result ret;

	memset(&hx, 0, sizeof(hx));
	memset(&h, 0, sizeof(h));
	memset(&b, 0, sizeof(b));
	record(p, method, r);
	ulen = strlen(p->upstream) + strlen(r->uri) + 1;
	if ((url = malloc(ulen)) == NULL || (c = curl_easy_init()) == NULL)
		goto fail;
	snprintf(url, ulen, "%s%s", p->upstream, r->uri);
	(void)MHD_get_connection_values(con, MHD_HEADER_KIND, copy_header,
	    &hx);
	if (hx.bad)
		goto fail;
	/* no "Expect: 100-continue" round trip */
	hx.l = curl_slist_append(hx.l, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, p->pin);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hx.l);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	if (r->len > 0 || strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body != NULL ?
		    r->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)r->len);
	}
	if (curl_easy_perform(c) != CURLE_OK)
		status = 502;
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	pthread_mutex_lock(&p->mu);
	if (p->rewrite != NULL && status != 502)
		p->rewrite(p->rewrite_arg, method, r->uri, status, &b.p, &b.n);
	pthread_mutex_unlock(&p->mu);
	if (status == 502)
		for (i = 0; i < h.n; i++) {
			free(h.name[i]);
			free(h.value[i]);
			h.name[i] = h.value[i] = NULL;
		}
	goto done;
fail:
	status = 502;
done:
	ret = reply(con, (unsigned int)status, &b, status == 502 ? NULL : &h);
	for (i = 0; i < h.n; i++) {
		free(h.name[i]);
		free(h.value[i]);
	}
	free(b.p);
	curl_slist_free_all(hx.l);
	if (c != NULL)
		curl_easy_cleanup(c);
	free(url);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *con, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct recproxy *p = cls;
	struct req *r = *con_cls;
	size_t cap;
	char *np;

	(void)url;
	(void)version;
	if (r == NULL)
		return MHD_NO;
	if (!r->started) {
		r->started = 1;		/* headers only: the body follows */
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (*upload_size > BODY_MAX - r->len)
			r->over = 1;
		else if (r->len + *upload_size > r->cap) {
			cap = r->cap == 0 ? 65536 : r->cap;
			while (cap < r->len + *upload_size)
				cap *= 2;
			if ((np = realloc(r->body, cap)) == NULL)
				r->over = 1;
			else {
				r->body = np;
				r->cap = cap;
			}
		}
		if (!r->over) {
			memcpy(r->body + r->len, upload, *upload_size);
			r->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->uri == NULL)
		return MHD_NO;
	if (r->over) {
		struct buf b = { NULL, 0 };

		return reply(con, 413, &b, NULL);
	}
	return forward(p, con, method, r);
}

int
recproxy_start(const char *upstream, const char *pin, const char *logpath,
    struct recproxy **out, int *port)
{
	const union MHD_DaemonInfo *di;
	struct sockaddr_in sa;
	struct recproxy *p;

	*out = NULL;
	*port = 0;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	pthread_mutex_init(&p->mu, NULL);
	if ((p->upstream = strdup(upstream)) == NULL ||
	    (p->pin = strdup(pin)) == NULL ||
	    (p->log = fopen(logpath, "ab")) == NULL)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    on_request, p,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)600,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_END);
	if (p->d == NULL)
		goto fail;
	if ((di = MHD_get_daemon_info(p->d, MHD_DAEMON_INFO_BIND_PORT)) ==
	    NULL || di->port == 0)
		goto fail;
	*port = di->port;
	*out = p;
	return 0;
fail:
	recproxy_stop(p);
	return -1;
}

void
recproxy_set_rewrite(struct recproxy *p, recproxy_rewrite_fn fn, void *arg)
{
	pthread_mutex_lock(&p->mu);
	p->rewrite = fn;
	p->rewrite_arg = arg;
	pthread_mutex_unlock(&p->mu);
}

unsigned long
recproxy_count(struct recproxy *p)
{
	unsigned long n;

	pthread_mutex_lock(&p->mu);
	n = p->count;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void
recproxy_stop(struct recproxy *p)
{
	if (p == NULL)
		return;
	if (p->d != NULL)
		MHD_stop_daemon(p->d);
	if (p->log != NULL)
		fclose(p->log);
	pthread_mutex_destroy(&p->mu);
	free(p->upstream);
	free(p->pin);
	free(p);
}
