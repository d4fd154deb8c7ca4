/*
 * client/pair - the short pairing code that adds a device to an account
 * (BRIEF G7), the client half of src/pouchd/api_pair.c.
 *
 * The new device draws a secret of 60 bits, shown as the pairing code:
 * 12 characters of Crockford's base32 in groups of four (I and L read
 * as 1, O as 0, case and dashes ignored).  The code is stretched with
 * Argon2id (32 MiB, 2 passes), salted by SHA-256(opaque "pouch pair v2",
 * opaque user, opaque device_key); the new device posts its user, device
 * key and commit = HMAC-SHA256(stretched, "pouch pair commit v2") to the
 * server, never the code.  The user types the code on an existing device,
 * which lists the user's pending requests, keeps the one whose commit
 * matches (constant-time compare), cross-signs that key and posts the
 * approval (account key || cross-signature) with mac =
 * HMAC-SHA256(HMAC-SHA256(stretched, "pouch pair mac v2"), device_key ||
 * approval).  The new device polls, checks the MAC, then enrols.  A
 * hostile server would need the code to slip its own key in (a commit
 * binds the key) or to change the account key the new device accepts
 * (the MAC): 2^60 Argon2id runs within the 10 minutes a request lives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <openssl/crypto.h>

#include <pouch/err.h>

#include "client/client_int.h"
#include "codec/codec.h"

#define PAIR_T_COST	2	/* Argon2id passes */
#define PAIR_M_KIB	32768	/* and memory */

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int
cl_pair_code_new(char code[CL_PAIR_CODE + 1])
{
	uint8_t r[8];
	uint64_t v = 0;
	size_t i;
	int rc;

	if ((rc = pouch_random(r, sizeof(r))) != POUCH_OK)
		return rc;
	for (i = 0; i < sizeof(r); i++)
		v = (v << 8) | r[i];
	for (i = 0; i < CL_PAIR_CODE; i++) {
		code[i] = alphabet[v & 31];
		v >>= 5;
	}
	code[CL_PAIR_CODE] = '\0';
	OPENSSL_cleanse(r, sizeof(r));
	v = 0;
	return POUCH_OK;
}

int
cl_pair_code_norm(const char *typed, char code[CL_PAIR_CODE + 1])
{
	const char *p;
	size_t n = 0;
	char c;

	code[0] = '\0';
	for (p = typed; *p != '\0'; p++) {
		c = *p;
		if (c == '-' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c == 'I' || c == 'L')
			c = '1';
		else if (c == 'O')
			c = '0';
		if (strchr(alphabet, c) == NULL || c == '\0' ||
		    n == CL_PAIR_CODE)
			return POUCH_E_MALFORMED;
		code[n++] = c;
	}
	if (n != CL_PAIR_CODE)
		return POUCH_E_MALFORMED;
	code[n] = '\0';
	return POUCH_OK;
}

void
cl_pair_code_show(const char code[CL_PAIR_CODE + 1],
    char out[POUCH_CLIENT_PAIR_CODE])
{
	size_t i, j = 0;

	for (i = 0; i < CL_PAIR_CODE; i++) {
		if (i > 0 && i % 4 == 0)
			out[j++] = '-';
		out[j++] = code[i];
	}
	out[j] = '\0';
}

/*
 * The code stretched with Argon2id, salted by the user and the device
 * key.  The commit the server sees and the MAC key both come from it, so
 * testing one guess of the code costs the server one Argon2id run (32
 * MiB): 2^60 of them within the 10 minutes a request lives is out of
 * reach even for hardware built for it, where plain SHA-256 was not.
 */
static int
stretch(const struct pouch_crypto *c, const char *user,
    const uint8_t key[CL_KEY], const char *code, uint8_t out[32])
{
	uint8_t *b = NULL, salt[32];
	size_t n = 0;
	struct pouch_wr w;
	int rc;

	pouch_wr_init(&w, 512);
	pouch_wr_opaque(&w, "pouch pair v2", 13);
	pouch_wr_opaque(&w, user, strlen(user));
	pouch_wr_opaque(&w, key, CL_KEY);
	if ((rc = pouch_wr_take(&w, &b, &n)) != POUCH_OK)
		return rc;
	rc = pouch_hash(c, POUCH_SHA256, b, n, salt);
	pouch_wr_buf_free(b, n);
	if (rc != POUCH_OK)
		return rc;
	if (argon2id_hash_raw(PAIR_T_COST, PAIR_M_KIB, 1, code, strlen(code),
	    salt, sizeof(salt), out, 32) != ARGON2_OK)
		return POUCH_E_NOMEM;
	return POUCH_OK;
}

int
cl_pair_commit(const struct pouch_crypto *c, const char *user,
    const uint8_t key[CL_KEY], const char *code, uint8_t out[32])
{
	static const char label[] = "pouch pair commit v2";
	uint8_t s[32];
	int rc;

	if ((rc = stretch(c, user, key, code, s)) == POUCH_OK)
		rc = pouch_hmac(c, POUCH_SHA256, s, sizeof(s),
		    (const uint8_t *)label, sizeof(label) - 1, out);
	OPENSSL_cleanse(s, sizeof(s));
	return rc;
}

int
cl_pair_mac(const struct pouch_crypto *c, const char *user,
    const char *code, const uint8_t key[CL_KEY],
    const uint8_t approval[CL_KEY + CL_SIG], uint8_t out[32])
{
	static const char label[] = "pouch pair mac v2";
	uint8_t s[32], mk[32], in[CL_KEY + CL_KEY + CL_SIG];
	int rc;

	if ((rc = stretch(c, user, key, code, s)) != POUCH_OK ||
	    (rc = pouch_hmac(c, POUCH_SHA256, s, sizeof(s),
	    (const uint8_t *)label, sizeof(label) - 1, mk)) != POUCH_OK)
		goto out;
	memcpy(in, key, CL_KEY);
	memcpy(in + CL_KEY, approval, CL_KEY + CL_SIG);
	rc = pouch_hmac(c, POUCH_SHA256, mk, sizeof(mk), in, sizeof(in), out);
out:
	OPENSSL_cleanse(s, sizeof(s));
	OPENSSL_cleanse(mk, sizeof(mk));
	return rc;
}

/* Put base64 of p[0..n) as key of o. */
static int
put_b64(json_t *o, const char *key, const uint8_t *p, size_t n)
{
	char *s;
	int bad;

	if ((s = pouch_b64_encode(p, n)) == NULL)
		return POUCH_E_NOMEM;
	bad = json_object_set_new(o, key, json_string(s)) != 0;
	free(s);
	return bad ? POUCH_E_NOMEM : POUCH_OK;
}

/* A base64 member of exactly n bytes. */
static int
get_b64(json_t *o, const char *key, uint8_t *out, size_t n)
{
	const char *s = json_string_value(json_object_get(o, key));
	uint8_t *p = NULL;
	size_t len = 0;
	int rc;

	if (s == NULL)
		return POUCH_E_MALFORMED;
	if ((rc = pouch_b64_decode(s, n, &p, &len)) != POUCH_OK)
		return rc;
	if (len != n)
		rc = POUCH_E_MALFORMED;
	else
		memcpy(out, p, n);
	free(p);
	return rc;
}

int
cl_pair_request(struct pouch_http *h, const struct pouch_crypto *c,
    const char *user, const uint8_t key[CL_KEY], const char *code)
{
	uint8_t commit[32];
	json_t *req = NULL;
	long st = 0;
	int rc;

	if ((rc = cl_pair_commit(c, user, key, code, commit)) != POUCH_OK)
		return rc;
	if ((req = json_pack("{s:s}", "user", user)) == NULL)
		return POUCH_E_NOMEM;
	if ((rc = put_b64(req, "device_key", key, CL_KEY)) != POUCH_OK ||
	    (rc = put_b64(req, "commit", commit, sizeof(commit))) !=
	    POUCH_OK)
		goto out;
	if ((rc = pouch_http_json(h, "POST", "/v1/pair", req, 0, &st, NULL)) !=
	    POUCH_OK)
		goto out;
	rc = st == 201 ? POUCH_OK : st == 404 ? POUCH_E_NOT_FOUND :
	    st == 409 ? POUCH_E_EXISTS : st == 403 ? POUCH_E_FORBIDDEN :
	    POUCH_E_IO;
out:
	json_decref(req);
	return rc;
}

int
cl_pair_poll(struct pouch_http *h, const struct pouch_crypto *c,
    const char *user, const uint8_t key[CL_KEY], const char *code,
    uint8_t approval[CL_KEY + CL_SIG])
{
	uint8_t commit[32], mac[32], want[32], ap[CL_KEY + CL_SIG];
	json_t *req = NULL, *r = NULL;
	long st = 0;
	int rc;

	if ((rc = cl_pair_commit(c, user, key, code, commit)) != POUCH_OK)
		return rc;
	if ((req = json_object()) == NULL)
		return POUCH_E_NOMEM;
	if ((rc = put_b64(req, "device_key", key, CL_KEY)) != POUCH_OK ||
	    (rc = put_b64(req, "commit", commit, sizeof(commit))) !=
	    POUCH_OK)
		goto out;
	if ((rc = pouch_http_json(h, "POST", "/v1/pair/poll", req, 0, &st,
	    &r)) != POUCH_OK)
		goto out;
	if (st != 200) {
		rc = st == 202 ? POUCH_E_PAIR_PENDING : st == 404 ?
		    POUCH_E_NOT_FOUND : st == 429 ? POUCH_E_PAIR_PENDING :
		    POUCH_E_IO;
		goto out;
	}
	if ((rc = get_b64(r, "approval", ap, sizeof(ap))) != POUCH_OK ||
	    (rc = get_b64(r, "mac", mac, sizeof(mac))) != POUCH_OK ||
	    (rc = cl_pair_mac(c, user, code, key, ap, want)) != POUCH_OK)
		goto out;
	/* not from a device that saw the code */
	if (CRYPTO_memcmp(mac, want, sizeof(mac)) != 0) {
		rc = POUCH_E_BAD_MAC;
		goto out;
	}
	memcpy(approval, ap, sizeof(ap));
out:
	OPENSSL_cleanse(want, sizeof(want));
	json_decref(req);
	json_decref(r);
	return rc;
}

int
cl_pair_find(struct pouch_client *cl, const char *code,
    uint8_t key[CL_KEY])
{
	uint8_t k[CL_KEY], cm[32], want[32];
	json_t *r = NULL, *a, *e;
	size_t i, found = 0;
	long st = 0;
	int rc;

	if ((rc = cl_api(cl, "GET", "/v1/pair", NULL, &st, &r)) != POUCH_OK)
		return rc;
	if (st != 200 || (a = json_object_get(r, "requests")) == NULL ||
	    !json_is_array(a)) {
		rc = st == 403 ? POUCH_E_FORBIDDEN : POUCH_E_IO;
		goto out;
	}
	/* every entry is compared, so the time does not tell which */
	json_array_foreach(a, i, e) {
		if (get_b64(e, "device_key", k, CL_KEY) != POUCH_OK ||
		    get_b64(e, "commit", cm, sizeof(cm)) != POUCH_OK)
			continue;
		if ((rc = cl_pair_commit(cl->c, cl->user, k, code, want)) !=
		    POUCH_OK)
			goto out;
		if (CRYPTO_memcmp(cm, want, sizeof(cm)) == 0) {
			memcpy(key, k, CL_KEY);
			found++;
		}
	}
	/* two requests matching one 60-bit code: refuse both */
	rc = found == 1 ? POUCH_OK : POUCH_E_PAIR_CODE;
out:
	json_decref(r);
	return rc;
}

int
cl_pair_send(struct pouch_client *cl, const char *code,
    const uint8_t key[CL_KEY], const uint8_t approval[CL_KEY + CL_SIG])
{
	uint8_t mac[32];
	json_t *req;
	long st = 0;
	int rc;

	if ((rc = cl_pair_mac(cl->c, cl->user, code, key, approval,
	    mac)) != POUCH_OK)
		return rc;
	if ((req = json_object()) == NULL)
		return POUCH_E_NOMEM;
	if ((rc = put_b64(req, "device_key", key, CL_KEY)) != POUCH_OK ||
	    (rc = put_b64(req, "approval", approval, CL_KEY + CL_SIG)) !=
	    POUCH_OK ||
	    (rc = put_b64(req, "mac", mac, sizeof(mac))) != POUCH_OK)
		goto out;
	if ((rc = cl_api(cl, "POST", "/v1/pair/approve", req, &st, NULL)) !=
	    POUCH_OK)
		goto out;
	rc = st == 200 ? POUCH_OK : st == 404 ? POUCH_E_PAIR_CODE :
	    POUCH_E_IO;
out:
	json_decref(req);
	return rc;
}
