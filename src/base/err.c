/*
 * base - what every module shares: error strings and the library version.
 * No state, no allocation.
 */
#include <stddef.h>

#include <pouch/pouch.h>

/* Indexed by -code; the codes are dense from 0 down. */
static const char *const messages[] = {
	"success",					/* POUCH_OK */
	"invalid argument or call sequence",		/* MISUSE */
	"out of memory",				/* NOMEM */
	"input truncated",				/* TRUNCATED */
	"malformed input",				/* MALFORMED */
	"length over its maximum",			/* TOO_LARGE */
	"trailing bytes after a structure",		/* TRAILING */
	"output buffer too small",			/* BUFFER_TOO_SMALL */
	"cryptographic library failure",		/* CRYPTO */
	"random number generator failure",		/* RANDOM */
	"algorithm or suite not supported",		/* UNSUPPORTED */
	"invalid key",					/* BAD_KEY */
	"decryption failed",				/* DECRYPT */
	"signature verification failed",		/* BAD_SIGNATURE */
	"counter or limit exhausted",			/* LIMIT */
	"object failed earlier and is unusable",	/* STATE */
	"all-zero shared secret",			/* ZERO_SHARED */
	"input/output error",				/* IO */
	"message key already used or deleted",		/* REPLAY */
	"MAC verification failed",			/* BAD_MAC */
	"malformed ratchet tree",			/* BAD_TREE */
	"tree hash mismatch",				/* BAD_TREE_HASH */
	"parent hash verification failed",		/* BAD_PARENT_HASH */
	"inconsistent unmerged leaves",			/* BAD_UNMERGED */
	"duplicate encryption key",			/* DUP_ENCRYPTION_KEY */
	"duplicate signature key",			/* DUP_SIGNATURE_KEY */
	"leaf node lifetime not valid",			/* LIFETIME */
	"credential type not supported by all members",	/* CREDENTIAL_TYPE */
	"capabilities do not cover what is in use",	/* CAPABILITIES */
	"wrong leaf node source",			/* LEAF_SOURCE */
	"message for another group or epoch",		/* WRONG_EPOCH */
	"sender is not a known member",			/* UNKNOWN_SENDER */
	"update path does not fit the tree",		/* PATH_SHAPE */
	"derived path key differs from update path",	/* PATH_KEY */
	"no private key to decrypt the update path",	/* NO_PATH_KEY */
	"welcome is not addressed to this key package",	/* NOT_RECIPIENT */
	"wrong cipher suite",				/* WRONG_SUITE */
	"commit requires an update path",		/* PATH_REQUIRED */
	"pre-shared key not available",			/* PSK_UNAVAILABLE */
	"commit references an unknown proposal",	/* UNKNOWN_PROPOSAL */
};

POUCH_API const char *
pouch_strerror(int code)
{
	if (code > 0 || (size_t)-(long)code >=
	    sizeof(messages) / sizeof(messages[0]))
		return "unknown error";
	return messages[-code];
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
