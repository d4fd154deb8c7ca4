/*
 * fuzz/client_control.c - cl_control_parse (src/client/conv.c) over
 * arbitrary bytes: a member's decrypted application message.  A title it
 * accepts must be short, without control characters, and re-encode to
 * exactly the input.  Any violation abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pouch/err.h>

#include "client/client_int.h"
#include "codec/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t magic[15] = {
		0, 'p', 'o', 'u', 'c', 'h', '-', 'c', 'o', 'n', 't', 'r',
		'o', 'l', 0
	};
	char title[POUCH_CSTORE_TITLE_MAX + 1];
	struct pouch_wr w;
	uint8_t *out = NULL;
	size_t outlen = 0, i, n;
	int rc;

	rc = cl_control_parse(data, size, title);
	if (rc == POUCH_E_NOT_FOUND) {
		if (size >= sizeof(magic) &&
		    memcmp(data, magic, sizeof(magic)) == 0)
			abort();	/* a control message taken for mail */
		return 0;
	}
	if (rc != POUCH_OK) {
		if (title[0] != '\0')
			abort();
		return 0;
	}
	n = strlen(title);
	if (n > POUCH_CSTORE_TITLE_MAX)
		abort();
	for (i = 0; i < n; i++)
		if ((uint8_t)title[i] < 0x20 || (uint8_t)title[i] == 0x7f)
			abort();
	pouch_wr_init(&w, 1024);
	pouch_wr_bytes(&w, magic, sizeof(magic));
	pouch_wr_u8(&w, 1);
	pouch_wr_opaque(&w, "title", 5);
	pouch_wr_opaque(&w, title, n);
	if (pouch_wr_take(&w, &out, &outlen) != POUCH_OK)
		abort();
	if (outlen != size || memcmp(out, data, size) != 0)
		abort();
	pouch_wr_buf_free(out, outlen);
	return 0;
}
