//! Lesson 06's graded steps: a `socketserver` framework.
//!
//! Each `stepNN_...` test is one step of `lesson.toml`, simplest first. The
//! tests drive the learner's servers with small handlers of their own
//! (`Echo`, `Recorder`, `Hello`) and with the demo's `ChatHandler`. Every
//! call into the learner's code runs under a deadline or behind a socket
//! timeout, and stream steps also run through a relay that re-cuts the bytes.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use lesson06::*;
use rstest::rstest;
use socket2::SockRef;
use testkit::cpu::ThreadClock;
use testkit::learner::panic_report;
use testkit::relay::{LossPlan, Route, UdpRelay};
use testkit::step::catch_quietly;
use testkit::{Chunking, Learner, LineClient, assert_bytes_eq, escape, net, step, within};

const LESSON: &str = include_str!("../lesson.toml");
const LIMIT: Duration = testkit::DEFAULT_LIMIT;
/// The poll interval the tests give `serve_forever`.
const POLL: Duration = Duration::from_millis(50);
/// How long `shutdown()` may take: a poll interval, with room for a loaded machine.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------
// Test handlers
// ---------------------------------------------------------------------------

/// What a handler saw, in order: shared between the test and its handlers.
type Log = Arc<Mutex<Vec<String>>>;

fn new_log() -> Log {
    Arc::new(Mutex::new(Vec::new()))
}

fn record(log: &Log, event: String) {
    log.lock().unwrap_or_else(|e| e.into_inner()).push(event);
}

fn events(log: &Log) -> Vec<String> {
    log.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Echoes every line. Greets with `hello\n` first if `greet`. The line
/// `boom` panics and `fail` returns an error. Logs `begin PORT` when it
/// starts and `end PORT` in `finish`.
struct Echo {
    greet: bool,
    log: Log,
}

impl StreamHandler for Echo {
    fn handle(&mut self, request: &mut StreamRequest) -> io::Result<()> {
        let port = request.client_address.port();
        record(&self.log, format!("begin {port}"));
        if self.greet {
            request.wfile.write_all(b"hello\n")?;
            request.wfile.flush()?;
        }
        loop {
            let mut line = Vec::new();
            if request.rfile.read_until(b'\n', &mut line)? == 0 {
                return Ok(());
            }
            match line.as_slice() {
                b"boom\n" => panic!("boom: the test handler panics on purpose"),
                b"fail\n" => return Err(io::Error::other("fail: the test handler gives up")),
                _ => {}
            }
            request.wfile.write_all(&line)?;
            request.wfile.flush()?;
        }
    }

    fn finish(&mut self, request: &mut StreamRequest) -> io::Result<()> {
        record(&self.log, format!("end {}", request.client_address.port()));
        Ok(())
    }
}

fn echo(greet: bool, log: &Log) -> impl Fn() -> Echo + Send + Sync + 'static {
    let log = Arc::clone(log);
    move || Echo {
        greet,
        log: Arc::clone(&log),
    }
}

/// Answers the datagram `X` with `Hello, X!`; `boom` panics, `fail` errs.
struct Hello;

impl DatagramHandler for Hello {
    fn handle(&mut self, request: &DatagramRequest<'_>) -> io::Result<()> {
        match request.data {
            b"boom" => panic!("boom: the test handler panics on purpose"),
            b"fail" => Err(io::Error::other("fail: the test handler gives up")),
            data => request.reply(&hello(data)),
        }
    }
}

fn hello(name: &[u8]) -> Vec<u8> {
    [b"Hello, ".as_slice(), name, b"!"].concat()
}

/// What the `handle_error` hook was told: (client, what kind, text).
/// One call of the hook: the client's address, the error's kind, its text.
type Report = (SocketAddr, String, String);
type Reports = Arc<Mutex<Vec<Report>>>;

fn reporting_hook(reports: &Reports) -> impl Fn(SocketAddr, &HandlerError) + Send + Sync + 'static {
    let reports = Arc::clone(reports);
    move |addr, error| {
        let kind = match error {
            HandlerError::Io(e) => format!("Io({:?})", e.kind()),
            HandlerError::Panic(_) => "Panic".to_owned(),
            HandlerError::DatagramTooLarge => "DatagramTooLarge".to_owned(),
        };
        reports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((addr, kind, error.to_string()));
    }
}

/// Waits until the hook has a report for `client`, and returns it.
fn report_for(reports: &Reports, client: SocketAddr, what: &str) -> (String, String) {
    report_within(reports, client).unwrap_or_else(|all| {
        panic!(
            "{what}: the handle_error hook was never called for {client} (it was called \
             for: {all:?}). Catch the handler's error or panic and pass it, with the \
             client's address, to the hook."
        )
    })
}

/// The hook's report for `client` (its kind and text), waiting up to
/// [`LIMIT`] for it; else every report there is.
fn report_within(reports: &Reports, client: SocketAddr) -> Result<(String, String), Vec<Report>> {
    let start = Instant::now();
    loop {
        let all = reports.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some((_, kind, text)) = all.iter().find(|(a, _, _)| *a == client) {
            return Ok((kind.clone(), text.clone()));
        }
        if start.elapsed() > LIMIT {
            return Err(all);
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// A connected pair with timeouts: the server's side, the client, the
/// client's address.
fn pair() -> (TcpStream, TcpStream, SocketAddr) {
    let (client, server_side) = net::pair();
    net::set_timeouts(&client, LIMIT);
    net::set_timeouts(&server_side, LIMIT);
    let addr = client
        .local_addr()
        .expect("a connected socket has an address");
    (server_side, client, addr)
}

// ---------------------------------------------------------------------------
// Requests and handlers
// ---------------------------------------------------------------------------

#[rstest]
#[case::one("我发送了一条消息\n", "我接收了一条消息\n")]
#[case::several("发送发送,再发送", "接收接收,再接收")]
#[case::none("hello, world\n", "hello, world\n")]
#[case::half_a_word("发出送达\n", "发出送达\n")]
#[case::empty("", "")]
fn step01_chat_reply_swaps_the_verb(#[case] line: &str, #[case] want: &str) {
    let _step = step!(LESSON);
    let input = line.as_bytes().to_vec();
    let got = within(LIMIT, "chat_reply", move || chat_reply(&input));
    assert_bytes_eq(
        &format!("chat_reply(\"{line}\") (every 发送 becomes 接收, nothing else changes)"),
        want.as_bytes(),
        &got,
    );
    // Bytes that are not UTF-8 pass through; the word next to them is still swapped.
    let raw = [b"\xff".as_slice(), "发送".as_bytes(), b"\xfe\n"].concat();
    let want_raw = [b"\xff".as_slice(), "接收".as_bytes(), b"\xfe\n"].concat();
    let input = raw.clone();
    let got = within(LIMIT, "chat_reply", move || chat_reply(&input));
    assert_bytes_eq(
        &format!(
            "chat_reply(b\"{}\"): a line that is not UTF-8",
            escape(&raw)
        ),
        &want_raw,
        &got,
    );
}

#[test]
fn step02_request_wraps_the_stream() {
    let _step = step!(LESSON);
    let (server_side, mut client, client_addr) = pair();
    client
        .write_all(b"ping\nrest")
        .expect("the test writes to its socket");
    let got = within(
        LIMIT,
        "StreamRequest::new, then rfile and wfile",
        move || {
            let mut request = StreamRequest::new(server_side, client_addr)?;
            let mut line = String::new();
            request.rfile.read_line(&mut line)?;
            request.wfile.write_all(b"pong\n")?;
            request.wfile.flush()?;
            Ok::<_, io::Error>((line, request.client_address, request))
        },
    );
    let (line, address, _request) =
        got.unwrap_or_else(|e| panic!("StreamRequest::new or its rfile/wfile failed: {e}"));
    assert_eq!(
        line, "ping\n",
        "the client sent \"ping\\nrest\": request.rfile.read_line should return its first line"
    );
    assert_eq!(
        address, client_addr,
        "request.client_address must be the address passed to StreamRequest::new"
    );
    let mut back = [0u8; 5];
    match client.read_exact(&mut back) {
        Ok(()) => assert_bytes_eq(
            "the client's view of request.wfile.write_all(b\"pong\\n\") then flush()",
            b"pong\n",
            &back,
        ),
        Err(e) => panic!(
            "after request.wfile.write_all(b\"pong\\n\") and flush(), the client read nothing ({}): \
             wfile must write to the same connection",
            testkit::explain::io_error(&e, LIMIT)
        ),
    }
}

/// Logs each method it runs; can fail in `setup` or `handle`, or panic.
struct Recorder {
    log: Log,
    fail_in: &'static str,
}

impl StreamHandler for Recorder {
    fn setup(&mut self, _request: &mut StreamRequest) -> io::Result<()> {
        record(&self.log, "setup".into());
        if self.fail_in == "setup" {
            return Err(io::Error::other("setup failed on purpose"));
        }
        Ok(())
    }

    fn handle(&mut self, request: &mut StreamRequest) -> io::Result<()> {
        record(&self.log, "handle".into());
        // Written, never flushed: the framework must flush when the request ends.
        request.wfile.write_all(b"from handle;")?;
        match self.fail_in {
            "handle" => Err(io::Error::other("handle failed on purpose")),
            "panic" => panic!("boom: handle panics on purpose"),
            _ => Ok(()),
        }
    }

    fn finish(&mut self, request: &mut StreamRequest) -> io::Result<()> {
        record(&self.log, "finish".into());
        request.wfile.write_all(b"from finish")
    }
}

#[rstest]
#[case::all_well("", &["setup", "handle", "finish"], "from handle;from finish", "Ok(())")]
#[case::handle_fails("handle", &["setup", "handle", "finish"], "from handle;from finish", "HandlerError::Io")]
#[case::setup_fails("setup", &["setup"], "", "HandlerError::Io")]
#[case::handle_panics("panic", &["setup", "handle", "finish"], "from handle;from finish", "HandlerError::Panic")]
fn step03_handler_runs_setup_handle_finish(
    #[case] fail_in: &'static str,
    #[case] calls: &[&str],
    #[case] client_sees: &str,
    #[case] outcome: &str,
) {
    let _step = step!(LESSON);
    let (server_side, mut client, client_addr) = pair();
    let log = new_log();
    let mut handler = Recorder {
        log: Arc::clone(&log),
        fail_in,
    };
    let result = within(LIMIT, "serve_stream", move || {
        serve_stream(&mut handler, server_side, client_addr)
    });
    let what = match fail_in {
        "" => "a handler whose methods all succeed".to_owned(),
        "panic" => "a handler whose handle() panics".to_owned(),
        m => format!("a handler whose {m}() returns an error"),
    };
    let got = match &result {
        Ok(()) => "Ok(())",
        Err(HandlerError::Io(_)) => "HandlerError::Io",
        Err(HandlerError::Panic(_)) => "HandlerError::Panic",
        Err(HandlerError::DatagramTooLarge) => "HandlerError::DatagramTooLarge",
    };
    assert_eq!(
        got, outcome,
        "serve_stream with {what} must return {outcome}; it returned {result:?}"
    );
    let seen = events(&log);
    let seen: Vec<&str> = seen.iter().map(String::as_str).collect();
    assert_eq!(
        seen, calls,
        "serve_stream with {what}: the methods called, in order (Python calls finish() even \
         when handle() raised or panicked, as a try/finally does, and nothing after a failed \
         setup())"
    );
    let mut received = Vec::new();
    if let Err(e) = client.read_to_end(&mut received) {
        panic!(
            "serve_stream with {what}: the client expected \"{client_sees}\" then EOF, but \
             reading failed ({}) after \"{}\". Flush wfile, then close the connection, \
             whatever the handler did.",
            testkit::explain::io_error(&e, LIMIT),
            escape(&received)
        );
    }
    assert_bytes_eq(
        &format!(
            "serve_stream with {what}: what the client received before EOF (handle and finish \
             write to wfile without flushing: serve_stream must flush it at the end)"
        ),
        client_sees.as_bytes(),
        &received,
    );
}

// ---------------------------------------------------------------------------
// Servers: running a learner's server, and the steps that do
// ---------------------------------------------------------------------------

/// What the tests need from each kind of server.
trait Serve: Send + 'static {
    fn serve(&mut self, poll: Duration) -> io::Result<()>;
    fn handle(&self) -> ShutdownHandle;
}

macro_rules! serve_impl {
    ($($server:ty),*) => {$(
        impl Serve for $server {
            fn serve(&mut self, poll: Duration) -> io::Result<()> {
                self.serve_forever(poll)
            }
            fn handle(&self) -> ShutdownHandle {
                self.shutdown_handle()
            }
        }
    )*};
}
serve_impl!(TcpServer, ThreadingTcpServer, UdpServer);

/// What `serve_forever` returned, and the server, to be closed after.
struct Served<S>(io::Result<()>, S);

impl<S> std::fmt::Debug for Served<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// A server in `serve_forever(poll)` on its own thread.
struct Running<S> {
    handle: Option<ShutdownHandle>,
    learner: Learner<Served<S>>,
    poll: Duration,
    /// The serving thread's CPU clock, sent as it starts.
    clock: mpsc::Receiver<Option<ThreadClock>>,
}

impl<S: Serve> Running<S> {
    /// Takes the shutdown handle (before serving, as a program would) and
    /// starts `serve_forever(POLL)` on a thread.
    fn start(name: &'static str, server: S, with_handle: bool) -> Running<S> {
        Running::polling(name, server, with_handle, POLL)
    }

    /// As [`Running::start`], with `serve_forever(poll)`.
    fn polling(name: &'static str, mut server: S, with_handle: bool, poll: Duration) -> Running<S> {
        let mut handle = None;
        if with_handle {
            let (s, h) = within(LIMIT, &format!("{name}::shutdown_handle"), move || {
                let h = server.handle();
                (server, h)
            });
            server = s;
            handle = Some(h);
        }
        let (tx, clock) = mpsc::channel();
        let learner = Learner::spawn(&format!("{name}::serve_forever({poll:?})"), move || {
            let _ = tx.send(ThreadClock::current());
            let result = server.serve(poll);
            Served(result, server)
        });
        Running {
            handle,
            learner,
            poll,
            clock,
        }
    }

    /// A client of this server at `to` (the server, or a relay in front of
    /// it); its failures say first how the server ended, if it has.
    fn client(&self, to: SocketAddr, name: &str) -> LineClient {
        LineClient::connect(name, to).watching(self.learner.watch())
    }

    /// Fails the step, saying first how the server ended, if it has.
    #[track_caller]
    fn fail(&self, message: impl std::fmt::Display) -> ! {
        self.learner.fail(message)
    }

    /// Calls `shutdown()` on another thread; the channel tells when it returned.
    fn request_shutdown(&self) -> mpsc::Receiver<Result<(), String>> {
        let handle = self.handle.clone().expect("started with a shutdown handle");
        let (tx, returned) = mpsc::channel();
        thread::spawn(move || {
            let outcome = catch_quietly(|| handle.shutdown()).map_err(|(payload, place)| {
                format!(
                    "ShutdownHandle::shutdown {}",
                    panic_report(payload.as_ref(), place.as_deref())
                )
            });
            let _ = tx.send(outcome);
        });
        returned
    }

    /// Calls `shutdown()` and waits for `serve_forever` to return the server.
    #[track_caller]
    fn stop(self) -> S {
        let returned = self.request_shutdown();
        self.stopped(&returned)
    }

    /// Waits for a `shutdown()` started by [`Running::request_shutdown`] to
    /// return, then for `serve_forever` to return the server.
    #[track_caller]
    fn stopped(self, returned: &mpsc::Receiver<Result<(), String>>) -> S {
        let zero = if self.poll.is_zero() {
            " With serve_forever(Duration::ZERO): a zero timeout means no timeout at all to the \
             kernel (and std's set_read_timeout refuses it), so a zero poll interval must still \
             poll, every millisecond say."
        } else {
            ""
        };
        match returned.recv_timeout(SHUTDOWN_LIMIT) {
            Ok(Ok(())) => {}
            Ok(Err(panicked)) => panic!("{panicked}"),
            Err(_) => self.learner.fail(format!(
                "ShutdownHandle::shutdown() did not return within {:.1} s. serve_forever must \
                 look at the shutdown flag at least once per poll interval (give the listening \
                 socket a read timeout of poll_interval), and shutdown() must be woken when \
                 serve_forever returns (Condvar::notify_all).{zero}",
                SHUTDOWN_LIMIT.as_secs_f64()
            )),
        }
        let what = self.learner.what().to_owned();
        let after = "shutdown() returned (serve_forever must look at the shutdown flag at least \
                     every poll interval: the accept or recv_from must not block for longer)";
        match self.learner.wait(SHUTDOWN_LIMIT, after) {
            Served(Ok(()), server) => server,
            Served(Err(e), _) => panic!("after shutdown(), {what} returned an error: {e}"),
        }
    }
}

fn serial(listener: TcpListener, factory: impl Fn() -> Echo + Send + Sync + 'static) -> TcpServer {
    within(LIMIT, "TcpServer::from_listener", move || {
        TcpServer::from_listener(listener, factory)
    })
}

fn threading<H: StreamHandler + 'static>(
    listener: TcpListener,
    factory: impl Fn() -> H + Send + Sync + 'static,
) -> ThreadingTcpServer {
    within(LIMIT, "ThreadingTcpServer::from_listener", move || {
        ThreadingTcpServer::from_listener(listener, factory)
    })
}

fn udp_server() -> (UdpServer, SocketAddr) {
    let (socket, addr) = net::udp();
    let server = within(LIMIT, "UdpServer::from_socket", move || {
        UdpServer::from_socket(socket, || Hello)
    });
    (server, addr)
}

/// How a stream step cuts the bytes between the client and the server.
#[derive(Debug, Clone, Copy)]
enum Cut {
    Direct,
    Merged,
    OneByte,
    Random,
}

impl Cut {
    /// A route to `server`: directly, or through a relay that cuts this way.
    fn route(self, server: SocketAddr, seed: u64) -> Route {
        let chunking = match self {
            Cut::Direct => None,
            Cut::Merged => Some(Chunking::Whole),
            Cut::OneByte => Some(Chunking::Fixed(1)),
            Cut::Random => Some(Chunking::Random { seed, max: 5 }),
        };
        Route::to(server, chunking)
    }
}

#[rstest]
#[case::direct(Cut::Direct)]
#[case::merged(Cut::Merged)]
#[case::one_byte(Cut::OneByte)]
#[case::random(Cut::Random)]
fn step04_handle_request_serves_one_client(#[case] cut: Cut) {
    let step = step!(LESSON);
    let log = new_log();
    let (listener, bound) = net::listener();
    let server = serial(listener, echo(false, &log));
    let (server, addr) = within(LIMIT, "TcpServer::server_address", move || {
        let addr = server.server_address();
        (server, addr)
    });
    let addr = addr.unwrap_or_else(|e| panic!("TcpServer::server_address failed: {e}"));
    assert_eq!(
        addr, bound,
        "server_address() must be the address the listener is bound to"
    );
    let (tx, done) = mpsc::channel();
    thread::spawn(move || {
        let mut server = server;
        let _ = tx.send(server.handle_request());
    });
    let route = cut.route(addr, step.seed());
    let mut client = LineClient::connect(
        &format!(
            "a client of an echo handler under handle_request(), {}",
            route.how
        ),
        route.addr,
    );
    let lines: [&[u8]; 3] = [b"one\n", "二\n".as_bytes(), b"three four\n"];
    client.send(&lines.concat());
    for line in lines {
        client.expect(line);
    }
    client.half_close();
    client.note("the handler ends when the client closes its side");
    client.expect_closed();
    match done.recv_timeout(LIMIT) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("handle_request returned an error: {e}"),
        Err(_) => panic!(
            "handle_request did not return within {:.1} s after serving its one client",
            LIMIT.as_secs_f64()
        ),
    }
}

#[test]
fn step05_serial_server_serves_one_client_at_a_time() {
    let _step = step!(LESSON);
    let log = new_log();
    let (listener, addr) = net::listener();
    let server = serial(listener, echo(true, &log));
    let running = Running::start("TcpServer", server, false);
    let mut first = running.client(addr, "the first client");
    first.expect(b"hello\n");
    let mut second = running.client(addr, "the second client");
    second.send(b"second\n");
    second.expect_silence(
        Duration::from_millis(300),
        "the first client is still connected: a TcpServer serves one connection at a time (the \
         threading server is a later step)",
    );
    first.send(b"first\n");
    first.expect(b"first\n");
    drop(first);
    second.note("the first client left");
    second.expect(b"hello\n");
    second.expect(b"second\n");
    let seen = events(&log);
    assert!(
        seen.len() >= 3 && seen[0].starts_with("begin") && seen[1].starts_with("end"),
        "the serial server must finish one request before it begins the next; handlers saw {seen:?}"
    );
}

/// Calls its server's `shutdown()` from inside `handle`.
struct Stopper {
    handle: Arc<OnceLock<ShutdownHandle>>,
}

impl StreamHandler for Stopper {
    fn handle(&mut self, request: &mut StreamRequest) -> io::Result<()> {
        request.wfile.write_all(b"bye\n")?;
        request.wfile.flush()?;
        if let Some(handle) = self.handle.get() {
            handle.shutdown();
        }
        Ok(())
    }
}

// `before_serving` first: it alone has no race with the server's start.
// A wrong program that fails it and, on a busy machine, `idle` too (a
// shutdown() that lands before serve_forever runs) is reported by it,
// whatever the load.
#[rstest]
#[case::before_serving("before_serving")]
#[case::idle("idle")]
#[case::after_a_client("after_a_client")]
#[case::from_a_handler("from_a_handler")]
#[case::zero_poll_interval("zero_poll_interval")]
#[case::while_a_client_is_served("while_a_client_is_served")]
#[case::serves_again_after("serves_again_after")]
fn step06_shutdown_stops_serve_forever(#[case] when: &str) {
    let _step = step!(LESSON);
    let (listener, addr) = net::listener();
    if when == "from_a_handler" {
        let slot: Arc<OnceLock<ShutdownHandle>> = Arc::new(OnceLock::new());
        let inside = Arc::clone(&slot);
        let server = within(LIMIT, "TcpServer::from_listener", move || {
            TcpServer::from_listener(listener, move || Stopper {
                handle: Arc::clone(&inside),
            })
        });
        let (server, handle) = within(LIMIT, "TcpServer::shutdown_handle", move || {
            let h = server.shutdown_handle();
            (server, h)
        });
        let _ = slot.set(handle);
        let running = Running::start("TcpServer", server, false);
        let mut client = running.client(addr, "a client of a handler that shuts its server down");
        client.expect(b"bye\n");
        let after = "a handler called shutdown(). Did shutdown() wait for serve_forever to \
                     return while running on serve_forever's own thread? That waits for ever \
                     (Python's deadlock): when called from the serving thread, only ask, do not \
                     wait";
        if let Served(Err(e), _) = running.learner.wait(LIMIT, after) {
            panic!("serve_forever returned an error: {e}");
        }
        return;
    }
    let log = new_log();
    let server = serial(listener, echo(true, &log));
    match when {
        "zero_poll_interval" => return shutdown_with_zero_poll(server, addr),
        "while_a_client_is_served" => return shutdown_waits_for_the_request(server, addr),
        "serves_again_after" => return serves_again_after_shutdown(server, addr, &log),
        "before_serving" => return shutdown_before_serving(server, addr),
        _ => {}
    }
    let running = Running::start("TcpServer", server, true);
    if when == "after_a_client" {
        let mut client = running.client(addr, "a client served before the shutdown");
        client.expect(b"hello\n");
        drop(client);
        // Wait until that request is over, so the shutdown meets an idle loop.
        let start = Instant::now();
        while !events(&log).iter().any(|e| e.starts_with("end")) && start.elapsed() < LIMIT {
            thread::sleep(Duration::from_millis(5));
        }
    }
    let started = Instant::now();
    let _server = running.stop();
    let took = started.elapsed();
    assert!(
        took < SHUTDOWN_LIMIT,
        "shutdown() took {took:?} with a poll interval of {POLL:?}"
    );
}

/// `serve_forever(Duration::ZERO)` serves, and notices a shutdown.
fn shutdown_with_zero_poll(server: TcpServer, addr: SocketAddr) {
    let running = Running::polling("TcpServer", server, true, Duration::ZERO);
    let mut client = running.client(addr, "a client of serve_forever(Duration::ZERO)");
    client.note(
        "a poll interval of zero means \"look for a shutdown as often as you can\", not \
         \"never\"",
    );
    client.expect(b"hello\n");
    client.half_close();
    client.note("the handler ends when the client closes its side");
    client.expect_closed();
    // The request is over: give serve_forever time to be back waiting for
    // the next client, so that the shutdown finds it there (a server that
    // waits there without a timeout never sees it). A busy machine can only
    // make a wrong server pass, never a right one fail.
    std::thread::sleep(Duration::from_millis(300));
    running.stop();
}

/// A serial server serves its request inside `serve_forever`: `shutdown()`
/// returns only after that request ends and `serve_forever` returns.
fn shutdown_waits_for_the_request(server: TcpServer, addr: SocketAddr) {
    let running = Running::start("TcpServer", server, true);
    let mut client = running.client(addr, "a client being served when shutdown() is called");
    client.expect(b"hello\n");
    let returned = running.request_shutdown();
    match returned.recv_timeout(Duration::from_millis(500)) {
        Err(RecvTimeoutError::Timeout) => {}
        Ok(Err(panicked)) => panic!("{panicked}"),
        Ok(Ok(())) | Err(RecvTimeoutError::Disconnected) => running.fail(
            "shutdown() returned while serve_forever was still serving a client (a serial \
             server serves its request inside serve_forever). shutdown() must wait until \
             serve_forever has returned, as Python's does: a program that closes its resources \
             after shutdown() must not pull them from under a running handler.",
        ),
    }
    client.note("shutdown() was called: the client being served is served to the end");
    client.send(b"last words\n");
    client.expect(b"last words\n");
    drop(client);
    running.stopped(&returned);
}

/// After a shutdown, `serve_forever` on the same server serves again.
fn serves_again_after_shutdown(server: TcpServer, addr: SocketAddr, log: &Log) {
    let running = Running::start("TcpServer", server, true);
    let mut client = running.client(addr, "a client before the shutdown");
    client.expect(b"hello\n");
    drop(client);
    let start = Instant::now();
    while !events(log).iter().any(|e| e.starts_with("end")) && start.elapsed() < LIMIT {
        thread::sleep(Duration::from_millis(5));
    }
    let server = running.stop();
    let running = Running::start("TcpServer", server, true);
    let mut again = running.client(addr, "a client after serve_forever was called again");
    again.note(
        "the same server was shut down, then serve_forever was called again: it must serve \
         again, as Python's does (clear the shutdown request when serve_forever returns, or the \
         next serve_forever stops before it starts)",
    );
    again.expect(b"hello\n");
    drop(again);
    running.stop();
}

/// `shutdown()` before any `serve_forever`: it returns at once, the next
/// `serve_forever` returns at once without serving (the request waited for
/// it), and the one after that serves again.
fn shutdown_before_serving(server: TcpServer, addr: SocketAddr) {
    let (server, handle) = within(LIMIT, "TcpServer::shutdown_handle", move || {
        let h = server.shutdown_handle();
        (server, h)
    });
    Learner::spawn(
        "ShutdownHandle::shutdown(), called before any serve_forever",
        move || handle.shutdown(),
    )
    .wait(
        SHUTDOWN_LIMIT,
        "being called while nothing was serving: then there is no loop to wait for, so \
         shutdown() only asks (it sets the request) and returns at once",
    );
    let running = Running::start("TcpServer", server, false);
    let after = "shutdown() had been called before it started. The request stands until a \
                 serve_forever uses it up: the next serve_forever returns at once, without \
                 serving. Look at the request before the first accept, and clear it when \
                 serve_forever returns, never when it starts";
    let server = match running.learner.wait(SHUTDOWN_LIMIT, after) {
        Served(Ok(()), server) => server,
        Served(Err(e), _) => panic!(
            "serve_forever, called after a shutdown() with nothing serving, returned an error: {e}"
        ),
    };
    let running = Running::start("TcpServer", server, true);
    let mut again = running.client(
        addr,
        "a client of the serve_forever after that (the request that ended the one before is \
         used up: clear the shutdown request when serve_forever returns)",
    );
    again.note(
        "shutdown() was called before serving and the next serve_forever returned at once, \
         using it up: this serve_forever serves until the next shutdown()",
    );
    again.expect(b"hello\n");
    drop(again);
    running.stop();
}

#[test]
fn step07_allow_reuse_address_rebinds_a_busy_port() {
    let _step = step!(LESSON);
    // Leave a connection in TIME_WAIT on a server port: the server closes
    // first, then the client.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
        .expect("create a socket");
    socket.set_reuse_address(true).expect("SO_REUSEADDR");
    let any: SocketAddr = "127.0.0.1:0".parse().expect("loopback");
    socket.bind(&any.into()).expect("bind port 0");
    socket.listen(8).expect("listen");
    let listener: TcpListener = socket.into();
    let addr = listener.local_addr().expect("an address");
    let mut client = net::connect(addr, LIMIT);
    let (accepted, _) = listener.accept().expect("accept");
    drop(accepted);
    let mut rest = Vec::new();
    let _ = client.read_to_end(&mut rest);
    drop(client);
    drop(listener);

    let refused = within(LIMIT, "bind_listener(addr, false)", move || {
        bind_listener(addr, false).map(|l| l.local_addr())
    });
    match refused {
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => {}
        Err(e) => panic!(
            "bind_listener({addr}, false) on a port with a connection in TIME_WAIT: expected \
             the error AddrInUse, got {:?} ({e})",
            e.kind()
        ),
        Ok(_) => panic!(
            "bind_listener({addr}, false) succeeded on a port with a connection in TIME_WAIT: \
             set SO_REUSEADDR only when allow_reuse_address is true"
        ),
    }
    let reused = within(LIMIT, "bind_listener(addr, true)", move || {
        bind_listener(addr, true)
    });
    let listener = reused.unwrap_or_else(|e| {
        panic!(
            "bind_listener({addr}, true) failed ({e}) on a port whose old connection is in \
             TIME_WAIT: set SO_REUSEADDR (socket2's set_reuse_address) BEFORE bind"
        )
    });
    assert_eq!(
        listener.local_addr().ok(),
        Some(addr),
        "bind_listener must bind the address it was given"
    );
    let _client = TcpStream::connect_timeout(&addr, LIMIT).unwrap_or_else(|e| {
        panic!(
            "bind_listener({addr}, true) returned a socket nobody can connect to ({e}): call listen"
        )
    });

    // TcpServer::bind does the same from an address, port 0 included.
    let log = new_log();
    let factory = echo(false, &log);
    let server = within(LIMIT, "TcpServer::bind(\"127.0.0.1:0\", ..)", move || {
        TcpServer::bind("127.0.0.1:0", factory).and_then(|s| s.server_address())
    });
    let bound =
        server.unwrap_or_else(|e| panic!("TcpServer::bind(\"127.0.0.1:0\", ..) failed: {e}"));
    assert!(
        bound.ip().is_loopback() && bound.port() != 0,
        "server_address() of a TcpServer bound to 127.0.0.1:0 must be 127.0.0.1 with the port \
         the kernel chose, not {bound}"
    );
}

#[rstest]
#[case::direct(Cut::Direct)]
#[case::one_byte(Cut::OneByte)]
#[case::random(Cut::Random)]
fn step08_threading_server_serves_clients_concurrently(#[case] cut: Cut) {
    let step = step!(LESSON);
    const CLIENTS: usize = 4;
    let bound = within(
        LIMIT,
        "ThreadingTcpServer::bind(\"127.0.0.1:0\", ..)",
        || ThreadingTcpServer::bind("127.0.0.1:0", || ChatHandler).and_then(|s| s.server_address()),
    );
    assert!(
        matches!(bound, Ok(a) if a.ip().is_loopback() && a.port() != 0),
        "ThreadingTcpServer::bind(\"127.0.0.1:0\", ..) then server_address(): expected 127.0.0.1 \
         and the port the kernel chose, got {bound:?}"
    );
    let log = new_log();
    let (listener, addr) = net::listener();
    let server = threading(listener, echo(true, &log));
    let running = Running::start("ThreadingTcpServer", server, true);
    let route = cut.route(addr, step.seed());
    let mut clients: Vec<LineClient> = Vec::new();
    for n in 1..=CLIENTS {
        let mut client = running.client(
            route.addr,
            &format!("client {n} of {CLIENTS} ({})", route.how),
        );
        client.note(format!(
            "clients 1..{n} stay connected: ThreadingTcpServer must serve each connection on a \
             thread of its own, so that a waiting client never holds up a new one"
        ));
        client.expect(b"hello\n");
        clients.push(client);
    }
    // Answer in the reverse order of arrival: each handler runs on its own.
    for (n, client) in clients.iter_mut().enumerate().rev() {
        let line = format!("client {} says hi\n", n + 1);
        client.send(line.as_bytes());
        client.expect(line.as_bytes());
    }
    drop(clients);
    let server = running.stop();
    within(LIMIT, "ThreadingTcpServer::server_close", move || {
        server.server_close()
    });
}

#[test]
fn step09_threading_shutdown_lets_clients_finish() {
    let _step = step!(LESSON);
    let log = new_log();
    let (listener, addr) = net::listener();
    let server = threading(listener, echo(true, &log));
    let running = Running::start("ThreadingTcpServer", server, true);
    let mut client = running.client(addr, "a client connected before the shutdown");
    client.expect(b"hello\n");
    // Another client comes and goes meanwhile: a server that forgets its
    // finished workers must keep the first one's.
    let mut second = running.client(addr, "a second client, come and gone meanwhile");
    second.expect(b"hello\n");
    drop(second);
    // shutdown() stops the accept loop; it does not wait for the handlers.
    let server = running.stop();
    client.note("the server was shut down: a client connected before is still served");
    client.send(b"still here\n");
    client.expect(b"still here\n");
    let (tx, closed) = mpsc::channel();
    thread::spawn(move || {
        server.server_close();
        let _ = tx.send(());
    });
    match closed.recv_timeout(Duration::from_millis(300)) {
        Ok(()) => panic!(
            "server_close() returned while a client was still being served: it must wait for \
             (join) the handler threads still running, as Python's block_on_close does (a \
             second client came and went meanwhile: forget only the workers that have \
             finished)"
        ),
        Err(RecvTimeoutError::Disconnected) => {
            panic!(
                "server_close() panicked (see its message above): drop the listener, then join the workers"
            )
        }
        Err(RecvTimeoutError::Timeout) => {}
    }
    drop(client);
    if closed.recv_timeout(LIMIT).is_err() {
        panic!(
            "server_close() did not return within {:.1} s after the last client left: join \
             every handler thread, and keep no thread that never ends",
            LIMIT.as_secs_f64()
        );
    }
}

/// Sends `name` from `client` until the matching `Hello, name!` comes back;
/// returns every datagram received on the way.
fn ask(client: &UdpSocket, to: SocketAddr, name: &[u8], how: &str) -> Vec<Vec<u8>> {
    let want = hello(name);
    let mut received = Vec::new();
    let mut buf = vec![0u8; 65_536];
    for _ in 0..40 {
        client.send_to(name, to).expect("the test sends a datagram");
        let until = Instant::now() + Duration::from_millis(150);
        while Instant::now() < until {
            match client.recv_from(&mut buf) {
                Ok((n, _)) => {
                    let got = buf[..n].to_vec();
                    let done = got == want;
                    received.push(got);
                    if done {
                        return received;
                    }
                }
                Err(_) => break,
            }
        }
    }
    panic!(
        "sent \"{}\" 40 times {how}, never got \"{}\" back; got {:?}",
        escape(name),
        escape(&want),
        received.iter().map(|r| escape(r)).collect::<Vec<_>>()
    );
}

/// `UdpServer::bind` on port 0, then `handle_request` serves one datagram.
fn handle_one_datagram() {
    let server = within(LIMIT, "UdpServer::bind(\"127.0.0.1:0\", ..)", || {
        UdpServer::bind("127.0.0.1:0", || Hello).and_then(|s| s.server_address().map(|a| (s, a)))
    });
    let (mut server, addr) =
        server.unwrap_or_else(|e| panic!("UdpServer::bind(\"127.0.0.1:0\", ..) failed: {e}"));
    assert!(
        addr.ip().is_loopback() && addr.port() != 0,
        "server_address() of a UdpServer bound to 127.0.0.1:0 must be 127.0.0.1 with the port \
         the kernel chose, not {addr}"
    );
    let (tx, done) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(server.handle_request());
    });
    let (client, _) = net::udp();
    client
        .set_read_timeout(Some(LIMIT))
        .expect("set a read timeout");
    client.send_to(b"Eve", addr).expect("send");
    let mut buf = [0u8; 64];
    match client.recv_from(&mut buf) {
        Ok((n, _)) => assert_bytes_eq(
            "UdpServer::handle_request answering the datagram \"Eve\"",
            b"Hello, Eve!",
            &buf[..n],
        ),
        Err(e) => panic!("UdpServer::handle_request never answered the datagram \"Eve\": {e}"),
    }
    match done.recv_timeout(LIMIT) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("UdpServer::handle_request returned an error: {e}"),
        Err(_) => panic!("UdpServer::handle_request did not return after serving one datagram"),
    }
}

#[rstest]
#[case::perfect(false)]
#[case::lossy(true)]
fn step10_udp_server_answers_each_datagram(#[case] lossy: bool) {
    let step = step!(LESSON);
    let (server, addr) = udp_server();
    let (server, bound) = within(LIMIT, "UdpServer::server_address", move || {
        let a = server.server_address();
        (server, a)
    });
    assert_eq!(
        bound.ok(),
        Some(addr),
        "UdpServer::server_address must be the socket's address"
    );
    let running = Running::start("UdpServer", server, true);
    if !lossy {
        handle_one_datagram();
    }
    let plan = if lossy {
        LossPlan::lossy(step.seed())
    } else {
        LossPlan::perfect(step.seed())
    };
    let relay = UdpRelay::start(addr, plan);
    let how = format!("through a relay that does: {plan}");
    let (alice, _) = net::udp();
    let (bob, _) = net::udp();
    for c in [&alice, &bob] {
        c.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("set a read timeout");
    }
    let names: [&[u8]; 4] = [b"Alice", "张三".as_bytes(), b"Bob", b"O'Brien"];
    let mut all = Vec::new();
    for (i, name) in names.iter().enumerate() {
        // Two clients, interleaved: the server answers whoever sent.
        let client = if i % 2 == 0 { &alice } else { &bob };
        all.extend(ask(client, relay.addr(), name, &how));
    }
    let valid: Vec<Vec<u8>> = names.iter().map(|n| hello(n)).collect();
    for got in &all {
        assert!(
            valid.contains(got),
            "the UDP server sent \"{}\", which is no answer to any name sent ({how})",
            escape(got)
        );
    }
    running.stop();
}

/// A number that differs from run to run (the std hasher's random keys).
fn rand_port() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::process::id())
}

/// The default hook, `print_error`, as Python's `handle_error` prints: run
/// in a child process, whose stderr the step reads.
fn default_hook_prints_the_report() {
    // A fresh port and panic message each run, passed down to the child.
    let report = |port: &str| -> (SocketAddr, HandlerError) {
        let client = format!("127.0.0.1:{port}").parse().expect("an address");
        (client, HandlerError::Panic(format!("boom {port}")))
    };
    if let Some(port) = testkit::child::called("print_error") {
        let (client, error) = report(&port);
        print_error(client, &error);
        return;
    }
    let port = (1024 + rand_port() % 60_000).to_string();
    let (client, error) = report(&port);
    let out = testkit::child::output_of("print_error", &port, LIMIT);
    let ruler = "-".repeat(40);
    let expected = format!(
        "{ruler}\nException occurred during processing of request from {client}\n{error}\n{ruler}\n"
    );
    let call = format!("print_error({client}, &HandlerError::Panic(\"boom {port}\"))");
    if !out.passed {
        // The child's panic, without its thread's name (the checker reads
        // this step's own "thread '...' panicked") and without a backtrace.
        let said: Vec<&str> = out
            .stderr
            .lines()
            .map(|l| l.split_once(" panicked at ").map_or(l, |(_, at)| at))
            .take_while(|l| !l.starts_with("stack backtrace:") && !l.starts_with("note:"))
            .filter(|l| !l.is_empty())
            .take(8)
            .collect();
        panic!(
            "{call}, run in a child process, panicked at {}",
            said.join("\n")
        );
    }
    if !out.stderr.contains(&expected) {
        panic!(
            "{call}, run in a child process, wrote to stderr:\n{}\nexpected, as Python's \
             handle_error prints:\n{expected}",
            testkit::show(out.stderr.as_bytes())
        );
    }
}

#[rstest]
#[case::serial("TcpServer")]
#[case::threading("ThreadingTcpServer")]
#[case::udp("UdpServer")]
fn step11_failing_handlers_are_reported(#[case] kind: &'static str) {
    let _step = step!(LESSON);
    if kind == "TcpServer" {
        default_hook_prints_the_report();
    }
    let reports: Reports = Arc::new(Mutex::new(Vec::new()));
    if kind == "UdpServer" {
        let (mut server, addr) = udp_server();
        let hook = reporting_hook(&reports);
        server = within(LIMIT, "UdpServer::set_handle_error", move || {
            server.set_handle_error(hook);
            server
        });
        let running = Running::start(kind, server, true);
        let (client, me) = net::udp();
        client
            .set_read_timeout(Some(LIMIT))
            .expect("set a read timeout");
        client.send_to(b"boom", addr).expect("send");
        let (k, text) = report_for(&reports, me, "a datagram whose handler panics");
        assert!(
            k == "Panic" && text.contains("boom"),
            "a handler panicked with \"boom\": the hook should get HandlerError::Panic with that \
             message, got {k}: {text}"
        );
        client.send_to(b"fail", addr).expect("send");
        client.send_to(b"Carol", addr).expect("send");
        let mut buf = [0u8; 256];
        match client.recv_from(&mut buf) {
            Ok((n, _)) => assert_bytes_eq(
                "after a panic and an error, the next datagram is still answered",
                b"Hello, Carol!",
                &buf[..n],
            ),
            Err(e) => running.fail(format!(
                "after a handler panicked and one failed, the UDP server no longer answers ({})",
                testkit::explain::io_error(&e, LIMIT)
            )),
        }
        let all = reports.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert!(
            all.iter()
                .any(|(_, k, t)| k.starts_with("Io") && t.contains("fail")),
            "a handler returned an error \"fail\": the hook should get HandlerError::Io; it got {all:?}"
        );
        running.stop();
        return;
    }
    let log = new_log();
    let (listener, addr) = net::listener();
    let hook = reporting_hook(&reports);
    if kind == "TcpServer" {
        let mut server = serial(listener, echo(false, &log));
        server = within(LIMIT, "TcpServer::set_handle_error", move || {
            server.set_handle_error(hook);
            server
        });
        let running = Running::start(kind, server, true);
        failing_tcp_handlers(&running, addr, &reports);
        running.stop();
    } else {
        let mut server = threading(listener, echo(false, &log));
        server = within(LIMIT, "ThreadingTcpServer::set_handle_error", move || {
            server.set_handle_error(hook);
            server
        });
        let running = Running::start(kind, server, true);
        failing_tcp_handlers(&running, addr, &reports);
        running.stop().server_close();
    }
}

/// A handler that panics, one that fails, then one that works: the first
/// two are reported, the third is served.
fn failing_tcp_handlers<S: Serve>(running: &Running<S>, addr: SocketAddr, reports: &Reports) {
    let mut panicker = running.client(addr, "a client whose handler panics");
    panicker.send(b"boom\n");
    panicker.expect_closed();
    let (k, text) = report_for(reports, panicker.local_addr(), "a handler that panicked");
    assert!(
        k == "Panic" && text.contains("boom"),
        "a handler panicked with \"boom\": the hook should get HandlerError::Panic with that \
         message, got {k}: {text}"
    );
    let mut failer = running.client(addr, "a client whose handler returns an error");
    failer.send(b"fail\n");
    failer.expect_closed();
    let (k, text) = report_for(
        reports,
        failer.local_addr(),
        "a handler that returned an error",
    );
    assert!(
        k.starts_with("Io") && text.contains("fail"),
        "a handler returned the error \"fail\": the hook should get HandlerError::Io, got {k}: {text}"
    );
    let mut next = running.client(addr, "the next client");
    next.note("one handler panicked and one failed: the server still serves");
    next.send(b"still serving?\n");
    next.expect(b"still serving?\n");
}

#[test]
fn step12_rude_clients_do_not_stop_the_server() {
    let _step = step!(LESSON);
    let log = new_log();
    let reports: Reports = Arc::new(Mutex::new(Vec::new()));
    let (listener, addr) = net::listener();
    let mut server = serial(listener, echo(false, &log));
    let hook = reporting_hook(&reports);
    server = within(
        LIMIT,
        "TcpServer::set_timeout and set_handle_error",
        move || {
            server.set_timeout(Some(Duration::from_millis(300)));
            server.set_handle_error(hook);
            server
        },
    );
    let running = Running::start("TcpServer", server, true);

    // Half a line, then a half-close: the handler reads it at EOF and answers.
    let mut half = running.client(addr, "a client that half-closes after half a line");
    half.send(b"half a line");
    half.half_close();
    let (answer, error) = half.read_to_end(4096);
    if answer != b"half a line" || error.is_some() {
        half.fail("expected the echo \"half a line\", then EOF");
    }

    // A reset in the middle of a conversation.
    let mut rude = running.client(addr, "a client that resets mid-line");
    rude.send(b"x\n");
    rude.expect(b"x\n");
    rude.send(b"and then");
    rude.reset();

    // A client that connects and says nothing: the server's timeout ends it.
    let silent = running.client(addr, "a silent client");
    let mut next = running.client(addr, "a client waiting behind a silent one");
    next.note(
        "the server's timeout is 300 ms: set it as the read and write timeout of every \
         accepted connection",
    );
    next.send(b"anyone?\n");
    next.expect(b"anyone?\n");
    let (k, text) = report_for(
        &reports,
        silent.local_addr(),
        "a client that never sent anything",
    );
    assert!(
        k == "Io(WouldBlock)" || k == "Io(TimedOut)",
        "the silent client's handler should fail with a timeout (WouldBlock or TimedOut), \
         reported to the hook; got {k}: {text}"
    );
    drop(silent);
    running.stop();
    threading_timeout_ends_a_silent_client(&log);
    broken_listener_ends_serve_forever(&log);
}

/// The threading server's `set_timeout` too is every connection's read and
/// write timeout: a silent client's handler ends in a timeout, reported.
fn threading_timeout_ends_a_silent_client(log: &Log) {
    let reports: Reports = Arc::new(Mutex::new(Vec::new()));
    let (listener, addr) = net::listener();
    let mut server = threading(listener, echo(false, log));
    let hook = reporting_hook(&reports);
    server = within(
        LIMIT,
        "ThreadingTcpServer::set_timeout and set_handle_error",
        move || {
            server.set_timeout(Some(Duration::from_millis(300)));
            server.set_handle_error(hook);
            server
        },
    );
    let running = Running::start("ThreadingTcpServer", server, true);
    let silent = running.client(addr, "a silent client of the threading server");
    let Ok((k, text)) = report_within(&reports, silent.local_addr()) else {
        running.fail(format!(
            "ThreadingTcpServer::set_timeout(Some(300 ms)), then a client that sends nothing: \
             no report for it came within {} s. The timeout must become every accepted \
             connection's read and write timeout, as TcpServer's does, so that a silent \
             client's handler ends in a timeout error, which goes to the hook",
            LIMIT.as_secs()
        ));
    };
    assert!(
        k == "Io(WouldBlock)" || k == "Io(TimedOut)",
        "ThreadingTcpServer::set_timeout(Some(300 ms)), then a client that sends nothing: its \
         handler should fail with a timeout (WouldBlock or TimedOut), reported to the hook; \
         got {k}: {text}"
    );
    drop(silent);
    running.stop();
}

/// An `accept` error that is not a timeout, an interruption or a client
/// gone ends `serve_forever` with that error: here the listening socket is
/// shut down under it (Linux's accept then fails with EINVAL).
fn broken_listener_ends_serve_forever(log: &Log) {
    let (listener, addr) = net::listener();
    let same = listener
        .try_clone()
        .expect("a second handle on the listening socket (test setup)");
    let server = serial(listener, echo(false, log));
    let running = Running::start("TcpServer", server, true);
    let mut client = running.client(addr, "a client before the listener breaks");
    client.send(b"hi\n");
    client.expect(b"hi\n");
    drop(client);
    SockRef::from(&same)
        .shutdown(Shutdown::Both)
        .expect("shut the listening socket down (test setup)");
    let after = "the listening socket was shut down under serve_forever: its accept fails with \
                 an error that is not a timeout (EINVAL), and serve_forever must return it, \
                 not take it for a poll that found nobody";
    match running.learner.wait(SHUTDOWN_LIMIT, after) {
        Served(Err(_), _) => {}
        Served(Ok(()), _) => panic!(
            "{after}; it returned Ok(()), which means it was shut down, and nobody called \
             shutdown()"
        ),
    }
}

#[test]
fn step13_bad_datagrams_do_not_stop_the_server() {
    let _step = step!(LESSON);
    let reports: Reports = Arc::new(Mutex::new(Vec::new()));
    let (mut server, addr) = udp_server();
    let hook = reporting_hook(&reports);
    server = within(LIMIT, "UdpServer::set_handle_error", move || {
        server.set_handle_error(hook);
        server
    });
    let running = Running::start("UdpServer", server, true);
    let (client, me) = net::udp();
    client
        .set_read_timeout(Some(LIMIT))
        .expect("set a read timeout");
    let mut buf = vec![0u8; 65_536];
    let mut exchange = |send: &[u8], what: &str| -> Vec<u8> {
        client.send_to(send, addr).expect("send");
        match client.recv_from(&mut buf) {
            Ok((n, _)) => buf[..n].to_vec(),
            Err(e) => running.fail(format!(
                "{what}: no answer ({})",
                testkit::explain::io_error(&e, LIMIT)
            )),
        }
    };
    let got = exchange(b"", "an empty datagram");
    assert_bytes_eq("an empty datagram is a request too", b"Hello, !", &got);
    let raw = b"\xff\xfe\x00";
    let got = exchange(raw, "bytes that are not UTF-8");
    assert_bytes_eq(
        "a datagram that is not UTF-8 reaches the handler as it is",
        &hello(raw),
        &got,
    );
    let full = vec![b'a'; MAX_PACKET_SIZE];
    let got = exchange(&full, "a datagram of exactly MAX_PACKET_SIZE bytes");
    assert_bytes_eq(
        &format!("a datagram of exactly MAX_PACKET_SIZE ({MAX_PACKET_SIZE}) bytes is served whole"),
        &hello(&full),
        &got,
    );
    // The oversized datagram must get no answer: the next one is Dave's.
    let too_big = vec![b'b'; MAX_PACKET_SIZE + 1];
    client.send_to(&too_big, addr).expect("send");
    let got = exchange(b"Dave", "\"Dave\", sent after an oversized datagram");
    assert!(
        got == hello(b"Dave"),
        "a datagram of {} bytes (over MAX_PACKET_SIZE) was sent, then \"Dave\"; the first \
         answer was {} bytes (\"{}...\"), not \"Hello, Dave!\". An oversized datagram must be \
         dropped unanswered and reported as HandlerError::DatagramTooLarge: receive into a \
         buffer one byte longer than MAX_PACKET_SIZE to notice it.",
        too_big.len(),
        got.len(),
        escape(&got[..got.len().min(24)]),
    );
    let (k, _) = report_for(&reports, me, "a datagram longer than MAX_PACKET_SIZE");
    assert_eq!(
        k, "DatagramTooLarge",
        "a datagram over MAX_PACKET_SIZE should be reported to the hook as DatagramTooLarge"
    );
    running.stop();
}

#[rstest]
#[case::direct(Cut::Direct)]
#[case::merged(Cut::Merged)]
#[case::one_byte(Cut::OneByte)]
#[case::random(Cut::Random)]
fn step14_chat_handler_speaks_the_tutorial_protocol(#[case] cut: Cut) {
    let step = step!(LESSON);
    let (listener, addr) = net::listener();
    let server = threading(listener, || ChatHandler);
    let running = Running::start("ThreadingTcpServer", server, true);
    let route = cut.route(addr, step.seed());
    let mut client = running.client(route.addr, &format!("the client ({})", route.how));
    client.expect(GREETING.as_bytes());
    // (line sent, answer expected)
    let lines: [(Vec<u8>, Vec<u8>); 4] = [
        ("我发送了一条消息\n".into(), "我接收了一条消息\n".into()),
        ("发送发送\n".into(), "接收接收\n".into()),
        (b"hello\n".to_vec(), b"hello\n".to_vec()),
        (
            [b"\xff".as_slice(), "发送".as_bytes(), b"\n"].concat(),
            [b"\xff".as_slice(), "接收".as_bytes(), b"\n"].concat(),
        ),
    ];
    let sent: Vec<u8> = lines.iter().flat_map(|(line, _)| line.clone()).collect();
    client.note(
        "the four lines go in one write: rfile may read them all at once, so every line must \
         come through rfile (a read on the raw stream, rfile.get_mut(), skips what rfile \
         already holds)",
    );
    client.send(&sent);
    for (_, want) in &lines {
        client.expect(want);
    }
    client.send("最后发送".as_bytes());
    client.half_close();
    let (last, error) = client.read_to_end(4096);
    if last != "最后接收".as_bytes() || error.is_some() {
        client.fail(format!(
            "a last line without \\n, then a half-close: expected the answer without \\n, then \
             EOF\n{}",
            testkit::bytes::diff_report("最后接收".as_bytes(), &last)
        ));
    }
    running.stop().server_close();
}

/// How many bytes without a newline step 15 offers `read_line_limited`: far
/// more than `MAX_LINE`, yet few enough that an unbounded read ends (and
/// fails the step) instead of eating the machine's memory.
const FLOOD: u64 = 16 * MAX_LINE as u64;

#[test]
fn step15_chat_handler_bounds_line_length() {
    let _step = step!(LESSON);
    // The limit itself, on a reader that offers a line far too long.
    let (result, sent) = within(LIMIT, "read_line_limited on a line far too long", || {
        let mut reader = BufReader::new(io::repeat(b'x').take(FLOOD));
        let result = read_line_limited(&mut reader, MAX_LINE).map(|l| l.map(|l| l.len()));
        (result, FLOOD - reader.get_ref().limit())
    });
    assert!(
        matches!(&result, Err(e) if e.kind() == io::ErrorKind::InvalidData),
        "read_line_limited(reader, MAX_LINE) on {FLOOD} bytes without a newline: expected an \
         InvalidData error, got {result:?}"
    );
    assert!(
        sent <= (MAX_LINE + 64 * 1024) as u64,
        "read_line_limited read {sent} bytes before giving up: stop after MAX_LINE + 1 ({})",
        MAX_LINE + 1
    );
    let exact = [vec![b'y'; MAX_LINE - 1], b"\n".to_vec()].concat();
    let got = within(
        LIMIT,
        "read_line_limited on a line of exactly MAX_LINE bytes",
        move || read_line_limited(&mut exact.as_slice(), MAX_LINE).map(|l| l.map(|l| l.len())),
    );
    assert!(
        matches!(got, Ok(Some(n)) if n == MAX_LINE),
        "a line of exactly MAX_LINE bytes, newline included, is allowed: got {got:?}"
    );

    // And over a socket: a 1 MB line ends that client, not the server.
    let reports: Reports = Arc::new(Mutex::new(Vec::new()));
    let (listener, addr) = net::listener();
    let mut server = threading(listener, || ChatHandler);
    let hook = reporting_hook(&reports);
    server = within(LIMIT, "ThreadingTcpServer::set_handle_error", move || {
        server.set_handle_error(hook);
        server
    });
    let running = Running::start("ThreadingTcpServer", server, true);
    let mut flood = running.client(addr, "a client that sends a 1 MB line without a newline");
    flood.expect(GREETING.as_bytes());
    let mut writer = flood.stream().try_clone().expect("clone");
    thread::spawn(move || {
        // Fails with a reset or broken pipe once the server gives up: expected.
        let _ = writer.write_all(&vec![b'z'; 1 << 20]);
    });
    flood.note("sends 1 MiB of \"z\" without a newline");
    flood.expect_closed();
    let (k, text) = report_for(
        &reports,
        flood.local_addr(),
        "a client that sent a 1 MB line",
    );
    assert_eq!(
        k, "Io(InvalidData)",
        "a line over MAX_LINE should end the handler with an InvalidData error, reported to \
         the hook; got {k}: {text}"
    );
    let mut next = running.client(addr, "the next client");
    next.expect(GREETING.as_bytes());
    next.send("发送\n".as_bytes());
    next.expect("接收\n".as_bytes());
    drop(next);
    let _ = flood.stream().shutdown(Shutdown::Both);
    running.stop().server_close();
}

/// How long step 16 watches an idle server. Waiting in `accept` or
/// `recv_from` with a timeout costs well under a millisecond per poll, and
/// each poll ends asleep in the kernel; a loop that retries a non-blocking
/// socket at once never sleeps (see `testkit::cpu`).
const IDLE: Duration = Duration::from_secs(1);

#[rstest]
#[case::serial("TcpServer")]
#[case::serial_zero_poll("TcpServer, zero poll")]
#[case::threading("ThreadingTcpServer")]
#[case::udp("UdpServer")]
fn step16_idle_servers_do_not_spin(#[case] kind: &'static str) {
    let _step = step!(LESSON);
    let log = new_log();
    match kind {
        "TcpServer" => {
            let (listener, addr) = net::listener();
            let running = Running::start(kind, serial(listener, echo(true, &log)), true);
            greet_once(&running, addr);
            idle_cpu(&running);
            running.stop();
        }
        "TcpServer, zero poll" => {
            let (listener, addr) = net::listener();
            let server = serial(listener, echo(true, &log));
            let running = Running::polling("TcpServer", server, true, Duration::ZERO);
            greet_once(&running, addr);
            idle_cpu(&running);
            running.stop();
        }
        "ThreadingTcpServer" => {
            let (listener, addr) = net::listener();
            let running = Running::start(kind, threading(listener, echo(true, &log)), true);
            greet_once(&running, addr);
            idle_cpu(&running);
            running.stop().server_close();
        }
        _ => {
            let (server, addr) = udp_server();
            let running = Running::start(kind, server, true);
            let (client, _) = net::udp();
            client
                .set_read_timeout(Some(Duration::from_millis(50)))
                .expect("set a read timeout");
            ask(&client, addr, b"Idle", "directly");
            idle_cpu(&running);
            running.stop();
        }
    }
}

/// One client served, so the server is surely in its loop.
fn greet_once<S: Serve>(running: &Running<S>, addr: SocketAddr) {
    let mut client = running.client(addr, "a client before the server is left idle");
    client.expect(b"hello\n");
}

/// Fails the step if the serving thread spins while nobody is connecting
/// for [`IDLE`]: CPU time without going to sleep.
fn idle_cpu<S: Serve>(running: &Running<S>) {
    let what = running.learner.what().to_owned();
    let Ok(Some(clock)) = running.clock.recv_timeout(LIMIT) else {
        eprintln!("note: this platform cannot watch a thread's work; the spin check is skipped");
        return;
    };
    thread::sleep(Duration::from_millis(100));
    let before = clock.usage();
    thread::sleep(IDLE);
    if let Some(end) = running.learner.ended() {
        running.fail(format!(
            "{what} ended while no client was connecting: {end}"
        ));
    }
    let (Some(before), Some(after)) = (before, clock.usage()) else {
        running.fail(format!(
            "{what}: its thread ended while the server was idle"
        ));
    };
    let used = after.since(before);
    eprintln!("{what}: {} in {IDLE:?} with no client", used.describe());
    if used.spins() {
        let zero = if running.poll.is_zero() {
            " A zero poll interval means \"look for a shutdown as often as you can\", asleep \
             in the kernel all the same: a timeout of a millisecond, say, not a non-blocking \
             accept retried at once."
        } else {
            ""
        };
        running.fail(format!(
            "{what} used {} in {IDLE:?} with no client at all: it spins. Between clients a \
             server must sleep in the kernel: wait inside accept (or recv_from) with the poll \
             interval as its timeout, instead of retrying a non-blocking socket in a \
             loop.{zero}",
            used.describe()
        ));
    }
}
