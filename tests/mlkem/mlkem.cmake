# ML-KEM checks that are more than a cmocka program (included from
# CMakeLists.txt with the other tests/*/*.cmake fragments).

file(GLOB POUCH_MLKEM_SOURCES CONFIGURE_DEPENDS
    ${CMAKE_SOURCE_DIR}/src/mlkem/*.c)

# ctgrind: valgrind memcheck with the secrets marked undefined.  The
# program compiles its own copy of src/mlkem with POUCH_CTGRIND (which
# declassifies rho) and without sanitizers, which memcheck cannot run
# under, so it runs in the sanitizer build too.
# X-Wing (src/mlkem/xwing.c) takes X25519 and randomness from the crypto
# provider, so its sources are compiled in too, also without sanitizers.
file(GLOB POUCH_CTGRIND_CRYPTO_SOURCES CONFIGURE_DEPENDS
    ${CMAKE_SOURCE_DIR}/src/crypto/*.c)
add_executable(mlkem_ctgrind ${CMAKE_SOURCE_DIR}/tests/mlkem/ctgrind.c
    ${POUCH_MLKEM_SOURCES} ${POUCH_CTGRIND_CRYPTO_SOURCES})
target_compile_definitions(mlkem_ctgrind PRIVATE POUCH_CTGRIND)
target_include_directories(mlkem_ctgrind PRIVATE
    ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(mlkem_ctgrind PRIVATE PkgConfig::CRYPTO
    PkgConfig::SODIUM)
get_target_property(mlkem_ct_opts mlkem_ctgrind COMPILE_OPTIONS)
list(FILTER mlkem_ct_opts EXCLUDE REGEX "^-f(no-)?sanitize")
# clang 14 writes DWARF 5 forms that Debian 12's valgrind 3.19 cannot read
# ("unhandled dwarf2 abbrev form code 0x25"; it then gives up): DWARF 4.
list(APPEND mlkem_ct_opts -gdwarf-4)
set_target_properties(mlkem_ctgrind PROPERTIES
    COMPILE_OPTIONS "${mlkem_ct_opts}" LINK_OPTIONS "")
# The same program on the portable C code only (no AVX2 paths compiled).
add_executable(mlkem_ctgrind_portable ${CMAKE_SOURCE_DIR}/tests/mlkem/ctgrind.c
    ${POUCH_MLKEM_SOURCES} ${POUCH_CTGRIND_CRYPTO_SOURCES})
target_compile_definitions(mlkem_ctgrind_portable PRIVATE POUCH_CTGRIND
    POUCH_MLKEM_NO_AVX2)
target_include_directories(mlkem_ctgrind_portable PRIVATE
    ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(mlkem_ctgrind_portable PRIVATE PkgConfig::CRYPTO
    PkgConfig::SODIUM)
set_target_properties(mlkem_ctgrind_portable PROPERTIES
    COMPILE_OPTIONS "${mlkem_ct_opts}" LINK_OPTIONS "")
find_program(POUCH_VALGRIND valgrind)
if(POUCH_VALGRIND)
	# ctgrind.supp: one branch of the provider's X25519, on public data
	# (the file says why).
	add_test(NAME mlkem_ctgrind COMMAND ${POUCH_VALGRIND} --quiet
	    --error-exitcode=1 --track-origins=yes
	    --suppressions=${CMAKE_SOURCE_DIR}/tests/mlkem/ctgrind.supp
	    $<TARGET_FILE:mlkem_ctgrind>)
	add_test(NAME mlkem_ctgrind_portable COMMAND ${POUCH_VALGRIND} --quiet
	    --error-exitcode=1 --track-origins=yes
	    --suppressions=${CMAKE_SOURCE_DIR}/tests/mlkem/ctgrind.supp
	    $<TARGET_FILE:mlkem_ctgrind_portable>)
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
# about a minute under ASan+UBSan on an idle host; a loaded CI host has
# taken over three
set_tests_properties(mlkem_differential_noble PROPERTIES TIMEOUT 600)
