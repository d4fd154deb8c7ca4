/*
 * store_fixture.h - accounts for the store tests (test_store.c,
 * test_store_kp.c, tests/pgsql/test_pg_store.c): deterministic keys and
 * a user's enrolled device, through the store's own operations.
 * Include after cmocka.h and store/store.h.
 */
#ifndef POUCH_TESTS_STORE_FIXTURE_H
#define POUCH_TESTS_STORE_FIXTURE_H

#include <stdint.h>

static inline void
key(uint8_t k[32], int seed)
{
	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)(seed * 31 + i);
}

/*
 * A device of user (the user made when new, with an admin's one-time
 * code): its key from seed, the account key from the user's id; returns
 * the device id, *uid the user's when uid is not NULL.
 */
static inline int64_t
enrol(struct pouch_store *st, const char *user, int seed, int64_t *uid)
{
	struct pouch_store_enrol e = { 0 };
	struct pouch_store_user u;
	int64_t id, dev;

	if (st->ops->user_get(st, user, &u) == POUCH_OK)
		id = u.id;
	else
		assert_int_equal(st->ops->user_add(st, user, 100, "admin",
		    &id), POUCH_OK);
	key(e.code_hash, seed + 1000);
	assert_int_equal(st->ops->code_add(st, id, e.code_hash, 1000, 100,
	    "admin"), POUCH_OK);
	key(e.account_key, (int)id);
	key(e.device_key, seed);
	e.device_name = "laptop";
	e.now = 200;
	assert_int_equal(st->ops->enrol(st, &e, &dev), POUCH_OK);
	if (uid != NULL)
		*uid = id;
	return dev;
}

#endif /* POUCH_TESTS_STORE_FIXTURE_H */
