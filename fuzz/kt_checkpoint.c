/*
 * fuzz/kt_checkpoint.c - the signed-checkpoint parser (src/kt/
 * checkpoint.c) over arbitrary text, and the signature-line walk of
 * pouch_kt_checkpoint_open under a fixed key (whose signatures the
 * fuzzer cannot forge: open must never succeed).  A parsed body must lie
 * inside the input and end with a newline; the base64 decoder must
 * re-encode what it accepts to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kt/kt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pouch_crypto *c;
	static const uint8_t pub[POUCH_KT_KEY_BYTES] = {
		0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7,
		0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
		0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25,
		0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a };
	struct pouch_kt_checkpoint cp;
	const char *note = (const char *)data;
	uint8_t raw[POUCH_KT_NOTE_MAX];
	char enc[2 * POUCH_KT_NOTE_MAX];
	size_t body, n;

	if (c == NULL && pouch_crypto_new(&c) != POUCH_OK)
		abort();
	if (pouch_kt_checkpoint_parse(note, size, &cp, &body) == POUCH_OK) {
		if (body == 0 || body > size || note[body - 1] != '\n' ||
		    cp.size > POUCH_KT_SIZE_MAX || cp.origin[0] == '\0')
			abort();
		if (pouch_kt_checkpoint_open(c, cp.origin, pub, note, size,
		    &cp) == POUCH_OK)
			abort();
	}
	if (size <= POUCH_KT_NOTE_MAX && pouch_kt_b64_decode(note, size, raw,
	    sizeof(raw), &n) == POUCH_OK) {
		pouch_kt_b64_encode(raw, n, enc);
		if (strlen(enc) != size || memcmp(enc, note, size) != 0)
			abort();
	}
	return 0;
}
