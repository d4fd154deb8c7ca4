# The pouch command line: its self-test and the in-process MLS group demo
# must exit 0 (each checks its own results and fails otherwise).
add_test(NAME cli_selftest COMMAND pouch_cli selftest)
add_test(NAME cli_group_demo COMMAND pouch_cli group-demo)
set_tests_properties(cli_group_demo PROPERTIES
    PASS_REGULAR_EXPRESSION "group-demo: ok")
# The README's demo as a test: pouchd on SQLite, three users enrolled with
# `pouch init`, real messages through the server, a removal, and a check
# that no plaintext reaches the server's files (the script fails
# otherwise).
add_test(NAME cli_demo COMMAND sh ${CMAKE_SOURCE_DIR}/scripts/demo.sh)
set_tests_properties(cli_demo PROPERTIES
    ENVIRONMENT "BUILD=${CMAKE_BINARY_DIR}"
    PASS_REGULAR_EXPRESSION "demo: ok"
    TIMEOUT 300)
