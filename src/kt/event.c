/*
 * event.c - key events, the leaves of the log: encoding, parsing of
 * untrusted bytes, signing and verification (layout in kt.h).
 */
#include <string.h>

#include <openssl/crypto.h>

#include "kt/kt.h"

#define EVENT_VERSION	1
#define TBS_LABEL	"pouch kt event v1"
#define CROSS_LABEL	"pouch device v1"

static int
type_ok(unsigned t)
{
	return t >= POUCH_KT_DEVICE_ADDED && t <= POUCH_KT_CODE_ISSUED;
}

static void
wr_name(struct pouch_wr *w, const char *s)
{
	pouch_wr_opaque(w, s, strlen(s));
}

/* Everything but the signature. */
static void
body(const struct pouch_kt_event *ev, struct pouch_wr *w)
{
	pouch_wr_u8(w, EVENT_VERSION);
	pouch_wr_u8(w, (uint8_t)ev->type);
	pouch_wr_u64(w, ev->timestamp);
	pouch_wr_u8(w, (uint8_t)ev->signer);
	wr_name(w, ev->actor);
	wr_name(w, ev->user);
	switch (ev->type) {
	case POUCH_KT_DEVICE_ADDED:
		wr_name(w, ev->device_name);
		pouch_wr_bytes(w, ev->device_key, POUCH_KT_KEY_BYTES);
		pouch_wr_bytes(w, ev->account_key, POUCH_KT_KEY_BYTES);
		break;
	case POUCH_KT_DEVICE_REVOKED:
		pouch_wr_bytes(w, ev->device_key, POUCH_KT_KEY_BYTES);
		break;
	case POUCH_KT_ACCOUNT_KEY:
		pouch_wr_bytes(w, ev->account_key, POUCH_KT_KEY_BYTES);
		pouch_wr_optional(w, ev->has_prev);
		if (ev->has_prev)
			pouch_wr_bytes(w, ev->prev_key, POUCH_KT_KEY_BYTES);
		break;
	case POUCH_KT_USER_CREATED:
		break;
	case POUCH_KT_USER_SUSPENDED:
		pouch_wr_u8(w, ev->suspended ? 1 : 0);
		break;
	case POUCH_KT_CODE_ISSUED:
		pouch_wr_bytes(w, ev->code_hash, POUCH_KT_HASH_BYTES);
		pouch_wr_u64(w, ev->expires);
		break;
	}
}

static int
check(const struct pouch_kt_event *ev)
{
	if (!type_ok(ev->type) || (ev->signer != POUCH_KT_BY_ACCOUNT &&
	    ev->signer != POUCH_KT_BY_LOG))
		return POUCH_E_MISUSE;
	if (strnlen(ev->actor, sizeof(ev->actor)) > POUCH_KT_NAME_MAX ||
	    strnlen(ev->user, sizeof(ev->user)) > POUCH_KT_NAME_MAX ||
	    strnlen(ev->device_name, sizeof(ev->device_name)) >
	    POUCH_KT_NAME_MAX)
		return POUCH_E_MISUSE;
	return POUCH_OK;
}

int
pouch_kt_event_tbs(const struct pouch_kt_event *ev, struct pouch_wr *w)
{
	int rc;

	if (ev == NULL || w == NULL)
		return POUCH_E_MISUSE;
	if ((rc = check(ev)) != POUCH_OK)
		return rc;
	pouch_wr_opaque(w, TBS_LABEL, strlen(TBS_LABEL));
	body(ev, w);
	return POUCH_OK;
}

int
pouch_kt_event_encode(const struct pouch_kt_event *ev, uint8_t *out,
    size_t cap, size_t *len)
{
	struct pouch_wr w;
	int rc;

	if (len == NULL)
		return POUCH_E_MISUSE;
	*len = 0;
	if (ev == NULL || out == NULL)
		return POUCH_E_MISUSE;
	if ((rc = check(ev)) != POUCH_OK)
		return rc;
	pouch_wr_init_buf(&w, out, cap < POUCH_KT_EVENT_MAX ? cap :
	    POUCH_KT_EVENT_MAX);
	body(ev, &w);
	pouch_wr_bytes(&w, ev->sig, POUCH_KT_SIG_BYTES);
	if ((rc = pouch_wr_finish(&w)) == POUCH_OK)
		*len = w.len;
	return rc;
}

/* opaque name<V> into a NUL-terminated buffer; no NUL inside. */
static int
rd_name(struct pouch_rd *r, char out[POUCH_KT_NAME_MAX + 1])
{
	const uint8_t *p;
	size_t n;
	int rc;

	if ((rc = pouch_rd_opaque(r, &p, &n, POUCH_KT_NAME_MAX)) != POUCH_OK)
		return rc;
	if (memchr(p, '\0', n) != NULL)
		return POUCH_E_MALFORMED;
	memcpy(out, p, n);
	out[n] = '\0';
	return POUCH_OK;
}

int
pouch_kt_event_decode(const uint8_t *buf, size_t len,
    struct pouch_kt_event *out)
{
	struct pouch_kt_event ev;
	struct pouch_rd r;
	uint8_t ver, type, signer, susp;
	int rc;

	if (out == NULL || (buf == NULL && len != 0))
		return POUCH_E_MISUSE;
	if (len > POUCH_KT_EVENT_MAX)
		return POUCH_E_TOO_LARGE;
	memset(&ev, 0, sizeof(ev));
	pouch_rd_init(&r, buf, len);
	if ((rc = pouch_rd_u8(&r, &ver)) != POUCH_OK ||
	    (rc = pouch_rd_u8(&r, &type)) != POUCH_OK ||
	    (rc = pouch_rd_u64(&r, &ev.timestamp)) != POUCH_OK ||
	    (rc = pouch_rd_u8(&r, &signer)) != POUCH_OK)
		return rc;
	if (ver != EVENT_VERSION || !type_ok(type) ||
	    signer > POUCH_KT_BY_LOG)
		return POUCH_E_MALFORMED;
	ev.type = (enum pouch_kt_event_type)type;
	ev.signer = (enum pouch_kt_signer)signer;
	if ((rc = rd_name(&r, ev.actor)) != POUCH_OK ||
	    (rc = rd_name(&r, ev.user)) != POUCH_OK)
		return rc;
	switch (ev.type) {
	case POUCH_KT_DEVICE_ADDED:
		if ((rc = rd_name(&r, ev.device_name)) != POUCH_OK ||
		    (rc = pouch_rd_copy(&r, ev.device_key,
		    POUCH_KT_KEY_BYTES)) != POUCH_OK ||
		    (rc = pouch_rd_copy(&r, ev.account_key,
		    POUCH_KT_KEY_BYTES)) != POUCH_OK)
			return rc;
		break;
	case POUCH_KT_DEVICE_REVOKED:
		if ((rc = pouch_rd_copy(&r, ev.device_key,
		    POUCH_KT_KEY_BYTES)) != POUCH_OK)
			return rc;
		break;
	case POUCH_KT_ACCOUNT_KEY:
		if ((rc = pouch_rd_copy(&r, ev.account_key,
		    POUCH_KT_KEY_BYTES)) != POUCH_OK ||
		    (rc = pouch_rd_optional(&r, &ev.has_prev)) != POUCH_OK)
			return rc;
		if (ev.has_prev && (rc = pouch_rd_copy(&r, ev.prev_key,
		    POUCH_KT_KEY_BYTES)) != POUCH_OK)
			return rc;
		break;
	case POUCH_KT_USER_CREATED:
		break;
	case POUCH_KT_USER_SUSPENDED:
		if ((rc = pouch_rd_u8(&r, &susp)) != POUCH_OK)
			return rc;
		if (susp > 1)
			return POUCH_E_MALFORMED;
		ev.suspended = susp;
		break;
	case POUCH_KT_CODE_ISSUED:
		if ((rc = pouch_rd_copy(&r, ev.code_hash,
		    POUCH_KT_HASH_BYTES)) != POUCH_OK ||
		    (rc = pouch_rd_u64(&r, &ev.expires)) != POUCH_OK)
			return rc;
		break;
	}
	if ((rc = pouch_rd_copy(&r, ev.sig, POUCH_KT_SIG_BYTES)) != POUCH_OK)
		return rc;
	if ((rc = pouch_rd_done(&r)) != POUCH_OK)
		return rc;
	*out = ev;
	return POUCH_OK;
}

int
pouch_kt_event_sign(const struct pouch_sig_key *k, struct pouch_kt_event *ev)
{
	struct pouch_wr w;
	uint8_t sig[POUCH_KT_SIG_BYTES];
	size_t siglen;
	int rc;

	if (k == NULL || ev == NULL || ev->type == POUCH_KT_DEVICE_ADDED)
		return POUCH_E_MISUSE;
	pouch_wr_init(&w, POUCH_KT_EVENT_MAX + 32);
	if ((rc = pouch_kt_event_tbs(ev, &w)) != POUCH_OK ||
	    (rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	if ((rc = pouch_sig_key_sign(k, w.buf, w.len, sig, sizeof(sig),
	    &siglen)) != POUCH_OK)
		goto out;
	if (siglen != sizeof(sig)) {
		rc = POUCH_E_CRYPTO;
		goto out;
	}
	memcpy(ev->sig, sig, sizeof(sig));
out:
	pouch_wr_free(&w);
	return rc;
}

int
pouch_kt_event_verify(const struct pouch_crypto *c,
    const struct pouch_kt_event *ev, const uint8_t *account_pub,
    const uint8_t log_pub[POUCH_KT_KEY_BYTES])
{
	struct pouch_wr w;
	const uint8_t *pub;
	int rc;

	if (c == NULL || ev == NULL)
		return POUCH_E_MISUSE;
	pouch_wr_init(&w, POUCH_KT_EVENT_MAX + 32);
	if (ev->type == POUCH_KT_DEVICE_ADDED) {
		/*
		 * The enrolment cross-signature, under the key it names.  It
		 * covers user, device key and account key only: timestamp,
		 * actor and device name are the log's word.
		 */
		if (ev->signer != POUCH_KT_BY_ACCOUNT) {
			rc = POUCH_E_KT_EVENT_SIG;
			goto out;
		}
		pouch_wr_opaque(&w, CROSS_LABEL, strlen(CROSS_LABEL));
		wr_name(&w, ev->user);
		pouch_wr_opaque(&w, ev->device_key, POUCH_KT_KEY_BYTES);
		pub = ev->account_key;
	} else {
		if ((rc = pouch_kt_event_tbs(ev, &w)) != POUCH_OK)
			goto out;
		pub = ev->signer == POUCH_KT_BY_LOG ? log_pub : account_pub;
	}
	if (pub == NULL) {
		rc = POUCH_E_MISUSE;
		goto out;
	}
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK)
		goto out;
	rc = pouch_sig_verify(c, POUCH_SIG_ED25519, POUCH_IMPL_DEFAULT, pub,
	    POUCH_KT_KEY_BYTES, w.buf, w.len, ev->sig, POUCH_KT_SIG_BYTES);
	if (rc == POUCH_E_BAD_SIGNATURE || rc == POUCH_E_BAD_KEY)
		rc = POUCH_E_KT_EVENT_SIG;
out:
	pouch_wr_free(&w);
	return rc;
}
