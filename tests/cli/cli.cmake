# The pouch command line: its self-test and the in-process MLS group demo
# must exit 0 (each checks its own results and fails otherwise).
add_test(NAME cli_selftest COMMAND pouch_cli selftest)
add_test(NAME cli_group_demo COMMAND pouch_cli group-demo)
set_tests_properties(cli_group_demo PROPERTIES
    PASS_REGULAR_EXPRESSION "group-demo: ok")
