# Account-key rotation end to end (test_rotate.c) against the real pouchd,
# through the e2e helpers; it also runs the `pouch account rotate` command.
if(TARGET client_test_rotate)
	target_sources(client_test_rotate PRIVATE
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_http.c
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_mls.c)
	target_compile_definitions(client_test_rotate PRIVATE
	    POUCHD_PATH="$<TARGET_FILE:pouchd>"
	    POUCH_CLI_PATH="$<TARGET_FILE:pouch_cli>")
	target_link_libraries(client_test_rotate PRIVATE PkgConfig::SQLITE3)
	add_dependencies(client_test_rotate pouchd pouch_cli)
	set_tests_properties(client_test_rotate PROPERTIES TIMEOUT 300)
endif()
