# The large MLS simulation (test_group_sim_large.c): N = 1,000 members,
# every one holding a state, over a minute in either build (about 1.5 min
# with gcc, 2.5 with ASan+UBSan, on 2 free cores; it uses up to 4
# threads).  Label "long": `ctest -LE long` leaves it out of a quick local
# run.  Its own timeout, above scripts/test.sh's default of 300 s, for a
# loaded machine.
if(TEST mls_test_group_sim_large)
	set_tests_properties(mls_test_group_sim_large PROPERTIES
	    LABELS long TIMEOUT 1200)
endif()
