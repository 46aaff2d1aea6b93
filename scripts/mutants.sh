#!/usr/bin/env bash
# How strong each lesson's steps are: cargo-mutants changes the reference
# solution one small way at a time (a `<` for a `<=`, a body replaced by a
# default value, ...) and runs the lesson's tests against each mutant. A
# mutant the tests do not catch is a mistake a learner could make and still
# get full points. A maintainer's script, not CI: it takes minutes a lesson.
#
#   scripts/mutants.sh [LESSON...]        (default: every lesson; e.g. 01 05)
#
# Prints a table: viable mutants, caught, missed, timed out, and the share
# caught (the course's target: at least 90% in every lesson). Mutants in
# what the stub already gives the learner are excluded: the `Display` impls
# (messages, not behaviour) and lesson02's `MAX_LINE = 64 * 1024` (a value
# the stub states). So are mutants no test can observe on a loopback
# interface: see the comments at `excluded` below. Each lesson's full report
# stays in target/mutants/lessonNN/.
set -euo pipefail
cd "$(dirname "$0")/.."

version=26.0.0
if ! cargo mutants --version 2>/dev/null | grep -q "$version"; then
    echo "installing cargo-mutants $version..." >&2
    cargo install --locked --version "$version" cargo-mutants
fi
if [ -n "$(git status --porcelain -- exercises solutions)" ]; then
    echo "mutants.sh mutates solutions/ in place: commit or stash your changes first" >&2
    exit 2
fi

lessons=("$@")
if [ ${#lessons[@]} -eq 0 ]; then
    for dir in solutions/lesson*/; do
        n=${dir#solutions/lesson}; lessons+=("${n%%-*}")
    done
fi

# Names as `cargo mutants --list` prints them (file:line:column: what).
excluded=(
    # Messages, not behaviour; the stub gives them.
    'impl .*Display for'
    # lesson02: MAX_LINE = 64 * 1024 is the stub's constant, not the
    # learner's code (its `*` is the only one outside a function there).
    'lesson02-threaded-server/src/lib\.rs:[0-9]+:[0-9]+: replace \* with [+/]$'
    # lesson02's accept_loop sorts accept's errors: WouldBlock sleeps;
    # Interrupted, ConnectionAborted and ConnectionReset retry at once; any
    # other is logged and sleeps. On Linux loopback a test can make accept
    # fail only with WouldBlock (nobody yet) or, on a socket that never
    # listens, InvalidInput; step 16 checks that the loop neither ends nor
    # spins on either, which catches the three kinds' guard replaced with
    # true (it spins on InvalidInput). A connection reset or aborted in the
    # queue is accepted like any other, and a non-blocking accept is not
    # interrupted. The mutants left differ only in what is printed (the
    # WouldBlock guard replaced with false or its == with !=: WouldBlock goes
    # to the logging arm, which sleeps too; replaced with true: every error
    # sleeps, unlogged) or in the three kinds loopback never produces (their
    # guard replaced with false: they are logged and sleep).
    'lesson02-threaded-server/src/lib\.rs:[0-9]+:[0-9]+: replace match guard e\.kind\(\) == io::ErrorKind::WouldBlock with (true|false) in accept_loop$'
    'lesson02-threaded-server/src/lib\.rs:[0-9]+:[0-9]+: replace == with != in accept_loop$'
    'lesson02-threaded-server/src/lib\.rs:[0-9]+:[0-9]+: replace match guard matches!\(.*ConnectionAborted.*\) with false in accept_loop$'
)
exclude_args=()
for re in "${excluded[@]}"; do exclude_args+=(--exclude-re "$re"); done

printf '%-9s %7s %7s %7s %8s %7s\n' lesson viable caught missed timeout caught%
for n in "${lessons[@]}"; do
    out=target/mutants/lesson$n
    mkdir -p "$out"
    # --in-place: the workspace's warm build, restored after each mutant.
    cargo mutants --in-place --no-shuffle \
        --package "lesson$n-solution" \
        "${exclude_args[@]}" \
        --timeout-multiplier 3 \
        --output "$out" >"$out/log.txt" 2>&1 || true
    python3 - "$out/mutants.out/outcomes.json" "$n" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
counts = {"CaughtMutant": 0, "MissedMutant": 0, "Timeout": 0, "Unviable": 0}
for outcome in doc.get("outcomes", []):
    summary = outcome.get("summary")
    if summary in counts:
        counts[summary] += 1
viable = counts["CaughtMutant"] + counts["MissedMutant"] + counts["Timeout"]
caught = counts["CaughtMutant"] + counts["Timeout"]
share = 100.0 * caught / viable if viable else 100.0
print(f"lesson{sys.argv[2]} {viable:7} {counts['CaughtMutant']:7} {counts['MissedMutant']:7} {counts['Timeout']:8} {share:6.1f}%")
PY
done
echo "missed mutants: target/mutants/lessonNN/mutants.out/missed.txt"
