# The KeyPackage key sweep (tests/client/test_kp_sweep.c) end to end
# against a real pouchd, through the e2e helpers.
if(TARGET client_test_kp_sweep)
	target_sources(client_test_kp_sweep PRIVATE
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_http.c
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_mls.c)
	target_compile_definitions(client_test_kp_sweep PRIVATE
	    POUCHD_PATH="$<TARGET_FILE:pouchd>")
	add_dependencies(client_test_kp_sweep pouchd)
	set_tests_properties(client_test_kp_sweep PROPERTIES TIMEOUT 300)
endif()
