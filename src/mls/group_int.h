/*
 * mls/group_int - the group engine's state, shared by the files of the
 * engine (group.c, and the state serialisation and the proposal code
 * beside it).  Nothing outside src/mls/group*.c includes this.
 */
#ifndef POUCH_MLS_GROUP_INT_H
#define POUCH_MLS_GROUP_INT_H

#include "crypto/crypto.h"
#include "hpke/hpke.h"
#include "mls/arena.h"
#include "mls/group.h"
#include "mls/key_schedule.h"
#include "mls/msg.h"
#include "mls/psk.h"
#include "mls/secret_tree.h"
#include "mls/tree.h"

#define ENC_MAX		POUCH_VARINT_MAX
#define GROUP_ID_MAX	255
/* Proposals cached per epoch, and external PSKs held, at most. */
#define CACHE_MAX	1024
#define PSKS_MAX	64
/* Resumption PSKs kept for past epochs (RFC 9420 8.6). */
#define RPSK_KEEP	8
/* Past epochs kept for late application messages: default, most. */
#define RETAIN_DEFAULT	3
#define RETAIN_MAX	64

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
	uint8_t		 sender_type;	/* POUCH_MLS_SENDER_* */
};

/*
 * A committed ReInit (RFC 9420 11.2, group_reinit.c): the parameters of
 * the new group.  The epoch that carries it is the old group's last.
 */
#define REINIT_EXT_MAX	2048
struct reinit_st {
	int		set;
	uint16_t	version;
	uint16_t	suite;
	uint8_t		group_id[GROUP_ID_MAX];
	size_t		group_idlen;
	uint8_t		ext[REINIT_EXT_MAX];	/* encoded Extension<V> */
	size_t		extlen;
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
	/* set by the commit of a ReInit: no later epoch follows */
	struct reinit_st		 reinit;
};

struct pouch_mls_group {
	const struct pouch_crypto	*c;
	const struct pouch_mls_suite	*s;	/* a table row or &alias */
	/* the hybrid suite under a configured alias code point: a copy of
	 * the row the group owns (pouch_mls_suite_alias) */
	struct pouch_mls_suite		 alias;
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
	/*
	 * Past epochs kept for late application messages, oldest first
	 * (group_state.c; group.c moves the current epoch here when it
	 * leaves).  Each keeps its tree, GroupContext inputs, secret tree
	 * and sender_data_secret only; every other secret is wiped.
	 */
	struct epoch			*old[RETAIN_MAX];
	size_t				 nold;
	uint32_t			 retain;	/* RETAIN_DEFAULT */
	int				 retain_set;
	/* our Update proposal of epoch upd_epoch (group_propose.c): the
	 * new leaf key, kept until a commit applies it; upd_privlen 0 when
	 * none */
	uint8_t				 upd_priv[POUCH_HPKE_SK_MAX];
	size_t				 upd_privlen;
	uint8_t				 upd_pub[POUCH_HPKE_PK_MAX];
	size_t				 upd_publen;
	uint64_t			 upd_epoch;
	/* send our proposals and commits as PrivateMessage (6.3) */
	int				 hs_private;
	/* the old group of a resumption in progress (group_reinit.c):
	 * borrowed for one join or resume call, never saved */
	const struct pouch_mls_group	*link;
};

/* ---- epoch retention and state (group_state.c) -------------------- */

/* Epochs to keep: the set value or RETAIN_DEFAULT. */
/* g->s = s, copied into g->alias when s is an alias row (group.c). */
void	pouch_mls_group_set_suite(struct pouch_mls_group *g,
	    const struct pouch_mls_suite *s);
uint32_t	pouch_mls_group_retain_n(const struct pouch_mls_group *g);
/*
 * Keep e (taken: *ep is NULL after) as a past epoch: its private keys
 * and every secret but sender_data_secret are wiped first, and the
 * oldest kept epochs beyond the window are wiped and freed.  With a
 * window of 0 (or no secret tree) e is simply wiped and freed.
 */
void	pouch_mls_group_retire(struct pouch_mls_group *g, struct epoch **ep);
/* The kept past epoch of number epoch, or NULL. */
struct epoch	*pouch_mls_group_old_epoch(struct pouch_mls_group *g,
	    uint64_t epoch);
/* Wipe and free every kept past epoch. */
void	pouch_mls_group_old_clear(struct pouch_mls_group *g);
/* Wipe and free an epoch (group.c's epoch_free). */
void	pouch_mls_group_epoch_free(struct epoch *e);

/* ---- shared by group.c and group_propose.c ------------------------ */

/* A proposal of a received commit with the sender that proposed it. */
struct pouch_mls_prop_item {
	const struct pouch_mls_proposal	*p;
	uint32_t			 sender;
	uint8_t				 sender_type;	/* POUCH_MLS_SENDER_* */
};

/*
 * RFC 9420 12.2: the proposal list v[0..n) of a commit by member
 * committer against the epoch e it applies to, before anything is
 * applied (group_validate.c).  One error code per rule (err.h -40..-59).
 */
int	pouch_mls_group_validate_list(const struct pouch_mls_group *g,
	    const struct epoch *e, uint32_t committer,
	    const struct pouch_mls_prop_item *v, size_t n) POUCH_WARN_UNUSED;

/* The GroupContext of the current epoch; th (nh bytes) its tree hash. */
int	pouch_mls_group_cur_context(const struct pouch_mls_group *g,
	    uint8_t *th, struct pouch_mls_group_context *gc)
	    POUCH_WARN_UNUSED;
/* Cache a verified proposal of the current epoch under its ProposalRef
 * (a proposal already cached is OK and changes nothing). */
int	pouch_mls_group_cache_put(struct pouch_mls_group *g,
	    const struct pouch_mls_authenticated_content *ac)
	    POUCH_WARN_UNUSED;
/* The signature key of external sender index of the current epoch's
 * external_senders extension (decoded into a); UNKNOWN_SENDER when
 * absent. */
int	pouch_mls_group_ext_sender_key(const struct pouch_mls_group *g,
	    uint32_t index, struct pouch_mls_arena *a,
	    struct pouch_mls_bytes *key) POUCH_WARN_UNUSED;
/* POUCH_OK when sender_type may send a proposal of type, else
 * SENDER_NOT_ALLOWED (RFC 9420 12.1.8.1, 6). */
int	pouch_mls_group_sender_may_propose(uint8_t sender_type,
	    uint16_t type) POUCH_WARN_UNUSED;
/*
 * A commit applying our own Update proposal of this epoch, whose leaf
 * node ln replaced ours in e: its private key into e->keys (UNSUPPORTED
 * when it is not the one we proposed last).
 */
int	pouch_mls_group_own_update(const struct pouch_mls_group *g,
	    struct epoch *e, const struct pouch_mls_leaf_node *ln)
	    POUCH_WARN_UNUSED;
/*
 * RFC 9420 12.2 for an external commit cm (its items v, one per
 * proposal): EXTERNAL_COMMIT, REMOVE_BLANK, and the PSK rules.
 */
int	pouch_mls_group_validate_external(const struct pouch_mls_group *g,
	    const struct epoch *e, const struct pouch_mls_commit *cm,
	    const struct pouch_mls_prop_item *v) POUCH_WARN_UNUSED;
/*
 * The required_capabilities extension of x decoded into *req (in a),
 * *out = req; *out = NULL when x has none (group_validate.c).
 */
int	pouch_mls_group_required_caps(const struct pouch_mls_extensions *x,
	    struct pouch_mls_arena *a,
	    struct pouch_mls_required_capabilities *req,
	    const struct pouch_mls_required_capabilities **out)
	    POUCH_WARN_UNUSED;
/* Every leaf of e supports e's GroupContext extensions and required
 * capabilities (RFC 9420 11.1, 12.1.7): CAPABILITIES otherwise. */
int	pouch_mls_group_members_support(const struct epoch *e)
	    POUCH_WARN_UNUSED;
/* ---- ReInit, branch and resumption (group_reinit.c) -------------- */

/* REINIT_PENDING when e ends the group with a committed ReInit. */
int	pouch_mls_group_reinit_gate(const struct epoch *e) POUCH_WARN_UNUSED;
/*
 * group.c's commit staging: REINIT_PENDING after a ReInit; a request's
 * ReInit (req->reinit by value, or the first cached one with
 * req->reinit_cached) as the commit's only proposal props[0] (*nprops
 * 1), its parameters into e; *nprops stays 0 without one.
 */
int	pouch_mls_group_stage_reinit(const struct pouch_mls_group *g,
	    const struct pouch_mls_commit_req *req, struct epoch *e,
	    struct pouch_mls_proposal_or_ref *props, size_t *nprops)
	    POUCH_WARN_UNUSED;
/* A received commit's ReInit proposal ri: its parameters into e. */
int	pouch_mls_group_apply_reinit(const struct pouch_mls_group *g,
	    struct epoch *e, const struct pouch_mls_reinit *ri)
	    POUCH_WARN_UNUSED;
/*
 * A resumption PSK of usage reinit or branch for id, from g->link:
 * PSK_UNAVAILABLE without one or for another group or an epoch not
 * kept, RESUME_MISMATCH for reinit when the old group is not
 * reinit-pending or psk_epoch is not its last epoch.
 */
int	pouch_mls_group_linked_psk(const struct pouch_mls_group *g,
	    const struct pouch_mls_psk_id *id,
	    struct pouch_mls_psk_input *in) POUCH_WARN_UNUSED;
/* After a join: the RFC 9420 12.4.3.1 checks of a reinit or branch PSK
 * of gs against the joined group g and its GroupInfo gi. */
int	pouch_mls_group_resume_check(const struct pouch_mls_group *g,
	    const struct pouch_mls_group_secrets *gs,
	    const struct pouch_mls_group_info *gi) POUCH_WARN_UNUSED;
/* Clear a new proposal's out-params and check the common preconditions:
 * MISUSE, STATE after removal, REINIT_PENDING (group_propose.c). */
int	pouch_mls_group_propose_begin(const struct pouch_mls_group *g,
	    uint8_t **out, size_t *outlen) POUCH_WARN_UNUSED;
/* The resumption PSK of g's epoch, current or kept; NULL when gone
 * (group.c). */
const uint8_t *pouch_mls_group_resumption_psk(const struct pouch_mls_group *g,
	    uint64_t epoch);
/* Sign pr as our proposal of the current epoch and cache it
 * (group_propose.c). */
int	pouch_mls_group_propose_msg(struct pouch_mls_group *g,
	    const struct pouch_mls_proposal *pr, uint8_t **out,
	    size_t *outlen) POUCH_WARN_UNUSED;

/* The ExternalSenders payload of o into w (MISUSE for a bad entry). */
int	pouch_mls_group_ext_senders_encode(const struct pouch_mls_suite *s,
	    const struct pouch_mls_create_opts *o, struct pouch_wr *w)
	    POUCH_WARN_UNUSED;

#endif /* POUCH_MLS_GROUP_INT_H */
