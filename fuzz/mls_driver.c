/*
 * mls_driver.c - libFuzzer target: pouch-mls-driver's request layer
 * (src/tools/mls-driver).  The input is split into lines, each handled as
 * one request by a fresh driver with a fixed clock; every request must get
 * exactly one well-formed JSON answer line with "ok" and, on error, an
 * "error" naming a POUCH_E_* code.  Anything else aborts.  Requests reach
 * the group engine too (create_member, key_package, join with fuzzed
 * Welcomes, receive with fuzzed messages).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <pouch/err.h>

#include "tools/mls-driver/driver.h"

/* Bound the work per input: each line may be a key generation. */
#define MAX_LINES	32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_answer(const char *a)
{
	json_error_t e;
	json_t *j, *ok, *err;

	if (a == NULL || strchr(a, '\n') != NULL)
		abort();
	if ((j = json_loads(a, 0, &e)) == NULL || !json_is_object(j))
		abort();
	ok = json_object_get(j, "ok");
	if (!json_is_boolean(ok))
		abort();
	if (json_is_false(ok)) {
		err = json_object_get(j, "error");
		if (!json_is_string(err) ||
		    strncmp(json_string_value(err), "POUCH_E_", 8) != 0)
			abort();
	}
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drv *d = NULL;
	const char *p = (const char *)data, *end = p + size, *nl;
	char *a;
	int lines = 0;

	if (pouch_drv_new(&d) != POUCH_OK)
		return 0;
	pouch_drv_set_time(d, 1764000000);
	while (p < end && lines++ < MAX_LINES) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (pouch_drv_handle(d, p, (size_t)(nl - p), &a) != POUCH_OK)
			abort();
		check_answer(a);
		free(a);
		p = nl + 1;
	}
	pouch_drv_free(d);
	return 0;
}
