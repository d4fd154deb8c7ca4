/*
 * admin.c - `pouchd admin -c CONFIG COMMAND ...`, the operator's tools.
 * They open the store directly (SQLite WAL lets them run beside a
 * serving pouchd) and every change is written to the audit log in the
 * same transaction, with the operator's uid as the actor.
 *
 *   user add NAME | user list | user suspend NAME | user unsuspend NAME
 *   code create USER [--ttl SECONDS]    one-time enrolment code, shown once
 *   device list [USER] | device revoke ID
 *   audit list [--after ID] [--limit N]
 *   backup FILE | restore FILE          (restore: pouchd must be stopped)
 *   gc                                  housekeeping now (pouchd: each minute)
 *
 * Lists print one JSON object a line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "codec/codec.h"
#include "pouchd/kt_log.h"
#include "pouchd/pouchd.h"

#define CODE_BYTES	20	/* 160 bits of randomness */

static char actor[POUCH_STORE_ACTOR_MAX];

static int
print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(o);
	if (s == NULL)
		return POUCH_E_NOMEM;
	printf("%s\n", s);
	free(s);
	return POUCH_OK;
}

static int
on_user(void *arg, const struct pouch_store_user *u)
{
	(void)arg;
	return print_json(json_pack("{s:I,s:s,s:b,s:b,s:I}", "id",
	    (json_int_t)u->id, "name", u->name, "suspended", u->suspended,
	    "account_key", u->has_account_key, "created",
	    (json_int_t)u->created));
}

static int
on_device(void *arg, const struct pouch_store_device *dv)
{
	char hex[65];

	(void)arg;
	pouch_hex(dv->key, sizeof(dv->key), hex);
	return print_json(json_pack("{s:I,s:I,s:s,s:s,s:b,s:I}", "id",
	    (json_int_t)dv->id, "user_id", (json_int_t)dv->user_id, "name",
	    dv->name, "key", hex, "revoked", dv->revoked, "created",
	    (json_int_t)dv->created));
}

static int
on_audit(void *arg, const struct pouch_store_audit *a)
{
	(void)arg;
	return print_json(json_pack("{s:I,s:I,s:s,s:s,s:s}", "id",
	    (json_int_t)a->id, "ts", (json_int_t)a->ts, "actor", a->actor,
	    "action", a->action, "subject", a->subject));
}

static int
code_create(struct pouchd *d, const char *user, int64_t ttl)
{
	struct pouch_store_user u;
	struct pd_kt_staged kt;
	uint8_t raw[CODE_BYTES], hash[32];
	char code[3 + 2 * CODE_BYTES + 1];
	int64_t now = pd_now();
	int rc;

	if ((rc = d->st->ops->user_get(d->st, user, &u)) != POUCH_OK)
		return rc;
	if ((rc = pouch_random(raw, sizeof(raw))) != POUCH_OK)
		goto out;
	memcpy(code, "pc-", 3);
	pouch_hex(raw, sizeof(raw), code + 3);
	if ((rc = pouch_hash(d->crypto, POUCH_SHA256, (const uint8_t *)code,
	    strlen(code), hash)) != POUCH_OK)
		goto out;
	if ((rc = pd_kt_admin_stage(d, &kt, POUCH_KT_CODE_ISSUED, actor,
	    u.name, 0, hash, (uint64_t)(now + ttl), now)) != POUCH_OK)
		goto out;
	rc = d->st->ops->code_add(d->st, u.id, hash, now + ttl, now, actor);
	pouch_store_kt_unstage();
	if (rc != POUCH_OK)
		goto out;
	/* Shown once: only its hash is stored. */
	printf("user: %s\ncode: %s\nexpires: %lld\n", u.name, code,
	    (long long)(now + ttl));
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(code, sizeof(code));
	return rc;
}

static int
user_cmd(struct pouchd *d, int argc, char **argv)
{
	struct pd_kt_staged kt;
	int64_t id;
	int rc;

	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return d->st->ops->user_list(d->st, on_user, NULL);
	if (argc != 2)
		return POUCH_E_MISUSE;
	if (strcmp(argv[0], "add") == 0) {
		if ((rc = pd_kt_admin_stage(d, &kt, POUCH_KT_USER_CREATED,
		    actor, argv[1], 0, NULL, 0, pd_now())) != POUCH_OK)
			return rc;
		rc = d->st->ops->user_add(d->st, argv[1], pd_now(), actor, &id);
		pouch_store_kt_unstage();
		if (rc == POUCH_OK)
			printf("user %s: id %lld\n", argv[1], (long long)id);
		return rc;
	}
	if (strcmp(argv[0], "suspend") == 0 ||
	    strcmp(argv[0], "unsuspend") == 0) {
		if ((rc = pd_kt_admin_stage(d, &kt, POUCH_KT_USER_SUSPENDED,
		    actor, argv[1], argv[0][0] == 's', NULL, 0, pd_now())) !=
		    POUCH_OK)
			return rc;
		rc = d->st->ops->user_suspend(d->st, argv[1],
		    argv[0][0] == 's', pd_now(), actor);
		pouch_store_kt_unstage();
		return rc;
	}
	return POUCH_E_MISUSE;
}

static int
device_cmd(struct pouchd *d, int argc, char **argv)
{
	struct pouch_store_device dv;
	struct pouch_store_user u;
	struct pd_kt_staged kt;
	char *end;
	long long id;
	size_t n = 0;
	int rc;

	if (argc >= 1 && strcmp(argv[0], "list") == 0) {
		if (argc == 1)
			return d->st->ops->device_list(d->st, 0, on_device,
			    NULL);
		if ((rc = d->st->ops->user_get(d->st, argv[1], &u)) !=
		    POUCH_OK)
			return rc;
		return d->st->ops->device_list(d->st, u.id, on_device, NULL);
	}
	if (argc == 2 && strcmp(argv[0], "revoke") == 0) {
		id = strtoll(argv[1], &end, 10);
		if (*end != '\0' || id <= 0)
			return POUCH_E_MISUSE;
		/* the "device revoked" key event, same transaction */
		if ((rc = d->st->ops->device_get(d->st, id, &dv)) !=
		    POUCH_OK ||
		    (rc = d->st->ops->user_get_id(d->st, dv.user_id, &u)) !=
		    POUCH_OK ||
		    (rc = pd_kt_admin_stage(d, &kt, POUCH_KT_DEVICE_REVOKED,
		    actor, u.name, 0, dv.key, 0, pd_now())) != POUCH_OK)
			return rc;
		/* tokens die, and its groups get a Remove proposal from
		 * the server, in the same transaction */
		rc = d->st->ops->device_revoke(d->st, id, pd_now(), actor,
		    pd_propose_remove, d, &n);
		pouch_store_kt_unstage();
		if (rc == POUCH_OK)
			printf("device %lld revoked; Remove proposed to %zu "
			    "groups\n", id, n);
		return rc;
	}
	return POUCH_E_MISUSE;
}

static int
admin(struct pouchd *d, int argc, char **argv)
{
	int64_t after = 0, limit = 1000, ttl = d->cfg.code_ttl;
	int i, rc;

	if (argc >= 1 && strcmp(argv[0], "user") == 0)
		return user_cmd(d, argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "device") == 0)
		return device_cmd(d, argc - 1, argv + 1);
	if (argc >= 3 && strcmp(argv[0], "code") == 0 &&
	    strcmp(argv[1], "create") == 0) {
		for (i = 3; i + 1 < argc; i += 2)
			if (strcmp(argv[i], "--ttl") == 0)
				ttl = strtoll(argv[i + 1], NULL, 10);
		if (ttl < 60 || ttl > 86400 * 30 || i != argc)
			return POUCH_E_MISUSE;
		return code_create(d, argv[2], ttl);
	}
	if (argc >= 2 && strcmp(argv[0], "audit") == 0 &&
	    strcmp(argv[1], "list") == 0) {
		for (i = 2; i + 1 < argc; i += 2) {
			if (strcmp(argv[i], "--after") == 0)
				after = strtoll(argv[i + 1], NULL, 10);
			else if (strcmp(argv[i], "--limit") == 0)
				limit = strtoll(argv[i + 1], NULL, 10);
			else
				return POUCH_E_MISUSE;
		}
		if (i != argc || limit <= 0)
			return POUCH_E_MISUSE;
		return d->st->ops->audit_list(d->st, after, (size_t)limit,
		    on_audit, NULL);
	}
	if (argc == 1 && strcmp(argv[0], "gc") == 0) {
		int64_t removed;

		if ((rc = pd_gc(d, &removed)) == POUCH_OK)
			printf("gc: %lld rows removed\n", (long long)removed);
		return rc;
	}
	if (argc == 2 && strcmp(argv[0], "backup") == 0) {
		if ((rc = d->st->ops->backup(d->st, argv[1])) == POUCH_OK)
			rc = d->st->ops->audit_add(d->st, pd_now(), actor,
			    "backup", "");
		return rc;
	}
	return POUCH_E_MISUSE;
}

static void
usage(void)
{
	fprintf(stderr, "usage: pouchd admin -c CONFIG COMMAND\n"
	    "  user add NAME | user list | user suspend NAME | "
	    "user unsuspend NAME\n"
	    "  code create USER [--ttl SECONDS]\n"
	    "  device list [USER] | device revoke ID\n"
	    "  audit list [--after ID] [--limit N]\n"
	    "  backup FILE | restore FILE | gc\n");
}

/* restore runs without opening the store: pouchd must be stopped. */
static int
restore(const char *config, const char *file)
{
	struct pd_config cfg;
	char err[PD_PATH_MAX + 64];
	int fd, rc;

	if (pd_config_load(&cfg, config, err, sizeof(err)) != POUCH_OK) {
		fprintf(stderr, "pouchd: %s\n", err);
		return 1;
	}
	if ((fd = pd_lock_dir(cfg.data_dir)) < 0) {
		fprintf(stderr, "pouchd: %s is in use: stop pouchd first\n",
		    cfg.data_dir);
		return 1;
	}
	if (strcmp(cfg.storage, "postgresql") == 0)
		rc = pouch_store_pg_restore(cfg.pg_conninfo, file);
	else
		rc = pouch_store_restore(file, cfg.database);
	close(fd);
	if (rc != POUCH_OK) {
		fprintf(stderr, "pouchd: restore failed (%d)\n", rc);
		return 1;
	}
	printf("restored %s from %s\n", cfg.database, file);
	return 0;
}

int
pd_cmd_admin(int argc, char **argv)
{
	struct pouchd d;
	char err[PD_PATH_MAX + 128];
	int rc;

	if (argc < 4 || strcmp(argv[1], "-c") != 0) {
		usage();
		return 2;
	}
	snprintf(actor, sizeof(actor), "admin:uid=%ld", (long)getuid());
	if (argc == 5 && strcmp(argv[3], "restore") == 0)
		return restore(argv[2], argv[4]);
	if ((rc = pd_open(&d, argv[2], err, sizeof(err))) != POUCH_OK) {
		fprintf(stderr, "pouchd: %s\n", err);
		pd_close(&d);
		return 1;
	}
	rc = admin(&d, argc - 3, argv + 3);
	pd_close(&d);
	if (rc == POUCH_E_MISUSE) {
		usage();
		return 2;
	}
	if (rc != POUCH_OK) {
		fprintf(stderr, "pouchd: %s\n", rc == POUCH_E_NOT_FOUND ?
		    "not found" : rc == POUCH_E_EXISTS ? "already exists" :
		    pouch_strerror(rc));
		return 1;
	}
	return 0;
}
