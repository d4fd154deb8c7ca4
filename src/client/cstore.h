/*
 * client/cstore - the client's encrypted local store (issue #8).
 *
 * One SQLite file (WAL, synchronous=FULL, secure_delete=ON, foreign keys
 * on, temp_store=MEMORY) holds everything a device keeps: its secrets and
 * settings (kv), conversations and their serialised MLS group state,
 * messages, deferred MLSMessages, alerts and contacts.
 *
 * Encryption.  A 32-byte store key comes from a 0600 key file or from
 * Argon2id over a passphrase (salt and parameters in the plaintext meta
 * table).  HKDF-SHA256 derives from it an AEAD key, a MAC key (keyed hashes
 * of Message-IDs and contact names) and nothing else.  Every encrypted
 * value is a record: 0x01 || nonce[12] || ChaCha20-Poly1305(pt) || tag[16]
 * with a fresh random nonce.  The AAD binds the format version, the table,
 * the column and the row's identity (kv name, group id, local id with its
 * immutable metadata, contact hash), so a ciphertext copied into another
 * row or column fails with POUCH_E_DECRYPT.  A key-check record in meta
 * detects a wrong key or passphrase (POUCH_E_BAD_KEY) before any other
 * row is read or written.
 *
 * Plaintext on disk, and why: kv names (looked up and listed by prefix;
 * they name secrets, they are not secrets: "kp/<KeyPackageRef>" holds a
 * public ref), conversation group ids (random, and needed as the lookup
 * key), message local ids, server ids, group ids, times and the
 * read/outgoing flags (queries: per conversation, unread, ordering,
 * duplicate dropping), the seen-set of server ids, deferred messages'
 * server id, group id and epoch (selected by epoch), alert kind, time and
 * acked flag.  Encrypted: every kv value, conversation title, epoch,
 * self-update counters, removed flag and group state, every message body
 * and its sender and sender device, deferred MLSMessages, alert texts and
 * whole contact records (the contact's name is looked up by its keyed
 * hash only).  Message-IDs are stored only as HMAC(MAC key, mid).
 *
 * Forward secrecy.  Replacing or deleting a secret record (kv_put, kv_del,
 * conv_put, defer_del) marks the transaction; its commit (or the
 * statement itself outside a transaction) then runs
 * PRAGMA wal_checkpoint(TRUNCATE) so the old page images leave the -wal
 * file, and secure_delete has zeroed them in the database file.  That
 * checkpoint costs several fsyncs: bench_cstore measures a 10 KiB secret
 * replace+commit about 5-10 times slower than an insert+commit (about
 * 17 ms on the development VM), so callers batch related changes into one
 * transaction where they can.
 *
 * Transactions.  Each call outside pouch_cstore_begin .. commit is its own
 * transaction.  Inside, nothing is durable until pouch_cstore_commit; on
 * any error the caller rolls back.  Nothing is cached above SQLite, so a
 * crash at any instant leaves the last committed state.
 *
 * Errors common to every function: POUCH_E_MISUSE (NULL handle or
 * argument, oversize name, begin inside a transaction...), POUCH_E_NOMEM,
 * POUCH_E_DB (SQLite failed, including SQLITE_BUSY), POUCH_E_CRYPTO,
 * POUCH_E_RANDOM.  Reads of a stored record add POUCH_E_DECRYPT (tampered
 * or swapped ciphertext) and POUCH_E_MALFORMED (record does not decode);
 * nothing is changed on those.  Out-parameters are cleared on entry and
 * set only on success.  The handle is not thread-safe.
 */
#ifndef POUCH_CLIENT_CSTORE_H
#define POUCH_CLIENT_CSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <pouch/err.h>

#define POUCH_CSTORE_KEY_BYTES		32
#define POUCH_CSTORE_SCHEMA		1	/* schema version written */
#define POUCH_CSTORE_NAME_MAX		255	/* kv name, bytes */
#define POUCH_CSTORE_VALUE_MAX		(16U << 20)	/* kv value, state */
#define POUCH_CSTORE_BODY_MAX		(64U << 20)	/* message body */
#define POUCH_CSTORE_MID_MAX		998	/* Message-ID, bytes */

struct pouch_cstore;

struct pouch_cstore_kdf {		/* Argon2id parameters */
	uint32_t	t_cost;		/* default 3 */
	uint32_t	m_cost_kib;	/* default 65536 */
	uint32_t	parallelism;	/* default 1 */
};

/* Create a 0600 key file holding 32 random bytes (EXISTS if present,
 * IO if it cannot be written). */
int	pouch_cstore_keyfile_create(const char *path);
/* Read a key file; FORBIDDEN if group/other may read it, NOT_FOUND if
 * absent, MALFORMED if it does not hold exactly 32 bytes.  key wiped by
 * caller. */
int	pouch_cstore_keyfile_load(const char *path, uint8_t key[32]);
/* Open (creating if absent) the store at path with a raw 32-byte key.
 * BAD_KEY: wrong key, or the store is passphrase-protected.
 * POUCH_E_CSTORE_SCHEMA: written by a newer program.  MALFORMED: meta
 * table damaged. */
int	pouch_cstore_open(const char *path, const uint8_t key[32],
	    struct pouch_cstore **out);
/* Open with a passphrase; kdf NULL = defaults (used only when creating;
 * an existing store uses the parameters it stores).  BAD_KEY: wrong
 * passphrase, or the store uses a raw key.  MALFORMED: stored parameters
 * out of bounds (t 1..64, m 8 KiB..1 GiB, p 1..16).  MISUSE: kdf out of
 * those bounds. */
int	pouch_cstore_open_passphrase(const char *path, const char *pass,
	    size_t passlen, const struct pouch_cstore_kdf *kdf,
	    struct pouch_cstore **out);
/* Rolls back an open transaction, checkpoints, wipes keys; NULL-safe. */
void	pouch_cstore_close(struct pouch_cstore *s);

/* MISUSE if a transaction is already open (no nesting). */
int	pouch_cstore_begin(struct pouch_cstore *s);	/* BEGIN IMMEDIATE */
/* MISUSE without begin.  Checkpoints (TRUNCATE) if secrets were replaced
 * or deleted.  On DB failure the transaction is rolled back. */
int	pouch_cstore_commit(struct pouch_cstore *s);
/* No-op without an open transaction. */
void	pouch_cstore_rollback(struct pouch_cstore *s);

/* Free (wiping) any buffer the store returned. */
void	pouch_cstore_buf_free(uint8_t *p, size_t n);

/* Encrypted settings and secrets by name (account keys, device keys,
 * server URL and pin, sync cursor, KeyPackage private keys by ref...).
 * Names are 1..POUCH_CSTORE_NAME_MAX bytes of text (MISUSE otherwise);
 * values up to POUCH_CSTORE_VALUE_MAX bytes (TOO_LARGE). */
int	pouch_cstore_kv_put(struct pouch_cstore *s, const char *name,
	    const uint8_t *v, size_t n);
int	pouch_cstore_kv_get(struct pouch_cstore *s, const char *name,
	    uint8_t **v, size_t *n);			/* NOT_FOUND */
int	pouch_cstore_kv_del(struct pouch_cstore *s, const char *name);
						/* NOT_FOUND */
/* Names with a prefix (for "kp/" entries etc.), sorted; *names is an
 * array of malloc'd strings freed with pouch_cstore_names_free.  No match
 * gives POUCH_OK, *names NULL and *n 0. */
int	pouch_cstore_kv_list(struct pouch_cstore *s, const char *prefix,
	    char ***names, size_t *n);
void	pouch_cstore_names_free(char **names, size_t n);

/* Conversations: one per MLS group; the serialised group state is a
 * secret record replaced on every change. */
#define POUCH_CSTORE_GID_MAX	255
#define POUCH_CSTORE_TITLE_MAX	255
struct pouch_cstore_conv {
	int64_t		id;
	uint8_t		gid[POUCH_CSTORE_GID_MAX];
	size_t		gidlen;
	char		title[POUCH_CSTORE_TITLE_MAX + 1];	/* encrypted */
	uint64_t	epoch;
	int64_t		last_update;	/* time of our last self-update */
	uint64_t	sent_since_update;
	int		removed;	/* we were removed */
};
/* Insert or replace (by gid) the conversation and its group state.  c->id
 * is ignored (assigned on insert, kept on replace).  gidlen 1..GID_MAX,
 * title NUL-terminated, state 1..VALUE_MAX bytes (MISUSE/TOO_LARGE). */
int	pouch_cstore_conv_put(struct pouch_cstore *s,
	    const struct pouch_cstore_conv *c, const uint8_t *state,
	    size_t statelen);
/* state may be NULL when not wanted. NOT_FOUND.  gid may point into *c. */
int	pouch_cstore_conv_get(struct pouch_cstore *s, const uint8_t *gid,
	    size_t gidlen, struct pouch_cstore_conv *c, uint8_t **state,
	    size_t *statelen);
/* By local id order.  None: POUCH_OK, *out NULL, *n 0. */
int	pouch_cstore_conv_list(struct pouch_cstore *s,
	    struct pouch_cstore_conv **out, size_t *n);	/* free() */

/* Messages.  The body (the whole RFC 5322 message) is encrypted;
 * server_id is unique (EXISTS on a duplicate: that is how sync drops
 * duplicates). */
#define POUCH_CSTORE_USER_MAX	64
struct pouch_cstore_msg {
	int64_t		id;		/* local id, set by msg_add */
	int64_t		server_id;	/* pouchd message id; 0 = not yet */
	uint8_t		gid[POUCH_CSTORE_GID_MAX];
	size_t		gidlen;
	char		sender[POUCH_CSTORE_USER_MAX + 1];
	int64_t		sender_device;
	int64_t		time;		/* unix seconds */
	int		outgoing;
	int		read;
};
/* m->id is ignored; the new local id goes to *id (may be NULL).  The
 * conversation need not exist.  EXISTS: server_id (non-zero) taken. */
int	pouch_cstore_msg_add(struct pouch_cstore *s,
	    const struct pouch_cstore_msg *m, const uint8_t *body,
	    size_t bodylen, int64_t *id);
/* body may be NULL when not wanted.  NOT_FOUND. */
int	pouch_cstore_msg_get(struct pouch_cstore *s, int64_t id,
	    struct pouch_cstore_msg *m, uint8_t **body, size_t *bodylen);
/* gid NULL = every conversation; newest last; limit 0 = all (with a
 * limit, the newest `limit` messages).  None: POUCH_OK, *out NULL. */
int	pouch_cstore_msg_list(struct pouch_cstore *s, const uint8_t *gid,
	    size_t gidlen, int unread_only, size_t limit,
	    struct pouch_cstore_msg **out, size_t *n);	/* free() */
int	pouch_cstore_msg_set_read(struct pouch_cstore *s, int64_t id);
						/* NOT_FOUND */
/* NOT_FOUND; EXISTS if server_id is another message's. */
int	pouch_cstore_msg_set_server_id(struct pouch_cstore *s, int64_t id,
	    int64_t server_id);
/* Look a message up by its Message-ID header (stored as a keyed hash
 * HMAC(store key, mid), never in plaintext). NOT_FOUND.  mid is 1..
 * POUCH_CSTORE_MID_MAX bytes; several messages may share one, by_mid
 * then gives the oldest. */
int	pouch_cstore_msg_set_mid(struct pouch_cstore *s, int64_t id,
	    const char *mid);
int	pouch_cstore_msg_by_mid(struct pouch_cstore *s, const char *mid,
	    int64_t *id);
/* Server message ids already processed that produced no stored message
 * (commits, proposals, welcomes): seen-set for duplicate dropping.
 * seen_add is idempotent.  seen() also answers 1 for a server id that a
 * stored message carries. */
int	pouch_cstore_seen_add(struct pouch_cstore *s, int64_t server_id);
/* 1 seen, 0 not, or a negative error. */
int	pouch_cstore_seen(struct pouch_cstore *s, int64_t server_id);

/* Messages that cannot be processed yet (for a future epoch): kept,
 * encrypted, in arrival order, until their epoch comes. */
struct pouch_cstore_deferred {
	int64_t		id;
	int64_t		server_id;
	uint8_t		gid[POUCH_CSTORE_GID_MAX];
	size_t		gidlen;
	uint64_t	epoch;
	uint8_t		*data;		/* the MLSMessage, decrypted copy */
	size_t		datalen;
};
/* datalen 1..VALUE_MAX.  A server_id already deferred: EXISTS. */
int	pouch_cstore_defer_add(struct pouch_cstore *s, int64_t server_id,
	    const uint8_t *gid, size_t gidlen, uint64_t epoch,
	    const uint8_t *data, size_t datalen);
/* Deferred messages of gid with epoch <= up_to, oldest first. */
int	pouch_cstore_defer_list(struct pouch_cstore *s, const uint8_t *gid,
	    size_t gidlen, uint64_t up_to, struct pouch_cstore_deferred **out,
	    size_t *n);
void	pouch_cstore_defer_free(struct pouch_cstore_deferred *d, size_t n);
int	pouch_cstore_defer_del(struct pouch_cstore *s, int64_t id);
						/* NOT_FOUND */

/* Alerts: stored and shown until acknowledged. */
#define POUCH_CSTORE_ALERT_MAX	1024
struct pouch_cstore_alert {
	int64_t	id;
	int64_t	time;
	char	kind[32];	/* "own_device", "contact_key", "fork", ... */
	char	text[POUCH_CSTORE_ALERT_MAX + 1];	/* encrypted */
	int	acked;
};
/* kind 1..31 bytes, text up to ALERT_MAX bytes (MISUSE).  id may be
 * NULL. */
int	pouch_cstore_alert_add(struct pouch_cstore *s, const char *kind,
	    const char *text, int64_t time, int64_t *id);
/* Oldest first. */
int	pouch_cstore_alert_list(struct pouch_cstore *s, int include_acked,
	    struct pouch_cstore_alert **out, size_t *n);	/* free() */
int	pouch_cstore_alert_ack(struct pouch_cstore *s, int64_t id);
						/* NOT_FOUND */

/* Contacts: a user's account key as first seen, and verification.
 * contact_put inserts or replaces by user (1..USER_MAX bytes). */
struct pouch_cstore_contact {
	char	user[POUCH_CSTORE_USER_MAX + 1];
	uint8_t	account_key[32];
	int	verified;
	int64_t	first_seen;
};
int	pouch_cstore_contact_put(struct pouch_cstore *s,
	    const struct pouch_cstore_contact *c);
/* NOT_FOUND.  user may point into *c. */
int	pouch_cstore_contact_get(struct pouch_cstore *s, const char *user,
	    struct pouch_cstore_contact *c);
/* Sorted by user. */
int	pouch_cstore_contact_list(struct pouch_cstore *s,
	    struct pouch_cstore_contact **out, size_t *n);	/* free() */

/* ---- internal: tests, fuzzing, benchmarks ----------------------------- */

/* PRAGMA integrity_check: POUCH_OK when "ok", else POUCH_E_DB. */
int	pouch_cstore_integrity(struct pouch_cstore *s);
/* Number of TRUNCATE checkpoints run so far (forward-secrecy cost). */
uint64_t pouch_cstore_checkpoints(const struct pouch_cstore *s);

/*
 * The record parser (cstore_rec.c): everything read back from the file
 * goes through these.  rec_open verifies and decrypts blob under key with
 * the AAD built from (table, col, ident); rec_decode_* parse a decrypted
 * record into a struct.  MALFORMED / DECRYPT / TRAILING / TOO_LARGE.
 */
struct pouch_crypto;
int	pouch_cstore_rec_open(const struct pouch_crypto *c,
	    const uint8_t key[32], const char *table, const char *col,
	    const uint8_t *ident, size_t identlen, const uint8_t *blob,
	    size_t bloblen, uint8_t **pt, size_t *ptlen);
int	pouch_cstore_rec_decode_conv(const uint8_t *pt, size_t len,
	    struct pouch_cstore_conv *c);
int	pouch_cstore_rec_decode_sender(const uint8_t *pt, size_t len,
	    struct pouch_cstore_msg *m);
int	pouch_cstore_rec_decode_contact(const uint8_t *pt, size_t len,
	    struct pouch_cstore_contact *c);
int	pouch_cstore_rec_decode_text(const uint8_t *pt, size_t len,
	    char *out, size_t cap);

#endif /* POUCH_CLIENT_CSTORE_H */
