/*
 * store - the durable state of pouchd, behind one interface.
 *
 * The store owns everything pouchd must not lose: users, devices,
 * enrolment codes and bearer tokens (as SHA-256 hashes only), KeyPackages,
 * groups (epoch and member devices), messages and the per-device queues
 * that deliver them, attachment metadata and the append-only audit log.
 * It knows rows, not protocols: it never parses MLS and never sees a key
 * that reads a message.
 *
 * The interface is a table of operations (struct pouch_store_ops) so that
 * SQLite (store/sqlite.c, the embedded default) and PostgreSQL
 * (store/pg.c, several pouchd nodes on one database) are two
 * implementations of it.  Every operation is one transaction:
 * either all of its writes are durable when it returns POUCH_OK, or none
 * happened.  A write returns only after its transaction is on disk (SQLite:
 * WAL with synchronous=FULL; the store refuses to open with anything
 * weaker).  Handles are safe to share between threads.
 *
 * Calling convention: st->ops->op(st, ...).  Operations return POUCH_OK or
 * a negative code: the POUCH_E_* of err.h, or one of the store outcomes
 * below.  Out-parameters are cleared on entry and set only on success,
 * except where an outcome documents what it returns (POUCH_E_CONFLICT).
 * Callbacks run inside the transaction and must not call the store.
 */
#ifndef POUCH_STORE_H
#define POUCH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <pouch/err.h>

#define POUCH_STORE_NAME_MAX	64	/* user and device names, bytes */
#define POUCH_STORE_KEY_BYTES	32	/* Ed25519 public keys */
#define POUCH_STORE_HASH_BYTES	32	/* SHA-256: secrets, attachments */
#define POUCH_STORE_REF_MAX	64	/* KeyPackageRef: suite hash length */
#define POUCH_STORE_GROUP_ID_MAX 255	/* MLS group_id, bytes */
#define POUCH_STORE_ACTOR_MAX	80	/* audit actor, bytes */

struct pouch_store;

struct pouch_store_user {
	int64_t	id;
	char	name[POUCH_STORE_NAME_MAX + 1];
	int	suspended;
	int	has_account_key;
	uint8_t	account_key[POUCH_STORE_KEY_BYTES];
	int64_t	created;
};

struct pouch_store_device {
	int64_t	id;
	int64_t	user_id;
	char	name[POUCH_STORE_NAME_MAX + 1];
	uint8_t	key[POUCH_STORE_KEY_BYTES];	/* device signature key */
	int	revoked;
	int64_t	created;
};

/*
 * Enrolment: consume the code whose hash is code_hash (unused, unexpired,
 * its user not suspended) and register the device.  When the user has no
 * account key yet, account_key becomes it; otherwise it must equal the
 * stored one (POUCH_E_CONFLICT), which is how a caller that verified a
 * cross-signature under the stored key knows nothing changed meanwhile.
 */
struct pouch_store_enrol {
	uint8_t		 code_hash[POUCH_STORE_HASH_BYTES];
	uint8_t		 account_key[POUCH_STORE_KEY_BYTES];
	uint8_t		 device_key[POUCH_STORE_KEY_BYTES];
	const char	*device_name;
	int64_t		 now;
};

/*
 * A KeyPackage as uploaded: its KeyPackageRef, its MLSMessage bytes and
 * the cipher suite it names (the caller read it; the store never parses
 * MLS).  A KeyPackage serves only groups of its own suite.
 */
struct pouch_store_kp {
	const uint8_t	*ref;
	size_t		 reflen;
	const uint8_t	*data;
	size_t		 len;
	int		 last_resort;
	uint16_t	 suite;
};

/* A KeyPackageRef, for the adds of a commit and the joiners of a Welcome. */
struct pouch_store_ref {
	const uint8_t	*p;
	size_t		 n;
};

enum pouch_store_kind {
	POUCH_STORE_APPLICATION = 1,
	POUCH_STORE_PROPOSAL = 2,
	POUCH_STORE_COMMIT = 3,
	POUCH_STORE_WELCOME = 4
};

/*
 * One proposal of a commit, in the commit's order: an Add (ref is the
 * KeyPackageRef the store issued), a Remove (leaf), a reference to a
 * proposal the store relayed in this epoch (ref is its ProposalRef,
 * RFC 9420 5.2), or any other proposal (no membership change).  As a
 * proposal message's own description, ADD/REMOVE/OTHER.
 */
enum pouch_store_change_type {
	POUCH_STORE_CH_OTHER = 0,
	POUCH_STORE_CH_ADD = 1,		/* RFC 9420 proposal type add */
	POUCH_STORE_CH_REMOVE = 3,	/* remove */
	POUCH_STORE_CH_REF = 255	/* by reference */
};

struct pouch_store_change {
	enum pouch_store_change_type	type;
	uint32_t			leaf;
	struct pouch_store_ref		ref;
};

/*
 * A message to accept and fan out.  For kinds 1-3 the sender device must be
 * a member of group_id (and, when check_leaf, sit at leaf sender_leaf).
 * A commit is accepted only when epoch is the group's current epoch; its
 * membership changes are applied (references resolved against the
 * proposals relayed in this epoch, then every Remove, then every Add in
 * order into the leftmost blank leaf: RFC 9420 12.3, 7.7) and the epoch
 * advances by one.  A proposal is recorded under prop_ref with
 * changes[0] (one entry) so that a commit can reference it.  An
 * application message or proposal is accepted for the current epoch and
 * the epoch_window epochs before it.  A Welcome goes to the devices
 * whose issued KeyPackageRefs are in refs.  The message is queued for
 * every member device but the sender (for a commit: the members before
 * it, removed ones included) in the same transaction.
 */
struct pouch_store_msg {
	enum pouch_store_kind		 kind;
	int64_t				 sender;
	const uint8_t			*group_id;
	size_t				 gidlen;
	uint64_t			 epoch;
	int				 check_leaf;
	uint32_t			 sender_leaf;
	uint64_t			 epoch_window;
	const struct pouch_store_change	*changes;	/* commit, proposal */
	size_t				 nchanges;
	struct pouch_store_ref		 prop_ref;	/* proposal */
	const struct pouch_store_ref	*refs;		/* welcome */
	size_t				 nrefs;
	/* attachments the message carries: they must exist, and are
	 * kept while the message is queued for anyone */
	const uint8_t			(*attachments)[POUCH_STORE_HASH_BYTES];
	size_t				 nattachments;
	const uint8_t			*body;
	size_t				 len;
	int64_t				 now;
};

/* A group the store knows. */
struct pouch_store_group {
	uint64_t	epoch;
	uint16_t	cipher_suite;
};

/*
 * A membership of a device being revoked, handed to the caller's
 * proposal builder inside the revoking transaction.  The builder returns
 * a malloc'd MLSMessage (a Remove of leaf by the server as an external
 * sender) and its ProposalRef, or an error to skip the group.
 */
struct pouch_store_membership {
	const uint8_t	*group_id;
	size_t		 gidlen;
	uint64_t	 epoch;
	uint16_t	 cipher_suite;
	uint32_t	 leaf;
};

typedef int (*pouch_store_propose_fn)(void *arg,
    const struct pouch_store_membership *m, uint8_t **msg, size_t *len,
    uint8_t ref[POUCH_STORE_REF_MAX], size_t *reflen);

/*
 * What post did.  devices (malloc'd, freed by pouch_store_posted_clear)
 * lists the devices it queued for, so their waiters can be woken.  On
 * POUCH_E_CONFLICT only epoch is set: the group's current epoch.
 */
struct pouch_store_posted {
	int64_t		 msg_id;
	uint64_t	 epoch;		/* the group's epoch afterwards */
	int64_t		*devices;
	size_t		 ndevices;
};

/* One queued message, as sync hands it out. */
struct pouch_store_item {
	int64_t		 cursor;	/* per-device order, ack by it */
	int64_t		 msg_id;	/* for duplicate suppression */
	enum pouch_store_kind kind;
	const uint8_t	*body;
	size_t		 len;
	int64_t		 created;
};

struct pouch_store_audit {
	int64_t		 id;
	int64_t		 ts;
	const char	*actor;		/* "admin", "device:7" */
	const char	*action;	/* "user.add", "device.revoke" */
	const char	*subject;	/* "alice", "device:7" */
};

/* Gauges for /metrics. */
struct pouch_store_stats {
	int64_t	queued;		/* queue entries not yet acknowledged */
	int64_t	messages;	/* message bodies kept for them */
	int64_t	devices;	/* active devices */
	int64_t	groups;
	int64_t	key_packages;	/* unclaimed, all devices */
};

/*
 * One issued KeyPackage handed to the claimer.  missing: the device has
 * none of the suite asked for (data NULL, len 0, nothing consumed), so
 * it cannot join a group of that suite; the claimer must be told rather
 * than leave the device out unknowingly.
 */
struct pouch_store_claimed {
	int64_t		 device_id;
	const uint8_t	*data;
	size_t		 len;
	int		 last_resort;
	int		 missing;
};

/* ---- key transparency ------------------------------------------------
 *
 * The log of src/kt: leaves (encoded key events with their RFC 9162 leaf
 * hash, numbered 0, 1, 2 ... without gaps) and signed checkpoints (tree
 * size, root hash, the signed note), both append-only: no row is ever
 * updated or deleted, checkpoint sizes are unique and never decrease.
 * The store never hashes or signs; the caller hands it the bytes.
 *
 * Staging.  An operation that causes a key event (user_add,
 * user_suspend, code_add, enrol, device_revoke) appends it in its own
 * transaction: the caller stages the leaves on its thread with
 * pouch_store_kt_stage() before calling the operation and calls
 * pouch_store_kt_unstage() after it, whatever it returned.  A backend
 * appends the staged leaves when it writes the operation's audit row
 * (every such operation writes exactly one) and sets their index,
 * which means something only when the operation returned POUCH_OK (on
 * failure the leaves are rolled back with it).  Leaves are consumed
 * once: a later audit row of the same call appends nothing.
 *
 * kt_publish(have, leaf, sign, arg, &size): one write transaction that
 * reads the number of leaves n, passes leaves [have, n) in order to
 * leaf (the caller extends its own tree with them) and, unless the
 * latest checkpoint already has size n, asks sign for the checkpoint of
 * size n (its note and root, valid until kt_publish returns) and stores
 * it (so an empty log gets one checkpoint of size 0).  *size gets n.
 * POUCH_E_CONFLICT when have > n; the error of leaf or sign, with
 * nothing stored, when either fails.  Because the leaves are read in
 * the transaction that writes the checkpoint, a crash never leaves a
 * checkpoint over leaves that are not durable.
 * kt_leaves: the leaves [start, end) in order (read-only, committed
 * rows).  kt_find: the smallest index of a leaf hash, NOT_FOUND.
 * kt_checkpoint(size): the checkpoint of that size, or the latest one
 * for size UINT64_MAX; NOT_FOUND when there is none.
 */
struct pouch_store_kt_leaf {
	const uint8_t	*data;
	size_t		 len;
	uint8_t		 hash[POUCH_STORE_HASH_BYTES];
	int64_t		 index;		/* set when appended, else -1 */
};

typedef int (*pouch_store_kt_leaf_fn)(void *arg, uint64_t index,
    const uint8_t hash[POUCH_STORE_HASH_BYTES]);
typedef int (*pouch_store_kt_sign_fn)(void *arg, uint64_t size,
    const char **note, size_t *len, uint8_t root[POUCH_STORE_HASH_BYTES]);
typedef int (*pouch_store_kt_entry_fn)(void *arg, uint64_t index,
    const uint8_t *data, size_t len,
    const uint8_t hash[POUCH_STORE_HASH_BYTES]);
typedef int (*pouch_store_kt_cp_fn)(void *arg, uint64_t size,
    const uint8_t root[POUCH_STORE_HASH_BYTES], const char *note,
    size_t len);

/* Stage n leaves for the next key-event operation of this thread. */
void	pouch_store_kt_stage(struct pouch_store_kt_leaf *leaves, size_t n);
void	pouch_store_kt_unstage(void);
/* For backends: take this thread's staged leaves (none: NULL, 0). */
struct pouch_store_kt_leaf *pouch_store_kt_take(size_t *n);

/*
 * Pairing (docs/API.md "Pairing"): a device not yet enrolled asks to
 * join user_id's account under device_key, with a commitment to the
 * pairing code; a device of the user approves it (the account key and
 * its cross-signature, and a MAC keyed by the code); the new device
 * takes the approval.  Requests live until expires, in the database so
 * that a restart or another pouchd node on the same PostgreSQL does not
 * lose them.  The request route needs no token, so they are bounded:
 *   pair_add      drops expired requests, then adds p (its approval is
 *                 ignored): POUCH_E_EXISTS when device_key has a live
 *                 request, POUCH_E_QUOTA when p's user has per_user live
 *                 requests or all users together max;
 *   pair_list     the user's live requests not yet approved, oldest
 *                 first;
 *   pair_approve  approves the user's live request for key:
 *                 POUCH_E_NOT_FOUND when there is none, POUCH_E_CONFLICT
 *                 when it is approved already (the first approval
 *                 stands);
 *   pair_take     the live request for key whose commitment is commit,
 *                 in *out; an approved one is deleted as it is returned
 *                 (taken once).  POUCH_E_NOT_FOUND when there is none.
 */
#define POUCH_STORE_PAIR_COMMIT		32
#define POUCH_STORE_PAIR_APPROVAL	96	/* account key || cross-sig */
#define POUCH_STORE_PAIR_MAC		32

struct pouch_store_pair {
	int64_t	user_id;
	uint8_t	device_key[POUCH_STORE_KEY_BYTES];
	uint8_t	commit[POUCH_STORE_PAIR_COMMIT];
	int64_t	expires;
	int	approved;
	uint8_t	approval[POUCH_STORE_PAIR_APPROVAL];
	uint8_t	mac[POUCH_STORE_PAIR_MAC];
};

struct pouch_store_ops {
	const char *name;
	void	(*close)(struct pouch_store *st);

	/* users; actor is written to the audit log with the action */
	int	(*user_add)(struct pouch_store *st, const char *name,
		    int64_t now, const char *actor, int64_t *id);
	int	(*user_get)(struct pouch_store *st, const char *name,
		    struct pouch_store_user *out);
	int	(*user_get_id)(struct pouch_store *st, int64_t id,
		    struct pouch_store_user *out);
	int	(*user_list)(struct pouch_store *st,
		    int (*fn)(void *, const struct pouch_store_user *),
		    void *arg);
	int	(*user_suspend)(struct pouch_store *st, const char *name,
		    int suspended, int64_t now, const char *actor);

	/* enrolment codes: only the SHA-256 of a code is ever stored */
	int	(*code_add)(struct pouch_store *st, int64_t user_id,
		    const uint8_t hash[POUCH_STORE_HASH_BYTES],
		    int64_t expires, int64_t now, const char *actor);
	/* The user a valid code belongs to; nothing is consumed. */
	int	(*code_peek)(struct pouch_store *st,
		    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t now,
		    struct pouch_store_user *out);
	int	(*enrol)(struct pouch_store *st,
		    const struct pouch_store_enrol *e, int64_t *device_id);

	/* devices */
	int	(*device_get)(struct pouch_store *st, int64_t id,
		    struct pouch_store_device *out);
	int	(*device_list)(struct pouch_store *st, int64_t user_id,
		    int (*fn)(void *, const struct pouch_store_device *),
		    void *arg);
	/*
	 * Revoke and invalidate every token of the device at once.  With
	 * propose (NULL: none), also queue a Remove proposal for every group
	 * the device is in to its other members, in the same transaction.
	 * *nproposed (may be NULL) gets how many were queued.
	 */
	int	(*device_revoke)(struct pouch_store *st, int64_t id,
		    int64_t now, const char *actor,
		    pouch_store_propose_fn propose, void *arg,
		    size_t *nproposed);

	/* challenges and bearer tokens, by hash; both single-purpose */
	int	(*challenge_add)(struct pouch_store *st, int64_t device_id,
		    const uint8_t hash[POUCH_STORE_HASH_BYTES],
		    int64_t expires);
	/* Consume a challenge: NOT_FOUND, EXPIRED, or OK exactly once. */
	int	(*challenge_take)(struct pouch_store *st, int64_t device_id,
		    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t now);
	int	(*token_add)(struct pouch_store *st, int64_t device_id,
		    const uint8_t hash[POUCH_STORE_HASH_BYTES],
		    int64_t expires);
	/* The device of a valid token: EXPIRED, NOT_FOUND, FORBIDDEN. */
	int	(*token_check)(struct pouch_store *st,
		    const uint8_t hash[POUCH_STORE_HASH_BYTES], int64_t now,
		    struct pouch_store_device *out);

	/*
	 * KeyPackages, kept per cipher suite.  kp_add: a new last-resort
	 * one replaces the device's old one of the same suite (one
	 * last-resort KeyPackage per device and suite); QUOTA when the
	 * device would hold more than stored_max ordinary ones, all suites
	 * together.
	 */
	int	(*kp_add)(struct pouch_store *st, int64_t device_id,
		    const struct pouch_store_kp *kps, size_t n,
		    size_t stored_max);
	/*
	 * kp_replace: as kp_add, after dropping (in the same transaction)
	 * every KeyPackage of the device not yet claimed, ordinary and
	 * last-resort, in each suite the batch names; other suites stay,
	 * issued refs stay (a Welcome may name them).  The quota counts
	 * what is left; on any error the old ones stay.
	 */
	int	(*kp_replace)(struct pouch_store *st, int64_t device_id,
		    const struct pouch_store_kp *kps, size_t n,
		    size_t stored_max);
	/*
	 * For every active device of user_id, consume one KeyPackage of
	 * suite (the oldest; the last-resort one of that suite only when
	 * none is left, and that one is not consumed), remember its ref as
	 * issued, and pass it to fn.  A device with none of that suite is
	 * passed to fn as missing (nothing consumed).  The device exclude
	 * (the claimer's own) is skipped.  NOT_FOUND when the user has no
	 * active device, FORBIDDEN when suspended.
	 */
	int	(*kp_claim)(struct pouch_store *st, int64_t user_id,
		    int64_t exclude, uint16_t suite, int64_t now,
		    int (*fn)(void *, const struct pouch_store_claimed *),
		    void *arg);
	/* The device's ordinary KeyPackages of suite, and whether it has a
	 * last-resort one of that suite. */
	int	(*kp_count)(struct pouch_store *st, int64_t device_id,
		    uint16_t suite, int64_t *count, int *has_last_resort);

	/* groups and messages */
	int	(*group_create)(struct pouch_store *st, const uint8_t *gid,
		    size_t gidlen, uint16_t cipher_suite, int64_t creator,
		    int64_t now);
	int	(*group_get)(struct pouch_store *st, const uint8_t *gid,
		    size_t gidlen, struct pouch_store_group *out);
	int	(*post)(struct pouch_store *st, const struct pouch_store_msg *m,
		    struct pouch_store_posted *out);

	/* sync: queued items after cursor, in order, at most limit */
	int	(*sync_fetch)(struct pouch_store *st, int64_t device_id,
		    int64_t after, size_t limit,
		    int (*fn)(void *, const struct pouch_store_item *),
		    void *arg);
	/* Delete the device's items up to cursor, and messages no longer
	 * queued for anyone. */
	int	(*sync_ack)(struct pouch_store *st, int64_t device_id,
		    int64_t cursor);

	/* attachments: metadata; pouchd keeps the bytes in files */
	int	(*attachment_add)(struct pouch_store *st,
		    const uint8_t hash[POUCH_STORE_HASH_BYTES], uint64_t size,
		    int64_t user_id, uint64_t quota, int64_t now);
	int	(*attachment_get)(struct pouch_store *st,
		    const uint8_t hash[POUCH_STORE_HASH_BYTES],
		    uint64_t *size);

	/* audit log: append-only, written by the operations above */
	int	(*audit_add)(struct pouch_store *st, int64_t now,
		    const char *actor, const char *action,
		    const char *subject);
	int	(*audit_list)(struct pouch_store *st, int64_t after,
		    size_t limit,
		    int (*fn)(void *, const struct pouch_store_audit *),
		    void *arg);

	/* An online, consistent copy of the database at path (SQLite: a
	 * database file; PostgreSQL: a pg_dump custom-format archive). */
	int	(*backup)(struct pouch_store *st, const char *path);

	int	(*stats)(struct pouch_store *st, struct pouch_store_stats *out);
	/*
	 * Housekeeping, one transaction: expired tokens, challenges and
	 * pairing requests, proposals of past epochs (no commit can
	 * reference them), codes expired for 30 days, commit records of
	 * epochs before the group's last commit (only the epoch check and
	 * the latest record guard a new commit), issued-KeyPackage records
	 * 30 days old or of revoked
	 * devices (an Add or Welcome must use a KeyPackage claimed within
	 * that time), and attachments older than retention seconds
	 * that no queued message carries; fn (may be NULL) gets the hash of
	 * each attachment removed, inside the transaction, so that the caller
	 * deletes its bytes once gc has returned POUCH_OK.  *removed (may
	 * be NULL) gets the row count.
	 */
	int	(*gc)(struct pouch_store *st, int64_t now, int64_t retention,
		    int (*fn)(void *, const uint8_t *), void *arg,
		    int64_t *removed);

	/*
	 * Revocation that a commit left behind: for every group (gid only,
	 * when not NULL) that still has a revoked device as a member and no
	 * Remove of its leaf relayed in the group's current epoch, queue
	 * the server's Remove of it for that epoch to the other members,
	 * as device_revoke does (same propose contract), in one
	 * transaction.  pouchd calls it after every accepted commit and in
	 * its housekeeping, so the Remove follows the group from epoch to
	 * epoch until a commit carries it out.  *nproposed (may be NULL)
	 * gets how many were queued.
	 */
	int	(*repropose)(struct pouch_store *st, const uint8_t *gid,
		    size_t gidlen, int64_t now, pouch_store_propose_fn propose,
		    void *arg, size_t *nproposed);

	/* key transparency: see "key transparency" below (NULL: none) */
	int	(*kt_publish)(struct pouch_store *st, uint64_t have,
		    pouch_store_kt_leaf_fn leaf, pouch_store_kt_sign_fn sign,
		    void *arg, uint64_t *size);
	int	(*kt_leaves)(struct pouch_store *st, uint64_t start,
		    uint64_t end, pouch_store_kt_entry_fn fn, void *arg);
	int	(*kt_find)(struct pouch_store *st,
		    const uint8_t hash[POUCH_STORE_HASH_BYTES],
		    uint64_t *index);
	int	(*kt_checkpoint)(struct pouch_store *st, uint64_t size,
		    pouch_store_kt_cp_fn fn, void *arg);

	/*
	 * Account-key rotation, one transaction: the account key of user_id
	 * becomes next if it is still prev (else CONFLICT: a replay or a
	 * stale prev), and devices[0..ndevices) must be exactly the user's
	 * active devices, each once (else CONFLICT: one was enrolled or
	 * revoked meanwhile, so a re-cross-signature would be missing).
	 * Writes one audit row, so the staged key events are appended.
	 */
	int	(*account_rotate)(struct pouch_store *st, int64_t user_id,
		    const uint8_t prev[POUCH_STORE_KEY_BYTES],
		    const uint8_t next[POUCH_STORE_KEY_BYTES],
		    const int64_t *devices, size_t ndevices, int64_t now,
		    const char *actor);

	/* pairing requests: see "Pairing" above */
	int	(*pair_add)(struct pouch_store *st,
		    const struct pouch_store_pair *p, int64_t now,
		    uint32_t per_user, uint32_t max);
	int	(*pair_list)(struct pouch_store *st, int64_t user_id,
		    int64_t now,
		    int (*fn)(void *, const struct pouch_store_pair *),
		    void *arg);
	int	(*pair_approve)(struct pouch_store *st, int64_t user_id,
		    const uint8_t key[POUCH_STORE_KEY_BYTES],
		    const uint8_t approval[POUCH_STORE_PAIR_APPROVAL],
		    const uint8_t mac[POUCH_STORE_PAIR_MAC], int64_t now);
	int	(*pair_take)(struct pouch_store *st,
		    const uint8_t key[POUCH_STORE_KEY_BYTES],
		    const uint8_t commit[POUCH_STORE_PAIR_COMMIT], int64_t now,
		    struct pouch_store_pair *out);
};

/* Every backend's handle starts with this. */
struct pouch_store {
	const struct pouch_store_ops	*ops;
};

struct pouch_store_config {
	/* "sqlite" (NULL: "sqlite") or "postgresql" */
	const char	*backend;
	const char	*path;		/* sqlite: the database file */
	const char	*conninfo;	/* postgresql: libpq conninfo */
	/*
	 * postgresql: called from the store's listener thread with the
	 * devices a post of any node (this one included) queued for, once
	 * that post has committed (NULL: no listener).
	 */
	void		(*notify)(void *arg, const int64_t *devices,
			    size_t n);
	void		*notify_arg;
	/*
	 * Tests and fuzzers only, never from a config file: an in-memory
	 * database without durability.
	 */
	int		 ephemeral;
};

/*
 * Open the store, applying any schema migration it lacks.  POUCH_E_DB
 * when the database cannot be opened or made durable (WAL,
 * synchronous=FULL, foreign keys), POUCH_E_UNSUPPORTED for an unknown
 * backend or a schema newer than this program.  Close with
 * pouch_store_close (NULL ok).
 */
int	pouch_store_open(const struct pouch_store_config *cfg,
	    struct pouch_store **out) POUCH_WARN_UNUSED;
void	pouch_store_close(struct pouch_store *st);
/* Free the device list of a post; the struct may be reused. */
void	pouch_store_posted_clear(struct pouch_store_posted *p);
/* The schema version this program writes. */
int	pouch_store_schema_version(void);
/*
 * Replace the database at dst with the backup at src (server stopped):
 * an SQLite online backup in the other direction, then a durable check.
 */
int	pouch_store_restore(const char *src, const char *dst)
	    POUCH_WARN_UNUSED;

/* SQLite backend entry point (store/sqlite.c). */
int	pouch_store_sqlite_open(const struct pouch_store_config *cfg,
	    struct pouch_store **out) POUCH_WARN_UNUSED;
/*
 * PostgreSQL backend entry point (store/pg.c): POUCH_E_DB unless the
 * server answers with fsync and synchronous_commit on.
 */
int	pouch_store_pg_open(const struct pouch_store_config *cfg,
	    struct pouch_store **out) POUCH_WARN_UNUSED;
/*
 * Replace the PostgreSQL database of conninfo with the backup at path
 * (a pg_dump of `pouchd admin backup`; nodes stopped): pg_restore
 * --clean in one transaction.  POUCH_E_DB if it failed (nothing changed).
 */
int	pouch_store_pg_restore(const char *conninfo, const char *path)
	    POUCH_WARN_UNUSED;

#endif /* POUCH_STORE_H */
