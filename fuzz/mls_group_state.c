/*
 * mls_group_state.c - libFuzzer target: pouch_mls_group_load() of
 * arbitrary bytes (a saved group state read back from disk).  Any
 * accepted input must save again, that save must load, and the two loads
 * must save to the same bytes (canonical form); the loaded group must
 * take an encrypt, a decrypt of garbage and a self-update commit without
 * crashing.  Anything else aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pouch/err.h>

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "mls/group.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pouch_crypto *crypto;

static void
exercise(struct pouch_mls_group *g)
{
	struct pouch_mls_commit_req req;
	uint8_t *ct = NULL, *pt = NULL, *cm = NULL, *wl = NULL;
	size_t ctlen = 0, ptlen = 0, cmlen = 0, wllen = 0;
	uint32_t from;

	if (pouch_mls_group_encrypt(g, NULL, 0, (const uint8_t *)"x", 1, &ct,
	    &ctlen) == POUCH_OK) {
		if (ctlen > 20)
			ct[ctlen - 1] ^= 1;
		if (pouch_mls_group_decrypt(g, ct, ctlen, &pt, &ptlen,
		    &from) == POUCH_OK)
			pouch_wr_buf_free(pt, ptlen);
	}
	pouch_wr_buf_free(ct, ctlen);
	memset(&req, 0, sizeof(req));
	if (pouch_mls_group_commit(g, &req, &cm, &cmlen, &wl, &wllen) ==
	    POUCH_OK && pouch_mls_group_merge_pending(g) != POUCH_OK)
		abort();
	pouch_wr_buf_free(cm, cmlen);
	pouch_wr_buf_free(wl, wllen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pouch_mls_group *g = NULL, *h = NULL;
	uint8_t *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	if (crypto == NULL && pouch_crypto_new(&crypto) != POUCH_OK)
		abort();
	if (pouch_mls_group_load(crypto, data, size, &g) != POUCH_OK) {
		if (g != NULL)
			abort();
		return 0;
	}
	if (pouch_mls_group_save(g, &a, &alen) != POUCH_OK ||
	    pouch_mls_group_load(crypto, a, alen, &h) != POUCH_OK ||
	    pouch_mls_group_save(h, &b, &blen) != POUCH_OK ||
	    alen != blen || memcmp(a, b, alen) != 0)
		abort();
	exercise(g);
	pouch_wr_buf_free(a, alen);
	pouch_wr_buf_free(b, blen);
	pouch_mls_group_free(g);
	pouch_mls_group_free(h);
	return 0;
}
