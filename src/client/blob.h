/*
 * client/blob - attachment blobs: a file's bytes sealed under a fresh
 * random 32-byte key, stored by the server under the SHA-256 of the blob
 * and referenced from a message (client/mime.h) by hash, key and size.
 *
 * Format (STREAM construction over AES-256-GCM):
 *
 *	blob  = version(1 byte, 0x01) || chunk[0] || ... || chunk[n-1]
 *	chunk = AES-256-GCM(key, nonce_i, aad = version, pt_i) || tag(16)
 *	nonce_i = 0x00 * 7 || be32(i) || final(1 byte: 0x01 last, else 0x00)
 *
 * Every chunk but the last carries exactly POUCH_BLOB_CHUNK (64 KiB)
 * plaintext bytes; the last carries 0..POUCH_BLOB_CHUNK (an empty file
 * is one empty final chunk).  The index in the nonce rejects reordered
 * chunks, the final flag a blob truncated at a chunk boundary.  The
 * nonces start from zero: this is safe because a key is drawn fresh for
 * every blob and never used for anything else.  The in-memory and the
 * file functions write and read the same format.
 */
#ifndef POUCH_CLIENT_BLOB_H
#define POUCH_CLIENT_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include <pouch/pouch.h>

#define POUCH_BLOB_KEY		32
#define POUCH_BLOB_HASH		32
#define POUCH_BLOB_CHUNK	65536u	/* plaintext bytes a chunk */
#define POUCH_BLOB_TAG		16
#define POUCH_BLOB_VERSION	0x01

/* Seal a file's bytes as an attachment blob: a fresh random key, AEAD
 * (AES-256-GCM, zero nonce is fine because the key is never reused: see above),
 * hash = SHA-256 of the blob.  *blob freed with free(). */
int	pouch_blob_seal(const uint8_t *pt, size_t ptlen, uint8_t key[32],
	    uint8_t hash[32], uint8_t **blob, size_t *bloblen)
	    POUCH_WARN_UNUSED;
/* Check the hash (constant-time compare) then open.  BAD_MAC on a hash
 * mismatch, DECRYPT on a bad tag; *pt freed with pouch_mime_buf_free. */
int	pouch_blob_open(const uint8_t key[32], const uint8_t hash[32],
	    const uint8_t *blob, size_t bloblen, uint8_t **pt, size_t *ptlen)
	    POUCH_WARN_UNUSED;

/*
 * Streaming variants for large files (a 10 MiB attachment is never held
 * in memory; one 64 KiB chunk is).  pouch_blob_seal_file reads in_fd to
 * its end and writes the blob to out_fd; *size is the plaintext length.
 * pouch_blob_open_file needs a seekable in_fd (a regular file): it first
 * hashes the whole blob and compares (BAD_MAC), then seeks back and
 * decrypts chunk by chunk into out_fd; *size is the plaintext length.
 * On any error out_fd may hold a partial plaintext: write to a temporary
 * file and discard it unless POUCH_OK.  Descriptors are not closed.
 */
int	pouch_blob_seal_file(int in_fd, int out_fd, uint8_t key[32],
	    uint8_t hash[32], uint64_t *size) POUCH_WARN_UNUSED;
int	pouch_blob_open_file(int in_fd, int out_fd, const uint8_t key[32],
	    const uint8_t hash[32], uint64_t *size) POUCH_WARN_UNUSED;

/* The blob length for a plaintext of ptlen bytes (0 on overflow). */
uint64_t	pouch_blob_len(uint64_t ptlen);

#endif /* POUCH_CLIENT_BLOB_H */
