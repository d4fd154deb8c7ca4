/*
 * mls_crypto_basics.c - runner for mls/crypto-basics.json (RFC 9420
 * labelled operations, one case per cipher suite).  A case passes only when
 * all six checks hold: RefHash, ExpandWithLabel, DeriveSecret,
 * DeriveTreeSecret, Sign/VerifyWithLabel (the given signature verifies, a
 * fresh one verifies, a tampered one does not) and Encrypt/DecryptWithLabel
 * (the given ciphertext decrypts, a fresh encryption round-trips, a tampered
 * one is refused).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "mls/suite.h"
#include "vectors/vectors.h"

#define NFIELDS	8

struct fields {
	uint8_t	*b[NFIELDS];
	size_t	 n[NFIELDS];
};

static void
fields_free(struct fields *f)
{
	int i;

	for (i = 0; i < NFIELDS; i++)
		free(f->b[i]);
	memset(f, 0, sizeof(*f));
}

/* Read the listed hex members of obj into f->b[0..]; -1 if any is bad. */
static int
get_hex(json_t *obj, struct fields *f, const char *const *names)
{
	int i;

	for (i = 0; names[i] != NULL && i < NFIELDS; i++)
		if (vec_hex(obj, names[i], &f->b[i], &f->n[i]) != 0)
			return -1;
	return 0;
}

static const char *
get_label(json_t *obj)
{
	return json_string_value(json_object_get(obj, "label"));
}

static int
check_ref_hash(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    json_t *o)
{
	static const char *const names[] = { "value", "out", NULL };
	struct fields f = { 0 };
	uint8_t out[POUCH_HASH_MAX];
	int ok = 0;

	if (get_hex(o, &f, names) == 0 && get_label(o) != NULL &&
	    pouch_mls_ref_hash(c, s, get_label(o), f.b[0], f.n[0], out) ==
	    POUCH_OK)
		ok = f.n[1] == s->nh && memcmp(out, f.b[1], s->nh) == 0;
	fields_free(&f);
	return ok;
}

static int
check_expand(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    json_t *o)
{
	static const char *const names[] = { "secret", "context", "out", NULL };
	struct fields f = { 0 };
	uint8_t out[1024];
	long long len;
	int ok = 0;

	if (get_hex(o, &f, names) == 0 && get_label(o) != NULL &&
	    vec_int(o, "length", &len) == 0 && len >= 0 &&
	    (size_t)len <= sizeof(out) && (size_t)len == f.n[2] &&
	    pouch_mls_expand_with_label(c, s, f.b[0], f.n[0], get_label(o),
	    f.b[1], f.n[1], out, (size_t)len) == POUCH_OK)
		ok = memcmp(out, f.b[2], (size_t)len) == 0;
	fields_free(&f);
	return ok;
}

static int
check_derive_secret(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, json_t *o)
{
	static const char *const names[] = { "secret", "out", NULL };
	struct fields f = { 0 };
	uint8_t out[POUCH_HASH_MAX];
	int ok = 0;

	if (get_hex(o, &f, names) == 0 && get_label(o) != NULL &&
	    pouch_mls_derive_secret(c, s, f.b[0], f.n[0], get_label(o), out) ==
	    POUCH_OK)
		ok = f.n[1] == s->nh && memcmp(out, f.b[1], s->nh) == 0;
	fields_free(&f);
	return ok;
}

static int
check_tree_secret(const struct pouch_crypto *c,
    const struct pouch_mls_suite *s, json_t *o)
{
	static const char *const names[] = { "secret", "out", NULL };
	struct fields f = { 0 };
	uint8_t out[1024];
	long long len, gen;
	int ok = 0;

	if (get_hex(o, &f, names) == 0 && get_label(o) != NULL &&
	    vec_int(o, "length", &len) == 0 && len >= 0 &&
	    (size_t)len <= sizeof(out) && (size_t)len == f.n[1] &&
	    vec_int(o, "generation", &gen) == 0 && gen >= 0 &&
	    gen <= 0xffffffffLL &&
	    pouch_mls_derive_tree_secret(c, s, f.b[0], f.n[0], get_label(o),
	    (uint32_t)gen, out, (size_t)len) == POUCH_OK)
		ok = memcmp(out, f.b[1], (size_t)len) == 0;
	fields_free(&f);
	return ok;
}

static int
check_sign(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    json_t *o)
{
	static const char *const names[] = { "priv", "pub", "content",
	    "signature", NULL };
	struct fields f = { 0 };
	uint8_t sig[POUCH_SIG_MAX];
	size_t siglen;
	const char *label = get_label(o);
	int ok = 0;

	if (get_hex(o, &f, names) != 0 || label == NULL)
		goto out;
	/* the published signature verifies */
	if (pouch_mls_verify_with_label(c, s, f.b[1], f.n[1], label, f.b[2],
	    f.n[2], f.b[3], f.n[3]) != POUCH_OK)
		goto out;
	/* a fresh signature of ours verifies */
	if (pouch_mls_sign_with_label(c, s, f.b[0], f.n[0], label, f.b[2],
	    f.n[2], sig, sizeof(sig), &siglen) != POUCH_OK ||
	    pouch_mls_verify_with_label(c, s, f.b[1], f.n[1], label, f.b[2],
	    f.n[2], sig, siglen) != POUCH_OK)
		goto out;
	/* and a different label does not */
	if (pouch_mls_verify_with_label(c, s, f.b[1], f.n[1], "Other", f.b[2],
	    f.n[2], sig, siglen) != POUCH_E_BAD_SIGNATURE)
		goto out;
	ok = 1;
out:
	fields_free(&f);
	return ok;
}

static int
check_encrypt(const struct pouch_crypto *c, const struct pouch_mls_suite *s,
    json_t *o)
{
	static const char *const names[] = { "priv", "pub", "context",
	    "plaintext", "kem_output", "ciphertext", NULL };
	struct fields f = { 0 };
	uint8_t pt[1024], kem[256], ct[1024 + POUCH_AEAD_TAG_BYTES];
	size_t ptlen, kemlen, ctlen;
	const char *label = get_label(o);
	int ok = 0;

	if (get_hex(o, &f, names) != 0 || label == NULL ||
	    f.n[3] > sizeof(pt))
		goto out;
	/* the published ciphertext decrypts to the plaintext */
	if (pouch_mls_decrypt_with_label(c, s, f.b[0], f.n[0], label, f.b[2],
	    f.n[2], f.b[4], f.n[4], f.b[5], f.n[5], pt, sizeof(pt), &ptlen) !=
	    POUCH_OK || ptlen != f.n[3] || memcmp(pt, f.b[3], ptlen) != 0)
		goto out;
	/* a fresh encryption round-trips */
	if (pouch_mls_encrypt_with_label(c, s, f.b[1], f.n[1], label, f.b[2],
	    f.n[2], f.b[3], f.n[3], kem, sizeof(kem), &kemlen, ct, sizeof(ct),
	    &ctlen) != POUCH_OK)
		goto out;
	if (pouch_mls_decrypt_with_label(c, s, f.b[0], f.n[0], label, f.b[2],
	    f.n[2], kem, kemlen, ct, ctlen, pt, sizeof(pt), &ptlen) !=
	    POUCH_OK || ptlen != f.n[3] || memcmp(pt, f.b[3], ptlen) != 0)
		goto out;
	/* a tampered ciphertext is refused */
	ct[0] ^= 1;
	if (pouch_mls_decrypt_with_label(c, s, f.b[0], f.n[0], label, f.b[2],
	    f.n[2], kem, kemlen, ct, ctlen, pt, sizeof(pt), &ptlen) !=
	    POUCH_E_DECRYPT)
		goto out;
	ok = 1;
out:
	fields_free(&f);
	return ok;
}

int
vec_run_mls_crypto_basics(json_t *root, const char *file,
    struct vec_result *res)
{
	static const struct {
		const char	*key;
		int		(*check)(const struct pouch_crypto *,
				    const struct pouch_mls_suite *, json_t *);
	} checks[] = {
		{ "ref_hash", check_ref_hash },
		{ "expand_with_label", check_expand },
		{ "derive_secret", check_derive_secret },
		{ "derive_tree_secret", check_tree_secret },
		{ "sign_with_label", check_sign },
		{ "encrypt_with_label", check_encrypt },
	};
	struct pouch_crypto *c = NULL;
	json_t *tc;
	size_t i, k;

	if (!json_is_array(root) || pouch_crypto_new(&c) != POUCH_OK)
		return -1;
	json_array_foreach(root, i, tc) {
		const struct pouch_mls_suite *s;
		long long id;
		int ok = 1;

		res->total++;
		if (vec_int(tc, "cipher_suite", &id) != 0 || id < 0 ||
		    id > 0xffff || (s = pouch_mls_suite_get((uint16_t)id)) ==
		    NULL) {
			vec_fail(file, i, "unknown cipher_suite");
			continue;
		}
		for (k = 0; k < sizeof(checks) / sizeof(checks[0]); k++) {
			json_t *o = json_object_get(tc, checks[k].key);

			if (!json_is_object(o) || !checks[k].check(c, s, o)) {
				vec_fail(file, i, checks[k].key);
				ok = 0;
			}
		}
		if (ok)
			res->passed++;
	}
	pouch_crypto_free(c);
	return 0;
}
