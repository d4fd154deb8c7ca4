# Key transparency against a lying server: the unit-test glob made
# client_test_kt_lies from tests/client/test_kt_lies.c; it runs
# pouchd-liar (tests/kt/kt.cmake) through the e2e helpers.  The audit,
# monitor and revocation tests run the real pouchd.
if(TARGET client_test_kt_lies)
	target_sources(client_test_kt_lies PRIVATE
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_http.c
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_mls.c)
	target_compile_definitions(client_test_kt_lies PRIVATE
	    POUCHD_PATH="$<TARGET_FILE:pouchd-liar>")
	add_dependencies(client_test_kt_lies pouchd-liar)
	set_tests_properties(client_test_kt_lies PROPERTIES TIMEOUT 300)
endif()
if(TARGET client_test_kt_audit)
	target_sources(client_test_kt_audit PRIVATE
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_http.c
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_mls.c)
	target_compile_definitions(client_test_kt_audit PRIVATE
	    POUCHD_PATH="$<TARGET_FILE:pouchd>"
	    POUCH_CLI_PATH="$<TARGET_FILE:pouch_cli>")
	add_dependencies(client_test_kt_audit pouchd pouch_cli)
	set_tests_properties(client_test_kt_audit PROPERTIES TIMEOUT 300)
endif()
