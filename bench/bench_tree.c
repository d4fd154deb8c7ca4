/*
 * bench_tree.c - the ratchet tree hash (RFC 9420 7.8) in cipher suite 1:
 * a full recomputation (cache dropped first) over a tree of 1,024 and of
 * 16,384 leaves, every leaf a real LeafNode (random X25519-sized and
 * Ed25519-sized keys, a basic credential, capabilities, a key_package
 * lifetime, a 64-byte signature field; signatures are not verified here)
 * and every parent a ParentNode with a random key.  Prints the mean time
 * of one computation in ms, and the cost of cloning the large tree (the
 * staged-copy step of every commit) in ms.
 */
#include <string.h>

#include "bench.h"
#include "crypto/crypto.h"
#include "mls/tree.h"

#define SECONDS		1.0

static struct pouch_mls_tree *
build(const struct pouch_mls_suite *s, uint32_t nleaves)
{
	static const uint16_t versions[] = { 1 }, suites[] = { 1, 2, 3 },
	    creds[] = { 1 };
	struct pouch_mls_tree *t;
	struct pouch_mls_leaf_node ln;
	struct pouch_mls_parent_node pn;
	uint8_t enc[32], sigkey[32], id[24], sig[64], penc[32];
	uint32_t i;

	bench_check(pouch_mls_tree_new(s, &t), "tree_new");
	while (pouch_mls_tree_leaves(t) < nleaves)
		bench_check(pouch_mls_tree_extend(t), "extend");
	memset(&ln, 0, sizeof(ln));
	ln.encryption_key.p = enc;
	ln.encryption_key.n = sizeof(enc);
	ln.signature_key.p = sigkey;
	ln.signature_key.n = sizeof(sigkey);
	ln.credential.type = 1;
	ln.credential.identity.p = id;
	ln.credential.identity.n = sizeof(id);
	ln.capabilities.versions.v = (uint16_t *)versions;
	ln.capabilities.versions.n = 1;
	ln.capabilities.cipher_suites.v = (uint16_t *)suites;
	ln.capabilities.cipher_suites.n = 3;
	ln.capabilities.credentials.v = (uint16_t *)creds;
	ln.capabilities.credentials.n = 1;
	ln.source = 1;
	ln.lifetime.not_after = UINT64_MAX;
	ln.signature.p = sig;
	ln.signature.n = sizeof(sig);
	memset(&pn, 0, sizeof(pn));
	pn.encryption_key.p = penc;
	pn.encryption_key.n = sizeof(penc);
	for (i = 0; i < nleaves; i++) {
		bench_check(pouch_random(enc, sizeof(enc)), "random");
		bench_check(pouch_random(sigkey, sizeof(sigkey)), "random");
		bench_check(pouch_random(id, sizeof(id)), "random");
		bench_check(pouch_random(sig, sizeof(sig)), "random");
		bench_check(pouch_mls_tree_set_leaf(t, i, &ln), "set_leaf");
		if (i + 1 < nleaves) {
			bench_check(pouch_random(penc, sizeof(penc)), "random");
			bench_check(pouch_mls_tree_set_parent(t, 2 * i + 1,
			    &pn), "set_parent");
		}
	}
	return t;
}

static void
tree_hash(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    uint32_t nleaves, const char *name)
{
	struct pouch_mls_tree *t = build(s, nleaves), *d;
	uint8_t h[POUCH_HASH_MAX];
	double t0, el;
	unsigned long n = 0;

	t0 = bench_now();
	do {
		pouch_mls_tree_hash_drop(t);
		bench_check(pouch_mls_tree_root_hash(c, t, h), "root_hash");
		n++;
		el = bench_now() - t0;
	} while (el < SECONDS || n < 3);
	printf("bench %s: %.2f ms\n", name, el * 1e3 / (double)n);
	if (nleaves >= 16384) {
		n = 0;
		t0 = bench_now();
		do {
			bench_check(pouch_mls_tree_clone(t, &d), "clone");
			pouch_mls_tree_free(d);
			n++;
			el = bench_now() - t0;
		} while (el < SECONDS / 4);
		printf("bench tree_clone_%u: %.3f ms\n", nleaves,
		    el * 1e3 / (double)n);
	}
	fflush(stdout);
	pouch_mls_tree_free(t);
}

int
main(void)
{
	struct pouch_crypto *c = NULL;
	const struct pouch_mls_suite *s;

	bench_check(pouch_crypto_new(&c), "pouch_crypto_new");
	if ((s = pouch_mls_suite_get(1)) == NULL)
		bench_check(POUCH_E_UNSUPPORTED, "suite 1");
	tree_hash(c, s, 1024, "tree_hash_1024");
	tree_hash(c, s, 16384, "tree_hash_16384");
	pouch_crypto_free(c);
	return 0;
}
