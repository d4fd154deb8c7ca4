/*
 * init.c - `pouchd init [--name HOST]... DIR`: create a data directory
 * with its config file, database (schema applied), server signing key
 * (Ed25519 seed, mode 0600) and a self-signed TLS certificate (ECDSA
 * P-256) whose SHA-256 fingerprint and public-key pin it prints for
 * clients to pin.  It refuses to touch a directory that already holds
 * a pouchd.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pouchd/pouchd.h"

#define CERT_DAYS	3650	/* pinned, not validated by a CA */
#define NAMES_MAX	16

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok == 1 ? 0 : -1;
}

/* PEM of a key or certificate into an xmalloc'd buffer. */
static uint8_t *
bio_take(BIO *b, size_t *len)
{
	char *p;
	long n = BIO_get_mem_data(b, &p);
	uint8_t *out;

	*len = 0;
	if (n <= 0)
		return NULL;
	out = xmalloc((size_t)n);
	memcpy(out, p, (size_t)n);
	*len = (size_t)n;
	return out;
}

static int
make_cert(const char *dir, char **names, int nnames)
{
	char path[PD_PATH_MAX + 16], san[2048], fp[3 * 32 + 1];
	uint8_t md[EVP_MAX_MD_SIZE], serial[16], *pem = NULL, *spki = NULL;
	unsigned int mdlen = 0;
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	BIGNUM *bn = NULL;
	BIO *b = NULL;
	size_t len = 0, off, i;
	char *pin = NULL;
	int n, rc = POUCH_E_CRYPTO;

	if ((pk = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL)
		goto out;
	if (pouch_random(serial, sizeof(serial)) != POUCH_OK)
		goto out;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto out;
	if (X509_set_version(x, 2) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    (long)CERT_DAYS * 86400) == NULL || X509_set_pubkey(x, pk) != 1)
		goto out;
	if (X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)"pouchd", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(x)) != 1)
		goto out;
	off = (size_t)snprintf(san, sizeof(san),
	    "DNS:localhost,IP:127.0.0.1,IP:::1");
	for (n = 0; n < nnames && off < sizeof(san); n++)
		off += (size_t)snprintf(san + off, sizeof(san) - off, ",%s:%s",
		    strspn(names[n], "0123456789.:") == strlen(names[n]) ?
		    "IP" : "DNS", names[n]);
	if (off >= sizeof(san))
		goto out;
	if (add_ext(x, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    add_ext(x, NID_key_usage, "critical,digitalSignature") != 0 ||
	    add_ext(x, NID_ext_key_usage, "serverAuth") != 0 ||
	    add_ext(x, NID_subject_alt_name, san) != 0)
		goto out;
	if (X509_sign(x, pk, EVP_sha256()) == 0)
		goto out;
	/* the private key, 0600 */
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (pem = bio_take(b, &len)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "%s/tls.key", dir);
	if ((rc = pd_write_file(path, pem, len, 0600)) != POUCH_OK)
		goto out;
	xfreezero(pem, len);
	pem = NULL;
	BIO_free(b);
	rc = POUCH_E_CRYPTO;
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(b, x) != 1 ||
	    (pem = bio_take(b, &len)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "%s/tls.crt", dir);
	if ((rc = pd_write_file(path, pem, len, 0644)) != POUCH_OK)
		goto out;
	rc = POUCH_E_CRYPTO;
	/* what clients pin: the certificate, or its public key (curl) */
	if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32)
		goto out;
	for (i = 0; i < mdlen; i++)
		snprintf(fp + 3 * i, 4, "%02X%s", md[i],
		    i + 1 < mdlen ? ":" : "");
	if ((n = i2d_PUBKEY(pk, &spki)) <= 0 ||
	    EVP_Digest(spki, (size_t)n, md, &mdlen, EVP_sha256(), NULL) != 1)
		goto out;
	pin = pd_b64_encode(md, mdlen);
	printf("tls certificate sha256 fingerprint: %s\n", fp);
	printf("tls public key pin (curl --pinnedpubkey): sha256//%s\n", pin);
	rc = POUCH_OK;
out:
	free(pin);
	OPENSSL_free(spki);
	if (pem != NULL)
		xfreezero(pem, len);
	BIO_free(b);
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(pk);
	return rc;
}

static int
make_server_key(const char *dir)
{
	struct pouch_crypto *c = NULL;
	char path[PD_PATH_MAX + 16], *b64;
	uint8_t seed[32], pub[32];
	int rc;

	snprintf(path, sizeof(path), "%s/server.key", dir);
	if ((rc = pouch_crypto_new(&c)) != POUCH_OK ||
	    (rc = pouch_sig_keygen(c, POUCH_SIG_ED25519, seed, pub)) !=
	    POUCH_OK || (rc = pd_write_file(path, seed, sizeof(seed),
	    0600)) != POUCH_OK)
		goto out;
	b64 = pd_b64_encode(pub, sizeof(pub));
	printf("server signing key (Ed25519): %s\n", b64);
	free(b64);
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	pouch_crypto_free(c);
	return rc;
}

int
pd_cmd_init(int argc, char **argv)
{
	struct pouch_store_config sc;
	struct pouch_store *st = NULL;
	char *names[NAMES_MAX], dir[PATH_MAX], path[PATH_MAX + 32];
	const char *arg = NULL;
	int i, nnames = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--name") == 0 && i + 1 < argc &&
		    nnames < NAMES_MAX &&
		    strspn(argv[i + 1], "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") ==
		    strlen(argv[i + 1]))
			names[nnames++] = argv[++i];
		else if (arg == NULL && argv[i][0] != '-')
			arg = argv[i];
		else {
			fprintf(stderr, "usage: pouchd init [--name HOST]... "
			    "DIR\n");
			return 2;
		}
	}
	if (arg == NULL) {
		fprintf(stderr, "usage: pouchd init [--name HOST]... DIR\n");
		return 2;
	}
	if (mkdir(arg, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "pouchd: %s: cannot create\n", arg);
		return 1;
	}
	if (realpath(arg, dir) == NULL || strlen(dir) > PD_PATH_MAX - 32) {
		fprintf(stderr, "pouchd: %s: bad directory\n", arg);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/pouchd.conf", dir);
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "pouchd: %s exists: refusing to overwrite\n",
		    path);
		return 1;
	}
	if ((rc = make_server_key(dir)) != POUCH_OK ||
	    (rc = make_cert(dir, names, nnames)) != POUCH_OK) {
		fprintf(stderr, "pouchd: key generation failed: %s\n",
		    pouch_strerror(rc));
		return 1;
	}
	memset(&sc, 0, sizeof(sc));
	snprintf(path, sizeof(path), "%s/pouchd.db", dir);
	sc.path = path;
	if ((rc = pouch_store_open(&sc, &st)) != POUCH_OK) {
		fprintf(stderr, "pouchd: %s: cannot create the database\n",
		    path);
		return 1;
	}
	pouch_store_close(st);
	snprintf(path, sizeof(path), "%s/attachments", dir);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return 1;
	snprintf(path, sizeof(path), "%s/pouchd.conf", dir);
	if (pd_config_write_default(path, dir) != POUCH_OK) {
		fprintf(stderr, "pouchd: %s: cannot write\n", path);
		return 1;
	}
	printf("config: %s\n", path);
	printf("start:  pouchd serve -c %s\n", path);
	return 0;
}
