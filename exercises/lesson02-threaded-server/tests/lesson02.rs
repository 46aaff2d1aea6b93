//! Lesson 02's graded steps: a threaded TCP server.
//!
//! Each `stepNN_...` test is one step of `lesson.toml`, simplest first.
//! Pure functions run under a deadline; servers run on their own thread,
//! their panics are caught and reported, and every client the tests play
//! has read and write timeouts, so a wrong server fails its step in seconds.

use std::io::{self, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use chrono::{Local, NaiveDate, NaiveDateTime};
use lesson02::*;
use rstest::rstest;
use testkit::chunking::ChunkedReader;
use testkit::cpu::ThreadClock;
use testkit::relay::Route;
use testkit::step::{catch_quietly, panic_text};
use testkit::{Chunking, LineClient, Server, assert_bytes_eq, escape, explain, net, step, within};

const LESSON: &str = include_str!("../lesson.toml");
const LIMIT: Duration = testkit::DEFAULT_LIMIT;
/// How long a test listens to be sure that nothing arrives.
const QUIET: Duration = Duration::from_millis(300);
/// How long a server may take to return after `shutdown()` (the task says
/// about `POLL_INTERVAL`; the rest is room for a loaded machine).
const STOP_LIMIT: Duration = Duration::from_secs(2);

/// A learner's server on a loopback port 0, told `shutdown()` when it is
/// stopped or its step ends.
fn start(
    what: &str,
    serve: impl FnOnce(TcpListener, &ShutdownHandle) -> io::Result<()> + Send + 'static,
) -> Server<io::Result<()>> {
    let shutdown = ShutdownHandle::new();
    let handle = shutdown.clone();
    Server::tcp(what, move |listener| serve(listener, &handle))
        .stopped_by("shutdown()", move || shutdown.shutdown())
}

fn greetings(concurrency: Concurrency) -> Server<io::Result<()>> {
    let what = format!("serve_greetings(.., Concurrency::{concurrency:?}, ..)");
    start(&what, move |listener, shutdown| {
        serve_greetings(listener, concurrency, shutdown)
    })
}

/// A whole polite conversation: greeting, one name, `exit`.
#[track_caller]
fn converse(client: &mut LineClient, name: &str) {
    client.expect(GREETING.as_bytes());
    converse_more(client, name);
}

/// The rest of a polite conversation, after the greeting: one name, `exit`.
#[track_caller]
fn converse_more(client: &mut LineClient, name: &str) {
    client.send(format!("{name}\n").as_bytes());
    client.expect(format!("Hello, {name}!\n").as_bytes());
    client.send(b"exit\n");
    client.expect_closed();
}

// ---------------------------------------------------------------------------
// Pure functions
// ---------------------------------------------------------------------------

fn at(date: (i32, u32, u32), time: (u32, u32, u32), nano: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(date.0, date.1, date.2)
        .and_then(|d| d.and_hms_nano_opt(time.0, time.1, time.2, nano))
        .expect("a valid date and time")
}

#[rstest]
#[case::with_microseconds(at((2026, 11, 21), (10, 15, 42), 123_456_000), "2026-11-21 10:15:42.123456")]
#[case::small_fraction(at((2026, 1, 2), (3, 4, 5), 6_000), "2026-01-02 03:04:05.000006")]
#[case::whole_second(at((2026, 11, 21), (10, 15, 42), 0), "2026-11-21 10:15:42")]
#[case::below_a_microsecond(at((1999, 12, 31), (23, 59, 59), 999), "1999-12-31 23:59:59")]
#[case::nanoseconds_are_cut(at((2000, 2, 29), (0, 0, 0), 999_999_999), "2000-02-29 00:00:00.999999")]
#[case::early_year(at((987, 6, 5), (4, 3, 2), 100_000_000), "0987-06-05 04:03:02.100000")]
fn step01_formats_time_like_python(#[case] t: NaiveDateTime, #[case] python: &str) {
    let _step = step!(LESSON);
    let got = within(LIMIT, "format_time", move || format_time(t));
    assert_bytes_eq(
        &format!("format_time({t:?}) against Python's str(datetime)"),
        python.as_bytes(),
        got.as_bytes(),
    );
}

#[rstest]
#[case::name(b"Michael".as_slice(), Some("Hello, Michael!\n"))]
#[case::with_spaces(b"Tracy Lee".as_slice(), Some("Hello, Tracy Lee!\n"))]
#[case::empty(b"".as_slice(), Some("Hello, !\n"))]
#[case::unicode("张三".as_bytes(), Some("Hello, 张三!\n"))]
#[case::not_utf8(b"caf\xe9".as_slice(), Some("Hello, caf\u{fffd}!\n"))]
#[case::exit(b"exit".as_slice(), None)]
#[case::exit_with_space(b"exit ".as_slice(), Some("Hello, exit !\n"))]
#[case::exit_in_capitals(b"EXIT".as_slice(), Some("Hello, EXIT!\n"))]
fn step02_replies_hello_or_closes(#[case] line: &[u8], #[case] expected: Option<&str>) {
    let _step = step!(LESSON);
    let input = line.to_vec();
    let got = within(LIMIT, "reply", move || reply(&input));
    let want = match expected {
        Some(text) => Reply::Send(text.to_owned()),
        None => Reply::Close,
    };
    assert_eq!(got, want, "reply(b\"{}\")", escape(line));
}

/// The lines every line-reading step sends, and what `read_line` returns
/// for each.
const LINES: &[u8] = b"Michael\nTracy\r\n\nSarah Connor\n\xe5\xbc\xa0\xe4\xb8\x89\r\n";
const EXPECTED_LINES: &[&[u8]] = &[
    b"Michael",
    b"Tracy",
    b"",
    b"Sarah Connor",
    b"\xe5\xbc\xa0\xe4\xb8\x89",
];

#[rstest]
#[case::merged(Chunking::Whole)]
#[case::one_byte(Chunking::Fixed(1))]
#[case::three_bytes(Chunking::Fixed(3))]
#[case::random(Chunking::Random { seed: 0, max: 9 })]
fn step03_reads_lines_however_split(#[case] chunking: Chunking) {
    let step = step!(LESSON);
    let chunking = chunking.seeded(&step);
    let got = within(LIMIT, "read_line", move || {
        let mut reader = BufReader::with_capacity(4, ChunkedReader::new(LINES, chunking));
        let mut lines = Vec::new();
        // One more call than there are lines: the last must see EOF.
        for _ in 0..=EXPECTED_LINES.len() {
            match read_line(&mut reader, MAX_LINE) {
                Ok(Some(line)) => lines.push(line),
                Ok(None) => return Ok(lines),
                Err(e) => return Err((lines, e.to_string())),
            }
        }
        Err((lines, "no Ok(None) after the last line".to_owned()))
    });
    let sent = escape(LINES);
    match got {
        Ok(lines) => {
            let shown: Vec<String> = lines.iter().map(|l| escape(l)).collect();
            assert_eq!(
                lines.len(),
                EXPECTED_LINES.len(),
                "read_line over \"{sent}\" ({chunking}) until Ok(None): got lines {shown:?}"
            );
            for (i, (want, line)) in EXPECTED_LINES.iter().zip(&lines).enumerate() {
                assert_bytes_eq(
                    &format!(
                        "line {} of \"{sent}\" ({chunking}), without \\n or \\r\\n",
                        i + 1
                    ),
                    want,
                    line,
                );
            }
        }
        Err((lines, e)) => {
            let shown: Vec<String> = lines.iter().map(|l| escape(l)).collect();
            panic!(
                "read_line over \"{sent}\" ({chunking}) failed after the lines {shown:?}: {e}\n\
                 (after the last \\n the stream ends: that must be Ok(None))"
            )
        }
    }
}

// ---------------------------------------------------------------------------
// bind, listen, accept
// ---------------------------------------------------------------------------

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Connects to `listener`, accepts, and checks that bytes cross.
fn check_listening(listener: &TcpListener, what: &str) {
    let addr = listener.local_addr().expect("the listener's address");
    let mut client = net::connect(addr, LIMIT);
    listener
        .set_nonblocking(false)
        .expect("set the listener blocking");
    let (mut server_side, _) = listener
        .accept()
        .unwrap_or_else(|e| panic!("{what}: accept failed: {}", explain::io_error(&e, LIMIT)));
    if let Err(e) = client.write_all(b"ping") {
        panic!(
            "{what}: a client could not send: {}",
            explain::io_error(&e, LIMIT)
        );
    }
    let mut got = [0u8; 4];
    net::set_timeouts(&server_side, LIMIT);
    server_side.read_exact(&mut got).unwrap_or_else(|e| {
        panic!(
            "{what}: reading what a client sent failed: {}",
            explain::io_error(&e, LIMIT)
        )
    });
    assert_bytes_eq(&format!("{what}: the bytes a client sent"), b"ping", &got);
}

#[test]
fn step04_binds_and_listens() {
    let _step = step!(LESSON);
    let got = within(LIMIT, "bind(127.0.0.1:0, 5)", || bind(loopback(0), 5));
    let listener = got.unwrap_or_else(|e| panic!("bind(127.0.0.1:0, 5) failed: {e}"));
    let local = listener.local_addr().expect("the listener's address");
    assert!(
        local.ip().is_loopback() && local.port() != 0,
        "bind(127.0.0.1:0, 5) should listen on 127.0.0.1 with a port the kernel chose; it is on {local}"
    );
    check_listening(&listener, &format!("the listener on {local}"));
    // IPv6, where this machine has it: the address's family picks the socket's.
    if net::ipv6_available() {
        let v6: SocketAddr = "[::1]:0".parse().expect("an IPv6 address");
        let got = within(LIMIT, "bind([::1]:0, 5)", move || bind(v6, 5));
        let listener = got.unwrap_or_else(|e| {
            panic!(
                "bind([::1]:0, 5) failed: {e} (create the socket with Domain::for_address(addr))"
            )
        });
        check_listening(&listener, "the listener on [::1]");
    } else {
        eprintln!("no IPv6 loopback here: the [::1] half of this step is skipped");
    }
}

#[test]
fn step05_port_in_use_is_an_error() {
    let _step = step!(LESSON);
    let (_holder, taken) = net::listener();
    let got = within(LIMIT, "bind on a port in use", move || bind(taken, 5));
    match got {
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => {}
        Err(e) => panic!(
            "bind({taken}) while another socket listens there: expected an error of kind AddrInUse, got {:?}: {e}",
            e.kind()
        ),
        Ok(listener) => panic!(
            "bind({taken}) succeeded while another socket listens on that port (now {:?}): \
             two listeners on one port must be refused",
            listener.local_addr()
        ),
    }
}

#[test]
fn step06_rebinds_while_old_connections_wait() {
    let _step = step!(LESSON);
    let got = within(LIMIT, "bind(127.0.0.1:0, 5)", || bind(loopback(0), 5));
    let listener = got.unwrap_or_else(|e| panic!("bind(127.0.0.1:0, 5) failed: {e}"));
    let port = listener
        .local_addr()
        .expect("the listener's address")
        .port();
    // A connection that the server closes first: the server's side of it
    // then waits in TIME_WAIT, holding the port.
    let mut client = net::connect(loopback(port), LIMIT);
    let (server_side, _) = listener.accept().expect("accept the client");
    drop(server_side);
    let mut rest = Vec::new();
    let _ = client.read_to_end(&mut rest);
    drop(client);
    drop(listener);
    thread::sleep(Duration::from_millis(50));
    let plain =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("a socket");
    let blocked = plain.bind(&loopback(port).into()).is_err();
    drop(plain);
    let got = within(LIMIT, "bind again on the same port", move || {
        bind(loopback(port), 5)
    });
    let again = got.unwrap_or_else(|e| {
        let seen = if blocked {
            " (a socket without SO_REUSEADDR could not bind there either: the old connection is in TIME_WAIT)"
        } else {
            ""
        };
        panic!(
            "a server on port {port} closed a connection, then closed; bind(127.0.0.1:{port}) \
             right after failed: {e}{seen}"
        )
    });
    check_listening(&again, &format!("the listener bound again on port {port}"));
}

#[test]
fn step07_accept_loop_tells_clients_apart() {
    let _step = step!(LESSON);
    let (tx, rx) = mpsc::channel::<(TcpStream, SocketAddr)>();
    let shutdown = ShutdownHandle::new();
    let handle = shutdown.clone();
    let server = Server::tcp("accept_loop", move |listener| {
        accept_loop(&listener, &handle, move |stream, peer| {
            let _ = tx.send((stream, peer));
        })
    })
    .stopped_by(
        "shutdown() (look at the flag between accepts: a blocking accept never returns without \
         a client)",
        move || shutdown.shutdown(),
    );
    for n in 1..=3u8 {
        let mut client = server.client(&format!("client {n}"));
        let client_addr = client.local_addr();
        let (mut accepted, peer) = match rx.recv_timeout(LIMIT) {
            Ok(pair) => pair,
            Err(mpsc::RecvTimeoutError::Timeout) => client.fail(format!(
                "connected from {client_addr}, but accept_loop did not call on_client within {} s",
                LIMIT.as_secs()
            )),
            Err(mpsc::RecvTimeoutError::Disconnected) => client.fail(format!(
                "connected from {client_addr}, but accept_loop dropped on_client without calling it"
            )),
        };
        assert_eq!(
            peer, client_addr,
            "on_client's address must be the client's own (its IP and port): the four values \
             (client IP, client port, server IP, server port) name a connection"
        );
        let note = format!("you are {client_addr}\n");
        net::set_timeouts(&accepted, LIMIT);
        if let Err(e) = accepted.write_all(note.as_bytes()) {
            panic!("writing to the stream accept_loop passed for client {n} failed: {e}");
        }
        client.note("the test writes to the stream that on_client received");
        client.expect(note.as_bytes());
    }
    server.stop_ok(STOP_LIMIT);
}

// ---------------------------------------------------------------------------
// The time server
// ---------------------------------------------------------------------------

/// Parses Python's `str(datetime)`: `YYYY-MM-DD HH:MM:SS[.ffffff]`.
fn parse_python_time(text: &str) -> Option<NaiveDateTime> {
    let format = match text.len() {
        19 => "%Y-%m-%d %H:%M:%S",
        26 => "%Y-%m-%d %H:%M:%S%.6f",
        _ => return None,
    };
    NaiveDateTime::parse_from_str(text, format).ok()
}

#[rstest]
#[case::direct(None)]
#[case::one_byte(Some(Chunking::Fixed(1)))]
#[case::random(Some(Chunking::Random { seed: 0, max: 5 }))]
fn step08_time_server_sends_the_time_and_closes(#[case] chunking: Option<Chunking>) {
    let step = step!(LESSON);
    let server = start("serve_time", serve_time);
    let route = Route::to(server.addr(), chunking.map(|c| c.seeded(&step)));
    for n in 1..=3 {
        let mut client = server.client_via(route.addr, &format!("time client {n} ({})", route.how));
        let (got, error) = client.read_to_end(1024);
        if error.is_some() {
            client.fail(
                "the server must close the connection after sending the time: EOF is how the \
                 client knows it has everything",
            );
        }
        let text = String::from_utf8_lossy(&got);
        let Some(time) = parse_python_time(&text) else {
            client.fail(
                "expected the local time as Python's str(datetime.now()) writes it, like \
                 \"2026-11-21 10:15:42.123456\"",
            )
        };
        let now = Local::now().naive_local();
        let off = (now - time).num_seconds().abs();
        assert!(
            off <= 30,
            "time client {n} got {text:?}, but the local time is {now}: send Local::now(), not UTC or a fixed time"
        );
    }
    drop(route);
    server.stop_ok(STOP_LIMIT);
}

// ---------------------------------------------------------------------------
// The greeting server
// ---------------------------------------------------------------------------

/// What the test sends in step 9 and the bytes it expects back.
const CONVERSATION: &[u8] = b"Michael\nTracy\r\n\xe5\xbc\xa0\xe4\xb8\x89\nexit\n";
const TRANSCRIPT: &[u8] =
    b"Hello, I am server!\nHello, Michael!\nHello, Tracy!\nHello, \xe5\xbc\xa0\xe4\xb8\x89!\n";

#[rstest]
#[case::merged(Chunking::Whole)]
#[case::one_byte(Chunking::Fixed(1))]
#[case::random(Chunking::Random { seed: 0, max: 6 })]
fn step09_greets_and_answers_each_line(#[case] chunking: Chunking) {
    let step = step!(LESSON);
    let server = Server::tcp("handle_client(stream)", |listener| {
        let (stream, _) = listener.accept().expect("accept the test's client");
        handle_client(stream)
    });
    let route = Route::to(server.addr(), Some(chunking.seeded(&step)));
    let mut client = server.client_via(route.addr, &format!("the client ({})", route.how));
    client.send(CONVERSATION);
    let (got, error) = client.read_to_end(TRANSCRIPT.len() + 1024);
    if got != TRANSCRIPT || error.is_some() {
        client.fail(format!(
            "expected the greeting, one answer a name, and then the connection closed (the last \
             line is exit)\n{}",
            testkit::bytes::diff_report(TRANSCRIPT, &got)
        ));
    }
    if let Err(e) = server.wait(LIMIT, "the client said exit") {
        panic!("handle_client returned an error after a polite conversation: {e}");
    }
}

#[test]
fn step10_serial_server_serves_one_at_a_time() {
    let _step = step!(LESSON);
    let server = greetings(Concurrency::Serial);
    let mut first = server.client("the first client");
    first.expect(GREETING.as_bytes());
    let mut second = server.client("the second client");
    first.send(b"Ann\n");
    first.expect(b"Hello, Ann!\n");
    second.expect_silence(
        QUIET,
        "a serial server talks to one client at a time, and the first is still connected",
    );
    first.send(b"exit\n");
    first.expect_closed();
    converse(&mut second, "Bob");
    server.stop_ok(STOP_LIMIT);
}

#[test]
fn step11_thread_per_client_serves_50_at_once() {
    let _step = step!(LESSON);
    let server = greetings(Concurrency::ThreadPerClient);
    let mut clients: Vec<LineClient> = (1..=50)
        .map(|n| server.client(&format!("client {n} of 50")))
        .collect();
    for (i, client) in clients.iter_mut().enumerate() {
        client.note(format!(
            "the {i} clients before it stay connected: each client needs its own thread"
        ));
        client.expect(GREETING.as_bytes());
    }
    for (i, client) in clients.iter_mut().enumerate() {
        client.send(format!("guest{}\n", i + 1).as_bytes());
    }
    for (i, client) in clients.iter_mut().enumerate() {
        client.expect(format!("Hello, guest{}!\n", i + 1).as_bytes());
    }
    for client in &mut clients {
        client.send(b"exit\n");
        client.expect_closed();
    }
    server.stop_ok(STOP_LIMIT);
}

#[test]
fn step12_pool_turns_away_the_client_beyond_capacity() {
    let _step = step!(LESSON);
    let (workers, queue) = (4, 46);
    let server = greetings(Concurrency::Pool { workers, queue });
    let mut busy = Vec::new();
    for n in 1..=workers {
        let mut client = server.client(&format!(
            "client {n} (a worker for each of the first {workers})"
        ));
        client.expect(GREETING.as_bytes());
        busy.push(client);
    }
    let mut waiting: Vec<LineClient> = (workers + 1..=workers + queue)
        .map(|n| server.client(&format!("client {n} (waiting in the queue of {queue})")))
        .collect();
    let mut extra = server.client(&format!(
        "client {} (beyond {workers} workers and a queue of {queue})",
        workers + queue + 1
    ));
    extra.expect(BUSY.as_bytes());
    extra.expect_closed();
    waiting[0].expect_silence(
        QUIET,
        "all workers are busy: a queued client hears nothing until one is free",
    );
    for (i, client) in busy.iter_mut().enumerate() {
        client.note(format!("{queue} clients wait in the queue"));
        converse_more(client, &format!("worker{}", i + 1));
    }
    // Every queued client gets its turn, in whatever order the workers
    // take them: talk to all of them at once.
    let failures: Vec<String> = thread::scope(|scope| {
        let talks: Vec<_> = waiting
            .iter_mut()
            .enumerate()
            .map(|(i, client)| {
                let name = format!("queued{}", i + 1);
                scope.spawn(move || catch_quietly(move || converse(client, &name)))
            })
            .collect();
        talks
            .into_iter()
            .filter_map(|talk| match talk.join() {
                Ok(Ok(())) => None,
                Ok(Err((payload, _))) => Some(panic_text(payload.as_ref())),
                Err(payload) => Some(panic_text(payload.as_ref())),
            })
            .collect()
    });
    if let Some(first) = failures.first() {
        panic!(
            "{} of the {queue} queued clients were not served to the end once workers were free; the first: {first}",
            failures.len()
        );
    }
    server.stop_ok(STOP_LIMIT);
}

#[rstest]
#[case::thread_per_client(Concurrency::ThreadPerClient)]
#[case::pool(Concurrency::Pool { workers: 2, queue: 2 })]
fn step13_shutdown_lets_connected_clients_finish(#[case] concurrency: Concurrency) {
    let _step = step!(LESSON);
    // Nobody connected: shutdown() ends the server promptly.
    greetings(concurrency).stop_ok(STOP_LIMIT);
    // Somebody connected: shutdown() stops accepting, but the client
    // already there is served to the end.
    let server = greetings(concurrency);
    let mut client = server.client("a client connected before shutdown");
    client.expect(GREETING.as_bytes());
    // A second client comes and goes while the first stays: a server that
    // tidies away finished client threads must keep the running ones.
    converse(
        &mut server.client("a second client, who comes and goes while the first stays"),
        "Bob",
    );
    client.note("a second client connected, said Bob and exit, and left");
    server.request_stop();
    client.note("the server was told shutdown()");
    // New clients are refused once the accept loop has seen the flag.
    let deadline = Instant::now() + STOP_LIMIT;
    loop {
        match TcpStream::connect_timeout(&server.addr(), Duration::from_secs(1)) {
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => break,
            Ok(probe) if Instant::now() < deadline => {
                drop(probe);
                thread::sleep(POLL_INTERVAL);
            }
            Ok(_) => client.fail(format!(
                "{} s after shutdown() a new client could still connect: close the listener as \
                 soon as the accept loop returns (drop it), so that new clients are refused \
                 while the connected ones finish",
                STOP_LIMIT.as_secs()
            )),
            Err(e) => client.fail(format!(
                "after shutdown() a new connection should be refused, but it failed otherwise: {}",
                explain::io_error(&e, LIMIT)
            )),
        }
    }
    client.note("a new client was refused, as it should be");
    // ... but the server waits for the client still connected.
    let grace = Instant::now() + Duration::from_millis(500);
    while server.ended().is_none() && Instant::now() < grace {
        thread::sleep(Duration::from_millis(10));
    }
    if let Some(end) = server.ended() {
        client.fail(format!(
            "serve_greetings {end} while a client was still connected (a second client had come \
             and gone before shutdown()): after shutdown, wait for the connected clients (join \
             their threads, or the pool's workers) before returning. Keep the handle of every \
             client thread still running: tidy away only the finished ones \
             (retain(|t| !t.is_finished()))"
        ));
    }
    client.note("a connected client is served to the end");
    client.send(b"still here\n");
    client.expect(b"Hello, still here!\n");
    client.send(b"exit\n");
    client.expect_closed();
    drop(client);
    if let Err(e) = server.wait(STOP_LIMIT, "shutdown() and its last client's exit") {
        panic!("serve_greetings returned an error after shutdown(): {e}");
    }
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

/// A peer that sends `a` for ever (well: until the test's cap), counting
/// what was read.
struct Endless {
    sent: usize,
}

/// Where [`Endless`] gives up: a read_line without a limit fails here with
/// an error instead of eating the machine's memory.
const ENDLESS_CAP: usize = 8 * 1024 * 1024;

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.sent >= ENDLESS_CAP {
            return Err(io::Error::other(
                "the test's endless line reached 8 MiB: read_line never gave up",
            ));
        }
        let n = buf.len().min(1000);
        buf[..n].fill(b'a');
        self.sent += n;
        Ok(n)
    }
}

#[test]
fn step14_long_or_unfinished_lines_are_errors() {
    let _step = step!(LESSON);
    let (result, sent) = within(LIMIT, "read_line on a line without end", || {
        let mut reader = BufReader::new(Endless { sent: 0 });
        let result = read_line(&mut reader, MAX_LINE);
        (result.map_err(|e| format!("{e:?}")), reader.get_ref().sent)
    });
    assert!(
        matches!(&result, Err(e) if e.starts_with("TooLong")),
        "a peer sent 'a' without end: expected Err(LineError::TooLong {{ limit: {MAX_LINE} }}), got {result:?}"
    );
    assert!(
        sent <= MAX_LINE + 16 * 1024,
        "read_line read {sent} bytes before giving up on a line longer than {MAX_LINE}: \
         read at most max + 1 bytes (Read::take)"
    );
    let cases: &[(&[u8], usize, &str, &str)] = &[
        (
            b"0123456789\n",
            10,
            "Ok(Some(b\"0123456789\"))",
            "a line of exactly max bytes is not too long",
        ),
        (
            b"0123456789a\n",
            10,
            "Err(TooLong { limit: 10 })",
            "11 bytes without a \\n are more than max = 10: TooLong, found by reading at most \
             max + 1 bytes",
        ),
        (
            b"0123456789",
            10,
            "Err(Truncated { got: 10 })",
            "exactly max bytes and then EOF: not too long (only MORE than max is TooLong), but \
             cut off by the end of the stream",
        ),
        (
            b"Bob",
            MAX_LINE,
            "Err(Truncated { got: 3 })",
            "EOF in the middle of a line: an unfinished line is never returned as a line",
        ),
        (
            b"Michael\nTra",
            MAX_LINE,
            "Ok(Some(b\"Michael\")) then Err(Truncated { got: 3 })",
            "a whole line, then EOF in the middle of the next one",
        ),
    ];
    for &(input, max, want, why) in cases {
        let data = input.to_vec();
        let got = within(LIMIT, "read_line", move || {
            let mut reader = BufReader::new(ChunkedReader::new(data, Chunking::Fixed(2)));
            let mut seen = Vec::new();
            loop {
                match read_line(&mut reader, max) {
                    Ok(Some(line)) => seen.push(format!("Ok(Some(b\"{}\"))", escape(&line))),
                    Ok(None) => {
                        seen.push("Ok(None)".to_owned());
                        break;
                    }
                    Err(e) => {
                        seen.push(format!("Err({e:?})"));
                        break;
                    }
                }
                if seen.len() > 4 {
                    break;
                }
            }
            seen.join(" then ")
        });
        let got_trimmed = got.trim_end_matches(" then Ok(None)");
        assert!(
            got_trimmed == want,
            "read_line(.., max = {max}) over \"{}\" (the stream then ends), called until it \
             returns an error or Ok(None):\n  expected: {want}\n       got: {got_trimmed}\n({why})",
            escape(input)
        );
    }
}

/// The ways a client misbehaves in step 15.
#[derive(Debug, Clone, Copy)]
enum Rude {
    /// Sends half a line, then closes its sending side.
    HalfCloseMidLine,
    /// Sends half a line, then resets the connection.
    ResetMidLine,
    /// Sends a line that is not UTF-8.
    NotUtf8,
    /// Sends a megabyte without a newline.
    MegabyteLine,
}

/// How step 15's rude client misbehaves, once greeted.
fn misbehave(mut bad: LineClient, rude: Rude) {
    match rude {
        Rude::HalfCloseMidLine => {
            bad.send(b"Mich");
            bad.half_close();
            bad.note("an unfinished line gets no answer");
            bad.expect_closed();
        }
        Rude::ResetMidLine => {
            bad.send(b"Mich");
            bad.reset();
        }
        Rude::NotUtf8 => {
            bad.note("not UTF-8: answer it lossily");
            bad.send(b"caf\xe9 \xff\n");
            bad.expect("Hello, caf\u{fffd} \u{fffd}!\n".as_bytes());
            converse_more(&mut bad, "Zoë");
        }
        Rude::MegabyteLine => {
            let mut writer = bad.stream().try_clone().expect("clone");
            let flood = thread::spawn(move || {
                // Fails once the server hangs up, as it should.
                let _ = writer.write_all(&[b'a'; 1024 * 1024]);
            });
            bad.note(format!(
                "sends 1 MiB without a newline (more than MAX_LINE = {MAX_LINE} bytes: drop the client)"
            ));
            bad.expect_closed();
            let _ = bad.stream().shutdown(std::net::Shutdown::Both);
            let _ = flood.join();
        }
    }
}

#[rstest]
#[case::half_close_mid_line(Rude::HalfCloseMidLine, Concurrency::ThreadPerClient)]
#[case::reset_mid_line(Rude::ResetMidLine, Concurrency::ThreadPerClient)]
#[case::not_utf8(Rude::NotUtf8, Concurrency::ThreadPerClient)]
#[case::megabyte_line(Rude::MegabyteLine, Concurrency::ThreadPerClient)]
#[case::serial_reset_mid_line(Rude::ResetMidLine, Concurrency::Serial)]
#[case::serial_megabyte_line(Rude::MegabyteLine, Concurrency::Serial)]
fn step15_rude_clients_do_not_stop_the_server(
    #[case] rude: Rude,
    #[case] concurrency: Concurrency,
) {
    let _step = step!(LESSON);
    let server = greetings(concurrency);
    if concurrency == Concurrency::Serial {
        // One client at a time: the rude one first, alone.
        let mut bad = server.client(&format!("the rude client ({rude:?})"));
        bad.expect(GREETING.as_bytes());
        misbehave(bad, rude);
        let mut next = server.client(&format!(
            "a client that connects after the rude one ({rude:?}), to a serial server: one \
             client's error must end that client only, never the server"
        ));
        converse(&mut next, "Tracy");
        server.stop_ok(STOP_LIMIT);
        return;
    }
    let mut good = server.client("a polite client");
    good.expect(GREETING.as_bytes());
    let mut bad = server.client(&format!("the rude client ({rude:?})"));
    bad.expect(GREETING.as_bytes());
    misbehave(bad, rude);
    good.note(format!("the rude client ({rude:?}) was dealt with"));
    good.send(b"Ann\n");
    good.expect(b"Hello, Ann!\n");
    converse(
        &mut server.client("a client that connects after the rude one"),
        "Tracy",
    );
    good.send(b"exit\n");
    good.expect_closed();
    server.stop_ok(STOP_LIMIT);
}

// ---------------------------------------------------------------------------
// Nothing to accept
// ---------------------------------------------------------------------------

/// What step 16's accept loop has to wait on.
#[derive(Debug, Clone, Copy)]
enum Nothing {
    /// A listening socket that no client connects to: every `accept` says
    /// `WouldBlock`.
    NoClientComes,
    /// A socket bound but never listening: every `accept` fails, as accepts
    /// fail while a server has no file descriptors left.
    EveryAcceptFails,
}

/// How long step 16 watches an accept loop that has nothing to accept. A
/// loop that pauses [`POLL_INTERVAL`] between tries sleeps about 20 times
/// in it and uses microseconds of CPU; a loop that tries again at once
/// never sleeps (see `testkit::cpu`), however loaded the machine.
const WATCH: Duration = Duration::from_secs(1);

/// A TCP socket bound to a loopback port 0 that never listens, and whether
/// `accept` on it fails at once (Linux: `InvalidInput`), as step 16 needs.
fn not_listening() -> (TcpListener, SocketAddr, Option<io::Error>) {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("a socket");
    socket
        .bind(&loopback(0).into())
        .expect("bind a socket to a loopback port 0");
    let listener = TcpListener::from(socket);
    let addr = listener
        .local_addr()
        .expect("a bound socket has an address");
    listener
        .set_nonblocking(true)
        .expect("set the socket non-blocking");
    let fails = match listener.accept() {
        Err(e) if e.kind() != io::ErrorKind::WouldBlock => Some(e),
        _ => None,
    };
    (listener, addr, fails)
}

#[rstest]
#[case::no_client_comes(Nothing::NoClientComes)]
#[case::every_accept_fails(Nothing::EveryAcceptFails)]
fn step16_accept_loop_pauses_and_goes_on(#[case] nothing: Nothing) {
    let _step = step!(LESSON);
    let (listener, addr, situation, advice) = match nothing {
        Nothing::NoClientComes => {
            let (listener, addr) = net::listener();
            let situation = format!(
                "accept_loop listened on {addr} and no client connected for {WATCH:?}: every \
                 accept() said WouldBlock"
            );
            let advice = "WouldBlock from a non-blocking accept means \"nobody yet\": \
                          thread::sleep(POLL_INTERVAL), then look at the shutdown flag and \
                          accept again";
            (listener, addr, situation, advice)
        }
        Nothing::EveryAcceptFails => {
            let (listener, addr, fails) = not_listening();
            let Some(error) = fails else {
                eprintln!(
                    "note: accept on a socket that is not listening does not fail on this \
                     platform; this case is skipped"
                );
                return;
            };
            let situation = format!(
                "accept_loop was given a socket bound to {addr} that never listens, so every \
                 accept() failed ({:?}: {error}), as accepts fail while a server has no file \
                 descriptors left",
                error.kind()
            );
            let advice = "an error from accept is about one connection or a passing shortage: \
                          print it, thread::sleep(POLL_INTERVAL), and accept again; never \
                          return it (no `?` on accept), and never try again without the pause";
            (listener, addr, situation, advice)
        }
    };
    let (clock_tx, clock_rx) = mpsc::channel();
    let (tx, accepted) = mpsc::channel::<(TcpStream, SocketAddr)>();
    let shutdown = ShutdownHandle::new();
    let handle = shutdown.clone();
    let server = Server::on(addr, "accept_loop", move || {
        let _ = clock_tx.send(ThreadClock::current());
        accept_loop(&listener, &handle, move |stream, peer| {
            let _ = tx.send((stream, peer));
        })
    })
    .stopped_by("shutdown()", move || shutdown.shutdown());
    let clock = clock_rx.recv_timeout(LIMIT).ok().flatten();
    if clock.is_none() {
        eprintln!("note: this platform cannot watch a thread's work; the spin check is skipped");
    }
    thread::sleep(Duration::from_millis(100));
    let before = clock.and_then(|c| c.usage());
    // Watch for WATCH; a loop that ends meanwhile (a panic, a `todo!()`)
    // is told at once rather than after the whole watch.
    let watching = Instant::now();
    while watching.elapsed() < WATCH && server.ended().is_none() {
        thread::sleep(Duration::from_millis(10));
    }
    if server.ended().is_some() {
        server.fail(format!(
            "{situation}; accept_loop ended before shutdown(). Only shutdown() ends the loop: \
             {advice}."
        ));
    }
    if let (Some(clock), Some(before)) = (clock, before) {
        let Some(after) = clock.usage() else {
            server.fail(format!(
                "{situation}; accept_loop's thread ended before shutdown()"
            ));
        };
        let used = after.since(before);
        eprintln!(
            "accept_loop: {} in {WATCH:?} with nothing to accept",
            used.describe()
        );
        if used.spins() {
            server.fail(format!(
                "{situation}; accept_loop used {} in {WATCH:?}: it spins, asking accept() \
                 again at once, a core at full speed doing nothing. Pause between tries: \
                 {advice}.",
                used.describe()
            ));
        }
    }
    if let Nothing::NoClientComes = nothing {
        // The pause was a pause, not an end: a client that comes now is
        // still accepted.
        let client = server.client("a client that connects after a second without clients");
        let client_addr = client.local_addr();
        if accepted.recv_timeout(LIMIT).is_err() {
            client.fail(format!(
                "connected from {client_addr} after {WATCH:?} without clients, but accept_loop \
                 did not call on_client within {} s: {advice}",
                LIMIT.as_secs()
            ));
        }
    }
    server.stop_ok(STOP_LIMIT);
}
