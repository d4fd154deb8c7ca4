/*
 * fuzz/client_ident.c - the Pouch identity a member device puts in its
 * MLS credential (src/client/ident.c), as a peer or the server would
 * send it: parse, then check the cross-signature against the first 32
 * input bytes taken as the leaf's signature key.  A successful parse
 * must give a user of the allowed charset and re-encode to the same
 * bytes; a check must never succeed on a parse failure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pouch/err.h>

#include "client/client_int.h"
#include "codec/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pouch_crypto *c;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cl_ident id, id2;
	struct pouch_wr w;
	uint8_t key[32];
	int prc, crc;

	if (c == NULL && pouch_crypto_new(&c) != POUCH_OK)
		abort();
	memset(key, 0, sizeof(key));
	memcpy(key, data, size < 32 ? size : 32);
	prc = cl_ident_parse(data, size, &id);
	crc = cl_ident_check(c, data, size, key, sizeof(key), &id2);
	if (prc != POUCH_OK) {
		if (crc == POUCH_OK)
			abort();
		return 0;
	}
	if (!cl_user_ok(id.user))
		abort();
	/* canonical: the fields encode back to exactly the input */
	pouch_wr_init(&w, 1024);
	pouch_wr_opaque(&w, "pouch id v1", 11);
	pouch_wr_opaque(&w, id.user, strlen(id.user));
	pouch_wr_u64(&w, (uint64_t)id.device_id);
	pouch_wr_opaque(&w, id.account_key, 32);
	pouch_wr_opaque(&w, id.cross_sig, 64);
	if (pouch_wr_finish(&w) != POUCH_OK || w.len != size ||
	    memcmp(w.buf, data, size) != 0)
		abort();
	pouch_wr_free(&w);
	return 0;
}
