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
# pouchd-liar: the same pouchd sources built with POUCHD_LIAR, whose key
# transparency routes lie as $POUCHD_LIAR says (src/pouchd/kt_log.c).  For
# the tests only: never installed, and the real pouchd has no lie code.
if(POUCHD_SOURCES AND EXISTS ${CMAKE_SOURCE_DIR}/src/pouchd/main.c)
	add_executable(pouchd-liar ${CMAKE_SOURCE_DIR}/src/pouchd/main.c
	    ${POUCHD_SOURCES})
	target_compile_definitions(pouchd-liar PRIVATE POUCHD_LIAR)
	target_link_libraries(pouchd-liar PRIVATE pouch_store pouch_static
	    PkgConfig::MHD PkgConfig::JANSSON PkgConfig::CRYPTO)
endif()
