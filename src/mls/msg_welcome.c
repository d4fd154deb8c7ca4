/*
 * msg_welcome.c - what a new member receives (RFC 9420 12.4.3.1): the
 * Welcome with one EncryptedGroupSecrets per new member, and the
 * GroupSecrets (with its optional PathSecret) that each decrypts to.
 * GroupSecrets hold secrets: the arena they are decoded into is wiped
 * when freed.
 */
#include <string.h>

#include "mls/msg_int.h"

int
pouch_mls_path_secret_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_path_secret *out)
{
	(void)a;
	memset(out, 0, sizeof(*out));
	return pouch_mls_rd_bytes(r, lim->hash_max, &out->path_secret);
}

void
pouch_mls_path_secret_encode(struct pouch_wr *w,
    const struct pouch_mls_path_secret *x)
{
	pouch_mls_wr_bytes(w, &x->path_secret);
}

static int
psk_elem(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, void *elem)
{
	return pouch_mls_psk_id_decode(r, a, lim, elem);
}

int
pouch_mls_group_secrets_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_group_secrets *out)
{
	struct pouch_mls_group_secrets gs;
	struct pouch_mls_path_secret ps;
	struct pouch_rd t = *r;
	void *v;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&gs, 0, sizeof(gs));
	if ((rc = pouch_mls_rd_bytes(&t, lim->hash_max, &gs.joiner_secret)) !=
	    POUCH_OK ||
	    (rc = pouch_rd_optional(&t, &gs.has_path_secret)) != POUCH_OK)
		return rc;
	if (gs.has_path_secret) {
		if ((rc = pouch_mls_path_secret_decode(&t, a, lim, &ps)) !=
		    POUCH_OK)
			return rc;
		gs.path_secret = ps.path_secret;
	}
	if ((rc = pouch_mls_rd_vector(&t, a, lim, lim->psks_max,
	    sizeof(struct pouch_mls_psk_id), psk_elem, &v, &gs.npsks)) !=
	    POUCH_OK)
		return rc;
	gs.psks = v;
	*out = gs;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_group_secrets_encode(struct pouch_wr *w,
    const struct pouch_mls_group_secrets *x)
{
	size_t i;

	pouch_mls_wr_bytes(w, &x->joiner_secret);
	pouch_wr_optional(w, x->has_path_secret);
	if (x->has_path_secret)
		pouch_mls_wr_bytes(w, &x->path_secret);
	pouch_wr_vec_open(w);
	for (i = 0; i < x->npsks; i++)
		pouch_mls_psk_id_encode(w, &x->psks[i]);
	pouch_wr_vec_close(w);
}

int
pouch_mls_encrypted_group_secrets_decode(struct pouch_rd *r,
    struct pouch_mls_arena *a, const struct pouch_mls_limits *lim,
    struct pouch_mls_encrypted_group_secrets *out)
{
	struct pouch_mls_encrypted_group_secrets egs;
	struct pouch_rd t = *r;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&egs, 0, sizeof(egs));
	if ((rc = pouch_mls_rd_bytes(&t, lim->hash_max, &egs.new_member)) !=
	    POUCH_OK ||
	    (rc = pouch_mls_hpke_ciphertext_decode(&t, a, lim,
	    &egs.encrypted_group_secrets)) != POUCH_OK)
		return rc;
	*out = egs;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_encrypted_group_secrets_encode(struct pouch_wr *w,
    const struct pouch_mls_encrypted_group_secrets *x)
{
	pouch_mls_wr_bytes(w, &x->new_member);
	pouch_mls_hpke_ciphertext_encode(w, &x->encrypted_group_secrets);
}

static int
egs_elem(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, void *elem)
{
	return pouch_mls_encrypted_group_secrets_decode(r, a, lim, elem);
}

int
pouch_mls_welcome_decode(struct pouch_rd *r, struct pouch_mls_arena *a,
    const struct pouch_mls_limits *lim, struct pouch_mls_welcome *out)
{
	struct pouch_mls_welcome wl;
	struct pouch_rd t = *r;
	void *v;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&wl, 0, sizeof(wl));
	if ((rc = pouch_rd_u16(&t, &wl.cipher_suite)) != POUCH_OK ||
	    (rc = pouch_mls_rd_vector(&t, a, lim, lim->leaves_max,
	    sizeof(struct pouch_mls_encrypted_group_secrets), egs_elem, &v,
	    &wl.nsecrets)) != POUCH_OK)
		return rc;
	wl.secrets = v;
	if ((rc = pouch_mls_rd_bytes(&t, lim->message_max,
	    &wl.encrypted_group_info)) != POUCH_OK)
		return rc;
	*out = wl;
	*r = t;
	return POUCH_OK;
}

void
pouch_mls_welcome_encode(struct pouch_wr *w,
    const struct pouch_mls_welcome *x)
{
	size_t i;

	pouch_wr_u16(w, x->cipher_suite);
	pouch_wr_vec_open(w);
	for (i = 0; i < x->nsecrets; i++)
		pouch_mls_encrypted_group_secrets_encode(w, &x->secrets[i]);
	pouch_wr_vec_close(w);
	pouch_mls_wr_bytes(w, &x->encrypted_group_info);
}
