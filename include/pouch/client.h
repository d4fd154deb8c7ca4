/*
 * pouch/client.h - the Pouch client engine: one device of one user.
 *
 * A client lives in a directory: store.db, its encrypted SQLite store
 * (every secret and every message body is encrypted under the store key),
 * and store.key, the 0600 key file when no passphrase is used.  It talks
 * to one pouchd over HTTPS with the server's key pinned, and trusts the
 * server with nothing it could read: messages are MLS application
 * messages (RFC 9420) in conversations that are MLS groups, whose members
 * are every device of every participant.
 *
 * Identity (BRIEF G7).  Each user has an account signature key and each
 * device its own signature key; the account key cross-signs each device,
 * and that signature travels in the device's MLS credential.  A client
 * accepts a member device only when the cross-signature verifies under
 * the account key it knows for that user (first seen, or verified in
 * person with the safety code); anything else raises an alert and the
 * conversation refuses to send until the device is gone.
 *
 * Durability.  Every change of a conversation's group state is written in
 * the same store transaction as the messages that caused it, and the
 * server's queue is acknowledged only after that transaction commits, so
 * killing the process at any instant neither loses nor duplicates a
 * message.  Outgoing messages go through an outbox in the store.
 *
 * Every function returns POUCH_OK or a negative POUCH_E_* code
 * (pouch/err.h).  Strings returned inside structs are owned by the struct
 * and freed with its _free function.
 */
#ifndef POUCH_CLIENT_H
#define POUCH_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <pouch/pouch.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pouch_client pouch_client;

/* How to unlock the store: a passphrase (Argon2id), or, when pass is
 * NULL, the key file DIR/store.key (created 0600 by pouch_client_init). */
struct pouch_client_unlock {
	const char	*pass;
	size_t		 passlen;
	/* Argon2id memory cost in KiB when creating (0 = 65536) */
	uint32_t	 kdf_m_kib;
};

/* Enrolment of a new device with a one-time code from the operator. */
struct pouch_client_enrol {
	const char	*server;	/* https://host:port */
	const char	*pin;		/* "sha256//BASE64" */
	const char	*user;
	const char	*code;		/* "pc-..." */
	const char	*device_name;
	const char	*domain;	/* mail domain of addresses; "pouch" */
};

/*
 * Create dir's store, the device and account keys, enrol with the
 * server, log in and upload KeyPackages.  EXISTS when dir already holds a
 * store.  On failure after the store was made, it is kept and
 * pouch_client_open() + pouch_client_enrol_retry() are not needed: init
 * may simply be run again after removing the directory.
 *
 * When dir holds a store made by pouch_client_pair_begin(), init is the
 * last step of pairing: it asks the server for the approval and, once
 * an existing device gave it, enrols with the account key that device
 * vouched for (PAIR_PENDING before: call again later; NOT_FOUND when the
 * request expired: remove dir and begin again).
 */
POUCH_API int	pouch_client_init(const char *dir,
	    const struct pouch_client_unlock *u,
	    const struct pouch_client_enrol *e, pouch_client **out);

/* "XXXX-XXXX-XXXX" and its NUL. */
#define POUCH_CLIENT_PAIR_CODE	15
/*
 * Adding a device to an account (G7: only the account key, held by the
 * user's first device, can).  1. On the new device: pair_begin makes
 * dir's store and the device key, posts a pairing request for e->user
 * to e->server (e->code is not used yet) and gives the pairing code to
 * show: 60 random bits as 12 characters; the server sees only a hash
 * binding it to the device key.  2. On the first device:
 * pouch_client_approve with the code the user typed finds that request,
 * cross-signs its key and sends the approval, authenticated with the
 * code, through the server (PAIR_CODE when no request matches); that
 * device then adds the new one to every conversation once it has
 * KeyPackages.  3. On the new device: pouch_client_init (with a one-time
 * code) enrols it.
 */
POUCH_API int	pouch_client_pair_begin(const char *dir,
	    const struct pouch_client_unlock *u,
	    const struct pouch_client_enrol *e,
	    char code[POUCH_CLIENT_PAIR_CODE]);
/* FORBIDDEN on a device without the account key. */
POUCH_API int	pouch_client_approve(pouch_client *cl, const char *code);
/* Open an initialised directory: BAD_KEY for a wrong passphrase. */
POUCH_API int	pouch_client_open(const char *dir,
	    const struct pouch_client_unlock *u, pouch_client **out);
POUCH_API void	pouch_client_free(pouch_client *cl);

/*
 * Post-compromise security policy: this device commits a self-update in
 * a conversation once its last one is max_age seconds old or it has sent
 * max_msgs messages since (defaults 7 days and 1,000), checked at every
 * sync.  Kept in the store.  0 keeps a value unchanged.
 */
POUCH_API int	pouch_client_set_policy(pouch_client *cl, int64_t max_age,
	    uint64_t max_msgs);
/*
 * The post-quantum hybrid suite's alias code point (docs/OPERATIONS.md
 * "Following the IANA code point").  Pouch numbers the suite 0xF001
 * until IANA assigns one; with code set, this device also knows the
 * suite under code and, from the next sync, publishes KeyPackages under
 * both; with use_new too, the conversations it creates use code (every
 * device added must publish KeyPackages under code: one that does not
 * is left out with an alert).  Conversations keep the code point they
 * were created with.  code 0 removes the alias.  Kept in the store.
 * MISUSE for a code that cannot be an alias (a table code point,
 * GREASE) or use_new without a code.
 */
POUCH_API int	pouch_client_set_suite_alias(pouch_client *cl, uint16_t code,
	    int use_new);
/* The cipher suite code point of the conversations this device creates. */
POUCH_API uint16_t pouch_client_suite(const pouch_client *cl);
/* Progress of attachment uploads and downloads: fn(arg, done, total)
 * in bytes; NULL turns it off. */
POUCH_API void	pouch_client_set_progress(pouch_client *cl,
	    void (*fn)(void *arg, uint64_t done, uint64_t total), void *arg);
/* The clock, for tests (0 = the real one). */
POUCH_API void	pouch_client_set_time(pouch_client *cl, int64_t now);
POUCH_API const char *pouch_client_user(const pouch_client *cl);
POUCH_API int64_t pouch_client_device_id(const pouch_client *cl);

/*
 * Fetch and process what the server queued for this device, in server
 * order, waiting up to wait_s seconds for the first message when there is
 * none (long poll).  *nnew (may be NULL) gets the number of new readable
 * messages stored.  Also sends the outbox, refills KeyPackages and
 * commits a self-update when the policy says so.
 */
POUCH_API int	pouch_client_sync(pouch_client *cl, int wait_s,
	    size_t *nnew);

/* ---- conversations -------------------------------------------------- */

struct pouch_client_conv {
	int64_t		 id;
	char		*title;
	uint64_t	 epoch;
	char		**members;	/* user names, sorted, without dups */
	size_t		 nmembers;
	size_t		 ndevices;
	int		 removed;	/* we were removed */
	int		 trusted;	/* every device verified */
	uint16_t	 cipher_suite;	/* its MLS code point */
};
POUCH_API int	pouch_client_conversations(pouch_client *cl,
	    struct pouch_client_conv **out, size_t *n);
POUCH_API void	pouch_client_conv_free(struct pouch_client_conv *v,
	    size_t n);

/* A new conversation with every device of users (and our other
 * devices).  *id gets its local id. */
POUCH_API int	pouch_client_conv_create(pouch_client *cl, const char *title,
	    const char *const *users, size_t nusers, int64_t *id);
POUCH_API int	pouch_client_conv_add(pouch_client *cl, int64_t id,
	    const char *const *users, size_t nusers);
/* Remove every device of user. */
POUCH_API int	pouch_client_conv_remove(pouch_client *cl, int64_t id,
	    const char *user);
/* Commit a self-update now (post-compromise security). */
POUCH_API int	pouch_client_conv_update(pouch_client *cl, int64_t id);

/* ---- messages ------------------------------------------------------- */

struct pouch_client_send {
	int64_t			 conv;		/* 0: find or make by to */
	const char *const	*to;
	size_t			 nto;
	const char		*subject;
	const char		*body;
	size_t			 bodylen;
	const char *const	*attach;	/* file paths */
	size_t			 nattach;
	int64_t			 reply_to;	/* local id, or 0 */
};
/* Compose, encrypt, upload attachments, send; *id gets the local id. */
POUCH_API int	pouch_client_send(pouch_client *cl,
	    const struct pouch_client_send *s, int64_t *id);

struct pouch_client_msg {
	int64_t		 id;
	int64_t		 conv;
	char		*from;
	char		*subject;
	char		*message_id;
	char		*in_reply_to;
	int64_t		 date;
	int		 outgoing;
	int		 read;
	char		*body;		/* only from pouch_client_read */
	size_t		 bodylen;
	size_t		 natt;
	char		**att_names;	/* only from pouch_client_read */
	uint64_t	*att_sizes;
};
/* conv 0 = every conversation; unread_only; limit 0 = all. */
POUCH_API int	pouch_client_list(pouch_client *cl, int64_t conv,
	    int unread_only, size_t limit, struct pouch_client_msg **out,
	    size_t *n);
/* One whole message, marked read. */
POUCH_API int	pouch_client_read(pouch_client *cl, int64_t id,
	    struct pouch_client_msg **out);
POUCH_API void	pouch_client_msg_free(struct pouch_client_msg *v, size_t n);
/* Download and decrypt attachment i of message id into path. */
POUCH_API int	pouch_client_save_attachment(pouch_client *cl, int64_t id,
	    size_t i, const char *path);
/* The message as RFC 5322 bytes with attachments inlined. */
POUCH_API int	pouch_client_export(pouch_client *cl, int64_t id,
	    uint8_t **out, size_t *outlen);
POUCH_API void	pouch_client_buf_free(uint8_t *p, size_t n);

/* ---- alerts and verification --------------------------------------- */

struct pouch_client_alert {
	int64_t	 id;
	int64_t	 time;
	char	*kind;
	char	*text;
	int	 acked;
};
POUCH_API int	pouch_client_alerts(pouch_client *cl, int include_acked,
	    struct pouch_client_alert **out, size_t *n);
POUCH_API void	pouch_client_alert_free(struct pouch_client_alert *v,
	    size_t n);
POUCH_API int	pouch_client_alert_ack(pouch_client *cl, int64_t id);

/*
 * The safety code of this user and user: 60 decimal digits in 12 groups
 * from both account keys (the same on both sides).  NOT_FOUND when user's
 * account key is not known yet.
 */
POUCH_API int	pouch_client_safety_code(pouch_client *cl, const char *user,
	    char out[80]);
POUCH_API int	pouch_client_verify(pouch_client *cl, const char *user);

/* Devices of our own account as the member lists show them. */
struct pouch_client_device {
	int64_t	id;
	char	key_hex[65];
	int	self;
};
POUCH_API int	pouch_client_devices(pouch_client *cl,
	    struct pouch_client_device **out, size_t *n);

/* ---- key transparency: audit, monitoring, revocation (kt_audit.c) -- */

/*
 * One event of the server's key log, read against this device's verified
 * checkpoint.  Strings are owned by the array (pouch_client_kt_events_
 * free); event and sig are static.
 */
struct pouch_client_kt_event {
	uint64_t	 index;		/* leaf index in the log */
	int64_t		 time;		/* the event's timestamp, seconds */
	/* device_added device_revoked account_key user_created
	 * user_suspended user_unsuspended code_issued malformed */
	const char	*event;
	char		*user;		/* whose account */
	char		*actor;		/* the user, or the administrator */
	char		*device_name;	/* device_added, else "" */
	char		 key_fp[65];	/* hex: device, account key, code
					 * hash; "" otherwise */
	char		 account_fp[65]; /* device_added: its account key */
	int		 signer;	/* 0 account key, 1 log key (admin) */
	int		 included;	/* inclusion proof verified */
	/* ok, ok_previous_key (monitoring: our own event signed by an
	 * account key we had before a rotation), bad_signature,
	 * other_account_key (a device cross-signed by a key the log never
	 * gave the user), unverified (the signer's key is unknown here),
	 * bad_event */
	const char	*sig;
};
POUCH_API void	pouch_client_kt_events_free(struct pouch_client_kt_event *v,
	    size_t n);
/*
 * The full history of user (its devices, account key and the
 * administrator's actions on it), after bringing the verified
 * checkpoint up to date (alerts as at sync).  *tree_size gets the size
 * of the checkpoint it was verified against.  The whole log is read and
 * must reproduce the checkpoint's root: POUCH_E_KT_PROOF when it does
 * not (the server hides or alters entries).  UNSUPPORTED: no log.
 */
POUCH_API int	pouch_client_kt_audit(pouch_client *cl, const char *user,
	    uint64_t *tree_size, struct pouch_client_kt_event **out,
	    size_t *n);
/*
 * Every event of the log from index from (POUCH_CLIENT_KT_CONTINUE:
 * where the last call stopped, kept in the store) up to the verified
 * checkpoint, at most 1,000 a call; *next gets where the next call
 * starts.  Each event carries its proof and signature status.
 */
#define POUCH_CLIENT_KT_CONTINUE	UINT64_MAX
POUCH_API int	pouch_client_kt_monitor(pouch_client *cl, uint64_t from,
	    uint64_t *next, struct pouch_client_kt_event **out, size_t *n);
/* The verified checkpoint this device holds (size 0: none yet). */
POUCH_API int	pouch_client_kt_checkpoint(pouch_client *cl, uint64_t *size,
	    uint8_t root[32]);
/*
 * Revoke a device of our account: device is its key (64 hex digits),
 * its id as `pouch devices` lists it, or its name in the key log.  The
 * account key signs a "device revoked" event; the server revokes the
 * device (its tokens die, it is removed from every conversation) and
 * answers once the log publishes the event.  FORBIDDEN without the
 * account key, MISUSE for this device itself, NOT_FOUND, EXISTS when
 * already revoked.
 */
POUCH_API int	pouch_client_revoke_device(pouch_client *cl,
	    const char *device);

/*
 * Replace the account key (on the device that holds it; FORBIDDEN
 * elsewhere): a new key, the key log's "account key" event signed by
 * the old one and the new key's cross-signature of every active device
 * of the account, submitted together; the new key replaces the old one
 * (wiped) once the server has published the rotation, and this device
 * then self-updates in every conversation.  Every other own device
 * adopts the new key at its next sync (alert account_key_rotated) and
 * updates too; contacts see contact_key_rotated.  A crash or a network
 * error leaves the old key working: the next sync or call finishes or
 * retries the rotation.  CONFLICT when the key changed meanwhile (another
 * rotation, or a device enrolled or revoked at the same time: retry),
 * MALFORMED when the server refused the request.
 */
POUCH_API int	pouch_client_account_rotate(pouch_client *cl);

#ifdef __cplusplus
}
#endif

#endif /* POUCH_CLIENT_H */
