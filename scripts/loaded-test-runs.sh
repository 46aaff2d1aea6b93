#!/usr/bin/env bash
# Runs a test command again and again while every core is kept busy by other
# work, and counts failures: the course's promise that no verdict depends on
# how busy the machine is.
#
#   scripts/loaded-test-runs.sh [RUNS] [COMMAND...]
#
# RUNS defaults to 20, COMMAND to `cargo test` (the whole course). Each run's
# log is kept in target/loaded-runs/; the last line reads "N passed, M failed".
# Example: scripts/loaded-test-runs.sh 50 cargo test -q -p lesson12-solution -- --test-threads=16
set -uo pipefail
cd "$(dirname "$0")/.."

runs=${1:-20}
shift || true
if [ $# -eq 0 ]; then set -- cargo test; fi

logs=target/loaded-runs
mkdir -p "$logs"
# Build first, unloaded and uncounted: the runs measure the tests, not the build.
"$@" >/dev/null 2>&1 || true

cores=$(nproc 2>/dev/null || echo 2)
loaders=()
for _ in $(seq "$cores"); do
    # A busy loop per core, at normal priority: the tests compete for every core.
    ( while :; do :; done ) &
    loaders+=($!)
done
trap 'kill "${loaders[@]}" 2>/dev/null' EXIT

passed=0
failed=0
for i in $(seq "$runs"); do
    if "$@" >"$logs/run-$i.log" 2>&1; then
        passed=$((passed + 1))
        echo "run $i: ok"
    else
        failed=$((failed + 1))
        echo "run $i: FAILED (see $logs/run-$i.log)"
        grep -E "^test .* FAILED|panicked at" "$logs/run-$i.log" | head -5
    fi
done
echo "loaded: $cores busy loops on $cores cores"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
