/*
 * base - what every module shares: error strings and the library version.
 * No state, no allocation.
 */
#include <stddef.h>

#include <pouch/pouch.h>

/*
 * One row a code.  Rows are grouped by the sections of err.h; each section
 * owns a range of numbers, so modules add codes without renumbering.
 */
struct msg {
	int		 code;
	const char	*text;
};

static const struct msg messages[] = {
	{ POUCH_OK,
	    "success" },
	{ POUCH_E_MISUSE,
	    "invalid argument or call sequence" },
	{ POUCH_E_NOMEM,
	    "out of memory" },
	{ POUCH_E_TRUNCATED,
	    "input truncated" },
	{ POUCH_E_MALFORMED,
	    "malformed input" },
	{ POUCH_E_TOO_LARGE,
	    "length over its maximum" },
	{ POUCH_E_TRAILING,
	    "trailing bytes after a structure" },
	{ POUCH_E_BUFFER_TOO_SMALL,
	    "output buffer too small" },
	{ POUCH_E_CRYPTO,
	    "cryptographic library failure" },
	{ POUCH_E_RANDOM,
	    "random number generator failure" },
	{ POUCH_E_UNSUPPORTED,
	    "algorithm or suite not supported" },
	{ POUCH_E_BAD_KEY,
	    "invalid key" },
	{ POUCH_E_DECRYPT,
	    "decryption failed" },
	{ POUCH_E_BAD_SIGNATURE,
	    "signature verification failed" },
	{ POUCH_E_LIMIT,
	    "counter or limit exhausted" },
	{ POUCH_E_STATE,
	    "object failed earlier and is unusable" },
	{ POUCH_E_ZERO_SHARED,
	    "all-zero shared secret" },
	{ POUCH_E_IO,
	    "input/output error" },
	{ POUCH_E_REPLAY,
	    "message key already used or deleted" },
	{ POUCH_E_BAD_MAC,
	    "MAC verification failed" },
	{ POUCH_E_BAD_TREE,
	    "malformed ratchet tree" },
	{ POUCH_E_BAD_TREE_HASH,
	    "tree hash mismatch" },
	{ POUCH_E_BAD_PARENT_HASH,
	    "parent hash verification failed" },
	{ POUCH_E_BAD_UNMERGED,
	    "inconsistent unmerged leaves" },
	{ POUCH_E_DUP_ENCRYPTION_KEY,
	    "duplicate encryption key" },
	{ POUCH_E_DUP_SIGNATURE_KEY,
	    "duplicate signature key" },
	{ POUCH_E_LIFETIME,
	    "leaf node lifetime not valid" },
	{ POUCH_E_CREDENTIAL_TYPE,
	    "credential type not supported by all members" },
	{ POUCH_E_CAPABILITIES,
	    "capabilities do not cover what is in use" },
	{ POUCH_E_LEAF_SOURCE,
	    "wrong leaf node source" },
	{ POUCH_E_WRONG_EPOCH,
	    "message for another group or epoch" },
	{ POUCH_E_UNKNOWN_SENDER,
	    "sender is not a known member" },
	{ POUCH_E_PATH_SHAPE,
	    "update path does not fit the tree" },
	{ POUCH_E_PATH_KEY,
	    "derived path key differs from update path" },
	{ POUCH_E_NO_PATH_KEY,
	    "no private key to decrypt the update path" },
	{ POUCH_E_NOT_RECIPIENT,
	    "welcome is not addressed to this key package" },
	{ POUCH_E_WRONG_SUITE,
	    "wrong cipher suite" },
	{ POUCH_E_PATH_REQUIRED,
	    "commit requires an update path" },
	{ POUCH_E_PSK_UNAVAILABLE,
	    "pre-shared key not available" },
	{ POUCH_E_UNKNOWN_PROPOSAL,
	    "commit references an unknown proposal" },
	/* ---- MLS group engine (-40 .. -69) ---- */
	{ POUCH_E_SENDER_NOT_ALLOWED,
	    "proposal type not allowed from this sender" },
	{ POUCH_E_DUP_LEAF_PROPOSAL,
	    "two proposals of a commit apply to one leaf" },
	{ POUCH_E_COMMITTER_UPDATE,
	    "commit holds an update from its committer" },
	{ POUCH_E_COMMITTER_REMOVED,
	    "commit removes its committer" },
	{ POUCH_E_REMOVE_BLANK,
	    "remove proposal names a blank leaf" },
	{ POUCH_E_DUP_MEMBER,
	    "add of a client already in the group" },
	{ POUCH_E_DUP_PSK,
	    "commit names one pre-shared key twice" },
	{ POUCH_E_MULTI_GCE,
	    "more than one group context extensions proposal" },
	{ POUCH_E_REINIT_NOT_ALONE,
	    "reinit proposal together with others" },
	{ POUCH_E_EXTERNAL_INIT,
	    "external init proposal in a member commit" },
	{ POUCH_E_BAD_PSK_NONCE,
	    "pre-shared key nonce of the wrong length" },
	{ POUCH_E_EXTERNAL_COMMIT,
	    "invalid external commit" },
	{ POUCH_E_PSK_USAGE,
	    "resumption PSK used outside its usage" },
	{ POUCH_E_REINIT_PENDING,
	    "group was reinitialized: use the new group" },
	{ POUCH_E_RESUME_MISMATCH,
	    "resumption PSK does not match the old group" },
	{ POUCH_E_RESUME_MEMBERS,
	    "members of the resumed group do not match the old group" },
	{ POUCH_E_SUITE_DOWNGRADE,
	    "reinit to a suite without post-quantum key establishment" },
	{ POUCH_E_EPOCH_EXPIRED,
	    "message of an epoch no longer kept" },
	/* ---- client engine (-70 .. -99) ---- */
	{ POUCH_E_CSTORE_SCHEMA,
	    "local store is from a newer version" },
	{ POUCH_E_MIME_HEADER,
	    "message header missing, repeated or malformed" },
	{ POUCH_E_MIME_DEPTH,
	    "MIME parts nested too deeply" },
	{ POUCH_E_MIME_ATTACHMENT,
	    "malformed attachment reference" },
	{ POUCH_E_PAIR_PENDING,
	    "the new device is not approved yet" },
	{ POUCH_E_PAIR_CODE,
	    "no pending new device matches the pairing code" },
	/* ---- server and its store (-100 .. -119) ---- */
	{ POUCH_E_NOT_FOUND,		"no such object" },
	{ POUCH_E_EXISTS,		"already exists" },
	{ POUCH_E_CONFLICT,		"conflicts with the current state" },
	{ POUCH_E_EXPIRED,		"expired" },
	{ POUCH_E_FORBIDDEN,		"not allowed" },
	{ POUCH_E_QUOTA,		"over a quota" },
	{ POUCH_E_DB,			"database failure" },
	/* ---- key transparency (-120 .. -139) ---- */
	{ POUCH_E_KT_PROOF,		"bad key transparency proof" },
	{ POUCH_E_KT_CHECKPOINT_SIG,	"bad checkpoint signature" },
	{ POUCH_E_KT_RANGE,		"leaf or tree size out of range" },
	{ POUCH_E_KT_ROLLBACK,		"checkpoint rolls back the log" },
	{ POUCH_E_KT_EVENT_SIG,		"key event signature does not verify" },
};

POUCH_API const char *
pouch_strerror(int code)
{
	size_t	i;

	for (i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
		if (messages[i].code == code)
			return messages[i].text;
	return "unknown error";
}

POUCH_API const char *
pouch_version(void)
{
	return POUCH_VERSION_STRING;
}

POUCH_API unsigned int
pouch_version_number(void)
{
	return (POUCH_VERSION_MAJOR << 16) | (POUCH_VERSION_MINOR << 8) |
	    POUCH_VERSION_PATCH;
}
