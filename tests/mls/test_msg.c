/*
 * test_msg.c - the RFC 9420 wire structures (src/mls/msg*.c).
 *
 * Hand-built structures of every kind are encoded, decoded and encoded
 * again (decode(encode(x)) keeps every field; encode(decode(b)) == b);
 * the encodings of a KeyPackage, a Commit and MLSMessages of every
 * variant are cut at every byte (TRUNCATED, reader unmoved, no overread
 * under ASan since each prefix is its own heap copy), followed by a byte
 * (TRAILING), pushed over each cap (TOO_LARGE), given unknown proposal and
 * credential types (UNSUPPORTED), bad enum values and presence octets and
 * non-minimal varints (MALFORMED), and decoded with the n-th arena
 * allocation failing for every n (NOMEM, then success; ASan sees no
 * leak).  Unknown extension types survive a round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/codec.h"
#include "mls/msg.h"

#define B(x)	((struct pouch_mls_bytes){ (x), sizeof(x) })
#define NELEM(x)	(sizeof(x) / sizeof((x)[0]))

/* ---- fixtures ------------------------------------------------------------ */

static const uint8_t k_enc[32] = { 0x11, 0x12, 0x13, 0x14, 0x15 };
static const uint8_t k_sig[32] = { 0x21, 0x22, 0x23 };
static const uint8_t k_init[32] = { 0x31, 0x32 };
static const uint8_t sig64[64] = { 0x41, 0x42, 0x43, 0x44 };
static const uint8_t h32[32] = { 0x51, 0x52, 0x53 };
static const uint8_t gid[] = "group-id";
static const uint8_t ident[] = "alice@example";
static const uint8_t cert1[] = "certificate one";
static const uint8_t cert2[] = "certificate two, longer";
static const uint8_t unk_data[] = "opaque payload of an unknown extension";
static const uint8_t appid_data[] = { 0x03, 'a', 'p', 'p' };
static const uint8_t aad[] = "authenticated data";
static const uint8_t app[] = "hello, group";
static const uint8_t ct48[48] = { 0x61, 0x62 };

static uint16_t cap_versions[] = { 1 };
static uint16_t cap_suites[] = { 1, 2, 3 };
static uint16_t cap_exts[] = { 0xff00, 0x0a0a };
static uint16_t cap_props[] = { 0xfff0 };
static uint16_t cap_creds[] = { 1, 2 };
static struct pouch_mls_bytes certs[2];
static struct pouch_mls_extension exts[2];
static uint32_t unmerged[] = { 1, 3 };

static void
fixtures(void)
{
	certs[0] = B(cert1);
	certs[1] = B(cert2);
	exts[0].type = 0xff00;			/* unknown */
	exts[0].data = B(unk_data);
	exts[1].type = POUCH_MLS_EXT_APPLICATION_ID;
	exts[1].data = B(appid_data);
}

static void
make_leaf(struct pouch_mls_leaf_node *ln, uint8_t source, int x509)
{
	memset(ln, 0, sizeof(*ln));
	ln->encryption_key = B(k_enc);
	ln->signature_key = B(k_sig);
	if (x509) {
		ln->credential.type = POUCH_MLS_CRED_X509;
		ln->credential.certs = certs;
		ln->credential.ncerts = NELEM(certs);
	} else {
		ln->credential.type = POUCH_MLS_CRED_BASIC;
		ln->credential.identity = B(ident);
	}
	ln->capabilities.versions = (struct pouch_mls_u16s){ cap_versions, 1 };
	ln->capabilities.cipher_suites =
	    (struct pouch_mls_u16s){ cap_suites, NELEM(cap_suites) };
	ln->capabilities.extensions =
	    (struct pouch_mls_u16s){ cap_exts, NELEM(cap_exts) };
	ln->capabilities.proposals = (struct pouch_mls_u16s){ cap_props, 1 };
	ln->capabilities.credentials = (struct pouch_mls_u16s){ cap_creds, 2 };
	ln->source = source;
	if (source == POUCH_MLS_LEAF_KEY_PACKAGE) {
		ln->lifetime.not_before = 1000;
		ln->lifetime.not_after = UINT64_C(0xfffffffffffffff0);
	} else if (source == POUCH_MLS_LEAF_COMMIT) {
		ln->parent_hash = B(h32);
	}
	ln->extensions = (struct pouch_mls_extensions){ exts, NELEM(exts) };
	ln->signature = B(sig64);
}

static void
make_key_package(struct pouch_mls_key_package *kp)
{
	memset(kp, 0, sizeof(*kp));
	kp->version = POUCH_MLS_VERSION_10;
	kp->cipher_suite = 1;
	kp->init_key = B(k_init);
	make_leaf(&kp->leaf_node, POUCH_MLS_LEAF_KEY_PACKAGE, 1);
	kp->extensions = (struct pouch_mls_extensions){ exts, 1 };
	kp->signature = B(sig64);
}

static struct pouch_mls_proposal_or_ref props[10];
static struct pouch_mls_hpke_ciphertext cts[3];
static struct pouch_mls_update_path_node path_nodes[2];

static void
make_commit(struct pouch_mls_commit *c, int with_path)
{
	struct pouch_mls_proposal *p;
	size_t i;

	memset(props, 0, sizeof(props));
	for (i = 0; i < 9; i++)
		props[i].type = POUCH_MLS_POR_PROPOSAL;
	p = &props[0].u.proposal;
	p->type = POUCH_MLS_PROP_ADD;
	make_key_package(&p->u.add.key_package);
	p = &props[1].u.proposal;
	p->type = POUCH_MLS_PROP_UPDATE;
	make_leaf(&p->u.update.leaf_node, POUCH_MLS_LEAF_UPDATE, 0);
	p = &props[2].u.proposal;
	p->type = POUCH_MLS_PROP_REMOVE;
	p->u.remove.removed = 0x01020304;
	p = &props[3].u.proposal;
	p->type = POUCH_MLS_PROP_PSK;
	p->u.psk.psk.type = POUCH_MLS_PSKTYPE_EXTERNAL;
	p->u.psk.psk.psk_id = B(ident);
	p->u.psk.psk.psk_nonce = B(h32);
	p = &props[4].u.proposal;
	p->type = POUCH_MLS_PROP_PSK;
	p->u.psk.psk.type = POUCH_MLS_PSKTYPE_RESUMPTION;
	p->u.psk.psk.usage = POUCH_MLS_USAGE_BRANCH;
	p->u.psk.psk.psk_group_id = B(gid);
	p->u.psk.psk.psk_epoch = UINT64_C(0x0102030405060708);
	p->u.psk.psk.psk_nonce = B(h32);
	p = &props[5].u.proposal;
	p->type = POUCH_MLS_PROP_REINIT;
	p->u.reinit.group_id = B(gid);
	p->u.reinit.version = 1;
	p->u.reinit.cipher_suite = 3;
	p->u.reinit.extensions = (struct pouch_mls_extensions){ exts, 2 };
	p = &props[6].u.proposal;
	p->type = POUCH_MLS_PROP_EXTERNAL_INIT;
	p->u.external_init.kem_output = B(k_enc);
	p = &props[7].u.proposal;
	p->type = POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS;
	p->u.gce.extensions = (struct pouch_mls_extensions){ NULL, 0 };
	p = &props[8].u.proposal;
	p->type = POUCH_MLS_PROP_GROUP_CONTEXT_EXTENSIONS;
	p->u.gce.extensions = (struct pouch_mls_extensions){ exts, 2 };
	props[9].type = POUCH_MLS_POR_REFERENCE;
	props[9].u.reference = B(h32);

	memset(c, 0, sizeof(*c));
	c->proposals = props;
	c->nproposals = NELEM(props);
	if (!with_path)
		return;
	for (i = 0; i < NELEM(cts); i++) {
		cts[i].kem_output = B(k_enc);
		cts[i].ciphertext = B(ct48);
	}
	path_nodes[0].encryption_key = B(k_enc);
	path_nodes[0].secrets = cts;
	path_nodes[0].nsecrets = 1;
	path_nodes[1].encryption_key = B(k_init);
	path_nodes[1].secrets = cts;
	path_nodes[1].nsecrets = 3;
	c->has_path = 1;
	make_leaf(&c->path.leaf_node, POUCH_MLS_LEAF_COMMIT, 0);
	c->path.nodes = path_nodes;
	c->path.n = NELEM(path_nodes);
}

static void
make_group_context(struct pouch_mls_group_context *gc)
{
	memset(gc, 0, sizeof(*gc));
	gc->version = 1;
	gc->cipher_suite = 1;
	gc->group_id = B(gid);
	gc->epoch = 42;
	gc->tree_hash = B(h32);
	gc->confirmed_transcript_hash = B(h32);
	gc->extensions = (struct pouch_mls_extensions){ exts, 2 };
}

static void
make_public_commit(struct pouch_mls_message *m, uint8_t sender_type)
{
	struct pouch_mls_public_message *pm = &m->u.public_message;

	memset(m, 0, sizeof(*m));
	m->version = POUCH_MLS_VERSION_10;
	m->wire_format = POUCH_MLS_WF_PUBLIC_MESSAGE;
	pm->content.group_id = B(gid);
	pm->content.epoch = 7;
	pm->content.sender.type = sender_type;
	pm->content.sender.index = sender_type <= 2 ? 5 : 0;
	pm->content.authenticated_data = B(aad);
	pm->content.content_type = POUCH_MLS_CT_COMMIT;
	make_commit(&pm->content.u.commit, 1);
	pm->auth.signature = B(sig64);
	pm->auth.confirmation_tag = B(h32);
	if (sender_type == POUCH_MLS_SENDER_MEMBER)
		pm->membership_tag = B(h32);
}

static struct pouch_mls_encrypted_group_secrets egs[2];
static struct pouch_mls_psk_id psks[2];
static struct pouch_mls_node tree_nodes[3];
static struct pouch_mls_node *tree_slots[7];

static void
make_tree(struct pouch_mls_ratchet_tree *rt)
{
	memset(tree_nodes, 0, sizeof(tree_nodes));
	memset(tree_slots, 0, sizeof(tree_slots));
	tree_nodes[0].type = POUCH_MLS_NODE_LEAF;
	make_leaf(&tree_nodes[0].u.leaf, POUCH_MLS_LEAF_COMMIT, 0);
	tree_nodes[1].type = POUCH_MLS_NODE_PARENT;
	tree_nodes[1].u.parent.encryption_key = B(k_enc);
	tree_nodes[1].u.parent.parent_hash = B(h32);
	tree_nodes[1].u.parent.unmerged_leaves = unmerged;
	tree_nodes[1].u.parent.nunmerged = NELEM(unmerged);
	tree_nodes[2].type = POUCH_MLS_NODE_LEAF;
	make_leaf(&tree_nodes[2].u.leaf, POUCH_MLS_LEAF_KEY_PACKAGE, 1);
	tree_slots[0] = &tree_nodes[0];
	tree_slots[3] = &tree_nodes[1];
	tree_slots[6] = &tree_nodes[2];
	rt->nodes = tree_slots;
	rt->n = NELEM(tree_slots);
}

/* Fill m as the variant wf; every variant the test suite uses. */
static void
make_message(struct pouch_mls_message *m, uint16_t wf)
{
	struct pouch_mls_private_message *pv = &m->u.private_message;
	struct pouch_mls_welcome *wl = &m->u.welcome;
	struct pouch_mls_group_info *gi = &m->u.group_info;
	size_t i;

	if (wf == POUCH_MLS_WF_PUBLIC_MESSAGE) {
		make_public_commit(m, POUCH_MLS_SENDER_MEMBER);
		return;
	}
	memset(m, 0, sizeof(*m));
	m->version = POUCH_MLS_VERSION_10;
	m->wire_format = wf;
	switch (wf) {
	case POUCH_MLS_WF_PRIVATE_MESSAGE:
		pv->group_id = B(gid);
		pv->epoch = 9;
		pv->content_type = POUCH_MLS_CT_APPLICATION;
		pv->authenticated_data = B(aad);
		pv->encrypted_sender_data = B(h32);
		pv->ciphertext = B(ct48);
		break;
	case POUCH_MLS_WF_WELCOME:
		for (i = 0; i < NELEM(egs); i++) {
			egs[i].new_member = B(h32);
			egs[i].encrypted_group_secrets.kem_output = B(k_enc);
			egs[i].encrypted_group_secrets.ciphertext = B(ct48);
		}
		wl->cipher_suite = 2;
		wl->secrets = egs;
		wl->nsecrets = NELEM(egs);
		wl->encrypted_group_info = B(ct48);
		break;
	case POUCH_MLS_WF_GROUP_INFO:
		make_group_context(&gi->group_context);
		gi->extensions = (struct pouch_mls_extensions){ exts, 1 };
		gi->confirmation_tag = B(h32);
		gi->signer = 3;
		gi->signature = B(sig64);
		break;
	case POUCH_MLS_WF_KEY_PACKAGE:
		make_key_package(&m->u.key_package);
		break;
	}
}

/* ---- helpers ------------------------------------------------------------ */

/* A heap copy of exactly n bytes (never NULL), so ASan catches overreads. */
static uint8_t *
dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	assert_non_null(c);
	if (n > 0)
		memcpy(c, p, n);
	return c;
}

enum kind { K_MESSAGE, K_KEY_PACKAGE, K_COMMIT, K_TREE, K_SECRETS };

union any {
	struct pouch_mls_message	m;
	struct pouch_mls_key_package	kp;
	struct pouch_mls_commit		c;
	struct pouch_mls_ratchet_tree	rt;
	struct pouch_mls_group_secrets	gs;
};

static void
encode_any(struct pouch_wr *w, enum kind k, const union any *u)
{
	switch (k) {
	case K_MESSAGE:
		pouch_mls_message_encode(w, &u->m);
		break;
	case K_KEY_PACKAGE:
		pouch_mls_key_package_encode(w, &u->kp);
		break;
	case K_COMMIT:
		pouch_mls_commit_encode(w, &u->c);
		break;
	case K_TREE:
		pouch_mls_ratchet_tree_encode(w, &u->rt);
		break;
	case K_SECRETS:
		pouch_mls_group_secrets_encode(w, &u->gs);
		break;
	}
}

static int
decode_any(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, enum kind k, union any *u)
{
	switch (k) {
	case K_MESSAGE:
		return pouch_mls_message_decode(r, a, lim, &u->m);
	case K_KEY_PACKAGE:
		return pouch_mls_key_package_decode(r, a, lim, &u->kp);
	case K_COMMIT:
		return pouch_mls_commit_decode(r, a, lim, &u->c);
	case K_TREE:
		return pouch_mls_ratchet_tree_decode(r, a, lim, &u->rt);
	case K_SECRETS:
		return pouch_mls_group_secrets_decode(r, a, lim, &u->gs);
	}
	return POUCH_E_MISUSE;
}

/* Encode u into a fresh heap buffer the caller frees. */
static uint8_t *
encode_buf(enum kind k, const union any *u, size_t *n)
{
	struct pouch_wr w;
	uint8_t *b;

	pouch_wr_init(&w, 1U << 24);
	encode_any(&w, k, u);
	assert_int_equal(pouch_wr_take(&w, &b, n), POUCH_OK);
	return b;
}

/*
 * Decode b[0..n) whole as kind k with lim (NULL: defaults) from a heap
 * copy; on success re-encode and require the same bytes.  Returns the
 * decode error.  The reader must not move on failure.
 */
static int
try_decode(enum kind k, const uint8_t *b, size_t n,
    const struct pouch_mls_limits *lim, unsigned long fail_at)
{
	struct pouch_mls_arena a;
	struct pouch_rd r, r0;
	union any u;
	uint8_t *copy = dup_bytes(b, n), *re;
	size_t relen;
	int rc;

	if (lim == NULL)
		lim = pouch_mls_limits_default();
	pouch_mls_arena_init(&a, lim->decoded_max);
	a.fail_at = fail_at;
	pouch_rd_init(&r, copy, n);
	r0 = r;
	memset(&u, 0xee, sizeof(u));
	if ((rc = decode_any(&r, &a, lim, k, &u)) == POUCH_OK)
		rc = pouch_rd_done(&r);
	if (rc == POUCH_OK) {
		re = encode_buf(k, &u, &relen);
		assert_int_equal(relen, n);
		assert_memory_equal(re, b, n);
		pouch_wr_buf_free(re, relen);
	} else if (r.p != r0.p || r.end != r0.end) {
		/* a failed decode never moves the reader (TRAILING aside) */
		assert_int_equal(rc, POUCH_E_TRAILING);
	}
	pouch_mls_arena_free(&a);
	free(copy);
	return rc;
}

/* ---- round trips ------------------------------------------------------- */

static void
roundtrip_key_package(void **state)
{
	struct pouch_mls_arena a;
	struct pouch_mls_key_package kp;
	union any u;
	const struct pouch_mls_leaf_node *ln;
	uint8_t *b;
	size_t n;

	(void)state;
	make_key_package(&u.kp);
	b = encode_buf(K_KEY_PACKAGE, &u, &n);
	pouch_mls_arena_init_limits(&a, NULL);
	assert_int_equal(pouch_mls_key_package_from_bytes(&a, NULL, b, n, &kp),
	    POUCH_OK);
	/* decode(encode(x)) keeps the fields */
	assert_int_equal(kp.version, 1);
	assert_int_equal(kp.cipher_suite, 1);
	assert_int_equal(kp.init_key.n, sizeof(k_init));
	assert_memory_equal(kp.init_key.p, k_init, sizeof(k_init));
	ln = &kp.leaf_node;
	assert_int_equal(ln->credential.type, POUCH_MLS_CRED_X509);
	assert_int_equal(ln->credential.ncerts, 2);
	assert_memory_equal(ln->credential.certs[1].p, cert2, sizeof(cert2));
	assert_int_equal(ln->capabilities.cipher_suites.n, 3);
	assert_int_equal(ln->capabilities.cipher_suites.v[2], 3);
	assert_int_equal(ln->capabilities.extensions.v[0], 0xff00);
	assert_int_equal(ln->source, POUCH_MLS_LEAF_KEY_PACKAGE);
	assert_true(ln->lifetime.not_after == UINT64_C(0xfffffffffffffff0));
	assert_int_equal(ln->extensions.n, 2);
	assert_int_equal(kp.extensions.n, 1);
	assert_int_equal(kp.signature.n, sizeof(sig64));
	/* the decoded bytes point into the arena copy, not the input */
	assert_true(kp.init_key.p < b || kp.init_key.p >= b + n);
	pouch_mls_arena_free(&a);
	/* encode(decode(b)) == b */
	assert_int_equal(try_decode(K_KEY_PACKAGE, b, n, NULL, 0), POUCH_OK);
	pouch_wr_buf_free(b, n);
}

static void
roundtrip_commit(void **state)
{
	struct pouch_mls_arena a;
	struct pouch_rd r;
	union any u, d;
	uint8_t *b;
	size_t n;

	(void)state;
	make_commit(&u.c, 1);
	b = encode_buf(K_COMMIT, &u, &n);
	pouch_mls_arena_init_limits(&a, NULL);
	pouch_rd_init(&r, b, n);
	assert_int_equal(pouch_mls_commit_decode(&r, &a,
	    pouch_mls_limits_default(), &d.c), POUCH_OK);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	assert_int_equal(d.c.nproposals, 10);
	assert_int_equal(d.c.proposals[2].u.proposal.u.remove.removed,
	    0x01020304);
	assert_int_equal(d.c.proposals[4].u.proposal.u.psk.psk.usage,
	    POUCH_MLS_USAGE_BRANCH);
	assert_true(d.c.proposals[4].u.proposal.u.psk.psk.psk_epoch ==
	    UINT64_C(0x0102030405060708));
	assert_int_equal(d.c.proposals[7].u.proposal.u.gce.extensions.n, 0);
	assert_int_equal(d.c.proposals[9].type, POUCH_MLS_POR_REFERENCE);
	assert_int_equal(d.c.proposals[9].u.reference.n, sizeof(h32));
	assert_true(d.c.has_path);
	assert_int_equal(d.c.path.n, 2);
	assert_int_equal(d.c.path.nodes[1].nsecrets, 3);
	assert_int_equal(d.c.path.leaf_node.source, POUCH_MLS_LEAF_COMMIT);
	pouch_mls_arena_free(&a);
	assert_int_equal(try_decode(K_COMMIT, b, n, NULL, 0), POUCH_OK);
	pouch_wr_buf_free(b, n);

	/* and without a path */
	make_commit(&u.c, 0);
	b = encode_buf(K_COMMIT, &u, &n);
	assert_int_equal(b[n - 1], 0);
	assert_int_equal(try_decode(K_COMMIT, b, n, NULL, 0), POUCH_OK);
	pouch_wr_buf_free(b, n);
}

static void
roundtrip_every_message(void **state)
{
	static const uint16_t wfs[] = {
		POUCH_MLS_WF_PUBLIC_MESSAGE, POUCH_MLS_WF_PRIVATE_MESSAGE,
		POUCH_MLS_WF_WELCOME, POUCH_MLS_WF_GROUP_INFO,
		POUCH_MLS_WF_KEY_PACKAGE,
	};
	struct pouch_mls_arena a;
	struct pouch_mls_message m;
	union any u;
	uint8_t *b;
	size_t i, n;

	(void)state;
	for (i = 0; i < NELEM(wfs); i++) {
		make_message(&u.m, wfs[i]);
		b = encode_buf(K_MESSAGE, &u, &n);
		pouch_mls_arena_init_limits(&a, NULL);
		assert_int_equal(pouch_mls_message_from_bytes(&a, NULL, b, n,
		    &m), POUCH_OK);
		assert_int_equal(m.wire_format, wfs[i]);
		pouch_mls_arena_free(&a);
		assert_int_equal(try_decode(K_MESSAGE, b, n, NULL, 0),
		    POUCH_OK);
		pouch_wr_buf_free(b, n);
	}
}

/* RFC 9420 6.2: membership_tag only for members, 6.1 tag only commits */
static void
public_message_tags(void **state)
{
	static const uint8_t senders[] = {
		POUCH_MLS_SENDER_MEMBER, POUCH_MLS_SENDER_EXTERNAL,
		POUCH_MLS_SENDER_NEW_MEMBER_PROPOSAL,
		POUCH_MLS_SENDER_NEW_MEMBER_COMMIT,
	};
	struct pouch_mls_arena a;
	struct pouch_mls_message m;
	union any u;
	uint8_t *b, *b2;
	size_t i, n, n2;

	(void)state;
	for (i = 0; i < NELEM(senders); i++) {
		make_public_commit(&u.m, senders[i]);
		b = encode_buf(K_MESSAGE, &u, &n);
		pouch_mls_arena_init_limits(&a, NULL);
		assert_int_equal(pouch_mls_message_from_bytes(&a, NULL, b, n,
		    &m), POUCH_OK);
		assert_int_equal(m.u.public_message.membership_tag.n,
		    senders[i] == POUCH_MLS_SENDER_MEMBER ? sizeof(h32) : 0);
		assert_int_equal(m.u.public_message.auth.confirmation_tag.n,
		    sizeof(h32));
		pouch_mls_arena_free(&a);
		/* a member's tag set on a non-member is not written */
		u.m.u.public_message.membership_tag = B(h32);
		b2 = encode_buf(K_MESSAGE, &u, &n2);
		assert_int_equal(n2, n);
		pouch_wr_buf_free(b2, n2);
		pouch_wr_buf_free(b, n);
	}
	/* an application message has no confirmation tag */
	make_public_commit(&u.m, POUCH_MLS_SENDER_MEMBER);
	u.m.u.public_message.content.content_type = POUCH_MLS_CT_APPLICATION;
	u.m.u.public_message.content.u.application_data = B(app);
	b = encode_buf(K_MESSAGE, &u, &n);
	pouch_mls_arena_init_limits(&a, NULL);
	assert_int_equal(pouch_mls_message_from_bytes(&a, NULL, b, n, &m),
	    POUCH_OK);
	assert_int_equal(m.u.public_message.auth.confirmation_tag.n, 0);
	assert_memory_equal(m.u.public_message.content.u.application_data.p,
	    app, sizeof(app));
	pouch_mls_arena_free(&a);
	pouch_wr_buf_free(b, n);
}

static void
roundtrip_tree_and_secrets(void **state)
{
	struct pouch_mls_arena a;
	struct pouch_mls_ratchet_tree rt;
	struct pouch_mls_group_secrets gs;
	union any u;
	uint8_t *b;
	size_t n;

	(void)state;
	make_tree(&u.rt);
	b = encode_buf(K_TREE, &u, &n);
	pouch_mls_arena_init_limits(&a, NULL);
	assert_int_equal(pouch_mls_ratchet_tree_from_bytes(&a, NULL, b, n,
	    &rt), POUCH_OK);
	assert_int_equal(rt.n, 7);
	assert_non_null(rt.nodes[0]);
	assert_null(rt.nodes[1]);
	assert_null(rt.nodes[2]);
	assert_int_equal(rt.nodes[3]->type, POUCH_MLS_NODE_PARENT);
	assert_int_equal(rt.nodes[3]->u.parent.nunmerged, 2);
	assert_int_equal(rt.nodes[3]->u.parent.unmerged_leaves[1], 3);
	assert_int_equal(rt.nodes[6]->u.leaf.credential.ncerts, 2);
	pouch_mls_arena_free(&a);
	assert_int_equal(try_decode(K_TREE, b, n, NULL, 0), POUCH_OK);
	pouch_wr_buf_free(b, n);

	memset(&u.gs, 0, sizeof(u.gs));
	psks[0].type = POUCH_MLS_PSKTYPE_EXTERNAL;
	psks[0].psk_id = B(ident);
	psks[0].psk_nonce = B(h32);
	psks[1].type = POUCH_MLS_PSKTYPE_RESUMPTION;
	psks[1].usage = POUCH_MLS_USAGE_REINIT;
	psks[1].psk_group_id = B(gid);
	psks[1].psk_epoch = 3;
	psks[1].psk_nonce = B(h32);
	u.gs.joiner_secret = B(h32);
	u.gs.has_path_secret = 1;
	u.gs.path_secret = B(h32);
	u.gs.psks = psks;
	u.gs.npsks = 2;
	b = encode_buf(K_SECRETS, &u, &n);
	pouch_mls_arena_init_limits(&a, NULL);
	assert_int_equal(pouch_mls_group_secrets_from_bytes(&a, NULL, b, n,
	    &gs), POUCH_OK);
	assert_true(gs.has_path_secret);
	assert_int_equal(gs.npsks, 2);
	assert_int_equal(gs.psks[1].psk_epoch, 3);
	pouch_mls_arena_free(&a);
	assert_int_equal(try_decode(K_SECRETS, b, n, NULL, 0), POUCH_OK);
	pouch_wr_buf_free(b, n);
}

/* The TBS forms, AuthenticatedContent and the PrivateMessage parts. */
static void
roundtrip_tbs_forms(void **state)
{
	struct pouch_mls_arena a;
	struct pouch_mls_framed_content_tbm tbm, tbm2;
	struct pouch_mls_leaf_node_tbs lt, lt2;
	struct pouch_mls_private_content pc, pc2;
	struct pouch_mls_authenticated_content ac, ac2;
	struct pouch_mls_message m;
	struct pouch_wr w, w2;
	struct pouch_rd r;
	const struct pouch_mls_limits *lim = pouch_mls_limits_default();

	(void)state;
	pouch_mls_arena_init_limits(&a, NULL);
	make_public_commit(&m, POUCH_MLS_SENDER_MEMBER);
	memset(&tbm, 0, sizeof(tbm));
	tbm.tbs.version = 1;
	tbm.tbs.wire_format = POUCH_MLS_WF_PUBLIC_MESSAGE;
	tbm.tbs.content = m.u.public_message.content;
	make_group_context(&tbm.tbs.context);
	tbm.auth = m.u.public_message.auth;
	pouch_wr_init(&w, 1U << 20);
	pouch_mls_framed_content_tbm_encode(&w, &tbm);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	pouch_rd_init(&r, w.buf, w.len);
	assert_int_equal(pouch_mls_framed_content_tbm_decode(&r, &a, lim,
	    &tbm2), POUCH_OK);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	assert_int_equal(tbm2.tbs.context.epoch, 42);
	pouch_wr_init(&w2, 1U << 20);
	pouch_mls_framed_content_tbm_encode(&w2, &tbm2);
	assert_int_equal(w2.len, w.len);
	assert_memory_equal(w2.buf, w.buf, w.len);
	pouch_wr_free(&w);
	pouch_wr_free(&w2);

	memset(&ac, 0, sizeof(ac));
	ac.wire_format = POUCH_MLS_WF_PRIVATE_MESSAGE;
	ac.content = m.u.public_message.content;
	ac.auth = m.u.public_message.auth;
	pouch_wr_init(&w, 1U << 20);
	pouch_mls_authenticated_content_encode(&w, &ac);
	pouch_rd_init(&r, w.buf, w.len);
	assert_int_equal(pouch_mls_authenticated_content_decode(&r, &a, lim,
	    &ac2), POUCH_OK);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	pouch_wr_init(&w2, 1U << 20);
	pouch_mls_authenticated_content_encode(&w2, &ac2);
	assert_int_equal(w2.len, w.len);
	assert_memory_equal(w2.buf, w.buf, w.len);
	pouch_wr_free(&w);
	pouch_wr_free(&w2);

	memset(&lt, 0, sizeof(lt));
	make_leaf(&lt.leaf, POUCH_MLS_LEAF_UPDATE, 0);
	lt.group_id = B(gid);
	lt.leaf_index = 9;
	pouch_wr_init(&w, 1U << 20);
	pouch_mls_leaf_node_tbs_encode(&w, &lt);
	pouch_rd_init(&r, w.buf, w.len);
	assert_int_equal(pouch_mls_leaf_node_tbs_decode(&r, &a, lim, &lt2),
	    POUCH_OK);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	assert_int_equal(lt2.leaf_index, 9);
	assert_int_equal(lt2.leaf.signature.n, 0);
	pouch_wr_free(&w);

	/* PrivateMessageContent: zero padding only */
	memset(&pc, 0, sizeof(pc));
	pc.content_type = POUCH_MLS_CT_APPLICATION;
	pc.u.application_data = B(app);
	pc.auth.signature = B(sig64);
	pc.padding = 100;
	pouch_wr_init(&w, 1U << 20);
	pouch_mls_private_content_encode(&w, &pc);
	assert_int_equal(pouch_wr_finish(&w), POUCH_OK);
	pouch_rd_init(&r, w.buf, w.len);
	assert_int_equal(pouch_mls_private_content_decode(&r, &a, lim,
	    POUCH_MLS_CT_APPLICATION, &pc2), POUCH_OK);
	assert_int_equal(pouch_rd_done(&r), POUCH_OK);
	assert_int_equal(pc2.padding, 100);
	w.buf[w.len - 50] = 1;
	pouch_rd_init(&r, w.buf, w.len);
	assert_int_equal(pouch_mls_private_content_decode(&r, &a, lim,
	    POUCH_MLS_CT_APPLICATION, &pc2), POUCH_E_MALFORMED);
	assert_int_equal(pc2.padding, 0);
	pouch_wr_free(&w);
	pouch_mls_arena_free(&a);
}

/* Encode with enc, decode with dec, encode again: the same bytes. */
#define RT(type, x, out)						\
	do {								\
		pouch_wr_init(&w, 1U << 20);				\
		pouch_mls_##type##_encode(&w, (x));			\
		assert_int_equal(pouch_wr_finish(&w), POUCH_OK);	\
		pouch_rd_init(&r, w.buf, w.len);			\
		assert_int_equal(pouch_mls_##type##_decode(&r, &a, lim,	\
		    (out)), POUCH_OK);					\
		assert_int_equal(pouch_rd_done(&r), POUCH_OK);		\
		pouch_wr_init(&w2, 1U << 20);				\
		pouch_mls_##type##_encode(&w2, (out));			\
		assert_int_equal(w2.len, w.len);			\
		assert_memory_equal(w2.buf, w.buf, w.len);		\
		pouch_wr_free(&w);					\
		pouch_wr_free(&w2);					\
	} while (0)

/* The small structures and the payloads of the RFC 9420 extensions. */
static void
roundtrip_small_structs(void **state)
{
	const struct pouch_mls_limits *lim = pouch_mls_limits_default();
	struct pouch_mls_arena a;
	struct pouch_wr w, w2;
	struct pouch_rd r;
	struct pouch_mls_psk_label pl, pl2;
	struct pouch_mls_sender_data sd, sd2;
	struct pouch_mls_group_info gi, gi2;
	struct pouch_mls_key_package kp, kp2;
	struct pouch_mls_required_capabilities rq, rq2;
	struct pouch_mls_external_sender es1[2];
	struct pouch_mls_external_senders es, es2;
	struct pouch_mls_bytes pub;
	struct pouch_mls_message m;

	(void)state;
	pouch_mls_arena_init_limits(&a, NULL);
	memset(&pl, 0, sizeof(pl));
	pl.id.type = POUCH_MLS_PSKTYPE_EXTERNAL;
	pl.id.psk_id = B(ident);
	pl.id.psk_nonce = B(h32);
	pl.index = 2;
	pl.count = 3;
	RT(psk_label, &pl, &pl2);
	assert_int_equal(pl2.count, 3);

	memset(&sd, 0, sizeof(sd));
	sd.leaf_index = 7;
	sd.generation = 0xfffffffe;
	memcpy(sd.reuse_guard, "\x01\x02\x03\x04", 4);
	RT(sender_data, &sd, &sd2);
	assert_memory_equal(sd2.reuse_guard, "\x01\x02\x03\x04", 4);

	make_message(&m, POUCH_MLS_WF_GROUP_INFO);
	gi = m.u.group_info;
	gi.signature = (struct pouch_mls_bytes){ NULL, 0 };
	RT(group_info_tbs, &gi, &gi2);
	assert_int_equal(gi2.signer, 3);
	make_key_package(&kp);
	kp.signature = (struct pouch_mls_bytes){ NULL, 0 };
	RT(key_package_tbs, &kp, &kp2);

	rq.extension_types = (struct pouch_mls_u16s){ cap_exts, 2 };
	rq.proposal_types = (struct pouch_mls_u16s){ NULL, 0 };
	rq.credential_types = (struct pouch_mls_u16s){ cap_creds, 2 };
	RT(required_capabilities, &rq, &rq2);
	assert_int_equal(rq2.credential_types.v[1], 2);

	make_leaf(&kp.leaf_node, POUCH_MLS_LEAF_UPDATE, 0);
	es1[0].signature_key = B(k_sig);
	es1[0].credential = kp.leaf_node.credential;
	make_leaf(&kp.leaf_node, POUCH_MLS_LEAF_UPDATE, 1);
	es1[1].signature_key = B(k_sig);
	es1[1].credential = kp.leaf_node.credential;
	es.v = es1;
	es.n = 2;
	RT(external_senders, &es, &es2);
	assert_int_equal(es2.v[1].credential.ncerts, 2);

	/* application_id and external_pub are one opaque<V> each */
	pouch_rd_init(&r, appid_data, sizeof(appid_data));
	assert_int_equal(pouch_mls_application_id_decode(&r, lim, &pub),
	    POUCH_OK);
	assert_int_equal(pub.n, 3);
	pouch_rd_init(&r, appid_data, sizeof(appid_data));
	assert_int_equal(pouch_mls_external_pub_decode(&r, lim, &pub),
	    POUCH_OK);
	pouch_rd_init(&r, appid_data, 2);
	assert_int_equal(pouch_mls_external_pub_decode(&r, lim, &pub),
	    POUCH_E_TRUNCATED);
	pouch_mls_arena_free(&a);
}

/* ---- hostile input ----------------------------------------------------- */

static void
truncated_at_every_byte(void **state)
{
	static const uint16_t wfs[] = {
		POUCH_MLS_WF_PUBLIC_MESSAGE, POUCH_MLS_WF_PRIVATE_MESSAGE,
		POUCH_MLS_WF_WELCOME, POUCH_MLS_WF_GROUP_INFO,
		POUCH_MLS_WF_KEY_PACKAGE,
	};
	union any u;
	uint8_t *b;
	size_t cut, n;
	int k;

	(void)state;
	for (k = 0; k < 3 + (int)NELEM(wfs); k++) {
		enum kind kind = k == 0 ? K_KEY_PACKAGE : k == 1 ? K_COMMIT :
		    k == 2 ? K_TREE : K_MESSAGE;

		if (kind == K_KEY_PACKAGE)
			make_key_package(&u.kp);
		else if (kind == K_COMMIT)
			make_commit(&u.c, 1);
		else if (kind == K_TREE)
			make_tree(&u.rt);
		else
			make_message(&u.m, wfs[k - 3]);
		b = encode_buf(kind, &u, &n);
		for (cut = 0; cut < n; cut++)
			assert_int_equal(try_decode(kind, b, cut, NULL, 0),
			    POUCH_E_TRUNCATED);
		assert_int_equal(try_decode(kind, b, n, NULL, 0), POUCH_OK);
		pouch_wr_buf_free(b, n);
	}
}

static void
trailing_bytes(void **state)
{
	struct pouch_mls_arena a;
	struct pouch_mls_message m;
	struct pouch_mls_key_package kp;
	union any u;
	uint8_t *b, *b2;
	size_t n;

	(void)state;
	make_message(&u.m, POUCH_MLS_WF_KEY_PACKAGE);
	b = encode_buf(K_MESSAGE, &u, &n);
	b2 = malloc(n + 1);
	assert_non_null(b2);
	memcpy(b2, b, n);
	b2[n] = 0;
	pouch_mls_arena_init_limits(&a, NULL);
	assert_int_equal(pouch_mls_message_from_bytes(&a, NULL, b2, n + 1,
	    &m), POUCH_E_TRAILING);
	assert_int_equal(m.wire_format, 0);	/* out untouched: zero */
	assert_int_equal(pouch_mls_key_package_from_bytes(&a, NULL, b2 + 4,
	    n - 3, &kp), POUCH_E_TRAILING);
	assert_int_equal(pouch_mls_key_package_from_bytes(&a, NULL, b2 + 4,
	    n - 4, &kp), POUCH_OK);
	pouch_mls_arena_free(&a);
	free(b2);
	pouch_wr_buf_free(b, n);
}

/* Write an Extension list of count unknown extensions. */
static void
put_extensions(struct pouch_wr *w, size_t count)
{
	size_t i;

	pouch_wr_vec_open(w);
	for (i = 0; i < count; i++) {
		pouch_wr_u16(w, (uint16_t)(0xf000 + i));
		pouch_wr_opaque(w, "x", 1);
	}
	pouch_wr_vec_close(w);
}

static void
over_maximum(void **state)
{
	struct pouch_mls_limits lim = *pouch_mls_limits_default();
	struct pouch_mls_arena a;
	struct pouch_mls_extensions ex;
	struct pouch_mls_ratchet_tree rt;
	struct pouch_mls_message m;
	struct pouch_wr w;
	struct pouch_rd r;
	union any u;
	uint8_t *b;
	size_t n;

	(void)state;
	/* extension count: 64 pass, 65 do not */
	pouch_mls_arena_init_limits(&a, NULL);
	pouch_wr_init(&w, 1U << 20);
	put_extensions(&w, lim.extensions_max);
	pouch_rd_init(&r, w.buf, w.len);
	assert_int_equal(pouch_mls_extensions_decode(&r, &a, &lim, &ex),
	    POUCH_OK);
	assert_int_equal(ex.n, lim.extensions_max);
	pouch_wr_free(&w);
	pouch_wr_init(&w, 1U << 20);
	put_extensions(&w, lim.extensions_max + 1);
	pouch_rd_init(&r, w.buf, w.len);
	assert_int_equal(pouch_mls_extensions_decode(&r, &a, &lim, &ex),
	    POUCH_E_TOO_LARGE);
	assert_ptr_equal(r.p, w.buf);
	pouch_wr_free(&w);
	pouch_mls_arena_free(&a);

	/* credential size and certificate count, message size */
	make_key_package(&u.kp);
	b = encode_buf(K_KEY_PACKAGE, &u, &n);
	lim.credential_max = sizeof(cert2) - 1;
	assert_int_equal(try_decode(K_KEY_PACKAGE, b, n, &lim, 0),
	    POUCH_E_TOO_LARGE);
	lim.credential_max = sizeof(cert2);
	assert_int_equal(try_decode(K_KEY_PACKAGE, b, n, &lim, 0), POUCH_OK);
	lim.certificates_max = 1;
	assert_int_equal(try_decode(K_KEY_PACKAGE, b, n, &lim, 0),
	    POUCH_E_TOO_LARGE);
	lim = *pouch_mls_limits_default();
	lim.signature_max = sizeof(sig64) - 1;
	assert_int_equal(try_decode(K_KEY_PACKAGE, b, n, &lim, 0),
	    POUCH_E_TOO_LARGE);
	lim = *pouch_mls_limits_default();
	lim.capabilities_max = 2;
	assert_int_equal(try_decode(K_KEY_PACKAGE, b, n, &lim, 0),
	    POUCH_E_TOO_LARGE);
	lim = *pouch_mls_limits_default();
	lim.message_max = n - 1;
	pouch_mls_arena_init_limits(&a, &lim);
	assert_int_equal(pouch_mls_key_package_from_bytes(&a, &lim, b, n,
	    &u.kp), POUCH_E_TOO_LARGE);
	pouch_mls_arena_free(&a);
	/* the arena cap bounds what a message may expand into */
	lim = *pouch_mls_limits_default();
	lim.decoded_max = n + 256;
	pouch_mls_arena_init_limits(&a, &lim);
	assert_int_equal(pouch_mls_key_package_from_bytes(&a, &lim, b, n,
	    &u.kp), POUCH_E_TOO_LARGE);
	pouch_mls_arena_free(&a);
	pouch_wr_buf_free(b, n);

	/* group size: 2 * leaves_max - 1 nodes */
	lim = *pouch_mls_limits_default();
	make_tree(&u.rt);
	b = encode_buf(K_TREE, &u, &n);
	lim.leaves_max = 4;
	assert_int_equal(try_decode(K_TREE, b, n, &lim, 0), POUCH_OK);
	lim.leaves_max = 3;
	assert_int_equal(try_decode(K_TREE, b, n, &lim, 0),
	    POUCH_E_TOO_LARGE);
	pouch_mls_arena_init_limits(&a, &lim);
	assert_int_equal(pouch_mls_ratchet_tree_from_bytes(&a, &lim, b, n,
	    &rt), POUCH_E_TOO_LARGE);
	pouch_mls_arena_free(&a);
	pouch_wr_buf_free(b, n);

	/* proposal count */
	lim = *pouch_mls_limits_default();
	make_message(&u.m, POUCH_MLS_WF_PUBLIC_MESSAGE);
	b = encode_buf(K_MESSAGE, &u, &n);
	lim.proposals_max = 9;
	assert_int_equal(try_decode(K_MESSAGE, b, n, &lim, 0),
	    POUCH_E_TOO_LARGE);
	lim.proposals_max = 10;
	assert_int_equal(try_decode(K_MESSAGE, b, n, &lim, 0), POUCH_OK);
	lim.hash_max = 31;
	assert_int_equal(try_decode(K_MESSAGE, b, n, &lim, 0),
	    POUCH_E_TOO_LARGE);
	pouch_mls_arena_init_limits(&a, NULL);
	assert_int_equal(pouch_mls_message_from_bytes(&a, NULL, b, n, &m),
	    POUCH_OK);
	pouch_mls_arena_free(&a);
	pouch_wr_buf_free(b, n);
}

/* Find the first occurrence of needle in hay; fail the test if absent. */
static size_t
find(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	size_t i;

	for (i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return i;
	fail_msg("pattern not found");
	return 0;
}

static void
unknown_types(void **state)
{
	static const uint8_t remove_hdr[] = { 0x01, 0x00, 0x03 };
	static const uint8_t basic_hdr[] = { 0x00, 0x01, sizeof(ident) };
	union any u;
	uint8_t *b;
	size_t n, at;

	(void)state;
	/* the Remove proposal, ProposalOrRef type 1, proposal type 3 */
	make_commit(&u.c, 0);
	b = encode_buf(K_COMMIT, &u, &n);
	at = find(b, n, remove_hdr, sizeof(remove_hdr));
	b[at + 1] = 0x0a;
	b[at + 2] = 0x0a;			/* a GREASE value */
	assert_int_equal(try_decode(K_COMMIT, b, n, NULL, 0),
	    POUCH_E_UNSUPPORTED);
	b[at + 1] = 0x00;
	b[at + 2] = 0x00;			/* reserved */
	assert_int_equal(try_decode(K_COMMIT, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	b[at] = 3;				/* ProposalOrRefType */
	b[at + 2] = 0x03;
	assert_int_equal(try_decode(K_COMMIT, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	pouch_wr_buf_free(b, n);

	/* the basic credential of the Update proposal */
	make_commit(&u.c, 0);
	b = encode_buf(K_COMMIT, &u, &n);
	at = find(b, n, basic_hdr, sizeof(basic_hdr));
	b[at + 1] = 0x03;
	assert_int_equal(try_decode(K_COMMIT, b, n, NULL, 0),
	    POUCH_E_UNSUPPORTED);
	b[at + 1] = 0x00;
	assert_int_equal(try_decode(K_COMMIT, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	pouch_wr_buf_free(b, n);
}

/* Unknown extensions keep their type and bytes and re-encode the same. */
static void
unknown_extension_roundtrip(void **state)
{
	struct pouch_mls_arena a;
	struct pouch_mls_message m;
	const struct pouch_mls_extension *e;
	union any u;
	uint8_t *b;
	size_t n;

	(void)state;
	make_message(&u.m, POUCH_MLS_WF_GROUP_INFO);
	b = encode_buf(K_MESSAGE, &u, &n);
	pouch_mls_arena_init_limits(&a, NULL);
	assert_int_equal(pouch_mls_message_from_bytes(&a, NULL, b, n, &m),
	    POUCH_OK);
	e = pouch_mls_extension_find(&m.u.group_info.extensions, 0xff00);
	assert_non_null(e);
	assert_int_equal(e->data.n, sizeof(unk_data));
	assert_memory_equal(e->data.p, unk_data, sizeof(unk_data));
	assert_null(pouch_mls_extension_find(&m.u.group_info.extensions, 2));
	e = pouch_mls_extension_find(
	    &m.u.group_info.group_context.extensions,
	    POUCH_MLS_EXT_APPLICATION_ID);
	assert_non_null(e);
	pouch_mls_arena_free(&a);
	assert_int_equal(try_decode(K_MESSAGE, b, n, NULL, 0), POUCH_OK);
	pouch_wr_buf_free(b, n);
}

static void
bad_enums_and_optionals(void **state)
{
	union any u;
	uint8_t *b;
	size_t n, at;

	(void)state;
	/* MLSMessage header: version, then wire format */
	make_message(&u.m, POUCH_MLS_WF_PRIVATE_MESSAGE);
	b = encode_buf(K_MESSAGE, &u, &n);
	b[3] = 6;
	assert_int_equal(try_decode(K_MESSAGE, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	b[3] = 0;
	assert_int_equal(try_decode(K_MESSAGE, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	b[3] = POUCH_MLS_WF_PRIVATE_MESSAGE;
	b[1] = 2;
	assert_int_equal(try_decode(K_MESSAGE, b, n, NULL, 0),
	    POUCH_E_UNSUPPORTED);
	b[1] = 1;
	/* PrivateMessage content_type: after group_id<V> and epoch */
	at = 4 + 1 + sizeof(gid) + 8;
	b[at] = 4;
	assert_int_equal(try_decode(K_MESSAGE, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	b[at] = POUCH_MLS_CT_APPLICATION;
	assert_int_equal(try_decode(K_MESSAGE, b, n, NULL, 0), POUCH_OK);
	pouch_wr_buf_free(b, n);

	/* PublicMessage: sender type, content type */
	make_message(&u.m, POUCH_MLS_WF_PUBLIC_MESSAGE);
	b = encode_buf(K_MESSAGE, &u, &n);
	at = 4 + 1 + sizeof(gid) + 8;
	assert_int_equal(b[at], POUCH_MLS_SENDER_MEMBER);
	b[at] = 5;
	assert_int_equal(try_decode(K_MESSAGE, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	b[at] = POUCH_MLS_SENDER_MEMBER;
	at += 1 + 4 + 1 + sizeof(aad);
	assert_int_equal(b[at], POUCH_MLS_CT_COMMIT);
	b[at] = 0;
	assert_int_equal(try_decode(K_MESSAGE, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	b[at] = POUCH_MLS_CT_COMMIT;
	/* the commit's path presence octet */
	u.m.u.public_message.content.u.commit.has_path = 0;
	pouch_wr_buf_free(b, n);
	b = encode_buf(K_MESSAGE, &u, &n);
	/* signature<V> (64 needs a 2-byte length), two 32-byte MACs */
	at = n - 1 - (2 + sizeof(sig64)) - (1 + sizeof(h32)) -
	    (1 + sizeof(h32));
	assert_int_equal(b[at], 0);
	b[at] = 2;
	assert_int_equal(try_decode(K_MESSAGE, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	pouch_wr_buf_free(b, n);

	/* ratchet tree: presence octet, node type, leaf source */
	make_tree(&u.rt);
	b = encode_buf(K_TREE, &u, &n);
	at = (b[0] >> 6) == 0 ? 1 : (b[0] >> 6) == 1 ? 2 : 4;
	assert_int_equal(b[at], 1);
	b[at] = 2;
	assert_int_equal(try_decode(K_TREE, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	b[at] = 1;
	b[at + 1] = 3;
	assert_int_equal(try_decode(K_TREE, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	b[at + 1] = POUCH_MLS_NODE_LEAF;
	/* keys (1 + 32 each), basic credential, capabilities, source */
	at += 2 + 2 * (1 + 32) + (2 + 1 + sizeof(ident)) + 23;
	assert_int_equal(b[at], POUCH_MLS_LEAF_COMMIT);
	b[at] = 4;
	assert_int_equal(try_decode(K_TREE, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	b[at] = 0;
	assert_int_equal(try_decode(K_TREE, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	b[at] = POUCH_MLS_LEAF_COMMIT;
	assert_int_equal(try_decode(K_TREE, b, n, NULL, 0), POUCH_OK);
	pouch_wr_buf_free(b, n);

	/* group secrets: path_secret presence, psk type, usage */
	memset(&u.gs, 0, sizeof(u.gs));
	psks[0].type = POUCH_MLS_PSKTYPE_RESUMPTION;
	psks[0].usage = POUCH_MLS_USAGE_APPLICATION;
	psks[0].psk_group_id = B(gid);
	psks[0].psk_nonce = B(h32);
	u.gs.joiner_secret = B(h32);
	u.gs.psks = psks;
	u.gs.npsks = 1;
	b = encode_buf(K_SECRETS, &u, &n);
	at = 1 + sizeof(h32);
	assert_int_equal(b[at], 0);
	b[at] = 0xff;
	assert_int_equal(try_decode(K_SECRETS, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	b[at] = 0;
	at += 2;			/* psks<V> length, then psktype */
	assert_int_equal(b[at], POUCH_MLS_PSKTYPE_RESUMPTION);
	b[at] = 3;
	assert_int_equal(try_decode(K_SECRETS, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	b[at] = POUCH_MLS_PSKTYPE_RESUMPTION;
	b[at + 1] = 4;
	assert_int_equal(try_decode(K_SECRETS, b, n, NULL, 0),
	    POUCH_E_MALFORMED);
	b[at + 1] = POUCH_MLS_USAGE_APPLICATION;
	assert_int_equal(try_decode(K_SECRETS, b, n, NULL, 0), POUCH_OK);
	pouch_wr_buf_free(b, n);
}

/* A length in a non-minimal varint, and a vector cut inside an element. */
static void
bad_lengths(void **state)
{
	static const uint8_t remove_hdr[] = { 0x01, 0x00, 0x03 };
	union any u;
	uint8_t *b, *b2;
	size_t n, at;

	(void)state;
	make_key_package(&u.kp);
	b = encode_buf(K_KEY_PACKAGE, &u, &n);
	/* init_key<V> follows version and suite: 32 as 0x40 0x20 */
	assert_int_equal(b[4], sizeof(k_init));
	b2 = malloc(n + 1);
	assert_non_null(b2);
	memcpy(b2, b, 4);
	b2[4] = 0x40;
	b2[5] = sizeof(k_init);
	memcpy(b2 + 6, b + 5, n - 5);
	assert_int_equal(try_decode(K_KEY_PACKAGE, b2, n + 1, NULL, 0),
	    POUCH_E_MALFORMED);
	b2[4] = 0xc0;			/* prefix 11 */
	assert_int_equal(try_decode(K_KEY_PACKAGE, b2, n + 1, NULL, 0),
	    POUCH_E_MALFORMED);
	free(b2);
	pouch_wr_buf_free(b, n);

	/*
	 * A Commit whose proposals<V> ends one byte into the Remove's
	 * uint32: the element is cut short inside a complete vector.
	 */
	make_commit(&u.c, 0);
	u.c.nproposals = 3;
	b = encode_buf(K_COMMIT, &u, &n);
	at = find(b, n, remove_hdr, sizeof(remove_hdr));
	assert_int_equal(at + 3 + 4 + 1, n);
	b[0] = 0x40 | (uint8_t)((at + 3 + 4 - 3) >> 8);	/* shorten by 1 */
	b[1] = (uint8_t)(at + 3 + 4 - 3);
	assert_true(((size_t)(b[0] & 0x3f) << 8 | b[1]) >= 64);
	assert_int_equal(try_decode(K_COMMIT, b, n - 1, NULL, 0),
	    POUCH_E_MALFORMED);
	pouch_wr_buf_free(b, n);
}

/* The n-th arena allocation fails, for every n, until none does. */
static void
allocation_failures(void **state)
{
	static const uint16_t wfs[] = {
		POUCH_MLS_WF_PUBLIC_MESSAGE, POUCH_MLS_WF_WELCOME,
		POUCH_MLS_WF_GROUP_INFO, POUCH_MLS_WF_KEY_PACKAGE,
	};
	struct pouch_mls_arena a;
	struct pouch_mls_message m;
	union any u;
	uint8_t *b;
	unsigned long fail, total;
	size_t i, n;
	int rc;

	(void)state;
	for (i = 0; i < NELEM(wfs); i++) {
		make_message(&u.m, wfs[i]);
		b = encode_buf(K_MESSAGE, &u, &n);
		/* how many allocations a successful decode makes */
		pouch_mls_arena_init_limits(&a, NULL);
		assert_int_equal(pouch_mls_message_from_bytes(&a, NULL, b, n,
		    &m), POUCH_OK);
		total = a.nalloc;
		pouch_mls_arena_free(&a);
		assert_true(total > 1);
		for (fail = 1; fail <= total + 1; fail++) {
			pouch_mls_arena_init_limits(&a, NULL);
			a.fail_at = fail;
			memset(&m, 0xee, sizeof(m));
			rc = pouch_mls_message_from_bytes(&a, NULL, b, n, &m);
			if (fail <= total) {
				assert_int_equal(rc, POUCH_E_NOMEM);
				assert_int_equal(m.wire_format, 0);
			} else {
				assert_int_equal(rc, POUCH_OK);
			}
			pouch_mls_arena_free(&a);
			/* the reader-level decoders agree */
			assert_int_equal(try_decode(K_MESSAGE, b, n, NULL,
			    fail), fail < total ? POUCH_E_NOMEM : POUCH_OK);
		}
		pouch_wr_buf_free(b, n);
	}
}

/* Encoders refuse what they cannot write, through the sticky error. */
static void
encode_misuse(void **state)
{
	struct pouch_wr w;
	union any u;

	(void)state;
	make_message(&u.m, POUCH_MLS_WF_KEY_PACKAGE);
	u.m.wire_format = 9;
	pouch_wr_init(&w, 1U << 20);
	encode_any(&w, K_MESSAGE, &u);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_MISUSE);
	pouch_wr_free(&w);

	make_key_package(&u.kp);
	u.kp.leaf_node.credential.type = 77;
	pouch_wr_init(&w, 1U << 20);
	encode_any(&w, K_KEY_PACKAGE, &u);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_MISUSE);
	pouch_wr_free(&w);

	make_key_package(&u.kp);
	pouch_wr_init(&w, 100);		/* too small a maximum */
	encode_any(&w, K_KEY_PACKAGE, &u);
	assert_int_equal(pouch_wr_finish(&w), POUCH_E_TOO_LARGE);
	pouch_wr_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip_key_package),
		cmocka_unit_test(roundtrip_commit),
		cmocka_unit_test(roundtrip_every_message),
		cmocka_unit_test(public_message_tags),
		cmocka_unit_test(roundtrip_tree_and_secrets),
		cmocka_unit_test(roundtrip_tbs_forms),
		cmocka_unit_test(roundtrip_small_structs),
		cmocka_unit_test(truncated_at_every_byte),
		cmocka_unit_test(trailing_bytes),
		cmocka_unit_test(over_maximum),
		cmocka_unit_test(unknown_types),
		cmocka_unit_test(unknown_extension_roundtrip),
		cmocka_unit_test(bad_enums_and_optionals),
		cmocka_unit_test(bad_lengths),
		cmocka_unit_test(allocation_failures),
		cmocka_unit_test(encode_misuse),
	};

	fixtures();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
