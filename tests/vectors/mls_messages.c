/*
 * mls_messages.c - runners for mls/messages.json and
 * mls/deserialization.json.
 *
 * messages.json: every field of a case is decoded as its RFC 9420 type
 * (the mapping of the upstream README, "Messages"), must consume its bytes
 * exactly, and must re-encode to the identical bytes; the MLSMessage
 * fields must also carry the wire format (and, for the public messages,
 * the content type) that their name promises.  A case passes only when
 * all seventeen fields do.
 *
 * deserialization.json: each vlbytes_header is one MLS varint (RFC 9420
 * 2.1.2) that must decode, whole, to the given length and re-encode to
 * the same header.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "mls/msg.h"
#include "vectors/vectors.h"

enum kind {
	K_MESSAGE,
	K_RATCHET_TREE,
	K_GROUP_SECRETS,
	K_ADD,
	K_UPDATE,
	K_REMOVE,
	K_PRE_SHARED_KEY,
	K_REINIT,
	K_EXTERNAL_INIT,
	K_GROUP_CONTEXT_EXTENSIONS,
	K_COMMIT
};

static const struct field {
	const char	*name;
	enum kind	 kind;
	uint16_t	 wire_format;	/* K_MESSAGE: expected, 0 any */
	uint8_t		 content_type;	/* public messages: expected */
} fields[] = {
	{ "mls_welcome", K_MESSAGE, POUCH_MLS_WF_WELCOME, 0 },
	{ "mls_group_info", K_MESSAGE, POUCH_MLS_WF_GROUP_INFO, 0 },
	{ "mls_key_package", K_MESSAGE, POUCH_MLS_WF_KEY_PACKAGE, 0 },
	{ "ratchet_tree", K_RATCHET_TREE, 0, 0 },
	{ "group_secrets", K_GROUP_SECRETS, 0, 0 },
	{ "add_proposal", K_ADD, 0, 0 },
	{ "update_proposal", K_UPDATE, 0, 0 },
	{ "remove_proposal", K_REMOVE, 0, 0 },
	{ "pre_shared_key_proposal", K_PRE_SHARED_KEY, 0, 0 },
	{ "re_init_proposal", K_REINIT, 0, 0 },
	{ "external_init_proposal", K_EXTERNAL_INIT, 0, 0 },
	{ "group_context_extensions_proposal", K_GROUP_CONTEXT_EXTENSIONS,
	    0, 0 },
	{ "commit", K_COMMIT, 0, 0 },
	{ "public_message_application", K_MESSAGE,
	    POUCH_MLS_WF_PUBLIC_MESSAGE, POUCH_MLS_CT_APPLICATION },
	{ "public_message_proposal", K_MESSAGE, POUCH_MLS_WF_PUBLIC_MESSAGE,
	    POUCH_MLS_CT_PROPOSAL },
	{ "public_message_commit", K_MESSAGE, POUCH_MLS_WF_PUBLIC_MESSAGE,
	    POUCH_MLS_CT_COMMIT },
	{ "private_message", K_MESSAGE, POUCH_MLS_WF_PRIVATE_MESSAGE, 0 },
};

union any {
	struct pouch_mls_message			m;
	struct pouch_mls_ratchet_tree			rt;
	struct pouch_mls_group_secrets			gs;
	struct pouch_mls_add				add;
	struct pouch_mls_update				upd;
	struct pouch_mls_remove				rem;
	struct pouch_mls_pre_shared_key			psk;
	struct pouch_mls_reinit				ri;
	struct pouch_mls_external_init			ei;
	struct pouch_mls_group_context_extensions	gce;
	struct pouch_mls_commit				c;
};

/* Decode one value of kind k from r and encode it again into w. */
static int
decode_encode(enum kind k, struct pouch_rd *r, struct pouch_mls_arena *a,
    struct pouch_wr *w, union any *u)
{
	const struct pouch_mls_limits *lim = pouch_mls_limits_default();
	int rc = POUCH_E_MISUSE;

	switch (k) {
	case K_MESSAGE:
		if ((rc = pouch_mls_message_decode(r, a, lim, &u->m)) == 0)
			pouch_mls_message_encode(w, &u->m);
		break;
	case K_RATCHET_TREE:
		if ((rc = pouch_mls_ratchet_tree_decode(r, a, lim, &u->rt)) ==
		    0)
			pouch_mls_ratchet_tree_encode(w, &u->rt);
		break;
	case K_GROUP_SECRETS:
		if ((rc = pouch_mls_group_secrets_decode(r, a, lim, &u->gs)) ==
		    0)
			pouch_mls_group_secrets_encode(w, &u->gs);
		break;
	case K_ADD:
		if ((rc = pouch_mls_add_decode(r, a, lim, &u->add)) == 0)
			pouch_mls_add_encode(w, &u->add);
		break;
	case K_UPDATE:
		if ((rc = pouch_mls_update_decode(r, a, lim, &u->upd)) == 0)
			pouch_mls_update_encode(w, &u->upd);
		break;
	case K_REMOVE:
		if ((rc = pouch_mls_remove_decode(r, a, lim, &u->rem)) == 0)
			pouch_mls_remove_encode(w, &u->rem);
		break;
	case K_PRE_SHARED_KEY:
		if ((rc = pouch_mls_pre_shared_key_decode(r, a, lim,
		    &u->psk)) == 0)
			pouch_mls_pre_shared_key_encode(w, &u->psk);
		break;
	case K_REINIT:
		if ((rc = pouch_mls_reinit_decode(r, a, lim, &u->ri)) == 0)
			pouch_mls_reinit_encode(w, &u->ri);
		break;
	case K_EXTERNAL_INIT:
		if ((rc = pouch_mls_external_init_decode(r, a, lim,
		    &u->ei)) == 0)
			pouch_mls_external_init_encode(w, &u->ei);
		break;
	case K_GROUP_CONTEXT_EXTENSIONS:
		if ((rc = pouch_mls_group_context_extensions_decode(r, a, lim,
		    &u->gce)) == 0)
			pouch_mls_group_context_extensions_encode(w, &u->gce);
		break;
	case K_COMMIT:
		if ((rc = pouch_mls_commit_decode(r, a, lim, &u->c)) == 0)
			pouch_mls_commit_encode(w, &u->c);
		break;
	}
	return rc;
}

/* The MLSMessage variant the field's name promises. */
static int
message_is(const struct field *f, const struct pouch_mls_message *m)
{
	if (f->wire_format != 0 && m->wire_format != f->wire_format)
		return 0;
	if (f->content_type != 0 &&
	    m->u.public_message.content.content_type != f->content_type)
		return 0;
	return m->version == POUCH_MLS_VERSION_10;
}

static int
check_field(const char *file, size_t idx, json_t *c, const struct field *f)
{
	struct pouch_mls_arena a;
	struct pouch_wr w;
	struct pouch_rd r;
	union any u;
	const uint8_t *copy;
	uint8_t *b = NULL;
	size_t n;
	char what[128];
	int rc, ok = 0;

	pouch_mls_arena_init_limits(&a, NULL);
	pouch_wr_init(&w, POUCH_VARINT_MAX);
	if (vec_hex(c, f->name, &b, &n) != 0) {
		snprintf(what, sizeof(what), "%s: missing", f->name);
		goto out;
	}
	if (pouch_mls_arena_copy(&a, b, n, &copy) != POUCH_OK)
		goto out;
	pouch_rd_init(&r, copy, n);
	if ((rc = decode_encode(f->kind, &r, &a, &w, &u)) != POUCH_OK ||
	    (rc = pouch_rd_done(&r)) != POUCH_OK) {
		snprintf(what, sizeof(what), "%s: decode: %s", f->name,
		    pouch_strerror(rc));
		goto out;
	}
	if ((rc = pouch_wr_finish(&w)) != POUCH_OK) {
		snprintf(what, sizeof(what), "%s: encode: %s", f->name,
		    pouch_strerror(rc));
		goto out;
	}
	if (w.len != n || memcmp(w.buf, b, n) != 0) {
		snprintf(what, sizeof(what), "%s: re-encoding differs",
		    f->name);
		goto out;
	}
	if (f->kind == K_MESSAGE && !message_is(f, &u.m)) {
		snprintf(what, sizeof(what), "%s: wrong message variant",
		    f->name);
		goto out;
	}
	ok = 1;
out:
	if (!ok)
		vec_fail(file, idx, what);
	free(b);
	pouch_wr_free(&w);
	pouch_mls_arena_free(&a);
	return ok;
}

int
vec_run_mls_messages(json_t *root, const char *file, struct vec_result *res)
{
	json_t *c;
	size_t idx, i;
	int ok;

	if (!json_is_array(root))
		return -1;
	json_array_foreach(root, idx, c) {
		res->total++;
		ok = 1;
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			ok &= check_field(file, idx, c, &fields[i]);
		if (ok)
			res->passed++;
	}
	return 0;
}

int
vec_run_mls_deserialization(json_t *root, const char *file,
    struct vec_result *res)
{
	json_t *c;
	size_t idx;
	struct pouch_rd r;
	struct pouch_wr w;
	uint8_t *b, out[4];
	size_t n;
	long long want;
	uint32_t v;
	int ok;

	if (!json_is_array(root))
		return -1;
	json_array_foreach(root, idx, c) {
		res->total++;
		ok = 0;
		if (vec_hex(c, "vlbytes_header", &b, &n) != 0 ||
		    vec_int(c, "length", &want) != 0) {
			vec_fail(file, idx, "bad case");
			free(b);
			continue;
		}
		pouch_rd_init(&r, b, n);
		pouch_wr_init_buf(&w, out, sizeof(out));
		if (pouch_rd_varint(&r, &v) == POUCH_OK &&
		    pouch_rd_done(&r) == POUCH_OK && (long long)v == want) {
			pouch_wr_varint(&w, v);
			ok = pouch_wr_finish(&w) == POUCH_OK && w.len == n &&
			    memcmp(out, b, n) == 0;
		}
		if (ok)
			res->passed++;
		else
			vec_fail(file, idx, "varint header");
		free(b);
	}
	return 0;
}
