# The client engine end to end against a real pouchd on 127.0.0.1: the
# unit-test glob made these from tests/client/test_client_*.c; they also
# need the e2e helpers (server start, admin commands) and the path of the
# pouchd under test.
foreach(t client_test_client_e2e client_test_client_crash
    client_test_suite_move)
	target_sources(${t} PRIVATE
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_http.c
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_mls.c)
	target_compile_definitions(${t} PRIVATE
	    POUCHD_PATH="$<TARGET_FILE:pouchd>")
	add_dependencies(${t} pouchd)
	set_tests_properties(${t} PROPERTIES TIMEOUT 300)
endforeach()
# the canary test talks through a recording proxy (tests/tools/recproxy.c,
# test-only, never installed)
target_sources(client_test_client_e2e PRIVATE
    ${CMAKE_SOURCE_DIR}/tests/tools/recproxy.c)
find_package(Threads REQUIRED)
target_link_libraries(client_test_client_e2e PRIVATE PkgConfig::MHD
    PkgConfig::CURL Threads::Threads)
