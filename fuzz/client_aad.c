/*
 * fuzz/client_aad.c - the authenticated data a member puts on its
 * application messages (src/client/aad.c), as a peer or the server would
 * send it.  A successful parse must re-encode to exactly the input and
 * point inside it.
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
	struct cl_aad a;
	struct pouch_wr w;
	uint8_t *out = NULL;
	size_t outlen = 0;

	if (cl_aad_parse(data, size, &a) != POUCH_OK)
		return 0;
	if (a.notelen > 0 && (a.note < data || a.note + a.notelen >
	    data + size))
		abort();
	pouch_wr_init(&w, CL_AAD_MAX);
	pouch_wr_u8(&w, 1);
	pouch_wr_bytes(&w, a.epoch_check, sizeof(a.epoch_check));
	pouch_wr_opaque(&w, a.note, a.notelen);
	if (pouch_wr_take(&w, &out, &outlen) != POUCH_OK)
		abort();
	if (outlen != size || memcmp(out, data, size) != 0)
		abort();
	pouch_wr_buf_free(out, outlen);
	return 0;
}
