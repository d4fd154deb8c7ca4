# The server's unit tests link the server's code (pouchd_core).
foreach(t pouchd_test_config pouchd_test_util)
	if(TARGET ${t})
		target_link_libraries(${t} PRIVATE pouchd_core)
	endif()
endforeach()

# KeyPackages per cipher suite and the suite alias over the API
# (test_kp_suite.c): real pouchd servers, through the end-to-end harness.
if(TARGET pouchd_test_kp_suite)
	target_sources(pouchd_test_kp_suite PRIVATE
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_http.c
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_mls.c)
	target_include_directories(pouchd_test_kp_suite PRIVATE
	    ${CMAKE_SOURCE_DIR}/tests)
	target_compile_definitions(pouchd_test_kp_suite PRIVATE
	    POUCHD_PATH="$<TARGET_FILE:pouchd>")
	target_link_libraries(pouchd_test_kp_suite PRIVATE PkgConfig::CURL)
	add_dependencies(pouchd_test_kp_suite pouchd)
	set_tests_properties(pouchd_test_kp_suite PROPERTIES TIMEOUT 300)
	# again with every server on PostgreSQL (tests/pgsql's cluster)
	add_test(NAME pouchd_test_kp_suite_pg COMMAND pouchd_test_kp_suite)
	set_tests_properties(pouchd_test_kp_suite_pg PROPERTIES
	    FIXTURES_REQUIRED pg TIMEOUT 300 RESOURCE_LOCK pg_cluster
	    ENVIRONMENT
	    "POUCH_E2E_PG_FILE=${CMAKE_BINARY_DIR}/pgtest.conninfo")
endif()
