/*
 * test_client_e2e.c - the client engine against a real pouchd on
 * 127.0.0.1 (TLS, pinned): enrolment, 1:1 and group conversations,
 * replies and threads, attachments, an offline device catching up,
 * removal (the removed user tries to read and cannot), a commit race,
 * revocation of a device by the administrator, a canary check that no
 * plaintext (subjects, bodies, attachments, titles) reaches the server's
 * files, the clients' stores or the requests the clients sent (recorded
 * by a loopback proxy, tests/tools/recproxy.c), three users with two
 * devices each (the second paired with the short code), and pairing
 * through a hostile server that rewrites the server's answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include <pouch/client.h>
#include <pouch/err.h>

#include "crypto/crypto.h"
#include "client/client_fixture.h"
#include "client/http.h"
#include "e2e/e2e.h"
#include "tools/recproxy.h"

static struct server srv;
static char root[64];

static char *
code_for(const char *user)
{
	char *code = NULL;

	assert_int_equal(cfx_code(&srv, user, &code), POUCH_OK);
	return code;
}

static pouch_client *
enrol(const char *user, const char *name)
{
	pouch_client *cl = NULL;

	assert_int_equal(cfx_enrol(&srv, root, user, name, &cl), POUCH_OK);
	return cl;
}

static pouch_client *
reopen(const char *name)
{
	pouch_client *cl = NULL;

	assert_int_equal(cfx_open(root, name, &cl), POUCH_OK);
	return cl;
}

static int64_t
send_to(pouch_client *cl, int64_t conv, const char *to, const char *subj,
    const char *body, const char *att)
{
	struct pouch_client_send s;
	const char *tov[1] = { to };
	const char *attv[1] = { att };
	int64_t id = 0;

	memset(&s, 0, sizeof(s));
	s.conv = conv;
	if (to != NULL) {
		s.to = tov;
		s.nto = 1;
	}
	s.subject = subj;
	s.body = body;
	s.bodylen = strlen(body);
	if (att != NULL) {
		s.attach = attv;
		s.nattach = 1;
	}
	{
		int rc = pouch_client_send(cl, &s, &id);

		if (rc != POUCH_OK)
			fprintf(stderr, "send \"%s\" by %s: %s\n", subj,
			    pouch_client_user(cl), pouch_strerror(rc));
		assert_int_equal(rc, POUCH_OK);
	}
	assert_true(id > 0);
	return id;
}

/* The newest incoming message of cl, read whole; NULL when none. */
static struct pouch_client_msg *
newest_in(pouch_client *cl)
{
	struct pouch_client_msg *v = NULL, *m = NULL;
	size_t n = 0, i;
	int64_t id = 0;

	assert_int_equal(pouch_client_list(cl, 0, 0, 0, &v, &n), POUCH_OK);
	for (i = 0; i < n; i++)
		if (!v[i].outgoing)
			id = v[i].id;
	pouch_client_msg_free(v, n);
	if (id == 0)
		return NULL;
	assert_int_equal(pouch_client_read(cl, id, &m), POUCH_OK);
	return m;
}

static size_t
count_in(pouch_client *cl)
{
	struct pouch_client_msg *v = NULL;
	size_t n = 0, i, k = 0;

	assert_int_equal(pouch_client_list(cl, 0, 0, 0, &v, &n), POUCH_OK);
	for (i = 0; i < n; i++)
		k += !v[i].outgoing;
	pouch_client_msg_free(v, n);
	return k;
}

static int64_t	conv_titled(pouch_client *cl, const char *title);

static int
setup(void **state)
{
	(void)state;
	return cfx_up(&srv, root, sizeof(root), "client-e2e", NULL);
}

static int
teardown(void **state)
{
	(void)state;
	return cfx_down(&srv, root);
}

/* 1:1, reply, threads, group, removal, offline catch-up. */
static void
test_conversations(void **state)
{
	pouch_client *alice, *bob, *carol;
	struct pouch_client_msg *m;
	const char *bc[2] = { "bob", "carol" };
	int64_t id, conv, reply;
	size_t nnew, i;
	char body[64];

	(void)state;
	alice = enrol("alice", "alice1");
	bob = enrol("bob", "bob1");
	carol = enrol("carol", "carol1");

	id = send_to(alice, 0, "bob", "Démarche", "Meet at 10.\n", NULL);
	assert_int_equal(pouch_client_sync(bob, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	m = newest_in(bob);
	assert_non_null(m);
	assert_string_equal(m->from, "alice");
	assert_string_equal(m->subject, "Démarche");
	assert_memory_equal(m->body, "Meet at 10.\n", 12);
	assert_non_null(m->message_id);
	pouch_client_msg_free(m, 1);
	(void)id;

	/* bob replies in the same conversation: a thread */
	m = newest_in(bob);
	reply = 0;
	{
		struct pouch_client_send s;

		memset(&s, 0, sizeof(s));
		s.conv = m->conv;
		s.reply_to = m->id;
		s.subject = "Re: Démarche";
		s.body = "Agreed.";
		s.bodylen = 7;
		assert_int_equal(pouch_client_send(bob, &s, &reply),
		    POUCH_OK);
	}
	assert_int_equal(pouch_client_sync(alice, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	{
		struct pouch_client_msg *r = newest_in(alice);

		assert_non_null(r->in_reply_to);
		assert_string_equal(r->in_reply_to, m->message_id);
		assert_string_equal(r->from, "bob");
		pouch_client_msg_free(r, 1);
	}
	pouch_client_msg_free(m, 1);

	/* a group of three */
	assert_int_equal(pouch_client_conv_create(alice, "Embassy", bc, 2,
	    &conv), POUCH_OK);
	send_to(alice, conv, NULL, "Cable 17", "For all three.", NULL);
	assert_int_equal(pouch_client_sync(bob, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	assert_int_equal(pouch_client_sync(carol, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	m = newest_in(carol);
	assert_string_equal(m->subject, "Cable 17");
	pouch_client_msg_free(m, 1);

	/* carol sends in the group; both read */
	{
		struct pouch_client_msg *v = NULL;
		size_t n = 0;
		int64_t cconv;

		m = newest_in(carol);
		cconv = m->conv;
		pouch_client_msg_free(m, 1);
		send_to(carol, cconv, NULL, "Re: Cable 17", "Noted.", NULL);
		assert_int_equal(pouch_client_sync(alice, 0, &nnew), POUCH_OK);
		assert_int_equal(nnew, 1);
		assert_int_equal(pouch_client_list(alice, conv, 0, 0, &v, &n),
		    POUCH_OK);
		assert_int_equal(n, 2);
		pouch_client_msg_free(v, n);
	}

	/* bob is offline while alice sends 200 messages */
	for (i = 0; i < 200; i++) {
		snprintf(body, sizeof(body), "message %zu", i);
		send_to(alice, conv, NULL, "burst", body, NULL);
	}
	assert_int_equal(pouch_client_sync(carol, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 200);
	pouch_client_free(bob);
	bob = reopen("bob1");
	assert_int_equal(pouch_client_sync(bob, 0, &nnew), POUCH_OK);
	/* the 200, and carol's reply he had not fetched yet */
	assert_int_equal(nnew, 201);

	/* removal: carol can no longer read what follows */
	i = count_in(carol);
	assert_int_equal(pouch_client_conv_remove(alice, conv, "carol"),
	    POUCH_OK);
	send_to(alice, conv, NULL, "after carol", "not for carol", NULL);
	assert_int_equal(pouch_client_sync(carol, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 0);
	assert_int_equal(count_in(carol), i);
	m = newest_in(carol);
	assert_string_not_equal(m->subject, "after carol");
	pouch_client_msg_free(m, 1);
	assert_int_equal(pouch_client_sync(bob, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	m = newest_in(bob);
	assert_string_equal(m->subject, "after carol");
	pouch_client_msg_free(m, 1);
	{
		struct pouch_client_conv *cv = NULL;
		size_t n = 0, k;
		int removed = 0;

		assert_int_equal(pouch_client_conversations(carol, &cv, &n),
		    POUCH_OK);
		for (k = 0; k < n; k++)
			removed |= cv[k].removed;
		assert_true(removed);
		pouch_client_conv_free(cv, n);
	}
	/* bob and alice: their commits race, both end in one epoch */
	{
		struct pouch_client_conv *ca = NULL, *cb = NULL;
		size_t na = 0, nb = 0, k;
		int64_t bconv = 0;

		assert_int_equal(pouch_client_conversations(bob, &cb, &nb),
		    POUCH_OK);
		for (k = 0; k < nb; k++)
			if (strcmp(cb[k].title, "") == 0 && cb[k].nmembers == 2)
				bconv = cb[k].id;
		pouch_client_conv_free(cb, nb);
		m = newest_in(bob);
		bconv = m->conv;
		pouch_client_msg_free(m, 1);
		assert_int_equal(pouch_client_conv_update(alice, conv),
		    POUCH_OK);
		/* bob has not synced: his commit loses, is redone */
		assert_int_equal(pouch_client_conv_update(bob, bconv),
		    POUCH_OK);
		assert_int_equal(pouch_client_sync(alice, 0, NULL), POUCH_OK);
		assert_int_equal(pouch_client_conversations(alice, &ca, &na),
		    POUCH_OK);
		assert_int_equal(pouch_client_conversations(bob, &cb, &nb),
		    POUCH_OK);
		for (k = 0; k < na; k++)
			if (ca[k].id == conv)
				break;
		assert_true(k < na);
		{
			size_t j;

			for (j = 0; j < nb; j++)
				if (cb[j].id == bconv)
					break;
			assert_true(j < nb);
			assert_int_equal(ca[k].epoch, cb[j].epoch);
		}
		pouch_client_conv_free(ca, na);
		pouch_client_conv_free(cb, nb);
		send_to(bob, bconv, NULL, "after race", "both fine", NULL);
		assert_int_equal(pouch_client_sync(alice, 0, &nnew), POUCH_OK);
		assert_int_equal(nnew, 1);
	}
	pouch_client_free(alice);
	pouch_client_free(bob);
	pouch_client_free(carol);
}

static int
file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	size_t n = strlen(needle), len = 0, cap = 0, r;
	uint8_t *p = NULL, *np;
	int found = 0;

	if (f == NULL)
		return 0;
	for (;;) {
		if (len + 65536 > cap) {
			cap = cap * 2 + 65536;
			np = realloc(p, cap);
			assert_non_null(np);
			p = np;
		}
		if ((r = fread(p + len, 1, cap - len, f)) == 0)
			break;
		len += r;
	}
	fclose(f);
	for (r = 0; !found && len >= n && r <= len - n; r++)
		found = p[r] == (uint8_t)needle[0] &&
		    memcmp(p + r, needle, n) == 0;
	free(p);
	return found;
}

/* Every regular file under dir, recursively: 1 if one holds needle. */
static int
tree_has(const char *dir, const char *needle)
{
	char path[1024];
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int found = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			found = tree_has(path, needle);
		else if (S_ISREG(sb.st_mode))
			found = file_has(path, needle);
	}
	closedir(d);
	return found;
}

/*
 * Canary strings in subject, body and attachment: nowhere in clear, not
 * in the server's files nor in what the clients sent it (both talk
 * through a recording proxy).
 */
static void
test_canary(void **state)
{
	struct recproxy *px = NULL;
	pouch_client *dora, *ed;
	struct pouch_client_msg *m;
	uint8_t rnd[12];
	char subj[64], body[64], att[64], hex[25], path[256], out[256];
	char url[64], upstream[64], rec[256], title[64];
	size_t nnew;
	FILE *f;
	int i, port = 0;

	(void)state;
	snprintf(rec, sizeof(rec), "%s/proxy.rec", root);
	snprintf(upstream, sizeof(upstream), "https://127.0.0.1:%d", srv.port);
	assert_int_equal(recproxy_start(upstream, srv.pin, rec, &px, &port), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	assert_int_equal(cfx_enrol_via(&srv, root, "dora", "dora1", url, NULL,
	    &dora), POUCH_OK);
	assert_int_equal(cfx_enrol_via(&srv, root, "ed", "ed1", url, NULL,
	    &ed), POUCH_OK);
	assert_int_equal(pouch_random(rnd, sizeof(rnd)), POUCH_OK);
	for (i = 0; i < 12; i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	snprintf(subj, sizeof(subj), "subjcanary%s", hex);
	snprintf(body, sizeof(body), "bodycanary%s", hex);
	snprintf(att, sizeof(att), "attcanary%s", hex);
	snprintf(title, sizeof(title), "titlecanary%s", hex);
	snprintf(path, sizeof(path), "%s/canary.txt", root);
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < 1000; i++)
		fprintf(f, "%s\n", att);
	fclose(f);
	send_to(dora, 0, "ed", subj, body, path);
	assert_int_equal(pouch_client_sync(ed, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	/* a group titled with a canary: ed's list shows the title */
	{
		const char *edv[1] = { "ed" };
		int64_t gid;

		assert_int_equal(pouch_client_conv_create(dora, title, edv, 1,
		    &gid), POUCH_OK);
		assert_int_equal(pouch_client_sync(ed, 0, NULL), POUCH_OK);
		assert_true(conv_titled(ed, title) != 0);
	}
	m = newest_in(ed);
	assert_string_equal(m->subject, subj);
	assert_int_equal(m->natt, 1);
	snprintf(out, sizeof(out), "%s/canary.out", root);
	assert_int_equal(pouch_client_save_attachment(ed, m->id, 0, out),
	    POUCH_OK);
	assert_true(file_has(out, att));
	unlink(out);
	unlink(path);
	pouch_client_msg_free(m, 1);
	pouch_client_free(dora);
	pouch_client_free(ed);
	/* the recording holds the requests (it can fail)... */
	assert_true(recproxy_count(px) > 0);
	recproxy_stop(px);
	assert_true(file_has(rec, "REQ POST /v1/enrol"));
	assert_true(file_has(rec, "REQ POST /v1/messages"));
	assert_true(file_has(rec, "REQ PUT /v1/attachments/"));
	assert_true(file_has(rec, "REQ GET /v1/sync?"));
	assert_true(file_has(rec, "\"dora\""));
	/* ...and none of the canaries */
	assert_false(file_has(rec, subj));
	assert_false(file_has(rec, body));
	assert_false(file_has(rec, att));
	assert_false(file_has(rec, title));
	/* the server's data directory (database, WAL, blobs, logs) and the
	 * clients' stores hold none of them */
	assert_false(tree_has(srv.dir, subj));
	assert_false(tree_has(srv.dir, body));
	assert_false(tree_has(srv.dir, att));
	assert_false(tree_has(srv.dir, title));
	assert_false(tree_has(root, subj));
	assert_false(tree_has(root, body));
	assert_false(tree_has(root, att));
	assert_false(tree_has(root, title));
}

struct progress {
	size_t		calls;
	uint64_t	done, total;
};

static void
on_progress(void *arg, uint64_t done, uint64_t total)
{
	struct progress *p = arg;

	assert_true(done <= total);
	p->calls++;
	p->done = done;
	p->total = total;
}

/* A 10 MiB attachment travels as an encrypted blob and comes back whole. */
static void
test_big_attachment(void **state)
{
	pouch_client *nia, *oz;
	struct pouch_client_msg *m;
	char in[200], out[200];
	uint8_t *buf;
	size_t n = 10u << 20, nnew;
	FILE *f;

	(void)state;
	nia = enrol("nia", "nia1");
	oz = enrol("oz", "oz1");
	buf = malloc(n);
	assert_non_null(buf);
	assert_int_equal(pouch_random(buf, n), POUCH_OK);
	snprintf(in, sizeof(in), "%s/big.bin", root);
	snprintf(out, sizeof(out), "%s/big.out", root);
	f = fopen(in, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, n, f), n);
	fclose(f);
	{
		struct progress pr;

		memset(&pr, 0, sizeof(pr));
		pouch_client_set_progress(nia, on_progress, &pr);
		send_to(nia, 0, "oz", "the archive", "attached", in);
		pouch_client_set_progress(nia, NULL, NULL);
		/* the upload reported, up to the whole blob */
		assert_true(pr.calls > 0);
		assert_true(pr.total >= n);
		assert_int_equal(pr.done, pr.total);
	}
	assert_int_equal(pouch_client_sync(oz, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	m = newest_in(oz);
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att_names[0], "big.bin");
	assert_int_equal(m->att_sizes[0], n);
	assert_int_equal(pouch_client_save_attachment(oz, m->id, 0, out),
	    POUCH_OK);
	/* an existing file is never overwritten */
	assert_int_equal(pouch_client_save_attachment(oz, m->id, 0, out),
	    POUCH_E_EXISTS);
	pouch_client_msg_free(m, 1);
	{
		uint8_t *got = malloc(n + 1);

		assert_non_null(got);
		f = fopen(out, "rb");
		assert_non_null(f);
		assert_int_equal(fread(got, 1, n + 1, f), n);
		fclose(f);
		assert_memory_equal(got, buf, n);
		free(got);
	}
	unlink(in);
	unlink(out);
	free(buf);
	pouch_client_free(nia);
	pouch_client_free(oz);
}

/* The administrator revokes a device: it can no longer sync or read. */
static void
test_revocation(void **state)
{
	pouch_client *fay, *gus;
	char args[64];
	size_t nnew;

	(void)state;
	fay = enrol("fay", "fay1");
	gus = enrol("gus", "gus1");
	send_to(fay, 0, "gus", "before", "one", NULL);
	assert_int_equal(pouch_client_sync(gus, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	snprintf(args, sizeof(args), "device revoke %lld >/dev/null",
	    (long long)pouch_client_device_id(gus));
	assert_int_equal(e2e_admin(&srv, NULL, args), 0);
	/* the server proposes the removal of gus's device (as the group's
	 * external sender); fay's device commits it */
	assert_int_equal(pouch_client_sync(fay, 0, NULL), POUCH_OK);
	{
		struct pouch_client_conv *cv = NULL;
		size_t n = 0;

		assert_int_equal(pouch_client_conversations(fay, &cv, &n),
		    POUCH_OK);
		assert_int_equal(n, 1);
		assert_int_equal(cv[0].ndevices, 1);
		assert_int_equal(cv[0].nmembers, 1);
		assert_string_equal(cv[0].members[0], "fay");
		pouch_client_conv_free(cv, n);
	}
	assert_int_equal(pouch_client_sync(gus, 0, &nnew), POUCH_E_FORBIDDEN);
	pouch_client_free(fay);
	pouch_client_free(gus);
}

/* A second device of an existing user: pairing, then conversations. */
static void
test_second_device(void **state)
{
	struct pouch_client_enrol e;
	struct pouch_client_unlock u;
	struct pouch_client_msg *m;
	struct pouch_client_device *dv = NULL;
	pouch_client *hal1, *hal2, *ida;
	char dir[160], url[64], code[POUCH_CLIENT_PAIR_CODE], *ecode;
	size_t nnew, ndv = 0;
	int64_t conv;

	(void)state;
	hal1 = enrol("hal", "hal1");
	ida = enrol("ida", "ida1");
	/* a conversation exists before the second device does */
	send_to(ida, 0, "hal", "first", "before the new laptop", NULL);
	assert_int_equal(pouch_client_sync(hal1, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	m = newest_in(hal1);
	conv = m->conv;
	pouch_client_msg_free(m, 1);

	/* pairing: the new device's code, the first device's approval */
	snprintf(dir, sizeof(dir), "%s/hal2", root);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", srv.port);
	memset(&u, 0, sizeof(u));
	memset(&e, 0, sizeof(e));
	e.server = url;
	e.pin = srv.pin;
	e.user = "hal";
	assert_int_equal(pouch_client_pair_begin(dir, &u, &e, code), POUCH_OK);
	/* 60 bits shown as XXXX-XXXX-XXXX */
	assert_int_equal(strlen(code), 14);
	assert_true(code[4] == '-' && code[9] == '-');
	ecode = code_for("hal");
	e.code = ecode;
	/* not approved yet: the new device waits */
	assert_int_equal(pouch_client_init(dir, &u, &e, &hal2),
	    POUCH_E_PAIR_PENDING);
	/* another user's device does not see hal's request */
	assert_int_equal(pouch_client_approve(ida, code), POUCH_E_PAIR_CODE);
	/* a wrong code matches no request (one symbol changed) */
	{
		char bad[POUCH_CLIENT_PAIR_CODE];

		memcpy(bad, code, sizeof(bad));
		bad[0] = bad[0] == '7' ? '8' : '7';
		assert_int_equal(pouch_client_approve(hal1, bad),
		    POUCH_E_PAIR_CODE);
		assert_int_equal(pouch_client_approve(hal1, "not a code"),
		    POUCH_E_MALFORMED);
	}
	/* typed in lower case without dashes: the same code */
	{
		char typed[POUCH_CLIENT_PAIR_CODE];
		size_t i, j = 0;

		for (i = 0; code[i] != '\0'; i++)
			if (code[i] != '-')
				typed[j++] = (char)(code[i] >= 'A' &&
				    code[i] <= 'Z' ? code[i] - 'A' + 'a' :
				    code[i]);
		typed[j] = '\0';
		assert_int_equal(pouch_client_approve(hal1, typed), POUCH_OK);
	}
	/* a mistyped one-time code: the approval is kept for the retry */
	e.code = "pc-not-a-code";
	assert_int_equal(pouch_client_init(dir, &u, &e, &hal2),
	    POUCH_E_FORBIDDEN);
	e.code = ecode;
	assert_int_equal(pouch_client_init(dir, &u, &e, &hal2), POUCH_OK);
	free(ecode);
	/* a device without the account key cannot approve */
	assert_int_equal(pouch_client_approve(hal2, code), POUCH_E_FORBIDDEN);

	/* the first device adds it to the existing conversation */
	assert_int_equal(pouch_client_sync(hal1, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_sync(hal2, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_sync(ida, 0, NULL), POUCH_OK);
	send_to(ida, 0, "hal", "second", "to both laptops", NULL);
	assert_int_equal(pouch_client_sync(hal2, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	m = newest_in(hal2);
	assert_string_equal(m->subject, "second");
	assert_string_equal(m->from, "ida");
	pouch_client_msg_free(m, 1);
	assert_int_equal(pouch_client_sync(hal1, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	/* what one of hal's devices sends, the other reads too */
	send_to(hal2, 0, "ida", "from the laptop", "hello", NULL);
	assert_int_equal(pouch_client_sync(hal1, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	assert_int_equal(pouch_client_sync(ida, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	/* the conversation's title (its first subject) reached hal2 */
	assert_true(conv_titled(hal2, "first") != 0);
	assert_true(conv_titled(hal1, "first") != 0);
	assert_int_equal(pouch_client_devices(hal1, &dv, &ndv), POUCH_OK);
	assert_int_equal(ndv, 2);
	free(dv);
	(void)conv;
	pouch_client_free(hal1);
	pouch_client_free(hal2);
	pouch_client_free(ida);
}

/* The self-update policy: by message count, and by age (clock moved). */
static void
test_pcs_policy(void **state)
{
	struct pouch_client_conv *cv = NULL;
	pouch_client *jo, *ka;
	uint64_t e0, e1;
	size_t n = 0;
	int i;

	(void)state;
	jo = enrol("joe", "joe1");
	ka = enrol("kay", "kay1");
	send_to(jo, 0, "kay", "start", "x", NULL);
	assert_int_equal(pouch_client_sync(ka, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_conversations(jo, &cv, &n), POUCH_OK);
	assert_int_equal(n, 1);
	e0 = cv[0].epoch;
	pouch_client_conv_free(cv, n);
	assert_int_equal(pouch_client_set_policy(jo, 0, 5), POUCH_OK);
	for (i = 0; i < 5; i++)
		send_to(jo, 0, "kay", "more", "x", NULL);
	assert_int_equal(pouch_client_sync(jo, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_conversations(jo, &cv, &n), POUCH_OK);
	e1 = cv[0].epoch;
	pouch_client_conv_free(cv, n);
	assert_int_equal(e1, e0 + 1);		/* one self-update */
	/* eight days later, kay's device updates too */
	pouch_client_set_time(ka, (int64_t)time(NULL) + 8 * 86400);
	assert_int_equal(pouch_client_sync(ka, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_conversations(ka, &cv, &n), POUCH_OK);
	assert_int_equal(cv[0].epoch, e1 + 1);
	pouch_client_conv_free(cv, n);
	/* and both still talk */
	assert_int_equal(pouch_client_sync(jo, 0, NULL), POUCH_OK);
	send_to(jo, 0, "kay", "after updates", "x", NULL);
	pouch_client_set_time(ka, 0);
	{
		size_t nnew;

		assert_int_equal(pouch_client_sync(ka, 0, &nnew), POUCH_OK);
		assert_int_equal(nnew, 1);
	}
	pouch_client_free(jo);
	pouch_client_free(ka);
}

static int
has_alert(pouch_client *cl, const char *kind)
{
	int found = cfx_has_alert(cl, kind);

	assert_true(found >= 0);
	return found;
}

/*
 * The attack Pouch exists to stop: someone with the server's database
 * swaps Lee's account key for their own and enrols a device with it.
 * The key log shows it; Lee's device alerts at its next sync, and Mo's
 * device refuses the new account key.
 */
static void
test_kt_attack(void **state)
{
	struct pouch_client_msg *m;
	struct device evil;
	pouch_client *lee, *mo;
	char db[160];
	sqlite3 *h;
	sqlite3_stmt *st;
	size_t nnew;

	(void)state;
	lee = enrol("lee", "lee1");
	mo = enrol("mo", "mo1");
	send_to(mo, 0, "lee", "hello", "before", NULL);
	assert_int_equal(pouch_client_sync(lee, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	assert_false(has_alert(lee, "own_device"));
	assert_false(has_alert(mo, "own_device"));
	assert_false(has_alert(lee, "unlogged_device"));

	e2e_device_new(&evil, "lee", NULL);
	snprintf(db, sizeof(db), "%s/pouchd.db", srv.dir);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	assert_int_equal(sqlite3_prepare_v2(h, "UPDATE users SET account_key "
	    "= ?1 WHERE name = 'lee'", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, evil.apub, 32, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(h);
	assert_int_equal(e2e_enrol_login(&srv, &evil), 0);

	/* within the log's merge delay, Lee's device sees it */
	sleep(2);
	assert_int_equal(pouch_client_sync(lee, 0, NULL), POUCH_OK);
	assert_true(has_alert(lee, "own_device"));
	/* Mo still reads Lee's real device, and Lee Mo's */
	send_to(lee, 0, "mo", "still me", "the real Lee", NULL);
	assert_int_equal(pouch_client_sync(mo, 0, &nnew), POUCH_OK);
	assert_int_equal(nnew, 1);
	m = newest_in(mo);
	assert_string_equal(m->subject, "still me");
	pouch_client_msg_free(m, 1);
	pouch_client_free(lee);
	pouch_client_free(mo);
}

/* A second device root/name of the user of first, by pairing. */
static pouch_client *
pair(pouch_client *first, const char *name)
{
	pouch_client *cl = NULL;

	assert_int_equal(cfx_pair(&srv, root, first, name, &cl), POUCH_OK);
	return cl;
}

/* Sync cl; the newest incoming message must have subject subj. */
static void
reads(pouch_client *cl, const char *subj)
{
	struct pouch_client_msg *m;
	int rc;

	rc = pouch_client_sync(cl, 0, NULL);
	if (rc != POUCH_OK)
		fprintf(stderr, "sync of %s device %lld: %s\n",
		    pouch_client_user(cl),
		    (long long)pouch_client_device_id(cl), pouch_strerror(rc));
	assert_int_equal(rc, POUCH_OK);
	m = newest_in(cl);
	assert_non_null(m);
	if (strcmp(m->subject, subj) != 0)
		fprintf(stderr, "%s device %lld: newest is \"%s\", not "
		    "\"%s\"\n", pouch_client_user(cl),
		    (long long)pouch_client_device_id(cl), m->subject, subj);
	assert_string_equal(m->subject, subj);
	pouch_client_msg_free(m, 1);
}

/* The outgoing copy a user's other device gets of what it sent. */
static void
sees_own(pouch_client *cl, const char *subj)
{
	struct pouch_client_msg *v = NULL;
	size_t n = 0, i;
	int found = 0;

	assert_int_equal(pouch_client_sync(cl, 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_list(cl, 0, 0, 0, &v, &n), POUCH_OK);
	for (i = 0; i < n; i++)
		found |= strcmp(v[i].subject, subj) == 0;
	pouch_client_msg_free(v, n);
	assert_true(found);
}

static int64_t
conv_titled(pouch_client *cl, const char *title)
{
	struct pouch_client_conv *cv = NULL;
	size_t n = 0, i;
	int64_t id = 0;

	assert_int_equal(pouch_client_conversations(cl, &cv, &n), POUCH_OK);
	for (i = 0; i < n; i++)
		if (strcmp(cv[i].title, title) == 0 && !cv[i].removed)
			id = cv[i].id;
	pouch_client_conv_free(cv, n);
	return id;
}

/*
 * Three users with two devices each (the second by pairing): a 1:1 and
 * a group conversation where every device of every member reads every
 * message; a member removed (both devices try to read and cannot); a
 * device revoked by the administrator (it tries too).
 */
static void
test_three_by_two(void **state)
{
	static const char *const users[3] = { "pam", "quin", "rex" };
	pouch_client *d[3][2];
	const char *qr[2] = { "quin", "rex" };
	struct pouch_client_msg *m;
	struct pouch_client_conv *cv = NULL;
	char name[32], args[64];
	int64_t group, g2;
	size_t nnew, n = 0, i, k;
	int u, j;

	(void)state;
	for (u = 0; u < 3; u++) {
		snprintf(name, sizeof(name), "%s1", users[u]);
		d[u][0] = enrol(users[u], name);
		snprintf(name, sizeof(name), "%s2", users[u]);
		d[u][1] = pair(d[u][0], name);
		assert_int_equal(pouch_client_sync(d[u][0], 0, NULL),
		    POUCH_OK);
	}

	/* 1:1 from pam's first device: both of quin's and pam's second */
	send_to(d[0][0], 0, "quin", "one to one", "for quin", NULL);
	reads(d[1][0], "one to one");
	reads(d[1][1], "one to one");
	sees_own(d[0][1], "one to one");
	/* quin's second device answers; all of pam's and quin's read */
	m = newest_in(d[1][1]);
	send_to(d[1][1], m->conv, NULL, "answer", "from quin2", NULL);
	pouch_client_msg_free(m, 1);
	reads(d[0][0], "answer");
	reads(d[0][1], "answer");
	sees_own(d[1][0], "answer");
	for (j = 0; j < 2; j++)
		assert_int_equal(count_in(d[2][j]), 0);	/* rex: not his */

	/* the group: all six devices read each message */
	assert_int_equal(pouch_client_conv_create(d[0][0], "Trio", qr, 2,
	    &group), POUCH_OK);
	send_to(d[0][0], group, NULL, "group one", "to all", NULL);
	for (u = 1; u < 3; u++)
		for (j = 0; j < 2; j++)
			reads(d[u][j], "group one");
	sees_own(d[0][1], "group one");
	/* the title travelled to every device of every member */
	for (u = 0; u < 3; u++)
		for (j = 0; j < 2; j++)
			assert_true(conv_titled(d[u][j], "Trio") != 0);
	m = newest_in(d[2][1]);
	g2 = m->conv;
	pouch_client_msg_free(m, 1);
	send_to(d[2][1], g2, NULL, "from rex2", "rex's laptop", NULL);
	for (u = 0; u < 2; u++)
		for (j = 0; j < 2; j++)
			reads(d[u][j], "from rex2");
	sees_own(d[2][0], "from rex2");

	/* rex removed: neither of his devices reads what follows */
	assert_int_equal(pouch_client_conv_remove(d[0][0], group, "rex"),
	    POUCH_OK);
	send_to(d[0][0], group, NULL, "without rex", "secret", NULL);
	for (j = 0; j < 2; j++) {
		k = count_in(d[2][j]);
		assert_int_equal(pouch_client_sync(d[2][j], 0, &nnew),
		    POUCH_OK);
		assert_int_equal(nnew, 0);
		assert_int_equal(count_in(d[2][j]), k);
		m = newest_in(d[2][j]);
		assert_string_not_equal(m->subject, "without rex");
		pouch_client_msg_free(m, 1);
		/* and it cannot send there any more */
		assert_int_not_equal(pouch_client_send(d[2][j],
		    &(struct pouch_client_send){ .conv = g2, .subject = "x",
		    .body = "x", .bodylen = 1 }, &(int64_t){ 0 }), POUCH_OK);
	}
	for (j = 0; j < 2; j++)
		reads(d[1][j], "without rex");
	sees_own(d[0][1], "without rex");

	/* the administrator revokes quin's second device */
	snprintf(args, sizeof(args), "device revoke %lld >/dev/null",
	    (long long)pouch_client_device_id(d[1][1]));
	assert_int_equal(e2e_admin(&srv, NULL, args), 0);
	assert_int_equal(pouch_client_sync(d[0][0], 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_sync(d[0][1], 0, NULL), POUCH_OK);
	assert_int_equal(pouch_client_sync(d[1][0], 0, NULL), POUCH_OK);
	send_to(d[0][0], group, NULL, "after revoke", "not for quin2", NULL);
	reads(d[1][0], "after revoke");
	reads(d[0][1], "after revoke");
	assert_int_equal(pouch_client_sync(d[1][1], 0, &nnew),
	    POUCH_E_FORBIDDEN);
	m = newest_in(d[1][1]);
	assert_string_not_equal(m->subject, "after revoke");
	pouch_client_msg_free(m, 1);
	/* the group is pam's two devices and quin's first */
	assert_int_equal(pouch_client_conversations(d[0][0], &cv, &n),
	    POUCH_OK);
	for (i = 0; i < n; i++)
		if (cv[i].id == group) {
			assert_int_equal(cv[i].ndevices, 3);
			assert_int_equal(cv[i].nmembers, 2);
		}
	pouch_client_conv_free(cv, n);
	for (u = 0; u < 3; u++)
		for (j = 0; j < 2; j++)
			pouch_client_free(d[u][j]);
}

/* What the hostile server of test_pair_hostile does to the answers. */
enum evil { EVIL_NONE, EVIL_SWAP_KEY, EVIL_SWAP_APPROVAL };

/* Replace member key of every object in o (or o itself) with n random
 * bytes in base64. */
static void
swap_b64(json_t *o, const char *key, size_t n)
{
	uint8_t rnd[128];
	char *b;

	assert_true(n <= sizeof(rnd));
	assert_int_equal(pouch_random(rnd, n), POUCH_OK);
	b = pouch_b64_encode(rnd, n);
	assert_non_null(b);
	json_object_set_new(o, key, json_string(b));
	free(b);
}

static void
evil_rewrite(void *arg, const char *method, const char *uri, long status,
    char **body, size_t *len)
{
	enum evil *mode = arg;
	json_t *j, *a, *e;
	size_t i;
	char *out;

	if (*mode == EVIL_NONE || status != 200 || *body == NULL)
		return;
	if ((j = json_loadb(*body, *len, 0, NULL)) == NULL)
		return;
	if (*mode == EVIL_SWAP_KEY && strcmp(method, "GET") == 0 &&
	    strcmp(uri, "/v1/pair") == 0) {
		/* the server's own device in place of the real one */
		a = json_object_get(j, "requests");
		json_array_foreach(a, i, e)
			swap_b64(e, "device_key", 32);
	} else if (*mode == EVIL_SWAP_APPROVAL &&
	    strcmp(uri, "/v1/pair/poll") == 0)
		swap_b64(j, "approval", 96);	/* its own account key */
	else {
		json_decref(j);
		return;
	}
	out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	assert_non_null(out);
	free(*body);
	*body = out;
	*len = strlen(out);
}

/*
 * Pairing through a hostile server (a proxy that rewrites answers): it
 * cannot get its own device key approved, nor hand the new device an
 * approval of its own; the real pairing then works.
 */
static void
test_pair_hostile(void **state)
{
	struct pouch_client_enrol e;
	struct pouch_client_unlock u;
	struct recproxy *px = NULL;
	pouch_client *una1, *una2 = NULL;
	enum evil mode = EVIL_NONE;
	char dir[160], url[64], upstream[64], rec[160];
	char code[POUCH_CLIENT_PAIR_CODE], *ecode;
	int port = 0;

	(void)state;
	snprintf(rec, sizeof(rec), "%s/hostile.rec", root);
	snprintf(upstream, sizeof(upstream), "https://127.0.0.1:%d", srv.port);
	assert_int_equal(recproxy_start(upstream, srv.pin, rec, &px, &port), 0);
	recproxy_set_rewrite(px, evil_rewrite, &mode);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	assert_int_equal(cfx_enrol_via(&srv, root, "una", "una1", url, NULL,
	    &una1), POUCH_OK);
	snprintf(dir, sizeof(dir), "%s/una2", root);
	memset(&u, 0, sizeof(u));
	memset(&e, 0, sizeof(e));
	e.server = url;
	e.user = "una";
	assert_int_equal(pouch_client_pair_begin(dir, &u, &e, code), POUCH_OK);
	ecode = code_for("una");
	e.code = ecode;

	/* the server shows its own key with the real commit: no match */
	mode = EVIL_SWAP_KEY;
	assert_int_equal(pouch_client_approve(una1, code), POUCH_E_PAIR_CODE);
	assert_int_equal(pouch_client_init(dir, &u, &e, &una2),
	    POUCH_E_PAIR_PENDING);

	/* the real approval, replaced on its way: refused, nothing kept */
	mode = EVIL_SWAP_APPROVAL;
	assert_int_equal(pouch_client_approve(una1, code), POUCH_OK);
	assert_int_equal(pouch_client_init(dir, &u, &e, &una2),
	    POUCH_E_BAD_MAC);
	assert_null(una2);
	/* (the server gave its one answer: the new device starts again) */
	mode = EVIL_NONE;
	assert_int_equal(pouch_client_init(dir, &u, &e, &una2),
	    POUCH_E_NOT_FOUND);
	{
		char cmd[200];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(pouch_client_pair_begin(dir, &u, &e, code), POUCH_OK);
	assert_int_equal(pouch_client_approve(una1, code), POUCH_OK);
	assert_int_equal(pouch_client_init(dir, &u, &e, &una2), POUCH_OK);
	free(ecode);
	pouch_client_free(una1);
	pouch_client_free(una2);
	recproxy_stop(px);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversations),
		cmocka_unit_test(test_canary),
		cmocka_unit_test(test_big_attachment),
		cmocka_unit_test(test_revocation),
		cmocka_unit_test(test_second_device),
		cmocka_unit_test(test_pcs_policy),
		cmocka_unit_test(test_kt_attack),
		cmocka_unit_test(test_three_by_two),
		cmocka_unit_test(test_pair_hostile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
