/*
 * mls_group_external.c - libFuzzer target for the untrusted inputs of
 * group_propose.c, group_validate.c and the external-commit code of
 * group.c: arbitrary bytes given
 *   1. to pouch_mls_group_join_external() as a GroupInfo (with a fixed
 *      joiner), and
 *   2. to pouch_mls_group_process() of a fixed two-member group that
 *      lists an external sender, as a proposal or commit (public or
 *      private, member, external or new_member_commit sender).
 * Properties, each an abort when broken: no crash; a refused input
 * leaves the group's epoch, epoch authenticator, tree hash and proposal
 * cache as they were.  The group is made once (fresh keys); an accepted
 * input (a seed proposal) may grow its cache, which is fine.  Seeds: a
 * GroupInfo of another group, proposals and a commit of the fixed
 * group's shape.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pouch/err.h>

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "mls/group.h"
#include "mls/keypackage.h"

#define FZ_NOW	1500

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_mem {
	uint8_t				 sig_priv[POUCH_SIG_PRIV_MAX];
	uint8_t				 sig_pub[POUCH_SIG_PUB_MAX];
	struct pouch_mls_kp_out		 kp;
	struct pouch_mls_member_keys	 k;
};

struct fz_state {
	struct pouch_crypto		*c;
	const struct pouch_mls_suite	*s;
	struct fz_mem			 m[3];	/* alice, bob, joiner */
	uint8_t				 srv_pub[POUCH_SIG_PUB_MAX];
	uint8_t				 srv_priv[POUCH_SIG_PRIV_MAX];
	struct pouch_mls_group		*g;	/* alice's */
};

static void
fz_mem(struct fz_state *st, struct fz_mem *m, const char *id)
{
	struct pouch_mls_kp_params p;

	if (pouch_sig_keygen(st->c, st->s->sig, m->sig_priv, m->sig_pub) !=
	    POUCH_OK)
		abort();
	memset(&p, 0, sizeof(p));
	p.s = st->s;
	p.identity = (const uint8_t *)id;
	p.identitylen = strlen(id);
	p.sig_priv = m->sig_priv;
	p.sig_privlen = pouch_sig_priv_len(st->s->sig);
	p.sig_pub = m->sig_pub;
	p.sig_publen = pouch_sig_pub_len(st->s->sig);
	p.not_before = 1000;
	p.not_after = 2000;
	if (pouch_mls_key_package_create(st->c, &p, &m->kp) != POUCH_OK)
		abort();
	memset(&m->k, 0, sizeof(m->k));
	m->k.kp = m->kp.kp;
	m->k.kplen = m->kp.kplen;
	m->k.sig_priv = m->sig_priv;
	m->k.sig_privlen = p.sig_privlen;
	m->k.init_priv = m->kp.init_priv;
	m->k.init_privlen = m->kp.init_privlen;
	m->k.enc_priv = m->kp.enc_priv;
	m->k.enc_privlen = m->kp.enc_privlen;
}

/* Alice's group with Bob, the server as external sender 0. */
static struct fz_state *
fz_state(void)
{
	static struct fz_state st;
	static int ready;
	struct pouch_mls_commit_req req;
	struct pouch_mls_create_opts o;
	struct pouch_mls_ext_sender es;
	const uint8_t *kpb;
	uint8_t *cm, *wl;
	size_t kplen, cmlen, wllen;

	if (ready)
		return &st;
	if (pouch_crypto_new(&st.c) != POUCH_OK ||
	    (st.s = pouch_mls_suite_get(1)) == NULL ||
	    pouch_sig_keygen(st.c, st.s->sig, st.srv_priv, st.srv_pub) !=
	    POUCH_OK)
		abort();
	fz_mem(&st, &st.m[0], "alice");
	fz_mem(&st, &st.m[1], "bob");
	fz_mem(&st, &st.m[2], "joiner");
	memset(&o, 0, sizeof(o));
	memset(&es, 0, sizeof(es));
	es.sig_key = st.srv_pub;
	es.sig_keylen = pouch_sig_pub_len(st.s->sig);
	o.ext_senders = &es;
	o.next_senders = 1;
	if (pouch_mls_group_create_opts(st.c, st.s, (const uint8_t *)"fz", 2,
	    &st.m[0].k, &o, FZ_NOW, &st.g) != POUCH_OK)
		abort();
	memset(&req, 0, sizeof(req));
	kpb = st.m[1].kp.kp;
	kplen = st.m[1].kp.kplen;
	req.adds = &kpb;
	req.addlens = &kplen;
	req.nadds = 1;
	req.now = FZ_NOW;
	if (pouch_mls_group_commit(st.g, &req, &cm, &cmlen, &wl, &wllen) !=
	    POUCH_OK || pouch_mls_group_merge_pending(st.g) != POUCH_OK)
		abort();
	pouch_wr_buf_free(cm, cmlen);
	pouch_wr_buf_free(wl, wllen);
	ready = 1;
	return &st;
}

/* What a refused input must leave unchanged. */
struct fz_snap {
	uint64_t	epoch;
	uint8_t		auth[64];
	uint8_t		th[64];
	size_t		ncache;
};

static void
fz_snap(struct pouch_mls_group *g, struct fz_snap *x)
{
	memset(x, 0, sizeof(*x));
	x->epoch = pouch_mls_group_epoch(g);
	x->ncache = pouch_mls_group_cached_proposals(g);
	if (pouch_mls_group_epoch_authenticator(g, x->auth) != POUCH_OK ||
	    pouch_mls_group_tree_hash(g, x->th) != POUCH_OK)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_state *st = fz_state();
	struct pouch_mls_group *j = NULL;
	struct fz_snap a, b;
	uint8_t *cm = NULL;
	size_t cmlen = 0;
	int rc;

	rc = pouch_mls_group_join_external(st->c, st->s, &st->m[2].k, data,
	    size, NULL, FZ_NOW, &j, &cm, &cmlen);
	if (rc != POUCH_OK && (j != NULL || cm != NULL || cmlen != 0))
		abort();
	pouch_mls_group_free(j);
	pouch_wr_buf_free(cm, cmlen);
	fz_snap(st->g, &a);
	rc = pouch_mls_group_process(st->g, data, size, FZ_NOW);
	fz_snap(st->g, &b);
	if (rc != POUCH_OK && memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	return 0;
}
