/*
 * bench_blob - attachment blob throughput (src/client/blob.c): sealing
 * and opening a 10 MiB attachment in memory, and through files
 * (pouch_blob_seal_file / pouch_blob_open_file on temporary files).
 * Prints "bench blob_seal_10MiB: X MiB/s" and the like.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "bench.h"
#include "client/blob.h"
#include "client/mime.h"

#define SIZE	(10u << 20)
#define SECONDS	1.0

static void
report(const char *name, double bytes, double elapsed)
{
	printf("bench %s: %.1f MiB/s\n", name,
	    bytes / (1024.0 * 1024.0) / elapsed);
	fflush(stdout);
}

static int
tmpfile_fd(char *path, size_t n)
{
	int fd;

	(void)snprintf(path, n, "/tmp/pouch-bench-blob-XXXXXX");
	if ((fd = mkstemp(path)) < 0) {
		perror("mkstemp");
		exit(1);
	}
	(void)unlink(path);
	return fd;
}

static void
rewind_fd(int fd, int trunc)
{
	if (lseek(fd, 0, SEEK_SET) != 0 || (trunc && ftruncate(fd, 0) != 0)) {
		perror("lseek");
		exit(1);
	}
}

int
main(void)
{
	uint8_t key[32], hash[32], *pt, *blob = NULL, *out;
	size_t bloblen = 0, outlen;
	uint64_t sz;
	double t0, el;
	unsigned ops;
	char path[64];
	int fin, fblob, fout;

	if ((pt = malloc(SIZE)) == NULL || RAND_bytes(pt, SIZE) != 1) {
		fprintf(stderr, "bench_blob: setup failed\n");
		return 1;
	}

	t0 = bench_now();
	ops = 0;
	do {
		free(blob);
		bench_check(pouch_blob_seal(pt, SIZE, key, hash, &blob,
		    &bloblen), "seal");
		ops++;
	} while ((el = bench_now() - t0) < SECONDS);
	report("blob_seal_10MiB", (double)ops * SIZE, el);

	t0 = bench_now();
	ops = 0;
	do {
		bench_check(pouch_blob_open(key, hash, blob, bloblen, &out,
		    &outlen), "open");
		pouch_mime_buf_free(out, outlen);
		ops++;
	} while ((el = bench_now() - t0) < SECONDS);
	report("blob_open_10MiB", (double)ops * SIZE, el);

	fin = tmpfile_fd(path, sizeof(path));
	fblob = tmpfile_fd(path, sizeof(path));
	fout = tmpfile_fd(path, sizeof(path));
	if (write(fin, pt, SIZE) != (ssize_t)SIZE) {
		perror("write");
		return 1;
	}
	t0 = bench_now();
	ops = 0;
	do {
		rewind_fd(fin, 0);
		rewind_fd(fblob, 1);
		bench_check(pouch_blob_seal_file(fin, fblob, key, hash, &sz),
		    "seal_file");
		ops++;
	} while ((el = bench_now() - t0) < SECONDS);
	report("blob_seal_file_10MiB", (double)ops * SIZE, el);

	t0 = bench_now();
	ops = 0;
	do {
		rewind_fd(fblob, 0);
		rewind_fd(fout, 1);
		bench_check(pouch_blob_open_file(fblob, fout, key, hash, &sz),
		    "open_file");
		ops++;
	} while ((el = bench_now() - t0) < SECONDS);
	report("blob_open_file_10MiB", (double)ops * SIZE, el);

	close(fin);
	close(fblob);
	close(fout);
	free(blob);
	free(pt);
	return 0;
}
