#!/bin/sh
# run.sh DIFFTEST WORKDIR - differential test of ML-KEM against the pinned
# @noble/post-quantum (test-only).  Installs it with `npm ci` from the
# committed package-lock.json into WORKDIR (a build directory, never the
# source tree), then pipes DIFFTEST's cases through diff.mjs, split into
# one shard per CPU (at most 4) because noble is the slow side.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
work=$2
for tool in node npm od; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run.sh: $tool not found: run scripts/deps.sh" >&2
		exit 1
	fi
done
mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/diff.mjs" "$work/"
cd "$work"
npm ci --no-audit --no-fund --loglevel=error
seed=${POUCH_DIFF_SEED:-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')}
n=$(nproc 2>/dev/null || echo 1)
[ "$n" -gt 4 ] && n=4
echo "difftest: seed $seed (set POUCH_DIFF_SEED to rerun), $n shards"
pids=""
s=0
while [ "$s" -lt "$n" ]; do
	("$bin" "$seed" 10000 1000 "$s" "$n" 2>/dev/null | node diff.mjs) \
	    >"shard$s.log" 2>&1 &
	pids="$pids $!"
	s=$((s + 1))
done
rc=0
for pid in $pids; do
	wait "$pid" || rc=1
done
cat shard*.log
exit "$rc"
