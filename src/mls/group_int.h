/*
 * mls/group_int - the group engine's state, shared by the files of the
 * engine (group.c, and the state serialisation and the proposal code
 * beside it).  Nothing outside src/mls/group*.c includes this.
 */
#ifndef POUCH_MLS_GROUP_INT_H
#define POUCH_MLS_GROUP_INT_H

#include "crypto/crypto.h"
#include "mls/arena.h"
#include "mls/group.h"
#include "mls/key_schedule.h"
#include "mls/msg.h"
#include "mls/secret_tree.h"
#include "mls/tree.h"

#define ENC_MAX		POUCH_VARINT_MAX
#define GROUP_ID_MAX	255
/* Proposals cached per epoch, and external PSKs held, at most. */
#define CACHE_MAX	1024
#define PSKS_MAX	64
/* Resumption PSKs kept for past epochs (RFC 9420 8.6). */
#define RPSK_KEEP	8

struct rpsk {
	uint64_t	epoch;
	uint8_t		psk[POUCH_HASH_MAX];
};

/* A proposal received in the current epoch, by its ProposalRef. */
struct cached_prop {
	uint8_t		 ref[POUCH_HASH_MAX];
	uint32_t	 sender;
	uint8_t		*p;		/* encoded Proposal */
	size_t		 n;
};

/* One epoch of the group as this member sees it. */
struct epoch {
	uint64_t			 epoch;
	struct pouch_mls_tree		*tree;
	struct pouch_mls_tree_privkeys	*keys;
	uint8_t				 cth[POUCH_HASH_MAX];
	size_t				 cthlen;
	uint8_t				 ith[POUCH_HASH_MAX];
	size_t				 ithlen;
	struct pouch_mls_epoch_secrets	 es;
	/* from es.encryption_secret, which is wiped once this exists */
	struct pouch_mls_secret_tree	*st;
	uint32_t			 me;
	int				 removed;
	/* GroupContext extensions, decoded into their own arena */
	struct pouch_mls_arena		 ext_a;
	struct pouch_mls_extensions	 ext;
};

struct pouch_mls_group {
	const struct pouch_crypto	*c;
	const struct pouch_mls_suite	*s;
	uint8_t				 group_id[GROUP_ID_MAX];
	size_t				 group_idlen;
	uint8_t				 sig_priv[POUCH_SIG_PRIV_MAX];
	size_t				 sig_privlen;
	struct pouch_sig_key		*sk;
	struct epoch			 cur;
	struct epoch			*pending;
	struct cached_prop		*cache;
	size_t				 ncache;
	struct pouch_mls_external_psk	*psks;	/* deep copies */
	size_t				 npsks;
	struct rpsk			 rpsk[RPSK_KEEP];	/* ring */
	size_t				 nrpsk;
};

#endif /* POUCH_MLS_GROUP_INT_H */
