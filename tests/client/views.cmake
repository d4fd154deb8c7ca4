# The member-comparison test (tests/client/test_client_views.c) runs the
# client engine against a real pouchd that it restarts on old copies of
# its data directory.
if(TARGET client_test_client_views)
	target_sources(client_test_client_views PRIVATE
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_http.c
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_mls.c)
	target_compile_definitions(client_test_client_views PRIVATE
	    POUCHD_PATH="$<TARGET_FILE:pouchd>")
	add_dependencies(client_test_client_views pouchd)
	set_tests_properties(client_test_client_views PROPERTIES TIMEOUT 300)
endif()
