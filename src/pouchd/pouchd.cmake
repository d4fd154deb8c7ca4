# pouchd - the server.  Included from the "programs" section of the top
# CMakeLists.txt, after the pouch_store library.
#
# pouchd_core holds everything but main(), so that the request fuzzer and
# the tests link the same dispatcher the server runs.
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd>=0.9.71)

file(GLOB POUCHD_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/pouchd/*.c)
list(FILTER POUCHD_SOURCES EXCLUDE REGEX ".*/src/pouchd/main\\.c$")
if(POUCHD_SOURCES)
	add_library(pouchd_core STATIC ${POUCHD_SOURCES})
	target_link_libraries(pouchd_core PUBLIC pouch_store pouch_static
	    PkgConfig::MHD PkgConfig::JANSSON PkgConfig::CRYPTO)
endif()
if(EXISTS ${CMAKE_SOURCE_DIR}/src/pouchd/main.c)
	add_executable(pouchd ${CMAKE_SOURCE_DIR}/src/pouchd/main.c)
	target_link_libraries(pouchd PRIVATE pouchd_core)
endif()

# The request fuzzer (fuzz/pouchd_request.c) drives pouchd_core.  The fuzz
# loop of the top CMakeLists.txt creates its target after this file is
# read, so the link is deferred to the end of the directory.
cmake_language(DEFER CALL target_link_libraries fuzz_pouchd_request
    PRIVATE pouchd_core)

# The delivery benchmarks (bench/bench_pouchd*.c) run a real pouchd
# through the end-to-end test client; the bench loop creates their
# targets later.  A macro, because deferred calls read variables only
# when they run: the macro puts the target name in beforehand.
pkg_check_modules(LIBSSL IMPORTED_TARGET libssl)
macro(pouchd_bench_links name)
	cmake_language(DEFER CALL target_sources ${name} PRIVATE
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_http.c
	    ${CMAKE_SOURCE_DIR}/tests/e2e/e2e_mls.c)
	cmake_language(DEFER CALL target_include_directories ${name}
	    PRIVATE ${CMAKE_SOURCE_DIR}/tests)
	cmake_language(DEFER CALL target_compile_definitions ${name}
	    PRIVATE "POUCHD_PATH=\"$<TARGET_FILE:pouchd>\"")
	cmake_language(DEFER CALL target_link_libraries ${name} PRIVATE
	    PkgConfig::CURL PkgConfig::JANSSON PkgConfig::SQLITE3
	    PkgConfig::CRYPTO Threads::Threads)
	if(LIBSSL_FOUND)
		cmake_language(DEFER CALL target_link_libraries ${name}
		    PRIVATE PkgConfig::LIBSSL)
	endif()
	cmake_language(DEFER CALL add_dependencies ${name} pouchd)
endmacro()
if(EXISTS ${CMAKE_SOURCE_DIR}/bench/bench_pouchd.c)
	pouchd_bench_links(bench_pouchd)
endif()
if(EXISTS ${CMAKE_SOURCE_DIR}/bench/bench_pouchd_idle.c)
	pouchd_bench_links(bench_pouchd_idle)
endif()
if(EXISTS ${CMAKE_SOURCE_DIR}/bench/bench_client.c)
	pouchd_bench_links(bench_client)
endif()
