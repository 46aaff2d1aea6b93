#!/usr/bin/env bash
# Benchmark: what an idle client costs a thread-per-client server and an
# async one.
#
# Holds N idle connections open (each greeted once, then silent) against
# lesson 02's thread-per-client `echo_server` and lesson 11's
# `async_echo_server`, one after the other, and prints each server's
# resident memory (VmRSS in /proc/PID/status) and thread count, before the
# clients came and while they are connected, with the cost per connection
# and the ratio between the two servers.
#
#   exercises/lesson11-async-server/bench/idle_connections.sh [N]   (default 10000)
#
# Linux only (it reads /proc). N is capped by the open-file limit (each
# process holds N sockets): the script raises its soft limit to the hard
# one first, and says so when it must lower N. Everything runs on
# 127.0.0.1 and stops by itself.
set -euo pipefail

N=${1:-10000}
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"

if [ ! -r /proc/self/status ]; then
    echo "idle_connections: needs Linux's /proc to read a process's memory" >&2
    exit 1
fi

# Raise the soft limit on open files as far as the hard limit allows.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
soft=$(ulimit -n)
if [ "$soft" != unlimited ] && [ "$N" -gt $((soft - 100)) ]; then
    echo "the open-file limit is $soft (hard limit $(ulimit -Hn)): N lowered from $N to $((soft - 100))"
    N=$((soft - 100))
fi
# One client address to one server port: the ephemeral ports bound N too.
read -r low high < /proc/sys/net/ipv4/ip_local_port_range
if [ "$N" -gt $((high - low - 1000)) ]; then
    echo "the ephemeral port range is $low-$high: N lowered from $N to $((high - low - 1000))"
    N=$((high - low - 1000))
fi

echo "building the servers (release)..."
cargo build -q --release -p lesson02-solution --example echo_server
cargo build -q --release -p lesson11-solution --example async_echo_server --example idle_clients
bin=$root/target/release/examples

tmp=$(mktemp -d)
mkfifo "$tmp/stdin"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# field PID NAME: a number from /proc/PID/status (VmRSS in kB, Threads).
field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# The kernel stacks of every thread on the machine, in kB: a thread's kernel
# stack is not in its process's RSS. Other programs' threads come and go
# too, so this is a rough figure.
kstack() { awk '$1 == "KernelStack:" { print $2 }' /proc/meminfo; }

# measure LABEL COMMAND...: starts the server, measures it idle, holds N
# clients, measures again, prints a row.
measure() {
    local label=$1
    shift
    local log=$tmp/server.log out=$tmp/clients.log
    : > "$log"
    : > "$out"
    # The servers read standard input (lesson 11's: Enter shuts it down):
    # give them a pipe that stays open and silent (opened for reading and
    # writing, so it never reaches EOF).
    "$@" 0<> "$tmp/stdin" 2> "$log" &
    local server=$!
    pids+=("$server")
    local addr=""
    for _ in $(seq 100); do
        addr=$(grep -o '127\.0\.0\.1:[0-9]*' "$log" | head -n1 || true)
        [ -n "$addr" ] && break
        sleep 0.1
    done
    if [ -z "$addr" ]; then
        echo "$label: the server did not start:" >&2
        cat "$log" >&2
        exit 1
    fi
    local pid=$server
    sleep 0.5
    local rss0 threads0
    rss0=$(field "$pid" VmRSS)
    threads0=$(field "$pid" Threads)
    local kstack0
    kstack0=$(kstack)
    "$bin/idle_clients" "$addr" "$N" 600 > "$out" &
    local clients=$!
    pids+=("$clients")
    # Connecting thousands of clients to a server that starts a thread for
    # each takes a while on a busy machine: wait while the client lives.
    for _ in $(seq 6000); do
        grep -q '^holding' "$out" && break
        kill -0 "$clients" 2>/dev/null || break
        sleep 0.1
    done
    local held
    held=$(awk '/^holding/ { print $2 }' "$out")
    if [ -z "$held" ]; then
        echo "$label: the clients did not all connect within 10 minutes:" >&2
        cat "$out" >&2
        exit 1
    fi
    sleep 1
    local rss threads
    rss=$(field "$pid" VmRSS)
    threads=$(field "$pid" Threads)
    local kstack1
    kstack1=$(kstack)
    kill "$clients" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
    wait "$clients" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    printf '%-28s %8s %8s %10.1f\n' "$label" 0 "$threads0" \
        "$(echo "$rss0" | awk '{ print $1 / 1024 }')"
    printf '%-28s %8s %8s %10.1f %10.1f %11.2f %12.1f\n' "$label" "$held" "$threads" \
        "$(echo "$rss" | awk '{ print $1 / 1024 }')" \
        "$(echo "$rss $rss0" | awk '{ print ($1 - $2) / 1024 }')" \
        "$(echo "$rss $rss0 $held" | awk '{ print ($1 - $2) / ($3 > 0 ? $3 : 1) }')" \
        "$(echo "$kstack1 $kstack0" | awk '{ print ($1 - $2) / 1024 }')"
    echo "$held $threads $rss $rss0 $kstack1 $kstack0" >> "$tmp/rows"
}

echo "holding $N idle connections against each server (127.0.0.1)"
printf '%-28s %8s %8s %10s %10s %11s %12s\n' server clients threads "RSS MiB" "+RSS MiB" "KiB/client" "+kstack MiB"
measure "lesson02 thread per client" "$bin/echo_server" 127.0.0.1:0 threads
measure "lesson11 tokio tasks" "$bin/async_echo_server" 127.0.0.1:0 lines "$((N + 16))"

awk '{ per[NR] = ($3 - $4) / ($1 > 0 ? $1 : 1); kernel[NR] = ($5 - $6) / ($1 > 0 ? $1 : 1); threads[NR] = $2 }
     END {
         if (per[2] > 0)
             printf "per idle client: %.1f KiB resident + %.1f KiB of kernel stack with a thread each, %.1f KiB + %.1f KiB with tasks (%.1f times the memory; %d threads against %d)\n", per[1], kernel[1], per[2], kernel[2], (per[1] + kernel[1]) / (per[2] + (kernel[2] > 0 ? kernel[2] : 0)), threads[1], threads[2]
     }' "$tmp/rows"
