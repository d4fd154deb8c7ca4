/*
 * codec/hex - lowercase hexadecimal, the form of hashes and keys in text
 * (HTTP paths, MIME parameters, store record names).  Decoding takes
 * exactly 2n lowercase digits and nothing else.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <pouch/err.h>

#include "codec/codec.h"

void
pouch_hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
pouch_unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (s == NULL || strlen(s) != 2 * n)
		return POUCH_E_MALFORMED;
	for (i = 0; i < n; i++) {
		if ((hi = nibble(s[2 * i])) < 0 ||
		    (lo = nibble(s[2 * i + 1])) < 0)
			return POUCH_E_MALFORMED;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return POUCH_OK;
}
