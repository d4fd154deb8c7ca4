# The store's tests link the store library (not part of libpouch).
target_link_libraries(store_test_store PRIVATE pouch_store)
