/*
 * client/blob - attachment blobs: STREAM-chunked AES-256-GCM under a
 * fresh key, addressed by the SHA-256 of the blob; see blob.h for the
 * format.  The in-memory and the file functions share the chunk code so
 * that a blob written by either opens with either.
 *
 * This file calls OpenSSL's EVP interface directly rather than through
 * crypto/crypto.h: the provider has no incremental SHA-256 and no way to
 * keep one AES key schedule across chunks, and the blob functions take
 * no struct pouch_crypto (they are called outside any session).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <pouch/err.h>

#include "client/blob.h"
#include "client/mime.h"
#include "crypto/crypto.h"

#define FULL	(POUCH_BLOB_CHUNK + POUCH_BLOB_TAG)	/* a full chunk */
#define NCHUNK_MAX	(UINT64_C(1) << 32)		/* be32 index */

static const uint8_t version = POUCH_BLOB_VERSION;

static void
chunk_nonce(uint8_t nonce[12], uint32_t idx, int final)
{
	memset(nonce, 0, 12);
	nonce[7] = (uint8_t)(idx >> 24);
	nonce[8] = (uint8_t)(idx >> 16);
	nonce[9] = (uint8_t)(idx >> 8);
	nonce[10] = (uint8_t)idx;
	nonce[11] = final ? 0x01 : 0x00;
}

static EVP_CIPHER_CTX *
cipher_new(const uint8_t key[32], int enc)
{
	EVP_CIPHER_CTX *cx;

	if ((cx = EVP_CIPHER_CTX_new()) == NULL)
		return NULL;
	if (EVP_CipherInit_ex(cx, EVP_aes_256_gcm(), NULL, key, NULL,
	    enc) != 1) {
		EVP_CIPHER_CTX_free(cx);
		return NULL;
	}
	return cx;
}

/* ct gets n + 16 bytes. */
static int
chunk_seal(EVP_CIPHER_CTX *cx, uint32_t idx, int final, const uint8_t *pt,
    size_t n, uint8_t *ct)
{
	uint8_t nonce[12];
	int l = 0, l2 = 0;

	chunk_nonce(nonce, idx, final);
	if (EVP_EncryptInit_ex(cx, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_EncryptUpdate(cx, NULL, &l, &version, 1) != 1)
		return POUCH_E_CRYPTO;
	l = 0;
	if (n > 0 && EVP_EncryptUpdate(cx, ct, &l, pt, (int)n) != 1)
		return POUCH_E_CRYPTO;
	if (EVP_EncryptFinal_ex(cx, ct + l, &l2) != 1 ||
	    (size_t)l + (size_t)l2 != n ||
	    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_AEAD_GET_TAG, POUCH_BLOB_TAG,
	    ct + n) != 1)
		return POUCH_E_CRYPTO;
	return POUCH_OK;
}

/* ct is n >= 16 bytes; pt gets n - 16, wiped on failure. */
static int
chunk_open(EVP_CIPHER_CTX *cx, uint32_t idx, int final, const uint8_t *ct,
    size_t n, uint8_t *pt)
{
	uint8_t nonce[12], tag[POUCH_BLOB_TAG];
	size_t ptn = n - POUCH_BLOB_TAG;
	int l = 0, l2 = 0, rc = POUCH_E_CRYPTO;

	memcpy(tag, ct + ptn, sizeof(tag));
	chunk_nonce(nonce, idx, final);
	if (EVP_DecryptInit_ex(cx, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(cx, NULL, &l, &version, 1) != 1)
		goto out;
	l = 0;
	if (ptn > 0 && EVP_DecryptUpdate(cx, pt, &l, ct, (int)ptn) != 1)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_AEAD_SET_TAG, POUCH_BLOB_TAG,
	    tag) != 1)
		goto out;
	if (EVP_DecryptFinal_ex(cx, pt + l, &l2) != 1) {
		rc = POUCH_E_DECRYPT;
		goto out;
	}
	rc = POUCH_OK;
out:
	if (rc != POUCH_OK && ptn > 0)
		OPENSSL_cleanse(pt, ptn);
	return rc;
}

uint64_t
pouch_blob_len(uint64_t ptlen)
{
	uint64_t n;

	n = ptlen == 0 ? 1 : (ptlen - 1) / POUCH_BLOB_CHUNK + 1;
	if (n > NCHUNK_MAX || ptlen > UINT64_MAX - 1 - n * POUCH_BLOB_TAG)
		return 0;
	return 1 + ptlen + n * POUCH_BLOB_TAG;
}

/*
 * Split a blob body of L bytes (after the version byte) into chunks:
 * *n chunks, the last one *last bytes long (tag included).
 */
static int
blob_layout(uint64_t L, uint64_t *n, uint64_t *last)
{
	uint64_t nfull = L / FULL, rem = L % FULL;

	if (L < POUCH_BLOB_TAG)
		return POUCH_E_MALFORMED;
	if (rem == 0) {
		*n = nfull;
		*last = FULL;
	} else {
		if (rem < POUCH_BLOB_TAG)
			return POUCH_E_MALFORMED;
		*n = nfull + 1;
		*last = rem;
	}
	if (*n > NCHUNK_MAX)
		return POUCH_E_TOO_LARGE;
	return POUCH_OK;
}

int
pouch_blob_seal(const uint8_t *pt, size_t ptlen, uint8_t key[32],
    uint8_t hash[32], uint8_t **blob, size_t *bloblen)
{
	EVP_CIPHER_CTX *cx = NULL;
	uint8_t *b = NULL, k[POUCH_BLOB_KEY];
	uint64_t total, n, i;
	size_t off, pn;
	int rc;

	if (blob != NULL)
		*blob = NULL;
	if (bloblen != NULL)
		*bloblen = 0;
	if (key == NULL || hash == NULL || blob == NULL || bloblen == NULL ||
	    (pt == NULL && ptlen > 0))
		return POUCH_E_MISUSE;
	if ((total = pouch_blob_len(ptlen)) == 0 || total > SIZE_MAX)
		return POUCH_E_TOO_LARGE;
	if ((rc = pouch_random(k, sizeof(k))) != POUCH_OK)
		goto out;
	if ((b = malloc((size_t)total)) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	if ((cx = cipher_new(k, 1)) == NULL) {
		rc = POUCH_E_CRYPTO;
		goto out;
	}
	b[0] = version;
	n = ptlen == 0 ? 1 : (ptlen - 1) / POUCH_BLOB_CHUNK + 1;
	off = 1;
	for (i = 0; i < n; i++) {
		pn = i + 1 < n ? POUCH_BLOB_CHUNK :
		    ptlen - (size_t)i * POUCH_BLOB_CHUNK;
		if ((rc = chunk_seal(cx, (uint32_t)i, i + 1 == n,
		    pt == NULL ? NULL : pt + (size_t)i * POUCH_BLOB_CHUNK, pn,
		    b + off)) != POUCH_OK)
			goto out;
		off += pn + POUCH_BLOB_TAG;
	}
	if (EVP_Digest(b, (size_t)total, hash, NULL, EVP_sha256(),
	    NULL) != 1) {
		rc = POUCH_E_CRYPTO;
		goto out;
	}
	memcpy(key, k, sizeof(k));
	*blob = b;
	*bloblen = (size_t)total;
	b = NULL;
	rc = POUCH_OK;
out:
	OPENSSL_cleanse(k, sizeof(k));
	EVP_CIPHER_CTX_free(cx);
	free(b);
	return rc;
}

int
pouch_blob_open(const uint8_t key[32], const uint8_t hash[32],
    const uint8_t *blob, size_t bloblen, uint8_t **pt, size_t *ptlen)
{
	EVP_CIPHER_CTX *cx = NULL;
	uint8_t h[POUCH_BLOB_HASH], *p = NULL;
	uint64_t n, last, i, plen = 0;
	size_t in, cn;
	int rc;

	if (pt != NULL)
		*pt = NULL;
	if (ptlen != NULL)
		*ptlen = 0;
	if (key == NULL || hash == NULL || pt == NULL || ptlen == NULL ||
	    (blob == NULL && bloblen > 0))
		return POUCH_E_MISUSE;
	if (bloblen == 0)
		return POUCH_E_MALFORMED;
	if (EVP_Digest(blob, bloblen, h, NULL, EVP_sha256(), NULL) != 1)
		return POUCH_E_CRYPTO;
	if (pouch_ct_eq(h, hash, sizeof(h)) != 0)
		return POUCH_E_BAD_MAC;
	if (blob[0] != version)
		return POUCH_E_UNSUPPORTED;
	if ((rc = blob_layout(bloblen - 1, &n, &last)) != POUCH_OK)
		return rc;
	plen = (bloblen - 1) - n * POUCH_BLOB_TAG;
	/* one spare byte so that an empty plaintext is a non-NULL pointer */
	if ((p = malloc((size_t)plen + 1)) == NULL)
		return POUCH_E_NOMEM;
	if ((cx = cipher_new(key, 0)) == NULL) {
		rc = POUCH_E_CRYPTO;
		goto out;
	}
	in = 1;
	for (i = 0; i < n; i++) {
		cn = i + 1 < n ? FULL : (size_t)last;
		if ((rc = chunk_open(cx, (uint32_t)i, i + 1 == n, blob + in, cn,
		    p + (size_t)i * POUCH_BLOB_CHUNK)) != POUCH_OK)
			goto out;
		in += cn;
	}
	*pt = p;
	*ptlen = (size_t)plen;
	p = NULL;
	rc = POUCH_OK;
out:
	EVP_CIPHER_CTX_free(cx);
	if (p != NULL)
		pouch_mime_buf_free(p, (size_t)plen + 1);
	return rc;
}

/* Read up to n bytes, fewer only at end of file. */
static int
read_full(int fd, uint8_t *buf, size_t n, size_t *got)
{
	ssize_t r;

	*got = 0;
	while (*got < n) {
		r = read(fd, buf + *got, n - *got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return POUCH_E_IO;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return POUCH_OK;
}

static int
write_full(int fd, const uint8_t *buf, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = write(fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return POUCH_E_IO;
		buf += r;
		n -= (size_t)r;
	}
	return POUCH_OK;
}

/* Write and hash. */
static int
emit(int fd, EVP_MD_CTX *md, const uint8_t *buf, size_t n)
{
	if (EVP_DigestUpdate(md, buf, n) != 1)
		return POUCH_E_CRYPTO;
	return write_full(fd, buf, n);
}

int
pouch_blob_seal_file(int in_fd, int out_fd, uint8_t key[32],
    uint8_t hash[32], uint64_t *size)
{
	EVP_CIPHER_CTX *cx = NULL;
	EVP_MD_CTX *md = NULL;
	uint8_t k[POUCH_BLOB_KEY], *a = NULL, *b = NULL, *ct = NULL, *t;
	size_t an, bn;
	uint64_t idx = 0, total = 0;
	int rc, final;

	if (size != NULL)
		*size = 0;
	if (in_fd < 0 || out_fd < 0 || key == NULL || hash == NULL ||
	    size == NULL)
		return POUCH_E_MISUSE;
	if ((rc = pouch_random(k, sizeof(k))) != POUCH_OK)
		goto out;
	a = malloc(POUCH_BLOB_CHUNK);
	b = malloc(POUCH_BLOB_CHUNK);
	ct = malloc(FULL);
	if (a == NULL || b == NULL || ct == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	if ((cx = cipher_new(k, 1)) == NULL || (md = EVP_MD_CTX_new()) ==
	    NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		rc = POUCH_E_CRYPTO;
		goto out;
	}
	if ((rc = emit(out_fd, md, &version, 1)) != POUCH_OK)
		goto out;
	/* a holds the current chunk; b looks ahead to tell the last one */
	if ((rc = read_full(in_fd, a, POUCH_BLOB_CHUNK, &an)) != POUCH_OK)
		goto out;
	for (;;) {
		bn = 0;
		if (an == POUCH_BLOB_CHUNK &&
		    (rc = read_full(in_fd, b, POUCH_BLOB_CHUNK, &bn)) !=
		    POUCH_OK)
			goto out;
		final = bn == 0;
		if (idx >= NCHUNK_MAX) {
			rc = POUCH_E_TOO_LARGE;
			goto out;
		}
		if ((rc = chunk_seal(cx, (uint32_t)idx, final, a, an, ct)) !=
		    POUCH_OK)
			goto out;
		if ((rc = emit(out_fd, md, ct, an + POUCH_BLOB_TAG)) !=
		    POUCH_OK)
			goto out;
		total += an;
		idx++;
		if (final)
			break;
		t = a;
		a = b;
		b = t;
		an = bn;
	}
	if (EVP_DigestFinal_ex(md, hash, NULL) != 1) {
		rc = POUCH_E_CRYPTO;
		goto out;
	}
	memcpy(key, k, sizeof(k));
	*size = total;
	rc = POUCH_OK;
out:
	OPENSSL_cleanse(k, sizeof(k));
	if (a != NULL)
		OPENSSL_cleanse(a, POUCH_BLOB_CHUNK);
	if (b != NULL)
		OPENSSL_cleanse(b, POUCH_BLOB_CHUNK);
	free(a);
	free(b);
	free(ct);
	EVP_CIPHER_CTX_free(cx);
	EVP_MD_CTX_free(md);
	return rc;
}

int
pouch_blob_open_file(int in_fd, int out_fd, const uint8_t key[32],
    const uint8_t hash[32], uint64_t *size)
{
	EVP_CIPHER_CTX *cx = NULL;
	EVP_MD_CTX *md = NULL;
	uint8_t h[POUCH_BLOB_HASH], *ct = NULL, *pt = NULL, v;
	uint64_t L = 0, n, last, i, total = 0;
	size_t got, cn;
	off_t start;
	int rc;

	if (size != NULL)
		*size = 0;
	if (in_fd < 0 || out_fd < 0 || key == NULL || hash == NULL ||
	    size == NULL)
		return POUCH_E_MISUSE;
	if ((start = lseek(in_fd, 0, SEEK_CUR)) < 0)
		return POUCH_E_IO;
	ct = malloc(FULL);
	pt = malloc(POUCH_BLOB_CHUNK);
	if (ct == NULL || pt == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	/* pass 1: the hash over the whole blob */
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		rc = POUCH_E_CRYPTO;
		goto out;
	}
	do {
		if ((rc = read_full(in_fd, ct, FULL, &got)) != POUCH_OK)
			goto out;
		if (EVP_DigestUpdate(md, ct, got) != 1) {
			rc = POUCH_E_CRYPTO;
			goto out;
		}
		L += got;
	} while (got == FULL);
	if (EVP_DigestFinal_ex(md, h, NULL) != 1) {
		rc = POUCH_E_CRYPTO;
		goto out;
	}
	if (pouch_ct_eq(h, hash, sizeof(h)) != 0) {
		rc = POUCH_E_BAD_MAC;
		goto out;
	}
	if (L == 0) {
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	if ((rc = blob_layout(L - 1, &n, &last)) != POUCH_OK)
		goto out;
	/* pass 2: decrypt chunk by chunk */
	if (lseek(in_fd, start, SEEK_SET) != start) {
		rc = POUCH_E_IO;
		goto out;
	}
	if ((rc = read_full(in_fd, &v, 1, &got)) != POUCH_OK)
		goto out;
	if (got != 1 || v != version) {
		rc = got != 1 ? POUCH_E_IO : POUCH_E_UNSUPPORTED;
		goto out;
	}
	if ((cx = cipher_new(key, 0)) == NULL) {
		rc = POUCH_E_CRYPTO;
		goto out;
	}
	for (i = 0; i < n; i++) {
		cn = i + 1 < n ? FULL : (size_t)last;
		if ((rc = read_full(in_fd, ct, cn, &got)) != POUCH_OK)
			goto out;
		if (got != cn) {		/* the file changed under us */
			rc = POUCH_E_IO;
			goto out;
		}
		rc = chunk_open(cx, (uint32_t)i, i + 1 == n, ct, cn, pt);
		if (rc != POUCH_OK)
			goto out;
		rc = write_full(out_fd, pt, cn - POUCH_BLOB_TAG);
		if (rc != POUCH_OK)
			goto out;
		total += cn - POUCH_BLOB_TAG;
	}
	*size = total;
	rc = POUCH_OK;
out:
	if (pt != NULL)
		OPENSSL_cleanse(pt, POUCH_BLOB_CHUNK);
	free(pt);
	free(ct);
	EVP_CIPHER_CTX_free(cx);
	EVP_MD_CTX_free(md);
	return rc;
}
