# PostgreSQL tests: a throw-away cluster (scripts/pg-test-cluster.sh) is
# started by the fixture test pg_cluster_start before any test that needs
# it and stopped by pg_cluster_stop after the last one; its connection
# string is in ${POUCH_PG_STATE}.  If PostgreSQL cannot start, the setup
# test fails and so do the tests that require it (never a silent skip).
set(POUCH_PG_STATE ${CMAKE_BINARY_DIR}/pgtest.conninfo)
add_test(NAME pg_cluster_start COMMAND
    ${CMAKE_SOURCE_DIR}/scripts/pg-test-cluster.sh ctest-start ${POUCH_PG_STATE})
add_test(NAME pg_cluster_stop COMMAND
    ${CMAKE_SOURCE_DIR}/scripts/pg-test-cluster.sh ctest-stop ${POUCH_PG_STATE})
set_tests_properties(pg_cluster_start PROPERTIES FIXTURES_SETUP pg TIMEOUT 120)
set_tests_properties(pg_cluster_stop PROPERTIES FIXTURES_CLEANUP pg)

target_link_libraries(pgsql_test_pg_store PRIVATE pouch_store)
set_tests_properties(pgsql_test_pg_store PROPERTIES FIXTURES_REQUIRED pg
    TIMEOUT 300
    ENVIRONMENT "POUCH_TEST_PG_FILE=${POUCH_PG_STATE}")

# The whole pouchd end-to-end suite again, every server on PostgreSQL.
add_test(NAME e2e_test_pouchd_pg COMMAND e2e_test_pouchd)
set_tests_properties(e2e_test_pouchd_pg PROPERTIES FIXTURES_REQUIRED pg
    TIMEOUT 300
    ENVIRONMENT "POUCH_E2E_PG_FILE=${POUCH_PG_STATE};POUCH_SHARED_DIR=${POUCH_SHARED_DIR}")

# Three pouchd nodes on one database: commit race, cross-node wake-up,
# crash test (SIGKILL of a node, pg_ctl stop -m immediate of the database).
target_sources(pgsql_test_pg_nodes PRIVATE
    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_http.c
    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_mls.c)
target_compile_definitions(pgsql_test_pg_nodes PRIVATE
    POUCHD_PATH="$<TARGET_FILE:pouchd>"
    POUCH_PG_SCRIPT="${CMAKE_SOURCE_DIR}/scripts/pg-test-cluster.sh")
target_link_libraries(pgsql_test_pg_nodes PRIVATE PkgConfig::CURL)
add_dependencies(pgsql_test_pg_nodes pouchd)
set_tests_properties(pgsql_test_pg_nodes PROPERTIES FIXTURES_REQUIRED pg
    TIMEOUT 300
    ENVIRONMENT "POUCH_TEST_PG_FILE=${POUCH_PG_STATE};POUCH_SHARED_DIR=${POUCH_SHARED_DIR}")

# The crash test stops the database: no other PostgreSQL test meanwhile.
set_tests_properties(pgsql_test_pg_store pgsql_test_pg_nodes
    e2e_test_pouchd_pg PROPERTIES RESOURCE_LOCK pg_cluster)

# bench/bench_pouchd_pg.c: PostgreSQL (1, 2, 3 nodes) against SQLite; it
# starts a throw-away cluster of its own.  The bench loop creates the
# target after this file: pouchd_bench_links defers, and so does this.
if(EXISTS ${CMAKE_SOURCE_DIR}/bench/bench_pouchd_pg.c)
	pouchd_bench_links(bench_pouchd_pg)
	cmake_language(DEFER CALL target_compile_definitions bench_pouchd_pg
	    PRIVATE "POUCH_PG_SCRIPT=\"${CMAKE_SOURCE_DIR}/scripts/pg-test-cluster.sh\"")
endif()

# fuzz/pg_wake.c drives the store's NOTIFY payload parser: the fuzz loop
# creates its target after this file, so the link is deferred.
if(EXISTS ${CMAKE_SOURCE_DIR}/fuzz/pg_wake.c)
	cmake_language(DEFER CALL target_link_libraries fuzz_pg_wake
	    PRIVATE pouch_store)
endif()

# The storage keys of the config, and a start against no database.
target_link_libraries(pgsql_test_pg_config PRIVATE pouchd_core)
target_compile_definitions(pgsql_test_pg_config PRIVATE
    POUCHD_PATH="$<TARGET_FILE:pouchd>")
add_dependencies(pgsql_test_pg_config pouchd)
