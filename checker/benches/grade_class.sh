#!/usr/bin/env bash
# Grades a made-up class and shows what the shared build cache saves.
#
#   checker/benches/grade_class.sh [SUBMISSIONS]     (default: 20)
#
# Makes SUBMISSIONS copies of this workspace's exercises/ in a temporary
# directory: the even ones untouched, the odd ones with the reference
# solutions of the first 1, 2, 3, ... lessons copied in (a class at different
# stages). Then runs `cargo checker grade` over all of them with a fresh
# build cache, and prints the first submission's time (it compiles the
# dependencies), the median of the others, and their ratio. The target is a
# ratio of at most 0.20: a submission after the first costs a fifth or less.
# The times are the `seconds` column of grades.csv (copying, building and
# running each submission's tests). Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

count=${1:-20}
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
    if ((i % 2 == 1)); then
        solved=$(((i / 2) % ${#lessons[@]} + 1))
        for lesson in "${lessons[@]:0:solved}"; do
            if [ -d "solutions/$lesson/src" ]; then
                rm -rf "${sub:?}/exercises/$lesson/src"
                cp -R "solutions/$lesson/src" "$sub/exercises/$lesson/src"
            fi
        done
    fi
done

echo "building the checker..." >&2
cargo build -q -p checker
echo "grading $count submissions (the first compiles every dependency)..." >&2
start=$(date +%s)
cargo checker grade "$work"/subs/* --out "$work/out"
end=$(date +%s)

# The seconds column is the last of grades.csv.
seconds=$(tail -n +2 "$work/out/grades.csv" | awk -F, '{ print $NF }')
first=$(head -n 1 <<<"$seconds")
median=$(tail -n +2 <<<"$seconds" | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo
echo "$count submissions, ${#lessons[@]} lessons, $(nproc 2>/dev/null || echo '?') CPUs, $((end - start)) s in all:"
echo "first submission:           ${first} s"
echo "median of the other $((count - 1)):     ${median} s"
awk -v m="$median" -v f="$first" 'BEGIN { r = m / f; printf "ratio (median / first):     %.3f   (target: at most 0.200, %s)\n", r, (r <= 0.2 ? "met" : "NOT met") }'
