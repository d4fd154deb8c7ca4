/*
 * kt_cmds.c - the key log for a security officer, and revoking a device:
 *
 *   pouch kt audit USER              the verified history of USER
 *   pouch kt monitor [--follow] [--from N] [--interval S]
 *                                    every new event of the log
 *   pouch devices revoke DEVICE      (dispatched from client_cmds.c)
 *
 * Options and exit codes as for every client command (client_cmds.c):
 * -d DIR, --json; 0 done, 1 failed, 2 usage, 3 refused (also: an event
 * that did not verify), 4 not found, 5 network.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <pouch/client.h>
#include <pouch/err.h>

#include "cli/cli.h"


struct ktopts {
	const char	*dir;
	int		 json;
	int		 follow;
	int		 interval;
	uint64_t	 from;
	char		 dirbuf[4096];
};

static int
fail(int json, const char *what, int rc)
{
	json_t *j;

	if (json) {
		j = json_pack("{s:b,s:s,s:s,s:i}", "ok", 0, "error",
		    pouch_strerror(rc), "what", what, "code", rc);
		json_dumpf(j, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(j);
	}
	fprintf(stderr, "pouch: %s: %s\n", what, pouch_strerror(rc));
	if (rc == POUCH_E_KT_PROOF)
		fprintf(stderr, "pouch: the server's log does not match the "
		    "checkpoint this device verified: keep this output and "
		    "tell your security officer\n");
	return cli_exit_of(rc);
}

static int
open_dir(const char *dir, pouch_client **cl)
{
	struct pouch_client_unlock u;

	cli_unlock(&u);
	return pouch_client_open(dir, &u, cl);
}

static int
parse(int argc, char **argv, struct ktopts *o, int *first)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ "from", required_argument, NULL, 'F' },
		{ "interval", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	const char *h;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->interval = 5;
	o->from = POUCH_CLIENT_KT_CONTINUE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dir = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'f':
			o->follow = 1;
			break;
		case 'F':
			o->from = strtoull(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0')
				return -1;
			break;
		case 'i':
			o->interval = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' ||
			    o->interval < 1 || o->interval > 3600)
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (o->dir == NULL) {
		if ((h = getenv("POUCH_HOME")) != NULL && *h != '\0')
			o->dir = h;
		else {
			h = getenv("HOME");
			snprintf(o->dirbuf, sizeof(o->dirbuf), "%s/.pouch",
			    h != NULL ? h : ".");
			o->dir = o->dirbuf;
		}
	}
	*first = optind;
	return 0;
}

static void
utc(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)t);
}

static int
verified_ok(const struct pouch_client_kt_event *e)
{
	return e->included && (strcmp(e->sig, "ok") == 0 ||
	    strcmp(e->sig, "ok_previous_key") == 0);
}

static json_t *
event_json(const struct pouch_client_kt_event *e)
{
	char t[32];

	utc(e->time, t);
	return json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b}",
	    "index", (json_int_t)e->index, "time", (json_int_t)e->time,
	    "time_utc", t, "event", e->event, "user", e->user, "actor",
	    e->actor, "signer", e->signer == 0 ? "account" : "log",
	    "device_name", e->device_name, "key", e->key_fp, "account_key",
	    e->account_fp, "signature", e->sig, "included", e->included);
}

static void
event_print(const struct pouch_client_kt_event *e, int with_user)
{
	char t[32], what[120];

	utc(e->time, t);
	if (strcmp(e->event, "device_added") == 0)
		snprintf(what, sizeof(what), "\"%s\" %.16s (account %.8s)",
		    e->device_name, e->key_fp, e->account_fp);
	else if (e->key_fp[0] != '\0')
		snprintf(what, sizeof(what), "%.16s", e->key_fp);
	else
		what[0] = '\0';
	if (with_user)
		printf("%s  %6llu  %-16s %-12s %-40s %-10s %-10s %s\n", t,
		    (unsigned long long)e->index, e->event, e->user, what,
		    e->actor, e->included ? "included" : "NOT-PROVEN",
		    e->sig);
	else
		printf("%s  %6llu  %-16s %-40s %-10s %-10s %s\n", t,
		    (unsigned long long)e->index, e->event, what, e->actor,
		    e->included ? "included" : "NOT-PROVEN", e->sig);
}

static int
kt_audit(const struct ktopts *o, const char *user)
{
	struct pouch_client_kt_event *v = NULL;
	pouch_client *cl = NULL;
	uint64_t size = 0;
	size_t n = 0, i, bad = 0;
	json_t *arr, *j;
	int rc;

	if ((rc = open_dir(o->dir, &cl)) != POUCH_OK)
		return fail(o->json, "open", rc);
	rc = pouch_client_kt_audit(cl, user, &size, &v, &n);
	pouch_client_free(cl);
	if (rc != POUCH_OK)
		return fail(o->json, "kt audit", rc);
	for (i = 0; i < n; i++)
		bad += !verified_ok(&v[i]);
	if (o->json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, event_json(&v[i]));
		j = json_pack("{s:b,s:s,s:I,s:I,s:o}", "ok", bad == 0,
		    "user", user, "tree_size", (json_int_t)size, "unverified",
		    (json_int_t)bad, "events", arr);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(j);
	} else {
		printf("key log history of %s, verified against the "
		    "checkpoint of %llu entries (whole log recomputed)\n",
		    user, (unsigned long long)size);
		printf("%-19s  %6s  %-16s %-40s %-10s %-10s %s\n", "TIME (UTC)",
		    "ENTRY", "EVENT", "DEVICE / KEY", "ACTOR", "PROOF",
		    "SIGNATURE");
		for (i = 0; i < n; i++)
			event_print(&v[i], 0);
		if (n == 0)
			printf("(no events for %s)\n", user);
		if (bad > 0)
			printf("WARNING: %zu event(s) did not verify\n", bad);
	}
	pouch_client_kt_events_free(v, n);
	return bad == 0 ? EX_OK : EX_REFUSED;
}

static int
kt_monitor(const struct ktopts *o)
{
	struct pouch_client_kt_event *v = NULL;
	pouch_client *cl = NULL;
	uint64_t from = o->from, next = 0;
	size_t n = 0, i, bad = 0;
	int rc;

	if ((rc = open_dir(o->dir, &cl)) != POUCH_OK)
		return fail(o->json, "open", rc);
	for (;;) {
		if ((rc = pouch_client_kt_monitor(cl, from, &next, &v, &n)) !=
		    POUCH_OK) {
			pouch_client_free(cl);
			return fail(o->json, "kt monitor", rc);
		}
		from = POUCH_CLIENT_KT_CONTINUE;
		for (i = 0; i < n; i++) {
			bad += !verified_ok(&v[i]);
			if (o->json) {
				json_t *j = event_json(&v[i]);

				json_dumpf(j, stdout, JSON_COMPACT);
				putchar('\n');
				json_decref(j);
			} else
				event_print(&v[i], 1);
		}
		pouch_client_kt_events_free(v, n);
		v = NULL;
		fflush(stdout);
		if (n > 0)
			continue;	/* more may be waiting */
		if (!o->follow)
			break;
		sleep((unsigned)o->interval);
	}
	pouch_client_free(cl);
	return bad == 0 ? EX_OK : EX_REFUSED;
}

int
cmd_kt(int argc, char **argv)
{
	struct ktopts o;
	int first;

	if (parse(argc, argv, &o, &first) != 0)
		goto usage;
	if (argc - first == 2 && strcmp(argv[first], "audit") == 0)
		return kt_audit(&o, argv[first + 1]);
	if (argc - first == 1 && strcmp(argv[first], "monitor") == 0)
		return kt_monitor(&o);
usage:
	fprintf(stderr, "usage: pouch kt audit USER\n"
	    "       pouch kt monitor [--follow] [--from N] [--interval S]\n");
	return EX_USAGE;
}

int
cmd_devices_revoke(const char *dir, int json, const char *device)
{
	pouch_client *cl = NULL;
	json_t *j;
	int rc;

	if ((rc = open_dir(dir, &cl)) != POUCH_OK)
		return fail(json, "open", rc);
	rc = pouch_client_revoke_device(cl, device);
	pouch_client_free(cl);
	if (rc != POUCH_OK) {
		if (rc == POUCH_E_FORBIDDEN)
			fprintf(stderr, "pouch: only a device holding the "
			    "account key (your first device) can revoke\n");
		else if (rc == POUCH_E_MISUSE)
			fprintf(stderr, "pouch: give another device's key, id "
			    "or unique name (not this device)\n");
		return fail(json, "devices revoke", rc);
	}
	if (json) {
		j = json_pack("{s:b,s:s}", "ok", 1, "revoked", device);
		json_dumpf(j, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(j);
	} else
		printf("device %s revoked: it is logged out and removed from "
		    "every conversation\n", device);
	return EX_OK;
}
