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

# The long crash test (test_crash.c): senders into two groups while pouchd
# is SIGKILLed and restarted for POUCH_CRASH_SECONDS (default 120; 40 in
# the sanitizer build, where everything is several times slower).  Label
# "long": `ctest -LE long` leaves it out of a quick local run.
if(EXISTS ${CMAKE_SOURCE_DIR}/tests/e2e/test_crash.c)
	target_sources(e2e_test_crash PRIVATE
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_http.c
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_mls.c)
	if(POUCH_SANITIZE)
		set(POUCH_CRASH_DEFAULT 40)
	else()
		set(POUCH_CRASH_DEFAULT 120)
	endif()
	target_compile_definitions(e2e_test_crash PRIVATE
	    POUCHD_PATH="$<TARGET_FILE:pouchd>"
	    POUCH_CRASH_DEFAULT=${POUCH_CRASH_DEFAULT})
	target_link_libraries(e2e_test_crash PRIVATE PkgConfig::CURL)
	add_dependencies(e2e_test_crash pouchd)
	set_tests_properties(e2e_test_crash PROPERTIES TIMEOUT 600
	    LABELS long)
endif()
