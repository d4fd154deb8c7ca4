#!/bin/sh
# test.sh - the whole test suite (make test).
#  1. plain build (gcc) and CTest;
#  2. ASan+UBSan build with clang (-fno-sanitize-recover=all), CTest again;
#  3. every fuzz target built with clang's libFuzzer: a replay of its
#     committed corpus, then FUZZ_SECONDS (default 20) of fuzzing on a
#     scratch copy of it, JOBS targets at a time.
# The vector, skip and accumulated-test lines of every runner are printed.
# Closes with one line: "summary: N passed, M failed" (steps).
set -u

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
n_passed=0
n_failed=0
failures=""

step() {	# step NAME COMMAND...: run, count, remember failures
	step_name=$1
	shift
	echo "== $step_name"
	if "$@"; then
		n_passed=$((n_passed + 1))
	else
		n_failed=$((n_failed + 1))
		failures="$failures [$step_name]"
	fi
}

ctest_dir() {	# configure, build and run CTest in one build directory
	bdir=$1
	shift
	mkdir -p "$bdir"
	if ! cmake -S . -B "$bdir" "$@" >"$bdir/configure.log" 2>&1; then
		cat "$bdir/configure.log"
		return 1
	fi
	if ! cmake --build "$bdir" -j "$JOBS" >"$bdir/build.log" 2>&1; then
		grep -E 'error|Error' "$bdir/build.log" | head -40
		return 1
	fi
	(cd "$bdir" && ctest -V -j "$JOBS" --timeout "$TEST_TIMEOUT") \
	    >"$bdir/ctest.log" 2>&1
	# what every runner reports, without CTest's "N: " prefix
	sed -n -E 's/^[0-9]+: ((vectors|skip|accumulated|replay|fuzz|interop) .*)/\1/p' \
	    "$bdir/ctest.log"
	grep -E '^[0-9]+% tests passed|^Total Test time' "$bdir/ctest.log"
	if ! grep -q '^100% tests passed' "$bdir/ctest.log"; then
		sed -n '/^The following tests FAILED/,$p' "$bdir/ctest.log"
		# the failing run's own output (a rerun may pass)
		for num in $(sed -n -E '/^The following tests FAILED/,$ s/^[[:space:]]+([0-9]+) - .*/\1/p' \
		    "$bdir/ctest.log"); do
			echo "-- output of test $num, first run (last 60 lines)"
			grep "^$num: " "$bdir/ctest.log" | tail -60
		done
		(cd "$bdir" && ctest --rerun-failed --output-on-failure \
		    --timeout "$TEST_TIMEOUT") 2>&1 | tail -80
		return 1
	fi
	return 0
}

fuzz_one() {	# fuzz_one NAME: replay, then fuzz; the verdict in NAME.result
	fz=$1
	bin=build-fuzz/fuzz_$fz
	work=build-fuzz/corpus-$fz
	rm -f build-fuzz/"$fz".failed
	rm -rf "$work" && mkdir -p "$work" &&
	    cp fuzz/corpus/"$fz"/* "$work"/
	dict=""
	[ -f fuzz/"$fz".dict ] && dict="-dict=fuzz/$fz.dict"
	# replay the committed corpus, then fuzz from a copy of it
	if ! "$bin" -runs=0 fuzz/corpus/"$fz" >build-fuzz/"$fz".log 2>&1 ||
	    ! "$bin" $dict -max_total_time="$FUZZ_SECONDS" \
	    -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=build-fuzz/"$fz"- \
	    "$work" >>build-fuzz/"$fz".log 2>&1; then
		{ echo "fuzz $fz: FAILED (see build-fuzz/$fz.log)"
		  tail -30 build-fuzz/"$fz".log; } >build-fuzz/"$fz".result
		: >build-fuzz/"$fz".failed
	else
		execs=$(grep -m1 'stat::number_of_executed_units' \
		    build-fuzz/"$fz".log | awk '{print $2}')
		echo "fuzz $fz: ${FUZZ_SECONDS}s, ${execs:-?} runs, no crash" \
		    >build-fuzz/"$fz".result
	fi
}

fuzz_all() {
	mkdir -p build-fuzz
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DPOUCH_FUZZ=ON \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo >build-fuzz/configure.log 2>&1 ||
	    { cat build-fuzz/configure.log; return 1; }
	frc=0
	built=""
	for fsrc in fuzz/*.c; do
		fz=$(basename "$fsrc" .c)
		[ "$fz" = replay_main ] && continue
		if ! cmake --build build-fuzz -j "$JOBS" --target fuzz_"$fz" \
		    >build-fuzz/"$fz".build.log 2>&1; then
			echo "fuzz $fz: build failed"
			grep -E 'error' build-fuzz/"$fz".build.log | head -10
			frc=1
			continue
		fi
		built="$built $fz"
	done
	# JOBS fuzzers at a time: each is one process on one core
	running=0
	for fz in $built; do
		fuzz_one "$fz" &
		running=$((running + 1))
		if [ "$running" -ge "$JOBS" ]; then
			wait
			running=0
		fi
	done
	wait
	for fz in $built; do
		cat build-fuzz/"$fz".result
		[ -f build-fuzz/"$fz".failed ] && frc=1
	done
	return $frc
}

step "ctest (gcc)" ctest_dir build -DCMAKE_BUILD_TYPE=RelWithDebInfo
step "ctest (ASan+UBSan)" ctest_dir build-asan -DCMAKE_C_COMPILER=clang \
    -DPOUCH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
step "fuzz" fuzz_all

[ -n "$failures" ] && echo "failed steps:$failures"
echo "summary: $n_passed passed, $n_failed failed"
[ "$n_failed" -eq 0 ]
