/*
 * fuzz/pg_wake.c - the parser of the NOTIFY payloads that wake long-polls
 * across pouchd nodes (store/pg_notify.c).  Any client of the database
 * can NOTIFY the channel, so the payload is untrusted.
 *
 * Input: the payload bytes (up to the first NUL).  Whatever parses must
 * be positive ids, at most cap of them, and must survive being written
 * back with pg_id_array and parsed again unchanged.  Any break abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP	16

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t ids[CAP], again[CAP];
	char *s, *t;
	size_t n, m, i;

	if (size > 4096)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	n = pouch_store_pg_parse_wake(s, ids, CAP);
	free(s);
	if (n > CAP)
		abort();
	for (i = 0; i < n; i++)
		if (ids[i] <= 0)
			abort();
	if (n == 0)
		return 0;
	if ((t = pg_id_array(ids, n)) == NULL)
		abort();
	m = pouch_store_pg_parse_wake(t, again, CAP);
	free(t);
	if (m != n || memcmp(ids, again, n * sizeof(ids[0])) != 0)
		abort();
	return 0;
}
