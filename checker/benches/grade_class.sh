#!/usr/bin/env bash
# Grades a made-up class and shows what the shared build cache saves.
#
#   checker/benches/grade_class.sh [SUBMISSIONS] [--mixed]    (default: 20)
#
# Makes SUBMISSIONS copies of this workspace's exercises/ in a temporary
# directory, each with every reference solution copied in (honest copies of
# one finished course); with --mixed, the even ones untouched and the odd
# ones with the solutions of the first 1, 2, 3, ... lessons (a class at
# different stages). Then runs `cargo checker grade` over all of them, in
# its sandbox, with a fresh build cache, and prints what the first cost
# (building the shared dependencies, then its own lessons, then its tests:
# the whole run less the others' rows), the median of the others (the
# `seconds` column of grades.csv), and their ratio. The target is a ratio
# of at most 0.25. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

count=${1:-20}
mixed=${2:-}
if [ "$count" -lt 2 ]; then
    echo "grade_class.sh: give at least 2 submissions" >&2
    exit 2
fi
lessons=()
for dir in exercises/lesson*/; do
    [ -f "$dir/lesson.toml" ] && lessons+=("$(basename "$dir")")
done
if [ ${#lessons[@]} -eq 0 ]; then
    echo "grade_class.sh: no lessons under exercises/" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Grading as root runs the tests as nobody, who must be able to enter it.
chmod 755 "$work"

for ((i = 0; i < count; i++)); do
    sub="$work/subs/learner$(printf '%02d' "$i")"
    mkdir -p "$sub"
    cp -R exercises "$sub/"
    solved=${#lessons[@]}
    if [ "$mixed" = --mixed ]; then
        ((i % 2 == 0)) && continue
        solved=$(((i / 2) % ${#lessons[@]} + 1))
    fi
    for lesson in "${lessons[@]:0:solved}"; do
        if [ -d "solutions/$lesson/src" ]; then
            rm -rf "${sub:?}/exercises/$lesson/src"
            cp -R "solutions/$lesson/src" "$sub/exercises/$lesson/src"
        fi
    done
done

echo "building the checker..." >&2
cargo build -q -p checker
echo "grading $count submissions (the first compiles every dependency)..." >&2
start=$(date +%s)
cargo checker grade "$work"/subs/* --out "$work/out"
end=$(date +%s)

# The seconds column is the last of grades.csv; the first pays for the shared build too.
seconds=$(tail -n +2 "$work/out/grades.csv" | awk -F, '{ print $NF }')
others=$(tail -n +2 <<<"$seconds" | awk '{ s += $1 } END { print s + 0 }')
first=$(awk -v t="$((end - start))" -v o="$others" 'BEGIN { printf "%.1f", t - o }')
median=$(tail -n +2 <<<"$seconds" | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo
echo "$count submissions, ${#lessons[@]} lessons, $(nproc 2>/dev/null || echo '?') CPUs, $((end - start)) s in all:"
echo "first submission (and the shared build): ${first} s"
echo "median of the other $((count - 1)):     ${median} s"
awk -v m="$median" -v f="$first" 'BEGIN { r = m / f; printf "ratio (median / first):     %.3f   (target: at most 0.250, %s)\n", r, (r <= 0.25 ? "met" : "NOT met") }'
