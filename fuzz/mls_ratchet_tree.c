/*
 * mls_ratchet_tree.c - libFuzzer target: ratchet_tree decode (RFC 9420
 * 12.4.3.3) of arbitrary bytes with the default limits.  Any accepted
 * input must re-encode to exactly the same bytes; anything else aborts.
 * Syntax only: tree validation (RFC 9420 7.9, 12.4.3.1) comes from the
 * tree layer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "mls/msg.h"

/*
 * The writer reserves 4 bytes per open vector before it knows the
 * minimal length, so an exact-size maximum would be too tight.
 */
#define SLACK	(4 * POUCH_WR_DEPTH)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pouch_mls_arena a;
	struct pouch_mls_ratchet_tree rt;
	struct pouch_wr w;

	pouch_mls_arena_init_limits(&a, NULL);
	if (pouch_mls_ratchet_tree_from_bytes(&a, NULL, data, size, &rt) ==
	    POUCH_OK) {
		pouch_wr_init(&w, size + SLACK);
		pouch_mls_ratchet_tree_encode(&w, &rt);
		if (pouch_wr_finish(&w) != POUCH_OK || w.len != size ||
		    memcmp(w.buf, data, size) != 0)
			abort();
		pouch_wr_free(&w);
	}
	pouch_mls_arena_free(&a);
	return 0;
}
