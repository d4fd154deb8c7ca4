/*
 * test_blob.c - src/client/blob.c: attachment blobs.  Round trips at the
 * chunk edges, the format checked by an independent decryptor written
 * here from blob.h's description (OpenSSL EVP, not the code under test),
 * the hash against an independent SHA-256, every tampering (flipped byte,
 * wrong hash, wrong key, truncation at and inside a chunk, reordered
 * chunks, unknown version) refused, and the file variants on a 10 MiB
 * file interchangeable with the in-memory ones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <pouch/err.h>

#include "client/blob.h"
#include "client/mime.h"

#define CH	65536u
#define FULLCH	(CH + 16u)

static uint8_t *
rnd(size_t n)
{
	uint8_t *p = malloc(n + 1);

	assert_non_null(p);
	if (n > 0)
		assert_int_equal(RAND_bytes(p, (int)n), 1);
	return p;
}

static void
sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	assert_int_equal(EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL), 1);
}

static size_t
nchunks(size_t ptlen)
{
	return ptlen == 0 ? 1 : (ptlen + CH - 1) / CH;
}

/* The documented format, decrypted without blob.c. */
static void
indep_open(const uint8_t key[32], const uint8_t *b, size_t bn,
    const uint8_t *want, size_t wantlen)
{
	size_t n = nchunks(wantlen), i, pn, off = 1;
	uint8_t nonce[12], *pt = malloc(CH);
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int l;

	assert_non_null(pt);
	assert_int_equal(b[0], 0x01);
	assert_int_equal(bn, 1 + wantlen + 16 * n);
	for (i = 0; i < n; i++) {
		pn = i + 1 < n ? CH : wantlen - i * CH;
		memset(nonce, 0, sizeof(nonce));
		nonce[7] = (uint8_t)(i >> 24);
		nonce[8] = (uint8_t)(i >> 16);
		nonce[9] = (uint8_t)(i >> 8);
		nonce[10] = (uint8_t)i;
		nonce[11] = i + 1 == n;
		assert_int_equal(EVP_DecryptInit_ex(cx, EVP_aes_256_gcm(), NULL,
		    key, nonce), 1);
		assert_int_equal(EVP_DecryptUpdate(cx, NULL, &l, b, 1), 1);
		if (pn > 0)
			assert_int_equal(EVP_DecryptUpdate(cx, pt, &l, b + off,
			    (int)pn), 1);
		assert_int_equal(EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_AEAD_SET_TAG,
		    16, (void *)(uintptr_t)(b + off + pn)), 1);
		assert_int_equal(EVP_DecryptFinal_ex(cx, pt, &l), 1);
		if (pn > 0)
			assert_memory_equal(pt, want + i * CH, pn);
		off += pn + 16;
	}
	assert_int_equal(off, bn);
	EVP_CIPHER_CTX_free(cx);
	free(pt);
}

static void
test_roundtrip_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 100, CH - 1, CH, CH + 1,
	    2 * CH, 3 * CH + 7 };
	uint8_t key[32], key2[32], hash[32], h[32], *pt, *b, *b2, *out;
	size_t i, bn, bn2, outn;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		pt = rnd(sizes[i]);
		assert_int_equal(pouch_blob_seal(pt, sizes[i], key, hash, &b,
		    &bn), POUCH_OK);
		assert_int_equal(bn, 1 + sizes[i] + 16 * nchunks(sizes[i]));
		assert_int_equal(pouch_blob_len(sizes[i]), bn);
		sha256(b, bn, h);
		assert_memory_equal(h, hash, 32);
		indep_open(key, b, bn, pt, sizes[i]);
		assert_int_equal(pouch_blob_open(key, hash, b, bn, &out,
		    &outn), POUCH_OK);
		assert_non_null(out);
		assert_int_equal(outn, sizes[i]);
		if (outn > 0)
			assert_memory_equal(out, pt, outn);
		pouch_mime_buf_free(out, outn);
		/* a fresh key every time: same plaintext, other blob */
		assert_int_equal(pouch_blob_seal(pt, sizes[i], key2, h, &b2,
		    &bn2), POUCH_OK);
		assert_memory_not_equal(key, key2, 32);
		assert_memory_not_equal(hash, h, 32);
		free(b2);
		free(b);
		free(pt);
	}
}

/* Tamper with a copy of the blob, fix its hash up, expect rc. */
static void
expect_tampered(const uint8_t key[32], uint8_t *b, size_t bn, int rc)
{
	uint8_t h[32], *out = (uint8_t *)1;
	size_t outn = 99;

	sha256(b, bn, h);
	assert_int_equal(pouch_blob_open(key, h, b, bn, &out, &outn), rc);
	assert_null(out);
	assert_int_equal(outn, 0);
}

static void
test_tamper(void **state)
{
	size_t ptlen = 3 * CH + 10, bn, outn, i;
	uint8_t key[32], hash[32], bad[32], *pt, *b, *c, *out;

	(void)state;
	pt = rnd(ptlen);
	assert_int_equal(pouch_blob_seal(pt, ptlen, key, hash, &b, &bn),
	    POUCH_OK);
	c = malloc(bn);
	assert_non_null(c);

	/* flipped byte, hash not fixed up: BAD_MAC; fixed up: DECRYPT */
	for (i = 1; i < bn; i += bn / 7) {
		memcpy(c, b, bn);
		c[i] ^= 0x40;
		assert_int_equal(pouch_blob_open(key, hash, c, bn, &out,
		    &outn), POUCH_E_BAD_MAC);
		expect_tampered(key, c, bn, POUCH_E_DECRYPT);
	}
	memcpy(c, b, bn);
	c[bn - 1] ^= 1;				/* last tag byte */
	expect_tampered(key, c, bn, POUCH_E_DECRYPT);

	/* wrong hash, wrong key */
	memcpy(bad, hash, 32);
	bad[31] ^= 1;
	assert_int_equal(pouch_blob_open(key, bad, b, bn, &out, &outn),
	    POUCH_E_BAD_MAC);
	memcpy(bad, key, 32);
	bad[0] ^= 1;
	assert_int_equal(pouch_blob_open(bad, hash, b, bn, &out, &outn),
	    POUCH_E_DECRYPT);

	/* truncated at a chunk boundary: the final flag is missing */
	expect_tampered(key, b, 1 + 3 * FULLCH, POUCH_E_DECRYPT);
	expect_tampered(key, b, 1 + FULLCH, POUCH_E_DECRYPT);
	/* truncated inside a chunk, and below one tag */
	expect_tampered(key, b, bn - 5, POUCH_E_DECRYPT);
	expect_tampered(key, b, 1 + FULLCH + 3, POUCH_E_MALFORMED);
	expect_tampered(key, b, 10, POUCH_E_MALFORMED);
	expect_tampered(key, b, 1, POUCH_E_MALFORMED);
	/* an extra chunk appended after the final one */
	c = realloc(c, bn + 40);
	assert_non_null(c);
	memcpy(c, b, bn);
	memcpy(c + bn, b + 1, 40);
	expect_tampered(key, c, bn + 40, POUCH_E_DECRYPT);

	/* chunks 0 and 1 swapped */
	memcpy(c, b, bn);
	memcpy(c + 1, b + 1 + FULLCH, FULLCH);
	memcpy(c + 1 + FULLCH, b + 1, FULLCH);
	expect_tampered(key, c, bn, POUCH_E_DECRYPT);
	/* a chunk repeated in place of another */
	memcpy(c, b, bn);
	memcpy(c + 1 + FULLCH, b + 1, FULLCH);
	expect_tampered(key, c, bn, POUCH_E_DECRYPT);
	/* unknown version */
	memcpy(c, b, bn);
	c[0] = 0x02;
	expect_tampered(key, c, bn, POUCH_E_UNSUPPORTED);
	/* the untouched blob still opens */
	assert_int_equal(pouch_blob_open(key, hash, b, bn, &out, &outn),
	    POUCH_OK);
	assert_int_equal(outn, ptlen);
	assert_memory_equal(out, pt, ptlen);
	pouch_mime_buf_free(out, outn);
	free(c);
	free(b);
	free(pt);
}

static void
test_misuse(void **state)
{
	uint8_t key[32], hash[32], *b = (uint8_t *)1, *out = (uint8_t *)1;
	size_t bn = 7, outn = 7;
	uint64_t sz = 7;

	(void)state;
	assert_int_equal(pouch_blob_seal(NULL, 5, key, hash, &b, &bn),
	    POUCH_E_MISUSE);
	assert_null(b);
	assert_int_equal(bn, 0);
	assert_int_equal(pouch_blob_seal((const uint8_t *)"x", 1, NULL, hash,
	    &b, &bn), POUCH_E_MISUSE);
	assert_int_equal(pouch_blob_open(key, hash, NULL, 0, &out, &outn),
	    POUCH_E_MALFORMED);
	assert_null(out);
	assert_int_equal(pouch_blob_open(NULL, hash, (const uint8_t *)"x", 1,
	    &out, &outn), POUCH_E_MISUSE);
	assert_int_equal(pouch_blob_seal_file(-1, 1, key, hash, &sz),
	    POUCH_E_MISUSE);
	assert_int_equal(sz, 0);
	assert_int_equal(pouch_blob_open_file(0, -1, key, hash, &sz),
	    POUCH_E_MISUSE);
}

static int
tmpfd(char *path, size_t n)
{
	int fd;

	(void)snprintf(path, n, "/tmp/pouch-test-blob-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	return fd;
}

static uint8_t *
slurp(int fd, size_t *n)
{
	off_t end = lseek(fd, 0, SEEK_END);
	uint8_t *p;

	assert_true(end >= 0);
	p = malloc((size_t)end + 1);
	assert_non_null(p);
	assert_int_equal(pread(fd, p, (size_t)end, 0), end);
	*n = (size_t)end;
	return p;
}

static void
test_files_10mib(void **state)
{
	size_t ptlen = (10u << 20) + 12345, bn, outn, n;
	char pin[64], pblob[64], pout[64];
	uint8_t key[32], hash[32], h[32], *pt, *b, *out, *rd;
	uint64_t sz;
	int fin, fblob, fout;

	(void)state;
	pt = rnd(ptlen);
	fin = tmpfd(pin, sizeof(pin));
	fblob = tmpfd(pblob, sizeof(pblob));
	fout = tmpfd(pout, sizeof(pout));
	assert_int_equal(write(fin, pt, ptlen), (ssize_t)ptlen);
	assert_int_equal(lseek(fin, 0, SEEK_SET), 0);

	/* file seal -> in-memory open and file open */
	assert_int_equal(pouch_blob_seal_file(fin, fblob, key, hash, &sz),
	    POUCH_OK);
	assert_int_equal(sz, ptlen);
	b = slurp(fblob, &bn);
	assert_int_equal(bn, pouch_blob_len(ptlen));
	sha256(b, bn, h);
	assert_memory_equal(h, hash, 32);
	indep_open(key, b, bn, pt, ptlen);
	assert_int_equal(pouch_blob_open(key, hash, b, bn, &out, &outn),
	    POUCH_OK);
	assert_int_equal(outn, ptlen);
	assert_memory_equal(out, pt, ptlen);
	pouch_mime_buf_free(out, outn);
	free(b);
	assert_int_equal(lseek(fblob, 0, SEEK_SET), 0);
	assert_int_equal(pouch_blob_open_file(fblob, fout, key, hash, &sz),
	    POUCH_OK);
	assert_int_equal(sz, ptlen);
	rd = slurp(fout, &n);
	assert_int_equal(n, ptlen);
	assert_memory_equal(rd, pt, ptlen);
	free(rd);

	/* wrong hash: BAD_MAC before any plaintext is written */
	assert_int_equal(ftruncate(fout, 0), 0);
	assert_int_equal(lseek(fout, 0, SEEK_SET), 0);
	assert_int_equal(lseek(fblob, 0, SEEK_SET), 0);
	h[0] = hash[0] ^ 1;
	memcpy(h + 1, hash + 1, 31);
	assert_int_equal(pouch_blob_open_file(fblob, fout, key, h, &sz),
	    POUCH_E_BAD_MAC);
	assert_int_equal(lseek(fout, 0, SEEK_END), 0);

	/* in-memory seal -> file open */
	assert_int_equal(pouch_blob_seal(pt, ptlen, key, hash, &b, &bn),
	    POUCH_OK);
	assert_int_equal(ftruncate(fblob, 0), 0);
	assert_int_equal(pwrite(fblob, b, bn, 0), (ssize_t)bn);
	assert_int_equal(lseek(fblob, 0, SEEK_SET), 0);
	assert_int_equal(ftruncate(fout, 0), 0);
	assert_int_equal(lseek(fout, 0, SEEK_SET), 0);
	assert_int_equal(pouch_blob_open_file(fblob, fout, key, hash, &sz),
	    POUCH_OK);
	rd = slurp(fout, &n);
	assert_int_equal(n, ptlen);
	assert_memory_equal(rd, pt, ptlen);
	free(rd);

	/* truncated at a chunk boundary, hash fixed up: DECRYPT */
	bn = 1 + 100 * (size_t)FULLCH;
	sha256(b, bn, h);
	assert_int_equal(ftruncate(fblob, (off_t)bn), 0);
	assert_int_equal(lseek(fblob, 0, SEEK_SET), 0);
	assert_int_equal(pouch_blob_open_file(fblob, fout, key, h, &sz),
	    POUCH_E_DECRYPT);
	free(b);

	/* a file of exactly two chunks: the second is the final one */
	assert_int_equal(ftruncate(fin, 2 * CH), 0);
	assert_int_equal(lseek(fin, 0, SEEK_SET), 0);
	assert_int_equal(ftruncate(fblob, 0), 0);
	assert_int_equal(lseek(fblob, 0, SEEK_SET), 0);
	assert_int_equal(pouch_blob_seal_file(fin, fblob, key, hash, &sz),
	    POUCH_OK);
	assert_int_equal(sz, 2 * CH);
	b = slurp(fblob, &bn);
	assert_int_equal(bn, 1 + 2 * FULLCH);
	indep_open(key, b, bn, pt, 2 * CH);
	free(b);

	/* an empty file */
	assert_int_equal(ftruncate(fin, 0), 0);
	assert_int_equal(lseek(fin, 0, SEEK_SET), 0);
	assert_int_equal(ftruncate(fblob, 0), 0);
	assert_int_equal(lseek(fblob, 0, SEEK_SET), 0);
	assert_int_equal(pouch_blob_seal_file(fin, fblob, key, hash, &sz),
	    POUCH_OK);
	assert_int_equal(sz, 0);
	b = slurp(fblob, &bn);
	assert_int_equal(bn, 17);
	assert_int_equal(pouch_blob_open(key, hash, b, bn, &out, &outn),
	    POUCH_OK);
	assert_int_equal(outn, 0);
	pouch_mime_buf_free(out, outn);
	free(b);

	close(fin);
	close(fblob);
	close(fout);
	unlink(pin);
	unlink(pblob);
	unlink(pout);
	free(pt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_sizes),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_files_10mib),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
