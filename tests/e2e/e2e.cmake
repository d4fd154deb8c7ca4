# End-to-end tests: a real pouchd on 127.0.0.1 (see e2e_http.c).  The
# unit-test glob made e2e_test_pouchd from test_pouchd.c; it also needs the
# client helpers, libcurl, and the path of the pouchd under test.
target_sources(e2e_test_pouchd PRIVATE
    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_http.c
    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_mls.c)
target_compile_definitions(e2e_test_pouchd PRIVATE
    POUCHD_PATH="$<TARGET_FILE:pouchd>")
target_link_libraries(e2e_test_pouchd PRIVATE PkgConfig::CURL)
add_dependencies(e2e_test_pouchd pouchd)
set_tests_properties(e2e_test_pouchd PROPERTIES TIMEOUT 300)
