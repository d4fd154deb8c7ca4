# Benchmarks that compare Pouch with another implementation link that
# implementation here, and only here: libpouch never depends on it.
# bench_mls_app measures Megolm (libolm, Debian libolm-dev) beside MLS;
# without libolm it measures MLS alone.
pkg_check_modules(OLM IMPORTED_TARGET olm)
if(OLM_FOUND AND TARGET bench_mls_app)
	target_link_libraries(bench_mls_app PRIVATE PkgConfig::OLM)
	target_compile_definitions(bench_mls_app PRIVATE POUCH_HAVE_OLM)
endif()

# bench_kt appends key events through the server's store.
if(TARGET bench_kt)
	target_link_libraries(bench_kt PRIVATE pouch_store m)
endif()
