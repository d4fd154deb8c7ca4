/*
 * client/cstore - the local store's handle: key files, the passphrase
 * KDF, opening (schema, key check, migration), transactions with the
 * forward-secrecy checkpoint, and the encrypted key-value table.  The
 * other tables live in cstore_rows.c, the record format in cstore_rec.c;
 * cstore.h says what is encrypted and what is not.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <argon2.h>
#include <openssl/crypto.h>

#include "client/cstore_int.h"
#include "crypto/crypto.h"

#define KDF_T_DEFAULT	3
#define KDF_M_DEFAULT	65536
#define KDF_P_DEFAULT	1
#define KDF_T_MAX	64
#define KDF_M_MIN	8
#define KDF_M_MAX	(1U << 20)	/* 1 GiB */
#define KDF_P_MAX	16
#define KDF_BLOB	(CS_SALT + 12)
#define KEYCHECK_PT	"pouch-cstore key check"

static const char schema_v1[] =
	"CREATE TABLE kv(name TEXT PRIMARY KEY, v BLOB NOT NULL);"
	"CREATE TABLE conv(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" gid BLOB NOT NULL UNIQUE, info BLOB NOT NULL, state BLOB NOT NULL);"
	"CREATE TABLE msg(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" server_id INTEGER UNIQUE, gid BLOB NOT NULL, time INTEGER NOT NULL,"
	" outgoing INTEGER NOT NULL, read INTEGER NOT NULL, mh BLOB,"
	" sender BLOB NOT NULL, body BLOB NOT NULL);"
	"CREATE INDEX msg_gid ON msg(gid, id);"
	"CREATE INDEX msg_unread ON msg(read, id);"
	"CREATE INDEX msg_mh ON msg(mh);"
	"CREATE TABLE seen(server_id INTEGER PRIMARY KEY);"
	"CREATE TABLE pending(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" server_id INTEGER NOT NULL UNIQUE, gid BLOB NOT NULL,"
	" epoch INTEGER NOT NULL, data BLOB NOT NULL);"
	"CREATE INDEX pending_gid ON pending(gid, epoch, id);"
	"CREATE TABLE alert(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" time INTEGER NOT NULL, kind TEXT NOT NULL, acked INTEGER NOT NULL,"
	" text BLOB NOT NULL);"
	"CREATE TABLE contact(uh BLOB PRIMARY KEY, rec BLOB NOT NULL);";

/* ---- statement helpers ------------------------------------------------ */

int
pouch_cstore_dberr(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return POUCH_OK;
	case SQLITE_NOMEM:
		return POUCH_E_NOMEM;
	case SQLITE_CONSTRAINT:
		return POUCH_E_EXISTS;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return POUCH_E_MALFORMED;
	default:
		return POUCH_E_DB;
	}
}

int
pouch_cstore_prep(struct pouch_cstore *s, const char *sql,
    sqlite3_stmt **st)
{
	*st = NULL;
	return pouch_cstore_dberr(sqlite3_prepare_v2(s->db, sql, -1, st,
	    NULL));
}

static int
exec(struct pouch_cstore *s, const char *sql)
{
	return pouch_cstore_dberr(sqlite3_exec(s->db, sql, NULL, NULL,
	    NULL));
}

static void
checkpoint(struct pouch_cstore *s)
{
	int rc;

	rc = sqlite3_wal_checkpoint_v2(s->db, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	s->ckpts++;
	s->ckpt_pending = rc != SQLITE_OK;
	s->dirty = 0;
}

/*
 * Every write runs in a savepoint: outside begin..commit it is the
 * statement's own transaction, inside it undoes a failed operation
 * without undoing the caller's earlier ones.
 */
int
pouch_cstore_op_begin(struct pouch_cstore *s)
{
	return exec(s, "SAVEPOINT op");
}

int
pouch_cstore_op_end(struct pouch_cstore *s, int rc)
{
	if (rc == POUCH_OK && (rc = exec(s, "RELEASE op")) == POUCH_OK) {
		if (!s->txn && (s->dirty || s->ckpt_pending))
			checkpoint(s);
		return POUCH_OK;
	}
	(void)exec(s, "ROLLBACK TO op");
	(void)exec(s, "RELEASE op");
	if (!s->txn)
		s->dirty = 0;
	return rc;
}

int
pouch_cstore_hmac(struct pouch_cstore *s, const char *label,
    const char *msg, size_t len, uint8_t out[CS_HASH])
{
	uint8_t *buf;
	size_t ll = strlen(label), n = ll + 1 + len;
	int rc;

	if ((buf = malloc(n)) == NULL)
		return POUCH_E_NOMEM;
	memcpy(buf, label, ll + 1);
	memcpy(buf + ll + 1, msg, len);
	rc = pouch_hmac(s->c, POUCH_SHA256, s->mkey, sizeof(s->mkey), buf, n,
	    out);
	OPENSSL_cleanse(buf, n);
	free(buf);
	return rc;
}

/* ---- key files -------------------------------------------------------- */

int
pouch_cstore_keyfile_create(const char *path)
{
	uint8_t key[CS_KEY];
	size_t off = 0;
	ssize_t w;
	int fd = -1, rc, made = 0;

	if (path == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_random(key, sizeof(key))) != POUCH_OK)
		goto out;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		rc = errno == EEXIST ? POUCH_E_EXISTS : POUCH_E_IO;
		goto out;
	}
	made = 1;
	if (fchmod(fd, 0600) != 0) {
		rc = POUCH_E_IO;
		goto out;
	}
	while (off < sizeof(key)) {
		w = write(fd, key + off, sizeof(key) - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = POUCH_E_IO;
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		rc = POUCH_E_IO;
		goto out;
	}
	rc = POUCH_OK;
out:
	OPENSSL_cleanse(key, sizeof(key));
	if (fd != -1 && close(fd) != 0 && rc == POUCH_OK)
		rc = POUCH_E_IO;
	if (rc != POUCH_OK && made)
		(void)unlink(path);
	return rc;
}

int
pouch_cstore_keyfile_load(const char *path, uint8_t key[32])
{
	uint8_t buf[CS_KEY + 1];
	struct stat sb;
	size_t off = 0;
	ssize_t r;
	int fd = -1, rc;

	if (key == NULL)
		return POUCH_E_MISUSE;
	memset(key, 0, CS_KEY);
	if (path == NULL)
		return POUCH_E_MISUSE;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		rc = errno == ENOENT ? POUCH_E_NOT_FOUND : POUCH_E_IO;
		goto out;
	}
	if (fstat(fd, &sb) != 0) {
		rc = POUCH_E_IO;
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0 ||
	    sb.st_uid != geteuid()) {
		rc = POUCH_E_FORBIDDEN;
		goto out;
	}
	for (;;) {
		r = read(fd, buf + off, sizeof(buf) - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = POUCH_E_IO;
			goto out;
		}
		if (r == 0)
			break;
		off += (size_t)r;
		if (off == sizeof(buf))
			break;
	}
	if (off != CS_KEY) {
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	memcpy(key, buf, CS_KEY);
	rc = POUCH_OK;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	if (fd != -1)
		(void)close(fd);
	return rc;
}

/* ---- open and close --------------------------------------------------- */

static int
derive(struct pouch_cstore *s, const uint8_t key[CS_KEY])
{
	uint8_t prk[POUCH_HASH_MAX];
	int rc;

	if ((rc = pouch_hkdf_extract(s->c, POUCH_SHA256,
	    (const uint8_t *)"pouch-cstore-v1", 15, key, CS_KEY,
	    prk)) != POUCH_OK)
		goto out;
	if ((rc = pouch_hkdf_expand(s->c, POUCH_SHA256, prk, 32,
	    (const uint8_t *)"aead", 4, s->ekey, CS_KEY)) != POUCH_OK)
		goto out;
	rc = pouch_hkdf_expand(s->c, POUCH_SHA256, prk, 32,
	    (const uint8_t *)"mac", 3, s->mkey, CS_KEY);
out:
	OPENSSL_cleanse(prk, sizeof(prk));
	return rc;
}

static int
meta_get(struct pouch_cstore *s, const char *k, uint8_t *buf, size_t cap,
    size_t *len)
{
	sqlite3_stmt *st = NULL;
	const void *p;
	int rc, n;

	*len = 0;
	if ((rc = pouch_cstore_prep(s, "SELECT v FROM meta WHERE k = ?",
	    &st)) != POUCH_OK)
		goto out;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		rc = POUCH_E_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = pouch_cstore_dberr(rc);
		goto out;
	}
	p = sqlite3_column_blob(st, 0);
	n = sqlite3_column_bytes(st, 0);
	if (sqlite3_column_type(st, 0) != SQLITE_BLOB || n < 0 ||
	    (size_t)n > cap) {
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	memcpy(buf, p, (size_t)n);
	*len = (size_t)n;
	rc = POUCH_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

static int
meta_put(struct pouch_cstore *s, const char *k, const uint8_t *v,
    size_t n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = pouch_cstore_prep(s,
	    "INSERT OR REPLACE INTO meta(k, v) VALUES (?, ?)", &st)) !=
	    POUCH_OK)
		return rc;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, v, (int)n, SQLITE_STATIC);
	rc = pouch_cstore_dberr(sqlite3_step(st));
	sqlite3_finalize(st);
	return rc;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int
kdf_ok(const struct pouch_cstore_kdf *k)
{
	return k->t_cost >= 1 && k->t_cost <= KDF_T_MAX &&
	    k->parallelism >= 1 && k->parallelism <= KDF_P_MAX &&
	    k->m_cost_kib >= KDF_M_MIN * k->parallelism &&
	    k->m_cost_kib <= KDF_M_MAX;
}

static int
argon(const struct pouch_cstore_kdf *k, const char *pass, size_t passlen,
    const uint8_t *salt, uint8_t key[CS_KEY])
{
	int rc;

	rc = argon2id_hash_raw(k->t_cost, k->m_cost_kib, k->parallelism,
	    pass, passlen, salt, CS_SALT, key, CS_KEY);
	if (rc == ARGON2_MEMORY_ALLOCATION_ERROR)
		return POUCH_E_NOMEM;
	return rc == ARGON2_OK ? POUCH_OK : POUCH_E_CRYPTO;
}

/* Schema migrations: from version `from` to POUCH_CSTORE_SCHEMA. */
static int
migrate(struct pouch_cstore *s, int64_t from)
{
	(void)s;
	switch (from) {
	case POUCH_CSTORE_SCHEMA:
		return POUCH_OK;
	/* case 1: ALTER TABLE ...; fall through to the next version. */
	default:
		return POUCH_E_MALFORMED;
	}
}

static int
create_store(struct pouch_cstore *s, const uint8_t *kdfblob)
{
	uint8_t ver[8], *kc = NULL;
	size_t kclen = 0;
	int rc;

	if ((rc = exec(s, schema_v1)) != POUCH_OK)
		goto out;
	memset(ver, 0, sizeof(ver));
	ver[7] = POUCH_CSTORE_SCHEMA;
	if ((rc = meta_put(s, "schema", ver, sizeof(ver))) != POUCH_OK)
		goto out;
	if (kdfblob != NULL && (rc = meta_put(s, "kdf", kdfblob,
	    KDF_BLOB)) != POUCH_OK)
		goto out;
	if ((rc = pouch_cstore_rec_seal(s->c, s->ekey, "meta", "keycheck",
	    NULL, 0, (const uint8_t *)KEYCHECK_PT, strlen(KEYCHECK_PT), &kc,
	    &kclen)) != POUCH_OK)
		goto out;
	rc = meta_put(s, "keycheck", kc, kclen);
out:
	free(kc);
	return rc;
}

static int
check_key(struct pouch_cstore *s)
{
	uint8_t kc[CS_REC_OVERHEAD + 64], *pt = NULL;
	size_t kclen, ptlen = 0;
	int rc;

	if ((rc = meta_get(s, "keycheck", kc, sizeof(kc), &kclen)) !=
	    POUCH_OK)
		return rc == POUCH_E_NOT_FOUND ? POUCH_E_MALFORMED : rc;
	rc = pouch_cstore_rec_open(s->c, s->ekey, "meta", "keycheck", NULL,
	    0, kc, kclen, &pt, &ptlen);
	if (rc == POUCH_E_DECRYPT)
		return POUCH_E_BAD_KEY;
	if (rc != POUCH_OK)
		return rc;
	if (ptlen != strlen(KEYCHECK_PT) ||
	    memcmp(pt, KEYCHECK_PT, ptlen) != 0)	/* checksrc: allow */
		rc = POUCH_E_BAD_KEY;
	pouch_cstore_buf_free(pt, ptlen);
	return rc;
}

static int
set_pragmas(struct pouch_cstore *s)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;
	int rc;

	(void)sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	(void)sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0,
	    NULL);
	(void)sqlite3_busy_timeout(s->db, 5000);
	if ((rc = pouch_cstore_prep(s, "PRAGMA journal_mode=WAL", &st)) !=
	    POUCH_OK)
		goto out;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		/* SQLITE_NOTADB: not a database file, MALFORMED. */
		rc = pouch_cstore_dberr(rc) == POUCH_OK ? POUCH_E_DB :
		    pouch_cstore_dberr(rc);
		goto out;
	}
	if ((mode = sqlite3_column_text(st, 0)) == NULL ||
	    strcmp((const char *)mode, "wal") != 0) {
		rc = POUCH_E_DB;
		goto out;
	}
	rc = exec(s, "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
	    "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
	    "PRAGMA cell_size_check=ON;");
out:
	sqlite3_finalize(st);
	return rc;
}

/*
 * key: a raw store key, or NULL with pass: derive it by Argon2id from the
 * parameters stored (or, creating, from kdf and a fresh salt).
 */
static int
open_common(const char *path, const uint8_t *key, const char *pass,
    size_t passlen, const struct pouch_cstore_kdf *kdf,
    struct pouch_cstore **out)
{
	struct pouch_cstore_kdf k;
	struct pouch_cstore *s = NULL;
	uint8_t dk[CS_KEY], kdfblob[KDF_BLOB], ver[8];
	size_t n;
	int64_t from = 0;
	int rc, fd, fresh = 0, intx = 0;

	memset(dk, 0, sizeof(dk));
	/* Create the file 0600 so that SQLite's -wal and -shm follow it. */
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1)
		return POUCH_E_IO;
	(void)close(fd);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return POUCH_E_NOMEM;
	if ((rc = pouch_crypto_new(&s->c)) != POUCH_OK)
		goto out;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = POUCH_E_DB;
		goto out;
	}
	if ((rc = set_pragmas(s)) != POUCH_OK)
		goto out;
	if ((rc = exec(s, "BEGIN IMMEDIATE")) != POUCH_OK)
		goto out;
	intx = 1;
	if ((rc = exec(s, "CREATE TABLE IF NOT EXISTS meta("
	    "k TEXT PRIMARY KEY, v BLOB NOT NULL)")) != POUCH_OK)
		goto out;
	rc = meta_get(s, "schema", ver, sizeof(ver), &n);
	if (rc == POUCH_E_NOT_FOUND)
		fresh = 1;
	else if (rc != POUCH_OK)
		goto out;
	else if (n != sizeof(ver)) {
		rc = POUCH_E_MALFORMED;
		goto out;
	} else {
		from = (int64_t)((uint64_t)get_u32(ver) << 32 |
		    get_u32(ver + 4));
		if (from > POUCH_CSTORE_SCHEMA) {
			rc = POUCH_E_CSTORE_SCHEMA;
			goto out;
		}
		if (from < 1) {
			rc = POUCH_E_MALFORMED;
			goto out;
		}
	}

	if (pass != NULL && fresh) {
		k.t_cost = KDF_T_DEFAULT;
		k.m_cost_kib = KDF_M_DEFAULT;
		k.parallelism = KDF_P_DEFAULT;
		if (kdf != NULL)
			k = *kdf;
		if (!kdf_ok(&k)) {
			rc = POUCH_E_MISUSE;
			goto out;
		}
		if ((rc = pouch_random(kdfblob, CS_SALT)) != POUCH_OK)
			goto out;
		put_u32(kdfblob + CS_SALT, k.t_cost);
		put_u32(kdfblob + CS_SALT + 4, k.m_cost_kib);
		put_u32(kdfblob + CS_SALT + 8, k.parallelism);
	} else if (pass != NULL) {
		rc = meta_get(s, "kdf", kdfblob, sizeof(kdfblob), &n);
		if (rc == POUCH_E_NOT_FOUND)
			rc = POUCH_E_BAD_KEY;	/* a raw-key store */
		if (rc != POUCH_OK)
			goto out;
		if (n != KDF_BLOB) {
			rc = POUCH_E_MALFORMED;
			goto out;
		}
		k.t_cost = get_u32(kdfblob + CS_SALT);
		k.m_cost_kib = get_u32(kdfblob + CS_SALT + 4);
		k.parallelism = get_u32(kdfblob + CS_SALT + 8);
		if (!kdf_ok(&k)) {
			rc = POUCH_E_MALFORMED;
			goto out;
		}
	} else if (!fresh) {
		rc = meta_get(s, "kdf", kdfblob, sizeof(kdfblob), &n);
		if (rc == POUCH_OK)
			rc = POUCH_E_BAD_KEY;	/* passphrase store */
		if (rc != POUCH_E_NOT_FOUND)
			goto out;
	}
	if (pass != NULL) {
		if ((rc = argon(&k, pass, passlen, kdfblob, dk)) != POUCH_OK)
			goto out;
		key = dk;
	}
	if ((rc = derive(s, key)) != POUCH_OK)
		goto out;
	if (fresh)
		rc = create_store(s, pass != NULL ? kdfblob : NULL);
	else if ((rc = check_key(s)) == POUCH_OK)
		rc = migrate(s, from);
	if (rc != POUCH_OK)
		goto out;
	intx = 0;
	rc = exec(s, "COMMIT");
out:
	OPENSSL_cleanse(dk, sizeof(dk));
	if (intx)
		(void)exec(s, "ROLLBACK");
	if (rc != POUCH_OK) {
		/* No checkpoint: a refused open writes nothing. */
		if (s->db != NULL)
			(void)sqlite3_close_v2(s->db);
		pouch_crypto_free(s->c);
		OPENSSL_cleanse(s, sizeof(*s));
		free(s);
		return rc;
	}
	*out = s;
	return POUCH_OK;
}

int
pouch_cstore_open(const char *path, const uint8_t key[32],
    struct pouch_cstore **out)
{
	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (path == NULL || key == NULL)
		return POUCH_E_MISUSE;
	return open_common(path, key, NULL, 0, NULL, out);
}

int
pouch_cstore_open_passphrase(const char *path, const char *pass,
    size_t passlen, const struct pouch_cstore_kdf *kdf,
    struct pouch_cstore **out)
{
	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (path == NULL || pass == NULL || passlen == 0 ||
	    passlen > UINT32_MAX)
		return POUCH_E_MISUSE;
	return open_common(path, NULL, pass, passlen, kdf, out);
}

void
pouch_cstore_close(struct pouch_cstore *s)
{
	if (s == NULL)
		return;
	if (s->db != NULL) {
		if (s->txn)
			pouch_cstore_rollback(s);
		checkpoint(s);
		(void)sqlite3_close_v2(s->db);
	}
	pouch_crypto_free(s->c);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

/* ---- transactions ----------------------------------------------------- */

int
pouch_cstore_begin(struct pouch_cstore *s)
{
	int rc;

	if (s == NULL || s->txn)
		return POUCH_E_MISUSE;
	if ((rc = exec(s, "BEGIN IMMEDIATE")) != POUCH_OK)
		return rc;
	s->txn = 1;
	s->dirty = 0;
	return POUCH_OK;
}

int
pouch_cstore_commit(struct pouch_cstore *s)
{
	int rc;

	if (s == NULL || !s->txn)
		return POUCH_E_MISUSE;
	if ((rc = exec(s, "COMMIT")) != POUCH_OK) {
		pouch_cstore_rollback(s);
		return rc;
	}
	s->txn = 0;
	if (s->dirty || s->ckpt_pending)
		checkpoint(s);
	return POUCH_OK;
}

void
pouch_cstore_rollback(struct pouch_cstore *s)
{
	if (s == NULL || !s->txn)
		return;
	if (sqlite3_get_autocommit(s->db) == 0)
		(void)exec(s, "ROLLBACK");
	s->txn = 0;
	s->dirty = 0;
}

void
pouch_cstore_buf_free(uint8_t *p, size_t n)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, n);
	free(p);
}

int
pouch_cstore_integrity(struct pouch_cstore *s)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int rc;

	if (s == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_prep(s, "PRAGMA integrity_check", &st)) !=
	    POUCH_OK)
		return rc;
	rc = POUCH_E_DB;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (t = sqlite3_column_text(st, 0)) != NULL &&
	    strcmp((const char *)t, "ok") == 0 &&
	    sqlite3_step(st) == SQLITE_DONE)
		rc = POUCH_OK;
	sqlite3_finalize(st);
	return rc;
}

uint64_t
pouch_cstore_checkpoints(const struct pouch_cstore *s)
{
	return s == NULL ? 0 : s->ckpts;
}

/* ---- key-value -------------------------------------------------------- */

static int
name_ok(const char *name)
{
	size_t n;

	if (name == NULL)
		return 0;
	n = strnlen(name, POUCH_CSTORE_NAME_MAX + 1);
	return n >= 1 && n <= POUCH_CSTORE_NAME_MAX;
}

int
pouch_cstore_kv_put(struct pouch_cstore *s, const char *name,
    const uint8_t *v, size_t n)
{
	sqlite3_stmt *st = NULL;
	uint8_t *blob = NULL;
	size_t bl = 0;
	int rc;

	if (s == NULL || !name_ok(name) || (v == NULL && n != 0))
		return POUCH_E_MISUSE;
	if (n > POUCH_CSTORE_VALUE_MAX)
		return POUCH_E_TOO_LARGE;
	if ((rc = pouch_cstore_rec_seal(s->c, s->ekey, "kv", "v",
	    (const uint8_t *)name, strlen(name), v, n, &blob, &bl)) !=
	    POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_op_begin(s)) != POUCH_OK)
		goto out;
	if ((rc = pouch_cstore_prep(s, "UPDATE kv SET v = ?2 WHERE name = ?1",
	    &st)) != POUCH_OK)
		goto end;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, blob, (int)bl, SQLITE_STATIC);
	if ((rc = pouch_cstore_dberr(sqlite3_step(st))) != POUCH_OK)
		goto end;
	if (sqlite3_changes(s->db) > 0) {
		s->dirty = 1;	/* an old secret was overwritten */
		goto end;
	}
	sqlite3_finalize(st);
	if ((rc = pouch_cstore_prep(s,
	    "INSERT INTO kv(name, v) VALUES (?1, ?2)", &st)) != POUCH_OK)
		goto end;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, blob, (int)bl, SQLITE_STATIC);
	rc = pouch_cstore_dberr(sqlite3_step(st));
end:
	sqlite3_finalize(st);
	st = NULL;
	rc = pouch_cstore_op_end(s, rc);
out:
	free(blob);
	return rc;
}

int
pouch_cstore_kv_get(struct pouch_cstore *s, const char *name, uint8_t **v,
    size_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc, bl;

	if (v == NULL || n == NULL)
		return POUCH_E_MISUSE;
	*v = NULL;
	*n = 0;
	if (s == NULL || !name_ok(name))
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_prep(s, "SELECT v FROM kv WHERE name = ?",
	    &st)) != POUCH_OK)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		rc = rc == SQLITE_DONE ? POUCH_E_NOT_FOUND :
		    pouch_cstore_dberr(rc);
		goto out;
	}
	bl = sqlite3_column_bytes(st, 0);
	rc = pouch_cstore_rec_open(s->c, s->ekey, "kv", "v",
	    (const uint8_t *)name, strlen(name), sqlite3_column_blob(st, 0),
	    bl < 0 ? 0 : (size_t)bl, v, n);
out:
	sqlite3_finalize(st);
	return rc;
}

int
pouch_cstore_kv_del(struct pouch_cstore *s, const char *name)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s == NULL || !name_ok(name))
		return POUCH_E_MISUSE;
	if ((rc = pouch_cstore_op_begin(s)) != POUCH_OK)
		return rc;
	if ((rc = pouch_cstore_prep(s, "DELETE FROM kv WHERE name = ?",
	    &st)) != POUCH_OK)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = pouch_cstore_dberr(sqlite3_step(st))) != POUCH_OK)
		goto out;
	if (sqlite3_changes(s->db) == 0)
		rc = POUCH_E_NOT_FOUND;
	else
		s->dirty = 1;
out:
	sqlite3_finalize(st);
	return pouch_cstore_op_end(s, rc);
}

void
pouch_cstore_names_free(char **names, size_t n)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
pouch_cstore_kv_list(struct pouch_cstore *s, const char *prefix,
    char ***names, size_t *n)
{
	sqlite3_stmt *st = NULL;
	char **v = NULL, **nv;
	const unsigned char *t;
	size_t cnt = 0, cap = 0, pl;
	int rc, step;

	if (names == NULL || n == NULL)
		return POUCH_E_MISUSE;
	*names = NULL;
	*n = 0;
	if (s == NULL || prefix == NULL)
		return POUCH_E_MISUSE;
	pl = strlen(prefix);
	if (pl > POUCH_CSTORE_NAME_MAX)
		return POUCH_E_MISUSE;
	/* substr() compares bytes: no LIKE wildcards, no collation. */
	if ((rc = pouch_cstore_prep(s, "SELECT name FROM kv WHERE "
	    "substr(CAST(name AS BLOB), 1, ?2) = CAST(?1 AS BLOB) "
	    "ORDER BY name", &st)) != POUCH_OK)
		return rc;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)pl);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((t = sqlite3_column_text(st, 0)) == NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		if (cnt == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				rc = POUCH_E_NOMEM;
				goto out;
			}
			v = nv;
		}
		if ((v[cnt] = strdup((const char *)t)) == NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		cnt++;
	}
	if ((rc = pouch_cstore_dberr(step)) != POUCH_OK)
		goto out;
	*names = v;
	*n = cnt;
	v = NULL;
out:
	if (v != NULL)
		pouch_cstore_names_free(v, cnt);
	sqlite3_finalize(st);
	return rc;
}
