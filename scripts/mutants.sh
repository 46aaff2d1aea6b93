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
# (messages, not behaviour). Each lesson's full report stays in
# target/mutants/lessonNN/.
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

printf '%-9s %7s %7s %7s %8s %7s\n' lesson viable caught missed timeout caught%
for n in "${lessons[@]}"; do
    out=target/mutants/lesson$n
    mkdir -p "$out"
    # --in-place: the workspace's warm build, restored after each mutant.
    cargo mutants --in-place --no-shuffle \
        --package "lesson$n-solution" \
        --exclude-re 'impl .*Display for' \
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
