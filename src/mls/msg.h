/*
 * mls/msg - the RFC 9420 wire structures: one C struct per TLS struct,
 * with a decoder from the bounded reader and an encoder to the sticky
 * writer for each.
 *
 * Data model.  A decoded structure lives in a struct pouch_mls_arena
 * (mls/arena.h): the whole-buffer decoders copy their input into the arena
 * and decode zero-copy, so every opaque<V> field is a struct
 * pouch_mls_bytes pointing into that copy and every vector of structures
 * is an arena array (pointer + count).  Freeing the arena frees and wipes
 * everything at once; nothing inside is freed on its own.  Enumerations
 * keep their wire integer (uint8_t/uint16_t); select() variants are
 * unions keyed by that integer; optional<T> is a has_x flag beside an
 * embedded T, except for ratchet-tree nodes, where a blank node is a NULL
 * pointer.  Extension lists are kept opaque (type + data) whatever the
 * type, so unknown extensions re-encode byte for byte; the payloads of the
 * extensions RFC 9420 defines have their own decoders (section 13.2 list
 * below).
 *
 * Decoding.  pouch_mls_X_decode(r, a, lim, out) reads one X from r with
 * the caps of lim.  It works on a copy of r and moves r only on success;
 * *out is written only on success.  Errors: TRUNCATED (r ended early),
 * MALFORMED (an enum value RFC 9420 does not define, a presence octet
 * other than 0/1, a non-minimal varint, a structure that ends inside its
 * own length-prefixed vector, bytes left in a vector of integers or
 * structures that do not make a whole element), TRAILING (only from the
 * whole-buffer decoders: bytes after the structure), TOO_LARGE (a cap of
 * lim, including the arena's byte cap), UNSUPPORTED
 * (a proposal or credential type, or a protocol version, that Pouch does
 * not know: their bodies carry no length, so they cannot be skipped),
 * NOMEM.  Structures nested inside a length-prefixed vector report a short
 * body as MALFORMED, not TRUNCATED: the outer input was complete.
 *
 * Encoding.  pouch_mls_X_encode(w, x) appends X to w; errors are sticky
 * and reported by pouch_wr_finish().  A struct holding an enum value that
 * cannot be encoded sets POUCH_E_MISUSE.  decode then encode gives back
 * the same bytes for every structure.  No validation beyond syntax
 * happens here (signatures, tree invariants, lifetimes: later layers).
 */
#ifndef POUCH_MLS_MSG_H
#define POUCH_MLS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "codec/codec.h"
#include "mls/arena.h"

/* ---- enumerations (RFC 9420 sections 6, 7, 8.4, 12.1, 17) ------------- */

enum {
	POUCH_MLS_VERSION_10 = 1		/* ProtocolVersion mls10 */
};

enum pouch_mls_wire_format {
	POUCH_MLS_WF_PUBLIC_MESSAGE = 1,
	POUCH_MLS_WF_PRIVATE_MESSAGE = 2,
	POUCH_MLS_WF_WELCOME = 3,
	POUCH_MLS_WF_GROUP_INFO = 4,
	POUCH_MLS_WF_KEY_PACKAGE = 5
};

enum pouch_mls_content_type {
	POUCH_MLS_CT_APPLICATION = 1,
	POUCH_MLS_CT_PROPOSAL = 2,
	POUCH_MLS_CT_COMMIT = 3
};

enum pouch_mls_sender_type {
	POUCH_MLS_SENDER_MEMBER = 1,
	POUCH_MLS_SENDER_EXTERNAL = 2,
	POUCH_MLS_SENDER_NEW_MEMBER_PROPOSAL = 3,
	POUCH_MLS_SENDER_NEW_MEMBER_COMMIT = 4
};

enum pouch_mls_credential_type {
	POUCH_MLS_CRED_BASIC = 1,
	POUCH_MLS_CRED_X509 = 2
};

enum pouch_mls_leaf_node_source {
	POUCH_MLS_LEAF_KEY_PACKAGE = 1,
	POUCH_MLS_LEAF_UPDATE = 2,
	POUCH_MLS_LEAF_COMMIT = 3
};

enum pouch_mls_node_type {
	POUCH_MLS_NODE_LEAF = 1,
	POUCH_MLS_NODE_PARENT = 2
};

enum pouch_mls_proposal_type {
	POUCH_MLS_PROP_ADD = 1,
	POUCH_MLS_PROP_UPDATE = 2,
	POUCH_MLS_PROP_REMOVE = 3,
	POUCH_MLS_PROP_PSK = 4,
	POUCH_MLS_PROP_REINIT = 5,
	POUCH_MLS_PROP_EXTERNAL_INIT = 6,
	POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS = 7
};

enum pouch_mls_proposal_or_ref_type {
	POUCH_MLS_POR_PROPOSAL = 1,
	POUCH_MLS_POR_REFERENCE = 2
};

/* mls/psk.h has the same values as macros POUCH_MLS_PSK_*; the names
 * here differ so that both headers can be included together. */
enum pouch_mls_psk_type {
	POUCH_MLS_PSKTYPE_EXTERNAL = 1,
	POUCH_MLS_PSKTYPE_RESUMPTION = 2
};

enum pouch_mls_psk_usage {
	POUCH_MLS_USAGE_APPLICATION = 1,
	POUCH_MLS_USAGE_REINIT = 2,
	POUCH_MLS_USAGE_BRANCH = 3
};

enum pouch_mls_extension_type {
	POUCH_MLS_EXT_APPLICATION_ID = 1,
	POUCH_MLS_EXT_RATCHET_TREE = 2,
	POUCH_MLS_EXT_REQUIRED_CAPABILITIES = 3,
	POUCH_MLS_EXT_EXTERNAL_PUB = 4,
	POUCH_MLS_EXT_EXTERNAL_SENDERS = 5
};

/* ---- limits ------------------------------------------------------------ */

/*
 * Caps on every vector a decoder reads; exceeding one is POUCH_E_TOO_LARGE.
 * Byte caps bound an opaque<V>; count caps bound a vector of structures.
 * pouch_mls_limits_default() documents each default.  A caller that
 * wants other caps copies the defaults and changes fields.
 */
struct pouch_mls_limits {
	/* bytes of one encoded message, and of any vector not capped
	 * more tightly below */
	size_t	message_max;
	/* group size: a ratchet_tree holds at most 2 * leaves_max - 1
	 * nodes; unmerged_leaves, the secrets of a Welcome and the
	 * encrypted_path_secret of an UpdatePathNode at most leaves_max */
	size_t	leaves_max;
	/* ProposalOrRef per Commit */
	size_t	proposals_max;
	/* Extension per list */
	size_t	extensions_max;
	/* entries per Capabilities or RequiredCapabilities list */
	size_t	capabilities_max;
	/* bytes of a basic identity or of one certificate */
	size_t	credential_max;
	/* Certificate per x509 credential */
	size_t	certificates_max;
	/* PreSharedKeyID per GroupSecrets */
	size_t	psks_max;
	/* ExternalSender per external_senders extension */
	size_t	senders_max;
	/* bytes of an HPKE or signature public key, or a kem_output */
	size_t	key_max;
	/* bytes of a signature */
	size_t	signature_max;
	/* bytes of a hash, MAC, reference, nonce or secret */
	size_t	hash_max;
	/* bytes of a group_id, psk_id or application_id */
	size_t	id_max;
	/* arena bytes one whole-buffer decode may take, input included */
	size_t	decoded_max;
};

/* The default caps; never NULL, static, read-only. */
const struct pouch_mls_limits *pouch_mls_limits_default(void);

/* ---- basic types (RFC 9420 2, 7.2, 13) --------------------------------- */

/* opaque x<V>: n bytes at p (p may be NULL when n == 0). */
struct pouch_mls_bytes {
	const uint8_t	*p;
	size_t		 n;
};

/* struct { ExtensionType extension_type; opaque extension_data<V>; } */
struct pouch_mls_extension {
	uint16_t		type;
	struct pouch_mls_bytes	data;
};

/* Extension extensions<V> */
struct pouch_mls_extensions {
	struct pouch_mls_extension	*v;
	size_t				 n;
};

/* uint16 x<V>: ProtocolVersion, CipherSuite, ExtensionType, ... lists. */
struct pouch_mls_u16s {
	uint16_t	*v;
	size_t		 n;
};

/* RFC 9420 5.3: Credential (basic or x509). */
struct pouch_mls_credential {
	uint16_t		 type;
	struct pouch_mls_bytes	 identity;	/* basic */
	struct pouch_mls_bytes	*certs;	/* x509: each cert_data */
	size_t			 ncerts;
};

/* RFC 9420 7.2 */
struct pouch_mls_capabilities {
	struct pouch_mls_u16s	versions;
	struct pouch_mls_u16s	cipher_suites;
	struct pouch_mls_u16s	extensions;
	struct pouch_mls_u16s	proposals;
	struct pouch_mls_u16s	credentials;
};

struct pouch_mls_lifetime {
	uint64_t	not_before;
	uint64_t	not_after;
};

/* RFC 9420 7.2 LeafNode. */
struct pouch_mls_leaf_node {
	struct pouch_mls_bytes		encryption_key;
	struct pouch_mls_bytes		signature_key;
	struct pouch_mls_credential	credential;
	struct pouch_mls_capabilities	capabilities;
	uint8_t				source;	/* node source */
	struct pouch_mls_lifetime	lifetime;	/* key_package */
	struct pouch_mls_bytes		parent_hash;	/* commit */
	struct pouch_mls_extensions	extensions;
	struct pouch_mls_bytes		signature;
};

/*
 * LeafNodeTBS: the leaf node without its signature, then group_id and
 * leaf_index when the source is update or commit.
 */
struct pouch_mls_leaf_node_tbs {
	struct pouch_mls_leaf_node	leaf;	/* signature unused */
	struct pouch_mls_bytes		group_id;
	uint32_t			leaf_index;
};

/* RFC 9420 10 KeyPackage; KeyPackageTBS is the same without signature. */
struct pouch_mls_key_package {
	uint16_t			version;
	uint16_t			cipher_suite;
	struct pouch_mls_bytes		init_key;
	struct pouch_mls_leaf_node	leaf_node;
	struct pouch_mls_extensions	extensions;
	struct pouch_mls_bytes		signature;
};

/* ---- ratchet tree (RFC 9420 7.1, 12.4.3.3) ---------------------------- */

struct pouch_mls_parent_node {
	struct pouch_mls_bytes	 encryption_key;
	struct pouch_mls_bytes	 parent_hash;
	uint32_t		*unmerged_leaves;
	size_t			 nunmerged;
};

struct pouch_mls_node {
	uint8_t	type;			/* node_type */
	union {
		struct pouch_mls_leaf_node	leaf;
		struct pouch_mls_parent_node	parent;
	} u;
};

/* optional<Node> ratchet_tree<V>: nodes[i] == NULL is a blank node. */
struct pouch_mls_ratchet_tree {
	struct pouch_mls_node	**nodes;
	size_t			  n;
};

/* ---- update paths (RFC 9420 7.6) --------------------------------------- */

struct pouch_mls_hpke_ciphertext {
	struct pouch_mls_bytes	kem_output;
	struct pouch_mls_bytes	ciphertext;
};

struct pouch_mls_update_path_node {
	struct pouch_mls_bytes			 encryption_key;
	struct pouch_mls_hpke_ciphertext	*secrets; /* encrypted_path_
							   * secret */
	size_t					 nsecrets;
};

struct pouch_mls_update_path {
	struct pouch_mls_leaf_node		 leaf_node;
	struct pouch_mls_update_path_node	*nodes;
	size_t					 n;
};

/* ---- pre-shared keys (RFC 9420 8.4) ------------------------------------ */

struct pouch_mls_psk_id {
	uint8_t			type;		/* psktype */
	struct pouch_mls_bytes	psk_id;		/* external */
	uint8_t			usage;		/* resumption */
	struct pouch_mls_bytes	psk_group_id;	/* resumption */
	uint64_t		psk_epoch;	/* resumption */
	struct pouch_mls_bytes	psk_nonce;
};

struct pouch_mls_psk_label {
	struct pouch_mls_psk_id	id;
	uint16_t		index;
	uint16_t		count;
};

/* ---- proposals and commits (RFC 9420 12) ------------------------------- */

struct pouch_mls_add {
	struct pouch_mls_key_package	key_package;
};

struct pouch_mls_update {
	struct pouch_mls_leaf_node	leaf_node;
};

struct pouch_mls_remove {
	uint32_t	removed;
};

struct pouch_mls_pre_shared_key {
	struct pouch_mls_psk_id	psk;
};

struct pouch_mls_reinit {
	struct pouch_mls_bytes		group_id;
	uint16_t			version;
	uint16_t			cipher_suite;
	struct pouch_mls_extensions	extensions;
};

struct pouch_mls_external_init {
	struct pouch_mls_bytes	kem_output;
};

struct pouch_mls_group_context_extensions {
	struct pouch_mls_extensions	extensions;
};

struct pouch_mls_proposal {
	uint16_t	type;
	union {
		struct pouch_mls_add				add;
		struct pouch_mls_update				update;
		struct pouch_mls_remove				remove;
		struct pouch_mls_pre_shared_key			psk;
		struct pouch_mls_reinit				reinit;
		struct pouch_mls_external_init		external_init;
		struct pouch_mls_group_context_extensions	gce;
	} u;
};

/* A proposal inline, or the ProposalRef (RFC 9420 5.2) of one. */
struct pouch_mls_proposal_or_ref {
	uint8_t	type;
	union {
		struct pouch_mls_proposal	proposal;
		struct pouch_mls_bytes		reference;
	} u;
};

struct pouch_mls_commit {
	struct pouch_mls_proposal_or_ref	*proposals;
	size_t					 nproposals;
	int					 has_path;
	struct pouch_mls_update_path		 path;
};

/* ---- group state on the wire (RFC 9420 8.1, 12.4.3) -------------------- */

struct pouch_mls_group_context {
	uint16_t			version;
	uint16_t			cipher_suite;
	struct pouch_mls_bytes		group_id;
	uint64_t			epoch;
	struct pouch_mls_bytes		tree_hash;
	struct pouch_mls_bytes		confirmed_transcript_hash;
	struct pouch_mls_extensions	extensions;
};

/* GroupInfo; GroupInfoTBS is the same without signature. */
struct pouch_mls_group_info {
	struct pouch_mls_group_context	group_context;
	struct pouch_mls_extensions	extensions;
	struct pouch_mls_bytes		confirmation_tag;
	uint32_t			signer;
	struct pouch_mls_bytes		signature;
};

struct pouch_mls_path_secret {
	struct pouch_mls_bytes	path_secret;
};

struct pouch_mls_group_secrets {
	struct pouch_mls_bytes	 joiner_secret;
	int			 has_path_secret;
	struct pouch_mls_bytes	 path_secret;
	struct pouch_mls_psk_id	*psks;
	size_t			 npsks;
};

struct pouch_mls_encrypted_group_secrets {
	/* KeyPackageRef */
	struct pouch_mls_bytes			new_member;
	struct pouch_mls_hpke_ciphertext	encrypted_group_secrets;
};

struct pouch_mls_welcome {
	uint16_t				 cipher_suite;
	struct pouch_mls_encrypted_group_secrets *secrets;
	size_t					 nsecrets;
	struct pouch_mls_bytes			 encrypted_group_info;
};

/* ---- framing (RFC 9420 6) ---------------------------------------------- */

struct pouch_mls_sender {
	uint8_t		type;
	uint32_t	index;	/* leaf_index (member), sender_index
				 * (external); 0 otherwise */
};

/* The select (content_type) of FramedContent and PrivateMessageContent. */
union pouch_mls_content {
	struct pouch_mls_bytes		application_data;
	struct pouch_mls_proposal	proposal;
	struct pouch_mls_commit		commit;
};

struct pouch_mls_framed_content {
	struct pouch_mls_bytes		group_id;
	uint64_t			epoch;
	struct pouch_mls_sender		sender;
	struct pouch_mls_bytes		authenticated_data;
	uint8_t				content_type;
	union pouch_mls_content		u;
};

/* confirmation_tag is present only when the content is a commit. */
struct pouch_mls_auth_data {
	struct pouch_mls_bytes	signature;
	struct pouch_mls_bytes	confirmation_tag;
};

struct pouch_mls_authenticated_content {
	uint16_t			wire_format;
	struct pouch_mls_framed_content	content;
	struct pouch_mls_auth_data	auth;
};

/* FramedContentTBS: group_context only for member / new_member_commit. */
struct pouch_mls_framed_content_tbs {
	uint16_t			version;
	uint16_t			wire_format;
	struct pouch_mls_framed_content	content;
	struct pouch_mls_group_context	context;
};

/* AuthenticatedContentTBM (the FramedContentTBM of the MAC). */
struct pouch_mls_framed_content_tbm {
	struct pouch_mls_framed_content_tbs	tbs;
	struct pouch_mls_auth_data		auth;
};

/* membership_tag is present only for sender type member. */
struct pouch_mls_public_message {
	struct pouch_mls_framed_content	content;
	struct pouch_mls_auth_data	auth;
	struct pouch_mls_bytes		membership_tag;
};

struct pouch_mls_private_message {
	struct pouch_mls_bytes	group_id;
	uint64_t		epoch;
	uint8_t			content_type;
	struct pouch_mls_bytes	authenticated_data;
	struct pouch_mls_bytes	encrypted_sender_data;
	struct pouch_mls_bytes	ciphertext;
};

/* PrivateMessageContent; padding is a count of zero octets. */
struct pouch_mls_private_content {
	/* not on the wire: from the PrivateMessage */
	uint8_t				content_type;
	union pouch_mls_content		u;
	struct pouch_mls_auth_data	auth;
	size_t				padding;
};

struct pouch_mls_sender_data {
	uint32_t	leaf_index;
	uint32_t	generation;
	uint8_t		reuse_guard[4];
};

struct pouch_mls_message {
	uint16_t	version;
	uint16_t	wire_format;
	union {
		struct pouch_mls_public_message		public_message;
		struct pouch_mls_private_message	private_message;
		struct pouch_mls_welcome		welcome;
		struct pouch_mls_group_info		group_info;
		struct pouch_mls_key_package		key_package;
	} u;
};

/* ---- extension payloads (RFC 9420 5.3.3, 12.1.8.1, 12.4.3.2, 13.2) ---- */

struct pouch_mls_required_capabilities {
	struct pouch_mls_u16s	extension_types;
	struct pouch_mls_u16s	proposal_types;
	struct pouch_mls_u16s	credential_types;
};

struct pouch_mls_external_sender {
	struct pouch_mls_bytes		signature_key;
	struct pouch_mls_credential	credential;
};

struct pouch_mls_external_senders {
	struct pouch_mls_external_sender	*v;
	size_t					 n;
};

/* ---- decoders and encoders --------------------------------------------- */

int	pouch_mls_extensions_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_extensions *out) POUCH_WARN_UNUSED;
void	pouch_mls_extensions_encode(struct pouch_wr *w,
	    const struct pouch_mls_extensions *x);
int	pouch_mls_credential_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_credential *out) POUCH_WARN_UNUSED;
void	pouch_mls_credential_encode(struct pouch_wr *w,
	    const struct pouch_mls_credential *x);
int	pouch_mls_capabilities_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_capabilities *out) POUCH_WARN_UNUSED;
void	pouch_mls_capabilities_encode(struct pouch_wr *w,
	    const struct pouch_mls_capabilities *x);
int	pouch_mls_lifetime_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_lifetime *out) POUCH_WARN_UNUSED;
void	pouch_mls_lifetime_encode(struct pouch_wr *w,
	    const struct pouch_mls_lifetime *x);
int	pouch_mls_leaf_node_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_leaf_node *out) POUCH_WARN_UNUSED;
void	pouch_mls_leaf_node_encode(struct pouch_wr *w,
	    const struct pouch_mls_leaf_node *x);
int	pouch_mls_leaf_node_tbs_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_leaf_node_tbs *out) POUCH_WARN_UNUSED;
void	pouch_mls_leaf_node_tbs_encode(struct pouch_wr *w,
	    const struct pouch_mls_leaf_node_tbs *x);
int	pouch_mls_key_package_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_key_package *out) POUCH_WARN_UNUSED;
void	pouch_mls_key_package_encode(struct pouch_wr *w,
	    const struct pouch_mls_key_package *x);
/* KeyPackageTBS: a KeyPackage without signature (left empty). */
int	pouch_mls_key_package_tbs_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_key_package *out) POUCH_WARN_UNUSED;
void	pouch_mls_key_package_tbs_encode(struct pouch_wr *w,
	    const struct pouch_mls_key_package *x);
int	pouch_mls_parent_node_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_parent_node *out) POUCH_WARN_UNUSED;
void	pouch_mls_parent_node_encode(struct pouch_wr *w,
	    const struct pouch_mls_parent_node *x);
int	pouch_mls_node_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
	    const struct pouch_mls_limits *lim, struct pouch_mls_node *out)
	    POUCH_WARN_UNUSED;
void	pouch_mls_node_encode(struct pouch_wr *w,
	    const struct pouch_mls_node *x);
int	pouch_mls_ratchet_tree_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_ratchet_tree *out) POUCH_WARN_UNUSED;
void	pouch_mls_ratchet_tree_encode(struct pouch_wr *w,
	    const struct pouch_mls_ratchet_tree *x);
int	pouch_mls_hpke_ciphertext_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_hpke_ciphertext *out) POUCH_WARN_UNUSED;
void	pouch_mls_hpke_ciphertext_encode(struct pouch_wr *w,
	    const struct pouch_mls_hpke_ciphertext *x);
int	pouch_mls_update_path_node_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_update_path_node *out) POUCH_WARN_UNUSED;
void	pouch_mls_update_path_node_encode(struct pouch_wr *w,
	    const struct pouch_mls_update_path_node *x);
int	pouch_mls_update_path_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_update_path *out) POUCH_WARN_UNUSED;
void	pouch_mls_update_path_encode(struct pouch_wr *w,
	    const struct pouch_mls_update_path *x);
int	pouch_mls_psk_id_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_psk_id *out) POUCH_WARN_UNUSED;
void	pouch_mls_psk_id_encode(struct pouch_wr *w,
	    const struct pouch_mls_psk_id *x);
int	pouch_mls_psk_label_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_psk_label *out) POUCH_WARN_UNUSED;
void	pouch_mls_psk_label_encode(struct pouch_wr *w,
	    const struct pouch_mls_psk_label *x);
int	pouch_mls_add_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
	    const struct pouch_mls_limits *lim, struct pouch_mls_add *out)
	    POUCH_WARN_UNUSED;
void	pouch_mls_add_encode(struct pouch_wr *w,
	    const struct pouch_mls_add *x);
int	pouch_mls_update_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_update *out) POUCH_WARN_UNUSED;
void	pouch_mls_update_encode(struct pouch_wr *w,
	    const struct pouch_mls_update *x);
int	pouch_mls_remove_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_remove *out) POUCH_WARN_UNUSED;
void	pouch_mls_remove_encode(struct pouch_wr *w,
	    const struct pouch_mls_remove *x);
int	pouch_mls_pre_shared_key_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_pre_shared_key *out) POUCH_WARN_UNUSED;
void	pouch_mls_pre_shared_key_encode(struct pouch_wr *w,
	    const struct pouch_mls_pre_shared_key *x);
int	pouch_mls_reinit_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_reinit *out) POUCH_WARN_UNUSED;
void	pouch_mls_reinit_encode(struct pouch_wr *w,
	    const struct pouch_mls_reinit *x);
int	pouch_mls_external_init_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_external_init *out) POUCH_WARN_UNUSED;
void	pouch_mls_external_init_encode(struct pouch_wr *w,
	    const struct pouch_mls_external_init *x);
int	pouch_mls_group_context_extensions_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_group_context_extensions *out) POUCH_WARN_UNUSED;
void	pouch_mls_group_context_extensions_encode(struct pouch_wr *w,
	    const struct pouch_mls_group_context_extensions *x);
int	pouch_mls_proposal_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_proposal *out) POUCH_WARN_UNUSED;
void	pouch_mls_proposal_encode(struct pouch_wr *w,
	    const struct pouch_mls_proposal *x);
int	pouch_mls_proposal_or_ref_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_proposal_or_ref *out) POUCH_WARN_UNUSED;
void	pouch_mls_proposal_or_ref_encode(struct pouch_wr *w,
	    const struct pouch_mls_proposal_or_ref *x);
int	pouch_mls_commit_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_commit *out) POUCH_WARN_UNUSED;
void	pouch_mls_commit_encode(struct pouch_wr *w,
	    const struct pouch_mls_commit *x);
int	pouch_mls_group_context_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_group_context *out) POUCH_WARN_UNUSED;
void	pouch_mls_group_context_encode(struct pouch_wr *w,
	    const struct pouch_mls_group_context *x);
int	pouch_mls_group_info_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_group_info *out) POUCH_WARN_UNUSED;
void	pouch_mls_group_info_encode(struct pouch_wr *w,
	    const struct pouch_mls_group_info *x);
/* GroupInfoTBS: a GroupInfo without signature (left empty). */
int	pouch_mls_group_info_tbs_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_group_info *out) POUCH_WARN_UNUSED;
void	pouch_mls_group_info_tbs_encode(struct pouch_wr *w,
	    const struct pouch_mls_group_info *x);
int	pouch_mls_path_secret_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_path_secret *out) POUCH_WARN_UNUSED;
void	pouch_mls_path_secret_encode(struct pouch_wr *w,
	    const struct pouch_mls_path_secret *x);
int	pouch_mls_group_secrets_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_group_secrets *out) POUCH_WARN_UNUSED;
void	pouch_mls_group_secrets_encode(struct pouch_wr *w,
	    const struct pouch_mls_group_secrets *x);
int	pouch_mls_encrypted_group_secrets_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_encrypted_group_secrets *out) POUCH_WARN_UNUSED;
void	pouch_mls_encrypted_group_secrets_encode(struct pouch_wr *w,
	    const struct pouch_mls_encrypted_group_secrets *x);
int	pouch_mls_welcome_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_welcome *out) POUCH_WARN_UNUSED;
void	pouch_mls_welcome_encode(struct pouch_wr *w,
	    const struct pouch_mls_welcome *x);
int	pouch_mls_sender_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_sender *out) POUCH_WARN_UNUSED;
void	pouch_mls_sender_encode(struct pouch_wr *w,
	    const struct pouch_mls_sender *x);
int	pouch_mls_framed_content_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_framed_content *out) POUCH_WARN_UNUSED;
void	pouch_mls_framed_content_encode(struct pouch_wr *w,
	    const struct pouch_mls_framed_content *x);
int	pouch_mls_authenticated_content_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_authenticated_content *out) POUCH_WARN_UNUSED;
void	pouch_mls_authenticated_content_encode(struct pouch_wr *w,
	    const struct pouch_mls_authenticated_content *x);
int	pouch_mls_framed_content_tbs_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_framed_content_tbs *out) POUCH_WARN_UNUSED;
void	pouch_mls_framed_content_tbs_encode(struct pouch_wr *w,
	    const struct pouch_mls_framed_content_tbs *x);
int	pouch_mls_framed_content_tbm_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_framed_content_tbm *out) POUCH_WARN_UNUSED;
void	pouch_mls_framed_content_tbm_encode(struct pouch_wr *w,
	    const struct pouch_mls_framed_content_tbm *x);
int	pouch_mls_public_message_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_public_message *out) POUCH_WARN_UNUSED;
void	pouch_mls_public_message_encode(struct pouch_wr *w,
	    const struct pouch_mls_public_message *x);
int	pouch_mls_private_message_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_private_message *out) POUCH_WARN_UNUSED;
void	pouch_mls_private_message_encode(struct pouch_wr *w,
	    const struct pouch_mls_private_message *x);
int	pouch_mls_sender_data_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_sender_data *out) POUCH_WARN_UNUSED;
void	pouch_mls_sender_data_encode(struct pouch_wr *w,
	    const struct pouch_mls_sender_data *x);
int	pouch_mls_message_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_message *out) POUCH_WARN_UNUSED;
void	pouch_mls_message_encode(struct pouch_wr *w,
	    const struct pouch_mls_message *x);
int	pouch_mls_required_capabilities_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_required_capabilities *out) POUCH_WARN_UNUSED;
void	pouch_mls_required_capabilities_encode(struct pouch_wr *w,
	    const struct pouch_mls_required_capabilities *x);
int	pouch_mls_external_senders_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    struct pouch_mls_external_senders *out) POUCH_WARN_UNUSED;
void	pouch_mls_external_senders_encode(struct pouch_wr *w,
	    const struct pouch_mls_external_senders *x);

/*
 * FramedContentAuthData: its shape depends on the content type of the
 * content it authenticates (confirmation_tag only for commits).
 */
int	pouch_mls_auth_data_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    uint8_t content_type, struct pouch_mls_auth_data *out)
	    POUCH_WARN_UNUSED;
void	pouch_mls_auth_data_encode(struct pouch_wr *w, uint8_t content_type,
	    const struct pouch_mls_auth_data *x);

/*
 * PrivateMessageContent of out->content_type == content_type (taken from
 * the PrivateMessage), followed by padding that must be all zero octets
 * (RFC 9420 6.3.1): MALFORMED otherwise.  The padding runs to the end of
 * r, so r is consumed whole.
 */
int	pouch_mls_private_content_decode(struct pouch_rd *r,
	    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
	    uint8_t content_type, struct pouch_mls_private_content *out)
	    POUCH_WARN_UNUSED;
void	pouch_mls_private_content_encode(struct pouch_wr *w,
	    const struct pouch_mls_private_content *x);

/* Additional data of the two PrivateMessage AEADs (RFC 9420 6.3). */
void	pouch_mls_sender_data_aad_encode(struct pouch_wr *w,
	    const struct pouch_mls_private_message *pm);
void	pouch_mls_private_content_aad_encode(struct pouch_wr *w,
	    const struct pouch_mls_private_message *pm);

/* opaque application_id<V> / HPKEPublicKey external_pub, whole payload */
int	pouch_mls_application_id_decode(struct pouch_rd *r,
	    const struct pouch_mls_limits *lim, struct pouch_mls_bytes *out)
	    POUCH_WARN_UNUSED;
int	pouch_mls_external_pub_decode(struct pouch_rd *r,
	    const struct pouch_mls_limits *lim, struct pouch_mls_bytes *out)
	    POUCH_WARN_UNUSED;

/* The extension of type type in list, or NULL. */
const struct pouch_mls_extension *pouch_mls_extension_find(
	    const struct pouch_mls_extensions *list, uint16_t type);

/* ---- whole buffers ----------------------------------------------------- */

/*
 * Decode buf[0..len) as one X: the bytes are copied into a (which must be
 * empty or already hold structures of the same lifetime), decoded
 * zero-copy from the copy, and must be consumed exactly (TRAILING
 * otherwise).  len over lim->message_max is TOO_LARGE.  lim NULL means
 * pouch_mls_limits_default().  On failure *out is zeroed and a may hold
 * partial allocations until pouch_mls_arena_free().
 */
int	pouch_mls_message_from_bytes(struct pouch_mls_arena *a,
	    const struct pouch_mls_limits *lim, const uint8_t *buf, size_t len,
	    struct pouch_mls_message *out) POUCH_WARN_UNUSED;
int	pouch_mls_key_package_from_bytes(struct pouch_mls_arena *a,
	    const struct pouch_mls_limits *lim, const uint8_t *buf, size_t len,
	    struct pouch_mls_key_package *out) POUCH_WARN_UNUSED;
int	pouch_mls_ratchet_tree_from_bytes(struct pouch_mls_arena *a,
	    const struct pouch_mls_limits *lim, const uint8_t *buf, size_t len,
	    struct pouch_mls_ratchet_tree *out) POUCH_WARN_UNUSED;
int	pouch_mls_group_info_from_bytes(struct pouch_mls_arena *a,
	    const struct pouch_mls_limits *lim, const uint8_t *buf, size_t len,
	    struct pouch_mls_group_info *out) POUCH_WARN_UNUSED;
int	pouch_mls_group_secrets_from_bytes(struct pouch_mls_arena *a,
	    const struct pouch_mls_limits *lim, const uint8_t *buf, size_t len,
	    struct pouch_mls_group_secrets *out) POUCH_WARN_UNUSED;
int	pouch_mls_welcome_from_bytes(struct pouch_mls_arena *a,
	    const struct pouch_mls_limits *lim, const uint8_t *buf, size_t len,
	    struct pouch_mls_welcome *out) POUCH_WARN_UNUSED;

/*
 * An arena initialised with lim's decoded_max (lim NULL: the defaults),
 * ready for a whole-buffer decode.
 */
void	pouch_mls_arena_init_limits(struct pouch_mls_arena *a,
	    const struct pouch_mls_limits *lim);

#endif /* POUCH_MLS_MSG_H */
