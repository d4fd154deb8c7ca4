/*
 * mls_private_unprotect.c - libFuzzer target: arbitrary bytes unprotected
 * as an MLSMessage (RFC 9420 6) against a fixed group state: suite 1, a
 * 4-leaf secret tree from a fixed encryption_secret, fixed sender-data
 * secret and membership key, and a fixed Ed25519 key for leaf 1 (the
 * other leaves blank).  The tree is made afresh for every input, so runs
 * are reproducible.  Properties, each an abort when broken: no crash;
 * an input that fails leaves the tree byte-identical to the fresh one;
 * an accepted input's decoded MLSMessage re-encodes to exactly the input.
 * The secret tree source is included to snapshot the tree.  The seed
 * corpus holds messages protected by leaf 1 under this same state.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mls/secret_tree.c"

#include "codec/codec.h"
#include "mls/protect.h"

#define FZ_LEAVES	4
#define FZ_SENDER	1

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_state {
	struct pouch_crypto		*c;
	const struct pouch_mls_suite	*s;
	struct pouch_mls_group_context	 gc;
	uint8_t				 group_id[16];
	uint8_t				 hash[32];
	uint8_t				 enc[32];
	uint8_t				 sds[32];
	uint8_t				 mk[32];
	uint8_t				 sig_priv[32];
	uint8_t				 sig_pub[32];
	struct pouch_mls_bytes		 keys[FZ_LEAVES];
};

static void
fz_fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 13 * i);
}

/* The fixed group state, made once. */
static struct fz_state *
fz_state(void)
{
	static struct fz_state st;
	static int ready;

	if (ready)
		return &st;
	if (pouch_crypto_new(&st.c) != POUCH_OK ||
	    (st.s = pouch_mls_suite_get(1)) == NULL)
		abort();
	fz_fill(st.group_id, sizeof(st.group_id), 0x01);
	fz_fill(st.hash, sizeof(st.hash), 0x02);
	fz_fill(st.enc, sizeof(st.enc), 0x03);
	fz_fill(st.sds, sizeof(st.sds), 0x04);
	fz_fill(st.mk, sizeof(st.mk), 0x05);
	fz_fill(st.sig_priv, sizeof(st.sig_priv), 0x06);
	if (pouch_sig_pub_from_priv(st.c, st.s->sig, st.sig_priv,
	    st.sig_pub) != POUCH_OK)
		abort();
	st.gc.version = POUCH_MLS_VERSION_10;
	st.gc.cipher_suite = st.s->id;
	st.gc.group_id.p = st.group_id;
	st.gc.group_id.n = sizeof(st.group_id);
	st.gc.epoch = 42;
	st.gc.tree_hash.p = st.hash;
	st.gc.tree_hash.n = sizeof(st.hash);
	st.gc.confirmed_transcript_hash.p = st.hash;
	st.gc.confirmed_transcript_hash.n = sizeof(st.hash);
	st.keys[FZ_SENDER].p = st.sig_pub;
	st.keys[FZ_SENDER].n = sizeof(st.sig_pub);
	ready = 1;
	return &st;
}

/* A protection context over a fresh tree (*tree, for the caller). */
static void
fz_protect(struct fz_state *st, struct pouch_mls_secret_tree **tree,
    struct pouch_mls_protect_ctx *p)
{
	if (pouch_mls_secret_tree_new(st->s, st->enc, FZ_LEAVES, NULL,
	    tree) != POUCH_OK)
		abort();
	memset(p, 0, sizeof(*p));
	p->c = st->c;
	p->s = st->s;
	p->gc = &st->gc;
	p->membership_key = st->mk;
	p->sender_data_secret = st->sds;
	p->st = *tree;
}

/* Every byte the tree owns (see tests/mls/test_protect.c). */
static void
fz_snap(const struct pouch_mls_secret_tree *t, struct pouch_wr *w)
{
	const struct leaf_ratchets *lr;
	size_t i;
	int k;

	pouch_wr_init(w, SIZE_MAX);
	pouch_wr_bytes(w, t, sizeof(*t));
	pouch_wr_bytes(w, t->slots, t->cap * sizeof(t->slots[0]));
	for (i = 0; i < t->cap; i++) {
		if ((lr = t->slots[i].lr) == NULL)
			continue;
		pouch_wr_bytes(w, lr, sizeof(*lr));
		for (k = 0; k < 2; k++)
			if (lr->r[k].sk != NULL)
				pouch_wr_bytes(w, lr->r[k].sk,
				    lr->r[k].capsk * sizeof(struct skipped));
	}
	if (pouch_wr_finish(w) != POUCH_OK)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_state *st = fz_state();
	struct pouch_mls_secret_tree *tree = NULL;
	struct pouch_mls_received r;
	struct pouch_mls_protect_ctx p;
	struct pouch_wr before, after, w;
	int rc;

	fz_protect(st, &tree, &p);
	fz_snap(tree, &before);
	rc = pouch_mls_message_unprotect(&p, st->keys, FZ_LEAVES, data, size,
	    &r);
	if (rc != POUCH_OK) {
		/* hostile input: no state change */
		fz_snap(tree, &after);
		if (after.len != before.len ||
		    memcmp(after.buf, before.buf, before.len) != 0)
			abort();
		pouch_wr_free(&after);
	} else {
		pouch_wr_init(&w, size + 4 * POUCH_WR_DEPTH);
		pouch_mls_message_encode(&w, &r.msg);
		if (pouch_wr_finish(&w) != POUCH_OK || w.len != size ||
		    memcmp(w.buf, data, size) != 0)
			abort();
		pouch_wr_free(&w);
	}
	pouch_mls_received_clear(&r);
	pouch_wr_free(&before);
	pouch_mls_secret_tree_free(tree);
	return 0;
}
