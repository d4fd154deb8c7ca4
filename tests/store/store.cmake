# The store's tests link the store library (not part of libpouch).
target_link_libraries(store_test_store PRIVATE pouch_store)

# Account-key rotation again on PostgreSQL (test_store.c runs only that
# case when POUCH_TEST_PG_FILE is set; the cluster is tests/pgsql's).
add_test(NAME store_test_store_pg COMMAND store_test_store)
# The PostgreSQL crash test (tests/pgsql) stops the database: never
# meanwhile.
set_tests_properties(store_test_store_pg PROPERTIES FIXTURES_REQUIRED pg
    TIMEOUT 120 RESOURCE_LOCK pg_cluster
    ENVIRONMENT "POUCH_TEST_PG_FILE=${CMAKE_BINARY_DIR}/pgtest.conninfo")
target_link_libraries(store_test_store_pair PRIVATE pouch_store)

# KeyPackages per cipher suite (test_store_kp.c): on SQLite, and again on
# PostgreSQL when POUCH_TEST_PG_FILE names the throw-away cluster.
target_link_libraries(store_test_store_kp PRIVATE pouch_store)
add_test(NAME store_test_store_kp_pg COMMAND store_test_store_kp)
set_tests_properties(store_test_store_kp_pg PROPERTIES FIXTURES_REQUIRED pg
    TIMEOUT 120 RESOURCE_LOCK pg_cluster
    ENVIRONMENT "POUCH_TEST_PG_FILE=${CMAKE_BINARY_DIR}/pgtest.conninfo")
