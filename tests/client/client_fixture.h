/*
 * client_fixture.h - users and devices on a real pouchd for the client
 * tests and the client benchmark: an administrator's one-time code, a
 * device enrolled with it (its directory ROOT/NAME, key-file store),
 * and a device opened again.  Each returns POUCH_OK or an error; the
 * callers assert.
 */
#ifndef POUCH_TESTS_CLIENT_FIXTURE_H
#define POUCH_TESTS_CLIENT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pouch/client.h>
#include <pouch/err.h>

#include "e2e/e2e.h"

/* Make user (if new) and a one-time code for it: *code is malloc'd. */
static inline int
cfx_code(struct server *s, const char *user, char **code)
{
	struct buf out = { 0 };
	char args[128], *c;

	*code = NULL;
	snprintf(args, sizeof(args), "user add %s >/dev/null 2>&1", user);
	(void)e2e_admin(s, NULL, args);
	snprintf(args, sizeof(args), "code create %s", user);
	if (e2e_admin(s, &out, args) != 0 || out.p == NULL ||
	    (c = strstr((char *)out.p, "code: ")) == NULL) {
		e2e_buf_free(&out);
		return POUCH_E_IO;
	}
	c += 6;
	c[strcspn(c, "\n")] = '\0';
	*code = strdup(c);
	e2e_buf_free(&out);
	return *code != NULL ? POUCH_OK : POUCH_E_NOMEM;
}

/*
 * Enrol a new device of user in root/name, talking to url (with pin, or
 * NULL for plain HTTP on loopback: a recording proxy).
 */
static inline int
cfx_enrol_via(struct server *s, const char *root, const char *user,
    const char *name, const char *url, const char *pin, pouch_client **out)
{
	struct pouch_client_enrol e;
	struct pouch_client_unlock u;
	char dir[160], *code;
	int rc;

	*out = NULL;
	if ((rc = cfx_code(s, user, &code)) != POUCH_OK)
		return rc;
	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	memset(&e, 0, sizeof(e));
	e.server = url;
	e.pin = pin;
	e.user = user;
	e.code = code;
	e.device_name = name;
	memset(&u, 0, sizeof(u));
	rc = pouch_client_init(dir, &u, &e, out);
	free(code);
	return rc;
}

/* Enrol a new device of user in root/name. */
static inline int
cfx_enrol(struct server *s, const char *root, const char *user,
    const char *name, pouch_client **out)
{
	char url[64];

	snprintf(url, sizeof(url), "https://127.0.0.1:%d", s->port);
	return cfx_enrol_via(s, root, user, name, url, s->pin, out);
}

/* Open the device in root/name again. */
static inline int
cfx_open(const char *root, const char *name, pouch_client **out)
{
	struct pouch_client_unlock u;
	char dir[160];

	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	memset(&u, 0, sizeof(u));
	return pouch_client_open(dir, &u, out);
}

/*
 * A second device of first's user in root/name, by pairing: the short
 * code typed on first, then enrolment with an administrator's code.
 */
static inline int
cfx_pair(struct server *s, const char *root, pouch_client *first,
    const char *name, pouch_client **out)
{
	struct pouch_client_enrol e;
	struct pouch_client_unlock u;
	char dir[160], url[64], code[POUCH_CLIENT_PAIR_CODE], *ecode = NULL;
	int rc;

	*out = NULL;
	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", s->port);
	memset(&u, 0, sizeof(u));
	memset(&e, 0, sizeof(e));
	e.server = url;
	e.pin = s->pin;
	e.user = pouch_client_user(first);
	e.device_name = name;
	if ((rc = pouch_client_pair_begin(dir, &u, &e, code)) != POUCH_OK ||
	    (rc = pouch_client_approve(first, code)) != POUCH_OK ||
	    (rc = cfx_code(s, pouch_client_user(first), &ecode)) != POUCH_OK)
		goto out;
	e.code = ecode;
	rc = pouch_client_init(dir, &u, &e, out);
out:
	free(ecode);
	return rc;
}

/* 1 when cl has an alert of kind (acknowledged or not), 0 if not, or
 * an error. */
static inline int
cfx_has_alert(pouch_client *cl, const char *kind)
{
	struct pouch_client_alert *v = NULL;
	size_t n = 0, i;
	int rc, found = 0;

	if ((rc = pouch_client_alerts(cl, 1, &v, &n)) != POUCH_OK)
		return rc;
	for (i = 0; i < n; i++)
		found |= strcmp(v[i].kind, kind) == 0;
	pouch_client_alert_free(v, n);
	return found;
}

/* Send subject and body into conversation conv, or (conv 0) to user to
 * in their 1:1; *id (may be NULL) gets the message id. */
static inline int
cfx_send(pouch_client *cl, int64_t conv, const char *to, const char *subject,
    const char *body, int64_t *id)
{
	struct pouch_client_send s;
	const char *tov[1] = { to };
	int64_t mid = 0;
	int rc;

	memset(&s, 0, sizeof(s));
	s.conv = conv;
	if (conv == 0) {
		s.to = tov;
		s.nto = 1;
	}
	s.subject = subject;
	s.body = body;
	s.bodylen = strlen(body);
	rc = pouch_client_send(cl, &s, &mid);
	if (id != NULL)
		*id = mid;
	return rc;
}

/*
 * A fresh directory /tmp/pouch-NAME-XXXXXX in root (cap bytes) and a
 * pouchd of its own, with the config lines extra (NULL: none) added:
 * 0, or -1.
 */
static inline int
cfx_start_conf(struct server *s, char *root, size_t cap, const char *name,
    const char *extra)
{
	if ((size_t)snprintf(root, cap, "/tmp/pouch-%s-XXXXXX", name) >= cap ||
	    mkdtemp(root) == NULL)
		return -1;
	return e2e_start(s, extra);
}

static inline int
cfx_start(struct server *s, char *root, size_t cap, const char *name)
{
	return cfx_start_conf(s, root, cap, name, NULL);
}

/* Stop the server (whatever its exit status) and remove root: 0 or -1. */
static inline int	cfx_stop(struct server *s, const char *root);

/*
 * A test group's setup: the e2e helpers' crypto provider and a pouchd of
 * its own (cfx_start_conf, extra may be NULL); cfx_down undoes both.
 */
static inline int
cfx_up(struct server *s, char *root, size_t cap, const char *name,
    const char *extra)
{
	if (pouch_crypto_new(&e2e_crypto) != POUCH_OK)
		return -1;
	return cfx_start_conf(s, root, cap, name, extra);
}

static inline int
cfx_down(struct server *s, const char *root)
{
	int rc = cfx_stop(s, root);

	pouch_crypto_free(e2e_crypto);
	e2e_crypto = NULL;
	return rc;
}

/* Stop the server (whatever its exit status) and remove root: 0 or -1. */
static inline int
cfx_stop(struct server *s, const char *root)
{
	char cmd[160];

	(void)e2e_stop(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

#endif /* POUCH_TESTS_CLIENT_FIXTURE_H */
