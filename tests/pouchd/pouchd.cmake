# The server's unit tests link the server's code (pouchd_core).
foreach(t pouchd_test_config pouchd_test_util)
	if(TARGET ${t})
		target_link_libraries(${t} PRIVATE pouchd_core)
	endif()
endforeach()
