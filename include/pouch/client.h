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
	/* a later device of the user: the approval its existing device
	 * gave (pouch_client_approve) after pouch_client_pair_begin() */
	const char	*approval;
};

/*
 * Create dir's store, the device and account keys, enrol with the
 * server, log in and upload KeyPackages.  EXISTS when dir already holds a
 * store.  On failure after the store was made, it is kept and
 * pouch_client_open() + pouch_client_enrol_retry() are not needed: init
 * may simply be run again after removing the directory.
 */
POUCH_API int	pouch_client_init(const char *dir,
	    const struct pouch_client_unlock *u,
	    const struct pouch_client_enrol *e, pouch_client **out);
/*
 * Adding a device to an account (G7: only the account key, held by the
 * user's first device, can).  1. On the new device: pair_begin makes
 * dir's store and the device key, and gives the pairing code (the device
 * key in hex) to show.  2. On the first device: pouch_client_approve with
 * that code cross-signs it and gives the approval (a string, to carry
 * over); that device then adds the new one to every conversation once it
 * has KeyPackages.  3. On the new device: pouch_client_init with
 * e->approval set enrols it (with its own one-time code).
 */
POUCH_API int	pouch_client_pair_begin(const char *dir,
	    const struct pouch_client_unlock *u, char code[65]);
/* *approval is malloc'd (free()). FORBIDDEN on a device without the
 * account key. */
POUCH_API int	pouch_client_approve(pouch_client *cl, const char *code,
	    char **approval);
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

#ifdef __cplusplus
}
#endif

#endif /* POUCH_CLIENT_H */
