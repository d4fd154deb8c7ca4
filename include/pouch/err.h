/*
 * err.h - libpouch error codes.
 *
 * Every public function that can fail returns int: POUCH_OK (0) or one of
 * the negative POUCH_E_* codes below.  The numbers are stable: a code is
 * never renumbered and never reused for another meaning.  New codes are
 * appended.  Error strings never contain secrets or echo rejected input.
 */
#ifndef POUCH_ERR_H
#define POUCH_ERR_H

#include <pouch/pouch.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POUCH_OK			0
/* The caller broke a documented precondition (NULL handle, bad size). */
#define POUCH_E_MISUSE			-1
/* An allocation failed; no state was changed. */
#define POUCH_E_NOMEM			-2
/* Input ended before a complete value: on a stream, wait for more. */
#define POUCH_E_TRUNCATED		-3
/* Input is not a valid encoding (e.g. varint prefix 11, non-minimal). */
#define POUCH_E_MALFORMED		-4
/* A length is over the maximum allowed for that field. */
#define POUCH_E_TOO_LARGE		-5
/* A structure was followed by bytes that belong to nothing. */
#define POUCH_E_TRAILING		-6
/* The caller's output buffer is too small; the size needed is returned. */
#define POUCH_E_BUFFER_TOO_SMALL	-7
/* The cryptographic library failed unexpectedly. */
#define POUCH_E_CRYPTO			-8
/* The random number generator failed; nothing was produced. */
#define POUCH_E_RANDOM			-9
/* Algorithm, cipher suite or mode not supported. */
#define POUCH_E_UNSUPPORTED		-10
/* A public or private key is invalid (off-curve, zero, out of range). */
#define POUCH_E_BAD_KEY			-11
/* Authenticated decryption failed: wrong key or tampered data. */
#define POUCH_E_DECRYPT			-12
/* A signature did not verify. */
#define POUCH_E_BAD_SIGNATURE		-13
/* A sequence number or message counter would overflow. */
#define POUCH_E_LIMIT			-14
/* The object is in a failed state after an earlier fatal error. */
#define POUCH_E_STATE			-15
/* A Diffie-Hellman shared secret was all zero (RFC 9180 7.1.4). */
#define POUCH_E_ZERO_SHARED		-16
/* A file or the system could not be read or written. */
#define POUCH_E_IO			-17
/* A message key was already used or deleted (replay, or too old). */
#define POUCH_E_REPLAY			-18
/* A MAC (confirmation tag, membership tag) did not verify. */
#define POUCH_E_BAD_MAC			-19

/*
 * pouch_strerror - a short static English description of code.
 * Unknown codes give "unknown error".  Never NULL, never allocates.
 */
POUCH_API const char *pouch_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif /* POUCH_ERR_H */
