/*
 * bench_mlkem.c - ML-KEM-512/768/1024 key generation, encapsulation and
 * decapsulation (the randomized public forms, RAND_bytes included), and
 * the post-quantum cost against the classical one in the same run: one
 * ML-KEM-768 encaps + decaps against one X25519 keygen + DH through the
 * crypto provider (POUCH_IMPL_DEFAULT).  The ratio line is
 * (x25519 keygen+dh time) / (mlkem768 encaps+decaps time); the goal of
 * issue 6 is >= 1.  Then X-Wing (src/mlkem/xwing.c): keygen (random
 * seed, expanded), encaps and decaps (which expands the seed again).
 */
#include <string.h>

#include "bench.h"
#include "crypto/crypto.h"
#include "mlkem/mlkem.h"
#include "mlkem/xwing.h"

#define BENCH_SECONDS	0.5

struct kem_arg {
	const struct pouch_mlkem_ctx *c;
	enum pouch_mlkem_param	 p;
	size_t			 ekl, dkl, ctl;
	uint8_t			 ek[MLKEM_EK_MAX], dk[MLKEM_DK_MAX];
	uint8_t			 ct[MLKEM_CT_MAX], ss[32], ss2[32];
};

struct dh_arg {
	const struct pouch_crypto *c;
	uint8_t			 priv[32], pub[32], peer[32], shared[32];
};

struct xwing_arg {
	const struct pouch_crypto	*cc;
	const struct pouch_mlkem_ctx	*c;
	struct pouch_xwing_sk		 sk;
	struct pouch_xwing_pk		 pk;
	struct pouch_xwing_ct		 ct;
	uint8_t				 ss[32], ss2[32];
};

static void
op_xwing_keygen(void *p)
{
	struct xwing_arg *a = p;

	bench_check(pouch_xwing_keygen(a->cc, a->c, &a->sk, &a->pk),
	    "xwing keygen");
}

static void
op_xwing_encaps(void *p)
{
	struct xwing_arg *a = p;

	bench_check(pouch_xwing_encaps(a->cc, a->c, &a->pk, &a->ct, a->ss),
	    "xwing encaps");
}

static void
op_xwing_decaps(void *p)
{
	struct xwing_arg *a = p;

	bench_check(pouch_xwing_decaps(a->cc, a->c, &a->sk, &a->ct, a->ss2),
	    "xwing decaps");
}

static void
op_keygen(void *p)
{
	struct kem_arg *a = p;

	bench_check(pouch_mlkem_keygen(a->c, a->p, NULL, a->ek, a->ekl, a->dk,
	    a->dkl), "mlkem keygen");
}

static void
op_encaps(void *p)
{
	struct kem_arg *a = p;

	bench_check(pouch_mlkem_encaps(a->c, a->p, a->ek, a->ekl, a->ct,
	    a->ctl, a->ss), "mlkem encaps");
}

static void
op_decaps(void *p)
{
	struct kem_arg *a = p;

	bench_check(pouch_mlkem_decaps(a->c, a->p, a->dk, a->dkl, a->ct,
	    a->ctl, a->ss2), "mlkem decaps");
}

static void
op_encaps_decaps(void *p)
{
	op_encaps(p);
	op_decaps(p);
}

/* A sender's side of DHKEM: a fresh key pair, then DH with the peer. */
static void
op_x25519_keygen_dh(void *p)
{
	struct dh_arg *a = p;

	bench_check(pouch_dh_keygen(a->c, POUCH_DH_X25519, POUCH_IMPL_DEFAULT,
	    a->priv, a->pub), "x25519 keygen");
	bench_check(pouch_dh(a->c, POUCH_DH_X25519, POUCH_IMPL_DEFAULT,
	    a->priv, a->peer, sizeof(a->peer), a->shared), "x25519 dh");
}

int
main(void)
{
	static const struct {
		enum pouch_mlkem_param	 p;
		const char		*name[3];
	} sets[] = {
		{ POUCH_MLKEM512, { "mlkem512_keygen", "mlkem512_encaps",
		    "mlkem512_decaps" } },
		{ POUCH_MLKEM768, { "mlkem768_keygen", "mlkem768_encaps",
		    "mlkem768_decaps" } },
		{ POUCH_MLKEM1024, { "mlkem1024_keygen", "mlkem1024_encaps",
		    "mlkem1024_decaps" } },
	};
	struct pouch_mlkem_ctx *mc = NULL;
	struct pouch_crypto *cc = NULL;
	struct kem_arg *a;
	struct xwing_arg *x;
	struct dh_arg d;
	uint8_t peerpriv[32];
	double pq, classic;
	size_t i;

	bench_check(pouch_mlkem_ctx_new(&mc), "mlkem ctx");
	bench_check(pouch_crypto_new(&cc), "crypto");
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return 1;
	a->c = mc;
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		a->p = sets[i].p;
		a->ekl = pouch_mlkem_ek_len(a->p);
		a->dkl = pouch_mlkem_dk_len(a->p);
		a->ctl = pouch_mlkem_ct_len(a->p);
		bench_run(sets[i].name[0], op_keygen, a, BENCH_SECONDS);
		bench_run(sets[i].name[1], op_encaps, a, BENCH_SECONDS);
		bench_run(sets[i].name[2], op_decaps, a, BENCH_SECONDS);
		if (memcmp(a->ss, a->ss2, sizeof(a->ss)) != 0) {
			fprintf(stderr, "bench: decaps disagrees\n");
			return 1;
		}
	}
	/* ML-KEM-768 encaps + decaps against X25519 keygen + DH. */
	a->p = POUCH_MLKEM768;
	a->ekl = MLKEM768_EK_BYTES;
	a->dkl = MLKEM768_DK_BYTES;
	a->ctl = MLKEM768_CT_BYTES;
	op_keygen(a);
	pq = bench_run("mlkem768_encaps_decaps", op_encaps_decaps, a,
	    BENCH_SECONDS);
	memset(&d, 0, sizeof(d));
	d.c = cc;
	bench_check(pouch_dh_keygen(cc, POUCH_DH_X25519, POUCH_IMPL_DEFAULT,
	    peerpriv, d.peer), "x25519 keygen");
	classic = bench_run("x25519_keygen_dh", op_x25519_keygen_dh, &d,
	    BENCH_SECONDS);
	/* rate ratio = time(x25519 keygen+dh) / time(mlkem768 enc+dec) */
	bench_ratio("mlkem768_encaps_decaps", pq, "x25519_keygen_dh", classic);
	/* X-Wing: keygen, then encaps/decaps to the last key generated. */
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return 1;
	x->cc = cc;
	x->c = mc;
	bench_run("xwing_keygen", op_xwing_keygen, x, BENCH_SECONDS);
	bench_run("xwing_encaps", op_xwing_encaps, x, BENCH_SECONDS);
	bench_run("xwing_decaps", op_xwing_decaps, x, BENCH_SECONDS);
	if (memcmp(x->ss, x->ss2, sizeof(x->ss)) != 0) {
		fprintf(stderr, "bench: xwing decaps disagrees\n");
		return 1;
	}
	free(x);
	free(a);
	pouch_crypto_free(cc);
	pouch_mlkem_ctx_free(mc);
	return 0;
}
