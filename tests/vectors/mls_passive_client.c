/*
 * mls_passive_client.c - runner for the mls/passive-client-*.json files
 * (RFC 9420 12.4.2, 12.4.3.1).  A case passes when the client joins from
 * welcome (with ratchet_tree when given and the external PSKs) at
 * initial_epoch_authenticator, then processes each epoch's commit to that
 * epoch's epoch_authenticator, after feeding it the epoch's proposals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "mls/group.h"
#include "mls/msg.h"
#include "mls/suite.h"
#include "vectors/vectors.h"

/* Bytes a case owns, freed together. */
struct pc_bufs {
	uint8_t		*kpm, *kp, *sig, *enc, *init, *wel, *tree;
	size_t		 kpmlen, kplen, siglen, enclen, initlen, wellen, treelen;
	uint8_t		*psk[16], *pskid[16];
	size_t		 psklen[16], pskidlen[16];
	struct pouch_mls_external_psk	 xp[16];
	size_t		 nxp;
};

static void
pc_bufs_free(struct pc_bufs *b)
{
	size_t i;

	free(b->kpm);
	pouch_wr_buf_free(b->kp, b->kplen);
	free(b->sig);
	free(b->enc);
	free(b->init);
	free(b->wel);
	free(b->tree);
	for (i = 0; i < 16; i++) {
		free(b->psk[i]);
		free(b->pskid[i]);
	}
}

/* The KeyPackage inside the MLSMessage kpm, re-encoded alone. */
static int
inner_kp(struct pc_bufs *b)
{
	struct pouch_mls_message m;
	struct pouch_mls_arena a;
	struct pouch_wr w;
	int ok = 0;

	pouch_mls_arena_init_limits(&a, NULL);
	pouch_wr_init(&w, 1U << 24);
	if (pouch_mls_message_from_bytes(&a, NULL, b->kpm, b->kpmlen, &m) ==
	    POUCH_OK && m.wire_format == POUCH_MLS_WF_KEY_PACKAGE) {
		pouch_mls_key_package_encode(&w, &m.u.key_package);
		ok = pouch_wr_take(&w, &b->kp, &b->kplen) == POUCH_OK;
	}
	pouch_wr_free(&w);
	pouch_mls_arena_free(&a);
	return ok;
}

/*
 * Some generators write P-521 scalars (suite 5) without their leading
 * zero octets; RFC 9180 7.1.2 and SEC1 fix them at 66 bytes.  Left-pad.
 */
static int
pad_p521(long long suite, uint8_t **k, size_t *len)
{
	uint8_t *x;

	if (suite != 5 || *len >= 66)
		return 1;
	if ((x = calloc(1, 66)) == NULL)
		return 0;
	memcpy(x + 66 - *len, *k, *len);
	free(*k);
	*k = x;
	*len = 66;
	return 1;
}

static int
load(json_t *o, long long suite, struct pc_bufs *b)
{
	json_t *psks, *e, *rt;
	size_t i;

	if (vec_hex(o, "key_package", &b->kpm, &b->kpmlen) != 0 ||
	    vec_hex(o, "signature_priv", &b->sig, &b->siglen) != 0 ||
	    vec_hex(o, "encryption_priv", &b->enc, &b->enclen) != 0 ||
	    vec_hex(o, "init_priv", &b->init, &b->initlen) != 0 ||
	    vec_hex(o, "welcome", &b->wel, &b->wellen) != 0 || !inner_kp(b) ||
	    !pad_p521(suite, &b->sig, &b->siglen) ||
	    !pad_p521(suite, &b->enc, &b->enclen) ||
	    !pad_p521(suite, &b->init, &b->initlen))
		return 0;
	rt = json_object_get(o, "ratchet_tree");
	if (json_is_string(rt) && vec_hex_value(rt, &b->tree,
	    &b->treelen) != 0)
		return 0;
	psks = json_object_get(o, "external_psks");
	if (json_array_size(psks) > 16)
		return 0;
	for (i = 0; i < json_array_size(psks); i++) {
		e = json_array_get(psks, i);
		if (vec_hex(e, "psk_id", &b->pskid[i], &b->pskidlen[i]) != 0 ||
		    vec_hex(e, "psk", &b->psk[i], &b->psklen[i]) != 0)
			return 0;
		b->xp[i].id = b->pskid[i];
		b->xp[i].idlen = b->pskidlen[i];
		b->xp[i].psk = b->psk[i];
		b->xp[i].psklen = b->psklen[i];
	}
	b->nxp = json_array_size(psks);
	return 1;
}

/* The group's epoch authenticator equals the hex member key of o. */
static int
auth_is(const struct pouch_mls_suite *s, struct pouch_mls_group *g,
    json_t *o, const char *key)
{
	uint8_t got[POUCH_HASH_MAX], *want = NULL;
	size_t wantlen;
	int ok;

	ok = vec_hex(o, key, &want, &wantlen) == 0 && wantlen == s->nh &&
	    pouch_mls_group_epoch_authenticator(g, got) == POUCH_OK &&
	    memcmp(got, want, wantlen) == 0;
	free(want);
	return ok;
}

/* Process one hex-encoded message of array/object member v. */
static int
feed(struct pouch_mls_group *g, json_t *v, const char **why)
{
	uint8_t *m = NULL;
	size_t mlen;
	int rc;

	if (vec_hex_value(v, &m, &mlen) != 0) {
		*why = "bad epoch";
		return 0;
	}
	rc = pouch_mls_group_process(g, m, mlen, 0);
	free(m);
	if (rc != POUCH_OK) {
		*why = pouch_strerror(rc);
		return 0;
	}
	return 1;
}

static int
run_epochs(const struct pouch_mls_suite *s, struct pouch_mls_group *g,
    json_t *epochs, const char **why)
{
	json_t *ep, *props;
	size_t i, j;

	for (i = 0; i < json_array_size(epochs); i++) {
		ep = json_array_get(epochs, i);
		props = json_object_get(ep, "proposals");
		for (j = 0; j < json_array_size(props); j++)
			if (!feed(g, json_array_get(props, j), why))
				return 0;
		if (!feed(g, json_object_get(ep, "commit"), why))
			return 0;
		if (!auth_is(s, g, ep, "epoch_authenticator")) {
			*why = "epoch_authenticator differs";
			return 0;
		}
	}
	return 1;
}

static int
run_case(const struct pouch_crypto *c, json_t *o, const char *file,
    size_t idx)
{
	const struct pouch_mls_suite *s;
	struct pouch_mls_member_keys mk;
	struct pouch_mls_join_opts opts;
	struct pouch_mls_group *g = NULL;
	struct pc_bufs b;
	const char *why = "bad case fields or suite";
	long long suite;
	int ok = 0, rc;

	memset(&b, 0, sizeof(b));
	if (vec_int(o, "cipher_suite", &suite) != 0 || suite < 0 ||
	    suite > UINT16_MAX ||
	    (s = pouch_mls_suite_get((uint16_t)suite)) == NULL ||
	    !load(o, suite, &b))
		goto out;
	memset(&mk, 0, sizeof(mk));
	mk.kp = b.kp;
	mk.kplen = b.kplen;
	mk.sig_priv = b.sig;
	mk.sig_privlen = b.siglen;
	mk.init_priv = b.init;
	mk.init_privlen = b.initlen;
	mk.enc_priv = b.enc;
	mk.enc_privlen = b.enclen;
	memset(&opts, 0, sizeof(opts));
	opts.tree = b.tree;
	opts.treelen = b.treelen;
	opts.psks = b.xp;
	opts.npsks = b.nxp;
	if ((rc = pouch_mls_group_join(c, s, &mk, b.wel, b.wellen, &opts, 0,
	    &g)) != POUCH_OK) {
		why = pouch_strerror(rc);
		goto out;
	}
	why = "initial_epoch_authenticator differs";
	if (!auth_is(s, g, o, "initial_epoch_authenticator"))
		goto out;
	ok = run_epochs(s, g, json_object_get(o, "epochs"), &why);
out:
	if (!ok)
		vec_fail(file, idx, why);
	pouch_mls_group_free(g);
	pc_bufs_free(&b);
	return ok;
}

int
vec_run_mls_passive_client(json_t *root, const char *file,
    struct vec_result *res)
{
	struct pouch_crypto *c = NULL;
	size_t i;

	if (!json_is_array(root) || pouch_crypto_new(&c) != POUCH_OK)
		return -1;
	for (i = 0; i < json_array_size(root); i++) {
		res->total++;
		if (run_case(c, json_array_get(root, i), file, i))
			res->passed++;
	}
	pouch_crypto_free(c);
	return 0;
}
