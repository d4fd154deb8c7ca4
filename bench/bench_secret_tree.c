/*
 * bench_secret_tree.c - the sender-ratchet step of RFC 9420 9.1 in cipher
 * suite 1: one op is pouch_mls_secret_tree_get_next() (key and nonce of
 * the next application generation of one leaf) plus
 * pouch_mls_secret_tree_consume() (advance the ratchet, wipe the key) -
 * what protecting or unprotecting one application message costs the
 * secret tree.  The window is set wide enough that the run never
 * exhausts it; any failure ends the program, so no failure path is timed.
 */
#include "bench.h"
#include "crypto/crypto.h"
#include "mls/secret_tree.h"

#define SECONDS		1.0

struct st_op {
	const struct pouch_crypto	*c;
	struct pouch_mls_secret_tree	*st;
};

static void
next_key(void *arg)
{
	struct st_op *op = arg;
	struct pouch_mls_st_key k;

	bench_check(pouch_mls_secret_tree_get_next(op->c, op->st, 3,
	    POUCH_MLS_RATCHET_APPLICATION, &k), "get_next");
	bench_check(pouch_mls_secret_tree_consume(op->c, op->st, &k),
	    "consume");
}

int
main(void)
{
	struct pouch_crypto *c = NULL;
	const struct pouch_mls_suite *s;
	uint8_t enc[32] = { 1, 2, 3 };
	struct st_op op;

	bench_check(pouch_crypto_new(&c), "pouch_crypto_new");
	if ((s = pouch_mls_suite_get(1)) == NULL)
		bench_check(POUCH_E_UNSUPPORTED, "suite 1");
	op.c = c;
	bench_check(pouch_mls_secret_tree_new(s, enc, 64, NULL, &op.st),
	    "secret_tree_new");
	bench_run("secret_tree_next_key_suite1", next_key, &op, SECONDS);
	pouch_mls_secret_tree_free(op.st);
	pouch_crypto_free(c);
	return 0;
}
