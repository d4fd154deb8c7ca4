/*
 * msg_kp.c - KeyPackage and KeyPackageTBS (RFC 9420 10).  Syntax only:
 * the version, cipher suite, signature and leaf-node checks of RFC 9420
 * 10.1 happen where KeyPackages are validated.
 */
#include <string.h>

#include "mls/msg_int.h"

static int
tbs_decode(struct pouch_rd *t, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_key_package *kp)
{
	int rc;

	if ((rc = pouch_rd_u16(t, &kp->version)) != POUCH_OK ||
	    (rc = pouch_rd_u16(t, &kp->cipher_suite)) != POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(t, lim->key_max, &kp->init_key)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_leaf_node_decode(t, a, lim, &kp->leaf_node)) !=
	    POUCH_OK)
		return rc;
	return pouch_mls_extensions_decode(t, a, lim, &kp->extensions);
}

int
pouch_mls_key_package_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_key_package *out)
{
	struct pouch_mls_key_package kp;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&kp, 0, sizeof(kp));
	if ((rc = tbs_decode(&t, a, lim, &kp)) != POUCH_OK ||
	    (rc = pouch_mls_rd_bytes(&t, lim->signature_max, &kp.signature)) !=
	    POUCH_OK)
		return rc;
	*out = kp;
	*r = t;
	return POUCH_OK;
}

int
pouch_mls_key_package_tbs_decode(struct pouch_rd *r,
    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
    struct pouch_mls_key_package *out)
{
	struct pouch_mls_key_package kp;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&kp, 0, sizeof(kp));
	if ((rc = tbs_decode(&t, a, lim, &kp)) != POUCH_OK)
		return rc;
	*out = kp;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_key_package_tbs_encode(struct pouch_wr *w,
    const struct pouch_mls_key_package *x)
{
	pouch_wr_u16(w, x->version);
	pouch_wr_u16(w, x->cipher_suite);
	pouch_mls_wr_bytes(w, &x->init_key);
	pouch_mls_leaf_node_encode(w, &x->leaf_node);
	pouch_mls_extensions_encode(w, &x->extensions);
}

void
pouch_mls_key_package_encode(struct pouch_wr *w,
    const struct pouch_mls_key_package *x)
{
	pouch_mls_key_package_tbs_encode(w, x);
	pouch_mls_wr_bytes(w, &x->signature);
}
