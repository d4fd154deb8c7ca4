/*
 * kt_log.c - the key transparency log of pouchd: events to stage, the
 * in-memory tree, and the publisher of signed checkpoints (kt_log.h).
 *
 * Durability: a checkpoint is stored in the transaction that read the
 * leaves it covers (kt_publish), and the store refuses a second
 * checkpoint for a size or a smaller one, so a crash can lose at most a
 * checkpoint that nobody has seen (it was not durable, hence never
 * served) and the next one is made again over the same durable leaves.
 * The in-memory tree grows only inside kt_publish; if the transaction
 * fails it is cut back to what it held before, since leaves read from an
 * uncommitted batch may vanish with it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "pouchd/kt_log.h"

struct pd_kt {
	pthread_mutex_t		 mu;		/* tree, published, note */
	struct pouch_kt_tree	*tree;
	uint64_t		 published;	/* latest durable size */
	char			 note[POUCH_KT_NOTE_MAX];
	pthread_t		 thread;
	int			 running;
	pthread_mutex_t		 wmu;
	pthread_cond_t		 wcv;
	int			 stop;
};

int
pd_kt_event(struct pouchd *d, const struct pouch_kt_event *ev,
    struct pd_kt_staged *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = pouch_kt_event_encode(ev, out->buf, sizeof(out->buf),
	    &out->leaf.len)) != POUCH_OK)
		return rc;
	out->leaf.data = out->buf;
	out->leaf.index = -1;
	return pouch_kt_leaf_hash(d->crypto, out->buf, out->leaf.len,
	    out->leaf.hash);
}

int
pd_kt_admin_event(struct pouchd *d, struct pouch_kt_event *ev,
    const char *actor, int64_t now, struct pd_kt_staged *out)
{
	int rc;

	ev->signer = POUCH_KT_BY_LOG;
	ev->timestamp = (uint64_t)now;
	if (actor == NULL || strlen(actor) > POUCH_KT_NAME_MAX)
		return POUCH_E_MISUSE;
	memcpy(ev->actor, actor, strlen(actor) + 1);
	if ((rc = pouch_kt_event_sign(d->server_key, ev)) != POUCH_OK)
		return rc;
	return pd_kt_event(d, ev, out);
}

int
pd_kt_admin_stage(struct pouchd *d, struct pd_kt_staged *out,
    enum pouch_kt_event_type type, const char *actor, const char *user,
    int suspended, const uint8_t *key, uint64_t expires, int64_t now)
{
	struct pouch_kt_event ev;
	int rc;

	memset(&ev, 0, sizeof(ev));
	memset(out, 0, sizeof(*out));
	if (user == NULL || strlen(user) > POUCH_KT_NAME_MAX)
		return POUCH_E_MISUSE;
	ev.type = type;
	memcpy(ev.user, user, strlen(user) + 1);
	ev.suspended = suspended;
	ev.expires = expires;
	if (type == POUCH_KT_DEVICE_REVOKED && key != NULL)
		memcpy(ev.device_key, key, POUCH_KT_KEY_BYTES);
	else if (type == POUCH_KT_CODE_ISSUED && key != NULL)
		memcpy(ev.code_hash, key, POUCH_KT_HASH_BYTES);
	else if (type != POUCH_KT_USER_CREATED &&
	    type != POUCH_KT_USER_SUSPENDED)
		return POUCH_E_MISUSE;
	if ((rc = pd_kt_admin_event(d, &ev, actor, now, out)) != POUCH_OK)
		return rc;
	pouch_store_kt_stage(&out->leaf, 1);
	return POUCH_OK;
}

int
pd_kt_device_added(struct pouchd *d, const char *user,
    const char *device_name, const uint8_t dk[32], const uint8_t ak[32],
    const uint8_t account_sig[64], int64_t now, struct pd_kt_staged *out)
{
	struct pouch_kt_event ev;

	memset(&ev, 0, sizeof(ev));
	if (strlen(user) > POUCH_KT_NAME_MAX ||
	    strlen(device_name) > POUCH_KT_NAME_MAX)
		return POUCH_E_MISUSE;
	ev.type = POUCH_KT_DEVICE_ADDED;
	ev.timestamp = (uint64_t)now;
	ev.signer = POUCH_KT_BY_ACCOUNT;
	memcpy(ev.actor, user, strlen(user) + 1);
	memcpy(ev.user, user, strlen(user) + 1);
	memcpy(ev.device_name, device_name, strlen(device_name) + 1);
	memcpy(ev.device_key, dk, POUCH_KT_KEY_BYTES);
	memcpy(ev.account_key, ak, POUCH_KT_KEY_BYTES);
	memcpy(ev.sig, account_sig, POUCH_KT_SIG_BYTES);
	return pd_kt_event(d, &ev, out);
}

/* ---- publishing -------------------------------------------------------- */

struct round {
	struct pouchd	*d;
	struct pd_kt	*kt;
};

static int
on_leaf(void *arg, uint64_t index, const uint8_t hash[32])
{
	struct round *r = arg;

	if (index != pouch_kt_tree_size(r->kt->tree))
		return POUCH_E_DB;
	return pouch_kt_tree_append(r->kt->tree, hash);
}

static int
on_sign(void *arg, uint64_t size, const char **note, size_t *len,
    uint8_t root[32])
{
	struct round *r = arg;
	struct pouch_kt_checkpoint cp;
	size_t n;
	int rc;

	memset(&cp, 0, sizeof(cp));
	if ((n = strlen(r->d->cfg.kt_origin)) > POUCH_KT_ORIGIN_MAX)
		return POUCH_E_MISUSE;
	memcpy(cp.origin, r->d->cfg.kt_origin, n);
	cp.size = size;
	if ((rc = pouch_kt_tree_root(r->kt->tree, size, cp.root)) != POUCH_OK)
		return rc;
	if ((rc = pouch_kt_checkpoint_sign(r->d->crypto, r->d->server_key,
	    r->d->server_pub, &cp, r->kt->note, sizeof(r->kt->note), len)) !=
	    POUCH_OK)
		return rc;
	*note = r->kt->note;
	memcpy(root, cp.root, 32);
	return POUCH_OK;
}

int
pd_kt_publish(struct pouchd *d, uint64_t *size)
{
	struct pd_kt *kt = d->kt;
	struct round r = { d, kt };
	uint64_t have;
	int rc;

	*size = 0;
	if (kt == NULL)
		return POUCH_E_UNSUPPORTED;
	pthread_mutex_lock(&kt->mu);
	have = pouch_kt_tree_size(kt->tree);
	rc = d->st->ops->kt_publish(d->st, have, on_leaf, on_sign, &r, size);
	if (rc != POUCH_OK) {
		/* leaves of a batch that did not commit: forget them */
		if (pouch_kt_tree_truncate(kt->tree, have) != POUCH_OK)
			abort();
	} else {
		if (*size > kt->published)
			pd_log("info", "kt_checkpoint", "size", 'i',
			    (int64_t)*size, NULL);
		kt->published = *size;
	}
	pthread_mutex_unlock(&kt->mu);
	return rc;
}

static void *
publisher(void *arg)
{
	struct pouchd *d = arg;
	struct pd_kt *kt = d->kt;
	struct timespec ts;
	uint64_t size;

	pthread_mutex_lock(&kt->wmu);
	while (!kt->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += d->cfg.kt_interval;
		while (!kt->stop && pthread_cond_timedwait(&kt->wcv, &kt->wmu,
		    &ts) != ETIMEDOUT)
			;
		if (kt->stop)
			break;
		pthread_mutex_unlock(&kt->wmu);
		if (pd_kt_publish(d, &size) != POUCH_OK)
			pd_log("error", "kt_publish_failed", NULL);
		pthread_mutex_lock(&kt->wmu);
	}
	pthread_mutex_unlock(&kt->wmu);
	return NULL;
}

int
pd_kt_start(struct pouchd *d)
{
	struct pd_kt *kt;
	const char *p;
	uint64_t size;
	int rc;

	if (d->st->ops->kt_publish == NULL || d->st->ops->kt_leaves == NULL ||
	    d->st->ops->kt_find == NULL || d->st->ops->kt_checkpoint == NULL) {
		pd_log("warn", "kt_unsupported", "storage", 's',
		    d->st->ops->name, NULL);
		return POUCH_OK;
	}
	for (p = d->cfg.kt_origin; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '+')
			break;
	if (*p != '\0' || p == d->cfg.kt_origin ||
	    d->cfg.kt_interval > d->cfg.kt_mmd) {
		pd_log("error", "kt_config", "reason", 's', "kt_origin: "
		    "printable, no space or '+'; kt_interval <= kt_mmd", NULL);
		return POUCH_E_MISUSE;
	}
	kt = xcalloc(1, sizeof(*kt));
	pthread_mutex_init(&kt->mu, NULL);
	pthread_mutex_init(&kt->wmu, NULL);
	pthread_cond_init(&kt->wcv, NULL);
	if ((rc = pouch_kt_tree_new(d->crypto, &kt->tree)) != POUCH_OK) {
		free(kt);
		return rc;
	}
	d->kt = kt;
	/* reads every leaf once, then publishes what is pending */
	if ((rc = pd_kt_publish(d, &size)) != POUCH_OK) {
		pd_kt_stop(d);
		return rc;
	}
	if (pthread_create(&kt->thread, NULL, publisher, d) != 0) {
		pd_kt_stop(d);
		return POUCH_E_NOMEM;
	}
	kt->running = 1;
	return POUCH_OK;
}

void
pd_kt_stop(struct pouchd *d)
{
	struct pd_kt *kt = d->kt;

	if (kt == NULL)
		return;
	if (kt->running) {
		pthread_mutex_lock(&kt->wmu);
		kt->stop = 1;
		pthread_cond_signal(&kt->wcv);
		pthread_mutex_unlock(&kt->wmu);
		pthread_join(kt->thread, NULL);
	}
	pouch_kt_tree_free(kt->tree);
	pthread_mutex_destroy(&kt->mu);
	pthread_mutex_destroy(&kt->wmu);
	pthread_cond_destroy(&kt->wcv);
	free(kt);
	d->kt = NULL;
}

/* ---- proofs ------------------------------------------------------------ */

uint64_t
pd_kt_published(struct pouchd *d)
{
	uint64_t n;

	if (d->kt == NULL)
		return 0;
	pthread_mutex_lock(&d->kt->mu);
	n = d->kt->published;
	pthread_mutex_unlock(&d->kt->mu);
	return n;
}

int
pd_kt_inclusion(struct pouchd *d, uint64_t index, uint64_t size,
    uint8_t proof[][POUCH_KT_HASH_BYTES], size_t *n)
{
	int rc;

	*n = 0;
	if (d->kt == NULL)
		return POUCH_E_UNSUPPORTED;
	pthread_mutex_lock(&d->kt->mu);
	if (size > d->kt->published)
		rc = POUCH_E_KT_RANGE;
	else
		rc = pouch_kt_tree_inclusion(d->kt->tree, index, size, proof,
		    n);
	pthread_mutex_unlock(&d->kt->mu);
	return rc;
}

int
pd_kt_consistency(struct pouchd *d, uint64_t first, uint64_t second,
    uint8_t proof[][POUCH_KT_HASH_BYTES], size_t *n)
{
	int rc;

	*n = 0;
	if (d->kt == NULL)
		return POUCH_E_UNSUPPORTED;
	pthread_mutex_lock(&d->kt->mu);
	if (second > d->kt->published)
		rc = POUCH_E_KT_RANGE;
	else
		rc = pouch_kt_tree_consistency(d->kt->tree, first, second,
		    proof, n);
	pthread_mutex_unlock(&d->kt->mu);
	return rc;
}
