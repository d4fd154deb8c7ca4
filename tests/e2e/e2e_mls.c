/*
 * e2e_mls.c - MLS messages for the end-to-end tests, built with the
 * structure encoders of src/mls/msg.h (until the group engine exists).
 * KeyPackages are real: signed by the device key with "KeyPackageTBS",
 * as pouchd checks.  Commits, application messages and Welcomes have
 * real framing and placeholder cryptographic fields.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "e2e/e2e.h"
#include "mls/msg.h"
#include "mls/suite.h"

#define SUITE	1	/* MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 */
/* KeyPackages in the suite clients publish and pouchd claims by default */
#define KP_SUITE	POUCH_MLS_SUITE_HYBRID

static uint8_t filler[64] = { 0x5a };

static void
take(struct pouch_wr *w, struct buf *out)
{
	if (pouch_wr_take(w, &out->p, &out->n) != POUCH_OK)
		abort();
}

static void
sign(const struct device *d, const char *label, struct pouch_wr *tbs,
    uint8_t *sig, size_t *siglen)
{
	if (pouch_wr_finish(tbs) != POUCH_OK ||
	    pouch_mls_sign_with_label(e2e_crypto, pouch_mls_suite_get(SUITE),
	    d->seed, 32, label, tbs->buf, tbs->len, sig, 64, siglen) !=
	    POUCH_OK)
		abort();
	pouch_wr_free(tbs);
}

void
e2e_key_package(const struct device *d, uint32_t nonce, struct buf *out)
{
	e2e_key_package_in(d, KP_SUITE, nonce, out);
}

void
e2e_key_package_in(const struct device *d, uint16_t suite, uint32_t nonce,
    struct buf *out)
{
	uint16_t versions[] = { 1 }, suites[] = { suite }, creds[] = { 1 };
	struct pouch_mls_message m;
	struct pouch_mls_key_package *kp = &m.u.key_package;
	struct pouch_mls_leaf_node_tbs lt;
	struct pouch_wr w;
	uint8_t init[32], enc[32], lsig[64], sig[64];
	size_t n;

	memset(&m, 0, sizeof(m));
	memset(init, 0, sizeof(init));
	memcpy(init, &nonce, sizeof(nonce));
	memset(enc, 0x11, sizeof(enc));
	memcpy(enc, &nonce, sizeof(nonce));
	m.version = POUCH_MLS_VERSION_10;
	m.wire_format = POUCH_MLS_WF_KEY_PACKAGE;
	kp->version = POUCH_MLS_VERSION_10;
	kp->cipher_suite = suite;
	kp->init_key = (struct pouch_mls_bytes){ init, 32 };
	kp->leaf_node.encryption_key = (struct pouch_mls_bytes){ enc, 32 };
	kp->leaf_node.signature_key = (struct pouch_mls_bytes){ d->pub, 32 };
	kp->leaf_node.credential.type = POUCH_MLS_CRED_BASIC;
	kp->leaf_node.credential.identity = (struct pouch_mls_bytes){
	    (const uint8_t *)d->user, strlen(d->user) };
	kp->leaf_node.capabilities.versions = (struct pouch_mls_u16s){
	    versions, 1 };
	kp->leaf_node.capabilities.cipher_suites = (struct pouch_mls_u16s){
	    suites, 1 };
	kp->leaf_node.capabilities.credentials = (struct pouch_mls_u16s){
	    creds, 1 };
	kp->leaf_node.source = POUCH_MLS_LEAF_KEY_PACKAGE;
	kp->leaf_node.lifetime.not_after = UINT64_MAX;
	/* RFC 9420 7.2: the leaf signs LeafNodeTBS */
	memset(&lt, 0, sizeof(lt));
	lt.leaf = kp->leaf_node;
	pouch_wr_init(&w, 1 << 16);
	pouch_mls_leaf_node_tbs_encode(&w, &lt);
	sign(d, "LeafNodeTBS", &w, lsig, &n);
	kp->leaf_node.signature = (struct pouch_mls_bytes){ lsig, n };
	/* RFC 9420 10: the KeyPackage signs KeyPackageTBS */
	pouch_wr_init(&w, 1 << 16);
	pouch_mls_key_package_tbs_encode(&w, kp);
	sign(d, "KeyPackageTBS", &w, sig, &n);
	kp->signature = (struct pouch_mls_bytes){ sig, n };
	pouch_wr_init(&w, 1 << 16);
	pouch_mls_message_encode(&w, &m);
	take(&w, out);
}

void
e2e_key_package_ref(const struct buf *kp, uint8_t ref[32])
{
	if (pouch_mls_key_package_ref(e2e_crypto,
	    pouch_mls_suite_get(KP_SUITE), kp->p + 4, kp->n - 4, ref) !=
	    POUCH_OK)
		abort();
}

void
e2e_commit(const char *gid, uint64_t epoch, uint32_t leaf,
    const struct buf *kps, size_t nkps, const uint32_t *removes,
    size_t nremoves, struct buf *out)
{
	struct pouch_mls_message m, *kpm;
	struct pouch_mls_framed_content *fc;
	struct pouch_mls_proposal_or_ref *props;
	struct pouch_mls_arena a;
	struct pouch_wr w;
	size_t i, n = 0;

	memset(&m, 0, sizeof(m));
	pouch_mls_arena_init(&a, 1 << 20);
	props = calloc(nkps + nremoves + 1, sizeof(*props));
	kpm = calloc(nkps + 1, sizeof(*kpm));
	if (props == NULL || kpm == NULL)
		abort();
	for (i = 0; i < nremoves; i++, n++) {
		props[n].type = POUCH_MLS_POR_PROPOSAL;
		props[n].u.proposal.type = POUCH_MLS_PROP_REMOVE;
		props[n].u.proposal.u.remove.removed = removes[i];
	}
	for (i = 0; i < nkps; i++, n++) {
		if (pouch_mls_message_from_bytes(&a, NULL, kps[i].p, kps[i].n,
		    &kpm[i]) != POUCH_OK)
			abort();
		props[n].type = POUCH_MLS_POR_PROPOSAL;
		props[n].u.proposal.type = POUCH_MLS_PROP_ADD;
		props[n].u.proposal.u.add.key_package = kpm[i].u.key_package;
	}
	m.version = POUCH_MLS_VERSION_10;
	m.wire_format = POUCH_MLS_WF_PUBLIC_MESSAGE;
	fc = &m.u.public_message.content;
	fc->group_id = (struct pouch_mls_bytes){ (const uint8_t *)gid,
	    strlen(gid) };
	fc->epoch = epoch;
	fc->sender.type = POUCH_MLS_SENDER_MEMBER;
	fc->sender.index = leaf;
	fc->content_type = POUCH_MLS_CT_COMMIT;
	fc->u.commit.proposals = props;
	fc->u.commit.nproposals = n;
	m.u.public_message.auth.signature = (struct pouch_mls_bytes){
	    filler, 64 };
	m.u.public_message.auth.confirmation_tag = (struct pouch_mls_bytes){
	    filler, 32 };
	m.u.public_message.membership_tag = (struct pouch_mls_bytes){
	    filler, 32 };
	pouch_wr_init(&w, 1 << 20);
	pouch_mls_message_encode(&w, &m);
	take(&w, out);
	pouch_mls_arena_free(&a);
	free(props);
	free(kpm);
}

void
e2e_commit_by_ref(const char *gid, uint64_t epoch, uint32_t leaf,
    const uint8_t ref[32], struct buf *out)
{
	struct pouch_mls_message m;
	struct pouch_mls_framed_content *fc;
	struct pouch_mls_proposal_or_ref por;
	struct pouch_wr w;

	memset(&m, 0, sizeof(m));
	memset(&por, 0, sizeof(por));
	por.type = POUCH_MLS_POR_REFERENCE;
	por.u.reference = (struct pouch_mls_bytes){ ref, 32 };
	m.version = POUCH_MLS_VERSION_10;
	m.wire_format = POUCH_MLS_WF_PUBLIC_MESSAGE;
	fc = &m.u.public_message.content;
	fc->group_id = (struct pouch_mls_bytes){ (const uint8_t *)gid,
	    strlen(gid) };
	fc->epoch = epoch;
	fc->sender.type = POUCH_MLS_SENDER_MEMBER;
	fc->sender.index = leaf;
	fc->content_type = POUCH_MLS_CT_COMMIT;
	fc->u.commit.proposals = &por;
	fc->u.commit.nproposals = 1;
	m.u.public_message.auth.signature = (struct pouch_mls_bytes){
	    filler, 64 };
	m.u.public_message.auth.confirmation_tag = (struct pouch_mls_bytes){
	    filler, 32 };
	m.u.public_message.membership_tag = (struct pouch_mls_bytes){
	    filler, 32 };
	pouch_wr_init(&w, 1 << 20);
	pouch_mls_message_encode(&w, &m);
	take(&w, out);
}

int
e2e_check_server_remove(const struct buf *msg, const uint8_t server[32],
    const char *gid, uint64_t epoch, uint32_t leaf, uint8_t ref[32])
{
	const struct pouch_mls_suite *s = pouch_mls_suite_get(SUITE);
	struct pouch_mls_framed_content_tbs tbs;
	struct pouch_mls_authenticated_content ac;
	struct pouch_mls_public_message *pm;
	struct pouch_mls_message m;
	struct pouch_mls_arena a;
	struct pouch_wr w;
	int rc = -1;

	pouch_mls_arena_init(&a, 1 << 20);
	pouch_wr_init(&w, 1 << 16);
	if (pouch_mls_message_from_bytes(&a, NULL, msg->p, msg->n, &m) !=
	    POUCH_OK || m.wire_format != POUCH_MLS_WF_PUBLIC_MESSAGE)
		goto out;
	pm = &m.u.public_message;
	if (pm->content.sender.type != POUCH_MLS_SENDER_EXTERNAL ||
	    pm->content.sender.index != 0 ||
	    pm->content.content_type != POUCH_MLS_CT_PROPOSAL ||
	    pm->content.u.proposal.type != POUCH_MLS_PROP_REMOVE ||
	    pm->content.u.proposal.u.remove.removed != leaf ||
	    pm->content.epoch != epoch ||
	    pm->content.group_id.n != strlen(gid) ||
	    memcmp(pm->content.group_id.p, gid, strlen(gid)) != 0)
		goto out;
	/* RFC 9420 6.1: signed by the server's key as external sender */
	memset(&tbs, 0, sizeof(tbs));
	tbs.version = POUCH_MLS_VERSION_10;
	tbs.wire_format = POUCH_MLS_WF_PUBLIC_MESSAGE;
	tbs.content = pm->content;
	pouch_mls_framed_content_tbs_encode(&w, &tbs);
	if (pouch_wr_finish(&w) != POUCH_OK ||
	    pouch_mls_verify_with_label(e2e_crypto, s, server, 32,
	    "FramedContentTBS", w.buf, w.len, pm->auth.signature.p,
	    pm->auth.signature.n) != POUCH_OK)
		goto out;
	pouch_wr_free(&w);
	/* RFC 9420 5.2: its ProposalRef, as a member computes it */
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = POUCH_MLS_WF_PUBLIC_MESSAGE;
	ac.content = pm->content;
	ac.auth = pm->auth;
	pouch_wr_init(&w, 1 << 16);
	pouch_mls_authenticated_content_encode(&w, &ac);
	if (pouch_wr_finish(&w) != POUCH_OK ||
	    pouch_mls_proposal_ref(e2e_crypto, s, w.buf, w.len, ref) !=
	    POUCH_OK)
		goto out;
	rc = 0;
out:
	pouch_wr_free(&w);
	pouch_mls_arena_free(&a);
	return rc;
}

void
e2e_app(const char *gid, uint64_t epoch, const char *text, struct buf *out)
{
	struct pouch_mls_message m;
	struct pouch_mls_private_message *pm = &m.u.private_message;
	struct pouch_wr w;

	memset(&m, 0, sizeof(m));
	m.version = POUCH_MLS_VERSION_10;
	m.wire_format = POUCH_MLS_WF_PRIVATE_MESSAGE;
	pm->group_id = (struct pouch_mls_bytes){ (const uint8_t *)gid,
	    strlen(gid) };
	pm->epoch = epoch;
	pm->content_type = POUCH_MLS_CT_APPLICATION;
	pm->encrypted_sender_data = (struct pouch_mls_bytes){ filler, 28 };
	/* stands in for ciphertext: the server must not care */
	pm->ciphertext = (struct pouch_mls_bytes){ (const uint8_t *)text,
	    strlen(text) };
	pouch_wr_init(&w, 1 << 20);
	pouch_mls_message_encode(&w, &m);
	take(&w, out);
}

void
e2e_welcome(const uint8_t (*refs)[32], size_t n, struct buf *out)
{
	struct pouch_mls_message m;
	struct pouch_mls_encrypted_group_secrets egs[8];
	struct pouch_wr w;
	size_t i;

	if (n > 8)
		abort();
	memset(&m, 0, sizeof(m));
	memset(egs, 0, sizeof(egs));
	for (i = 0; i < n; i++) {
		egs[i].new_member = (struct pouch_mls_bytes){ refs[i], 32 };
		egs[i].encrypted_group_secrets.kem_output =
		    (struct pouch_mls_bytes){ filler, 32 };
		egs[i].encrypted_group_secrets.ciphertext =
		    (struct pouch_mls_bytes){ filler, 48 };
	}
	m.version = POUCH_MLS_VERSION_10;
	m.wire_format = POUCH_MLS_WF_WELCOME;
	m.u.welcome.cipher_suite = SUITE;
	m.u.welcome.secrets = egs;
	m.u.welcome.nsecrets = n;
	m.u.welcome.encrypted_group_info = (struct pouch_mls_bytes){ filler,
	    64 };
	pouch_wr_init(&w, 1 << 20);
	pouch_mls_message_encode(&w, &m);
	take(&w, out);
}
