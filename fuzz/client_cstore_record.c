/*
 * fuzz/client_cstore_record.c - drives the local store's record parser
 * (client/cstore_rec.c): what comes back from the client's SQLite file is
 * hostile, so the AEAD open of a stored record and the decoders of the
 * decrypted plaintexts are fuzzed here.
 *
 * Input: [sel] [rest].  sel % 5 picks:
 *   0  rest is a stored record, opened under a fixed key and AAD;
 *   1  rest is a conversation record plaintext (decode_conv);
 *   2  rest is a message sender record plaintext (decode_sender);
 *   3  rest is a contact record plaintext (decode_contact);
 *   4  rest is an alert text (decode_text into 33 bytes).
 * For 1..4 the plaintext is also sealed and opened again (must round-trip;
 * with sel & 0x80 one byte of the record is flipped first and the open must
 * fail with DECRYPT or MALFORMED), and whatever decodes must encode back
 * to the same bytes (the encodings are canonical).  Any break abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/cstore_int.h"
#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pouch_crypto *crypto;
static const uint8_t key[32] = "pouch fuzz cstore record key 32";
static const uint8_t ident[] = "fuzz-row";

static void
check_roundtrip(const uint8_t *in, size_t n, uint8_t *enc, size_t elen,
    int rc)
{
	if (rc != POUCH_OK)
		abort();
	if (elen != n || memcmp(enc, in, n) != 0)
		abort();
	free(enc);
}

static void
decode(int kind, const uint8_t *p, size_t n)
{
	struct pouch_cstore_conv c;
	struct pouch_cstore_msg m;
	struct pouch_cstore_contact k;
	char text[33];
	uint8_t *enc = NULL;
	size_t elen = 0;
	int rc;

	switch (kind) {
	case 1:
		memset(&c, 0, sizeof(c));
		if (pouch_cstore_rec_decode_conv(p, n, &c) == POUCH_OK) {
			rc = pouch_cstore_rec_encode_conv(&c, &enc, &elen);
			check_roundtrip(p, n, enc, elen, rc);
		}
		break;
	case 2:
		memset(&m, 0, sizeof(m));
		if (pouch_cstore_rec_decode_sender(p, n, &m) == POUCH_OK) {
			rc = pouch_cstore_rec_encode_sender(&m, &enc, &elen);
			check_roundtrip(p, n, enc, elen, rc);
		}
		break;
	case 3:
		memset(&k, 0, sizeof(k));
		if (pouch_cstore_rec_decode_contact(p, n, &k) == POUCH_OK) {
			rc = pouch_cstore_rec_encode_contact(&k, &enc, &elen);
			check_roundtrip(p, n, enc, elen, rc);
		}
		break;
	default:
		if (pouch_cstore_rec_decode_text(p, n, text, sizeof(text)) ==
		    POUCH_OK && (strlen(text) != n || memcmp(text, p, n) != 0))
			abort();
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *blob = NULL, *pt = NULL;
	size_t bl = 0, ptlen = 0;
	int kind, rc;

	if (crypto == NULL && pouch_crypto_new(&crypto) != POUCH_OK)
		abort();
	if (size < 1)
		return 0;
	kind = data[0] % 5;
	if (kind == 0) {
		rc = pouch_cstore_rec_open(crypto, key, "kv", "v", ident,
		    sizeof(ident), data + 1, size - 1, &pt, &ptlen);
		if (rc != POUCH_OK && (pt != NULL || ptlen != 0))
			abort();
		if (rc == POUCH_OK)
			decode(1, pt, ptlen);
		pouch_cstore_buf_free(pt, ptlen);
		return 0;
	}
	decode(kind, data + 1, size - 1);
	if (pouch_cstore_rec_seal(crypto, key, "t", "c", ident, sizeof(ident),
	    data + 1, size - 1, &blob, &bl) != POUCH_OK)
		abort();
	if (data[0] & 0x80)
		blob[(size_t)data[0] % bl] ^= 0x01;
	rc = pouch_cstore_rec_open(crypto, key, "t", "c", ident,
	    sizeof(ident), blob, bl, &pt, &ptlen);
	if (data[0] & 0x80) {
		if ((rc != POUCH_E_DECRYPT && rc != POUCH_E_MALFORMED) ||
		    pt != NULL)
			abort();
	} else if (rc != POUCH_OK || ptlen != size - 1 ||
	    (ptlen != 0 && memcmp(pt, data + 1, ptlen) != 0))
		abort();
	pouch_cstore_buf_free(pt, ptlen);
	free(blob);
	return 0;
}
