/*
 * group_demo.c - `pouch group-demo`: three members in one process run a
 * real MLS group in the post-quantum hybrid suite (X-Wing + Ed25519):
 * Alice creates the group and adds Bob and Carol with a commit and a
 * Welcome, everyone checks that they agree on the epoch, messages are
 * encrypted and decrypted, then Carol is removed and can no longer read.
 * Nothing secret is printed: only sizes, epochs, the public epoch
 * authenticator prefix (meant for comparison) and the plaintexts the
 * members themselves read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include <pouch/pouch.h>

#include "cli/cli.h"
#include "codec/codec.h"
#include "crypto/crypto.h"
#include "mls/group.h"
#include "mls/keypackage.h"
#include "mls/suite.h"

struct member {
	const char		*name;
	uint8_t			 sig_priv[POUCH_SIG_PRIV_MAX];
	uint8_t			 sig_pub[POUCH_SIG_PUB_MAX];
	struct pouch_mls_kp_out	 kp;
	struct pouch_mls_group	*g;
};

static int
member_init(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    struct member *m, const char *name, uint64_t now)
{
	struct pouch_mls_kp_params p;
	int rc;

	m->name = name;
	if ((rc = pouch_sig_keygen(c, s->sig, m->sig_priv, m->sig_pub)) !=
	    POUCH_OK)
		return rc;
	memset(&p, 0, sizeof(p));
	p.s = s;
	p.identity = (const uint8_t *)name;
	p.identitylen = strlen(name);
	p.sig_priv = m->sig_priv;
	p.sig_privlen = pouch_sig_priv_len(s->sig);
	p.sig_pub = m->sig_pub;
	p.sig_publen = pouch_sig_pub_len(s->sig);
	p.not_before = now - 3600;
	p.not_after = now + 30 * 86400;
	return pouch_mls_key_package_create(c, &p, &m->kp);
}

static struct pouch_mls_member_keys
keys_of(const struct pouch_mls_suite *s, const struct member *m)
{
	return pouch_mls_member_keys_of(s, &m->kp, m->sig_priv);
}

static void
member_clear(struct member *m)
{
	pouch_mls_group_free(m->g);
	pouch_mls_kp_out_clear(&m->kp);
	OPENSSL_cleanse(m->sig_priv, sizeof(m->sig_priv));
}

/*
 * from sends text; every reader tries to decrypt and prints what it read.
 * The first nread readers must read it and the others must not: anything
 * else is a failure of the demo (POUCH_E_STATE).
 */
static int
say(struct member *from, struct member **to, size_t nto, size_t nread,
    const char *text)
{
	uint8_t *ct = NULL, *pt = NULL;
	size_t ctlen, ptlen, i;
	uint32_t sender;
	int rc;

	if ((rc = pouch_mls_group_encrypt(from->g, NULL, 0,
	    (const uint8_t *)text, strlen(text), &ct, &ctlen)) != POUCH_OK)
		return rc;
	printf("  %s sends %zu bytes of plaintext as a %zu-byte "
	    "PrivateMessage\n", from->name, strlen(text), ctlen);
	for (i = 0; i < nto; i++) {
		rc = pouch_mls_group_decrypt(to[i]->g, ct, ctlen, &pt, &ptlen,
		    &sender);
		if (rc != POUCH_OK) {
			printf("  %-5s cannot read it: %s\n", to[i]->name,
			    pouch_strerror(rc));
			if (i < nread)
				goto out;
			continue;
		}
		printf("  %-5s reads from leaf %u: \"%.*s\"\n", to[i]->name,
		    sender, (int)ptlen, (const char *)pt);
		pouch_wr_buf_free(pt, ptlen);
		pt = NULL;
		if (i >= nread) {
			rc = POUCH_E_STATE;	/* a removed member read it */
			goto out;
		}
	}
	rc = POUCH_OK;
out:
	pouch_wr_buf_free(ct, ctlen);
	return rc;
}

/* Every member prints its epoch and authenticator prefix; 1 if equal. */
static int
agree(const struct pouch_mls_suite *s, struct member **ms, size_t n)
{
	uint8_t first[POUCH_HASH_MAX], a[POUCH_HASH_MAX];
	size_t i;
	int same = 1;

	for (i = 0; i < n; i++) {
		if (pouch_mls_group_epoch_authenticator(ms[i]->g, a) !=
		    POUCH_OK)
			return 0;
		if (i == 0)
			memcpy(first, a, s->nh);
		else if (CRYPTO_memcmp(first, a, s->nh) != 0)
			same = 0;
		printf("  %-5s epoch %llu, %u members, authenticator "
		    "%02x%02x%02x%02x...\n", ms[i]->name,
		    (unsigned long long)pouch_mls_group_epoch(ms[i]->g),
		    pouch_mls_group_members(ms[i]->g), a[0], a[1], a[2], a[3]);
	}
	return same;
}

static int
run(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    struct member *al, struct member *bo, struct member *ca, uint64_t now)
{
	struct pouch_mls_member_keys k;
	struct pouch_mls_commit_req req;
	const uint8_t *adds[2];
	size_t addlens[2];
	uint8_t *commit = NULL, *welcome = NULL;
	size_t commitlen = 0, welcomelen = 0;
	uint32_t carol_leaf;
	struct member *all[3] = { al, bo, ca }, *rest[2];
	int rc;

	printf("== alice creates the group and adds bob and carol\n");
	k = keys_of(s, al);
	if ((rc = pouch_mls_group_create(c, s, (const uint8_t *)"embassy",
	    7, &k, now, &al->g)) != POUCH_OK)
		goto out;
	memset(&req, 0, sizeof(req));
	adds[0] = bo->kp.kp;
	addlens[0] = bo->kp.kplen;
	adds[1] = ca->kp.kp;
	addlens[1] = ca->kp.kplen;
	req.adds = adds;
	req.addlens = addlens;
	req.nadds = 2;
	req.now = now;
	if ((rc = pouch_mls_group_commit(al->g, &req, &commit, &commitlen,
	    &welcome, &welcomelen)) != POUCH_OK ||
	    (rc = pouch_mls_group_merge_pending(al->g)) != POUCH_OK)
		goto out;
	printf("  commit %zu bytes, welcome %zu bytes (KeyPackages %zu "
	    "bytes each: X-Wing keys)\n", commitlen, welcomelen,
	    bo->kp.kplen);
	k = keys_of(s, bo);
	if ((rc = pouch_mls_group_join(c, s, &k, welcome, welcomelen, NULL,
	    now, &bo->g)) != POUCH_OK)
		goto out;
	k = keys_of(s, ca);
	if ((rc = pouch_mls_group_join(c, s, &k, welcome, welcomelen, NULL,
	    now, &ca->g)) != POUCH_OK)
		goto out;
	if (!agree(s, all, 3)) {
		rc = POUCH_E_STATE;
		goto out;
	}

	printf("== messages\n");
	rest[0] = bo;
	rest[1] = ca;
	if ((rc = say(al, rest, 2, 2, "Dispatch 1: the pouch is sealed.")) !=
	    POUCH_OK)
		goto out;
	rest[0] = al;
	if ((rc = say(bo, rest, 2, 2, "Received; reply follows by courier.")) !=
	    POUCH_OK)
		goto out;

	printf("== alice removes carol\n");
	pouch_wr_buf_free(commit, commitlen);
	pouch_wr_buf_free(welcome, welcomelen);
	commit = welcome = NULL;
	carol_leaf = pouch_mls_group_leaf(ca->g);
	memset(&req, 0, sizeof(req));
	req.removes = &carol_leaf;
	req.nremoves = 1;
	req.now = now;
	if ((rc = pouch_mls_group_commit(al->g, &req, &commit, &commitlen,
	    &welcome, &welcomelen)) != POUCH_OK ||
	    (rc = pouch_mls_group_merge_pending(al->g)) != POUCH_OK ||
	    (rc = pouch_mls_group_process(bo->g, commit, commitlen, now)) !=
	    POUCH_OK || (rc = pouch_mls_group_process(ca->g, commit,
	    commitlen, now)) != POUCH_OK)
		goto out;
	printf("  carol processed the commit: removed = %d\n",
	    pouch_mls_group_removed(ca->g));
	if (!agree(s, all, 2)) {
		rc = POUCH_E_STATE;
		goto out;
	}
	rest[1] = ca;
	rc = say(bo, rest, 2, 1, "Dispatch 2: for alice only now.");
out:
	pouch_wr_buf_free(commit, commitlen);
	pouch_wr_buf_free(welcome, welcomelen);
	return rc;
}

int
cmd_group_demo(int argc, char **argv)
{
	struct pouch_crypto *c = NULL;
	const struct pouch_mls_suite *s;
	struct member al, bo, ca;
	uint64_t now = (uint64_t)time(NULL);
	int rc;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: pouch group-demo\n");
		return 2;
	}
	memset(&al, 0, sizeof(al));
	memset(&bo, 0, sizeof(bo));
	memset(&ca, 0, sizeof(ca));
	s = pouch_mls_suite_get(POUCH_MLS_SUITE_HYBRID);
	printf("MLS group in %s (0x%04x)\n", s->name, s->id);
	if ((rc = pouch_crypto_new(&c)) != POUCH_OK ||
	    (rc = member_init(c, s, &al, "alice", now)) != POUCH_OK ||
	    (rc = member_init(c, s, &bo, "bob", now)) != POUCH_OK ||
	    (rc = member_init(c, s, &ca, "carol", now)) != POUCH_OK)
		goto out;
	rc = run(c, s, &al, &bo, &ca, now);
out:
	if (rc != POUCH_OK)
		fprintf(stderr, "pouch: group-demo: %s\n", pouch_strerror(rc));
	else
		printf("group-demo: ok\n");
	member_clear(&al);
	member_clear(&bo);
	member_clear(&ca);
	pouch_crypto_free(c);
	return rc == POUCH_OK ? 0 : 1;
}
