/*
 * e2e_http.c - a real pouchd for the end-to-end tests, and a client.
 *
 * The server is started from `pouchd init` output in a fresh temporary
 * directory, listens on 127.0.0.1 on a port the kernel picks (port = 0,
 * written to port_file), and is told our pid with --parent-pid so that
 * it stops by itself if the test dies.  The client pins the TLS public
 * key that `pouchd init` printed, as a real client would.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "codec/codec.h"
#include "e2e/e2e.h"

#ifndef POUCHD_PATH
#error "POUCHD_PATH: the pouchd binary under test"
#endif

struct pouch_crypto *e2e_crypto;

void
e2e_buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = 0;
}

static int
run(const char *cmd, struct buf *out)
{
	char chunk[4096];
	FILE *f;
	size_t n;
	int st;

	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out == NULL)
			continue;
		out->p = realloc(out->p, out->n + n + 1);
		if (out->p == NULL)
			abort();
		memcpy(out->p + out->n, chunk, n);
		out->n += n;
		out->p[out->n] = '\0';
	}
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
e2e_admin(struct server *s, struct buf *out, const char *args)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "%s admin -c %s %s", POUCHD_PATH, s->conf,
	    args);
	return run(cmd, out);
}

/* Why a server did not come up: the end of its log, on stderr. */
static void
log_tail(const struct server *s, const char *why)
{
	char path[160], line[512], ring[16][512];
	size_t n = 0, i;
	FILE *f;

	fprintf(stderr, "e2e: %s (%s)\n", why, s->dir);
	snprintf(path, sizeof(path), "%s/pouchd.log", s->dir);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		memcpy(ring[n++ % 16], line, sizeof(line));
	fclose(f);
	for (i = n > 16 ? n - 16 : 0; i < n; i++)
		fprintf(stderr, "  %s", ring[i % 16]);
}

/* Start `pouchd serve` on s->conf and wait for its port. */
static int
spawn(struct server *s)
{
	char pidstr[16], portfile[160];
	FILE *f;
	int i, port = 0;

	snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
	unlink(portfile);
	snprintf(pidstr, sizeof(pidstr), "%ld", (long)getpid());
	if ((s->pid = fork()) < 0)
		return -1;
	if (s->pid == 0) {
		execl(POUCHD_PATH, "pouchd", "serve", "-c", s->conf,
		    "--parent-pid", pidstr, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 1500; i++) {	/* up to 30 s: ASan on a busy host */
		struct timespec ms = { 0, 20 * 1000 * 1000 };

		if ((f = fopen(portfile, "r")) != NULL) {
			if (fscanf(f, "%d", &port) != 1)	/* checksrc: allow */
				port = 0;
			fclose(f);
			if (port > 0) {
				s->port = port;
				return 0;
			}
		}
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = 0;
			log_tail(s, "pouchd exited before it listened");
			return -1;
		}
		nanosleep(&ms, NULL);
	}
	log_tail(s, "pouchd did not listen within 30 s");
	return -1;
}

/*
 * With POUCH_E2E_PG_FILE (a file holding a libpq connection string:
 * tests/pgsql/pgsql.cmake), every server stores in PostgreSQL, on a fresh
 * database of that cluster, unless extra already chose its storage.
 */
static int
pg_storage(FILE *f, const char *extra)
{
	static int n;
	const char *file = getenv("POUCH_E2E_PG_FILE");
	char ci[512], cmd[1200], db[64];
	FILE *cf;

	if (file == NULL || (extra != NULL && strstr(extra, "storage") != NULL))
		return 0;
	if ((cf = fopen(file, "r")) == NULL)
		return -1;
	if (fgets(ci, sizeof(ci), cf) == NULL)
		ci[0] = '\0';
	fclose(cf);
	ci[strcspn(ci, "\n")] = '\0';
	snprintf(db, sizeof(db), "pouch_e2e_%ld_%d", (long)getpid(), n++);
	snprintf(cmd, sizeof(cmd), "/usr/lib/postgresql/15/bin/createdb "
	    "--maintenance-db='%s' %s", ci, db);
	if (ci[0] == '\0' || system(cmd) != 0)
		return -1;
	fprintf(f, "storage = postgresql\npg_conninfo = %s dbname=%s\n", ci,
	    db);
	return 0;
}

int
e2e_start(struct server *s, const char *extra)
{
	struct buf out = { 0 };
	char cmd[512], portfile[160], *pin;
	FILE *f;

	memset(s, 0, sizeof(*s));
	if (e2e_crypto == NULL && pouch_crypto_new(&e2e_crypto) != POUCH_OK)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/pouchd-e2e-XXXXXX");
	if (mkdtemp(s->dir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s init %s", POUCHD_PATH, s->dir);
	if (run(cmd, &out) != 0 || out.p == NULL ||
	    (pin = strstr((char *)out.p, "sha256//")) == NULL) {
		e2e_buf_free(&out);
		return -1;
	}
	pin[strcspn(pin, "\n")] = '\0';
	snprintf(s->pin, sizeof(s->pin), "%s", pin);
	e2e_buf_free(&out);
	snprintf(s->conf, sizeof(s->conf), "%s/pouchd.conf", s->dir);
	snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
	if ((f = fopen(s->conf, "a")) == NULL)
		return -1;
	fprintf(f, "port = 0\nport_file = %s\nlog_file = %s/pouchd.log\n%s\n",
	    portfile, s->dir, extra != NULL ? extra : "");
	if (pg_storage(f, extra) != 0) {
		fprintf(stderr, "e2e: no PostgreSQL database for %s\n", s->dir);
		fclose(f);
		return -1;
	}
	fclose(f);
	return spawn(s);
}

int
e2e_restart(struct server *s, int sig)
{
	int st;

	if (s->pid > 0) {
		kill(s->pid, sig);
		waitpid(s->pid, &st, 0);
		s->pid = 0;
	}
	return spawn(s);
}

int
e2e_stop(struct server *s)
{
	char cmd[160];
	int st = -1, rc = -1;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		if (waitpid(s->pid, &st, 0) == s->pid && WIFEXITED(st))
			rc = WEXITSTATUS(st);
		s->pid = 0;
	}
	if (getenv("POUCH_E2E_KEEP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
		if (system(cmd) != 0)
			rc = -1;
	}
	return rc;
}

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	b->p = realloc(b->p, b->n + size * n + 1);
	if (b->p == NULL)
		abort();
	memcpy(b->p + b->n, p, size * n);
	b->n += size * n;
	b->p[b->n] = '\0';
	return size * n;
}

static long http(struct server *, const char *, const char *,
    const char *, const char *, const void *, size_t, struct buf *,
    const char *);

long
e2e_http(struct server *s, const char *method, const char *path,
    const char *token, const char *ctype, const void *body, size_t len,
    struct buf *out)
{
	return http(s, method, path, token, ctype, body, len, out, NULL);
}

long
e2e_http_att(struct server *s, const char *token, const void *body,
    size_t len, const char *attachments)
{
	return http(s, "POST", "/v1/messages", token, "message/mls", body,
	    len, NULL, attachments);
}

static long
http(struct server *s, const char *method, const char *path,
    const char *token, const char *ctype, const void *body, size_t len,
    struct buf *out, const char *attachments)
{
	struct curl_slist *h = NULL;
	struct buf sink = { 0 };
	char url[1024], hdr[256];
	long status = -1;
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		return -1;
	snprintf(url, sizeof(url), "https://127.0.0.1:%d%s", s->port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	/* self-signed: the pin is the check */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, s->pin);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_3);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out != NULL ? out : &sink);
	if (token != NULL) {
		snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, hdr);
	}
	if (ctype != NULL) {
		snprintf(hdr, sizeof(hdr), "Content-Type: %s", ctype);
		h = curl_slist_append(h, hdr);
	}
	/* Large bodies ask first, so a refusal is a clean 413 rather than
	 * a reset connection; small ones are sent at once. */
	h = curl_slist_append(h, len > 16384 ? "Expect: 100-continue" :
	    "Expect:");
	if (attachments != NULL) {
		char ah[1200];

		snprintf(ah, sizeof(ah), "Pouch-Attachments: %s",
		    attachments);
		h = curl_slist_append(h, ah);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	e2e_buf_free(&sink);
	return status;
}

long
e2e_json(struct server *s, const char *method, const char *path,
    const char *token, json_t *body, json_t **reply)
{
	struct buf out = { 0 };
	char *txt = NULL;
	long st;

	if (reply != NULL)
		*reply = NULL;
	if (body != NULL && (txt = json_dumps(body, JSON_COMPACT)) == NULL)
		abort();
	json_decref(body);
	st = e2e_http(s, method, path, token, txt != NULL ?
	    "application/json" : NULL, txt, txt != NULL ? strlen(txt) : 0,
	    &out);
	if (reply != NULL && out.p != NULL)
		*reply = json_loadb((const char *)out.p, out.n, 0, NULL);
	free(txt);
	e2e_buf_free(&out);
	return st;
}

void
e2e_device_new(struct device *d, const char *user, const struct device *acct)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->user, sizeof(d->user), "%s", user);
	if (pouch_sig_keygen(e2e_crypto, POUCH_SIG_ED25519, d->seed, d->pub) !=
	    POUCH_OK)
		abort();
	if (acct != NULL) {
		memcpy(d->aseed, acct->aseed, 32);
		memcpy(d->apub, acct->apub, 32);
	} else if (pouch_sig_keygen(e2e_crypto, POUCH_SIG_ED25519, d->aseed,
	    d->apub) != POUCH_OK)
		abort();
}

char *
e2e_b64(const uint8_t *p, size_t n)
{
	static const char t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = malloc((n + 2) / 3 * 4 + 1), *q = o;
	size_t i;

	if (o == NULL)
		abort();
	for (i = 0; i + 2 < n; i += 3) {
		*q++ = t[p[i] >> 2];
		*q++ = t[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*q++ = t[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		*q++ = t[p[i + 2] & 63];
	}
	if (n - i == 1) {
		*q++ = t[p[i] >> 2];
		*q++ = t[(p[i] & 3) << 4];
		*q++ = '=';
		*q++ = '=';
	} else if (n - i == 2) {
		*q++ = t[p[i] >> 2];
		*q++ = t[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*q++ = t[(p[i + 1] & 15) << 2];
		*q++ = '=';
	}
	*q = '\0';
	return o;
}

int
e2e_unb64(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	*n = 0;
	if (s == NULL)
		return -1;
	return sodium_base642bin(out, cap, s, strlen(s), NULL, n, NULL,
	    sodium_base64_VARIANT_ORIGINAL);
}

static json_t *
jb64(const uint8_t *p, size_t n)
{
	char *s = e2e_b64(p, n);
	json_t *j = json_string(s);

	free(s);
	return j;
}

/* Sign the statement in w (docs/API.md "Signed statements"). */
static json_t *
jsig(const uint8_t *seed, struct pouch_wr *w, int corrupt)
{
	uint8_t sig[64];
	size_t n;

	if (pouch_wr_finish(w) != POUCH_OK || pouch_sig_sign(e2e_crypto,
	    POUCH_SIG_ED25519, seed, 32, w->buf, w->len, sig, sizeof(sig),
	    &n) != POUCH_OK)
		abort();
	pouch_wr_free(w);
	sig[0] ^= (uint8_t)(corrupt != 0);
	return jb64(sig, n);
}

json_t *
e2e_enrol_body(const struct device *d, const char *code, int corrupt)
{
	struct pouch_wr w;
	json_t *o = json_object();

	json_object_set_new(o, "code", json_string(code));
	json_object_set_new(o, "user", json_string(d->user));
	json_object_set_new(o, "device_name", json_string("laptop"));
	json_object_set_new(o, "device_key", jb64(d->pub, 32));
	json_object_set_new(o, "account_key", jb64(d->apub, 32));
	pouch_wr_init(&w, 1024);
	pouch_wr_opaque(&w, "pouch enrol v1", 14);
	pouch_wr_opaque(&w, d->user, strlen(d->user));
	pouch_wr_opaque(&w, d->pub, 32);
	pouch_wr_opaque(&w, d->apub, 32);
	json_object_set_new(o, "device_sig", jsig(d->seed, &w, 0));
	pouch_wr_init(&w, 1024);
	pouch_wr_opaque(&w, "pouch device v1", 15);
	pouch_wr_opaque(&w, d->user, strlen(d->user));
	pouch_wr_opaque(&w, d->pub, 32);
	json_object_set_new(o, "account_sig", jsig(d->aseed, &w, corrupt));
	return o;
}

long
e2e_login(struct server *s, struct device *d)
{
	struct pouch_wr w;
	json_t *r = NULL, *req;
	uint8_t chal[64], server[64];
	size_t cl = 0, sl = 0;
	long st;

	st = e2e_json(s, "GET", "/v1/info", NULL, NULL, &r);
	if (st != 200 || e2e_unb64(json_string_value(json_object_get(r,
	    "server_key")), server, sizeof(server), &sl) != 0 || sl != 32) {
		json_decref(r);
		return st == 200 ? -1 : st;
	}
	json_decref(r);
	st = e2e_json(s, "POST", "/v1/auth/challenge", NULL,
	    json_pack("{s:I}", "device_id", (json_int_t)d->id), &r);
	if (st != 200 || e2e_unb64(json_string_value(json_object_get(r,
	    "challenge")), chal, sizeof(chal), &cl) != 0) {
		json_decref(r);
		return st == 200 ? -1 : st;
	}
	json_decref(r);
	pouch_wr_init(&w, 1024);
	pouch_wr_opaque(&w, "pouch auth v1", 13);
	pouch_wr_opaque(&w, server, 32);
	pouch_wr_u64(&w, (uint64_t)d->id);
	pouch_wr_opaque(&w, chal, cl);
	req = json_pack("{s:I,s:o,s:o}", "device_id", (json_int_t)d->id,
	    "challenge", jb64(chal, cl), "signature", jsig(d->seed, &w, 0));
	st = e2e_json(s, "POST", "/v1/auth/token", NULL, req, &r);
	if (st == 200)
		snprintf(d->token, sizeof(d->token), "%s",
		    json_string_value(json_object_get(r, "token")));
	json_decref(r);
	return st;
}

int
e2e_enrol_login(struct server *s, struct device *d)
{
	struct buf out = { 0 };
	char args[128], *code;
	json_t *r = NULL;
	long st;

	snprintf(args, sizeof(args), "user add %s >/dev/null 2>&1", d->user);
	(void)e2e_admin(s, NULL, args);		/* may exist already */
	snprintf(args, sizeof(args), "code create %s", d->user);
	if (e2e_admin(s, &out, args) != 0 || out.p == NULL ||
	    (code = strstr((char *)out.p, "code: ")) == NULL) {
		e2e_buf_free(&out);
		return -1;
	}
	code += 6;
	code[strcspn(code, "\n")] = '\0';
	st = e2e_json(s, "POST", "/v1/enrol", NULL, e2e_enrol_body(d, code, 0),
	    &r);
	e2e_buf_free(&out);
	if (st != 201) {
		json_decref(r);
		return -1;
	}
	d->id = json_integer_value(json_object_get(r, "device_id"));
	json_decref(r);
	return e2e_login(s, d) == 200 ? 0 : -1;
}
