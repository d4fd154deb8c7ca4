# ML-KEM checks that are more than a cmocka program (included from
# CMakeLists.txt with the other tests/*/*.cmake fragments).

file(GLOB POUCH_MLKEM_SOURCES CONFIGURE_DEPENDS
    ${CMAKE_SOURCE_DIR}/src/mlkem/*.c)

# ctgrind: valgrind memcheck with the secrets marked undefined.  The
# program compiles its own copy of src/mlkem with POUCH_CTGRIND (which
# declassifies rho) and without sanitizers, which memcheck cannot run
# under, so it runs in the sanitizer build too.
add_executable(mlkem_ctgrind ${CMAKE_SOURCE_DIR}/tests/mlkem/ctgrind.c
    ${POUCH_MLKEM_SOURCES})
target_compile_definitions(mlkem_ctgrind PRIVATE POUCH_CTGRIND)
target_include_directories(mlkem_ctgrind PRIVATE
    ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(mlkem_ctgrind PRIVATE PkgConfig::CRYPTO)
get_target_property(mlkem_ct_opts mlkem_ctgrind COMPILE_OPTIONS)
list(FILTER mlkem_ct_opts EXCLUDE REGEX "^-f(no-)?sanitize")
set_target_properties(mlkem_ctgrind PROPERTIES
    COMPILE_OPTIONS "${mlkem_ct_opts}" LINK_OPTIONS "")
find_program(POUCH_VALGRIND valgrind)
if(POUCH_VALGRIND)
	add_test(NAME mlkem_ctgrind COMMAND ${POUCH_VALGRIND} --quiet
	    --error-exitcode=1 --track-origins=yes
	    $<TARGET_FILE:mlkem_ctgrind>)
else()
	add_test(NAME mlkem_ctgrind COMMAND ${CMAKE_COMMAND} -E echo
	    "valgrind not found: run scripts/deps.sh")
	set_tests_properties(mlkem_ctgrind PROPERTIES WILL_FAIL ON)
endif()

# No div/idiv in the ML-KEM object code (gcc and clang, -O2 and -Os):
# memcheck does not see secret-dependent division.
add_test(NAME mlkem_check_nodiv COMMAND ${CMAKE_SOURCE_DIR}/tools/check-nodiv)

# Differential test against an independent implementation, npm
# @noble/post-quantum pinned by tests/mlkem/noble/package-lock.json and
# installed with `npm ci` into the build tree: 10,000 ML-KEM-768 and 1,000
# each of ML-KEM-512/1024 keygen/encaps/decaps cases with corrupted
# ciphertexts, byte-identical.
add_executable(mlkem_difftest ${CMAKE_SOURCE_DIR}/tests/mlkem/difftest.c)
target_link_libraries(mlkem_difftest PRIVATE pouch_static)
add_test(NAME mlkem_differential_noble
    COMMAND sh ${CMAKE_SOURCE_DIR}/tests/mlkem/noble/run.sh
    $<TARGET_FILE:mlkem_difftest> ${CMAKE_BINARY_DIR}/mlkem-noble)
set_tests_properties(mlkem_differential_noble PROPERTIES TIMEOUT 180)
