/*
 * hpke.c - runner for the HPKE vector files: the RFC 9180 set
 * (hpke/test-vectors.json) and the draft-ietf-hpke-pq set
 * (hpke/hpke-pq-test-vectors.json, whose members are strings and whose
 * info and plaintexts are the hex of ASCII hex text: one hex decoding
 * gives the bytes HPKE takes).  A case passes only when everything the
 * file gives matches: DeriveKeyPair of ikmR, ikmE and (auth modes) ikmS,
 * the deterministic sender setup (enc, shared_secret,
 * key_schedule_context, secret, key, base_nonce, exporter_secret), the
 * receiver setup from enc, every encryption in order (Seal gives ct,
 * Open gives pt back) and every export from both contexts.  A case
 * whose KEM is post-quantum and not in the KEM table would be listed
 * and counted as skipped (none is: every PQ KEM of the file is a row).
 * For the PQ KEMs ikmE is the encapsulation randomness itself (m for
 * ML-KEM, eseed for X-Wing, m || the curve scalar's seed for the NIST
 * hybrids), which the KEM rows take as their ikmE; skRm is the seed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "hpke/hpke.h"
#include "vectors/vectors.h"

enum {
	F_INFO, F_IKMR, F_IKME, F_IKMS, F_SKRM, F_PKRM, F_SKEM, F_PKEM,
	F_SKSM, F_PKSM, F_PSK, F_PSK_ID, F_ENC, F_SHARED, F_KSC, F_SECRET,
	F_KEY, F_NONCE, F_EXPSEC, F_SUITE_ID, F_COUNT
};

static const char *const fnames[F_COUNT] = {
	"info", "ikmR", "ikmE", "ikmS", "skRm", "pkRm", "skEm", "pkEm",
	"skSm", "pkSm", "psk", "psk_id", "enc", "shared_secret",
	"key_schedule_context", "secret", "key", "base_nonce",
	"exporter_secret", "suite_id"
};

struct vfield {
	uint8_t	*p;
	size_t	 len;
	int	 present;
};

struct vcase {
	const char		*file;
	size_t			 idx;
	long long		 mode, kem_id, kdf_id, aead_id;
	const struct pouch_hpke_kem *kem;
	struct vfield		 f[F_COUNT];
	/* Key pairs derived from the ikm fields. */
	uint8_t			 skR[POUCH_HPKE_SK_MAX], pkR[POUCH_HPKE_PK_MAX];
	uint8_t			 skS[POUCH_HPKE_SK_MAX], pkS[POUCH_HPKE_PK_MAX];
};

/* KEM ids of draft-ietf-hpke-pq and X-Wing (src/hpke/kem_pq.c). */
static int
kem_is_pq(long long id)
{
	return id == 0x0040 || id == 0x0041 || id == 0x0042 ||
	    id == 0x0050 || id == 0x0051 || id == 0x647a;
}

static void failf(const struct vcase *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
failf(const struct vcase *vc, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	vec_fail(vc->file, vc->idx, buf);
}

static void
vcase_free(struct vcase *vc)
{
	int i;

	for (i = 0; i < F_COUNT; i++)
		free(vc->f[i].p);
	memset(vc, 0, sizeof(*vc));
}

static int
vcase_load(struct vcase *vc, json_t *tc)
{
	int i;

	if (vec_int(tc, "mode", &vc->mode) != 0 ||
	    vec_int(tc, "kem_id", &vc->kem_id) != 0 ||
	    vec_int(tc, "kdf_id", &vc->kdf_id) != 0 ||
	    vec_int(tc, "aead_id", &vc->aead_id) != 0) {
		vec_fail(vc->file, vc->idx, "mode/kem_id/kdf_id/aead_id");
		return -1;
	}
	for (i = 0; i < F_COUNT; i++) {
		if (json_object_get(tc, fnames[i]) == NULL)
			continue;
		if (vec_hex(tc, fnames[i], &vc->f[i].p, &vc->f[i].len) != 0) {
			failf(vc, "%s is not hex", fnames[i]);
			return -1;
		}
		vc->f[i].present = 1;
	}
	return 0;
}

/* 0 when field i is absent or equals (p, len); -1 (reported) otherwise. */
static int
expect(const struct vcase *vc, int i, const uint8_t *p, size_t len)
{
	const struct vfield *f = &vc->f[i];

	if (!f->present)
		return 0;
	if (f->len == len && (len == 0 || memcmp(f->p, p, len) == 0))
		return 0;
	failf(vc, "%s differs", fnames[i]);
	return -1;
}

/*
 * RFC 7748 5 clamping (decodeScalar25519 / decodeScalar448).  RFC 9180
 * 7.1.2 has SerializePrivateKey clamp X25519/X448 keys, yet its own
 * vectors carry the unclamped LabeledExpand output while the hpke-pq file
 * carries clamped X448 keys: both name the same key pair, so private keys
 * of those curves are compared after clamping.
 */
static void
clamp(uint16_t kem, uint8_t *k, size_t len)
{
	if (kem == POUCH_HPKE_KEM_X25519 && len == 32) {
		k[0] &= 248;
		k[31] &= 127;
		k[31] |= 64;
	} else if (kem == POUCH_HPKE_KEM_X448 && len == 56) {
		k[0] &= 252;
		k[55] |= 128;
	}
}

static int
expect_sk(const struct vcase *vc, int i, const uint8_t *sk, size_t len)
{
	uint8_t a[POUCH_HPKE_SK_MAX], b[POUCH_HPKE_SK_MAX];
	const struct vfield *f = &vc->f[i];

	if (!f->present)
		return 0;
	if (f->len == len && len <= sizeof(a)) {
		memcpy(a, sk, len);
		memcpy(b, f->p, len);
		clamp(vc->kem->id, a, len);
		clamp(vc->kem->id, b, len);
		if (memcmp(a, b, len) == 0)
			return 0;
	}
	failf(vc, "%s differs", fnames[i]);
	return -1;
}

/* DeriveKeyPair(ikm) must give (sk field, pk field). */
static int
check_derive(const struct pouch_crypto *c, struct vcase *vc, int ikm,
    int skf, int pkf, uint8_t *sk, uint8_t *pk)
{
	const struct pouch_hpke_kem *kem = vc->kem;
	int rc;

	if (!vc->f[ikm].present) {
		failf(vc, "%s missing", fnames[ikm]);
		return -1;
	}
	if ((rc = kem->derive_keypair(c, kem, vc->f[ikm].p, vc->f[ikm].len, sk,
	    pk)) != POUCH_OK) {
		failf(vc, "DeriveKeyPair(%s) failed (%d)", fnames[ikm], rc);
		return -1;
	}
	if (expect_sk(vc, skf, sk, kem->Nsk) != 0 ||
	    expect(vc, pkf, pk, kem->Npk) != 0)
		return -1;
	return 0;
}

/* The KEM alone (no suite KDF): enc and shared_secret from ikmE. */
static int
check_kem_only(const struct pouch_crypto *c, struct vcase *vc)
{
	const struct pouch_hpke_kem *kem = vc->kem;
	uint8_t enc[POUCH_HPKE_ENC_MAX], ss[POUCH_HPKE_SECRET_MAX];
	int auth = vc->mode == POUCH_HPKE_MODE_AUTH ||
	    vc->mode == POUCH_HPKE_MODE_AUTH_PSK;
	int rc;

	if (auth)
		rc = kem->auth_encap(c, kem, vc->pkR, kem->Npk, vc->skS,
		    kem->Nsk, vc->f[F_IKME].p, vc->f[F_IKME].len, ss, enc);
	else
		rc = kem->encap(c, kem, vc->pkR, kem->Npk, vc->f[F_IKME].p,
		    vc->f[F_IKME].len, ss, enc);
	if (rc != POUCH_OK) {
		failf(vc, "Encap failed (%d)", rc);
		return -1;
	}
	if (expect(vc, F_ENC, enc, kem->Nenc) != 0 ||
	    expect(vc, F_SHARED, ss, kem->Nsecret) != 0)
		return -1;
	return 0;
}

/* What a setup recorded must match the file. */
static int
check_setup(const struct vcase *vc, const struct pouch_hpke_ctx *ctx,
    const struct pouch_hpke_trace *tr)
{
	if (expect(vc, F_SHARED, tr->shared_secret,
	    tr->shared_secretlen) != 0 ||
	    expect(vc, F_KSC, tr->ks_context, tr->ks_contextlen) != 0 ||
	    expect(vc, F_SECRET, tr->secret, tr->secretlen) != 0 ||
	    expect(vc, F_KEY, ctx->key, ctx->aead->Nk) != 0 ||
	    expect(vc, F_NONCE, ctx->base_nonce, ctx->aead->Nn) != 0 ||
	    expect(vc, F_EXPSEC, ctx->exporter_secret, ctx->kdf->Nh) != 0 ||
	    expect(vc, F_SUITE_ID, ctx->suite_id, sizeof(ctx->suite_id)) != 0)
		return -1;
	return 0;
}

/* One encryption: nonce, Seal on s gives ct, Open on r gives pt. */
static int
check_encryption(const struct pouch_crypto *c, const struct vcase *vc,
    size_t n, json_t *e, struct pouch_hpke_ctx *s, struct pouch_hpke_ctx *r)
{
	uint8_t *aad = NULL, *pt = NULL, *ct = NULL, *nonce = NULL;
	uint8_t *out = NULL, *back = NULL, want[POUCH_HPKE_NN_MAX];
	size_t aadlen, ptlen, ctlen, noncelen, outlen, backlen, i;
	uint64_t seq = s->seq;
	int ok = -1, rc;
	char what[96];

	snprintf(what, sizeof(what), "encryption %zu", n);
	if (vec_hex(e, "aad", &aad, &aadlen) != 0 ||
	    vec_hex(e, "pt", &pt, &ptlen) != 0 ||
	    vec_hex(e, "ct", &ct, &ctlen) != 0) {
		failf(vc, "%s: aad/pt/ct not hex", what);
		goto out;
	}
	if (vec_hex(e, "nonce", &nonce, &noncelen) == 0) {
		/* RFC 9180 5.2 ComputeNonce(seq) */
		memcpy(want, s->base_nonce, s->aead->Nn);
		for (i = 0; i < 8; i++)
			want[s->aead->Nn - 1 - i] ^= (uint8_t)(seq >> (8 * i));
		if (noncelen != s->aead->Nn ||
		    memcmp(nonce, want, noncelen) != 0) {
			failf(vc, "%s: nonce differs", what);
			goto out;
		}
	}
	if ((out = malloc(ptlen + POUCH_HPKE_NT)) == NULL ||
	    (back = malloc(ptlen + 1)) == NULL)
		goto out;
	if ((rc = pouch_hpke_seal(c, s, aad, aadlen, pt, ptlen, out,
	    ptlen + POUCH_HPKE_NT, &outlen)) != POUCH_OK) {
		failf(vc, "%s: Seal failed (%d)", what, rc);
		goto out;
	}
	if (outlen != ctlen || memcmp(out, ct, ctlen) != 0) {
		failf(vc, "%s: ct differs", what);
		goto out;
	}
	if ((rc = pouch_hpke_open(c, r, aad, aadlen, ct, ctlen, back,
	    ptlen + 1, &backlen)) != POUCH_OK) {
		failf(vc, "%s: Open failed (%d)", what, rc);
		goto out;
	}
	if (backlen != ptlen || memcmp(back, pt, ptlen) != 0) {
		failf(vc, "%s: Open gave another pt", what);
		goto out;
	}
	ok = 0;
out:
	free(aad);
	free(pt);
	free(ct);
	free(nonce);
	free(out);
	free(back);
	return ok;
}

/* One export, from both contexts. */
static int
check_export(const struct pouch_crypto *c, const struct vcase *vc, size_t n,
    json_t *e, const struct pouch_hpke_ctx *s, const struct pouch_hpke_ctx *r)
{
	uint8_t *ectx = NULL, *val = NULL, *out = NULL;
	size_t ectxlen, vallen;
	long long L;
	int ok = -1, rc, side;
	char what[96];

	snprintf(what, sizeof(what), "export %zu", n);
	if (vec_hex(e, "exporter_context", &ectx, &ectxlen) != 0 ||
	    vec_hex(e, "exported_value", &val, &vallen) != 0 ||
	    vec_int(e, "L", &L) != 0 || L < 0 || (size_t)L != vallen) {
		failf(vc, "%s: malformed", what);
		goto out;
	}
	if ((out = malloc(vallen + 1)) == NULL)
		goto out;
	for (side = 0; side < 2; side++) {
		if ((rc = pouch_hpke_export(c, side == 0 ? s : r, ectx, ectxlen,
		    out, vallen)) != POUCH_OK) {
			failf(vc, "%s: Export failed (%d)", what, rc);
			goto out;
		}
		if (memcmp(out, val, vallen) != 0) {
			failf(vc, "%s: exported_value differs (%s)", what,
			    side == 0 ? "sender" : "receiver");
			goto out;
		}
	}
	ok = 0;
out:
	free(ectx);
	free(val);
	free(out);
	return ok;
}

/* Both setups, then every encryption and every export, in order. */
static int
check_contexts(const struct pouch_crypto *c, struct vcase *vc, json_t *tc)
{
	const struct pouch_hpke_kem *kem = vc->kem;
	struct pouch_hpke_params p = { 0 };
	struct pouch_hpke_ctx *s = NULL, *r = NULL;
	struct pouch_hpke_trace tr;
	uint8_t enc[POUCH_HPKE_ENC_MAX];
	size_t enclen, i;
	json_t *arr;
	int ok = -1, rc;

	p.mode = (uint8_t)vc->mode;
	p.kem = (uint16_t)vc->kem_id;
	p.kdf = (uint16_t)vc->kdf_id;
	p.aead = (uint16_t)vc->aead_id;
	p.info = vc->f[F_INFO].p;
	p.infolen = vc->f[F_INFO].len;
	if (vc->f[F_PSK].present) {
		p.psk = vc->f[F_PSK].p;
		p.psklen = vc->f[F_PSK].len;
		p.psk_id = vc->f[F_PSK_ID].p;
		p.psk_idlen = vc->f[F_PSK_ID].len;
	}
	if (vc->mode == POUCH_HPKE_MODE_AUTH ||
	    vc->mode == POUCH_HPKE_MODE_AUTH_PSK) {
		p.skS = vc->skS;
		p.skSlen = kem->Nsk;
	}
	if ((rc = pouch_hpke_setup_sender(c, &p, vc->pkR, kem->Npk,
	    vc->f[F_IKME].p, vc->f[F_IKME].len, enc, sizeof(enc), &enclen, &s,
	    &tr)) != POUCH_OK) {
		failf(vc, "sender setup failed (%d)", rc);
		goto out;
	}
	if (expect(vc, F_ENC, enc, enclen) != 0 || check_setup(vc, s, &tr) != 0)
		goto out;
	p.skS = NULL;
	p.skSlen = 0;
	if (vc->mode == POUCH_HPKE_MODE_AUTH ||
	    vc->mode == POUCH_HPKE_MODE_AUTH_PSK) {
		p.pkS = vc->pkS;
		p.pkSlen = kem->Npk;
	}
	if ((rc = pouch_hpke_setup_receiver(c, &p, enc, enclen, vc->skR,
	    kem->Nsk, &r, &tr)) != POUCH_OK) {
		failf(vc, "receiver setup failed (%d)", rc);
		goto out;
	}
	if (check_setup(vc, r, &tr) != 0)
		goto out;
	arr = json_object_get(tc, "encryptions");
	for (i = 0; i < json_array_size(arr); i++)
		if (check_encryption(c, vc, i, json_array_get(arr, i), s,
		    r) != 0)
			goto out;
	arr = json_object_get(tc, "exports");
	for (i = 0; i < json_array_size(arr); i++)
		if (check_export(c, vc, i, json_array_get(arr, i), s, r) != 0)
			goto out;
	ok = 0;
out:
	pouch_hpke_ctx_free(s);
	pouch_hpke_ctx_free(r);
	return ok;
}

/* Run one counted case: 0 when everything matched. */
static int
run_case(const struct pouch_crypto *c, struct vcase *vc, json_t *tc)
{
	int auth;

	if (vc->kem_id < 0 || vc->kem_id > 0xffff ||
	    (vc->kem = pouch_hpke_kem_get((uint16_t)vc->kem_id)) == NULL) {
		failf(vc, "KEM 0x%04llx not supported", vc->kem_id);
		return -1;
	}
	auth = vc->mode == POUCH_HPKE_MODE_AUTH ||
	    vc->mode == POUCH_HPKE_MODE_AUTH_PSK;
	if (check_derive(c, vc, F_IKMR, F_SKRM, F_PKRM, vc->skR, vc->pkR) != 0)
		return -1;
	if (vc->f[F_SKEM].present || vc->f[F_PKEM].present) {
		uint8_t skE[POUCH_HPKE_SK_MAX], pkE[POUCH_HPKE_PK_MAX];

		if (check_derive(c, vc, F_IKME, F_SKEM, F_PKEM, skE, pkE) != 0)
			return -1;
	}
	if (auth && check_derive(c, vc, F_IKMS, F_SKSM, F_PKSM, vc->skS,
	    vc->pkS) != 0)
		return -1;
	if (vc->kdf_id < 0 || vc->kdf_id > 0xffff ||
	    pouch_hpke_kdf_get((uint16_t)vc->kdf_id) == NULL) {
		/* Say how far the case got before the missing KDF. */
		if (check_kem_only(c, vc) != 0)
			return -1;
		failf(vc, "KDF 0x%04llx not supported (the KEM part matched: "
		    "DeriveKeyPair, enc, shared_secret)", vc->kdf_id);
		return -1;
	}
	if (vc->aead_id < 0 || vc->aead_id > 0xffff ||
	    pouch_hpke_aead_get((uint16_t)vc->aead_id) == NULL) {
		failf(vc, "AEAD 0x%04llx not supported", vc->aead_id);
		return -1;
	}
	return check_contexts(c, vc, tc);
}

int
vec_run_hpke(json_t *root, const char *file, struct vec_result *res)
{
	struct pouch_crypto *c = NULL;
	struct vcase vc;
	size_t idx;
	json_t *tc;

	if (!json_is_array(root) || pouch_crypto_new(&c) != POUCH_OK) {
		fprintf(stderr, "%s: not a vector array or no provider\n",
		    file);
		return -1;
	}
	json_array_foreach(root, idx, tc) {
		memset(&vc, 0, sizeof(vc));
		vc.file = file;
		vc.idx = idx;
		if (vcase_load(&vc, tc) != 0) {
			res->total++;
			vcase_free(&vc);
			continue;
		}
		if (kem_is_pq(vc.kem_id) &&
		    pouch_hpke_kem_get((uint16_t)vc.kem_id) == NULL) {
			printf("skip %s case %zu: KEM 0x%04llx (post-quantum "
			    "KEM not in this build's table)\n", file, idx,
			    vc.kem_id);
			res->skipped++;
			vcase_free(&vc);
			continue;
		}
		/*
		 * TurboSHAKE (KDF 0x0012, 0x0013): OpenSSL 3.0 and libsodium
		 * lack it, and Pouch writes no primitive of its own but
		 * ML-KEM; Pouch's suites never use it.  Listed, not run.
		 */
		if ((vc.kdf_id == 0x0012 || vc.kdf_id == 0x0013) &&
		    pouch_hpke_kdf_get((uint16_t)vc.kdf_id) == NULL) {
			printf("skip %s case %zu: KDF 0x%04llx (TurboSHAKE: "
			    "no Debian 12 library provides it; not used by "
			    "any Pouch suite)\n", file, idx, vc.kdf_id);
			res->skipped++;
			vcase_free(&vc);
			continue;
		}
		res->total++;
		if (run_case(c, &vc, tc) == 0)
			res->passed++;
		vcase_free(&vc);
	}
	pouch_crypto_free(c);
	return 0;
}
