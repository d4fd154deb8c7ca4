#!/bin/sh
# test.sh - the whole test suite (make test).
#  1. plain build (gcc) and CTest;
#  2. ASan+UBSan build (-fno-sanitize-recover=all) and CTest again;
#  3. every fuzz target built with clang's libFuzzer, run for FUZZ_SECONDS
#     each (default 30) on a scratch copy of its committed corpus, after a
#     replay of that corpus.
# Prints one closing line: "summary: N passed, M failed".
set -u

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
passed=0
failed=0
failures=""

step() {	# step NAME COMMAND...: run, count, remember failures
	name=$1
	shift
	echo "== $name"
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures="$failures $name"
	fi
}

ctest_dir() {	# configure, build and run CTest in one build directory
	dir=$1
	shift
	cmake -S . -B "$dir" "$@" >/dev/null &&
	    cmake --build "$dir" -j "$JOBS" >/dev/null &&
	    (cd "$dir" && ctest --output-on-failure -j "$JOBS" --timeout 600) |
	    tee "$dir/ctest.log" | grep -E '^(vectors |skip |[0-9]+% tests|Total Test|The following|\s+[0-9]+ - )|Failed|\*\*\*'
	# the pipeline's status is grep's: read CTest's verdict from its log
	grep -q '100% tests passed' "$dir/ctest.log"
}

fuzz_all() {
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DPOUCH_FUZZ=ON \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || return 1
	rc=0
	for src in fuzz/*.c; do
		name=$(basename "$src" .c)
		[ "$name" = replay_main ] && continue
		cmake --build build-fuzz -j "$JOBS" --target fuzz_"$name" \
		    >/dev/null || { echo "fuzz $name: build failed"; rc=1; continue; }
		bin=build-fuzz/fuzz_$name
		work=build-fuzz/corpus-$name
		rm -rf "$work" && mkdir -p "$work" &&
		    cp fuzz/corpus/"$name"/* "$work"/
		dict=""
		[ -f fuzz/"$name".dict ] && dict="-dict=fuzz/$name.dict"
		# replay the committed corpus, then fuzz from it
		if ! "$bin" -runs=0 fuzz/corpus/"$name" >build-fuzz/$name.log 2>&1 ||
		    ! "$bin" $dict -max_total_time="$FUZZ_SECONDS" \
		    -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
		    -print_final_stats=1 -artifact_prefix=build-fuzz/"$name"- \
		    "$work" >>build-fuzz/$name.log 2>&1; then
			echo "fuzz $name: FAILED (see build-fuzz/$name.log)"
			tail -30 build-fuzz/$name.log
			rc=1
		else
			execs=$(grep -m1 'stat::number_of_executed_units' \
			    build-fuzz/$name.log | awk '{print $2}')
			echo "fuzz $name: ${FUZZ_SECONDS}s, ${execs:-?} runs, no crash"
		fi
	done
	return $rc
}

step "ctest (gcc)" ctest_dir build
step "ctest (ASan+UBSan)" ctest_dir build-asan -DCMAKE_C_COMPILER=clang \
    -DPOUCH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
step "fuzz" fuzz_all

[ -n "$failures" ] && echo "failed steps:$failures"
echo "summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
