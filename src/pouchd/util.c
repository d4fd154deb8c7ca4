/*
 * util.c - small helpers of the server: base64 and hex, whole-file read
 * and durable write, the clock, and a JSON depth pre-scan (jansson has no
 * depth limit of its own below 2048).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "pouchd/pouchd.h"

uint8_t *
pd_b64_decode(const char *s, size_t max, size_t *len)
{
	size_t slen = strlen(s), cap = slen / 4 * 3 + 3, n = 0;
	uint8_t *out;

	*len = 0;
	if (slen == 0 || slen % 4 != 0 || slen / 4 * 3 > max + 2)
		return NULL;
	out = xmalloc(cap);
	if (sodium_base642bin(out, cap, s, slen, NULL, &n, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || n > max) {
		free(out);
		return NULL;
	}
	*len = n;
	return out;
}

char *
pd_b64_encode(const uint8_t *p, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_ORIGINAL);
	char *out = xmalloc(cap);

	sodium_bin2base64(out, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
pd_unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if ((hi = nibble(s[2 * i])) < 0 ||
		    (lo = nibble(s[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

uint8_t *
pd_read_file(const char *path, size_t max, size_t *len)
{
	uint8_t *buf = NULL;
	struct stat sb;
	size_t off = 0;
	ssize_t r;
	int fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &sb) != 0 || sb.st_size < 0 || (size_t)sb.st_size > max)
		goto fail;
	buf = xmalloc((size_t)sb.st_size + 1);
	while (off < (size_t)sb.st_size) {
		r = read(fd, buf + off, (size_t)sb.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto fail;
		off += (size_t)r;
	}
	buf[off] = '\0';	/* text files may be used as strings */
	close(fd);
	*len = off;
	return buf;
fail:
	close(fd);
	if (buf != NULL)
		xfreezero(buf, (size_t)sb.st_size + 1);
	return NULL;
}

int
pd_write_file(const char *path, const uint8_t *p, size_t n, int mode)
{
	char tmp[PD_PATH_MAX + 16], dir[PD_PATH_MAX];
	char *slash;
	size_t off = 0;
	ssize_t w;
	int fd, rc = POUCH_E_IO;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >=
	    sizeof(tmp) || (size_t)snprintf(dir, sizeof(dir), "%s", path) >=
	    sizeof(dir))
		return POUCH_E_MISUSE;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) < 0)
		return POUCH_E_IO;
	while (off < n) {
		w = write(fd, p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto out;
		off += (size_t)w;
	}
	if (fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto out;
	/* the rename itself must survive a crash */
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if ((fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY)) >= 0) {
		if (fsync(fd) == 0)
			rc = POUCH_OK;
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc != POUCH_OK)
		unlink(tmp);
	return rc;
}

int64_t
pd_now(void)
{
	return (int64_t)time(NULL);
}

int
pd_json_depth(const uint8_t *p, size_t n)
{
	int depth = 0, max = 0, in_str = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (in_str) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				in_str = 0;
			continue;
		}
		switch (p[i]) {
		case '"':
			in_str = 1;
			break;
		case '[':
		case '{':
			if (++depth > max)
				max = depth;
			break;
		case ']':
		case '}':
			depth--;
			break;
		}
	}
	return max;
}
