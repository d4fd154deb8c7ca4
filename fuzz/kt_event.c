/*
 * fuzz/kt_event.c - the key-event parser (src/kt/event.c) over arbitrary
 * bytes.  A parse that succeeds must encode back to exactly the input
 * (the encoding is canonical), and the signature check must run without
 * fault whatever it says.  A failed parse must leave the output alone.
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
	static const uint8_t pub[POUCH_KT_KEY_BYTES] = { 1 };
	struct pouch_kt_event ev, un;
	uint8_t buf[POUCH_KT_EVENT_MAX];
	size_t len;

	if (c == NULL && pouch_crypto_new(&c) != POUCH_OK)
		abort();
	memset(&ev, 0xa5, sizeof(ev));
	memset(&un, 0xa5, sizeof(un));
	if (pouch_kt_event_decode(data, size, &ev) != POUCH_OK) {
		if (memcmp(&ev, &un, sizeof(ev)) != 0)
			abort();
		return 0;
	}
	if (pouch_kt_event_encode(&ev, buf, sizeof(buf), &len) != POUCH_OK ||
	    len != size || memcmp(buf, data, size) != 0)
		abort();
	/* forged bytes under a fixed key: never valid, never a crash */
	if (pouch_kt_event_verify(c, &ev, pub, pub) != POUCH_E_KT_EVENT_SIG)
		abort();
	return 0;
}
