//! Lesson 02's graded steps: a threaded TCP server.
//!
//! Each `stepNN_...` test is one step of `lesson.toml`, simplest first.
//! Pure functions run under a deadline; servers run on their own thread,
//! their panics are caught and reported, and every client the tests play
//! has read and write timeouts, so a wrong server fails its step in seconds.

use std::fmt::{Debug, Display};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{Local, NaiveDate, NaiveDateTime};
use lesson02::*;
use rstest::rstest;
use testkit::bytes::diff_report;
use testkit::chunking::ChunkedReader;
use testkit::relay::TcpRelay;
use testkit::step::{catch_quietly, is_todo, panic_text};
use testkit::{Chunking, Step, assert_bytes_eq, escape, net, peer, step, within};

const LESSON: &str = include_str!("../lesson.toml");
const LIMIT: Duration = testkit::DEFAULT_LIMIT;
/// How long a test listens to be sure that nothing arrives.
const QUIET: Duration = Duration::from_millis(300);
/// How long a server may take to return after `shutdown()` (the task says
/// about `POLL_INTERVAL`; the rest is room for a loaded machine).
const STOP_LIMIT: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------
// Harness: the learner's code on its own thread, and the clients the tests
// play against it.
// ---------------------------------------------------------------------------

/// A call into the learner's code running on its own thread: its panic is
/// caught and described, and whoever waits for it has a deadline.
struct Learner<T> {
    what: String,
    ended: Arc<Mutex<Option<String>>>,
    // In a Mutex so that clients on several threads can share a `&Learner`.
    result: Mutex<mpsc::Receiver<Result<T, String>>>,
}

impl<T: Debug + Send + 'static> Learner<T> {
    fn spawn(what: &str, f: impl FnOnce() -> T + Send + 'static) -> Learner<T> {
        let ended = Arc::new(Mutex::new(None));
        let (tx, result) = mpsc::channel();
        let note = Arc::clone(&ended);
        thread::Builder::new()
            .name(what.to_owned())
            .spawn(move || {
                let outcome = catch_quietly(f).map_err(|(payload, place)| {
                    let message = panic_text(payload.as_ref());
                    let place = place.map(|p| format!(" at {p}")).unwrap_or_default();
                    if is_todo(&message) {
                        format!("reached a `todo!()`{place}: {message}")
                    } else {
                        format!("panicked{place}: {message}")
                    }
                });
                let described = match &outcome {
                    Ok(value) => format!("returned {value:?}"),
                    Err(panic) => panic.clone(),
                };
                if let Ok(mut slot) = note.lock() {
                    *slot = Some(described);
                }
                let _ = tx.send(outcome);
            })
            .expect("start a thread for the learner's code");
        Learner {
            what: what.to_owned(),
            ended,
            result: Mutex::new(result),
        }
    }

    /// How the learner's call ended, if it has.
    fn ended(&self) -> Option<String> {
        self.ended.lock().ok().and_then(|slot| slot.clone())
    }

    /// Fails the step with `message`; when the learner's call has ended (or
    /// ends in a moment: a panic is still unwinding), says how first.
    #[track_caller]
    fn fail(&self, message: impl Display) -> ! {
        let start = Instant::now();
        while self.ended().is_none() && start.elapsed() < Duration::from_millis(500) {
            thread::sleep(Duration::from_millis(10));
        }
        match self.ended() {
            Some(end) => panic!("{} {end}\n... and so: {message}", self.what),
            None => panic!("{message}"),
        }
    }

    /// Waits up to `limit` for the call to return, and returns its value.
    #[track_caller]
    fn wait(self, limit: Duration, after: &str) -> T {
        let result = match self.result.into_inner() {
            Ok(receiver) => receiver.recv_timeout(limit),
            Err(poisoned) => poisoned.into_inner().recv_timeout(limit),
        };
        match result {
            Ok(Ok(value)) => value,
            Ok(Err(panic)) => panic!("{} {panic}", self.what),
            Err(_) => panic!(
                "{} did not return within {:.1} s after {after}",
                self.what,
                limit.as_secs_f64()
            ),
        }
    }
}

/// A learner's server on a loopback listener with port 0.
struct Running {
    addr: SocketAddr,
    shutdown: ShutdownHandle,
    learner: Learner<io::Result<()>>,
    _stop: StopOnDrop,
}

/// Shuts a server down when its step ends, even by a failure: no server
/// may keep accepting for ever.
struct StopOnDrop(ShutdownHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.shutdown();
    }
}

impl Running {
    fn start(
        what: &str,
        serve: impl FnOnce(TcpListener, &ShutdownHandle) -> io::Result<()> + Send + 'static,
    ) -> Running {
        let (listener, addr) = net::listener();
        let shutdown = ShutdownHandle::new();
        let handle = shutdown.clone();
        let learner = Learner::spawn(what, move || serve(listener, &handle));
        Running {
            addr,
            _stop: StopOnDrop(shutdown.clone()),
            shutdown,
            learner,
        }
    }

    fn greetings(concurrency: Concurrency) -> Running {
        let what = format!("serve_greetings(.., Concurrency::{concurrency:?}, ..)");
        Running::start(&what, move |listener, shutdown| {
            serve_greetings(listener, concurrency, shutdown)
        })
    }

    /// Connects a client called `name` (retrying while the server starts).
    fn client(&self, name: &str) -> Client<'_> {
        self.client_via(self.addr, name)
    }

    fn client_via(&self, addr: SocketAddr, name: &str) -> Client<'_> {
        let start = Instant::now();
        loop {
            if let Some(end) = self.learner.ended() {
                panic!("{} {end}, before {name} could connect", self.learner.what);
            }
            match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
                Ok(stream) => return Client::new(name, stream, &self.learner),
                Err(e) if start.elapsed() > LIMIT => {
                    self.learner.fail(format!("{name} could not connect: {e}"))
                }
                Err(_) => thread::sleep(Duration::from_millis(10)),
            }
        }
    }

    /// `shutdown()`, then waits for the server to return `Ok(())`.
    #[track_caller]
    fn stop(self, limit: Duration) {
        self.shutdown.shutdown();
        let what = self.learner.what.clone();
        match self.learner.wait(limit, "shutdown()") {
            Ok(()) => {}
            Err(e) => panic!("{what} returned an error after shutdown(): {e}"),
        }
    }
}

/// A client the test plays: reads lines with a deadline and says what went
/// wrong in words.
struct Client<'a, T = io::Result<()>> {
    name: String,
    stream: TcpStream,
    reader: BufReader<TcpStream>,
    server: &'a Learner<T>,
}

impl<'a, T: Debug + Send + 'static> Client<'a, T> {
    fn new(name: &str, stream: TcpStream, server: &'a Learner<T>) -> Client<'a, T> {
        net::set_timeouts(&stream, LIMIT);
        let reader = BufReader::new(stream.try_clone().expect("clone the client's stream"));
        Client {
            name: name.to_owned(),
            stream,
            reader,
            server,
        }
    }

    #[track_caller]
    fn send(&mut self, bytes: &[u8]) {
        if let Err(e) = self.stream.write_all(bytes) {
            self.server.fail(format!(
                "{} could not send \"{}\": {e}",
                self.name,
                escape(bytes)
            ));
        }
    }

    /// Reads one line and checks that it is `expected` (which ends in `\n`).
    #[track_caller]
    fn expect(&mut self, expected: &[u8], after: &str) {
        let mut got = Vec::new();
        let cap = expected.len() as u64 + 256;
        let read = (&mut self.reader).take(cap).read_until(b'\n', &mut got);
        let context = format!("{}, {after}, expected \"{}\"", self.name, escape(expected));
        match read {
            Ok(_) if got == expected => {}
            Ok(0) => self.server.fail(format!(
                "{context}, but the server closed the connection without a word"
            )),
            Ok(_) if got.last() == Some(&b'\n') => {
                assert_bytes_eq(&format!("{context}: the line it got"), expected, &got)
            }
            Ok(n) if n as u64 == cap => self.server.fail(format!(
                "{context}, got {n} bytes without a \\n: \"{}\"",
                escape(&got)
            )),
            Ok(_) => self.server.fail(format!(
                "{context}, got \"{}\" and then the server closed: every line the server sends ends in \\n",
                escape(&got)
            )),
            Err(e) if is_timeout(&e) && got.is_empty() => self.server.fail(format!(
                "{context}; nothing came within {:.1} s",
                LIMIT.as_secs_f64()
            )),
            Err(e) if is_timeout(&e) => self.server.fail(format!(
                "{context}, got \"{}\" and then nothing for {:.1} s: every line the server sends ends in \\n",
                escape(&got),
                LIMIT.as_secs_f64()
            )),
            Err(e) => self.server.fail(format!(
                "{context}; reading failed: {e} (after \"{}\")",
                escape(&got)
            )),
        }
    }

    /// Checks that the server closes the connection (EOF, or a reset) and
    /// sends nothing more first.
    #[track_caller]
    fn expect_closed(&mut self, after: &str) {
        let mut got = Vec::new();
        let read = (&mut self.reader).take(4096).read_to_end(&mut got);
        match read {
            Ok(_) if got.is_empty() => {}
            Err(e) if got.is_empty() && !is_timeout(&e) => {}
            Ok(_) | Err(_) if !got.is_empty() => self.server.fail(format!(
                "{}, {after}, expected the server to close the connection without a word; it sent \"{}\"",
                self.name,
                escape(&got)
            )),
            _ => self.server.fail(format!(
                "{}, {after}, expected the server to close the connection; it stayed open for {:.1} s",
                self.name,
                LIMIT.as_secs_f64()
            )),
        }
    }

    /// Checks that nothing arrives for a moment (the client is waiting its
    /// turn) and that the connection stays open.
    #[track_caller]
    fn expect_silence(&mut self, why: &str) {
        let pending = self.reader.buffer().to_vec();
        if !pending.is_empty() {
            self.server.fail(format!(
                "{} should hear nothing yet ({why}), but got \"{}\"",
                self.name,
                escape(&pending)
            ));
        }
        self.stream
            .set_read_timeout(Some(QUIET))
            .expect("set a read timeout");
        let mut buf = [0u8; 256];
        let read = self.reader.get_mut().read(&mut buf);
        self.stream
            .set_read_timeout(Some(LIMIT))
            .expect("set a read timeout");
        match read {
            Err(e) if is_timeout(&e) => {}
            Ok(0) => self.server.fail(format!(
                "{} should wait, connected ({why}), but the server closed its connection",
                self.name
            )),
            Ok(n) => self.server.fail(format!(
                "{} should hear nothing yet ({why}), but got \"{}\"",
                self.name,
                escape(&buf[..n])
            )),
            Err(e) => self.server.fail(format!(
                "{} should wait, connected ({why}), but reading failed: {e}",
                self.name
            )),
        }
    }

    /// A whole polite conversation: greeting, one name, `exit`.
    #[track_caller]
    fn converse(&mut self, name: &str) {
        self.expect(GREETING.as_bytes(), "on connecting");
        self.converse_more(name);
    }

    /// The rest of a polite conversation, after the greeting (and maybe
    /// other lines): one name, `exit`.
    #[track_caller]
    fn converse_more(&mut self, name: &str) {
        self.send(format!("{name}\n").as_bytes());
        self.expect(
            format!("Hello, {name}!\n").as_bytes(),
            &format!("after sending \"{name}\\n\""),
        );
        self.send(b"exit\n");
        self.expect_closed("after sending \"exit\\n\"");
    }
}

/// A random chunking gets the step's seed (printed when the step fails,
/// and replayed with `TESTKIT_SEED`); the others stay as they are.
fn seeded(chunking: Chunking, step: &Step) -> Chunking {
    match chunking {
        Chunking::Random { max, .. } => Chunking::Random {
            seed: step.seed(),
            max,
        },
        other => other,
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
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
    let chunking = seeded(chunking, &step);
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
        .unwrap_or_else(|e| panic!("{what}: accept failed: {e}"));
    client.write_all(b"ping").expect("write to the listener");
    let mut got = [0u8; 4];
    net::set_timeouts(&server_side, LIMIT);
    server_side
        .read_exact(&mut got)
        .unwrap_or_else(|e| panic!("{what}: reading what a client sent failed: {e}"));
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
    let (listener, addr) = net::listener();
    let shutdown = ShutdownHandle::new();
    let (tx, rx) = mpsc::channel::<(TcpStream, SocketAddr)>();
    let handle = shutdown.clone();
    let learner = Learner::spawn("accept_loop", move || {
        accept_loop(&listener, &handle, move |stream, peer| {
            let _ = tx.send((stream, peer));
        })
    });
    for n in 1..=3u8 {
        let mut client = Client::new(
            &format!("client {n}"),
            net::connect_retry(addr, LIMIT),
            &learner,
        );
        let client_addr = client.stream.local_addr().expect("the client's address");
        let (mut accepted, peer) = match rx.recv_timeout(LIMIT) {
            Ok(pair) => pair,
            Err(mpsc::RecvTimeoutError::Timeout) => learner.fail(format!(
                "client {n} connected from {client_addr}, but accept_loop did not call on_client within {:.1} s",
                LIMIT.as_secs_f64()
            )),
            Err(mpsc::RecvTimeoutError::Disconnected) => learner.fail(format!(
                "client {n} connected from {client_addr}, but accept_loop dropped on_client without calling it"
            )),
        };
        assert_eq!(
            peer, client_addr,
            "on_client's address must be the client's own (its IP and port): the four values \
             (client IP, client port, server IP, server port) name a connection"
        );
        accepted
            .set_write_timeout(Some(LIMIT))
            .expect("set a write timeout");
        let note = format!("you are {client_addr}\n");
        if let Err(e) = accepted.write_all(note.as_bytes()) {
            panic!("writing to the stream accept_loop passed for client {n} failed: {e}");
        }
        client.expect(
            note.as_bytes(),
            "when the test wrote to the stream on_client received",
        );
    }
    shutdown.shutdown();
    match learner.wait(STOP_LIMIT, "shutdown() (look at the flag between accepts: a blocking accept never returns without a client)") {
        Ok(()) => {}
        Err(e) => panic!("accept_loop returned an error after shutdown(): {e}"),
    }
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
    let chunking = chunking.map(|c| seeded(c, &step));
    let server = Running::start("serve_time", serve_time);
    let relay = chunking.map(|c| TcpRelay::start(server.addr, c));
    let addr = relay.as_ref().map_or(server.addr, TcpRelay::addr);
    let how = chunking.map_or("directly".to_owned(), |c| format!("through a relay, {c}"));
    for n in 1..=3 {
        let mut client = server.client_via(addr, &format!("time client {n} ({how})"));
        let mut got = Vec::new();
        let read = (&mut client.reader).take(1024).read_to_end(&mut got);
        if let Err(e) = read {
            server.learner.fail(format!(
                "time client {n} ({how}) read \"{}\" and then: {e}. The server must close the \
                 connection after sending the time: EOF is how the client knows it has everything",
                escape(&got)
            ));
        }
        let text = String::from_utf8_lossy(&got);
        let Some(time) = parse_python_time(&text) else {
            server.learner.fail(format!(
                "time client {n} ({how}) got \"{}\": expected the local time as Python's \
                 str(datetime.now()) writes it, like \"2026-11-21 10:15:42.123456\"",
                escape(&got)
            ))
        };
        let now = Local::now().naive_local();
        let off = (now - time).num_seconds().abs();
        assert!(
            off <= 30,
            "time client {n} got {text:?}, but the local time is {now}: send Local::now(), not UTC or a fixed time"
        );
    }
    drop(relay);
    server.stop(STOP_LIMIT);
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
    let chunking = seeded(chunking, &step);
    let (listener, addr) = net::listener();
    let learner = Learner::spawn("handle_client", move || {
        let (stream, _) = listener.accept().expect("accept the test's client");
        handle_client(stream).map_err(|e| e.to_string())
    });
    let relay = TcpRelay::start(addr, chunking);
    let mut client = Client::new(
        "the client",
        net::connect_retry(relay.addr(), LIMIT),
        &learner,
    );
    client.send(CONVERSATION);
    let mut got = Vec::new();
    let read = (&mut client.reader)
        .take(TRANSCRIPT.len() as u64 + 1024)
        .read_to_end(&mut got);
    let sent = escape(CONVERSATION);
    match read {
        Ok(_) if got == TRANSCRIPT => {}
        Ok(_) => learner.fail(format!(
            "the client sent \"{sent}\" ({chunking}) and read until the server closed\n{}",
            diff_report(TRANSCRIPT, &got)
        )),
        Err(e) => learner.fail(format!(
            "the client sent \"{sent}\" ({chunking}), read \"{}\" and then: {e}\n\
             (expected \"{}\" and then the connection closed, because the last line is exit)",
            escape(&got),
            escape(TRANSCRIPT)
        )),
    }
    match learner.wait(LIMIT, "the client said exit") {
        Ok(()) => {}
        Err(e) => panic!("handle_client returned an error after a polite conversation: {e}"),
    }
}

#[test]
fn step10_serial_server_serves_one_at_a_time() {
    let _step = step!(LESSON);
    let server = Running::greetings(Concurrency::Serial);
    let mut first = server.client("the first client");
    first.expect(GREETING.as_bytes(), "on connecting");
    let mut second = server.client("the second client");
    first.send(b"Ann\n");
    first.expect(b"Hello, Ann!\n", "after sending \"Ann\\n\"");
    second.expect_silence(
        "a serial server talks to one client at a time, and the first is still connected",
    );
    first.send(b"exit\n");
    first.expect_closed("after sending \"exit\\n\"");
    second.converse("Bob");
    server.stop(STOP_LIMIT);
}

#[test]
fn step11_thread_per_client_serves_50_at_once() {
    let _step = step!(LESSON);
    let server = Running::greetings(Concurrency::ThreadPerClient);
    let mut clients: Vec<Client> = (1..=50)
        .map(|n| server.client(&format!("client {n} of 50")))
        .collect();
    for (i, client) in clients.iter_mut().enumerate() {
        client.expect(
            GREETING.as_bytes(),
            &format!(
                "on connecting, while the {i} before it stay connected (each client needs its own thread)"
            ),
        );
    }
    for (i, client) in clients.iter_mut().enumerate() {
        client.send(format!("guest{}\n", i + 1).as_bytes());
    }
    for (i, client) in clients.iter_mut().enumerate() {
        let n = i + 1;
        client.expect(
            format!("Hello, guest{n}!\n").as_bytes(),
            &format!("after sending \"guest{n}\\n\""),
        );
    }
    for client in &mut clients {
        client.send(b"exit\n");
        client.expect_closed("after sending \"exit\\n\"");
    }
    server.stop(STOP_LIMIT);
}

#[test]
fn step12_pool_turns_away_the_client_beyond_capacity() {
    let _step = step!(LESSON);
    let (workers, queue) = (4, 46);
    let server = Running::greetings(Concurrency::Pool { workers, queue });
    let mut busy = Vec::new();
    for n in 1..=workers {
        let mut client = server.client(&format!(
            "client {n} (a worker for each of the first {workers})"
        ));
        client.expect(GREETING.as_bytes(), "on connecting");
        busy.push(client);
    }
    let mut waiting: Vec<Client> = (workers + 1..=workers + queue)
        .map(|n| server.client(&format!("client {n} (waiting in the queue of {queue})")))
        .collect();
    let mut extra = server.client(&format!(
        "client {} (beyond {workers} workers and a queue of {queue})",
        workers + queue + 1
    ));
    extra.expect(BUSY.as_bytes(), "on connecting to a full pool");
    extra.expect_closed("after the BUSY line");
    waiting[0]
        .expect_silence("all workers are busy: a queued client hears nothing until one is free");
    for (i, client) in busy.iter_mut().enumerate() {
        client.send(format!("worker{}\n", i + 1).as_bytes());
        client.expect(
            format!("Hello, worker{}!\n", i + 1).as_bytes(),
            "while 46 clients wait",
        );
        client.send(b"exit\n");
        client.expect_closed("after sending \"exit\\n\"");
    }
    // Every queued client gets its turn, in whatever order the workers
    // take them: talk to all of them at once.
    let failures: Vec<String> = thread::scope(|scope| {
        let talks: Vec<_> = waiting
            .iter_mut()
            .enumerate()
            .map(|(i, client)| {
                let name = format!("queued{}", i + 1);
                scope.spawn(move || catch_quietly(move || client.converse(&name)))
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
    server.stop(STOP_LIMIT);
}

#[rstest]
#[case::thread_per_client(Concurrency::ThreadPerClient)]
#[case::pool(Concurrency::Pool { workers: 2, queue: 2 })]
fn step13_shutdown_lets_connected_clients_finish(#[case] concurrency: Concurrency) {
    let _step = step!(LESSON);
    // Nobody connected: shutdown() ends the server promptly.
    Running::greetings(concurrency).stop(STOP_LIMIT);
    // Somebody connected: shutdown() stops accepting, but the client
    // already there is served to the end.
    let server = Running::greetings(concurrency);
    let mut client = server.client("a client connected before shutdown");
    client.expect(GREETING.as_bytes(), "on connecting");
    server.shutdown.shutdown();
    thread::sleep(POLL_INTERVAL * 2);
    client.send(b"still here\n");
    client.expect(
        b"Hello, still here!\n",
        "after the server was shut down (a connected client is served to the end)",
    );
    client.send(b"exit\n");
    client.expect_closed("after sending \"exit\\n\"");
    drop(client);
    let what = server.learner.what.clone();
    match server
        .learner
        .wait(STOP_LIMIT, "shutdown() and its last client's exit")
    {
        Ok(()) => {}
        Err(e) => panic!("{what} returned an error after shutdown(): {e}"),
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
    let cases: &[(&[u8], usize, &str)] = &[
        (b"0123456789\n", 10, "Ok(Some(b\"0123456789\"))"),
        (b"0123456789a\n", 10, "Err(TooLong { limit: 10 })"),
        (b"Bob", MAX_LINE, "Err(Truncated { got: 3 })"),
        (
            b"Michael\nTra",
            MAX_LINE,
            "Ok(Some(b\"Michael\")) then Err(Truncated { got: 3 })",
        ),
    ];
    for &(input, max, want) in cases {
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
        assert_eq!(
            got_trimmed,
            want,
            "read_line(.., max = {max}) over \"{}\" (the stream then ends)",
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

#[rstest]
#[case::half_close_mid_line(Rude::HalfCloseMidLine)]
#[case::reset_mid_line(Rude::ResetMidLine)]
#[case::not_utf8(Rude::NotUtf8)]
#[case::megabyte_line(Rude::MegabyteLine)]
fn step15_rude_clients_do_not_stop_the_server(#[case] rude: Rude) {
    let _step = step!(LESSON);
    let server = Running::greetings(Concurrency::ThreadPerClient);
    let mut good = server.client("a polite client");
    good.expect(GREETING.as_bytes(), "on connecting");
    let mut bad = server.client(&format!("the rude client ({rude:?})"));
    bad.expect(GREETING.as_bytes(), "on connecting");
    match rude {
        Rude::HalfCloseMidLine => {
            bad.send(b"Mich");
            peer::half_close(&bad.stream).expect("half-close");
            bad.expect_closed(
                "after sending \"Mich\" and closing its side (an unfinished line gets no answer)",
            );
        }
        Rude::ResetMidLine => {
            bad.send(b"Mich");
            peer::reset(bad.stream.try_clone().expect("clone")).expect("reset");
            drop(bad);
        }
        Rude::NotUtf8 => {
            bad.send(b"caf\xe9 \xff\n");
            bad.expect(
                "Hello, caf\u{fffd} \u{fffd}!\n".as_bytes(),
                "after sending \"caf\\xe9 \\xff\\n\" (not UTF-8: answer it lossily)",
            );
            bad.converse_more("Zoë");
        }
        Rude::MegabyteLine => {
            let mut writer = bad.stream.try_clone().expect("clone");
            let flood = thread::spawn(move || {
                let line = vec![b'a'; 1024 * 1024];
                // Fails once the server hangs up, as it should.
                let _ = writer.write_all(&line);
            });
            bad.expect_closed(&format!(
                "after sending 1 MiB without a newline (more than MAX_LINE = {MAX_LINE} bytes: drop the client)"
            ));
            let _ = bad.stream.shutdown(Shutdown::Both);
            let _ = flood.join();
        }
    }
    good.send(b"Ann\n");
    good.expect(
        b"Hello, Ann!\n",
        &format!("after the rude client ({rude:?}) was dealt with"),
    );
    server
        .client("a client that connects after the rude one")
        .converse("Tracy");
    good.send(b"exit\n");
    good.expect_closed("after sending \"exit\\n\"");
    server.stop(STOP_LIMIT);
}
