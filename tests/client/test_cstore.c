/*
 * test_cstore.c - the client's encrypted local store against real SQLite
 * files in a temporary directory: key files and their permissions, raw
 * key and passphrase opening, every table, tampering (flipped bytes,
 * swapped rows, edited metadata), transactions, forward secrecy in the
 * files themselves, no plaintext on disk, and crash consistency under
 * SIGKILL.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "client/cstore.h"
#include "crypto/crypto.h"

struct fx {
	char			 dir[64];
	char			 path[128];
	uint8_t			 key[32];
	struct pouch_cstore	*s;
};

static const struct pouch_cstore_kdf small_kdf = { 1, 64, 1 };

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/pouch-cstore-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/client.db", f->dir);
	assert_int_equal(pouch_random(f->key, sizeof(f->key)), POUCH_OK);
	assert_int_equal(pouch_cstore_open(f->path, f->key, &f->s), POUCH_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	pouch_cstore_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void
reopen(struct fx *f)
{
	pouch_cstore_close(f->s);
	f->s = NULL;
	assert_int_equal(pouch_cstore_open(f->path, f->key, &f->s), POUCH_OK);
}

/* Run SQL on the file through a connection of our own (the attacker's). */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	char *err = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("raw_exec: %s: %s", sql, err ? err : "?");
	sqlite3_close(db);
}

/* The first column of the first row of sql, as a malloc'd blob. */
static uint8_t *
raw_blob(const char *path, const char *sql, size_t *len)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	uint8_t *p;
	int n;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_bytes(st, 0);
	assert_true(n > 0);
	p = malloc((size_t)n);
	assert_non_null(p);
	memcpy(p, sqlite3_column_blob(st, 0), (size_t)n);
	*len = (size_t)n;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return p;
}

/* The whole file at path, malloc'd. */
static uint8_t *
raw_file(const char *path, size_t *len)
{
	FILE *fp;
	uint8_t *buf;
	long n;

	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	assert_true((n = ftell(fp)) > 0);
	rewind(fp);
	assert_non_null(buf = malloc((size_t)n));
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* Run sql (one ? parameter, bound to the blob b) on the file. */
static void
raw_set(const char *path, const char *sql, const uint8_t *b, size_t len)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_bind_blob(st, 1, b, (int)len,
	    SQLITE_TRANSIENT), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* 1 if the file at path (absent = empty) contains needle. */
static int
file_has(const char *path, const void *needle, size_t nlen)
{
	FILE *fp;
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0, r, i;
	int found = 0;

	if ((fp = fopen(path, "rb")) == NULL)
		return 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		if ((r = fread(buf + len, 1, cap - len, fp)) == 0)
			break;
		len += r;
	}
	fclose(fp);
	for (i = 0; !found && nlen <= len && i <= len - nlen; i++)
		if (memcmp(buf + i, needle, nlen) == 0)
			found = 1;
	free(buf);
	return found;
}

static int
store_has(const char *path, const void *needle, size_t nlen)
{
	char p[160];

	snprintf(p, sizeof(p), "%s-wal", path);
	if (file_has(p, needle, nlen))
		return 1;
	snprintf(p, sizeof(p), "%s-shm", path);
	if (file_has(p, needle, nlen))
		return 1;
	snprintf(p, sizeof(p), "%s-journal", path);
	if (file_has(p, needle, nlen))
		return 1;
	return file_has(path, needle, nlen);
}

static void
conv_init(struct pouch_cstore_conv *c, const char *gid, const char *title)
{
	memset(c, 0, sizeof(*c));
	c->gidlen = strlen(gid);
	memcpy(c->gid, gid, c->gidlen);
	snprintf(c->title, sizeof(c->title), "%s", title);
	c->epoch = 7;
	c->last_update = 1700000000;
	c->sent_since_update = 42;
}

static void
msg_init(struct pouch_cstore_msg *m, const char *gid, int64_t server_id,
    int64_t t)
{
	memset(m, 0, sizeof(*m));
	m->gidlen = strlen(gid);
	memcpy(m->gid, gid, m->gidlen);
	m->server_id = server_id;
	snprintf(m->sender, sizeof(m->sender), "alice@example.org");
	m->sender_device = 3;
	m->time = t;
}

/* ---- key files -------------------------------------------------------- */

static void
test_keyfile(void **state)
{
	struct fx *f = *state;
	char p1[160], p2[160];
	uint8_t k1[32], k2[32], zero[32];
	struct stat sb;
	int fd;

	memset(zero, 0, sizeof(zero));
	snprintf(p1, sizeof(p1), "%s/k1", f->dir);
	snprintf(p2, sizeof(p2), "%s/k2", f->dir);
	assert_int_equal(pouch_cstore_keyfile_create(p1), POUCH_OK);
	assert_int_equal(stat(p1, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, 32);
	assert_int_equal(pouch_cstore_keyfile_create(p1), POUCH_E_EXISTS);
	assert_int_equal(pouch_cstore_keyfile_create(p2), POUCH_OK);
	assert_int_equal(pouch_cstore_keyfile_load(p1, k1), POUCH_OK);
	assert_int_equal(pouch_cstore_keyfile_load(p2, k2), POUCH_OK);
	assert_memory_not_equal(k1, k2, 32);
	assert_memory_not_equal(k1, zero, 32);

	/* Readable or writable by group or other: refused, key cleared. */
	assert_int_equal(chmod(p1, 0640), 0);
	memset(k1, 0xaa, sizeof(k1));
	assert_int_equal(pouch_cstore_keyfile_load(p1, k1),
	    POUCH_E_FORBIDDEN);
	assert_memory_equal(k1, zero, 32);
	assert_int_equal(chmod(p1, 0604), 0);
	assert_int_equal(pouch_cstore_keyfile_load(p1, k1),
	    POUCH_E_FORBIDDEN);
	assert_int_equal(chmod(p1, 0620), 0);
	assert_int_equal(pouch_cstore_keyfile_load(p1, k1),
	    POUCH_E_FORBIDDEN);
	assert_int_equal(chmod(p1, 0400), 0);
	assert_int_equal(pouch_cstore_keyfile_load(p1, k1), POUCH_OK);

	/* Wrong size, absent. */
	fd = open(p2, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(pouch_cstore_keyfile_load(p2, k2),
	    POUCH_E_MALFORMED);
	assert_int_equal(truncate(p2, 31), 0);
	assert_int_equal(pouch_cstore_keyfile_load(p2, k2),
	    POUCH_E_MALFORMED);
	snprintf(p2, sizeof(p2), "%s/none", f->dir);
	assert_int_equal(pouch_cstore_keyfile_load(p2, k2),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(pouch_cstore_keyfile_load(NULL, k2), POUCH_E_MISUSE);
	assert_int_equal(pouch_cstore_keyfile_create(NULL), POUCH_E_MISUSE);

	/* A key from a key file opens a store. */
	snprintf(p2, sizeof(p2), "%s/kf.db", f->dir);
	{
		struct pouch_cstore *s = NULL;

		assert_int_equal(pouch_cstore_open(p2, k1, &s), POUCH_OK);
		assert_int_equal(stat(p2, &sb), 0);
		assert_int_equal(sb.st_mode & 077, 0);
		pouch_cstore_close(s);
	}
}

/* ---- opening ---------------------------------------------------------- */

static void
test_open_wrong_key(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore *s = (struct pouch_cstore *)&s;
	uint8_t bad[32], *v = NULL, *before, *after;
	size_t n = 0, blen, alen;
	char p[160];
	FILE *fp;

	assert_int_equal(pouch_cstore_kv_put(f->s, "a", (const uint8_t *)"1",
	    1), POUCH_OK);
	pouch_cstore_close(f->s);
	f->s = NULL;
	memcpy(bad, f->key, sizeof(bad));
	bad[31] ^= 1;
	before = raw_file(f->path, &blen);
	assert_int_equal(pouch_cstore_open(f->path, bad, &s),
	    POUCH_E_BAD_KEY);
	assert_null(s);
	/* The refused open wrote nothing. */
	after = raw_file(f->path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(before);
	free(after);
	assert_int_equal(pouch_cstore_open_passphrase(f->path, "pw", 2,
	    &small_kdf, &s), POUCH_E_BAD_KEY);
	assert_null(s);
	assert_int_equal(pouch_cstore_open(NULL, f->key, &s), POUCH_E_MISUSE);
	assert_int_equal(pouch_cstore_open(f->path, NULL, &s),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_cstore_open(f->path, f->key, NULL),
	    POUCH_E_MISUSE);
	/* Nothing was touched by the failures. */
	assert_int_equal(pouch_cstore_open(f->path, f->key, &f->s), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_get(f->s, "a", &v, &n), POUCH_OK);
	assert_int_equal(n, 1);
	assert_memory_equal(v, "1", 1);
	pouch_cstore_buf_free(v, n);
	assert_int_equal(pouch_cstore_integrity(f->s), POUCH_OK);
	pouch_cstore_close(NULL);

	/* A file that is not a database. */
	snprintf(p, sizeof(p), "%s/junk.db", f->dir);
	assert_non_null(fp = fopen(p, "wb"));
	for (n = 0; n < 64; n++)
		fputs("this is not an SQLite database, just text. ", fp);
	fclose(fp);
	assert_int_equal(pouch_cstore_open(p, f->key, &s), POUCH_E_MALFORMED);
	assert_null(s);
}

static void
test_passphrase(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore *s = NULL;
	struct pouch_cstore_kdf bad = { 0, 64, 1 };
	char p[160];
	uint8_t *v = NULL, *blob;
	size_t n = 0, bl;

	snprintf(p, sizeof(p), "%s/pass.db", f->dir);
	assert_int_equal(pouch_cstore_open_passphrase(p, "pw", 2, &bad, &s),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_cstore_open_passphrase(p, "pw", 0, NULL, &s),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_cstore_open_passphrase(p,
	    "correct horse", 13, &small_kdf, &s), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_put(s, "sec", (const uint8_t *)"xy",
	    2), POUCH_OK);
	pouch_cstore_close(s);
	s = NULL;

	/* The stored parameters are used: kdf NULL would mean 64 MiB. */
	assert_int_equal(pouch_cstore_open_passphrase(p, "correct horse",
	    13, NULL, &s), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_get(s, "sec", &v, &n), POUCH_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(v, "xy", 2);
	pouch_cstore_buf_free(v, n);
	pouch_cstore_close(s);
	s = NULL;

	assert_int_equal(pouch_cstore_open_passphrase(p, "correct horsf",
	    13, NULL, &s), POUCH_E_BAD_KEY);
	assert_null(s);
	assert_int_equal(pouch_cstore_open(p, f->key, &s), POUCH_E_BAD_KEY);

	/* The salt and parameters are plaintext: t=1, m=64, p=1. */
	blob = raw_blob(p, "SELECT v FROM meta WHERE k = 'kdf'", &bl);
	assert_int_equal(bl, 16 + 12);
	assert_int_equal(blob[16 + 3], 1);
	assert_int_equal(blob[16 + 6], 0);
	assert_int_equal(blob[16 + 7], 64);
	assert_int_equal(blob[16 + 11], 1);
	/* Hostile parameters (a memory bomb) are refused before Argon2. */
	blob[20] = 0x7f;
	raw_set(p, "UPDATE meta SET v = ? WHERE k = 'kdf'", blob, bl);
	assert_int_equal(pouch_cstore_open_passphrase(p, "correct horse",
	    13, NULL, &s), POUCH_E_MALFORMED);
	free(blob);
	raw_exec(p, "UPDATE meta SET v = x'00' WHERE k = 'kdf'");
	assert_int_equal(pouch_cstore_open_passphrase(p, "correct horse",
	    13, NULL, &s), POUCH_E_MALFORMED);
	assert_null(s);
}

static void
test_passphrase_defaults(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore *s = NULL;
	char p[160];
	uint8_t *blob;
	size_t bl;

	snprintf(p, sizeof(p), "%s/def.db", f->dir);
	assert_int_equal(pouch_cstore_open_passphrase(p, "pw", 2, NULL, &s),
	    POUCH_OK);
	pouch_cstore_close(s);
	blob = raw_blob(p, "SELECT v FROM meta WHERE k = 'kdf'", &bl);
	assert_int_equal(bl, 28);
	/* t = 3, m = 65536 KiB, p = 1, big-endian. */
	assert_int_equal(blob[19], 3);
	assert_int_equal(blob[21], 1);
	assert_int_equal(blob[22], 0);
	assert_int_equal(blob[23], 0);
	assert_int_equal(blob[27], 1);
	free(blob);
}

static void
test_schema_version(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore *s = NULL;

	pouch_cstore_close(f->s);
	f->s = NULL;
	raw_exec(f->path, "UPDATE meta SET v = x'0000000000000002' "
	    "WHERE k = 'schema'");
	assert_int_equal(pouch_cstore_open(f->path, f->key, &s),
	    POUCH_E_CSTORE_SCHEMA);
	assert_null(s);
	raw_exec(f->path, "UPDATE meta SET v = x'0000000000000001' "
	    "WHERE k = 'schema'");
	assert_int_equal(pouch_cstore_open(f->path, f->key, &f->s), POUCH_OK);
	/* A damaged key check is not a wrong key, and not usable. */
	pouch_cstore_close(f->s);
	f->s = NULL;
	raw_exec(f->path, "UPDATE meta SET v = x'02' WHERE k = 'keycheck'");
	assert_int_equal(pouch_cstore_open(f->path, f->key, &s),
	    POUCH_E_MALFORMED);
	assert_null(s);
}

/* ---- key-value -------------------------------------------------------- */

static void
test_kv(void **state)
{
	struct fx *f = *state;
	uint8_t big[4096], *v = NULL;
	char **names = NULL, longname[300];
	size_t n = 0, i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	assert_int_equal(pouch_cstore_kv_get(f->s, "none", &v, &n),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(pouch_cstore_kv_put(f->s, "kp/ab", big, 10),
	    POUCH_OK);
	assert_int_equal(pouch_cstore_kv_put(f->s, "kp/cd", big, sizeof(big)),
	    POUCH_OK);
	assert_int_equal(pouch_cstore_kv_put(f->s, "kpx", big, 1), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_put(f->s, "k%/_", big, 1), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_put(f->s, "empty", NULL, 0),
	    POUCH_OK);
	assert_int_equal(pouch_cstore_kv_get(f->s, "kp/cd", &v, &n),
	    POUCH_OK);
	assert_int_equal(n, sizeof(big));
	assert_memory_equal(v, big, sizeof(big));
	pouch_cstore_buf_free(v, n);
	assert_int_equal(pouch_cstore_kv_get(f->s, "empty", &v, &n),
	    POUCH_OK);
	assert_int_equal(n, 0);
	assert_non_null(v);
	pouch_cstore_buf_free(v, n);

	/* Replace. */
	assert_int_equal(pouch_cstore_kv_put(f->s, "kp/ab", big + 100, 20),
	    POUCH_OK);
	assert_int_equal(pouch_cstore_kv_get(f->s, "kp/ab", &v, &n),
	    POUCH_OK);
	assert_int_equal(n, 20);
	assert_memory_equal(v, big + 100, 20);
	pouch_cstore_buf_free(v, n);

	/* Prefix listing is literal (no LIKE wildcards) and sorted. */
	assert_int_equal(pouch_cstore_kv_list(f->s, "kp/", &names, &n),
	    POUCH_OK);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "kp/ab");
	assert_string_equal(names[1], "kp/cd");
	pouch_cstore_names_free(names, n);
	assert_int_equal(pouch_cstore_kv_list(f->s, "k%", &names, &n),
	    POUCH_OK);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "k%/_");
	pouch_cstore_names_free(names, n);
	assert_int_equal(pouch_cstore_kv_list(f->s, "zz", &names, &n),
	    POUCH_OK);
	assert_int_equal(n, 0);
	assert_null(names);
	assert_int_equal(pouch_cstore_kv_list(f->s, "", &names, &n),
	    POUCH_OK);
	assert_int_equal(n, 5);
	pouch_cstore_names_free(names, n);

	/* Delete. */
	assert_int_equal(pouch_cstore_kv_del(f->s, "kp/ab"), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_del(f->s, "kp/ab"),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(pouch_cstore_kv_get(f->s, "kp/ab", &v, &n),
	    POUCH_E_NOT_FOUND);
	assert_null(v);

	/* Misuse. */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(pouch_cstore_kv_put(f->s, longname, big, 1),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_cstore_kv_put(f->s, "", big, 1),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_cstore_kv_put(f->s, "x", NULL, 1),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_cstore_kv_put(NULL, "x", big, 1),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_cstore_kv_put(f->s, "x", big,
	    POUCH_CSTORE_VALUE_MAX + 1), POUCH_E_TOO_LARGE);
	assert_int_equal(pouch_cstore_kv_get(f->s, "x", NULL, &n),
	    POUCH_E_MISUSE);

	reopen(f);
	assert_int_equal(pouch_cstore_kv_get(f->s, "kp/cd", &v, &n),
	    POUCH_OK);
	assert_memory_equal(v, big, sizeof(big));
	pouch_cstore_buf_free(v, n);
}

/* ---- conversations ---------------------------------------------------- */

static void
test_conv(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore_conv c, g, *list = NULL;
	uint8_t *st = NULL;
	size_t sl = 0, n = 0;
	int64_t id1;

	conv_init(&c, "group-1", "Team chat");
	assert_int_equal(pouch_cstore_conv_get(f->s, c.gid, c.gidlen, &g,
	    NULL, NULL), POUCH_E_NOT_FOUND);
	assert_int_equal(pouch_cstore_conv_put(f->s, &c,
	    (const uint8_t *)"state-1", 7), POUCH_OK);
	assert_int_equal(pouch_cstore_conv_get(f->s, c.gid, c.gidlen, &g,
	    &st, &sl), POUCH_OK);
	assert_true(g.id > 0);
	id1 = g.id;
	assert_int_equal(g.gidlen, 7);
	assert_memory_equal(g.gid, "group-1", 7);
	assert_string_equal(g.title, "Team chat");
	assert_int_equal(g.epoch, 7);
	assert_int_equal(g.last_update, 1700000000);
	assert_int_equal(g.sent_since_update, 42);
	assert_int_equal(g.removed, 0);
	assert_int_equal(sl, 7);
	assert_memory_equal(st, "state-1", 7);
	pouch_cstore_buf_free(st, sl);

	/* The gid may be read from the output struct itself. */
	g.title[0] = 'x';
	assert_int_equal(pouch_cstore_conv_get(f->s, g.gid, g.gidlen, &g,
	    NULL, NULL), POUCH_OK);
	assert_int_equal(g.id, id1);
	assert_string_equal(g.title, "Team chat");

	/* Replace by gid keeps the id. */
	c.epoch = 8;
	c.removed = 1;
	snprintf(c.title, sizeof(c.title), "Renamed");
	assert_int_equal(pouch_cstore_conv_put(f->s, &c,
	    (const uint8_t *)"state-2!", 8), POUCH_OK);
	assert_int_equal(pouch_cstore_conv_get(f->s, c.gid, c.gidlen, &g,
	    &st, &sl), POUCH_OK);
	assert_int_equal(g.id, id1);
	assert_int_equal(g.epoch, 8);
	assert_int_equal(g.removed, 1);
	assert_string_equal(g.title, "Renamed");
	assert_memory_equal(st, "state-2!", 8);
	pouch_cstore_buf_free(st, sl);

	conv_init(&c, "group-2", "");
	assert_int_equal(pouch_cstore_conv_put(f->s, &c,
	    (const uint8_t *)"s", 1), POUCH_OK);
	assert_int_equal(pouch_cstore_conv_list(f->s, &list, &n), POUCH_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(list[0].gid, "group-1", 7);
	assert_string_equal(list[0].title, "Renamed");
	assert_memory_equal(list[1].gid, "group-2", 7);
	assert_string_equal(list[1].title, "");
	free(list);

	/* Misuse. */
	assert_int_equal(pouch_cstore_conv_put(f->s, &c, NULL, 0),
	    POUCH_E_MISUSE);
	c.gidlen = 0;
	assert_int_equal(pouch_cstore_conv_put(f->s, &c,
	    (const uint8_t *)"s", 1), POUCH_E_MISUSE);
	c.gidlen = POUCH_CSTORE_GID_MAX + 1;
	assert_int_equal(pouch_cstore_conv_put(f->s, &c,
	    (const uint8_t *)"s", 1), POUCH_E_MISUSE);
	conv_init(&c, "g", "");
	memset(c.title, 'x', sizeof(c.title));
	assert_int_equal(pouch_cstore_conv_put(f->s, &c,
	    (const uint8_t *)"s", 1), POUCH_E_MISUSE);
}

/* ---- messages --------------------------------------------------------- */

static void
test_msg(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore_msg m, g, *list = NULL;
	uint8_t *body = NULL;
	size_t bl = 0, n = 0;
	int64_t id1, id2, id3, id4, x;

	msg_init(&m, "g1", 100, 1000);
	assert_int_equal(pouch_cstore_msg_add(f->s, &m,
	    (const uint8_t *)"Subject: hi\r\n\r\nbody", 19, &id1), POUCH_OK);
	msg_init(&m, "g1", 0, 1001);
	m.outgoing = 1;
	m.read = 1;
	snprintf(m.sender, sizeof(m.sender), "me@example.org");
	assert_int_equal(pouch_cstore_msg_add(f->s, &m,
	    (const uint8_t *)"out", 3, &id2), POUCH_OK);
	msg_init(&m, "g2", 101, 999);
	assert_int_equal(pouch_cstore_msg_add(f->s, &m, NULL, 0, &id3),
	    POUCH_OK);
	assert_true(id1 < id2 && id2 < id3);

	/* Duplicate server id: EXISTS, nothing stored. */
	msg_init(&m, "g1", 100, 1002);
	x = 5;
	assert_int_equal(pouch_cstore_msg_add(f->s, &m,
	    (const uint8_t *)"dup", 3, &x), POUCH_E_EXISTS);
	assert_int_equal(x, 0);

	assert_int_equal(pouch_cstore_msg_get(f->s, id1, &g, &body, &bl),
	    POUCH_OK);
	assert_int_equal(g.id, id1);
	assert_int_equal(g.server_id, 100);
	assert_int_equal(g.gidlen, 2);
	assert_memory_equal(g.gid, "g1", 2);
	assert_string_equal(g.sender, "alice@example.org");
	assert_int_equal(g.sender_device, 3);
	assert_int_equal(g.time, 1000);
	assert_int_equal(g.outgoing, 0);
	assert_int_equal(g.read, 0);
	assert_int_equal(bl, 19);
	assert_memory_equal(body, "Subject: hi\r\n\r\nbody", 19);
	pouch_cstore_buf_free(body, bl);
	assert_int_equal(pouch_cstore_msg_get(f->s, id2, &g, NULL, NULL),
	    POUCH_OK);
	assert_int_equal(g.server_id, 0);
	assert_int_equal(g.outgoing, 1);
	assert_int_equal(g.read, 1);
	assert_string_equal(g.sender, "me@example.org");
	assert_int_equal(pouch_cstore_msg_get(f->s, 9999, &g, NULL, NULL),
	    POUCH_E_NOT_FOUND);

	/* Lists: all, per gid, unread, limit (newest last). */
	assert_int_equal(pouch_cstore_msg_list(f->s, NULL, 0, 0, 0, &list,
	    &n), POUCH_OK);
	assert_int_equal(n, 3);
	assert_int_equal(list[0].id, id1);
	assert_int_equal(list[2].id, id3);
	free(list);
	assert_int_equal(pouch_cstore_msg_list(f->s, (const uint8_t *)"g1", 2,
	    0, 0, &list, &n), POUCH_OK);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, id1);
	assert_int_equal(list[1].id, id2);
	free(list);
	assert_int_equal(pouch_cstore_msg_list(f->s, (const uint8_t *)"g1", 2,
	    1, 0, &list, &n), POUCH_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, id1);
	free(list);
	assert_int_equal(pouch_cstore_msg_list(f->s, NULL, 0, 0, 2, &list,
	    &n), POUCH_OK);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, id2);
	assert_int_equal(list[1].id, id3);
	free(list);
	assert_int_equal(pouch_cstore_msg_list(f->s, (const uint8_t *)"zz", 2,
	    0, 0, &list, &n), POUCH_OK);
	assert_int_equal(n, 0);
	assert_null(list);

	/* Flags and server ids. */
	assert_int_equal(pouch_cstore_msg_set_read(f->s, id1), POUCH_OK);
	assert_int_equal(pouch_cstore_msg_set_read(f->s, 9999),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(pouch_cstore_msg_list(f->s, NULL, 0, 1, 0, &list,
	    &n), POUCH_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, id3);
	free(list);
	assert_int_equal(pouch_cstore_msg_set_server_id(f->s, id2, 101),
	    POUCH_E_EXISTS);
	assert_int_equal(pouch_cstore_msg_set_server_id(f->s, id2, 102),
	    POUCH_OK);
	assert_int_equal(pouch_cstore_msg_set_server_id(f->s, 9999, 103),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(pouch_cstore_msg_get(f->s, id2, &g, NULL, NULL),
	    POUCH_OK);
	assert_int_equal(g.server_id, 102);

	/* Message-IDs, by keyed hash. */
	assert_int_equal(pouch_cstore_msg_by_mid(f->s, "<a@b>", &x),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(pouch_cstore_msg_set_mid(f->s, id2, "<a@b>"),
	    POUCH_OK);
	assert_int_equal(pouch_cstore_msg_set_mid(f->s, 9999, "<a@b>"),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(pouch_cstore_msg_by_mid(f->s, "<a@b>", &x),
	    POUCH_OK);
	assert_int_equal(x, id2);
	assert_int_equal(pouch_cstore_msg_set_mid(f->s, id1, "<a@b>"),
	    POUCH_OK);
	assert_int_equal(pouch_cstore_msg_by_mid(f->s, "<a@b>", &x),
	    POUCH_OK);
	assert_int_equal(x, id1);
	assert_int_equal(pouch_cstore_msg_set_mid(f->s, id1, ""),
	    POUCH_E_MISUSE);

	/* Seen-set: explicit entries and stored messages' server ids. */
	assert_int_equal(pouch_cstore_seen(f->s, 500), 0);
	assert_int_equal(pouch_cstore_seen_add(f->s, 500), POUCH_OK);
	assert_int_equal(pouch_cstore_seen_add(f->s, 500), POUCH_OK);
	assert_int_equal(pouch_cstore_seen(f->s, 500), 1);
	assert_int_equal(pouch_cstore_seen(f->s, 101), 1);
	assert_int_equal(pouch_cstore_seen(f->s, 501), 0);
	assert_int_equal(pouch_cstore_seen(f->s, 0), POUCH_E_MISUSE);

	msg_init(&m, "g1", 0, 1);
	assert_int_equal(pouch_cstore_msg_add(f->s, &m, NULL, 1, &id4),
	    POUCH_E_MISUSE);
	m.gidlen = 0;
	assert_int_equal(pouch_cstore_msg_add(f->s, &m, NULL, 0, &id4),
	    POUCH_E_MISUSE);
	reopen(f);
	assert_int_equal(pouch_cstore_msg_by_mid(f->s, "<a@b>", &x),
	    POUCH_OK);
	assert_int_equal(x, id1);
}

/* ---- deferred, alerts, contacts --------------------------------------- */

static void
test_defer(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore_deferred *d = NULL;
	size_t n = 0;

	assert_int_equal(pouch_cstore_defer_add(f->s, 10,
	    (const uint8_t *)"g1", 2, 5, (const uint8_t *)"m10", 3), POUCH_OK);
	assert_int_equal(pouch_cstore_defer_add(f->s, 11,
	    (const uint8_t *)"g1", 2, 4, (const uint8_t *)"m11!", 4),
	    POUCH_OK);
	assert_int_equal(pouch_cstore_defer_add(f->s, 12,
	    (const uint8_t *)"g1", 2, 6, (const uint8_t *)"m12", 3), POUCH_OK);
	assert_int_equal(pouch_cstore_defer_add(f->s, 13,
	    (const uint8_t *)"g2", 2, 1, (const uint8_t *)"m13", 3), POUCH_OK);
	assert_int_equal(pouch_cstore_defer_add(f->s, 13,
	    (const uint8_t *)"g2", 2, 1, (const uint8_t *)"m13", 3),
	    POUCH_E_EXISTS);
	assert_int_equal(pouch_cstore_defer_list(f->s, (const uint8_t *)"g1",
	    2, 5, &d, &n), POUCH_OK);
	assert_int_equal(n, 2);		/* arrival order */
	assert_int_equal(d[0].server_id, 10);
	assert_int_equal(d[0].epoch, 5);
	assert_int_equal(d[0].datalen, 3);
	assert_memory_equal(d[0].data, "m10", 3);
	assert_memory_equal(d[0].gid, "g1", 2);
	assert_int_equal(d[1].server_id, 11);
	assert_memory_equal(d[1].data, "m11!", 4);
	assert_int_equal(pouch_cstore_defer_del(f->s, d[0].id), POUCH_OK);
	assert_int_equal(pouch_cstore_defer_del(f->s, d[0].id),
	    POUCH_E_NOT_FOUND);
	pouch_cstore_defer_free(d, n);
	assert_int_equal(pouch_cstore_defer_list(f->s, (const uint8_t *)"g1",
	    2, UINT64_MAX, &d, &n), POUCH_OK);
	assert_int_equal(n, 2);
	assert_int_equal(d[0].server_id, 11);
	assert_int_equal(d[1].server_id, 12);
	pouch_cstore_defer_free(d, n);
	assert_int_equal(pouch_cstore_defer_list(f->s, (const uint8_t *)"g1",
	    2, 3, &d, &n), POUCH_OK);
	assert_int_equal(n, 0);
	assert_null(d);
	assert_int_equal(pouch_cstore_defer_add(f->s, 14,
	    (const uint8_t *)"g1", 2, UINT64_MAX, (const uint8_t *)"x", 1),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_cstore_defer_add(f->s, 14,
	    (const uint8_t *)"g1", 2, 1, NULL, 0), POUCH_E_MISUSE);
	pouch_cstore_defer_free(NULL, 0);
}

static void
test_alert(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore_alert *a = NULL;
	char big[POUCH_CSTORE_ALERT_MAX + 2];
	size_t n = 0;
	int64_t id1, id2;

	assert_int_equal(pouch_cstore_alert_add(f->s, "own_device",
	    "A new device was added", 100, &id1), POUCH_OK);
	assert_int_equal(pouch_cstore_alert_add(f->s, "fork", "", 101, &id2),
	    POUCH_OK);
	assert_int_equal(pouch_cstore_alert_list(f->s, 0, &a, &n), POUCH_OK);
	assert_int_equal(n, 2);
	assert_int_equal(a[0].id, id1);
	assert_int_equal(a[0].time, 100);
	assert_string_equal(a[0].kind, "own_device");
	assert_string_equal(a[0].text, "A new device was added");
	assert_int_equal(a[0].acked, 0);
	assert_string_equal(a[1].kind, "fork");
	assert_string_equal(a[1].text, "");
	free(a);
	assert_int_equal(pouch_cstore_alert_ack(f->s, id1), POUCH_OK);
	assert_int_equal(pouch_cstore_alert_ack(f->s, 9999),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(pouch_cstore_alert_list(f->s, 0, &a, &n), POUCH_OK);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].id, id2);
	free(a);
	assert_int_equal(pouch_cstore_alert_list(f->s, 1, &a, &n), POUCH_OK);
	assert_int_equal(n, 2);
	assert_int_equal(a[0].acked, 1);
	free(a);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(pouch_cstore_alert_add(f->s, "k", big, 1, NULL),
	    POUCH_E_MISUSE);
	big[POUCH_CSTORE_ALERT_MAX] = '\0';
	assert_int_equal(pouch_cstore_alert_add(f->s, "k", big, 1, NULL),
	    POUCH_OK);
	assert_int_equal(pouch_cstore_alert_add(f->s, "", "t", 1, NULL),
	    POUCH_E_MISUSE);
	assert_int_equal(pouch_cstore_alert_add(f->s,
	    "0123456789012345678901234567890123", "t", 1, NULL),
	    POUCH_E_MISUSE);
}

static void
test_contact(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore_contact c, g, *list = NULL;
	size_t n = 0;

	memset(&c, 0, sizeof(c));
	snprintf(c.user, sizeof(c.user), "zed@example.org");
	memset(c.account_key, 0x11, 32);
	c.first_seen = 1234;
	assert_int_equal(pouch_cstore_contact_get(f->s, c.user, &g),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(pouch_cstore_contact_put(f->s, &c), POUCH_OK);
	snprintf(c.user, sizeof(c.user), "amy@example.org");
	memset(c.account_key, 0x22, 32);
	c.verified = 1;
	assert_int_equal(pouch_cstore_contact_put(f->s, &c), POUCH_OK);
	assert_int_equal(pouch_cstore_contact_get(f->s, "zed@example.org",
	    &g), POUCH_OK);
	assert_string_equal(g.user, "zed@example.org");
	assert_int_equal(g.account_key[0], 0x11);
	assert_int_equal(g.verified, 0);
	assert_int_equal(g.first_seen, 1234);
	assert_int_equal(pouch_cstore_contact_get(f->s, g.user, &g),
	    POUCH_OK);
	assert_string_equal(g.user, "zed@example.org");
	/* Replace (verification). */
	snprintf(c.user, sizeof(c.user), "zed@example.org");
	memset(c.account_key, 0x11, 32);
	c.verified = 1;
	assert_int_equal(pouch_cstore_contact_put(f->s, &c), POUCH_OK);
	assert_int_equal(pouch_cstore_contact_list(f->s, &list, &n),
	    POUCH_OK);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].user, "amy@example.org");
	assert_int_equal(list[0].account_key[31], 0x22);
	assert_string_equal(list[1].user, "zed@example.org");
	assert_int_equal(list[1].verified, 1);
	free(list);
	memset(&c, 0, sizeof(c));
	assert_int_equal(pouch_cstore_contact_put(f->s, &c), POUCH_E_MISUSE);
	assert_int_equal(pouch_cstore_contact_get(f->s, "", &g),
	    POUCH_E_MISUSE);
}

/* ---- tampering -------------------------------------------------------- */

static void
test_corrupt(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore_conv c, g;
	struct pouch_cstore_msg m;
	uint8_t *v = NULL, *rec;
	size_t n = 0, rl;
	int64_t id;

	assert_int_equal(pouch_cstore_kv_put(f->s, "a", (const uint8_t *)"aa",
	    2), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_put(f->s, "b", (const uint8_t *)"bb",
	    2), POUCH_OK);
	conv_init(&c, "g1", "t");
	assert_int_equal(pouch_cstore_conv_put(f->s, &c,
	    (const uint8_t *)"st", 2), POUCH_OK);
	msg_init(&m, "g1", 1, 1);
	assert_int_equal(pouch_cstore_msg_add(f->s, &m,
	    (const uint8_t *)"body", 4, &id), POUCH_OK);
	pouch_cstore_close(f->s);
	f->s = NULL;

	/* Flip one ciphertext byte of a kv value. */
	rec = raw_blob(f->path, "SELECT v FROM kv WHERE name = 'a'", &rl);
	assert_int_equal(rl, 29 + 2);
	rec[13] ^= 0x01;
	raw_set(f->path, "UPDATE kv SET v = ? WHERE name = 'a'", rec, rl);
	free(rec);
	/* And one tag byte of a message body. */
	rec = raw_blob(f->path, "SELECT body FROM msg", &rl);
	rec[rl - 1] ^= 0x80;
	raw_set(f->path, "UPDATE msg SET body = ?", rec, rl);
	free(rec);
	/* And a conversation's state record version byte. */
	rec = raw_blob(f->path, "SELECT state FROM conv", &rl);
	rec[0] = 2;
	raw_set(f->path, "UPDATE conv SET state = ?", rec, rl);
	free(rec);
	assert_int_equal(pouch_cstore_open(f->path, f->key, &f->s), POUCH_OK);
	v = (uint8_t *)&n;
	assert_int_equal(pouch_cstore_kv_get(f->s, "a", &v, &n),
	    POUCH_E_DECRYPT);
	assert_null(v);
	assert_int_equal(n, 0);
	assert_int_equal(pouch_cstore_msg_get(f->s, id, &m, &v, &n),
	    POUCH_E_DECRYPT);
	assert_null(v);
	/* The sender record is intact: without the body it reads. */
	assert_int_equal(pouch_cstore_msg_get(f->s, id, &m, NULL, NULL),
	    POUCH_OK);
	assert_int_equal(pouch_cstore_conv_get(f->s, c.gid, c.gidlen, &g, &v,
	    &n), POUCH_E_MALFORMED);
	assert_int_equal(pouch_cstore_conv_get(f->s, c.gid, c.gidlen, &g,
	    NULL, NULL), POUCH_OK);
	/* Nothing else broken. */
	assert_int_equal(pouch_cstore_kv_get(f->s, "b", &v, &n), POUCH_OK);
	assert_memory_equal(v, "bb", 2);
	pouch_cstore_buf_free(v, n);
	assert_int_equal(pouch_cstore_integrity(f->s), POUCH_OK);
	/* A truncated record is malformed. */
	raw_exec(f->path, "UPDATE kv SET v = x'0102' WHERE name = 'b'");
	assert_int_equal(pouch_cstore_kv_get(f->s, "b", &v, &n),
	    POUCH_E_MALFORMED);
	raw_exec(f->path, "UPDATE kv SET v = 'text' WHERE name = 'b'");
	assert_int_equal(pouch_cstore_kv_get(f->s, "b", &v, &n),
	    POUCH_E_MALFORMED);
	/* A fixed record can be written again. */
	assert_int_equal(pouch_cstore_kv_put(f->s, "a", (const uint8_t *)"A",
	    1), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_get(f->s, "a", &v, &n), POUCH_OK);
	pouch_cstore_buf_free(v, n);
}

static void
test_swap(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore_conv c, g;
	struct pouch_cstore_msg m, *list = NULL;
	struct pouch_cstore_contact k, *kl = NULL;
	struct pouch_cstore_deferred *d = NULL;
	struct pouch_cstore_alert *a = NULL;
	uint8_t *v = NULL;
	size_t n = 0;
	int64_t id1, id2;

	assert_int_equal(pouch_cstore_kv_put(f->s, "a", (const uint8_t *)"aa",
	    2), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_put(f->s, "b", (const uint8_t *)"bb",
	    2), POUCH_OK);
	conv_init(&c, "g1", "one");
	assert_int_equal(pouch_cstore_conv_put(f->s, &c,
	    (const uint8_t *)"s1", 2), POUCH_OK);
	conv_init(&c, "g2", "two");
	assert_int_equal(pouch_cstore_conv_put(f->s, &c,
	    (const uint8_t *)"s2", 2), POUCH_OK);
	msg_init(&m, "g1", 1, 1);
	assert_int_equal(pouch_cstore_msg_add(f->s, &m,
	    (const uint8_t *)"b1", 2, &id1), POUCH_OK);
	msg_init(&m, "g1", 2, 1);
	assert_int_equal(pouch_cstore_msg_add(f->s, &m,
	    (const uint8_t *)"b2", 2, &id2), POUCH_OK);
	memset(&k, 0, sizeof(k));
	snprintf(k.user, sizeof(k.user), "amy");
	assert_int_equal(pouch_cstore_contact_put(f->s, &k), POUCH_OK);
	snprintf(k.user, sizeof(k.user), "bob");
	assert_int_equal(pouch_cstore_contact_put(f->s, &k), POUCH_OK);
	assert_int_equal(pouch_cstore_defer_add(f->s, 5,
	    (const uint8_t *)"g1", 2, 1, (const uint8_t *)"d", 1), POUCH_OK);
	assert_int_equal(pouch_cstore_alert_add(f->s, "fork", "x", 1, NULL),
	    POUCH_OK);

	/* Row to row. */
	raw_exec(f->path, "UPDATE kv SET v = (SELECT v FROM kv WHERE "
	    "name = 'a') WHERE name = 'b'");
	assert_int_equal(pouch_cstore_kv_get(f->s, "b", &v, &n),
	    POUCH_E_DECRYPT);
	raw_exec(f->path, "UPDATE conv SET state = (SELECT state FROM conv "
	    "WHERE gid = CAST('g1' AS BLOB)) WHERE gid = CAST('g2' AS BLOB)");
	assert_int_equal(pouch_cstore_conv_get(f->s, (const uint8_t *)"g2", 2,
	    &g, &v, &n), POUCH_E_DECRYPT);
	raw_exec(f->path, "UPDATE msg SET body = (SELECT body FROM msg "
	    "WHERE server_id = 1) WHERE server_id = 2");
	assert_int_equal(pouch_cstore_msg_get(f->s, id2, &m, &v, &n),
	    POUCH_E_DECRYPT);
	assert_int_equal(pouch_cstore_msg_get(f->s, id1, &m, &v, &n),
	    POUCH_OK);
	pouch_cstore_buf_free(v, n);
	raw_exec(f->path, "UPDATE contact SET rec = (SELECT rec FROM contact "
	    "ORDER BY uh LIMIT 1) WHERE uh = (SELECT uh FROM contact "
	    "ORDER BY uh DESC LIMIT 1)");
	assert_int_equal(pouch_cstore_contact_list(f->s, &kl, &n),
	    POUCH_E_DECRYPT);
	assert_null(kl);
	/* Column to column within a row. */
	raw_exec(f->path, "UPDATE conv SET state = info "
	    "WHERE gid = CAST('g1' AS BLOB)");
	assert_int_equal(pouch_cstore_conv_get(f->s, (const uint8_t *)"g1", 2,
	    &g, &v, &n), POUCH_E_DECRYPT);
	/* Edited plaintext metadata bound into the AAD. */
	raw_exec(f->path, "UPDATE msg SET time = 2 WHERE server_id = 1");
	assert_int_equal(pouch_cstore_msg_get(f->s, id1, &m, NULL, NULL),
	    POUCH_E_DECRYPT);
	assert_int_equal(pouch_cstore_msg_list(f->s, NULL, 0, 0, 0, &list,
	    &n), POUCH_E_DECRYPT);
	assert_null(list);
	raw_exec(f->path, "UPDATE pending SET epoch = 0");
	assert_int_equal(pouch_cstore_defer_list(f->s, (const uint8_t *)"g1",
	    2, 9, &d, &n), POUCH_E_DECRYPT);
	assert_null(d);
	raw_exec(f->path, "UPDATE alert SET kind = 'own_device'");
	assert_int_equal(pouch_cstore_alert_list(f->s, 1, &a, &n),
	    POUCH_E_DECRYPT);
	assert_null(a);
	/* The key-value row that was not touched still reads. */
	assert_int_equal(pouch_cstore_kv_get(f->s, "a", &v, &n), POUCH_OK);
	pouch_cstore_buf_free(v, n);
}

/* ---- transactions ----------------------------------------------------- */

static void
test_txn(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore_conv c, g;
	struct pouch_cstore_msg m;
	uint8_t *v = NULL;
	size_t n = 0;
	int64_t id;

	assert_int_equal(pouch_cstore_commit(f->s), POUCH_E_MISUSE);
	pouch_cstore_rollback(f->s);	/* no-op */
	assert_int_equal(pouch_cstore_begin(f->s), POUCH_OK);
	assert_int_equal(pouch_cstore_begin(f->s), POUCH_E_MISUSE);
	assert_int_equal(pouch_cstore_kv_put(f->s, "k", (const uint8_t *)"v",
	    1), POUCH_OK);
	conv_init(&c, "g", "t");
	assert_int_equal(pouch_cstore_conv_put(f->s, &c,
	    (const uint8_t *)"s", 1), POUCH_OK);
	msg_init(&m, "g", 7, 1);
	assert_int_equal(pouch_cstore_msg_add(f->s, &m,
	    (const uint8_t *)"b", 1, &id), POUCH_OK);
	/* A failed operation inside the transaction undoes only itself. */
	assert_int_equal(pouch_cstore_msg_add(f->s, &m,
	    (const uint8_t *)"b", 1, NULL), POUCH_E_EXISTS);
	assert_int_equal(pouch_cstore_seen_add(f->s, 8), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_get(f->s, "k", &v, &n), POUCH_OK);
	pouch_cstore_buf_free(v, n);
	pouch_cstore_rollback(f->s);
	assert_int_equal(pouch_cstore_kv_get(f->s, "k", &v, &n),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(pouch_cstore_conv_get(f->s, c.gid, c.gidlen, &g,
	    NULL, NULL), POUCH_E_NOT_FOUND);
	assert_int_equal(pouch_cstore_msg_get(f->s, id, &m, NULL, NULL),
	    POUCH_E_NOT_FOUND);
	assert_int_equal(pouch_cstore_seen(f->s, 8), 0);

	msg_init(&m, "g", 7, 1);
	assert_int_equal(pouch_cstore_begin(f->s), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_put(f->s, "k", (const uint8_t *)"v",
	    1), POUCH_OK);
	assert_int_equal(pouch_cstore_conv_put(f->s, &c,
	    (const uint8_t *)"s", 1), POUCH_OK);
	assert_int_equal(pouch_cstore_msg_add(f->s, &m,
	    (const uint8_t *)"b", 1, &id), POUCH_OK);
	assert_int_equal(pouch_cstore_msg_add(f->s, &m,
	    (const uint8_t *)"b", 1, NULL), POUCH_E_EXISTS);
	assert_int_equal(pouch_cstore_commit(f->s), POUCH_OK);
	reopen(f);
	assert_int_equal(pouch_cstore_kv_get(f->s, "k", &v, &n), POUCH_OK);
	pouch_cstore_buf_free(v, n);
	assert_int_equal(pouch_cstore_msg_get(f->s, id, &m, NULL, NULL),
	    POUCH_OK);

	/* Closing with an open transaction rolls it back. */
	assert_int_equal(pouch_cstore_begin(f->s), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_put(f->s, "k2", (const uint8_t *)"v",
	    1), POUCH_OK);
	reopen(f);
	assert_int_equal(pouch_cstore_kv_get(f->s, "k2", &v, &n),
	    POUCH_E_NOT_FOUND);
}

/* ---- forward secrecy and plaintext on disk ---------------------------- */

static void
test_forward_secrecy(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore_conv c;
	uint8_t big[10240], *oldbig, *oldsmall, *oldstate, *olddef;
	size_t lbig, lsmall, lstate, ldef, i;
	uint64_t ck;
	int pass;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13 + 5);
	conv_init(&c, "grp", "t");
	for (pass = 0; pass < 2; pass++) {
		/* Several committed generations pile up in the -wal. */
		assert_int_equal(pouch_cstore_kv_put(f->s, "secret/big", big,
		    sizeof(big)), POUCH_OK);
		assert_int_equal(pouch_cstore_kv_put(f->s, "secret/small",
		    (const uint8_t *)"SMALLSECRETVALUE", 16), POUCH_OK);
		assert_int_equal(pouch_cstore_conv_put(f->s, &c,
		    (const uint8_t *)"GROUPSTATE-ONE!!", 16), POUCH_OK);
		assert_int_equal(pouch_cstore_defer_add(f->s, 77 + pass,
		    (const uint8_t *)"grp", 3, 1,
		    (const uint8_t *)"DEFERREDMESSAGE!", 16), POUCH_OK);
	}
	assert_int_equal(pouch_cstore_kv_put(f->s, "keep", big, 100),
	    POUCH_OK);
	oldbig = raw_blob(f->path, "SELECT v FROM kv WHERE "
	    "name = 'secret/big'", &lbig);
	oldsmall = raw_blob(f->path, "SELECT v FROM kv WHERE "
	    "name = 'secret/small'", &lsmall);
	oldstate = raw_blob(f->path, "SELECT state FROM conv", &lstate);
	olddef = raw_blob(f->path, "SELECT data FROM pending WHERE "
	    "server_id = 78", &ldef);
	assert_true(store_has(f->path, oldbig + 1000, 64));
	assert_true(store_has(f->path, oldsmall + 13, 16));

	/* Replace one, delete others, in one transaction. */
	ck = pouch_cstore_checkpoints(f->s);
	assert_int_equal(pouch_cstore_begin(f->s), POUCH_OK);
	big[0] ^= 0xff;
	assert_int_equal(pouch_cstore_kv_put(f->s, "secret/big", big,
	    sizeof(big)), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_del(f->s, "secret/small"), POUCH_OK);
	assert_int_equal(pouch_cstore_conv_put(f->s, &c,
	    (const uint8_t *)"GROUPSTATE-TWO!!", 16), POUCH_OK);
	assert_int_equal(pouch_cstore_defer_del(f->s, 2), POUCH_OK);
	assert_int_equal(pouch_cstore_commit(f->s), POUCH_OK);
	assert_int_equal(pouch_cstore_checkpoints(f->s), ck + 1);

	/* While the store is still open, and after close. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i + 64 <= lbig - 16; i += 512)
			assert_false(store_has(f->path, oldbig + 13 + i, 32));
		assert_false(store_has(f->path, oldbig + lbig - 16, 16));
		assert_false(store_has(f->path, oldsmall + 1, lsmall - 1));
		assert_false(store_has(f->path, oldstate + 1, lstate - 1));
		assert_false(store_has(f->path, olddef + 1, ldef - 1));
		assert_false(store_has(f->path, "SMALLSECRETVALUE", 16));
		assert_false(store_has(f->path, "GROUPSTATE", 10));
		assert_false(store_has(f->path, "DEFERREDMESSAGE", 15));
		assert_false(store_has(f->path, big + 2000, 32));
		if (pass == 0) {
			pouch_cstore_close(f->s);
			f->s = NULL;
		}
	}
	free(oldbig);
	free(oldsmall);
	free(oldstate);
	free(olddef);

	/* An insert alone does not checkpoint; a replace outside a
	 * transaction does, at once. */
	assert_int_equal(pouch_cstore_open(f->path, f->key, &f->s), POUCH_OK);
	ck = pouch_cstore_checkpoints(f->s);
	assert_int_equal(pouch_cstore_kv_put(f->s, "new", big, 10), POUCH_OK);
	assert_int_equal(pouch_cstore_checkpoints(f->s), ck);
	assert_int_equal(pouch_cstore_kv_put(f->s, "new", big, 11), POUCH_OK);
	assert_int_equal(pouch_cstore_checkpoints(f->s), ck + 1);
}

static void
test_no_plaintext(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore_conv c;
	struct pouch_cstore_msg m;
	struct pouch_cstore_contact k;
	static const char *needles[] = {
		"XSECRETKEYX", "XTITLEX", "XSUBJECTX", "XBODYX", "XSENDERX",
		"XALERTX", "XCONTACTX", "XMIDX", "XDEFERX", "XSTATEX",
	};
	const char body[] = "Subject: XSUBJECTX\r\n\r\nXBODYX XBODYX";
	size_t i;
	int64_t id;
	int pass;

	assert_int_equal(pouch_cstore_begin(f->s), POUCH_OK);
	assert_int_equal(pouch_cstore_kv_put(f->s, "acct/priv",
	    (const uint8_t *)"XSECRETKEYX", 11), POUCH_OK);
	conv_init(&c, "gid", "XTITLEX");
	assert_int_equal(pouch_cstore_conv_put(f->s, &c,
	    (const uint8_t *)"XSTATEX", 7), POUCH_OK);
	msg_init(&m, "gid", 9, 1);
	snprintf(m.sender, sizeof(m.sender), "XSENDERX");
	assert_int_equal(pouch_cstore_msg_add(f->s, &m,
	    (const uint8_t *)body, strlen(body), &id), POUCH_OK);
	assert_int_equal(pouch_cstore_msg_set_mid(f->s, id, "<XMIDX@h>"),
	    POUCH_OK);
	assert_int_equal(pouch_cstore_alert_add(f->s, "contact_key",
	    "XALERTX", 1, NULL), POUCH_OK);
	memset(&k, 0, sizeof(k));
	snprintf(k.user, sizeof(k.user), "XCONTACTX");
	assert_int_equal(pouch_cstore_contact_put(f->s, &k), POUCH_OK);
	assert_int_equal(pouch_cstore_defer_add(f->s, 10,
	    (const uint8_t *)"gid", 3, 2, (const uint8_t *)"XDEFERX", 7),
	    POUCH_OK);
	assert_int_equal(pouch_cstore_commit(f->s), POUCH_OK);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < sizeof(needles) / sizeof(needles[0]); i++)
			if (store_has(f->path, needles[i], strlen(needles[i])))
				fail_msg("plaintext %s on disk", needles[i]);
		pouch_cstore_close(f->s);
		f->s = NULL;
	}
	/* Sanity: the search does find what is stored in clear. */
	assert_true(store_has(f->path, "acct/priv", 9));
}

/* ---- crash consistency ------------------------------------------------ */

static uint64_t
lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return *x >> 33;
}

static void
crash_child(const char *path, const uint8_t key[32], int fd, int base)
{
	struct pouch_cstore *s = NULL;
	struct pouch_cstore_conv c;
	struct pouch_cstore_msg m;
	char name[64], body[64];
	int i;

	if (pouch_cstore_open(path, key, &s) != POUCH_OK)
		_exit(2);
	conv_init(&c, "crash", "t");
	for (i = 0;; i++) {
		snprintf(name, sizeof(name), "rec/%d", base + i);
		snprintf(body, sizeof(body), "body %d", base + i);
		msg_init(&m, "crash", base + i + 1, base + i);
		c.epoch = (uint64_t)(base + i);
		if (pouch_cstore_begin(s) != POUCH_OK ||
		    pouch_cstore_kv_put(s, name, (const uint8_t *)body,
		    strlen(body)) != POUCH_OK ||
		    pouch_cstore_msg_add(s, &m, (const uint8_t *)body,
		    strlen(body), NULL) != POUCH_OK ||
		    pouch_cstore_conv_put(s, &c, (const uint8_t *)body,
		    strlen(body)) != POUCH_OK ||
		    pouch_cstore_commit(s) != POUCH_OK)
			_exit(3);
		/* Only now is base + i durable. */
		if (write(fd, &i, sizeof(i)) != sizeof(i))
			_exit(4);
	}
}

static void
test_crash(void **state)
{
	struct fx *f = *state;
	struct pouch_cstore_conv cv;
	struct pouch_cstore_msg *list = NULL;
	struct timespec ts;
	char **names = NULL, name[64], body[64];
	uint8_t *v = NULL;
	uint64_t seed = (uint64_t)getpid() * 2654435761ULL;
	size_t n = 0, nm = 0, expect = 0, k;
	int it, fds[2], got, last, status;
	pid_t pid;

	pouch_cstore_close(f->s);
	f->s = NULL;
	for (it = 0; it < 20; it++) {
		assert_int_equal(pipe(fds), 0);
		if ((pid = fork()) == 0) {
			close(fds[0]);
			crash_child(f->path, f->key, fds[1], it * 100000);
		}
		assert_true(pid > 0);
		close(fds[1]);
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(lcg(&seed) % 150 + 5) * 1000000L;
		nanosleep(&ts, NULL);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status))
			fail_msg("child exited %d", WEXITSTATUS(status));
		last = -1;
		while (read(fds[0], &got, sizeof(got)) == sizeof(got))
			last = got;
		close(fds[0]);

		assert_int_equal(pouch_cstore_open(f->path, f->key, &f->s),
		    POUCH_OK);
		assert_int_equal(pouch_cstore_integrity(f->s), POUCH_OK);
		/* Every acknowledged commit reads back. */
		for (got = 0; got <= last; got++) {
			snprintf(name, sizeof(name), "rec/%d",
			    it * 100000 + got);
			snprintf(body, sizeof(body), "body %d",
			    it * 100000 + got);
			assert_int_equal(pouch_cstore_kv_get(f->s, name, &v,
			    &n), POUCH_OK);
			assert_int_equal(n, strlen(body));
			assert_memory_equal(v, body, n);
			pouch_cstore_buf_free(v, n);
		}
		/* Transactions were atomic: as many messages as records,
		 * and every message and the group state decrypt. */
		assert_int_equal(pouch_cstore_kv_list(f->s, "rec/", &names,
		    &n), POUCH_OK);
		pouch_cstore_names_free(names, n);
		assert_int_equal(pouch_cstore_msg_list(f->s, NULL, 0, 0, 0,
		    &list, &nm), POUCH_OK);
		free(list);
		assert_int_equal(n, nm);
		expect += (size_t)(last + 1);
		assert_true(n >= expect);
		expect = n;
		if (n > 0) {
			assert_int_equal(pouch_cstore_conv_get(f->s,
			    (const uint8_t *)"crash", 5, &cv, &v, &k),
			    POUCH_OK);
			pouch_cstore_buf_free(v, k);
		}
		pouch_cstore_close(f->s);
		f->s = NULL;
	}
	/* The children did commit something over 20 runs. */
	assert_true(expect > 0);
	print_message("crash: 20 kills, %zu transactions survived\n", expect);
}

/* ---- the record parser ------------------------------------------------ */

static void
test_records(void **state)
{
	struct pouch_crypto *c = NULL;
	struct pouch_cstore_conv cv;
	struct pouch_cstore_msg m;
	struct pouch_cstore_contact k;
	uint8_t key[32], rec[64], *pt = NULL;
	size_t n = 0;
	char text[8];

	(void)state;
	memset(key, 1, sizeof(key));
	memset(rec, 0, sizeof(rec));
	assert_int_equal(pouch_crypto_new(&c), POUCH_OK);
	rec[0] = 1;
	assert_int_equal(pouch_cstore_rec_open(c, key, "kv", "v", NULL, 0, rec,
	    28, &pt, &n), POUCH_E_MALFORMED);
	assert_int_equal(pouch_cstore_rec_open(c, key, "kv", "v", NULL, 0, rec,
	    29, &pt, &n), POUCH_E_DECRYPT);
	rec[0] = 2;
	assert_int_equal(pouch_cstore_rec_open(c, key, "kv", "v", NULL, 0, rec,
	    40, &pt, &n), POUCH_E_MALFORMED);
	assert_null(pt);
	pouch_crypto_free(c);

	/* title<V>=""  epoch  last  sent  removed=2 */
	memset(rec, 0, sizeof(rec));
	rec[25] = 2;
	assert_int_equal(pouch_cstore_rec_decode_conv(rec, 26, &cv),
	    POUCH_E_MALFORMED);
	rec[25] = 1;
	assert_int_equal(pouch_cstore_rec_decode_conv(rec, 26, &cv),
	    POUCH_OK);
	assert_int_equal(cv.removed, 1);
	assert_int_equal(pouch_cstore_rec_decode_conv(rec, 27, &cv),
	    POUCH_E_TRAILING);
	assert_int_equal(pouch_cstore_rec_decode_conv(rec, 20, &cv),
	    POUCH_E_MALFORMED);
	/* sender "a\0" has a NUL inside. */
	memset(rec, 0, sizeof(rec));
	rec[0] = 2;
	rec[1] = 'a';
	assert_int_equal(pouch_cstore_rec_decode_sender(rec, 11, &m),
	    POUCH_E_MALFORMED);
	rec[2] = 'b';
	assert_int_equal(pouch_cstore_rec_decode_sender(rec, 11, &m),
	    POUCH_OK);
	assert_string_equal(m.sender, "ab");
	/* Contact with an empty user. */
	memset(rec, 0, sizeof(rec));
	assert_int_equal(pouch_cstore_rec_decode_contact(rec, 42, &k),
	    POUCH_E_MALFORMED);
	rec[0] = 0x40;		/* 2-byte varint: 0x40 0x41 = 65 > USER_MAX */
	rec[1] = 0x41;
	assert_int_equal(pouch_cstore_rec_decode_contact(rec, 42, &k),
	    POUCH_E_TOO_LARGE);
	assert_int_equal(pouch_cstore_rec_decode_text((const uint8_t *)"abc",
	    3, text, sizeof(text)), POUCH_OK);
	assert_string_equal(text, "abc");
	assert_int_equal(pouch_cstore_rec_decode_text((const uint8_t *)
	    "abcdefgh", 8, text, sizeof(text)), POUCH_E_TOO_LARGE);
	assert_int_equal(pouch_cstore_rec_decode_text((const uint8_t *)"a\0c",
	    3, text, sizeof(text)), POUCH_E_MALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keyfile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_wrong_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_passphrase, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_passphrase_defaults,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_version, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_secrecy, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_plaintext, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
