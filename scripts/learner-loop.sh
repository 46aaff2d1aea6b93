#!/usr/bin/env bash
# The learner's loop, timed: touch a lesson's stub and run its tests, as a
# learner does after each edit, against the same for a bare one-test crate
# (the floor: what any `cargo test` costs on this machine), in one run.
#
#   scripts/learner-loop.sh [RUNS] [LESSON...]
#
# RUNS (default 5) runs of each, interleaved; prints each lesson's median,
# the floor's, and their ratio. The target is at most 2.5x the floor.
set -euo pipefail
cd "$(dirname "$0")/.."

# A learner's shell has no RUST_BACKTRACE: with it set, every failing step
# also symbolises a backtrace (about 60 ms each), on both sides.
unset RUST_BACKTRACE

runs=${1:-5}
shift || true
lessons=("$@")
if [ ${#lessons[@]} -eq 0 ]; then
    for dir in exercises/lesson*/; do
        n=${dir#exercises/lesson}; lessons+=("${n%%-*}")
    done
fi

floor=target/learner-loop/floor
mkdir -p "$floor/src"
cat >"$floor/Cargo.toml" <<'TOML'
[package]
name = "floor"
version = "0.1.0"
edition = "2024"

[workspace]
TOML
printf 'pub fn answer() -> u32 {\n    todo!()\n}\n\n#[test]\nfn answers() {\n    assert_eq!(answer(), 42);\n}\n' >"$floor/src/lib.rs"

# The shape of a lesson with nothing in it: a library with one stub
# function and one test file that calls it through the testkit, built with
# the course's profile. What a lesson costs above this is its own steps.
shape=target/learner-loop/shape
mkdir -p "$shape/src" "$shape/tests"
cat >"$shape/Cargo.toml" <<TOML
[package]
name = "shape"
version = "0.1.0"
edition = "2024"

[lib]
test = false
doctest = false

[dev-dependencies]
testkit = { path = "$PWD/testkit" }

[profile.dev]
debug = false
strip = "debuginfo"

[workspace]
TOML
printf 'pub fn answer() -> u32 {\n    todo!()\n}\n' >"$shape/src/lib.rs"
printf '#[test]\nfn step01_answers() {\n    let got = testkit::within(std::time::Duration::from_secs(1), "answer", shape::answer);\n    assert_eq!(got, 42);\n}\n' >"$shape/tests/step.rs"

now() { date +%s.%N; }
# One timed run of a command after touching a file; prints seconds.
timed() {
    local file=$1; shift
    touch "$file"
    local start; start=$(now)
    "$@" >/dev/null 2>&1 || true
    awk -v a="$(now)" -v b="$start" 'BEGIN { printf "%.3f\n", a - b }' 
}
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }

# Warm both: the first build of each is not what a learner waits for.
(cd "$floor" && cargo test -q >/dev/null 2>&1 || true)
(cd "$shape" && cargo test -q >/dev/null 2>&1 || true)
for n in "${lessons[@]}"; do cargo test -q -p "lesson$n" --no-run >/dev/null 2>&1 || true; done

printf '%-9s %8s %8s %7s\n' lesson median floor ratio
ours=(); base=()
for _ in $(seq "$runs"); do
    ours+=("$(timed "$shape/src/lib.rs" cargo test -q --manifest-path "$shape/Cargo.toml")")
    base+=("$(timed "$floor/src/lib.rs" cargo test -q --manifest-path "$floor/Cargo.toml")")
done
m=$(printf '%s\n' "${ours[@]}" | median)
f=$(printf '%s\n' "${base[@]}" | median)
printf '%-9s %8s %8s %6.2fx  (a lesson with one step and nothing else)\n' shape "$m" "$f" \
    "$(awk -v a="$m" -v b="$f" 'BEGIN { printf "%.2f", a / b }')"
worst=0
for n in "${lessons[@]}"; do
    lib=$(echo exercises/lesson"$n"-*/src/lib.rs)
    ours=(); base=()
    for _ in $(seq "$runs"); do
        ours+=("$(timed "$lib" cargo test -q -p "lesson$n")")
        base+=("$(timed "$floor/src/lib.rs" cargo test -q --manifest-path "$floor/Cargo.toml")")
    done
    m=$(printf '%s\n' "${ours[@]}" | median)
    f=$(printf '%s\n' "${base[@]}" | median)
    r=$(awk -v a="$m" -v b="$f" 'BEGIN { printf "%.2f", a / b }')
    printf 'lesson%s %8s %8s %6.2fx\n' "$n" "$m" "$f" "$r"
    worst=$(awk -v a="$r" -v b="$worst" 'BEGIN { print (a > b) ? a : b }')
done
printf 'worst ratio: %.2fx (target: at most 2.50x)\n' "$worst"
