/*
 * test_protect.c - src/mls/protect.c and protect_private.c (RFC 9420 6).
 *
 * The secret tree source is included so that every failing message can
 * be checked to leave the receiver's tree byte-identical (the whole store,
 * skipped-generation keys included).  Behaviours: round trip of
 * application data, proposals and commits, as PrivateMessage and
 * PublicMessage, in every suite; every byte of a PrivateMessage and of a
 * PublicMessage flipped fails with the code of its region (group_id and
 * epoch: WRONG_EPOCH; sender data, AAD, ciphertext and tag: DECRYPT;
 * signature and membership tag of a PublicMessage: BAD_MAC) and changes
 * nothing, after which the original still opens; a bad signature is
 * BAD_SIGNATURE; replay is REPLAY; out-of-order delivery inside the
 * window works and beyond it is LIMIT; the padding policy; nonzero
 * padding, a key from the wrong ratchet for the content type, a sender
 * data leaf outside the tree and a blank sender leaf are refused; the
 * two-step API and its misuse.  Messages that the library would never
 * build are made here by seal_raw(), an independent encoder written from
 * the RFC text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mls/secret_tree.c"

#include "mls/protect.h"

#define NLEAVES		4
#define SENDER		2
#define STRANGER	0
#define BLANK		3

/* ---- snapshots of the receiver's secret tree ------------------------ */

struct snap {
	uint8_t	*b;
	size_t	 len;
	size_t	 cap;
};

static void
snap_add(struct snap *sn, const void *p, size_t n)
{
	if (sn->len + n > sn->cap) {
		sn->cap = (sn->len + n) * 2;
		sn->b = realloc(sn->b, sn->cap);
		assert_non_null(sn->b);
	}
	memcpy(sn->b + sn->len, p, n);
	sn->len += n;
}

/* Every byte the store owns, pointers included. */
static struct snap
tree_snapshot(const struct pouch_mls_secret_tree *st)
{
	struct snap sn = { NULL, 0, 0 };
	const struct leaf_ratchets *lr;
	size_t i;
	int t;

	snap_add(&sn, st, sizeof(*st));
	snap_add(&sn, st->slots, st->cap * sizeof(st->slots[0]));
	for (i = 0; i < st->cap; i++) {
		if ((lr = st->slots[i].lr) == NULL)
			continue;
		snap_add(&sn, lr, sizeof(*lr));
		for (t = 0; t < 2; t++)
			if (lr->r[t].sk != NULL)
				snap_add(&sn, lr->r[t].sk, lr->r[t].capsk *
				    sizeof(struct skipped));
	}
	return sn;
}

static void
assert_tree_is(struct snap *a, const struct pouch_mls_secret_tree *st)
{
	struct snap b = tree_snapshot(st);

	assert_int_equal(a->len, b.len);
	assert_memory_equal(a->b, b.b, a->len);
	free(b.b);
}

/* ---- fixture: one group epoch, a sender at leaf 2 and a receiver ---- */

struct fx {
	struct pouch_crypto		*c;
	const struct pouch_mls_suite	*s;
	struct pouch_mls_group_context	 gc;
	uint8_t				 group_id[16];
	uint8_t				 hash[POUCH_HASH_MAX];
	uint8_t				 mk[POUCH_HASH_MAX];
	uint8_t				 sds[POUCH_HASH_MAX];
	uint8_t				 enc[POUCH_HASH_MAX];
	uint8_t				 priv[2][POUCH_SIG_PRIV_MAX];
	uint8_t				 pub[2][POUCH_SIG_PUB_MAX];
	struct pouch_sig_key		*key[2];	/* sender, stranger */
	struct pouch_mls_bytes		 keys[NLEAVES];
	struct pouch_mls_secret_tree	*sst, *rst;
	struct pouch_mls_protect_ctx	 ps, pr;	/* sender, receiver */
};

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 7 * i);
}

static struct fx *
fx_new(uint16_t suite, const struct pouch_mls_st_limits *rlim)
{
	struct fx *f = calloc(1, sizeof(*f));
	size_t i, publen;

	assert_non_null(f);
	assert_int_equal(pouch_crypto_new(&f->c), POUCH_OK);
	assert_non_null(f->s = pouch_mls_suite_get(suite));
	fill(f->group_id, sizeof(f->group_id), 0x11);
	fill(f->hash, sizeof(f->hash), 0x22);
	fill(f->mk, sizeof(f->mk), 0x33);
	fill(f->sds, sizeof(f->sds), 0x44);
	fill(f->enc, sizeof(f->enc), 0x55);
	f->gc.version = POUCH_MLS_VERSION_10;
	f->gc.cipher_suite = suite;
	f->gc.group_id.p = f->group_id;
	f->gc.group_id.n = sizeof(f->group_id);
	f->gc.epoch = 7;
	f->gc.tree_hash.p = f->hash;
	f->gc.tree_hash.n = f->s->nh;
	f->gc.confirmed_transcript_hash.p = f->hash;
	f->gc.confirmed_transcript_hash.n = f->s->nh;
	publen = pouch_sig_pub_len(f->s->sig);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pouch_sig_keygen(f->c, f->s->sig, f->priv[i],
		    f->pub[i]), POUCH_OK);
		assert_int_equal(pouch_sig_key_new(f->c, f->s->sig,
		    POUCH_IMPL_DEFAULT, f->priv[i],
		    pouch_sig_priv_len(f->s->sig), &f->key[i]), POUCH_OK);
	}
	f->keys[SENDER].p = f->pub[0];
	f->keys[SENDER].n = publen;
	f->keys[STRANGER].p = f->pub[1];
	f->keys[STRANGER].n = publen;
	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, NLEAVES,
	    NULL, &f->sst), POUCH_OK);
	assert_int_equal(pouch_mls_secret_tree_new(f->s, f->enc, NLEAVES,
	    rlim, &f->rst), POUCH_OK);
	f->ps.c = f->c;
	f->ps.s = f->s;
	f->ps.gc = &f->gc;
	f->ps.membership_key = f->mk;
	f->ps.sender_data_secret = f->sds;
	f->pr = f->ps;
	f->ps.st = f->sst;
	f->pr.st = f->rst;
	return f;
}

static void
fx_free(struct fx *f)
{
	pouch_sig_key_free(f->key[0]);
	pouch_sig_key_free(f->key[1]);
	pouch_mls_secret_tree_free(f->sst);
	pouch_mls_secret_tree_free(f->rst);
	pouch_crypto_free(f->c);
	free(f);
}

/* A FramedContent from the sender; the union is the caller's. */
static struct pouch_mls_framed_content
fc_new(const struct fx *f, uint8_t ct, const char *aad)
{
	struct pouch_mls_framed_content fc;

	memset(&fc, 0, sizeof(fc));
	fc.group_id = f->gc.group_id;
	fc.epoch = f->gc.epoch;
	fc.sender.type = POUCH_MLS_SENDER_MEMBER;
	fc.sender.index = SENDER;
	fc.authenticated_data.p = (const uint8_t *)aad;
	fc.authenticated_data.n = strlen(aad);
	fc.content_type = ct;
	return fc;
}

static struct pouch_mls_framed_content
fc_app(const struct fx *f, const uint8_t *data, size_t n, const char *aad)
{
	struct pouch_mls_framed_content fc = fc_new(f, POUCH_MLS_CT_APPLICATION,
	    aad);

	fc.u.application_data.p = data;
	fc.u.application_data.n = n;
	return fc;
}

static struct pouch_mls_framed_content
fc_remove(const struct fx *f, uint32_t leaf)
{
	struct pouch_mls_framed_content fc = fc_new(f, POUCH_MLS_CT_PROPOSAL,
	    "");

	fc.u.proposal.type = POUCH_MLS_PROP_REMOVE;
	fc.u.proposal.u.remove.removed = leaf;
	return fc;
}

static int
send_app(struct fx *f, const char *text, uint8_t **out, size_t *outlen)
{
	struct pouch_mls_framed_content fc = fc_app(f, (const uint8_t *)text,
	    strlen(text), "aad!");

	return pouch_mls_protect(&f->ps, f->key[0],
	    POUCH_MLS_WF_PRIVATE_MESSAGE, &fc, out, outlen);
}

/* Unprotect at the receiver; the message is cleared again. */
static int
recv_rc(struct fx *f, const uint8_t *buf, size_t len)
{
	struct pouch_mls_received r;
	int rc;

	rc = pouch_mls_message_unprotect(&f->pr, f->keys, NLEAVES, buf, len,
	    &r);
	pouch_mls_received_clear(&r);
	return rc;
}

/* recv_rc must fail with want and leave the receiver's tree as it was. */
static void
recv_fails(struct fx *f, const uint8_t *buf, size_t len, int want)
{
	struct snap sn = tree_snapshot(f->rst);
	int rc = recv_rc(f, buf, len);

	assert_int_not_equal(rc, POUCH_OK);
	if (want != 0)
		assert_int_equal(rc, want);
	assert_tree_is(&sn, f->rst);
	free(sn.b);
}

/* A commit sealed as wf, with a confirmation tag of 0xc7 bytes. */
static int
send_commit(struct fx *f, uint16_t wf, uint8_t *tag, uint8_t **out,
    size_t *outlen)
{
	struct pouch_mls_framed_content fc = fc_new(f, POUCH_MLS_CT_COMMIT,
	    "");
	struct pouch_mls_authenticated_content ac;
	uint8_t sig[POUCH_SIG_MAX];
	size_t siglen;
	struct pouch_mls_protect_ctx *p = &f->ps;

	assert_int_equal(pouch_mls_content_sign(p, f->key[0], wf, &fc, sig,
	    sizeof(sig), &siglen), POUCH_OK);
	memset(tag, 0xc7, f->s->nh);
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = wf;
	ac.content = fc;
	ac.auth.signature.p = sig;
	ac.auth.signature.n = siglen;
	ac.auth.confirmation_tag.p = tag;
	ac.auth.confirmation_tag.n = f->s->nh;
	if (wf == POUCH_MLS_WF_PUBLIC_MESSAGE)
		return pouch_mls_public_message_seal(p, &ac, out, outlen);
	return pouch_mls_private_message_seal(p, &ac, out, outlen);
}

/* ---- an independent PrivateMessage encoder (RFC 9420 6.3) ----------- */

/*
 * Encrypt plaintext pt as a PrivateMessage of content type ct with the
 * key of leaf's ratchet (which need not suit ct), the sender's tree
 * consuming the generation; the SenderData names sd_leaf.
 */
static void
seal_raw(struct fx *f, uint8_t ct, uint32_t leaf, uint32_t sd_leaf,
    int ratchet, const uint8_t *pt, size_t ptlen, uint8_t **out,
    size_t *outlen)
{
	static const uint8_t guard[4] = { 9, 8, 7, 6 };
	struct pouch_mls_message m;
	struct pouch_mls_private_message *pm = &m.u.private_message;
	struct pouch_mls_sender_data sd;
	struct pouch_mls_st_key k;
	struct pouch_wr w, aad;
	uint8_t nonce[POUCH_AEAD_NONCE_BYTES], key[POUCH_AEAD_KEY_MAX];
	uint8_t sdpt[12], esd[28], *ctb;
	size_t n, i;

	assert_int_equal(pouch_mls_secret_tree_get_next(f->c, f->sst, leaf,
	    ratchet, &k), POUCH_OK);
	memset(&m, 0, sizeof(m));
	m.version = POUCH_MLS_VERSION_10;
	m.wire_format = POUCH_MLS_WF_PRIVATE_MESSAGE;
	pm->group_id = f->gc.group_id;
	pm->epoch = f->gc.epoch;
	pm->content_type = ct;
	memcpy(nonce, k.nonce, sizeof(nonce));
	for (i = 0; i < 4; i++)
		nonce[i] ^= guard[i];
	pouch_wr_init(&aad, 1 << 20);
	pouch_mls_private_content_aad_encode(&aad, pm);
	assert_int_equal(pouch_wr_finish(&aad), POUCH_OK);
	assert_non_null(ctb = malloc(ptlen + 16));
	assert_int_equal(pouch_aead_seal(f->c, f->s->aead, k.key, nonce,
	    aad.buf, aad.len, pt, ptlen, ctb, ptlen + 16, &n), POUCH_OK);
	pouch_wr_free(&aad);
	pm->ciphertext.p = ctb;
	pm->ciphertext.n = n;
	sd.leaf_index = sd_leaf;
	sd.generation = k.generation;
	memcpy(sd.reuse_guard, guard, 4);
	pouch_wr_init_buf(&w, sdpt, sizeof(sdpt));
	pouch_mls_sender_data_encode(&w, &sd);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	assert_int_equal(pouch_mls_sender_data_key_nonce(f->c, f->s, f->sds,
	    ctb, n, key, nonce), POUCH_OK);
	pouch_wr_init(&aad, 1 << 20);
	pouch_mls_sender_data_aad_encode(&aad, pm);
	assert_int_equal(pouch_wr_finish(&aad), POUCH_OK);
	assert_int_equal(pouch_aead_seal(f->c, f->s->aead, key, nonce,
	    aad.buf, aad.len, sdpt, sizeof(sdpt), esd, sizeof(esd), &n),
	    POUCH_OK);
	pouch_wr_free(&aad);
	pm->encrypted_sender_data.p = esd;
	pm->encrypted_sender_data.n = n;
	pouch_wr_init(&w, 1 << 20);
	pouch_mls_message_encode(&w, &m);
	assert_int_equal(pouch_wr_take(&w, out, outlen), POUCH_OK);
	free(ctb);
	assert_int_equal(pouch_mls_secret_tree_consume(f->c, f->sst, &k),
	    POUCH_OK);
}

/*
 * A signed application PrivateMessageContent from leaf followed by the
 * padding pad[0..padlen), sealed with seal_raw() under leaf's key; the
 * SenderData names sd_leaf.
 */
static void
seal_app_as(struct fx *f, uint32_t leaf, uint32_t sd_leaf, int ratchet,
    const uint8_t *pad, size_t padlen, uint8_t **out, size_t *outlen)
{
	struct pouch_mls_framed_content fc = fc_app(f,
	    (const uint8_t *)"hello", 5, "");
	struct pouch_mls_private_content pc;
	uint8_t sig[POUCH_SIG_MAX];
	struct pouch_wr w;
	size_t siglen;

	fc.sender.index = leaf;
	assert_int_equal(pouch_mls_content_sign(&f->ps, f->key[0],
	    POUCH_MLS_WF_PRIVATE_MESSAGE, &fc, sig, sizeof(sig), &siglen),
	    POUCH_OK);
	memset(&pc, 0, sizeof(pc));
	pc.content_type = POUCH_MLS_CT_APPLICATION;
	pc.u = fc.u;
	pc.auth.signature.p = sig;
	pc.auth.signature.n = siglen;
	pouch_wr_init(&w, 1 << 20);
	pouch_mls_private_content_encode(&w, &pc);
	pouch_wr_bytes(&w, pad, padlen);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	seal_raw(f, POUCH_MLS_CT_APPLICATION, leaf, sd_leaf, ratchet, w.buf,
	    w.len, out, outlen);
	pouch_wr_free(&w);
}

/* The same, the SenderData naming leaf itself. */
static void
seal_app_raw(struct fx *f, uint32_t leaf, int ratchet, const uint8_t *pad,
    size_t padlen, uint8_t **out, size_t *outlen)
{
	seal_app_as(f, leaf, leaf, ratchet, pad, padlen, out, outlen);
}

/* ---- round trips ---------------------------------------------------- */

static void
check_app(struct fx *f, const uint8_t *data, size_t n)
{
	struct pouch_mls_framed_content fc = fc_app(f, data, n, "ad");
	struct pouch_mls_received r;
	uint8_t *out = NULL;
	size_t outlen;

	assert_int_equal(pouch_mls_protect(&f->ps, f->key[0],
	    POUCH_MLS_WF_PRIVATE_MESSAGE, &fc, &out, &outlen), POUCH_OK);
	assert_int_equal(pouch_mls_message_unprotect(&f->pr, f->keys,
	    NLEAVES, out, outlen, &r), POUCH_OK);
	assert_int_equal(r.ac.wire_format, POUCH_MLS_WF_PRIVATE_MESSAGE);
	assert_int_equal(r.ac.content.content_type, POUCH_MLS_CT_APPLICATION);
	assert_int_equal(r.ac.content.sender.index, SENDER);
	assert_int_equal(r.ac.content.u.application_data.n, n);
	if (n > 0)
		assert_memory_equal(r.ac.content.u.application_data.p, data,
		    n);
	assert_int_equal(r.ac.content.authenticated_data.n, 2);
	assert_memory_equal(r.ac.content.authenticated_data.p, "ad", 2);
	pouch_mls_received_clear(&r);
	pouch_wr_buf_free(out, outlen);
}

static void
check_proposal(struct fx *f, uint16_t wf)
{
	struct pouch_mls_framed_content fc = fc_remove(f, 1);
	struct pouch_mls_received r;
	uint8_t *out = NULL;
	size_t outlen;

	assert_int_equal(pouch_mls_protect(&f->ps, f->key[0], wf, &fc, &out,
	    &outlen), POUCH_OK);
	assert_int_equal(pouch_mls_message_unprotect(&f->pr, f->keys,
	    NLEAVES, out, outlen, &r), POUCH_OK);
	assert_int_equal(r.ac.wire_format, wf);
	assert_int_equal(r.ac.content.content_type, POUCH_MLS_CT_PROPOSAL);
	assert_int_equal(r.ac.content.u.proposal.type, POUCH_MLS_PROP_REMOVE);
	assert_int_equal(r.ac.content.u.proposal.u.remove.removed, 1);
	pouch_mls_received_clear(&r);
	pouch_wr_buf_free(out, outlen);
}

static void
check_commit(struct fx *f, uint16_t wf)
{
	struct pouch_mls_received r;
	uint8_t tag[POUCH_HASH_MAX], *out = NULL;
	size_t outlen;

	assert_int_equal(send_commit(f, wf, tag, &out, &outlen), POUCH_OK);
	assert_int_equal(pouch_mls_message_unprotect(&f->pr, f->keys,
	    NLEAVES, out, outlen, &r), POUCH_OK);
	assert_int_equal(r.ac.content.content_type, POUCH_MLS_CT_COMMIT);
	assert_int_equal(r.ac.auth.confirmation_tag.n, f->s->nh);
	assert_memory_equal(r.ac.auth.confirmation_tag.p, tag, f->s->nh);
	pouch_mls_received_clear(&r);
	pouch_wr_buf_free(out, outlen);
}

static void
round_trip_every_suite(void **state)
{
	static const size_t sizes[] = { 0, 1, 31, 32, 100, 1000, 70000 };
	const uint16_t *ids;
	uint8_t *data;
	size_t nids, i, j;
	struct fx *f;

	(void)state;
	assert_non_null(data = malloc(70000));
	fill(data, 70000, 0x5a);
	ids = pouch_mls_suite_ids(&nids);
	assert_int_equal(nids, 8);	/* 1-7 and the hybrid suite */
	for (i = 0; i < nids; i++) {
		f = fx_new(ids[i], NULL);
		for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++)
			check_app(f, data, sizes[j]);
		check_proposal(f, POUCH_MLS_WF_PRIVATE_MESSAGE);
		check_proposal(f, POUCH_MLS_WF_PUBLIC_MESSAGE);
		check_commit(f, POUCH_MLS_WF_PRIVATE_MESSAGE);
		check_commit(f, POUCH_MLS_WF_PUBLIC_MESSAGE);
		fx_free(f);
	}
	free(data);
}

/* ---- tampering ------------------------------------------------------ */

/* Offset of field p of a message whose decoded copy starts at base. */
static size_t
off(const uint8_t *base, const uint8_t *p)
{
	return (size_t)(p - base);
}

static void
tamper_private_every_byte(void **state)
{
	struct fx *f = fx_new(1, NULL);
	struct pouch_mls_arena a;
	struct pouch_mls_message m;
	const struct pouch_mls_private_message *pm = &m.u.private_message;
	const uint8_t *base;
	uint8_t *out = NULL, *bad;
	size_t outlen, i, gid, ep, ad, esd, ct;
	int want;

	(void)state;
	assert_int_equal(send_app(f, "tamper with me", &out, &outlen),
	    POUCH_OK);
	pouch_mls_arena_init_limits(&a, NULL);
	assert_int_equal(pouch_mls_message_from_bytes(&a, NULL, out, outlen,
	    &m), POUCH_OK);
	/* version 2, wire_format 2, then the 1-byte length of group_id */
	base = pm->group_id.p - 5;
	gid = off(base, pm->group_id.p);
	ep = gid + pm->group_id.n;
	ad = off(base, pm->authenticated_data.p);
	esd = off(base, pm->encrypted_sender_data.p);
	ct = off(base, pm->ciphertext.p);
	assert_int_equal(ct + pm->ciphertext.n, outlen);
	assert_non_null(bad = malloc(outlen));
	for (i = 0; i < outlen; i++) {
		memcpy(bad, out, outlen);
		bad[i] ^= 0x01;
		if (i >= gid && i < ep + 8)
			want = POUCH_E_WRONG_EPOCH;	/* group_id, epoch */
		else if (i >= ad && i < ad + pm->authenticated_data.n)
			want = POUCH_E_DECRYPT;		/* content AAD */
		else if (i >= esd && i < esd + pm->encrypted_sender_data.n)
			want = POUCH_E_DECRYPT;		/* sender data, tag */
		else if (i >= ct)
			want = POUCH_E_DECRYPT;		/* ciphertext, tag */
		else
			want = 0;	/* a length or type: any failure */
		recv_fails(f, bad, outlen, want);
	}
	/* content_type application -> commit: both AADs change */
	memcpy(bad, out, outlen);
	bad[ep + 8] ^= 0x02;
	recv_fails(f, bad, outlen, POUCH_E_DECRYPT);
	/* truncated anywhere */
	for (i = 0; i < outlen; i++)
		recv_fails(f, out, i, 0);
	/* nothing was consumed: the original still opens, once */
	assert_int_equal(recv_rc(f, out, outlen), POUCH_OK);
	recv_fails(f, out, outlen, POUCH_E_REPLAY);
	free(bad);
	pouch_mls_arena_free(&a);
	pouch_wr_buf_free(out, outlen);
	fx_free(f);
}

static void
tamper_public_every_byte(void **state)
{
	struct fx *f = fx_new(1, NULL);
	struct pouch_mls_framed_content fc = fc_remove(f, 1);
	struct pouch_mls_arena a;
	struct pouch_mls_message m;
	const struct pouch_mls_public_message *pm = &m.u.public_message;
	const uint8_t *base;
	uint8_t *out = NULL, *bad;
	size_t outlen, i, gid, ep, sig, tag;
	int want;

	(void)state;
	assert_int_equal(pouch_mls_protect(&f->ps, f->key[0],
	    POUCH_MLS_WF_PUBLIC_MESSAGE, &fc, &out, &outlen), POUCH_OK);
	pouch_mls_arena_init_limits(&a, NULL);
	assert_int_equal(pouch_mls_message_from_bytes(&a, NULL, out, outlen,
	    &m), POUCH_OK);
	base = pm->content.group_id.p - 5;
	gid = off(base, pm->content.group_id.p);
	ep = gid + pm->content.group_id.n;
	sig = off(base, pm->auth.signature.p);
	tag = off(base, pm->membership_tag.p);
	assert_int_equal(tag + pm->membership_tag.n, outlen);
	assert_non_null(bad = malloc(outlen));
	for (i = 0; i < outlen; i++) {
		memcpy(bad, out, outlen);
		bad[i] ^= 0x01;
		if (i >= gid && i < ep + 8)
			want = POUCH_E_WRONG_EPOCH;
		else if (i >= sig && i < sig + pm->auth.signature.n)
			want = POUCH_E_BAD_MAC;		/* TBM covers it */
		else if (i >= tag)
			want = POUCH_E_BAD_MAC;
		else if (i > ep + 8 && i < ep + 8 + 5)
			want = POUCH_E_BAD_MAC;		/* sender leaf */
		else
			want = 0;
		recv_fails(f, bad, outlen, want);
	}
	for (i = 0; i < outlen; i++)
		recv_fails(f, out, i, 0);
	assert_int_equal(recv_rc(f, out, outlen), POUCH_OK);
	/* a PublicMessage consumes nothing: it opens again */
	assert_int_equal(recv_rc(f, out, outlen), POUCH_OK);
	free(bad);
	pouch_mls_arena_free(&a);
	pouch_wr_buf_free(out, outlen);
	fx_free(f);
}

/* A proposal whose signature has one bit flipped, sealed privately. */
static int
bad_signature_private(struct fx *f, uint8_t **out, size_t *outlen)
{
	struct pouch_mls_framed_content fc = fc_remove(f, 1);
	struct pouch_mls_authenticated_content ac;
	uint8_t sig[POUCH_SIG_MAX];
	size_t siglen;

	assert_int_equal(pouch_mls_content_sign(&f->ps, f->key[0],
	    POUCH_MLS_WF_PRIVATE_MESSAGE, &fc, sig, sizeof(sig), &siglen),
	    POUCH_OK);
	sig[siglen / 2] ^= 0x10;
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = POUCH_MLS_WF_PRIVATE_MESSAGE;
	ac.content = fc;
	ac.auth.signature.p = sig;
	ac.auth.signature.n = siglen;
	return pouch_mls_private_message_seal(&f->ps, &ac, out, outlen);
}

static void
wrong_keys_refused(void **state)
{
	struct fx *f = fx_new(1, NULL);
	struct pouch_mls_framed_content fc = fc_remove(f, 1);
	uint8_t *out = NULL, mk[POUCH_HASH_MAX];
	size_t outlen;

	(void)state;
	/* signed by someone else, membership tag right: BAD_SIGNATURE */
	assert_int_equal(pouch_mls_protect(&f->ps, f->key[1],
	    POUCH_MLS_WF_PUBLIC_MESSAGE, &fc, &out, &outlen), POUCH_OK);
	recv_fails(f, out, outlen, POUCH_E_BAD_SIGNATURE);
	pouch_wr_buf_free(out, outlen);
	/* the same as a PrivateMessage, which must not spend the key */
	assert_int_equal(pouch_mls_protect(&f->ps, f->key[1],
	    POUCH_MLS_WF_PRIVATE_MESSAGE, &fc, &out, &outlen), POUCH_OK);
	recv_fails(f, out, outlen, POUCH_E_BAD_SIGNATURE);
	pouch_wr_buf_free(out, outlen);
	/* a signature flipped inside a sound PrivateMessage */
	assert_int_equal(bad_signature_private(f, &out, &outlen), POUCH_OK);
	recv_fails(f, out, outlen, POUCH_E_BAD_SIGNATURE);
	pouch_wr_buf_free(out, outlen);
	/* membership key differs: BAD_MAC */
	assert_int_equal(pouch_mls_protect(&f->ps, f->key[0],
	    POUCH_MLS_WF_PUBLIC_MESSAGE, &fc, &out, &outlen), POUCH_OK);
	memcpy(mk, f->mk, sizeof(mk));
	mk[0] ^= 1;
	f->pr.membership_key = mk;
	recv_fails(f, out, outlen, POUCH_E_BAD_MAC);
	f->pr.membership_key = f->mk;
	assert_int_equal(recv_rc(f, out, outlen), POUCH_OK);
	pouch_wr_buf_free(out, outlen);
	/* sender data secret differs: DECRYPT */
	assert_int_equal(send_app(f, "x", &out, &outlen), POUCH_OK);
	f->pr.sender_data_secret = f->mk;
	recv_fails(f, out, outlen, POUCH_E_DECRYPT);
	f->pr.sender_data_secret = f->sds;
	assert_int_equal(recv_rc(f, out, outlen), POUCH_OK);
	pouch_wr_buf_free(out, outlen);
	fx_free(f);
}

static void
wrong_group_or_epoch(void **state)
{
	struct fx *f = fx_new(1, NULL);
	struct pouch_mls_group_context gc;
	uint8_t gid[16], *out = NULL;
	size_t outlen;

	(void)state;
	assert_int_equal(send_app(f, "x", &out, &outlen), POUCH_OK);
	gc = f->gc;
	f->pr.gc = &gc;
	gc.epoch = 8;
	recv_fails(f, out, outlen, POUCH_E_WRONG_EPOCH);
	gc.epoch = 7;
	memcpy(gid, f->group_id, sizeof(gid));
	gid[15] ^= 0x80;
	gc.group_id.p = gid;
	recv_fails(f, out, outlen, POUCH_E_WRONG_EPOCH);
	gc.group_id.n = 15;
	gc.group_id.p = f->group_id;
	recv_fails(f, out, outlen, POUCH_E_WRONG_EPOCH);
	f->pr.gc = &f->gc;
	assert_int_equal(recv_rc(f, out, outlen), POUCH_OK);
	pouch_wr_buf_free(out, outlen);
	fx_free(f);
}

/* ---- generations ---------------------------------------------------- */

static void
replay_refused(void **state)
{
	struct fx *f = fx_new(1, NULL);
	uint8_t *out = NULL;
	size_t outlen;

	(void)state;
	assert_int_equal(send_app(f, "once", &out, &outlen), POUCH_OK);
	assert_int_equal(recv_rc(f, out, outlen), POUCH_OK);
	recv_fails(f, out, outlen, POUCH_E_REPLAY);
	pouch_wr_buf_free(out, outlen);
	fx_free(f);
}

static void
out_of_order_in_window(void **state)
{
	static const int order[] = { 4, 2, 0, 3, 1 };
	struct pouch_mls_st_limits lim = { 3, 3 };
	struct fx *f = fx_new(1, &lim);
	uint8_t *out[5];
	size_t outlen[5], i;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_int_equal(send_app(f, "m", &out[i], &outlen[i]),
		    POUCH_OK);
	/* generation 4 is 4 ahead of 0: beyond max_forward 3 */
	recv_fails(f, out[4], outlen[4], POUCH_E_LIMIT);
	assert_int_equal(recv_rc(f, out[3], outlen[3]), POUCH_OK);
	for (i = 0; i < 5; i++) {
		if (order[i] == 3)
			continue;
		assert_int_equal(recv_rc(f, out[order[i]],
		    outlen[order[i]]), POUCH_OK);
	}
	for (i = 0; i < 5; i++) {
		recv_fails(f, out[i], outlen[i], POUCH_E_REPLAY);
		pouch_wr_buf_free(out[i], outlen[i]);
	}
	fx_free(f);
}

/* ---- padding -------------------------------------------------------- */

/* Plaintext length of a message made with pad_block block. */
static size_t
padded_len(struct fx *f, uint32_t block, size_t textlen)
{
	struct pouch_mls_framed_content fc;
	struct pouch_mls_arena a;
	struct pouch_mls_message m;
	uint8_t text[300], *out = NULL;
	size_t outlen, n;

	memset(text, 'a', sizeof(text));
	fc = fc_app(f, text, textlen, "");
	f->ps.pad_block = block;
	assert_int_equal(pouch_mls_protect(&f->ps, f->key[0],
	    POUCH_MLS_WF_PRIVATE_MESSAGE, &fc, &out, &outlen), POUCH_OK);
	assert_int_equal(recv_rc(f, out, outlen), POUCH_OK);
	pouch_mls_arena_init_limits(&a, NULL);
	assert_int_equal(pouch_mls_message_from_bytes(&a, NULL, out, outlen,
	    &m), POUCH_OK);
	n = m.u.private_message.ciphertext.n - POUCH_AEAD_TAG_BYTES;
	pouch_mls_arena_free(&a);
	pouch_wr_buf_free(out, outlen);
	return n;
}

/* pouch_mls_protect()'s result for a small application message. */
static int
protect_rc(struct fx *f)
{
	struct pouch_mls_framed_content fc = fc_app(f, (const uint8_t *)"x",
	    1, "");
	uint8_t *out = NULL;
	size_t outlen = 0;
	int rc;

	rc = pouch_mls_protect(&f->ps, f->key[0], POUCH_MLS_WF_PRIVATE_MESSAGE,
	    &fc, &out, &outlen);
	pouch_wr_buf_free(out, outlen);
	return rc;
}

static void
padding_policy(void **state)
{
	struct fx *f = fx_new(1, NULL);
	size_t t, bare;

	(void)state;
	for (t = 0; t < 300; t += 7) {
		/* text and signature<V>, 64 bytes behind a 2-byte varint */
		bare = (t < 64 ? 1 : 2) + t + 2 + 64;
		assert_int_equal(padded_len(f, 1, t), bare);
		assert_int_equal(padded_len(f, 0, t) % 32, 0);
		assert_true(padded_len(f, 0, t) - bare < 32);
		assert_int_equal(padded_len(f, 100, t) % 100, 0);
		assert_true(padded_len(f, 100, t) - bare < 100);
	}
	f->ps.pad_block = POUCH_MLS_PAD_BLOCK_MAX + 1;
	assert_int_equal(protect_rc(f), POUCH_E_MISUSE);
	fx_free(f);
}

static void
nonzero_padding_refused(void **state)
{
	static const uint8_t zero[3], one[3] = { 0, 0, 1 };
	struct fx *f = fx_new(1, NULL);
	uint8_t *out = NULL;
	size_t outlen;

	(void)state;
	/* the encoder is right: zero padding opens */
	seal_app_raw(f, SENDER, POUCH_MLS_RATCHET_APPLICATION, zero,
	    sizeof(zero), &out, &outlen);
	assert_int_equal(recv_rc(f, out, outlen), POUCH_OK);
	pouch_wr_buf_free(out, outlen);
	seal_app_raw(f, SENDER, POUCH_MLS_RATCHET_APPLICATION, one,
	    sizeof(one), &out, &outlen);
	recv_fails(f, out, outlen, POUCH_E_MALFORMED);
	pouch_wr_buf_free(out, outlen);
	fx_free(f);
}

/* ---- senders and ratchets ------------------------------------------- */

static void
wrong_ratchet_for_content_type(void **state)
{
	struct fx *f = fx_new(1, NULL);
	uint8_t *out = NULL;
	size_t outlen;

	(void)state;
	/* application content under the handshake ratchet's key */
	seal_app_raw(f, SENDER, POUCH_MLS_RATCHET_HANDSHAKE, NULL, 0, &out,
	    &outlen);
	recv_fails(f, out, outlen, POUCH_E_DECRYPT);
	pouch_wr_buf_free(out, outlen);
	/* and the application ratchet, generation 0, still works */
	seal_app_raw(f, SENDER, POUCH_MLS_RATCHET_APPLICATION, NULL, 0, &out,
	    &outlen);
	assert_int_equal(recv_rc(f, out, outlen), POUCH_OK);
	pouch_wr_buf_free(out, outlen);
	fx_free(f);
}

static void
sender_leaf_checked(void **state)
{
	struct fx *f = fx_new(1, NULL);
	struct pouch_mls_received r;
	uint8_t *out = NULL;
	size_t outlen;

	(void)state;
	/* a blank leaf (the message itself is sound) */
	seal_app_raw(f, BLANK, POUCH_MLS_RATCHET_APPLICATION, NULL, 0, &out,
	    &outlen);
	recv_fails(f, out, outlen, POUCH_E_UNKNOWN_SENDER);
	/* the two-step API leaves that lookup to the caller */
	assert_int_equal(pouch_mls_message_open(&f->pr, out, outlen, &r),
	    POUCH_OK);
	assert_int_equal(r.ac.content.sender.index, BLANK);
	pouch_mls_received_clear(&r);
	pouch_wr_buf_free(out, outlen);
	/* SenderData naming a leaf outside the tree, or another leaf */
	seal_app_as(f, SENDER, 99, POUCH_MLS_RATCHET_APPLICATION, NULL, 0,
	    &out, &outlen);
	recv_fails(f, out, outlen, POUCH_E_MALFORMED);
	pouch_wr_buf_free(out, outlen);
	seal_app_as(f, SENDER, STRANGER, POUCH_MLS_RATCHET_APPLICATION, NULL,
	    0, &out, &outlen);
	recv_fails(f, out, outlen, POUCH_E_DECRYPT);
	pouch_wr_buf_free(out, outlen);
	/* a table too short for the leaf */
	assert_int_equal(send_app(f, "x", &out, &outlen), POUCH_OK);
	assert_int_equal(pouch_mls_message_unprotect(&f->pr, f->keys, SENDER,
	    out, outlen, &r), POUCH_E_UNKNOWN_SENDER);
	pouch_mls_received_clear(&r);
	/* the right key, but for the stranger's leaf */
	assert_int_equal(pouch_mls_message_open(&f->pr, out, outlen, &r),
	    POUCH_OK);
	assert_int_equal(pouch_mls_message_verify(&f->pr, &r, f->pub[1],
	    f->keys[STRANGER].n), POUCH_E_BAD_SIGNATURE);
	pouch_mls_received_clear(&r);
	assert_int_equal(recv_rc(f, out, outlen), POUCH_OK);
	pouch_wr_buf_free(out, outlen);
	fx_free(f);
}

static void
two_step_and_misuse(void **state)
{
	struct fx *f = fx_new(1, NULL);
	struct pouch_mls_framed_content fc = fc_app(f, (const uint8_t *)"x",
	    1, "");
	struct pouch_mls_received r;
	uint8_t *out = NULL, *o2 = NULL, tag[POUCH_HASH_MAX];
	size_t outlen, o2len = 0;
	struct snap sn;

	(void)state;
	/* application data is never a PublicMessage, commits need a tag */
	assert_int_equal(pouch_mls_protect(&f->ps, f->key[0],
	    POUCH_MLS_WF_PUBLIC_MESSAGE, &fc, &o2, &o2len), POUCH_E_MISUSE);
	assert_null(o2);
	fc = fc_new(f, POUCH_MLS_CT_COMMIT, "");
	assert_int_equal(pouch_mls_protect(&f->ps, f->key[0],
	    POUCH_MLS_WF_PRIVATE_MESSAGE, &fc, &o2, &o2len), POUCH_E_MISUSE);
	fc = fc_app(f, (const uint8_t *)"x", 1, "");
	fc.epoch = 6;
	assert_int_equal(pouch_mls_protect(&f->ps, f->key[0],
	    POUCH_MLS_WF_PRIVATE_MESSAGE, &fc, &o2, &o2len), POUCH_E_MISUSE);
	/* open changes nothing; verify consumes; a second verify is misuse */
	assert_int_equal(send_app(f, "two steps", &out, &outlen), POUCH_OK);
	sn = tree_snapshot(f->rst);
	assert_int_equal(pouch_mls_message_open(&f->pr, out, outlen, &r),
	    POUCH_OK);
	assert_tree_is(&sn, f->rst);
	assert_int_equal(r.ac.content.sender.type, POUCH_MLS_SENDER_MEMBER);
	assert_int_equal(r.ac.content.sender.index, SENDER);
	assert_int_equal(pouch_mls_message_verify(&f->pr, &r, f->pub[0],
	    f->keys[SENDER].n), POUCH_OK);
	assert_int_equal(pouch_mls_message_verify(&f->pr, &r, f->pub[0],
	    f->keys[SENDER].n), POUCH_E_MISUSE);
	pouch_mls_received_clear(&r);
	free(sn.b);
	/* a PrivateMessage needs the tree and the sender data secret */
	f->pr.st = NULL;
	assert_int_equal(pouch_mls_message_open(&f->pr, out, outlen, &r),
	    POUCH_E_MISUSE);
	f->pr.st = f->rst;
	pouch_wr_buf_free(out, outlen);
	/* a Welcome-shaped or empty input is not a framed message */
	assert_int_equal(pouch_mls_message_open(&f->pr, NULL, 0, &r),
	    POUCH_E_TRUNCATED);
	assert_int_equal(send_commit(f, POUCH_MLS_WF_PUBLIC_MESSAGE, tag,
	    &out, &outlen), POUCH_OK);
	out[3] = POUCH_MLS_WF_WELCOME;
	assert_int_not_equal(recv_rc(f, out, outlen), POUCH_OK);
	pouch_wr_buf_free(out, outlen);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_every_suite),
		cmocka_unit_test(tamper_private_every_byte),
		cmocka_unit_test(tamper_public_every_byte),
		cmocka_unit_test(wrong_keys_refused),
		cmocka_unit_test(wrong_group_or_epoch),
		cmocka_unit_test(replay_refused),
		cmocka_unit_test(out_of_order_in_window),
		cmocka_unit_test(padding_policy),
		cmocka_unit_test(nonzero_padding_refused),
		cmocka_unit_test(wrong_ratchet_for_content_type),
		cmocka_unit_test(sender_leaf_checked),
		cmocka_unit_test(two_step_and_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
