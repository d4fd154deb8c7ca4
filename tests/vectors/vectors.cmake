# Each official vector file runs whole through pouch-vectors TYPE FILE.
# A runner prints "vectors FILE: P/T passed" and fails unless P == T.
set(V ${POUCH_SHARED_DIR}/vectors)
add_test(NAME vectors_hpke COMMAND pouch-vectors hpke ${V}/hpke/test-vectors.json)
add_test(NAME vectors_hpke_pq COMMAND pouch-vectors hpke ${V}/hpke/hpke-pq-test-vectors.json)
add_test(NAME vectors_mls_crypto_basics COMMAND pouch-vectors mls-crypto-basics ${V}/mls/crypto-basics.json)
