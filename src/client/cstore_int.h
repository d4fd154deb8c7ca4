/*
 * client/cstore_int - private to the local store (cstore*.c): the handle,
 * the per-operation savepoint bracket, statement helpers and the record
 * sealing that cstore_rec.c provides.
 */
#ifndef POUCH_CLIENT_CSTORE_INT_H
#define POUCH_CLIENT_CSTORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "client/cstore.h"

#define CS_KEY		32	/* store key and its subkeys */
#define CS_HASH		32	/* HMAC-SHA256 of a Message-ID or a user */
#define CS_SALT		16	/* Argon2id salt */
#define CS_REC_VERSION	1	/* first byte of every record */
#define CS_REC_OVERHEAD	(1 + 12 + 16)
#define CS_IDENT_MAX	512	/* row identity bound into the AAD */

struct pouch_cstore {
	sqlite3			*db;
	struct pouch_crypto	*c;
	uint8_t			 ekey[CS_KEY];	/* AEAD */
	uint8_t			 mkey[CS_KEY];	/* keyed hashes */
	int			 txn;		/* begin .. commit open */
	int			 dirty;		/* secrets replaced/deleted */
	int			 ckpt_pending;	/* a checkpoint was busy */
	uint64_t		 ckpts;
};

/* Seal pt into a record (CS_REC_VERSION || nonce || ct || tag). */
int	pouch_cstore_rec_seal(const struct pouch_crypto *c,
	    const uint8_t key[32], const char *table, const char *col,
	    const uint8_t *ident, size_t identlen, const uint8_t *pt,
	    size_t ptlen, uint8_t **blob, size_t *bloblen);
/* Plaintext encoders matching the rec_decode_* parsers. */
int	pouch_cstore_rec_encode_conv(const struct pouch_cstore_conv *c,
	    uint8_t **pt, size_t *len);
int	pouch_cstore_rec_encode_sender(const struct pouch_cstore_msg *m,
	    uint8_t **pt, size_t *len);
int	pouch_cstore_rec_encode_contact(const struct pouch_cstore_contact *c,
	    uint8_t **pt, size_t *len);

/* Statement helpers (cstore.c). */
int	pouch_cstore_dberr(int sqlite_rc);
int	pouch_cstore_prep(struct pouch_cstore *s, const char *sql,
	    sqlite3_stmt **st);
int	pouch_cstore_op_begin(struct pouch_cstore *s);
int	pouch_cstore_op_end(struct pouch_cstore *s, int rc);
/* HMAC-SHA256(mkey, label || 0 || msg): lookup hashes. */
int	pouch_cstore_hmac(struct pouch_cstore *s, const char *label,
	    const char *msg, size_t len, uint8_t out[CS_HASH]);

#endif /* POUCH_CLIENT_CSTORE_INT_H */
