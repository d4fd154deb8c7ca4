/*
 * pouchd_request.c - fuzz the request dispatcher of pouchd (routing,
 * limits, query arguments, bearer-token parsing, JSON bodies, MLS
 * messages) over an in-memory store, exactly as http.c calls it.
 *
 * Input: "METHOD PATH[?QUERY]\n" "AUTHORIZATION\n" "CONTENT-TYPE\n" BODY.
 * An AUTHORIZATION of "A" stands for a valid token of device 1, which is
 * the only member of group "g" at epoch 0, so that message bodies reach
 * the store.  Anything else goes through pd_authenticate as a header.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pouchd/pouchd.h"

static struct pouchd d;
static struct pouch_store_device dev1;

static void
init_once(void)
{
	static int done;
	struct pouch_store_config sc = { .ephemeral = 1 };
	struct pouch_store_enrol e;
	struct pouch_store_user u;
	int64_t id, dev;

	if (done)
		return;
	done = 1;
	/* no data directory: attachment writes fail (500), nothing lingers */
	pd_config_defaults(&d.cfg, "/nonexistent/pouchd-fuzz");
	d.cfg.attachment_max = 4096;
	if (pouch_crypto_new(&d.crypto) != POUCH_OK ||
	    pouch_store_open(&sc, &d.st) != POUCH_OK)
		abort();
	if (pd_log_open("/dev/null") != POUCH_OK)
		abort();
	memset(&e, 0, sizeof(e));
	memset(e.code_hash, 1, sizeof(e.code_hash));
	memset(e.device_key, 2, sizeof(e.device_key));
	e.device_name = "fuzz";
	if (d.st->ops->user_add(d.st, "alice", 1, "fuzz", &id) != POUCH_OK ||
	    d.st->ops->code_add(d.st, id, e.code_hash, 1000, 1, "fuzz") !=
	    POUCH_OK || d.st->ops->user_get(d.st, "alice", &u) != POUCH_OK)
		abort();
	e.now = 2;
	if (d.st->ops->enrol(d.st, &e, &dev) != POUCH_OK ||
	    d.st->ops->device_get(d.st, dev, &dev1) != POUCH_OK ||
	    d.st->ops->group_create(d.st, (const uint8_t *)"g", 1, 1, dev,
	    2) != POUCH_OK)
		abort();
}

struct query {
	char	buf[1024];
};

/* "k=v&k=v": the value of name, or NULL (the same contract as MHD's). */
static const char *
query_arg(void *ctx, const char *name)
{
	struct query *q = ctx;
	size_t nl = strlen(name);
	char *p = q->buf;

	while (p != NULL && *p != '\0') {
		char *amp = strchr(p, '&');
		size_t len = amp != NULL ? (size_t)(amp - p) : strlen(p);

		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			static char v[1024];

			snprintf(v, sizeof(v), "%.*s", (int)(len - nl - 1),
			    p + nl + 1);
			return v;
		}
		p = amp != NULL ? amp + 1 : NULL;
	}
	return NULL;
}

/* The next line of [*p, end) into out (NUL-terminated, cut at cap). */
static void
line(const uint8_t **p, const uint8_t *end, char *out, size_t cap)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl != NULL ? (size_t)(nl - *p) : (size_t)(end - *p);

	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1),
	    (const char *)*p);
	*p = nl != NULL ? nl + 1 : end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char first[2048], auth[256], ctype[128], *sp, *qm;
	struct pouch_store_device dev;
	struct pd_route_info ri;
	struct query q;
	struct pd_req rq;
	struct pd_resp rs;
	uint8_t *body;
	size_t len;

	init_once();
	line(&p, end, first, sizeof(first));
	line(&p, end, auth, sizeof(auth));
	line(&p, end, ctype, sizeof(ctype));
	if ((sp = strchr(first, ' ')) == NULL)
		return 0;
	*sp++ = '\0';
	q.buf[0] = '\0';
	if ((qm = strchr(sp, '?')) != NULL) {
		*qm++ = '\0';
		snprintf(q.buf, sizeof(q.buf), "%s", qm);
	}
	/* an exact heap copy of the body, so ASan sees any overread */
	len = (size_t)(end - p);
	body = malloc(len ? len : 1);
	if (body == NULL)
		return 0;
	memcpy(body, p, len);
	memset(&rq, 0, sizeof(rq));
	rq.method = first;
	rq.path = sp;
	rq.arg = query_arg;
	rq.arg_ctx = &q;
	rq.content_type = ctype[0] != '\0' ? ctype : NULL;
	rq.body = body;
	rq.len = len;
	rq.now = 100;
	pd_route_lookup(&d, rq.method, rq.path, &ri);
	if (strcmp(auth, "A") == 0)
		rq.dev = &dev1;
	else if (pd_authenticate(&d, auth, rq.now, &dev) == POUCH_OK)
		rq.dev = &dev;
	pd_handle(&d, &rq, &rs);
	if (rs.status == 0 && rs.wait == 0)
		abort();			/* every request is answered */
	if (getenv("POUCHD_FUZZ_VERBOSE") != NULL)	/* corpus upkeep */
		fprintf(stderr, "%s %s -> %d %.*s\n", rq.method, rq.path,
		    rs.status, rs.content_type != NULL &&
		    strcmp(rs.content_type, "application/json") == 0 ?
		    (int)rs.len : 0, (const char *)rs.body);
	pd_resp_free(&rs);
	free(body);
	return 0;
}
