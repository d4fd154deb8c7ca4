/*
 * bench_mls_app.c - one application message sent and received by two
 * parties, in messages per second: RFC 9420 PrivateMessage in cipher
 * suite 1 (sign, encrypt, sender data, then decrypt, verify, consume;
 * default 32-byte padding) against libolm's Megolm group session
 * (olm_group_encrypt on an outbound session, olm_group_decrypt on the
 * inbound session made from its key).  Both sides sign every message
 * with Ed25519 and verify it once; the MLS sender's signing key is loaded
 * once.  Megolm's decrypt destroys its input, so its copy of the message
 * is part of its cost, as the copy into the arena is part of MLS's.
 * The two are timed in alternating slices and each keeps its best one
 * (see compare()), so that load from other processes does not bias the
 * ratio.  Without libolm (POUCH_HAVE_OLM unset) only the MLS figures are
 * printed.
 */
#include <string.h>

#include "bench.h"
#include "crypto/crypto.h"
#include "mls/protect.h"

#ifdef POUCH_HAVE_OLM
#include <olm/inbound_group_session.h>
#include <olm/olm.h>
#include <olm/outbound_group_session.h>
#endif

#define SECONDS		4.0	/* per size and implementation */
#define ROUNDS		8
#define LEAVES		2
#define ALICE		0
#define BOB		1
#define MSG_MAX		4096

struct mls_pair {
	struct pouch_crypto		*c;
	struct pouch_mls_group_context	 gc;
	uint8_t				 secret[32];	/* every secret */
	uint8_t				 priv[32], pub[32];
	struct pouch_sig_key		*key;
	struct pouch_mls_bytes		 keys[LEAVES];
	struct pouch_mls_secret_tree	*alice, *bob;
	struct pouch_mls_protect_ctx	 send, recv;
	struct pouch_mls_framed_content	 fc;
	uint8_t				 text[MSG_MAX];
};

/*
 * Messages per second of fn(arg) over about seconds (batches doubling
 * until a batch takes a sixteenth of that; one untimed warm-up call).
 */
static double
rate_of(void (*fn)(void *), void *arg, double seconds)
{
	uint64_t n = 0, batch = 1, i;
	double t0, dt;

	fn(arg);
	t0 = bench_now();
	do {
		for (i = 0; i < batch; i++)
			fn(arg);
		n += batch;
		dt = bench_now() - t0;
		if (dt < seconds / 16)
			batch *= 2;
	} while (dt < seconds);
	return (double)n / dt;
}

static void
print_rate(const char *name, double rate)
{
	printf("bench %s: %.0f msg/s\n", name, rate);
	fflush(stdout);
}

static void
mls_setup(struct mls_pair *m)
{
	const struct pouch_mls_suite *s;
	struct pouch_mls_st_limits lim = { 16, 16 };

	memset(m, 0, sizeof(*m));
	bench_check(pouch_crypto_new(&m->c), "pouch_crypto_new");
	if ((s = pouch_mls_suite_get(1)) == NULL)
		bench_check(POUCH_E_UNSUPPORTED, "suite 1");
	bench_check(pouch_random(m->secret, sizeof(m->secret)), "random");
	bench_check(pouch_sig_keygen(m->c, s->sig, m->priv, m->pub), "keygen");
	bench_check(pouch_sig_key_new(m->c, s->sig, POUCH_IMPL_DEFAULT,
	    m->priv, sizeof(m->priv), &m->key), "sig_key_new");
	m->gc.version = POUCH_MLS_VERSION_10;
	m->gc.cipher_suite = s->id;
	m->gc.group_id.p = (const uint8_t *)"bench-group";
	m->gc.group_id.n = 11;
	m->gc.epoch = 1;
	m->gc.tree_hash.p = m->secret;
	m->gc.tree_hash.n = s->nh;
	m->gc.confirmed_transcript_hash.p = m->secret;
	m->gc.confirmed_transcript_hash.n = s->nh;
	m->keys[ALICE].p = m->pub;
	m->keys[ALICE].n = sizeof(m->pub);
	bench_check(pouch_mls_secret_tree_new(s, m->secret, LEAVES, NULL,
	    &m->alice), "secret_tree_new");
	bench_check(pouch_mls_secret_tree_new(s, m->secret, LEAVES, &lim,
	    &m->bob), "secret_tree_new");
	m->send.c = m->c;
	m->send.s = s;
	m->send.gc = &m->gc;
	m->send.membership_key = m->secret;
	m->send.sender_data_secret = m->secret;
	m->recv = m->send;
	m->send.st = m->alice;
	m->recv.st = m->bob;
	memset(m->text, 'm', sizeof(m->text));
	m->fc.group_id = m->gc.group_id;
	m->fc.epoch = m->gc.epoch;
	m->fc.sender.type = POUCH_MLS_SENDER_MEMBER;
	m->fc.sender.index = ALICE;
	m->fc.content_type = POUCH_MLS_CT_APPLICATION;
	m->fc.u.application_data.p = m->text;
}

static void
mls_free(struct mls_pair *m)
{
	pouch_mls_secret_tree_free(m->alice);
	pouch_mls_secret_tree_free(m->bob);
	pouch_sig_key_free(m->key);
	pouch_crypto_free(m->c);
}

/* Alice protects, Bob unprotects and checks the text. */
static void
mls_one(void *arg)
{
	struct mls_pair *m = arg;
	struct pouch_mls_received r;
	uint8_t *msg;
	size_t len;

	bench_check(pouch_mls_protect(&m->send, m->key,
	    POUCH_MLS_WF_PRIVATE_MESSAGE, &m->fc, &msg, &len), "protect");
	bench_check(pouch_mls_message_unprotect(&m->recv, m->keys, LEAVES,
	    msg, len, &r), "unprotect");
	if (r.ac.content.u.application_data.n != m->fc.u.application_data.n)
		bench_check(POUCH_E_CRYPTO, "wrong plaintext");
	pouch_mls_received_clear(&r);
	pouch_wr_buf_free(msg, len);
}

#ifdef POUCH_HAVE_OLM
struct megolm_pair {
	OlmOutboundGroupSession	*out;
	OlmInboundGroupSession	*in;
	void			*outmem, *inmem;
	size_t			 textlen;
	uint8_t			 text[MSG_MAX];
	uint8_t			 msg[2 * MSG_MAX + 512];
	uint8_t			 copy[2 * MSG_MAX + 512];
	uint8_t			 plain[2 * MSG_MAX + 512];
};

static void
olm_check(size_t r, const char *what, const char *err)
{
	if (r == olm_error()) {
		fprintf(stderr, "bench: %s: %s\n", what, err);
		exit(1);
	}
}

static void
megolm_setup(struct megolm_pair *g)
{
	uint8_t rnd[256], key[512];
	size_t n;

	memset(g, 0, sizeof(*g));
	if ((g->outmem = malloc(olm_outbound_group_session_size())) == NULL ||
	    (g->inmem = malloc(olm_inbound_group_session_size())) == NULL)
		bench_check(POUCH_E_NOMEM, "megolm");
	g->out = olm_outbound_group_session(g->outmem);
	g->in = olm_inbound_group_session(g->inmem);
	n = olm_init_outbound_group_session_random_length(g->out);
	if (n > sizeof(rnd))
		bench_check(POUCH_E_LIMIT, "megolm random");
	bench_check(pouch_random(rnd, n), "random");
	olm_check(olm_init_outbound_group_session(g->out, rnd, n),
	    "olm_init_outbound_group_session",
	    olm_outbound_group_session_last_error(g->out));
	n = olm_outbound_group_session_key(g->out, key, sizeof(key));
	olm_check(n, "olm_outbound_group_session_key",
	    olm_outbound_group_session_last_error(g->out));
	olm_check(olm_init_inbound_group_session(g->in, key, n),
	    "olm_init_inbound_group_session",
	    olm_inbound_group_session_last_error(g->in));
	memset(g->text, 'm', sizeof(g->text));
}

static void
megolm_free(struct megolm_pair *g)
{
	olm_clear_outbound_group_session(g->out);
	olm_clear_inbound_group_session(g->in);
	free(g->outmem);
	free(g->inmem);
}

/* Encrypt on the outbound session, decrypt on the inbound one. */
static void
megolm_one(void *arg)
{
	struct megolm_pair *g = arg;
	uint32_t idx;
	size_t n, p;

	n = olm_group_encrypt(g->out, g->text, g->textlen, g->msg,
	    sizeof(g->msg));
	olm_check(n, "olm_group_encrypt",
	    olm_outbound_group_session_last_error(g->out));
	memcpy(g->copy, g->msg, n);
	p = olm_group_decrypt(g->in, g->copy, n, g->plain, sizeof(g->plain),
	    &idx);
	olm_check(p, "olm_group_decrypt",
	    olm_inbound_group_session_last_error(g->in));
	if (p != g->textlen)
		bench_check(POUCH_E_CRYPTO, "megolm plaintext");
}
#endif

/*
 * The machine may be shared, so MLS and Megolm are measured in ROUNDS
 * alternating slices and each keeps its best slice: both see the same
 * load, and the best slice is the least disturbed one.
 */
static void
compare(size_t size, struct mls_pair *m, void *g)
{
	double best = 0, mbest = 0, r;
	char name[64];
	int i;

	m->fc.u.application_data.n = size;
#ifdef POUCH_HAVE_OLM
	((struct megolm_pair *)g)->textlen = size;
#endif
	for (i = 0; i < ROUNDS; i++) {
		if ((r = rate_of(mls_one, m, SECONDS / ROUNDS)) > best)
			best = r;
#ifdef POUCH_HAVE_OLM
		if ((r = rate_of(megolm_one, g, SECONDS / ROUNDS)) > mbest)
			mbest = r;
#endif
	}
	snprintf(name, sizeof(name), "mls_app_%zu", size);
	print_rate(name, best);
	if (g == NULL) {
		(void)mbest;
		return;
	}
	snprintf(name, sizeof(name), "megolm_app_%zu", size);
	print_rate(name, mbest);
	snprintf(name, sizeof(name), "mls_app_%zu", size);
	bench_ratio(name, best, "megolm", mbest);
}

int
main(void)
{
	static struct mls_pair m;
#ifdef POUCH_HAVE_OLM
	static struct megolm_pair g;
	void *gp = &g;

	megolm_setup(&g);
#else
	void *gp = NULL;

	printf("bench megolm: skipped (built without libolm)\n");
#endif
	mls_setup(&m);
	compare(256, &m, gp);
	compare(4096, &m, gp);
	mls_free(&m);
#ifdef POUCH_HAVE_OLM
	megolm_free(&g);
#endif
	return 0;
}
