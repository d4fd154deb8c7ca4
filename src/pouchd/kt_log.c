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
#ifdef POUCHD_LIAR
	struct pd_kt_lie	*lie;		/* the lying view, or NULL */
#endif
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

#ifdef POUCHD_LIAR
/*
 * ---- the lying log (the pouchd-liar test build only) -------------------
 *
 * POUCHD_LIAR, read once at start, names a lie that the KT routes tell
 * instead of the truth; the lying view is made from the durable leaves
 * at start and never grows:
 *
 *   rollback[:K]   the log without its last K leaves (default 2)
 *   drop[:I]       leaf I left out (default 1)
 *   reorder[:I]    leaves I and I+1 swapped (default 1)
 *   replace[:I]    leaf I replaced by a forged, log-signed "user created"
 *   split:A:B      for the devices of user A only: the log with a forged
 *                  "device added" for user B appended (a device key and
 *                  an account key the server made; B's requests, and
 *                  everyone else's, see the real log)
 *
 * Each view is a well-formed log of its own, with a checkpoint signed by
 * the log key: only what a client remembers can show the lie.
 */
struct pd_kt_lie {
	char			 user[POUCH_STORE_NAME_MAX + 1];
	struct pouch_kt_tree	*tree;
	uint8_t			**leaf;
	size_t			*len;
	uint64_t		 n, cap;
	char			 note[POUCH_KT_NOTE_MAX];
	size_t			 notelen;
};

static void
lie_free(struct pd_kt_lie *l)
{
	uint64_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->leaf[i]);
	free(l->leaf);
	free(l->len);
	pouch_kt_tree_free(l->tree);
	free(l);
}

static int
lie_add(void *arg, uint64_t index, const uint8_t *data, size_t len,
    const uint8_t hash[32])
{
	struct pd_kt_lie *l = arg;

	(void)index;
	(void)hash;
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->leaf = xrealloc(l->leaf, l->cap * sizeof(*l->leaf));
		l->len = xrealloc(l->len, l->cap * sizeof(*l->len));
	}
	l->leaf[l->n] = xmalloc(len > 0 ? len : 1);
	memcpy(l->leaf[l->n], data, len);
	l->len[l->n++] = len;
	return POUCH_OK;
}

/* A forged event in place of leaf i (i == n: appended). */
static int
lie_forge(struct pouchd *d, struct pd_kt_lie *l, uint64_t i,
    const struct pouch_kt_event *ev)
{
	uint8_t buf[POUCH_KT_EVENT_MAX];
	size_t len;
	int rc;

	if ((rc = pouch_kt_event_encode(ev, buf, sizeof(buf), &len)) !=
	    POUCH_OK)
		return rc;
	(void)d;
	if (i == l->n)
		return lie_add(l, i, buf, len, NULL);
	free(l->leaf[i]);
	l->leaf[i] = xmalloc(len);
	memcpy(l->leaf[i], buf, len);
	l->len[i] = len;
	return POUCH_OK;
}

/* A "device added" for user that the server made up, cross-signed by
 * an account key of its own. */
static int
lie_device(struct pouchd *d, const char *user, struct pouch_kt_event *ev)
{
	uint8_t apriv[32], dpriv[32];
	struct pouch_wr w;
	size_t siglen;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (strlen(user) > POUCH_KT_NAME_MAX)
		return POUCH_E_MISUSE;
	ev->type = POUCH_KT_DEVICE_ADDED;
	ev->timestamp = (uint64_t)pd_now();
	ev->signer = POUCH_KT_BY_ACCOUNT;
	memcpy(ev->actor, user, strlen(user) + 1);
	memcpy(ev->user, user, strlen(user) + 1);
	memcpy(ev->device_name, "laptop", 7);
	if ((rc = pouch_sig_keygen(d->crypto, POUCH_SIG_ED25519, apriv,
	    ev->account_key)) != POUCH_OK ||
	    (rc = pouch_sig_keygen(d->crypto, POUCH_SIG_ED25519, dpriv,
	    ev->device_key)) != POUCH_OK)
		goto out;
	pouch_wr_init(&w, 256);
	pouch_wr_opaque(&w, "pouch device v1", 15);
	pouch_wr_opaque(&w, user, strlen(user));
	pouch_wr_opaque(&w, ev->device_key, 32);
	if ((rc = pouch_wr_finish(&w)) == POUCH_OK)
		rc = pouch_sig_sign(d->crypto, POUCH_SIG_ED25519, apriv, 32,
		    w.buf, w.len, ev->sig, sizeof(ev->sig), &siglen);
	pouch_wr_free(&w);
out:
	OPENSSL_cleanse(apriv, sizeof(apriv));
	OPENSSL_cleanse(dpriv, sizeof(dpriv));
	return rc;
}

static uint64_t
lie_arg(const char *s, uint64_t dflt)
{
	const char *c = strchr(s, ':');

	return c != NULL && c[1] >= '0' && c[1] <= '9' ?
	    (uint64_t)strtoull(c + 1, NULL, 10) : dflt;
}

static int
lie_start(struct pouchd *d)
{
	const char *mode = getenv("POUCHD_LIAR");
	struct pouch_kt_checkpoint cp;
	struct pouch_kt_event ev;
	struct pd_kt_staged st;
	struct pd_kt_lie *l;
	uint8_t h[32], *t;
	uint64_t i, k, pub = d->kt->published;
	const char *a, *b;
	size_t tl;
	int rc;

	if (mode == NULL || *mode == '\0')
		return POUCH_OK;
	l = xcalloc(1, sizeof(*l));
	if ((rc = d->st->ops->kt_leaves(d->st, 0, pub, lie_add, l)) !=
	    POUCH_OK)
		goto fail;
	rc = POUCH_E_MISUSE;
	if (strncmp(mode, "rollback", 8) == 0) {
		k = lie_arg(mode, 2);
		if (k >= l->n)
			goto fail;
		while (k-- > 0)
			free(l->leaf[--l->n]);
	} else if (strncmp(mode, "drop", 4) == 0) {
		if ((k = lie_arg(mode, 1)) >= l->n)
			goto fail;
		free(l->leaf[k]);
		for (i = k; i + 1 < l->n; i++) {
			l->leaf[i] = l->leaf[i + 1];
			l->len[i] = l->len[i + 1];
		}
		l->n--;
	} else if (strncmp(mode, "reorder", 7) == 0) {
		if ((k = lie_arg(mode, 1)) + 1 >= l->n)
			goto fail;
		t = l->leaf[k];
		tl = l->len[k];
		l->leaf[k] = l->leaf[k + 1];
		l->len[k] = l->len[k + 1];
		l->leaf[k + 1] = t;
		l->len[k + 1] = tl;
	} else if (strncmp(mode, "replace", 7) == 0) {
		if ((k = lie_arg(mode, 1)) >= l->n)
			goto fail;
		memset(&ev, 0, sizeof(ev));
		ev.type = POUCH_KT_USER_CREATED;
		memcpy(ev.user, "mallory", 8);
		if ((rc = pd_kt_admin_event(d, &ev, "admin", pd_now(),
		    &st)) != POUCH_OK ||
		    (rc = lie_forge(d, l, k, &ev)) != POUCH_OK)
			goto fail;
	} else if (strncmp(mode, "split:", 6) == 0) {
		a = mode + 6;
		if ((b = strchr(a, ':')) == NULL || (size_t)(b - a) >=
		    sizeof(l->user) || b == a)
			goto fail;
		memcpy(l->user, a, (size_t)(b - a));
		if ((rc = lie_device(d, b + 1, &ev)) != POUCH_OK ||
		    (rc = lie_forge(d, l, l->n, &ev)) != POUCH_OK)
			goto fail;
	} else
		goto fail;
	if ((rc = pouch_kt_tree_new(d->crypto, &l->tree)) != POUCH_OK)
		goto fail;
	for (i = 0; i < l->n; i++)
		if ((rc = pouch_kt_leaf_hash(d->crypto, l->leaf[i], l->len[i],
		    h)) != POUCH_OK ||
		    (rc = pouch_kt_tree_append(l->tree, h)) != POUCH_OK)
			goto fail;
	memset(&cp, 0, sizeof(cp));
	memcpy(cp.origin, d->cfg.kt_origin, strlen(d->cfg.kt_origin));
	cp.size = l->n;
	if ((rc = pouch_kt_tree_root(l->tree, l->n, cp.root)) != POUCH_OK ||
	    (rc = pouch_kt_checkpoint_sign(d->crypto, d->server_key,
	    d->server_pub, &cp, l->note, sizeof(l->note), &l->notelen)) !=
	    POUCH_OK)
		goto fail;
	d->kt->lie = l;
	pd_log("warn", "kt_liar", "mode", 's', mode, "size", 'i',
	    (int64_t)l->n, NULL);
	return POUCH_OK;
fail:
	pd_log("error", "kt_liar", "mode", 's', mode, NULL);
	lie_free(l);
	return rc;
}

const struct pd_kt_lie *
pd_kt_lie(struct pouchd *d, const struct pd_req *rq)
{
	struct pouch_store_user u;
	struct pd_kt_lie *l = d->kt != NULL ? d->kt->lie : NULL;

	if (l == NULL || l->user[0] == '\0')
		return l;
	if (rq->dev == NULL || d->st->ops->user_get_id(d->st,
	    rq->dev->user_id, &u) != POUCH_OK || strcmp(u.name, l->user) != 0)
		return NULL;
	return l;
}

const char *
pd_kt_lie_note(const struct pd_kt_lie *l, size_t *len)
{
	*len = l->notelen;
	return l->note;
}

uint64_t
pd_kt_lie_size(const struct pd_kt_lie *l)
{
	return l->n;
}

int
pd_kt_lie_leaf(const struct pd_kt_lie *l, uint64_t i, const uint8_t **data,
    size_t *len, uint8_t hash[POUCH_KT_HASH_BYTES])
{
	if (i >= l->n)
		return POUCH_E_KT_RANGE;
	*data = l->leaf[i];
	*len = l->len[i];
	return pouch_kt_tree_leaf(l->tree, i, hash);
}

int
pd_kt_lie_find(const struct pd_kt_lie *l,
    const uint8_t hash[POUCH_KT_HASH_BYTES], uint64_t *index)
{
	uint8_t h[POUCH_KT_HASH_BYTES];
	uint64_t i;

	for (i = 0; i < l->n; i++)
		if (pouch_kt_tree_leaf(l->tree, i, h) == POUCH_OK &&
		    memcmp(h, hash, sizeof(h)) == 0) {	/* checksrc: allow */
			*index = i;
			return POUCH_OK;
		}
	return POUCH_E_NOT_FOUND;
}

int
pd_kt_lie_inclusion(const struct pd_kt_lie *l, uint64_t index, uint64_t size,
    uint8_t proof[][POUCH_KT_HASH_BYTES], size_t *n)
{
	return pouch_kt_tree_inclusion(l->tree, index, size, proof, n);
}

int
pd_kt_lie_consistency(const struct pd_kt_lie *l, uint64_t first,
    uint64_t second, uint8_t proof[][POUCH_KT_HASH_BYTES], size_t *n)
{
	return pouch_kt_tree_consistency(l->tree, first, second, proof, n);
}
#endif /* POUCHD_LIAR */

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
#ifdef POUCHD_LIAR
	if ((rc = lie_start(d)) != POUCH_OK) {
		pd_kt_stop(d);
		return rc;
	}
#endif
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
#ifdef POUCHD_LIAR
	lie_free(kt->lie);
#endif
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
