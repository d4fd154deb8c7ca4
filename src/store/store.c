/*
 * store.c - the backend-independent part of the store: choosing a
 * backend by name, closing, freeing what operations hand out.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

int
pouch_store_open(const struct pouch_store_config *cfg,
    struct pouch_store **out)
{
	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if (cfg == NULL)
		return POUCH_E_MISUSE;
	if (cfg->backend == NULL || strcmp(cfg->backend, "sqlite") == 0)
		return pouch_store_sqlite_open(cfg, out);
	if (strcmp(cfg->backend, "postgresql") == 0)
		return pouch_store_pg_open(cfg, out);
	return POUCH_E_UNSUPPORTED;
}

void
pouch_store_close(struct pouch_store *st)
{
	if (st != NULL)
		st->ops->close(st);
}

void
pouch_store_posted_clear(struct pouch_store_posted *p)
{
	if (p == NULL)
		return;
	free(p->devices);
	memset(p, 0, sizeof(*p));
}
