/*
 * client_cmds.c - the user's commands over the client engine
 * (include/pouch/client.h): init, send, reply, list/inbox, read,
 * conversations, group, devices, verify, alerts, sync, export, save.
 *
 * Every command takes -d DIR (default $POUCH_HOME, else ~/.pouch) and
 * --json (one JSON document on stdout for scripts).  The store is
 * unlocked with the passphrase in $POUCH_PASSPHRASE when set, else with
 * DIR/store.key.  Exit codes: 0 done, 1 failed, 2 usage, 3 refused
 * (authentication, permission, untrusted conversation), 4 not found,
 * 5 network or server unavailable.
 */
#include <errno.h>
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

#define BODY_MAX	((size_t)1 << 20)

struct opts {
	const char	*dir;
	int		 json;
	char		 dirbuf[4096];
};

int
cli_exit_of(int rc)
{
	switch (rc) {
	case POUCH_OK:
		return EX_OK;
	case POUCH_E_FORBIDDEN:
	case POUCH_E_BAD_KEY:
	case POUCH_E_BAD_SIGNATURE:
	case POUCH_E_KT_PROOF:
	case POUCH_E_KT_CHECKPOINT_SIG:
	case POUCH_E_KT_ROLLBACK:
	case POUCH_E_KT_EVENT_SIG:
		return EX_REFUSED;
	case POUCH_E_NOT_FOUND:
		return EX_NOTFOUND;
	case POUCH_E_IO:
		return EX_NET;
	case POUCH_E_MISUSE:
		return EX_USAGE;
	default:
		return EX_FAIL;
	}
}

/* What to do about an error, for the person at the terminal. */
static const char *
advice(int rc)
{
	switch (rc) {
	case POUCH_E_FORBIDDEN:
		return "the server or the conversation refused: check "
		    "`pouch alerts`, or ask your administrator";
	case POUCH_E_BAD_KEY:
		return "wrong passphrase or key file ($POUCH_PASSPHRASE)";
	case POUCH_E_NOT_FOUND:
		return "no such user, conversation or message (or the user "
		    "has no device with key packages yet)";
	case POUCH_E_IO:
		return "the server did not answer: check the URL, the pin "
		    "and the network, then `pouch sync`";
	case POUCH_E_EXISTS:
		return "already exists";
	case POUCH_E_CONFLICT:
		return "the conversation changed under us too often; try "
		    "again";
	case POUCH_E_PAIR_CODE:
		return "check the code on the new device's screen, or run "
		    "`pouch devices add` there again if 10 minutes passed";
	case POUCH_E_PAIR_PENDING:
		return "run `pouch devices approve CODE` on your first "
		    "device, then `pouch init` here again";
	case POUCH_E_BAD_MAC:
		return "the approval was altered on its way: do not use "
		    "this server, tell your security officer";
	default:
		return NULL;
	}
}

static int
fail(const struct opts *o, const char *what, int rc)
{
	const char *a = advice(rc);

	if (o->json) {
		json_t *j = json_pack("{s:b,s:s,s:s,s:i}", "ok", 0, "error",
		    pouch_strerror(rc), "what", what, "code", rc);

		json_dumpf(j, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(j);
	}
	fprintf(stderr, "pouch: %s: %s%s%s\n", what, pouch_strerror(rc),
	    a != NULL ? "; " : "", a != NULL ? a : "");
	return cli_exit_of(rc);
}

static void
emit(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(j);
}

static void
default_dir(struct opts *o)
{
	const char *h;

	if ((h = getenv("POUCH_HOME")) != NULL && *h != '\0') {
		o->dir = h;
		return;
	}
	h = getenv("HOME");
	snprintf(o->dirbuf, sizeof(o->dirbuf), "%s/.pouch",
	    h != NULL ? h : ".");
	o->dir = o->dirbuf;
}

void
cli_unlock(struct pouch_client_unlock *u)
{
	const char *p = getenv("POUCH_PASSPHRASE");

	memset(u, 0, sizeof(*u));
	if (p != NULL && *p != '\0') {
		u->pass = p;
		u->passlen = strlen(p);
	}
}

/* A progress bar on stderr for attachment transfers. */
static void
bar(void *arg, uint64_t done, uint64_t total)
{
	static int last = -1;
	int pct, i;

	(void)arg;
	if (total == 0)
		return;
	pct = (int)(done * 100 / total);
	if (pct == last)
		return;
	last = pct;
	fputs("\r  [", stderr);
	for (i = 0; i < 40; i++)
		fputc(i < pct * 40 / 100 ? '#' : ' ', stderr);
	fprintf(stderr, "] %3d%% %llu KiB", pct,
	    (unsigned long long)(total >> 10));
	if (done >= total) {
		fputc('\n', stderr);
		last = -1;
	}
}

static int
open_client(const struct opts *o, pouch_client **cl)
{
	struct pouch_client_unlock u;
	int rc;

	cli_unlock(&u);
	if ((rc = pouch_client_open(o->dir, &u, cl)) != POUCH_OK) {
		if (rc == POUCH_E_NOT_FOUND)
			fprintf(stderr, "pouch: no client in %s: run "
			    "`pouch init` first\n", o->dir);
		return rc;
	}
	if (!o->json && isatty(STDERR_FILENO))
		pouch_client_set_progress(*cl, bar, NULL);
	return POUCH_OK;
}

static char *
read_all(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0, r;
	char *p = malloc(cap), *np;

	if (p == NULL)
		return NULL;
	while ((r = fread(p + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n > BODY_MAX) {
			free(p);
			return NULL;
		}
		if (cap - n - 1 == 0) {
			if ((np = realloc(p, cap * 2)) == NULL) {
				free(p);
				return NULL;
			}
			p = np;
			cap *= 2;
		}
	}
	p[n] = '\0';
	*len = n;
	return p;
}

static int64_t
num(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v <= 0)
		return 0;
	return v;
}

/* Common options; *first gets the index of the first operand. */
static int
parse(int argc, char **argv, struct opts *o, const struct option *extra,
    const char *shortopts, int (*cb)(int, const char *, void *), void *arg,
    int *first)
{
	struct option lo[24];
	size_t n = 0, i;
	int ch;

	memset(o, 0, sizeof(*o));
	default_dir(o);
	lo[n++] = (struct option){ "dir", required_argument, NULL, 'd' };
	lo[n++] = (struct option){ "json", no_argument, NULL, 'J' };
	for (i = 0; extra != NULL && extra[i].name != NULL && n < 22; i++)
		lo[n++] = extra[i];
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	optind = 1;
	while ((ch = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
		if (ch == 'd')
			o->dir = optarg;
		else if (ch == 'J')
			o->json = 1;
		else if (cb == NULL || cb(ch, optarg, arg) != 0)
			return EX_USAGE;
	}
	*first = optind;
	return EX_OK;
}

/* ---- init ------------------------------------------------------------- */

struct init_args {
	struct pouch_client_enrol e;
};

static int
init_cb(int ch, const char *v, void *arg)
{
	struct init_args *a = arg;

	switch (ch) {
	case 's':
		a->e.server = v;
		return 0;
	case 'p':
		a->e.pin = v;
		return 0;
	case 'u':
		a->e.user = v;
		return 0;
	case 'c':
		a->e.code = v;
		return 0;
	case 'n':
		a->e.device_name = v;
		return 0;
	default:
		return 1;
	}
}

int
cmd_init(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "server", required_argument, NULL, 's' },
		{ "pin", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "code", required_argument, NULL, 'c' },
		{ "device-name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct pouch_client_unlock u;
	struct init_args a;
	pouch_client *cl = NULL;
	struct opts o;
	int rc, first, waited = 0;

	memset(&a, 0, sizeof(a));
	if (parse(argc, argv, &o, lo, "d:s:p:u:c:n:", init_cb, &a, &first) !=
	    0 || a.e.server == NULL || a.e.user == NULL || a.e.code == NULL) {
		fprintf(stderr, "usage: pouch init --server URL --pin "
		    "sha256//KEY --user NAME --code CODE [--device-name N] "
		    "[-d DIR]\n");
		return EX_USAGE;
	}
	cli_unlock(&u);
	/* after `pouch devices add`: wait for the approval (10 minutes) */
	while ((rc = pouch_client_init(o.dir, &u, &a.e, &cl)) ==
	    POUCH_E_PAIR_PENDING && waited < 600) {
		if (waited == 0 && !o.json)
			fprintf(stderr, "waiting for your other device to "
			    "approve this one...\n");
		sleep(2);
		waited += 2;
	}
	if (rc != POUCH_OK)
		return fail(&o, "init", rc);
	if (o.json)
		emit(json_pack("{s:b,s:s,s:I,s:s}", "ok", 1, "user",
		    pouch_client_user(cl), "device_id",
		    (json_int_t)pouch_client_device_id(cl), "dir", o.dir));
	else
		printf("enrolled %s, device %lld; store in %s (%s)\n",
		    pouch_client_user(cl),
		    (long long)pouch_client_device_id(cl), o.dir,
		    u.pass != NULL ? "passphrase" : "key file store.key");
	pouch_client_free(cl);
	return EX_OK;
}

/* ---- send and reply ---------------------------------------------------- */

struct send_args {
	struct pouch_client_send s;
	const char		*body_file;
	const char		*att[16];
	size_t			 natt;
	int64_t			 conv;
	int			 bad;
};

static int
send_cb(int ch, const char *v, void *arg)
{
	struct send_args *a = arg;

	switch (ch) {
	case 's':
		a->s.subject = v;
		return 0;
	case 'b':
		a->body_file = v;
		return 0;
	case 'a':
		if (a->natt >= 16)
			return 1;
		a->att[a->natt++] = v;
		return 0;
	case 'C':
		return (a->conv = num(v)) == 0;
	default:
		return 1;
	}
}

static int
do_send(int argc, char **argv, int reply)
{
	static const struct option lo[] = {
		{ "subject", required_argument, NULL, 's' },
		{ "body-file", required_argument, NULL, 'b' },
		{ "attach", required_argument, NULL, 'a' },
		{ "conversation", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	struct pouch_client_msg *parent = NULL;
	struct send_args a;
	pouch_client *cl = NULL;
	struct opts o;
	char *body = NULL, *subj = NULL;
	size_t bodylen = 0;
	int64_t id = 0;
	FILE *f;
	int rc, first;

	memset(&a, 0, sizeof(a));
	if (parse(argc, argv, &o, lo, "d:s:b:a:C:", send_cb, &a, &first) !=
	    0 || (reply ? argc - first != 1 : (argc - first < 1 &&
	    a.conv == 0))) {
		fprintf(stderr, reply ? "usage: pouch reply ID [--attach FILE]"
		    " [--body-file F]\n" : "usage: pouch send USER... "
		    "[--subject S] [--body-file F] [--attach FILE]... "
		    "(body on stdin)\n       pouch send --conversation ID "
		    "...\n");
		return EX_USAGE;
	}
	if (a.body_file != NULL && strcmp(a.body_file, "-") != 0) {
		if ((f = fopen(a.body_file, "r")) == NULL) {
			fprintf(stderr, "pouch: %s: %s\n", a.body_file,
			    strerror(errno));
			return EX_FAIL;
		}
		body = read_all(f, &bodylen);
		fclose(f);
	} else
		body = read_all(stdin, &bodylen);
	if (body == NULL) {
		fprintf(stderr, "pouch: the body is over 1 MiB or "
		    "unreadable\n");
		return EX_FAIL;
	}
	if ((rc = open_client(&o, &cl)) != POUCH_OK) {
		free(body);
		return fail(&o, "open", rc);
	}
	a.s.body = body;
	a.s.bodylen = bodylen;
	a.s.attach = a.att;
	a.s.nattach = a.natt;
	if (reply) {
		int64_t pid = num(argv[first]);

		if (pid == 0 || (rc = pouch_client_read(cl, pid, &parent)) !=
		    POUCH_OK) {
			rc = pid == 0 ? POUCH_E_MISUSE : rc;
			goto out;
		}
		a.s.conv = parent->conv;
		a.s.reply_to = pid;
		if (a.s.subject == NULL) {
			size_t n = strlen(parent->subject) + 5;

			if ((subj = malloc(n)) == NULL) {
				rc = POUCH_E_NOMEM;
				goto out;
			}
			snprintf(subj, n, "%s%s", strncmp(parent->subject,
			    "Re: ", 4) == 0 ? "" : "Re: ", parent->subject);
			a.s.subject = subj;
		}
	} else {
		a.s.conv = a.conv;
		a.s.to = (const char *const *)argv + first;
		a.s.nto = (size_t)(argc - first);
	}
	rc = pouch_client_send(cl, &a.s, &id);
out:
	if (rc != POUCH_OK)
		rc = fail(&o, reply ? "reply" : "send", rc);
	else if (o.json)
		emit(json_pack("{s:b,s:I}", "ok", 1, "id", (json_int_t)id));
	else
		printf("sent message %lld\n", (long long)id);
	pouch_client_msg_free(parent, parent != NULL ? 1 : 0);
	pouch_client_free(cl);
	free(subj);
	free(body);
	return rc;
}

int
cmd_send(int argc, char **argv)
{
	return do_send(argc, argv, 0);
}

int
cmd_reply(int argc, char **argv)
{
	return do_send(argc, argv, 1);
}

/* ---- list, read, export, save ----------------------------------------- */

static void
fmt_time(int64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, cap, "?");
}

static json_t *
msg_json(const struct pouch_client_msg *m)
{
	json_t *j;
	size_t i;

	j = json_pack("{s:I,s:I,s:s,s:s,s:I,s:b,s:b,s:I}", "id",
	    (json_int_t)m->id, "conversation", (json_int_t)m->conv, "from",
	    m->from, "subject", m->subject, "date", (json_int_t)m->date,
	    "outgoing", m->outgoing, "read", m->read, "attachments",
	    (json_int_t)m->natt);
	if (m->message_id != NULL)
		json_object_set_new(j, "message_id",
		    json_string(m->message_id));
	if (m->in_reply_to != NULL)
		json_object_set_new(j, "in_reply_to",
		    json_string(m->in_reply_to));
	if (m->body != NULL) {
		json_t *a = json_array();

		json_object_set_new(j, "body", json_stringn(m->body,
		    m->bodylen));
		for (i = 0; i < m->natt; i++)
			json_array_append_new(a, json_pack("{s:s,s:I}",
			    "name", m->att_names[i], "size",
			    (json_int_t)m->att_sizes[i]));
		json_object_set_new(j, "files", a);
	}
	return j;
}

static int
list_cb(int ch, const char *v, void *arg)
{
	int64_t *conv = arg;

	if (ch == 'C')
		return (*conv = num(v)) == 0;
	return 1;
}

static int
do_list(int argc, char **argv, int unread)
{
	static const struct option lo[] = {
		{ "conversation", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	struct pouch_client_msg *v = NULL;
	pouch_client *cl = NULL;
	struct opts o;
	int64_t conv = 0;
	char when[32];
	json_t *arr;
	size_t n = 0, i;
	int rc, first;

	if (parse(argc, argv, &o, lo, "d:C:", list_cb, &conv, &first) != 0)
		return EX_USAGE;
	if ((rc = open_client(&o, &cl)) != POUCH_OK)
		return fail(&o, "open", rc);
	if ((rc = pouch_client_list(cl, conv, unread, 0, &v, &n)) !=
	    POUCH_OK) {
		pouch_client_free(cl);
		return fail(&o, "list", rc);
	}
	if (o.json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, msg_json(&v[i]));
		emit(json_pack("{s:b,s:o}", "ok", 1, "messages", arr));
	} else {
		for (i = 0; i < n; i++) {
			fmt_time(v[i].date, when, sizeof(when));
			printf("%c %5lld  %-16s  %-12.12s  %s%s\n",
			    v[i].read ? ' ' : '*', (long long)v[i].id, when,
			    v[i].outgoing ? "(me)" : v[i].from, v[i].subject,
			    v[i].natt > 0 ? "  [+]" : "");
		}
		if (n == 0)
			printf("no messages\n");
	}
	pouch_client_msg_free(v, n);
	pouch_client_free(cl);
	return EX_OK;
}

int
cmd_list(int argc, char **argv)
{
	return do_list(argc, argv, 0);
}

int
cmd_inbox(int argc, char **argv)
{
	return do_list(argc, argv, 1);
}

int
cmd_read(int argc, char **argv)
{
	struct pouch_client_msg *m = NULL;
	pouch_client *cl = NULL;
	struct opts o;
	char when[32];
	int64_t id;
	size_t i;
	int rc, first;

	if (parse(argc, argv, &o, NULL, "d:", NULL, NULL, &first) != 0 ||
	    argc - first != 1 || (id = num(argv[first])) == 0) {
		fprintf(stderr, "usage: pouch read ID\n");
		return EX_USAGE;
	}
	if ((rc = open_client(&o, &cl)) != POUCH_OK)
		return fail(&o, "open", rc);
	if ((rc = pouch_client_read(cl, id, &m)) != POUCH_OK) {
		pouch_client_free(cl);
		return fail(&o, "read", rc);
	}
	if (o.json)
		emit(msg_json(m));
	else {
		fmt_time(m->date, when, sizeof(when));
		printf("From:    %s\nDate:    %s UTC\nSubject: %s\n",
		    m->from, when, m->subject);
		for (i = 0; i < m->natt; i++)
			printf("Attached: [%zu] %s (%llu bytes)\n", i,
			    m->att_names[i],
			    (unsigned long long)m->att_sizes[i]);
		printf("\n%.*s%s", (int)m->bodylen, m->body,
		    m->bodylen > 0 && m->body[m->bodylen - 1] == '\n' ? "" :
		    "\n");
	}
	pouch_client_msg_free(m, 1);
	pouch_client_free(cl);
	return EX_OK;
}

int
cmd_save(int argc, char **argv)
{
	pouch_client *cl = NULL;
	struct opts o;
	int64_t id;
	char *end;
	unsigned long idx;
	int rc, first;

	if (parse(argc, argv, &o, NULL, "d:", NULL, NULL, &first) != 0 ||
	    argc - first != 3 || (id = num(argv[first])) == 0) {
		fprintf(stderr, "usage: pouch save ID INDEX FILE\n");
		return EX_USAGE;
	}
	idx = strtoul(argv[first + 1], &end, 10);
	if (*end != '\0')
		return EX_USAGE;
	if ((rc = open_client(&o, &cl)) != POUCH_OK)
		return fail(&o, "open", rc);
	rc = pouch_client_save_attachment(cl, id, idx, argv[first + 2]);
	pouch_client_free(cl);
	if (rc != POUCH_OK)
		return fail(&o, "save", rc);
	if (!o.json)
		printf("saved %s\n", argv[first + 2]);
	else
		emit(json_pack("{s:b,s:s}", "ok", 1, "file", argv[first + 2]));
	return EX_OK;
}

/* One message into an mboxrd: every "From " line, quoted or not, gets
 * one more '>'. */
static void
mboxrd(const uint8_t *eml, size_t len)
{
	size_t s = 0, e, k;

	while (s < len) {
		for (e = s; e < len && eml[e] != '\n'; e++)
			;
		for (k = s; k < e && eml[k] == '>'; k++)
			;
		if (e - k >= 5 && strncmp((const char *)eml + k, "From ",
		    5) == 0)
			putchar('>');
		fwrite(eml + s, 1, e - s, stdout);
		putchar('\n');
		s = e + 1;
	}
}

int
cmd_export(int argc, char **argv)
{
	struct pouch_client_msg *v = NULL;
	pouch_client *cl = NULL;
	struct opts o;
	uint8_t *eml = NULL;
	size_t emllen = 0, n = 0, i;
	int64_t id = 0;
	int rc, first;

	if (parse(argc, argv, &o, NULL, "d:", NULL, NULL, &first) != 0 ||
	    argc - first > 1 || (argc - first == 1 &&
	    (id = num(argv[first])) == 0)) {
		fprintf(stderr, "usage: pouch export [ID]   (one .eml, or "
		    "every message as an mbox on stdout)\n");
		return EX_USAGE;
	}
	if ((rc = open_client(&o, &cl)) != POUCH_OK)
		return fail(&o, "open", rc);
	if (id != 0) {
		if ((rc = pouch_client_export(cl, id, &eml, &emllen)) ==
		    POUCH_OK)
			fwrite(eml, 1, emllen, stdout);
		goto out;
	}
	if ((rc = pouch_client_list(cl, 0, 0, 0, &v, &n)) != POUCH_OK)
		goto out;
	for (i = 0; i < n; i++) {
		char when[64];
		time_t t = (time_t)v[i].date;
		struct tm tm;

		if ((rc = pouch_client_export(cl, v[i].id, &eml, &emllen)) !=
		    POUCH_OK)
			goto out;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm);
		printf("From %s@pouch %s\n", v[i].from, when);
		mboxrd(eml, emllen);
		putchar('\n');
		pouch_client_buf_free(eml, emllen);
		eml = NULL;
	}
out:
	pouch_client_buf_free(eml, emllen);
	pouch_client_msg_free(v, n);
	pouch_client_free(cl);
	return rc == POUCH_OK ? EX_OK : fail(&o, "export", rc);
}

/* ---- conversations and groups ---------------------------------------- */

int
cmd_conversations(int argc, char **argv)
{
	struct pouch_client_conv *v = NULL;
	pouch_client *cl = NULL;
	struct opts o;
	json_t *arr, *mem;
	size_t n = 0, i, j;
	int rc, first;

	if (parse(argc, argv, &o, NULL, "d:", NULL, NULL, &first) != 0)
		return EX_USAGE;
	if ((rc = open_client(&o, &cl)) != POUCH_OK)
		return fail(&o, "open", rc);
	if ((rc = pouch_client_conversations(cl, &v, &n)) != POUCH_OK) {
		pouch_client_free(cl);
		return fail(&o, "conversations", rc);
	}
	arr = json_array();
	for (i = 0; i < n; i++) {
		mem = json_array();
		for (j = 0; j < v[i].nmembers; j++)
			json_array_append_new(mem,
			    json_string(v[i].members[j]));
		if (o.json) {
			json_array_append_new(arr, json_pack("{s:I,s:s,s:I,"
			    "s:o,s:I,s:b,s:b,s:i}", "id", (json_int_t)v[i].id,
			    "title", v[i].title, "epoch",
			    (json_int_t)v[i].epoch, "members", mem, "devices",
			    (json_int_t)v[i].ndevices, "removed",
			    v[i].removed, "trusted", v[i].trusted,
			    "cipher_suite", (int)v[i].cipher_suite));
			continue;
		}
		printf("%5lld  %-20.20s  epoch %-4llu %zu devices%s%s  ",
		    (long long)v[i].id, v[i].title[0] != '\0' ? v[i].title :
		    "(untitled)", (unsigned long long)v[i].epoch,
		    v[i].ndevices, v[i].removed ? "  [removed]" : "",
		    v[i].trusted ? "" : "  [UNTRUSTED DEVICE]");
		for (j = 0; j < v[i].nmembers; j++)
			printf("%s%s", j > 0 ? ", " : "", v[i].members[j]);
		printf("\n");
		json_decref(mem);
	}
	if (o.json)
		emit(json_pack("{s:b,s:o}", "ok", 1, "conversations", arr));
	else {
		json_decref(arr);
		if (n == 0)
			printf("no conversations\n");
	}
	pouch_client_conv_free(v, n);
	pouch_client_free(cl);
	return EX_OK;
}

static int
title_cb(int ch, const char *v, void *arg)
{
	const char **t = arg;

	if (ch == 't') {
		*t = v;
		return 0;
	}
	return 1;
}

int
cmd_group(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "title", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	pouch_client *cl = NULL;
	const char *title = NULL, *sub;
	struct opts o;
	int64_t id = 0;
	int rc, first, nargs;

	if (argc < 2)
		goto usage;
	sub = argv[1];
	if (parse(argc - 1, argv + 1, &o, lo, "d:t:", title_cb, &title,
	    &first) != 0)
		goto usage;
	first++;		/* index in argv */
	nargs = argc - first;
	if ((strcmp(sub, "create") == 0 && nargs < 1) ||
	    (strcmp(sub, "add") == 0 && nargs < 2) ||
	    (strcmp(sub, "remove") == 0 && nargs != 2) ||
	    (strcmp(sub, "update") == 0 && nargs != 1))
		goto usage;
	if (strcmp(sub, "create") != 0 && strcmp(sub, "add") != 0 &&
	    strcmp(sub, "remove") != 0 && strcmp(sub, "update") != 0)
		goto usage;
	if (strcmp(sub, "create") != 0 && (id = num(argv[first])) == 0)
		goto usage;
	if ((rc = open_client(&o, &cl)) != POUCH_OK)
		return fail(&o, "open", rc);
	if (strcmp(sub, "create") == 0)
		rc = pouch_client_conv_create(cl, title,
		    (const char *const *)argv + first, (size_t)nargs, &id);
	else if (strcmp(sub, "add") == 0)
		rc = pouch_client_conv_add(cl, id,
		    (const char *const *)argv + first + 1, (size_t)nargs - 1);
	else if (strcmp(sub, "remove") == 0)
		rc = pouch_client_conv_remove(cl, id, argv[first + 1]);
	else
		rc = pouch_client_conv_update(cl, id);
	pouch_client_free(cl);
	if (rc != POUCH_OK)
		return fail(&o, sub, rc);
	if (o.json)
		emit(json_pack("{s:b,s:I}", "ok", 1, "conversation",
		    (json_int_t)id));
	else
		printf("conversation %lld: %s done\n", (long long)id, sub);
	return EX_OK;
usage:
	fprintf(stderr, "usage: pouch group create USER... [--title T]\n"
	    "       pouch group add ID USER...\n"
	    "       pouch group remove ID USER\n"
	    "       pouch group update ID\n");
	return EX_USAGE;
}

/* ---- sync ------------------------------------------------------------- */

static int
follow_cb(int ch, const char *v, void *arg)
{
	int *follow = arg;

	(void)v;
	if (ch == 'f') {
		*follow = 1;
		return 0;
	}
	return 1;
}

int
cmd_sync(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	pouch_client *cl = NULL;
	struct opts o;
	size_t nnew = 0;
	int rc, first, follow = 0;

	if (parse(argc, argv, &o, lo, "d:f", follow_cb, &follow, &first) !=
	    0)
		return EX_USAGE;
	if ((rc = open_client(&o, &cl)) != POUCH_OK)
		return fail(&o, "open", rc);
	do {
		rc = pouch_client_sync(cl, follow ? 30 : 0, &nnew);
		if (rc != POUCH_OK)
			break;
		if (o.json)
			emit(json_pack("{s:b,s:I}", "ok", 1, "new",
			    (json_int_t)nnew));
		else if (nnew > 0 || !follow)
			printf("%zu new message%s\n", nnew, nnew == 1 ? "" :
			    "s");
		fflush(stdout);
	} while (follow);
	pouch_client_free(cl);
	return rc == POUCH_OK ? EX_OK : fail(&o, "sync", rc);
}

/* ---- alerts, verification, devices ------------------------------------ */

static int
ack_cb(int ch, const char *v, void *arg)
{
	int64_t *id = arg;

	if (ch == 'a')
		return (*id = num(v)) == 0;
	return 1;
}

int
cmd_alerts(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ack", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct pouch_client_alert *v = NULL;
	pouch_client *cl = NULL;
	struct opts o;
	int64_t ack = 0;
	char when[32];
	json_t *arr;
	size_t n = 0, i;
	int rc, first;

	if (parse(argc, argv, &o, lo, "d:a:", ack_cb, &ack, &first) != 0)
		return EX_USAGE;
	if ((rc = open_client(&o, &cl)) != POUCH_OK)
		return fail(&o, "open", rc);
	if (ack != 0) {
		rc = pouch_client_alert_ack(cl, ack);
		pouch_client_free(cl);
		return rc == POUCH_OK ? EX_OK : fail(&o, "ack", rc);
	}
	if ((rc = pouch_client_alerts(cl, 0, &v, &n)) != POUCH_OK) {
		pouch_client_free(cl);
		return fail(&o, "alerts", rc);
	}
	if (o.json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, json_pack("{s:I,s:I,s:s,"
			    "s:s}", "id", (json_int_t)v[i].id, "time",
			    (json_int_t)v[i].time, "kind", v[i].kind, "text",
			    v[i].text));
		emit(json_pack("{s:b,s:o}", "ok", 1, "alerts", arr));
	} else {
		for (i = 0; i < n; i++) {
			fmt_time(v[i].time, when, sizeof(when));
			printf("%5lld  %s  %-20s %s\n", (long long)v[i].id,
			    when, v[i].kind, v[i].text);
		}
		if (n == 0)
			printf("no alerts\n");
	}
	pouch_client_alert_free(v, n);
	pouch_client_free(cl);
	return EX_OK;
}

static int
yes_cb(int ch, const char *v, void *arg)
{
	int *yes = arg;

	(void)v;
	if (ch == 'y') {
		*yes = 1;
		return 0;
	}
	return 1;
}

int
cmd_verify(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "confirm", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 }
	};
	pouch_client *cl = NULL;
	struct opts o;
	char code[80];
	int rc, first, yes = 0;

	if (parse(argc, argv, &o, lo, "d:y", yes_cb, &yes, &first) != 0 ||
	    argc - first != 1) {
		fprintf(stderr, "usage: pouch verify USER [--confirm]\n");
		return EX_USAGE;
	}
	if ((rc = open_client(&o, &cl)) != POUCH_OK)
		return fail(&o, "open", rc);
	if ((rc = pouch_client_safety_code(cl, argv[first], code)) !=
	    POUCH_OK)
		goto out;
	if (yes)
		rc = pouch_client_verify(cl, argv[first]);
out:
	pouch_client_free(cl);
	if (rc != POUCH_OK)
		return fail(&o, "verify", rc);
	if (o.json)
		emit(json_pack("{s:b,s:s,s:s,s:b}", "ok", 1, "user",
		    argv[first], "safety_code", code, "verified", yes));
	else
		printf("safety code with %s:\n  %s\n%s", argv[first], code,
		    yes ? "marked verified\n" : "compare it with theirs in "
		    "person or on a call, then run `pouch verify USER "
		    "--confirm`\n");
	return EX_OK;
}

int
cmd_account(int argc, char **argv)
{
	static const struct option lo[] = { { NULL, 0, NULL, 0 } };
	pouch_client *cl = NULL;
	struct opts o;
	int rc, first;

	if (parse(argc, argv, &o, lo, "d:", NULL, NULL, &first) != 0 ||
	    argc - first != 1 || strcmp(argv[first], "rotate") != 0) {
		fprintf(stderr, "usage: pouch account rotate  (on the device "
		    "holding the account key)\n");
		return EX_USAGE;
	}
	if ((rc = open_client(&o, &cl)) != POUCH_OK)
		return fail(&o, "open", rc);
	rc = pouch_client_account_rotate(cl);
	pouch_client_free(cl);
	if (rc != POUCH_OK)
		return fail(&o, "account rotate", rc);
	if (o.json)
		emit(json_pack("{s:b}", "ok", 1));
	else
		printf("account key replaced; your other devices take it at "
		    "their next sync\n");
	return EX_OK;
}

static int
suite_cb(int ch, const char *v, void *arg)
{
	int *use_new = arg;

	(void)v;
	if (ch == 'n') {
		*use_new = 1;
		return 0;
	}
	return 1;
}

/*
 * pouch suite                        the code point of new conversations
 * pouch suite alias CODE [--new]     know the hybrid suite as CODE too
 * pouch suite alias off
 */
int
cmd_suite(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "new", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	pouch_client *cl = NULL;
	struct opts o;
	unsigned long code = 0;
	char *end = NULL;
	int rc, first, use_new = 0, set = 0;

	if (parse(argc, argv, &o, lo, "d:n", suite_cb, &use_new, &first) !=
	    0)
		return EX_USAGE;
	if (argc - first == 2 && strcmp(argv[first], "alias") == 0) {
		set = 1;
		if (strcmp(argv[first + 1], "off") != 0) {
			errno = 0;
			code = strtoul(argv[first + 1], &end, 0);
			if (errno != 0 || end == argv[first + 1] ||
			    *end != '\0' || code == 0 || code > 0xffff)
				set = -1;
		}
	}
	if (set < 0 || (set == 0 && argc != first) || (use_new && code == 0)) {
		fprintf(stderr, "usage: pouch suite [alias CODE [--new] | "
		    "alias off]  (CODE: the hybrid suite's IANA code point, "
		    "e.g. 0x0008)\n");
		return EX_USAGE;
	}
	if ((rc = open_client(&o, &cl)) != POUCH_OK)
		return fail(&o, "open", rc);
	if (set)
		rc = pouch_client_set_suite_alias(cl, (uint16_t)code,
		    use_new);
	if (rc == POUCH_OK) {
		if (o.json)
			emit(json_pack("{s:i}", "cipher_suite",
			    (int)pouch_client_suite(cl)));
		else
			printf("new conversations: cipher suite 0x%04x\n",
			    (unsigned)pouch_client_suite(cl));
	}
	pouch_client_free(cl);
	if (rc != POUCH_OK)
		return fail(&o, "suite", rc);
	return EX_OK;
}

int
cmd_devices(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "server", required_argument, NULL, 's' },
		{ "pin", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	struct pouch_client_device *v = NULL;
	struct pouch_client_unlock u;
	struct init_args a;
	pouch_client *cl = NULL;
	struct opts o;
	char code[POUCH_CLIENT_PAIR_CODE];
	json_t *arr;
	size_t n = 0, i;
	int rc, first;

	memset(&a, 0, sizeof(a));
	if (parse(argc, argv, &o, lo, "d:s:p:u:", init_cb, &a, &first) != 0)
		return EX_USAGE;
	if (argc - first == 1 && strcmp(argv[first], "add") == 0) {
		/* on the new device: its key, a request, the code to show */
		if (a.e.server == NULL || a.e.user == NULL) {
			fprintf(stderr, "usage: pouch devices add --server URL "
			    "--pin sha256//KEY --user NAME [-d DIR]\n");
			return EX_USAGE;
		}
		cli_unlock(&u);
		if ((rc = pouch_client_pair_begin(o.dir, &u, &a.e, code)) !=
		    POUCH_OK)
			return fail(&o, "devices add", rc);
		if (o.json)
			emit(json_pack("{s:b,s:s}", "ok", 1, "code", code));
		else
			printf("pairing code of this device:\n  %s\n"
			    "on your first device run `pouch devices "
			    "approve %s`, then here `pouch init` with the "
			    "same --server, --pin, --user and a one-time "
			    "--code from your administrator (valid 10 "
			    "minutes)\n", code, code);
		return EX_OK;
	}
	if (argc - first == 2 && strcmp(argv[first], "approve") == 0) {
		if ((rc = open_client(&o, &cl)) != POUCH_OK)
			return fail(&o, "open", rc);
		rc = pouch_client_approve(cl, argv[first + 1]);
		pouch_client_free(cl);
		if (rc != POUCH_OK)
			return fail(&o, "devices approve", rc);
		if (o.json)
			emit(json_pack("{s:b}", "ok", 1));
		else
			printf("approved; the new device joins your "
			    "conversations at this device's next sync\n");
		return EX_OK;
	}
	if (argc - first == 2 && strcmp(argv[first], "revoke") == 0)
		return cmd_devices_revoke(o.dir, o.json, argv[first + 1]);
	if (argc - first > 1 || (argc - first == 1 &&
	    strcmp(argv[first], "list") != 0)) {
		fprintf(stderr, "usage: pouch devices [list]\n"
		    "       pouch devices add --server URL --pin P --user U "
		    "(on the new device)\n"
		    "       pouch devices approve CODE  (on your first "
		    "device)\n");
		return EX_USAGE;
	}
	if ((rc = open_client(&o, &cl)) != POUCH_OK)
		return fail(&o, "open", rc);
	if ((rc = pouch_client_devices(cl, &v, &n)) != POUCH_OK) {
		pouch_client_free(cl);
		return fail(&o, "devices", rc);
	}
	if (o.json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, json_pack("{s:I,s:s,s:b}",
			    "id", (json_int_t)v[i].id, "key", v[i].key_hex,
			    "self", v[i].self));
		emit(json_pack("{s:b,s:o}", "ok", 1, "devices", arr));
	} else
		for (i = 0; i < n; i++)
			printf("device %lld  key %.16s...%s\n",
			    (long long)v[i].id, v[i].key_hex,
			    v[i].self ? "  (this one)" : "");
	free(v);
	pouch_client_free(cl);
	return EX_OK;
}
