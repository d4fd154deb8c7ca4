/*
 * driver_ops.c - the operations of pouch-mls-driver, one function per
 * entry of pouch_drv_ops[] (docs/INTEROP.md lists them).  Each reads its
 * fields through the bounded helpers of driver.c, calls the group engine
 * and puts its results in r->out.  An operation the engine cannot do
 * answers POUCH_E_UNSUPPORTED (a new op is one function and one table
 * entry).
 *
 * A member is one signature key pair and identity, its latest KeyPackage
 * (with the private keys a join needs) and at most one group.  Every
 * KeyPackage, Welcome and message crosses the protocol as a TLS-encoded
 * MLSMessage; the engine takes KeyPackages bare, so the driver adds and
 * strips the 4-byte MLSMessage header for them.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "codec/codec.h"
#include "mls/group.h"
#include "mls/keypackage.h"
#include "mls/msg.h"
#include "mls/suite.h"
#include "tools/mls-driver/driver.h"

/* KeyPackage lifetime around the driver's clock. */
#define KP_BEFORE	3600ULL
#define KP_AFTER	(90ULL * 86400)

struct member {
	const struct pouch_mls_suite	*s;
	uint8_t				 identity[DRV_IDENTITY_MAX];
	size_t				 identitylen;
	uint8_t				 sig_priv[POUCH_SIG_PRIV_MAX];
	uint8_t				 sig_pub[POUCH_SIG_PUB_MAX];
	struct pouch_mls_kp_out		 kp;
	int				 has_kp;
	struct pouch_mls_group		*g;
};

void
pouch_drv_member_free(void *p)
{
	struct member *m = p;

	if (m == NULL)
		return;
	pouch_mls_group_free(m->g);
	if (m->has_kp)
		pouch_mls_kp_out_clear(&m->kp);
	OPENSSL_cleanse(m, sizeof(*m));
	free(m);
}

/* ---- helpers ------------------------------------------------------ */

static int
get_member(struct drv_req *r, struct member **m)
{
	uint64_t h;
	int rc;

	*m = NULL;
	if ((rc = pouch_drv_get_uint(r, "member", 0, UINT32_MAX, &h)) !=
	    POUCH_OK)
		return rc;
	if ((*m = pouch_drv_member_slot(r->d, h)) == NULL) {
		r->msg = "unknown member";
		return POUCH_E_NOT_FOUND;
	}
	return POUCH_OK;
}

/* The member of the request, which must be in a group. */
static int
get_grouped(struct drv_req *r, struct member **m)
{
	int rc;

	if ((rc = get_member(r, m)) != POUCH_OK)
		return rc;
	if ((*m)->g == NULL) {
		r->msg = "the member is in no group";
		*m = NULL;
		return POUCH_E_STATE;
	}
	return POUCH_OK;
}

static int
new_key_package(struct drv_req *r, struct member *m)
{
	struct pouch_mls_kp_params p;
	struct pouch_mls_kp_out o;
	uint64_t now = pouch_drv_now(r->d);
	int rc;

	memset(&p, 0, sizeof(p));
	p.s = m->s;
	p.identity = m->identity;
	p.identitylen = m->identitylen;
	p.sig_priv = m->sig_priv;
	p.sig_privlen = pouch_sig_priv_len(m->s->sig);
	p.sig_pub = m->sig_pub;
	p.sig_publen = pouch_sig_pub_len(m->s->sig);
	p.not_before = now > KP_BEFORE ? now - KP_BEFORE : 0;
	p.not_after = now + KP_AFTER;
	if ((rc = pouch_mls_key_package_create(pouch_drv_crypto(r->d), &p,
	    &o)) != POUCH_OK) {
		r->msg = "cannot make a KeyPackage";
		return rc;
	}
	if (m->has_kp)
		pouch_mls_kp_out_clear(&m->kp);
	m->kp = o;
	m->has_kp = 1;
	return POUCH_OK;
}

static struct pouch_mls_member_keys
keys_of(const struct member *m)
{
	return pouch_mls_member_keys_of(m->s, &m->kp, m->sig_priv);
}

/* Put buf as an MLSMessage of wire format wf (header added). */
static int
put_mls_message(struct drv_req *r, const char *key, uint16_t wf,
    const uint8_t *buf, size_t len)
{
	uint8_t *m;
	int rc;

	if ((m = malloc(len + 4)) == NULL)
		return POUCH_E_NOMEM;
	m[0] = 0;
	m[1] = POUCH_MLS_VERSION_10;
	m[2] = (uint8_t)(wf >> 8);
	m[3] = (uint8_t)wf;
	memcpy(m + 4, buf, len);
	rc = pouch_drv_put_hex(r, key, m, len + 4);
	free(m);
	return rc;
}

/*
 * Read the MLSMessage header of msg: version mls10 and the wire format;
 * *body points after it.
 */
static int
mls_header(struct drv_req *r, const uint8_t *msg, size_t len, uint16_t *wf,
    struct pouch_rd *body)
{
	uint16_t version;
	int rc;

	*wf = 0;
	pouch_rd_init(body, msg, len);
	if ((rc = pouch_rd_u16(body, &version)) != POUCH_OK ||
	    (rc = pouch_rd_u16(body, wf)) != POUCH_OK) {
		r->msg = "the MLSMessage is truncated";
		return rc;
	}
	if (version != POUCH_MLS_VERSION_10) {
		r->msg = "the MLSMessage is not mls10";
		return POUCH_E_UNSUPPORTED;
	}
	return POUCH_OK;
}

/* An array field of MLSMessage(KeyPackage) hex strings, bare. */
static int
get_key_packages(struct drv_req *r, const char *key, uint8_t **kps,
    size_t *lens, size_t *n)
{
	struct pouch_rd body;
	json_t *a, *v;
	uint8_t *buf;
	size_t i, len;
	uint16_t wf;
	int rc;

	*n = 0;
	if ((a = json_object_get(r->in, key)) == NULL || json_is_null(a))
		return POUCH_OK;
	if (!json_is_array(a)) {
		r->msg = "key_packages is not an array";
		return POUCH_E_MALFORMED;
	}
	if (json_array_size(a) > DRV_ADDS_MAX) {
		r->msg = "too many key_packages";
		return POUCH_E_LIMIT;
	}
	for (i = 0; i < json_array_size(a); i++) {
		v = json_array_get(a, i);
		if (!json_is_string(v)) {
			r->msg = "a key package is not a string";
			return POUCH_E_MALFORMED;
		}
		if ((rc = pouch_drv_unhex(json_string_value(v),
		    json_string_length(v), &buf, &len)) != POUCH_OK) {
			r->msg = "a key package is not hex";
			return rc;
		}
		kps[*n] = buf;
		lens[*n] = len;
		(*n)++;
		if ((rc = mls_header(r, buf, len, &wf, &body)) != POUCH_OK)
			return rc;
		if (wf != POUCH_MLS_WF_KEY_PACKAGE) {
			r->msg = "not an MLSMessage(KeyPackage)";
			return POUCH_E_MALFORMED;
		}
	}
	return POUCH_OK;
}

/* An array field of leaf indices. */
static int
get_leaves(struct drv_req *r, const char *key, uint32_t *leaves, size_t *n)
{
	json_t *a, *v;
	size_t i;

	*n = 0;
	if ((a = json_object_get(r->in, key)) == NULL || json_is_null(a))
		return POUCH_OK;
	if (!json_is_array(a) || json_array_size(a) > DRV_ADDS_MAX) {
		r->msg = "removes is not a short array";
		return POUCH_E_MALFORMED;
	}
	for (i = 0; i < json_array_size(a); i++) {
		v = json_array_get(a, i);
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > (json_int_t)UINT32_MAX) {
			r->msg = "a leaf index is not a uint32";
			return POUCH_E_MALFORMED;
		}
		leaves[(*n)++] = (uint32_t)json_integer_value(v);
	}
	return POUCH_OK;
}

/*
 * Commit kps (MLSMessage(KeyPackage)s) and removes, and the cached
 * proposals when by_ref, without a path when no_path; answer commit and
 * welcome; merge the new epoch when merge is set.
 */
static int
commit_and_answer(struct drv_req *r, struct member *m, uint8_t **kps,
    size_t *kplens, size_t nkps, const uint32_t *removes, size_t nremoves,
    int by_ref, int no_path, int merge)
{
	struct pouch_mls_commit_req req;
	const uint8_t *adds[DRV_ADDS_MAX];
	size_t addlens[DRV_ADDS_MAX], i;
	uint8_t *commit = NULL, *welcome = NULL;
	size_t commitlen = 0, welcomelen = 0;
	int rc, made = 0;

	memset(&req, 0, sizeof(req));
	/* get_key_packages() checked the 4-byte MLSMessage headers */
	for (i = 0; i < nkps; i++) {
		adds[i] = kps[i] + 4;
		addlens[i] = kplens[i] - 4;
	}
	req.adds = adds;
	req.addlens = addlens;
	req.nadds = nkps;
	req.removes = removes;
	req.nremoves = nremoves;
	req.by_reference = by_ref;
	req.no_path = no_path;
	req.now = pouch_drv_now(r->d);
	if ((rc = pouch_mls_group_commit(m->g, &req, &commit, &commitlen,
	    &welcome, &welcomelen)) != POUCH_OK) {
		r->msg = "the engine refused the commit";
		goto out;
	}
	made = 1;
	if ((rc = pouch_drv_put_hex(r, "commit", commit, commitlen)) !=
	    POUCH_OK)
		goto out;
	if (welcome != NULL &&
	    (rc = pouch_drv_put_hex(r, "welcome", welcome, welcomelen)) !=
	    POUCH_OK)
		goto out;
	if (merge && (rc = pouch_mls_group_merge_pending(m->g)) != POUCH_OK) {
		r->msg = "cannot merge the commit";
		goto out;
	}
	rc = POUCH_OK;
out:
	if (rc != POUCH_OK && made && pouch_mls_group_has_pending(m->g))
		pouch_mls_group_discard_pending(m->g);
	pouch_wr_buf_free(commit, commitlen);
	pouch_wr_buf_free(welcome, welcomelen);
	return rc;
}

/* Put key: hex of buf into the object o. */
static int
put_hex_in(json_t *o, const char *key, const uint8_t *buf, size_t len)
{
	struct drv_req tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.out = o;
	return pouch_drv_put_hex(&tmp, key, buf, len);
}

static void
free_kps(uint8_t **kps, size_t *lens, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		pouch_drv_buf_free(kps[i], lens[i]);
}

/* ---- operations --------------------------------------------------- */

static int
op_supported_suites(struct drv_req *r)
{
	const uint16_t *ids;
	json_t *a;
	size_t n, i;

	ids = pouch_mls_suite_ids(&n);
	if ((a = json_array()) == NULL)
		return POUCH_E_NOMEM;
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, json_integer(ids[i])) != 0) {
			json_decref(a);
			return POUCH_E_NOMEM;
		}
	return pouch_drv_put(r, "suites", a);
}

static int
op_create_member(struct drv_req *r)
{
	const struct pouch_mls_suite *s;
	struct member *m = NULL;
	uint8_t *id = NULL;
	size_t idlen = 0;
	uint64_t suite, h;
	int rc;

	if ((rc = pouch_drv_get_uint(r, "suite", 0, UINT16_MAX, &suite)) !=
	    POUCH_OK || (rc = pouch_drv_get_hex(r, "identity", 0, &id,
	    &idlen)) != POUCH_OK)
		goto out;
	if ((s = pouch_mls_suite_get((uint16_t)suite)) == NULL) {
		r->msg = "unsupported cipher suite";
		rc = POUCH_E_UNSUPPORTED;
		goto out;
	}
	if (idlen == 0 || idlen > DRV_IDENTITY_MAX) {
		r->msg = "identity must be 1 to 255 bytes";
		rc = POUCH_E_TOO_LARGE;
		goto out;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	m->s = s;
	memcpy(m->identity, id, idlen);
	m->identitylen = idlen;
	if ((rc = pouch_sig_keygen(pouch_drv_crypto(r->d), s->sig,
	    m->sig_priv, m->sig_pub)) != POUCH_OK) {
		r->msg = "cannot make a signature key";
		goto out;
	}
	if ((rc = pouch_drv_member_add(r->d, m, &h)) != POUCH_OK) {
		r->msg = "too many members";
		goto out;
	}
	m = NULL;
	rc = pouch_drv_put_uint(r, "member", h);
out:
	pouch_drv_member_free(m);
	pouch_drv_buf_free(id, idlen);
	return rc;
}

static int
op_key_package(struct drv_req *r)
{
	struct member *m;
	int rc;

	if ((rc = get_member(r, &m)) != POUCH_OK ||
	    (rc = new_key_package(r, m)) != POUCH_OK)
		return rc;
	return put_mls_message(r, "key_package", POUCH_MLS_WF_KEY_PACKAGE,
	    m->kp.kp, m->kp.kplen);
}

/*
 * external_senders: an optional array of {signature_key, identity} (hex),
 * for the GroupContext's external_senders extension.
 */
static int
get_ext_senders(struct drv_req *r, struct pouch_mls_ext_sender *es,
    uint8_t **bufs, size_t *lens, size_t *n)
{
	static const char *const keys[2] = { "signature_key", "identity" };
	json_t *a, *e, *v;
	size_t i, k;
	int rc;

	*n = 0;
	if ((a = json_object_get(r->in, "external_senders")) == NULL ||
	    json_is_null(a))
		return POUCH_OK;
	if (!json_is_array(a) || json_array_size(a) > DRV_EXT_SENDERS_MAX) {
		r->msg = "external_senders is not a short array";
		return POUCH_E_MALFORMED;
	}
	for (i = 0; i < json_array_size(a); i++) {
		e = json_array_get(a, i);
		for (k = 0; k < 2; k++) {
			v = json_object_get(e, keys[k]);
			if (!json_is_string(v)) {
				r->msg = "an external sender lacks a field";
				return POUCH_E_MALFORMED;
			}
			if ((rc = pouch_drv_unhex(json_string_value(v),
			    json_string_length(v), &bufs[2 * i + k],
			    &lens[2 * i + k])) != POUCH_OK) {
				r->msg = "an external sender field is not hex";
				return rc;
			}
			*n = 2 * i + k + 1;
		}
		es[i].sig_key = bufs[2 * i];
		es[i].sig_keylen = lens[2 * i];
		es[i].identity = bufs[2 * i + 1];
		es[i].identitylen = lens[2 * i + 1];
	}
	return POUCH_OK;
}

static int
op_create_group(struct drv_req *r)
{
	struct pouch_mls_ext_sender es[DRV_EXT_SENDERS_MAX];
	struct pouch_mls_create_opts opts;
	struct pouch_mls_member_keys k;
	struct member *m;
	uint8_t *gid = NULL, *bufs[2 * DRV_EXT_SENDERS_MAX];
	size_t gidlen = 0, lens[2 * DRV_EXT_SENDERS_MAX], nbufs = 0;
	int rc;

	if ((rc = get_member(r, &m)) != POUCH_OK ||
	    (rc = pouch_drv_get_hex(r, "group_id", 0, &gid, &gidlen)) !=
	    POUCH_OK ||
	    (rc = get_ext_senders(r, es, bufs, lens, &nbufs)) != POUCH_OK)
		goto out;
	if (m->g != NULL) {
		r->msg = "the member is already in a group";
		rc = POUCH_E_STATE;
		goto out;
	}
	if (gidlen > DRV_GROUP_ID_MAX) {
		r->msg = "group_id is too long";
		rc = POUCH_E_TOO_LARGE;
		goto out;
	}
	if (!m->has_kp && (rc = new_key_package(r, m)) != POUCH_OK)
		goto out;
	memset(&opts, 0, sizeof(opts));
	opts.ext_senders = es;
	opts.next_senders = nbufs / 2;
	k = keys_of(m);
	if ((rc = pouch_mls_group_create_opts(pouch_drv_crypto(r->d), m->s,
	    gid, gidlen, &k, &opts, pouch_drv_now(r->d), &m->g)) != POUCH_OK)
		r->msg = "the engine cannot create the group";
out:
	while (nbufs > 0) {
		nbufs--;
		pouch_drv_buf_free(bufs[nbufs], lens[nbufs]);
	}
	pouch_drv_buf_free(gid, gidlen);
	return rc;
}

static int
op_add_members(struct drv_req *r)
{
	struct member *m;
	uint8_t *kps[DRV_ADDS_MAX];
	size_t lens[DRV_ADDS_MAX], n = 0;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK ||
	    (rc = get_key_packages(r, "key_packages", kps, lens, &n)) !=
	    POUCH_OK)
		goto out;
	if (n == 0) {
		r->msg = "key_packages is empty";
		rc = POUCH_E_MISUSE;
		goto out;
	}
	rc = commit_and_answer(r, m, kps, lens, n, NULL, 0, 0, 0, 1);
out:
	free_kps(kps, lens, n);
	return rc;
}

/*
 * commit: key_packages and removes by value (optional), by_reference
 * (proposal messages: when not empty, the engine commits every proposal
 * it cached in the epoch, which includes those), with_path (false: no
 * UpdatePath, for Adds only).  The new epoch stays pending until the op
 * pending.
 */
static int
op_commit(struct drv_req *r)
{
	struct member *m;
	json_t *refs;
	uint8_t *kps[DRV_ADDS_MAX];
	size_t lens[DRV_ADDS_MAX], n = 0, nrem = 0;
	uint32_t removes[DRV_ADDS_MAX];
	int rc, with_path;

	if ((rc = get_grouped(r, &m)) != POUCH_OK ||
	    (rc = pouch_drv_get_bool(r, "with_path", 1, &with_path)) !=
	    POUCH_OK ||
	    (rc = get_key_packages(r, "key_packages", kps, lens, &n)) !=
	    POUCH_OK || (rc = get_leaves(r, "removes", removes, &nrem)) !=
	    POUCH_OK)
		goto out;
	refs = json_object_get(r->in, "by_reference");
	if (refs != NULL && !json_is_null(refs) && !json_is_array(refs)) {
		r->msg = "by_reference is not an array";
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	rc = commit_and_answer(r, m, kps, lens, n, removes, nrem,
	    refs != NULL && json_array_size(refs) > 0, !with_path, 0);
out:
	free_kps(kps, lens, n);
	return rc;
}

static int
op_commit_update(struct drv_req *r)
{
	struct member *m;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK)
		return rc;
	return commit_and_answer(r, m, NULL, NULL, 0, NULL, 0, 0, 0, 1);
}

static int
op_remove(struct drv_req *r)
{
	struct member *m;
	uint64_t leaf;
	uint32_t l;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK ||
	    (rc = pouch_drv_get_uint(r, "leaf_index", 0, UINT32_MAX,
	    &leaf)) != POUCH_OK)
		return rc;
	l = (uint32_t)leaf;
	return commit_and_answer(r, m, NULL, NULL, 0, &l, 1, 0, 0, 1);
}

static int
op_join(struct drv_req *r)
{
	struct pouch_mls_member_keys k;
	struct pouch_mls_join_opts opts;
	struct pouch_rd body;
	struct member *m;
	uint8_t *w = NULL, *tree = NULL;
	size_t wlen = 0, treelen = 0;
	uint16_t wf;
	int rc;

	if ((rc = get_member(r, &m)) != POUCH_OK ||
	    (rc = pouch_drv_get_hex(r, "welcome", 0, &w, &wlen)) !=
	    POUCH_OK ||
	    (rc = pouch_drv_get_hex(r, "ratchet_tree", 1, &tree, &treelen)) !=
	    POUCH_OK)
		goto out;
	if (m->g != NULL) {
		r->msg = "the member is already in a group";
		rc = POUCH_E_STATE;
		goto out;
	}
	if (!m->has_kp) {
		r->msg = "the member has no KeyPackage";
		rc = POUCH_E_STATE;
		goto out;
	}
	if ((rc = mls_header(r, w, wlen, &wf, &body)) != POUCH_OK)
		goto out;
	if (wf != POUCH_MLS_WF_WELCOME) {
		r->msg = "not an MLSMessage(Welcome)";
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	memset(&opts, 0, sizeof(opts));
	opts.tree = tree;
	opts.treelen = treelen;
	k = keys_of(m);
	if ((rc = pouch_mls_group_join(pouch_drv_crypto(r->d), m->s, &k, w,
	    wlen, &opts, pouch_drv_now(r->d), &m->g)) != POUCH_OK) {
		r->msg = "the engine rejected the Welcome";
		goto out;
	}
	rc = pouch_drv_put_uint(r, "epoch", pouch_mls_group_epoch(m->g));
out:
	pouch_drv_buf_free(w, wlen);
	pouch_drv_buf_free(tree, treelen);
	return rc;
}

static int
op_encrypt(struct drv_req *r)
{
	struct member *m;
	uint8_t *pt = NULL, *aad = NULL, *ct = NULL;
	size_t ptlen = 0, aadlen = 0, ctlen = 0;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK ||
	    (rc = pouch_drv_get_hex(r, "plaintext", 0, &pt, &ptlen)) !=
	    POUCH_OK ||
	    (rc = pouch_drv_get_hex(r, "aad", 1, &aad, &aadlen)) != POUCH_OK)
		goto out;
	if ((rc = pouch_mls_group_encrypt(m->g, aad, aadlen, pt, ptlen, &ct,
	    &ctlen)) != POUCH_OK) {
		r->msg = "the engine cannot encrypt";
		goto out;
	}
	rc = pouch_drv_put_hex(r, "message", ct, ctlen);
out:
	pouch_drv_buf_free(pt, ptlen);
	pouch_drv_buf_free(aad, aadlen);
	pouch_wr_buf_free(ct, ctlen);
	return rc;
}

/* The content_type of a PublicMessage body (RFC 9420 6). */
static int
public_content_type(struct drv_req *r, struct pouch_rd *body, uint8_t *ct)
{
	const uint8_t *p;
	size_t n;
	uint64_t epoch;
	uint32_t idx;
	uint8_t st;
	int rc;

	*ct = 0;
	if ((rc = pouch_rd_opaque(body, &p, &n, DRV_GROUP_ID_MAX)) !=
	    POUCH_OK || (rc = pouch_rd_u64(body, &epoch)) != POUCH_OK ||
	    (rc = pouch_rd_u8(body, &st)) != POUCH_OK)
		goto out;
	if ((st == POUCH_MLS_SENDER_MEMBER ||
	    st == POUCH_MLS_SENDER_EXTERNAL) &&
	    (rc = pouch_rd_u32(body, &idx)) != POUCH_OK)
		goto out;
	if ((rc = pouch_rd_opaque(body, &p, &n, POUCH_VARINT_MAX)) !=
	    POUCH_OK || (rc = pouch_rd_u8(body, ct)) != POUCH_OK)
		goto out;
	rc = POUCH_OK;
out:
	if (rc != POUCH_OK)
		r->msg = "the PublicMessage is malformed";
	return rc;
}

/*
 * A PrivateMessage carrying a proposal or commit: the content type is
 * encrypted, so a commit is told by the epoch moving (or our removal).
 */
static int
receive_private_handshake(struct drv_req *r, struct member *m,
    const uint8_t *msg, size_t msglen)
{
	uint64_t epoch = pouch_mls_group_epoch(m->g);
	int rc, commit;

	if ((rc = pouch_mls_group_process(m->g, msg, msglen,
	    pouch_drv_now(r->d))) != POUCH_OK) {
		r->msg = "the engine rejected the PrivateMessage";
		return rc;
	}
	commit = pouch_mls_group_epoch(m->g) != epoch ||
	    pouch_mls_group_removed(m->g);
	if ((rc = pouch_drv_put_str(r, "kind", commit ? "commit" :
	    "proposal")) != POUCH_OK ||
	    (rc = pouch_drv_put_uint(r, "epoch",
	    pouch_mls_group_epoch(m->g))) != POUCH_OK)
		return rc;
	return pouch_drv_put(r, "removed",
	    json_boolean(pouch_mls_group_removed(m->g)));
}

/*
 * receive: a PrivateMessage is decrypted as application data, or
 * processed when it holds a proposal or commit; a PublicMessage is
 * processed as a proposal or commit.
 */
static int
op_receive(struct drv_req *r)
{
	struct pouch_rd body;
	struct member *m;
	uint8_t *msg = NULL, *pt = NULL;
	size_t msglen = 0, ptlen = 0;
	uint32_t sender;
	uint16_t wf;
	uint8_t ct;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK ||
	    (rc = pouch_drv_get_hex(r, "message", 0, &msg, &msglen)) !=
	    POUCH_OK || (rc = mls_header(r, msg, msglen, &wf, &body)) !=
	    POUCH_OK)
		goto out;
	if (wf == POUCH_MLS_WF_PRIVATE_MESSAGE) {
		rc = pouch_mls_group_decrypt(m->g, msg, msglen, &pt, &ptlen,
		    &sender);
		if (rc == POUCH_E_UNSUPPORTED) {
			rc = receive_private_handshake(r, m, msg, msglen);
			goto out;
		}
		if (rc != POUCH_OK) {
			r->msg = "the engine rejected the PrivateMessage";
			goto out;
		}
		if ((rc = pouch_drv_put_str(r, "kind", "application")) !=
		    POUCH_OK ||
		    (rc = pouch_drv_put_hex(r, "plaintext", pt, ptlen)) !=
		    POUCH_OK)
			goto out;
		rc = pouch_drv_put_uint(r, "sender", sender);
		goto out;
	}
	if (wf != POUCH_MLS_WF_PUBLIC_MESSAGE) {
		r->msg = "not a PublicMessage or PrivateMessage";
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	if ((rc = public_content_type(r, &body, &ct)) != POUCH_OK)
		goto out;
	if (ct != POUCH_MLS_CT_PROPOSAL && ct != POUCH_MLS_CT_COMMIT) {
		r->msg = "a PublicMessage must carry a proposal or commit";
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	if ((rc = pouch_mls_group_process(m->g, msg, msglen,
	    pouch_drv_now(r->d))) != POUCH_OK) {
		r->msg = "the engine rejected the PublicMessage";
		goto out;
	}
	if ((rc = pouch_drv_put_str(r, "kind", ct == POUCH_MLS_CT_COMMIT ?
	    "commit" : "proposal")) != POUCH_OK ||
	    (rc = pouch_drv_put_uint(r, "epoch",
	    pouch_mls_group_epoch(m->g))) != POUCH_OK)
		goto out;
	rc = pouch_drv_put(r, "removed",
	    json_boolean(pouch_mls_group_removed(m->g)));
out:
	pouch_drv_buf_free(msg, msglen);
	pouch_wr_buf_free(pt, ptlen);
	return rc;
}

static int
op_pending(struct drv_req *r)
{
	struct member *m;
	const char *action;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK ||
	    (rc = pouch_drv_get_str(r, "action", 0, &action)) != POUCH_OK)
		return rc;
	if (strcmp(action, "confirm") == 0) {
		if ((rc = pouch_mls_group_merge_pending(m->g)) != POUCH_OK)
			r->msg = "no pending commit to confirm";
		return rc;
	}
	if (strcmp(action, "discard") == 0) {
		pouch_mls_group_discard_pending(m->g);
		return POUCH_OK;
	}
	r->msg = "action must be confirm or discard";
	return POUCH_E_MALFORMED;
}

static int
op_epoch(struct drv_req *r)
{
	struct member *m;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK)
		return rc;
	return pouch_drv_put_uint(r, "epoch", pouch_mls_group_epoch(m->g));
}

static int
op_epoch_authenticator(struct drv_req *r)
{
	uint8_t a[POUCH_HASH_MAX];
	struct member *m;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_group_epoch_authenticator(m->g, a)) != POUCH_OK)
		return rc;
	return pouch_drv_put_hex(r, "epoch_authenticator", a, m->s->nh);
}

/* state: epoch, own leaf, members, removed, pending, authenticator. */
static int
op_state(struct drv_req *r)
{
	uint8_t a[POUCH_HASH_MAX];
	struct member *m;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_group_epoch_authenticator(m->g, a)) != POUCH_OK ||
	    (rc = pouch_drv_put_hex(r, "epoch_authenticator", a, m->s->nh)) !=
	    POUCH_OK ||
	    (rc = pouch_drv_put_uint(r, "epoch",
	    pouch_mls_group_epoch(m->g))) != POUCH_OK ||
	    (rc = pouch_drv_put_uint(r, "leaf_index",
	    pouch_mls_group_leaf(m->g))) != POUCH_OK ||
	    (rc = pouch_drv_put_uint(r, "members",
	    pouch_mls_group_members(m->g))) != POUCH_OK ||
	    (rc = pouch_drv_put(r, "pending",
	    json_boolean(pouch_mls_group_has_pending(m->g)))) != POUCH_OK)
		return rc;
	return pouch_drv_put(r, "removed",
	    json_boolean(pouch_mls_group_removed(m->g)));
}

/* members: every non-blank leaf as {leaf_index, identity}. */
static int
op_members(struct drv_req *r)
{
	struct pouch_mls_member_info mi;
	struct member *m;
	json_t *a, *e;
	uint32_t i, n;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK)
		return rc;
	if ((a = json_array()) == NULL)
		return POUCH_E_NOMEM;
	n = pouch_mls_group_leaves(m->g);
	for (i = 0; i < n; i++) {
		if (pouch_mls_group_member(m->g, i, &mi) != POUCH_OK)
			continue;	/* blank */
		if ((e = json_object()) == NULL ||
		    json_array_append_new(a, e) != 0 ||
		    json_object_set_new(e, "leaf_index",
		    json_integer(i)) != 0) {
			json_decref(a);
			return POUCH_E_NOMEM;
		}
		if ((rc = put_hex_in(e, "identity", mi.identity,
		    mi.identitylen)) != POUCH_OK) {
			json_decref(a);
			return rc;
		}
	}
	return pouch_drv_put(r, "members", a);
}

/* Answer a proposal message made by the engine. */
static int
put_proposal(struct drv_req *r, int rc, uint8_t *p, size_t plen)
{
	if (rc != POUCH_OK) {
		r->msg = "the engine refused the proposal";
		return rc;
	}
	rc = pouch_drv_put_hex(r, "proposal", p, plen);
	pouch_wr_buf_free(p, plen);
	return rc;
}

static int
op_propose_add(struct drv_req *r)
{
	struct pouch_rd body;
	struct member *m;
	uint8_t *kp = NULL, *p = NULL;
	size_t kplen = 0, plen = 0;
	uint16_t wf;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK ||
	    (rc = pouch_drv_get_hex(r, "key_package", 0, &kp, &kplen)) !=
	    POUCH_OK || (rc = mls_header(r, kp, kplen, &wf, &body)) !=
	    POUCH_OK)
		goto out;
	if (wf != POUCH_MLS_WF_KEY_PACKAGE) {
		r->msg = "not an MLSMessage(KeyPackage)";
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	rc = pouch_mls_group_propose_add(m->g, kp + 4, kplen - 4,
	    pouch_drv_now(r->d), &p, &plen);
	rc = put_proposal(r, rc, p, plen);
out:
	pouch_drv_buf_free(kp, kplen);
	return rc;
}

static int
op_propose_remove(struct drv_req *r)
{
	struct member *m;
	uint8_t *p = NULL;
	size_t plen = 0;
	uint64_t leaf;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK ||
	    (rc = pouch_drv_get_uint(r, "leaf_index", 0, UINT32_MAX,
	    &leaf)) != POUCH_OK)
		return rc;
	rc = pouch_mls_group_propose_remove(m->g, (uint32_t)leaf, &p, &plen);
	return put_proposal(r, rc, p, plen);
}

static int
op_propose_update(struct drv_req *r)
{
	struct member *m;
	uint8_t *p = NULL;
	size_t plen = 0;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK)
		return rc;
	rc = pouch_mls_group_propose_update(m->g, &p, &plen);
	return put_proposal(r, rc, p, plen);
}

/* export: label (string), context (hex, optional), length. */
static int
op_export(struct drv_req *r)
{
	struct member *m;
	const char *label;
	uint8_t *ctx = NULL, *out = NULL;
	size_t ctxlen = 0;
	uint64_t len = 0;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK ||
	    (rc = pouch_drv_get_str(r, "label", 0, &label)) != POUCH_OK ||
	    (rc = pouch_drv_get_hex(r, "context", 1, &ctx, &ctxlen)) !=
	    POUCH_OK ||
	    (rc = pouch_drv_get_uint(r, "length", 0, UINT16_MAX, &len)) !=
	    POUCH_OK)
		goto out;
	if ((out = malloc(len + 1)) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	if ((rc = pouch_mls_group_export(m->g, label, ctx, ctxlen, out,
	    len)) != POUCH_OK) {
		r->msg = "the engine cannot export";
		goto out;
	}
	rc = pouch_drv_put_hex(r, "exported", out, len);
out:
	pouch_drv_buf_free(out, len + 1);
	pouch_drv_buf_free(ctx, ctxlen);
	return rc;
}

/* group_info: a signed GroupInfo with external_pub and ratchet_tree. */
static int
op_group_info(struct drv_req *r)
{
	struct member *m;
	uint8_t *gi = NULL;
	size_t gilen = 0;
	int rc;

	if ((rc = get_grouped(r, &m)) != POUCH_OK)
		return rc;
	if ((rc = pouch_mls_group_info_export(m->g, &gi, &gilen)) !=
	    POUCH_OK) {
		r->msg = "the engine cannot export a GroupInfo";
		return rc;
	}
	rc = pouch_drv_put_hex(r, "group_info", gi, gilen);
	pouch_wr_buf_free(gi, gilen);
	return rc;
}

/* external_join: group_info, ratchet_tree (optional); answers commit. */
static int
op_external_join(struct drv_req *r)
{
	struct pouch_mls_member_keys k;
	struct pouch_mls_join_opts opts;
	struct pouch_rd body;
	struct member *m;
	uint8_t *gi = NULL, *tree = NULL, *commit = NULL;
	size_t gilen = 0, treelen = 0, commitlen = 0;
	uint16_t wf;
	int rc;

	if ((rc = get_member(r, &m)) != POUCH_OK ||
	    (rc = pouch_drv_get_hex(r, "group_info", 0, &gi, &gilen)) !=
	    POUCH_OK ||
	    (rc = pouch_drv_get_hex(r, "ratchet_tree", 1, &tree, &treelen)) !=
	    POUCH_OK || (rc = mls_header(r, gi, gilen, &wf, &body)) !=
	    POUCH_OK)
		goto out;
	if (wf != POUCH_MLS_WF_GROUP_INFO) {
		r->msg = "not an MLSMessage(GroupInfo)";
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	if (m->g != NULL) {
		r->msg = "the member is already in a group";
		rc = POUCH_E_STATE;
		goto out;
	}
	if (!m->has_kp && (rc = new_key_package(r, m)) != POUCH_OK)
		goto out;
	memset(&opts, 0, sizeof(opts));
	opts.tree = tree;
	opts.treelen = treelen;
	k = keys_of(m);
	if ((rc = pouch_mls_group_join_external(pouch_drv_crypto(r->d), m->s,
	    &k, gi, gilen, &opts, pouch_drv_now(r->d), &m->g, &commit,
	    &commitlen)) != POUCH_OK) {
		r->msg = "the engine cannot join by external commit";
		goto out;
	}
	rc = pouch_drv_put_hex(r, "commit", commit, commitlen);
out:
	pouch_drv_buf_free(gi, gilen);
	pouch_drv_buf_free(tree, treelen);
	pouch_wr_buf_free(commit, commitlen);
	return rc;
}

const struct drv_op pouch_drv_ops[] = {
	{ "supported_suites",		op_supported_suites },
	{ "create_member",		op_create_member },
	{ "key_package",		op_key_package },
	{ "create_group",		op_create_group },
	{ "add_members",		op_add_members },
	{ "propose_add",		op_propose_add },
	{ "propose_update",		op_propose_update },
	{ "propose_remove",		op_propose_remove },
	{ "commit",			op_commit },
	{ "commit_update",		op_commit_update },
	{ "remove",			op_remove },
	{ "join",			op_join },
	{ "group_info",			op_group_info },
	{ "external_join",		op_external_join },
	{ "encrypt",			op_encrypt },
	{ "receive",			op_receive },
	{ "pending",			op_pending },
	{ "epoch",			op_epoch },
	{ "epoch_authenticator",	op_epoch_authenticator },
	{ "export",			op_export },
	{ "state",			op_state },
	{ "members",			op_members },
	{ NULL,				NULL }
};
