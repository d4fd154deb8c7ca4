/*
 * mls_message.c - libFuzzer target: MLSMessage decode (RFC 9420 6) of
 * arbitrary bytes with the default limits.  Any accepted input must
 * re-encode to exactly the same bytes; anything else aborts.  The
 * payloads of the extensions of an accepted GroupInfo are decoded too,
 * with the same round-trip check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "mls/msg.h"

/*
 * The writer reserves 4 bytes per open vector before it knows the
 * minimal length, so an exact-size maximum would be too tight.
 */
#define SLACK	(4 * POUCH_WR_DEPTH)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless w holds exactly p[0..n). */
static void
same(struct pouch_wr *w, const uint8_t *p, size_t n)
{
	if (pouch_wr_finish(w) != POUCH_OK || w->len != n ||
	    (n > 0 && memcmp(w->buf, p, n) != 0))
		abort();
	pouch_wr_free(w);
}

static void
extension_payloads(struct pouch_mls_arena *a,
    const struct pouch_mls_extensions *ex)
{
	const struct pouch_mls_limits *lim = pouch_mls_limits_default();
	struct pouch_mls_ratchet_tree rt;
	struct pouch_mls_required_capabilities rc;
	struct pouch_mls_external_senders es;
	struct pouch_wr w;
	struct pouch_rd r;
	size_t i;

	for (i = 0; i < ex->n; i++) {
		const struct pouch_mls_bytes *d = &ex->v[i].data;

		pouch_rd_init(&r, d->p, d->n);
		pouch_wr_init(&w, d->n + SLACK);
		switch (ex->v[i].type) {
		case POUCH_MLS_EXT_RATCHET_TREE:
			if (pouch_mls_ratchet_tree_decode(&r, a, lim, &rt) !=
			    POUCH_OK || pouch_rd_done(&r) != POUCH_OK)
				break;
			pouch_mls_ratchet_tree_encode(&w, &rt);
			same(&w, d->p, d->n);
			break;
		case POUCH_MLS_EXT_REQUIRED_CAPABILITIES:
			if (pouch_mls_required_capabilities_decode(&r, a, lim,
			    &rc) != POUCH_OK || pouch_rd_done(&r) != POUCH_OK)
				break;
			pouch_mls_required_capabilities_encode(&w, &rc);
			same(&w, d->p, d->n);
			break;
		case POUCH_MLS_EXT_EXTERNAL_SENDERS:
			if (pouch_mls_external_senders_decode(&r, a, lim,
			    &es) != POUCH_OK || pouch_rd_done(&r) != POUCH_OK)
				break;
			pouch_mls_external_senders_encode(&w, &es);
			same(&w, d->p, d->n);
			break;
		}
		pouch_wr_free(&w);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pouch_mls_arena a;
	struct pouch_mls_message m;
	struct pouch_wr w;

	pouch_mls_arena_init_limits(&a, NULL);
	if (pouch_mls_message_from_bytes(&a, NULL, data, size, &m) ==
	    POUCH_OK) {
		pouch_wr_init(&w, size + SLACK);
		pouch_mls_message_encode(&w, &m);
		same(&w, data, size);
		if (m.wire_format == POUCH_MLS_WF_GROUP_INFO) {
			extension_payloads(&a, &m.u.group_info.extensions);
			extension_payloads(&a,
			    &m.u.group_info.group_context.extensions);
		}
	}
	pouch_mls_arena_free(&a);
	return 0;
}
