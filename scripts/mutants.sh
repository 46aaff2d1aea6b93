#!/usr/bin/env bash
# How strong each lesson's steps are: cargo-mutants changes the reference
# solution one small way at a time (a `<` for a `<=`, a body replaced by a
# default value, ...) and runs the lesson's tests against each mutant. A
# mutant the tests do not catch is a mistake a learner could make and still
# get full points. A maintainer's script, not CI: it takes minutes a lesson.
#
#   scripts/mutants.sh [--missed] [LESSON...]   (default: every lesson; e.g. 01 05)
#
# Prints a table: viable mutants, caught, missed, timed out, and the share
# caught (the course's target: at least 90% in every lesson). Mutants in
# what the stub already gives the learner are excluded: the `Display` impls
# (messages, not behaviour) and the constants it states word for word; and
# a few a test on Linux loopback cannot observe, each excluded below with
# the reason. Each lesson's full report stays in
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

# --missed: test again only the mutants the last full run of each lesson
# missed (target/mutants/lessonNN/mutants.out/missed.txt, matched by what
# they change, not by line, so edits above them do not matter): the quick
# check after a fix. The report goes to target/mutants/lessonNN-missed/;
# the table then counts those mutants alone.
only_missed=false
if [ "${1:-}" = --missed ]; then
    only_missed=true
    shift
fi

lessons=("$@")
if [ ${#lessons[@]} -eq 0 ]; then
    for dir in solutions/lesson*/; do
        n=${dir#solutions/lesson}; lessons+=("${n%%-*}")
    done
fi

# Lesson 03: mutants that are the stub's own code or that no test can tell
# from the solution on Linux loopback. Each regex names lesson03's file, so
# it matches no other lesson's mutants.
lesson03_excludes=(
    # MAX_REPLY = MAX_NAME + GREETING_OVERHEAD: the stub gives this constant
    # as it is (the only `+` outside a function in lesson03's lib).
    --exclude-re 'lesson03-udp-echo/src/lib\.rs:[0-9]+:[0-9]+: replace \+ with [-*]$'
    # recv_datagram retrying Interrupted: a receive fails with EINTR only
    # when a signal lands while it blocks, which a test cannot arrange
    # without signal handlers in the test process.
    --exclude-re 'lesson03-udp-echo/.*ErrorKind::Interrupted with false in recv_datagram$'
    # is_message_too_long is `cfg!(windows) && ...` (WSAEMSGSIZE): false on
    # Linux and macOS, where an oversized datagram is truncated instead, so
    # making it false is no change there (step04 checks it on Windows).
    --exclude-re 'lesson03-udp-echo/.*(is_message_too_long.* with false.*|in is_message_too_long)$'
    # bind_both's AddrInUse retry: it matters only when the kernel's free TCP
    # port is taken for UDP; the kernel picks that port at random among
    # ~28,000, and forcing a collision would mean holding most of the
    # ephemeral range, starving the tests alongside. Retrying another error
    # as well returns the same error, 15 binds later.
    --exclude-re 'lesson03-udp-echo/.*(ErrorKind::AddrInUse with (true|false)|replace == with !=) in bind_both$'
)
# Lesson 09: mutants that change nothing a test, or the stub's contract, can
# tell apart. Each regex names lesson09's file.
lesson09_excludes=(
    # parse_ipv4's `n = (n << 8) | octet`: the shift leaves the low 8 bits
    # zero and an octet is below 256, so `^` (or `+`) gives the same number
    # for every input.
    --exclude-re 'lesson09-addresses-and-names/src/lib\.rs:[0-9]+:[0-9]+: replace \| with \^ in parse_ipv4$'
    # UnixServer::bind treating every failed look at the path (not only
    # NotFound) as "nothing there": UnixListener::bind then fails on the same
    # path for the same reason (a file where a directory should be, a loop of
    # links, a name too long) and nothing is removed, so the caller gets an
    # error either way; the contract names no kind for these.
    --exclude-re 'lesson09-addresses-and-names/.*ErrorKind::NotFound with true in UnixServer::bind$'
    # echo retrying Interrupted: a read fails with EINTR only when a signal
    # lands while it blocks, which a test cannot arrange without signal
    # handlers in the test process.
    --exclude-re 'lesson09-addresses-and-names/.*ErrorKind::Interrupted with false in echo$'
)
# Names as `cargo mutants --list` prints them (file:line:column: what).
excluded=(
    # Messages, not behaviour; the stub gives them (the hand-written Debug
    # impls of lessons 04 and 06 too: a reader or server shown in a test's
    # failure message).
    'impl .*(Display|Debug) for'
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

# Lesson 07: mutants that are the stub's own code or that no test can tell
# from the solution on Linux loopback. Each regex names lesson07's file, so
# it matches no other lesson's mutants.
# Lesson 04: the size of MessageReader's reads. Any size gives the same
# messages (the steps cut the stream every way); the stub leaves the size
# to the learner, so 1032 bytes instead of 8 KiB is no mistake. (The lib's
# other `*`s outside functions are the stub's own constants, MAX_MESSAGE and
# DRAIN_LIMIT, which the script skips anyway.)
lesson04_excludes=(
    --exclude-re 'lesson04-sticky-packets/src/lib\.rs:[0-9]+:[0-9]+: replace \* with \+$'
)

# Lesson 04: MessageReader::compact moves the pending bytes to the front
# before a read; without it (or with its `start > 0` changed) every message
# and error comes out the same, only the buffer keeps what was already
# returned. A step could see that only by counting the test process's
# allocations; the stub leaves the buffer's layout to the learner.
lesson04_excludes+=(
    --exclude-re 'lesson04-sticky-packets/.* in MessageReader<R>::compact$'
    --exclude-re 'lesson04-sticky-packets/.*: replace MessageReader<R>::compact with \(\)$'
    # The drain's byte count stopping one read later (`<=`): what the
    # sockets' buffers hold blurs the exact count by megabytes (step 19
    # checks the limit itself, against a 64 MiB flood).
    --exclude-re 'lesson04-sticky-packets/.*: replace < with <= in close_gracefully$'
    # The drain retrying errors other than Interrupted: on Linux the read
    # after a reset finds EOF, and a timed-out read is followed by the
    # deadline's own check, so the drain ends the same way; Interrupted
    # itself needs a signal.
    --exclude-re 'lesson04-sticky-packets/.*(ErrorKind::Interrupted with (true|false)|replace == with !=) in close_gracefully$'
    # An idle client's WouldBlock returned as it is instead of TimedOut:
    # seen only after IDLE_TIMEOUT (60 s), and the stub says "that timeout
    # error", either kind. (Mapping every error to TimedOut is caught.)
    --exclude-re 'lesson04-sticky-packets/.*ErrorKind::WouldBlock with false in handle_client$'
)

# Lesson 06: the UDP server taking every receive error for a poll that
# found nothing. An unconnected UDP socket's receive fails only by its
# timeout or a signal on Linux (ICMP errors reach a connected socket only),
# so there is no other error for a test to cause. (The TCP servers' accept
# has one: a listening socket shut down under it, which step 12 uses.)
lesson06_excludes=(
    --exclude-re 'lesson06-socketserver/.*: replace match guard is_transient\(&e\) with true in UdpServer::serve_one$'
)

# Lesson 10: the retries of a read or write interrupted by a signal. These
# functions take a TcpStream, not any reader, so no test reader can fail
# with Interrupted; a real one fails so only when a signal lands while it
# blocks, which a test cannot arrange without signal handlers in the test
# process. (Lessons 01 and 04, whose readers are generic, test theirs.)
lesson10_excludes=(
    --exclude-re 'lesson10-socket-options/.*ErrorKind::Interrupted with false in (Conn::read_once|write_all_timeout|read_to_end_limited)$'
    # The readiness loop reading once more at exactly MAX_PENDING bytes
    # held (`<=`): the client's bytes and echoes are the same, the server
    # holds one buffer more; no test sees the server's memory.
    --exclude-re 'lesson10-socket-options/.*: replace < with <= in Client::turn$'
    # The readiness loop taking a read or write error for "try later": on
    # Linux the read after a reset finds EOF, which ends the client as the
    # error would; a write that keeps failing keeps only a dead client's
    # socket open until the server stops. Every live client is served the
    # same; the lost descriptor is not visible from a test.
    --exclude-re 'lesson10-socket-options/.*: replace match guard is_retry\(&e\) with true in Client::turn$'
    --exclude-re 'lesson10-socket-options/.*: replace is_retry -> bool with true$'
    # The readiness loop's accept returning Interrupted, ConnectionAborted
    # or ConnectionReset as errors: Linux's accept returns a connection its
    # client already reset (the reads then fail), and Interrupted needs a
    # signal, so a test meets none of the three. (Taking every accept error
    # for one of them is caught: step 10 breaks the listener.)
    --exclude-re 'lesson10-socket-options/.*: replace match guard matches!\(.*ConnectionReset ?\) with false in serve_nonblocking$'
)

lesson07_excludes=(
    # TransferError's `Error::source` impl: the stub gives it as it is.
    --exclude-re 'lesson07-file-transfer/src/lib\.rs:.*<impl std::error::Error for TransferError>::source'
    # to_hex: the stub gives it as it is, and only the Display impl (already
    # excluded above: messages, not behaviour) calls it.
    --exclude-re 'lesson07-file-transfer/src/lib\.rs:[0-9]+:[0-9]+: replace to_hex -> String with '
    # copy_hashed retrying Interrupted: over a socket a read fails with EINTR
    # only when a signal lands while it blocks, which a test cannot arrange
    # without signal handlers in the test process. A test's own reader could
    # return Interrupted, but the stub's contract for send_stream and
    # receive_stream does not ask for the retry (read_exact and io::copy
    # retry by themselves), so no step may require it.
    --exclude-re 'lesson07-file-transfer/.*ErrorKind::Interrupted with false in copy_hashed$'
)

# Lesson 11: mutants that are the stub's own code or that no test can tell
# from the solution. Each regex names lesson11's file, so it matches no
# other lesson's mutants.
lesson11_excludes=(
    # Header::encode and MessageError's From<io::Error>: the stub gives
    # them as they are.
    --exclude-re 'lesson11-async-server/src/lib\.rs:[0-9]+:[0-9]+: replace (Header::encode|<impl From<io::Error> for MessageError>::from) -> '
    # decode's InvalidData guards replaced with true (every error of the
    # inner codec taken as NotText for lines, TooLong for frames): the inner
    # decode has no other error to give. LinesCodec::decode's only Io error
    # is its UTF-8 check (InvalidData); LengthDelimitedCodec::decode's is its
    # length check (InvalidData), its other one (InvalidInput) needing a
    # length_adjustment the codec TextCodec::new builds does not have. The
    # Io error for bytes left at EOF comes from the trait's decode_eof
    # through From<io::Error>, past these guards; a socket's error, from
    # Framed the same way.
    --exclude-re 'lesson11-async-server/src/lib\.rs:[0-9]+:[0-9]+: replace match guard e\.kind\(\) == io::ErrorKind::InvalidData with true in <impl Decoder for TextCodec>::decode$'
    # encode's dst.reserve(head.len() + text.len()) as head.len() *
    # text.len(): reserve only sizes the buffer ahead (put_slice grows it
    # anyway), and the stub's contract does not ask for it; the bytes
    # written are the same.
    --exclude-re 'lesson11-async-server/src/lib\.rs:[0-9]+:[0-9]+: replace \+ with \* in <impl Encoder<String> for TextCodec>::encode$'
    # tally's is_cancelled guard replaced with true (a panicked task counted
    # as aborted): a JoinError is a cancellation or a panic, and nothing a
    # test controls (what clients send, the Config, the shutdown future)
    # makes the solution's conversation panic. A cancelled task is counted
    # (step 13 aborts one); so is an i/o failure, in the arm panics share.
    --exclude-re 'lesson11-async-server/src/lib\.rs:[0-9]+:[0-9]+: replace match guard e\.is_cancelled\(\) with true in tally$'
)

# Lesson 13: mutants that are the stub's own code or that no test can tell
# from the solution on Linux loopback. Each regex names lesson13's file, so
# it matches no other lesson's mutants.
lesson13_excludes=(
    # After the FIN: a repeated DATA answered `ACK n` (the rule for any
    # DATA) instead of `ACK n + 1`, or a FIN with another number answered
    # at all. The stub's contract allows either answer, and a sender whose
    # FIN was acknowledged sends neither.
    --exclude-re 'lesson13-reliable-udp/.*: replace match guard !finished with true in recv_reliable$'
    # An early DATA's `packet.seq > expected` as `>=`: equal was taken by
    # the branch before (`packet.seq == expected`), so nothing changes.
    --exclude-re 'lesson13-reliable-udp/.*: replace > with >= in recv_reliable$'
    # TransferError's `Error::source` impl: the stub gives it as it is.
    --exclude-re 'lesson13-reliable-udp/src/lib\.rs:.*<impl std::error::Error for TransferError>::source'
    # MAX_DATAGRAM = HEADER_LEN + MAX_PAYLOAD as HEADER_LEN * MAX_PAYLOAD:
    # the receive buffer (MAX_DATAGRAM + 1 bytes) grows from 1,032 to 7,169
    # bytes. Anything longer than 1,031 bytes is malformed, and still is
    # when cut to 7,169: no datagram decodes differently.
    --exclude-re 'lesson13-reliable-udp/src/lib\.rs:[0-9]+:[0-9]+: replace \+ with \*$'
    # packets' `n < u32::MAX` as `n <= u32::MAX`: the boundary is data of
    # more than (2^32 - 2) x 1024 bytes, four terabytes, which no test can
    # hand to send_reliable (and the mutant would then try to build four
    # billion packets).
    --exclude-re 'lesson13-reliable-udp/src/lib\.rs:[0-9]+:[0-9]+: replace < with <= in packets$'
    # recv_until skipping Interrupted, ConnectionRefused and
    # ConnectionReset (the guard replaced with false: they end the transfer
    # as Io). Interrupted needs a signal landing during the receive;
    # ConnectionReset is what Windows reports for an ICMP "port
    # unreachable"; Linux reports ConnectionRefused only on a connected
    # socket, and there the pending error surfaces on whichever call comes
    # first, recv_from or the next send_to, depending on when the kernel
    # handles the ICMP message: no verdict could be load-independent.
    --exclude-re 'lesson13-reliable-udp/src/lib\.rs:[0-9]+:[0-9]+: replace match guard matches!\(.*ConnectionRefused.*\) with false in recv_until$'
)

printf '%-9s %7s %7s %7s %8s %7s\n' lesson viable caught missed timeout caught%
for n in "${lessons[@]}"; do
    out=target/mutants/lesson$n
    only=()
    if $only_missed; then
        missed=$out/mutants.out/missed.txt
        if [ ! -s "$missed" ]; then
            echo "lesson$n: no mutants missed by the last full run ($missed)" >&2
            continue
        fi
        while read -r re; do
            only+=(--re "$re")
        done < <(python3 -c '
import re, sys
for line in open(sys.argv[1]):
    what = re.sub(r"^\S+:\d+:\d+: ", "", line.strip())
    if what:
        print(re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", what) + "$")
' "$missed")
        out=target/mutants/lesson$n-missed
    fi
    mkdir -p "$out"
    # The constants the stub already gives the learner, word for word
    # (`pub const MAX_LINE: usize = 64 * 1024;`): not the learner's code.
    # A constant of the solution's own stays in.
    given=()
    solution=$(echo solutions/lesson"$n"-*/src/lib.rs)
    stub=$(echo exercises/lesson"$n"-*/src/lib.rs)
    while IFS=: read -r line text; do
        if grep -qxF -- "$text" "$stub"; then
            given+=(--exclude-re "lesson$n-[^/]*/src/lib\.rs:$line:[0-9]+: ")
        fi
    done < <(grep -nE '^\s*(pub )?const [A-Z_0-9]+:' "$solution")
    # Likewise the functions the stub gives whole (accessors such as
    # `max_len()`, an `Iterator` impl's `next` that calls the learner's
    # method): each solution `fn` whose text, from its line to its closing
    # brace, stands in the stub unchanged.
    while read -r line; do
        given+=(--exclude-re "lesson$n-[^/]*/src/lib\.rs:$line:[0-9]+: ")
    done < <(python3 - "$solution" "$stub" <<'PY'
import re, sys
solution = open(sys.argv[1]).read().split("\n")
stub = re.sub(r"\s+", " ", open(sys.argv[2]).read())
for i, line in enumerate(solution):
    if not re.match(r"\s*(pub(\([a-z]+\))? )?fn \w+", line) or "{" not in line:
        continue
    depth, end = 0, None
    for j in range(i, len(solution)):
        depth += solution[j].count("{") - solution[j].count("}")
        if depth == 0:
            end = j
            break
    body = re.sub(r"\s+", " ", "\n".join(solution[i:end + 1]))
    if end is not None and body in stub:
        for k in range(i, end + 1):
            print(k + 1)
PY
)
    # --in-place: the workspace's warm build, restored after each mutant.
    cargo mutants --in-place --no-shuffle \
        --package "lesson$n-solution" \
        "${exclude_args[@]}" \
        --timeout-multiplier 3 \
        "${lesson03_excludes[@]}" \
        "${lesson04_excludes[@]}" \
        "${lesson06_excludes[@]}" \
        "${lesson10_excludes[@]}" \
        "${lesson07_excludes[@]}" \
        "${lesson11_excludes[@]}" \
        "${lesson09_excludes[@]}" \
        "${lesson13_excludes[@]}" \
        "${given[@]}" \
        "${only[@]}" \
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
