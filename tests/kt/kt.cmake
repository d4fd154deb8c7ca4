# Key transparency tests.  kt_test_kt_e2e runs a real pouchd (like
# tests/e2e): it needs the e2e helpers, libcurl and the pouchd path.
target_sources(kt_test_kt_e2e PRIVATE
    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_http.c
    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_mls.c)
target_compile_definitions(kt_test_kt_e2e PRIVATE
    POUCHD_PATH="$<TARGET_FILE:pouchd>")
target_link_libraries(kt_test_kt_e2e PRIVATE PkgConfig::CURL)
add_dependencies(kt_test_kt_e2e pouchd)
set_tests_properties(kt_test_kt_e2e PROPERTIES TIMEOUT 300)
# The store's key transparency operations: the store library.
target_link_libraries(kt_test_store_kt PRIVATE pouch_store)
