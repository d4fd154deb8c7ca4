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

#endif /* POUCH_TESTS_CLIENT_FIXTURE_H */
