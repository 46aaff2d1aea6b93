#!/usr/bin/env bash
# Times the checker against cargo test on a warm tree, and prints the ratio.
#
#   checker/benches/progress_vs_cargo_test.sh [RUNS]     (default: 5 runs of each)
#
# Compared, in turn, RUNS times each, after one warm-up run of each:
#   checker      cargo checker --json                        (every lesson, against your code)
#   workspace    cargo test --workspace --no-fail-fast       (the baseline to beat)
#   exercises    cargo test --no-fail-fast -p lesson01 ...   (the same tests the checker runs)
# and prints each one's median wall time and checker / other.
# Lessons' tests fail against the stubs: that is expected, exit codes are ignored.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=${1:-5}
packages=()
for toml in exercises/lesson*/lesson.toml; do
    dir=$(basename "$(dirname "$toml")")
    number=${dir#lesson}
    number=${number%%-*}
    packages+=(-p "lesson$number")
done
if [ ${#packages[@]} -eq 0 ]; then
    echo "no lessons under exercises/" >&2
    exit 2
fi

lessons=$((${#packages[@]} / 2))

run() {
    case $1 in
        checker) cargo checker --json ;;
        workspace) cargo test --workspace --no-fail-fast ;;
        exercises) cargo test --no-fail-fast "${packages[@]}" ;;
    esac
}

# Wall time of one run, in milliseconds.
time_ms() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

echo "warming up (builds everything once)..." >&2
if ! cargo test --workspace --no-run >/dev/null 2>&1; then
    echo "the workspace does not build: fix it first (cargo test --workspace --no-run)" >&2
    exit 2
fi
for cmd in checker workspace exercises; do
    run "$cmd" >/dev/null 2>&1 || true
done
status=0
cargo checker --json >/dev/null 2>&1 || status=$?
if [ "$status" -gt 1 ]; then
    echo "cargo checker failed with exit code $status: run it alone to see why" >&2
    exit 2
fi

declare -A samples
for ((i = 1; i <= runs; i++)); do
    for cmd in checker workspace exercises; do
        ms=$(time_ms run "$cmd")
        samples[$cmd]+="$ms "
        echo "run $i/$runs: $cmd ${ms} ms" >&2
    done
done

med() { tr ' ' '\n' <<<"${samples[$1]}" | grep . | median; }
c=$(med checker)
w=$(med workspace)
e=$(med exercises)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "medians of $runs warm runs on $(nproc 2>/dev/null || echo '?') CPUs, $lessons lessons:"
printf '%-10s %9s  %s\n' "what" "median" "command"
printf '%-10s %6d ms  %s\n' checker "$c" "cargo checker --json"
printf '%-10s %6d ms  %s\n' workspace "$w" "cargo test --workspace --no-fail-fast"
printf '%-10s %6d ms  %s\n' exercises "$e" "cargo test --no-fail-fast -p lesson01 ... ($lessons exercise packages)"
echo "checker / workspace = $(ratio "$c" "$w")   (below 1: the checker is faster)"
echo "checker / exercises = $(ratio "$c" "$e")"
