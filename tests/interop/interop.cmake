# Interop (issue #9): pouch-mls-driver, its scripted test, and the
# interop scenarios against ts-mls (Node.js, test-only).

# The error-code names of include/pouch/err.h, regenerated whenever it
# changes, for pouch_drv_err_name().
set(POUCH_ERR_H ${CMAKE_SOURCE_DIR}/include/pouch/err.h)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${POUCH_ERR_H})
file(STRINGS ${POUCH_ERR_H} POUCH_ERR_LINES
    REGEX "^#define[ \t]+POUCH_E_[A-Z0-9_]+[ \t]+-[0-9]+")
set(POUCH_ERRNAMES "")
foreach(l ${POUCH_ERR_LINES})
	string(REGEX REPLACE "^#define[ \t]+(POUCH_E_[A-Z0-9_]+)[ \t]+(-[0-9]+).*$"
	    "\t{ \\2, \"\\1\" },\n" e "${l}")
	string(APPEND POUCH_ERRNAMES "${e}")
endforeach()
set(POUCH_DRV_GEN ${CMAKE_BINARY_DIR}/generated/mls-driver)
file(CONFIGURE OUTPUT ${POUCH_DRV_GEN}/driver_errnames.inc
    CONTENT "/* generated from include/pouch/err.h */\n${POUCH_ERRNAMES}")

# The request layer and operations as a library, shared by the program
# and the fuzz target fuzz/mls_driver.c.
add_library(pouch_mls_driver STATIC
    ${CMAKE_SOURCE_DIR}/src/tools/mls-driver/driver.c
    ${CMAKE_SOURCE_DIR}/src/tools/mls-driver/driver_ops.c)
target_include_directories(pouch_mls_driver PRIVATE ${POUCH_DRV_GEN})
target_link_libraries(pouch_mls_driver PUBLIC pouch_static PkgConfig::JANSSON)

add_executable(pouch-mls-driver ${CMAKE_SOURCE_DIR}/src/tools/mls-driver/main.c)
target_link_libraries(pouch-mls-driver PRIVATE pouch_mls_driver)

# The fuzz target is made by the top-level fuzz loop, after this file:
# link it with the driver library once that loop has run.
if(EXISTS ${CMAKE_SOURCE_DIR}/fuzz/mls_driver.c)
	cmake_language(DEFER CALL target_link_libraries fuzz_mls_driver
	    PRIVATE pouch_mls_driver)
endif()

# test_driver.c runs the operations in-process and the program over pipes.
target_link_libraries(interop_test_driver PRIVATE pouch_mls_driver)
set_tests_properties(interop_test_driver PROPERTIES ENVIRONMENT
    "POUCH_SHARED_DIR=${POUCH_SHARED_DIR};POUCH_MLS_DRIVER=$<TARGET_FILE:pouch-mls-driver>")

# Interop with ts-mls (Node.js 20, npm packages pinned in package.json and
# package-lock.json; the runner runs `npm ci` itself when node_modules is
# missing, so a fresh clone needs only node and npm on PATH).
find_program(POUCH_NODE node)
if(POUCH_NODE)
	add_test(NAME interop_ts_mls
	    COMMAND ${POUCH_NODE} ${CMAKE_SOURCE_DIR}/tests/interop/run_interop.mjs
	    $<TARGET_FILE:pouch-mls-driver>
	    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/interop)
	set_tests_properties(interop_ts_mls PROPERTIES TIMEOUT 300
	    FAIL_REGULAR_EXPRESSION "interop [^ ]+: FAIL")
else()
	message(WARNING "node not found: interop_ts_mls cannot run")
	add_test(NAME interop_ts_mls COMMAND ${CMAKE_COMMAND} -E false)
endif()
