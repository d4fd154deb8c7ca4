/*
 * config.c - pouchd's configuration: a `key = value` file, one setting a
 * line, `#` comments, every key in the table below with its default and
 * bounds (docs/OPERATIONS.md lists the same table).  Unknown keys and
 * values out of bounds are errors: a typo must not silently weaken a
 * limit.  Paths left empty are derived from data_dir.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pouchd/pouchd.h"

/* C_CODE: a 16-bit code point, decimal or 0x-prefixed hex, into an int */
enum ctype { C_STR, C_INT, C_I64, C_SIZE, C_U64, C_BOOL, C_CODE };

struct key {
	const char	*name;
	enum ctype	 type;
	size_t		 off;
	size_t		 size;		/* C_STR: buffer size */
	long long	 min, max;
	const char	*def;		/* as written by `pouchd init` */
};

#define F(m)	offsetof(struct pd_config, m)
#define S(m)	sizeof(((struct pd_config *)0)->m)

#define TOKEN_TTL_MIN	60	/* seconds, unless listening on loopback */

static const struct key keys[] = {
	{ "listen", C_STR, F(listen), S(listen), 0, 0, "127.0.0.1" },
	{ "port", C_INT, F(port), 0, 0, 65535, "8443" },
	{ "port_file", C_STR, F(port_file), S(port_file), 0, 0, "" },
	{ "data_dir", C_STR, F(data_dir), S(data_dir), 0, 0, NULL },
	{ "database", C_STR, F(database), S(database), 0, 0, "" },
	{ "storage", C_STR, F(storage), S(storage), 0, 0, "sqlite" },
	{ "pg_conninfo", C_STR, F(pg_conninfo), S(pg_conninfo), 0, 0, "" },
	{ "tls", C_BOOL, F(tls), 0, 0, 1, "yes" },
	{ "tls_cert", C_STR, F(tls_cert), S(tls_cert), 0, 0, "" },
	{ "tls_key", C_STR, F(tls_key), S(tls_key), 0, 0, "" },
	{ "server_key", C_STR, F(server_key), S(server_key), 0, 0, "" },
	{ "attachment_dir", C_STR, F(attachment_dir), S(attachment_dir), 0, 0,
	    "" },
	{ "log_file", C_STR, F(log_file), S(log_file), 0, 0, "" },
	{ "threads", C_INT, F(threads), 0, 1, 256, "4" },
	{ "workers", C_INT, F(workers), 0, 1, 1024, "16" },
	{ "connection_limit", C_INT, F(connection_limit), 0, 1, 1000000,
	    "10000" },
	{ "connection_timeout", C_INT, F(connection_timeout), 0, 1, 86400,
	    "120" },
	{ "drain_timeout", C_INT, F(drain_timeout), 0, 0, 3600, "10" },
	/* below 60 only on a loopback address (tests): pd_config_load */
	{ "token_ttl", C_I64, F(token_ttl), 0, 1, 86400 * 7, "3600" },
	{ "challenge_ttl", C_I64, F(challenge_ttl), 0, 5, 3600, "60" },
	{ "code_ttl", C_I64, F(code_ttl), 0, 60, 86400 * 30, "86400" },
	{ "body_max", C_SIZE, F(body_max), 0, 1024, 1 << 30, "1048576" },
	{ "body_max_unauth", C_SIZE, F(body_max_unauth), 0, 256, 1 << 20,
	    "16384" },
	{ "json_depth_max", C_INT, F(json_depth_max), 0, 2, 64, "8" },
	{ "url_max", C_SIZE, F(url_max), 0, 64, 65536, "1024" },
	{ "header_memory", C_SIZE, F(header_memory), 0, 4096, 1 << 20,
	    "8192" },
	{ "kp_batch_max", C_SIZE, F(kp_batch_max), 0, 1, 10000, "100" },
	{ "kp_stored_max", C_SIZE, F(kp_stored_max), 0, 1, 1000000, "1000" },
	{ "epoch_window", C_U64, F(epoch_window), 0, 0, 1000, "5" },
	{ "sync_wait_max", C_INT, F(sync_wait_max), 0, 0, 3600, "60" },
	{ "sync_batch_max", C_SIZE, F(sync_batch_max), 0, 1, 10000, "100" },
	{ "attachment_max", C_U64, F(attachment_max), 0, 1, 1LL << 40,
	    "67108864" },
	{ "attachment_quota", C_U64, F(attachment_quota), 0, 0, 1LL << 50,
	    "1073741824" },
	{ "attachment_retention", C_I64, F(attachment_retention), 0, 0,
	    86400LL * 3650, "2592000" },
	{ "rate_unauth", C_INT, F(rate_unauth), 0, 0, 100000, "5" },
	{ "rate_unauth_burst", C_INT, F(rate_unauth_burst), 0, 1, 100000,
	    "20" },
	{ "rate_auth", C_INT, F(rate_auth), 0, 0, 100000, "100" },
	{ "rate_auth_burst", C_INT, F(rate_auth_burst), 0, 1, 100000, "200" },
	{ "kt_interval", C_INT, F(kt_interval), 0, 1, 3600, "1" },
	{ "kt_mmd", C_INT, F(kt_mmd), 0, 1, 86400, "10" },
	{ "kt_origin", C_STR, F(kt_origin), S(kt_origin), 0, 0,
	    "pouch.invalid/kt" },
	/* 0: none; else checked by pd_suite_alias when pouchd starts */
	{ "mls_suite_alias", C_CODE, F(mls_suite_alias), 0, 0, 0xffff, "0" },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static int
set(struct pd_config *c, const struct key *k, const char *v)
{
	char *end, *dst = (char *)c + k->off;
	long long n;

	if (k->type == C_STR) {
		if (strlen(v) >= k->size)
			return -1;
		memcpy(dst, v, strlen(v) + 1);
		return 0;
	}
	if (k->type == C_BOOL) {
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
			*(int *)dst = 1;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
			*(int *)dst = 0;
		else
			return -1;
		return 0;
	}
	errno = 0;
	if (k->type == C_CODE && (strncmp(v, "0x", 2) == 0 ||
	    strncmp(v, "0X", 2) == 0)) {
		/* exactly 1 to 4 hex digits: no sign, no space, no 0x0x */
		v += 2;
		if (*v == '\0' || strlen(v) > 4 || strspn(v,
		    "0123456789abcdefABCDEF") != strlen(v))
			return -1;
		n = strtoll(v, &end, 16);
	} else {
		if (k->type == C_CODE && strspn(v, "0123456789") != strlen(v))
			return -1;
		n = strtoll(v, &end, 10);
	}
	if (errno != 0 || end == v || *end != '\0' || n < k->min ||
	    n > k->max)
		return -1;
	switch (k->type) {
	case C_CODE:
	case C_INT:
		*(int *)dst = (int)n;
		break;
	case C_I64:
		*(int64_t *)dst = (int64_t)n;
		break;
	case C_SIZE:
		*(size_t *)dst = (size_t)n;
		break;
	case C_U64:
		*(uint64_t *)dst = (uint64_t)n;
		break;
	default:
		return -1;
	}
	return 0;
}

static void
derive(char *dst, size_t cap, const char *dir, const char *leaf)
{
	/* too long for the buffer: left empty, refused by whoever opens */
	if (dst[0] == '\0' &&
	    (size_t)snprintf(dst, cap, "%s/%s", dir, leaf) >= cap)
		dst[0] = '\0';
}

static void
derive_paths(struct pd_config *c)
{
	derive(c->database, sizeof(c->database), c->data_dir, "pouchd.db");
	derive(c->tls_cert, sizeof(c->tls_cert), c->data_dir, "tls.crt");
	derive(c->tls_key, sizeof(c->tls_key), c->data_dir, "tls.key");
	derive(c->server_key, sizeof(c->server_key), c->data_dir,
	    "server.key");
	derive(c->attachment_dir, sizeof(c->attachment_dir), c->data_dir,
	    "attachments");
}

void
pd_config_defaults(struct pd_config *c, const char *dir)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++)
		if (keys[i].def != NULL && set(c, &keys[i], keys[i].def) != 0)
			abort();		/* a broken default */
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", dir);
	derive_paths(c);
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
pd_config_load(struct pd_config *c, const char *path, char *err,
    size_t errlen)
{
	char line[2048], dir[PD_PATH_MAX], *k, *v, *eq, *slash;
	struct pd_config tmp;
	FILE *f;
	size_t i;
	int lineno = 0, rc = POUCH_E_MALFORMED;

	/* data_dir defaults to the config file's directory */
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	memset(&tmp, 0, sizeof(tmp));
	pd_config_defaults(&tmp, dir);
	tmp.database[0] = tmp.tls_cert[0] = tmp.tls_key[0] = '\0';
	tmp.server_key[0] = tmp.attachment_dir[0] = '\0';
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return POUCH_E_IO;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path,
			    lineno);
			goto out;
		}
		k = trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected key = value",
			    path, lineno);
			goto out;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		for (i = 0; i < NKEYS; i++)
			if (strcmp(keys[i].name, k) == 0)
				break;
		if (i == NKEYS) {
			snprintf(err, errlen, "%s:%d: unknown key '%.64s'",
			    path, lineno, k);
			goto out;
		}
		if (set(&tmp, &keys[i], v) != 0) {
			snprintf(err, errlen, "%s:%d: bad value for %s",
			    path, lineno, keys[i].name);
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = POUCH_E_IO;
		goto out;
	}
	/* storage = sqlite|postgresql; postgresql needs pg_conninfo */
	if (strcmp(tmp.storage, "sqlite") != 0 &&
	    (strcmp(tmp.storage, "postgresql") != 0 ||
	    tmp.pg_conninfo[0] == '\0')) {
		snprintf(err, errlen, "%s: storage must be sqlite, or "
		    "postgresql with pg_conninfo", path);
		goto out;
	}
	/* A token that dies within a minute is for tests on loopback. */
	if (tmp.token_ttl < TOKEN_TTL_MIN &&
	    !pd_addr_is_loopback(tmp.listen)) {
		snprintf(err, errlen, "%s: token_ttl below %d needs a "
		    "loopback listen address", path, TOKEN_TTL_MIN);
		goto out;
	}
	derive_paths(&tmp);
	*c = tmp;
	rc = POUCH_OK;
out:
	fclose(f);
	return rc;
}

int
pd_config_write_default(const char *path, const char *dir)
{
	struct pd_config c;
	char buf[8192];
	size_t i, off = 0;
	int n;

	pd_config_defaults(&c, dir);
	n = snprintf(buf, sizeof(buf), "# pouchd configuration: every key "
	    "and its default is in docs/OPERATIONS.md\n");
	off += (size_t)n;
	for (i = 0; i < NKEYS && off < sizeof(buf); i++) {
		const char *v = keys[i].def;

		if (strcmp(keys[i].name, "data_dir") == 0)
			v = dir;
		else if (strcmp(keys[i].name, "database") == 0)
			v = c.database;
		else if (v == NULL || v[0] == '\0')
			continue;
		n = snprintf(buf + off, sizeof(buf) - off, "%s = %s\n",
		    keys[i].name, v);
		if (n < 0)
			return POUCH_E_IO;
		off += (size_t)n;
	}
	if (off >= sizeof(buf))
		return POUCH_E_TOO_LARGE;
	return pd_write_file(path, (const uint8_t *)buf, off, 0600);
}

int
pd_addr_is_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return memcmp(&a6, &in6addr_loopback,	/* checksrc: allow */
		    sizeof(a6)) == 0;
	return 0;
}
